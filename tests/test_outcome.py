"""The one yardstick (`forlab.opf.outcome`): the timing rule, the record every method fills, and what a failure does
to it."""

import copy
import itertools
import warnings

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from forlab import opf
from forlab.book import anchors
from forlab.grid import cases
from forlab.opf import outcome
from forlab.opf.judge import (
    GEN_TOL,
    VIOLATION_COUNTS,
    dispatch_from_result,
    judge,
    set_dispatch,
    total_violations,
    violation_counts,
    violation_words,
)

warnings.filterwarnings("ignore", category=FutureWarning)


class _Result:
    def __init__(self, success=True, status="Solve_Succeeded", objective=100.0, solve_time_s=0.5):
        self.success, self.status, self.objective, self.solve_time_s = success, status, objective, solve_time_s


def test_timed_keeps_the_first_result_and_the_fastest_solver_and_wall_time():
    times = iter([0.3, 0.1, 0.2])
    calls = itertools.count()

    def solve():
        return _Result(solve_time_s=next(times), objective=float(next(calls)))

    t = outcome.timed(solve, 3)
    assert t.result.objective == 0.0 and t.solve_time_s == 0.1 and 0 < t.wall_time_s < 1.0
    assert outcome.timed(lambda: _Result(), 0).solve_time_s == 0.5  # at least once


def test_timed_counts_only_repeats_that_ended_as_the_first():
    """A failed quick repeat (Ipopt giving up early) set the time of a successful first solve."""
    import time

    results = iter([_Result(solve_time_s=0.5), _Result(False, "Restoration_Failed", solve_time_s=0.01),
                    _Result(solve_time_s=0.4)])

    def solve():
        r = next(results)
        time.sleep(0.05 if r.success else 0.0)
        return r

    t = outcome.timed(solve, 3)
    assert t.solve_time_s == 0.4 and t.wall_time_s >= 0.05
    same_status = iter([_Result(status="Solve_Succeeded"), _Result(status="Solved_To_Acceptable_Level",
                                                                   solve_time_s=0.1)])
    assert outcome.timed(lambda: next(same_status), 2).solve_time_s == 0.5  # another ending, though a success
    # a mapping's success/status count alike (runopp's runs, `forlab.opf.bench.runopp_start`)
    runs = iter([{"success": True, "status": "converged", "t": 0.3}, {"success": False, "status": "x", "t": 0.1}])
    assert outcome.timed(lambda: next(runs), 2, seconds=lambda r: r["t"]).solve_time_s == 0.3
    # a result that wraps the solve (P1's TSO returns (result, points)) says how it ended through ``ending``
    wrapped = iter([(_Result(solve_time_s=0.5), None), (_Result(False, "x", solve_time_s=0.01), None)])
    t = outcome.timed(lambda: next(wrapped), 2, lambda r: r[0].solve_time_s, lambda r: outcome.solve_ending(r[0]))
    assert t.solve_time_s == 0.5


def _ds_sample(success: bool, seconds: float, point=(0.0, 0.0, 1.0)):
    """A DSO cost-OPF sample as `forlab.p1_for.coordinate.DSOAgent` reads one (a stand-in for Ipopt's)."""
    from types import SimpleNamespace

    return SimpleNamespace(success=success, status="Solve_Succeeded" if success else "Restoration_Failed",
                           solve_time_s=seconds, iterations=7, point=np.asarray(point, float), gradient=None,
                           fpu_cost=1.0)


def _paced(result, ok: bool):
    """``result`` after the wall time of its solve: 0.05 s when it succeeded, none when it failed (Ipopt giving up
    early)."""
    import time

    time.sleep(0.05 if ok else 0.0)
    return result


def test_p1_times_its_tso_step_by_how_its_solves_ended(monkeypatch):
    """`_tso_step` times the TSO's solve (a (result, points) tuple) by the rule: a repeat that failed quickly does
    not set the time of a successful first solve, neither the solver time nor the wall time."""
    from forlab.grid import td
    from forlab.p1_for import coordinate

    first = (_Result(solve_time_s=0.5), "points")
    script = iter([first, (_Result(False, "Restoration_Failed", solve_time_s=0.01), None),
                   (_Result(solve_time_s=0.7), "later points")])

    class ScriptedTSO:
        def __init__(self, ts, offers, pcc_x_pu=None):
            pass

        def solve(self):
            r = next(script)
            return _paced(r, r[0].success)

    monkeypatch.setattr(coordinate, "TSOForOPF", ScriptedTSO)
    step = coordinate._tso_step(td.load_system("case9+case33bw"), {"case33bw": None}, 1.0, 3)
    assert step["result"] is first[0] and step["points"] == "points"  # the first result is the one kept
    assert step["time_s"] == 0.5 and step["wall_time_s"] >= 0.05


class _ScriptedDS:
    """A DSO's model whose cost OPFs with fallback (`DSOModel.cost_with_fallback`) return the scripted solves in turn:
    each entry is the list of samples one call solved (one: the request; three: it fell back to the nearest point)."""

    loads_key = "scripted"

    def __init__(self, script):
        self.script = iter(script)

    def cost_with_fallback(self, x, box):
        solved = next(self.script)
        return _paced((solved[-1], 0.0, solved), len(solved) == 1 and solved[0].success)


def test_p1_times_a_dsos_dispatch_by_how_it_ended():
    """`DSOAgent.step` times the DSO's dispatch (a dict) by the rule, from its start and cold: a repeat that failed
    quickly, or that fell back to the nearest feasible point (another solve, though successful), does not set the
    time of a first dispatch that succeeded at the requested point."""
    from forlab.p1_for.coordinate import DSOAgent
    from forlab.p1_for.dso_opf import Box

    ok, failed = [_ds_sample(True, 0.5)], [_ds_sample(False, 0.01)]
    nearest = [_ds_sample(False, 0.002), _ds_sample(True, 0.002), _ds_sample(True, 0.002)]
    model = _ScriptedDS([ok, failed, nearest, ok, nearest, failed])  # three repeats from the start, three cold
    agent = DSOAgent(None, Box(np.zeros(3), np.ones(3)), model=model, start="cold")
    reply = agent.step([0.0, 0.0, 1.0], 3)
    for timed in (reply["warm"], reply["cold"]):
        assert timed.result["start"] == "cold" and timed.result["sample"].success
        assert timed.solve_time_s == 0.5 and timed.wall_time_s >= 0.05


def test_p1_times_a_dsos_start_trials_by_how_they_ended(monkeypatch):
    """`DSOAgent.choose_start` times each start at its trial points by the rule: the evidence sums the times of the
    repeats that ended as the first (0.5 s warm, 0.3 s cold per point), never a quick failed one."""
    import itertools

    from forlab.p1_for.coordinate import DSOAgent
    from forlab.p1_for.dso_opf import Box

    class Library:  # solves the library's points (`DSOAgent._solved`): each one a success at the point
        loads_key = "scripted"

        def cost_solve(self, x, box):
            return _ds_sample(True, 0.0, x), None

    runs = {True: itertools.cycle([_ds_sample(True, 0.5), _ds_sample(False, 0.01)]),
            False: itertools.cycle([_ds_sample(True, 0.3), _ds_sample(False, 0.001)])}

    def scripted(self, x, warm, held_out=None):
        s = next(runs[warm])
        return {"sample": s, "solve_time_s": s.solve_time_s, "iterations": s.iterations,
                "start": "warm" if warm else "cold"}

    monkeypatch.setattr(DSOAgent, "_dispatch", scripted)
    agent = DSOAgent(None, Box(np.zeros(3), np.ones(3)), [[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0]], model=Library(),
                     start="auto", trials=2, repeats=2)
    ev = agent.start_evidence
    assert ev["start_trials"] == 2
    assert ev["start_trial_warm_s"] == pytest.approx(2 * 0.5) and ev["start_trial_cold_s"] == pytest.approx(2 * 0.3)
    assert agent.start == "cold"  # 0.6 s against 1.0 s (the failed repeats would have made it 0.002 s against 0.02 s)


def test_a_dsos_dispatch_that_fell_back_ends_otherwise():
    """A dispatch that had to deliver the nearest feasible point is another ending than one at the request, though
    both succeed (`dispatch_ending` reads the start)."""
    from forlab.p1_for import coordinate

    ok = {"sample": _ds_sample(True, 0.5), "start": "warm"}
    fell_back = {"sample": _ds_sample(True, 0.5), "start": "nearest"}
    assert coordinate.dispatch_ending(ok) != coordinate.dispatch_ending(fell_back)


def test_parallel_parts_count_their_slowest_branch_and_sequential_parts_add():
    assert outcome.parallel([0.1, 0.4, 0.2]) == 0.4 and outcome.parallel([]) == 0.0
    assert outcome.sequential([0.1, 0.4, 0.2]) == pytest.approx(0.7)


def test_the_integrated_baseline_keeps_the_fastest_of_its_builds(monkeypatch):
    """``builds`` builds the model that many times and keeps the fastest build (chapter 07's whole runs); by default
    it builds once. Build times are scripted on a clock that only the builds advance."""
    from forlab.opf import acopf

    build_seconds, now, built = iter([0.5, 0.2, 0.4, 0.3]), [0.0], []

    class _Model:
        def __init__(self, net):
            now[0] += next(build_seconds)
            built.append(self)

        def solve(self):
            return _Result()

    monkeypatch.setattr(acopf, "ACOPF", _Model)
    monkeypatch.setattr(outcome.time, "perf_counter", lambda: now[0])
    assert outcome.integrated_baseline(object(), repeats=1, builds=3).build_time_s == pytest.approx(0.2)
    assert len(built) == 3
    assert outcome.integrated_baseline(object(), repeats=1).build_time_s == pytest.approx(0.3)
    assert len(built) == 4


def test_the_integrated_baseline_is_timed_by_the_same_rule():
    net = cases.load("case9")
    base = outcome.integrated_baseline(net, repeats=2)
    assert base.success and base.objective == pytest.approx(anchors.value("runopf_case9_usd_h"), rel=1e-4)
    assert base.wall_time_s >= base.solve_time_s > 0 and base.build_time_s > 0
    failed = outcome.Baseline(_Result(success=False, status="Infeasible_Problem_Detected"), 0.1, 0.2)
    assert np.isnan(failed.objective) and failed.status == "Infeasible_Problem_Detected"


VERDICT = {"converged": True, "total_cost": 101.0, "feasible": True, "max_violation_pu": 2e-5}


def _judged(verdict=VERDICT, base_ok=True, parts=None):
    base = outcome.Baseline(_Result(success=base_ok, status="ok" if base_ok else "Infeasible_Problem_Detected"),
                            0.4, 0.5)
    return outcome.judged_outcome(verdict, base, parts or {"tso": (True, "Solve_Succeeded")}, solve_time_s=0.2,
                                  wall_time_s=0.3, offline_time_s=5.0, bytes_exchanged=1000, rounds=1)


def test_the_most_accurate_method_shares_the_lead_within_the_solvers_tolerances():
    from forlab.opf.outcome import NEGLIGIBLE_PCT, most_accurate
    tight = {"P1": 0.01, "P2": 3e-7, "P3": 3e-7 + NEGLIGIBLE_PCT / 2}
    assert most_accurate(tight) == ("P2", ("P3",))
    assert most_accurate({**tight, "P3": 3e-7 + 2 * NEGLIGIBLE_PCT}) == ("P2", ())
    assert most_accurate({"P0": float("nan"), **tight}) == ("P2", ("P3",))  # a failed case ranks nowhere
    with pytest.raises(ValueError, match="no judged deviation"):
        most_accurate({"P1": float("nan")})


def test_a_judged_dispatch_gives_the_signed_deviation():
    oc = _judged()
    assert oc.ok and oc.status == "ok" and oc.deviation_pct == pytest.approx(1.0) and oc.feasible
    assert (oc.solve_time_s, oc.wall_time_s, oc.offline_time_s, oc.bytes_exchanged) == (0.2, 0.3, 5.0, 1000.0)
    assert oc.integrated_solve_time_s == 0.4 and oc.max_violation == 2e-5
    cheaper = _judged({**VERDICT, "total_cost": 99.0, "feasible": False})
    assert cheaper.deviation_pct == pytest.approx(-1.0) and not cheaper.feasible  # signed, and judged infeasible


@pytest.mark.parametrize("case, status", [
    ({"parts": {"tso": (False, "Infeasible_Problem_Detected")}, "verdict": None},
     "tso failed: Infeasible_Problem_Detected"),
    ({"parts": {"tso": (True, "ok"), "dso d1": (False, "Maximum_Iterations_Exceeded")}, "verdict": None},
     "dso d1 failed: Maximum_Iterations_Exceeded"),
    ({"verdict": {**VERDICT, "converged": False}}, "T+D power flow failed: did not converge"),
    ({"verdict": None}, "T+D power flow failed: no dispatch to judge"),
])
def test_any_failure_is_a_failed_outcome_never_a_number(case, status):
    oc = _judged(case.get("verdict", VERDICT), parts=case.get("parts"))
    assert oc.status == status and not oc.ok
    assert np.isnan(oc.deviation_pct) and not oc.feasible and np.isnan(oc.solve_time_s) and np.isnan(oc.wall_time_s)


def test_a_failed_baseline_leaves_the_deviation_out_but_keeps_the_methods_own_verdict():
    oc = _judged(base_ok=False)
    assert oc.status == "integrated failed: Infeasible_Problem_Detected"
    assert np.isnan(oc.deviation_pct) and np.isnan(oc.integrated_cost)
    assert oc.feasible and oc.solve_time_s == 0.2  # the method's own dispatch and time are still measured
    # a failed integrated solve has no time: no yardstick to divide by (chapter 12's time_ratio)
    assert np.isnan(oc.integrated_solve_time_s) and np.isnan(oc.integrated_wall_time_s)
    # the docstrings say what the code does: "every solve of the method", not "any failure makes it infeasible"
    assert "every solve of the method" in outcome.OUTCOME["feasible"][0]
    for doc in (outcome.__doc__, outcome.judged_outcome.__doc__):
        assert "NaN and the outcome infeasible" not in " ".join(doc.split())


def test_the_record_table_names_every_field_of_the_outcome_with_its_units():
    assert set(outcome.OUTCOME) == set(outcome.Outcome.__dataclass_fields__)
    assert all(units for _, units in outcome.OUTCOME.values())


def test_the_judge_reports_the_largest_violation_in_pu():
    net = cases.load("case9")
    res = opf.ACOPF(net).solve()
    disp = dispatch_from_result(res)
    ok = judge(net, disp)
    assert ok["feasible"] and 0 <= ok["max_violation_pu"] < 1e-4
    high = disp.copy()
    high.loc[high.et == "gen", "vm_pu"] = 1.2  # every PV voltage 0.1 p.u. above the band
    bad = judge(net, high)
    assert not bad["feasible"] and bad["max_violation_pu"] >= bad["max_vm_violation_pu"] > 0.05


def test_the_judge_holds_the_power_flow_to_angle_difference_limits():
    net = cases.load("case9")
    disp = dispatch_from_result(opf.ACOPF(net).solve())
    free = judge(net, disp)
    assert free["feasible"] and free["n_angle_violations"] == 0 and free["max_angle_violation_deg"] == 0.0
    tight = copy.deepcopy(net)  # a 1-degree limit on every line: the unconstrained optimum's flows break it
    tight.line["min_angle_degree"], tight.line["max_angle_degree"] = -1.0, 1.0
    bad = judge(tight, disp)
    assert not bad["feasible"] and bad["n_angle_violations"] > 0 and bad["max_angle_violation_deg"] > 0.5
    # a table's violation count and its words agree with `feasible`: the angle differences are among them
    rows = pd.DataFrame([free, bad])
    assert total_violations(rows, pd.Series([True, True])).tolist() == [0, bad["n_angle_violations"]]
    assert f"{bad['n_angle_violations']} angle difference violations" in violation_words(bad)
    assert all(bad[c] == 0 for c in VIOLATION_COUNTS if c != "n_angle_violations")


def test_violation_counts_of_a_store_written_before_the_angle_count():
    """Stores archived before the judge counted angle differences hold three counts: the table sums those and the
    words name those, instead of a missing count making every row's total missing."""
    old = pd.DataFrame({"n_vm_violations": [0, 2, -1], "n_branch_violations": [1, 0, -1], "n_gen_violations": [0, 0, -1]})
    assert total_violations(old, pd.Series([True, True, True])).tolist() == [1, 2, pd.NA]
    assert violation_words({**old.iloc[1].to_dict(), "n_angle_violations": np.nan}) == \
        "2 voltage, 0 branch and 0 generator limit violations"
    assert violation_counts(None) == dict.fromkeys(VIOLATION_COUNTS, -1)


def test_violation_words_of_an_infeasible_dispatch_name_only_what_broke():
    """One wording for both uses: every kind with its count (chapters 05, 06, 08), or only the kinds that broke
    (chapters 12 and 09, where a list of zeros would hide what broke)."""
    row = {"n_vm_violations": 0, "n_branch_violations": 0, "n_gen_violations": 1, "n_angle_violations": 0}
    assert violation_words(row, broken_only=True) == "1 generator limit violation"
    assert violation_words({**row, "n_vm_violations": 2}, broken_only=True) == \
        "2 voltage and 1 generator limit violations"
    assert violation_words(dict.fromkeys(row, 0), broken_only=True) == "no violation counted"
    assert violation_words(row) == "0 voltage, 0 branch, 1 generator limit and 0 angle difference violations"


def test_the_judge_prices_a_generator_with_unlimited_reactive_power():
    """case1354pegase has a generator with infinite Q limits; pandapower's share of a PV bus's Q among its
    generators is then NaN, which made the judged cost NaN (a feasible dispatch without a deviation)."""
    net = cases.load("case9")
    net.gen.loc[net.gen.index[0], ["min_q_mvar", "max_q_mvar"]] = [-np.inf, np.inf]
    res = opf.ACOPF(net).solve()
    v = judge(net, dispatch_from_result(res))
    assert v["feasible"] and v["total_cost"] == pytest.approx(res.objective, rel=1e-8)


def test_the_judge_holds_a_pv_generator_to_its_reactive_limit_within_gen_tol():
    """A PV generator's Q is a power-flow result: reactive power the dispatch leaves unbalanced at its bus (in
    chapter 12, the PCC transformers' reactive losses that P1's decomposition leaves out) lands on it, and beyond
    its limit by more than `GEN_TOL` the dispatch is not feasible."""
    net = cases.load("case9")
    disp = dispatch_from_result(opf.ACOPF(net).solve())
    g = net.gen.index[0]
    at_limit = copy.deepcopy(net)  # the generator's upper Q limit where the OPF's dispatch puts its output
    q = _judged_q(at_limit, disp, g)
    at_limit.gen.loc[g, "max_q_mvar"] = q
    assert judge(at_limit, disp)["n_gen_violations"] == 0
    for extra, feasible in ((0.5 * GEN_TOL, True), (2.0 * GEN_TOL, False)):
        loaded = copy.deepcopy(at_limit)  # unbalanced reactive demand at the generator's (voltage-held) bus
        pp.create_load(loaded, bus=int(net.gen.bus[g]), p_mw=0.0, q_mvar=extra)
        v = judge(loaded, disp)
        assert v["feasible"] is feasible and v["n_gen_violations"] == int(not feasible)
        assert v["max_gen_violation_mw"] == pytest.approx(extra, rel=1e-3)


def _judged_q(net, dispatch, g) -> float:
    """Generator ``g``'s reactive output (Mvar) in the judge's power flow of ``dispatch``."""
    n = copy.deepcopy(net)
    set_dispatch(n, dispatch)
    pp.runpp(n, calculate_voltage_angles=True, trafo_model="pi", init="dc", tolerance_mva=1e-9)
    return float(n.res_gen.q_mvar[g])


def test_every_method_counts_its_bytes_by_one_rule():
    """One rule for the bytes every method exchanges (`forlab.book.parallel.wire_bytes`): messages pickled as Dask
    sends them, so that a float64 costs 8 bytes in P1's offer, P2's surrogate and ALADIN's messages alike (JSON text
    would count it as its digits)."""
    import pickle

    from forlab.book.parallel import wire_bytes

    a, b = {"coefficients": [0.1] * 10, "name": "d1"}, np.arange(3.0)
    assert wire_bytes(a, b) == wire_bytes(a) + wire_bytes(b) == \
        len(pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL)) + len(pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL))
    assert 8000 <= wire_bytes(np.zeros(1000)) - wire_bytes(np.zeros(0)) <= 8008  # 8 each, a few of framing
    assert wire_bytes([1 / 3] * 1000) - wire_bytes([]) < 10 * 1000 < len(str([1 / 3] * 1000))
    assert wire_bytes() == 0
