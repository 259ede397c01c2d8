"""Many DSOs under one TSO: chapter 12's paper-scale sweep as chapter 09's store keeps it, and the page's answer
at its largest size.

The answer (`answer_text`; its verdict on the book's first page, `headline_text`): who leads online and on
accuracy and by how much, then the conditions and caveats (the accuracy lead held to what one run can move by,
`one_run_spread`); the sweep's conditions (`scale_conditions_text`, `sweep_text`, `scale_models_text`); the
many-DSOs statement of "Which method when" (`scale_text`) and ALADIN at scale (`scale_reliability_text`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.store import short_commit, written_utc
from forlab.book.tables import as_printed, clipped, counted, grouped, listed, span
from forlab.p2_surrogate.tso import LOSS_MARGIN
from forlab.studies import ch12_many_dsos
from forlab.studies.ch09_comparison.readers import METHOD_NAMES, SCALE_METHODS, _method_rank, _sens_ok
from forlab.studies.ch09_comparison.sensitivity import (
    FIT_SIZES,
    FIT_WHAT,
    RERUN_PAIR,
    _differing,
    _fit_name,
    _fit_value,
    _spreads,
    rerun_gaps,
)
from forlab.studies.ch09_comparison.store import from_store
from forlab.studies.ch09_comparison.study import PROFILES
from forlab.studies.ch09_comparison.text import DEVIATION_DIGITS, SENS_RUNS
from forlab.studies.ch12_many_dsos import ds_count, why_not_compared

__all__ = [
    "ANSWER_POINTER",
    "ANSWER_SECTION",
    "CONDITIONS_NAME_IT",
    "FPUS_HELD",
    "HEADLINE_KEY",
    "LEAST_REVEALING",
    "LIST_SAYS_WHY",
    "MACHINE_PER_DSO",
    "NO_SCALE_STORE",
    "NO_SPREAD",
    "ONE_RUN",
    "ONE_RUN_MOVES",
    "P1_OFFLINE_RAN",
    "P2_OFFLINE_RAN",
    "RANKING_SAYS",
    "REVEALS_BRIEF",
    "SCALE_MODELS",
    "SEPARATE_RUN",
    "STOPPED_BY_A_HAIR",
    "SWEEP_RERUN",
    "SWEEP_ROLE",
    "WINNER_METHODS",
    "WINNER_TIES",
    "WORKERS_BELOW",
    "answer_text",
    "headline_text",
    "one_run_spread",
    "scale_base_mva",
    "scale_conditions_text",
    "scale_limit",
    "scale_models_text",
    "scale_reliability_text",
    "scale_text",
    "sweep_text",
]


REVEALS_BRIEF = {
    METHOD_NAMES[0]: "a region and a price per PCC, no unit of the DS",
    METHOD_NAMES[1]: "every FPU's PQ chart and cost, and its TSO sets their dispatch",
    METHOD_NAMES[2]: "each region's local curvature, gradient and near limits, every round",
}
"""`REVEALS` in a clause per method, least revealing first: the security page (book/security.md) says P2's TSO sees
"more than P1 reveals", and ALADIN's coordinator sees functions of the grid every round, so P1's PCC-level region and
price is the least a DS reveals. The privacy statement (`_privacy_line`) and the answer (`_privacy_clause`) read it,
so that privacy, half of the book's question, has a verdict beside cost and speed."""

LEAST_REVEALING = next(iter(REVEALS_BRIEF))
"""The method whose messages reveal least about a DS: the first of `REVEALS_BRIEF`."""

ANSWER_SECTION = "The answer first"
"""The heading of the page's first section (the notebook's), which `answer_text` fills: the many-DSOs statement of
"Which method when" points to it by this name (`scale_text`) instead of saying the answer a second time."""


NO_SCALE_STORE = ("No paper-scale store of {doc}`12_many_dsos` is available (or `use_profiles` is off): run "
                  "`forlab run 12_many_dsos --profile paper` or keep `archive/`.")


def scale_limit(st: xr.Dataset) -> int | None:
    """The ``p3_max_ds`` chapter 12's sweep ran with, from the parameters the chapter's store keeps of it
    (``attrs["sources"]``, `sources`): the largest size it runs ALADIN at; None where the store does not keep it or
    the sweep ran ALADIN at every size (0)."""
    found = json.loads(st.attrs.get("sources", "{}")).get("scale") or {}
    limit = found.get("parameters", {}).get("p3_max_ds")
    return int(limit) if limit else None


def _judged(scale_t: pd.DataFrame) -> pd.DataFrame:
    """The contestants' rows a verdict may compare, by chapter 12's one rule (`ch12_many_dsos.comparable`: every
    solve succeeded, the dispatch is feasible in the T+D power flow, the integrated AC-OPF of the same size has a
    time and a cost)."""
    t = scale_t[scale_t.method != SCALE_METHODS["integrated"]]
    return t[ch12_many_dsos.comparable(t)]


SCALE_MODELS = {METHOD_NAMES[0]: "profile P1", METHOD_NAMES[1]: "profile P2"}
"""The methods whose offline models the sweep sizes itself (`FIT_SIZES`) -> the source (``attrs["sources"]`` key)
of the every-system runs they are set against (their chapters' paper-scale runs)."""


def _weight(differ: list[tuple]) -> str:
    """How the sweep sizes a method's offline model against its every-system run, from the settings that differ
    (`_differing`): "lighter" where every one is smaller in the sweep, "heavier" where every one is larger, "sized
    otherwise" where some are either."""
    if all(b < a for _, a, b in differ):
        return "lighter"
    return "heavier" if all(b > a for _, a, b in differ) else "sized otherwise"


def scale_models_text(found: dict, short: bool = False) -> str:
    """Markdown: how chapter 12's sweep sizes each DSO's offline model against the every-system runs of the method
    chapters (`SCALE_MODELS`), from the parameters chapter 09's store keeps of both (``found``: its parsed
    ``attrs["sources"]``, `sources`): "P1's offer lighter than in the paper-scale run of ... (`p1_n_directions` 30
    against `n_directions` 150, ...)", the sweep's parameter first, then the method chapter's; ``short``: the first
    setting that differs only. "" where the stores keep neither."""
    sweep = (found.get("scale") or {}).get("parameters", {})
    parts = []
    for method, key in SCALE_MODELS.items():
        code = method.split(" ")[0]
        there = f"the paper-scale run of {{doc}}`{PROFILES[code][0]}`"
        held, differ = _differing(method, (found.get(key) or {}).get("parameters", {}), sweep)
        if not held:
            continue
        if not differ:
            parts.append(f"{code}'s {FIT_WHAT[method]} sized as in {there}")
            continue
        shown = differ[:1] if short else differ
        parts.append(f"{code}'s {FIT_WHAT[method]} {_weight(differ)} than in {there} ("
                     + ", ".join(f"`{FIT_SIZES[method][n]}` {_fit_value(b)} against {_fit_name(n)} {_fit_value(a)}"
                                 for n, a, b in shown) + ")")
    return "; ".join(parts)


def scale_conditions_text(found: dict, scale_t: pd.DataFrame, models: bool = True) -> str:
    """Markdown: what the sweep's numbers hold for, read from the parameters and attributes chapter 09's store keeps
    of chapter 12's paper-scale store (``found``, `sources`), in chapter 12's words (`ch12_many_dsos.conditions`: the
    TS, the DS pool, the sizes, the machine, the solver, the repeats and ALADIN's limits), with ``models`` each DSO's
    offline model against the every-system runs (`scale_models_text`) in place of chapter 12's list of its settings,
    and the store's commit and date; "" without the sweep's parameters."""
    sweep = found.get("scale") or {}
    p = sweep.get("parameters", {})
    if not p or scale_t.empty:
        return ""
    sizes = scale_t.drop_duplicates("n_ds")
    said = ch12_many_dsos.conditions(p, sweep, sizes.n_ds, sizes.buses,
                                     head="**The sweep's conditions** (read from its store):",
                                     offline=False, point=ch12_many_dsos.stored_point(scale_t))
    sized = scale_models_text(found) if models else ""
    return (said + (f" Each DSO's offline model: {sized}." if sized else "")
            + f" Store of commit `{short_commit(sweep)}`, written {written_utc(sweep)} UTC.")


def _p1_on_workers(at: pd.DataFrame, w, workers: str = "that run's workers") -> str:
    """Markdown: whether the verdict on the fastest method at one size (``w``, a row of `_winners`: chapter 12's
    ``workers_fastest``, ``workers_tied`` and ``p1_workers_ratio``) holds with P1's DSOs on the workers the sweep had
    (``workers``, `_workers_words`) instead of a machine each: the wall time of all its DSOs' dispatches sent at once
    to the workers (``dso_parallel_ms``), then chapter 12's verdict (`ch12_many_dsos.workers_verdict`, the one
    statement of it). "" where that wall time was not measured (no workers, or a store without it) or P1 has no
    comparable row there."""
    fast = getattr(w, "workers_fastest", "") if w is not None else ""
    p1 = at[(at.method == METHOD_NAMES[0]) & ch12_many_dsos.comparable(at)]
    if not fast or p1.empty or "dso_parallel_ms" not in p1:
        return ""
    r = p1.iloc[0]
    return (f"{METHOD_NAMES[0]}'s online time counts its TSO's solve and its slowest DSO's dispatch, every DSO on a "
            f"machine of its own (the book's one rule for parallel parts); on {workers}, all its DSOs' dispatches "
            f"together took {ch12_many_dsos.duration(r.dso_parallel_ms / 1e3)} by the wall clock. "
            + ch12_many_dsos.workers_verdict(w, workers=workers, names={m: m for m in METHOD_NAMES}))


def _workers_words(found: dict) -> str:
    """The Dask workers of chapter 12's sweep as `_p1_on_workers` names them, from its parameters (``found``:
    `sources`): "that run's 2 Dask workers"; "that run's workers" where the store does not keep them."""
    n = ((found.get("scale") or {}).get("parameters") or {}).get("n_workers")
    return f"that run's {counted(n, 'Dask worker')}" if n else "that run's workers"


def one_run_spread(sens_t: pd.DataFrame, default_case: pd.DataFrame,
                   sens_paper: pd.DataFrame | None = None) -> tuple[float, float, str, str]:
    """How far one run of a method's deviation can move, as the Robustness statement measures it (percentage
    points): the largest gap between two runs of the same method, system and load (`rerun_gaps` of chapter 08's
    default run, ``sens_t``), the largest change under one factor over chapter 08's runs read (`_spread` of
    ``sens_t`` and, where read, of its paper-scale run ``sens_paper``) and which run that is (`SENS_RUNS`), and where
    both were measured (`_moves_where`: chapter 08's system and the moved method's deviations there); NaN (and "")
    where the store has neither run to compare, or no sensitivity rows."""
    runs = {"sens": sens_t, "sens_paper": sens_paper}
    spreads = _spreads(runs)
    if not spreads:
        return NO_SPREAD
    gaps = rerun_gaps(default_case, sens_t)
    largest = {dim: float(s.stack().max()) for dim, s in spreads.items()}
    run = max(largest, key=largest.get)  # on a tie the default run, read first
    gap = float(gaps.gap_pp.astype(float).max()) if len(gaps) else np.nan
    return gap, largest[run], SENS_RUNS[run], _moves_where(gaps, runs[run], spreads[run])


def _moves_where(gaps: pd.DataFrame, rows: pd.DataFrame, spread: pd.DataFrame) -> str:
    """Where the moves of `one_run_spread` were measured, so that a reader can weigh them against a lead on another
    system (the sweep's): the systems of the rows they come from (chapter 08's, which the gaps between two runs share
    with the method chapters' default runs) and the judged |deviation| there of the methods that moved (the largest
    gap's over both runs, `rerun_gaps`; the largest change under one factor's over its run, ``rows`` and its
    ``spread``, `_spread`): "case9+case33bw, chapter 08's system, where P1 FOR offer's |cost deviation| is 0.0361
    to 0.3413 %". Where the two moves are two methods', each method's span is said with its move (`ONE_RUN_MOVES`),
    in their order: one span over both would mix two methods' deviations."""
    code = spread.stack().idxmax()[0]  # chapter 08 names its methods by code
    moved = _sens_ok(rows)
    moved = moved[moved.method == code]
    systems, spans = list(moved.system), {}  # per method its deviations, the gap's move first, as they are said
    if len(gaps):
        g = gaps.loc[gaps.gap_pp.astype(float).idxmax()]
        pair = gaps[(gaps.method == g.method) & (gaps.system == g.system)]
        systems.append(g.system)
        spans[g.method] = [*pair.default_pct.astype(float), *pair.sensitivity_pct.astype(float)]
    spans.setdefault(SCALE_METHODS.get(code, code), []).extend(moved.deviation_pct.astype(float))
    systems = list(dict.fromkeys(systems))
    where = f"{listed(systems)}, chapter 08's system{'s' if len(systems) > 1 else ''}, where "
    shown = {m: span(np.abs(d), ".4f", " %") for m, d in spans.items()}
    if len(shown) == 1:
        m, said = next(iter(shown.items()))
        return f"{where}{m}'s |cost deviation| is {said}"
    (gap_m, gap_said), (factor_m, factor_said) = shown.items()
    return (f"{where}{gap_m}'s |cost deviation| is {gap_said} ({ONE_RUN_MOVES[0][1]}) and {factor_m}'s is "
            f"{factor_said} ({ONE_RUN_MOVES[1][1]})")


ONE_RUN_MOVES = ((f"on the same case {RERUN_PAIR}", "the move between two runs"),
                 ("under one factor", "the move under one factor"))
"""The two moves of `one_run_spread`, in its order: what each is, named by the runs it lies between (`RERUN_PAIR`;
the move under one factor is named by its run where it is said, `_lead_held`), and its short name."""

NO_SPREAD = (np.nan, np.nan, "", "")
"""`one_run_spread` where nothing is measured."""


def _sweep_order(scale_t: pd.DataFrame, first: str, second: str) -> str:
    """Markdown: at how many of the sweep's sizes (the scale rows ``scale_t``) where both are `comparable` the
    |cost deviation| of ``first`` lies below that of ``second``, compared as the page prints them (`DEVIATION_DIGITS`,
    so that two it prints alike tie), and the sizes where it does not: the one evidence on the order of the two
    methods that the sweep itself gives. "" where no size compares both."""
    rows = scale_t[ch12_many_dsos.comparable(scale_t) & scale_t.method.isin([first, second])]
    dev = rows.pivot_table(index="n_ds", columns="method", values="deviation_pct", aggfunc="first").dropna()
    if dev.empty or len(dev.columns) < 2:
        return ""
    dev = dev.apply(lambda c: as_printed(np.abs(c.astype(float)), DEVIATION_DIGITS))
    below = dev[first] < dev[second]
    but = f", every size but {_listed(below.index[~below])}" if 0 < (~below).sum() < len(below) else ""
    return (f"In the sweep, {first}'s |cost deviation| lies below {second}'s at {int(below.sum())} of its "
            f"{len(below)} sizes{but}.")


SWEEP_RERUN = ("The book has no second run of the sweep, and the size of these moves, measured on another system "
               "than the sweep's, does not decide the lead by itself.")
"""What `_lead_held` says of the moves after the sweep's own order (`_sweep_order`): one verdict, whatever their
sizes, since they were measured on another system than the sweep's; what does bear on the lead follows
(`RANKING_SAYS`)."""

RANKING_SAYS = {True: "The evidence against the lead is the two methods' ranking in the rest of the book, which the "
                      "verdict above counts.",
                False: "The two methods' ranking in the rest of the book, which the verdict above counts, agrees with "
                       "the lead."}
"""What `_lead_held` says after `SWEEP_RERUN`, by whether the rest of the book ranks the other method ahead
(`_contested`): the evidence on the lead is the verdict's count (`_accuracy_evidence`), not the moves, so the two
sentences agree."""


def _lead_held(spread: tuple[float, float, str, str], order: str = "", against: bool | None = None) -> str:
    """Markdown: the accuracy lead at the sweep's largest size, said beside what one run of
    a method's deviation can move by (``spread``, `one_run_spread`; each move named by its runs: the gap between two
    runs by `RERUN_PAIR`, the move under one factor by its run of chapter 08), in sentences of their own: the moves,
    and the system they were measured on with the deviations there (`_moves_where`), since the sweep's system is
    another; then the sweep's own evidence on the order (``order``, `_sweep_order`), `SWEEP_RERUN` and what the
    rest of the book's ranking says (``against``, `_contested`: `RANKING_SAYS`; nothing where nothing compares the
    two). The moves are not weighed against the lead: measured on chapter 08's system, they say nothing of the
    sweep's. That the lead is one run at one operating point the verdict says once (`_margins`). "" where neither
    move is measured."""
    gap, factor, run, where = spread
    moves = [(v, what) for v, (what, _) in zip((gap, factor), ONE_RUN_MOVES) if np.isfinite(v)]
    if not moves:
        return ""
    # the factor's move: the run it was measured in (the gap's runs are in its own words, `RERUN_PAIR`)
    in_run = {ONE_RUN_MOVES[1][0]: f" in {run}" if run else ""}
    said = listed(f"by up to {v:.4f} percentage points {what}{in_run.get(what, '')}" for v, what in moves)
    measured = f" {'Both were' if len(moves) > 1 else 'It was'} measured on {where}." if where else ""
    ranking = f" {RANKING_SAYS[against]}" if against is not None else ""
    return (f"The Robustness statement under “Which method when” finds a method's deviation moving {said}."
            f"{measured}" + (f" {order}" if order else "") + f" {SWEEP_RERUN}{ranking}")


def _deviation_order(at: pd.DataFrame) -> pd.Series:
    """The comparable contestants' |cost deviation| (%) at one size (the scale rows ``at``, by chapter 12's rule
    `ch12_many_dsos.comparable`), as the page prints them (`DEVIATION_DIGITS`, so that a gap the page states is that
    of the printed values), smallest first: the most accurate method and the next."""
    good = at[ch12_many_dsos.comparable(at) & (at.method != SCALE_METHODS["integrated"])]
    dev = good.set_index("method").deviation_pct.astype(float).abs()
    return pd.Series(as_printed(dev, DEVIATION_DIGITS), index=dev.index).sort_values()


def _more_accurate(dev: pd.DataFrame, first: str, second: str) -> tuple[int, int]:
    """On how many rows of ``dev`` (one per system or variant, a column of |cost deviation| (%) per method) the
    |deviation| of ``second`` lies below that of ``first`` as the page prints them (`DEVIATION_DIGITS`: two printed
    alike tie), and of how many rows where both have one."""
    both = dev.reindex(columns=[first, second]).astype(float).dropna()
    if both.empty:
        return 0, 0
    shown = both.apply(lambda c: as_printed(c.abs(), DEVIATION_DIGITS))
    return int((shown[second] < shown[first]).sum()), len(shown)


def _variant_deviations(rows: pd.DataFrame) -> pd.DataFrame:
    """Per variant of one of chapter 08's runs (``rows``; a variant by its load level, FPUs and ties, so that the base
    case its factors share counts once), the |cost deviation| (%) of each method's feasible, finished run, methods by
    this page's names (`SCALE_METHODS`)."""
    ok = _sens_ok(rows)
    ok = ok[ok.feasible.astype(bool)].assign(deviation_pct=lambda t: t.deviation_pct.astype(float).abs())
    variants = ok.groupby(["load_level", "n_fpus", "ties", "method"], dropna=False).deviation_pct.first()
    return variants.unstack("method").rename(columns=SCALE_METHODS)


def _reversal_counts(first: str, second: str, sys_t: pd.DataFrame,
                     sens: dict[str, pd.DataFrame | None]) -> list[tuple[int, int, str]]:
    """The rest of the book's evidence on the order of the two methods the sweep ranks at its largest size (``first``
    ahead of ``second`` on accuracy): on how many of the study systems (``sys_t``, the page's every-system table at
    the load every method ran) and of the variants of each of chapter 08's runs read (``sens``: `SENS_RUNS`
    dimension -> its rows) ``second`` is the more accurate (`_more_accurate`), each with the words that say where;
    none where a source compares neither."""
    found = []
    if len(sys_t):
        dev = sys_t.assign(abs_deviation_pct=sys_t.abs_deviation_pct.astype(float)).pivot_table(
            index="system", columns="method", values="abs_deviation_pct")
        n, m = _more_accurate(dev, first, second)
        if m:
            found.append((n, m, f"on {n} of {m} study systems"))
    for dim, rows in sens.items():
        if rows is not None and len(rows):
            n, m = _more_accurate(_variant_deviations(rows), first, second)
            if m:
                found.append((n, m, f"in {n} of {m} variants of {SENS_RUNS[dim]}"))
    return found


def _rest_of_book(at: pd.DataFrame, sys_t: pd.DataFrame,
                  sens: dict[str, pd.DataFrame | None]) -> tuple[str, str, list[tuple[int, int, str]]]:
    """The two most accurate methods at the sweep's largest size (the scale rows ``at``, `_deviation_order`) and how
    the rest of the book orders them (`_reversal_counts`); ("", "", []) with fewer than two comparable methods."""
    dev = _deviation_order(at)
    if len(dev) < 2:
        return "", "", []
    first, second = dev.index[0], dev.index[1]
    return first, second, _reversal_counts(first, second, sys_t, sens)


def _contested(counts: list[tuple[int, int, str]]) -> bool | None:
    """Whether the rest of the book ranks the other method ahead (``counts``, `_reversal_counts`): on more than half
    of the study systems or of a run's variants; None where nothing compares the two. The one rule of
    `_accuracy_evidence` and `RANKING_SAYS`."""
    return any(n > m / 2 for n, m, _ in counts) if counts else None


def _accuracy_evidence(at: pd.DataFrame, sys_t: pd.DataFrame, sens: dict[str, pd.DataFrame | None]) -> str:
    """Markdown, a sentence of the verdict, after `_margins` has said the lead is one run's: whether the rest of the
    book orders the two most accurate methods at the sweep's largest size (the scale rows ``at``) as that one run
    does (`_rest_of_book`). Where it ranks the other method ahead (`_contested`), the lead is said not to be
    established beyond that run; "" where nothing else compares them."""
    first, second, counts = _rest_of_book(at, sys_t, sens)
    against = _contested(counts)
    if against is None:
        return ""
    said = listed(words for _, _, words in counts)
    if against:
        return (f"In the rest of the book, {second} was the more accurate {said}, so {first}'s lead is not established "
                "beyond that run.")
    return f"The rest of the book agrees with it: {second} was the more accurate only {said}."


SWEEP_ROLE = "{doc}`12_many_dsos`"
"""How the verdict names chapter 12 on this page (a cross-reference); pasted text shows no roles, so the first page
gets it in words (`headline_text`)."""


LIST_SAYS_WHY = " (the list below says why)"
"""The verdict paragraph's pointer to the answer's list (`_at_largest`). It and the two below are the verdict's
pointers into this page; the book's first page pastes the verdict without them (`headline_text`, which builds the
paragraph with ``pointers=False``), as it has neither list nor conditions."""
WORKERS_BELOW = ", see below"
"""The verdict paragraph's pointer to the answer's item on the online time (`_speed_conditions`)."""
CONDITIONS_NAME_IT = " (the sweep's conditions name it)"
"""The verdict paragraph's pointer to the sweep's conditions (`_margins`)."""


MACHINE_PER_DSO = " with a machine per DSO"
"""The condition the verdict's first sentence gives its speed claim in (`_largest_lead`, chapter 12's
`winner_words`): the fastest online is so by the book's one rule, every DSO on a machine of its own, where the sweep's
workers give another verdict (`_speed_conditions`). A claim without its condition reads stronger than its numbers."""
ONE_RUN = ", in this one run,"
"""The condition the verdict's first sentence gives its accuracy claim in (`_largest_lead`): the most accurate is so
in the one run of the sweep, which the rest of the book does not always confirm (`_accuracy_evidence`)."""


def _speed_conditions(w, found: dict, pointers: bool = True) -> tuple[str, str]:
    """The conditions of the speed verdict at one size (``w``, a row of `_winners`) for `winner_words`: where it does
    not hold with P1's DSOs on the sweep's workers (`ch12_many_dsos.workers_hold`), that it holds with a machine per
    DSO (`MACHINE_PER_DSO`) and who was the fastest on the workers: " (on that run's 2 Dask workers P2 ML surrogate
    was, see below)", the pointer `WORKERS_BELOW` only with ``pointers``; ("", "") where it holds there too or was
    not measured."""
    if not getattr(w, "workers_fastest", "") or ch12_many_dsos.workers_hold(w):  # chapter 12's one rule
        return "", ""
    who = listed([w.workers_fastest, *w.workers_tied])
    was = "were tied" if w.workers_tied else "was"
    return MACHINE_PER_DSO, f" (on {_workers_words(found)} {who} {was}{WORKERS_BELOW if pointers else ''})"


def _cost_gap(at: pd.DataFrame, first: str, second: str) -> float:
    """How far ``second``'s judged cost lies further from the integrated optimum than ``first``'s at one size (the
    scale rows ``at``), $/h: the gap of their |deviations| (judged cost minus optimum, as chapter 12's worth of DS
    flexibility counts it), unsigned as `_margins`' percentage points are, so that a cost below the optimum does not
    make the two disagree; NaN for a store without the costs."""
    if not {"cost", "integrated_cost"} <= set(at.columns):
        return np.nan
    above = (at.cost.astype(float) - at.integrated_cost.astype(float)).abs().groupby(at.method).first()
    return float(above.get(second, np.nan) - above.get(first, np.nan))


def _margins(at: pd.DataFrame, w, pointers: bool = True) -> str:
    """Markdown, a sentence of the verdict: by how much the most accurate method at one size (the scale rows ``at``;
    ``w``, a row of `_winners`) leads: its |cost deviation| below the next one's (`_deviation_order`), in
    percentage points and in $/h where the store has the costs (`_cost_gap`), at one operating point
    (`ch12_many_dsos.operating_point`, which the sweep's conditions name, `CONDITIONS_NAME_IT` only with
    ``pointers``): the answer's one statement of that. The online lead is the first sentence's (`winner_words`), not
    said again. "" with fewer than two comparable methods."""
    dev = _deviation_order(at)
    if w is None or len(dev) < 2:
        return ""
    gap = _cost_gap(at, dev.index[0], dev.index[1])
    dollars = f" ({grouped(gap, 2)} $/h)" if np.isfinite(gap) else ""
    return (f"{dev.index[0]}'s |cost deviation| lies {float(dev.iloc[1] - dev.iloc[0]):.4f} percentage points"
            f"{dollars} below {dev.index[1]}'s, at one operating point{CONDITIONS_NAME_IT if pointers else ''}.")


def _privacy_clause(w) -> str:
    """Markdown, a sentence of the verdict: which method's messages reveal least about a DS (`LEAST_REVEALING`,
    `REVEALS_BRIEF`), said as the leader's where it leads at the size (``w``, a row of `_winners`): privacy is half
    of the book's question."""
    brief = REVEALS_BRIEF[LEAST_REVEALING]
    if w is not None and LEAST_REVEALING in (w.fastest, w.most_accurate):
        return f"{LEAST_REVEALING} also reveals least to the TSO: {brief}."
    return f"The method that reveals least to the TSO is {LEAST_REVEALING}: {brief}."


def _largest(scale_t: pd.DataFrame) -> tuple[int, pd.DataFrame, object]:
    """The sweep's largest size, its scale rows and its row of `_winners` (None where no contestant has a row
    there): the size the book's question is answered at."""
    n_max = int(scale_t.n_ds.max())
    wins = _winners(scale_t)
    return n_max, scale_t[scale_t.n_ds == n_max], (wins.loc[n_max] if n_max in wins.index else None)


def _verdict_paragraph(scale_t: pd.DataFrame, found: dict, max_ds: int | None = None,
                       sys_t: pd.DataFrame | None = None, sens: dict | None = None, pointers: bool = True) -> str:
    """Markdown, the answer's first paragraph: at the sweep's largest size (the scale rows ``scale_t``; ``found``, the
    chapter store's parsed ``attrs["sources"]``), who leads online and on accuracy and every method's numbers
    (`_largest_entries`; ``max_ds``: the sweep's ``p3_max_ds``), by how much and under which conditions
    (`_margins`), how the rest of the book orders the two on accuracy (`_accuracy_evidence`, from the every-system
    table ``sys_t`` and chapter 08's runs ``sens``), and which method reveals least (`_privacy_clause`). The
    caveats follow as a list (`_answer_items`); ``pointers`` (False for the book's first page, `headline_text`) says
    whether the paragraph points into this page (`LIST_SAYS_WHY`, `WORKERS_BELOW`, `CONDITIONS_NAME_IT`)."""
    n_max, at, w = _largest(scale_t)
    ts = ((found.get("scale") or {}).get("parameters") or {}).get("ts")
    head = (f"With {ds_count(n_max)}{f' under {ts}' if ts else ''} ({grouped(at.buses.iloc[0])} buses in all), "
            f"the largest size of the paper-scale sweep of {SWEEP_ROLE}, {_largest_lead(w, found, pointers)}: "
            f"{_largest_entries(at, scale_t, max_ds, pointers)}.")
    evidence = _accuracy_evidence(at, pd.DataFrame() if sys_t is None else sys_t, sens or {})
    return " ".join(p for p in (head, _margins(at, w, pointers), evidence, _privacy_clause(w)) if p)


P1_OFFLINE_RAN = {True: "every DSO's offline work one task, all submitted together and run one at a time on each of "
                        "{workers}",
                  False: "the DSOs one after another, each spreading its OPFs over {workers}"}
"""How P1's offline work ran in chapter 12's sweep, by its ``p1_dso_services``
(`forlab.studies.ch05_coordination.case_study`): the offline times are as the work ran, not by the one rule of
parallel parts, so the answer says how it ran. With services, each DSO is a Dask actor on one worker
(`forlab.p1_for.dso_service`), and a worker runs one actor's task at a time, so the tasks submitted together ran as
many at a time as the run had workers."""

P2_OFFLINE_RAN = "its surrogates fitted one DS after another, their power flows on {workers}"
"""How P2's offline work ran in chapter 12's sweep (`forlab.studies.ch08_sensitivity.run_p2`: every DS's data set,
then every DS's fit, in turn)."""


def _offline_condition(at: pd.DataFrame, found: dict) -> str:
    """Markdown: the offline times at one size (the scale rows ``at``) as the work ran on the sweep's machine, each
    with how it ran (`P1_OFFLINE_RAN`, `P2_OFFLINE_RAN`) and what it pays for (P1's one load level, with its
    slowest DSO's own time where stored; P2's whole trained range), then the sweep's offline models they were
    measured with (`scale_models_text`, its first differing setting per method). "" without an offline time."""
    good = at[ch12_many_dsos.comparable(at) & at.method.isin(FIT_SIZES)].set_index("method")
    offline = good.get("offline_time_s", pd.Series(dtype=float)).astype(float).dropna()
    if offline.empty:
        return ""
    p = (found.get("scale") or {}).get("parameters") or {}
    workers = _workers_words(found)
    slowest = good.get("offline_dso_max_s", pd.Series(dtype=float)).astype(float).get(METHOD_NAMES[0], np.nan)
    how = {METHOD_NAMES[0]: f"for one load level, {P1_OFFLINE_RAN[bool(p.get('p1_dso_services'))]}".format(
               workers=workers) + (f" (its slowest DSO's own {grouped(slowest, 1)} s)" if np.isfinite(slowest) else ""),
           METHOD_NAMES[1]: "for every DS load factor it was trained on, " + P2_OFFLINE_RAN.format(workers=workers)}
    said = "; ".join(f"{m} {grouped(v, 1)} s {how[m]}" for m, v in offline.items())
    models = scale_models_text(found, short=True)
    return (f"The offline times are as the work ran on that machine, not by the one rule of parallel parts: {said}."
            + (f" These times and the deviations come from the sweep's offline models, not those of the every-system "
               f"runs: {models}." if models else ""))


def _sweep_load_range(found: dict) -> tuple[float, float] | None:
    """The DS load factors P2's surrogates are trained on in chapter 12's sweep, as its store records them
    (``p2_load_range``; for a store written before it, the constant it was run with, `ch12_many_dsos.P2_LOAD_RANGE`);
    None where chapter 12's store is not found."""
    scale = found.get("scale")
    return tuple(float(v) for v in scale.get("p2_load_range", ch12_many_dsos.P2_LOAD_RANGE)) if scale else None


def _load_condition(at: pd.DataFrame, found: dict) -> str:
    """Markdown: the load each one-round method was tested at, at one size (the scale rows ``at``): P1's offers were
    built for the very load they were dispatched at (the sweep's one operating point,
    `ch12_many_dsos.stored_point`), while P2's surrogates cover the DS load factors they were trained on
    (`_sweep_load_range`); a difference that favours P1 on accuracy. "" unless both compare there."""
    ran = set(at.method[ch12_many_dsos.comparable(at)])
    point, trained = ch12_many_dsos.stored_point(at), _sweep_load_range(found)
    if not {METHOD_NAMES[0], METHOD_NAMES[1]} <= ran or point is None or trained is None:
        return ""
    trained = span([100 * v for v in trained], ".0f", " %")
    return (f"{METHOD_NAMES[0]}'s offers were built for the very load they were dispatched at "
            f"({100 * point.level:.0f} % of nominal load, the sweep's one operating point), while {METHOD_NAMES[1]}'s "
            f"surrogates cover the DS load factors they were trained on, {trained}: P1 was tested as with a perfect "
            "forecast of that load, P2 as a model of its whole range.")


def _reserve_condition(at: pd.DataFrame) -> str:
    """Markdown: that P2's deviation at one size (the scale rows ``at``) includes the reserves its TSO holds against
    the surrogates' import errors, forlab's choice (``reserve`` of `forlab.p2_surrogate.tso.SurrogateTSO`), in the
    words of `forlab.p2_surrogate.tso.reserve_amounts`: on each slack unit's P (1 + `LOSS_MARGIN`) times the summed P
    import-error bounds, on every voltage-controlling unit's Q the summed Q bounds; with their sizes where the store
    has them (``reserve_mw``, chapter 12's store; ``reserve_mvar``, which it does not keep); "" unless P2 compares
    there."""
    p2 = at[(at.method == METHOD_NAMES[1]) & ch12_many_dsos.comparable(at)]
    if p2.empty:
        return ""
    mw, mvar = (float(p2[c].iloc[0]) if c in p2 else np.nan for c in ("reserve_mw", "reserve_mvar"))
    n = ds_count(int(p2.n_ds.iloc[0]))
    rule = ("`reserve` of `forlab.p2_surrogate.tso.SurrogateTSO`, forlab's choice: each slack unit's P limits held in "
            f"by {1 + LOSS_MARGIN:g} times the surrogates' summed P import-error bounds, `LOSS_MARGIN` added for the "
            "TS losses the errors also move, and every voltage-controlling unit's Q limits by their summed Q bounds")
    if mw == 0:
        return f"{METHOD_NAMES[1]}'s TSO held no reserve against the surrogates' import errors at {n} ({rule})."
    if mw > 0:
        q = (f" and {mvar:.4f} Mvar on each voltage-controlling unit's Q at {n}" if np.isfinite(mvar)
             else f" at {n} (this store does not keep the Q reserve's size)")
        size = f": {mw:.4f} MW on each slack unit's P{q}"
    else:
        size = f"; this store does not record their sizes at {n}"
    return (f"{METHOD_NAMES[1]}'s deviation includes the reserves its TSO holds against the surrogates' import errors "
            f"({rule}){size}, so it is that of a TSO held off those limits as well as of the surrogates' errors.")


def _no_worth_at(scale_t: pd.DataFrame, n: int, found: dict) -> str:
    """Chapter 12's clause why the size ``n`` has no worth of DS flexibility (`ch12_many_dsos.no_worth`), from what
    the scale rows ``scale_t`` keep of its AC-OPF with every FPU held (``flex_status``, ``flex_feasible``, and the
    elastic AC-OPF's ``flex_widening_*`` where the store has them), the
    sweep's wall-time limit (``found``, the chapter store's parsed sources) and the integrated AC-OPF's solver time of
    that size; "" for a store without the status, or with an "ok" status but not whether the dispatch kept the
    limits (a store written before ``flex_feasible``: the status alone does not tell why)."""
    at = scale_t[scale_t.n_ds == n]
    status = str(at.flex_status.iloc[0]) if "flex_status" in at and len(at) else "nan"
    if status == "nan" or (status == "ok" and "flex_feasible" not in at):
        return ""
    feasible = bool(at.flex_feasible.iloc[0]) if "flex_feasible" in at else False
    limit = ((found.get("scale") or {}).get("parameters") or {}).get("time_limit_s")
    central = at[at.method == SCALE_METHODS["integrated"]].solve_time_s.astype(float)
    widening = ({k: at[f"flex_{k}"].iloc[0] for k in ch12_many_dsos.WIDENING_KEYS}
                if "flex_widening_status" in at and pd.notna(at.flex_widening_status.iloc[0]) else None)
    return ch12_many_dsos.no_worth(status, feasible, limit, central.iloc[0] if len(central) else np.nan, widening)


FPUS_HELD = "the DSs' flexibility-providing units (FPUs) held"
"""The units held at their base-case output where the worth of DS flexibility is measured (`_worth_condition`): the
page's first "FPU" (in the answer), spelled out there, since chapter 12's why a size has no worth, which the answer
quotes, says "every FPU held"."""


def _worth_condition(scale_t: pd.DataFrame, found: dict | None = None) -> str:
    """Markdown: what DS flexibility is worth over the sweep's sizes with a worth (the scale rows ``scale_t``: chapter
    12's `flexibility`, copied by `scale_rows`; whose output is held, `FPUS_HELD`); where the verdict's size (the
    largest) has no worth, that said next with chapter 12's why (`_no_worth_at`; ``found``, the chapter store's parsed
    sources), before any share: the worth of another size is no scale for the verdict's deviations; then, in chapter
    12's words and its form of a range (`ch12_many_dsos.percent_span`), each contestant's range of the shares of the worth its dispatch gave up over the sizes with one
    (`ch12_many_dsos.share_ranges`) and where a method gave up more than all of it (`ch12_many_dsos.over_all`). ""
    where no size has one."""
    if "flex_worth_pct" not in scale_t:  # a store written before it
        return ""
    t, has = ch12_many_dsos.flexibility_of_rows(scale_t)
    if has.empty:
        return ""
    largest = int(scale_t.n_ds.max())
    said = [(f"At {_listed(has.index)}, with {FPUS_HELD} at their base-case output (the chart point closest to zero "
             f"output), the T+D system costs {ch12_many_dsos.percent_span(has.worth_pct)} more than the integrated "
             "optimum: that is all DS flexibility is worth there.")]
    if largest not in has.index:
        why = _no_worth_at(scale_t, largest, found or {})
        said.append(f"At {ds_count(largest)}, the size of the verdict, what DS flexibility is worth is not known, so "
                    f"neither is the share of it each method gives up there{f': {why}' if why else ''}.")
    said += [ch12_many_dsos.share_ranges(t, has), ch12_many_dsos.over_all(t, has)]
    return " ".join(p for p in said if p) + " ({doc}`12_many_dsos` gives it at every size.)"


def _stop_reason(skipped: pd.DataFrame) -> str:
    """Markdown: why the sweep did not run ALADIN at the sizes of ``skipped`` (its rows not run), where every stored
    status gives ``p3_max_ds`` as the reason (`ch12_many_dsos.above_max`): chapter 12's one statement of what a run at
    the next size found (`ch12_many_dsos.P3_ABOVE_MAX`), with chapter 12's section on the limits of P3
    (`STOPPED_BY_A_HAIR`'s), since the store keeps only "not run" for those sizes; "" where a status gives another
    reason (the callers quote it)."""
    if not ch12_many_dsos.above_max(skipped):
        return ""
    return f"{ch12_many_dsos.P3_ABOVE_MAX} ({{doc}}`12_many_dsos`, section “{STOPPED_BY_A_HAIR[0]}”)"


def _last_status(skipped: pd.DataFrame) -> str:
    """The stored status of the largest size of ``skipped`` (a method's rows not run), as the page quotes it."""
    return clipped(skipped.sort_values("n_ds").status.astype(str).iloc[-1], 120)


def _above_limit(skipped: pd.DataFrame, max_ds: int | None) -> str:
    """Markdown: "above its `p3_max_ds`, 16 DSs" where every stored status of ``skipped`` (a method's rows not run)
    gives ``p3_max_ds`` as the reason (`ch12_many_dsos.above_max`; ``max_ds``: the sweep's, where its store keeps it),
    else the last stored status quoted: why the sweep has no run there, read from the store."""
    if not ch12_many_dsos.above_max(skipped):
        return f"stored status: {_last_status(skipped)}"
    return "above its `p3_max_ds`" + (f", {ds_count(max_ds)}" if max_ds else "")


SEPARATE_RUN = "in a separate run at the next size of the sweep, "
"""How chapter 12's reason for not running ALADIN above ``p3_max_ds`` begins (`ch12_many_dsos.P3_ABOVE_MAX`):
`_p3_at_scale` names that run itself ("because a separate run at 32 DSs failed: ..."), so drops it there."""


def _p3_at_scale(scale_t: pd.DataFrame, max_ds: int | None = None) -> str:
    """Markdown: ALADIN's result at the largest size of the sweep it was run at, where the sweep stopped running it
    below its largest size (the scale rows ``scale_t``; ``max_ds``, its ``p3_max_ds``): its time ratio, online time,
    rounds and |cost deviation| there (or chapter 12's word for why it has none, `ch12_many_dsos.WHY_NOT`), and why
    it was not run beyond: "The sweep did not run it above 16 DSs (`p3_max_ds`), because a separate run at 32 DSs
    failed: ..." (`_stop_reason`), or the stored status where it names another reason. "" where it was run at every size, or at none."""
    rows = scale_t[scale_t.method == METHOD_NAMES[2]].sort_values("n_ds")
    not_run = rows.status.astype(str).str.startswith("not run")
    if not not_run.any() or not_run.all():
        return ""
    last = rows[~not_run].tail(1)
    r, word = last.iloc[0], ch12_many_dsos.ratio_words(last).iloc[0]
    limit = ", its `p3_max_ds`" if max_ds == int(r.n_ds) else ""
    if word in ch12_many_dsos.WHY_NOT:
        result = ch12_many_dsos.WHY_NOT[word]
    else:
        result = (f"it took {word}x the integrated AC-OPF's solver time ({ch12_many_dsos.duration(r.solve_time_s)}) "
                  f"in {counted(r.rounds, 'round')}, with a |cost deviation| of {abs(float(r.deviation_pct)):.4f} %")
    reason = _stop_reason(rows[not_run])
    above = max_ds or int(r.n_ds)
    nxt = ds_count(int(rows[not_run & (rows.n_ds > above)].n_ds.min())) if (rows[not_run].n_ds > above).any() else ""
    why = (f"The sweep did not run it above {ds_count(above)} (`p3_max_ds`), because a separate run at "
           f"{nxt or 'the next size'} failed: {reason.removeprefix(SEPARATE_RUN)}." if reason
           else f"It was not run beyond that size (stored status: {_last_status(rows[not_run])}).")
    return f"At {ds_count(int(r.n_ds))}, the largest size the sweep ran it at{limit}, {result}. {why}"


def _speed_caveat(at: pd.DataFrame, w, found: dict) -> str:
    """Markdown: what the timing noise is (chapter 12's `NOISE_DEFINITION`) and whether the speed verdict holds with
    P1's DSOs on the sweep's workers (`_p1_on_workers`); "" where neither is measured."""
    said = w is not None and w.qualified > 0 and np.isfinite(w.noise)  # the verdict holds a lead to the noise
    noise = f"In chapter 12's words, {ch12_many_dsos.NOISE_DEFINITION}." if said else ""
    return " ".join(p for p in (noise, _p1_on_workers(at, w, _workers_words(found))) if p)


def _accuracy_caveat(at: pd.DataFrame, scale_t: pd.DataFrame, spread: tuple[float, float, str, str],
                     against: bool | None = None) -> str:
    """Markdown: the accuracy lead at one size held to what one run of a method's deviation can move by, to the
    sweep's own order of the two methods and to the rest of the book's ranking (``against``, `_contested`)
    (`_lead_held`, `_sweep_order`); "" with fewer than two comparable methods."""
    dev = _deviation_order(at)
    if len(dev) < 2:
        return ""
    order = _sweep_order(scale_t, dev.index[0], dev.index[1])
    return _lead_held(spread, order, against) or order


def _answer_items(scale_t: pd.DataFrame, found: dict, spread: tuple[float, float, str, str] = NO_SPREAD,
                  max_ds: int | None = None, against: bool | None = None) -> list[str]:
    """The answer's conditions and caveats at the sweep's largest size, one list item each, bold lead first: the
    online time (`_speed_caveat`), the accuracy lead (`_accuracy_caveat`, with whether the rest of the book ranks the
    other method ahead, ``against``, as the verdict counts it), what DS flexibility is worth there
    (`_worth_condition`), the load each one-round method was tested
    at (`_load_condition`), P2's reserve (`_reserve_condition`), the offline work (`_offline_condition`) and ALADIN at
    scale (`_p3_at_scale`); an item with nothing to say is left out."""
    _, at, w = _largest(scale_t)
    parts = {"Online time": _speed_caveat(at, w, found), "Accuracy": _accuracy_caveat(at, scale_t, spread, against),
             "What the flexibility is worth": _worth_condition(scale_t, found), "Load": _load_condition(at, found), "P2's reserve": _reserve_condition(at),
             "Offline work": _offline_condition(at, found), METHOD_NAMES[2]: _p3_at_scale(scale_t, max_ds)}
    return [f"- **{head}**: {text}" for head, text in parts.items() if text]


ANSWER_POINTER = ("The section on many DSOs below gives every size and every offline setting, and the last section "
                  "the other views.")
"""The last sentence of `answer_text`: where the page says more."""


def answer_text(st: xr.Dataset) -> str:
    """Markdown, the page's first result: the book's question (which method wins, and by how much, when a TSO
    coordinates dozens of DSOs) answered at the largest size of chapter 12's paper-scale sweep, as chapter 09's store
    holds it (``scale`` rows and the sweep's parameters in ``attrs["sources"]``), in three parts: a short verdict
    (`_verdict_paragraph`: who leads online and on accuracy, by how much, under which conditions, how the rest of the
    book orders the two, which method reveals least); the conditions and caveats as a list (`_answer_items`, the
    accuracy lead held to what one run can move by, `one_run_spread` of the store's sensitivity rows and default
    runs); then the sweep's conditions (`scale_conditions_text`) and `ANSWER_POINTER`. The one statement of the
    answer: "Which method when" points to it (`scale_text`). Without the sweep, what to run (`NO_SCALE_STORE`)."""
    scale_t, found, max_ds, sens, sys_t = _answer_inputs(st)
    if scale_t.empty:
        return NO_SCALE_STORE
    verdict = _verdict_paragraph(scale_t, found, max_ds, sys_t, sens)
    spread = one_run_spread(sens["sens"], from_store(st, "default_case"), sens["sens_paper"])
    against = _contested(_rest_of_book(_largest(scale_t)[1], sys_t, sens)[2])  # as the verdict counts it
    caveats = "\n".join(_answer_items(scale_t, found, spread, max_ds, against))
    conditions = scale_conditions_text(found, scale_t, models=False)
    return "\n\n".join(p for p in (verdict, caveats, f"{conditions} {ANSWER_POINTER}".strip()) if p)


def _answer_inputs(st: xr.Dataset) -> tuple[pd.DataFrame, dict, int | None, dict, pd.DataFrame]:
    """What the answer is computed from, in chapter 09's store ``st``: the scale rows, the parsed sources, the sweep's
    ``p3_max_ds``, chapter 08's runs by store dimension and the every-system rows."""
    sens = {dim: from_store(st, dim) for dim in SENS_RUNS}
    return (from_store(st, "scale"), json.loads(st.attrs.get("sources", "{}")), scale_limit(st), sens,
            from_store(st, "sys"))


HEADLINE_KEY = "answer_headline"
"""The glue key under which this chapter's page hands its verdict (`headline_text`) to the book's first page,
book/intro.md, which pastes it with the role ``{glue:text}`` from ``chapters/09_comparison.ipynb``: the book's
question answered where the reader starts, in the numbers of this page."""

def headline_text(st: xr.Dataset) -> str:
    """Plain text, the answer's verdict as the book's first page pastes it (glue key `HEADLINE_KEY`): the first
    paragraph of `answer_text` built without its pointers into this page (`LIST_SAYS_WHY`, `WORKERS_BELOW`,
    `CONDITIONS_NAME_IT`) and with chapter 12 named in words, as pasted text renders no roles; "" without the
    sweep."""
    scale_t, found, max_ds, sens, sys_t = _answer_inputs(st)
    if scale_t.empty:
        return ""
    return _verdict_paragraph(scale_t, found, max_ds, sys_t, sens, pointers=False).replace(SWEEP_ROLE, "chapter 12")


def sweep_text(st: xr.Dataset) -> str:
    """Markdown above the many-DSOs tables (`ch12_many_dsos.paper_tables`): the conditions of chapter 12's sweep with
    every offline setting that differs from the every-system runs (`scale_conditions_text`), from chapter 09's store
    ``st``; "" without the sweep."""
    return scale_conditions_text(json.loads(st.attrs.get("sources", "{}")), from_store(st, "scale"))


def _largest_entries(at: pd.DataFrame, scale_t: pd.DataFrame, max_ds: int | None, pointers: bool = True) -> str:
    """Every contestant's entry at one size (`_at_largest`, its pointer only with ``pointers``), after the integrated
    AC-OPF's online time they are held against: "online solver time over the integrated AC-OPF's (11.23 s) and judged
    |cost deviation|, P1 ...; P2 ..."."""
    central = at[at.method == SCALE_METHODS["integrated"]].solve_time_s
    against = f" ({ch12_many_dsos.duration(central.iloc[0])})" if len(central) and np.isfinite(central.iloc[0]) else ""
    rows = at[at.method != SCALE_METHODS["integrated"]]
    words = ch12_many_dsos.ratio_words(rows)  # the ratio, or why there is none, as chapter 12's tables print it
    contestants = sorted(zip(rows.itertuples(), words), key=lambda rw: _method_rank(rw[0].method))
    return (f"online solver time over the integrated AC-OPF's{against} and judged |cost deviation|, "
            + "; ".join(_at_largest(r, word, scale_t, max_ds, pointers) for r, word in contestants))


def scale_text(scale_t: pd.DataFrame, found: dict | None = None) -> str:
    """The many-DSOs statement of `which_method_text`: the sweep's range and, in one sentence, where the page answers
    the question at its largest size (the section `ANSWER_SECTION`, `answer_text`: the answer is said once on the
    page); then what the answer does not say: which method was the fastest online at which sizes
    (`_fastest_by_size`, with where P1's DSOs on the sweep's workers give another verdict; ``found``, the chapter
    store's parsed sources, names the workers), and which method did not finish with a feasible dispatch where, or
    was not run (`_all_feasible`)."""
    sizes = scale_t.drop_duplicates("n_ds").set_index("n_ds").buses.sort_index()
    n_max = int(sizes.index[-1])
    finished = _all_feasible(scale_t)
    return (f"- **When the TSO coordinates many DSOs** ({{doc}}`12_many_dsos`, from {ds_count(sizes.index[0])} to "
            f"{ds_count(n_max)} under one TS, up to {grouped(sizes.iloc[-1])} buses): the section "
            f"“{ANSWER_SECTION}” at the top of this page gives the verdict at {ds_count(n_max)} and its conditions."
            + f" Fastest online by size: {_fastest_by_size(_winners(scale_t), _workers_words(found or {}))}."
            + (f" {finished}" if finished else ""))


WINNER_METHODS = ("fastest", "most_accurate", "workers_fastest")
WINNER_TIES = ("tied", "tied_fastest", "workers_tied")
"""The columns of chapter 12's `winners` that name one method, and those that name a tuple of them (those the
store's chapter 12 has: a column it does not have is left out)."""


def _winners(scale_t: pd.DataFrame) -> pd.DataFrame:
    """Chapter 12's `winners` on the scale rows (per size the fastest online, a lead counted only beyond the timing
    noise it measures in the store, with the methods tied within it; the same with P1's DSOs on the run's workers;
    the most accurate of the comparable rows), its methods named as this chapter names them ("none" where no method
    qualified, "" where a verdict was not measured)."""
    w = ch12_many_dsos.winners(ch12_many_dsos.coded(scale_t))
    named = {c: w[c].map(lambda m: SCALE_METHODS.get(m, m)) for c in WINNER_METHODS if c in w}
    named.update({c: w[c].map(lambda ms: tuple(SCALE_METHODS.get(m, m) for m in ms)) for c in WINNER_TIES if c in w})
    return w.assign(**named).set_index("n_ds")


def _largest_lead(w, found: dict | None = None, pointers: bool = True) -> str:
    """Which method was the fastest online and which the most accurate at one size (a row of `_winners`, None where no
    contestant has a row there), in words (chapter 12's `winner_words`), each claim with its condition in the same
    sentence: the speed verdict's where the sweep's workers give another (`_speed_conditions`; ``found``, the chapter
    store's parsed sources; its pointer only with ``pointers``), the accuracy verdict's one run (`ONE_RUN`)."""
    if w is None or w.qualified == 0:
        return "no method has a result to compare"
    named = (w.fastest, w.most_accurate, *w.tied, *getattr(w, "tied_fastest", ()))
    fastest_if, elsewhere = _speed_conditions(w, found or {}, pointers)
    return ch12_many_dsos.winner_words(w, {m: m for m in named}, fastest_if, elsewhere, ONE_RUN)


def _on_workers(w: pd.DataFrame, workers: str) -> str:
    """Where the verdict on the fastest method (rows of `_winners` at some sizes) is another with P1's DSOs timed on
    the sweep's workers (``workers``, `_workers_words`; `ch12_many_dsos.workers_hold`): " with a machine per DSO (on
    that run's 2 Dask workers P2 ML surrogate at 32 and 112 DSs)"; "" where it holds at every one of them or was not
    measured."""
    if "workers_fastest" not in w:
        return ""
    differ = w[[bool(r.workers_fastest) and not ch12_many_dsos.workers_hold(r) for r in w.itertuples()]]
    if differ.empty:
        return ""
    who = differ.apply(lambda r: listed([r.workers_fastest, *r.workers_tied]) + (" tied" if r.workers_tied else ""),
                       axis=1)
    said = listed([f"{m} at {_listed(who.index[who == m])}" for m in who.unique()])
    return f"{MACHINE_PER_DSO} (on {workers} {said})"


def _fastest_by_size(w: pd.DataFrame, workers: str = "that run's workers") -> str:
    """Which method was the fastest online at which sizes of the sweep (`_winners`), the method fastest at most sizes
    first, and the sizes where the fastest led the next by no more than the timing noise chapter 12 measures in its
    store (``tied_fastest``, ``noise``): "P2 ML surrogate at 8 DSs, P1 FOR offer at 112 DSs; tied within the timing
    noise (13 %) at 1, 2, 4, 16 and 32 DSs", each method's sizes, and the tied ones, with where P1's DSOs on the
    sweep's ``workers`` give another verdict (`_on_workers`: this section is the page's advice), then the range of the fastest method's lead
    over the next (``lead``: how far its solver time lies below the next one's, the quantity held against the noise,
    in its unit) over the sizes not called tied, as a sentence of its own (the caller ends it); "no method at any
    size" where none qualified."""
    w = w[w.qualified > 0]
    if w.empty:
        return "no method at any size"
    tied = w.get("tied_fastest", pd.Series([()] * len(w), index=w.index)).map(bool)
    fastest = w.fastest[~tied]
    order = fastest.value_counts().index  # most sizes first (ties: as counted)
    parts = [f"{m} at {_listed(fastest.index[fastest == m])}{_on_workers(w[~tied][fastest == m], workers)}"
             for m in order]
    if tied.any():  # a tie that P1's DSOs on the workers break is said too
        parts.append(f"tied within the timing noise ({ch12_many_dsos.percent(w.noise.max())}) at "
                     f"{_listed(w.index[tied])}{_on_workers(w[tied], workers)}")
    by_size = "; ".join([", ".join(parts[:len(order)]), *parts[len(order):]]) if len(order) else parts[-1]
    lead = w.lead[~tied].dropna()
    if lead.empty:
        return by_size
    pct = ch12_many_dsos.percent
    leads = pct(lead.min()) if len(lead) == 1 else f"{pct(lead.min())} to {pct(lead.max())}"
    # a sentence of its own: a parenthesis here would follow the workers' parenthesis that may end ``by_size``
    return (f"{by_size}. These verdicts come from one sweep; where one method was the fastest, its solver time lies "
            f"{leads} below the next method's")


def _listed(sizes) -> str:
    """Numbers of DSs by name: "1 DS", "2 and 4 DSs", "1, 4, 8 and 16 DSs"."""
    ns = [int(n) for n in sorted(sizes)]
    return f"{listed(ns)} {'DS' if ns == [1] else 'DSs'}"


def _all_feasible(scale_t: pd.DataFrame) -> str:
    """Markdown, whole sentences: that every method finished with a feasible dispatch at every size it was run at,
    but for the methods and sizes that did not, each with why (chapter 12's `why_not_compared`, in its words
    `WHY_NOT`), or that no method did anywhere; which finished runs have no yardstick to be compared against (they
    did finish with a feasible dispatch, so they are no exception to that); and which method was not run at which
    sizes; all from the scale rows ``scale_t``. Each miss is named where it is, since a list of the sizes where every
    method finished read as if the others had failures too, where a method was only not run."""
    scale_t = scale_t.reset_index(drop=True)  # one label per row: `_judged`'s rows are found by theirs
    judged = _judged(scale_t)  # the verdicts' one selection of rows; every other contestant's row is missed
    rows = scale_t[scale_t.method != SCALE_METHODS["integrated"]]
    rows = rows.iloc[np.lexsort((rows.n_ds.to_numpy(), rows.method.map(_method_rank).to_numpy()))]
    missed = rows[~rows.index.isin(judged.index)]
    why = pd.Series([why_not_compared(r) for r in missed.itertuples()], index=missed.index, dtype=object)
    groups = [(m, w, g.n_ds) for (m, w), g in missed.groupby([missed.method, why], sort=False)]
    bad = [f"{m} at {_listed(ns)} ({ch12_many_dsos.WHY_NOT[w]})" for m, w, ns in groups
           if w in ("failed", "infeasible")]
    unmatched = [f"{m} at {_listed(ns)} has no yardstick: {ch12_many_dsos.WHY_NOT[w]}."
                 for m, w, ns in groups if w == "no yardstick"]
    not_run = [f"{m} was not run at {_listed(ns)}." for m, w, ns in groups if w == "not run"]
    sizes = " it was run at" if not_run else ""
    # a run finished with a feasible dispatch where it is comparable or only lacks its yardstick
    finished = not judged.empty or (why == "no yardstick").any()
    if finished:
        said = [f"Every method finished with a feasible dispatch at every size{sizes}"
                + (f", except {listed(bad)}" if bad else "") + "."]
    else:  # no run to speak of as finished: not "every method … except" all of them
        said = [f"No method finished with a feasible dispatch at any size{sizes}: {listed(bad)}."] if bad else []
    return " ".join([*said, *unmatched, *not_run])


def scale_base_mva(found: dict | None) -> float | None:
    """The system base (MVA) of chapter 12's sweep, from the TS its parameters name (``found``: the chapter store's
    parsed ``attrs["sources"]``, `sources`; `ch12_many_dsos.ts_base_mva`); None where they do not name one."""
    ts = ((found or {}).get("scale") or {}).get("parameters", {}).get("ts")
    return ch12_many_dsos.ts_base_mva(ts) if ts else None


STOPPED_BY_A_HAIR = ("Limits of P3 at this scale", "Stopped, yet infeasible by a hair")
"""Where chapter 12 explains how an ALADIN run that stopped by its own test can leave a unit just past the judge's
tolerance: (its section, the paragraph's bold lead), as its notebook titles them; `scale_reliability_text` sends the
reader there."""


def scale_reliability_text(scale_t: pd.DataFrame, method: str = METHOD_NAMES[2], max_ds: int | None = None,
                           found: dict | None = None) -> str:
    """Markdown: at which sizes of chapter 12's sweep ``method`` (ALADIN by default) finished with a feasible dispatch
    and at which not, and why not (`ch12_many_dsos.WHY_NOT`; where its dispatch is infeasible, what broke, with a
    unit's excess in kW on the sweep's system base from ``found``, `scale_base_mva`, and for ALADIN, where only unit
    limits broke, where chapter 12 explains it, `STOPPED_BY_A_HAIR`; where it was not run, what the stored statuses
    say and why, `_not_run_why`; ``max_ds``: the sweep's ``p3_max_ds``, `scale_limit`):
    what a statement about the method at scale must be held to. Empty without the sweep or the method in it."""
    rows = scale_t[scale_t.method == method].sort_values("n_ds") if len(scale_t) else scale_t
    if rows.empty:
        return ""
    judged = _judged(scale_t)
    good = set(judged.n_ds[judged.method == method])
    missed = {}
    for r in rows[~rows.n_ds.isin(good)].itertuples():
        missed.setdefault(why_not_compared(r), []).append(r.n_ds)
    head = f"In the sweep of {{doc}}`12_many_dsos`, {method}"
    if not missed:
        return f"{head} finished with a feasible dispatch at every size, up to {ds_count(int(rows.n_ds.max()))}."
    base = scale_base_mva(found)
    said = []  # one sentence per cause, and one for where chapter 12 explains it
    for w, ns in missed.items():
        said.append(f"At {_listed(ns)} {ch12_many_dsos.WHY_NOT[w]}{_by_how_much(rows, w, ns, base)}")
        if w == "not run":
            said[-1] += _not_run_why(rows, max_ds)
        said[-1] += "." + _by_a_hair(rows, w, ns, method)
    n_run = len(rows) - len(missed.get("not run", []))
    done = f"at {len(good)} of the {n_run} sizes it was run at ({_listed(good)})" if good else "at none of its sizes"
    return f"{head} finished with a feasible dispatch {done}. " + " ".join(said)


def _not_run_why(rows: pd.DataFrame, max_ds: int | None) -> str:
    """Why the sweep did not run a method (its rows ``rows``) where it did not, from the store, after the words "it was
    not run": what the stored statuses of the rows not run give (`_above_limit`; ``max_ds``, the sweep's
    ``p3_max_ds``) and, where that is ``p3_max_ds``, the result that stops ALADIN there (`_stop_reason`); "" where
    every row ran."""
    skipped = rows[rows.status.astype(str).str.startswith("not run")]
    if skipped.empty:
        return ""
    reason = _stop_reason(skipped)
    if not reason:
        return f" ({_above_limit(skipped, max_ds)})"
    return f", {_above_limit(skipped, max_ds)}, as the stored status of each says: {reason}"


def _by_how_much(rows: pd.DataFrame, why: str, sizes: list, base_mva: float | None = None) -> str:
    """For sizes whose dispatch is infeasible, what the T+D power flow found broken there, in chapter 12's words
    (`ch12_many_dsos.violation_text`: the violations by kind and the largest, a unit's excess in kW on the system
    base ``base_mva``, MVA, where given), per size where there are several; else ""."""
    if why != "infeasible":
        return ""
    bad = rows[rows.n_ds.isin(sizes)].sort_values("n_ds")
    if len(bad) == 1:
        return f" ({ch12_many_dsos.violation_text(next(bad.itertuples()), base_mva)})"
    return " (" + "; ".join(f"at {ds_count(int(r.n_ds))}: {ch12_many_dsos.violation_text(r, base_mva)}"
                            for r in bad.itertuples()) + ")"


def _by_a_hair(rows: pd.DataFrame, why: str, sizes: list, method: str) -> str:
    """For ALADIN's sizes whose dispatch is infeasible with only unit limits broken, a sentence on where chapter 12
    explains how a run that stopped by its own test leaves a unit past the judge's tolerance (`STOPPED_BY_A_HAIR`);
    else ""."""
    bad = rows[rows.n_ds.isin(sizes)]
    units_only = all(map(ch12_many_dsos.only_units_broke, bad.itertuples()))
    if why != "infeasible" or method != METHOD_NAMES[2] or not units_only:
        return ""
    section, lead = STOPPED_BY_A_HAIR
    return (f" {{doc}}`12_many_dsos` says how a run that stopped by ALADIN's own test can leave a unit past the "
            f"judge's tolerance (section “{section}”, paragraph “{lead}”).")


def _at_largest(r, word: str, scale_t: pd.DataFrame, max_ds: int | None = None, pointers: bool = True) -> str:
    """A method's entry at the sweep's largest size: its time ratio, online time and deviation, or why it has none
    (``word``, `ch12_many_dsos.ratio_words`); for a method not run there, where the answer's list gives its last run
    and why it stops (`_p3_at_scale`), a pointer to it (`LIST_SAYS_WHY`, only with ``pointers``), else (run at no
    size) what the stored statuses say
    (`_above_limit`; ``max_ds``, the sweep's ``p3_max_ds``)."""
    if word not in ch12_many_dsos.WHY_NOT:
        return (f"{r.method} {word}x ({ch12_many_dsos.duration(r.solve_time_s)}){ch12_many_dsos.narrow_words(r)} "
                f"and {abs(r.deviation_pct):.4f} %")
    if word != "not run":
        return f"{r.method} {word}"
    if _p3_at_scale(scale_t, max_ds):  # the answer's list gives its last run and why it stops
        return f"{r.method} not run{LIST_SAYS_WHY if pointers else ''}"
    rows = scale_t[scale_t.method == r.method]
    return f"{r.method} not run at any size ({_above_limit(rows, max_ds)})"
