"""One name per concept: the names the book uses in code, store variables, table columns and prose, and the
older names that archived stores still carry.

Every store is opened through `forlab.book.store.open_path`, which renames the old names of the chapter that wrote
it (``attrs["chapter"]``) to the current ones, so an archived store renders with today's readers and the same
numbers. The glossary (`book/glossary.md`) defines each concept once.

Current names (the glossary's "Names in the code" section):

- ``ds``: a distribution system's identity (a DS name, e.g. ``case33bw``); ``region`` is reserved for an ALADIN
  region (chapter 07).
- ``deviation_pct``: the signed cost deviation (%) of a judged dispatch against the integrated optimum.
- ``solve_time_s``: a solver's own time (s); ``wall_time_s``: elapsed wall-clock time (s).

Names on the page that several chapters print are constants here (`TIME_RATIO`).
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

TIME_RATIO = "online / integrated"
"""The one name on the page of a method's online time over the integrated AC-OPF's of the same run (the outcome
record's ``time_ratio``): the header of its column, its name in sentences and the label of its axis in chapters 06,
08, 09 and 12, which their notebooks' prose defines; chapter 08's axis read "online / integrated time" where chapter
06's read "online / integrated"."""

# chapter -> {old variable, dimension or attribute name: current name}
LEGACY: dict[str, dict[str, str]] = {
    "02_grids_and_acopf": {"net_forlab_build_s": "net_forlab_build_time_s", "net_forlab_solve_s": "net_forlab_solve_time_s",
                           "net_forlab_warm_solve_s": "net_forlab_warm_solve_time_s",
                           "net_runopp_s": "net_runopp_wall_time_s", "net_runopp_flat_s": "net_runopp_flat_wall_time_s",
                           "warmup_runopp_s": "warmup_runopp_wall_time_s",
                           "warmup_forlab_build_s": "warmup_forlab_build_time_s"},
    "03_for_sampling": {"region": "sample_ds", "slice_region": "slice_ds", "check_region": "check_ds",
                        "ds_region": "ds", "region_row": "ds_row", "mean_solve_s": "mean_solve_time_s",
                        "t_mean_solve_s": "t_mean_solve_time_s"},
    "04_for_representation": {"region": "ds"},
    "05_coordination": {"cost_deviation_pct": "deviation_pct", "dso_solve_s": "dso_solve_time_s",
                        "dso_cold_solve_s": "dso_cold_solve_time_s", "integrated_time_s": "integrated_solve_time_s",
                        "proposed_cost": "cost", "proposed_time_parallel_s": "solve_time_s"},
    "06_ml_surrogate": {"ds": "ds_name", "dsid": "ds", "bench_deviation_percent": "bench_deviation_pct",
                        "bench_judged_cost": "bench_cost", "bench_integrated_time_s": "bench_integrated_solve_time_s"},
    "07_aladin": {},
    "08_sensitivity": {"wall_s": "group_wall_time_s",
                       # only in a store without group_wall_time_s (`renames` skips a target already present):
                       # today wall_time_s is the outcome record's online wall time
                       "wall_time_s": "group_wall_time_s",
                       "study_wall_s": "study_wall_time_s"},
    "09_comparison": {"sens_wall_s": "sens_group_wall_time_s",
                      # as chapter 08's wall_time_s, in chapter 09's copy of its rows (prefix sens_)
                      "sens_wall_time_s": "sens_group_wall_time_s",
                      # its own rows' second names, retired for the outcome record's (`ROW`), in every table
                      **{f"{table}_{old}": f"{table}_{new}" for table in ("default", "default_case", "case", "sys")
                         for old, new in (("online_ms", "solve_time_ms"), ("wall_ms", "wall_time_ms"),
                                          ("integrated_ms", "integrated_solve_time_ms"),
                                          ("offline_s", "offline_time_s"), ("bytes", "bytes_exchanged"))}},
}


def renames(chapter: str, present: Mapping | set) -> dict[str, str]:
    """The renames of ``chapter``'s legacy names that occur among ``present`` (variables, coordinates and dims). A
    rename onto a name that is present is kept only when that name is itself renamed away (a chain such as
    ``ds`` -> ``ds_name``, ``dsid`` -> ``ds``, done at once by `upgrade`)."""
    legacy = LEGACY.get(chapter, {})
    moved = {old for old in legacy if old in present}
    return {old: new for old, new in legacy.items() if old in present and (new not in present or new in moved)}


def upgrade(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the legacy names of its chapter (variables, dimensions and attributes) replaced by the current
    ones (unchanged when it has none)."""
    chapter = ds.attrs.get("chapter", "")
    todo = renames(chapter, set(ds.variables) | set(ds.dims))
    out = ds.rename(todo) if todo else ds
    attrs = renames(chapter, set(out.attrs))
    if attrs:
        out.attrs = {attrs.get(k, k): v for k, v in out.attrs.items()}
    return out
