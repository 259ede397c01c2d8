"""Benchmarks of the AC-OPF engine: forlab against pandapower's ``runopp`` on the same nets, and scaling with size.

Times are wall-clock seconds measured in one process, one net after the other, so ratios compare like with like on a
noisy machine. Nothing here asserts a time: the numbers are data for the book.
"""

from __future__ import annotations

import copy
import time
import warnings

import numpy as np
import pandas as pd

from forlab.opf.acopf import ACOPF
from forlab.opf.outcome import timed

PF_CHECK_KEYS = {"max_dvm_pu": "forlab_pf_max_dvm_pu", "max_dva_degree": "forlab_pf_max_dva_degree",
                 "max_dp_slack_mw": "forlab_pf_max_dp_slack_mw"}
"""The differences `forlab.opf.acopf.power_flow_check` computes -> the keys `time_forlab` keeps them under: voltage
magnitude (p.u.), voltage angle (degrees) and the slack's active power (MW). All three: at the dispatch every
generator bus holds its voltage set-point, so a magnitude check alone is blind there; an active-power inconsistency
shows in the angles and the slack's power."""


def time_forlab(net, repeats: int = 3, init: str = "pf") -> dict:
    """forlab's AC-OPF on ``net`` timed by the book's one rule (`forlab.opf.outcome.timed`: ``repeats`` cold solves
    from the same start, ``init`` of `forlab.opf.acopf.INITS`, the fastest counts), with its build time and the time
    of computing that start (``forlab_start_time_s``; for "pf" pandapower's power flow, which
    `forlab.opf.acopf.ACOPF.initial_point` caches, so that no solve repeats or times it), each the fastest of
    ``repeats`` as well (`_built`), the warm re-solves from its own solution timed as the cold solves (primal start:
    `forlab.opf.acopf.ACOPF.solve` without init="warm"; `_warm_seconds`) and the power-flow check of the optimum
    (`PF_CHECK_KEYS`);
    times in seconds. A failed solve has no objective, time or check (NaN), as `forlab.opf.outcome.Baseline`: the
    warm re-solve's time is NaN when it or the cold solve failed."""
    from forlab.opf import acopf

    model, build, start = _built(net, init, repeats)
    t = timed(lambda: model.solve(init=init), repeats)
    res = t.result
    warm = _warm_seconds(model, res, repeats) if res.success else np.nan
    chk = acopf.power_flow_check(net, res) if res.success else {}
    return (_cold_solves("forlab", t)
            | {"forlab_build_time_s": build, "forlab_start_time_s": start, "forlab_warm_solve_time_s": warm}
            | {key: chk.get(name, np.nan) for name, key in PF_CHECK_KEYS.items()})


def _built(net, init: str, repeats: int, **options) -> tuple[object, float, float]:
    """``repeats`` models of ``net`` (``options`` go to `ACOPF`), each built and given its start (``init``) on the
    clock: the last model and the fastest build and start (s), the one rule of `time_forlab` and
    `build_and_solve_times`. By the rule of the solves: a single build on a shared machine read 0.25 s for case39
    where its solve's repeats and the other cases' builds took a fraction of that (chapter 02's paper run at 00a1c14),
    and made one speed-up a quarter of its neighbours'. runopp's timed call runs its start power flow, so forlab's is
    timed too."""
    from forlab.opf import acopf

    builds, starts = [], []
    for _ in range(max(int(repeats), 1)):
        t0 = time.perf_counter()
        model = acopf.ACOPF(net, **options)
        t1 = time.perf_counter()
        model.initial_point(init)
        builds.append(t1 - t0)
        starts.append(time.perf_counter() - t1)
    return model, min(builds), min(starts)


def _warm_seconds(model, res, repeats: int) -> float:
    """Solver time (s) of re-solves of ``model`` from the solution ``res``, timed as its cold solves are (`timed`:
    the fastest of ``repeats`` from the same start, the solver's own time), so that the two compare like with like;
    NaN when the re-solve fails."""
    t = timed(lambda: model.solve(x0=res), repeats)
    return t.solve_time_s if t.result.success else np.nan


def forlab_start(net, init: str = "flat", repeats: int = 1) -> dict:
    """forlab's cold solves of ``net`` from ``init`` (one of `forlab.opf.acopf.INITS`) by the rule of `time_forlab`,
    keyed as `runopp_start` keys runopp's: ``forlab_<init>_success``, ``_status``, ``_objective``, ``_iterations``
    and ``_solve_time_s`` (seconds, the fastest of ``repeats``). For a target set for another start than the
    benchmark's power flow (issue 3's case1354pegase time is a flat-start time): the same engine, timed by the same
    rule, from that start; no warm re-solve and no power-flow check, which `time_forlab` makes already."""
    model = ACOPF(net)
    return _cold_solves(f"forlab_{init}", timed(lambda: model.solve(init=init), repeats))


def _cold_solves(prefix: str, t) -> dict:
    """The outcome and time of a `forlab.opf.outcome.timed` series of cold solves under keys ``<prefix>_success``,
    ``_status``, ``_objective``, ``_iterations`` and ``_solve_time_s``; objective and time NaN when the solve failed
    (a failed case is never a number, as `forlab.opf.outcome.Baseline.objective`)."""
    res = t.result
    ok = bool(res.success)
    return {f"{prefix}_success": ok, f"{prefix}_status": res.status,
            f"{prefix}_objective": float(res.objective) if ok else np.nan, f"{prefix}_iterations": res.iterations,
            f"{prefix}_solve_time_s": float(t.solve_time_s) if ok else np.nan}


def _runopp_once(net, init: str) -> dict:
    """pandapower's ``runopp`` (PIPS interior point) once on ``net`` (a copy the caller made), from ``init``: its
    success, status and objective (NaN unless it converged); a failure is a result of the benchmark, not an
    exception."""
    import pandapower as pp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pp.runopp(net, calculate_voltage_angles=True, init=init, numba=True)
            ok = bool(net.OPF_converged)
            return {"success": ok, "status": "converged" if ok else "not converged",
                    "objective": float(net.res_cost) if ok else np.nan}
        except Exception as err:  # noqa: BLE001 - a failed solve is a result of the benchmark
            return {"success": False, "status": type(err).__name__, "objective": np.nan}


def runopp_start(net, init: str = "pf", repeats: int = 1) -> dict:
    """pandapower's ``runopp`` on copies of ``net`` from ``init`` ("pf": from a power flow; "flat": pandapower's
    default), timed by the book's one rule as forlab is (`forlab.opf.outcome.timed`: ``repeats`` runs from the same
    start, the fastest wall time counts; the copies are made before the clock starts). Keys
    ``runopp_<init>_success``, ``_status``, ``_objective`` and ``_wall_time_s`` (seconds), of the first run; the
    objective and the time NaN when it failed."""
    copies = [copy.deepcopy(net) for _ in range(max(int(repeats), 1))]
    t = timed(lambda: _runopp_once(copies.pop(), init), repeats, seconds=lambda _r: np.nan)
    key = f"runopp_{init}"
    wall = t.wall_time_s if t.result["success"] else np.nan  # a run that failed measures no solve time
    return {f"{key}_{k}": v for k, v in t.result.items()} | {f"{key}_wall_time_s": wall}


def time_runopp(net, repeats: int = 3) -> dict:
    """`runopp_start` from a power flow, the start forlab's own benchmark solves from (keys ``runopp_success``,
    ``runopp_status``, ``runopp_objective``, ``runopp_wall_time_s``)."""
    return {k.replace("runopp_pf_", "runopp_"): v for k, v in runopp_start(net, "pf", repeats).items()}


def runopp_free_slack(net) -> dict:
    """pandapower's ``runopp`` once from a power flow on a copy of ``net`` whose ext_grids are ``controllable``, so
    that the slack bus's voltage moves within its limits as in MATPOWER and forlab (a non-controllable ext_grid keeps
    its set-point in the OPF): keys ``runopp_free_slack_success``, ``_status`` and ``_objective`` (NaN unless it
    converged); not timed, since it answers why the optima differ, not how fast."""
    free = copy.deepcopy(net)
    free.ext_grid["controllable"] = True
    return {f"runopp_free_slack_{k}": v for k, v in _runopp_once(free, "pf").items()}


def speedups(runopp_s, *, start_s, build_s, solve_s) -> dict:
    """runopp's speed-ups over forlab from their times, in any unit they share, as floats (`compare`) or as columns
    of a table (the chapter that reads its store, `forlab.studies.ch02_grids_and_acopf.speedups`), by one rule:
    ``speedup_total``, runopp's whole call over forlab's start + build + one solve (``start_s`` 0 over build and
    solve alone, where the start is not timed), and ``speedup_solve``, over forlab's solve alone; in the order
    `compare` stores them."""
    return {"speedup_total": runopp_s / (start_s + build_s + solve_s), "speedup_solve": runopp_s / solve_s}


def compare(nets: dict, repeats: int = 3, runopp: bool = True, progress: bool = True) -> pd.DataFrame:
    """One row per net: size, forlab and runopp outcome and times, and the speed-ups runopp / forlab (`speedups`).

    runopp's time is one whole call: its start power flow, its model set-up and its solve (pandapower runs the power
    flow inside ``runopp``, so its solve cannot be timed apart). ``speedup_total`` sets it against forlab's start
    power flow + build + one solve (both from the net: like with like); ``speedup_solve`` against forlab's solve
    alone (what a sweep pays per point once the model and its start exist).
    """
    from forlab.book.progress import bar

    rows = []
    it = bar(nets.items(), total=len(nets), desc="AC-OPF benchmark", disable=not progress)
    for name, net in it:
        row = {"net": name, "buses": len(net.bus), "branches": int(len(net.line) + len(net.trafo))}
        row.update(time_forlab(net, repeats))
        if runopp:
            row.update(time_runopp(net, repeats))  # the same repeats as forlab's: like with like
        else:
            row.update({"runopp_success": False, "runopp_status": "skipped", "runopp_objective": np.nan,
                        "runopp_wall_time_s": np.nan})
        both = row["forlab_success"] and row["runopp_success"]
        ratios = speedups(row["runopp_wall_time_s"], start_s=row["forlab_start_time_s"],
                          build_s=row["forlab_build_time_s"], solve_s=row["forlab_solve_time_s"])
        row.update(ratios if both else dict.fromkeys(ratios, np.nan))
        rows.append(row)
    return pd.DataFrame(rows).set_index("net")


BUILD_REPEATS = 3
"""How many builds and solves `build_and_solve_times` times by default (chapter 02's build table says so)."""


def build_and_solve_times(net, repeats: int = BUILD_REPEATS, **options) -> dict:
    """Model build time against solve time of forlab's AC-OPF on ``net`` (issue 19: build below solve), fastest of
    ``repeats`` builds and of ``repeats`` solves (`forlab.opf.outcome.timed`), seconds.

    What counts as build (``build_s``): reading the net (`build_network`), writing the NLP, CasADi's construction
    of its functions and derivatives and of the Ipopt solver (``construct_s``, all of ``ACOPF(net)``), plus the first
    call's overhead (``first_call_s``: the first solve's time beyond the fastest solve of the same model from the same
    start, e.g. lazy initialisation in CasADi/Ipopt). Solve (``solve_time_s``): the wall time of the Ipopt call
    (`OPFResult.solve_time_s`) from the power-flow start; NaN with the first-call overhead, the build and the
    objective when the solve failed (``success``, ``status`` say so). The power-flow start itself (pandapower
    ``runpp``) is neither, reported as ``init_s``, the fastest of the repeats as the construction is (`_built`).
    ``options`` go to `ACOPF`.
    """
    model, construct_s, init_s = _built(net, "pf", repeats, **options)
    x0 = model.initial_point("pf")  # cached: the start `_built` timed
    first = model.solve(x0=x0)
    solves = timed(lambda: model.solve(x0=x0), repeats)
    res, ok = solves.result, bool(solves.result.success)
    # a failed solve measures no solve time, and so no first-call overhead either: NaN, never its time
    solve_s = solves.solve_time_s if ok else np.nan
    first_call = max(0.0, first.solve_time_s - solve_s) if ok else np.nan
    return {
        "n_bus": int(model.model.nb), "graph": model.graph, "build_s": construct_s + first_call,
        "construct_s": construct_s, "first_call_s": first_call, "init_s": init_s, "solve_time_s": solve_s,
        "iterations": int(res.iterations), "objective": float(res.objective) if ok else np.nan, "success": ok,
        "status": res.status,
    }
