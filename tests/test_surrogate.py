"""P2, the ML surrogate: batched power flow against pandapower, reproducible polytope training on a known set,
exact quadratic regression, and a surrogate TSO dispatch that the T+D power flow finds feasible."""

import copy
import warnings

import casadi as ca
import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from forlab.grid.td import load_system
from forlab.opf.judge import judge
from forlab.p2_surrogate import dataset, formulations, model, polytope, regressors, tso

warnings.filterwarnings("ignore", category=FutureWarning)

# Sanity floors of `test_surrogate_tso_dispatch_is_feasible`: one small CI-sized fit (2000 samples of case33bw) and two
# scenarios, no result of P2's paper (which publishes no accuracy; its claim, every scenario feasible, is asserted as
# it is). Each catches a broken pipeline (labels, scaling, the JSON round trip, the TSO's constraints), not a somewhat
# worse fit; the run measures well inside each (when they were named: accuracy 0.93, no false feasible sample,
# the errors and the cost gap a tenth of their ceilings or less), and they are not to be tightened to it.
ACCURACY_FLOOR = 0.85
"""Held-out feasibility accuracy: a classifier that lost its labels or scaling falls towards the feasible share."""
FALSE_FEASIBLE_CEILING = 0.02
"""Held-out share of infeasible samples called feasible (the dangerous error): a polytope that lost its margin or a
sign passes many more; a small fit may let a few of the 500 held-out samples through."""
P_RMSE_CEILING_MW = 0.05
"""Held-out RMSE of the PCC import P (MW): a regressor fed the wrong inputs or units misses by a share of the
DS's load (a few MW), not by hundredths."""
P_ERROR_CEILING_MW = 0.1
"""PCC import P the surrogate TSO counts on against the DS's power flow at its dispatch (MW): as above, at the
TSO's point, where the fit is extrapolated less kindly than on held-out samples."""
COST_GAP_CEILING = 0.01
"""Relative gap between the surrogate dispatch's judged cost and the integrated optimum: a TSO that ignored the
DS's costs or flexibility is off by whole percent."""
DEVIATION_CEILING_PCT = 100 * COST_GAP_CEILING
"""The benchmark's cost deviation (%): the same gap in the outcome record, the same bound."""


@pytest.fixture(scope="module")
def case9():
    return load_system("case9+case33bw")


@pytest.fixture(scope="module")
def two_pcc():
    return load_system("case30+case33bw-2pcc")


def _pandapower_flow(net, space, pcc_buses, u):
    """pandapower's runpp of the DS alone at the inputs u (one row): PCC import (MW, Mvar) and bus voltages."""
    c = space.columns(u[None, :])
    n = copy.deepcopy(net)
    n.sgen.loc[space.fpus.index, "p_mw"] = c["p_mw"][0]
    n.sgen.loc[space.fpus.index, "q_mvar"] = c["q_mvar"][0]
    eg = [int(n.ext_grid.index[n.ext_grid.bus == b][0]) for b in pcc_buses]
    for k, e in enumerate(eg):
        n.ext_grid.loc[e, ["vm_pu", "va_degree"]] = [c["vm_pu"][0, k], c["va_degree"][0, k]]
    n.load[["p_mw", "q_mvar"]] *= c["load_scale"][0]
    pp.runpp(n, trafo_model="pi", tolerance_mva=1e-10, calculate_voltage_angles=True)
    return n.res_ext_grid.loc[eg, "p_mw"].to_numpy(), n.res_ext_grid.loc[eg, "q_mvar"].to_numpy(), n.res_bus.vm_pu


@pytest.mark.parametrize("method", ["dense", "sparse"])
@pytest.mark.parametrize("which", ["case9", "two_pcc"])
def test_batched_power_flow_matches_pandapower(which, method, request):
    system = request.getfixturevalue(which)
    ds = next(iter(system.ds))
    net = system.ds[ds]
    pcc = system.pcc[system.pcc.ds == ds]
    space = dataset.input_space(net, ds, len(pcc))
    flow = dataset.DSFlow(net, list(pcc.ds_bus), method=method)
    u = space.sample(40, 3)
    out = flow.run_inputs(space, u)
    assert out["converged"].all()
    for k in (0, 17, 39):
        p, q, vm = _pandapower_flow(net, space, list(pcc.ds_bus), u[k])
        np.testing.assert_allclose(out["p_mw"][k], p, atol=1e-7)
        np.testing.assert_allclose(out["q_mvar"][k], q, atol=1e-7)
        mine = out["vm_pu_bus"][k][flow.model.bus_lookup[vm.index].to_numpy()]
        np.testing.assert_allclose(mine, vm.to_numpy(), atol=1e-9)


def test_non_converged_flows_are_kept_and_infeasible(case9):
    net = case9.ds["case33bw"]
    space = dataset.input_space(net, "case33bw", 1, load_range=(0.6, 12.0))
    flow = dataset.DSFlow(net)
    data = dataset.generate(flow, space, 200, seed=1)
    conv = data.converged.values
    assert data.sizes["sample"] == 200 and (~conv).any() and conv.any()
    assert not data.feasible.values[~conv].any()
    assert np.isnan(data.p_mw.values[~conv]).all()
    assert set(data.input.values) == set(space.names)
    assert space.inside(data.u.values).all()


def test_input_space_and_surrogate_round_trip(case9):
    net = case9.ds["case33bw"]
    space = dataset.input_space(net, "case33bw", 1)
    again = dataset.InputSpace.from_dict(space.to_dict())
    assert again.names == space.names
    np.testing.assert_array_equal(again.sample(10, 5), space.sample(10, 5))


def _diamond(n, seed):
    """Points in [-1, 1]^2, feasible inside the diamond |x| + |y| <= 0.6 (four facets)."""
    u = np.random.default_rng(seed).uniform(-1, 1, (n, 2))
    return u, np.abs(u).sum(axis=1) <= 0.6


def test_polytope_training_is_reproducible_and_separates_a_known_set():
    u, feas = _diamond(3000, 0)
    opts = polytope.PolytopeOptions(facets=4, margin=0.0, ff_weight=1.0, max_iter=300)
    a, hist_a = polytope.train_polytope(u, feas, opts)
    b, hist_b = polytope.train_polytope(u, feas, opts)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.bias, b.bias)
    assert hist_a.loss.tolist() == hist_b.loss.tolist()
    ut, ft = _diamond(4000, 1)
    sc = polytope.scores(a, ut, ft)
    assert sc["accuracy"] > 0.98, sc
    # a conservative calibration accepts no infeasible training point
    c = polytope.calibrate(a, u, feas, 0.0)
    assert polytope.scores(c, u, feas)["false_feasible_rate"] == 0.0
    assert c.info["offset"] >= 0.0


@pytest.mark.parametrize(("name", "value"), [("margin", -1.0), ("margin", float("nan")), ("ff_weight", 0.0),
                                             ("ff_weight", -2.0), ("max_iter", 0)])
def test_a_bad_training_option_is_named_with_its_value(name, value):
    """Review R1 item 6: one message once covered margin, ff_weight and max_iter and gave no value."""
    with pytest.raises(ValueError) as err:
        polytope.PolytopeOptions(**{name: value})
    message = str(err.value)
    assert message.startswith(f"{name} must be ") and message.endswith(f"got {value!r}")
    assert not [other for other in ("margin", "ff_weight", "max_iter") if other != name and other in message]


@pytest.mark.parametrize(("name", "value", "fix"), [
    ("vm_range", (1.05, 0.95), r"low <= high .*: swap the two ends, \[0\.95, 1\.05\]$"),
    ("dva_range_deg", (1.0, -1.0), r"low <= high .*: swap the two ends, \[-1\.0, 1\.0\]$"),
    ("load_range", (0.0, -1.0), r"must not go below 0 .*: make both ends >= 0"),
    ("vm_range", (0.0, 1.05), r"must lie above 0 .*: give PCC 1's voltage band in p\.u\."),
    ("dvm_range", (0.0,), r"must be \[low, high\]"),
    ("load_range", (float("inf"), 1.0), r"must be two finite numbers"),
])
def test_a_bad_input_range_is_named_with_its_value_and_the_fix(name, value, fix):
    """Review R1 item 2: a reversed range said "a finite interval (lo <= hi)", a negative one "vm_range must be
    positive and load_range non-negative" for both. `check_range` is the one rule; `InputSpace` says the same."""
    with pytest.raises(ValueError, match=fix) as err:
        dataset.check_range(name, value)
    assert str(err.value).startswith(f"{name} must ") and f"got {value!r}" in str(err.value)
    with pytest.raises(ValueError) as space_err:
        dataset.InputSpace("toy", pd.DataFrame({"chart": []}), **{name: value})
    assert str(space_err.value) == str(err.value)
    assert dataset.check_range(name, [0.5, 1.0]) == (0.5, 1.0)


def test_polytope_faces_agree():
    u, feas = _diamond(1500, 2)
    poly, _ = polytope.train_polytope(u, feas, polytope.PolytopeOptions(facets=5, max_iter=50))
    a, c = poly.linear_constraints()
    x = np.random.default_rng(3).uniform(-1, 1, (200, 2))
    np.testing.assert_allclose((x @ a.T + c).max(axis=1), poly.g(x), atol=1e-12)
    sym = ca.SX.sym("u", 2)
    f = ca.Function("f", [sym], [formulations.polytope_rows(poly, sym)])
    np.testing.assert_allclose(np.asarray(f(x[7])).ravel(), x[7] @ a.T + c, atol=1e-12)
    again = polytope.Polytope.from_dict(poly.to_dict())
    np.testing.assert_array_equal(again.g(x), poly.g(x))


def test_quadratic_regressor_recovers_a_quadratic():
    rng = np.random.default_rng(0)
    u = rng.uniform([0, -5, 0.95], [10, 5, 1.05], (400, 3))
    y = 3.0 + 0.5 * u[:, 0] - 2 * u[:, 1] + 0.1 * u[:, 0] * u[:, 2] + 0.03 * u[:, 1] ** 2
    reg = regressors.fit_quadratic(u, y, ridge=0.0)
    np.testing.assert_allclose(reg.predict(u), y, atol=1e-9)
    sym = ca.SX.sym("u", 3)
    f = ca.Function("f", [sym], [formulations.regressor_expression(reg, sym)])
    assert float(f(u[5])) == pytest.approx(y[5], abs=1e-9)
    again = regressors.QuadraticRegressor.from_dict(reg.to_dict())
    np.testing.assert_array_equal(again.predict(u), reg.predict(u))


@pytest.fixture(scope="module")
def case9_fit(case9):
    """A surrogate of case9+case33bw's DS fitted on 2000 of 2500 samples, through its JSON (what the TSO gets): the
    surrogate, the DS's flow, the dataset and the held-out samples."""
    net = case9.ds["case33bw"]
    space = dataset.input_space(net, "case33bw", 1)
    flow = dataset.DSFlow(net)
    data = dataset.generate(flow, space, 2500, seed=0)
    train, test = model.split(2500, 0.2, 0)
    sur, _ = model.fit_surrogate(data, space, model.SurrogateOptions(), train, test)
    return model.DSSurrogate.from_json(sur.to_json()), flow, data, test


def test_surrogate_tso_dispatch_is_feasible(case9, case9_fit):
    sur, flow, data, test = case9_fit
    sc = model.evaluate_surrogate(sur, data, test)
    assert sc["accuracy"] > ACCURACY_FLOOR and sc["false_feasible_rate"] < FALSE_FEASIBLE_CEILING, sc
    assert sc["p_mw_rmse"] < P_RMSE_CEILING_MW, sc
    top = tso.SurrogateTSO(case9, {"case33bw": sur})
    integ = tso.IntegratedOPF(case9)
    scen = tso.scenarios(case9, 2, (0.6, 1.0), seed=4)
    for s in scen:
        res = top.solve(s)
        assert res.success, res.opf.status
        assert res.g["case33bw"] <= 1e-6
        check = tso.validate(top, res, {"case33bw": flow}, integ, s)
        assert check["converged"] and check["feasible"], check
        assert check["case33bw:vm_slack_pu"] > -1e-6
        assert check["case33bw:p_error_mw"] < P_ERROR_CEILING_MW
        opt = integ.solve(s)
        assert opt.success
        assert abs(check["total_cost"] - opt.objective) / opt.objective < COST_GAP_CEILING
    # the benchmark fills the outcome record: the TSO's dispatch (TS units and the FPU set-points it chose) judged,
    # the TSO's time by the rule, what was sent
    table, _ = tso.benchmark(case9, {"case33bw": sur}, scen, {"case33bw": flow}, repeats=2)
    assert (table.status == "ok").all() and table.feasible.all() and (table.rounds == 1).all()
    assert (table.deviation_pct > -1e-3).all() and (table.deviation_pct < DEVIATION_CEILING_PCT).all()
    assert (table.solve_time_s == table.tso_time_s).all() and (table.wall_time_s >= table.solve_time_s).all()
    assert (table.bytes_exchanged == tso.surrogate_bytes({"case33bw": sur})).all() and (table.max_violation < 1e-3).all()
    # a TSO (and integrated) OPF stopped after one iteration: failed cases with their solvers' words, no deviation
    failed, inputs = tso.benchmark(case9, {"case33bw": sur}, scen[:1], {"case33bw": flow}, ipopt={"max_iter": 1},
                                   repeats=1)
    r = failed.iloc[0]
    assert r.status == ("integrated failed: Maximum_Iterations_Exceeded; tso failed: Maximum_Iterations_Exceeded")
    assert np.isnan(r.deviation_pct) and not r.feasible and np.isnan(r.solve_time_s) and inputs == [None]
    assert np.isnan(r.time_ratio) and r.n_vm_violations == -1  # no time ratio of a failed case; -1: nothing judged


def test_a_failed_tso_has_no_time_ratio(monkeypatch):
    """The surrogate TSO's OPF fails while the integrated one succeeds: the case is failed, with no online time and
    no time ratio derived from the failed solve's time."""
    import types

    def result(success, status):
        return types.SimpleNamespace(success=success, status=status, objective=100.0, solve_time_s=0.02)

    class Integrated:
        build_time_s = 0.0

        def __init__(self, system, ipopt=None):
            pass

        def solve(self, sc):
            return result(True, "Solve_Succeeded")

    class Failing(Integrated):
        reserve_mw = reserve_mvar = 0.0

        def __init__(self, system, surrogates, ipopt=None, reserve="error_bound"):
            pass

        def solve(self, sc):
            opf = result(False, "Infeasible_Problem_Detected")
            return types.SimpleNamespace(opf=opf, success=False, cost=123.0, u=None)  # a failed solve's objective

    monkeypatch.setattr(tso, "IntegratedOPF", Integrated)
    monkeypatch.setattr(tso, "SurrogateTSO", Failing)
    sc = tso.Scenario("peak", pd.Series(dtype=float), {})
    table, inputs = tso.benchmark(None, {}, [sc], {}, repeats=1)
    r = table.iloc[0]
    assert r.status == "tso failed: Infeasible_Problem_Detected" and inputs == [None]
    assert np.isnan(r.solve_time_s) and np.isnan(r.time_ratio)
    # the failed solve's objective and time are no result; its status stays in the record
    assert np.isnan(r.tso_cost) and np.isnan(r.tso_time_s) and r.tso_status == "Infeasible_Problem_Detected"
    assert not r.tso_success


def test_reserve_narrows_the_units_that_take_up_the_import_errors(case9, case9_fit):
    sur = case9_fit[0]
    pair = sur.regressors[0]
    p_bound, q_bound = tso.import_error_bound({"case33bw": sur})
    assert (p_bound, q_bound) == (pair["p_mw"].info["train_max_abs_error"], pair["q_mvar"].info["train_max_abs_error"])
    assert p_bound > 0 and q_bound > 0
    base = tso.SurrogateTSO(case9, {"case33bw": sur}, reserve="none")
    assert (base.reserve_mw, base.reserve_mvar) == (0.0, 0.0)
    cols = ["min_p_mw", "max_p_mw", "min_q_mvar", "max_q_mvar"]
    top = tso.SurrogateTSO(case9, {"case33bw": sur})  # the default: "error_bound"
    r = (1 + tso.LOSS_MARGIN) * p_bound
    assert (top.reserve_mw, top.reserve_mvar) == pytest.approx((r, q_bound))
    # the slack's P limits narrow by the P reserve, every voltage-controlling unit's Q limits by the Q bound, the PV
    # units' P limits not at all
    eg, eg0 = top.net.ext_grid[cols].to_numpy(), base.net.ext_grid[cols].to_numpy()
    np.testing.assert_allclose(eg - eg0, np.tile([r, -r, q_bound, -q_bound], (len(eg), 1)))
    gen, gen0 = top.net.gen[cols].to_numpy(), base.net.gen[cols].to_numpy()
    np.testing.assert_allclose(gen - gen0, np.tile([0, 0, q_bound, -q_bound], (len(gen), 1)))
    p_only = tso.SurrogateTSO(case9, {"case33bw": sur}, reserve="slack_p")
    np.testing.assert_allclose(p_only.net.ext_grid[cols].to_numpy() - eg0, np.tile([r, -r, 0, 0], (len(eg), 1)))
    with pytest.raises(ValueError, match="reserve must be one of"):
        tso.SurrogateTSO(case9, {"case33bw": sur}, reserve="slack")
    net = copy.deepcopy(base.net)
    # the message says what the reserve is and what to change (review R1 item 5: it once read as a setting)
    with pytest.raises(ValueError, match=r"narrower than twice the reserve 1000 MW \(the surrogates' summed "
                                         r"import-error bound.*fit more accurate surrogates"):
        tso.reserve_limits(net, 1e3, 0.0)


def test_reserve_keeps_a_slack_at_its_limit_feasible(case9, case9_fit):
    """A surrogate whose P regressor over-predicts the import by 0.05 MW (its error bound grown by as much) on a
    system whose optimum holds the slack at its minimum P: without a reserve the T+D power flow's slack ends about
    0.05 MW below its minimum; with the default reserve it stays within."""
    sur = copy.deepcopy(case9_fit[0])
    reg = sur.regressors[0]["p_mw"]
    reg.c0 += 0.05
    reg.info["train_max_abs_error"] += 0.05
    system = copy.deepcopy(case9)
    system.ts.ext_grid["min_p_mw"] = 100.0  # above the slack's unconstrained optimum: the limit binds
    net = tso.IntegratedOPF(system).scaled_net(None)
    judged = {}
    for reserve in ("none", "error_bound"):
        top = tso.SurrogateTSO(system, {"case33bw": sur}, reserve=reserve)
        res = top.solve()
        assert res.success, res.opf.status
        judged[reserve] = judge(net, top.dispatch(res, net))
    assert not judged["none"]["feasible"] and judged["none"]["max_gen_violation_mw"] > 0.04
    assert judged["error_bound"]["feasible"], judged["error_bound"]


def test_boundary_samples_and_projection_stay_in_the_domain(two_pcc):
    net = two_pcc.ds["case33bw"]
    space = dataset.input_space(net, "case33bw", 2)
    u = space.sample_boundary(300, 1)
    assert space.inside(u).all()
    vm = u[:, space.index("pcc0_vm_pu")]
    assert np.isclose(vm, space.vm_range[0]).any() and np.isclose(vm, space.vm_range[1]).any()
    outside = u.copy()
    outside[:, space.index("fpu0_p_mw")] -= 1.0
    outside[:, space.index("pcc1_dva_degree")] = 5.0
    assert not space.inside(outside).any()
    assert space.inside(space.project(outside)).all()


def _chart_store(chart, pts):
    """A one-DS, one-FPU store in the layout of `ch06_ml_surrogate.store.to_store` with Latin Hypercube set-points ``pts`` (n, 2)."""
    import xarray as xr

    n = len(pts)
    u = np.column_stack([pts, np.ones(n)])
    return xr.Dataset({
        "u": (("ds", "sample", "input"), u[None]),
        "input_name": (("ds", "input"), np.array([["fpu0_p_mw", "fpu0_q_mvar", "pcc0_vm_pu"]])),
        "origin": (("ds", "sample"), np.full((1, n), "lhs")),
        "feasible": (("ds", "sample"), np.ones((1, n))),
        "fpu_kind": (("ds", "fpu"), np.array([[chart.kind]])),
        "fpu_chart": (("ds", "fpu"), np.array([[chart.to_json()]])),
    }, coords={"ds": ["sys/ds"]})


def test_chart_coverage_tells_uniform_from_crowded_samples():
    from forlab.grid.capability import Circle
    from forlab.studies import ch06_ml_surrogate

    chart = Circle(s_mva=1.0, p_max=0.9)
    uniform = ch06_ml_surrogate.coverage_table(_chart_store(chart, chart.sample(4000, 0))).iloc[0]
    assert uniform["inside chart (%)"] == 100.0
    assert uniform["cells hit (%)"] == 100.0
    assert 0.95 < uniform["density ratio"] < 1.05, uniform
    # the same number of points pulled towards the outline: interior cells get too few
    rim = chart.vertices_for_plot(4000)[:4000] * 0.999
    crowded = ch06_ml_surrogate.coverage_table(_chart_store(chart, rim)).iloc[0]
    assert crowded["density ratio"] < 0.5 and crowded["cells hit (%)"] < 50, crowded


def test_benchmark_table_counts_feasibility_and_names_failures():
    import xarray as xr

    from forlab.studies import ch06_ml_surrogate

    n = 4
    runs = {"system": ["a", "a", "b", "b"], "scenario": ["peak", "s1", "peak", "s1"],
            "ts_load_mean": [1.0, 0.8, 1.0, 0.7], "ds_load_mean": [1.0, 0.9, 1.0, 0.6],
            "integrated_cost": [100.0, 80.0, 50.0, 40.0], "integrated_solve_time_s": [0.2, 0.2, 0.4, 0.4],
            "cost": [100.1, 80.0, 50.5, np.nan], "deviation_pct": [0.1, 0.0, 1.0, np.nan],
            "tso_time_s": [0.1, 0.1, 0.1, 0.2], "time_ratio": [0.5, 0.5, 0.25, 0.5],
            "ds_p_error_mw": [0.01, 0.02, 0.03, np.nan], "ds_q_error_mvar": [0.0, 0.0, 0.01, np.nan],
            "ds_vm_slack_pu": [0.01, 0.01, -0.002, np.nan], "ds_max_loading_percent": [50.0, 50.0, 90.0, np.nan],
            "ds_g": [-0.1, -0.1, 0.0, np.nan], "max_vm_violation_pu": [0.0, 0.0, 0.002, np.nan],
            "max_loading_percent": [60.0, 60.0, 90.0, np.nan], "max_gen_violation_mw": [0.0, 0.0, 0.0, np.nan],
            "n_vm_violations": [0, 0, 1, -1], "n_branch_violations": [0, 0, 0, -1], "n_gen_violations": [0, 0, 0, -1],
            "tso_success": [1, 1, 1, 0], "converged": [1, 1, 1, 0], "feasible": [1, 1, 0, 0],
            "tso_status": ["Solve_Succeeded"] * 3 + ["Infeasible_Problem_Detected"]}
    st = xr.Dataset({f"bench_{k}": ("run", np.asarray(v)) for k, v in runs.items()}, coords={"run": np.arange(n)})
    per_ds = {"system": ["a", "b"], "n_bus": [33, 533], "dataset_time_s": [1.0, 10.0], "fit_time_s": [2.0, 20.0]}
    for k, v in per_ds.items():
        st[k] = ("ds", np.asarray(v))
    st = st.assign_coords(ds=["a/x", "b/y"])
    t, table, per_sys = ch06_ml_surrogate.benchmark_table(st)
    assert per_sys.feasibility_ratio_pct.tolist() == [100.0, 0.0]
    assert per_sys.offline_s.tolist() == [3.0, 30.0]
    # the failed run (b, s1) adds no time and no violation count: its TSO time is no result, its -1s no count
    assert per_sys.time_ratio_total["b"] == pytest.approx(0.1 / 0.4) and per_sys.time_ratio_mean["b"] == 0.25
    assert pd.isna(table.loc[("b", "s1"), "violations"]) and np.isnan(table.loc[("b", "s1"), "time ratio"])
    assert table.loc[("b", "peak"), "violations"] == 1
    text = ch06_ml_surrogate.benchmark_targets(per_sys)
    assert "met on 1 of 2 systems (missed on b; 2 infeasible" in text and "b 0.25" in text
    fail = ch06_ml_surrogate.failures(t)
    assert "did not converge (Ipopt status 'Infeasible_Problem_Detected')" in fail
    assert "violates a DS voltage limit by 2.00e-03 p.u." in fail


def test_store_cut_keeps_the_first_samples_of_each_origin():
    import xarray as xr

    from forlab.studies.ch06_ml_surrogate.store import _kept_samples

    data = xr.Dataset({"origin": ("sample", np.array(["lhs"] * 5 + ["boundary"] * 3 + ["refine1"] * 4))})
    np.testing.assert_array_equal(_kept_samples(data, 2), [0, 1, 5, 6, 8, 9])
    np.testing.assert_array_equal(_kept_samples(data, 0), np.arange(12))


def test_polytope_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((60, 3))
    y = np.where(rng.uniform(size=60) < 0.5, -1.0, 1.0)
    c = rng.uniform(0.5, 2.0, 60)
    k = 4
    theta = rng.standard_normal(k * 3 + k)
    _, grad = polytope._loss_and_grad(theta, z, y, c, k, 0.1, 0.05)
    step = 1e-6
    fd = np.array([(polytope._loss_and_grad(theta + step * e, z, y, c, k, 0.1, 0.05)[0]
                    - polytope._loss_and_grad(theta - step * e, z, y, c, k, 0.1, 0.05)[0]) / (2 * step)
                   for e in np.eye(len(theta))])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_sweep_records_an_unfittable_regressor_instead_of_failing(case9):
    from forlab.studies import ch06_ml_surrogate

    case = ch06_ml_surrogate.build_cases(case9, 800, seed=0)[0]
    d = case.space.dim
    small = (d + 1) * (d + 2) // 2 // 2  # fewer samples than a full quadratic's coefficients
    opts = model.SurrogateOptions(polytope=polytope.PolytopeOptions(facets=2, max_iter=20))
    rows = ch06_ml_surrogate.sweep(case, opts, [2], [small, 600], vertex_samples=5).set_index("n_train")
    assert rows.loc[small, "regression_samples"] < (d + 1) * (d + 2) // 2
    assert np.isnan(rows.loc[small, "p_mw_rmse"]) and np.isfinite(rows.loc[small, "accuracy"])
    assert np.isfinite(rows.loc[600, "p_mw_rmse"]) and rows.loc[600, "regression_samples"] > 0


def test_datasets_on_a_dask_client_repeat_the_in_process_flows(case9):
    """The same flow scattered twice on one client (Latin Hypercube samples, then boundary samples: chapter 12 hit
    this) must not reuse a released key ("lost dependencies"), and the flows equal the in-process ones."""
    from distributed import Client, LocalCluster

    net = case9.ds["case33bw"]
    space = dataset.input_space(net, "case33bw", 1)
    flow = dataset.DSFlow(net)
    u = space.sample(60, 5)
    here = dataset.evaluate(flow, space, u, chunk=20)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        first = dataset.evaluate(flow, space, u, chunk=20, client=client)
        del first  # its scattered flow is released, as between build_cases' two calls
        again = dataset.evaluate(flow, space, u, chunk=20, client=client)
    np.testing.assert_allclose(again.p_mw.values, here.p_mw.values, atol=1e-9)


def _toy_surrogate_dict() -> dict:
    """A well-formed surrogate dict: one rectangle FPU, one PCC, the load factor an input (4 inputs), 2 facets."""
    from forlab.grid.capability import Rectangle

    chart = Rectangle(0.0, 1.0, -0.5, 0.5).to_json()
    fpus = pd.DataFrame({"name": ["a"], "kind": ["rectangle"], "chart": [chart],
                         "cost_a": [0.1], "cost_b": [1.0]}, index=pd.Index([7], name="sgen"))
    space = dataset.InputSpace("toy", fpus, n_pcc=1)
    names = space.names
    poly = polytope.Polytope(np.eye(2, 4), [-1.0, -1.0], np.zeros(4), np.eye(4), names)
    reg = regressors.QuadraticRegressor(0.5, np.ones(4), np.eye(4), np.zeros(4), np.ones(4), names)
    return model.DSSurrogate(space, poly, [{"p_mw": reg, "q_mvar": reg}]).to_dict()


def _drop_last_input(r):
    """The regressor dict with 3 of its 4 inputs (the load factor dropped)."""
    r.update(g=r["g"][:-1], h=[row[:-1] for row in r["h"][:-1]], mean=r["mean"][:-1], scale=r["scale"][:-1],
             input_names=r["input_names"][:-1])


def _set(path, value):
    def edit(d):
        *head, last = path
        for key in head:
            d = d[key]
        d[last] = value
    return edit


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.pop("space"), r"surrogate\.space must be a dict, but is missing"),
    (lambda d: d["regressors"][0].pop("q_mvar"), r"regressors\[0\] must hold exactly \('p_mw', 'q_mvar'\)"),
    (lambda d: d["space"]["fpus"].pop("cost_a"), r"space\.fpus\.cost_a must be a list, but is missing"),
    (lambda d: _drop_last_input(d["regressors"][0]["p_mw"]), r"regressors\[0\]\.p_mw\.g .* shape \(4,\)"),
    (_set(("polytope", "weights", 1, 2), float("nan")), r"polytope\.weights has NaN .* at \[\[1, 2\]\]"),
    (_set(("polytope", "bias"), [0.0]), r"polytope\.bias \(one per facet\) must be numbers of shape \(2,\)"),
    (_set(("regressors", 0, "q_mvar", "scale", 3), 0.0), r"regressors\[0\]\.q_mvar\.scale must be positive"),
    (_set(("regressors", 0, "p_mw", "c0"), "1.0"), r"regressors\[0\]\.p_mw\.c0 must be numbers"),
    (_set(("space", "n_pcc"), 3), r"space\.n_pcc must be 1 or 2"),
    (_set(("space", "fpus", "chart", 0), '{"kind": "rectangle"}'), r"space\.fpus\.chart\[0\]: Rectangle"),
    (_set(("polytope", "input_names", 0), "fpu9_p_mw"), r"polytope\.input_names must be the input space's 4"),
    (_set(("regressors",), []), r"regressors has 0 pairs for 1 PCCs"),
])
def test_a_malformed_surrogate_file_names_the_field(edit, message):
    good = _toy_surrogate_dict()
    assert model.DSSurrogate.from_json(model.DSSurrogate.from_dict(good).to_json()).space.dim == 4
    bad = copy.deepcopy(good)
    edit(bad)
    with pytest.raises(ValueError, match=message):
        model.DSSurrogate.from_dict(bad)


def test_a_surrogate_with_a_regressor_over_fewer_inputs_is_refused():
    """Built from objects, not a file: a regressor that drops the load factor would make the TSO ignore it."""
    sur = model.DSSurrogate.from_dict(_toy_surrogate_dict())
    d = sur.regressors[0]["p_mw"].to_dict()
    _drop_last_input(d)
    short = regressors.QuadraticRegressor.from_dict(d)
    with pytest.raises(ValueError, match="over the input space's inputs"):
        model.DSSurrogate(sur.space, sur.polytope, [{"p_mw": short, "q_mvar": sur.regressors[0]["q_mvar"]}])
    with pytest.raises(ValueError, match="is not a quadratic regressor"):
        regressors.QuadraticRegressor.from_dict({"kind": "polytope"})


def test_a_rate_over_no_samples_is_nan_and_calibration_needs_infeasible_samples():
    u, feas = _diamond(400, 3)
    poly, _ = polytope.train_polytope(u, feas, polytope.PolytopeOptions(facets=4, max_iter=20))
    inside = u[feas]
    sc = polytope.scores(poly, inside, np.ones(len(inside), bool))
    assert np.isnan(sc["false_feasible_rate"]) and np.isfinite(sc["false_infeasible_rate"])
    assert np.isnan(polytope.scores(poly, u[~feas], np.zeros((~feas).sum(), bool))["false_infeasible_rate"])
    with pytest.raises(ValueError, match="calibration needs infeasible samples"):
        polytope.calibrate(poly, inside, np.ones(len(inside), bool))
    for rate in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"max_false_feasible must be a rate in \[0, 1\]"):
            polytope.calibrate(poly, u, feas, rate)
    with pytest.raises(ValueError, match="max_false_feasible"):
        model.SurrogateOptions(max_false_feasible=-0.1)
    assert polytope.calibrate(poly, u, feas, 1.0).info["offset"] == 0.0  # every infeasible sample may pass


def test_feasible_set_rows_lets_a_chart_error_through():
    """Only a circle is linearised by its outer polygon; another chart's error is not taken for "a circle"."""
    import types

    from forlab.grid.capability import Circle
    from forlab.p2_surrogate import refine

    class Broken:
        def linear_rows(self, n_facets=None):
            if n_facets is None:
                raise ValueError("degenerate polygon")
            return np.eye(2), np.ones(2)

        def bounds(self):
            return 0.0, 1.0, 0.0, 1.0

    poly = polytope.Polytope(np.eye(2), [-1.0, -1.0], np.zeros(2), np.eye(2), ["p", "q"])
    no_rows = (np.zeros((0, 2)), np.zeros(0))
    space = types.SimpleNamespace(dim=2, charts=[Broken()], domain_rows=lambda: no_rows)
    with pytest.raises(ValueError, match="degenerate polygon"):
        refine.feasible_set_rows(poly, space)
    space.charts = [Circle(s_mva=1.0, p_max=0.9)]
    a, b, _ = refine.feasible_set_rows(poly, space)
    assert a.shape == (2 + refine.CIRCLE_FACETS + 2, 2) and len(b) == len(a)


def test_clip_polygon_cuts_exactly_however_thin():
    """`forlab.p2_surrogate.slices.clip_polygon`, the cut behind chapter 06's Fig. 22: a half-plane halves the unit
    square exactly, a band a billionth wide is still a polygon (a grid would miss it, review R3), a half-plane beyond
    the square leaves nothing, and a zero row keeps all or nothing by the sign of its right-hand side."""
    from forlab.p2_surrogate.slices import clip_polygon

    def area(v):
        x, y = v[:, 0], v[:, 1]
        return 0.5 * abs(x @ np.roll(y, -1) - y @ np.roll(x, -1))

    square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    assert area(clip_polygon(square, [[1.0, 0.0]], [0.5])) == pytest.approx(0.5)
    band = clip_polygon(square, [[1.0, 0.0], [-1.0, 0.0]], [0.5 + 1e-9, -0.5])
    assert len(band) == 4 and area(band) == pytest.approx(1e-9, rel=1e-3)
    assert clip_polygon(square, [[1.0, 0.0]], [-1.0]).shape == (0, 2)
    assert len(clip_polygon(square, [[0.0, 0.0]], [0.0])) == 4
    assert clip_polygon(square, [[0.0, 0.0]], [-1.0]).shape == (0, 2)

