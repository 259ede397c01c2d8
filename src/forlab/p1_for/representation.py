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
conservative margin is calibrated on the training and validation exterior points (never on test points); every
reported error is measured on the test set only.

False-feasible rate = (points the offer declares feasible but the grid cannot reach) / (infeasible test points):
the dangerous error, reported against the infeasible points so that it is not diluted by easy interior points,
with the number of infeasible test points and a one-sided Clopper-Pearson upper confidence bound.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import xarray as xr

from forlab.p1_for.dso_opf import DSOModel
from forlab.p1_for.offer import Offer, QuadraticCost
from forlab.p1_for.polynomial import FitData, ImplicitPolynomial, calibrate_margin, fit
from forlab.p1_for.sampling import box_of, nearest_start, run_tasks, sample_for


def _prepare(ds_net, vm_limits):
    local = DSOModel(ds_net, vm_limits=vm_limits)
    box, box_samples = local.bounding_box()
    return local, box, np.array([s.x for s in box_samples])


def label_points(ds_net, points_t: np.ndarray, *, vm_limits=None, local=None, box=None, starts=None,
                 n_workers: int | None = 0, address=None, progress: bool = True) -> dict:
    """Project normalised points onto the FOR.

    Returns the distance to the FOR (normalised units), success flags, solver statuses and the projections
    (normalised; boundary points of the FOR for the points outside it).
    """
    if local is None:
        local, box, starts = _prepare(ds_net, vm_limits)
    tasks = [(i, "projection", t, nearest_start(t)) for i, t in enumerate(np.asarray(points_t, float))]
    res, _ = run_tasks(ds_net, box, starts, tasks, vm_limits=vm_limits, n_workers=n_workers, address=address,
                       progress=progress, desc="labelling points", local=local)
    proj = box.normalise(np.array([[r[1]["p_mw"], r[1]["q_mvar"], r[1]["vm_pu"]] for r in res]).reshape(-1, 3))
    dist = np.linalg.norm(proj - np.asarray(points_t, float), axis=1)
    return {"distance": dist, "success": np.array([r[1]["success"] for r in res]),
            "status": np.array([r[1]["status"] for r in res]), "projection": proj}


def cost_points(ds_net, points_t: np.ndarray, *, vm_limits=None, local=None, box=None, starts=None,
                n_workers: int | None = 0, address=None, progress: bool = True) -> dict:
    """DS cost OPF (cheapest FPU dispatch) with the PCC fixed at each normalised point.

    Returns cost, success, mismatch (normalised distance to the point used; the nearest feasible point when the
    requested one is not feasible), status and ``gradient``: dC/dx~ at each point from the multipliers of the fixed
    PCC point (`forlab.p1_for.dso_opf.DSOModel.cost_gradient`; NaN where the point itself was not feasible).
    """
    if local is None:
        local, box, starts = _prepare(ds_net, vm_limits)
    tasks = [(i, "cost", t, nearest_start(t)) for i, t in enumerate(np.asarray(points_t, float))]
    res, _ = run_tasks(ds_net, box, starts, tasks, vm_limits=vm_limits, n_workers=n_workers, address=address,
                       progress=progress, desc="cost OPFs", local=local)
    return {"cost": np.array([r[1]["fpu_cost"] for r in res]), "success": np.array([r[1]["success"] for r in res]),
            "mismatch": np.array([r[1]["mismatch"] for r in res]), "status": np.array([r[1]["status"] for r in res]),
            "gradient": np.array([[r[1]["grad_p"], r[1]["grad_q"], r[1]["grad_v"]] for r in res]).reshape(-1, 3)}


def fit_cost(points_t: np.ndarray, values: np.ndarray, reg: float = 1e-6, gradients: np.ndarray | None = None,
             gradient_weight: float = 1.0, gradient_huber: float | None = 0.2) -> QuadraticCost:
    """Least-squares quadratic C(x~) = 1/2 x~'H x~ + g'x~ + c0 with H PSD (cvxpy, Clarabel).

    gradients: dC/dx~ at the points (n x 3, rows with NaN left out), e.g. from the cost OPFs' multipliers
    (`forlab.p1_for.dso_opf.DSOModel.cost_gradient`, returned by `cost_points`). With them the fit matches values and slopes (a first-order, "Sobolev" least squares):
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

    x = np.asarray(points_t, float)
    y = np.asarray(values, float)
    if len(x) < 10:
        raise ValueError(f"need at least 10 cost points to fit a quadratic over (P, Q, V), got {len(x)}")
    scale = max(1.0, float(np.std(y)))
    H = cp.Variable((3, 3), PSD=True)
    g = cp.Variable(3)
    c0 = cp.Variable()
    # x'Hx is linear in H: sum_ij H_ij x_i x_j
    outer = np.einsum("ni,nj->nij", x, x).reshape(len(x), 9)
    pred = 0.5 * (outer @ cp.vec(H, order="C")) + x @ g + c0
    loss = cp.sum_squares((pred - y) / scale) / len(x)
    if gradients is not None and gradient_weight > 0:
        G = np.asarray(gradients, float).reshape(-1, 3)
        if len(G) != len(x):
            raise ValueError(f"{len(G)} gradients for {len(x)} cost points")
        has = np.all(np.isfinite(G), axis=1)
        if has.any():
            # the gradient of the quadratic is H x~ + g (H symmetric)
            gpred = x[has] @ H + np.ones((int(has.sum()), 1)) @ cp.reshape(g, (1, 3), order="C")
            r = (gpred - G[has]) / scale
            if gradient_huber is None:
                term = cp.sum_squares(r)
            else:
                m = gradient_huber * max(float(np.median(np.linalg.norm(G[has], axis=1))), 1e-9) / scale
                term = cp.sum(cp.huber(r, m))
            loss = loss + gradient_weight * term / int(has.sum())
    prob = cp.Problem(cp.Minimize(loss + reg * cp.sum_squares(H)))
    for solver in ("CLARABEL", "SCS"):
        try:
            prob.solve(solver=solver)
        except Exception:  # noqa: BLE001 - try the fallback
            continue
        if prob.status in ("optimal", "optimal_inaccurate"):
            Hv = 0.5 * (H.value + H.value.T)
            w, v = np.linalg.eigh(Hv)
            Hv = (v * np.maximum(w, 0)) @ v.T  # remove solver round-off below zero
            return QuadraticCost(Hv, np.asarray(g.value, float), float(c0.value))
    raise RuntimeError(f"quadratic cost fit failed: {prob.status}")


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided upper confidence bound of a binomial rate with k events in n trials (Clopper-Pearson, exact).

    1.0 when there are no trials: nothing is known about the rate then.
    """
    from scipy.stats import beta

    k, n = int(k), int(n)
    if n <= 0 or k >= n:
        return 1.0
    return float(beta.ppf(confidence, k + 1, n - k))


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
    that do not reach the region within ``depth`` are dropped. Used to place cost points on the offered surface."""
    t = np.linspace(0.0, depth, steps + 1)
    out = []
    for x, nv in zip(np.asarray(points, float), np.asarray(normals, float)):
        nv = nv / max(np.linalg.norm(nv), 1e-12)
        line = x[None, :] - t[:, None] * nv[None, :]
        ok = (poly(line) <= 0) & np.all(np.abs(line) <= 1, axis=1)
        if ok.any():
            out.append(line[int(np.argmax(ok))])
    return np.array(out).reshape(-1, 3)


def _rate(x):
    return np.nan if x is None else float(x)


def build_offer(
    ds_net,
    samples: xr.Dataset,
    *,
    degrees=(2, 4, 6),
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
) -> tuple[Offer, xr.Dataset]:
    """Fit the offer of one DS from its FOR samples and measure its errors on held-out points.

    n_labelled: points labelled by projection (one DS OPF each), ``boundary_fraction`` of them shell points near the
    boundary (`shell_points` with ``shell_offsets``, ``shell_outward``, ``shell_jitter``), the rest uniform in the
    box; ``split``: training / validation / test shares. Every candidate (degree, convexity, regularisation) is
    fitted on the training data, gets the margin that keeps at most ``target_false_feasible`` of the training and
    validation exterior points inside (plus points ``margin_offsets`` beyond every boundary sample along its normal,
    and points at ``segment_fractions`` of the way from the projection of every infeasible training or validation
    point to the point: infeasible by construction), and is scored on the validation set by its
    false-infeasible rate plus ten times its false-feasible rate. n_cost: DS cost OPFs
    at points of the offered region, ``cost_boundary_fraction`` of them on its surface (boundary samples pulled
    inside), the rest uniform inside; 80 % fit the price, 20 % measure it. The price fits the costs and their
    slopes (dC/dx~ from the cost OPFs' multipliers, weighted by ``cost_gradient_weight``, Huber threshold
    ``cost_gradient_huber``; weight 0: values only, see `fit_cost`).

    Returns the offer and a report Dataset: per candidate the validation and test errors, the selected
    candidate's test errors (rates with their counts and Clopper-Pearson upper bound at ``confidence``), volume
    kept, boundary distances, the cost model's R^2 and relative errors, the labelled points with their ground
    truth, the cost points, and the offline times (labelling, fitting, cost OPFs).
    """
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    if not 0 <= boundary_fraction <= 1:
        raise ValueError(f"boundary_fraction must be in [0, 1], got {boundary_fraction!r}")
    split = np.asarray(split, float)
    if split.shape != (3,) or np.any(split <= 0):
        raise ValueError(f"split must be three positive shares (train, validation, test), got {split!r}")
    split = split / split.sum()
    box = box_of(samples)
    local, box2, starts = _prepare(ds_net, vm_limits)
    if not (np.allclose(box.lo, box2.lo, rtol=1e-5, atol=1e-6) and np.allclose(box.hi, box2.hi, rtol=1e-5, atol=1e-6)):
        raise ValueError("the samples were taken with another DS net or other voltage limits: their box differs")
    ok = samples.success.values & (np.linalg.norm(samples.normal.values, axis=1) > 0.5)
    bpts = box.normalise(np.column_stack([samples.p_mw.values, samples.q_mvar.values, samples.vm_pu.values]))[ok]
    bnorm = samples.normal.values[ok]
    bnorm = bnorm / np.linalg.norm(bnorm, axis=1, keepdims=True)
    perm = rng.permutation(len(bpts))
    n_hold = max(3, len(bpts) // 5)
    b_test, b_train = perm[:n_hold], perm[n_hold:]

    # labelled points: shell points near the boundary and uniform points of the box, split at random
    n_shell = round(boundary_fraction * n_labelled)
    pts = np.vstack([shell_points(bpts, bnorm, n_shell, rng, offsets=shell_offsets, outward=shell_outward,
                                  jitter=shell_jitter),
                     rng.uniform(-1, 1, size=(n_labelled - n_shell, 3))])
    kind = np.array(["shell"] * n_shell + ["uniform"] * (n_labelled - n_shell))
    t_lab = time.perf_counter()
    lab = label_points(ds_net, pts, vm_limits=vm_limits, local=local, box=box, starts=starts, n_workers=n_workers,
                       address=address, progress=progress)
    t_lab = time.perf_counter() - t_lab
    good = lab["success"]
    dist = lab["distance"]
    feas = dist < tol
    idx = rng.permutation(n_labelled)
    cut = np.round(np.cumsum(split)[:2] * n_labelled).astype(int)
    tr, va, te = np.split(idx, cut)
    tr, va, te = tr[good[tr]], va[good[va]], te[good[te]]

    # the projections of infeasible training points are boundary samples too, with normal (point - projection)
    far = tr[dist[tr] > 5 * tol]
    extra_b = lab["projection"][far]
    extra_n = (pts[far] - extra_b) / dist[far, None]
    data = FitData(np.vstack([bpts[b_train], extra_b]), np.vstack([bnorm[b_train], extra_n]),
                   interior=pts[tr][feas[tr]], exterior=pts[tr][~feas[tr]])
    # exterior points for the margin: labelled ones outside the test set, points beyond the boundary samples
    # along their normals, infeasible by construction
    # (support point: d . x exceeds the support value; projection: the point lies between the target and its
    # nearest feasible point), and points between each infeasible labelled point and its projection, for the same
    # reason: these crowd the boundary, where the margin is decided
    beyond = [bpts + eps * bnorm for eps in margin_offsets]
    trva = np.concatenate([tr, va])
    out_trva = trva[dist[trva] > 2 * tol]
    between = [lab["projection"][out_trva] + frac * (pts[out_trva] - lab["projection"][out_trva])
               for frac in segment_fractions]
    between = [b[frac * dist[out_trva] > tol] for b, frac in zip(between, segment_fractions)]
    ext_cal = np.vstack([pts[trva][~feas[trva]], *beyond, *between]) if use_margin else np.zeros((0, 3))
    rows = []
    best, best_key, best_reg, best_margin = None, None, None, 0.0
    t_fit = time.perf_counter()
    for deg, cvx, reg in itertools.product(degrees, convex_options, regs):
        try:
            poly = fit(data, deg, offset=offset, reg=reg, convex=cvx)
        except RuntimeError as err:
            rows.append({"degree": deg, "convex": cvx, "reg": reg, "status": str(err)})
            continue
        m = calibrate_margin(poly, ext_cal, target_false_feasible) if use_margin else 0.0
        with_m = ImplicitPolynomial(poly.degree, poly.coef, m, poly.convex)
        ev = classification_errors(with_m, pts[va], feas[va], confidence)
        bd = float(np.mean(boundary_distance(poly, bpts[b_test])))
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
    margin = best_margin
    chosen = ImplicitPolynomial(best.degree, best.coef, margin, best.convex)
    t_fit = time.perf_counter() - t_fit

    # test errors of every candidate with its own margin (for the table only) and of the chosen offer
    for r in rows:
        if "poly" in r:
            ev = classification_errors(r["poly"], pts[te], feas[te], confidence)
            r.update({f"test_{k}": v for k, v in ev.items()})
    test = classification_errors(chosen, pts[te], feas[te], confidence)
    te_u = te[kind[te] == "uniform"]
    test_u = classification_errors(chosen, pts[te_u], feas[te_u], confidence)
    te_s = te[kind[te] == "shell"]
    test_s = classification_errors(chosen, pts[te_s], feas[te_s], confidence)
    ff_pts = te[(chosen(pts[te]) <= 0) & ~feas[te]]
    # held-out boundary points: boundary samples left out of the fit and projections of infeasible test points
    far_te = te[dist[te] > 5 * tol]
    b_held = np.vstack([bpts[b_test], lab["projection"][far_te]])
    bare = ImplicitPolynomial(chosen.degree, chosen.coef, 0.0, chosen.convex)
    test_bd = boundary_distance(bare, b_held)
    test_bd_offered = boundary_distance(chosen, b_held)
    vol = volume_kept(chosen, bpts, rng)

    # cost: DS cost OPFs at points of the offered region (surface and inside), 80/20 split
    t_cost = time.perf_counter()
    n_cb = round(cost_boundary_fraction * n_cost)
    surf = pull_inside(chosen, bpts, bnorm)
    surf = surf[rng.permutation(len(surf))[: min(n_cb, len(surf))]]
    u = rng.uniform(-1, 1, size=(max(50 * n_cost, 1000), 3))
    inner = u[chosen(u) <= 0][: n_cost - len(surf)]
    cpts = np.vstack([surf, inner])
    ckind = np.array(["surface"] * len(surf) + ["inside"] * len(inner))
    if len(cpts) < 13:
        raise RuntimeError(f"the offered region is (nearly) empty: only {len(cpts)} cost points found inside it")
    cres = cost_points(ds_net, cpts, vm_limits=vm_limits, local=local, box=box, starts=starts, n_workers=n_workers,
                       address=address, progress=progress)
    cok = cres["success"] & (cres["mismatch"] < tol)
    cperm = rng.permutation(np.flatnonzero(cok))
    n_ct = max(1, len(cperm) // 5)
    c_test, c_train = cperm[:n_ct], cperm[n_ct:]
    cost = fit_cost(cpts[c_train], cres["cost"][c_train], gradients=cres["gradient"][c_train],
                    gradient_weight=cost_gradient_weight, gradient_huber=cost_gradient_huber)
    t_cost = time.perf_counter() - t_cost
    y, yhat = cres["cost"][c_test], cost(cpts[c_test])
    # relative to the mean absolute cost of the DS's cost points: FPU costs can be zero (units idle), where a
    # pointwise relative error is meaningless
    denom = max(float(np.mean(np.abs(cres["cost"][cok]))), 1e-9)
    rel = np.abs(yhat - y) / denom
    r2 = 1 - np.sum((yhat - y) ** 2) / max(np.sum((y - y.mean()) ** 2), 1e-12)
    # slopes on the test points: error norm relative to the mean norm of the DS's slopes at its cost points
    G, Ghat = cres["gradient"][c_test], cost.gradient(cpts[c_test])
    has = np.all(np.isfinite(G), axis=1)
    allg = cres["gradient"][cok]
    allg = allg[np.all(np.isfinite(allg), axis=1)]
    g_norm = max(float(np.mean(np.linalg.norm(allg, axis=1))), 1e-9) if len(allg) else 1e-9
    g_rel = np.linalg.norm(Ghat[has] - G[has], axis=1) / g_norm

    info = {
        "degree": int(chosen.degree), "convex": bool(chosen.convex), "margin": float(margin),
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
        "cost_r2": float(r2), "cost_rel_error_mean": float(rel.mean()), "cost_rel_error_max": float(rel.max()),
        "cost_abs_error_max": float(np.abs(yhat - y).max()), "cost_mean": denom, "n_cost_test": len(c_test),
        "cost_gradient_rel_error_mean": float(g_rel.mean()) if len(g_rel) else None,
        "cost_gradient_rel_error_max": float(g_rel.max()) if len(g_rel) else None,
        "cost_gradient_weight": float(cost_gradient_weight),
        "cost_gradient_huber": None if cost_gradient_huber is None else float(cost_gradient_huber),
        "n_boundary": len(bpts), "n_boundary_fit": len(data.boundary), "n_labelled": int(good.sum()),
        "n_labelled_failed": int((~good).sum()), "n_cost_points": int(cok.sum()),
        "tol": tol, "offset": offset, "reg": float(best_reg), "confidence": float(confidence),
        "target_false_feasible": float(target_false_feasible), "n_margin_points": len(ext_cal),
    }
    offer = Offer(box, chosen, cost, pcc=dict(pcc or {}), base={"sn_mva": float(ds_net.sn_mva)}, info=info)

    cand_rows = [{k: v for k, v in r.items() if k != "poly"} for r in rows]
    keys = sorted({k for r in cand_rows for k in r if k not in ("degree", "convex", "reg")})

    def column(k):
        if k == "status":
            return np.array([r.get(k, "") for r in cand_rows], dtype=str)
        return np.array([np.nan if r.get(k) is None else r[k] for r in cand_rows], dtype=float)

    rep = xr.Dataset(
        {k: ("candidate", column(k)) for k in keys},
        coords={"candidate": np.arange(len(cand_rows)),
                "degree": ("candidate", [r["degree"] for r in cand_rows]),
                "convex": ("candidate", [bool(r["convex"]) for r in cand_rows]),
                "reg": ("candidate", [float(r["reg"]) for r in cand_rows])},
    )
    rep["labelled_point"] = (("point", "axis"), pts)
    rep["labelled_distance"] = ("point", dist)
    rep["labelled_success"] = ("point", good)
    rep["labelled_kind"] = ("point", kind)
    rep["labelled_projection"] = (("point", "axis"), lab["projection"])
    rep["labelled_f"] = ("point", chosen(pts))
    split_name = np.full(n_labelled, "train", dtype=object)
    split_name[va], split_name[te] = "validation", "test"
    split_name[~good] = "failed"
    rep["labelled_split"] = ("point", split_name.astype(str))
    rep["cost_point"] = (("cpoint", "axis"), cpts)
    rep["cost_kind"] = ("cpoint", ckind)
    rep["cost_value"] = ("cpoint", cres["cost"])
    rep["cost_success"] = ("cpoint", cok)
    rep["cost_predicted"] = ("cpoint", cost(cpts))
    rep["cost_gradient"] = (("cpoint", "axis"), cres["gradient"])
    csplit = np.full(len(cpts), "failed", dtype=object)
    csplit[c_train], csplit[c_test] = "train", "test"
    rep["cost_split"] = ("cpoint", csplit.astype(str))
    rep = rep.assign_coords(axis=["p_mw", "q_mvar", "vm_pu"])
    rep.attrs.update({k: (np.nan if v is None else v) for k, v in info.items()})
    rep.attrs.update({"time_label_s": t_lab, "time_fit_s": t_fit, "time_cost_s": t_cost,
                      "time_total_s": time.perf_counter() - t0})
    return offer, rep


def make_offer(ds_net, *, n_directions: int = 40, face_grid: int = 3, n_workers: int | None = 0, address=None,
               progress: bool = False, pcc: dict | None = None, **fit_options):
    """Offline work of one DSO: sample the FOR and fit its offer. Returns (offer, samples, report, seconds)."""
    t0 = time.perf_counter()
    samples = sample_for(ds_net, n_directions, face_grid, n_workers=n_workers, address=address, progress=progress)
    offer, report = build_offer(ds_net, samples, n_workers=n_workers, address=address, progress=progress, pcc=pcc,
                                **fit_options)
    return offer, samples, report, time.perf_counter() - t0
