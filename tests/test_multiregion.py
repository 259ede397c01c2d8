"""The rapidPF multi-region systems (`forlab.grid.multiregion`): sizes, regions, ties, and the centralized AC-OPF."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandapower.topology as top
import pytest

from forlab.grid import cases
from forlab.grid import multiregion as mr

warnings.filterwarnings("ignore", category=FutureWarning)

SIZES = {"53-I": 53, "53-II": 53, "418-1": 418, "418-3": 418, "118X3": 354, "118X7": 826, "118X10": 1180,
         "1654-5": 1654, "2708-5": 2708}


@pytest.fixture(scope="module")
def net53():
    return mr.load("53-I")


@pytest.mark.parametrize("name", ["53-I", "418-3", "118X7", "1654-5"])
def test_sizes_regions_and_ties(name):
    net = mr.load(name)
    system = mr.SYSTEMS[name]
    assert len(net.bus) == SIZES[name] == sum(len(cases.load(c).bus) for c in system.cases)
    # one region per source case, with exactly that case's buses, loads and lines
    assert net["regions"] == [f"R{k}-{c}" for k, c in enumerate(system.cases, start=1)]
    counts = mr.region_of(net).value_counts()
    for region, case in zip(net["regions"], system.cases):
        src = cases.load(case)
        assert counts[region] == len(src.bus)
        assert np.isclose(net.load.p_mw[net.load.zone == region].sum(), src.load.p_mw.sum())
        assert (net.line.zone == region).sum() == len(src.line)
    # every tie a transformer between two regions, as many as the connection array has rows
    ties = net.trafo[net.trafo.zone == "tie"]
    assert len(ties) == len(system.ties) == len(net["ties"])
    zone = net.bus.zone
    assert (zone[ties.hv_bus].to_numpy() != zone[ties.lv_bus].to_numpy()).all()
    # one synchronous system with one angle reference, in the first region
    assert nx.is_connected(top.create_nxgraph(net)) and len(net.ext_grid) == 1
    assert zone[net.ext_grid.bus.iloc[0]] == net["regions"][0]
    # deterministic
    again = mr.load(name)
    assert again.bus.index.equals(net.bus.index) and again.trafo.equals(net.trafo)


def test_tie_is_rapidpf_transformer(net53):
    from forlab.opf.network import build_network

    model = build_network(net53)
    ys, tau = 1 / (1j * mr.TIE["x_pu"]), mr.TIE["ratio"]
    ties = [k for k, (e, i) in enumerate(model.branch_element) if e == "trafo" and i in set(net53.ties.trafo)]
    assert len(ties) == 3
    # MATPOWER's branch model: tap at the from bus, series impedance, no charging, no rating
    assert np.allclose(model.yff[ties], ys / tau**2) and np.allclose(model.ytt[ties], ys)
    assert np.allclose(model.yft[ties], -ys / tau) and np.isinf(model.rate[ties]).all()
    # 53-I's first row [2 1 1 2] is turned round: case14 bus 2 (tap side) to case30 bus 1
    first = net53.ties.iloc[0]
    assert (first.from_region, first.from_row, first.to_region, first.to_row) == ("R1-case14", 2, "R2-case30", 1)


def test_generators_at_ties_keep_or_replace(net53):
    # the slacks of case30 and case9 become generators; "keep" leaves every other generator in place
    n_units = {c: len(cases.load(c).gen) + 1 for c in ("case14", "case30", "case9")}
    assert len(net53.gen) + len(net53.ext_grid) == sum(n_units.values())
    assert (net53.poly_cost.et == "gen").sum() == len(net53.gen)
    # rapidPF's rule drops the units at the later systems' tie ends: case30 bus 1 (its slack), case9 buses 1, 3
    rep = mr.load("53-I", generators="replace")
    assert len(rep.gen) + len(rep.ext_grid) == sum(n_units.values()) - 3
    assert set(rep.poly_cost.element[rep.poly_cost.et == "gen"]) == set(rep.gen.index)


def test_centralized_acopf_solves_53_and_418():
    from forlab import opf

    for name in ("53-I", "418-3"):
        res = opf.solve(mr.load(name))
        assert res.success, (name, res.status)
        # pandapower's Newton-Raphson power flow of the dispatch reproduces the OPF's state (ties included)
        check = opf.power_flow_check(mr.load(name), res)
        assert check["converged"] and check["max_dvm_pu"] < 1e-6 and check["max_dp_slack_mw"] < 1e-3


def test_partition_by_region(net53):
    from forlab.p3_aladin import partition

    part = partition(net53, "zone")
    assert part.names == net53["regions"] and part.n_regions == 3
    assert len(part.cut_branches) == 3


def test_bad_names_and_options():
    with pytest.raises(ValueError, match="unknown multi-region system '53-III'.*did you mean"):
        mr.load("53-III")
    with pytest.raises(ValueError, match="choose one of"):
        mr.load("case14")
    with pytest.raises(ValueError, match="generators must be one of"):
        mr.load("53-I", generators="drop")
    with pytest.raises(ValueError, match="not a multi-region system"):
        mr.region_of(cases.load("case9"))
    bad = mr.MultiRegionSystem(("case14", "case30"), ((1, 2, 4, 1),))  # case14 bus 4 is a load bus
    mr.SYSTEMS["bad"] = bad
    try:
        with pytest.raises(ValueError, match="row 4 of case14 is not a generator bus"):
            mr.load("bad")
    finally:
        del mr.SYSTEMS["bad"]


def test_every_tie_of_every_system_ends_at_generator_buses():
    # rapidPF's check_connection on the transcribed arrays: a mistyped bus row would mostly land on a load bus
    for name, system in mr.SYSTEMS.items():
        nets = [cases.load(c) for c in system.cases]
        f, t = mr._tie_buses(nets, mr.ordered_ties(system), name)
        assert len(f) == len(t) == len(system.ties)
