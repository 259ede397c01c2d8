"""Chapter 04, FOR representation: every DS's offer (implicit polynomial region and quadratic price over its PCC
point, `forlab.p1_for.representation.build_offer`: eqs. (p1-polynomial), (p1-sos), (p1-margin) and (p1-price),
the chapter's section "A region and a price") fitted from its FOR samples and scored on held-out points.

`run(params)` computes the chapter's store: `build_offer`'s report per DS stacked over dimension ``ds`` (candidates,
labelled points, cost points), the fit times, the boundary samples and each offer as JSON (``offer_json``). The
readers, figures and text helpers below read a store (the current run's or an archived one opened with
`forlab.book.store.open_path`). Rates are fractions; cost errors are relative to the mean DS cost.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.lines import Line2D
from scipy import ndimage

from forlab.book.plots import (
    EDGE_LINE,
    EDGE_WORDS,
    ZERO_LINE,
    ZERO_WORDS,
    axis_label,
    category_colours,
    edge_lines,
)
from forlab.book.runner import check_distinct, check_non_negative, check_positive_value, check_types
from forlab.book.store import paper_origin
from forlab.book.tables import (
    TitledTable,
    counted,
    fixed,
    fixed_columns,
    grouped,
    listed,
    page_index,
    printable,
    span,
    wrappable,
)
from forlab.grid import td
from forlab.p1_for import sampling
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import DEGREES, check_rate, edge_on_segment, on_grid
from forlab.p1_for.representation import (
    build_offer,
    check_n_cost,
    clopper_pearson_interval,
    clopper_pearson_upper,
    split_shares,
)
from forlab.p1_for.tso import pcc_start
from forlab.studies.ch03_for_sampling import AXIS_LABELS  # the PCC axes in chapter 03's words

TIMES = ("time_label_s", "time_fit_s", "time_cost_s", "time_total_s")
"""The fit's times (s) that `build_offer` reports in its attributes; the store keeps them per DS."""

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

MARGIN_HEADER = "margin m (box-normalised)"
"""The margin's column header: m is a level of f, and the 3L fit (f = +-e at offsets +-e along the normals) makes f
near the boundary a signed distance in the normalised box, so m reads as how far the offered edge moves inwards in
box-normalised units (review R4, item 10: the header had no unit)."""

CANDIDATE_HEADERS = {
    "margin": MARGIN_HEADER, "val_false_infeasible": "false-infeasible, validation (%)",
    "test_false_feasible_rate": "false-feasible, test (%)", "test_false_infeasible_rate": "false-infeasible, test (%)",
}
"""Columns of `candidate_printable`: what decides the choice (validation) and what it would have given (test). The
validation false-feasible rate is not printed: the infeasible validation points are calibration points of the margin,
so the rate measures nothing the margin did not fit (zero when ``target_false_feasible`` is zero; it stays in the
store, ``val_false_feasible``)."""

CANDIDATE_INDEX = ["DS", "candidate"]
"""The headers of `candidate_printable`'s two index columns, in the one header row of the page
(`forlab.book.tables.one_header_row`), so that no column of the table is left without one."""

REGION_HEADERS = {
    "polynomial": "degree of f", "margin": MARGIN_HEADER, "test_false_feasible_rate": "false-feasible (%)",
    "test_n_infeasible": "infeasible test points", "test_false_feasible_upper": f"false-feasible, {CONFIDENCE_TEXT} bound (%)",
    "test_false_infeasible_rate": "false-infeasible (%)", "test_volume_kept": "FOR volume kept (%)",
    "hull_volume_kept": "hull volume kept (%)",
}
PRICE_HEADERS = {
    "cost_r2": "cost R²", "cost_rel_error_mean": "cost error, mean (%)", "cost_rel_error_max": "cost error, max (%)",
    "cost_gradient_rel_error_mean": "slope error, mean (%)", "cost_mean": "mean DS cost ($/h)",
}
"""Columns of `offer_printables`: the offered region's and the price's errors on held-out points. The region's
first column is headed by what its cells vary in, the degree ("6, SOS-convex"): the word "polynomial" widened the
paper-scale table to 813 px in its 772 px column (measured in headless Chromium on the built book)."""

OFFER_TABLE_TITLES = (
    "**The offered region** on the test points (rates in %):",
    "**The price** on the held-out cost points (errors in % of the mean DS cost and slope):",
)
"""The title of each table of `offer_tables` (and of `paper_tables`), in their order."""

CUT_BAND = 0.15
"""Half-width (normalised V~) of the voltage band around the central cut whose points the level-set figure shows."""


# --------------------------------------------------------------------------- parameters
PARAMETER_TYPES = {
    "regions": (list, str), "n_directions": int, "face_grid": int, "n_labelled": int, "boundary_fraction": float,
    "split": (list, float), "n_cost": int, "degrees": (list, int), "convex_options": (list, bool),
    "regs": (list, float), "target_false_feasible": float, "tol": float, "seed": int, "n_workers": int,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


def check_params(params: dict) -> None:
    """Type and value checks of the chapter's parameters (`forlab.book.runner.check_types`, then ValueError naming
    the parameter)."""
    check_types(params, PARAMETER_TYPES, "04_for_representation")
    if not isinstance(params["regions"], (list, tuple)) or not params["regions"]:
        raise ValueError(f"regions must be a non-empty list of '<system>/<DS>', got {params['regions']!r}")
    for spec in params["regions"]:
        td.check_ds(spec, "regions")
    check_distinct("regions", params["regions"])  # one offer per DS name in the store: a repeat is unreadable
    if len(params["split"]) != 3 or not np.isclose(sum(params["split"]), 1.0):
        raise ValueError(f"split gives the training, validation and test shares (summing to 1), got {params['split']!r}")
    check_non_negative(params, ("n_directions", "face_grid", "seed", "n_workers"))
    # the polynomial is fitted and tested on labelled points: none failed deep in the labelling (an IndexError)
    check_positive_value("n_labelled", params["n_labelled"], integer=True)
    check_n_cost(params["n_cost"])
    if not 0 <= params["boundary_fraction"] <= 1:
        raise ValueError(f"boundary_fraction must lie in [0, 1], got {params['boundary_fraction']!r}")
    split_shares(params["boundary_fraction"], params["split"])  # build_offer's own check: three positive shares
    degrees = params["degrees"]
    if not degrees or any(d not in DEGREES for d in degrees):
        raise ValueError(f"degrees must be a non-empty list of polynomial degrees among {list(DEGREES)}, "
                         f"got {degrees!r}")
    if not params["convex_options"]:
        raise ValueError("convex_options must be a non-empty list of bools (True: SOS-convex, False: unconstrained), "
                         "e.g. [True, False], got []")
    if not params["regs"] or any(not np.isfinite(r) or r < 0 for r in params["regs"]):
        raise ValueError(f"regs must be a non-empty list of regularisation weights >= 0, e.g. [1e-05], "
                         f"got {params['regs']!r}")
    check_rate(params["target_false_feasible"], "target_false_feasible")
    if not np.isfinite(params["tol"]) or params["tol"] <= 0:
        raise ValueError(f"tol must be a positive distance (normalised units), e.g. 0.001, got {params['tol']!r}")


# --------------------------------------------------------------------------- the computation
def offer_of(spec: str, params: dict) -> tuple[Offer, xr.Dataset]:
    """The offer of DS ``spec`` and `build_offer`'s report, over a new dimension ``ds`` of length one, with the fit
    and sampling times and the boundary samples (normalised) added."""
    sys_name, ds_name = td.split_ds(spec)
    system = td.load_system(sys_name)
    net = system.ds[ds_name]
    smp = sampling.sample_for(net, params["n_directions"], params["face_grid"], n_workers=params["n_workers"],
                              name=spec)
    pcc = system.pcc[system.pcc.ds == ds_name].iloc[0]
    offer, rep = build_offer(
        net, smp, degrees=tuple(params["degrees"]), convex_options=tuple(params["convex_options"]),
        regs=tuple(params["regs"]), n_labelled=params["n_labelled"], boundary_fraction=params["boundary_fraction"],
        split=tuple(params["split"]), n_cost=params["n_cost"], tol=params["tol"],
        target_false_feasible=params["target_false_feasible"], seed=params["seed"], n_workers=params["n_workers"],
        pcc={"system": sys_name, "ds": ds_name, "ts_bus": int(pcc.ts_bus)})
    times = {k: float(rep.attrs[k]) for k in TIMES}
    rep = rep.expand_dims(ds=[spec])
    for k, v in times.items():
        rep[k] = ("ds", [v])
    rep["time_sampling_s"] = ("ds", [float(smp.attrs["wall_time_s"])])
    rep["boundary_point"] = (("ds", "bpoint", "axis"), sampling.boundary_points(smp, normalised=True)[None])
    return offer, rep


def run(params: dict) -> xr.Dataset:
    """The chapter's store: every DS's offer report stacked over ``ds``, and its offer as JSON (``offer_json``)."""
    check_params(params)
    parts, offer_json = [], []
    for spec in params["regions"]:
        offer, rep = offer_of(spec, params)
        parts.append(rep)
        offer_json.append(json.dumps(offer.to_dict()))
    store = xr.concat(parts, dim="ds", join="outer", combine_attrs="drop")
    store["offer_json"] = ("ds", offer_json)
    return store


def offer(st: xr.Dataset, ds: str) -> Offer:
    """The offer of DS ``ds`` stored in ``offer_json``."""
    return Offer.from_dict(json.loads(str(st.offer_json.sel(ds=ds).values)))


def offer_file(ds: str) -> str:
    """The file name of DS ``ds``'s offer next to the store (``<system>__<DS>.json``)."""
    return ds.replace("/", "__") + ".json"


OFFERS_FOLDER = "-offers"
"""What `save_offers` appends to a store's stem for the folder of its offers; chapter 10 points a user there."""


def save_offers(st: xr.Dataset, path: Path) -> Path:
    """Every offer of the store as a JSON file in ``<store stem>-offers/`` next to the store at ``path``
    (`OFFERS_FOLDER`)."""
    offer_dir = Path(path).parent / f"{Path(path).stem}{OFFERS_FOLDER}"
    offer_dir.mkdir(exist_ok=True)
    for ds in st.ds.values:
        offer(st, str(ds)).save(offer_dir / offer_file(str(ds)))
    return offer_dir


# --------------------------------------------------------------------------- candidates and offers
def candidates(st: xr.Dataset) -> pd.DataFrame:
    """One row per (DS, candidate) that was fitted: its validation scores and its test errors."""
    return pd.concat([
        st[CANDIDATE_COLUMNS].sel(ds=r).to_dataframe().reset_index().assign(ds=r) for r in st.ds.values
    ]).dropna(subset=["val_false_infeasible"])


def candidate_table(cand: pd.DataFrame) -> pd.DataFrame:
    """`candidates` per (DS, degree, convexity), averaged over the regularisation weights."""
    return cand.groupby(["ds", "degree", "convex"])[CANDIDATE_COLUMNS].mean()


def _polynomial_label(degree, convex) -> str:
    return f"degree {_degree_label(degree, convex)}"


def _degree_label(degree, convex) -> str:
    """A polynomial's degree and convexity in a column headed by its degree: "6", "4, SOS-convex"."""
    return f"{int(degree)}" + (", SOS-convex" if bool(convex) else "")


def candidate_printable(cand: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    """`candidate_table` as the page shows it: one row per DS and candidate polynomial, the margin and the error
    rates (%) that decide the choice (validation) and that it would have given (test); the candidate chosen
    (`offer_info`) has a tick after its name. The boundary distances and counts stay in the store (``val_boundary_distance``,
    ``test_n_false_feasible``)."""
    by = candidate_table(cand).reset_index()
    order = {d: i for i, d in enumerate(dict.fromkeys(cand.ds))}  # the store's order of the DSs
    by = by.sort_values(["ds", "degree", "convex"], key=lambda c: c.map(order) if c.name == "ds" else c)
    chosen = {(str(r), int(c.degree), bool(c.convex)) for r, c in info.iterrows()}
    by["chosen"] = ["✓" if (str(r.ds), int(r.degree), bool(r.convex)) in chosen else ""
                    for r in by.itertuples()]
    rates = ["val_false_infeasible", "test_false_feasible_rate", "test_false_infeasible_rate"]
    by[rates] = 100 * by[rates].astype(float)  # as % of the points
    by = fixed_columns(by, dict.fromkeys(rates, 1)).assign(margin=fixed(by.val_margin, 3).to_numpy())
    out = printable(by, CANDIDATE_HEADERS)
    out.index = page_index(by.ds, [_polynomial_label(d, c) + (" ✓" if k else "")
                                    for d, c, k in zip(by.degree, by.convex, by.chosen)], names=CANDIDATE_INDEX)
    return out


def convexity_text(cand: pd.DataFrame) -> str:
    """Markdown: margin and false-infeasible rate of the SOS-convex against the unconstrained candidates (empty when
    the run fitted only one kind), whether convexity costs flexibility on average (`_convexity_cost`, read from the
    two rates), and on how many (DS, degree) pairs it does cost volume (`_convex_pairs`)."""
    by = cand.groupby("convex")[["val_margin", "val_false_infeasible", "test_false_infeasible_rate"]].mean()
    if len(by) != 2:
        return ""
    return (
        f"Averaged over DSs and degrees, the SOS-convex candidates get a margin of {by.val_margin[True]:.3f} and "
        f"declare {100 * by.test_false_infeasible_rate[True]:.0f} % of the feasible test points infeasible; the "
        f"unconstrained ones get {by.val_margin[False]:.3f} and {100 * by.test_false_infeasible_rate[False]:.0f} %. "
        + _convexity_cost(by.test_false_infeasible_rate[True], by.test_false_infeasible_rate[False])
        + f" {_convex_pairs(cand)}"
    )


def _convexity_cost(convex: float, free: float) -> str:
    """Whether convexity costs flexibility on average, from the mean false-infeasible rates of the SOS-convex and
    the unconstrained candidates compared as the page prints them (whole %, so a tie is what the reader sees), with
    forlab's reading of why (a reading, not a measurement: hardly any infeasible labelled point lies inside the hull
    of the boundary samples, so "dents" the convex region must keep out are not what the stores show) only where it
    does cost."""
    shown_convex, shown_free = round(100 * convex), round(100 * free)
    if shown_convex > shown_free:
        return ("forlab's reading, not a measurement: SOS-convex polynomials of these degrees are a narrow family, "
                "which follows the FOR's box-like shape, flat faces meeting at edges and corners, less closely than "
                "an unconstrained polynomial can, so their regions, kept clear of the infeasible points, give up "
                "more of the FOR; convexity makes the TSO's problem easier and, on average, costs flexibility.")
    if shown_convex < shown_free:
        return ("Convexity makes the TSO's problem easier and, on average, here costs no flexibility: the "
                "SOS-convex regions declare fewer of the feasible test points infeasible.")
    return ("Convexity makes the TSO's problem easier and, on average, costs no flexibility that shows at the "
            "precision printed: the two rates are equal.")


def _convex_pairs(cand: pd.DataFrame) -> str:
    """On how many (DS, degree) pairs whose two candidates differ the SOS-convex one declares more of the feasible
    test points infeasible (averaged over the regularisation weights, `candidate_table`): the average can hide a
    pair where convexity keeps more."""
    rate = candidate_table(cand).test_false_infeasible_rate.unstack("convex").dropna()
    differ = rate[(rate[True] - rate[False]).abs() > 1e-12]
    more = int((differ[True] > differ[False]).sum())
    return (f"Pair by pair (DS and degree, where the two candidates differ): the SOS-convex one declares more of the "
            f"feasible test points infeasible on {more} of {len(differ)}.")


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


def offer_printables(info: pd.DataFrame, offline_s: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chosen offers as the page shows them, in two tables that fit the column: the region (polynomial, margin,
    test error rates in %, the FOR volume kept and the share of the samples' hull kept) and the price (R², cost and
    slope errors in % of the mean DS cost and slope, with ``offline_s``, the offline time per DS, when given). Every
    other measure of `offer_info` is in the offer's ``info`` (variable ``offer_json`` of the store)."""
    x = info.copy()
    x["polynomial"] = [_degree_label(d, c) for d, c in zip(x.degree, x.convex)]
    decimals = {"margin": 3, "test_false_feasible_rate": 2, "test_false_feasible_upper": 2,
                "test_false_infeasible_rate": 1, "test_volume_kept": 1, "hull_volume_kept": 1, "cost_r2": 4,
                "cost_rel_error_mean": 1, "cost_rel_error_max": 1, "cost_gradient_rel_error_mean": 1, "cost_mean": 2}
    kept = {c: d for c, d in decimals.items() if c in x}  # a store from before the slope fit lacks some
    pct = [c for c in kept if c not in ("margin", "cost_r2", "cost_mean")]
    x[pct] = 100 * x[pct].astype(float)  # rates and relative errors in %
    x = fixed_columns(x, kept, group=tuple(kept))  # thousands grouped, as every table of the book (`grouped`)
    x["test_n_infeasible"] = fixed(x.test_n_infeasible, 0, group=True).to_numpy()
    price_headers = {k: v for k, v in PRICE_HEADERS.items() if k in x}  # no slopes in stores from before that fit
    if offline_s is not None:
        x["offline_s"] = fixed(offline_s.reindex(x.index), 1, group=True).values
        price_headers["offline_s"] = "offline time (s)"
    region, price = printable(x, REGION_HEADERS), printable(x, price_headers)
    for t in (region, price):
        # DS names may also break after "_" ("case533mt_hi/"): with the nine columns of the region the longest
        # unbreakable piece of a name set the table's width
        t.index = pd.Index([wrappable(v, "+/_") for v in x.index], name="DS")
    return region, price


def offer_tables(info: pd.DataFrame, offline_s: pd.Series | None = None) -> list[TitledTable]:
    """`offer_printables`, each under its title (`OFFER_TABLE_TITLES`; displayed with
    `forlab.book.tables.titled`): shown one after the other without one, the two render as one grid."""
    return list(zip(OFFER_TABLE_TITLES, offer_printables(info, offline_s)))


def _plain(x: float) -> str:
    """A normalised coordinate with two decimals, without the sign of a value that rounds to zero ("-0.00")."""
    return f"{round(float(x), 2) + 0.0:.2f}"


def _pct(x) -> float:
    return np.nan if x is None else 100 * float(x)


LOW_RATE = 0.01
"""The false-feasible rate (a share) the chapter holds an offer to: at most one infeasible point in a hundred let
through. A choice of this book for its tables and text, not a published target (`forlab.book.anchors` has none)."""

def points_needed(target: float = LOW_RATE, observed: float = 0.0, confidence: float = CONFIDENCE,
                  most: int = 100_000) -> int | None:
    """The fewest infeasible test points at which a false-feasible share ``observed`` gives a one-sided
    Clopper-Pearson upper bound below ``target``; None when no test of up to ``most`` points would (always when the
    share itself is at or above the target)."""
    if observed >= target:
        return None
    n = np.arange(1, most + 1)
    k = np.ceil(observed * n - 1e-9)
    below = np.flatnonzero(clopper_pearson_upper(k, n, confidence) < target)
    return int(n[below[0]]) if len(below) else None


def target_verdict(n_false_feasible: int, n_infeasible: int, upper: float, target: float = LOW_RATE) -> str:
    """Whether the test shows a false-feasible rate below ``target``: "met" only when the one-sided upper bound
    ``upper`` is below it; "missed" when the observed share itself is not below it; otherwise the test is too
    small to tell, and the verdict says how many infeasible test points would tell at the observed share
    (`points_needed`)."""
    share = n_false_feasible / n_infeasible if n_infeasible else 0.0
    if upper < target:
        return "met"
    need = points_needed(target, share)
    if need is None:
        return "missed"
    return f"not shown with {grouped(n_infeasible)} infeasible test points, {grouped(need)} needed at this share"


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


def _volume_part(c: pd.Series) -> str:
    """The FOR volume kept of one offer, with the count of feasible uniform test points it rests on, its interval
    (`_volume_interval`) and the Monte-Carlo share of the samples' hull kept, with the uniform test points on which
    the hull and the FOR disagree, when the row has them."""
    text = f"FOR volume kept {_pct(c.test_volume_kept):.1f} %"
    interval = _volume_interval(c)
    if interval is not None:
        kept, n, lo, hi = interval
        text += (f" ({grouped(kept)} of {grouped(n)} feasible uniform test points; {CONFIDENCE_TEXT} interval "
                 f"{100 * lo:.0f} to {100 * hi:.0f} %)")
    hull = c.get("hull_volume_kept")
    if hull is not None and np.isfinite(hull):
        text += f"; share of the samples' hull kept (Monte Carlo) {100 * float(hull):.1f} %"
        if c.get("test_uniform_n") is not None and np.isfinite(c.get("test_uniform_n")):
            # the hull share rests on many more points; it estimates the FOR's share where the two regions agree
            # (`volume_agreement_text` counts the DSs on which the counted share's interval misses it)
            text += (f" (hull and FOR disagree on {grouped(c.test_uniform_hull_disagree)} of "
                     f"{grouped(c.test_uniform_n)} uniform test points)")
    return text


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


def volume_agreement_text(info: pd.DataFrame, agree: pd.DataFrame | None = None) -> str:
    """Markdown: over the DSs of ``info`` (`offer_info`) that have both, on how many the interval of the FOR volume
    kept counted on the test points misses the Monte-Carlo share of the samples' hull kept (``agree``,
    `volume_agreement` of ``info``, computed here unless its caller has it), on which, with how likely a count that
    far from the hull share is by chance alone (`chance_of_count`), on how many the counted share lies above and
    below the hull share, and which DSs share their uniform test points (`shared_uniform_points`); empty when no DS
    has both."""
    agree = volume_agreement(info) if agree is None else agree
    if agree.empty:
        return ""
    missed = [f"{ds}: a count that far from it by chance alone has probability {r.chance:.1g}"
              for ds, r in agree[~agree.inside.astype(bool)].iterrows()]
    above, below = int((agree.difference > 0).sum()), int((agree.difference < 0).sum())
    where = f" ({'; '.join(missed)})" if missed else ""
    return (f"The {CONFIDENCE_TEXT} interval of the FOR volume kept, counted on the test points, misses the share of "
            f"the samples' hull kept on {len(missed)} of {counted(len(agree), 'DS')}{where}; the counted share lies "
            f"above the hull share on {above} and below it on {below}." + _shared_text(info))


def volume_summary(info: pd.DataFrame, agree: pd.DataFrame | None = None) -> str:
    """The paper-scale summary's sentences on the FOR volume kept, in the order of the page's argument: first the
    range of the Monte-Carlo share of the samples' hull kept, with the condition under which the page calls it the
    more precise estimate (the hull and the FOR disagree on few uniform test points, `_precise_words`), then the
    range counted on the feasible uniform test points (with how many there are per DS), then on how many DSs the
    counted share's interval misses the hull share (``agree``, `volume_agreement` of ``info`` unless its caller has
    it: the test of `volume_agreement_text`, whose line gives how likely each miss is by chance) and that the cause
    of those is open. A miss is not called a disagreement beyond chance: an interval at `CONFIDENCE` misses now and
    then by chance alone, and DSs that share their test points are not independent. A store without the hull share
    gives the counted range alone."""
    counted_share = f"{100 * info.test_volume_kept.min():.1f} % and {100 * info.test_volume_kept.max():.1f} %"
    points = (f"{grouped(info.test_uniform_n_feasible.min())} to {grouped(info.test_uniform_n_feasible.max())} "
              "feasible uniform test points per DS")
    agree = volume_agreement(info) if agree is None else agree
    if agree.empty:
        return f"The offers keep between {counted_share} of the FOR's volume, counted on {points}."
    hull = info.hull_volume_kept.astype(float)
    text = (f"The Monte-Carlo share of the samples' hull kept is {_precise_words(info)}; by it, the offers keep "
            f"between {100 * hull.min():.1f} % and {100 * hull.max():.1f} % of the FOR's volume. Counted on {points}, "
            f"they keep between {counted_share}.")
    missed = int((~agree.inside.astype(bool)).sum())
    interval = f"the counted share's {CONFIDENCE_TEXT} interval"
    if not missed:
        every = "the one DS" if len(agree) == 1 else f"all {len(agree)} DSs"
        return text + f" On {every} {interval} holds the hull share."
    where = "the one DS" if len(agree) == 1 else f"{missed} of the {counted(len(agree), 'DS')}"
    each = "it" if missed == 1 else "each"
    return text + (f" On {where} {interval} misses the hull share (the line under the tables gives how likely "
                   f"{each} is by chance); the cause is open.")


def _precise_words(info: pd.DataFrame) -> str:
    """The page's condition for calling the hull share the more precise estimate: the hull and the FOR disagree on
    few of the uniform test points (`_uniform_hull_disagreement`), with the most they disagree on over the DSs of
    ``info`` where it has the count, so that a reader can judge "few"."""
    condition = "the more precise estimate where the hull and the FOR disagree on few uniform test points"
    if "test_uniform_hull_disagree" not in info or "test_uniform_n" not in info:
        return condition
    n = info.test_uniform_n.astype(int)
    of = span(n, grouped)
    most = int(info.test_uniform_hull_disagree.max())
    return f"{condition} (here on {'none' if most == 0 else f'at most {grouped(most)}'} of {of} per DS)"


def chance_of_count(kept: int, n: int, share: float) -> float:
    """How likely chance alone makes a count of ``kept`` of ``n`` points at least that far from ``share`` on its
    side: the binomial tail (at most 1) doubled, as a two-sided test would, were ``share`` the truth and the points a
    fair draw."""
    from scipy.stats import binom

    tail = binom.cdf(kept, n, share) if kept < n * share else binom.sf(kept - 1, n, share)
    return float(min(1.0, 2 * tail))


def _shared_text(info: pd.DataFrame) -> str:
    """" ..." naming the groups of DSs that share their uniform test points (`shared_uniform_points`): their counts
    are not independent, so their misses are not separate events; "" when none share, or in a store without it."""
    if "test_uniform_shared" not in info:
        return ""
    groups = [list(g.index) for _, g in info.groupby("test_uniform_shared", sort=False) if len(g) > 1]
    if not groups:
        return ""
    return (" The DSs draw their points from one seed, so some draw the same uniform test points and their counts "
            f"are not independent: {'; '.join(listed(g) for g in groups)}.")


OFFER_PARTS = ("region", "volume", "price")
"""The sub-items of each bullet of `offer_lines`, in the order of the tables above them (the region's rates, the
volume kept, the price): review R4, item 2 found one sentence of about 117 words per DS."""


def _offer_line(ds: str, c: pd.Series, target: float) -> str:
    """One bullet of `offer_lines`: the chosen polynomial, then one sub-item per part of `OFFER_PARTS`."""
    ff = _pct(c.test_false_feasible_rate)
    slope = c.get("cost_gradient_rel_error_mean")  # absent in stores from before the slope fit
    slope = np.nan if slope is None else float(slope)
    verdict = target_verdict(int(c.test_n_false_feasible), int(c.test_n_infeasible),
                             float(c.test_false_feasible_upper), target)
    parts = {
        "region": (f"false-feasible {grouped(c.test_n_false_feasible)} of {grouped(c.test_n_infeasible)} infeasible "
                   f"test points = {ff:.2f} % ({CONFIDENCE_TEXT} upper bound {_pct(c.test_false_feasible_upper):.2f} "
                   f"%; target below {100 * target:g} %: {verdict}); false-infeasible "
                   f"{_pct(c.test_false_infeasible_rate):.1f} % of {grouped(c.test_n_feasible)} feasible test points"),
        "volume": _volume_part(c),
        "price": (f"cost $R^2$ {c.cost_r2:.4f}, mean / max error {100 * c.cost_rel_error_mean:.1f} % / "
                  f"{100 * c.cost_rel_error_max:.1f} % of the mean DS cost ({grouped(c.cost_mean, 2)} $/h)"
                  + (f"; slope error {100 * slope:.1f} % of the mean slope (mean over test points)"
                     if np.isfinite(slope) else "")),
    }
    return (f"- **{ds}**: degree {int(c.degree)}{' (SOS-convex)' if c.convex else ''}, margin {c.margin:.3f}\n"
            + "\n".join(f"  - {name}: {parts[name]}." for name in OFFER_PARTS))


def offer_lines(info: pd.DataFrame, target: float = LOW_RATE) -> str:
    """Markdown bullets: per DS the chosen polynomial, with a sub-list (`OFFER_PARTS`) of the false-feasible rate
    with its count, upper bound and `target_verdict` and the false-infeasible rate (region), the volume kept
    (`_volume_part`) and the cost errors (price)."""
    return "\n".join(_offer_line(r, c, target) for r, c in info.iterrows())


PICKLED_WORDS = (
    "The bytes the other chapters count as exchanged for P1, the offer and the PCC points the TSO sends back, are "
    "fewer than the file's: they are the same content pickled as Dask sends it (`forlab.book.parallel.wire_bytes`, "
    "the one rule of every method), in which a float64 takes its eight bytes where JSON text takes two to three times "
    "that.")
"""Why an offer file's JSON size exceeds the bytes P1 is said to exchange elsewhere (a review found the offer plus
the reply counted smaller than the offer file alone): said once where a page gives the file's size (here and
`forlab.studies.ch10_consuming_an_offer.file_text`)."""


def offer_contents_text(st: xr.Dataset, directory: Path) -> str:
    """Markdown: what the first DS's offer file holds (keys, PCC, box, polynomial size), its size (kB of 1000
    bytes, as every chapter counts them) against the pickled bytes other chapters count (`PICKLED_WORDS`), and
    whether writing, reading and writing it again (in ``directory``, files removed after) gives the same bytes."""
    r0 = str(st.ds.values[0])
    text = str(st.offer_json.sel(ds=r0).values)
    d = json.loads(text)
    written = Offer.from_dict(d).save(Path(directory) / "roundtrip-check.json")
    again = Offer.load(written).save(Path(directory) / "roundtrip-check-2.json")
    same = written.read_bytes() == again.read_bytes() and Offer.load(again).to_dict() == d
    for f in (written, again):
        f.unlink()
    return (
        f"- top-level keys: {', '.join(f'`{k}`' for k in d)}\n"
        f"- `pcc` (which coupling point): {_fields(d['pcc'])}; `base`: {_fields(d['base'])}\n"
        f"- box lo / hi (MW, Mvar, p.u.): {_rounded(d['box']['lo'])} / {_rounded(d['box']['hi'])}\n"
        f"- polynomial: degree {d['polynomial']['degree']} with {grouped(len(d['polynomial']['coef']))} "
        "coefficients\n\n"
        f"The offer of {r0} is {grouped(len(text.encode()) / 1e3, 1)} kB of JSON, the file a DSO hands over. "
        f"{PICKLED_WORDS} Writing it, reading it back and writing it again gives "
        f"{'the same file bit for bit' if same else 'a different file'}."
    )


def _fields(entries: dict) -> str:
    """A small dict of the offer file as a reader reads it: each key in code font followed by its value."""
    return ", ".join(f"`{k}` {v}" for k, v in entries.items()) or "none"


def _rounded(values) -> list[float]:
    """A box corner as the page shows it: four significant digits (the file keeps every digit)."""
    return [float(f"{v:.4g}") for v in values]


# --------------------------------------------------------------------------- paper-scale run
def paper_printables(big: xr.Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`offer_printables` of the paper-scale store, with each DS's offline time (sampling and fit, s) when
    recorded."""
    offline = (big.time_total_s + big.time_sampling_s).to_series() if "time_total_s" in big else None
    return offer_printables(offer_info(big), offline)


def paper_tables(big: xr.Dataset) -> list[TitledTable]:
    """`paper_printables`, each under its title (`OFFER_TABLE_TITLES`)."""
    return list(zip(OFFER_TABLE_TITLES, paper_printables(big)))


VOLUME_HELD = {"color": "k", "marker": "o", "markersize": 5, "capsize": 3, "linestyle": ""}
"""A counted FOR volume kept whose interval holds the hull share (`volume_figure`): black, a neutral."""
VOLUME_MISSED = VOLUME_HELD | {"color": "tab:red"}
"""... and one whose interval misses it: red, as the level sets draw what is wrong (an infeasible test point)."""
HULL_SHARE = {"color": "k", "marker": "D", "markerfacecolor": "white", "markersize": 6, "linestyle": ""}
"""The Monte-Carlo share of the samples' hull kept (`volume_figure`): an open diamond over the interval."""


def volume_figure(info: pd.DataFrame, agree: pd.DataFrame | None = None):
    """Per DS of ``info`` (`offer_info`) that has both estimates of the FOR volume kept, one row: the share counted
    on the test points with its interval at `CONFIDENCE` (`_volume_interval`) and the Monte-Carlo share of the
    samples' hull kept as a second marker; an interval that misses the hull share (``agree``, `volume_agreement`
    of ``info`` unless its caller has it, the test `volume_agreement_text` counts) is drawn in red. None when no DS
    has both (`volume_agreement` empty)."""
    agree = volume_agreement(info) if agree is None else agree
    if agree.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.5 * len(agree)))
    counted = f"counted on the test points, {CONFIDENCE_TEXT} interval"
    words = {True: f"{counted} holds the hull share", False: f"{counted} misses it",
             "hull": "share of the samples' hull kept (Monte Carlo)"}
    keys = {}  # one key per kind drawn: no key for a miss where none misses
    for y, (ds, row) in enumerate(agree.iterrows()):
        c = info.loc[ds]
        _, _, lo, hi = _volume_interval(c)
        share = float(c.test_volume_kept)
        inside = bool(row.inside)
        bar = ax.errorbar([100 * share], [y], xerr=[[100 * (share - lo)], [100 * (hi - share)]],
                          **(VOLUME_HELD if inside else VOLUME_MISSED))
        hull = ax.plot([100 * float(c.hull_volume_kept)], [y], **HULL_SHARE)[0]
        keys.setdefault(inside, bar)
        keys.setdefault("hull", hull)
    ax.set_yticks(range(len(agree)), [_wrapped_title(str(ds)) for ds in agree.index], fontsize=8)
    ax.set_ylim(len(agree) - 0.5, -0.5)  # the tables' order, top to bottom
    ax.set_xlabel(axis_label(OFFER_COLUMNS["test_volume_kept"], "%"))
    shown = [k for k in words if k in keys]  # held, missed, hull: the order of `words`
    fig.legend([keys[k] for k in shown], [words[k] for k in shown], loc="lower center", fontsize=9)
    fig.tight_layout(rect=(0, 0.75 / fig.get_figheight(), 1, 1))
    return fig


def paper_table(big: xr.Dataset) -> pd.DataFrame:
    """`offer_table` of the paper-scale store with each DS's offline time (sampling and fit, s) when recorded."""
    out = offer_table(offer_info(big))
    if "time_total_s" in big:
        out["offline time (s)"] = (big.time_total_s + big.time_sampling_s).to_series().round(1)
    return out


def paper_text(big: xr.Dataset) -> str:
    """Markdown: per DS `offer_lines`, then where the counted volume kept misses the hull share
    (`volume_agreement_text`), the store's line (`paper_origin`) and, in a paragraph of their own, the ranges over all
    DSs (verdicts on the false-feasible target, upper bounds, volume kept by `volume_summary`, cost fit) of the
    paper-scale store; both sentences on the volume rest on one `volume_agreement`, computed once."""
    info = offer_info(big)
    agree = volume_agreement(info)
    ff = info.test_false_feasible_rate.astype(float)
    verdicts = [target_verdict(int(c.test_n_false_feasible), int(c.test_n_infeasible),
                               float(c.test_false_feasible_upper)) for _, c in info.iterrows()]
    met = sum(v == "met" for v in verdicts)
    missed = sum(v == "missed" for v in verdicts)
    return offer_lines(info) + "\n\n" + volume_agreement_text(info, agree) + "\n\n" + (
        # the store's line in a paragraph of its own, the verdict in the next (review R4, item 2)
        f"{paper_origin(big)}\n\nThe largest observed false-feasible "
        f"rate is {100 * ff.max():.2f} %, with between {grouped(info.test_n_infeasible.min())} and "
        f"{grouped(info.test_n_infeasible.max())} infeasible test points per DS. The target of a rate below "
        f"{100 * LOW_RATE:g} % is met ({CONFIDENCE_TEXT} upper bound below it) on {met} of {len(info)} DSs, missed on {missed} "
        f"and not shown on {len(info) - met - missed}: the one-sided {CONFIDENCE_TEXT} upper bounds lie between "
        f"{100 * info.test_false_feasible_upper.min():.2f} % and {100 * info.test_false_feasible_upper.max():.2f} %, "
        f"and even with no false-feasible point a bound below {100 * LOW_RATE:g} % needs at least "
        f"{grouped(points_needed())} "
        f"infeasible test points. {volume_summary(info, agree)} The cost model's $R^2$ is at least "
        f"{info.cost_r2.min():.4f}; its largest error is {100 * info.cost_rel_error_max.max():.1f} % of the mean DS "
        f"cost, its mean error at most "
        f"{100 * info.cost_rel_error_mean.max():.1f} %."
    )


# --------------------------------------------------------------------------- figures
def _cut_grid(half: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (P~, Q~) grid over [-half, half]^2 at the central voltage V~ = 0: (P, Q, points n^2 x 3)."""
    g = np.linspace(-half, half, n)
    P, Q = np.meshgrid(g, g)
    return P, Q, np.column_stack([P.ravel(), Q.ravel(), np.zeros(P.size)])


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


TICKS = (-1.0, -0.5, 0.0, 0.5, 1.0)
"""Ticks of the normalised axes (five, so that two panels side by side never crowd their labels)."""


def _panels(n: int, height: float = 3.6):
    """A figure for the 7.5-in column with ``n`` panels, two per row; returns (figure, the n axes)."""
    ncols = min(n, 2)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.5 if ncols == 2 else 4.2, height * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.remove()
    return fig, list(axes.ravel()[:n])


def _normalised_axes(ax, title: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("normalised P")
    ax.set_ylabel("normalised Q")
    ax.set_xticks(TICKS)
    ax.set_yticks(TICKS)


def _physical_axes(ax, off: Offer) -> None:
    """MW on the top and Mvar on the right axis of a panel in normalised P~ and Q~, from the offer's box
    (x = c + h x~, `forlab.p1_for.dso_opf.Box`): the normalised axes say where in the box a point lies, these what
    the TSO trades, in chapter 03's words (`AXIS_LABELS`)."""
    c, h = off.box.center, off.box.half
    top = ax.secondary_xaxis("top", functions=(lambda x: c[0] + h[0] * x, lambda p: (p - c[0]) / h[0]))
    right = ax.secondary_yaxis("right", functions=(lambda y: c[1] + h[1] * y, lambda q: (q - c[1]) / h[1]))
    top.set_xlabel(AXIS_LABELS["p_mw"])
    right.set_ylabel(AXIS_LABELS["q_mvar"])
    for axis in (top.xaxis, right.yaxis):
        axis.set_major_locator(plt.MaxNLocator(4))


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


FEASIBLE_POINT = {"color": category_colours(2)[-1], "marker": "o", "markeredgecolor": "k", "markeredgewidth": 0.5,
                  "linestyle": "", "markersize": 4.5}
"""A feasible test point of the level sets: a colour of `forlab.book.plots.category_colours`, no method's (P3 is
green), with a dark rim that keeps it visible on the shaded region."""
INFEASIBLE_POINT = {"color": "tab:red", "marker": "x", "linestyle": "", "markersize": 5}
"""An infeasible test point of the level sets."""


def _level_set_panel(ax, st: xr.Dataset, ds: str, tol: float) -> None:
    """One panel of `level_sets`."""
    c = _cut_of(st, ds, 121, 1.1)
    P, Q, g, m = c["P"], c["Q"], c["g"], c["m"]
    ax.contourf(P, Q, g, levels=[g.min() - 1, 0], colors=["tab:blue"], alpha=0.12)
    edge_lines(ax, P, Q, g, m)
    b = c["boundary"]
    ax.plot(b[:, 0], b[:, 1], "k.", markersize=5)
    feas = c["test_distance"] < tol
    tp = c["test"]
    ax.plot(tp[feas, 0], tp[feas, 1], **FEASIBLE_POINT)
    ax.plot(tp[~feas, 0], tp[~feas, 1], **INFEASIBLE_POINT)
    ax.plot([c["start"][0]], [c["start"][1]], "k+", markersize=10, markeredgewidth=1.5)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_aspect("equal")
    _normalised_axes(ax, ds)
    _physical_axes(ax, c["offer"])


LEVEL_SET_LEGEND = (
    (EDGE_LINE, f"{EDGE_WORDS} (shaded)"),
    (ZERO_LINE, ZERO_WORDS),
    ({"color": "k", "marker": ".", "linestyle": "", "markersize": 7}, f"boundary sample, normalised |V| < {CUT_BAND}"),
    ({"color": "k", "marker": "+", "linestyle": "", "markersize": 10, "markeredgewidth": 1.5},
     "where the TSO's OPF starts, at its P and Q"),
    (FEASIBLE_POINT, "test point, feasible"),
    (INFEASIBLE_POINT, "test point, infeasible"),
)


def level_sets(st: xr.Dataset, tol: float):
    """Per DS, the cut at the central PCC voltage: zero level sets of f + m (solid, the edge of the offered region,
    which is shaded) and of the chosen f (dashed), the TSO's start (`forlab.p1_for.tso.pcc_start`) at its P~ and Q~,
    boundary samples and labelled test points near the cut (feasible: projection distance < tol); P in MW and Q in
    Mvar on the top and right axes (`_physical_axes`); one legend for all panels."""
    fig, axes = _panels(st.sizes["ds"], 3.9)
    for ax, r in zip(axes, st.ds.values):
        _level_set_panel(ax, st, str(r), tol)
    handles = [Line2D([], [], **kw) for kw, _ in LEVEL_SET_LEGEND]
    fig.legend(handles, [lab for _, lab in LEVEL_SET_LEGEND], loc="lower center", ncol=2, fontsize=9)
    fig.tight_layout(rect=(0, 0.17 / (1 + (len(axes) > 2)), 1, 1))
    return fig


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


def _price_cut(st: xr.Dataset, ds: str, n: int = 61) -> dict:
    """The offer of DS ``ds`` on the (P~, Q~) grid at the central voltage: grid P, Q, the offered cost C ($/h) and f + m
    (``g``, the offered region where it is at most zero), each n x n."""
    off = offer(st, ds)
    P, Q, pts = _cut_grid(1.0, n)
    return {"P": P, "Q": Q, "C": off.cost(pts).reshape(P.shape), "g": off.polynomial(pts).reshape(P.shape)}


def _wrapped_title(ds: str) -> str:
    """A DS name as a panel title in two lines ("<system>/" and "<DS>"), so that it fits over a narrow panel."""
    system, name = td.split_ds(ds)
    return f"{system}/\n{name}"


def price_surface(st: xr.Dataset):
    """Per DS, the offered cost ($/h, the price's value) over (P~, Q~) at the central voltage with the edge of the
    offered region (solid, as in `level_sets`) and the DS cost OPF values it was fitted to (points within |V~| < 0.3),
    drawn in the same colours, with P in MW and Q in Mvar on the top and right axes (`_physical_axes`); the colour bar
    lies under its panel, so that it cannot cover the next panel's title."""
    fig, axes = _panels(st.sizes["ds"], 4.3)
    for ax, r in zip(axes, st.ds.values):
        c = _price_cut(st, str(r))
        cs = ax.contourf(c["P"], c["Q"], c["C"], levels=15, cmap="viridis")
        ax.contour(c["P"], c["Q"], c["g"], levels=[0], colors="white", linewidths=EDGE_LINE["linewidth"])
        cb = fig.colorbar(cs, ax=ax, orientation="horizontal", location="bottom", pad=0.2, fraction=0.06,
                          label="offered cost ($/h)")
        cb.locator = plt.MaxNLocator(5)
        cb.update_ticks()
        rs = st.sel(ds=r)
        cp = rs.cost_point.values
        ok = rs.cost_success.values.astype(bool) & (np.abs(cp[:, 2]) < 0.3)
        ax.scatter(cp[ok, 0], cp[ok, 1], c=rs.cost_value.values[ok], cmap="viridis", edgecolors="white", s=25,
                   vmin=c["C"].min(), vmax=c["C"].max())
        ax.set_aspect("equal")
        _normalised_axes(ax, _wrapped_title(str(r)))
        _physical_axes(ax, offer(st, str(r)))
        ax.grid(False)
    fig.tight_layout()
    return fig


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


def _cost_residual(rs: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cost points of one DS used by the fit or its test: (normalised P, offered minus true cost in % of the
    mean DS cost, split name, kind: "surface" of the offered region or "inside" it)."""
    split_ = rs.cost_split.values.astype(str)
    ok = np.isin(split_, ("train", "test"))
    value, predicted = rs.cost_value.values[ok], rs.cost_predicted.values[ok]
    return (rs.cost_point.values[ok, 0], 100 * (predicted - value) / np.mean(value), split_[ok],
            rs.cost_kind.values[ok].astype(str))


def cost_check(st: xr.Dataset, dss=None):
    """Where the price misses: per DS (all by default) the offered minus the true cost at the cost points, in % of
    the mean DS cost, against normalised P; training and held-out test points; one legend for all panels."""
    dss = list(st.ds.values) if dss is None else list(dss)
    fig, axes = _panels(len(dss), 3.3)
    for ax, r in zip(axes, dss):
        p, miss, split_, _ = _cost_residual(st.sel(ds=r))
        ax.axhline(0.0, color="k", linestyle="--", linewidth=0.8, label="offered = true")
        for name, color in (("train", "tab:gray"), ("test", "tab:red")):
            m = split_ == name
            ax.scatter(p[m], miss[m], s=12, color=color, label=f"{name} points")
        ax.set_title(str(r), fontsize=10)
        ax.set_xlabel("normalised P")
        ax.set_ylabel("offered − true\n(% of mean DS cost)")
        ax.set_xticks(TICKS)
        ax.yaxis.set_major_locator(plt.MaxNLocator(5))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


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
