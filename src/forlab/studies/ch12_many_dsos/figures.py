"""The figure of chapter 12 (`figure`: four log-log panels against the number of DSs, from the rows of
`forlab.studies.ch12_many_dsos.readers.frame`), and the band and markers of a tie, which chapter 09's figure draws alike
(`tie_band`, `tie_points`, `tie_entry`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forlab.book import plots
from forlab.opf.outcome import NEGLIGIBLE_PCT
from forlab.studies.ch12_many_dsos.readers import METHODS, growth_fits, measures_shown, p1_on_workers, trend

__all__ = [
    "BAND_FLOOR_PCT",
    "FIGURE_SIZE",
    "HOLLOW",
    "MARKS",
    "P1_ON_WORKERS",
    "PANELS",
    "PAPER_FIGURE",
    "TIE",
    "TIE_MARKER",
    "TIE_WORDS",
    "figure",
    "hollow_entry",
    "tie_band",
    "tie_entry",
    "tie_points",
]


HOLLOW = "hollow: infeasible in the T+D power flow"
"""The figure's legend entry of a hollow marker: a run that finished, but whose dispatch the T+D power flow judged
infeasible, in every panel (the deviation panel draws no such run; a tie there is half-filled, `TIE`)."""
P1_ON_WORKERS = "P1, DSOs timed on the workers"
"""The legend entry of the figure's dashed P1 line: P1's online time with its DSO step timed by the wall clock of
all its DSOs on the run's workers (`p1_on_workers`, the column the table of P1's DSO work prints), beside its
online time by the book's one rule (solid). Short: the legend's row sets the figure's width."""
PAPER_FIGURE = "fig-12-growth-paper"
"""The name of the paper-scale run's figure in the notebook, to which the answer at the top of the page points
(`largest_size_text`): the figure sits in the section on that run, far below the answer."""

PANELS = (("solve_time_s", "online solver time (s)"), ("abs_deviation_pct", "|cost deviation| (%)"),
          ("offline_time_s", "offline time (s)"), ("kB", "data exchanged (kB)"))
"""The figure's panels: column of the rows and its axis label, worded as chapter 09's figures word them."""
FIGURE_SIZE = (plots.STYLE["figure.figsize"][0], 6.4)
"""The size of `figure` (in): the text column's width (`forlab.book.plots.STYLE`), its legend included, and the
height of two rows of panels above the legend."""


def _drawn(g: pd.DataFrame, col: str) -> pd.DataFrame:
    """One method's rows for one panel of `figure`, every size it has a row at (every status), by size, with ``col``
    NaN where the panel has no point: a run that failed or was not run, a value that is not positive (a log axis has
    no place for it; a |deviation| of zero is a tie, which `tie_points` draws on the band's edge) and, in the
    deviation panel, a run that is not `comparable` (NaN in `figure`'s frame). The line breaks at a NaN: a line
    joining the sizes around such a run would show a value for it."""
    placed = g[col] >= 0 if col == "abs_deviation_pct" else g[col] > 0
    drawn = (g.status == "ok") & np.isfinite(g[col]) & placed  # a failed row's stored numbers are no result
    return g.assign(**{col: g[col].where(drawn)}).sort_values("n_ds")


BAND_FLOOR_PCT = NEGLIGIBLE_PCT / 10
"""The lower end of a |cost deviation| axis (%, log) in this chapter's figure and chapter 09's: one decade below
`forlab.opf.outcome.NEGLIGIBLE_PCT`, the height of the band `tie_band` shades. One floor for both chapters: a
deviation below the tie rule's bound is drawn on the band's edge (`tie_points`), not at its measured value, so the
axis spends no decades on round-off."""
TIE_WORDS = f"tie: within the solvers' tolerances\n(up to {NEGLIGIBLE_PCT:g} %), drawn half-filled on its top edge"
"""The words inside the band of `tie_band`: what its shade and the half-filled markers on its upper edge mean."""
TIE_MARKER = {"fillstyle": "left", "markerfacecoloralt": "white"}
"""The matplotlib keywords of a tie's marker (`tie_points`): the method's marker, its left half in the method's
colour and its right half white. One marker style means one thing in chapter 12's figure and chapter 09's: filled a
measured value, hollow a dispatch judged infeasible (`HOLLOW`), half-filled a tie. Split down the middle, not
across: a line along the band's edge runs across the marker, and beside a lower half filled in its colour it made
the marker read as a hollow one."""
TIE = "half-filled: a tie"
"""The legend entry of a tie's marker (`TIE_MARKER`, `tie_entry`) in chapter 12's figure and chapter 09's. Short:
the legend's row sets the figure's width."""
TIE_SHADE = "0.9"
"""The band's grey: light, no method's colour, under every marker."""


def tie_band(ax, room: float = 0.1) -> None:
    """Shade a logarithmic |cost deviation| axis (%) from `BAND_FLOOR_PCT` to `forlab.opf.outcome.NEGLIGIBLE_PCT`, the
    book's tie rule (a deviation within it is the integrated optimum's, up to the solvers' tolerances), with
    `TIE_WORDS` inside. The axis runs from the floor to ``room`` of its height above the highest point drawn (room
    for a slope's label there), and at least a decade above the band's edge, so that the band is always in view.
    Called once the points are drawn, before the ticks are chosen inside the limits; chapter 09's figure calls it
    too (one rule, drawn alike)."""
    from matplotlib.offsetbox import AnchoredText

    highest = ax.dataLim.y1 if np.isfinite(ax.dataLim.y1) and ax.dataLim.y1 > 0 else NEGLIGIBLE_PCT
    decades = np.log10(highest / BAND_FLOOR_PCT)
    ax.set_ylim(BAND_FLOOR_PCT, max(highest * 10 ** (decades * room / (1 - room)), 10 * NEGLIGIBLE_PCT))
    ax.axhspan(BAND_FLOOR_PCT, NEGLIGIBLE_PCT, color=TIE_SHADE, linewidth=0, zorder=0)
    # in the band's lower left corner (the axis's): an artist of its own, apart from the slopes' labels (ax.texts)
    ax.add_artist(AnchoredText(TIE_WORDS, loc="lower left", frameon=False, prop={"size": 7, "color": "dimgrey"},
                               pad=0.2, borderpad=0.3))


def tie_points(ax, x, deviation, **style):
    """Draw |cost deviations| (%) against ``x`` on ``ax`` in ``style`` (matplotlib keywords of one method, a line or
    markers alone) with every value up to `forlab.opf.outcome.NEGLIGIBLE_PCT`, zero included, on that bound, the
    edge of `tie_band`, its marker half-filled (`TIE_MARKER`): a tie, not a measurement to read off a log axis,
    where the round-off of a solver would suggest decades of accuracy, nor a hollow marker, which is an infeasible
    dispatch (`HOLLOW`). NaN stays a gap. The line carries markers at the measured points only, the ties' markers
    are a line of markers alone over it (no segments: `forlab.book.plots.annotate_points` does not avoid it as a
    line). Returns the line (the method's legend handle)."""
    dev = np.asarray(deviation, float)
    tied = np.isfinite(dev) & (dev <= NEGLIGIBLE_PCT)
    drawn = np.where(tied, NEGLIGIBLE_PCT, dev)
    (line,) = ax.plot(x, drawn, **style, markevery=list(~tied))
    if tied.any():
        ax.plot(np.asarray(x)[tied], drawn[tied], linestyle="none", marker=line.get_marker(),
                markersize=line.get_markersize(), color=line.get_color(), markeredgewidth=line.get_markeredgewidth(),
                zorder=line.get_zorder() + 0.1, **TIE_MARKER)
    return line


def tie_entry(**style):
    """The legend handle of a tie (`TIE`): a grey half-filled circle (`TIE_MARKER`), no method's shape or colour,
    beside chapter 12's grey hollow one (`HOLLOW`); ``style``: matplotlib keywords over it (a figure's marker
    size)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", color="grey", label=TIE, **TIE_MARKER, **style)


def figure(t: pd.DataFrame):
    """Four log-log panels against the number of DSs (`PANELS`): online solver time, |cost deviation|, offline time
    and data exchanged (kB), one line per method in the book's style (`forlab.book.plots.method_style`; the
    integrated AC-OPF in black), its fitted slope (`growth_fits`: over the runs with a feasible dispatch; none where
    `trend` says the line explains too little) written beside its last point (`forlab.book.plots.annotate_points`:
    clear of the other slopes where two lines end close together); one legend below the panels (a legend inside a
    panel covered a line); only successful runs are drawn, those whose dispatch the T+D power flow found infeasible
    with a hollow marker (`HOLLOW`, in the legend where one is drawn), and a line has a gap at a run that failed or
    was not run (it has no number, `_drawn`), in every panel; the integrated AC-OPF is left out of the deviation
    panel (its deviation from itself is zero), and so is a run that is not `comparable`, as the tables leave out its
    deviation (the figure draws the frame of their one dash rule, `measures_shown`; the line has a gap there,
    `_drawn`; its other panels keep the run, hollow if infeasible); a measure that does not apply (the offline time
    of the integrated AC-OPF and of ALADIN) has no line; a method whose deviations all lie within
    `forlab.opf.outcome.NEGLIGIBLE_PCT` (the solvers' tolerances) has no slope there. In the deviation panel, the
    deviations within that bound are ties, drawn half-filled on the edge of a shaded band (`tie_band`, `tie_points`:
    as chapter 09 draws them; `TIE` in the legend where one is drawn). Where the run measured the wall clock of P1's
    DSOs on its workers, the online-time panel has a second, dashed P1 line with that time in the DSO step's place
    (`P1_ON_WORKERS`, `p1_on_workers`), the timing under which the page's verdicts may differ. Both axes are
    labelled in plain numbers or powers of ten (`forlab.book.plots.decade_ticks`)."""
    import matplotlib.pyplot as plt

    # what the tables show as "–" (`measures_shown`: a failed run's measures, the deviation of a run not `comparable`
    # and the integrated AC-OPF's from itself, a measure that does not apply), the figure leaves out
    t = measures_shown(t)
    t = t.assign(abs_deviation_pct=t.deviation_pct.abs(), kB=t.bytes_exchanged / 1e3)
    fig, axes = plt.subplots(2, 2, figsize=FIGURE_SIZE, layout="constrained")
    handles, extra, ends, marked = {}, {}, {}, set()
    for ax, (col, label) in zip(axes.flat, PANELS):
        lines, ends[ax], marks = _panel_lines(ax, t, col)
        handles.update(lines)  # a method keeps its place in the legend, the order it was first drawn in
        marked |= marks
        if col == "solve_time_s" and (walled := _p1_walled(t)) is not None:
            extra["P1"] = ax.plot(walled.n_ds, walled.seconds, **plots.method_style(
                "P1", label=P1_ON_WORKERS, linestyle="--", markersize=3))[0]
        _panel_axes(ax, t, col, label)
    _figure_legend(fig, handles, extra, marked)
    _write_slopes(fig, ends)
    return fig


def _panel_lines(ax, t: pd.DataFrame, col: str) -> tuple[dict, list, set]:
    """Draw one panel of `figure` (``col`` of its frame ``t``): each method's line, in the book's style, with gaps
    where `_drawn` has none. Returns each drawn method's line (its legend handle), the slopes to write beside the
    lines' last points (`_slope_mark`) and the markers of `MARKS` it drew (``"hollow"``, ``"tie"``)."""
    fits = growth_fits(t, col)
    handles, ends, marks = {}, [], set()
    for method, g in t.groupby("method", sort=False):  # every status: a failed run is a gap, not a bridge
        g = _drawn(g, col)
        shown = g[np.isfinite(g[col])]
        if not len(shown):
            continue
        style = plots.method_style(method, label=METHODS[method])
        if col == "abs_deviation_pct":  # a deviation within the solvers' tolerances: a tie, on the band's edge
            handles[method] = tie_points(ax, g.n_ds, g[col], **style)
            if (shown[col] <= NEGLIGIBLE_PCT).any():
                marks.add("tie")
        else:
            (handles[method],) = ax.plot(g.n_ds, g[col], **style)
        bad = shown[~shown.feasible.astype(bool)]  # judged infeasible: measured, not a dispatch a TSO could use
        if len(bad):
            ax.plot(bad.n_ds, bad[col], **{**style, "label": None}, linestyle="none", markerfacecolor="white")
            marks.add("hollow")
        if (mark := _slope_mark(fits, method, shown, col)) is not None:
            ends.append((*mark, style["color"]))
    return handles, ends, marks


def _slope_mark(fits: pd.DataFrame, method: str, shown: pd.DataFrame, col: str) -> tuple | None:
    """Where and what `figure` writes as ``method``'s slope in the panel of ``col`` (``shown``: its points drawn,
    ``fits``: `growth_fits` of the panel): its last point as drawn and the slope in two decimals; None where the
    line has no slope (`trend` says it explains too little, or its deviations all lie within the solvers'
    tolerances)."""
    k = fits.slope[method] if method in fits.index and trend(fits.loc[method]) else np.nan
    if col == "abs_deviation_pct" and (shown[col] <= NEGLIGIBLE_PCT).all():
        k = np.nan  # deviations at the solvers' tolerances: a slope of round-off is no growth law
    if not np.isfinite(k):
        return None
    last = shown[col].iloc[-1]
    last = max(last, NEGLIGIBLE_PCT) if col == "abs_deviation_pct" else last  # a tie is drawn on the band's edge
    return (shown.n_ds.iloc[-1], last), f"{k:.2f}"


def _panel_axes(ax, t: pd.DataFrame, col: str, label: str) -> None:
    """The axes of one panel of `figure`, once its lines are drawn: log-log, the sizes run as plain numbers along x,
    powers of ten or plain numbers along y, room at the right for the slopes and, in the deviation panel, the band
    of ties (`tie_band`)."""
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.margins(x=0.15, y=0.06)  # room for the slopes at the right
    ax.autoscale_view()  # the limits final before the ticks are chosen inside them
    if col == "abs_deviation_pct":
        tie_band(ax)
    plots.log_ticks(ax.xaxis, sorted(t.n_ds.unique()))  # the sizes run, as plain numbers
    plots.decade_ticks(ax.yaxis)
    ax.set_xlabel("DSs under the TSO")
    ax.set_ylabel(label)


def hollow_entry():
    """The legend handle of a hollow marker (`HOLLOW`): a grey circle, white inside, no method's shape or colour."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", color="grey", markerfacecolor="white", label=HOLLOW)


MARKS = {"hollow": hollow_entry, "tie": tie_entry}
"""The markers of `figure` that are no method's and have a legend entry of their own, by the name `_panel_lines`
gives them, each with the function that makes its entry (`HOLLOW`, `TIE`), in the order the legend lists them."""


def _figure_legend(fig, handles: dict, extra: dict, marked: set) -> None:
    """`figure`'s one legend, below the panels (one inside a panel covered a line): one column per method
    (``handles``), a second entry under a method where ``extra`` has one (the dashed P1 line's) and the entry of
    each marker of `MARKS` drawn (``marked``) under the next method without one (in a column of its own where every
    method has one). Nothing without a method drawn."""
    from matplotlib.lines import Line2D

    if not handles:
        return
    handles, extra = dict(handles), dict(extra)  # the caller's stay as drawn
    # the second entries in a row of their own below the methods' (in the methods' row they made the legend wider
    # than the column)
    for name, entry in MARKS.items():
        if name in marked:
            column = next((m for m in handles if m not in extra), f" {name}")
            handles.setdefault(column, Line2D([], [], linestyle="none", label=" "))  # a column without a method
            extra[column] = entry()
    fig.legend(handles=_legend_order(handles, extra), loc="outside lower center", ncols=len(handles),
               fontsize=8, columnspacing=1.2)  # narrower than the default 2: the legend fits the column


def _write_slopes(fig, ends: dict) -> None:
    """Write the slopes of `figure` (``ends``: per panel, (point, slope, colour) of each line's `_slope_mark`) in
    their lines' colours, each where it covers no other (`forlab.book.plots.annotate_points`), once the layout is
    final: lines ending close together keep their slopes apart."""
    renderer = plots.settled_renderer(fig)  # one draw for the four panels: the slopes stay out of the layout
    for ax, marks in ends.items():
        if marks:
            points, names, colours = zip(*marks)
            plots.annotate_points(ax, list(points), list(names), fontsize=7, colors=list(colours), renderer=renderer)


def _p1_walled(t: pd.DataFrame) -> pd.DataFrame | None:
    """P1's rows of `figure`'s frame with its online time were its DSO step timed by the wall clock of all its DSOs
    on the run's workers (``seconds``, `p1_on_workers`: the store's column the table of P1's DSO work prints, in the
    one rule's sum), by size, NaN where that run failed or was not measured (a gap); None where no size has it (a
    run without workers)."""
    p1 = t[t.method == "P1"].assign(seconds=p1_on_workers(t)).sort_values("n_ds")
    p1 = p1.assign(seconds=p1.seconds.where(p1.status == "ok"))
    return p1 if p1.seconds.notna().any() else None


def _legend_order(handles: dict, extra: dict) -> list:
    """The figure's legend entries for a legend of one column per method (``handles``: method -> its line), each
    method's entry in ``extra`` (method -> a second entry) under it. Matplotlib fills the columns of a legend of
    n entries in c columns with the longer ones first, so a column with a second entry is preceded only by such
    columns: the shorter ones before the last of them get an empty entry (no marker, no text)."""
    from matplotlib.lines import Line2D

    methods = list(handles)
    tall = [i for i, m in enumerate(methods) if m in extra]
    out = []
    for i, m in enumerate(methods):
        out.append(handles[m])
        if m in extra:
            out.append(extra[m])
        elif tall and i < tall[-1]:
            out.append(Line2D([], [], linestyle="none", label=" "))
    return out
