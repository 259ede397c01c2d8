"""Chapter 04 study module: parameters, the offers' readers and text helpers, and the figures, on the archived store
(7 DSs) and on tiny tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from figure_colours import method_colours
from notebook_cells import code_of, sources
from printed_numbers import page_text, ungrouped

from forlab.book import plots, runner, store
from forlab.book.tables import grouped
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import ImplicitPolynomial, central_point
from forlab.p1_for.representation import clopper_pearson_interval, clopper_pearson_upper
from forlab.p1_for.tso import pcc_start
from forlab.studies import ch04_for_representation as ch04
from forlab.studies.ch04_for_representation import paper as ch04_paper
from forlab.studies.ch04_for_representation import readers as ch04_readers
from forlab.studies.ch04_for_representation import text as ch04_text
from forlab.studies.ch04_for_representation.figure_text import _cut_features, _plain
from forlab.studies.ch04_for_representation.readers import _cost_residual, _cut_of, _volume_interval
from forlab.studies.ch04_for_representation.text import _degree_label, _volume_part

ROOT = Path(__file__).resolve().parents[1]
ARCHIVED = ROOT / "archive" / "04_for_representation" / "f825faf9f520.nc"
PARAMS = {"regions": ["case9+case33bw/case33bw"], "n_directions": 40, "face_grid": 3, "n_labelled": 300,
          "boundary_fraction": 0.75, "split": [0.3, 0.3, 0.4], "n_cost": 100, "degrees": [2, 4, 6],
          "convex_options": [True, False], "regs": [1e-05], "target_false_feasible": 0.0, "tol": 0.001, "seed": 0,
          "n_workers": 0}


@pytest.fixture(scope="module")
def archived():
    return store.open_path(ARCHIVED)



def test_archived_store_opens_with_ds_as_its_dimension(archived):
    assert "ds" in archived.dims and "region" not in archived.variables
    assert str(archived.ds.values[0]) == "case9+case33bw/case33bw"


def test_parameter_checks():
    ch04.check_params(PARAMS)
    with pytest.raises(ValueError, match="<system>/<DS>"):
        ch04.check_params({**PARAMS, "regions": ["case33bw"]})
    with pytest.raises(ValueError, match="split"):
        ch04.check_params({**PARAMS, "split": [0.5, 0.6, 0.1]})
    with pytest.raises(ValueError, match="n_cost"):
        ch04.check_params({**PARAMS, "n_cost": -1})
    # review finding: 12 passed and failed after the whole offline run, blaming the region
    with pytest.raises(ValueError, match=r"n_cost must be at least 13 \(an integer\), got 12: the price's fit"):
        ch04.check_params({**PARAMS, "n_cost": 12})
    ch04.check_params({**PARAMS, "n_cost": 13})
    with pytest.raises(ValueError, match="boundary_fraction"):
        ch04.check_params({**PARAMS, "boundary_fraction": 1.5})


NOTEBOOK = ROOT / "notebooks" / "04_for_representation.ipynb"


@pytest.mark.parametrize(("name", "value", "says"), [
    ("regions", ["case9+case33bw/case69"], r"regions: system 'case9\+case33bw' has no DS 'case69'; pass one of 'case9\+case33bw/case33bw'"),
    ("regions", ["nosuch/x"], "regions: .*nosuch"),
    ("regions", [], "regions must be a non-empty list"),
    ("degrees", [], "degrees must be a non-empty list"), ("degrees", [2, 3], r"degrees must .* among \[2, 4, 6\]"),
    ("convex_options", [], "convex_options must be a non-empty list"),
    ("regs", [], "regs must be a non-empty list"), ("regs", [-1e-3], "regs must be"),
    ("target_false_feasible", -0.1, "target_false_feasible must be"),
    ("target_false_feasible", 1.5, "target_false_feasible must be"),
    ("split", [1.5, -0.2, -0.3], "split must be three positive shares"),
    ("tol", 0.0, "tol must be a positive distance"), ("tol", -1e-3, "tol must be a positive distance"),
    # review finding: a repeat was fitted twice, then the store's offer_json was unreadable JSON
    ("regions", ["case9+case33bw/case33bw", "case9+case33bw/case33bw"],
     r"regions must not repeat an entry, .*\(case9\+case33bw/case33bw twice\)"),
    # review R1 #8: 0 passed and failed in the labelling with a numpy IndexError; -1 was "non-negative"
    ("n_labelled", 0, r"^n_labelled must be a positive integer, got 0$"),
    ("n_labelled", -1, r"^n_labelled must be a positive integer, got -1$"),
])
def test_a_bad_value_is_refused_before_any_sampling(name, value, says):
    """Review finding: these passed check_params and failed only after the sampling (or with a bare KeyError)."""
    with pytest.raises(ValueError, match=says):
        ch04.check_params({**PARAMS, name: value})


def test_n_labelled_is_checked_as_chapter_10_checks_it():
    """Review R1 #8: `forlab run 04_for_representation -p n_labelled 0` started a kernel; it stops before one now
    (`runner.check_values`, exit 2), in the words chapter 10 uses for the same parameter, and 1 passes."""
    from forlab.studies import ch10_consuming_an_offer as ch10

    ch04.check_params({**PARAMS, "n_labelled": 1})
    with pytest.raises(ValueError) as ch10_err:
        ch10.check_params({**runner.chapter_params(ch10.CHAPTER), "n_labelled": 0})
    with pytest.raises(runner.ParameterError) as err:
        runner.check_values("04_for_representation", {**runner.declared_parameters(NOTEBOOK), "n_labelled": 0})
    assert str(err.value) == f"04_for_representation: {ch10_err.value}"
    with pytest.raises(ValueError) as shared:  # the runner's one rule, in both chapters
        runner.check_positive_value("n_labelled", 0, integer=True)
    assert str(ch10_err.value) == str(shared.value)


@pytest.mark.parametrize("profile", [None, "paper"])
def test_the_defaults_and_the_profiles_pass_the_checks(profile):
    declared, profiles = runner.declared_parameters(NOTEBOOK), runner.profiles(NOTEBOOK)
    assert "paper" in profiles
    ch04.check_params(runner.resolve_parameters(declared, profile=profile, available_profiles=profiles))


@pytest.mark.parametrize(("name", "value"), [("degrees", "abc"), ("convex_options", "abc"), ("regs", "abc"),
                                             ("tol", "0.001"), ("target_false_feasible", "0.0"),
                                             ("convex_options", [1, 0]), ("degrees", [2, 4.0]), ("seed", None)])
def test_a_wrong_type_is_refused_naming_the_parameter(name, value):
    with pytest.raises(TypeError, match=f"parameter '{name}' must be"):
        ch04.check_params({**runner.declared_parameters(NOTEBOOK), name: value})


def test_offers_round_trip_and_are_saved_next_to_the_store(archived, tmp_path):
    ds = str(archived.ds.values[0])
    off = ch04.offer(archived, ds)
    assert isinstance(off, Offer) and off.to_dict() == json.loads(str(archived.offer_json.sel(ds=ds).values))
    out = ch04.save_offers(archived, tmp_path / "abc.nc")
    assert out == tmp_path / "abc-offers"
    assert sorted(p.name for p in out.iterdir()) == sorted(ch04.offer_file(str(d)) for d in archived.ds.values)
    assert Offer.load(out / ch04.offer_file(ds)).to_dict() == off.to_dict()


def test_offer_contents_text(archived, tmp_path):
    text = ch04.offer_contents_text(archived, tmp_path)
    size = len(str(archived.offer_json.values[0]).encode()) / 1e3  # kB of 1000 bytes, as every chapter (not 1024)
    assert f"is {grouped(size, 1)} kB of JSON" in text and text.endswith("gives the same file bit for bit.")
    # the file's JSON against the pickled bytes other chapters count as exchanged, said where the size is given
    assert ch04.PICKLED_WORDS in text and "`forlab.book.parallel.wire_bytes`" in ch04.PICKLED_WORDS
    assert "- polynomial: degree" in text and list(tmp_path.iterdir()) == []  # the check files are removed
    d = json.loads(str(archived.offer_json.values[0]))
    assert f"- top-level keys: `{'`, `'.join(d)}`" in text and "{" not in text  # words, not a Python dict
    assert f"`ts_bus` {d['pcc']['ts_bus']}" in text and f"`sn_mva` {d['base']['sn_mva']}" in text


COUNTS = ("test_n_infeasible", "test_n_feasible", "test_n_false_feasible", "test_uniform_n_feasible", "test_uniform_n",
          "test_uniform_hull_disagree")
"""The counts of test points of `ch04.offer_info`, which a larger run multiplies."""


def test_every_number_the_page_prints_is_grouped_from_a_thousand_on(archived, tmp_path):
    """Fix G2: the page printed its counts of test points, its costs in $/h, its kB and offline seconds with plain
    formats, so a larger run would have read "false-feasible 0 of 2180 infeasible test points" and "(2653.00 $/h)"
    beside the book's "5 296.69 $/h" (its anchors). Every number of the page that can reach a thousand takes the one
    grouping, `forlab.book.tables.grouped`: no text or table the notebook shows of the archived store (both its
    sections) prints one without it, nor of its offers as a larger run would have them (ten times the test points
    and the mean DS cost, offline times past a thousand seconds; chapter 12's check, `ungrouped`)."""
    cand, info = ch04.candidates(archived), ch04.offer_info(archived)
    tol = json.loads(archived.attrs["parameters"])["tol"]
    shown = [ch04.candidate_printable(cand, info), ch04.convexity_text(cand), *ch04.offer_tables(info),
             ch04.offer_lines(info), ch04.volume_agreement_text(info), ch04.level_set_text(archived, tol),
             ch04.price_surface_text(archived), ch04.cost_miss_text(archived),
             ch04.offer_contents_text(archived, tmp_path), *ch04.paper_tables(archived), ch04.paper_text(archived)]
    larger = info.assign(**{c: 10 * info[c] for c in (*COUNTS, "cost_mean")})
    offline = pd.Series(1000 + np.arange(len(info)) + 0.25, index=info.index)
    shown += [*ch04.offer_tables(larger, offline), ch04.offer_lines(larger), ch04.volume_agreement_text(larger)]
    found = {i: ungrouped(page_text(s)) for i, s in enumerate(shown)}
    assert not {i: f for i, f in found.items() if f}, found
    # the larger run has such numbers where the page prints them: the check is not empty
    r = larger.iloc[0]
    assert r.test_n_infeasible >= 1000 and r.cost_mean >= 1000
    line = ch04.offer_lines(larger).split("\n- **")[0]  # the first DS's bullet with its sub-items
    assert f"of {grouped(r.test_n_infeasible)} infeasible test points" in line
    assert f"({grouped(r.cost_mean, 2)} $/h)" in line
    region, price = (t for _, t in ch04.offer_tables(larger, offline))
    assert region["infeasible test points"].iloc[0] == grouped(r.test_n_infeasible)
    assert list(price["offline time (s)"]) == [grouped(v, 1) for v in offline]


def test_candidates_and_convexity_text(archived):
    cand = ch04.candidates(archived)
    assert set(cand.ds) == {str(d) for d in archived.ds.values}
    by = ch04.candidate_table(cand)
    assert by.index.names == ["ds", "degree", "convex"] and list(by.columns) == ch04.CANDIDATE_COLUMNS
    text = ch04.convexity_text(cand)
    mean = cand.groupby("convex").val_margin.mean()
    assert f"SOS-convex candidates get a margin of {mean[True]:.3f}" in text
    assert f"the unconstrained ones get {mean[False]:.3f}" in text
    assert ch04.convexity_text(cand[cand.convex.astype(bool)]) == ""
    # no infeasible labelled point lies inside the samples' hull: the "dents" explanation is not what the data show
    assert "dents" not in text and "forlab's reading, not a measurement" in text
    # review finding: the average hid a pair where convexity keeps more; the text counts the pairs
    rate = by.test_false_infeasible_rate.unstack("convex").dropna()
    differ = rate[(rate[True] - rate[False]).abs() > 1e-12]
    assert f"on {(differ[True] > differ[False]).sum()} of {len(differ)}." in text
    assert 0 < (differ[True] > differ[False]).sum() < len(differ)  # the archived store has such a pair


def test_offer_lines_report_the_slope_error_when_the_store_has_it():
    row = {"degree": 4, "convex": False, "margin": 0.05, "test_false_feasible_rate": 0.0, "test_n_false_feasible": 0,
           "test_n_infeasible": 200, "test_false_feasible_upper": 0.015, "test_false_infeasible_rate": 0.1,
           "test_n_feasible": 100, "test_volume_kept": 0.8, "cost_r2": 0.999, "cost_rel_error_mean": 0.01,
           "cost_rel_error_max": 0.03, "cost_mean": 12.0}
    old = pd.DataFrame([row], index=["sys/ds"])
    assert "slope error" not in ch04.offer_lines(old)
    # no false-feasible point in 200, but the bound (1.5 %) is not below the target: not shown, never "met"
    assert (f"target below 1 %: not shown with 200 infeasible test points, {ch04.points_needed()} needed at this "
            "share") in ch04.offer_lines(old)
    shown = old.assign(test_n_infeasible=400, test_false_feasible_upper=clopper_pearson_upper(0, 400))
    assert "target below 1 %: met" in ch04.offer_lines(shown)
    over = old.assign(test_n_false_feasible=4, test_false_feasible_rate=0.02,
                      test_false_feasible_upper=clopper_pearson_upper(4, 200))
    assert "target below 1 %: missed" in ch04.offer_lines(over)
    new = pd.DataFrame([{**row, "cost_gradient_rel_error_mean": 0.123}], index=["sys/ds"])
    # the precision of the price table's "slope error, mean (%)" column (one decimal), not a rounder figure
    assert "slope error 12.3 % of the mean slope" in ch04.offer_lines(new)
    assert "slope error (mean)" in ch04.offer_table(new).columns


def test_offer_info_and_table(archived):
    info = ch04.offer_info(archived)
    assert info.index.name == "ds" and len(info) == archived.sizes["ds"]
    table = ch04.offer_table(info)
    assert table["degree"].dtype.kind == "i" and "false-feasible" in table


def test_paper_table_and_text(archived):
    table = ch04.paper_table(archived)
    assert "offline time (s)" in table
    info = ch04.offer_info(archived)
    text = ch04.paper_text(archived)
    assert text.startswith(ch04.offer_lines(info))
    n = ch04.points_needed()
    assert clopper_pearson_upper(0, n) < 0.01 <= clopper_pearson_upper(0, n - 1)
    assert f"needs at least {grouped(n)} infeasible test points" in text
    # the verdict is read off the upper bound: every archived bound is above 1 %, so none is "met"
    assert (info.test_false_feasible_upper >= ch04.LOW_RATE).all() and ": met" not in text
    assert f"met (95 % upper bound below it) on 0 of {len(info)} DSs, missed on 0 and not shown on {len(info)}" in text
    assert f"at least {info.cost_r2.min():.4f}" in text


def test_figures(archived):
    two = archived.isel(ds=[0, 1])
    fig = ch04.level_sets(two, 1e-3)
    assert len(fig.axes) == 2 and len(fig.legends) == 1 and fig.get_figwidth() <= 7.5
    price = ch04.price_surface(two)
    assert len(price.axes) == 4  # two panels, two colour bars
    # what is drawn is the offered cost at each point ($/h), not a price per MWh
    assert all(cb.get_xlabel() == "offered cost ($/h)" for cb in price.axes[2:])  # horizontal, under the panels
    assert price.axes[1].get_title() == "case30+case69+case33bw/\ncase69"  # in two lines: no colour bar covers it
    check = ch04.cost_check(two)
    assert len(check.axes) == 2 and check.axes[0].get_xlabel() == "normalised P"
    assert len(ch04.cost_check(archived, [str(archived.ds.values[-1])]).axes) == 1


def test_the_edge_is_solid_and_the_zero_level_dashed_as_in_chapter_10(archived):
    """Review finding: Fig. 10 drew f = 0 solid and the offered edge f + m = 0 dashed, chapter 10 the other way round;
    both now draw the edge solid (`EDGE_LINE`) and f = 0 dashed (`ZERO_LINE`), with the same legend words, and the
    legend names no code (it read "(central_point)")."""
    one = archived.isel(ds=[0])
    fig = ch04.level_sets(one, 1e-3)
    edge, zero = [c for c in fig.axes[0].collections if type(c).__name__ == "QuadContourSet"][1:3]  # after the fill
    g = _cut_of(one, str(one.ds.values[0]), 121, 1.1)
    assert list(edge.levels) == [0.0] and list(zero.levels) == [g["m"]]  # f + m = 0 and f + m = m, i.e. f = 0
    assert edge.get_linestyles()[0][1] is None and zero.get_linestyles()[0][1] is not None  # solid, dashed
    words = [t.get_text() for t in fig.legends[0].get_texts()]
    assert words[:2] == [f"{plots.EDGE_WORDS} (shaded)", plots.ZERO_WORDS]
    assert not any("_" in w for w in words)  # no code name in the legend
    price = ch04.price_surface(one)
    assert price.axes[0].collections[-2].get_linestyles()[0][1] is None  # the edge over the cost: solid as well


def test_the_residuals_of_the_cost_check_are_the_stored_misses(archived):
    rs = archived.isel(ds=0)
    p, miss, split_, kind = _cost_residual(rs)
    ok = np.isin(rs.cost_split.values.astype(str), ("train", "test"))
    value = rs.cost_value.values[ok]
    assert np.allclose(miss, 100 * (rs.cost_predicted.values[ok] - value) / value.mean())
    assert set(split_) <= {"train", "test"} and set(kind) <= {"surface", "inside"} and np.abs(p).max() <= 1 + 1e-9
    text = ch04.cost_miss_text(archived)
    assert text.count("\n- **") == archived.sizes["ds"] - 1 and f"{miss[np.argmax(np.abs(miss))]:+.1f} %" in text


def test_price_surface_text_says_where_the_price_goes_below_zero(archived):
    text = ch04.price_surface_text(archived)
    assert text.count("- **") == archived.sizes["ds"]
    first = text.splitlines()[0]  # case33bw of the paper run: negative only outside the offered region
    assert "below zero only outside the offered region" in first
    assert "inside the offered region it goes below zero" in text


def test_volume_kept_is_printed_with_its_count_interval_and_hull_share(archived):
    info = ch04.offer_info(archived)
    c = info.iloc[0]
    n = int(c.test_uniform_n_feasible)
    kept = round(c.test_volume_kept * n)
    assert kept == pytest.approx(c.test_volume_kept * n)  # the rate is a count over these points
    lo, hi = clopper_pearson_interval(kept, n, ch04.CONFIDENCE)
    assert lo < c.test_volume_kept < hi and clopper_pearson_interval(0, 5)[0] == 0 and clopper_pearson_interval(5, 5)[1] == 1
    line = ch04.offer_lines(info).split("\n- **")[0]  # the first DS's bullet with its sub-items
    assert f"({kept} of {n} feasible uniform test points; 95 % interval {100 * lo:.0f} to {100 * hi:.0f} %)" in line
    assert f"hull kept (Monte Carlo) {100 * c.hull_volume_kept:.1f} %" in line
    region, _ = ch04.paper_printables(archived)
    assert region.iloc[0]["hull volume kept (%)"] == f"{100 * c.hull_volume_kept:.1f}"


def test_the_hull_share_is_set_against_the_fors_on_the_uniform_test_points(archived):
    """The page once called the samples' hull "not the FOR (its dents are inside the hull)", while the hull share
    exceeds the counted FOR share on several DSs and, at the test points' resolution, hull and FOR coincide. It calls
    the hull share the more precise estimate; where a counted share's interval misses it (case39+case118zh in the
    archived store), the line gives how likely chance alone makes that miss (the two differ in both directions over
    the DSs, so no bias of one estimator shows)."""
    info = ch04.offer_info(archived)
    c = info.loc["case39+case118zh/case118zh"]
    assert (int(c.test_uniform_hull_disagree), int(c.test_uniform_n)) == (0, 109)
    assert "(hull and FOR disagree on 0 of 109 uniform test points)" in ch04.offer_lines(info)
    cells = sources(NOTEBOOK)
    assert not any("dents are inside the hull" in x for x in cells)
    assert any("is the more\nprecise estimate of the FOR volume kept" in x for x in cells)
    assert any("chance is an unlikely explanation, and the book has not found another" in x for x in cells)
    n = int(c.test_uniform_n_feasible)
    lo, hi = clopper_pearson_interval(round(float(c.test_volume_kept) * n), n, ch04.CONFIDENCE)
    assert not lo <= c.hull_volume_kept <= hi  # the miss the page speaks of is in the archived store
    diff = (info.test_volume_kept - info.hull_volume_kept).astype(float)
    assert (diff > 0).any() and (diff < 0).any()  # both directions: no bias of one estimator


def test_the_misses_of_the_counted_volume_are_counted_from_the_table_shown(archived):
    """Review finding: the page said "on a DS or two the counted share's interval misses the hull share" above the
    default run's tables, where none misses; the misses are now counted from the table shown (in the archived
    paper-scale store: case39+case118zh and case141), and no prose types them."""
    info = ch04.offer_info(archived)
    text = ch04.volume_agreement_text(info)
    assert ("misses the share of the samples' hull kept on 2 of 7 DSs (case39+case118zh/case118zh: a count that far "
            "from it by chance alone has probability 0.001; case118+case136ma+case141/case141: ") in text
    # review E (session 48): the page put every miss down to chance; case118zh's count (45 of 81 against a hull
    # share of 72.8 %) is a two-sided binomial tail of about 1e-3, which the line now gives, and three DSs draw the
    # same uniform test points (one seed), which it names
    assert ch04.chance_of_count(45, 81, 0.728) == pytest.approx(1.3e-3, rel=0.2)
    assert ch04.chance_of_count(40, 80, 0.5) == 1.0 and ch04.chance_of_count(60, 80, 0.5) < 1e-4
    assert ("their counts are not independent: case39+case118zh/case118zh, case118+case136ma+case141/case141 and "
            "case118+case533mt_hi/case533mt_hi.") in text
    shared = ch04.shared_uniform_points(archived)
    assert shared["case9+case33bw/case33bw"] == "case9+case33bw/case33bw"  # its own points: it shares none
    diff = (info.test_volume_kept - info.hull_volume_kept).astype(float)
    assert f"above the hull share on {(diff > 0).sum()} and below it on {(diff < 0).sum()}." in text
    assert text in ch04.paper_text(archived)
    inside = info.loc[["case9+case33bw/case33bw"]]  # 44 to 64 % around a hull share of 49.6 %
    assert "on 0 of 1 DS;" in ch04.volume_agreement_text(inside)
    assert ch04.volume_agreement_text(info.drop(columns="hull_volume_kept")) == ""
    cells = sources(NOTEBOOK)
    assert not any("On a DS or two" in x for x in cells)
    assert "ch04.volume_agreement_text(info)" in code_of(NOTEBOOK)


def test_the_paper_text_names_its_store_by_the_line_of_every_paper_scale_section(archived):
    """Fix K1, item 1: the chapter wrote `forlab.book.store.paper_origin`'s line itself."""
    assert f"\n\n{store.paper_origin(archived)}\n\nThe largest observed" in ch04.paper_text(archived)
    assert not hasattr(ch04, "parameters_text")


def test_the_paper_text_computes_the_volume_agreement_once(archived, monkeypatch):
    """Fix K1, item 3: `paper_text` ran `volume_agreement` once per sentence on the volume (`volume_agreement_text`,
    `volume_summary`); it computes it once and passes it to both, whose sentences read as each alone writes them."""
    info = ch04.offer_info(archived)
    alone, summary = ch04.volume_agreement_text(info), ch04.volume_summary(info)
    agreement, calls = ch04.volume_agreement, []
    counting = lambda i: calls.append(i) or agreement(i)
    monkeypatch.setattr(ch04_paper, "volume_agreement", counting)  # where `paper_text` looks it up
    monkeypatch.setattr(ch04_text, "volume_agreement", counting)  # and the two sentences it passes it to
    text = ch04.paper_text(archived)
    assert len(calls) == 1
    assert f"\n\n{alone}\n\n" in text and f" {summary} " in text


def test_points_needed():
    assert ch04.points_needed(observed=0.01) is None and ch04.points_needed(observed=0.02) is None
    n = ch04.points_needed(observed=0.002)
    assert n > ch04.points_needed() and clopper_pearson_upper(np.ceil(0.002 * n), n) < 0.01
    assert ch04.target_verdict(0, 400, clopper_pearson_upper(0, 400)) == "met"


def test_printed_tables_fit_the_page(archived):
    info = ch04.offer_info(archived)
    cand = ch04.candidate_printable(ch04.candidates(archived), info)
    assert list(cand.columns) == list(ch04.CANDIDATE_HEADERS.values())
    labels = cand.index.get_level_values(1)
    assert sum(lab.endswith(" ✓") for lab in labels) == archived.sizes["ds"]  # one chosen candidate per DS
    first = cand.index.get_level_values(0)[0]
    assert first.replace("\u200b", "") == str(archived.ds.values[0])  # the store's order; breakable after + and /
    assert "+\u200b" in first
    # review B, item 9: the two index columns had empty headers; they are named as the page's words
    assert cand.index.names == ["DS", "candidate"] == ch04.CANDIDATE_INDEX
    head = cand.to_html().split("</thead>")[0]
    assert "<th>DS</th>" in head and "<th>candidate</th>" in head
    region, price = ch04.paper_printables(archived)
    assert list(region.columns) == list(ch04.REGION_HEADERS.values())
    assert "cost R²" in price and "offline time (s)" in price
    assert region.iloc[0]["false-infeasible (%)"] == f"{100 * info.test_false_infeasible_rate.iloc[0]:.1f}"
    for frame in (cand, region, price):
        assert not frame.isna().any().any() and not any("_" in c or "^" in c for c in frame.columns)
    # the nine-column region table fits its column: its first column is headed by the degree, not by the wider word
    # "polynomial", and the DS names may also break after "_" ("case533mt_hi")
    assert region.columns[0] == "degree of f" and set(region["degree of f"]) == {"6"}
    assert _degree_label(4, True) == "4, SOS-convex"
    assert region.index[-1] == "case118+\u200bcase533mt_\u200bhi/\u200bcase533mt_\u200bhi"
    assert [title for title, _ in ch04.paper_tables(archived)] == list(ch04.OFFER_TABLE_TITLES)
    tables = ch04.offer_tables(info)  # each table under a title: shown one after the other they render as one
    assert [title for title, _ in tables] == list(ch04.OFFER_TABLE_TITLES) and tables[0][1].equals(region)


def test_level_set_text_measures_the_cut(archived):
    text = ch04.level_set_text(archived, 1e-3)
    assert text.count("\n- **") == archived.sizes["ds"] - 1
    x = _cut_features(archived, str(archived.ds.values[0]), 1e-3)
    assert x["loops"] == 0 and x["at_start"] < 0 and 0 < x["kept"] < 1
    assert f"comes within {x['clearance']:.2f} of the start" in text


def test_the_level_sets_measure_from_where_the_tso_starts(archived):
    """Review finding: the page said the TSO's OPF starts at the box centre, while `forlab.p1_for.tso.TSOForOPF`
    starts at `central_point`; the figure, the lines under it and the prose measure from that point."""
    ds = str(archived.ds.values[0])
    off = ch04.offer(archived, ds)
    start = pcc_start(off)  # where forlab.p1_for.tso.TSOForOPF starts the PCC point
    assert np.array_equal(start, central_point(off.polynomial)) and not np.allclose(start, 0)  # not the box centre
    x = _cut_features(archived, ds, 1e-3)
    assert np.array_equal(x["start"], start) and x["at_start"] == pytest.approx(off.polynomial(start[None])[0])
    b = archived.sel(ds=ds).boundary_point.values
    b = b[np.isfinite(b).all(axis=1)]
    assert x["sample_reach"] == pytest.approx(np.linalg.norm(b - start, axis=1).min())
    # the excluded set comes this close: the point found lies on the region's edge, none of a grid nearer
    assert 0 < x["clearance"] < x["sample_reach"]
    line = ch04.level_set_text(archived.isel(ds=[0]), 1e-3)
    assert f"starts at normalised (P, Q, V) = ({', '.join(_plain(v) for v in start)})" in line
    assert "box centre" not in line and "box centre" not in str(ch04.LEVEL_SET_LEGEND)
    fig = ch04.level_sets(archived.isel(ds=[0]), 1e-3)
    marker = [ln for ln in fig.axes[0].lines if ln.get_marker() == "+"]
    assert len(marker) == 1 and np.allclose(marker[0].get_xydata()[0], start[:2])
    text = "\n".join(sources(NOTEBOOK))
    assert "starts at the box centre" not in text and "`forlab.p1_for.polynomial.central_point`" in text


def test_level_set_text_sees_a_closed_loop(archived, monkeypatch):
    """A bump of f in the interior (f raised by 10 (0.15^2 - (P~ + 0.5)^2 - Q~^2), positive within 0.15 of
    (-0.5, 0) on the cut and negative further out) is a closed loop of f = 0 inside the region."""
    ds = str(archived.ds.values[0])
    off = ch04.offer(archived, ds)
    poly = off.polynomial
    bump = {(0, 0, 0): 10 * (0.15 ** 2 - 0.25), (1, 0, 0): -10, (2, 0, 0): -10, (0, 2, 0): -10}
    coef = poly.coef.copy()
    for e, v in bump.items():
        coef[np.flatnonzero((poly.exps == e).all(axis=1))[0]] += v
    off.polynomial = ImplicitPolynomial(poly.degree, coef, poly.margin, poly.convex)
    monkeypatch.setattr(ch04_readers, "offer", lambda st, r: off)  # where `_cut_of` looks it up
    x = _cut_features(archived, ds, 1e-3)
    assert x["loops"] == 1 and x["clearance"] < 0.5
    assert "$f = 0$ has one closed loop inside the region" in ch04.level_set_text(archived.isel(ds=[0]), 1e-3)


def test_the_notebook_shows_its_titled_tables_through_the_books_one_helper():
    """Titled tables go through `forlab.book.tables.titled` as in every chapter, no loop of the notebook's own."""
    code = code_of(NOTEBOOK)
    assert re.findall(r"display\(\*tables\.titled\(ch04\.(\w+)\(", code) == ["offer_tables", "paper_tables"]
    assert "Markdown(label)" not in code and "for label" not in code


def test_the_page_says_what_the_choice_the_formulas_and_the_paper_test_sets_are():
    """The selection's false-feasible term is idle at a zero target, its rates are shares of one class of points;
    eqs. (p1-polynomial) and (p1-price) name their symbols (outward normals are chapter 03's nu); the paper
    profile's test sets are too small to show the target."""
    text = "\n".join(sources(NOTEBOOK))
    assert "by construction; only the test" not in text and "a share of the feasible validation points" in text
    assert "term is zero for every candidate" in text
    assert "e\\, n_b" not in text and "e\\, \\nu_b" in text and "`cost_gradient_weight`" in text and "`reg`" in text
    assert "well over a hundred infeasible test points" not in text and "too\nsmall to show the false-feasible target" in text


def _candidates(convex_rate: float, free_rate: float) -> pd.DataFrame:
    """A candidate frame of one DS and degree: an SOS-convex and an unconstrained candidate with the given
    false-infeasible test rates."""
    rows = [{"ds": "sys/ds", "degree": 4, "convex": convex, "reg": 1e-5, "val_margin": 0.05, "val_false_feasible": 0.0,
             "val_false_infeasible": rate, "val_boundary_distance": 0.1, "test_false_feasible_rate": 0.0,
             "test_n_false_feasible": 0.0, "test_false_infeasible_rate": rate}
            for convex, rate in ((True, convex_rate), (False, free_rate))]
    return pd.DataFrame(rows)


def test_the_convexity_verdict_follows_the_two_rates(archived):
    """Review finding: "convexity ... on average, costs flexibility" was typed whatever the rates; it is read from
    the SOS-convex candidates' mean false-infeasible rate against the unconstrained ones', as the page prints them."""
    costs = "on average, costs flexibility."
    assert costs in ch04.convexity_text(ch04.candidates(archived))  # 89 % against 73 %
    assert costs in ch04.convexity_text(_candidates(0.6, 0.4))
    cheaper = ch04.convexity_text(_candidates(0.4, 0.6))
    assert costs not in cheaper and "forlab's reading" not in cheaper
    assert "on average, here costs no flexibility: the SOS-convex regions declare fewer" in cheaper
    tie = ch04.convexity_text(_candidates(0.401, 0.402))  # both print as 40 %
    assert costs not in tie and "the two rates are equal." in tie


def test_the_prose_types_no_run_dependent_choice():
    """Review finding: the pocket paragraph typed the chosen polynomial's degree ("degree-6", its coefficient count)
    and that the SOS-convex candidates "lost" in the candidate table, both of which depend on the run; the price
    paragraph said the TSO's optimum "usually" lies on the surface, where chapter 05's archived store has most PCC
    points inside the offer."""
    prose = " ".join(" ".join(sources(NOTEBOOK, "markdown")).split())
    assert "degree-6" not in prose and "(84 coefficients)" not in prose and "which is why they lost" not in prose
    assert "usually lies on that surface" not in prose
    assert ("The TSO's optimum lies on that surface where the offer's limit binds and inside it otherwise; "
            "{doc}`05_coordination` shows which") in prose


def test_the_summary_leads_with_the_more_precise_volume_and_counts_the_disagreements(archived):
    """Review A, item 2 (session 53): the paper-scale summary gave the FOR volume kept by the count on the test
    points, which the page calls the noisier estimate, and put the hull share it calls the more precise in
    parentheses; and it left unsaid that on some DSs the two disagree. It now gives the hull share first, the counted
    share second, and on how many DSs the counted share's interval (at `CONFIDENCE`, the test of
    `volume_agreement_text`) misses the hull share, with the cause open. Review C, item 4: "the more precise" now
    carries the page's condition (the hull and the FOR disagree on few uniform test points, with the count), a miss
    is no longer called a disagreement "beyond chance" (an interval at the chapter's confidence misses now and then
    by chance alone, and the line under the tables gives how likely each miss is), and no "They" reads as the
    offers. Item 14: the count and the confidence come from the code, not typed."""
    info = ch04.offer_info(archived)
    text = ch04.paper_text(archived)
    hull = (f"between {100 * info.hull_volume_kept.min():.1f} % and {100 * info.hull_volume_kept.max():.1f} % of the "
            "FOR's volume")
    kept = f"between {100 * info.test_volume_kept.min():.1f} % and {100 * info.test_volume_kept.max():.1f} %."
    n = info.test_uniform_n.astype(int)
    condition = (f"the more precise estimate where the hull and the FOR disagree on few uniform test points (here on at "
                 f"most {int(info.test_uniform_hull_disagree.max())} of {n.min()} to {n.max()} per DS)")
    assert f"The Monte-Carlo share of the samples' hull kept is {condition}; by it, the offers keep {hull}." in text
    assert text.index(hull) < text.index(kept) and "(the Monte-Carlo share" not in text
    assert "the more precise estimate, the offers" not in text and "beyond chance" not in text
    missed = 0
    for _, c in info.iterrows():  # the interval of each counted share against the hull share, recomputed here
        n_feasible = int(c.test_uniform_n_feasible)
        lo, hi = clopper_pearson_interval(round(float(c.test_volume_kept) * n_feasible), n_feasible, ch04.CONFIDENCE)
        missed += not lo <= float(c.hull_volume_kept) <= hi
    assert missed == int((~ch04.volume_agreement(info).inside.astype(bool)).sum()) > 0
    interval = f"the counted share's {ch04.CONFIDENCE_TEXT} interval"
    assert (f"On {missed} of the {len(info)} DSs {interval} misses the hull share (the line under the tables gives "
            "how likely each is by chance); the cause is open.") in text
    assert " They " not in ch04.volume_summary(info)
    one = info.loc[["case9+case33bw/case33bw"]]  # its interval holds the hull share
    assert ch04.volume_agreement(one).inside.all()
    assert ch04.volume_summary(one).endswith(f"On the one DS {interval} holds the hull share.")
    agree = ch04.volume_agreement(info)
    alone = info.loc[agree.index[~agree.inside.astype(bool)][:1]]  # one DS whose interval misses the hull share
    assert ch04.volume_summary(alone).endswith(f"On the one DS {interval} misses the hull share (the line under the "
                                               "tables gives how likely it is by chance); the cause is open.")
    bare = info.drop(columns=["test_uniform_hull_disagree", "test_uniform_n"])  # the condition without its count
    assert "the more precise estimate where the hull and the FOR disagree on few uniform test points; by it" in (
        ch04.volume_summary(bare))
    assert ch04.volume_summary(info.drop(columns="hull_volume_kept")).startswith(f"The offers keep {kept[:-1]} of")


def test_the_level_sets_draw_their_test_points_in_no_methods_colour(archived):
    """Review R2, item 2: the feasible test points of Fig. 10 were green, P3's colour; they are now drawn in a colour
    of `plots.category_colours`, and no marker of the figure has a method's colour (the shaded region and its edge
    are P1's offer and keep P1's blue, `plots.EDGE_LINE`)."""
    from matplotlib.colors import to_hex

    two = archived.isel(ds=[0, 1])
    fig = ch04.level_sets(two, 1e-3)
    assert to_hex(ch04.FEASIBLE_POINT["color"]) in plots.category_colours(2)
    for ax in fig.axes:
        markers = [ln for ln in ax.lines if ln.get_marker() not in ("None", "", None)]
        assert {to_hex(ln.get_markerfacecolor()) for ln in markers}.isdisjoint(method_colours())
        assert any(to_hex(ln.get_color()) == to_hex(ch04.FEASIBLE_POINT["color"]) for ln in markers)
    keys = {t.get_text(): h for t, h in zip(fig.legends[0].get_texts(), fig.legends[0].legend_handles)}
    assert to_hex(keys["test point, feasible"].get_color()) == to_hex(ch04.FEASIBLE_POINT["color"])
    assert "green test points" not in "\n".join(sources(NOTEBOOK, "markdown"))


def test_the_normalised_panels_carry_mw_and_mvar_from_the_offers_box(archived):
    """Review R2, item 17: Figs. 10 and 11 had normalised axes only, so the price could not be read against MW;
    each panel now has P in MW on its top axis and Q in Mvar on its right one, mapped by the offer's box in the
    store (x = c + h x~), in chapter 03's words."""
    from forlab.studies.ch03_for_sampling import AXIS_LABELS

    two = archived.isel(ds=[0, 1])
    for fig in (ch04.level_sets(two, 1e-3), ch04.price_surface(two)):
        fig.canvas.draw()  # the secondary axes take their limits from their parent's when drawn
        panels = [ax for ax in fig.axes if ax.get_xlabel() == "normalised P"]
        assert len(panels) == 2
        for ax, ds in zip(panels, two.ds.values):
            box = ch04.offer(two, str(ds)).box
            top, right = ax.child_axes
            assert top.get_xlabel() == AXIS_LABELS["p_mw"] and right.get_ylabel() == AXIS_LABELS["q_mvar"]
            np.testing.assert_allclose(top.get_xlim(), box.denormalise(np.c_[ax.get_xlim(), [0, 0], [0, 0]])[:, 0])
            np.testing.assert_allclose(right.get_ylim(), box.denormalise(np.c_[[0, 0], ax.get_ylim(), [0, 0]])[:, 1])
        assert fig.get_figwidth() <= plots.STYLE["figure.figsize"][0]


def test_the_volume_figure_draws_every_interval_and_its_miss(archived):
    """Review R2, item 15: the paper-scale tables and their text judge whether each DS's counted FOR volume kept
    holds the hull share, with no figure. `volume_figure` draws one interval per DS of `volume_agreement` (the
    interval of `_volume_interval`, the hull share as a second marker) and the misses in red, the ones the line
    under the tables counts; the notebook shows it after the paper-scale tables."""
    from matplotlib.colors import to_hex

    info = ch04.offer_info(archived)
    agree = ch04.volume_agreement(info)
    fig = ch04.volume_figure(info)
    ax = fig.axes[0]
    assert fig.get_figwidth() <= plots.STYLE["figure.figsize"][0] and ax.get_xlabel() == "FOR volume kept (%)"
    assert [t.get_text().replace("\n", "") for t in ax.get_yticklabels()] == list(agree.index)
    bars = ax.containers
    assert len(bars) == len(agree)
    for y, ((ds, row), bar) in enumerate(zip(agree.iterrows(), bars)):
        _, _, lo, hi = _volume_interval(info.loc[ds])
        (x_seg,) = bar.lines[2]
        np.testing.assert_allclose(x_seg.get_segments()[0], [[100 * lo, y], [100 * hi, y]])
        assert to_hex(bar.lines[0].get_color()) == to_hex("k" if row.inside else "tab:red")
        hull = [ln for ln in ax.lines if ln.get_marker() == "D" and ln.get_ydata()[0] == y]
        assert len(hull) == 1 and hull[0].get_xdata()[0] == pytest.approx(100 * info.loc[ds].hull_volume_kept)
    red = sum(to_hex(b.lines[0].get_color()) == to_hex("tab:red") for b in bars)
    assert red == int((~agree.inside.astype(bool)).sum()) > 0  # the misses the text counts
    assert not {to_hex(b.lines[0].get_color()) for b in bars} & method_colours()
    words = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(words) == 3 and f"{ch04.CONFIDENCE_TEXT} interval misses it" in words[1]
    held = info.loc[["case9+case33bw/case33bw"]]  # its interval holds the hull share: no key for a miss
    assert len(ch04.volume_figure(held).legends[0].get_texts()) == 2
    assert ch04.volume_figure(info.drop(columns="hull_volume_kept")) is None
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    at = [i for i, c in enumerate(cells) if "ch04.volume_figure(ch04.offer_info(big))" in "".join(c["source"])]
    assert len(at) == 1 and "ch04.paper_tables(big)" in "".join(cells[at[0] - 1]["source"])
    assert cells[at[0]]["metadata"]["mystnb"]["figure"]["name"] == "fig-04-volume-kept"
    assert "{numref}`fig-04-volume-kept`" in "\n".join(sources(NOTEBOOK, "markdown"))


def test_the_paper_verdict_follows_the_store_line_in_a_paragraph_of_its_own(archived):
    """Review R4, item 2: the verdict came after the store's line (`store.paper_origin`, every parameter) in one
    sentence of about 140 words; the line ends with its own full stop and the verdict opens the next paragraph."""
    text = ch04.paper_text(archived)
    origin = store.paper_origin(archived)
    head, verdict = text.split(f"\n\n{origin}\n\n")
    assert head.endswith(ch04.volume_agreement_text(ch04.offer_info(archived)))
    assert verdict.startswith("The largest observed false-feasible rate is ") and origin not in verdict
    # session 58: the origin a short sentence, the parameters a sentence of their own, one full stop each
    assert origin == f"{store.origin_text(archived)}. It ran with {store.parameters_text(archived)}."


def test_each_offer_bullet_splits_into_region_volume_and_price(archived):
    """Review R4, item 2: each DS's bullet was one sentence of about 117 words; it is now the chosen polynomial with
    one sub-item per part (`OFFER_PARTS`: the region's rates, the volume kept, the price), the numbers unchanged."""
    info = ch04.offer_info(archived)
    bullets = ch04.offer_lines(info).split("\n- **")
    assert len(bullets) == len(info) and ch04.OFFER_PARTS == ("region", "volume", "price")
    for bullet, (ds, c) in zip(bullets, info.iterrows()):
        head, *parts = bullet.splitlines()
        assert head.removeprefix("- **") == f"{ds}**: degree {int(c.degree)}, margin {c.margin:.3f}"
        assert [p.split(":")[0] for p in parts] == [f"  - {name}" for name in ch04.OFFER_PARTS]
        region, volume, price = parts
        verdict = ch04.target_verdict(int(c.test_n_false_feasible), int(c.test_n_infeasible),
                                      float(c.test_false_feasible_upper))
        assert f"of {grouped(c.test_n_infeasible)} infeasible test points" in region and verdict in region
        assert f"false-infeasible {100 * c.test_false_infeasible_rate:.1f} %" in region
        assert volume == f"  - volume: {_volume_part(c)}."
        assert f"cost $R^2$ {c.cost_r2:.4f}" in price and f"({grouped(c.cost_mean, 2)} $/h)" in price
        assert f"slope error {100 * c.cost_gradient_rel_error_mean:.1f} % of the mean slope" in price
        assert all(len(p.split()) < len(bullet.split()) / 2 for p in parts)  # no part is most of the bullet


def test_the_margin_column_carries_its_unit(archived):
    """Review R4, item 10: the candidate and offer tables headed the margin "margin m" with no unit; both head it
    `MARGIN_HEADER`, box-normalised as chapter 03's distances."""
    info = ch04.offer_info(archived)
    cand = ch04.candidate_printable(ch04.candidates(archived), info)
    region, _ = ch04.paper_printables(archived)
    assert ch04.MARGIN_HEADER == "margin m (box-normalised)"
    for frame in (cand, region):
        assert ch04.MARGIN_HEADER in frame.columns and "margin m" not in frame.columns
    assert list(region[ch04.MARGIN_HEADER]) == [f"{m:.3f}" for m in info.margin]


LEVEL_SET_CAPTION = "fig-04-level-sets"


def test_the_level_set_caption_names_the_test_points_by_marker_and_legend():
    """Review R4, item 4: Fig. 12's caption called the feasible test points "yellow-green dots", while they are drawn
    in `FEASIBLE_POINT`'s colour (teal) and the infeasible ones in `INFEASIBLE_POINT`'s; the caption names them by
    their markers, as drawn, and points to the legend, with no colour name that could drift from the constants."""
    from matplotlib.colors import CSS4_COLORS

    cells = json.loads(NOTEBOOK.read_text())["cells"]
    (caption,) = [c["metadata"]["mystnb"]["figure"]["caption"] for c in cells
                  if c["metadata"].get("mystnb", {}).get("figure", {}).get("name") == LEVEL_SET_CAPTION]
    start = caption.index("the labelled test points")
    clause = caption[start:caption.index(")", start) + 1]
    colours = {*CSS4_COLORS, "yellow-green", "teal", "red", "green", "blue", "orange", "purple", "grey", "gray"}
    assert not set(re.findall(r"[a-z]+(?:-[a-z]+)?", clause)) & colours, clause
    assert "(rimmed dots and crosses, as the legend keys them)" in clause
    # the markers the clause names are the ones drawn: a dot with a dark rim, a cross
    assert ch04.FEASIBLE_POINT["marker"] == "o" and ch04.FEASIBLE_POINT["markeredgecolor"] == "k"
    assert ch04.INFEASIBLE_POINT["marker"] == "x"
    keys = [words for _, words in ch04.LEVEL_SET_LEGEND]
    assert "test point, feasible" in keys and "test point, infeasible" in keys
