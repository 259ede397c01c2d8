"""Chapter 09's figures: the default runs on one system (`default_figure`) and every study system of the
paper-scale runs (`systems_figure`), each method in the book's colour and marker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forlab.book import anchors, plots
from forlab.book.names import TIME_RATIO
from forlab.book.plots import P1_BOUND
from forlab.book.tables import fixed, grouped
from forlab.opf.outcome import NEGLIGIBLE_PCT
from forlab.studies import ch12_many_dsos
from forlab.studies.ch09_comparison.readers import METHOD_CODES, METHOD_NAMES, _method_rank, _yardstick_spread

__all__ = [
    "COLORS",
    "DATA_TICKS",
    "EQUAL_TIMES",
    "FIGURE_WIDTH",
    "INTEGRATED_LABEL",
    "MARKER_SIZE",
    "ONLINE_LABEL",
    "ONLINE_SWATCH",
    "TIME_TICKS",
    "YARDSTICK_BAR",
    "default_figure",
    "systems_figure",
    "yardstick_bars",
]


COLORS = {plots.METHOD_STYLE[m]["label"]: plots.METHOD_STYLE[m]["color"] for m in METHOD_CODES}
"""One colour per method, by the names the rows carry: the book's (`forlab.book.plots.METHOD_STYLE`)."""

TIME_TICKS = tuple(m * 10.0**e for e in range(-3, 7) for m in (1, 2, 5))
"""Where a log axis of times or time ratios is labelled (`forlab.book.plots.log_ticks`)."""


ONLINE_LABEL = "online time"
"""The legend entry of the default figure's online-time markers: the glossary's online time, as every chapter calls
it."""
ONLINE_SWATCH = "0.6"
"""Its marker's colour: a grey, no method's colour (`COLORS`): the markers it stands for have the colour and shape of
their method (`forlab.book.plots.METHOD_STYLE`)."""
INTEGRATED_LABEL = "integrated AC-OPF, same run"
"""The legend entry of the default figure's integrated AC-OPF times, each of the run of the method beside it."""

DATA_TICKS = tuple(m * 10.0**e for e in range(-1, 7) for m in (1, 2, 5))
"""Where the default figure's log axis of the data exchanged (kB) is labelled (`forlab.book.plots.log_ticks`)."""


def _style(name: str, **extra) -> dict:
    """`forlab.book.plots.method_style` of a method named as the rows name it (`METHOD_NAMES`)."""
    return plots.method_style(METHOD_CODES[METHOD_NAMES.index(name)], **extra)


def _method_ticks(ax, names) -> None:
    """The methods' names under their places 0, 1, ... of ``ax``, the code above the name and the name wrapped
    ("P1" over "FOR" over "offer"): on one line three names are wider than a third of the column."""
    import textwrap

    ax.set_xticks(np.arange(len(names)), ["\n".join([code, *textwrap.wrap(name, 6, break_long_words=False)])
                                          for code, name in (n.split(" ", 1) for n in names)], fontsize=9)
    ax.set_xlim(-0.6, len(names) - 0.4)


FIGURE_WIDTH = plots.STYLE["figure.figsize"][0]
"""The width of the chapter's figures (in): the book's text column (`forlab.book.plots.STYLE`)."""
MARKER_SIZE = 7
"""The methods' marker size in the chapter's figures, and their legends': one size, so a legend matches its panels."""


def default_figure(dflt: pd.DataFrame, system: str):
    """Per method of the default runs (`METHOD_NAMES`, in the book's colours and markers): the mean cost deviation
    (%, bars on a linear axis, each with its value above it: a deviation at the solvers' tolerances has no bar to
    see), the online solver time and the integrated AC-OPF's of the same run (ms, markers on a log axis, the online
    one in its method's shape and colour, joined by a thin line: a bar on a log axis is as long as the axis's lower
    end makes it) and the data exchanged (kB, markers on a log axis, each with its value above it: on a linear axis
    the one-round methods' few kB were slivers beside ALADIN's rounds); one legend. Drawn for the book's column
    (`FIGURE_WIDTH`). Returns the Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(1, 3, figsize=(FIGURE_WIDTH, 3.3), layout="constrained")
    x = np.arange(len(dflt))
    styles = [_style(m) for m in dflt.method]
    colors = [s["color"] for s in styles]
    deviation = dflt.deviation_mean_pct.astype(float)
    ax[0].bar(x, deviation, color=colors)
    for xi, v in zip(x, deviation):  # "–": a method without a judged deviation (`dash_text` says why)
        ax[0].annotate(fixed([v], 4)[0] if np.isfinite(v) else "–", (xi, max(v, 0.0) if np.isfinite(v) else 0.0),
                       xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax[0].margins(y=0.12)  # room for the values above the bars
    ax[0].set_ylabel("mean cost deviation (%)")
    central = plots.METHOD_STYLE["integrated"]
    for xi, s, online, integrated in zip(x, styles, dflt.solve_time_ms, dflt.integrated_solve_time_ms):
        ax[1].plot([xi, xi], [integrated, online], color="0.75", linewidth=1, zorder=1)  # the pair of one run
        ax[1].plot(xi, integrated, linestyle="none", marker=central["marker"], color=central["color"])
        ax[1].plot(xi, online, linestyle="none", marker=s["marker"], color=s["color"], markersize=MARKER_SIZE)
    ax[1].set_yscale("log")
    ax[1].margins(y=0.15)
    ax[1].autoscale_view()
    plots.log_ticks(ax[1].yaxis, TIME_TICKS)
    ax[1].set_ylabel("online solver time (ms)")  # the quantity, as chapter 12's figure names it
    kb = dflt["bytes_exchanged"].astype(float) / 1e3
    for xi, s, v in zip(x, styles, kb):  # "–": a store without the record's bytes (`missing_text` says so)
        ax[2].plot(xi, v, linestyle="none", marker=s["marker"], color=s["color"], markersize=MARKER_SIZE)
        ax[2].annotate(grouped(v, 1) if np.isfinite(v) else "–", (xi, v if np.isfinite(v) else 1.0),
                       xytext=(0, 8), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax[2].set_yscale("log")
    ax[2].margins(y=0.25)  # room for the values above the markers
    ax[2].autoscale_view()
    plots.log_ticks(ax[2].yaxis, DATA_TICKS)
    ax[2].set_ylabel("data exchanged (kB)")
    for a in ax:
        _method_ticks(a, list(dflt.method))
        a.grid(alpha=0.3, axis="y")
        a.grid(False, axis="x")
    # the online markers have their methods' shapes and colours: the legend's swatch is a grey circle, since one in a
    # method's shape and colour would read as that method's entry
    fig.legend([Line2D([], [], linestyle="none", marker="o", markersize=MARKER_SIZE, color=ONLINE_SWATCH),
                Line2D([], [], linestyle="none", marker=central["marker"], color=central["color"])],
               [ONLINE_LABEL, INTEGRATED_LABEL], loc="outside lower center", ncol=2)
    return fig


EQUAL_TIMES = "online time = integrated AC-OPF time"
"""The legend entry of the every-system figure's line where a method's online time equals the integrated AC-OPF's."""

YARDSTICK_BAR = "bar: how far the yardstick moves between runs"
"""The legend entry of the every-system figure's bars on the time ratios (`systems_figure`, `yardstick_bars`); its
swatch is grey (`ONLINE_SWATCH`), since every method's bars have that method's colour."""


def yardstick_bars(ratio: pd.Series, spread: pd.Series) -> np.ndarray:
    """The bars of `systems_figure` on time ratios ``ratio`` (by system), as matplotlib's ``yerr`` (2 x n, below and
    above): from ratio / s to ratio x s, with s the system's `_yardstick_spread` (1 where one run solved it): the
    ratios a second run's yardstick could have given, so that two methods' markers whose bars overlap are not told
    apart (review R3, item 19; `runs_text` says the same in words)."""
    r, s = ratio.astype(float).to_numpy(), spread.reindex(ratio.index).fillna(1.0).to_numpy(float)
    return np.vstack([r - r / s, r * s - r])


def systems_figure(sys_t: pd.DataFrame):
    """Per study system and method (markers, each method's shape and colour, `forlab.book.plots.METHOD_STYLE`):
    the mean absolute cost deviation of the feasible, finished cases (%, log, with P1's paper bound; a method without
    judged cases has no marker; one within the solvers' tolerances drawn half-filled on the edge of a shaded band, a
    tie, as chapter 12 draws it: `forlab.studies.ch12_many_dsos.tie_band`, `tie_points`) and the online time over
    the integrated AC-OPF's (log), one panel above the other, each ratio with a bar over the ratios a second run's
    yardstick could have given (`yardstick_bars`). Markers, not a bar chart: a bar on a log axis is as long as the
    axis's lower end makes it. Two legends: the methods above the panels, the reference lines below them, with the
    tie's marker where one is drawn (`forlab.studies.ch12_many_dsos.TIE`; in one legend, its columns paired each
    method with a line). Returns the Figure; None for an empty table."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if sys_t.empty:
        return None
    order = list(dict.fromkeys(sys_t.system))
    methods = sorted(dict.fromkeys(sys_t.method), key=_method_rank)
    fig, ax = plt.subplots(2, 1, figsize=(FIGURE_WIDTH, 5.8), sharex=True, layout="constrained")
    w = 0.6 / len(methods)
    handles = []
    spread = _yardstick_spread(sys_t)
    for k, m in enumerate(methods):
        g = sys_t[sys_t.method == m].set_index("system").reindex(order)
        x = np.arange(len(order)) + (k - (len(methods) - 1) / 2) * w  # side by side within a system
        style = _style(m, linestyle="none", markersize=MARKER_SIZE)
        handles.append(ch12_many_dsos.tie_points(ax[0], x, g.abs_deviation_pct, **style))
        ax[1].errorbar(x, g.time_ratio.astype(float), yerr=yardstick_bars(g.time_ratio, spread), fmt="none",
                       ecolor=style["color"], elinewidth=1.0, capsize=2.5, zorder=1)
        ax[1].plot(x, g.time_ratio, **{**style, "label": None})
    bound = ax[0].axhline(anchors.value("p1_deviation_pct"), **plots.BOUND_LINE)
    equal = ax[1].axhline(1.0, **plots.EQUAL_TIMES_LINE)  # the style of chapter 08's, one definition
    for a in ax:
        a.set_yscale("log")
        a.margins(y=0.1)
        a.autoscale_view()
        for edge in np.arange(len(order) - 1) + 0.5:  # a thin line between systems: which markers belong together
            a.axvline(edge, color="0.9", linewidth=0.8, zorder=0)
        a.grid(alpha=0.3, axis="y")
        a.grid(False, axis="x")
    ch12_many_dsos.tie_band(ax[0])  # ties below the tie rule's bound, as chapter 12 shades them: one floor
    plots.decade_ticks(ax[0].yaxis)  # powers of ten, as 10^k
    plots.log_ticks(ax[1].yaxis, TIME_TICKS)  # 1, 2, 5 per decade: the one-round methods' markers lie below 1
    ax[0].set_ylabel("|cost deviation| (%)")
    ax[1].set_ylabel(TIME_RATIO)  # the ratio's one name, as its column and chapters 06 and 08 label it
    ax[1].set_xticks(np.arange(len(order)))
    ax[1].set_xticklabels(order, rotation=20, ha="right")
    fig.legend(handles, methods, loc="outside upper center", ncol=len(methods))
    below = {P1_BOUND: bound, EQUAL_TIMES: equal,
             YARDSTICK_BAR: Line2D([], [], color=ONLINE_SWATCH, marker="|", markersize=MARKER_SIZE, linestyle="none")}
    if (sys_t.abs_deviation_pct.astype(float) <= NEGLIGIBLE_PCT).any():  # the tie's marker, as chapter 12 names it
        below[ch12_many_dsos.TIE] = ch12_many_dsos.tie_entry(markersize=MARKER_SIZE)
    # in pairs when four entries would not fit one row of the text column
    fig.legend(list(below.values()), list(below), loc="outside lower center", ncol=2 if len(below) > 3 else len(below))
    return fig
