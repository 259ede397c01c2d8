"""Dask helpers: one way to get a client, so that scaling out is one parameter everywhere.

``client(address=None, n_workers=None)`` yields a `distributed.Client`: connected to an existing scheduler when an
address is given (the same code then runs on a cluster), otherwise on a `LocalCluster` of single-threaded worker
processes (as many as cores by default). ``n_workers=0`` means no Dask at all: callers then run in-process.
Scripts that start a LocalCluster must keep their top level under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator


def default_workers() -> int:
    """Number of worker processes of a local cluster: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def client(address: str | None = None, n_workers: int | None = None) -> Iterator[object | None]:
    """A Dask client for the duration of a ``with`` block (None when ``n_workers == 0`` and no address).

    address: ``tcp://host:port`` of a running ``dask scheduler``; n_workers: size of the local cluster.
    """
    if address is None and n_workers == 0:
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    if address is not None:
        if not isinstance(address, str) or "://" not in address:
            raise ValueError(f"scheduler address must look like 'tcp://host:8786', got {address!r}")
        with Client(address) as c:
            yield c
        return
    n = default_workers() if n_workers is None else int(n_workers)
    if n < 1:
        raise ValueError(f"n_workers must be >= 0, got {n_workers}")
    with dask.config.set({"distributed.worker.daemon": False, "logging.distributed": "error"}):
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=40) as cluster, Client(cluster) as c:
            yield c
