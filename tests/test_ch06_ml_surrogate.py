"""Chapter 06 (P2): the study module's run, store, tables, figures and sentences, on a tiny run and on the archived
paper-scale store (opened under today's names)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from notebook_cells import code_of, prose_of, sources
from printed_numbers import page_text, ungrouped

import forlab
from forlab.book import runner, store
from forlab.book.tables import grouped
from forlab.p2_surrogate.dataset import check_range
from forlab.p2_surrogate.model import DSSurrogate, SurrogateOptions, split
from forlab.p2_surrogate.polytope import PolytopeOptions, check_max_false_feasible
from forlab.p2_surrogate.tso import surrogate_bytes
from forlab.studies import ch06_ml_surrogate as ch06
from forlab.studies.ch06_ml_surrogate import store as ch06_store
from forlab.studies.ch06_ml_surrogate import text as ch06_text
from forlab.studies.ch06_ml_surrogate.readers import TABLE_TITLES
from forlab.studies.ch06_ml_surrogate.text import HELD_NOTE, PRICE_TITLE, SAFETY_TITLE

ROOT = Path(__file__).resolve().parents[1]
ARCHIVED = ROOT / "archive" / "06_ml_surrogate" / "eb5188640d37.nc"

TINY = {
    "systems": ["case9+case33bw"], "n_samples": 300, "test_fraction": 0.2, "boundary_share": 0.1,
    "vm_range": [0.95, 1.05], "dvm_range": [-0.02, 0.02], "dva_range_deg": [-1.0, 1.0], "load_range": [0.6, 1.0],
    "facets": 2, "temperatures": [0.3], "margin": 0.05, "ff_weight": 4.0, "max_iter": 10, "ridge": 1e-6,
    "vm_margin_pu": 0.002, "loading_margin_percent": 2.0, "max_false_feasible": 0.0, "refine_rounds": 0,
    "refine_samples": 0, "certify_rounds": 0, "vertex_samples": 5, "facet_sweep": [2], "size_sweep": [150],
    "n_scenarios": 1, "timing_repeats": 1, "slice_points": 5, "store_samples": 50, "seed": 0, "n_workers": 0,
    "scheduler": "",
}


@pytest.fixture(scope="module")
def archived():
    return store.open_path(ARCHIVED)


@pytest.fixture(scope="module")
def tiny():
    lines = []
    st = ch06.run(TINY, log=lines.append)
    return st, lines


def test_archived_store_opens_under_the_new_names(archived):
    assert "ds" in archived.dims and "dsid" not in archived.dims
    assert archived.ds.values[0] == "case9+case33bw/case33bw" and archived.ds_name.values[0] == "case33bw"
    assert "bench_deviation_pct" in archived and "bench_deviation_percent" not in archived


def test_params_are_checked_before_any_work():
    ch06.check_params(TINY)
    with pytest.raises(TypeError, match="n_samples"):
        ch06.check_params({**TINY, "n_samples": 300.0})
    with pytest.raises(TypeError, match="systems"):
        ch06.check_params({**TINY, "systems": "case9+case33bw"})
    with pytest.raises(ValueError, match="vm_range"):
        ch06.check_params({**TINY, "vm_range": [0.95]})
    opts = ch06.options(TINY)
    assert opts.polytope.facets == 2 and opts.polytope.temperatures == (0.3,) and opts.vm_margin_pu == 0.002


NOTEBOOK = ROOT / "notebooks" / "06_ml_surrogate.ipynb"
DECIMAL = re.compile(r"-?\d+(\.\d+)?")
"""A number as a printed table shows it (its decimals counted per column)."""


@pytest.mark.parametrize(("name", "value"), [("temperatures", "abc"), ("facet_sweep", "abc"), ("size_sweep", "abc"),
                                             ("scheduler", 7), ("size_sweep", [500, 2000.0]), ("margin", "0.05"),
                                             ("vm_range", ["0.95", "1.05"]), ("n_workers", "0")])
def test_a_wrong_type_is_refused_naming_the_parameter(name, value):
    with pytest.raises(TypeError, match=f"parameter '{name}' must be"):
        ch06.check_params({**runner.declared_parameters(NOTEBOOK), name: value})


def test_the_defaults_and_the_paper_profile_pass_the_checks():
    declared = runner.declared_parameters(NOTEBOOK)
    ch06.check_params(declared)
    ch06.check_params({**declared, **runner.profiles(NOTEBOOK)["paper"]})
    ch06.check_params(runner.chapter_params("06_ml_surrogate"))
    for profile in runner.profiles(NOTEBOOK):
        ch06.check_params(runner.profile_params("06_ml_surrogate", profile))


def test_a_sweep_size_above_the_training_set_is_refused_naming_both_parameters():
    """A size above the Latin Hypercube training set was once cut silently by `sweep` while its row and the
    figure kept the requested size: lowering ``n_samples`` alone was enough."""
    most = ch06.lhs_train_size(300, 0.2)
    assert most == len(split(300, 0.2, 5)[0]) == 240  # the split `build_cases` makes, whatever its seed
    ch06.check_params({**TINY, "size_sweep": [150, most]})
    for bad in ({"size_sweep": [150, most + 1]}, {"n_samples": 150, "size_sweep": [150]}):
        with pytest.raises(ValueError, match=r"size_sweep .*n_samples .*test_fraction"):
            ch06.check_params({**TINY, **bad})
    declared = runner.declared_parameters(NOTEBOOK)
    with pytest.raises(ValueError, match="size_sweep"):
        ch06.check_params({**declared, "n_samples": 1000})


@pytest.mark.parametrize(("systems", "match"), [([], "systems must name at least one"),
                                                (["case9+case33bw", "case9+nope"], "systems: .*nope")])
def test_an_empty_or_unknown_system_is_refused_before_any_work(systems, match):
    with pytest.raises(ValueError, match=match):
        ch06.check_params({**TINY, "systems": systems})


def test_the_run_docstring_keeps_progress_off_the_page():
    """`run`'s docstring once told the notebook to pass ``print`` as its log, which puts progress on the page."""
    doc = " ".join(ch06.run.__doc__.split())
    assert "(``print`` in the notebook)" not in doc and "never ``print``" in doc


@pytest.mark.parametrize(("name", "value"), [
    ("test_fraction", 0.0), ("test_fraction", 1.0), ("test_fraction", -0.2), ("test_fraction", float("nan")),
    ("n_samples", 0), ("facet_sweep", [2, 0]), ("size_sweep", [-5]), ("refine_rounds", -1), ("certify_rounds", -1),
    ("refine_samples", -1), ("vertex_samples", -1), ("store_samples", -1), ("n_workers", -1), ("seed", -1),
    ("boundary_share", -0.1), ("boundary_share", 1.5), ("facets", 0), ("n_scenarios", 0), ("timing_repeats", 0),
    ("slice_points", 0), ("temperatures", [0.3, 0.0])])
def test_a_value_out_of_range_is_refused_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        ch06.check_params({**TINY, name: value})


@pytest.mark.parametrize(("name", "value", "fix"), [
    ("vm_range", [1.05, 0.95], r"low <= high .*: swap the two ends, \[0\.95, 1\.05\]$"),
    ("load_range", [1.0, 0.6], r"low <= high .*: swap the two ends, \[0\.6, 1\.0\]$"),
    ("load_range", [0.0, -1.0], r"must not go below 0 .*: make both ends >= 0"),
    ("max_false_feasible", 2.0, r"must be a rate in \[0, 1\] \(the share of infeasible training samples"),
    ("max_false_feasible", -0.1, r"must be a rate in \[0, 1\]"),
    ("ridge", -1.0, r"must be a finite number >= 0 \(.*0: plain least squares\)"),
    ("ridge", float("nan"), r"must be a finite number >= 0"),
    ("margin", -1.0, r"must be a finite number >= 0 \(.*0: no margin\)"),
    ("ff_weight", 0.0, r"must be a finite number > 0 \(.*1: equal weights\)"),
    ("max_iter", 0, r"must be an integer >= 1 \(L-BFGS iterations per temperature\)"),
    ("vm_margin_pu", -0.01, r"must be a finite number >= 0 \(how far inside the voltage band.*0: no margin\)"),
    ("vm_margin_pu", float("nan"), r"must be a finite number >= 0"),
    ("loading_margin_percent", 100.0, r"must lie in \[0, 100\) \(how far below 100 % loading"),
    ("loading_margin_percent", -2.0, r"must lie in \[0, 100\)"),
    ("slice_points", 1, rf"must be an integer >= {ch06_store.MIN_SLICE_POINTS} \(grid points per axis"),
])
def test_a_value_refused_only_inside_the_run_is_refused_before_a_kernel_starts(name, value, fix):
    """Review R1 items 2, 5-7: these passed the check, so ``forlab run`` started a kernel and failed in a cell (exit
    1): a reversed range or a rate above 1 in the first fit, ``ridge -1`` as a reserve of the TSO the user never set,
    margin, ff_weight and max_iter in one message without the value, ``slice_points 1`` in the contour after the
    store was written. Now the command line's check (exit 2) names the parameter, its value and what to change."""
    with pytest.raises(ValueError, match=fix) as err:
        ch06.check_params({**TINY, name: value})
    assert str(err.value).startswith(f"{name} must ") and f"got {value!r}" in str(err.value)
    with pytest.raises(runner.ParameterError, match=re.escape(str(err.value))):  # the command line's exit 2
        runner.check_values("06_ml_surrogate", {**TINY, name: value})


@pytest.mark.parametrize(("name", "value", "library"), [
    ("vm_range", [1.05, 0.95], lambda v: check_range("vm_range", v)),
    ("max_false_feasible", 2.0, check_max_false_feasible),
    ("margin", -1.0, lambda v: PolytopeOptions(margin=v)),
    ("ff_weight", 0.0, lambda v: PolytopeOptions(ff_weight=v)),
    ("max_iter", 0, lambda v: PolytopeOptions(max_iter=v)),
    ("vm_margin_pu", -0.01, lambda v: SurrogateOptions(vm_margin_pu=v)),
    ("loading_margin_percent", 100.0, lambda v: SurrogateOptions(loading_margin_percent=v)),
])
def test_the_check_says_the_librarys_own_rule(name, value, library):
    """One rule in one place: the chapter's check calls the library's (the input space's ranges, the calibration's
    rate, the polytope's training options) rather than a copy that could drift from it."""
    with pytest.raises(ValueError) as own:
        library(value)
    with pytest.raises(ValueError) as chapter:
        ch06.check_params({**TINY, name: value})
    assert str(chapter.value) == str(own.value)


def test_tiny_run_makes_a_store_the_readers_and_sentences_accept(tiny):
    st, lines = tiny
    assert list(st.ds.values) == ["case9+case33bw/case33bw"] and st.ds_name.values[0] == "case33bw"
    assert st.sizes["sample"] <= 2 * TINY["store_samples"]  # lhs and boundary samples, cut per origin
    assert "bench_deviation_pct" in st and st.sizes["run"] == 1
    assert lines[0].startswith("case9+case33bw/case33bw") and "feasible dispatches" in lines[-1]
    t, _, per_sys = ch06.benchmark_table(st)
    assert per_sys.scenarios.tolist() == [1]
    text = ch06.benchmark_text(t, per_sys)
    assert text.startswith("Per system:\n\n- **case9+case33bw**")
    assert ch06.benchmark_text(t, per_sys, paper=True).startswith("- **case9+case33bw**")
    assert ch06.payload_table(st)["facets K"].tolist() == [2]
    assert ch06.certify_table(st) is None and ch06.refine_table(st).shape == (1, 0)
    assert "- 330 power flows per DS" in ch06.offline_text(st)
    # no certification rounds: the comparison with the sweep does not claim any
    assert "0 refinement samples. These additions" in ch06.sweep_final_text(st)
    assert ch06.history_text(st).count("\n- **") == 1
    # the benchmark is the outcome record: every field there, with units; the training false-feasible rate is
    # zero by construction and said so, the measured one is on the test samples
    for k in ("deviation_pct", "feasible", "max_violation", "status", "solve_time_s", "wall_time_s",
              "offline_time_s", "bytes_exchanged", "rounds", "integrated_solve_time_s"):
        assert f"bench_{k}" in st and "units" in st[f"bench_{k}"].attrs, k
    assert st.bench_status.values.tolist() == ["ok"] and st.bench_offline_time_s.values[0] > 0
    # what was sent, by the one rule of every method: the surrogate the store keeps, the load factor, the set-points
    # (read back from JSON, equal objects may be shared differently, which pickle counts once: a few bytes apart)
    sent = surrogate_bytes({"case33bw": DSSurrogate.from_json(str(st.surrogate_json.values[0]))})
    assert st.bench_bytes_exchanged.values[0] == pytest.approx(sent, rel=0.01)
    assert sent < st.payload_bytes.values.sum()  # pickled floats: fewer bytes than their JSON digits
    note = ch06.false_feasible_note(st)
    assert "false-feasible rate is 0 % (the `max_false_feasible` target) by construction" in note
    assert f"over {grouped(st.n_test_infeasible.values[0])} infeasible test samples per DS" in note


def _main_section(st) -> list:
    """Every text and table the notebook's main section shows of store ``st``, its cells' calls in their order (the
    store's header, a block of its parameters as JSON, and the figures left out), for the check of its numbers."""
    cov = ch06.coverage_table(st)
    t, table, per_sys = ch06.benchmark_table(st)
    return [*ch06.dataset_tables(st), ch06.flow_speed_text(st), ch06.coverage_shown(cov), ch06.coverage_text(cov),
            ch06.history_text(st), *ch06.scores_tables(st), ch06.safety_summary(st, titled=True),
            ch06.false_feasible_note(st), ch06.sweep_final_text(st), *ch06.rounds_tables(st), ch06.slice_star_text(st),
            *ch06.benchmark_tables(table), *ch06.per_system_tables(per_sys), ch06.benchmark_text(t, per_sys),
            ch06.conservatism_text(st), ch06.payload_shown(st), ch06.offline_text(st)]


def _paper_section(big) -> list:
    """Every text and table the notebook's paper-scale section shows of store ``big`` (the figures left out)."""
    bt, _, bsys = ch06.benchmark_table(big)
    return [ch06.paper_run_text(big), *ch06.dataset_tables(big), *ch06.scores_tables(big), ch06.safety_summary(big),
            ch06.false_feasible_note(big), *ch06.per_system_tables(bsys),
            ch06.benchmark_text(bt, bsys, paper=True, narrow=ch06.little_accepted(big)), ch06.conservatism_text(big),
            ch06.scaling_text(bsys), ch06.sweep_final_text(big, ch06.sweep_keys(big)),
            *ch06.coverage_summary_tables(ch06.coverage_table(big))]


def test_every_number_the_page_prints_is_grouped_from_a_thousand_on(archived, tiny):
    """Fix G2: the page grouped no number, so its tables read "14500" samples, "8009" flows per second, costs of
    "129596.44" $/h and "1510" regressor numbers, its sentences "8000 Latin Hypercube training samples" and "size
    sweep [500, 2000, 8000]", in a book whose anchors print "5 296.69 $/h". Every number of the page that can reach a
    thousand (samples, flows, buses, costs, ms and s, counts of the payload and of the dispatches) takes the one
    grouping, `forlab.book.tables.grouped`: no text or table the notebook shows of the archived store, in both its
    sections, nor of the tiny run, prints one without it (chapter 12's check, `ungrouped`)."""
    shown = {"main": _main_section(archived), "paper": _paper_section(archived), "tiny": _main_section(tiny[0])}
    found = {(where, i): ungrouped(page_text(s)) for where, items in shown.items() for i, s in enumerate(items)}
    assert not {k: f for k, f in found.items() if f}, found
    # the store has such numbers where the page prints them: the check is not empty
    c, params = ch06.cases(archived), json.loads(archived.attrs["parameters"])
    sizes = ch06.dataset_tables(archived)[0][1]
    assert c.n_samples.max() >= 1000 and grouped(c.n_samples.max()) in list(sizes["samples"])
    assert max(params["size_sweep"]) >= 1000
    assert f"size sweep {', '.join(map(grouped, params['size_sweep'][:-1]))} and " in ch06.paper_run_text(archived)
    _, table, _ = ch06.benchmark_table(archived)
    costs = ch06.benchmark_tables(table)[0][1]["integrated cost ($/h)"]
    assert list(costs) == [grouped(v, 2) for v in table["integrated cost ($/h)"]]


def test_tiny_run_is_reproducible_in_its_numbers(tiny):
    st, _ = tiny
    again = ch06.run(TINY, log=lambda _: None)
    for k in ("u", "feasible", "test_accuracy", "bench_cost", "slice_g", "sweep_accuracy"):
        np.testing.assert_array_equal(st[k].values, again[k].values)


def test_payload_table_counts_the_numbers_sent(archived):
    pay = ch06.payload_table(archived)
    sur = json.loads(str(archived.surrogate_json.values[0]))
    d, k = len(sur["polytope"]["mean"]), len(sur["polytope"]["bias"])
    row = pay.iloc[0]
    assert row["inputs d"] == d and row["facets K"] == k
    assert row["polytope numbers"] == k * d + k + d + d * d
    # per quadratic: c0, g, the full d x d H and the input mean and scale; P and Q per PCC
    assert row["regressor numbers"] == 2 * len(sur["regressors"]) * (1 + d + d * d + 2 * d)
    assert "full H" in " ".join(ch06.payload_shown(archived).columns)
    assert row["JSON size (kB)"] == pytest.approx(archived.payload_bytes.values[0] / 1e3)


def test_sentences_from_the_archived_store(archived):
    # code review #4: the page prints the store's header as chapters 01 to 03 do, with its parameters, not their hash
    header = store.store_header(archived)
    assert header.splitlines()[0].split() == ["chapter", "06_ml_surrogate"]
    assert header.splitlines()[1].startswith("parameters") and "parameter_hash" not in header
    assert "print(forlab.book.store.store_header(stored))" in code_of(NOTEBOOK)
    assert "provenance_text" not in code_of(NOTEBOOK)
    rate = archived.flows_per_second.values
    assert f"ran {grouped(rate.min())} to {grouped(rate.max())} flows per second" in ch06.flow_speed_text(archived)
    # review K #13: `span`, the one range formatter: one DS's rate reads once, never "a to a"
    one = archived.isel(ds=[0])
    assert f"ran {grouped(one.flows_per_second[0])} flows per second" in ch06.flow_speed_text(one)
    cov = ch06.coverage_table(archived)
    text = ch06.coverage_text(cov)
    # review G #9: products are written with "×", as the page's "d × d" is, never with a letter x
    assert text.startswith(f"Over {len(cov)} FPUs") and "12 × 12" in text and "12 x 12" not in text
    assert set(ch06.coverage_summary(cov).index) == set(cov.chart)
    paper = ch06.paper_run_text(archived)
    assert "(commit `" in paper and "8 DSs" in paper
    assert re.search(r"refinement \d+ × \d+, certification \d+ × \d+ vertices", paper), paper
    assert "refine_rounds` × `refine_samples`" in "".join(sources(NOTEBOOK, "markdown"))
    _, _, per_sys = ch06.benchmark_table(archived)
    r = per_sys.sort_values("ds_buses")
    assert ch06.scaling_text(per_sys).startswith(f"From the smallest system ({r.index[0]}")
    ends = f"{r.time_ratio_mean.iloc[0]:.2f}x to {r.time_ratio_mean.iloc[-1]:.2f}x."
    assert f"the mean online / integrated from {ends} " in ch06.scaling_text(per_sys)
    bullet = ch06.benchmark_summary(per_sys).splitlines()[0]
    assert f"; online / integrated {per_sys.time_ratio_mean.iloc[0]:.2f}x on average" in bullet
    # review finding: the ends hid the surrogate TSO's peak (32.9 ms on case118+case136ma+case141, 26.8 at the end)
    top = r.tso_ms_mean.idxmax()
    peak = f"(at most {grouped(r.tso_ms_mean[top])} ms, on {top})"
    assert (peak in ch06.scaling_text(per_sys)) == (top not in (r.index[0], r.index[-1]))
    # each DS's bullet says whether its certification ended with no failing sampled vertex, as the store's last round
    bullets = ch06.safety_summary(archived).splitlines()
    for key, shares in zip(ch06.cases(archived).index, archived.certify_failing_share.values, strict=True):
        done = shares[np.isfinite(shares)]
        said = next(x for x in bullets if x.startswith(f"- **{key}**:"))
        if not len(done):
            assert "; no certification round;" in said
        elif done[-1] == 0:
            assert f"; certified: no sampled vertex failed the margin labels in round {len(done)};" in said
        else:
            assert f"; not certified: {100 * done[-1]:.1f} % of the vertices sampled in the last of its " in said


def test_the_flows_total_time_is_the_sum_the_table_prints(archived):
    """Review B #11: "so 9600 flows took 1.0 s in total" stood under per-DS times printed 0.6 and 0.5 s, and its "so"
    read as if the time came from the rates. The total is the sum of the table's printed times, said as such; on the
    archived store it differs from the exact sum as printed (one digit up)."""
    printed = ch06.dataset_table(archived)["power flows (s)"]
    text = ch06.flow_speed_text(archived)
    assert (f"; its {grouped(archived.n_samples.values.sum())} flows took {grouped(printed.sum(), 1)} s in total, the "
            "sum of the power-flow times in the table.") in text
    assert f"{printed.sum():.1f}" != f"{archived.dataset_time_s.values.sum():.1f}"  # the case the review found
    assert " here, so " not in text


def test_ipopts_own_time_has_the_glossarys_one_name_and_the_ratio_chapter_08s(archived):
    """Review B #6: the page called Ipopt's own time "solve time" where chapter 05 and the glossary say "solver time",
    and its ratio column "time ratio" where chapter 08 heads it "online / integrated"."""
    from forlab.studies import ch08_sensitivity

    t, table, per_sys = ch06.benchmark_table(archived)
    said = [ch06.benchmark_text(t, per_sys, paper=True), ch06.scaling_text(per_sys), *TABLE_TITLES.values()]
    page = " ".join([prose_of(NOTEBOOK), *(c["metadata"].get("mystnb", {}).get("figure", {}).get("caption", "")
                                           for c in json.loads(NOTEBOOK.read_text())["cells"]), *said])
    assert not re.search(r"\bsolve times?\b", page) and "Ipopt's solver times" in page
    assert "online / integrated" in said[0]  # second read #8: the ratio under its one name (the test below)
    fig = ch06.scaling_figure(t, per_sys)
    assert fig.axes[2].get_ylabel() == "solver time (ms)"
    plt.close(fig)
    sens = ch08_sensitivity.frame(runner.open_profile_store("08_sensitivity", "paper"))
    ratio = ch08_sensitivity.online_table(sens).columns[-1]
    _, times = ch06.benchmark_shown(table)
    assert ratio == "online / integrated" and ratio in times.columns and "time ratio" not in times.columns
    assert f"mean {ratio}" in ch06.per_system_shown(per_sys).columns


def test_the_ratio_of_solver_times_has_one_name_on_the_page(archived):
    """Second read #8: the page called one ratio four things: the column "online / integrated", the prose's "**time
    ratio** online / integrated of the solver times", the sentences' "TSO solver time / integrated solver time" and
    "TSO / integrated solver time", and the axis "time ratio P2 / integrated". It has one name, `TIME_RATIO` (the
    column's, as chapter 08 heads it), defined once in the prose as the ratio of the solver times, and the sentences,
    the summary's column and the figure's axis use it."""
    from forlab.studies.ch06_ml_surrogate.readers import TIME_RATIO

    t, table, per_sys = ch06.benchmark_table(archived)
    _, times = ch06.benchmark_shown(table)
    assert TIME_RATIO == "online / integrated" and TIME_RATIO in times.columns
    assert f"mean {TIME_RATIO}" in ch06.per_system_shown(per_sys).columns
    fig = ch06.scaling_figure(t, per_sys)
    assert fig.axes[1].get_ylabel() == TIME_RATIO
    plt.close(fig)
    bullets = ch06.benchmark_summary(per_sys).splitlines()
    assert len(bullets) == len(per_sys)
    for (s, r), bullet in zip(per_sys.iterrows(), bullets, strict=True):
        assert f"; {TIME_RATIO} {r.time_ratio_mean:.2f}x on average" in bullet, s
    targets = ch06.benchmark_targets(per_sys)
    assert f"{TIME_RATIO.capitalize()}: {per_sys.time_ratio_mean.min():.2f}x to " in targets
    said = [ch06.benchmark_text(t, per_sys, paper=True, narrow=ch06.little_accepted(archived)),
            ch06.scaling_text(per_sys), ch06.conservatism_text(archived)]
    prose = " ".join(" ".join(sources(NOTEBOOK, "markdown")).split())
    for text in [prose, *said]:
        for other in ("time ratio", "TSO / integrated", "P2 / integrated", "solver time / integrated"):
            assert other not in text, other
    # defined once, where the benchmark's columns are: in bold, as the ratio of the two solver times
    assert prose.count(f"**{TIME_RATIO}**") == 1
    assert (f"**{TIME_RATIO}**, the ratio of the two solver times (P2's online time, the surrogate TSO's solve, over "
            "the integrated AC-OPF's)") in prose


def _printable_strings(source: str) -> list[str]:
    """Every string literal of Python ``source`` that code can print, the literal parts of f-strings included;
    docstrings (a string standing alone as a statement) and comments left out, since no page shows them."""
    tree = ast.parse(source)
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs]


def test_the_time_ratio_is_typed_once_in_the_package():
    """Fix K2 #1: the ratio's one name was a constant of this chapter's alone; chapters 08, 09 and 12 typed "online /
    integrated" in their headers and prose, and chapter 08's axis read "online / integrated time". It is
    `forlab.book.names.TIME_RATIO` (which chapter 06's readers re-export), and no other string of the package that a
    page can print types it: the source tree is scanned."""
    from forlab.book import names
    from forlab.studies.ch06_ml_surrogate import readers

    assert readers.TIME_RATIO is names.TIME_RATIO
    src = Path(forlab.__file__).parent
    typed = sorted(str(path.relative_to(src)) for path in src.rglob("*.py")
                   for text in _printable_strings(path.read_text()) if "online / integrated" in text)
    assert typed == ["book/names.py"]
    # the scan sees f-strings and leaves docstrings alone
    assert _printable_strings('"""online / integrated"""\nx = f"the {y} online / integrated"\n') == [
        "the ", " online / integrated"]


def test_tables_of_the_refinement_and_certification(archived):
    ref = ch06.refine_table(archived)
    assert ref.shape == (8, 3) and list(ref.columns) == ["round 1", "round 2", "round 3"]
    np.testing.assert_allclose(ref.to_numpy(), 100 * archived.refine_infeasible_share.values)
    cert = ch06.certify_table(archived)
    assert cert.index.name == "system/DS" and cert.shape == (8, 3)


def test_tables_as_printed_fit_the_column_in_words(archived):
    _, table, per_sys = ch06.benchmark_table(archived)
    shown = [*ch06.dataset_shown(archived), *ch06.scores_shown(archived), *ch06.benchmark_shown(table),
             ch06.coverage_shown(ch06.coverage_table(archived)), ch06.rounds_shown(ch06.certify_table(archived)),
             ch06.rounds_shown(ch06.refine_table(archived)), ch06.per_system_shown(per_sys),
             ch06.payload_shown(archived), ch06.coverage_summary_shown(ch06.coverage_table(archived))]
    for frame in shown:
        assert not frame.isna().any().any()
        assert all("_" not in str(c) and "\\" not in str(c) and "^" not in str(c)  # no snake_case, no LaTeX
                   for c in [*frame.columns, *frame.index.names])
        assert len(frame.columns) <= 8
    assert "–" in ch06.rounds_shown(ch06.certify_table(archived)).to_numpy()  # certified in an earlier round
    assert ch06.rounds_shown(None) is None
    assert ch06.per_system_shown(per_sys)["feasible dispatches"].iloc[0] == "25 of 25"
    # the numbers are the readers' (rounded as printed before)
    np.testing.assert_array_equal(ch06.benchmark_shown(table)[0]["deviation (%)"].astype(float), table["deviation (%)"])
    assert ch06.sweep_keys(archived) == ["case9+case33bw/case33bw", "case118+case533mt_hi/case533mt_hi"]
    # every number of a column with as many decimals ("4170.8" stood under "4128.66", "0.0" beside "0.023")
    for frame in shown:
        for col in frame.columns:
            decimals = {len(str(v).partition(".")[2]) for v in frame[col] if DECIMAL.fullmatch(str(v))}
            assert len(decimals) <= 1, (col, frame[col].tolist())
    # the store's numbers to the printed decimals (tests/test_archived_figures.py pins the archived values)
    deviation = per_sys.deviation_mean_pct.iloc[-1]
    assert ch06.per_system_shown(per_sys)["mean deviation (%)"].tolist()[-1] == f"{deviation:.4f}"
    accuracy = 100 * ch06.cases(archived).test_accuracy
    assert ch06.scores_shown(archived)[0]["accuracy (%)"].tolist() == [f"{a:.1f}" for a in accuracy]


TITLED = {"dataset_tables": "dataset_shown", "scores_tables": "scores_shown", "rounds_tables": "rounds_shown",
          "benchmark_tables": "benchmark_shown", "per_system_tables": "per_system_shown",
          "coverage_summary_tables": "coverage_summary_shown"}
"""The chapter's readers of titled tables, and of the same tables untitled."""


def test_tables_sharing_an_output_have_titles_that_tell_them_apart(archived, tiny):
    """Two tables displayed together render as one grid: the notebook shows every table that shares an output under
    its title (`forlab.book.tables.titled` of a titled reader, never the untitled one), each title of TABLE_TITLES
    is a reader's, in the order of the page, and the refinement and certification tables (same headers) are named."""
    code = code_of(NOTEBOOK)
    assert "display(*ch06." not in code and "TABLE_TITLES" not in code  # untitled, or titled in the notebook
    assert set(re.findall(r"display\(\*tables\.titled\(ch06\.(\w+)\(", code)) == set(TITLED)
    assert not [name for name in TITLED.values() if f"ch06.{name}(" in code]
    _, table, per_sys = ch06.benchmark_table(archived)
    titled = [*ch06.dataset_tables(archived), *ch06.scores_tables(archived), *ch06.rounds_tables(archived),
              *ch06.benchmark_tables(table), *ch06.per_system_tables(per_sys),
              *ch06.coverage_summary_tables(ch06.coverage_table(archived))]
    # the costs table's title goes on to say what its scenario labels are (`test_benchmark_tables_name_their_index`)
    assert [title for title, _ in titled] == [t if k != "costs" else f"{t} {ch06.readers._scenario_note(table)}"
                                              for k, t in TABLE_TITLES.items()]
    assert titled[0][1].equals(ch06.dataset_shown(archived)[0]) and titled[-2][1].equals(ch06.per_system_shown(per_sys))
    assert "Refinement" in TABLE_TITLES["refine"] and "Certification" in TABLE_TITLES["certify"]
    # a store without certification rounds (the tiny run) shows the refinement's table only
    assert [title for title, _ in ch06.rounds_tables(tiny[0])] == [TABLE_TITLES["refine"]]



def test_benchmark_tables_name_their_index_and_say_what_the_scenarios_are(archived):
    """Review B, item 9: the two benchmark tables had empty headers over their system and scenario columns
    (`forlab.book.tables.page_index` dropped the index names), where the page's other tables name theirs; and the
    labels "peak", "s1", ... were defined nowhere on the page."""
    _, table, _ = ch06.benchmark_table(archived)
    for shown in ch06.benchmark_shown(table):
        assert shown.index.names == ["system", "scenario"]
        head = shown.to_html().split("</thead>")[0]
        assert "<th>system</th>" in head and "<th>scenario</th>" in head
    labels = list(dict.fromkeys(table.index.get_level_values("scenario")))
    assert labels[0] == "peak" and len(labels) > 2
    (costs_title, _), (times_title, _) = ch06.benchmark_tables(table)
    assert costs_title == (f"{TABLE_TITLES['costs']} Scenario \"peak\" has every TS load and every DS load factor at "
                           f"the top of `load_range`; in \"{labels[1]}\" to \"{labels[-1]}\" each is drawn uniformly "
                           "from `load_range` (`forlab.p2_surrogate.tso.scenarios`).")
    assert times_title == TABLE_TITLES["times"]
    # the peak rows are at the top of the range (the archived run's load_range ends at 1): 100 % loads
    _, times = ch06.benchmark_shown(table)
    peak = times.xs("peak", level="scenario")
    assert set(peak["TS load (%)"]) == {"100.0"} and set(peak["DS load (%)"]) == {"100.0"}
    # one drawn scenario reads as one; a run with the peak scenario alone names no drawn one
    two = table[table.index.get_level_values("scenario").isin(["peak", "s1"])]
    assert 'in "s1" each is drawn' in ch06.readers._scenario_note(two)
    one = table[table.index.get_level_values("scenario") == "peak"]
    assert "drawn" not in ch06.readers._scenario_note(one)


def test_the_notebook_types_no_sentence_and_titles_the_safety_bullets(archived):
    """Text comes from forlab, never typed in a notebook's code: the line that named the safety bullets under the
    scores' tables is their title (`SAFETY_TITLE`, with the bullets it names), the missing paper store's sentence is
    the module's, and the paper-scale benchmark keeps no table it does not show."""
    code = code_of(NOTEBOOK)
    assert not re.search(r"Markdown\(\s*[\"']", code) and "What made each polytope safe" not in code
    assert "ch06.safety_summary(stored, titled=True)" in code and "btable" not in code
    assert ch06.safety_summary(archived, titled=True) == f"{SAFETY_TITLE}\n\n{ch06.safety_summary(archived)}"
    assert SAFETY_TITLE.startswith("**") and "missing_profile_text(CHAPTER)" in code


def test_the_prose_says_what_the_page_shows_in_one_notation():
    md = prose_of(NOTEBOOK)
    store_section = next(t for t in sources(NOTEBOOK, "markdown") if t.startswith("## The store"))
    # the run cell's output is removed, and where its progress goes is no matter for the page
    assert "It prints" not in store_section and "terminal" not in store_section
    assert '"–"' not in md and "“–”" in md  # an opening quote, whatever Sphinx's smart quotes make of a straight one
    assert "The first is the polytope's on" not in md
    # z is the polytope's whitened input, g its score, (p_f, q_f) an FPU's set-points, p_g a TS unit's
    assert "$(p_g, q_g)$" not in md and "(p_f, q_f)" in md
    assert "g^\\top" not in md and "z^\\top H z" not in md and "\\tilde u^\\top H \\tilde u" in md
    assert "by rejection" in md  # the sampling the coverage sentence names, introduced with the datasets


def test_labels_and_log_ticks(archived):
    # FPUs and PCCs are numbered from 1, as in the equations (|V_1|, p_1); the input names count from 0
    assert ch06.input_label("fpu1_q_mvar") == "FPU 2 Q (Mvar)"
    assert ch06.input_label("pcc0_vm_pu") == "PCC 1 |V| (p.u.)"
    assert ch06.input_label("pcc1_dva_degree") == "PCC 2 angle difference (°)"
    assert ch06.coverage_shown(ch06.coverage_table(archived.isel(ds=[0]))).index.get_level_values("FPU").tolist() \
        == [1, 2, 3, 4]
    assert ch06.input_label("load_scale") == "DS load factor" and ch06.input_label("other") == "other"
    assert ch06.nice_log_ticks([33, 533]) == [50.0, 100.0, 200.0, 500.0]
    # data up to 3.5 get a label at 3, not only at 2 (the regressor panels of the sweep)
    assert ch06.nice_log_ticks([0.18, 3.5]) == [0.2, 0.5, 1.0, 2.0, 3.0]
    assert ch06.nice_log_ticks([1.0, 3.07]) == [1.0, 2.0, 3.0]
    assert ch06.nice_log_ticks([1, 1e6]) == [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]
    assert ch06.nice_log_ticks([]) == []


def drawn_for_the_column(fig) -> None:
    """A figure of the book: at most 7.5 in wide, no text under 9 pt, at most one legend."""
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    fig.canvas.draw()
    assert fig.get_size_inches()[0] <= 7.5
    small = [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_visible() and t.get_fontsize() < 9]
    assert small == []
    assert len(fig.findobj(Legend)) <= 1


@pytest.mark.parametrize("draw", ["coverage", "history", "sweep", "slice", "scaling"])
def test_figures_draw_from_a_store(archived, draw):
    small = archived.isel(ds=[0, 1])
    if draw == "coverage":
        fig = ch06.coverage_figure(small, max_points=50)
    elif draw == "history":
        fig = ch06.history_figure(small)
    elif draw == "sweep":
        fig = ch06.sweep_figure(small)
    elif draw == "slice":
        fig = ch06.slice_figure(small)
    else:
        t, _, per_sys = ch06.benchmark_table(archived)
        fig = ch06.scaling_figure(t, per_sys)
    assert isinstance(fig, Figure) and fig.findobj(plt.Axes)
    drawn_for_the_column(fig)
    plt.close(fig)


def test_a_k_keeps_its_colour_and_a_method_the_books_in_every_figure(archived):
    """Review findings (figures 16 to 20): a number of facets K has one colour in every sweep (by position, K = 4 was
    orange in one and blue in the other), the benchmark names and colours the methods as the book does, the
    training figure's axis says "held-out share", and a DS with fewer slices leaves no empty panel."""
    from matplotlib.colors import to_hex

    from forlab.book.plots import METHOD_STYLE

    def k_colours(fig):
        return {h.get_label(): to_hex(h.get_color()) for h in fig.legends[0].legend_handles if "K =" in h.get_label()}

    both = k_colours(ch06.sweep_figure(archived, ch06.sweep_keys(archived)))
    fewer = k_colours(ch06.sweep_figure(archived.isel(facets=[1, 3]), ch06.sweep_keys(archived)))
    assert len(set(both.values())) == len(both) and fewer == {k: both[k] for k in fewer}
    t, _, per_sys = ch06.benchmark_table(archived)
    legend = ch06.scaling_figure(t, per_sys).legends[0]
    methods = {h.get_label(): h for h in legend.legend_handles if "(right)" in h.get_label()}
    assert list(methods) == [f"{METHOD_STYLE[m]['label']} (right)" for m in ("integrated", "P2")]
    for handle, m in zip(methods.values(), ("integrated", "P2")):
        assert to_hex(handle.get_color()) == to_hex(METHOD_STYLE[m]["color"])
        assert handle.get_marker() == METHOD_STYLE[m]["marker"]
    systems = [to_hex(h.get_color()) for h in legend.legend_handles if h not in methods.values()]
    assert not {to_hex(v["color"]) for v in METHOD_STYLE.values()} & set(systems)
    history = ch06.history_figure(archived.isel(ds=[0]))
    assert "held-out share (%)" in [ax.get_ylabel() for ax in history.axes]
    slices = ch06.slice_figure(archived)
    assert all(ax.get_visible() and ax.axison for ax in slices.axes)
    assert len(slices.axes) == int((archived.slice_x_name.values != "").sum())
    for fig in (slices, history):
        plt.close(fig)


def test_every_star_of_the_slice_figure_lies_inside_its_panel(archived):
    """The TSO's choice can lie beyond a slice's sampled range (its other inputs differ): the panel widens its
    limits so that the star is drawn whole, not cut at the border."""
    fig = ch06.slice_figure(archived)
    stars = [(ax, line) for ax in fig.findobj(plt.Axes) for line in ax.get_lines() if line.get_marker() == "*"]
    assert len(stars) == int((archived.slice_x_name.values != "").sum())
    for ax, line in stars:
        (x,), (y,) = line.get_xdata(), line.get_ydata()
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        assert x0 < x < x1 and y0 < y < y1
    plt.close(fig)


def _outside_by(outline: np.ndarray, point) -> float:
    """How far ``point`` lies outside the convex polygon ``outline`` (<= 0 inside): the largest signed distance to
    the line of one of its edges, outwards positive."""
    edge = np.roll(outline, -1, axis=0) - outline
    turn = np.sign(np.sum(outline[:, 0] * np.roll(outline[:, 1], -1) - np.roll(outline[:, 0], -1) * outline[:, 1]))
    normal = turn * np.c_[edge[:, 1], -edge[:, 0]]
    length = np.linalg.norm(normal, axis=1)
    keep = length > 0
    return float(np.max(((np.asarray(point) - outline)[keep] * normal[keep]).sum(axis=1) / length[keep]))


def test_the_slice_thinner_than_the_grid_is_drawn_with_the_star_on_it(archived):
    """Review R3, finding 4: on case30+case33bw-2pcc/case33bw, FPU 2 Q against PCC 1 |V|, no grid point lies in the
    polytope's slice, so the contour of g on the grid drew nothing and the star sat outside any hatching. The panel
    now draws the polygon cut from the facets: it holds the TSO's choice (to a thousandth of the panel's ranges),
    its vertices keep every facet's rule A u + c <= 0 with one facet at zero, and the text names the thin slice."""
    key = "case30+case33bw-2pcc/case33bw"
    i = list(archived.ds.values).index(key)
    assert not (np.nan_to_num(archived.slice_g.values[i, 0], nan=1.0) <= 0).any()  # what the contour had
    fig = ch06.slice_figure(archived.isel(ds=[i]))
    (drawn,) = [p for p in fig.axes[0].patches if p.get_hatch() == "///"]
    outline = drawn.get_xy()[:-1]
    sur = DSSurrogate.from_json(str(archived.surrogate_json.values[i]))
    ix, iy = (sur.space.index(str(archived[f"slice_{a}_name"].values[i, 0])) for a in "xy")
    span = np.array([np.ptp(archived[f"slice_{a}_values"].values[i, 0]) for a in "xy"])
    star = archived.tso_u_peak.values[i][[ix, iy]]
    assert _outside_by(outline / span, star / span) < 1e-3
    u = np.tile(archived.slice_u_ref.values[i][:sur.space.dim], (len(outline), 1))
    u[:, [ix, iy]] = outline
    a, c = sur.polytope.linear_constraints()
    facets = u @ a.T + c
    assert facets.max() <= 1e-6 and np.isclose(facets.max(axis=1), 0, atol=1e-6).any()
    thin = ch06.thin_slices(archived)
    assert list(thin.key) == [key] and thin.width.iloc[0] < thin.step.iloc[0]
    text = ch06.slice_star_text(archived)
    assert f"on {key} (FPU 2 Q against PCC 1 |V|) the polytope holds FPU 2 Q to a band {thin.width.iloc[0]:.2g} " \
           "Mvar wide" in text and "on the hatched polytope's edge where" not in text
    plt.close(fig)


def test_a_panel_whose_slice_is_empty_says_so(archived):
    """A polytope that accepts no point of a slice (here every facet moved far out of the box) gets a note in its
    panel instead of nothing."""
    one = archived.isel(ds=[0]).copy(deep=True)
    sur = json.loads(str(one.surrogate_json.values[0]))
    sur["polytope"]["bias"] = [b + 1e3 for b in sur["polytope"]["bias"]]
    one["surrogate_json"].values[0] = json.dumps(sur)
    assert len(ch06.slice_outline(one, 0, 0)) == 0
    fig = ch06.slice_figure(one)
    assert ch06.figures.EMPTY_SLICE in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


def test_sentences_on_the_stars_and_on_the_price_of_safety(archived):
    stars = ch06.slice_star_text(archived)
    assert "for 5 of 8 DSs and strictly inside it for case30+case69+case33bw/case69, case30+case69+case33bw/" \
           "case33bw and case118+case136ma+case141/case141" in stars
    # the slices pass through the choice: the sentence counts the DSs whose power flow keeps its limits there, as
    # the store has them
    ok = int((archived.slice_ref_feasible.values == 1).sum())
    chosen = int(np.isfinite(archived.tso_u_peak.values).any(axis=1).sum())
    kept = f"all {chosen} DSs" if ok == chosen else f"{ok} of {chosen} DSs"
    assert "Every slice passes through that choice" in stars and f"keeps every limit for {kept}" in stars
    price = ch06.conservatism_text(archived)
    assert "up to 98.4 % on case118+case533mt_hi/case533mt_hi (held-out accuracy 49.2 %)" in price
    assert "case30+case33bw-2pcc/case33bw and case118+case533mt_hi/case533mt_hi reject more than half" in price
    assert "No polytope" in ch06.conservatism_text(archived.isel(ds=[0, 2]))


def test_every_slice_passes_through_the_tsos_choice_with_the_truth_there(tiny):
    """Review R2 of the rendered book: slices through the polytope's centre put the TSO's star off its slice (on
    white, or beyond the axes) and could not show whether the choice is feasible. Every input but a slice's two is
    now at the choice's value, every star lies within its slice's range, and the truth at the choice is stored."""
    st, _ = tiny
    names = [str(n) for n in st.input_name.values[0] if str(n)]
    peak, ref = st.tso_u_peak.values[0][:len(names)], st.slice_u_ref.values[0][:len(names)]
    assert np.isfinite(peak).all()
    np.testing.assert_allclose(ref, peak, atol=1e-6)
    for j in range(st.sizes["slice"]):
        for axis, name in (("x", st.slice_x_name.values[0, j]), ("y", st.slice_y_name.values[0, j])):
            values = st[f"slice_{axis}_values"].values[0, j]
            assert np.nanmin(values) - 1e-6 <= peak[names.index(str(name))] <= np.nanmax(values) + 1e-6
    from forlab.book import units  # the units a saved store gives them

    assert [units.unit_of(k, st[k]) for k in ("slice_ref_feasible", "slice_ref_vm_slack_pu")] == ["1", "p.u."]
    assert st.slice_ref_feasible.values[0] == 1 and "keeps every limit for its DS" in ch06.slice_star_text(st)


def test_a_choice_the_truth_rejects_is_named_a_false_feasible_choice(archived):
    """`slice_star_text` names the DSs whose power flow breaks a limit at the TSO's choice (none in the archived
    store: the sentence is checked on a copy with one such DS)."""
    broken = archived.copy(deep=True)
    broken["slice_ref_feasible"].values[0] = 0.0
    text = ch06.slice_star_text(broken)
    assert f"at the choice of {archived.ds.values[0]} it breaks one" in text and "false-feasible choice" in text
    assert ("false-feasible choice" in ch06.slice_star_text(archived)) == bool((archived.slice_ref_feasible == 0).any())
    # final read: a choice outside the sampled domain has no truth (NaN), not a broken limit; an older store without
    # the truth at the choice gets no sentence on it, not an error
    outside = archived.copy(deep=True)
    outside["slice_ref_feasible"].values[0] = np.nan
    text = ch06.slice_star_text(outside)
    assert f"the choice of {archived.ds.values[0]} lies outside the sampled domain" in text
    assert "false-feasible" not in text
    assert "keeps every limit" not in ch06.slice_star_text(archived.drop_vars("slice_ref_feasible"))


def test_the_slice_caption_says_what_colour_a_star_on_a_charts_edge_sits_on():
    """Final read: a choice on a chart's edge falls between grid points, and the nearest may lie outside the domain
    (white): the caption no longer promises that the colour under a star is the truth at the choice."""
    assert "a star on green is a choice the DS can deliver" not in _caption("fig-06-slices")
    assert "the text below gives the truth at the choice" in _caption("fig-06-slices")


def test_the_largest_system_clause_says_a_tie_or_nothing():
    """The time ratio on the system with the most DS buses: one system named as the one, a tie said as one, and no
    clause when every system has as many DS buses (nothing to compare)."""
    def per_sys(buses):
        n = len(buses)
        return pd.DataFrame({"feasibility_ratio_pct": [100.0] * n, "scenarios": [5] * n, "feasible": [5] * n,
                             "deviation_mean_pct": [0.01] * n, "deviation_max_pct": [0.02] * n,
                             "time_ratio_mean": [1.03, 0.67, 0.5][:n], "ds_buses": buses},
                            index=["a", "b", "c"][:n])

    assert "most DS buses" not in ch06.benchmark_targets(per_sys([33, 33]))
    assert ch06.benchmark_targets(per_sys([33, 69, 69])).endswith(
        "; on the systems with the most DS buses, which tie: b 0.67x (time reduction 33 %) and c 0.50x (time "
        "reduction 50 %).")
    assert ch06.benchmark_targets(per_sys([33, 533])).endswith(
        "; on the system with the most DS buses: b 0.67x (time reduction 33 %).")
    # review I #10: a ratio of times is written as the other chapters write it, its x attached to each end
    assert "Online / integrated: 0.67x to 1.03x on average per system" in ch06.benchmark_targets(per_sys([33, 533]))


def test_sentences_on_the_training_curves_and_the_sweep_against_the_final_fit(archived):
    """The training curves end before calibration and certification (margin labels), and the final surrogates add
    boundary and refinement samples to the sweep's: the page says so, with both scores."""
    history = ch06.history_text(archived)
    assert ("- **case9+case33bw/case33bw**: 97.9 % at the end of training; after calibration and certification "
            "93.8 % against the margin labels and 90.2 % against the true labels.") in history
    final = ch06.sweep_final_text(archived, ch06.sweep_keys(archived))
    largest = int(archived.n_train.values[-1])  # the sweep's largest size
    assert f"takes {grouped(largest)} Latin Hypercube training samples per DS" in final
    assert (f"all {grouped(largest)} Latin Hypercube training samples with {grouped(3000)} boundary and "
            f"{grouped(1500)} refinement samples") in final
    assert ("- **case9+case33bw/case33bw**: accuracy 94.1 % (K = 8) against 90.2 %; P RMSE 2.673 against 3.934 kW; "
            "Q RMSE 2.021 against 3.012 kvar.") in final
    assert final.count("\n- **") == 2


def test_the_coverage_sentence_gives_the_measured_spread(archived):
    text = ch06.coverage_text(ch06.coverage_table(archived))
    assert "with the points outside the chart rejected" in text
    assert "its density at most 2.9 % from a uniform one (the book counts a chart as uniformly covered within 10 %)" \
        in text
    assert "circle, cone, polygon and rectangle" in text


def test_the_run_log_says_its_flows_are_the_first_dataset(tiny):
    _, lines = tiny
    assert "first dataset (Latin Hypercube + boundary samples, before refinement)" in lines[0]


def test_a_failed_run_shows_no_time_ratio_and_no_violation_count():
    """A store written before the fix: the run whose TSO failed still holds a time ratio (from the failed solve's
    time) and -1 violation counts. The table shows neither (never -3) and the per-system times are over the finished
    run."""
    import xarray as xr

    runs = {"system": ["a", "a"], "scenario": ["peak", "s1"], "status": ["ok", "tso failed: Infeasible"],
            "ts_load_mean": [1.0, 0.8], "ds_load_mean": [1.0, 0.9], "integrated_cost": [100.0, 80.0],
            "integrated_solve_time_s": [0.2, 0.4], "cost": [100.1, np.nan], "deviation_pct": [0.1, np.nan],
            "tso_time_s": [0.1, 0.3], "time_ratio": [0.5, 0.75], "ds_p_error_mw": [0.01, np.nan],
            "n_vm_violations": [0, -1], "n_branch_violations": [2, -1], "n_gen_violations": [0, -1],
            "tso_success": [1, 0], "feasible": [0, 0]}
    st = xr.Dataset({f"bench_{k}": ("run", np.asarray(v)) for k, v in runs.items()})
    st = st.assign({"system": ("ds", np.array(["a"])), "n_bus": ("ds", np.array([33])),
                    "dataset_time_s": ("ds", np.array([1.0]))}).assign_coords(ds=["a/x"])
    t, table, per_sys = ch06.benchmark_table(st)
    assert table.violations.iloc[0] == 2 and pd.isna(table.violations.iloc[1])
    assert np.isnan(table["time ratio"].iloc[1]) and np.isnan(table["time reduction (%)"].iloc[1])
    assert np.isnan(t.time_ratio.iloc[1])
    assert per_sys.time_ratio_mean["a"] == 0.5 and per_sys.time_ratio_total["a"] == pytest.approx(0.5)
    assert per_sys.tso_ms_mean["a"] == pytest.approx(100.0)
    costs, times = ch06.benchmark_shown(table)
    assert costs.violations.tolist() == [2, "–"] and times["online / integrated"].iloc[1] == "–"
    # second read 2, item 1: a store without the DSOs' fit times has no offline time: "–" and words, never a crash
    # or "nan s" (before offline_seconds it summed what it had and printed a partial time)
    assert np.isnan(per_sys.offline_s["a"])
    assert ch06.per_system_shown(per_sys).iloc[0].str.contains("nan").sum() == 0
    assert "offline work of the DSOs not recorded in this store." in ch06.benchmark_summary(per_sys)
    assert costs.status.iloc[1] == "tso failed: Infeasible"


def test_a_polytope_accepting_hardly_any_feasible_sample_is_named_with_its_baseline(archived):
    """The 533-bus DS's polytope accepts 1.6 % of its feasible held-out samples: its accuracy (49.2 %) is barely
    above a reject-all classifier's (968 of 2000 infeasible, 48.4 %). The page gives both, per DS rejecting most, and
    qualifies that system's feasibility and time ratio (they were said as plain results)."""
    acc = ch06.acceptance(archived)
    assert acc.reject_all.round(3).tolist()[1::6] == [0.324, 0.484]
    assert ch06.little_accepted(archived).index.tolist() == ["case118+case533mt_hi/case533mt_hi"]
    price = ch06.conservatism_text(archived)
    assert ("case30+case33bw-2pcc/case33bw accepts 14.9 % of them, with a held-out accuracy of 42.5 % where "
            "rejecting every point scores 32.4 %; case118+case533mt_hi/case533mt_hi accepts 1.6 % of them, with a "
            "held-out accuracy of 49.2 % where rejecting every point scores 48.4 %.") in price
    assert "Of these, case118+case533mt_hi/case533mt_hi accepts less than 5 %, so by its held-out scores" in price
    assert ("On case118+case533mt_hi, the feasibility ratio and the ratio online / integrated are therefore those of a "
            "TSO") in price
    assert "stay feasible because" not in price
    bt, _, bsys = ch06.benchmark_table(archived)
    text = ch06.benchmark_text(bt, bsys, paper=True, narrow=ch06.little_accepted(archived))
    held = "a TSO held to the polytope of case118+case533mt_hi/case533mt_hi"
    assert f"(time reduction 86 %), measured with {held}, which accepts hardly any feasible input" in text
    assert f"feasible in the T+D power flow. On case118+case533mt_hi, that is the feasibility of {held} (see" in text
    assert ch06.benchmark_text(bt, bsys, paper=True).endswith("feasible in the T+D power flow.")
    # the repeat count by its value (the page once read "the fastest of timing_repeats solves" and never gave it)
    assert ("\n\nEvery solver time above is the fastest of 3 solves of its OPF from the same start (the parameter "
            "`timing_repeats`).\n\n") in text
    assert ch06.timing_text(bt.drop(columns="timing_repeats")) == ""  # a store from before it was recorded


def test_the_narrow_polytope_caveat_is_said_in_full_once(archived):
    """Review R3, finding 9: "held to a polytope that accepts 1.6 %" was said five times in four paragraphs and a
    caption. The share is now given once (the conservatism paragraph, with its reject-all baseline, then what it
    means); the targets line, the feasibility sentence, the scaling text and the caption refer to it briefly."""
    narrow = ch06.little_accepted(archived)
    share = f"accepts {100 * narrow.accepted.iloc[0]:.1f} %"
    bt, _, bsys = ch06.benchmark_table(archived)
    said = [ch06.benchmark_text(bt, bsys, paper=True, narrow=narrow), ch06.conservatism_text(archived),
            ch06.scaling_text(bsys, narrow), _caption("fig-06-scaling")]
    assert [text.count(share) for text in said] == [0, 1, 0, 0]
    assert [text.count("held to") for text in said] == [2, 1, 1, 1]
    assert all("the price of safety" in text for text in said[::2] + said[3:])


def test_the_time_ratio_is_read_with_the_ts_fixed(archived):
    """Review R3, finding 5: the chapter called the ratio "a matter of size", then said its figure could not separate
    size from the TS. One statement now, from the store: the integrated time against the DS buses, the surrogate
    TSO's range, and the ratio across the systems that share a TS, the case118 pair's last point qualified."""
    _, _, bsys = ch06.benchmark_table(archived)
    text = ch06.scaling_text(bsys, ch06.little_accepted(archived))
    pair = bsys.loc[["case118+case136ma+case141", "case118+case533mt_hi"]]
    r0, r1 = pair.time_ratio_mean
    assert r1 < r0 and (f"On case118 (case118+case136ma+case141 and case118+case533mt_hi) the online / integrated "
                        f"falls from {r0:.2f}x to {r1:.2f}x as the DS buses go from 277 to 533") in text
    assert text.endswith("Its last point is a TSO held to a polytope that accepts hardly any feasible input (see the "
                         "price of safety above).")
    # final read of session 57, finding 7: the surrogate TSO's range is said once, by `scaling_text` itself
    assert "The integrated AC-OPF's mean time grows with the DS buses. The systems differ" in text
    assert "stays between" not in text
    md = prose_of(NOTEBOOK)
    assert "matter of size" not in md and "does not separate the two" not in md
    assert "scaling_text(bsys, ch06.little_accepted(big))" in code_of(NOTEBOOK)


def test_the_pointers_to_the_price_of_safety_find_it(archived):
    """Final read of session 57, finding 5: the benchmark and scaling sentences point to `HELD_NOTE` ("see the price
    of safety below/above"), and the paragraph they mean, `conservatism_text`, never said the phrase. It now opens
    with it in bold, on every branch of its opening."""
    narrow = ch06.little_accepted(archived)
    bt, _, bsys = ch06.benchmark_table(archived)
    pointers = [ch06.benchmark_text(bt, bsys, paper=True, narrow=narrow), ch06.scaling_text(bsys, narrow)]
    assert all(f"see {HELD_NOTE}" in text for text in pointers)
    broken = archived.copy()
    broken["bench_feasible"] = broken.bench_feasible * 0
    for st in (archived, broken, archived.isel(ds=[0]), archived.drop_vars("bench_feasible")):
        price = ch06.conservatism_text(st)
        assert price.startswith(PRICE_TITLE) and HELD_NOTE in price.lower()


def test_a_thin_slice_of_an_input_without_a_unit_is_said(archived, monkeypatch):
    """Final read of session 57, finding 6: `_thin_slices_text` split every input label at its unit, and raised for
    one without ("DS load factor", or a name `input_label` does not know). The archived thin slice, its inputs
    renamed so: the sentence names them whole, with no unit, and the units of the others stay as they were."""
    thin = ch06.thin_slices(archived)
    said = ch06_text._thin_slices_text(archived)
    odd = thin.assign(x="load_scale", thin="load_scale", y="a_name_without_words")
    monkeypatch.setattr(ch06_text, "thin_slices", lambda st: odd)
    text = ch06_text._thin_slices_text(archived)
    r = thin.iloc[0]
    assert (f"({ch06.input_label('load_scale')} against a_name_without_words) the polytope holds "
            f"{ch06.input_label('load_scale')} to a band {r.width:.2g} wide at the choice, less than one grid step "
            f"of the colours ({r.step:.2g})") in text
    assert f"{r.width:.2g} {ch06.input_label(r.thin).rpartition(' (')[2].rstrip(')')} wide" in said


def test_one_ds_bus_size_reads_no_growth(archived):
    """Final read of session 57, finding 7: with one DS-bus size the growth test ran on an empty diff, which is
    "all growing", and the page said the integrated time "grows with the DS buses". Two systems of the archived
    store with as many DS buses: no reading of size at all."""
    _, _, bsys = ch06.benchmark_table(archived)
    same = bsys[bsys.ds_buses == bsys.ds_buses.min()]
    assert len(same) > 1
    text = ch06.scaling_text(same)
    assert "grow" not in text and text.endswith(f"{same.time_ratio_mean.iloc[-1]:.2f}x.")


def test_the_narrow_polytopes_are_named_by_one_phrase_and_the_ts_by_the_grammar():
    """Final read of session 57, finding 12: `_narrow_feasibility` wrote out the "polytope(s) of ..." phrase that
    `_held_to` writes, and `_ts_of` split names on "+" beside `forlab.grid.td.parse_system`. One helper each now."""
    from forlab.grid import td

    tree = ast.parse(Path(ch06_text.__file__).read_text())
    calls = {f.name: {n.func.id for n in ast.walk(f) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
             for f in tree.body if isinstance(f, ast.FunctionDef)}
    assert "_polytopes_of" in calls["_held_to"] and "_polytopes_of" in calls["_narrow_feasibility"]
    assert 'split("+")' not in Path(ch06_text.__file__).read_text()
    assert all(ch06_text._ts_of(name) == td.parse_system(name)[0] for name in td.SYSTEMS)


def test_the_case30_pair_says_its_pccs_per_ds_differ(archived):
    """The fixed-TS reading also pairs case30+case33bw-2pcc (one DS, two PCCs) with case30+case69+case33bw (DSs with
    one PCC each): that ratio changes with the coupling as well, and the page says so; the case118 pair, one PCC per
    DS on both, keeps its reading unqualified. The PCCs per DS come from the store's cases."""
    _, _, bsys = ch06.benchmark_table(archived)
    text = ch06.scaling_text(bsys, ch06.little_accepted(archived))
    c = ch06.cases(archived)
    per_ds = c.n_pcc.groupby(c.system).mean()
    case30 = ["case30+case33bw-2pcc", "case30+case69+case33bw"]
    assert per_ds[case30[0]] > 1 and per_ds[case30[1]] == 1
    said = " and ".join(f"{per_ds[k]:g} on {k}" for k in case30)
    assert (f"There the PCCs per DS differ as well ({said}), so that ratio does not follow the DS buses alone. "
            f"On case118 ") in text
    assert text.count("PCCs per DS differ") == 1
    assert "in which only the DSs grow" not in prose_of(NOTEBOOK) and "DSs alone grow" not in text


def test_the_chapters_long_sentences_are_split():
    """Review R3, finding 8: the benchmark table's introduction (about 149 words), the start sentence (101) and the
    Fig. 23 caption (138) were single sentences. No sentence of that section's text or of the caption reaches 100
    words."""
    benchmark = next(c for c in sources(NOTEBOOK, "markdown") if c.startswith("### The benchmark"))
    text = benchmark + "\n\n" + _caption("fig-06-scaling")
    text = re.sub(r"`[^`]*`", "code", text)  # code names hold dots that are no sentence ends
    longest = max(len(s.split()) for s in re.split(r"(?<=[.:;?!])\s+(?=[A-Z{-])|\n\s*\n|\n- ", text))
    assert longest < 100


def test_the_vertex_sentence_says_which_test_fails(archived):
    """Fresh vertices are checked by the strict labels; the judge allows 1e-4 p.u. and 101 %. A DS whose worst vertex
    is 0.0049 p.u. outside a voltage band (the 533-bus DS's in an earlier archived run) fails beyond the judge's
    tolerance too; one at 100.5 % loading would not. The page names such a DS exactly when the store has one (the
    archived run written at 33f0192 has the 533-bus DS's again)."""
    failing = archived.ds.values[archived.test_vertex_infeasible_share.values > 0].tolist()
    assert [k for k in archived.ds.values if f"Fresh vertices of {k} fail" in ch06.safety_summary(archived)] == failing
    ds = "case118+case533mt_hi/case533mt_hi"
    bad = archived.copy()
    bad["test_vertex_infeasible_share"] = bad.test_vertex_infeasible_share.where(bad.ds != ds, 0.02)
    bad["test_vertex_min_vm_slack_pu"] = bad.test_vertex_min_vm_slack_pu.where(bad.ds != ds, -0.0049)
    safety = ch06.safety_summary(bad)
    assert f"Fresh vertices of {ds} fail the strict labels" in safety
    assert "a limit is broken by more than the judge's tolerances (1e-4 p.u. of voltage, 101 % loading)" in safety
    assert "still fail the power flow" not in safety
    mild = bad.copy()
    mild["test_vertex_min_vm_slack_pu"] = mild.test_vertex_min_vm_slack_pu.clip(min=0.0)
    mild["test_vertex_max_loading_percent"] = mild.test_vertex_max_loading_percent.clip(max=100.5)
    text = ch06.safety_summary(mild)
    assert f"The vertices of {ds} stay within the judge's tolerances" in text
    assert "also finds infeasible" not in text


def test_the_page_names_its_two_feasibility_tests_and_its_symbols():
    """Cell texts: the strict label against the judge's tolerances, the hinge margin gamma (m is the offer's safety
    margin elsewhere), delta_S as a share; the changelog asides are gone; the stored-subset coverage is said and
    titled; the paper benchmark gets the DSs whose polytope accepts hardly anything."""
    md, code = prose_of(NOTEBOOK), code_of(NOTEBOOK)
    assert "**feasible by the strict label**" in md and "`forlab.opf.judge.LOADING_TOL`" in md
    assert "$\\delta_S = \\texttt{loading\\_margin\\_percent} / 100$" in md
    assert "margin $\\gamma$ = `margin`" in md and "(\\gamma - y_i s_i)" in md and "(m - y_i s_i)" not in md
    assert "scaled down from a first plan" not in md and "Its progress goes to" not in md
    assert "computed on the stored samples only" in md
    assert "narrow=ch06.little_accepted(big)" in code
    assert "tables.titled(ch06.coverage_summary_tables(" in code


def test_the_coverage_summary_has_a_title_saying_it_reads_the_stored_samples(archived):
    (title, frame), = ch06.coverage_summary_tables(ch06.coverage_table(archived))
    assert "kept in the store" in title and frame.index.name == "chart kind"


def test_the_price_of_safety_opens_with_what_the_benchmark_found(archived):
    """`conservatism_text` once opened "Feasible dispatches are bought with conservatism, and each DS pays a different
    price" whatever the benchmark found: now the opening holds only where every dispatch is feasible, and one DS or
    equal rates are said as such."""
    assert ch06.conservatism_text(archived).startswith(f"{PRICE_TITLE}Feasible dispatches are bought with "
                                                       "conservatism, and each DS pays a different price: its "
                                                       "polytope rejects 10.9 %")
    broken = archived.copy()
    broken["bench_feasible"] = broken.bench_feasible.where(np.arange(broken.sizes["run"]) >= 2, 0)
    price = ch06.conservatism_text(broken)
    assert price.startswith(f"{PRICE_TITLE}Conservatism did not make every benchmark dispatch feasible (2 of "
                            f"{broken.sizes['run']} are not, listed with the benchmark)")
    assert "Feasible dispatches are bought" not in price
    one = ch06.conservatism_text(archived.isel(ds=[0]))
    assert "different price" not in one and ": the polytope rejects 14.0 % of the feasible held-out samples on " \
        "case9+case33bw/case33bw (held-out accuracy 90.2 %)." in one
    equal = archived.isel(ds=[0, 2]).copy()
    equal["test_false_infeasible_rate"] = equal.test_false_infeasible_rate * 0 + 0.2
    same = ch06.conservatism_text(equal)
    assert "every DS pays the same price: each polytope rejects 20.0 % of its DS's feasible held-out samples" in same
    assert "different price" not in same and "up to" not in same


def test_the_offline_text_cuts_the_sweep_size_as_the_sweep_does(archived):
    """The sweep fits its largest size cut to each DS's Latin Hypercube training set (`sweep_final_text` says so);
    `offline_text` once printed the size uncut, and claimed the plain fits "no worse" where no vertex share was
    measured."""
    lhs = f"{grouped(archived.n_train.values[-1])} Latin Hypercube"  # the sweep's largest size, within every DS's set
    assert f"fitted on {lhs} samples without them" in ch06.offline_text(archived)
    beyond = archived.assign_coords(n_train=[500, 2000, 20000])
    text = ch06.offline_text(beyond)
    assert f"fitted on {lhs} samples without them" in text and grouped(20000) not in text
    assert f"takes {lhs} training samples per DS" in ch06.sweep_final_text(beyond)
    beyond["sweep_vertex_infeasible_share"] = beyond.sweep_vertex_infeasible_share * np.nan
    text = ch06.offline_text(beyond)
    assert "no worse" not in text and "nan" not in text
    assert "the sweep's polytopes have no measured share of infeasible vertices, so this store cannot compare" in text


def _caption(name: str) -> str:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    return next(c["metadata"]["mystnb"]["figure"]["caption"] for c in cells
                if c["metadata"].get("mystnb", {}).get("figure", {}).get("name") == name)


def test_the_captions_describe_what_is_drawn_and_leave_verdicts_to_the_text():
    """A caption is written once for every run; what a run's data say is generated: the sweep's false-feasible rate
    and vertex share rise with the training set in some panels of the paper sweep, the coverage's evenness is
    `coverage_text`'s verdict, and no function counts hatched cells on infeasible truth."""
    assert "fall as the training set grows" not in _caption("fig-06-sweep")
    assert "fill each chart shape evenly" not in _caption("fig-06-coverage") and "table below the figure" in _caption("fig-06-coverage")
    assert "stays inside" not in _caption("fig-06-slices")
    assert "the polytope hatched with a black edge" in _caption("fig-06-slices")


def test_the_page_defines_a_violation_once_and_says_what_the_archived_stores_hold(archived):
    """Review D: the benchmark's first definition of a violation gave tolerances for two kinds only and claimed four
    kinds of the archived paper store, which holds three; the page said every store names its machine, which the
    archived one does not; and the surrogate's JSON size and the exchanged bytes of chapter 09 were not reconciled."""
    from forlab.opf.judge import VIOLATION_COUNTS

    prose = " ".join(prose_of("06_ml_surrogate").split())
    for tol in ("V_TOL", "LOADING_TOL", "GEN_TOL", "ANGLE_TOL_RAD"):
        assert f"by more than `forlab.opf.judge.{tol}`" in prose
    assert "voltage above 1e-4 p.u. outside its band" not in prose  # the first, partial definition is gone
    held = [c for c in VIOLATION_COUNTS if f"bench_{c}" in archived]
    # review B #4: the archived store keeps every count (the one written before 33f0192 did not keep the
    # angle-difference count; the page says what such a store sums, and that its verdict includes the angle limits)
    assert held == list(VIOLATION_COUNTS)
    assert ("A store written before the angle-difference count was kept sums the other three kinds; its feasibility "
            "verdict still includes the angle-difference limits") in prose
    assert "before the judge counted angle differences" not in prose
    t, table, _ = ch06.benchmark_table(archived)
    assert (table.violations.astype(int).to_numpy() == t[held].sum(axis=1).to_numpy()).all()
    # review B #5: one sentence that parses, on the attributes the stores keep, and no re-run the reader cannot see
    machine = ("The machine that wrote a store is in its attributes (`cpu_model`, `blas_kernel` and `cpu_count`, from "
               "`forlab.book.provenance`).")
    assert machine in prose and {"cpu_model", "blas_kernel", "cpu_count"} <= set(archived.attrs)
    assert "holds only `cpu_count`" not in prose  # true of the store written before 33f0192, not of this one
    assert "Every store names the machine" not in prose and "records the machine name it" not in prose
    assert "re-run on a machine" not in prose
    assert "pickled as Dask sends it (`forlab.book.parallel.wire_bytes`" in prose


def test_p2s_offline_time_has_one_reading_and_its_fallback_agrees_with_the_record(archived):
    """Review K, item 2: chapter 06's table summed the per-DS times itself (ignoring the record's ``offline_time_s``)
    and chapter 09 read the record with another fallback (the training time). One reading now
    (`offline_seconds`); on the archived store the record and the per-DS sum it falls back to agree."""
    from forlab.studies.ch06_ml_surrogate import readers

    t, c = readers.runs(archived), readers.cases(archived)
    recorded = readers.offline_seconds(t, c)
    summed = readers.offline_seconds(t.drop(columns="offline_time_s"), c)
    assert recorded.index.tolist() == list(dict.fromkeys(t.system)) and (recorded > 0).all()
    assert np.allclose(recorded, summed.reindex(recorded.index), rtol=1e-9)
    assert np.isnan(readers.offline_seconds(t.drop(columns="offline_time_s"),
                                            c.drop(columns=["fit_time_s", "train_time_s"], errors="ignore"))).all()


def test_the_training_figure_draws_its_shares_in_no_methods_colour(archived):
    """Figure review R2 #2: the held-out accuracy was P1's blue and the false-feasible rate P2's orange, two shares of
    P2's polytope that read as two methods. Both take the book's colours for categories that are no method
    (`forlab.book.plots.category_colours`), in the panels and the legend alike."""
    from matplotlib.colors import to_hex

    from forlab.book.plots import METHOD_STYLE, category_colours
    from forlab.studies.ch06_ml_surrogate import figures

    assert list(figures.HISTORY_COLOURS.values()) == category_colours(2)
    methods = {to_hex(s["color"]) for s in METHOD_STYLE.values()}
    fig = ch06.history_figure(archived.isel(ds=[0]))
    drawn = {to_hex(ln.get_color()) for ax in fig.axes for ln in ax.lines}
    legend = {h.get_label(): to_hex(h.get_color()) for h in fig.legends[0].legend_handles}
    shares = {legend["held-out accuracy"], legend["held-out false-feasible rate"]}
    assert shares == set(map(to_hex, category_colours(2)))
    assert not (drawn | set(legend.values())) & (methods - {to_hex("black")})  # black: the loss, as before
    plt.close(fig)


def test_the_benchmark_figure_draws_p2_as_p2_and_keeps_two_systems_of_one_size_apart(archived):
    """Figure review R2 #6: the left and middle panels drew P2's results with P1's circle; the two 33-bus systems sat
    on one abscissa (in the right panel, coloured by method, they could not be told apart); and the smallest system
    lay left of the first label. P2's triangle, systems of one size a little apart (`SAME_SIZE_SHIFT` decades), and a
    label at the smallest system's DS buses on every panel."""
    from forlab.book.plots import METHOD_STYLE
    from forlab.studies.ch06_ml_surrogate import figures

    t, _, per_sys = ch06.benchmark_table(archived)
    fig = ch06.scaling_figure(t, per_sys)
    for ax in fig.axes[:2]:
        markers = {ln.get_marker() for ln in ax.lines if ln.get_linestyle() == "None"}  # not the equal-times line
        assert markers == {METHOD_STYLE["P2"]["marker"]}
    systems = list(dict.fromkeys(t.system))
    xs = [set(ax.lines[i].get_xdata()) for ax in fig.axes[:1] for i in range(len(systems))]
    same = per_sys.ds_buses[per_sys.ds_buses.duplicated(keep=False)]
    assert len(same) >= 2  # the archived run's two 33-bus systems
    places = {s: x.pop() for s, x in zip(systems, xs)}
    assert len({places[s] for s in same.index}) == len(same)  # apart
    assert np.log10(max(places[s] for s in same.index) / min(places[s] for s in same.index)) == pytest.approx(
        figures.SAME_SIZE_SHIFT * (len(same) - 1))
    right = {x for ln in fig.axes[2].lines for x in ln.get_xdata()}
    assert {places[s] for s in same.index} <= right  # the right panel keeps them apart too
    smallest = float(per_sys.ds_buses.min())
    for ax in fig.axes:
        assert smallest in list(ax.xaxis.get_majorticklocs())
        lo, hi = ax.get_xlim()
        assert lo < min(places.values()) and max(places.values()) < hi
    plt.close(fig)


def test_a_scheduler_that_is_no_address_is_refused_before_a_kernel_starts():
    """Review R1, item 2 (chapter 06 as chapters 03, 05, 07 and 12): the connection's own rule
    (`forlab.book.parallel.check_address`) in the chapter's check."""
    from forlab.book import parallel

    with pytest.raises(ValueError, match=r"^scheduler must look like 'tcp://host:8786' "
                                         rf".*\({re.escape(parallel.NO_SCHEDULER)}\), got 'nope'$"):
        ch06.check_params({**TINY, "scheduler": "nope"})
    ch06.check_params({**TINY, "scheduler": "tcp://127.0.0.1:8786"})
