"""Tables and figures of the ML-surrogate chapter, drawn from its store (`forlab.studies.ch06_ml_surrogate.to_store`) only.

The same functions serve the chapter's own run and the archived `paper`-profile run. Units: MW, Mvar, p.u., $/h;
times in the tables in milliseconds (online) or seconds (offline).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullLocator

from forlab.book.tables import table
from forlab.grid.capability import as_chart
from forlab.opf.judge import LOADING_TOL

__all__ = ["benchmark_summary", "benchmark_table", "benchmark_targets", "cases", "coverage_figure",
           "coverage_table", "dataset_table", "failures", "runs", "scores_table", "sweep_figure"]

COVERAGE_GRID = 12
"""Cells per axis of the grid over a chart's bounding box on which `coverage_table` counts samples."""


def span(values, fmt: str = ".1f", unit: str = "") -> str:
    """"a to b" (smallest to largest of ``values``, formatted with ``fmt``), or "a" when both print the same."""
    v = np.asarray(values, float)
    lo, hi = format(np.nanmin(v), fmt), format(np.nanmax(v), fmt)
    return f"{lo}{unit}" if lo == hi else f"{lo} to {hi}{unit}"


def runs(st) -> pd.DataFrame:
    """One row per benchmark run (system x load scenario): the ``bench_*`` variables, prefix removed."""
    return table(st, "run", "bench_")


def cases(st) -> pd.DataFrame:
    """One row per DS (index "system/DS"): the per-DS variables of the store (strings, counts, times, scores)."""
    out = pd.DataFrame({k: st[k].values for k in st.data_vars if st[k].dims == ("dsid",)},
                       index=pd.Index([str(k) for k in st.dsid.values], name="system/DS"))
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


def coverage_table(st, grid: int = COVERAGE_GRID) -> pd.DataFrame:
    """Coverage of each FPU's PQ chart by the Latin Hypercube samples kept in the store.

    One row per (system/DS, FPU): chart kind, LHS samples, share inside the chart (%), share of the grid cells wholly
    inside the chart that hold at least one sample (%), and the density ratio: samples per unit area in those cells
    over samples per unit area of the whole chart (1 for a uniform sample; below 1 if samples crowd the outline).
    """
    rows = []
    for i, key in enumerate(str(k) for k in st.dsid.values):
        names = [str(n) for n in st.input_name.values[i] if str(n)]
        lhs = st.origin.values[i] == "lhs"
        u = st.u.values[i][lhs]
        for k, kind in enumerate(str(x) for x in st.fpu_kind.values[i] if str(x)):
            chart = as_chart(str(st.fpu_chart.values[i, k]))
            p, q = u[:, names.index(f"fpu{k}_p_mw")], u[:, names.index(f"fpu{k}_q_mvar")]
            pe, qe, inside = _chart_area_cells(chart, grid)
            counts, _, _ = np.histogram2d(p, q, bins=[pe, qe])
            cell_area = (pe[1] - pe[0]) * (qe[1] - qe[0])
            n_in = inside.sum()
            density = (counts[inside].sum() / (n_in * cell_area)) / (len(p) / chart.area()) if n_in and len(p) else \
                np.nan
            rows.append({"system/DS": key, "FPU": k, "chart": kind, "LHS samples": len(p),
                         "inside chart (%)": 100 * float(np.mean(chart.contains(p, q, tol=1e-9))),
                         "cells hit (%)": 100 * float((counts[inside] > 0).mean()) if n_in else np.nan,
                         "density ratio": density})
    return pd.DataFrame(rows).set_index(["system/DS", "FPU"])


def coverage_figure(st, dsids=None, max_points: int = 1500):
    """One row per DS, one panel per FPU: chart outline, LHS samples (green feasible, red infeasible), boundary and
    refinement samples as crosses."""
    keys = [str(k) for k in st.dsid.values]
    dsids = keys if dsids is None else list(dsids)
    rows = [keys.index(k) for k in dsids]
    n_fpu = int(max(st.n_fpu.values[rows]))
    fig, axes = plt.subplots(len(rows), n_fpu, figsize=(3.0 * n_fpu, 2.9 * len(rows)), squeeze=False)
    for r, i in enumerate(rows):
        names = [str(n) for n in st.input_name.values[i] if str(n)]
        kinds = [str(x) for x in st.fpu_kind.values[i] if str(x)]
        origin = st.origin.values[i]
        real = origin != ""
        u = st.u.values[i][real]
        feas = st.feasible.values[i][real] == 1
        lhs = origin[real] == "lhs"
        show = np.flatnonzero(lhs)[:max_points]
        for k in range(n_fpu):
            ax = axes[r, k]
            if k >= len(kinds):
                ax.axis("off")
                continue
            chart = as_chart(str(st.fpu_chart.values[i, k]))
            p, q = u[:, names.index(f"fpu{k}_p_mw")], u[:, names.index(f"fpu{k}_q_mvar")]
            ax.scatter(p[show], q[show], c=np.where(feas[show], "tab:green", "tab:red"), s=3, alpha=0.35, lw=0)
            ax.scatter(p[~lhs], q[~lhs], marker="x", s=8, c="k", alpha=0.4, lw=0.6)
            outline = chart.vertices_for_plot()
            ax.plot(outline[:, 0], outline[:, 1], "k-", lw=1)
            ax.set_title(f"{dsids[r]}\nFPU {k} ({kinds[k]})", fontsize=8)
            ax.set_xlabel("p (MW)", fontsize=8)
            ax.set_ylabel("q (Mvar)", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


SWEEP_PANELS = (("sweep_accuracy", "held-out accuracy"), ("sweep_false_feasible_rate", "held-out false-feasible rate"),
                ("sweep_vertex_infeasible_share", "infeasible share of vertices"))


def sweep_figure(st, dsids=None):
    """One row per DS: held-out accuracy, false-feasible rate and infeasible vertex share against the training-set
    size, one line per K; last panel: the regressors' held-out RMSE of P (kW) and Q (kvar) against the size (they do
    not depend on K)."""
    keys = [str(k) for k in st.dsid.values]
    dsids = keys if dsids is None else list(dsids)
    ns = st.n_train.values
    fig, axes = plt.subplots(len(dsids), 4, figsize=(16, 2.9 * len(dsids)), squeeze=False)
    for r, key in enumerate(dsids):
        for c, (var, label) in enumerate(SWEEP_PANELS):
            ax = axes[r, c]
            for k in st.facets.values:
                ax.plot(ns, st[var].sel(dsid=key, facets=k).values, "o-", ms=3, label=f"K = {int(k)}")
            ax.set_ylabel(label, fontsize=8)
        ax = axes[r, 3]
        k0 = st.facets.values[0]
        ax.plot(ns, 1e3 * st.sweep_p_mw_rmse.sel(dsid=key, facets=k0).values, "o-", ms=3, label="P (kW)")
        ax.plot(ns, 1e3 * st.sweep_q_mvar_rmse.sel(dsid=key, facets=k0).values, "s--", ms=3, label="Q (kvar)")
        ax.set_yscale("log")
        ax.set_ylabel("regressor held-out RMSE", fontsize=8)
        for ax in axes[r]:
            ax.set_xscale("log")
            ax.set_xticks(ns, [str(int(n)) for n in ns])
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xlabel("training samples", fontsize=8)
            ax.set_title(key, fontsize=8)
            ax.tick_params(labelsize=7)
        axes[r, 0].legend(fontsize=7)
        axes[r, 3].legend(fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------------------------------
# the benchmark, in the form of the FOR chapter's case-study table (`forlab.studies.p1_figures.coordination_table`)
# ----------------------------------------------------------------------------------------------------------------------


def benchmark_table(st):
    """(runs, table, per_sys) of a surrogate store.

    table: one row per (system, scenario), in the form of the FOR chapter's case-study table: mean TS and DS load
    factor (%), integrated cost and solve time, the true cost of the TSO's dispatch (T+D power flow) and its deviation,
    the surrogate TSO's solve time, the time ratio TSO / integrated and the time reduction, the largest PCC import
    error of the regressors (MW; the surrogate's counterpart of the FOR chapter's PCC mismatch) and the violation
    count of the T+D power flow. per_sys: per system, scenarios, feasible dispatches, feasibility ratio (%), mean and
    largest deviation (%), mean and largest time ratio, the ratio of the summed solve times, worst import error (MW),
    the DSOs' offline time (s: power flows + refinement, fit and certification, summed over the system's DSs) and
    the number of DS buses.
    """
    t = runs(st)
    n_viol = t.n_vm_violations + t.n_branch_violations + t.n_gen_violations
    table = pd.DataFrame({
        "system": t.system, "scenario": t.scenario,
        "TS load (%)": (100 * t.ts_load_mean).round(1), "DS load (%)": (100 * t.ds_load_mean).round(1),
        "integrated cost ($/h)": t.integrated_cost.round(2), "integrated (ms)": (1e3 * t.integrated_time_s).round(1),
        "proposed cost ($/h)": t.judged_cost.round(2), "deviation (%)": t.deviation_percent.round(4),
        "TSO (ms)": (1e3 * t.tso_time_s).round(1), "time ratio": t.time_ratio.round(3),
        "time reduction (%)": (100 * (1 - t.time_ratio)).round(1),
        "PCC import error (MW)": t.ds_p_error_mw.round(4),
        "violations": np.where(t.tso_success.astype(bool) & (n_viol >= 0), n_viol, -1).astype(int),
    }).set_index(["system", "scenario"])
    c = cases(st)
    offline = (c.dataset_time_s + c.get("fit_time_s", np.nan)).groupby(c.system.values, sort=False).sum()
    g = t.assign(feasible=t.feasible.astype(bool)).groupby("system", sort=False)
    per_sys = pd.DataFrame({
        "scenarios": g.size(), "feasible": g.feasible.sum().astype(int),
        "deviation_mean_pct": g.deviation_percent.mean(), "deviation_max_pct": g.deviation_percent.max(),
        "time_ratio_mean": g.time_ratio.mean(), "time_ratio_max": g.time_ratio.max(),
        "time_ratio_total": g.tso_time_s.sum() / g.integrated_time_s.sum(),
        "integrated_ms_mean": 1e3 * g.integrated_time_s.mean(), "tso_ms_mean": 1e3 * g.tso_time_s.mean(),
        "import_error_max_mw": g.ds_p_error_mw.max(),
    })
    per_sys["feasibility_ratio_pct"] = 100 * per_sys.feasible / per_sys.scenarios
    per_sys["offline_s"] = offline.reindex(per_sys.index).to_numpy()
    per_sys["ds_buses"] = c.n_bus.groupby(c.system.values, sort=False).sum().reindex(per_sys.index).to_numpy()
    return t, table, per_sys


def benchmark_summary(per_sys) -> str:
    """Markdown bullet list, one per system: feasibility ratio, cost deviation, time ratio, offline time."""
    return "\n".join(
        f"- **{s}**: {int(r.feasible)} of {int(r.scenarios)} dispatches feasible in the T+D power flow "
        f"({r.feasibility_ratio_pct:.0f} %); cost deviation from the integrated optimum {r.deviation_mean_pct:.4f} % "
        f"on average and {r.deviation_max_pct:.4f} % at most; TSO solve time / integrated solve time "
        f"{r.time_ratio_mean:.2f} on average ({r.tso_ms_mean:.1f} ms against {r.integrated_ms_mean:.1f} ms), "
        f"{r.time_ratio_max:.2f} at worst; offline work of the DSOs {r.offline_s:.0f} s."
        for s, r in per_sys.iterrows())


def benchmark_targets(per_sys) -> str:
    """One sentence per target of the ML-surrogate issue, with the measured numbers."""
    full = per_sys.feasibility_ratio_pct >= 100
    n_fail = int((per_sys.scenarios - per_sys.feasible).sum())
    largest = per_sys.index[per_sys.ds_buses == per_sys.ds_buses.max()]
    on_largest = ", ".join(f"{s} {per_sys.time_ratio_mean[s]:.2f} (time reduction "
                           f"{100 * (1 - per_sys.time_ratio_mean[s]):.0f} %)" for s in largest)
    return (
        f"100 % feasibility ratio: met on {int(full.sum())} of {len(per_sys)} systems"
        + (f" (missed on {', '.join(per_sys.index[~full])}; {n_fail} infeasible dispatches, listed below)"
           if (~full).any() else "")
        + f", {int(per_sys.feasible.sum())} of {int(per_sys.scenarios.sum())} dispatches in all. Cost deviation per "
        f"system: {span(per_sys.deviation_mean_pct, '.4f', ' %')} on average, "
        f"{per_sys.deviation_max_pct.max():.4f} % at worst. TSO / integrated solve time: "
        f"{span(per_sys.time_ratio_mean, '.2f')} on average per system; on the system(s) with the most DS buses: "
        f"{on_largest}."
    )


def failures(t) -> str:
    """Markdown: every infeasible dispatch of a runs table (`benchmark_table`'s first value) and what the power flows
    found; empty when there is none."""
    bad = t[~t.feasible.astype(bool)]
    lines = []
    for _, r in bad.iterrows():
        head = f"- {r.system}, scenario {r.scenario}: "
        if not bool(r.tso_success):
            lines.append(head + f"the surrogate TSO OPF did not converge (Ipopt status {r.tso_status!r}), so there is "
                         "no dispatch to check.")
            continue
        if not bool(r.converged):
            lines.append(head + "the T+D power flow at the TSO's dispatch did not converge.")
            continue
        where = []
        if r.ds_vm_slack_pu < 0:
            where.append(f"the DS power flow at the TSO's set-points and PCC voltages already violates a DS voltage "
                         f"limit by {-r.ds_vm_slack_pu:.2e} p.u.")
        if r.ds_max_loading_percent > 100:
            where.append(f"the DS power flow loads a DS branch to {r.ds_max_loading_percent:.1f} %")
        cause = ("; ".join(where) + ": the polytope accepted a point outside the DS's true region"
                 + (f" (g = {r.ds_g:.3g} at that point)" if np.isfinite(r.ds_g) else "")) if where else (
            "the DS power flow at the TSO's set-points is within the DS limits, so the violation is in the T+D "
            f"operating point itself: the true PCC import differs from the predicted one by up to {r.ds_p_error_mw:.4f} "
            f"MW and {r.ds_q_error_mvar:.4f} Mvar, which the TS slack and voltages absorb")
        lines.append(head + f"{int(r.n_vm_violations)} voltage violation(s) (largest {r.max_vm_violation_pu:.2e} "
                     f"p.u.), {int(r.n_branch_violations)} branch(es) above {100 + LOADING_TOL:g} % (largest loading "
                     f"{r.max_loading_percent:.1f} %), {int(r.n_gen_violations)} generator limit violation(s) "
                     f"(largest {r.max_gen_violation_mw:.3g} MW); " + cause + ".")
    return "\n".join(lines)


def safety_summary(st) -> str:
    """Markdown, one bullet per DS: the calibration offset of its polytope, whether certification ended with no
    failing sampled vertex, the held-out accuracy and false-infeasible rate (the price of the safety), and the fresh
    vertex check; then the DSs whose fresh vertices still fail, if any."""
    c = cases(st)
    cert = st.certify_failing_share.values if "certify_failing_share" in st else np.full((len(c), 0), np.nan)
    lines = []
    for i, key in enumerate(c.index):
        done = cert[i][np.isfinite(cert[i])]
        if not len(done):
            status = "no certification round"
        elif done[-1] == 0:
            status = f"certified: no sampled vertex failed the margin labels in round {len(done)}"
        else:
            status = (f"not certified: {100 * done[-1]:.1f} % of the vertices sampled in the last of its {len(done)} "
                      "rounds still failed the margin labels")
        r = c.loc[key]
        lines.append(f"- **{key}**: calibration offset {r.polytope_offset:.3f} (whitened units); {status}; held-out "
                     f"accuracy {100 * r.test_accuracy:.1f} %, false-feasible {100 * r.test_false_feasible_rate:.2f} "
                     f"%, false-infeasible {100 * r.test_false_infeasible_rate:.1f} %; fresh vertices infeasible "
                     f"{100 * r.test_vertex_infeasible_share:.1f} % (smallest voltage distance to a limit "
                     f"{r.test_vertex_min_vm_slack_pu:.4f} p.u., largest loading {r.test_vertex_max_loading_percent:.1f} "
                     "%).")
    bad = c.index[c.test_vertex_infeasible_share > 0]
    if len(bad):
        lines.append("")
        lines.append(f"Fresh vertices of {', '.join(bad)} still fail the power flow: a TSO whose prices drive it to "
                     "such a vertex would get an infeasible dispatch, whether or not one of the benchmark's scenarios "
                     "does. Further certification rounds (`certify_rounds`) would push the facets at those vertices "
                     "inwards, at the price of a more conservative polytope.")
    return "\n".join(lines)
