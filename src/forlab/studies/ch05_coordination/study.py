"""The study of chapter 05: `case_study` (every load level of one study system: offers built offline per DS
and level, then `forlab.p1_for.coordinate.coordinate`), the row of a level that failed (`failed_case`), the
chapter's parameters (`PARAMETERS`, `check_params`) and `run`, which writes the chapter's store
(`forlab.studies.ch05_coordination.store.to_store`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import parallel
from forlab.book.runner import check_names, check_non_negative, check_positive_value
from forlab.book.tables import clipped
from forlab.grid import td
from forlab.opf.judge import violation_counts
from forlab.opf.outcome import Baseline
from forlab.p1_for import dso_service
from forlab.p1_for.coordinate import coordinate, scale_loads, single_pcc
from forlab.p1_for.representation import check_n_cost
from forlab.studies.ch05_coordination.store import to_store

__all__ = [
    "CASE_STUDY_OPTIONS",
    "PARAMETERS",
    "case_study",
    "check_params",
    "failed_case",
    "run",
]


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
