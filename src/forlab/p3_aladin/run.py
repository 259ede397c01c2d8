"""Run ALADIN on a partitioned AC network, in-process or with every region as a Dask actor.

`run_aladin(net, partition, options, mode=...)` is the whole algorithm (Houska, Frasch & Diehl 2016; the AC-OPF
form of Engelmann et al. 2019, as in ALADIN-alpha and rapidPF):

    z = x0 (flat start of every region), lambda = 0, rho = rho0, mu = mu0
    repeat
        1-2. every region: local NLP around z_i with lambda, rho -> x_i, gradient, Hessian, active Jacobian
             stop if  max |sum_i A_i x_i| <= eps  and  max_i ||x_i - z_i||_inf <= eps
        3.   coordinator: coupled QP with slack (one sparse KKT solve) -> dx, lambda_QP
        4.   z = x + dx, lambda = lambda_QP;  rho, mu grow

Execution modes (``mode``):

* ``"inprocess"``: the regions are plain objects in this process, called one after the other;
* ``"dask"``: each region is a Dask **actor** created on a worker of a local cluster (`forlab.book.parallel.client`)
  from its own `RegionData`; the coordinator keeps only what is exchanged (the consensus matrices, lambda, z and
  the regions' answers);
* ``"address"``: as ``"dask"`` on an existing scheduler (``address="tcp://host:8786"``);
* ``"wan"``: as ``"dask"`` with an emulated one-way latency of ``latency_ms`` per message. It is slept by the
  coordinator: the requests of a round leave ``latency_ms`` after they are ready, the replies are used ``latency_ms``
  after the last one arrived. All messages of a round travel in parallel, so a round costs two one-way latencies
  whatever the placement of regions on workers (sleeping inside the actors would serialise the latencies of regions
  that share a worker process).

A region that does not answer within ``options.timeout_s``, or whose worker leaves the cluster, ends the run with a
`RegionFailed` error naming the region and its worker.

Times are wall-clock seconds, bytes are pickle sizes of what would cross the wire (also in-process), costs are in
the currency of the case per hour (MATPOWER: $/h).
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import dataclasses
import pickle
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forlab.p3_aladin import coordinator as coord
from forlab.p3_aladin.partition import Partition, RegionData
from forlab.p3_aladin.partition import partition as make_partition
from forlab.p3_aladin.region import Region

MODES = ("inprocess", "dask", "address", "wan")


@dataclass
class ALADINOptions:
    """ALADIN options; defaults are ALADIN-alpha's (``loadDefOpts.m``) unless stated otherwise.

    Attributes:
        rho0: initial penalty of the proximal term of the local NLPs (scaled cost per p.u.^2). Default 1e2.
        rho_update: factor applied to rho after every iteration. Default 1.1.
        rho_max: cap of rho. Default 1e8.
        mu0: initial penalty of the consensus slack in the coupled QP (scaled cost per p.u.^2). Default 1e3.
        mu_update: factor applied to mu after every iteration. Default 2.
        mu_max: cap of mu. Default 2e6.
        max_iter: largest number of iterations (local steps). Default 30.
        eps: termination tolerance on the consensus violation max|sum A_i x_i| and on max||x_i - z_i||_inf
            (rad / p.u.). Default 1e-6 (ALADIN-alpha stops on 1e-10 consensus; the book's target is 1e-6).
        eps_power: termination tolerance on the power mismatch the consensus residual hides (`Partition.
            power_mismatch`, p.u.); ``None`` to stop on ``eps`` alone. Default 1e-5 (forlab choice: a DS feeder
            scaled to a TS bus has series admittances of hundreds of p.u., so 1e-6 rad of angle mismatch would
            leave 1e-4 p.u. of power and a visible cost gap).
        active_margin: distance to a limit within which a constraint or bound counts as active (p.u., rad,
            squared p.u. for branch limits). Default 1e-6.
        reg: lower bound of the eigenvalues of the regularised local Hessians. Default 1e-4.
        alpha: step length of the primal update z = x + alpha dx. Default 1 (full step).
        cost_scale: factor on unit costs in every objective; ``None`` = automatic, 1 / (base MVA x mean marginal
            cost of the units at mid output, per MWh), which makes gradients in p.u. of order one (forlab choice).
        init: start of the regions: "flat" (angles 0, magnitudes 1 p.u., units mid-range) or "pf" (the base-case
            power flow of the net, as a state estimate each operator has of its own grid). Default "flat".
        qp: form of the coupled QP (`forlab.p3_aladin.coordinator`). "reduced" (default, forlab's choice): exact
            local Hessians, QP in the null space of the local equality constraints with the coupled reduced
            Hessian regularised as a whole (eigenvalue floor ``reg``), variable bounds and linearised inequality
            constraints kept, solved by Clarabel. "kkt": ALADIN-alpha's QP, local Hessians regularised by each
            region, active constraints as equalities, one sparse KKT solve. The chapter compares the two.
        consensus_weight: scaling of the consensus rows in the QP's slack penalty, ``mu * w_r**2`` for row r
            (`consensus_weights`): "admittance" weighs a row by the tie admittance behind it relative to the
            network's median branch, so that mu prices the power a residual hides; "none": ALADIN-alpha's scalar
            mu; "auto" (default, forlab's choice): "admittance" on zone partitions of T+D systems, "none" on
            area partitions of transmission grids.
        sigma: the proximal scaling Sigma of the local NLPs (`proximal_weights`): "admittance" ``w_r**2`` on the
            variables of consensus row r, 1 elsewhere; "none": Sigma = I (ALADIN-alpha's default); "auto"
            (default) as ``consensus_weight``. Measured (chapter 07): on T+D systems, whose DS feeders are tens to
            hundreds of times stiffer than the median branch, the unscaled form stalls for tens of iterations at
            a point whose angle residual of 1e-4 rad hides MW of power (case30+case69+case33bw: target after 38
            iterations unscaled, 9 scaled); on case300 in 4 areas, whose ties are at most a few times the median
            branch, the scaled form is slower (target after 13 iterations unscaled, not within 30 scaled).
        timeout_s: longest wait for one region's answer before the run fails (s). Default 600.
        ipopt: Ipopt options of the local NLPs overriding `forlab.p3_aladin.region.LOCAL_IPOPT`.
    """

    rho0: float = 1e2
    rho_update: float = 1.1
    rho_max: float = 1e8
    mu0: float = 1e3
    mu_update: float = 2.0
    mu_max: float = 2e6
    max_iter: int = 30
    eps: float = 1e-6
    eps_power: float | None = 1e-5
    active_margin: float = 1e-6
    reg: float = 1e-4
    alpha: float = 1.0
    cost_scale: float | None = None
    init: str = "flat"
    qp: str = "reduced"
    consensus_weight: str = "auto"
    sigma: str = "auto"
    timeout_s: float = 600.0
    ipopt: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class RegionFailed(RuntimeError):
    """A region did not answer: its worker died, it timed out, or its step raised."""


@contextlib.contextmanager
def blas_threads(n: int = 1):
    """Limit the OpenBLAS libraries of numpy and scipy to ``n`` threads for the duration of a ``with`` block.

    The coordinator's dense factorisations are small (a few hundred rows); on a loaded machine a multi-threaded
    BLAS spends 100x longer waiting for its threads than computing (measured: a 250 x 250 ``eigh`` in 1.1 s instead
    of 7 ms). Dask workers already run with one BLAS thread. Libraries other than scipy's OpenBLAS builds are left
    alone.
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


def auto_cost_scale(partition: Partition) -> float:
    """1 / (base MVA x mean marginal cost at mid output of the units with a cost), in 1 / (currency per hour)."""
    u = partition.model.units
    if not len(u):
        return 1.0
    base = partition.model.base_mva
    p_mid = 0.5 * (np.maximum(u["pmin"], -10.0) + np.minimum(u["pmax"], 10.0)).to_numpy(float) * base
    marg = np.abs(2 * u["cp2"].to_numpy(float) * p_mid + u["cp1"].to_numpy(float))
    marg = marg[marg > 0]
    return 1.0 / (base * float(marg.mean())) if len(marg) else 1.0


# ---------------------------------------------------------------------------------------------------- agents
class InProcessAgents:
    """Regions as plain objects in this process, called one after the other."""

    mode = "inprocess"

    def __init__(self, datas: list[RegionData], region_kwargs: dict, timeout_s: float = 600.0):
        self.names = [d.name for d in datas]
        self.regions = [Region(d, **region_kwargs) for d in datas]
        self.workers = ["local"] * len(datas)

    def call(self, method: str, args: list[tuple]) -> list[dict]:
        out = []
        for name, reg, a in zip(self.names, self.regions, args):
            try:
                out.append(getattr(reg, method)(*a))
            except Exception as err:
                raise RegionFailed(f"region {name!r}: {method} raised {type(err).__name__}: {err}") from err
        return out

    def close(self) -> None:
        self.regions = []


class DaskAgents:
    """Regions as Dask actors, one per region, placed round-robin on the client's workers."""

    mode = "dask"

    def __init__(self, client, datas: list[RegionData], region_kwargs: dict, timeout_s: float = 600.0,
                 latency_s: float = 0.0):
        self.client = client
        self.latency_s = float(latency_s)
        self.names = [d.name for d in datas]
        self.timeout_s = float(timeout_s)
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise RuntimeError("the Dask cluster has no workers")
        self.workers = [workers[k % len(workers)] for k in range(len(datas))]
        futures = [client.submit(Region, d, **region_kwargs, actor=True, workers=[w], pure=False,
                                 allow_other_workers=False)
                   for d, w in zip(datas, self.workers)]
        self._futures = futures
        self.actors = [self._wait(f, name, w, "build") for f, name, w in zip(futures, self.names, self.workers)]

    def _alive(self, worker: str) -> bool:
        try:
            return worker in self.client.scheduler_info()["workers"]
        except Exception:  # noqa: BLE001 - a scheduler we cannot reach counts as a dead worker
            return False

    def _wait(self, fut, name: str, worker: str, what: str):
        """Result of an actor (or actor-creation) future, polling for the worker's death while waiting."""
        t0 = time.perf_counter()
        while True:
            try:
                return fut.result(timeout=1.0)
            except TimeoutError:
                pass
            except Exception as err:
                raise RegionFailed(
                    f"region {name!r} on worker {worker}: {what} failed with {type(err).__name__}: {err}") from err
            if not self._alive(worker):
                raise RegionFailed(f"region {name!r}: its worker {worker} left the cluster during {what} "
                                   f"(worker process died?)")
            if time.perf_counter() - t0 > self.timeout_s:
                raise RegionFailed(f"region {name!r} on worker {worker}: no answer to {what} within "
                                   f"{self.timeout_s:g} s")

    def call(self, method: str, args: list[tuple]) -> list[dict]:
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        futs = []
        for name, actor, w, a in zip(self.names, self.actors, self.workers, args):
            try:
                futs.append(getattr(actor, method)(*a))
            except Exception as err:
                raise RegionFailed(f"region {name!r} on worker {w}: cannot send {method}: {err}") from err
        out = [self._wait(f, name, w, method) for f, name, w in zip(futs, self.names, self.workers)]
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        return out

    def close(self) -> None:
        self.actors = []
        self._futures = []


# ---------------------------------------------------------------------------------------------------- result
@dataclass
class ALADINResult:
    """Outcome of one distributed run (ALADIN or ADMM).

    Attributes:
        algorithm: "aladin" or "admm". mode: execution mode. converged: termination test met.
        iterations: number of local steps done. objective: sum of the regions' unit costs at the last local
            solutions (per hour). reference: centralized AC-OPF optimum (per hour; nan when not available).
        log: one row per iteration (see `ITERATION_LOG` for the columns).
        messages: one row per (direction, field): what crosses the wire in one iteration, with its size and bytes.
        xs: last local solutions (local layouts). regions: region names. workers: where each region ran.
        setup_s: time to create the regions (s). total_s: wall time of the iterations (s).
        options: the options used (dict).
    """

    algorithm: str
    mode: str
    converged: bool
    iterations: int
    objective: float
    reference: float
    log: pd.DataFrame
    messages: pd.DataFrame
    xs: list
    regions: list
    workers: list
    setup_s: float
    total_s: float
    options: dict
    status: str = ""

    @property
    def gap(self) -> float:
        """Relative optimality gap |objective - reference| / |reference| (dimensionless)."""
        return abs(self.objective - self.reference) / abs(self.reference)

    @property
    def consensus(self) -> float:
        """Final consensus violation max|sum A_i x_i| (rad / p.u.)."""
        return float(self.log["consensus"].iloc[-1]) if len(self.log) else float("nan")

    def summary(self) -> dict:
        return {"algorithm": self.algorithm, "mode": self.mode, "converged": self.converged, "iterations": self.iterations,
                    "objective": self.objective, "reference": self.reference, "gap": self.gap, "consensus": self.consensus,
                    "total_s": self.total_s, "setup_s": self.setup_s, "status": self.status}


ITERATION_LOG = {
    "consensus": "max |sum_i A_i x_i| of the local solutions (rad / p.u.)",
    "power_mismatch": "max over consensus rows of |residual| x tie admittance (p.u. of power)",
    "step": "max_i ||x_i - z_i||_inf (rad / p.u.)",
    "objective": "sum of the regions' unit costs at the local solutions (per hour)",
    "gap": "|objective - centralized optimum| / centralized optimum",
    "rho": "penalty of the local NLPs in this iteration",
    "mu": "penalty of the QP slack in this iteration",
    "local_s": "local time (NLP + sensitivities), max over regions (s)",
    "nlp_s": "local NLP time, max over regions (s)",
    "local_sum_s": "local time summed over regions (s)",
    "qp_s": "coordinator time: set up and solve the coupled QP / the averaging step (s)",
    "comm_s": "round-trip wall time minus local compute (max over regions in Dask modes, sum in-process) (s)",
    "iter_s": "wall time of the whole iteration (s)",
    "bytes_down": "pickled bytes sent coordinator -> regions",
    "bytes_up": "pickled bytes sent regions -> coordinator",
    "n_active": "active inequality constraints and bounds, all regions",
    "nlp_iterations": "Ipopt iterations, max over regions",
    "nlp_ok": "all local NLPs solved (Ipopt success or acceptable)",
    "lambda_min": "smallest eigenvalue of the coupled reduced Hessian before regularisation (qp='reduced')",
}

OK_STATUSES = ("Solve_Succeeded", "Solved_To_Acceptable_Level")


def auto_scaling(partition: Partition, kind: str) -> str:
    """The scaling "auto" stands for: "admittance" on a zone partition (a T+D system cut into TS and DSs, whose ties
    are DS feeders far stiffer than the median branch), "none" otherwise; other values are returned as given."""
    if kind != "auto":
        return kind
    return "admittance" if partition.method == "zone" else "none"


def consensus_weights(partition: Partition, kind: str) -> np.ndarray:
    """Weight of every consensus row (dimensionless): the QP's slack penalty of row r is ``mu * weight_r**2`` and
    the proximal weight (Sigma) of the variables in row r is ``weight_r**2`` (`proximal_weights`).

    "admittance": ``max(1, tie_admittance_r / y_typ)`` with ``y_typ`` the median series admittance |y_ft| of the
    network's branches: a row whose residual hides more power than a typical branch would (a DS feeder scaled
    to a TS bus: tens to hundreds of times the median) is penalised in proportion to that power; rows across
    ordinary ties keep weight 1. "none": 1 for every row (ALADIN-alpha's Sigma = I and scalar mu). "auto": see
    `auto_scaling`.
    """
    kind = auto_scaling(partition, kind)
    if kind == "none":
        return np.ones(partition.n_cons)
    if kind == "admittance":
        y_typ = float(np.median(np.abs(partition.model.yft)))
        return np.maximum(1.0, partition.consensus.tie_admittance.to_numpy(float) / y_typ)
    raise ValueError(f"consensus_weight must be 'auto', 'admittance' or 'none', not {kind!r}")


def proximal_weights(partition: Partition, weight: np.ndarray) -> list[tuple[np.ndarray]]:
    """Per region, the diagonal of Sigma: ``weight_r**2`` on every variable of consensus row r (the largest over
    its rows), 1 elsewhere; as one-element argument tuples for `Region.set_sigma`."""
    out = []
    for reg in partition.regions:
        s = np.ones(reg.n_x)
        a = reg.A.tocoo()
        np.maximum.at(s, a.col, weight[a.row] ** 2)
        out.append((s,))
    return out


def reference_objective(net) -> float:
    """Optimum of the centralized AC-OPF (`forlab.opf.solve`), nan when it fails: used only to report gaps."""
    from forlab import opf

    res = opf.solve(net)
    if not res.success:
        warnings.warn(f"centralized AC-OPF of {net.name!r} failed ({res.status}): gaps are not reported",
                      stacklevel=2)
        return float("nan")
    return float(res.objective)


def power_flow_start(net, partition: Partition) -> list[np.ndarray]:
    """Local start vectors from pandapower's power flow of the net as given (angles relative to the slack)."""
    import pandapower as pp

    m = partition.model
    net = copy.deepcopy(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.runpp(net, init="dc", calculate_voltage_angles=True, trafo_model="pi", numba=m.nb > 1000)
    va = np.deg2rad(net.res_bus.loc[m.bus_pd, "va_degree"].to_numpy(float))
    vm = net.res_bus.loc[m.bus_pd, "vm_pu"].to_numpy(float)
    pg, qg = np.zeros(m.ng), np.zeros(m.ng)
    for k, row in m.units.iterrows():
        res = net[f"res_{row.et}"].loc[row.element]
        pg[k], qg[k] = res.p_mw / m.base_mva, res.q_mvar / m.base_mva
    u = m.units
    pg = np.clip(np.nan_to_num(pg), u["pmin"].to_numpy(float), u["pmax"].to_numpy(float))
    qg = np.clip(np.nan_to_num(qg), u["qmin"].to_numpy(float), u["qmax"].to_numpy(float))
    vm = np.clip(vm, m.vmin, m.vmax)
    return partition.split(va, vm, pg, qg)


def nbytes(obj) -> int:
    """Size of ``obj`` pickled with the highest protocol (bytes): what Dask would put on the wire."""
    return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def message_table(requests: list[tuple], replies: list[dict], names: list[str], request_fields: list[str],
                  reply_fields: list[str]) -> pd.DataFrame:
    """What crosses the wire in one iteration: one row per region, direction and field with its size and bytes."""
    rows = []
    for name, req, rep in zip(names, requests, replies):
        for fname, val in zip(request_fields, req):
            rows.append({"region": name, "direction": "coordinator -> region", "field": fname,
                             "numbers": _numbers(val), "bytes": nbytes(val)})
        for fname in reply_fields:
            if fname in rep:
                rows.append({"region": name, "direction": "region -> coordinator", "field": fname,
                                 "numbers": _numbers(rep[fname]), "bytes": nbytes(rep[fname])})
    return pd.DataFrame(rows)


def _numbers(val) -> int:
    """How many numbers a message field holds (stored non-zeros of a sparse matrix)."""
    if hasattr(val, "nnz"):
        return int(val.nnz)
    return int(np.size(val))


# ---------------------------------------------------------------------------------------------------- setup
def make_agents(partition: Partition, region_kwargs: dict, mode: str, client=None, timeout_s: float = 600.0,
                latency_s: float = 0.0):
    """Create the regions for ``mode`` ("inprocess" or a Dask mode with ``client``; ``latency_s`` one-way)."""
    datas = partition.regions
    if mode == "inprocess":
        return InProcessAgents(datas, region_kwargs, timeout_s)
    if client is None:
        raise ValueError(f"mode {mode!r} needs a Dask client")
    return DaskAgents(client, datas, region_kwargs, timeout_s, latency_s)


class _Session:
    """Agents for a run: makes (and closes) a Dask client when the mode needs one and none is given."""

    def __init__(self, partition, region_kwargs, mode, client, address, n_workers, timeout_s, latency_s=0.0):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self._ctx = None
        if mode != "inprocess" and client is None:
            from forlab.book.parallel import client as make_client

            if mode == "address" and address is None:
                raise ValueError("mode 'address' needs address='tcp://host:port' of a running dask scheduler")
            n = n_workers if n_workers is not None else min(partition.n_regions, _default_workers())
            self._ctx = make_client(address=address if mode == "address" else None, n_workers=n)
            client = self._ctx.__enter__()
        self.client = client
        try:
            self.agents = make_agents(partition, region_kwargs, mode, client, timeout_s, latency_s)
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


def check_mode(mode: str, latency_ms: float) -> None:
    """Validate an execution mode and its latency (ms): a positive latency belongs to mode "wan" and only there."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if mode == "wan" and not latency_ms > 0:
        raise ValueError("mode 'wan' needs latency_ms > 0 (the emulated one-way latency per message)")
    if mode != "wan" and latency_ms:
        raise ValueError(f"latency_ms is emulated in mode 'wan' only, not in {mode!r}")


def prepare(net, partition: Partition | None, options, method: str, n_regions: int) -> tuple[Partition, float]:
    """The partition (built when not given) and the cost scale of a run."""
    part = make_partition(net, method=method, n_regions=n_regions) if partition is None else partition
    scale = options.cost_scale if options.cost_scale is not None else auto_cost_scale(part)
    return part, float(scale)


# ---------------------------------------------------------------------------------------------------- ALADIN
def parallel_step(agents, lam: np.ndarray, zs: list[np.ndarray], rho: float, partition: Partition,
                  qp: str = "reduced") -> tuple:
    """ALADIN steps 1-2 on every region; returns the answers, the requests sent and the round's wall time (s)."""
    requests = [(lam[r.rows], zs[k], rho, qp) for k, r in enumerate(partition.regions)]
    t0 = time.perf_counter()
    answers = agents.call("aladin_step", requests)
    return answers, requests, time.perf_counter() - t0


def run_distributed(
    iterate: Callable,
    net,
    partition: Partition | None,
    options,
    region_kwargs: dict,
    *,
    mode: str = "inprocess",
    client=None,
    address: str | None = None,
    n_workers: int | None = None,
    latency_ms: float = 0.0,
    reference: float | None = None,
    method: str = "spectral",
    n_regions: int = 3,
    callback: Callable | None = None,
) -> ALADINResult:
    """What every distributed run shares (ALADIN and ADMM): partition, cost scale, reference, regions, clean-up.

    iterate: ``f(net, partition, options, session, reference, setup_s, mode, callback, cost_scale)``, the
        algorithm's loop. options: its options (with ``cost_scale`` and ``timeout_s``). region_kwargs: arguments
        of `Region` besides its data and the cost scale.
    partition: regions (default: ``method``/``n_regions`` partition of the net).
    mode: "inprocess", "dask", "address" or "wan"; client: an existing Dask client for the Dask modes (else one is
        made with ``n_workers`` workers, default min(regions, cores), or connected to ``address``).
    latency_ms: emulated one-way latency per message (ms), mode "wan" only (where it must be > 0).
    reference: centralized optimum (per hour) for the gap; computed with `forlab.opf.solve` when None. It is used
        for reporting only, never for initialisation.
    callback: ``f(iteration, row)`` called after every iteration with the log row (e.g. for progress or tests).
    """
    check_mode(mode, latency_ms)
    part, scale = prepare(net, partition, options, method, n_regions)
    ref = reference_objective(net) if reference is None else float(reference)
    t0 = time.perf_counter()
    session = _Session(part, {"cost_scale": scale, **region_kwargs}, mode, client, address, n_workers,
                       options.timeout_s, latency_ms / 1e3)
    setup_s = time.perf_counter() - t0
    try:
        with blas_threads(1):
            return iterate(net, part, options, session, ref, setup_s, mode, callback, scale)
    finally:
        session.close()


def run_aladin(net, partition: Partition | None = None, options: ALADINOptions | None = None,
               **execution) -> ALADINResult:
    """Solve the AC-OPF of ``net`` by ALADIN over ``partition`` (module docstring).

    execution: the keyword arguments of `run_distributed` (mode, client, address, n_workers, latency_ms,
    reference, method, n_regions, callback).
    """
    options = options or ALADINOptions()
    region_kwargs = {"active_margin": options.active_margin, "reg": options.reg, "ipopt": options.ipopt}
    return run_distributed(_iterate_aladin, net, partition, options, region_kwargs, **execution)


def _iterate_aladin(net, part, options, session, ref, setup_s, mode, callback, scale) -> ALADINResult:
    agents = session.agents
    A = [r.A for r in part.regions]
    if options.init == "pf":
        zs = power_flow_start(net, part)
        agents.call("set_start", [(z,) for z in zs])
    elif options.init == "flat":
        from forlab.p3_aladin.region import flat_start

        zs = [flat_start(r) for r in part.regions]
    else:
        raise ValueError(f"init must be 'flat' or 'pf', not {options.init!r}")
    lam = np.zeros(part.n_cons)
    rho, mu = options.rho0, options.mu0
    weight = consensus_weights(part, options.consensus_weight)
    sigma = auto_scaling(part, options.sigma)
    if sigma not in ("admittance", "none"):
        raise ValueError(f"sigma must be 'auto', 'admittance' or 'none', not {options.sigma!r}")
    if sigma == "admittance":
        agents.call("set_sigma", proximal_weights(part, consensus_weights(part, "admittance")))
    rows, messages = [], pd.DataFrame()
    converged, status = False, "max_iter"
    if options.qp not in ("reduced", "kkt"):
        raise ValueError(f"qp must be 'reduced' or 'kkt', not {options.qp!r}")
    bounds = agents.call("bounds", [() for _ in part.regions]) if options.qp == "reduced" else None
    xs = zs
    t_run = time.perf_counter()
    for it in range(1, options.max_iter + 1):
        t_it = time.perf_counter()
        answers, requests, round_s = parallel_step(agents, lam, zs, rho, part, options.qp)
        xs = [a["x"] for a in answers]
        cons = coord.consensus_violation(A, xs)
        power = part.power_mismatch(xs)
        step = coord.step_size(xs, zs)
        obj = float(sum(a["cost"] for a in answers))
        compute = [a["compute_s"] for a in answers]
        comm = round_s - (sum(compute) if agents.mode == "inprocess" else max(compute))
        row = {"iteration": it, "consensus": cons, "power_mismatch": power, "step": step, "objective": obj, "gap": abs(obj - ref) / abs(ref),
                   "rho": rho, "mu": mu, "local_s": max(compute), "nlp_s": max(a["nlp_s"] for a in answers),
                   "local_sum_s": sum(compute), "qp_s": 0.0, "comm_s": max(comm, 0.0),
                   "bytes_down": sum(nbytes(r) for r in requests), "bytes_up": sum(nbytes(a) for a in answers),
                   "n_active": sum(a["n_active"] for a in answers),
                   "nlp_iterations": max(a["nlp_iterations"] for a in answers),
                   "nlp_ok": all(a["status"] in OK_STATUSES for a in answers), "lambda_min": float("nan"),
                   "newton": float("nan")}
        done = cons <= options.eps and step <= options.eps and (options.eps_power is None
                                                                or power <= options.eps_power)
        if it == 1 or done or it == options.max_iter:
            messages = message_table(requests, answers, part.names, ["lambda", "z", "rho", "qp"],
                                     ["x", "cost", "grad", "hess", "jac", "jac_ineq", "ineq_lo", "ineq_up"])
        if done:
            converged, status = True, "converged"
            row["iter_s"] = time.perf_counter() - t_it
            rows.append(row)
            if callback:
                callback(it, row)
            break
        t_qp = time.perf_counter()
        try:
            if options.qp == "kkt":
                kkt, rhs, sizes = coord.create_coupled_qp(answers, A, xs, lam, mu * weight**2)
                dxs, lam_qp = coord.split_qp_solution(coord.solve_qp(kkt, rhs), sizes)
            else:
                dxs, lam_qp, diag = coord.reduced_qp_step(answers, A, xs, lam, mu * weight**2, bounds,
                                                            options.reg)
                row["lambda_min"], row["newton"] = diag["lambda_min"], diag["newton"]
        except RuntimeError as err:
            status = f"qp_failed: {err}"
            row["qp_s"] = time.perf_counter() - t_qp
            row["iter_s"] = time.perf_counter() - t_it
            rows.append(row)
            break
        zs, lam = coord.compute_al_step(xs, dxs, lam_qp, options.alpha)
        rho, mu = coord.update_penalties(rho, mu, options)
        row["qp_s"] = time.perf_counter() - t_qp
        row["iter_s"] = time.perf_counter() - t_it
        rows.append(row)
        if callback:
            callback(it, row)
    total_s = time.perf_counter() - t_run
    log = pd.DataFrame(rows).set_index("iteration")
    opts = options.to_dict() | {"cost_scale_used": scale}
    return ALADINResult(
        algorithm="aladin", mode=mode, converged=converged, iterations=len(rows), objective=float(log.objective.iloc[-1]),
        reference=ref, log=log, messages=messages, xs=xs, regions=part.names, workers=list(agents.workers),
        setup_s=setup_s, total_s=total_s, options=opts, status=status,
    )
