"""Adversarial refinement: label the points an optimiser would pick, before the TSO does.

A TSO that optimises over the polytope goes to its boundary, and usually to a vertex: exactly where a classifier
trained on uniform (Latin Hypercube) samples has seen the fewest samples in a high-dimensional input space. The DSO
can look there itself, offline: `vertex_inputs` solves linear programs max w . z over the polytope, the linearised PQ
charts and the PCC/load domain for random directions w (whitened inputs), and pulls each vertex slightly towards
the polytope's Chebyshev centre. `refine` alternates fitting, vertex sampling and power flows for a few rounds; the
share of infeasible vertices per round measures how often an optimiser would have been misled. `certify` then fixes
the final polytope without retraining: for every sampled vertex that fails the (margin) labels it finds, along the
ray to the centre, the outermost point that passes, and shifts the facets active at the vertex inwards until that
point is on them (all facets, if none is active); it repeats until no sampled vertex fails. Nothing here leaves the DSO, so P2 stays a one-round method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import linprog

from forlab.grid.capability import Circle
from forlab.p2_surrogate.dataset import DSFlow, InputSpace, concat, evaluate
from forlab.p2_surrogate.model import SurrogateOptions, fit_surrogate
from forlab.p2_surrogate.polytope import Polytope

__all__ = ["CIRCLE_FACETS", "centre", "certify", "feasible_set_rows", "refine", "vertex_check", "vertex_inputs"]

CIRCLE_FACETS = 24
"""Tangents of a circular chart in the linear programs (outer polygon; vertices outside are pulled back in)."""


def feasible_set_rows(poly: Polytope, space: InputSpace) -> tuple[np.ndarray, np.ndarray, list]:
    """(A, b, bounds) with ``A u <= b`` the polytope, the linearised charts and the PCC/load domain; bounds per
    input for `scipy.optimize.linprog` (chart bounding boxes for the FPUs)."""
    a_p, c_p = poly.linear_constraints()
    rows, rhs = [a_p], [-c_p]
    a_d, b_d = space.domain_rows()
    rows.append(a_d)
    rhs.append(b_d)
    bounds: list = [(None, None)] * space.dim
    for k, chart in enumerate(space.charts):
        # a circle alone has no exact rows: its outer polygon; any other chart's error is a real one and propagates
        a_c, b_c = chart.linear_rows(n_facets=CIRCLE_FACETS) if isinstance(chart, Circle) else chart.linear_rows()
        full = np.zeros((len(a_c), space.dim))
        full[:, 2 * k : 2 * k + 2] = a_c
        rows.append(full)
        rhs.append(b_c)
        p0, p1, q0, q1 = chart.bounds()
        bounds[2 * k], bounds[2 * k + 1] = (p0, p1), (q0, q1)
    return np.vstack(rows), np.concatenate(rhs), bounds


def centre(poly: Polytope, space: InputSpace) -> np.ndarray | None:
    """The Chebyshev centre (in whitened units) of the polytope within the linearised charts and the PCC/load
    domain: a point deep inside the predicted feasible set; None when that set is empty."""
    a, b, bounds = feasible_set_rows(poly, space)
    return _chebyshev_centre(a, b, bounds, poly.transform)


def _chebyshev_centre(a: np.ndarray, b: np.ndarray, bounds: list, transform: np.ndarray) -> np.ndarray | None:
    """Centre of the largest ball (in whitened units z = T (u - mean)) inside ``A u <= b``; None when empty."""
    norms = np.linalg.norm(np.linalg.solve(transform.T, a.T).T, axis=1)
    a_ub = np.hstack([a, norms[:, None]])
    res = linprog(np.r_[np.zeros(a.shape[1]), -1.0], A_ub=a_ub, b_ub=b, bounds=[*bounds, (0, None)],
                  method="highs")
    return res.x[:-1] if res.status == 0 else None


def vertex_inputs(poly: Polytope, space: InputSpace, n: int, rng, shrink: tuple[float, float] = (0.97, 1.0)) -> \
        np.ndarray:
    """Up to n inputs near vertices of the predicted feasible set: for each random direction w (standard normal in
    whitened inputs) the maximiser of w . z over `feasible_set_rows`, moved towards the Chebyshev centre by a
    factor drawn from ``shrink`` (1 keeps the vertex) and projected into the true PQ charts. Empty (0, dim) when the
    predicted set is empty."""
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    a, b, bounds = feasible_set_rows(poly, space)
    centre = _chebyshev_centre(a, b, bounds, poly.transform)
    if centre is None:
        return np.zeros((0, space.dim))
    out = []
    for _ in range(int(n)):
        w = poly.transform.T @ gen.standard_normal(space.dim)
        res = linprog(-w, A_ub=a, b_ub=b, bounds=bounds, method="highs")
        if res.status != 0:
            continue
        t = gen.uniform(*shrink)
        u = centre + t * (res.x - centre)
        for k, chart in enumerate(space.charts):
            p, q = u[2 * k], u[2 * k + 1]
            if not bool(chart.contains(p, q)):
                u[2 * k], u[2 * k + 1] = chart.nearest(p, q)
        out.append(u)
    return np.array(out).reshape(-1, space.dim)


def refine(flow: DSFlow, space: InputSpace, data: xr.Dataset, train: np.ndarray, options: SurrogateOptions,
           rounds: int, per_round: int, seed: int = 0, client=None) -> tuple[xr.Dataset, np.ndarray, pd.DataFrame]:
    """``rounds`` of: fit on the training samples, draw ``per_round`` `vertex_inputs`, run their power flows, add
    them to the data (origin "refine<r>") and to the training samples.

    Returns the grown dataset, the grown training index and a log with one row per round: n_vertices, the share of
    them that is infeasible (no margins) and the share that violates the margin labels.
    """
    from forlab.p2_surrogate.dataset import label

    gen = np.random.default_rng(seed)
    train = np.asarray(train)
    log = []
    for r in range(1, int(rounds) + 1):
        sur, _ = fit_surrogate(data, space, options, train)
        u = vertex_inputs(sur.polytope, space, per_round, gen)
        if not len(u):
            log.append({"round": r, "n_vertices": 0, "infeasible_share": np.nan, "margin_infeasible_share": np.nan})
            break
        new = evaluate(flow, space, u, origin=f"refine{r}", client=client)
        lab = label(new, options.vm_margin_pu, options.loading_margin_percent)
        log.append({"round": r, "n_vertices": len(u), "infeasible_share": float(1 - new["feasible"].mean()),
                    "margin_infeasible_share": float(1 - lab.mean())})
        start = data.sizes["sample"]
        data = concat(data, new)
        train = np.r_[train, np.arange(start, data.sizes["sample"])]
    return data, train, pd.DataFrame(log)


def vertex_check(poly: Polytope, flow: DSFlow, space: InputSpace, n: int, seed: int) -> dict:
    """Held-out check of a final polytope at n fresh `vertex_inputs` (exact vertices, no shrink): the share that is
    infeasible by power flow (what an optimiser over the polytope could run into), and the worst voltage distance to
    the limits (p.u., < 0 violated) and loading (%) among them."""
    u = vertex_inputs(poly, space, n, np.random.default_rng(seed), shrink=(1.0, 1.0))
    if not len(u):
        return {"vertex_n": 0, "vertex_infeasible_share": np.nan, "vertex_min_vm_slack_pu": np.nan,
                "vertex_max_loading_percent": np.nan}
    chk = evaluate(flow, space, u, origin="vertex_check")
    return {"vertex_n": len(u), "vertex_infeasible_share": float(1 - chk["feasible"].mean()),
            "vertex_min_vm_slack_pu": float(chk["vm_slack_pu"].min()),
            "vertex_max_loading_percent": float(chk["max_loading_percent"].max())}


ACTIVE_TOL = 1e-6
"""A facet counts as active at a vertex within this distance of the largest facet value (whitened units)."""

RAY_STEPS = np.linspace(1.0, 0.0, 41)
"""Fractions of the way from the centre to a failing vertex tried by `certify` (outermost first)."""


def certify(poly: Polytope, flow: DSFlow, space: InputSpace, options: SurrogateOptions, rounds: int, n: int,
            seed: int = 0, client=None) -> tuple[Polytope, pd.DataFrame]:
    """Shift facets of ``poly`` inwards until none of ``n`` sampled exact vertices fails the margin labels of
    ``options``, for at most ``rounds`` rounds (see module docstring). Returns the shifted polytope (shifts in
    ``info``) and a log with one row per round: n_vertices, failing share, the largest facet shift added
    (whitened units)."""
    from forlab.p2_surrogate.dataset import label

    gen = np.random.default_rng(seed)
    log = []
    for r in range(1, int(rounds) + 1):
        u = vertex_inputs(poly, space, n, gen, shrink=(1.0, 1.0))
        mid = centre(poly, space)
        if not len(u) or mid is None:
            break
        chk = evaluate(flow, space, u, origin=f"certify{r}", client=client)
        bad = ~label(chk, options.vm_margin_pu, options.loading_margin_percent)
        row = {"round": r, "n_vertices": len(u), "failing_share": float(bad.mean()), "offset_added": 0.0}
        if not bad.any():
            log.append(row)
            break
        v = u[bad]
        pts = mid + RAY_STEPS[None, :, None] * (v - mid)[:, None, :]
        ray = evaluate(flow, space, pts.reshape(-1, space.dim), origin="ray", client=client)
        ok = label(ray, options.vm_margin_pu, options.loading_margin_percent).reshape(len(v), len(RAY_STEPS))
        first_ok = np.where(ok.any(axis=1), ok.argmax(axis=1), len(RAY_STEPS) - 1)
        inner = pts[np.arange(len(v)), first_ok]
        a_v, a_in = poly.facets(v), poly.facets(inner)
        active = a_v >= a_v.max(axis=1, keepdims=True) - ACTIVE_TOL
        shift = np.max(np.where(active, np.maximum(-a_in, 0.0), 0.0), axis=0)
        poly = poly.shifted(shift)
        row["offset_added"] = float(shift.max())
        log.append(row)
    return poly, pd.DataFrame(log, columns=["round", "n_vertices", "failing_share", "offset_added"])
