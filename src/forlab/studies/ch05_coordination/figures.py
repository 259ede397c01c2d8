"""Figures of chapter 05: the cost deviation and the solver times per system against the load level
(`deviation_figure`), drawn from the case columns of `forlab.studies.ch05_coordination.readers.coordination_table`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from forlab.book import plots
from forlab.studies.ch05_coordination.text import TARGET_DEVIATION_PCT

__all__ = [
    "KEY_GREY",
    "ONLINE_TIME",
    "deviation_figure",
]


ONLINE_TIME = f"{plots.METHOD_STYLE['P1']['label']}, online time"
"""The legend entry of P1's times in `deviation_figure`: the glossary's online time (the TSO's solve plus the
slowest DSO's), named as every chapter names the method (`forlab.book.plots.METHOD_STYLE`)."""


KEY_GREY = "#595959"
"""The line of a method's key in `deviation_figure`'s legend: no system's colour (`forlab.book.plots.SYSTEM_COLOURS`)
and darker than the paper bound's grey, for a line that each system draws in its own colour."""


def deviation_figure(t: pd.DataFrame):
    """Per system against the load level: the cost deviation (%) with the paper's bound, and the solver times (ms)
    of the integrated AC-OPF (dashed) and P1's online time, the TSO plus the slowest DSO (solid; `ONLINE_TIME`),
    with the two methods' markers of `forlab.book.plots.METHOD_STYLE`; a log time axis only where the times span a
    decade or more (`_time_scale`); one colour per system, none of them a method's
    (`forlab.book.plots.SYSTEM_COLOURS`: in the book's blue, a system's lines read as P1's), and one legend for both
    panels (``t`` from `coordination_table`). The integrated AC-OPF's markers are its black, as in the legend and
    every chapter; its dashed line keeps the system's colour, so that with several systems each dashed line still
    pairs with the solid line it is compared with."""
    fig, ax = plt.subplots(1, 2, figsize=(7.5, 3.4))
    colors = plots.SYSTEM_COLOURS
    central, p1 = plots.METHOD_STYLE["integrated"], plots.METHOD_STYLE["P1"]
    handles = []
    for (s_name, g), color in zip(t.groupby("system", sort=False), colors * 10):
        ax[0].plot(100 * g.level, g.deviation_pct, marker=p1["marker"], color=color, label=s_name)
        ax[1].plot(100 * g.level, 1e3 * g.integrated_solve_time_s, marker=central["marker"], linestyle="--",
                   color=color, markerfacecolor=central["color"], markeredgecolor=central["color"])
        ax[1].plot(100 * g.level, 1e3 * g.solve_time_s, marker=p1["marker"], color=color)
        handles.append(Line2D([], [], color=color, linewidth=6, label=s_name))
    ax[0].axhline(TARGET_DEVIATION_PCT, **plots.BOUND_LINE)
    # the methods' keys: their line style and marker on a line of no system's colour (each system draws both in its
    # own), the integrated AC-OPF's marker black as drawn
    handles += [Line2D([], [], **plots.BOUND_LINE, label=plots.P1_BOUND),
                Line2D([], [], color=KEY_GREY, marker=central["marker"], linestyle="--",
                       markerfacecolor=central["color"], markeredgecolor=central["color"], label=central["label"]),
                Line2D([], [], color=KEY_GREY, marker=p1["marker"], linestyle="-", label=ONLINE_TIME)]
    ax[0].set_ylabel("cost deviation (%)")
    ax[1].set_ylabel("solver time (ms)")  # the glossary's word for Ipopt's own time, as the tables say
    if _time_scale(t) == "log":
        ax[1].set_yscale("log")
        ax[1].autoscale_view()
        plots.log_ticks(ax[1].yaxis)  # 1, 2, 5 x 10^k, or round numbers such as 12, 14, 16 on a short axis
    levels = sorted(set(np.rint(100 * t.level).astype(int)))
    for a_ in ax:
        a_.set_xlabel("load level (% of nominal)")
        a_.set_xticks(levels)
    fig.legend(handles=handles, loc="lower center", ncol=min(3, len(handles)), fontsize=9)
    n_rows = -(-len(handles) // 3)
    fig.tight_layout(rect=(0, 0.075 * n_rows, 1, 1))
    return fig


def _time_scale(t: pd.DataFrame) -> str:
    """"log" where the solver times `deviation_figure` draws span a factor of ten or more (systems of very different
    sizes), else "linear": a log axis over less than a decade gets one or two labels and reads as flat."""
    ms = pd.concat([t.integrated_solve_time_s, t.solve_time_s]).astype(float)
    ms = ms[np.isfinite(ms) & (ms > 0)]
    return "log" if len(ms) and ms.max() >= 10 * ms.min() else "linear"
