"""Tables of the ML-surrogate chapter, read from its store (`forlab.studies.ch06_ml_surrogate.store.to_store`) only.

The same functions serve the chapter's own run and the archived `paper`-profile run. Units: MW, Mvar, p.u., $/h;
times in the tables in milliseconds (online) or seconds (offline).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

# re-exported (`__all__`): the book's one name of the ratio, here P2's TSO solve over the integrated AC-OPF
from forlab.book.names import TIME_RATIO
from forlab.book.tables import TitledTable, fixed_columns, grouped, page_index, printable, table
from forlab.grid.capability import as_chart
from forlab.opf.judge import total_violations
from forlab.opf.outcome import unmeasured_when_failed
from forlab.p2_surrogate.model import DSSurrogate, split
from forlab.p2_surrogate.slices import clip_polygon, slice_polygon

__all__ = ["COVERAGE_GRID", "SYSTEM_DS", "TIME_RATIO", "acceptance", "benchmark_shown", "benchmark_table",
           "benchmark_tables", "cases",
           "certify_table", "coverage_shown", "coverage_summary", "coverage_summary_shown", "coverage_summary_tables", "coverage_table",
           "dataset_shown", "dataset_table", "dataset_tables", "keys", "offline_seconds", "payload_shown", "payload_table", "per_system",
           "per_system_shown", "per_system_tables", "refine_table", "rounds_shown", "rounds_tables", "runs",
           "scores_shown", "scores_table", "scores_tables", "slice_outline", "sweep_keys", "thin_slices"]

COVERAGE_GRID = 12
"""Cells per axis of the grid over a chart's bounding box on which `coverage_table` counts samples."""


def keys(st) -> list[str]:
    """The DS keys ("system/DS") of a store, in store order."""
    return [str(k) for k in st.ds.values]


def runs(st) -> pd.DataFrame:
    """One row per benchmark run (system x load scenario): the ``bench_*`` variables, prefix removed."""
    return table(st, "run", "bench_")


def cases(st) -> pd.DataFrame:
    """One row per DS (index "system/DS"): the per-DS variables of the store (strings, counts, times, scores)."""
    out = table(st, "ds").set_axis(pd.Index(keys(st), name="system/DS"))
    return out.drop(columns=["surrogate_json"], errors="ignore")


def _n_test(st, c: pd.DataFrame) -> pd.Series:
    """Held-out samples per DS: the split of its Latin Hypercube samples by the run's ``test_fraction``
    (`forlab.p2_surrogate.model.split`); NaN for a store without its parameters (a run not yet saved)."""
    if "parameters" not in st.attrs:
        return pd.Series(np.nan, index=c.index)
    frac = json.loads(st.attrs["parameters"])["test_fraction"]
    return c.n_lhs.map(lambda n: float(len(split(int(n), frac, 0)[1])))


def acceptance(st) -> pd.DataFrame:
    """Per DS: the share of its feasible held-out samples the polytope accepts (1 - false-infeasible rate), its
    held-out accuracy and that of a classifier that rejects every point (the infeasible share of the held-out
    samples, NaN when the store does not say how many there are), all as shares."""
    c = cases(st)
    return pd.DataFrame({"accepted": 1 - c.test_false_infeasible_rate, "accuracy": c.test_accuracy,
                         "reject_all": c.n_test_infeasible / _n_test(st, c), "system": c.system})


def dataset_table(st) -> pd.DataFrame:
    """Per DS: size, inputs, samples by kind, feasible share, power-flow speed and the DSO's offline times (s)."""
    c = cases(st)
    fit = c["fit_time_s"] if "fit_time_s" in c else pd.Series(np.nan, index=c.index)
    return pd.DataFrame({
        "buses": c.n_bus, "FPUs": c.n_fpu, "PCCs": c.n_pcc, "inputs": c.n_input, "LHS samples": c.n_lhs,
        "all samples": c.n_samples, "feasible (%)": (100 * c.feasible_share).round(1),
        "flows/s": c.flows_per_second.round(0), "linear solver": c.flow_method,
        "power flows (s)": c.dataset_time_s.round(1), "refine + fit + certify (s)": fit.astype(float).round(1),
    })


def scores_table(st) -> pd.DataFrame:
    """Per DS: held-out scores of the final surrogate (true labels, no margin), vertex check and regressor errors."""
    c = cases(st)
    return pd.DataFrame({
        "K": c.n_facets,
        "accuracy (%)": 100 * c.test_accuracy,
        "false-feasible (%)": 100 * c.test_false_feasible_rate,
        "false-infeasible (%)": 100 * c.test_false_infeasible_rate,
        "infeasible vertices (%)": 100 * c.test_vertex_infeasible_share,
        "worst vertex V distance (p.u.)": c.test_vertex_min_vm_slack_pu,
        "worst vertex loading (%)": c.test_vertex_max_loading_percent,
        "P RMSE (kW)": 1e3 * c.test_p_mw_rmse, "Q RMSE (kvar)": 1e3 * c.test_q_mvar_rmse,
        "P max error (kW)": 1e3 * c.test_p_mw_max_abs_error,
        "train time (s)": c.train_time_s,
    })


def _chart_area_cells(chart, n: int):
    """Edges of an n x n grid over the chart's bounding box and a mask of the cells lying wholly inside the chart."""
    p0, p1, q0, q1 = chart.bounds()
    pe, qe = np.linspace(p0, p1, n + 1), np.linspace(q0, q1, n + 1)
    gp, gq = np.meshgrid(pe, qe, indexing="ij")
    corner = np.asarray(chart.contains(gp.ravel(), gq.ravel(), tol=1e-9)).reshape(n + 1, n + 1)
    inside = corner[:-1, :-1] & corner[1:, :-1] & corner[:-1, 1:] & corner[1:, 1:]
    return pe, qe, inside


def _chart_coverage(chart, p: np.ndarray, q: np.ndarray, grid: int) -> dict:
    """Share inside the chart, share of wholly-inside grid cells hit and the density ratio of set-points (p, q)."""
    pe, qe, inside = _chart_area_cells(chart, grid)
    counts, _, _ = np.histogram2d(p, q, bins=[pe, qe])
    cell_area = (pe[1] - pe[0]) * (qe[1] - qe[0])
    n_in = inside.sum()
    density = (counts[inside].sum() / (n_in * cell_area)) / (len(p) / chart.area()) if n_in and len(p) else np.nan
    return {"inside chart (%)": 100 * float(np.mean(chart.contains(p, q, tol=1e-9))),
            "cells hit (%)": 100 * float((counts[inside] > 0).mean()) if n_in else np.nan,
            "density ratio": density}


def coverage_table(st, grid: int = COVERAGE_GRID) -> pd.DataFrame:
    """Coverage of each FPU's PQ chart by the Latin Hypercube samples kept in the store.

    One row per (system/DS, FPU): chart kind, LHS samples, share inside the chart (%), share of the grid cells wholly
    inside the chart that hold at least one sample (%), and the density ratio: samples per unit area in those cells
    over samples per unit area of the whole chart (1 for a uniform sample; below 1 if samples crowd the outline).
    """
    rows = []
    for i, key in enumerate(keys(st)):
        names = [str(n) for n in st.input_name.values[i] if str(n)]
        lhs = st.origin.values[i] == "lhs"
        u = st.u.values[i][lhs]
        for k, kind in enumerate(str(x) for x in st.fpu_kind.values[i] if str(x)):
            chart = as_chart(str(st.fpu_chart.values[i, k]))
            p, q = u[:, names.index(f"fpu{k}_p_mw")], u[:, names.index(f"fpu{k}_q_mvar")]
            rows.append({"system/DS": key, "FPU": k, "chart": kind, "LHS samples": len(p),
                         **_chart_coverage(chart, p, q, grid)})
    return pd.DataFrame(rows).set_index(["system/DS", "FPU"])


def coverage_summary(cov: pd.DataFrame) -> pd.DataFrame:
    """`coverage_table` per chart kind (index "chart kind"): FPUs, smallest share inside the chart (%), smallest share
    of grid cells hit (%), smallest and largest density ratio."""
    return cov.groupby("chart").agg(**{
        "FPUs": ("LHS samples", "size"), "smallest share inside (%)": ("inside chart (%)", "min"),
        "smallest share of cells hit (%)": ("cells hit (%)", "min"),
        "smallest density ratio": ("density ratio", "min"), "largest density ratio": ("density ratio", "max"),
    }).rename_axis("chart kind")


def coverage_summary_shown(cov: pd.DataFrame) -> pd.DataFrame:
    """`coverage_summary` as the chapter prints it: shares to 0.1 %, density ratios to 0.001 (as `coverage_shown`)."""
    return _grouped(coverage_summary(cov), {"FPUs": 0, "smallest share inside (%)": 1,
                                            "smallest share of cells hit (%)": 1, "smallest density ratio": 3,
                                            "largest density ratio": 3})


def refine_table(st) -> pd.DataFrame:
    """Per DS (rows) and refinement round (columns): infeasible share (%) of that round's vertex samples."""
    return pd.DataFrame(100 * st.refine_infeasible_share.values, index=pd.Index(keys(st), name="system/DS"),
                        columns=[f"round {int(r)}" for r in st.refine_round.values])


def certify_table(st) -> pd.DataFrame | None:
    """Per DS (rows) and certification round (columns): share (%) of the sampled vertices failing the margin labels
    (NaN: certified earlier); None without certification rounds."""
    if not st.sizes.get("certify_round", 0):
        return None
    return pd.DataFrame(100 * st.certify_failing_share.values, index=pd.Index(keys(st), name="system/DS"),
                        columns=[f"round {int(r)}" for r in st.certify_round.values])


def payload_table(st) -> pd.DataFrame:
    """Per DS, what its DSO hands over: buses (not sent), inputs d, facets K, the numbers of the polytope and of the
    regressors as the JSON stores them, and the size of the JSON (kB). The polytope's are its K (d + 1) facet
    coefficients with the mean (d) and whitening matrix (d x d) of its inputs; a regressor's are c0, g (d), H stored
    in full (d x d, though symmetric) and the mean and scale of its inputs (2 d), for two regressors per PCC."""
    rows = []
    for r, key in enumerate(keys(st)):
        sur = json.loads(str(st.surrogate_json.values[r]))
        poly = sur["polytope"]
        n_poly = np.size(poly["weights"]) + np.size(poly["bias"]) + np.size(poly["mean"]) + np.size(poly["transform"])
        n_reg = sum(np.size(x["g"]) + np.size(x["h"]) + 1 + 2 * np.size(x["mean"])
                    for pair in sur["regressors"] for x in pair.values())
        rows.append({"system/DS": key, "buses (not sent)": int(st.n_bus.values[r]),
                     "inputs d": int(st.n_input.values[r]), "facets K": len(poly["bias"]),
                     "polytope numbers": int(n_poly), "regressor numbers": int(n_reg),
                     "JSON size (kB)": st.payload_bytes.values[r] / 1e3})
    return pd.DataFrame(rows).set_index("system/DS")


def slice_outline(st, i: int, j: int) -> np.ndarray:
    """The polytope's slice j of DS row i as an exact polygon (`forlab.p2_surrogate.slices.slice_polygon`
    of the DS's surrogate as the store holds it, through the slice's reference point, within its sampled ranges):
    vertices (m, 2) in the slice's x and y, (0, 2) when the slice is empty there."""
    sur = DSSurrogate.from_json(str(st.surrogate_json.values[i]))
    xs, ys = st.slice_x_values.values[i, j], st.slice_y_values.values[i, j]
    box = ((np.nanmin(xs), np.nanmax(xs)), (np.nanmin(ys), np.nanmax(ys)))
    u_ref = st.slice_u_ref.values[i][:sur.space.dim]
    return slice_polygon(sur, u_ref, str(st.slice_x_name.values[i, j]), str(st.slice_y_name.values[i, j]), box)


def _chord(outline: np.ndarray, axis: int, at: float) -> float:
    """The length along ``axis`` (0: x, 1: y) of the convex polygon ``outline``'s chord through ``at`` on the other
    axis (moved into the polygon's range first: a choice on its edge may lie outside it by the solver's tolerance)."""
    other = 1 - axis
    v = float(np.clip(at, outline[:, other].min(), outline[:, other].max()))
    row = np.zeros(2)
    row[other] = 1.0
    seg = clip_polygon(outline, [row, -row], [v, -v])
    return float(np.ptp(seg[:, axis])) if len(seg) else 0.0


def thin_slices(st) -> pd.DataFrame:
    """The polytope's slices (`slice_outline`) that the truth's grid cannot show: those in which the grid points
    with g <= 0 fill at most one row or one column, so that a contour of g on the grid drew nothing or a line
    (review R3). One row per such slice: the DS key, the slice's two inputs, the thin one (the input along which
    the polygon spans the fewest grid steps), its grid step and the polygon's width along it through the TSO's
    choice (its whole extent where that chord is a point or there is no choice)."""
    rows = []
    for i, key in enumerate(keys(st)):
        names = [str(n) for n in st.input_name.values[i] if str(n)]
        for j in range(st.sizes.get("slice", 0)):
            pair = str(st.slice_x_name.values[i, j]), str(st.slice_y_name.values[i, j])
            inside = np.argwhere(np.nan_to_num(st.slice_g.values[i, j], nan=np.inf) <= 0)  # (y index, x index)
            outline = slice_outline(st, i, j) if pair[0] else np.empty((0, 2))
            if len(outline) < 3 or min(len(np.unique(inside[:, 0])), len(np.unique(inside[:, 1]))) > 1:
                continue
            step = [float(np.nanmean(np.diff(st[f"slice_{a}_values"].values[i, j]))) for a in "xy"]
            axis = int(np.argmin(np.ptp(outline, axis=0) / step))
            at = st.tso_u_peak.values[i][names.index(pair[1 - axis])]
            width = _chord(outline, axis, at) if np.isfinite(at) else 0.0
            rows.append({"key": key, "x": pair[0], "y": pair[1], "thin": pair[axis], "step": step[axis],
                         "width": width if width > 0 else float(np.ptp(outline[:, axis]))})
    return pd.DataFrame(rows, columns=["key", "x", "y", "thin", "step", "width"])


# ----------------------------------------------------------------------------------------------------------------------
# the benchmark, in the form of chapter 05's case-study table (`forlab.studies.ch05_coordination.coordination_table`)
# ----------------------------------------------------------------------------------------------------------------------


def _finished(t: pd.DataFrame) -> pd.Series:
    """Per run: every solve succeeded (``status`` "ok"; a store written before the status was recorded: the TSO's
    OPF succeeded)."""
    return (t.status == "ok") if "status" in t else t.tso_success.astype(bool)


def benchmark_table(st):
    """(runs, table, per_sys) of a surrogate store.

    table: one row per (system, scenario), in the form of the FOR chapter's case-study table: mean TS and DS load
    factor (%), integrated cost and solver time, the true cost of the TSO's dispatch (T+D power flow) and its
    deviation, the surrogate TSO's solver time, the time ratio TSO / integrated (headed `TIME_RATIO` on the page, as
    chapter 08 heads it: `BENCHMARK_TIMES`) and the time reduction, the largest PCC import error of the
    regressors (MW; the surrogate's counterpart of the FOR chapter's PCC mismatch) and the violation
    count of the T+D power flow; stores with the outcome record (`forlab.opf.outcome`) add the TSO's wall time and
    the status ("ok", or which solve failed). A failed run has no TSO time, time ratio or violation count
    (`forlab.opf.outcome.unmeasured_when_failed`, `forlab.opf.judge.total_violations`). per_sys: `per_system`.
    """
    t = runs(st)
    t = unmeasured_when_failed(t, ["time_ratio", "tso_time_s"], _finished(t))
    out = pd.DataFrame({
        "system": t.system, "scenario": t.scenario,
        "TS load (%)": (100 * t.ts_load_mean).round(1), "DS load (%)": (100 * t.ds_load_mean).round(1),
        "integrated cost ($/h)": t.integrated_cost.round(2),
        "integrated (ms)": (1e3 * t.integrated_solve_time_s).round(1),
        "proposed cost ($/h)": t.cost.round(2), "deviation (%)": t.deviation_pct.round(4),
        "TSO (ms)": (1e3 * t.tso_time_s).round(1), "time ratio": t.time_ratio.round(3),
        "time reduction (%)": (100 * (1 - t.time_ratio)).round(1),
        "PCC import error (MW)": t.ds_p_error_mw.round(4),
        "violations": total_violations(t, _finished(t)),
    })
    # the outcome record's wall time and status, in stores written since it exists
    if "wall_time_s" in t:
        out.insert(out.columns.get_loc("time ratio"), "TSO wall (ms)", (1e3 * t.wall_time_s).round(1))
    if "status" in t:
        out["status"] = t.status
    return t, out.set_index(["system", "scenario"]), per_system(t, cases(st))


def offline_seconds(t: pd.DataFrame, c: pd.DataFrame) -> pd.Series:
    """The DSOs' offline time per system (s) of a runs table ``t`` (`runs`) and its cases ``c`` (`cases`): the
    outcome record's ``offline_time_s`` (`forlab.studies.ch06_ml_surrogate.store.benchmark_all`: power flows,
    refinement, fit and certification, summed over the system's DSs); in a store written before the record, the
    same sum from the per-DS times, ``dataset_time_s`` and ``fit_time_s`` (the polytope's ``train_time_s`` where
    the fit time was not recorded either; NaN where neither was). The one reading of P2's offline time, here and in
    chapter 09."""
    if "offline_time_s" in t:
        return t.groupby("system", sort=False).offline_time_s.first()
    fit = next((c[k] for k in ("fit_time_s", "train_time_s") if k in c), np.nan)
    # a DS without its times leaves its system's sum unknown (NaN), never a sum of the others
    return (c.dataset_time_s + fit).groupby(c.system.to_numpy(), sort=False).agg(lambda s: s.sum(min_count=len(s)))


def per_system(t: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
    """Per system of a runs table ``t`` (`runs`) and a cases table ``c`` (`cases`): scenarios, feasible
    dispatches, feasibility ratio (%), mean and largest deviation (%), mean and largest time ratio, the ratio of the
    summed solver times, mean solver times (ms), worst import error (MW), the reserves the TSO held (MW on each slack
    unit's P, Mvar on each voltage-controlling unit's Q: `forlab.p2_surrogate.tso.reserve_amounts`), the DSOs' offline time (s: power flows +
    refinement, fit and certification, summed over the system's DSs), the number of DS buses and the mean PCCs per DS
    (one DS with two PCCs is coupled otherwise than two with one each). Times and time ratios are over the finished
    runs (a failed solve's time is no result)."""
    offline = offline_seconds(t, c)
    done = _finished(t)
    timed = {c: t[c].where(done) for c in ("time_ratio", "tso_time_s", "integrated_solve_time_s")}
    g = t.assign(feasible=t.feasible.astype(bool), **timed).groupby("system", sort=False)
    out = pd.DataFrame({
        "scenarios": g.size(), "feasible": g.feasible.sum().astype(int),
        "deviation_mean_pct": g.deviation_pct.mean(), "deviation_max_pct": g.deviation_pct.max(),
        "time_ratio_mean": g.time_ratio.mean(), "time_ratio_max": g.time_ratio.max(),
        "time_ratio_total": g.tso_time_s.sum() / g.integrated_solve_time_s.sum(),
        "integrated_ms_mean": 1e3 * g.integrated_solve_time_s.mean(), "tso_ms_mean": 1e3 * g.tso_time_s.mean(),
        "import_error_max_mw": g.ds_p_error_mw.max(),
    })
    out["feasibility_ratio_pct"] = 100 * out.feasible / out.scenarios
    for col in ("reserve_mw", "reserve_mvar"):  # one per system (its surrogates' error bounds); stores before: NaN
        out[col] = g[col].first() if col in t else np.nan
    out["offline_s"] = offline.reindex(out.index).to_numpy()
    out["ds_buses"] = c.n_bus.groupby(c.system.values, sort=False).sum().reindex(out.index).to_numpy()
    out["pccs_per_ds"] = (c.n_pcc.groupby(c.system.values, sort=False).mean().reindex(out.index).to_numpy()
                          if "n_pcc" in c else np.nan)  # a store without the PCC count: unknown, never assumed one
    return out


# ----------------------------------------------------------------------------------------------------------------------
# the tables as a reader sees them: headers in words with units, missing values as "–", no wider than the text column
# ----------------------------------------------------------------------------------------------------------------------
SYSTEM_DS = "system / DS"
"""Index name of the per-DS tables on the page."""

TABLE_TITLES = {
    "datasets": "**Datasets**: size, inputs, samples and feasible share per DS.",
    "offline": "**Offline work**: the batched power flow and the DSO's times per DS.",
    "held_out": "**Polytope on the held-out samples** (true labels), with its training time.",
    "vertices": "**Fresh vertices and regressors**: the check at the polytope's vertices and the regressors' errors on "
                "the feasible held-out samples.",
    "refine": "**Refinement**: infeasible share (%, strict labels) of the vertex samples drawn in each round.",
    "certify": "**Certification**: share (%) of the sampled vertices failing the margin labels in each round.",
    "costs": "**Costs** per system and load scenario.",
    "times": "**Loads and solver times** per system and load scenario.",
    "per_system": "**Per system**, over its load scenarios.",
    "coverage_summary": "**Coverage of the PQ charts per chart kind**, by the Latin Hypercube samples kept in the "
                        "store (the first `store_samples` of each DS), not by all of them.",
}
"""The title of each table the chapter shows under one (`forlab.book.tables.TitledTable`), so that a reader tells
apart the tables sharing an output; the ``*_tables`` readers put them above their tables."""


def _per_ds(frame: pd.DataFrame) -> pd.DataFrame:
    """A per-DS table with its keys written "system / DS", so that a long key can wrap in a narrow column."""
    names = [SYSTEM_DS if n == "system/DS" else n for n in frame.index.names]
    if isinstance(frame.index, pd.MultiIndex):
        level = frame.index.names.index("system/DS")
        index = frame.index.set_levels(frame.index.levels[level].str.replace("/", " / "), level=level)
    else:
        index = frame.index.str.replace("/", " / ")
    return frame.set_axis(index.set_names(names))


def sweep_keys(st) -> list[str]:
    """The DSs the chapter draws the accuracy sweep of when a store has more than fits the column: the first DS with
    the fewest buses and the first with the most (one key when they are the same)."""
    c = cases(st)
    return list(dict.fromkeys([c.n_bus.idxmin(), c.n_bus.idxmax()]))


def dataset_shown(st) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`dataset_table` as the chapter prints it, in two tables that fit the column: the datasets (size, inputs,
    samples of all kinds, feasible share; the Latin Hypercube samples are the parameter ``n_samples``) and the DSO's
    offline work (power-flow speed, linear solver, times)."""
    d = _grouped(_per_ds(dataset_table(st)), DATASET_DECIMALS)
    sizes = printable(d, {"buses": "buses", "FPUs": "FPUs", "PCCs": "PCCs", "inputs": "inputs d",
                          "all samples": "samples", "feasible (%)": "feasible (%)"})
    work = printable(d, {"flows/s": "power flows per second", "linear solver": "linear solver",
                         "power flows (s)": "power flows (s)",
                         "refine + fit + certify (s)": "refinement, fit and certification (s)"})
    return sizes, work


DATASET_DECIMALS = {"buses": 0, "FPUs": 0, "PCCs": 0, "inputs": 0, "all samples": 0, "feasible (%)": 1,
                    "flows/s": 0, "power flows (s)": 1, "refine + fit + certify (s)": 1}
"""Decimals of the printed datasets and offline work, those `dataset_table` rounds to."""


def _grouped(frame: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """``frame`` with the columns of ``decimals`` as `forlab.book.tables.fixed_columns` prints them, every one with
    its thousands grouped (`forlab.book.tables.grouped`, the book's one grouping: "14 500" samples, "8 009" flows per
    second; nothing changes below 1 000), the columns ``frame`` lacks left out (an older store's)."""
    kept = {c: n for c, n in decimals.items() if c in frame}
    return fixed_columns(frame, kept, group=tuple(kept))


def dataset_tables(st) -> list[TitledTable]:
    """`dataset_shown`, each under its title (`TABLE_TITLES`: datasets, offline work)."""
    return list(zip((TABLE_TITLES["datasets"], TABLE_TITLES["offline"]), dataset_shown(st)))


SCORE_DECIMALS = {"accuracy (%)": 1, "false-feasible (%)": 2, "false-infeasible (%)": 1, "train time (s)": 2,
                  "infeasible vertices (%)": 1, "worst vertex V distance (p.u.)": 4, "worst vertex loading (%)": 1,
                  "P RMSE (kW)": 3, "Q RMSE (kvar)": 3, "P max error (kW)": 3}
"""Decimals of the printed scores, as the sentences print them
(`forlab.studies.ch06_ml_surrogate.text.safety_summary`); the regressors' errors to the watt, the smallest DS's being
a tenth of a kilowatt."""


def scores_shown(st) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`scores_table` as the chapter prints it (`SCORE_DECIMALS` per column), in two tables that fit the column: the
    polytope on the held-out samples with its training time, then the check at fresh vertices and the regressors'
    errors."""
    s = _grouped(_per_ds(scores_table(st)), SCORE_DECIMALS)
    held_out = printable(s, {"K": "facets K", "accuracy (%)": "accuracy (%)",
                             "false-feasible (%)": "false-feasible (%)", "false-infeasible (%)": "false-infeasible (%)",
                             "train time (s)": "training time (s)"})
    vertices = printable(s, {"infeasible vertices (%)": "infeasible vertices (%)",
                             "worst vertex V distance (p.u.)": "smallest vertex voltage margin (p.u.)",
                             "worst vertex loading (%)": "largest vertex loading (%)", "P RMSE (kW)": "P RMSE (kW)",
                             "Q RMSE (kvar)": "Q RMSE (kvar)", "P max error (kW)": "largest P error (kW)"})
    return held_out, vertices


def scores_tables(st) -> list[TitledTable]:
    """`scores_shown`, each under its title (`TABLE_TITLES`: held-out samples, fresh vertices and regressors)."""
    return list(zip((TABLE_TITLES["held_out"], TABLE_TITLES["vertices"]), scores_shown(st)))


COVERAGE_DECIMALS = {"LHS samples": 0, "inside chart (%)": 1, "cells hit (%)": 1, "density ratio": 3}
"""Decimals of the printed coverage: the samples whole, shares to 0.1 %, the density ratio to 0.001."""


def _fpus_from_one(frame: pd.DataFrame) -> pd.DataFrame:
    """FPUs numbered from 1 on the page, as in the equations and figures (the store counts from 0)."""
    level = frame.index.names.index("FPU")
    return frame.set_axis(frame.index.set_levels(frame.index.levels[level] + 1, level=level))


def coverage_shown(cov: pd.DataFrame) -> pd.DataFrame:
    """A `coverage_table` as the chapter prints it (`COVERAGE_DECIMALS`, FPUs numbered from 1)."""
    shown = _fpus_from_one(_grouped(cov, COVERAGE_DECIMALS))
    return printable(_per_ds(shown), {"chart": "chart kind", "LHS samples": "Latin Hypercube samples",
                                      "inside chart (%)": "inside chart (%)", "cells hit (%)": "cells hit (%)",
                                      "density ratio": "density ratio"})


def coverage_summary_tables(cov: pd.DataFrame) -> list[TitledTable]:
    """`coverage_summary_shown` under its title (`TABLE_TITLES`: it is computed on the stored samples only)."""
    return [(TABLE_TITLES["coverage_summary"], coverage_summary_shown(cov))]


def rounds_shown(rounds: pd.DataFrame | None) -> pd.DataFrame | None:
    """A `refine_table` or `certify_table` as the chapter prints it: shares (%) to one decimal, "–" for a round that
    did not run because the DS was certified earlier (None stays None)."""
    if rounds is None:
        return None
    shown = fixed_columns(rounds, dict.fromkeys(rounds.columns, 1))
    return printable(_per_ds(shown), {c: f"{c} (%)" for c in rounds.columns})


def rounds_tables(st) -> list[TitledTable]:
    """`rounds_shown` of the refinement and of the certification, each under its title (`TABLE_TITLES`; the two have
    the same headers); a store without certification rounds has the refinement's only."""
    shown = {"refine": rounds_shown(refine_table(st)), "certify": rounds_shown(certify_table(st))}
    return [(TABLE_TITLES[k], frame) for k, frame in shown.items() if frame is not None]


BENCHMARK_COSTS = {"integrated cost ($/h)": "integrated cost ($/h)", "proposed cost ($/h)": "proposed cost ($/h)",
                   "deviation (%)": "deviation (%)", "PCC import error (MW)": "PCC import error (MW)",
                   "violations": "violations"}
BENCHMARK_TIMES = {"TS load (%)": "TS load (%)", "DS load (%)": "DS load (%)",
                   "integrated (ms)": "integrated AC-OPF (ms)", "TSO (ms)": "surrogate TSO (ms)",
                   "time ratio": TIME_RATIO, "time reduction (%)": "time reduction (%)"}


BENCHMARK_DECIMALS = {"integrated cost ($/h)": 2, "proposed cost ($/h)": 2, "deviation (%)": 4,
                      "PCC import error (MW)": 4, "TS load (%)": 1, "DS load (%)": 1, "integrated (ms)": 1,
                      "TSO (ms)": 1, "time ratio": 3, "time reduction (%)": 1, "TSO wall (ms)": 1}
"""Decimals of the printed benchmark, those `benchmark_table` rounds to."""


def benchmark_shown(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`benchmark_table`'s table as the chapter prints it (`BENCHMARK_DECIMALS`), in two tables that fit the column:
    costs (cost, deviation, import error, violations; the status when a case failed), then the scenario's load and
    the solver times (and the TSO's wall time, when the store has it), one row per system and scenario each."""
    table = _grouped(table, BENCHMARK_DECIMALS)
    costs, times = dict(BENCHMARK_COSTS), dict(BENCHMARK_TIMES)
    if "status" in table and (table.status != "ok").any():
        costs["status"] = "status"
    if "TSO wall (ms)" in table:
        times["TSO wall (ms)"] = "surrogate TSO, wall (ms)"
    shown = printable(table, costs), printable(table, times)
    for t in shown:  # system names may break after "+": the times table was 797 px in the 772 px column
        t.index = page_index(*(t.index.get_level_values(k) for k in range(t.index.nlevels)), names=t.index.names)
    return shown


def _scenario_note(table: pd.DataFrame) -> str:
    """Markdown: what the scenario labels of `benchmark_table`'s table are, read from its index (each system's
    first scenario is the one at the top of ``load_range``, the others are drawn; `forlab.p2_surrogate.tso.scenarios`
    names them); "" for a table without scenarios."""
    if "scenario" not in (table.index.names or []):
        return ""
    labels = list(dict.fromkeys(table.index.get_level_values("scenario")))
    firsts = list(dict.fromkeys(table.reset_index().groupby("system", sort=False).scenario.first()))
    drawn = [s for s in labels if s not in firsts]
    top = " or ".join(f"\"{s}\"" for s in firsts)
    text = f"Scenario {top} has every TS load and every DS load factor at the top of `load_range`"
    if drawn:
        others = f"\"{drawn[0]}\"" if len(drawn) == 1 else f"\"{drawn[0]}\" to \"{drawn[-1]}\""
        text += f"; in {others} each is drawn uniformly from `load_range`"
    return f"{text} (`forlab.p2_surrogate.tso.scenarios`)."


def benchmark_tables(table: pd.DataFrame) -> list[TitledTable]:
    """`benchmark_shown` of `benchmark_table`'s table, each under its title (`TABLE_TITLES`: costs, loads and solver
    times), the first followed by what the scenario labels are (`_scenario_note`)."""
    first = " ".join(filter(None, (TABLE_TITLES["costs"], _scenario_note(table))))
    return list(zip((first, TABLE_TITLES["times"]), benchmark_shown(table)))


PER_SYSTEM = {"dispatches": "feasible dispatches", "deviation_mean_pct": "mean deviation (%)",
              "deviation_max_pct": "largest deviation (%)", "time_ratio_mean": f"mean {TIME_RATIO}",
              "import_error_max_mw": "largest import error (MW)", "offline_s": "DSO offline work (s)"}


def per_system_shown(per_sys: pd.DataFrame) -> pd.DataFrame:
    """`per_system` as the chapter prints it: feasible dispatches ("25 of 25"), deviation, mean time ratio, import
    error and offline work per system (the worst time ratio and the mean solver times are in the sentences below it,
    the DS buses in `forlab.studies.ch06_ml_surrogate.text.scaling_text`)."""
    p = _grouped(per_sys, {"deviation_mean_pct": 4, "deviation_max_pct": 4, "import_error_max_mw": 4,
                           "time_ratio_mean": 2, "time_ratio_max": 2, "offline_s": 0})  # "–" where not recorded
    p["dispatches"] = [f"{grouped(f)} of {grouped(n)}" for f, n in zip(p.feasible, p.scenarios)]
    return printable(p, PER_SYSTEM)


def per_system_tables(per_sys: pd.DataFrame) -> list[TitledTable]:
    """`per_system_shown` under its title (`TABLE_TITLES`), as the chapter's other tables: a list of one."""
    return [(TABLE_TITLES["per_system"], per_system_shown(per_sys))]


PAYLOAD_SHOWN = {"polytope numbers": "polytope numbers (facets, input mean and whitening)",
                 "regressor numbers": "regressor numbers (full H, input mean and scale)"}
"""What `payload_table`'s counts hold, in the printed headers: the numbers as the file stores them, so a symmetric
H counts d x d and each model's input scaling counts too (`payload_table`)."""


PAYLOAD_DECIMALS = {"buses (not sent)": 0, "inputs d": 0, "facets K": 0, "polytope numbers": 0,
                    "regressor numbers": 0, "JSON size (kB)": 1}
"""Decimals of the printed payload: counts whole, the JSON's size to 0.1 kB."""


def payload_shown(st) -> pd.DataFrame:
    """`payload_table` as the chapter prints it (`PAYLOAD_DECIMALS`, thousands grouped, counts headed by what they
    hold)."""
    return _per_ds(_grouped(payload_table(st), PAYLOAD_DECIMALS).rename(columns=PAYLOAD_SHOWN))
