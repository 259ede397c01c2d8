"""Sentences and printed tables of chapter 07: every ``*_text`` writes the chapter's result sentences
(Markdown) from a store or the tables of `forlab.studies.ch07_aladin.readers`, every ``*_shown`` formats such
a table as the chapter prints it (columns in words, small numbers as 1.2×10⁻⁵ by `sci_text`, "–" where a
target was not reached).
"""

from __future__ import annotations

import dataclasses
import json
from functools import partial

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.store import origin_text
from forlab.book.tables import (
    TitledTable,
    as_printed,
    counted,
    fixed,
    fixed_columns,
    fixed_text,
    grouped,
    listed,
    page_index,
    printable,
    span,
)
from forlab.opf.judge import MAX_VIOLATION_UNIT
from forlab.studies.ch07_aladin.readers import (
    FIT_R2_MIN,
    LOOSE_CONSENSUS,
    LOOSE_GAP,
    MODE_WORDS,
    SLOPE_CONFIDENCE,
    STATUS_WORDS,
    TARGET_CONSENSUS,
    TARGET_GAP,
    failed_runs,
    family_fits,
    fitted,
    frame,
    growth_bound,
    growth_fit,
    judged_verdict,
    left_out,
    message_summary,
    raised,
    run_label,
    runs,
    study_table,
    termination,
)
from forlab.studies.ch07_aladin.systems import FAMILY_WORDS, family

__all__ = ["DEVIATION_ROW", "DEVIATION_UNKNOWN", "DIVERGENCE_FACTOR", "FEASIBLE_ROW", "FIELD_WORDS",
           "INTEGRATED_SOLVE", "NOISE_DECIDES", "NOT_RECORDED", "NO_VERDICT", "RATIO_DIGITS", "ROUNDS_TIME",
           "ROUNDS_TITLES", "ROUND_UNITS", "SECONDS_DIGITS", "STOP_JUDGED", "SUPERSCRIPT", "TARGETS_WORDS",
           "TARGET_DIGITS", "TARGET_NAMES", "TARGET_WORDS", "WALL_DIGITS", "WALL_RATIOS", "WALL_TIMES", "WALL_TITLE",
           "WHOLE_RUN", "admm_cap_text", "admm_shown", "admm_target_text", "admm_text", "alternation_text",
           "claim_text", "convergence_shown", "dask_overhead_text", "fmt_iteration", "full_profile_tables",
           "full_profile_text", "growth_shown", "growth_text", "judged_text", "kkt_text", "latency_comm_text",
           "latency_shown", "latency_text", "limit_passes_shown", "messages_shown", "nonconvergence_text",
           "overhead_range_text", "overhead_shown", "paired_text", "power_text", "provenance_text", "published_text",
           "regions_shown", "rejected_text", "rounds_shown", "rounds_tables", "sci_text", "seconds_text",
           "shown_anchor", "stop_text", "store_text", "targets17_text", "targets_shown", "targets_text",
           "wall_dash_text", "wall_times_shown", "wall_times_tables", "whole_numbers", "whole_run_s"]


_TEN = 10
"""The base of the powers `power_text` writes (notation, not a figure)."""


def power_text(v: float, tex: bool = True) -> str:
    """A tolerance as a power of ten: "10^{-4}" (TeX, for prose between $ signs) or "10⁻⁴" (for a table); a mantissa
    other than one is kept ("2.5\\times 10^{-4}", "2.5×10⁻⁴")."""
    mantissa, exponent = _decimal_parts(v)
    mantissa = mantissa.removesuffix(".0")
    power = f"{_TEN}^{{{exponent}}}" if tex else f"{_TEN}{str(exponent).translate(SUPERSCRIPT)}"
    return power if mantissa == "1" else mantissa + ("\\times " if tex else "×") + power


def _decimal_parts(v: float) -> tuple[str, int]:
    """The mantissa (one decimal, as text) and the exponent of ``v`` in scientific notation: ("4.8", -7)."""
    mantissa, exponent = f"{v:.1e}".split("e")
    return mantissa, int(exponent)


def _target_words(consensus: float = TARGET_CONSENSUS, gap: float = TARGET_GAP) -> str:
    """The stopping target in prose: "gap $\\le 10^{-4}$ and consensus $\\le 10^{-6}$"."""
    return f"gap $\\le {power_text(gap)}$ and consensus $\\le {power_text(consensus)}$"


def targets_text(tg: pd.DataFrame, max_iter: int) -> str:
    """Markdown saying which systems meet the targets within ``max_iter`` rounds, one list item each (`_met_words`:
    the round that first met them, the rounds it ran and the wall time of all those rounds, said of the rounds run:
    `targets` does not time the rounds to the target alone), then one paragraph per system that does not."""
    ok, bad = tg[tg.met], tg[~tg.met]
    head = (f"With the default options, {len(ok)} of {len(tg)} systems reach consensus "
            f"$\\le {power_text(TARGET_CONSENSUS)}$ and gap $\\le {power_text(TARGET_GAP)}$ within "
            f"{grouped(max_iter)} rounds")
    lines = [head + (":\n\n" + "\n".join(f"- {_met_words(r)}" for r in ok.itertuples()) if len(ok) else ".")]
    for r in bad.itertuples():
        if raised(r.status):
            lines.append(f"{r.system} does not: its run failed ({r.status}).")
            continue
        more = ""
        if not np.isnan(r.ext_max_iter):
            more = (f" Allowed {grouped(r.ext_max_iter)} rounds, it "
                    + (f"reaches the target after {grouped(r.ext_it_target)}." if not np.isnan(r.ext_it_target)
                       else f"ends with gap {sci_text(r.ext_gap)} ({_status_words(r.ext_status)})."))
        lines.append(f"{r.system} does not: after {grouped(r.iterations)} rounds ({_status_words(r.status)}) its "
                     f"gap is {sci_text(r.gap)} and its consensus {sci_text(r.consensus)}.{more}")
    return "\n\n".join(lines)


def _met_words(r) -> str:
    """A system of `targets_text` that met the target: "**case9:3**: target first met in round 9; 10 rounds run in
    1.42 s (set-up left out)", the time that of every round run (``total_s``, at the tables' precision,
    `seconds_text`), not of the rounds to the target. The label is bold: a label with its areas holds a colon of its
    own, and "case9:3: target" read as one run of colons."""
    return (f"**{r.system}**: target first met in round {grouped(r.it_target)}; {counted(r.iterations, 'round')} "
            f"run in {seconds_text(r.total_s)} s (set-up left out)")


def _status_words(status: str) -> str:
    """A run's status in words (`STATUS_WORDS`: "round limit" for ``max_iter``), other statuses as they are."""
    return STATUS_WORDS.get(status, status)


def fmt_iteration(v: float) -> str:
    """'after N' or 'never' for a count of rounds that may be NaN."""
    return "never" if np.isnan(v) else f"after {grouped(v)}"


def store_text(st: xr.Dataset, table: pd.DataFrame) -> str:
    """Markdown: which store the chapter reads, in the book's one store line (`forlab.book.store.origin_text`), and
    what its runs (``table``, `convergence_table`) cover: those of the tables below (`study_table`) and those of
    the growth systems (`growth_only`), which only the coordinator's growth reads, so that the count is not taken
    for the tables' rows."""
    growth = len(table) - len(study_table(st, table))
    covers = (f", {len(table) - growth} in the tables below and {growth} of the growth systems" if growth
              else ", all in the tables below")
    return f"{origin_text(st)}: {counted(len(table), 'run')}{covers}."


def kkt_text(kk: pd.DataFrame) -> str:
    """One paragraph per system (Markdown): how ALADIN-alpha's QP ends against the default QP."""
    return "\n\n".join(
        f"{r.system}: ALADIN-$\\alpha$'s QP ends with gap {sci_text(r.gap)} and consensus {sci_text(r.consensus)} "
        f"after {grouped(r.iterations)} rounds ({_status_words(termination(r))}); the default QP "
        + (f"reaches the target after {grouped(d.it_target)}." if not np.isnan(d.it_target)
           else f"ends with gap {sci_text(d.gap)}.")
        for r in kk[kk.qp == "kkt"].itertuples()
        for d in kk[(kk.qp == "reduced") & (kk.system == r.system)].itertuples())


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci_text(v: float) -> str:
    """``v`` in scientific notation for a table: "4.8×10⁻⁷" (no break inside, no LaTeX), "0" for zero."""
    if not np.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    mantissa, exponent = _decimal_parts(v)
    return f"{mantissa}×10{str(exponent).translate(SUPERSCRIPT)}"


def _sci(frame: pd.DataFrame, columns=("gap", "consensus"),
         counts=("iterations", "it_loose", "it_target")) -> pd.DataFrame:
    """``frame`` with the given columns written as 1.2×10⁻⁵ (`sci_text`), and its round ``counts`` (where
    present) as whole numbers (`whole_numbers`) with a missing value where a target was not reached."""
    frame = frame.copy()
    for c in columns:
        frame[c] = frame[c].map(sci_text)
    for c in counts:
        if c in frame:
            frame[c] = whole_numbers(frame[c])
    return frame


def whole_numbers(values) -> np.ndarray:
    """Counts (rounds, rows, buses, bytes) as the chapter's tables print them: whole numbers with their thousands
    grouped (`forlab.book.tables.fixed`, the book's one grouping: "2 000" rounds beside "1 569.1" ms), missing where
    a target was not reached or a run has none."""
    return fixed(pd.Series(values, dtype=float), 0, group=True).to_numpy()


TARGETS_WORDS = {"it_loose": "loose target at round", "it_target": "target at round"}
"""The two targets of the tables: loose (`LOOSE_CONSENSUS`, `LOOSE_GAP`) and the stopping target
(`TARGET_CONSENSUS`, `TARGET_GAP`); "–": not reached."""


def convergence_shown(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The convergence table as the chapter prints it, in two tables that fit the column, one row per system and
    run (`run_label`; a longer re-run says its round limit) each: rounds, the rounds of the two targets ("–": not
    reached), final gap and consensus (`sci_text`); then the wall time of the rounds (`ROUNDS_TIME`), the time per
    round and the integrated AC-OPF's whole run, model build and solve (`INTEGRATED_SOLVE`, the reference of every
    ratio on the page; its Ipopt solve alone beside the rounds' wall time would invite the ratio the page calls
    unsound), each column in one unit."""
    t = _sci(table)
    extended = t.max_iter > t.groupby(["system", "algorithm", "qp", "mode"]).max_iter.transform("min")
    t["run"] = [run_label(r) + (f", limit {grouped(r.max_iter)}" if e else "")
                for r, e in zip(t.itertuples(), extended)]
    t["time_per_iter_ms"] = fixed(1e3 * t.time_per_iter_s, 1, group=True).to_numpy()
    t["central_wall_s"] = fixed(t.central_wall_s, WALL_DIGITS["central_wall_s"], group=True).to_numpy()
    t["total_s"] = fixed(t.total_s, SECONDS_DIGITS, group=True).to_numpy()
    t = t.set_index(["system", "run"])
    return (printable(t, {"iterations": "rounds", **TARGETS_WORDS, "gap": "final gap",
                          "consensus": "final consensus"}),
            printable(t, {"total_s": ROUNDS_TIME, "time_per_iter_ms": "time per round (ms)",
                          "central_wall_s": INTEGRATED_SOLVE}))


INTEGRATED_SOLVE = "integrated AC-OPF, build and solve (s)"
"""The column of the integrated AC-OPF's whole run, its model build and its solve (the book's name for the
centralized AC-OPF, as chapters 05, 06, 08, 09 and 12 call it; the glossary keeps "centralized" as its gloss): in
the convergence table (`convergence_shown`) and the whole runs' table (`WALL_TIMES`) alike."""


def regions_shown(st: xr.Dataset) -> pd.DataFrame:
    """The partition table of a store (``area_*``) as the chapter prints it, one row per system and region. It fits
    the 688 px column of a 1280 px window (it was 768 px wide): the system names may break after "+"
    (`forlab.book.tables.page_index`), and the widest header word may hyphenate, "con-sensus" (a soft hyphen, shown
    only where the line breaks)."""
    t = frame(st, "area")
    t.index = page_index(t.system, t.region, names=["system", "region"])
    headers = {"core_buses": "core buses", "copy_buses": "copy buses", "branches": "branches",
               "cut_branches_owned": "rated ties it limits", "units": "units", "variables": "variables",
               "consensus_rows": "con\u00adsensus rows it is in"}
    return printable(t.assign(**{c: whole_numbers(t[c]) for c in headers}), headers)


TARGET_NAMES = {
    "coordinator_ms": "coordinator time per round",
    "coordinator_slope": "growth of the coordinator time with the coupling rows",
    "wall_ratio": "whole-run wall time with parallel regions (Dask: the regions' set-up and the rounds)",
    "rounds": "rounds to {stop}",
}
"""What each target of `targets17` measures, in words (the ``{name}`` of `TARGET_WORDS`; ``{stop}``: the row's gap
and consensus targets, `_target_words`)."""

TARGET_WORDS = {
    "coordinator_ms": "{name} on {system}: {value} ms against at most {limit:g} ms",
    "coordinator_slope": "{name} {scope}: log-log slope {value}, at most {upper:.2f} at {level:.0%} confidence, "
                         "against at most {limit:g} (linear)",
    "wall_ratio": "{name} on {system}: {value}x the integrated AC-OPF's (model build and solve) against at "
                  "most {limit:g}x",
    "rounds": "{name} on {system}: first met in round {value} against at most {limit:g}, every local solve "
              "succeeded",
}
"""How `targets17_text` says each measured target (Markdown templates; ``{value}`` as `TARGET_DIGITS` prints it). A
wall-time target's says its verdict alone, in one short sentence; its parts (`_parts_words`) and its paired repeats
(`_paired_words`) follow in sentences of their own."""

FLOOR_WORDS = "the regions' own work alone (set-up, and the slowest region's NLP and reduction in every round)"
"""The floor of a wall-time target in words (`_parts_words`; the paragraph *The floor* defines it)."""

TARGET_DIGITS = {"coordinator_ms": 1, "coordinator_slope": 2, "wall_ratio": 1, "rounds": 0}
"""The decimals of each target's measured value in `targets17_text`, its thousands grouped
(`forlab.book.tables.grouped`): a coordinator time past a second reads "1 066.4 ms", a round past a thousand "1 200"."""


def targets17_text(t17: pd.DataFrame) -> str:
    """One Markdown bullet per row of `targets17`: met / missed with the measured number, or not run; every target
    named in words (`TARGET_NAMES`)."""
    lines = []
    for r in t17.itertuples():
        name = TARGET_NAMES[r.target].format(stop=_stop_words(r))
        if r.met is None and r.target == "coordinator_slope":
            lines.append(f"- not judged: the coordinator's growth {_fit_scope(r)}, " + (
                "too few systems to bound its slope" if np.isnan(r.upper) else
                f"log-log slope {r.value:.2f}, at most {r.upper:.2f} at {SLOPE_CONFIDENCE:.0%} confidence"
                + (_pooled_fit_words(r) or _unbounded_words(r))))
            continue
        if r.met is None:
            lines.append(f"- not measured here: {name} on {r.system} (no such run in this store)")
            continue
        if getattr(r, "error", ""):
            lines.append(f"- **missed**: {name} on {r.system}: the run failed ({r.error})")
            continue
        if r.target == "rounds" and not np.isfinite(r.value):
            why = "a local NLP failed in some round" if r.nlp_ok == 0 else "the stopping test was not reached"
            lines.append(f"- **missed**: {name} on {r.system}: {why}")
            continue
        lines.append(f"- **{'met' if r.met else 'missed'}**: " + TARGET_WORDS[r.target].format(
            name=name, system=r.system, value=grouped(r.value, TARGET_DIGITS[r.target]), limit=r.limit,
            upper=getattr(r, "upper", np.nan), level=SLOPE_CONFIDENCE, scope=_fit_scope(r),
            ) + _parts_words(r) + _paired_words(r) + _stopped_words(r))
    return "\n".join(lines)


def _pooled_fit_words(r) -> str:
    """For the growth fit over all systems, why it is not judged, whatever its $R^2$ (the one rule of
    `forlab.studies.ch07_aladin.readers.targets17`: across different networks the coupling rows change together
    with everything else), with the share of the variance of log time it explains; "" for a family's fit (a weak
    one is a flat family, judged by its bound)."""
    if r.target != "coordinator_slope" or r.system != "all":
        return ""
    return (f": a fit pooled over different networks does not judge growth, whatever its $R^2$ (here "
            f"{getattr(r, 'fit_r2', np.nan):.2f}); only a family's fit, over one network, does")


def _unbounded_words(r) -> str:
    """For a growth fit whose slope is within the target and whose bound is not (unjudged by
    `forlab.studies.ch07_aladin.readers.targets17`): that its systems neither show nor rule out the target."""
    if r.target != "coordinator_slope" or not r.value <= r.limit < r.upper:
        return ""
    return (f": the fitted slope is within the target (at most {r.limit:g}, linear) and its bound is not, so "
            f"{'these' if r.systems > 1 else 'this'} {r.systems:.0f} systems neither show nor rule out the target")


def _stop_words(r) -> str:
    """The gap and consensus targets a row of `targets17` counts rounds to (`_target_words`; the chapter's own where
    the row has none)."""
    gap, consensus = getattr(r, "gap", np.nan), getattr(r, "consensus", np.nan)
    return _target_words(TARGET_CONSENSUS if np.isnan(consensus) else consensus, TARGET_GAP if np.isnan(gap) else gap)


def _parts_words(r) -> str:
    """A wall-time target's parts, in a sentence after its verdict: what the regions' own work alone (the floor,
    `FLOOR_WORDS`) took; for a missed target also the set-up's share of the floor and the coordinator alone (its
    time summed over the run, ``coordinator``), each against the integrated AC-OPF's whole run and each said above
    or below the target, so that neither part is steered away from (a floor above the target is right of the bound
    in the wall-time figure, whose caption says only what its marks are); "" for other targets."""
    if r.target != "wall_ratio":
        return ""
    floor = getattr(r, "floor", np.nan)
    if not np.isfinite(floor):
        return ""
    if r.met:
        return f". Of its parts, {FLOOR_WORDS} took {floor:.1f}x"
    setup = getattr(r, "setup", np.nan)
    said = [f"{FLOOR_WORDS} took {floor:.1f}x" + (f", of which the set-up {setup:.1f}x" if np.isfinite(setup) else "")
            + f", {_side(floor, r.limit)} the target" + (" (in the wall-time figure, right of the bound)"
                                                         if floor > r.limit else "")]
    coordinator = getattr(r, "coordinator", np.nan)
    if np.isfinite(coordinator):
        same = _side(coordinator, r.limit) == _side(floor, r.limit)
        said.append(f"the coordinator alone (its time summed over the run) {coordinator:.1f}x, "
                    f"{_side(coordinator, r.limit)} {'it too' if same else 'the target'}")
    return ". Of its parts, " + "; ".join(said)


def _side(value: float, limit: float) -> str:
    """"above" or "below" a target's limit (at the limit reads below: within it)."""
    return "above" if value > limit else "below"


def _stopped_words(r) -> str:
    """For a rounds target: the round in which the run stopped by its test
    (`forlab.studies.ch07_aladin.readers.targets17` ``stopped``), which can come after the round that first met the
    gap and consensus targets (the run's consensus can rise above them again before its test, which asks for a small
    step as well, passes); "" for other targets and rows without the column."""
    stopped = getattr(r, "stopped", None)
    if r.target != "rounds" or stopped is None:
        return ""
    if not np.isfinite(stopped):
        return "; the run did not stop by its test within its rounds"
    if stopped == r.value:
        return "; the run stopped by its test in that round"
    return f"; the run stopped by its test in round {grouped(stopped)}"


NOISE_DECIDES = "the machine's noise, not the method, decides this reading"
"""What a wall-time target's line says where its paired repeats lie on both sides of the target (`_paired_words`):
there the same run reads met or missed by the repeat."""


def _paired_words(r) -> str:
    """For a wall-time target whose run was timed in pairs (`forlab.studies.ch07_aladin.study.paired_runs`): the
    range of its repeats' ratios, each to the integrated AC-OPF's build and solve timed just before it (not a solve
    alone), and whether that range lies on one side of the target; `NOISE_DECIDES` where the range itself straddles the target, and where the range and the
    judged ratio lie on opposite sides of it, why they do, with no side of the target named, so that the pairs do
    not read as a second verdict (`_opposite_words`); in a sentence of its own after the verdict; "" otherwise
    (other targets, stores without pairs)."""
    low, high = getattr(r, "paired_low", np.nan), getattr(r, "paired_high", np.nan)
    if r.target != "wall_ratio" or not (np.isfinite(low) and np.isfinite(high)):
        return ""
    within, above = high <= r.limit, low > r.limit
    pairs = (f". Its repeats, each against an integrated build and solve timed just before it, read {low:.1f} to "
             f"{high:.1f}x")
    if (within and r.value > r.limit) or (above and r.value <= r.limit):
        return pairs + _opposite_words(higher=above)
    return pairs + (", within the target as well" if within else ", above the target as well" if above
                    else f", on both sides of the target: {NOISE_DECIDES}")


def _opposite_words(higher: bool) -> str:
    """Why a wall-time target's paired repeats and its judged ratio lie on opposite sides of the target, the pairs
    ``higher`` than the judged ratio or lower: not noise, as the page explains the gap (its paragraph *Paired
    repeats*; `paired_text` measures the halves). The judged ratio's Dask time is the fastest repeat's own, so the
    pair of that repeat differs from it only in its integrated half: pairs all lower mean that every half, timed
    beside the cluster, ran slower than the baseline (timed before any cluster was up); pairs all higher mean that
    the half of the fastest repeat ran faster. The verdict stays the judged ratio's (the rule; the pairs explain it,
    they do not judge)."""
    why = ("the integrated half timed beside its fastest repeat, the run the judged ratio takes, ran faster than "
           "the baseline timed before any cluster was up" if higher else
           "the integrated halves timed beside the cluster ran slower than the baseline timed before any cluster "
           "was up")
    return (f", {'higher' if higher else 'lower'} than the judged ratio, because {why} (*Paired repeats*, above); "
            "the verdict uses the judged ratio")


def stop_text(rt: pd.DataFrame, system: str) -> str:
    """Markdown: how ALADIN's in-process run (default QP) on ``system`` ended, from `rounds_table` ``rt``: stopped by
    its test or not within its rounds, the round of the target (gap and consensus) or that it never reached it,
    whether a local NLP failed, and its coordinator's limit passes with the round trips they took (where logged);
    "" when ``rt`` has no ALADIN run of ``system``."""
    row = rt[rt.system == system]
    if row.empty or not np.isfinite(row.aladin_rounds.iloc[0]):
        return ""
    r = row.iloc[0]
    text = (f"On {system}, ALADIN stopped by its test after {grouped(r.aladin_rounds)} rounds" if r.aladin_converged
            else f"On {system}, ALADIN did not stop by its test within its {grouped(r.aladin_rounds)} rounds")
    text += (f", having first reached {_target_words()} in round {grouped(r.aladin_target)}"
             if np.isfinite(r.aladin_target)
             else f", and did not reach {_target_words()}")
    if r.aladin_nlp_ok == 0:
        text += "; a local NLP failed in some round"
    if not r.aladin_passes > 0:
        return text + "."
    trips = f" and asked the regions in {grouped(r.aladin_trips)} round trips" if np.isfinite(r.aladin_trips) else ""
    return (text + f". Its coordinator re-solved its QP {grouped(r.aladin_passes)} times for the limits its steps "
            f"would cross (limit passes){trips}; every pass is one more QP solve, which shows in its coordinator time.")


def alternation_text(it: pd.DataFrame, system: str, min_rounds: int = 6) -> str:
    """Markdown: the last stretch of ``system``'s in-process ALADIN run (default QP) in which its consensus violation
    rose again in every other round (a cycle between two kinds of step, which only the rounds that fall bring
    closer), and in which of its rounds the coordinator's step was the exact Newton step on its face (the log's
    ``newton`` 1; a fraction of it is not); "" when no stretch alternates for ``min_rounds`` rounds, or the store has
    no such run. ``it``: the store's per-round logs (`forlab.studies.ch07_aladin.readers.iterations`)."""
    log = _inprocess_log(it, system)
    if log.empty:
        return ""
    rises = np.diff(log.consensus.to_numpy()) > 0  # rises[j]: row j + 1 against row j
    stretch = _last_alternation(rises, min_rounds)
    if stretch is None:
        return ""
    k, e = stretch
    rounds = log.iteration.to_numpy()
    # the steps taken in those rounds: row j's step led to row j + 1
    exact = rounds[k:e + 1][np.nan_to_num(log.newton.to_numpy()[k:e + 1]) >= 1.0]
    steps = ("none of the coordinator's steps in those rounds was" if not len(exact) else
             f"in {_rounds_words(exact)} the coordinator's step was")
    until = (f"to its last, round {grouped(rounds[-1])}" if e == len(rises) - 1 else
             f"to round {grouped(rounds[e + 1])} (of its {grouped(rounds[-1])})")
    return (f"On {system}, from round {grouped(rounds[k])} {until}, the consensus violation rose again in every other "
            f"round; {steps} the exact Newton step on the face of its active limits.")


def _last_alternation(rises: np.ndarray, min_rounds: int) -> tuple[int, int] | None:
    """The last stretch ``(k, e)`` of at least ``min_rounds`` entries of ``rises`` in which every entry differs from
    the one before (rises and falls in turn), ``e`` inclusive; None when there is none."""
    e = len(rises) - 1
    while e >= 0:
        k = e
        while k > 0 and rises[k] != rises[k - 1]:
            k -= 1
        if e - k + 1 >= min_rounds:
            return k, e
        e = k - 1
    return None


def _inprocess_log(it: pd.DataFrame, system: str) -> pd.DataFrame:
    """The per-round log of ``system``'s first in-process ALADIN run with the default QP and no latency, in round
    order (empty when the store holds none). ``it``: `forlab.studies.ch07_aladin.readers.iterations`."""
    log = it[(it.system == system) & (it.algorithm == "aladin") & (it.qp == "reduced")
             & (it["mode"] == "inprocess") & (it.latency_ms == 0)]
    return log[log.run == log.run.iloc[0]].sort_values("iteration") if len(log) else log


DIVERGENCE_FACTOR = 10.0
"""A run whose consensus violation passes this many times its first round's is said to diverge (dimensionless):
its iterates moved away from a solution, where a stalled run's stay near one level."""


def nonconvergence_text(it: pd.DataFrame, systems) -> str:
    """Markdown: how the in-process ALADIN run (default QP) of each of ``systems`` (runs that did not converge
    within the round limit) ended, from its per-round log: diverged (its consensus violation passed
    `DIVERGENCE_FACTOR` times its first round's: in which round, and where it ended) or stalled (the range of its
    consensus violation over its last half), and from which round a local NLP failed; "" for none."""
    sentences = []
    for system in systems:
        log = _inprocess_log(it, system)
        if log.empty:
            continue
        c, rounds = log.consensus.to_numpy(), log.iteration.to_numpy()
        grown = np.flatnonzero(c > DIVERGENCE_FACTOR * c[0])
        if len(grown):
            text = (f"On {system} the run diverged: its consensus violation, {_level_text(c[0])} in round "
                    f"{grouped(rounds[0])}, passed {DIVERGENCE_FACTOR:g} times that in round "
                    f"{grouped(rounds[grown[0]])} and was {_level_text(c[-1])} in its last round, "
                    f"{grouped(rounds[-1])}")
        else:
            tail = c[len(c) // 2:]
            text = (f"On {system} the run stalled: from round {grouped(rounds[len(c) // 2])} to its last, round "
                    f"{grouped(rounds[-1])}, its consensus violation stayed between {_level_text(tail.min())} and "
                    f"{_level_text(tail.max())}")
        sentences.append(text + _failed_words(log) + ".")
    return " ".join(sentences)


def _level_text(v: float) -> str:
    """A consensus violation in prose: two significant digits from 0.01 to 99 ("1.1", "42"; Python writes 300 with
    two of them as "3e+02"), else `sci_text`."""
    return f"{v:.2g}" if 1e-2 <= abs(v) < 100 else sci_text(v)


def _failed_words(log: pd.DataFrame) -> str:
    """"; from round 6 on, a local NLP failed in every round" (or in how many rounds, from which) for a run's log
    with rounds whose local NLPs did not all succeed (the log's ``nlp_ok`` 0), else ""."""
    failed = log.iteration.to_numpy()[log.nlp_ok.to_numpy() == 0]
    if not len(failed):
        return ""
    if failed[-1] - failed[0] + 1 == len(failed) and failed[-1] == log.iteration.max():
        return f"; from round {grouped(failed[0])} on, a local NLP failed in every round"
    return f"; a local NLP failed in {grouped(len(failed))} of its rounds, the first in round {grouped(failed[0])}"


def _rounds_words(rounds) -> str:
    """"round 4", "rounds 4 and 6", "rounds 4, 6 and 8"."""
    names = [grouped(r) for r in rounds]
    return f"{'round' if len(names) == 1 else 'rounds'} {listed(names)}"


def _fit_scope(r) -> str:
    """Which systems a growth fit of `targets17` is over, in words ("" for a row that is not a fit)."""
    if r.target != "coordinator_slope":
        return ""
    if r.system == "all":
        return f"over all {r.systems:.0f} converged systems"
    return f"within the family {r.system} ({FAMILY_WORDS[r.kind]}, {r.systems:.0f} systems)"


def growth_text(growth: pd.DataFrame, its: pd.DataFrame | None = None) -> str:
    """The fitted growth of the coordinator time (Markdown; empty with fewer than two systems): the range of the
    coordinator times over the converged systems with the systems at its top (the endpoints in coupling rows would
    hide the slowest), then the fit against the coupling rows over all systems, with the slope's upper bound
    (`growth_bound`) and the share of the variance the fit explains (below `FIT_R2_MIN` said first, and its slope
    said to describe no growth), and the systems left out, with how their runs ended when the store's per-round logs ``its`` are
    given (`nonconvergence_text`); then within every family (`family_fits`), and, where the store logs the QP's
    size, against the work of the dense QP (`coordinator_growth`'s ``qp_work``, k d^2 for k near limits and d free
    directions) that the coordinator solves, said in words: in the chapter's family names k counts areas or ties
    ("case118:k", "418-k")."""
    fits = family_fits(growth).set_index("family")
    slope, r2 = fits.slope["all"], fits.r2["all"]
    if not np.isfinite(slope):
        return ""
    ok = fitted(growth)
    top = ok.nlargest(2 if len(ok) > 2 else 1, "coordinator_ms")
    text = (f"Over the {len(ok)} converged systems the coordinator takes "
            f"{span(ok.coordinator_ms, partial(grouped, decimals=1), ' ms')} per round, the most on "
            + listed([f"{r.system} ({grouped(r.coordinator_ms, 1)} ms, {grouped(r.coupling_rows)} coupling rows)"
                      for r in top.itertuples()]) + ". ")
    fit = f"{slope:.2f}{_bound_words(fits.upper['all'])}"
    if r2 < FIT_R2_MIN:  # no relation: its slope is no growth, and the sentence says so before it gives it
        text += (f"Against the coupling rows, on the log-log scale, a line explains a share {r2:.2f} of the "
                 f"variance of the log times ($R^2$, below {FIT_R2_MIN:g}): across these systems the coupling rows "
                 f"are not what drives the time, and the line's slope, {fit}, describes no growth.")
    else:
        text += (f"Against the coupling rows, on the log-log scale, the slope is {fit} "
                 f"(1: linear in the coupling rows), and the line explains a share {r2:.2f} of the variance of the "
                 "log times ($R^2$); pooled over different networks, it judges no growth (the target list below).")
    left = left_out(growth)
    if len(left):
        text += (f" Left out of every fit, as their runs did not converge within the round limit (their rounds are "
                 f"not those of a run to a solution): {', '.join(left)}.")
        if its is not None:
            text += " " + nonconvergence_text(its, left)
    for name, f in fits.drop("all").iterrows():
        text += (f" Within the family {name} ({FAMILY_WORDS[f.kind]}; {f.systems} systems, "
                 f"{span([f.rows_min, f.rows_max], grouped, ' coupling rows')}) the slope is "
                 f"{f.slope:.2f}{_bound_words(f.upper)}.")
    w_slope, _, w_r2 = growth_fit(growth, "qp_work") if "qp_work" in growth else (np.nan,) * 3
    if np.isfinite(w_slope):
        text += (f" Against the work of the dense QP the coordinator solves, its near limits times the square of its "
                 f"free directions, the slope is {w_slope:.2f} with $R^2$ {w_r2:.2f}")
        text += (_work_words(w_slope, growth_bound(growth, "qp_work")) if w_r2 >= FIT_R2_MIN and w_r2 > r2
                 else ".")
    return text


def _work_words(slope: float, upper: float) -> str:
    """What a fit of the coordinator time against the dense QP's work shows, where it explains more than the fit
    against the coupling rows: that the time goes with the QP's size (a correlation) and how it grows with that work
    (the point slope against 1, proportional; below 1 with the slope's upper bound, `growth_bound`, where it has
    one). Nothing about why the QP has that size: the fit does not test it."""
    if slope >= 1:
        how = "at least in proportion to it (a slope of one or more)"
    elif not np.isfinite(upper):
        how = "more slowly than in proportion to it (a slope below one)"
    elif upper < 1:
        how = f"more slowly than in proportion to it (a slope below one{_bound_words(upper)})"
    else:
        how = f"more slowly than in proportion to it in this slope, though one is not ruled out{_bound_words(upper)}"
    return f": the coordinator's time goes with the size of the QP it solves, and grows {how}."


def _bound_words(upper: float) -> str:
    """", at most 1.23 at 95 % confidence" for a finite upper bound of a slope, else ""."""
    return f", at most {upper:.2f} at {SLOPE_CONFIDENCE:.0%} confidence" if np.isfinite(upper) else ""


def growth_shown(growth: pd.DataFrame) -> pd.DataFrame:
    """`coordinator_growth` as the chapter prints it, one row per system in family order (`family`; "–" for a
    system of no fitted family, `family_fits`: a family of fewer than `FAMILY_MIN` converged members names no
    family here, as `growth_figure` draws its systems grey among "systems of no fitted family"): coupling rows,
    the coordinator QP's mean size (free directions, near limits), its mean time per round (ms) and whether the
    run converged (only those are fitted, `fitted`)."""
    fits = set(family_fits(growth).family) - {"all"}
    t = growth.assign(family=[f[0] if (f := family(s)) and f[0] in fits else "–" for s in growth.system])
    t = t.sort_values(["family", "coupling_rows"], kind="stable").set_index("system")
    t.index = page_index(t.index, names=["system"])
    for c in ("coupling_rows", "free_directions", "limit_rows"):
        t[c] = whole_numbers(t[c])
    t["coordinator_ms"] = fixed(t.coordinator_ms, 1, group=True).to_numpy()
    if "converged" in t:
        t["converged"] = t.converged.map({True: "yes", False: "no"})
    return printable(t, {"family": "family", "coupling_rows": "coupling rows", "free_directions": "free directions",
                         "limit_rows": "near limits", "coordinator_ms": "coordinator (ms per round)",
                         **({"converged": "converged"} if "converged" in t else {})})


def _rounds_index(rt: pd.DataFrame) -> pd.DataFrame:
    """``rt`` (`rounds_table`) indexed by system, the names breakable after "+" (`forlab.book.tables.page_index`),
    its counts of rounds, passes and trips as whole numbers (`whole_numbers`; missing: not reached or not run)."""
    t = rt.set_index("system").copy()
    t.index = page_index(t.index, names=["system"])
    for c in ("aladin_rounds", "aladin_target", "aladin_passes", "aladin_trips", "admm_rounds", "admm_target"):
        if c in t:
            t[c] = whole_numbers(t[c])
    return t


def rounds_shown(rt: pd.DataFrame) -> pd.DataFrame:
    """`rounds_table` as the chapter prints it, one row per system ("–": target not reached or not run): per
    algorithm its rounds, the round of the target and its stop by its own test, which carries after a semicolon
    the T+D power flow's verdict on its final dispatch (`STOP_JUDGED`, `_stop_judged`). ALADIN's local solves and
    limit passes are a table of their own (`limit_passes_shown`): the ten columns of one table were wider than the
    page's column below a 1400 px window (the reader's review of ci152's build)."""
    t = _rounds_index(rt)
    recorded = t["judged"].eq(True) if "judged" in t else pd.Series(False, index=t.index)
    for algo in ("aladin", "admm"):  # a system the algorithm did not run on has no verdict to be recorded: "–"
        ran = t[f"{algo}_rounds"].notna()
        verdict = _verdict_shown(t.get(f"{algo}_feasible"), recorded | ~ran, _feasible_word)
        t[f"{algo}_converged"] = _stop_judged(t[f"{algo}_converged"], verdict)
    return printable(t, {"aladin_rounds": "ALADIN rounds", "aladin_target": "ALADIN target at round",
                         "aladin_converged": "ALADIN " + STOP_JUDGED, "admm_rounds": "ADMM rounds",
                         "admm_target": "ADMM target at round", "admm_converged": "ADMM " + STOP_JUDGED})


def limit_passes_shown(rt: pd.DataFrame) -> pd.DataFrame:
    """ALADIN's in-process run of each system of `rounds_table` as the chapter prints it beside the rounds
    (`rounds_shown`): whether every local NLP of every round solved, its coordinator's limit passes and the round
    trips to the regions they took ("–" where not logged)."""
    t = _rounds_index(rt)
    t["aladin_nlp_ok"] = t.aladin_nlp_ok.map({1.0: "yes", 0.0: "no"})
    return printable(t, {"aladin_nlp_ok": "every local NLP solved", "aladin_passes": "limit passes",
                         "aladin_trips": "round trips for limits"})


ROUNDS_TITLES = (
    ("**Rounds** of each algorithm in-process (ALADIN with the default QP): its rounds, the first round that met the "
     "target, and whether it stopped by its own test (yes or no), followed after a semicolon by the verdict of the "
     "power flow of the whole system (the book's judge) on its final dispatch; a dash where a target was not reached or the algorithm did not run."),
    ("**Limit passes** of the same ALADIN runs: whether every local NLP solved in every round, how often the "
     "coordinator solved its QP again for the limits its step would cross, and in how many of those passes it asked "
     "the regions (round trips for limits)."))
"""The titles of the two tables of `rounds_tables`, each saying what its columns hold (a key for the short
headers)."""


def rounds_tables(rt: pd.DataFrame) -> list[TitledTable]:
    """The rounds (`rounds_shown`) and ALADIN's limit passes (`limit_passes_shown`) of `rounds_table` ``rt``, each
    under its title (`ROUNDS_TITLES`), as the page shows them one after the other
    (`forlab.book.tables.titled`)."""
    return list(zip(ROUNDS_TITLES, (rounds_shown(rt), limit_passes_shown(rt)), strict=True))


STOP_JUDGED = "stopped by its test; verdict"
"""The rounds table's header of an algorithm's stop by its own test and, after a semicolon, the T+D power flow's
verdict on its final dispatch ("yes; infeasible": it stopped, and the power flow rejects its dispatch; "yes; "
and `NO_VERDICT`: it stopped, but the record counts it as failed); short, so that no word of the header is wider
than the column's cells: the table's title (`ROUNDS_TITLES`) says whose verdict it is."""

NO_VERDICT = "no verdict"
"""What the rounds table says, after "yes; " (`STOP_JUDGED`), of a run that stopped by its own test but that the
record counts as failed (a solve or the T+D power flow failed), whose dispatch has no verdict."""


def _feasible_word(v: float) -> str:
    """A feasibility verdict of 1.0 or 0.0 in a word."""
    return "feasible" if v else "infeasible"


def _stop_judged(converged: pd.Series, verdict: pd.Series) -> pd.Series:
    """"yes" or "no" (stopped by its own test), with "; " and the ``verdict`` (`_verdict_shown`) where there is one.
    A failed run has none: one that did not stop by its test reads "no" alone, one that stopped but whose solve or
    T+D power flow failed reads "yes; " and `NO_VERDICT` (never a bare "yes"); a system the algorithm did not run on
    reads "–" (missing)."""
    stop = converged.map({True: "yes", False: "no"})
    # stopped by its test, yet no verdict: a solve or the power flow failed
    failed = stop.eq("yes") & ~verdict.map(lambda v: isinstance(v, str))
    verdict = verdict.where(~failed, NO_VERDICT)
    said = verdict.map(lambda v: isinstance(v, str))
    return stop.where(~said | stop.isna(), stop + "; " + verdict.astype(str))


NOT_RECORDED = "not recorded"
"""What a table or sentence says of the T+D power flow's verdict where a store written before the judged record
holds none (`forlab.studies.ch07_aladin.readers.judged_verdict`)."""

FEASIBLE_ROW = "feasible in the whole system's power flow"
"""The row (ALADIN against ADMM) of the T+D power flow's verdict on a run's final dispatch
(`forlab.studies.ch07_aladin.readers.judged_verdict`; the rounds table gives it in the stop's column,
`STOP_JUDGED`)."""

DEVIATION_ROW = "deviation from the integrated optimum (%), whole system's power flow"
"""The row (ALADIN against ADMM) of the signed deviation of the judged final dispatch's cost from the integrated
optimum, the book's yardstick beside the algorithms' own final gap."""


def _yes_no(v: float) -> str:
    """A verdict of 1.0 or 0.0 in words."""
    return "yes" if v else "no"


def _verdict_shown(values, recorded: pd.Series, shown) -> pd.Series:
    """A verdict column of `forlab.studies.ch07_aladin.readers.judged_verdict` as a table prints it: each number by
    ``shown``, missing (printed "–") where it is NaN (a failed run has no verdict), `NOT_RECORDED` where
    ``recorded`` is False. ``values``: the column, or None where the table lacks it (an older store's)."""
    v = pd.Series(np.nan if values is None else values, index=recorded.index, dtype=float)
    return v.map(lambda x: shown(x) if np.isfinite(x) else np.nan).where(recorded, NOT_RECORDED)


RATIO_DIGITS = 1
"""The decimals of every ratio to the integrated AC-OPF in the ratios' table of `wall_times_tables`, the paired
range's too; the sentence under it compares the ratios as printed so (`forlab.book.tables.as_printed`)."""

WALL_DIGITS = {"central_wall_s": 3, "inprocess_s": 2, "dask_s": 2, "inprocess_ratio": RATIO_DIGITS,
               "dask_ratio": RATIO_DIGITS, "dask_floor_ratio": RATIO_DIGITS}
"""The decimals `wall_times_shown` prints of each column of `wall_times` (`forlab.book.tables.fixed`: every row of a
column at the same precision, "0.090" and "1.50" with their trailing zeros)."""


WALL_TIMES = {"central_wall_s": INTEGRATED_SOLVE,
              "inprocess_s": "ALADIN in-process, set-up and rounds (s)",
              "dask_s": "ALADIN on Dask, set-up and rounds (s)"}
"""The whole runs of `wall_times` as the first table of `wall_times_tables` heads them (each header says what it
times, ALADIN's "set-up and rounds" as `WHOLE_RUN` says it)."""

WALL_RATIOS = {"inprocess_ratio": "in-process / integrated", "dask_ratio": "Dask / integrated",
               "dask_floor_ratio": "regions alone / integrated", "dask_paired": "paired Dask / integrated"}
"""The ratios of `wall_times` to the integrated AC-OPF's whole run as the second table of `wall_times_tables` heads
them: short (its title says what each one sets against what, `_ratios_title`), so that the table fits the page's
column."""


def wall_times_shown(wt: pd.DataFrame) -> pd.DataFrame:
    """`wall_times` as the chapter reads it, one row per system: the whole runs (s, `WALL_TIMES`) and their ratios to
    the integrated AC-OPF's (`WALL_RATIOS`), the Dask run's floor (its regions' own work alone against the integrated
    whole run) and, in a store with paired repeats, the range of the Dask repeats' ratios each to an integrated build
    and solve timed beside it; every column at one precision (`WALL_DIGITS`); the system names may break after "+"
    (`forlab.book.tables.page_index`). The page prints it as two tables, times and ratios (`wall_times_tables`):
    as one it was wider than the page's column (the reader's review of ci152's build)."""
    digits = {c: n for c, n in WALL_DIGITS.items() if c in wt}
    t = fixed_columns(wt.set_index("system"), digits, group=tuple(digits))
    t.index = page_index(t.index, names=["system"])
    order = ("central_wall_s", "inprocess_s", "inprocess_ratio", "dask_s", "dask_ratio", "dask_floor_ratio")
    if "dask_paired_low" in t and t.dask_paired_low.notna().any():  # a store with paired repeats
        ratio = partial(grouped, decimals=RATIO_DIGITS)
        t["dask_paired"] = [span([lo, hi], ratio) if np.isfinite(lo) and np.isfinite(hi) else None
                            for lo, hi in zip(t.dask_paired_low, t.dask_paired_high)]
        order += ("dask_paired",)
    names = WALL_TIMES | WALL_RATIOS
    return printable(t, {c: names[c] for c in order})


def _ratios_title(paired: bool) -> str:
    """The title of the ratios' table of `wall_times_tables`, a key to its short headers (`WALL_RATIOS`); the paired
    column's words only where the table has it."""
    pairs = ("; paired Dask: the lowest and highest ratio of the Dask run's repeats, each to an integrated build "
             "and solve timed just before it" if paired else "")
    return ("**Against the integrated AC-OPF**: each of ALADIN's whole runs above over the integrated AC-OPF's; "
            "regions alone: the Dask run's set-up and, in every round, its slowest region's local NLP and reduction, "
            f"as if the coordinator and the communication cost nothing (a floor){pairs}.")


WALL_TITLE = ("**Whole runs** per system, by the wall clock: the integrated AC-OPF's model build and solve, and "
              "ALADIN's set-up of the regions and its rounds, in-process (regions one after another) and on Dask "
              "(regions in parallel).")
"""The title of the whole runs' table of `wall_times_tables`."""


def wall_times_tables(wt: pd.DataFrame) -> list[TitledTable]:
    """`wall_times_shown` as the page prints it: the whole runs (`WALL_TIMES`, under `WALL_TITLE`), then their ratios
    to the integrated AC-OPF's (`WALL_RATIOS`, under `_ratios_title`), each table within the page's column."""
    shown = wall_times_shown(wt)
    times = shown[[c for c in WALL_TIMES.values() if c in shown]]
    ratios = shown[[c for c in WALL_RATIOS.values() if c in shown]]
    return [(WALL_TITLE, times), (_ratios_title(WALL_RATIOS["dask_paired"] in shown), ratios)]


def wall_dash_text(wt: pd.DataFrame, st: xr.Dataset) -> str:
    """Markdown under `wall_times_tables`: what a "–" in their Dask columns means, where a row of `wall_times` has
    no Dask run (the page's other dashes mean a target not reached): the ``kkt_systems`` that are not among the
    ``systems`` run in-process only, and without "dask" among the ``modes`` no system runs there; "" where every row
    ran on Dask."""
    missing = wt.system[~np.isfinite(wt.dask_s.astype(float))]
    if missing.empty:
        return ""
    params = json.loads(st.attrs["parameters"])
    why = ("the `kkt_systems` run in-process only" if "dask" in params["modes"]
           else "this run's `modes` leave out `\"dask\"`")
    return f"“–” in the two tables above: not run on Dask ({why}: {listed(missing)})."


MARGINAL = 1.5
"""The largest ratio of one whole run to another that this chapter calls a marginal slowdown (forlab's reading of
the P3 paper's word, which its abstract does not quantify): at most half as long again."""


def claim_text(wt: pd.DataFrame) -> str:
    """Markdown: the P3 paper's headline claim (a marginal slowdown with the regions on separate machines, against
    the centralized approach, this book's integrated AC-OPF, and against the distributed one on a single machine)
    held against `wall_times`: the range and median of the Dask runs' ratio to the integrated AC-OPF's whole run and
    to the same ALADIN run in one process, and on how many systems each is marginal (`MARGINAL`); "" without a Dask
    run. Every ratio is said to be of whole runs (set-up and rounds, `whole_run_s`): the page also gives the Dask
    runs' time per round against the in-process runs', a ratio without the set-up. A ratio of at most one is no
    slowdown and is said so (`_no_slowdown`). It ends with whether the claim holds, against each reference on the
    systems where the slowdown is marginal, and under which condition: the Dask workers are processes on one machine
    without added latency (`_holds`); the store's latency sweep (``wt.attrs["latency"]``,
    `forlab.studies.ch07_aladin.readers.latency_slowdowns`), the chapter's only stand-in for separate machines, says
    what its rounds took with the latency (`_latency_claim`)."""
    both = wt[np.isfinite(wt.dask_ratio)]
    if both.empty:
        return ""
    central = both.dask_ratio
    one = both.dask_inprocess_ratio.dropna()
    # each reading counted once (`_marginal_on`): its sentence and the conclusion (`_holds`) say the same count
    on = {"central": _marginal_on(central), "one": _marginal_on(one) if len(one) else ""}
    said = [(f"**The P3 paper's claim, held against this store.** It reports a marginal slowdown with the regions on "
            f"separate machines; this chapter calls a slowdown marginal up to {MARGINAL:g}x "
            f"(`forlab.studies.ch07_aladin.text.MARGINAL`, its own reading: the abstract gives no number), and a "
            f"ratio of at most one no slowdown. "
            + _against(central, "the integrated AC-OPF's model build and solve", on["central"],
                       "ALADIN's whole run on Dask (the regions' set-up and the rounds)"))]
    if len(one):
        said.append(_against(one, "the whole of the same ALADIN run in one process (the distributed approach on a "
                                  "single machine; *The price of Dask* sets the two per round, without the set-up)",
                             on["one"]))
    said.append(_holds(on["central"], on["one"]))
    said.append(_latency_claim(wt.attrs.get("latency", {})))
    return " ".join(said)


def _against(ratios: pd.Series, reference: str, marginal: str, run: str = "ALADIN's whole run on Dask") -> str:
    """One sentence of `claim_text`: the Dask runs' ratios to ``reference``, whole run (set-up and rounds, as
    ``run`` names it) against whole run, over their systems, and on how many they are marginal (``marginal``, as
    `_marginal_on` counts it)."""
    return (f"Against {reference}, {run} took {ratios.min():.1f}x to {ratios.max():.1f}x (median "
            f"{ratios.median():.1f}x over {len(ratios)} systems): marginal {marginal}{_no_slowdown(ratios)}.")


def _no_slowdown(ratios: pd.Series) -> str:
    """On how many of the systems counted marginal (`_marginal_on`) the Dask run took no longer than its reference
    (a ratio of at most one: no slowdown, so never called one): ", no slowdown at all on 6 of them"; "" on none."""
    faster, n = int((ratios <= 1).sum()), len(ratios)
    if not faster:
        return ""
    return f", no slowdown at all on {'every one' if faster == n else f'{faster}'} of them"


def _marginal_on(ratios: pd.Series) -> str:
    """On how many of their systems (one ratio each) the ``ratios`` are marginal (`MARGINAL`): "on every system",
    "on none", "on 3 of 11 systems"."""
    marginal, n = int((ratios <= MARGINAL).sum()), len(ratios)
    return ("on every system" if marginal == n else "on none" if marginal == 0
            else f"on {marginal} of {n} systems")


def _holds(central: str, one: str) -> str:
    """The conclusion of `claim_text`, from the two readings its sentences gave (`_marginal_on`, counted once):
    on how many systems the claim holds against the same run in one process (``one``; "" where the store has no
    such run) and against the integrated AC-OPF (``central``), under the only condition the store ran it in: the
    Dask workers are processes on one machine, without added latency (the claim is about separate machines)."""
    against = [f"against the integrated AC-OPF {central}"]
    if one:
        against.insert(0, f"against the same run in one process {one}")
    return (f"So on this store the claim is shown only without added latency on one machine (the Dask workers are "
            f"processes on it): there it holds {listed(against)}.")


def _latency_claim(lat: dict) -> str:
    """What the claim's conclusion (`_holds`) has of separate machines: the emulated latency sweep of
    `forlab.studies.ch07_aladin.readers.latency_slowdowns` ``lat``, its rounds' slowdown against the zero-latency
    run at each latency (as the sweep's table prints it, two decimals) and whether that is marginal (`MARGINAL`),
    or that the store has no sweep."""
    if not lat.get("latency_ms"):
        return "This store emulates no latency, so it does not show the claim for separate machines."
    steps = [f"{s:.2f}x at {ms:g} ms" for ms, s in zip(lat["latency_ms"], lat["slowdown"])]
    beyond = [ms for ms, s in zip(lat["latency_ms"], lat["slowdown"]) if s > MARGINAL]
    verdict = (f"beyond marginal at {listed([f'{ms:g} ms' for ms in beyond])}, so the claim is not shown for "
               "separate machines" if beyond else "marginal at every latency of the sweep")
    return (f"With the emulated wide-area latency (*Emulated wide-area latency*), the slowdown of the rounds on "
            f"{lat['system']} against its zero-latency run is {listed(steps)} one way: {verdict}.")


def _fastest_of(n: int, what: str) -> str:
    """"one build" for a single one, "the fastest of 3 builds" for more."""
    return f"one {what}" if n == 1 else f"the fastest of {n} {what}s"


def paired_text(wt: pd.DataFrame, repeats: int, builds: int = 1) -> str:
    """Markdown: how the paired ratios of `wall_times_shown` stand to the judged ones. Each pair's integrated half
    is one build and one solve, the judged ratio's integrated time the fastest of ``builds`` builds and of
    ``repeats`` solves (`forlab.opf.outcome.integrated_baseline`; the store's rule, `timing_rule`) with no cluster
    up: the median over the systems of those halves against that time beside the in-process and the Dask runs
    (`wall_times` ``*_paired_central``), and, where the halves beside Dask ran slower in the median over the
    systems, what that does to the paired Dask ratios, system by system: a system whose halves (their median) took
    longer than the baseline has its paired ratios pushed below the judged one, a system whose halves took less,
    above it (whether each is slower than beside the in-process runs does not matter). "" for a store without
    pairs."""
    beside = {mode: wt[f"{mode}_paired_central"].dropna() for mode in ("inprocess", "dask")
              if f"{mode}_paired_central" in wt}
    beside = {mode: s for mode, s in beside.items() if len(s)}
    if "dask" not in beside:
        return ""
    words = [f"a median {s.median():.2f}x as long beside the {MODE_WORDS.get(mode, mode)} runs ({s.min():.2f}x "
             f"to {s.max():.2f}x over the systems)" for mode, s in beside.items()]
    text = (f"The judged ratio (the column {WALL_RATIOS['dask_ratio']}, by which the targets are judged) sets the "
            f"fastest Dask run (set-up and rounds) against the integrated build and solve timed when the study loaded "
            f"its systems, before any cluster was started: {_fastest_of(builds, 'build')}, and "
            f"{_fastest_of(repeats, 'solve')}. Each pair's integrated half is one build and one solve. Against that "
            f"time the halves took {' and '.join(words)}.")
    dask, inprocess = beside["dask"].median(), beside.get("inprocess", pd.Series(dtype=float)).median()
    if not dask > 1:
        return text
    halves = beside["dask"]
    slower, faster = halves[halves > 1], halves[halves <= 1]
    where = ("on the one system" if len(halves) == 1 else f"on every one of the {len(halves)} systems"
             if faster.empty else f"on {len(slower)} of the {len(halves)} systems")
    cores = (" In the median over the systems they also took longer than beside the in-process runs: on Dask the "
             "cluster's scheduler and workers share the machine's cores with the integrated build and solve."
             if dask > inprocess else "")
    others = ""
    if len(faster):
        names = (listed(list(wt.system[faster.index])) if "system" in wt
                 else "one other system" if len(faster) == 1 else f"{len(faster)} other systems")
        others = f", and those of {names}, where they took less, above it"
    reach = _paired_reach(wt)
    noise = f"The machine's noise can outweigh {'both' if others else 'it'}"
    if reach.empty:
        said = f" {noise}."
    elif reach.eq("lower").all() and not others:  # every system reads as the halves push it: no noise outweighs
        said = f" As printed, {_paired_sides(reach)}."
    else:
        said = f" {noise}: {_paired_sides(reach)}."
    # one short sentence per step (the reader's review: the one sentence they made was too long to follow)
    return (f"{text} Beside Dask, the integrated halves took longer than that time (in each system's median) "
            f"{where}. That alone would put those systems' paired Dask ratios below the judged one{others}.{cores}"
            f"{said} The judged ratio sets ALADIN on its cluster against the integrated AC-OPF as it runs alone.")


def _paired_reach(wt: pd.DataFrame) -> pd.Series:
    """Where each system's paired Dask range of `wall_times` stands to its judged ratio, both as the ratios' table
    prints them (`RATIO_DIGITS`, `forlab.book.tables.as_printed`, so that the sentence agrees with the table): "lower" (its highest below the judged
    ratio), "reaches" (its highest prints as the judged ratio) or "above", indexed by system (by row without a
    ``system`` column); empty without pairs."""
    columns = ["dask_ratio", "dask_paired_low", "dask_paired_high"]
    if not set(columns) <= set(wt.columns):
        return pd.Series(dtype=object)
    paired = wt.dropna(subset=columns)
    high, judged = (as_printed(paired[c], RATIO_DIGITS) for c in ("dask_paired_high", "dask_ratio"))
    return pd.Series(np.select([high < judged, high == judged], ["lower", "reaches"], "above"), dtype=object,
                     index=paired.system if "system" in paired else paired.index)


def _paired_sides(reach: pd.Series) -> str:
    """How the paired Dask ratios stand to the judged ratio, system by system (`_paired_reach`, not empty): "on
    every one of the 11 systems each paired ratio reads lower than the judged one", or on how many they do, while on
    which systems the paired range reaches the judged ratio (a tie as printed) and on which it reaches above it."""
    lower = reach[reach == "lower"]
    if len(lower) == len(reach):
        return f"on every one of the {len(reach)} systems each paired ratio reads lower than the judged one"
    said = ([f"on {len(lower)} of the {len(reach)} systems each paired ratio reads lower than the judged one"]
            if len(lower) else [])
    judged = "it" if said else "the judged one"
    for side, words in (("reaches", "reaches"), ("above", "reaches above")):
        if (reach == side).any():
            said.append(f"on {listed(list(reach.index[reach == side]))} the paired range {words} {judged}")
    return said[0] + (f", while {listed(said[1:])}" if len(said) > 1 else "")


def admm_cap_text(st: xr.Dataset) -> str:
    """Which systems ran ADMM with a lower round cap than ``admm_max_iter`` (`admm_max_iter_for`) and whether it
    stopped by its own test there (Markdown); "" when none did (and for stores written before the cap)."""
    if "admm_large_buses" not in st.attrs:
        return ""
    table = runs(st)
    full = json.loads(st.attrs["admm_options"])["max_iter"]
    capped = table[(table.algorithm == "admm") & (table.max_iter < full)]
    if capped.empty:
        return ""
    words = [f"{r.system} ({'stopped by its test' if r.converged else 'not converged'} after "
             f"{grouped(r.iterations)})" for r in capped.itertuples()]
    return (f"ADMM runs at most {grouped(capped.max_iter.max())} rounds on the systems above "
            f"{grouped(st.attrs['admm_large_buses'])} buses instead of {grouped(full)} (a cost limit of this profile, "
            f"not a tuning): {', '.join(words)}.")


def overhead_shown(over: pd.DataFrame) -> pd.DataFrame:
    """`dask_overhead` as the chapter prints it, one row per system (and Dask mode, when there are several: "case118:3,
    Dask"), every column at one precision (`forlab.book.tables.fixed`) and headed in one header row, the column of
    systems too (`forlab.book.tables.one_header_row`)."""
    o = over.copy()
    o["mode"] = o["mode"].map(lambda m: MODE_WORDS.get(m, m))
    o["same"] = o["same iterations"].map({True: "yes", False: "no"})  # none for a failed row
    digits = {"in-process (ms/it)": 1, "Dask (ms/it)": 1, "ratio": 2}
    o = fixed_columns(o, digits, group=tuple(digits))
    several = o["mode"].nunique() > 1
    o.index = pd.Index([f"{s}, {m}" if several else s for s, m in zip(o.system, o["mode"])])
    return printable(o, {"in-process (ms/it)": "in-process (ms per round)", "Dask (ms/it)": "Dask (ms per round)",
                         "ratio": "ratio Dask / in-process", "same": "same rounds"}).rename_axis(
        "system, mode" if several else "system")


def dask_overhead_text(over: pd.DataFrame, n_workers: int) -> str:
    """The range of `dask_overhead` ratios in one sentence (Markdown; empty without Dask runs), over the systems
    whose runs did not raise; those that did are named (`_failed_text`)."""
    ok, bad = failed_runs(over)
    if not len(ok):
        return _failed_text(bad)
    return (f"Across the systems, a Dask round takes {ok.ratio.min():.2f}x to {ok.ratio.max():.2f}x the time of an "
            f"in-process one on this machine ({n_workers} worker processes on the cores the machine gives; regions "
            f"beyond the number of workers share a process). The regions' compute runs in parallel there, the "
            f"messages cost serialisation and a scheduler round trip." + _failed_text(bad, " "))


def _failed_text(bad: pd.DataFrame, before: str = "") -> str:
    """The rows of `dask_overhead` or `latency_sweep` whose runs raised (`failed_runs`), named in one sentence with
    their statuses and left out of the numbers ("" for none), after ``before``."""
    if not len(bad):
        return ""
    where = [r.system if "system" in bad else _latency_words(r) for r in bad.itertuples()]
    runs_ = "; ".join(f"{w} ({r.failed})" for w, r in zip(where, bad.itertuples()))
    return (before + f"{'These runs' if len(bad) > 1 else 'This run'} failed and "
            f"{'are' if len(bad) > 1 else 'is'} left out of these numbers: {runs_}.")


def latency_shown(lat: pd.DataFrame) -> pd.DataFrame:
    """`latency_sweep` (with its per-round columns) as the chapter prints it, one row per one-way latency (its name
    in the one header row, `forlab.book.tables.one_header_row`): rounds, their wall time (`ROUNDS_TIME`), slowdown, and the communication
    (measured and predicted) and QP time per round."""
    out = lat.copy()
    for c in ("iterations", "comm_ms", "comm_predicted_ms", "qp_ms"):  # none for a failed row
        out[c] = whole_numbers(out[c])
    digits = {"total_s": SECONDS_DIGITS, "slowdown": 2}
    out = fixed_columns(out, digits, group=tuple(digits))
    out.index = pd.Index([f"{v:g}" for v in out.latency_ms])
    return printable(out, {"iterations": "rounds", "total_s": ROUNDS_TIME, "slowdown": "slowdown",
                           "comm_ms": "communication per round (ms)",
                           "comm_predicted_ms": "predicted communication per round (ms)",
                           "qp_ms": "coordinator per round (ms)"}).rename_axis("latency (ms)")


def latency_text(lat: pd.DataFrame, system: str) -> str:
    """The largest latency of `latency_sweep` against the first, in one sentence (Markdown; empty without runs):
    its rounds and their wall time (``total_s``, the rounds alone, which the sentence says: the whole runs of
    `wall_times` add the set-up), over the runs that did not raise; those that did are named (`_failed_text`)."""
    ok, bad = failed_runs(lat)
    if len(ok) < 2:
        return _failed_text(bad)
    lo, hi = ok.iloc[0], ok.iloc[-1]
    base = f" ({_latency_words(lo)})" if lo.latency_ms else ""  # the zero-latency run failed
    return (f"At {hi.latency_ms:g} ms one way, {system} needs {grouped(hi.iterations)} rounds, which take "
            f"{seconds_text(hi.total_s)} s instead of {seconds_text(lo.total_s)} s{base} (the rounds alone: the "
            "regions' set-up, which the whole runs of *Scaling* add, is left out of this sweep): ALADIN's few rounds "
            "keep the slowdown to "
            f"{hi.total_s / lo.total_s:.1f}x, where an algorithm that needs hundreds of rounds would pay the "
            "latency hundreds of times (next section)." + _predicted_text(ok)
            + _failed_text(bad, " "))


def _latency_parts(ok: pd.DataFrame) -> pd.DataFrame:
    """Where a round's time goes at each latency above zero of `latency_sweep`'s runs that did not raise (ms per
    round): ``measured`` against ``predicted`` (the latency figure's prediction, the zero-latency run plus two one-way
    latencies); where the sweep has its per-round columns, ``comm`` against ``comm_predicted`` (the emulation's),
    the limit passes' round ``trips`` per round and their two latencies each (``trip``, which the prediction leaves
    out), and the ``rest`` of the difference, in the parts of the round the emulation does not delay; NaN where the
    sweep lacks a column. Empty without a zero-latency run."""
    base, rest = ok[ok.latency_ms == 0], ok[ok.latency_ms > 0]
    if base.empty or rest.empty:
        return pd.DataFrame(columns=["latency_ms", "measured", "predicted", "comm", "comm_predicted", "trips", "trip",
                                     "rest"])
    out = pd.DataFrame({"latency_ms": rest.latency_ms, "measured": 1e3 * rest.time_per_iter_s,
                        "predicted": 1e3 * base.time_per_iter_s.iloc[0] + 2 * rest.latency_ms})
    has_comm = {"comm_ms", "comm_predicted_ms"} <= set(ok) and bool(np.isfinite(rest.comm_ms).all())
    out["comm"] = rest.comm_ms if has_comm else np.nan
    out["comm_predicted"] = rest.comm_predicted_ms if has_comm else np.nan
    # without the communication the rest of the difference is not known, so neither are the trips' part of it
    out["trips"] = rest.trips if has_comm and "trips" in rest and np.isfinite(rest.trips).all() else np.nan
    out["trip"] = 2 * out.latency_ms * out.trips
    out["rest"] = out.measured - out.predicted - (out.comm - out.comm_predicted) - out.trip
    return out


def _predicted_text(ok: pd.DataFrame) -> str:
    """The measured time per round against the latency figure's prediction at every latency (`_latency_parts`);
    where the sweep has its per-round columns, where the difference lies: the communication against the emulation's
    prediction, the round trips of the coordinator's limit passes, or that the passes took none, and the rest, in
    the parts of the round the emulation does not delay, whose cause the chapter does not trace. "" without a
    zero-latency run."""
    parts = _latency_parts(ok)
    if parts.empty:
        return ""
    rows = list(parts.itertuples())
    text = " Per round, measured against the figure's prediction: " + listed(
        f"{grouped(r.measured, 1)} ms against {grouped(r.predicted, 1)} ms at {r.latency_ms:g} ms" for r in rows) + "."
    if parts.trips.isna().any():
        return text  # a sweep read without its per-round logs: where the difference lies is not in it
    comm = listed(f"{grouped(r.comm, 1)} ms against {grouped(r.comm_predicted, 1)} ms at {r.latency_ms:g} ms"
                  for r in rows)
    same = " (the runs take the same rounds)" if ok.iterations.nunique() == 1 else ""
    moved = "took longer" if (parts.rest > 0).all() else "took less time" if (parts.rest < 0).all() else "changed"
    return (f"{text} The round's communication alone, measured against the emulation's prediction (the "
            f"zero-latency run's plus two latencies): {comm}{_trip_words(parts)}. The rest of the difference, "
            + listed(f"{_signed_ms(r.rest)} at {r.latency_ms:g} ms" for r in rows)
            + ", lies in the parts of the round the emulation does not delay (the regions' local NLPs and "
            f"reductions, the coordinator and its bookkeeping), the same work at every latency{same}, timed on a "
            f"shared machine; why they {moved} beside the latency, the chapter does not trace.")


def _signed_ms(value: float) -> str:
    """A signed difference of times in ms, as `_predicted_text` gives the rest of a round's excess over the
    prediction: one decimal, thousands grouped by the book's one rule (`forlab.book.tables.fixed_text` with
    ``group``: "+1 204.5 ms", "-3.2 ms"), one that rounds to zero without a sign ("0.0 ms")."""
    sign = "+" if as_printed([value], 1)[0] > 0 else ""  # the sign of the number as printed
    return f"{sign}{fixed_text(value, 1, group=True)} ms"


def _trip_words(parts: pd.DataFrame) -> str:
    """The limit passes' round trips of `_latency_parts` in words, or that they took none."""
    if parts.trips.max() <= 0:
        return "; the coordinator's limit passes took no round trip to the regions in these runs"
    return (f"; the coordinator's limit passes asked the regions in {span(parts.trips, '.2f')} round trips per "
            "round, two latencies each, which the prediction leaves out: "
            + listed(f"{grouped(r.trip, 1)} ms at {r.latency_ms:g} ms" for r in parts.itertuples()))


def whole_run_s(r) -> float:
    """A run's whole time, s: the regions' set-up plus its rounds (``setup_s`` + ``total_s``), the time
    `forlab.studies.ch07_aladin.study.fastest_run` keeps the fastest of and
    `forlab.studies.ch07_aladin.readers.wall_times` sets against the integrated AC-OPF. ALADIN's and ADMM's runs
    are timed alike (`forlab.p3_aladin.execution.run` times the set-up of both, the algorithm its rounds), so a
    comparison of the two sets whole run against whole run. ``r``: a row of `runs` (or a frame of them)."""
    return r.setup_s + r.total_s


WHOLE_RUN = "whole run: set-up and rounds (s)"
"""The row or column name of a whole run's time in the chapter's tables (`whole_run_s`)."""

ROUNDS_TIME = "wall time of the rounds (s)"
"""The column name of a run's rounds alone, by the wall clock (``total_s``: the regions' set-up left out)."""

SECONDS_DIGITS = 2
"""The decimals of a run's time in seconds, its rounds (`ROUNDS_TIME`) or its whole run (`WHOLE_RUN`), in the
chapter's tables and in the sentences beside them (`seconds_text`): one precision, so that a sentence reads "0.45 s"
where its table prints 0.45, not "0.4 s"."""


def seconds_text(v: float) -> str:
    """A run's time in seconds as the chapter's tables print it (`SECONDS_DIGITS` decimals, thousands grouped,
    `forlab.book.tables.fixed`), for a sentence beside them: "0.45", "1 569.10"."""
    return fixed([v], SECONDS_DIGITS, group=True).iloc[0]


def admm_shown(rows: pd.DataFrame) -> pd.DataFrame:
    """ALADIN against ADMM as the chapter prints it: one column per algorithm, one row per measure (rounds, the
    rounds of the two targets, "–" where not reached, final gap and consensus, the whole run, set-up and rounds
    (`whole_run_s`, the time the wall-time tables set against the integrated AC-OPF), time per round, bytes per
    round where measured, status), under one header row. After the algorithms' own final gap and consensus, the
    book's yardstick: the T+D power flow's verdict on each final dispatch, its deviation from the integrated
    optimum (`DEVIATION_ROW`) and whether it is feasible (`FEASIBLE_ROW`; `_verdict_shown`: "–" for a failed run,
    `NOT_RECORDED` in a store without the record). ``rows``: `admm_table` or `admm_comparison`."""
    r = _sci(rows)
    r["time_per_iter_ms"] = fixed(1e3 * r.time_per_iter_s, 1, group=True).to_numpy()
    r["whole_s"] = fixed(whole_run_s(r), SECONDS_DIGITS, group=True).to_numpy()
    r["status"] = r.status.map(lambda v: STATUS_WORDS.get(v, v))
    recorded = r["pf_recorded"].eq(True) if "pf_recorded" in r else pd.Series(False, index=r.index)
    r["pf_deviation_pct"] = _verdict_shown(r.get("pf_deviation_pct"), recorded, _level_text)
    r["pf_feasible"] = _verdict_shown(r.get("pf_feasible"), recorded, _yes_no)
    words = {"iterations": "rounds", "it_loose": _table_target(LOOSE_CONSENSUS, LOOSE_GAP),
             "it_target": _table_target(TARGET_CONSENSUS, TARGET_GAP), "gap": "final gap",
             "consensus": "final consensus", "pf_deviation_pct": DEVIATION_ROW, "pf_feasible": FEASIBLE_ROW,
             "whole_s": WHOLE_RUN, "time_per_iter_ms": "time per round (ms)"}
    if "bytes_per_iter" in r:
        r["bytes_per_iter"] = whole_numbers(r.bytes_per_iter)  # none for a run that raised
        words["bytes_per_iter"] = "bytes per round"
    words["status"] = "status"
    out = printable(r, words).T
    out.columns = [{"aladin": "ALADIN", "admm": "ADMM"}.get(c, c) for c in out.columns]
    return out.rename_axis("measure")


def _table_target(consensus: float, gap: float) -> str:
    """A target as a table's row name: "consensus ≤ 10⁻⁶ and gap ≤ 10⁻⁴ at round"."""
    return f"consensus ≤ {power_text(consensus, tex=False)} and gap ≤ {power_text(gap, tex=False)} at round"


def admm_text(cmp_: pd.DataFrame, system: str, published: dict) -> str:
    """ALADIN against ADMM on ``system`` (`admm_runs`), their final dispatches judged by the T+D power flow
    (`judged_text`) and the published anchors (`anchors`), in one paragraph (Markdown)."""
    judged = cmp_.join(judged_verdict(cmp_))
    a_ = judged[judged.algorithm == "aladin"].iloc[0]
    d_ = judged[judged.algorithm == "admm"].iloc[0]
    fmt = fmt_iteration
    cheaper = d_.time_per_iter_s < a_.time_per_iter_s
    return (
        f"On {system}, ALADIN reaches consensus ${power_text(LOOSE_CONSENSUS)}$ and gap ${power_text(LOOSE_GAP)}$ "
        f"{fmt(a_.it_loose)} rounds, ADMM {fmt(d_.it_loose)} (of {grouped(d_.iterations)}); the target "
        f"${power_text(TARGET_CONSENSUS)}$, ${power_text(TARGET_GAP)}$: ALADIN {fmt(a_.it_target)}, "
        f"ADMM {fmt(d_.it_target)}. Whole run, the regions' set-up and the rounds (as the wall-time tables of "
        f"*Scaling* count a run): {seconds_text(whole_run_s(a_))} s against {seconds_text(whole_run_s(d_))} s. An "
        f"ADMM round is {'cheaper' if cheaper else 'not cheaper here'} ({grouped(1e3 * d_.time_per_iter_s, 1)} ms "
        f"against {grouped(1e3 * a_.time_per_iter_s, 1)} ms, {grouped(d_.bytes_per_iter)} against "
        f"{grouped(a_.bytes_per_iter)} bytes)"
        f"{_whole_run_words(a_, d_) if cheaper else ''}. {judged_text(a_, d_)} For scale: "
        + published_text(published))


def judged_text(a_, d_) -> str:
    """ALADIN's and ADMM's final dispatches judged by the T+D power flow in one sentence (Markdown): the book's one
    yardstick, where the final gap is each algorithm's own. Each run's deviation from the integrated optimum's cost
    and whether the dispatch is feasible, with its largest violation where it is not, said also of a run that
    stopped by its own test (`_verdict_words`). A failed run has no verdict; a store written before the judged
    record has none (`NOT_RECORDED`). ``a_``, ``d_``: rows with the columns of
    `forlab.studies.ch07_aladin.readers.judged_verdict` and ``converged`` (rows without them: not recorded)."""
    if not all(bool(r.get("pf_recorded", False)) for r in (a_, d_)):
        return (f"Whether their final dispatches are feasible in the power flow of the whole system, the book's "
                f"judge, is {NOT_RECORDED} in this store, which does not hold the judged record.")
    return ("Judged by the power flow of the whole system (the book's judge, `forlab.opf.judge`, through "
            "`forlab.studies.ch07_aladin.study.judged_run`, "
            f"where the final gap is each algorithm's own), {_verdict_words('ALADIN', a_)}; "
            f"{_verdict_words('ADMM', d_)}.")


DEVIATION_UNKNOWN = "unknown because the integrated AC-OPF failed"
"""What the sentences say of a judged dispatch's deviation from the integrated optimum's cost where the run keeps
its feasibility but only the integrated AC-OPF failed (`forlab.opf.outcome.method_verdict_kept`: no optimum to
measure the deviation against), never "– %"."""


def _verdict_words(name: str, r) -> str:
    """One run's verdict (`forlab.studies.ch07_aladin.readers.judged_verdict`) in words: its final dispatch's
    deviation from the integrated optimum's cost (`DEVIATION_UNKNOWN` where only the integrated AC-OPF failed)
    and feasible, or infeasible with its largest violation (and "though it stopped by its own test" where it did);
    for a failed run, that it has no verdict and why."""
    if not np.isfinite(r.pf_feasible):
        why = "a solve or the power flow failed" if bool(r.converged) else "it did not stop by its test"
        return f"{name}'s run counts as failed ({why}), so its dispatch has no verdict"
    known = np.isfinite(r.pf_deviation_pct)
    head = (f"{name}'s final dispatch deviates {_level_text(r.pf_deviation_pct)} % from the integrated optimum's "
            "cost and is " if known else f"{name}'s final dispatch is ")
    tail = "" if known else f", and its deviation from the integrated optimum's cost is {DEVIATION_UNKNOWN}"
    if r.pf_feasible:
        return head + "feasible" + tail
    though = ", though it stopped by its own test" if bool(r.converged) else ""
    return (head + f"infeasible{though}: its largest violation is {sci_text(r.pf_max_violation)} "
            f"{MAX_VIOLATION_UNIT}" + tail)


def rejected_text(rt: pd.DataFrame) -> str:
    """Markdown: the runs of `forlab.studies.ch07_aladin.readers.rounds_table` ``rt`` that stopped by their own
    test but whose final dispatch the T+D power flow finds infeasible, each with its deviation from the integrated
    optimum's cost, its largest violation and, where it met them, the round of the gap and consensus targets; the
    runs that stopped by it but count as failed (no verdict); how many of the others leave a feasible dispatch.
    `NOT_RECORDED` for a store written before the judged record; "" for a table without runs."""
    if rt.empty:
        return ""
    if not (rt["judged"].eq(True).any() if "judged" in rt else False):
        return (f"Whether these runs' final dispatches are feasible in the power flow of the whole system is "
                f"{NOT_RECORDED} in this "
                "store, which does not hold the judged record.")
    rejected, failed, feasible = [], [], 0
    for algo, name in (("aladin", "ALADIN"), ("admm", "ADMM")):
        for _, r in rt[rt[f"{algo}_converged"].eq(True)].iterrows():
            verdict = r[f"{algo}_feasible"]
            if verdict == 1:
                feasible += 1
            elif verdict == 0:
                rejected.append(_rejected_words(name, r, algo))
            else:
                failed.append(f"{name} on {r.system} ({r[f'{algo}_status']})")
    head = ("Judged by the power flow of the whole system (the book's judge; the rounds and targets above are each "
            "algorithm's own)")
    if not rejected:  # none that stopped by its test had a verdict: only the failed ones, if any, are named
        text = (f"{head}, every run that stopped by its own test leaves a feasible final dispatch "
                f"({counted(feasible, 'run')})." if feasible else "")
    else:
        text = (f"{head}, {counted(len(rejected), 'run')} stopped by {'its' if len(rejected) == 1 else 'their'} own "
                f"test with a final dispatch the power flow finds infeasible: {listed(rejected)}; the violations are "
                f"in {MAX_VIOLATION_UNIT}.")
        if feasible:
            text += (f" The other {counted(feasible, 'run')} that stopped by {'its' if feasible == 1 else 'their'} "
                     f"own test {'leaves' if feasible == 1 else 'leave'} a feasible final dispatch.")
    if failed:
        text += f" Stopped by their own test but counted as failed, with no verdict: {listed(failed)}."
    return text.strip()


def _rejected_words(name: str, r, algo: str) -> str:
    """A run of `rejected_text` in words: "ADMM on x (0.27 % from the integrated optimum's cost, largest violation
    7.1×10⁻³, though it met the gap and consensus targets in round 347)", the round only where it met them, the
    deviation `DEVIATION_UNKNOWN` where only the integrated AC-OPF failed."""
    target = r[f"{algo}_target"]
    met = f", though it met the gap and consensus targets in round {grouped(target)}" if np.isfinite(target) else ""
    dev = r[f"{algo}_deviation_pct"]
    deviation = (f"{_level_text(dev)} % from the integrated optimum's cost" if np.isfinite(dev)
                 else f"deviation from the integrated optimum's cost {DEVIATION_UNKNOWN}")
    return f"{name} on {r.system} ({deviation}, largest violation {sci_text(r[f'{algo}_max_violation'])}{met})"


def _whole_run_words(a_, d_) -> str:
    """What ADMM's cheaper rounds come to over its whole run against ALADIN's (`whole_run_s`): ", but the rounds
    dominate" where its whole run is the longer, ", and so is its whole run" where it is not longer ("" without
    both times)."""
    if whole_run_s(d_) > whole_run_s(a_):
        return ", but the rounds dominate"
    return ", and so is its whole run" if whole_run_s(d_) <= whole_run_s(a_) else ""


ROUND_UNITS = ("iterations", "steps")
"""The units in which the registry of anchors (and a store's copy of it) gives the published counts of ADMM's and
ALADIN's iterations: the book calls those rounds (glossary, "Round"), so `shown_anchor` prints them as rounds."""


def shown_anchor(a) -> str:
    """A published anchor as `forlab.book.anchors.Anchor.show` prints it, a count in `ROUND_UNITS` as rounds ("66
    rounds"): the same number under the book's one name."""
    return (dataclasses.replace(a, unit="rounds") if a.unit in ROUND_UNITS else a).show()


def published_text(published: dict) -> str:
    """The other groups' published runs (`anchors`) in one sentence (Markdown), their rounds named so
    (`shown_anchor`)."""
    p = {k: shown_anchor(a) for k, a in published.items()}
    return (f"PowerModelsADA's ADMM needs {p['powermodelsada_admm_case300_iterations']} and "
            f"{p['powermodelsada_admm_case300_s']} on {p['powermodelsada_admm_case300_cores']} on PGLib case300 "
            f"in areas of its own, at its own tolerances; rapidPF's least-squares ALADIN needs "
            f"at most {p['rapidpf_aladin_max_steps']} (\"about half a dozen coordinating steps\", its authors write) "
            f"on systems of up to {p['rapidpf_largest_buses']}, for the easier power-flow problem (a zero-residual "
            "least-squares problem, no optimality).")


FIELD_WORDS = {"lambda": "λ, consensus multipliers", "z": "z, proximal point", "rho": "ρ, penalties",
               "qp": "QP form (ALADIN's qp option: which fields the region sends back)",
               "x": "x, local solution", "cost": "local cost", "grad": "cost gradient",
               "hess": "Hessian of the Lagrangian", "jac": "Jacobian of the equalities",
               "jac_ineq": "Jacobian of the inequalities", "ineq_lo": "distances to lower limits",
               "ineq_up": "distances to upper limits", "y": "y, multipliers", "x_c": "x, coupled variables",
               "mu": "μ, consensus slack penalty", "dv": "reduced step", "step": "length of the last local move",
               "hess_r": "reduced Hessian (upper triangle)", "grad_r": "reduced gradient",
               "AZ": "coupling block (free directions to coupled variables)", "G_r": "near limits, reduced rows",
               "lo_r": "near limits, room below", "up_r": "near limits, room above", "id_r": "near limits, positions",
               "G_w": "watched limits, reduced rows", "lo_w": "watched limits, room below",
               "up_w": "watched limits, room above", "pos_w": "watched limits, positions",
               "far_radius": "radius free of other limits"}
"""What each message field of `message_summary` holds (ADMM's ``z`` is the average of the coupled variables; the
reduced fields are `forlab.p3_aladin.algorithm.reduction.LocalReduction.reduce`'s)."""


def messages_shown(st: xr.Dataset, systems: list[str]) -> pd.DataFrame:
    """`message_summary` of the given systems as the chapter prints it, indexed by system, algorithm, direction and
    field (in words, `FIELD_WORDS`): numbers (non-zeros) and pickled bytes per round, summed over regions."""
    msgs = message_summary(st)
    m = msgs[msgs.system.isin(systems)].copy()
    m["field"] = [("z, averages of the coupled variables" if a == "admm" and f == "z" else FIELD_WORDS.get(f, f))
                  for a, f in zip(m.algorithm, m.field)]
    m["algorithm"] = m.algorithm.str.replace("aladin", "ALADIN").str.replace("admm", "ADMM")
    m["direction"] = m.direction.str.replace("->", "→")
    m = m.assign(numbers=whole_numbers(m.numbers), bytes=whole_numbers(m.bytes))
    return printable(m.set_index(["system", "algorithm", "direction", "field"]),
                     {"numbers": "numbers", "bytes": "bytes"})


def provenance_text(st: xr.Dataset) -> str:
    """Where a store comes from: its path, git commit and creation time (Markdown), and its ADMM round cap (the
    store's ADMM options, else its ``admm_max_iter``): the profiles cap ADMM differently, and the page's tables say
    only "its own round limit" (the reader's review)."""
    options = json.loads(st.attrs["admm_options"]) if "admm_options" in st.attrs else {}
    cap = options.get("max_iter", json.loads(st.attrs["parameters"]).get("admm_max_iter"))
    said = f" ADMM runs at most {grouped(cap)} rounds in this store (its `admm_max_iter`)." if cap else ""
    return f"{origin_text(st)}.{said}"


def targets_shown(tg: pd.DataFrame) -> pd.DataFrame:
    """`targets` as the chapter prints them, one row per system: the target's round ("–": not reached), the rounds
    run (the limit, when the run did not stop by itself), final gap and consensus, the wall time of the rounds
    (`ROUNDS_TIME`); the column of systems headed in the one header row (`forlab.book.tables.one_header_row`)."""
    t = _sci(tg)
    t["total_s"] = fixed(t.total_s, SECONDS_DIGITS, group=True).to_numpy()
    return printable(t.set_index("system"), {"it_target": "target at round", "iterations": "rounds",
                                             "gap": "final gap", "consensus": "final consensus",
                                             "total_s": ROUNDS_TIME})


def overhead_range_text(bo: pd.DataFrame) -> str:
    """The range and median of the Dask / in-process ratios (`dask_overhead`) over the systems whose runs did not
    raise, and those that did (`_failed_text`); empty without Dask runs."""
    ok, bad = failed_runs(bo)
    if not len(ok):
        return _failed_text(bad)
    return (f"Dask against in-process, time per round: {ok.ratio.min():.2f}x to {ok.ratio.max():.2f}x the time of "
            f"the in-process round (median {ok.ratio.median():.2f}x) over {len(ok)} systems." + _failed_text(bad, " "))


def latency_comm_text(bl: pd.DataFrame, system: str) -> str:
    """Communication time per round without and with the largest latency (`latency_sweep` with its per-round
    columns), against the emulation's prediction; which of the communication and the coordinator's QP is the larger
    part of a round at either end of the sweep; and, only where the wall times do not grow with the latency,
    that the QP's time (it varies with the load of the shared machine) outweighs what the latency adds. Empty with
    fewer than two latencies whose runs did not raise; those that did are named (`_failed_text`)."""
    bl, bad = failed_runs(bl)
    if len(bl) <= 1:
        return _failed_text(bad)
    lo, hi = bl.iloc[0], bl.iloc[-1]
    predicted = (f" (the emulation predicts {grouped(hi.comm_predicted_ms)} ms)" if np.isfinite(hi.comm_predicted_ms)
                 else "")  # no prediction without the zero-latency run
    text = (f"On {system}, the communication time per round is {grouped(lo.comm_ms)} ms {_latency_words(lo)} and "
            f"{grouped(hi.comm_ms)} ms {_latency_words(hi)}{predicted}; its rounds take {seconds_text(hi.total_s)} s "
            f"against {seconds_text(lo.total_s)} s ({hi.total_s / lo.total_s:.2f}x). "
            f"{_latency_words(lo).capitalize()} {_larger_part(lo)}; {_latency_words(hi)} {_larger_part(hi)}."
            f"{_trips_words(bl)}")
    if bl.total_s.is_monotonic_increasing:
        return text + " The wall times grow with every step of the latency." + _failed_text(bad, " ")
    return (text + f" The coordinator, {span(bl.qp_ms, grouped, ' ms')} per round across "
            "these runs, varies with the load of the shared machine by as much as a step of the latency adds, so the "
            "wall times of this sweep do not grow with every step of the latency." + _failed_text(bad, " "))


def _latency_words(r) -> str:
    """"without latency" or "at 100 ms one way" for a row of `latency_sweep`."""
    return "without latency" if r.latency_ms == 0 else f"at {r.latency_ms:g} ms one way"


def _larger_part(r) -> str:
    """Which of the communication and the coordinator takes more of a round in a row of `latency_sweep`,
    with both times (ms); the two only, not the local solves, which the round's split shows."""
    if r.qp_ms >= r.comm_ms:
        return f"the coordinator outweighs the communication ({grouped(r.qp_ms)} ms against {grouped(r.comm_ms)} ms)"
    return f"the communication outweighs the coordinator ({grouped(r.comm_ms)} ms against {grouped(r.qp_ms)} ms)"


def _trips_words(bl: pd.DataFrame) -> str:
    """That the coordinator's time counts the round trips of its limit passes, which the latency lengthens as well
    (`latency_sweep` ``trips``), with their mean per round; "" where the runs took none or the store has none."""
    trips = bl.trips.dropna() if "trips" in bl else pd.Series(dtype=float)
    if not len(trips) or not trips.max() > 0:
        return ""
    return (f" The coordinator's time counts the round trips of its limit passes, {span(trips, '.2f')} per round "
            "in these runs, and the latency lengthens each of them too.")


def admm_target_text(bc: pd.DataFrame, system: str, published: dict) -> str:
    """ALADIN's target round against ADMM's loose and target rounds on ``system`` (`admm_comparison`), with
    their final dispatches judged by the T+D power flow (`judged_text`) and PowerModelsADA's published run
    (`shown_anchor`); empty unless both algorithms ran."""
    if not {"aladin", "admm"} <= set(bc.index):
        return ""
    a_, d_ = bc.loc["aladin"], bc.loc["admm"]
    return (f"On {system}, ALADIN reaches the target (consensus ${power_text(TARGET_CONSENSUS)}$, gap "
            f"${power_text(TARGET_GAP)}$) {fmt_iteration(a_.it_target)} rounds, its whole run (the regions' set-up "
            f"and the rounds) taking {seconds_text(whole_run_s(a_))} s; ADMM on the same partition "
            f"{_admm_reach(d_)}; it stops {_stop_of(d_)} after {grouped(d_.iterations)} rounds (whole run "
            f"{seconds_text(whole_run_s(d_))} s) with gap "
            f"{sci_text(d_.gap)} and consensus {sci_text(d_.consensus)}. {judged_text(a_, d_)} PowerModelsADA's "
            f"ADMM needs {shown_anchor(published['powermodelsada_admm_case300_iterations'])} and "
            f"{shown_anchor(published['powermodelsada_admm_case300_s'])} on "
            f"{shown_anchor(published['powermodelsada_admm_case300_cores'])} on PGLib's case300 in areas of its own, "
            "at its own tolerances.")


def _admm_reach(d_) -> str:
    """When ADMM reaches the loose tolerances and the target, in words that read also when it reaches neither."""
    loose = f"consensus ${power_text(LOOSE_CONSENSUS)}$ and gap ${power_text(LOOSE_GAP)}$"
    if np.isnan(d_.it_loose):
        return f"reaches neither {loose} nor the target"
    return f"reaches {loose} {fmt_iteration(d_.it_loose)} and the target {fmt_iteration(d_.it_target)}"


def _stop_of(r) -> str:
    """How a run (a row of `admm_comparison`) stopped, in words: "by its own tolerances" where it converged, "at its
    round limit" (`STATUS_WORDS`) or "with status <status>" otherwise."""
    if bool(r.converged):
        return "by its own tolerances"
    status = termination(r)
    return f"at its {STATUS_WORDS[status]}" if status in STATUS_WORDS else f"with status {status}"


def full_profile_tables(fp: dict) -> list[TitledTable]:
    """The full profile's comparison tables (`full_profile`) as the page shows them one after another, each under a
    title that names what it compares (without one they would read as one grid): Dask against in-process, the
    latency sweep, ALADIN against ADMM."""
    bp = fp["params"]
    dask = "**Dask against in-process**: the time per round of the same runs, the regions on Dask workers or in turn."
    return [(dask, overhead_shown(fp["overhead"])),
            (f"**Emulated latency** on {bp['latency_system']}: rounds, their wall time and the parts of a round.",
             latency_shown(fp["latency"])),
            (f"**ALADIN against ADMM** on {bp['admm_system']}, the same partition, each up to its own round limit.",
             admm_shown(fp["admm"]))]


def full_profile_text(fp: dict) -> str:
    """The full profile's findings in one paragraph (Markdown): Dask overhead, latency, ALADIN against ADMM."""
    bp = fp["params"]
    parts = [overhead_range_text(fp["overhead"]), latency_comm_text(fp["latency"], bp["latency_system"]),
             admm_target_text(fp["admm"], bp["admm_system"], fp["anchor"])]
    return " ".join(p for p in parts if p)
