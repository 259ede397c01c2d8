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

from forlab.grid.td import is_fpu
from forlab.grid.validate import COST_COLUMNS, check_net

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
        angle_min, angle_max: limits of the branch's angle difference va[f] - va[t] (rad; MATPOWER's ANGMIN/ANGMAX),
            ``-inf``/``inf`` where unlimited; read from ``min_angle_degree``/``max_angle_degree`` of ``net.line``
            and ``net.impedance`` (from_bus -> to_bus) and ``net.trafo`` (hv_bus -> lv_bus). None = no limits.
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
    angle_min: np.ndarray | None = None
    angle_max: np.ndarray | None = None

    def __post_init__(self):
        nl = len(self.f)
        for name, fill in (("angle_min", -np.inf), ("angle_max", np.inf)):
            val = getattr(self, name)
            val = np.full(nl, fill) if val is None else np.asarray(val, float)
            if val.shape != (nl,):
                # a sub-model (dataclasses.replace with fewer branches) must subset the angle limits with the branches
                raise ValueError(f"NetworkModel.{name} has shape {val.shape} for {nl} branches: pass "
                                 f"{name}=model.{name}[branches] together with f/t")
            setattr(self, name, val)

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

    @property
    def angle_limited(self) -> np.ndarray:
        """Boolean mask of the branches with a finite angle-difference limit on either side."""
        return np.isfinite(self.angle_min) | np.isfinite(self.angle_max)

    # ------------------------------------------------------------------ expressions
    def angle_differences(self, va):
        """va[f] - va[t] (rad) of the angle-limited branches, in branch order (CasADi or numpy): the quantity that
        MATPOWER's ANGMIN <= va_f - va_t <= ANGMAX bounds, with `angle_min`/`angle_max` [angle_limited] as bounds."""
        idx = np.flatnonzero(self.angle_limited)
        return va[self.f[idx]] - va[self.t[idx]]

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
        coef = {c: u[c].to_numpy() for c in ("cp2", "cp1", "cq2", "cq1")}
        return ca.sum1(unit_costs(coef, p, q, constant=False)) + float(u["cp0"].sum() + u["cq0"].sum())

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
    """The PQ chart in the ``chart`` column of one sgen row (JSON text or a dict of `PQChart.to_dict`; None where
    empty). ValueError naming the sgen and the column when the entry is no valid chart: a bare JSON or constructor
    error would not say which of many sgens to fix."""
    spec = row.get("chart") if hasattr(row, "get") else None
    if spec is None or (isinstance(spec, float) and np.isnan(spec)) or spec == "":
        return None
    from forlab.grid import capability

    try:
        return capability.PQChart.from_dict(json.loads(spec) if isinstance(spec, str) else spec)
    except (ValueError, TypeError) as err:  # JSONDecodeError is a ValueError
        raise ValueError(f"sgen {row.name}: its 'chart' column entry is no valid PQ chart ({err}); give the JSON of "
                         f"a chart's to_dict (forlab.grid.capability), or leave it empty for no chart") from err


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


def _branch_owners(net, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pandapower element type and index of each of the ``n`` ppc branch rows (pandapower writes them in blocks,
    one per element type: lines, then trafos, ...; ``net._pd2ppc_lookups["branch"]`` has each block's rows)."""
    elm = np.full(n, "", dtype=object)
    idx = np.full(n, -1, dtype=int)
    for name, (start, stop) in net._pd2ppc_lookups.get("branch", {}).items():
        ids = net[name].index.to_numpy() if name in net else np.arange(stop - start)
        k = min(stop - start, len(ids))
        elm[start:stop] = name
        idx[start : start + k] = ids[:k]
    return elm, idx


def _angle_limits(net, elm: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angle-difference limits (rad) of the branches owned by (elm, idx): ``min_angle_degree``/``max_angle_degree``
    of ``net.line``, ``net.trafo`` (and ``net.impedance``, where MATPOWER branches can land too); NaN, a missing column
    or MATPOWER's +-360 degrees mean no limit (+-inf)."""
    lo, hi = np.full(len(elm), -np.inf), np.full(len(elm), np.inf)
    for name in ("line", "trafo", "impedance"):
        rows = np.flatnonzero(elm == name)
        if not len(rows) or name not in net:
            continue
        for col, out, sign in (("min_angle_degree", lo, -1.0), ("max_angle_degree", hi, 1.0)):
            if col in net[name].columns:
                deg = net[name][col].reindex(idx[rows]).to_numpy(float)
                unlimited = ~np.isfinite(deg) | (sign * deg >= 360.0)
                out[rows] = np.where(unlimited, sign * np.inf, np.deg2rad(deg))
    return lo, hi


def _branches(net, ppc, ppc2model: np.ndarray) -> dict:
    """The in-service branches between model buses: ends, admittances (pandapower's `branch_vectors`), the
    apparent-power and angle-difference limits (p.u./rad, inf where none) and the pandapower element of each one."""
    from pandapower.pypower.idx_brch import BR_STATUS, F_BUS, RATE_A, T_BUS
    from pandapower.pypower.makeYbus import branch_vectors

    base = float(ppc["baseMVA"])
    br = ppc["branch"]
    elm, idx = _branch_owners(net, len(br))
    fb = np.real(br[:, F_BUS]).astype(int)
    tb = np.real(br[:, T_BUS]).astype(int)
    live = np.flatnonzero(
        (np.real(br[:, BR_STATUS]) > 0) & (ppc2model[fb] >= 0) & (ppc2model[tb] >= 0)
    )
    brl = br[live]
    elm, idx = elm[live], idx[live]
    ytt, yff, yft, ytf = branch_vectors(brl, len(brl))
    rate = np.real(brl[:, RATE_A]).astype(float)
    # RATE_A is only a limit for elements that carry max_loading_percent; pf-mode writes 100 otherwise
    with_limit = [name for name in set(elm) if name in net and "max_loading_percent" in net[name].columns]
    has_limit = np.isin(elm, with_limit)
    rate = np.where(has_limit & (rate > 0) & (rate < UNLIMITED_MVA), rate / base, np.inf)
    angle_min, angle_max = _angle_limits(net, elm, idx)
    return {"f": ppc2model[fb[live]], "t": ppc2model[tb[live]],
            "yff": yff, "yft": yft, "ytf": ytf, "ytt": ytt, "rate": rate,
            "branch_element": list(zip(elm.tolist(), idx.tolist())), "angle_min": angle_min, "angle_max": angle_max}


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


def checked_vm_limits(vm_limits) -> tuple[float, float] | None:
    """``vm_limits`` as a (min, max) pair of floats (p.u.), or None (the net's own limits). TypeError for anything
    but a pair of numbers, ValueError for a pair that is not 0 < min <= max < inf: caught here, not as Ipopt's
    "Ill-posed problem detected" or a bare unpacking error deep in the build."""
    if vm_limits is None:
        return None
    try:
        lo, hi = (float(v) for v in vm_limits)
    except (TypeError, ValueError) as err:
        raise TypeError(f"vm_limits must be a (min, max) pair of bus voltage limits in p.u., e.g. (0.9, 1.1), or "
                        f"None for the net's own limits; got {vm_limits!r}") from err
    if not (0 < lo <= hi < np.inf):
        raise ValueError(f"vm_limits={vm_limits!r} must be (min, max) with 0 < min <= max, finite (p.u.), e.g. "
                         f"(0.9, 1.1)" + ("; swap the two" if lo > hi > 0 else ""))
    return lo, hi


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


_COST_COLUMNS = {col.split("_")[0]: col for col in COST_COLUMNS}  # "cp2" -> "cp2_eur_per_mw2", ...


def unit_costs(coef, p_mw, q_mvar, constant: bool = True):
    """Each unit's cost per hour at ``(p_mw, q_mvar)`` (MW, Mvar): cp2 p^2 + cp1 p + cp0 + cq2 q^2 + cq1 q + cq0, the
    quadratic of pandapower's ``poly_cost`` that every OPF, result and judge of forlab prices units by. ``coef``: the
    coefficients by name (`NetworkModel.units`' columns, one unit's row, or numbers); ``p_mw``, ``q_mvar``: numpy or
    CasADi vectors, or one unit's numbers or Pyomo expressions. ``constant=False`` leaves out cp0 and cq0 (an
    objective term that only moves its value)."""
    # summed left to right in this order, so that every caller adds the same floating-point numbers the same way
    if not constant:
        return coef["cp2"] * p_mw**2 + coef["cp1"] * p_mw + coef["cq2"] * q_mvar**2 + coef["cq1"] * q_mvar
    return (coef["cp2"] * p_mw**2 + coef["cp1"] * p_mw + coef["cp0"] + coef["cq2"] * q_mvar**2
            + coef["cq1"] * q_mvar + coef["cq0"])


def _poly_costs(costs: pd.DataFrame, et: str, elements: np.ndarray) -> dict:
    """The quadratic P and Q cost coefficients (cp0 ... cq2) of the units ``elements`` of type ``et`` from
    ``net.poly_cost`` (the first entry where a unit has several, zero where it has none). NaN is not read as zero:
    `forlab.grid.validate.check_net` refuses a NaN coefficient before (a NaN cp2 would drop the quadratic term)."""
    out = {key: np.zeros(len(elements)) for key in _COST_COLUMNS}
    if not len(costs) or not len(elements):
        return out
    mine = costs[(costs.et == et).to_numpy()].drop_duplicates("element")
    pos = pd.Index(mine["element"].to_numpy()).get_indexer(elements)
    found = pos >= 0
    for key, col in _COST_COLUMNS.items():
        if col in mine.columns:
            out[key][found] = mine[col].to_numpy(float)[pos[found]]
    return out


def _charts(net, on: pd.DataFrame) -> dict:
    """Position (within ``on``, rows of ``net.sgen``) -> PQ chart of the FPUs among them (`forlab.grid.td.is_fpu`)."""
    fpu = is_fpu(net).reindex(on.index, fill_value=False).to_numpy(bool)
    return {int(k): _chart_of(on.iloc[k]) for k in np.flatnonzero(fpu)}


def _unit_block(net, et: str, df: pd.DataFrame, model_of_pd: pd.Series, base: float) -> tuple:
    """The in-service units of one element table ``df`` as rows of `NetworkModel.units`, their charts (by position)
    and which of them fix the angle (ext_grids, slack gens) with the angle (rad)."""
    big = 1e9
    on = df[df.in_service.astype(bool) & df.bus.isin(model_of_pd.index)]
    costs = net.poly_cost if "poly_cost" in net else pd.DataFrame()
    charts = _charts(net, on) if et == "sgen" else {}
    block = pd.DataFrame({
        "et": np.full(len(on), et, dtype=object), "element": on.index.to_numpy(int),
        "name": on["name"].to_numpy(object) if "name" in on.columns else None,
        "bus": model_of_pd.loc[on.bus].to_numpy(int), "bus_pd": on.bus.to_numpy(int),
        "pmin": _col(on, "min_p_mw", -big) / base, "pmax": _col(on, "max_p_mw", big) / base,
        "qmin": _col(on, "min_q_mvar", -big) / base, "qmax": _col(on, "max_q_mvar", big) / base,
        "fpu": np.isin(np.arange(len(on)), list(charts)), **_poly_costs(costs, et, on.index.to_numpy()),
    })
    if et == "ext_grid":
        is_ref = np.ones(len(on), bool)
    else:
        is_ref = _col(on, "slack", 0.0).astype(bool) if et == "gen" else np.zeros(len(on), bool)
    return block, charts, is_ref, np.deg2rad(_col(on, "va_degree", 0.0))


def _units(net, model_of_pd: pd.Series, base: float) -> dict:
    """The controllable units (ext_grid, gen, controllable sgen, in that order) with limits (p.u.; unbounded where the
    net gives none), costs and charts, and the reference buses (ext_grids and slack gens) with their angles."""
    sgen = net.sgen
    ctrl = _controllable_sgen(sgen)
    blocks, charts, ref, va_ref = [], {}, [], []
    n = 0
    for et, df in (("ext_grid", net.ext_grid), ("gen", net.gen), ("sgen", sgen[ctrl] if len(sgen) else sgen)):
        if not len(df):
            continue
        block, block_charts, is_ref, va = _unit_block(net, et, df, model_of_pd, base)
        blocks.append(block)
        charts.update({n + k: chart for k, chart in block_charts.items()})
        ref.append(block["bus"].to_numpy(int)[is_ref])
        va_ref.append(va[is_ref])
        n += len(block)
    units = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    # one angle reference per model bus (the first unit's angle where several share a bus)
    ref_arr, first_ref = np.unique(np.concatenate(ref or [np.zeros(0, int)]), return_index=True)
    return {"units": units, "charts": charts, "ref": ref_arr,
            "va_ref": np.concatenate(va_ref or [np.zeros(0)])[first_ref]}


def build_network(net, vm_limits: tuple[float, float] | None = None, trafo_model: str = "pi") -> NetworkModel:
    """Read a pandapower net into a `NetworkModel`: the data of the AC power-flow equations (bus injection model in
    polar voltages, pi branches with pandapower's admittances) that `NetworkModel`'s methods write as expressions.

    vm_limits: (min, max) p.u. applied to every bus instead of ``net.bus.min_vm_pu/max_vm_pu``.
    Raises TypeError/ValueError for ``vm_limits`` that are no (min, max) pair with 0 < min <= max
    (`checked_vm_limits`), ValueError for data `forlab.grid.validate.check_net` refuses (islands, NaN/inf data or
    cost coefficients, min > max limits, sn_mva <= 0), elements the engine does not model (listed in UNSUPPORTED_ELEMENTS), piecewise-linear costs, or a
    net without slack.
    """
    from pandapower.pypower.idx_bus import BS, GS

    vm_limits = checked_vm_limits(vm_limits)
    check_net(net)
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
