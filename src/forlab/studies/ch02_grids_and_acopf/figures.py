"""The chapter's figures: the drawing of one study system (`system_figure`), forlab's times against the bus
count (`scaling_figure`) and the PGLib-OPF validation (`pglib_figure`), forlab's solve and build in `SOLVE_COLOUR` and
`BUILD_COLOUR`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import plots
from forlab.studies.ch02_grids_and_acopf.pglib_opf import (
    PGLIB_TARGET_PCT,
    PGLIB_TIME_TARGET_BUSES,
    pglib_validation,
    times_comparable,
)
from forlab.studies.ch02_grids_and_acopf.readers import _drawn_feeders, _nets
from forlab.studies.ch02_grids_and_acopf.timing import solve_time_fit

__all__ = [
    "BUILD_COLOUR",
    "SOLVE_COLOUR",
    "bus_ticks",
    "pglib_figure",
    "scaling_figure",
    "system_figure",
]


ENLARGED_FEEDERS = 3
"""`system_figure` draws every DS of the system once more on its own, enlarged, up to this many DSs (beyond, the
panels would be too narrow to show more than the whole map does)."""


def system_figure(stored: xr.Dataset, draw_system: str):
    """The drawing of the store (`forlab.book.plots.draw_system`): the whole system, and beside it every DS feeder
    alone at the scale of its own panel (up to `ENLARGED_FEEDERS`; drawn beside a TS, a feeder of tens of buses is
    a few millimetres wide), its root, the bus the PCC transformer feeds, circled in the PCC's colour; one legend
    below the panels. Returns the Figure."""
    import matplotlib.pyplot as plt

    buses, branches = plots.tables_from_dataset(stored)
    feeders = _drawn_feeders(stored)
    feeders = feeders if len(feeders) <= ENLARGED_FEEDERS else []
    fig, axes = plt.subplots(1, 1 + len(feeders), figsize=(7.5, 5.0), layout="constrained", squeeze=False)
    whole, *parts = axes[0]
    plots.draw_system((buses, branches), ax=whole, title=draw_system if parts else f"study system {draw_system}")
    legend = whole.get_legend()
    roots = [_draw_feeder(ax, buses, branches, zone) for ax, zone in zip(parts, feeders)]
    for ax in axes[0]:
        ax.title.set_fontsize(9)
    fig.legend(handles=[*legend.legend_handles, *roots[:1]], loc="outside lower center", ncols=3,
               frameon=False, fontsize=8)  # the roots' circles alike in every panel: one entry
    legend.remove()
    return fig


def _draw_feeder(ax, buses: pd.DataFrame, branches: pd.DataFrame, zone: str):
    """One DS of the drawing's tables alone (its buses, and its branches and ties between them), its root (the bus
    a PCC transformer feeds) circled; returns the circles' artist, for the legend."""
    own = buses[buses.zone == zone]
    inside = branches.from_bus.isin(own.index) & branches.to_bus.isin(own.index)
    plots.draw_system((own, branches[inside & (branches.zone == zone)]), ax=ax, title=f"{zone}, enlarged",
                      legend=False, bus_size=14.0, zones=list(dict.fromkeys(buses.zone)))  # the map's colours
    roots = branches.to_bus[(branches.kind == "pcc") & branches.to_bus.isin(own.index)]
    return ax.scatter(own.x[roots], own.y[roots], s=160, facecolors="none", edgecolors=plots.PCC_COLOR,
                      linewidths=1.5, zorder=4, label="DS bus the PCC transformer feeds")


SOLVE_COLOUR, BUILD_COLOUR = plots.category_colours(2)
"""forlab's solver time and its model build time in the chapter's figures (`scaling_figure`, and the solves of
`pglib_figure`): two parts of one engine's time, not methods, so neither is a method's colour
(`forlab.book.plots.category_colours`)."""


def scaling_figure(stored: xr.Dataset):
    """forlab's build time and solver time against the bus count (log-log), transmission cases and integrated study
    systems, the fit of the transmission solves (`solve_time_fit`, dashed) and runopp's time on ``runopp_cases`` where
    it converged (a case it was not run on has no cross: not a failure); every net named beside its solve point
    (`_name_solves`). Solve and build in `SOLVE_COLOUR` and `BUILD_COLOUR`. Returns the Figure."""
    import matplotlib.pyplot as plt

    opf_t = _nets(stored)
    fig, ax = plt.subplots(figsize=(7.5, 4.6))  # the text column's width (forlab.book.plots.STYLE)
    for kind, marker in (("transmission", "o"), ("study system", "s")):
        sel = opf_t[opf_t.kind == kind]
        ax.loglog(sel.buses, sel.forlab_solve_time_s, marker, color=SOLVE_COLOUR, label=f"forlab solve, {kind}")
        ax.loglog(sel.buses, sel.forlab_build_time_s, marker, color=BUILD_COLOUR, mfc="none",
                  label=f"forlab build, {kind}")
    exponent, factor = solve_time_fit(opf_t)
    buses = np.geomspace(opf_t.buses.min(), opf_t.buses.max(), 50)
    ax.loglog(buses, factor * buses ** exponent, "--", color=SOLVE_COLOUR, linewidth=1,
              label="fit, transmission solves")
    ran = opf_t[opf_t.runopp_success.astype(bool)]
    ax.loglog(ran.buses, ran.runopp_wall_time_s, "x", color="#7f7f7f", label="runopp (on runopp_cases, converged)")
    systems = opf_t.buses[opf_t.kind == "study system"]
    # room for a study system's name right of its square (two thirds of a decade at the names' size), where it
    # covers no other net's marker: left of the largest study system it stood on the fit line and a build marker
    right = max(opf_t.buses.max() * 1.5, systems.max() * 4.6 if len(systems) else 0)
    ax.set_xlim(right=right)
    plots.log_ticks(ax.xaxis, [v for v in (10, 20, 50, 100, 200, 500, 1000, 2000)
                               if opf_t.buses.min() / 1.5 <= v <= right])
    ax.set_ylim(bottom=ax.get_ylim()[0] / 1.6)  # room for the names under the lowest points
    plots.log_ticks(ax.yaxis)
    ax.set_xlabel(plots.axis_label("buses"))
    ax.set_ylabel(plots.axis_label("wall-clock time", "s"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    _name_solves(ax, opf_t, ran)
    return fig


def _name_solves(ax, opf_t: pd.DataFrame, ran: pd.DataFrame) -> None:
    """`scaling_figure`'s nets named beside their solve point, once the axes are final: a transmission case by its
    number, a study system by its name (two squares 42 and 63 buses apart read alike without one: a reader's
    finding), each where it covers no other name, marker or line (`forlab.book.plots.annotate_points`), every marker
    of the figure an obstacle. Set above or below its point, a name stood on case300's open build marker just above
    its solve (a reader's finding on Fig. 3), and before that on the fit line."""
    marks = [(opf_t.buses, opf_t.forlab_solve_time_s), (opf_t.buses, opf_t.forlab_build_time_s),
             (ran.buses, ran.runopp_wall_time_s)]
    points = [(float(x), float(y)) for xs, ys in marks for x, y in zip(xs, ys)]
    others = len(points) - len(opf_t)
    names = [n.removeprefix("case") if k == "transmission" else n for n, k in zip(opf_t.index, opf_t.kind)]
    names += [""] * others
    named = [True] * len(opf_t) + [False] * others
    drawn = [i for i, p in enumerate(points) if np.isfinite(p).all()]  # a failed solve has no time, no marker (`_nets`)
    plots.annotate_points(ax, [points[i] for i in drawn], [names[i] for i in drawn], [bool(named[i]) for i in drawn],
                          fontsize=8, colors=["#404040"] * len(drawn))


def pglib_figure(stored: xr.Dataset):
    """Left: forlab's gap to the baseline objective per case (%, against the bus count, log), with the 0.01 %
    target band and the baseline's printed rounding as an error bar; failed cases as crosses on the axis. Right:
    forlab's fastest solver time against PowerModels' published time (`_pglib_times_panel`), only when some solved case
    has a published time to compare with (`times_comparable`; else `pglib_text` says why there is no right panel).
    Returns the Figure."""
    import matplotlib.pyplot as plt

    v = pglib_validation(stored)
    ok = v.forlab_success.astype(bool)
    both = times_comparable(v)
    fig, axes = plt.subplots(1, 2 if both else 1, figsize=(7.5, 3.8) if both else (4.2, 3.8), squeeze=False)
    left = axes[0][0]
    half_rounding = 100 * v.baseline_objective_resolution / 2 / v.baseline_objective
    left.axhspan(-PGLIB_TARGET_PCT, PGLIB_TARGET_PCT, color="#7f7f7f", alpha=0.15,
                 label=f"±{PGLIB_TARGET_PCT} % target")
    left.errorbar(v.buses[ok], v.gap_to_baseline_pct[ok], yerr=half_rounding[ok], fmt="o", color=SOLVE_COLOUR, ms=4,
                  capsize=2, label="forlab (bar: baseline rounding)")
    if (~ok).any():
        left.plot(v.buses[~ok], np.zeros((~ok).sum()), "x", color="C3", label="not solved")
    left.set_xscale("log")
    plots.log_ticks(left.xaxis, bus_ticks(v.buses))
    left.set_xlabel(plots.axis_label("buses"))
    left.set_ylabel(plots.axis_label("gap to PGLib baseline", "%"))
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8)
    if both:
        _pglib_times_panel(axes[0][1], v, ok)
    fig.tight_layout()
    return fig


BUS_TICKS = (3, 10, 30, 100, 300, 1000, 3000)
"""Candidate ticks of the PGLib figure's bus axis (log): 1 and 3 per power of ten."""
MOST_BUS_TICKS = 4
"""More ticks than this on the PGLib figure's narrow left panel and every other is dropped: at 1 and 3 per power of
ten over three powers, "1 000" and "3 000" sat closer than their own width and printed as one ("1 0003 000")."""


def bus_ticks(buses: pd.Series) -> list[int]:
    """The ticks of the PGLib figure's bus axis (`pglib_figure`): the `BUS_TICKS` within the cases' bus counts (with
    a margin of half as much again), every other one (from the first) where they exceed `MOST_BUS_TICKS`."""
    ticks = [b for b in BUS_TICKS if buses.min() / 1.5 <= b <= buses.max() * 1.5]
    return ticks[::2] if len(ticks) > MOST_BUS_TICKS else ticks


def _pglib_times_panel(ax, v: pd.DataFrame, ok: pd.Series) -> None:
    """The right panel of `pglib_figure`: forlab's fastest solver time against PowerModels' published time (log-log),
    "<1" bounds as left-pointing triangles, the diagonal where both are equal (`forlab.book.plots.EQUAL_TIMES_LINE`,
    as in every chapter; drawn when `times_comparable`). The three classes of case in
    `forlab.book.plots.category_colours`: a size class is not a method."""
    bound = v.baseline_time_upper_bound.astype(bool)
    big = v.buses > PGLIB_TIME_TARGET_BUSES
    bounds = ", ".join(f"<{t:g}" for t in sorted(set(v.baseline_time_s[ok & bound])))  # as BASELINE.md prints them
    small, large, bounded = plots.category_colours(3)
    series = ((ok & ~bound & ~big, "o", small, f"up to {PGLIB_TIME_TARGET_BUSES} buses"),
              (ok & ~bound & big, "s", large, f"above {PGLIB_TIME_TARGET_BUSES} buses"),
              (ok & bound, "<", bounded, f"published '{bounds} s' (a bound)"))
    for sel, marker, color, label in series:
        if sel.any():
            ax.loglog(v.baseline_time_s[sel], v.forlab_solve_time_s[sel], marker, color=color, ms=5, label=label)
    times = pd.concat([v.baseline_time_s, v.forlab_solve_time_s[ok]]).dropna()
    lo, hi = times.min() / 2, times.max() * 2
    ax.loglog([lo, hi], [lo, hi], **plots.EQUAL_TIMES_LINE, label="equal times")
    ax.set_xlim(v.baseline_time_s.min() / 1.6, v.baseline_time_s.max() * 1.6)
    ax.set_ylim(lo, hi)
    plots.log_ticks(ax.xaxis)
    plots.log_ticks(ax.yaxis)
    ax.set_xlabel(plots.axis_label("PowerModels published AC time", "s"))
    ax.set_ylabel(plots.axis_label("forlab solver time", "s"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8)
