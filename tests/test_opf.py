"""The AC-OPF engine against references nobody here wrote: MATPOWER's optima and pandapower's power flow."""

import copy
import warnings

import numpy as np
import pandapower.networks as pn
import pytest

from forlab import opf
from forlab.book import anchors
from forlab.grid import cases

warnings.filterwarnings("ignore", category=FutureWarning)

MATPOWER_OPTIMA = {"case9": 5296.69, "case14": 8081.53, "case30": 576.89, "case118": 129660.69}
"""MATPOWER's optima transcribed here a second time, on purpose: `test_matpower_optimum` checks the registry
(`forlab.book.anchors.runopf_optimum`) against this independent copy; every other test reads the registry."""


@pytest.mark.parametrize("name", sorted(MATPOWER_OPTIMA))
def test_matpower_optimum(name):
    net = cases.load(name)
    res = opf.solve(net)
    assert res.success, res.status
    ref = MATPOWER_OPTIMA[name]
    assert anchors.runopf_optimum(name).value == ref
    assert abs(res.objective - ref) / ref < 1e-4, (res.objective, ref)
    assert res.unit_cost == pytest.approx(res.objective, rel=1e-9)


@pytest.mark.parametrize("name", ["case57", "case300"])
def test_converges_where_runopp_fails(name):
    """pandapower's runopp does not converge on these; forlab must, and its point must be a power-flow solution."""
    net = cases.load(name)
    res = opf.solve(net)
    assert res.success, res.status
    chk = opf.power_flow_check(net, res)
    assert chk["converged"] and chk["max_dvm_pu"] < 1e-4


@pytest.mark.parametrize("name", ["case9", "case30", "case118"])
def test_opf_solution_is_a_power_flow_solution(name):
    net = cases.load(name)
    res = opf.solve(net)
    chk = opf.power_flow_check(net, res)
    assert chk["converged"]
    assert chk["max_dvm_pu"] < 1e-4
    assert chk["max_dp_slack_mw"] < 1e-2


def test_limits_hold_at_the_optimum():
    net = cases.load("case30")
    m = opf.ACOPF(net)
    res = m.solve()
    assert res.extra["max_violation"] < 1e-6
    vm = res.res_bus.vm_pu
    assert (vm <= net.bus.loc[vm.index, "max_vm_pu"] + 1e-6).all()
    assert (vm >= net.bus.loc[vm.index, "min_vm_pu"] - 1e-6).all()
    lim = res.res_branch.loading_percent.dropna()
    assert len(lim) and (lim <= 100 + 1e-4).all()


def test_prices_are_marginal_costs():
    """The bus price dual equals the finite-difference change of the optimum with that bus's demand ($/MWh)."""
    net = cases.load("case9")
    m = opf.ACOPF(net)
    base = m.solve()
    bus = 4
    k = m.model.bus_lookup[bus]
    pd_ = m.model.pd.copy()
    d = 1.0 / m.model.base_mva  # 1 MW
    pd_[k] += d
    up = m.solve(pd_, x0=base)
    fd = (up.objective - base.objective) / 1.0
    assert base.res_bus.lam_p[bus] == pytest.approx(fd, rel=2e-2)


def test_resolve_with_new_load_and_warm_start():
    net = cases.load("case118")
    m = opf.ACOPF(net)
    r1 = m.solve()
    r2 = m.solve(m.model.pd * 0.9, m.model.qd * 0.9, x0=r1)
    assert r2.success and r2.objective < r1.objective
    # the same model solved cold at 90 % load agrees
    net90 = cases.load("case118")
    net90.load["p_mw"] *= 0.9
    net90.load["q_mvar"] *= 0.9
    r3 = opf.solve(net90)
    assert r3.objective == pytest.approx(r2.objective, rel=1e-6)
    assert r2.iterations <= r3.iterations + 2


def test_infeasible_is_a_result_not_an_exception():
    net = cases.load("case9")
    m = opf.ACOPF(net)
    res = m.solve(m.model.pd * 5, m.model.qd * 5)
    assert not res.success
    assert res.status in {"Infeasible_Problem_Detected", "Maximum_Iterations_Exceeded", "Restoration_Failed",
                          "Local_Infeasibility", "Error_In_Step_Computation"}


def test_slack_voltage_is_free_within_limits():
    """As in MATPOWER, the reference bus voltage is a decision variable, not the ext_grid set-point."""
    net = pn.case9()
    net.ext_grid.vm_pu = 1.0
    res = opf.solve(net)
    slack = net.ext_grid.bus.iloc[0]
    assert abs(res.res_bus.vm_pu[slack] - 1.0) > 1e-3
    assert res.objective == pytest.approx(anchors.value("runopf_case9_usd_h"), rel=1e-4)


def test_unsupported_elements_are_rejected_clearly():
    import pandapower as pp

    net = pn.case9()
    pp.create_ward(net, 4, ps_mw=1, qs_mvar=1, pz_mw=0, qz_mvar=0)
    with pytest.raises(ValueError, match="ward"):
        opf.ACOPF(net)


def test_bad_parameter_is_rejected():
    m = opf.ACOPF(pn.case9())
    with pytest.raises(ValueError, match="unknown parameters"):
        m.solve(foo=np.ones(3))


def test_an_extension_composes_with_the_base_opf():
    """An extra import y at one bus (a variable added to that bus's demand, fixed by a constraint, priced in the
    objective) gives the plain OPF with that much more load, plus the price of y."""
    import casadi as ca

    net = cases.load("case9")
    plain = opf.ACOPF(net)
    k = int(plain.model.bus_lookup[4])
    y_pu, price = 0.2, 7.0

    def demand(m, s):
        dp = ca.SX.zeros(m.nb)
        dp[k] = s.extra_x["y"][0]
        return dp, ca.SX.zeros(m.nb)

    ext = opf.Extension(variables={"y": (1, 0.0, 1.0)}, demand=demand,
                        constraints=lambda m, s: [(s.extra_x["y"], y_pu, y_pu)],
                        objective=lambda m, s: [price * s.extra_x["y"][0]])
    composed = opf.ACOPF(net, extensions=[ext])
    assert composed.nx == plain.nx + 1 and composed.slices["y"] == slice(plain.nx, plain.nx + 1)
    res = composed.solve()
    pd_ = plain.model.pd.copy()
    pd_[k] += y_pu
    ref = plain.solve(pd_)
    assert res.success and res.extra["y"][0] == pytest.approx(y_pu, abs=1e-7)
    assert res.objective == pytest.approx(ref.objective + price * y_pu, rel=1e-7)
    with pytest.raises(ValueError, match="declared twice"):
        opf.ACOPF(net, extensions=[ext, opf.Extension(variables={"y": (1, 0.0, 1.0)})])


def test_model_branches_follow_pandapower_elements():
    """Lines then trafos in pandapower's ppc order, each from its from/hv bus to its to/lv bus (case14 has both)."""
    net = cases.load("case14")
    m = opf.build_network(net)
    assert m.nl == len(net.line) + len(net.trafo) and len(net.trafo)
    ends = {"line": ("from_bus", "to_bus"), "trafo": ("hv_bus", "lv_bus")}
    for k, (elm, idx) in enumerate(m.branch_element):
        a, b = ends[elm]
        assert (m.f[k], m.t[k]) == (m.bus_lookup[net[elm].at[idx, a]], m.bus_lookup[net[elm].at[idx, b]])


def test_angle_limits_nan_or_360_are_no_limit():
    net = cases.load("case14")
    plain = opf.solve(net)
    net.line["min_angle_degree"], net.line["max_angle_degree"] = np.nan, 360.0
    net.trafo["min_angle_degree"], net.trafo["max_angle_degree"] = -360.0, np.nan
    m = opf.ACOPF(net)
    assert not m.model.angle_limited.any() and np.isneginf(m.model.angle_min).all()
    res = m.solve()
    assert res.objective == pytest.approx(plain.objective, rel=1e-10) and res.iterations == plain.iterations


def test_a_tight_angle_limit_binds_and_costs():
    """A 5-degree limit on a line that carries 7.4 degrees at the optimum (and one on a trafo) binds, raises the cost,
    and its row's multiplier is non-zero; va_f - va_t is read in the element's own direction."""
    net = cases.load("case14")
    plain = opf.solve(net)
    m0 = opf.build_network(net)
    k_line = m0.branch_element.index(("line", 1))
    va0 = np.deg2rad(plain.res_bus.va_degree.loc[m0.bus_pd].to_numpy())
    assert np.rad2deg(va0[m0.f[k_line]] - va0[m0.t[k_line]]) > 7.0
    net.line.loc[1, "max_angle_degree"] = 5.0
    net.trafo.loc[0, ["min_angle_degree", "max_angle_degree"]] = [-30.0, 1.0]
    m = opf.ACOPF(net)
    mm = m.model
    assert mm.angle_limited.sum() == 2 and np.rad2deg(mm.angle_max[mm.angle_limited]) == pytest.approx([5.0, 1.0])
    res = m.solve()
    assert res.success and res.objective > plain.objective * 1.01
    va = np.deg2rad(res.res_bus.va_degree.loc[mm.bus_pd].to_numpy())
    diff = np.rad2deg(mm.angle_differences(va))
    assert diff[0] == pytest.approx(5.0, abs=1e-5) and -30.0 - 1e-6 <= diff[1] <= 1.0 + 1e-6
    rows = 2 * mm.nb + 2 * len(mm.limited)
    assert abs(res.lam_g[rows]) > 1e-3
    assert res.extra["max_violation"] < 1e-6


@pytest.mark.parametrize("graph", ["SX", "MX"])
def test_sx_and_mx_graphs_solve_the_same_nlp(graph):
    """The MX graph (large nets) and the SX graph (small ones) are one NLP: same rows, iterations and optimum, also
    with an extension (its SX expressions called from the MX graph) and an angle-difference limit."""
    import casadi as ca

    net = cases.load("case30")
    net.line["max_angle_degree"] = np.nan
    net.line.loc[0, "max_angle_degree"] = 2.0
    ext = opf.Extension(variables={"y": (1, 0.0, 1.0)}, parameters={"price": 1},
                        demand=lambda m, s: (ca.vertcat(s.extra_x["y"], ca.SX(m.nb - 1, 1)), ca.SX(m.nb, 1)),
                        objective=lambda m, s: [s.extra_p["price"][0] * (s.extra_x["y"][0] - 0.3) ** 2])
    ref = opf.ACOPF(net, extensions=[ext], graph="SX").solve(price=1e4)
    m = opf.ACOPF(net, extensions=[ext], graph=graph)
    assert m.graph == graph and m._n_angle == 1
    res = m.solve(price=1e4)
    assert res.success and res.iterations == ref.iterations
    assert res.objective == pytest.approx(ref.objective, rel=1e-10)
    assert np.allclose(res.x, ref.x, atol=1e-9) and np.allclose(res.lam_g, ref.lam_g, rtol=1e-6, atol=1e-6)
    assert 0 < res.extra["y"][0] < 1


def test_graph_choice_is_checked():
    assert opf.ACOPF(cases.load("case9")).graph == ("MX" if 9 >= opf.acopf.MX_FROM_BUSES else "SX")
    with pytest.raises(ValueError, match="graph must be"):
        opf.ACOPF(cases.load("case9"), graph="sx")


def test_a_sub_model_must_carry_its_branches_angle_limits():
    import dataclasses

    m = opf.build_network(cases.load("case9"))
    with pytest.raises(ValueError, match="angle_min"):
        dataclasses.replace(m, f=m.f[:2], t=m.t[:2])
    sub = dataclasses.replace(m, f=m.f[:2], t=m.t[:2], angle_min=m.angle_min[:2], angle_max=m.angle_max[:2])
    assert sub.angle_limited.shape == (2,)


def test_power_flow_check_reports_a_power_flow_that_does_not_converge(monkeypatch):
    """A check whose power flow fails from both starts is a row saying so (a PGLib sweep keeps the case), not a crash."""
    import pandapower as pp

    net = cases.load("case9")
    res = opf.ACOPF(net).solve()

    def diverges(*args, **kwargs):
        raise pp.powerflow.LoadflowNotConverged("did not converge")

    monkeypatch.setattr(pp, "runpp", diverges)
    chk = opf.power_flow_check(net, res)
    assert chk["converged"] is False and np.isnan(chk["max_dvm_pu"])


def _stiff_feeder_above_its_limit():
    """A 110 kV slack bus at 1.08 p.u. (limits 0.9-1.1) feeding a load bus limited to 1.05 p.u. over a short,
    stiff line: the power flow puts the load bus near 1.08, so clipping it to 1.05 leaves tens of p.u. of reactive
    mismatch on the line (as at the PCC transformers of a T+D net whose TS runs above the DS limit)."""
    import pandapower as pp

    net = pp.create_empty_network()
    b0 = pp.create_bus(net, 110, min_vm_pu=0.9, max_vm_pu=1.1)
    b1 = pp.create_bus(net, 110, min_vm_pu=0.95, max_vm_pu=1.05)
    pp.create_ext_grid(net, b0, vm_pu=1.08, min_p_mw=-100, max_p_mw=100, min_q_mvar=-100, max_q_mvar=100)
    pp.create_poly_cost(net, 0, "ext_grid", cp1_eur_per_mw=10)
    pp.create_line_from_parameters(net, b0, b1, length_km=1, r_ohm_per_km=0.01, x_ohm_per_km=0.1, c_nf_per_km=0,
                                   max_i_ka=1)
    pp.create_load(net, b1, p_mw=10, q_mvar=2)
    return net


def test_a_power_flow_start_broken_by_clipping_gives_way_to_the_flat_start():
    m = opf.ACOPF(_stiff_feeder_above_its_limit())
    pf = m._power_flow_start()
    assert pf is not None and pf[1][1] > 1.06  # the power flow itself runs: its load bus lies above its limit
    clipped = m._start_vector(*pf)
    assert m.start_mismatch(clipped) > 10 * m.start_mismatch(m.initial_point("flat"))
    np.testing.assert_array_equal(m.initial_point("pf"), m.initial_point("flat"))
    res = m.solve()
    assert res.success and res.res_bus.vm_pu.iloc[1] <= 1.05 + 1e-6


def test_a_power_flow_start_within_limits_is_kept():
    m = opf.ACOPF(cases.load("case9"))
    x = m.initial_point("pf")
    assert m.start_mismatch(x) < 1e-6 < m.start_mismatch(m.initial_point("flat"))
    assert not np.array_equal(x, m.initial_point("flat"))


def test_the_power_flow_start_is_computed_once_per_loads(monkeypatch):
    """`ACOPF.initial_point` is the one cache of the book's starts: repeated solves and calls compute the power flow
    once, a caller's copy cannot change the kept start, and new loads (`set_loads`) give a new power flow."""
    from forlab.opf import acopf

    net = cases.load("case9")
    m = opf.ACOPF(net)
    calls = []
    flow = acopf.power_flow_point
    monkeypatch.setattr(acopf, "power_flow_point", lambda *a: calls.append(1) or flow(*a))
    first = m.initial_point("pf")
    first[:] = np.nan
    assert m.solve().success and m.solve().success
    assert len(calls) == 1 and np.isfinite(m.initial_point("pf")).all()
    heavier = copy.deepcopy(net)
    heavier.load["p_mw"] *= 1.1
    m.set_loads(heavier)
    m.initial_point("pf")
    assert len(calls) == 2


def test_the_powermodels_start_puts_every_unit_at_zero_within_its_limits():
    """PowerModels.jl's default start (`INITS`): flat voltages as the flat start, every unit's output 0 moved into its
    limits (the flat start has them mid-range); an unknown start is refused with the known ones named."""
    m = opf.ACOPF(cases.load("case9"))
    x, flat = m.initial_point("powermodels"), m.initial_point("flat")
    pg, lo, hi = x[m.slices["pg"]], m.lbx[m.slices["pg"]], m.ubx[m.slices["pg"]]
    np.testing.assert_array_equal(pg, np.clip(0.0, lo, hi))
    assert not np.array_equal(pg, flat[m.slices["pg"]])
    for name in ("va", "vm", "qg"):
        np.testing.assert_array_equal(x[m.slices[name]], flat[m.slices[name]])
    assert m.solve(init="powermodels").success
    with pytest.raises(ValueError, match="powermodels"):
        m.initial_point("zero")


@pytest.mark.parametrize("vm_limits, error, match", [
    ((1.1, 0.9), ValueError, r"0 < min <= max.*swap the two"),  # was Ipopt's "Ill-posed problem detected"
    (0.9, TypeError, r"\(min, max\) pair .* got 0.9"),  # was "cannot unpack non-iterable float object"
    ((0.9, 1.0, 1.1), TypeError, r"\(min, max\) pair"),
    ((0.0, 1.1), ValueError, "0 < min"),
])
def test_bad_voltage_limits_are_refused_at_entry(vm_limits, error, match):
    with pytest.raises(error, match=match):
        opf.solve(cases.load("case9"), vm_limits=vm_limits)


def test_a_demand_of_the_wrong_length_is_refused_at_entry():
    """It reached CasADi as a dimension error."""
    m = opf.ACOPF(cases.load("case9"))
    with pytest.raises(ValueError, match=r"pd_ has 3 entries; give one per model bus \(9"):
        m.solve(pd_=np.zeros(3))
    with pytest.raises(ValueError, match=r"qd_ has 10 entries"):
        m.solve(m.model.pd, np.zeros(10))


def test_set_loads_refuses_another_grid():
    """Another grid's net met the NLP as a CasADi dimension mismatch at the next solve; the voltage limits are the
    model's (bounds of the built NLP), so set_loads takes none."""
    m = opf.ACOPF(cases.load("case9"), vm_limits=(0.9, 1.1))
    with pytest.raises(ValueError, match=r"grid this model was built on .*9 buses.*build an ACOPF"):
        m.set_loads(cases.load("case14"))
    heavier = cases.load("case9")
    heavier.load["p_mw"] *= 1.05
    with pytest.raises(TypeError):
        m.set_loads(heavier, (0.95, 1.05))  # no argument for limits new loads cannot change
    m.set_loads(heavier)
    np.testing.assert_allclose(m.parameter_vector()[:9], opf.ACOPF(heavier).model.pd)
    assert m.solve().success


def test_a_result_as_x0_starts_from_its_primal_point_unless_warm():
    """Ipopt reads an `OPFResult`'s multipliers only with init="warm": without it the solve is the one from the
    result's primal point alone (the docstring once said "warm start with its multipliers")."""
    m = opf.ACOPF(cases.load("case9"))
    r = m.solve()
    from_result, from_point = m.solve(x0=r), m.solve(x0=r.x)
    assert from_result.iterations == from_point.iterations
    assert from_result.objective == pytest.approx(from_point.objective, rel=1e-12)
    doc = " ".join(opf.ACOPF.solve.__doc__.split())
    assert "warm start with its multipliers" not in doc and 'Ipopt uses them only with init="warm"' in doc


@pytest.mark.parametrize("chart, match", [('{"kind": "circle", "p_max"', "JSON|Expecting"),
                                          ('{"kind": "hexagon"}', "unknown chart kind"),
                                          ('{"kind": "circle"}', "missing")])
def test_a_malformed_chart_names_the_sgen_and_column(chart, match):
    """A bare JSONDecodeError (or the chart's own error) did not say which sgen's entry to fix."""
    from forlab.grid import td

    net = copy.deepcopy(td.load_system("case9+case33bw", ties="none").ds["case33bw"])
    k = int(net.sgen.index[net.sgen.chart.notna()][1])
    net.sgen.loc[k, "chart"] = chart
    with pytest.raises(ValueError, match=rf"sgen {k}: its 'chart' column entry is no valid PQ chart .*({match})"):
        opf.ACOPF(net)


def test_unit_costs_is_the_poly_cost_quadratic_in_every_form():
    """`unit_costs` prices a unit as pandapower's poly_cost does, cp2 p^2 + cp1 p + cp0 + cq2 q^2 + cq1 q + cq0
    (written out here), on numpy vectors, a unit's row and CasADi symbols alike; without the constants when asked."""
    import casadi as ca

    from forlab.opf.network import unit_costs

    coef = {"cp2": np.array([0.1, 0.2]), "cp1": np.array([20.0, 30.0]), "cp0": np.array([5.0, 0.0]),
            "cq2": np.array([0.01, 0.0]), "cq1": np.array([1.0, 2.0]), "cq0": np.array([0.5, 1.0])}
    p, q = np.array([10.0, -3.0]), np.array([2.0, 4.0])
    by_hand = np.array([0.1 * 100 + 20 * 10 + 5 + 0.01 * 4 + 1 * 2 + 0.5, 0.2 * 9 + 30 * -3 + 0 + 0 + 2 * 4 + 1])
    np.testing.assert_allclose(unit_costs(coef, p, q), by_hand, rtol=1e-15)
    np.testing.assert_allclose(unit_costs(coef, p, q, constant=False), by_hand - [5.5, 1.0], rtol=1e-15)
    row = {k: v[0] for k, v in coef.items()}
    assert unit_costs(row, 10.0, 2.0) == pytest.approx(by_hand[0], rel=1e-15)
    x = ca.SX.sym("x", 2)
    f = ca.Function("f", [x], [unit_costs(coef, x, ca.DM(q))])
    np.testing.assert_allclose(np.ravel(f(p)), by_hand, rtol=1e-15)


def _pinned_feeder(band: float):
    """case9+case33bw with every DS bus's voltage limits set to [1, 1 + band] p.u. (band 0: pinned at 1 p.u., which
    no feeder with a voltage drop can keep), and the DS bus indices."""
    from forlab.grid import td

    net = td.load_system("case9+case33bw").integrated()
    ds = net.bus.index[net.bus.zone != td.TS_ZONE]
    net.bus.loc[ds, "min_vm_pu"], net.bus.loc[ds, "max_vm_pu"] = 1.0, 1.0 + band
    return net, ds


def test_the_least_widening_is_the_one_with_which_the_plain_ac_opf_solves():
    """Validated against the plain AC-OPF of the same net: the elastic AC-OPF's least widening ``w`` of a feeder's
    too narrow voltage band is where the plain AC-OPF starts to have a solution (with the band widened by ``w`` and a
    hair it solves, by ``w`` less 0.002 p.u. it does not); the buses that give way sit at their widened limits, and
    the net handed in is not changed."""
    from forlab.opf.widening import least_widening

    net, ds = _pinned_feeder(0.0)
    limits = net.bus[["min_vm_pu", "max_vm_pu"]].copy()
    w = least_widening(net, ds, 60.0)
    # half the feeder's voltage spread: its far end at the widened lower limit, its head at the widened upper one
    assert w.status == "ok" and 0.005 < w.widening_pu < 0.1 and len(w.below) and len(w.above)
    assert set(w.below) | set(w.above) <= set(ds)
    assert net.bus[["min_vm_pu", "max_vm_pu"]].equals(limits)
    solved = {}
    for by in (w.widening_pu + 1e-4, w.widening_pu - 2e-3):
        wide = copy.deepcopy(net)
        wide.bus.loc[ds, "min_vm_pu"] -= by
        wide.bus.loc[ds, "max_vm_pu"] += by
        res = opf.ACOPF(wide, ipopt={"max_wall_time": 60.0}).solve()
        solved[by] = res.success
        if res.success:  # its DS voltages stray from 1 p.u. by w at least: none of its points needed less
            assert w.widening_pu - 1e-6 <= np.abs(res.res_bus.vm_pu.loc[ds] - 1.0).max() <= by + 1e-6
    assert list(solved.values()) == [True, False]


def test_a_problem_that_has_a_solution_needs_no_widening():
    """Validated against the plain AC-OPF, which solves this net: the elastic one gives no widening and no bus at a
    widened limit; no bus to widen is a clear error; a solve stopped by its time limit is a result."""
    from forlab.opf.widening import AT_LIMIT_TOL, least_widening

    net, ds = _pinned_feeder(0.0)
    wide, _ = _pinned_feeder(0.0)
    wide.bus.loc[ds, "min_vm_pu"], wide.bus.loc[ds, "max_vm_pu"] = 0.9, 1.1
    assert opf.ACOPF(wide).solve().success
    w = least_widening(wide, ds, 60.0)
    assert w.status == "ok" and w.widening_pu <= AT_LIMIT_TOL and not len(w.below) and not len(w.above)
    with pytest.raises(ValueError, match="at least one bus"):
        least_widening(wide, [], 60.0)
    stopped = least_widening(net, ds, 1e-9)  # a solve that fails is a result with its status, never a number
    assert stopped.status == "failed: Maximum_WallTime_Exceeded" and np.isnan(stopped.widening_pu)
