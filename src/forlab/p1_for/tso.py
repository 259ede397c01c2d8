"""P1 step 2: the TSO's AC-OPF with every DS replaced by its offer, eq. (p1-tso) (METHODS.md, "P1: single-round
coordination").

The PCC import (P_j, Q_j) of DS j is a decision variable drawn at its PCC bus k_j, V_j = |V_kj|, the offer's
polynomial f_j(x~_j) <= 0 constrains it and its price C_j(x~_j) joins the TS generation cost (the offer's CasADi
terms: `forlab.p1_for.formulations.offer_casadi`).
"""

from __future__ import annotations

import copy

import casadi as ca
import numpy as np
import pandas as pd

from forlab.opf.acopf import ACOPF, Extension, OPFResult
from forlab.p1_for.formulations import offer_casadi
from forlab.p1_for.offer import Offer


class TSOForOPF:
    """The TSO's AC-OPF with every DS replaced by its offer, built once: implements eq. (p1-tso) (METHODS.md,
    "P1: single-round coordination").

    ts_net: the TS alone with the DS import placeholders (loads flagged in ``net.load["ds_import"]``), which are
    removed here; offers: DS name -> (Offer, TS bus of its PCC).
    """

    def __init__(self, ts_net, offers: dict[str, tuple[Offer, int]], ipopt: dict | None = None):
        net = copy.deepcopy(ts_net)
        if "ds_import" in net.load.columns:
            net.load = net.load[net.load["ds_import"].isna()]
        self.names = list(offers)
        self.offers = offers
        n = len(self.names)
        lo = np.concatenate([[offers[k][0].box.lo[0], offers[k][0].box.lo[1]] for k in self.names]) if n else []
        hi = np.concatenate([[offers[k][0].box.hi[0], offers[k][0].box.hi[1]] for k in self.names]) if n else []

        def buses(m):
            return [int(m.bus_lookup[int(offers[k][1])]) for k in self.names]

        def demand(m, s):
            x = s.extra_x["pcc"]
            dp = ca.SX.zeros(m.nb)
            dq = ca.SX.zeros(m.nb)
            for j, b in enumerate(buses(m)):
                dp[b] += x[2 * j] / m.base_mva
                dq[b] += x[2 * j + 1] / m.base_mva
            return dp, dq

        def cons(m, s):
            x = s.extra_x["pcc"]
            out = []
            for j, (k, b) in enumerate(zip(self.names, buses(m))):
                offer = offers[k][0]
                f, _ = offer_casadi(offer, x[2 * j], x[2 * j + 1], s.vm[b])
                out.append((f, -np.inf, 0.0))
                out.append((s.vm[b], offer.box.lo[2], offer.box.hi[2]))
            return out

        def prices(m, s):  # objective terms after the TS unit cost: the offered price C_j of every DS
            x = s.extra_x["pcc"]
            for j, (k, b) in enumerate(zip(self.names, buses(m))):
                yield offer_casadi(offers[k][0], x[2 * j], x[2 * j + 1], s.vm[b])[1]

        offers_ext = Extension(variables={"pcc": (2 * n, lo, hi)}, demand=demand, constraints=cons, objective=prices)
        self.opf = ACOPF(net, extensions=[offers_ext], ipopt=ipopt)
        self.net = net

    def initial_point(self) -> np.ndarray:
        """Power-flow start of the TS; each PCC import starts at the centre of its offer's box."""
        x0 = self.opf.initial_point("pf")
        sl = self.opf.slices["pcc"]
        x0[sl] = np.concatenate([self.offers[k][0].box.center[:2] for k in self.names])
        return x0

    def solve(self) -> tuple[OPFResult, pd.DataFrame]:
        """Solve; returns the OPF result and the chosen PCC points (ds, p_mw, q_mvar, vm_pu, offered cost, f)."""
        res = self.opf.solve(x0=self.initial_point())
        x = res.extra["pcc"]
        rows = []
        for j, k in enumerate(self.names):
            offer, bus = self.offers[k]
            v = float(res.res_bus.vm_pu[bus])
            rows.append({"ds": k, "ts_bus": bus, "p_mw": float(x[2 * j]), "q_mvar": float(x[2 * j + 1]), "vm_pu": v,
                         "offer_cost": float(offer.cost_of(x[2 * j], x[2 * j + 1], v)[0]),
                         "f": float(offer.f(x[2 * j], x[2 * j + 1], v)[0])})
        return res, pd.DataFrame(rows)
