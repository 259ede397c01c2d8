"""The three methods side by side, read from the stores the method chapters wrote.

Nothing here solves anything: each function turns one method chapter's store into rows of the same columns, the
outcome record of `forlab.opf.outcome` (one yardstick), so that the comparison chapter's numbers are the method
chapters' numbers. Units: costs in the TS case's currency per hour, deviations in % of the integrated AC-OPF
optimum (signed, of the dispatch judged by the T+D power flow), online times in ms by the one rule (solver time and
wall time; parallel parts their slowest branch, sequential parts added), offline times in s, bytes by the one rule of
every method (`forlab.book.parallel.wire_bytes`: every message pickled as Dask sends it; stored in bytes, printed
in kB as the prose says them).
A failed case keeps its status and has no deviation; a field a store predates reads as missing and `missing_text`
says so (`forlab.opf.outcome.NOT_IN_STORE`).

* P1 (`05_coordination`): one row per system and load level; bytes the record's (the offers and the PCC points).
* P2 (`06_ml_surrogate`): one row per system and load scenario; bytes the record's (the surrogates, the DS load
  factors and the unit set-points); offline = dataset power flows + refinement, fit and certification, per system.
* An older store without the record's bytes has none here: its sizes were JSON text, another rule.
* P3 (`07_aladin`): one row per system (in-process ALADIN); online times by the rule from the stored per-round log,
  bytes all messages over all rounds; the judged deviation and feasibility only where the store has them (ALADIN's
  own optimality gap is not the judged deviation).
* Many DSOs (`12_many_dsos`, its paper-scale sweep): one row per number of DSs and method, the outcome record as that
  chapter stores it (`scale_rows`), shown in that chapter's two tables and note
  (`forlab.studies.ch12_many_dsos.paper_tables`, `paper_note`, which take these rows as they are); the sweep is the
  scale at which the question "which method wins" is asked of a TSO with dozens of DSOs, and the page answers it
  first and once (`answer_text`: a short verdict, then its conditions and caveats as a list), with the conditions the
  sweep ran under (`scale_conditions_text`: the TS, the DSs, the machine, the repeats and the offline models, from the
  parameters the store keeps of it); "Which method when" points to it (`scale_text`).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, plots, runner
from forlab.book.names import TIME_RATIO
from forlab.book.plots import P1_BOUND
from forlab.book.store import open_store, short_commit, written_utc
from forlab.book.tables import (
    as_printed,
    clipped,
    counted,
    fixed,
    grouped,
    items,
    listed,
    page_index,
    printable,
    span,
    table,
    to_dataset,
)
from forlab.opf.judge import VIOLATION_COUNTS
from forlab.opf.outcome import (
    NEGLIGIBLE_PCT,
    NOT_IN_STORE,
    most_accurate,
    negative_sentence,
    unmeasured_when_failed,
)
from forlab.p2_surrogate.tso import LOSS_MARGIN
from forlab.studies import ch08_sensitivity, ch12_many_dsos
from forlab.studies.ch12_many_dsos import ds_count, why_not_compared

ROW = ["system", "method", "cases", "failed", "load_min", "load_max", "ds_load", "deviation_mean_pct",
       "deviation_max_pct", "abs_deviation_pct", "feasible_pct", "tso_ms", "dso_ms", "solve_time_ms", "wall_time_ms",
       "integrated_solve_time_ms", "time_ratio", "offline_time_s", "rounds", "bytes_exchanged", "status"]
"""Columns of a side-by-side row (see the module docstring for units): the outcome record of
`forlab.opf.outcome` in the units of a table, under the record's names (`forlab.opf.outcome.OUTCOME`), one name per
quantity with its unit in the suffix (`ROW_UNITS`): the record's ``solve_time_s``, ``wall_time_s`` and
``integrated_solve_time_s`` in ms (``solve_time_ms``, the online solver time, and ``wall_time_ms``, the online wall
time, both by the one rule; ``integrated_solve_time_ms``), its ``offline_time_s`` and ``bytes_exchanged`` as it
keeps them, and the online solver time's TSO and DSO parts by chapter 08's names, ``tso_ms`` and ``dso_ms``
(`forlab.studies.ch08_sensitivity.COLUMNS`). ``load_*`` is a case's load as `_load` reads it (for P2 its scenario's
mean TS load factor), ``ds_load`` its DSs' load factor (P1's level and ALADIN's nominal load scale every TS and DS load
alike; P2's scenario draws its DS load factors apart from the TS's: their mean over the DSs, NaN in a store without
it). ``deviation_*`` is the signed deviation of the judged dispatch (NaN for
a failed case, or where the store holds none); ``abs_deviation_pct`` its absolute value for a feasible, finished
case only (what "most accurate" ranks); time_ratio = solve_time_ms / integrated_solve_time_ms; ``status`` "ok" or
what failed; ``failed`` counts the cases whose status is not "ok"."""

METHOD_CODES = ("P1", "P2", "P3")
"""The methods this chapter compares, by the codes of `forlab.book.plots.METHOD_STYLE`."""
METHOD_NAMES = tuple(plots.METHOD_STYLE[m]["label"] for m in METHOD_CODES)
"""The methods as the rows name them: the book's one name per method (`forlab.book.plots.METHOD_STYLE`)."""

REVEALS = {
    METHOD_NAMES[0]: "box, polynomial region (the coefficients of its implicit polynomial and its margin) and "
                     "quadratic price over (P, Q, V) at each PCC; the PCC's identity and base power; the fit "
                     "statistics (the `info` of `forlab.p1_for.offer.Offer`: the fit's settings, the degree "
                     "chosen, its test accuracy and false-feasible rate, the volume kept, the price's errors). The "
                     "TSO's answer is a PCC point",
    METHOD_NAMES[1]: "PQ charts and costs of the flexibility-providing units (FPUs); a K-facet polytope over the FPU "
                     "set-points, the PCC voltage (with two PCCs, the second's voltage and their angle difference too) "
                     "and, where it varies, the DS load factor, with the inputs' sampled ranges and normalisation; "
                     "quadratic PCC-power regressors; the fit statistics (the `info` of "
                     "`forlab.p2_surrogate.model.DSSurrogate`), among them each regressor's largest training error "
                     "(`train_max_abs_error`), from which the "
                     "TSO sizes its reserve (`forlab.p2_surrogate.tso.import_error_bound`); at dispatch the DS's load "
                     "factor. The TSO sets the FPU dispatch itself and sends the DSO its FPUs' set-points",
    METHOD_NAMES[2]: "per round: each region's coupled variables, cost and the length of its last step; its reduced "
                     "Hessian and gradient in an unnamed basis of its free directions, how they move the coupled "
                     "variables, its linearised limits near their bounds and the watched far limits a longer step "
                     "could reach, and one radius, how far the nearest of its other limits is; in a limit pass, the "
                     "unwatched far limits the coordinator's tentative step would cross, with a new radius; many "
                     "rounds",
}
"""What each method's messages reveal about a DS ("FPU" spelled out here too, as the answer does, `FPUS_HELD`), both
ways, in the words of the book's security page (book/security.md): P1's are every field of
`forlab.p1_for.offer.Offer.to_dict` (its ``info`` as `forlab.p1_for.representation` fills it); P2's every field of
`forlab.p2_surrogate.model.DSSurrogate.to_dict` and what `forlab.p2_surrogate.tso.surrogate_bytes` counts besides
(the load factor, DSO -> TSO; the FPUs' set-points, TSO -> DSO); P3's what a region sends per round and in a limit
pass (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`)."""

DEFAULT_SECTION = "The default runs, on one system"
"""The heading of the page's section on the default runs (the notebook's), which holds the table of what each
method's messages reveal (`reveal_text`): the statements that point to it name it."""

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


def _col(t: pd.DataFrame, name: str, default=np.nan) -> pd.Series:
    """Column ``name`` of ``t``, or ``default`` where an archived store does not have it."""
    return t[name] if name in t else pd.Series(default, index=t.index)


def _status(t: pd.DataFrame, flags: tuple[str, ...]) -> pd.Series:
    """The outcome ``status`` of each case; a store written before it existed: "ok" unless one of its success
    ``flags`` says a solve failed."""
    if "status" in t:
        return t.status.astype(str)
    ok = pd.Series(True, index=t.index)
    for f in flags:
        if f in t:
            ok &= t[f].astype(bool)
    return pd.Series(np.where(ok, "ok", "failed (" + " or ".join(flags) + " false)"), index=t.index)


UNFINISHED = ["deviation_mean_pct", "deviation_max_pct", "abs_deviation_pct", "tso_ms", "dso_ms", "solve_time_ms",
              "wall_time_ms", "time_ratio", "rounds", "bytes_exchanged"]
"""The `ROW` columns a case that did not finish has none of (`_case_frame`), whichever method's store still has a
number there; its ``offline_time_s`` too, unless 0 (a method without offline work)."""


def _row(system, method: str, level: float, status: str, deviation: float, feasible: float, times: dict,
         offline: float, rounds: float, size: float, ds_level: float | None = None) -> dict:
    """One `ROW` of one case as its store holds it; `_case_frame` then takes from a failed case what it has not
    measured. The absolute deviation only for a feasible case. ``ds_level``: the DSs' load factor where it is not
    ``level``."""
    dev = float(deviation)
    good = np.isfinite(feasible) and bool(feasible)
    return {"system": system, "method": method, "cases": 1, "failed": int(status != "ok"), "load_min": level,
            "load_max": level, "ds_load": level if ds_level is None else ds_level, "deviation_mean_pct": dev,
            "deviation_max_pct": dev,
            "abs_deviation_pct": abs(dev) if good else np.nan, "feasible_pct": 100.0 * feasible, **times,
            "time_ratio": times["solve_time_ms"] / times["integrated_solve_time_ms"], "offline_time_s": offline,
            "rounds": rounds, "bytes_exchanged": size, "status": status}


def _case_frame(rows: list[dict]) -> pd.DataFrame:
    """The `_row`s of one method chapter's cases in `ROW` columns, with the book's one rule for a case that did not
    finish (status not "ok") applied once (`forlab.opf.outcome.unmeasured_when_failed`): a failed outcome is never a
    number, whichever method's store still has one, so a failed case keeps its status and ``feasible_pct`` (0: not
    feasible) and has no deviation, time, time ratio, rounds or bytes (`UNFINISHED`), and no mean of `_verdicts`
    counts them. Its offline time goes too, except a 0: a method without offline work (ALADIN), not a measure the
    failure could spoil (`_offline_line` says "none"). The integrated AC-OPF's time stays: it is the baseline's."""
    t = pd.DataFrame(rows, columns=ROW)
    ok = t.status == "ok"
    t = unmeasured_when_failed(t, UNFINISHED, ok)
    return unmeasured_when_failed(t, ["offline_time_s"], ok | t.offline_time_s.eq(0))


def p1_rows(st: xr.Dataset) -> pd.DataFrame:
    """Per (system, load level) of a `05_coordination` store, in `ROW` columns (method "P1 FOR offer"): online =
    TSO + slowest DSO (solver and wall time, the record's ``solve_time_s`` and ``wall_time_s``). Bytes: the record's
    ``bytes_exchanged`` (NaN for a store without it)."""
    t = table(st, "case")
    status = _status(t, ("integrated_success", "tso_success"))
    online = t.solve_time_s if "solve_time_s" in t else t.tso_time_s + t.dso_time_max_s
    sent = _col(t, "bytes_exchanged")
    rows = []
    for i, r in t.iterrows():
        times = {"tso_ms": 1e3 * r.tso_time_s, "dso_ms": 1e3 * r.dso_time_max_s, "solve_time_ms": 1e3 * online[i],
                 "wall_time_ms": 1e3 * _col(t, "wall_time_s")[i],
                 "integrated_solve_time_ms": 1e3 * r.integrated_solve_time_s}
        rows.append(_row(r.system, METHOD_NAMES[0], r.level, status[i], r.deviation_pct, float(bool(r.feasible)),
                         times, r.offline_time_s, 1, sent[i]))
    return _case_frame(rows)


def p2_rows(st: xr.Dataset) -> pd.DataFrame:
    """Per (system, scenario) of a `06_ml_surrogate` store, in `ROW` columns (method "P2 ML surrogate"): online =
    the TSO's solve (no online DSO step); the load is the scenario's mean TS load factor (``ts_load_mean``), the DS
    load its DSs' mean load factor (``ds_load_mean``; NaN in a store without it). Offline time per system by chapter
    06's one reading (`forlab.studies.ch06_ml_surrogate.readers.offline_seconds`); bytes from the record (NaN in a
    store without them)."""
    from forlab.studies.ch06_ml_surrogate import readers as p2_readers

    b = table(st, "run", "bench_")
    offline = p2_readers.offline_seconds(b, table(st, "ds"))
    status = _status(b, ("integrated_success", "tso_success"))
    online = b.solve_time_s if "solve_time_s" in b else b.tso_time_s
    sent, ds_load = _col(b, "bytes_exchanged"), _col(b, "ds_load_mean")
    rows = []
    for i, r in b.iterrows():
        times = {"tso_ms": 1e3 * r.tso_time_s, "dso_ms": 0.0, "solve_time_ms": 1e3 * online[i],
                 "wall_time_ms": 1e3 * _col(b, "wall_time_s")[i],
                 "integrated_solve_time_ms": 1e3 * r.integrated_solve_time_s}
        rows.append(_row(r.system, METHOD_NAMES[1], r.ts_load_mean, status[i], r.deviation_pct,
                         float(bool(r.feasible)), times, float(offline.get(r.system, np.nan)), 1, sent[i],
                         ds_level=ds_load[i]))
    return _case_frame(rows)


def _aladin_log(st: xr.Dataset, run: int, iterations: int) -> pd.DataFrame:
    """The per-round log of one run of a `07_aladin` store (its ``it_*`` variables, first ``iterations`` rounds)."""
    cols = {k[3:]: st[k].sel(run=run).values[:iterations] for k in st.data_vars
            if k.startswith("it_") and st[k].dims == ("run", "iteration")}
    return pd.DataFrame(cols)


def _p3_status(x: pd.Series) -> str:
    """A chapter 07 run's outcome status: the judged record's ("ok" or every solve that failed; the record is there
    when the run has ``feasible``, as `forlab.studies.ch07_aladin.readers.judged_verdict` tells); a store written
    before it: "ok" when ALADIN stopped by its own test, else its stop."""
    if "feasible" in x:
        return str(x.status)
    return "ok" if bool(x.converged) else f"aladin failed: {x.status or 'not converged'}"


def p3_rows(st: xr.Dataset) -> pd.DataFrame:
    """Per system of a `07_aladin` store (in-process ALADIN runs), in `ROW` columns (method "P3 ALADIN").

    Timed as P1 and P2 are (`forlab.opf.outcome.timed`: the fastest of repeated solves, beside an integrated AC-OPF
    timed just before): the smallest online solver time and wall time over the repeats of chapter 07's run, against
    the smallest solver time of the integrated AC-OPFs it solved just before each repeat
    (`forlab.studies.ch07_aladin.readers.fastest_online`). Online times by the one rule
    (`forlab.studies.outcomes.aladin_seconds`: per round the slowest region, then the coordinator, and for the wall
    time the communication; rounds add up), split by the same rule (`forlab.studies.outcomes.aladin_split`):
    ``tso_ms`` the coordinator's time, ``dso_ms`` per round the slowest local NLP and the slowest local reduction
    (over every region, the TS region's included), each summed over rounds, so that ``tso_ms + dso_ms =
    solve_time_ms``. A store written before chapter 07 kept every repeat's times has only the log of the run it
    keeps (the fastest by set-up plus rounds): its times are read from that log and it has no integrated time beside
    them, so no ratio ("not in this archived store"), never a yardstick of another rule.

    The deviation and feasibility are those of the dispatch judged by the T+D power flow when the store has them
    (``deviation_pct``; the feasibility as `forlab.studies.ch07_aladin.readers.judged_verdict` reads it); a store
    without them leaves them NaN ("not in this archived store"): ALADIN's own optimality gap is not the judged
    deviation. A run that did not converge is a failed case; a run the record counts as failed has no verdict and
    counts as not feasible (0), as P1's and P2's failed cases do, so that ``feasible_pct`` is the share of all cases
    for every method. Only the book's ALADIN counts (reduced coupled QP, no added latency, the chapter's round
    limit), one run per system; its rounds and bytes are those of the log chapter 07 keeps (every repeat that counts
    ended as the first)."""
    from forlab.studies import ch07_aladin
    from forlab.studies.ch07_aladin.store import ONLINE_TIMES
    from forlab.studies.ch07_aladin.study import online_times

    r = ch07_aladin.runs(st)
    r = r[(r.algorithm == "aladin") & (r["mode"] == "inprocess") & (r.latency_ms == 0)]
    if "qp" in r:  # the book's ALADIN (reduced coupled QP), not ALADIN-alpha's KKT variant run for comparison
        r = r[r.qp != "kkt"]
    # one run per system: the one with the chapter's round limit, not the extended re-run
    r = r.sort_values("max_iter").drop_duplicates("system", keep="first")
    verdict = ch07_aladin.judged_verdict(r)  # the T+D power flow's verdict, chapter 07's one reading of it
    online = ch07_aladin.fastest_online(st)
    repeated = ch07_aladin.has_online_repeats(st)
    rows = []
    for k, x in r.iterrows():
        log = _aladin_log(st, k, int(x.iterations))
        fast = online.loc[k] if repeated else online_times(log)  # an older store: the kept run's log
        solve, wall, coordinator, regions = (fast[name] for name in ONLINE_TIMES)
        times = {"tso_ms": 1e3 * coordinator, "dso_ms": 1e3 * regions, "solve_time_ms": 1e3 * solve,
                 "wall_time_ms": 1e3 * wall, "integrated_solve_time_ms": 1e3 * online.integrated_solve_time_s[k]}
        feasible = float(verdict.pf_feasible[k])
        if verdict.pf_recorded[k] and np.isnan(feasible):  # failed, so no verdict: not feasible, as P1's and P2's
            feasible = 0.0
        rows.append(_row(x.system, METHOD_NAMES[2], 1.0, _p3_status(x), x.get("deviation_pct", np.nan), feasible,
                         times, 0.0, int(x.iterations), float((log.bytes_up + log.bytes_down).sum())))
    return _case_frame(rows)


def per_system(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of `p1_rows`/`p2_rows`/`p3_rows` aggregated per (system, method): the cases and how many failed, the
    signed deviation's mean and largest value over the finished cases, the mean absolute deviation over the feasible
    finished ones, the feasible share over all cases, mean times, the load range; ``status`` "ok" or "<n> failed"."""
    g = rows.groupby(["system", "method"], sort=False)
    out = g.agg(cases=("cases", "sum"), failed=("failed", "sum"), load_min=("load_min", "min"),
                load_max=("load_max", "max"), deviation_mean_pct=("deviation_mean_pct", "mean"),
                deviation_max_pct=("deviation_max_pct", "max"), abs_deviation_pct=("abs_deviation_pct", "mean"),
                feasible_pct=("feasible_pct", "mean"), tso_ms=("tso_ms", "mean"), dso_ms=("dso_ms", "mean"),
                solve_time_ms=("solve_time_ms", "mean"), wall_time_ms=("wall_time_ms", "mean"),
                integrated_solve_time_ms=("integrated_solve_time_ms", "mean"), time_ratio=("time_ratio", "mean"),
                offline_time_s=("offline_time_s", "mean"), rounds=("rounds", "mean"),
                bytes_exchanged=("bytes_exchanged", "mean"))
    out["status"] = ["ok" if n == 0 else f"{int(n)} of {int(c)} failed" for n, c in zip(out.failed, out.cases)]
    return out.reset_index()


DEVIATION_DIGITS = ch08_sensitivity.ONLINE_DIGITS["deviation_pct"]
"""Decimals of a deviation (%) as this page's sentences and chapter 08's table print it: a difference the page states
of two deviations it prints (`rerun_gaps`, `_spread`, the accuracy lead) is taken of the printed values
(`forlab.book.tables.as_printed`), so that a reader who subtracts them gets the same last digit."""

LOAD_DIGITS = 6
"""Loads (shares of nominal) equal to this many digits are one load: the mean TS load of P2's nominal scenario is 1 to
round-off."""


def _load(cases: pd.DataFrame) -> pd.Series:
    """Each case's load (a share of nominal: P1's load level, P2's scenario's mean TS load, ALADIN's nominal load)."""
    return cases.load_min.astype(float).round(LOAD_DIGITS)


def common_load(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases of ``cases`` (one row per case: `p1_rows`, `p2_rows`, `p3_rows`) that compare like with like: on the
    systems every method ran (`_shared`), those at a load every method ran on that system. The method chapters run
    different loads (P1 load levels, P2 random load scenarios, ALADIN nominal load only), and a method's mean over
    its own loads set against another's over other loads would rank the loads as much as the methods; the one load
    all three share in the book's runs is the nominal one. Empty where the methods share no system or no load."""
    src, _ = _shared(cases)
    keep = pd.Series(False, index=src.index)
    for _, g in src.groupby("system", sort=False):
        shared = set.intersection(*(set(_load(m)) for _, m in g.groupby("method")))
        keep[g.index] = _load(g).isin(shared)
    return src[keep]


def _loads_words(cases: pd.DataFrame) -> str:
    """The loads one method's ``cases`` ran, as a reader reads them: "at 60, 80 and 100 %", or where they are many
    (random scenarios) "over 25 load scenarios per system, 70 to 100 %"."""
    load = _load(cases)
    pct = sorted({round(100 * v) for v in load})
    if load.nunique() <= 4:
        return f"at {listed(pct)} %"
    per = cases.groupby("system").size()
    n = span(per, grouped)  # one count where every system ran as many
    return f"over {n} load scenarios{' per system' if len(per) > 1 else ''}, {pct[0]} to {pct[-1]} %"


P2_LOAD = "the mean TS load factor of each scenario"
"""What P2's load is in this chapter's tables and sentences (`p2_rows`, `_load`): its scenarios draw the DS load
factors apart from the TS's, so the page says so wherever it prints P2's load (`common_load_text`,
`OWN_LOADS_LEAD`)."""


def _ds_loads_words(cases: pd.DataFrame) -> str:
    """The range of P2's DS load factors over its ``cases`` (their ``ds_load``, each scenario's mean over its DSs), as
    a reader reads it: "60 to 100 %"; "" where the rows do not carry it."""
    ds = cases.ds_load[cases.method == METHOD_NAMES[1]].astype(float).dropna() if "ds_load" in cases else []
    return span(100 * ds, ".0f", " %") if len(ds) else ""


def _method_loads(method: str, cases: pd.DataFrame) -> str:
    """The loads one method's ``cases`` ran (`_loads_words`); for P2 what that load is (`P2_LOAD`) and the range of
    its DS load factors (`_ds_loads_words`)."""
    said = f"{method} {_loads_words(cases)}"
    if method != METHOD_NAMES[1]:
        return said
    ds = _ds_loads_words(cases)
    return f"{said} ({P2_LOAD}" + (f"; its DSs' mean load factor {ds}" if ds else "") + ")"


def common_load_text(cases: pd.DataFrame) -> str:
    """Markdown: at which load the tables, figure and verdicts that follow compare the methods (`common_load`) and
    which loads each method ran (every case of ``cases``), as the own-loads table (`own_loads_table`) shows them; P2's
    load is its scenarios' mean TS load (`P2_LOAD`), said with its DS load factors, at the common load and over all
    its cases (`_method_loads`)."""
    same = common_load(cases)
    if same.empty:
        return "The methods share no load on any system here, so no table below compares them like with like."
    each = "; ".join(_method_loads(m, g) for m, g in cases.groupby("method", sort=False))
    ds = _ds_loads_words(same)
    p2 = (f" (for {METHOD_NAMES[1]}, {P2_LOAD}" + (f", with its DSs' mean load factor {ds} there" if ds else "") + ")"
          if (same.method == METHOD_NAMES[1]).any() else "")
    # two sentences: P2's clause and the chapters' loads would otherwise stand as two parentheses in a row
    return (f"These tables compare every method at the load all of them ran on each system, "
            f"{_loads_words(same.drop_duplicates('load_min'))} of nominal load{p2}. The method chapters ran {each}; "
            "the table of each method over every load it ran comes after these tables.")


PRINTED = {"deviation_mean_pct": "deviation, mean (%)", "deviation_max_pct": "deviation, max (%)",
           "abs_deviation_pct": "|deviation|, feasible (%)", "feasible_pct": "feasible after T+D PF (%)",
           "tso_ms": "TSO (ms)", "dso_ms": "DSO (ms)", "solve_time_ms": "online (ms)",
           "wall_time_ms": "online wall (ms)", "integrated_solve_time_ms": "integrated AC-OPF (ms)",
           "time_ratio": TIME_RATIO, "baseline_spread": "integrated AC-OPF, largest / smallest run",
           "offline_time_s": "offline (s)", "kB": "exchanged (kB)"}
"""Columns of `printed`: the row's name -> the header a paper prints (``kB``: the row's ``bytes_exchanged`` in kB,
the unit of the prose; ``baseline_spread``: `baseline_spread`)."""


def baseline_spread(table: pd.DataFrame) -> pd.Series:
    """Per row of a per-system ``table`` (`per_system`), the largest over the smallest time of the integrated AC-OPF
    on its system among the methods' runs (each method's chapter solves it in its own run, at another commit and
    another moment of the machine): how far the yardstick of the time ratios moves from one run to another, the
    floor below which two methods' ratios are not told apart. Noise only where no run leans one way: where one run's
    yardstick is the slowest on every system (`slowest_run`), the spread is that run's lean, and the notes say so.
    1 where one method ran the system."""
    ms = table.integrated_solve_time_ms.astype(float)
    return ms.groupby(table.system).transform("max") / ms.groupby(table.system).transform("min")


def slowest_run(table: pd.DataFrame) -> str | None:
    """The method whose run solved the slowest integrated AC-OPF on every system of a per-system ``table`` that more
    than one method ran, where there are two or more such systems: a systematic lean of that run's yardstick, not
    noise, which makes that method's time ratios smaller than the other runs' yardstick would; None where the
    slowest run changes from system to system (then `baseline_spread` is read as noise)."""
    t = table.dropna(subset=["integrated_solve_time_ms"])
    t = t[t.groupby("system").method.transform("nunique") > 1]
    if t.system.nunique() < 2:
        return None
    slowest = t.loc[t.integrated_solve_time_ms.astype(float).groupby(t.system).idxmax(), "method"]
    return str(slowest.iloc[0]) if slowest.nunique() == 1 else None


def leaning_ratios(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """Per system of a per-system ``table`` that ``method`` and another method ran: how many times the mean of the
    other runs' integrated AC-OPF times ``method``'s own run's yardstick is (``lean``), and ``method``'s online time
    over that mean (``ratio``): its ratio had its run's yardstick been as fast as the others' (the size of the lean
    `slowest_run` finds, in the ratio's unit)."""
    others = table[table.method != method].groupby("system").integrated_solve_time_ms.mean().astype(float)
    own = table[table.method == method].set_index("system")
    own = own[own.index.isin(others.index)]
    yardstick = others.reindex(own.index)
    return pd.DataFrame({"lean": own.integrated_solve_time_ms.astype(float) / yardstick,
                         "ratio": own.solve_time_ms.astype(float) / yardstick})


def lean_text(table: pd.DataFrame, short: bool = False) -> str:
    """Markdown, a sentence: which run's yardstick is the slowest on every system of a per-system ``table``
    (`slowest_run`), by how much against the mean of the other runs' (``lean`` of `leaning_ratios`), and that
    method's mean time ratio against the other runs' yardstick; ``short``: the run and that ratio alone, for a verdict
    beside the note that gives the rest. "" where no run leans one way."""
    method = slowest_run(table)
    if method is None:
        return ""
    lean = leaning_ratios(table, method)
    ratio = f"{grouped(lean.ratio.mean(), 2)}x"
    if short:
        return (f" {method}'s run has the slowest yardstick on every one of these systems, a lean of that run and not "
                f"noise: against the other runs' its mean ratio would be {ratio}.")
    return (f" On every one of these {len(lean)} systems the integrated AC-OPF of {method}'s run is the slowest, "
            f"{span(lean.lean, lambda v: grouped(v, 2), 'x')} the mean of the other runs': a lean of that run, not "
            f"noise, which makes {method}'s ratios smaller; against the other runs' yardstick its mean ratio over "
            f"these systems would be {ratio}.")


NOT_APPLYING = dict(ch08_sensitivity.NOT_APPLYING)
"""The `ROW` columns that do not apply to a method, by method code: chapter 08's rule
(`forlab.studies.ch08_sensitivity.applicable`), whose column names are the `ROW`'s, so ALADIN's offline time and
P2's DSO part print "–", not 0.0."""


def _applying(t: pd.DataFrame) -> pd.DataFrame:
    """``t`` (rows in `ROW` columns, methods by name) with the values of `NOT_APPLYING` missing, by chapter 08's
    `forlab.studies.ch08_sensitivity.applicable`; the rows keep 0.0 there, which `_offline_line` reads as "none"."""
    coded = t.assign(method=t.method.map(dict(zip(METHOD_NAMES, METHOD_CODES))))
    return ch08_sensitivity.applicable(coded).assign(method=t.method)


def printed(table: pd.DataFrame) -> pd.DataFrame:
    """A per-system table with the column names and rounding a paper prints; a table stored before a column existed
    shows it as missing (its status `forlab.opf.outcome.NOT_IN_STORE`), and so does a value that does not apply to
    its method (`NOT_APPLYING`). Data exchanged in kB, as the prose says it."""
    t = table.copy()
    for c in ROW:
        if c not in t:
            t[c] = NOT_IN_STORE if c == "status" else np.nan
    t = _applying(t)
    t["load (%)"] = [f"{100 * a:.0f}" if abs(a - b) < 1e-9 else f"{100 * a:.0f}-{100 * b:.0f}"
                     for a, b in zip(t.load_min, t.load_max)]
    t["kB"] = t["bytes_exchanged"].astype(float) / 1e3
    t["baseline_spread"] = baseline_spread(t)
    t = t.rename(columns=PRINTED)
    cols = ["system", "method", "cases", "status", "load (%)", *[PRINTED[c] for c in PRINTED if c != "kB"],
            "rounds", PRINTED["kB"]]
    t = t[cols].set_index(["system", "method"])
    digits = {"deviation, mean (%)": 4, "deviation, max (%)": 4, "|deviation|, feasible (%)": 4,
              "feasible after T+D PF (%)": 1, "TSO (ms)": 1, "DSO (ms)": 1, "online (ms)": 1, "online wall (ms)": 1,
              "integrated AC-OPF (ms)": 1, PRINTED["time_ratio"]: 2, PRINTED["baseline_spread"]: 2,
              "offline (s)": 1, "rounds": 1, PRINTED["kB"]: 1}
    t = t.round(digits)
    # a tiny negative deviation rounds to -0.0, which prints "-0.0000": adding 0.0 drops the sign of a zero
    return t.assign(**{c: t[c] + 0.0 for c in digits})


PAGE_TABLES = {
    "accuracy": {"cases": 0, "status": None, "load (%)": None, "deviation, mean (%)": 4, "deviation, max (%)": 4},
    "feasibility": {"|deviation|, feasible (%)": 4, "feasible after T+D PF (%)": 1},
    "time": {"TSO (ms)": 1, "DSO (ms)": 1, "online (ms)": 1, "online wall (ms)": 1, "integrated AC-OPF (ms)": 1},
    "effort": {PRINTED["time_ratio"]: 2, PRINTED["baseline_spread"]: 2, "offline (s)": 1, "rounds": 0,
               PRINTED["kB"]: 1},
}
"""The tables a page shows of a per-system table (`printed` columns -> digits; None: shown as it is), so that none
is wider than the book's column. `page_table` groups the thousands of every number it formats
(`forlab.book.tables.grouped`), counts of cases, times, rounds and kB alike, as chapter 12's tables group theirs."""

PAGE_HEADERS = {"feasible after T+D PF (%)": "feasible (%)",
                "|deviation|, feasible (%)": "mean |deviation|, feasible cases (%)",
                PRINTED["time_ratio"]: f"{TIME_RATIO}, mean of per-case ratios",
                PRINTED["baseline_spread"]: "integrated AC-OPF, largest / smallest of the methods' runs"}
"""Headers the page words differently from `printed`. The time ratio is the mean of each case's ratio (online time
over the integrated AC-OPF's of the same run: for P1 and P2 timed just before the online step, the pair a noisy
machine times alike; for ALADIN timed just before each repeat of its run), not the ratio of the
mean times of the time table, which a single slow case would tilt; beside it, how far that integrated AC-OPF's time moves
between the methods' runs on the system (`baseline_spread`)."""


def page_table(table: pd.DataFrame, part: str | dict) -> pd.DataFrame:
    """One of the `PAGE_TABLES` (``"accuracy"``, ``"feasibility"``, ``"time"``, ``"effort"``, or columns and digits
    given as they are) of a per-system table:
    the columns and numbers of `printed`, as text with fixed digits, rows grouped by system (methods by their full
    names, `METHOD_NAMES`, in that order), and "–" where a method has no value (a failed case's deviation, or a
    field the store it came from does not hold: `missing_text` says which), thousands grouped
    (`forlab.book.tables.grouped`: "4 380.4" kB, "1 066.4" ms). "feasible (%)" is the share of cases
    whose dispatch is feasible in the T+D power flow. The system names may break after each "+", as in every
    other table of the book (`forlab.book.tables.page_index`): whole, the longest of them widened the table past the
    book's column."""
    digits = PAGE_TABLES[part] if isinstance(part, str) else part
    t = printed(table)
    systems = list(dict.fromkeys(t.index.get_level_values("system")))
    order = sorted(range(len(t)), key=lambda i: (systems.index(t.index[i][0]),
                                                  _method_rank(t.index[i][1])))
    t = t.iloc[order]
    t["load (%)"] = t["load (%)"].str.replace("-", "\u2011")  # a non-breaking hyphen: "60-100" stays on one line
    for c, d in digits.items():
        if d is not None:
            # a whole number with 0 digits, else one digit (a mean of rounds may lie between two)
            t[c] = [np.nan if not np.isfinite(v) else grouped(v, d if d or v == round(v) else 1)
                    for v in t[c].astype(float)]
    shown = printable(t, {c: PAGE_HEADERS.get(c, c) for c in digits})
    shown.index = _page_rows(shown.index.get_level_values("system"), shown.index.get_level_values("method"))
    return shown


def _page_rows(systems, methods) -> pd.MultiIndex:
    """The (system, method) index of a `page_table` row as the page prints it (`forlab.book.tables.page_index`):
    `dash_text` finds a shown row's per-system row by it."""
    return page_index(list(systems), list(methods), names=["system", "method"])


MISSING = {"deviation_mean_pct": "judged deviation", "feasible_pct": "T+D power-flow feasibility",
           "wall_time_ms": "online wall time", "solve_time_ms": "online solver time"}
"""Outcome fields `missing_text` looks for, as it names them."""


def missing_text(table: pd.DataFrame) -> str:
    """Markdown: per method, the outcome fields that no row of ``table`` (per case or per system) holds because the
    store it came from was written before the outcome record (`forlab.opf.outcome.NOT_IN_STORE`), and the failed
    cases; empty when every field is there and no case failed (the tables say that themselves)."""
    lines = []
    for m in sorted(dict.fromkeys(table.method), key=_method_rank):
        g = table[table.method == m]
        gone = [what for c, what in MISSING.items() if c in g and g[c].isna().all() and not (g.failed == g.cases).all()]
        if gone:
            lines.append(f"- {m}: {', '.join(gone)}: {NOT_IN_STORE} (written before the outcome record).")
        if g.failed.sum():
            lines.append(f"- {m}: {grouped(g.failed.sum())} of {grouped(g.cases.sum())} case(s) failed; a failed case "
                         "has no deviation and counts as infeasible.")
    return "\n".join(lines)


def negative_text(table: pd.DataFrame) -> str:
    """Markdown, said once where a per-system ``table`` shows one: what a negative mean deviation of a method on a
    system means (`forlab.opf.outcome.negative_sentence`); empty without one."""
    neg = table[table.deviation_mean_pct.astype(float) < 0]
    return negative_sentence([(f"{r.method} on {r.system}", float(r.deviation_mean_pct)) for r in neg.itertuples()])


SENS_RUNS = {"sens": "chapter 08's default run", "sens_paper": "chapter 08's paper-scale run"}
"""Chapter 08's runs this chapter reads (store dimension -> how the page names the run): the default run
(``sensitivity_params``) and, with ``use_profiles``, the paper-scale run (`PROFILES`), sized closer to the method
chapters' own settings. Every statement that reads them names the run."""

RERUN_PAIR = f"between {SENS_RUNS['sens']} and the default run of its own chapter"
"""The two runs a run-to-run gap (`rerun_gaps`) lies between, in the one wording of every statement that gives such a
gap (`_rerun_caveat`, `ONE_RUN_MOVES`): "its" is the method's whose deviation the statement names."""

NO_SENS_PAPER = ("chapter 08's paper-scale run is not read here (`use_profiles` is off, or its store is missing: run "
                 "`forlab run 08_sensitivity --profile paper` or keep `archive/`; or this chapter's store was written "
                 "before it kept that run: run this chapter again)")
"""What the Robustness statement says where it reads chapter 08's default run alone: the store holds no rows of
the paper-scale run."""

SENS_PAPER_UNFINISHED = ("chapter 08's paper-scale run is read here, but no run of it finished a change under one "
                         "factor (none of its variants finished with a judged deviation)")
"""What the Robustness statement says where the store holds chapter 08's paper-scale run but none of its rows gives a
change under one factor (`_spread`): the run was read, so `NO_SENS_PAPER` would be false."""

P1_SOURCES = {"default_case": "the default runs", "case": "the paper-scale runs", **SENS_RUNS}
"""The chapter's P1 cases `p1_bound_text` holds against P1's paper: store dimension -> how the text names them."""


def _p1_cases(st: xr.Dataset, dim: str) -> pd.DataFrame:
    """The finished P1 cases of one of `P1_SOURCES` in ``st``: system and judged deviation (%), a shared case of
    the sensitivity study (its base case) once. A sensitivity variant with other FPUs or ties than the base case is
    another system, named so (its variant label), since the bound is read as one on a system's mean over its load
    levels."""
    t = from_store(st, dim) if f"{dim}_system" in st else pd.DataFrame()
    if t.empty:
        return pd.DataFrame(columns=["system", "deviation"])
    if dim in SENS_RUNS:
        t = _sens_ok(t[t.method == "P1"]).drop_duplicates(["load_level", "n_fpus", "ties"])
        base = t[t.is_base.astype(bool)].iloc[0] if t.is_base.astype(bool).any() else None
        own = [r.system if base is None or (r.n_fpus, r.ties) == (base.n_fpus, base.ties)
               else f"{r.system} ({r.variant_label})" for r in t.itertuples()]
        return pd.DataFrame({"system": own, "deviation": t.deviation_pct.astype(float).to_numpy()})
    t = t[(t.method == METHOD_NAMES[0]) & (t.status == "ok")]
    return pd.DataFrame({"system": t.system, "deviation": t.deviation_mean_pct.astype(float)})


def _p1_above(cases: pd.DataFrame, bound: float) -> str:
    """How many of ``cases`` (`_p1_cases`) lie above ``bound``, the largest, and the systems whose mean over their
    cases does: "systems whose mean lies above it: A, 0.1320 %; B, 0.0694 %". A system of one case (a sensitivity
    variant) has no mean to speak of: where there is one among them, each says what its value is ("mean of its 3
    cases", "its one case")."""
    above = cases[cases.deviation > bound]
    per = cases.groupby("system", sort=False).deviation.agg(["mean", "size"])
    high = per[per["mean"] > bound]
    worst = (f", the largest {above.deviation.max():.4f} % on {above.system[above.deviation.idxmax()]}"
             if len(above) else "")
    if high.empty:
        return f"{grouped(len(above))} of {grouped(len(cases))} cases above it{worst}; no system's mean above it"
    if (high["size"] > 1).all():
        per_system = "systems whose mean lies above it: " + "; ".join(f"{k}, {r['mean']:.4f} %"
                                                                       for k, r in high.iterrows())
    else:
        what = {k: "its one case" if r["size"] == 1 else f"mean of its {grouped(r['size'])} cases"
                for k, r in high.iterrows()}
        per_system = "systems above it: " + "; ".join(f"{k}, {what[k]} {r['mean']:.4f} %" for k, r in high.iterrows())
    return f"{grouped(len(above))} of {grouped(len(cases))} cases above it{worst}; {per_system}"


def p1_bound_text(st: xr.Dataset) -> str:
    """Markdown: the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``, the dotted line of the systems
    figure), as the book reads it (chapter 08's `BOUND_READING`): a bound on the mean over a system's cases; and which
    of the chapter's P1 cases (`P1_SOURCES`) and per-system means lie above it, one line per source; empty without a
    P1 case."""
    bound = anchors.value("p1_deviation_pct")
    parts = [(what, _p1_cases(st, dim)) for dim, what in P1_SOURCES.items()]
    found = [f"- {what}: {_p1_above(cases, bound)}" for what, cases in parts if len(cases)]
    if not found:
        return ""
    head = (f"P1's paper bounds its cost deviation at {anchors.show('p1_deviation_pct')} (the dotted line above). Its "
            f"abstract does not say over what. {ch08_sensitivity.BOUND_READING} The book's P1 cases against it:")
    return "\n".join([head, "", *found])


DASHES = {"failed": "the value of a failed case", "infeasible": "the mean |deviation| of a method without a feasible "
          "finished case", "missing": "a value the store it came from does not hold (the list above names it)"}
"""What a "–" in a `page_table` stands for, by cause (`dash_text` names the causes that occur)."""

NOT_APPLYING_WHY = {"offline_time_s": ch12_many_dsos.P3_NO_OFFLINE, "dso_ms": ch12_many_dsos.P2_NO_DSO}
"""Why a column of `NOT_APPLYING` shows "–" (`dash_text`), in chapter 12's words (ALADIN's offline time, P2's DSO
side)."""


def _dash_cause(r, header: str) -> str:
    """Why the per-system row ``r`` shows "–" under ``header`` (a `page_table` header): a value that does not apply
    to its method (the `NOT_APPLYING` column's name), every case failed, no case was feasible (for the mean
    |deviation| of the feasible cases), or its store lacks the field."""
    code = dict(zip(METHOD_NAMES, METHOD_CODES)).get(r.method)
    for c, codes in NOT_APPLYING.items():
        if code in codes and header == PAGE_HEADERS.get(PRINTED[c], PRINTED[c]):
            return c
    if r.failed == r.cases:
        return "failed"
    feasible_only = header == PAGE_HEADERS["|deviation|, feasible (%)"]
    return "infeasible" if feasible_only and np.isfinite(r.deviation_mean_pct) else "missing"


def page_tables(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every `page_table` of a per-system ``table``, by part (`PAGE_TABLES`): built once, shown by the page and
    read by `dash_text`."""
    return {part: page_table(table, part) for part in PAGE_TABLES}


OWN_LOADS = {"cases": None, "load (%)": None, "feasible after T+D PF (%)": 1}
"""The columns of `own_loads_table` that `page_table` prints as it prints them elsewhere (`printed` columns ->
digits; None: shown as it is); `OWN_RANGES` adds the others."""

OWN_RANGES = {"deviation (%), mean (largest)": ("deviation_mean_pct", "deviation_max_pct", DEVIATION_DIGITS),
              f"{TIME_RATIO}, mean (largest)": ("time_ratio", "time_ratio_max", 2)}
"""The columns of `own_loads_table` that give a mean over a method's cases on a system and, in parentheses, the
largest (header -> the two `per_system` columns and the digits): the signed deviation, and the online time over the
integrated AC-OPF of the same run, so that a method's speed is shown over every load it ran and not only at the
load every method ran, where P1 is at its fastest. One column each keeps the table at five columns, as every page
table (`PAGE_TABLES`), within the book's column."""


OWN_LOADS_LEAD = ("Each method over every load its chapter ran, per system, with its time ratio over those loads; "
                  "no verdict below ranks the methods by this table, as their loads differ. For "
                  f"{METHOD_NAMES[1]} the load is {P2_LOAD}; its DS load factors were drawn apart from it (the line "
                  "above the first table of this section gives their range):")
"""The line above `own_loads_table` on the page; it says what P2's load is (`P2_LOAD`)."""


def _mean_largest(t: pd.DataFrame, mean: str, largest: str, digits: int) -> pd.Series:
    """Per row of ``t``, its ``mean`` and, in parentheses, its ``largest`` as `forlab.book.tables.fixed` prints
    them ("0.0182 (0.0551)"); NaN where the mean is missing (a method whose every case failed), which prints "–"."""
    m, top = fixed(t[mean].astype(float), digits), fixed(t[largest].astype(float), digits)
    return pd.Series([f"{a} ({b})" if isinstance(a, str) else np.nan for a, b in zip(m, top)], index=t.index)


def own_loads_table(cases: pd.DataFrame) -> pd.DataFrame:
    """Each method over every load it ran (all of ``cases``, one row per case, per system: `per_system`), beside the
    tables at the load the methods share (`common_load`): how far a method's deviation, feasibility and time ratio
    move with the load (`OWN_LOADS`, `OWN_RANGES`). No verdict ranks methods by it, as their loads differ; the speed
    verdict gives each method's mean ratio over its own loads beside the common load's (`_own_loads_clause`)."""
    largest = cases.groupby(["system", "method"], sort=False).time_ratio.max().rename("time_ratio_max")
    per = per_system(cases).join(largest, on=["system", "method"])
    shown = page_table(per, OWN_LOADS)
    keyed = per.set_axis(_page_rows(per.system, per.method))
    for k, (header, (mean, top, digits)) in enumerate(OWN_RANGES.items()):
        values = _mean_largest(keyed, mean, top, digits).reindex(shown.index)
        shown.insert(2 + 2 * k, header, values.where(values.notna(), "–"))
    return shown


def dash_text(table: pd.DataFrame, pages: dict[str, pd.DataFrame]) -> str:
    """Markdown: what a "–" in the page tables ``pages`` (`page_tables` of the per-system ``table``) stands for,
    naming only the causes that occur (`DASHES`, and the values that do not apply together, `NOT_APPLYING_WHY`);
    empty when no table shows one. The tables are passed in, not rebuilt: the legend speaks of the tables the page
    shows."""
    rows = dict(zip(_page_rows(table.system, table.method), table.itertuples()))  # keyed as the shown rows are
    causes = set()
    for shown in pages.values():
        for key, line in shown.iterrows():
            causes |= {_dash_cause(rows[key], h) for h, v in line.items() if v == "–"}
    why = [NOT_APPLYING_WHY[c] for c in NOT_APPLYING if c in causes]
    said = [DASHES[c] for c in DASHES if c in causes] + ([f"a value that does not apply ({'; '.join(why)})"]
                                                         if why else [])
    return f"A “–” in this section's tables is {' or '.join(said)}." if said else ""


def _method_rank(method: str) -> int:
    return METHOD_NAMES.index(method) if method in METHOD_NAMES else len(METHOD_NAMES)


ROW_UNITS = {"system": "-", "method": "-", "cases": "1", "failed": "1", "load_min": "1", "load_max": "1",
             "ds_load": "1",
             "deviation_mean_pct": "%", "deviation_max_pct": "%", "abs_deviation_pct": "%", "feasible_pct": "%",
             "tso_ms": "ms", "dso_ms": "ms", "solve_time_ms": "ms", "wall_time_ms": "ms",
             "integrated_solve_time_ms": "ms", "time_ratio": "1", "offline_time_s": "s", "rounds": "1",
             "bytes_exchanged": "bytes", "status": "-"}
"""Units of the `ROW` columns in the chapter's store."""


def _units() -> dict[str, str]:
    """Units of every column the chapter stores: `ROW_UNITS` and chapter 08's rows (``sens``)."""
    from forlab.studies import ch08_sensitivity as ch08

    return {**{c: u for c, (_, u) in ch08.COLUMNS.items()}, **{c: "1" for c in ch08.FLAGS},
            **{c: "-" for c in ch08.TEXT}, "variant_value": "1", "group_wall_time_s": "s", **ROW_UNITS}


def to_store(table: pd.DataFrame, dim: str) -> xr.Dataset:
    """A per-system or per-case table as variables over one dimension (strings stay strings), with units."""
    return to_dataset(table, dim, f"{dim}_", units=_units())


def from_store(st: xr.Dataset, dim: str) -> pd.DataFrame:
    """Inverse of `to_store`."""
    return table(st, dim, dim + "_")


def sources(**stores: xr.Dataset | None) -> str:
    """JSON of where each input store came from (path, parameter hash, git commit, when), the parameters it was
    run with (`rerun_text` and `scale_models_text` set the sizes of two runs' offline models side by side) and,
    where the store records them, its machine's cores, CPU model and Ipopt (``cpu_count``, ``cpu_model``,
    ``ipopt_version``, ``ipopt_linear_solver``), for the store's attrs."""
    out = {}
    for name, s in stores.items():
        if s is not None:
            out[name] = {k: s.attrs.get(k, "") for k in ("store_path", "parameter_hash", "git_commit",
                                                          "created_utc")}
            out[name]["parameters"] = json.loads(s.attrs.get("parameters", "{}"))
            if "cpu_count" in s.attrs:  # the machine a run's times hold for (`scale_conditions_text`)
                out[name]["cpu_count"] = int(s.attrs["cpu_count"])
            for k in ("cpu_model", "ipopt_version", "ipopt_linear_solver"):  # the rest of the machine and solver
                if k in s.attrs:
                    out[name][k] = str(s.attrs[k])
            if "p2_load_range" in s.attrs:  # chapter 12's: the DS load factors its P2 was trained on
                out[name]["p2_load_range"] = json.loads(s.attrs["p2_load_range"])
    return json.dumps(out)


# ----------------------------------------------------------------------------------------------------------------------
# the chapter: its inputs, its store
# ----------------------------------------------------------------------------------------------------------------------

PROFILES = {"P1": ("05_coordination", "paper"), "P2": ("06_ml_surrogate", "paper"), "P3": ("07_aladin", "full"),
            "sensitivity": ("08_sensitivity", "paper")}
"""The paper-scale stores read with ``use_profiles``: key -> (chapter, profile); the method chapters' for the
every-system comparison, chapter 08's for the Robustness statement and the P1 bound beside its default run
(`SENS_RUNS`)."""

NO_PAPER_STORES = ("No paper-scale store of the method chapters is available: run their `paper` profiles "
                   "(`forlab run 05_coordination --profile paper`, ...) or keep `archive/`.")


SCALE = ("12_many_dsos", "paper")
"""The scale-out sweep of the many-DSOs view: (chapter, profile)."""

SCALE_METHODS = ch12_many_dsos.METHODS
"""Chapter 12's method codes -> this chapter's names (the integrated AC-OPF is the yardstick, not a contestant)."""

SCALE_UNITS = {"n_ds": "1", "buses": "1", "method": "-", "status": "-", "feasible": "1", "deviation_pct": "%",
               "solve_time_s": "s", "wall_time_s": "s", "tso_ms": "ms", "dso_ms": "ms", "dso_parallel_ms": "ms",
               "integrated_solve_time_s": "s", "time_ratio": "1", "offline_time_s": "s",
               "rounds": "1", "bytes_exchanged": "bytes", "max_violation": "pu",
               **dict.fromkeys(VIOLATION_COUNTS, "1"), "integrated_again_ms": "ms",
               "p2_least_accepted": "1", "p2_narrow_dss": "1", "load_level": "1", "ties": "-", "n_fpus": "1",
               "reserve_mw": "MW", "offline_dso_max_s": "s", "flex_worth_pct": "%", "flex_share_pct": "%",
               "flex_status": "-", "flex_feasible": "1", "cost": "$/h", "integrated_cost": "$/h"}
"""The columns of `scale_rows` and their units in the chapter's store: the outcome record (with the T+D power
flow's violations by kind, `forlab.opf.judge.VIOLATION_COUNTS`, which chapter 12's `violation_text` words); P1's
TSO and slowest DSO solver times beside the wall time of all its DSOs' dispatches on the sweep's workers
(``dso_parallel_ms``, `_p1_on_workers`); the integrated AC-OPF's solver time timed again after the methods, from which chapter 12's
`timing_noise` measures the noise a lead in online time is held against (`_winners`); P2's least accepting polytope
and how many accept hardly anything (`forlab.studies.ch08_sensitivity.run_p2`); the operating point each row ran at
(`forlab.studies.ch12_many_dsos.POINT_COLUMNS`), which the sweep's conditions read (`ch12_many_dsos.stored_point`);
the reserve P2's TSO held (`_reserve_condition`) and P1's slowest DSO's own offline time (`_offline_condition`),
which the answer's caveats give, and what DS flexibility is worth at the row's size (% of the integrated optimum) with
the share of that worth the row's method gives up (%, `forlab.studies.ch12_many_dsos.flexibility`,
`_worth_condition`) with the stored status of the AC-OPF with every FPU held and whether its dispatch kept the limits
(``flex_status``, ``flex_feasible``: why a size has no worth, `forlab.studies.ch12_many_dsos.no_worth`), and the
row's judged cost beside the integrated optimum ($/h, the accuracy lead in money, `_margins`) (missing in a store
written before them)."""

NO_SCALE_STORE = ("No paper-scale store of {doc}`12_many_dsos` is available (or `use_profiles` is off): run "
                  "`forlab run 12_many_dsos --profile paper` or keep `archive/`.")


PARAMETER_TYPES = {"system": str, "p1_params": dict, "p2_params": dict, "p3_params": dict,
                   "sensitivity_params": dict, "use_profiles": bool}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`);
the ``*_params`` are overrides of the method chapters' parameters (`OVERRIDES`), checked by `check_params` with those
chapters' own checks."""

OVERRIDES = {"p1_params": "05_coordination", "p2_params": "06_ml_surrogate", "p3_params": "07_aladin",
             "sensitivity_params": "08_sensitivity"}
"""Which method chapter's parameters each ``*_params`` overrides (the stores `run` reads, `chapter_store`)."""


def check_params(params: dict) -> None:
    """TypeError (`forlab.book.runner.check_types`) when a parameter has the wrong type, e.g. ``use_profiles`` not a
    bool or ``p1_params`` not a dict; then every ``*_params`` resolved to the parameters its method chapter would
    run with (`forlab.book.runner.chapter_params`, whose errors name the ``*_params`` and its chapter once) and
    checked by that chapter's own check (no work is done): a bad override is refused with the same error type,
    prefixed with the ``*_params`` and the chapter it belongs to. Last, ``system`` must be one that every method
    chapter runs with those parameters (`_check_system`)."""
    runner.check_types(params, PARAMETER_TYPES, "09_comparison")
    resolved = {}
    for key, chapter in OVERRIDES.items():
        where = f"{key} (parameters of chapter {chapter}, `forlab run {chapter}`)"
        resolved[key] = runner.chapter_params(chapter, params[key], where)
        try:
            runner.chapter_check(chapter)(resolved[key])
        except (TypeError, ValueError) as err:
            message = f"{where}: {err}"
            try:
                refused = type(err)(message)
            except Exception:  # noqa: BLE001 - an error class that takes other arguments: say it as a ValueError
                refused = ValueError(message)
            raise refused from None
    _check_system(params["system"], resolved)


def method_systems(resolved: dict[str, dict]) -> dict[str, tuple[str, list[str]]]:
    """Per method ``*_params`` key, the parameter of its chapter that names the systems `default_rows` reads rows of,
    and those systems, from the chapters' resolved parameters ``resolved`` (by ``*_params`` key): chapter 05's
    ``systems_list``, chapter 06's ``systems``, and of chapter 07's ``systems`` and growth, KKT and ADMM systems
    those it runs the book's ALADIN on in-process (`forlab.studies.ch07_aladin.study.inprocess_systems`)."""
    from forlab.studies.ch07_aladin.study import inprocess_systems

    return {"p1_params": ("systems_list", list(resolved["p1_params"]["systems_list"])),
            "p2_params": ("systems", list(resolved["p2_params"]["systems"])),
            "p3_params": ("systems", inprocess_systems(resolved["p3_params"]))}


def _check_system(system: str, resolved: dict[str, dict]) -> None:
    """ValueError unless every method chapter runs ``system`` with its resolved parameters (`method_systems`): the
    page compares the methods' rows on it (`default_rows`), which would otherwise fail in the kernel, after every
    method's store was opened. The message names the ``*_params`` whose chapter does not run it and the systems
    that all of them run."""
    runs = method_systems(resolved)
    lacking = [key for key, (_, systems) in runs.items() if system not in systems]
    if not lacking:
        return
    shared = [s for s in runs["p1_params"][1] if all(s in systems for _, systems in runs.values())]
    also = {"p3_params": " and its growth, KKT and ADMM systems: those ALADIN runs in-process"}
    where = "; ".join(f"chapter {OVERRIDES[key]} runs {runs[key][1]} ({key}' {runs[key][0]}{also.get(key, '')})"
                      for key in lacking)
    choices = listed(shared, "or") if shared else "none with these parameters"
    params = listed(f"{key}' {runs[key][0]}" for key in lacking)
    raise ValueError(f"system must be a system that chapters {listed(OVERRIDES[key] for key in runs)} all run, got "
                     f"{system!r}: {where}. Choose one that all of them run ({choices}), or add {system!r} to "
                     f"{params}")


def chapter_store(chapter: str, override: dict) -> xr.Dataset:
    """The store of a method chapter's run with these parameters (its defaults where not given)."""
    return open_store(chapter, runner.chapter_params(chapter, override))


def profile(chapter: str, name: str, use_profiles: bool = True) -> xr.Dataset | None:
    """The store of a chapter's profile run (`forlab.book.runner.open_profile_store`); None when there is none or
    ``use_profiles`` is off."""
    return runner.open_profile_store(chapter, name) if use_profiles else None


def best(t: pd.DataFrame, col: str, fn: str = "idxmin"):
    """The method with the smallest (``fn="idxmin"``) or largest (``"idxmax"``) ``col`` in ``t``, and the column by
    method (NaN dropped); (None, empty) when no method has a value."""
    s = t.set_index("method")[col].dropna()
    return (getattr(s, fn)(), s) if len(s) else (None, s)


def default_rows(p1: xr.Dataset, p2: xr.Dataset, p3: xr.Dataset, system: str) -> pd.DataFrame:
    """The rows of the method chapters' default runs on ``system``; ValueError when a method did not run on it."""
    rows = pd.concat([p1_rows(p1), p2_rows(p2), p3_rows(p3)], ignore_index=True)
    rows = rows[rows.system == system]
    missing = set(METHOD_NAMES) - set(rows.method)
    if missing:
        raise ValueError(f"the default runs have no {sorted(missing)} on {system!r}: choose a system all of chapters "
                         f"05, 06 and 07 ran, or pass their parameters")
    return rows


def profile_rows(big: dict[str, xr.Dataset | None]) -> pd.DataFrame:
    """The rows of the paper-scale stores (`PROFILES` keys; None: not available) on the study systems: those the
    one-round methods ran (ALADIN's transmission-area partitions are chapter 07's subject)."""
    parts = []
    if big["P1"] is not None:
        parts.append(p1_rows(big["P1"]))
    if big["P2"] is not None:
        parts.append(p2_rows(big["P2"]))
    if big["P3"] is not None:
        parts.append(p3_rows(big["P3"]))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW)
    td = set(rows[rows.method != METHOD_NAMES[2]].system)
    return rows[rows.system.isin(td) | (rows.method != METHOD_NAMES[2])]


def scale_rows(st: xr.Dataset | None) -> pd.DataFrame:
    """One row per number of DSs and method of chapter 12's sweep (`SCALE_UNITS` columns, methods named as this
    chapter names them, the integrated AC-OPF's row included as the yardstick), as that chapter computes them
    (`forlab.studies.ch12_many_dsos.frame`: the online solver time over the integrated AC-OPF's of the same size);
    no row without a store."""
    if st is None:
        return pd.DataFrame(columns=list(SCALE_UNITS))
    t = ch12_many_dsos.frame(st)
    flex = ch12_many_dsos.flexibility(st, t)  # empty for a store written before it
    if len(flex):
        t["flex_worth_pct"] = t.n_ds.map(flex.worth_pct)
        t["flex_share_pct"] = [flex[m].get(n, np.nan) if m in flex else np.nan for n, m in zip(t.n_ds, t.method)]
        held = ch12_many_dsos.sizes(st).set_index("n_ds")
        t["flex_status"] = t.n_ds.map(held.fixed_fpus_status).astype(str)
        t["flex_feasible"] = t.n_ds.map(held.fixed_fpus_feasible).astype(bool)
    # a store written before a column (P1's dispatches on the workers) has it as missing
    return t.assign(method=t.method.map(SCALE_METHODS), feasible=t.feasible.astype(bool)).reindex(
        columns=list(SCALE_UNITS))


ANCHOR_KEYS = ["p1_deviation_pct"]
"""The published anchors chapter 09 sets its comparison beside (`forlab.book.anchors`), kept in its store."""
# P1_BOUND, the legend entry of the P1 paper's deviation bound in the overview figure, and its line are the book's
# (`forlab.book.plots.P1_BOUND`, `BOUND_LINE`): one line, drawn alike in chapters 05, 08 and 09; the caption says the
# bound is read as one on a system's mean deviation


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params``: per system and method the default runs on ``system`` at the load every
    method ran (dimension ``default``, `common_load`; all their cases, per load level or scenario: ``default_case``),
    the paper-scale rows (``case``) and their per-system means at the load every method ran (``sys``), and the
    sensitivity study's rows: its default run's (``sens``) and, with ``use_profiles`` and its store there, its
    paper-scale run's (``sens_paper``, `SENS_RUNS`); ``attrs["sources"]`` says which stores they came from and with
    which parameters they were run."""
    from forlab.studies import ch08_sensitivity

    check_params(params)
    p1, p2, p3 = (chapter_store("05_coordination", params["p1_params"]),
                  chapter_store("06_ml_surrogate", params["p2_params"]),
                  chapter_store("07_aladin", params["p3_params"]))
    sens = chapter_store("08_sensitivity", params["sensitivity_params"])
    dflt = default_rows(p1, p2, p3, params["system"])
    big = {k: profile(chapter, name, params["use_profiles"]) for k, (chapter, name) in PROFILES.items()}
    cases = profile_rows(big)
    scale = profile(*SCALE, params["use_profiles"])
    sens_paper = ([] if big["sensitivity"] is None  # no paper-scale run: the page names the default run alone
                  else [to_store(ch08_sensitivity.frame(big["sensitivity"]), "sens_paper")])
    out = xr.merge([
        to_dataset(narrow_polytopes(big["P2"]), "narrow", "narrow_", units={"system": "-", "accepted": "1"}),
        to_store(per_system(common_load(dflt)), "default"),  # like with like: the load every method ran
        to_store(dflt, "default_case"),
        to_store(cases, "case"),
        to_store(per_system(common_load(cases)), "sys"),
        to_store(ch08_sensitivity.frame(sens), "sens"),
        *sens_paper,
        to_dataset(scale_rows(scale), "scale", "scale_", units=SCALE_UNITS),
    ], combine_attrs="drop_conflicts")  # keeps every variable's units
    out.attrs["sources"] = sources(p1=p1, p2=p2, p3=p3, sensitivity=sens, scale=scale,
                                   **{f"profile {k}": v for k, v in big.items()})
    out.attrs["anchors"] = anchors.as_attr(ANCHOR_KEYS)
    return out


def narrow_polytopes(p2_paper: xr.Dataset | None) -> pd.DataFrame:
    """Per DS of the P2 paper-scale store whose polytope accepts hardly any of its feasible held-out samples
    (`forlab.studies.ch06_ml_surrogate.text.little_accepted`): its system and that share (``accepted``, a share);
    empty without the store. A TSO held to such a polytope solves a smaller problem, so its time ratio is no measure of
    the surrogate's speed, nor its feasibility there a measure of how far the surrogate keeps a TSO feasible (chapter
    06 says so; `_narrow_clause` and `_narrow_feasibility` carry it into the speed and feasibility verdicts)."""
    if p2_paper is None:
        return pd.DataFrame({"system": pd.Series(dtype=str), "accepted": pd.Series(dtype=float)})
    from forlab.studies.ch06_ml_surrogate.text import little_accepted

    return little_accepted(p2_paper)[["system", "accepted"]].rename_axis("ds").reset_index(drop=True)


SOURCES = {"p1": "P1 coordination, {doc}`05_coordination`",
           "p2": "P2 surrogate, {doc}`06_ml_surrogate`", "p3": "P3 ALADIN, {doc}`07_aladin`",
           "sensitivity": "sensitivity study, {doc}`08_sensitivity`"}
"""The inputs of the chapter (keys of ``attrs["sources"]``) as a reader names them; the paper-scale stores are
``"profile <PROFILES key>"``, named after the default run of the same chapter (`PROFILE_SOURCES`)."""

PROFILE_SOURCES = {"P1": "p1", "P2": "p2", "P3": "p3", "sensitivity": "sensitivity"}
"""`PROFILES` key -> the `SOURCES` key of the same chapter."""
SCALE_SOURCE = "many DSOs, {doc}`12_many_dsos`"
"""The scale-out sweep (`SCALE`) as a reader names it; it is read at paper scale only (its default run sweeps
sizes too small for the question)."""


def _source_line(what: str, found: dict | None) -> str:
    if found is None:
        return f"- {what}: not available"
    return f"- {what}: `{found['store_path']}`, commit `{short_commit(found)}`, written {written_utc(found)} UTC"


def sources_text(st: xr.Dataset) -> str:
    """Markdown: every store the chapter read, as a list: what it is (with a link to its chapter), its path relative
    to the repository, its commit (short) and when it was written; a paper-scale store that was not found says so."""
    found = json.loads(st.attrs["sources"])
    lines = ["The default runs:"]
    lines += [_source_line(what, found.get(key)) for key, what in SOURCES.items()]
    lines += ["", "The paper-scale runs:"]
    for key, source in PROFILE_SOURCES.items():
        what = f"{SOURCES[source]}, `{PROFILES[key][1]}` profile"
        lines.append(_source_line(what, found.get(f"profile {key}")))
    lines.append(_source_line(f"{SCALE_SOURCE}, `{SCALE[1]}` profile", found.get("scale")))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------------
# figures and text
# ----------------------------------------------------------------------------------------------------------------------


def reveal_text() -> str:
    """Markdown table: what each method's messages send the TSO about a DS on purpose, per method (`REVEALS`, every
    item of it); what else the book's runs pass to the TSO's process is the security page's (book/security.md), to
    which the notebook's line above the table points; its header says what that line says ("what the TSO learns"
    said more than is sent on purpose)."""
    rows = [f"| {m} | {what} |" for m, what in REVEALS.items()]
    return "\n".join([f"| method | {REVEAL_HEADER} |", "| --- | --- |", *rows])


REVEAL_HEADER = "what its messages send the TSO on purpose"
"""The header of `reveal_text`'s second column, in the words of the notebook's line above the table ("What each
method's messages send the TSO about a DS on purpose")."""


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


def _sens_ok(sens_t: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity rows that finished (no error, status "ok", or none in a store written before it)."""
    return sens_t[(sens_t.error == "") & sens_t.get("status", "ok").isin(["ok", NOT_IN_STORE])]


def _spread(sens_t: pd.DataFrame) -> pd.DataFrame:
    """Per method (rows) and factor (columns, named as `forlab.studies.ch08_sensitivity.FACTORS` names them): the
    change of deviation under that factor alone, its largest minus its smallest value (percentage points), of the
    values as chapter 08's table prints them (`DEVIATION_DIGITS`)."""
    from forlab.studies.ch08_sensitivity import FACTORS

    ok = _sens_ok(sens_t)
    ok = ok.assign(deviation_pct=as_printed(ok.deviation_pct.astype(float), DEVIATION_DIGITS))
    spread = ok.groupby(["method", "variant_kind"]).deviation_pct.agg(lambda s: s.max() - s.min())
    return spread.unstack().rename(columns=lambda k: FACTORS.get(k, k))


def _spreads(runs: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """`_spread` of each of chapter 08's runs read (``runs``: `SENS_RUNS` dimension -> its rows; a run not read, None
    or empty, and one without a finished change under a factor are left out)."""
    spreads = {dim: _spread(t) for dim, t in runs.items() if t is not None and not t.empty}
    return {dim: s for dim, s in spreads.items() if s.stack().notna().any()}


def _run_robustness(dim: str, spread: pd.DataFrame) -> str:
    """One run's part of the robustness statement: in which of chapter 08's runs (`SENS_RUNS`), the largest change of
    deviation under one factor, for which method and factor, then every method's change per factor."""
    from forlab.studies.ch08_sensitivity import FACTORS

    worst = spread.stack().idxmax()
    return (f"in {SENS_RUNS[dim]}, the largest change of deviation under one factor is "
            f"{spread.stack().max():.4f} percentage points, for {worst[0]} when the "
            f"{'number of ' if worst[1] == FACTORS['fpus'] else ''}{worst[1]} changes; "
            + "; ".join(f"{m}: " + ", ".join(f"{k} {v:.4f}" for k, v in r.dropna().items())
                        for m, r in spread.iterrows()) + " (percentage points of deviation)")


def _paper_missing(paper: pd.DataFrame | None) -> str:
    """Why the Robustness statement has no part for chapter 08's paper-scale run (its rows ``paper``, `SENS_RUNS`):
    not read (`NO_SENS_PAPER`), or read without a finished change under one factor (`SENS_PAPER_UNFINISHED`): two
    causes, each in its own words."""
    return NO_SENS_PAPER if paper is None or paper.empty else SENS_PAPER_UNFINISHED


def _robustness(runs: dict[str, pd.DataFrame | None], gaps: pd.DataFrame) -> str:
    """The robustness statement ("" where no run has a finished change), run by run of chapter 08 (``runs``:
    `SENS_RUNS` dimension -> its rows): the largest change of deviation (percentage points) under one factor
    (`_spread`), each named by its run (`_run_robustness`; where the paper-scale run gives none, `_paper_missing`
    says why), qualified by ``gaps`` (`rerun_gaps` of the default run): where the same method, system and load level
    differ by as much between two runs whose offline models are sized otherwise, an effect of that size is not the
    factor's alone."""
    spreads = _spreads(runs)
    if not spreads:
        return ""
    parts = [_run_robustness(dim, s) for dim, s in spreads.items()]
    said = ". ".join([parts[0], *(p[0].upper() + p[1:] for p in parts[1:])])  # one sentence per run
    alone = "" if "sens_paper" in spreads else f"; {_paper_missing(runs.get('sens_paper'))}"
    default = spreads.get("sens")
    caveat = _rerun_caveat(gaps, float(default.stack().max())) if default is not None else ""
    return f"- **Robustness** ({{doc}}`08_sensitivity`): {said}{alone}.{caveat}"


def _same_order(gap: float, effect: float) -> bool:
    """Whether a run-to-run ``gap`` is of the order of a factor's ``effect`` (both in percentage points): within a
    factor of ten of it."""
    return gap >= effect / 10


def _order(gap: float, effect: float) -> str:
    """`_same_order` in words."""
    return "of the same order as" if _same_order(gap, effect) else "well below"


def _rerun_caveat(gaps: pd.DataFrame, effect: float) -> str:
    """The sentence that qualifies the robustness statement by the largest run-to-run gap (`rerun_gaps`, chapter 08's
    default run against the method chapters' default runs) against the largest change under one factor in that run
    (``effect``); empty without a gap."""
    if gaps.empty:
        return ""
    g = gaps.loc[gaps.gap_pp.astype(float).idxmax()]
    return (f" Each is one run: on the same system and load level, the deviation of {g.method} differs by up to "
            f"{g.gap_pp:.4f} percentage points {RERUN_PAIR}, "
            "which sizes the offline model otherwise (section Load, flexibility and meshing); that is "
            f"{_order(g.gap_pp, effect)} the largest change in {SENS_RUNS['sens']}"
            + (", so a change of that size need not come from the factor." if _same_order(g.gap_pp, effect) else "."))


FIT_SIZES = {
    METHOD_NAMES[0]: {**ch08_sensitivity.P1_SETTINGS, "degrees": "p1_degrees"},
    METHOD_NAMES[1]: {"n_samples": "p2_n_samples", "facets": "p2_facets", "refine_rounds": "p2_refine_rounds",
                      "refine_samples": "p2_refine_samples", "certify_rounds": "p2_certify_rounds",
                      "vertex_samples": "p2_vertex_samples"},
}
"""Per method with an offline model: the parameters that size the model in its own chapter's run -> the same
parameters of the sensitivity study (`forlab.studies.ch08_sensitivity`). P1's polynomial degrees are no parameter of
its own chapter: its fit chooses among `forlab.p1_for.polynomial.DEGREES` (`_fit_defaults`), where chapter 08 sets
``p1_degrees``."""

FIT_NAMES = {"degrees": "the polynomial degrees"}
"""How a setting of `FIT_SIZES` that is no parameter of the method's own chapter is named (the others by their
parameter's name)."""


def _fit_defaults(method: str) -> dict:
    """The settings of `FIT_SIZES` that ``method``'s own chapter leaves to its fit's defaults: P1's polynomial degrees,
    `forlab.p1_for.polynomial.DEGREES`, the one statement of them (the default of
    `forlab.p1_for.representation.build_offer`)."""
    if method != METHOD_NAMES[0]:
        return {}
    from forlab.p1_for.polynomial import DEGREES  # here, not at the top: only P1's settings need it

    return {"degrees": tuple(DEGREES)}


def _fit_value(v) -> str:
    """A setting's value as the prose says it: a list of degrees as "2, 4 and 6", a whole number with its thousands
    grouped (`forlab.book.tables.grouped`: "10 000" samples), anything else as it is."""
    if isinstance(v, (list, tuple)):
        return listed(map(_fit_value, v))
    return grouped(v) if isinstance(v, int) and not isinstance(v, bool) else str(v)

FIT_WHAT = {METHOD_NAMES[0]: "offer", METHOD_NAMES[1]: "surrogate"}
"""What each method of `FIT_SIZES` fits offline, as `rerun_text` names it."""

GAP_COLUMNS = ["method", "system", "variant_label", "default_pct", "sensitivity_pct", "gap_pp", "default_ratio",
               "sensitivity_ratio"]
"""Columns of `rerun_gaps`."""


def rerun_gaps(cases: pd.DataFrame, sens_t: pd.DataFrame) -> pd.DataFrame:
    """Per method of `FIT_SIZES`, system and load level that both the default runs (``cases``, one row per case,
    dimension ``default_case``) and the sensitivity study's load variants ran: the judged deviation of each (%),
    their difference (percentage points, ``gap_pp``) and each run's online time over its own integrated AC-OPF
    (``default_ratio``, ``sensitivity_ratio``). Both are the same method on the same system and load, so the gaps are
    what two runs of it differ by (`GAP_COLUMNS`; empty when no case matches). The gap is that of the two deviations
    as the page prints them (`DEVIATION_DIGITS`)."""
    if cases.empty or sens_t.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    load = _sens_ok(sens_t)
    load = load[load.variant_kind == "load"]
    rows = []
    for r in cases[cases.method.isin(FIT_SIZES) & (cases.status == "ok")].itertuples():
        same = load[(load.method == r.method.split(" ")[0]) & (load.system == r.system)
                    & np.isclose(load.load_level.astype(float), r.load_min)]
        if len(same):
            there = float(same.deviation_pct.iloc[0])
            rows.append({"method": r.method, "system": r.system, "variant_label": same.variant_label.iloc[0],
                         "default_pct": r.deviation_mean_pct, "sensitivity_pct": there,
                         "gap_pp": abs(np.diff(as_printed([r.deviation_mean_pct, there], DEVIATION_DIGITS))[0]),
                         "default_ratio": r.time_ratio,
                         "sensitivity_ratio": float(same.time_ratio.iloc[0])})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _sizes_line(method: str, own: dict, sens: dict) -> str:
    """One method's offline-model sizes in the sensitivity study against its default run (`FIT_SIZES`), those that
    differ; or that they are alike, or not in the stores."""
    code = method.split(" ")[0]
    where = f"{{doc}}`{PROFILES[code][0]}`"  # the method's own chapter
    held, differ = _differing(method, own, sens)
    if not held:
        return f"{code}'s {FIT_WHAT[method]}: its sizes are not in these stores"
    if not differ:
        return f"{code}'s {FIT_WHAT[method]} sized as in {where}"
    (n, a, b), rest = differ[0], differ[1:]
    return (f"{code}'s {FIT_WHAT[method]} with {_fit_name(n)} {_fit_value(b)} here against {_fit_value(a)} in {where}"
            + "".join(f", {_fit_name(n)} {_fit_value(b)} against {_fit_value(a)}" for n, a, b in rest))


def _fit_name(n: str) -> str:
    """A setting of `FIT_SIZES` as the prose names it: its parameter's name, or `FIT_NAMES`."""
    return FIT_NAMES.get(n, f"`{n}`")


def _gap_clause(code: str, g: pd.DataFrame) -> str:
    """How far one method's deviations lie apart between the two runs (`rerun_gaps` rows ``g``), level by level."""
    said = [(" here", " in the default run")] + [("", "")] * (len(g) - 1)  # the first level says which is which
    levels = [f"{r.variant_label}: {r.sensitivity_pct:.4f} %{here} against {r.default_pct:.4f} %{there}"
              for r, (here, there) in zip(g.itertuples(), said)]
    return f"{g.gap_pp.max():.4f} percentage points for {code} ({'; '.join(levels)})"


def sensitivity_table(sens_t: pd.DataFrame) -> pd.DataFrame:
    """Chapter 08's first table (`forlab.studies.ch08_sensitivity.online_table`) of the sensitivity rows ``sens_t``,
    its methods by the full names every other table of this page gives them (`SCALE_METHODS`, the book's one name per
    method) where chapter 08's own page keeps their codes."""
    return ch08_sensitivity.online_table(sens_t).rename(index=SCALE_METHODS, level="method")


def rerun_text(st: xr.Dataset, sens_t: pd.DataFrame) -> str:
    """Markdown: that the sensitivity study's P1 and P2 rows (``sens_t``, `from_store` of ``st``'s ``sens``, read
    once by the page) are not the default runs of the section `DEFAULT_SECTION`, from the parameters both stores
    were run with (`FIT_SIZES`, one list item per method), and by how much the same method, system and load level
    differ between the two runs (`rerun_gaps`, one sentence per method) against the largest change under one factor
    (`_spread`)."""
    found = json.loads(st.attrs["sources"])
    sens = found.get("sensitivity", {}).get("parameters", {})
    sizes = [_sizes_line(m, found.get(PROFILE_SOURCES[m.split(" ")[0]], {}).get("parameters", {}), sens)
             for m in FIT_SIZES]
    repeats, other_repeats = _repeats_text(found)
    text = (f"The P1 and P2 rows of this table are other runs than those of the section “{DEFAULT_SECTION}”: "
            f"{{doc}}`08_sensitivity` sizes each DSO's offline model itself"
            + (f" and {repeats}" if repeats else "") + ". How it sizes them, against the default runs:\n\n"
            + items(sizes))
    gaps = rerun_gaps(from_store(st, "default_case"), sens_t)
    if gaps.empty:
        return text
    effect = float(_spread(sens_t).stack().max())
    clauses = [f"{_gap_clause(m.split(' ')[0], g)}, {_order(g.gap_pp.max(), effect)} "
               + (f"the largest change under one factor in {SENS_RUNS['sens']} ({effect:.4f} percentage points, "
                  "the Robustness statement below)" if k == 0 else "that change")
               for k, (m, g) in enumerate(gaps.groupby("method", sort=False))]
    return (f"{text}\n\nOn the same system and load level, the deviations of the two runs differ by up to "
            f"{clauses[0]}." + "".join(f" They differ by up to {c}." for c in clauses[1:])
            + _ratio_text(gaps, other_repeats))


TIMING_REPEATS = {METHOD_NAMES[0]: "repeats", METHOD_NAMES[1]: "timing_repeats"}
"""Per method of `FIT_SIZES`: the parameter of its own chapter that sets of how many repeated solves the fastest is
its time; chapter 08's is `SENS_REPEATS`."""
SENS_REPEATS = "timing_repeats"
"""The parameter of the sensitivity study (`forlab.studies.ch08_sensitivity`) that sets of how many repeated solves
(or runs, for ALADIN) the fastest is its time."""


def _repeats_text(found: dict) -> tuple[str, bool]:
    """Markdown: of how many repeats chapter 08's run takes the fastest as a time, against each method chapter's
    default run (`TIMING_REPEATS`), from the parameters chapter 09's store keeps of both (``found``, `sources`), as
    the offline settings are read (`_sizes_line`); and whether any method chapter's differs. ("", False) where chapter
    08's store does not keep it; a method chapter's store that does not says so."""
    here = (found.get("sensitivity") or {}).get("parameters", {}).get(SENS_REPEATS)
    if here is None:
        return "", False
    own, differ = [], False
    for method, name in TIMING_REPEATS.items():
        chapter = PROFILES[method.split(" ")[0]][0]
        n = (found.get(PROFILE_SOURCES[method.split(" ")[0]]) or {}).get("parameters", {}).get(name)
        own.append(f"{grouped(n)} in {{doc}}`{chapter}` (`{name}`)" if n is not None
                   else f"an unknown number in {{doc}}`{chapter}` (its store does not keep `{name}`)")
        differ = differ or (n is not None and n != here)
    said = (f"takes each solve's time as the fastest of {grouped(here)} repeats (`{SENS_REPEATS}`) "
            f"{'against' if differ else 'as'} {listed(own)}")
    return said, differ


def _ratio_text(gaps: pd.DataFrame, other_repeats: bool = False) -> str:
    """Markdown: the two runs' online times over their own integrated AC-OPF, case by case (`rerun_gaps`), and what
    that spread means for a ratio read off one run; ``other_repeats``: the runs take their times as the fastest of
    different numbers of repeats (`_repeats_text`), which is said among the causes."""
    items = [f"{r.method.split(' ')[0]} at {r.variant_label}: {grouped(r.sensitivity_ratio, 2)}x against "
             f"{grouped(r.default_ratio, 2)}x"
             for r in gaps.itertuples() if np.isfinite(r.sensitivity_ratio) and np.isfinite(r.default_ratio)]
    if not items:
        return ""
    repeats = ", takes the fastest of another number of repeats (above)" if other_repeats else ""
    return (" Their online times over the integrated AC-OPF differ too (here against the default run, whose cases "
            "at every load are in its method chapter's tables: "
            + "; ".join(items) + f"). Each run solves its own offline model's problem{repeats} and times solves of "
            "milliseconds at another moment of a shared machine, so a method's ratio moves by this much from one run "
            "of it to another. A ratio of this page is its own run's, against the integrated AC-OPF of that run.")


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


def _shared(src: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``src`` on the systems every one of its methods ran and those systems (in table order). A mean
    over the systems a method happened to run would set one method's easy systems against another's hard ones;
    `_left_out` names the others."""
    methods = set(src.method)
    ran = src.groupby("system", sort=False).method.agg(set)
    shared = [sys_ for sys_, m in ran.items() if methods <= m]
    return src[src.system.isin(shared)], shared


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


def _yardstick_spread(table: pd.DataFrame) -> pd.Series:
    """Per system of ``table``, how far the integrated AC-OPF's time moves between the methods' runs (the largest of
    `baseline_spread`): the one computation `runs_text` states and `_noise_clause` holds the leads against."""
    return baseline_spread(table).groupby(table.system).max()


RUN_SOURCES = {"paper": {m: f"profile {m.split(' ')[0]}" for m in METHOD_NAMES},
               "default": {m: m.split(" ")[0].lower() for m in METHOD_NAMES}}
"""Per section, each method's run as ``attrs["sources"]`` keys it (`sources`): the paper-scale runs (`PROFILES`)
and the default runs."""


def runs_text(st: xr.Dataset, which: str = "paper") -> str:
    """Markdown, said beside a section's time ratios (``which``: ``"paper"`` or ``"default"``, `RUN_SOURCES`): each
    ratio divides by the integrated AC-OPF solved in the method's own run, and the runs come from the commits and
    moments the store keeps (``attrs["sources"]``: ``git_commit``, ``created_utc``); the column beside the ratios is
    how far that yardstick moves between them (`baseline_spread`), with its largest value, and where one run's is the
    slowest on every system, that run's lean (`lean_text`). Empty where the store keeps none of these runs."""
    found = json.loads(st.attrs.get("sources", "{}"))
    runs = {m: found[k] for m, k in RUN_SOURCES[which].items() if found.get(k)}
    if not runs:
        return ""
    table = from_store(st, "sys" if which == "paper" else "default")
    commits = {short_commit(r) for r in runs.values()}
    each = "; ".join(f"{m}'s" + (f" of commit `{short_commit(r)}`," if len(commits) > 1 else "")
                     + f" written {written_utc(r)} UTC" for m, r in runs.items())
    same = (f"all of commit `{commits.pop()}`, at different moments" if len(commits) == 1
            else "of different commits, at different moments")
    text = (f"Each time ratio divides a method's online time by the integrated AC-OPF solved in that method's own run, "
            f"and the runs are {same} of the machines they ran on: {each}.")
    if table.empty:
        return text
    spread = _yardstick_spread(table)
    worst = spread.idxmax()
    return (f"{text} Beside the ratios, the integrated AC-OPF's largest time over its smallest among these runs on "
            f"the same system (up to {grouped(spread[worst], 2)}, on {worst}): two methods' ratios closer than that "
            "factor are not told apart by these runs." + lean_text(table))


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


def scale_limit(st: xr.Dataset) -> int | None:
    """The ``p3_max_ds`` chapter 12's sweep ran with, from the parameters the chapter's store keeps of it
    (``attrs["sources"]``, `sources`): the largest size it runs ALADIN at; None where the store does not keep it or
    the sweep ran ALADIN at every size (0)."""
    found = json.loads(st.attrs.get("sources", "{}")).get("scale") or {}
    limit = found.get("parameters", {}).get("p3_max_ds")
    return int(limit) if limit else None


# ----------------------------------------------------------------------------------------------------------------------
# many DSOs under one TSO (chapter 12's sweep)
# ----------------------------------------------------------------------------------------------------------------------
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


def _differing(method: str, own: dict, other: dict) -> tuple[bool, list[tuple]]:
    """The settings of ``method``'s offline model (`FIT_SIZES`: own chapter's name -> the name in the sensitivity
    study and chapter 12's sweep) that both runs' parameters hold (the own chapter's with what it leaves to its fit's
    defaults, `_fit_defaults`, where its parameters are known), and of those the ones that differ, as (name, own
    value, other value); a list as a tuple, so that a stored list and a default tuple compare."""
    own = {**_fit_defaults(method), **own} if own else own

    def value(v):
        return tuple(v) if isinstance(v, list) else v

    pairs = [(n, value(own[n]), value(other[s])) for n, s in FIT_SIZES[method].items() if n in own and s in other]
    return bool(pairs), [(n, a, b) for n, a, b in pairs if a != b]


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
    the scale rows ``scale_t`` keep of its AC-OPF with every FPU held (``flex_status``, ``flex_feasible``), the
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
    return ch12_many_dsos.no_worth(status, feasible, limit, central.iloc[0] if len(central) else np.nan)


FPUS_HELD = "the DSs' flexibility-providing units (FPUs) held"
"""The units held at their base-case output where the worth of DS flexibility is measured (`_worth_condition`): the
page's first "FPU" (in the answer), spelled out there, since chapter 12's why a size has no worth, which the answer
quotes, says "every FPU held"."""


def _worth_condition(scale_t: pd.DataFrame, found: dict | None = None) -> str:
    """Markdown: what DS flexibility is worth over the sweep's sizes with a worth (the scale rows ``scale_t``: chapter
    12's `flexibility`, copied by `scale_rows`; whose output is held, `FPUS_HELD`); where the verdict's size (the
    largest) has no worth, that said next with chapter 12's why (`_no_worth_at`; ``found``, the chapter store's parsed
    sources), before any share: the worth of another size is no scale for the verdict's deviations; then, in chapter
    12's words, each contestant's range of the shares of the worth its dispatch gave up over the sizes with one
    (`ch12_many_dsos.share_ranges`) and where a method gave up more than all of it (`ch12_many_dsos.over_all`). ""
    where no size has one."""
    if "flex_worth_pct" not in scale_t:  # a store written before it
        return ""
    t, has = ch12_many_dsos.flexibility_of_rows(scale_t)
    if has.empty:
        return ""
    largest, pct = int(scale_t.n_ds.max()), ch12_many_dsos.percent
    worth = has.worth_pct / 100
    worth = pct(worth.min()) if pct(worth.min()) == pct(worth.max()) else f"{pct(worth.min())} to {pct(worth.max())}"
    said = [(f"At {_listed(has.index)}, with {FPUS_HELD} at their base-case output (the chart point closest to zero "
             f"output), the T+D system costs {worth} more than the integrated optimum: that is all DS flexibility is "
             "worth there.")]
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
    noise (13 %) at 1, 2, 4, 16 and 32 DSs", each method's sizes with where P1's DSOs on the sweep's ``workers`` give
    another verdict (`_on_workers`: this section is the page's advice), then the range of the fastest method's lead
    over the next (``lead``: how far its solver time lies below the next one's, the quantity held against the noise,
    in its unit) over the sizes not called tied; "no method at any size" where none qualified."""
    w = w[w.qualified > 0]
    if w.empty:
        return "no method at any size"
    tied = w.get("tied_fastest", pd.Series([()] * len(w), index=w.index)).map(bool)
    fastest = w.fastest[~tied]
    order = fastest.value_counts().index  # most sizes first (ties: as counted)
    parts = [f"{m} at {_listed(fastest.index[fastest == m])}{_on_workers(w[~tied][fastest == m], workers)}"
             for m in order]
    if tied.any():
        parts.append(f"tied within the timing noise ({ch12_many_dsos.percent(w.noise.max())}) at "
                     f"{_listed(w.index[tied])}")
    by_size = "; ".join([", ".join(parts[:len(order)]), *parts[len(order):]]) if len(order) else parts[-1]
    lead = w.lead[~tied].dropna()
    if lead.empty:
        return by_size
    pct = ch12_many_dsos.percent
    leads = pct(lead.min()) if len(lead) == 1 else f"{pct(lead.min())} to {pct(lead.max())}"
    return (f"{by_size} (from one sweep; where one method was the fastest, its solver time lies {leads} below the next "
            "method's)")


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


__all__ = [
    "ANSWER_POINTER",
    "ANSWER_SECTION",
    "COLORS",
    "DASHES",
    "DATA_TICKS",
    "DEFAULT_SECTION",
    "EQUAL_TIMES",
    "FIGURE_WIDTH",
    "FIT_NAMES",
    "FIT_SIZES",
    "FIT_WHAT",
    "FPUS_HELD",
    "GAP_COLUMNS",
    "HEADLINE_KEY",
    "HELD",
    "INTEGRATED_LABEL",
    "LEAST_REVEALING",
    "LOAD_DIGITS",
    "MARKER_SIZE",
    "METHOD_CODES",
    "METHOD_NAMES",
    "MISSING",
    "NOT_APPLYING",
    "NOT_APPLYING_WHY",
    "NO_PAPER_STORES",
    "NO_SCALE_STORE",
    "NO_SENS_PAPER",
    "NO_SPREAD",
    "OFFLINE_UNIT",
    "ONE_RUN_MOVES",
    "ONLINE_LABEL",
    "ONLINE_SWATCH",
    "OWN_LOADS",
    "OWN_LOADS_LEAD",
    "OWN_RANGES",
    "P1_OFFLINE_RAN",
    "P1_SOURCES",
    "P2_LOAD",
    "P2_OFFLINE_RAN",
    "PAGE_HEADERS",
    "PAGE_TABLES",
    "PARAMETER_TYPES",
    "PRINTED",
    "PROFILES",
    "PROFILE_SOURCES",
    "RERUN_PAIR",
    "REVEALS",
    "REVEALS_BRIEF",
    "REVEAL_HEADER",
    "ROW",
    "RUN_SOURCES",
    "SCALE",
    "SCALE_METHODS",
    "SCALE_MODELS",
    "SCALE_SOURCE",
    "SCALE_UNITS",
    "SENS_PAPER_UNFINISHED",
    "SENS_REPEATS",
    "SENS_RUNS",
    "SOURCES",
    "STOPPED_BY_A_HAIR",
    "TIME_TICKS",
    "TIMING_REPEATS",
    "YARDSTICK_BAR",
    "Evidence",
    "answer_text",
    "baseline_spread",
    "best",
    "chapter_store",
    "check_params",
    "common_load",
    "common_load_text",
    "dash_text",
    "default_figure",
    "default_rows",
    "from_store",
    "headline_text",
    "lean_text",
    "leaning_ratios",
    "method_systems",
    "missing_text",
    "narrow_polytopes",
    "negative_text",
    "one_run_spread",
    "own_loads_table",
    "p1_bound_text",
    "p1_rows",
    "p2_rows",
    "p3_rows",
    "page_table",
    "page_tables",
    "per_system",
    "printed",
    "profile",
    "profile_rows",
    "rerun_gaps",
    "rerun_text",
    "reveal_text",
    "run",
    "runs_text",
    "scale_base_mva",
    "scale_conditions_text",
    "scale_limit",
    "scale_models_text",
    "scale_reliability_text",
    "scale_rows",
    "scale_text",
    "sensitivity_table",
    "slowest_run",
    "sources",
    "sources_text",
    "sweep_text",
    "systems_figure",
    "to_store",
    "which_method_text",
    "yardstick_bars",
]
