"""Dask helpers: one way to get a client, so that scaling out is one parameter everywhere, and waits that end.

``client(address=None, n_workers=None, security=None)`` yields a `distributed.Client`: connected to an existing
scheduler when an address is given (the same code then runs on a cluster), otherwise on a `LocalCluster` of
single-threaded worker processes (as many as cores by default). ``n_workers=0`` means no Dask at all: callers then
run in-process. Scripts that start a LocalCluster must keep their top level under ``if __name__ == "__main__":``.
``check_address`` is the one rule of an address: `client` applies it, and so does a chapter's check of its
``scheduler`` parameter before a kernel starts.

Every wait ends (issue 20: a stopped worker hung FOR sampling for more than 480 s, a silent peer at the scheduler
address hung the client for more than 150 s although Dask's connect timeout is 30 s):

* `client` first probes the scheduler address with Dask's own handshake under a hard deadline (``timeout_s``) and
  names the address when nothing answers;
* `check_workers` sends one tiny task pinned to each worker and names those that do not answer within its timeout;
* `wait_each` yields futures as they finish and raises TimeoutError naming the worker(s) holding the unfinished tasks
  when none finished for ``timeout_s``.

Security: Dask's protocol pickles, so whoever can reach a scheduler as a client can run any code on every worker
(book page "Security model"). ``security`` takes a `distributed.security.Security` (e.g. ``Security.temporary()``)
or the paths of a CA certificate and of this party's certificate and key; the connection then uses TLS with
certificates (address ``tls://host:port``). `tls_overhead` measures what TLS costs against plain TCP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

# Dask's own default connect timeout (distributed.comm.timeouts.connect): a scheduler that has not answered its
# handshake by then is not going to
CONNECT_TIMEOUT_S = 30.0
# a worker that does not run a no-op within this time is stopped, hung or unreachable (a busy worker runs it as soon
# as its current task ends: every worker has one thread and forlab's tasks are chunks of a few seconds)
WORKER_TIMEOUT_S = 30.0


def wire_bytes(*messages) -> int:
    """Size of ``messages`` as Dask puts them on the wire: each pickled with the highest protocol (bytes). The one
    rule by which every method's ``bytes_exchanged`` is counted (`forlab.opf.outcome`): P1's offers and PCC points,
    P2's surrogates, load factors and set-points, ALADIN's and ADMM's messages; JSON text would count a float64 two
    to three times over, so that methods serialised differently would not compare."""
    return sum(len(pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL)) for m in messages)


def default_workers() -> int:
    """Number of worker processes of a local cluster: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def assign(sizes: Mapping[str, float], workers: list[str]) -> dict[str, str]:
    """Name -> worker for tasks that live on a worker for a whole run (Dask actors): the largest (``sizes``: the
    work each one brings, e.g. buses or variables) first, each to the worker with the least work so far (longest
    processing time first), so that the workers finish a round at about the same time. A worker runs its actors
    one call at a time, so a round lasts as long as its busiest worker."""
    if not workers:
        raise ValueError("no worker to place tasks on: start the cluster's workers first")
    load = dict.fromkeys(workers, 0.0)
    where = {}
    for name in sorted(sizes, key=lambda k: -sizes[k]):
        where[name] = min(workers, key=load.get)
        load[where[name]] += sizes[name]
    return where


def security_of(security) -> object | None:
    """A `distributed.security.Security` from ``security``: None (plain TCP), a Security, or a mapping of paths
    ``{"ca_file": ..., "cert_file": ..., "key_file": ...}`` (key_file optional when the certificate file holds the
    key); the same certificate then serves as client, scheduler and worker certificate, with encryption required."""
    if security is None:
        return None
    from distributed.security import Security

    if isinstance(security, Security):
        return security
    if not isinstance(security, Mapping) or not {"ca_file", "cert_file"} <= set(security) or \
            set(security) - {"ca_file", "cert_file", "key_file"}:
        raise TypeError("security must be None, a distributed.security.Security or a mapping with keys 'ca_file', "
                        f"'cert_file' and optionally 'key_file' (paths of PEM files), got {security!r}")
    for key, path in security.items():
        if not os.path.isfile(path):
            raise ValueError(f"security[{key!r}]: no such file {path!r}")
    ca, cert, key = security["ca_file"], security["cert_file"], security.get("key_file")
    return Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, tls_scheduler_cert=cert,
                    tls_scheduler_key=key, tls_worker_cert=cert, tls_worker_key=key, require_encryption=True)


def probe_scheduler(address: str, security=None, timeout_s: float = CONNECT_TIMEOUT_S) -> dict:
    """The scheduler's identity, asked over Dask's own comm and handshake under a hard deadline; TimeoutError naming
    the address when nothing answers in ``timeout_s`` (Dask's own connect does not end on a silent peer)."""
    from distributed.comm import connect

    sec = security_of(security)
    args = sec.get_connection_args("client") if sec is not None else {}

    async def ask() -> dict:
        comm = await connect(address, timeout=timeout_s, **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        # in a thread of its own: a Jupyter kernel already runs an event loop in this one
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, asyncio.wait_for(ask(), timeout_s)).result()
    except TimeoutError:  # asyncio.TimeoutError is TimeoutError since Python 3.11
        raise TimeoutError(f"no Dask scheduler answered at {address} within {timeout_s:g} s: check the "
                           f"address and that a scheduler (not another service) listens there") from None
    except OSError as e:
        raise OSError(f"cannot reach a Dask scheduler at {address}: {e}") from None


NO_SCHEDULER = "a local cluster of n_workers processes; with n_workers 0, no Dask: all in this process"
"""What a chapter's ``scheduler = ""`` means where the chapter hands it to `client` as None beside its ``n_workers``
(`check_address` says it where it refuses an address)."""

# a Dask scheduler's address as `client` connects to it: plain TCP or TLS, a host (an IPv6 one in brackets, as Dask
# writes it) and a port; Dask's own connect would take a missing scheme as tcp and fail late on a missing port
_ADDRESS = re.compile(r"(?:tcp|tls)://(?:\[[^\s/\[\]]+\]|[^\s/:\[\]]+):(\d{1,5})")


def check_address(address, security=None, *, name: str = "scheduler address", empty: str | None = None) -> None:
    """ValueError unless ``address`` is a Dask scheduler's address as `client` takes it: ``tcp://host:port``, or
    ``tls://host:port``, which ``security`` (not None) requires; the port from 1 to 65535. The one rule of an
    address: `client` applies it before it connects, a chapter's ``check_params`` before a kernel starts, so that a
    bad ``-p scheduler`` stops there rather than in a notebook cell. ``name``: the parameter as the reader typed it;
    ``empty``: what "" means for that parameter, which then passes (the message offers it)."""
    if empty is not None and address == "":
        return
    match = _ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if match is None or not 0 < int(match[1]) < 65536:
        blank = f" (the address of a running Dask scheduler), or be \"\" ({empty})" if empty is not None else ""
        raise ValueError(f"{name} must look like 'tcp://host:8786' or 'tls://host:8786'{blank}, got {address!r}")
    if security is not None and not address.startswith("tls://"):
        raise ValueError(f"with security (TLS certificates) the {name} must start with 'tls://', got {address!r}")


@contextlib.contextmanager
def client(address: str | None = None, n_workers: int | None = None, *, security=None,
           timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[object | None]:
    """A Dask client for the duration of a ``with`` block (None when ``n_workers == 0`` and no address).

    address: ``tcp://host:port`` (or ``tls://host:port`` with ``security``) of a running ``dask scheduler``;
    n_workers: size of the local cluster; security: see `security_of` (a local cluster then uses TLS as well);
    timeout_s: connect timeout, enforced also against a peer that accepts the connection and stays silent.
    """
    if address is None and n_workers == 0:
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    sec = security_of(security)
    if address is not None:
        check_address(address, sec)
        probe_scheduler(address, sec, timeout_s)
        kw = {"security": sec} if sec is not None else {}
        with Client(address, timeout=timeout_s, **kw) as c:
            yield c
        return
    n = default_workers() if n_workers is None else int(n_workers)
    if n < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers}")
    kw = {"security": sec, "protocol": "tls://"} if sec is not None else {}
    with dask.config.set({"distributed.worker.daemon": False, "logging.distributed": "error"}), \
            LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40,
                         **kw) as cluster, Client(cluster) as c:  # the client takes the cluster's security
        yield c


def workers_of(c, timeout_s: float = WORKER_TIMEOUT_S, what: str = "run") -> list[str]:
    """The addresses of the client's workers, sorted; RuntimeError saying what to start when there is none.

    ``Client.scheduler_info`` keeps its last answer when asking the scheduler fails with an OSError, and the answer
    it cached at connection lists no worker: a busy scheduler can thus read as an empty cluster (a CI run of chapter
    07 once stopped with "no workers" on a local cluster of two). An empty answer is therefore asked again, through
    ``wait_for_workers`` (which does not swallow errors), for up to ``timeout_s`` before it counts."""
    workers = sorted(c.scheduler_info()["workers"])
    if workers:
        return workers
    with contextlib.suppress(TimeoutError, OSError):
        c.wait_for_workers(1, timeout=timeout_s)
        workers = sorted(c.scheduler_info()["workers"])
    if not workers:
        raise RuntimeError(f"the Dask cluster has no worker to {what} on after {timeout_s:g} s: start one (dask "
                           f"worker <scheduler address>), or run in-process (no client)")
    return workers


def preload(c, *modules: str) -> None:
    """Import ``modules`` on every worker of the client now, so that a timed run that follows does not pay a fresh
    worker process's imports (CasADi, forlab: seconds) in its first task, as the caller's process, which has them
    already, does not."""
    for module in modules:
        c.run(_import, module)


def _import(module: str) -> None:
    """Import ``module`` (on a worker; returns nothing, so that no module object travels back)."""
    import importlib

    importlib.import_module(module)


def _worker_names(c) -> dict[str, str]:
    """Worker address -> "address (name ...)" for messages."""
    info = c.scheduler_info().get("workers", {})
    return {w: f"{w} (name {d.get('name')!r})" if d.get("name") is not None else w for w, d in info.items()}


def check_workers(c, timeout_s: float = WORKER_TIMEOUT_S) -> list[str]:
    """The addresses of the client's workers after each ran a no-op pinned to it; TimeoutError naming every worker
    that did not within ``timeout_s`` (stopped, hung or unreachable), RuntimeError when there is no worker."""
    from distributed import wait

    names = _worker_names(c)
    if not names:
        raise RuntimeError("the Dask cluster has no worker: start at least one (dask worker <scheduler address>)")
    pings = {w: c.submit(os.getpid, workers=[w], allow_other_workers=False, pure=False) for w in names}
    with contextlib.suppress(TimeoutError):
        wait(list(pings.values()), timeout=timeout_s)
    silent = [w for w, f in pings.items() if f.status != "finished"]
    for f in pings.values():
        f.cancel()
    if silent:
        raise TimeoutError(f"Dask worker(s) {', '.join(names[w] for w in silent)} did not run a no-op within "
                           f"{timeout_s:g} s (stopped, hung or unreachable): restart or remove them")
    return list(names)


def wait_each(c, futures: Iterable, timeout_s: float, what: str = "task") -> Iterator[object]:
    """Yield the futures as they finish; TimeoutError naming the workers that hold the unfinished ones when none
    finished for ``timeout_s`` seconds (the remaining futures are cancelled)."""
    from distributed import wait

    pending = set(futures)
    while pending:
        try:
            done, pending = wait(pending, timeout=timeout_s, return_when="FIRST_COMPLETED")
        except TimeoutError:
            raise TimeoutError(_stall_message(c, pending, timeout_s, what)) from None
        yield from done


def _stall_message(c, pending: set, timeout_s: float, what: str) -> str:
    """Which workers hold the pending futures (processing or queued on them), for the timeout message; cancels them."""
    keys = {f.key for f in pending}
    names = _worker_names(c)
    holders = [names.get(w, w) for w, ks in c.processing().items() if keys & set(ks)]
    for f in pending:
        f.cancel()
    where = f"on worker(s) {', '.join(holders)}" if holders else "with no worker processing them"
    return (f"no {what} finished within {timeout_s:g} s: {len(pending)} still pending {where} (stopped, hung or "
            f"overloaded): restart the worker(s) or raise the timeout")


def _round_trips(c, payload: bytes, n: int) -> float:
    """Seconds for n submit/result round trips of a task carrying ``payload`` to a worker and back."""
    t0 = time.perf_counter()
    for _ in range(n):
        c.submit(bytes, payload, pure=False).result()
    return time.perf_counter() - t0


def tls_overhead(payload_bytes: int = 1_000_000, n: int = 20, n_workers: int = 1) -> dict:
    """Measure TLS against plain TCP: the same n round trips (a task with a ``payload_bytes`` argument, returned by
    the worker) on a local cluster with TCP and on one with TLS (``Security.temporary()``, a self-signed certificate;
    needs the ``cryptography`` package). Returns seconds per round trip for both, their ratio and the start-up times.
    """
    from distributed.security import Security

    payload = os.urandom(int(payload_bytes))
    out: dict = {"payload_bytes": int(payload_bytes), "n": int(n)}
    for label, sec in (("tcp", None), ("tls", Security.temporary())):
        t0 = time.perf_counter()
        with client(None, n_workers, security=sec) as c:
            out[f"{label}_start_s"] = time.perf_counter() - t0
            _round_trips(c, payload, 2)  # warm up: worker imports, connections
            out[f"{label}_round_trip_s"] = _round_trips(c, payload, n) / n
    out["tls_over_tcp"] = out["tls_round_trip_s"] / out["tcp_round_trip_s"]
    return out


__all__ = ["CONNECT_TIMEOUT_S", "NO_SCHEDULER", "WORKER_TIMEOUT_S", "check_address", "check_workers", "client",
           "default_workers", "probe_scheduler", "security_of", "tls_overhead", "wait_each"]
