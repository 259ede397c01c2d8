"""Markdown sentences and the tables as the chapter prints them, from a store's rows.

The two tables per variant and method (`online_table`, `effort_table`) with the digits the sentences print the same
numbers with (`ONLINE_DIGITS`); how far the integrated AC-OPF's time moves between runs (`timing_spread_text`); the
findings per factor and method (`findings`), P1 against its paper's bound (`bound_text`), negative deviations
(`negative_text`), online times far above their method's others (`time_outliers`) and the base case
(`base_case_text`); a store in a sentence (`store_text`, `paper_text`); P1's offers here and in chapter 05
(`p1_offer_text`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.names import TIME_RATIO
from forlab.book.runner import missing_profile_text
from forlab.book.store import paper_origin, short_commit
from forlab.book.tables import as_printed, counted, fixed_span, fixed_text, grouped, listed, span
from forlab.opf.judge import violation_words
from forlab.opf.outcome import NOT_IN_STORE, negative_sentence
from forlab.studies.ch08_sensitivity.design import FACTORS
from forlab.studies.ch08_sensitivity.readers import (
    NO_OFFLINE_STEP,
    NO_ONLINE_DSO_STEP,
    applicable,
    display_units,
    frame,
)
from forlab.studies.ch08_sensitivity.store import KINDS, METHODS

__all__ = [
    "BOUND_READING",
    "NOMINAL_START",
    "ONLINE_DIGITS",
    "OUTLIER_FACTOR",
    "P1_SETTINGS",
    "base_case_text",
    "bound_text",
    "effort_table",
    "findings",
    "negative_text",
    "online_table",
    "p1_offer_text",
    "paper_text",
    "store_text",
    "time_outliers",
    "timing_spread_text",
]


def _page_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a `frame` indexed by variant and method code, in the store's order (the base case once per
    factor; its labels differ per factor, so the index is unique), with the measures that do not apply missing
    (`applicable`)."""
    table = applicable(table)
    t = display_units(table).assign(feasible=np.where(table.feasible.astype(bool), "yes", "no"))
    t.loc[table.error != "", "feasible"] = np.nan  # a failed run has no dispatch to judge
    labels = t.variant_label.str.replace(" %", "\u00a0%")  # "load 80 %" stays on one line
    return t.set_index(pd.MultiIndex.from_arrays([labels, t.method], names=["variant", "method"]))


def _shown(t: pd.DataFrame, digits: dict[str, int], headers: dict[str, str]) -> pd.DataFrame:
    """``t`` with the numbers of ``digits`` as fixed-point text, their thousands grouped (the book's one grouping,
    `forlab.book.tables.grouped`: "1 066.4" ms; missing values stay missing), headers in words."""
    from forlab.book.tables import fixed_columns, printable

    return printable(fixed_columns(t, digits, group=tuple(digits)), headers)


ONLINE_DIGITS = {"deviation_pct": 4, "online": 1, "tso_ms": 1, "dso_ms": 1, "integrated": 1, "time_ratio": 2}
"""The decimals of `online_table`'s numbers (deviation in %, times in ms, the ratio), with which the sentences
(`findings`, `base_case_text`) print the same numbers (`_shown_span`, `_shown_value`): a sentence that rounded
otherwise read "0.07 %" beside the table's 0.0704 and "7 to 8 ms" beside its 6.5 and 8.5."""


def _shown_value(value: float, column: str) -> str:
    """One number of `online_table`'s ``column`` in a sentence, as the table prints it (`ONLINE_DIGITS`, trailing
    zeros kept, thousands grouped; a value that rounds to zero without its sign, `forlab.book.tables.fixed`)."""
    return fixed_text(value, ONLINE_DIGITS[column], group=True)


def _shown_span(values, column: str, unit: str = "") -> str:
    """`forlab.book.tables.span` of ``values`` of `online_table`'s ``column`` as the table prints them
    (`ONLINE_DIGITS`, thousands grouped): "0.0443 to 0.0704 %", "6.5 to 8.5 ms", "1 066.4 ms"; a value that rounds
    to zero without its sign, as in `_shown_value`."""
    return fixed_span(values, ONLINE_DIGITS[column], unit, group=True)


def online_table(table: pd.DataFrame) -> pd.DataFrame:
    """The chapter's first table, one row per variant and method: cost deviation (%), feasibility in the T+D power
    flow, online time with its TSO and DSO parts, the integrated AC-OPF's time in the same run (ms) and the ratio.
    The numbers of `summary`, as text with the digits a reader needs (`ONLINE_DIGITS`); "–": a failed run (see
    `findings`), or the DSO part of a method without a DSO step online (`NO_ONLINE_DSO_STEP`)."""
    headers = {"deviation_pct": "deviation (%)", "feasible": "feasible", "online": "online (ms)",
               "tso_ms": "TSO (ms)", "dso_ms": "DSO (ms)", "integrated": "integrated AC-OPF (ms)",
               "time_ratio": TIME_RATIO}
    return _shown(_page_frame(table), ONLINE_DIGITS, headers)


NOMINAL_START = ("P2",)
"""The methods whose integrated AC-OPF and TSO start from the power flow at nominal load at every load level
(`forlab.p2_surrogate.tso.IntegratedOPF`); the others' start from the one at the variant's load."""


def timing_spread_text(table: pd.DataFrame) -> str:
    """Markdown, the line under `online_table`: the integrated AC-OPF of one variant is one problem, solved and timed
    in each method's run; how far its time moves between the runs that start it alike (largest and median over the
    variants, in % of the fastest), so that a difference between the methods' ratios smaller than that is read as no
    ranking; and which rows start elsewhere (`NOMINAL_START` away from nominal load). "" where no variant was timed
    in two runs from the same start."""
    runs = _distinct_cases(table)
    away = runs.method.isin(NOMINAL_START) & ~np.isclose(runs.load_level.astype(float), 1.0)
    alike = runs[~away & np.isfinite(runs.integrated.astype(float))]
    spread = {}
    for _, g in alike.groupby(["load_level", "n_fpus", "ties"], dropna=False):
        if len(g) >= 2:
            ms = g.integrated.astype(float)
            spread[g.variant_label.iloc[0]] = (100 * (ms.max() / ms.min() - 1), ms)
    if not spread:
        return ""
    label = max(spread, key=lambda k: spread[k][0])
    pct, ms = spread[label]
    median = float(np.median([v[0] for v in spread.values()]))
    text = (f"Each method's run solves and times the variant's integrated AC-OPF itself. From the same start, that "
            f"one problem's time moves between the runs by up to {grouped(pct)} % ({label}: "
            f"{_shown_span(ms, 'integrated', ' ms')}), and by {grouped(median)} % in the median variant. A difference "
            "between two methods' ratios smaller than that is no ranking.")
    others = runs[away]
    if len(others):
        methods = listed(dict.fromkeys(others.method))
        text += (f" {methods}'s rows at {listed(dict.fromkeys(others.variant_label))} start elsewhere: there its "
                 "integrated AC-OPF and its TSO start from the power flow at nominal load, the other methods' from the "
                 "one at the variant's load, so those rows are left out of that spread.")
    return text


def effort_table(table: pd.DataFrame) -> pd.DataFrame:
    """The chapter's second table, one row per variant and method: offline time (s), rounds, kB exchanged and the
    status of the method's own solver; "–": a failed run (its error is in `findings`), or the offline time of a
    method without an offline step (`NO_OFFLINE_STEP`)."""
    digits = {"offline_time_s": 1, "rounds": 0, "kB": 1}
    headers = {"offline_time_s": "offline (s)", "rounds": "rounds", "kB": "exchanged (kB)",
               "method_status": "solver status"}
    return _shown(_page_frame(table), digits, headers)


def _offline_words(method: str, seconds: pd.Series) -> str:
    """A method's offline time in a sentence: "offline 4.5 to 5.0 s", or "no offline step" (`NO_OFFLINE_STEP`)."""
    if method in NO_OFFLINE_STEP:
        return "no offline step"
    return f"offline {span(seconds, partial(grouped, decimals=1), ' s')}"


def findings(table: pd.DataFrame) -> str:
    """Markdown: per factor and method, the range of deviation, the feasible share, the range of the online /
    integrated time ratio and the offline time, then every failed or infeasible run with its status. Every number
    is computed from ``table`` (a `frame` of a store); an empty table says nothing."""
    if table.empty:
        return ""
    lines = []
    for kind in [k for k in KINDS if k in set(table.variant_kind)]:
        sub = table[table.variant_kind == kind]
        labels = ", ".join(dict.fromkeys(sub.sort_values("variant_value").variant_label))
        lines.append(f"**{KINDS[kind][0].upper() + KINDS[kind][1:]}** ({labels}):")
        for method, g in sub.groupby("method", sort=True):
            ok = display_units(g[g.error == ""])
            online, integrated = (_shown_span(ok[c], c, " ms") for c in ("online", "integrated"))
            lines.append(
                f"- {method} {METHODS.get(method, '')}: deviation "
                f"{_shown_span(ok.deviation_pct, 'deviation_pct', ' %')}, feasible after the T+D power flow in "
                f"{int(ok.feasible.sum())} of {len(g)} cases, online time {_shown_span(ok.time_ratio, 'time_ratio')}x "
                f"the integrated AC-OPF ({online} against {integrated}), {_offline_words(method, ok.offline_time_s)}, "
                f"rounds {span(ok.rounds, grouped)}.")
        lines.append("")
    bad = table[(table.error != "") | ~table.feasible.astype(bool)].drop_duplicates(["method", "variant_label"])
    if len(bad):
        lines.append("Runs that failed or whose dispatch violates a limit in the T+D power flow:")
        for _, r in bad.iterrows():
            failed = str(r.get("status", "ok")) not in ("ok", "", NOT_IN_STORE)
            judged = r.n_vm_violations >= 0  # -1: the T+D power flow did not converge, nothing was judged
            what = (r.error if r.error else f"failed ({r.status})" if failed else
                    f"status {r.method_status}, the T+D power flow did not converge" if not judged else
                    f"status {r.method_status}, {violation_words(r)} (largest voltage violation "
                    f"{r.max_vm_violation_pu:.4f} p.u., largest loading {r.max_loading_percent:.1f} %)")
            lines.append(f"- {r.method}, {r.variant_label}: {what}")
    else:
        lines.append("Every run finished, and every dispatch is feasible in the T+D power flow.")
    return "\n".join(lines)


BOUND_READING = ("The book reads the bound as one on the mean over a system's cases (its load levels): a system's mean "
                 "is what compares with it, and a single case above it is no miss by itself.")
"""How the book reads the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``), whose abstract does not say
over what: the one statement of it, under `findings` (`bound_text`) and in chapter 09 (`p1_bound_text`)."""


def bound_text(table: pd.DataFrame) -> str:
    """Markdown, the sentence under `findings`: how P1's finished cases of ``table`` (the base case once) stand
    against the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``, the dotted line of `figure`'s top row):
    how many lie above it, the largest, and the mean over the load levels, which is what the book compares with the
    bound (`BOUND_READING`, as chapter 09's `p1_bound_text` reads it); a single case above it is no miss by itself.
    Apart from `findings`, which chapter 09 shows too, beside its own `p1_bound_text`. "" without a finished P1
    case."""
    p1 = _distinct_cases(table)
    p1 = p1[(p1.method == "P1") & np.isfinite(p1.deviation_pct.astype(float))]
    if p1.empty:
        return ""
    bound, dev = anchors.value("p1_deviation_pct"), p1.deviation_pct.astype(float)
    above = p1[dev > bound]
    worst = (f", the largest {_shown_value(above.deviation_pct.max(), 'deviation_pct')} % "
             f"({above.variant_label[above.deviation_pct.astype(float).idxmax()]})" if len(above) else "")
    levels = table[(table.method == "P1") & (table.variant_kind == "load") & (table.error == "")]
    levels = levels.deviation_pct.astype(float).dropna()
    mean = float(levels.mean()) if len(levels) else np.nan
    where = "above" if mean > bound else "within"
    over = (f"; its mean over {counted(len(levels), 'load level')}, {_shown_value(mean, 'deviation_pct')} %, lies "
            f"{where} it" if len(levels) else "")
    return (f"P1 against its paper's bound, {anchors.show('p1_deviation_pct')} (the dotted line of the top row): "
            f"{grouped(len(above))} of {counted(len(p1), 'case')} lie above it{worst}{over}. {BOUND_READING}")


def negative_text(table: pd.DataFrame) -> str:
    """`forlab.opf.outcome.negative_sentence` for the finished runs of ``table`` (a `frame` of a store; the base case counted once)
    whose judged deviation is negative; empty without one. That function writes the deviation at the precision that
    shows it, where the tables and the other sentences (`ONLINE_DIGITS`) print a small one as 0.0000, and says so."""
    runs = _distinct_cases(table)
    neg = runs[runs.deviation_pct.astype(float) < 0]
    return negative_sentence([(f"{r.method} {METHODS.get(r.method, '')}, {r.variant_label}", float(r.deviation_pct))
                              for r in neg.itertuples()])


OUTLIER_FACTOR = 3.0
"""`time_outliers` names a run whose online time is more than this many times the median of its method's other
runs: the fastest of repeated solves leaves tens of percent between cases of one method, so three times is no
scatter but one slow part of that run."""

PARTS = {"tso_ms": "TSO", "dso_ms": "DSO"}
"""The parts of the online time (`online_table`'s TSO and DSO columns) by their header."""

DSO_PART = {"P1": "the slowest DSO's dispatch",
            "P3": ("per round the slowest region's local NLP and the slowest region's reduction, the TS region "
                   "included")}
"""What a method's DSO part of the online time is (P2 has none online). P3's is every region's (`aladin_split`): the
TS region is one of them, so its "DSO" part is not the DSOs' alone."""


def _distinct_cases(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` that ran, each case once: the base case, repeated once per factor, counts once (else a
    run would be compared with copies of itself), with its times in ms (`display_units`)."""
    ok = table[(table.error == "") & np.isfinite(table.solve_time_s.astype(float))]
    return display_units(ok.drop_duplicates(["method", "load_level", "n_fpus", "ties"]))


def _part_sentence(r, others: pd.DataFrame) -> str:
    """Which part of the online time (TSO or DSO) makes an outlier ``r`` slow against ``others``, its method's other
    runs, with both parts and the integrated AC-OPF's time of the same run beside the others' ranges. A method
    without a DSO step online (`NO_ONLINE_DSO_STEP`) has one part: no DSO part of 0.0 ms is set beside it."""
    own, ms = 1e3 * float(r.integrated_solve_time_s), 1e3 * others.integrated_solve_time_s.astype(float)
    integrated = (f"the integrated AC-OPF of the same run {_shown_value(own, 'integrated')} ms "
                  f"({_shown_span(ms, 'integrated', ' ms')})")
    if r.method in NO_ONLINE_DSO_STEP:
        return f"It has no DSO step online: its TSO solve is all of its online time, and {integrated}."
    excess = {c: float(r[c]) - float(others[c].median()) for c in PARTS}
    slow = max(excess, key=excess.get)
    what = f", {DSO_PART[r.method]}," if slow == "dso_ms" and r.method in DSO_PART else ""
    fast = next(c for c in PARTS if c != slow)
    usual = others[fast].min() <= r[fast] <= others[fast].max() and ms.min() <= own <= ms.max()
    return (f"Its {PARTS[slow]} part{what} took {_shown_value(r[slow], slow)} ms ({r.method}'s other runs: "
            f"{_shown_span(others[slow], slow, ' ms')}). Its {PARTS[fast]} part took {_shown_value(r[fast], fast)} ms "
            f"({_shown_span(others[fast], fast, ' ms')}), and {integrated}"
            + (", within the others' range. " if usual else ". ")
            + f"So the {PARTS[slow]} part makes the difference.")


def time_outliers(table: pd.DataFrame) -> str:
    """Markdown: every run whose online time is more than `OUTLIER_FACTOR` times the median of its method's other
    runs (the base case counted once), with the part of its time (TSO or DSO) that makes it slow and the integrated
    AC-OPF's time in the same run; a sentence that none stands out; "" for an empty table. Such a run sets the top
    of its method's online / integrated range in `findings` and stands out in the figure's middle row. The store
    keeps each part's time, not why a solve was slow."""
    runs = _distinct_cases(table)
    if runs.empty:
        return ""
    lines = []
    for _, r in runs.iterrows():
        others = runs[(runs.method == r.method) & (runs.index != r.name)]
        if others.empty or r.online <= OUTLIER_FACTOR * others.online.median():
            continue
        lines.append(
            f"- {r.method} {METHODS.get(r.method, '')}, {r.variant_label}: online {_shown_value(r.online, 'online')} "
            f"ms ({_shown_value(r.time_ratio, 'time_ratio')}x the integrated AC-OPF), "
            f"{r.online / others.online.median():.1f}x the median of {r.method}'s other runs "
            f"({_shown_value(others.online.median(), 'online')} ms); in the figure, {r.method}'s marker for "
            f"{r.variant_label} in the middle row of the {FACTORS[r.variant_kind]} column. "
            + _part_sentence(r, others))
    if not lines:
        return (f"No run's online time is more than {OUTLIER_FACTOR:g} times the median of its method's other runs "
                "(the base case counted once).")
    return (f"Online times far above their method's other runs (more than {OUTLIER_FACTOR:g} times their median, "
            "the base case counted once). The store keeps the time of each part, not why a solve was slow.\n\n"
            + "\n".join(lines))


def _spread_sentence(kind: str, g: pd.DataFrame, flat: Sequence[str] = ()) -> str:
    """The sentence of `base_case_text` for one factor: the methods whose deviation spans the widest and the
    narrowest range (max - min over every value of the factor, not just its two ends: a deviation need not move
    monotonically), ties named together; "" unless a method ran on two values of the factor. The methods ``flat``
    (`_flat_methods`), said once for every factor, are left out of the ranking."""
    piv = g.pivot_table(index="method", columns="variant_value", values="deviation_pct")
    piv = piv[piv.notna().sum(axis=1) >= 2]
    others_ran = bool(set(piv.index) & set(flat))
    piv = piv[~piv.index.isin(list(flat))]
    if piv.empty:
        return ""
    lo, hi, lab = piv.min(axis=1), piv.max(axis=1), dict(zip(g.variant_value, g.variant_label))
    spread = hi - lo
    over = f"\nAcross {listed(lab[v] for v in sorted(lab))} ({FACTORS[kind]}) the deviation"

    def spans(methods) -> str:
        return listed(f"{m} ({_shown_span([lo[m], hi[m]], 'deviation_pct', ' %')})" for m in methods)

    # a tie is a tie to round-off: the ranges are differences of judged costs
    widest = [m for m in piv.index if np.isclose(spread[m], spread.max(), rtol=1e-9, atol=0.0)]
    narrowest = [m for m in piv.index if np.isclose(spread[m], spread.min(), rtol=1e-9, atol=0.0)]
    if len(piv) == 1:
        m = piv.index[0]
        alone = "." if others_ran else " (no other method ran on two of its values)."
        return f"{over} of {m} spans {_shown_span([lo[m], hi[m]], 'deviation_pct', ' %')}{alone}"
    if len(widest) == len(piv):
        return f"{over} spans ranges of the same width for {spans(piv.index)}."
    return f"{over} spans the widest range for {spans(widest)}, the narrowest for {spans(narrowest)}."


def base_case_text(table: pd.DataFrame) -> str:
    """Markdown: the base case of every method (deviation, online against integrated time, offline time, rounds,
    kB), then per factor with at least two values the method whose deviation spans the widest and the narrowest
    range over the factor's values (`_spread_sentence`). Every number is computed from ``table`` (a `frame` of a
    store); a base case that finished without an exception yet failed says its status instead (a failed case is
    never a number)."""
    ok = table[(table.error == "")]
    base = display_units(ok[ok.is_base]).drop_duplicates("method").set_index("method")
    lines = []
    if len(base):
        lines.append(f"In the base case of {base.system.iloc[0]} ({base.variant_label.iloc[0]}, "
                     f"{int(base.n_fpus.iloc[0])} FPUs per DS, "
                     f"meshed DSs with {grouped(base.ds_buses.iloc[0])} DS buses):")
        for m, r in base.iterrows():
            if r.status != "ok":
                lines.append(f"- {m} {METHODS[m]}: {r.status}.")
                continue
            dev, online, integrated, ratio = (_shown_value(r[c], c) for c in
                                              ("deviation_pct", "online", "integrated", "time_ratio"))
            lines.append(f"- {m} {METHODS[m]}: deviation {dev} %, online {online} ms against {integrated} ms for the "
                         f"integrated AC-OPF ({ratio}x), {_offline_words(m, pd.Series([r.offline_time_s]))}, "
                         f"{counted(r.rounds, 'round')}, {grouped(r.kB, 1)} kB.")
    flat = _flat_methods(ok)
    if flat:  # said once here, not as the narrowest range under every factor
        lines.append(f"\nThe deviation of {listed(flat)} prints as "
                     f"{listed(_shown_span(ok[ok.method == m].deviation_pct, 'deviation_pct', ' %') for m in flat)} "
                     "in every variant; the ranges below rank the other methods.")
    for kind in ("load", "fpus", "meshing"):
        if sentence := _spread_sentence(kind, ok[ok.variant_kind == kind], flat):
            lines.append(sentence)
    return "\n".join(lines)


def _flat_methods(ok: pd.DataFrame) -> list[str]:
    """The methods whose deviation prints as one value (`_shown_span`, the tables' digits) over every variant of
    ``ok`` (finished rows), where they ran on two values of a factor: their range under every factor is that one
    value, so `base_case_text` says it once instead of naming them the narrowest under each factor."""
    flat = []
    for m, g in ok.groupby("method", sort=True):
        dev = g.deviation_pct.astype(float).dropna()
        # one value as the tables print it, compared as numbers, not read from how a span is worded
        if dev.empty or pd.Series(as_printed(dev, ONLINE_DIGITS["deviation_pct"])).nunique() != 1:
            continue
        if (g.dropna(subset=["deviation_pct"]).groupby("variant_kind").variant_value.nunique() >= 2).any():
            flat.append(m)
    return flat


def _rows_words(st: xr.Dataset) -> str:
    """How many rows a store holds and what they are: one per variant and method, the base case's run repeated
    under each factor it belongs to (`run_sensitivity` runs a shared case once), so fewer runs than rows."""
    t = frame(st)
    runs = len(t.drop_duplicates(["method", "load_level", "n_fpus", "ties"]))
    factors = int(t[t.is_base].variant_kind.nunique())
    base = f", the base case's run repeated under each of the {factors} factors" if factors > 1 else ""
    return f"{st.sizes['run']} rows, one per variant and method: {counted(runs, 'run')}{base}"


def store_text(st: xr.Dataset) -> str:
    """Markdown, one sentence on a store: rows (and runs, `_rows_words`), commit, the study's wall time and the
    machine's load."""
    return (f"The store holds {_rows_words(st)} (chapter {st.attrs['chapter']}, commit `{short_commit(st.attrs)}`); the "
            f"study took {grouped(st.attrs['study_wall_time_s'])} s, with a load average (1 min) of "
            f"{st.attrs['load_average_start']:.1f} at the start and {st.attrs['load_average_end']:.1f} at the end on "
            f"{st.attrs['cpu_count']} cores.")


def paper_text(big: xr.Dataset | None) -> str:
    """Markdown: where a paper-scale store comes from (path relative to the repository, commit, date) and how long its
    study took (`paper_origin`), then how many rows it has in a sentence of its own, in `store_text`'s words; without
    a store, how to make one."""
    if big is None:
        return missing_profile_text("08_sensitivity")
    study = (f"study {grouped(big.attrs['study_wall_time_s'] / 60, 1)} min, load average "
             f"{big.attrs['load_average_start']:.1f} at the start and {big.attrs['load_average_end']:.1f} at the end "
             f"on {big.attrs['cpu_count']} cores")
    return f"{paper_origin(big, study)} The store holds {_rows_words(big)}."


P1_SETTINGS = {"n_directions": "p1_n_directions", "face_grid": "p1_face_grid", "n_labelled": "p1_n_labelled",
               "n_cost": "p1_n_cost"}
"""The settings that build P1's offers (`forlab.studies.ch05_coordination.case_study` and its fit options): chapter
05's parameter -> this chapter's. Chapter 05 does not set the polynomial degrees: its fit chooses among the defaults
of `forlab.p1_for.representation.build_offer`; this chapter's ``p1_degrees`` are its choice."""


SETTING_HEADERS = {"n_directions": "FOR directions", "face_grid": "targets per box face",
                   "n_labelled": "labelled points", "n_cost": "cost OPFs"}
"""The header of each of `P1_SETTINGS` in `p1_offer_text`'s table of the two runs' settings."""


def _settings_row(values: dict, names: dict[str, str], degrees: str) -> list[str]:
    """One run's row of `p1_offer_text`'s settings table, from its parameters ``values`` (``names``: `P1_SETTINGS`'
    keys -> the run's parameter names); ``degrees``: the polynomial degrees its fit chooses among, in words."""
    n, grid, labelled, cost = (values[names[k]] for k in P1_SETTINGS)
    return [grouped(n), f"{grid} × {grid}", grouped(labelled), grouped(cost), degrees]


def _budget_words(mine: dict, theirs: dict, pairs: list[tuple[str, float, float]]) -> str:
    """Whether P1's judged deviation follows the offer budget between this run (``mine``) and chapter 05's
    (``theirs``): the run whose every setting of `P1_SETTINGS` is at least the other's has the larger budget, and
    the deviation follows it where that run's is the smaller at every load level of ``pairs`` (label, here,
    there)."""
    ours = [float(mine[v]) for v in P1_SETTINGS.values()]
    five = [float(theirs[k]) for k in P1_SETTINGS]
    if ours == five:
        return ""
    if all(a >= b for a, b in zip(five, ours)):
        larger, better = "chapter 05's", [lab for lab, here, there in pairs if there < here]
    elif all(a >= b for a, b in zip(ours, five)):
        larger, better = "this run's", [lab for lab, here, there in pairs if here < there]
    else:
        return "Neither run's budget is the larger in every setting, so the two say nothing on the budget."
    if len(better) == len(pairs):
        return (f"The larger budget, {larger}, gives the smaller deviation at every load level here; two offers of "
                "one DS are too few to call that a trend.")
    worse = listed(lab for lab, *_ in pairs if lab not in better)
    where = f"at {listed(better)}, the larger at {worse}" if better else "at none of the load levels"
    return (f"The deviation does not follow the budget here: the larger budget, {larger}, gives the smaller deviation "
            f"{where}. A difference between the two runs says how far two offers of one DS can lie apart, not "
            "what a factor does.")


def p1_offer_text(st: xr.Dataset | None, p1_store: xr.Dataset | None) -> str:
    """Markdown: where this chapter's store ``st`` and chapter 05's ``p1_store`` (`chapter_05_store`) hold a finished
    P1 case of the same system and load level (this chapter's load variants), how each run builds P1's offers, as a
    two-row table read from the two stores' ``parameters`` attributes (`P1_SETTINGS`, `_settings_row`), P1's judged
    deviation in each, one item per load level, and whether that deviation follows the offer budget
    (`_budget_words`): the same code with other settings, so another offer and another deviation. "" without
    either store or such a case, or where a store lacks the parameters."""
    from forlab.book.tables import table
    from forlab.p1_for.polynomial import DEGREES

    if st is None or p1_store is None:
        return ""
    mine, theirs = (json.loads(x.attrs.get("parameters", "{}")) for x in (st, p1_store))
    t, there = frame(st), table(p1_store, "case")
    here = t[(t.method == "P1") & (t.variant_kind == "load") & (t.error == "") & np.isfinite(t.deviation_pct)]
    there = there[(there.status == "ok") & np.isfinite(there.deviation_pct.astype(float))]
    pairs = []
    for r in here.sort_values("load_level").itertuples():
        same = there[(there.system == r.system) & np.isclose(there.level.astype(float), r.load_level)]
        if len(same):
            pairs.append((r.variant_label, float(r.deviation_pct), float(same.deviation_pct.iloc[0])))
    wanted = [*P1_SETTINGS.values(), "p1_degrees"]
    if not pairs or any(k not in mine for k in wanted) or any(k not in theirs for k in P1_SETTINGS):
        return ""
    default = DEGREES  # chapter 05 leaves the degrees to the fit, whose default they are
    same = all(mine[v] == theirs[k] for k, v in P1_SETTINGS.items()) and list(mine["p1_degrees"]) == list(default)
    rows = {"this run": _settings_row(mine, P1_SETTINGS, listed(map(str, mine["p1_degrees"]))),
            "chapter 05's run": _settings_row(theirs, {k: k for k in P1_SETTINGS},
                                              f"{listed(map(str, default))} (the fit's defaults)")}
    headers = ["run", *SETTING_HEADERS.values(), "degrees chosen among"]
    grid = [f"| {' | '.join(headers)} |", f"|{'---|' * len(headers)}",
            *(f"| {' | '.join([run, *cells])} |" for run, cells in rows.items())]
    settings = "the same settings" if same else "other settings"
    deviations = [f"- {lab}: {_shown_value(a, 'deviation_pct')} % here, {_shown_value(b, 'deviation_pct')} % there"
                  for lab, a, b in pairs]
    head = (f"{{doc}}`05_coordination` ran P1 on {here.system.iloc[0]} too (`{p1_store.attrs.get('store_path', '')}`), "
            f"with the same code (`forlab.studies.ch05_coordination.case_study`) and {settings}:")
    names = (f"This chapter's parameters are {listed(f'`{v}`' for v in wanted)}; chapter 05's are "
             f"{listed(f'`{k}`' for k in P1_SETTINGS)}, and it leaves the degrees to "
             "`forlab.p1_for.representation.build_offer`. P1's judged deviation in the two runs:")
    budget = "" if same else _budget_words(mine, theirs, pairs)  # "" where only the degrees differ
    return "\n".join([head, "", *grid, "", names, "", *deviations, *(["", budget] if budget else [])])
