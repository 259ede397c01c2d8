"""What a command does when the reader of its output closes the pipe (``forlab list | head``): it stops quietly.

Standard library only: ``scripts/dev.py`` imports it before the venv exists (as it does `forlab.book.provenance`),
and the ``forlab`` command (`forlab.book.cli`) calls the same remedy.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

__all__ = ["ended_quietly", "silence_stdout"]


def ended_quietly(command: Callable[[], int]) -> int:
    """``command()``'s exit status, or 1 without a traceback when the reader of stdout closed the pipe."""
    try:
        status = command()
        sys.stdout.flush()  # a closed pipe shows here, where it is handled, rather than as a traceback at exit
        return status
    except BrokenPipeError:
        silence_stdout()
        return 1


def silence_stdout() -> None:
    """Point stdout at /dev/null: the reader closed the pipe, and Python's flush of stdout at exit would raise
    BrokenPipeError again (Python's documented remedy, see the signal module's notes on SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):  # a stdout without a file descriptor (a test's capture)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
