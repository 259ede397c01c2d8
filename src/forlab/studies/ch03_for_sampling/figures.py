"""Figures of chapter 03, drawn from its store: the regions of the DSs in 3-D, static for print
(`for_regions_3d`) and interactive (`for_regions_interactive`), samples coloured by stage (`STAGE_COLOURS`); the PQ
slices (`pq_slices`), the outlines of the variants of one DS (`variant_outlines`) and the coverage study against the
number of directions (`coverage_figure`, from `forlab.studies.ch03_for_sampling.readers.coverage_table`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial import ConvexHull

from forlab.book import plots
from forlab.studies.ch03_for_sampling.readers import parameter
from forlab.studies.ch03_for_sampling.study import AXES, REFERENCE_VARIANT

__all__ = [
    "AXIS_LABELS",
    "REFERENCE_LINE",
    "SLICE_STYLES",
    "STAGE_COLOURS",
    "STAGE_LABELS",
    "coverage_figure",
    "for_regions_3d",
    "for_regions_interactive",
    "pq_slices",
    "variant_outlines",
]


AXIS_LABELS = {"p_mw": "P import (MW)", "q_mvar": "Q import (Mvar)", "vm_pu": "V at PCC (p.u.)"}
STAGE_LABELS = {"fibonacci": "support point (stage 2)", "projection": "projection (stage 1)", "box": "box extreme"}
"""Legend names of the sample stages in the figures."""
STAGE_COLOURS = dict(zip(("box", "fibonacci", "projection"), plots.category_colours(3)))
"""Colours of the sample stages in the static and the interactive view alike (`for_regions_3d`,
`for_regions_interactive`), the hull in the support points' colour: a stage is not a method, so none is in a
method's colour (`forlab.book.plots.category_colours`); the six box extremes in the darkest of them, near the
black they had, the support points in one that a dark square stands out from."""


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
