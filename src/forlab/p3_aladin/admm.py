"""ADMM on the same partition and the same local solver: the baseline ALADIN is measured against.

Consensus ADMM over the coupled variables (each bus voltage angle and magnitude that appears in a consensus row,
with its copies), the form PowerModelsADA's "ADMM" and most distributed-OPF papers use:

    1. every region:  x_i = argmin f_i(x_i) + y_i' x_i,c + rho/2 ||x_i,c - z_i,c||^2   s.t. its local AC constraints
       (`forlab.p3_aladin.region.Region.admm_step`: the ALADIN local NLP with the proximal term on the coupled
       variables only, warm-started in the same way)
    2. coordinator:   z_g = mean over the copies k of group g of (x_k + y_k / rho)      (one value per bus quantity)
    3. every region:  y_i += rho (x_i,c - z_i,c)

Stop when the consensus violation max|sum_i A_i x_i| and the dual residual rho max|z - z_previous| are both below
their tolerances, or after ``max_iter`` iterations. No Hessians or Jacobians cross the wire: only the coupled
variables go up, and their averages with the regions' own multipliers come down (the multipliers are kept by the
regions' messages here, so that the coordinator's z-update needs nothing else).

Units as in `forlab.p3_aladin.run`: rad / p.u., scaled cost (rho in scaled cost per p.u.^2), seconds, bytes.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forlab.p3_aladin import coordinator as coord
from forlab.p3_aladin.partition import Partition
from forlab.p3_aladin.region import flat_start
from forlab.p3_aladin.run import (
    OK_STATUSES,
    ALADINResult,
    message_table,
    nbytes,
    power_flow_start,
    run_distributed,
)


@dataclass
class ADMMOptions:
    """ADMM options (forlab's choices; the chapter states them).

    Attributes:
        rho: penalty of the proximal term (scaled cost per p.u.^2, see `forlab.p3_aladin.run.auto_cost_scale`).
            Default 1e3 (with residual balancing: the start value).
        max_iter: largest number of iterations. Default 1000.
        eps: tolerance on the consensus violation max|sum A_i x_i| (rad / p.u.). Default 1e-4, the tolerance of
            PowerModelsADA's published runs.
        eps_dual: tolerance on the dual residual rho max|z - z_previous| (scaled cost per p.u.). Default 1e-2.
        adaptive: residual balancing (Boyd et al. 2011, section 3.4.1): rho times ``tau`` when the consensus
            violation exceeds ``ratio`` times the dual residual (divided by rho), rho divided by ``tau`` in the
            opposite case. Default True (measured on case118 in 3 areas: consensus 1e-4 and gap 1e-3 after 811
            iterations from rho 1e3; none of rho 1, 10, 1e2, 1e3, 3e3, 1e4, 3e4 fixed got there in 600).
        ratio, tau: parameters of the residual balancing. Defaults 10 and 2.
        init: "flat" or "pf" start, as for ALADIN. Default "flat".
        cost_scale: as `forlab.p3_aladin.run.ALADINOptions.cost_scale`. Default None (automatic).
        timeout_s: longest wait for one region's answer (s). Default 600.
        ipopt: Ipopt options of the local NLPs.
    """

    rho: float = 1e3
    max_iter: int = 1000
    eps: float = 1e-4
    eps_dual: float = 1e-2
    adaptive: bool = True
    ratio: float = 10.0
    tau: float = 2.0
    init: str = "flat"
    cost_scale: float | None = None
    timeout_s: float = 600.0
    ipopt: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def consensus_groups(partition: Partition) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per region, the positions of its coupled variables (`RegionData.coupled`) in a global list of groups:
    returns for each region (its coupled local indices, the group of each), groups numbered 0..n_groups-1 (one per
    bus quantity that has copies)."""
    cons = partition.consensus
    keys = {}
    for row in cons.itertuples():
        keys.setdefault((row.core_region, row.core_index), len(keys))
    member = {}
    for row in cons.itertuples():
        g = keys[(row.core_region, row.core_index)]
        member[(row.copy_region, row.copy_index)] = g
        member[(row.core_region, row.core_index)] = g
    out = []
    for reg in partition.regions:
        c = reg.coupled
        out.append((c, np.array([member[(reg.index, int(k))] for k in c], dtype=int)))
    return out


def average_step(groups, xcs: list[np.ndarray], ys: list[np.ndarray], rho: float, n_groups: int) -> np.ndarray:
    """ADMM z-update: the mean of ``x_k + y_k / rho`` over the members of every group (rad / p.u.)."""
    total = np.zeros(n_groups)
    count = np.zeros(n_groups)
    for (_c, g), xc, y in zip(groups, xcs, ys):
        np.add.at(total, g, xc + y / rho)
        np.add.at(count, g, 1.0)
    return total / np.maximum(count, 1.0)


def balance_residuals(rho: float, primal: float, dual: float, options: ADMMOptions) -> float:
    """Residual balancing: the new rho (primal residual in rad / p.u., dual residual in scaled cost per p.u.)."""
    if primal > options.ratio * dual / rho:
        return rho * options.tau
    if dual / rho > options.ratio * primal:
        return rho / options.tau
    return rho


def run_admm(net, partition: Partition | None = None, options: ADMMOptions | None = None,
             **execution) -> ALADINResult:
    """Solve the AC-OPF of ``net`` by ADMM over ``partition``; ``execution`` as for `forlab.p3_aladin.run.run_aladin`
    (the keyword arguments of `forlab.p3_aladin.run.run_distributed`).

    The result's log has the columns of ALADIN's (``step`` holds the dual residual, ``qp_s`` the averaging time).
    """
    options = options or ADMMOptions()
    return run_distributed(_iterate_admm, net, partition, options, {"ipopt": options.ipopt}, **execution)


def _iterate_admm(net, part, options, session, ref, setup_s, mode, callback, scale) -> ALADINResult:
    agents = session.agents
    groups = consensus_groups(part)
    n_groups = int(max((g.max() for _c, g in groups if len(g)), default=-1)) + 1
    if options.init == "pf":
        x0 = power_flow_start(net, part)
        agents.call("set_start", [(x,) for x in x0])
    elif options.init == "flat":
        x0 = [flat_start(r) for r in part.regions]
    else:
        raise ValueError(f"init must be 'flat' or 'pf', not {options.init!r}")
    zs = [x[c] for x, (c, _g) in zip(x0, groups)]
    ys = [np.zeros(len(c)) for c, _g in groups]
    rho = float(options.rho)
    rows, messages = [], pd.DataFrame()
    converged, status = False, "max_iter"
    t_run = time.perf_counter()
    for it in range(1, options.max_iter + 1):
        t_it = time.perf_counter()
        requests = [(y, z, rho) for y, z in zip(ys, zs)]
        t_round = time.perf_counter()
        answers = agents.call("admm_step", requests)
        round_s = time.perf_counter() - t_round
        xcs = [a["x_c"] for a in answers]
        t_avg = time.perf_counter()
        zbar = average_step(groups, xcs, ys, rho, n_groups)
        new_zs = [zbar[g] for _c, g in groups]
        dual = rho * max((float(np.max(np.abs(nz - z))) if len(z) else 0.0) for nz, z in zip(new_zs, zs))
        ys = [y + rho * (xc - nz) for y, xc, nz in zip(ys, xcs, new_zs)]
        zs = new_zs
        qp_s = time.perf_counter() - t_avg
        cons, power = _consensus(part, groups, xcs)
        obj = float(sum(a["cost"] for a in answers))
        compute = [a["compute_s"] for a in answers]
        comm = round_s - (sum(compute) if agents.mode == "inprocess" else max(compute))
        row = {"iteration": it, "consensus": cons, "power_mismatch": power, "step": dual, "objective": obj, "gap": abs(obj - ref) / abs(ref),
                   "rho": rho, "mu": np.nan, "local_s": max(compute), "nlp_s": max(a["nlp_s"] for a in answers),
                   "local_sum_s": sum(compute), "qp_s": qp_s, "comm_s": max(comm, 0.0),
                   "bytes_down": sum(nbytes(r) for r in requests), "bytes_up": sum(nbytes(a) for a in answers),
                   "n_active": 0, "nlp_iterations": max(a["nlp_iterations"] for a in answers),
                   "nlp_ok": all(a["status"] in OK_STATUSES for a in answers), "lambda_min": np.nan, "newton": np.nan,
                   "iter_s": time.perf_counter() - t_it}
        rows.append(row)
        done = cons <= options.eps and dual <= options.eps_dual
        if it == 1 or done or it == options.max_iter:
            messages = message_table(requests, answers, part.names, ["y", "z", "rho"], ["x_c", "cost"])
        if callback:
            callback(it, row)
        if done:
            converged, status = True, "converged"
            break
        if options.adaptive:
            rho = balance_residuals(rho, cons, dual, options)
    total_s = time.perf_counter() - t_run
    log = pd.DataFrame(rows).set_index("iteration")
    xs = agents.call("solution", [() for _ in part.regions])
    return ALADINResult(
        algorithm="admm", mode=mode, converged=converged, iterations=len(rows),
        objective=float(log.objective.iloc[-1]), reference=ref, log=log, messages=messages, xs=xs,
        regions=part.names, workers=list(agents.workers), setup_s=setup_s, total_s=total_s,
        options=options.to_dict() | {"cost_scale_used": scale}, status=status,
    )


def _consensus(part: Partition, groups, xcs: list[np.ndarray]) -> tuple[float, float]:
    """max|sum_i A_i x_i| and the power mismatch (`Partition.power_mismatch`) from the coupled variables alone
    (the other variables do not enter A)."""
    xs = []
    for reg, (c, _g), xc in zip(part.regions, groups, xcs):
        x = np.zeros(reg.n_x)
        x[c] = xc
        xs.append(x)
    return coord.consensus_violation([r.A for r in part.regions], xs), part.power_mismatch(xs)
