"""Chapter 07 (ALADIN): the study's parameters, a tiny store, and every reader, figure and text helper on the
archived full-profile store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from forlab.book import store
from forlab.studies import ch07_aladin as ch

ROOT = Path(__file__).resolve().parents[1]
ARCHIVED = ROOT / "archive" / "07_aladin" / "ff536387c602.nc"
TINY = {"systems": ["case9:3"], "modes": ["inprocess"], "latencies_ms": [], "latency_system": "case9:3",
        "kkt_systems": [], "admm_system": "case9:3", "admm_max_iter": 5, "max_iter": 4, "extended_max_iter": 0,
        "n_workers": 1, "address": ""}


@pytest.fixture(scope="module")
def archived():
    st = store.open_path(ARCHIVED)
    return st, json.loads(st.attrs["parameters"]), ch.convergence_table(st), ch.iterations(st)



def test_parameters_are_checked():
    ch.check_params(TINY)
    with pytest.raises(TypeError, match="max_iter"):
        ch.check_params(TINY | {"max_iter": 4.0})
    with pytest.raises(TypeError, match="systems"):
        ch.check_params(TINY | {"systems": "case9:3"})
    with pytest.raises(ValueError, match="modes"):
        ch.check_params(TINY | {"modes": ["cloud"]})
    with pytest.raises(ValueError, match="missing"):
        ch.check_params({k: v for k, v in TINY.items() if k != "address"})


def test_run_builds_the_store_of_a_tiny_study():
    ds = ch.run(TINY, progress=lambda *_: None)
    assert ds.sizes["system"] == 1 and ds.sizes["run"] == 2  # ALADIN and ADMM, in-process
    assert list(ds.run_algorithm.values) == ["aladin", "admm"]
    assert list(ds.run_qp.values) == ["reduced", ""]
    assert ds.sizes["iteration"] == 5 and int(ds.run_iterations[0]) <= 4
    assert {f"it_{c}" for c in ch.LOG_COLUMNS} <= set(ds.data_vars)
    assert ds.it_consensus.attrs["long_name"].startswith("max |sum_i A_i x_i|")
    # messages of the first in-process run of each algorithm; NaN after a run's last iteration
    assert set(ds.msg_run.values) == {0, 1}
    n0 = int(ds.run_iterations[0])
    assert np.isnan(ds.it_gap.values[0, n0:]).all() and np.isfinite(ds.it_gap.values[0, :n0]).all()
    areas = ch.frame(ds, "area")
    assert len(areas) == 3 and areas.core_buses.sum() == int(ds.sys_buses[0])
    assert json.loads(ds.attrs["aladin_options"])["max_iter"] == 4


def test_convergence_figures_and_texts(archived):
    st, bp, table, its = archived
    fig = ch.convergence_figure(table, its, bp["max_iter"])
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) >= len(bp["systems"])
    kk = ch.kkt_runs(table, bp["kkt_systems"], bp["max_iter"])
    assert set(kk.qp) == {"reduced", "kkt"} and set(kk.system) == set(bp["kkt_systems"])
    assert len(ch.kkt_figure(kk, its, bp["kkt_systems"]).axes) == 2
    text = ch.kkt_text(kk)
    assert text.count("ALADIN-$\\alpha$'s QP ends with gap") == len(bp["kkt_systems"])
    first = kk[kk.qp == "kkt"].iloc[0]
    assert text.startswith(f"{first.system}: ALADIN-$\\alpha$'s QP ends with gap {first.gap:.1e}")
    shown, times = ch.convergence_shown(table)
    assert len(shown) == len(times) == len(table) and re.fullmatch(r"\d\.\d×10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", shown["final gap"].iloc[0])
    assert not times.isna().any().any() and "centralized Ipopt (ms)" in times.columns
    assert not shown.isna().any().any() and "–" in set(shown["target at iteration"])  # a kkt run misses it
    assert any("ALADIN-α's QP" in run for run in shown.index.get_level_values("run"))
    assert all("_" not in c and "$" not in c for c in shown.columns)
    regions = ch.regions_shown(st)
    assert "ties it limits" in regions.columns and len(regions) == st.sizes["area"]
    assert ch.store_text(st, table).endswith(f"{len(table)} runs")


def test_figures_are_drawn_for_the_column(archived):
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    _st, bp, table, its = archived
    kk = ch.kkt_runs(table, bp["kkt_systems"], bp["max_iter"])
    cmp_ = ch.admm_runs(table, bp["admm_system"], (bp["max_iter"], bp["admm_max_iter"]))
    figs = [ch.convergence_figure(table, its, bp["max_iter"]), ch.kkt_figure(kk, its, bp["kkt_systems"]),
            ch.time_split_figure(ch.time_split(table, its, bp["max_iter"])), ch.admm_figure(cmp_, its),
            ch.latency_figure(ch.latency_sweep(table, bp["latency_system"]), bp["latency_system"])]
    for fig in figs:
        fig.canvas.draw()
        assert fig.get_size_inches()[0] <= 7.5 and len(fig.findobj(Legend)) <= 1
        assert [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_fontsize() < 9] == []


def test_time_latency_and_dask_helpers(archived):
    _st, bp, table, its = archived
    split = ch.time_split(table, its, bp["max_iter"])
    assert list(split.columns) == ["local (slowest region)", "QP", "communication"] and (split >= 0).all().all()
    assert ch.time_split_figure(split).axes
    over = ch.dask_overhead(table, bp["max_iter"])
    assert f"{over.ratio.min():.2f} to {over.ratio.max():.2f} times" in ch.dask_overhead_text(over, 2)
    assert ch.dask_overhead_text(over.iloc[:0], 2) == ""
    lat = ch.latency_sweep(table, bp["latency_system"])
    assert list(lat.latency_ms) == sorted(bp["latencies_ms"])
    assert ch.latency_figure(lat, bp["latency_system"]) is not None
    assert ch.latency_figure(lat.iloc[:0], bp["latency_system"]) is None
    text = ch.latency_text(lat, bp["latency_system"])
    assert text.startswith(f"At 100 ms one way, {bp['latency_system']} needs {int(lat.iterations.iloc[-1])} iterations")
    assert ch.latency_text(lat.iloc[:0], "x") == ""


def test_admm_helpers(archived):
    st, bp, table, its = archived
    cmp_ = ch.admm_runs(table, bp["admm_system"], (bp["max_iter"], bp["admm_max_iter"]))
    assert set(cmp_.algorithm) == {"aladin", "admm"}
    assert len(ch.admm_figure(cmp_, its).axes) == 2
    assert list(ch.admm_table(cmp_).index) == list(cmp_.algorithm)
    assert list(ch.admm_shown(ch.admm_table(cmp_)).columns) == ["ALADIN", "ADMM"]
    text = ch.admm_text(cmp_, bp["admm_system"], ch.anchors(st))
    d_ = cmp_[cmp_.algorithm == "admm"].iloc[0]
    assert f"{ch.fmt_iteration(d_.it_loose)} (of {d_.iterations})" in text
    assert "PowerModelsADA" in text and "rapidPF" in text
    msgs = ch.messages_shown(st, [bp["systems"][0], bp["admm_system"]])
    assert set(msgs.index.get_level_values("system")) == {bp["systems"][0], bp["admm_system"]}
    assert (msgs.bytes > 0).all() and "Hessian of the Lagrangian" in msgs.index.get_level_values("field")


def test_full_profile_texts(archived):
    st, bp, _table, _its = archived
    fp = ch.full_profile(st)
    assert fp["params"] == bp and fp["anchor"]["iterations"] == 66
    assert list(ch.targets_shown(fp["targets"]).index) == list(fp["targets"].system)
    assert ch.provenance_text(st).startswith("From `")
    text = ch.full_profile_text(fp)
    assert text.startswith("Dask against in-process, time per iteration:")
    assert f"On {bp['latency_system']}, the communication time per iteration" in text
    assert f"On {bp['admm_system']}, ALADIN reaches the target" in text
    shown = ch.admm_shown(fp["admm"])
    assert list(shown.columns) == ["ALADIN", "ADMM"] and shown.loc["iterations", "ADMM"] == fp["admm"].loc["admm", "iterations"]
    assert shown.loc["consensus ≤ 10⁻⁶ and gap ≤ 10⁻⁴ at iteration", "ADMM"] == "–"
    lat = ch.latency_shown(fp["latency"])
    assert list(lat.index) == [f"{v:g}" for v in bp["latencies_ms"]] and not lat.isna().any().any()
    assert "target at iteration" in ch.targets_shown(fp["targets"]).columns
    assert [ch.sci_text(v) for v in (4.8e-7, 0.0, 2.3e-3, 12.0)] == ["4.8×10⁻⁷", "0", "2.3×10⁻³", "1.2×10¹"]
    assert ch.overhead_shown(fp["overhead"]).index.name == "system"
    # parts without their runs say nothing
    assert ch.overhead_range_text(pd.DataFrame()) == ""
    assert ch.latency_comm_text(fp["latency"].iloc[:1], "x") == ""
    assert ch.admm_target_text(fp["admm"].loc[["aladin"]], "x", fp["anchor"]) == ""
