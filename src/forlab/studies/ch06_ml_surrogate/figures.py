"""Figures of the ML-surrogate chapter, drawn from its store only; each function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import NullLocator

from forlab.grid.capability import as_chart
from forlab.studies.ch06_ml_surrogate.readers import keys as store_keys

__all__ = ["coverage_figure", "history_figure", "scaling_figure", "slice_figure", "sweep_figure"]

SWEEP_PANELS = (("sweep_accuracy", "held-out accuracy"), ("sweep_false_feasible_rate", "held-out false-feasible rate"),
                ("sweep_vertex_infeasible_share", "infeasible share of vertices"))
SLICE_COLOURS = ListedColormap(["#f4a6a6", "#a6dba0"])
"""Infeasible (red) and feasible (green) cells of a region slice."""


def _fpu_panel(ax, st, i: int, k: int, kind: str, title: str, max_points: int) -> None:
    """FPU k of DS row i: chart outline, LHS samples (green feasible, red infeasible), other samples as crosses."""
    names = [str(n) for n in st.input_name.values[i] if str(n)]
    origin = st.origin.values[i]
    real = origin != ""
    u = st.u.values[i][real]
    feas = st.feasible.values[i][real] == 1
    lhs = origin[real] == "lhs"
    show = np.flatnonzero(lhs)[:max_points]
    chart = as_chart(str(st.fpu_chart.values[i, k]))
    p, q = u[:, names.index(f"fpu{k}_p_mw")], u[:, names.index(f"fpu{k}_q_mvar")]
    ax.scatter(p[show], q[show], c=np.where(feas[show], "tab:green", "tab:red"), s=3, alpha=0.35, lw=0)
    ax.scatter(p[~lhs], q[~lhs], marker="x", s=8, c="k", alpha=0.4, lw=0.6)
    outline = chart.vertices_for_plot()
    ax.plot(outline[:, 0], outline[:, 1], "k-", lw=1)
    ax.set_title(f"{title}\nFPU {k} ({kind})", fontsize=8)
    ax.set_xlabel("p (MW)", fontsize=8)
    ax.set_ylabel("q (Mvar)", fontsize=8)
    ax.tick_params(labelsize=7)


def coverage_figure(st, keys=None, max_points: int = 1500):
    """One row per DS, one panel per FPU: chart outline, LHS samples (green feasible, red infeasible), boundary and
    refinement samples as crosses."""
    every = store_keys(st)
    keys = every if keys is None else list(keys)
    rows = [every.index(k) for k in keys]
    n_fpu = int(max(st.n_fpu.values[rows]))
    fig, axes = plt.subplots(len(rows), n_fpu, figsize=(3.0 * n_fpu, 2.9 * len(rows)), squeeze=False)
    for r, i in enumerate(rows):
        kinds = [str(x) for x in st.fpu_kind.values[i] if str(x)]
        for k in range(n_fpu):
            if k >= len(kinds):
                axes[r, k].axis("off")
                continue
            _fpu_panel(axes[r, k], st, i, k, kinds[k], keys[r], max_points)
    fig.tight_layout()
    return fig


def history_figure(st):
    """One row per DS: training loss (left) and held-out accuracy and false-feasible rate (right) of the final
    polytope over its L-BFGS iterations; dotted lines at the temperature steps."""
    every = store_keys(st)
    fig, axes = plt.subplots(len(every), 2, figsize=(11, 3.0 * len(every)), squeeze=False)
    for r, key in enumerate(every):
        h = st.isel(ds=r)
        ok = np.isfinite(h.history_loss.values)
        it = np.arange(ok.sum())
        temp = h.history_stage_temperature.values[ok]
        steps = np.flatnonzero(np.diff(temp) != 0) + 1
        axes[r, 0].semilogy(it, h.history_loss.values[ok])
        axes[r, 1].plot(it, h.history_val_accuracy.values[ok], label="held-out accuracy")
        axes[r, 1].plot(it, h.history_val_false_feasible_rate.values[ok], label="held-out false-feasible rate")
        for ax in axes[r]:
            for s in steps:
                ax.axvline(s, color="grey", lw=0.8, ls=":")
            ax.set_xlabel("L-BFGS iteration")
            ax.set_title(key, fontsize=9)
        axes[r, 0].set_ylabel("training loss")
        axes[r, 1].set_ylabel("share (margin labels)")
        axes[r, 1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def sweep_figure(st, keys=None):
    """One row per DS: held-out accuracy, false-feasible rate and infeasible vertex share against the training-set
    size, one line per K; last panel: the regressors' held-out RMSE of P (kW) and Q (kvar) against the size (they do
    not depend on K)."""
    keys = store_keys(st) if keys is None else list(keys)
    ns = st.n_train.values
    fig, axes = plt.subplots(len(keys), 4, figsize=(16, 2.9 * len(keys)), squeeze=False)
    for r, key in enumerate(keys):
        for c, (var, label) in enumerate(SWEEP_PANELS):
            ax = axes[r, c]
            for k in st.facets.values:
                ax.plot(ns, st[var].sel(ds=key, facets=k).values, "o-", ms=3, label=f"K = {int(k)}")
            ax.set_ylabel(label, fontsize=8)
        ax = axes[r, 3]
        k0 = st.facets.values[0]
        ax.plot(ns, 1e3 * st.sweep_p_mw_rmse.sel(ds=key, facets=k0).values, "o-", ms=3, label="P (kW)")
        ax.plot(ns, 1e3 * st.sweep_q_mvar_rmse.sel(ds=key, facets=k0).values, "s--", ms=3, label="Q (kvar)")
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


def _slice_panel(ax, st, i: int, j: int, key: str) -> None:
    """Slice j of DS row i: the true region (colours), the polytope (hatched, black edge) and the TSO's peak point."""
    names = [str(n) for n in st.input_name.values[i] if str(n)]
    xname, yname = str(st.slice_x_name.values[i, j]), str(st.slice_y_name.values[i, j])
    if not xname:
        ax.axis("off")
        return
    xs, ys = st.slice_x_values.values[i, j], st.slice_y_values.values[i, j]
    ax.pcolormesh(xs, ys, st.slice_feasible.values[i, j], cmap=SLICE_COLOURS, vmin=0, vmax=1, shading="nearest")
    g = st.slice_g.values[i, j]
    if np.isfinite(g).any() and np.nanmin(g) < 0:
        ax.contourf(xs, ys, g, levels=[np.nanmin(g) - 1.0, 0.0], colors="none", hatches=["///"])
    if np.isfinite(g).any() and np.nanmin(g) < 0 < np.nanmax(g):
        ax.contour(xs, ys, g, levels=[0.0], colors="k", linewidths=1.2)
    up = st.tso_u_peak.values[i]
    ax.plot(up[names.index(xname)], up[names.index(yname)], "k*", ms=12)
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    ax.set_title(key, fontsize=9)


def slice_figure(st):
    """One row per DS, one panel per region slice: the truth from power flows (green feasible, red infeasible, white
    outside the sampled domain), the polytope g(u) <= 0 hatched with a black edge, and the TSO's choice of the same
    two inputs in the peak scenario (star)."""
    every = store_keys(st)
    n_sl = st.sizes.get("slice", 0)
    fig, axes = plt.subplots(len(every), max(n_sl, 1), figsize=(4.2 * max(n_sl, 1), 3.6 * len(every)),
                             squeeze=False)
    for i, key in enumerate(every):
        for j in range(n_sl):
            _slice_panel(axes[i, j], st, i, j, key)
    fig.tight_layout()
    return fig


def scaling_figure(t, per_sys):
    """Cost deviation (left) and time ratio (middle) per scenario against the DS buses of the system, and the solve
    times themselves (right: integrated as grey squares); ``t`` and ``per_sys`` from `benchmark_table`."""
    fig, ax = plt.subplots(1, 3, figsize=(14, 3.8))
    for s_name, g in t.groupby("system", sort=False):
        x = np.full(len(g), per_sys.ds_buses[s_name])
        ax[0].plot(x, g.deviation_pct, "o", alpha=0.5, label=s_name)
        ax[1].plot(x, g.time_ratio, "o", alpha=0.5, label=s_name)
        ax[2].plot(x, 1e3 * g.integrated_time_s, "s", alpha=0.5, color="grey")
        ax[2].plot(x, 1e3 * g.tso_time_s, "o", alpha=0.5)
    ax[0].set_ylabel("cost deviation (%)")
    ax[1].set_ylabel("TSO / integrated solve time")
    ax[1].axhline(1.0, color="grey", ls=":")
    ax[2].set_ylabel("solve time (ms); grey squares: integrated")
    ax[2].set_yscale("log")
    for a in ax:
        a.set_xlabel("DS buses in the system")
        a.set_xscale("log")
        a.grid(alpha=0.3)
    ax[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
