"""Sentences and printed tables of chapter 07's ALADIN against ADMM and of its one yardstick: the T+D power
flow's verdict on each run's final dispatch (`judged_text`, `rejected_text`) and the words the tables print for it
(`STOP_JUDGED`, `NO_VERDICT`, `NOT_RECORDED`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import counted, fixed, grouped, listed, printable
from forlab.opf.judge import MAX_VIOLATION_UNIT
from forlab.studies.ch07_aladin.readers import (
    LOOSE_CONSENSUS,
    LOOSE_GAP,
    STATUS_WORDS,
    TARGET_CONSENSUS,
    TARGET_GAP,
    judged_verdict,
    runs,
    termination,
)
from forlab.studies.ch07_aladin.text import (
    SECONDS_DIGITS,
    WHOLE_RUN,
    _level_text,
    _sci,
    fmt_iteration,
    power_text,
    published_text,
    sci_text,
    seconds_text,
    shown_anchor,
    whole_numbers,
    whole_run_s,
)

__all__ = ["DEVIATION_ROW", "DEVIATION_UNKNOWN", "FEASIBLE_ROW", "NOT_RECORDED", "NO_VERDICT", "STOP_JUDGED",
           "admm_cap_text", "admm_shown", "admm_target_text", "admm_text", "judged_text", "rejected_text"]


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
