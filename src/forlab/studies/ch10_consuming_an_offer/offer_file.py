"""The offer file of chapter 10: which file the chapter reads (`offer_path`, the parameter
``offer_file``) and where offers come from (`chapter_04_offers`), the small offer the chapter writes itself when
none is given (`write_small_offer`), and what a TSO can check on the file alone (`checks`, on a grid over the box
`box_grid`; `rejection`: what a file in another format gets).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from forlab.book import store as store_
from forlab.grid import td
from forlab.p1_for.offer import FORMAT, Offer, check_margin, check_region
from forlab.studies import ch04_for_representation as ch04  # where offer files come from

__all__ = [
    "CHAPTER",
    "GRID_POINTS",
    "OFFER_CHAPTER",
    "as_offer_file",
    "box_grid",
    "chapter_04_offers",
    "check_offer_file",
    "checks",
    "offer_path",
    "rejection",
    "write_small_offer",
]


CHAPTER = "10_consuming_an_offer"
GRID_POINTS = 31
"""Points per axis of the numpy grid over the offer's box (validation, probe points, grid search)."""


def offer_path(params: dict) -> Path:
    """The offer file the chapter reads: ``params["offer_file"]`` (relative to the repository root, wherever the
    kernel runs), or, when it is empty, ``<store stem>-offer.json`` next to the chapter's store."""
    given = params["offer_file"]
    if given:
        path = Path(given)
        root = store_.repository_root()
        return path if path.is_absolute() or root is None else root / path
    target = store_.path_for(CHAPTER, params)
    return target.with_name(f"{target.stem}-offer.json")


OFFER_CHAPTER = "04_for_representation"
"""The chapter that writes offer files (`forlab.studies.ch04_for_representation.save_offers`)."""


def as_offer_file(path: Path) -> str:
    """The ``offer_file`` value that names ``path`` (`offer_path` the other way round): relative to the repository
    root when it lies there, else absolute."""
    return store_.relative_to_repository(Path(path).resolve(), store_.repository_root()).as_posix()


def chapter_04_offers(shown: int = 3) -> str:
    """Where chapter 04 writes its offers, for a message about ``offer_file`` ("an offer that ..."): its command and
    ``<hash>-offers/`` next to its stores (`forlab.studies.ch04_for_representation.save_offers`), one file per DS
    named by its ``offer_file``, relative to the repository root as ``offer_file`` is read; then up to ``shown``
    such files that exist now."""
    folder = store_.results_root() / OFFER_CHAPTER
    where = f"{as_offer_file(folder)}/<hash>{ch04.OFFERS_FOLDER}/{ch04.offer_file('<system>/<DS>')}"
    found = [as_offer_file(f) for f in sorted(folder.glob(f"*{ch04.OFFERS_FOLDER}/*.json"))[:shown]]
    there = f"there now: {', '.join(found)}" if found else "none there yet"
    return f"`forlab run {OFFER_CHAPTER}` writes to {where} ({there})"


def check_offer_file(given: str, path: Path) -> None:
    """ValueError naming ``offer_file`` (``given``, as the user typed it) unless ``path`` (`offer_path`) is a file
    that loads as an offer (`forlab.p1_for.offer.Offer.load`: JSON, the format, its checks; a few milliseconds), so
    that a missing or bad file stops before a kernel starts, with where offers come from (`chapter_04_offers`)."""
    if not path.is_file():
        missing = "a folder, not a file" if path.is_dir() else "no such file"
        raise ValueError(f"offer_file {given!r}: {missing} (offer_file is read as a JSON offer file, relative to the "
                         f"repository root). Pass an offer that {chapter_04_offers()}, or leave offer_file empty "
                         f"for the chapter's own small offer of ds")
    try:
        Offer.load(path)
    except ValueError as err:
        raise ValueError(f"offer_file {given!r}: {err}") from None


def write_small_offer(params: dict, path: Path) -> Path:
    """The DSO's side, done here so that the page has a file to read: sample and fit the offer of DS ``params["ds"]``
    (``"<study system>/<DS>"``) with the small settings of the parameters, and save it as JSON at ``path``."""
    from forlab.p1_for.representation import make_offer

    system_name, ds_name = td.split_ds(params["ds"])
    system = td.load_system(system_name)
    pcc = system.pcc[system.pcc.ds == ds_name].iloc[0]
    offer, *_ = make_offer(
        system.ds[ds_name], n_directions=params["n_directions"], face_grid=params["face_grid"],
        n_labelled=params["n_labelled"], n_cost=params["n_cost"], degrees=tuple(params["degrees"]), regs=(1e-5,),
        seed=params["seed"], pcc={"system": system_name, "ds": ds_name, "ts_bus": int(pcc.ts_bus)})
    return offer.save(path)


def box_grid(offer: Offer, n: int = GRID_POINTS) -> np.ndarray:
    """An n x n x n grid over the offer's box, physical units (n^3 x 3: MW, Mvar, p.u.)."""
    axes = [np.linspace(lo, hi, n) for lo, hi in zip(offer.box.lo, offer.box.hi)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)


def checks(offer: Offer, path: Path) -> pd.DataFrame:
    """What a TSO can check on the file alone: format, box, polynomial, margin, price convexity, a non-empty region,
    and an exact round trip. Columns: check, result (text), passed (bool). A result is short: the page's table cuts a
    cell longer than pandas' ``display.max_colwidth`` (50 characters) with "...", so the eigenvalues' row gives the
    values and their unit, and its check's name says what they are."""
    raw = json.loads(Path(path).read_text())
    box_lo, box_hi = np.asarray(offer.box.lo), np.asarray(offer.box.hi)
    poly, cost = offer.polynomial, offer.cost
    eig = np.linalg.eigvalsh(0.5 * (cost.H + cost.H.T))
    grid = box_grid(offer)
    share = float(offer.feasible(*grid.T).mean())
    again = Offer.from_dict(raw, check=False).to_dict()  # the rows above report the semantic checks
    rows = [
        ("format", f"{raw.get('format')!r}", raw.get("format") == FORMAT),
        ("box: lower < upper (MW, Mvar, p.u.)", (f"P {box_lo[0]:.1f}–{box_hi[0]:.1f}, Q {box_lo[1]:.1f}–"
                                                 f"{box_hi[1]:.1f}, V {box_lo[2]:.3f}–{box_hi[2]:.3f}"),
         bool(np.all(box_lo < box_hi))),
        ("polynomial: one finite coefficient per monomial", f"degree {poly.degree}, {len(poly.coef)} coefficients",
         bool(np.all(np.isfinite(poly.coef)) and len(poly.coef) == len(poly.exps))),
        ("margin m ≥ 0", f"m = {poly.margin:.4f}", _passes(check_margin, poly)),
        ("price convex (H symmetric, eigenvalues ≥ 0)",
         f"{', '.join(f'{e:.3g}' for e in eig)} ($/h per unit of x̃²)",  # the row's name says they are eigenvalues
         bool(np.allclose(cost.H, cost.H.T) and eig.min() >= -1e-9 * max(1.0, abs(eig).max()))),
        # the verdict is Offer.check's own (its grid, the one the TSO's start is taken on); the share is the page's
        ("region not empty", f"{100 * share:.1f} % of {GRID_POINTS}³ box points offered", _passes(check_region, poly)),
        ("read, write, read gives the same offer", "same dictionary" if again == raw else "differs", again == raw),
    ]
    return pd.DataFrame(rows, columns=["check", "result", "passed"])


def _passes(check, *args) -> bool:
    """Whether ``check(*args)``, one of `forlab.p1_for.offer`'s checks (which `Offer.check` runs, stopping at the
    first failure), accepts: the table shows each check's verdict."""
    try:
        check(*args)
    except ValueError:
        return False
    return True


def rejection(path: Path) -> str:
    """The error `Offer.from_dict` raises on the file with its format string changed (what a TSO sees on a file
    that is not an offer)."""
    raw = json.loads(Path(path).read_text()) | {"format": "some-other-format/2"}
    try:
        Offer.from_dict(raw)
    except ValueError as err:
        return f"{type(err).__name__}: {err}"
    return "accepted"
