"""Chapter 02's tools: the shared plotting module, runopp from another start, and the benchmark script's report."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forlab import opf
from forlab.book import anchors, plots
from forlab.grid import cases, td
from forlab.opf import bench

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=RuntimeWarning)


@pytest.fixture(scope="module")
def small_system():
    return td.load_system("case9+case33bw")


def test_axis_label_carries_units():
    assert plots.axis_label("voltage magnitude", "p.u.") == "voltage magnitude (p.u.)"
    assert plots.axis_label("buses") == "buses"
    assert plots.axis_label("speed-up", "1") == "speed-up"


def test_layout_of_a_plain_feeder_covers_every_bus():
    net = cases.load("case33bw")
    layout = plots.bus_layout(net)
    assert list(layout.index) == list(net.bus.index)
    assert np.isfinite(layout[["x", "y"]].to_numpy()).all()
    assert len(layout[["x", "y"]].drop_duplicates()) == len(net.bus)


def test_system_tables_round_trip_through_a_store_and_draw(small_system, tmp_path):
    net = small_system.integrated()
    buses, branches = plots.system_tables(net)
    assert set(buses.zone) == {"TS", "case33bw"}
    assert (branches.kind == "pcc").sum() == len(small_system.pcc)
    assert (branches.kind == "tie").sum() == 5 and branches[branches.kind == "tie"].in_service.all()
    assert sorted(buses.fpu[buses.fpu != ""]) == sorted(td.fpus(net).kind)
    ts, ds = buses[buses.zone == "TS"], buses[buses.zone != "TS"]
    ts_radius = np.hypot(ts.x - ts.x.mean(), ts.y - ts.y.mean()).max()
    assert np.hypot(ds.x - ts.x.mean(), ds.y - ts.y.mean()).min() > ts_radius  # the DS sits outside the TS

    path = tmp_path / "drawing.nc"
    plots.tables_to_dataset(buses, branches).to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as stored:
        b2, br2 = plots.tables_from_dataset(stored.load())
    pd.testing.assert_frame_equal(b2[buses.columns], buses, check_dtype=False)
    pd.testing.assert_frame_equal(br2[branches.columns], branches, check_dtype=False)

    ax = plots.draw_system((b2, br2), title="t")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "PCC transformer" in labels and "case33bw feeder" in labels and "closed tie (feeder's colour)" in labels
    assert {f"FPU, {k} chart" for k in td.fpus(net).kind} <= set(labels)
    plt.close("all")


def test_runopp_start_reports_an_outcome_not_an_exception():
    out = bench.runopp_start(cases.load("case9"), "flat")
    assert set(out) == {"runopp_flat_success", "runopp_flat_status", "runopp_flat_objective", "runopp_flat_wall_time_s"}
    assert out["runopp_flat_wall_time_s"] > 0
    if out["runopp_flat_success"]:
        # runopp holds the slack voltage: its optimum is at least MATPOWER's
        assert out["runopp_flat_objective"] >= anchors.value("runopf_case9_usd_h") - 0.01
    else:
        assert np.isnan(out["runopp_flat_objective"])


def test_bench_script_reports_from_a_store(tmp_path, script):
    rows = bench.compare({"case9": cases.load("case9")}, repeats=1, runopp=False, progress=False)
    rows["runopp_flat_status"] = "not run"
    rows["published_objective"] = anchors.value("runopf_case9_usd_h")
    frame = rows.rename(columns=lambda c: f"net_{c}")
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype(str)
    ds = xr.Dataset.from_dataframe(frame)
    ds.attrs.update(parameters="{}", git_commit="test")
    path = tmp_path / "store.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    text = script("bench_opf").report(path)
    assert "case9" in text and "validation against MATPOWER" in text and "Solve_Succeeded" in text
    # a failed solve's time never meets the case1354pegase target, however short it was
    failed = ds.assign_coords(net=["case1354pegase"])
    failed["net_forlab_success"][:] = False
    failed["net_forlab_status"][:] = "Infeasible_Problem_Detected"
    failed.to_netcdf(tmp_path / "failed.nc", engine="h5netcdf")
    text = script("bench_opf").report(tmp_path / "failed.nc")
    assert "case1354pegase solve failed (Infeasible_Problem_Detected; target <= 2 s: MISSED)" in text


def test_bench_script_takes_its_parameters_as_forlab_run_does(script, monkeypatch, capsys):
    """Session 55, A3: ``bench_opf.py -p`` took ``NAME VALUE`` pairs only, while ``forlab run -p`` takes
    ``NAME=VALUE`` too: it now parses them with the command's own `forlab.book.cli.split_assignments`, and a name
    given twice is refused as ``forlab run`` refuses it (`forlab.book.runner.check_once`), before any kernel."""
    from forlab.book import cli, runner

    bench_opf = script("bench_opf")
    argv = ["-p", "repeats=5", "--parameter", "runopp_cases", '["case9"]', "--parameter=draw_system=a=b"]
    asked = []

    def run_chapter(root, chapter, overrides, profile, progress_bar):
        asked.append(overrides)
        raise runner.ParameterError("stop here")

    with monkeypatch.context() as patched:
        patched.setattr(runner, "run_chapter", run_chapter)
        assert bench_opf.main([*argv, "--no-progress"]) == 2
    assert asked == [[("repeats", "5"), ("runopp_cases", '["case9"]'), ("draw_system", "a=b")]]
    forlab_run = cli._parser().parse_args(["run", "x", *cli.split_assignments(argv)])
    assert asked[0] == [tuple(p) for p in forlab_run.parameter]  # what forlab run -p reads from the same words
    capsys.readouterr()
    assert bench_opf.main(["-p", "repeats=2", "-p", "repeats", "3"]) == 2  # the real run_chapter: refused first
    assert "parameter 'repeats' is given twice ('2', then '3'): give it once" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench_opf.main(["-p", "repeats"])  # a NAME without a VALUE: the usage error says how to write one
    assert f"write {cli.PARAMETER_FORMS}" in capsys.readouterr().err


@pytest.mark.parametrize("graph", ["SX", "MX"])
def test_build_and_solve_times_of_one_net(graph):
    """Build (net -> Ipopt solver, first-call overhead included) and solve times of one model, with the solve's
    outcome: MATPOWER's case9 optimum, the same iterations as a plain solve from the power-flow start."""
    net = cases.load("case9")
    out = bench.build_and_solve_times(net, repeats=2, graph=graph)
    assert set(out) >= {"build_s", "solve_time_s", "iterations", "objective", "n_bus", "construct_s", "first_call_s",
                        "init_s", "graph", "success", "status"}
    assert out["n_bus"] == 9 and out["graph"] == graph and out["success"]
    assert out["objective"] == pytest.approx(anchors.value("runopf_case9_usd_h"), rel=1e-5)
    assert out["iterations"] == opf.solve(net).iterations
    assert out["build_s"] >= out["construct_s"] > 0 and out["solve_time_s"] > 0 and out["init_s"] > 0


def test_a_failed_solve_gives_no_build_or_solve_time():
    """Two Ipopt iterations do not solve case9: the solve's time, the first-call overhead built on it and the
    objective are NaN (a failed solve measures nothing), the status says why."""
    out = bench.build_and_solve_times(cases.load("case9"), repeats=1, ipopt={"max_iter": 2})
    assert not out["success"] and out["status"] != "Solve_Succeeded"
    assert np.isnan(out["solve_time_s"]) and np.isnan(out["first_call_s"]) and np.isnan(out["build_s"])
    assert np.isnan(out["objective"]) and out["construct_s"] > 0


def test_log_ticks_label_a_short_axis_inside_its_limits():
    """An axis from 11 to 18 holds none of 1, 2, 5 x 10^k twice: it still gets at least two labels inside its
    limits, and its minor ticks stay unlabelled (no overlapping "1.2x10^1" labels)."""
    fig, ax = plt.subplots()
    ax.plot([0, 1], [11, 18])
    ax.set_yscale("log")
    ax.set_ylim(11, 18)
    plots.log_ticks(ax.yaxis)
    fig.canvas.draw()
    lo, hi = ax.get_ylim()
    labelled = [t for t in ax.yaxis.get_majorticklabels() if t.get_text() and lo <= t.get_position()[1] <= hi]
    assert len(labelled) >= 2
    assert not any(t.get_text() for t in ax.yaxis.get_minorticklabels())
    plt.close(fig)


def test_annotate_points_keeps_labels_of_close_points_apart():
    """Two lines ending almost on one point (chapter 12's slopes at its largest size): each end gets its label, in
    its line's colour, and the two labels do not print over each other, as they did at one fixed offset."""
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.plot([1, 10], [1, 10], color="C0")
    ax.plot([1, 10], [1.2, 10.2], color="C1")
    plots.annotate_points(ax, [(10, 10), (10, 10.2)], ["0.21", "0.23"], fontsize=7, colors=["C0", "C1"])
    renderer = fig.canvas.get_renderer()
    labels = list(ax.texts)
    assert [t.get_text() for t in labels] == ["0.21", "0.23"]
    assert [t.get_color() for t in labels] == ["C0", "C1"]
    a, b = (t.get_window_extent(renderer) for t in labels)
    assert not a.overlaps(b)
    plt.close(fig)



def _pixel_axes():
    """Axes whose data units are display pixels and points (72 dpi, axes filling the figure)."""
    fig = plt.figure(figsize=(4, 4), dpi=72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 288)
    ax.set_ylim(0, 288)
    return fig, ax


def _label_box(ax, xy, offset):
    """The display box `plots.annotate_points` would give the label "name" of ``xy`` at ``offset``."""
    probe = ax.annotate("name", xy, xytext=offset, textcoords="offset points", fontsize=8,
                        ha="left" if offset[0] >= 0 else "right")
    box = probe.get_window_extent(plots.settled_renderer(ax.figure))
    probe.remove()
    return box


def test_annotate_points_prefers_a_label_nearest_its_own_point():
    """A point just clear of the first offset's label, but nearer to it than the labelled point: the label moves to
    where its own point is the nearest (a reader takes a label for the nearest point's name)."""
    fig, ax = _pixel_axes()
    box = _label_box(ax, (100, 100), plots.LABEL_OFFSETS[0])
    other = (box.x0 + box.width / 2, box.y1 + 3.6)  # its marker box (3.5 px each side) stays off the label
    plots.annotate_points(ax, [(100, 100), other], ["name", "x"], named=[True, False])
    (label,) = ax.texts
    placed = label.get_window_extent()
    assert plots._gap(placed, (100, 100)) < plots._gap(placed, other)
    plt.close(fig)


def test_annotate_points_draws_a_leader_to_a_crowded_point_only():
    """A point whose every near offset is covered by other points gets its label further off, nearer other points
    than its own: a thin line in the label's colour leads from the label to its point (Fig. 30 of chapter 07 once
    named 118X3's point "case118+case136ma+case141"). A label right next to its own point gets none."""
    fig, ax = _pixel_axes()
    crowd = []
    for offset in plots.LABEL_OFFSETS[:4]:  # three points across each near label
        box = _label_box(ax, (100, 100), offset)
        crowd += [(box.x0 + k * box.width / 4, (box.y0 + box.y1) / 2) for k in (1, 2, 3)]
    points = [(100, 100), (220, 220), *crowd]
    plots.annotate_points(ax, points, ["name", "free", *["x"] * len(crowd)], named=[True, True] + [False] * len(crowd),
                          colors=["C3", "C0", *["k"] * len(crowd)])
    fig.canvas.draw()
    (leader,) = ax.patches  # the free point's label sits next to it: no leader
    start, *_, end = leader.get_path().vertices  # data units = pixels: from the label to 4 points off its point
    assert plots._gap(ax.texts[0].get_window_extent(), start) < 2 and np.hypot(*(end - (100, 100))) == pytest.approx(4, abs=0.1)
    assert matplotlib.colors.same_color(leader.get_edgecolor(), "C3") and leader.get_linewidth() < 1
    plt.close(fig)


def test_a_label_may_sit_in_a_lines_gap():
    """A NaN point is a gap in a line (matplotlib draws nothing there: chapter 12's failed runs); the obstacles a
    label avoids (`plots._line_samples`) are the drawn segments only, none across the gap."""
    fig, ax = _pixel_axes()  # data units are pixels
    ax.plot([0, 50, 150, 200, 250], [100, 100, np.nan, 100, 100])
    samples = plots._line_samples(ax)
    x = samples[:, 0]
    assert np.isfinite(samples).all() and (x <= 50).any() and (x >= 200).any()  # both drawn segments, no NaN
    assert not ((x > 50.5) & (x < 199.5)).any()  # nothing across the gap (dropping the NaN point would bridge it)
    ax.lines[0].set_ydata([100] * 5)  # the same line without its gap is sampled across it
    x = plots._line_samples(ax)[:, 0]
    assert ((x > 100) & (x < 150)).any()
    plt.close(fig)


def test_runopp_is_timed_by_the_same_rule_and_repeats_as_forlab(monkeypatch):
    """The speed-up compares like with like: `compare` runs runopp as often as it solves forlab's model (it once ran
    runopp once against forlab's fastest of three), each run on its own copy of the net."""
    nets = []
    once = bench._runopp_once

    def counted(net, init):
        nets.append(net)
        return once(net, init)

    monkeypatch.setattr(bench, "_runopp_once", counted)
    row = bench.compare({"case9": cases.load("case9")}, repeats=3, runopp=True, progress=False).loc["case9"]
    assert len(nets) == 3 and len({id(n) for n in nets}) == 3
    assert row.runopp_success and row.forlab_start_time_s > 0


def test_the_speed_ups_set_runopps_call_against_forlabs_start_build_and_solve(monkeypatch):
    """runopp's timed call runs its start power flow, so the whole-call speed-up counts forlab's start too (review G,
    item 6), and the solve speed-up forlab's solve alone: hand-set times, known ratios."""
    monkeypatch.setattr(bench, "time_forlab", lambda net, repeats: {
        "forlab_success": True, "forlab_start_time_s": 0.1, "forlab_build_time_s": 0.2, "forlab_solve_time_s": 0.3})
    monkeypatch.setattr(bench, "time_runopp", lambda net, repeats: {"runopp_success": True, "runopp_wall_time_s": 1.2})
    row = bench.compare({"case9": cases.load("case9")}, repeats=3, runopp=True, progress=False).loc["case9"]
    assert row.speedup_total == pytest.approx(2.0) and row.speedup_solve == pytest.approx(4.0)


def test_compare_takes_its_speed_ups_from_the_one_rule_chapter_02_takes_them_from(monkeypatch):
    """Fix K1, item 2: `compare` and chapter 02's `speedups` each wrote runopp / forlab; both now call
    `bench.speedups`, which takes floats (a row of `compare`) and table columns (the chapter's tables) alike. A row
    where one engine failed has none (NaN)."""
    rule, calls = bench.speedups, []
    monkeypatch.setattr(bench, "speedups", lambda *a, **k: calls.append(k) or rule(*a, **k))
    monkeypatch.setattr(bench, "time_forlab", lambda net, repeats: {
        "forlab_success": True, "forlab_start_time_s": 0.1, "forlab_build_time_s": 0.2, "forlab_solve_time_s": 0.3})
    runopp = {"runopp_success": True, "runopp_wall_time_s": 1.2}
    monkeypatch.setattr(bench, "time_runopp", lambda net, repeats: runopp)
    row = bench.compare({"case9": cases.load("case9")}, repeats=3, runopp=True, progress=False).loc["case9"]
    ratios = rule(1.2, start_s=0.1, build_s=0.2, solve_s=0.3)
    assert len(calls) == 1 and row[list(ratios)].tolist() == list(ratios.values())
    columns = rule(pd.Series([1.2, 2.4]), start_s=pd.Series([0.1, 0.1]), build_s=pd.Series([0.2, 0.2]),
                   solve_s=pd.Series([0.3, 0.3]))
    assert {k: v.iloc[0] for k, v in columns.items()} == ratios and columns["speedup_solve"].iloc[1] == pytest.approx(8.0)
    runopp.update(runopp_success=False, runopp_wall_time_s=np.nan)
    failed = bench.compare({"case9": cases.load("case9")}, repeats=3, runopp=True, progress=False).loc["case9"]
    assert np.isnan(failed[list(ratios)].astype(float)).all()


def test_build_and_start_are_the_fastest_of_the_repeats_on_the_last_model(monkeypatch):
    """`forlab.opf.bench._built`, the one rule of `time_forlab` and `build_and_solve_times`: ``repeats`` models, each
    built and started on the clock, the fastest build and start counting (a single build read 0.25 s for case39 in a
    paper run where the others took a fraction of that), and the solves run on the last model, whose start is
    cached. Scripted durations on a fake clock."""
    from forlab.opf import acopf

    clock, builds, starts, made = [0.0], iter([0.3, 0.1, 0.2]), iter([0.05, 0.07, 0.02]), []

    class Fake:
        def __init__(self, net, **options):
            clock[0] += next(builds)
            made.append(self)

        def initial_point(self, init):
            clock[0] += next(starts)

    monkeypatch.setattr(bench.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(acopf, "ACOPF", Fake)
    model, build, start = bench._built(None, "pf", 3)
    assert len(made) == 3 and model is made[-1]
    assert (build, start) == (pytest.approx(0.1), pytest.approx(0.02))


def test_a_runopp_run_that_did_not_converge_has_no_objective(monkeypatch):
    """A failed solve is never a number: runopp ending without convergence (and without raising) kept its cost."""
    import pandapower as pp

    def unconverged(net, **kwargs):
        net.OPF_converged, net.res_cost = False, 1234.5

    monkeypatch.setattr(pp, "runopp", unconverged)
    out = bench.runopp_start(cases.load("case9"), "pf")
    assert not out["runopp_pf_success"] and out["runopp_pf_status"] == "not converged"
    assert np.isnan(out["runopp_pf_objective"])
