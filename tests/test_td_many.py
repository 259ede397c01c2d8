"""T+D study systems with N DSs by composite name (issue 16): parser, DS identities, many_ds_name, capacity."""

import dataclasses
import warnings

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from forlab.grid import cases, td

warnings.filterwarnings("ignore", category=RuntimeWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def three():
    """Three copies of case33bw on case30, the FPU counts given per DS name."""
    return td.load_system("case30+case33bw*3", n_fpus={"case33bw#1": 4, "case33bw#2": 5, "case33bw#3": 6})


def _names(specs):
    return [spec.name for spec in specs]


def test_parse_composite_names():
    ts, specs = td.parse_system("case14+case33bw*2+case69+case33bw")
    assert ts == "case14"
    assert [s.case for s in specs] == ["case33bw", "case33bw", "case69", "case33bw"]
    assert _names(specs) == ["case33bw#1", "case33bw#2", "case69", "case33bw#3"]
    assert not any(s.second_pcc for s in specs)
    assert _names(td.parse_system("case9+case69*1")[1]) == ["case69"]  # used once: the case names its DS
    assert td.DSSpec("case69").name == "case69" and td.DSSpec("case69", name="north").name == "north"


def test_a_ds_spec_names_no_bus():
    """A DS's TS bus is load_system's ts_buses, its second PCC's buses are chosen: no spec field sets a bus that
    no check reaches (ts_bus2 and ds_bus2 were used unchecked, and nothing public set them)."""
    assert [f.name for f in dataclasses.fields(td.DSSpec)] == ["case", "second_pcc", "name"]
    with pytest.raises(TypeError):
        td.DSSpec("case33bw", second_pcc=True, ts_bus2=7)


def test_named_systems_keep_their_definition(monkeypatch):
    for name, definition in td.SYSTEMS.items():
        assert td.parse_system(name) == definition
    # every named system the grammar can spell reads the same through the composite parser
    spelled = {name: definition for name, definition in td.SYSTEMS.items() if "-" not in name}
    monkeypatch.setattr(td, "SYSTEMS", {})
    for name, definition in spelled.items():
        assert td.parse_system(name) == definition
        assert _names(definition[1]) == name.split("+")[1:]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("case9+case34", "DS 'case34' is not a registered case"),
        ("case118+case33bw*0", "multiplier in 'case33bw*0' must be a whole number >= 1, not '0'"),
        ("case118+case33bw*x", "not 'x'"),
        ("case118+case33bw*1.5", "not '1.5'"),
        ("case118++case33bw", "a '+' without a DS"),
        ("case118+case33bw+", "a '+' without a DS"),
        ("+case33bw", "empty TS part"),
        ("case118", "no DS"),
        ("case33bw+case69", "TS 'case33bw' is a distribution case, not a transmission case"),
        ("case118+case9", "DS 'case9' is a transmission case, not a distribution case"),
        ("case118*2+case33bw", "the TS takes no multiplier"),
        ("case1188+case33bw", "did you mean case118"),
    ],
)
def test_parse_errors_say_what_is_wrong(name, problem):
    with pytest.raises(ValueError) as err:
        td.parse_system(name)
    text = str(err.value)
    assert problem in text and repr(name) in text
    # the grammar with an example, and every registered case
    assert td.SYSTEM_GRAMMAR in text and "e.g." in td.SYSTEM_GRAMMAR
    assert all(case in text for case in cases.available())


def test_load_system_and_check_spec_use_the_parser():
    with pytest.raises(ValueError, match="no DS"):
        td.load_system("case118")
    with pytest.raises(TypeError, match="str"):
        td.parse_system(118)
    from forlab.studies import ch07_aladin

    ch07_aladin.check_spec("case118+case33bw*8+case69*2")
    ch07_aladin.check_spec("case30+case33bw-2pcc")
    with pytest.raises(ValueError, match=r"kkt_systems: study system 'case118\+case33bw\*0': the multiplier"):
        ch07_aladin.check_spec("case118+case33bw*0", "kkt_systems")


def test_too_many_ds_says_capacity_and_larger_ts():
    capacity = td.ts_capacity("case9")
    ts = cases.load("case9")
    load = ts.load.groupby("bus").p_mw.sum()
    assert capacity == int(((load > 0) & ~load.index.isin(ts.ext_grid.bus)).sum())
    assert td.parse_system(f"case9+case33bw*{capacity}")  # exactly full is fine
    for call in (td.parse_system, td.load_system):
        with pytest.raises(ValueError) as err:
            call(f"case9+case33bw*{capacity + 1}")
        text = str(err.value)
        assert f"can take {capacity} DSs" in text and f"attaches {capacity + 1}" in text
        assert f"case14 ({td.ts_capacity('case14')})" in text and "larger TS" in text
    # the same message when the builder runs out of buses (e.g. TS buses given per DS)
    with pytest.raises(ValueError, match=f"can take {capacity} DSs.*larger TS"):
        td._choose_ts_bus(ts, 1.0, 0.1, set(load.index), "case33bw#4")


def test_many_ds_name_is_deterministic_from_the_seed():
    pool = ("case33bw", "case69")
    name = td.many_ds_name("case30", 10, pool, seed=3)
    assert name == td.many_ds_name("case30", 10, pool, seed=3)
    ts, specs = td.parse_system(name)
    assert ts == "case30" and len(specs) == 10
    # counts per case in pool order, the canonical form of the name
    counts = pd.Series([s.case for s in specs]).value_counts()
    assert name == "+".join(
        ["case30", *(f"{c}*{counts[c]}" if counts[c] > 1 else c for c in pool if c in counts)]
    )
    assert len({td.many_ds_name("case30", 10, pool, seed=s) for s in range(8)}) > 1
    assert td.many_ds_name("case9", 1) == "case9+case33bw"
    assert td.many_ds_name("case30", 3) == "case30+case33bw*3" == td.many_ds_name("case30", 3, "case33bw")


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("case30", 0), "n must be a whole number of DSs >= 1"),
        (("case30", 2.5), "n must be"),
        (("case30", 2, ()), "distinct DS cases"),
        (("case30", 2, ("case33bw", "case33bw")), "distinct DS cases"),
        (("case30", 2, ("case33bw", "case9")), "DS 'case9' is a transmission case"),
        (("case30", 2, ("case34",)), "DS 'case34' is not a registered case"),
        (("case33", 2), "TS 'case33' is not a registered case"),
        (("case9", 4), "can take 3 DSs"),
    ],
)
def test_many_ds_name_errors(args, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        td.many_ds_name(*args)


def test_copies_are_distinct_dsos(three):
    names = ["case33bw#1", "case33bw#2", "case33bw#3"]
    assert list(three.ds) == names and [dsn.name for dsn in three.ds.values()] == names
    assert list(three.pcc.ds) == names and three.pcc.ts_bus.is_unique
    assert list(three.summary().index) == names
    imports = three.ts.load[three.ts.load.ds_import.notna()]
    assert sorted(imports.ds_import) == names and set(imports.bus) == set(three.pcc.ts_bus)
    assert [len(td.fpus(three.ds[n])) for n in names] == [4, 5, 6]  # n_fpus keyed by DS name
    net = three.integrated()
    assert set(net.bus.zone) == {"TS", *names}
    assert all((net.bus.zone == n).sum() == 33 for n in names)
    assert net.bus.index.is_unique and net.line.index.is_unique and net.sgen.index.is_unique
    for n, t in zip(three.pcc.ds, three.pcc.trafo):
        assert net.bus.zone[net.trafo.lv_bus[t]] == n and net.trafo.zone[t] == "PCC"


def test_per_ds_options_must_name_a_ds():
    with pytest.raises(ValueError, match=r"ts_buses of 'case30\+case33bw\*2'.*case33bw#1, case33bw#2"):
        td.load_system("case30+case33bw*2", ts_buses={"case33bw": 5})
    with pytest.raises(ValueError, match="n_fpus"):
        td.load_system("case30+case33bw*2", n_fpus={"case33bw#3": 4})


def test_a_system_cannot_name_two_dss_alike(monkeypatch):
    twice = ("case30", (td.DSSpec("case33bw"), td.DSSpec("case33bw")))
    monkeypatch.setitem(td.SYSTEMS, "case30+case33bw+case33bw", twice)
    with pytest.raises(ValueError, match=r"names two DSs \['case33bw'\]"):
        td.load_system("case30+case33bw+case33bw")


def test_composite_name_builds_the_named_system(monkeypatch):
    name = "case30+case69+case33bw"
    named = td.load_system(name)
    monkeypatch.setattr(td, "SYSTEMS", {k: v for k, v in td.SYSTEMS.items() if k != name})
    composite = td.load_system(name)
    pd.testing.assert_frame_equal(named.pcc, composite.pcc)
    pd.testing.assert_frame_equal(named.ts.load, composite.ts.load)


def test_integrated_power_flow_agrees_with_ts_and_ds_alone(three):
    net = three.integrated()
    pp.runpp(net)
    assert net.converged
    pcc = three.pcc
    # the TS alone (DS imports as loads) and each DS alone (PCC as ext_grid) are the integrated base case
    pp.runpp(three.ts)
    assert np.abs(three.ts.res_bus.vm_pu - net.res_bus.vm_pu[three.ts.bus.index]).max() < 1e-3
    assert np.allclose(net.res_bus.vm_pu[pcc.ts_bus], pcc.vm_pu, atol=1e-3)
    assert np.allclose(net.res_trafo.p_hv_mw[pcc.trafo], pcc.p_mw, atol=0.01)
    assert np.allclose(net.res_trafo.q_hv_mvar[pcc.trafo], pcc.q_mvar, atol=0.01)
    for name, dsn in three.ds.items():
        pp.runpp(dsn)
        zone = net.bus[net.bus.zone == name]
        vm = net.res_bus.vm_pu[zone.index].to_numpy()
        assert np.abs(vm - dsn.res_bus.vm_pu[zone.orig_bus].to_numpy()).max() < 1e-3
