"""The AC optimal power flow of a `NetworkModel` written in Pyomo and solved by an AMPL-NL solver (ripopt, Ipopt).

The same problem as `forlab.opf.acopf.ACOPF` from the same arrays (`forlab.opf.network.build_network`), so that the
two engines see identical data: polar bus voltages (va, vm) and unit set-points (pg, qg) in p.u., the AC nodal
balance, branch apparent-power limits at both ends (squared), branch angle-difference limits, the PQ charts of
flexibility-providing units, voltage and unit bounds, and the total unit cost per hour as objective. Problems built
on it (the TSO with DS offers or DS surrogates) add `PyomoExtension`s, the Pyomo counterpart of `acopf.Extension`:
a block of their own variables and constraints, demand at buses (e.g. a DS import at its PCC bus) and objective terms.

Solvers: ``"ripopt"`` (the `pyomo-ripopt` wheel bundles the executable and registers ``SolverFactory("ripopt")``)
or ``"ipopt"`` (an ``ipopt`` executable on PATH, e.g. conda-forge's). A missing solver raises `SolverNotFound`; a
solve that fails is a result with ``success=False`` and the solver's termination condition.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forlab.opf.network import NetworkModel, build_network, unit_costs

SOLVERS = ("ripopt", "ipopt")
"""The AMPL-NL solvers `PyomoACOPF` knows how to call and read."""

SOLVER_OPTIONS = {"tol": 1e-8, "max_iter": 500, "print_level": 5}
"""The options of `forlab.opf.acopf.DEFAULT_IPOPT` that both executables accept (print_level 5: the log that
`solver_log` reads the iteration count and the solver's own time from)."""

_ITERATIONS = re.compile(r"Number of Iterations\.*:\s*(\d+)")
_SECONDS = re.compile(r"Total (?:seconds|CPU secs) in (?:ripopt|IPOPT)[^=]*=\s*([0-9.eE+-]+)")


class SolverNotFound(RuntimeError):
    """The chosen NLP solver is not installed (message: what to install, or which other solver to choose)."""


def solver_factory(name: str):
    """The Pyomo solver ``name`` (one of `SOLVERS`), checked to exist; `SolverNotFound` says what to install."""
    import pyomo.environ as pyo

    if name not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {name!r}")
    if name == "ripopt":
        try:
            import pyomo_ripopt  # noqa: F401 - importing it registers SolverFactory("ripopt")
        except ImportError as err:
            raise SolverNotFound("solver='ripopt' needs the pyomo-ripopt package: `pip install pyomo-ripopt`, or "
                                 "choose solver='ipopt' with an ipopt executable on PATH") from err
    if name == "ipopt":
        from pyomo.common import Executable

        Executable("ipopt").rehash()  # Pyomo caches where it found the executable: look on today's PATH
    opt = pyo.SolverFactory(name)
    if not opt.available(exception_flag=False):
        raise SolverNotFound(f"solver={name!r}: no {name} executable found; "
                             + ("install ipopt (`conda install -c conda-forge ipopt`) or choose solver='ripopt'"
                                if name == "ipopt" else "reinstall pyomo-ripopt or choose solver='ipopt'"))
    return opt


def solver_available(name: str) -> bool:
    """Whether `solver_factory(name)` finds the solver."""
    try:
        solver_factory(name)
    except SolverNotFound:
        return False
    return True


def solver_log(text: str) -> tuple[int, float]:
    """(iterations, the solver's own seconds) from a ripopt or Ipopt log at print_level 5; -1 / NaN when absent."""
    it, sec = _ITERATIONS.search(text), _SECONDS.search(text)
    return (int(it.group(1)) if it else -1), (float(sec.group(1)) if sec else math.nan)


@dataclass
class PyomoExtension:
    """What one problem adds to `PyomoACOPF` (the Pyomo counterpart of `forlab.opf.acopf.Extension`).

    name: the block's name on the model (``m.<name>``).
    block: (model: NetworkModel, m) -> a Pyomo Block with the problem's variables and constraints; it may use the
        base variables ``m.va``, ``m.vm``, ``m.pg``, ``m.qg`` (indexed by model bus / unit).
    demand: (model, m, blk) -> iterable of (model bus, dp, dq): expressions (p.u.) added to that bus's demand.
    objective: (model, m, blk) -> iterable of terms added to the objective after the unit cost.
    """

    name: str
    block: Callable
    demand: Callable | None = None
    objective: Callable | None = None


@dataclass
class PyomoResult:
    """One solve of `PyomoACOPF`. ``res_bus`` (index: pandapower bus) has vm_pu and va_degree; ``res_units`` one row
    per unit (et, element, bus, p_mw, q_mvar). solve_time_s: the solver's own time from its log; wall_time_s: the
    whole `PyomoACOPF.solve` call (writing the NL file, the solver process, reading the solution)."""

    success: bool
    status: str
    objective: float
    iterations: int
    solve_time_s: float
    wall_time_s: float
    build_time_s: float
    solver: str
    res_bus: pd.DataFrame
    res_units: pd.DataFrame
    log: str = field(default="", repr=False)


def _bound(value: float):
    """A numpy bound as a Pyomo one (None where infinite)."""
    return float(value) if np.isfinite(value) else None


class PyomoACOPF:
    """The AC-OPF of a pandapower net (or a `NetworkModel`) in Pyomo, built once and solved many times.

    extensions: `PyomoExtension`s composed with the base problem, in order. solver: "ripopt" or "ipopt" (checked
    when solving). options: solver options overriding `SOLVER_OPTIONS`.
    """

    def __init__(self, net, *, extensions: Iterable[PyomoExtension] = (), solver: str = "ripopt",
                 options: dict | None = None):
        import pyomo.environ as pyo

        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        t0 = time.perf_counter()
        self.model: NetworkModel = net if isinstance(net, NetworkModel) else build_network(net)
        self.solver, self.options = solver, {**SOLVER_OPTIONS, **(options or {})}
        self.extensions = list(extensions)
        m = self.m = pyo.ConcreteModel(name=f"AC-OPF {self.model.net_name}")
        self._base_variables(m)
        blocks = {ext.name: self._attach(m, ext) for ext in self.extensions}
        self._flows(m)
        self._balance(m, blocks)
        self._branch_limits(m)
        self._angle_limits(m)
        self._charts(m)
        self._objective(m, blocks)
        self._keep_start()
        self.build_time_s = time.perf_counter() - t0

    # ------------------------------------------------------------------ the model, step by step
    def _base_variables(self, m) -> None:
        """va, vm per model bus (the reference angles fixed), pg, qg per unit (p.u.), demand as mutable Params;
        started flat (vm = 1 within its limits, pg at the middle of its range)."""
        import pyomo.environ as pyo

        mod, u = self.model, self.model.units
        m.bus, m.unit = pyo.Set(initialize=range(mod.nb)), pyo.Set(initialize=range(mod.ng))
        m.va = pyo.Var(m.bus, initialize=0.0)
        m.vm = pyo.Var(m.bus, bounds=lambda _, i: (float(mod.vmin[i]), float(mod.vmax[i])),
                       initialize=lambda _, i: float(np.clip(1.0, mod.vmin[i], mod.vmax[i])))
        for i, ang in zip(mod.ref, mod.va_ref):
            m.va[int(i)].fix(float(ang))
        lims = {c: u[c].to_numpy(float) if mod.ng else np.zeros(0) for c in ("pmin", "pmax", "qmin", "qmax")}
        pmid = 0.5 * (np.maximum(lims["pmin"], -10) + np.minimum(lims["pmax"], 10))
        m.pg = pyo.Var(m.unit, bounds=lambda _, k: (_bound(lims["pmin"][k]), _bound(lims["pmax"][k])),
                       initialize=lambda _, k: float(pmid[k]))
        m.qg = pyo.Var(m.unit, bounds=lambda _, k: (_bound(lims["qmin"][k]), _bound(lims["qmax"][k])),
                       initialize=lambda _, k: float(np.clip(0.0, lims["qmin"][k], lims["qmax"][k])))
        m.pd = pyo.Param(m.bus, mutable=True, initialize=lambda _, i: float(mod.pd[i]))
        m.qd = pyo.Param(m.bus, mutable=True, initialize=lambda _, i: float(mod.qd[i]))

    def _attach(self, m, ext: PyomoExtension):
        """Add an extension's block to the model under its name."""
        if ext.name in ("va", "vm", "pg", "qg", "pd", "qd") or m.component(ext.name) is not None:
            raise ValueError(f"extension name {ext.name!r} is declared twice or names a base component")
        blk = ext.block(self.model, m)
        m.add_component(ext.name, blk)
        return blk

    def _flows(self, m) -> None:
        """Branch power at both ends (p.u.), the polar pi-branch equations of `NetworkModel.branch_flows`."""
        import pyomo.environ as pyo

        mod = self.model
        m.branch = pyo.Set(initialize=range(mod.nl))

        def ends(l):
            f, t = int(mod.f[l]), int(mod.t[l])
            d = m.va[f] - m.va[t]
            c, s, vfvt = pyo.cos(d), pyo.sin(d), m.vm[f] * m.vm[t]
            yff, yft, ytf, ytt = (complex(y[l]) for y in (mod.yff, mod.yft, mod.ytf, mod.ytt))
            return (m.vm[f] ** 2 * yff.real + vfvt * (yft.real * c + yft.imag * s),
                    -(m.vm[f] ** 2) * yff.imag + vfvt * (yft.real * s - yft.imag * c),
                    m.vm[t] ** 2 * ytt.real + vfvt * (ytf.real * c - ytf.imag * s),
                    -(m.vm[t] ** 2) * ytt.imag + vfvt * (-ytf.real * s - ytf.imag * c))

        flows = [ends(l) for l in range(mod.nl)]
        for k, name in enumerate(("pf", "qf", "pt", "qt")):
            m.add_component(name, pyo.Expression(m.branch, rule=lambda _, l, k=k: flows[l][k]))

    def _balance(self, m, blocks: dict) -> None:
        """AC nodal balance per bus: flows leaving + shunt + demand (+ the extensions' demand) - units = 0."""
        import pyomo.environ as pyo

        mod = self.model
        extra = {i: [0.0, 0.0] for i in range(mod.nb)}
        for ext in self.extensions:
            if ext.demand is not None:
                for bus, dp, dq in ext.demand(mod, m, blocks[ext.name]):
                    extra[int(bus)][0] += dp
                    extra[int(bus)][1] += dq
        out_f = [np.flatnonzero(mod.f == i) for i in range(mod.nb)]
        out_t = [np.flatnonzero(mod.t == i) for i in range(mod.nb)]
        at = [np.flatnonzero(mod.units["bus"].to_numpy(int) == i) if mod.ng else [] for i in range(mod.nb)]

        def rule(kind):
            fl, tl, sh, dem, gen = ((m.pf, m.pt, mod.gsh, m.pd, m.pg) if kind == 0 else
                                    (m.qf, m.qt, -mod.bsh, m.qd, m.qg))
            return lambda _, i: (sum(fl[int(l)] for l in out_f[i]) + sum(tl[int(l)] for l in out_t[i])
                                 + (float(sh[i]) * m.vm[i] ** 2 if sh[i] != 0 else 0.0) + dem[i] + extra[i][kind]
                                 - sum(gen[int(k)] for k in at[i]) == 0)

        m.p_balance = pyo.Constraint(m.bus, rule=rule(0))
        m.q_balance = pyo.Constraint(m.bus, rule=rule(1))

    def _branch_limits(self, m) -> None:
        """Squared apparent power at both ends of every limited branch <= its squared rating."""
        import pyomo.environ as pyo

        mod = self.model
        m.limited = pyo.Set(initialize=mod.limited.tolist())
        m.s_from = pyo.Constraint(m.limited, rule=lambda _, l: m.pf[l] ** 2 + m.qf[l] ** 2 <= float(mod.rate[l]) ** 2)
        m.s_to = pyo.Constraint(m.limited, rule=lambda _, l: m.pt[l] ** 2 + m.qt[l] ** 2 <= float(mod.rate[l]) ** 2)

    def _angle_limits(self, m) -> None:
        """angle_min <= va[f] - va[t] <= angle_max on the angle-limited branches (MATPOWER's ANGMIN/ANGMAX)."""
        import pyomo.environ as pyo

        mod = self.model
        m.angle_limited = pyo.Set(initialize=np.flatnonzero(mod.angle_limited).tolist())
        m.angle_difference = pyo.Constraint(m.angle_limited, rule=lambda _, l: (
            _bound(mod.angle_min[l]), m.va[int(mod.f[l])] - m.va[int(mod.t[l])], _bound(mod.angle_max[l])))

    def _charts(self, m) -> None:
        """The PQ chart of every flexibility-providing unit, in MW and Mvar (`forlab.grid.capability` rows)."""
        import pyomo.environ as pyo

        mod = self.model
        m.charts = pyo.ConstraintList()
        for k, chart in mod.charts.items():
            for expr, lb, ub in chart.casadi_constraints(m.pg[k] * mod.base_mva, m.qg[k] * mod.base_mva):
                m.charts.add((_bound(lb), expr, _bound(ub)))

    def _objective(self, m, blocks: dict) -> None:
        """Total unit cost per hour (MW/Mvar quadratic costs), then the extensions' terms."""
        import pyomo.environ as pyo

        mod, u = self.model, self.model.units
        base = mod.base_mva
        coef = [{c: float(u[c].iloc[k]) for c in ("cp2", "cp1", "cq2", "cq1")} for k in range(mod.ng)]  # floats:
        # a numpy number times a Pyomo variable is no Pyomo expression
        cost = sum(unit_costs(coef[k], m.pg[k] * base, m.qg[k] * base, constant=False) for k in range(mod.ng)) \
            + (float(u.cp0.sum() + u.cq0.sum()) if mod.ng else 0.0)
        m.unit_cost = pyo.Expression(expr=cost)
        terms = [t for ext in self.extensions if ext.objective is not None
                 for t in ext.objective(mod, m, blocks[ext.name])]
        m.total_cost = pyo.Objective(expr=m.unit_cost + sum(terms), sense=pyo.minimize)

    # ------------------------------------------------------------------ solving
    def _keep_start(self) -> None:
        """Remember every free variable's current value as the start that `solve` begins from."""
        import pyomo.environ as pyo

        self._start = [(v, v.value) for v in self.m.component_data_objects(pyo.Var) if not v.fixed]

    def set_start(self, va: Sequence[float], vm: Sequence[float], pg: Sequence[float], qg: Sequence[float]) -> None:
        """Start values of the base variables (p.u., rad; model order), e.g. `ACOPF.initial_point`'s slices."""
        for var, vals in ((self.m.va, va), (self.m.vm, vm), (self.m.pg, pg), (self.m.qg, qg)):
            for k, v in enumerate(np.asarray(vals, float)):
                if not var[k].fixed:
                    var[k].set_value(float(v), skip_validation=True)
        self._keep_start()

    def solve(self, warm: bool = False, tee: bool = False) -> PyomoResult:
        """Solve with the chosen solver from the start (the build's values or `set_start`'s), or with ``warm`` from
        the variables' current values (e.g. the last solution); returns a `PyomoResult` (the solution is loaded into
        the model when the solver returned one)."""
        from pyomo.opt import SolverStatus, TerminationCondition

        opt = solver_factory(self.solver)
        if not warm:  # every cold solve begins at the same point, so that repeated solves time the same work
            for var, value in self._start:
                var.set_value(value, skip_validation=True)
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "solver.log"
            t0 = time.perf_counter()
            res = opt.solve(self.m, tee=tee, logfile=str(log), load_solutions=False, options=dict(self.options))
            term = res.solver.termination_condition
            ok = term in (TerminationCondition.optimal, TerminationCondition.locallyOptimal) and \
                res.solver.status == SolverStatus.ok
            if len(res.solution) > 0:
                self.m.solutions.load_from(res)
            wall = time.perf_counter() - t0
            text = log.read_text() if log.exists() else ""
        iterations, seconds = solver_log(text)
        return self._result(ok, str(term), iterations, seconds, wall, text)

    def _result(self, ok: bool, status: str, iterations: int, seconds: float, wall: float, log: str) -> PyomoResult:
        import pyomo.environ as pyo

        mod, m, base = self.model, self.m, self.model.base_mva
        va = np.array([pyo.value(m.va[i]) for i in range(mod.nb)])
        vm = np.array([pyo.value(m.vm[i]) for i in range(mod.nb)])
        rows = mod.bus_lookup.to_numpy()
        res_bus = pd.DataFrame({"vm_pu": vm[rows], "va_degree": np.rad2deg(va[rows])}, index=mod.bus_lookup.index)
        res_bus.index.name = "bus"
        u = mod.units
        res_units = pd.DataFrame({"et": u["et"], "element": u["element"], "bus": u["bus_pd"],
                                  "p_mw": [pyo.value(m.pg[k]) * base for k in range(mod.ng)],
                                  "q_mvar": [pyo.value(m.qg[k]) * base for k in range(mod.ng)]}) if mod.ng else \
            pd.DataFrame(columns=["et", "element", "bus", "p_mw", "q_mvar"])
        return PyomoResult(ok, status, float(pyo.value(m.total_cost)), iterations, seconds, wall, self.build_time_s,
                           self.solver, res_bus, res_units, log)
