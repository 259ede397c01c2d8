"""Tables and arrays of chapter 04, read from a store: the fitted candidates (`candidates`, `candidate_table`),
the chosen offers' info (`offer_info`, `offer_table`) with the uniform test points behind their volume kept
(`shared_uniform_points`), the two estimates of the FOR volume kept set side by side (`volume_agreement`,
`chance_of_count`) at the chapter's confidence level (`CONFIDENCE`), and the cuts of an offer that the figures draw
and the sentences under them measure (`_cut_of`, `_price_cut`, `_cost_residual`). Rates are fractions; cost errors
are relative to the mean DS cost.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.p1_for.representation import clopper_pearson_interval
from forlab.p1_for.tso import pcc_start
from forlab.studies.ch04_for_representation.store import offer

__all__ = [
    "CANDIDATE_COLUMNS",
    "CONFIDENCE",
    "CONFIDENCE_TEXT",
    "CUT_BAND",
    "OFFER_COLUMNS",
    "candidate_table",
    "candidates",
    "chance_of_count",
    "offer_info",
    "offer_table",
    "shared_uniform_points",
    "volume_agreement",
]


CONFIDENCE = 0.95
"""Confidence level of the chapter's Clopper-Pearson bounds and intervals (the offers' ``info["confidence"]``)."""
CONFIDENCE_TEXT = f"{100 * CONFIDENCE:g} %"
"""`CONFIDENCE` as the chapter prints it ("95 %")."""

CANDIDATE_COLUMNS = ["val_margin", "val_false_feasible", "val_false_infeasible", "val_boundary_distance",
                     "test_false_feasible_rate", "test_n_false_feasible", "test_false_infeasible_rate"]

OFFER_COLUMNS = {
    "degree": "degree", "convex": "SOS-convex", "margin": "margin",
    "test_accuracy": "accuracy", "test_false_feasible_rate": "false-feasible",
    "test_n_infeasible": "infeasible test points", "test_false_feasible_upper": f"false-feasible, {CONFIDENCE_TEXT} upper bound",
    "test_false_infeasible_rate": "false-infeasible", "test_volume_kept": "FOR volume kept",
    "hull_volume_kept": "hull volume kept", "test_boundary_distance_mean": "boundary distance (mean)",
    "cost_r2": "cost R^2", "cost_rel_error_mean": "cost error (mean)", "cost_rel_error_max": "cost error (max)",
    "cost_gradient_rel_error_mean": "slope error (mean)",
}
"""Offer-info keys and the column names the chapter prints them under."""

CUT_BAND = 0.15
"""Half-width (normalised V~) of the voltage band around the central cut whose points the level-set figure shows."""


def candidates(st: xr.Dataset) -> pd.DataFrame:
    """One row per (DS, candidate) that was fitted: its validation scores and its test errors."""
    return pd.concat([
        st[CANDIDATE_COLUMNS].sel(ds=r).to_dataframe().reset_index().assign(ds=r) for r in st.ds.values
    ]).dropna(subset=["val_false_infeasible"])


def candidate_table(cand: pd.DataFrame) -> pd.DataFrame:
    """`candidates` per (DS, degree, convexity), averaged over the regularisation weights."""
    return cand.groupby(["ds", "degree", "convex"])[CANDIDATE_COLUMNS].mean()


def _uniform_feasible(st: xr.Dataset, ds: str, tol: float) -> int:
    """The truly feasible (projection distance below ``tol``) uniform test points of DS ``ds``: the points the FOR
    volume kept (``test_volume_kept``) is counted on."""
    rs = st.sel(ds=ds)
    return int(((rs.labelled_split.values == "test") & (rs.labelled_kind.values == "uniform")
                & (rs.labelled_distance.values < tol)).sum())


def _uniform_hull_disagreement(st: xr.Dataset, ds: str, tol: float) -> tuple[int, int]:
    """On the uniform test points of DS ``ds``: on how many the convex hull of the stored boundary samples and the
    FOR (projection distance below ``tol``) disagree, and how many there are. Few disagreements mean that the hull
    stands for the FOR at the test points' resolution (so `hull_volume_kept` estimates the FOR volume kept)."""
    from scipy.spatial import Delaunay

    rs = st.sel(ds=ds)
    uniform = (rs.labelled_split.values == "test") & (rs.labelled_kind.values == "uniform")
    b = rs.boundary_point.values
    inside = Delaunay(b[np.isfinite(b).all(axis=1)]).find_simplex(rs.labelled_point.values[uniform]) >= 0
    feasible = rs.labelled_distance.values[uniform] < tol
    return int((inside != feasible).sum()), int(uniform.sum())


def shared_uniform_points(st: xr.Dataset) -> dict[str, str]:
    """Per DS, the first DS of the store whose uniform test points are the same as its own (itself when none
    before it has them). Every DS draws its points from one generator seeded by ``seed``, the uniform ones after
    the shell points: DSs whose earlier draws took as many numbers draw the same uniform points in the box's
    normalised coordinates, and their counted volumes are then not independent of each other."""
    first: dict[bytes, str] = {}
    out = {}
    for r in st.ds.values:
        rs = st.sel(ds=r)
        uniform = (rs.labelled_split.values == "test") & (rs.labelled_kind.values == "uniform")
        out[str(r)] = first.setdefault(rs.labelled_point.values[uniform].tobytes(), str(r))
    return out


def offer_info(st: xr.Dataset) -> pd.DataFrame:
    """One row per DS: the `info` of the offer stored as JSON in ``offer_json`` (chosen fit, test errors), with the
    number of feasible uniform test points behind the volume kept (``test_uniform_n_feasible``, from the labelled
    points of the store), the uniform test points on which the samples' hull and the FOR disagree
    (``test_uniform_hull_disagree`` of ``test_uniform_n``, `_uniform_hull_disagreement`) and the first DS with the
    same uniform test points (``test_uniform_shared``, `shared_uniform_points`)."""
    rows = []
    shared = shared_uniform_points(st)
    for r in st.ds.values:
        info = json.loads(str(st.offer_json.sel(ds=r).values))["info"]
        disagree, n_uniform = _uniform_hull_disagreement(st, str(r), info["tol"])
        rows.append(dict(ds=str(r), **info, test_uniform_n_feasible=_uniform_feasible(st, str(r), info["tol"]),
                         test_uniform_hull_disagree=disagree, test_uniform_n=n_uniform,
                         test_uniform_shared=shared[str(r)]))
    return pd.DataFrame(rows).set_index("ds")


def offer_table(info: pd.DataFrame) -> pd.DataFrame:
    """The chosen offers' held-out errors as a table (rates as fractions; cost errors relative to the mean DS cost)."""
    cols = [c for c in OFFER_COLUMNS if c in info.columns]
    out = info[cols].rename(columns=OFFER_COLUMNS)
    for c in ("degree", "infeasible test points"):
        if c in out:
            out[c] = out[c].astype(int)
    return out


def _volume_interval(c: pd.Series) -> tuple[int, int, float, float] | None:
    """The count behind one offer's FOR volume kept and its Clopper-Pearson interval at `CONFIDENCE`: (feasible
    uniform test points kept, feasible uniform test points, lower, upper); None when the row lacks the count."""
    n = c.get("test_uniform_n_feasible")
    if n is None or not np.isfinite(n) or c.test_volume_kept is None:
        return None
    n = int(n)
    kept = round(float(c.test_volume_kept) * n)
    lo, hi = clopper_pearson_interval(kept, n, CONFIDENCE)
    return kept, n, float(lo), float(hi)


def volume_agreement(info: pd.DataFrame) -> pd.DataFrame:
    """Per DS of ``info`` (`offer_info`) that has both estimates of the FOR volume kept: whether the interval of the
    share counted on the test points (`_volume_interval`, at `CONFIDENCE`) holds the Monte-Carlo share of the
    samples' hull kept (``inside``; a miss is a disagreement beyond chance at that confidence), the counted share
    minus the hull share (``difference``) and how likely chance alone makes a count that far from the hull share
    (``chance``, `chance_of_count`); empty when no DS has both."""
    rows = {}
    for ds, c in info.iterrows():
        interval, hull = _volume_interval(c), c.get("hull_volume_kept")
        if interval is None or hull is None or not np.isfinite(hull):
            continue
        kept, n, lo, hi = interval
        rows[str(ds)] = {"inside": lo <= float(hull) <= hi, "difference": float(c.test_volume_kept) - float(hull),
                         "chance": chance_of_count(kept, n, float(hull))}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["inside", "difference", "chance"])


def chance_of_count(kept: int, n: int, share: float) -> float:
    """How likely chance alone makes a count of ``kept`` of ``n`` points at least that far from ``share`` on its
    side: the binomial tail (at most 1) doubled, as a two-sided test would, were ``share`` the truth and the points a
    fair draw."""
    from scipy.stats import binom

    tail = binom.cdf(kept, n, share) if kept < n * share else binom.sf(kept - 1, n, share)
    return float(min(1.0, 2 * tail))


def _cut_grid(half: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (P~, Q~) grid over [-half, half]^2 at the central voltage V~ = 0: (P, Q, points n^2 x 3)."""
    g = np.linspace(-half, half, n)
    P, Q = np.meshgrid(g, g)
    return P, Q, np.column_stack([P.ravel(), Q.ravel(), np.zeros(P.size)])


def _cut_of(st: xr.Dataset, ds: str, n: int = 201, half: float = 1.0) -> dict:
    """The central cut (V~ = 0) of DS ``ds``'s offer: grid P, Q, f + m there (``g``), the margin, the boundary samples
    within `CUT_BAND` of the cut and the labelled test points near it (``feasible``: projection distance < tol), and
    the TSO's start (`forlab.p1_for.tso.pcc_start`, ``start``), which need not lie on the cut."""
    off = offer(st, ds)
    P, Q, pts = _cut_grid(half, n)
    rs = st.sel(ds=ds)
    b = rs.boundary_point.values
    b = b[~np.isnan(b).any(axis=1)]
    lp = rs.labelled_point.values
    near = (rs.labelled_split.values == "test") & (np.abs(lp[:, 2]) < CUT_BAND)
    return {"P": P, "Q": Q, "g": off.polynomial(pts).reshape(P.shape), "m": off.polynomial.margin,
            "boundary": b[np.abs(b[:, 2]) < CUT_BAND], "test": lp[near],
            "test_distance": rs.labelled_distance.values[near], "offer": off, "start": pcc_start(off),
            "samples": b}


def _price_cut(st: xr.Dataset, ds: str, n: int = 61) -> dict:
    """The offer of DS ``ds`` on the (P~, Q~) grid at the central voltage: grid P, Q, the offered cost C ($/h) and f + m
    (``g``, the offered region where it is at most zero), each n x n."""
    off = offer(st, ds)
    P, Q, pts = _cut_grid(1.0, n)
    return {"P": P, "Q": Q, "C": off.cost(pts).reshape(P.shape), "g": off.polynomial(pts).reshape(P.shape)}


def _cost_residual(rs: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cost points of one DS used by the fit or its test: (normalised P, offered minus true cost in % of the
    mean DS cost, split name, kind: "surface" of the offered region or "inside" it)."""
    split_ = rs.cost_split.values.astype(str)
    ok = np.isin(split_, ("train", "test"))
    value, predicted = rs.cost_value.values[ok], rs.cost_predicted.values[ok]
    return (rs.cost_point.values[ok, 0], 100 * (predicted - value) / np.mean(value), split_[ok],
            rs.cost_kind.values[ok].astype(str))
