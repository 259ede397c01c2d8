"""The DSO's offer to the TSO: an analytical FOR and its price at one PCC, and nothing about the DS grid.

An `Offer` holds the bounding box, the implicit polynomial f (region f + margin <= 0 in box-normalised coordinates,
eqs. (p1-polynomial) and (p1-margin)), the quadratic price C(x~) = 1/2 x~'H x~ + g'x~ + c0 (currency per hour,
eq. (p1-price)), the PCC's identity and base values. It is data: it evaluates with numpy and saves to / loads from a
JSON file bit for bit (floats are written with ``repr``, which round-trips exactly). Its CasADi and Pyomo
formulations (the TSO's NLP, eq. (p1-tso)) are `forlab.p1_for.formulations`.
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
from forlab.p1_for.price import QuadraticCost

FORMAT = "forlab-offer/1"


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
    def from_dict(cls, d: dict) -> Offer:
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
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; an offer is meant to be sent to the TSO
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return path

    @classmethod
    def load(cls, path) -> Offer:
        with open(path) as fh:
            return cls.from_dict(json.load(fh))
