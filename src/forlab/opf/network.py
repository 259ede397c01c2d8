"""The AC network of a pandapower net as arrays and CasADi expressions, written once.

`NetworkModel` reads a pandapower net (transmission, distribution or integrated T+D) into per-unit arrays:
buses, branch admittances (from pandapower's own branch model, so that transformers, taps, phase shifts and line
charging agree with `runpp`), bus shunts, fixed injections and the controllable units with their limits, costs and
PQ capability. Its methods return CasADi expressions for branch flows, nodal balance and limits; `forlab.opf.acopf`
and every later optimisation problem (DSO OPFs, the TSO problems, ALADIN regions) assemble their NLPs from them.

Conventions: all electrical quantities inside the model are per unit on ``net.sn_mva``; angles in radians; unit
costs in the currency of the case per hour with power in MW (pandapower's ``poly_cost`` convention, which is
MATPOWER's ``gencost``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import casadi as ca
import numpy as np
import pandas as pd

# pandapower marks MATPOWER's "rateA = 0" (no limit) with huge ratings (9900 MVA in its stored networks,
# 99999 kA from `from_ppc`); a rating at or above this is treated as "no limit", as MATPOWER does.
UNLIMITED_MVA = 9899.0

UNSUPPORTED_ELEMENTS = ("ward", "xward", "dcline", "storage", "tcsc", "svc", "ssc", "vsc")


@dataclass
class NetworkModel:
    """Per-unit arrays of one AC network (see module docstring).

    Attributes (model order = pandapower's internal bus order after fusing bus-bus switches):
        bus_pd: pandapower bus index of each model bus. ``bus_lookup`` maps every in-service pandapower bus
            (fused ones included) to its model bus.
        f, t: from/to model bus of each in-service branch; ``yff, yft, ytf, ytt`` its admittance entries (p.u.).
        rate: branch apparent-power limit at both ends (p.u.), ``inf`` where unlimited.
        branch_element: ("line"|"trafo"|..., pandapower index) of each branch.
        gsh, bsh: bus shunt conductance/susceptance (p.u., consumption positive as in MATPOWER GS/BS).
        pd, qd: fixed bus demand (p.u.): loads minus non-controllable static generators.
        vmin, vmax: bus voltage magnitude limits (p.u.).
        ref: model buses whose angle is fixed (the slack), ``va_ref`` their angle (rad).
        units: one row per controllable unit (ext_grid, gen, controllable sgen) with its model bus, P/Q limits (p.u.),
            quadratic costs (per hour, MW/Mvar) and, for flexibility-providing units, its PQ chart.
    """

    net_name: str
    base_mva: float
    bus_pd: np.ndarray
    bus_lookup: pd.Series
    f: np.ndarray
    t: np.ndarray
    yff: np.ndarray
    yft: np.ndarray
    ytf: np.ndarray
    ytt: np.ndarray
    rate: np.ndarray
    branch_element: list[tuple[str, int]]
    gsh: np.ndarray
    bsh: np.ndarray
    pd: np.ndarray
    qd: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    ref: np.ndarray
    va_ref: np.ndarray
    units: pd.DataFrame
    charts: dict = field(default_factory=dict)

    @property
    def nb(self) -> int:
        return len(self.bus_pd)

    @property
    def nl(self) -> int:
        return len(self.f)

    @property
    def ng(self) -> int:
        return len(self.units)

    @property
    def limited(self) -> np.ndarray:
        """Indices of branches with a finite apparent-power limit."""
        return np.flatnonzero(np.isfinite(self.rate))

    # ------------------------------------------------------------------ expressions
    def branch_flows(self, va, vm):
        """(pf, qf, pt, qt): branch power injected at the from and to ends (p.u.), CasADi or numpy.

        The AC branch flow equations in polar form, with Y_ff = g_ff + j b_ff etc. the pi-model admittances and
        d = va_f - va_t:  pf = vf^2 g_ff + vf vt (g_ft cos d + b_ft sin d),  qf = -vf^2 b_ff + vf vt (g_ft sin d -
        b_ft cos d), and at the to end the same with f <-> t (so d -> -d).
        """
        lib = ca if isinstance(va, (ca.SX, ca.MX)) else np
        vf, vt = vm[self.f], vm[self.t]
        dft = va[self.f] - va[self.t]
        c, s = lib.cos(dft), lib.sin(dft)
        gff, bff = self.yff.real, self.yff.imag
        gft, bft = self.yft.real, self.yft.imag
        gtf, btf = self.ytf.real, self.ytf.imag
        gtt, btt = self.ytt.real, self.ytt.imag
        vfvt = vf * vt
        pf = vf**2 * gff + vfvt * (gft * c + bft * s)
        qf = -(vf**2) * bff + vfvt * (gft * s - bft * c)
        pt = vt**2 * gtt + vfvt * (gtf * c - btf * s)
        qt = -(vt**2) * btt + vfvt * (-gtf * s - btf * c)
        return pf, qf, pt, qt

    def incidence(self):
        """Sparse (nb x nl) from- and to-incidence matrices as CasADi DM."""
        import scipy.sparse as sp

        cols = np.arange(self.nl)
        cf = sp.csc_matrix((np.ones(self.nl), (self.f, cols)), shape=(self.nb, self.nl))
        ct = sp.csc_matrix((np.ones(self.nl), (self.t, cols)), shape=(self.nb, self.nl))
        return _dm(cf), _dm(ct)

    def unit_incidence(self):
        """Sparse (nb x ng) unit-to-bus incidence as CasADi DM."""
        import scipy.sparse as sp

        cg = sp.csc_matrix(
            (np.ones(self.ng), (self.units["bus"].to_numpy(int), np.arange(self.ng))), shape=(self.nb, self.ng)
        )
        return _dm(cg)

    def balance(self, va, vm, pg, qg, pd, qd, flows=None):
        """Nodal power balance mismatch (p.u.): network withdrawal + demand - unit injection, = 0 at a solution.

        The AC power balance at every bus i: sum of the flows leaving i on its branches + G_sh,i V_i^2 (shunt) + pd_i
        - sum of its units' pg = 0, and for Q the same with - B_sh,i V_i^2. flows: the result of `branch_flows` when
        already computed (shares the expression graph).
        """
        cf, ct = self.incidence()
        cg = self.unit_incidence()
        pf, qf, pt, qt = self.branch_flows(va, vm) if flows is None else flows
        gp = ca.mtimes(cf, pf) + ca.mtimes(ct, pt) + self.gsh * vm**2 + pd - ca.mtimes(cg, pg)
        gq = ca.mtimes(cf, qf) + ca.mtimes(ct, qt) - self.bsh * vm**2 + qd - ca.mtimes(cg, qg)
        return gp, gq

    def branch_limits(self, va, vm, flows=None):
        """Squared apparent power at both ends of the limited branches and their squared limits (p.u.):
        pf^2 + qf^2 <= rate^2 and pt^2 + qt^2 <= rate^2 (smooth, unlike |S| <= rate)."""
        idx = self.limited
        pf, qf, pt, qt = self.branch_flows(va, vm) if flows is None else flows
        sf2 = pf[idx] ** 2 + qf[idx] ** 2
        st2 = pt[idx] ** 2 + qt[idx] ** 2
        return ca.vertcat(sf2, st2), np.concatenate([self.rate[idx] ** 2] * 2)

    def unit_cost(self, pg, qg):
        """Total unit cost per hour for unit set-points in p.u."""
        u = self.units
        p = pg * self.base_mva
        q = qg * self.base_mva
        return ca.sum1(
            u["cp2"].to_numpy() * p**2 + u["cp1"].to_numpy() * p + u["cq2"].to_numpy() * q**2
            + u["cq1"].to_numpy() * q
        ) + float(u["cp0"].sum() + u["cq0"].sum())

    def chart_constraints(self, pg, qg):
        """PQ-chart rows of every flexibility-providing unit: (expressions, lower bounds, upper bounds), in MW/Mvar."""
        exprs, lbs, ubs = [], [], []
        for k, chart in self.charts.items():
            for expr, lb, ub in chart.casadi_constraints(pg[k] * self.base_mva, qg[k] * self.base_mva):
                exprs.append(expr)
                lbs.append(lb)
                ubs.append(ub)
        if not exprs:
            return ca.SX(0, 1), np.zeros(0), np.zeros(0)
        return ca.vertcat(*exprs), np.array(lbs, float), np.array(ubs, float)


def _dm(m) -> ca.DM:
    m = m.tocsc()
    return ca.DM(ca.Sparsity(m.shape[0], m.shape[1], m.indptr.tolist(), m.indices.tolist()), m.data.tolist())


def _col(df: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name in df.columns:
        return df[name].astype(float).fillna(default).to_numpy()
    return np.full(len(df), default, dtype=float)


def _chart_of(row) -> object | None:
    spec = row.get("chart") if hasattr(row, "get") else None
    if spec is None or (isinstance(spec, float) and np.isnan(spec)) or spec == "":
        return None
    from forlab.grid import capability

    if isinstance(spec, str):
        spec = json.loads(spec)
    return capability.PQChart.from_dict(spec)


def _check_supported(net) -> None:
    """ValueError for elements the engine does not model or a net without an angle reference."""
    for elm in UNSUPPORTED_ELEMENTS:
        if elm in net and len(net[elm]) and net[elm]["in_service"].any():
            raise ValueError(
                f"net '{net.name}' has in-service '{elm}' elements, which forlab.opf does not model; "
                f"convert them to loads/sgens/lines or take them out of service"
            )
    if not (len(net.ext_grid) and net.ext_grid.in_service.any()) and not (
        "slack" in net.gen and (net.gen.slack & net.gen.in_service).any()
    ):
        raise ValueError(f"net '{net.name}' has no in-service ext_grid or slack gen: add one as angle reference")
    if "pwl_cost" in net and len(net.pwl_cost):
        raise ValueError("piecewise-linear costs (net.pwl_cost) are not supported: use net.poly_cost")


def _ppc(net, trafo_model: str) -> dict:
    """pandapower's own internal case of the net (power-flow mode): its branch model is the one `runpp` solves."""
    from pandapower.auxiliary import _add_ppc_options
    from pandapower.pd2ppc import _pd2ppc

    net["_options"] = {}
    _add_ppc_options(
        net, calculate_voltage_angles=True, trafo_model=trafo_model, check_connectivity=True, mode="pf",
        switch_rx_ratio=2, init_vm_pu="flat", init_va_degree="flat", enforce_q_lims=False,
        enforce_p_lims=False, recycle=None, voltage_depend_loads=False,
    )
    ppc, _ = _pd2ppc(net)
    return ppc


def _bus_maps(net, ppc) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Model buses = the energised ppc buses. Returns (ppc bus -> model bus, -1 if dead; model bus -> a pandapower
    bus; in-service pandapower bus -> model bus, several pandapower buses sharing one when switches fuse them)."""
    from pandapower.pypower.idx_bus import BUS_TYPE, NONE

    bus_arr = ppc["bus"]
    alive = np.flatnonzero(bus_arr[:, BUS_TYPE] != NONE)
    ppc2model = -np.ones(len(bus_arr), dtype=int)
    ppc2model[alive] = np.arange(len(alive))
    lookup_arr = net._pd2ppc_lookups["bus"]
    bus_in = net.bus.index[net.bus.in_service.astype(bool)]
    model_of_pd = pd.Series(ppc2model[lookup_arr[bus_in.to_numpy()]], index=bus_in)
    model_of_pd = model_of_pd[model_of_pd >= 0]
    # a representative pandapower bus for each model bus (the first one that maps to it)
    rep = model_of_pd.reset_index().drop_duplicates(0).set_index(0)["index"].sort_index()
    return ppc2model, rep.to_numpy(), model_of_pd


def _branches(net, ppc, ppc2model: np.ndarray) -> dict:
    """The in-service branches between model buses: ends, admittances (pandapower's `branch_vectors`), the
    apparent-power limit (p.u., inf where none) and the pandapower element each one came from."""
    from pandapower.pypower.idx_brch import BR_STATUS, F_BUS, RATE_A, T_BUS
    from pandapower.pypower.makeYbus import branch_vectors

    base = float(ppc["baseMVA"])
    br = ppc["branch"]
    # which pandapower element each ppc branch row belongs to
    owners: list[tuple[str, int]] = [("", -1)] * len(br)
    for elm, (start, stop) in net._pd2ppc_lookups.get("branch", {}).items():
        idx = net[elm].index.to_numpy() if elm in net else np.arange(stop - start)
        for k in range(start, stop):
            owners[k] = (elm, int(idx[k - start]) if k - start < len(idx) else -1)
    fb = np.real(br[:, F_BUS]).astype(int)
    tb = np.real(br[:, T_BUS]).astype(int)
    live = np.flatnonzero(
        (np.real(br[:, BR_STATUS]) > 0) & (ppc2model[fb] >= 0) & (ppc2model[tb] >= 0)
    )
    brl = br[live]
    ytt, yff, yft, ytf = branch_vectors(brl, len(brl))
    rate = np.real(brl[:, RATE_A]).astype(float)
    # RATE_A is only a limit for elements that carry max_loading_percent; pf-mode writes 100 otherwise
    owners_live = [owners[k] for k in live]
    has_limit = np.array(
        [elm in net and "max_loading_percent" in net[elm].columns for elm, _ in owners_live], dtype=bool
    )
    rate = np.where(has_limit & (rate > 0) & (rate < UNLIMITED_MVA), rate / base, np.inf)
    return {"f": ppc2model[np.real(brl[:, F_BUS]).astype(int)], "t": ppc2model[np.real(brl[:, T_BUS]).astype(int)],
            "yff": yff, "yft": yft, "ytf": ytf, "ytt": ytt, "rate": rate, "branch_element": owners_live}


def _controllable_sgen(sgen) -> np.ndarray:
    """Which static generators are units of the OPF (``controllable``); the others are fixed injections."""
    return _col(sgen, "controllable", 0.0).astype(bool) if len(sgen) else np.zeros(0, bool)


def _fixed_demand(net, model_of_pd: pd.Series, nb: int, base: float) -> tuple[np.ndarray, np.ndarray]:
    """Bus demand (p.u.): in-service loads minus non-controllable sgens, each times its ``scaling``."""
    pdem = np.zeros(nb)
    qdem = np.zeros(nb)

    def _add(df, sign):
        if not len(df):
            return
        on = df[df.in_service.astype(bool) & df.bus.isin(model_of_pd.index)]
        scale = _col(on, "scaling", 1.0)
        np.add.at(pdem, model_of_pd[on.bus].to_numpy(), sign * on.p_mw.to_numpy() * scale / base)
        np.add.at(qdem, model_of_pd[on.bus].to_numpy(), sign * on.q_mvar.to_numpy() * scale / base)

    _add(net.load, +1.0)
    _add(net.sgen[~_controllable_sgen(net.sgen)], -1.0)
    return pdem, qdem


def _voltage_limits(net, model_of_pd: pd.Series, nb: int, vm_limits) -> tuple[np.ndarray, np.ndarray]:
    """Bus voltage limits (p.u.): ``vm_limits`` everywhere if given, else the bus table's (0.9/1.1 where missing);
    a fused model bus takes the limits of its first pandapower bus."""
    vmin = np.full(nb, 0.9)
    vmax = np.full(nb, 1.1)
    first = ~model_of_pd.duplicated()
    mb = model_of_pd[first]
    if vm_limits is not None:
        vmin[:], vmax[:] = vm_limits
    else:
        if "min_vm_pu" in net.bus:
            vmin[mb.to_numpy()] = net.bus.loc[mb.index, "min_vm_pu"].fillna(0.9).to_numpy()
        if "max_vm_pu" in net.bus:
            vmax[mb.to_numpy()] = net.bus.loc[mb.index, "max_vm_pu"].fillna(1.1).to_numpy()
    return vmin, vmax


_NO_COST = {"cp0": 0.0, "cp1": 0.0, "cp2": 0.0, "cq0": 0.0, "cq1": 0.0, "cq2": 0.0}


def _poly_cost(costs: pd.DataFrame, et: str, element) -> dict:
    """The quadratic P and Q cost coefficients of one unit from ``net.poly_cost`` (zero if it has none)."""
    if not len(costs):
        return dict(_NO_COST)
    c = costs[(costs.et == et) & (costs.element == element)]
    if not len(c):
        return dict(_NO_COST)
    c = c.iloc[0]
    return dict(
        cp0=float(c.get("cp0_eur", 0.0)), cp1=float(c.get("cp1_eur_per_mw", 0.0)),
        cp2=float(c.get("cp2_eur_per_mw2", 0.0)), cq0=float(c.get("cq0_eur", 0.0)),
        cq1=float(c.get("cq1_eur_per_mvar", 0.0)), cq2=float(c.get("cq2_eur_per_mvar2", 0.0)),
    )


def _units(net, model_of_pd: pd.Series, base: float) -> dict:
    """The controllable units (ext_grid, gen, controllable sgen, in that order) with limits (p.u.; unbounded where the
    net gives none), costs and charts, and the reference buses (ext_grids and slack gens) with their angles."""
    costs = net.poly_cost if "poly_cost" in net else pd.DataFrame()
    sgen = net.sgen
    ctrl = _controllable_sgen(sgen)
    rows, charts, ref, va_ref = [], {}, [], []
    big = 1e9
    for et, df in (("ext_grid", net.ext_grid), ("gen", net.gen), ("sgen", sgen[ctrl] if len(sgen) else sgen)):
        if not len(df):
            continue
        on = df[df.in_service.astype(bool) & df.bus.isin(model_of_pd.index)]
        pmin, pmax = _col(on, "min_p_mw", -big), _col(on, "max_p_mw", big)
        qmin, qmax = _col(on, "min_q_mvar", -big), _col(on, "max_q_mvar", big)
        for k, (idx, row) in enumerate(on.iterrows()):
            chart = _chart_of(row) if et == "sgen" else None
            rows.append(dict(
                et=et, element=int(idx), name=row.get("name"), bus=int(model_of_pd[row.bus]), bus_pd=int(row.bus),
                pmin=pmin[k] / base, pmax=pmax[k] / base, qmin=qmin[k] / base, qmax=qmax[k] / base,
                fpu=chart is not None, **_poly_cost(costs, et, idx),
            ))
            if chart is not None:
                charts[len(rows) - 1] = chart
            if et == "ext_grid" or (et == "gen" and bool(row.get("slack", False))):
                ref.append(int(model_of_pd[row.bus]))
                va_ref.append(np.deg2rad(float(row.get("va_degree", 0.0) or 0.0)))
    # one angle reference per model bus (the first unit's angle where several share a bus)
    ref_arr, first_ref = np.unique(np.array(ref, int), return_index=True)
    return {"units": pd.DataFrame(rows), "charts": charts, "ref": ref_arr,
            "va_ref": np.array(va_ref, float)[first_ref]}


def build_network(net, vm_limits: tuple[float, float] | None = None, trafo_model: str = "pi") -> NetworkModel:
    """Read a pandapower net into a `NetworkModel`: the data of the AC power-flow equations (bus injection model in
    polar voltages, pi branches with pandapower's admittances) that `NetworkModel`'s methods write as expressions.

    vm_limits: (min, max) p.u. applied to every bus instead of ``net.bus.min_vm_pu/max_vm_pu``.
    Raises ValueError for elements the engine does not model (listed in UNSUPPORTED_ELEMENTS), piecewise-linear
    costs, or a net without slack.
    """
    from pandapower.pypower.idx_bus import BS, GS

    _check_supported(net)
    ppc = _ppc(net, trafo_model)
    base = float(ppc["baseMVA"])
    ppc2model, bus_pd, model_of_pd = _bus_maps(net, ppc)
    alive = ppc2model >= 0
    nb = int(alive.sum())
    pdem, qdem = _fixed_demand(net, model_of_pd, nb, base)
    vmin, vmax = _voltage_limits(net, model_of_pd, nb, vm_limits)
    return NetworkModel(
        net_name=str(net.name or ""), base_mva=base, bus_pd=bus_pd, bus_lookup=model_of_pd,
        **_branches(net, ppc, ppc2model),
        gsh=np.real(ppc["bus"][alive, GS]) / base, bsh=np.real(ppc["bus"][alive, BS]) / base,
        pd=pdem, qd=qdem, vmin=vmin, vmax=vmax, **_units(net, model_of_pd, base),
    )
