"""Sentences and printed tables of chapter 04 (Markdown), from a store or the tables of
`forlab.studies.ch04_for_representation.readers`: the candidates and the chosen offers as the page prints them
(`candidate_printable`, `offer_printables`, `offer_tables`), what convexity costs (`convexity_text`), each offer's
errors with the verdict on the false-feasible target (`offer_lines`, `target_verdict`, `points_needed`,
`LOW_RATE`), the two estimates of the FOR volume kept (`volume_agreement_text`, `volume_summary`) and what an offer
file holds (`offer_contents_text`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

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
from forlab.p1_for.offer import Offer
from forlab.p1_for.representation import clopper_pearson_upper
from forlab.studies.ch04_for_representation.readers import (
    CONFIDENCE,
    CONFIDENCE_TEXT,
    _volume_interval,
    candidate_table,
    volume_agreement,
)

__all__ = [
    "CANDIDATE_HEADERS",
    "CANDIDATE_INDEX",
    "LOW_RATE",
    "MARGIN_HEADER",
    "OFFER_PARTS",
    "OFFER_TABLE_TITLES",
    "PICKLED_WORDS",
    "PRICE_HEADERS",
    "REGION_HEADERS",
    "candidate_printable",
    "convexity_text",
    "offer_contents_text",
    "offer_lines",
    "offer_printables",
    "offer_tables",
    "points_needed",
    "target_verdict",
    "volume_agreement_text",
    "volume_summary",
]


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
