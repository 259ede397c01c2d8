"""Markdown sentences on what chapter 04's figures show, measured on the cuts they draw: the level sets
(`level_set_text`: where the TSO's OPF starts, how close to it the excluded set comes, `_excluded_near`), the offered
price (`price_surface_text`) and where it misses (`cost_miss_text`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import ndimage

from forlab.book.tables import grouped
from forlab.p1_for.polynomial import edge_on_segment, on_grid
from forlab.studies.ch04_for_representation.readers import _cost_residual, _cut_of, _price_cut

__all__ = [
    "P_THIRDS",
    "START_GRID",
    "cost_miss_text",
    "level_set_text",
    "price_surface_text",
]


def _plain(x: float) -> str:
    """A normalised coordinate with two decimals, without the sign of a value that rounds to zero ("-0.00")."""
    return f"{round(float(x), 2) + 0.0:.2f}"


START_GRID = 101
"""Points per axis of the grid of the box [-1, 1]^3 on which `_excluded_near` looks for the excluded point nearest
the TSO's start (a step of 0.02 in normalised units)."""


def _excluded_near(poly, start: np.ndarray) -> float:
    """How close to ``start`` (normalised, inside the region) the excluded set {f + m > 0} of the box comes: the
    nearest excluded point of the `START_GRID`^3 grid of the box (`forlab.p1_for.polynomial.on_grid`), moved
    along the segment from the start to the region's edge (`forlab.p1_for.polynomial.edge_on_segment`), and its
    distance from the start; zero when the start itself is excluded, NaN when no grid point is. The excluded set
    comes at least this close (between grid points it may come closer)."""
    if float(np.ravel(poly(start[None]))[0]) > 0:
        return 0.0
    g, values = on_grid(poly, START_GRID)
    idx = np.argwhere(values > 0)
    if not len(idx):
        return np.nan
    points = g[idx]
    far = points[np.argmin(np.linalg.norm(points - start, axis=1))]
    _, hi = edge_on_segment(lambda x: float(np.ravel(poly(x[None]))[0]) <= 0, start, far)
    return float(hi * np.linalg.norm(far - start))


def _cut_features(st: xr.Dataset, ds: str, tol: float) -> dict:
    """What the level-set figure shows for DS ``ds``: the TSO's start (`forlab.p1_for.tso.pcc_start`, ``start``) and
    f + m there, how close to it the excluded set comes (`_excluded_near`) and how far from it the nearest boundary
    sample is (distances in the normalised box, in three dimensions); and, measured on the central cut, the share of
    the box the offer keeps, the closed loops of f = 0 inside the region (components of f > 0 that do not reach the
    edge of the box) and the feasible test points near the cut that the offer excludes."""
    c = _cut_of(st, ds)
    g, m, s, poly = c["g"], c["m"], c["start"], c["offer"].polynomial
    lab, n = ndimage.label(g - m > 0)
    edge = set(np.unique(np.r_[lab[0], lab[-1], lab[:, 0], lab[:, -1]])) - {0}
    excluded = g > 0
    feas = c["test_distance"] < tol
    test_g = poly(np.column_stack([c["test"][:, :2], np.zeros(len(c["test"]))])) if len(c["test"]) else np.zeros(0)
    samples = c["samples"]
    return {
        "start": s, "at_start": float(np.ravel(poly(s[None]))[0]), "clearance": _excluded_near(poly, s),
        "sample_reach": float(np.linalg.norm(samples - s, axis=1).min()) if len(samples) else np.nan,
        "kept": float((~excluded).mean()), "loops": n - len(edge),
        "n_feasible": int(feas.sum()), "n_feasible_excluded": int((feas & (test_g > 0)).sum()),
    }


def _cut_line(ds: str, x: dict) -> str:
    loops = {0: "no closed loop", 1: "one closed loop"}.get(x["loops"], f"{x['loops']} closed loops")
    start = ", ".join(_plain(v) for v in x["start"])
    return (
        f"- **{ds}**: the TSO's OPF starts at normalised (P, Q, V) = ({start}), where $f + m$ = "
        f"{x['at_start']:.3f} ({'inside' if x['at_start'] <= 0 else 'outside'} the offer); the excluded set comes "
        f"within {x['clearance']:.2f} of the start, while the nearest boundary sample is {x['sample_reach']:.2f} "
        f"away; on the cut the offer keeps {100 * x['kept']:.0f} % of the box, $f = 0$ has {loops} inside the "
        f"region, and the offer excludes {grouped(x['n_feasible_excluded'])} of the {grouped(x['n_feasible'])} "
        "feasible test points near the cut.")


def level_set_text(st: xr.Dataset, tol: float) -> str:
    """Markdown: per DS, what `level_sets` shows (`_cut_features`): where the TSO's OPF starts and f + m there, how
    close to the start the excluded set comes (against the nearest boundary sample), and on the cut the share of
    the box kept, closed loops of f = 0 inside the region and the feasible test points near the cut the offer
    excludes."""
    return "\n".join(_cut_line(str(r), _cut_features(st, str(r), tol)) for r in st.ds.values)


def _price_line(st: xr.Dataset, ds: str) -> str:
    """One bullet of `price_surface_text` (Markdown: the currency's ``$`` escaped, or two of them would pair up as
    math)."""
    c = _price_cut(st, ds)
    C, offered = c["C"], c["g"] <= 0
    rs = st.sel(ds=ds)
    true = rs.cost_value.values[rs.cost_success.values.astype(bool)]
    inside = np.where(offered, C, np.inf)
    k = np.unravel_index(np.argmin(inside), C.shape)
    if C[k] < 0:
        low = (f"inside the offered region it goes below zero, lowest {grouped(C[k], 2)} \\$/h at normalised (P, Q) = "
               f"({_plain(c['P'][k])}, {_plain(c['Q'][k])})"
               + (", although no DS cost OPF value is negative: the one quadratic that follows the steep rise at low "
                  "import undershoots where the true cost flattens out towards zero"
                  if true.min() >= -1e-6 * np.abs(true).max() else ""))  # a solver's -0.00 is not a negative cost
    elif C.min() < 0:
        low = "it goes below zero only outside the offered region, where the TSO cannot operate"
    else:
        low = "it stays above zero"
    return (f"- **{ds}**: the offered cost on the cut runs from {grouped(C.min(), 2)} to {grouped(C.max(), 2)} \\$/h "
            f"({grouped(C[k], 2)} to {grouped(C[offered].max(), 2)} \\$/h inside the offered region), the DS cost OPF "
            f"values from {grouped(true.min(), 2)} to {grouped(true.max(), 2)} \\$/h; {low}.")


def price_surface_text(st: xr.Dataset) -> str:
    """Markdown: per DS, the range of the offered cost on the cut of `price_surface` (all of it and inside the
    offered region) against the range of the DS cost OPF values, and where the price goes below zero when it
    does."""
    return "\n".join(_price_line(st, str(r)) for r in st.ds.values)


P_THIRDS = (-1.0, -1 / 3, 1 / 3, 1.0)
"""Edges of the thirds of the normalised P range over which `cost_miss_text` averages the signed misses."""


def _cost_miss_line(st: xr.Dataset, ds: str) -> str:
    """One bullet of `cost_miss_text`."""
    p, miss, split_, kind = _cost_residual(st.sel(ds=ds))
    third = np.digitize(p, P_THIRDS[1:-1])
    means = [miss[third == t].mean() if (third == t).any() else np.nan for t in range(3)]
    largest = np.argsort(-np.abs(miss))[:3]
    test = np.flatnonzero(split_ == "test")
    held = (f"; the largest held-out miss is {miss[test].flat[np.argmax(np.abs(miss[test]))]:+.1f} %" if len(test)
            else "")
    return (f"- **{ds}**: mean signed miss {means[0]:+.1f} %, {means[1]:+.1f} % and {means[2]:+.1f} % of the mean DS "
            f"cost over the low, middle and high third of normalised P; the three largest misses, "
            + ", ".join(f"{miss[k]:+.1f} % at P = {_plain(p[k])} ({split_[k]}, {kind[k]})" for k in largest)
            + f"{held}.")


def cost_miss_text(st: xr.Dataset, dss=None) -> str:
    """Markdown: per DS (all by default), what `cost_check` shows: the mean signed miss (offered minus true, % of
    the mean DS cost) over each third of the normalised P range, the three largest misses with where they lie
    (normalised P, split, on the surface of the offered region or inside it) and the largest held-out miss."""
    dss = list(st.ds.values) if dss is None else list(dss)
    return "\n".join(_cost_miss_line(st, str(r)) for r in dss)
