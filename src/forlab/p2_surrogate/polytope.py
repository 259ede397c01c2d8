"""The NN-guided polytope: a one-layer max-affine classifier of a DS's feasible region.

With inputs whitened, z = T (u - mean) (T = Sigma^(-1/2), the inverse square root of the inputs' covariance),
the model is

    g(u) = max_k (w_k . z + b_k),   ||w_k|| = 1,   feasible  <=>  g(u) <= 0,

so the predicted feasible set is the polytope {u : W z + b <= 0} and an OPF takes it as K linear constraints.
Because every w_k has unit length, w_k . z + b_k is the signed distance of z to facet k (in standard deviations of the
inputs), and g is a distance-like score: margins and temperatures are lengths in that space. Whitening, rather than
scaling each input on its own, matters when inputs are correlated: two PCC voltages drawn a few hundredths apart
differ along a direction that per-column scaling would make far too thin for any margin.

Training (`train_polytope`) replaces the max by the smooth max s = T log sum_k exp(a_k / T) and minimises a
smoothed hinge loss with a margin m,

    l_i = T softplus((m - y_i s_i) / T),   y = +1 infeasible (wants s >= m), y = -1 feasible (wants s <= -m),

weighted by ``ff_weight`` on infeasible samples (a false-feasible point is the dangerous error), with L-BFGS and
analytic gradients, annealing T over ``temperatures``. Facets start as supporting hyperplanes of the feasible samples,
facing infeasible samples chosen by seeded farthest-point selection, so training is reproducible. `calibrate` then shifts all facets inwards by the
smallest offset that meets a false-feasible target on a calibration set.

The trained `Polytope` is a plain data object (JSON round trip, numpy evaluation); `linear_constraints` gives the
facets in original units, ``A u + c <= 0``; `forlab.p2_surrogate.formulations.polytope_rows` writes the same rows as
CasADi expressions for the TSO's OPF. The model is eq. (p2-polytope), its training eq. (p2-training), chapter 06.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit

from forlab.p2_surrogate.checks import names, numbers, section

__all__ = ["Polytope", "PolytopeOptions", "calibrate", "check_max_false_feasible", "check_polytope_dict", "scores",
           "standardiser", "train_polytope", "whitener"]


def standardiser(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, scale) of the columns of u; a constant column gets scale 1."""
    u = np.asarray(u, float)
    mean = u.mean(axis=0)
    scale = u.std(axis=0)
    return mean, np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)


def whitener(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, T) with z = T (u - mean) of identity covariance (ZCA: T = Sigma^(-1/2), computed after scaling each
    column, so that directions of (near) zero variance keep their scale instead of blowing up)."""
    mean, scale = standardiser(u)
    x = (np.asarray(u, float) - mean) / scale
    cov = np.atleast_2d(np.cov(x, rowvar=False))
    lam, vec = np.linalg.eigh(cov)
    lam = np.where(lam > 1e-10, lam, 1.0)
    t = (vec / np.sqrt(lam)) @ vec.T
    return mean, t / scale[None, :]


@dataclass
class Polytope:
    """Max-affine feasibility model; see the module docstring.

    weights (K, d): unit-norm facet normals in whitened inputs; bias (K,); mean (d,) and transform (d, d): the
    whitening z = transform @ (u - mean) (original units of each input); input_names: the d inputs; info: training
    options and scores.
    """

    weights: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    transform: np.ndarray
    input_names: list[str]
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.weights = np.atleast_2d(np.asarray(self.weights, float))
        self.bias = np.asarray(self.bias, float).ravel()
        self.mean = np.asarray(self.mean, float).ravel()
        self.transform = np.atleast_2d(np.asarray(self.transform, float))
        k, d = self.weights.shape
        if len(self.bias) != k or len(self.mean) != d or self.transform.shape != (d, d) or \
                len(self.input_names) != d:
            raise ValueError("inconsistent polytope shapes")

    @property
    def n_facets(self) -> int:
        return self.weights.shape[0]

    @property
    def dim(self) -> int:
        return self.weights.shape[1]

    # -- numpy ------------------------------------------------------------------------------------------------------
    def facets(self, u) -> np.ndarray:
        """(N, K) signed distances w_k . z + b_k (whitened units) of the inputs u (N, d) to each facet."""
        return self.whiten(u) @ self.weights.T + self.bias

    def whiten(self, u) -> np.ndarray:
        """(N, d) whitened inputs z = T (u - mean)."""
        return (np.atleast_2d(np.asarray(u, float)) - self.mean) @ self.transform.T

    def g(self, u) -> np.ndarray:
        """(N,) score max_k (w_k . z + b_k); <= 0 predicts feasible. Implements eq. (p2-polytope)."""
        return self.facets(u).max(axis=1)

    def predict(self, u) -> np.ndarray:
        """(N,) bool: predicted feasible."""
        return self.g(u) <= 0.0

    def linear_constraints(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, c) with ``A @ u + c <= 0`` the polytope in original input units (rows: one per facet)."""
        a = self.weights @ self.transform
        return a, self.bias - a @ self.mean

    def shifted(self, offset) -> Polytope:
        """The polytope with its facets moved by ``offset`` (whitened units; > 0 shrinks it): a number moves
        every facet (recorded in ``info["offset"]``), a (K,) array each facet by its own amount (accumulated in
        ``info["facet_shifts"]``)."""
        info = dict(self.info)
        off = np.asarray(offset, float)
        if off.ndim == 0:
            info["offset"] = float(info.get("offset", 0.0)) + float(off)
        else:
            if off.shape != self.bias.shape:
                raise ValueError(f"offset must be a number or have shape {self.bias.shape}")
            info["facet_shifts"] = (np.asarray(info.get("facet_shifts", np.zeros(self.n_facets))) + off).tolist()
        return Polytope(self.weights.copy(), self.bias + off, self.mean.copy(), self.transform.copy(),
                        list(self.input_names), info)

    # -- serialisation ----------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"kind": "max_affine_polytope", "weights": self.weights.tolist(), "bias": self.bias.tolist(),
                "mean": self.mean.tolist(), "transform": self.transform.tolist(),
                "input_names": list(self.input_names),
                "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> Polytope:
        """The polytope of a `to_dict` dict; ValueError naming a malformed field (`check_polytope_dict`)."""
        check_polytope_dict(d)
        return cls(d["weights"], d["bias"], d["mean"], d["transform"], list(d["input_names"]),
                   dict(d.get("info", {})))


def check_polytope_dict(d, input_names: list[str] | None = None, where: str = "polytope") -> None:
    """The checks of a polytope in dict form: kind, K >= 1 facets over d inputs (weights (K, d), bias (K,), mean (d,),
    transform (d, d), all finite) and input names (equal to ``input_names`` when given). ValueError naming the field
    (``where``.field) and what is wrong."""
    if not isinstance(d, dict) or d.get("kind") != "max_affine_polytope":
        kind = d.get("kind") if isinstance(d, dict) else type(d).__name__
        raise ValueError(f"{where} is not a polytope: kind {kind!r}, expected 'max_affine_polytope'")
    dim = None if input_names is None else len(input_names)
    w = numbers(d.get("weights"), (None, dim), f"{where}.weights")
    k, dim = w.shape
    if k < 1:
        raise ValueError(f"{where}.weights has no facet: a polytope needs at least one row")
    numbers(d.get("bias"), (k,), f"{where}.bias (one per facet)")
    numbers(d.get("mean"), (dim,), f"{where}.mean (one per input)")
    numbers(d.get("transform"), (dim, dim), f"{where}.transform")
    names(d.get("input_names"), input_names, f"{where}.input_names")
    section(d, "info", where, required=False)


@dataclass(frozen=True)
class PolytopeOptions:
    """Training options of `train_polytope`.

    facets: K. temperatures: smooth-max temperatures T, annealed in this order (whitened units). margin: m
    (whitened units). ff_weight: loss weight of infeasible samples relative to feasible ones. max_iter: L-BFGS
    iterations per temperature. seed: initial facet directions.
    """

    facets: int = 16
    temperatures: tuple[float, ...] = (0.3, 0.1, 0.03)
    margin: float = 0.05
    ff_weight: float = 4.0
    max_iter: int = 100
    seed: int = 0

    def __post_init__(self):
        if self.facets < 1:
            raise ValueError(f"facets must be >= 1, got {self.facets}")
        if not self.temperatures or min(self.temperatures) <= 0:
            raise ValueError(f"temperatures must be positive, got {self.temperatures}")
        # one message per option, with its value: chapter 06's check passes its parameters of these names here
        if not (math.isfinite(self.margin) and self.margin >= 0):  # also NaN
            raise ValueError(f"margin must be a finite number >= 0 (how far inside its side of the boundary training "
                             f"asks a sample to lie, whitened units; 0: no margin), got {self.margin!r}")
        if not (math.isfinite(self.ff_weight) and self.ff_weight > 0):
            raise ValueError(f"ff_weight must be a finite number > 0 (the loss weight of an infeasible sample relative "
                             f"to a feasible one; 1: equal weights), got {self.ff_weight!r}")
        if self.max_iter < 1:
            raise ValueError(f"max_iter must be an integer >= 1 (L-BFGS iterations per temperature), "
                             f"got {self.max_iter!r}")


def _loss_and_grad(theta, z, y, c, k, temp, margin):
    """Weighted smoothed-hinge loss of the smooth-max polytope and its gradient with respect to (W_raw, b)."""
    d = z.shape[1]
    w_raw = theta[: k * d].reshape(k, d)
    b = theta[k * d :]
    norm = np.linalg.norm(w_raw, axis=1)
    w = w_raw / norm[:, None]
    a = z @ w.T + b
    amax = a.max(axis=1)
    e = np.exp((a - amax[:, None]) / temp)
    tot = e.sum(axis=1)
    s = amax + temp * np.log(tot)
    r = (margin - y * s) / temp
    loss = float(np.sum(c * temp * np.logaddexp(0.0, r)))
    ds = -c * y * expit(r)
    g_a = e * (ds / tot)[:, None]
    g_w = g_a.T @ z
    # through the normalisation w = w_raw / ||w_raw||
    g_wraw = (g_w - np.sum(g_w * w, axis=1, keepdims=True) * w) / norm[:, None]
    return loss, np.concatenate([g_wraw.ravel(), g_a.sum(axis=0)])


def _initial_facets(z, feas, k, rng) -> tuple[np.ndarray, np.ndarray]:
    """K facets pointing from the centroid of the feasible samples to K infeasible samples spread out by
    farthest-point selection (first one drawn with ``rng``), each placed to support the feasible samples: the
    initial polytope contains every feasible sample and every facet faces some infeasible ones."""
    zf, zi = z[feas], z[~feas]
    centre = zf.mean(axis=0)
    dirs = zi - centre
    dirs /= np.maximum(np.linalg.norm(dirs, axis=1, keepdims=True), 1e-12)
    picks = [int(rng.integers(len(zi)))]
    dist = np.linalg.norm(dirs - dirs[picks[0]], axis=1)
    for _ in range(1, min(k, len(zi))):
        picks.append(int(np.argmax(dist)))
        dist = np.minimum(dist, np.linalg.norm(dirs - dirs[picks[-1]], axis=1))
    w = dirs[picks]
    if len(w) < k:
        extra = rng.standard_normal((k - len(w), z.shape[1]))
        w = np.vstack([w, extra / np.linalg.norm(extra, axis=1, keepdims=True)])
    return w, -(zf @ w.T).max(axis=0)


def scores(poly: Polytope, u, feasible) -> dict:
    """Accuracy, false-feasible rate (accepted among infeasible samples) and false-infeasible rate (rejected among
    feasible samples) of ``poly`` on (u, feasible). A rate over no samples is NaN: with no infeasible sample nothing
    measures false feasibility, and 0 would read as a target met (as P1's `classification_errors`, which gives None)."""
    feas = np.asarray(feasible, bool)
    pred = poly.predict(u) if len(feas) else np.zeros(0, bool)
    return {"accuracy": _share(pred == feas), "false_feasible_rate": _share(pred[~feas]),
            "false_infeasible_rate": _share(~pred[feas])}


def _share(hits: np.ndarray) -> float:
    """Fraction of True in ``hits``; NaN for no entries."""
    return float(hits.mean()) if len(hits) else np.nan


def train_polytope(u, feasible, options: PolytopeOptions = PolytopeOptions(), input_names=None, u_val=None,
                   feasible_val=None) -> tuple[Polytope, pd.DataFrame]:
    """Train a `Polytope` on inputs u (N, d) labelled ``feasible`` (N,) bool: implements eq. (p2-training),
    chapter 06 (smooth max, margin, weighted hinge; see the module docstring).

    Returns the model and its training history (one row per L-BFGS iteration: stage temperature, loss, and the hard
    max's accuracy and false-feasible rate on the training set and, when given, on (u_val, feasible_val)).
    Deterministic for given data and options.
    """
    u = np.asarray(u, float)
    feas = np.asarray(feasible, bool)
    if u.ndim != 2 or len(u) != len(feas):
        raise ValueError("u must be (N, d) and feasible (N,)")
    if feas.all() or not feas.any():
        raise ValueError("training needs both feasible and infeasible samples")
    names = list(input_names) if input_names is not None else [f"u{j}" for j in range(u.shape[1])]
    opt = options
    t0 = time.perf_counter()
    mean, transform = whitener(u)
    z = (u - mean) @ transform.T
    y = np.where(feas, -1.0, 1.0)
    c = np.where(feas, 1.0, opt.ff_weight)
    c = c / c.sum()
    k, d = opt.facets, u.shape[1]
    w0, b0 = _initial_facets(z, feas, k, np.random.default_rng(opt.seed))
    theta = np.concatenate([w0.ravel(), b0])

    def model_of(th):
        w = th[: k * d].reshape(k, d)
        return Polytope(w / np.linalg.norm(w, axis=1, keepdims=True), th[k * d :], mean, transform, names)

    rows = []
    for temp in opt.temperatures:
        def record(th, temp=temp):
            poly = model_of(th)
            row = {"stage_temperature": temp, "loss": _loss_and_grad(th, z, y, c, k, temp, opt.margin)[0]}
            sc = scores(poly, u, feas)
            row.update(train_accuracy=sc["accuracy"], train_false_feasible_rate=sc["false_feasible_rate"])
            if u_val is not None:
                sv = scores(poly, u_val, feasible_val)
                row.update(val_accuracy=sv["accuracy"], val_false_feasible_rate=sv["false_feasible_rate"])
            rows.append(row)

        record(theta)
        res = minimize(_loss_and_grad, theta, args=(z, y, c, k, temp, opt.margin), jac=True, method="L-BFGS-B",
                       callback=record, options={"maxiter": opt.max_iter, "gtol": 1e-10, "ftol": 1e-12})
        theta = res.x
    poly = model_of(theta)
    hist = pd.DataFrame(rows)
    hist.index.name = "iteration"
    poly.info = {"options": {**asdict(opt), "temperatures": list(opt.temperatures)}, "n_train": len(u),
                 "train_time_s": time.perf_counter() - t0, "offset": 0.0, **{f"train_{k_}": v for k_, v in
                                                                           scores(poly, u, feas).items()}}
    return poly, hist


def check_max_false_feasible(rate) -> None:
    """ValueError unless ``rate`` is a rate in [0, 1] (NaN is not): `calibrate`'s target, the share of infeasible
    samples the calibrated polytope may accept. The one rule of `calibrate` and of chapter 06's check of its
    parameters, which says it before any work."""
    if not 0.0 <= rate <= 1.0:  # also NaN; a negative rate would index the sorted scores from their end
        raise ValueError(f"max_false_feasible must be a rate in [0, 1] (the share of infeasible training samples the "
                         f"calibrated polytope may accept; 0: none), got {rate!r}")


def calibrate(poly: Polytope, u, feasible, max_false_feasible: float = 0.0) -> Polytope:
    """``poly`` shifted inwards (never outwards) by the smallest offset whose false-feasible rate on (u, feasible)
    is at most ``max_false_feasible`` (in [0, 1]); the offset (whitened units) is recorded in ``info["offset"]``.
    ValueError when the set has no infeasible sample: there is no rate to hold to the target.

    Implements the calibration after the training of eq. (p2-training), chapter 06 (its row of the chapter's step
    table): the polytope of eq. (p2-polytope) with every facet's ``b_k`` raised by the offset."""
    check_max_false_feasible(max_false_feasible)
    feas = np.asarray(feasible, bool)
    if feas.all():
        raise ValueError(f"calibration needs infeasible samples: all {len(feas)} are feasible, so no false-feasible "
                         "rate can be measured; calibrate on a set that contains infeasible samples")
    g_inf = np.sort(poly.g(np.asarray(u, float)[~feas]))
    allowed = int(np.floor(max_false_feasible * len(g_inf)))
    if allowed >= len(g_inf):
        return poly.shifted(0.0)
    offset = max(0.0, -float(g_inf[allowed]) * (1 + 1e-9) + 1e-12)
    return poly.shifted(offset)
