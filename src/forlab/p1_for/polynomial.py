"""P1: an implicit polynomial f(x~) <= 0 describing the sampled FOR, fitted with cvxpy (chapter 04's section "A region
and a price").

x~ is the PCC point (P, Q, V) normalised to the FOR's bounding box ([-1, 1]^3). f is a polynomial of degree 2, 4 or
6 (10, 35 or 84 coefficients), eq. (p1-polynomial), fitted "3L style" (Blane et al.): f = 0 on the boundary samples,
f = +e and -e at offsets e along their outward normals, Tikhonov regularisation of the coefficients, and sign
constraints on labelled interior (f <= -delta) and exterior (f >= +delta) points. Optionally f is SOS-convex
(eq. (p1-sos): its Hessian form y'H(x)y is a sum of squares, certified by a positive semidefinite Gram matrix), so
that {f <= 0} is convex; and a conservative margin m (eq. (p1-margin)) shrinks the region to {f + m <= 0}.

`ImplicitPolynomial` is data (numpy evaluation, dict I/O); its CasADi form is
`forlab.p1_for.formulations.polynomial_casadi`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

DEGREES = (2, 4, 6)
"""The polynomial degrees `fit` knows, in increasing order: the one statement of them, which the offer check
(`forlab.p1_for.offer.MAX_DEGREE` and its message) and `forlab.p1_for.representation.build_offer`'s default read."""


def exponents(degree: int) -> np.ndarray:
    """All exponent triples (a, b, c) with a + b + c <= degree, graded order (constant first): the monomials of
    eq. (p1-polynomial)."""
    if int(degree) != degree or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    out = [e for tot in range(degree + 1) for e in itertools.product(range(tot + 1), repeat=3) if sum(e) == tot]
    out = sorted(out, key=lambda e: (sum(e), tuple(-x for x in e)))
    return np.array(out, dtype=int)


def monomials(x: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """Matrix of monomials x^alpha (rows: points, columns: exponents)."""
    x = np.atleast_2d(np.asarray(x, float))
    return np.prod(x[:, None, :] ** exps[None, :, :], axis=2)


def monomial_gradients(x: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """d(x^alpha)/dx: array (points, exponents, 3)."""
    x = np.atleast_2d(np.asarray(x, float))
    out = np.zeros((len(x), len(exps), 3))
    for k in range(3):
        e = exps.copy()
        coef = e[:, k].astype(float)
        e[:, k] = np.maximum(e[:, k] - 1, 0)
        out[:, :, k] = coef[None, :] * monomials(x, e)
    return out


@dataclass
class ImplicitPolynomial:
    """f(x~) = sum_alpha coef_alpha x~^alpha in box-normalised coordinates; the region is f(x~) + margin <= 0.

    The polynomial of eq. (p1-polynomial) with the margin of eq. (p1-margin); ``convex``: fitted SOS-convex,
    eq. (p1-sos).
    """

    degree: int
    coef: np.ndarray
    margin: float = 0.0
    convex: bool = False
    exps: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.exps = exponents(self.degree)
        self.coef = np.asarray(self.coef, float)
        if self.coef.shape != (len(self.exps),):
            raise ValueError(f"degree {self.degree} needs {len(self.exps)} coefficients, got {self.coef.shape}")

    def __call__(self, xt) -> np.ndarray:
        """f(x~) + margin for points in normalised coordinates (n x 3)."""
        return monomials(xt, self.exps) @ self.coef + self.margin

    def gradient(self, xt) -> np.ndarray:
        """df/dx~ at each point (n x 3)."""
        return np.einsum("nkj,k->nj", monomial_gradients(xt, self.exps), self.coef)

    def to_dict(self) -> dict:
        return {"degree": int(self.degree), "exponents": self.exps.tolist(), "coef": self.coef.tolist(),
                "margin": float(self.margin), "convex": bool(self.convex)}

    @classmethod
    def from_dict(cls, d: dict) -> ImplicitPolynomial:
        p = cls(int(d["degree"]), np.asarray(d["coef"], float), float(d.get("margin", 0.0)), bool(d.get("convex")))
        if "exponents" in d and not np.array_equal(np.asarray(d["exponents"], int), p.exps):
            raise ValueError("offer polynomial.exponents: the file orders the monomials differently from this forlab "
                             "version (forlab.p1_for.polynomial.exponents); re-save the offer with this forlab version")
        return p


def on_grid(poly: ImplicitPolynomial, n: int) -> tuple[np.ndarray, np.ndarray]:
    """f + margin on the n x n x n grid of the box [-1, 1]^3 (the grid's axis values, and the values as an
    (n, n, n) array), computed per axis: each monomial is a product of one power of each coordinate, so the grid
    costs n^3 times the number of coefficients multiplications, not the powers of every grid point."""
    if int(n) != n or n < 2:
        raise ValueError(f"the grid needs at least 2 points per axis, got {n!r}")
    g = np.linspace(-1.0, 1.0, int(n))
    powers = g[:, None] ** np.arange(poly.degree + 1)[None, :]  # (n, degree + 1)
    a, b, c = poly.exps.T
    values = np.einsum("ik,jk,lk->ijl", powers[:, a] * poly.coef, powers[:, b], powers[:, c]) + poly.margin
    return g, values


def edge_on_segment(inside, start: np.ndarray, end: np.ndarray, steps: int = 60) -> tuple[float, float]:
    """Where the segment from ``start`` (inside the region) to ``end`` (outside) leaves the region, by bisection:
    shares ``(lo, hi)`` of the segment, ``start + lo (end - start)`` inside and ``start + hi (end - start)`` outside,
    ``hi - lo = 2^-steps``. ``inside(point) -> bool`` is the region's test at one point. Where the segment crosses
    the edge more than once, one of the crossings."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    lo, hi = 0.0, 1.0
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if inside(start + mid * (end - start)) else (lo, mid)
    return lo, hi


# grid points per axis of `central_point`: fine enough to find a region a fit makes (its parts are tenths of the box
# wide), 9261 evaluations, milliseconds even at degree 6
CENTRAL_GRID = 21


def central_point(poly: ImplicitPolynomial, n: int = CENTRAL_GRID) -> np.ndarray:
    """A point well inside the region {f + margin <= 0} (normalised coordinates): the point of an n^3 grid of the
    box nearest the centroid of the region's largest connected part on that grid (the point with the smallest f
    when no grid point is inside).

    A start for a solver that must stay in the region: a polynomial region need be neither convex nor connected (a
    degree-6 fit can close small islands in the corners of the box), so neither the box centre (it can lie
    outside) nor the point of smallest f (it can lie in an island) is one.
    """
    from scipy import ndimage

    g, f = on_grid(poly, n)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    parts, count = ndimage.label(f <= 0)  # face-connected parts of the region on the grid
    parts = parts.ravel()
    if count == 0:
        return grid[int(np.argmin(f))]
    largest = grid[parts == 1 + int(np.argmax(np.bincount(parts)[1:]))]
    return largest[int(np.argmin(np.linalg.norm(largest - largest.mean(axis=0), axis=1)))]


def _sos_convex_constraints(c, exps, degree):
    """cvxpy constraints making y'H(x)y a sum of squares: a PSD Gram matrix over the basis y_i x^alpha.

    Implements eq. (p1-sos), chapter 04: every coefficient of y'H(x)y (linear in c)
    equals the matching sum of Gram matrix entries.
    """
    import cvxpy as cp

    half = (degree - 2) // 2
    base = exponents(half) if half > 0 else np.zeros((1, 3), dtype=int)
    z = [(i, tuple(a)) for i in range(3) for a in base]  # basis element y_i * x^a
    Q = cp.Variable((len(z), len(z)), PSD=True)
    poly = _hessian_form(exps)
    gram = _gram_form(z)
    cons = []
    for key in set(poly) | set(gram):
        lhs = sum(w * c[k] for k, w in poly.get(key, [])) if key in poly else 0
        rhs = sum(Q[a, b] for a, b in gram.get(key, [])) if key in gram else 0
        cons.append(lhs == rhs)
    return cons


def _hessian_form(exps) -> dict:
    """The coefficient of x^beta y_i y_j (i <= j) in y'H(x)y as (coefficient index, weight) pairs, keyed by
    (beta, i, j): y'H(x)y is linear in f's coefficients."""
    poly: dict = {}
    for k, e in enumerate(exps):
        e = np.array(e)
        for i in range(3):
            for j in range(i, 3):
                ee = e.copy()
                if i == j:
                    if ee[i] < 2:
                        continue
                    fac = ee[i] * (ee[i] - 1)
                    ee[i] -= 2
                    mult = 1.0
                else:
                    if ee[i] < 1 or ee[j] < 1:
                        continue
                    fac = ee[i] * ee[j]
                    ee[i] -= 1
                    ee[j] -= 1
                    mult = 2.0
                key = (tuple(ee), i, j)
                poly.setdefault(key, []).append((k, mult * fac))
    return poly


def _gram_form(z: list) -> dict:
    """The Gram matrix entries (a, b) that multiply x^beta y_i y_j in z'Qz, keyed like `_hessian_form`."""
    gram: dict = {}
    n = len(z)
    for a in range(n):
        for b in range(n):
            i, j = z[a][0], z[b][0]
            beta = tuple(np.add(z[a][1], z[b][1]))
            key = (beta, min(i, j), max(i, j))
            gram.setdefault(key, []).append((a, b))
    return gram


@dataclass
class FitData:
    """Training data for the polynomial of eq. (p1-polynomial), all in normalised coordinates: boundary samples
    with their outward normals, labelled interior and exterior points."""

    boundary: np.ndarray
    normals: np.ndarray
    interior: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    exterior: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))


def fit(
    data: FitData,
    degree: int = 4,
    *,
    offset: float = 0.05,
    reg: float = 1e-4,
    delta: float = 1e-3,
    sign_weight: float = 10.0,
    hard_signs: bool = False,
    convex: bool = False,
    solver: str | None = None,
) -> ImplicitPolynomial:
    """Fit f by convex least squares (cvxpy).

    Implements the 3L fit of eq. (p1-polynomial) and, with convex=True, eq. (p1-sos), chapter 04. offset: e, the
    normal offset in normalised units; reg: Tikhonov weight lambda; delta: required sign margin on labelled points;
    sign_weight: weight of the hinge penalty for soft sign constraints (hard_signs=True makes them constraints);
    convex: SOS-convexity. Raises ValueError on bad input and RuntimeError when the solver fails.
    """
    import cvxpy as cp

    if degree not in DEGREES:
        raise ValueError(f"degree must be one of {DEGREES}, got {degree!r}")
    b, nrm = _unit_normals(data)
    exps = exponents(degree)
    c = cp.Variable(len(exps))
    obj = _three_level_loss(c, b, nrm, exps, offset, reg)
    cons = []
    for pts, sign in ((data.interior, -1.0), (data.exterior, 1.0)):
        pts = np.asarray(pts, float).reshape(-1, 3)
        if len(pts):
            val = sign * (monomials(pts, exps) @ c) / offset  # must be >= delta/offset
            if hard_signs:
                cons.append(val >= delta / offset)
            else:
                obj = obj + sign_weight * cp.sum(cp.pos(delta / offset - val)) / len(pts)
    if convex:
        cons += _sos_convex_constraints(c, exps, degree)
    prob = cp.Problem(cp.Minimize(obj), cons)
    solvers = [solver] if solver else ["CLARABEL", "SCS"]
    last = None
    for s in solvers:
        try:
            prob.solve(solver=s)
        except Exception as err:  # noqa: BLE001 - try the fallback solver
            last = err
            continue
        if prob.status in ("optimal", "optimal_inaccurate") and c.value is not None:
            return ImplicitPolynomial(degree, np.asarray(c.value, float), 0.0, convex)
        last = prob.status
    raise RuntimeError(f"polynomial fit (degree {degree}, convex={convex}) failed: {last}")


def _unit_normals(data: FitData) -> tuple[np.ndarray, np.ndarray]:
    """The boundary samples with a usable normal and their unit normals; ValueError on malformed input or fewer
    than 3 usable samples."""
    b = np.asarray(data.boundary, float)
    nrm = np.asarray(data.normals, float)
    if b.ndim != 2 or b.shape[1] != 3 or nrm.shape != b.shape:
        raise ValueError(f"boundary points and normals must be (n x 3) arrays of one shape, got {b.shape} and "
                         f"{nrm.shape}")
    lens = np.linalg.norm(nrm, axis=1)
    keep = lens > 1e-9
    # counted after the zero normals are dropped: with none left the fit's best answer is f = 0, the whole box
    if keep.sum() < 3:
        raise ValueError(f"the fit needs at least 3 boundary samples with a non-zero normal, got {int(keep.sum())} "
                         f"of {len(b)}: give each boundary sample its outward normal")
    return b[keep], nrm[keep] / lens[keep, None]


def _three_level_loss(c, b: np.ndarray, nrm: np.ndarray, exps: np.ndarray, offset: float, reg: float):
    """The 3L least squares of eq. (p1-polynomial): f = 0 on the boundary, +e and -e at offsets e along the
    normals, plus lambda ||c||^2."""
    import cvxpy as cp

    M0 = monomials(b, exps)
    Mp = monomials(b + offset * nrm, exps)
    Mm = monomials(b - offset * nrm, exps)
    # scale: the offset targets are +-offset, so residuals are relative to it
    res = cp.hstack([M0 @ c, Mp @ c - offset, Mm @ c + offset]) / offset
    return cp.sum_squares(res) / (3 * len(b)) + reg * cp.sum_squares(c)


def check_rate(rate, name: str) -> None:
    """ValueError unless ``rate`` is a number in [0, 1]: the margin indexes the sorted exterior values with it, where
    a negative rate counts from the end (a margin that empties the region) and one above 1 gives no margin."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) or not 0 <= rate <= 1:
        raise ValueError(f"{name} must be a share of the exterior points in [0, 1], got {rate!r}")


def calibrate_margin(poly: ImplicitPolynomial, exterior: np.ndarray, target_rate: float = 0.0) -> float:
    """Smallest margin m >= 0 such that at most ``target_rate`` of the exterior points satisfy f + m <= 0.

    Implements eq. (p1-margin), chapter 04. ValueError unless 0 <= target_rate <= 1.
    """
    check_rate(target_rate, "target_rate")
    ext = np.asarray(exterior, float).reshape(-1, 3)
    if not len(ext):
        return 0.0
    vals = np.sort(poly(ext) - poly.margin)
    k = int(np.floor(target_rate * len(vals)))
    # points with f <= -m are false-feasible: need -m < vals[k] (the k-th smallest), i.e. m > -vals[k]
    m = -vals[k] + 1e-9 if k < len(vals) else 0.0
    return float(max(0.0, m))
