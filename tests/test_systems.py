"""FPUs and integrated T+D study systems."""

import warnings

import numpy as np
import pandapower as pp
import pytest

from forlab.grid import cases, td
from forlab.grid.capability import Circle, PowerFactorCone, Rectangle

warnings.filterwarnings("ignore", category=RuntimeWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def small():
    return td.load_system("case9+case33bw")


@pytest.fixture(scope="module")
def two_pcc():
    return td.load_system("case30+case33bw-2pcc")


def test_add_fpu_writes_chart_cost_and_bounds():
    net = cases.load("case33bw")
    other = pp.create_sgen(net, 5, p_mw=0.1)
    chart = Circle(0.5, 0.4, 0.0)
    idx = td.add_fpu(net, 17, chart, cost_a=0.3, cost_b=25.0, name="pv")
    row = net.sgen.loc[idx]
    assert bool(row.controllable) and row.bus == 17 and row["name"] == "pv"
    assert td.chart_of(net, idx) == chart
    assert (row.min_p_mw, row.max_p_mw, row.min_q_mvar, row.max_q_mvar) == pytest.approx(chart.bounds())
    assert chart.contains(row.p_mw, row.q_mvar)
    assert net.sgen.at[other, "chart"] is None
    cost = net.poly_cost[(net.poly_cost.et == "sgen") & (net.poly_cost.element == idx)]
    assert len(cost) == 1
    assert cost.cp1_eur_per_mw.iloc[0] == 25.0 and cost.cp2_eur_per_mw2.iloc[0] == 0.3
    table = td.fpus(net)
    assert list(table.index) == [idx] and table.kind.iloc[0] == "circle"
    # one test of an FPU everywhere: a charted sgen in service, the same sgens the OPF's units flag
    from forlab.opf.network import build_network

    units = build_network(net).units
    assert list(td.fpu_index(net)) == [idx] == units[units.fpu].element.tolist()
    net.sgen.at[idx, "in_service"] = False
    assert list(td.fpu_index(net)) == [] and not build_network(net).units.fpu.any()
    net.sgen.at[idx, "in_service"] = True
    with pytest.raises(ValueError, match="no PQ chart"):
        td.chart_of(net, other)
    with pytest.raises(ValueError, match="outside the chart"):
        td.add_fpu(net, 3, Rectangle(0, 1, -1, 1), 0.0, 10.0, p_mw=2.0)
    # an FPU at its initial set-point leaves the power flow unchanged when the chart contains zero output
    pp.runpp(net)
    assert net.res_sgen.p_mw[idx] == 0.0


def test_add_fpu_default_set_point_is_nearest_to_zero():
    net = cases.load("case33bw")
    idx = td.add_fpu(net, 10, PowerFactorCone(1.0, 0.9, p_min=0.2), 0.0, 20.0)
    assert (net.sgen.p_mw[idx], net.sgen.q_mvar[idx]) == pytest.approx((0.2, 0.0))


def test_add_default_fpus_mixed_sized_deterministic():
    def build(seed):
        net = cases.load("case69")
        idx = td.add_default_fpus(net, 6, share=0.5, seed=seed, cost_b=(10.0, 40.0))
        return net, td.fpus(net).loc[idx]

    net, table = build(0)
    assert len(table) == 6 and set(table.kind) == set(td.DEFAULT_KINDS)
    assert table.p_max_mw.sum() == pytest.approx(0.5 * net.load.p_mw.sum())
    assert table.bus.is_unique and table.bus.isin(net.load.bus[net.load.p_mw > 0]).all()
    assert table.cost_b.min() < 25.0 < table.cost_b.max()
    assert (table.cost_b >= 10.0).all() and (table.cost_b <= 40.0).all()
    again = build(0)[1]
    assert again.drop(columns="name").equals(table.drop(columns="name"))
    assert not build(1)[1].p_max_mw.equals(table.p_max_mw)


@pytest.mark.parametrize(
    "options, error, problem",
    [
        ({"kinds": ()}, ValueError, r"kinds must be a non-empty sequence of chart kinds from \("),
        ({"kinds": ("circle", "disc")}, ValueError, r"kinds must be .*got \('circle', 'disc'\)"),
        ({"kinds": "circle"}, TypeError, r"kinds must be a sequence of chart kinds, e\.g\. \('circle',\)"),
        ({"cost_slope": -0.5}, ValueError, r"cost_slope must be >= 0"),
        ({"share": 0.0}, ValueError, r"share must be > 0"),
    ],
)
def test_add_default_fpus_rejects_bad_options(options, error, problem):
    with pytest.raises(error, match=problem):
        td.add_default_fpus(cases.load("case33bw"), 4, **options)


@pytest.mark.parametrize(
    "options, error, problem",
    [
        ({"kinds": ()}, ValueError, r"kinds must be a non-empty sequence"),
        ({"cost_slope": -0.5}, ValueError, r"cost_slope must be >= 0"),
        ({"vm_limits": (0.95,)}, TypeError, r"vm_limits must be two numbers \(lo, hi\), e\.g\. \(0\.95, 1\.05\)"),
        ({"vm_limits": (1.05, 0.95)}, ValueError, r"vm_limits must be \(min, max\) p\.u\. with 0 < min < max"),
        ({"load_scaling_range": (1.25, 0.8)}, ValueError, r"load_scaling_range must be \(lo, hi\) with 0 < lo"),
        ({"load_scaling_range": (-1.0, 2.0)}, ValueError, r"load_scaling_range must be"),
        ({"load_scaling_range": "0.8"}, TypeError, r"load_scaling_range must be two numbers"),
    ],
)
def test_load_system_rejects_bad_options_before_building(options, error, problem, monkeypatch):
    monkeypatch.setattr(td, "_ts_base", lambda name: pytest.fail("built the TS before checking the options"))
    with pytest.raises(error, match=problem):
        td.load_system("case9+case33bw", **options)


def test_derive_branch_limits():
    net = cases.load("case33bw", ties="all")
    changed = td.derive_branch_limits(net, margin=1.5, floor=0.2)
    assert len(changed) == len(net.line)
    assert (net.line.max_i_ka < td.UNLIMITED_KA).all()
    pp.runpp(net)
    assert net.res_line.loading_percent.max() == pytest.approx(100 / 1.5)
    assert "1.5" in net["branch_limit_rule"]


def test_scale_factor_makes_base_import_match(small):
    row = small.pcc.iloc[0]
    assert row.ts_load_p_mw == 90.0  # case9 bus 5
    assert row.p_mw == pytest.approx(row.ts_load_p_mw, rel=0.01)
    assert row.scaling == "feeders" and row.scale > 20
    ds = small.ds["case33bw"]
    pp.runpp(ds)
    assert ds.res_ext_grid.p_mw.sum() == pytest.approx(row.ts_load_p_mw, rel=0.01)
    assert ds.res_bus.vm_pu[row.ds_bus] == pytest.approx(row.vm_pu)
    # the TS alone carries the DS import at the PCC bus instead of its own load
    imp = small.ts.load[small.ts.load.ds_import == "case33bw"]
    assert len(imp) == 1 and imp.bus.iloc[0] == row.ts_bus and imp.p_mw.iloc[0] == pytest.approx(row.p_mw)


def test_loads_scaling_mode():
    sy = td.load_system("case30+case69+case33bw")
    assert set(sy.pcc.scaling) == {"loads"}
    for _, row in sy.pcc.iterrows():
        assert row.p_mw == pytest.approx(row.ts_load_p_mw, rel=0.01)
    assert sy.pcc.ts_bus.is_unique


def test_integrated_power_flow_and_zones(small):
    net = small.integrated()
    pp.runpp(net)
    assert net.converged
    assert set(net.bus.zone) == {"TS", "case33bw"}
    assert (net.bus.zone == "case33bw").sum() == 33
    assert len(net.ext_grid) == len(small.ts.ext_grid)  # DS ext_grid removed
    assert "ds_import" not in net.load.columns
    trafo = net.trafo.loc[int(small.pcc.trafo.iloc[0])]
    assert trafo.hv_bus == small.pcc.ts_bus.iloc[0] and net.bus.zone[trafo.lv_bus] == "case33bw"
    assert trafo.vk_percent == pytest.approx(0.01) and trafo.vkr_percent == 0.0
    # FPUs keep chart and cost; every sgen cost row points at an existing sgen
    fp = td.fpus(net)
    assert (
        len(fp) == len(td.fpus(small.ds["case33bw"])) and (net.sgen.zone[fp.index] == "case33bw").all()
    )
    sg = net.poly_cost[net.poly_cost.et == "sgen"]
    assert sg.element.isin(net.sgen.index).all() and len(sg) == len(fp)
    # TS voltages agree with the TS alone (which carries the DS import as a load)
    pp.runpp(small.ts)
    assert np.abs(small.ts.res_bus.vm_pu - net.res_bus.vm_pu[small.ts.bus.index]).max() < 1e-3
    vm = net.res_bus.vm_pu[net.bus.zone == "case33bw"]
    assert 0.9 < vm.min() and vm.max() < 1.05


def test_ds_alone_has_limits_and_fpus(small):
    ds = small.ds["case33bw"]
    assert (ds.bus.min_vm_pu == 0.95).all() and (ds.bus.max_vm_pu == 1.05).all()
    assert (ds.line.max_i_ka < td.UNLIMITED_KA).all() and "branch_limit_rule" in ds
    assert ds.line.in_service.all()  # ties closed
    assert len(td.fpus(ds)) == 4
    assert (ds.ext_grid.max_p_mw >= 10 * ds.load.p_mw.sum()).all()
    assert not (ds.poly_cost.et == "ext_grid").any()


def test_two_pcc_variant(two_pcc):
    pcc = two_pcc.pcc
    assert len(pcc) == 2 and pcc.ds.nunique() == 1 and pcc.ts_bus.is_unique
    assert pcc.p_mw.sum() == pytest.approx(pcc.ts_load_p_mw.iloc[0], rel=0.01)
    ds = two_pcc.ds["case33bw"]
    assert len(ds.ext_grid) == 2
    net = two_pcc.integrated()
    assert (net.trafo.zone == "PCC").sum() == 2
    pp.runpp(net)
    assert net.converged
    # the integrated flows through the two PCC trafos equal the DS alone's imports
    flows = net.res_trafo.p_hv_mw[pcc.trafo].to_numpy()
    assert np.allclose(flows, pcc.p_mw.to_numpy(), atol=0.01)


def test_unknown_system():
    with pytest.raises(ValueError) as err:
        td.load_system("case9+case34")
    assert "case9+case33bw" in str(err.value) and "case118+case533mt_hi" in str(err.value)
    assert "case30+case33bw-2pcc" in td.available_systems()
