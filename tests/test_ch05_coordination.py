"""Chapter 05 study module: the store assembly, the case-study table, the time note and the text helpers compute
what they print from the store they are given (tiny synthetic stores and the archived paper-scale store)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.colors import to_hex
from notebook_cells import captions_of, code_of, prose_of, sources
from printed_numbers import page_text, ungrouped

from forlab.book import anchors, plots, runner, store
from forlab.book.tables import grouped, listed, table
from forlab.opf.judge import VIOLATION_COUNTS, VIOLATION_KINDS
from forlab.studies import ch05_coordination as ch05

DEV, RED = anchors.show("p1_deviation_pct"), anchors.show("p1_time_reduction_pct")
CH05_FILES = (ch05.study, ch05.store, ch05.readers, ch05.text, ch05.figures)
"""The chapter's files, the submodules of its package: a name gone from the chapter is gone from each."""

ROOT = Path(__file__).resolve().parents[1]
ARCHIVED = ROOT / "archive" / "05_coordination" / "bc6afb1b33bf.nc"
NOTEBOOK = ROOT / "notebooks" / "05_coordination.ipynb"
PARAMS = {"systems_list": ["case9+case33bw"], "levels": [0.8, 1.0], "n_directions": 40, "face_grid": 3,
          "n_labelled": 300, "n_cost": 100, "n_workers": 0, "warm_library": True, "repeats": 3, "scheduler": ""}


@pytest.fixture(scope="module")
def archived():
    return store.open_path(ARCHIVED)



def _coordination_store(int_its=20, int_s=0.100, tso_its=15, tso_s=0.015, dso_its=10, dso_s=0.050):
    case = {"system": ["small", "large"], "level": [1.0, 1.0], "integrated_iterations": [10, int_its],
            "integrated_solve_time_s": [0.01, int_s], "tso_iterations": [8, tso_its], "tso_time_s": [0.005, tso_s]}
    dso = {"system": ["small", "large"], "level": [1.0, 1.0], "ds": ["a", "b"], "solve_time_s": [0.004, dso_s],
           "iterations": [4, dso_its], "start": ["warm", "warm"], "start_distance": [0.1, 0.2],
           "cold_iterations": [30, 60], "fpu_cost": [1.0, 20.0], "cold_fpu_cost": [1.0, 20.0 - 3e-6]}
    st = xr.Dataset({k: ("case", np.asarray(v)) for k, v in case.items()})
    for k, v in dso.items():
        st[f"dso_{k}"] = ("dso_row", np.asarray(v))
    return st


def test_parameter_checks():
    ch05.check_params(PARAMS)
    with pytest.raises(ValueError, match="systems_list"):
        ch05.check_params({**PARAMS, "systems_list": "case9+case33bw"})
    with pytest.raises(ValueError, match="levels"):
        ch05.check_params({**PARAMS, "levels": [0.0]})
    with pytest.raises(ValueError, match="repeats"):
        ch05.check_params({**PARAMS, "repeats": 1.5})
    with pytest.raises(TypeError, match="warm_library"):
        ch05.check_params({**PARAMS, "warm_library": 1})
    with pytest.raises(TypeError, match="scheduler"):
        ch05.check_params({**PARAMS, "scheduler": None})
    # review finding: an n_cost below the price fit's minimum passed and failed after the offline run
    with pytest.raises(ValueError, match=r"n_cost must be at least 13 \(an integer\), got 0: the price's fit"):
        ch05.check_params({**PARAMS, "n_cost": 0})


def test_repeats_below_one_are_refused_before_any_work():
    """Review R1, item 21: ``repeats 0`` passed; `forlab.opf.outcome.timed` then timed once, the store said 0."""
    with pytest.raises(runner.ParameterError, match=r"^05_coordination: repeats must be a positive integer, got 0$"):
        runner.check_values("05_coordination", {**PARAMS, "repeats": 0})
    ch05.check_params({**PARAMS, "repeats": 1})


def test_a_scheduler_that_is_no_address_is_refused_before_a_kernel_starts():
    """Review R1, item 2: the connection's own rule (`forlab.book.parallel.check_address`) in the chapter's check."""
    from forlab.book import parallel

    with pytest.raises(runner.ParameterError, match=r"^05_coordination: scheduler must look like 'tcp://host:8786' "
                                                    rf".*\({re.escape(parallel.NO_SCHEDULER)}\), got 'nope'$"):
        runner.check_values("05_coordination", {**PARAMS, "scheduler": "nope"})
    ch05.check_params({**PARAMS, "scheduler": "tcp://127.0.0.1:8786"})


@pytest.mark.parametrize(("systems", "says"), [([], "at least one"), (["nosuch"], "nosuch"),
                                              (["case9+case33bw", "case9+nosuch"], "nosuch"),
                                              (["case30+case33bw-2pcc"], "single-PCC")])
def test_systems_list_is_checked_by_name_before_any_system_runs(systems, says):
    with pytest.raises(ValueError, match="systems_list") as err:
        ch05.check_params({**PARAMS, "systems_list": systems})
    assert says in str(err.value)


def test_the_defaults_and_the_paper_profile_pass_the_checks():
    declared = runner.declared_parameters(NOTEBOOK)
    ch05.check_params(declared)
    ch05.check_params({**declared, **runner.profiles(NOTEBOOK)["paper"]})


def test_to_store_writes_the_case_points_and_dso_tables():
    def row(system, level, n_ds):
        return {"system": system, "level": level, "deviation_pct": 0.01 * level, "n_ds": n_ds,
                "points": pd.DataFrame({"ds": [f"d{i}" for i in range(n_ds)], "p_mw": np.arange(n_ds, dtype=float)}),
                "dso": pd.DataFrame({"ds": [f"d{i}" for i in range(n_ds)], "solve_time_s": np.full(n_ds, 0.1)})}

    st = ch05.to_store([row("s1", 0.8, 1), row("s1", 1.0, 1), row("s2", 1.0, 2)])
    assert st.sizes == {"case": 3, "pcc_row": 4, "dso_row": 4}
    case = table(st, "case")
    assert list(case.columns) == ["system", "level", "deviation_pct", "n_ds"]
    pts = table(st, "pcc_row", "pt_")
    assert list(pts.columns) == ["ds", "p_mw", "system", "level"]
    assert pts.system.tolist() == ["s1", "s1", "s2", "s2"] and pts.level.tolist() == [0.8, 1.0, 1.0, 1.0]
    assert table(st, "dso_row", "dso_").solve_time_s.tolist() == [0.1] * 4


def test_parameter_checks_reject_empty_and_non_finite_levels():
    for bad in ([], [float("inf")], [float("nan")], [1.0, True], "1.0"):
        with pytest.raises(ValueError, match="levels must be a non-empty list"):
            ch05.check_params({**PARAMS, "levels": bad})


def test_a_failed_level_is_a_recorded_case_and_the_others_are_kept():
    """Issue 20: a level that fails (here its offer raises) is a row naming the level and the DS; the finished level
    keeps its numbers and the store is written, with units on every variable."""
    ok = {"system": "s", "level": 1.0, "status": "ok", "deviation_pct": 0.01, "feasible": True, "n_ds": 1,
          "tso_status": "Solve_Succeeded", "points": pd.DataFrame({"ds": ["d"], "p_mw": [1.0]}),
          "dso": pd.DataFrame({"ds": ["d"], "solve_time_s": [0.1], "success": [True]})}
    bad = ch05.failed_case("s", 10.0, "the offer of DS case33bw", ValueError("empty FOR"), 1)
    assert bad["status"] == "load level 1000 %: the offer of DS case33bw failed: ValueError: empty FOR"
    assert np.isnan(bad["deviation_pct"]) and not bad["feasible"]
    st = ch05.to_store([ok, bad])
    t = table(st, "case")
    assert t.status.tolist() == ["ok", bad["status"]] and t.tso_status.tolist() == ["Solve_Succeeded", "not run"]
    assert t.deviation_pct.iloc[0] == 0.01 and np.isnan(t.deviation_pct.iloc[1])
    assert st.deviation_pct.attrs["units"] == "%" and st.status.attrs["units"] == "-"
    assert st.sizes["dso_row"] == 1


def _case_store(status=True):
    """Two cases of one system: a finished one and one whose TSO failed, with the numbers a store written before the
    fix holds for it (a time reduction from the failed solve's time, -1 violation counts)."""
    case = {"system": ["s", "s"], "level": [0.8, 1.0], "integrated_cost": [10.0, 12.0],
            "integrated_solve_time_s": [0.1, 0.1], "cost": [10.0, np.nan], "deviation_pct": [0.0, np.nan],
            "tso_time_s": [0.01, 0.02], "dso_time_max_s": [0.02, np.nan], "time_reduction_parallel_pct": [70.0, 80.0],
            "time_reduction_sum_pct": [70.0, np.nan], "pcc_mismatch": [0.0, np.nan], "offline_time_s": [1.0, 1.0],
            "feasible": [True, False], "n_vm_violations": [0, -1], "n_branch_violations": [1, -1],
            "n_gen_violations": [0, -1], "status": ["ok", "tso failed: Infeasible_Problem_Detected"]}
    if not status:
        del case["status"]
    return xr.Dataset({k: ("case", np.asarray(v)) for k, v in case.items()})


def test_a_failed_case_shows_no_time_reduction_and_no_violation_count():
    """A failed case is never a number: the table shows no time reduction derived from its failed solve's time and
    no violation count (never the -3 of its three -1s); the means are over the finished case."""
    t, printed, per_sys = ch05.coordination_table(_case_store())
    assert printed["violations"].iloc[0] == 1 and pd.isna(printed["violations"].iloc[1])
    assert printed["time reduction (%)"].iloc[0] == 70.0 and np.isnan(printed["time reduction (%)"].iloc[1])
    assert np.isnan(t.time_reduction_parallel_pct.iloc[1]) and per_sys.loc["s", "red_max"] == 70.0
    assert per_sys.loc["s", "failed"] == 1
    cost, time = ch05.case_printables(printed)
    assert cost["violations"].tolist() == [grouped(1), "–"] and time["time reduction (%)"].tolist() == ["70.0", "–"]
    assert time["TSO (ms)"].iloc[1] == "–" and time["integrated (ms)"].iloc[1] != "–"  # the baseline's time stays
    # the largest system with no finished level: a sentence, never "nan ms"
    all_failed = _case_store().assign(status=("case", ["tso failed: x", "tso failed: y"]))
    line = ch05.text._time_line(all_failed, ch05.coordination_table(all_failed)[2])
    assert "no load level finished" in line and "nan" not in line
    # a store from before the status was recorded: the -1 counts still say nothing was judged
    _, old, _ = ch05.coordination_table(_case_store(status=False))
    assert old["violations"].iloc[0] == 1 and pd.isna(old["violations"].iloc[1])


def test_to_store_keeps_the_dso_tables_success_per_dso():
    row = {"system": "s", "level": 1.0, "dso_success": True,
           "points": pd.DataFrame({"ds": ["a", "b"]}),
           "dso": pd.DataFrame({"ds": ["a", "b"], "success": [True, False]})}
    st = ch05.to_store([row])
    assert st.dso_success.dims == ("dso_row",) and st.dso_success.values.tolist() == [True, False]


def test_time_note_computes_what_the_target_asks_of_the_dso():
    it = ch05.coordination_iterations(_coordination_store())
    assert it.loc[("large", 100), "TSO: ms"] == 15.0
    assert it.loc[("large", 100), "DSO: ms/iteration"] == 5.0
    note = ch05.coordination_time_note(it)
    # (100 % - the paper's 58.11 %) of 100 ms, minus the TSO's 15 ms, leaves 27 ms: about 5 iterations at 5 ms each,
    # against 10 warm
    left = 100 - anchors.value("p1_time_reduction_pct")
    assert f"within {left:.2f} % of the integrated AC-OPF's 100 ms" in note
    assert "leaves the DSO 27 ms, about 5 iterations at its 5.0 ms per iteration, against the 10" in note
    # no bus counts in the store: the system is the last listed, and not called the largest
    assert "reduction on the last system listed, large, the TSO" in note and "largest" not in note
    assert ("The costs the slowest DSO of each case reaches from its chosen start and from a cold start differ by at "
            "most 3.0e-06 \\$/h (the other DSOs' two costs are not compared here).") in note
    # a TSO slower than the whole budget leaves no iterations, never a negative count
    slow = ch05.coordination_time_note(ch05.coordination_iterations(_coordination_store(tso_s=0.060)))
    assert "the TSO alone takes 60 ms, which leaves the DSO no time at all" in slow


def test_the_rate_per_iteration_gives_the_time_stated_beside_it(archived):
    """Review finding: "27 iterations ... at 6.1 ms each" beside a DSO time of 185 ms, the rate a mean of the levels'
    rates. The rate is the mean time over the mean iterations, so iterations times rate give the mean time."""
    st = _coordination_store()
    two = xr.Dataset({k: ("case", np.r_[v.values, v.values[1:]]) for k, v in st.data_vars.items() if "case" in v.dims})
    two["level"] = ("case", np.array([1.0, 1.0, 0.8]))
    for k, v in st.data_vars.items():
        if "dso_row" in v.dims:
            two[k] = ("dso_row", np.r_[v.values, v.values[1:]])
    two["dso_level"] = ("dso_row", np.array([1.0, 1.0, 0.8]))
    two["dso_solve_time_s"] = ("dso_row", np.array([0.004, 0.400, 0.050]))  # large: 8 and 5 ms per iteration
    two["dso_iterations"] = ("dso_row", np.array([4, 50, 10]))
    means = ch05.system_means(ch05.coordination_iterations(two))
    assert means.loc["large", "DSO: ms/iteration"] == pytest.approx(225 / 30)  # not the mean of 8 and 5, 6.5
    assert "30 iterations from its chosen start (60 cold) at 7.5 ms" in ch05.coordination_time_note(
        ch05.coordination_iterations(two))
    # on the archived store: the largest system's mean DSO time is the one `_time_line` states, and its iterations
    # times its rate give it
    means = ch05.system_means(ch05.coordination_iterations(archived))
    for ms, (total, n) in ch05.RATES.items():
        assert np.allclose(means[ms] * means[n], means[total])
    t = table(archived, "case")
    largest = t.groupby("system").n_bus.max().idxmax()
    assert means.loc[largest, "DSO: ms"] == pytest.approx(1e3 * t[(t.system == largest) & ch05.readers._ok(t)].dso_time_max_s.mean())


def test_the_largest_system_is_the_one_with_the_most_buses_when_the_store_has_them(archived):
    """Review finding: "On the largest system, {name}" took the last system of ``systems_list``. With the bus counts
    (``n_bus``, `forlab.grid.td.StudySystem.buses`) the text names the system with the most; without, "the last system listed"."""
    st = _coordination_store().assign(n_bus=("case", np.array([500, 40])))  # "small" listed first, but larger
    it = ch05.coordination_iterations(st)
    assert it.buses.tolist() == [500, 40]
    note = ch05.coordination_time_note(it)
    assert "reduction on the largest system (500 buses), small, the TSO" in note and "on large" not in note
    buses = {s: 100 + 10 * k for k, s in enumerate(dict.fromkeys(archived.system.values))}
    buses["case30+case69+case33bw"] = 900  # the second listed has the most buses
    sized = archived.assign(n_bus=("case", np.array([buses[s] for s in archived.system.values])))
    _, _, per_sys = ch05.coordination_table(sized)
    line = ch05.text._time_line(sized, per_sys.assign(red_max=per_sys.red_max - 10))
    red = per_sys.red["case30+case69+case33bw"]
    assert f"On the largest system (900 buses), case30+case69+case33bw, the reduction is {red:.1f} %" in line
    assert "budget" in line and "case118+case533mt_hi" not in line.split("paper's best of")[1]


def test_a_study_systems_buses_count_the_ts_and_every_ds():
    """One count of a study system's size (`forlab.grid.td.StudySystem.buses`, ``ds_buses``), which chapters 02, 05,
    08 and 12 record."""
    from forlab.grid.td import StudySystem

    system = StudySystem("x", ts=SimpleNamespace(bus=range(9)), ds={"a": SimpleNamespace(bus=range(33)),
                                                                      "b": SimpleNamespace(bus=range(69))},
                         pcc=pd.DataFrame())
    assert (system.buses, system.ds_buses) == (9 + 33 + 69, 33 + 69)


def _violation_case(mismatch: float, f: float | None):
    """One case with two generator violations after the T+D power flow and one DS with the given PCC mismatch and
    f + m at the TSO's point (None: a store without f)."""
    r = pd.Series({"system": "s", "level": 1.0, "n_vm_violations": 0, "n_branch_violations": 0, "n_gen_violations": 2,
                   "max_vm_violation_pu": 0.0, "max_gen_violation_mw": 1.5})
    pts = pd.DataFrame({"system": ["s"], "level": [1.0], "ds": ["d"], "mismatch": [mismatch], "f": [f]})
    return r, pts if f is not None else pts.drop(columns="f")


def test_a_violation_is_put_down_to_a_false_feasible_point_only_where_a_ds_could_not_deliver():
    """Review finding: every infeasible case read "the TSO's point lies inside the offer but outside the real FOR of
    no DS ... a false-feasible point of the offer", also with no PCC mismatch at all."""
    none = ch05.text._violation_line(*_violation_case(0.0, -0.1))
    assert "FOR of no DS" not in none and "false-feasible" not in none and "inside the offer" not in none
    assert "no DSO reports a PCC mismatch, yet the T+D power flow shows 0 voltage, 0 branch and 2 generator" in none
    assert "the store does not say which part of the coordination caused them" in none
    inside = ch05.text._violation_line(*_violation_case(0.02, -1e-9))
    assert ("the TSO's point lies inside the offer but outside the real FOR of d (f + m = -1.0e-09 at the chosen "
            "point, mismatch 0.020), a false-feasible point of the offer") in inside
    outside = ch05.text._violation_line(*_violation_case(0.02, 0.05))
    assert "lies outside the offer of d (f + m = 5.0e-02" in outside and "false-feasible" not in outside
    unknown = ch05.text._violation_line(*_violation_case(0.02, None))
    assert "the DSO of d (mismatch 0.020) could not deliver" in unknown and "inside the offer" not in unknown


def test_the_pcc_points_on_the_surface_are_counted_from_the_store(archived):
    """Review finding: the page said the TSO's point "usually sits on the offered region's surface"; in the archived
    store only a few of its points do. The count is the store's, under the PCC table, and the prose claims no
    frequency."""
    pts = ch05.pcc_points(archived)
    on = int((pts.f.abs() <= ch05.SURFACE_TOL).sum())
    inside = pts[pts.f < -ch05.SURFACE_TOL]
    text = ch05.surface_text(pts)
    assert on < len(pts) / 2 and on + len(inside) == len(pts)
    assert text == (f"Of the {len(pts)} PCC points the TSO chose, {on} points lie on the offered region's surface "
                    f"($|f + m|$ at most 1e-06) and {len(inside)} points inside it ($f + m$ from "
                    f"{inside.f.min():.3f} to {inside.f.max():.3f}).")
    one_out = pts.assign(f=[0.01] + [-0.1] * (len(pts) - 1))
    assert ch05.surface_text(one_out).endswith("no point lies on the offered region's surface ($|f + m|$ at most "
                                              f"1e-06) and {len(pts) - 1} points inside it ($f + m$ from -0.100 to "
                                              "-0.100); 1 point outside it ($f + m$ up to 1.0e-02).")
    prose = " ".join(" ".join(sources(NOTEBOOK, "markdown")).split())
    assert "usually sits on the offered region's surface" not in prose
    assert "the sentence under the PCC table counts both" in prose and "largest system of the run" not in prose
    assert "display(Markdown(ch05.surface_text(pts)))" in code_of(NOTEBOOK)


def test_the_start_choice_is_read_from_the_dsos_evidence(archived):
    """Why a DSO dispatched cold: its offline trials, whose totals the sentence prints for every cold choice (which
    DSOs chose cold is the archived run's timings' verdict, so the test reads them from the store); and where a
    chosen library start lost online to the cold start timed beside it. A store without the evidence has no
    sentence."""
    d = table(archived, "dso_row", "dso_")
    text = ch05.start_choice_text(archived)
    cold = d[d.start_choice == "cold"]
    assert f"{len(cold) or 'none'} of the {len(d)} (one per DS and load level) kept the cold start" in text
    for r in cold.itertuples():  # every cold choice with its trials' totals (which DSOs: the archived run's timings)
        assert (f"{r.ds} of {r.system} at {100 * r.level:.0f} % (over its {r.start_trials:.0f} trials: library "
                f"{1e3 * r.start_trial_warm_s:.1f} ms in "
                f"{r.start_trial_warm_iterations:.0f} iterations, cold {1e3 * r.start_trial_cold_s:.1f} ms in "
                f"{r.start_trial_cold_iterations:.0f})") in text
    warm = d[d.start == "warm"]
    lost = warm[warm.solve_time_s > warm.cold_solve_time_s]
    if len(lost) > 1:
        worst = lost.loc[(lost.solve_time_s - lost.cold_solve_time_s).idxmax()]
        assert f"in {len(lost)} of its {len(warm)} dispatches, by the most for {worst.ds} of {worst.system}" in text
    elif len(lost):
        assert f"in 1 of its {len(warm)} dispatches: {lost.ds.iloc[0]} of {lost.system.iloc[0]} at " in text
    else:
        assert "was slower online" not in text
    assert ch05.start_choice_text(_coordination_store()) == ""


def test_by_the_most_only_where_more_than_one_library_start_lost(archived):
    """Review B #12: "by the most for" compares several dispatches; the default run lost one, and the sentence named
    it "by the most". One lost dispatch is named plainly, several by the one that lost by the most (both from the
    archived store: as it is, and with all but the first lost dispatch dropped)."""
    d = table(archived, "dso_row", "dso_")
    lost = ((d.start == "warm") & (d.solve_time_s > d.cold_solve_time_s)).to_numpy()
    assert lost.sum() > 1  # the archived run lost several
    assert "dispatches, by the most for " in ch05.start_choice_text(archived)
    keep = ~lost | (np.cumsum(lost) == 1)
    one = archived.isel(dso_row=np.flatnonzero(keep))
    first = d[lost].iloc[0]
    n_warm = int(((d.start == "warm") & keep).sum())
    text = ch05.start_choice_text(one)
    assert (f"slower online than the cold start timed beside it in 1 of its {n_warm} dispatches: {first.ds} of "
            f"{first.system} at {100 * first.level:.0f} % ({1e3 * first.solve_time_s:.1f} ms in "
            f"{first.iterations:.0f} iterations against {1e3 * first.cold_solve_time_s:.1f} ms in "
            f"{first.cold_iterations:.0f}).") in text
    assert "by the most" not in text


def test_the_violations_column_says_which_kinds_a_store_keeps(archived):
    """Review B #4: the page said its column "violations" counts every kind of `forlab.opf.judge.VIOLATION_KINDS`,
    but the archived paper-scale store does not keep the angle-difference count, so its column sums the other kinds;
    its feasibility verdict (the judge's ``feasible``, set from every kind at the commit that wrote it) still checks
    angle limits. The store says which kinds it keeps; a line under its tables says so, none under a complete store."""
    held = [c for c in VIOLATION_COUNTS if c in archived]
    assert held == [c for c in VIOLATION_COUNTS if c != "n_angle_violations"]
    assert (f'This store does not keep the {VIOLATION_KINDS["n_angle_violations"]} count: its column "violations" '
            f"sums the {listed(VIOLATION_KINDS[c] for c in held)} counts only. Its feasibility verdict (`feasible`, "
            "by which the lines below count the load levels with violations) still includes the "
            f"{VIOLATION_KINDS['n_angle_violations']} limits.") == ch05.violations_text(archived)
    t, printed, _ = ch05.coordination_table(archived)
    assert (printed.violations.astype(int).to_numpy() == t[held].sum(axis=1).to_numpy()).all()
    complete = archived.assign(n_angle_violations=("case", np.zeros(archived.sizes["case"], int)))
    assert ch05.violations_text(complete) == ""
    # review C, item 20: a store that keeps no count at all raised IndexError (no kind to list); it says it sums none
    none = archived.drop_vars(held)
    lacks = listed(VIOLATION_KINDS[c] for c in VIOLATION_COUNTS)
    assert ch05.violations_text(none) == (
        f'This store does not keep the {lacks} counts: its column "violations" sums none of them (a zero there '
        "counts nothing). Its feasibility verdict (`feasible`, by which the lines below count the load levels with "
        f"violations) still includes the {lacks} limits.")
    prose = " ".join(prose_of(NOTEBOOK).split())
    assert "`forlab.opf.judge.ANGLE_TOL_RAD`: every kind of" not in prose
    assert ("summed over the kinds of `forlab.opf.judge.VIOLATION_KINDS` the store keeps: every kind, or, for a store "
            "that lacks one, the others (a line under its tables says which)") in prose
    assert re.findall(r"ch05\.violations_text\((\w+)\)", code_of(NOTEBOOK)) == ["st", "big"]  # under both stores


def test_ipopts_own_time_is_the_solver_time_throughout_the_page(archived):
    """Review B #6: the tables said "solver time" (the glossary's word), the figure's caption and axis "solve time"."""
    page = " ".join([prose_of(NOTEBOOK), *captions_of(NOTEBOOK), *ch05.CASE_TABLE_TITLES])
    assert not re.search(r"\bsolve times?\b", page) and "and solver times (right;" in page
    fig = ch05.deviation_figure(ch05.coordination_table(archived)[0])
    assert fig.axes[1].get_ylabel() == "solver time (ms)"


def test_the_prose_leaves_the_fallback_for_stores_without_bus_counts_to_the_code(archived):
    """Review B #13: the page explained what the note does for a store without bus counts; both stores it shows
    hold them (the default run's from `case_study`, `test_a_sweep_builds_one_model_per_ds_with_the_offers_and_dispatch_
    of_one_per_level`), so the parenthesis is gone and the code keeps the fallback (`_focus_system`)."""
    assert "n_bus" in table(archived, "case")
    prose = " ".join(prose_of(NOTEBOOK).split())
    assert "the last system listed" not in prose
    assert "would ask of the DSO on the system of the run with the most buses. The reduction" in prose
    assert ch05.text._focus_system(["a", "b"], None) == ("b", "the last system listed")


def test_iterations_need_the_iteration_columns():
    assert ch05.coordination_iterations(_coordination_store().drop_vars("integrated_iterations")) is None


def test_table_summary_and_targets(archived):
    t, printed, per_sys = ch05.coordination_table(archived)
    assert printed.index.names == ["system", "load (%)"] and len(printed) == len(t) == 15
    assert "DSO max, cold start (ms)" in printed and "deviation (%)" in printed
    assert list(per_sys.index) == list(dict.fromkeys(t.system))
    summary = ch05.summary_text(per_sys)
    assert summary.startswith("Per system, over the load levels:\n\n- **case9+case33bw**: mean cost deviation")
    targets = ch05.coordination_targets(per_sys)
    assert f"({int((per_sys.dev <= anchors.value('p1_deviation_pct')).sum())} of 5 systems)" in targets
    # the paper's "up to" is its best over its cases: held against the best over all systems and load levels, met or
    # missed as the store's best says (both wordings: test_targets_say_met_and_name_the_misses)
    met = per_sys.red_max.max() >= anchors.value("p1_time_reduction_pct")
    time_item = f"the paper's best time reduction, {RED} (the line \"time\" below"
    assert (time_item in targets.split(" Missed: ")[0]) == met and "largest" not in targets


def test_targets_say_met_and_name_the_misses():
    per_sys = pd.DataFrame({"dev": [0.01, 0.1], "red": [10.0, 50.0], "red_max": [20.0, 60.0], "viol": [0, 1]},
                           index=pd.Index(["a", "b"], name="system"))
    text = ch05.coordination_targets(per_sys)
    met, missed = text.split(" Missed: ")
    assert "(1 of 2 systems; missed on b)" in missed and f"the paper's best time reduction, {RED}" in met
    assert missed.endswith("no violation after the T+D power flow (1 load level with violations).")


def test_the_time_target_is_the_best_over_all_systems_like_the_papers_up_to():
    """The paper's 58.11 % is its best reduction, no system named: a store whose best case reaches it meets the
    target even when its largest system (the last) does not, and one whose best falls short misses it."""
    per_sys = pd.DataFrame({"dev": [0.01, 0.01], "red": [40.0, -70.0], "red_max": [60.0, 30.0], "viol": [0, 0],
                            "failed": [0, 0]}, index=pd.Index(["small", "large"], name="system"))
    item = f"the paper's best time reduction, {RED}"
    assert item in ch05.coordination_targets(per_sys).split(" Missed: ")[0]
    assert item in ch05.coordination_targets(per_sys.assign(red_max=[50.0, 30.0])).split(" Missed: ")[1]
    assert item in ch05.coordination_targets(per_sys.assign(red_max=[np.nan, np.nan])).split(" Missed: ")[1]


def test_points_and_misses(archived):
    pts = ch05.pcc_points(archived)
    assert np.allclose(pts.offer_vs_true_cost, pts.offer_cost - pts.fpu_cost)
    assert len(pts) == archived.sizes["pcc_row"]
    t, _, per_sys = ch05.coordination_table(archived)
    done = t[ch05.readers._ok(t)]  # the rule of coordination_misses: a violation, or a PCC mismatch above 1e-6
    clean = len(done) == len(t) and done.feasible.astype(bool).all() and (done.pcc_mismatch <= 1e-6).all()
    within = (per_sys.dev <= anchors.value("p1_deviation_pct")).all()
    assert ch05.coordination_misses(archived).startswith("No case has a violation") == bool(clean and within)
    assert ch05.coordination_misses(archived, target_pct=100.0).startswith("No case has a violation") == bool(clean)
    # held to 0.01 %, the systems above it are listed, each with its mean deviation, in the order of the run
    misses = ch05.coordination_misses(archived, target_pct=0.01).splitlines()
    above = per_sys[per_sys.dev > 0.01]
    assert len(above) and [line.split(" %")[0] for line in misses] == [
        f"- {name}: mean deviation {dev:.4f}" for name, dev in above.dev.items()]
    assert all("against the target of 0.01 %" in line for line in misses)
    assert ch05.paper_misses_text(archived).endswith(ch05.target_misses(archived))


def test_target_misses_name_what_is_met_and_what_is_missed(archived):
    """Both verdicts of the time target on the archived store, its reductions moved so that the best lies 10 points
    below and 10 above the paper's best (the archived run's own verdict depends on the machine's timings); the
    deviation target as the store has it."""
    _, _, per_sys = ch05.coordination_table(archived)
    within = int((per_sys.dev <= anchors.value("p1_deviation_pct")).sum())
    deviation = f"mean cost deviation at most {DEV} ({within} of {len(per_sys)} systems)"
    shift = anchors.value("p1_time_reduction_pct") - per_sys.red_max.max()
    slower = archived.assign(time_reduction_parallel_pct=archived.time_reduction_parallel_pct + shift - 10)
    _, _, slow_sys = ch05.coordination_table(slower)
    met, missed = ch05.target_misses(slower).split(" Missed: ")
    assert deviation in (met if within == len(per_sys) else missed) and "no violation" in met
    item = f"the paper's best time reduction, {RED}"
    assert item not in met and missed.startswith(item) and ch05.text._time_line(slower, slow_sys) in missed
    assert f"is {slow_sys.red_max.max():.1f} % on {slow_sys.red_max.idxmax()}" in missed
    faster = archived.assign(time_reduction_parallel_pct=archived.time_reduction_parallel_pct + shift + 10)
    _, _, fast_sys = ch05.coordination_table(faster)
    met_text = ch05.target_misses(faster)
    assert item in met_text.split(" Missed: ")[0]
    # met or missed, the verdict is said once, with its numbers, in the time line
    assert f"- time: the best reduction over all systems and load levels is {fast_sys.red_max.max():.1f} %" in met_text
    if within == len(per_sys):
        assert "no violation after the T+D power flow. Missed: none.\n\n" in met_text
    # the miss is explained on the system with the most buses (the archived store has the bus counts)
    short = ch05.text._time_line(slower, slow_sys)
    largest = table(archived, "case").groupby("system").n_bus.max().idxmax()
    red, red_max = slow_sys.red[largest], slow_sys.red_max[largest]
    assert f"the best reduction over all systems and load levels is {slow_sys.red_max.max():.1f} %" in short
    assert (f"On the largest system ({table(archived, 'case').n_bus.max()} buses), {largest}, the reduction is "
            f"{red:.1f} % on average and {red_max:.1f} % at its best load level") in short
    assert ("slower than the integrated AC-OPF even there" in short) == (red_max < 0)
    # a run of one system does not call it the largest
    one = ch05.text._time_line(slower, slow_sys.loc[[largest]])
    assert f"On {largest}, the one system of this run, the reduction" in one and "largest" not in one
    # a store that misses the deviation names the deviation and its explanation
    easy = ch05.target_misses(archived, target_pct=0.001)
    assert f"Missed: mean cost deviation at most 0.001 % (0 of {len(per_sys)} systems; missed on " in easy
    assert easy.count("mean deviation") == len(per_sys)


def test_printed_tables_fit_the_page(archived):
    _, printed, _ = ch05.coordination_table(archived)
    cost, time = ch05.case_printables(printed)
    assert list(cost.columns) == list(ch05.COST_COLUMNS)
    assert list(time.columns) == list(ch05.TIME_COLUMNS)  # the archived store has every column, the wall time too
    # a cost grouped as the anchors print one ("5 296.69 $/h"; fix G2: "2733.40")
    assert cost.iloc[0]["integrated cost ($/h)"] == grouped(printed["integrated cost ($/h)"].iloc[0], 2)
    assert cost.index[0] == ("case9+\u200bcase33bw", "60\u00a0%")
    assert cost.index.names == ch05.CASE_INDEX  # headed in the one header row (`forlab.book.tables.one_header_row`)
    it, per_it = ch05.iteration_printables(ch05.coordination_iterations(archived))
    assert list(it.columns) == list(ch05.ITERATION_COLUMNS.values())
    assert list(per_it.columns) == list(ch05.PER_ITERATION_COLUMNS.values()) and (per_it.index == it.index).all()
    pts = ch05.pcc_printable(ch05.pcc_points(archived))
    assert list(pts.columns) == list(ch05.PCC_COLUMNS.values()) and len(pts) == archived.sizes["pcc_row"]
    for frame in (cost, time, it, per_it, pts):
        assert not frame.isna().any().any() and all("_" not in c for c in frame.columns)
        assert frame.index.names == ch05.CASE_INDEX


def test_the_paper_text_names_its_store_by_the_line_of_every_paper_scale_section(archived):
    """Fix K1, item 1: the chapter wrote `forlab.book.store.paper_origin`'s line itself."""
    assert ch05.paper_text(archived).startswith(f"{store.paper_origin(archived)}\n\n")


def test_the_paper_summary_follows_the_store_sentences_under_its_own_heading(archived):
    """Session 58: the store's line ended in ":" before the per-system bullets, after a parenthesis that held every
    parameter; the origin and the parameters are sentences of their own now, and the bullets come under their own
    heading sentence (`summary_text`), as the chapter's own run prints them."""
    _, _, per_sys = ch05.coordination_table(archived)
    origin = f"{store.origin_text(archived)}. It ran with {store.parameters_text(archived)}."
    assert ch05.paper_text(archived).startswith(f"{origin}\n\n{ch05.summary_text(per_sys)}\n\n")
    assert not any(hasattr(m, "parameters_text") for m in (ch05, *CH05_FILES))


def test_paper_text_and_figure(archived):
    text = ch05.paper_text(archived)
    assert text.startswith(f"From `{archived.attrs['store_path']}` (commit `{archived.attrs['git_commit'][:7]}`")
    _, _, per_sys = ch05.coordination_table(archived)
    assert ch05.coordination_targets(per_sys) not in text  # judged once, in `paper_misses_text`
    # the archived store carries the whole outcome record: nothing is said to be missing
    assert "written before they were recorded" not in text and text.endswith(ch05.PAPER_TARGETS_POINTER)
    old = archived.drop_vars(["wall_time_s", "status"])  # a store from before the record says what it lacks
    assert ch05.paper_text(old).endswith("(it was written before they were recorded; `forlab run 05_coordination "
                                         "--profile paper` writes them).") and "`wall_time_s`" in ch05.paper_text(old)
    t, _, _ = ch05.coordination_table(archived)
    fig = ch05.deviation_figure(t)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == t.system.nunique() + 1  # one per system + the bound
    assert len(fig.legends) == 1 and fig.get_figwidth() <= 7.5  # one legend for both panels, drawn for the column
    # review J #2: the integrated AC-OPF was drawn in P1's blue, the first system's colour; no system has a method's
    methods = {to_hex(s["color"]) for s in plots.METHOD_STYLE.values()}
    drawn = {to_hex(ln.get_color()) for a in fig.axes for ln in a.lines} - {to_hex("grey")}  # the paper's bound
    assert drawn and not drawn & methods and drawn <= {to_hex(c) for c in plots.SYSTEM_COLOURS}


def test_the_integrated_ac_opf_is_black_in_the_deviation_figure_as_in_its_legend(archived):
    """Review R2, item 3: Fig. 13 drew the integrated AC-OPF in the system's red while its legend key was black, the
    one page where the baseline was not black (`forlab.book.plots.METHOD_STYLE`). Its squares are black now, on a
    dashed line in the system's colour (with five systems, each dashed line still pairs with the solid line it is
    compared with); P1's lines stay in `forlab.book.plots.SYSTEM_COLOURS`, and the legend's key draws the squares
    black too."""
    t, _, _ = ch05.coordination_table(archived)
    fig = ch05.deviation_figure(t)
    black = to_hex(plots.METHOD_STYLE["integrated"]["color"])
    central = [ln for ln in fig.axes[1].lines if ln.get_marker() == plots.METHOD_STYLE["integrated"]["marker"]]
    online = [ln for ln in fig.axes[1].lines if ln.get_marker() == plots.METHOD_STYLE["P1"]["marker"]]
    systems = [to_hex(c) for c in plots.SYSTEM_COLOURS]
    assert len(central) == len(online) == t.system.nunique()
    for ln in central:
        assert to_hex(ln.get_markerfacecolor()) == to_hex(ln.get_markeredgecolor()) == black
        assert to_hex(ln.get_color()) in systems and ln.get_linestyle() == "--"
    assert [to_hex(ln.get_color()) for ln in central] == [to_hex(ln.get_color()) for ln in online]
    (key,) = [h for h in fig.legends[0].legend_handles if h.get_label() == plots.METHOD_STYLE["integrated"]["label"]]
    assert to_hex(key.get_markerfacecolor()) == black and to_hex(key.get_color()) not in systems


def test_the_paper_scale_run_has_its_deviation_figure(archived):
    """Review R2, item 3: the paper-scale run (five systems, three load levels) was three tables only. The paper
    section draws `deviation_figure` on its store's table, right after its tables and summary, one P1 marker per
    case of the table in each panel, under its own caption; the iteration tables follow in a cell of their own."""
    t, _, _ = ch05.coordination_table(archived)
    fig = ch05.deviation_figure(t)
    p1 = plots.METHOD_STYLE["P1"]["marker"]
    for ax in fig.axes:
        assert sum(len(ln.get_xdata()) for ln in ax.lines if ln.get_marker() == p1) == len(t)
    assert fig.axes[1].get_yscale() == "log" and fig.get_figwidth() <= plots.STYLE["figure.figsize"][0]
    code = sources(NOTEBOOK, "code")
    at = next(i for i, c in enumerate(code) if "ch05.paper_text(big)" in c)
    assert code[at + 1] == ("if big is not None:\n    fig = ch05.deviation_figure(ch05.coordination_table(big)[0])\n"
                            "    plt.show()")
    assert "ch05.coordination_iterations(big)" in code[at + 2] and "coordination_iterations" not in code[at]
    assert any(c.startswith("The paper-scale run in the panels of the default run's figure")
               for c in captions_of(NOTEBOOK))


def test_case_study_refuses_a_system_of_another_name_and_bad_baselines():
    """The chapter-12 keywords fail clearly before any work: a built system must be the named one, baselines a
    dict of load level -> Baseline."""
    from forlab.grid import td

    system = td.load_system("case9+case33bw")
    with pytest.raises(ValueError, match="system= is the study system 'case9\\+case33bw', not 'case30"):
        ch05.case_study("case30+case33bw", [1.0], system=system, progress=False)
    with pytest.raises(TypeError, match="Baseline"):
        ch05.case_study("case9+case33bw", [1.0], system=system, baselines={1.0: 12.5}, progress=False)
    with pytest.raises(TypeError, match="dict load level"):
        ch05.case_study("case9+case33bw", [1.0], system=system, baselines=[1.0], progress=False)


def test_a_sweep_builds_one_model_per_ds_with_the_offers_and_dispatch_of_one_per_level(monkeypatch):
    """Issue 16: `case_study` builds each DS's model once and re-uses it across the load levels (loads set, not built
    again), with the offer and the DSO's dispatch of a model built at the level."""
    from forlab.grid import td
    from forlab.p1_for.coordinate import DSOAgent
    from forlab.p1_for.dso_opf import DSOModel

    fit = {"n_labelled": 100, "n_cost": 30, "degrees": (4,), "convex_options": (False,), "regs": (1e-5,)}
    system = td.load_system("case9+case33bw")
    built = []
    init = DSOModel.__init__

    def counted(self, ds_net, **kwargs):
        built.append(ds_net.name)
        init(self, ds_net, **kwargs)

    monkeypatch.setattr(DSOModel, "__init__", counted)
    rows, offers = ch05.case_study(system.name, [0.9, 1.0], n_directions=20, face_grid=2, n_workers=0, fit_options=fit,
                                   progress=False, warm_library=False, repeats=1, system=system)
    assert len(built) == 1 and all(r["dso_success"] for r in rows), [r["status"] for r in rows]
    assert [r["n_bus"] for r in rows] == [system.buses] * 2  # the size the readers call largest by
    options = {"n_directions": 20, "face_grid": 2, "n_workers": 0, "address": None, "client": None, **fit}
    dsn = system.ds["case33bw"]
    offer, _, agent, _ = ch05.study._offline(ch05.study._pcc_ids(system, system.name, 1.0)["case33bw"], "case33bw", dsn, 1.0, False,
                                      options)
    assert len(built) == 2  # without the sweep's models, built at the level
    assert offer.to_dict() == offers[(1.0, "case33bw")].to_dict()
    pt = rows[1]["points"].iloc[0]
    mine = agent.dispatch([pt.p_mw, pt.q_mvar, pt.vm_pu])["sample"]
    assert isinstance(agent, DSOAgent) and mine.fpu_cost == rows[1]["dso"].fpu_cost.iloc[0]


def _one_system(archived, name="case9+case33bw"):
    """The archived store cut to one study system (its cases, PCC points and DSO rows)."""
    return archived.isel(case=archived.system.values == name, pcc_row=archived.pt_system.values == name,
                         dso_row=archived.dso_system.values == name)


def test_counts_read_as_words(archived):
    """No "(s)" and no "all 2 cases": a count takes its number, none reads "no", two cases read "both"."""
    per_sys = pd.DataFrame({"dev": [0.01], "red": [10.0], "red_max": [20.0], "viol": [0], "failed": [1]},
                           index=pd.Index(["a"], name="system"))
    summary = ch05.coordination_summary(per_sys)
    assert "no load level with violations" in summary and "; 1 load level failed (no deviation" in summary
    assert "(s)" not in summary
    note = ch05.coordination_time_note(ch05.coordination_iterations(_coordination_store()))
    assert "Over both cases the chosen start" in note and "no case asked the DSO" in note and "(s)" not in note
    assert "x the iterations of a cold start" in note and " times the" not in note  # ratios attached: "0.13x"
    one = _one_system(archived)
    text = ch05.target_misses(one, target_pct=0.001)
    assert "(0 of 1 system; missed on " in text and "Met: no violation after the T+D power flow." in text
    assert "the margin $m$ of {doc}`04_for_representation`" in text and "(chapter 04)" not in text
    assert "Over all 15 cases" in ch05.coordination_time_note(ch05.coordination_iterations(archived))


def test_a_point_on_the_surface_prints_no_negative_zero(archived):
    pts = ch05.pcc_points(archived)
    pts["f"] = -1e-9
    assert set(ch05.pcc_printable(pts)["f + m"]) == {"0.0000"}


def test_every_table_has_a_title_and_units(archived):
    """Tables displayed one after the other render as one grid: each gets a title, and the iteration
    headers say what they count. The wall clock and model building of both sides are shown beside the online wall
    time."""
    tables = ch05.case_tables(archived)
    assert [title for title, _ in tables] == list(ch05.CASE_TABLE_TITLES)
    wall = tables[2][1]
    assert list(wall.columns) == list(ch05.WALL_COLUMNS.values()) and "online wall (ms)" not in tables[1][1]
    r = table(archived, "case").iloc[0]
    assert wall.iloc[0]["TSO wall (ms)"] == f"{1e3 * r.tso_wall_time_s:.1f}"
    assert wall.iloc[0]["online wall (ms)"] == f"{1e3 * r.wall_time_s:.1f}"
    iterations = ch05.iteration_tables(ch05.coordination_iterations(archived))
    assert [title for title, _ in iterations] == list(ch05.ITERATION_TABLE_TITLES)
    assert all(c.endswith("(iterations)") for c in iterations[0][1].columns)
    # the name column holds a DS, beside the slowest DSO's time per iteration
    assert list(iterations[1][1].columns) == ["slowest DS", "integrated AC-OPF (ms/iteration)",
                                              "slowest DSO (ms/iteration)"]
    assert iterations[1][1]["slowest DS"].isin(table(archived, "dso_row", "dso_").ds).all()
    # a store from before the wall times and builds were recorded shows no empty third table
    old = archived.drop_vars([v for v in ch05.WALL_COLUMNS if v in archived])
    assert [title for title, _ in ch05.case_tables(old)] == list(ch05.CASE_TABLE_TITLES[:2])


def test_the_notebook_shows_its_titled_tables_through_the_books_one_helper():
    """Titled tables go through `forlab.book.tables.titled` as in every chapter, no loop of the notebook's own."""
    code = code_of(NOTEBOOK)
    shown = re.findall(r"display\(\*tables\.titled\(ch05\.(\w+)\(", code)
    assert shown == ["case_tables", "iteration_tables"] * 2  # the chapter's store, then the paper-scale one
    assert "Markdown(label)" not in code and "for label" not in code


def _slope_case(offered=(19.4, 23.4), true=(19.6, 21.9)):
    """One system, one DS, two load levels missing the deviation target, with the offered and true marginal prices
    of import (as the store keeps them: negative, what one more MW saves the DSO)."""
    levels = [0.8, 1.0]
    t = pd.DataFrame({"system": "s", "level": levels, "deviation_pct": [0.11, 0.06]})
    pts = pd.DataFrame({"system": "s", "level": levels, "ds": "d", "offer_cost": [165.8, 349.9],
                        "fpu_cost": [172.7, 348.4]})
    dso = pd.DataFrame({"system": "s", "level": levels, "ds": "d", "offer_slope_p": -np.asarray(offered),
                        "true_slope_p": -np.asarray(true)})
    return t, pts, dso


def test_the_deviation_is_put_down_to_the_slope_only_where_the_slope_is_off():
    """The default run: at 80 % the slope is 1 % off and the deviation largest, so the wrong rate is given as the
    cause at 100 % only; nothing claims the fit is worst where the TSO lands."""
    t, pts, dso = _slope_case()
    line = ch05.text._deviation_line("s", pd.Series({"dev": 0.085}), t, pts, dso, 0.058)
    assert "80 %: offered 19.4 against true 19.6 (1.0 % off), 100 %: offered 23.4 against true 21.9 (6.8 % off)" in line
    assert (f"At 100 % load the offered slope is off by more than {ch05.SLOPE_AGREES_PCT:g} %: there the TSO trades DS "
            "flexibility against its own generators at the wrong rate") in line
    assert (f"At 80 % load the slopes agree within {ch05.SLOPE_AGREES_PCT:g} %, so the slope in P does not explain it "
            "there (the price's slopes in Q and V are not compared); the deviation can come from the region itself") in line
    assert "where the fit is worst" not in line and "When the offered slope is off" not in line
    agree = ch05.text._deviation_line("s", pd.Series({"dev": 0.085}), *_slope_case(offered=(19.5, 22.0)), 0.058)
    assert "wrong rate" not in agree and "At 80 % and 100 % load the slopes agree" in agree
    # a store from before the slopes were recorded: both causes stay possibilities
    old = ch05.text._deviation_line("s", pd.Series({"dev": 0.085}), t, pts, dso.drop(columns="true_slope_p"), 0.058)
    assert "When the offered slope is off, the TSO trades" in old and "; where it agrees, the deviation can" in old


def test_the_tso_equation_defines_its_symbols_and_the_text_points_to_the_paper_scale_run():
    cells = sources(NOTEBOOK, "markdown")
    tso = next(c for c in cells if "(p1-tso)" in c)
    for symbol in ("$x_j = (P_j, Q_j, V_j)$", "$\\tilde x_j$ is the same point normalised", "$f_j$ is its",
                   "$m_j$ its margin", "$C_j$ its quadratic price"):
        assert symbol in tso, symbol
    assert any("case118+case533mt_hi in the paper-scale run below" in c for c in cells)


def _shown(st: xr.Dataset, big: xr.Dataset | None = None) -> list:
    """Every text and table notebook 05 shows of the store ``st`` (its default section) and of ``big`` (its
    paper-scale section), in its order; figures aside."""
    it, pts = ch05.coordination_iterations(st), ch05.pcc_points(st)
    shown = [*ch05.case_tables(st), ch05.violations_text(st), ch05.summary_text(ch05.coordination_table(st)[2]),
             *ch05.iteration_tables(it), ch05.coordination_time_note(it), ch05.start_choice_text(st),
             ch05.pcc_printable(pts), ch05.surface_text(pts), ch05.target_misses(st)]
    if big is not None:
        bit = ch05.coordination_iterations(big)
        shown += [*ch05.case_tables(big), ch05.violations_text(big), ch05.paper_text(big),
                  *ch05.iteration_tables(bit), ch05.coordination_time_note(bit), ch05.start_choice_text(big),
                  ch05.paper_misses_text(big)]
    return shown


def test_every_number_the_page_prints_is_grouped_from_a_thousand_on(archived):
    """Fix G2: the costs table printed "5163.67" and "129596.44" $/h where the anchors print "5 296.69 $/h". Every
    number of the page that can reach a thousand (costs, times, iterations, buses, time reductions, counts) takes the
    book's one grouping, `forlab.book.tables.grouped`: no text or table the notebook shows of the archived store, in
    both its sections, prints one without it."""
    ids = [i for i in [archived.attrs.get("cpu_model", "")] if i]  # an empty id would blank every character
    found = {i: ungrouped(page_text(s), ids=ids) for i, s in enumerate(_shown(archived, archived))}
    assert not {i: f for i, f in found.items() if f}, found
    # the store has such numbers where the page prints them: the check is not empty
    assert (table(archived, "case").integrated_cost >= 1000).any()
    # the sentences group too, where a larger run reaches a thousand
    largest = ch05.text._focus_system(["a", "b"], pd.Series({"a": 1354, "b": 9}))[1]
    assert largest == f"the largest system ({grouped(1354)} buses)"
    slow = archived.assign(**{c: 1e3 * archived[c] for c in ("integrated_solve_time_s", "tso_time_s", "dso_time_max_s",
                                                             "solve_time_s")})
    verdict = ch05.text._time_verdict(slow, ch05.coordination_table(slow)[2])
    assert not ungrouped(page_text(verdict)) and re.search(r"\d \d{3}\.\d ms", verdict)


def test_the_deviation_verdict_says_how_close_each_system_lies_to_the_bound(archived):
    """Review R3, finding 1: "met on 5 of 5" hid that one system lies close to the bound (its verdict holds for the
    offers drawn; chapter 08 draws others) while the others meet it by a wide margin; the notebook said more samples
    are the lever, which chapter 08's runs contradict, and judged the small default run as a test of the paper."""
    _, _, per_sys = ch05.coordination_table(archived)
    bound = anchors.value("p1_deviation_pct")
    share = per_sys.dev / bound
    near, below = per_sys.dev[(share - 1).abs() <= ch05.NEAR_BOUND_SHARE], per_sys.dev[share < 1 - ch05.NEAR_BOUND_SHARE]
    line = next(ln for ln in ch05.target_misses(archived).splitlines() if ln.startswith("- deviation: "))
    assert len(near) and len(below)  # the archived run has both kinds, so both halves of the line are read
    for name, dev in near.items():
        assert name in line and f"{dev:.4f} % ({100 * dev / bound:.0f} % of the bound)" in line
    assert "lies close to the bound" in line and "{doc}`08_sensitivity`" in line
    assert f"meet it by a wide margin, at most {below.max():.4f} % ({100 * below.max() / bound:.0f} % of the bound)" in line
    prose = prose_of(NOTEBOOK)
    assert "are the levers on the first two" not in prose and "does not measure how far" not in prose
    assert "{doc}`08_sensitivity` compares P1's offers of other budgets" in prose
    assert "does not fall with the budget" in prose
    assert "targets are those of a small run, not a test of the paper's claim" in prose


def test_the_time_verdict_is_said_once_with_its_conditions_and_the_miss_in_ms(archived):
    """Review R3, findings 2 and 9: the time verdict was said four times, without what was timed, how the DSOs
    start (the cold reduction kept in the store but shown nowhere) and that the paper does not say what it timed;
    its miss is now also in ms, from the best case's own times."""
    t = table(archived, "case")
    c = t.loc[t.time_reduction_parallel_pct.idxmax()]
    online, integrated = 1e3 * c.solve_time_s, 1e3 * c.integrated_solve_time_s
    allowed = (1 - anchors.value("p1_time_reduction_pct") / 100) * integrated
    _, _, per_sys = ch05.coordination_table(archived)
    verdict = ch05.text._time_verdict(archived, per_sys)
    met = c.time_reduction_parallel_pct >= anchors.value("p1_time_reduction_pct")
    gap = abs(round(online, 1) - round(allowed, 1))  # the archived times differ at one decimal
    assert (f"missed by {gap:.1f} ms" if not met else f"met with {gap:.1f} ms") in verdict
    assert f"took {online:.1f} ms where {allowed:.1f} ms would meet it, of the integrated AC-OPF's {integrated:.1f}" \
        in verdict
    assert "the solver's own time, the models prebuilt" in verdict and "offline library" in verdict
    assert f"the same case's reduction is {c.time_reduction_cold_pct:.1f} %" in verdict
    assert verdict.endswith("The paper's abstract does not say what it timed.")
    # once on the page's paper-scale section: the summary and the targets point to the time line
    page = ch05.paper_text(archived) + ch05.paper_misses_text(archived)
    assert page.count(verdict) == 1 and page.count(f"the paper's best of {RED}") == 1
    assert RED not in ch05.summary_text(per_sys)


def test_the_time_gap_is_the_difference_of_the_printed_times_and_the_online_time_is_the_stored_one(archived):
    """Final read, finding 11: the archived verdict printed a gap at two decimals beside its times at one, so that a
    reader subtracting the printed times got another gap; the online time was rebuilt from the TSO's and the slowest
    DSO's times rather than read from ``solve_time_s``, from which the reduction was computed; and the deviation
    verdict was derived twice (`target_misses` raised on a summary without ``failed``)."""
    number = r"(\d[\d ]*\.\d+)"
    pattern = rf"(?:missed by|met with) {number} ms.*?took {number} ms where {number} ms would meet it"

    def printed(st):
        gap, took, allowed = (float(x.replace(" ", "")) for x in re.search(
            pattern, ch05.text._time_verdict(st, ch05.coordination_table(st)[2])).groups())
        return gap, took, allowed

    gap, took, allowed = printed(archived)
    assert gap == pytest.approx(abs(took - allowed)) and gap > 0
    # the verdict's online time is the store's ``solve_time_s`` of the best case, not a sum rebuilt beside it
    t = table(archived, "case")
    best = t.time_reduction_parallel_pct.idxmax()
    apart = archived.copy()
    apart["tso_time_s"] = 2 * archived["tso_time_s"]
    assert printed(apart)[1] == printed(archived)[1] == round(1e3 * t.solve_time_s[best], 1)
    # one deviation verdict: a summary without ``failed`` is judged by both readers alike
    _, _, per_sys = ch05.coordination_table(archived)
    bound = anchors.value("p1_deviation_pct")
    ok = ch05.text._deviation_ok(per_sys.drop(columns="failed"), bound)
    assert ok.equals(per_sys.dev <= bound)
    assert f"({int(ok.sum())} of " in ch05.coordination_targets(per_sys.drop(columns="failed"), bound)
    # where one decimal prints no gap, more decimals do, and the printed gap is still their difference
    times, shown_gap = ch05.text._printed_ms(13.14, 13.12, 31.4)
    assert float(times[0]) - float(times[1]) == pytest.approx(float(shown_gap)) and float(shown_gap) > 0


def test_a_miss_says_which_level_carries_it_and_whether_its_cause_is_measured():
    """Review R3, finding 3: the default run's miss is carried by the 80 % level, where the slopes agree, yet the
    line explained the 100 % level; it now says which level carries the miss and that no cause is measured there,
    and the notebook no longer promises the numbers that explain every miss."""
    t, pts, dso = _slope_case()
    line = ch05.text._deviation_line("s", pd.Series({"dev": 0.085}), t, pts, dso, 0.08)
    assert ("The miss is carried by the load level 80 %: there the offered slope agrees with the true one within "
            f"{ch05.SLOPE_AGREES_PCT:g} %, and the store measures no cause of the miss.") in line
    both = ch05.text._deviation_line("s", pd.Series({"dev": 0.085}), t, pts, dso, 0.058)
    assert ("carried by the load levels 80 % and 100 %: at 100 % the offered slope is off by more than "
            f"{ch05.SLOPE_AGREES_PCT:g} %, the cause the store measures; at 80 % the offered slope agrees") in both
    assert "it is a possibility, not a finding" in line
    assert "explain every miss" not in prose_of(NOTEBOOK)


def test_the_dsos_size_is_said_once_and_no_sentence_runs_to_a_hundred_words():
    """Review R3, findings 8 and 9 (chapter 05): the DSO's problem "almost as large as the integrated one" was said
    three times; two sentences ran past a hundred words."""
    prose = prose_of(NOTEBOOK)
    assert len(re.findall(r"(almost|nearly) as\s+large as the integrated", prose)) == 2  # said once, pointed to once
    assert "(see \"Where the time goes\")" in prose
    text = "\n".join(ln for ln in prose.splitlines() if not ln.startswith("|"))  # tables are no sentences
    sentences = re.split(r"(?<=[.?!])\s+|\n\s*\n|\n- ", text)
    assert max(len(s.split()) for s in sentences) < 100, max(sentences, key=lambda s: len(s.split()))


def test_the_time_note_says_its_rate_is_total_time_over_total_iterations(archived):
    """Review R3, finding 11: "Means over the load levels" above a rate that is the total time over the total
    iterations (6.9 ms where the table's per-level rates average 6.1 ms): the note says what it computes, and its
    rates are that, from the per-level table."""
    it = ch05.coordination_iterations(archived)
    note = ch05.coordination_time_note(it)
    assert note.startswith(ch05.TIME_NOTE_HEAD) and "the total time over the total iterations" in note
    sums = it.groupby(level="system", sort=False).sum(numeric_only=True)
    for name, r in sums.iterrows():
        assert (f"- **{name}**: integrated {it.loc[name]['integrated: iterations'].mean():.0f} iterations at "
                f"{r['integrated: ms'] / r['integrated: iterations']:.1f} ms") in note
        assert f"at {r['DSO: ms'] / r['DSO warm: iterations']:.1f} ms; TSO" in note


def test_the_mismatch_headers_carry_their_unit(archived):
    """Review R3, finding 12: "PCC mismatch" and "mismatch" were the only headers without a unit."""
    costs = dict(ch05.case_tables(archived))[ch05.CASE_TABLE_TITLES[0]]
    assert "PCC mismatch (box-normalised)" in costs.columns and "PCC mismatch" not in costs.columns
    shown = ch05.pcc_printable(ch05.pcc_points(archived))
    assert "mismatch (box-normalised)" in shown.columns and "mismatch" not in shown.columns
