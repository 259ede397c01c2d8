"""The study of chapter 03: the chapter's parameters (`PARAMETER_TYPES`, `check_params`) and its DSs (`ds_of`), the
variants of one DS (`VARIANTS`), the computation (every DS sampled with its PQ slices, `sample_dss`; the variants,
`sample_variants`; the coverage study, `coverage_study`; the power-flow checks, `power_flow_checks`; the scale run,
`scale_run`) and `run`, which merges them into the chapter's store.

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
import os
import time

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, parallel
from forlab.book.runner import check_distinct, check_non_negative, check_types
from forlab.book.tables import to_dataset
from forlab.grid import td
from forlab.p1_for import checks, sampling
from forlab.p1_for.dso_opf import DSOModel

__all__ = [
    "ANCHOR_KEYS",
    "AXES",
    "PARAMETER_TYPES",
    "REFERENCE_VARIANT",
    "SAMPLE_VARS",
    "VARIANTS",
    "check_params",
    "coverage_study",
    "ds_of",
    "power_flow_checks",
    "run",
    "sample_dss",
    "sample_variants",
    "scale_run",
    "slice_rows",
    "tagged",
]


AXES = ("p_mw", "q_mvar", "vm_pu")
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
ANCHOR_KEYS = ["for_sampling_wall_s"]
"""The published anchors this chapter compares with (`forlab.book.anchors`): issue 4's wall-time target."""


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
