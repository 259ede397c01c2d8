"""P1, single-round TSO-DSO coordination with FOR offers, and its benchmark against the integrated AC-OPF
(METHODS.md, "P1: single-round coordination").

The TSO's FOR-based AC-OPF (step 2) is `forlab.p1_for.tso`; this module holds steps 3 and 4 and one whole case.

1. Offline, every DSO samples its FOR and fits its offer (`forlab.p1_for.sampling`, `forlab.p1_for.representation`).
2. The TSO solves its AC-OPF with each DS replaced by its offer, eq. (p1-tso): the PCC import (P_j, Q_j) is a
   decision variable drawn at the PCC bus, V_j is that bus's voltage magnitude, f_j(x~_j) <= 0 and C_j(x~_j) joins
   the objective.
3. Every DSO solves its local cost OPF with its PCC point fixed at the TSO's choice, eq. (p1-dso) (nearest feasible
   point when the choice is not feasible for the real grid: reported as PCC mismatch) and dispatches its FPUs.
4. `forlab.opf.judge.judge` runs the power flow of the whole T+D system at the TS dispatch and the DSOs' FPU
   dispatch: violations and the true total cost, whose deviation from the integrated AC-OPF optimum is
   eq. (p1-deviation).
"""

from __future__ import annotations

import copy
import time
from functools import partial
from operator import itemgetter

import numpy as np
import pandas as pd

from forlab.book.timing import fastest
from forlab.opf.acopf import ACOPF, OPFResult
from forlab.opf.judge import deviation, dispatch_from_result, judge
from forlab.p1_for.dso_opf import DSOModel
from forlab.p1_for.offer import Offer
from forlab.p1_for.tso import TSOForOPF


def scale_loads(net, level: float):
    """A copy of ``net`` with every load (P and Q) multiplied by ``level``."""
    if not np.isfinite(level) or level <= 0:
        raise ValueError(f"load level must be a positive number, got {level!r}")
    n = copy.deepcopy(net)
    n.load[["p_mw", "q_mvar"]] = n.load[["p_mw", "q_mvar"]] * float(level)
    return n


def single_pcc(system) -> None:
    """P1 attaches each DS at one PCC: raise a clear error for systems with a DS tied to two TS buses."""
    counts = system.pcc.groupby("ds").size()
    multi = counts[counts > 1]
    if len(multi):
        raise ValueError(
            f"system {system.name!r} ties DS {list(multi.index)} to several TS buses; the FOR method (P1) offers one "
            f"PQV region per PCC and is run here on single-PCC systems only (see the ML surrogate chapter for "
            f"multiple PCCs)"
        )


class DSOAgent:
    """What a DSO keeps from its offline work for the online step: its DS model, built once, and a library of its
    own cost-OPF solutions (primal and dual) at feasible PCC points of its FOR.

    Online, `dispatch` starts the cost OPF at the TSO's PCC point from the nearest library solution (a primal-dual
    warm start, `forlab.opf.acopf.WARM_START_IPOPT`) and falls back to a cold solve, and to the nearest feasible PCC
    point, when that fails. Nothing in the library leaves the DSO.

    ds_net: the DS (at the load level of the offer); box: the offer's bounding box; library_points: normalised PCC
    points (rows of x~) at which to solve the cost OPF offline, e.g. the cost-fit points of the offer; the
    successful ones form the library.
    """

    def __init__(self, ds_net, box, library_points=(), *, vm_limits=None, model: DSOModel | None = None):
        t0 = time.perf_counter()
        self.model = model or DSOModel(ds_net, vm_limits=vm_limits)
        self.build_time_s = time.perf_counter() - t0
        self.box = box
        pts, results = [], []
        t0 = time.perf_counter()
        for t in np.asarray(library_points, float).reshape(-1, 3):
            s, res = self.model.cost_solve(box.denormalise(t), box)
            if s.success:
                pts.append(box.normalise(s.point))
                results.append(res)
        self.library_time_s = time.perf_counter() - t0
        self.library_points = np.array(pts).reshape(-1, 3)
        self.library = results

    def dispatch(self, x_pcc, warm: bool = True) -> dict:
        """The cheapest FPU dispatch at the PCC point x = (MW, Mvar, p.u.); warm=False ignores the library.

        Implements eq. (p1-dso) (METHODS.md, "P1: single-round coordination").

        Returns a dict: sample (stage "cost"), mismatch (physical-unit norm from the requested to the delivered PCC
        point; 0 when the request is feasible), solve_time_s (Ipopt time of every solve this took), iterations,
        start ("warm" from the library, "cold", or "nearest" when the request was infeasible) and start_distance
        (normalised distance to the library point used).
        """
        x = np.asarray(x_pcc, float)
        solved, start, dist = [], "cold", float("nan")
        if warm and len(self.library):
            d = np.linalg.norm(self.library_points - self.box.normalise(x), axis=1)
            k = int(np.argmin(d))
            dist = float(d[k])
            s, _ = self.model.cost_solve(x, self.box, start=self.library[k])
            solved.append(s)
            start = "warm"
        if not solved or not solved[-1].success:
            # cold, and when the request is not feasible for the real grid, the nearest feasible PCC point
            s, _, more = self.model.cost_with_fallback(x, self.box)
            solved += more
            start = "cold" if len(more) == 1 else "nearest"
        mismatch = float(np.linalg.norm(s.point - x)) if s.success else float("nan")
        return {"sample": s, "mismatch": mismatch, "solve_time_s": sum(r.solve_time_s for r in solved),
                "iterations": sum(r.iterations for r in solved), "start": start, "start_distance": dist}


def dso_dispatch(ds_net, x_pcc, *, vm_limits=None, model: DSOModel | None = None):
    """The DSO's cheapest FPU dispatch at the PCC point x = (MW, Mvar, p.u.) and its PCC mismatch, from a cold start
    (eq. (p1-dso)).

    Returns (sample, mismatch, time_s); mismatch is the distance (MW/Mvar/p.u. vector norm, in physical units) from
    the requested point to the point actually used (0 when the request is feasible). See `DSOAgent` for the warm
    start a DSO gets from its offline work.
    """
    t0 = time.perf_counter()
    m = model or DSOModel(ds_net, vm_limits=vm_limits)
    s, _ = m.cost_at(np.asarray(x_pcc, float))
    mismatch = float(np.linalg.norm(s.point - np.asarray(x_pcc, float)))
    return s, mismatch, time.perf_counter() - t0


def fpu_dispatch_table(system, ds_name: str, sample, integrated) -> pd.DataFrame:
    """The DS FPU set-points of a DSO sample as rows of the integrated net's sgen table."""
    sg = integrated.sgen
    rows = []
    dsn = system.ds[ds_name]
    fp = dsn.sgen.index[dsn.sgen.get("controllable", pd.Series(False, index=dsn.sgen.index)).astype(bool)]
    for k, (p, q) in zip(fp, zip(sample.fpu_p_mw, sample.fpu_q_mvar)):
        idx = sg.index[(sg.zone == ds_name) & (sg.orig_index == k)]
        if len(idx) != 1:
            raise RuntimeError(f"FPU {k} of DS {ds_name!r} not found once in the integrated net")
        rows.append({"et": "sgen", "element": int(idx[0]), "p_mw": float(p), "q_mvar": float(q)})
    return pd.DataFrame(rows)


def coordinate(system, offers: dict[str, Offer], level: float = 1.0, *, vm_limits=None,
               integrated_result: OPFResult | None = None, agents: dict[str, DSOAgent] | None = None,
               repeats: int = 3) -> dict:
    """One case study: integrated AC-OPF vs single-round FOR coordination at a load level.

    Implements METHODS.md "P1: single-round coordination": the TSO's FOR-based AC-OPF, eq. (p1-tso) (`_tso_step`),
    every DSO's cost OPF with its PCC point fixed, eq. (p1-dso) (`_dso_step`), the T+D power flow of the resulting
    dispatch and its cost deviation against the integrated optimum, eq. (p1-deviation) (`_outcome`).

    offers: DS name -> its offer (built on the DS at this load level); agents: DS name -> the DSO's `DSOAgent` from
    its offline work (without one, the DSO solves cold). Every solve is timed ``repeats`` times with the same start
    and the fastest counts (integrated, TSO and DSO alike). Returns a flat dict with the integrated optimum and time,
    the TSO and DSO times (DSOs also from a cold start, for comparison), the true cost after the T+D power flow, the
    cost deviation ``deviation_pct`` (%), the time reduction (%), the PCC mismatches and the violations; under
    ``points`` the TSO's PCC points and under ``dso`` one row per DSO (``solve_time_s``, ``cold_solve_time_s``, ...).
    """
    single_pcc(system)
    integrated = scale_loads(system.integrated(), level)
    integrated_result, integ_build, t_int = _integrated(integrated, integrated_result, repeats)
    tso = _tso_step(system, offers, level, repeats)
    agents = dict(agents or {})
    dso_rows, dispatch = [], [dispatch_from_result(tso["result"])]
    for _, pt in tso["points"].iterrows():
        agent = agents.get(pt.ds)
        if agent is None:
            agent = DSOAgent(scale_loads(system.ds[pt.ds], level), offers[pt.ds].box, vm_limits=vm_limits)
        row, sample = _dso_step(agent, offers[pt.ds], pt, repeats)
        dso_rows.append(row)
        dispatch.append(fpu_dispatch_table(system, pt.ds, sample, integrated))
    verdict = judge(integrated, pd.concat(dispatch, ignore_index=True))
    out = {"system": system.name, "level": float(level)}
    out.update(_outcome(integrated_result, integ_build, t_int, tso, pd.DataFrame(dso_rows), verdict, repeats))
    return out


def _integrated(integrated, result: OPFResult | None, repeats: int) -> tuple[OPFResult, float, float]:
    """The benchmark: the integrated T+D AC-OPF over all TS and DS variables, solved here unless ``result`` is
    given. Returns (result, build seconds, fastest solve seconds)."""
    if result is not None:
        return result, result.build_time_s, result.solve_time_s
    t0 = time.perf_counter()
    model = ACOPF(integrated)
    build = time.perf_counter() - t0
    result, t_int = fastest(model.solve, repeats)
    return result, float(build), t_int


def _tso_step(system, offers: dict[str, Offer], level: float, repeats: int) -> dict:
    """The TSO's FOR-based AC-OPF, eq. (p1-tso), on the TS at the load level: result, PCC points, fastest solve
    time and build time."""
    ts = scale_loads(system.ts, level)
    pcc = system.pcc.set_index("ds")
    t0 = time.perf_counter()
    tso = TSOForOPF(ts, {k: (offers[k], int(pcc.ts_bus[k])) for k in system.ds})
    build = time.perf_counter() - t0
    (res, points), t_tso = fastest(tso.solve, repeats, lambda r: r[0].solve_time_s)
    return {"result": res, "points": points, "time_s": t_tso, "build_s": build}


def _dso_step(agent: DSOAgent, offer: Offer, pt, repeats: int) -> tuple[dict, object]:
    """One DSO's cost OPF with its PCC point fixed at the TSO's choice, eq. (p1-dso): its row of the ``dso`` table
    and the sample whose FPU dispatch it returns.

    Timed warm (library start) and cold, for comparison; the row also carries the marginal prices at the chosen
    point (per MW, per Mvar, per p.u.): the offer's and the DSO's true one (the cost OPF's multipliers; none when
    the DSO had to deliver another point).
    """
    x = [pt.p_mw, pt.q_mvar, pt.vm_pu]
    out, solve_time_s = fastest(partial(agent.dispatch, x), repeats, itemgetter("solve_time_s"))
    # the same DSO without its library, for comparison
    cold_out, cold_time_s = fastest(partial(agent.dispatch, x, warm=False), repeats, itemgetter("solve_time_s"))
    s = out["sample"]
    offered = offer.gradients(*x)[1][0]
    true = (s.gradient / agent.box.half if s.gradient is not None and out["start"] != "nearest"
            else np.full(3, np.nan))
    row = {"ds": pt.ds, "success": s.success, "status": s.status, "solve_time_s": solve_time_s,
           "iterations": out["iterations"], "start": out["start"],
           "start_distance": out["start_distance"], "library_size": len(agent.library),
           "cold_solve_time_s": cold_time_s, "cold_iterations": cold_out["iterations"],
           "cold_fpu_cost": cold_out["sample"].fpu_cost,
           "build_s": agent.build_time_s, "library_s": agent.library_time_s,
           "mismatch": out["mismatch"], "fpu_cost": s.fpu_cost,
           **{f"offer_slope_{a}": float(v) for a, v in zip("pqv", offered)},
           **{f"true_slope_{a}": float(v) for a, v in zip("pqv", true)}}
    return row, s


def _outcome(integrated_result: OPFResult, integ_build: float, t_int: float, tso: dict, dso: pd.DataFrame,
             verdict: dict, repeats: int) -> dict:
    """The case's flat record: integrated benchmark, TSO and DSO times and their reduction against the integrated
    time (DSOs in parallel: the slowest counts; also summed, and cold), the judged cost and its deviation,
    eq. (p1-deviation), and the violations of the T+D power flow."""
    tso_res, t_tso = tso["result"], tso["time_s"]
    t_prop_par = t_tso + (dso.solve_time_s.max() if len(dso) else 0.0)
    t_prop_sum = t_tso + dso.solve_time_s.sum()
    t_cold_par = t_tso + (dso.cold_solve_time_s.max() if len(dso) else 0.0)
    return {
        "integrated_success": integrated_result.success, "integrated_status": integrated_result.status,
        "integrated_cost": integrated_result.objective, "integrated_time_s": t_int,
        "integrated_iterations": integrated_result.iterations, "integrated_build_s": float(integ_build),
        "tso_success": tso_res.success, "tso_status": tso_res.status, "tso_time_s": t_tso,
        "tso_iterations": tso_res.iterations, "tso_build_s": tso["build_s"], "tso_objective": tso_res.objective,
        "dso_success": bool(dso.success.all()), "dso_time_max_s": float(dso.solve_time_s.max()),
        "dso_time_sum_s": float(dso.solve_time_s.sum()), "dso_cold_time_max_s": float(dso.cold_solve_time_s.max()),
        "proposed_time_parallel_s": t_prop_par, "proposed_time_sum_s": t_prop_sum,
        "time_reduction_parallel_pct": 100 * (1 - t_prop_par / t_int),
        "time_reduction_sum_pct": 100 * (1 - t_prop_sum / t_int),
        "time_reduction_cold_pct": 100 * (1 - t_cold_par / t_int),
        "timing_repeats": int(max(int(repeats), 1)),
        "proposed_cost": verdict["total_cost"],
        "deviation_pct": deviation(verdict["total_cost"], integrated_result.objective)
        if verdict["converged"] else np.nan,
        "pcc_mismatch_max": float(dso.mismatch.max()),
        "pf_converged": verdict["converged"], "feasible": verdict["feasible"],
        "max_vm_violation_pu": verdict["max_vm_violation_pu"], "max_loading_percent": verdict["max_loading_percent"],
        "n_vm_violations": verdict["n_vm_violations"], "n_branch_violations": verdict["n_branch_violations"],
        "n_gen_violations": verdict["n_gen_violations"], "max_gen_violation_mw": verdict["max_gen_violation_mw"],
        "points": tso["points"], "dso": dso,
    }
