"""Chapter 07's store and time-split figure on runs that raised: a store of failed runs only is written, and a run
without a time gets no panel of its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forlab.book import store
from forlab.opf.judge import MAX_VIOLATION_UNIT
from forlab.p3_aladin import ADMMOptions, ALADINOptions
from forlab.studies import ch07_aladin as ch
from forlab.studies.ch07_aladin.figures import SPLIT_GAP, _split_panels
from forlab.studies.ch07_aladin.readers import judged_verdict
from forlab.studies.ch07_aladin.store import LOG_COLUMNS, REPEAT_TIMES, to_store
from forlab.studies.ch07_aladin.study import _failed_case, failed_run

SYSROW = {"spec": "x", "buses": 3, "regions": 2, "cut_branches": 1, "central_objective": 100.0,
          "central_time_s": 0.1, "central_status": "Solve_Succeeded", "consensus_rows": 2, "central_wall_s": 0.2}
PARAMS = {"systems": ["x"], "max_iter": 30, "admm_max_iter": 1000}


def test_a_store_of_runs_that_all_raised_is_written(tmp_path):
    """Review finding: when every run raised (`failed_run`: an empty log), `to_store` read the rounds off the first
    log column and raised StopIteration, although `Recorder` promises that a failure is a result, never the end of
    the sweep. The store is written with zero rounds, the per-round columns the readers read, and every run failed
    with its error as its status."""
    results = [("x", "inprocess", 0.0, failed_run(ALADINOptions(), "inprocess", 100.0, RuntimeError("boom"))),
               ("x", "dask", 0.0, failed_run(ADMMOptions(), "dask", 100.0, RuntimeError("lost")))]
    judged = [_failed_case(res.status) for *_, res in results]
    ds = to_store([SYSROW], [{"system": "x", "region": "a"}], results, 30, 1000, judged,
                  [np.full((3, len(REPEAT_TIMES)), np.nan)] * 2)
    assert ds.sizes["run"] == 2 and ds.sizes["iteration"] == 0
    assert {f"it_{c}" for c in LOG_COLUMNS} <= set(ds.data_vars)
    # review K #3: the columns every store holds are the times by the names the readers read first, not the log's
    # old copies of them (an older store's, which the readers fall back to)
    assert {"reduction_s", "coordinator_s", "communication_s"} <= set(LOG_COLUMNS)
    assert not {"nlp_s", "qp_s", "comm_s"} & set(LOG_COLUMNS)
    st = store.open_path(store.save(ds, "07_aladin", PARAMS, root=tmp_path))
    table = ch.convergence_table(st)
    assert list(table.algorithm) == ["aladin", "admm"] and (table.iterations == 0).all()
    assert list(table.status) == ["error: RuntimeError: boom", "error: RuntimeError: lost"]
    assert table[["gap", "total_s", "it_target"]].isna().all().all() and len(ch.iterations(st)) == 0
    # review L #4: the T+D power flow's verdict is recorded for every run, and a run that raised has none ("–")
    verdict = judged_verdict(table)
    assert verdict.pf_recorded.all() and verdict[["pf_feasible", "pf_deviation_pct"]].isna().all().all()
    shown = ch.rounds_shown(ch.rounds_table(table, ch.iterations(st)))
    # ALADIN raised: failed, no verdict ("no" alone); ADMM ran on Dask only, not in the in-process rounds table
    assert list(shown.iloc[0][["ALADIN " + ch.STOP_JUDGED, "ADMM " + ch.STOP_JUDGED]]) == ["no", "–"]


def test_a_run_that_raised_gets_no_panel_of_its_own():
    """Review finding: a run that raised has a total of 0 in the time split, and its factor against the shortest
    timed run (about 1e10) split the figure into a panel for it alone and one for every other run. The factors are
    taken over the timed runs; the one without a time stays in the first panel."""
    panels = _split_panels(pd.Series([120.0, 95.0, 80.0, 0.0], index=["a", "b", "c", "failed"]))
    assert [list(p) for p in panels] == [["a", "b", "c", "failed"]]
    long = 2 * SPLIT_GAP * 120.0  # a real gap among the timed runs still splits them, the failed run below it
    panels = _split_panels(pd.Series([long, 95.0, 80.0, 0.0], index=["a", "b", "c", "failed"]))
    assert [list(p) for p in panels] == [["b", "c", "failed"], ["a"]]
    assert [list(p) for p in _split_panels(pd.Series([0.0, 0.0], index=["f", "g"]))] == [["f", "g"]]


def _three_runs() -> pd.DataFrame:
    """Three judged runs: one "ok", one whose only failure is the integrated AC-OPF, one that failed itself."""
    return pd.DataFrame({"status": ["ok", "integrated failed: Infeasible_Problem_Detected", "aladin failed: max_iter"],
                         "feasible": [1.0, 1.0, 0.0], "deviation_pct": [0.01, np.nan, np.nan],
                         "max_violation": [0.0, 1e-7, 0.3]})


def test_a_run_whose_only_failure_is_the_integrated_solve_keeps_its_feasibility():
    """Second read, item 3: the record keeps the method's own verdict when only the integrated AC-OPF failed
    (`forlab.opf.outcome.method_verdict_kept`); `judged_verdict` keeps its feasibility and violation then, and drops
    only the deviation, which needs the integrated optimum. A run that failed itself has no verdict."""
    rows = _three_runs()
    verdict = judged_verdict(rows)
    assert list(verdict.pf_feasible.fillna(-1)) == [1.0, 1.0, -1]
    assert list(verdict.pf_max_violation.fillna(-1)) == [0.0, 1e-7, -1]
    assert verdict.pf_deviation_pct.notna().tolist() == [True, False, False]


def _rounds_rows(rows: pd.DataFrame, converged: list[bool]) -> pd.DataFrame:
    """A rounds table (`forlab.studies.ch07_aladin.readers.rounds_table`) of judged ALADIN runs ``rows``, one system
    each ("s0", "s1", ...), stopped by their test as ``converged`` says; ADMM not run on them."""
    verdict = judged_verdict(rows)
    return pd.DataFrame({"system": [f"s{k}" for k in range(len(rows))], "aladin_rounds": 9.0, "aladin_target": np.nan,
                         "aladin_converged": converged, "aladin_nlp_ok": 1.0, "aladin_passes": 0.0,
                         "aladin_trips": 0.0, "admm_rounds": np.nan, "admm_target": np.nan, "admm_converged": np.nan,
                         "aladin_feasible": verdict.pf_feasible, "aladin_deviation_pct": verdict.pf_deviation_pct,
                         "aladin_max_violation": verdict.pf_max_violation, "aladin_status": rows.status,
                         "judged": True})


def test_a_run_that_stopped_by_its_test_but_failed_reads_yes_no_verdict():
    """Second read #2: a run that stopped by its own test but that the record counts as failed (here its T+D power
    flow failed) has no verdict; its stop read a bare "yes" in the rounds tables, which a reader cannot tell from a
    run without the record. It reads "yes; no verdict"; a failed run that did not stop reads "no" alone; a run whose
    only failure is the integrated AC-OPF keeps its verdict ("yes; feasible")."""
    from forlab.studies.ch07_aladin.verdicts_text import NO_VERDICT, rejected_text

    rows = pd.DataFrame({"status": ["T+D power flow failed: did not converge",
                                    "integrated failed: Infeasible_Problem_Detected", "aladin failed: max_iter"],
                         "feasible": [0.0, 1.0, 0.0], "deviation_pct": np.nan, "max_violation": [np.nan, 1e-7, 0.3]})
    rt = _rounds_rows(rows, [True, True, False])
    stop = ch.rounds_shown(rt)["ALADIN " + ch.STOP_JUDGED]
    assert NO_VERDICT == "no verdict" and list(stop) == ["yes; no verdict", "yes; feasible", "no"]
    assert list(ch.rounds_shown(rt)["ADMM " + ch.STOP_JUDGED]) == ["–"] * 3  # not run
    text = rejected_text(rt)
    assert "counted as failed, with no verdict: ALADIN on s0 (T+D power flow failed: did not converge)" in text


def test_a_deviation_unknown_because_the_integrated_acopf_failed_is_said_in_words():
    """Second read #3: where only the integrated AC-OPF failed, a run keeps its feasibility and violation but has no
    deviation (`judged_verdict`); the sentences printed "deviates – %" and "(– % from the centralized optimum's
    cost". They say the deviation is unknown because the integrated AC-OPF failed (the reader's review of ci152,
    finding 8: the book's one name for it, which chapter 07 called "centralized")."""
    from forlab.studies.ch07_aladin.verdicts_text import DEVIATION_UNKNOWN, judged_text, rejected_text

    rows = _three_runs()
    runs = rows.join(judged_verdict(rows)).assign(converged=True)
    text = judged_text(runs.iloc[1], runs.iloc[0])
    assert ("ALADIN's final dispatch is feasible, and its deviation from the integrated optimum's cost is "
            f"{DEVIATION_UNKNOWN}; ADMM's final dispatch deviates 0.01 % from") in text
    assert "– %" not in text and DEVIATION_UNKNOWN == "unknown because the integrated AC-OPF failed"
    rejected = rows.assign(feasible=[1.0, 0.0, 0.0], max_violation=[0.0, 1e-2, 0.3])  # the power flow rejects it
    judged = rejected.join(judged_verdict(rejected)).assign(converged=True)
    said = judged_text(judged.iloc[1], judged.iloc[0])
    assert ("ALADIN's final dispatch is infeasible, though it stopped by its own test: its largest violation is "
            f"{ch.sci_text(1e-2)} {MAX_VIOLATION_UNIT}, and its deviation from the integrated optimum's cost is "
            f"{DEVIATION_UNKNOWN}" in said) and "– %" not in said
    listed = rejected_text(_rounds_rows(rejected, [True, True, False]))
    assert (f"ALADIN on s1 (deviation from the integrated optimum's cost {DEVIATION_UNKNOWN}, largest violation "
            f"{ch.sci_text(1e-2)})") in listed and "– %" not in listed
