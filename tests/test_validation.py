"""Grid data checks (issue 20): islands with load or units, NaN/inf data and inverted limits are refused by
`forlab.grid.validate.check_net` with a message naming the table, index and column; good nets pass quickly."""

import copy
import warnings

import numpy as np
import pandapower as pp
import pytest

from forlab.grid import cases, td
from forlab.grid.validate import check_net, energised_buses

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def radial_ds():
    """The radial case33bw DS of case9+case33bw (ties open) with its four FPUs."""
    return td.load_system("case9+case33bw", ties="none").ds["case33bw"]


def _line(net, a, b):
    return int(net.line.index[(net.line.from_bus == a) & (net.line.to_bus == b)][0])


def test_open_line_island_with_load_and_fpus_is_refused(radial_ds):
    """The issue's probe: line 5-6 open cut off 12 buses, 24.7 MW of load and 2 of the 4 FPUs without a word."""
    net = copy.deepcopy(radial_ds)
    net.line.loc[_line(net, 5, 6), "in_service"] = False
    lost = net.bus.index.difference(energised_buses(net))
    assert len(lost) == 12
    on_lost = net.load[net.load.bus.isin(lost)]
    with pytest.raises(ValueError, match=r"12 in-service buses .*are cut off.*carry 12 loads.*sgen") as err:
        check_net(net, "case33bw")
    # the loads' sum said as one figure (not "12 load(s) of 24.7 MW", which reads as 24.7 MW each)
    assert f"12 loads drawing {on_lost.p_mw.sum():.6g} MW in total (load " in str(err.value)
    assert "(s)" not in str(err.value) and "(es)" not in str(err.value)
    assert on_lost.p_mw.sum() > 20  # the scaled DS: tens of MW lost, not a rounding error


def test_one_cut_off_bus_is_said_in_the_singular(radial_ds):
    net = copy.deepcopy(radial_ds)
    net.line.loc[_line(net, 16, 17), "in_service"] = False  # the feeder's last bus
    with pytest.raises(ValueError, match=r"1 in-service bus \(17\) is cut off.*carries 1 load drawing [\d.]+ MW "
                                         r"\(load 16\); sgen 0: a power flow would drop it without a word"):
        check_net(net, "case33bw")


def test_open_switch_island_is_refused(radial_ds):
    net = copy.deepcopy(radial_ds)
    pp.create_switch(net, 5, _line(net, 5, 6), et="l", closed=False)
    with pytest.raises(ValueError, match="cut off"):
        check_net(net)


def test_isolated_empty_bus_is_allowed(radial_ds):
    net = copy.deepcopy(radial_ds)
    b = pp.create_bus(net, vn_kv=12.66)
    assert b not in energised_buses(net)
    check_net(net)
    pp.create_load(net, b, p_mw=1.0)
    with pytest.raises(ValueError, match="cut off"):
        check_net(net)


def test_closed_bus_switch_connects(radial_ds):
    net = copy.deepcopy(radial_ds)
    b = pp.create_bus(net, vn_kv=12.66)
    pp.create_load(net, b, p_mw=0.1)
    pp.create_switch(net, 3, b, et="b", closed=True)
    check_net(net)


@pytest.mark.parametrize("table,index,column,value,match", [
    ("gen", 0, "max_p_mw", np.nan, r"gen\.max_p_mw is NaN or -inf at index 0"),
    ("gen", 1, "min_p_mw", np.inf, r"gen\.min_p_mw is NaN or \+inf at index 1"),
    ("bus", 4, "max_vm_pu", np.nan, r"bus\.max_vm_pu is NaN or infinite at index 4"),
    ("bus", 2, "min_vm_pu", np.inf, r"bus\.min_vm_pu is NaN or infinite at index 2"),
    ("line", 3, "max_i_ka", np.nan, r"line\.max_i_ka is NaN or -inf at index 3"),
    ("line", 3, "max_i_ka", 0.0, r"line\.max_i_ka <= 0 at index 3"),
    ("line", 5, "x_ohm_per_km", np.nan, r"line\.x_ohm_per_km is NaN or infinite at index 5"),
    ("line", 5, "r_ohm_per_km", np.inf, r"line\.r_ohm_per_km"),
    ("load", 2, "p_mw", np.nan, r"load\.p_mw"),
    ("bus", 1, "min_vm_pu", 1.2, r"bus\.min_vm_pu > bus\.max_vm_pu at index 1"),
    ("gen", 1, "min_q_mvar", 1e4, r"gen\.min_q_mvar > gen\.max_q_mvar at index 1"),
])
def test_bad_data_named(table, index, column, value, match):
    net = cases.load("case9")
    net[table].loc[index, column] = value
    with pytest.raises(ValueError, match=match):
        check_net(net)


def test_nan_cost_coefficient_is_refused_naming_the_unit_and_column():
    """A NaN poly_cost coefficient was read as 0: case9 with gen 0's cp2 NaN solved to 2654.8 $/h, not 5296.7."""
    from forlab import opf

    net = cases.load("case9")
    row = int(net.poly_cost.index[(net.poly_cost.et == "gen") & (net.poly_cost.element == 0)][0])
    net.poly_cost.loc[row, "cp2_eur_per_mw2"] = np.nan
    match = rf"poly_cost\.cp2_eur_per_mw2 is NaN or infinite for gen 0 \(poly_cost index {row}\); give a finite"
    with pytest.raises(ValueError, match=match):
        check_net(net)
    with pytest.raises(ValueError, match=match):
        opf.solve(net)
    net.poly_cost.loc[row, "cp2_eur_per_mw2"] = 0.0  # an explicit zero is a cost like any other
    check_net(net)


def test_nan_cost_of_a_unit_the_opf_does_not_use_is_ignored():
    """Out-of-service units and a cost row of another element type are never read by the OPF."""
    net = cases.load("case9")
    net.gen.loc[1, "in_service"] = False
    row = int(net.poly_cost.index[(net.poly_cost.et == "gen") & (net.poly_cost.element == 1)][0])
    net.poly_cost.loc[row, "cp1_eur_per_mw"] = np.nan
    check_net(net)


def test_nan_on_out_of_service_element_is_ignored():
    net = cases.load("case9")
    net.line.loc[5, "x_ohm_per_km"] = np.nan
    net.line.loc[5, "in_service"] = False
    check_net(net)


def test_trafo_reactance_and_base():
    net = cases.load("case300")
    t = int(net.trafo.index[0])
    net.trafo.loc[t, "vk_percent"] = np.nan
    with pytest.raises(ValueError, match=rf"trafo\.vk_percent is NaN or infinite at index {t}"):
        check_net(net, "case300")
    for bad in (0.0, -1.0, np.nan, np.inf):
        net = cases.load("case9")
        net.sn_mva = bad
        with pytest.raises(ValueError, match="sn_mva must be a positive finite number"):
            check_net(net)


def test_no_reference_is_named():
    net = cases.load("case9")
    net.ext_grid["in_service"] = False
    net.gen["slack"] = False
    with pytest.raises(ValueError, match="no in-service ext_grid or slack gen"):
        check_net(net)


def test_infinite_limit_on_open_side_is_no_limit():
    """MATPOWER writes Inf for "no limit" (case1354pegase Qmin = -Inf, Qmax = Inf): allowed."""
    net = cases.load("case1354pegase")
    assert np.isinf(net.gen.max_q_mvar).any()
    check_net(net)


@pytest.mark.parametrize("name", ["case9", "case30", "case33bw", "case69", "case141", "case533mt_hi"])
def test_shipped_cases_pass(name):
    check_net(cases.load(name), name)


def test_study_system_nets_pass():
    s = td.load_system("case30+case69+case33bw")
    for name, net in [("ts", s.ts), ("integrated", s.integrated()), *s.ds.items()]:
        check_net(net, name)
