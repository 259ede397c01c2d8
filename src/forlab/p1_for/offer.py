"""The DSO's offer to the TSO: an analytical FOR and its price at one PCC, and nothing about the DS grid.

An `Offer` holds the bounding box, the implicit polynomial f (region f + margin <= 0 in box-normalised coordinates,
eqs. (p1-polynomial) and (p1-margin)), the quadratic price C(x~) = 1/2 x~'H x~ + g'x~ + c0 (currency per hour,
eq. (p1-price)), the PCC's identity and base values. It is data: it evaluates with numpy and saves to / loads from a
JSON file bit for bit (floats are written with ``repr``, which round-trips exactly). Its CasADi and Pyomo
formulations (the TSO's NLP, eq. (p1-tso)) are `forlab.p1_for.formulations`.

A file comes from another party, so reading one checks it before trusting it (`check_offer_dict`, then
`Offer.check`), cheap checks first: the file's size, its format, shapes and types, the polynomial's degree (at most
`MAX_DEGREE`, before anything whose cost grows with the degree is built: the monomial list grows as degree^4),
finite numbers, then a box with positive width on every axis, voltages in `VM_RANGE_PU` and corners within
`MAX_PCC_MVA`, a margin m >= 0 (`check_margin`) and a region that is not empty (`check_region`), and a convex price
(H symmetric positive semidefinite). Each failure is a ValueError saying what to change (``check=False`` skips the
semantic ones, box, margin, region and price, for a tool that reports on a bad file itself).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forlab.book.store import atomic_write
from forlab.book.tables import listed
from forlab.grid.validate import finite_numbers, short
from forlab.p1_for.dso_opf import Box
from forlab.p1_for.polynomial import CENTRAL_GRID, DEGREES, ImplicitPolynomial, on_grid
from forlab.p1_for.price import QuadraticCost

FORMAT = "forlab-offer/1"
AXES = ["p_mw", "q_mvar", "vm_pu"]
# the largest degree `forlab.p1_for.polynomial.fit` produces (its DEGREES); a degree-150 file used to take 17.6 s
# to be refused because the exponent list is built first (its cost grows with degree^4)
MAX_DEGREE = max(DEGREES)
# apparent power at a corner of the box, MVA: a DS is supplied through HV/MV or EHV/HV substations of at most a few
# hundred MVA (transformer banks up to about 3 x 300 MVA); beyond 1 GVA a "DS" is a transmission corridor or a unit
# error (kW or W written as MW). Raise it per call (`Offer.load(path, max_mva=...)`) for a larger DS.
MAX_PCC_MVA = 1000.0
# PCC voltage magnitude, p.u.: operating voltages lie within +-10 % of nominal; half or 1.5 times nominal is a unit
# or base error, not a region
VM_RANGE_PU = (0.5, 1.5)
# an offer of degree MAX_DEGREE with its provenance is a few kB; a larger file is refused before it is parsed
MAX_FILE_BYTES = 1_000_000


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
    def from_dict(cls, d: dict, max_mva: float = MAX_PCC_MVA, *, check: bool = True) -> Offer:
        """The offer of a dict in the file format, checked (`check_offer_dict`, then `check` unless ``check`` is
        False); ValueError if bad."""
        check_offer_dict(d)
        offer = cls(
            Box(np.asarray(d["box"]["lo"], float), np.asarray(d["box"]["hi"], float)),
            ImplicitPolynomial.from_dict(d["polynomial"]), QuadraticCost.from_dict(d["cost"]),
            dict(d.get("pcc", {})), dict(d.get("base", {})), dict(d.get("info", {})),
        )
        if check:
            offer.check(max_mva)
        return offer

    def check(self, max_mva: float = MAX_PCC_MVA) -> None:
        """ValueError unless the box has positive width on every axis (lo < hi), its voltages lie in `VM_RANGE_PU`,
        its corners' apparent power is at most ``max_mva``, the margin is >= 0 (`check_margin`), the region is
        not empty (`check_region`) and the price is convex (H symmetric PSD)."""
        self._check_box(max_mva)
        check_margin(self.polynomial)
        check_region(self.polynomial)
        self._check_price()

    def _check_box(self, max_mva: float) -> None:
        """ValueError unless lo < hi on every axis, the voltages are per unit and the corners within max_mva."""
        lo, hi = np.asarray(self.box.lo, float), np.asarray(self.box.hi, float)
        for k, axis in enumerate(AXES):
            if not hi[k] - lo[k] > 1e-9:  # Box.half's threshold: a narrower axis cannot be normalised
                raise ValueError(f"offer box {axis}: lo {float(lo[k])!r} >= hi {float(hi[k])!r} (zero width or "
                                 f"swapped): an offer needs lo < hi on every axis; re-fit it from the DS's samples")
        if lo[2] < VM_RANGE_PU[0] or hi[2] > VM_RANGE_PU[1]:
            raise ValueError(f"offer box vm_pu [{float(lo[2])!r}, {float(hi[2])!r}] leaves {list(VM_RANGE_PU)} "
                             f"p.u.: the voltage axis is in per unit of the nominal voltage (check the unit)")
        s_max = float(np.hypot(max(abs(lo[0]), abs(hi[0])), max(abs(lo[1]), abs(hi[1]))))
        if s_max > max_mva:
            raise ValueError(f"offer box reaches {s_max:.6g} MVA at a corner, above max_mva = {max_mva:g} MVA "
                             f"(forlab.p1_for.offer.MAX_PCC_MVA, a documented bound for a DS's PCC): check the units "
                             f"(MW, Mvar) or pass a larger max_mva for a DS this large")

    def _check_price(self) -> None:
        """ValueError unless the price's H is symmetric positive semidefinite (a convex price)."""
        H = np.asarray(self.cost.H, float)
        scale = max(1.0, float(np.abs(H).max()))
        if not np.allclose(H, H.T, rtol=0.0, atol=1e-9 * scale):
            raise ValueError("offer cost.H is not symmetric: the price 1/2 x'Hx + g'x + c0 needs H = H'")
        eig = float(np.linalg.eigvalsh(0.5 * (H + H.T)).min())
        if eig < -1e-9 * scale:
            raise ValueError(f"offer cost.H has a negative eigenvalue ({eig:.6g}): the price is concave in some "
                             f"direction, so the TSO's optimum would run to the box edge; re-fit it "
                             f"(forlab.p1_for.price.fit_cost returns H positive semidefinite)")

    def save(self, path) -> Path:
        """Write the offer as JSON, atomically (`forlab.book.store.atomic_write`: a temporary file in the same
        folder, fsynced, renamed over ``path``; readable by all, as an offer is meant to be sent to the TSO)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, lambda tmp: tmp.write_text(json.dumps(self.to_dict(), indent=1)))

    @classmethod
    def load(cls, path, max_mva: float = MAX_PCC_MVA) -> Offer:
        """Read and check an offer file (see module docstring); ValueError naming the file and what is wrong."""
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{path}: {size} bytes is not an offer (at most {MAX_FILE_BYTES} bytes; an offer of "
                             f"degree {MAX_DEGREE} is a few kB)")
        try:
            with open(path) as fh:
                d = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: not a forlab offer (not JSON: {e})") from None
        try:
            return cls.from_dict(d, max_mva)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None


def check_margin(poly: ImplicitPolynomial) -> None:
    """ValueError unless the margin m of the region f + m <= 0 is >= 0 (NaN fails too): a negative margin widens
    the region beyond the fitted surface, a large enough one to the whole box."""
    if not float(poly.margin) >= 0:
        raise ValueError(f"offer polynomial.margin is {float(poly.margin)!r}: the margin shrinks the region "
                         f"f + m <= 0 and must be >= 0 (a negative one offers points the fit found infeasible); "
                         f"re-fit the offer (forlab.p1_for.polynomial.calibrate_margin returns m >= 0)")


def check_region(poly: ImplicitPolynomial, n: int = CENTRAL_GRID) -> None:
    """ValueError unless the region f + m <= 0 has a point of the n x n x n grid of the box
    (`forlab.p1_for.polynomial.on_grid`). The default grid is the one the TSO's start is taken on
    (`forlab.p1_for.polynomial.central_point`): a region with a point there gives the TSO a start inside it."""
    _, f = on_grid(poly, n)
    if not np.any(f <= 0):
        raise ValueError(f"offer region is empty: f + m > 0 at all {n}³ grid points of the box (smallest "
                         f"{float(f.min()):.4g}), so the TSO has no point to choose; re-fit the offer (a constant "
                         f"positive polynomial or too large a margin offers nothing)")


def _numbers(value, shape: tuple, what: str, fix: str = "") -> np.ndarray:
    """``value`` as a float array of ``shape`` with finite entries; ValueError naming the offer's field ``what``
    (`forlab.grid.validate.finite_numbers`). Numbers of the right nesting but the wrong size are counted, not
    printed ("got 34 numbers, expected 35", then ``fix``): a list of 34 floats cut to 80 characters hides its
    length, which is what is wrong."""
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nesting: finite_numbers says so
        arr = np.asarray([], dtype=object)
    if arr.dtype.kind in "iuf" and arr.ndim == len(shape) and arr.shape != shape:
        one = "" if arr.size == 1 else "s"
        got = f"{arr.size} number{one}, expected {shape[0]}" if arr.ndim == 1 else f"shape {arr.shape}, expected {shape}"
        raise ValueError(f"offer {what}: got {got}{fix}")
    return finite_numbers(value, shape, f"offer {what}", entry="coefficient")


def _exponents(value, n_coef: int, deg: int) -> None:
    """ValueError naming the offer's field ``polynomial.exponents`` unless ``value`` is an integer array of shape
    (``n_coef``, 3): one row of powers of (P~, Q~, V~) per coefficient. Whether the rows are this forlab version's
    order is `forlab.p1_for.polynomial.ImplicitPolynomial.from_dict`'s check."""
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nesting
        arr = np.asarray([], dtype=object)
    if arr.dtype.kind not in "iu" or arr.shape != (n_coef, 3):
        raise ValueError(f"offer polynomial.exponents (degree {deg}) must be integers of shape ({n_coef}, 3), one row "
                         f"of powers of (P~, Q~, V~) per coefficient, got {short(value)}: re-save the offer with this "
                         f"forlab version (or leave the field out)")


_JSON_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "true/false value",
               type(None): "null"}
"""What a JSON value other than an object is called, by the Python type `json.load` gives it."""


def check_offer_dict(d) -> None:
    """The cheap checks of an offer in file form, before anything is built from it: format, the sections and their
    shapes, the polynomial's degree (1..`MAX_DEGREE`; the coefficient count is (d+1)(d+2)(d+3)/6), its exponents
    (when given: integers, one row of three per coefficient) and ``convex`` flag (when given: true or false), finite
    numbers. ValueError saying which field is wrong and what to change. ``pcc``, ``base`` and ``info`` are optional
    (objects when given; `Offer.from_dict` reads a missing one as empty): they describe the offer (where it is
    coupled, base values, provenance), its region and price do not depend on them, and a reader of a file says what
    it leaves out (chapter 10's ``file_text``)."""
    if not isinstance(d, dict):
        # a JSON list, string or number: say what the file holds, not a "format" it does not have
        kind = _JSON_KINDS.get(type(d), type(d).__name__)
        msg = f"not a forlab offer: it is a JSON {kind}; an offer file is one JSON object with \"format\": \"{FORMAT}\""
        raise ValueError(msg)  # noqa: TRY004 - a malformed file is a ValueError whatever is wrong in it
    if "format" not in d:
        raise ValueError(f"not a forlab offer: it has no \"format\" field (expected {FORMAT!r})")
    if d["format"] != FORMAT:
        raise ValueError(f"not a forlab offer (format {d['format']!r}, expected {FORMAT!r})")
    for key in ("box", "polynomial", "cost"):
        if not isinstance(d.get(key), dict):
            # a malformed file is a ValueError whatever is wrong in it: one error for callers to catch
            raise ValueError(f"offer section {key!r} is missing or not an object")  # noqa: TRY004
    for key in ("pcc", "base", "info"):
        if not isinstance(d.get(key, {}), dict):
            raise ValueError(f"offer section {key!r} must be an object, got {short(d[key])}")  # noqa: TRY004
    box, poly, cost = d["box"], d["polynomial"], d["cost"]
    if box.get("axes", AXES) != AXES:
        raise ValueError(f"offer box axes must be {AXES}, got {short(box.get('axes'))}")
    _numbers(box.get("lo"), (3,), "box.lo", f" (one per axis of {AXES})")
    _numbers(box.get("hi"), (3,), "box.hi", f" (one per axis of {AXES})")
    deg = poly.get("degree")
    if isinstance(deg, bool) or not isinstance(deg, int) or not 1 <= deg <= MAX_DEGREE:
        fitted = listed(DEGREES, "or")
        raise ValueError(f"offer polynomial.degree must be an integer from 1 to {MAX_DEGREE} (forlab fits {fitted}), "
                         f"got {short(deg)}")
    n_coef = (deg + 1) * (deg + 2) * (deg + 3) // 6
    _numbers(poly.get("coef"), (n_coef,), f"polynomial.coef (degree {deg})",
             f" (one per monomial of degree <= {deg} in P~, Q~, V~): correct polynomial.degree or the coefficients")
    if "exponents" in poly:
        _exponents(poly["exponents"], n_coef, deg)
    if not isinstance(poly.get("convex", False), bool):
        # bool("false") is True: a string would turn the flag on without a word
        msg = f"offer polynomial.convex must be true or false (an SOS-convex fit or not), got {short(poly['convex'])}"
        raise ValueError(msg)  # noqa: TRY004 - a malformed file is a ValueError whatever is wrong in it
    _numbers(poly.get("margin", 0.0), (), "polynomial.margin")
    _numbers(cost.get("H"), (3, 3), "cost.H", f" (a row and a column per axis of {AXES})")
    _numbers(cost.get("g"), (3,), "cost.g", f" (one per axis of {AXES})")
    _numbers(cost.get("c0"), (), "cost.c0")
    sn = d.get("base", {}).get("sn_mva", 1.0)
    if _numbers(sn, (), "base.sn_mva") <= 0:
        raise ValueError(f"offer base.sn_mva must be positive, got {sn!r}")
