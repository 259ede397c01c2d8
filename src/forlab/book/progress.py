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

``forlab run --no-progress`` silences all of them (`NO_PROGRESS`).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from tqdm import tqdm

_TERMINALS: dict[int, TextIO] = {}

NO_PROGRESS = "FORLAB_NO_PROGRESS"
"""Environment variable: when set (not empty), no :func:`bar` draws and no :func:`line` prints, nor papermill's
per-cell bar (`forlab.book.runner`). ``forlab run --no-progress`` sets it for the run (:func:`silence`); the
chapter runs in a kernel that papermill starts with a copy of ``os.environ`` (jupyter_client's provisioner), so
the chapter's own bars honour it too. Set it by hand for a quiet ``forlab book`` or Jupyter session (CI logs)."""


def silenced() -> bool:
    """True when `NO_PROGRESS` asks for no progress at all."""
    return bool(os.environ.get(NO_PROGRESS))


@contextlib.contextmanager
def silence(on: bool = True) -> Iterator[None]:
    """Set `NO_PROGRESS` (when ``on``) for the block, and the kernels it starts; its previous value after."""
    before = os.environ.get(NO_PROGRESS)
    if on:
        os.environ[NO_PROGRESS] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(NO_PROGRESS, None)
        else:
            os.environ[NO_PROGRESS] = before


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

    ``disable=True`` draws nothing; so does a process without a terminal stream, or one that `NO_PROGRESS`
    silences. Other keyword arguments go to tqdm (``unit``, ``leave``, ...).
    """
    out = terminal()
    if out is None or getattr(out, "closed", False) or silenced():
        disable = True
    kwargs.setdefault("dynamic_ncols", out is not None and _isatty(out))
    return tqdm(iterable, total=total, desc=desc, disable=disable, file=out, **kwargs)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


__all__ = ["NO_PROGRESS", "bar", "in_kernel", "line", "silence", "silenced", "terminal"]


def line(text: str) -> None:
    """One progress line on the terminal (`terminal`), never on a notebook page; dropped when there is none or
    `NO_PROGRESS` is set."""
    stream = terminal()
    if stream is not None and not silenced():
        print(text, file=stream, flush=True)
