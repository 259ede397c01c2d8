"""Figures of the ML-surrogate chapter, drawn from its store only; each function returns a matplotlib Figure.

Every figure is drawn for the book's text column (`forlab.book.plots.STYLE`: at most 7.5 in wide, the style's font
sizes, one legend per figure, plain tick labels on logarithmic axes); a figure with one block of panels per DS gives
each DS a row (a subfigure) titled with its "system/DS" key.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from matplotlib.ticker import MaxNLocator

from forlab.book.names import TIME_RATIO
from forlab.book.plots import EQUAL_TIMES_LINE, SYSTEM_COLOURS, category_colours, log_ticks, method_style
from forlab.grid.capability import as_chart
from forlab.studies.ch06_ml_surrogate.readers import keys as store_keys
from forlab.studies.ch06_ml_surrogate.readers import slice_outline

__all__ = ["coverage_figure", "facet_colour", "history_figure", "input_label", "nice_log_ticks", "scaling_figure",
           "slice_figure", "sweep_figure"]

WIDTH = 7.5
"""Width of every figure of the chapter (in): the book's text column."""
SWEEP_PANELS = (("sweep_accuracy", "held-out\naccuracy (%)"),
                ("sweep_false_feasible_rate", "held-out false-\nfeasible rate (%)"),
                ("sweep_vertex_infeasible_share", "infeasible\nvertices (%)"))
SLICE_COLOURS = ListedColormap(["#f4a6a6", "#a6dba0"])
"""Infeasible (red) and feasible (green) cells of a region slice."""
CROSS_COLOUR = "tab:gray"
"""Grey of the boundary and refinement samples of `coverage_figure`, below the coloured Latin Hypercube dots."""
INPUT_WORDS = {"p_mw": "P (MW)", "q_mvar": "Q (Mvar)", "vm_pu": "|V| (p.u.)", "dva_degree": "angle difference (°)"}


def input_label(name: str) -> str:
    """An input of the surrogate in words with units, its FPU or PCC numbered from 1 as in the chapter's equations
    (the input names count from 0): "fpu1_q_mvar" -> "FPU 2 Q (Mvar)", "pcc0_vm_pu" -> "PCC 1 |V| (p.u.)",
    "pcc1_dva_degree" -> "PCC 2 angle difference (°)", "load_scale" -> "DS load factor"."""
    if name == "load_scale":
        return "DS load factor"
    m = re.fullmatch(r"(fpu|pcc)(\d+)_(\w+)", name)
    if m is None or m.group(3) not in INPUT_WORDS:
        return name
    return f"{m.group(1).upper()} {int(m.group(2)) + 1} {INPUT_WORDS[m.group(3)]}"


def _ds_rows(fig, n: int, height_ratios=None):
    """One subfigure per DS row of ``fig``."""
    return np.atleast_1d(fig.subfigures(n, 1, height_ratios=height_ratios))


def _fpu_panel(ax, st, i: int, k: int, kind: str, max_points: int) -> None:
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
    # thousands of points: rasterized inside the vector figure, so that the page stays small. The crosses go below
    # the Latin Hypercube dots, in grey: drawn on top in black they hid the dots' colours; the infeasible dots go
    # last, the minority whose place the panel is read for
    ax.scatter(p[~lhs], q[~lhs], marker="x", s=7, c=CROSS_COLOUR, alpha=0.6, lw=0.5, rasterized=True, zorder=1)
    for ok in (True, False):
        sel = show[feas[show] == ok]
        ax.scatter(p[sel], q[sel], c="tab:green" if ok else "tab:red", s=5, alpha=0.55, lw=0, rasterized=True,
                   zorder=2)
    outline = chart.vertices_for_plot()
    ax.plot(outline[:, 0], outline[:, 1], "k-", lw=1)
    ax.set_title(f"FPU {k + 1} ({kind})")  # numbered from 1, as in the equations
    ax.set_xlabel("P (MW)")
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.yaxis.set_major_locator(MaxNLocator(4))


COVERAGE_LEGEND = [
    Line2D([], [], ls="", marker="o", color="tab:green", label="feasible (Latin Hypercube)"),
    Line2D([], [], ls="", marker="o", color="tab:red", label="infeasible (Latin Hypercube)"),
    Line2D([], [], ls="", marker="x", color=CROSS_COLOUR, label="boundary or refinement sample"),
    Line2D([], [], color="k", label="PQ chart"),
]


def coverage_figure(st, keys=None, max_points: int = 1500, columns: int = 4):
    """One block per DS, one panel per FPU (``columns`` panels a row): chart outline, LHS samples (green feasible, red
    infeasible; the first ``max_points``), boundary and refinement samples as crosses; one legend."""
    every = store_keys(st)
    keys = every if keys is None else list(keys)
    rows = [every.index(k) for k in keys]
    n_fpu = [len([x for x in st.fpu_kind.values[i] if str(x)]) for i in rows]
    lines = [int(np.ceil(n / columns)) for n in n_fpu]
    fig = plt.figure(figsize=(WIDTH, 0.5 + sum(2.25 * n for n in lines)), layout="constrained")
    for sub, i, key, n, n_lines in zip(_ds_rows(fig, len(rows), lines), rows, keys, n_fpu, lines):
        kinds = [str(x) for x in st.fpu_kind.values[i] if str(x)]
        axes = sub.subplots(n_lines, columns, squeeze=False).ravel()
        for k, ax in enumerate(axes):
            if k >= n:
                ax.axis("off")
                continue
            _fpu_panel(ax, st, i, k, kinds[k], max_points)
        axes[0].set_ylabel("Q (Mvar)")
        sub.suptitle(key)
    fig.legend(handles=COVERAGE_LEGEND, loc="outside lower center", ncols=2)
    return fig


HISTORY_COLOURS = dict(zip(("accuracy", "false_feasible"), category_colours(2)))
"""The colours of the held-out accuracy and false-feasible rate in `history_figure`: two of the book's colours for
categories that are no method (`forlab.book.plots.category_colours`), since in P1's blue and P2's orange the two
shares of P2's polytope read as two methods."""


def history_figure(st):
    """One row per DS: training loss (left) and held-out accuracy and false-feasible rate (right, against the margin
    labels the polytope is trained on, in `HISTORY_COLOURS`; the chapter's caption says so) of the final polytope
    over its L-BFGS iterations; dotted lines at the temperature steps; one legend."""
    every = store_keys(st)
    fig = plt.figure(figsize=(WIDTH, 0.6 + 2.5 * len(every)), layout="constrained")
    for sub, (r, key) in zip(_ds_rows(fig, len(every)), enumerate(every)):
        h = st.isel(ds=r)
        ok = np.isfinite(h.history_loss.values)
        it = np.arange(ok.sum())
        temp = h.history_stage_temperature.values[ok]
        steps = np.flatnonzero(np.diff(temp) != 0) + 1
        axes = sub.subplots(1, 2, sharex=True)
        axes[0].semilogy(it, h.history_loss.values[ok], color="k")
        axes[1].plot(it, 100 * h.history_val_accuracy.values[ok], color=HISTORY_COLOURS["accuracy"])
        axes[1].plot(it, 100 * h.history_val_false_feasible_rate.values[ok], color=HISTORY_COLOURS["false_feasible"])
        for ax in axes:
            for s in steps:
                ax.axvline(s, color="grey", lw=0.8, ls=":")
            ax.set_xlabel("L-BFGS iteration")
        axes[0].set_ylabel("training loss")
        axes[1].set_ylabel("held-out share (%)")
        sub.suptitle(key)
    handles = [Line2D([], [], color="k", label="training loss"),
               Line2D([], [], color=HISTORY_COLOURS["accuracy"], label="held-out accuracy"),
               Line2D([], [], color=HISTORY_COLOURS["false_feasible"], label="held-out false-feasible rate"),
               Line2D([], [], color="grey", lw=0.8, ls=":", label="temperature step")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    return fig


FACET_COLOURS = "viridis"
"""The colour map of `facet_colour`: sequential, so that a larger K reads as further along."""
FACET_RANGE = (2, 32)
"""The K values at the two ends of `facet_colour`'s scale (logarithmic); a K outside takes the nearer end's colour."""


def facet_colour(k: float):
    """The colour of the sweep's line of K = ``k`` facets: fixed by K itself on a logarithmic scale over
    `FACET_RANGE` (`FACET_COLOURS` without its lightest end, faint on white), not by its place in a
    store's list of K, so that a K has one colour in every sweep figure, whichever Ks each store ran."""
    lo, hi = np.log2(FACET_RANGE)
    at = float(np.clip((np.log2(k) - lo) / (hi - lo), 0.0, 1.0))
    return plt.get_cmap(FACET_COLOURS)(0.9 * at)


def sweep_figure(st, keys=None):
    """One column per DS (``keys``, default every DS: pass at most three), one row per measure against the
    training-set size: held-out accuracy, false-feasible rate and infeasible share of the polytope's vertices, one
    line per K in its colour (`facet_colour`); last row: the regressors' held-out RMSE of P (kW) and Q (kvar),
    which do not depend on K. Rows share their y axis, so the DSs compare directly; one legend."""
    keys = store_keys(st) if keys is None else list(keys)
    ns = st.n_train.values
    fig, axes = plt.subplots(4, len(keys), figsize=(WIDTH, 8.0), sharex=True, sharey="row", squeeze=False,
                             layout="constrained")
    for c, key in enumerate(keys):
        for r, (var, _label) in enumerate(SWEEP_PANELS):
            for k in st.facets.values:
                axes[r, c].plot(ns, 100 * st[var].sel(ds=key, facets=k).values, "o-", ms=3, color=facet_colour(k))
        ax = axes[3, c]
        k0 = st.facets.values[0]
        ax.plot(ns, 1e3 * st.sweep_p_mw_rmse.sel(ds=key, facets=k0).values, "o-", ms=3, color="k")
        ax.plot(ns, 1e3 * st.sweep_q_mvar_rmse.sel(ds=key, facets=k0).values, "s--", ms=3, color="k")
        ax.set_yscale("log")
        ax.set_xlabel("training samples")
        axes[0, c].set_title(key.replace("/", "/\n"))
        ax.set_xscale("log")
        log_ticks(ax.xaxis, ns)
    rmse = [st[v].sel(ds=keys).values for v in ("sweep_p_mw_rmse", "sweep_q_mvar_rmse")]
    log_ticks(axes[3, 0].yaxis, nice_log_ticks(1e3 * np.concatenate([r.ravel() for r in rmse])))
    for r, (_var, label) in enumerate(SWEEP_PANELS):
        axes[r, 0].set_ylabel(label)
    axes[3, 0].set_ylabel("regressor held-out\nRMSE (kW, kvar)")
    handles = [Line2D([], [], marker="o", ms=3, color=facet_colour(k), label=f"K = {int(k)}") for k in st.facets.values]
    handles += [Line2D([], [], marker="o", ms=3, color="k", label="P RMSE (kW)"),
                Line2D([], [], marker="s", ms=3, ls="--", color="k", label="Q RMSE (kvar)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), columnspacing=1.2,
               handlelength=1.6)
    return fig


EMPTY_SLICE = "the polytope accepts\nno point of this slice"
"""The note of a panel whose slice of the polytope is empty within its ranges."""


def _slice_panel(ax, st, i: int, j: int) -> None:
    """Slice j of DS row i: the true region (colours), the polytope (hatched, black edge: the exact polygon of its
    facets, `slice_outline`, not a contour of g on the grid, which missed a slice thinner than a grid step; a note
    `EMPTY_SLICE` where it is empty) and the TSO's peak-scenario choice that the slice passes through (star; none
    where the peak solve gave no choice and the slice passes through the polytope's centre)."""
    names = [str(n) for n in st.input_name.values[i] if str(n)]
    xname, yname = str(st.slice_x_name.values[i, j]), str(st.slice_y_name.values[i, j])
    xs, ys = st.slice_x_values.values[i, j], st.slice_y_values.values[i, j]
    ax.pcolormesh(xs, ys, st.slice_feasible.values[i, j], cmap=SLICE_COLOURS, vmin=0, vmax=1, shading="nearest",
                  rasterized=True)
    outline = slice_outline(st, i, j)
    if len(outline) >= 3:
        ax.add_patch(Polygon(outline, closed=True, facecolor="none", edgecolor="k", hatch="///", lw=1.2))
    else:
        ax.text(0.5, 0.5, EMPTY_SLICE, transform=ax.transAxes, ha="center", va="center", fontsize="small",
                bbox={"facecolor": "white", "edgecolor": "k", "lw": 0.6})
    up = st.tso_u_peak.values[i]
    star = up[names.index(xname)], up[names.index(yname)]
    if np.isfinite(star).all():
        ax.plot(*star, "k*", ms=12)
        _show_point(ax, *star)
    ax.set_xlabel(input_label(xname))
    ax.set_ylabel(input_label(yname))
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.grid(False)


STAR_ROOM = 0.06
"""Share of an axis's span kept free between the TSO's star and the panel's border (half the star's width, about)."""


def _show_point(ax, x: float, y: float) -> None:
    """Widen the limits of ``ax`` so that the point (x, y) lies inside them, `STAR_ROOM` of the span from the border:
    the TSO's choice, which every slice passes through, often lies on the edge of a slice's range (an FPU at its
    chart's limit, a PCC voltage at its band's), and a star cut by the border would hide where it is."""
    for get, set_, v in ((ax.get_xlim, ax.set_xlim, x), (ax.get_ylim, ax.set_ylim, y)):
        if not np.isfinite(v):
            continue
        lo, hi = get()
        room = STAR_ROOM * (max(hi, v) - min(lo, v))
        set_(min(lo, v - room), max(hi, v + room))


def _centred_panels(sub, n: int, slots: int) -> list:
    """``n`` axes of a row of ``slots`` equal panels, centred in it: a DS with fewer slices than the others (one PCC,
    so no angle slice) gets panels as wide as theirs and no empty slot beside them."""
    grid = sub.add_gridspec(1, 2 * slots)
    first = slots - n  # in half-slots: the row's free room split on both sides
    return [sub.add_subplot(grid[0, first + 2 * j:first + 2 * j + 2]) for j in range(n)]


SLICE_LEGEND = [
    Patch(facecolor="#a6dba0", label="feasible (power flow)"),
    Patch(facecolor="#f4a6a6", label="infeasible (power flow)"),
    Patch(facecolor="white", edgecolor="k", hatch="///", label="polytope g(u) ≤ 0"),
    Line2D([], [], ls="", marker="*", ms=10, color="k", label="TSO's choice, peak scenario"),
]


def slice_figure(st):
    """One row per DS, one panel per region slice (a DS with fewer slices has its panels centred in its row,
    `_centred_panels`): the truth from power flows (green feasible, red infeasible, white outside the sampled
    domain), the polytope g(u) <= 0 hatched with a black edge, and the TSO's choice in the peak scenario (star),
    which the slices pass through (`forlab.studies.ch06_ml_surrogate.steps.slice_reference`); one legend."""
    every = store_keys(st)
    n_sl = max(st.sizes.get("slice", 0), 1)
    fig = plt.figure(figsize=(WIDTH, 0.7 + 2.6 * len(every)), layout="constrained")
    for sub, (i, key) in zip(_ds_rows(fig, len(every)), enumerate(every)):
        slices = [j for j in range(st.sizes.get("slice", 0)) if str(st.slice_x_name.values[i, j])]
        for j, ax in zip(slices, _centred_panels(sub, len(slices), n_sl)):
            _slice_panel(ax, st, i, j)
        sub.suptitle(key)
    fig.legend(handles=SLICE_LEGEND, loc="outside lower center", ncols=2)
    return fig


SAME_SIZE_SHIFT = 0.06
"""Decades between the places of two systems with the same number of DS buses in `scaling_figure` (the two 33-bus
systems): drawn at one x, their markers hid each other, in the right panel wholly."""


def _system_x(ds_buses):
    """The x of each system of `scaling_figure` (``ds_buses``: its DS buses, by system): its DS buses, systems that
    share a count spread around it `SAME_SIZE_SHIFT` decades apart, in the table's order (a place beside the count,
    not a count of its own: the ticks give the counts)."""
    x = {}
    for n, same in ds_buses.groupby(ds_buses, sort=False):
        for i, system in enumerate(same.index):
            x[system] = n * 10 ** ((i - (len(same) - 1) / 2) * SAME_SIZE_SHIFT)
    return x


def _bus_ticks(ds_buses) -> list[float]:
    """`nice_log_ticks` of the DS buses, and the smallest system's count where no tick lies within `END_GAP` of it:
    the data's lowest end got no label (the 33-bus systems sat left of the first tick, 50)."""
    ticks = nice_log_ticks(ds_buses)
    smallest = float(np.min(ds_buses))
    return ([smallest] if ticks and smallest * END_GAP <= ticks[0] else []) + ticks


def scaling_figure(t, per_sys):
    """Cost deviation (left) and the ratio of solver times (middle, under its one name on the page, `TIME_RATIO`)
    per scenario against the DS buses of the system, each system in its colour (`forlab.book.plots.SYSTEM_COLOURS`,
    no method's) with P2's marker (both are P2's results), and the solver times themselves (right), each method in
    its style of `forlab.book.plots.METHOD_STYLE`: the integrated AC-OPF's, and P2's online time, its TSO's solve
    with the surrogate; systems with the same DS buses a little apart (`_system_x`), the axis labelled at the
    smallest system too (`_bus_ticks`); ``t`` and ``per_sys`` from `benchmark_table`. One legend."""
    fig, ax = plt.subplots(1, 3, figsize=(WIDTH, 3.6), layout="constrained")
    handles = []
    place = _system_x(per_sys.ds_buses)
    p2 = method_style("P2")["marker"]
    for c, (s_name, g) in enumerate(t.groupby("system", sort=False)):
        x = np.full(len(g), place[s_name])
        colour = SYSTEM_COLOURS[c % len(SYSTEM_COLOURS)]
        ax[0].plot(x, g.deviation_pct, p2, alpha=0.5, color=colour)
        ax[1].plot(x, g.time_ratio, p2, alpha=0.5, color=colour)
        handles.append(Line2D([], [], ls="", marker=p2, color=colour, label=s_name))
    # the right panel compares methods: the system is its x, the colour and marker the method's
    for method, times in (("integrated", t.integrated_solve_time_s), ("P2", t.tso_time_s)):
        style = method_style(method, label=f"{method_style(method)['label']} (right)")
        ax[2].plot([place[s] for s in t.system], 1e3 * times, ls="", alpha=0.5, **style)
        handles.append(Line2D([], [], ls="", **style))
    ax[0].set_ylabel("cost deviation (%)")
    ax[1].set_ylabel(TIME_RATIO)
    ax[1].axhline(1.0, **EQUAL_TIMES_LINE)  # as chapters 08 and 09 draw equal times
    ax[2].set_ylabel("solver time (ms)")
    ax[2].set_yscale("log")
    log_ticks(ax[2].yaxis, nice_log_ticks(1e3 * np.r_[t.integrated_solve_time_s, t.tso_time_s]))
    for a in ax:
        a.set_xlabel("DS buses")
        a.set_xscale("log")
        log_ticks(a.xaxis, _bus_ticks(per_sys.ds_buses))
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    return fig


END_GAP = 1.5
"""Factor between the data's end and its nearest tick of 1, 2, 5 x 10^n beyond which `nice_log_ticks` adds a tick
of 1 to 9 x 10^n there (3 above 2 for data up to 3.7): a reader reads the largest values off a label near them."""


def nice_log_ticks(values, most: int = 5) -> list[float]:
    """Tick values for a logarithmic axis over the finite positive ``values``: the numbers 1, 2, 5 x 10^n inside
    their range, with the nearest 1 to 9 x 10^n inside it added at an end that lies more than `END_GAP` beyond the
    last of them (only the powers of ten when 1, 2, 5 give more than ``most``; 1 to 9 x 10^n when they give fewer than
    two), so that a few plain labels never overlap and none of the data is far from a label."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return []
    lo, hi = v.min() / 1.05, v.max() * 1.05
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    ticks = []
    for mantissas in ((1, 2, 5), (1,), tuple(range(1, 10))):
        ticks = [m * 10.0 ** e for e in decades for m in mantissas if lo <= m * 10.0 ** e <= hi]
        if 2 <= len(ticks) <= most:
            return _ends_labelled(ticks, lo, hi, decades) if mantissas == (1, 2, 5) else ticks
        if mantissas == (1,) and len(ticks) >= 2:
            return ticks
    return ticks


def _ends_labelled(ticks: list[float], lo: float, hi: float, decades) -> list[float]:
    """``ticks`` with the largest 1 to 9 x 10^n up to ``hi`` and the smallest from ``lo`` added when they lie at
    least `END_GAP` beyond the outermost tick."""
    fine = [m * 10.0 ** e for e in decades for m in range(1, 10) if lo <= m * 10.0 ** e <= hi]
    top, bottom = fine[-1], fine[0]
    return ([bottom] if bottom * END_GAP <= ticks[0] else []) + ticks + ([top] if top >= END_GAP * ticks[-1] else [])
