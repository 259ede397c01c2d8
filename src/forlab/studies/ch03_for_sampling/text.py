"""Sentences and printed tables of chapter 03 (Markdown), from a store or the tables of
`forlab.studies.ch03_for_sampling.readers`: a table as the page shows it (`printed`, with `HEADERS`, `INDEX_NAMES`
and `DECIMALS`; the checks in two titled tables, `check_tables`; the PQ slices' areas, `slice_areas`) and the
sentences on the samples and their OPFs (`samples_text`, `opf_count_text`), the power-flow checks (`check_text`),
the chart-type variants (`chart_variants_text`), the coverage study (`coverage_text`) and the scale run
(`scale_text`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial import ConvexHull

from forlab.book import anchors
from forlab.book.tables import (
    TitledTable,
    fixed,
    grouped,
    listed,
    printable,
    table,
    wrappable,
)
from forlab.grid import td
from forlab.p1_for import checks
from forlab.studies.ch03_for_sampling.readers import coverage_table, parameter
from forlab.studies.ch03_for_sampling.study import AXES, VARIANTS

__all__ = [
    "BOX_FACES",
    "BOX_UNITS",
    "CHECK_PROJECTIONS",
    "CHECK_SUPPORT",
    "CHECK_TABLE_TITLES",
    "DECIMALS",
    "HEADERS",
    "INDEX_NAMES",
    "SUPPORT_TOL",
    "TIMING_SHOWN",
    "chart_variants_text",
    "check_tables",
    "check_text",
    "coverage_text",
    "opf_count_text",
    "printed",
    "samples_text",
    "scale_text",
    "slice_areas",
]


HEADERS = {
    # summary_table
    "buses": "buses", "fpus": "FPUs", "samples": "OPFs", "failed": "not converged", "wall_time_s": "wall time (s)",
    "mean_solve_time_s": "mean solver time (s)", "mean_iterations": "mean Ipopt iterations",
    # check_table
    "check_buses": "buses", "check_samples": "OPFs", "check_failed": "not converged",
    "random_points": "random points", "feasible_points": "feasible points",
    "max_support_excess": "largest support excess (box-normalised)", "projections": "projection points",
    "feasible_projections": "feasible", "projections_on_boundary": "on the boundary",
    "diverged_projections": "power flow diverged",
    "max_pcc_error": "largest PCC error (box-normalised)",
    # coverage_table
    "cov_samples": "OPFs", "mean_distance": "mean distance (box-normalised)",
    "max_distance": "largest distance (box-normalised)",
    "hull_volume_ratio": "hull volume / reference", "cov_wall_time_s": "wall time (s)",
    # timing_table
    "t_samples": "OPFs", "t_failed": "not converged", "t_wall_time_s": "wall time (s)",
    "t_sampling_time_s": "sampling time (s)", "t_mean_solve_time_s": "mean solver time (s)", "t_buses": "buses",
    "t_fpus": "FPUs", "identical_to_first": "same samples as with the first worker count",
}
"""Column of a store table -> its header on the page (`printed`); excesses, errors and distances in box-normalised
units, which their headers say (a reader scanning a table should not have to go back to the prose for them)."""

INDEX_NAMES = {"ds": "DS", "check_ds": "DS", "n_directions": "directions N", "workers": "workers"}
CHECK_SUPPORT = ["check_buses", "check_samples", "check_failed", "random_points", "feasible_points"]
"""The columns of `check_table` about the samples checked and the random operating points (the first of its two
printed parts)."""
CHECK_PROJECTIONS = ["max_support_excess", "projections", "feasible_projections", "projections_on_boundary",
                     "diverged_projections", "max_pcc_error"]
"""The columns of `check_table` with the two checks' outcomes: the support bound and the projection points (the
second part)."""
CHECK_TABLE_TITLES = (
    ("**The sampling checked** per DS: its size, the OPFs of the sampling, and the random operating points that "
     "pass every limit of the power flow (*feasible points*)."),
    ("**The outcome of both checks** per DS: the largest excess of $d \\cdot \\tilde x$ over a support value at "
     "the feasible points, and the projection points the power flow finds feasible and on the boundary."),
)
"""The titles of `check_tables`' two tables: shown in one output, they would read as one."""
TIMING_SHOWN = ["t_samples", "t_failed", "t_wall_time_s", "t_sampling_time_s", "t_mean_solve_time_s",
                "identical_to_first"]
"""The columns of `timing_table` a page prints (the DS's buses and FPUs are in `scale_text` and `paper_text`)."""
SUPPORT_TOL = 1e-6
"""Largest excess of d . x~ over a support value (box-normalised units) that the check accepts."""
BOX_UNITS = "box-normalised"
"""The unit of the checks' excesses, errors and steps, which the sentence under their tables prints beside each
number (a reader could take a bare 5.7e-07 for p.u. or MW)."""


def samples_text(summary: pd.DataFrame) -> str:
    """Markdown: how many OPFs, how many failed, the range of mean solver times and iterations (`summary_table`);
    every count and time with its thousands grouped (`forlab.book.tables.grouped`), as the table prints them."""
    return (
        f"{grouped(summary.samples.sum())} OPFs over {len(summary)} DSs, {grouped(summary.failed.sum())} of them not "
        f"converged (kept in the store, marked). The mean Ipopt solve takes "
        f"{grouped(1e3 * summary.mean_solve_time_s.min())} to {grouped(1e3 * summary.mean_solve_time_s.max())} ms per "
        f"sample with {grouped(summary.mean_iterations.min())} to {grouped(summary.mean_iterations.max())} iterations."
    )


BOX_FACES = 2 * len(AXES)
"""The bounding box's faces, and its OPFs (eq. (p1-box): the minimum and the maximum of P, Q and V)."""


def opf_count_text(st: xr.Dataset) -> str:
    """Markdown: how a DS's OPFs (`summary_table`'s *OPFs*) add up, stage by stage as the store holds them, from the
    run's parameters (``face_grid``, ``n_directions``), and where the PQ slices lie (``slice_levels``,
    ``slice_directions``): the figures that tie the table to eqs. (p1-box) to (p1-support)."""
    stages = pd.crosstab(st.sample_ds.values, st.stage.values)
    box, proj, fib = (int(stages[c].iloc[0]) if c in stages else 0 for c in ("box", "projection", "fibonacci"))
    same = "Each DS has" if (stages.nunique() == 1).all() else f"The first DS, {stages.index[0]}, has"
    k, n = parameter(st, "face_grid"), parameter(st, "n_directions")
    levels = parameter(st, "slice_levels")
    return (
        f"{same} {box} box extremes ({{eq}}`p1-box`), {grouped(proj)} projections ({BOX_FACES} faces of the box with "
        f"$n \\times n$ targets each, $n$ = `face_grid` = {grouped(k)}, {{eq}}`p1-projection`) and {grouped(fib)} "
        f"support points ($N$ = `n_directions` = {grouped(n)}, {{eq}}`p1-support`): {grouped(box + proj + fib)} OPFs. "
        "The PQ slices lie at " + listed([f"{100 * f:.0f}" for f in levels])
        + f" % of each DS's PCC-voltage range (`slice_levels`), each traced by "
        f"{grouped(parameter(st, 'slice_directions'))} directions (`slice_directions`)."
    )


def check_text(ck: pd.DataFrame) -> str:
    """Markdown: the largest support excess against `SUPPORT_TOL` and how many projection points the power flow
    finds feasible and on the boundary (`check_table`), the step that decides "on the boundary"
    (`forlab.p1_for.checks.BOUNDARY_STEP`, its value printed from the constant) and how closely the power flow
    reproduces the projections' PCC points; every figure in box-normalised units, as the tables head them."""
    ok_support = bool((ck.max_support_excess <= SUPPORT_TOL).all())
    ok_proj = bool((ck.feasible_projections == ck.projections).all()
                   and (ck.projections_on_boundary == ck.projections).all())
    return (
        f"Over {len(ck)} DSs (up to {grouped(ck.check_buses.max())} buses), {grouped(ck.feasible_points.sum())} random "
        f"feasible operating points: the largest excess over a support value is {ck.max_support_excess.max():.1e} "
        f"({BOX_UNITS}; {'within' if ok_support else 'beyond'} the tolerance of {SUPPORT_TOL:g}). "
        f"{grouped(ck.feasible_projections.sum())} of {grouped(ck.projections.sum())} projection points are feasible "
        f"in the power flow and {grouped(ck.projections_on_boundary.sum())} lie on the boundary "
        f"({'all' if ok_proj else 'not all'}"
        f"), judged by a step of {checks.BOUNDARY_STEP:g} ({BOX_UNITS}, `forlab.p1_for.checks.BOUNDARY_STEP`) out of "
        "each point"
        + _pcc_error_text(ck)
    )


def check_tables(ck: pd.DataFrame) -> list[TitledTable]:
    """A `check_table` as the page shows it, in two tables each under its title (`CHECK_TABLE_TITLES`; displayed
    with `forlab.book.tables.titled`): the sampling checked (`CHECK_SUPPORT`), then the outcome
    (`CHECK_PROJECTIONS`, the support excess and the PCC error as 1.2e-06)."""
    shown = (printed(ck, CHECK_SUPPORT),
             printed(ck, CHECK_PROJECTIONS, scientific=["max_support_excess", "max_pcc_error"]))
    return list(zip(CHECK_TABLE_TITLES, shown))


def _pcc_error_text(ck: pd.DataFrame) -> str:
    """The end of `check_text`: how closely the power flow reproduces the projections' PCC points, and how many of
    its runs diverged (those have no PCC point and count as not feasible)."""
    diverged = int(ck.diverged_projections.sum()) if "diverged_projections" in ck else 0
    tail = f"; the power flow diverged at {grouped(diverged)} of them, counted as not feasible" if diverged else ""
    if ck.max_pcc_error.notna().any():
        return f"; the power flow reproduces their PCC points within {ck.max_pcc_error.max():.1e} ({BOX_UNITS}){tail}."
    return f"{tail}." if diverged else "."


def chart_variants_text(st: xr.Dataset) -> str:
    """Markdown: which of the chart types the DS mixes (`forlab.grid.td.DEFAULT_KINDS`, the reference variant's) the
    store's one-chart-type variants (`VARIANTS` with a single ``kinds``) cover, and which have no such variant, so
    that the rows "... only" do not read as every chart type; "" when the store has no such variant."""
    sampled = set(table(st, "vsample").variant)
    single = {label: VARIANTS[label]["kinds"][0] for label in VARIANTS
              if label in sampled and len(VARIANTS[label].get("kinds", ())) == 1}
    if not single:
        return ""
    kinds = td.DEFAULT_KINDS
    covered = [k for k in kinds if k in single.values()]
    missing = [k for k in kinds if k not in covered]
    text = (f"The variants with one chart type cover {len(covered)} of the {len(kinds)} chart types the DS mixes "
            f"({listed(kinds)}, `forlab.grid.td.DEFAULT_KINDS`): {listed(single)}")
    if missing:
        text += f"; there is no variant with {listed(missing)} charts only (`forlab.studies.ch03_for_sampling.VARIANTS`)"
    return f"{text}."


DECIMALS = {"wall_time_s": 1, "t_wall_time_s": 1, "t_sampling_time_s": 1, "cov_wall_time_s": 1,
            "mean_iterations": 1}
"""Columns `printed` shows with their own decimals instead of the table's ``digits``: wall and sampling times (s) to
a tenth of a second, since a shared machine's wall times vary between runs by far more than the millisecond (the
page once printed 200.972 s), and the mean Ipopt iterations to one decimal (a mean of counts, once printed as
15.367)."""


def printed(frame: pd.DataFrame, columns=None, digits: int | None = 3, scientific=()) -> pd.DataFrame:
    """A table of this chapter as a page shows it: ``columns`` (default: all), each column of floats with ``digits``
    decimals (those of `DECIMALS` with their own), trailing zeros kept (`forlab.book.tables.fixed`: "0.010" under
    "0.013", so one column reads at one precision), the counts whole, both with their thousands grouped as the book
    groups them (`forlab.book.tables.grouped`: "1 156", fix G2), the columns of ``scientific`` as 1.2e-06, headers
    in words
    (`HEADERS`; the index's name by `INDEX_NAMES`, in the one header row of the page:
    `forlab.book.tables.one_header_row`) and a missing value as "–"."""
    columns = list(frame.columns if columns is None else columns)
    shown = frame[columns].copy()
    for col in shown.columns[shown.dtypes == bool]:  # a yes/no column reads as words, not as Python's True
        shown[col] = shown[col].map({True: "yes", False: "no"})
    if digits is not None:
        for col in shown.columns[[d.kind == "f" for d in shown.dtypes]]:
            shown[col] = fixed(shown[col], DECIMALS.get(col, digits), group=True)
    for col in shown.columns[[d.kind in "iu" for d in shown.dtypes]]:  # counts: OPFs, buses, points
        shown[col] = fixed(shown[col], 0, group=True)
    for col in scientific:
        shown[col] = [np.nan if pd.isna(v) else f"{v:.1e}" for v in frame[col]]
    out = printable(shown, {c: HEADERS.get(c, c) for c in columns})
    if out.index.dtype == object:  # a zero-width space after "+" and "/" lets a long DS name wrap on the page
        out.index = pd.Index([wrappable(v) for v in out.index])
    return out.rename_axis(INDEX_NAMES.get(frame.index.name, frame.index.name))


def coverage_text(st: xr.Dataset) -> str:
    """Markdown: what the coverage study (`coverage_table`) of the first DS of ``regions`` (named, with the parameter
    it comes from) shows as N grows: the mean and the largest distance (the largest is set by the one reference point
    farthest from every sample, so it falls in steps) and the hull volume ratio, with what a ratio above one means."""
    ct, ds = coverage_table(st), parameter(st, "regions")[0]
    n, mean, big, ratio = ct.index, ct.mean_distance, ct.max_distance, ct.hull_volume_ratio
    steps = int((np.diff(big.values) < 0).sum())
    above = n[ratio > 1].tolist()
    return (
        f"Coverage of {ds} (the first DS that the parameter `regions` lists) for N from {grouped(n[0])} to "
        f"{grouped(n[-1])}: the mean "
        f"distance to the reference goes from {mean.iloc[0]:.3f} to {mean.iloc[-1]:.3f}; the largest, set by the one "
        f"reference point farthest from every sample, from {big.iloc[0]:.3f} to {big.iloc[-1]:.3f}, falling at {steps} "
        f"of the {len(n) - 1} steps of N. The hull volume ratio goes from {ratio.iloc[0]:.4f} to {ratio.iloc[-1]:.4f}"
        + (f"; it exceeds one at N = {', '.join(map(grouped, above))}: the reference has support points only, and its "
           "hull cuts the curved boundary between them with flat faces, while the samples' projections and their "
           "own support directions reach parts of the region those faces cut off." if above else ".")
    )


def scale_text(tt: pd.DataFrame | None, timing_region: str) -> str:
    """Markdown: the scale run's wall times against issue 4's wall-time target (`timing_table`), or why there is
    none."""
    if tt is None:
        return ("The scale run is off with the default parameters (it takes minutes); "
                "`forlab run 03_for_sampling --profile paper` runs it on case533mt_hi.")
    return (
        f"{timing_region} ({grouped(tt.t_buses.iloc[0])} buses, {grouped(tt.t_fpus.iloc[0])} FPUs, "
        f"{grouped(tt.t_samples.iloc[0])} samples): {grouped(tt.t_wall_time_s.iloc[0], 1)} s with {tt.index[0]} "
        f"worker(s), {grouped(tt.t_wall_time_s.min(), 1)} s at "
        f"best; the target is at most {anchors.show('for_sampling_wall_s')} with two workers. Samples identical "
        "across worker counts: "
        f"{bool(tt.identical_to_first.all())}."
    )


def slice_areas(st: xr.Dataset) -> pd.DataFrame:
    """Area (MW x Mvar) of every PQ slice (convex hull of its support points), DSs as rows, as the page shows it: two
    decimals, thousands grouped as the book groups them (`forlab.book.tables.fixed`; fix G2: "1602.23" stood
    ungrouped, a slice's area reaching a thousand MW·Mvar on a DS of some ten MW)."""
    rows = []
    for ds in dict.fromkeys(st.slice_ds.values):
        of_ds = st.slice_ds.values == ds
        for v in np.unique(st.slice_vm_pu.values[of_ds]):
            at_v = (st.slice_vm_pu.values == v) & of_ds
            m = at_v & st.slice_success.values
            pts = np.column_stack([st.slice_p_mw.values[m], st.slice_q_mvar.values[m]])
            area = ConvexHull(pts).volume if len(pts) >= 3 else np.nan
            rows.append({"DS": ds, "V (p.u.)": round(float(v), 4), "area (MW·Mvar)": area,
                         "converged": f"{int(m.sum())}/{int(at_v.sum())}"})
    areas = pd.DataFrame(rows).set_index(["DS", "V (p.u.)"])
    return areas.assign(**{"area (MW·Mvar)": fixed(areas["area (MW·Mvar)"], 2, group=True).to_numpy()})
