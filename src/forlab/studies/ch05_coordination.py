"""Chapter 05, single-round coordination: the FOR method's case studies (offers built offline per DS and load
level, then `forlab.p1_for.coordinate.coordinate`: the TSO's OPF eq. (p1-tso), the DSOs' eq. (p1-dso) and the judged
deviation eq. (p1-deviation), the chapter's section "The TSO, the DSOs and the judge"), read back as the paper's
table, the time budget and the cases that miss a target.

`run(params)` computes the chapter's store (`to_store`): table ``case`` (one row per system and load level: integrated
optimum, TSO and DSO times, judged cost and its deviation ``deviation_pct`` (%), violations, offline time), the TSO's
PCC points (``pcc_row``, prefix ``pt_``) and every DSO's dispatch (``dso_row``, prefix ``dso_``, with its
``solve_time_s``). The readers and text helpers read a store (the current run's or an archived one opened with
`forlab.book.store.open_path`). Costs in the TS case's currency per hour ($/h), times in s in the store and ms in
the tables.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.lines import Line2D

from forlab.book import anchors, parallel, plots
from forlab.book.runner import check_names, check_non_negative, check_positive_value
from forlab.book.store import paper_origin
from forlab.book.tables import (
    TitledTable,
    clipped,
    counted,
    fixed_columns,
    grouped,
    listed,
    page_index,
    printable,
    table,
    to_dataset,
)
from forlab.grid import td
from forlab.opf.judge import (
    VIOLATION_COUNTS,
    VIOLATION_KINDS,
    held_counts,
    total_violations,
    violation_counts,
    violation_words,
)
from forlab.opf.outcome import NOT_IN_STORE, OUTCOME, Baseline, unmeasured_when_failed
from forlab.p1_for import dso_service
from forlab.p1_for.coordinate import coordinate, scale_loads, single_pcc
from forlab.p1_for.representation import check_n_cost


def case_study(system_name: str, levels, *, n_directions: int = 40, face_grid: int = 3, n_workers: int | None = 0,
               address=None, fit_options: dict | None = None, progress: bool = True, system_options=None,
               warm_library: bool = True, repeats: int = 3, client=None, system=None,
               baselines: Mapping[float, Baseline] | None = None, dso_services: bool = False):
    """Every load level of one study system: offers built offline per DS and level, then `coordinate`.

    warm_library: every DSO keeps the cost-OPF solutions of its offer's price fit as warm starts for the online
    step and chooses, offline, between them and a cold start by timing both (`forlab.p1_for.coordinate.DSOAgent`, ``start="auto"``; the
    time of the choice is part of the offline time); False: every DSO starts cold. n_workers / address: the Dask
    workers of the DSOs' offline OPFs and online dispatches (0 and None: in-process), one client for the whole run;
    client: a Dask client to use instead (then n_workers and address are not used). With a client the DSOs
    dispatch at the same time on its workers and each row also carries the measured parallel wall time
    (`coordinate`, ``dso_parallel_wall_s``). dso_services (with Dask): every DSO is a service on one worker for the
    whole run (`forlab.p1_for.dso_service`): each level's offline work is one task per DSO, all submitted together
    (each worker runs one at a time), and the DSO dispatches there; a level's offline time is then the wall time of
    that phase, and ``offline_dso_max_s`` the slowest DSO's own (the offline time if every DSO had a computer of its
    own). False: the DSOs make their offers one after the other, each spreading its OPFs over the workers in chunks.
    repeats: timing repeats (see `coordinate`).
    system: the `StudySystem` ``system_name`` names, already built (then ``system_options`` are not used);
    baselines: load level -> the integrated AC-OPF at that level already solved and timed
    (`forlab.opf.outcome.Baseline`), used instead of solving it again; the other levels solve theirs.
    Each DS's model is built once, at the first level, and re-used at the others with the level's loads set
    (`forlab.p1_for.dso_opf.DSOModel.set_loads`; the same offers and dispatch as a model built per level): a level's
    offline time includes a model build only where it built one.
    Returns (rows, offers): one flat dict per level (see `coordinate`, plus offer quality) and the offers by (level,
    DS name). A level whose offline work or coordination raises is a failed row (`failed_case`: its status names the
    level and the DS) and the sweep goes on with the next level.
    """
    from forlab.book import parallel
    from forlab.book.progress import bar

    baselines = _checked_baselines(baselines)
    if system is None:
        system = td.load_system(system_name, **(system_options or {}))
    elif system.name != system_name:
        raise ValueError(f"system= is the study system {system.name!r}, not {system_name!r}: pass the system that "
                         f"system_name names (or no system, to build it)")
    single_pcc(system)
    n_bus = system.buses  # TS and DSs together: the size the readers name a system the largest by (_focus_system)
    rows, offers_all, models = [], {}, {}
    # one client for the run: the caller's (a sweep over systems keeps one), else one opened here (None in-process)
    with contextlib.nullcontext(client) if client is not None else parallel.client(address, n_workers) as run_client, \
            _services(run_client, system, dso_services) as services:
        options = {"n_directions": n_directions, "face_grid": face_grid, "n_workers": n_workers, "address": address,
                   "client": run_client, **(fit_options or {})}
        for level in bar(list(levels), desc=system_name, disable=not progress):
            where = "coordination"
            try:
                pcc = _pcc_ids(system, system_name, level)
                if services is None:  # one DSO after the other: the phase takes the sum of their times
                    offers, quality, agents, seconds = {}, {}, {}, {}
                    for name, dsn in system.ds.items():
                        where = f"the offer of DS {name}"
                        offers[name], quality[name], agents[name], seconds[name] = _offline(
                            pcc[name], name, dsn, level, warm_library, options, models)
                    offline = sum(seconds.values())
                else:
                    where = "the DSOs' offline work"
                    agents = services
                    offers, quality, seconds, offline = dso_service.offline(services, level, pcc, options,
                                                                            warm_library)
                slowest = max(seconds.values(), default=np.nan)
                where = "coordination"
                r = coordinate(system, offers, level, agents=agents, repeats=repeats, offline_time_s=offline,
                               baseline=baselines.get(float(level)), client=run_client)
            except Exception as err:  # noqa: BLE001 - a failed level is a recorded case; the sweep keeps the others
                rows.append(failed_case(system_name, level, where, err, len(system.ds)) | {"n_bus": n_bus})
                continue
            offers_all.update({(float(level), k): o for k, o in offers.items()})
            r["false_feasible_max"] = float(max(q["test_false_feasible_rate"] for q in quality.values()))
            r["cost_rel_error_max"] = float(max(q["cost_rel_error_max"] for q in quality.values()))
            r["n_ds"] = len(system.ds)
            r["n_bus"] = n_bus
            r["offline_dso_max_s"] = float(slowest)
            rows.append(r)
    return rows, offers_all


def _checked_baselines(baselines) -> dict[float, Baseline]:
    """``baselines`` of `case_study` by float load level; TypeError naming what is wrong."""
    if baselines is None:
        return {}
    if not isinstance(baselines, Mapping):
        raise TypeError(f"baselines must be a dict load level -> forlab.opf.outcome.Baseline, got "
                        f"{type(baselines).__name__}")
    bad = {k: type(v).__name__ for k, v in baselines.items() if not isinstance(v, Baseline)}
    if bad:
        raise TypeError(f"baselines must map load levels to forlab.opf.outcome.Baseline (integrated_baseline's "
                        f"result), got {bad}")
    return {float(k): v for k, v in baselines.items()}


def _offline(pcc: dict, name: str, dsn, level: float, warm_library: bool, options: dict,
             models: dict | None = None):
    """One DSO's offline work at a load level in this process (`forlab.p1_for.dso_service.prepare`: its offer and
    its agent); pcc: the identity its offer carries (`_pcc_ids`). models: DS name -> its DS model from an earlier level, re-used at this level's loads, and where the
    model built here is kept for the next (None: built here, not kept). Returns (offer, offer quality, agent,
    offline seconds)."""
    offer, quality, agent, dt = dso_service.prepare(scale_loads(dsn, level), pcc, options, warm_library,
                                                    (models or {}).get(name))
    if models is not None:
        models[name] = agent.model
    return offer, quality, agent, dt


def _pcc_ids(system, system_name: str, level: float) -> dict[str, dict]:
    """DS name -> the identity its offer carries: DS, TS bus, system and load level."""
    return {r.ds: {"ds": r.ds, "ts_bus": int(r.ts_bus), "system": system_name, "load_level": float(level)}
            for r in system.pcc.itertuples()}


def _services(client, system, wanted: bool):
    """The DSOs as services on the client's workers for the run (`forlab.p1_for.dso_service.placed`) when wanted
    and there is a client; otherwise a context of None (the DSOs' offline work runs here)."""
    if not wanted or client is None:
        return contextlib.nullcontext(None)
    return dso_service.placed(client, dict(system.ds))


def failed_case(system_name: str, level: float, where: str, err: BaseException, n_ds: int) -> dict:
    """The row of a load level whose offline work or coordination raised: every outcome field present, the status
    naming the level, the part that failed (e.g. "the offer of DS case33bw") and the error; no deviation, not
    feasible, no DSO rows."""
    # the level in % of the nominal load, as every page gives it ("load level 10" read as 10 % where it meant ten times)
    status = clipped(f"load level {100 * float(level):g} %: {where} failed: {type(err).__name__}: {err}", 500)
    return {"system": system_name, "level": float(level), "status": status, "deviation_pct": np.nan,
            "feasible": False, "pf_converged": False, "integrated_status": "", "tso_status": "not run",
            "integrated_success": False, "tso_success": False, "dso_success": False, "n_ds": int(n_ds),
            **violation_counts(None),
            "points": pd.DataFrame(), "dso": pd.DataFrame()}


CASE_STUDY_OPTIONS = ("n_directions", "face_grid", "n_workers", "warm_library", "repeats")
ANCHOR_KEYS = ["p1_deviation_pct", "p1_time_reduction_pct"]
"""The published anchors this chapter compares with (`forlab.book.anchors`), kept in its store."""
TARGET_DEVIATION_PCT = anchors.value("p1_deviation_pct")
"""The paper's bound on the mean cost deviation per case (%), from the registry."""
TARGET_REDUCTION_PCT = anchors.value("p1_time_reduction_pct")
"""The paper's best time reduction (%), from the registry: its "up to", the best over its case studies with no
system named, so the target is held against the best reduction over all systems and load levels (`_best_reduction`)."""
SLOPE_AGREES_PCT = 5.0
"""An offered marginal price of import within this share (%) of the true one counts as agreeing, so the slope is not
given as the cause of a deviation there (a threshold of the text, not of the paper)."""


# --------------------------------------------------------------------------- parameters and the computation
def _single_pcc_systems() -> list[str]:
    """The named study systems whose every DS has one PCC (those P1 runs on)."""
    return [n for n, (_, dss) in td.SYSTEMS.items() if not td.second_pcc_dss(dss)]


PARAMETERS = ("systems_list", "levels", "n_directions", "face_grid", "n_labelled", "n_cost", "n_workers",
              "warm_library", "repeats", "scheduler")
"""The chapter's parameters (the notebook's ``parameters`` cell); `check_params` checks their types in its own
words."""


def check_params(params: dict) -> None:
    """Checks of the chapter's parameters before any work (ValueError naming the parameter): exactly `PARAMETERS`
    (`forlab.book.runner.check_names`: a misspelt key would keep its default), types, and
    ``systems_list`` a non-empty list of valid study-system names (`forlab.grid.td.parse_system`, no build) whose DSs
    each have one PCC (`single_pcc`), ``n_cost`` at least
    `forlab.p1_for.representation.MIN_COST_POINTS` (`forlab.p1_for.representation.check_n_cost`), ``repeats`` at
    least 1 and ``scheduler`` "" or a Dask scheduler address (`forlab.book.parallel.check_address`)."""
    check_names(params, PARAMETERS, "05_coordination")
    if not isinstance(params["systems_list"], (list, tuple)) or not all(isinstance(s, str) for s in
                                                                        params["systems_list"]):
        raise ValueError(f"systems_list must be a list of study-system names, got {params['systems_list']!r}")
    if not params["systems_list"]:
        raise ValueError("systems_list must name at least one study system (e.g. [\"case9+case33bw\"]), got []")
    for name in params["systems_list"]:
        try:
            _, dss = td.parse_system(name)  # the name only, nothing is built
        except ValueError as err:
            raise ValueError(f"systems_list: {err}") from None
        if two := td.second_pcc_dss(dss):
            raise ValueError(
                f"systems_list: study system {name!r} ties DS {two} to a second PCC; P1 (the FOR method) needs "
                f"single-PCC systems: pass systems of one PCC per DS ({', '.join(_single_pcc_systems())})")
    levels = params["levels"]
    if not isinstance(levels, (list, tuple)) or not levels or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x) and x > 0 for x in levels):
        raise ValueError(f"levels must be a non-empty list of positive, finite fractions of the nominal load, got "
                         f"{levels!r}")
    check_non_negative(params, ("n_directions", "face_grid", "n_labelled", "n_workers"))
    # repeats 0: `forlab.opf.outcome.timed` would time once and the store say 0
    check_positive_value("repeats", params["repeats"], integer=True)
    check_n_cost(params["n_cost"])
    if not isinstance(params["scheduler"], str):
        raise TypeError(f"scheduler must be a Dask scheduler address or \"\", got {params['scheduler']!r}")
    parallel.check_address(params["scheduler"], name="scheduler", empty=parallel.NO_SCHEDULER)
    if not isinstance(params["warm_library"], bool):
        raise TypeError(f"warm_library must be true or false, got {params['warm_library']!r}")


CASE_UNITS = {
    "level": "1", "integrated_iterations": "1", "integrated_build_s": "s", "tso_time_s": "s", "tso_wall_time_s": "s",
    "tso_iterations": "1", "tso_build_s": "s", "tso_objective": "$/h", "dso_time_max_s": "s",
    "dso_wall_time_max_s": "s", "dso_time_sum_s": "s", "dso_cold_time_max_s": "s",
    "time_reduction_parallel_pct": "%", "time_reduction_sum_pct": "%", "time_reduction_cold_pct": "%",
    "timing_repeats": "1", "pcc_mismatch": "1", "pcc_mismatch_mw": "MW", "pcc_mismatch_mvar": "Mvar",
    "pcc_mismatch_pu": "p.u.", "pf_converged": "1", "max_vm_violation_pu": "p.u.", "max_loading_percent": "%",
    "max_gen_violation_mw": "MW", **dict.fromkeys(VIOLATION_COUNTS, "1"),
    "integrated_success": "1", "tso_success": "1", "false_feasible_max": "1", "cost_rel_error_max": "1",
    "n_ds": "1", "system": "-", "integrated_status": "-", "tso_status": "-", "dso_parallel_wall_s": "s",
    "dso_workers": "1", "dso_setup_s": "s", "offline_dso_max_s": "s", "n_bus": "1",
}
"""Units of the case table's columns besides the outcome record's (`forlab.opf.outcome.OUTCOME`); ``n_bus`` counts
the system's buses (`forlab.grid.td.StudySystem.buses`; stores written before it lack it); ``pcc_mismatch``
is in box-normalised units (the offer's box scaled to [-1, 1]), its components are delivered - requested."""

POINT_UNITS = {"p_mw": "MW", "q_mvar": "Mvar", "vm_pu": "p.u.", "ts_bus": "1", "level": "1", "f": "1",
               "offer_cost": "$/h", "ds": "-", "system": "-"}
DSO_UNITS = {"solve_time_s": "s", "wall_time_s": "s", "iterations": "1", "start_distance": "1", "library_size": "1",
             "cold_solve_time_s": "s", "cold_iterations": "1", "cold_fpu_cost": "$/h", "build_s": "s",
             "library_s": "s", "mismatch": "1", "mismatch_mw": "MW", "mismatch_mvar": "Mvar", "mismatch_pu": "p.u.",
             "fpu_cost": "$/h", "success": "1", "level": "1", "ds": "-", "status": "-", "start": "-", "system": "-",
             "start_s": "s", "start_choice": "-", "start_rule": "-", "start_trials": "1", "start_trial_warm_s": "s",
             "start_trial_cold_s": "s", "start_trial_warm_iterations": "1", "start_trial_cold_iterations": "1",
             **{f"{w}_slope_{a}": u for w in ("offer", "true") for a, u in zip("pqv", ("USD/MWh", "USD/Mvarh",
                                                                                        "$/h per p.u."))}}
"""Units of the TSO's PCC points (``pt_``) and the DSOs' rows (``dso_``)."""


def to_store(rows: list[dict]) -> xr.Dataset:
    """`case_study` rows as the chapter's store: table ``case`` (one row per system and load level, the outcome
    record `forlab.opf.outcome.OUTCOME` with its units among its columns; a failed level with its status), the TSO's
    PCC points (``pcc_row``, prefix ``pt_``) and the DSOs' dispatches (``dso_row``, prefix ``dso_``)."""
    scalar = list(dict.fromkeys(k for r in rows for k, v in r.items() if not isinstance(v, pd.DataFrame)))
    case = pd.DataFrame([{k: r.get(k, np.nan) for k in scalar} for r in rows])
    for c in case.columns[case.dtypes == object]:
        case[c] = case[c].where(case[c].notna(), "").astype(str)  # a failed level has no solver status: ""
    points = pd.concat([r["points"].assign(system=r["system"], level=r["level"]) for r in rows], ignore_index=True)
    dso = pd.concat([r["dso"].assign(system=r["system"], level=r["level"]) for r in rows], ignore_index=True)
    units = {**CASE_UNITS, **{k: u for k, (_, u) in OUTCOME.items()}}
    store = to_dataset(case, "case", units=units)
    store.update(to_dataset(points, "pcc_row", "pt_", units=POINT_UNITS))
    # the DSO table's per-DSO ``dso_success`` replaces the case table's (all DSOs of a case succeeded), as in
    # every store written so far
    store.update(to_dataset(dso, "dso_row", "dso_", units=DSO_UNITS))
    store.attrs["anchors"] = anchors.as_attr(ANCHOR_KEYS)  # the yardstick the cases are judged by
    return store


def run(params: dict) -> xr.Dataset:
    """The chapter's store: `case_study` of every system of ``systems_list`` at every load level (`to_store`)."""
    check_params(params)
    rows = []
    for name in params["systems_list"]:
        r, _ = case_study(name, params["levels"], **{k: params[k] for k in CASE_STUDY_OPTIONS},
                          address=params["scheduler"] or None,
                          fit_options={"n_labelled": params["n_labelled"], "n_cost": params["n_cost"]})
        rows += r
    return to_store(rows)


# --------------------------------------------------------------------------- the case-study table
def _mismatch(t: pd.DataFrame) -> pd.Series:
    """The largest PCC mismatch per case in box-normalised units (``pcc_mismatch``). A store written before it was
    recorded has only a norm of mixed units (``pcc_mismatch_max``): values at most 1e-6 (no mismatch, the threshold
    the chapter's readers use) mean no mismatch in any metric and are kept, anything else is missing (NaN)."""
    if "pcc_mismatch" in t:
        return t.pcc_mismatch.astype(float)
    old = t.pcc_mismatch_max.astype(float)
    return old.where(old <= 1e-6)


def _ok(t: pd.DataFrame) -> pd.Series:
    """Per case: every solve succeeded (``status`` "ok"; a store written before the status was recorded only holds
    finished cases)."""
    return (t.status == "ok") if "status" in t else pd.Series(True, index=t.index)


REDUCTIONS = ("time_reduction_parallel_pct", "time_reduction_sum_pct", "time_reduction_cold_pct")
"""The case table's time reductions (%)."""

MEASURED = (*REDUCTIONS, "tso_time_s", "dso_time_max_s", "dso_cold_time_max_s", "wall_time_s")
"""The case table's columns a failed case has none of (`forlab.opf.outcome.unmeasured_when_failed`): its online
times and the reductions made of them (the integrated AC-OPF's time is the baseline's, kept)."""


def coordination_table(st: xr.Dataset):
    """The case-study table of a coordination store, in the form a paper prints (costs $/h, times ms).

    Returns (all case columns, the printed table, per-system means over the finished cases, with the number of
    failed ones). A failed case shows its status and no online time, reduction or violation count (`MEASURED`,
    `forlab.opf.judge.total_violations`). Stores written before the DSO warm start, the wall time or the status were
    recorded lack those columns; the table then leaves them out.
    """
    t = table(st, "case")
    t = unmeasured_when_failed(t, MEASURED, _ok(t))
    t["pcc_mismatch"] = _mismatch(t)
    cols = {
        "system": t.system, "load (%)": (100 * t.level).round(0).astype(int),
        "integrated cost ($/h)": t.integrated_cost.round(2),
        "integrated (ms)": (1e3 * t.integrated_solve_time_s).round(1),
        "proposed cost ($/h)": t.cost.round(2), "deviation (%)": t.deviation_pct.round(4),
        "TSO (ms)": (1e3 * t.tso_time_s).round(1), "DSO max (ms)": (1e3 * t.dso_time_max_s).round(1),
    }
    if "dso_cold_time_max_s" in t:
        cols["DSO max, cold start (ms)"] = (1e3 * t.dso_cold_time_max_s).round(1)
    if "wall_time_s" in t:
        cols["online wall (ms)"] = (1e3 * t.wall_time_s).round(1)
    cols.update({
        "time reduction (%)": t.time_reduction_parallel_pct.round(1),
        "time reduction, DSOs summed (%)": t.time_reduction_sum_pct.round(1),
    })
    if "time_reduction_cold_pct" in t:
        cols["time reduction, cold DSOs (%)"] = t.time_reduction_cold_pct.round(1)
    cols.update({
        MISMATCH_HEADER: t.pcc_mismatch.round(4),
        "violations": total_violations(t, _ok(t)),
        "offline (s)": t.offline_time_s.round(1),
    })
    if "status" in t:
        cols["status"] = t.status
    printed = pd.DataFrame(cols).set_index(["system", "load (%)"])
    ok = _ok(t)
    per_sys = t[ok].groupby("system", sort=False).agg(
        dev=("deviation_pct", "mean"), red=("time_reduction_parallel_pct", "mean"),
        red_max=("time_reduction_parallel_pct", "max"), viol=("feasible", lambda s: int((~s.astype(bool)).sum())))
    per_sys = per_sys.reindex(list(dict.fromkeys(t.system)))
    # a system with no finished case has no count (object NaN after the reindex): none of its cases violated
    per_sys["viol"] = pd.to_numeric(per_sys["viol"]).fillna(0).astype(int)
    per_sys["failed"] = (~ok).groupby(t.system).sum().reindex(per_sys.index).astype(int)
    return t, printed, per_sys


MISMATCH_HEADER = "PCC mismatch (box-normalised)"
"""The header of the case table's largest PCC mismatch per case (``pcc_mismatch``), with its unit as every header
has one."""

COST_COLUMNS = ("integrated cost ($/h)", "proposed cost ($/h)", "deviation (%)", MISMATCH_HEADER, "violations")
TIME_COLUMNS = ("integrated (ms)", "TSO (ms)", "DSO max (ms)", "DSO max, cold start (ms)", "time reduction (%)",
                "time reduction, DSOs summed (%)", "offline (s)")
"""The case-study table's columns in the two tables of `case_printables` (costs; solver times); the cold-DSO
reduction (``time_reduction_cold_pct``) is in the store's table ``case``, the online wall time in `wall_printable`."""

WALL_COLUMNS = {"integrated_wall_time_s": "integrated wall (ms)", "tso_wall_time_s": "TSO wall (ms)",
                "dso_wall_time_max_s": "DSO max wall (ms)", "wall_time_s": "online wall (ms)",
                "integrated_build_s": "integrated build (ms)", "tso_build_s": "TSO build (ms)"}
"""Columns of `wall_printable`: the case table's wall-clock and model-building times (s in the store)."""

CASE_TABLE_TITLES = (
    "**Costs per case** (\\$/h; deviation in %, PCC mismatch in box-normalised units):",
    "**Solver times per case** (ms, offline in s; the time reductions in %):",
    "**Wall clock and model building per case** (ms):",
)
"""The title of each table of `case_tables`, in their order."""

ITERATION_TABLE_TITLES = ("**Ipopt iterations per case:**", "**Time per Ipopt iteration per case** (ms):")
"""The title of each table of `iteration_tables`, in their order."""


CASE_INDEX = ["system", "load"]
"""The headers of a case table's index columns on the page: the system and its load level (in %)."""


def _case_index(index: pd.MultiIndex) -> pd.MultiIndex:
    """A case table's (system, load %) index as the page shows it (`forlab.book.tables.page_index`, `CASE_INDEX`)."""
    return page_index(index.get_level_values(0), index.get_level_values(1) / 100, names=CASE_INDEX)


def case_printables(printed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The case-study table of `coordination_table` in two tables that fit the page: costs (integrated optimum, the
    coordinated dispatch's true cost, deviation, PCC mismatch, violations) and solver times (ms; offline in s; the
    wall clock is in `wall_printable`), every number with its thousands grouped as the book groups them
    (`forlab.book.tables.grouped`: "5 163.67 $/h", as the anchors print a cost). Columns a store from before the
    cold start was recorded lacks are left out."""
    kinds = printed.dtypes.map(lambda d: d.kind)
    digits = {c: 2 if "($/h)" in c else 4 if c in ("deviation (%)", MISMATCH_HEADER) else 1 if k == "f" else 0
              for c, k in kinds.items() if k in "fiu"}  # a count (violations) whole
    shown = fixed_columns(printed, digits, group=tuple(digits))  # "0.0000", never "-0.0000"
    cost_cols = COST_COLUMNS + (("status",) if "status" in shown and (shown.status != "ok").any() else ())
    out = tuple(printable(shown, {c: c for c in cols if c in shown}) for cols in (cost_cols, TIME_COLUMNS))
    index = _case_index(printed.index)
    for frame in out:
        frame.index = index
    return out


def wall_printable(t: pd.DataFrame, printed: pd.DataFrame) -> pd.DataFrame:
    """The wall-clock and model-building times of every case (ms; `WALL_COLUMNS` that the store has), from the case
    columns ``t`` of `coordination_table`, with the index of its ``printed`` table; a failed case shows none."""
    cols = {c: h for c, h in WALL_COLUMNS.items() if c in t}
    shown = unmeasured_when_failed(t[list(cols)].copy(), list(cols), _ok(t))
    shown = fixed_columns(1e3 * shown.astype(float), dict.fromkeys(cols, 1), group=tuple(cols))  # s -> ms
    out = printable(shown, cols)
    out.index = _case_index(printed.index)
    return out


def case_tables(st: xr.Dataset) -> list[TitledTable]:
    """The case-study tables of a store as the page shows them, each under its title (`CASE_TABLE_TITLES`):
    costs, solver times (`case_printables`), and wall clock with model building (`wall_printable`), when the store
    has those."""
    t, printed, _ = coordination_table(st)
    tables = [*case_printables(printed), wall_printable(t, printed)]
    return [(title, frame) for title, frame in zip(CASE_TABLE_TITLES, tables) if len(frame.columns)]


def violations_text(st: xr.Dataset) -> str:
    """Markdown under a store's case tables when the store does not keep every count of
    `forlab.opf.judge.VIOLATION_KINDS` (`forlab.opf.judge.held_counts`): the kinds its column "violations" sums, the
    kinds it lacks, and that its feasibility verdict still checks those (`forlab.opf.judge.judge` sets ``feasible``
    from every kind, as it did at the commits that wrote the archived stores lacking a count). "" for a store that
    keeps them all, which the page's description of the column covers; a store that keeps none is said to sum none
    (there is no kind to list, and the column's zeros count nothing)."""
    held = held_counts(table(st, "case").columns)
    missing = [c for c in VIOLATION_COUNTS if c not in held]
    if not missing:
        return ""
    lacks = listed(VIOLATION_KINDS[c] for c in missing)
    sums = f"sums the {listed(VIOLATION_KINDS[c] for c in held)} counts only" if held else "sums none of them (a zero there counts nothing)"
    return (f"This store does not keep the {lacks} {'count' if len(missing) == 1 else 'counts'}: its column "
            f'"violations" {sums}. Its feasibility '
            f"verdict (`feasible`, by which the lines below count the load levels with violations) still includes the "
            f"{lacks} limits.")


def _no_or_counted(n: float, noun: str) -> str:
    """A count in a sentence: "no case" for none, else `forlab.book.tables.counted` ("1 case", "3 cases")."""
    return f"no {noun}" if round(float(n)) == 0 else counted(n, noun)


def _over_cases(n: int) -> str:
    """How a sentence about every case opens: "In the one case", "Over both cases", "Over all 15 cases"."""
    return {1: "In the one case", 2: "Over both cases"}.get(n, f"Over all {n} cases")


def coordination_summary(per_sys: pd.DataFrame) -> str:
    """Markdown bullet list of the per-system means (over the finished cases), the deviation beside the paper's
    bound, and the failed cases of a system, if any. The time reductions stand without the paper's best: the time
    verdict is said once, with what was timed, by `target_misses` (`_time_verdict`)."""
    return "\n".join(
        f"- **{s}**: mean cost deviation {r.dev:.4f} % (paper: at most {anchors.show('p1_deviation_pct')}), time "
        f"reduction {grouped(r.red, 1)} % on average and {grouped(r.red_max, 1)} % at best, "
        f"{_no_or_counted(r.viol, 'load level')} with violations "
        f"after the T+D power flow" + (f"; {counted(r.failed, 'load level')} failed (no deviation, see the table)."
                                       if r.get("failed", 0) else ".")
        for s, r in per_sys.iterrows())


def summary_text(per_sys: pd.DataFrame) -> str:
    """Markdown: `coordination_summary` under its heading sentence."""
    return "Per system, over the load levels:\n\n" + coordination_summary(per_sys)


def _best_reduction(per_sys: pd.DataFrame) -> tuple[str, float] | None:
    """The best time reduction (%) over all systems and load levels and the system it was reached on, the figure the
    paper's "up to" compares with; None when no load level finished."""
    best = per_sys.red_max.astype(float).dropna()
    return None if best.empty else (str(best.idxmax()), float(best.max()))


def _time_target_met(per_sys: pd.DataFrame) -> bool:
    """Whether the best reduction over all systems and load levels reaches the paper's best (no finished level: no)."""
    best = _best_reduction(per_sys)
    return best is not None and anchors.anchor("p1_time_reduction_pct").met(best[1])


def _deviation_ok(per_sys: pd.DataFrame, target_pct: float) -> pd.Series:
    """Per system, whether its mean cost deviation meets ``target_pct``: the one verdict `coordination_targets` and
    `target_misses` both say. A system with a failed level does not meet it; a ``per_sys`` without ``failed`` (an
    older summary) counts none failed."""
    failed = per_sys["failed"] if "failed" in per_sys else pd.Series(0, index=per_sys.index)
    return (per_sys.dev <= target_pct) & (failed == 0)


def coordination_targets(per_sys: pd.DataFrame, target_pct: float = TARGET_DEVIATION_PCT) -> str:
    """The verdict line of `target_misses`: which targets the per-system means meet and which they miss (the mean
    cost deviation per system, every level finished; the best time reduction over all systems and load levels
    against the paper's best, its "up to"; no violations). The time item only points to the line that says the
    verdict with its numbers and conditions (`_time_verdict`), so the page says it once."""
    dev_ok = _deviation_ok(per_sys, target_pct)
    n_viol = int(per_sys.viol.sum())
    met, missed = [], []
    (met if dev_ok.all() else missed).append(
        f"mean cost deviation at most {target_pct:g} % ({int(dev_ok.sum())} of {counted(len(per_sys), 'system')}"
        + (f"; missed on {listed(per_sys.index[~dev_ok])})" if (~dev_ok).any() else ")"))
    (met if _time_target_met(per_sys) else missed).append(
        f"the paper's best time reduction, {anchors.show('p1_time_reduction_pct')} (the line \"time\" below gives "
        "the best reduction and what was timed)")
    (met if n_viol == 0 else missed).append("no violation after the T+D power flow" + (
        f" ({counted(n_viol, 'load level')} with violations)" if n_viol else ""))
    return f"Met: {'; '.join(met) if met else 'none'}. Missed: {'; '.join(missed) if missed else 'none'}."


NEAR_BOUND_SHARE = 0.5
"""A system's mean deviation within this share of the paper's bound, either side of it, lies close to the bound:
another offer of the same DS can put it on the other side (`_bound_margin`); a threshold of the text, not of the
paper."""


def _bound_margin(per_sys: pd.DataFrame, target_pct: float) -> str:
    """The deviation line of `target_misses`: which systems' means lie close to the bound (`NEAR_BOUND_SHARE`), so
    that their verdict holds for the offers drawn only, and which meet or miss it by a wide margin."""
    dev = per_sys.dev.astype(float).dropna()
    if dev.empty:
        return ""
    share = dev / target_pct
    near, below, above = (dev[(share - 1).abs() <= NEAR_BOUND_SHARE], dev[share < 1 - NEAR_BOUND_SHARE],
                          dev[share > 1 + NEAR_BOUND_SHARE])

    def of_bound(v):
        return f"{v:.4f} % ({100 * v / target_pct:.0f} % of the bound)"

    parts = []
    if len(near):
        one = len(near) == 1
        parts.append(f"on {listed(near.index)} the mean{'' if one else 's'}, {listed(of_bound(v) for v in near)}, "
                     f"{'lies' if one else 'lie'} close to the bound, so the verdict there holds for the offers this "
                     "run drew ({doc}`08_sensitivity` builds P1's offers with other budgets)")
    if len(below):
        if len(below) == 1:
            who = "the other system" if len(near) else below.index[0]
        else:
            who = ("the other " if len(near) else "all " if len(below) == len(dev) else "") + counted(len(below),
                                                                                                   "system")
        parts.append(f"{who} {'meets' if len(below) == 1 else 'meet'} it by a wide margin, at most "
                     f"{of_bound(below.max())}")
    if len(above):
        parts.append(f"{listed(above.index)} {'misses' if len(above) == 1 else 'miss'} it by a wide margin, at "
                     f"least {of_bound(above.min())}")
    return "- deviation: " + "; ".join(parts) + "."


ONLINE_TIME = f"{plots.METHOD_STYLE['P1']['label']}, online time"
"""The legend entry of P1's times in `deviation_figure`: the glossary's online time (the TSO's solve plus the
slowest DSO's), named as every chapter names the method (`forlab.book.plots.METHOD_STYLE`)."""


KEY_GREY = "#595959"
"""The line of a method's key in `deviation_figure`'s legend: no system's colour (`forlab.book.plots.SYSTEM_COLOURS`)
and darker than the paper bound's grey, for a line that each system draws in its own colour."""


def deviation_figure(t: pd.DataFrame):
    """Per system against the load level: the cost deviation (%) with the paper's bound, and the solver times (ms)
    of the integrated AC-OPF (dashed) and P1's online time, the TSO plus the slowest DSO (solid; `ONLINE_TIME`),
    with the two methods' markers of `forlab.book.plots.METHOD_STYLE`; a log time axis only where the times span a
    decade or more (`_time_scale`); one colour per system, none of them a method's
    (`forlab.book.plots.SYSTEM_COLOURS`: in the book's blue, a system's lines read as P1's), and one legend for both
    panels (``t`` from `coordination_table`). The integrated AC-OPF's markers are its black, as in the legend and
    every chapter; its dashed line keeps the system's colour, so that with several systems each dashed line still
    pairs with the solid line it is compared with."""
    fig, ax = plt.subplots(1, 2, figsize=(7.5, 3.4))
    colors = plots.SYSTEM_COLOURS
    central, p1 = plots.METHOD_STYLE["integrated"], plots.METHOD_STYLE["P1"]
    handles = []
    for (s_name, g), color in zip(t.groupby("system", sort=False), colors * 10):
        ax[0].plot(100 * g.level, g.deviation_pct, marker=p1["marker"], color=color, label=s_name)
        ax[1].plot(100 * g.level, 1e3 * g.integrated_solve_time_s, marker=central["marker"], linestyle="--",
                   color=color, markerfacecolor=central["color"], markeredgecolor=central["color"])
        ax[1].plot(100 * g.level, 1e3 * g.solve_time_s, marker=p1["marker"], color=color)
        handles.append(Line2D([], [], color=color, linewidth=6, label=s_name))
    ax[0].axhline(TARGET_DEVIATION_PCT, **plots.BOUND_LINE)
    # the methods' keys: their line style and marker on a line of no system's colour (each system draws both in its
    # own), the integrated AC-OPF's marker black as drawn
    handles += [Line2D([], [], **plots.BOUND_LINE, label=plots.P1_BOUND),
                Line2D([], [], color=KEY_GREY, marker=central["marker"], linestyle="--",
                       markerfacecolor=central["color"], markeredgecolor=central["color"], label=central["label"]),
                Line2D([], [], color=KEY_GREY, marker=p1["marker"], linestyle="-", label=ONLINE_TIME)]
    ax[0].set_ylabel("cost deviation (%)")
    ax[1].set_ylabel("solver time (ms)")  # the glossary's word for Ipopt's own time, as the tables say
    if _time_scale(t) == "log":
        ax[1].set_yscale("log")
        ax[1].autoscale_view()
        plots.log_ticks(ax[1].yaxis)  # 1, 2, 5 x 10^k, or round numbers such as 12, 14, 16 on a short axis
    levels = sorted(set(np.rint(100 * t.level).astype(int)))
    for a_ in ax:
        a_.set_xlabel("load level (% of nominal)")
        a_.set_xticks(levels)
    fig.legend(handles=handles, loc="lower center", ncol=min(3, len(handles)), fontsize=9)
    n_rows = -(-len(handles) // 3)
    fig.tight_layout(rect=(0, 0.075 * n_rows, 1, 1))
    return fig


def _time_scale(t: pd.DataFrame) -> str:
    """"log" where the solver times `deviation_figure` draws span a factor of ten or more (systems of very different
    sizes), else "linear": a log axis over less than a decade gets one or two labels and reads as flat."""
    ms = pd.concat([t.integrated_solve_time_s, t.solve_time_s]).astype(float)
    ms = ms[np.isfinite(ms) & (ms > 0)]
    return "log" if len(ms) and ms.max() >= 10 * ms.min() else "linear"


# --------------------------------------------------------------------------- where the time goes
def _iteration_row(r: pd.Series, s: pd.Series) -> dict:
    """One row of `coordination_iterations`: case ``r`` and its slowest DSO ``s``."""
    return {
        "system": r.system, "load (%)": int(np.rint(100 * r.level)),
        "integrated: iterations": int(r.integrated_iterations),
        "integrated: ms": 1e3 * r.integrated_solve_time_s,
        "integrated: ms/iteration": 1e3 * r.integrated_solve_time_s / max(int(r.integrated_iterations), 1),
        "TSO: iterations": int(r.tso_iterations), "TSO: ms": 1e3 * r.tso_time_s, "slowest DSO": s.ds,
        "DSO warm: iterations": int(s.iterations), "DSO start": s.start,
        "DSO start distance": s.start_distance, "DSO cold: iterations": int(s.cold_iterations),
        "DSO: ms": 1e3 * s.solve_time_s, "DSO: ms/iteration": 1e3 * s.solve_time_s / max(int(s.iterations), 1),
        **({"DSO warm - cold cost": s.fpu_cost - s.cold_fpu_cost} if "cold_fpu_cost" in s else {}),
        **({"buses": r.n_bus} if "n_bus" in r else {}),
    }


def coordination_iterations(st: xr.Dataset) -> pd.DataFrame | None:
    """Per case: Ipopt iterations and solver time of the integrated AC-OPF, the TSO's FOR-based OPF and the slowest
    DSO (from the start it chose offline, library or cold, and from a cold start), with the per-iteration time
    (ms); None for stores without them."""
    t = table(st, "case")
    d = table(st, "dso_row", "dso_")
    if "integrated_iterations" not in t or "iterations" not in d:
        return None
    t = t[_ok(t)]  # a failed case has no full set of solves to count
    slow = d.loc[d.groupby(["system", "level"]).solve_time_s.idxmax()].set_index(["system", "level"])
    out = pd.DataFrame([_iteration_row(r, slow.loc[(r.system, r.level)]) for _, r in t.iterrows()])
    # unrounded: the notes average these, and a mean of rounded cases can round the other way than the cases' own
    # mean (a review found one TSO time as "6 ms" in this note and "7 ms" in `_time_line`); `iteration_printables`
    # rounds what the page shows
    return out.set_index(["system", "load (%)"])


RATES = {"integrated: ms/iteration": ("integrated: ms", "integrated: iterations"),
         "DSO: ms/iteration": ("DSO: ms", "DSO warm: iterations")}
"""The per-iteration times of `coordination_iterations`, each with the time and the iterations it divides."""


def system_means(it: pd.DataFrame) -> pd.DataFrame:
    """Per system, the means over its load levels of `coordination_iterations`, each per-iteration time (`RATES`)
    the mean time over the mean iterations, so that iterations times rate give the time the page states beside
    them: a mean of the levels' own rates does not (a review found "27 iterations ... at 6.1 ms each" beside a
    DSO time of 185 ms). The iteration note and the time line both read these."""
    g = it.groupby(level="system", sort=False).mean(numeric_only=True)
    for rate, (ms, n) in RATES.items():
        g[rate] = g[ms] / g[n].clip(lower=1)
    return g


ITERATION_COLUMNS = {
    "integrated: iterations": "integrated AC-OPF (iterations)", "TSO: iterations": "TSO (iterations)",
    "DSO warm: iterations": "slowest DSO, chosen start (iterations)",
    "DSO cold: iterations": "that DSO, cold start (iterations)",
}
"""Columns of the first table of `iteration_printables` (Ipopt iterations). "That DSO" is the one slowest from its
chosen start, whose cold start need not be the slowest (the time table's "DSO max, cold start (ms)" can be another
DSO's)."""

PER_ITERATION_COLUMNS = {
    "slowest DSO": "slowest DS", "integrated: ms/iteration": "integrated AC-OPF (ms/iteration)",
    "DSO: ms/iteration": "slowest DSO (ms/iteration)",
}
"""Columns of the second table of `iteration_printables`; the DSO's start and its distance are in the store
(``dso_start``, ``dso_start_distance``), the warm-cold cost difference in the note under the tables."""


def iteration_printables(it: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`coordination_iterations` as the page shows it, in two tables that each fit the column: Ipopt iterations of
    the integrated AC-OPF, the TSO and the slowest DSO (from its chosen start, and cold); then which DSO was slowest and
    the time per iteration (ms) of the integrated AC-OPF and of that DSO; thousands grouped
    (`forlab.book.tables.grouped`)."""
    digits = {**dict.fromkeys(ITERATION_COLUMNS, 0), "integrated: ms/iteration": 2, "DSO: ms/iteration": 2}
    shown = fixed_columns(it, digits, group=tuple(digits))
    index = _case_index(it.index)
    out = printable(shown, ITERATION_COLUMNS), printable(shown, PER_ITERATION_COLUMNS)
    for frame in out:
        frame.index = index
    return out


def iteration_tables(it: pd.DataFrame) -> list[TitledTable]:
    """`iteration_printables`, each under its title (`ITERATION_TABLE_TITLES`)."""
    return list(zip(ITERATION_TABLE_TITLES, iteration_printables(it)))


ONE_SYSTEM = "the one system of this run"
"""How a sentence calls the system of a run of one (`_focus_system`)."""


def _focus_system(names, buses: pd.Series | None) -> tuple[str, str]:
    """The system a sentence about "the largest system" is about, and how to call it: the one with the most buses
    when ``buses`` (per system name) has them, else the last of ``names`` ("the last system listed": a store
    written before the bus counts were recorded cannot tell the largest); a single system is "the one system of
    this run"."""
    names = list(names)
    if len(names) == 1:
        return names[0], ONE_SYSTEM
    sizes = None if buses is None else buses.reindex(names).astype(float).dropna()
    if sizes is None or sizes.empty:
        return names[-1], "the last system listed"
    name = str(sizes.idxmax())
    return name, f"the largest system ({grouped(sizes[name])} buses)"


def _budget_note(name: str, which: str, last: pd.Series) -> str:
    """What a reduction as large as the paper's best would ask of the DSO on system ``name`` (``which``: how the
    sentence calls it, `_focus_system`; its means ``last``): its time budget after the TSO's solve, in iterations at
    its own rate."""
    t_int = last["integrated: ms"]
    left_pct = 100 - TARGET_REDUCTION_PCT  # the share of the integrated time a coordination meeting the target may use
    budget = left_pct / 100 * t_int - last["TSO: ms"]
    where = name if which == ONE_SYSTEM else f"{which}, {name}"
    out = (f"\n\nFor a {anchors.show('p1_time_reduction_pct')} reduction on {where}, the TSO and the "
           f"slowest DSO together would have to finish within {left_pct:.2f} % of the integrated AC-OPF's "
           f"{grouped(t_int)} ms; ")
    if budget > 0:
        return out + (
            f"after the TSO's {grouped(last['TSO: ms'])} ms that leaves the DSO {grouped(budget)} ms, about "
            f"{grouped(budget / last['DSO: ms/iteration'])} iterations at its {last['DSO: ms/iteration']:.1f} ms per "
            f"iteration, against the {grouped(last['DSO warm: iterations'])} it needs from its chosen start (means "
            f"over the load levels).")
    return out + (f"the TSO alone takes {grouped(last['TSO: ms'])} ms, which leaves the DSO no time at all (means "
                  f"over the load levels).")


TIME_NOTE_HEAD = ("Per system over its load levels, the mean iterations and, per iteration, the total time over the "
                  "total iterations (a mean of the table's per-level times per iteration can differ from it):")
"""The heading sentence of `coordination_time_note`: says what its time per iteration is (`system_means`), so that
the note agrees with the per-level table above it by construction, not by the reader's own mean."""


def coordination_time_note(it: pd.DataFrame) -> str:
    """Markdown: per system (`TIME_NOTE_HEAD`), mean iterations and the total time over the total iterations of the
    integrated AC-OPF and of the slowest DSO (warm and cold), from `coordination_iterations`; how far apart the slowest DSOs' costs from the two starts are
    (`_start_costs`); the budget a reduction as large as the paper's best would leave the DSO on the system with
    the most buses, or the last listed for a store without bus counts (`_focus_system`)."""
    g = system_means(it)
    lines = [
        f"- **{s}**: integrated {grouped(r['integrated: iterations'])} iterations at "
        f"{r['integrated: ms/iteration']:.1f} ms; slowest DSO {grouped(r['DSO warm: iterations'])} iterations from its "
        f"chosen start ({grouped(r['DSO cold: iterations'])} cold) at {r['DSO: ms/iteration']:.1f} ms; TSO "
        f"{grouped(r['TSO: iterations'])} iterations."
        for s, r in g.iterrows()]
    warm, cold = it["DSO warm: iterations"].to_numpy(float), it["DSO cold: iterations"].to_numpy(float)
    nearest = int((it["DSO start"] == "nearest").sum())
    name, which = _focus_system(g.index, g.get("buses"))
    return (TIME_NOTE_HEAD + "\n\n" + "\n".join(lines) + "\n\n"
            f"{_over_cases(len(it))} the chosen start needs {warm.sum() / max(cold.sum(), 1):.2f}x the "
            f"iterations of a cold start; {_nearest_text(nearest)}" + _start_costs(it)
            + _budget_note(name, which, g.loc[name]))


def _start_costs(it: pd.DataFrame) -> str:
    """The largest difference between the cost the slowest DSO of a case reaches from its chosen start and from a
    cold start (the rows of `coordination_iterations` hold that DSO only, so the sentence says so); "" without."""
    diff = np.abs(it["DSO warm - cold cost"].to_numpy(float)) if "DSO warm - cold cost" in it else np.array([])
    if not np.isfinite(diff).any():
        return ""
    return (" The costs the slowest DSO of each case reaches from its chosen start and from a cold start differ by "
            f"at most {np.nanmax(diff):.1e} \\$/h (the other DSOs' two costs are not compared here).")


def start_choice_text(st: xr.Dataset) -> str:
    """Markdown: how the DSOs chose their online start offline (`forlab.p1_for.coordinate.DSOAgent.choose_start`:
    both starts timed at held-out library points, the faster in total kept), which kept the cold start, with the
    trials' totals that decided it, and where a library start that won its trials was slower online than the cold
    start timed beside it (`_lost_words`); "" for a store without the evidence (written before it was recorded)."""
    d = table(st, "dso_row", "dso_")
    if "start_rule" not in d:
        return ""
    measured = d[d.start_rule == "measured"]
    if measured.empty:
        return ""
    cold = measured[measured.start_choice == "cold"]
    trials = counted(measured.start_trials.max(), "held-out point")
    text = (f"Each DSO chose its online start offline, timing the library start and the cold start at up to {trials} "
            f"of its library and keeping the faster in total (`forlab.p1_for.coordinate.DSOAgent.choose_start`): "
            f"{'none' if cold.empty else len(cold)} of the {len(measured)} (one per DS and load level) kept the cold "
            "start"
            + (f", {listed(_choice_item(r) for r in cold.itertuples())}" if len(cold) else "") + ".")
    warm = measured[measured.start == "warm"]
    lost = warm[warm.solve_time_s > warm.cold_solve_time_s]
    if len(lost):
        text += (" The trials predict a request only on average: the library start, where chosen, was slower online "
                 f"than the cold start timed beside it in {len(lost)} of its {len(warm)} dispatches" + _lost_words(lost))
    return text


def _lost_words(lost: pd.DataFrame) -> str:
    """The end of `start_choice_text`'s sentence on the library starts that lost online (``lost``, DSO rows): the one
    dispatch itself, or, of several, the one that lost by the most ("by the most" needs more than one to compare)."""
    if len(lost) == 1:
        return f": {_online_item(lost.iloc[0])}."
    return f", by the most for {_online_item(lost.loc[(lost.solve_time_s - lost.cold_solve_time_s).idxmax()])}."


def _choice_item(r) -> str:
    """One DSO's start choice by its trials' totals, in words (ms and iterations of each start), said to be totals
    over its trials: beside the online solve, one of them, a total reads as a single solve several times slower."""
    return (f"{r.ds} of {r.system} at {100 * r.level:.0f} % (over its {counted(r.start_trials, 'trial')}: library "
            f"{grouped(1e3 * r.start_trial_warm_s, 1)} ms in {grouped(r.start_trial_warm_iterations)} iterations, "
            f"cold {grouped(1e3 * r.start_trial_cold_s, 1)} ms in {grouped(r.start_trial_cold_iterations)})")


def _online_item(r: pd.Series) -> str:
    """One DSO's online dispatch from the library start against the cold start, in words."""
    return (f"{r.ds} of {r.system} at {100 * r.level:.0f} % ({grouped(1e3 * r.solve_time_s, 1)} ms in "
            f"{grouped(r.iterations)} iterations against {grouped(1e3 * r.cold_solve_time_s, 1)} ms in "
            f"{grouped(r.cold_iterations)})")


def _nearest_text(n: int) -> str:
    """How many cases asked a DSO for a point its grid cannot deliver, and what the DSO does then."""
    if n == 0:
        return ("no case asked the DSO for a point its grid cannot deliver (at such a point it would first fail, then "
                "solve the projection and the cost OPF at the nearest point).")
    return (f"{counted(n, 'case')} asked the DSO for a point its grid cannot deliver, where it first fails, then "
            "solves the projection and the cost OPF at the nearest point.")


# --------------------------------------------------------------------------- where the PCC points land
def pcc_points(st: xr.Dataset) -> pd.DataFrame:
    """Per case and DS: the TSO's PCC point, the offer's f and price there, the DSO's mismatch, true FPU cost and
    status, and the offered minus the true cost."""
    pcc = table(st, "pcc_row", "pt_")
    dso = table(st, "dso_row", "dso_")
    pcc = pcc.merge(dso[["system", "level", "ds", "mismatch", "fpu_cost", "status"]], on=["system", "level", "ds"])
    return pcc.assign(offer_vs_true_cost=pcc.offer_cost - pcc.fpu_cost)


PCC_COLUMNS = {"ds": "DS", "p_mw": "P (MW)", "q_mvar": "Q (Mvar)", "vm_pu": "V (p.u.)", "f": "f + m",
               "fpu_cost": "true cost ($/h)", "offer_vs_true_cost": "offered − true ($/h)",
               "mismatch": "mismatch (box-normalised)"}
"""Columns of `pcc_printable`; the TS bus, the offered cost and the DSO's solver status are in `pcc_points`."""


def pcc_printable(pts: pd.DataFrame) -> pd.DataFrame:
    """`pcc_points` as the page shows it, one row per case and DS: the TSO's point, f + m of the offer there (<= 0:
    inside the offer), the DSO's true cost, the offered minus the true cost and the PCC mismatch; thousands grouped
    (`forlab.book.tables.grouped`)."""
    digits = {"p_mw": 2, "q_mvar": 2, "vm_pu": 4, "f": 4, "fpu_cost": 2, "offer_vs_true_cost": 2, "mismatch": 4}
    shown = fixed_columns(pts, digits, group=tuple(digits))  # "0.0000", never "-0.0000" for a point on the surface
    out = printable(shown, PCC_COLUMNS)
    out.index = page_index(pts.system, pts.level, names=CASE_INDEX)
    return out


SURFACE_TOL = 1e-6
"""A PCC point with |f + m| within this lies on the offered region's surface: the TSO's solver meets the region
constraint to its tolerance, not exactly (`surface_text`, `_mismatch_cause`)."""


def _violation_line(r: pd.Series, pts: pd.DataFrame) -> str:
    """A case with a violation or a PCC mismatch: which DSs could not deliver and where the TSO's point lay
    (`_mismatch_cause`), and the power flow's violations; with no mismatch, the violations without a cause."""
    bad = pts[(pts.system == r.system) & (pts.level == r.level) & (pts.mismatch > 1e-6)]
    flows = (f"{violation_words(r)} (largest voltage violation {r.max_vm_violation_pu:.4f} p.u., largest generator "
             f"violation {grouped(r.max_gen_violation_mw, 2)} MW)")
    head = f"- {r.system} at {100 * r.level:.0f} % load: "
    if bad.empty:
        return (head + f"no DSO reports a PCC mismatch, yet the T+D power flow shows {flows}; the store does not "
                "say which part of the coordination caused them.")
    return head + _mismatch_cause(bad) + f" The T+D power flow then shows {flows}."


def _mismatch_cause(bad: pd.DataFrame) -> str:
    """The DSs that could not deliver the TSO's point, by where it lay: inside their offer (f + m at most
    `SURFACE_TOL`: a false-feasible point of the offer), outside it, or, for a store without f, not said."""
    def who(rows):
        return listed(f"{b.ds} (" + (f"f + m = {b.f:.1e} at the chosen point, " if "f" in b else "")
                      + f"mismatch {b.mismatch:.3f})" for _, b in rows.iterrows())

    parts = []
    if "f" not in bad:  # a store without f + m cannot tell where the point lay
        parts.append(f"the DSO of {who(bad)} could not deliver the TSO's point")
    else:
        inside, outside = bad[bad.f <= SURFACE_TOL], bad[bad.f > SURFACE_TOL]
        if len(inside):
            parts.append(f"the TSO's point lies inside the offer but outside the real FOR of {who(inside)}, a "
                         "false-feasible point of the offer, the error chapter 04 measures")
        if len(outside):
            parts.append(f"the TSO's point lies outside the offer of {who(outside)}, which its solve should not "
                         "have allowed")
    return "; ".join(parts) + "; the DSO delivers the nearest feasible point and the TS slack covers the difference."


def surface_text(pts: pd.DataFrame) -> str:
    """Markdown under the PCC table: how many of the TSO's points (`pcc_points`) lie on the offered region's surface
    (|f + m| at most `SURFACE_TOL`), how many inside it, with their range of f + m, and how many outside."""
    on, inside, out = (pts[pts.f.abs() <= SURFACE_TOL], pts[pts.f < -SURFACE_TOL], pts[pts.f > SURFACE_TOL])
    text = (f"Of the {counted(len(pts), 'PCC point')} the TSO chose, {_no_or_counted(len(on), 'point')} "
            f"{'lies' if len(on) <= 1 else 'lie'} on the offered region's surface ($|f + m|$ at most {SURFACE_TOL:.0e}) "
            f"and {_no_or_counted(len(inside), 'point')} inside it")
    if len(inside):
        text += f" ($f + m$ from {inside.f.min():.3f} to {inside.f.max():.3f})"
    if len(out):
        text += f"; {counted(len(out), 'point')} outside it ($f + m$ up to {out.f.max():.1e})"
    return text + "."


def _slope_rows(g: pd.DataFrame, dso: pd.DataFrame) -> pd.DataFrame | None:
    """The TSO's points ``g`` with the offered and the true marginal price of import there and the offered one's
    error in % of the true one (``slope_err_pct``); None for stores from before the slopes were recorded."""
    if "true_slope_p" not in dso:
        return None
    gs = g.merge(dso[["system", "level", "ds", "offer_slope_p", "true_slope_p"]], on=["system", "level", "ds"])
    with np.errstate(divide="ignore", invalid="ignore"):
        err = 100 * np.abs(gs.offer_slope_p - gs.true_slope_p) / np.abs(gs.true_slope_p)
    return gs.assign(slope_err_pct=err)


def _label(level: float, ds: str, many: bool) -> str:
    """A TSO point in a sentence: its load level ("80 %"), with its DS when the system has several ("80 % (case69)")."""
    return f"{100 * level:.0f} %" + (f" ({ds})" if many else "")


def _where(rows: pd.DataFrame, many: bool) -> str:
    """The points of ``rows`` as words: "80 % and 100 % load", or with their DSs "80 % (case69) and 100 % (case69)"."""
    names = [_label(r.level, r.ds, many) for r in rows.itertuples()]
    return (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]) + ("" if many else " load")


def _slopes(gs: pd.DataFrame | None, many: bool) -> str:
    """The offered against the true marginal price of import at the TSO's points (`_slope_rows`; empty without)."""
    if gs is None:
        return ""
    return (" Its marginal price of import there, the slope the TSO trades against, is "
            + ", ".join(f"{_label(r.level, r.ds, many)}: offered {grouped(-r.offer_slope_p, 1)} against true "
                        f"{grouped(-r.true_slope_p, 1)} ({grouped(r.slope_err_pct, 1)} % off)" for r in gs.itertuples())
            + " \\$/MWh (what one more MW imported saves the DSO).")


_REGION_CAUSE = ("the deviation can come from the region itself: the offer is shrunk by a safety margin (the margin $m$ of "
                 "{doc}`04_for_representation`), and the integrated optimum may lie in the part of the FOR it gives up; "
                 "the store does not measure this, so it is a possibility, not a finding.")
_SLOPE_CAUSE = ("the TSO trades DS flexibility against its own generators at the wrong rate (a convex quadratic over "
                "(P, Q, V) cannot follow the kinks of the DS cost where FPUs reach their limits)")


def _causes(gs: pd.DataFrame | None, many: bool) -> str:
    """Why the deviation, as far as the slopes show it: the wrong rate where the offered slope is off by more than
    `SLOPE_AGREES_PCT`, the region where it agrees; both as possibilities for a store without slopes."""
    if gs is None:
        return (f" When the offered slope is off, {_SLOPE_CAUSE}; where it agrees, {_REGION_CAUSE}")
    off, agree = gs[gs.slope_err_pct > SLOPE_AGREES_PCT], gs[gs.slope_err_pct <= SLOPE_AGREES_PCT]
    out = ""
    if len(off):
        out += (f" At {_where(off, many)} the offered slope is off by more than {SLOPE_AGREES_PCT:g} %: there "
                f"{_SLOPE_CAUSE}.")
    if len(agree):
        out += (f" At {_where(agree, many)} the slopes agree within {SLOPE_AGREES_PCT:g} %, so the slope in P does "
                f"not explain it there (the price's slopes in Q and V are not compared); {_REGION_CAUSE}")
    return out


def _deviation_line(name: str, r: pd.Series, t: pd.DataFrame, pts: pd.DataFrame, dso: pd.DataFrame,
                    target_pct: float) -> str:
    """A system whose mean deviation misses the target: per load level its deviation, offered against true cost
    and slope, and the cause the slopes point to (`_causes`)."""
    g = pts[pts.system == name]
    many = g.ds.nunique() > 1
    errs = ", ".join(f"{_label(lv, ds, many)}: offered {grouped(oc, 1)} against true {grouped(tc, 1)}"
                     for lv, ds, oc, tc in zip(g.level, g.ds, g.offer_cost, g.fpu_cost))
    dev = t[t.system == name].set_index("level").deviation_pct
    gs = _slope_rows(g, dso)
    return (
        f"- {name}: mean deviation {r.dev:.4f} % (per load level "
        + ", ".join(f"{100 * lv:.0f} %: {v:.4f} %" for lv, v in dev.items())
        + f") against the target of {target_pct} %.{_carried(dev, gs, target_pct)} The offered quadratic price at "
        f"the point the TSO chose differs from the DSO's true cost there ({errs}, in \\$/h).{_slopes(gs, many)}"
        + _causes(gs, many))


def _carried(dev: pd.Series, gs: pd.DataFrame | None, target_pct: float) -> str:
    """Which load levels carry a system's miss (those above the target; the largest where none is alone) and whether
    the store measures a cause there: an offered slope off by more than `SLOPE_AGREES_PCT` at one of its DSs; "the
    slopes were not recorded" for a store without them."""
    levels = dev[dev > target_pct]
    carrying = levels if len(levels) else dev[[dev.astype(float).idxmax()]]
    where = listed(f"{100 * lv:.0f} %" for lv in carrying.index)
    head = (f" The miss is carried by the load level{'s' if len(carrying) > 1 else ''} {where}"
            + ("" if len(levels) else " (no level alone lies above the target; this is the largest)"))
    if gs is None:
        return head + ": the store does not record the slopes, so it measures no cause there."
    off_levels = sorted(set(gs[gs.level.isin(carrying.index) & (gs.slope_err_pct > SLOPE_AGREES_PCT)].level))
    plain = [lv for lv in carrying.index if lv not in off_levels]
    out = []
    if off_levels:
        at = "at each" if not plain and len(off_levels) > 1 else f"at {listed(f'{100 * lv:.0f} %' for lv in off_levels)}"
        out.append(f"{at} the offered slope is off by more than "
                   f"{SLOPE_AGREES_PCT:g} %, the cause the store measures")
    if plain:
        at = "there" if not off_levels else f"at {listed(f'{100 * lv:.0f} %' for lv in plain)}"
        out.append(f"{at} the offered slope agrees with the true one "
                   f"within {SLOPE_AGREES_PCT:g} %, and the store measures no cause of the miss")
    return head + ": " + "; ".join(out) + "."


def coordination_misses(st: xr.Dataset, target_pct: float = TARGET_DEVIATION_PCT) -> str:
    """Markdown: every case with a violation or a PCC mismatch, and every system whose mean deviation exceeds the
    target, each with the store's numbers that explain it (offered vs true DS cost at the chosen PCC point)."""
    t, _, per_sys = coordination_table(st)
    pcc = table(st, "pcc_row", "pt_")
    dso = table(st, "dso_row", "dso_")
    pts = pcc.merge(dso[["system", "level", "ds", "mismatch", "fpu_cost", "start"]], on=["system", "level", "ds"])
    done = t[_ok(t)]
    lines = [_violation_line(r, pts) for _, r in done[(~done.feasible.astype(bool)) | (done.pcc_mismatch > 1e-6)].iterrows()]
    lines += [f"- {r.system}: {r.status}." for _, r in t[~_ok(t)].iterrows()]
    lines += [_deviation_line(s, r, t, pts, dso, target_pct) for s, r in per_sys[per_sys.dev > target_pct].iterrows()]
    return "\n".join(lines) if lines else ("No case has a violation or a PCC mismatch after the T+D power flow, "
                                            "and every system's mean cost deviation is within the target.")


def _printed_ms(online: float, allowed: float, integrated: float) -> tuple[tuple[str, str, str], str]:
    """The time verdict's three times (ms) as it prints them and the gap between the first two, computed from the
    printed values so that a reader who subtracts them gets the printed gap (a gap of the unrounded times, at more
    decimals than the times, did not match them): at one decimal, or more where one decimal would print no gap."""
    for decimals in (1, 2, 3):
        a, b = (float(f"{x:.{decimals}f}") for x in (online, allowed))
        if a != b:
            break
    return tuple(grouped(x, decimals) for x in (a, b, integrated)), grouped(abs(a - b), decimals)


def _time_verdict(st: xr.Dataset, per_sys: pd.DataFrame) -> str:
    """The time verdict, said once on the page: the best reduction over all systems and load levels against the
    paper's best (the rule of `_time_target_met`), met or missed in ms beside the %: the TSO's and the slowest DSO's
    time on that case against the share of the integrated AC-OPF's time that the paper's best leaves them; then its
    conditions: what is timed, how the DSOs start (and the reduction of the same case with every DSO started cold,
    ``time_reduction_cold_pct``), and that the paper's abstract does not say what it timed."""
    t = table(st, "case")
    done = t[_ok(t) & t.time_reduction_parallel_pct.notna()]
    c = done.loc[done.time_reduction_parallel_pct.astype(float).idxmax()]  # the case of `_best_reduction`
    # the online time the reduction was computed from (`forlab.p1_for.coordinate`: the TSO, then the slowest DSO)
    online, integrated = 1e3 * c.solve_time_s, 1e3 * c.integrated_solve_time_s
    allowed = (100 - TARGET_REDUCTION_PCT) / 100 * integrated  # the online time a reduction of the paper's best allows
    (online, allowed, integrated), gap = _printed_ms(online, allowed, integrated)
    by = f"missed by {gap} ms" if not _time_target_met(per_sys) else f"met with {gap} ms to spare"
    repeats = f", the fastest of {counted(t.timing_repeats.max(), 'solve')}" if "timing_repeats" in t else ""
    d = table(st, "dso_row", "dso_")
    library = "start" not in d or (d.start != "cold").any()
    start = ("each DSO starts from its offline library of cost-OPF solutions (or cold, where its offline trials chose "
             "that), the integrated AC-OPF from a power flow" if library else "every DSO starts cold")
    cold = c.get("time_reduction_cold_pct", np.nan)
    cold = (f"; with every DSO started cold, the same case's reduction is {grouped(cold, 1)} %"
            if library and np.isfinite(float(cold)) else "")
    return (f"the best reduction over all systems and load levels is {grouped(c.time_reduction_parallel_pct, 1)} % "
            f"on {c.system} at {100 * c.level:.0f} % load, against the paper's best of "
            f"{anchors.show('p1_time_reduction_pct')}: {by} (the TSO and the slowest DSO took {online} ms "
            f"where {allowed} ms would meet it, of the integrated AC-OPF's {integrated} ms). What is timed: the "
            f"solver's own time, the models prebuilt{repeats}; {start}{cold}. The paper's abstract does not say what "
            "it timed.")


def _time_line(st: xr.Dataset, per_sys: pd.DataFrame) -> str:
    """The time line of `target_misses`: the verdict with its conditions (`_time_verdict`); when it is missed, then,
    on the system with the most buses (the last listed for a store without bus counts, `_focus_system`), what the
    TSO and the slowest DSO take against the integrated AC-OPF and, when the store has the iteration counts, why."""
    if _best_reduction(per_sys) is None:
        return "- time: no load level finished, so there is no time to judge."
    t = table(st, "case")
    if _time_target_met(per_sys):
        return "- time: " + _time_verdict(st, per_sys)
    name, which = _focus_system(per_sys.index, t.groupby("system").n_bus.max() if "n_bus" in t else None)
    head = ("- time: " + _time_verdict(st, per_sys) + " "
            + (f"On {name}, {which}, " if len(per_sys) == 1 else f"On {which}, {name}, "))
    g = t[(t.system == name) & _ok(t)]  # a failed level's solve times are no result
    if g.empty:
        return head + "no load level finished."
    red, red_max = per_sys.red[name], per_sys.red_max[name]
    out = (head + f"the reduction is {grouped(red, 1)} % on average and {grouped(red_max, 1)} % at its best load "
           f"level{' (negative: slower than the integrated AC-OPF even there)' if red_max < 0 else ''}. The TSO takes "
           f"{grouped(1e3 * g.tso_time_s.mean())} ms and the slowest DSO "
           f"{grouped(1e3 * g.dso_time_max_s.mean())} ms, where the integrated AC-OPF takes "
           f"{grouped(1e3 * g.integrated_solve_time_s.mean())} ms (means over the finished load levels)")
    it = coordination_iterations(st)
    if it is None:
        return out + "."
    r = system_means(it).loc[name]
    return out + (f": the DSO's cost OPF needs {grouped(r['DSO warm: iterations'])} iterations from its chosen start "
                  f"at {r['DSO: ms/iteration']:.1f} ms each, the integrated AC-OPF "
                  f"{grouped(r['integrated: iterations'])} at "
                  f"{r['integrated: ms/iteration']:.1f} ms (the note under the iteration table computes the budget "
                  f"a reduction as large as the paper's best would leave the DSO there).")


def target_misses(st: xr.Dataset, target_pct: float = TARGET_DEVIATION_PCT) -> str:
    """Markdown: which targets the store meets and which it misses (`coordination_targets`), how close each
    system's mean deviation lies to the bound (`_bound_margin`), the store's numbers on every violation, PCC
    mismatch and deviation miss (`coordination_misses`), and the time verdict with its conditions (`_time_line`)."""
    _, _, per_sys = coordination_table(st)
    dev_ok = _deviation_ok(per_sys, target_pct)
    mismatch = bool((_mismatch(table(st, "case")) > 1e-6).any())
    lines = [line for line in [_bound_margin(per_sys, target_pct)] if line]
    if not dev_ok.all() or per_sys.viol.sum() or mismatch:
        lines.append(coordination_misses(st, target_pct))
    lines.append(_time_line(st, per_sys))  # met or missed: the time verdict is said here, with its conditions
    return coordination_targets(per_sys, target_pct) + "\n\n" + "\n".join(lines)


# --------------------------------------------------------------------------- paper-scale run
def record_note(st: xr.Dataset) -> str:
    """Markdown: the fields of the outcome record (`forlab.opf.outcome.OUTCOME`) a store lacks because it was written
    before they were recorded, and how to get them; empty for a store that has them all."""
    missing = [k for k in OUTCOME if k not in st and k not in ("integrated_cost", "deviation_pct", "feasible")]
    if not missing:
        return ""
    return (f"Outcome fields {', '.join(f'`{k}`' for k in missing)}: {NOT_IN_STORE} (it was written before they "
            "were recorded; `forlab run 05_coordination --profile paper` writes them).")


def paper_text(big: xr.Dataset) -> str:
    """Markdown: where the paper-scale store comes from (`paper_origin`, sentences of their own), its per-system
    summary under its heading sentence (`summary_text`), where its targets are judged (once, under its iteration
    tables: `paper_misses_text`) and the outcome fields it lacks (`record_note`)."""
    _, _, per_sys = coordination_table(big)
    note = record_note(big)
    return (f"{paper_origin(big)}\n\n" + summary_text(per_sys) + "\n\n" + PAPER_TARGETS_POINTER
            + (f"\n\n{note}" if note else ""))


PAPER_TARGETS_POINTER = "Its targets, met and missed, are judged under its iteration tables below."
"""The sentence of `paper_text` that points to where the paper-scale run's targets are judged."""


def paper_misses_text(big: xr.Dataset) -> str:
    """Markdown: `target_misses` of the paper-scale store under its heading sentence."""
    return "The paper-scale run's targets, met and missed, and why:\n\n" + target_misses(big)
