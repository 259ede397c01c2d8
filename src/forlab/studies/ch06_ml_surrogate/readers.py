"""Tables of the ML-surrogate chapter, read from its store (`forlab.studies.ch06_ml_surrogate.store.to_store`) only.

The same functions serve the chapter's own run and the archived `paper`-profile run. Units: MW, Mvar, p.u., $/h;
times in the tables in milliseconds (online) or seconds (offline).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from forlab.book.tables import table
from forlab.grid.capability import as_chart

__all__ = ["COVERAGE_GRID", "benchmark_table", "cases", "certify_table", "coverage_summary", "coverage_table",
           "dataset_table", "keys", "payload_table", "refine_table", "runs", "scores_table"]

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
    """`coverage_table` per chart kind: FPUs, smallest share inside, smallest share of cells hit, density range."""
    return cov.groupby("chart").agg(FPUs=("LHS samples", "size"), inside_min_pct=("inside chart (%)", "min"),
                                    cells_hit_min_pct=("cells hit (%)", "min"),
                                    density_min=("density ratio", "min"), density_max=("density ratio", "max"))


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
    regressors, and the size of the JSON (kB)."""
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


# ----------------------------------------------------------------------------------------------------------------------
# the benchmark, in the form of the FOR chapter's case-study table (`forlab.studies.p1_figures.coordination_table`)
# ----------------------------------------------------------------------------------------------------------------------


def benchmark_table(st):
    """(runs, table, per_sys) of a surrogate store.

    table: one row per (system, scenario), in the form of the FOR chapter's case-study table: mean TS and DS load
    factor (%), integrated cost and solve time, the true cost of the TSO's dispatch (T+D power flow) and its deviation,
    the surrogate TSO's solve time, the time ratio TSO / integrated and the time reduction, the largest PCC import
    error of the regressors (MW; the surrogate's counterpart of the FOR chapter's PCC mismatch) and the violation
    count of the T+D power flow. per_sys: `per_system`.
    """
    t = runs(st)
    n_viol = t.n_vm_violations + t.n_branch_violations + t.n_gen_violations
    out = pd.DataFrame({
        "system": t.system, "scenario": t.scenario,
        "TS load (%)": (100 * t.ts_load_mean).round(1), "DS load (%)": (100 * t.ds_load_mean).round(1),
        "integrated cost ($/h)": t.integrated_cost.round(2), "integrated (ms)": (1e3 * t.integrated_time_s).round(1),
        "proposed cost ($/h)": t.judged_cost.round(2), "deviation (%)": t.deviation_pct.round(4),
        "TSO (ms)": (1e3 * t.tso_time_s).round(1), "time ratio": t.time_ratio.round(3),
        "time reduction (%)": (100 * (1 - t.time_ratio)).round(1),
        "PCC import error (MW)": t.ds_p_error_mw.round(4),
        "violations": np.where(t.tso_success.astype(bool) & (n_viol >= 0), n_viol, -1).astype(int),
    }).set_index(["system", "scenario"])
    return t, out, per_system(t, cases(st))


def per_system(t: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
    """Per system of a runs table ``t`` (`runs`) and a cases table ``c`` (`cases`): scenarios, feasible
    dispatches, feasibility ratio (%), mean and largest deviation (%), mean and largest time ratio, the ratio of the
    summed solve times, mean solve times (ms), worst import error (MW), the DSOs' offline time (s: power flows +
    refinement, fit and certification, summed over the system's DSs) and the number of DS buses."""
    offline = (c.dataset_time_s + c.get("fit_time_s", np.nan)).groupby(c.system.values, sort=False).sum()
    g = t.assign(feasible=t.feasible.astype(bool)).groupby("system", sort=False)
    out = pd.DataFrame({
        "scenarios": g.size(), "feasible": g.feasible.sum().astype(int),
        "deviation_mean_pct": g.deviation_pct.mean(), "deviation_max_pct": g.deviation_pct.max(),
        "time_ratio_mean": g.time_ratio.mean(), "time_ratio_max": g.time_ratio.max(),
        "time_ratio_total": g.tso_time_s.sum() / g.integrated_time_s.sum(),
        "integrated_ms_mean": 1e3 * g.integrated_time_s.mean(), "tso_ms_mean": 1e3 * g.tso_time_s.mean(),
        "import_error_max_mw": g.ds_p_error_mw.max(),
    })
    out["feasibility_ratio_pct"] = 100 * out.feasible / out.scenarios
    out["offline_s"] = offline.reindex(out.index).to_numpy()
    out["ds_buses"] = c.n_bus.groupby(c.system.values, sort=False).sum().reindex(out.index).to_numpy()
    return out
