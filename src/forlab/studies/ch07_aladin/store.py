"""The store of chapter 07: `to_store` turns the systems, their partitions, the recorded runs and their judged
outcomes into one xarray Dataset; it keeps the published anchors (`ANCHOR_KEYS`) and issue 17's targets
(`ISSUE17_TARGETS`) in its attributes.

Store layout (dimensions and their variables):

* ``system``: ``sys_spec``, ``sys_buses``, ``sys_regions``, ``sys_cut_branches``, ``sys_central_objective`` (per hour),
  ``sys_central_time_s`` (Ipopt solve of the centralized AC-OPF, s), ``sys_central_status``, and since issue 17
  ``sys_consensus_rows`` (coupling rows of the partition), ``sys_central_wall_s`` (build and solve, s); since issue
  15 the centralized AC-OPF is the integrated baseline of every chapter (`forlab.opf.outcome.integrated_baseline`:
  its solve the fastest of `BASELINE_REPEATS`; ``sys_central_wall_s`` is the fastest of as many builds plus that
  fastest solve (attribute ``central_builds``; a store without it holds one build there, `timing_rule`);
* ``area``: the partition, one row per (system, region): ``area_system``, ``area_region``, ``area_core_buses``,
  ``area_copy_buses``, ``area_branches``, ``area_cut_branches_owned``, ``area_units``, ``area_variables``,
  ``area_consensus_rows``;
* ``run``: one ALADIN or ADMM run (the fastest of `BASELINE_REPEATS` identical runs, attribute
  ``aladin_repeats``; older stores have one run each): ``run_system``,
  ``run_algorithm`` ("aladin"/"admm"), ``run_qp`` (ALADIN's QP form, "" for ADMM), ``run_mode``, ``run_max_iter``,
  ``run_latency_ms``, ``run_converged``, ``run_termination`` (the algorithm's own stop), ``run_iterations``, ``run_objective``, ``run_reference``, ``run_gap``, ``run_consensus``,
  ``run_total_s``, ``run_setup_s``, ``run_cost_scale``, and the judged outcome record (`forlab.opf.outcome`, issue 15,
  `judged_run`): ``run_deviation_pct``, ``run_feasible``, ``run_max_violation``, ``run_status`` ("ok" or what
  failed), ``run_solve_time_s``, ``run_wall_time_s``, ``run_cost``; a store written before it has ALADIN's own stop
  in ``run_status`` and no judged fields (`termination` reads either);
* ``run`` x ``repeat`` (since the paired timing of issue 17; older stores lack both): every repeat of a run timed
  beside one centralized build and solve made just before it (`forlab.studies.ch07_aladin.study.paired_runs`):
  ``run_repeat_central_wall_s`` (s), ``run_repeat_wall_s`` (the run's set-up plus rounds, s) and, since chapter
  09 times ALADIN by the rule of P1 and P2, ``run_repeat_central_time_s``, ``run_repeat_solve_time_s``,
  ``run_repeat_wall_time_s``, ``run_repeat_coordinator_s`` and ``run_repeat_regions_s`` (`REPEAT_TIMES`, s); NaN
  where a repeat raised or did not end as the first (the centralized ones are kept even then);
* ``run`` x ``iteration``: the per-round log of every run (`forlab.p3_aladin.ITERATION_LOG`; the dimension keeps
  the algorithm's name for a round), prefixed ``it_``, NaN (or "" for text) after a run's last round; every column
  the runs' logs carry is kept, so the per-round timing of issue 17 (``it_local_s``, ``it_reduction_s``,
  ``it_coordinator_s``, ``it_communication_s``, ``it_round_wall_s``, ``it_nlp_ok``, ``it_qp_status``, ...) is stored
  where the algorithm logs it (older stores lack it: the readers fall back to ``it_qp_s`` and ``it_comm_s``, which
  stores written before the log dropped those copies also hold);
* ``msg``: what crosses the wire in one round of the first in-process run of every system and algorithm:
  ``msg_run``, ``msg_region``, ``msg_direction``, ``msg_field``, ``msg_numbers``, ``msg_bytes``.

Every variable carries ``attrs["units"]`` (`UNITS`).
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors as registry
from forlab.book.tables import to_dataset
from forlab.opf.outcome import OUTCOME
from forlab.p3_aladin import ITERATION_LOG, ADMMOptions, ALADINOptions, ALADINResult
from forlab.studies.ch07_aladin.systems import ADMM_LARGE_BUSES, ADMM_LARGE_MAX_ITER, BASELINE_REPEATS

__all__ = ["ANCHOR_KEYS", "ISSUE17_TARGETS", "JUDGED", "LOG_COLUMNS", "ONLINE_TIMES", "REPEAT_TIMES", "UNITS", "to_store",
           "units_of"]


ANCHOR_KEYS = ["powermodelsada_admm_case300_iterations", "powermodelsada_admm_case300_s",
               "powermodelsada_admm_case300_cores", "rapidpf_aladin_max_steps", "rapidpf_largest_buses", "aladin_coordinator_ms", "aladin_coordinator_slope", "aladin_slowdown",
               "aladin_max_rounds", "aladin_gap", "aladin_consensus"]
"""The published anchors (other groups' figures) and issue 17's targets the chapter compares with, from the
registry `forlab.book.anchors`; the store keeps them (``attrs["anchors"]``)."""


ISSUE17_TARGETS = {
    "coordinator_ms": {"value": registry.value("aladin_coordinator_ms"), "system": "case118+case533mt_hi",
                       "what": "coordinator time per round (ms) at most"},
    "coordinator_slope": {"value": registry.value("aladin_coordinator_slope"),
                          "what": "growth of the coordinator time with the coupling rows (log-log slope) at most"},
    "wall_ratio": {"value": registry.value("aladin_slowdown"), "systems": ["case300:4", "1654-5"],
                   "what": "whole-run wall time with parallel regions / centralized AC-OPF at most"},
    "rounds": {"value": registry.value("aladin_max_rounds"), "gap": registry.value("aladin_gap"),
               "consensus": registry.value("aladin_consensus"),
               "what": "rounds to the gap and consensus targets at most, every local solve succeeded"},
    "source": "forlab issue 17 (ALADIN that scales), section Targets",
}
"""The targets of issue 17 the chapter checks (set by the project, not published elsewhere)."""


LOG_COLUMNS = ("consensus", "power_mismatch", "step", "objective", "gap", "rho", "local_s", "reduction_s",
               "local_sum_s", "coordinator_s", "communication_s", "iter_s", "bytes_down", "bytes_up", "n_active",
               "nlp_iterations")
"""The log columns every store holds, first and in this order, even when every run raised (the ones ALADIN and
ADMM both always write, `forlab.p3_aladin.ITERATION_LOG`; the readers read the times by these names and fall back
to an older store's ``it_qp_s`` and ``it_comm_s``)."""


REPEAT_TIMES = {
    "central_wall_s": "wall clock of the centralized build and first solve just before the repeat",
    "wall_s": "wall clock of the repeat's set-up plus rounds",
    "central_time_s": "solver time of the centralized model built just before the repeat, the faster of two solves",
    "solve_time_s": "the repeat's online solver time by the one rule",
    "wall_time_s": "the repeat's online wall time by the one rule",
    "coordinator_s": "the coordinator's part of the repeat's online solver time",
    "regions_s": "the regions' part of the repeat's online solver time",
}
"""The times of a repeat (s) that `forlab.studies.ch07_aladin.study.paired_runs` keeps, in its columns' order, stored
as ``run_repeat_<name>``: the centralized build and solve just before the repeat and the repeat's set-up plus rounds
(the whole-run pair of issue 17's wall-time target), that centralized model's solver time (as ``sys_central_time_s``),
and the repeat's online times by the one rule with their two parts (`ONLINE_TIMES`). Chapter 09 times ALADIN by the
last five as it times P1 and P2 (`forlab.studies.ch07_aladin.readers.fastest_online`)."""

ONLINE_TIMES = ("solve_time_s", "wall_time_s", "coordinator_s", "regions_s")
"""The keys of `REPEAT_TIMES` that a repeat's own log gives (`forlab.studies.outcomes.aladin_seconds`,
`aladin_split`)."""


JUDGED = ("deviation_pct", "feasible", "max_violation", "status", "solve_time_s", "wall_time_s", "cost")
"""The outcome fields (`forlab.opf.outcome.OUTCOME`) stored per run, as ``run_<field>``."""


def _run_row(spec: str, mode: str, lat: float, res: ALADINResult, judged: dict) -> dict:
    """The ``run_*`` row of one run: the algorithm's own result (``termination``: its stop, "converged",
    "max_iter", ...) and its judged outcome (``judged``, `judged_run`; ``status`` "ok" or what failed)."""
    return {"system": spec, "algorithm": res.algorithm, "qp": res.options.get("qp", ""), "mode": mode,
            "max_iter": res.options["max_iter"], "latency_ms": lat, "converged": bool(res.converged),
            "termination": res.status, "iterations": res.iterations, "objective": res.objective,
            "reference": res.reference, "gap": res.gap, "consensus": res.consensus, "total_s": res.total_s,
            "setup_s": res.setup_s, "cost_scale": res.options["cost_scale_used"], **judged}


def _message_rows(results) -> list[dict]:
    """The ``msg_*`` rows: the messages of the first in-process run of every (system, algorithm, QP form)."""
    rows, seen = [], set()
    for k, (spec, mode, _lat, res) in enumerate(results):
        key = (spec, res.algorithm, res.options.get("qp", ""))
        if mode == "inprocess" and key not in seen:
            seen.add(key)
            for row in res.messages.itertuples():
                rows.append({"run": k, "region": row.region, "direction": row.direction, "field": row.field,
                             "numbers": row.numbers, "bytes": row.bytes})
    return rows


def _logs(results) -> dict[str, np.ndarray]:
    """The per-iteration logs of all runs as (run x iteration) arrays, one per column of `LOG_COLUMNS` (first, in
    their order) and per other column any run's log carries: NaN after a run's last iteration and where a run's log
    lacks the column; text columns (``qp_status``) as str, "" there. Every run's log carries `LOG_COLUMNS` but that
    of a run that raised (`forlab.studies.ch07_aladin.study.failed_run`, an empty log), so they are kept even when
    every run raised: zero rounds, and the readers still find the columns they read."""
    n_it = _rounds(results)
    present = [c for c in dict.fromkeys([*LOG_COLUMNS, *ITERATION_LOG])
               if c in LOG_COLUMNS or any(c in r.log for *_, r in results)]
    out = {}
    for c in present:
        text = any(c in r.log and r.log[c].dtype == object for *_, r in results)
        arr = np.full((len(results), n_it), "" if text else np.nan, dtype=object if text else float)
        for k, (*_, res) in enumerate(results):
            if c in res.log:
                col = res.log[c].iloc[: res.iterations]
                arr[k, : len(col)] = col.astype(str).to_numpy() if text else col.to_numpy(float)
        out[c] = arr.astype(str) if text else arr
    return out


def _rounds(results) -> int:
    """The store's length along ``iteration``: the most rounds of any run, 0 when every run raised."""
    return max((res.iterations for *_, res in results), default=0)


UNITS = {
    "sys_spec": "-", "sys_central_objective": "$/h", "sys_central_time_s": "s", "sys_central_wall_s": "s",
    "sys_central_status": "-", "area_system": "-", "area_region": "-", "run_system": "-", "run_algorithm": "-",
    "run_qp": "-", "run_mode": "-", "run_status": "-", "run_latency_ms": "ms", "run_objective": "$/h",
    "run_reference": "$/h", "run_gap": "1", "run_consensus": "rad, p.u.", "run_total_s": "s", "run_setup_s": "s",
    "run_cost_scale": "1", "msg_region": "-", "msg_direction": "-", "msg_field": "-", "msg_bytes": "bytes",
    "it_consensus": "rad, p.u.", "it_power_mismatch": "p.u.",
    "it_step": "rad, p.u. (ALADIN); scaled cost per p.u. (ADMM, its dual residual)", "it_objective": "$/h",
    "it_qp_status": "-", "it_qp_path": "-", "it_bytes_down": "bytes", "it_bytes_up": "bytes", "run_termination": "-",
    **{f"run_{k}": OUTCOME[k][1] for k in JUDGED},
}
"""Units of the store's variables (``attrs["units"]``): costs of the MATPOWER cases in $/h, angles rad, magnitudes
and powers p.u.; ``it_*_s`` seconds; every other variable a count, flag or ratio ("1"). ``it_step`` holds two
quantities: ALADIN's step in rad and p.u., ADMM's dual residual in scaled cost per p.u.
(`forlab.p3_aladin.ITERATION_LOG`)."""


def units_of(name: str) -> str:
    """The units of store variable ``name`` (`UNITS`; "s" for times, "1" otherwise)."""
    if name in UNITS:
        return UNITS[name]
    return "s" if name.endswith("_s") else "1"


def to_store(sysrows, arearows, results, max_iter, admm_max_iter, judged: list[dict],
             pairs: list[np.ndarray] | None = None) -> xr.Dataset:
    """The chapter's store (module docstring) from the system and area rows, the recorded runs, their judged
    outcomes (`judged_run`, one per run) and their repeats' paired times
    (`forlab.studies.ch07_aladin.study.paired_runs`, one (repeats x `REPEAT_TIMES`) array per run; none: no
    ``repeat`` variables)."""
    logs = _logs(results)
    n_it = _rounds(results)  # not read off the logs: a store of runs that all raised is written too (`Recorder`)
    rows = pd.DataFrame([_run_row(*r, j) for r, j in zip(results, judged)])
    rows["feasible"] = rows.feasible.astype(int)  # 1/0, as every outcome store
    tables = [to_dataset(pd.DataFrame(sysrows), "system", "sys_"), to_dataset(pd.DataFrame(arearows), "area", "area_"),
              to_dataset(rows, "run", "run_")]
    data = {k: v for t in tables for k, v in t.data_vars.items()}
    data.update({f"it_{c}": (("run", "iteration"), v, {"long_name": ITERATION_LOG.get(c, c)})
                 for c, v in logs.items()})
    data.update(to_dataset(pd.DataFrame(_message_rows(results)), "msg", "msg_").data_vars)
    if pairs is not None:
        paired = np.stack(pairs)  # run x repeat x `REPEAT_TIMES`
        data.update({f"run_repeat_{name}": (("run", "repeat"), paired[:, :, k], {"long_name": long_name})
                     for k, (name, long_name) in enumerate(REPEAT_TIMES.items())})
    ds = xr.Dataset(data, coords={"run": np.arange(len(results)), "iteration": np.arange(1, n_it + 1)})
    for v in ds.data_vars:
        if ds[v].dtype == object:
            ds[v] = ds[v].astype(str)
        ds[v].attrs["units"] = units_of(v)
    ds.attrs.update({
        "aladin_options": json.dumps(ALADINOptions(max_iter=max_iter).to_dict()),
        "admm_options": json.dumps(ADMMOptions(max_iter=admm_max_iter).to_dict()),
        "anchors": registry.as_attr(ANCHOR_KEYS),
        "issue17_targets": json.dumps(ISSUE17_TARGETS),
        "admm_large_buses": ADMM_LARGE_BUSES, "admm_large_max_iter": ADMM_LARGE_MAX_ITER,
        "aladin_repeats": BASELINE_REPEATS, "central_builds": BASELINE_REPEATS,
        "created_s": time.time(),
    })
    return ds
