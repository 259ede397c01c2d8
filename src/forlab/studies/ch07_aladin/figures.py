"""Figures of chapter 07, drawn from the tables of `forlab.studies.ch07_aladin.readers`; each function returns
a matplotlib Figure (`latency_figure`: None without latency runs).

Every figure but `latency_figure` is as wide as the book's text column (`FIGURE_WIDTH`), and every figure has
at most one legend; the consensus and gap figures share their axes' labels and legend (`_log_axes`). A figure with
one line per system draws each system in its style of `system_styles`, fixed by its name in the chapter's one order
of systems (`_chapter_runs`, its ``order``), so that it is the same in every figure of the chapter and no two systems
of the chapter share one; a system's line is solid (`SYSTEM_LINE`): on this page dashes mean ALADIN-alpha's QP
(`kkt_figure`), dots a target (`forlab.book.plots.BOUND_LINE`) and dash-dots a fit or prediction (`REFERENCE_LINE`); a figure that compares methods draws them in the book's styles (`forlab.book.plots.METHOD_STYLE`), and other categories (the parts of a round, the
families of systems) in `forlab.book.plots.category_colours`, which no method and no system has.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from forlab.book import plots
from forlab.book.tables import grouped
from forlab.studies.ch07_aladin.readers import (
    FAMILY_MIN,
    FIT_R2_MIN,
    SLOPE_CONFIDENCE,
    TARGET_CONSENSUS,
    TARGET_GAP,
    family_fits,
    fitted,
)
from forlab.studies.ch07_aladin.systems import family
from forlab.studies.ch07_aladin.text import RATIO_DIGITS, power_text

__all__ = ["FIGURE_WIDTH", "KKT_CLIP", "REFERENCE_LINE", "admm_figure", "convergence_figure", "growth_figure",
           "kkt_figure", "latency_figure", "ratio_labels", "system_styles", "time_split_figure", "wall_time_figure"]


FIGURE_WIDTH = 7.5
"""Width of the chapter's figures (in): the book's text column (`forlab.book.plots.STYLE`)."""

CONSENSUS_LABEL = "consensus violation (rad, p.u.)"
GAP_LABEL = r"optimality gap $|f - f^\star|/f^\star$"
"""The y labels of the (consensus, gap) figures; the gap is relative to the integrated optimum (the glossary's
optimality gap), so the label gives its definition."""


CHAPTER = "07_aladin"
"""The chapter's notebook, whose parameters and profiles name every system its figures draw (`_chapter_runs`, its ``order``)."""


class ChapterSystems(NamedTuple):
    """The systems of the chapter's parameter sets (`_chapter_runs`)."""

    order: tuple[str, ...]
    """Every system of the chapter in its one order (`system_styles`): the study systems (``systems`` and
    ``kkt_systems``) of each parameter set, the paper profile's first, then the growth systems (which the page draws
    by their family, `growth_figure`: after the study systems, so that these have styles of their own)."""
    beside: tuple[tuple[str, ...], ...]
    """The groups drawn on one pair of axes: the panel rows of `convergence_figure` (`_system_rows`) and the
    ``kkt_systems`` of `kkt_figure`."""
    families: tuple[str, ...]
    """The families a parameter set fits (`_fitted_families`)."""


@functools.cache
def _chapter_runs() -> ChapterSystems:
    """The systems of the chapter's parameter sets, read from its notebook: the paper profile, the other profiles,
    the defaults. Empty outside the repository (no notebook to read them from)."""
    from forlab.book import runner, store

    root = store.repository_root() or store.repository_root(Path(__file__).parent)
    if root is None:
        return ChapterSystems((), (), ())
    declared, profiles = runner.read_chapter(root, CHAPTER)
    others = [p for name, p in profiles.items() if name != "paper"]
    sets = [{**declared, **p} for p in (profiles.get("paper", {}), *others, {})]  # {}: the defaults
    study = [tuple(dict.fromkeys([*p["systems"], *p["kkt_systems"]])) for p in sets]
    order = dict.fromkeys([*(s for run in study for s in run), *(s for p in sets for s in p["growth_systems"])])
    beside = [tuple(g) for run, p in zip(study, sets) for g in (*_system_rows(list(run)), p["kkt_systems"])]
    grown = [[*run, *p["growth_systems"]] for run, p in zip(study, sets)]
    return ChapterSystems(tuple(order), tuple(beside), _fitted_families(grown))


def _fitted_families(runs: list[list[str]]) -> tuple[str, ...]:
    """The families (`forlab.studies.ch07_aladin.systems.family`) of which one of ``runs`` (the systems of each
    parameter set) has at least `FAMILY_MIN` members, the ones `growth_figure` can fit, in the order of their first
    member."""
    counts = [pd.Series([f[0] for f in map(family, dict.fromkeys(run)) if f]).value_counts() for run in runs]
    firsts = [f[0] for run in runs for f in map(family, run) if f]
    return tuple(f for f in dict.fromkeys(firsts) if any(c.get(f, 0) >= FAMILY_MIN for c in counts))


SYSTEM_LINE = "-"
"""The line style of every system in `system_styles`: solid. A system is told apart by its colour and marker; on
this page dashes mean ALADIN-alpha's QP (`kkt_figure`) and dots a target, so a system drawn dashed in one figure and
solid in the next read as two things (the reader's review R2, finding 9)."""

REFERENCE_LINE = "-."
"""The line style of a line that is no run: the pooled growth fit (`growth_figure`) and the latency prediction
(`latency_figure`), both black. Dash-dot, because on this page dashes mean ALADIN-alpha's QP (`kkt_figure`) and dots
a target (the reader's review R2, finding 9)."""


def system_styles(systems=()) -> dict[str, dict]:
    """Matplotlib keywords (color, linestyle, marker) of every system of the chapter (`_chapter_runs`, its ``order``),
    then of the systems of ``systems`` outside it (a reader's own, in their order): `forlab.book.plots.system_styles`
    over that one order, every system with a style of its own while they last (no groups drawn apart: a style that
    meant one system in one figure and another in the next misled, the reader's review R2, finding 9; the study
    systems come first, the growth systems, which no figure draws in a system's style, after), those on one pair of axes
    (`ChapterSystems`, ``beside``) in different colours, none in a method's colour; its line always `SYSTEM_LINE`, so
    the systems differ by colour and marker (seven colours, then the next marker)."""
    runs = _chapter_runs()
    styles = plots.system_styles([*runs.order, *systems], beside=runs.beside)
    return {s: {**v, "linestyle": SYSTEM_LINE} for s, v in styles.items()}


def _log_axes(fig, ax, ylabels: tuple[str, str], ncols: int = 3, legend=None) -> None:
    """Labels and grid of a (consensus, gap) pair of axes, or of one pair per panel row (``ax`` two-dimensional: the
    round labelled on the bottom row only), and the figure's one legend below them: ``legend`` (its handles and
    labels), by default the left axes' labelled lines."""
    rows = np.atleast_2d(ax)
    for i, pair in enumerate(rows):
        pair[0].set_ylabel(ylabels[0])
        pair[1].set_ylabel(ylabels[1])
        for a in pair:
            if i == len(rows) - 1:
                a.set_xlabel("round")
            a.grid(alpha=0.3)
    fig.legend(*(legend or rows[0][0].get_legend_handles_labels()), loc="outside lower center", ncols=ncols)


def _targets(ax) -> None:
    """The stopping targets on a (consensus, gap) pair of axes, in the book's line of a bound
    (`forlab.book.plots.BOUND_LINE`)."""
    ax[0].axhline(TARGET_CONSENSUS, **plots.BOUND_LINE)
    ax[1].axhline(TARGET_GAP, **plots.BOUND_LINE)


ROW_TITLES = ("T+D study systems", "transmission grids in areas and rapidPF systems")
"""The titles of `convergence_figure`'s panel rows where it draws two (`_system_rows`)."""


def convergence_figure(table: pd.DataFrame, its: pd.DataFrame, max_iter: int, systems=None):
    """Consensus violation and gap per round of every system in-process with the default QP (the longest run
    of each system), with the targets (dotted) and ``max_iter`` (vertical line); one legend. Each system in its
    style of `system_styles` (the systems of ``systems``, then of ``table``, outside the chapter's order follow it).
    Past seven systems, the T+D systems in a panel row of their own above the others (`_system_rows`, `ROW_TITLES`),
    and the legend in one column per row. Returns the Figure."""
    import matplotlib.pyplot as plt

    red = table[(table["mode"] == "inprocess") & (table.algorithm == "aladin") & (table.qp == "reduced")]
    longest = red.sort_values("max_iter").groupby("system", sort=False).tail(1)
    styles = system_styles([*([] if systems is None else systems), *table.system])
    rows = _system_rows(list(longest.system))
    # the rows on one scale per measure, so that a line of one row can be read against the other's
    fig, axes = plt.subplots(len(rows), 2, figsize=(FIGURE_WIDTH, 3.6 if len(rows) == 1 else 6.6), sharex=True,
                             sharey="col", squeeze=False, layout="constrained")
    for ax, names, title in zip(axes, rows, ROW_TITLES if len(rows) > 1 else [None]):
        for k, r in longest[longest.system.isin(names)].iterrows():
            g = its[its.run == k]
            if g.empty:  # a run that raised has no rounds to draw (its failure is in the tables)
                continue
            ax[0].semilogy(g.iteration, g.consensus.clip(lower=1e-12), label=r.system, **styles[r.system])
            ax[1].semilogy(g.iteration, g.gap.clip(lower=1e-12), label=r.system, **styles[r.system])
        _targets(ax)
        for a in ax:
            a.axvline(max_iter, color="grey", linewidth=0.8)
        if title:
            ax[0].set_title(title, loc="left")
    if len(rows) == 1:
        _log_axes(fig, axes[0], (CONSENSUS_LABEL, GAP_LABEL))
    else:
        _log_axes(fig, axes, (CONSENSUS_LABEL, GAP_LABEL), ncols=len(rows), legend=_legend_by_row(axes))
    return fig


def _system_rows(systems: list[str]) -> list[list[str]]:
    """The systems of `convergence_figure` by panel row: all in one row, or, where they are more than the seven
    colours of `forlab.book.plots.SYSTEM_COLOURS` and of both kinds, the T+D systems (a "+" in the name, as
    `forlab.studies.ch07_aladin.systems.load` reads it) in the first row and the others (transmission grids in areas,
    rapidPF's systems) in the second: past seven, lines share a colour, and a dozen lines on one pair of axes could
    not be told apart (the reader's review of the paper profile's figure)."""
    td = [s for s in systems if "+" in s]
    rest = [s for s in systems if "+" not in s]
    if len(systems) <= len(plots.SYSTEM_COLOURS) or not td or not rest:
        return [systems]
    return [td, rest]


def _legend_by_row(axes) -> tuple[list, list[str]]:
    """The handles and labels of the left axes of each panel row, each row's padded with blank entries to the
    longest row's length, so that a legend with one column per row lists each row's systems in its own column."""
    from matplotlib.lines import Line2D

    found = [ax[0].get_legend_handles_labels() for ax in axes]
    depth = max(len(labels) for _, labels in found)
    handles, labels = [], []
    for h, lab in found:
        blank = depth - len(lab)
        handles += [*h, *(Line2D([], [], linestyle="none") for _ in range(blank))]
        labels += [*lab, *([""] * blank)]
    return handles, labels


KKT_CLIP = 1e6
"""Largest value `kkt_figure` draws (a diverging run is drawn at it)."""


def kkt_figure(kk: pd.DataFrame, its: pd.DataFrame, kkt_systems: list[str], systems=None):
    """Consensus and gap per round of `kkt_runs`: each system in its colour and marker of `system_styles` (the
    systems of ``systems``, then ``kkt_systems``, outside the chapter's order follow it: the chapter passes the table
    `convergence_figure` draws, so that a reader's own system keeps its colour too), the default QP solid as the
    system is in every figure (`SYSTEM_LINE`), ALADIN-alpha's ("kkt") dashed, the targets dotted; one legend. Values above `KKT_CLIP` are drawn at it (a
    diverging run would flatten every other line), and the axis label says so only when a value was."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.6), sharex=True, layout="constrained")
    # the line style says which QP (dashed, which no system's style is: `SYSTEM_LINE`); a system its colour and marker
    styles = {s: {"color": v["color"], "marker": v["marker"]}
              for s, v in system_styles([*([] if systems is None else systems), *kkt_systems]).items()}
    clipped = False
    for k, r in kk.iterrows():
        g = its[its.run == k]
        style = "--" if r.qp == "kkt" else "-"
        for a, col in zip(ax, ["consensus", "gap"]):
            clipped |= bool((g[col] > KKT_CLIP).any())
            a.semilogy(g.iteration, g[col].clip(lower=1e-12, upper=KKT_CLIP), style, **styles[r.system])
    for s in kkt_systems:
        ax[0].plot([], [], label=s, **styles[s])
    ax[0].plot([], [], "k-", label="default QP")
    ax[0].plot([], [], "k--", label="ALADIN-α's QP")
    _targets(ax)
    clip = f",\nclipped at {power_text(KKT_CLIP, tex=False)}" if clipped else ""
    _log_axes(fig, ax, (CONSENSUS_LABEL + clip, GAP_LABEL + clip), ncols=4)
    return fig


SPLIT_GAP = 4.0
"""Factor between the time per round of two runs (next to each other in time order) from which `time_split_figure`
draws the longer runs in a panel of their own: on one axis the shorter runs' bars would be a few pixels long."""


def time_split_figure(split: pd.DataFrame):
    """Stacked bars of `time_split` (ms per round), one bar per run (system and mode), each as long as the run's time
    per round (its last part, `forlab.studies.ch07_aladin.readers.REST`, is what the others leave), one legend;
    where the longest runs take `SPLIT_GAP` times or more the time of the others, they are drawn in a panel of their
    own below, on their own scale (`_split_panels`). The parts in `forlab.book.plots.category_colours`: in tab10's
    first colours the local NLP, the reduction and the coordinator read as P1, P2 and P3."""
    import matplotlib.pyplot as plt

    ms = 1e3 * split.fillna(0.0)
    colours = plots.category_colours(len(ms.columns))
    panels = _split_panels(ms.sum(axis=1))
    fig, axes = plt.subplots(len(panels), 1, figsize=(FIGURE_WIDTH, 0.3 * len(split) + 1.8 + 0.6 * (len(panels) - 1)),
                             height_ratios=[max(len(p), 1) for p in panels], layout="constrained", squeeze=False)
    for ax, rows in zip(axes[:, 0], panels):
        ms.loc[rows].plot.barh(stacked=True, ax=ax, legend=False, color=colours)
        ax.set_xlabel("mean time per round (ms)")
        ax.invert_yaxis()
        ax.grid(alpha=0.3, axis="x")
        ax.grid(False, axis="y")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
    return fig


def _split_panels(totals: pd.Series) -> list[pd.Index]:
    """The runs of `time_split_figure` in one panel, or in two where the largest factor between two runs next to
    each other in time order reaches `SPLIT_GAP`: the runs below it, then those above it, each in the table's
    order. The factors are taken over the runs with a time (a total above 0) only: a run that raised has no time
    and draws no bar, and set against it the shortest timed run would make a gap of its own; it stays in the first
    panel, as an empty row."""
    t = totals[totals > 0].sort_values(ascending=False).to_numpy()
    factors = t[:-1] / t[1:]
    if not len(factors) or factors.max() < SPLIT_GAP:
        return [totals.index]
    longer = totals >= t[int(np.argmax(factors))]
    return [totals.index[~longer], totals.index[longer]]


def growth_figure(growth: pd.DataFrame):
    """Coordinator time per round against coupling rows (log-log), with the line fitted over all converged systems
    (`REFERENCE_LINE`; only where it explains at least `FIT_R2_MIN` of the variance of the log times, else its legend entry
    says that it is not drawn) and one per family (`family_fits`, solid, the family's points in its colour; runs
    that did not converge hollow, left out of the fits, `fitted`; the families in `_family_colours`). Each fit's
    legend entry gives the slope, its one-sided upper bound ("at most", `growth_bound`; the legend's title names its
    confidence, `SLOPE_CONFIDENCE`) and the fit's R^2. A fitted family names its first and its last member, in its colour (fewest and most coupling
    rows; the line and its colour name the family, the growth table every member). The systems of no fitted family
    are grey, each marked by a letter that their legend entry keys to its name (`_keyed`): next to the family
    lines, in the band of times where most systems lie, a system's full name crossed a line or stood nearer another
    point than its own (the reader's review of ci152's build), where a letter finds room. Every label is placed
    clear of the others (`forlab.book.plots.annotate_points`). Returns the Figure."""
    import matplotlib.pyplot as plt

    fits = family_fits(growth)
    colours = _family_colours(f.family for f in fits.itertuples() if f.family != "all" and np.isfinite(f.slope))
    ok = fitted(growth)
    fam = [family(s) for s in ok.system]
    drawn = {}  # system -> its family's colour, for the members of a family with a drawn line
    ends = set()  # the first and last member of each drawn family: named
    # taller than the book's figures: the legend below the axes also keys the grey points' letters
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 5.2), layout="constrained")
    for f in fits.itertuples():
        pts = ok if f.family == "all" else ok[[g == (f.family, f.kind) for g in fam]]
        if not np.isfinite(f.slope):
            continue
        x = np.geomspace(pts.coupling_rows.min(), pts.coupling_rows.max(), 20)
        bound = f" (at most {f.upper:.2f})" if np.isfinite(f.upper) else ""
        label = f"{f.family}: slope {f.slope:.2f}{bound}, $R^2$ {f.r2:.2f}"
        if f.family == "all" and not f.r2 >= FIT_R2_MIN:
            # across different networks a fit this weak says nothing of the growth (the targets leave it unjudged):
            # a prominent line would be read as the trend, so only its legend entry says what it was
            ax.plot([], [], ls="none", color="k", label=f"{label}, too weak to draw")
            continue
        style = {"color": "k", "ls": REFERENCE_LINE} if f.family == "all" else {"color": colours[f.family]}
        (line,) = ax.loglog(x, 10**f.intercept * x**f.slope, label=label, **style)
        if f.family != "all":
            ax.loglog(pts.coupling_rows, pts.coordinator_ms, "o", color=line.get_color())
            drawn |= dict.fromkeys(pts.system, line.get_color())
            ends |= {pts.system[pts.coupling_rows.idxmin()], pts.system[pts.coupling_rows.idxmax()]}
    keyed = _keyed(growth, set(drawn))
    grey = ok[~ok.system.isin(drawn)]
    if len(grey):
        ax.loglog(grey.coupling_rows, grey.coordinator_ms, "o", color=GREY,
                  label=_key_words("systems of no fitted family", grey.system, keyed))
    left = growth[~growth.system.isin(ok.system)]
    if len(left):
        ax.loglog(left.coupling_rows, left.coordinator_ms, "o", mfc="none", color="0.4",
                  label=_key_words("not converged (left out of the fits)", left.system, keyed))
    if ax.get_legend_handles_labels()[0]:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=9,
                   title=f"log-log slope (at most: its one-sided upper bound at {SLOPE_CONFIDENCE:.0%} confidence)",
                   title_fontsize=9)
    ax.set_xlabel("coupling rows")
    ax.set_ylabel("coordinator time per round (ms)")
    ax.grid(alpha=0.3, which="both")
    ax.set_xlim(right=LABEL_ROOM * growth.coupling_rows.max())  # room for the right-most points' labels
    plots.log_ticks(ax.xaxis)  # after the limits are final: the ticks are chosen inside them
    plots.log_ticks(ax.yaxis)
    named = growth.system.isin(ends | set(keyed))
    plots.annotate_points(ax, list(zip(growth.coupling_rows, growth.coordinator_ms)),
                          [keyed.get(s, s) for s in growth.system], named.to_numpy(),
                          colors=[drawn.get(s, "k") for s in growth.system])
    return fig


GREY = "0.6"
"""The colour of `growth_figure`'s systems of no fitted family."""


def _family_colours(families) -> dict[str, str]:
    """A colour of `forlab.book.plots.category_colours` (a family is neither a method nor a system, whose colours the
    page gives them) for every family the chapter's parameter sets fit (`_fitted_families`), in their order, then
    for the families of ``families`` outside them (a reader's own, by name): a family has one colour in every
    growth figure of the page, whichever of the families a store fits."""
    known = _chapter_runs().families
    ranked = [*known, *sorted(set(families) - set(known))]
    return dict(zip(ranked, plots.category_colours(len(ranked))))


KEY_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""The letters `growth_figure` marks its systems of no fitted family with (`_keyed`), in order of coupling rows."""


def _keyed(growth: pd.DataFrame, drawn: set[str]) -> dict[str, str]:
    """The systems of ``growth`` outside ``drawn`` (the members of a family with a line), each with its letter of
    `KEY_LETTERS`, from the fewest coupling rows to the most (left to right in the figure; ties by time, bottom to
    top), after "Z" the letters doubled ("AA", "BB"); one per system, as the growth table lists each once."""
    rest = growth[~growth.system.isin(drawn)].sort_values(["coupling_rows", "coordinator_ms"], kind="stable")
    n = len(KEY_LETTERS)
    return {s: KEY_LETTERS[i % n] * (i // n + 1) for i, s in enumerate(rest.system)}


def _key_words(what: str, systems, keyed: dict[str, str], per_line: int = 2) -> str:
    """A legend entry that keys letters to names: ``what``, then "A case9+case33bw, B 53-I, ..." in the order of the
    letters, ``per_line`` systems to a line (a legend entry as wide as the figure would push the figure's width
    past the page's column)."""
    pairs = sorted(((keyed[s], s) for s in systems), key=lambda p: (len(p[0]), p[0]))
    lines = [", ".join(f"{k} {s}" for k, s in pairs[i:i + per_line]) for i in range(0, len(pairs), per_line)]
    return what + ":\n" + ",\n".join(lines)


LABEL_ROOM = 1.8
"""How far `growth_figure`'s x axis reaches past its most coupling rows (a factor; the axis is logarithmic): room
for the label of the right-most points on their right."""

WALL_SERIES = (("central_wall_s", "integrated", "integrated AC-OPF", {}),
               ("inprocess_s", "P3", "ALADIN, in-process", {}),
               ("dask_s", "P3", "ALADIN, Dask", {"markerfacecolor": "white"}))
"""The runs of `wall_time_figure`: column of `wall_times`, method of `forlab.book.plots.METHOD_STYLE` (its colour
and marker), the chapter's name for it, and what tells ALADIN's two runs apart (Dask's markers hollow)."""

WALL_SHIFTS = (-0.2, 0.0, 0.2)
"""Where `wall_time_figure` draws the runs of `WALL_SERIES` within a system's row (in rows): a little apart, so
that equal times do not hide one another."""

FLOOR_WORDS = "ALADIN, Dask: regions alone (a floor)"
"""The legend entry of the Dask run's floor in `wall_time_figure`: its set-up and, in every round, its slowest
region's local NLP and reduction (the table's column "regions alone", `wall_times`' ``dask_floor_ratio``)."""

RATIO_OFFSET = (6, -3)
"""Where `wall_time_figure` prints a Dask run's ratio (`ratio_labels`), in points from its mark: right of it and a
little below its level, clear of the in-process mark on the row above it."""

WALL_XLABEL = "wall time (s); beside each Dask run, its ratio to the integrated AC-OPF"
"""The x label of `wall_time_figure`, which also says what the numbers beside the hollow diamonds are."""

BOUND_LINE = {**plots.BOUND_LINE, "linewidth": 2}
"""The bound of a wall-time target in `wall_time_figure`: the book's line of a bound (`forlab.book.plots.BOUND_LINE`),
thicker, as it stands alone on its row."""


def wall_time_figure(wt: pd.DataFrame, targets: pd.DataFrame | None = None):
    """Whole-run wall time per system (log scale, `wall_times`): the integrated AC-OPF (model build and solve),
    ALADIN in-process (sequential regions) and on Dask (parallel regions), each with its set-up, as a dot plot, one
    row per system, each run in its method's style (`WALL_SERIES`); where the Dask run has one, its floor (the
    regions alone, `FLOOR_WORDS`) as a bar in P3's colour; and on each system that ``targets`` (`targets17`) judges
    by a wall-time target, that target's bound as the page judges it (its limit times the system's integrated
    whole run, `_wall_bounds`); beside each Dask run its ratio to the integrated AC-OPF (`ratio_labels`); one
    legend. Dots, not bars: on a logarithmic axis a bar's length depends on where the axis starts, a dot's place
    does not."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.4 * len(wt) + 1.6), layout="constrained")
    rows = np.arange(len(wt))
    for (col, method, label, extra), shift in zip(WALL_SERIES, WALL_SHIFTS):
        ax.plot(wt[col], rows + shift, linestyle="none", **plots.method_style(method, label=label, **extra))
    floor = wt.dask_floor_ratio * wt.central_wall_s  # NaN without a Dask run: not drawn
    if np.isfinite(floor).any():
        ax.plot(floor, rows + WALL_SHIFTS[2], linestyle="none", marker="|", markersize=11, markeredgewidth=1.5,
                color=plots.METHOD_STYLE["P3"]["color"], label=FLOOR_WORDS)
    named = set()  # a limit's legend entry once, however many systems it judges
    for row, limit, bound in _wall_bounds(wt, targets):
        label = "_" if limit in named else f"target: Dask at most {limit:g}x the integrated AC-OPF"
        ax.plot([bound, bound], [row - 0.4, row + 0.4], **BOUND_LINE, label=label)
        named.add(limit)
    # a mark a few percent past its bound sits on it at page size (the reader's review R2, finding 9: case300:4's
    # 10.6x on the 10x bound): the ratio the verdict judges, printed as the tables print it, says which side
    for row, (x, text) in zip(rows, ratio_labels(wt)):
        if text:
            ax.annotate(text, (x, row + WALL_SHIFTS[2]), xytext=RATIO_OFFSET, textcoords="offset points",
                        ha="left", va="center", color=plots.METHOD_STYLE["P3"]["color"])
    ax.set_xscale("log")
    plots.log_ticks(ax.xaxis)
    ax.set_yticks(rows, wt.system)
    ax.set_ylim(max(len(wt), 1) - 0.5, -0.5)  # the first system on top, as in the tables
    ax.set_xlabel(WALL_XLABEL)
    ax.grid(alpha=0.3, axis="x", which="both")
    ax.grid(alpha=0.3, axis="y")
    handles, labels = ax.get_legend_handles_labels()
    # with the floor or a bound, the runs in one column and those two in the next: three would pass the column width
    fig.legend(handles, labels, loc="outside lower center", ncols=3 if len(labels) <= len(WALL_SERIES) else 2)
    return fig


def ratio_labels(wt: pd.DataFrame) -> list[tuple[float, str]]:
    """Per system of ``wt`` (`wall_times`), where `wall_time_figure` prints its Dask run's ratio to the integrated
    AC-OPF: (the Dask run in s, ``dask_ratio`` with `RATIO_DIGITS` decimals and "x", as the ratios' table and the
    targets' list print it); "" for a system without a Dask run."""
    return [(float(x), f"{grouped(r, RATIO_DIGITS)}x" if np.isfinite(r) else "")
            for x, r in zip(wt.dask_s, wt.dask_ratio)]


def _wall_bounds(wt: pd.DataFrame, targets: pd.DataFrame | None) -> list[tuple[int, float, float]]:
    """The wall-time targets of ``targets`` (the ``wall_ratio`` rows of `targets17`, whose limit is the store's copy
    of the registry's, the one the page's verdict takes) on the systems of ``wt``: (row of ``wt``, limit, the bound
    in s: the limit times the system's integrated whole run, as the verdict sets the Dask run against it); none
    without ``targets``."""
    if targets is None:
        return []
    rows = {s: i for i, s in enumerate(wt.system)}
    judged = targets[(targets.target == "wall_ratio") & targets.system.isin(list(rows))]
    return [(rows[r.system], float(r.limit), float(r.limit) * float(wt.central_wall_s.iloc[rows[r.system]]))
            for r in judged.itertuples()]


def latency_figure(lat: pd.DataFrame, system: str):
    """Time per round against the one-way latency (`latency_sweep`), with the prediction "zero-latency run +
    one latency each way" (requests down, replies up; black, `REFERENCE_LINE`); None without latency runs."""
    import matplotlib.pyplot as plt

    if not len(lat):
        return None
    fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
    # ALADIN's rounds, in P3's colour (matplotlib's first colour is P1's)
    ax.plot(lat.latency_ms, 1e3 * lat.time_per_iter_s, "o-", color=plots.METHOD_STYLE["P3"]["color"], label="measured")
    base = lat[lat.latency_ms == 0]
    if len(base):
        # a round waits for one latency each way: its requests down, then the replies up
        ax.plot(lat.latency_ms, 1e3 * base.time_per_iter_s.iloc[0] + 2 * lat.latency_ms, color="k", ls=REFERENCE_LINE,
                label="zero-latency run + one latency each way")
    ax.set_xlabel("one-way latency (ms)")
    ax.set_ylabel("time per round (ms)")
    ax.set_title(system)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


ADMM_COLOR = "darkgoldenrod"
"""ADMM's colour in `admm_figure`: a method of none of the book's comparisons, so a colour that no method of
`forlab.book.plots.METHOD_STYLE` and no system (`forlab.book.plots.SYSTEM_COLOURS`) has (ALADIN is drawn in P3's):
tab10 has none left, all ten being the methods' and the systems'."""


def admm_figure(cmp_: pd.DataFrame, its: pd.DataFrame):
    """Consensus and gap per round of `admm_runs` (log-log), ALADIN in P3's colour, ADMM in `ADMM_COLOR`, the
    targets dotted; one legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4), layout="constrained")
    for k, r in cmp_.iterrows():
        g = its[its.run == k]
        admm = r.algorithm == "admm"
        style = {"label": "ADMM" if admm else "ALADIN",
                 "color": ADMM_COLOR if admm else plots.METHOD_STYLE["P3"]["color"]}
        ax[0].loglog(g.iteration, g.consensus.clip(lower=1e-12), **style)
        ax[1].loglog(g.iteration, g.gap.clip(lower=1e-12), **style)
    _targets(ax)
    _log_axes(fig, ax, (CONSENSUS_LABEL, GAP_LABEL))
    return fig
