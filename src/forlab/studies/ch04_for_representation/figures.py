"""Matplotlib figures of chapter 04 from a store: each offer's level sets on the central cut (`level_sets`), the
offered price over that cut (`price_surface`) and where the price misses (`cost_check`); normalised axes, with MW
and Mvar on the top and right ones.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.lines import Line2D

from forlab.book.plots import EDGE_LINE, EDGE_WORDS, ZERO_LINE, ZERO_WORDS, category_colours, edge_lines
from forlab.grid import td
from forlab.p1_for.offer import Offer
from forlab.studies.ch03_for_sampling import AXIS_LABELS  # the PCC axes in chapter 03's words
from forlab.studies.ch04_for_representation.readers import CUT_BAND, _cost_residual, _cut_of, _price_cut
from forlab.studies.ch04_for_representation.store import offer

__all__ = [
    "FEASIBLE_POINT",
    "INFEASIBLE_POINT",
    "LEVEL_SET_LEGEND",
    "TICKS",
    "cost_check",
    "level_sets",
    "price_surface",
]


TICKS = (-1.0, -0.5, 0.0, 0.5, 1.0)
"""Ticks of the normalised axes (five, so that two panels side by side never crowd their labels)."""


def _panels(n: int, height: float = 3.6):
    """A figure for the 7.5-in column with ``n`` panels, two per row; returns (figure, the n axes)."""
    ncols = min(n, 2)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.5 if ncols == 2 else 4.2, height * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.remove()
    return fig, list(axes.ravel()[:n])


def _normalised_axes(ax, title: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("normalised P")
    ax.set_ylabel("normalised Q")
    ax.set_xticks(TICKS)
    ax.set_yticks(TICKS)


def _physical_axes(ax, off: Offer) -> None:
    """MW on the top and Mvar on the right axis of a panel in normalised P~ and Q~, from the offer's box
    (x = c + h x~, `forlab.p1_for.dso_opf.Box`): the normalised axes say where in the box a point lies, these what
    the TSO trades, in chapter 03's words (`AXIS_LABELS`)."""
    c, h = off.box.center, off.box.half
    top = ax.secondary_xaxis("top", functions=(lambda x: c[0] + h[0] * x, lambda p: (p - c[0]) / h[0]))
    right = ax.secondary_yaxis("right", functions=(lambda y: c[1] + h[1] * y, lambda q: (q - c[1]) / h[1]))
    top.set_xlabel(AXIS_LABELS["p_mw"])
    right.set_ylabel(AXIS_LABELS["q_mvar"])
    for axis in (top.xaxis, right.yaxis):
        axis.set_major_locator(plt.MaxNLocator(4))


FEASIBLE_POINT = {"color": category_colours(2)[-1], "marker": "o", "markeredgecolor": "k", "markeredgewidth": 0.5,
                  "linestyle": "", "markersize": 4.5}
"""A feasible test point of the level sets: a colour of `forlab.book.plots.category_colours`, no method's (P3 is
green), with a dark rim that keeps it visible on the shaded region."""
INFEASIBLE_POINT = {"color": "tab:red", "marker": "x", "linestyle": "", "markersize": 5}
"""An infeasible test point of the level sets."""


def _level_set_panel(ax, st: xr.Dataset, ds: str, tol: float) -> None:
    """One panel of `level_sets`."""
    c = _cut_of(st, ds, 121, 1.1)
    P, Q, g, m = c["P"], c["Q"], c["g"], c["m"]
    ax.contourf(P, Q, g, levels=[g.min() - 1, 0], colors=["tab:blue"], alpha=0.12)
    edge_lines(ax, P, Q, g, m)
    b = c["boundary"]
    ax.plot(b[:, 0], b[:, 1], "k.", markersize=5)
    feas = c["test_distance"] < tol
    tp = c["test"]
    ax.plot(tp[feas, 0], tp[feas, 1], **FEASIBLE_POINT)
    ax.plot(tp[~feas, 0], tp[~feas, 1], **INFEASIBLE_POINT)
    ax.plot([c["start"][0]], [c["start"][1]], "k+", markersize=10, markeredgewidth=1.5)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_aspect("equal")
    _normalised_axes(ax, ds)
    _physical_axes(ax, c["offer"])


LEVEL_SET_LEGEND = (
    (EDGE_LINE, f"{EDGE_WORDS} (shaded)"),
    (ZERO_LINE, ZERO_WORDS),
    ({"color": "k", "marker": ".", "linestyle": "", "markersize": 7}, f"boundary sample, normalised |V| < {CUT_BAND}"),
    ({"color": "k", "marker": "+", "linestyle": "", "markersize": 10, "markeredgewidth": 1.5},
     "where the TSO's OPF starts, at its P and Q"),
    (FEASIBLE_POINT, "test point, feasible"),
    (INFEASIBLE_POINT, "test point, infeasible"),
)


def level_sets(st: xr.Dataset, tol: float):
    """Per DS, the cut at the central PCC voltage: zero level sets of f + m (solid, the edge of the offered region,
    which is shaded) and of the chosen f (dashed), the TSO's start (`forlab.p1_for.tso.pcc_start`) at its P~ and Q~,
    boundary samples and labelled test points near the cut (feasible: projection distance < tol); P in MW and Q in
    Mvar on the top and right axes (`_physical_axes`); one legend for all panels."""
    fig, axes = _panels(st.sizes["ds"], 3.9)
    for ax, r in zip(axes, st.ds.values):
        _level_set_panel(ax, st, str(r), tol)
    handles = [Line2D([], [], **kw) for kw, _ in LEVEL_SET_LEGEND]
    fig.legend(handles, [lab for _, lab in LEVEL_SET_LEGEND], loc="lower center", ncol=2, fontsize=9)
    fig.tight_layout(rect=(0, 0.17 / (1 + (len(axes) > 2)), 1, 1))
    return fig


def _wrapped_title(ds: str) -> str:
    """A DS name as a panel title in two lines ("<system>/" and "<DS>"), so that it fits over a narrow panel."""
    system, name = td.split_ds(ds)
    return f"{system}/\n{name}"


def price_surface(st: xr.Dataset):
    """Per DS, the offered cost ($/h, the price's value) over (P~, Q~) at the central voltage with the edge of the
    offered region (solid, as in `level_sets`) and the DS cost OPF values it was fitted to (points within |V~| < 0.3),
    drawn in the same colours, with P in MW and Q in Mvar on the top and right axes (`_physical_axes`); the colour bar
    lies under its panel, so that it cannot cover the next panel's title."""
    fig, axes = _panels(st.sizes["ds"], 4.3)
    for ax, r in zip(axes, st.ds.values):
        c = _price_cut(st, str(r))
        cs = ax.contourf(c["P"], c["Q"], c["C"], levels=15, cmap="viridis")
        ax.contour(c["P"], c["Q"], c["g"], levels=[0], colors="white", linewidths=EDGE_LINE["linewidth"])
        cb = fig.colorbar(cs, ax=ax, orientation="horizontal", location="bottom", pad=0.2, fraction=0.06,
                          label="offered cost ($/h)")
        cb.locator = plt.MaxNLocator(5)
        cb.update_ticks()
        rs = st.sel(ds=r)
        cp = rs.cost_point.values
        ok = rs.cost_success.values.astype(bool) & (np.abs(cp[:, 2]) < 0.3)
        ax.scatter(cp[ok, 0], cp[ok, 1], c=rs.cost_value.values[ok], cmap="viridis", edgecolors="white", s=25,
                   vmin=c["C"].min(), vmax=c["C"].max())
        ax.set_aspect("equal")
        _normalised_axes(ax, _wrapped_title(str(r)))
        _physical_axes(ax, offer(st, str(r)))
        ax.grid(False)
    fig.tight_layout()
    return fig


def cost_check(st: xr.Dataset, dss=None):
    """Where the price misses: per DS (all by default) the offered minus the true cost at the cost points, in % of
    the mean DS cost, against normalised P; training and held-out test points; one legend for all panels."""
    dss = list(st.ds.values) if dss is None else list(dss)
    fig, axes = _panels(len(dss), 3.3)
    for ax, r in zip(axes, dss):
        p, miss, split_, _ = _cost_residual(st.sel(ds=r))
        ax.axhline(0.0, color="k", linestyle="--", linewidth=0.8, label="offered = true")
        for name, color in (("train", "tab:gray"), ("test", "tab:red")):
            m = split_ == name
            ax.scatter(p[m], miss[m], s=12, color=color, label=f"{name} points")
        ax.set_title(str(r), fontsize=10)
        ax.set_xlabel("normalised P")
        ax.set_ylabel("offered − true\n(% of mean DS cost)")
        ax.set_xticks(TICKS)
        ax.yaxis.set_major_locator(plt.MaxNLocator(5))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
