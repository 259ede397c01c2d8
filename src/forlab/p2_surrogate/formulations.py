"""The CasADi faces of P2's models: a DS surrogate as variables, constraints, demand and cost of the TSO's AC-OPF.

`Polytope`, `QuadraticRegressor` and `DSSurrogate` are plain data (JSON round trip, validation, numpy evaluation);
this module alone turns them into optimisation terms, as OMLT keeps a trained model apart from its formulations.
`polytope_rows` and `regressor_expression` are the two models as CasADi expressions of an input column u;
`SurrogateTerms` composes them, for every DS, into one `forlab.opf.acopf.Extension` of the TS AC-OPF (eq.
(p2-tso)): the FPU set-points as extra variables, the DS load factor as a parameter, the inputs u_j of eq.
(p2-inputs) built from them and from the TS voltages at the PCC buses, the PQ charts, the polytope, the sampled
domain, the predicted import added to the PCC buses' demand, and the FPUs' costs in the objective.
"""

from __future__ import annotations

import math

import casadi as ca
import numpy as np

from forlab.opf.acopf import Extension
from forlab.p2_surrogate.model import DSSurrogate
from forlab.p2_surrogate.polytope import Polytope
from forlab.p2_surrogate.regressors import QuadraticRegressor

__all__ = ["SurrogateTerms", "fpu_variable", "load_parameter", "polytope_rows", "regressor_expression"]


def polytope_rows(poly: Polytope, u):
    """The K facet expressions ``A u + c`` (<= 0 inside) for a CasADi column ``u`` of the d inputs (original units).

    Implements eq. (p2-polytope) as the K linear constraints of the TSO's OPF, METHODS.md 'P2: ML surrogate of a DS'.
    """
    a, c = poly.linear_constraints()
    return ca.mtimes(ca.DM(a), u) + ca.DM(c)


def regressor_expression(reg: QuadraticRegressor, u):
    """The prediction of ``reg`` as a CasADi scalar expression of the column ``u`` (d inputs, original units).

    Implements eq. (p2-regressors) inside the TSO's OPF, METHODS.md 'P2: ML surrogate of a DS'.
    """
    z = (u - ca.DM(reg.mean)) / ca.DM(reg.scale)
    return reg.c0 + ca.dot(ca.DM(reg.g), z) + 0.5 * ca.dot(z, ca.mtimes(ca.DM(reg.h), z))


def fpu_variable(ds: str) -> str:
    """Name of the extra OPF variable that holds DS ``ds``'s FPU set-points (p, q per FPU, MW and Mvar)."""
    return f"fpu:{ds}"


def load_parameter(ds: str) -> str:
    """Name of the OPF parameter that holds DS ``ds``'s load factor."""
    return f"load:{ds}"


class SurrogateTerms:
    """The surrogates of a TSO's DSs as terms of its AC-OPF: implements eq. (p2-tso), METHODS.md 'P2: ML surrogate
    of a DS' (the TSO OPF holds u_j, the PQ charts, the polytope and the regressors).

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
        out = {}
        for ds, sur in self.surrogates.items():
            lb, ub = [], []
            for chart in sur.space.charts:
                p0, p1, q0, q1 = chart.bounds()
                lb += [p0, q0]
                ub += [p1, q1]
            out[fpu_variable(ds)] = (2 * sur.space.n_fpu, np.array(lb), np.array(ub))
        return out

    def parameters(self) -> dict:
        """Extra parameters: the load factor of every DS whose surrogate takes it as an input."""
        return {load_parameter(ds): 1 for ds, sur in self.surrogates.items() if sur.space.load_is_input}

    def inputs(self, m, sym, ds: str):
        """DS ``ds``'s input column u_j of eq. (p2-inputs) in OPF symbols: its FPU set-points, |V| at its first PCC
        bus, for two PCCs |V| at the second and the angle difference (degrees), and its load factor."""
        sur = self.surrogates[ds]
        b = m.bus_lookup[self.pcc_buses[ds]].to_numpy(int)
        parts = [sym.extra_x[fpu_variable(ds)], sym.vm[int(b[0])]]
        if sur.space.n_pcc == 2:
            parts += [sym.vm[int(b[1])], (sym.va[int(b[1])] - sym.va[int(b[0])]) * (180.0 / math.pi)]
        if sur.space.load_is_input:
            parts.append(sym.extra_p[load_parameter(ds)])
        return ca.vertcat(*parts)

    def constraints(self, m, sym) -> list:
        """Per DS: its FPUs' PQ charts, the polytope's K rows A u_j + c <= 0 and, with ``enforce_domain``, the
        sampled range of the PCC inputs (rows of the domain that involve a decision, not only the load factor)."""
        rows = []
        for ds, sur in self.surrogates.items():
            u = self.inputs(m, sym, ds)
            x = sym.extra_x[fpu_variable(ds)]
            for k, chart in enumerate(sur.space.charts):
                rows += [(e, lb_, ub_) for e, lb_, ub_ in chart.casadi_constraints(x[2 * k], x[2 * k + 1])]
            rows.append((polytope_rows(sur.polytope, u), -np.inf, 0.0))
            if self.enforce_domain:
                a, bvec = sur.space.domain_rows()
                var_cols = np.ones(sur.space.dim, bool)
                if sur.space.load_is_input:
                    var_cols[sur.space.index("load_scale")] = False
                keep = np.any(a[:, var_cols] != 0, axis=1)
                if keep.any():
                    rows.append((ca.mtimes(ca.DM(a[keep]), u), -np.inf, bvec[keep]))
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
            x = sym.extra_x[fpu_variable(ds)]
            a = sur.space.fpus["cost_a"].to_numpy(float)
            b = sur.space.fpus["cost_b"].to_numpy(float)
            for k in range(sur.space.n_fpu):
                yield a[k] * x[2 * k] ** 2
                yield b[k] * x[2 * k]

    def extension(self) -> Extension:
        """All of the above as one `forlab.opf.acopf.Extension` of the TS AC-OPF."""
        return Extension(variables=self.variables(), parameters=self.parameters(), demand=self.extra_demand,
                         constraints=self.constraints, objective=self.fpu_costs)
