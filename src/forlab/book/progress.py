"""Progress bars that belong to the terminal, never to a page of the book.

A chapter runs in a Jupyter kernel (papermill, nbval, JupyterLab). A tqdm bar written to the kernel's
``sys.stderr`` becomes a stream output of the cell, hence lines of ``|████|`` in the executed notebook; and
``tqdm.auto`` would try ipywidgets and warn "IProgress not found". :func:`bar` draws a plain text tqdm bar on the
terminal of the process instead:

- in a plain Python process, on ``sys.stderr`` (the terminal, or whatever the caller redirected it to);
- in a kernel, on the kernel process's own stderr: the terminal of ``forlab run`` / ``forlab book`` (papermill
  starts the kernel with the caller's stderr) or of the Jupyter server. ipykernel >= 6 pipes file descriptor 2 into
  the cell's output as well, so writing to ``sys.__stderr__`` would still reach the page; the original descriptor is
  the one ``sys.stderr.fileno()`` returns, and the bar writes there.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from tqdm import tqdm

_TERMINALS: dict[int, TextIO] = {}


def in_kernel() -> bool:
    """True inside a Jupyter (ipykernel) kernel, whose ``sys.stderr`` feeds the cell's output."""
    return type(sys.stderr).__module__.startswith("ipykernel")


def terminal() -> TextIO | None:
    """The stream a progress bar may write to without reaching a notebook page (None: there is none)."""
    if not in_kernel():
        return sys.stderr
    try:
        fd = sys.stderr.fileno()  # ipykernel's OutStream: the copy of the process's original stderr
    except (io.UnsupportedOperation, AttributeError, ValueError, OSError):
        return sys.__stderr__  # no descriptor capture: sys.__stderr__ is the process's own stderr
    if fd not in _TERMINALS:
        _TERMINALS[fd] = open(fd, "w", buffering=1, closefd=False, encoding="utf-8", errors="replace")  # noqa: SIM115
    return _TERMINALS[fd]


def bar(
    iterable: Iterable[Any] | None = None,
    total: int | None = None,
    desc: str | None = None,
    disable: bool = False,
    **kwargs: Any,
) -> tqdm:
    """A tqdm text bar on :func:`terminal` (use like ``tqdm``: iterate over it, or ``update`` and ``close`` it).

    ``disable=True`` draws nothing; so does a process without a terminal stream. Other keyword arguments go to
    tqdm (``unit``, ``leave``, ...).
    """
    out = terminal()
    if out is None or getattr(out, "closed", False):
        disable = True
    kwargs.setdefault("dynamic_ncols", out is not None and _isatty(out))
    return tqdm(iterable, total=total, desc=desc, disable=disable, file=out, **kwargs)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


__all__ = ["bar", "in_kernel", "terminal"]


def line(text: str) -> None:
    """One progress line on the terminal (`terminal`), never on a notebook page; dropped when there is none."""
    stream = terminal()
    if stream is not None:
        print(text, file=stream, flush=True)
