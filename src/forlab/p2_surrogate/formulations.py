"""The optimisation faces of P2's models: a DS surrogate as variables, constraints, demand and cost of the TSO's
AC-OPF, in CasADi and in Pyomo from one definition.

`Polytope`, `QuadraticRegressor` and `DSSurrogate` are plain data (JSON round trip, validation, numpy evaluation);
this module alone turns them into optimisation terms, as OMLT keeps a trained model apart from its formulations.
The terms are written once, with plain arithmetic on a list of input entries, so that CasADi scalars and Pyomo
expressions go through the same code: `input_entries` (the inputs u_j of eq. (p2-inputs)), `affine_rows` (the
polytope's facets and the sampled domain), `quadratic_expression` (a regressor), `fpu_cost_terms` and the PQ charts'
own rows. On top of them:

* CasADi: `polytope_rows` and `regressor_expression` (expressions of the inputs u, a CasADi column or its scalars)
  and `SurrogateTerms`, which composes them, for every DS, into one `forlab.opf.acopf.Extension` of the TS AC-OPF
  (eq. (p2-tso)): the FPU set-points as extra variables, the DS load factor as a parameter, the PQ charts, the
  polytope, the sampled domain, the predicted import added to the PCC buses' demand, and the FPUs' costs in the
  objective;
* Pyomo: `surrogate_pyomo_block`, one DS's surrogate as a Block with the same variables, constraints, predicted
  import and cost, given the TSO's PCC voltage expressions (`forlab.opf.pyomo_acopf` attaches it at the PCC buses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import casadi as ca
import numpy as np

from forlab.opf.acopf import Extension
from forlab.p2_surrogate.dataset import InputSpace
from forlab.p2_surrogate.model import DSSurrogate
from forlab.p2_surrogate.polytope import Polytope
from forlab.p2_surrogate.regressors import QuadraticRegressor

__all__ = ["SurrogateTerms", "affine_rows", "domain_decision_rows", "fpu_bounds", "fpu_cost_terms", "fpu_variable",
           "input_entries", "load_parameter", "polytope_rows", "quadratic_expression", "regressor_expression",
           "surrogate_pyomo_block"]


# ----------------------------------------------------------------------------------------------------------------------
# one definition of every term, on lists of scalar expressions (CasADi SX scalars or Pyomo expressions)
# ----------------------------------------------------------------------------------------------------------------------


def entries(u) -> list:
    """The scalar entries of an input column: a CasADi column's elements, or the sequence itself."""
    if isinstance(u, (ca.SX, ca.MX, ca.DM)):
        return [u[i] for i in range(u.numel())]
    return list(u)


def affine_rows(a: np.ndarray, c, u: Sequence) -> list:
    """The rows ``A u + c`` (zero coefficients left out) of the entries ``u``: the polytope's facets, eq.
    (p2-polytope), and the sampled domain's rows, written once for CasADi and Pyomo."""
    a = np.atleast_2d(np.asarray(a, float))
    c = np.broadcast_to(np.asarray(c, float), (a.shape[0],))
    return [sum(float(a[k, i]) * u[i] for i in np.flatnonzero(a[k])) + float(c[k]) for k in range(a.shape[0])]


def quadratic_expression(reg: QuadraticRegressor, u: Sequence):
    """The prediction c0 + g.z + 1/2 z'Hz, z = (u - mean) / scale, of eq. (p2-regressors) from the entries ``u``
    (original units), written once for CasADi and Pyomo (each pair i < j once, with (H_ij + H_ji) / 2)."""
    z = [(u[i] - float(reg.mean[i])) / float(reg.scale[i]) for i in range(reg.dim)]
    h = 0.5 * (reg.h + reg.h.T)
    out = reg.c0 + sum(float(reg.g[i]) * z[i] for i in range(reg.dim) if reg.g[i] != 0.0)
    for i in range(reg.dim):
        out = out + sum(float(h[i, j] * (1.0 if i == j else 2.0) * 0.5) * z[i] * z[j]
                        for j in range(i, reg.dim) if h[i, j] != 0.0)
    return out


def input_entries(space: InputSpace, fpu: Sequence, vm: Sequence, va: Sequence | None, load) -> list:
    """The inputs u_j of eq. (p2-inputs) as a list: the FPU set-points (p, q per FPU, MW and Mvar), |V| at the first
    PCC bus (p.u.), for two PCCs |V| at the second and the angle difference va[1] - va[0] in degrees (va in rad),
    and the load factor when the surrogate takes it."""
    parts = list(fpu) + [vm[0]]
    if space.n_pcc == 2:
        parts += [vm[1], (va[1] - va[0]) * (180.0 / math.pi)]
    if space.load_is_input:
        parts.append(load)
    return parts


def domain_decision_rows(space: InputSpace) -> tuple[np.ndarray, np.ndarray]:
    """(A, b), ``A u <= b``: the rows of the sampled domain that involve a decision (not only the load factor)."""
    a, b = space.domain_rows()
    var_cols = np.ones(space.dim, bool)
    if space.load_is_input:
        var_cols[space.index("load_scale")] = False
    keep = np.any(a[:, var_cols] != 0, axis=1)
    return a[keep], b[keep]


def fpu_bounds(space: InputSpace) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) of the FPU set-points (p, q per FPU, MW and Mvar): each chart's bounding box (the chart's own
    rows are constraints)."""
    lb, ub = [], []
    for chart in space.charts:
        p0, p1, q0, q1 = chart.bounds()
        lb += [p0, q0]
        ub += [p1, q1]
    return np.array(lb, float), np.array(ub, float)


def chart_rows(space: InputSpace, fpu: Sequence) -> list:
    """(expr, lb, ub) rows of every FPU's PQ chart (`forlab.grid.capability`) on its set-point entries."""
    return [row for k, chart in enumerate(space.charts) for row in chart.casadi_constraints(fpu[2 * k], fpu[2 * k + 1])]


def fpu_cost_terms(space: InputSpace, fpu: Sequence) -> list:
    """The objective's FPU terms: a p^2, then b p, of every FPU ($/h)."""
    a = space.fpus["cost_a"].to_numpy(float)
    b = space.fpus["cost_b"].to_numpy(float)
    out = []
    for k in range(space.n_fpu):
        out += [float(a[k]) * fpu[2 * k] ** 2, float(b[k]) * fpu[2 * k]]
    return out


# ----------------------------------------------------------------------------------------------------------------------
# CasADi
# ----------------------------------------------------------------------------------------------------------------------


def polytope_rows(poly: Polytope, u):
    """The K facet expressions ``A u + c`` (<= 0 inside) as a CasADi column, of the d inputs ``u`` (original units;
    a CasADi column or a list of its scalars, `entries`).

    Implements eq. (p2-polytope), chapter 06, as the K linear constraints of the TSO's OPF.
    """
    a, c = poly.linear_constraints()
    return ca.vertcat(*affine_rows(a, c, entries(u)))


def regressor_expression(reg: QuadraticRegressor, u):
    """The prediction of ``reg`` as a CasADi scalar expression of the d inputs ``u`` (original units; a CasADi
    column or a list of its scalars, `entries`).

    Implements eq. (p2-regressors), chapter 06, inside the TSO's OPF.
    """
    return quadratic_expression(reg, entries(u))


def fpu_variable(ds: str) -> str:
    """Name of the extra OPF variable that holds DS ``ds``'s FPU set-points (p, q per FPU, MW and Mvar)."""
    return f"fpu:{ds}"


def load_parameter(ds: str) -> str:
    """Name of the OPF parameter that holds DS ``ds``'s load factor."""
    return f"load:{ds}"


class SurrogateTerms:
    """The surrogates of a TSO's DSs as terms of its AC-OPF: implements eq. (p2-tso), chapter 06 (the TSO OPF holds
    u_j, the PQ charts, the polytope and the regressors).

    surrogates: DS name -> `DSSurrogate`; pcc_buses: DS name -> its TS PCC buses (pandapower indices, PCC order);
    enforce_domain: keep the PCC inputs inside the sampled ranges (the surrogate knows nothing outside them).
    """

    def __init__(self, surrogates: dict[str, DSSurrogate], pcc_buses: dict[str, list[int]],
                 enforce_domain: bool = True):
        self.surrogates = surrogates
        self.pcc_buses = pcc_buses
        self.enforce_domain = enforce_domain

    def variables(self) -> dict:
        """Extra variables: per DS, (p, q) of every FPU bounded by its chart's bounding box (the chart's own rows
        are in `constraints`)."""
        return {fpu_variable(ds): (2 * sur.space.n_fpu, *fpu_bounds(sur.space)) for ds, sur in self.surrogates.items()}

    def parameters(self) -> dict:
        """Extra parameters: the load factor of every DS whose surrogate takes it as an input."""
        return {load_parameter(ds): 1 for ds, sur in self.surrogates.items() if sur.space.load_is_input}

    def inputs(self, m, sym, ds: str) -> list:
        """DS ``ds``'s inputs u_j of eq. (p2-inputs) (`input_entries`) as CasADi scalars of the OPF symbols."""
        sur = self.surrogates[ds]
        b = m.bus_lookup[self.pcc_buses[ds]].to_numpy(int)
        load = sym.extra_p[load_parameter(ds)] if sur.space.load_is_input else None
        return input_entries(sur.space, entries(sym.extra_x[fpu_variable(ds)]), [sym.vm[int(k)] for k in b],
                             [sym.va[int(k)] for k in b], load)

    def constraints(self, m, sym) -> list:
        """Per DS: its FPUs' PQ charts, the polytope's K rows A u_j + c <= 0 and, with ``enforce_domain``, the
        sampled range of the PCC inputs (`domain_decision_rows`)."""
        rows = []
        for ds, sur in self.surrogates.items():
            u = self.inputs(m, sym, ds)
            rows += chart_rows(sur.space, entries(sym.extra_x[fpu_variable(ds)]))
            rows.append((polytope_rows(sur.polytope, u), -np.inf, 0.0))
            a, b = domain_decision_rows(sur.space)
            if self.enforce_domain and len(b):
                rows.append((ca.vertcat(*affine_rows(a, 0.0, u)), -np.inf, b))
        return rows

    def extra_demand(self, m, sym):
        """(dp, dq) (p.u., length nb): the predicted import P_k(u_j), Q_k(u_j) of every PCC k of every DS j at its
        TS bus."""
        dp, dq = ca.SX.zeros(m.nb), ca.SX.zeros(m.nb)
        for ds, sur in self.surrogates.items():
            u = self.inputs(m, sym, ds)
            for k, bus in enumerate(m.bus_lookup[self.pcc_buses[ds]].to_numpy(int)):
                dp[int(bus)] = dp[int(bus)] + regressor_expression(sur.regressors[k]["p_mw"], u) / m.base_mva
                dq[int(bus)] = dq[int(bus)] + regressor_expression(sur.regressors[k]["q_mvar"], u) / m.base_mva
        return dp, dq

    def fpu_costs(self, m, sym):
        """The objective's terms after the TS unit cost: a p^2, then b p, of every FPU ($/h)."""
        for ds, sur in self.surrogates.items():
            yield from fpu_cost_terms(sur.space, entries(sym.extra_x[fpu_variable(ds)]))

    def extension(self) -> Extension:
        """All of the above as one `forlab.opf.acopf.Extension` of the TS AC-OPF."""
        return Extension(variables=self.variables(), parameters=self.parameters(), demand=self.extra_demand,
                         constraints=self.constraints, objective=self.fpu_costs)


# ----------------------------------------------------------------------------------------------------------------------
# Pyomo
# ----------------------------------------------------------------------------------------------------------------------


def surrogate_pyomo_block(sur: DSSurrogate, vm: Sequence, va: Sequence | None = None, load_factor: float = 1.0,
                          enforce_domain: bool = True, model=None, name: str = "surrogate"):
    """One DS's surrogate as a Pyomo Block, the terms of `SurrogateTerms` for one DS (eq. (p2-tso)).

    vm, va: the TSO's expressions of |V| (p.u.) and the angle (rad) at the DS's PCC buses (PCC order; va is only
    read for two PCCs). Components: ``fpu`` (p, q per FPU, MW and Mvar, bounded by each chart's box), ``load`` (the
    load factor, a mutable Param), ``u`` (the inputs of eq. (p2-inputs)), ``charts``, ``polytope`` (A u + c <= 0),
    ``domain`` (the sampled range, with ``enforce_domain``), the predicted import ``p_mw``, ``q_mvar`` (per PCC, MW
    and Mvar) and ``cost`` (the FPUs' a p^2 + b p, $/h). Added to ``model`` under ``name`` when a model is given.
    """
    import pyomo.environ as pyo

    space = sur.space
    blk = pyo.Block(concrete=True)
    lb, ub = fpu_bounds(space)
    blk.fpu = pyo.Var(range(2 * space.n_fpu), bounds=lambda _, i: (float(lb[i]), float(ub[i])),
                      initialize=lambda _, i: 0.5 * float(lb[i] + ub[i]))
    blk.load = pyo.Param(initialize=float(load_factor), mutable=True)
    fpu = [blk.fpu[i] for i in range(2 * space.n_fpu)]
    inputs = input_entries(space, fpu, vm, va, blk.load)
    blk.u = pyo.Expression(range(space.dim), rule=lambda _, i: inputs[i])
    u = [blk.u[i] for i in range(space.dim)]
    blk.charts = pyo.ConstraintList()
    for expr, lo, hi in chart_rows(space, fpu):
        blk.charts.add((None if not np.isfinite(lo) else float(lo), expr, None if not np.isfinite(hi) else float(hi)))
    facets = affine_rows(*sur.polytope.linear_constraints(), u)
    blk.polytope = pyo.Constraint(range(len(facets)), rule=lambda _, k: facets[k] <= 0)
    a, b = domain_decision_rows(space) if enforce_domain else (np.zeros((0, space.dim)), np.zeros(0))
    rows = affine_rows(a, 0.0, u)
    blk.domain = pyo.Constraint(range(len(rows)), rule=lambda _, k: rows[k] <= float(b[k]))
    regs = sur.regressors
    blk.p_mw = pyo.Expression(range(space.n_pcc), rule=lambda _, k: quadratic_expression(regs[k]["p_mw"], u))
    blk.q_mvar = pyo.Expression(range(space.n_pcc), rule=lambda _, k: quadratic_expression(regs[k]["q_mvar"], u))
    blk.cost = pyo.Expression(expr=sum(fpu_cost_terms(space, fpu)))
    if model is not None:
        model.add_component(name, blk)
    return blk
