"""Chapter 03, FOR sampling: the PQV feasible operating region of a DS mapped by bounding-box projections and
Fibonacci support points (`forlab.p1_for.sampling.sample_for`), its PQ slices, what changes it, how many directions
are enough, a power-flow check of the samples and the scale run on the 533-bus DS.

The samples are those of eqs. (p1-box), (p1-projection), (p1-fibonacci) and (p1-support) (the chapter's section
"Three steps"), all computed by `forlab.p1_for`; this module runs them, checks them and reads them back.

`run(params)` computes the chapter's store; the readers, figures and text helpers below read a store (the current
run's or an archived one opened with `forlab.book.store.open_path`). Units: MW, Mvar, p.u., seconds.

Store layout (one table per dimension, `forlab.book.tables`):

* ``sample``: every OPF of every DS (p_mw, q_mvar, vm_pu, normal, stage, status, success, iterations,
  solve_time_s) and its DS, ``sample_ds``;
* ``vsample``: the same for the variants of one DS (prefix ``variant_``, and ``variant``);
* ``slice_point``: support points of the PQ slices at fixed PCC voltage (prefix ``slice_``);
* ``ds_row``: one row per DS (ds, buses, fpus, samples, failed, wall_time_s, mean_solve_time_s, mean_iterations,
  and the bounding box ``box_lo`` / ``box_hi`` over ``axis``);
* ``coverage_row``, ``ref_point``: the coverage study and its reference boundary;
* ``check_row``: the power-flow checks (prefix ``check_`` for the DS and its size);
* ``timing_row``: the scale run (prefix ``t_``).
"""

from __future__ import annotations

import itertools
import json
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial import ConvexHull

from forlab.book import anchors, parallel, plots
from forlab.book.runner import check_distinct, check_non_negative, check_types
from forlab.book.store import paper_origin
from forlab.book.tables import (
    TitledTable,
    as_printed,
    fixed,
    grouped,
    listed,
    printable,
    table,
    to_dataset,
    wrappable,
)
from forlab.grid import td
from forlab.p1_for import checks, sampling
from forlab.p1_for.dso_opf import DSOModel

AXES = ("p_mw", "q_mvar", "vm_pu")
AXIS_LABELS = {"p_mw": "P import (MW)", "q_mvar": "Q import (Mvar)", "vm_pu": "V at PCC (p.u.)"}
SAMPLE_VARS = ["p_mw", "q_mvar", "vm_pu", "normal", "stage", "status", "success", "iterations", "solve_time_s"]
"""The variables of `sample_for`'s Dataset the store keeps per OPF."""

VARIANTS = {
    "meshed, mixed charts, [0.95, 1.05]": {},
    "radial (ties open)": {"ties": "none"},
    "rectangles only": {"kinds": ("rectangle",)},
    "inverter circles only": {"kinds": ("circle",)},
    "power-factor cones only": {"kinds": ("cone",)},
    "voltage band [0.90, 1.10]": {"vm_limits": (0.9, 1.1)},
}
"""The variants of one DS: one thing changed at a time (keyword arguments of `forlab.grid.td.load_system`)."""
REFERENCE_VARIANT = next(iter(VARIANTS))
"""The variant every other one changes one thing of: the DS as the chapter samples it."""

SUMMARY = ["ds", "buses", "fpus", "samples", "failed", "wall_time_s", "mean_solve_time_s", "mean_iterations"]
TIMING = ["workers", "t_samples", "t_failed", "t_wall_time_s", "t_sampling_time_s", "t_mean_solve_time_s", "t_buses",
          "t_fpus", "identical_to_first"]
COVERAGE = ["n_directions", "cov_samples", "mean_distance", "max_distance", "hull_volume_ratio", "cov_wall_time_s"]
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
ANCHOR_KEYS = ["for_sampling_wall_s"]
"""The published anchors this chapter compares with (`forlab.book.anchors`): issue 4's wall-time target."""

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
STAGE_LABELS = {"fibonacci": "support point (stage 2)", "projection": "projection (stage 1)", "box": "box extreme"}
"""Legend names of the sample stages in the figures."""
STAGE_COLOURS = dict(zip(("box", "fibonacci", "projection"), plots.category_colours(3)))
"""Colours of the sample stages in the static and the interactive view alike (`for_regions_3d`,
`for_regions_interactive`), the hull in the support points' colour: a stage is not a method, so none is in a
method's colour (`forlab.book.plots.category_colours`); the six box extremes in the darkest of them, near the
black they had, the support points in one that a dark square stands out from."""
SUPPORT_TOL = 1e-6
"""Largest excess of d . x~ over a support value (box-normalised units) that the check accepts."""
BOX_UNITS = "box-normalised"
"""The unit of the checks' excesses, errors and steps, which the sentence under their tables prints beside each
number (a reader could take a bare 5.7e-07 for p.u. or MW)."""


# --------------------------------------------------------------------------- parameters
def ds_of(spec: str, **system_options):
    """The pandapower net of the DS ``spec`` (``"<system>/<DS>"``) inside its study system."""
    name, ds = td.split_ds(spec)
    system = td.load_system(name, **system_options)
    if ds not in system.ds:
        raise ValueError(f"system {name!r} has no DS {ds!r}; its DSs are {list(system.ds)}")
    return system.ds[ds]


PARAMETER_TYPES = {
    "regions": (list, str), "n_directions": int, "face_grid": int, "n_workers": int, "scheduler": str,
    "slice_levels": (list, float), "slice_directions": int, "coverage_ns": (list, int), "reference_n": int,
    "variant_region": str, "variant_n": int, "timing_region": str, "timing_n_directions": int,
    "timing_face_grid": int, "timing_workers": (list, int), "timing_n_fpus": int, "check_regions": (list, str),
    "check_n_directions": int, "check_face_grid": int, "check_points": int,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


def check_params(params: dict) -> None:
    """Type and value checks of the chapter's parameters (`forlab.book.runner.check_types`, then ValueError naming
    the parameter): among them a DS named twice in ``regions`` or ``check_regions``
    (`forlab.book.runner.check_distinct`: it would be sampled twice and shown twice) and a ``scheduler`` that is no
    Dask scheduler address (`forlab.book.parallel.check_address`, the rule the connection applies)."""
    check_types(params, PARAMETER_TYPES, "03_for_sampling")
    for key in ("regions", "check_regions"):
        if not isinstance(params[key], (list, tuple)):
            raise TypeError(f"{key} must be a list of '<system>/<DS>', got {params[key]!r}")
        for spec in params[key]:
            td.check_ds(spec, key)
        check_distinct(key, params[key])
    if not params["regions"]:
        raise ValueError("regions must name at least one DS, e.g. ['case9+case33bw/case33bw'], got []")
    parallel.check_address(params["scheduler"], name="scheduler", empty=parallel.NO_SCHEDULER)
    td.check_ds(params["variant_region"], "variant_region")
    if params["timing_region"]:  # "" skips the scale run
        td.check_ds(params["timing_region"], "timing_region")
    check_non_negative(params, ["n_workers"], {"n_workers": "solve in-process"})
    for key in ("n_directions", "face_grid", "slice_directions", "reference_n", "variant_n", "timing_n_directions",
                "timing_face_grid", "timing_n_fpus", "check_n_directions", "check_face_grid", "check_points"):
        check_non_negative(params, [key])
    for key in ("coverage_ns", "timing_workers"):
        if not all(isinstance(n, (int, np.integer)) and n > 0 for n in params[key]):
            raise ValueError(f"{key} must be a list of positive integers, got {params[key]!r}")
    if not all(0 <= float(f) <= 1 for f in params["slice_levels"]):
        raise ValueError(f"slice_levels are fractions of the PCC-voltage range in [0, 1], got {params['slice_levels']!r}")
    _check_not_empty(params)
    _check_coverage(params["coverage_ns"], params["reference_n"])


_NOT_EMPTY = {"check_regions": "DS for the power-flow checks, e.g. ['case9+case33bw/case33bw']",
              "coverage_ns": "number of directions N for the coverage study",
              "slice_levels": "fraction of the PCC-voltage range to slice at"}
"""The list parameters whose section of the page has no "skip" (as ``timing_region = ""`` has): each must name at
least what is said here."""


def _check_not_empty(params: dict) -> None:
    """ValueError naming the first `_NOT_EMPTY` parameter that is empty: its section's table would crash the page."""
    for key, what in _NOT_EMPTY.items():
        if not len(params[key]):
            raise ValueError(f"{key} must name at least one {what}, got []")


def _check_coverage(ns: list[int], reference_n: int) -> None:
    """ValueError unless ``coverage_ns`` increases strictly (the coverage text reads its steps of N in list order)
    and ``reference_n`` is above its largest N: a reference no denser than the samples measures no coverage (at
    N = reference_n the boundary is compared with one of its own density, and its coverage would read as a result)."""
    if any(b <= a for a, b in itertools.pairwise(ns)):
        raise ValueError(f"coverage_ns must increase strictly (the coverage study reads its steps of N in list "
                         f"order), got {ns!r}: pass {sorted(set(ns))!r}")
    if reference_n <= max(ns):
        raise ValueError(f"reference_n ({reference_n}) must be above the largest of coverage_ns ({max(ns)}): each "
                         f"N is measured against a reference boundary of reference_n directions, which must be the "
                         f"denser; raise reference_n (the defaults use four times the largest N) or lower coverage_ns")


# --------------------------------------------------------------------------- the computation
def tagged(samples: xr.Dataset, dim: str, prefix: str = "", **labels) -> xr.Dataset:
    """The `SAMPLE_VARS` of ``samples`` over dimension ``dim``, named ``prefix + name``, plus constant ``labels``."""
    out = samples[SAMPLE_VARS].rename({"sample": dim, **{k: prefix + k for k in SAMPLE_VARS}})
    for k, v in labels.items():
        out[k] = (dim, np.full(out.sizes[dim], v))
    return out.drop_vars(dim)


def _address(params: dict):
    return params["scheduler"] or None


def slice_rows(net, box, spec: str, slice_levels, slice_directions: int) -> list[dict]:
    """Support points of the PQ slices of one DS at PCC voltages at ``slice_levels`` of its box's voltage range."""
    model = DSOModel(net)
    lo_v, hi_v = box.lo[2], box.hi[2]
    rows = []
    for v in [lo_v + f * (hi_v - lo_v) for f in slice_levels]:
        for smp in model.pq_slice(v, slice_directions, box):
            rows.append({"slice_ds": spec, "slice_vm_pu": v, "slice_p_mw": smp.p_mw, "slice_q_mvar": smp.q_mvar,
                         "slice_success": smp.success, "slice_status": smp.status})
    return rows


def sample_dss(params: dict) -> xr.Dataset:
    """Every DS of ``regions`` sampled (``n_directions``, ``face_grid``), with its PQ slices, one summary row and its
    bounding box."""
    parts, boxes, slices, info = [], [], [], []
    for spec in params["regions"]:
        net = ds_of(spec)
        s = sampling.sample_for(net, params["n_directions"], params["face_grid"], n_workers=params["n_workers"],
                                address=_address(params), name=spec)
        parts.append(tagged(s, "sample", sample_ds=spec))
        box = sampling.box_of(s)
        boxes.append(box)
        info.append({"ds": spec, "buses": s.attrs["n_buses"], "fpus": s.attrs["n_fpus"], "samples": s.sizes["sample"],
                     "failed": int((~s.success).sum()), "wall_time_s": s.attrs["wall_time_s"],
                     "mean_solve_time_s": float(s.solve_time_s.mean()),
                     "mean_iterations": float(s.iterations.mean())})
        slices += slice_rows(net, box, spec, params["slice_levels"], params["slice_directions"])
    return xr.merge([
        xr.concat(parts, dim="sample"), to_dataset(pd.DataFrame(slices), "slice_point"),
        to_dataset(pd.DataFrame(info), "ds_row"),
        xr.Dataset({"box_lo": (("ds_row", "axis"), np.array([b.lo for b in boxes])),
                    "box_hi": (("ds_row", "axis"), np.array([b.hi for b in boxes]))}),
    ], compat="override", combine_attrs="drop")


def sample_variants(params: dict) -> xr.Dataset:
    """The DS ``variant_region`` sampled once per `VARIANTS` entry (``variant_n`` directions, no face grid)."""
    parts = []
    for label, kw in VARIANTS.items():
        s = sampling.sample_for(ds_of(params["variant_region"], **kw), params["variant_n"], 0,
                                n_workers=params["n_workers"], address=_address(params), name=label, progress=False)
        parts.append(tagged(s, "vsample", prefix="variant_", variant=label))
    return xr.concat(parts, dim="vsample")


def coverage_study(params: dict) -> xr.Dataset:
    """Coverage of the first DS's samples for each N of ``coverage_ns`` against a reference boundary of
    ``reference_n`` directions (`forlab.p1_for.sampling.coverage`), and the reference points."""
    net = ds_of(params["regions"][0])
    kw = {"n_workers": params["n_workers"], "address": _address(params), "progress": False}
    reference = sampling.sample_for(net, params["reference_n"], 0, **kw)
    rows = []
    for n in params["coverage_ns"]:
        s = sampling.sample_for(net, n, params["face_grid"], **kw)
        rows.append({"n_directions": n, "cov_samples": s.sizes["sample"], **sampling.coverage(s, reference),
                     "cov_wall_time_s": s.attrs["wall_time_s"]})
    ref = xr.Dataset({f"ref_{a}": ("ref_point", reference[a].values) for a in AXES})
    return xr.merge([to_dataset(pd.DataFrame(rows), "coverage_row"), ref])


def power_flow_checks(params: dict) -> xr.Dataset:
    """Per DS of ``check_regions``: the support bound and the projections checked by pandapower's power flow
    (`forlab.p1_for.checks`)."""
    rows = []
    for spec in params["check_regions"]:
        net = ds_of(spec)
        cs = sampling.sample_for(net, params["check_n_directions"], params["check_face_grid"],
                                 n_workers=params["n_workers"], address=_address(params), progress=False)
        sb, pj = checks.support_bound(net, cs, n_points=params["check_points"]), checks.projections(net, cs)
        rows.append({"check_ds": spec, "check_buses": cs.attrs["n_buses"], "check_samples": cs.sizes["sample"],
                     "check_failed": int((~cs.success).sum()), "random_points": sb["n_tried"],
                     "feasible_points": sb["n_feasible"], "max_support_excess": sb["max_excess"],
                     "projections": pj["n_projections"], "feasible_projections": pj["n_feasible"],
                     "projections_on_boundary": pj["n_on_boundary"], "diverged_projections": pj["n_diverged"],
                     "max_pcc_error": pj["max_pcc_error"]})
    return to_dataset(pd.DataFrame(rows), "check_row")


def scale_run(params: dict) -> xr.Dataset:
    """The sampling of ``timing_region`` (with ``timing_n_fpus`` FPUs) once per worker count of ``timing_workers``,
    one after the other so that their wall times compare; empty when ``timing_region`` is empty."""
    spec = params["timing_region"]
    if not spec:
        return xr.Dataset()
    net = ds_of(spec, n_fpus={td.split_ds(spec)[1]: params["timing_n_fpus"]})
    rows, first = [], None
    for w in params["timing_workers"]:
        t0 = time.perf_counter()
        s = sampling.sample_for(net, params["timing_n_directions"], params["timing_face_grid"], n_workers=w,
                                address=_address(params), name=f"{spec}, {w} workers")
        pts = np.column_stack([s.p_mw, s.q_mvar, s.vm_pu])
        same = bool(first is None or np.array_equal(pts, first))
        first = pts if first is None else first
        rows.append({"workers": w, "t_samples": s.sizes["sample"], "t_failed": int((~s.success).sum()),
                     "t_wall_time_s": time.perf_counter() - t0, "t_sampling_time_s": s.attrs["parallel_time_s"],
                     "t_box_time_s": s.attrs["box_time_s"], "t_mean_solve_time_s": float(s.solve_time_s.mean()),
                     "t_buses": s.attrs["n_buses"], "t_fpus": s.attrs["n_fpus"], "identical_to_first": same,
                     "t_load_average": os.getloadavg()[0], "t_cores": parallel.default_workers()})
    return to_dataset(pd.DataFrame(rows), "timing_row")


def run(params: dict) -> xr.Dataset:
    """The chapter's store: samples and PQ slices of every DS, the variants, the coverage study, the power-flow
    checks and the scale run (see the module docstring for the layout)."""
    check_params(params)
    store = xr.merge([sample_dss(params), sample_variants(params), coverage_study(params), power_flow_checks(params),
                      scale_run(params)], compat="override", combine_attrs="drop")
    store.attrs["anchors"] = anchors.as_attr(ANCHOR_KEYS)  # the yardstick the scale run is held against
    return store.assign_coords(axis=list(AXES))


# --------------------------------------------------------------------------- tables and text
def parameter(st: xr.Dataset, key: str):
    """The value of the chapter's parameter ``key`` the store was computed with."""
    return json.loads(st.attrs["parameters"])[key]


def summary_table(st: xr.Dataset) -> pd.DataFrame:
    """One row per DS: size, number of OPFs, failures, wall time and mean solver time (s), mean Ipopt iterations."""
    return table(st, "ds_row")[SUMMARY].set_index("ds")


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


def check_table(st: xr.Dataset) -> pd.DataFrame:
    """The power-flow checks, one row per DS. A store written before diverged projections were counted has none:
    such a projection ended the check then, so a store that has the row saw every power flow converge (0)."""
    ck = table(st, "check_row").set_index("check_ds")
    return ck if "diverged_projections" in ck else ck.assign(diverged_projections=0)


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


RANGE_HEADERS = {"p_mw": "P range (MW)", "q_mvar": "Q range (Mvar)", "vm_pu": "V range (p.u.)"}


def variant_ranges(st: xr.Dataset) -> pd.DataFrame:
    """Per variant, the range (max - min) of P (MW), Q (Mvar) and V (p.u.) over its samples."""
    vt = table(st, "vsample").groupby("variant", sort=False)
    out = pd.DataFrame({RANGE_HEADERS[a]: vt[f"variant_{a}"].max() - vt[f"variant_{a}"].min() for a in AXES})
    return out.rename_axis("variant")


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


COMPETING_LOAD = 0.5
"""Load (in cores) beyond a timed run's own workers above which other work counts as competing for the cores
(`load_text`): half a core of someone else's work changes a two-core run's wall time by more than its noise."""


def load_text(big: xr.Dataset) -> str:
    """Markdown: the load average recorded at the end of each timed run against the run's own workers and the
    machine's cores (``t_cores``; a store from before it was recorded is read against the cores of the machine
    reading it, and says so). The one-minute load average counts the run's own busy workers, so only the load
    beyond them is other work; beyond `COMPETING_LOAD` it competed for the cores, and the wall times and their ratio
    then do not measure the sampling alone."""
    tt = table(big, "timing_row").set_index("workers")
    load, workers = tt.t_load_average, tt.index.to_series()
    other = float((load - workers).max())
    recorded = "t_cores" in big
    cores = int(big.t_cores.values[0]) if recorded else parallel.default_workers()
    where = "" if recorded else " (the cores of the machine reading this store, which predates recording them)"
    loads = ", ".join(f"{x:.1f} with {_workers(w)}" for w, x in load.items())
    return (
        f"Load average at the end of the timed runs: {loads}, on {cores} cores{where}; beyond the run's own "
        f"workers at most {max(other, 0.0):.1f}, against a threshold of {COMPETING_LOAD:g} for other work: "
        + ("other work competed for the cores, so these wall times, the verdict on the target and the speed-up are "
           "unreliable." if other > COMPETING_LOAD else "the timed runs had the cores to themselves.")
    )


def _workers(n: int) -> str:
    return "one worker" if n == 1 else f"{n} workers"


def paper_text(big: xr.Dataset) -> str:
    """Markdown: the paper-scale run's store named with the parameters it ran with (`forlab.book.store.paper_origin`,
    as every paper-scale section), in a paragraph of its own; then its scale test (one and two workers, the speed-up
    of the wall times as the table prints them, identical samples), the verdict on the wall-time target in a
    sentence of its own (not the tail of the store's long line), and `load_text`. The target is judged on the
    stored, unrounded wall time, as every chapter judges a target (`forlab.book.anchors.Anchor.met`): a run of
    90.04 s prints as 90.0 s and misses "at most 90 s"."""
    bt = timing_table(big)
    stored = float(bt.t_wall_time_s.get(2, float("nan")))  # what the target is judged on
    # the wall times as the table prints them (`DECIMALS`): the speed-up is theirs, as a reader recomputes it
    two, one = as_printed([bt.t_wall_time_s.get(w, float("nan")) for w in (2, 1)], DECIMALS["t_wall_time_s"])
    met = anchors.anchor("for_sampling_wall_s").met(stored)
    return (
        f"{paper_origin(big)}\n\nThe scale run: {grouped(bt.t_samples.iloc[0])} samples of "
        f"the {grouped(bt.t_buses.iloc[0])}-bus DS with {grouped(bt.t_fpus.iloc[0])} FPUs of mixed chart types "
        f"({', '.join(td.DEFAULT_KINDS)}) in {grouped(one, 1)} s with one worker and "
        f"{grouped(two, 1)} s with two (speed-up {one / two:.2f}x); the samples are "
        f"{'' if bt.identical_to_first.all() else 'not '}identical across worker counts. The wall-time target, at "
        f"most {anchors.show('for_sampling_wall_s')} with two workers, is {'met' if met else '**missed**'}. "
        + _paper_size_words(int(bt.t_buses.iloc[0])) + load_text(big)
    )


def _paper_size_words(buses: int) -> str:
    """Words setting the scale run's DS beside the largest DS of P1's paper (`anchors` ``p1_largest_ds_buses``): the
    scale run is meant to be the paper's case-study scale, and a reader should see that it is (or that it is not)."""
    paper = anchors.anchor("p1_largest_ds_buses")
    same = "as large as" if buses == paper.value else ("larger than" if buses > paper.value else "smaller than")
    return f"The DS is {same} the largest DS in the case study of the FOR method's paper, P1 ({paper.show()}). "


# --------------------------------------------------------------------------- figures
def _ds_points(st: xr.Dataset, ds: str) -> tuple[np.ndarray, np.ndarray]:
    """The converged samples of DS ``ds`` as (n x 3 array of P, Q, V; their stage)."""
    sel = (st.sample_ds == ds) & st.success
    return np.column_stack([st[a].values[sel] for a in AXES]), st.stage.values[sel]


def _hull(pts: np.ndarray):
    """The convex hull of the points, computed in box-normalised coordinates (P, Q and V have different units);
    None for fewer than four points."""
    if len(pts) < 4:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return ConvexHull((pts - lo) / np.where(hi - lo > 0, hi - lo, 1.0))


def _short(ds: str) -> str:
    """The DS's own name from ``"<system>/<DS>"``, for panel titles (the tables give the full name)."""
    return ds.split("/")[-1]


def _ticks_clear_of(lo: float, hi: float, end: str, most: int = 4, clearance: float = 0.1) -> list[float]:
    """Up to ``most`` round ticks inside [lo, hi] without one closer than ``clearance`` (a share of the range) to
    its ``end`` ("lower" or "upper"), where another axis's labels begin."""
    from matplotlib.ticker import MaxNLocator

    span = hi - lo if hi > lo else 1.0
    ticks = [t for t in MaxNLocator(most).tick_values(lo, hi) if lo - 1e-9 * span <= t <= hi + 1e-9 * span]
    corner = lo if end == "lower" else hi
    return [t for t in ticks if abs(t - corner) >= clearance * span]


def _draw_ds_3d(ax, pts: np.ndarray, stage: np.ndarray, hull) -> None:
    """One 3-D panel: the hull (translucent) and the samples coloured by stage; few ticks, so labels stay apart."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    hull_colour = STAGE_COLOURS["fibonacci"]
    if hull is not None:
        ax.plot_trisurf(pts[:, 0], pts[:, 1], pts[:, 2], triangles=hull.simplices, alpha=0.15,
                        color=hull_colour, linewidth=0.2, edgecolor=hull_colour)
    for name, marker in (("fibonacci", "o"), ("projection", "^"), ("box", "s")):
        m = stage == name
        ax.scatter(pts[m, 0], pts[m, 1], pts[m, 2], s=10, marker=marker, color=STAGE_COLOURS[name],
                   label=STAGE_LABELS[name])
    # the P axis ends where the Q axis starts (the corner nearest the viewer): a P tick at the top of its range and
    # a Q tick at the bottom of its range would put labels such as "3.6" and "1.5" on top of one another
    for axis, label, col, end in ((ax.xaxis, "P (MW)", 0, "upper"), (ax.yaxis, "Q (Mvar)", 1, "lower")):
        axis.set_major_locator(FixedLocator(_ticks_clear_of(pts[:, col].min(), pts[:, col].max(), end)))
        axis.set_label_text(label, fontsize=9)
    ax.zaxis.set_major_locator(MaxNLocator(4))
    ax.zaxis.set_label_text("V (p.u.)", fontsize=9)
    ax.tick_params(labelsize=9, pad=0)


def for_regions_3d(st: xr.Dataset, dss, view=(25, -60)):
    """The static view of the regions, for print: one panel per DS (two per row) seen from ``view`` (elevation,
    azimuth in degrees), samples coloured by stage and their convex hull (translucent), one legend for the figure.
    `for_regions_interactive` is the same picture to turn."""
    ncols = min(2, len(dss))
    nrows = int(np.ceil(len(dss) / ncols))
    fig = plt.figure(figsize=(7.5, 3.5 * nrows + 0.4))
    for k, ds in enumerate(dss):
        pts, stage = _ds_points(st, ds)
        ax = fig.add_subplot(nrows, ncols, k + 1, projection="3d")
        _draw_ds_3d(ax, pts, stage, _hull(pts))
        ax.view_init(elev=view[0], azim=view[1])
        ax.set_box_aspect(None, zoom=0.85)
        ax.set_title(_short(ds), fontsize=10)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if len(dss) % 2 and len(dss) > 1:  # the empty last cell of the grid holds the legend
        fig.legend(handles, labels, loc="center", bbox_to_anchor=(0.75, 0.5 / nrows))
    else:
        fig.legend(handles, labels, loc="lower center", ncol=3)
    fig.subplots_adjust(left=0.0, right=0.95, bottom=0.06, top=0.95, wspace=0.15, hspace=0.15)
    return fig


def for_regions_interactive(st: xr.Dataset, dss):
    """The regions as one interactive plotly figure: per DS its samples by stage and their convex hull, one DS at a
    time (buttons named after the DSs choose it); drag to turn, scroll to zoom, hover for (P, Q, V). Returns a plotly Figure (show it
    with `forlab.book.plots.interactive_html`, which embeds plotly.js so that it works offline)."""
    import plotly.graph_objects as go

    symbols = {"fibonacci": "circle", "projection": "diamond", "box": "square"}
    fig, owner, ranges = go.Figure(), [], []
    for k, ds in enumerate(dss):
        pts, stage = _ds_points(st, ds)
        hull = _hull(pts)
        if hull is not None:
            i, j, kk = hull.simplices.T
            fig.add_trace(go.Mesh3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], i=i, j=j, k=kk,
                                    color=STAGE_COLOURS["fibonacci"], opacity=0.18, name="convex hull",
                                    hoverinfo="skip", showlegend=k == 0, visible=k == 0, flatshading=True))
            owner.append(k)
        for name in ("fibonacci", "projection", "box"):
            m = stage == name
            fig.add_trace(go.Scatter3d(
                x=pts[m, 0], y=pts[m, 1], z=pts[m, 2], mode="markers", name=STAGE_LABELS[name],
                marker={"size": 4 if name != "box" else 5, "color": STAGE_COLOURS[name], "symbol": symbols[name]},
                hovertemplate="P %{x:.3f} MW<br>Q %{y:.3f} Mvar<br>V %{z:.4f} p.u.<extra></extra>",
                showlegend=k == 0, legendgroup=name, visible=k == 0))
            owner.append(k)
        pad = 0.04 * (pts.max(axis=0) - pts.min(axis=0))
        ranges.append((pts.min(axis=0) - pad, pts.max(axis=0) + pad))

    def scene(k: int) -> dict:
        lo, hi = ranges[k]
        return {f"scene.{a}.range": [float(lo[n]), float(hi[n])] for n, a in enumerate(("xaxis", "yaxis", "zaxis"))}

    buttons = [{"label": _short(ds), "method": "update",
                "args": [{"visible": [o == k for o in owner]}, scene(k)]}
               for k, ds in enumerate(dss)]
    fig.update_layout(
        height=560, margin={"l": 0, "r": 0, "t": 50, "b": 0}, font={"size": 12},
        scene={"xaxis_title": "P (MW)", "yaxis_title": "Q (Mvar)", "zaxis_title": "V (p.u.)", "aspectmode": "cube",
               "camera": {"eye": {"x": 1.6, "y": -1.6, "z": 0.9}}},
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": 0.0},
        updatemenus=[{"type": "buttons", "direction": "right", "buttons": buttons, "x": 0.5, "xanchor": "center",
                      "y": 1.0, "yanchor": "bottom", "showactive": True, "pad": {"t": 0, "b": 4}}],
    )
    fig.update_layout(**scene(0))
    return fig


def _outline(p, q) -> np.ndarray:
    """The closed convex-hull outline of the points (p, q); degenerate (collinear) sets as they are."""
    pts = np.column_stack([p, q])
    if len(pts) < 3:
        return pts
    try:
        h = ConvexHull(pts)
    except Exception:  # noqa: BLE001 - degenerate (collinear) sets are drawn as they are
        return pts
    v = pts[h.vertices]
    return np.vstack([v, v[:1]])


def _pq_axes(ax, legend: bool = True) -> None:
    """Labels (MW, Mvar) of a PQ-plane panel, and its legend unless the figure has one: below the axes, as
    `pq_slices` has its (right of them it squeezed the plot into half the column)."""
    ax.set_xlabel(AXIS_LABELS["p_mw"])
    ax.set_ylabel(AXIS_LABELS["q_mvar"])
    if legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)


def _slice_level(st: xr.Dataset, ds: str, v: float) -> float:
    """Where the slice voltage ``v`` of DS ``ds`` lies in its box's PCC-voltage range (0: lowest, 1: highest), i.e.
    the ``slice_levels`` entry it was traced at."""
    row = list(st.ds.values).index(ds)
    lo, hi = float(st.box_lo.values[row, 2]), float(st.box_hi.values[row, 2])
    return (v - lo) / (hi - lo) if hi > lo else 0.0


SLICE_STYLES = ({"linestyle": "-", "linewidth": 1.5}, {"linestyle": "-", "linewidth": 4.0, "alpha": 0.4},
                {"linestyle": "--", "linewidth": 1.5})
"""Line styles of the slice levels in order: a wide translucent line under a dashed one shows where they coincide."""


def pq_slices(st: xr.Dataset, dss):
    """PQ outlines at the slice voltages (variables slice_*), one panel per DS, one colour per slice level (the
    same fraction of each DS's PCC-voltage range; `forlab.book.plots.category_colours`, no method's) and one legend
    for the figure; the voltages are in `slice_areas`."""
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, len(dss), figsize=(7.5, 3.4), squeeze=False)
    levels = max(len(np.unique(st.slice_vm_pu.values[st.slice_ds.values == ds])) for ds in dss)
    colours = plots.category_colours(levels)
    for ax, ds in zip(axes[0], dss):
        of_ds = st.slice_ds.values == ds
        for n, v in enumerate(np.unique(st.slice_vm_pu.values[of_ds])):
            m = (st.slice_vm_pu.values == v) & of_ds & st.slice_success.values
            o = _outline(st.slice_p_mw.values[m], st.slice_q_mvar.values[m])
            style = SLICE_STYLES[n % len(SLICE_STYLES)]  # outlines that coincide stay visible
            ax.plot(o[:, 0], o[:, 1], color=colours[n], **style,
                    label=f"V at {100 * _slice_level(st, ds, float(v)):.0f} % of the DS's PCC-voltage range")
        ax.set_title(_short(ds), fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        _pq_axes(ax, legend=False)
        if ax is not axes[0][0]:
            ax.set_ylabel("")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=1)
    fig.tight_layout(rect=(0, 0.07 * len(labels), 1, 1))
    return fig


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


def variant_outlines(st: xr.Dataset):
    """PQ-plane outlines (convex hull of the support points, variables variant_*) of the variants of one DS, named
    in the title. The reference variant is a wide grey-black band under the others (the style of `SLICE_STYLES`):
    the variants that change little (ties, voltage band) run along it, and a thin line over a wide one keeps both
    visible where they coincide. The other variants in `forlab.book.plots.category_colours` (a variant is not a
    method); the legend below the axes (`_pq_axes`)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    variants = list(dict.fromkeys(st.variant.values))
    colours = plots.category_colours(sum(v != REFERENCE_VARIANT for v in variants))
    # every second colour first: neighbours on the viridis scale (two dark ones) would name the variants listed
    # next to one another, which the legend sets side by side
    colours = iter(colours[0::2] + colours[1::2])
    for v in variants:
        m = (st.variant.values == v) & st.variant_success.values
        o = _outline(st.variant_p_mw.values[m], st.variant_q_mvar.values[m])
        style = ({"color": "black", "linewidth": 5.0, "alpha": 0.35, "zorder": 1} if v == REFERENCE_VARIANT
                 else {"color": next(colours), "linewidth": 1.3, "zorder": 2})
        ax.plot(o[:, 0], o[:, 1], "-", label=v + (" (reference)" if v == REFERENCE_VARIANT else ""), **style)
    ax.set_title(parameter(st, "variant_region"), fontsize=10)
    _pq_axes(ax)
    fig.tight_layout()
    return fig


REFERENCE_LINE = {**plots.BOUND_LINE, "linewidth": 1}
"""`coverage_figure`'s line where the samples' hull has the reference hull's volume (a ratio of one)."""


def coverage_figure(ct: pd.DataFrame):
    """Distance to the reference boundary (mean, max) and hull volume ratio against N (`coverage_table`), with the
    line where the hull has the reference's volume (`REFERENCE_LINE`: the caption says the ratio approaches it and
    can exceed it); the N axis is labelled at the values of N. Mean and largest in
    `forlab.book.plots.category_colours` (neither is a method), the ratio in the mean's colour."""
    fig, ax = plt.subplots(1, 2, figsize=(7.5, 3.2))
    mean, largest = plots.category_colours(2)
    ax[0].loglog(ct.index, ct.mean_distance, "o-", color=mean, label="mean")
    ax[0].loglog(ct.index, ct.max_distance, "s--", color=largest, label="largest")
    ax[0].set_ylabel("distance to reference\n(box-normalised)")
    ax[0].legend()
    plots.log_ticks(ax[0].yaxis)
    ax[1].semilogx(ct.index, ct.hull_volume_ratio, "o-", color=mean)
    ax[1].axhline(1.0, **REFERENCE_LINE, label="the reference hull's volume")
    lo, hi = min(ct.hull_volume_ratio.min(), 1.0), max(ct.hull_volume_ratio.max(), 1.0)
    ax[1].set_ylim(lo - 0.08 * (hi - lo), hi + 0.08 * (hi - lo))  # the line clear of the frame, also at the top
    ax[1].legend()
    ax[1].set_ylabel("hull volume / reference")
    for a in ax:
        a.set_xlabel("Fibonacci directions N")
        plots.log_ticks(a.xaxis, ct.index)
    fig.tight_layout()
    return fig
