"""Where the local solvers run, and what crosses the wire: execution of a distributed run.

Execution modes (``mode``):

* ``"inprocess"``: the local solvers (regions) are plain objects in this process, called one after the other
  (`InProcessAgents`);
* ``"dask"``: each local solver is created on a worker of a local cluster (`forlab.book.parallel.client`) from its
  own data, the ones of a worker together in one Dask **actor** there (`DaskAgents`); the coordinator keeps only
  what is exchanged (the consensus matrices, lambda, z and the local solvers' answers);
* ``"address"``: as ``"dask"`` on an existing scheduler (``address="tcp://host:8786"``);
* ``"wan"``: as ``"dask"`` with an emulated one-way latency of ``latency_ms`` per message. It is slept by the
  coordinator: the requests of a round leave ``latency_ms`` after they are ready, the replies are used ``latency_ms``
  after the last one arrived. All messages of a round travel in parallel, so a round costs two one-way latencies
  whatever the placement of regions on workers (sleeping inside the actors would serialise the latencies of regions
  that share a worker process).

In the Dask modes every request of a round is sent to all workers before the first answer is awaited, so the
regions' local NLPs and reductions run at the same time on their workers (regions that share a worker take turns,
so the largest regions are spread first; the requests to a worker's regions travel as one message, and their
answers as one); the round then costs the
busiest worker plus the messages, which the log measures (``local_s``, ``reduction_s``, ``communication_s``, ``round_wall_s``; ``local_sum_s`` is what the same
round costs in-process, one region after the other).

A local solver that does not answer within ``options.timeout_s`` (in-process: whose request took longer), or whose
worker leaves the cluster, ends the run with a `RegionFailed` error naming the region (and its worker).

Times are wall-clock seconds; bytes are pickle sizes of what would cross the wire (also in-process), by the one rule
of every method's bytes (`forlab.book.parallel.wire_bytes`): `message_table`.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from forlab.book.parallel import assign, wire_bytes, workers_of
from forlab.p3_aladin.algorithm.problem import ConsensusProblem, LocalSolverSpec, auto_options
from forlab.p3_aladin.algorithm.result import ALADINResult

MODES = ("inprocess", "dask", "address", "wan")


class RegionFailed(RuntimeError):
    """A region did not answer: its worker died, it timed out, or its step raised."""


@contextlib.contextmanager
def blas_threads(n: int = 1):
    """Limit the OpenBLAS libraries of numpy and scipy to ``n`` threads for the duration of a ``with`` block.

    Why this hack exists: the coordinator's dense factorisations (null-space bases, eigenvalues, the reduced
    Hessian) are small, a few hundred rows, and OpenBLAS starts one thread per core for each of them. On a loaded
    machine (the book's runs share two cores) those threads spend 100x longer waiting for each other than
    computing (measured: a 250 x 250 ``eigh`` in 1.1 s instead of 7 ms), and the QP time in the log would measure
    the machine's load, not the algorithm. Dask workers already run with one BLAS thread. There is no portable
    API for this (threadpoolctl is not a dependency), so the OpenBLAS builds that numpy and scipy load are found
    in ``/proc/self/maps`` and their ``set_num_threads`` is called through ctypes; libraries other than scipy's
    OpenBLAS builds, and systems other than Linux, are left alone.
    """
    handles = []
    try:
        with open("/proc/self/maps") as fh:
            paths = sorted({line.split()[-1] for line in fh if "openblas" in line.lower() and ".so" in line})
    except OSError:  # not Linux: leave the BLAS as it is
        paths = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", ""):
            get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                handles.append((put, int(get())))
                put(int(n))
                break
    try:
        yield
    finally:
        for put, old in handles:
            put(old)


# ---------------------------------------------------------------------------------------------------- agents
class InProcessAgents:
    """Local solvers (regions) as plain objects in this process, called one after the other.

    An *agents* executor is what the algorithms talk to: ``call(method, args)`` sends one request to every local
    solver (``args[k]`` to the k-th) and returns their answers in order; ``names``, ``workers`` say who answered
    where (local solvers on one worker run one after the other, those on different workers at the same time:
    `busiest_worker`; in-process every local solver is on the one worker "local").
    """

    mode = "inprocess"

    def __init__(self, specs: list[LocalSolverSpec], timeout_s: float = 120.0):
        self.timeout_s = float(timeout_s)
        self.names = [s.name for s in specs]
        self.regions = [s.factory(*s.args, **s.kwargs) for s in specs]
        self.workers = ["local"] * len(specs)

    def call(self, method: str, args: list[tuple]) -> list[dict]:
        out = []
        for name, reg, a in zip(self.names, self.regions, args):
            t0 = time.perf_counter()
            try:
                out.append(getattr(reg, method)(*a))
            except Exception as err:
                raise RegionFailed(f"region {name!r}: {method} raised {type(err).__name__}: {err}") from err
            # a call in this process cannot be interrupted; one that overran still ends the run, naming the region
            took = time.perf_counter() - t0
            if took > self.timeout_s:
                raise RegionFailed(f"region {name!r}: {method} took {took:.1f} s, longer than timeout_s = "
                                   f"{self.timeout_s:g} s (raise the option timeout_s if the region is just slow)")
        return out

    def close(self) -> None:
        self.regions = []


class DaskAgents:
    """Local solvers (regions) on the workers of a Dask cluster, the largest first, each on the worker with the least
    work so far (`forlab.book.parallel.assign` by the specs' sizes); the solvers of one worker form one actor there,
    an `InProcessAgents` of them, which answers a round's requests to all of them in one message (a worker ran its
    actors one call at a time anyway; one message per worker instead of one per region saves the overhead of the
    extra messages: a no-op request to four regions on two workers took 3.6 ms as four messages, 2.2 ms as two,
    median of 200). ``latency_s``
    (one way) is slept before a round's requests leave and after its last reply arrived (mode "wan")."""

    mode = "dask"

    def __init__(self, client, specs: list[LocalSolverSpec], timeout_s: float = 120.0, latency_s: float = 0.0):
        self.client = client
        self.latency_s = float(latency_s)
        self.names = [s.name for s in specs]
        self.timeout_s = float(timeout_s)
        workers = workers_of(client, what="place the regions")
        where = assign({k: s.size for k, s in enumerate(specs)}, workers)
        self.workers = [where[k] for k in range(len(specs))]
        # which solvers each worker holds, in the specs' order: a request list is split and the answers merged by it
        self._members = {w: [k for k in range(len(specs)) if self.workers[k] == w]
                         for w in dict.fromkeys(self.workers)}
        # each local solver is built on its worker from its own data, which never reaches the coordinator
        self._futures = {w: client.submit(InProcessAgents, [specs[k] for k in ks], self.timeout_s, actor=True,
                                          workers=[w], pure=False, allow_other_workers=False)
                         for w, ks in self._members.items()}
        self.hosts = {w: self._wait(f, w, "build") for w, f in self._futures.items()}

    def _held(self, worker: str) -> str:
        """The regions a worker holds, for messages: "region 'a'" or "regions 'a', 'b'"."""
        names = [repr(self.names[k]) for k in self._members[worker]]
        return f"region {names[0]}" if len(names) == 1 else f"regions {', '.join(names)}"

    def _alive(self, worker: str) -> bool:
        try:
            workers = self.client.scheduler_info()["workers"]
        except Exception:  # noqa: BLE001 - a scheduler we cannot reach counts as a dead worker
            return False
        # an empty list can be a stale answer (`forlab.book.parallel.workers_of`): only a worker missing from a
        # list that names others has surely left; a lone dead worker is caught by timeout_s instead
        return not workers or worker in workers

    def _wait(self, fut, worker: str, what: str):
        """Result of an actor (or actor-creation) future, polling for the worker's death while waiting."""
        t0 = time.perf_counter()
        while True:
            try:
                return fut.result(timeout=1.0)
            except TimeoutError:
                pass
            except RegionFailed as err:  # one region's step raised there: it is named already
                raise RegionFailed(f"{err} (on worker {worker})") from err
            except Exception as err:
                raise RegionFailed(f"{self._held(worker)} on worker {worker}: {what} failed with "
                                   f"{type(err).__name__}: {err}") from err
            if not self._alive(worker):
                raise RegionFailed(f"{self._held(worker)} on worker {worker}: the worker left the cluster during "
                                   f"{what} (worker process died?)")
            if time.perf_counter() - t0 > self.timeout_s:
                raise RegionFailed(f"{self._held(worker)} on worker {worker}: no answer to {what} within "
                                   f"timeout_s = {self.timeout_s:g} s (raise the option timeout_s if the region "
                                   f"is just slow)")

    def call(self, method: str, args: list[tuple]) -> list[dict]:
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        futs = {}
        for w, host in self.hosts.items():
            try:
                futs[w] = host.call(method, [args[k] for k in self._members[w]])
            except Exception as err:
                raise RegionFailed(f"{self._held(w)} on worker {w}: cannot send {method}: {err}") from err
        out = [None] * len(args)
        for w, fut in futs.items():
            for k, answer in zip(self._members[w], self._wait(fut, w, method)):
                out[k] = answer
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        return out

    def close(self) -> None:
        self.hosts = {}
        self._futures = {}


def make_agents(specs: list[LocalSolverSpec], mode: str, client=None, timeout_s: float = 120.0,
                latency_s: float = 0.0):
    """Create the local solvers for ``mode`` ("inprocess" or a Dask mode with ``client``; ``latency_s`` one-way)."""
    if mode == "inprocess":
        return InProcessAgents(specs, timeout_s)
    if client is None:
        raise ValueError(f"mode {mode!r} needs a Dask client")
    return DaskAgents(client, specs, timeout_s, latency_s)


class Session:
    """Agents for a run: makes (and closes) a Dask client when the mode needs one and none is given."""

    def __init__(self, specs: list[LocalSolverSpec], mode: str, client, address: str | None, n_workers: int | None,
                 timeout_s: float, latency_s: float = 0.0):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self._ctx = None
        if mode != "inprocess" and client is None:
            from forlab.book.parallel import client as make_client

            if mode == "address" and address is None:
                raise ValueError("mode 'address' needs address='tcp://host:port' of a running dask scheduler")
            n = n_workers if n_workers is not None else min(len(specs), _default_workers())
            self._ctx = make_client(address=address if mode == "address" else None, n_workers=n)
            client = self._ctx.__enter__()
        self.client = client
        try:
            self.agents = make_agents(specs, mode, client, timeout_s, latency_s)
        except BaseException:
            self.close()
            raise

    def close(self):
        if getattr(self, "agents", None) is not None:
            self.agents.close()
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            ctx.__exit__(None, None, None)


def _default_workers() -> int:
    from forlab.book.parallel import default_workers

    return default_workers()


def busiest_worker(compute_s: list[float], workers: list[str]) -> float:
    """A round's compute time (s): the busiest worker's, the local solvers' times summed per worker (a worker runs
    its local solvers one call at a time; in-process all of them share the one "worker", this process)."""
    per_worker: dict[str, float] = {}
    for t, w in zip(compute_s, workers):
        per_worker[w] = per_worker.get(w, 0.0) + t
    return max(per_worker.values(), default=0.0)


# ---------------------------------------------------------------------------------------------------- messages
def message_table(requests: list[tuple], replies: list[dict], names: list[str], request_fields: list[str],
                  reply_fields: list[str]) -> pd.DataFrame:
    """What crosses the wire in one iteration: one row per region, direction and field with its size and bytes.
    ``request_fields`` names every field of a request, in order: a request with more or fewer fields raises
    ValueError rather than leaving a field out of the table."""
    rows = []
    for name, req, rep in zip(names, requests, replies):
        for fname, val in zip(request_fields, req, strict=True):
            rows.append({"region": name, "direction": "coordinator -> region", "field": fname,
                             "numbers": _numbers(val), "bytes": wire_bytes(val)})
        for fname in reply_fields:
            if fname in rep:
                rows.append({"region": name, "direction": "region -> coordinator", "field": fname,
                                 "numbers": _numbers(rep[fname]), "bytes": wire_bytes(rep[fname])})
    return pd.DataFrame(rows)


def _numbers(val) -> int:
    """How many numbers a message field holds (stored non-zeros of a sparse matrix)."""
    if hasattr(val, "nnz"):
        return int(val.nnz)
    if isinstance(val, dict):  # a coordinator step: xi and y (condensed), or dv and the watched rows joined (dense)
        return sum(_numbers(v) for v in val.values())
    return int(np.size(val))


# ---------------------------------------------------------------------------------------------------- run
def check_mode(mode: str, latency_ms: float) -> None:
    """Validate an execution mode and its latency (ms): a positive latency belongs to mode "wan" and only there."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if mode == "wan" and not latency_ms > 0:
        raise ValueError("mode 'wan' needs latency_ms > 0 (the emulated one-way latency per message)")
    if mode != "wan" and latency_ms:
        raise ValueError(f"latency_ms is emulated in mode 'wan' only, not in {mode!r}")


def run(iterate: Callable, problem: ConsensusProblem, options, *, mode: str = "inprocess", client=None,
        address: str | None = None, n_workers: int | None = None, latency_ms: float = 0.0,
        callback: Callable | None = None) -> ALADINResult:
    """Run an algorithm on a consensus problem with its local solvers placed by ``mode``, and clean up.

    iterate: the algorithm, ``f(problem, agents, options, callback) -> ALADINResult``
        (`forlab.p3_aladin.algorithm.loop.aladin`, `forlab.p3_aladin.algorithm.admm.admm`). options: its options
        (``timeout_s`` and ``local_settings()`` are used here), their "auto" settings resolved for the problem first
        (``options.resolved``, `forlab.p3_aladin.algorithm.problem.auto_options`).
    mode: "inprocess", "dask", "address" or "wan"; client: an existing Dask client for the Dask modes (else one is
        made with ``n_workers`` workers, default min(regions, cores), or connected to ``address``).
    latency_ms: emulated one-way latency per message (ms), mode "wan" only (where it must be > 0).
    callback: ``f(iteration, row)`` called after every iteration with the log row (e.g. for progress or tests).
    Returns the algorithm's result with the requested ``mode`` and the time to build the local solvers
    (``setup_s``).
    """
    check_mode(mode, latency_ms)
    options = options.resolved(auto_options(problem))
    t0 = time.perf_counter()
    session = Session(problem.local_solvers(options.local_settings()), mode, client, address, n_workers,
                      options.timeout_s, latency_ms / 1e3)
    setup_s = time.perf_counter() - t0
    try:
        with blas_threads(1):
            res = iterate(problem, session.agents, options, callback)
        return dataclasses.replace(res, mode=mode, setup_s=setup_s)
    finally:
        session.close()
