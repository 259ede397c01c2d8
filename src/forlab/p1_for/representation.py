"""P1, from samples to an offer: ground-truth labels, polynomial selection, the price, and held-out error measures.

Ground truth comes from the DS itself: a point x~ of the box is feasible when its projection onto the FOR (a DS OPF)
is closer than ``tol`` (normalised units). The labelled points are of two kinds, drawn once and split at random
into training, validation and test sets (so that the three sets come from the same distribution):

* **shell points** near the sampled boundary, where classification errors happen: a boundary sample, moved along its
  outward normal by a signed offset (log-uniform magnitude, outward with probability ``outward``) and jittered
  along the surface; most outward ones are infeasible, most inward ones feasible;
* **uniform points** of the box, far from and near the boundary alike; their feasible fraction estimates the
  share of the region's volume the offer keeps.

Training points enter the fit as sign constraints, and the projections of the infeasible ones are extra boundary
samples (with their normals). The degree, convexity and regularisation are chosen on the validation set; the
conservative margin is calibrated on the training and validation exterior points (never on test points). Every
reported classification error is measured on the test points only. The boundary distances are not: the held-out
boundary samples (a fifth of the boundary samples, left out of the fit) break ties between candidates of equal
validation score, and the same samples, together with the projections of the infeasible test points, give the
reported ``test_boundary_distance_*``. The polynomial and its margin are eqs. (p1-polynomial), (p1-sos)
and (p1-margin) (`forlab.p1_for.polynomial`), the price eq. (p1-price) (`forlab.p1_for.price`).

False-feasible rate = (points the offer declares feasible but the grid cannot reach) / (infeasible test points):
the dangerous error, reported against the infeasible points so that it is not diluted by easy interior points,
with the number of infeasible test points and a one-sided Clopper-Pearson upper confidence bound.
"""

from __future__ import annotations

import itertools
import numbers
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import to_dataset
from forlab.p1_for.dso_opf import Box, CostLibrary, DSOModel
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import DEGREES, FitData, ImplicitPolynomial, calibrate_margin, check_rate, fit
from forlab.p1_for.price import QuadraticCost, fit_cost
from forlab.p1_for.sampling import box_of, nearest_start, run_tasks, sample_for


def _prepare(ds_net, vm_limits, model: DSOModel | None = None):
    """The DS model (``model`` when given, else built), its bounding box and the box solutions (the tasks' starts)."""
    local = model or DSOModel(ds_net, vm_limits=vm_limits)
    box, box_samples = local.bounding_box()
    return local, box, np.array([s.x for s in box_samples])


def _solve_at(stage: str, desc: str, ds_net, points_t: np.ndarray, *, vm_limits, local, box, starts, n_workers,
              address, progress, client) -> tuple[list, object]:
    """One DS OPF of ``stage`` ("projection" or "cost") per normalised point, each from the box solution nearest it
    (`forlab.p1_for.sampling.run_tasks`): the results in point order, and the box they are normalised by. The
    keywords are `label_points`' and `cost_points`' own, passed through."""
    if local is None:
        local, box, starts = _prepare(ds_net, vm_limits)
    tasks = [(i, stage, t, nearest_start(t)) for i, t in enumerate(np.asarray(points_t, float))]
    res, _ = run_tasks(ds_net, box, starts, tasks, vm_limits=vm_limits, n_workers=n_workers, address=address,
                       progress=progress, desc=desc, local=local, client=client)
    return res, box


def label_points(ds_net, points_t: np.ndarray, *, vm_limits=None, local=None, box=None, starts=None,
                 n_workers: int | None = 0, address=None, progress: bool = True, client=None) -> dict:
    """Project normalised points onto the FOR (eq. (p1-projection)): the ground truth of the offer's errors.

    Returns the distance to the FOR (normalised units), success flags, solver statuses and the projections
    (normalised; boundary points of the FOR for the points outside it).
    """
    res, box = _solve_at("projection", "labelling points", ds_net, points_t, vm_limits=vm_limits, local=local,
                         box=box, starts=starts, n_workers=n_workers, address=address, progress=progress,
                         client=client)
    proj = box.normalise(np.array([[r[1]["p_mw"], r[1]["q_mvar"], r[1]["vm_pu"]] for r in res]).reshape(-1, 3))
    dist = np.linalg.norm(proj - np.asarray(points_t, float), axis=1)
    return {"distance": dist, "success": np.array([r[1]["success"] for r in res]),
            "status": np.array([r[1]["status"] for r in res]), "projection": proj}


def cost_points(ds_net, points_t: np.ndarray, *, vm_limits=None, local=None, box=None, starts=None,
                n_workers: int | None = 0, address=None, progress: bool = True, client=None) -> dict:
    """DS cost OPF (cheapest FPU dispatch) with the PCC fixed at each normalised point, eq. (p1-dso): the data of
    the price, eq. (p1-price).

    Returns cost, success, mismatch (normalised distance to the point used; the nearest feasible point when the
    requested one is not feasible), status, ``gradient``: dC/dx~ at each point from the multipliers of the fixed
    PCC point (`forlab.p1_for.dso_opf.DSOModel.cost_gradient`; NaN where the point itself was not feasible),
    ``point``: the PCC point used (normalised) and ``solution``: per point the solve's (x, lam_g, lam_x), None when
    it failed (a primal-dual warm start of later cost OPFs, `forlab.p1_for.dso_opf.DSOModel.warm_start`).
    """
    res, box = _solve_at("cost", "cost OPFs", ds_net, points_t, vm_limits=vm_limits, local=local, box=box,
                         starts=starts, n_workers=n_workers, address=address, progress=progress, client=client)
    used = np.array([[r[1]["p_mw"], r[1]["q_mvar"], r[1]["vm_pu"]] for r in res]).reshape(-1, 3)
    return {"cost": np.array([r[1]["fpu_cost"] for r in res]), "success": np.array([r[1]["success"] for r in res]),
            "mismatch": np.array([r[1]["mismatch"] for r in res]), "status": np.array([r[1]["status"] for r in res]),
            "gradient": np.array([[r[1]["grad_p"], r[1]["grad_q"], r[1]["grad_v"]] for r in res]).reshape(-1, 3),
            "point": box.normalise(used), "solution": [r[4] for r in res]}


def clopper_pearson_upper(k, n, confidence: float = 0.95):
    """One-sided upper confidence bound of a binomial rate with k events in n trials (Clopper-Pearson, exact): a
    float, or an array when ``k`` or ``n`` is one (element by element).

    1.0 when there are no trials (nothing is known about the rate then) or every trial is an event.
    """
    from scipy.stats import beta

    k, n = np.asarray(k, float), np.asarray(n, float)
    known = (n > 0) & (k < n)
    with np.errstate(invalid="ignore"):  # beta's shape n - k is not positive where the bound is 1 anyway
        upper = np.where(known, beta.ppf(confidence, k + 1, n - k), 1.0)
    return float(upper) if upper.ndim == 0 else upper


def clopper_pearson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided Clopper-Pearson interval of a binomial rate with k events in n trials ((0, 1) without trials):
    each side at ``(1 - confidence) / 2``."""
    from scipy.stats import beta

    k, n, tail = int(k), int(n), (1 - confidence) / 2
    lo = float(beta.ppf(tail, k, n - k + 1)) if k > 0 else 0.0
    hi = float(beta.ppf(1 - tail, k + 1, n - k)) if k < n else 1.0
    return lo, hi


def classification_errors(poly: ImplicitPolynomial, pts_t: np.ndarray, feasible: np.ndarray,
                          confidence: float = 0.95) -> dict:
    """Error measures of the region {f + margin <= 0} inside the box [-1, 1]^3 (what `Offer.feasible` declares).

    accuracy; false-feasible rate among the infeasible points with their number and the Clopper-Pearson upper bound
    (``false_feasible_upper``, at ``confidence``); false-infeasible rate among the feasible points. A rate over no
    points is None.
    """
    pts = np.asarray(pts_t, float).reshape(-1, 3)
    pred = (poly(pts) <= 0) & np.all(np.abs(pts) <= 1 + 1e-9, axis=1) if len(pts) else np.zeros(0, bool)
    feas = np.asarray(feasible, bool)
    n_inf, n_feas = int((~feas).sum()), int(feas.sum())
    n_ff, n_fi = int((pred & ~feas).sum()), int((~pred & feas).sum())
    return {"accuracy": float((pred == feas).mean()) if len(feas) else None,
            "false_feasible_rate": n_ff / n_inf if n_inf else None,
            "false_feasible_upper": clopper_pearson_upper(n_ff, n_inf, confidence),
            "false_infeasible_rate": n_fi / n_feas if n_feas else None,
            "n_infeasible": n_inf, "n_feasible": n_feas, "n_false_feasible": n_ff, "n_false_infeasible": n_fi}


def boundary_distance(poly: ImplicitPolynomial, pts_t: np.ndarray) -> np.ndarray:
    """First-order distance |f + margin| / ||grad f|| of points to the surface {f + margin = 0} (normalised units)."""
    val = poly(pts_t)
    grad = np.linalg.norm(poly.gradient(pts_t), axis=1)
    return np.abs(val) / np.maximum(grad, 1e-9)


def shell_points(boundary: np.ndarray, normals: np.ndarray, n: int, rng, *, offsets=(0.005, 0.25),
                 outward: float = 0.7, jitter: float = 0.05) -> np.ndarray:
    """n points of the box near the sampled boundary (normalised coordinates).

    Each is a random boundary sample moved along its outward normal by a signed offset whose magnitude is
    log-uniform in ``offsets`` (outward with probability ``outward``) and jittered tangentially (normal
    distribution, standard deviation ``jitter`` per axis, normal component removed). Points outside the box are
    redrawn: the box alone rejects them, so they would not test the polynomial.
    """
    b = np.asarray(boundary, float).reshape(-1, 3)
    nrm = np.asarray(normals, float).reshape(-1, 3)
    lens = np.linalg.norm(nrm, axis=1)
    keep = lens > 1e-9
    b, nrm = b[keep], nrm[keep] / lens[keep, None]
    if n <= 0:
        return np.zeros((0, 3))
    if not len(b):
        raise ValueError("shell points need boundary samples with normals")
    lo, hi = np.log(offsets[0]), np.log(offsets[1])
    out, have = [], 0
    for _ in range(100):
        m = 2 * (n - have) + 16
        k = rng.integers(len(b), size=m)
        s = np.exp(rng.uniform(lo, hi, size=m)) * np.where(rng.uniform(size=m) < outward, 1.0, -1.0)
        jit = rng.normal(scale=jitter, size=(m, 3))
        jit -= np.sum(jit * nrm[k], axis=1, keepdims=True) * nrm[k]
        x = b[k] + s[:, None] * nrm[k] + jit
        x = x[np.all(np.abs(x) <= 1, axis=1)]
        out.append(x)
        have += len(x)
        if have >= n:
            break
    return np.vstack(out)[:n]


def volume_kept(poly: ImplicitPolynomial, boundary: np.ndarray, rng, n: int = 20000) -> dict:
    """Monte-Carlo volume of the offered region {f + margin <= 0} against the convex hull of the boundary samples.

    ``hull_volume_kept``: share of the hull inside the offered region; ``outside_hull``: volume of the offered
    region outside the hull, as a share of the hull's volume (both in the box [-1, 1]^3).
    """
    from scipy.spatial import Delaunay

    u = rng.uniform(-1, 1, size=(n, 3))
    try:
        inside = Delaunay(np.asarray(boundary, float)).find_simplex(u) >= 0
    except Exception:  # noqa: BLE001 - a flat point set has no volume
        return {"hull_volume_kept": None, "outside_hull": None}
    offered = poly(u) <= 0
    n_in = int(inside.sum())
    if not n_in:
        return {"hull_volume_kept": None, "outside_hull": None}
    return {"hull_volume_kept": float((offered & inside).sum() / n_in),
            "outside_hull": float((offered & ~inside).sum() / n_in)}


def pull_inside(poly: ImplicitPolynomial, points: np.ndarray, normals: np.ndarray, depth: float = 0.5,
                steps: int = 200) -> np.ndarray:
    """Move each point against its normal to the first point of {f + margin <= 0} (within ``depth``); points
    that do not reach the region within ``depth`` are dropped. Used to place cost points on the offered surface
    (the points of eq. (p1-price))."""
    t = np.linspace(0.0, depth, steps + 1)
    out = []
    for x, nv in zip(np.asarray(points, float), np.asarray(normals, float)):
        nv = nv / max(np.linalg.norm(nv), 1e-12)
        line = x[None, :] - t[:, None] * nv[None, :]
        ok = (poly(line) <= 0) & np.all(np.abs(line) <= 1, axis=1)
        if ok.any():
            out.append(line[int(np.argmax(ok))])
    return np.array(out).reshape(-1, 3)


def _same_limits(model: DSOModel, vm_limits) -> None:
    """ValueError when a model passed to `make_offer` was built with other voltage limits than it asks for."""
    def key(v):
        return None if v is None else tuple(map(float, v))

    if key(model.vm_limits) != key(vm_limits):
        raise ValueError(f"the DS model passed to make_offer was built with other voltage limits than "
                         f"vm_limits={vm_limits!r}: pass the same vm_limits or no model")


def _rate(x):
    return np.nan if x is None else float(x)


@dataclass
class _GroundTruth:
    """The DS as the offer's ground truth: its model, box and box solutions (warm starts), and where its OPFs run."""

    net: object
    model: DSOModel
    box: Box
    starts: np.ndarray
    vm_limits: object = None
    n_workers: int | None = 0
    address: object = None
    progress: bool = True
    client: object = None

    def label(self, points_t: np.ndarray) -> dict:
        """`label_points` on this DS (eq. (p1-projection))."""
        return label_points(self.net, points_t, vm_limits=self.vm_limits, local=self.model, box=self.box,
                            starts=self.starts, n_workers=self.n_workers, address=self.address,
                            progress=self.progress, client=self.client)

    def cost(self, points_t: np.ndarray) -> dict:
        """`cost_points` on this DS (eq. (p1-dso))."""
        return cost_points(self.net, points_t, vm_limits=self.vm_limits, local=self.model, box=self.box,
                           starts=self.starts, n_workers=self.n_workers, address=self.address,
                           progress=self.progress, client=self.client)


@dataclass
class _Boundary:
    """The successful boundary samples (normalised) with unit outward normals; ``fit`` and ``held_out`` index them."""

    points: np.ndarray
    normals: np.ndarray
    fit: np.ndarray
    held_out: np.ndarray


@dataclass
class _Labels:
    """Labelled points of the box (normalised) with their ground truth (`label_points`) and their split."""

    points: np.ndarray
    kind: np.ndarray  # "shell" or "uniform"
    distance: np.ndarray  # to the FOR, normalised units
    success: np.ndarray
    projection: np.ndarray
    feasible: np.ndarray
    train: np.ndarray  # indices of successfully labelled points
    validation: np.ndarray
    test: np.ndarray
    time_s: float


@dataclass
class _Price:
    """The DS cost OPFs at points of the offered region and the price fitted to them."""

    points: np.ndarray
    kind: np.ndarray  # "surface" or "inside"
    result: dict  # `cost_points`
    ok: np.ndarray
    train: np.ndarray
    test: np.ndarray
    cost: QuadraticCost
    time_s: float


def build_offer(
    ds_net,
    samples: xr.Dataset,
    *,
    degrees=DEGREES,
    convex_options=(True, False),
    n_labelled: int = 300,
    n_cost: int = 120,
    tol: float = 1e-3,
    offset: float = 0.05,
    regs=(1e-3, 1e-5, 1e-7),
    target_false_feasible: float = 0.0,
    use_margin: bool = True,
    margin_offsets=(0.02, 0.05),
    segment_fractions=(0.25, 0.5),
    boundary_fraction: float = 0.75,
    shell_offsets=(0.005, 0.25),
    shell_outward: float = 0.7,
    shell_jitter: float = 0.05,
    split=(0.3, 0.3, 0.4),
    cost_boundary_fraction: float = 0.5,
    cost_gradient_weight: float = 1.0,
    cost_gradient_huber: float | None = 0.2,
    confidence: float = 0.95,
    seed: int = 0,
    vm_limits=None,
    n_workers: int | None = 0,
    address=None,
    progress: bool = True,
    pcc: dict | None = None,
    model: DSOModel | None = None,
    client=None,
    return_library: bool = False,
) -> tuple[Offer, xr.Dataset] | tuple[Offer, xr.Dataset, CostLibrary]:
    """Fit the offer of one DS from its FOR samples and measure its errors on held-out points.

    Implements eqs. (p1-polynomial), (p1-sos), (p1-margin) and (p1-price) of chapter 04 on the samples of eqs.
    (p1-box), (p1-projection) and (p1-support) of chapter 03. Steps: `_label`, `_select` (polynomial and margin),
    `_test_errors`, `_fit_price`, `_offer_info` and `_report`.

    n_labelled: points labelled by projection (one DS OPF each), ``boundary_fraction`` of them shell points near the
    boundary (`shell_points` with ``shell_offsets``, ``shell_outward``, ``shell_jitter``), the rest uniform in the
    box; ``split``: training / validation / test shares. Every candidate (degree out of ``degrees``, by default
    every one `forlab.p1_for.polynomial.fit` knows, its ``DEGREES``; convexity; regularisation) is fitted on the
    training data, gets the margin that keeps at most ``target_false_feasible`` (a share in
    [0, 1]) of the training and validation exterior points inside (plus points ``margin_offsets`` beyond every
    boundary sample along its normal, and points at ``segment_fractions`` of the way from the projection of every
    infeasible training or validation point to the point: infeasible by construction), and is scored on the
    validation set by its false-infeasible rate plus ten times its false-feasible rate. n_cost: DS cost OPFs
    (at least `MIN_COST_POINTS`, `check_n_cost`) at points of the offered region, ``cost_boundary_fraction`` of
    them on its surface (boundary samples pulled inside), the rest uniform inside; 80 % fit the price, 20 %
    measure it. The price fits the costs and their slopes (dC/dx~ from the cost OPFs' multipliers, weighted by
    ``cost_gradient_weight``, Huber threshold ``cost_gradient_huber``; weight 0: values only, see
    `forlab.p1_for.price.fit_cost`).

    model: this DS's `forlab.p1_for.dso_opf.DSOModel` (built on ``ds_net`` with ``vm_limits``, e.g. the one that
    sampled it) for the in-process solves, instead of building another; client: a Dask client kept open by the
    caller (`forlab.p1_for.sampling.run_tasks`).

    Returns the offer and a report Dataset: per candidate the validation and test errors, the selected
    candidate's test errors (rates with their counts and Clopper-Pearson upper bound at ``confidence``), volume
    kept, boundary distances, the cost model's R^2 and relative errors, the labelled points with their ground
    truth, the cost points, and the offline times (labelling, fitting, cost OPFs). With ``return_library`` also the
    DSO's `forlab.p1_for.dso_opf.CostLibrary`: the price's cost OPFs (those it fits and tests), primal and dual, kept
    as the warm starts of the DSO's online cost OPF instead of being solved again.
    """
    # one generator for every random draw, in a fixed order: the offer depends on the seed alone
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    split = split_shares(boundary_fraction, split)
    check_rate(target_false_feasible, "target_false_feasible")  # before any DS OPF is solved
    check_n_cost(n_cost)
    truth = _ground_truth(ds_net, samples, vm_limits, n_workers, address, progress, model, client)
    boundary = _boundary_samples(samples, truth.box, rng)
    labels = _label(truth, boundary, rng, n_labelled=n_labelled, boundary_fraction=boundary_fraction,
                    shell_options={"offsets": shell_offsets, "outward": shell_outward, "jitter": shell_jitter},
                    split=split, tol=tol)
    data = _fit_data(boundary, labels, tol)
    ext_cal = _margin_points(boundary, labels, tol, margin_offsets, segment_fractions) if use_margin \
        else np.zeros((0, 3))
    t_fit = time.perf_counter()
    rows, chosen, best_reg = _select(data, ext_cal, labels, boundary, degrees=degrees, convex_options=convex_options,
                                     regs=regs, offset=offset, use_margin=use_margin,
                                     target_false_feasible=target_false_feasible, confidence=confidence)
    t_fit = time.perf_counter() - t_fit
    test = _test_errors(chosen, rows, labels, boundary, tol, confidence, rng)
    price = _fit_price(truth, chosen, boundary, rng, n_cost=n_cost, boundary_fraction=cost_boundary_fraction, tol=tol,
                       gradient_weight=cost_gradient_weight, gradient_huber=cost_gradient_huber)
    info = _offer_info(chosen, test, price, boundary, data, labels, ext_cal, tol=tol, offset=offset, reg=best_reg,
                       confidence=confidence, target_false_feasible=target_false_feasible,
                       cost_gradient_weight=cost_gradient_weight, cost_gradient_huber=cost_gradient_huber)
    offer = Offer(truth.box, chosen, price.cost, pcc=dict(pcc or {}), base={"sn_mva": float(ds_net.sn_mva)}, info=info)
    rep = _report(rows, labels, chosen, price, info)
    rep.attrs.update({"time_label_s": labels.time_s, "time_fit_s": t_fit, "time_cost_s": price.time_s,
                      "time_total_s": time.perf_counter() - t0})
    return (offer, rep, _library(truth, price)) if return_library else (offer, rep)


def _library(truth: _GroundTruth, price: _Price) -> CostLibrary:
    """The price's successful cost OPFs (the points it fits and tests) as the DSO's warm-start library."""
    cres = price.result
    keep = [i for i in np.flatnonzero(price.ok) if cres["solution"][i] is not None]
    return CostLibrary(truth.model, truth.box, cres["point"][keep],
                       [truth.model.warm_start(*cres["solution"][i]) for i in keep])


def split_shares(boundary_fraction: float, split) -> np.ndarray:
    """The (train, validation, test) shares normalised to sum 1; ValueError unless three positive numbers (or
    unless the share of shell points, ``boundary_fraction``, is in [0, 1])."""
    if not 0 <= boundary_fraction <= 1:
        raise ValueError(f"boundary_fraction must be in [0, 1], got {boundary_fraction!r}")
    split = np.asarray(split, float)
    if split.shape != (3,) or np.any(split <= 0):
        raise ValueError(f"split must be three positive shares (train, validation, test), got {split!r}")
    return split / split.sum()


def _ground_truth(ds_net, samples: xr.Dataset, vm_limits, n_workers, address, progress, model=None,
                  client=None) -> _GroundTruth:
    """The DS model the samples came from; ValueError when the samples' box is not this DS's (eq. (p1-box))."""
    box = box_of(samples)
    local, box2, starts = _prepare(ds_net, vm_limits, model)
    if not (np.allclose(box.lo, box2.lo, rtol=1e-5, atol=1e-6) and np.allclose(box.hi, box2.hi, rtol=1e-5, atol=1e-6)):
        raise ValueError("the samples were taken with another DS net or other voltage limits: their box differs")
    return _GroundTruth(ds_net, local, box, starts, vm_limits, n_workers, address, progress, client)


def _boundary_samples(samples: xr.Dataset, box: Box, rng) -> _Boundary:
    """The boundary samples of eqs. (p1-projection) and (p1-support) with a normal, normalised; a fifth of them
    (at least 3) held out of the fit: they break ties between candidates (`_select`) and measure the boundary
    distance (`_test_errors`)."""
    ok = samples.success.values & (np.linalg.norm(samples.normal.values, axis=1) > 0.5)
    bpts = box.normalise(np.column_stack([samples.p_mw.values, samples.q_mvar.values, samples.vm_pu.values]))[ok]
    bnorm = samples.normal.values[ok]
    bnorm = bnorm / np.linalg.norm(bnorm, axis=1, keepdims=True)
    perm = rng.permutation(len(bpts))
    n_hold = max(3, len(bpts) // 5)
    return _Boundary(bpts, bnorm, fit=perm[n_hold:], held_out=perm[:n_hold])


def _label(truth: _GroundTruth, boundary: _Boundary, rng, *, n_labelled: int, boundary_fraction: float, shell_options: dict,
           split: np.ndarray, tol: float) -> _Labels:
    """Shell points near the boundary and uniform points of the box, labelled by their distance to the FOR (a
    projection, eq. (p1-projection): feasible when closer than ``tol``) and split at random into training,
    validation and test points (failed labels left out)."""
    n_shell = round(boundary_fraction * n_labelled)
    pts = np.vstack([shell_points(boundary.points, boundary.normals, n_shell, rng, **shell_options),
                     rng.uniform(-1, 1, size=(n_labelled - n_shell, 3))])
    kind = np.array(["shell"] * n_shell + ["uniform"] * (n_labelled - n_shell))
    t_lab = time.perf_counter()
    lab = truth.label(pts)
    t_lab = time.perf_counter() - t_lab
    good = lab["success"]
    idx = rng.permutation(n_labelled)
    cut = np.round(np.cumsum(split)[:2] * n_labelled).astype(int)
    tr, va, te = np.split(idx, cut)
    return _Labels(pts, kind, lab["distance"], good, lab["projection"], lab["distance"] < tol,
                   tr[good[tr]], va[good[va]], te[good[te]], t_lab)


def _fit_data(boundary: _Boundary, labels: _Labels, tol: float) -> FitData:
    """Training data of eq. (p1-polynomial): the boundary samples not held out, the projections of infeasible
    training points (boundary points too, with normal point - projection) and the training points' signs."""
    tr, dist, pts = labels.train, labels.distance, labels.points
    far = tr[dist[tr] > 5 * tol]
    extra_b = labels.projection[far]
    extra_n = (pts[far] - extra_b) / dist[far, None]
    return FitData(np.vstack([boundary.points[boundary.fit], extra_b]),
                   np.vstack([boundary.normals[boundary.fit], extra_n]),
                   interior=pts[tr][labels.feasible[tr]], exterior=pts[tr][~labels.feasible[tr]])


def _margin_points(boundary: _Boundary, labels: _Labels, tol: float, margin_offsets, segment_fractions
                   ) -> np.ndarray:
    """Exterior points that calibrate the margin of eq. (p1-margin), never test points.

    The labelled infeasible training and validation points; points ``margin_offsets`` beyond every boundary sample
    along its normal (infeasible by construction: for a support point d . x exceeds the support value, for a
    projection the point lies between the target and its nearest feasible point); and points at
    ``segment_fractions`` of the way from the projection of every infeasible training or validation point to the
    point, for the same reason. These crowd the boundary, where the margin is decided.
    """
    pts, dist, proj, feas = labels.points, labels.distance, labels.projection, labels.feasible
    beyond = [boundary.points + eps * boundary.normals for eps in margin_offsets]
    trva = np.concatenate([labels.train, labels.validation])
    out_trva = trva[dist[trva] > 2 * tol]
    between = [proj[out_trva] + frac * (pts[out_trva] - proj[out_trva]) for frac in segment_fractions]
    between = [b[frac * dist[out_trva] > tol] for b, frac in zip(between, segment_fractions)]
    return np.vstack([pts[trva][~feas[trva]], *beyond, *between])


def _select(data: FitData, ext_cal: np.ndarray, labels: _Labels, boundary: _Boundary, *, degrees, convex_options,
            regs, offset: float, use_margin: bool, target_false_feasible: float, confidence: float
            ) -> tuple[list[dict], ImplicitPolynomial, float]:
    """Fit every candidate (degree, convexity, regularisation) of eqs. (p1-polynomial) and (p1-sos), give it its
    margin (eq. (p1-margin)) and score it on the validation points: false-infeasible rate + 10 x false-feasible
    rate, ties broken by the mean distance to the held-out boundary samples (``val_boundary_distance``; the same
    samples enter the reported test boundary distance, `_test_errors`).

    Returns the candidates' table rows (with the polynomial under ``poly``), the chosen polynomial with its margin
    and its regularisation weight. RuntimeError when no candidate could be fitted.
    """
    va = labels.validation
    rows = []
    best, best_key, best_reg, best_margin = None, None, None, 0.0
    for deg, cvx, reg in itertools.product(degrees, convex_options, regs):
        try:
            poly = fit(data, deg, offset=offset, reg=reg, convex=cvx)
        except RuntimeError as err:
            rows.append({"degree": deg, "convex": cvx, "reg": reg, "status": str(err)})
            continue
        m = calibrate_margin(poly, ext_cal, target_false_feasible) if use_margin else 0.0
        with_m = ImplicitPolynomial(poly.degree, poly.coef, m, poly.convex)
        ev = classification_errors(with_m, labels.points[va], labels.feasible[va], confidence)
        bd = float(np.mean(boundary_distance(poly, boundary.points[boundary.held_out])))
        score = _rate(ev["false_infeasible_rate"]) + 10 * _rate(ev["false_feasible_rate"])
        rows.append({"degree": deg, "convex": cvx, "reg": reg, "status": "optimal", "val_accuracy": ev["accuracy"],
                     "val_false_feasible": ev["false_feasible_rate"],
                     "val_false_infeasible": ev["false_infeasible_rate"], "val_boundary_distance": bd,
                     "val_margin": m, "score": score, "poly": with_m})
        key = (np.nan_to_num(score, nan=np.inf), bd)
        if best_key is None or key < best_key:
            best, best_key, best_reg, best_margin = poly, key, reg, m
    if best is None:
        raise RuntimeError(f"no polynomial candidate could be fitted: {[r['status'] for r in rows]}")
    return rows, ImplicitPolynomial(best.degree, best.coef, best_margin, best.convex), best_reg


def _test_errors(chosen: ImplicitPolynomial, rows: list[dict], labels: _Labels, boundary: _Boundary, tol: float,
                 confidence: float, rng) -> dict:
    """The chosen offer's errors on the test points (the ``test_*`` entries of its info), and every candidate's
    test errors with its own margin added to its row (for the table only).

    Classification on all, uniform and shell test points; the distance of held-out boundary points (boundary
    samples left out of the fit and projections of infeasible test points) to {f = 0} and to the offered surface;
    the volume kept (`volume_kept`). The held-out boundary samples are not test points only: `_select` broke ties
    between candidates on their distance, so the boundary distances reported here are not independent of the
    choice (the projections of the test points are).
    """
    pts, feas, te, dist = labels.points, labels.feasible, labels.test, labels.distance
    for r in rows:
        if "poly" in r:
            ev = classification_errors(r["poly"], pts[te], feas[te], confidence)
            r.update({f"test_{k}": v for k, v in ev.items()})
    test = classification_errors(chosen, pts[te], feas[te], confidence)
    te_u = te[labels.kind[te] == "uniform"]
    test_u = classification_errors(chosen, pts[te_u], feas[te_u], confidence)
    te_s = te[labels.kind[te] == "shell"]
    test_s = classification_errors(chosen, pts[te_s], feas[te_s], confidence)
    ff_pts = te[(chosen(pts[te]) <= 0) & ~feas[te]]
    far_te = te[dist[te] > 5 * tol]
    b_held = np.vstack([boundary.points[boundary.held_out], labels.projection[far_te]])
    bare = ImplicitPolynomial(chosen.degree, chosen.coef, 0.0, chosen.convex)
    test_bd = boundary_distance(bare, b_held)
    test_bd_offered = boundary_distance(chosen, b_held)
    vol = volume_kept(chosen, boundary.points, rng)
    return {
        "test_accuracy": test["accuracy"], "test_false_feasible_rate": test["false_feasible_rate"],
        "test_false_feasible_upper": test["false_feasible_upper"], "test_n_infeasible": test["n_infeasible"],
        "test_n_false_feasible": test["n_false_feasible"],
        "test_false_infeasible_rate": test["false_infeasible_rate"], "test_n_feasible": test["n_feasible"],
        "test_max_distance_false_feasible": float(dist[ff_pts].max()) if len(ff_pts) else 0.0,
        "test_uniform_false_feasible_rate": test_u["false_feasible_rate"],
        "test_uniform_n_infeasible": test_u["n_infeasible"],
        "test_volume_kept": None if test_u["false_infeasible_rate"] is None else 1 - test_u["false_infeasible_rate"],
        "test_shell_false_feasible_rate": test_s["false_feasible_rate"],
        "test_shell_false_infeasible_rate": test_s["false_infeasible_rate"],
        "hull_volume_kept": vol["hull_volume_kept"], "offered_outside_hull": vol["outside_hull"],
        "test_boundary_distance_mean": float(test_bd.mean()), "test_boundary_distance_max": float(test_bd.max()),
        "test_offered_boundary_distance_mean": float(test_bd_offered.mean()),
        "n_test_boundary": len(b_held),
    }


#: The fewest cost points the price can be fitted from: `forlab.p1_for.price.fit_cost` needs ten (the quadratic's
#: coefficients over (P, Q, V)) and `_fit_price` holds a fifth of the points out to measure the fit.
MIN_COST_POINTS = 13


def check_n_cost(n_cost, name: str = "n_cost") -> None:
    """ValueError naming the parameter ``name`` unless ``n_cost``, the number of the price's cost points, is an
    integer (a bool is not) of at least `MIN_COST_POINTS`. A chapter calls it before any work: with fewer points
    `_fit_price` would stop only after the whole offline run (sampling, labelling, the polynomial's fit)."""
    if not isinstance(n_cost, numbers.Integral) or isinstance(n_cost, bool) or n_cost < MIN_COST_POINTS:
        raise ValueError(f"{name} must be at least {MIN_COST_POINTS} (an integer), got {n_cost!r}: the price's fit "
                         f"(forlab.p1_for.price.fit_cost) needs ten cost points for the quadratic's coefficients, "
                         f"and a fifth of the points are held out to measure it")


def _fit_price(truth: _GroundTruth, chosen: ImplicitPolynomial, boundary: _Boundary, rng, *, n_cost: int,
               boundary_fraction: float, tol: float, gradient_weight: float, gradient_huber: float | None) -> _Price:
    """The DS cost OPF (eq. (p1-dso)) at ``n_cost`` points of the offered region, ``boundary_fraction`` of them on
    its surface (boundary samples pulled inside) and the rest uniform inside, and the price of eq. (p1-price)
    fitted to a random 80 % of the successful ones (`forlab.p1_for.price.fit_cost`); the other 20 % measure it."""
    t_cost = time.perf_counter()
    n_cb = round(boundary_fraction * n_cost)
    surf = pull_inside(chosen, boundary.points, boundary.normals)
    surf = surf[rng.permutation(len(surf))[: min(n_cb, len(surf))]]
    u = rng.uniform(-1, 1, size=(max(50 * n_cost, 1000), 3))
    inner = u[chosen(u) <= 0][: n_cost - len(surf)]
    cpts = np.vstack([surf, inner])
    ckind = np.array(["surface"] * len(surf) + ["inside"] * len(inner))
    if len(cpts) < MIN_COST_POINTS:
        check_n_cost(n_cost)  # the parameter itself too small: say so, not that the region is empty
        raise RuntimeError(f"the offered region is (nearly) empty: only {len(cpts)} cost points found inside it")
    cres = truth.cost(cpts)
    cok = cres["success"] & (cres["mismatch"] < tol)
    cperm = rng.permutation(np.flatnonzero(cok))
    n_ct = max(1, len(cperm) // 5)
    c_test, c_train = cperm[:n_ct], cperm[n_ct:]
    cost = fit_cost(cpts[c_train], cres["cost"][c_train], gradients=cres["gradient"][c_train],
                    gradient_weight=gradient_weight, gradient_huber=gradient_huber)
    return _Price(cpts, ckind, cres, cok, c_train, c_test, cost, time.perf_counter() - t_cost)


def _price_errors(price: _Price) -> dict:
    """The price's errors on its test points (the ``cost_*`` entries of the offer's info, eq. (p1-price)).

    Values: R^2, and errors relative to the mean absolute cost of the DS's cost points (FPU costs can be zero, units
    idle, where a pointwise relative error is meaningless). Slopes: error norm relative to the mean norm of the DS's
    slopes at its cost points.
    """
    cres, c_test, cok = price.result, price.test, price.ok
    y, yhat = cres["cost"][c_test], price.cost(price.points[c_test])
    denom = max(float(np.mean(np.abs(cres["cost"][cok]))), 1e-9)
    rel = np.abs(yhat - y) / denom
    r2 = 1 - np.sum((yhat - y) ** 2) / max(np.sum((y - y.mean()) ** 2), 1e-12)
    G, Ghat = cres["gradient"][c_test], price.cost.gradient(price.points[c_test])
    has = np.all(np.isfinite(G), axis=1)
    allg = cres["gradient"][cok]
    allg = allg[np.all(np.isfinite(allg), axis=1)]
    g_norm = max(float(np.mean(np.linalg.norm(allg, axis=1))), 1e-9) if len(allg) else 1e-9
    g_rel = np.linalg.norm(Ghat[has] - G[has], axis=1) / g_norm
    return {
        "cost_r2": float(r2), "cost_rel_error_mean": float(rel.mean()), "cost_rel_error_max": float(rel.max()),
        "cost_abs_error_max": float(np.abs(yhat - y).max()), "cost_mean": denom, "n_cost_test": len(c_test),
        "cost_gradient_rel_error_mean": float(g_rel.mean()) if len(g_rel) else None,
        "cost_gradient_rel_error_max": float(g_rel.max()) if len(g_rel) else None,
    }


def _offer_info(chosen: ImplicitPolynomial, test: dict, price: _Price, boundary: _Boundary, data: FitData,
                labels: _Labels, ext_cal: np.ndarray, *, tol: float, offset: float, reg: float, confidence: float,
                target_false_feasible: float, cost_gradient_weight: float, cost_gradient_huber: float | None) -> dict:
    """The offer's ``info``: the chosen polynomial, its test errors (`_test_errors`), the price's errors
    (`_price_errors`), the sizes of the point sets and the fit parameters. Reveals no topology."""
    return {
        "degree": int(chosen.degree), "convex": bool(chosen.convex), "margin": float(chosen.margin), **test,
        **_price_errors(price), "cost_gradient_weight": float(cost_gradient_weight),
        "cost_gradient_huber": None if cost_gradient_huber is None else float(cost_gradient_huber),
        "n_boundary": len(boundary.points), "n_boundary_fit": len(data.boundary),
        "n_labelled": int(labels.success.sum()), "n_labelled_failed": int((~labels.success).sum()),
        "n_cost_points": int(price.ok.sum()), "tol": tol, "offset": offset, "reg": float(reg),
        "confidence": float(confidence), "target_false_feasible": float(target_false_feasible),
        "n_margin_points": len(ext_cal),
    }


def _report(rows: list[dict], labels: _Labels, chosen: ImplicitPolynomial, price: _Price, info: dict) -> xr.Dataset:
    """The report Dataset of `build_offer`: the candidates' table (dimension ``candidate``), the labelled points
    (``point``) and the cost points (``cpoint``) with their splits, and the offer's info as attributes."""
    cand_rows = [{k: v for k, v in r.items() if k != "poly"} for r in rows]
    keys = sorted({k for r in cand_rows for k in r if k not in ("degree", "convex", "reg")})

    def column(k):
        if k == "status":
            return np.array([r.get(k, "") for r in cand_rows], dtype=str)
        return np.array([np.nan if r.get(k) is None else r[k] for r in cand_rows], dtype=float)

    rep = to_dataset(pd.DataFrame({k: column(k) for k in keys}), "candidate").assign_coords(
        candidate=np.arange(len(cand_rows)), degree=("candidate", [r["degree"] for r in cand_rows]),
        convex=("candidate", [bool(r["convex"]) for r in cand_rows]),
        reg=("candidate", [float(r["reg"]) for r in cand_rows]))
    pts, good = labels.points, labels.success
    rep["labelled_point"] = (("point", "axis"), pts)
    rep["labelled_distance"] = ("point", labels.distance)
    rep["labelled_success"] = ("point", good)
    rep["labelled_kind"] = ("point", labels.kind)
    rep["labelled_projection"] = (("point", "axis"), labels.projection)
    rep["labelled_f"] = ("point", chosen(pts))
    split_name = np.full(len(pts), "train", dtype=object)
    split_name[labels.validation], split_name[labels.test] = "validation", "test"
    split_name[~good] = "failed"
    rep["labelled_split"] = ("point", split_name.astype(str))
    cpts, cres = price.points, price.result
    rep["cost_point"] = (("cpoint", "axis"), cpts)
    rep["cost_kind"] = ("cpoint", price.kind)
    rep["cost_value"] = ("cpoint", cres["cost"])
    rep["cost_success"] = ("cpoint", price.ok)
    rep["cost_predicted"] = ("cpoint", price.cost(cpts))
    rep["cost_gradient"] = (("cpoint", "axis"), cres["gradient"])
    csplit = np.full(len(cpts), "failed", dtype=object)
    csplit[price.train], csplit[price.test] = "train", "test"
    rep["cost_split"] = ("cpoint", csplit.astype(str))
    rep = rep.assign_coords(axis=["p_mw", "q_mvar", "vm_pu"])
    rep.attrs.update({k: (np.nan if v is None else v) for k, v in info.items()})
    return rep


def make_offer(ds_net, *, n_directions: int = 40, face_grid: int = 3, n_workers: int | None = 0, address=None,
               progress: bool = False, pcc: dict | None = None, client=None, return_library: bool = False,
               model: DSOModel | None = None, **fit_options):
    """Offline work of one DSO: sample the FOR (`forlab.p1_for.sampling.sample_for`) and fit its offer
    (`build_offer`), on one DS model (and, with ``client``, on the caller's Dask client).

    Implements eqs. (p1-box) to (p1-price), the offline step of chapter 05's table: the sampling's eqs. (p1-box),
    (p1-projection), (p1-fibonacci) and (p1-support) of chapter 03, then the offer's eqs. (p1-polynomial),
    (p1-sos), (p1-margin) and (p1-price) of chapter 04.

    model: a model of this DS built before, at this or another load level (e.g. the previous level of a sweep):
    set to the loads of ``ds_net`` (`forlab.p1_for.dso_opf.DSOModel.set_loads`) and used instead of building one;
    None: built here. Either way the offer is the same.
    Returns (offer, samples, report, seconds), and with ``return_library`` also the DSO's
    `forlab.p1_for.dso_opf.CostLibrary` (the price fit's cost OPFs, primal and dual, on that model)."""
    t0 = time.perf_counter()
    vm_limits = fit_options.pop("vm_limits", None)
    if model is None:
        model = DSOModel(ds_net, vm_limits=vm_limits)
    else:
        _same_limits(model, vm_limits)
        model.set_loads(ds_net)
    samples = sample_for(ds_net, n_directions, face_grid, vm_limits=vm_limits, n_workers=n_workers, address=address,
                         progress=progress, client=client, model=model)
    out = build_offer(ds_net, samples, vm_limits=vm_limits, n_workers=n_workers, address=address, progress=progress,
                      pcc=pcc, model=model, client=client, return_library=return_library, **fit_options)
    return (out[0], samples, out[1], time.perf_counter() - t0, *out[2:])
