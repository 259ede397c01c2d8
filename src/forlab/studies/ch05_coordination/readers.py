"""Tables of chapter 05, read from its store: the case-study table with its per-system means
(`coordination_table`), the Ipopt iterations and solver times per case and their means per system
(`coordination_iterations`, `system_means`), and the TSO's PCC points with the DSO's outcome there (`pcc_points`).
They read the current run's store or an archived one; a store written before a column was recorded lacks it, and
the readers leave it out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import table
from forlab.opf.judge import total_violations
from forlab.opf.outcome import unmeasured_when_failed

__all__ = [
    "MEASURED",
    "MISMATCH_HEADER",
    "RATES",
    "REDUCTIONS",
    "coordination_iterations",
    "coordination_table",
    "pcc_points",
    "system_means",
]


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


def pcc_points(st: xr.Dataset) -> pd.DataFrame:
    """Per case and DS: the TSO's PCC point, the offer's f and price there, the DSO's mismatch, true FPU cost and
    status, and the offered minus the true cost."""
    pcc = table(st, "pcc_row", "pt_")
    dso = table(st, "dso_row", "dso_")
    pcc = pcc.merge(dso[["system", "level", "ds", "mismatch", "fpu_cost", "status"]], on=["system", "level", "ds"])
    return pcc.assign(offer_vs_true_cost=pcc.offer_cost - pcc.fpu_cost)
