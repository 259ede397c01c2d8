"""The study of chapter 12: its parameters (`PARAMETER_TYPES`, `check_params`, the study system of every N,
`system_names`), one size (the integrated AC-OPF as a row, `integrated_row`; the T+D AC-OPF with every FPU held,
`fixed_fpus_fields`; every method on the system of one N) and the sweep over N, `run(params)`, which writes the store
(`forlab.studies.ch12_many_dsos.store.to_store`). Every size runs at one operating point, `BASE`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, parallel
from forlab.book.memory import PeakMemory
from forlab.book.progress import line as terminal_line
from forlab.book.runner import (
    check_distinct,
    check_non_negative,
    check_positive,
    check_positive_value,
    check_types,
)
from forlab.p1_for.representation import check_n_cost
from forlab.studies import ch08_sensitivity as ch08
from forlab.studies.ch12_many_dsos.store import to_store

__all__ = [
    "ANCHOR_KEYS",
    "BASE",
    "P2_LOAD_RANGE",
    "PARAMETER_TYPES",
    "check_params",
    "fixed_fpus_fields",
    "held_widening_fields",
    "integrated_row",
    "run",
    "system_names",
]


ANCHOR_KEYS = ["scaleout_p1_time_reduction_pct", "scaleout_p1_deviation_pct", "scaleout_p1_feasibility_pct",
               "scaleout_p2_time_reduction_pct",
               "scaleout_p2_feasibility_pct", "scaleout_min_ds", "scaleout_sweep_min", "scaleout_sweep_buses",
               "scaleout_p1_extra_iterations_pct"]
"""Issue 16's targets (`forlab.book.anchors`), kept in the store."""


BASE = ch08.Variant("load", 1.0, 1.0, None, "all", is_base=True)
"""Every size runs at nominal load, with `forlab.grid.td.load_system`'s default FPUs and meshed DSs
(`operating_point` says so in the conditions)."""

# ----------------------------------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------------------------------
_ZERO_MEANS = {"p1_face_grid": "no box-face targets", "p2_refine_rounds": "no refinement",
               "p2_refine_samples": "no refinement", "p2_certify_rounds": "no certification",
               "p2_vertex_samples": "no certification and no vertex check", "p3_max_ds": "all sizes",
               "n_workers": "no local cluster, everything in this process"}
"""Counts for which 0 is meaningful, with what 0 means (`forlab.book.runner.check_non_negative` says it)."""


PARAMETER_TYPES = {
    "ts": str, "pool": (list, str), "n_ds": (list, int), "seed": int, "methods": (list, str),
    "p1_n_directions": int, "p1_face_grid": int, "p1_n_labelled": int, "p1_n_cost": int, "p1_dso_services": bool,
    "p2_n_samples": int, "p2_facets": int, "p2_refine_rounds": int, "p2_refine_samples": int,
    "p2_certify_rounds": int, "p2_vertex_samples": int, "p3_max_iter": int, "p3_max_ds": int, "p3_init": str,
    "p3_repeats": int, "p3_cycle_damping": float, "repeats": int, "time_limit_s": float, "n_workers": int,
    "scheduler": str,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


def check_params(params: dict) -> None:
    """Reject bad parameters before any work (ValueError / TypeError naming the parameter and what it accepts): a
    wrong type (`PARAMETER_TYPES`: a whole-number float is no count), a TS that is no registered transmission case
    (`forlab.grid.cases.TRANSMISSION`), an unknown pool case, N that are not distinct positive integers, methods
    that are not a non-empty list of distinct known methods (repeats by the runner's rule for repeated list entries,
    `forlab.book.runner.check_distinct`), fewer P1 cost points than the price needs
    (`forlab.p1_for.representation.check_n_cost`), counts and limits that are not positive (``p2_facets``,
    repeats, sample sizes, ``time_limit_s``), the
    seed and counts where 0 is meaningful (`_ZERO_MEANS`) that are not non-negative integers, an unknown ALADIN start,
    a ``p3_cycle_damping`` outside `forlab.p3_aladin.ALADINOptions`'s rule (said in the parameter's name), a
    scheduler that is not "" or a Dask scheduler address (`forlab.book.parallel.check_address`) and
    ``p1_dso_services`` that is not a bool. A scalar is said as the value typed
    (`forlab.book.runner.check_positive_value`)."""
    from forlab.grid import cases
    from forlab.p3_aladin import ALADINOptions

    check_types(params, PARAMETER_TYPES, "12_many_dsos")
    if params["ts"] not in cases.TRANSMISSION:
        raise ValueError(f"ts must be a registered transmission case {list(cases.TRANSMISSION)}, got "
                         f"{params['ts']!r}")
    pool = params["pool"]
    if not isinstance(pool, list) or not pool or any(p not in cases.available() for p in pool):
        raise ValueError(f"pool must be a non-empty list of registered distribution cases (e.g. ['case33bw', "
                         f"'case69']), got {pool!r}")
    check_positive("n_ds", params["n_ds"], integer=True)
    methods = params["methods"]  # the type first: set() of a non-list fails without naming the parameter
    if not isinstance(methods, list) or not methods or set(methods) - set(ch08.METHODS):
        raise ValueError(f"methods must be a non-empty list of distinct methods out of {list(ch08.METHODS)}, got "
                         f"{methods!r}")
    for key in ("n_ds", "methods"):  # the runner's rule for repeated list entries: a repeat would run it twice
        check_distinct(key, params[key])
    for key in ("repeats", "p1_n_directions", "p1_n_labelled", "p2_n_samples", "p2_facets", "p3_max_iter",
                "p3_repeats"):
        check_positive_value(key, params[key], integer=True)
    check_n_cost(params["p1_n_cost"], "p1_n_cost")
    check_positive_value("time_limit_s", params["time_limit_s"])
    check_non_negative(params, ["seed", *_ZERO_MEANS], _ZERO_MEANS)
    if params["p3_init"] not in ("flat", "pf"):
        raise ValueError(f"p3_init must be 'flat' or 'pf' (ALADIN's start of the regions), got {params['p3_init']!r}")
    try:  # the option's own rule, said in the parameter's name (the reader never typed the option's)
        ALADINOptions(cycle_damping=params["p3_cycle_damping"])
    except ValueError as err:
        said = str(err).replace(f"{ALADINOptions.__name__}.cycle_damping", "p3_cycle_damping")
        raise ValueError(f"{said} (the factor by which ALADIN raises a cycling region's own penalty rho each "
                         f"round; 1: off)") from None
    if not isinstance(params["scheduler"], str):
        raise TypeError(f"scheduler must be a Dask scheduler address or \"\", got {params['scheduler']!r}")
    parallel.check_address(params["scheduler"], name="scheduler", empty=parallel.NO_SCHEDULER)
    if not isinstance(params["p1_dso_services"], bool):
        raise TypeError(f"p1_dso_services must be true or false, got {params['p1_dso_services']!r}")
    system_names(params)  # a TS that cannot take max(n_ds) DSs, or a pool case of the wrong kind, fails here


def system_names(params: dict) -> list[str]:
    """The study system of every N (`forlab.grid.td.many_ds_name`), in the order of ``n_ds``."""
    from forlab.grid import td

    return [td.many_ds_name(params["ts"], int(n), params["pool"], params["seed"]) for n in params["n_ds"]]


P2_LOAD_RANGE = (0.6, 1.0)
"""The DS load factors P2's surrogates are trained on in the sweep (forlab's choice, chapter 06's default
``load_range``): a surrogate serves every load in it, where P1's offers are built for the one load they serve."""


def _method_options(params: dict) -> dict:
    """Keywords of chapter 08's `run_p1`, `run_p2`, `run_p3` from this chapter's parameters."""
    from forlab.p2_surrogate.model import SurrogateOptions
    from forlab.p2_surrogate.polytope import PolytopeOptions

    p2 = SurrogateOptions(polytope=PolytopeOptions(facets=params["p2_facets"], seed=params["seed"]))
    return {
        "P1": {"n_directions": params["p1_n_directions"], "face_grid": params["p1_face_grid"],
               "fit_options": {"n_labelled": params["p1_n_labelled"], "n_cost": params["p1_n_cost"]},
               "dso_services": params["p1_dso_services"]},
        "P2": {"n_samples": params["p2_n_samples"], "options": p2, "refine_rounds": params["p2_refine_rounds"],
               "refine_samples": params["p2_refine_samples"], "certify_rounds": params["p2_certify_rounds"],
               "vertex_samples": params["p2_vertex_samples"], "load_range": P2_LOAD_RANGE, "seed": params["seed"]},
        "P3": {"max_iter": params["p3_max_iter"],
               "options": {"init": params["p3_init"], "cycle_damping": float(params["p3_cycle_damping"])},
               "repeats": params["p3_repeats"]},
    }

# ----------------------------------------------------------------------------------------------------------------------
# one size
# ----------------------------------------------------------------------------------------------------------------------
def integrated_row(name: str, system, repeats: int, time_limit_s: float) -> tuple[dict, object, Callable, object]:
    """The integrated AC-OPF of ``system`` as a row of the table: timed by the rule
    (`forlab.opf.outcome.integrated_baseline`), Ipopt stopped after ``time_limit_s`` of wall time (then a failed
    row), and its own dispatch judged by the T+D power flow like every method's. Returns the row, the
    `forlab.opf.outcome.Baseline` (None when it could not run), which every method of the size is then held
    against (one AC-OPF per size, the largest of the sweep, shared by the methods, not one per method), and
    ``again()``: the same model
    timed again by the rule, its solver time (s; NaN where that solve did not end as the first did, or there is no
    model), with which `_one_size` measures the timing noise (`timing_noise`), and the integrated net it built, which
    `_one_size` hands on to `fixed_fpus_fields` (None where its build failed)."""
    from forlab.opf.acopf import ACOPF
    from forlab.opf.judge import dispatch_from_result, judge
    from forlab.opf.outcome import integrated_baseline, judged_outcome, solve_ending

    net = None  # stays None where the build fails: `fixed_fpus_fields` then builds it and records its own failure
    try:
        net = system.integrated()
        t0 = time.perf_counter()
        model = ACOPF(net, ipopt={"max_wall_time": float(time_limit_s)})
        base = integrated_baseline(solve=model.solve, repeats=repeats, build_time_s=time.perf_counter() - t0)
        verdict = judge(net, dispatch_from_result(base.result)) if base.success else None
        oc = judged_outcome(verdict, base, {}, solve_time_s=base.solve_time_s, wall_time_s=base.wall_time_s,
                            offline_time_s=0.0, rounds=0)
    except Exception as err:  # noqa: BLE001 - a baseline that cannot run is a recorded failure
        return ch08.failed_row(name, "integrated", BASE, err), None, lambda: float("nan"), net

    def again() -> float:
        later = integrated_baseline(solve=model.solve, repeats=repeats)
        return later.solve_time_s if solve_ending(later.result) == solve_ending(base.result) else float("nan")

    row = ch08.result_row(
        name, "integrated", BASE, ds_buses=system.ds_buses, integrated_cost=base.objective,
        integrated_status=base.status, method_status=base.status, integrated_iterations=base.result.iterations,
        **{**(ch08.verdict_fields(verdict) if verdict is not None else {}), **ch08.record_fields(oc.as_dict())})
    return row, base, again, net


def fixed_fpus_fields(system, time_limit_s: float, net=None) -> dict:
    """The size's T+D AC-OPF without DS flexibility (`forlab.grid.td.without_flexibility`: every FPU held at its
    set-point, the TS units optimised), as ``size`` fields: its ``fixed_fpus_status`` ("ok", or "failed: " and why),
    and its dispatch judged by the T+D power flow on the whole net, as every method's is: the judged cost
    ``fixed_fpus_cost`` ($/h, NaN unless the solve and the power flow succeeded) and whether it keeps every limit
    (``fixed_fpus_feasible``); and how far the DSs' voltage limits must give way for it to have a solution
    (`held_widening_fields`), which tells a held solve without a solution from a slow one. Ipopt is stopped after
    ``time_limit_s`` as the integrated AC-OPF is. Not timed: it is no contestant, only the scale of the cost
    deviations (`flexibility_table`). ``net``: the size's integrated net as `integrated_row` built it (a build takes
    seconds at the largest sizes); None: built here, in the try, so that a build that fails is this solve's
    recorded failure too."""
    from forlab.grid import td
    from forlab.opf.acopf import ACOPF
    from forlab.opf.judge import dispatch_from_result, judge

    failed = {"fixed_fpus_cost": np.nan, "fixed_fpus_feasible": False}
    try:
        net = system.integrated() if net is None else net
        held = td.without_flexibility(net)  # a deep copy: ``net`` keeps its FPUs for the judge below and the caller
        res = ACOPF(held, ipopt={"max_wall_time": float(time_limit_s)}).solve()
    except Exception as err:  # noqa: BLE001 - a solve that cannot run is a recorded failure, never a number
        return {"fixed_fpus_status": f"failed: {err}", **failed, **held_widening_fields(None, time_limit_s)}
    widened = held_widening_fields(held, time_limit_s)
    if not res.success:
        return {"fixed_fpus_status": f"failed: {res.status}", **failed, **widened}
    verdict = judge(net, dispatch_from_result(res))  # the FPUs keep their set-points (and costs) in ``net``
    if not verdict["converged"]:
        return {"fixed_fpus_status": "failed: the T+D power flow did not converge", **failed, **widened}
    return {"fixed_fpus_status": "ok", "fixed_fpus_cost": float(verdict["total_cost"]),
            "fixed_fpus_feasible": bool(verdict["feasible"]), **widened}


def held_widening_fields(held, time_limit_s: float) -> dict:
    """How far the DS buses' voltage limits must give way for the AC-OPF with every FPU held (``held``, the net of
    `fixed_fpus_fields`; None: it could not be built) to have a solution, by the elastic AC-OPF
    (`forlab.opf.widening.least_widening`, Ipopt stopped after ``time_limit_s``), as ``size`` fields:
    ``fixed_fpus_widening_pu`` (p.u., NaN unless it solved), its ``fixed_fpus_widening_status``, and the DS buses at
    their widened lower and upper limits with the number of DSs they lie in (``fixed_fpus_widening_below``,
    ``..._below_ds``, ``..._above``, ``..._above_ds``).

    Why (issue 16's sweep): at 112 DSs the held solve stalls, its dual infeasibility growing, from the integrated
    optimum with the FPUs fixed (Ipopt's iteration cap) as from the power-flow start (the wall-time limit), and its
    status alone cannot say whether the problem has no solution. Measured offline before this was made, with the
    limits widened by hand: widened by 0.01 p.u. the held solve succeeded in a few dozen iterations, by 0.005 p.u.
    it still stalled; the elastic AC-OPF then found its least widening between the two, in seconds."""
    from forlab.grid.td import TS_ZONE
    from forlab.opf.widening import least_widening

    def failed(why) -> dict:
        return {"fixed_fpus_widening_pu": np.nan, "fixed_fpus_widening_status": f"failed: {why}",
                **dict.fromkeys(WIDENING_COUNTS, 0)}

    if held is None:
        return failed("no net")
    zone = held.bus.zone
    try:
        w = least_widening(held, held.bus.index[zone != TS_ZONE], time_limit_s)
    except Exception as err:  # noqa: BLE001 - a diagnosis that cannot run is a recorded failure
        return failed(err)
    return {"fixed_fpus_widening_pu": w.widening_pu, "fixed_fpus_widening_status": w.status,
            "fixed_fpus_widening_below": len(w.below), "fixed_fpus_widening_below_ds": zone.loc[w.below].nunique(),
            "fixed_fpus_widening_above": len(w.above), "fixed_fpus_widening_above_ds": zone.loc[w.above].nunique()}


WIDENING_COUNTS = ("fixed_fpus_widening_below", "fixed_fpus_widening_below_ds", "fixed_fpus_widening_above",
                   "fixed_fpus_widening_above_ds")
"""The counts `held_widening_fields` stores (units "1"): DS buses at their widened lower and upper limits, and the
DSs they lie in."""


def _ts_iterations(system) -> float:
    """Ipopt iterations of the TS-only AC-OPF (the DSs as their base-case import loads): what the TSO's FOR-based
    OPF is held against (issue 16). NaN when it fails."""
    from forlab.opf.acopf import ACOPF

    res = ACOPF(system.ts).solve()
    return float(res.iterations) if res.success else float("nan")


def _one_size(n: int, name: str, params: dict, options: dict, progress, client=None) -> tuple[list[dict], dict]:
    """Every method on the system of one N: its rows and its ``size`` row. client: the sweep's Dask client (P1's
    offline OPFs, P2's power flows, P3's regions as actors), or None."""
    from forlab.grid import td

    t_size = time.perf_counter()
    rows = []
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        system = td.load_system(name)
        build = time.perf_counter() - t0
        buses = system.buses
        progress(f"N = {n}: {name}, {buses} buses, built in {build:.1f} s")
        t0 = time.perf_counter()
        row, base, again, net = integrated_row(name, system, params["repeats"], params["time_limit_s"])
        _add(rows, row, n, time.perf_counter() - t0, progress)
        shared = {"repeats": params["repeats"], "system": system, "client": client, "baseline": base}
        runners = {"P1": lambda: ch08.run_p1(name, [BASE], **shared, **options["P1"]),
                   "P2": lambda: ch08.run_p2(name, [BASE], **shared, **options["P2"]),
                   "P3": lambda: [ch08.run_p3(name, BASE, **{**shared, **options["P3"]})]}
        for method in params["methods"]:
            t0 = time.perf_counter()
            row = _not_run(name, n, params["p3_max_ds"]) if method == "P3" and 0 < params["p3_max_ds"] < n \
                else runners[method]()[0]
            _add(rows, row, n, time.perf_counter() - t0, progress)
        again_ms = 1e3 * again()  # after the methods: how far one solve's time moved while they ran
        ts_its = _ts_iterations(system)
        fixed = fixed_fpus_fields(system, params["time_limit_s"], net)  # the net built once per size
    size = {"n_ds": n, "system": name, "buses": buses, "ds_buses": system.ds_buses, "build_s": build,
            "peak_mib": mem.peak_mib, "ts_iterations": ts_its, "integrated_again_ms": again_ms, **fixed,
            "wall_s": time.perf_counter() - t_size}
    return rows, size


def _add(rows: list[dict], row: dict, n: int, wall_s: float, progress) -> None:
    """Append one method's row of size ``n`` with its whole time (s), and say it on the terminal."""
    row.update(n_ds=n, group_wall_time_s=wall_s)
    rows.append(row)
    progress(_progress_text(n, row))


def _not_run(name: str, n: int, limit: int) -> dict:
    """P3's row on a size above ``p3_max_ds``: not run, and why (a row, never a silent gap)."""
    row = ch08.result_row(name, "P3", BASE)
    row["status"] = (f"not run: {n} DSs is above p3_max_ds = {limit}, the largest size this sweep runs ALADIN on "
                     f"(the chapter says why it stops there)")
    return row


def _progress_text(n: int, row: dict) -> str:
    dev = row["deviation_pct"]
    said = f"{dev:+.4f} %" if np.isfinite(dev) else row["status"][:80]
    return (f"N = {n} {row['method']}: {said}, online {1e3 * row['solve_time_s']:.1f} ms, "
            f"whole {row['group_wall_time_s']:.1f} s")


def run(params: dict, progress=terminal_line) -> xr.Dataset:
    """The chapter's store (package docstring) for the notebook's ``PARAMS``: every size in the order of ``n_ds``,
    with the sweep's wall time, its warm-up's (`forlab.grid.td.warm_up`), the load average before and after and the
    machine's cores in the attributes."""
    from forlab.grid import td

    check_params(params)
    names = system_names(params)
    options = _method_options(params)
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    rows, size_rows = [], []
    with _client(params) as client:
        warm = td.warm_up()  # the first size's build time would carry the process's one-time compilation
        progress(f"warmed up in {warm:.1f} s (pandapower's power flow compiled)")
        for n, name in zip(params["n_ds"], names):
            r, s = _one_size(int(n), name, params, options, progress, client)
            rows += r
            size_rows.append(s)
    return to_store(pd.DataFrame(rows), pd.DataFrame(size_rows), {
        "title": "Many DSOs under one TSO", "sweep_wall_time_s": time.perf_counter() - t0, "warmup_wall_time_s": warm,
        "load_average_start": load_start, "load_average_end": os.getloadavg()[0],
        "anchors": anchors.as_attr(ANCHOR_KEYS), "p2_load_range": json.dumps(list(P2_LOAD_RANGE))})
    # the machine's cores: `forlab.book.store.provenance`; P2's trained range is a constant, not a parameter, so the
    # store says which it was run with (chapter 09's load condition reads it)


def _client(params: dict):
    """One Dask client for the whole sweep (issue 16: no cluster per call), on the given scheduler or a local
    cluster of ``n_workers``; without either it yields None (everything in this process)."""
    from forlab.book import parallel

    return parallel.client(params["scheduler"] or None, params["n_workers"])
