"""The steps of the ML-surrogate chapter, each one call: datasets, fits, sweeps, region slices, benchmark.

`build_cases` makes one `DSCase` per DS of a study system (its batched flow, input space, dataset and a seeded
train/test split: eq. (p2-inputs)); `fit_case` refines the dataset at the polytope's vertices
(`forlab.p2_surrogate.refine`) and fits the final surrogate (eqs. (p2-training), (p2-regressors)); `sweep` measures
held-out scores against the number of facets K and the training-set size; `region_slice` evaluates the true region
and the polytope on a 2-D grid through an operating point; `benchmark_system` runs the TSO OPF (eq. (p2-tso))
against the integrated AC-OPF and checks every dispatch (eq. (p2-check)). `forlab.studies.ch06_ml_surrogate.store`
gathers everything into the chapter's store.
"""

from __future__ import annotations

import dataclasses
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
from forlab.p2_surrogate.slices import SLICE_TOL
from forlab.p2_surrogate.tso import benchmark, scenarios

__all__ = ["DSCase", "benchmark_system", "build_cases", "default_slices", "fit_case", "lhs_train_size",
           "point_truth", "polytope_centre", "region_slice", "slice_reference", "sweep"]


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


def lhs_train_size(n_samples: int, test_fraction: float) -> int:
    """The Latin Hypercube training samples `build_cases` keeps per DS, the most `sweep` can fit on: taken from
    the same `forlab.p2_surrogate.model.split`, so the chapter's check and its run cannot count them differently."""
    return len(split(n_samples, test_fraction, 0)[0])  # the sizes do not depend on the seed


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


def slice_reference(case: DSCase, u_peak: np.ndarray | None) -> np.ndarray:
    """The point a DS's slices pass through: the TSO's choice in the peak scenario (projected into the domain: an
    OPF solution may sit outside a chart by its solver tolerance), so that the choice, drawn as a star, lies on every
    slice and the slice shows whether the truth there is feasible; the polytope's centre (`polytope_centre`) where the
    peak solve gave no choice. Before, every slice passed through the centre, and the star, whose other inputs
    differ, fell off its slice's polytope or outside its sampled domain (review R2 of the rendered book)."""
    if u_peak is not None and np.isfinite(u_peak).all():
        return case.space.project(np.asarray(u_peak, float))[0]
    return polytope_centre(case)


def point_truth(case: DSCase, u: np.ndarray) -> dict:
    """The truth at the inputs ``u`` (rows): the DS power flows' feasibility (converged, voltages within limits,
    no branch above 100 %; no margins) as float 1 / 0, NaN outside the sampled domain, and their voltage distance to
    the limits (p.u.) and largest branch loading (%), NaN outside the domain as well."""
    inside = case.space.inside(u, tol=SLICE_TOL)  # the slices' tolerance: a slice and the truth agree on the domain
    r = case.flow.run_inputs(case.space, u)
    feasible = (r["converged"] & (r["vm_slack_pu"] >= 0) & (r["max_loading_percent"] <= 100)).astype(float)
    return {"feasible": np.where(inside, feasible, np.nan),
            "vm_slack_pu": np.where(inside, r["vm_slack_pu"], np.nan),
            "max_loading_percent": np.where(inside, r["max_loading_percent"], np.nan)}


def region_slice(case: DSCase, u_ref: np.ndarray, x: str, y: str, n: int = 41) -> dict:
    """The true feasible region (`point_truth`: power flows, no margins) and the polytope score g on an n x n grid
    over inputs x and y (their sampled ranges), the other inputs held at ``u_ref`` (`slice_reference`). Points
    outside the sampled domain (outside a chart, or PCC 2's voltage out of its band) are NaN. Returns x_values,
    y_values (n,), feasible (n, n: [y, x]) as float (1 / 0 / NaN), g (n, n), vm_slack_pu, max_loading_percent.
    u_ref is first projected into the domain."""
    space, sur = case.space, case.surrogate
    xs = np.linspace(*_range(space, x), n)
    ys = np.linspace(*_range(space, y), n)
    gx, gy = np.meshgrid(xs, ys)
    u = np.tile(space.project(u_ref)[0], (n * n, 1))
    u[:, space.index(x)] = gx.ravel()
    u[:, space.index(y)] = gy.ravel()
    truth = point_truth(case, u)
    g = np.where(np.isfinite(truth["feasible"]), sur.polytope.g(u), np.nan)  # NaN outside the domain, as the truth
    return {"x": x, "y": y, "x_values": xs, "y_values": ys, "g": g.reshape(n, n),
            **{k: v.reshape(n, n) for k, v in truth.items()}}


def benchmark_system(system, cases: list[DSCase], n_scenarios: int, load_range: tuple[float, float],
                     seed: int = 0, ipopt: dict | None = None, repeats: int = 3,
                     baseline=None) -> tuple[pd.DataFrame, dict]:
    """`forlab.p2_surrogate.tso.benchmark` on ``n_scenarios`` load scenarios (the first the base case; ``repeats``
    timing repeats per solve; ``baseline``: the first scenario's integrated AC-OPF if already solved), with DS-level
    columns aggregated over the DSs (largest import error, smallest voltage distance, largest loading); also
    returns the TSO's inputs u per DS key in the first scenario ("peak"; for slices through the operating point;
    empty if that solve failed)."""
    surs = {c.ds: c.surrogate for c in cases}
    flows = {c.ds: c.flow for c in cases}
    scs = scenarios(system, n_scenarios, load_range, seed)
    table, inputs = benchmark(system, surs, scs, flows, ipopt=ipopt, repeats=repeats, baseline=baseline)
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
