"""The Pyomo AC-OPF (forlab.opf.pyomo_acopf) and the Pyomo TSO of chapter 10 against forlab's CasADi models: the
plain AC-OPF on MATPOWER cases, a binding angle-difference limit, the offer and surrogate blocks term by term, and
the TSO with a P1 offer and with a P2 surrogate on chapter 10's default study system (same PCC points within 1e-4
p.u., same objective within 1e-6 relative); a missing solver is a clear error, an ipopt executable on PATH is used."""

import os
import sys
import warnings
from pathlib import Path

import casadi as ca
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from forlab.grid import cases
from forlab.grid.td import load_system
from forlab.opf import ACOPF, pyomo_acopf
from forlab.opf.pyomo_acopf import PyomoACOPF, SolverNotFound
from forlab.p1_for.dso_opf import Box
from forlab.p1_for.formulations import offer_casadi, offer_pyomo_block
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import ImplicitPolynomial, exponents
from forlab.p1_for.price import QuadraticCost
from forlab.p2_surrogate import formulations
from forlab.studies import ch10_consuming_an_offer as ch10

warnings.filterwarnings("ignore", category=FutureWarning)

SYSTEM, DS = "case9+case33bw", "case33bw"  # chapter 10's default study system and DS


def ball_offer(center, half, radius=0.8) -> Offer:
    """A ball region of radius 0.8 (normalised) around ``center``, a convex price with a pull towards more import."""
    exps = [tuple(e) for e in exponents(2)]
    coef = np.zeros(len(exps))
    coef[exps.index((0, 0, 0))] = -radius ** 2
    for e in [(2, 0, 0), (0, 2, 0), (0, 0, 2)]:
        coef[exps.index(e)] = 1.0
    c, h = np.asarray(center, float), np.asarray(half, float)
    return Offer(Box(c - h, c + h), ImplicitPolynomial(2, coef),
                 QuadraticCost(np.diag([40.0, 10.0, 1.0]), np.array([-30.0, 5.0, 0.0]), 500.0),
                 pcc={"system": SYSTEM, "ds": DS, "ts_bus": 4}, base={"sn_mva": 100.0})


@pytest.fixture(scope="module")
def view():
    return ch10.one_ds_system(load_system(SYSTEM), DS)


@pytest.fixture(scope="module")
def offer(view):
    pcc = view.pcc.iloc[0]
    return ball_offer([pcc.p_mw, pcc.q_mvar, pcc.vm_pu], [20.0, 20.0, 0.05])


@pytest.fixture(scope="module")
def surrogate(view):
    return ch10.small_surrogate(view, DS, 1000, seed=0)


@pytest.mark.parametrize("case", ["case9", "case30"])
def test_pyomo_acopf_matches_the_casadi_acopf(case):
    net = cases.load(case)
    ref = ACOPF(net).solve()
    opf = PyomoACOPF(net)
    res = opf.solve()
    assert res.success and res.status == "optimal" and res.iterations > 0 and res.solve_time_s >= 0
    assert res.objective == pytest.approx(ref.objective, rel=1e-6)
    assert np.max(np.abs(res.res_bus.vm_pu - ref.res_bus.vm_pu)) < 1e-4
    assert np.max(np.abs(res.res_units.p_mw - ref.res_units.p_mw)) < 1e-2  # MW: 1e-4 p.u. on 100 MVA


def test_a_binding_angle_limit_is_kept_by_both_engines():
    net = cases.load("case9")
    free = ACOPF(net).solve()
    d = free.res_bus.va_degree
    line = int(net.line.index[0])
    spread = float(d[net.line.from_bus[line]] - d[net.line.to_bus[line]])
    net.line["max_angle_degree"] = np.nan
    net.line["min_angle_degree"] = np.nan
    net.line.loc[line, ["min_angle_degree", "max_angle_degree"]] = sorted([0.5 * spread, -0.5 * spread])
    ref, res = ACOPF(net).solve(), PyomoACOPF(net).solve()
    assert ref.success and res.success and res.objective > free.objective + 1e-3  # the limit binds
    assert res.objective == pytest.approx(ref.objective, rel=1e-6)
    got = float(res.res_bus.va_degree[net.line.from_bus[line]] - res.res_bus.va_degree[net.line.to_bus[line]])
    assert abs(got) == pytest.approx(0.5 * abs(spread), abs=1e-5)


def test_offer_block_evaluates_like_the_casadi_terms(offer):
    x = ca.SX.sym("x", 3)
    f = ca.Function("f", [x], list(offer_casadi(offer, x[0], x[1], x[2])))
    m = pyo.ConcreteModel()
    m.v = pyo.Var(initialize=1.0)
    own, tied = offer_pyomo_block(offer, m, "own"), offer_pyomo_block(offer, m, "tied", vm_pu=m.v)
    assert isinstance(tied.component("v_box"), pyo.Constraint) and own.component("v_box") is None
    for p in np.random.default_rng(0).uniform(offer.box.lo, offer.box.hi, (5, 3)):
        region, price = (float(v) for v in f(p))
        for blk in (own, tied):
            blk.p_mw.set_value(p[0])
            blk.q_mvar.set_value(p[1])
        own.vm_pu.set_value(p[2])
        m.v.set_value(p[2])
        for blk in (own, tied):
            assert pyo.value(blk.f) == pytest.approx(region, abs=1e-12)
            assert pyo.value(blk.cost) == pytest.approx(price, rel=1e-12)


def test_surrogate_block_evaluates_like_the_casadi_terms(surrogate):
    space = surrogate.space
    u = ca.SX.sym("u", space.dim)
    cas = ca.Function("g", [u], [formulations.polytope_rows(surrogate.polytope, u),
                                 formulations.regressor_expression(surrogate.regressors[0]["p_mw"], u),
                                 formulations.regressor_expression(surrogate.regressors[0]["q_mvar"], u)])
    m = pyo.ConcreteModel()
    m.vm = pyo.Var(initialize=1.0)
    blk = formulations.surrogate_pyomo_block(surrogate, [m.vm], load_factor=0.9, model=m, name="ds")
    lb, ub = formulations.fpu_bounds(space)
    for x in np.random.default_rng(1).uniform(lb, ub, (4, len(lb))):
        for i, v in enumerate(x):
            blk.fpu[i].set_value(v)
        m.vm.set_value(1.01)
        point = np.r_[x, 1.01, 0.9]
        rows, p, q = (np.asarray(v).ravel() for v in cas(point))
        np.testing.assert_allclose([pyo.value(blk.polytope[k].body) for k in range(len(rows))], rows, atol=1e-9)
        assert pyo.value(blk.p_mw[0]) == pytest.approx(float(p[0]), rel=1e-10)
        assert pyo.value(blk.q_mvar[0]) == pytest.approx(float(q[0]), rel=1e-10)
        assert pyo.value(blk.p_mw[0]) == pytest.approx(float(surrogate.predict_import(point)[0][0, 0]), rel=1e-10)
    assert len(blk.domain) == len(formulations.domain_decision_rows(space)[1])


def _agreement(cas_row, pyo_row, base_mva=100.0):
    runs = {"x/casadi": cas_row, "x/pyomo": pyo_row}
    frame = pd.DataFrame.from_dict(runs, orient="index").assign(representation="x")
    return ch10.agreement(frame, base_mva).loc["x"]


def test_pyomo_tso_with_the_offer_agrees_with_the_casadi_tso(view, offer):
    cas, start = ch10.casadi_offer_tso(view, DS, offer, 4, repeats=1)
    pyr = ch10.pyomo_row(view, DS, start, "ripopt", 1, offers={DS: offer})
    assert cas["success"] and pyr["success"] and pyr["status"] == "optimal"
    a = _agreement(cas, pyr)
    assert a.pcc_diff_pu <= 1e-4 and a.objective_rel_diff <= 1e-6 and a.agree == 1
    assert offer.f(pyr["pcc_p_mw"], pyr["pcc_q_mvar"], pyr["pcc_vm_pu"])[0] <= 1e-6  # inside the offered ball
    assert pyr["iterations"] > 0 and pyr["wall_time_s"] >= pyr["solve_time_s"]


def test_pyomo_tso_with_the_surrogate_agrees_with_the_casadi_tso(view, surrogate):
    cas, start = ch10.casadi_surrogate_tso(view, DS, surrogate, repeats=1)
    pyr = ch10.pyomo_row(view, DS, start, "ripopt", 1, surrogates={DS: surrogate})
    assert cas["success"] and pyr["success"]
    a = _agreement(cas, pyr)
    assert a.pcc_diff_pu <= 1e-4 and a.objective_rel_diff <= 1e-6 and a.agree == 1


def test_a_disagreement_is_reported(view, offer):
    cas, _ = ch10.casadi_offer_tso(view, DS, offer, 4, repeats=1)
    moved = dict(cas, points=cas["points"] + np.array([[0.1, 0.0, 0.0]]))  # 0.1 MW = 1e-3 p.u.: beyond 1e-4
    assert _agreement(cas, moved).agree == 0
    assert _agreement(cas, dict(cas, objective=cas["objective"] * (1 + 1e-5))).agree == 0


def test_the_tso_needs_distinct_known_ds(view, offer, surrogate):
    with pytest.raises(ValueError, match="distinct DSs"):
        ch10.pyomo_tso(view, offers={DS: offer}, surrogates={DS: surrogate})
    with pytest.raises(ValueError, match="distinct DSs"):
        ch10.pyomo_tso(view, offers={"elsewhere": offer})


def test_missing_ripopt_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyomo_ripopt", None)  # `import pyomo_ripopt` now fails as if not installed
    with pytest.raises(SolverNotFound, match="pip install pyomo-ripopt"):
        pyomo_acopf.solver_factory("ripopt")
    assert not pyomo_acopf.solver_available("ripopt")
    with pytest.raises(SolverNotFound, match="pyomo-ripopt"):
        PyomoACOPF(cases.load("case9")).solve()
    with pytest.raises(ValueError, match="solver must be one of"):
        PyomoACOPF(cases.load("case9"), solver="gurobi")


def test_an_ipopt_executable_on_path_is_used_and_its_absence_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ipopt here
    with pytest.raises(SolverNotFound, match="conda install -c conda-forge ipopt"):
        pyomo_acopf.solver_factory("ipopt")
    # an AMPL-NL executable named ipopt on PATH (here ripopt under that name, which speaks the same protocol and
    # log format; a conda user's real Ipopt takes the same path)
    ripopt = Path(pyomo_acopf.solver_factory("ripopt").executable())
    shim = tmp_path / "ipopt"
    shim.write_text(f'#!/bin/sh\nexec "{ripopt}" "$@"\n')
    shim.chmod(0o755)
    net = cases.load("case9")
    res = PyomoACOPF(net, solver="ipopt").solve()
    assert res.success and res.solver == "ipopt" and res.iterations > 0
    assert res.objective == pytest.approx(PyomoACOPF(net).solve().objective, rel=1e-9)
    assert os.environ["PATH"] == str(tmp_path)


def test_solver_log_reads_ripopt_and_ipopt():
    assert pyomo_acopf.solver_log("Number of Iterations....: 17\nTotal seconds in ripopt   = 0.052\n") == (17, 0.052)
    assert pyomo_acopf.solver_log("Number of Iterations....: 9\n\nTotal seconds in IPOPT                = 0.011\n") \
        == (9, 0.011)
    it, sec = pyomo_acopf.solver_log("nothing")
    assert it == -1 and np.isnan(sec)
