"""P1's offer as optimisation code: the formulations of the data classes, kept apart from the data.

An offer is data (`forlab.p1_for.offer.Offer`: box, polynomial, price; numpy evaluation and a JSON file). What an
optimiser sees of it is written here, once per modelling language, as a model keeps apart from its formulations:

* CasADi: `polynomial_casadi` and `cost_casadi` on normalised symbols (the TSO's NLP, `forlab.p1_for.tso`, holds
  the normalised PCC point as variables of its own), and `offer_casadi`, which maps the physical PCC symbols (MW,
  Mvar, p.u.) to the region constraint f + m <= 0 and the price C;
* Pyomo (for users of other solvers, and the Pyomo TSO of chapter 10 on `forlab.opf.pyomo_acopf`):
  `offer_pyomo_block`, a Block with the same constraint and price, on its own PCC voltage or the TSO's.

Every formulation evaluates to the numpy value of the data class (tests/test_p1_offer.py checks it).
"""

from __future__ import annotations

import numpy as np

from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import ImplicitPolynomial
from forlab.p1_for.price import QuadraticCost


def polynomial_casadi(poly: ImplicitPolynomial, xt):
    """CasADi expression of f(x~) + margin for a 3-vector symbol in normalised coordinates.

    The region of eq. (p1-polynomial) with the margin of eq. (p1-margin).
    """
    import casadi as ca

    terms = [float(c) * ca.power(xt[0], int(a)) * ca.power(xt[1], int(b)) * ca.power(xt[2], int(g))
             for c, (a, b, g) in zip(poly.coef, poly.exps) if c != 0.0]
    return ca.sum1(ca.vertcat(*terms)) + poly.margin if terms else ca.SX(poly.margin)


def cost_casadi(cost: QuadraticCost, xt):
    """CasADi expression of the price C(x~) = 1/2 x~'H x~ + g'x~ + c0 of eq. (p1-price)."""
    import casadi as ca

    return 0.5 * ca.bilin(ca.DM(cost.H), xt, xt) + ca.dot(ca.DM(cost.g), xt) + cost.c0


def offer_casadi(offer: Offer, p_mw, q_mvar, vm_pu):
    """(f + margin, cost) as CasADi expressions of physical symbols (MW, Mvar, p.u.).

    The offer's terms of eq. (p1-tso): the constraint f_j(x~_j) + m_j <= 0 and the price C_j(x~_j) in the
    objective, with x~ = (x - c) / h normalised to the offer's box, on physical symbols (chapter 10's one-bus
    CasADi model). The TSO's AC-OPF (`forlab.p1_for.tso.TSOForOPF`) writes the same terms on normalised variables of
    its own (that module's docstring says why), with `polynomial_casadi` and `cost_casadi` directly.
    """
    import casadi as ca

    x = ca.vertcat(p_mw, q_mvar, vm_pu)
    xt = (x - ca.DM(offer.box.center)) / ca.DM(offer.box.half)
    return polynomial_casadi(offer.polynomial, xt), cost_casadi(offer.cost, xt)


def _monomial(xt, exps) -> object:
    """x~0^a x~1^b x~2^g without the factors of power 0 (a Pyomo expression, or 1.0 for the constant)."""
    out = 1.0
    for x, e in zip(xt, exps):
        if int(e) > 0:
            out = out * (x if int(e) == 1 else x ** int(e))
    return out


def offer_pyomo_block(offer: Offer, model=None, name: str = "offer", vm_pu=None):
    """A Pyomo Block with variables p_mw, q_mvar (box bounds), the PCC voltage vm_pu, the constraint ``region``
    (f + m <= 0) and the expression ``cost``; added to ``model`` under ``name`` when a model is given.

    The same terms as `offer_casadi` (eq. (p1-tso)) for Pyomo models. vm_pu: None (the block's own variable
    ``vm_pu``, bounded by the box) or the TSO's expression of the PCC bus voltage (p.u.), which the block then holds
    as the Expression ``vm_pu`` and keeps in the box's V range by the constraint ``v_box`` (as `forlab.p1_for.tso`
    bounds the bus voltage).
    """
    import pyomo.environ as pyo

    blk = pyo.Block(concrete=True)
    box = offer.box
    lo, hi = np.asarray(box.lo, float), np.asarray(box.hi, float)
    blk.p_mw = pyo.Var(bounds=(lo[0], hi[0]), initialize=float(box.center[0]))
    blk.q_mvar = pyo.Var(bounds=(lo[1], hi[1]), initialize=float(box.center[1]))
    if vm_pu is None:
        blk.vm_pu = pyo.Var(bounds=(lo[2], hi[2]), initialize=float(box.center[2]))
    else:
        blk.vm_pu = pyo.Expression(expr=vm_pu)
        blk.v_box = pyo.Constraint(expr=(float(lo[2]), blk.vm_pu, float(hi[2])))
    c, h = box.center, box.half
    xt = [(blk.p_mw - float(c[0])) / float(h[0]), (blk.q_mvar - float(c[1])) / float(h[1]),
          (blk.vm_pu - float(c[2])) / float(h[2])]
    poly = offer.polynomial
    blk.f = pyo.Expression(expr=sum(float(cf) * _monomial(xt, e) for cf, e in zip(poly.coef, poly.exps) if cf != 0.0)
                           + float(poly.margin))
    blk.region = pyo.Constraint(expr=blk.f <= 0)
    H, g = offer.cost.H, offer.cost.g
    blk.cost = pyo.Expression(expr=0.5 * sum(float(H[i, j]) * xt[i] * xt[j] for i in range(3) for j in range(3)
                                             if H[i, j] != 0.0)
                              + sum(float(g[i]) * xt[i] for i in range(3)) + float(offer.cost.c0))
    if model is not None:
        model.add_component(name, blk)
    return blk
