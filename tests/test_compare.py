"""forlab.studies.ch08_sensitivity: the sensitivity design, ALADIN's iterate as a judged dispatch, failures as rows, the store."""

import warnings

import numpy as np
import pandas as pd
import pytest

from forlab import opf
from forlab.grid import cases
from forlab.opf.judge import judge
from forlab.p3_aladin import partition
from forlab.studies import ch08_sensitivity

warnings.filterwarnings("ignore", category=FutureWarning)


def test_variants_one_factor_at_a_time():
    design = ch08_sensitivity.variants([0.6, 1.0], [2, 4, 8], ["none", "all"], base_level=1.0, base_fpus=4)
    assert [v.kind for v in design] == ["load"] * 2 + ["fpus"] * 3 + ["meshing"] * 2
    # every variant differs from the base case in its own factor only
    for v in design:
        same = {"load": (v.n_fpus, v.ties) == (4, "all"), "fpus": (v.level, v.ties) == (1.0, "all"),
                "meshing": (v.level, v.n_fpus) == (1.0, 4)}
        assert same[v.kind], v
        assert v.is_base == (v.case_key == (1.0, 4, "all"))
    # the base case is one case, shared by the three factors
    assert sum(v.is_base for v in design) == 3
    assert len({v.case_key for v in design}) == 5
    assert {v.label for v in design if v.kind == "meshing"} == {"radial", "meshed"}
    assert design[0].system_options == {"ties": "all", "n_fpus": 4}
    with pytest.raises(ValueError, match="meshing"):
        ch08_sensitivity.variants([1.0], [4], ["some"])


def test_aladin_dispatch_of_the_optimum_is_judged_at_the_optimum():
    """The centralized optimum, cut into regions and put back together by `aladin_dispatch`, must give the
    optimum's cost and no violation in the T+D power-flow judge: the mapping of units and voltages is right."""
    net = cases.load("case9")
    res = opf.solve(net)
    assert res.success
    part = partition(net, "spectral", 3)
    m = part.model
    va = np.deg2rad(res.res_bus.loc[m.bus_pd, "va_degree"].to_numpy())
    vm = res.res_bus.loc[m.bus_pd, "vm_pu"].to_numpy()
    units = res.res_units.set_index(["et", "element"])
    keys = list(zip(m.units.et, m.units.element))
    pg = units.loc[keys, "p_mw"].to_numpy() / m.base_mva
    qg = units.loc[keys, "q_mvar"].to_numpy() / m.base_mva
    disp = ch08_sensitivity.aladin_dispatch(part, part.split(va, vm, pg, qg))
    assert len(disp) == m.ng and set(disp.et) == set(m.units.et)
    np.testing.assert_allclose(disp.p_mw.to_numpy(), units.loc[keys, "p_mw"].to_numpy(), atol=1e-9)
    verdict = judge(net, disp)
    assert verdict["converged"] and verdict["feasible"]
    assert verdict["total_cost"] == pytest.approx(res.objective, rel=1e-5)


def test_a_failure_is_a_row_not_a_crash():
    v = ch08_sensitivity.variants([1.0], [4], ["all"])[0]
    row = ch08_sensitivity.run_p3("no-such-system", v)
    assert row["method_status"] == "error"
    assert "unknown study system" in row["error"]
    assert np.isnan(row["deviation_pct"]) and not row["feasible"] and row["n_vm_violations"] == -1
    rows = ch08_sensitivity.run_p2("no-such-system", [v])
    assert len(rows) == 1 and rows[0]["method_status"] == "error"
    with pytest.raises(ValueError, match="unknown methods"):
        ch08_sensitivity.run_sensitivity("case9+case33bw", [v], ["P4"])


def _table():
    design = ch08_sensitivity.variants([0.8, 1.0], [4], ["all"])
    rows = []
    for k, v in enumerate(design):
        r = ch08_sensitivity._row("sys", "P2", v, integrated_ms=50.0, online_ms=25.0 * (k + 1), deviation_pct=0.01 * k,
                         feasible=True, rounds=1, bytes=1000.0, offline_s=3.0)
        r.update(variant_value=v.value, wall_s=1.0)
        rows.append(r)
    bad = ch08_sensitivity._failed("sys", "P1", design[0], RuntimeError("solver exploded"))
    bad.update(variant_value=design[0].value, wall_s=0.5)
    rows.append(bad)
    return pd.DataFrame(rows)


def test_store_round_trip_and_prose():
    table = _table()
    assert table.time_ratio.iloc[:3].tolist() == pytest.approx([0.5, 1.0, 1.5])
    st = ch08_sensitivity.to_store(table, attrs={"note": [1, 2]})
    assert set(st.dims) == {"run"} and st.sizes["run"] == len(table)
    assert st.deviation_pct.attrs["units"] == "%" and st.online_ms.attrs["units"] == "ms"
    assert st.feasible.dtype.kind == "i" and st.method.dtype.kind == "U"
    back = ch08_sensitivity.frame(st)
    assert back.feasible.dtype == bool
    assert back.method.tolist() == table.method.tolist()
    np.testing.assert_allclose(back.deviation_pct, table.deviation_pct.astype(float))
    text = ch08_sensitivity.findings(back)
    assert "solver exploded" in text and "P1, load 80 %" in text
    assert "feasible after the T+D power flow in 2 of 2 cases" in text  # P2 over the load factor
    summ = ch08_sensitivity.summary(back)
    assert summ.loc[("load", "load 80 %", "P2"), "online / integrated"] == pytest.approx(0.5)


def test_run_sensitivity_runs_a_shared_case_once():
    """P3 on one small variant: the base case shared by three factors is solved once, converges to the integrated
    optimum and is feasible in the T+D power flow."""
    design = ch08_sensitivity.variants([1.0], [4], ["all"])
    calls = []
    table = ch08_sensitivity.run_sensitivity("case9+case33bw", design, ["P3"], repeats=1, progress=calls.append)
    assert len(calls) == 1  # one system group, one method
    assert len(table) == 3 and set(table.variant_kind) == {"load", "fpus", "meshing"} and table.is_base.all()
    r = table.iloc[0]
    assert r.error == "" and r.method_status == "converged", r.error
    assert r.feasible and r.pf_converged and r.n_vm_violations == 0
    assert abs(r.deviation_pct) < 1e-3  # ALADIN converges to the integrated optimum
    assert r.rounds >= 1 and r.bytes > 0 and r.online_ms > 0 and r.integrated_ms > 0
    assert r.time_ratio == pytest.approx(r.online_ms / r.integrated_ms)
    assert (table.deviation_pct == r.deviation_pct).all()
