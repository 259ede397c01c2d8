"""Chapter 12, many DSOs under one TSO (issue 16): the three methods and the integrated AC-OPF as the number of
distribution systems (DSs) grows.

For every N of ``n_ds`` the study system `forlab.grid.td.many_ds_name` ``(ts, N, pool, seed)`` (N DSs drawn from
``pool``, each attached at its own TS load bus and each its own DSO) is built once. On it, at nominal load, run

* the integrated AC-OPF (`integrated_row`): the baseline, timed by the one rule and judged by the same T+D power
  flow as the methods, with an Ipopt wall-time limit (a baseline that hits it is a failed row, a result too);
* P1, P2, P3 through the study entries chapter 08 already uses for the three wings
  (`forlab.studies.ch08_sensitivity.run_p1`, `run_p2`, `run_p3`), so every row is the one outcome record
  (`forlab.opf.outcome.OUTCOME`) in chapter 08's columns, and a failure is a row with its status, never a number.

This module adds no algorithm. It adds the sweep over N, the size of each system, the peak memory of each size
(`forlab.book.memory.PeakMemory`: this process and its Dask workers), the tables a paper would print (`paper_tables`,
with `paper_note`, under the conditions read from the store, `conditions_text`; chapter 09 prints the same tables of
its copies of the rows), the growth of each cost with N (log-log slopes over the
runs with a feasible dispatch, with their $R^2$, `growth_fits`), the verdicts per N computed from judged comparable
columns only, a lead in online time counted only beyond the timing noise measured in the same store (`winners`,
`timing_noise`), and issue 16's targets (`targets`, values from the anchor registry).

Store: dimension ``run`` (one row per N and method, method "integrated" for the baseline; chapter 08's `COLUMNS`,
`FLAGS`, `TEXT`, plus ``n_ds`` and ``group_wall_time_s``: the method's whole time on that system, offline work
included) and dimension ``size`` (one row per N, prefix ``size_``: system name, buses, DS buses, build time, peak
memory, the TS-only AC-OPF's Ipopt iterations, the integrated AC-OPF's solver time timed again after the methods,
the T+D AC-OPF without DS flexibility, `fixed_fpus_fields`, and the size's wall time).

What DS flexibility is worth (`flexibility`): the judged cost of the T+D system with every FPU held at its set-point
above the integrated optimum, the scale of every cost deviation (review R3, item 10: a deviation of 0.01 % says little
until one knows whether the flexibility it coordinates is worth 1 % or 0.001 % of the cost).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, parallel, plots
from forlab.book.memory import PeakMemory
from forlab.book.names import TIME_RATIO
from forlab.book.progress import line as terminal_line
from forlab.book.provenance import machine_text
from forlab.book.runner import (
    check_distinct,
    check_non_negative,
    check_positive,
    check_positive_value,
    check_types,
    missing_profile_text,
)
from forlab.book.store import origin_text, short_commit
from forlab.book.tables import (
    TitledTable,
    as_printed,
    clipped,
    counted,
    fixed,
    fixed_columns,
    grouped,
    items,
    listed,
    printable,
    span,
    table,
    to_dataset,
    wrappable,
)
from forlab.opf.judge import GEN_TOL, MAX_VIOLATION_UNIT, VIOLATION_KINDS, held_counts, violation_words
from forlab.opf.outcome import NEGLIGIBLE_PCT, most_accurate, unmeasured_when_failed
from forlab.p1_for.representation import check_n_cost
from forlab.studies import ch08_sensitivity as ch08
from forlab.studies.ch06_ml_surrogate.text import LITTLE_ACCEPTED
from forlab.studies.ch07_aladin.readers import FIT_R2_MIN

__all__ = [
    "ANCHOR_KEYS",
    "ANSWER_COLUMNS",
    "BAND_FLOOR_PCT",
    "BASE",
    "COST_COLUMNS",
    "FIGURE_SIZE",
    "FLEXIBILITY_HEADERS",
    "FLEXIBILITY_TITLE",
    "GIVES_UP",
    "HELD_WORDS",
    "HOLLOW",
    "INTEGRATED_COLUMN",
    "KB_WHOLE_FROM",
    "LARGE_TARGETS",
    "MARKS",
    "METHODS",
    "NOISE_DEFINITION",
    "NO_EXCHANGE",
    "NO_OFFLINE",
    "ONLINE_RULE",
    "P1_ON_WORKERS",
    "P2_LOAD_RANGE",
    "P2_NO_DSO",
    "P3_ABOVE_MAX",
    "P3_NO_OFFLINE",
    "P3_STARTS",
    "PANELS",
    "PAPER_FIGURE",
    "PAPER_TITLES",
    "PARAMETER_TYPES",
    "POINT_COLUMNS",
    "SIDES",
    "SIZE_UNITS",
    "TIE",
    "TIE_MARK",
    "TIE_MARKER",
    "TIE_WORD",
    "TIE_WORDS",
    "TS_REGION_MARK",
    "WALL_TIME_STATUS",
    "WHY_NOT",
    "WITHOUT_OFFLINE",
    "above_max",
    "accuracy_tie_text",
    "check_params",
    "coded",
    "comparable",
    "conditions",
    "conditions_text",
    "dash_text",
    "deviation_text",
    "dispatch_note",
    "dispatch_table",
    "dispatch_tables",
    "ds_count",
    "duration",
    "failures_text",
    "figure",
    "fixed_fpus_fields",
    "flexibility",
    "flexibility_of_rows",
    "flexibility_table",
    "flexibility_tables",
    "flexibility_text",
    "frame",
    "given_up",
    "growth",
    "growth_fits",
    "growth_text",
    "hollow_entry",
    "integrated_row",
    "iterations_text",
    "kilobytes",
    "largest_size_text",
    "measures_shown",
    "missed_text",
    "narrow_words",
    "no_worth",
    "noise_text",
    "only_units_broke",
    "operating_point",
    "outcome_tables",
    "over_all",
    "p1_on_workers",
    "p2_text",
    "p3_data_text",
    "p3_text",
    "paper_note",
    "paper_tables",
    "paper_text",
    "percent",
    "polytopes_text",
    "profile_text",
    "ratio_words",
    "run",
    "run_tables",
    "share_ranges",
    "shown_apart",
    "sides_text",
    "size_table",
    "size_tables",
    "sizes",
    "store_text",
    "stored_point",
    "system_names",
    "systems_text",
    "target_tables",
    "targets",
    "tie_band",
    "tie_entry",
    "tie_points",
    "tied",
    "timing_noise",
    "to_store",
    "trend",
    "ts_base_mva",
    "violation_text",
    "why_not_compared",
    "winner_words",
    "winners",
    "winners_text",
    "workers_hold",
    "workers_verdict",
]

METHODS = {m: plots.METHOD_STYLE[m]["label"] for m in ("integrated", *ch08.METHODS)}
"""Row methods (chapter 08's codes, the baseline first) and the names the page gives them, in its text, tables and
figure alike: the book's one name per method (`forlab.book.plots.METHOD_STYLE`)."""

ANCHOR_KEYS = ["scaleout_p1_time_reduction_pct", "scaleout_p1_deviation_pct", "scaleout_p1_feasibility_pct",
               "scaleout_p2_time_reduction_pct",
               "scaleout_p2_feasibility_pct", "scaleout_min_ds", "scaleout_sweep_min", "scaleout_sweep_buses",
               "scaleout_p1_extra_iterations_pct"]
"""Issue 16's targets (`forlab.book.anchors`), kept in the store."""

SIZE_UNITS = {"n_ds": "1", "system": "-", "buses": "1", "ds_buses": "1", "build_s": "s", "peak_mib": "MiB",
              "ts_iterations": "1", "integrated_again_ms": "ms", "fixed_fpus_status": "-", "fixed_fpus_cost": "$/h",
              "fixed_fpus_feasible": "1", "wall_s": "s"}
"""Units of the ``size`` table (prefix ``size_``)."""

BASE = ch08.Variant("load", 1.0, 1.0, None, "all", is_base=True)
"""Every size runs at nominal load, with `forlab.grid.td.load_system`'s default FPUs and meshed DSs
(`operating_point` says so in the conditions)."""


def operating_point(v: ch08.Variant = BASE) -> str:
    """The one operating point every size runs at (``v``, the sweep's `BASE`), in words, FPUs spelled out (chapter 09
    prints it before its first "FPU"): "nominal load, meshed DSs (tie lines closed) and
    `forlab.grid.td.load_system`'s default number of flexibility-providing units per DS". One case per size: what
    `conditions` says a verdict holds for, and what chapter 09 holds its accuracy lead to."""
    load = "nominal load" if v.level == 1 else f"{100 * v.level:.0f} % of nominal load"
    meshing = "meshed DSs (tie lines closed)" if v.ties == "all" else "radial DSs (tie lines open)"
    units = ("`forlab.grid.td.load_system`'s default number of flexibility-providing units per DS" if v.n_fpus is None
             else f"{counted(v.n_fpus, 'flexibility-providing unit')} per DS")
    return f"{load}, {meshing} and {units}"


POINT_COLUMNS = ("load_level", "ties", "n_fpus")
"""The columns of a `frame` that record the operating point a row ran at
(`forlab.studies.ch08_sensitivity.result_row`)."""


def stored_point(t: pd.DataFrame) -> ch08.Variant | None:
    """The one operating point the rows ``t`` (`frame`, or chapter 09's copies of them) ran at, read from their
    `POINT_COLUMNS`; None where the rows lack them or hold more than one point (rows that record none, as a method
    not run, left out)."""
    if not set(POINT_COLUMNS) <= set(t.columns):
        return None
    points = t[list(POINT_COLUMNS)].dropna(subset=["load_level"]).drop_duplicates()
    if len(points) != 1:
        return None
    r = points.iloc[0]
    return ch08.Variant("load", float(r.load_level), float(r.load_level),
                        None if pd.isna(r.n_fpus) else int(r.n_fpus), str(r.ties))


def _point_words(point: ch08.Variant | None) -> str:
    """The operating point of `conditions`: read from the store's rows (`stored_point`), or, where they do not
    record it, `BASE`'s, said to be the code's."""
    if point is None:
        return (f"at one operating point (`forlab.studies.ch12_many_dsos.BASE`; the store's rows do not record it): "
                f"{operating_point()}")
    return f"at one operating point (read from its rows): {operating_point(point)}"


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
    (``fixed_fpus_feasible``). Ipopt is stopped after ``time_limit_s`` as the integrated AC-OPF is. Not timed: it is
    no contestant, only the scale of the cost deviations (`flexibility_table`). ``net``: the size's integrated net as
    `integrated_row` built it (a build takes seconds at the largest sizes); None: built here, in the try, so that a
    build that fails is this solve's recorded failure too."""
    from forlab.grid import td
    from forlab.opf.acopf import ACOPF
    from forlab.opf.judge import dispatch_from_result, judge

    failed = {"fixed_fpus_cost": np.nan, "fixed_fpus_feasible": False}
    try:
        net = system.integrated() if net is None else net
        # `td.without_flexibility` solves a deep copy: ``net`` keeps its FPUs for the judge below and for the caller
        res = ACOPF(td.without_flexibility(net), ipopt={"max_wall_time": float(time_limit_s)}).solve()
    except Exception as err:  # noqa: BLE001 - a solve that cannot run is a recorded failure, never a number
        return {"fixed_fpus_status": f"failed: {err}", **failed}
    if not res.success:
        return {"fixed_fpus_status": f"failed: {res.status}", **failed}
    verdict = judge(net, dispatch_from_result(res))  # the FPUs keep their set-points (and costs) in ``net``
    if not verdict["converged"]:
        return {"fixed_fpus_status": "failed: the T+D power flow did not converge", **failed}
    return {"fixed_fpus_status": "ok", "fixed_fpus_cost": float(verdict["total_cost"]),
            "fixed_fpus_feasible": bool(verdict["feasible"])}


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
    """The chapter's store (module docstring) for the notebook's ``PARAMS``: every size in the order of ``n_ds``,
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


def to_store(rows: pd.DataFrame, size_rows: pd.DataFrame, attrs: dict) -> xr.Dataset:
    """Rows in chapter 08's layout (dimension ``run``, plus ``n_ds``) and the ``size`` table, with units."""
    st = ch08.to_store(rows.assign(variant_value=1.0), attrs=attrs)
    st["n_ds"] = ("run", rows["n_ds"].to_numpy(int), {"long_name": "number of DSs", "units": "1"})
    st.update(to_dataset(size_rows, "size", "size_", units=SIZE_UNITS))
    # the codes' short names, as every store of this chapter keeps them (the page's names are `METHODS`)
    st.attrs["methods"] = json.dumps({"integrated": "integrated AC-OPF", **ch08.METHODS})
    return st


# ----------------------------------------------------------------------------------------------------------------------
# readers: everything below reads a store
# ----------------------------------------------------------------------------------------------------------------------
def frame(st: xr.Dataset) -> pd.DataFrame:
    """The ``run`` rows with ``n_ds``, the size's ``buses`` and ``integrated_again_ms`` (NaN in a store written
    before it, `timing_noise`), ``time_ratio`` (the online solver time over the
    integrated AC-OPF's of the same size, as chapter 08's rows store it, `forlab.studies.ch08_sensitivity.COLUMNS`:
    one integrated AC-OPF per size, shared by every method rather than one per method, and timed by the rule,
    `integrated_row`; none for that AC-OPF itself) and ``time_reduction_pct`` (100 (1 - ratio), %: only the scale-out
    targets are defined as a reduction, `targets`)."""
    t = ch08.frame(st.drop_dims("size"))
    t["n_ds"] = t["n_ds"].astype(int)
    t = t.merge(sizes(st).reindex(columns=["n_ds", "buses", "integrated_again_ms"]), on="n_ds", how="left")
    t["time_reduction_pct"] = 100 * (1 - t["time_ratio"])
    t.loc[t.method == "integrated", ["time_ratio", "time_reduction_pct"]] = np.nan  # the yardstick itself
    return t


def sizes(st: xr.Dataset) -> pd.DataFrame:
    """The ``size`` table (one row per N)."""
    return table(st, "size", "size_")


def _ok(t: pd.DataFrame) -> pd.Series:
    """Rows whose every solve succeeded and whose dispatch the T+D power flow found feasible (`failures_text` lists
    the others)."""
    return (t.status == "ok") & t.feasible.astype(bool)


def comparable(t: pd.DataFrame) -> pd.Series:
    """The rows a verdict may compare, the one rule of this chapter's `winners` and chapter 09's many-DSOs view:
    `_ok`, and the integrated AC-OPF of the same size, the yardstick, has a time and a cost (the row's time ratio
    and deviation are numbers)."""
    judged = np.isfinite(t.time_ratio.astype(float)) & np.isfinite(t.deviation_pct.astype(float))
    return _ok(t) & judged


def why_not_compared(r) -> str:
    """Why a contestant's row is not `comparable`, in one word as the tables print it: "not run", "failed",
    "infeasible" (in the T+D power flow) or "no yardstick" (the integrated AC-OPF of its size has no time or cost);
    `failures_text` gives the details."""
    if r.status != "ok":
        return "not run" if str(r.status).startswith("not run") else "failed"
    return "infeasible" if not r.feasible else "no yardstick"


NO_EXCHANGE = (", and the data it exchanges: none, since it holds every grid model in one place, which is what the "
               "methods avoid")
"""Why the integrated AC-OPF's row has no data exchanged (`dash_text`): not that it needs none, but that it is the
benchmark privacy forbids (the glossary's words)."""

NO_OFFLINE = ", its offline time and rounds: it has no offline step and no rounds of messages"
"""Why the integrated AC-OPF's row has "–" for its offline time and rounds (`outcome_tables`; said by `dash_text`):
they do not apply to a problem solved in one piece, whose time is its solve's alone (`paper_tables` has no row of
it)."""

WITHOUT_OFFLINE = ch08.NOT_APPLYING["offline_time_s"]
"""The rows whose offline time reads "–", not 0.0: the integrated AC-OPF's (`NO_OFFLINE`) and ALADIN's
(`P3_NO_OFFLINE`), neither of which has an offline step; chapter 08's one rule
(`forlab.studies.ch08_sensitivity.NOT_APPLYING`), which `measures_shown` applies."""

P3_NO_OFFLINE = "P3 ALADIN's offline time: it has no offline step, its regions solve online in every round"
"""Why P3's rows have "–" for their offline time (`WITHOUT_OFFLINE`; said by `dash_text`, `paper_note`)."""

SIZE_TITLE = ("**The systems** per size: buses, build time (s), peak memory (MiB), the size's wall time (s) and the "
              "integrated AC-OPF's solver time before and after the methods (ms; the ratios divide by the first, and "
              "the timing noise is the largest relative move, how far the faster lies below the slower):")
AGAIN_HEADER = "integrated before / after (ms)"
RUN_TITLES = ("**What the TSO gets and how fast**, per size and method:",
              "**What it costs besides**, per size and method:")
DISPATCH_TITLE = ("**P1's DSO work** per size, online and offline: the slowest DSO's own time beside all DSOs' work "
                  "as it ran here:")
TARGETS_TITLE = "**The scale-out targets** held against this store:"
"""The titles of the chapter's tables (`size_tables`, `run_tables`, `dispatch_tables`, `target_tables`): tables
shown one after the other render as one grid without them (`forlab.book.tables.titled`)."""


ONLINE_HEADERS = {"deviation_pct": "deviation (%)", "feasible": "feasible", "online": "online solver (ms)",
                  "wall_ms": "online wall by the rule (ms)", "ratio": TIME_RATIO}
EFFORT_HEADERS = {"buses": "buses", "offline_time_s": "offline (s)", "rounds": "rounds", "kB": "exchanged (kB)"}
"""The columns of the chapter's two tables (`outcome_tables`), each narrow enough for the text column."""


def _fixed(table: pd.DataFrame, digits: dict[str, int]) -> pd.DataFrame:
    """`forlab.book.tables.fixed_columns` of ``table`` with every column it formats grouped by the book's one grouping
    of thousands (`forlab.book.tables.grouped`, the rule of the anchors' bounds): a number of these tables that can
    reach a thousand (a time in ms or s, MiB, rounds, kB, buses) reads as the sentences and the bounds print it
    ("1 066.4" ms beside "1 798" buses, not "1066.4"), whichever columns ran past a thousand so far."""
    return fixed_columns(table, digits, group=tuple(digits))


KB_WHOLE_FROM = 1000.0
"""From how many kB on the tables print the data exchanged in whole kB (`kilobytes`), as a paper prints them:
ALADIN's hundreds of thousands of kB read "194 493", not "194 493.5", while an offer of a few kB keeps its tenth."""


def kilobytes(values) -> pd.Series:
    """Data exchanged (kB) as every table of this chapter prints it: one decimal below `KB_WHOLE_FROM`, whole kB from
    there on, thousands grouped (`forlab.book.tables.grouped`); a missing value stays missing (`printable`'s "–")."""
    v = pd.Series(values, dtype=float)
    return v.map(lambda x: grouped(x, 1 if round(abs(x), 1) < KB_WHOLE_FROM else 0)).where(np.isfinite(v))


def measures_shown(t: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` (methods by code) with every measure a table of this chapter shows as "–" set to NaN: the
    one dash rule of `outcome_tables`, `paper_tables` and `figure`. A run that did not finish has no
    feasibility, times (its TSO and DSO sides too), offline time, rounds or data (the book's one rule,
    `forlab.opf.outcome.unmeasured_when_failed`); a run that is not `comparable` has no deviation (nor has the
    integrated AC-OPF, from itself); a measure that does not apply to a row's method is missing by chapter 08's one
    rule (`forlab.studies.ch08_sensitivity.applicable`: the rows of `WITHOUT_OFFLINE` have no offline time, P2's no
    DSO part), and the integrated AC-OPF has no rounds (`NO_OFFLINE`). A measure the rows do not carry is left out
    (an older store's)."""
    ran, integrated = t.status == "ok", t.method == "integrated"
    t = ch08.applicable(t)
    deviation = t.deviation_pct.where(comparable(t) & ~integrated)  # before the rule takes a failed row's feasibility
    t = unmeasured_when_failed(t, ["feasible", "solve_time_s", "wall_time_s", "tso_ms", "dso_ms", "bytes_exchanged",
                                   "offline_time_s"], ran)
    return t.assign(deviation_pct=deviation, rounds=t.rounds.astype(float).where(ran & ~integrated))


def outcome_tables(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chapter's two tables, per N and method: what the TSO gets and how fast (judged deviation (%),
    feasibility, online solver time (ms), online wall time by the same rule (ms: each part's wall clock, parallel
    parts their slowest; not the measured wall clock of all DSOs on the workers, which `dispatch_table` gives; not
    measured alike: with Dask workers P1's DSOs are timed on their workers one at a time, without messages, and
    P2's is its TSO's solve alone, while ALADIN's rounds include their communication and its regions run while the
    other workers compute), the online solver time over the integrated AC-OPF's), and what it costs besides
    (buses, offline time (s), rounds, kB as `kilobytes` prints them; every number with its thousands grouped,
    `_fixed`). "–" where a measure does not exist, by the one dash rule (`measures_shown`; a failed run's status is
    in `failures_text`); a run that is not `comparable` (an infeasible dispatch, or no yardstick) has, in the ratio's
    place, the word that says why (`why_not_compared`)."""
    ratio = ratio_words(t)
    t = measures_shown(t)
    # chapter 08's display units (online ms, kB), the wall time beside them in ms
    t = ch08.display_units(t).assign(wall_ms=1e3 * t.wall_time_s, feasible=t.feasible.map({1.0: "yes", 0.0: "no"}),
                                     ratio=ratio)
    t = t.set_index(pd.MultiIndex.from_arrays([t.n_ds, t.method.map(METHODS)], names=["DSs", "method"]))
    t = _fixed(t, {"deviation_pct": 4, "online": 1, "wall_ms": 1, "offline_time_s": 1, "rounds": 0, "buses": 0})
    t["kB"] = kilobytes(t.kB).to_numpy()
    return printable(t, ONLINE_HEADERS), printable(t, EFFORT_HEADERS)


def run_tables(t: pd.DataFrame) -> list[TitledTable]:
    """`outcome_tables`, each under its title (`RUN_TITLES`)."""
    return list(zip(RUN_TITLES, outcome_tables(t)))


def dash_text(t: pd.DataFrame) -> str:
    """Markdown: what a "–" in `outcome_tables` of ``t`` stands for, naming only the causes that occur: a run that
    failed or was not run (`failures_text` lists each with its status after the tables), the deviation of a run
    whose ratio column says why it is not compared (an infeasible dispatch, or no yardstick), a value of the
    integrated AC-OPF that does not apply (its ratio to itself, its offline time and rounds, `NO_OFFLINE`; its data
    exchanged, where it has none), or ALADIN's offline time (`P3_NO_OFFLINE`); one clause per cause, as `paper_note`
    words them; empty when there is none."""
    not_run = t.status.astype(str).str.startswith("not run")
    runs = [w for w, occurs in (("a failed run", ((t.status != "ok") & ~not_run).any()),
                                ("a method not run at that size", not_run.any())) if occurs]
    said = [f"{' or '.join(runs)} (each listed with its status after the tables)"] if runs else []
    if ((t.method != "integrated") & (t.status == "ok") & ~comparable(t)).any():
        said.append(f"the deviation of a run the {TIME_RATIO} column calls infeasible or without yardstick: "
                    "no deviation of a dispatch a TSO cannot use is compared")
    base = t[t.method == "integrated"]
    # one cause per clause, each saying whose rows it holds in, as `paper_note` words them
    if len(base):
        kb = NO_EXCHANGE if base.bytes_exchanged.isna().any() else ""
        said.append(f"in the integrated AC-OPF's rows, a value that does not apply (its ratio to and deviation from "
                    f"itself{NO_OFFLINE}{kb})")
    if ((t.method == "P3") & (t.status == "ok")).any():
        said.append(f"in P3 ALADIN's rows, a value that does not apply ({P3_NO_OFFLINE})")
    return f"“–”: {'; '.join(said)}." if said else ""


DISPATCH_HEADERS = {"dso_ms": "slowest DSO, solver (ms)", "dso_parallel_ms": "all DSOs on the workers, wall (ms)",
                    "ratio": "wall / slowest DSO", "offline_dso_max_s": "offline, slowest DSO (s)",
                    "offline_time_s": "offline, all DSOs (s)"}


def dispatch_table(t: pd.DataFrame) -> pd.DataFrame:
    """P1's DSO work per N. Online: the slowest DSO's solver time (ms), what the one rule counts, beside the wall
    time of every DSO's dispatch sent at once to the Dask workers and measured on this machine (ms; "–" when the
    run had no workers), and their ratio. Offline: the slowest DSO's own time (s; each DSO with a computer of its
    own) beside the time of all DSOs' offline work as it ran here (s; "–" in a store written before it was
    recorded)."""
    p1 = t[(t.method == "P1") & (t.status == "ok")].set_index("n_ds")
    p1 = p1.assign(ratio=p1.dso_parallel_ms / p1.dso_ms,
                   offline_dso_max_s=p1.get("offline_dso_max_s", pd.Series(np.nan, index=p1.index)))
    p1 = _fixed(p1, dict.fromkeys(("dso_ms", "dso_parallel_ms", "ratio", "offline_dso_max_s", "offline_time_s"), 1))
    out = printable(p1, DISPATCH_HEADERS)
    out.index.name = "DSs"
    return out


def dispatch_tables(t: pd.DataFrame) -> list[TitledTable]:
    """`dispatch_table` under its title (`DISPATCH_TITLE`)."""
    return [(DISPATCH_TITLE, dispatch_table(t))]


def dispatch_note(t: pd.DataFrame) -> str:
    """Markdown: the sizes where `dispatch_table`'s wall time of all DSOs came out below the slowest DSO's own
    solver time, and why that can happen (empty when it did not): the two are separate runs of the same dispatches,
    the timed steps first, one DSO at a time, then the rounds sent at once, each the fastest of its repeats."""
    p1 = t[(t.method == "P1") & (t.status == "ok")]
    below = p1[p1.dso_parallel_ms < p1.dso_ms].sort_values("n_ds")
    if not len(below):
        return ""
    sizes = ", ".join(f"{ds_count(int(r.n_ds))} ({grouped(r.dso_parallel_ms)} against {grouped(r.dso_ms)} ms)"
                      for r in below.itertuples())
    return (f"Wall time below the slowest DSO's solver time at {sizes}: the two columns are separate runs of the "
            f"same dispatches (first each DSO's timed step, one DSO at a time, then the rounds sent at once, each "
            f"the fastest of its repeats), so the machine's load can make the first the slower; a ratio below one "
            f"is timing noise, not a gain from running the DSOs together.")


def ds_count(n: int) -> str:
    """A number of DSs in words ("1 DS", "8 DSs"), as the scale-out texts name a size (here and chapter 09's)."""
    return counted(n, "DS")


def size_table(st: xr.Dataset) -> pd.DataFrame:
    """One row per N and its system (the index: a long system name wraps there, where pandas' HTML would cut a cell
    of more than ``display.max_colwidth`` characters short): its buses, build time (s), peak memory (MiB) and the
    size's wall time (s); where the store has it, the integrated AC-OPF's solver time before the methods and again
    after them (ms, "–" where a timing failed), the pairs `timing_noise` takes the largest move of. Every number with
    its thousands grouped (`forlab.book.tables.grouped`), as the other tables print theirs (`_fixed`)."""
    s = sizes(st)
    out = pd.DataFrame({"buses": s.buses.map(grouped), "DS buses": s.ds_buses.map(grouped),
                        "build (s)": s.build_s.map(lambda v: grouped(v, 1)),
                        "peak memory (MiB)": s.peak_mib.map(grouped), "wall time (s)": s.wall_s.map(grouped)})
    if "integrated_again_ms" in s:
        t = frame(st)
        ok = t[(t.method == "integrated") & (t.status == "ok")].set_index("n_ds").solve_time_s
        before = (1e3 * ok).reindex(s.n_ds).to_numpy(float)
        out[AGAIN_HEADER] = [f"{grouped(a, 1)} / {grouped(b, 1)}" if np.isfinite(a) and np.isfinite(b) else "–"
                             for a, b in zip(before, s.integrated_again_ms.astype(float))]
    out.index = pd.MultiIndex.from_arrays([s.n_ds, s.system.map(wrappable)], names=["DSs", "system"])
    return out


def size_tables(st: xr.Dataset) -> list[TitledTable]:
    """`size_table` under its title (`SIZE_TITLE`)."""
    return [(SIZE_TITLE, size_table(st))]


HELD_WORDS = "every FPU held at its base-case output (the chart point closest to zero output)"
"""What "held" means, said where the worth is first given (`flexibility_text`, `FLEXIBILITY_TITLE`; chapter 09
prints that text without chapter 12's introduction): by `forlab.grid.td.add_default_fpus` an FPU's base-case output is the point of its chart
closest to zero output, so holding it there uses no DS flexibility."""


FLEXIBILITY_TITLE = ("**What DS flexibility is worth** per size: the judged cost of the T+D system with "
                     f"{HELD_WORDS}, its worth (how far that cost lies above the integrated AC-OPF's optimum, in $/h "
                     "and in % of that optimum), the share of the worth a deviation at the solvers' tolerances would "
                     "be (a tie: a share below it cannot be told from a tie), and the share of the worth each method's "
                     "dispatch gives up (“tie” where its deviation is within those tolerances):")
FLEXIBILITY_HEADERS = {"fixed": "cost, FPUs held ($/h)", "worth": "worth ($/h)", "worth_pct": "worth (% of optimum)",
                       "tie_share": "a tie (% of worth)"}
GIVES_UP = "{method} gives up (% of worth)"
"""The title and columns of `flexibility_table`, each header with its base: the worth in % of the integrated optimum,
the tie and the methods' shares in % of the worth (review R, finding 4); then one column per method, headed
`GIVES_UP`, the share of the worth it gives up."""


def flexibility(st: xr.Dataset, t: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per size (index ``n_ds``), what DS flexibility is worth: ``fixed``, the judged cost with every FPU held at its
    set-point ($/h, `fixed_fpus_fields`), and ``worth``, how far it lies above the integrated AC-OPF's optimum ($/h;
    ``worth_pct`` in % of that optimum; ``tie_share``, the share of it a deviation at `NEGLIGIBLE_PCT` would be, the
    resolution of the shares), NaN where that solve failed or its dispatch broke a limit (then the
    flexibility is needed to keep the limits, and its worth is no number) or where either has no cost; per method
    (columns by code) the share of the worth its dispatch gives up, 100 (cost - optimum) / worth (%), NaN where its row
    is not `comparable` or the worth is not positive. Empty for a store written before the fields existed. ``t``: the
    store's `frame`, where the caller has built it already (None: built here)."""
    s = sizes(st).set_index("n_ds")
    if "fixed_fpus_cost" not in s:
        return pd.DataFrame()
    t = frame(st) if t is None else t
    optimum = t[t.method == "integrated"].set_index("n_ds").integrated_cost.reindex(s.index).astype(float)
    held = (s.fixed_fpus_status == "ok") & s.fixed_fpus_feasible.astype(bool)
    fixed = s.fixed_fpus_cost.astype(float).where(held)
    worth_pct = 100 * (fixed - optimum) / optimum
    # a deviation at the tie bound is noise (`forlab.opf.outcome.NEGLIGIBLE_PCT`): the share's resolution
    out = pd.DataFrame({"fixed": fixed, "worth": fixed - optimum, "worth_pct": worth_pct,
                        "tie_share": 100 * NEGLIGIBLE_PCT / worth_pct.where(worth_pct > 0)})
    good = t[comparable(t) & (t.method != "integrated")]
    for method, g in good.groupby("method"):
        g = g.set_index("n_ds")
        worth = out.worth.reindex(g.index).where(lambda w: w > 0)
        out[method] = (100 * (g.cost.astype(float) - g.integrated_cost.astype(float)) / worth).reindex(out.index)
    return out


def flexibility_table(st: xr.Dataset, f: pd.DataFrame | None = None, t: pd.DataFrame | None = None) -> pd.DataFrame:
    """`flexibility` as the page prints it (`FLEXIBILITY_HEADERS`, a method's column headed `GIVES_UP`): costs with
    two decimals, the worth in % and the shares as `_share` prints them, a method's column with the word why it has no
    share
    where its row is not `comparable` (`why_not_compared`), and "–" where the worth is no number. ``f``, ``t``: the
    store's `flexibility` and `frame`, where the caller has built them already (None: built here, once)."""
    t = frame(st) if t is None else t
    f = flexibility(st, t) if f is None else f
    t = coded(t)
    shown = _fixed(f, {"fixed": 2, "worth": 2}).assign(worth_pct=f.worth_pct.map(_share),
                                                        tie_share=f.tie_share.map(_share))
    out = printable(shown, FLEXIBILITY_HEADERS)
    share = {m: f[m] if m in f else pd.Series(np.nan, index=f.index) for m in ch08.METHODS}
    for method in [m for m in ch08.METHODS if m in set(t.method)]:
        rows = t[t.method == method]
        words = [(TIE_WORD if _tied(r) else _share(share[method].get(r.n_ds, np.nan))) if good
                 else why_not_compared(r) for r, good in zip(rows.itertuples(), comparable(rows))]
        out[GIVES_UP.format(method=METHODS[method])] = (pd.Series(words, index=rows.n_ds.to_numpy())
                                                        .reindex(f.index).fillna("–"))
    out.index.name = "DSs"
    return out


def given_up(at: pd.DataFrame, shares: pd.Series) -> str:
    """Markdown: what each comparable method's dispatch at one size gives up of the worth of DS flexibility (``at``:
    that size's rows of `frame`, methods by code or by name; ``shares``: the size's row of `flexibility`, by code), in
    the order of `METHODS`: "P1 FOR offer gives up 21 % and P3 ALADIN ties with the optimum" (`_tied`); "" where no
    method has a share. Chapter 09's answer says it in the same words."""
    at = coded(at)
    good = at[comparable(at)].set_index("method")
    parts = [f"{METHODS[m]} ties with the optimum" if _tied(good.loc[m]) else f"{METHODS[m]} gives up {_share(v)} %"
             for m in ch08.METHODS if m in good.index and np.isfinite(v := float(shares.get(m, np.nan)))]
    return listed(parts) if parts else ""


TIE_WORD = "tie"
"""What `flexibility_table` prints for a method whose deviation is within the solvers' tolerances (`_tied`)."""


def tied(dev: pd.Series) -> pd.Series:
    """Which cost deviations (%, signed or not) are within the solvers' tolerances
    (`forlab.opf.outcome.NEGLIGIBLE_PCT`): a tie with the optimum, whose share of the worth is noise (the tie rule of
    `accuracy_tie_text`); False for NaN (no compared deviation). The rule's one statement, for this chapter and
    chapter 09."""
    return dev.astype(float).abs() <= NEGLIGIBLE_PCT


def _tied(r) -> bool:
    """Whether a row's |cost deviation| is a tie with the optimum (`tied`)."""
    return bool(tied(pd.Series([r.deviation_pct])).iloc[0])


def _share(value: float) -> str | float:
    """A percentage as `flexibility_table` prints it (`percent`'s digits: whole from one per cent on, one significant
    digit below; without the unit), NaN where there is none."""
    return percent(value / 100).removesuffix(" %") if np.isfinite(value) else np.nan


WALL_TIME_STATUS = "Maximum_WallTime_Exceeded"
"""Ipopt's status for a solve stopped by its wall-time limit (``time_limit_s``), as `fixed_fpus_fields` stores it."""


def no_worth(held_status: str, held_feasible: bool, limit_s: float | None = None,
             integrated_s: float = np.nan) -> str:
    """Why a size has no worth of DS flexibility, as a clause, from its AC-OPF with every FPU held (``held_status``
    and ``held_feasible``, the size's ``fixed_fpus_status`` and ``fixed_fpus_feasible`` of `sizes`). A held-FPU solve
    stopped by Ipopt's wall-time limit is said with the limit (``limit_s``, the store's ``time_limit_s``; None: a store
    without its parameters) beside the integrated AC-OPF's solver time of that size (``integrated_s``, s), and that
    why it ran so long is not known: the store keeps Ipopt's status alone, which does not tell an infeasible solve
    from a slow one (review R, finding 8). The one wording of why, for this chapter and chapter 09's answer."""
    status = str(held_status).removeprefix("failed: ")
    if status == WALL_TIME_STATUS:
        limit = f" of {grouped(limit_s)} s" if limit_s is not None else ""
        took = (f", though the integrated AC-OPF of that size took {duration(integrated_s)}"
                if np.isfinite(integrated_s) else "")
        return (f"the AC-OPF with every FPU held was stopped by Ipopt's wall-time limit{limit} (`time_limit_s`){took}; "
                "why it ran that long is not known, since the store keeps Ipopt's status alone, which does not tell "
                "an infeasible solve from a slow one")
    if held_status != "ok":
        return f"the AC-OPF with the FPUs held failed ({status})"
    if not bool(held_feasible):
        return "with the FPUs held its dispatch breaks a limit in the T+D power flow: the FPUs are needed to keep it"
    return "the integrated AC-OPF has no cost there"


def flexibility_tables(st: xr.Dataset) -> list[TitledTable]:
    """`flexibility_table` under its title (`FLEXIBILITY_TITLE`); none for a store without the fields."""
    t = frame(st)
    f = flexibility(st, t)  # once: the table is built of it
    return [(FLEXIBILITY_TITLE, flexibility_table(st, f, t))] if len(f) else []


def flexibility_text(st: xr.Dataset) -> str:
    """Markdown: what DS flexibility is worth over the sweep's sizes (`flexibility`), in $/h and in % of the
    integrated optimum, with what the FPUs are held at (`HELD_WORDS`); what the tie share means for a reader (a share
    below it cannot be told from a tie); each method's range of shares over the sizes with a worth, its ties said as
    ties (`share_ranges`); at the largest size with a worth, the share each comparable method gives up; each method
    that gives up more than all of it, where and by how much (`over_all`: there the T+D system cost more than with no
    DS flexibility used at all). Sizes without a worth are named with why (`no_worth`). Empty for a store without the
    fields."""
    t = frame(st)
    f = flexibility(st, t)
    if not len(f):
        return ""
    s = sizes(st).set_index("n_ds")
    has = f[np.isfinite(f.worth)]
    said = []
    if len(has):
        said.append(f"With {HELD_WORDS} and the TS units optimised alone, the T+D system costs "
                    f"{span(has.worth, '.2f', ' $/h')} more than at the integrated AC-OPF's optimum "
                    f"({span(has.worth_pct, _share, ' %')} of it, over {_ds_list(has.index)}): that is what DS "
                    f"flexibility is worth here, the scale of this chapter's cost deviations. A deviation within the "
                    f"solvers' tolerances, a tie with the optimum, is {span(has.tie_share, _share, ' %')} of that "
                    f"worth (per size in the table): a share below its size's tie cannot be told from a tie.")
        said.append(share_ranges(t, has))
        n = int(has.index.max())
        if given := given_up(t[t.n_ds == n], has.loc[n]):
            said.append(f"At {ds_count(n)}, of that worth, {given}.")
        said.append(over_all(t, has))
    missing = s.index[~np.isfinite(f.worth)]
    if len(missing):
        limit = json.loads(st.attrs["parameters"]).get("time_limit_s") if "parameters" in st.attrs else None
        own = t[t.method == "integrated"].set_index("n_ds").solve_time_s.astype(float)
        # a sentence per size: the why of a stopped solve is a clause of its own, too long for a parenthesis
        said += [f"No worth at {ds_count(int(n))}: "
                 f"{no_worth(s.fixed_fpus_status[n], s.fixed_fpus_feasible[n], limit, own.get(n, np.nan))}."
                 for n in missing]
    return " ".join(p for p in said if p)


def _shares(t: pd.DataFrame, has: pd.DataFrame) -> dict[str, tuple[pd.Series, list[int]]]:
    """Per method (by code, in the order of `METHODS`) with a comparable row at a size of ``has`` (the rows of
    `flexibility` with a worth): the shares of the worth it gives up where it does not tie, and the sizes where it
    ties (`_tied`), from the rows of `frame` ``t`` (methods by code or by name)."""
    t = coded(t)
    good = t[comparable(t) & t.n_ds.isin(has.index)]
    out = {}
    for m in [m for m in ch08.METHODS if m in has]:
        rows = good[good.method == m].sort_values("n_ds")
        tied = [int(r.n_ds) for r in rows.itertuples() if _tied(r)]
        shares = has[m].reindex([int(n) for n in rows.n_ds if int(n) not in tied]).dropna()
        if len(shares) or tied:
            out[m] = (shares, tied)
    return out


def share_ranges(t: pd.DataFrame, has: pd.DataFrame) -> str:
    """A sentence of each method's range of shares of the worth over the sizes with a worth (`_shares`; ``t``, the
    rows of `frame`, ``has``, the rows of `flexibility` with a worth, or both of chapter 09's copies,
    `flexibility_of_rows`), its ties said as ties: "Over the sizes with a worth, P1 FOR offer gives up 17 to 92 % of it
    (a tie at 2 DSs) and P3 ALADIN ties at 1, 4, 8 and 16 DSs."; "" where no method has one. The one wording, for
    this chapter and chapter 09's answer."""
    parts = []
    for m, (shares, tied) in _shares(t, has).items():
        ties = f"ties at {_ds_list(tied)}" if tied else ""
        if not len(shares):
            parts.append(f"{METHODS[m]} {ties}")
            continue
        gives = f"{METHODS[m]} gives up {span(shares, _share, ' %')} of it"
        parts.append(gives + (f" ({ties.replace('ties', 'a tie')})" if tied else ""))
    return f"Over the sizes with a worth, {listed(parts)}." if parts else ""


def over_all(t: pd.DataFrame, has: pd.DataFrame) -> str:
    """A sentence of where a method's dispatch gave up more than all of the worth (a share above 100 %, not a tie,
    `_shares`; ``t`` and ``has`` as `share_ranges` takes them), with the shares: "P2 ML surrogate's dispatch gave up
    more than all of the worth at 2 DSs (152 %) and 4 DSs (300 %): there the T+D system cost more than with no DS
    flexibility used at all."; "" where none did. The one wording, for this chapter and chapter 09's answer."""
    parts = []
    for m, (shares, _) in _shares(t, has).items():
        if len(over := shares[shares > 100]):
            where = listed([f"{ds_count(int(n))} ({_share(v)} %)" for n, v in over.items()])
            parts.append(f"{METHODS[m]}'s dispatch gave up more than all of the worth at {where}")
    return f"{listed(parts)}: there the T+D system cost more than with no DS flexibility used at all." if parts else ""


def flexibility_of_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``t`` and ``has`` that `share_ranges` and `over_all` take, from rows of `frame` that carry their size's
    worth and their method's share of it (``flex_worth_pct``, ``flex_share_pct``, methods by name: chapter 09's scale
    rows, which keep what they need of `flexibility` beside this store's rows, not the table): the rows by code
    (`coded`), and per size with a worth (index ``n_ds``) its ``worth_pct`` and each method's share (a column by
    code), as `flexibility` has them."""
    t = coded(rows)
    worth = t[np.isfinite(t.flex_worth_pct.astype(float))].assign(n_ds=lambda r: r.n_ds.astype(int))
    has = worth.pivot(index="n_ds", columns="method", values="flex_share_pct").astype(float)
    has.columns.name = None
    return t, has.assign(worth_pct=worth.groupby("n_ds").flex_worth_pct.first().astype(float))


PAPER_TITLES = (("**The answer at paper scale**, per size and method, held against the integrated AC-OPF of its "
                 "size (its solver time in the column of that name, once per size):"),
                ("**What it costs besides**, per size and method: the offline time (all DSOs' offline work as it "
                 "ran on that machine), the rounds and the data exchanged (in whole kB where they run into "
                 "thousands):"))
SIDES = {"tso": "TSO side", "dso": "DSO side"}
ANSWER_COLUMNS = {"online": "online solver time (ms)", **{k: f"{v} (ms)" for k, v in SIDES.items()},
                  "ratio": f"{TIME_RATIO} (x)", "dev": "|cost deviation| (%)"}
INTEGRATED_COLUMN = f"{METHODS['integrated']} (ms)"
COST_COLUMNS = {"offline": "offline (s)", "rounds": "rounds", "kB": "exchanged (kB)"}
"""The titles and columns of `paper_tables`, the sweep as this chapter's page and chapter 09's print it: a row per
size and method, the methods by their full names, in two tables that fit the text column (one column per method and
figure would make fifteen), the online time with its TSO and DSO sides (`sides_text` says what they are per method),
without the integrated AC-OPF's rows of dashes between the methods' (review R3, items 9 and 18): its solver time has a
column of its own, once per size, so that no time stands under the ratio's header. Every time in ms, its unit in the
header (`INTEGRATED_COLUMN` the integrated AC-OPF's), not in the cells (review R, finding 12): ms as the chapter's
other tables give online times, and with the decimals of `_ms_decimals` the smallest time of a table still shows
three significant digits (a DSO side of some tens of ms) while none needs more than one decimal; in s, such a
table would need four decimals on times of tens of seconds."""

TS_REGION_MARK = "†"
"""The mark on P3 ALADIN's DSO side in `paper_tables` (review R, finding 6): its slowest region per round, the TS
region among them, so not the DSOs' time alone; `sides_text` says what it means."""

TIE_MARK = f" ({TIE_WORD})"
"""What `paper_tables` adds to a |cost deviation| within the solvers' tolerances (`_tied`, the rule of the worth
table's “tie”), its number kept (review R, finding 12)."""

WHY_NOT = {"infeasible": "its dispatch is infeasible in the T+D power flow", "failed": "it failed",
           "not run": "it was not run",
           "no yardstick": "the integrated AC-OPF of its size has no time or cost to hold it against"}
"""What each word of `why_not_compared` says, as a clause (`paper_note`; chapter 09's statements on the sweep)."""

_CODES = {label: code for code, label in METHODS.items()}


def coded(t: pd.DataFrame) -> pd.DataFrame:
    """Rows of `frame` with their methods by code, whether they name them by code or by their full names (`METHODS`,
    as chapter 09's copies of this store's rows do)."""
    return t.assign(method=t.method.map(lambda m: _CODES.get(m, m)))


def ratio_words(t: pd.DataFrame) -> pd.Series:
    """Per row of `frame` (methods by code or by name), the online solver time over the integrated AC-OPF's as a
    table prints it: two decimals (thousands grouped, `forlab.book.tables.grouped`) where the row is `comparable`,
    else why not (`why_not_compared`); NaN for the integrated AC-OPF (no ratio to itself)."""
    t = coded(t)
    words = [grouped(r.time_ratio, 2) if good else why_not_compared(r)
             for r, good in zip(t.itertuples(), comparable(t))]
    return pd.Series(words, index=t.index, dtype=object).where(t.method != "integrated")


def _ms_decimals(seconds) -> int:
    """The decimals of the ms of `paper_tables`: enough for three significant digits of the smallest positive time
    of ``seconds`` (one for a time of some tens of ms), at least none."""
    ms = 1e3 * np.asarray(seconds, dtype=float)
    ms = ms[np.isfinite(ms) & (ms > 0)]
    return max(0, 2 - int(np.floor(np.log10(ms.min())))) if len(ms) else 1


def _durations(seconds, decimals: int) -> list:
    """Solver times (s) as the paper-scale tables print them: in ms with ``decimals`` decimals, thousands grouped
    (`forlab.book.tables.grouped`), the unit in the header (`ANSWER_COLUMNS`); NaN where there is none (`printable`'s
    "–")."""
    return [grouped(1e3 * s, decimals) if np.isfinite(s) else np.nan for s in np.asarray(seconds, dtype=float)]


def _paper_rows(t: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` (methods by code or by their full names) as `paper_tables` print them, before their
    layout: methods by code, by size and then in the order of `METHODS`, the dash rule applied (`measures_shown`);
    ``online`` the solver time in ms (`_durations`, with the decimals ``ms_decimals`` of all the rows' times and
    sides, `_ms_decimals`), ``ratio`` the ratio or the word why there is none (`ratio_words`; for the integrated
    AC-OPF NaN, or why it has no time), ``dev`` the |cost deviation| (%), marked `TIE_MARK` where it is a tie,
    ``offline`` and ``rounds`` as printed, ``kB`` the data exchanged in kB, still a number (`kilobytes` prints
    it)."""
    t = coded(t)
    own = pd.Series([np.nan if r.status == "ok" else why_not_compared(r) for r in t.itertuples()],
                    index=t.index, dtype=object)  # the integrated AC-OPF's: no ratio to itself, or why it has no time
    ratio = ratio_words(t).where(t.method != "integrated", own)
    t = measures_shown(t)
    tie = tied(t.deviation_pct)  # NaN (no compared deviation): no mark
    sides = [t[f"{k}_ms"] / 1e3 for k in SIDES if f"{k}_ms" in t]
    decimals = _ms_decimals(np.concatenate([t.solve_time_s.to_numpy(float), *[v.to_numpy(float) for v in sides]]))
    t = t.assign(online=_durations(t.solve_time_s, decimals), ratio=ratio.to_numpy(), dev=t.deviation_pct.abs(),
                 offline=t.offline_time_s, kB=t.bytes_exchanged / 1e3, ms_decimals=decimals)
    t = _fixed(t, {"dev": 4, "offline": 1, "rounds": 0})
    t["dev"] = t.dev.where(~tie, t.dev.astype(str) + TIE_MARK)
    return t.iloc[np.lexsort((t.method.map(list(METHODS).index).to_numpy(), t.n_ds.to_numpy()))]


def paper_tables(t: pd.DataFrame) -> list[TitledTable]:
    """The sweep as this chapter's page and chapter 09's print it, from the rows of `frame` (methods by code or by
    their full names, as chapter 09's copies have them): two tables under their titles (`PAPER_TITLES`), laid out as a
    paper prints them (review R3, item 18). No row of the integrated AC-OPF between the methods', with dashes where a
    value does not apply to it (its ratio to and deviation from itself, its offline time, rounds and data): its solver
    time, the time every ratio of its size is over, is a column of the first table, once per size (or the word why it
    has none, `why_not_compared`), and its size's buses are in the second's index. The first (`ANSWER_COLUMNS`), per
    size and method: the online solver time, its TSO and DSO sides (``tso_ms`` and ``dso_ms``, which add up to it;
    `sides_text` says what they are per method), the ratio or the word why there is none, and the |cost deviation|
    (%). The second (`COST_COLUMNS`), per size (with its buses) and method: the offline time (s), the rounds and the
    data exchanged (`kilobytes`); every number with its thousands grouped (`_fixed`, `duration`), the buses too. A
    row without a result says why in its column *online / integrated* (`why_not_compared`: "not run", "failed",
    "infeasible", "no yardstick") and shows "–" where it has no number, never a number, by the one dash rule
    (`measures_shown`): a run that did not finish has no time, sides, rounds or data, one that is not `comparable` no
    deviation; `paper_note` says what each word and dash stands for."""
    rows = _paper_rows(t)
    base = rows[rows.method == "integrated"].set_index("n_ds")
    yardstick = base.online.fillna(base.ratio)  # its time, or the word why it has none
    m = rows[rows.method != "integrated"]
    sides = {k: m[f"{k}_ms"] / 1e3 if f"{k}_ms" in m else pd.Series(np.nan, index=m.index) for k in SIDES}
    decimals = int(rows.ms_decimals.iloc[0]) if len(rows) else 1
    m = m.assign(**{k: _durations(v, decimals) for k, v in sides.items()}, kB=kilobytes(m.kB).to_numpy())
    regions = (m.method == "P3") & m.dso.notna()  # ALADIN's slowest region per round: the TS region among them
    m["dso"] = m.dso.where(~regions, m.dso.astype(str) + f" {TS_REGION_MARK}")
    n, names = m.n_ds.astype(int), m.method.map(METHODS)
    answer = m.set_index(pd.MultiIndex.from_arrays([n, n.map(yardstick).fillna("–"), names],
                                                   names=["DSs", INTEGRATED_COLUMN, "method"]))
    cost = m.set_index(pd.MultiIndex.from_arrays([n, m.buses.map(grouped), names], names=["DSs", "buses", "method"]))
    return list(zip(PAPER_TITLES, (printable(answer, ANSWER_COLUMNS), printable(cost, COST_COLUMNS))))


P2_NO_DSO = f"{METHODS['P2']}'s DSO side: it has no DSO step online, its TSO sets the FPUs itself"
"""Why P2's rows have "–" for their DSO side in `paper_tables` (`forlab.studies.ch08_sensitivity.NOT_APPLYING`; said
by `paper_note`)."""

P3_ABOVE_MAX = ("in a separate run at the next size of the sweep, the first local nonlinear program of ALADIN's "
                "transmission region stopped short of Ipopt's acceptable level and its retry failed in Ipopt's "
                "restoration phase, as {doc}`../options` records under "
                "`forlab.p3_aladin.opf_regions.region.COLD_MAX_ITER`")
"""Why ALADIN is not run above ``p3_max_ds``, as a result (review R3, item 7): not a choice of the sweep's sizes but a
failure measured in a run of its own with the options the book uses, which the options page records (`paper_note`,
after the word "not run"; chapter 09 says it with ALADIN's last run). ALADIN diverged there only with options the
book does not use (the same record). The one statement of this reason; `above_max` says where it applies."""


def paper_note(t: pd.DataFrame) -> str:
    """Markdown: what the words and dashes of `paper_tables` of the same rows stand for, naming only what occurs, as
    two short lists (a sentence of every word and dash ran to more than a hundred words): per word (`WHY_NOT`) the
    methods and sizes it stands at (where a method was not run because of ``p3_max_ds``, that and why, `_why_detail`;
    where a run failed, its stored status), then what a "–" stands for (`_dash_clauses`), then what the mark of a tie
    stands for (`TIE_MARK`, where a deviation carries it); empty where every row has its numbers and no tie."""
    t = coded(t)
    integrated, ran = t.method == "integrated", t.status == "ok"
    own = pd.Series([why_not_compared(r) for r in t.itertuples()], index=t.index, dtype=object)
    words = ratio_words(t).where(~integrated, own).where(~(integrated & ran))  # NaN: no word in the ratio column
    said = []
    for word, clause in WHY_NOT.items():
        groups = [g for m in METHODS if len(g := t[(t.method == m) & (words == word)])]
        if groups:
            who = "; ".join(f"{METHODS[g.method.iloc[0]]} at {_ds_list(g.n_ds)}{_why_detail(g, word)}" for g in groups)
            why = f"; {P3_ABOVE_MAX}" if word == "not run" and any(map(above_max, groups)) else ""
            said.append(f"“{word}” ({who}): {clause}{why}")
    where = f"in its column *{ANSWER_COLUMNS['ratio']}*" + (
        f", an integrated AC-OPF in its column *{INTEGRATED_COLUMN}*" if words[integrated].notna().any() else "")
    out = [f"A row without a result says why {where}:\n\n{items(said)}"] if said else []
    if dashes := _dash_clauses(t, words):
        out.append(f"A “–” in the tables:\n\n{items(dashes)}")
    if tied(t[comparable(t) & ~integrated].deviation_pct).any():
        out.append(f"“{TIE_MARK.strip()}” after a |cost deviation|: it is within the solvers' tolerances (at most "
                   f"{NEGLIGIBLE_PCT:g} %, `forlab.opf.outcome.NEGLIGIBLE_PCT`), a tie with the optimum, as in the "
                   "table of the worth of DS flexibility.")
    return "\n\n".join(out)


def _dash_clauses(t: pd.DataFrame, words: pd.Series) -> list[str]:
    """The clauses of `paper_note` on a "–" (``t``: rows by code; ``words``: each row's word, NaN for none): a row
    that did not finish, a run not compared and a value that does not apply to a method (P2's DSO side, ALADIN's
    offline time). The integrated AC-OPF has no row in `paper_tables`: a size whose integrated AC-OPF has no time
    shows that word in its column, its methods "no yardstick"."""
    integrated, ran = t.method == "integrated", t.status == "ok"
    dashes = []
    if unfinished := [f"“{w}”" for w in ("failed", "not run") if (words[~ran & ~integrated] == w).any()]:
        dashes.append(f"a row called {' or '.join(unfinished)} has no time, deviation, rounds or data")
    if unjudged := [f"“{w}”" for w in ("infeasible", "no yardstick") if (words[ran & ~integrated] == w).any()]:
        dashes.append(f"a run called {' or '.join(unjudged)} finished but has no deviation to compare (its other "
                      "measures are shown all the same)")
    if (ran & (t.method == "P2")).any():
        dashes.append(f"in {METHODS['P2']}'s rows, a value that does not apply ({P2_NO_DSO})")
    if (ran & (t.method == "P3")).any():
        dashes.append(f"in P3 ALADIN's rows, a value that does not apply ({P3_NO_OFFLINE})")
    return dashes


def above_max(rows: pd.DataFrame) -> bool:
    """Whether every stored status of ``rows`` (one method's) says it was not run for being above ``p3_max_ds``
    (`_not_run` writes it so): where `P3_ABOVE_MAX` is the reason. The one statement of this rule, chapter 09's
    too."""
    return bool(rows.status.astype(str).str.contains("p3_max_ds").all())


def _why_detail(rows: pd.DataFrame, word: str) -> str:
    """What the stored statuses of ``rows`` (one method's, all called ``word``) add to the word: that a method not run
    is above ``p3_max_ds`` (`above_max`; `paper_note` adds why, `P3_ABOVE_MAX`), or a failed run's stored status (its
    last size's); "" otherwise."""
    if word == "not run" and above_max(rows):
        return ", above `p3_max_ds`"
    if word != "failed":
        return ""
    return f", stored status “{clipped(rows.sort_values('n_ds').status.astype(str).iloc[-1], 120)}”"


def _sides_words() -> str:
    """What the TSO and DSO sides of `paper_tables` are for each method, in words (the split of
    `forlab.studies.ch08_sensitivity.run_p1`, `run_p2` and `run_p3`, each adding up to the online solver time)."""
    return (f"for {METHODS['P1']} its TSO's OPF and its slowest DSO's dispatch; for {METHODS['P2']} its TSO's OPF "
            f"alone (its TSO sets the FPUs itself); for {METHODS['P3']} its coordinator (the coupled quadratic program "
            "and its step) and, per round, its slowest region's local nonlinear program and reduction, the TS region's "
            "included (`forlab.studies.outcomes.aladin_split`), each summed over the rounds")


ONLINE_RULE = ("**Online times** are by the book's one rule: the fastest of the repeats, parallel parts their slowest "
               "branch; and they leave out model building, for every method and the integrated AC-OPF alike: every "
               "model is built before its solves are timed (the integrated AC-OPF's in "
               "`forlab.studies.ch12_many_dsos.integrated_row`, ALADIN's regions in the set-up of its run), and a "
               "solve's time is the solver's own (`forlab.opf.outcome.solver_seconds`). One integrated AC-OPF per "
               "size, shared by every method rather than one per method, is timed by the same rule as they are.")
"""The note on how `paper_tables`' online times are taken, first in `sides_text` (review R, finding 11: moved from
the paragraph above the tables to the notes under them)."""


def sides_text(t: pd.DataFrame) -> str:
    """Markdown below `paper_tables`: how their online times are taken (`ONLINE_RULE`), what the TSO and DSO sides of
    an online time are per method (`_sides_words`),
    where ALADIN finished a size what the mark on its DSO side means (`TS_REGION_MARK`: the TS region is one of the
    regions whose slowest makes that side, review R, finding 6), and,
    where ALADIN finished a size, how much of its online time its coordinator took at each size (``tso_ms`` over the
    solver time), with what a reader should know before blaming ALADIN for all of its ratio (review R3, item 9):
    forlab's coordinator factors the coupled reduced Hessian of all regions as one dense matrix, a choice of this
    implementation, which chapter 07 explains. "" where the rows lack the sides (a store written before them)."""
    t = coded(t)
    if not {f"{k}_ms" for k in SIDES} <= set(t.columns):
        return ""
    text = (f"{ONLINE_RULE}\n\n**TSO and DSO sides.** Each online solver time is the sum of its two sides: "
            f"{_sides_words()}.")
    if ((t.method == "P3") & (t.status == "ok")).any():  # the mark `paper_tables` puts on ALADIN's DSO side
        text += (f" {TS_REGION_MARK} on {METHODS['P3']}'s DSO side: it is its slowest region's per round, and the TS "
                 "region is one of the regions, so it is not the DSOs' time alone (the store does not say which "
                 "region was the slowest).")
    p3 = t[(t.method == "P3") & (t.status == "ok")].sort_values("n_ds")
    share = (p3.tso_ms / (1e3 * p3.solve_time_s)).astype(float)
    p3, share = p3[np.isfinite(share)], share[np.isfinite(share)]
    if not len(share):
        return text
    each = listed([f"{percent(v)} at {ds_count(int(n))}" for n, v in zip(p3.n_ds, share)])
    return text + (f" {METHODS['P3']}'s coordinator took {span(share, percent)} of its online time ({each}). forlab's "
                   "coordinator factors the coupled reduced Hessian of all regions as one dense matrix, a choice of "
                   "this implementation ({doc}`07_aladin` says why where it sets out the two forms of the coupled "
                   "quadratic program, and how its time grows in *Scaling*): how large that share is depends on "
                   "forlab's coordinator, not on ALADIN alone.")


def p3_data_text(t: pd.DataFrame) -> str:
    """Markdown below `paper_tables`: what ALADIN's data exchanged counts (review R3, item 8): every region's messages
    to and from its coordinator, the TS region's included (`forlab.studies.outcomes.aladin_outcome`), which never
    cross a boundary between TSO and DSO where the TSO hosts the coordinator. The store keeps no bytes per region, so
    no DSOs' share is claimed; where ALADIN finished two sizes or more, the count per round at the smallest and the
    largest of them and what each DS added per round on average, read from the rows. "" where ALADIN finished no
    size."""
    t = coded(t)
    p3 = t[(t.method == "P3") & (t.status == "ok") & (t.rounds.astype(float) > 0)].sort_values("n_ds")
    per_round = (p3.bytes_exchanged / p3.rounds / 1e3).astype(float).set_axis(p3.n_ds.astype(int))  # kB per round
    per_round = per_round[np.isfinite(per_round)]
    if not len(per_round):
        return ""
    text = (f"**{METHODS['P3']}'s data exchanged** counts every region's messages to and from its coordinator, the TS "
            "region's included, not the DSOs' alone: where the TSO hosts the coordinator, the TS region's messages "
            "never cross a boundary between TSO and DSO. The store keeps no bytes per region, so it does not say the "
            "DSOs' share")
    if len(per_round) > 1:
        (first, a), (last, b) = (per_round.index[0], per_round.iloc[0]), (per_round.index[-1], per_round.iloc[-1])
        added = (b - a) / (last - first)
        kb = kilobytes([a, b, abs(added)])
        text += (f"; on average per round it was {kb[0]} kB at {ds_count(first)} and {kb[1]} kB at {ds_count(last)}, "
                 f"{kb[2]} kB {'more' if added >= 0 else 'less'} per round for each DS added")
    return text + "."


def conditions_text(st: xr.Dataset) -> str:
    """Markdown, one paragraph: the conditions a store's numbers hold under, read from the store (its parameters
    and machine, `conditions`); "" for a store without its parameters."""
    if "parameters" not in st.attrs:
        return ""
    s = sizes(st)
    return conditions(json.loads(st.attrs["parameters"]), st.attrs, s.n_ds, s.buses, point=stored_point(frame(st)))


P3_STARTS = {"flat": ("every region's flat start, with zero angles, voltage magnitudes of one per unit and units "
                      "mid-range"),
             "pf": ("each region's part of the base-case power flow of the whole net, clipped to the limits, or the "
                    "region's flat start where that part breaks its nodal balance more than the flat start does, and "
                    "every region's when the power flow fails")}
"""ALADIN's starts of the regions (``p3_init``, `forlab.p3_aladin.ALADINOptions` ``init``) in words: the conditions
say the start itself, not its code, so that a page that prints them without chapter 12's Parameters (chapter 09's)
defines it; the Parameters of chapter 12 define "pf" in the same words. "pf" as the code runs it
(`forlab.p3_aladin.opf_regions.problem.ACOPFProblem.start`): one power flow of the whole T+D net, split by region
(not a power flow of each operator's own grid), and a flat start where a region's clipped part is the worse start
or the power flow fails."""


def conditions(p: dict, attrs, n_ds, buses, head: str = "**Conditions** (read from the store):",
               offline: bool = True, point: ch08.Variant | None = None) -> str:
    """Markdown: the conditions a sweep's numbers hold under, from its parameters ``p`` and the store's attributes
    ``attrs`` (a store's ``attrs``, or chapter 09's copy of them; ``cpu_count``, ``cpu_model``, ``ipopt_version``,
    ``ipopt_linear_solver`` where kept), its sizes ``n_ds`` and their buses ``buses``, after ``head``: the TS and the
    DS pool, the sizes and the one operating point each runs at (``point``, `stored_point`, in words by
    `operating_point`; `_point_words`: every verdict is one case per size), the machine (cores, CPU model where the store records it, Dask workers), the solver, the
    repeats per method, with ``offline`` the offline settings of P1 and P2, and ALADIN's limits where the sweep runs
    it (``methods``; its start in words, `P3_STARTS`). Chapter 09 prints the same sentence, the one statement of the
    sweep's conditions."""
    machine = (machine_text(attrs) or "a machine the store does not record") + (
        "" if "cpu_model" in attrs else " (the store does not record the CPU model)")
    machine += f", {_workers_text(p['n_workers'])}"
    linear = attrs.get("ipopt_linear_solver", "its default linear solver")
    solver = f"; Ipopt {attrs['ipopt_version']} with {linear}" if "ipopt_version" in attrs else ""
    aladin = "P3" in p.get("methods", ("P3",))
    p3_runs = ("ALADIN run once per size, not repeated" if p["p3_repeats"] == 1
               else f"ALADIN's online time the fastest of {grouped(p['p3_repeats'])} runs, of those that ended as "
               "the first did")
    repeats = f"every online solve and every integrated AC-OPF the fastest of {grouped(p['repeats'])} (`repeats`)" + (
        f", {p3_runs} (`p3_repeats`)" if aladin else "")
    text = (f"{head} TS `{p['ts']}` with DSs drawn from {listed([f'`{d}`' for d in p['pool']])} (seed {p['seed']}); "
            f"sizes {_ds_list(sorted(n_ds))} ({span(buses, grouped, ' buses')}), each run "
            f"{_point_words(point)}; {machine}{solver}. Repeats: "
            f"{repeats}.")
    if offline:
        n = {k: grouped(p[k]) for k in ("p1_n_directions", "p1_face_grid", "p1_n_labelled", "p1_n_cost",
                                        "p2_n_samples", "p2_facets", "p2_refine_samples", "p2_vertex_samples")}
        text += (f" Offline: P1's offer per DSO from {n['p1_n_directions']} sampling directions "
                 f"(`p1_n_directions`), face grid {n['p1_face_grid']} (`p1_face_grid`), {n['p1_n_labelled']} labelled "
                 f"and {n['p1_n_cost']} cost samples (`p1_n_labelled`, `p1_n_cost`); P2's surrogate per DSO from "
                 f"{n['p2_n_samples']} samples (`p2_n_samples`), {n['p2_facets']} facets (`p2_facets`), "
                 f"{counted(p['p2_refine_rounds'], 'refinement round')} of {n['p2_refine_samples']} samples, "
                 f"{counted(p['p2_certify_rounds'], 'certification round')} and {n['p2_vertex_samples']} vertex "
                 "samples "
                 f"(`p2_refine_rounds`, `p2_refine_samples`, `p2_certify_rounds`, `p2_vertex_samples`).")
    if aladin:
        start = P3_STARTS.get(p["p3_init"], f"the `{p['p3_init']}` start")
        text += (f" ALADIN: at most {grouped(p['p3_max_iter'])} rounds (`p3_max_iter`) from {start} "
                 f"(`p3_init = \"{p['p3_init']}\"`), run up to "
                 f"{ds_count(p['p3_max_ds']) if p['p3_max_ds'] else 'every size'} (`p3_max_ds`).")
    return text


def deviation_text(st: xr.Dataset) -> str:
    """Markdown: P1's |deviation| at every size the deviation target applies to, beside the target's figure, which
    its anchor defines as the mean over those sizes (`forlab.book.anchors`, ``scaleout_p1_deviation_pct``): the
    worst size and whether it meets the bound, worded against the mean's verdict (`_worst_words`), so that a mean
    under the bound cannot hide a size above it; "" where P1 has no comparable row there."""
    t = frame(st)  # once: the worth below is read from it too
    p1 = _large(t, "P1")
    p1 = p1[comparable(p1)].sort_values("n_ds")
    if not len(p1):
        return ""
    a = anchors.anchor("scaleout_p1_deviation_pct")
    dev = p1.set_index("n_ds").deviation_pct.abs()
    worst = int(dev.idxmax())
    each = ", ".join(f"{_measured(v, 1, a.digits, a.unit)} at {ds_count(int(n))}" for n, v in dev.items())
    said = (f"The P1 deviation target is defined on the mean over the sizes (its anchor: “{a.measures}”); per size, "
            f"P1's |deviation| is {each}; {_mean_words(dev, a)}. At its worst size, {ds_count(worst)}, it "
            f"{_worst_words(a.met(dev.mean()), a.met(dev[worst]), f'{a.relation} {a.show()}')}.")
    against = _bound_against_worth(st, t, dev.index, a)
    return f"{said} {against}" if against else said


def _bound_against_worth(st: xr.Dataset, t: pd.DataFrame, ns, a: anchors.Anchor) -> str:
    """The deviation target's bound (``a``, an upper bound in %) held against what DS flexibility is worth
    (`flexibility`, in % of the optimum) at the sizes ``ns`` it is judged on (review R, finding 7): where the bound is
    at least all of the worth, P1 could give up all of it and still meet the bound, so "met" says little there, and
    the shares of the worth are the measure that says how much P1 gives up; elsewhere what share of the worth the
    bound is; the sizes without a worth said as such. "" for a store without the worth or an anchor that is no upper
    bound in %. ``t``: the store's `frame`, built once by the caller."""
    f = flexibility(st, t)
    if f.empty or a.relation != "<=" or a.unit != "%":
        return ""
    worth = f.worth_pct.reindex(list(ns)).astype(float)
    has = worth[worth > 0]
    if not len(has):
        return ""
    loose = has[has <= a.value]
    tight = has[has > a.value]
    parts = []
    if len(loose):
        parts.append("at least as large as all DS flexibility is worth at " + listed(
            [f"{ds_count(int(n))} ({_share(v)} %)" for n, v in loose.items()]))
    if len(tight):
        parts.append(listed([f"{percent(a.value / v)} of the worth at {ds_count(int(n))}" for n, v in tight.items()]))
    said = ("Against what DS flexibility is worth (in % of the optimum, the table of the worth above), the bound is "
            + listed(parts))
    if len(loose):
        said += ": there P1 could give up all of the worth and still meet it"
    if len(none := worth.index[~(worth > 0)]):
        said += f"; at {_ds_list(none)} the store has no worth to hold it against"
    return said + ". The shares of the worth in that table say how much of it P1 gives up."


def _mean_words(dev: pd.Series, a: anchors.Anchor) -> str:
    """The target's figure beside the values `deviation_text` lists: "their mean, the target's figure, is 0.0053 %",
    with "(of the unrounded values)" where the mean of the values as printed prints otherwise. The target is judged
    on the stored values, so the figure stays theirs; the words keep a reader's check of the printed ones from
    seeming to disagree with it."""
    mean = _measured(dev.mean(), 1, a.digits, a.unit)
    printed = _measured(as_printed(dev, a.digits + 2).mean(), 1, a.digits, a.unit)  # `_measured`'s decimals
    return f"their mean, the target's figure, is {mean}" + ("" if printed == mean else " (of the unrounded values)")


def _worst_words(mean_met: bool, worst_met: bool, bound: str) -> str:
    """What the worst size does with the bound (``bound``: as printed, "<= 0.02 %"), against what the mean, the
    target's figure, does: "meets the bound (...) too" (both meet), "misses the bound (...), though the mean meets
    it", "misses the bound (...) too, as the mean does". The worst size is never below the mean, so it cannot meet a
    bound the mean misses."""
    if worst_met:
        return f"meets the bound ({bound}) too"
    return (f"misses the bound ({bound}), though the mean meets it" if mean_met
            else f"misses the bound ({bound}) too, as the mean does")


def growth_fits(t: pd.DataFrame, column: str, x: str = "n_ds") -> pd.DataFrame:
    """Per method (index): the log-log fit of ``column`` against ``x`` (N, or ``buses``, the system's total) over its
    runs with a feasible dispatch (`_ok`: an infeasible run's time is not that of a dispatch a TSO could use) and a
    positive value: ``slope`` (d log y / d log x; one is growth in proportion), ``r2`` (the share of the variance of
    log y the line explains) and ``sizes`` (the N it covers); slope and r2 NaN with fewer than two sizes."""
    out = {}
    for method, g in t[_ok(t)].groupby("method"):
        g = g[np.isfinite(g[column].astype(float)) & (g[column] > 0)]
        slope = r2 = np.nan
        if g[x].nunique() >= 2:
            lx, ly = np.log(g[x].astype(float)), np.log(g[column].astype(float))
            fit = np.polyfit(lx, ly, 1)
            spread = float(((ly - ly.mean()) ** 2).sum())
            slope = float(fit[0])
            r2 = 1 - float(((ly - np.polyval(fit, lx)) ** 2).sum()) / spread if spread > 0 else np.nan
        out[method] = {"slope": slope, "r2": r2, "sizes": sorted(int(n) for n in g.n_ds.unique())}
    return pd.DataFrame.from_dict(out, orient="index", columns=["slope", "r2", "sizes"])


def growth(t: pd.DataFrame, column: str) -> pd.Series:
    """Per method: the log-log slope of ``column`` against N (`growth_fits`: runs with a feasible dispatch only;
    one is linear growth); NaN with fewer than two sizes."""
    return growth_fits(t, column).slope.astype(float).rename(column)


def trend(fit) -> bool:
    """Whether a fit of `growth_fits` may be stated as a growth law: a slope over at least two sizes whose line
    explains at least `forlab.studies.ch07_aladin.readers.FIT_R2_MIN` of the variance (chapter 07's rule; below it
    the points scatter more than they follow the line)."""
    return bool(np.isfinite(fit.slope) and np.isfinite(fit.r2) and fit.r2 >= FIT_R2_MIN)


def timing_noise(t: pd.DataFrame) -> pd.Series:
    """The timing noise a lead in online time is held against, measured in the store: at every size the integrated
    AC-OPF is timed by the one rule (fastest of the repeats) before the size's methods run and again after them
    (`_one_size`, ``integrated_again_ms``), so the methods' online times were measured between two timings of one
    and the same solve. The noise at a size is how far the faster of the two lies below the slower, a fraction of the
    slower (the form of a lead, `winners`); ``bound`` is the largest over the sizes, with its size (``n``) and the two
    times (``first_ms``, ``again_ms``). ``bound`` is NaN where no size has both times (a store written before the
    second timing, or a frame without the column).

    Why the largest, not each size's own: one pair per size is one sample of the noise, and a size whose pair
    happened to agree would let a lead within the machine's noise count; the largest is the cautious reading."""
    none = pd.Series({"bound": np.nan, "n": np.nan, "first_ms": np.nan, "again_ms": np.nan})
    if not {"n_ds", "method", "status", "solve_time_s", "integrated_again_ms"} <= set(t.columns):
        return none
    base = t[(t.method == "integrated") & (t.status == "ok")]
    first, again = 1e3 * base.solve_time_s.astype(float), base.integrated_again_ms.astype(float)
    moved = (1 - np.minimum(first, again) / np.maximum(first, again)).where(np.isfinite(again) & (again > 0))
    if not moved.notna().any():
        return none
    i = moved.idxmax()
    return pd.Series({"bound": float(moved[i]), "n": int(base.n_ds[i]), "first_ms": float(first[i]),
                      "again_ms": float(again[i])})


def _fastest(good: pd.DataFrame, bound: float) -> tuple[str, tuple[str, ...]]:
    """The fastest method online among ``good`` (`comparable` rows of one size) and the others it does not lead by
    more than the timing noise ``bound`` (a fraction, `timing_noise`): tied where the fastest's solver time is not
    more than ``bound`` below theirs; none tied where ``bound`` is NaN (not measured)."""
    order = good.sort_values("solve_time_s")
    first = order.iloc[0]
    rest = order.iloc[1:]
    tied = rest[first.solve_time_s >= (1 - bound) * rest.solve_time_s] if np.isfinite(bound) else rest.iloc[:0]
    return first.method, tuple(tied.method)


def p1_on_workers(t: pd.DataFrame) -> pd.Series:
    """P1's online solver time (s) per row of ``t`` were its DSO step timed by the measured wall clock of all its
    DSOs' dispatches on the run's Dask workers (``dso_parallel_ms``) instead of its slowest DSO's solver time
    (``dso_ms``, the book's one rule, as if every DSO had its own machine): the TSO's time plus that wall time. NaN
    for the other methods, and where the run had no workers or the frame lacks the columns. A wall time in a sum of
    solver times: what this run's machine gave, not the rule's time."""
    if not {"dso_ms", "dso_parallel_ms"} <= set(t.columns):
        return pd.Series(np.nan, index=t.index)
    alt = t.solve_time_s + (t.dso_parallel_ms - t.dso_ms) / 1e3
    return alt.where((t.method == "P1") & np.isfinite(alt.astype(float)))


def winners(t: pd.DataFrame) -> pd.DataFrame:
    """Per N, from judged comparable rows only (`comparable`; the integrated AC-OPF is the yardstick, not a
    contestant): the fastest method online (solver time) and its ``lead`` over the next (how far its solver time lies
    below the next one's, a fraction of that one's: 1 - t_fastest / t_next, the quantity `_fastest` holds against the
    timing noise; NaN with one method), the methods it does not lead by more than the store's timing noise
    (``tied_fastest``; ``noise``: the bound, `timing_noise`), the same verdict with P1's DSO step timed by the wall
    clock of all its DSOs on the run's workers (``workers_fastest``, ``workers_tied``, P1's ratio so timed
    ``p1_workers_ratio``; "" and NaN where not measured, `p1_on_workers`), the most accurate one (smallest
    |deviation|) and the others within `forlab.opf.outcome.NEGLIGIBLE_PCT` of it (``tied``,
    `forlab.opf.outcome.most_accurate`), the next most accurate and its |deviation| (``next_accurate``,
    ``next_abs_deviation_pct``; "" and NaN with one method), how many methods have a row there (``methods``), how many of them ran
    (``ran``: not above ``p3_max_ds``) and how many qualified (``qualified``), and why each of the others did not
    (``left_out``, `why_not_compared`)."""
    bound = float(timing_noise(t).bound)
    rows = []
    for n, g in t[t.method != "integrated"].groupby("n_ds"):
        good = g[comparable(g)]
        left_out = ", ".join(f"{METHODS[r.method]} {why_not_compared(r)}" for r in g[~comparable(g)].itertuples())
        fast, tied_fast = _fastest(good, bound) if len(good) else ("none", ())
        on_workers = p1_on_workers(good)
        workers, workers_tied, p1_ratio = "", (), np.nan
        if on_workers.notna().any():
            alt = good.assign(solve_time_s=on_workers.fillna(good.solve_time_s))
            workers, workers_tied = _fastest(alt, bound)
            p1_ratio = float((on_workers / good.integrated_solve_time_s).dropna().iloc[0])
        deviation = good.set_index("method").deviation_pct  # one row per method and size
        best, tied = most_accurate(deviation.abs().to_dict()) if len(good) else (None, ())
        others = deviation.abs().drop(best) if best is not None else deviation.abs().iloc[:0]
        ratios = good.time_ratio.sort_values()
        times = good.solve_time_s.astype(float).sort_values()
        ran = int((~g.status.astype(str).str.startswith("not run")).sum())  # a row above p3_max_ds is no run
        rows.append({"n_ds": n, "methods": len(g), "ran": ran, "qualified": len(good), "left_out": left_out,
                     "fastest": fast, "fastest_ratio": ratios.iloc[0] if len(ratios) else np.nan,
                     "lead": 1 - times.iloc[0] / times.iloc[1] if len(times) > 1 else np.nan,
                     "noise": bound, "tied_fastest": tied_fast, "workers_fastest": workers,
                     "workers_tied": workers_tied, "p1_workers_ratio": p1_ratio,
                     "most_accurate": best or "none", "tied": tied,
                     "most_accurate_deviation_pct": deviation[best] if best is not None else np.nan,
                     "next_accurate": others.idxmin() if len(others) else "",
                     "next_abs_deviation_pct": others.min() if len(others) else np.nan})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------------------
# issue 16's targets, the figure and the sentences
# ----------------------------------------------------------------------------------------------------------------------
LARGE_TARGETS = ("scaleout_p1_time_reduction_pct", "scaleout_p1_deviation_pct", "scaleout_p1_feasibility_pct",
                 "scaleout_p2_time_reduction_pct", "scaleout_p2_feasibility_pct")
"""The targets `targets` judges only on P1's or P2's runs at N of at least ``scaleout_min_ds`` (`_large`): "not
measured" in a store without such a run, as `missed_text` then says of each by name. The other targets hold the
sweep as a whole (its buses, its wall time) or every size (the Ipopt iterations)."""


def _large(t: pd.DataFrame, method: str) -> pd.DataFrame:
    """The method's rows at the sizes the targets apply to (N at least `scaleout_min_ds`)."""
    return t[(t.method == method) & (t.n_ds >= anchors.value("scaleout_min_ds"))]


def _worst_reduction(g: pd.DataFrame) -> float:
    """The smallest time reduction (%) over ``g``; NaN when a row failed (a failed case meets no target)."""
    return float(g.time_reduction_pct.min()) if len(g) and (g.status == "ok").all() else float("nan")


def _extra_iterations(t: pd.DataFrame, s: pd.DataFrame) -> pd.DataFrame:
    """Per N (index): the Ipopt iterations of P1's TSO OPF (``tso``) and of the TS-only AC-OPF (``ts``), and how
    many more the first took (``extra_pct``, %; NaN where either is missing). Only a TSO solve that succeeded
    counts: one that stopped at Ipopt's iteration limit would otherwise become the target's worst size. The row's
    ``status`` says so: it names every failed solve as "<part> failed: ..." (`forlab.opf.outcome.failed_status`),
    the TSO's as "tso failed"; a TSO that never ran has no iterations (-1 or NaN)."""
    p1 = t[t.method == "P1"]
    solved = ~p1.status.astype(str).str.contains("tso failed:", regex=False) & (p1.tso_iterations >= 0)
    out = pd.DataFrame({"tso": p1[solved].set_index("n_ds").tso_iterations,
                        "ts": s.set_index("n_ds").ts_iterations})
    return out.assign(extra_pct=100 * (out.tso / out.ts - 1))


def targets(st: xr.Dataset) -> pd.DataFrame:
    """Issue 16's targets against the store: one row each with the anchor as printed, what was measured (``over``:
    over how many sizes, and how: worst, mean or share, as each anchor defines its figure: the time targets are
    defined as reductions and judged on the worst size, the deviation target on the mean, `deviation_text` giving
    its sizes one by one) and whether it is met ("not measured" when the store has no size the target applies
    to)."""
    t, s = frame(st), sizes(st)
    p1, p2 = _large(t, "P1"), _large(t, "P2")
    extra = _extra_iterations(t, s).extra_pct
    n_it = int(extra.notna().sum())
    # per target: the figure, how many sizes it is taken over (0: not measured) and how it summarises them
    measured = {
        "scaleout_p1_time_reduction_pct": (_worst_reduction(p1), len(p1), _over("worst of", len(p1))),
        "scaleout_p1_deviation_pct": _p1_deviation(p1),
        "scaleout_p1_feasibility_pct": (100 * float(p1.feasible.mean()) if len(p1) else np.nan, len(p1),
                                        _over("share of", len(p1))),
        "scaleout_p2_time_reduction_pct": (_worst_reduction(p2), len(p2), _over("worst of", len(p2))),
        "scaleout_p2_feasibility_pct": (100 * float(p2.feasible.mean()) if len(p2) else np.nan, len(p2),
                                        _over("share of", len(p2))),
        "scaleout_p1_extra_iterations_pct": (float(extra.max()), n_it, _over("worst of", n_it)),
        # the time limit is for the full sweep: judged only on a store that reaches the bus count asked for
        "scaleout_sweep_min": (st.attrs["sweep_wall_time_s"] / 60,
                               int(s.buses.max() >= anchors.value("scaleout_sweep_buses")), "the whole sweep"),
        "scaleout_sweep_buses": (float(s.buses.max()), len(s), "its largest size"),
    }
    rows = []
    for key, (value, n, over) in measured.items():
        a = anchors.anchor(key)
        verdict = "not measured" if n == 0 else ("met" if a.met(value) else "missed")
        rows.append({"target": a.measures, "bound": f"{a.relation} {a.show()}",
                     "measured": _measured(value, n, a.digits, a.unit), "over": over if n else "–",
                     "verdict": verdict})
    return pd.DataFrame(rows).set_index("target")


def _p1_deviation(p1: pd.DataFrame) -> tuple[float, int, str]:
    """The P1 deviation target's figure, sizes and summary (`targets`): the mean |deviation| of P1's `comparable`
    rows, since a signed mean lets a cheaper-than-optimal deviation cancel a costlier one and an infeasible or
    unjudged dispatch has no deviation to hold to a bound; NaN (a missed target) when none is comparable."""
    dev = p1[comparable(p1)].deviation_pct.abs()
    over = (f"{_over('mean |deviation| over', len(p1))}, all comparable" if len(dev) == len(p1)
            else f"mean |deviation| over the {len(dev)} comparable of {counted(len(p1), 'size')}")
    return float(dev.mean()) if len(dev) else np.nan, len(p1), over


def _over(how: str, n: int) -> str:
    """How a target's figure summarises its sizes, in words: "worst of 4 sizes", "mean over 1 size"."""
    return f"{how} {n} size{'s' if n != 1 else ''}"


def target_tables(st: xr.Dataset) -> list[TitledTable]:
    """`targets` under its title (`TARGETS_TITLE`)."""
    return [(TARGETS_TITLE, targets(st))]


def iterations_text(st: xr.Dataset) -> str:
    """Markdown: the size the iteration target's figure comes from (the largest excess of the TSO's Ipopt
    iterations over the TS-only AC-OPF's, `targets`), with both counts; or that no size has both."""
    it = _extra_iterations(frame(st), sizes(st)).dropna()
    if not len(it):
        return "No size has the Ipopt iterations of both OPFs, so the Ipopt-iteration target is not measured."
    n = it.extra_pct.idxmax()
    a, extra = anchors.anchor("scaleout_p1_extra_iterations_pct"), it.extra_pct[n]
    return (f"The Ipopt-iteration target's figure is its worst size, {ds_count(int(n))}: there the TSO's FOR-based OPF "
            f"took {grouped(it.tso[n])} Ipopt iterations against {grouped(it.ts[n])} of the TS-only AC-OPF "
            f"({_measured(abs(extra), 1, a.digits, a.unit)} {'more' if extra >= 0 else 'fewer'}).")


def missed_text(st: xr.Dataset) -> str:
    """Markdown: for the online-time and iteration targets, what the store says about why they are missed: at the
    size where each method's reduction is smallest, how much of its online time the TSO's OPF takes, and the TSO's
    Ipopt iterations against the TS-only AC-OPF's; or that no method finished a size the targets apply to; or,
    where the store has no P1 or P2 run at such a size, which targets it leaves unmeasured, by name as the targets
    table gives them (`LARGE_TARGETS`, `_unmeasured`): the table measures the others all the same."""
    t, s = frame(st), sizes(st).set_index("n_ds")
    out = []
    for method in ("P1", "P2"):
        g = _large(t, method)
        g = g[g.status == "ok"]
        if not len(g):
            continue
        r = g.loc[g.time_reduction_pct.idxmin()]
        line = (f"- {METHODS[method]}, smallest reduction at {ds_count(int(r.n_ds))} "
                f"({r.time_reduction_pct:.1f} %): {_online_share(r, method)}")
        if np.isfinite(r.tso_iterations):
            line += (f", in {grouped(r.tso_iterations)} Ipopt iterations against {grouped(s.ts_iterations[r.n_ds])} of "
                     f"the TS-only AC-OPF")
        # the TSO's OPF holds the whole TS: where the TS is most of the system, no offer can make it much cheaper
        ts_buses = int(s.buses[r.n_ds] - s.ds_buses[r.n_ds])
        line += f"; the TS alone holds {grouped(ts_buses)} of the system's {grouped(s.buses[r.n_ds])} buses"
        out.append(line + ".")
    if out:
        return "\n".join(out)
    size = anchors.show("scaleout_min_ds")
    if len(_large(t, "P1")) or len(_large(t, "P2")):  # they ran there, and failed
        return f"Neither P1 nor P2 finished a size of {size} or more in this run, so the online-time targets are missed."
    lacks = "P1 or P2 run" if (s.index >= anchors.value("scaleout_min_ds")).any() else "size"
    return f"This run has no {lacks} of {size} or more, so {_unmeasured(st)}."


def _unmeasured(st: xr.Dataset) -> str:
    """Which of `LARGE_TARGETS` the targets table of ``st`` (`targets`) calls "not measured", by the table's names:
    "the 5 targets that apply only from that size on are not measured: “...”, “...” and “...”"."""
    table = targets(st)
    names = [m for m in (anchors.anchor(k).measures for k in LARGE_TARGETS) if table.verdict[m] == "not measured"]
    verb = "applies only from that size on is" if len(names) == 1 else "apply only from that size on are"
    return f"the {counted(len(names), 'target')} that {verb} not measured: {listed(f'“{m}”' for m in names)}"


def _online_share(r, method: str) -> str:
    """Markdown: how much of a method's online solver time (a row of `frame`) the TSO's OPF takes, beside the
    integrated AC-OPF's. P2 has no online DSO step: its online time is the TSO's OPF, and a share of it would say
    nothing."""
    online = 1e3 * r.solve_time_s  # ms, as the sentence says it
    times = f"the integrated AC-OPF {grouped(1e3 * r.integrated_solve_time_s)} ms"
    if method == "P1":
        return (f"the TSO's OPF takes {100 * r.tso_ms / online:.0f} % of the online solver time "
                f"({grouped(r.tso_ms)} of {grouped(online)} ms; {times})")
    return f"the online solver time is the TSO's OPF alone ({grouped(online)} ms; {times})"


def _measured(value: float, n: int, digits: int, unit: str = "") -> str:
    """A measured target figure as text, in the anchor's ``unit``: "–" when nothing was measured, "failed" for
    NaN, a count without decimals, anything else with two more decimals than the anchor shows; thousands grouped
    as the anchor's bound is, so the two read alike in one row ("10 666 buses" under ">= 10 000 buses")."""
    if n == 0:
        return "–"
    if not np.isfinite(value):
        return "failed"
    # thousands grouped by the rule of `forlab.book.anchors.Anchor.show`, which prints the bound beside it
    num = grouped(value, 0 if float(value).is_integer() else digits + 2)
    return f"{num}x" if unit == "x" else f"{num} {unit}".strip()


HOLLOW = "hollow: infeasible in the T+D power flow"
"""The figure's legend entry of a hollow marker: a run that finished, but whose dispatch the T+D power flow judged
infeasible, in every panel (the deviation panel draws no such run; a tie there is half-filled, `TIE`)."""
P1_ON_WORKERS = "P1, DSOs timed on the workers"
"""The legend entry of the figure's dashed P1 line: P1's online time with its DSO step timed by the wall clock of
all its DSOs on the run's workers (`p1_on_workers`, the column the table of P1's DSO work prints), beside its
online time by the book's one rule (solid). Short: the legend's row sets the figure's width."""
PAPER_FIGURE = "fig-12-growth-paper"
"""The name of the paper-scale run's figure in the notebook, to which the answer at the top of the page points
(`largest_size_text`): the figure sits in the section on that run, far below the answer."""

PANELS = (("solve_time_s", "online solver time (s)"), ("abs_deviation_pct", "|cost deviation| (%)"),
          ("offline_time_s", "offline time (s)"), ("kB", "data exchanged (kB)"))
"""The figure's panels: column of the rows and its axis label, worded as chapter 09's figures word them."""
FIGURE_SIZE = (plots.STYLE["figure.figsize"][0], 6.4)
"""The size of `figure` (in): the text column's width (`forlab.book.plots.STYLE`), its legend included, and the
height of two rows of panels above the legend."""


def _drawn(g: pd.DataFrame, col: str) -> pd.DataFrame:
    """One method's rows for one panel of `figure`, every size it has a row at (every status), by size, with ``col``
    NaN where the panel has no point: a run that failed or was not run, a value that is not positive (a log axis has
    no place for it; a |deviation| of zero is a tie, which `tie_points` draws on the band's edge) and, in the
    deviation panel, a run that is not `comparable` (NaN in `figure`'s frame). The line breaks at a NaN: a line
    joining the sizes around such a run would show a value for it."""
    placed = g[col] >= 0 if col == "abs_deviation_pct" else g[col] > 0
    drawn = (g.status == "ok") & np.isfinite(g[col]) & placed  # a failed row's stored numbers are no result
    return g.assign(**{col: g[col].where(drawn)}).sort_values("n_ds")


BAND_FLOOR_PCT = NEGLIGIBLE_PCT / 10
"""The lower end of a |cost deviation| axis (%, log) in this chapter's figure and chapter 09's: one decade below
`forlab.opf.outcome.NEGLIGIBLE_PCT`, the height of the band `tie_band` shades. One floor for both chapters: a
deviation below the tie rule's bound is drawn on the band's edge (`tie_points`), not at its measured value, so the
axis spends no decades on round-off."""
TIE_WORDS = f"tie: within the solvers' tolerances\n(up to {NEGLIGIBLE_PCT:g} %), drawn half-filled on its top edge"
"""The words inside the band of `tie_band`: what its shade and the half-filled markers on its upper edge mean."""
TIE_MARKER = {"fillstyle": "left", "markerfacecoloralt": "white"}
"""The matplotlib keywords of a tie's marker (`tie_points`): the method's marker, its left half in the method's
colour and its right half white. One marker style means one thing in chapter 12's figure and chapter 09's: filled a
measured value, hollow a dispatch judged infeasible (`HOLLOW`), half-filled a tie. Split down the middle, not
across: a line along the band's edge runs across the marker, and beside a lower half filled in its colour it made
the marker read as a hollow one."""
TIE = "half-filled: a tie"
"""The legend entry of a tie's marker (`TIE_MARKER`, `tie_entry`) in chapter 12's figure and chapter 09's. Short:
the legend's row sets the figure's width."""
TIE_SHADE = "0.9"
"""The band's grey: light, no method's colour, under every marker."""


def tie_band(ax, room: float = 0.1) -> None:
    """Shade a logarithmic |cost deviation| axis (%) from `BAND_FLOOR_PCT` to `forlab.opf.outcome.NEGLIGIBLE_PCT`, the
    book's tie rule (a deviation within it is the integrated optimum's, up to the solvers' tolerances), with
    `TIE_WORDS` inside. The axis runs from the floor to ``room`` of its height above the highest point drawn (room
    for a slope's label there), and at least a decade above the band's edge, so that the band is always in view.
    Called once the points are drawn, before the ticks are chosen inside the limits; chapter 09's figure calls it
    too (one rule, drawn alike)."""
    from matplotlib.offsetbox import AnchoredText

    highest = ax.dataLim.y1 if np.isfinite(ax.dataLim.y1) and ax.dataLim.y1 > 0 else NEGLIGIBLE_PCT
    decades = np.log10(highest / BAND_FLOOR_PCT)
    ax.set_ylim(BAND_FLOOR_PCT, max(highest * 10 ** (decades * room / (1 - room)), 10 * NEGLIGIBLE_PCT))
    ax.axhspan(BAND_FLOOR_PCT, NEGLIGIBLE_PCT, color=TIE_SHADE, linewidth=0, zorder=0)
    # in the band's lower left corner (the axis's): an artist of its own, apart from the slopes' labels (ax.texts)
    ax.add_artist(AnchoredText(TIE_WORDS, loc="lower left", frameon=False, prop={"size": 7, "color": "dimgrey"},
                               pad=0.2, borderpad=0.3))


def tie_points(ax, x, deviation, **style):
    """Draw |cost deviations| (%) against ``x`` on ``ax`` in ``style`` (matplotlib keywords of one method, a line or
    markers alone) with every value up to `forlab.opf.outcome.NEGLIGIBLE_PCT`, zero included, on that bound, the
    edge of `tie_band`, its marker half-filled (`TIE_MARKER`): a tie, not a measurement to read off a log axis,
    where the round-off of a solver would suggest decades of accuracy, nor a hollow marker, which is an infeasible
    dispatch (`HOLLOW`). NaN stays a gap. The line carries markers at the measured points only, the ties' markers
    are a line of markers alone over it (no segments: `forlab.book.plots.annotate_points` does not avoid it as a
    line). Returns the line (the method's legend handle)."""
    dev = np.asarray(deviation, float)
    tied = np.isfinite(dev) & (dev <= NEGLIGIBLE_PCT)
    drawn = np.where(tied, NEGLIGIBLE_PCT, dev)
    (line,) = ax.plot(x, drawn, **style, markevery=list(~tied))
    if tied.any():
        ax.plot(np.asarray(x)[tied], drawn[tied], linestyle="none", marker=line.get_marker(),
                markersize=line.get_markersize(), color=line.get_color(), markeredgewidth=line.get_markeredgewidth(),
                zorder=line.get_zorder() + 0.1, **TIE_MARKER)
    return line


def tie_entry(**style):
    """The legend handle of a tie (`TIE`): a grey half-filled circle (`TIE_MARKER`), no method's shape or colour,
    beside chapter 12's grey hollow one (`HOLLOW`); ``style``: matplotlib keywords over it (a figure's marker
    size)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", color="grey", label=TIE, **TIE_MARKER, **style)


def figure(t: pd.DataFrame):
    """Four log-log panels against the number of DSs (`PANELS`): online solver time, |cost deviation|, offline time
    and data exchanged (kB), one line per method in the book's style (`forlab.book.plots.method_style`; the
    integrated AC-OPF in black), its fitted slope (`growth_fits`: over the runs with a feasible dispatch; none where
    `trend` says the line explains too little) written beside its last point (`forlab.book.plots.annotate_points`:
    clear of the other slopes where two lines end close together); one legend below the panels (a legend inside a
    panel covered a line); only successful runs are drawn, those whose dispatch the T+D power flow found infeasible
    with a hollow marker (`HOLLOW`, in the legend where one is drawn), and a line has a gap at a run that failed or
    was not run (it has no number, `_drawn`), in every panel; the integrated AC-OPF is left out of the deviation
    panel (its deviation from itself is zero), and so is a run that is not `comparable`, as the tables leave out its
    deviation (the figure draws the frame of their one dash rule, `measures_shown`; the line has a gap there,
    `_drawn`; its other panels keep the run, hollow if infeasible); a measure that does not apply (the offline time
    of the integrated AC-OPF and of ALADIN) has no line; a method whose deviations all lie within
    `forlab.opf.outcome.NEGLIGIBLE_PCT` (the solvers' tolerances) has no slope there. In the deviation panel, the
    deviations within that bound are ties, drawn half-filled on the edge of a shaded band (`tie_band`, `tie_points`:
    as chapter 09 draws them; `TIE` in the legend where one is drawn). Where the run measured the wall clock of P1's
    DSOs on its workers, the online-time panel has a second, dashed P1 line with that time in the DSO step's place
    (`P1_ON_WORKERS`, `p1_on_workers`), the timing under which the page's verdicts may differ. Both axes are
    labelled in plain numbers or powers of ten (`forlab.book.plots.decade_ticks`)."""
    import matplotlib.pyplot as plt

    # what the tables show as "–" (`measures_shown`: a failed run's measures, the deviation of a run not `comparable`
    # and the integrated AC-OPF's from itself, a measure that does not apply), the figure leaves out
    t = measures_shown(t)
    t = t.assign(abs_deviation_pct=t.deviation_pct.abs(), kB=t.bytes_exchanged / 1e3)
    fig, axes = plt.subplots(2, 2, figsize=FIGURE_SIZE, layout="constrained")
    handles, extra, ends, marked = {}, {}, {}, set()
    for ax, (col, label) in zip(axes.flat, PANELS):
        lines, ends[ax], marks = _panel_lines(ax, t, col)
        handles.update(lines)  # a method keeps its place in the legend, the order it was first drawn in
        marked |= marks
        if col == "solve_time_s" and (walled := _p1_walled(t)) is not None:
            extra["P1"] = ax.plot(walled.n_ds, walled.seconds, **plots.method_style(
                "P1", label=P1_ON_WORKERS, linestyle="--", markersize=3))[0]
        _panel_axes(ax, t, col, label)
    _figure_legend(fig, handles, extra, marked)
    _write_slopes(fig, ends)
    return fig


def _panel_lines(ax, t: pd.DataFrame, col: str) -> tuple[dict, list, set]:
    """Draw one panel of `figure` (``col`` of its frame ``t``): each method's line, in the book's style, with gaps
    where `_drawn` has none. Returns each drawn method's line (its legend handle), the slopes to write beside the
    lines' last points (`_slope_mark`) and the markers of `MARKS` it drew (``"hollow"``, ``"tie"``)."""
    fits = growth_fits(t, col)
    handles, ends, marks = {}, [], set()
    for method, g in t.groupby("method", sort=False):  # every status: a failed run is a gap, not a bridge
        g = _drawn(g, col)
        shown = g[np.isfinite(g[col])]
        if not len(shown):
            continue
        style = plots.method_style(method, label=METHODS[method])
        if col == "abs_deviation_pct":  # a deviation within the solvers' tolerances: a tie, on the band's edge
            handles[method] = tie_points(ax, g.n_ds, g[col], **style)
            if (shown[col] <= NEGLIGIBLE_PCT).any():
                marks.add("tie")
        else:
            (handles[method],) = ax.plot(g.n_ds, g[col], **style)
        bad = shown[~shown.feasible.astype(bool)]  # judged infeasible: measured, not a dispatch a TSO could use
        if len(bad):
            ax.plot(bad.n_ds, bad[col], **{**style, "label": None}, linestyle="none", markerfacecolor="white")
            marks.add("hollow")
        if (mark := _slope_mark(fits, method, shown, col)) is not None:
            ends.append((*mark, style["color"]))
    return handles, ends, marks


def _slope_mark(fits: pd.DataFrame, method: str, shown: pd.DataFrame, col: str) -> tuple | None:
    """Where and what `figure` writes as ``method``'s slope in the panel of ``col`` (``shown``: its points drawn,
    ``fits``: `growth_fits` of the panel): its last point as drawn and the slope in two decimals; None where the
    line has no slope (`trend` says it explains too little, or its deviations all lie within the solvers'
    tolerances)."""
    k = fits.slope[method] if method in fits.index and trend(fits.loc[method]) else np.nan
    if col == "abs_deviation_pct" and (shown[col] <= NEGLIGIBLE_PCT).all():
        k = np.nan  # deviations at the solvers' tolerances: a slope of round-off is no growth law
    if not np.isfinite(k):
        return None
    last = shown[col].iloc[-1]
    last = max(last, NEGLIGIBLE_PCT) if col == "abs_deviation_pct" else last  # a tie is drawn on the band's edge
    return (shown.n_ds.iloc[-1], last), f"{k:.2f}"


def _panel_axes(ax, t: pd.DataFrame, col: str, label: str) -> None:
    """The axes of one panel of `figure`, once its lines are drawn: log-log, the sizes run as plain numbers along x,
    powers of ten or plain numbers along y, room at the right for the slopes and, in the deviation panel, the band
    of ties (`tie_band`)."""
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.margins(x=0.15, y=0.06)  # room for the slopes at the right
    ax.autoscale_view()  # the limits final before the ticks are chosen inside them
    if col == "abs_deviation_pct":
        tie_band(ax)
    plots.log_ticks(ax.xaxis, sorted(t.n_ds.unique()))  # the sizes run, as plain numbers
    plots.decade_ticks(ax.yaxis)
    ax.set_xlabel("DSs under the TSO")
    ax.set_ylabel(label)


def hollow_entry():
    """The legend handle of a hollow marker (`HOLLOW`): a grey circle, white inside, no method's shape or colour."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", color="grey", markerfacecolor="white", label=HOLLOW)


MARKS = {"hollow": hollow_entry, "tie": tie_entry}
"""The markers of `figure` that are no method's and have a legend entry of their own, by the name `_panel_lines`
gives them, each with the function that makes its entry (`HOLLOW`, `TIE`), in the order the legend lists them."""


def _figure_legend(fig, handles: dict, extra: dict, marked: set) -> None:
    """`figure`'s one legend, below the panels (one inside a panel covered a line): one column per method
    (``handles``), a second entry under a method where ``extra`` has one (the dashed P1 line's) and the entry of
    each marker of `MARKS` drawn (``marked``) under the next method without one (in a column of its own where every
    method has one). Nothing without a method drawn."""
    from matplotlib.lines import Line2D

    if not handles:
        return
    handles, extra = dict(handles), dict(extra)  # the caller's stay as drawn
    # the second entries in a row of their own below the methods' (in the methods' row they made the legend wider
    # than the column)
    for name, entry in MARKS.items():
        if name in marked:
            column = next((m for m in handles if m not in extra), f" {name}")
            handles.setdefault(column, Line2D([], [], linestyle="none", label=" "))  # a column without a method
            extra[column] = entry()
    fig.legend(handles=_legend_order(handles, extra), loc="outside lower center", ncols=len(handles),
               fontsize=8, columnspacing=1.2)  # narrower than the default 2: the legend fits the column


def _write_slopes(fig, ends: dict) -> None:
    """Write the slopes of `figure` (``ends``: per panel, (point, slope, colour) of each line's `_slope_mark`) in
    their lines' colours, each where it covers no other (`forlab.book.plots.annotate_points`), once the layout is
    final: lines ending close together keep their slopes apart."""
    renderer = plots.settled_renderer(fig)  # one draw for the four panels: the slopes stay out of the layout
    for ax, marks in ends.items():
        if marks:
            points, names, colours = zip(*marks)
            plots.annotate_points(ax, list(points), list(names), fontsize=7, colors=list(colours), renderer=renderer)


def _p1_walled(t: pd.DataFrame) -> pd.DataFrame | None:
    """P1's rows of `figure`'s frame with its online time were its DSO step timed by the wall clock of all its DSOs
    on the run's workers (``seconds``, `p1_on_workers`: the store's column the table of P1's DSO work prints, in the
    one rule's sum), by size, NaN where that run failed or was not measured (a gap); None where no size has it (a
    run without workers)."""
    p1 = t[t.method == "P1"].assign(seconds=p1_on_workers(t)).sort_values("n_ds")
    p1 = p1.assign(seconds=p1.seconds.where(p1.status == "ok"))
    return p1 if p1.seconds.notna().any() else None


def _legend_order(handles: dict, extra: dict) -> list:
    """The figure's legend entries for a legend of one column per method (``handles``: method -> its line), each
    method's entry in ``extra`` (method -> a second entry) under it. Matplotlib fills the columns of a legend of
    n entries in c columns with the longer ones first, so a column with a second entry is preceded only by such
    columns: the shorter ones before the last of them get an empty entry (no marker, no text)."""
    from matplotlib.lines import Line2D

    methods = list(handles)
    tall = [i for i, m in enumerate(methods) if m in extra]
    out = []
    for i, m in enumerate(methods):
        out.append(handles[m])
        if m in extra:
            out.append(extra[m])
        elif tall and i < tall[-1]:
            out.append(Line2D([], [], linestyle="none", label=" "))
    return out


def largest_size_text(t: pd.DataFrame, figure_name: str = "", compared: bool = False) -> str:
    """Markdown: the chapter's answer at its largest size, the scale the question is about: which method was the
    fastest online (or which were tied within the timing noise, `timing_noise`) and which the most accurate there
    (`winners`), every method's online time over the integrated AC-OPF's and its deviation, or why it has none
    (`why_not_compared`); and what P1's online time assumes, its slowest DSO's dispatch as if every DSO had its own
    machine, beside the wall time of all its DSOs' dispatches on this run's workers and whether the verdict holds
    with that time (`_p1_machines`). With ``figure_name`` (the page's name of this store's `figure`, `PAPER_FIGURE`
    at the top of the page, far above that figure), a last sentence points at it (`_figure_pointer`). With
    ``compared`` (the paper-scale store, whose verdict chapter 09 sets against the method chapters' runs), the most
    accurate method is said to lead in one run only (`_one_run_words`, review R3, item 3)."""
    n = int(t.n_ds.max())
    w = winners(t).set_index("n_ds").loc[n]
    at = t[t.n_ds == n]
    central = at[at.method == "integrated"].solve_time_s
    if w.qualified == 0 or central.empty:
        return f"At {ds_count(n)}, no method finished with a feasible dispatch beside a solved integrated AC-OPF."
    each = "; ".join(_size_entry(r, good) for r, good in zip(at.itertuples(), comparable(at))
                     if r.method != "integrated")
    lead = _one_run_words(w) if compared else ""
    return (f"**At the largest size, {ds_count(n)}**, {winner_words(w, METHODS)}{lead}. Online solver time over the "
            f"integrated AC-OPF's ({duration(central.iloc[0])}), and judged |cost deviation|: {each}."
            + _p1_machines(at, w) + _figure_pointer(t, figure_name))


def _one_run_words(w) -> str:
    """The clause after `winner_words` at the largest size of the paper-scale store (a row of `winners`) where one
    method leads on accuracy over another compared there: that lead is one run's, at one operating point, and
    chapter 09 sets it against the method chapters' runs, where the ranking can differ; "" where no method leads
    (one compared, or every other tied with it)."""
    if w.qualified < 2 or len(w.tied) >= w.qualified - 1:
        return ""
    return ("; that accuracy lead is one run's, at one operating point, and {doc}`09_comparison` sets it against the "
            "method chapters' runs")


def _figure_pointer(t: pd.DataFrame, figure_name: str) -> str:
    """The sentence of `largest_size_text` that points at the figure ``figure_name`` of the same runs (`figure`;
    "" without a name): what it draws per size, and, where the run measured P1's DSOs on its workers, that its
    dashed P1 line times them so (`_p1_walled`), the timing under which the verdict may differ."""
    if not figure_name:
        return ""
    walled = (", P1's online time both by the one rule (solid) and with its DSOs timed by the wall clock on the "
              "workers (dashed)" if _p1_walled(measures_shown(t)) is not None else "")
    return (f" {{numref}}`{figure_name}`, in the section on the paper-scale run, draws these measures at every "
            f"size{walled}.")


def percent(fraction: float) -> str:
    """A fraction as the page prints a timing bound or a lead in online time (chapter 09's too): "13 %"; below one
    per cent with one significant digit ("0.4 %", "0.03 %"), so that a small bound does not print as "0 %"."""
    value = 100 * fraction
    if value == 0 or not np.isfinite(value) or abs(value) >= 1:
        return f"{value:.0f} %"
    return f"{value:.{max(0, -int(np.floor(np.log10(abs(value)))))}f} %"


def winner_words(w, names: dict[str, str], fastest_if: str = "", elsewhere: str = "", accurate_if: str = "") -> str:
    """Which method was the fastest online and which the most accurate at one size (a row of `winners`; methods by
    ``names``, falling back on `METHODS`), and, where not every method that ran there qualified, among how many:
    "FOR offer was both the fastest online and the most accurate of the 2 methods compared there". Where the store
    measures its timing noise (``noise``, `timing_noise`), the fastest's lead is said as the lead, its solver time
    below the next method's (``lead``), beyond that noise ("its solver time 32 % below the next method's, beyond the
    timing noise of 11 %": a bare "by more than the noise, 11 %" read as an 11 % lead), or the methods within it of
    the fastest (``tied_fastest``) are said to be tied. A caller's conditions go in the same sentence as the claim
    they bound: ``fastest_if`` after "the fastest online" (" with a machine per DSO"), ``elsewhere`` after its lead
    (where another verdict holds), ``accurate_if`` before "the most accurate" (", in this one run,")."""
    def name(m):
        return names.get(m, METHODS.get(m, m))

    if w.qualified == 1:
        alone = "with a result to compare there" if w.ran > 1 else "run there"
        return f"{name(w.fastest)} was the only method {alone}"
    among = f" of the {w.qualified} methods compared there" if w.qualified < w.methods else ""
    tied = _tied_words(w, names)
    noise, lead = getattr(w, "noise", np.nan), getattr(w, "lead", np.nan)
    if fast_tied := tuple(getattr(w, "tied_fastest", ()) or ()):
        return (f"{listed([name(m) for m in (w.fastest, *fast_tied)])} were tied as the fastest online{fastest_if} "
                f"within the timing noise ({percent(noise)}){elsewhere}, and {name(w.most_accurate)}{accurate_if} was "
                f"the most accurate{tied}{among}")
    measured = np.isfinite(noise) and noise > 0 and np.isfinite(lead)  # a lead is said against the noise it beats
    ahead = (f", its solver time {percent(lead)} below the next method's, beyond the timing noise of {percent(noise)}"
             if measured else "")
    fast = f"the fastest online{fastest_if}{ahead}{elsewhere}" + ("," if ahead or elsewhere else "")
    if w.fastest == w.most_accurate:
        return f"{name(w.fastest)} was both {fast} and{accurate_if} the most accurate{tied}{among}"
    return f"{name(w.fastest)} was {fast} and {name(w.most_accurate)}{accurate_if} the most accurate{tied}{among}"


def _tied_words(w, names: dict[str, str], within: bool = False) -> str:
    """" (tied with ML surrogate within the solvers' tolerances)" where another method's |deviation| is within
    `forlab.opf.outcome.NEGLIGIBLE_PCT` of the most accurate one's (a row of `winners`), else ""; ``within``: as a
    clause inside a parenthesis already open ("; tied with ...")."""
    if not w.tied:
        return ""
    words = f"tied with {listed([names.get(m, METHODS.get(m, m)) for m in w.tied])} within the solvers' tolerances"
    return f"; {words}" if within else f" ({words})"


def duration(seconds: float) -> str:
    """A solver time as the page prints it: in ms with one decimal below a second ("74.6 ms", where two decimals of
    a second would hide the ratios beside it), else in s with two ("2.37 s", "1 204.50 s": thousands grouped,
    `forlab.book.tables.grouped`)."""
    return f"{grouped(1e3 * seconds, 1)} ms" if seconds < 1 else f"{grouped(seconds, 2)} s"


def _size_entry(r, good: bool) -> str:
    """One method's entry in `largest_size_text`: its ratio, online time and deviation where its row is
    `comparable` (``good``), else why it has none."""
    if not good:
        return f"{METHODS[r.method]} {why_not_compared(r)}"
    return (f"{METHODS[r.method]} {grouped(r.time_ratio, 2)}x ({duration(r.solve_time_s)}){narrow_words(r)}, "
            f"{fixed([abs(r.deviation_pct)], 4)[0]} %")


def _p1_machines(at: pd.DataFrame, w) -> str:
    """What P1's online time at one size assumes (its slowest DSO's dispatch, one machine per DSO), beside the wall
    time of all its DSOs' dispatches on this run's workers, and whether the size's verdict on the fastest method
    (a row of `winners`) holds with that wall time in the DSO step's place (`workers_verdict`); "" where that wall
    time was not measured."""
    p1 = at[(at.method == "P1") & (at.status == "ok")]
    if p1.empty or not np.isfinite(p1.dso_parallel_ms.iloc[0]):
        return ""
    r = p1.iloc[0]
    return (f" The FOR offer's (P1's) online time counts its slowest DSO's dispatch ({grouped(r.dso_ms)} ms of solver "
            f"time), as if every DSO had its own machine, the book's one rule for parallel parts. On this run's "
            f"workers all its DSOs' dispatches together took {grouped(r.dso_parallel_ms)} ms by the wall clock, the "
            f"workers' turns and Dask's messages included (the table of P1's DSO work gives both per size)."
            + (f" {workers_verdict(w)}" if w.workers_fastest else ""))


def workers_verdict(w, clause: bool = False, workers: str = "this run's workers",
                    names: dict[str, str] | None = None) -> str:
    """Markdown: the verdict on the fastest method at one size (a row of `winners` with ``workers_fastest``) with P1's
    DSO step timed by the wall clock of all its DSOs on the run's workers (``workers``: how the page names them,
    "this run's workers" here, "that run's 2 Dask workers" in chapter 09), and whether it is the verdict of the one
    rule: a wall time in a sum of solver times, what that machine gave, not the rule's time. A sentence after one
    that names that wall time (`_p1_machines`), or with ``clause`` a clause that names it itself; methods by
    ``names`` (falling back on `METHODS`). The one statement of this verdict, chapter 09's too; whether it holds,
    `workers_hold`."""
    names = names or {}
    fast = listed([names.get(m, METHODS.get(m, m)) for m in (w.workers_fastest, *w.workers_tied)])
    who = (f"{fast} tied as the fastest online within the timing noise" if w.workers_tied
           else f"{fast} the fastest online")
    holds = workers_hold(w)
    if clause:
        return (f"P1 timed by the wall clock of all its DSOs on {workers}: {grouped(w.p1_workers_ratio, 2)}x, "
                f"{who}, {'the same verdict' if holds else 'another verdict'}")
    verdict = (f"the verdict holds on {workers} too" if holds
               else f"the verdict holds only with a machine per DSO, not on {workers}")
    return (f"Timed with that wall time in place of its slowest DSO's solver time, P1's online time would be "
            f"{grouped(w.p1_workers_ratio, 2)}x the integrated AC-OPF's, {who}: {verdict}.")


def workers_hold(w) -> bool:
    """Whether the verdict on the fastest method at one size (a row of `winners` with ``workers_fastest``) is the same
    with P1's DSO step timed on the run's workers (``workers_fastest``, ``workers_tied``) as by the one rule
    (``fastest``, ``tied_fastest``). The one statement of this rule (`workers_verdict`, chapter 09's verdict)."""
    # a tie is a set of methods: which of them a row names first says nothing, so two ties of the same methods agree
    return {w.workers_fastest, *w.workers_tied} == {w.fastest, *(getattr(w, "tied_fastest", ()) or ())}


WINNERS_TITLE = ("**Which method wins at which size**, among the runs whose every solve succeeded and whose dispatch "
                 "is feasible in the T+D power flow:")
"""The title `winners_text` gives its list where the page has no heading of its own above it (the paper-scale run)."""


def winners_text(t: pd.DataFrame, titled: bool = False) -> str:
    """Markdown: per N, which method was fastest online (or which were tied within the timing noise,
    `timing_noise`; with P1's DSOs timed on the run's workers, whether that holds, `workers_verdict`) and which
    most accurate, among the `comparable` runs, and how many of the methods run there were comparable (a method not
    run there is named, not counted); under `WINNERS_TITLE` when ``titled``."""
    out = [WINNERS_TITLE, ""] if titled else []
    ratios = t.set_index(["n_ds", "method"]).time_ratio
    for r in winners(t).itertuples():
        why = f" ({r.left_out})" if r.left_out else ""
        if r.qualified == 0:  # a finished, feasible run without its yardstick is not comparable either
            out.append(f"- **{ds_count(r.n_ds)}**: no method was comparable{why}.")
            continue
        workers = f"; {workers_verdict(r, clause=True)}" if r.workers_fastest else ""
        if r.tied_fastest:
            fastest = (f"fastest online tied within the timing noise ({percent(r.noise)}): "
                       + ", ".join(f"{METHODS[m]} {grouped(ratios[(r.n_ds, m)], 2)}x"
                                   for m in (r.fastest, *r.tied_fastest))
                       + f" the integrated AC-OPF's solver time{f' ({workers[2:]})' if workers else ''}")
        else:
            beyond = f", more than the timing noise ({percent(r.noise)})" if np.isfinite(r.noise) and r.noise > 0 else ""
            ahead = f", its solver time {percent(r.lead)} below the next method's{beyond}" if np.isfinite(r.lead) else ""
            fastest = (f"fastest online {METHODS[r.fastest]} ({grouped(r.fastest_ratio, 2)}x the integrated AC-OPF's "
                       f"solver time{ahead}{workers})")
        out.append(f"- **{ds_count(r.n_ds)}**: {fastest}; most accurate {_accuracy_words(r)}; "
                   f"{r.qualified} of the {counted(r.ran, 'method')} run there {'was' if r.qualified == 1 else 'were'} "
                   f"comparable{why}.")
    return "\n".join(out)


def _accuracy_words(r) -> str:
    """The most accurate method at one size (a row of `winners`) with its |cost deviation| beside the next compared
    method's, printed so that their gap reads as the tie rule counts it (`shown_apart`), and the methods tied with
    it: "P3 ALADIN (|cost deviation| 3.1e-07 %, next P2 ML surrogate 1.2e-04 %)"."""
    best = abs(r.most_accurate_deviation_pct)
    if not r.next_accurate:
        said = f"{fixed([best], 4)[0]} %"
    else:
        shown, other = shown_apart(best, r.next_abs_deviation_pct)
        said = f"{shown} %, next {METHODS[r.next_accurate]} {other} %"
    return f"{METHODS[r.most_accurate]} (|cost deviation| {said}{_tied_words(r, METHODS, within=True)})"


def shown_apart(best: float, other: float, margin: float = NEGLIGIBLE_PCT) -> tuple[str, str]:
    """Two |deviations| (%) as a verdict prints them: with four decimals where the printed gap lies on the same side
    of ``margin`` (the tie rule, `forlab.opf.outcome.NEGLIGIBLE_PCT`) as the true one, else in e-notation with the
    fewest significant digits, from two, that keep it there: "3.1e-07" and "1.2e-04", where four decimals would
    print a gap past the margin as "0.0000" against "0.0001", a tie by the rule."""
    beyond = other - best > margin
    candidates = [list(fixed([best, other], 4)), *([f"{v:.{d}e}" for v in (best, other)] for d in range(1, 8))]
    shown = (c for c in candidates if (float(c[1]) - float(c[0]) > margin) == beyond)
    return tuple(next(shown, candidates[-1]))


def accuracy_tie_text() -> str:
    """Markdown, said once on the page (chapter 09 says it in its statement on cost): the tie rule of every verdict
    on accuracy (`forlab.opf.outcome.most_accurate`, margin `forlab.opf.outcome.NEGLIGIBLE_PCT`), and that a verdict
    prints the deviations with the digits that rule needs (`shown_apart`)."""
    return (f"**Ties in accuracy.** A method is called the most accurate at a size only where its |cost deviation| "
            f"lies more than {NEGLIGIBLE_PCT:g} % below every other compared method's "
            "(`forlab.opf.outcome.NEGLIGIBLE_PCT`, the solvers' tolerances: every AC-OPF stops at Ipopt's tolerance); "
            "a method within that of it is named as tied with it. Each verdict gives the most accurate method's "
            "|cost deviation| beside the next one's, in e-notation where the tables' four decimals would not show "
            "on which side of that bound their gap lies.")


NOISE_DEFINITION = ("the timing noise is the largest relative move of the integrated AC-OPF's solver time between its "
                    "two timings at one size, before and after the methods (how far the faster lies below the slower, "
                    "a fraction of the slower; `forlab.studies.ch12_many_dsos.timing_noise`)")
"""What "the timing noise" is, in one clause, for a page that uses the word without `noise_text` (chapter 09)."""


def noise_text(t: pd.DataFrame) -> str:
    """Markdown: the timing noise the verdicts hold a lead in online time against (`timing_noise`), how the store
    measures it; or that this store measures none, so that the fastest is named by the bare times."""
    n = timing_noise(t)
    if not np.isfinite(n.bound):
        return ("**Timing noise.** This store did not time the integrated AC-OPF a second time after the methods, so "
                "it measures no timing noise: the fastest online is named by the bare times.")
    return (f"**Timing noise.** A method is called the fastest online at a size only where its online solver time is "
            f"more than {percent(n.bound)} below the next method's; otherwise the methods are tied. That bound is "
            "measured in this store (`forlab.studies.ch12_many_dsos.timing_noise`): at every size the integrated "
            "AC-OPF was timed by the one rule before the methods ran and again after them, the methods' online times "
            "in between, and the noise is the largest relative move of that one solve, how far the faster timing lies "
            f"below the slower, a fraction of the slower (the form of a lead): at {ds_count(int(n.n))}, "
            f"{grouped(n.first_ms, 1)} ms against {grouped(n.again_ms, 1)} ms. The store records "
            "the machine's load only at the sweep's start and end, so the bound is what the machine did, not a "
            "controlled load.")


def growth_text(t: pd.DataFrame) -> str:
    """Markdown: how online and offline time grow with N per method (log-log slopes over the runs with a feasible
    dispatch, `growth_fits`, each with the sizes it is fitted over and its $R^2$; no trend stated where `trend`
    says the line explains too little), the online times also against the total buses (the size of the problem,
    which N is not: the drawn DSs differ in size and the TS is the same at every N); where the sizes differ
    between methods (a method the sweep stopped running, or one without a feasible dispatch at a size; sizes not
    contiguous in the sweep listed one by one, `_ds_span`), the online slopes again over the sizes every method
    finished, since slopes over different ranges do not compare."""
    on, off = growth_fits(t, "solve_time_s"), growth_fits(t, "offline_time_s")
    sweep = sorted(int(n) for n in t.n_ds.unique())
    parts = [f"{METHODS[m]} {_exponent(f, _ds_span(f.sizes, sweep))}" for m, f in on.iterrows()
             if np.isfinite(f.slope)]
    if not parts:
        return "Fewer than two sizes finished with a feasible dispatch: no growth rate to fit."
    text = ("Online solver time changes with the number of DSs $N$ as $N^k$, $k$ the log-log slope over the sizes "
            "at which a method finished with a feasible dispatch (an infeasible run's time is not that of a dispatch "
            "a TSO could use), with $R^2$ the share of the variance of log time the line explains; where it is "
            f"below {FIT_R2_MIN:g} (chapter 07's least share, `forlab.studies.ch07_aladin.readers.FIT_R2_MIN`) the "
            f"times scatter more than they follow the line and no trend is stated: {', '.join(parts)}.")
    buses = growth_fits(t, "solve_time_s", x="buses")
    text += (" Against the total buses $B$ instead, as $B^k$ (the size of the problem, which $N$ is not: the TS is "
             "the same at every size and the drawn DSs differ in size): "
             + ", ".join(f"{METHODS[m]} {_exponent(f, _ds_span(f.sizes, sweep))}" for m, f in buses.iterrows()
                         if np.isfinite(f.slope)) + ".")
    common = sorted(set.intersection(*map(set, on.sizes)))
    if len({tuple(v) for v in on.sizes}) > 1 and len(common) >= 2:
        same = growth_fits(t[t.n_ds.isin(common)], "solve_time_s")
        text += (f" Over the sizes every method finished with a feasible dispatch ({_ds_span(common, sweep)}), against $N$: "
                 + ", ".join(f"{METHODS[m]} {_exponent(f)}" for m, f in same.iterrows() if np.isfinite(f.slope))
                 + ".")
    offs = [f"{METHODS[m]} {_exponent(f)}" for m, f in off.iterrows() if np.isfinite(f.slope) and m != "integrated"]
    return text + (f" Offline time (all DSOs' work as it ran on this run's machine) against $N$: {', '.join(offs)}."
                   if offs else "")


def _exponent(fit, span: str = "") -> str:
    """A fit of `growth_fits` as `growth_text` prints it: its exponent, the sizes it is fitted over (``span``), its
    $R^2$ and, when negative, that the time falls: "-0.28 (1 to 4 DSs; $R^2$ 0.91; a decrease)"; "no trend" in the
    exponent's place where `trend` says the line explains too little, and no $R^2$ over two sizes (the line passes
    through both)."""
    fits = len(fit.sizes) > 2
    said = [w for w in (span, f"$R^2$ {fit.r2:.2f}" if fits else "two sizes, no $R^2$",
                        "a decrease" if fit.slope < 0 and (trend(fit) or not fits) else "") if w]
    shown = f"{fit.slope:.2f}" if trend(fit) or not fits else "no trend"
    return f"{shown} ({'; '.join(said)})"


def _ds_span(sizes, sweep) -> str:
    """The sizes a fit covers: by their ends where they are a run of the sweep's sizes ``sweep`` without a gap
    ("1 to 16 DSs"), else one by one (`_ds_list`: "1, 4, 8 and 16 DSs"), so that a size left out is not hidden."""
    sizes = sorted(int(n) for n in sizes)
    run = [n for n in sweep if sizes[0] <= n <= sizes[-1]]
    return f"{sizes[0]} to {ds_count(sizes[-1])}" if sizes == run and len(sizes) > 1 else _ds_list(sizes)


def failures_text(t: pd.DataFrame) -> str:
    """Markdown: every run that failed or whose dispatch is infeasible, with its status (for an infeasible one, what
    the T+D power flow found broken, `violation_text`, a unit's excess in kW on its system's base); or that none
    did."""
    bad = t[~_ok(t)]
    if not len(bad):
        return "Every run finished, and every dispatch is feasible in the T+D power flow."
    return "\n".join(f"- {ds_count(r.n_ds)}, {METHODS[r.method]}: "
                     + (r.status if r.status != "ok" else _infeasible(r, _base_of(r.system)))
                     for r in bad.itertuples())


def _ds_list(ns) -> str:
    """Sizes in words, as a sentence lists them: "2 DSs", "1, 4 and 16 DSs"."""
    ns = [int(n) for n in ns]
    return listed([*map(str, ns[:-1]), ds_count(ns[-1])])


def p3_text(t: pd.DataFrame) -> str:
    """Markdown: what ALADIN did in a store, from its rows: the sizes where it stopped, with its rounds and the
    online solver time of one run as the tables print it (`duration`: the paper-scale table has no wall-time column),
    and where the T+D power flow finds its dispatch infeasible; where it failed; where
    it was not run (above ``p3_max_ds``); or that the store has no ALADIN row."""
    p3 = t[t.method == "P3"].sort_values("n_ds")
    if not len(p3):
        return "This run has no ALADIN row."
    not_run = p3.status.astype(str).str.startswith("not run")
    ok, failed = p3[p3.status == "ok"], p3[(p3.status != "ok") & ~not_run]
    bad = ok[~ok.feasible.astype(bool)]
    out = []
    if len(ok):
        fastest, slowest = (duration(s) for s in (ok.solve_time_s.min(), ok.solve_time_s.max()))
        took = fastest if fastest == slowest else f"{fastest} to {slowest}"
        out.append(f"In this store ALADIN stopped at {_ds_list(ok.n_ds)}, in {span(ok.rounds, grouped, ' rounds')}, "
                   f"one run taking {took} of online solver time (as the tables give it); " + (
                       f"its dispatch at {_ds_list(bad.n_ds)} is infeasible in the T+D power flow (the list of failed "
                       "and infeasible runs gives the limits it breaks)." if len(bad)
                       else "the T+D power flow finds every dispatch of it feasible."))
    if len(failed):  # no "above" or "below": the page shows this text apart from the list
        out.append(f"It failed at {_ds_list(failed.n_ds)} (the list of failed and infeasible runs gives its status).")
    if not_run.any():
        out.append(f"It was not run at {_ds_list(p3[not_run].n_ds)}, above `p3_max_ds`.")
    return " ".join(out)


def _infeasible(r, base_mva: float | None = None) -> str:
    """Why a finished run's dispatch is infeasible: the T+D power flow's violations by kind, and the largest
    (`violation_text`, with the system base ``base_mva`` in MVA)."""
    return f"infeasible in the T+D power flow ({violation_text(r, base_mva)})"


def _base_of(system: str) -> float | None:
    """The system base (MVA, `ts_base_mva`) of the study system named ``system``, by its TS
    (`forlab.grid.td.parse_system`); None for a name that is no study system's (rows made up by hand), whose
    violations are then worded without it (`violation_text`)."""
    from forlab.grid import td

    try:
        ts = td.parse_system(system)[0]
    except (TypeError, ValueError):
        return None
    return ts_base_mva(ts)


def ts_base_mva(ts: str) -> float:
    """The system base (MVA) of every study system on the TS case ``ts``, read from the grid's data: the integrated
    T+D net is built on a copy of its TS (`forlab.grid.td.StudySystem.integrated`), so the judge's p.u. of a branch
    flow or a unit's power (`forlab.opf.judge.MAX_VIOLATION_UNIT`) are of the TS's base."""
    from forlab.grid import cases

    return float(cases.summary(ts)["sn_mva"])


def _kw(mw: float) -> str:
    """A unit's power excess as a page writes it: kW below 1 MW ("1.5 kW"), else MW."""
    return f"{1e3 * mw:.1f} kW" if abs(mw) < 1.0 else f"{mw:.3f} MW"


def only_units_broke(r) -> bool:
    """Whether the judge's counts of a row (`forlab.opf.judge.VIOLATION_KINDS`) hold generator limit violations and
    no other kind (a count the row lacks or holds as NaN is taken as not broken, as `violation_words` does)."""
    def count(c):
        v = getattr(r, c, np.nan)
        return float(v) if pd.notna(v) else 0.0

    return count("n_gen_violations") > 0 and all(count(c) <= 0 for c in VIOLATION_KINDS if c != "n_gen_violations")


def violation_text(r, base_mva: float | None = None) -> str:
    """What the T+D power flow found broken in one finished run's dispatch (a row of `frame`, or of chapter 09's
    copies of them): the kinds it broke (`forlab.opf.judge.violation_words`; a count the row lacks or holds as
    NaN is not claimed) and the largest excess over a limit in its unit (`forlab.opf.judge.MAX_VIOLATION_UNIT`):
    "1 generator limit violation, the largest 1.5e-05 p.u. (of nominal voltage for a voltage, ...)".
    Where only unit limits broke and the system base ``base_mva`` (MVA, `ts_base_mva`) is given, the one unit that
    applies instead: the unit's excess in kW on that base, and how far it is beyond the judge's tolerance
    (`forlab.opf.judge.GEN_TOL`, 1e-3 MW): "1 generator limit violation: a unit at most 1.5 kW past its limit
    (1.5e-05 p.u. of the 100 MVA system base, ...), so at most 0.5 kW beyond the judge's tolerance of 1.0 kW ...".
    At most, since the store keeps the largest excess over any limit, not the unit's own: a voltage or branch flow
    within its own tolerance may exceed its limit by more.
    The one wording of an infeasible run, this chapter's list of failed and infeasible runs and chapter 09's
    statement on ALADIN at scale alike."""
    worst = float(getattr(r, "max_violation", np.nan))
    words = violation_words(r, broken_only=True)
    if base_mva and np.isfinite(worst) and only_units_broke(r):
        top = worst * base_mva  # MW: the unit's excess is no larger than the largest excess over any limit
        return (f"{words}: a unit at most {_kw(top)} past its limit ({worst:.1e} p.u. of the {base_mva:g} MVA system "
                f"base, the largest excess over any limit), so at most {_kw(max(top - GEN_TOL, 0.0))} beyond the "
                f"judge's tolerance of {_kw(GEN_TOL)} (`forlab.opf.judge.GEN_TOL`; kvar for a unit's Q)")
    largest = f", the largest {worst:.1e} {MAX_VIOLATION_UNIT}" if np.isfinite(worst) else ""
    return f"{words}{largest}"


def p2_text(t: pd.DataFrame) -> str:
    """Markdown: how much of the DSs' regions P2's TSO was held to per size (`polytopes_text`), the reserve it held
    (`forlab.p2_surrogate.tso`, ``reserve``), and where P2 finished with an infeasible dispatch, what the T+D power
    flow found broken, with the surrogates' largest import error from the store (`_unit_break_text`); or that it has
    none."""
    p2 = t[t.method == "P2"].sort_values("n_ds")
    held = p2[_reserve(p2) > 0]
    said = polytopes_text(t) + ("" if not len(held) else
            "P2's TSO held a reserve of the surrogates' summed import-error bounds on the units that take up import "
            f"errors in the T+D power flow: {', '.join(f'{r.reserve_mw:.4f} MW at {ds_count(int(r.n_ds))}' for r in held.itertuples())}"
            " on each slack unit's P (and the Q bound on every voltage-controlling unit). ")
    bad = p2[(p2.status == "ok") & ~p2.feasible.astype(bool)]
    if not len(bad):
        return said + "P2 finished no run with an infeasible dispatch."
    said += (f"P2 finished with an infeasible dispatch at {counted(len(bad), 'size')} ({_ds_list(bad.n_ds)}); "
             f"{_largest_violation(bad)}, and the largest error of one surrogate's predicted import "
             f"{bad.pcc_error.max():.4f} MW.")
    others = [c for c in held_counts(bad.columns) if c != "n_gen_violations"]
    if (bad[others] > 0).any().any():
        return said + " Limits other than the units' break too: see the list of failed and infeasible runs."
    # the kinds counted and found intact (a store written before the angle count has NaN there: not claimed)
    return said + _unit_break_text(bad, [VIOLATION_KINDS[c] for c in others if (bad[c] == 0).all()])


def _largest_violation(bad: pd.DataFrame) -> str:
    """The largest excess over a limit among the infeasible rows ``bad``, in one unit where only unit limits broke in
    that row and its system base is known (`violation_text`, as the list of failed and infeasible runs and the
    ALADIN sentence say it), else in the generic p.u. (`forlab.opf.judge.MAX_VIOLATION_UNIT`)."""
    worst = bad.loc[bad.max_violation.astype(float).idxmax()]
    base = _base_of(str(worst.system)) if "system" in worst else None
    if base and only_units_broke(worst):
        return f"the worst, at {ds_count(int(worst.n_ds))}: {violation_text(worst, base)}"
    return f"the largest violation is {float(worst.max_violation):.1e} {MAX_VIOLATION_UNIT}"


def polytopes_text(t: pd.DataFrame) -> str:
    """Markdown, a sentence ending in a space: per size, the least share of its feasible held-out samples a DS's
    polytope accepts (``p2_least_accepted``, `forlab.studies.ch08_sensitivity.run_p2`), and the sizes where some
    accept hardly any (`narrow_words`); "" where the store does not record it (written before the column)."""
    p2 = t[(t.method == "P2") & np.isfinite(t.p2_least_accepted.astype(float))]  # NaN: a store before the column
    if p2.empty:
        return ""
    p2 = p2.sort_values("n_ds")
    least = ", ".join(f"{percent(r.p2_least_accepted)} at {ds_count(int(r.n_ds))}" for r in p2.itertuples())
    narrow = p2[p2.p2_narrow_dss > 0]
    bar = (f"{percent(LITTLE_ACCEPTED)}, chapter 06's bar for a polytope that accepts hardly any of its region "
           "(`forlab.studies.ch06_ml_surrogate.text.LITTLE_ACCEPTED`)")
    where = (f" At {_ds_list(narrow.n_ds)} some accept less than {bar}: there P2's time and feasibility are those of a "
             "TSO held to hardly any of those DSs' regions." if len(narrow) else
             f" Every DS's polytope accepts at least {bar}, at every size.")
    # the store keeps the least share per size, not which DS it is: the sentence promises the share alone
    return (f"**P2's polytopes.** Per size, the least share of its feasible held-out samples that any DS's polytope "
            f"accepts (chapter 06's test of how much of a DS's region its TSO is held to): {least}.{where} ")


def narrow_words(r) -> str:
    """" (held to a polytope that accepts 1.2 % of its DS's feasible held-out samples; 3 DSs accept less than
    5 %)" for a P2 row ``r`` where some DS's polytope accepts less than
    `forlab.studies.ch06_ml_surrogate.text.LITTLE_ACCEPTED`, else "": the qualifier of P2's speed at a size, here and
    in chapter 09."""
    if r.method not in ("P2", METHODS["P2"]) or not r.p2_narrow_dss > 0:  # NaN: a store before the column
        return ""
    return (f" (held to a polytope that accepts {percent(r.p2_least_accepted)} of its DS's feasible held-out "
            f"samples; {counted(int(r.p2_narrow_dss), 'DS')} accept less than {percent(LITTLE_ACCEPTED)})")


def _reserve(p2: pd.DataFrame) -> pd.Series:
    """The P reserve (MW) P2's TSO held per row: 0 where it held none (``reserve="none"``), NaN where the store does
    not record it (a store written before the column)."""
    return p2.reserve_mw.astype(float) if "reserve_mw" in p2 else pd.Series(np.nan, index=p2.index)


def _unit_break_text(bad: pd.DataFrame, intact: list[str]) -> str:
    """Why only unit limits break in P2's infeasible rows ``bad`` (``intact``: the other kinds of limit, none of
    which breaks), and, per row, whether the TSO held a reserve there, as the store records it (`_reserve`). The
    store holds no DS's signed import error, so nothing is said of how the errors add up across the DSs."""
    reserve = _reserve(bad)
    kinds = listed(intact, "or") if intact else "other"
    out = (f" Only unit limits break, no {kinds} limit: in the T+D power flow the slack unit takes up the "
           "difference between the predicted and the true imports (and the voltage-controlling units the reactive "
           "one), and where the optimum holds a unit at a limit, that difference can push it past the limit.")
    held = "the TSO held a reserve of the summed error bounds, and a unit limit broke nonetheless"
    for rows, words in ((bad[reserve > 0], held), (bad[reserve == 0], "the TSO held no reserve"),
                        (bad[reserve.isna()], "the store does not record whether the TSO held a reserve")):
        if len(rows):
            out += f" At {_ds_list(rows.n_ds)} {words}."
    return out


def store_text(st: xr.Dataset, commit: bool = True) -> str:
    """Markdown, one sentence on a store: sizes, commit (False: left to a sentence before it that names it, as
    `paper_text`'s `origin_text` does), the sweep's wall time and the machine's load."""
    s = sizes(st)
    named = f"; commit `{short_commit(st.attrs)}`" if commit else ""
    return (f"The store holds {counted(len(s), 'size')}, {span(s.n_ds, '.0f', ' DSs' if s.n_ds.max() > 1 else ' DS')} "
            f"({span(s.buses, grouped, ' buses')}{named}); the sweep took "
            f"{grouped(st.attrs['sweep_wall_time_s'] / 60, 1)} min with a load average (1 min) of "
            f"{st.attrs['load_average_start']:.1f} at the start and {st.attrs['load_average_end']:.1f} at the end on "
            f"{st.attrs['cpu_count']} cores; the largest peak memory was {grouped(s.peak_mib.max())} MiB. "
            + _warm_up_text(st, s))


def _warm_up_text(st: xr.Dataset, s: pd.DataFrame) -> str:
    """Whether the first size's build time carries the process's one-time compilation of pandapower's power flow
    (`forlab.grid.td.warm_up`): not in a store whose sweep warmed up first, which says how long that took."""
    if "warmup_wall_time_s" in st.attrs:
        return (f"Before the first size the sweep ran two power flows, untimed in the table, which paid the process's "
                f"one-time compilation of pandapower's power flow ({grouped(st.attrs['warmup_wall_time_s'], 1)} s).")
    first = s.sort_values("n_ds").iloc[0]
    return (f"This sweep did not warm up first: the build time of its first size ({int(first.n_ds)} "
            f"DS{'' if int(first.n_ds) == 1 else 's'}, {grouped(first.build_s, 1)} s) carries the process's one-time "
            "compilation of pandapower's power flow (numba), which the later sizes do not pay.")


def paper_text(big: xr.Dataset | None) -> str:
    """Markdown: where the paper-scale store comes from, or how to make one."""
    if big is None:
        return missing_profile_text("12_many_dsos")
    return f"{origin_text(big)}. {store_text(big, commit=False)}"


def _workers_text(n_workers: int | None) -> str:
    """Where a profile's DSOs and regions run, as `forlab.book.parallel.client` reads ``n_workers``."""
    if n_workers is None:
        return "on as many Dask workers as the machine has cores"
    return f"on {counted(n_workers, 'Dask worker')}" if n_workers else "in one process, without Dask workers"


def systems_text(params: dict) -> str:
    """Markdown: the study system of every size of ``params``, one bullet each."""
    return "\n".join(f"- `{name}`" for name in system_names(params))


def profile_text(params: dict) -> str:
    """Markdown: what a profile sweeps (its parameters), the study system of every size and the bus count the
    scale-out issue asks for (`forlab.book.anchors`)."""
    return (f"Sizes {', '.join(map(str, params['n_ds']))} DSs under {params['ts']}, drawn from "
            f"{', '.join(params['pool'])} with seed {params['seed']}, {_workers_text(params['n_workers'])}; the "
            f"scale-out targets ask for at least {anchors.show('scaleout_sweep_buses')} in total:\n\n"
            + systems_text(params))
