"""forlab.studies.ch10_consuming_an_offer: a TSO's use of an offer file, on a hand-made offer whose region is a ball
(known edge, known optimum) and once on the small offer the chapter makes by default."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from notebook_cells import sources
from printed_numbers import page_text, ungrouped

from forlab.book import store
from forlab.book.tables import grouped, listed
from forlab.p1_for.dso_opf import Box
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import ImplicitPolynomial, exponents
from forlab.p1_for.price import QuadraticCost
from forlab.studies import ch04_for_representation as ch04
from forlab.studies import ch10_consuming_an_offer as ch10

ROOT = Path(__file__).resolve().parents[1]
RADIUS = 0.8
PARAMS = {"offer_file": "", "ds": "case9+case33bw/case33bw", "n_directions": 16, "face_grid": 2, "n_labelled": 120,
          "n_cost": 40, "degrees": [2, 4], "seed": 0, "slice_positions": [0.3, 0.7], "ts_load_mw": 100.0,
          "ts_load_mvar": 30.0, "gen_p_max_mw": 300.0, "gen_q_max_mvar": 150.0, "gen_cost_per_mwh": 20.0,
          "gen_cost_per_mw2h": 0.05, "surrogate_samples": 1000, "pyomo_solver": "ripopt", "repeats": 3}


def ball_offer(g_p: float = -5.0, box: Box | None = None, pcc: dict | None = None) -> Offer:
    """Region: the ball of radius 0.8 around the box centre (normalised); price 1/2 x~'diag(2, 1, 0.1)x~ + g'x~ + 100.
    Default box and PCC: a DS "ball" of no study system."""
    exps = [tuple(e) for e in exponents(2)]
    coef = np.zeros(len(exps))
    coef[exps.index((0, 0, 0))] = -RADIUS ** 2
    for e in [(2, 0, 0), (0, 2, 0), (0, 0, 2)]:
        coef[exps.index(e)] = 1.0
    box = box or Box(np.array([0.0, -5.0, 0.95]), np.array([10.0, 5.0, 1.05]))
    return Offer(box, ImplicitPolynomial(2, coef), QuadraticCost(np.diag([2.0, 1.0, 0.1]), np.array([g_p, 0.0, 0.0]), 100.0),
                 pcc=pcc or {"ds": "ball", "ts_bus": 1}, base={"sn_mva": 10.0})


@pytest.fixture(scope="module")
def ball_file(tmp_path_factory):
    return ball_offer().save(tmp_path_factory.mktemp("offer") / "ball.json")


@pytest.fixture(scope="module")
def st(ball_file):
    return ch10.run(PARAMS | {"offer_file": str(ball_file)})


def test_every_variable_has_units_and_the_store_round_trips(st, tmp_path):
    assert all("units" in st[v].attrs for v in st.data_vars)
    assert st.pt_p_mw.attrs["units"] == "MW" and st.sol_total.attrs["units"] == "$/h"
    back = store.open_path(store.save(st, ch10.CHAPTER, PARAMS, root=tmp_path))
    assert ch10.solution_table(back).equals(ch10.solution_table(st))
    assert ch10.offer(back).to_dict() == ball_offer().to_dict()


def test_the_file_passes_its_checks_and_a_foreign_format_is_refused(st):
    assert (st.check_passed == 1).all()
    assert list(ch10.checks_table(st)["passed"]) == ["yes"] * st.sizes["check"]
    assert "not a forlab offer (format 'some-other-format/2'" in ch10.rejection_text(st)
    assert "Nothing in it names a line" in ch10.file_text(st) and st.attrs["offer_file"].endswith("ball.json")
    # kB of 1000 bytes as every chapter, and the JSON file against the pickled bytes other chapters count
    assert f"is {int(st.attrs['offer_bytes']) / 1e3:.1f} kB of JSON" in ch10.file_text(st)
    assert ch04.PICKLED_WORDS in ch10.file_text(st)


def test_probe_points_on_the_ball(st):
    t = ch10.points_table(st)
    assert list(t.columns) == list(ch10.POINT_LABELS.values())  # one column per point: fits the text column
    pts = {k: st.sel(point=k) for k in ch10.POINT_LABELS}
    assert float(pts["deepest"].pt_p_mw) == pytest.approx(5.0) and float(pts["deepest"].pt_f) == pytest.approx(-0.64)
    assert float(pts["edge"].pt_p_mw) == pytest.approx(5.0 + 5.0 * RADIUS, abs=1e-9)  # x~ = 0.8 along +P
    assert abs(float(pts["edge"].pt_f)) < 1e-9 and int(pts["edge"].pt_feasible) == 1
    assert int(pts["box_only"].pt_in_box) == 1 and int(pts["box_only"].pt_feasible) == 0
    assert int(pts["outside"].pt_in_box) == 0 and int(pts["outside"].pt_feasible) == 0
    off = ball_offer()
    np.testing.assert_allclose(st.pt_price.values, off.cost_of(st.pt_p_mw.values, st.pt_q_mvar.values,
                                                               st.pt_vm_pu.values))
    assert "$f + m = -0.640$" in ch10.points_text(st) and "means anything" in ch10.points_text(st)


def test_every_row_of_the_points_and_solutions_has_its_own_decimals(st):
    """A row prints every value with the same decimals ("21.80" beside "366.33", never "21.8"), and a value that
    rounds to zero without a sign."""
    def decimals(values):
        return {len(str(v).split(".")[1]) if "." in str(v) else 0 for v in values if v != "–"}

    points = ch10.points_table(st)
    for row, header in (("price", "price ($/h)"), ("f", "f + m"), ("vm_pu", "V (p.u.)")):
        assert decimals(points.loc[header]) == {ch10.POINT_DIGITS[row]}, points.loc[header]
    assert "-0.0000" not in points.to_string()
    sol = ch10.solution_table(st)
    for row, header in (("total", "total ($/h)"), ("price", "offered price ($/h)"), ("time_ms", "time (ms)")):
        assert decimals(sol.loc[header]) == {ch10.SOLUTION_DIGITS[row]}, sol.loc[header]


QUALITY = {"confidence": 0.95, "test_false_feasible_rate": 0.0, "test_false_feasible_upper": 0.1273,
           "test_n_infeasible": 22, "test_n_false_feasible": 0, "test_n_feasible": 26, "test_volume_kept": 0.375,
           "hull_volume_kept": 0.6794}


def test_the_offers_own_scores_give_counts_the_bound_and_the_hull_share():
    """Zero false-feasible points of 22 is said with the file's upper bound, not as a bare 0.0 %; the volume kept is
    the hull share, and the uniform test share (3 of 8 points, say) is not read as a volume."""
    text = ch10.text._quality(QUALITY)
    assert "none of its 22 infeasible test points fell inside the offered region" in text
    assert "95 % upper bound on that rate (`test_false_feasible_upper`) is still 12.7 %" in text
    # one sentence per share, each with its denominator; the uniform share, of an unknown count, is set against none
    assert ("`hull_volume_kept`, 67.9 %, is the share of the convex hull of the DSO's boundary samples that the "
            "region covers") in text
    assert ("`test_volume_kept`, 37.5 %, is the share of the feasible test points drawn uniformly in the box" in text
            and "so the TSO cannot use this share as a volume." in text)
    assert (f"of the {ch10.GRID_POINTS}³ points of a grid over the whole box, those the offer accepts; its "
            "denominator is the box, not the FOR") in text
    assert "how conservative the offer is" not in text
    assert "accepts 38 %" not in text and "0.0 % of the infeasible" not in text
    assert "3 of its 22" in ch10.text._quality(QUALITY | {"test_n_false_feasible": 3})
    assert ch10.text._quality({"test_false_feasible_rate": 0.0, "test_volume_kept": 0.5}) == ""  # no counts: no claim


def test_the_offers_own_scores_give_both_sides_of_its_test():
    """Review R5 #1: beside the infeasible test points let in (none), the page gives the feasible ones the offer
    refuses, counted from the file's rate, and the share near the boundary, so a reader sees how conservative it is."""
    info = QUALITY | {"test_false_infeasible_rate": 20 / 26, "test_shell_false_infeasible_rate": 5 / 6,
                      "margin": 0.0985}
    text = ch10.text._quality(info)
    refused = (f"it refused {round(info['test_false_infeasible_rate'] * info['test_n_feasible'])} of its "
               f"{info['test_n_feasible']} feasible test points (`test_false_infeasible_rate`, "
               f"{100 * info['test_false_infeasible_rate']:.1f} %)")
    assert refused in text
    assert f"it refused {100 * info['test_shell_false_infeasible_rate']:.1f} % (`test_shell_" in text
    assert f"with its margin m = {info['margin']:.3g}" in text
    assert text.index("infeasible test points fell inside") < text.index(refused) < text.index("`hull_volume_kept`")
    assert "conservatism" not in ch10.text._quality(QUALITY)  # a file without the rate: no claim


def test_slices_cut_the_ball_at_two_voltages(st):
    assert st.slice_f.dims == ("vslice", "q_mvar", "p_mw") and st.sizes["vslice"] == 2
    np.testing.assert_allclose(st.vslice.values, [0.95 + 0.3 * 0.1, 0.95 + 0.7 * 0.1])
    # at V~ = -0.4 the cut is a disc of radius sqrt(0.64 - 0.16) in normalised P~, Q~
    offered = (st.slice_f.isel(vslice=0) <= 0).values
    p_t, q_t = np.meshgrid((st.p_mw.values - 5.0) / 5.0, st.q_mvar.values / 5.0)
    np.testing.assert_array_equal(offered, p_t ** 2 + q_t ** 2 <= 0.48 + 1e-12)
    fig = ch10.region_figure(st)
    assert len(fig.axes) == 3 and len(fig.legends) == 1  # the two stored slices and the optimum's (R2 item 16)
    # one precision in every panel's title, the solution table's (final read: 0.980 beside 1.0413)
    assert fig.axes[0].get_title() == f"V = {st.vslice.values[0]:.{ch10.SOLUTION_DIGITS['vm_pu']}f} p.u."


def test_the_region_figure_stays_in_the_box_and_marks_the_optimum_at_its_voltage(st):
    """Review R2, item 16: the dashed f = 0 ran outside the bounding box, where the polynomial means nothing, and the
    one-bus optimum the next section discusses was marked nowhere. Every contour is now clipped to the box, and a
    last panel cuts the region at the optimum's voltage with the optimum on it, on the edge where the region
    constraint binds."""
    from matplotlib.contour import QuadContourSet

    with_margin = st.assign(margin=0.05)  # f = 0 drawn too
    fig = ch10.region_figure(with_margin)
    lo, hi = st.box.sel(corner="lo").values[:2], st.box.sel(corner="hi").values[:2]
    for ax in fig.axes:
        contours = [c for c in ax.collections if isinstance(c, QuadContourSet)]
        assert len(contours) == 3  # fill, edge, f = 0
        for c in contours:
            clip = c.get_clip_box()  # matplotlib keeps a rectangular clip path in data units as a clip box
            np.testing.assert_allclose(clip.get_points(), ax.transData.transform([lo, hi]), atol=1e-6)
    cas = st.sel(solver=ch10.ENGINES["casadi"])
    x = [float(cas.sol_p_mw), float(cas.sol_q_mvar), float(cas.sol_vm_pu)]
    assert ch10.casadi_solution(st).p_mw == x[0]
    last = fig.axes[-1]
    assert last.get_title().startswith(f"V = {x[2]:.4f} p.u.")  # the solution table's decimals
    stars = [ln for ln in last.lines if ln.get_marker() == "*"]
    assert len(stars) == 1 and np.allclose(stars[0].get_xydata()[0], x[:2])
    assert not any(ln.get_marker() == "*" for ax in fig.axes[:-1] for ln in ax.lines)
    assert float(ch10.offer(st).f(*x)[0]) == pytest.approx(0.0, abs=1e-6)  # on the edge: the constraint binds
    assert ch10.OPTIMUM_WORDS in [t.get_text() for t in fig.legends[0].get_texts()]
    # no optimum (Ipopt failed): the stored slices alone, no star and no key for one
    status = st.sol_status.values.copy()
    status[list(st.solver.values).index(ch10.ENGINES["casadi"])] = "Infeasible_Problem_Detected"
    failed = ch10.region_figure(st.assign(sol_status=("solver", status)))
    assert len(failed.axes) == st.sizes["vslice"]
    assert ch10.OPTIMUM_WORDS not in [t.get_text() for t in failed.legends[0].get_texts()]


def test_the_region_figure_names_its_ds_and_draws_its_lines_as_chapter_04(st, tso_st):
    """Review finding: Fig. 14 named no DS, said "DS import P (MW)" where chapter 03 says "P import (MW)", and drew
    the edge f + m = 0 and f = 0 the other way round from chapter 04's level sets; now the title names the DS, the
    axes use chapter 03's words, and the lines and their words are chapter 04's (edge solid, f = 0 dashed)."""
    from forlab.book import plots
    from forlab.studies import ch03_for_sampling as ch03

    fig = ch10.region_figure(tso_st)
    assert fig.get_suptitle() == "Offered region of case9+case33bw/case33bw"
    assert ch10.offered_ds(st) == "ball" and ch10.region_figure(st).get_suptitle() == "Offered region of ball"
    ax = fig.axes[0]
    assert ax.get_xlabel() == ch03.AXIS_LABELS["p_mw"] and ax.get_ylabel() == ch03.AXIS_LABELS["q_mvar"]
    words = [t.get_text() for t in ch10.region_figure(st).legends[0].get_texts()]
    assert plots.EDGE_WORDS in words and plots.ZERO_WORDS not in words  # no margin: f = 0 is the edge, not drawn
    with_margin = st.assign(margin=0.05)
    fig = ch10.region_figure(with_margin)
    edge, zero = [c for c in fig.axes[0].collections if type(c).__name__ == "QuadContourSet"][1:3]  # after the fill
    assert list(edge.levels) == [0.0] and list(zero.levels) == [0.05]  # f + m = 0 and f = 0
    assert edge.get_linestyles()[0][1] is None and zero.get_linestyles()[0][1] is not None  # solid, dashed
    words = [t.get_text() for t in fig.legends[0].get_texts()]
    assert words[1:3] == [plots.EDGE_WORDS, plots.ZERO_WORDS]


def test_both_models_have_the_same_structure(st):
    t = ch10.structure_table(st)
    assert list(t.columns) == ["Pyomo", "CasADi"] and (t.Pyomo == t.CasADi).all()
    assert t.loc["decision variables"].tolist() == [5, 5]
    assert t.loc["terms of the region polynomial"].tolist() == [4, 4]  # x², y², z², constant
    assert t.loc["nonzeros of the constraint Jacobian"].tolist() == [7, 7]
    assert list(ch10.components_table().index[:3]) == ["pg", "qg", "ds"]


def test_solutions_agree_and_the_region_binds(st):
    sol = st.sel(solver="CasADi + Ipopt")
    assert store.succeeded(str(sol.sol_status.values))
    # the generator costs more than the DS's price saves: the import is cut to the ball's lowest P
    assert float(sol.sol_p_mw) == pytest.approx(5.0 - 5.0 * RADIUS, abs=1e-4)
    assert float(sol.sol_pg_mw) == pytest.approx(100.0 + float(sol.sol_p_mw))
    grid = st.isel(solver=-1)
    assert float(grid.sol_total) >= float(sol.sol_total) - 1e-6
    pyomo = st.sel(solver=ch10.pyomo_label("ripopt"))
    if ch10.pyomo_solver_available("ripopt"):
        assert float(pyomo.sol_total) == pytest.approx(float(sol.sol_total), rel=1e-6)
    else:
        assert str(pyomo.sol_status.values) == ch10.NO_SOLVER and math.isnan(float(pyomo.sol_total))
        assert "is not available here" in ch10.solver_text(st)
        assert list(ch10.solution_table(st)["Pyomo + ripopt"])[1:] == ["–"] * (len(ch10.SOLUTION_HEADERS) - 1)
    assert "The region constraint binds" in ch10.solution_text(st)
    # the TS supplies the DS's import (P_g = P_L + P): the TSO sets it, it never "buys ... MW from the DS"
    assert (f"sets the DS's import at {float(sol.sol_p_mw):.2f} MW and {float(sol.sol_q_mvar):.2f} Mvar at "
            f"{float(sol.sol_vm_pu):.4f} p.u." in ch10.solution_text(st))
    assert "buys" not in ch10.solution_text(st) and "from the DS" not in ch10.solution_text(st)
    # the DS's slope in chapter 05's convention: what one more MW imported saves the DS, a positive number
    dc = ch10.offer(st).gradients(float(sol.sol_p_mw), float(sol.sol_q_mvar), float(sol.sol_vm_pu))[1][0, 0]
    assert dc < 0 and f"would save the DS {-dc:.2f}" in ch10.solution_text(st)
    # a grid search has no optimality certificate: its status says what it found
    assert str(grid.sol_status.values) == ch10.GRID_FOUND == "best grid point"
    assert ch10.solution_table(st).loc["status"].iloc[-1] == "best grid point"


def test_an_interior_optimum_balances_the_slopes(tmp_path):
    path = ball_offer(g_p=-0.5).save(tmp_path / "ball.json")
    st = ch10.run(PARAMS | {"offer_file": str(path), "gen_cost_per_mwh": 0.0, "gen_cost_per_mw2h": 0.0})
    sol = st.sel(solver="CasADi + Ipopt")
    assert float(sol.sol_p_mw) == pytest.approx(5.0 + 5.0 * 0.25, abs=1e-5)  # H x~ + g = 0 at x~ = 0.25
    # at an interior optimum the DS's saving per MW imported equals the generator's marginal cost, here zero
    assert "does not bind" in ch10.solution_text(st) and r"generator: 0.00 against 0.00 \$/MWh" in ch10.solution_text(st)


def _with(st, var: str, label: str, value):
    """A copy of the store with one value of ``var`` at the row ``label`` of its table replaced."""
    out = st.copy(deep=True)
    dim = out[var].dims[0]
    out[var].loc[{dim: label}] = value
    return out


def test_the_grid_search_is_set_against_the_nlp_by_the_sign_of_the_difference(st):
    """Review finding: the page said the grid's best point "costs -13.11 $/h more, so the NLP found at least as good
    a point" where the grid beat Ipopt (chapter 04's case33bw offer). The sentence follows the sign, says when the
    grid found no offered point, and prints the grid the store records."""
    grid = str(st.solver.values[-1])
    total = float(st.sol_total.sel(solver="CasADi + Ipopt"))
    # the ball's optimum is a grid point: a tie
    assert "the grid search's best point costs the same, to within 1e-06 of the total" in ch10.solution_text(st)
    dearer = ch10.solution_text(_with(st, "sol_total", grid, total + 2.5))
    assert (r"costs 2.50 \$/h more, so the NLP found a better point than any offered point of the "
            f"{ch10.GRID_POINTS}³ grid") in dearer
    cheaper = ch10.solution_text(_with(st, "sol_total", grid, total - 13.11))
    assert r"costs 13.11 \$/h less**: Ipopt stopped at a local optimum or another worse point" in cheaper
    assert "at least as good" not in cheaper and "more" not in cheaper.split("The region")[0]
    none = ch10.solution_text(_with(st, "sol_status", grid, ch10.GRID_NONE))
    assert "found no offered point within the generator's limits on the 31³ grid" in none
    assert "costs" not in none.split("The region")[0]
    other = _with(st, "sol_total", grid, total + 2.5)
    other.attrs["grid_points"] = 11
    assert "any offered point of the 11³ grid" in ch10.solution_text(other)
    del other.attrs["grid_points"]  # a store written before the record: no size printed rather than a wrong one
    assert "any offered point of its grid." in ch10.solution_text(other)


def test_the_edge_point_on_the_box_face_is_not_called_zero(st):
    """Review finding: `edge_point` returns the box's face when the region reaches it, where f + m is not zero; the
    page said "zero to the bisection's accuracy" regardless."""
    assert "zero to the bisection's accuracy" in ch10.points_text(st)  # the ball ends inside the box
    face = _with(_with(st, "pt_p_mw", "edge", 10.0), "pt_f", "edge", -0.2)
    text = ch10.points_text(face)
    assert "the edge point is the box's upper P bound, 10.00 MW, where $f + m = -0.200$" in text
    assert "zero to the bisection" not in text


def test_a_bound_that_holds_the_import_is_named_not_a_balance_of_slopes(st):
    """Review finding: "the optimum is where one more MW of import saves the DS as much as it costs the generator"
    holds only where neither the box nor the generator's limit holds P."""
    loose = _with(st, "sol_f", "CasADi + Ipopt", -0.3)
    at_box = ch10.solution_text(_with(loose, "sol_p_mw", "CasADi + Ipopt", 0.0))
    assert "does not bind ($f + m$ = -0.300); the import is held by the box's lower P bound, 0.00 MW" in at_box
    assert "saves the DS as much" not in at_box
    at_gen = ch10.solution_text(_with(_with(loose, "sol_p_mw", "CasADi + Ipopt", 5.0), "sol_pg_mw",
                                      "CasADi + Ipopt", 300.0))
    assert "held by the generator's upper limit, 300.00 MW" in at_gen and "saves the DS as much" not in at_gen
    free = ch10.solution_text(_with(loose, "sol_p_mw", "CasADi + Ipopt", 5.0))
    assert "no bound of the box or the generator holds the import" in free


def test_offer_path_from_anywhere_in_the_repository(monkeypatch):
    monkeypatch.delenv("FORLAB_RESULTS", raising=False)
    monkeypatch.chdir(ROOT / "notebooks")
    given = "results/04_for_representation/x-offers/case9+case33bw__case33bw.json"
    assert ch10.offer_path(PARAMS | {"offer_file": given}) == ROOT / given
    own = ch10.offer_path(PARAMS)
    assert own == ROOT / "results" / ch10.CHAPTER / f"{store.param_hash(PARAMS)}-offer.json"


@pytest.mark.parametrize("change", [{"ds": "case33bw"}, {"slice_positions": [0.5]}, {"slice_positions": [0.2, 1.5]},
                                    {"gen_cost_per_mwh": -1.0}, {"ts_load_mw": True}, {"pyomo_solver": "gurobi"},
                                    {"surrogate_samples": 10}, {"repeats": 0}, {"repeats": 2.5}])
def test_check_params_names_the_parameter(change):
    with pytest.raises(ValueError, match=next(iter(change))):
        ch10.check_params(PARAMS | change)


@pytest.mark.parametrize(("change", "match"), [
    ({"ds": "case9+case33bw/case69"}, "ds: system 'case9\\+case33bw' has no DS 'case69'; pass one of"),
    ({"ds": "nope+case33bw/case33bw"}, "ds: .*nope"),
    ({"gen_p_max_mw": 0.0}, "gen_p_max_mw must be > 0"),
    ({"ts_load_mw": 300.0}, "ts_load_mw must be below gen_p_max_mw"),
    ({"ts_load_mw": 80.0, "gen_p_max_mw": 50.0}, "ts_load_mw must be below gen_p_max_mw"),
    ({"n_directions": -1}, "n_directions must be a non-negative integer"),
    ({"face_grid": -1}, "face_grid must be a non-negative integer"),
    ({"n_labelled": 0}, "n_labelled must be a positive integer"),
    ({"n_cost": 0}, r"n_cost must be at least 13 \(an integer\), got 0: the price's fit"),
    ({"n_cost": 12}, r"n_cost must be at least 13 \(an integer\), got 12: the price's fit"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"degrees": [3]}, "degrees must be a non-empty list"), ({"degrees": []}, "degrees must be a non-empty list"),
    ({"degrees": [2, 8]}, "degrees must be a non-empty list")])
def test_check_params_refuses_a_bad_value_before_any_sampling(change, match, monkeypatch):
    """A DS not in its system, a generator without capacity or below the TS load, negative counts or seeds and
    degrees outside `forlab.p1_for.polynomial.DEGREES` fail in `check_params`, naming the parameter, not later
    (a bare IndexError at the PCC lookup, Infeasible rows, a solver's "bad status" after sampling)."""
    from forlab.grid import td

    monkeypatch.setattr(td, "load_system", lambda *a, **k: pytest.fail("check_params built a study system"))
    with pytest.raises(ValueError, match=match):
        ch10.check_params(PARAMS | change)


def test_check_params_takes_the_defaults_and_every_ds_of_a_system(ball_file):
    from forlab.book import runner
    from forlab.p1_for.polynomial import DEGREES

    ch10.check_params(runner.chapter_params(ch10.CHAPTER))
    ch10.check_params(PARAMS | {"ds": "case30+case69+case33bw/case69", "degrees": list(DEGREES),
                                   "n_directions": 0, "face_grid": 0, "seed": 0})
    ch10.check_params(PARAMS | {"ds": "case118+case33bw*2/case33bw#2"})
    # ds names the DS only without a file (the file itself must exist: see the next test)
    ch10.check_params(PARAMS | {"offer_file": str(ball_file), "ds": "anything"})


@pytest.mark.parametrize("given", ["does/not/exist.json", "notebooks"])
def test_a_missing_offer_file_stops_before_a_kernel_and_says_where_offers_come_from(given, monkeypatch):
    """Review R1 #3: `forlab run 10_consuming_an_offer -p offer_file does/not/exist.json` started a kernel and failed
    with a bare FileNotFoundError. The check (what `forlab run` calls before a kernel, exit 2) names the parameter,
    says it is read as JSON relative to the repository root and where chapter 04 writes its offers (from its own
    `save_offers` layout and `offer_file` names), and lists the offers there."""
    from forlab.book import runner

    monkeypatch.delenv("FORLAB_RESULTS", raising=False)
    monkeypatch.chdir(ROOT / "notebooks")  # the check resolves offer_file from the repository root, as the kernel
    where = f"results/04_for_representation/<hash>-offers/{ch04.offer_file('<system>/<DS>')}"
    with pytest.raises(runner.ParameterError) as err:
        runner.check_values(ch10.CHAPTER, runner.chapter_params(ch10.CHAPTER) | {"offer_file": given})
    said = str(err.value)
    assert said.startswith(f"{ch10.CHAPTER}: offer_file {given!r}: ")
    assert "read as a JSON offer file, relative to the repository root" in said
    assert f"Pass an offer that `forlab run 04_for_representation` writes to {where} (" in said
    assert "leave offer_file empty for the chapter's own small offer" in said
    assert ("a folder, not a file" if given == "notebooks" else "no such file") in said


def test_the_offers_chapter_04_wrote_are_listed_as_offer_file_takes_them(tmp_path, monkeypatch):
    store_dir = tmp_path / "04_for_representation"
    store_dir.mkdir()
    monkeypatch.setenv("FORLAB_RESULTS", str(tmp_path))
    assert "(none there yet)" in ch10.chapter_04_offers()
    st = xr.Dataset({"offer_json": ("ds", [json.dumps(ball_offer().to_dict())])}, coords={"ds": ["s/ball"]})
    saved = ch04.save_offers(st, store_dir / "abc.nc")  # chapter 04's own writer: its folder and file names
    said = ch10.chapter_04_offers()
    assert said.endswith(f"(there now: {(saved / ch04.offer_file('s/ball')).resolve().as_posix()})")
    assert f"writes to {store_dir.resolve().as_posix()}/<hash>-offers/" in said  # outside the repository
    assert ch10.as_offer_file(ROOT / "results" / "x.json") == "results/x.json"  # inside the repository: relative


@pytest.mark.parametrize(("text", "says"), [
    ("# not JSON", "not a forlab offer (not JSON: "),
    ("[]", "not a forlab offer: it is a JSON list"),
])
def test_a_file_that_is_no_offer_stops_in_the_check(tmp_path, text, says):
    """Review R1 #3: a non-JSON file was refused well, but only inside the kernel; the check loads the file now."""
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        ch10.check_params(PARAMS | {"offer_file": str(path)})
    assert str(err.value).startswith(f"offer_file {str(path)!r}: {path}: {says}")


@pytest.mark.parametrize(("name", "value"), [("offer_file", 7), ("n_directions", "16"), ("degrees", "abc"),
                                             ("ts_load_mvar", "30.0"), ("degrees", [2, 4.5]), ("seed", None),
                                             ("slice_positions", ["0.3", "0.7"]), ("pyomo_solver", 1)])
def test_a_wrong_type_is_refused_naming_the_parameter(name, value):
    with pytest.raises(TypeError, match=f"parameter '{name}' must be"):
        ch10.check_params(PARAMS | {name: value})


@pytest.mark.parametrize("gone", [["pcc"], ["info"], ["pcc", "base", "info"]])
def test_an_offer_without_its_optional_sections_is_read_and_said(st, tmp_path, gone):
    """Review R1 #4: the offer format leaves ``pcc``, ``base`` and ``info`` optional (`Offer.from_dict` reads each as
    empty, and chapter 04 writes all three), but `file_text` indexed them: a file without ``pcc`` passed the checks
    and failed the page with KeyError 'pcc'. The page now reads such a file and says what it leaves out."""
    full = ball_offer().to_dict() | {"info": {"degree": 2}}
    d = {k: v for k, v in full.items() if k not in gone}
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(d))
    ch10.check_params(PARAMS | {"offer_file": str(path)})  # the format allows it: the check passes it on
    part = st.assign(offer_json=((), path.read_text()))
    text = ch10.file_text(part)
    said = text.split("Nothing in it names")[0]
    assert f"It has {listed([f'no `{k}`' for k in gone])} (each optional in the format)" in said
    described = said.split(". ", 1)[1].split(" It has ")[0]  # the sentence after the list of keys
    for k in ("pcc", "base", "info"):
        assert (f"`{k}` " in described) == (k not in gone)
    assert ("the TSO's whole AC-OPF below is not solved" in said) == ("pcc" in gone)
    assert ch10.offered_ds(part) == ("an unnamed DS" if "pcc" in gone else "ball")
    # the ball offer's empty info is said as such, not listed as "how the DSO fitted them (, ...)"
    assert "an empty `info`" in ch10.file_text(st) and "(, ...)" not in ch10.file_text(st)


def test_every_reader_of_the_page_takes_a_bare_offer(tmp_path):
    """Review R1 #4, end to end: the chapter on a file with none of the optional sections, through every reader
    the notebook calls."""
    bare = {k: v for k, v in ball_offer().to_dict().items() if k not in ch10.OPTIONAL_SECTIONS}
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare))
    st = ch10.run(PARAMS | {"offer_file": str(path)})
    for reader in (ch10.checks_table, ch10.file_text, ch10.points_table, ch10.points_text, ch10.price_text,
                   ch10.region_figure, ch10.rejection_text, ch10.solution_table, ch10.solution_text,
                   ch10.solver_text, ch10.structure_table, ch10.tso_tables, ch10.tso_text):
        reader(st)
    assert "It has no `pcc`, no `base` and no `info`" in ch10.file_text(st)
    assert "not solved on this page" in ch10.tso_text(st)


def test_the_price_eigenvalues_carry_their_unit_and_a_zero_one_is_said(st, tmp_path):
    """The reader met "eigenvalues 1.22e-06, 30.9, 175" with no unit and the first not commented: the check prints
    the unit of H (it acts on the box-normalised point) and the text under the table explains both."""
    assert ch10.checks_table(st).loc["price convex (H symmetric, eigenvalues ≥ 0)", "result"].endswith(
        "($/h per unit of x̃²)")
    # review finding: the page cut the cell to "... ($/h per unit ..." (pandas' display.max_colwidth)
    table = ch10.checks_table(st)
    assert table.result.str.len().max() <= pd.get_option("display.max_colwidth")
    assert "($/h per unit of x̃²)</td>" in table._repr_html_()
    text = ch10.price_text(st)  # the ball's H = diag(2, 1, 0.1), box half-widths 5 MW, 5 Mvar, 0.05 p.u.
    assert r"they are in \$/h per unit of $\tilde x$ squared" in text
    assert "5.00 MW in P, 5.00 Mvar in Q and 0.0500 p.u. in V" in text
    assert text.endswith("All three are positive: the price curves along every direction of the box.")
    flat = ball_offer()
    flat.cost = QuadraticCost(np.diag([2.0, 1.0, 1e-9]), np.zeros(3), 0.0)  # the fit ended on the PSD bound
    path = flat.save(tmp_path / "flat.json")
    text = ch10.price_text(st.assign(offer_json=((), path.read_text())))
    assert "The smallest, 1e-09 \\$/h per unit squared, is zero to the fit's precision" in text
    assert "whose largest component (1.000) is on the V axis, the price has no curvature" in text


def test_a_convexity_or_format_problem_fails_its_check(tmp_path):
    bad = ball_offer()
    bad.cost = QuadraticCost(np.diag([-1.0, 1.0, 1.0]), np.zeros(3), 0.0)
    path = bad.save(tmp_path / "bad.json")
    t = ch10.checks(bad, path).set_index("check")
    assert not t.loc["price convex (H symmetric, eigenvalues ≥ 0)", "passed"]
    assert t.drop(index="price convex (H symmetric, eigenvalues ≥ 0)").passed.all()


@pytest.mark.parametrize(("edit", "row", "refused"), [
    ({"margin": -3.0}, "margin m ≥ 0", "margin is -3.0"),  # -3 offers the box corners (f = 2.36 there)
    ({"coef": np.r_[1.0, np.zeros(9)]}, "region not empty", "region is empty"),
])
def test_a_negative_margin_or_an_empty_region_fails_its_check_and_the_load(tmp_path, edit, row, refused):
    """Review finding: the chapter ran these two checks on its own and `Offer.check` accepted both; now the rows
    take `forlab.p1_for.offer`'s checks, and `Offer.load` refuses the file."""
    bad = ball_offer()
    bad.polynomial = ImplicitPolynomial(2, edit.get("coef", bad.polynomial.coef), edit.get("margin", 0.0))
    path = bad.save(tmp_path / "bad.json")
    t = ch10.checks(bad, path).set_index("check")
    assert not t.loc[row, "passed"] and t.drop(index=row).passed.all()
    with pytest.raises(ValueError, match=refused):
        Offer.load(path)


def test_the_chapter_makes_a_small_offer_when_given_none(tmp_path):
    path = ch10.write_small_offer(PARAMS, tmp_path / "small.json")  # the notebook's defaults: about 15 s
    off = Offer.load(path)
    assert off.pcc["ds"] == "case33bw" and off.polynomial.degree in (2, 4)
    assert json.loads(path.read_text())["format"] == "forlab-offer/1"
    assert ch10.checks(off, path).passed.all()


def test_an_offer_of_no_study_system_skips_the_whole_tso(st):
    assert st.attrs["tso_status"] == "the offer names no DS of a forlab study system" and "tso" not in st.dims
    assert "not solved on this page" in ch10.tso_text(st) and ch10.tso_table(st).empty and not ch10.tso_agree(st)
    assert ch10.tso_tables(st) == []  # nothing to show: the text says why


def test_the_offer_files_pcc_is_checked_against_its_study_system():
    """Review finding: a ``ts_bus`` that was a TS bus but not the DS's PCC made the CasADi TSO attach the DS there
    and the Pyomo TSO at the system's PCC, so the agreement table blamed the engines; "four" and a DS of no such
    system gave a bare int() error or a KeyError. Each now names the file's field and what to change."""
    good = {"system": "case9+case33bw", "ds": "case33bw", "ts_bus": 4}
    system, ds, bus = ch10.offer_system(ball_offer(pcc=good))
    assert (system.name, ds, bus) == ("case9+case33bw", "case33bw", 4) and ch10.pcc_bus(system, ds) == 4
    for change, says in [
        ({"ds": "case69"}, (r"pcc\.ds is 'case69', no DS of study system 'case9\+case33bw' .*set pcc\.ds to one of "
                            r"\['case33bw'\]")),
        ({"ts_bus": "four"}, r"pcc\.ts_bus must be an integer \(the TS bus index of the DS's PCC\), got 'four'"),
        ({"ts_bus": True}, r"pcc\.ts_bus must be an integer"),
        ({"ts_bus": 5}, (r"pcc\.ts_bus is 5, but DS 'case33bw' of study system 'case9\+case33bw' is tied to TS "
                         r"bus 4: set pcc\.ts_bus to 4")),
    ]:
        with pytest.raises(ValueError, match=says):
            ch10.offer_system(ball_offer(pcc=good | change))


def test_a_pcc_that_does_not_fit_its_system_is_refused_at_loading_before_any_solve(tmp_path, monkeypatch):
    """Second read #8: `offer_system` ran inside `tso_runs`, after the Pyomo and CasADi solves of the offer, so a
    wrong ``ts_bus`` failed the page partway through the run. `run` now checks it right after loading the file and
    hands the result on: `tso_runs` does not load the study system again."""
    path = ball_offer(pcc={"system": "case9+case33bw", "ds": "case33bw", "ts_bus": 5}).save(tmp_path / "bad.json")
    monkeypatch.setattr(ch10.study, "solutions",
                        lambda *a, **k: pytest.fail("the offer was solved before its pcc check"))
    with pytest.raises(ValueError, match=r"pcc\.ts_bus is 5, but DS 'case33bw' .* set pcc\.ts_bus to 4"):
        ch10.run(PARAMS | {"offer_file": str(path)})
    monkeypatch.setattr(ch10.tso_acopf, "offer_system",
                        lambda *a: pytest.fail("tso_runs checked the offer's system again"))
    runs, agree, facts = ch10.tso_runs(ball_offer(), None, PARAMS)
    assert runs.empty and agree.empty and facts["tso_status"] == "the offer names no DS of a forlab study system"


@pytest.fixture(scope="module")
def tso_st(tmp_path_factory):
    """The chapter on a ball offer at the PCC of chapter 10's default study system (around its base-case import)."""
    from forlab.grid.td import load_system

    pcc = load_system("case9+case33bw").pcc.iloc[0]
    c, h = np.array([pcc.p_mw, pcc.q_mvar, pcc.vm_pu]), np.array([20.0, 20.0, 0.05])
    offer = ball_offer(-30.0, Box(c - h, c + h), {"system": "case9+case33bw", "ds": "case33bw", "ts_bus": 4})
    path = offer.save(tmp_path_factory.mktemp("offer") / "case33bw.json")
    return ch10.run(PARAMS | {"offer_file": str(path), "surrogate_samples": 600, "repeats": 2})


def test_the_pyomo_tso_agrees_with_the_casadi_tso_on_the_study_system(tso_st, tmp_path):
    st = tso_st
    assert st.attrs["tso_status"] == "ok" and st.attrs["tso_system"] == "case9+case33bw"
    assert list(st.tso.values) == ["offer/casadi", "offer/pyomo", "surrogate/casadi", "surrogate/pyomo"]
    assert (st.tso_success == 1).all() and ch10.tso_agree(st)
    assert float(st.agree_pcc_diff_pu.max()) <= 1e-4 and float(st.agree_objective_rel_diff.max()) <= 1e-6
    for rep in ("offer", "surrogate"):
        cas, pyo_ = st.sel(tso=f"{rep}/casadi"), st.sel(tso=f"{rep}/pyomo")
        assert float(pyo_.tso_objective) == pytest.approx(float(cas.tso_objective), rel=1e-6)
        assert abs(float(pyo_.tso_pcc_vm_pu) - float(cas.tso_pcc_vm_pu)) <= 1e-4
    assert all("units" in st[v].attrs for v in st.data_vars)
    assert st.tso_objective.attrs["units"] == "$/h" and st.tso_wall_time_s.attrs["units"] == "s"
    assert st.agree_pcc_diff_pu.attrs["units"] == "p.u." and st.tso_iterations.attrs["units"] == "1"
    t = ch10.tso_table(st)
    assert list(t.columns)[:2] == ["engine", "status"] and list(t.engine) == ["CasADi + Ipopt", "Pyomo + ripopt"] * 2
    assert (t["iterations"].astype(int) > 0).all() and (t["wall time (ms)"].astype(float) > 0).all()
    assert all(len(v.split(".")[1]) == ch10.TSO_DIGITS["pcc_vm_pu"] for v in t["PCC V (p.u.)"])  # "1.050000"
    text = ch10.tso_text(st)
    assert text.count("they agree") == 2 and "do not agree" not in text
    # the counts by their values, the parameters named beside them (the page once read "fastest of repeats solves")
    assert "the fastest of 2 solves from the same start, the parameter `repeats`)." in text
    assert "as its surrogate fitted on 600 power flows of the DS (the parameter `surrogate_samples`)," in text
    # one clause per gap: the solver time with both iteration counts, the wall time with what Pyomo adds around it
    runs = st.sel(tso=["offer/pyomo", "offer/casadi"])
    its = [int(v) for v in runs.tso_iterations.values]
    assert text.count("ripopt (an interior-point solver written in Rust, see {doc}`../stack`)") == 1
    assert "solved by ripopt (an interior-point solver" in text and "ripopt reports" in text
    assert f"a different solver, which took {its[0]} iterations where Ipopt took {its[1]}. The whole solve call" in text
    # what the Pyomo call adds is explained once, under *Solving*; here a clause points there (review R5 #7)
    assert "the Pyomo call goes through an NL file and a solver process (section *Solving* above)" in text
    assert "writes the model to an" not in text and "if any" not in text  # case9+case33bw has one DS
    assert ",," not in text and "(the parameter `surrogate_samples`), the Pyomo TSO solved by" in text
    solving = next(c for c in sources("10_consuming_an_offer", "markdown") if "### Solving" in c)
    assert "AMPL NL file" in solving
    assert sum("writing the model to an" in c or "writes the model to an" in c
               for c in sources("10_consuming_an_offer", "markdown")) == 1
    back = store.open_path(store.save(st, ch10.CHAPTER, PARAMS, root=tmp_path))
    assert ch10.tso_table(back).equals(t) and ch10.tso_text(back) == text


def test_the_other_dss_clause_stands_only_where_the_system_has_other_dss():
    """Review R5 #7: "the other DSs, if any" stood on a system with one DS; the clause now follows the system."""
    assert ch10.text._other_dss("case9+case33bw") == ""
    two = next(n for n in ch10.text.td.available_systems() if len(ch10.text.td.parse_system(n)[1]) > 1)
    assert ch10.text._other_dss(two) == " and its other DSs at their base-case import"


def test_the_tso_runs_show_as_two_tables_that_fit_the_column(tso_st):
    """The ten columns of `tso_table` were one table 768 px wide at its narrowest, past the 688 px column of a
    1280 px window: the page shows them as two titled tables, the optimum and the solve, with every column once, each
    row under its representation and engine, and the notebook displays those."""
    whole = ch10.tso_table(tso_st)
    (t1, optimum), (t2, solve) = ch10.tso_tables(tso_st)
    assert t1.startswith("**The optimum**") and t2.startswith("**The solve**")
    assert list(solve.columns) == ["engine", *ch10.TSO_SOLVE_COLUMNS] and len(optimum.columns) == 6
    assert sorted({*optimum.columns, *solve.columns}) == sorted(whole.columns)
    assert all(part[c].equals(whole[c]) for part in (optimum, solve) for c in part.columns)
    assert list(optimum.index) == list(solve.index) == list(whole.index)
    code = "\n".join(sources("10_consuming_an_offer", "code"))
    assert "titled(ch10.tso_tables(st))" in code and "tso_table(st)" not in code


def test_a_disagreement_is_said(tso_st):
    st = tso_st.copy()
    st["agree_agree"] = st.agree_agree.where(st.representation != "surrogate", 0)
    assert not ch10.tso_agree(st) and "they **do not agree**" in ch10.tso_text(st)


def test_the_introduction_limits_the_file_alone_to_the_offer():
    """The P2 comparison of the last section is not computed from the file: the introduction says so."""
    intro = sources("10_consuming_an_offer")[0]
    assert "Everything about the offer below is computed from the file alone" in intro
    assert "Everything below is computed from the file alone" not in intro
    flat = " ".join(intro.split())
    assert "for that comparison the chapter plays the DSO again" in flat
    assert "fits the surrogate on power flows of the DS" in flat


def test_the_page_says_what_the_tso_needs_besides_the_file():
    """Review R5 #8: "from the file alone" stood beside a recipe that builds forlab's T+D study system; the page says
    the TSO adds its own data (its network and the PCC bus), which the study system stands in for, and shows the call
    on the TSO's own net."""
    intro, whole = (" ".join(c.split()) for c in (sources("10_consuming_an_offer")[0],
                                                  next(c for c in sources("10_consuming_an_offer", "markdown")
                                                       if c.startswith("## The offer in the TSO's whole AC-OPF"))))
    assert "computed from the file alone and the TSO's own data" in intro
    assert "here taken from forlab's T+D study system, which stands in for the TSO's model" in intro
    assert "Here `load_system` stands in for the TSO's own model." in whole
    call = '`PyomoACOPF(net, extensions=[ch10.offer_extension("case33bw", offer, ts_bus)], solver="ripopt")`'
    assert call in whole and hasattr(ch10, "offer_extension")


def test_the_parameters_spell_the_command_as_the_introduction_installs_it():
    """Review R5 #4: the bare `forlab run` is "command not found" after the introduction's set-up, which installs
    into .venv without activating it."""
    params = " ".join(sources("10_consuming_an_offer")[1].split())
    assert "`.venv/bin/forlab run 10_consuming_an_offer -p offer_file <path>`" in params
    assert "`forlab run" not in params


def test_the_whole_ac_opf_section_has_no_sentence_past_sixty_words():
    """Review R5 #6: the surrogate item was one sentence of 110 words; the reading-order aside is its own sentence."""
    import re

    cell = next(c for c in sources("10_consuming_an_offer", "markdown")
                if c.startswith("## The offer in the TSO's whole AC-OPF"))
    prose = re.sub(r"```.*?```", "", cell, flags=re.DOTALL)
    sentences = re.split(r"(?<=\.)\s+(?=[A-Z`])|\n(?=- )", " ".join(prose.split()).replace(" - ", "\n- "))
    assert max(len(s.split()) for s in sentences) <= 60, max(sentences, key=lambda s: len(s.split()))
    assert "The book's order puts that chapter after this one: read this item after it" in " ".join(cell.split())


def test_the_nl_file_is_defined_once_and_the_stack_page_points_to_this_chapter():
    """Review R5 #7 and #10: "AMPL NL file" was used here and on the stack page and defined nowhere; the glossary
    defines it, the stack page links it, and leaves what separates the two engines' times to this chapter."""
    import re

    book = Path(__file__).resolve().parents[1] / "book"
    glossary, stack = ((book / f"{page}.md").read_text() for page in ("glossary", "stack"))
    assert re.search(r"^AMPL NL file\n  The text format", glossary, re.MULTILINE)
    assert "{term}`AMPL NL file`" in stack
    flat = " ".join(stack.split())
    assert "the time of each engine (that chapter says what separates the two)" in flat
    assert "starts the solver as a process" not in flat


def test_the_offer_is_set_beside_the_surrogate_in_words():
    """The introduction promises the offer beside the DS's P2 surrogate: the TSO text gives forlab's TSO's PCC point
    and objective with each, dollars escaped (a bare "$" pair would open MyST math)."""
    t = pd.DataFrame({"representation": ["offer", "offer", "surrogate"],
                      "engine": [ch10.ENGINES["casadi"], "Pyomo + ripopt", ch10.ENGINES["casadi"]],
                      "success": [1, 1, 1], "pcc_p_mw": [70.0, 70.0, 69.0], "pcc_q_mvar": [40.0, 40.0, 42.5],
                      "pcc_vm_pu": [1.047, 1.047, 1.05], "objective": [5168.62, 5168.62, 5168.27]})
    text = ch10.text._offer_against_surrogate(t)
    # the objective grouped as every cost of the book (fix G2: "5168.62")
    assert (f"with the offer at (70.00 MW, 40.00 Mvar, 1.0470 p.u.) and {grouped(t.objective.iloc[0], 2)} \\$/h and "
            "with the surrogate at") in text
    assert ch10.text._offer_against_surrogate(t[t.representation == "offer"]) == ""


def test_the_pages_code_examples_run_on_an_offer():
    """The page's two examples (a Pyomo and a CasADi model of a one-bus TSO with an offer) are code a reader copies:
    they run as printed on an offer and reach a point inside its region; the CasADi one starts where the book's TSO
    does (`forlab.p1_for.tso.pcc_start`), not at the box centre, which a non-convex region need not contain."""
    import json
    import re

    cells = json.loads((ROOT / "notebooks" / "10_consuming_an_offer.ipynb").read_text())["cells"]
    blocks = [b for c in cells if c["cell_type"] == "markdown"
              for b in re.findall(r"```python\n(.*?)```", "".join(c["source"]), re.DOTALL)]
    casadi = [b for b in blocks if "ca.nlpsol" in b]
    pyomo = [b for b in blocks if "offer_pyomo_block" in b]
    assert len(casadi) == 1 and len(pyomo) == 1 and "pcc_start(offer)" in casadi[0] and "box's centre" not in casadi[0]
    offer = ball_offer()
    scope = {"offer": offer}
    exec(casadi[0], scope)  # noqa: S102 - the page's own example
    p, q, v = np.asarray(scope["solution"]["x"]).ravel()[2:]
    assert scope["solver"].stats()["success"] and offer.f(p, q, v)[0] <= 1e-6
    scope = {"offer": offer}
    exec(pyomo[0], scope)  # noqa: S102
    ds = scope["ds"]
    assert offer.f(ds.p_mw.value, ds.q_mvar.value, ds.vm_pu.value)[0] <= 1e-6


def test_the_files_convex_flag_is_said_to_be_the_regions_not_the_prices():
    """Review finding: the file's ``convex`` (the region polynomial's SOS-convex fit) stood unexplained beside the
    check "price convex: yes"; the page says what it is, with the file's value."""
    d = {"polynomial": {"convex": False}, "info": {"convex": False}}
    words = ch10.text._convex_words(d)
    assert "false here" in words and "SOS-convex" in words and "need not be convex" in words
    assert "is convex" in ch10.text._convex_words({"polynomial": {"convex": True}, "info": {}})
    assert ch10.text._convex_words({"polynomial": {}, "info": {}}) == ""


def test_the_tso_times_in_prose_read_as_the_table_prints_them():
    """Review finding: the sentence under the TSO table rounded to whole ms (9 against 3) where the table prints
    tenths (9.0 against 3.3); both now print `TSO_DIGITS`."""
    t = pd.DataFrame({"solve_time_s": [0.00904, 0.00331], "wall_time_s": [0.0230, 0.00441], "iterations": [12, 9]},
                     index=["offer/pyomo", "offer/casadi"])
    text = ch10.text._times_text(t, "ipopt", 3)
    digits = ch10.TSO_DIGITS["solve_ms"]
    for v in (9.04, 3.31, 23.0, 4.41):
        assert f"{v:.{digits}f} ms" in text


def _shown(st: xr.Dataset) -> list:
    """Every text and table notebook 10 shows of the store ``st``, in its order; figures aside."""
    return [ch10.file_text(st), ch10.checks_table(st), ch10.price_text(st), ch10.rejection_text(st),
            ch10.points_table(st), ch10.points_text(st), ch10.components_table(), ch10.structure_table(st),
            ch10.solver_text(st), ch10.solution_table(st), ch10.solution_text(st), *ch10.tso_tables(st),
            ch10.tso_text(st)]


def test_every_number_the_page_prints_is_grouped_from_a_thousand_on(st, tso_st):
    """Fix G2: the solution table and the sentence under it printed the TSO's total "2634.69 $/h", and the TSO table
    its objectives "5049.8733", where the anchors print "5 296.69 $/h". Every number of the page that can reach a
    thousand (costs and prices, times, iterations, power flows, test points, MW of the generator) takes the book's
    one grouping, `forlab.book.tables.grouped`: no text or table the notebook shows of the stores the tests build
    (the ball offer and the offer at the study system's PCC) prints one without it."""
    for store_ in (st, tso_st):
        found = {i: ungrouped(page_text(s)) for i, s in enumerate(_shown(store_))}
        assert not {i: f for i, f in found.items() if f}, found
        assert float(ch10.casadi_solution(store_).total) >= 1000  # the check is not empty
    # the sentences group too, where a larger run reaches a thousand
    assert ch10.text._ms(1.2044) == grouped(1204.4, 1)
    assert ch10.text._import_worth(-1234.5) == f"saves the DS {grouped(1234.5, 2)} {ch10.USD_MWH}"
    tso = ch10.tso_text(tso_st.assign_attrs(surrogate_samples=1000))  # the chapter's default surrogate
    assert f"fitted on {grouped(1000)} power flows of the DS" in tso
