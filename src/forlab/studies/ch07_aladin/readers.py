"""Tables of chapter 07, read from its store (`forlab.studies.ch07_aladin.store`) only.

The store's own tables (`frame`, `runs`, `iterations`, `message_summary`), every run's fastest repeat as chapter 09
times P1 and P2 (`fastest_online`) and the convergence table (`convergence_table`); what the chapter reads from
them: the targets (`targets`), the Dask overhead, the latency sweep, ALADIN against ADMM, ALADIN-alpha's QP
(`kkt_runs`); issue 17's per-round time split,
coordinator growth, rounds, wall times and targets (`scaling_report`); a full-profile store (`full_profile`)
and the published anchors a store was compared with (`anchors`). A run in words (`run_label`, `termination`)
is here too, as the readers and the progress lines of the study share it. The same functions serve the
chapter's own run, the archived `paper`-profile run and stores written before the judged outcome record or
issue 17's timing (they fall back to the older variables). Units: $/h, s; per-round times in ms where a column
says so.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors as registry
from forlab.book.tables import table
from forlab.opf.outcome import method_verdict_kept
from forlab.studies.ch07_aladin.store import ISSUE17_TARGETS, ONLINE_TIMES, REPEAT_TIMES
from forlab.studies.ch07_aladin.systems import family
from forlab.studies.outcomes import aladin_split

__all__ = ["FAMILY_MIN", "FIT_R2_MIN", "LOOSE_CONSENSUS", "LOOSE_GAP", "MODE_WORDS", "RAISED", "REST", "SLOPE_CONFIDENCE",
           "SPLIT", "STATUS_WORDS", "TABLE_DIMS", "TARGET_CONSENSUS", "TARGET_GAP", "VERDICT", "admm_comparison", "admm_focus", "admm_runs",
           "admm_table", "anchors", "convergence_table", "coordinator_growth", "coupling_rows", "dask_overhead",
           "failed_runs", "family_fits", "fastest_online", "first_iteration", "fitted", "frame", "full_profile",
           "growth_bound", "growth_fit", "growth_only", "has_online_repeats", "iterations", "judged_verdict",
           "kkt_runs", "latency_slowdowns", "latency_sweep", "left_out", "message_summary",
           "raised", "rounds_table", "run_label", "runs", "scaling_report", "study_table", "targets", "targets17",
           "termination", "time_split", "timing_rule", "wall_times"]


#: the dimension of each table of the store (``sys_*`` variables run over ``system``, the others over their prefix)
TABLE_DIMS = {"sys": "system"}


def frame(ds: xr.Dataset, prefix: str) -> pd.DataFrame:
    """The table ``<prefix>_*`` of a store as a DataFrame (prefix removed): `forlab.book.tables.table` over its dimension."""
    return table(ds, TABLE_DIMS.get(prefix, prefix), prefix + "_")


def runs(ds: xr.Dataset) -> pd.DataFrame:
    """One row per run, with the run's time per round (s), bytes per round, the lowest and highest ratio
    of its repeats to the centralized build and solve timed beside each (``paired_low``, ``paired_high``,
    `forlab.studies.ch07_aladin.study.paired_runs`) and the median of those centralized runs (``paired_central_s``,
    s); NaN in a store without them."""
    r = frame(ds, "run")
    r["time_per_iter_s"] = r.total_s / r.iterations
    r["bytes_per_iter"] = (ds.it_bytes_up + ds.it_bytes_down).mean("iteration").values
    r["paired_low"], r["paired_high"], r["paired_central_s"] = np.nan, np.nan, np.nan
    if "run_repeat_wall_s" in ds:
        central = ds.run_repeat_central_wall_s.values
        ratio = ds.run_repeat_wall_s.values / central
        timed = np.isfinite(ratio).any(axis=1)  # a run none of whose repeats was paired keeps NaN, quietly
        r.loc[timed, "paired_low"] = np.nanmin(ratio[timed], axis=1)
        r.loc[timed, "paired_high"] = np.nanmax(ratio[timed], axis=1)
        r.loc[timed, "paired_central_s"] = np.nanmedian(central[timed], axis=1)
    return r


def fastest_online(ds: xr.Dataset) -> pd.DataFrame:
    """Per run (the store's ``run`` index), ALADIN timed as `forlab.opf.outcome.timed` times P1 and P2, from every
    repeat's times (`forlab.studies.ch07_aladin.store.REPEAT_TIMES`; the rounds and bytes of every repeat that counts
    are the first's): the smallest online solver time with its two parts, those of the same repeat
    (`forlab.studies.outcomes.fastest_alike`'s rule, so that they add up to it), the smallest online wall time, and
    the yardstick, the smallest solver time of the integrated AC-OPFs solved just before the repeats
    (``integrated_solve_time_s``); all in s. NaN for a run none of whose repeats finished as the first (a failed run
    that finished keeps its times: the readers of a case leave them out); every column NaN in a store written before
    it kept these times (`has_online_repeats`)."""
    out = pd.DataFrame(np.nan, index=pd.RangeIndex(ds.sizes.get("run", 0)),
                       columns=[*ONLINE_TIMES, "integrated_solve_time_s"])
    if not has_online_repeats(ds):
        return out
    solve = ds.run_repeat_solve_time_s.values
    timed = np.isfinite(solve).any(axis=1)
    best = np.argmin(np.where(np.isfinite(solve), solve, np.inf), axis=1)  # the fastest repeat by solver time
    for name in ONLINE_TIMES:
        if name != "wall_time_s":  # the solver time and its parts, of one repeat
            out.loc[timed, name] = ds[f"run_repeat_{name}"].values[np.arange(len(best)), best][timed]
    out["wall_time_s"] = _smallest(ds.run_repeat_wall_time_s.values)
    out["integrated_solve_time_s"] = _smallest(ds.run_repeat_central_time_s.values)
    return out


def _smallest(values: np.ndarray) -> np.ndarray:
    """Per row (run), the smallest finite value over the repeats, NaN where there is none."""
    finite = np.isfinite(values)
    return np.where(finite.any(axis=1), np.min(np.where(finite, values, np.inf), axis=1), np.nan)


def has_online_repeats(ds: xr.Dataset) -> bool:
    """Whether a store keeps every repeat's times (`forlab.studies.ch07_aladin.store.REPEAT_TIMES`, `fastest_online`):
    one written before chapter 09 timed ALADIN as P1 and P2 does not."""
    return all(f"run_repeat_{name}" in ds for name in REPEAT_TIMES)


def timing_rule(ds: xr.Dataset) -> tuple[int, int]:
    """How a store timed its whole runs: the repeats of every run, whose fastest counts (``aladin_repeats``), and
    the builds of the centralized model, whose fastest counts (``central_builds``); 1 where a store written before
    either attribute says nothing (it made one)."""
    return int(ds.attrs.get("aladin_repeats", 1)), int(ds.attrs.get("central_builds", 1))


def iterations(ds: xr.Dataset) -> pd.DataFrame:
    """The per-round logs in long form: one row per (run, round); the store's dimension of the rounds is
    ``iteration``."""
    logs = {k[3:]: ds[k] for k in ds.data_vars if k.startswith("it_")}
    df = xr.Dataset(logs).to_dataframe().reset_index().dropna(subset=["consensus"])
    return df.merge(runs(ds)[["system", "algorithm", "qp", "mode", "latency_ms"]], left_on="run", right_index=True)


def first_iteration(log: pd.DataFrame, consensus: float, gap: float) -> float:
    """The first round whose consensus violation and gap are both at most the given values (nan if none)."""
    ok = log[(log.consensus <= consensus) & (log.gap <= gap)]
    return float(ok.iteration.iloc[0]) if len(ok) else float("nan")


TARGET_CONSENSUS, TARGET_GAP = registry.value("aladin_consensus"), registry.value("aladin_gap")
"""The stopping target of the chapter's tables, consensus violation and relative cost gap at most (issue 17's, from
the registry `forlab.book.anchors`)."""

LOOSE_CONSENSUS, LOOSE_GAP = 1e-4, 1e-3
"""A looser target the tables show beside it, consensus violation and gap at most (forlab's choice: where ADMM gets
to when it misses the stopping target)."""


def convergence_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per run: rounds, time, final gap and consensus, centralized objective and time, and the rounds at which the
    loose target (`LOOSE_CONSENSUS`, `LOOSE_GAP`: ``it_loose``) and the stopping target
    (`TARGET_CONSENSUS`, `TARGET_GAP`: ``it_target``) were first reached."""
    r = runs(ds)
    s = frame(ds, "sys").set_index("spec")
    it = iterations(ds)
    r["central_objective"] = s.loc[r.system, "central_objective"].to_numpy()
    r["central_time_s"] = s.loc[r.system, "central_time_s"].to_numpy()
    r["central_wall_s"] = s.loc[r.system, "central_wall_s"].to_numpy() if "central_wall_s" in s else np.nan
    r["it_loose"] = [first_iteration(it[it.run == k], LOOSE_CONSENSUS, LOOSE_GAP) for k in r.index]
    r["it_target"] = [first_iteration(it[it.run == k], TARGET_CONSENSUS, TARGET_GAP) for k in r.index]
    return r


def message_summary(ds: xr.Dataset) -> pd.DataFrame:
    """What crosses the wire per round: per run, direction and field, the numbers and bytes summed over
    regions."""
    m = frame(ds, "msg")
    r = runs(ds)
    m["system"] = r.loc[m.run, "system"].to_numpy()
    m["algorithm"] = r.loc[m.run, "algorithm"].to_numpy() + np.where(r.loc[m.run, "qp"].to_numpy() == "kkt",
                                                                     " (kkt)", "")
    return (m.groupby(["system", "algorithm", "direction", "field"], sort=False)[["numbers", "bytes"]].sum()
            .reset_index())


def targets(table: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Per system, the in-process ALADIN run with the default QP and ``max_iter`` rounds: the first round with the
    stopping target (`TARGET_CONSENSUS`, `TARGET_GAP`: ``it_target``), whether that is within ``max_iter``
    (``met``), the final gap and consensus, the status, and the rounds and final values of the longer run where
    there is one (``ext_*``)."""
    red = table[(table["mode"] == "inprocess") & (table.algorithm == "aladin") & (table.qp == "reduced")]
    rows = []
    for system, g in red.groupby("system", sort=False):
        first = g[g.max_iter == max_iter]
        if first.empty:
            continue
        r = first.iloc[0]
        ext = g[g.max_iter > max_iter]
        e = ext.iloc[0] if len(ext) else None
        rows.append({"system": system, "it_target": r.it_target, "met": bool(r.it_target <= max_iter),
                     "iterations": int(r.iterations), "gap": r.gap, "consensus": r.consensus, "status": termination(r),
                     "total_s": r.total_s,
                     "ext_max_iter": np.nan if e is None else e.max_iter,
                     "ext_it_target": np.nan if e is None else e.it_target,
                     "ext_gap": np.nan if e is None else e.gap, "ext_status": "" if e is None else termination(e)})
    return pd.DataFrame(rows)


def _failure(r) -> str:
    """A run (a row of `runs`) that raised, in words: "ALADIN, Dask: error: ..." (`run_label`, its status); "" for a
    run that did not raise."""
    return f"{run_label(r)}: {termination(r)}" if raised(termination(r)) else ""


def failed_runs(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of `dask_overhead` or `latency_sweep` whose runs did not raise, and those whose runs did (column
    ``failed``; a frame without it has none that raised): the numbers are read from the first only."""
    bad = frame.failed != "" if "failed" in frame else pd.Series(False, index=frame.index)
    return frame[~bad], frame[bad]


def dask_overhead(table: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Time per round of every Dask run (no emulated latency) against the in-process run of the same system:
    ``ratio`` = Dask / in-process (dimensionless); ``failed``: the run that raised, of the two (`_failure`; its
    row has no numbers), "" where neither did."""
    sub = table[(table.algorithm == "aladin") & (table.qp == "reduced") & (table.max_iter == max_iter)]
    inproc = {b.system: b for b in sub[sub["mode"] == "inprocess"].drop_duplicates("system").itertuples()}
    rows = []
    for r in sub[(sub["mode"] != "inprocess") & (sub.latency_ms == 0)].itertuples():
        if r.system not in inproc:
            continue
        base = inproc[r.system]
        row = {"system": r.system, "mode": r.mode, "in-process (ms/it)": 1e3 * base.time_per_iter_s,
               "Dask (ms/it)": 1e3 * r.time_per_iter_s, "ratio": r.time_per_iter_s / base.time_per_iter_s,
               "same iterations": r.iterations == base.iterations, "failed": _failure(r) or _failure(base)}
        if row["failed"]:  # a failed row, never a number
            row.update({"in-process (ms/it)": np.nan, "Dask (ms/it)": np.nan, "ratio": np.nan,
                        "same iterations": None})
        rows.append(row)
    return pd.DataFrame(rows, columns=["system", "mode", "in-process (ms/it)", "Dask (ms/it)", "ratio",
                                       "same iterations", "failed"])  # the columns without Dask runs too


def latency_sweep(table: pd.DataFrame, system: str, its: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Dask runs of ``system`` by one-way latency (ms): rounds, wall time and time per round (s), the slowdown
    against the zero-latency run and, given the per-round logs ``its`` (`iterations`), the mean communication and
    coordinator time per round (ms, ``comm_ms`` and ``qp_ms``, read as `SPLIT` reads them; the coordinator's counts
    the round trips of its limit passes, ``trips`` per round) with the communication the emulation predicts
    (zero-latency communication + 2 x latency, ms); ``failed``: a run that raised (`_failure`; its row has no numbers), else ""."""
    lat = table[(table.system == system) & (table.algorithm == "aladin") & (table.qp == "reduced")
                & (table["mode"].isin(["dask", "wan"]))].sort_values("latency_ms")
    out = lat[["latency_ms", "iterations", "it_target", "total_s", "time_per_iter_s"]].copy()
    out["failed"] = [_failure(r) for r in lat.itertuples()]
    numbers = ["iterations", "it_target", "total_s", "time_per_iter_s"]
    out[numbers] = out[numbers].astype(float).where(out.failed == "")  # a failed row, never a number
    base = out[(out.latency_ms == 0) & (out.failed == "")]
    out["slowdown"] = out.total_s / (base.total_s.iloc[0] if len(base) else np.nan)
    if its is not None:
        ran = out.failed == ""  # a run that raised logged no round (a failed row, never a number)
        logs = [its[its.run == k] for k in lat.index]
        for col, part in (("comm_ms", "communication"), ("qp_ms", "coordinator")):  # an older store: the old names
            out[col] = pd.Series([1e3 * _mean_of(g, *SPLIT[part]) for g in logs], index=out.index)[ran]
        trips = [g.limit_trips.mean() if "limit_trips" in g else np.nan for g in logs]
        out["trips"] = pd.Series(trips, index=out.index)[ran]
        c0 = out.comm_ms[(out.latency_ms == 0) & (out.failed == "")]
        out["comm_predicted_ms"] = (c0.iloc[0] if len(c0) else np.nan) + 2 * out.latency_ms
    return out.reset_index(drop=True)


VERDICT = {"pf_feasible": "feasible", "pf_deviation_pct": "deviation_pct", "pf_max_violation": "max_violation"}
"""The columns of `judged_verdict` and the judged field (``run_<field>`` of the store) each is read from."""


def judged_verdict(rows: pd.DataFrame) -> pd.DataFrame:
    """The T+D power flow's verdict on each run's final dispatch, its last local solutions judged against the
    centralized optimum (`forlab.studies.ch07_aladin.study.judged_run`; the book's one yardstick, where the gap is
    an algorithm's own): ``pf_feasible`` (1.0 or 0.0), ``pf_deviation_pct`` (signed, %) and ``pf_max_violation``
    (p.u., `forlab.opf.judge.MAX_VIOLATION_UNIT`), NaN where the record counts the run as failed (its judged
    ``status`` not "ok": it did not stop by its test, or a solve or the power flow failed), which has no verdict,
    except that a run whose only failure is the integrated AC-OPF keeps its feasibility and violation (the record's
    rule, `forlab.opf.outcome.method_verdict_kept`) and loses only its deviation;
    ``pf_recorded``: False for every run of a store written before the judged record (no ``feasible``), whose
    verdicts are not recorded. ``rows``: rows of `runs` with their judged ``status`` (before `termination` takes
    its place, as in `admm_comparison`)."""
    recorded = "feasible" in rows
    ok = rows.status.astype(str).eq("ok") & recorded
    kept = rows.status.map(method_verdict_kept).astype(bool) & recorded
    out = pd.DataFrame({"pf_recorded": recorded}, index=rows.index)
    for name, field in VERDICT.items():
        valid = ok if name == "pf_deviation_pct" else kept
        out[name] = rows[field].astype(float).where(valid) if field in rows else np.nan
    return out


def admm_comparison(table: pd.DataFrame, system: str, max_iters: tuple[int, ...]) -> pd.DataFrame:
    """ALADIN (default QP) and ADMM in-process on ``system``: one row per algorithm, its ``status`` how it stopped
    (`termination`, as `admm_table`'s; the judged outcome's status stays in the run table) and the T+D power flow's
    verdict on its final dispatch (`judged_verdict`, read before ``status`` is replaced)."""
    sel = table[(table.system == system) & (table["mode"] == "inprocess") & (table.max_iter.isin(max_iters))
                & (((table.algorithm == "aladin") & (table.qp == "reduced")) | (table.algorithm == "admm"))]
    out = sel.drop_duplicates("algorithm").set_index("algorithm")
    return out.join(judged_verdict(out)).assign(status=[termination(r) for r in out.itertuples()])


def kkt_runs(table: pd.DataFrame, kkt_systems: list[str], max_iter: int) -> pd.DataFrame:
    """The in-process ALADIN runs of ``kkt_systems`` with ``max_iter`` rounds, both QP forms."""
    sel = table[(table["mode"] == "inprocess") & (table.algorithm == "aladin")]
    return sel[sel.system.isin(kkt_systems) & (sel.max_iter == max_iter)]


MODE_WORDS = {"inprocess": "in-process", "dask": "Dask", "scheduler": "Dask (given scheduler)", "wan": "Dask"}


STATUS_WORDS = {"max_iter": "round limit"}
"""Execution modes and statuses of the store in words (other statuses are shown as they are)."""

RAISED = "error: "
"""How the status of a run that raised begins (`forlab.studies.ch07_aladin.study.failed_run`)."""


def raised(status) -> bool:
    """Whether a run's status (``termination``) is that of a run that raised."""
    return str(status).startswith(RAISED)


def termination(r) -> str:
    """How a run (a row of `runs`) stopped by the algorithm's own test ("converged", "max_iter", ...):
    ``termination``; a store written before the judged outcome record kept it in ``status``."""
    return str(getattr(r, "termination", None) or r.status)


def run_label(r) -> str:
    """A run (a row with ``algorithm``, ``qp``, ``mode``, ``latency_ms``) in words: "ALADIN, in-process",
    "ALADIN-α's QP, in-process", "ADMM, in-process", "ALADIN, Dask, 50 ms latency"."""
    algo = "ADMM" if r.algorithm == "admm" else ("ALADIN-α's QP" if r.qp == "kkt" else "ALADIN")
    lat = f", {r.latency_ms:g} ms latency" if r.latency_ms else ""
    return f"{algo}, {MODE_WORDS.get(r.mode, r.mode)}{lat}"


SPLIT = {"local NLP (slowest region)": ("local_s", "local_s"), "reduction (slowest region)": ("reduction_s", None),
         "coordinator": ("coordinator_s", "qp_s"), "communication": ("communication_s", "comm_s")}
"""The parts of a round (issue 17's names) and the log column each is read from: (since issue 17, before). Stores
written before issue 17 hold the NLP and the sensitivities together in ``local_s`` and no reduction time."""


def _mean_of(g: pd.DataFrame, new: str, old: str | None) -> float:
    """Mean per round of log column ``new`` where the run logged it, else of ``old`` (NaN if neither)."""
    if new in g and g[new].notna().any():
        return float(g[new].mean())
    return float(g[old].mean()) if old and old in g and g[old].notna().any() else float("nan")


def _run_index_label(r) -> str:
    return f"{r.system}, {MODE_WORDS.get(r.mode, r.mode)}{f', {r.latency_ms:g} ms latency' if r.latency_ms else ''}"


REST = "rest of the round (mostly other regions on the busiest worker)"
"""The part of a round `time_split` adds to `SPLIT`'s: the time per round the others leave. The log's communication
is the round trip minus the busiest worker's compute, the sum of the requests of every region on it (a worker runs
its regions one at a time; in-process one process runs them all), while `SPLIT` counts only the slowest region's NLP
and reduction: the rest is the other regions on that worker (in-process: every other region) and the rest of their
requests, and the coordinator's bookkeeping between the steps (the consensus, the log)."""


def time_split(table: pd.DataFrame, its: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Mean time per round (s) of every ALADIN run with the default QP and ``max_iter`` rounds, split into the
    parts of `SPLIT` (local NLP and local reduction of the slowest region, coordinator, communication) and `REST`,
    the run's time per round (``time_per_iter_s``) less those parts, never negative: a row sums to the time per
    round (more only where the slowest NLP and the slowest reduction were two regions' and the parts overlap). One
    row per run; a part an older store did not measure is NaN (and counts as none in `REST`)."""
    sub = table[(table.algorithm == "aladin") & (table.qp == "reduced") & (table.max_iter == max_iter)]
    rows = [{part: _mean_of(its[its.run == k], new, old) for part, (new, old) in SPLIT.items()} for k in sub.index]
    out = pd.DataFrame(rows, index=[_run_index_label(r) for r in sub.itertuples()], columns=list(SPLIT))
    per_round = sub.time_per_iter_s.to_numpy(float)
    rest = np.clip(per_round - out.sum(axis=1, min_count=1).to_numpy(float), 0.0, None)
    out[REST] = np.where(np.isfinite(per_round), rest, np.nan)  # a run that raised has no time per round
    return out


def _first_inprocess(table: pd.DataFrame, algorithm: str) -> pd.DataFrame:
    """Per system, the in-process run of ``algorithm`` (ALADIN: default QP) with the smallest round limit."""
    sel = table[(table["mode"] == "inprocess") & (table.algorithm == algorithm)]
    if algorithm == "aladin":
        sel = sel[sel.qp == "reduced"]
    return sel.sort_values("max_iter", kind="stable").drop_duplicates("system")


def coupling_rows(st: xr.Dataset) -> pd.Series:
    """Coupling (consensus) rows per system: ``sys_consensus_rows``, or in older stores half the sum of the regions'
    rows (every row joins a copy and its original)."""
    s = frame(st, "sys").set_index("spec")
    if "consensus_rows" in s:
        return s.consensus_rows.astype(float)
    a = frame(st, "area")
    return (a.groupby("system").consensus_rows.sum() / 2).reindex(s.index).astype(float)


def coordinator_growth(st: xr.Dataset, table: pd.DataFrame, its: pd.DataFrame) -> pd.DataFrame:
    """Per system (in-process ALADIN, default QP): buses, coupling rows, the mean coordinator time per round (ms;
    ``it_coordinator_s``, in older stores the QP time ``it_qp_s``) and the mean size of the QP it solved: free
    directions ``d`` (``it_reduced_dim``), near-limit rows ``k`` (``it_qp_rows``) and ``qp_work`` = k d^2 (the
    flops of forming the dense QP's normal matrix once); NaN where the store has no such column; and whether the
    run converged (the fits take only those that did, `fitted`)."""
    rows = coupling_rows(st)
    s = frame(st, "sys").set_index("spec")
    out = []
    for k, r in _first_inprocess(table, "aladin").iterrows():
        g = its[its.run == k]
        d, lim = (float(g[c].mean()) if c in g else float("nan") for c in ("reduced_dim", "qp_rows"))
        out.append({"system": r.system, "buses": int(s.buses[r.system]), "coupling_rows": rows[r.system],
                    "coordinator_ms": 1e3 * _mean_of(g, "coordinator_s", "qp_s"), "free_directions": d,
                    "limit_rows": lim, "qp_work": lim * d**2, "converged": bool(r.converged)})
    return pd.DataFrame(out, columns=["system", "buses", "coupling_rows", "coordinator_ms", "free_directions",
                                      "limit_rows", "qp_work", "converged"])


FIT_R2_MIN = 0.5
"""Least share of the variance of log coordinator time a fit must explain before the chapter's text names the size
it is against as what drives the time (forlab's choice)."""


SLOPE_CONFIDENCE = 0.95
"""Confidence of the upper bound on a growth slope (`growth_bound`): the coordinator is judged to grow at most
linearly only where the data rule out a steeper slope at this confidence (forlab's choice: a point slope below 1
from a fit that explains little of the times shows nothing, and a flat family legitimately explains little)."""


def growth_fit(growth: pd.DataFrame, by: str = "coupling_rows") -> tuple[float, float, float]:
    """Least-squares line through log10(coordinator ms) against log10(``by``, a column of `coordinator_growth`):
    (slope, intercept, R^2, the share of the variance of log time the line explains); NaN with fewer than two
    usable systems. A slope of 1 is linear growth."""
    x, y = _log_points(growth, by)
    if len(np.unique(x)) < 2:
        return float("nan"), float("nan"), float("nan")
    slope, icpt = np.polyfit(x, y, 1)
    resid = y - (slope * x + icpt)
    r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum()) if np.ptp(y) > 0 else float("nan")
    return float(slope), float(icpt), r2


def growth_bound(growth: pd.DataFrame, by: str = "coupling_rows", level: float = SLOPE_CONFIDENCE) -> float:
    """One-sided upper confidence bound (``level``) on the slope of `growth_fit`: the slope plus Student's t
    quantile for n - 2 degrees of freedom times the slope's standard error; NaN with fewer than three usable
    systems (no residual left to estimate the error from)."""
    from scipy import stats

    x, y = _log_points(growth, by)
    if len(x) < 3 or len(np.unique(x)) < 2:
        return float("nan")
    fit = stats.linregress(x, y)
    return float(fit.slope + stats.t.ppf(level, len(x) - 2) * fit.stderr)


def fitted(growth: pd.DataFrame) -> pd.DataFrame:
    """The rows of `coordinator_growth` a fit takes: the runs that converged (all rows of a table without the
    column). Why: a run that stalls or diverges spends its rounds on QPs unlike those of a run to a solution (a
    plateau's settled active set solves fast, a diverging run's limits pile up), so its mean time per round is
    not a point of the same curve; the figure shows it apart."""
    return growth[growth.converged.astype(bool)] if "converged" in growth else growth


def left_out(growth: pd.DataFrame) -> list[str]:
    """The systems of `coordinator_growth` that the fits leave out (`fitted`): runs that did not converge within
    the round limit."""
    return growth.system[~growth.system.isin(fitted(growth).system)].tolist()


def _log_points(growth: pd.DataFrame, by: str) -> tuple[np.ndarray, np.ndarray]:
    """log10 of ``by`` and of the coordinator ms over the fitted systems (`fitted`) where both are positive."""
    growth = fitted(growth)
    ok = growth[(growth[by] > 0) & (growth.coordinator_ms > 0)]
    return np.log10(ok[by].to_numpy(float)), np.log10(ok.coordinator_ms.to_numpy(float))


FAMILY_MIN = 3
"""Fewest systems of one family (`forlab.studies.ch07_aladin.systems.family`) that get their own growth fit."""


def family_fits(growth: pd.DataFrame) -> pd.DataFrame:
    """The coordinator's growth with the coupling rows, fitted over all converged systems (family "all",
    `fitted`) and within every family of at least `FAMILY_MIN` of them: its kind (what varies along it,
    `FAMILY_WORDS`), systems, their fewest and most coupling rows, slope, upper bound of the slope
    (`growth_bound`), intercept and R^2 (`growth_fit`)."""
    growth = fitted(growth)
    fam = [family(s) for s in growth.system]
    groups = [("all", "", growth)]
    for name, kind in dict.fromkeys(f for f in fam if f):
        members = growth[[f == (name, kind) for f in fam]]
        if len(members) >= FAMILY_MIN:
            groups.append((name, kind, members))
    rows = [{"family": name, "kind": kind, "systems": len(g), "rows_min": g.coupling_rows.min(),
             "rows_max": g.coupling_rows.max(), "slope": slope, "upper": growth_bound(g), "intercept": icpt,
             "r2": r2} for name, kind, g in groups for slope, icpt, r2 in [growth_fit(g)]]
    return pd.DataFrame(rows, columns=["family", "kind", "systems", "rows_min", "rows_max", "slope", "upper",
                                       "intercept", "r2"])


def _nlp_all_ok(its: pd.DataFrame, k: int) -> float:
    """1 if every round of run ``k`` had all its local NLPs succeed, 0 if not, NaN where the store has no
    ``it_nlp_ok``."""
    g = its[its.run == k]
    if "nlp_ok" not in g or g.nlp_ok.isna().all():
        return float("nan")
    return float((g.nlp_ok.dropna() == 1).all())


def _run_sum(its: pd.DataFrame, k: int, column: str) -> float:
    """Sum of a per-round count over run ``k`` (NaN where the store does not log it)."""
    g = its[its.run == k]
    return float(g[column].sum()) if column in g and g[column].notna().any() else float("nan")


def rounds_table(table: pd.DataFrame, its: pd.DataFrame) -> pd.DataFrame:
    """Per system, in-process: ALADIN's (default QP) and ADMM's rounds, the round of the stopping target
    (`TARGET_CONSENSUS`, `TARGET_GAP`; NaN: not reached), whether the run stopped by its own test, whether every
    local NLP of ALADIN succeeded (``nlp_ok``, NaN where not logged), and over ALADIN's run its coordinator's limit
    passes (re-solves with the far limits a step would cross) and the round trips they took (``aladin_passes``,
    ``aladin_trips``; NaN where not logged: stores written before the watched rows,
    `forlab.p3_aladin.algorithm.reduction.FarLimits`, did not log the trips). Per algorithm also the T+D power
    flow's verdict on the run's final dispatch (`judged_verdict`: ``{algorithm}_feasible``, ``_deviation_pct``,
    ``_max_violation``, NaN for a failed run) with its judged ``_status``, and ``judged``: whether the store holds
    that record (False in a store written before it)."""
    out = {}
    for algo in ("aladin", "admm"):
        first = _first_inprocess(table, algo)
        verdict = judged_verdict(first)
        for k, r in first.iterrows():
            row = out.setdefault(r.system, {"system": r.system})
            row.update({f"{algo}_rounds": r.iterations, f"{algo}_target": r.it_target,
                        f"{algo}_converged": bool(r.converged), f"{algo}_status": str(r.status),
                        "judged": bool(verdict.pf_recorded[k])})
            row.update({f"{algo}_{field}": verdict.at[k, name] for name, field in VERDICT.items()})
            if algo == "aladin":
                row["aladin_nlp_ok"] = _nlp_all_ok(its, k)
                row.update({f"aladin_{n}": _run_sum(its, k, f"limit_{n}") for n in ("passes", "trips")})
    judged = [f"{a}_{c}" for a in ("aladin", "admm") for c in ("feasible", "deviation_pct", "max_violation", "status")]
    cols = ["system", "aladin_rounds", "aladin_target", "aladin_converged", "aladin_nlp_ok", "aladin_passes",
            "aladin_trips", "admm_rounds", "admm_target", "admm_converged", *judged, "judged"]
    return pd.DataFrame(list(out.values())).reindex(columns=cols)


def wall_times(table: pd.DataFrame, its: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Per system, whole runs like with like: the centralized AC-OPF's model build plus its solve (``central_wall_s``;
    its Ipopt time alone is ``central_s``) against ALADIN's (default QP, ``max_iter``) set-up of the regions plus its
    rounds, in-process (sequential regions) and on Dask (parallel regions, no emulated latency), in s
    (``{mode}_s``), and each against the centralized whole run (``{mode}_ratio``, dimensionless). More readings
    of the Dask run: ``dask_floor_ratio``, its set-up and its slowest region's local NLP and reduction summed over the
    rounds (the regions' part of `forlab.studies.outcomes.aladin_split`: the run with a coordinator and communication
    that cost nothing), of which ``dask_setup_ratio`` is the set-up; ``dask_coordinator_ratio``, its coordinator
    alone (its time summed over the rounds, the other part of `aladin_split`), so that a missed target can be set
    against both parts; and ``dask_solve_ratio``, its rounds alone against Ipopt's solve alone (the chapter's earlier
    reading, which set a wall time against a solver time). ``dask_inprocess_ratio``: the Dask run against the in-process one
    (the distributed approach on one machine). ``dask_paired_low`` and ``dask_paired_high``: the Dask run's
    repeats, each against the centralized build and solve timed just before it, the lowest and highest ratio (the noise of
    the machine on the ratio; `forlab.studies.ch07_aladin.study.paired_runs`); ``{mode}_paired_central``: the
    median of the centralized builds and solves timed beside that mode's repeats over the centralized whole run the ratios are
    judged against (how far the pairs' centralized halves stand from the baseline).
    NaN where a mode was not run or the store has no build time (or no paired repeats)."""
    sub = table[(table.algorithm == "aladin") & (table.qp == "reduced") & (table.max_iter == max_iter)
                & (table.latency_ms == 0)]
    rows = []
    for system, g in sub.groupby("system", sort=False):
        row = {"system": system, "central_s": float(g.central_time_s.iloc[0]),
               "central_wall_s": float(g.central_wall_s.iloc[0])}
        for mode in ("inprocess", "dask"):
            m = g[g["mode"] == mode]
            row[f"{mode}_s"] = float(m.setup_s.iloc[0] + m.total_s.iloc[0]) if len(m) else float("nan")
            row[f"{mode}_ratio"] = row[f"{mode}_s"] / row["central_wall_s"]
            row[f"{mode}_target"] = float(m.it_target.iloc[0]) if len(m) else float("nan")
            central = float(m.paired_central_s.iloc[0]) if len(m) and "paired_central_s" in m else np.nan
            row[f"{mode}_paired_central"] = central / row["central_wall_s"]
        dask = g[g["mode"] == "dask"]
        if len(dask):
            coordinator, local = aladin_split(its[its.run == dask.index[0]])  # the TSO and DSO columns of 08, 09
            setup = float(dask.setup_s.iloc[0])
            row["dask_floor_ratio"] = (setup + local) / row["central_wall_s"]
            row["dask_coordinator_ratio"] = coordinator / row["central_wall_s"]
            row["dask_setup_ratio"] = setup / row["central_wall_s"]
            row["dask_solve_ratio"] = float(dask.total_s.iloc[0]) / row["central_s"]
            row["dask_inprocess_ratio"] = row["dask_s"] / row["inprocess_s"]
            row["dask_paired_low"] = float(dask.paired_low.iloc[0]) if "paired_low" in dask else np.nan
            row["dask_paired_high"] = float(dask.paired_high.iloc[0]) if "paired_high" in dask else np.nan
        rows.append(row)
    cols = ["system", "central_s", "central_wall_s", *(f"{m}_{c}" for m in ("inprocess", "dask")
                                                      for c in ("s", "ratio", "target")),
            "dask_floor_ratio", "dask_setup_ratio", "dask_coordinator_ratio", "dask_solve_ratio",
            "dask_inprocess_ratio", "dask_paired_low", "dask_paired_high", "inprocess_paired_central", "dask_paired_central"]
    return pd.DataFrame(rows).reindex(columns=cols)


def _rounds_to(table: pd.DataFrame, its: pd.DataFrame, consensus: float, gap: float) -> pd.Series:
    """Per system, the first round of its in-process ALADIN run (default QP, `_first_inprocess`) with consensus
    violation and gap at most the given values (`first_iteration`; NaN: not reached)."""
    first = _first_inprocess(table, "aladin")
    return pd.Series([first_iteration(its[its.run == k], consensus, gap) for k in first.index],
                     index=first.system.to_numpy(), dtype=float)


def targets17(st: xr.Dataset, table: pd.DataFrame, its: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Issue 17's targets (the store's copy, else `ISSUE17_TARGETS`) against the store: one row per target and system
    with the measured ``value``, the ``limit`` and ``met`` (True/False; None when the store has no such run); the
    rounds are counted to the store's own gap and consensus targets (``gap``, ``consensus`` of their rows): the
    first round that meets them is the ``value`` (the one judged), and ``stopped`` the round in which the run stopped
    by its test (`_stopped`)."""
    tg = json.loads(st.attrs["issue17_targets"]) if "issue17_targets" in st.attrs else ISSUE17_TARGETS
    stop = {"gap": tg["rounds"].get("gap", TARGET_GAP), "consensus": tg["rounds"].get("consensus", TARGET_CONSENSUS)}
    reached = _rounds_to(table, its, stop["consensus"], stop["gap"])
    growth = coordinator_growth(st, table, its).set_index("system")
    wt = wall_times(table, its, max_iter).set_index("system")
    rows = []
    c = tg["coordinator_ms"]
    v = growth.coordinator_ms.get(c["system"], np.nan)
    rows.append({"target": "coordinator_ms", "system": c["system"], "value": v, "limit": c["value"]})
    for f in family_fits(growth.reset_index()).itertuples():  # every fit: all systems, then within each family
        rows.append({"target": "coordinator_slope", "system": f.family, "kind": f.kind, "systems": f.systems,
                     "value": f.slope, "upper": f.upper, "limit": tg["coordinator_slope"]["value"], "fit_r2": f.r2})
    rt = rounds_table(table, its).set_index("system")
    for system in tg["wall_ratio"]["systems"]:
        rows.append({"target": "wall_ratio", "system": system, "limit": tg["wall_ratio"]["value"],
                     "value": wt.dask_ratio.get(system, np.nan), "floor": wt.dask_floor_ratio.get(system, np.nan),
                     "setup": wt.dask_setup_ratio.get(system, np.nan),
                     "coordinator": wt.dask_coordinator_ratio.get(system, np.nan),
                     "paired_low": wt.dask_paired_low.get(system, np.nan),
                     "paired_high": wt.dask_paired_high.get(system, np.nan)})
        ok = rt.aladin_nlp_ok.get(system, np.nan)
        rounds = reached.get(system, np.nan) if system in rt.index else np.nan
        if system in rt.index and (ok == 0 or not np.isfinite(rounds)):
            rounds = np.inf  # ran, and a local NLP failed or the stopping test was not reached: missed
        rows.append({"target": "rounds", "system": system, "value": rounds, "limit": tg["rounds"]["value"],
                     "nlp_ok": ok, "stopped": _stopped(rt, system), **stop})
    out = pd.DataFrame(rows)
    out["error"] = [_raised(table, r.system, "dask" if r.target == "wall_ratio" else "inprocess")
                    for r in out.itertuples()]
    out.loc[out.error != "", "value"] = np.inf  # the run raised: failed, never a number
    out["met"] = pd.Series([None if np.isnan(v) else bool(v <= lim) for v, lim in zip(out.value, out.limit)],
                           index=out.index, dtype=object)
    # growth at most linear where the data rule out a steeper slope (the slope's upper bound is within the limit);
    # missed where the fitted slope itself is steeper. Not judged: too few systems to bound the slope, a fitted slope
    # within the limit whose bound is not (the systems neither show nor rule out the target), or the fit over all
    # systems, whatever its R^2: across different networks the coupling rows change together with everything else,
    # so a slope against them says nothing of the growth (a high R^2 there reflects the networks' sizes). Only a
    # family holds its network fixed: a weak fit there is a flat family, judged by its bound like any other
    slopes = (out.target == "coordinator_slope") & out.met.notna()
    pooled = out.system == "all"
    out.loc[slopes, "met"] = [_slope_verdict(v, u, lim, p) for v, u, lim, p in
                              zip(out.value[slopes], out.upper[slopes], out.limit[slopes], pooled[slopes])]
    return out


def _slope_verdict(slope: float, upper: float, limit: float, pooled: bool) -> bool | None:
    """A growth target's verdict from its fitted slope and that slope's upper confidence bound: met where the bound
    is within ``limit``, missed where the slope itself is above it, None (not judged) otherwise and where the bound
    is missing or the fit is ``pooled`` over different networks (`targets17`)."""
    if np.isnan(upper) or pooled:
        return None
    if upper <= limit:
        return True
    return False if slope > limit else None


def _stopped(rt: pd.DataFrame, system: str) -> float:
    """The round in which ``system``'s in-process ALADIN run stopped by its test (``rt``: `rounds_table` indexed by
    system), NaN where it did not or did not run. A run can meet the gap and consensus targets in one round, be
    above them again in the next and stop by its test later (its test asks for a small step as well): the rounds
    target is reported with both rounds."""
    if system not in rt.index or not rt.aladin_converged.get(system, False):
        return float("nan")
    return float(rt.aladin_rounds[system])


def _raised(table: pd.DataFrame, system: str, mode: str) -> str:
    """The error status of ``system``'s ALADIN run (default QP) in ``mode`` when that run raised
    (`forlab.studies.ch07_aladin.study.failed_run`), else "". Read by `termination`: a store written before the
    judged record has no ``termination`` column (its ``status`` is the run's own stop)."""
    stops = pd.Series([termination(r) for r in table.itertuples()], index=table.index, dtype=object)
    sel = stops[(table.system == system) & (table["mode"] == mode) & (table.algorithm == "aladin")
                & (table.qp == "reduced") & stops.map(raised)]
    return str(sel.iloc[0]) if len(sel) else ""


def growth_only(st: xr.Dataset) -> list[str]:
    """The systems a store ran for the coordinator's growth only: its ``growth_systems`` that are not among its
    ``systems`` (none in a store written before the parameter)."""
    params = json.loads(st.attrs["parameters"])
    return [s for s in params.get("growth_systems", []) if s not in params["systems"]]


def study_table(st: xr.Dataset, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """`convergence_table` (or the given ``table`` of the store) of the study's own systems: without the runs of
    `growth_only` systems, which only the coordinator's growth reads (the chapter's other tables and figures would
    otherwise list every family member)."""
    table = convergence_table(st) if table is None else table
    return table[~table.system.isin(growth_only(st))]


def scaling_report(st: xr.Dataset) -> dict:
    """Everything the chapter shows of issue 17 from one store: its ``max_iter``, the per-round ``split``
    (`time_split`), the ``rounds`` (`rounds_table`) and the ``wall`` times (`wall_times`) of the study's systems
    (`study_table`), the coordinator ``growth`` (`coordinator_growth`) of every system, growth systems too, and
    the ``targets`` (`targets17`)."""
    params = json.loads(st.attrs["parameters"])
    max_iter = params["max_iter"]
    table, its = convergence_table(st), iterations(st)
    study = study_table(st, table)
    wall = wall_times(study, its, max_iter)
    # the P3 claim's paragraph reads the wall times alone; the latency sweep's slowdowns ride along with them
    wall.attrs["latency"] = latency_slowdowns(table, params["latency_system"])
    return {"max_iter": max_iter, "split": time_split(study, its, max_iter),
            "growth": coordinator_growth(st, table, its), "rounds": rounds_table(study, its),
            "wall": wall, "targets": targets17(st, table, its, max_iter)}


def latency_slowdowns(table: pd.DataFrame, system: str) -> dict:
    """The emulated latency sweep on ``system`` (`latency_sweep`) in plain numbers: its ``system``, every one-way
    ``latency_ms`` above zero whose run did not raise and the ``slowdown`` of its rounds against the zero-latency
    run's; empty lists where the store has no sweep. Lists, not a frame, so that they can ride in a frame's
    ``attrs`` (`scaling_report`; pandas compares attrs when it joins frames)."""
    lat = latency_sweep(table, system)
    ok = lat[(lat.latency_ms > 0) & np.isfinite(lat.slowdown)]
    return {"system": system, "latency_ms": [float(v) for v in ok.latency_ms],
            "slowdown": [float(v) for v in ok.slowdown]}


def admm_focus(params: dict) -> str:
    """The system this page's ALADIN-against-ADMM section and message table show: ``admm_system``; with "all"
    (ADMM on every system, the `paper` profile, whose per-system comparison is in its own section) the latency
    system if ADMM ran on it, else the last system."""
    if params["admm_system"] != "all":
        return params["admm_system"]
    return params["latency_system"] if params["latency_system"] in params["systems"] else params["systems"][-1]


def admm_runs(table: pd.DataFrame, system: str, max_iters: tuple[int, ...]) -> pd.DataFrame:
    """ALADIN (default QP) and ADMM in-process on ``system`` with one of ``max_iters``: every such run."""
    return table[(table.system == system) & (table["mode"] == "inprocess") & (table.max_iter.isin(list(max_iters)))
                 & (((table.algorithm == "aladin") & (table.qp == "reduced")) | (table.algorithm == "admm"))]


def admm_table(cmp_: pd.DataFrame) -> pd.DataFrame:
    """`admm_runs`, one row per algorithm (the columns `admm_shown` prints; ``setup_s`` and ``total_s`` for its
    whole run, `forlab.studies.ch07_aladin.text.whole_run_s`; the T+D power flow's verdict, `judged_verdict`)."""
    out = cmp_[["algorithm", "iterations", "it_loose", "it_target", "gap", "consensus", "setup_s", "total_s",
                "time_per_iter_s", "bytes_per_iter", "converged"]].join(judged_verdict(cmp_))
    out["status"] = [termination(r) for r in cmp_.itertuples()]
    return out.set_index("algorithm")


def full_profile(big: xr.Dataset) -> dict:
    """What the chapter shows of a full-profile store: its parameters (``params``), the PowerModelsADA anchor
    (``anchor``), the convergence table (``table``), `targets` (``targets``), `dask_overhead` (``overhead``),
    `latency_sweep` (``latency``) and `admm_comparison` (``admm``)."""
    bp = json.loads(big.attrs["parameters"])
    bt = convergence_table(big)
    return {"params": bp, "anchor": anchors(big), "table": bt,
            "targets": targets(bt, bp["max_iter"]), "overhead": dask_overhead(bt, bp["max_iter"]),
            "latency": latency_sweep(bt, bp["latency_system"], iterations(big)),
            "admm": admm_comparison(bt, bp["admm_system"], (bp["max_iter"], bp["admm_max_iter"]))}


_OLD_ANCHORS = {("powermodelsada_admm_case300", "iterations"): "powermodelsada_admm_case300_iterations",
                ("powermodelsada_admm_case300", "time_s"): "powermodelsada_admm_case300_s",
                ("powermodelsada_admm_case300", "cores"): "powermodelsada_admm_case300_cores",
                ("rapidpf_aladin_steps", "steps"): "rapidpf_aladin_max_steps",
                ("rapidpf_aladin_steps", "largest_buses"): "rapidpf_largest_buses"}
"""Where the figures of a store written before the registry (its own ``anchors`` JSON) sit in the registry."""


def anchors(st: xr.Dataset) -> dict:
    """The published anchors a store was compared with, key -> `forlab.book.anchors.Anchor`: the registry's copy it
    keeps (``attrs["anchors"]``, `forlab.book.anchors.as_attr`), or, in a store written before the registry, its
    own figures read into the registry's anchors (a range "5-7" by its upper end)."""
    raw = json.loads(st.attrs["anchors"])
    if all(isinstance(v, dict) and "key" in v for v in raw.values()):
        return registry.from_attr(st.attrs["anchors"])
    out = {}
    for (group, field), key in _OLD_ANCHORS.items():
        if field in raw.get(group, {}):
            figure = str(raw[group][field]).split("-")[-1]
            out[key] = dataclasses.replace(registry.anchor(key), value=float(figure))
    return out
