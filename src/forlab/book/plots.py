"""Figures shared by the chapters: one style, units in every label, PQ charts and drawings of T+D systems.

* `STYLE`, `use_style()`: matplotlib settings every figure of the book uses (size, fonts, grid).
* `axis_label(name, units)`: "name (units)" labels, so that every axis carries its unit.
* `ZONE_COLORS`, `zone_color(zone, zones)`, `CHART_MARKERS`: one colour per zone (the TS is dark grey, each DS gets
  the next colour of the cycle) and one marker per PQ-chart kind, for every figure that shows zones or FPUs.
* `METHOD_STYLE`, `method_style(method)`, `SYSTEM_COLOURS`, `system_styles(systems)`, `category_colours(n)`,
  `EQUAL_TIMES_LINE`: one name, colour and marker per method, colours (and past seven, line styles) for study systems
  and colours for other categories that no method has (from viridis' darker part, `CATEGORY_RANGE`, each readable on
  white by `contrast`), and the one style of the equal-times line.
* `edge_lines(ax, P, Q, g, margin)`, `EDGE_LINE`, `ZERO_LINE`: an offered PQ region's edge (solid) and its
  polynomial's zero level (dashed), drawn alike in chapters 04 and 10.
* `log_ticks(axis, values)`: a logarithmic axis labelled at the given values in plain numbers (no overlapping
  "3x10^1 4x10^1" minor labels).
* `annotate_points(ax, points, names)`: text beside points, each label where it covers no other label, point or
  line (system names on a scatter, fitted slopes at the ends of lines).
* `interactive_html(fig)`: a plotly figure as self-contained HTML for a book page (plotly.js embedded: it works
  offline); the chapter shows a static matplotlib view next to it for print.
* `system_tables(net)`, `draw_system(tables_or_net, ax)`: a grid drawing. `system_tables` lays the buses out and
  returns two plain tables (buses, branches); `tables_to_dataset` / `tables_from_dataset` put them into a store and
  read them back, so a chapter draws its grid from the store alone.

Layout (`bus_layout`): pandapower geodata (``net.bus["geo"]``, GeoJSON points) where every bus has them. Otherwise
the TS zone (``net.bus["zone"] == "TS"``, or the whole net when there is no zone column) by networkx's Kamada-Kawai
layout (spring layout above `KAMADA_KAWAI_MAX_BUSES`), and each other zone, a distribution feeder, as a tidy tree:
depth from its root (the low-voltage bus of its first PCC transformer, else its ext_grid) along the direction away
from the TS centre, leaves spread across it. Closed ties are chords of that tree and drawn dashed.
"""

from __future__ import annotations

import itertools
import json

import matplotlib as mpl
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from forlab.book import anchors, tables
from forlab.book.tables import table, to_dataset
from forlab.grid.td import TS_ZONE

__all__ = [
    "BOUND_LINE",
    "CATEGORY_RANGE",
    "CHART_MARKERS",
    "EDGE_LINE",
    "EDGE_WORDS",
    "EQUAL_TIMES_LINE",
    "KAMADA_KAWAI_MAX_BUSES",
    "LABEL_OFFSETS",
    "METHOD_STYLE",
    "MIN_CONTRAST",
    "P1_BOUND",
    "STYLE",
    "SYSTEM_COLOURS",
    "SYSTEM_LINES",
    "TS_ZONE",
    "ZERO_LINE",
    "ZERO_WORDS",
    "ZONE_COLORS",
    "annotate_points",
    "axis_label",
    "bus_layout",
    "category_colours",
    "contrast",
    "decade_ticks",
    "draw_system",
    "edge_lines",
    "interactive_html",
    "log_ticks",
    "method_style",
    "settled_renderer",
    "system_styles",
    "system_tables",
    "tables_from_dataset",
    "tables_to_dataset",
    "tick_text",
    "use_style",
    "zone_color",
]

STYLE: dict = {
    "figure.figsize": (7.5, 3.8),  # the book's text column is 772 px: an SVG at 7.5 in fits it at 100 % zoom
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "svg.fonttype": "none",  # text stays text in SVG: smaller files, searchable labels
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.markersize": 5,
}
"""matplotlib rcParams of the book's figures."""

ZONE_COLORS: tuple[str, ...] = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2")
"""Colours of the DS zones in order of appearance; the TS is `TS_COLOR`, PCC transformers `PCC_COLOR`."""
TS_COLOR = "#404040"
PCC_COLOR = "#d62728"

METHOD_STYLE: dict[str, dict[str, str]] = {
    "integrated": {"label": "integrated AC-OPF", "color": "black", "marker": "s"},
    "P1": {"label": "P1 FOR offer", "color": "tab:blue", "marker": "o"},
    "P2": {"label": "P2 ML surrogate", "color": "tab:orange", "marker": "^"},
    "P3": {"label": "P3 ALADIN", "color": "tab:green", "marker": "D"},
}
"""One name, colour and marker per method in every figure of the book, the baseline included (the glossary's
integrated AC-OPF, which chapter 07 also calls centralized): a reader who learns that P1 is blue in one chapter can
read it so in the next. Variants of a method (ALADIN in-process and on Dask) keep its colour and differ by line."""


def method_style(method: str, **extra) -> dict[str, str]:
    """Matplotlib keywords (label, color, marker) of ``method`` (a key of `METHOD_STYLE`), ``extra`` over them;
    KeyError naming the known methods otherwise."""
    if method not in METHOD_STYLE:
        raise KeyError(f"no style for method {method!r}; the book's methods are {', '.join(METHOD_STYLE)}")
    return {**METHOD_STYLE[method], **extra}


SYSTEM_COLOURS = ("tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")
"""The colours of the study systems in a figure that draws one line or dot per system: tab10 without the colours of
the book's methods (`METHOD_STYLE`), so that no system reads as a method."""

SYSTEM_LINES = (("-", "."), ("--", "x"), (":", "+"), ("-.", "1"))
"""The line styles and markers of `system_styles`, one per pass through `SYSTEM_COLOURS`: solid with dots, then,
once the seven colours are taken, dashed with crosses, and so on (after the last, again the first)."""


def system_styles(systems, together=(), beside=()) -> dict[str, dict[str, str]]:
    """Matplotlib keywords (color, linestyle, marker) of every system of ``systems`` (repeats ignored). In that
    order, each takes the first style, a colour of `SYSTEM_COLOURS` (none a method's, `METHOD_STYLE`), past the
    seventh the same colours again with the next line style and marker of `SYSTEM_LINES`, that no system it may be
    drawn with has taken, and whose colour no system drawn beside it has, where one is left. ``together``: the
    groups of systems that one figure may draw (a system in none is drawn with every other, so without groups the
    i-th system takes the i-th style); ``beside``: the groups drawn on one pair of axes (a panel row). A chapter
    passes its one order of every system it may draw and the groups its figures draw, not the systems of one
    figure, so that a system keeps its style by its name whatever subset a figure draws, two systems of one figure
    never look alike, and those on one pair of axes differ in colour while the seven last."""
    order = list(dict.fromkeys(systems))
    pool = [(colour, line) for line in SYSTEM_LINES for colour in SYSTEM_COLOURS]
    chosen: dict[str, int] = {}
    for system in order:
        near = set().union(*(set(g) for g in together if system in g)) or set(order)
        taken = {chosen[s] for s in near if s in chosen}
        by = {pool[chosen[s]][0] for g in beside if system in g for s in g if s in chosen}
        free = [i for i in range(len(pool)) if i not in taken] or [len(chosen) % len(pool)]
        chosen[system] = next((i for i in free if pool[i][0] not in by), free[0])
    return {s: {"color": pool[i][0], "linestyle": pool[i][1][0], "marker": pool[i][1][1]}
            for s, i in chosen.items()}


CATEGORY_RANGE = (0.0, 0.55)
"""The part of matplotlib's viridis that `category_colours` spaces its colours over: from its darkest end to a
blue-green that still stands out from white by more than 3:1 (WCAG's least contrast for lines and markers,
`contrast`; a thin line, antialiased, reads lighter than its colour). Past it viridis turns light green and yellow:
at 0.85, its former end, the line of chapter 03's largest distance faded on white."""
MIN_CONTRAST = 3.0
"""WCAG's least contrast ratio of a line or marker against its background (`contrast`), which every colour of
`category_colours` keeps against white."""


def contrast(colour, background="white") -> float:
    """WCAG's contrast ratio of ``colour`` against ``background`` (any matplotlib colours): from 1 (alike) to 21
    (black on white), by their relative luminance."""
    def luminance(c) -> float:
        rgb = np.asarray(mpl.colors.to_rgb(c))
        linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(linear @ (0.2126, 0.7152, 0.0722))

    lighter, darker = sorted((luminance(colour), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def category_colours(n: int) -> list[str]:
    """``n`` colours for the categories of a figure that are neither methods nor systems (the parts of a round's
    time, slice levels, size classes, variants): evenly spaced on matplotlib's viridis over `CATEGORY_RANGE`, its
    darker part, so that every one reads on white. None of them is a method's tab10 colour (`METHOD_STYLE`), so a
    reader who has learnt that blue is P1 does not read a time part as P1."""
    return [mpl.colors.to_hex(mpl.colormaps["viridis"](x)) for x in np.linspace(*CATEGORY_RANGE, n)]


BOUND_LINE = {"color": "grey", "linestyle": ":"}
"""The line of a bound or target in every figure of the book: dotted grey, apart from the dashed black of equal
times (`EQUAL_TIMES_LINE`). The P1 paper's bound on the cost deviation (chapters 05, 08 and 09, named `P1_BOUND`),
ALADIN's stopping targets and its wall-time bound (chapter 07) and the ratio of one in chapter 03's coverage."""

# short: chapter 09's legend row sets its figure's width (a longer label made it 820 px, past the 780 px column)
P1_BOUND = f"P1 paper's bound, {anchors.show('p1_deviation_pct')}"
"""The legend entry of the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``, as the registry prints it)
in every figure that draws it (`BOUND_LINE`). The paper bounds a mean deviation per case; a chapter whose points
are single runs says so beside its figure."""

EQUAL_TIMES_LINE = {"color": "k", "linestyle": "--", "linewidth": 1}
"""The line where an online time equals the integrated AC-OPF's (a ratio of 1), drawn alike in every chapter: dashed
black, since dotted grey is the line of P1's paper bound on the cost deviation."""


CHART_MARKERS: dict[str, str] = {"rectangle": "s", "circle": "o", "cone": "^", "polygon": "p"}
"""Marker of an FPU by the kind of its PQ chart (`forlab.grid.capability`); other kinds get "D"."""

KAMADA_KAWAI_MAX_BUSES = 400
"""Largest TS drawn with the Kamada-Kawai layout (its cost grows with the square of the bus count)."""


# ---------------------------------------------------------------------------------------------------- style, labels


def use_style() -> None:
    """Apply `STYLE` to every later figure of this process (a chapter's first cell calls it); in a notebook, inline
    figures become SVG, so that they stay sharp at any zoom of the book's page, and tables head every column in one
    row (`forlab.book.tables.use_style`)."""
    mpl.rcParams.update(STYLE)
    tables.use_style()
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # no IPython: a script, figures saved explicitly
        return
    if get_ipython() is not None:
        set_matplotlib_formats("svg")


def axis_label(name: str, units: str | None = None) -> str:
    """``"name (units)"``; just ``name`` without units or for dimensionless quantities ("1", "-", "")."""
    if units in (None, "", "1", "-"):
        return name
    return f"{name} ({units})"


def zone_color(zone: str, zones: list[str] | tuple[str, ...]) -> str:
    """Colour of ``zone``: `TS_COLOR` for the TS, `PCC_COLOR` for "PCC", else the DS's position in ``zones``."""
    if zone == TS_ZONE:
        return TS_COLOR
    if zone == "PCC":
        return PCC_COLOR
    ds = [z for z in zones if z not in (TS_ZONE, "PCC")]
    return ZONE_COLORS[ds.index(zone) % len(ZONE_COLORS)] if zone in ds else "#7f7f7f"


EDGE_LINE = {"color": "tab:blue", "linewidth": 1.5}
"""The edge of an offered PQ region, f + m = 0 (`forlab.p1_for.offer`): solid, in chapter 04's level sets and
chapter 10's offer alike, so that a reader going from one chapter to the other reads the lines alike."""
ZERO_LINE = {"color": "tab:blue", "linestyle": "--", "linewidth": 1.0}
"""The polynomial's own zero level f = 0, without the margin: dashed (as `EDGE_LINE`)."""
EDGE_WORDS = "f + m = 0, edge of the offered region"
ZERO_WORDS = "f = 0, zero level without the margin"


def edge_lines(ax, P: np.ndarray, Q: np.ndarray, g: np.ndarray, margin: float) -> None:
    """Draw on ``ax``, from f + m (``g``) on the grid P, Q, the edge of the offered region (g = 0, `EDGE_LINE`) and
    the polynomial's own zero level (f = g - m = 0, `ZERO_LINE`; with no margin it is the edge, and is not drawn)."""
    ax.contour(P, Q, g, levels=[0.0], colors=EDGE_LINE["color"], linewidths=EDGE_LINE["linewidth"])
    if margin > 0:
        ax.contour(P, Q, g, levels=[margin], colors=ZERO_LINE["color"], linestyles=ZERO_LINE["linestyle"],
                   linewidths=ZERO_LINE["linewidth"])


def tick_text(value: float) -> str:
    """A tick label as a plain number ("0.5", "20"), thousands grouped by the book's one rule from 1 000 on
    (`forlab.book.tables.grouped`: "10 000", as the tables beside the figure print it)."""
    return tables.grouped(value) if abs(value) >= 1000 and float(value).is_integer() else f"{value:g}"


def log_ticks(axis, values=None, fmt: str | None = None) -> None:
    """Label a logarithmic ``axis`` (``ax.xaxis`` or ``ax.yaxis``) at ``values`` only, as plain numbers formatted
    with ``fmt`` (`tick_text` by default); minor ticks keep their marks but lose their labels, so that labels such as "3x10^1 4x10^1 6x10^1"
    cannot overlap. By default (`_default_log_ticks`) the values are 1, 2 and 5 times the powers of ten inside the
    axis's limits, or a few evenly spaced round numbers inside them when those are fewer than two."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    if values is None:
        values = _default_log_ticks(*axis.get_view_interval())
    if values is not None:
        axis.set_major_locator(FixedLocator(list(values)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: tick_text(v) if fmt is None else fmt.format(v)))
    axis.set_minor_formatter(NullFormatter())


def decade_ticks(axis, most: int = 6) -> None:
    """Label a logarithmic ``axis`` once its limits are final. An axis spanning three powers of ten or more is
    labelled at powers of ten only (every second or third where they are more than ``most``: 1, 2, 5 per decade
    would print a score of labels), as $10^k$ where a plain number would print in e-notation ("1e-06"), else as
    plain numbers (10, 100, 1000); a shorter one at 1, 2 and 5 per decade (`log_ticks`)."""
    from matplotlib.ticker import LogFormatterSciNotation

    lo, hi = sorted(axis.get_view_interval())
    powers = list(range(int(np.ceil(np.log10(lo))), int(np.floor(np.log10(hi))) + 1)) if lo > 0 else []
    if len(powers) < 3:
        log_ticks(axis)
        return
    values = [10.0**k for k in powers[::-(-len(powers) // most)]]
    log_ticks(axis, values)
    if any("e" in f"{v:g}" for v in values):
        axis.set_major_formatter(LogFormatterSciNotation())


def _default_log_ticks(lo: float, hi: float, most: int = 4) -> list[float] | None:
    """At least two tick values inside [lo, hi] for a logarithmic axis: 1, 2 and 5 times the powers of ten when two
    of them lie inside; otherwise (a short axis, less than a factor of five, such as 11 to 18) up to ``most``
    evenly spaced round numbers inside it (12, 14, 16, 18), which are far enough apart on such an axis; the limits
    themselves if not even two round numbers fit. None when the limits are not positive (matplotlib's own ticks are
    kept)."""
    from matplotlib.ticker import MaxNLocator

    lo, hi = sorted((lo, hi))
    if not lo > 0:
        return None
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    ticks = [m * 10.0**e for e in decades for m in (1, 2, 5) if lo <= m * 10.0**e <= hi]
    if len(ticks) >= 2:
        return ticks
    # Round numbers on a linear grid: on an axis spanning less than a factor of five they are near-evenly spaced.
    for bins in range(most, 0, -1):
        even = [float(f"{v:.12g}") for v in MaxNLocator(nbins=bins, steps=[1, 2, 5, 10]).tick_values(lo, hi)
                if lo <= v <= hi]  # rounded: 0.6, not 0.6000000000000001
        if 2 <= len(even) <= most:
            return even
    return [lo, hi]


LABEL_OFFSETS = ((4, 3), (4, -10), (-4, 3), (-4, -10), (4, 11), (4, -18), (-4, 11), (-4, -18))
"""Offsets (points) of a point's label that `annotate_points` tries in turn: right of the point above and below it,
left of it, then a little further up and down."""


def annotate_points(ax, points: list[tuple[float, float]], names: list[str], named=None, fontsize: float = 8,
                    colors: list | None = None, renderer=None) -> None:
    """Label the points of ``ax`` where ``named`` is true (every point when None) with their names (in ``colors``,
    one per point, else in the text colour), each at the first offset of `LABEL_OFFSETS` whose text overlaps no
    label placed before, no point (labelled or not) and does not leave the axes (else where it overlaps least): next
    to one another, the points' names would otherwise print over each other. The labels are placed in display
    space after the figure's layout is settled, and left out of it, so that they do not move the axes they were
    placed in. A reader takes a label for the name of the point nearest to it: an offset whose label is nearer
    another point than its own costs too (`_misread`), and a label that still ends up so, or more than a line of
    text from its point, gets a thin leader line to its point in its colour (`_leader`).

    ``renderer``: the figure's renderer once its layout is settled (`settled_renderer`), for a caller that annotates
    several axes of one figure; the figure is drawn here when None."""
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = renderer or settled_renderer(fig)
    frame_ = ax.get_window_extent(renderer)
    shown = np.array([ax.transData.transform(p) for p in points])
    marker = 3.5 * fig.dpi / 72  # half a marker (6 points wide), in pixels
    lines = _line_samples(ax)
    far = fontsize * fig.dpi / 72  # a line of text (pixels): a label further than that from its point is far
    placed = []
    for i, ((x, y), name) in enumerate(zip(points, names)):
        if named is not None and not named[i]:
            continue
        others = [Bbox.from_extents(*(q - marker), *(q + marker)) for j, q in enumerate(shown) if j != i]
        best = None
        for dx, dy in LABEL_OFFSETS:
            label = ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                                ha="left" if dx >= 0 else "right", **({} if colors is None else {"color": colors[i]}))
            label.set_in_layout(False)
            box = label.get_window_extent(renderer)
            # labels printed over each other cannot be read: ten times the cost, with a point of room between them;
            # a label nearer another point names the wrong one: as if it covered a strip that much wider
            cost = (_label_cost(box, others, lines, frame_)
                    + 10 * sum(_overlap(box.padded(fig.dpi / 72), b) for b in placed)
                    + box.height * _misread(box, shown, i))
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, label, box)
            else:
                label.remove()
            if cost == 0:
                break
        placed.append(best[2])
        if _misread(best[2], shown, i) > 0 or _gap(best[2], shown[i]) > far:
            # a leader says whose label it is; later labels keep off it as off any line
            lines = np.concatenate([lines, _leader(ax, best[2], shown[i], best[1].get_color())])


def settled_renderer(fig):
    """``fig`` drawn once, so that its layout is settled and its texts have sizes; returns its renderer."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _label_cost(box, taken: list, lines: np.ndarray, frame_) -> float:
    """How badly a label's display box sits (pixels squared): the area it shares with the ``taken`` boxes (the
    other points), plus one per sample of ``lines`` it covers (a label across a line reads worse,
    but can be read: a small cost), plus ten times its area outside the axes ``frame_`` (a label cut off)."""
    crossed = np.count_nonzero((lines[:, 0] > box.x0) & (lines[:, 0] < box.x1) & (lines[:, 1] > box.y0)
                               & (lines[:, 1] < box.y1))
    return (sum(_overlap(box, b) for b in taken) + crossed
            + 10 * (box.width * box.height - _overlap(box, frame_)))


def _gap(box, q) -> float:
    """How far (pixels) the display point ``q`` lies from the display box ``box``: 0 inside it."""
    return float(np.hypot(max(box.x0 - q[0], 0.0, q[0] - box.x1), max(box.y0 - q[1], 0.0, q[1] - box.y1)))


def _misread(box, shown: np.ndarray, i: int) -> float:
    """How much nearer (pixels) a label's ``box`` lies to the nearest other point of ``shown`` than to its own point
    ``shown[i]``: 0 when its own point is the nearest, a reader's guess at whose name it is."""
    others = [_gap(box, q) for j, q in enumerate(shown) if j != i]
    return max(_gap(box, shown[i]) - min(others), 0.0) if others else 0.0


def _leader(ax, box, point, color) -> np.ndarray:
    """A thin line in ``color`` from a label's display ``box`` (its edge nearest the point, a point of room off the
    text) to its display ``point``, stopped short of the marker; returns samples along it (`_segment_samples`),
    none when it would be too short to show past the marker (the label touches its point: nothing to link).
    Why a patch of its own, not the label's ``arrowprops``: the label's window extent stays its text (the
    placement and the callers' overlap checks measure labels), and `add_artist` keeps it out of the data limits.
    In data coordinates: the figure scales as a whole with the dpi it is saved at, so the ends stay in place."""
    from matplotlib.patches import FancyArrowPatch

    pt = ax.figure.dpi / 72
    pad = box.padded(pt)
    start = np.array([np.clip(point[0], pad.x0, pad.x1), np.clip(point[1], pad.y0, pad.y1)])
    shrink = 4.0  # points: the marker's half width (2.5) and room
    if np.hypot(*(point - start)) < (shrink + 2) * pt:
        return np.empty((0, 2))
    to_data = ax.transData.inverted()
    leader = FancyArrowPatch(to_data.transform(start), to_data.transform(point), arrowstyle="-", color=color,
                             linewidth=0.6, shrinkA=0, shrinkB=shrink, transform=ax.transData)
    leader.set_in_layout(False)
    ax.add_artist(leader)
    return _segment_samples(start, np.asarray(point, float))


def _segment_samples(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Points from ``p`` to ``q`` (display space) about one pixel apart."""
    return p + np.linspace(0.0, 1.0, int(np.hypot(*(q - p))) + 2)[:, None] * (q - p)


def _line_samples(ax) -> np.ndarray:
    """Points along every line of ``ax`` in display space (pixels), about one pixel apart: where a label would
    cross a line (`annotate_points`); a gap in a line (a NaN point, where matplotlib draws nothing) has none."""
    out = [np.empty((0, 2))]
    for line in ax.get_lines():
        xy = ax.transData.transform(line.get_xydata())
        if line.get_linestyle() in ("None", "") or len(xy) < 2:
            continue  # markers only: the points are obstacles of their own
        out += [_segment_samples(p, q) for p, q in itertools.pairwise(xy) if np.isfinite([p, q]).all()]
    return np.concatenate(out)


def _overlap(a, b) -> float:
    """The area two display boxes share (pixels squared)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def interactive_html(fig, *, include_plotlyjs: bool = True, height: int | None = None):
    """A plotly figure as an HTML output of a notebook cell, self-contained: plotly.js is embedded in the page
    (``include_plotlyjs=True``, about 3.5 MB; pass False for a second figure on the same page), so the figure turns
    and zooms without network access. Returns an `IPython.display.HTML` object (display it, or end a cell with it)."""
    import plotly.io as pio
    from IPython.display import HTML

    html = pio.to_html(fig, include_plotlyjs=include_plotlyjs, full_html=False, default_width="100%",
                       default_height=f"{height}px" if height else "100%", config={"displaylogo": False,
                                                                                     "responsive": True})
    return HTML(html)


# ---------------------------------------------------------------------------------------------------- layout


def _zone_names(values) -> np.ndarray:
    """Zone names as strings; a missing zone (pandapower's default None) is the TS."""
    return np.array(
        [TS_ZONE if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values],
        dtype=object,
    )


def _zones(net) -> pd.Series:
    if "zone" in net.bus.columns:
        return pd.Series(_zone_names(net.bus["zone"]), index=net.bus.index)
    return pd.Series(TS_ZONE, index=net.bus.index, dtype=object)


def _branches(net) -> pd.DataFrame:
    """Every branch of the net: element, index, from/to bus, zone, kind (line | trafo | impedance | pcc | tie)."""
    rows = []
    specs = (
        ("line", "from_bus", "to_bus"),
        ("trafo", "hv_bus", "lv_bus"),
        ("impedance", "from_bus", "to_bus"),
    )
    for element, a, b in specs:
        tab = net.get(element)
        if tab is None or not len(tab):
            continue
        zone = _zone_names(tab["zone"]) if "zone" in tab else TS_ZONE
        frame = pd.DataFrame(
            {
                "element": element,
                "index": tab.index.to_numpy(),
                "from_bus": tab[a].to_numpy(int),
                "to_bus": tab[b].to_numpy(int),
                "zone": zone,
                "in_service": tab["in_service"].astype(bool).to_numpy(),
            }
        )
        kind = np.full(len(tab), element, dtype=object)
        if element == "line" and "is_tie" in tab:
            kind[tab["is_tie"].fillna(False).astype(bool).to_numpy()] = "tie"
        if element == "trafo":
            kind[(frame["zone"] == "PCC").to_numpy()] = "pcc"
        frame["kind"] = kind
        rows.append(frame)
    cols = ["element", "index", "from_bus", "to_bus", "zone", "in_service", "kind"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def _geodata(net) -> pd.DataFrame | None:
    """Bus coordinates from pandapower's GeoJSON ``net.bus["geo"]`` when every bus has a point, else None."""
    if "geo" not in net.bus.columns or net.bus["geo"].isna().any():
        return None
    xy = []
    for text in net.bus["geo"]:
        geo = json.loads(text) if isinstance(text, str) else text
        if not isinstance(geo, dict) or geo.get("type") != "Point":
            return None
        xy.append(geo["coordinates"][:2])
    return pd.DataFrame(np.asarray(xy, float), index=net.bus.index, columns=["x", "y"])


def _graph(buses, branches: pd.DataFrame, kinds=None) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(int(b) for b in buses)
    sel = branches if kinds is None else branches[branches.kind.isin(kinds)]
    for f, t in zip(sel.from_bus, sel.to_bus):
        if f in g and t in g and f != t:
            g.add_edge(int(f), int(t))
    return g


def _normalised(pos: dict) -> dict:
    """Positions shifted and scaled into [-1, 1] along their larger extent."""
    xy = np.array(list(pos.values()), float)
    centre = (xy.max(0) + xy.min(0)) / 2
    span = float(np.max(xy.max(0) - xy.min(0))) or 1.0
    return {k: (np.asarray(v) - centre) / (span / 2) for k, v in pos.items()}


def _ts_positions(g: nx.Graph, seed: int) -> dict:
    if g.number_of_nodes() == 1:
        return {next(iter(g.nodes)): np.zeros(2)}
    pos = {}
    # components side by side, each laid out on its own
    comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
    x0 = 0.0
    for comp in comps:
        sub = g.subgraph(comp)
        if len(comp) == 1:
            p = {next(iter(comp)): np.zeros(2)}
        elif len(comp) <= KAMADA_KAWAI_MAX_BUSES:
            p = nx.kamada_kawai_layout(sub, pos=nx.circular_layout(sorted(sub.nodes)))
        else:
            p = nx.spring_layout(sub, seed=seed)
        p = _normalised(p) if len(comp) > 1 else p
        for k, v in p.items():
            pos[k] = np.asarray(v) + np.array([x0, 0.0])
        x0 += 2.5
    return pos


def _tree_positions(g: nx.Graph, root: int) -> dict:
    """Tidy tree: x = depth (hops from root), y = leaf order (parents centred over their children)."""
    tree = nx.bfs_tree(g, root, sort_neighbors=sorted)
    pos: dict = {}
    next_leaf = [0.0]

    def place(node: int, depth: int) -> float:
        children = list(tree.successors(node))
        if not children:
            y = next_leaf[0]
            next_leaf[0] += 1.0
        else:
            ys = [place(c, depth + 1) for c in children]
            y = (min(ys) + max(ys)) / 2
        pos[node] = np.array([float(depth), y])
        return y

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * g.number_of_nodes() + 100))
    try:
        place(root, 0)
    finally:
        sys.setrecursionlimit(limit)
    return pos


def _ds_positions(g, root: int, direction, centre, distance: float, ds_size: float) -> dict:
    """A DS's tree drawn outside the TS: its root ``distance`` from the TS centre in ``direction`` (towards its PCC
    bus), depth growing outwards along it (``ds_size`` long), siblings spread across it."""
    norm = float(np.hypot(*direction))
    direction = direction / norm if norm > 1e-9 else np.array([1.0, 0.0])
    normal = np.array([-direction[1], direction[0]])
    tree = {}
    for comp in nx.connected_components(g):
        start = root if root in comp else min(comp)
        part = _tree_positions(g.subgraph(comp), start)
        if tree:  # islands without a path to the root: beyond the deepest bus so far
            shift = max(p[0] for p in tree.values()) + 1.0
            part = {k: v + np.array([shift, 0.0]) for k, v in part.items()}
        tree.update(part)
    depth = max(max(p[0] for p in tree.values()), 1.0)
    width = max(max(p[1] for p in tree.values()), 1.0)
    y_root = tree[root][1]
    start = centre + distance * direction
    out = {}
    for bus, (d, y) in tree.items():
        along = ds_size * d / depth
        across = 0.6 * ds_size * (y - y_root) / width
        out[bus] = start + along * direction + across * normal
    return out


def bus_layout(net, *, ds_size: float = 0.9, ds_gap: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """x, y of every bus (index: pandapower bus) and its zone; see the module docstring for the rules.

    ds_size: length of a DS tree along its depth axis, in units of the TS radius (the TS fills about [-1, 1]).
    ds_gap: distance between the TS's outermost bus and a DS root, same unit: a DS sits outside the TS, in the
    direction of its PCC bus seen from the TS centre. seed: spring layout of very large TSs.
    """
    zones = _zones(net)
    geo = _geodata(net)
    if geo is not None:
        return geo.assign(zone=zones)
    branches = _branches(net)
    ts_buses = zones.index[zones == TS_ZONE]
    if not len(ts_buses):
        ts_buses = net.bus.index
    non_tie = ("line", "trafo", "impedance")
    pos = _ts_positions(_graph(ts_buses, branches[branches.zone == TS_ZONE], non_tie), seed)
    ts_xy = np.array([pos[int(b)] for b in ts_buses])
    centre = ts_xy.mean(axis=0)
    radius = float(np.max(np.hypot(*(ts_xy - centre).T))) if len(ts_xy) > 1 else 0.0
    pcc = branches[branches.kind == "pcc"].sort_values("index")
    for zone in dict.fromkeys(z for z in zones if z != TS_ZONE):
        buses = zones.index[zones == zone]
        g = _graph(buses, branches[branches.zone == zone], non_tie)
        links = pcc[pcc.to_bus.isin(buses)]
        if len(links):
            root, anchor = int(links.to_bus.iloc[0]), pos.get(int(links.from_bus.iloc[0]), centre)
        else:
            eg = net.ext_grid.bus[net.ext_grid.bus.isin(buses)] if len(net.ext_grid) else []
            root, anchor = (int(eg.iloc[0]) if len(eg) else int(buses.min())), centre
        pos.update(_ds_positions(g, root, np.asarray(anchor, float) - centre, centre, radius + ds_gap, ds_size))
    xy = np.array([pos[int(b)] for b in net.bus.index])
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "zone": zones.to_numpy()}, index=net.bus.index)


# ---------------------------------------------------------------------------------------------------- drawing


def _fpu_kinds(net) -> pd.Series:
    """Chart kind of the FPU(s) at each bus (the first FPU's, in sgen order), from ``net.sgen["chart"]``."""
    from forlab.grid.capability import as_chart
    from forlab.grid.td import is_fpu

    kinds = {}
    for _, row in net.sgen[is_fpu(net)].iterrows():
        if int(row.bus) not in kinds:
            kinds[int(row.bus)] = as_chart(row["chart"]).kind
    return pd.Series(kinds, dtype=object)


def system_tables(net, **layout_options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables `draw_system` draws, plain enough for a netCDF store.

    buses (index ``bus``): x, y (layout units), zone, role ("slack" for ext_grid buses, "generator" for gen buses,
    else "bus"), fpu ("" or the chart kind of the bus's FPU). branches (index ``branch``): element, from_bus, to_bus,
    x0, y0, x1, y1, zone, kind (line | trafo | impedance | pcc | tie), in_service. Options go to `bus_layout`.
    """
    layout = bus_layout(net, **layout_options)
    role = pd.Series("bus", index=net.bus.index, dtype=object)
    if len(net.gen):
        role[net.gen.bus[net.gen.in_service.astype(bool)].to_numpy()] = "generator"
    if len(net.ext_grid):
        role[net.ext_grid.bus[net.ext_grid.in_service.astype(bool)].to_numpy()] = "slack"
    fpu = _fpu_kinds(net).reindex(net.bus.index).fillna("").astype(str)
    buses = layout.assign(role=role.astype(str), fpu=fpu)
    buses.index.name = "bus"
    br = _branches(net)
    br = br.assign(
        x0=layout.x.reindex(br.from_bus).to_numpy(),
        y0=layout.y.reindex(br.from_bus).to_numpy(),
        x1=layout.x.reindex(br.to_bus).to_numpy(),
        y1=layout.y.reindex(br.to_bus).to_numpy(),
    ).drop(columns="index")
    br.index.name = "branch"
    return buses, br


def tables_to_dataset(buses: pd.DataFrame, branches: pd.DataFrame, prefix: str = "draw"):
    """The tables of `system_tables` as an xarray Dataset: variables ``<prefix>_bus_<column>`` over the dimension
    ``<prefix>_bus`` (coordinate: pandapower bus index) and ``<prefix>_branch_<column>`` over ``<prefix>_branch``."""
    import xarray as xr

    parts = []
    for name, frame in (("bus", buses), ("branch", branches)):
        text = {c: frame[c].astype(str) for c in frame.columns if frame[c].dtype == object}  # netCDF-safe strings
        parts.append(to_dataset(frame.assign(**text), f"{prefix}_{name}", f"{prefix}_{name}_", keep_index=True))
    ds = xr.merge(parts)
    for axis in ("x", "y"):
        ds[f"{prefix}_bus_{axis}"].attrs.update(long_name=f"drawing {axis} position", units="1")
    return ds


def tables_from_dataset(ds, prefix: str = "draw") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``(buses, branches)`` tables that `tables_to_dataset` stored, ready for `draw_system`."""
    buses, branches = (table(ds, f"{prefix}_{name}", f"{prefix}_{name}_", index=name) for name in ("bus", "branch"))
    branches["in_service"] = branches["in_service"].astype(bool)
    return buses, branches


def _segments(frame: pd.DataFrame) -> np.ndarray:
    return frame[["x0", "y0", "x1", "y1"]].to_numpy(float).reshape(-1, 2, 2)


def _marker(marker: str, face: str, size: float, label: str) -> Line2D:
    """A legend entry for a marker (the scatter's own handle would carry its data-dependent size)."""
    return Line2D([], [], marker=marker, markerfacecolor=face, markeredgecolor="black", linestyle="",
                  markersize=size, label=label)


def _draw_branches(ax, branches: pd.DataFrame, zones: list) -> list:
    """Branches by zone (in-service, no ties), closed ties dashed and open ties dotted, PCC transformers thick.
    Returns the legend handles."""
    handles = []
    in_service = branches.in_service.astype(bool)
    for zone in zones:
        color = zone_color(zone, zones)
        sel = branches[(branches.zone == zone) & in_service & (branches.kind != "tie")]
        if len(sel):
            lw = 1.3 if zone == TS_ZONE else 0.9
            ax.add_collection(LineCollection(_segments(sel), colors=color, linewidths=lw, zorder=1))
            label = "TS branch" if zone == TS_ZONE else f"{zone} feeder"
            handles.append(Line2D([], [], color=color, linewidth=lw, label=label))
    ties = branches[branches.kind == "tie"]
    # the key is grey, the ties are drawn in their feeder's colour: the label says so
    for closed, ls, label in ((True, "--", "closed tie (feeder's colour)"), (False, ":", "open tie (feeder's colour)")):
        sel = ties[ties.in_service.astype(bool) == closed]
        if len(sel):
            colors = [zone_color(z, zones) for z in sel.zone]
            # an open tie is drawn faintly: it is part of the data, not of the operated grid
            ax.add_collection(LineCollection(_segments(sel), colors=colors, linewidths=0.9, linestyles=ls,
                                             alpha=0.9 if closed else 0.5, zorder=1))
            handles.append(Line2D([], [], color="#7f7f7f", linewidth=0.9, linestyle=ls, label=label))
    pcc = branches[branches.kind == "pcc"]
    if len(pcc):
        ax.add_collection(LineCollection(_segments(pcc), colors=PCC_COLOR, linewidths=2.6, zorder=2))
        handles.append(Line2D([], [], color=PCC_COLOR, linewidth=2.6, label="PCC transformer"))
    return handles


def _draw_buses(ax, buses: pd.DataFrame, zones: list, bus_size: float, ts_bus_size: float) -> list:
    """TS buses, DS buses in their zone's colour, then slack and generator buses as larger open markers on top.
    Returns the legend handles (DS buses have none: their feeders name the zone)."""
    handles = []
    ts = buses[buses.zone == TS_ZONE]
    if len(ts):
        ax.scatter(ts.x, ts.y, s=ts_bus_size, color=TS_COLOR, zorder=3)
        handles.append(Line2D([], [], marker="o", color=TS_COLOR, linestyle="", markersize=5, label="TS bus"))
    for zone in zones:
        if zone == TS_ZONE:
            continue
        sel = buses[buses.zone == zone]
        ax.scatter(sel.x, sel.y, s=bus_size, color=zone_color(zone, zones), zorder=3)
    for role, marker, label in (("slack", "s", "slack (ext_grid)"), ("generator", "D", "generator")):
        sel = buses[buses.role == role]
        if len(sel):
            ax.scatter(sel.x, sel.y, s=3 * ts_bus_size, marker=marker, facecolor="white", edgecolor="black",
                       linewidth=1.3, zorder=4)
            handles.append(_marker(marker, "white", 7, label))
    return handles


def _draw_fpus(ax, buses: pd.DataFrame, fpu_size: float) -> list:
    """FPU buses, one marker per PQ-chart kind (in `CHART_MARKERS` order), on top of everything. Returns handles."""
    handles = []
    fpus = buses[buses.fpu != ""]
    order = list(CHART_MARKERS)
    for kind in sorted(dict.fromkeys(fpus.fpu), key=lambda k: (order.index(k) if k in order else len(order), k)):
        sel = fpus[fpus.fpu == kind]
        marker = CHART_MARKERS.get(kind, "D")
        ax.scatter(sel.x, sel.y, s=fpu_size, marker=marker, facecolor="#ff7f0e", edgecolor="black", linewidth=0.7,
                   zorder=5)
        handles.append(_marker(marker, "#ff7f0e", 8, f"FPU, {kind} chart"))
    return handles


def _finish_map(ax, title: str | None, handles: list) -> None:
    """A map, not a chart: equal aspect, no ticks, grid or frame; the legend outside on the right."""
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.margins(0.05)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def draw_system(
    system,
    ax=None,
    *,
    title: str | None = None,
    legend: bool = True,
    bus_size: float | None = None,
    ts_bus_size: float | None = None,
    fpu_size: float = 60.0,
    zones: list | None = None,
    **layout_options,
):
    """Draw a grid, typically an integrated T+D system: TS buses and branches, PCC transformers, DS feeders by zone,
    closed ties dashed (open ties dotted), slack and generator buses, FPUs by PQ-chart kind, and a legend.

    system: a pandapower net or the ``(buses, branches)`` tables of `system_tables` (e.g. read back from a store).
    bus_size, ts_bus_size: marker areas of DS and TS buses (default: smaller for larger grids). zones: the order of
    the zones that fixes their colours (`zone_color`; default: the tables' own), so that part of a system drawn alone
    keeps its colours. Returns ``ax``.
    """
    buses, branches = system if isinstance(system, tuple) else system_tables(system, **layout_options)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.5))  # the text column's width
    zones = list(dict.fromkeys(buses.zone)) if zones is None else list(zones)
    n_ds = int((buses.zone != TS_ZONE).sum())
    if bus_size is None:
        bus_size = float(np.clip(600.0 / max(n_ds, 1), 2.0, 14.0))
    if ts_bus_size is None:
        ts_bus_size = float(np.clip(1000.0 / max(len(buses) - n_ds, 1), 6.0, 28.0))
    handles = _draw_branches(ax, branches, zones)
    handles += _draw_buses(ax, buses, zones, bus_size, ts_bus_size)
    handles += _draw_fpus(ax, buses, fpu_size)
    _finish_map(ax, title, handles if legend else [])
    return ax
