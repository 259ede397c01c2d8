"""ADMM on the same consensus problem and the same local solvers: the baseline ALADIN is measured against.

Consensus ADMM over the coupled variables (each bus voltage angle and magnitude that appears in a consensus row,
with its copies), the form PowerModelsADA's "ADMM" and most distributed-OPF papers use:

    1. every region:  x_i = argmin f_i(x_i) + y_i' x_i,c + rho/2 ||x_i,c - z_i,c||^2   s.t. its local AC constraints
       (the local solvers' ``admm_step``, e.g. `forlab.p3_aladin.opf_regions.region.Region.admm_step`: the
       ALADIN local NLP with the proximal term on the coupled variables only, warm-started in the same way)
    2. coordinator:   z_g = mean over the copies k of group g of (x_k + y_k / rho)      (one value per bus quantity)
    3. every region:  y_i += rho (x_i,c - z_i,c)

Stop when the consensus violation max|sum_i A_i x_i| and the dual residual rho max|z - z_previous| are both below
their tolerances, or after ``max_iter`` iterations. No Hessians or Jacobians cross the wire: only the coupled
variables go up, and their averages with the regions' own multipliers come down (the multipliers are kept by the
regions' messages here, so that the coordinator's z-update needs nothing else).

The consensus rows must be of the form ``x_a - x_b = 0`` (a copy equals its original), as the AC-OPF's are; the
groups of copies are read off the matrices ``A_i`` (`consensus_groups`).

Units of the AC-OPF: rad / p.u., scaled cost (rho in scaled cost per p.u.^2), seconds, bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from forlab.book.parallel import wire_bytes
from forlab.p3_aladin.algorithm.options import ADMMOptions
from forlab.p3_aladin.algorithm.problem import ConsensusProblem, consensus_violation
from forlab.p3_aladin.algorithm.result import ALADINResult, relative_gap
from forlab.p3_aladin.execution import busiest_worker, message_table


def consensus_groups(A: list[sp.spmatrix]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per local problem, its coupled variables (the non-zero columns of ``A_i``) and the group of each: variables
    linked by a consensus row are one group (one bus quantity and its copies), groups numbered 0..n_groups-1.

    Raises `ValueError` unless every consensus row is ``x_a - x_b = 0`` (two entries that cancel)."""
    mats = [sp.csr_matrix(a) for a in A]
    offs = np.cumsum([0, *[a.shape[1] for a in mats]])
    full = sp.hstack(mats, format="csr")
    ends = np.diff(full.indptr)
    if np.any(ends != 2) or np.any(np.abs(full.sum(axis=1).A.ravel()) > 0):
        raise ValueError("ADMM needs consensus rows of the form x_a - x_b = 0")
    pairs = full.indices.reshape(-1, 2)
    n = int(offs[-1])
    link = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _n, label = connected_components(link, directed=False)
    coupled = [np.unique(a.indices) for a in mats]
    used = np.unique(np.concatenate([label[o + c] for o, c in zip(offs, coupled)] or [np.zeros(0, int)]))
    number = {int(g): k for k, g in enumerate(used)}
    return [(c, np.array([number[int(label[o + j])] for j in c], dtype=int)) for o, c in zip(offs, coupled)]


def average_step(groups, xcs: list[np.ndarray], ys: list[np.ndarray], rho: float, n_groups: int) -> np.ndarray:
    """ADMM z-update: the mean of ``x_k + y_k / rho`` over the members of every group (rad / p.u.)."""
    total = np.zeros(n_groups)
    count = np.zeros(n_groups)
    for (_c, g), xc, y in zip(groups, xcs, ys):
        np.add.at(total, g, xc + y / rho)
        np.add.at(count, g, 1.0)
    return total / np.maximum(count, 1.0)


def balance_residuals(rho: float, primal: float, dual: float, options: ADMMOptions) -> float:
    """Residual balancing: the new rho (primal residual in rad / p.u., dual residual in scaled cost per p.u.), at
    most ``options.rho_max``."""
    if primal > options.ratio * dual / rho:
        return min(rho * options.tau, options.rho_max)
    if dual / rho > options.ratio * primal:
        return rho / options.tau
    return rho


def coupled_residuals(problem: ConsensusProblem, groups, xcs: list[np.ndarray]) -> tuple[float, float]:
    """max|sum_i A_i x_i| and the problem's hidden mismatch from the coupled variables alone (the other variables
    do not enter A)."""
    xs = []
    for a, (c, _g), xc in zip(problem.A, groups, xcs):
        x = np.zeros(a.shape[1])
        x[c] = xc
        xs.append(x)
    return consensus_violation(problem.A, xs), problem.hidden_mismatch(xs)


def admm_round(agents, groups, ys: list[np.ndarray], zs: list[np.ndarray], rho: float, n_groups: int) -> tuple:
    """One ADMM iteration: local steps (1), averaging (2), multiplier update (3). Returns the answers, the
    requests, the new ``ys`` and ``zs``, the dual residual ``rho max|z - z_previous|``, the round's wall time and
    the averaging time (s)."""
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
    return answers, requests, ys, new_zs, dual, round_s, time.perf_counter() - t_avg


def admm_row(it: int, problem: ConsensusProblem, agents, groups, answers, requests, rho: float, dual: float,
             round_s: float, average_s: float) -> dict:
    """The log row of one ADMM iteration, in those of ALADIN's columns that apply to it
    (`forlab.p3_aladin.algorithm.result.ITERATION_LOG`; ``step``: the dual residual, in scaled cost per p.u., not
    ALADIN's step; ``coordinator_s``: the averaging time; ``qp_status``: "averaged"); ALADIN's ``cycling``,
    ``step_fraction``, ``reduced_dim``, ``qp_rows``, ``qp_path``, ``limit_passes`` and ``limit_trips`` are absent (a
    store of both fills them with NaN or ""). ``iter_s`` is filled in by the caller."""
    cons, power = coupled_residuals(problem, groups, [a["x_c"] for a in answers])
    obj, ref = float(sum(a["cost"] for a in answers)), problem.reference
    compute = [a["compute_s"] for a in answers]
    comm = round_s - busiest_worker(compute, agents.workers)
    return {"iteration": it, "consensus": cons, "power_mismatch": power, "step": dual, "objective": obj,
            "gap": relative_gap(obj, ref), "rho": rho, "mu": np.nan, "local_s": max(a["nlp_s"] for a in answers),
            "reduction_s": 0.0, "local_sum_s": sum(compute), "coordinator_s": average_s,
            "communication_s": max(comm, 0.0), "round_wall_s": round_s + average_s,
            "bytes_down": wire_bytes(*requests), "bytes_up": wire_bytes(*answers), "n_active": 0,
            "nlp_iterations": max(a["nlp_iterations"] for a in answers),
            "nlp_ok": all(a["status"] in problem.ok_statuses for a in answers), "lambda_min": np.nan,
            "newton": np.nan, "qp_status": "averaged"}


def admm(problem: ConsensusProblem, agents, options: ADMMOptions | None = None,
         callback: Callable | None = None) -> ALADINResult:
    """Run ADMM (module docstring) on ``problem`` with its local solvers behind ``agents``; the result's log has
    those of ALADIN's columns that apply to ADMM (`admm_row`). ``mode`` and ``setup_s`` of the result are filled in
    by `forlab.p3_aladin.execution.run`."""
    options = options or ADMMOptions()
    groups = consensus_groups(problem.A)
    n_groups = int(max((g.max() for _c, g in groups if len(g)), default=-1)) + 1
    x0 = problem.start(options.init)
    agents.call("set_start", [(x,) for x in x0])
    zs = [x[c] for x, (c, _g) in zip(x0, groups)]
    ys = [np.zeros(len(c)) for c, _g in groups]
    rho = float(options.rho)
    rows, messages, status = [], pd.DataFrame(), "max_iter"
    t_run = time.perf_counter()
    for it in range(1, options.max_iter + 1):
        t_it = time.perf_counter()
        answers, requests, ys, zs, dual, round_s, average_s = admm_round(agents, groups, ys, zs, rho, n_groups)
        row = admm_row(it, problem, agents, groups, answers, requests, rho, dual, round_s, average_s)
        row["iter_s"] = time.perf_counter() - t_it
        rows.append(row)
        done = row["consensus"] <= options.eps and dual <= options.eps_dual
        if it == 1 or done or it == options.max_iter:
            messages = message_table(requests, answers, problem.names, ["y", "z", "rho"], ["x_c", "cost"])
        if callback:
            callback(it, row)
        if done:
            status = "converged"
            break
        if options.adaptive:
            rho = balance_residuals(rho, row["consensus"], dual, options)
    total_s = time.perf_counter() - t_run
    log = pd.DataFrame(rows).set_index("iteration")
    xs = agents.call("solution", [() for _ in problem.names])
    return ALADINResult(
        algorithm="admm", mode=agents.mode, converged=status == "converged", iterations=len(rows),
        objective=float(log.objective.iloc[-1]), reference=problem.reference, log=log, messages=messages, xs=xs,
        regions=list(problem.names), workers=list(agents.workers), setup_s=0.0, total_s=total_s,
        options=options.to_dict() | problem.info, status=status,
    )
