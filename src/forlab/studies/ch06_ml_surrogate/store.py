"""The chapter's run and its store: `run(params)` does every step of `forlab.studies.ch06_ml_surrogate.steps` and
returns one xarray Dataset (`to_store`), padded over DSs of different input sizes.

Dimensions: ds (one per DS case, "system/DS"), sample, input, pcc, fpu, iteration (training history), facets x
n_train (sweep), slice x sy x sx (region slices), refine_round, certify_round, run (benchmark rows).
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, parallel
from forlab.book.progress import line as terminal_line
from forlab.opf.judge import VIOLATION_COUNTS
from forlab.opf.outcome import OUTCOME
from forlab.p2_surrogate.dataset import RANGES, check_range
from forlab.p2_surrogate.model import SurrogateOptions
from forlab.p2_surrogate.polytope import PolytopeOptions, check_max_false_feasible
from forlab.p2_surrogate.regressors import errors
from forlab.studies.ch06_ml_surrogate.steps import (
    DSCase,
    benchmark_system,
    build_cases,
    default_slices,
    fit_case,
    lhs_train_size,
    point_truth,
    region_slice,
    slice_reference,
    sweep,
)

__all__ = ["PARAMETER_TYPES", "benchmark_all", "check_params", "dataset_log", "options", "run", "slice_all",
           "to_store"]

PARAMETER_TYPES = {
    "systems": (list, str), "n_samples": int, "test_fraction": float, "boundary_share": float,
    **{name: (list, float) for name in RANGES}, "facets": int, "temperatures": (list, float), "margin": float,
    "ff_weight": float, "max_iter": int, "ridge": float, "vm_margin_pu": float, "loading_margin_percent": float,
    "max_false_feasible": float, "refine_rounds": int, "refine_samples": int, "certify_rounds": int,
    "vertex_samples": int, "facet_sweep": (list, int), "size_sweep": (list, int), "n_scenarios": int,
    "timing_repeats": int, "slice_points": int, "store_samples": int, "seed": int, "n_workers": int, "scheduler": str,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


_POSITIVE = ("n_samples", "facets", "n_scenarios", "timing_repeats")
"""Counts of the chapter that must be >= 1."""

MIN_SLICE_POINTS = 2
"""The fewest ``slice_points`` (grid points per axis of a region slice): its contour (`figures._slice_panel`) needs
a 2 x 2 grid."""

_NON_NEGATIVE = {"refine_rounds": "no refinement", "refine_samples": "no refinement",
                 "certify_rounds": "no certification", "vertex_samples": None, "store_samples": "keep every sample",
                 "seed": None, "n_workers": "no Dask cluster, run in this process"}
"""Counts of the chapter that must be >= 0, with what 0 means where it switches something off."""


def check_params(params: dict) -> None:
    """TypeError (`forlab.book.runner.check_types`) / ValueError naming the parameter when one of the chapter has the
    wrong type, shape or range (before any work)."""
    from forlab.book.runner import check_non_negative, check_types

    check_types(params, PARAMETER_TYPES, "06_ml_surrogate")
    for name in RANGES:
        check_range(name, params[name])  # the input space's own rule (`forlab.p2_surrogate.dataset.InputSpace`)
    for name in ("temperatures", "facet_sweep", "size_sweep"):
        if not len(params[name]):
            raise ValueError(f"{name} must not be empty")
    for name in _POSITIVE:
        if params[name] < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {params[name]!r}")
    if params["slice_points"] < MIN_SLICE_POINTS:
        raise ValueError(f"slice_points must be an integer >= {MIN_SLICE_POINTS} (grid points per axis of each region "
                         f"slice, which the figure draws as a contour), got {params['slice_points']!r}")
    check_non_negative(params, _NON_NEGATIVE, {k: v for k, v in _NON_NEGATIVE.items() if v})
    for name in ("facet_sweep", "size_sweep"):
        if min(params[name]) < 1:
            raise ValueError(f"{name} must list integers >= 1, got {params[name]!r}")
    if not 0 < params["test_fraction"] < 1:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1 (the share of samples held out for "
                         f"testing, e.g. 0.2), got {params['test_fraction']!r}")
    if not 0 <= params["boundary_share"] <= 1:
        raise ValueError(f"boundary_share must lie in [0, 1] (boundary samples per Latin Hypercube sample, 0: none), "
                         f"got {params['boundary_share']!r}")
    if not all(t > 0 for t in params["temperatures"]):
        raise ValueError(f"temperatures must be positive, got {params['temperatures']!r}")
    _check_training(params)
    _check_sweep_sizes(params)
    _check_systems(params["systems"])
    parallel.check_address(params["scheduler"], name="scheduler", empty=parallel.NO_SCHEDULER)


def _check_training(params: dict) -> None:
    """ValueError naming the parameter, its value and what to change when a training option is out of range: the
    library's rules where it has them (`check_max_false_feasible`; `PolytopeOptions`, built by `options`, for
    margin, ff_weight and max_iter), so that they stop here and not in the first fit after the power flows."""
    check_max_false_feasible(params["max_false_feasible"])
    ridge = params["ridge"]
    if not (math.isfinite(ridge) and ridge >= 0):  # a negative ridge fits wild regressors, found only by the TSO
        raise ValueError(f"ridge must be a finite number >= 0 (the quadratic regressors' penalty relative to the mean "
                         f"squared feature; 0: plain least squares), got {ridge!r}")
    options(params)


def _check_sweep_sizes(params: dict) -> None:
    """ValueError when a ``size_sweep`` entry exceeds the Latin Hypercube training set (`lhs_train_size`): `sweep`
    would fit it on fewer samples than the size its row and figure show."""
    most = lhs_train_size(params["n_samples"], params["test_fraction"])
    if too_big := [n for n in params["size_sweep"] if n > most]:
        raise ValueError(f"size_sweep lists {too_big}, more than the {most} Latin Hypercube training samples per DS "
                         f"(n_samples {params['n_samples']} less the share test_fraction {params['test_fraction']} "
                         f"held out): lower those sizes to at most {most} or raise n_samples")


def _check_systems(systems: list[str]) -> None:
    """ValueError when ``systems`` is empty or one of its names is not a study system (`forlab.grid.td.parse_system`,
    as chapter 05 checks its ``systems_list``; nothing is built)."""
    from forlab.grid.td import parse_system

    if not systems:
        raise ValueError("systems must name at least one study system (e.g. [\"case9+case33bw\"]), got []")
    for name in systems:
        try:
            parse_system(name)
        except ValueError as err:
            raise ValueError(f"systems: {err}") from None


def options(params: dict) -> SurrogateOptions:
    """The `SurrogateOptions` of the chapter's parameters (polytope training, ridge, label margins, calibration)."""
    return SurrogateOptions(
        polytope=PolytopeOptions(facets=params["facets"], temperatures=tuple(params["temperatures"]),
                                 margin=params["margin"], ff_weight=params["ff_weight"],
                                 max_iter=params["max_iter"], seed=params["seed"]),
        ridge=params["ridge"], vm_margin_pu=params["vm_margin_pu"],
        loading_margin_percent=params["loading_margin_percent"], max_false_feasible=params["max_false_feasible"],
    )


ANCHOR_KEYS = ["p2_feasibility_pct"]
"""The published anchors chapter 06 compares with (`forlab.book.anchors`), kept in its store."""


def run(params: dict, log=terminal_line) -> xr.Dataset:
    """The chapter: datasets of every DS of every system, fits (refined, certified), the accuracy sweeps, the
    benchmark against the integrated AC-OPF and the region slices, as one store (`to_store`). ``log`` gets one
    progress line per step (default: the terminal, `forlab.book.progress.line`; never ``print``, which would put
    the lines on the page)."""
    from forlab.grid.td import load_system

    check_params(params)
    opts = options(params)
    load_average_start = os.getloadavg()
    systems = {name: load_system(name) for name in params["systems"]}
    ranges = {k: tuple(params[k]) for k in RANGES}
    cases = []
    with parallel.client(params["scheduler"] or None, params["n_workers"]) as client:
        for system in systems.values():
            cases += build_cases(system, params["n_samples"], params["seed"], params["test_fraction"],
                                 params["boundary_share"], client=client, **ranges)
    log(dataset_log(cases))
    t0 = time.perf_counter()
    with parallel.client(params["scheduler"] or None, params["n_workers"]) as client:
        for case in cases:
            fit_case(case, opts, params["refine_rounds"], params["refine_samples"], params["certify_rounds"],
                     params["vertex_samples"], params["seed"], client=client)
    sweeps = {case.key: sweep(case, opts, params["facet_sweep"], params["size_sweep"]) for case in cases}
    log(f"fits, refinement and sweeps: {time.perf_counter() - t0:.1f} s")
    bench, u_peak = benchmark_all(systems, cases, params)
    refs, truths, slices = slice_all(cases, params["slice_points"], u_peak, log)
    log(f"{len(bench)} scenarios, {int(bench.feasible.fillna(False).sum())} feasible dispatches")
    attrs = {"surrogate_options": opts.to_dict(), "title": "ML surrogate of a DS (P2)",
             "load_average_start": list(load_average_start), "load_average_end": list(os.getloadavg()),
             "anchors": anchors.as_attr(ANCHOR_KEYS)}  # the machine's cores: `forlab.book.store.provenance`
    return to_store(cases, sweeps, slices, bench, u_peak, attrs=attrs, slice_refs=refs, slice_truths=truths,
                    store_samples=params["store_samples"])


def dataset_log(cases: list[DSCase]) -> str:
    """One line per DS case: its first dataset's flows (Latin Hypercube and boundary samples; it is logged before
    the refinement adds its vertex samples, so the store's totals are larger), their time and speed, the linear solver
    and the feasible share."""
    return "\n".join(
        f"{case.key}: first dataset (Latin Hypercube + boundary samples, before refinement): "
        f"{case.data.sizes['sample']} flows, {case.data.attrs['elapsed_s']:.2f} s "
        f"({case.data.attrs['flows_per_second']:.0f}/s, {case.data.attrs['method']} LU), "
        f"{float(case.data['feasible'].mean()):.1%} feasible"
        for case in cases)


def benchmark_all(systems: dict, cases: list[DSCase], params: dict) -> tuple[pd.DataFrame, dict]:
    """`benchmark_system` on every system (its cases), the rows of all systems in one table, and the TSO's inputs
    per DS key in each system's peak scenario."""
    tables, u_peak = [], {}
    for name, system in systems.items():
        table, u = benchmark_system(system, [c for c in cases if c.system == name], params["n_scenarios"],
                                    tuple(params["load_range"]), params["seed"], repeats=params["timing_repeats"])
        # the DSOs' offline work for this system (power flows, refinement, fit, certification), the record that
        # `forlab.studies.ch06_ml_surrogate.readers.offline_seconds` reads (chapters 06 and 09)
        table["offline_time_s"] = sum(c.data.attrs["elapsed_s"] + c.info.get("fit_time_s", 0.0)
                                      for c in cases if c.system == name)
        tables.append(table)
        u_peak.update(u)
    return pd.concat(tables, ignore_index=True), u_peak


def slice_all(cases: list[DSCase], n: int, u_peak: dict[str, np.ndarray], log=terminal_line) -> tuple:
    """Per DS key: the point its slices pass through (`slice_reference`: the TSO's peak-scenario choice in
    ``u_peak``, else the polytope's centre), the truth there (`point_truth`) and the `default_slices` through it
    (n x n grids). A case with neither a choice nor a polytope that accepts a point of the domain has no point to
    slice through: logged, no slices."""
    refs, truths, slices = {}, {}, {}
    for case in cases:
        try:
            refs[case.key] = slice_reference(case, u_peak.get(case.key))
        except ValueError as err:
            log(str(err))
            continue
        truths[case.key] = {k: float(v[0]) for k, v in point_truth(case, refs[case.key][None]).items()}
        slices[case.key] = [region_slice(case, refs[case.key], x, y, n) for x, y in default_slices(case.space)]
    return refs, truths, slices


# ----------------------------------------------------------------------------------------------------------------------
# the store
# ----------------------------------------------------------------------------------------------------------------------

_BENCH_COLUMNS = {
    "ts_load_mean": ("mean TS load factor", "1"), "ds_load_mean": ("mean DS load factor", "1"),
    "tso_cost": ("surrogate TSO OPF objective", "$/h"), "tso_time_s": ("surrogate TSO OPF solver time", "s"),
    "tso_wall_time_s": ("surrogate TSO OPF wall time, fastest of N", "s"),
    **{k: v for k, v in OUTCOME.items() if k not in ("status", "feasible")},
    "time_ratio": ("TSO / integrated solver time", "1"),
    "tso_build_time_s": ("surrogate TSO OPF build time (once per system)", "s"),
    "integrated_build_time_s": ("integrated AC-OPF build time (once per system)", "s"),
    "timing_repeats": ("solves per OPF and scenario; the fastest is timed", "1"),
    "max_vm_violation_pu": ("largest voltage violation (T+D power flow)", "p.u."),
    "max_loading_percent": ("largest branch loading (T+D power flow)", "%"),
    "max_gen_violation_mw": ("largest generator limit violation", "MW"),
    "ds_p_error_mw": ("largest PCC active import error (DS power flow)", "MW"),
    "ds_q_error_mvar": ("largest PCC reactive import error (DS power flow)", "Mvar"),
    "ds_vm_slack_pu": ("smallest DS voltage distance to limits (DS power flow)", "p.u."),
    "ds_max_loading_percent": ("largest DS branch loading (DS power flow)", "%"),
    "ds_g": ("largest polytope score g(u) at the TSO point", "std. units"),
    "reserve_mw": ("P reserve the TSO held on each slack unit (the surrogates' summed error bound)", "MW"),
    "reserve_mvar": ("Q reserve the TSO held on each voltage-controlling unit", "Mvar"),
}
_BENCH_FLAGS = ("integrated_success", "tso_success", "converged", "feasible")
_HISTORY = ("stage_temperature", "loss", "train_accuracy", "train_false_feasible_rate", "val_accuracy",
            "val_false_feasible_rate")
_SWEEP = ("accuracy", "false_feasible_rate", "false_infeasible_rate", "margin_accuracy", "margin_false_feasible_rate",
          "p_mw_rmse", "q_mvar_rmse", "p_mw_max_abs_error", "q_mvar_max_abs_error", "fit_time_s",
          "vertex_infeasible_share", "regression_samples")
_TRUTH = ("feasible", "vm_slack_pu", "max_loading_percent")
"""The truth of a power flow as the slices store it (`point_truth`), on the grid and at the point they pass through."""
_SLICE = ("g", *_TRUTH)


def _pad(arrs: list[np.ndarray], fill=np.nan) -> np.ndarray:
    """Stack arrays of different shapes into one, padded with ``fill``."""
    shape = tuple(max(a.shape[i] for a in arrs) for i in range(arrs[0].ndim))
    out = np.full((len(arrs), *shape), fill, dtype=object if isinstance(fill, str) else float)
    for k, a in enumerate(arrs):
        out[(k, *tuple(slice(0, s) for s in a.shape))] = a
    return out.astype(str) if isinstance(fill, str) else out


def to_store(cases: list[DSCase], sweeps: dict[str, pd.DataFrame], slices: dict[str, list[dict]],
             bench: pd.DataFrame, u_peak: dict[str, np.ndarray], attrs: dict,
             slice_refs: dict[str, np.ndarray] | None = None, store_samples: int = 0,
             slice_truths: dict[str, dict] | None = None) -> xr.Dataset:
    """Everything the chapter draws, as one Dataset (dims: see the module docstring). u_peak: the TSO's inputs per
    DS key in the peak scenario (``tso_u_peak``); slice_refs: the point each DS's slices pass through
    (``slice_u_ref``); slice_truths: the truth there (`point_truth`, as ``slice_ref_*``). store_samples > 0 keeps, of the per-sample variables, only the first store_samples samples
    of each origin (lhs, boundary, refine<r>) per DS, to keep a large run's store small; every count, share and
    score is computed on all samples before that cut (attrs ``store_samples``). Large arrays are compressed."""
    keys = [c.key for c in cases]
    kept = [_kept_samples(c.data, store_samples) for c in cases]
    fac = sorted({int(k) for s in sweeps.values() for k in s.facets})
    ns = sorted({int(n) for s in sweeps.values() for n in s.n_train})
    v = {**_sample_vars(cases, kept), **_log_vars(cases), **_fpu_vars(cases), **_case_vars(cases),
         **_history_vars(cases), **_sweep_vars(keys, sweeps, fac, ns),
         **_slice_vars(cases, slices, slice_refs or {}, u_peak, slice_truths or {}), **_bench_vars(bench)}
    out = xr.Dataset(v, coords={"ds": keys, "sample": np.arange(max(len(k) for k in kept)),
                                "pcc": [0, 1][: max(c.flow.n_pcc for c in cases)], "facets": fac, "n_train": ns,
                                "run": np.arange(len(bench)),
                                "refine_round": np.arange(1, max(len(c.refine_log) for c in cases) + 1),
                                "certify_round": np.arange(1, max(len(c.certify_log) for c in cases) + 1)})
    out.attrs.update({k: (json.dumps(val) if isinstance(val, dict | list | tuple) else val)
                      for k, val in attrs.items()})
    out.attrs["store_samples"] = int(store_samples)
    for var in out.data_vars.values():
        if var.dtype.kind == "f" and var.size >= 10000:
            var.encoding.update(zlib=True, complevel=4)
    return out


def _sample_vars(cases: list[DSCase], kept: list[np.ndarray]) -> dict:
    """Per (ds, sample[, input | pcc]): the kept samples' inputs, PCC imports, limits, labels, split and origin."""
    datas = [c.data.isel(sample=k) for c, k in zip(cases, kept)]
    v: dict = {}
    v["sample_index"] = (("ds", "sample"), _pad([k.astype(float) for k in kept]),
                         {"long_name": "index of the sample in the DS's full dataset (NaN: padding)"})
    v["u"] = (("ds", "sample", "input"), _pad([d["u"].values for d in datas]))
    v["input_name"] = (("ds", "input"), _pad([np.array(c.space.names) for c in cases], ""))
    v["input_units"] = (("ds", "input"), _pad([np.array(c.space.units) for c in cases], ""))
    v["p_mw"] = (("ds", "sample", "pcc"), _pad([d["p_mw"].values for d in datas]),
                 {"long_name": "PCC import (TS -> DS)", "units": "MW"})
    v["q_mvar"] = (("ds", "sample", "pcc"), _pad([d["q_mvar"].values for d in datas]),
                   {"long_name": "PCC import (TS -> DS)", "units": "Mvar"})
    for name in ("vm_slack_pu", "max_loading_percent", "p_loss_mw"):
        v[name] = (("ds", "sample"), _pad([d[name].values for d in datas]), dict(cases[0].data[name].attrs))
    for name in ("feasible", "converged"):
        v[name] = (("ds", "sample"), _pad([d[name].values.astype(float) for d in datas]),
                   {"long_name": f"{name} (1/0; NaN: padding)"})
    is_test = []
    for c, k in zip(cases, kept):
        t = np.zeros(c.data.sizes["sample"])
        t[c.test] = 1.0
        is_test.append(t[k])
    v["is_test"] = (("ds", "sample"), _pad(is_test), {"long_name": "held-out test sample (1/0)"})
    v["origin"] = (("ds", "sample"), _pad([d["origin"].values.astype(str) for d in datas], ""),
                   {"long_name": "how the sample was drawn: lhs, boundary or refine<round>"})
    return v


def _log_vars(cases: list[DSCase]) -> dict:
    """Per (ds, round): the refinement and certification logs."""
    v = {}
    for col in ("n_vertices", "infeasible_share", "margin_infeasible_share"):
        v[f"refine_{col}"] = (("ds", "refine_round"), _pad([c.refine_log[col].to_numpy(float) for c in cases]))
    for col in ("n_vertices", "failing_share", "offset_added"):
        v[f"certify_{col}"] = (("ds", "certify_round"), _pad([c.certify_log[col].to_numpy(float) for c in cases]))
    return v


def _fpu_vars(cases: list[DSCase]) -> dict:
    """Per (ds, fpu): chart (JSON), chart kind and linear cost coefficient."""
    return {"fpu_chart": (("ds", "fpu"), _pad([c.space.fpus["chart"].to_numpy(str) for c in cases], "")),
            "fpu_kind": (("ds", "fpu"), _pad([c.space.fpus["kind"].to_numpy(str) for c in cases], "")),
            "fpu_cost_b": (("ds", "fpu"), _pad([c.space.fpus["cost_b"].to_numpy(float) for c in cases]),
                           {"units": "$/MWh"})}


def _case_vars(cases: list[DSCase]) -> dict:
    """Per ds: sizes, dataset speed, times, the surrogate (JSON, bytes), its held-out scores (``test_*``) and the
    regressors' held-out RMSE per PCC (``test_<var>_rmse_pcc``)."""
    per_case = {
        "system": [c.system for c in cases], "ds_name": [c.ds for c in cases],
        "flows_per_second": [c.data.attrs["flows_per_second"] for c in cases],
        "dataset_time_s": [c.data.attrs["elapsed_s"] for c in cases],
        "flow_method": [c.data.attrs["method"] for c in cases],
        "n_bus": [c.info["n_bus"] for c in cases], "n_fpu": [c.info["n_fpu"] for c in cases],
        "n_pcc": [c.info["n_pcc"] for c in cases], "n_input": [c.space.dim for c in cases],
        "n_samples": [c.data.sizes["sample"] for c in cases],
        "n_lhs": [int((c.data["origin"].values == "lhs").sum()) for c in cases],
        "feasible_share": [float(c.data["feasible"].mean()) for c in cases],
        "converged_share": [float(c.data["converged"].mean()) for c in cases],
        "n_facets": [c.surrogate.polytope.n_facets for c in cases],
        "polytope_offset": [c.surrogate.polytope.info["offset"] for c in cases],
        "train_time_s": [c.surrogate.polytope.info["train_time_s"] for c in cases],
        "fit_time_s": [c.info.get("fit_time_s", np.nan) for c in cases],
        "payload_bytes": [c.surrogate.payload_bytes() for c in cases],
        "surrogate_json": [c.surrogate.to_json() for c in cases],
    }
    v: dict = {name: ("ds", np.asarray(vals)) for name, vals in per_case.items()}
    # what the held-out false-feasible rate is measured on (the training rate is calibrated to its target)
    v["n_test_infeasible"] = ("ds", np.array([int((~c.data["feasible"].values[c.test].astype(bool)).sum())
                                              for c in cases]),
                              {"long_name": "infeasible held-out test samples (true labels)", "units": "1"})
    for name in cases[0].scores:
        v[f"test_{name}"] = ("ds", np.array([c.scores[name] for c in cases], float))
    for var in ("p_mw", "q_mvar"):
        rm = []
        for c in cases:
            te, feas = c.test, c.data["feasible"].values[c.test]
            u = c.data["u"].values[te][feas]
            rm.append(np.array([errors(pair[var], u, c.data[var].values[te, k][feas])["rmse"]
                                for k, pair in enumerate(c.surrogate.regressors)]))
        v[f"test_{var}_rmse_pcc"] = (("ds", "pcc"), _pad(rm))
    return v


def _history_vars(cases: list[DSCase]) -> dict:
    """Per (ds, iteration): the final polytope's training history."""
    return {f"history_{col}": (("ds", "iteration"), _pad([c.history[col].to_numpy(float) for c in cases]))
            for col in _HISTORY}


def _sweep_vars(keys: list[str], sweeps: dict[str, pd.DataFrame], fac: list[int], ns: list[int]) -> dict:
    """Per (ds, facets, n_train): the accuracy sweep (NaN where a DS has no row)."""
    v = {}
    for col in _SWEEP:
        arr = np.full((len(keys), len(fac), len(ns)), np.nan)
        for i, key in enumerate(keys):
            for _, r in sweeps.get(key, pd.DataFrame(columns=["facets", "n_train", col])).iterrows():
                arr[i, fac.index(int(r.facets)), ns.index(int(r.n_train))] = r[col]
        v[f"sweep_{col}"] = (("ds", "facets", "n_train"), arr)
    return v


def _slice_vars(cases: list[DSCase], slices: dict[str, list[dict]], slice_refs: dict[str, np.ndarray],
                u_peak: dict[str, np.ndarray], truths: dict[str, dict]) -> dict:
    """Per (ds, slice, sy, sx): the region slices (none when no DS has one); per (ds, input): the point the slices
    pass through and the TSO's inputs in the peak scenario; per ds: the truth at that point (``slice_ref_*``,
    `_TRUTH`). NaN where missing."""
    keys = [c.key for c in cases]
    v: dict = {}
    n_sl = max((len(s) for s in slices.values()), default=0)
    if n_sl:
        n_g = max(len(s["x_values"]) for ss in slices.values() for s in ss)
        arrs = {k: np.full((len(keys), n_sl, n_g, n_g), np.nan) for k in _SLICE}
        xv, yv = np.full((len(keys), n_sl, n_g), np.nan), np.full((len(keys), n_sl, n_g), np.nan)
        xn, yn = np.full((len(keys), n_sl), "", dtype=object), np.full((len(keys), n_sl), "", dtype=object)
        for i, key in enumerate(keys):
            for j, s in enumerate(slices.get(key, [])):
                m = len(s["x_values"])
                for k, arr in arrs.items():
                    arr[i, j, :m, :m] = s[k]
                xv[i, j, :m], yv[i, j, :m] = s["x_values"], s["y_values"]
                xn[i, j], yn[i, j] = s["x"], s["y"]
        for k, a in arrs.items():
            v[f"slice_{k}"] = (("ds", "slice", "sy", "sx"), a)
        v["slice_x_values"] = (("ds", "slice", "sx"), xv)
        v["slice_y_values"] = (("ds", "slice", "sy"), yv)
        v["slice_x_name"] = (("ds", "slice"), xn.astype(str))
        v["slice_y_name"] = (("ds", "slice"), yn.astype(str))
    v["slice_u_ref"] = (("ds", "input"), _pad([np.asarray(slice_refs.get(c.key, np.full(c.space.dim, np.nan)), float)
                                               for c in cases]),
                        {"long_name": "inputs the slices pass through (the TSO's peak-scenario choice; the polytope "
                                      "centre where that solve gave none)"})
    for k in _TRUTH:
        v[f"slice_ref_{k}"] = ("ds", np.array([truths.get(c.key, {}).get(k, np.nan) for c in cases], float),
                               {"long_name": f"{k} at the point the slices pass through (power flow, no margins)"})
    v["tso_u_peak"] = (("ds", "input"), _pad([np.asarray(u_peak.get(c.key, np.full(c.space.dim, np.nan)), float)
                                              for c in cases]), {"long_name": "TSO inputs u, peak scenario"})
    return v


def _bench_vars(bench: pd.DataFrame) -> dict:
    """Per run (system x scenario): the benchmark table as ``bench_*`` (flags 1/0, counts -1 where missing)."""
    b = bench.reset_index(drop=True)
    v: dict = {f"bench_{col}": ("run", b[col].astype(str).to_numpy(str), {"units": "-"})
               for col in ("system", "scenario", "integrated_status", "tso_status", "status") if col in b}
    for col, (long_name, units) in _BENCH_COLUMNS.items():
        vals = b[col].to_numpy(float) if col in b.columns else np.full(len(b), np.nan)
        v[f"bench_{col}"] = ("run", vals, {"long_name": long_name, "units": units})
    for col in _BENCH_FLAGS:
        v[f"bench_{col}"] = ("run", b[col].fillna(False).astype(bool).to_numpy().astype(int), {"units": "1"})
    for col in VIOLATION_COUNTS:
        v[f"bench_{col}"] = ("run", b[col].fillna(-1).to_numpy(int) if col in b.columns else np.full(len(b), -1),
                             {"units": "1"})
    return v


def _kept_samples(data: xr.Dataset, store_samples: int) -> np.ndarray:
    """Indices of the samples `to_store` keeps: all for store_samples <= 0, else the first store_samples of each
    origin, in dataset order."""
    n = data.sizes["sample"]
    if store_samples <= 0:
        return np.arange(n)
    origin = data["origin"].values.astype(str)
    keep = np.zeros(n, bool)
    for o in np.unique(origin):
        keep[np.flatnonzero(origin == o)[:store_samples]] = True
    return np.flatnonzero(keep)
