"""Sentences and printed tables of chapter 07's scaling results: issue 17's targets met or missed
(`targets17_text`), how a run stopped, cycled or failed to converge, the growth of the coordinator's time, and the
rounds tables (`rounds_tables`)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from forlab.book.tables import (
    TitledTable,
    fixed,
    grouped,
    listed,
    page_index,
    printable,
    span,
)
from forlab.studies.ch07_aladin.readers import (
    FIT_R2_MIN,
    SLOPE_CONFIDENCE,
    TARGET_CONSENSUS,
    TARGET_GAP,
    family_fits,
    fitted,
    growth_bound,
    growth_fit,
    left_out,
)
from forlab.studies.ch07_aladin.systems import FAMILY_WORDS, family
from forlab.studies.ch07_aladin.text import _level_text, power_text, whole_numbers
from forlab.studies.ch07_aladin.verdicts_text import STOP_JUDGED, _feasible_word, _stop_judged, _verdict_shown

__all__ = ["DIVERGENCE_FACTOR", "FLOOR_WORDS", "NOISE_DECIDES", "ROUNDS_TITLES", "TARGET_DIGITS",
           "TARGET_NAMES", "TARGET_WORDS", "alternation_text", "growth_shown", "growth_text",
           "limit_passes_shown", "nonconvergence_text", "rounds_shown", "rounds_tables", "stop_text",
           "targets17_text"]


def _target_words(consensus: float = TARGET_CONSENSUS, gap: float = TARGET_GAP) -> str:
    """The stopping target in prose: "gap $\\le 10^{-4}$ and consensus $\\le 10^{-6}$"."""
    return f"gap $\\le {power_text(gap)}$ and consensus $\\le {power_text(consensus)}$"


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
