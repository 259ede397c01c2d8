"""One row per variant and method, every method's outcome in the same columns, and the store of those rows.

The row's columns (`COLUMNS`, `FLAGS`, `TEXT`; the method codes `METHODS` and the factors `KINDS`), a row of a
method's run (`result_row`; a run that raised, `failed_row`), the outcome record's and the T+D power flow's verdict
fields in row columns (`record_fields`, `verdict_fields`), and the rows as one xarray Dataset (`to_store`; read back
by `forlab.studies.ch08_sensitivity.readers.frame`). Chapter 12 stores its rows in this layout too.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.opf.judge import violation_counts
from forlab.opf.outcome import OUTCOME
from forlab.studies.ch08_sensitivity.design import Variant
from forlab.studies.outcomes import error_text

__all__ = [
    "COLUMNS",
    "FLAGS",
    "KINDS",
    "METHODS",
    "TEXT",
    "failed_row",
    "record_fields",
    "result_row",
    "to_store",
    "verdict_fields",
]


METHODS = {"P1": "FOR offer", "P2": "ML surrogate", "P3": "ALADIN"}
"""Method codes and their short names (as in the method chapters)."""

KINDS = {"load": "load level (% of nominal)", "fpus": "FPUs per DS", "meshing": "DS meshing"}
"""The factors a variant can change, with what their value means."""


COLUMNS: dict[str, tuple[str, str]] = {
    "load_level": ("TS and DS load, fraction of nominal", "1"),
    "n_fpus": ("FPUs per DS", "1"),
    "meshed": ("DS tie lines closed (1) or open (0)", "1"),
    "ds_buses": ("DS buses in the system", "1"),
    "integrated_cost": ("integrated AC-OPF optimum", "$/h"),
    "cost": ("true cost of the method's dispatch (T+D power flow)", "$/h"),
    "deviation_pct": ("cost deviation from the integrated optimum", "%"),
    "tso_ms": ("TSO / coordinator online time", "ms"),
    "dso_ms": (("DSO online time, slowest DS (P3: per round the slowest region's NLP and the slowest region's "
                "reduction, the TS region included)"), "ms"),
    "dso_parallel_ms": (("P1: every DSO's dispatch sent at once to the Dask workers, measured wall time "
                         "(NaN: in-process)"), "ms"),
    "time_ratio": ("online solver time / integrated AC-OPF solver time (solve_time_s / integrated_solve_time_s)",
                   "1"),
    "offline_dso_max_s": ("P1: the slowest DSO's own offline time (each DSO on a computer of its own)", "s"),
    "rounds": ("rounds of communication", "1"),
    "bytes_exchanged": (("bytes exchanged, all DSs (P3: all regions, the TS region included), both directions, all "
                         "rounds"), OUTCOME["bytes_exchanged"][1]),
    "max_vm_violation_pu": ("largest voltage violation (T+D power flow)", "p.u."),
    "max_loading_percent": ("largest branch loading (T+D power flow)", "%"),
    "n_vm_violations": ("voltage violations (T+D power flow; -1: no dispatch)", "1"),
    "n_branch_violations": ("branch violations (T+D power flow; -1: no dispatch)", "1"),
    "n_gen_violations": ("generator limit violations (T+D power flow; -1: no dispatch)", "1"),
    "n_angle_violations": ("branch angle differences beyond their limits (T+D power flow; -1: no dispatch)", "1"),
    "method_gap": ("method's own optimality gap (P3: |objective - optimum| / optimum)", "1"),
    "pcc_error": ("P1: largest PCC mismatch (box-normalised); P2: largest PCC import error (MW)", "mixed"),
    "tso_iterations": ("P1: Ipopt iterations of the TSO's FOR-based OPF", "1"),
    "integrated_iterations": ("P1: Ipopt iterations of the integrated AC-OPF, same run", "1"),
    "reserve_mw": ("P2: P reserve the TSO held on each slack unit (the surrogates' summed import-error bound)",
                   "MW"),
    "p2_least_accepted": (("P2: the least share of its feasible held-out samples a DS's polytope accepts, over the "
                          "system's DSs"), "1"),
    "p2_narrow_dss": (("P2: DSs whose polytope accepts hardly any of their feasible held-out samples (below chapter "
                      "06's LITTLE_ACCEPTED)"), "1"),
    **{k: v for k, v in OUTCOME.items() if k not in ("deviation_pct", "feasible", "status", "cost",
                                                        "integrated_cost", "rounds", "bytes_exchanged")},
}
"""Numeric columns of a result row: name -> (long name, units). The online and offline times, the integrated AC-OPF's
time and the bytes are the outcome record's fields (`forlab.opf.outcome.OUTCOME`: ``solve_time_s``,
``offline_time_s``, ``integrated_solve_time_s``, ``bytes_exchanged``), in its units, under no second name."""

FLAGS = ("feasible", "pf_converged", "is_base")
"""Boolean columns (stored as 0/1)."""

TEXT = ("system", "method", "variant_kind", "variant_label", "ties", "integrated_status", "method_status",
        "dso_status", "error", "status")
"""String columns; statuses are the solvers' own words ("" when not applicable), error the exception, if any."""


def result_row(system: str, method: str, v: Variant, **values) -> dict:
    """One row of method ``method`` on variant ``v`` of ``system`` in this chapter's layout, which chapter 12 stores
    its rows in too: every column present (`COLUMNS`, `TEXT`, `FLAGS`; NaN / "" / False where the method gave
    nothing, ``status`` "not run"), ``values`` set over them, and ``time_ratio`` (``solve_time_s`` /
    ``integrated_solve_time_s``) where both times are numbers."""
    row = {c: np.nan for c in COLUMNS}
    row.update({c: "" for c in TEXT})
    row["status"] = "not run"
    row.update({c: False for c in FLAGS})
    row.update(system=system, method=method, variant_kind=v.kind, variant_label=v.label, ties=v.ties,
               is_base=v.is_base, load_level=v.level, n_fpus=np.nan if v.n_fpus is None else v.n_fpus,
               meshed=float(v.ties == "all"))
    row.update(violation_counts(None))
    row.update(values)
    online, integrated = row["solve_time_s"], row["integrated_solve_time_s"]
    if np.isfinite(online) and np.isfinite(integrated) and integrated > 0:
        # the one writer of the ratio of chapters 08 and 12, whose rows chapter 09 copies with it (its sensitivity and
        # many-DSOs rows); for its P1-P3 rows `forlab.studies.ch09_comparison.readers._row` divides the same two times itself
        row["time_ratio"] = online / integrated
    return row


def failed_row(system: str, method: str, v: Variant, err: BaseException) -> dict:
    """The `result_row` of a run that raised ``err``: no numbers, ``method_status`` "error", ``error`` the
    exception's text (`forlab.studies.outcomes.error_text`) and ``status`` "error: <that text>"."""
    error = error_text(err)
    return result_row(system, method, v, method_status="error", error=error, status=f"error: {error}")


def record_fields(r) -> dict:
    """The outcome record's fields (`forlab.opf.outcome.OUTCOME`) of a method's own row ``r`` (a dict or Series),
    in this chapter's columns."""
    return {k: r[k] for k in OUTCOME if k in r and k != "integrated_cost"}


def verdict_fields(verdict: dict) -> dict:
    """The T+D power flow's verdict (`forlab.opf.judge.judge`'s result) in row columns: ``feasible``,
    ``pf_converged``, the largest voltage violation (p.u.) and branch loading (%), and the violation counts."""
    return {"feasible": bool(verdict.get("feasible", False)), "pf_converged": bool(verdict.get("converged", False)),
            **{c: verdict.get(c, np.nan) for c in ("max_vm_violation_pu", "max_loading_percent")},
            **violation_counts(verdict)}


def to_store(table: pd.DataFrame, attrs: dict | None = None) -> xr.Dataset:
    """The study as a Dataset with one dimension ``run`` (one row per variant and method): the `TEXT` columns as
    strings, `FLAGS` as 0/1 integers, `COLUMNS` (with long_name and units; the outcome record's fields among them),
    ``variant_value`` and ``group_wall_time_s``."""
    t = table.reset_index(drop=True)
    v = {}
    for c in TEXT:
        v[c] = ("run", t[c].astype(str).to_numpy(str), {"units": "-"})
    for c in FLAGS:
        v[c] = ("run", t[c].fillna(False).astype(bool).to_numpy().astype(int), {"units": "1"})
    for c, (long_name, units) in COLUMNS.items():
        col = t[c] if c in t else pd.Series(np.nan, index=t.index)
        v[c] = ("run", pd.to_numeric(col, errors="coerce").to_numpy(float), {"long_name": long_name,
                                                                              "units": units})
    v["variant_value"] = ("run", t["variant_value"].to_numpy(float),
                          {"long_name": "value of the varied factor (load fraction, FPUs per DS, 1 meshed / 0 "
                                        "radial)", "units": "1"})
    v["group_wall_time_s"] = ("run", t["group_wall_time_s"].to_numpy(float),
                              {"long_name": "wall time of the method on the variant's system group", "units": "s"})
    ds = xr.Dataset(v, coords={"run": np.arange(len(t))})
    ds.attrs.update({k: json.dumps(val) if isinstance(val, (dict, list, tuple)) else val
                     for k, val in (attrs or {}).items()})
    ds.attrs["methods"] = json.dumps(METHODS)
    ds.attrs["kinds"] = json.dumps(KINDS)
    return ds
