"""The DSO's offer to the TSO: an analytical FOR and its price at one PCC, and nothing about the DS grid.

An `Offer` holds the bounding box, the implicit polynomial f (region f + margin <= 0 in box-normalised coordinates),
the quadratic cost C(x~) = 1/2 x~'H x~ + g'x~ + c0 (currency per hour), the PCC's identity and base values. It
evaluates with numpy, turns into CasADi expressions for the TSO's NLP and into a Pyomo block, and saves to / loads from
a JSON file bit for bit (floats are written with ``repr``, which round-trips exactly).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forlab.p1_for.dso_opf import Box
from forlab.p1_for.polynomial import ImplicitPolynomial

FORMAT = "forlab-offer/1"


@dataclass
class QuadraticCost:
    """C(x~) = 1/2 x~' H x~ + g' x~ + c0 over box-normalised x~ (currency per hour); H positive semidefinite."""

    H: np.ndarray
    g: np.ndarray
    c0: float

    def __call__(self, xt) -> np.ndarray:
        xt = np.atleast_2d(np.asarray(xt, float))
        return 0.5 * np.einsum("ni,ij,nj->n", xt, self.H, xt) + xt @ self.g + self.c0

    def gradient(self, xt) -> np.ndarray:
        return np.atleast_2d(np.asarray(xt, float)) @ self.H + self.g

    def casadi(self, xt):
        import casadi as ca

        return 0.5 * ca.bilin(ca.DM(self.H), xt, xt) + ca.dot(ca.DM(self.g), xt) + self.c0

    def to_dict(self) -> dict:
        return {"H": np.asarray(self.H, float).tolist(), "g": np.asarray(self.g, float).tolist(), "c0": float(self.c0)}

    @classmethod
    def from_dict(cls, d: dict) -> "QuadraticCost":
        return cls(np.asarray(d["H"], float), np.asarray(d["g"], float), float(d["c0"]))


@dataclass
class Offer:
    """What one DSO hands to the TSO for one PCC (see module docstring).

    pcc: identity of the coupling point, e.g. {"ds": "case33bw", "ts_bus": 4}; base: base values, e.g.
    {"sn_mva": 100.0}; info: free-form provenance (fit parameters, error measures) that reveals no topology.
    """

    box: Box
    polynomial: ImplicitPolynomial
    cost: QuadraticCost
    pcc: dict = field(default_factory=dict)
    base: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ numpy
    def normalise(self, p_mw, q_mvar, vm_pu) -> np.ndarray:
        x = np.column_stack([np.atleast_1d(p_mw), np.atleast_1d(q_mvar), np.atleast_1d(vm_pu)]).astype(float)
        return self.box.normalise(x)

    def f(self, p_mw, q_mvar, vm_pu) -> np.ndarray:
        """f(x~) + margin; <= 0 means the offer declares the point feasible."""
        return self.polynomial(self.normalise(p_mw, q_mvar, vm_pu))

    def feasible(self, p_mw, q_mvar, vm_pu) -> np.ndarray:
        """Boolean array: the point lies in the offered region (and in its bounding box)."""
        xt = self.normalise(p_mw, q_mvar, vm_pu)
        inside_box = np.all(np.abs(xt) <= 1 + 1e-9, axis=1)
        return (self.polynomial(xt) <= 0) & inside_box

    def cost_of(self, p_mw, q_mvar, vm_pu) -> np.ndarray:
        """Offered cost (currency per hour) of operating the PCC at the point."""
        return self.cost(self.normalise(p_mw, q_mvar, vm_pu))

    def gradients(self, p_mw, q_mvar, vm_pu) -> tuple[np.ndarray, np.ndarray]:
        """(df/dx, dC/dx) in physical units (per MW, per Mvar, per p.u.)."""
        xt = self.normalise(p_mw, q_mvar, vm_pu)
        scale = 1.0 / self.box.half
        return self.polynomial.gradient(xt) * scale, self.cost.gradient(xt) * scale

    # ------------------------------------------------------------------ casadi
    def casadi(self, p_mw, q_mvar, vm_pu):
        """(f + margin, cost) as CasADi expressions of physical symbols (MW, Mvar, p.u.)."""
        import casadi as ca

        x = ca.vertcat(p_mw, q_mvar, vm_pu)
        xt = (x - ca.DM(self.box.center)) / ca.DM(self.box.half)
        return self.polynomial.casadi(xt), self.cost.casadi(xt)

    # ------------------------------------------------------------------ pyomo
    def pyomo_block(self, model=None, name: str = "offer"):
        """A Pyomo Block with variables p_mw, q_mvar, vm_pu (box bounds), the constraint ``region`` (f + m <= 0)
        and the expression ``cost``; added to ``model`` under ``name`` when a model is given."""
        import pyomo.environ as pyo

        blk = pyo.Block(concrete=True)
        lo, hi = np.asarray(self.box.lo, float), np.asarray(self.box.hi, float)
        blk.p_mw = pyo.Var(bounds=(lo[0], hi[0]), initialize=float(self.box.center[0]))
        blk.q_mvar = pyo.Var(bounds=(lo[1], hi[1]), initialize=float(self.box.center[1]))
        blk.vm_pu = pyo.Var(bounds=(lo[2], hi[2]), initialize=float(self.box.center[2]))
        c, h = self.box.center, self.box.half
        xt = [(blk.p_mw - float(c[0])) / float(h[0]), (blk.q_mvar - float(c[1])) / float(h[1]),
              (blk.vm_pu - float(c[2])) / float(h[2])]
        poly = self.polynomial
        fexpr = sum(float(cf) * xt[0] ** int(a) * xt[1] ** int(b) * xt[2] ** int(g)
                    for cf, (a, b, g) in zip(poly.coef, poly.exps) if cf != 0.0) + float(poly.margin)
        blk.f = pyo.Expression(expr=fexpr)
        blk.region = pyo.Constraint(expr=blk.f <= 0)
        H, g = self.cost.H, self.cost.g
        blk.cost = pyo.Expression(expr=0.5 * sum(float(H[i, j]) * xt[i] * xt[j] for i in range(3) for j in range(3))
                                  + sum(float(g[i]) * xt[i] for i in range(3)) + float(self.cost.c0))
        if model is not None:
            model.add_component(name, blk)
        return blk

    # ------------------------------------------------------------------ file
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "box": {"lo": np.asarray(self.box.lo, float).tolist(), "hi": np.asarray(self.box.hi, float).tolist(),
                    "axes": ["p_mw", "q_mvar", "vm_pu"]},
            "polynomial": self.polynomial.to_dict(),
            "cost": self.cost.to_dict(),
            "pcc": self.pcc,
            "base": self.base,
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Offer":
        if d.get("format") != FORMAT:
            raise ValueError(f"not a forlab offer (format {d.get('format')!r}, expected {FORMAT!r})")
        return cls(
            Box(np.asarray(d["box"]["lo"], float), np.asarray(d["box"]["hi"], float)),
            ImplicitPolynomial.from_dict(d["polynomial"]), QuadraticCost.from_dict(d["cost"]),
            dict(d.get("pcc", {})), dict(d.get("base", {})), dict(d.get("info", {})),
        )

    def save(self, path) -> Path:
        """Write the offer as JSON, atomically (temporary file in the same directory, then rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(self.to_dict(), fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return path

    @classmethod
    def load(cls, path) -> "Offer":
        with open(path) as fh:
            return cls.from_dict(json.load(fh))
