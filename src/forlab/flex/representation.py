"""P1, from samples to an offer: ground-truth labels, polynomial selection, the price, and held-out error measures.

Ground truth comes from the DS itself: a point x~ of the box is feasible when its projection onto the FOR (a DS OPF)
is closer than ``tol`` (normalised units). Labelled random points of the box are split into training, validation
and test sets; the boundary samples into training and held-out boundary points. The degree and the convexity option
are chosen on the validation set; a conservative margin is calibrated on the validation set's exterior points; the
reported errors are measured on the test set only.

False-feasible rate = (points the offer declares feasible but the grid cannot reach) / (infeasible test points):
the dangerous error, reported against the infeasible points so that it is not diluted by easy interior points.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import xarray as xr

from forlab.flex.offer import Offer, QuadraticCost
from forlab.flex.polynomial import FitData, ImplicitPolynomial, calibrate_margin, fit
from forlab.flex.sampling import box_of, nearest_start, run_tasks
from forlab.opf.dso import DSOModel


def _prepare(ds_net, vm_limits):
    local = DSOModel(ds_net, vm_limits=vm_limits)
    box, box_samples = local.bounding_box()
    return local, box, np.array([s.x for s in box_samples])


def label_points(ds_net, points_t: np.ndarray, *, vm_limits=None, local=None, box=None, starts=None,
                 n_workers: int | None = 0, address=None, progress: bool = True) -> dict:
    """Project normalised points onto the FOR. Returns distance (normalised units), success flags and statuses."""
    if local is None:
        local, box, starts = _prepare(ds_net, vm_limits)
    tasks = [(i, "projection", t, nearest_start(t)) for i, t in enumerate(np.asarray(points_t, float))]
    res, _ = run_tasks(ds_net, box, starts, tasks, vm_limits=vm_limits, n_workers=n_workers, address=address,
                       progress=progress, desc="labelling points", local=local)
    proj = np.array([[r[1]["p_mw"], r[1]["q_mvar"], r[1]["vm_pu"]] for r in res])
    dist = np.linalg.norm(box.normalise(proj) - np.asarray(points_t, float), axis=1)
    return {"distance": dist, "success": np.array([r[1]["success"] for r in res]),
            "status": np.array([r[1]["status"] for r in res])}


def cost_points(ds_net, points_t: np.ndarray, *, vm_limits=None, local=None, box=None, starts=None,
                n_workers: int | None = 0, address=None, progress: bool = True) -> dict:
    """DS cost OPF (cheapest FPU dispatch) with the PCC fixed at each normalised point."""
    if local is None:
        local, box, starts = _prepare(ds_net, vm_limits)
    tasks = [(i, "cost", t, nearest_start(t)) for i, t in enumerate(np.asarray(points_t, float))]
    res, _ = run_tasks(ds_net, box, starts, tasks, vm_limits=vm_limits, n_workers=n_workers, address=address,
                       progress=progress, desc="cost OPFs", local=local)
    return {"cost": np.array([r[1]["fpu_cost"] for r in res]), "success": np.array([r[1]["success"] for r in res]),
            "mismatch": np.array([r[1]["mismatch"] for r in res]), "status": np.array([r[1]["status"] for r in res])}


def fit_cost(points_t: np.ndarray, values: np.ndarray, reg: float = 1e-6) -> QuadraticCost:
    """Least-squares quadratic C(x~) = 1/2 x~'H x~ + g'x~ + c0 with H PSD (cvxpy, Clarabel)."""
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
    prob = cp.Problem(cp.Minimize(cp.sum_squares((pred - y) / scale) / len(x) + reg * cp.sum_squares(H)))
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


def classification_errors(poly: ImplicitPolynomial, pts_t: np.ndarray, feasible: np.ndarray) -> dict:
    """Accuracy, false-feasible rate (among infeasible points) and false-infeasible rate (among feasible points)."""
    pred = poly(pts_t) <= 0
    feas = np.asarray(feasible, bool)
    n_inf, n_feas = max(1, int((~feas).sum())), max(1, int(feas.sum()))
    return {"accuracy": float((pred == feas).mean()), "false_feasible_rate": float((pred & ~feas).sum() / n_inf),
            "false_infeasible_rate": float((~pred & feas).sum() / n_feas)}


def boundary_distance(poly: ImplicitPolynomial, pts_t: np.ndarray) -> np.ndarray:
    """First-order distance |f| / ||grad f|| of points to the surface {f + margin = 0} (normalised units)."""
    val = poly(pts_t)
    grad = np.linalg.norm(poly.gradient(pts_t), axis=1)
    return np.abs(val) / np.maximum(grad, 1e-9)


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
    margin_offsets=(0.05,),
    seed: int = 0,
    vm_limits=None,
    n_workers: int | None = 0,
    address=None,
    progress: bool = True,
    pcc: dict | None = None,
) -> tuple[Offer, xr.Dataset]:
    """Fit the offer of one DS from its FOR samples and measure its errors on held-out points.

    Returns the offer and a report Dataset: per (degree, convex) candidate the validation and test errors, the
    selected candidate, the cost model's R^2 and relative errors, the labelled points with their ground truth, and
    the offline times (labelling, fitting, cost OPFs).
    """
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    box = box_of(samples)
    local, box2, starts = _prepare(ds_net, vm_limits)
    if not (np.allclose(box.lo, box2.lo, rtol=1e-5, atol=1e-6) and np.allclose(box.hi, box2.hi, rtol=1e-5, atol=1e-6)):
        raise ValueError("the samples were taken with another DS net or other voltage limits: their box differs")
    ok = samples.success.values & (np.linalg.norm(samples.normal.values, axis=1) > 0.5)
    bpts = box.normalise(np.column_stack([samples.p_mw.values, samples.q_mvar.values, samples.vm_pu.values]))[ok]
    bnorm = samples.normal.values[ok]
    perm = rng.permutation(len(bpts))
    n_hold = max(3, len(bpts) // 5)
    b_test, b_train = perm[:n_hold], perm[n_hold:]

    # labelled random points of the box: 50 % train, 25 % validation, 25 % test
    pts = rng.uniform(-1, 1, size=(n_labelled, 3))
    t_lab = time.perf_counter()
    lab = label_points(ds_net, pts, vm_limits=vm_limits, local=local, box=box, starts=starts, n_workers=n_workers,
                       address=address, progress=progress)
    t_lab = time.perf_counter() - t_lab
    good = lab["success"]
    feas = lab["distance"] < tol
    idx = rng.permutation(n_labelled)
    tr, va, te = np.split(idx, [n_labelled // 2, (3 * n_labelled) // 4])
    tr, va, te = tr[good[tr]], va[good[va]], te[good[te]]

    data = FitData(bpts[b_train], bnorm[b_train], interior=pts[tr][feas[tr]], exterior=pts[tr][~feas[tr]])
    # exterior points for the margin: labelled ones outside the test set, and points beyond the boundary samples
    # along their normals, infeasible by construction (support point: d . x exceeds the support value; projection:
    # the point lies between the target and its nearest feasible point)
    beyond = [bpts[b_train] + eps * bnorm[b_train] for eps in margin_offsets]
    ext_train = np.vstack([pts[tr][~feas[tr]], *beyond]) if use_margin else np.zeros((0, 3))
    rows = []
    best, best_score, best_reg = None, np.inf, None
    t_fit = time.perf_counter()
    for deg, cvx, reg in itertools.product(degrees, convex_options, regs):
        try:
            poly = fit(data, deg, offset=offset, reg=reg, convex=cvx)
        except RuntimeError as err:
            rows.append({"degree": deg, "convex": cvx, "reg": reg, "status": str(err)})
            continue
        # each candidate is judged with the margin it would need (calibrated on training data only)
        m = calibrate_margin(poly, ext_train, target_false_feasible) if use_margin else 0.0
        with_m = ImplicitPolynomial(poly.degree, poly.coef, m, poly.convex)
        ev = classification_errors(with_m, pts[va], feas[va])
        bd = float(np.mean(boundary_distance(poly, bpts[b_test])))
        score = (1 - ev["accuracy"]) + 10 * ev["false_feasible_rate"] + bd
        rows.append({"degree": deg, "convex": cvx, "reg": reg, "status": "optimal", "val_accuracy": ev["accuracy"],
                     "val_false_feasible": ev["false_feasible_rate"], "val_boundary_distance": bd,
                     "val_margin": m, "score": score, "poly": poly})
        if score < best_score:
            best, best_score, best_reg = poly, score, reg
    if best is None:
        raise RuntimeError(f"no polynomial candidate could be fitted: {[r['status'] for r in rows]}")
    margin = 0.0
    if use_margin:
        ext = np.vstack([pts[tr][~feas[tr]], pts[va][~feas[va]], *[bpts + eps * bnorm for eps in margin_offsets]])
        margin = calibrate_margin(best, ext, target_false_feasible)
    chosen = ImplicitPolynomial(best.degree, best.coef, margin, best.convex)
    t_fit = time.perf_counter() - t_fit

    # test errors of every candidate (without margin) and of the chosen offer
    for r in rows:
        if "poly" in r:
            ev = classification_errors(r["poly"], pts[te], feas[te])
            r.update({f"test_{k}": v for k, v in ev.items()})
    test = classification_errors(chosen, pts[te], feas[te])
    test_bd = boundary_distance(chosen, bpts[b_test])

    # cost: DS cost OPFs at feasible points (labelled feasible points and boundary samples), 80/20 split
    t_cost = time.perf_counter()
    inner = pts[good & feas]
    cand = np.vstack([inner, bpts[b_train]])
    take = rng.permutation(len(cand))[: min(n_cost, len(cand))]
    cpts = cand[take]
    cres = cost_points(ds_net, cpts, vm_limits=vm_limits, local=local, box=box, starts=starts, n_workers=n_workers,
                       address=address, progress=progress)
    cok = cres["success"] & (cres["mismatch"] < tol)
    cperm = rng.permutation(np.flatnonzero(cok))
    n_ct = max(1, len(cperm) // 5)
    c_test, c_train = cperm[:n_ct], cperm[n_ct:]
    cost = fit_cost(cpts[c_train], cres["cost"][c_train])
    t_cost = time.perf_counter() - t_cost
    y, yhat = cres["cost"][c_test], cost(cpts[c_test])
    # relative to the mean absolute cost of the DS's cost points: FPU costs can be zero (units idle), where a
    # pointwise relative error is meaningless
    denom = max(float(np.mean(np.abs(cres["cost"][cok]))), 1e-9)
    rel = np.abs(yhat - y) / denom
    r2 = 1 - np.sum((yhat - y) ** 2) / max(np.sum((y - y.mean()) ** 2), 1e-12)

    info = {
        "degree": int(chosen.degree), "convex": bool(chosen.convex), "margin": float(margin),
        "test_accuracy": test["accuracy"], "test_false_feasible_rate": test["false_feasible_rate"],
        "test_false_infeasible_rate": test["false_infeasible_rate"],
        "test_boundary_distance_mean": float(test_bd.mean()), "test_boundary_distance_max": float(test_bd.max()),
        "cost_r2": float(r2), "cost_rel_error_mean": float(rel.mean()), "cost_rel_error_max": float(rel.max()),
        "n_boundary": int(len(bpts)), "n_labelled": int(good.sum()), "n_cost_points": int(cok.sum()),
        "tol": tol, "offset": offset, "reg": best_reg,
    }
    offer = Offer(box, chosen, cost, pcc=dict(pcc or {}), base={"sn_mva": float(ds_net.sn_mva)}, info=info)

    cand_rows = [{k: v for k, v in r.items() if k != "poly"} for r in rows]
    keys = sorted({k for r in cand_rows for k in r if k not in ("degree", "convex", "reg")})
    rep = xr.Dataset(
        {k: ("candidate", np.array([r.get(k, np.nan if k != "status" else "") for r in cand_rows],
                                   dtype=str if k == "status" else float)) for k in keys},
        coords={"candidate": np.arange(len(cand_rows)),
                "degree": ("candidate", [r["degree"] for r in cand_rows]),
                "convex": ("candidate", [bool(r["convex"]) for r in cand_rows]),
                "reg": ("candidate", [float(r["reg"]) for r in cand_rows])},
    )
    rep["labelled_point"] = (("point", "axis"), pts)
    rep["labelled_distance"] = ("point", lab["distance"])
    rep["labelled_success"] = ("point", lab["success"])
    split = np.full(n_labelled, "train", dtype=object)
    split[va], split[te] = "validation", "test"
    rep["labelled_split"] = ("point", split.astype(str))
    rep["cost_point"] = (("cpoint", "axis"), cpts)
    rep["cost_value"] = ("cpoint", cres["cost"])
    rep["cost_success"] = ("cpoint", cok)
    rep["cost_predicted"] = ("cpoint", cost(cpts))
    rep = rep.assign_coords(axis=["p_mw", "q_mvar", "vm_pu"])
    rep.attrs.update({**info, "time_label_s": t_lab, "time_fit_s": t_fit, "time_cost_s": t_cost,
                      "time_total_s": time.perf_counter() - t0})
    return offer, rep
