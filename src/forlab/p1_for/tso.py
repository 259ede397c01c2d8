"""P1 step 2: the TSO's AC-OPF with every DS replaced by its offer, eq. (p1-tso) of chapter 05.

The PCC import (P_j, Q_j) of DS j is a decision variable drawn at its PCC bus k_j, V_j = |V_kj|, the offer's
polynomial f_j(x~_j) <= 0 constrains it and its price C_j(x~_j) joins the TS generation cost.

The offer's terms are written on variables of their own, the normalised PCC point x~_j in [-1, 1]^3, tied to the
physical import and bus voltage by linear equalities (P_j, Q_j, V_j) = c_j + h_j x~_j (box centre and half-widths).
The same NLP, better conditioned: in the physical variables a degree-d polynomial carries derivatives amplified by
1/h^k, and the PCC voltage's box is a few hundredths of a p.u. wide (its curvature was hundreds of times the TS's
own); on x~ they are of order one. The PCC point starts inside the offered region, at the centre of its largest
connected part (`forlab.p1_for.polynomial.central_point`), not at the box centre, which a non-convex region may not
contain.

The solver holds x~_j in a finer unit, as ``pcc_scale`` x~_j (`PCC_SCALE`): a fitted region need not be convex, so
the offer's terms lambda_j f_j + C_j can give the Lagrangian's Hessian negative curvature on x~_j, and Ipopt then
adds one inertia correction delta I to the Hessian of every variable, the whole TS's included, which slows the TS's
own convergence. In the finer unit the offer's curvature, and the delta it needs, shrink by pcc_scale^2. The NLP
and its KKT points are the same; on a non-convex NLP the solver's path, and so which local optimum it reaches, can
differ.

The TSO also models the transformer that couples each DS to its TS bus, which the DS's offer leaves out (the offer
is the DS seen from its own side, V_j its root bus's voltage): with a series reactance x_j (p.u., ``pcc_x_pu``) the
TS bus draws the import plus the transformer's reactive loss x_j |S_j|^2 / V^2, and the DS side sits at
V - x_j Q_j / V (first order in x_j, which is 1e-4 p.u. for the book's PCC transformers). Without it the losses of
N transformers land, in the T+D power flow, on TS units the TSO held at a reactive limit. The coupling transformer
is the TSO's equipment, not the DS's private model.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import casadi as ca
import numpy as np
import pandas as pd

from forlab.opf.acopf import ACOPF, Extension, OPFResult
from forlab.p1_for.formulations import cost_casadi, polynomial_casadi
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import central_point


def pcc_start(offer: Offer) -> np.ndarray:
    """Where the TSO's OPF starts the PCC point of ``offer`` (normalised (P~, Q~, V~)): inside the offered region, at
    the centre of its largest connected part (`forlab.p1_for.polynomial.central_point`), not at the box centre, which
    a non-convex region may not contain. `TSOForOPF` starts every PCC point here; chapter 04 measures from it."""
    return central_point(offer.polynomial)


# The solver's unit of the normalised PCC point, 1/PCC_SCALE of the box's half-width (module docstring): chosen on
# case1354pegase with tens to a hundred case33bw/case69/case141 offers, where with x~ itself (1) many iterations
# needed large inertia corrections and the solve took up to twice the TS-only AC-OPF's iterations; 10 to 300 all
# make the corrections negligible, 30 needed the fewest iterations over the sizes and the control runs.
PCC_SCALE = 30.0


class TSOForOPF:
    """The TSO's AC-OPF with every DS replaced by its offer, built once: implements eq. (p1-tso), chapter 05, in the
    form of the module docstring.

    ts_net: the TS alone with the DS import placeholders (loads flagged in ``net.load["ds_import"]``), which are
    removed here; offers: DS name -> (Offer, TS bus of its PCC); pcc_scale: the solver's unit of x~ (`PCC_SCALE`,
    module docstring; 1 holds x~ itself); pcc_x_pu: DS name -> the series reactance of its coupling transformer,
    p.u. on the TS base (`forlab.grid.td.pcc_reactance_pu`; module docstring), None or a DS not in it: none (the
    offer's voltage is the TS bus's). Variables added to the TS's: ``pcc`` (P_j MW, Q_j Mvar per DS, in the box)
    and ``pcc_t`` (pcc_scale x~_j per DS, x~_j normalised to the box; `normalised` reads x~ back).
    """

    def __init__(self, ts_net, offers: dict[str, tuple[Offer, int]], ipopt: dict | None = None,
                 pcc_scale: float = PCC_SCALE, pcc_x_pu: Mapping[str, float] | None = None):
        if not (np.isfinite(pcc_scale) and pcc_scale > 0):
            raise ValueError(f"pcc_scale must be a positive finite number (default {PCC_SCALE:g}), got {pcc_scale!r}")
        _check_buses(ts_net, offers)
        net = copy.deepcopy(ts_net)
        if "ds_import" in net.load.columns:
            net.load = net.load[net.load["ds_import"].isna()]
        self.names = list(offers)
        self.offers = offers
        boxes = [offers[k][0].box for k in self.names]
        lo = np.concatenate([b.lo[:2] for b in boxes]) if boxes else []
        hi = np.concatenate([b.hi[:2] for b in boxes]) if boxes else []
        self.pcc_scale = s_t = float(pcc_scale)  # the solver's variable is s_t x~
        self.pcc_x = xs = np.array([float((pcc_x_pu or {}).get(k, 0.0)) for k in self.names])
        if np.any(~np.isfinite(xs) | (xs < 0)):
            raise ValueError(f"pcc_x_pu must map DS names to non-negative reactances (p.u.), got {pcc_x_pu!r}")
        # x~ of the box corners: [-1, 1], or 0 on an axis of zero width (`Box.half`), which then stays fixed
        lo_t = s_t * np.concatenate([b.normalise(b.lo) for b in boxes]) if boxes else []
        hi_t = s_t * np.concatenate([b.normalise(b.hi) for b in boxes]) if boxes else []
        self.starts = {k: pcc_start(offers[k][0]) for k in self.names}
        n = len(self.names)
        offers_ext = Extension(variables={"pcc": (2 * n, lo, hi), "pcc_t": (3 * n, lo_t, hi_t)},
                               demand=self._demand, constraints=self._constraints, objective=self._prices)
        self.opf = ACOPF(net, extensions=[offers_ext], ipopt=ipopt)
        self.net = net

    # the offers' terms of the TS's NLP (`forlab.opf.acopf.Extension`), written on the model ``m`` and its symbols ``s``
    def _buses(self, m) -> list[int]:
        """The model's bus index of every DS's PCC, in ``names`` order."""
        return [int(m.bus_lookup[int(self.offers[k][1])]) for k in self.names]

    def _demand(self, m, s) -> tuple:
        """What the DSs draw at their PCC buses (p.u.): the import (P_j, Q_j), and the coupling transformer's reactive
        loss x_j |S_j|^2 / V^2 (module docstring)."""
        x = s.extra_x["pcc"]
        dp = ca.SX.zeros(m.nb)
        dq = ca.SX.zeros(m.nb)
        for j, b in enumerate(self._buses(m)):
            p, q = x[2 * j] / m.base_mva, x[2 * j + 1] / m.base_mva
            dp[b] += p
            dq[b] += q + self.pcc_x[j] * (p**2 + q**2) / s.vm[b] ** 2
        return dp, dq

    def _constraints(self, m, s) -> list[tuple]:
        """Per DS: the linear tie of its physical PCC point (P_j, Q_j and the voltage on the DS side of the coupling,
        `behind_coupling`) to x~_j, and the offer's polynomial f_j(x~_j) <= 0."""
        x, xt = s.extra_x["pcc"], s.extra_x["pcc_t"] / self.pcc_scale
        out = []
        for j, (k, b) in enumerate(zip(self.names, self._buses(m))):
            box, xt_j = self.offers[k][0].box, xt[3 * j : 3 * j + 3]
            v_ds = behind_coupling(s.vm[b], x[2 * j + 1] / m.base_mva, self.pcc_x[j])
            physical = ca.vertcat(x[2 * j], x[2 * j + 1], v_ds)
            out.append((physical - ca.DM(box.center) - ca.DM(box.half) * xt_j, 0.0, 0.0))
            out.append((polynomial_casadi(self.offers[k][0].polynomial, xt_j), -np.inf, 0.0))
        return out

    def _prices(self, m, s):
        """The objective's terms after the TS unit cost: the offered price C_j(x~_j) of every DS."""
        xt = s.extra_x["pcc_t"] / self.pcc_scale
        for j, k in enumerate(self.names):
            yield cost_casadi(self.offers[k][0].cost, xt[3 * j : 3 * j + 3])

    def initial_point(self) -> np.ndarray:
        """Power-flow start of the TS; each PCC point starts inside its offer's region (`central_point`), its
        import (P, Q) at that point. The TS's power flow is the model's, computed once and kept
        (`forlab.opf.acopf.ACOPF.initial_point`), as the integrated AC-OPF's is: neither side's repeated solves
        time the start (the start is the operator's state estimate)."""
        x0 = self.opf.initial_point("pf")
        x0[self.opf.slices["pcc_t"]] = self.pcc_scale * np.concatenate([self.starts[k] for k in self.names])
        x0[self.opf.slices["pcc"]] = np.concatenate(
            [self.offers[k][0].box.denormalise(self.starts[k])[:2] for k in self.names])
        return x0

    def normalised(self, x: np.ndarray) -> np.ndarray:
        """The normalised PCC points x~ (one row per DS, in ``names`` order) of an NLP vector (start or solution)."""
        return np.asarray(x, float)[self.opf.slices["pcc_t"]].reshape(-1, 3) / self.pcc_scale

    def solve(self) -> tuple[OPFResult, pd.DataFrame]:
        """Solve; returns the OPF result and the chosen PCC points (ds, p_mw, q_mvar, vm_pu on the DS's side of its
        coupling transformer, offered cost, f). After a failed solve (``res.success`` False, ``res.status`` says
        why) every number of a point is NaN: the solver's last iterate is no choice of the TSO."""
        res = self.opf.solve(x0=self.initial_point())
        rows = [self._point(res, j) for j in range(len(self.names))]
        if not res.success:
            rows = [r | dict.fromkeys(("p_mw", "q_mvar", "vm_pu", "offer_cost", "f"), np.nan) for r in rows]
        return res, pd.DataFrame(rows)

    def _point(self, res: OPFResult, j: int) -> dict:
        """The PCC point of the j-th DS in ``res``, V on the DS's side of its coupling transformer."""
        k = self.names[j]
        offer, bus = self.offers[k]
        x = res.extra["pcc"]
        p, q = float(x[2 * j]), float(x[2 * j + 1])
        v_ts = float(res.res_bus.vm_pu[bus])
        v = behind_coupling(v_ts, q / self.opf.model.base_mva, self.pcc_x[j])
        return {"ds": k, "ts_bus": bus, "p_mw": p, "q_mvar": q, "vm_pu": v,
                "offer_cost": float(offer.cost_of(p, q, v)[0]), "f": float(offer.f(p, q, v)[0])}


def behind_coupling(v_ts, q_pu, x_pu):
    """The voltage (p.u.) on the DS's side of a lossless coupling transformer of series reactance ``x_pu`` that
    carries ``q_pu`` (reactive import, p.u. on the TS's base) from a TS bus at ``v_ts``: the first-order drop
    v_ts - x q / v_ts. The offer describes the DS's side; numbers or CasADi expressions."""
    return v_ts - x_pu * q_pu / v_ts


def _check_buses(ts_net, offers: Mapping[str, tuple[Offer, int]]) -> None:
    """ValueError naming the DS unless every offer's PCC bus is a bus of the TS (``ts_net.bus.index``): a missing one
    used to surface as a KeyError inside the CasADi build."""
    for k, (_, bus) in offers.items():
        if bus not in ts_net.bus.index:
            raise ValueError(f"DS {k!r}: PCC bus {bus!r} is not a bus of the TS net (its buses: "
                             f"{_short_list(ts_net.bus.index)}); give the TS bus index the DS is coupled at")


def _short_list(index) -> str:
    """The first few entries of an index, for an error message."""
    items = [str(i) for i in list(index)[:8]]
    return ", ".join(items) + (", ..." if len(index) > 8 else "")
