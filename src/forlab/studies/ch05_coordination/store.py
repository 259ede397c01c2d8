"""The store of chapter 05: `case_study` rows as one xarray Dataset (`to_store`), the units of its tables'
columns and the published anchors it keeps (`ANCHOR_KEYS`).

Table ``case``: one row per system and load level, the outcome record (`forlab.opf.outcome.OUTCOME`) with the
columns of `CASE_UNITS`; the TSO's PCC points (``pcc_row``, prefix ``pt_``, `POINT_UNITS`) and every DSO's dispatch
(``dso_row``, prefix ``dso_``, `DSO_UNITS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.tables import to_dataset
from forlab.opf.judge import VIOLATION_COUNTS
from forlab.opf.outcome import OUTCOME

__all__ = [
    "ANCHOR_KEYS",
    "CASE_UNITS",
    "DSO_UNITS",
    "POINT_UNITS",
    "to_store",
]


ANCHOR_KEYS = ["p1_deviation_pct", "p1_time_reduction_pct"]
"""The published anchors this chapter compares with (`forlab.book.anchors`), kept in its store."""


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
