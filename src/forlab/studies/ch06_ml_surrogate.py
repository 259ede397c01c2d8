"""The steps of the ML-surrogate chapter, each one call: datasets, fits, sweeps, region slices, benchmark, store.

`build_cases` makes one `DSCase` per DS of a study system (its batched flow, input space, dataset and a seeded
train/test split); `fit_case` refines the dataset at the polytope's vertices (`forlab.p2_surrogate.refine`) and fits
the final surrogate; `sweep` measures held-out scores against the number of facets K and the training-set size; `region_slice` evaluates the true region and the polytope on a 2-D grid through an
operating point; `benchmark_system` runs the TSO OPF against the integrated AC-OPF; `to_store` gathers everything
into one xarray Dataset (padded over DSs of different input sizes).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from forlab.p2_surrogate.dataset import DSFlow, InputSpace, concat, evaluate, generate, input_space
from forlab.p2_surrogate.model import (
    DSSurrogate,
    SurrogateOptions,
    evaluate_polytope,
    evaluate_regressors,
    evaluate_surrogate,
    fit_polytope,
    fit_regressors,
    fit_surrogate,
    regression_samples,
    split,
)
from forlab.p2_surrogate.refine import centre, certify, refine, vertex_check
from forlab.p2_surrogate.regressors import errors
from forlab.p2_surrogate.tso import benchmark, scenarios

__all__ = ["DSCase", "benchmark_system", "build_cases", "default_slices", "fit_case", "polytope_centre",
           "region_slice", "sweep", "to_store"]


@dataclass
class DSCase:
    """One DS of one study system with its dataset: key = "<system>/<ds>".

    train / test: sample indices (test: held-out Latin Hypercube samples); lhs_train: the Latin Hypercube part of
    train (boundary and refinement samples go to train only). refine_log: one row per refinement round; scores: held-out
    scores of the final surrogate (test samples and fresh vertices).
    """

    system: str
    ds: str
    flow: DSFlow
    space: InputSpace
    data: xr.Dataset
    train: np.ndarray
    test: np.ndarray
    info: dict = field(default_factory=dict)
    lhs_train: np.ndarray | None = None
    surrogate: DSSurrogate | None = None
    history: pd.DataFrame | None = None
    refine_log: pd.DataFrame | None = None
    certify_log: pd.DataFrame | None = None
    scores: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.system}/{self.ds}"


def build_cases(system, n_samples: int, seed: int = 0, test_fraction: float = 0.2, boundary_share: float = 0.0,
                client=None, **ranges) -> list[DSCase]:
    """Datasets of every DS of a `forlab.grid.td.StudySystem`: n_samples Latin Hypercube samples each (seed + DS
    position) with a seeded train/test split, plus boundary_share x n_samples samples on faces of the domain
    (`InputSpace.sample_boundary`, origin "boundary"), which go to the training set. ranges: `InputSpace` keywords."""
    out = []
    for j, (ds, net) in enumerate(system.ds.items()):
        pcc = system.pcc[system.pcc.ds == ds]
        space = input_space(net, ds, len(pcc), **ranges)
        flow = DSFlow(net, list(pcc.ds_bus))
        data = generate(flow, space, n_samples, seed + j, client=client)
        train, test = split(n_samples, test_fraction, seed + j)
        lhs_train = train
        n_b = round(boundary_share * n_samples)
        if n_b > 0:
            ub = space.sample_boundary(n_b, np.random.default_rng([seed + j, 1]))
            data = concat(data, evaluate(flow, space, ub, origin="boundary", client=client))
            train = np.r_[train, np.arange(n_samples, n_samples + n_b)]
        info = {"n_bus": len(net.bus), "n_line": int(net.line.in_service.sum()), "n_fpu": space.n_fpu,
                "n_pcc": space.n_pcc, "scale": float(pcc.scale.iloc[0]), "scaling": str(pcc.scaling.iloc[0])}
        out.append(DSCase(system.name, ds, flow, space, data, train, test, info, lhs_train=lhs_train))
    return out


def fit_case(case: DSCase, options: SurrogateOptions, refine_rounds: int = 0, refine_samples: int = 0,
             certify_rounds: int = 0, vertex_samples: int = 200, seed: int = 0, client=None) -> DSCase:
    """Refine the dataset at the polytope's vertices (``refine_rounds`` x ``refine_samples`` power flows), fit the
    final surrogate on all training samples (validation curves on the test samples), certify its polytope
    (``certify_rounds`` rounds of ``vertex_samples`` vertices), and score it on the test samples and on
    ``vertex_samples`` fresh vertices (`vertex_check`). Results are stored on the case (returned); the wall time of
    refinement, fit and certification (the DSO's offline work after the dataset) goes to ``info["fit_time_s"]``."""
    t0 = time.perf_counter()
    if refine_rounds > 0 and refine_samples > 0:
        case.data, case.train, case.refine_log = refine(case.flow, case.space, case.data, case.train, options,
                                                        refine_rounds, refine_samples, seed, client=client)
    else:
        case.refine_log = pd.DataFrame(columns=["round", "n_vertices", "infeasible_share",
                                                "margin_infeasible_share"])
    sur, hist = fit_surrogate(case.data, case.space, options, case.train, case.test)
    if certify_rounds > 0:
        sur.polytope, case.certify_log = certify(sur.polytope, case.flow, case.space, options, certify_rounds,
                                                 vertex_samples, seed + 104729, client=client)
    else:
        case.certify_log = pd.DataFrame(columns=["round", "n_vertices", "failing_share", "offset_added"])
    case.surrogate, case.history = sur, hist
    case.info["fit_time_s"] = time.perf_counter() - t0
    case.scores = evaluate_surrogate(sur, case.data, case.test, options)
    case.scores.update(vertex_check(sur.polytope, case.flow, case.space, vertex_samples, seed + 7919))
    return case


def sweep(case: DSCase, options: SurrogateOptions, facets: list[int], sizes: list[int],
          vertex_samples: int = 100) -> pd.DataFrame:
    """Held-out scores of surrogates fitted, without refinement, with each K in ``facets`` on the first n of a seeded
    permutation of the Latin Hypercube training samples, for each n in ``sizes`` (cut to the training set), and the
    share of infeasible points among ``vertex_samples`` vertices of each polytope. One row per (K, n). The regressors
    are fitted once per n; with fewer regression samples (column ``regression_samples``) than a full quadratic's
    coefficients their errors are NaN."""
    lhs = case.train if case.lhs_train is None else case.lhs_train
    order = np.random.default_rng(int(case.data.attrs.get("seed", 0))).permutation(lhs)
    rows = []
    for n in sizes:
        sub = np.sort(order[: min(int(n), len(order))])
        try:  # the regressors do not depend on K
            regs = evaluate_regressors(fit_regressors(case.data, case.space, options, sub), case.data, case.test)
        except ValueError:  # fewer samples than a full quadratic's coefficients: recorded as not fitted (NaN)
            regs = {f"{v}_{e}": np.nan for v in ("p_mw", "q_mvar") for e in ("rmse", "max_abs_error", "r2")}
        for k in facets:
            opt = dataclasses.replace(options, polytope=dataclasses.replace(options.polytope, facets=int(k)))
            t0 = time.perf_counter()
            poly, _ = fit_polytope(case.data, case.space, opt, sub)
            dt = time.perf_counter() - t0
            sc = evaluate_polytope(poly, case.data, case.test, opt)
            sc.update(vertex_check(poly, case.flow, case.space, vertex_samples, int(n) + 31 * int(k)))
            sc.update(regression_samples=len(regression_samples(case.data, opt, sub)), **regs)
            rows.append({"facets": int(k), "n_train": int(n), "fit_time_s": dt, **sc})
    return pd.DataFrame(rows)


def default_slices(space: InputSpace) -> list[tuple[str, str]]:
    """Input pairs to slice: PCC 1 voltage against the reactive power of the FPU with the widest Q range, that
    FPU's own PQ chart, and for two PCCs the angle difference against PCC 2's voltage."""
    widths = [c.bounds()[3] - c.bounds()[2] for c in space.charts]
    k = int(np.argmax(widths))
    out = [(f"fpu{k}_q_mvar", "pcc0_vm_pu"), (f"fpu{k}_p_mw", f"fpu{k}_q_mvar")]
    if space.n_pcc == 2:
        out.append(("pcc1_dva_degree", "pcc1_vm_pu"))
    return out


def _range(space: InputSpace, name: str) -> tuple[float, float]:
    if name.startswith("fpu"):
        k = int(name[3:].split("_")[0])
        p0, p1, q0, q1 = space.charts[k].bounds()
        return (p0, p1) if name.endswith("p_mw") else (q0, q1)
    if name == "pcc0_vm_pu":
        return space.vm_range
    if name == "pcc1_vm_pu":
        return space.vm_range[0] + space.dvm_range[0], space.vm_range[1] + space.dvm_range[1]
    if name == "pcc1_dva_degree":
        return space.dva_range_deg
    if name == "load_scale":
        return space.load_range
    raise ValueError(f"unknown input {name!r}")


def polytope_centre(case: DSCase) -> np.ndarray:
    """A point deep inside the case's polytope (its Chebyshev centre within the domain), for slices."""
    mid = centre(case.surrogate.polytope, case.space)
    if mid is None:
        raise ValueError(f"{case.key}: the polytope accepts no point of the domain")
    return case.space.project(mid)[0]


def region_slice(case: DSCase, u_ref: np.ndarray, x: str, y: str, n: int = 41) -> dict:
    """The true feasible region (power flows, no margins) and the polytope score g on an n x n grid over inputs
    x and y (their sampled ranges), the other inputs held at ``u_ref``. Points outside the sampled domain (outside a
    chart, or PCC 2's voltage out of its band) are NaN. Returns x_values, y_values (n,), feasible (n, n: [y, x]) as
    float (1 / 0 / NaN), g (n, n), vm_slack_pu, max_loading_percent. u_ref is first projected into the domain
    (an OPF solution may sit outside a chart by its solver tolerance)."""
    space, sur = case.space, case.surrogate
    xs = np.linspace(*_range(space, x), n)
    ys = np.linspace(*_range(space, y), n)
    gx, gy = np.meshgrid(xs, ys)
    u = np.tile(space.project(u_ref)[0], (n * n, 1))
    u[:, space.index(x)] = gx.ravel()
    u[:, space.index(y)] = gy.ravel()
    inside = space.inside(u, tol=1e-7)
    r = case.flow.run_inputs(space, u)
    feas = (r["converged"] & (r["vm_slack_pu"] >= 0) & (r["max_loading_percent"] <= 100)).astype(float)
    feas[~inside] = np.nan
    g = sur.polytope.g(u)
    g[~inside] = np.nan
    shape = (n, n)
    return {"x": x, "y": y, "x_values": xs, "y_values": ys, "feasible": feas.reshape(shape), "g": g.reshape(shape),
            "vm_slack_pu": np.where(inside, r["vm_slack_pu"], np.nan).reshape(shape),
            "max_loading_percent": np.where(inside, r["max_loading_percent"], np.nan).reshape(shape)}


def benchmark_system(system, cases: list[DSCase], n_scenarios: int, load_range: tuple[float, float],
                     seed: int = 0, ipopt: dict | None = None, repeats: int = 3) -> tuple[pd.DataFrame, dict]:
    """`forlab.p2_surrogate.tso.benchmark` on ``n_scenarios`` load scenarios (the first the base case; ``repeats``
    timing repeats per solve), with DS-level
    columns aggregated over the DSs (largest import error, smallest voltage distance, largest loading); also
    returns the TSO's inputs u per DS key in the first scenario ("peak"; for slices through the operating point;
    empty if that solve failed)."""
    surs = {c.ds: c.surrogate for c in cases}
    flows = {c.ds: c.flow for c in cases}
    scs = scenarios(system, n_scenarios, load_range, seed)
    table, inputs = benchmark(system, surs, scs, flows, ipopt=ipopt, repeats=repeats)
    build = dict(table.attrs)
    dss = list(surs)
    table["system"] = system.name
    agg = {"p_error_mw": max, "q_error_mvar": max, "vm_slack_pu": min, "max_loading_percent": max, "g": max}
    for col, fn in agg.items():
        cols = [f"{d}:{col}" for d in dss if f"{d}:{col}" in table.columns]
        table[f"ds_{col}"] = table[cols].agg(fn.__name__, axis=1) if cols else np.nan
    table["ds_load_mean"] = table[[f"{d}:load_scale" for d in dss]].mean(axis=1)
    for col in ("tso_build_time_s", "integrated_build_time_s", "timing_repeats"):
        table[col] = build[col]
    first = inputs[0] if inputs else None
    u_peak = {f"{system.name}/{d}": first[d] for d in dss} if first else {}
    return table, u_peak


# ----------------------------------------------------------------------------------------------------------------------
# the store
# ----------------------------------------------------------------------------------------------------------------------

_BENCH_COLUMNS = {
    "ts_load_mean": ("mean TS load factor", "1"), "ds_load_mean": ("mean DS load factor", "1"),
    "integrated_cost": ("integrated AC-OPF cost", "$/h"), "integrated_time_s": ("integrated AC-OPF solve time", "s"),
    "tso_cost": ("surrogate TSO OPF objective", "$/h"), "tso_time_s": ("surrogate TSO OPF solve time", "s"),
    "judged_cost": ("true cost of the TSO dispatch (T+D power flow)", "$/h"),
    "deviation_percent": ("cost deviation from the integrated optimum", "%"),
    "time_ratio": ("TSO / integrated solve time", "1"),
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
}
_BENCH_FLAGS = ("integrated_success", "tso_success", "converged", "feasible")
_BENCH_COUNTS = ("n_vm_violations", "n_branch_violations", "n_gen_violations")


def _pad(arrs: list[np.ndarray], fill=np.nan) -> np.ndarray:
    """Stack arrays of different shapes into one, padded with ``fill``."""
    shape = tuple(max(a.shape[i] for a in arrs) for i in range(arrs[0].ndim))
    out = np.full((len(arrs), *shape), fill, dtype=object if isinstance(fill, str) else float)
    for k, a in enumerate(arrs):
        out[(k, *tuple(slice(0, s) for s in a.shape))] = a
    return out.astype(str) if isinstance(fill, str) else out


def to_store(cases: list[DSCase], sweeps: dict[str, pd.DataFrame], slices: dict[str, list[dict]],
             bench: pd.DataFrame, u_peak: dict[str, np.ndarray], attrs: dict,
             slice_refs: dict[str, np.ndarray] | None = None, store_samples: int = 0) -> xr.Dataset:
    """Everything the chapter draws, as one Dataset: dims dsid (one per DS case), sample, input, pcc, fpu,
    iteration (training history), facets x n_train (sweep), slice x sx x sy, run (benchmark rows). u_peak: the
    TSO's inputs per DS key in the peak scenario (``tso_u_peak``); slice_refs: the point each DS's slices pass
    through (``slice_u_ref``). store_samples > 0 keeps, of the per-sample variables, only the first store_samples
    samples of each origin (lhs, boundary, refine<r>) per DS, to keep a large run's store small; every count, share
    and score is computed on all samples before that cut (attrs ``store_samples``). Large arrays are compressed."""
    slice_refs = slice_refs or {}
    keys = [c.key for c in cases]
    kept = [_kept_samples(c.data, store_samples) for c in cases]
    datas = [c.data.isel(sample=k) for c, k in zip(cases, kept)]
    n_samp = max(d.sizes["sample"] for d in datas)
    v: dict = {}
    v["sample_index"] = (("dsid", "sample"), _pad([k.astype(float) for k in kept]),
                         {"long_name": "index of the sample in the DS's full dataset (NaN: padding)"})
    v["u"] = (("dsid", "sample", "input"), _pad([d["u"].values for d in datas]))
    v["input_name"] = (("dsid", "input"), _pad([np.array(c.space.names) for c in cases], ""))
    v["input_units"] = (("dsid", "input"), _pad([np.array(c.space.units) for c in cases], ""))
    v["p_mw"] = (("dsid", "sample", "pcc"), _pad([d["p_mw"].values for d in datas]),
                 {"long_name": "PCC import (TS -> DS)", "units": "MW"})
    v["q_mvar"] = (("dsid", "sample", "pcc"), _pad([d["q_mvar"].values for d in datas]),
                   {"long_name": "PCC import (TS -> DS)", "units": "Mvar"})
    for name in ("vm_slack_pu", "max_loading_percent", "p_loss_mw"):
        v[name] = (("dsid", "sample"), _pad([d[name].values for d in datas]), dict(cases[0].data[name].attrs))
    for name in ("feasible", "converged"):
        v[name] = (("dsid", "sample"), _pad([d[name].values.astype(float) for d in datas]),
                   {"long_name": f"{name} (1/0; NaN: padding)"})
    is_test = []
    for c, k in zip(cases, kept):
        t = np.zeros(c.data.sizes["sample"])
        t[c.test] = 1.0
        is_test.append(t[k])
    v["is_test"] = (("dsid", "sample"), _pad(is_test), {"long_name": "held-out test sample (1/0)"})
    v["origin"] = (("dsid", "sample"), _pad([d["origin"].values.astype(str) for d in datas], ""),
                   {"long_name": "how the sample was drawn: lhs, boundary or refine<round>"})
    for col in ("n_vertices", "infeasible_share", "margin_infeasible_share"):
        v[f"refine_{col}"] = (("dsid", "refine_round"),
                              _pad([c.refine_log[col].to_numpy(float) for c in cases]))
    for col in ("n_vertices", "failing_share", "offset_added"):
        v[f"certify_{col}"] = (("dsid", "certify_round"),
                               _pad([c.certify_log[col].to_numpy(float) for c in cases]))
    v["fpu_chart"] = (("dsid", "fpu"), _pad([c.space.fpus["chart"].to_numpy(str) for c in cases], ""))
    v["fpu_kind"] = (("dsid", "fpu"), _pad([c.space.fpus["kind"].to_numpy(str) for c in cases], ""))
    v["fpu_cost_b"] = (("dsid", "fpu"), _pad([c.space.fpus["cost_b"].to_numpy(float) for c in cases]),
                       {"units": "$/MWh"})
    per_case = {
        "system": [c.system for c in cases], "ds": [c.ds for c in cases],
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
    for name, vals in per_case.items():
        v[name] = ("dsid", np.asarray(vals))
    for name in cases[0].scores:
        v[f"test_{name}"] = ("dsid", np.array([c.scores[name] for c in cases], float))
    # regressor errors per PCC on the test set
    for var in ("p_mw", "q_mvar"):
        rm = []
        for c in cases:
            te, feas = c.test, c.data["feasible"].values[c.test]
            u = c.data["u"].values[te][feas]
            rm.append(np.array([errors(pair[var], u, c.data[var].values[te, k][feas])["rmse"]
                                for k, pair in enumerate(c.surrogate.regressors)]))
        v[f"test_{var}_rmse_pcc"] = (("dsid", "pcc"), _pad(rm))
    # training history
    hist_cols = ["stage_temperature", "loss", "train_accuracy", "train_false_feasible_rate", "val_accuracy",
                 "val_false_feasible_rate"]
    for col in hist_cols:
        v[f"history_{col}"] = (("dsid", "iteration"), _pad([c.history[col].to_numpy(float) for c in cases]))
    # sweep
    fac = sorted({int(k) for s in sweeps.values() for k in s.facets})
    ns = sorted({int(n) for s in sweeps.values() for n in s.n_train})
    sweep_cols = ["accuracy", "false_feasible_rate", "false_infeasible_rate", "margin_accuracy",
                  "margin_false_feasible_rate", "p_mw_rmse", "q_mvar_rmse", "p_mw_max_abs_error",
                  "q_mvar_max_abs_error", "fit_time_s", "vertex_infeasible_share", "regression_samples"]
    for col in sweep_cols:
        arr = np.full((len(keys), len(fac), len(ns)), np.nan)
        for i, key in enumerate(keys):
            for _, r in sweeps.get(key, pd.DataFrame(columns=["facets", "n_train", col])).iterrows():
                arr[i, fac.index(int(r.facets)), ns.index(int(r.n_train))] = r[col]
        v[f"sweep_{col}"] = (("dsid", "facets", "n_train"), arr)
    # slices
    n_sl = max((len(s) for s in slices.values()), default=0)
    if n_sl:
        n_g = max(len(s["x_values"]) for ss in slices.values() for s in ss)
        shp = (len(keys), n_sl, n_g, n_g)
        arrs = {k: np.full(shp, np.nan) for k in ("feasible", "g", "vm_slack_pu", "max_loading_percent")}
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
            v[f"slice_{k}"] = (("dsid", "slice", "sy", "sx"), a)
        v["slice_x_values"] = (("dsid", "slice", "sx"), xv)
        v["slice_y_values"] = (("dsid", "slice", "sy"), yv)
        v["slice_x_name"] = (("dsid", "slice"), xn.astype(str))
        v["slice_y_name"] = (("dsid", "slice"), yn.astype(str))
    v["slice_u_ref"] = (("dsid", "input"), _pad([np.asarray(slice_refs.get(c.key, np.full(c.space.dim, np.nan)),
                                                             float) for c in cases]),
                        {"long_name": "inputs the slices pass through (polytope centre)"})
    v["tso_u_peak"] = (("dsid", "input"), _pad([np.asarray(u_peak.get(c.key, np.full(c.space.dim, np.nan)), float)
                                                for c in cases]), {"long_name": "TSO inputs u, peak scenario"})
    # benchmark
    b = bench.reset_index(drop=True)
    v["bench_system"] = ("run", b["system"].to_numpy(str))
    v["bench_scenario"] = ("run", b["scenario"].to_numpy(str))
    v["bench_integrated_status"] = ("run", b["integrated_status"].to_numpy(str))
    v["bench_tso_status"] = ("run", b["tso_status"].to_numpy(str))
    for col, (long_name, units) in _BENCH_COLUMNS.items():
        vals = b[col].to_numpy(float) if col in b.columns else np.full(len(b), np.nan)
        v[f"bench_{col}"] = ("run", vals, {"long_name": long_name, "units": units})
    for col in _BENCH_FLAGS:
        v[f"bench_{col}"] = ("run", b[col].fillna(False).astype(bool).to_numpy().astype(int))
    for col in _BENCH_COUNTS:
        v[f"bench_{col}"] = ("run", b[col].fillna(-1).to_numpy(int) if col in b.columns else np.full(len(b), -1))
    ds = xr.Dataset(v, coords={"dsid": keys, "sample": np.arange(n_samp), "pcc": [0, 1][: max(c.flow.n_pcc
                                                                                                for c in cases)],
                               "facets": fac, "n_train": ns, "run": np.arange(len(b)),
                               "refine_round": np.arange(1, max(len(c.refine_log) for c in cases) + 1),
                               "certify_round": np.arange(1, max(len(c.certify_log) for c in cases) + 1)})
    ds.attrs.update({k: (json.dumps(val) if isinstance(val, (dict, list, tuple)) else val) for k, val in attrs.items()})
    ds.attrs["store_samples"] = int(store_samples)
    for name, var in ds.data_vars.items():
        if var.dtype.kind == "f" and var.size >= 10000:
            var.encoding.update(zlib=True, complevel=4)
    return ds


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
