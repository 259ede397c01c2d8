"""Peak memory of a piece of work: this process and its children (Dask workers), sampled while it runs.

``ru_maxrss`` only knows the process's high-water mark since it started, so a sweep that grows from small to large
systems could not tell which size needed the memory; `PeakMemory` samples the resident set size (RSS) of the process
and of every child process in a background thread and keeps the largest sum seen between entering and leaving.
A peak shorter than the sampling interval can be missed: the figure is a lower bound, close for work that holds
its memory for longer than ``interval_s``.
"""

from __future__ import annotations

import threading
from typing import Self

import psutil

__all__ = ["PeakMemory"]

MIB = 1024.0**2


def _tree_rss(proc: psutil.Process) -> int:
    """RSS in bytes of ``proc`` and all its children; children that end while being read count as 0."""
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class PeakMemory:
    """Context manager: ``with PeakMemory() as mem: work()`` then ``mem.peak_mib`` (MiB, process and children)."""

    def __init__(self, interval_s: float = 0.1):
        if not interval_s > 0:
            raise ValueError(f"interval_s must be positive, got {interval_s!r}")
        self.interval_s = float(interval_s)
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, _tree_rss(self._proc))

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> Self:
        self._sample()
        self._thread = threading.Thread(target=self._watch, name="forlab-peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()

    @property
    def peak_mib(self) -> float:
        return self.peak_bytes / MIB
