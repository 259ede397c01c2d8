"""The reference engine of chapter 02: PYPOWER's runopf on the MATPOWER files forlab reads."""

import numpy as np
import pypower.api
import pytest
from pypower.idx_brch import RATE_A

from forlab.book import anchors
from forlab.grid import cases
from forlab.opf import pypower_opf


@pytest.mark.parametrize("name", ["case9", "case14", "case30", "case39", "case57", "case118", "case300"])
def test_the_case_is_the_matpower_file_but_for_the_stand_in_ratings(name):
    """What PYPOWER solves is the MATPOWER file forlab loads, every number as the file writes it, except the ratings
    the file leaves unlimited (0), which get `UNLIMITED_MVA`; PYPOWER fails without them on the cases that have
    no limited branch at all (the module's docstring)."""
    ppc, unlimited = pypower_opf.pypower_case(name)
    raw = cases.parse_m(cases.matpower_file(name).read_text())[0]
    for key in ("bus", "gen", "gencost"):
        np.testing.assert_array_equal(ppc[key], raw[key], err_msg=key)
    assert list(unlimited) == list(np.flatnonzero(raw["branch"][:, RATE_A] == 0))
    assert (ppc["branch"][unlimited, RATE_A] == pypower_opf.UNLIMITED_MVA).all()
    kept = np.setdiff1d(np.arange(len(raw["branch"])), unlimited)
    np.testing.assert_array_equal(ppc["branch"][kept], raw["branch"][kept])
    np.testing.assert_array_equal(np.delete(ppc["branch"], RATE_A, axis=1), np.delete(raw["branch"], RATE_A, axis=1))
    assert ppc["baseMVA"] == raw["baseMVA"]


def test_it_reproduces_the_recorded_matpower_runs():
    """MATPOWER's own runopf results of the registry (`forlab.book.anchors.runopf_optimum`, two decimals): PYPOWER's
    optimum lies within each figure's rounding plus a millionth of it (case14: 8 081.5249 against the recorded
    8 081.53, the two interior points stopping at their own tolerances), so that it can stand in where the registry
    has none."""
    for name in ("case9", "case14", "case30", "case118"):
        out = pypower_opf.pypower_runopf(name)
        anchor = anchors.runopf_optimum(name)
        assert out["pypower_success"] and out["pypower_status"] == "converged"
        rounding = 0.5 * 10.0 ** -anchor.digits
        assert abs(out["pypower_objective"] - anchor.value) <= rounding + 1e-6 * anchor.value, name


def test_a_binding_stand_in_rating_fails_the_reference(monkeypatch):
    """A stand-in that binds would make PYPOWER solve another problem than MATPOWER's file: failed, no number."""
    monkeypatch.setattr(pypower_opf, "UNLIMITED_MVA", 60.0)
    out = pypower_opf.pypower_runopf("case14")
    assert not out["pypower_success"] and np.isnan(out["pypower_objective"])
    assert out["pypower_status"].startswith("stand-in rating of 60 MVA binds on")


def test_a_failing_solver_is_a_result_not_an_exception(monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("all the input arrays must have same number of dimensions")

    monkeypatch.setattr(pypower.api, "runopf", broken)
    out = pypower_opf.pypower_runopf("case9")
    assert out == {**out, "pypower_success": False,
                   "pypower_status": "failed: ValueError: all the input arrays must have same number of dimensions"}
    assert np.isnan(out["pypower_objective"]) and list(out) == list(pypower_opf.OUTCOME_KEYS)


def test_an_unknown_or_distribution_grid_is_refused_with_the_choices():
    for name in ("case33bw", "case9000"):
        with pytest.raises(ValueError, match="MATPOWER transmission cases only: .* is not one of \\['case9'"):
            pypower_opf.pypower_case(name)
