""""Which method when" (`which_method_text`): a statement each on cost, online speed, data, offline work,
feasibility and privacy, computed from the judged, comparable columns of the systems every method ran (the
chapter's tables, `Evidence`), then the Robustness statement (`forlab.studies.ch09_comparison.sensitivity`) and the
many-DSOs statement (`forlab.studies.ch09_comparison.scale`).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import counted, grouped, listed, span
from forlab.opf.outcome import NEGLIGIBLE_PCT, NOT_IN_STORE, most_accurate
from forlab.studies.ch09_comparison.readers import METHOD_NAMES, _method_rank, _shared, _yardstick_spread
from forlab.studies.ch09_comparison.scale import LEAST_REVEALING, REVEALS_BRIEF, scale_limit, scale_text
from forlab.studies.ch09_comparison.sensitivity import DEFAULT_SECTION, _robustness, rerun_gaps
from forlab.studies.ch09_comparison.store import from_store
from forlab.studies.ch09_comparison.text import _loads_words, lean_text

__all__ = [
    "HELD",
    "OFFLINE_UNIT",
    "Evidence",
    "which_method_text",
]


def _verdicts(src: pd.DataFrame) -> pd.DataFrame:
    """Per method, from judged and comparable columns only: the mean absolute deviation over the feasible, finished
    cases (``acc``), the mean and largest signed deviation, the online time ratio by the one rule (``ratio``), the
    feasible share, offline time, kB, rounds, systems and failed cases. Means are over the rows of ``src`` (one per
    system in a per-system table): give it the systems every method ran (`_shared`), or it compares unlike sets."""
    return src.groupby("method", sort=False).agg(
        acc=("abs_deviation_pct", "mean"), dev=("deviation_mean_pct", "mean"), devmax=("deviation_max_pct", "max"),
        ratio=("time_ratio", "mean"), feas=("feasible_pct", "mean"), offline=("offline_time_s", "mean"),
        kb=("bytes_exchanged", lambda b: b.mean() / 1e3), rounds=("rounds", "mean"), n=("system", "nunique"),
        failed=("failed", "sum"), cases=("cases", "sum"))


def _left_out(cases: pd.DataFrame, shared: list[str]) -> dict[str, str]:
    """The systems of ``cases`` outside ``shared`` (the systems compared) and why: the methods that did not run
    them, or that the methods ran them at no common load (`common_load`)."""
    methods = sorted(dict.fromkeys(cases.method), key=_method_rank)
    ran = cases.groupby("system", sort=False).method.agg(set)
    return {sys_: (f"not run by {' and '.join(x for x in methods if x not in m)}" if set(methods) - m
                   else "no load every method ran") for sys_, m in ran.items() if sys_ not in shared}


def _scope_line(shared: list[str], left: dict[str, str], runs: str) -> str:
    """The statement of which systems the verdicts below average over, and which are left out and why
    (`_left_out`)."""
    why = ", ".join(f"{sys_} ({reason})" for sys_, reason in left.items())
    if not shared:
        left_out = f"; left out: {why}" if why else ""
        return f"- **Systems compared**: none of {runs}, so no method is ranked{left_out}."
    if len(shared) == 1:
        out = f"- **Systems compared**: {shared[0]}, the study system every method ran in {runs}"
        over = "each a method's mean over its cases on it at the load every method ran"
    else:
        out = f"- **Systems compared**: the {len(shared)} study systems every method ran in {runs} ({', '.join(shared)})"
        over = ("each a mean over these systems, every system counted once (its value the mean over its cases at the "
                "load every method ran there), so that every method is averaged over the same systems and loads")
    if why:
        out += f"; left out: {why}"
    return f"{out}. The figures on cost, speed, data, offline work and feasibility below are {over}."


def _accuracy_line(src: pd.DataFrame, mean: pd.DataFrame, scope: str, scale: pd.DataFrame | None = None) -> str:
    """The "most accurate" statement: ranked by mean |deviation| over feasible, finished cases judged by the T+D power
    flow; a negative deviation of an infeasible outcome never wins, and a method without judged cases is not ranked.
    Its lead says what the winner costs in rounds (`_cost_head`, over ``src`` and chapter 12's sweep ``scale``)."""
    judged = mean.acc.dropna()
    if judged.empty:
        return ("- **When cost matters most**: no method has a feasible case judged by the T+D power flow "
                f"{scope}, so none is ranked.")
    acc = judged.idxmin()
    per = src.dropna(subset=["abs_deviation_pct"])
    alone, tied = _wins(per, acc)
    unranked = [m for m in mean.index if m not in judged.index]
    others = ", ".join(f"{m} {judged[m]:.4f} % (signed mean {mean.dev[m]:.4f} %, max {mean.devmax[m]:.4f} %)"
                       for m in judged.index if m != acc)
    return (f"- **{_cost_head(src[src.method == acc].rounds, _rounds_at_scale(scale, acc))}**: {acc}, mean |deviation| "
            f"{judged[acc]:.4f} % {scope} (signed mean {mean.dev[acc]:.4f} %; the most accurate on "
            f"{alone} of {per.system.nunique()} systems with judged cases"
            + (f", tied with another method within the solvers' tolerances ({NEGLIGIBLE_PCT:g} %) on {tied} more"
               if tied else "") + "), ranked by the absolute "
            "cost deviation of the feasible cases only, judged by the T+D power flow"
            + (f"; the others: {others}" if others else "")
            + (f"; not ranked, no judged feasible case in these stores: {', '.join(unranked)}" if unranked else "")
            + ".")


def _cost_head(rounds: pd.Series, at_scale: pd.Series | None = None) -> str:
    """The accuracy verdict's lead: what choosing its most accurate method costs in rounds, their range over the study
    systems (``rounds``, one value per system) and, where chapter 12's sweep ran it (``at_scale``, its rounds per size
    where it finished, `_rounds_at_scale`), their range there: a mean of a few systems hid that the rounds grow with
    the grid. Said only where the method takes more than one round, since the verdict may name a one-round method."""
    rounds = rounds.astype(float).dropna()
    if rounds.empty or round(rounds.max()) <= 1:
        return "When cost matters most"
    scale = (f" ({span(at_scale, grouped)} at the sizes of chapter 12's sweep it finished)"
             if at_scale is not None and len(at_scale) else "")
    return f"When cost matters most, and {span(rounds.round(), grouped, ' rounds')} per case{scale} are acceptable"


def _rounds_at_scale(scale: pd.DataFrame | None, method: str) -> pd.Series | None:
    """The rounds of ``method`` at each size of chapter 12's sweep (``scale``, `scale_rows`) where it finished;
    None without the sweep."""
    if scale is None or scale.empty:
        return None
    rows = scale[(scale.method == method) & (scale.status.astype(str) == "ok")]
    return rows.rounds.astype(float).dropna()


def _wins(per: pd.DataFrame, method: str) -> tuple[int, int]:
    """On how many systems of ``per`` (rows with ``abs_deviation_pct``) ``method`` is the most accurate alone, and
    on how many it shares that with another method within `forlab.opf.outcome.NEGLIGIBLE_PCT`
    (`forlab.opf.outcome.most_accurate`)."""
    alone = tied = 0
    for _, g in per.groupby("system"):
        best, others = most_accurate(g.groupby("method").abs_deviation_pct.min().to_dict())
        if method == best or method in others:
            tied, alone = (tied + 1, alone) if others else (tied, alone + 1)
    return alone, tied


OFFLINE_UNIT = {METHOD_NAMES[0]: "per load level (every DSO's offer for that level; a new level needs new offers)",
                METHOD_NAMES[1]: "per system (every DSO's surrogate, once; it serves every load scenario whose DS load "
                                 "factors lie in the range it was trained on{trained}, and a new topology needs a new "
                                 "one)"}
"""What one offline time of a method pays for (the chapters record P1's per load level, P2's per system, over the DS
load factors its surrogates were trained on: ``{trained}``, `_p2_trained`); P3 ALADIN builds no offline model, and a
method with no offline time is printed as "none" (`_offline_line`)."""


def _p2_trained(found: dict, key: str) -> str:
    """The DS load factors P2's surrogates were trained on in the run ``found[key]`` names (``found``: the chapter
    store's parsed ``attrs["sources"]``, `sources`; its chapter's parameter ``load_range``), as a clause: ", 60 to
    100 %"; "" where the store does not keep it."""
    lo_hi = ((found.get(key) or {}).get("parameters") or {}).get("load_range")
    return f", {span([100 * float(v) for v in lo_hi], '.0f', ' %')}" if lo_hi else ""


def _offline_line(mean: pd.DataFrame, trained: str = "") -> str:
    """The offline statement, each method's time with what it pays for (`OFFLINE_UNIT`, with P2's trained range
    ``trained``, `_p2_trained`); a method that needs none is named, otherwise none is ranked, as the units differ. A
    method without a time says why (`_unmeasured`)."""
    def part(m: str, r) -> str:
        if not np.isfinite(r.offline):
            return f"{m} {_unmeasured(r, 'not recorded')}"
        unit = OFFLINE_UNIT.get(m, "").format(trained=trained)
        return f"{m} none" if r.offline == 0 else f"{m} {grouped(r.offline, 1)} s {unit}".rstrip()

    none = mean.offline.eq(0).any()
    return ("- **When the DS changes often** (topology, forecasts): offline preparation "
            + ", ".join(part(m, r) for m, r in mean.iterrows())
            + ("." if none else "; none is ranked, as the times pay for different units of work."))


def _unmeasured(r, older: str) -> str:
    """Why a method's mean (a row of `_verdicts`) has no offline time, rounds or bytes: every case it had failed (a
    failed case has none, `_case_frame`), else ``older``, what a store written before the field says."""
    return "no finished case" if r.failed >= r.cases else older


def _data_line(mean: pd.DataFrame) -> str:
    """The data statement: the method that exchanged the least per case (its mean kB over its finished cases, with
    its rounds) first, then the others; a method without bytes says why (`_unmeasured`). Bytes measure how much is
    sent, not what it reveals (the table of `reveal_text`)."""
    said = {m: f"{grouped(r.kb, 1)} kB in {counted(r.rounds, 'round')}"
            if np.isfinite(r.kb) and np.isfinite(r.rounds)
            else _unmeasured(r, f"bytes {NOT_IN_STORE}") for m, r in mean.iterrows()}
    sent = mean.kb.dropna()
    lean = sent.idxmin() if len(sent) else None
    head = (f"{lean}, {said[lean]} per case; " if lean is not None else "no method's bytes are known; ")
    return (f"- **When the least data must be exchanged**: {head}" + ", ".join(f"{m} {said[m]}" for m in said if m != lean)
            + f". Every message both ways counts; {METHOD_NAMES[2]}'s are every region's, the TS region's included, not "
            "the DSOs' alone. Bytes measure how much is sent, not what it reveals: what each method's messages tell the "
            f"TSO about a DS is in the table of the section “{DEFAULT_SECTION}”.")


def _timing_rule_text(methods) -> str:
    """How the online times and yardsticks of the speed statement were taken, for the ``methods`` it ranks (its rows
    are the method chapters' own: `p1_rows`, `p2_rows`, `p3_rows`): every method by the one rule for parallel and
    sequential parts, and as the fastest of repeated solves beside an integrated AC-OPF timed alike just before
    (`forlab.opf.outcome.timed`); for P3 ALADIN a repeat is a whole run of chapter 07
    (`forlab.studies.ch07_aladin.readers.fastest_online`)."""
    ranked = [m for m in METHOD_NAMES if m in set(methods)]
    parts = [("Every method by the same rule for its parts: parallel parts (DSOs, regions) their slowest branch, "
              "sequential parts added")]
    if ranked:
        parts.append(f"{listed(ranked)} {'are' if len(ranked) > 1 else 'is'} timed as the fastest of repeated solves, "
                     "beside an integrated AC-OPF timed alike just before the online step")
    if METHOD_NAMES[2] in ranked:
        parts.append(f"for {METHOD_NAMES[2]} a repeat is a whole run of {{doc}}`07_aladin`")
    return "; ".join(parts) + "."


def _noise_clause(src: pd.DataFrame) -> str:
    """The speed verdict's noise floor, from the per-system rows ``src``: each ratio divides by the integrated AC-OPF
    of its own method's run, whose time on one system moves between those runs by up to `_yardstick_spread` (stated
    once, by `runs_text` beside the tables, not here); on how many systems the fastest method's ratio is below the
    next one's by more than that system's spread (a lead the moving yardstick alone cannot make); and, where one
    run's yardstick is the slowest on every system, that this is a lean of that run, not noise, with that method's
    ratio against the others' yardstick (`lean_text`, short: the note gives the factors). Empty where no system has
    two methods with a ratio."""
    spread = _yardstick_spread(src)
    leads = {}
    for system, g in src.dropna(subset=["time_ratio"]).groupby("system", sort=False):
        r = g.time_ratio.astype(float).sort_values()
        if len(r) > 1:
            leads[system] = r.iloc[1] / r.iloc[0] > spread[system]
    if not leads:
        return ""
    return (" Each ratio divides by the integrated AC-OPF of its own method's run, whose time moves between the runs "
            "(the note beside each table of time ratios gives the largest factor); on "
            f"{sum(leads.values())} of {len(leads)} systems the fastest method's ratio is below the next one's by "
            "more than that system's factor." + lean_text(src, short=True))


HELD = "that of a TSO held to a polytope that accepts hardly any of the DS's feasible inputs"
"""What P2's time ratio and feasibility are on a system whose DS polytope accepts hardly any feasible input
(`narrow_polytopes`): the one wording of `_narrow_clause` and `_narrow_feasibility`, chapter 06's qualification of
both verdicts."""


def _narrow_rows(src: pd.DataFrame, narrow: pd.DataFrame | None) -> pd.DataFrame:
    """P2's rows of ``src`` on the systems where a DS's polytope accepts hardly any of its feasible held-out samples
    (`narrow_polytopes`); empty where there is none."""
    p2 = src[src.method == METHOD_NAMES[1]]
    return p2.iloc[0:0] if narrow is None or narrow.empty else p2[p2.system.isin(narrow.system)]


def _accepts(narrow: pd.DataFrame, system: str) -> str:
    """How much the least accepting polytope on ``system`` accepts (`narrow_polytopes`), in words."""
    return (f"a polytope there accepts {100 * narrow[narrow.system == system].accepted.min():.1f} % of its DS's "
            "feasible held-out samples")


def _narrow_clause(src: pd.DataFrame, narrow: pd.DataFrame | None) -> str:
    """The speed verdict's caveat for P2 on the systems of ``src`` where a DS's polytope accepts hardly any of its
    feasible held-out samples (`narrow_polytopes`): that system's ratio is a TSO's held to that polytope (`HELD`),
    and P2's mean over the other systems; empty where there is none."""
    held = _narrow_rows(src, narrow)
    if held.empty:
        return ""
    named = listed(f"{r.system} ({grouped(r.time_ratio, 2)}x; {_accepts(narrow, r.system)})" for r in held.itertuples())
    p2 = src[src.method == METHOD_NAMES[1]]
    rest = p2[~p2.system.isin(narrow.system)].time_ratio
    other = f"; over the other systems its mean is {grouped(rest.mean(), 2)}x" if len(rest) else ""
    return (f" {METHOD_NAMES[1]}'s ratio on {named} is {HELD}, a smaller problem than the DS offers "
            f"({{doc}}`06_ml_surrogate`){other}.")


def _narrow_feasibility(src: pd.DataFrame, narrow: pd.DataFrame | None) -> str:
    """The feasibility verdict's caveat for P2 on the same systems as `_narrow_clause`, in its wording (`HELD`): there
    its feasibility is that of a TSO held to the polytope, not a sign that the surrogate keeps a TSO feasible over more
    of that DS's feasible region (chapter 06 qualifies both verdicts); empty where there is none."""
    held = _narrow_rows(src, narrow)
    if held.empty:
        return ""
    named = listed(f"{r.system} ({r.feasible_pct:.1f} % of cases; {_accepts(narrow, r.system)})"
                   for r in held.itertuples())
    return (f" {METHOD_NAMES[1]}'s feasibility on {named} is {HELD}: it does not show that the surrogate keeps a TSO "
            "feasible over more of that DS's feasible region ({doc}`06_ml_surrogate`).")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The chapter's tables a verdict of `which_method_text` reads, one per dimension of the chapter's store
    (`from_store`; empty where the store has none): ``sys`` the paper-scale runs per system at the load every
    method ran (`common_load`), ``case`` the cases they came from; ``default`` and ``default_case`` the same of the
    default runs; ``sens`` the sensitivity rows of chapter 08's default run and ``sens_paper`` those of its
    paper-scale run (empty where not read, `SENS_RUNS`); ``scale`` the scale-out sweep; ``narrow`` P2's polytopes that
    accept hardly any feasible input (`narrow_polytopes`); ``scale_max_ds`` the sweep's ``p3_max_ds``
    (`scale_limit`), where it stops running ALADIN; ``found`` the store's parsed ``attrs["sources"]`` (`sources`):
    the sweep's workers and offline models, and every run's commit and date."""

    default: pd.DataFrame
    sys: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    sens: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    scale: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    default_case: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    case: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    narrow: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    sens_paper: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    scale_max_ds: int | None = None
    found: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_store(cls, st: xr.Dataset) -> Evidence:
        dims = ("default", "sys", "sens", "scale", "default_case", "case", "narrow", "sens_paper")
        return cls(**{dim: from_store(st, dim) for dim in dims}, scale_max_ds=scale_limit(st),
                   found=json.loads(st.attrs.get("sources", "{}")))


def which_method_text(ev: Evidence, system: str) -> str:
    """Markdown: which method when (cost, online speed, how much the DSO sends, offline preparation, feasibility,
    privacy, robustness, many DSOs), each statement computed from judged, comparable columns of the per-system table
    of the paper-scale runs (``ev.sys``; the default runs on ``system`` when there is none), over the systems every
    method ran (`_shared`, named in the first line), the sensitivity rows and the scale-out sweep's rows (`scale_text`,
    a pointer to the answer at the top of the page and what it does not say):
    accuracy by the mean absolute deviation of feasible, finished cases (`_accuracy_line`), speed by the online solver
    time over the integrated AC-OPF's, both timed by the one rule. The robustness statement reads chapter 08's default
    run and, where read, its paper-scale run, each named (`_robustness`); the default runs per case qualify it by what
    two runs of a method differ by (`rerun_gaps`); the narrow polytopes qualify P2's speed and feasibility on the
    paper-scale systems; the cases name the systems the common load leaves out (`_left_out`)."""
    paper = not ev.sys.empty or not ev.case.empty  # paper runs, even with no load shared
    table = ev.sys if paper else ev.default
    src, shared = _shared(table)
    cases = ev.case if paper else ev.default_case
    left = _left_out(cases if len(cases) else table, shared)
    lines = [_scope_line(shared, left, "the paper-scale runs" if paper else "the default runs")]
    if shared:
        lines += _verdict_lines(src, f"over these {len(shared)} systems" if paper else f"on {system}",
                                ev.narrow if paper else None,  # the narrow polytopes are the paper store's
                                scale_follows=not ev.scale.empty, cases=cases, scale=ev.scale,
                                trained=_p2_trained(ev.found, "profile P2" if paper else "p2"))
    if robust := _robustness({"sens": ev.sens, "sens_paper": ev.sens_paper}, rerun_gaps(ev.default_case, ev.sens)):
        lines.append(robust)
    if not ev.scale.empty:
        lines.append(scale_text(ev.scale, ev.found))
    return "\n".join(lines)


def _verdict_lines(src: pd.DataFrame, scope: str, narrow: pd.DataFrame | None = None,
                   scale_follows: bool = False, cases: pd.DataFrame | None = None,
                   scale: pd.DataFrame | None = None, trained: str = "") -> list[str]:
    """The statements of `which_method_text` on rows that every method shares (`_shared`); ``narrow``
    (`narrow_polytopes`) qualifies P2's speed and feasibility where its TSO was held to a polytope that accepts hardly
    anything (`_narrow_clause`, `_narrow_feasibility`);
    ``scale_follows``: the many-DSOs statement (`scale_text`) ends the list, and the speed statement points to it;
    ``cases``: the rows per case at every load the methods ran, for each method's ratio over its own loads
    (`_own_loads_clause`); ``scale``: chapter 12's sweep, for the rounds at scale (`_cost_head`); ``trained``: the DS
    load factors P2's surrogates were trained on, in words (`_p2_trained`, `_offline_line`)."""
    mean = _verdicts(src)
    return [
        _accuracy_line(src, mean, scope, scale),
        _speed_line(src, mean, narrow, cases, scale_follows),
        _data_line(mean),
        _offline_line(mean, trained),
        "- **Feasibility after the T+D power flow**: "
        + ", ".join(f"{m} {r.feas:.1f} % of cases ({grouped(r.failed)} failed)" for m, r in mean.dropna(subset=["feas"])
                    .iterrows())
        + "".join(f"; {m}: {NOT_IN_STORE}" for m in mean.index[mean.feas.isna()]) + "."
        + _narrow_feasibility(src, narrow),
        _privacy_line(),
    ]


def _speed_line(src: pd.DataFrame, mean: pd.DataFrame, narrow: pd.DataFrame | None,
                cases: pd.DataFrame | None, scale_follows: bool) -> str:
    """The speed statement: the methods by their mean time ratio at the load every method ran (``mean``,
    `_verdicts` of ``src``), each beside its mean over its own loads where those differ (`_own_loads_clause`), how
    they were timed, the noise and lean of the yardstick (`_noise_clause`) and P2's narrow polytopes
    (`_narrow_clause`)."""
    timed = mean.ratio.dropna()
    fast = timed.idxmin()
    own = {m: _own_loads_clause(src, cases, m) for m in timed.index}
    return (f"- **When the online step must be fast**: {fast}, online solver time {grouped(timed[fast], 2)}x the "
            f"integrated AC-OPF{own[fast]}; " + ", ".join(f"{m} {grouped(r, 2)}x{own[m]}"
                                                          for m, r in timed.drop(fast).items())
            + "".join(f"; {m}: no ratio, {_unmeasured(r, 'its integrated AC-OPF ' + NOT_IN_STORE)}"
                      for m, r in mean[mean.ratio.isna()].iterrows())
            + " (each the mean of per-case ratios, every online time over the integrated AC-OPF's of the same run, "
            "at the load every method ran). " + _timing_rule_text(timed.index) + " A ratio above 1 means the "
            "privacy-preserving step is slower than solving everything centrally." + _noise_clause(src)
            + _narrow_clause(src, narrow)
            + (" With many DSOs under one TS the last statement ranks them again." if scale_follows else ""))


def _own_loads_clause(src: pd.DataFrame, cases: pd.DataFrame | None, method: str) -> str:
    """`` (every load it ran, at 60, 80 and 100 %: mean 1.01x, largest 3.93x)``: ``method``'s time ratio over every
    load it ran on the systems of ``src`` (its ``cases``; each system's mean counted once, as the figure at the load
    every method ran counts them, and the largest case), so that a method that is fastest at that load is not read as
    fast at every load; "" where it ran no other load there, or no cases are given."""
    if cases is None or cases.empty:
        return ""
    own = cases[(cases.method == method) & cases.system.isin(src.system)]
    if len(own) <= src[src.method == method].cases.sum():  # no load beyond the one every method ran
        return ""
    per = own.groupby("system").time_ratio.mean()
    return (f" (every load it ran, {_loads_words(own)}: mean {grouped(per.mean(), 2)}x, largest "
            f"{grouped(own.time_ratio.max(), 2)}x)")


def _privacy_line() -> str:
    """The privacy statement of `which_method_text`: which method's messages reveal least about a DS, and what each
    method's reveal, in a clause each (`REVEALS_BRIEF`); the table of the section `DEFAULT_SECTION` gives every
    field."""
    others = "; ".join(f"{m}: {what}" for m, what in REVEALS_BRIEF.items() if m != LEAST_REVEALING)
    return (f"- **When the DS must reveal least**: {LEAST_REVEALING}, whose messages tell the TSO "
            f"{REVEALS_BRIEF[LEAST_REVEALING]}; the others reveal more ({others}). Every field each method sends is "
            f"in the table of the section “{DEFAULT_SECTION}”.")
