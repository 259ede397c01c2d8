"""forlab.grid.pglib: the vendored PGLib-OPF v23.07 folder, its BASELINE.md, and forlab's AC-OPF against the
baseline objectives (PowerModels.jl + Ipopt) on small cases."""

import numpy as np
import pytest

from forlab.grid import cases, pglib
from forlab.opf.acopf import ACOPF


def test_the_folder_holds_the_release_with_its_licence():
    here = pglib.folder()
    assert {"LICENSE", "README.md", "VERSION", "BASELINE.md"} <= {p.name for p in here.iterdir()}
    assert "Creative Commons Attribution" in (here / "LICENSE").read_text()
    assert pglib.version().startswith("v23.07 (commit dc6be4b2")


def test_case_names_ordered_by_buses():
    names = pglib.case_names()
    assert len(names) == 26 and names[0] == "pglib_opf_case3_lmbd" and names[-1] == "pglib_opf_case2869_pegase"
    buses = [pglib.buses_in_name(n) for n in names]
    assert buses == sorted(buses) and "pglib_opf_case500_goc" in names
    assert pglib.case_path("pglib_opf_case14_ieee").name == "pglib_opf_case14_ieee.m"
    with pytest.raises(ValueError, match="is not in"):
        pglib.case_path("pglib_opf_case9999_none")
    with pytest.raises(ValueError, match="not a PGLib case name"):
        pglib.buses_in_name("case14")


def test_baseline_reads_the_typical_table():
    base = pglib.baseline()
    assert set(pglib.case_names()) <= set(base.index) and len(base) == 66
    c14 = base.loc["pglib_opf_case14_ieee"]
    assert c14.ac_objective == 2.1781e03 and c14.dc_objective == 2.0515e03
    assert (c14.nodes, c14.edges) == (14, 20)
    assert c14.ac_time_s == 1 and bool(c14.ac_time_upper_bound)  # printed "<1": a bound, not one second
    assert c14.ac_objective_resolution == pytest.approx(0.1)
    big = base.loc["pglib_opf_case2869_pegase"]
    assert big.ac_time_s == 13 and not bool(big.ac_time_upper_bound) and big.ac_objective == 2.4628e06
    assert big.ac_objective_resolution == pytest.approx(100.0)
    assert base.loc["pglib_opf_case197_snem", "ac_objective"] == 1.5017  # not $-scaled, read as printed


def test_baseline_other_section_and_errors(tmp_path):
    api = pglib.baseline(section="Congested Operating Conditions (API)")
    assert "pglib_opf_case14_ieee__api" in api.index
    with pytest.raises(ValueError, match="no section"):
        pglib.baseline(section="Nope")
    with pytest.raises(ValueError, match="has no BASELINE.md"):
        pglib.folder(tmp_path)


def test_baseline_reads_inf_as_an_infeasible_objective():
    sad = pglib.baseline(section="Small Angle Difference Conditions (SAD)")
    c5 = sad.loc["pglib_opf_case5_pjm__sad"]  # printed "inf.": its DC OPF is infeasible
    assert c5.dc_objective == float("inf") and c5.ac_objective == 2.6109e04
    assert np.isnan(pglib._resolution("inf."))  # no digits to resolve
    assert sad.loc["pglib_opf_case3_lmbd__sad", "dc_objective"] == 5.856e03  # finite ones stay numbers


def test_baseline_of_a_heading_without_a_table_names_the_tables():
    with pytest.raises(ValueError, match=r"'Software Versions' has no table.*Operating Conditions \(TYP\)"):
        pglib.baseline(section="Software Versions")


def test_software_versions():
    soft = pglib.software()
    assert soft["PowerModels.jl"] == "v0.19.9" and soft["PGLib OPF"] == "v23.07" and "Intel" in soft["Hardware"]


@pytest.mark.parametrize("name", ["pglib_opf_case5_pjm", "pglib_opf_case14_ieee", "pglib_opf_case30_ieee"])
def test_small_cases_match_the_baseline(name):
    res = ACOPF(cases.load(pglib.case_path(name))).solve()
    assert res.success
    assert res.objective == pytest.approx(pglib.baseline().loc[name, "ac_objective"], rel=1e-4)  # 0.01 %


def test_case300_matches_the_baseline():
    """pglib_opf_case300_ieee (a few seconds): 0.079 % below the baseline while its 14 charged nominal-ratio
    branches between voltage levels lost their rating as `impedance` elements (forlab.grid.cases)."""
    name = "pglib_opf_case300_ieee"
    res = ACOPF(cases.load(pglib.case_path(name))).solve()
    assert res.success
    assert res.objective == pytest.approx(pglib.baseline().loc[name, "ac_objective"], rel=1e-4)


def test_case500_goc_solves_to_the_baseline():
    name = "pglib_opf_case500_goc"
    res = ACOPF(cases.load(pglib.case_path(name))).solve()
    assert res.success
    assert res.objective == pytest.approx(pglib.baseline().loc[name, "ac_objective"], rel=1e-4)
