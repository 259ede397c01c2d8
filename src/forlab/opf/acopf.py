"""The AC optimal power flow of a pandapower net with CasADi + Ipopt.

`ACOPF(net)` builds the NLP once (polar voltages, exact second derivatives by automatic differentiation) with the bus
demand as CasADi parameters, so that a sweep re-solves the same model with new loads and a warm start. Hooks let later
problems (DSO direction/projection OPFs, the TSO's FOR-based OPF, ALADIN regions) add variables, parameters,
constraints and objective terms without writing the AC equations again.

`solve(net)` is the one-call form: build, initialise from a pandapower power flow, solve, return an `OPFResult`.
A failed or infeasible solve is a result with ``success=False`` and Ipopt's status, never an exception.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import casadi as ca
import numpy as np
import pandas as pd

from forlab.opf.network import NetworkModel, build_network

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
    """CasADi symbols of one ACOPF, handed to the hooks. Unit set-points pg/qg and demand pd/qd in p.u."""

    va: ca.SX
    vm: ca.SX
    pg: ca.SX
    qg: ca.SX
    pd: ca.SX
    qd: ca.SX
    extra_x: dict = field(default_factory=dict)
    extra_p: dict = field(default_factory=dict)


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
        return dict(
            success=self.success, status=self.status, objective=self.objective, iterations=self.iterations,
            solve_time_s=self.solve_time_s,
        )


class ACOPF:
    """An AC-OPF model of one pandapower net, built once and solved many times.

    Parameters:
        net: pandapower net; ext_grid/gen/controllable sgen are units with P/Q limits and ``poly_cost``; a
            controllable sgen with a ``chart`` column entry is a flexibility-providing unit bound by its PQ chart.
        vm_limits: (min, max) p.u. for every bus instead of the net's own bus limits.
        objective: ``f(model, sym) -> SX`` replacing the default (total unit cost per hour).
        extra_variables: name -> (size, lb, ub) of additional decision variables (``sym.extra_x[name]``).
        extra_parameters: name -> size of additional parameters (``sym.extra_p[name]``).
        constraints: ``g(model, sym) -> list[(expr, lb, ub)]`` of additional constraints.
        extra_demand: ``h(model, sym) -> (dp, dq)``: expressions (p.u., length nb) added to the bus demand, e.g. the
            import of a DS represented by decision variables at its PCC bus.
        ipopt: Ipopt options overriding `DEFAULT_IPOPT`.
        branch_limits: impose branch apparent-power limits (both ends).
    """

    def __init__(
        self,
        net,
        *,
        vm_limits: tuple[float, float] | None = None,
        objective: Callable | None = None,
        extra_variables: dict | None = None,
        extra_parameters: dict | None = None,
        constraints: Callable | None = None,
        extra_demand: Callable | None = None,
        ipopt: dict | None = None,
        branch_limits: bool = True,
    ):
        t0 = time.perf_counter()
        self.net = net
        self.model: NetworkModel = build_network(net, vm_limits=vm_limits)
        m = self.model
        nb, ng = m.nb, m.ng
        va, vm = ca.SX.sym("va", nb), ca.SX.sym("vm", nb)
        pg, qg = ca.SX.sym("pg", ng), ca.SX.sym("qg", ng)
        pd_, qd_ = ca.SX.sym("pd", nb), ca.SX.sym("qd", nb)
        self.extra_variables = dict(extra_variables or {})
        self.extra_parameters = dict(extra_parameters or {})
        ex = {k: ca.SX.sym(k, int(v[0])) for k, v in self.extra_variables.items()}
        ep = {k: ca.SX.sym(k, int(v)) for k, v in self.extra_parameters.items()}
        sym = Symbols(va, vm, pg, qg, pd_, qd_, ex, ep)
        self.sym = sym

        flows = m.branch_flows(va, vm)
        self.flows = flows
        if extra_demand is not None:
            dp, dq = extra_demand(m, sym)
            gp, gq = m.balance(va, vm, pg, qg, pd_ + dp, qd_ + dq, flows=flows)
        else:
            gp, gq = m.balance(va, vm, pg, qg, pd_, qd_, flows=flows)
        g = [gp, gq]
        lbg = [np.zeros(nb), np.zeros(nb)]
        ubg = [np.zeros(nb), np.zeros(nb)]
        self._n_balance = 2 * nb
        if branch_limits and len(m.limited):
            s2, lim2 = m.branch_limits(va, vm, flows=flows)
            g.append(s2)
            lbg.append(np.full(len(lim2), -np.inf))
            ubg.append(lim2)
        self._n_branch = 2 * len(m.limited) if branch_limits else 0
        cg, clb, cub = m.chart_constraints(pg, qg)
        if cg.numel():
            g.append(cg)
            lbg.append(clb)
            ubg.append(cub)
        if constraints is not None:
            for expr, lb, ub in constraints(m, sym):
                g.append(expr)
                n = expr.numel()
                lbg.append(np.broadcast_to(np.asarray(lb, float), (n,)).copy())
                ubg.append(np.broadcast_to(np.asarray(ub, float), (n,)).copy())

        obj = objective(m, sym) if objective is not None else m.unit_cost(pg, qg)
        self._cost_fn = ca.Function("cost", [pg, qg], [m.unit_cost(pg, qg)])

        x = ca.vertcat(va, vm, pg, qg, *ex.values())
        p = ca.vertcat(pd_, qd_, *ep.values())
        self.nx, self.np = x.numel(), p.numel()
        self.lbg = np.concatenate(lbg)
        self.ubg = np.concatenate(ubg)
        self._g_fn = ca.Function("g", [x, p], [ca.vertcat(*g)])

        lbx = [m.vmin * 0 - np.inf, m.vmin, m.units["pmin"].to_numpy(float) if ng else [],
               m.units["qmin"].to_numpy(float) if ng else []]
        ubx = [m.vmin * 0 + np.inf, m.vmax, m.units["pmax"].to_numpy(float) if ng else [],
               m.units["qmax"].to_numpy(float) if ng else []]
        lbx[0] = np.full(nb, -np.inf)
        ubx[0] = np.full(nb, np.inf)
        lbx[0][m.ref] = m.va_ref
        ubx[0][m.ref] = m.va_ref
        for _k, (size, lb, ub) in self.extra_variables.items():
            lbx.append(np.broadcast_to(np.asarray(lb, float), (int(size),)))
            ubx.append(np.broadcast_to(np.asarray(ub, float), (int(size),)))
        self.lbx = np.concatenate([np.asarray(a, float).ravel() for a in lbx])
        self.ubx = np.concatenate([np.asarray(a, float).ravel() for a in ubx])

        opts = dict(DEFAULT_IPOPT)
        opts.update(ipopt or {})
        nlp = {"x": x, "p": p, "f": obj, "g": ca.vertcat(*g)}
        self._nlp, self._ipopt_opts = nlp, opts
        self.solver = ca.nlpsol(
            "acopf", "ipopt", nlp, {"ipopt": opts, "print_time": False, "error_on_fail": False}
        )
        self._warm_solver = None
        self.slices = self._slices()
        self.build_time_s = time.perf_counter() - t0
        self._pd0, self._qd0 = m.pd.copy(), m.qd.copy()

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
        """Stack demand (p.u., model bus order; default: the net's demand) and extra parameters."""
        parts = [self._pd0 if pd_ is None else np.asarray(pd_, float),
                 self._qd0 if qd_ is None else np.asarray(qd_, float)]
        for name, size in self.extra_parameters.items():
            if name not in extra:
                raise ValueError(f"parameter '{name}' (size {size}) is required by this model")
            parts.append(np.broadcast_to(np.asarray(extra[name], float), (int(size),)))
        unknown = set(extra) - set(self.extra_parameters)
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}; this model declares {list(self.extra_parameters)}")
        return np.concatenate(parts)

    # ------------------------------------------------------------------ initial points
    def initial_point(self, init: str = "pf") -> np.ndarray:
        """A starting point: "pf" (pandapower power flow of the net as given, falls back to "flat") or "flat"."""
        m = self.model
        x0 = np.zeros(self.nx)
        va = np.zeros(m.nb)
        vm = np.clip(np.ones(m.nb), m.vmin, m.vmax)
        pg = np.clip(np.zeros(m.ng), m.units["pmin"].to_numpy(float), m.units["pmax"].to_numpy(float)) if m.ng else []
        qg = np.clip(np.zeros(m.ng), m.units["qmin"].to_numpy(float), m.units["qmax"].to_numpy(float)) if m.ng else []
        if m.ng:
            pmid = 0.5 * (np.maximum(m.units["pmin"], -10) + np.minimum(m.units["pmax"], 10)).to_numpy(float)
            pg = pmid
        va[m.ref] = m.va_ref
        if init == "pf":
            try:
                pf = self._power_flow_start()
            except Exception:  # noqa: BLE001 - any power-flow failure just means: start flat
                pf = None
            if pf is not None:
                va, vm, pg, qg = pf
        elif init != "flat":
            raise ValueError(f"init must be 'pf' or 'flat', not {init!r}")
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

    def _power_flow_start(self):
        import pandapower as pp

        m = self.model
        net = copy.deepcopy(self.net)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # numba compiles for ~3.5 s on first use in a process: worth it only for large nets
            pp.runpp(net, init="dc", calculate_voltage_angles=True, numba=m.nb > 1000, trafo_model="pi",
                     max_iteration=30)
        va = np.deg2rad(net.res_bus.loc[m.bus_pd, "va_degree"].to_numpy(float))
        vm = net.res_bus.loc[m.bus_pd, "vm_pu"].to_numpy(float)
        pg = np.zeros(m.ng)
        qg = np.zeros(m.ng)
        for k, row in m.units.iterrows():
            res = net[f"res_{row.et}"].loc[row.element]
            pg[k] = res.p_mw / m.base_mva
            qg[k] = res.q_mvar / m.base_mva
        if not net.converged or not (np.all(np.isfinite(vm)) and np.all(np.isfinite(va))):
            return None
        pg = np.nan_to_num(pg)
        qg = np.nan_to_num(qg)
        pg = np.clip(pg, m.units["pmin"].to_numpy(float), m.units["pmax"].to_numpy(float))
        qg = np.clip(qg, m.units["qmin"].to_numpy(float), m.units["qmax"].to_numpy(float))
        return va, vm, pg, qg

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

        x0: a start vector or a previous `OPFResult` (warm start with its multipliers); else `initial_point(init)`.
        init: "pf", "flat" or, with an `OPFResult` as x0, "warm": a primal-dual warm start (`WARM_START_IPOPT`: the
            start is kept, the barrier starts small), worth it when x0 solved a nearby problem of this model.
        lbx, ubx: variable bounds replacing the model's for this solve (e.g. to fix a PCC operating point).
        """
        solver = self.solver
        if init == "warm":
            if not isinstance(x0, OPFResult):
                raise ValueError("init='warm' needs a previous OPFResult of this model as x0 (primal and dual start)")
            solver = self.warm_solver()
        p = self.parameter_vector(pd_, qd_, **extra_params)
        args = dict(p=p, lbx=self.lbx if lbx is None else lbx, ubx=self.ubx if ubx is None else ubx,
                    lbg=self.lbg, ubg=self.ubg)
        if isinstance(x0, OPFResult):
            args.update(x0=x0.x, lam_g0=x0.lam_g, lam_x0=x0.lam_x)
        elif x0 is not None:
            args["x0"] = np.asarray(x0, float)
        else:
            if not hasattr(self, "_x_init"):
                self._x_init = {}
            if init not in self._x_init:
                self._x_init[init] = self.initial_point(init)
            args["x0"] = self._x_init[init]
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
        cost = u["cp2"] * pmw**2 + u["cp1"] * pmw + u["cp0"] + u["cq2"] * qmv**2 + u["cq1"] * qmv + u["cq0"]
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


def solve(net, *, init: str = "pf", **options) -> OPFResult:
    """Build the AC-OPF of ``net`` and solve it once (see `ACOPF` for the options)."""
    return ACOPF(net, **options).solve(init=init)


def apply_dispatch(net, result: OPFResult) -> None:
    """Write an OPF solution into ``net`` as power-flow set-points.

    Generators get their P and voltage set-point, the slack its voltage and angle, controllable sgens their P and Q,
    so that ``pandapower.runpp(net)`` reproduces the OPF's operating point.
    """
    vm = result.res_bus["vm_pu"]
    va = result.res_bus["va_degree"]
    for _, r in result.res_units.iterrows():
        if r.et == "ext_grid":
            net.ext_grid.at[r.element, "vm_pu"] = float(vm[r.bus])
            net.ext_grid.at[r.element, "va_degree"] = float(va[r.bus])
        elif r.et == "gen":
            net.gen.at[r.element, "p_mw"] = float(r.p_mw)
            net.gen.at[r.element, "vm_pu"] = float(vm[r.bus])
        elif r.et == "sgen":
            net.sgen.at[r.element, "p_mw"] = float(r.p_mw)
            net.sgen.at[r.element, "q_mvar"] = float(r.q_mvar)


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
        try:
            pp.runpp(net, calculate_voltage_angles=True, trafo_model="pi", init="results" if len(net.res_bus) else "dc",
                     tolerance_mva=1e-10, numba=len(net.bus) > 1000)
        except Exception:  # noqa: BLE001 - retry from a DC start
            pp.runpp(net, calculate_voltage_angles=True, trafo_model="pi", init="dc", tolerance_mva=1e-10, numba=len(net.bus) > 1000)
    buses = result.res_bus.index
    dvm = np.abs(net.res_bus.loc[buses, "vm_pu"].to_numpy() - result.res_bus["vm_pu"].to_numpy())
    dva = np.abs(net.res_bus.loc[buses, "va_degree"].to_numpy() - result.res_bus["va_degree"].to_numpy())
    ext = result.res_units[result.res_units.et == "ext_grid"]
    dp = float(np.max(np.abs(net.res_ext_grid.loc[ext.element, "p_mw"].to_numpy() - ext.p_mw.to_numpy()))) if len(ext) else 0.0
    return {"converged": bool(net.converged), "max_dvm_pu": float(dvm.max()), "max_dva_degree": float(dva.max()),
            "max_dp_slack_mw": dp}
