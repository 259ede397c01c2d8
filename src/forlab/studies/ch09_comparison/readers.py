"""Tables of chapter 09, read from the stores of the chapters it compares.

The side-by-side rows (`ROW`, in the units of the package's docstring) of P1 (`p1_rows`), P2 (`p2_rows`) and P3
ALADIN (`p3_rows`), one per case, with the book's one rule for a case that did not finish (`_case_frame`); their
means per system (`per_system`) and the cases at the load every method ran (`common_load`, on the systems every
method ran, `_shared`); how far the integrated AC-OPF's time moves between the methods' runs (`baseline_spread`,
`slowest_run`, `leaning_ratios`); chapter 12's sweep with this chapter's method names (`scale_rows`), P2's polytopes
that accept hardly any feasible input (`narrow_polytopes`) and chapter 08's finished rows (`_sens_ok`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import plots
from forlab.book.tables import table
from forlab.opf.judge import VIOLATION_COUNTS
from forlab.opf.outcome import NOT_IN_STORE, unmeasured_when_failed
from forlab.studies import ch12_many_dsos

__all__ = [
    "LOAD_DIGITS",
    "METHOD_CODES",
    "METHOD_NAMES",
    "ROW",
    "SCALE_METHODS",
    "SCALE_UNITS",
    "UNFINISHED",
    "baseline_spread",
    "best",
    "common_load",
    "leaning_ratios",
    "narrow_polytopes",
    "p1_rows",
    "p2_rows",
    "p3_rows",
    "per_system",
    "scale_rows",
    "slowest_run",
]


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


def _method_rank(method: str) -> int:
    return METHOD_NAMES.index(method) if method in METHOD_NAMES else len(METHOD_NAMES)


SCALE_METHODS = ch12_many_dsos.METHODS
"""Chapter 12's method codes -> this chapter's names (the integrated AC-OPF is the yardstick, not a contestant)."""

SCALE_UNITS = {"n_ds": "1", "buses": "1", "method": "-", "status": "-", "feasible": "1", "deviation_pct": "%",
               "solve_time_s": "s", "wall_time_s": "s", "tso_ms": "ms", "dso_ms": "ms", "dso_parallel_ms": "ms",
               "integrated_solve_time_s": "s", "time_ratio": "1", "offline_time_s": "s",
               "rounds": "1", "bytes_exchanged": "bytes", "max_violation": "pu",
               **dict.fromkeys(VIOLATION_COUNTS, "1"), "integrated_again_ms": "ms",
               "p2_least_accepted": "1", "p2_narrow_dss": "1", "load_level": "1", "ties": "-", "n_fpus": "1",
               "reserve_mw": "MW", "offline_dso_max_s": "s", "flex_worth_pct": "%", "flex_share_pct": "%",
               "flex_status": "-", "flex_feasible": "1", "flex_widening_pu": "p.u.", "flex_widening_status": "-",
               "flex_widening_below": "1", "flex_widening_below_ds": "1", "flex_widening_above": "1",
               "flex_widening_above_ds": "1", "cost": "$/h", "integrated_cost": "$/h"}
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
(``flex_status``, ``flex_feasible``) and what the elastic AC-OPF found of it (``flex_widening_pu`` and the other
fields of `forlab.studies.ch12_many_dsos.held_widening_fields`, prefixed ``flex_`` in place of ``fixed_fpus_``): why
a size has no worth, `forlab.studies.ch12_many_dsos.no_worth`), and the
row's judged cost beside the integrated optimum ($/h, the accuracy lead in money, `_margins`) (missing in a store
written before them)."""


def best(t: pd.DataFrame, col: str, fn: str = "idxmin"):
    """The method with the smallest (``fn="idxmin"``) or largest (``"idxmax"``) ``col`` in ``t``, and the column by
    method (NaN dropped); (None, empty) when no method has a value."""
    s = t.set_index("method")[col].dropna()
    return (getattr(s, fn)(), s) if len(s) else (None, s)


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
        for key in ch12_many_dsos.WIDENING_KEYS:  # a store written before the elastic AC-OPF has none of them
            if f"fixed_fpus_{key}" in held:
                t[f"flex_{key}"] = t.n_ds.map(held[f"fixed_fpus_{key}"])
    # a store written before a column (P1's dispatches on the workers) has it as missing
    return t.assign(method=t.method.map(SCALE_METHODS), feasible=t.feasible.astype(bool)).reindex(
        columns=list(SCALE_UNITS))


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


def _sens_ok(sens_t: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity rows that finished (no error, status "ok", or none in a store written before it)."""
    return sens_t[(sens_t.error == "") & sens_t.get("status", "ok").isin(["ok", NOT_IN_STORE])]


def _shared(src: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``src`` on the systems every one of its methods ran and those systems (in table order). A mean
    over the systems a method happened to run would set one method's easy systems against another's hard ones;
    `_left_out` names the others."""
    methods = set(src.method)
    ran = src.groupby("system", sort=False).method.agg(set)
    shared = [sys_ for sys_, m in ran.items() if methods <= m]
    return src[src.system.isin(shared)], shared


def _yardstick_spread(table: pd.DataFrame) -> pd.Series:
    """Per system of ``table``, how far the integrated AC-OPF's time moves between the methods' runs (the largest of
    `baseline_spread`): the one computation `runs_text` states and `_noise_clause` holds the leads against."""
    return baseline_spread(table).groupby(table.system).max()
