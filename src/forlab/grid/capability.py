"""PQ charts of flexibility-providing units.

A PQ chart is the set of (P, Q) set-points a unit can hold, in MW and Mvar (generator convention: P > 0 injects).
One immutable class per shape, all sharing the `PQChart` faces:

* `contains(p, q)`: vectorised membership test;
* `bounds()`: bounding box (p_min, p_max, q_min, q_max);
* `sample(n, rng)`: n points inside the chart, Latin Hypercube over the bounding box then rejection;
* `casadi_constraints(p, q)`: ``[(expr, lb, ub), ...]`` rows for any CasADi NLP (smooth);
* `linear_rows()`: ``(A, b)`` with ``A @ [p, q] <= b`` where the chart is a polyhedron;
* `to_dict()/from_dict()`, `to_json()/from_json()` tagged by ``kind``; `vertices_for_plot()`.

Shapes: `Rectangle`, `Circle` (inverter: p^2 + q^2 <= s^2 with p_min <= p <= p_max), `PowerFactorCone`
(|q| <= tan(acos(pf_min)) p with p_min <= p <= p_max) and convex `Polygon`.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
from scipy.stats import qmc

__all__ = ["Circle", "PQChart", "Polygon", "PowerFactorCone", "Rectangle", "as_chart"]

_REGISTRY: dict[str, type[PQChart]] = {}


# what each chart field holds, for the error that names it
_FIELD_UNITS = {"p_min": "MW", "p_max": "MW", "q_min": "Mvar", "q_max": "Mvar", "s_mva": "MVA",
                "pf_min": "a power factor in (0, 1]", "factor": "dimensionless"}


def _invalid(chart: str, problem: str) -> ValueError:
    """The ValueError of an invalid chart, every message worded the same way: "<chart> chart: <problem>"."""
    return ValueError(f"{chart} chart: {problem}")


def _amount(name: str, value: float) -> str:
    """``value`` of field ``name`` with its unit, e.g. "p_max 2.0 MW", for the messages that compare two fields."""
    return f"{name} {value} {_FIELD_UNITS.get(name, 'MW or Mvar')}"


def _finite(chart: str, name: str, value: float) -> float:
    """``value`` as a float; ValueError naming the chart and the field for text, a flag, None or a non-finite number
    (float("1") would quietly accept a string, so text is refused before the conversion)."""
    wrong_type = isinstance(value, (str, bytes, bool, np.bool_))
    try:
        number = math.nan if wrong_type else float(value)
    except (TypeError, ValueError):
        wrong_type = True
    if wrong_type or not math.isfinite(number):
        raise _invalid(chart, f"{name} must be a finite number ({_FIELD_UNITS.get(name, 'MW or Mvar')}), "
                              f"got {value!r}")
    return number


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


class PQChart(ABC):
    """Base class of the PQ charts. Quantities in MW (p) and Mvar (q)."""

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            _REGISTRY[cls.kind] = cls

    # -- geometry ---------------------------------------------------------------------------------------------------
    @abstractmethod
    def contains(self, p, q, tol: float = 1e-9) -> np.ndarray:
        """Element-wise membership of the points (p, q) (MW, Mvar, broadcastable arrays), with tolerance ``tol``."""

    @abstractmethod
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounding box (p_min, p_max, q_min, q_max) in MW and Mvar."""

    @abstractmethod
    def casadi_constraints(self, p, q) -> list[tuple[Any, float, float]]:
        """Chart as smooth CasADi rows ``lb <= expr <= ub`` in the unit's p (MW) and q (Mvar) symbols."""

    @abstractmethod
    def vertices_for_plot(self, n: int = 200) -> np.ndarray:
        """Closed outline (k, 2) of the chart in (MW, Mvar), first point repeated at the end."""

    @abstractmethod
    def scaled(self, factor: float) -> PQChart:
        """The same shape with every MW/Mvar quantity multiplied by ``factor`` > 0."""

    @abstractmethod
    def _params(self) -> dict:
        """Constructor arguments as plain floats/lists."""

    def linear_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, b) with ``A @ [p, q] <= b`` describing the chart; ValueError for a non-polyhedral chart."""
        raise ValueError(f"a {self.kind} chart is not a polyhedron")

    def half_planes(self) -> tuple[np.ndarray, np.ndarray]:
        """The chart as ``A @ [p, q] <= b`` with rows of unit length (so that a tolerance on ``b`` is in MW and
        Mvar): its own `linear_rows` where it is a polyhedron, else the edges of its outline (`vertices_for_plot`,
        every chart shape being convex), each turned to keep the chart's `center`: what a plane cut of a DS's
        region through one FPU's P and Q needs of that FPU's chart."""
        try:
            a, b = self.linear_rows()
        except ValueError:
            pts = self.vertices_for_plot()
            edge = np.diff(pts, axis=0)
            a = np.c_[edge[:, 1], -edge[:, 0]]
            keep = np.linalg.norm(a, axis=1) > 0
            a, b = a[keep], np.einsum("ij,ij->i", a[keep], pts[:-1][keep])
            flip = a @ np.asarray(self.center(), float) > b
            a, b = np.where(flip[:, None], -a, a), np.where(flip, -b, b)
        norm = np.linalg.norm(a, axis=1)
        return a / norm[:, None], b / norm

    def center(self) -> tuple[float, float]:
        """A point well inside the chart (MW, Mvar): the centroid of its outline."""
        v = self.vertices_for_plot(400)[:-1]
        return _centroid(v)

    def nearest(self, p: float = 0.0, q: float = 0.0) -> tuple[float, float]:
        """The point of the chart closest to (p, q) (MW, Mvar); (p, q) itself if it lies inside."""
        if bool(self.contains(p, q)):
            return float(p), float(q)
        return _nearest_on_outline(self.vertices_for_plot(), p, q)

    def sample(self, n: int, rng=None, *, max_rounds: int = 50) -> np.ndarray:
        """n points (n, 2) inside the chart: a Latin Hypercube over the bounding box, points outside rejected.

        Every round draws one Latin Hypercube design sized by the expected acceptance rate (chart area over box
        area, then the observed rate); the accepted points of all rounds are pooled and n of them taken at random,
        so the result is exactly n points inside the chart. For a rectangle it is a plain n-point Latin Hypercube.
        ``rng``: a numpy Generator, a seed or None.
        """
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return np.zeros((0, 2))
        gen = _rng(rng)
        p0, p1, q0, q1 = self.bounds()
        lo, hi = np.array([p0, q0]), np.array([p1, q1])
        box = (p1 - p0) * (q1 - q0)
        # expected acceptance: chart area over box area (1 for a rectangle, whose sample is then a plain LHS)
        rate = min(1.0, self.area() / box) if box > 0 else 1.0
        accepted: list[np.ndarray] = []
        have = 0
        for k in range(max_rounds):
            need = n - have
            m = need if rate >= 1.0 else max(math.ceil((1.1 if k == 0 else 1.5) * need / max(rate, 1e-3)), 2)
            u = qmc.LatinHypercube(d=2, rng=gen).random(m)
            pts = lo + u * (hi - lo)
            ok = self.contains(pts[:, 0], pts[:, 1])
            rate = min(rate, max(ok.mean(), 1e-3)) if k == 0 else max(ok.mean(), 1e-3)
            accepted.append(pts[ok])
            have += int(ok.sum())
            if have >= n:
                break
        else:
            raise RuntimeError(f"{self!r}: only {have} of {n} samples inside after {max_rounds} rounds")
        pool = np.concatenate(accepted)
        if len(pool) == n:
            return pool
        return pool[np.sort(gen.choice(len(pool), size=n, replace=False))]

    def area(self) -> float:
        """Area of the chart (MW x Mvar), from its outline."""
        v = self.vertices_for_plot(2000)[:-1]
        x, y = v[:, 0], v[:, 1]
        return float(abs(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) / 2)

    # -- serialisation ----------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain dict tagged by ``kind`` (MW/Mvar numbers), inverse of `from_dict`."""
        return {"kind": self.kind, **self._params()}

    def to_json(self) -> str:
        """Compact JSON of `to_dict`, the form stored in ``net.sgen["chart"]``."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> PQChart:
        """Chart from a dict of `to_dict`; called on `PQChart` it dispatches on ``kind``."""
        data, kinds = dict(data), ", ".join(sorted(_REGISTRY))
        if "kind" not in data:
            raise ValueError(f"PQ chart: missing 'kind', one of {kinds}; the dict has "
                             f"{', '.join(map(str, data)) or 'no keys'}")
        kind = data.pop("kind")
        target = _REGISTRY.get(kind) if isinstance(kind, str) else None  # a list would be unhashable here
        if target is None:
            raise ValueError(f"PQ chart: unknown chart kind {kind!r}, one of {kinds}")
        if cls is not PQChart and target is not cls:
            raise ValueError(f"{cls.__name__}.from_dict got a chart of kind {kind!r}")
        _check_keys(target, data)
        return target(**data)

    @classmethod
    def from_json(cls, text: str) -> PQChart:
        """Chart from the JSON of `to_json`; ValueError saying it was a PQ chart's JSON and where it failed."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"PQ chart JSON does not parse: {err.msg} at line {err.lineno} column {err.colno} "
                             f"of {_clipped(text)} (`to_json` writes the expected form)") from err
        if not isinstance(data, dict):  # a malformed text is a ValueError whatever is wrong in it
            raise ValueError(  # noqa: TRY004
                f"PQ chart JSON must be an object with a 'kind' and the chart's fields, got {_clipped(text)}")
        return cls.from_dict(data)


def _clipped(text: str, width: int = 80) -> str:
    """``text`` quoted, cut to ``width`` characters so that a long input does not flood the message."""
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _check_keys(target: type[PQChart], data: dict) -> None:
    """ValueError naming the chart and its fields when ``data`` misses a required field or holds an unknown one
    (instead of the constructor's TypeError about positional arguments)."""
    names = [f.name for f in fields(target) if f.init]
    required = [f.name for f in fields(target) if f.init and f.default is MISSING and f.default_factory is MISSING]
    missing = [name for name in required if name not in data]
    unknown = sorted(str(key) for key in data if key not in names)
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
        [f"unknown {', '.join(unknown)}"] if unknown else [])
    if problems:
        raise ValueError(f"{target.__name__} chart (kind {target.kind!r}): {'; '.join(problems)}; its fields are "
                         f"{', '.join(names)} (required: {', '.join(required)})")


def as_chart(spec) -> PQChart:
    """A `PQChart` from a chart, its dict or its JSON."""
    if isinstance(spec, PQChart):
        return spec
    if isinstance(spec, dict):
        return PQChart.from_dict(spec)
    if isinstance(spec, str):
        return PQChart.from_json(spec)
    raise TypeError(f"cannot make a PQ chart from {type(spec).__name__}")


def _nearest_on_outline(outline: np.ndarray, p: float, q: float) -> tuple[float, float]:
    a, b = outline[:-1], outline[1:]
    d = b - a
    len2 = np.einsum("ij,ij->i", d, d)
    t = np.where(
        len2 > 0, np.einsum("ij,ij->i", np.array([p, q]) - a, d) / np.where(len2 > 0, len2, 1.0), 0.0
    )
    c = a + np.clip(t, 0.0, 1.0)[:, None] * d
    k = int(np.argmin(np.hypot(c[:, 0] - p, c[:, 1] - q)))
    return float(c[k, 0]), float(c[k, 1])


def _centroid(v: np.ndarray) -> tuple[float, float]:
    x, y = v[:, 0], v[:, 1]
    xs, ys = np.roll(x, -1), np.roll(y, -1)
    cross = x * ys - xs * y
    area = cross.sum() / 2
    if abs(area) < 1e-12 * max(1.0, np.ptp(x) * np.ptp(y)):
        return float(x.mean()), float(y.mean())
    return float(((x + xs) * cross).sum() / (6 * area)), float(((y + ys) * cross).sum() / (6 * area))


@dataclass(frozen=True)
class Rectangle(PQChart):
    """Box p_min <= p <= p_max (MW), q_min <= q <= q_max (Mvar)."""

    p_min: float
    p_max: float
    q_min: float
    q_max: float
    kind: ClassVar[str] = "rectangle"

    def __post_init__(self):
        for name in ("p_min", "p_max", "q_min", "q_max"):
            object.__setattr__(self, name, _finite("Rectangle", name, getattr(self, name)))
        if self.p_max < self.p_min:
            raise _invalid("Rectangle", f"empty rectangle: {_amount('p_max', self.p_max)} < "
                                        f"{_amount('p_min', self.p_min)} (p_max must be >= p_min)")
        if self.q_max < self.q_min:
            raise _invalid("Rectangle", f"empty rectangle: {_amount('q_max', self.q_max)} < "
                                        f"{_amount('q_min', self.q_min)} (q_max must be >= q_min)")

    def contains(self, p, q, tol: float = 1e-9) -> np.ndarray:
        p, q = np.asarray(p, float), np.asarray(q, float)
        return (
            (p >= self.p_min - tol)
            & (p <= self.p_max + tol)
            & (q >= self.q_min - tol)
            & (q <= self.q_max + tol)
        )

    def bounds(self):
        return self.p_min, self.p_max, self.q_min, self.q_max

    def casadi_constraints(self, p, q):
        return [(p, self.p_min, self.p_max), (q, self.q_min, self.q_max)]

    def linear_rows(self):
        a = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        return a, np.array([self.p_max, -self.p_min, self.q_max, -self.q_min])

    def vertices_for_plot(self, n: int = 200) -> np.ndarray:
        return np.array(
            [
                [self.p_min, self.q_min],
                [self.p_max, self.q_min],
                [self.p_max, self.q_max],
                [self.p_min, self.q_max],
                [self.p_min, self.q_min],
            ]
        )

    def center(self):
        return (self.p_min + self.p_max) / 2, (self.q_min + self.q_max) / 2

    def nearest(self, p: float = 0.0, q: float = 0.0):
        return float(np.clip(p, self.p_min, self.p_max)), float(np.clip(q, self.q_min, self.q_max))

    def scaled(self, factor: float) -> Rectangle:
        k = _positive("Rectangle", "factor", factor)
        return Rectangle(self.p_min * k, self.p_max * k, self.q_min * k, self.q_max * k)

    def _params(self):
        return {"p_min": self.p_min, "p_max": self.p_max, "q_min": self.q_min, "q_max": self.q_max}


def _positive(chart: str, name: str, value: float) -> float:
    value = _finite(chart, name, value)
    if value <= 0:
        raise _invalid(chart, f"{name} must be > 0 ({_FIELD_UNITS.get(name, 'MW or Mvar')}), got {value}")
    return value


@dataclass(frozen=True)
class Circle(PQChart):
    """Inverter chart: p^2 + q^2 <= s_mva^2 and p_min <= p <= p_max (MW, Mvar, MVA)."""

    s_mva: float
    p_max: float
    p_min: float = 0.0
    kind: ClassVar[str] = "circle"

    def __post_init__(self):
        object.__setattr__(self, "s_mva", _positive("Circle", "s_mva", self.s_mva))
        object.__setattr__(self, "p_max", _finite("Circle", "p_max", self.p_max))
        object.__setattr__(self, "p_min", _finite("Circle", "p_min", self.p_min))
        if self.p_max < self.p_min:
            raise _invalid("Circle", f"{_amount('p_max', self.p_max)} < {_amount('p_min', self.p_min)} "
                                     "(p_max must be >= p_min)")
        if self.p_max > self.s_mva:
            raise _invalid("Circle", f"{_amount('p_max', self.p_max)} exceeds the apparent-power rating "
                                     f"{_amount('s_mva', self.s_mva)} (p_max must be <= s_mva)")
        if self.p_min < -self.s_mva:
            raise _invalid("Circle", f"{_amount('p_min', self.p_min)} is below -s_mva {-self.s_mva} MW "
                                     "(p_min must be >= -s_mva)")

    def _q_half_width(self) -> float:
        p_near = 0.0 if self.p_min <= 0.0 <= self.p_max else min(abs(self.p_min), abs(self.p_max))
        return math.sqrt(max(self.s_mva**2 - p_near**2, 0.0))

    def contains(self, p, q, tol: float = 1e-9) -> np.ndarray:
        p, q = np.asarray(p, float), np.asarray(q, float)
        return (np.hypot(p, q) <= self.s_mva + tol) & (p >= self.p_min - tol) & (p <= self.p_max + tol)

    def bounds(self):
        w = self._q_half_width()
        return self.p_min, self.p_max, -w, w

    def casadi_constraints(self, p, q):
        return [(p**2 + q**2, -math.inf, self.s_mva**2), (p, self.p_min, self.p_max)]

    def linear_rows(self, n_facets: int | None = None):
        """Outer polygon: ``n_facets`` tangents of the circle plus the p bounds. Without n_facets: ValueError."""
        if n_facets is None:
            raise ValueError("a circle chart is not a polyhedron: pass n_facets for an outer approximation")
        if n_facets < 3:
            raise ValueError(f"n_facets must be >= 3, got {n_facets}")
        ang = 2 * np.pi * np.arange(n_facets) / n_facets
        a = np.vstack([np.c_[np.cos(ang), np.sin(ang)], [[1.0, 0.0], [-1.0, 0.0]]])
        b = np.r_[np.full(n_facets, self.s_mva), self.p_max, -self.p_min]
        return a, b

    def vertices_for_plot(self, n: int = 200) -> np.ndarray:
        a0 = math.acos(max(-1.0, min(1.0, self.p_max / self.s_mva)))
        a1 = math.acos(max(-1.0, min(1.0, self.p_min / self.s_mva)))
        # upper arc from p_max to p_min, then the lower arc back: angle a measured from the +p axis
        up = np.linspace(a0, a1, max(n // 2, 2))
        pts = np.r_[
            np.c_[self.s_mva * np.cos(up), self.s_mva * np.sin(up)],
            np.c_[self.s_mva * np.cos(up[::-1]), -self.s_mva * np.sin(up[::-1])],
        ]
        return np.vstack([pts, pts[:1]])

    def nearest(self, p: float = 0.0, q: float = 0.0):
        if bool(self.contains(p, q)):
            return float(p), float(q)
        # candidates: radial projection onto the circle, clipping onto the p strip, and the strip's corners
        r = math.hypot(p, q)
        cands = []
        if r > 0:
            cands.append((p * self.s_mva / r, q * self.s_mva / r))
        cands.append((float(np.clip(p, self.p_min, self.p_max)), q))
        for pe in (self.p_min, self.p_max):
            w = math.sqrt(max(self.s_mva**2 - pe**2, 0.0))
            cands.append((pe, float(np.clip(q, -w, w))))
        ok = [c for c in cands if bool(self.contains(*c, tol=1e-9 * max(1.0, self.s_mva)))]
        return min(ok, key=lambda c: math.hypot(c[0] - p, c[1] - q))

    def scaled(self, factor: float) -> Circle:
        k = _positive("Circle", "factor", factor)
        return Circle(self.s_mva * k, self.p_max * k, self.p_min * k)

    def _params(self):
        return {"s_mva": self.s_mva, "p_max": self.p_max, "p_min": self.p_min}


@dataclass(frozen=True)
class PowerFactorCone(PQChart):
    """Power-factor cone: |q| <= tan(acos(pf_min)) p with p_min <= p <= p_max (MW, Mvar; pf_min in (0, 1])."""

    p_max: float
    pf_min: float
    p_min: float = 0.0
    kind: ClassVar[str] = "cone"

    def __post_init__(self):
        for name in ("p_max", "pf_min", "p_min"):
            object.__setattr__(self, name, _finite("PowerFactorCone", name, getattr(self, name)))
        if not 0.0 < self.pf_min <= 1.0:
            raise _invalid("PowerFactorCone", f"pf_min must lie in (0, 1], got {self.pf_min}")
        if self.p_min < 0:
            raise _invalid("PowerFactorCone", f"{_amount('p_min', self.p_min)} < 0: the cone |q| <= tan(phi) p "
                                              "is empty for p < 0 (p_min must be >= 0)")
        if self.p_max <= 0:
            raise _invalid("PowerFactorCone", f"p_max must be > 0 (MW), got {self.p_max}")
        if self.p_max < self.p_min:
            raise _invalid("PowerFactorCone", f"{_amount('p_max', self.p_max)} < {_amount('p_min', self.p_min)} "
                                              "(p_max must be >= p_min)")

    @property
    def tan_phi(self) -> float:
        """Largest |q|/p (Mvar per MW)."""
        return math.tan(math.acos(self.pf_min))

    def contains(self, p, q, tol: float = 1e-9) -> np.ndarray:
        p, q = np.asarray(p, float), np.asarray(q, float)
        k = self.tan_phi
        return (np.abs(q) <= k * p + tol) & (p >= self.p_min - tol) & (p <= self.p_max + tol)

    def bounds(self):
        w = self.tan_phi * self.p_max
        return self.p_min, self.p_max, -w, w

    def casadi_constraints(self, p, q):
        k = self.tan_phi
        return [(q - k * p, -math.inf, 0.0), (q + k * p, 0.0, math.inf), (p, self.p_min, self.p_max)]

    def linear_rows(self):
        k = self.tan_phi
        a = np.array([[-k, 1.0], [-k, -1.0], [1.0, 0.0], [-1.0, 0.0]])
        return a, np.array([0.0, 0.0, self.p_max, -self.p_min])

    def vertices_for_plot(self, n: int = 200) -> np.ndarray:
        k = self.tan_phi
        v = [
            [self.p_min, -k * self.p_min],
            [self.p_max, -k * self.p_max],
            [self.p_max, k * self.p_max],
            [self.p_min, k * self.p_min],
        ]
        return np.array(v + [v[0]])

    def center(self):
        # centroid of the trapezoid between p_min and p_max (q = 0 by symmetry)
        a, b = self.p_min, self.p_max
        if b - a < 1e-12:
            return a, 0.0
        return (2 / 3) * (b**3 - a**3) / (b**2 - a**2), 0.0

    def scaled(self, factor: float) -> PowerFactorCone:
        k = _positive("PowerFactorCone", "factor", factor)
        return PowerFactorCone(self.p_max * k, self.pf_min, self.p_min * k)

    def _params(self):
        return {"p_max": self.p_max, "pf_min": self.pf_min, "p_min": self.p_min}


# what a user does about a polygon that is not convex
_CONVEX = ("a PQ chart must be convex: give the outline of a convex region, vertices in order around it (for "
           "example the convex hull of these points, scipy.spatial.ConvexHull(points).vertices)")


def _point(pq) -> str:
    """A vertex as the messages write it: "(p 1.0 MW, q 0.0 Mvar)"."""
    return f"(p {float(pq[0])} MW, q {float(pq[1])} Mvar)"


def _vertices(v: np.ndarray, given: np.ndarray, at: np.ndarray) -> str:
    """Vertices ``at`` (rows of ``v``) named by the user's index ``given`` and their (p, q), in the user's order,
    e.g. "vertex 1 (p 1.0 MW, q 0.0 Mvar)": the user gave the vertices, not the counter-clockwise copy."""
    named = [f"{given[k]} {_point(v[k])}" for k in sorted(at, key=lambda k: given[k])]
    noun = "vertex" if len(named) == 1 else "vertices"
    return f"{noun} {', '.join(named)} (counted from 0 in the order given)"


@dataclass(frozen=True)
class Polygon(PQChart):
    """Convex polygon given by its vertices ((p, q), ...) in MW/Mvar, either orientation; stored counter-clockwise.

    ``A @ [p, q] <= b`` (one row per edge, unit-norm rows) is computed from the vertices. ValueError for fewer than
    three vertices, repeated or collinear consecutive vertices, zero area, a non-convex or self-intersecting order.
    """

    vertices: tuple[tuple[float, float], ...]
    kind: ClassVar[str] = "polygon"
    _a: np.ndarray = field(init=False, repr=False, compare=False)
    _b: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        try:
            v = np.array(self.vertices, dtype=float)
        except (TypeError, ValueError) as err:
            raise _invalid("Polygon", f"vertices must be (p, q) pairs: {err}") from err
        if v.ndim != 2 or v.shape[1] != 2:
            raise _invalid("Polygon", f"vertices must be (p, q) pairs, got shape {v.shape}")
        if len(v) > 1 and np.allclose(v[0], v[-1]):
            v = v[:-1]  # a closed outline: drop the repeated first vertex
        if len(v) < 3:
            raise _invalid("Polygon", f"a polygon needs at least 3 vertices, got {len(v)}")
        if not np.all(np.isfinite(v)):
            raise _invalid("Polygon", "vertices must be finite")
        scale = max(float(np.ptp(v[:, 0])), float(np.ptp(v[:, 1])), 1e-300)
        edges = np.roll(v, -1, axis=0) - v
        lengths = np.hypot(edges[:, 0], edges[:, 1])
        if np.any(lengths <= 1e-12 * scale):
            k = int(np.argmin(lengths))
            raise _invalid("Polygon", f"degenerate polygon: vertices {k} and {(k + 1) % len(v)} coincide at "
                                      f"{_point(v[k])}; drop one of them")
        area = 0.5 * float(np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1]))
        if abs(area) <= 1e-12 * scale**2:
            if np.linalg.matrix_rank(v - v[0], tol=1e-12 * scale) < 2:
                raise _invalid("Polygon", "degenerate polygon: all vertices are collinear (zero area)")
            raise _invalid("Polygon", f"not convex: its outline intersects itself (zero signed area); {_CONVEX}")
        # the user's index of each vertex, kept through the turn to counter-clockwise so that messages name it
        given = np.arange(len(v))
        if area < 0:
            v, given = v[::-1], given[::-1]
            edges = np.roll(v, -1, axis=0) - v
        cross = edges[:, 0] * np.roll(edges[:, 1], -1) - edges[:, 1] * np.roll(edges[:, 0], -1)
        turn_at = (np.arange(len(v)) + 1) % len(v)  # cross[k] is the turn at vertex k + 1
        tol = 1e-12 * scale**2
        straight = turn_at[np.abs(cross) <= tol]
        if len(straight):
            raise _invalid("Polygon", f"degenerate polygon: {_vertices(v, given, straight)} "
                                      + ("is collinear with its neighbours; leave it out" if len(straight) == 1
                                         else "are collinear with their neighbours; leave them out"))
        if np.any(cross < 0):
            raise _invalid("Polygon", "not convex: its outline turns the wrong way at "
                                      f"{_vertices(v, given, turn_at[cross < 0])}; {_CONVEX}")
        turning = np.sum(np.arctan2(cross, np.sum(edges * np.roll(edges, -1, axis=0), axis=1)))
        if not math.isclose(turning, 2 * math.pi, rel_tol=1e-9):
            raise _invalid("Polygon", f"not convex: its outline intersects itself; {_CONVEX}")
        normals = np.c_[edges[:, 1], -edges[:, 0]] / np.hypot(edges[:, 0], edges[:, 1])[:, None]
        object.__setattr__(self, "vertices", tuple((float(p), float(q)) for p, q in v))
        object.__setattr__(self, "_a", normals)
        object.__setattr__(self, "_b", np.einsum("ij,ij->i", normals, v))

    def contains(self, p, q, tol: float = 1e-9) -> np.ndarray:
        p, q = np.asarray(p, float), np.asarray(q, float)
        pts = np.stack(np.broadcast_arrays(p, q), axis=-1)
        return np.all(pts @ self._a.T <= self._b + tol, axis=-1)

    def bounds(self):
        v = np.array(self.vertices)
        return float(v[:, 0].min()), float(v[:, 0].max()), float(v[:, 1].min()), float(v[:, 1].max())

    def casadi_constraints(self, p, q):
        return [(a0 * p + a1 * q, -math.inf, float(bi)) for (a0, a1), bi in zip(self._a, self._b)]

    def linear_rows(self):
        return self._a.copy(), self._b.copy()

    def vertices_for_plot(self, n: int = 200) -> np.ndarray:
        v = np.array(self.vertices)
        return np.vstack([v, v[:1]])

    def center(self):
        return _centroid(np.array(self.vertices))

    def scaled(self, factor: float) -> Polygon:
        k = _positive("Polygon", "factor", factor)
        return Polygon(tuple((p * k, q * k) for p, q in self.vertices))

    def _params(self):
        return {"vertices": [list(v) for v in self.vertices]}
