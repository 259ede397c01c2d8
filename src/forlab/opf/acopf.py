"""The AC optimal power flow of a pandapower net with CasADi + Ipopt.

`ACOPF(net)` builds the NLP once (polar voltages, exact second derivatives by automatic differentiation) with the bus
demand as CasADi parameters, so that a sweep re-solves the same model with new loads and a warm start. Later problems
(the DSO's direction/projection OPFs, the TSO's FOR-based and surrogate-based OPFs) compose it with `Extension`s that add
variables, parameters, demand, constraints and objective terms, without writing the AC equations again:
``ACOPF(net, extensions=[Extension(variables=..., constraints=..., objective=...)])``.

The AC network equations are written on vectors indexed by the branch ends; from `MX_FROM_BUSES` buses on they form an
MX graph, whose derivatives CasADi builds far faster than those of the equivalent SX graph (same NLP, same iterates).

`solve(net)` is the one-call form: build, initialise from a pandapower power flow, solve, return an `OPFResult`.
A failed or infeasible solve is a result with ``success=False`` and Ipopt's status, never an exception.
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import casadi as ca
import numpy as np
import pandas as pd

from forlab.opf.judge import dispatch_from_result, set_dispatch
from forlab.opf.network import NetworkModel, build_network, checked_vm_limits, unit_costs

# Ipopt options of a primal-dual warm start: keep the start point and its multipliers where they are and begin with a
# small barrier parameter, so that a start near the solution is not pushed back into the interior.
WARM_START_IPOPT = {
    "warm_start_init_point": "yes",
    "warm_start_bound_push": 1e-9,
    "warm_start_bound_frac": 1e-9,
    "warm_start_slack_bound_push": 1e-9,
    "warm_start_slack_bound_frac": 1e-9,
    "warm_start_mult_bound_push": 1e-9,
    "mu_init": 1e-6,
}

DEFAULT_IPOPT = {
    "tol": 1e-8,
    "acceptable_tol": 1e-6,
    "max_iter": 500,
    "print_level": 0,
    "sb": "yes",
    "mu_strategy": "adaptive",
    "linear_solver": "mumps",
}


@dataclass
class Symbols:
    """CasADi symbols of one ACOPF, handed to the extensions. Unit set-points pg/qg and demand pd/qd in p.u.;
    ``extra_x`` / ``extra_p``: the extensions' variables / parameters by name."""

    va: ca.SX
    vm: ca.SX
    pg: ca.SX
    qg: ca.SX
    pd: ca.SX
    qd: ca.SX
    extra_x: dict = field(default_factory=dict)
    extra_p: dict = field(default_factory=dict)


@dataclass
class Extension:
    """What one problem adds to the base AC-OPF. Every callable gets ``(model: NetworkModel, sym: Symbols)``.

    variables: name -> (size, lb, ub) of additional decision variables (``sym.extra_x[name]``; ``res.extra[name]``).
    parameters: name -> size of additional parameters (``sym.extra_p[name]``; passed by name to `ACOPF.solve`).
    demand: -> (dp, dq): expressions (p.u., length nb) added to the bus demand, e.g. the import of a DS represented
        by decision variables at its PCC bus.
    constraints: -> list of (expr, lb, ub) rows (bounds broadcast to the expression's length).
    objective: -> iterable of terms added one by one to the objective (after the unit cost, see ``ACOPF(unit_cost=)``).
    """

    variables: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    demand: Callable | None = None
    constraints: Callable | None = None
    objective: Callable | None = None


@dataclass
class OPFResult:
    """Outcome of one AC-OPF solve. Powers in MW/Mvar, voltages in p.u./degrees, prices per MWh.

    ``objective`` is the value of the NLP objective (for a cost OPF: the case's cost per hour, e.g. $/h).
    ``res_bus`` (index: pandapower bus) has vm_pu, va_degree, lam_p (nodal price of active power), lam_q.
    ``res_units`` has one row per controllable unit (et, element, bus, p_mw, q_mvar, cost).
    ``res_branch`` has one row per in-service branch (element, index, p/q at both ends, loading_percent of its
    apparent-power limit where it has one).
    """

    success: bool
    status: str
    objective: float
    iterations: int
    solve_time_s: float
    build_time_s: float
    res_bus: pd.DataFrame
    res_units: pd.DataFrame
    res_branch: pd.DataFrame
    x: np.ndarray
    lam_g: np.ndarray
    lam_x: np.ndarray
    extra: dict = field(default_factory=dict)

    @property
    def unit_cost(self) -> float:
        """Sum of unit costs per hour at the solution (equals ``objective`` for a plain cost OPF)."""
        return float(self.res_units["cost"].sum())

    def summary(self) -> dict:
        return {"success": self.success, "status": self.status, "objective": self.objective,
                "iterations": self.iterations, "solve_time_s": self.solve_time_s}


class _Rows:
    """Constraint rows g(x, p) with their bounds, in the order they are added (that order is the NLP's)."""

    def __init__(self):
        self.g, self.lb, self.ub = [], [], []

    def add(self, expr, lb, ub) -> None:
        n = expr.numel()
        self.g.append(expr)
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (n,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (n,)).copy())


INITS = ("pf", "flat", "powermodels")
"""The cold starts of `ACOPF.initial_point`: the power flow of the net (the book's default), flat, or PowerModels.jl's
default start (the one PGLib-OPF's published baseline solves from, so that a comparison with it starts alike)."""

MX_FROM_BUSES = 200
"""`ACOPF(graph="auto")` writes the AC network equations as an MX graph (a few vector operations; CasADi builds its
derivatives in a fraction of the time an SX graph with one node per branch operation needs) from this many model
buses on, below it as SX. Chosen by measurement (`forlab.opf.bench.build_and_solve_times`, graph="SX" vs "MX"): on
case300 and larger MX builds 3-10x faster and solves as fast; on case9-case118 SX solves faster (MX's per-call
overhead), which a sweep of many solves of one small model (the DSO's FOR sampling) pays every time."""


def graph_kind(graph: str, nb: int) -> str:
    """The CasADi expression type ("SX" or "MX") of an NLP over ``nb`` model buses for the choice ``graph``: "SX",
    "MX" or "auto" (`MX_FROM_BUSES`)."""
    if graph == "auto":
        return "MX" if nb >= MX_FROM_BUSES else "SX"
    if graph not in ("SX", "MX"):
        raise ValueError(f"graph must be 'auto', 'SX' or 'MX', not {graph!r}")
    return graph


def _merged(extensions: Sequence[Extension], what: str) -> dict:
    """The extensions' variables or parameters in one dict (extension order); a name may be declared once."""
    out: dict = {}
    for ext in extensions:
        for name, spec in getattr(ext, what).items():
            if name in out or name in ("va", "vm", "pg", "qg", "pd", "qd"):
                raise ValueError(f"{what[:-1]} name {name!r} is declared twice or names a base symbol")
            out[name] = spec
    return out


class ACOPF:
    """An AC-OPF model of one pandapower net, built once and solved many times.

    The base NLP: min total unit cost per hour over polar bus voltages (va, vm) and unit set-points (pg, qg), s.t.
    the AC nodal balance, branch apparent-power limits at both ends, branch angle-difference limits, the PQ charts of
    flexibility-providing units and the voltage/unit bounds (`forlab.opf.network` has the AC equations). Variables
    are ordered x = (va, vm, pg, qg, extension variables), parameters p = (pd, qd, extension parameters), constraint
    rows g = (P balance, Q balance, branch limits, angle-difference limits, charts, extension constraints).

    Parameters:
        net: pandapower net; ext_grid/gen/controllable sgen are units with P/Q limits and ``poly_cost``; a
            controllable sgen with a ``chart`` column entry is a flexibility-providing unit bound by its PQ chart.
        vm_limits: (min, max) p.u. for every bus instead of the net's own bus limits.
        extensions: `Extension`s composed with the base problem, in order.
        unit_cost: start the objective from the total unit cost per hour; False when the extensions' objective
            terms are the whole objective (the DSO's direction/projection OPFs).
        ipopt: Ipopt options overriding `DEFAULT_IPOPT`.
        branch_limits: impose branch apparent-power limits (both ends).
        graph: "SX", "MX" or "auto" (MX from `MX_FROM_BUSES` model buses on): the CasADi expression type of the
            AC network equations; the extensions always receive SX symbols. Same NLP, same solution either way.
    """

    def __init__(
        self,
        net,
        *,
        vm_limits: tuple[float, float] | None = None,
        extensions: Iterable[Extension] = (),
        unit_cost: bool = True,
        ipopt: dict | None = None,
        branch_limits: bool = True,
        graph: str = "auto",
    ):
        t0 = time.perf_counter()
        self.net = net
        self.vm_limits = checked_vm_limits(vm_limits)
        self.model: NetworkModel = build_network(net, vm_limits=self.vm_limits)
        self.graph = graph_kind(graph, self.model.nb)
        self.extensions = list(extensions)
        self.extra_variables = _merged(self.extensions, "variables")
        self.extra_parameters = _merged(self.extensions, "parameters")
        self.sym = self._symbols()
        x, p, objective, side = self._side_problem(unit_cost)
        rows = _Rows()
        self._add_network_rows(rows, x, side, branch_limits)
        rows.g.append(side["g"])
        rows.lb += side["rows"].lb
        rows.ub += side["rows"].ub
        self.lbg, self.ubg = np.concatenate(rows.lb), np.concatenate(rows.ub)
        self.lbx, self.ubx = self._bounds()
        self._build_solver(x, p, rows.g, objective, ipopt)
        self.slices = self._slices()
        self.build_time_s = time.perf_counter() - t0
        self._pd0, self._qd0 = self.model.pd.copy(), self.model.qd.copy()
        self._starts: dict[str, np.ndarray] = {}  # `initial_point`'s, by kind, at these loads

    # ------------------------------------------------------------------ the NLP, step by step
    def set_loads(self, net) -> None:
        """Solve from now on at the loads of ``net``: the same grid as the one built on, other loads. The bus demand
        is a parameter of the NLP already; what a solve reads from the net besides is its default demand and the net
        the power-flow start is computed on, both set here, so that a solve after this is the solve of a model built
        on ``net`` (a sweep over load levels builds one model per grid). The voltage limits stay the model's (bounds
        of the built NLP, which new loads do not change).

        ValueError when ``net`` has other buses or units than the model's grid (build an `ACOPF` on it instead)."""
        demand = build_network(net)  # the net's fixed demand in the model's per unit, by the model's own rules
        self._check_same_grid(demand)
        self.net = net
        self._pd0, self._qd0 = demand.pd.copy(), demand.qd.copy()
        self._starts = {}  # computed at the old loads

    def _check_same_grid(self, other: NetworkModel) -> None:
        """ValueError unless ``other`` has this model's buses and units (another grid would meet the NLP as a
        dimension mismatch inside CasADi at the next solve)."""
        m = self.model
        same = (other.nb == m.nb and other.ng == m.ng and other.bus_lookup.equals(m.bus_lookup)
                and _unit_keys(other) == _unit_keys(m))
        if not same:
            raise ValueError(f"set_loads needs a net of the grid this model was built on ('{m.net_name}': {m.nb} "
                             f"buses, {m.ng} units); '{other.net_name}' has {other.nb} buses and {other.ng} units "
                             f"or others: build an ACOPF on it instead")

    def _symbols(self) -> Symbols:
        """Decision variables and parameters; created in NLP order (base, then the extensions')."""
        m = self.model
        va, vm = ca.SX.sym("va", m.nb), ca.SX.sym("vm", m.nb)
        pg, qg = ca.SX.sym("pg", m.ng), ca.SX.sym("qg", m.ng)
        pd_, qd_ = ca.SX.sym("pd", m.nb), ca.SX.sym("qd", m.nb)
        ex = {k: ca.SX.sym(k, int(v[0])) for k, v in self.extra_variables.items()}
        ep = {k: ca.SX.sym(k, int(v)) for k, v in self.extra_parameters.items()}
        return Symbols(va, vm, pg, qg, pd_, qd_, ex, ep)

    def _side_problem(self, unit_cost: bool) -> tuple:
        """Everything but the AC network equations, in the extensions' SX symbols: the bus demand (parameters plus
        what the extensions add), the chart and extension rows, the objective. With an MX graph they become one SX
        function called on the MX variables x and parameters p, so CasADi differentiates them as one small block.
        Returns (x, p, objective, side) with side = {"pd", "qd", "g" (the side rows' expression), "rows" (bounds)}."""
        s = self.sym
        x = ca.vertcat(s.va, s.vm, s.pg, s.qg, *s.extra_x.values())
        p = ca.vertcat(s.pd, s.qd, *s.extra_p.values())
        pd_, qd_ = s.pd, s.qd
        demand = [ext.demand for ext in self.extensions if ext.demand is not None]
        for add in demand:
            dp, dq = add(self.model, s)
            pd_, qd_ = pd_ + dp, qd_ + dq
        rows = _Rows()
        self._add_charts(rows)
        self._add_extension_constraints(rows)
        g = ca.vertcat(ca.SX(0, 1), *rows.g)
        objective = self._objective(unit_cost)
        if self.graph == "SX":
            return x, p, objective, {"pd": pd_, "qd": qd_, "g": g, "rows": rows}
        side = ca.Function("side", [x, p], [objective, g, pd_, qd_])
        xm, pm = ca.MX.sym("x", x.numel()), ca.MX.sym("p", p.numel())
        f, gm, pdm, qdm = side(xm, pm)
        if not demand:  # the demand is the parameters themselves: no detour through the side function
            pdm, qdm = pm[: self.model.nb], pm[self.model.nb : 2 * self.model.nb]
        return xm, pm, f, {"pd": pdm, "qd": qdm, "g": gm, "rows": rows}

    def _add_network_rows(self, rows: _Rows, x, side: dict, branch_limits: bool) -> None:
        """The AC network rows on x (va, vm, pg, qg first): nodal balance (P rows, then Q rows: their multipliers
        are the nodal prices, see `_result`), apparent-power limits at both ends of the limited branches
        (squared, <= rating^2) when ``branch_limits``, MATPOWER's angle-difference limits ANGMIN <= va_f - va_t <=
        ANGMAX. The branch flows enter balance and limits: one expression for both (vectors indexed by the branch
        ends, so an MX graph holds a few vector operations, not one node per branch)."""
        m = self.model
        nb, ng = m.nb, m.ng
        va, vm = x[:nb], x[nb : 2 * nb]
        pg, qg = x[2 * nb : 2 * nb + ng], x[2 * nb + ng : 2 * nb + 2 * ng]
        self.flows = m.branch_flows(va, vm)
        gp, gq = m.balance(va, vm, pg, qg, side["pd"], side["qd"], flows=self.flows)
        rows.add(gp, 0.0, 0.0)
        rows.add(gq, 0.0, 0.0)
        self._n_balance = 2 * nb
        on = branch_limits and len(m.limited)
        if on:
            s2, lim2 = m.branch_limits(va, vm, flows=self.flows)
            rows.add(s2, -np.inf, lim2)
        self._n_branch = 2 * len(m.limited) if on else 0
        lim = m.angle_limited
        if lim.any():
            rows.add(m.angle_differences(va), m.angle_min[lim], m.angle_max[lim])
        self._n_angle = int(lim.sum())

    def _add_charts(self, rows: _Rows) -> None:
        """The PQ chart of every flexibility-providing unit (MW/Mvar rows of `forlab.grid.capability`)."""
        cg, clb, cub = self.model.chart_constraints(self.sym.pg, self.sym.qg)
        if cg.numel():
            rows.add(cg, clb, cub)

    def _add_extension_constraints(self, rows: _Rows) -> None:
        for ext in self.extensions:
            if ext.constraints is not None:
                for expr, lb, ub in ext.constraints(self.model, self.sym):
                    rows.add(expr, lb, ub)

    def _objective(self, unit_cost: bool):
        """Unit cost per hour (unless switched off), then each extension's terms, added in order."""
        m, s = self.model, self.sym
        terms = [m.unit_cost(s.pg, s.qg)] if unit_cost else []
        for ext in self.extensions:
            if ext.objective is not None:
                terms += list(ext.objective(m, s))
        if not terms:
            return ca.SX(0)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Variable bounds: angles free but the slack's fixed, voltage limits, unit limits, extension bounds."""
        m = self.model
        va_lo, va_hi = np.full(m.nb, -np.inf), np.full(m.nb, np.inf)
        va_lo[m.ref] = m.va_ref
        va_hi[m.ref] = m.va_ref
        u = m.units
        lbx = [va_lo, m.vmin] + ([u["pmin"].to_numpy(float), u["qmin"].to_numpy(float)] if m.ng else [])
        ubx = [va_hi, m.vmax] + ([u["pmax"].to_numpy(float), u["qmax"].to_numpy(float)] if m.ng else [])
        for size, lb, ub in self.extra_variables.values():
            lbx.append(np.broadcast_to(np.asarray(lb, float), (int(size),)))
            ubx.append(np.broadcast_to(np.asarray(ub, float), (int(size),)))
        return (np.concatenate([np.asarray(a, float).ravel() for a in lbx]),
                np.concatenate([np.asarray(a, float).ravel() for a in ubx]))

    def _build_solver(self, x, p, g: list, objective, ipopt: dict | None) -> None:
        """The CasADi NLP and its Ipopt solver (the warm-start variant is built on first use, `warm_solver`)."""
        self.nx, self.np = x.numel(), p.numel()
        self._g_fn = ca.Function("g", [x, p], [ca.vertcat(*g)])
        opts = dict(DEFAULT_IPOPT)
        opts.update(ipopt or {})
        nlp = {"x": x, "p": p, "f": objective, "g": ca.vertcat(*g)}
        self._nlp, self._ipopt_opts = nlp, opts
        self.solver = ca.nlpsol(
            "acopf", "ipopt", nlp, {"ipopt": opts, "print_time": False, "error_on_fail": False}
        )
        self._warm_solver = None

    # ------------------------------------------------------------------ layout
    def _slices(self) -> dict:
        m = self.model
        sl, k = {}, 0
        for name, n in (("va", m.nb), ("vm", m.nb), ("pg", m.ng), ("qg", m.ng)):
            sl[name] = slice(k, k + n)
            k += n
        for name, (size, _lb, _ub) in self.extra_variables.items():
            sl[name] = slice(k, k + int(size))
            k += int(size)
        return sl

    def parameter_vector(self, pd_: np.ndarray | None = None, qd_: np.ndarray | None = None, **extra) -> np.ndarray:
        """Stack demand (p.u., model bus order; default: the net's demand) and extra parameters. ValueError for a
        demand vector of another length than the model's bus count."""
        parts = [self._pd0 if pd_ is None else self._bus_vector(pd_, "pd_"),
                 self._qd0 if qd_ is None else self._bus_vector(qd_, "qd_")]
        for name, size in self.extra_parameters.items():
            if name not in extra:
                raise ValueError(f"parameter '{name}' (size {size}) is required by this model")
            parts.append(np.broadcast_to(np.asarray(extra[name], float), (int(size),)))
        unknown = set(extra) - set(self.extra_parameters)
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}; this model declares {list(self.extra_parameters)}")
        return np.concatenate(parts)

    def _bus_vector(self, values, name: str) -> np.ndarray:
        """``values`` as one float per model bus; ValueError naming ``name`` otherwise."""
        v = np.asarray(values, float).ravel()
        if len(v) != self.model.nb:
            raise ValueError(f"{name} has {len(v)} entries; give one per model bus ({self.model.nb}, p.u., in the "
                             f"order of model.bus_pd), or None for the net's demand")
        return v

    # ------------------------------------------------------------------ initial points
    def initial_point(self, init: str = "pf") -> np.ndarray:
        """A starting point: "pf", "flat" (angles 0, voltages 1 p.u., units mid-range in P, 0 in Q) or
        "powermodels" (the flat voltages, every unit at zero output moved into its limits, in P and Q: the default
        start of PowerModels.jl, which PGLib-OPF's baseline solves from, `INITS`).

        "pf": the pandapower power flow of the net as given, with voltages and units clipped to their bounds; the
        flat point instead when the power flow fails, or when the clipped point has the larger nodal power mismatch
        (`start_mismatch`). Clipping breaks a power flow whose voltages lie outside the bus limits: DS buses fed
        above their limit from the TS (a large T+D net) leave a large reactive mismatch across the stiff PCC
        transformers, from which Ipopt's iterations stall (restoration, heavy regularisation, MUMPS running out of
        workspace) while the flat start converges as usual.

        Each kind is computed once per loads (`set_loads` forgets them) and a copy returned: the power flow is the
        operator's state estimate, not part of a solve, so repeated solves of one model (the fastest of repeats, a
        DSO's requests at one load level) neither repeat nor time it. The one cache of the book's starts: P1's DSO
        and TSO models start from theirs (`forlab.p1_for.dso_opf.DSOModel`, `forlab.p1_for.tso.TSOForOPF`).
        """
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, not {init!r}")
        if init not in self._starts:
            self._starts[init] = self._computed_start(init)
        return self._starts[init].copy()

    def _computed_start(self, init: str) -> np.ndarray:
        """`initial_point` of the kind ``init``, computed."""
        if init == "powermodels":
            return self._start_vector(*self._powermodels_start())
        flat = self._start_vector(*self._flat_start())
        if init == "flat":
            return flat
        pf = self._power_flow_start()
        if pf is None:  # the power flow failed: start flat
            return flat
        x_pf = self._start_vector(*pf)
        return x_pf if self.start_mismatch(x_pf) <= self.start_mismatch(flat) else flat

    def _flat_start(self) -> tuple:
        """(va, vm, pg, qg) of the flat start: the slack's angle, 1 p.u. within limits, units mid-range (P) / 0 (Q)."""
        m = self.model
        va = np.zeros(m.nb)
        va[m.ref] = m.va_ref
        vm = np.clip(np.ones(m.nb), m.vmin, m.vmax)
        if not m.ng:
            return va, vm, [], []
        u = m.units
        pg = 0.5 * (np.maximum(u["pmin"], -10) + np.minimum(u["pmax"], 10)).to_numpy(float)
        qg = np.clip(np.zeros(m.ng), u["qmin"].to_numpy(float), u["qmax"].to_numpy(float))
        return va, vm, pg, qg

    def _powermodels_start(self) -> tuple:
        """(va, vm, pg, qg) of PowerModels.jl's default start: the flat voltages, units at zero output clipped to
        their limits (its ``pg_start`` and ``qg_start`` default to 0; Ipopt then pushes the point inside)."""
        va, vm, _pg, qg = self._flat_start()
        if not self.model.ng:
            return va, vm, [], []
        u = self.model.units
        return va, vm, np.clip(np.zeros(self.model.ng), u["pmin"].to_numpy(float), u["pmax"].to_numpy(float)), qg

    def _start_vector(self, va, vm, pg, qg) -> np.ndarray:
        """The NLP start vector: base variables (voltages clipped to their limits), extension variables mid-range
        (or at their one finite bound, else 0)."""
        m = self.model
        x0 = np.zeros(self.nx)
        x0[self.slices["va"]] = va
        x0[self.slices["vm"]] = np.clip(vm, m.vmin, m.vmax)
        if m.ng:
            x0[self.slices["pg"]] = pg
            x0[self.slices["qg"]] = qg
        for name, (_size, lb, ub) in self.extra_variables.items():
            lo, hi = np.asarray(lb, float), np.asarray(ub, float)
            mid = np.where(np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi), np.where(np.isfinite(lo), lo, 0.0))
            x0[self.slices[name]] = np.where(np.isfinite(hi) & ~np.isfinite(lo), hi, mid)
        return x0

    def start_mismatch(self, x0: np.ndarray) -> float:
        """Largest nodal P or Q mismatch (p.u.) of a start vector at the net's own demand (extensions' demand left
        out: the candidate starts share the extension variables)."""
        m, sl = self.model, self.slices
        gp, gq = m.balance(x0[sl["va"]], x0[sl["vm"]], x0[sl["pg"]], x0[sl["qg"]], self._pd0, self._qd0)
        return float(np.abs(np.concatenate([np.asarray(gp).ravel(), np.asarray(gq).ravel()])).max())

    def _power_flow_start(self):
        """`power_flow_point` of the model's net."""
        return power_flow_point(self.net, self.model)

    # ------------------------------------------------------------------ solve
    def solve(
        self,
        pd_: np.ndarray | None = None,
        qd_: np.ndarray | None = None,
        *,
        x0: np.ndarray | OPFResult | None = None,
        init: str = "pf",
        lbx: np.ndarray | None = None,
        ubx: np.ndarray | None = None,
        **extra_params,
    ) -> OPFResult:
        """Solve for the given demand (p.u., model bus order) and extra parameters.

        x0: a start vector or a previous `OPFResult` (its primal point); else `initial_point(init)`. An `OPFResult`'s
            multipliers are handed to Ipopt too, but Ipopt uses them only with init="warm" (its
            ``warm_start_init_point``); otherwise it computes its own, so the start is a primal one.
        init: one of `INITS` or, with an `OPFResult` as x0, "warm": a primal-dual warm start (`WARM_START_IPOPT`: the
            start and its multipliers are kept, the barrier starts small), worth it when x0 solved a nearby problem
            of this model.
        lbx, ubx: variable bounds replacing the model's for this solve (e.g. to fix a PCC operating point).
        """
        solver = self.solver
        if init == "warm":
            if not isinstance(x0, OPFResult):
                raise ValueError("init='warm' needs a previous OPFResult of this model as x0 (primal and dual start)")
            solver = self.warm_solver()
        p = self.parameter_vector(pd_, qd_, **extra_params)
        args = {"p": p, "lbx": self.lbx if lbx is None else lbx, "ubx": self.ubx if ubx is None else ubx,
                "lbg": self.lbg, "ubg": self.ubg}
        if isinstance(x0, OPFResult):
            args.update(x0=x0.x, lam_g0=x0.lam_g, lam_x0=x0.lam_x)
        elif x0 is not None:
            args["x0"] = np.asarray(x0, float)
        else:
            args["x0"] = self.initial_point(init)
        t0 = time.perf_counter()
        sol = solver(**args)
        dt = time.perf_counter() - t0
        stats = solver.stats()
        res = self._result(sol, stats, dt, p)
        res.extra["max_violation"] = self.max_violation(res, p, args["lbx"], args["ubx"])
        return res

    def warm_solver(self):
        """The same NLP with Ipopt's primal-dual warm-start options (built on first use, then cached)."""
        if self._warm_solver is None:
            opts = {**self._ipopt_opts, **WARM_START_IPOPT}
            self._warm_solver = ca.nlpsol(
                "acopf_warm", "ipopt", self._nlp, {"ipopt": opts, "print_time": False, "error_on_fail": False}
            )
        return self._warm_solver

    def _result(self, sol, stats, dt, p) -> OPFResult:
        m = self.model
        x = np.asarray(sol["x"]).ravel()
        lam_g = np.asarray(sol["lam_g"]).ravel()
        lam_x = np.asarray(sol["lam_x"]).ravel()
        va, vm = x[self.slices["va"]], x[self.slices["vm"]]
        pg, qg = x[self.slices["pg"]], x[self.slices["qg"]]
        base = m.base_mva
        # nodal prices: d(objective)/d(demand); demand enters the balance with +1 (p.u.), so price = lambda / base
        lam_p = lam_g[: m.nb] / base
        lam_q = lam_g[m.nb : 2 * m.nb] / base
        bus_rows = m.bus_lookup.to_numpy()
        res_bus = pd.DataFrame(
            {"vm_pu": vm[bus_rows], "va_degree": np.rad2deg(va[bus_rows]), "lam_p": lam_p[bus_rows],
             "lam_q": lam_q[bus_rows]},
            index=m.bus_lookup.index,
        )
        res_bus.index.name = "bus"
        u = m.units
        pmw, qmv = pg * base, qg * base
        cost = unit_costs(u, pmw, qmv)
        res_units = pd.DataFrame(
            {"et": u["et"], "element": u["element"], "bus": u["bus_pd"], "fpu": u["fpu"], "p_mw": pmw,
             "q_mvar": qmv, "cost": cost}
        )
        pf, qf, pt, qt = m.branch_flows(va, vm)
        sf = np.hypot(pf, qf)
        st = np.hypot(pt, qt)
        with np.errstate(divide="ignore", invalid="ignore"):
            loading = np.where(np.isfinite(m.rate), 100 * np.maximum(sf, st) / m.rate, np.nan)
        res_branch = pd.DataFrame(
            {"element": [e for e, _ in m.branch_element], "index": [i for _, i in m.branch_element],
             "p_from_mw": pf * base, "q_from_mvar": qf * base, "p_to_mw": pt * base, "q_to_mvar": qt * base,
             "pl_mw": (pf + pt) * base, "loading_percent": loading}
        )
        extra = {name: x[sl] for name, sl in self.slices.items() if name not in ("va", "vm", "pg", "qg")}
        status = str(stats.get("return_status", "unknown"))
        success = bool(stats.get("success", False)) or status in ("Solve_Succeeded", "Solved_To_Acceptable_Level")
        return OPFResult(
            success=success, status=status, objective=float(sol["f"]), iterations=int(stats.get("iter_count", -1)),
            solve_time_s=dt, build_time_s=self.build_time_s, res_bus=res_bus, res_units=res_units,
            res_branch=res_branch, x=x, lam_g=lam_g, lam_x=lam_x, extra=extra,
        )

    def max_violation(self, result: OPFResult, p=None, lbx=None, ubx=None) -> float:
        """Largest constraint or bound violation of a result (p.u. / chart units)."""
        p = self.parameter_vector() if p is None else p
        lbx = self.lbx if lbx is None else lbx
        ubx = self.ubx if ubx is None else ubx
        g = np.asarray(self._g_fn(result.x, p)).ravel()
        v = np.concatenate([self.lbg - g, g - self.ubg, lbx - result.x, result.x - ubx])
        v = v[np.isfinite(v)]
        return float(max(0.0, v.max())) if len(v) else 0.0


def _unit_keys(model: NetworkModel) -> list:
    """(element type, index) of each unit of ``model``, in model order."""
    u = model.units
    return list(zip(u["et"], u["element"])) if len(u) else []


def power_flow_point(net, model: NetworkModel) -> tuple | None:
    """(va, vm, pg, qg) of pandapower's power flow of ``net`` as given, on ``model``'s buses and units (rad, p.u.;
    units clipped to their limits, voltages not: the caller clips them where it builds its start); None when the power
    flow fails. The one power-flow start of the book: the centralized AC-OPF's (`ACOPF.initial_point`) and ALADIN's
    regions' (`forlab.p3_aladin.opf_regions.problem.power_flow_start`), so that both start from the same point."""
    import pandapower as pp

    net = copy.deepcopy(net)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # numba compiles for ~3.5 s on first use in a process: worth it only for large nets
            pp.runpp(net, init="dc", calculate_voltage_angles=True, numba=model.nb > 1000, trafo_model="pi",
                     max_iteration=30)
    except Exception:  # noqa: BLE001 - pandapower raises on a power flow that does not converge: no point
        return None
    va = np.deg2rad(net.res_bus.loc[model.bus_pd, "va_degree"].to_numpy(float))
    vm = net.res_bus.loc[model.bus_pd, "vm_pu"].to_numpy(float)
    if not net.converged or not (np.all(np.isfinite(vm)) and np.all(np.isfinite(va))):
        return None
    pg, qg = np.zeros(model.ng), np.zeros(model.ng)
    for k, row in model.units.iterrows():
        res = net[f"res_{row.et}"].loc[row.element]
        pg[k], qg[k] = res.p_mw / model.base_mva, res.q_mvar / model.base_mva
    u = model.units
    pg = np.clip(np.nan_to_num(pg), u["pmin"].to_numpy(float), u["pmax"].to_numpy(float))
    qg = np.clip(np.nan_to_num(qg), u["qmin"].to_numpy(float), u["qmax"].to_numpy(float))
    return va, vm, pg, qg


def solve(net, *, init: str = "pf", **options) -> OPFResult:
    """Build the AC-OPF of ``net`` and solve it once (see `ACOPF` for the options)."""
    return ACOPF(net, **options).solve(init=init)


def apply_dispatch(net, result: OPFResult) -> None:
    """Write an OPF solution into ``net`` as power-flow set-points, as the judge writes any dispatch
    (`forlab.opf.judge.set_dispatch` of `forlab.opf.judge.dispatch_from_result`): generators get their P and voltage
    set-point, the slack its voltage and angle, controllable sgens their P and Q, so that ``pandapower.runpp(net)``
    reproduces the OPF's operating point."""
    set_dispatch(net, dispatch_from_result(result))


def power_flow_check(net, result: OPFResult) -> dict:
    """Check an OPF solution against pandapower's Newton-Raphson power flow.

    The dispatch is written into a copy of ``net`` (`apply_dispatch`) and ``runpp`` solved with the same branch
    model as the OPF (pi transformers). Returns the power flow's convergence and the largest differences in voltage
    magnitude (p.u.) and angle (degrees) between the two, and in slack active power (MW).
    """
    import pandapower as pp

    net = copy.deepcopy(net)
    apply_dispatch(net, result)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for init in ("results" if len(net.res_bus) else "dc", "dc"):  # the OPF's own point first, then a DC start
            try:
                pp.runpp(net, calculate_voltage_angles=True, trafo_model="pi", init=init, tolerance_mva=1e-10,
                         max_iteration=30, numba=len(net.bus) > 1000)
                break
            except Exception:  # noqa: BLE001, S112 - a power flow that does not converge is a finding, not a crash
                continue
        else:
            return {"converged": False, "max_dvm_pu": np.nan, "max_dva_degree": np.nan, "max_dp_slack_mw": np.nan}
    buses = result.res_bus.index
    dvm = np.abs(net.res_bus.loc[buses, "vm_pu"].to_numpy() - result.res_bus["vm_pu"].to_numpy())
    dva = np.abs(net.res_bus.loc[buses, "va_degree"].to_numpy() - result.res_bus["va_degree"].to_numpy())
    ext = result.res_units[result.res_units.et == "ext_grid"]
    dp = float(np.max(np.abs(net.res_ext_grid.loc[ext.element, "p_mw"].to_numpy() - ext.p_mw.to_numpy()))) if len(ext) else 0.0
    return {"converged": bool(net.converged), "max_dvm_pu": float(dvm.max()), "max_dva_degree": float(dva.max()),
            "max_dp_slack_mw": dp}
