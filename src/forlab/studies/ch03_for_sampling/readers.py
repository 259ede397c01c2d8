"""Tables of chapter 03, read from its store (the current run's or an archived one): the parameters the store was
computed with (`parameter`), one row per DS (`summary_table`), the power-flow checks (`check_table`), the ranges of
the variants (`variant_ranges`), the coverage study (`coverage_table`) and the scale run (`timing_table`).
"""

from __future__ import annotations

import json

import pandas as pd
import xarray as xr

from forlab.book.tables import table
from forlab.studies.ch03_for_sampling.study import AXES

__all__ = [
    "COVERAGE",
    "RANGE_HEADERS",
    "SUMMARY",
    "TIMING",
    "check_table",
    "coverage_table",
    "parameter",
    "summary_table",
    "timing_table",
    "variant_ranges",
]


SUMMARY = ["ds", "buses", "fpus", "samples", "failed", "wall_time_s", "mean_solve_time_s", "mean_iterations"]
TIMING = ["workers", "t_samples", "t_failed", "t_wall_time_s", "t_sampling_time_s", "t_mean_solve_time_s", "t_buses",
          "t_fpus", "identical_to_first"]
COVERAGE = ["n_directions", "cov_samples", "mean_distance", "max_distance", "hull_volume_ratio", "cov_wall_time_s"]


def parameter(st: xr.Dataset, key: str):
    """The value of the chapter's parameter ``key`` the store was computed with."""
    return json.loads(st.attrs["parameters"])[key]


def summary_table(st: xr.Dataset) -> pd.DataFrame:
    """One row per DS: size, number of OPFs, failures, wall time and mean solver time (s), mean Ipopt iterations."""
    return table(st, "ds_row")[SUMMARY].set_index("ds")


def check_table(st: xr.Dataset) -> pd.DataFrame:
    """The power-flow checks, one row per DS. A store written before diverged projections were counted has none:
    such a projection ended the check then, so a store that has the row saw every power flow converge (0)."""
    ck = table(st, "check_row").set_index("check_ds")
    return ck if "diverged_projections" in ck else ck.assign(diverged_projections=0)


RANGE_HEADERS = {"p_mw": "P range (MW)", "q_mvar": "Q range (Mvar)", "vm_pu": "V range (p.u.)"}


def variant_ranges(st: xr.Dataset) -> pd.DataFrame:
    """Per variant, the range (max - min) of P (MW), Q (Mvar) and V (p.u.) over its samples."""
    vt = table(st, "vsample").groupby("variant", sort=False)
    out = pd.DataFrame({RANGE_HEADERS[a]: vt[f"variant_{a}"].max() - vt[f"variant_{a}"].min() for a in AXES})
    return out.rename_axis("variant")


def coverage_table(st: xr.Dataset, wall_time: bool = True) -> pd.DataFrame:
    """The coverage study, one row per number of Fibonacci directions N (with the wall time of each sampling, s,
    unless ``wall_time`` is False)."""
    cols = COVERAGE if wall_time else [c for c in COVERAGE if c != "cov_wall_time_s"]
    return table(st, "coverage_row")[cols].set_index("n_directions")


def timing_table(st: xr.Dataset) -> pd.DataFrame | None:
    """The scale run, one row per worker count; None when the store has none."""
    if "timing_row" not in st.dims:
        return None
    return table(st, "timing_row")[TIMING].set_index("workers")
