"""Numpy evaluation of an offer in chapter 10: the polynomial and the price at four PCC points
(`probe_points`, `POINT_LABELS`; the edge along +P by `edge_point`) and P-Q slices of the offered region at a few
voltages (`slices`), with the offer's own numpy functions and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import edge_on_segment
from forlab.studies.ch10_consuming_an_offer.offer_file import box_grid

__all__ = [
    "OUTSIDE_SHARE",
    "POINT_LABELS",
    "SLICE_POINTS",
    "edge_point",
    "probe_points",
    "slices",
]


SLICE_POINTS = 121
OUTSIDE_SHARE = 0.1
"""How far beyond the box's upper P bound (share of the P range) the probe point outside the box lies."""
POINT_LABELS = {"deepest": "deepest offered point", "edge": "edge (+P from the deepest)",
                "box_only": "in the box, not offered", "outside": "outside the box"}


def edge_point(offer: Offer, start: np.ndarray, direction=(1.0, 0.0, 0.0), steps: int = 200) -> np.ndarray:
    """The last offered point on the ray from ``start`` (offered) along ``direction``: where f + m reaches 0
    (`forlab.p1_for.polynomial.edge_on_segment`), or the box face when the region reaches it."""
    d = np.asarray(direction, float)
    with np.errstate(divide="ignore"):
        room = np.where(d > 0, (offer.box.hi - start) / d, np.where(d < 0, (offer.box.lo - start) / d, np.inf))
    ts = np.linspace(0.0, float(room.min()), steps + 1)
    ok = offer.feasible(*(start + ts[:, None] * d).T)
    if ok.all():
        return start + ts[-1] * d
    a, b = start + ts[np.argmin(ok) - 1] * d, start + ts[np.argmin(ok)] * d  # the first step that leaves
    lo, _ = edge_on_segment(lambda x: bool(offer.feasible(*x)[0]), a, b)
    return a + lo * (b - a)


def probe_points(offer: Offer) -> pd.DataFrame:
    """Four PCC points (`POINT_LABELS`) with f + m, box membership, the offered verdict, the price and its slopes."""
    grid = box_grid(offer)
    f = offer.f(*grid.T)
    deepest = grid[np.argmin(f)]
    outside = deepest.copy()
    outside[0] = offer.box.hi[0] + OUTSIDE_SHARE * (offer.box.hi[0] - offer.box.lo[0])
    pts = np.array([deepest, edge_point(offer, deepest), grid[np.argmax(f)], outside])
    xt = offer.box.normalise(pts)
    _, dc = offer.gradients(*pts.T)
    return pd.DataFrame({
        "label": list(POINT_LABELS.values()), "p_mw": pts[:, 0], "q_mvar": pts[:, 1], "vm_pu": pts[:, 2],
        "f": offer.f(*pts.T), "in_box": np.all(np.abs(xt) <= 1 + 1e-9, axis=1).astype(int),
        "feasible": offer.feasible(*pts.T).astype(int), "price": offer.cost_of(*pts.T),
        "dc_dp": dc[:, 0], "dc_dq": dc[:, 1],
    }, index=pd.Index(list(POINT_LABELS), name="point"))


def slices(offer: Offer, positions, n: int = SLICE_POINTS) -> xr.Dataset:
    """f + m over P-Q grids (5 % beyond the box) at the voltages ``positions`` (shares of the box's V range)."""
    lo, hi = np.asarray(offer.box.lo, float), np.asarray(offer.box.hi, float)
    pad = 0.05 * (hi - lo)
    p = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    q = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    vms = lo[2] + np.asarray(positions, float) * (hi[2] - lo[2])
    P, Q = np.meshgrid(p, q)
    f = np.stack([offer.f(P.ravel(), Q.ravel(), np.full(P.size, v)).reshape(P.shape) for v in vms])
    return xr.Dataset(
        {"slice_f": (("vslice", "q_mvar", "p_mw"), f, {"units": "1", "long_name": "f + m (offered where <= 0)"})},
        coords={"vslice": ("vslice", vms, {"units": "p.u.", "long_name": "PCC voltage of the slice"}),
                "q_mvar": ("q_mvar", q, {"units": "Mvar"}), "p_mw": ("p_mw", p, {"units": "MW"})})
