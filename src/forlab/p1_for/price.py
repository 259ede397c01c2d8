"""P1: the DSO's price, a quadratic cost over the PCC point (eq. (p1-price), chapter 04).

C(x~) = 1/2 x~'H x~ + g'x~ + c0 (currency per hour) over the box-normalised PCC point x~ = (P, Q, V), H positive
semidefinite, fitted to the DS cost OPF's optimal cost (and its slope) at points of the offered region. This module
holds the data (`QuadraticCost`, numpy only) and its fit (`fit_cost`, cvxpy); the CasADi face of the price is
`forlab.p1_for.formulations.cost_casadi`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class QuadraticCost:
    """C(x~) = 1/2 x~' H x~ + g' x~ + c0 over box-normalised x~ (currency per hour); H positive semidefinite.

    The price of eq. (p1-price), chapter 04.
    """

    H: np.ndarray
    g: np.ndarray
    c0: float

    def __call__(self, xt) -> np.ndarray:
        xt = np.atleast_2d(np.asarray(xt, float))
        return 0.5 * np.einsum("ni,ij,nj->n", xt, self.H, xt) + xt @ self.g + self.c0

    def gradient(self, xt) -> np.ndarray:
        """dC/dx~ = H x~ + g at each point (n x 3)."""
        return np.atleast_2d(np.asarray(xt, float)) @ self.H + self.g

    def to_dict(self) -> dict:
        return {"H": np.asarray(self.H, float).tolist(), "g": np.asarray(self.g, float).tolist(), "c0": float(self.c0)}

    @classmethod
    def from_dict(cls, d: dict) -> QuadraticCost:
        return cls(np.asarray(d["H"], float), np.asarray(d["g"], float), float(d["c0"]))


def fit_cost(points_t: np.ndarray, values: np.ndarray, reg: float = 1e-6, gradients: np.ndarray | None = None,
             gradient_weight: float = 1.0, gradient_huber: float | None = 0.2) -> QuadraticCost:
    """Least-squares quadratic C(x~) = 1/2 x~'H x~ + g'x~ + c0 with H PSD (cvxpy, Clarabel).

    Implements the fit of eq. (p1-price), chapter 04.

    gradients: dC/dx~ at the points (n x 3, rows with NaN left out), e.g. from the cost OPFs' multipliers
    (`forlab.p1_for.dso_opf.DSOModel.cost_gradient`, returned by `forlab.p1_for.representation.cost_points`). With
    them the fit matches values and slopes (a first-order, "Sobolev" least squares):
    mean squared value error + ``gradient_weight`` x mean squared gradient error (both in normalised
    coordinates, where a slope is the cost change over half the box). What the TSO's optimum depends on is the
    offer's slope where it lands (it trades the DS's marginal cost against its own). A value-only fit of a kinked
    DS cost (steep where the FPUs must produce, flat where they idle) buys small value errors with slope errors:
    on case9+case33bw its P slope on the high-import surface, where the TSO lands, was about 40 % too steep
    (15 % with the slopes), and its V slope, small against the value residuals, had the wrong sign at one level.
    Slope residuals enter through a Huber loss, quadratic up to ``gradient_huber`` times the median slope norm
    and linear beyond (None: squares throughout): near the edge of the FOR the multipliers grow without bound
    (a limit is about to bind; on case69 one V slope was 4e4 times the median), and squared, a few such points
    would decide the fit.
    """
    import cvxpy as cp

    x, y = _cost_points(points_t, values)
    scale = max(1.0, float(np.std(y)))
    H = cp.Variable((3, 3), PSD=True)
    g = cp.Variable(3)
    c0 = cp.Variable()
    # x'Hx is linear in H: sum_ij H_ij x_i x_j
    outer = np.einsum("ni,nj->nij", x, x).reshape(len(x), 9)
    pred = 0.5 * (outer @ cp.vec(H, order="C")) + x @ g + c0
    loss = cp.sum_squares((pred - y) / scale) / len(x)
    slopes = _slope_loss(x, gradients, H, g, scale, gradient_huber) if gradient_weight > 0 else None
    if slopes is not None:
        term, n = slopes
        loss = loss + gradient_weight * term / n
    prob = cp.Problem(cp.Minimize(loss + reg * cp.sum_squares(H)))
    for solver in ("CLARABEL", "SCS"):
        try:
            prob.solve(solver=solver)
        except Exception:  # noqa: BLE001, S112 - try the fallback
            continue
        if prob.status in ("optimal", "optimal_inaccurate"):
            return QuadraticCost(_psd_part(H.value), np.asarray(g.value, float), float(c0.value))
    raise RuntimeError(f"quadratic cost fit failed: {prob.status}")


def _cost_points(points_t, values) -> tuple[np.ndarray, np.ndarray]:
    """The points (n x 3) and costs (n) as float arrays; ValueError saying what to change on a wrong shape, fewer
    than 10 points or a NaN or infinite entry (cvxpy would report a failed fit, or numpy a broadcast error)."""
    x = np.asarray(points_t, float)
    y = np.asarray(values, float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"cost points must be an (n x 3) array of normalised (P, Q, V), got shape {x.shape}")
    if y.shape != (len(x),):
        raise ValueError(f"need one cost value per point: {len(x)} points, values of shape {y.shape}")
    if len(x) < 10:
        raise ValueError(f"need at least 10 cost points to fit a quadratic over (P, Q, V), got {len(x)}")
    bad = ~(np.isfinite(y) & np.all(np.isfinite(x), axis=1))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} cost points have a NaN or infinite point or value (first at row "
                         f"{int(np.argmax(bad))}): leave out the failed cost OPFs before the fit")
    return x, y


def _slope_loss(x: np.ndarray, gradients, H, g, scale: float, huber: float | None):
    """Slope residuals of the quadratic (H x~ + g) against the measured slopes, summed as squares or by a Huber
    loss (see `fit_cost`), and the number of points with a slope; None when there are no slopes."""
    import cvxpy as cp

    if gradients is None:
        return None
    G = np.asarray(gradients, float).reshape(-1, 3)
    if len(G) != len(x):
        raise ValueError(f"{len(G)} gradients for {len(x)} cost points")
    has = np.all(np.isfinite(G), axis=1)
    if not has.any():
        return None
    # the gradient of the quadratic is H x~ + g (H symmetric)
    gpred = x[has] @ H + np.ones((int(has.sum()), 1)) @ cp.reshape(g, (1, 3), order="C")
    r = (gpred - G[has]) / scale
    if huber is None:
        term = cp.sum_squares(r)
    else:
        m = huber * max(float(np.median(np.linalg.norm(G[has], axis=1))), 1e-9) / scale
        term = cp.sum(cp.huber(r, m))
    return term, int(has.sum())


def _psd_part(H: np.ndarray) -> np.ndarray:
    """The symmetric part of the solver's H with eigenvalues clipped at 0 (solver round-off below zero)."""
    Hv = 0.5 * (H + H.T)
    w, v = np.linalg.eigh(Hv)
    return (v * np.maximum(w, 0)) @ v.T
