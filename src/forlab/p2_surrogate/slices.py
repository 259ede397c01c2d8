"""A DS surrogate's feasible polytope cut by the plane of two of its inputs, the others held: the exact polygon
that a figure of the TSO's view of one DS draws (chapter 06, Fig. 22), however thin it is.

`clip_polygon` is the cut itself (Sutherland-Hodgman on a convex polygon); `slice_polygon` cuts a box by the
polytope's facets (`forlab.p2_surrogate.polytope.Polytope.linear_constraints`), the sampled domain's PCC rows and
the PQ charts of the FPUs drawn (`forlab.grid.capability.PQChart.half_planes`).
"""

from __future__ import annotations

import numpy as np

from forlab.p2_surrogate.model import DSSurrogate

__all__ = ["SLICE_TOL", "clip_polygon", "slice_polygon"]


def clip_polygon(vertices, a, b, tol: float = 0.0) -> np.ndarray:
    """The convex polygon ``vertices`` (m, 2, in order around it) cut to the half-planes ``a @ (x, y) <= b + tol``
    (rows of a (r, 2), b (r,)) one after the other (Sutherland-Hodgman): exact however thin the result, (0, 2) when
    nothing is left. A row of a that is zero keeps everything (b + tol >= 0) or nothing."""
    v = np.asarray(vertices, float).reshape(-1, 2)
    for row, rhs in zip(np.atleast_2d(np.asarray(a, float)), np.ravel(b)):
        if not len(v):
            break
        out = v @ row - rhs - tol  # > 0: outside the half-plane
        kept = []
        for k in range(len(v)):
            nxt = (k + 1) % len(v)
            if out[k] <= 0:
                kept.append(v[k])
            if out[k] * out[nxt] < 0:  # the edge crosses the line: keep the crossing
                kept.append(v[k] + out[k] / (out[k] - out[nxt]) * (v[nxt] - v[k]))
        v = np.array(kept, float).reshape(-1, 2)
    return v


SLICE_TOL = 1e-7
"""Tolerance of `slice_polygon`'s half-planes (MW, Mvar, p.u. or degrees for the domain's, g for the polytope's), and
of a point's being inside the sampled domain wherever a slice is set beside the true region (chapter 06's
``point_truth``): an FPU held at its chart's edge (P = 0, or -5e-9 MW after `InputSpace.project`) leaves a row with
no x or y and a right-hand side just below zero, which without it would empty the slice."""


def slice_polygon(sur: DSSurrogate, u_ref: np.ndarray, x: str, y: str, box) -> np.ndarray:
    """The polytope's slice {A u + c <= 0} (`Polytope.linear_constraints`) in inputs x and y, the others held at
    ``u_ref``, within ``box`` ((x0, x1), (y0, y1)) and the sampled domain (the PCC rows of
    `InputSpace.domain_rows`, the charts of the FPUs in x or y, `forlab.grid.capability.PQChart.half_planes`): the
    box cut by every facet in turn (`clip_polygon`, each half-plane widened by `SLICE_TOL`), an exact convex polygon,
    vertices (m, 2) in order, (0, 2) when the slice is empty in the box.
    Why not contour the polytope's score on a grid, as chapter 06 draws the true region: a grid shows a slice only
    where it is wider than a grid step, so a slice that pins PCC 1's voltage to a narrower band was not drawn, and
    the TSO's choice on it looked outside its polytope (review R3)."""
    space = sur.space
    a, c = sur.polytope.linear_constraints()
    dom_a, dom_b = space.domain_rows()
    rows, rhs = [a, dom_a], [-c, dom_b]
    for k in sorted({int(n[3:].split("_")[0]) for n in (x, y) if n.startswith("fpu")}):
        pq, b = space.charts[k].half_planes()
        r = np.zeros((len(b), space.dim))
        r[:, [space.index(f"fpu{k}_p_mw"), space.index(f"fpu{k}_q_mvar")]] = pq
        rows.append(r)
        rhs.append(b)
    a, b = np.vstack(rows), np.concatenate(rhs)
    ix, iy = space.index(x), space.index(y)
    held = np.array(u_ref, float)
    held[[ix, iy]] = 0.0  # the other inputs move to the right-hand side
    (x0, x1), (y0, y1) = box
    return clip_polygon([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], a[:, [ix, iy]], b - a @ held, SLICE_TOL)
