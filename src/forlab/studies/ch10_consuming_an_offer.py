"""Chapter 10, consuming an offer as a TSO: what the receiver of a P1 offer file (`forlab.p1_for.offer.Offer`, the
JSON a DSO sends) can do with that file alone, without any data of the DS grid.

`run(params)` reads the offer file (`offer_path`: the parameter ``offer_file``, or a small offer this chapter makes
first with `forlab.p1_for.representation.make_offer`, `write_small_offer`) and computes the chapter's store: the
file's checks (table ``check``), the polynomial and the price evaluated with numpy at a few PCC points (table
``point``, prefix ``pt_``), P-Q slices of the offered region (``slice_f`` over ``vslice``, ``q_mvar``, ``p_mw``), and
a small TSO model (one TS bus with a generator and the DS import, eq. (p1-tso) in miniature) built in Pyomo
(`one_bus_pyomo`, with `forlab.p1_for.formulations.offer_pyomo_block`) and in CasADi (`one_bus_casadi`, with
`forlab.p1_for.formulations.offer_casadi`): the two models' structure (table ``item``) and their solutions next to
a numpy grid search (table ``solver``, prefix ``sol_``).

Then the TSO's whole AC-OPF on the offer's study system (`tso_runs`): the DS once as the offer (eq. (p1-tso)) and once
as a small P2 surrogate fitted here (eq. (p2-tso)), each in forlab's CasADi TSOs (`forlab.p1_for.tso.TSOForOPF`,
`forlab.p2_surrogate.tso.SurrogateTSO`) and in Pyomo (`pyomo_tso`: `forlab.opf.pyomo_acopf.PyomoACOPF` with the DS
blocks of `offer_pyomo_block` / `forlab.p2_surrogate.formulations.surrogate_pyomo_block`, solved by ripopt or an
ipopt executable), from the same start and timed by the fastest of ``repeats`` solves (table ``tso``, prefix
``tso_``), and whether the two engines agree within `PCC_TOL_PU` and `OBJECTIVE_TOL_REL` (table ``representation``,
prefix ``agree_``). Every variable carries ``units`` ("1" for counts, flags, dimensionless values and text). Costs
in $/h.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import logging
import numbers
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import store as store_
from forlab.book.plots import EDGE_LINE, EDGE_WORDS, ZERO_LINE, ZERO_WORDS, edge_lines
from forlab.book.runner import check_non_negative, check_positive_value, check_types
from forlab.book.tables import (
    TitledTable,
    fixed_columns,
    grouped,
    listed,
    printable,
    table,
    to_dataset,
    wrappable,
)
from forlab.grid import td
from forlab.opf.outcome import timed
from forlab.p1_for.formulations import offer_casadi, offer_pyomo_block
from forlab.p1_for.offer import FORMAT, Offer, check_margin, check_region
from forlab.p1_for.polynomial import edge_on_segment
from forlab.p1_for.representation import check_n_cost
from forlab.studies import ch04_for_representation as ch04  # where offer files come from
from forlab.studies.ch03_for_sampling import AXIS_LABELS  # the PCC axes in chapter 03's words
from forlab.studies.ch04_for_representation import PICKLED_WORDS  # JSON size vs bytes sent

CHAPTER = "10_consuming_an_offer"
GRID_POINTS = 31
"""Points per axis of the numpy grid over the offer's box (validation, probe points, grid search)."""
SLICE_POINTS = 121
OUTSIDE_SHARE = 0.1
"""How far beyond the box's upper P bound (share of the P range) the probe point outside the box lies."""
NO_SOLVER = "no NLP solver"
PCC_TOL_PU = 1e-4
"""Pyomo and CasADi TSOs agree when their PCC points differ by at most this (P and Q over the base MVA, V; p.u.)..."""
OBJECTIVE_TOL_REL = 1e-6
"""... and their objectives by at most this share of the CasADi objective (issue 19)."""
ENGINES = {"casadi": "CasADi + Ipopt", "pyomo": "Pyomo + {solver}"}
REPRESENTATIONS = {"offer": "P1 offer", "surrogate": "P2 surrogate"}
TSO_UNITS = {"representation": "1", "engine": "1", "status": "1", "success": "1", "objective": "$/h",
             "pcc_p_mw": "MW", "pcc_q_mvar": "Mvar", "pcc_vm_pu": "p.u.", "solve_time_s": "s", "wall_time_s": "s",
             "build_time_s": "s", "iterations": "1"}
AGREE_UNITS = {"pcc_diff_pu": "p.u.", "objective_rel_diff": "1", "agree": "1"}
USD_H, USD_MWH = r"\$/h", r"\$/MWh"
"""Currency units in generated Markdown: the dollar escaped, or MyST would read the text between two as math."""
POINT_LABELS = {"deepest": "deepest offered point", "edge": "edge (+P from the deepest)",
                "box_only": "in the box, not offered", "outside": "outside the box"}
POINT_UNITS = {"p_mw": "MW", "q_mvar": "Mvar", "vm_pu": "p.u.", "f": "1", "in_box": "1", "feasible": "1",
               "price": "$/h", "dc_dp": "$/MWh", "dc_dq": "$/Mvarh"}
POINT_HEADERS = {"label": "PCC point", "p_mw": "P (MW)", "q_mvar": "Q (Mvar)", "vm_pu": "V (p.u.)",
                 "f": "f + m", "in_box": "in the box", "feasible": "offered", "price": "price ($/h)",
                 "dc_dp": "dC/dP ($/MWh)"}
POINT_DIGITS = {"p_mw": 2, "q_mvar": 2, "vm_pu": 4, "f": 4, "price": 2, "dc_dp": 2}
"""Decimals of the probe points' rows on the page."""
SOLUTION_UNITS = {"status": "1", "pg_mw": "MW", "qg_mvar": "Mvar", "p_mw": "MW", "q_mvar": "Mvar", "vm_pu": "p.u.",
                  "gen_cost": "$/h", "price": "$/h", "total": "$/h", "f": "1", "time_s": "s"}
SOLUTION_HEADERS = {"status": "status", "pg_mw": "generator P (MW)", "p_mw": "DS import P (MW)",
                    "q_mvar": "DS import Q (Mvar)", "vm_pu": "V (p.u.)", "gen_cost": "generation ($/h)",
                    "price": "offered price ($/h)", "total": "total ($/h)", "f": "f + m", "time_ms": "time (ms)"}
SOLUTION_DIGITS = {"pg_mw": 2, "p_mw": 2, "q_mvar": 2, "vm_pu": 4, "gen_cost": 2, "price": 2, "total": 2, "f": 4,
                   "time_ms": 1}
"""Decimals of the solutions' rows on the page."""
STRUCTURE_ROWS = {"variables": "decision variables", "bounded": "variables with bounds",
                  "equalities": "equality constraints (power balance)", "inequalities": "inequality constraints (region)",
                  "terms": "terms of the region polynomial", "jacobian_nonzeros": "nonzeros of the constraint Jacobian"}
PYOMO_COMPONENTS = {
    "pg": ("Var", "generator active power (MW)"),
    "qg": ("Var", "generator reactive power (Mvar)"),
    "ds": ("Block", "the offer (offer_pyomo_block)"),
    "ds.p_mw": ("Var", "DS import P (MW), within the box"),
    "ds.q_mvar": ("Var", "DS import Q (Mvar), within the box"),
    "ds.vm_pu": ("Var", "PCC voltage (p.u.), within the box"),
    "ds.f": ("Expression", "f(x̃) + m, the region's polynomial"),
    "ds.region": ("Constraint", "f(x̃) + m ≤ 0: the offered region"),
    "ds.cost": ("Expression", "C(x̃), the offered price ($/h)"),
    "p_balance": ("Constraint", "P_g = TS load + DS import P"),
    "q_balance": ("Constraint", "Q_g = TS load + DS import Q"),
    "gen_cost": ("Expression", "c₂ P_g² + c₁ P_g ($/h)"),
    "total_cost": ("Objective", "minimise gen_cost + ds.cost"),
}


# --------------------------------------------------------------------------- the offer file
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


PARAMETER_TYPES = {
    "offer_file": str, "ds": str, "n_directions": int, "face_grid": int, "n_labelled": int, "n_cost": int,
    "degrees": (list, int), "seed": int, "slice_positions": (list, float), "ts_load_mw": float, "ts_load_mvar": float,
    "gen_p_max_mw": float, "gen_q_max_mvar": float, "gen_cost_per_mwh": float, "gen_cost_per_mw2h": float,
    "surrogate_samples": int, "pyomo_solver": str, "repeats": int,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


def check_params(params: dict) -> None:
    """ValueError naming the parameter that does not fit and what to pass (a wrong type:
    `forlab.book.runner.ParameterTypeError`, a TypeError and a ValueError), before anything heavy runs: without an
    ``offer_file``, ``ds`` must name a study system (`forlab.grid.td.parse_system`, which builds nothing) and one of
    its DSs; the sampling counts must be non-negative (``n_directions``, ``face_grid``) or positive (``n_labelled``),
    ``n_cost`` at least `forlab.p1_for.representation.MIN_COST_POINTS` (the price's fit needs them), ``seed``
    non-negative, ``degrees`` a non-empty subset of `forlab.p1_for.polynomial.DEGREES`; the generator's
    ``gen_p_max_mw`` positive and above ``ts_load_mw`` (`_check_generator`); a given ``offer_file`` must load as an
    offer (`check_offer_file`)."""
    check_types(params, PARAMETER_TYPES, CHAPTER)
    if not params["offer_file"]:
        td.check_ds(params["ds"], "ds")
    check_non_negative(params, ("n_directions", "face_grid", "seed"))
    check_positive_value("n_labelled", params["n_labelled"], integer=True)
    check_n_cost(params["n_cost"])
    from forlab.p1_for.polynomial import DEGREES

    degrees = params["degrees"]
    if not degrees or any(isinstance(d, bool) or d not in DEGREES for d in degrees):
        raise ValueError(f"degrees must be a non-empty list of polynomial degrees out of {list(DEGREES)}, e.g. "
                         f"[2, 4], got {degrees!r}")
    if len(params["slice_positions"]) != 2 or not all(0 <= s <= 1 for s in params["slice_positions"]):
        raise ValueError(f"slice_positions are two shares of the voltage range in [0, 1], got "
                         f"{params['slice_positions']!r}")
    for key in ("ts_load_mw", "gen_p_max_mw", "gen_q_max_mvar", "gen_cost_per_mwh", "gen_cost_per_mw2h"):
        if not isinstance(params[key], (int, float)) or isinstance(params[key], bool) or params[key] < 0:
            raise ValueError(f"{key} must be a non-negative number, got {params[key]!r}")
    _check_generator(params["ts_load_mw"], params["gen_p_max_mw"])
    from forlab.opf.pyomo_acopf import SOLVERS

    if params["pyomo_solver"] not in SOLVERS:
        raise ValueError(f"pyomo_solver must be one of {SOLVERS}, got {params['pyomo_solver']!r}")
    if not isinstance(params["surrogate_samples"], int) or isinstance(params["surrogate_samples"], bool) \
            or params["surrogate_samples"] < 100:
        raise ValueError(f"surrogate_samples must be an integer >= 100, got {params['surrogate_samples']!r}")
    check_positive_value("repeats", params["repeats"], integer=True)
    if params["offer_file"]:  # last: reading the file is the check's one step that touches the disk
        check_offer_file(params["offer_file"], offer_path(params))


def _check_generator(ts_load_mw: float, gen_p_max_mw: float) -> None:
    """ValueError naming the parameter unless the TS generator has capacity (``gen_p_max_mw`` > 0) and more than
    the TS load (``ts_load_mw`` < ``gen_p_max_mw``). A necessary check, not a sufficient one: the DS import covers
    the rest of the load only within the offer's box (and region), which is known only once the offer is read."""
    if gen_p_max_mw <= 0:
        raise ValueError(f"gen_p_max_mw must be > 0 MW (the TS generator's capacity), got {gen_p_max_mw!r}")
    if ts_load_mw >= gen_p_max_mw:
        raise ValueError(f"ts_load_mw must be below gen_p_max_mw ({gen_p_max_mw!r} MW), got {ts_load_mw!r}: pass a "
                         f"smaller ts_load_mw or a larger gen_p_max_mw. The DS import can cover the rest of the load "
                         f"only within its box, so this is a necessary check, not a sufficient one")


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


def rejection_text(st: xr.Dataset) -> str:
    """Markdown: what `Offer.load` says about a file with another format string (stored by `run`)."""
    return f"`{st.attrs['rejection']}`"


# --------------------------------------------------------------------------- numpy evaluation
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


# --------------------------------------------------------------------------- the TSO's model
def tso_data(params: dict) -> dict:
    """The TSO's own data for the small model: TS load at the PCC bus, generator limits and cost."""
    return {"load_mw": float(params["ts_load_mw"]), "load_mvar": float(params["ts_load_mvar"]),
            "p_max": float(params["gen_p_max_mw"]), "q_max": float(params["gen_q_max_mvar"]),
            "c1": float(params["gen_cost_per_mwh"]), "c2": float(params["gen_cost_per_mw2h"])}


def one_bus_pyomo(offer: Offer, tso: dict, start: np.ndarray):
    """The small Pyomo model of the section on optimisation (components: `PYOMO_COMPONENTS`): one TS bus with a
    generator and the DS import, the offer's block constraining the import, minimising generation cost plus the
    offered price. Not the TSO's whole AC-OPF, which is `pyomo_tso`."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name="TSO bus with one DS import")
    m.pg = pyo.Var(bounds=(0.0, tso["p_max"]), initialize=tso["load_mw"] + float(start[0]))
    m.qg = pyo.Var(bounds=(-tso["q_max"], tso["q_max"]), initialize=tso["load_mvar"] + float(start[1]))
    blk = offer_pyomo_block(offer, m, "ds")
    for var, value in zip((blk.p_mw, blk.q_mvar, blk.vm_pu), start):
        var.set_value(float(value))
    m.p_balance = pyo.Constraint(expr=m.pg == tso["load_mw"] + blk.p_mw)
    m.q_balance = pyo.Constraint(expr=m.qg == tso["load_mvar"] + blk.q_mvar)
    m.gen_cost = pyo.Expression(expr=tso["c2"] * m.pg ** 2 + tso["c1"] * m.pg)
    m.total_cost = pyo.Objective(expr=m.gen_cost + blk.cost, sense=pyo.minimize)
    return m


def one_bus_casadi(offer: Offer, tso: dict) -> tuple[dict, dict]:
    """The same one-bus model as `one_bus_pyomo`, for CasADi's ``nlpsol``: x = (P_g, Q_g, P, Q, V), g = (P balance,
    Q balance, f + m); returns (nlp, bounds)."""
    import casadi as ca

    x = ca.SX.sym("x", 5)
    region, price = offer_casadi(offer, x[2], x[3], x[4])
    gen = tso["c2"] * x[0] ** 2 + tso["c1"] * x[0]
    g = ca.vertcat(x[0] - tso["load_mw"] - x[2], x[1] - tso["load_mvar"] - x[3], region)
    bounds = {"lbx": [0.0, -tso["q_max"], *offer.box.lo], "ubx": [tso["p_max"], tso["q_max"], *offer.box.hi],
              "lbg": [0.0, 0.0, -np.inf], "ubg": [0.0, 0.0, 0.0]}
    return {"x": x, "f": gen + price, "g": g}, bounds


def structure(model, nlp: dict, offer: Offer) -> pd.DataFrame:
    """The two models' sizes (`STRUCTURE_ROWS`), columns ``pyomo`` and ``casadi``."""
    import casadi as ca
    import pyomo.environ as pyo
    from pyomo.core.expr.visitor import identify_variables

    cons = list(model.component_data_objects(pyo.Constraint, active=True))
    variables = list(model.component_data_objects(pyo.Var))
    terms = int(np.count_nonzero(offer.polynomial.coef))
    pyomo = {"variables": len(variables), "bounded": sum(v.has_lb() or v.has_ub() for v in variables),
             "equalities": sum(c.equality for c in cons), "inequalities": sum(not c.equality for c in cons),
             "terms": terms, "jacobian_nonzeros": sum(len(list(identify_variables(c.body))) for c in cons)}
    casadi = {"variables": int(nlp["x"].numel()), "bounded": int(nlp["x"].numel()), "equalities": 2,
              "inequalities": int(nlp["g"].numel()) - 2, "terms": terms,
              "jacobian_nonzeros": int(ca.jacobian(nlp["g"], nlp["x"]).nnz())}
    return pd.DataFrame({"pyomo": pyomo, "casadi": casadi})


def _solution(offer: Offer, tso: dict, x, status: str, seconds: float) -> dict:
    """One row of `solutions` from x = (P_g, Q_g, P, Q, V)."""
    pg, qg, p, q, v = (float(a) for a in x)
    gen, price = tso["c2"] * pg ** 2 + tso["c1"] * pg, float(offer.cost_of(p, q, v)[0])
    return {"status": status, "pg_mw": pg, "qg_mvar": qg, "p_mw": p, "q_mvar": q, "vm_pu": v, "gen_cost": gen,
            "price": price, "total": gen + price, "f": float(offer.f(p, q, v)[0]), "time_s": seconds}


def pyomo_solver_available(name: str = "ripopt") -> bool:
    """Whether Pyomo finds the NLP solver ``name`` ("ripopt": the pyomo-ripopt wheel; "ipopt": an executable on
    PATH, e.g. conda-forge's), `forlab.opf.pyomo_acopf.solver_available`."""
    from forlab.opf.pyomo_acopf import solver_available

    with _quiet_pyomo():
        return solver_available(name)


@contextlib.contextmanager
def _quiet_pyomo():
    """Pyomo's warnings about missing executables go to its logger: silenced here, the page says it in words."""
    logger = logging.getLogger("pyomo")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def solve_pyomo(model, offer: Offer, tso: dict, solver: str = "ripopt") -> dict:
    """Solve the Pyomo model with ``solver`` when Pyomo finds it; else a row with status `NO_SOLVER`."""
    import pyomo.environ as pyo

    from forlab.opf.pyomo_acopf import solver_factory

    if not pyomo_solver_available(solver):
        return {"status": NO_SOLVER}
    t0 = time.perf_counter()
    with _quiet_pyomo():
        res = solver_factory(solver).solve(model)
    x = [pyo.value(v) for v in (model.pg, model.qg, model.ds.p_mw, model.ds.q_mvar, model.ds.vm_pu)]
    return _solution(offer, tso, x, str(res.solver.termination_condition), time.perf_counter() - t0)


def pyomo_label(solver: str) -> str:
    """The row / engine name of a Pyomo model solved by ``solver``."""
    return ENGINES["pyomo"].format(solver=solver)


def solve_casadi(nlp: dict, bounds: dict, offer: Offer, tso: dict, start: np.ndarray) -> dict:
    """Solve the CasADi model with the Ipopt that ships with CasADi, from ``start`` (the deepest offered point)."""
    import casadi as ca

    solver = ca.nlpsol("tso", "ipopt", nlp, {"print_time": False, "ipopt.print_level": 0, "ipopt.sb": "yes"})
    x0 = [tso["load_mw"] + start[0], tso["load_mvar"] + start[1], *start]
    t0 = time.perf_counter()
    sol = solver(x0=x0, **bounds)
    seconds = time.perf_counter() - t0
    return _solution(offer, tso, np.asarray(sol["x"]).ravel(), solver.stats()["return_status"], seconds)


GRID_FOUND, GRID_NONE = "best grid point", "no feasible grid point"
"""The grid search's statuses: it has no optimality or infeasibility certificate, only its grid."""


def grid_search(offer: Offer, tso: dict, n: int = GRID_POINTS) -> dict:
    """The cheapest offered point of an n³ grid over the box (numpy only), the generator within its limits; its
    status says what a grid can tell (`GRID_FOUND`, `GRID_NONE`), never "optimal"."""
    t0 = time.perf_counter()
    pts = box_grid(offer, n)
    pg, qg = tso["load_mw"] + pts[:, 0], tso["load_mvar"] + pts[:, 1]
    ok = offer.feasible(*pts.T) & (pg >= 0) & (pg <= tso["p_max"]) & (np.abs(qg) <= tso["q_max"])
    total = np.where(ok, tso["c2"] * pg ** 2 + tso["c1"] * pg + offer.cost_of(*pts.T), np.inf)
    k = int(np.argmin(total))
    status = GRID_FOUND if np.isfinite(total[k]) else GRID_NONE
    return _solution(offer, tso, [pg[k], qg[k], *pts[k]], status, time.perf_counter() - t0)


def solutions(offer: Offer, tso: dict, solver: str = "ripopt") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(solutions, structure): the Pyomo model solved by ``solver`` when Pyomo finds it, the same model in CasADi,
    and a numpy grid search, one row each (index ``solver``); and the models' `structure`."""
    start = probe_points(offer)[["p_mw", "q_mvar", "vm_pu"]].to_numpy()[0]
    model = one_bus_pyomo(offer, tso, start)
    nlp, bounds = one_bus_casadi(offer, tso)
    rows = {pyomo_label(solver): solve_pyomo(model, offer, tso, solver),
            "CasADi + Ipopt": solve_casadi(nlp, bounds, offer, tso, start),
            f"numpy, grid of {GRID_POINTS}³ points": grid_search(offer, tso)}
    sol = pd.DataFrame.from_dict(rows, orient="index")
    sol.index.name = "solver"
    return sol, structure(model, nlp, offer)


# --------------------------------------------------------------------------- the TSO's whole AC-OPF, Pyomo beside CasADi
def pcc_bus(system, ds: str) -> int:
    """The TS bus of DS ``ds``'s PCC in ``system`` (its first, for a DS of two): where both TSOs attach the DS."""
    return int(system.pcc[system.pcc.ds == ds].ts_bus.iloc[0])


def offer_system(offer: Offer) -> tuple[object, str, int] | None:
    """(study system, built; DS; TS bus of its PCC) named by the offer's ``pcc`` when it names a forlab study system
    (the offers of chapters 04 and 10 do); None for any other offer. The file's ``pcc`` is checked against the
    system, since the CasADi TSO would attach the DS at the file's bus and the Pyomo TSO at the system's: ValueError
    naming the field and what to change unless ``pcc.ds`` is a DS of the system and ``pcc.ts_bus`` the integer
    index of that DS's PCC bus there (`pcc_bus`)."""
    pcc = offer.pcc
    if pcc.get("system") not in td.available_systems() or "ds" not in pcc or "ts_bus" not in pcc:
        return None
    name, ds, ts_bus = pcc["system"], pcc["ds"], pcc["ts_bus"]
    dss = [d.name for d in td.parse_system(name)[1]]
    if ds not in dss:
        raise ValueError(f"the offer file's pcc.ds is {ds!r}, no DS of study system {name!r} (its pcc.system): set "
                         f"pcc.ds to one of {dss}, or pcc.system to the DS's study system")
    if not isinstance(ts_bus, numbers.Integral) or isinstance(ts_bus, bool):
        msg = f"the offer file's pcc.ts_bus must be an integer (the TS bus index of the DS's PCC), got {ts_bus!r}"
        raise ValueError(msg)  # noqa: TRY004 - a bad file is a ValueError whatever is wrong in it, as in Offer.load
    system = td.load_system(name)
    if int(ts_bus) != (bus := pcc_bus(system, ds)):
        raise ValueError(f"the offer file's pcc.ts_bus is {ts_bus}, but DS {ds!r} of study system {name!r} is tied "
                         f"to TS bus {bus}: set pcc.ts_bus to {bus} (or pcc.system to the system the offer was made "
                         f"for)")
    return system, ds, bus


def one_ds_system(system, ds: str):
    """The study system with DS ``ds`` alone: the other DSs' imports stay in the TS as the fixed loads of their
    base case (their placeholder loads lose the ``ds_import`` flag), so both TSOs replace only ``ds``."""
    ts = copy.deepcopy(system.ts)
    other = ts.load["ds_import"].notna() & (ts.load["ds_import"] != ds)
    ts.load["ds_import"] = ts.load["ds_import"].where(~other, None)
    return dataclasses.replace(system, ts=ts, ds={ds: system.ds[ds]}, pcc=system.pcc[system.pcc.ds == ds].copy())


def small_surrogate(system, ds: str, n_samples: int, seed: int):
    """P2's DS side for the TSO section: a surrogate of DS ``ds`` (polytope + quadratic regressors, chapter 06's
    default options) fitted on ``n_samples`` power flows of the DS alone (`forlab.p2_surrogate.model`)."""
    from forlab.p2_surrogate import dataset, model

    pcc = system.pcc[system.pcc.ds == ds]
    space = dataset.input_space(system.ds[ds], ds, len(pcc))
    data = dataset.generate(dataset.DSFlow(system.ds[ds], list(pcc.ds_bus)), space, n_samples, seed=seed)
    train, test = model.split(n_samples, 0.2, seed)
    sur, _ = model.fit_surrogate(data, space, model.SurrogateOptions(), train, test)
    return sur


def offer_extension(ds: str, offer: Offer, ts_bus: int):
    """DS ``ds`` as its offer in the Pyomo TSO, eq. (p1-tso): `offer_pyomo_block` on the voltage of TS bus
    ``ts_bus`` (pandapower index), its import (P, Q) added to that bus's demand, its price to the objective."""
    from forlab.opf.pyomo_acopf import PyomoExtension

    def block(mod, m):
        return offer_pyomo_block(offer, vm_pu=m.vm[int(mod.bus_lookup[ts_bus])])

    def demand(mod, m, blk):
        return [(int(mod.bus_lookup[ts_bus]), blk.p_mw / mod.base_mva, blk.q_mvar / mod.base_mva)]

    return PyomoExtension(f"offer_{ds}", block, demand, lambda mod, m, blk: [blk.cost])


def surrogate_extension(ds: str, sur, ts_buses: list[int]):
    """DS ``ds`` as its P2 surrogate in the Pyomo TSO, eq. (p2-tso): `surrogate_pyomo_block` on the voltages of
    its PCC buses ``ts_buses`` (PCC order), the predicted import of each PCC added to its bus's demand, the FPUs'
    cost to the objective."""
    from forlab.opf.pyomo_acopf import PyomoExtension
    from forlab.p2_surrogate.formulations import surrogate_pyomo_block

    def block(mod, m):
        b = mod.bus_lookup[ts_buses].to_numpy(int)
        return surrogate_pyomo_block(sur, [m.vm[int(k)] for k in b], [m.va[int(k)] for k in b])

    def demand(mod, m, blk):
        b = mod.bus_lookup[ts_buses].to_numpy(int)
        return [(int(k), blk.p_mw[i] / mod.base_mva, blk.q_mvar[i] / mod.base_mva) for i, k in enumerate(b)]

    return PyomoExtension(f"surrogate_{ds}", block, demand, lambda mod, m, blk: [blk.cost])


def pyomo_tso(system, offers: dict | None = None, surrogates: dict | None = None, solver: str = "ripopt"):
    """The TSO's whole AC-OPF in Pyomo (`forlab.opf.pyomo_acopf.PyomoACOPF`; not the one-bus model of
    `one_bus_pyomo`) on the TS of ``system`` with every DS as its offer (``offers``: DS -> Offer, eq. (p1-tso)) or its
    surrogate (``surrogates``: DS -> DSSurrogate, eq. (p2-tso)); the placeholder loads of exactly those DSs are
    removed, as the CasADi TSOs do. solver: "ripopt" or "ipopt"."""
    from forlab.opf.pyomo_acopf import PyomoACOPF

    offers, surrogates = offers or {}, surrogates or {}
    if set(offers) & set(surrogates) or not set(offers) | set(surrogates) <= set(system.ds):
        raise ValueError(f"offers and surrogates must name distinct DSs of {system.name} ({list(system.ds)}), got "
                         f"{list(offers)} and {list(surrogates)}")
    net = copy.deepcopy(system.ts)
    net.load = net.load[~net.load["ds_import"].isin([*offers, *surrogates])]
    pcc = system.pcc
    ext = [offer_extension(ds, o, pcc_bus(system, ds)) for ds, o in offers.items()]
    ext += [surrogate_extension(ds, s, [int(b) for b in pcc[pcc.ds == ds].ts_bus]) for ds, s in surrogates.items()]
    return PyomoACOPF(net, extensions=ext, solver=solver)


def _row(status: str, success: bool, objective: float, iterations: int, points: list, times: tuple) -> dict:
    """One row of the TSO table: the first PCC's point (MW, Mvar, p.u.) and every PCC's under ``points``."""
    p, q, v = points[0] if points else (np.nan,) * 3
    return {"status": str(status), "success": int(bool(success)), "objective": float(objective), "pcc_p_mw": p,
            "pcc_q_mvar": q, "pcc_vm_pu": v, "solve_time_s": times[0], "wall_time_s": times[1],
            "build_time_s": times[2], "iterations": int(iterations), "points": np.asarray(points, float)}


def casadi_offer_tso(view, ds: str, offer: Offer, ts_bus: int, repeats: int) -> tuple[dict, list]:
    """forlab's CasADi TSO with the offer (`forlab.p1_for.tso.TSOForOPF`), solved ``repeats`` times from its own
    start: its table row and that start as (va, vm, pg, qg) for the Pyomo model."""
    from forlab.p1_for.tso import TSOForOPF

    t0 = time.perf_counter()
    tso = TSOForOPF(view.ts, {ds: (offer, ts_bus)})
    build = time.perf_counter() - t0
    x0 = tso.initial_point()
    t = timed(lambda: tso.opf.solve(x0=x0), repeats)
    res, solve_s, wall_s = t.result, t.solve_time_s, t.wall_time_s
    x = res.extra["pcc"]
    row = _row(res.status, res.success, res.objective, res.iterations,
               [(float(x[0]), float(x[1]), float(res.res_bus.vm_pu[ts_bus]))], (solve_s, wall_s, build))
    return row, [x0[tso.opf.slices[k]] for k in ("va", "vm", "pg", "qg")]


def casadi_surrogate_tso(view, ds: str, sur, repeats: int) -> tuple[dict, list]:
    """forlab's CasADi TSO with the surrogate (`forlab.p2_surrogate.tso.SurrogateTSO`, base loads, no reserve: the
    NLP the Pyomo TSO builds, so that the two engines solve the same problem), solved ``repeats`` times from its own
    start: its table row and that start as (va, vm, pg, qg)."""
    from forlab.p2_surrogate.tso import SurrogateTSO

    t0 = time.perf_counter()
    tso = SurrogateTSO(view, {ds: sur}, reserve="none")
    build = time.perf_counter() - t0
    t = timed(tso.solve, repeats, lambda r: r.opf.solve_time_s)
    res, solve_s, wall_s = t.result, t.solve_time_s, t.wall_time_s
    buses = [int(b) for b in view.pcc.ts_bus]
    points = [(float(res.p_pred_mw[ds][k]), float(res.q_pred_mvar[ds][k]), float(res.opf.res_bus.vm_pu[b]))
              for k, b in enumerate(buses)]
    row = _row(res.opf.status, res.success, res.cost, res.opf.iterations, points, (solve_s, wall_s, build))
    x0 = tso.opf.initial_point("pf")
    return row, [x0[tso.opf.slices[k]] for k in ("va", "vm", "pg", "qg")]


def pyomo_points(opf, view, ds: str) -> list:
    """The PCC points (MW, Mvar, p.u.) of DS ``ds`` in a solved `pyomo_tso`, from its offer or surrogate block."""
    import pyomo.environ as pyo

    buses = [int(b) for b in view.pcc.ts_bus]
    vm = [pyo.value(opf.m.vm[int(opf.model.bus_lookup[b])]) for b in buses]
    blk = opf.m.component(f"offer_{ds}")
    if blk is not None:
        return [(pyo.value(blk.p_mw), pyo.value(blk.q_mvar), vm[0])]
    blk = opf.m.component(f"surrogate_{ds}")
    return [(pyo.value(blk.p_mw[k]), pyo.value(blk.q_mvar[k]), vm[k]) for k in range(len(buses))]


def pyomo_row(view, ds: str, start: list, solver: str, repeats: int, **reps) -> dict:
    """The Pyomo TSO (`pyomo_tso` with ``reps``: offers= or surrogates=) from the CasADi TSO's ``start``, solved
    ``repeats`` times: its table row; status `NO_SOLVER` when the solver is not installed."""
    from forlab.opf.pyomo_acopf import solver_available

    if not solver_available(solver):
        return _row(NO_SOLVER, False, np.nan, -1, [], (np.nan, np.nan, np.nan))
    t0 = time.perf_counter()
    opf = pyomo_tso(view, solver=solver, **reps)
    build = time.perf_counter() - t0
    opf.set_start(*start)
    t = timed(opf.solve, repeats)
    res, solve_s, wall_s = t.result, t.solve_time_s, t.wall_time_s
    return _row(res.status, res.success, res.objective, res.iterations, pyomo_points(opf, view, ds),
                (solve_s, wall_s, build))


def tso_runs(offer: Offer, found: tuple[object, str, int] | None, params: dict
             ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The TSO with the offer and with a small surrogate of the same DS, each in CasADi (forlab's TSOs) and in
    Pyomo (`pyomo_tso`, ``params["pyomo_solver"]``), on the offer's study system with the other DSs held at their
    base case. ``found`` is `offer_system` of the offer, which `run` checks right after loading the file. Returns
    the runs (index ``tso``: representation/engine), their `agreement` and facts for the store's attrs; an offer of
    no study system (``found`` None) gives empty tables and the reason."""
    if found is None:
        return pd.DataFrame(), pd.DataFrame(), {"tso_status": "the offer names no DS of a forlab study system"}
    system, ds, _ = found
    system_name = str(offer.pcc["system"])
    view = one_ds_system(system, ds)
    t0 = time.perf_counter()
    sur = small_surrogate(view, ds, int(params["surrogate_samples"]), int(params["seed"]))
    fit_s = time.perf_counter() - t0
    solver, n = params["pyomo_solver"], int(params["repeats"])
    rows = {}
    # the bus `pyomo_tso` attaches the DS at (the file's, checked by `offer_system`): both engines solve one problem
    rows["offer/casadi"], start = casadi_offer_tso(view, ds, offer, pcc_bus(view, ds), n)
    rows["offer/pyomo"] = pyomo_row(view, ds, start, solver, n, offers={ds: offer})
    rows["surrogate/casadi"], start = casadi_surrogate_tso(view, ds, sur, n)
    rows["surrogate/pyomo"] = pyomo_row(view, ds, start, solver, n, surrogates={ds: sur})
    runs = pd.DataFrame.from_dict(rows, orient="index")
    runs.index.name = "tso"
    runs.insert(0, "representation", [k.split("/")[0] for k in runs.index])
    runs.insert(1, "engine", [ENGINES[k.split("/")[1]].format(solver=solver) for k in runs.index])
    facts = {"tso_status": "ok", "tso_system": system_name, "tso_ds": ds, "tso_base_mva": float(view.ts.sn_mva),
             "surrogate_fit_s": fit_s, "surrogate_samples": int(params["surrogate_samples"]),
             "pyomo_engine": solver}
    return runs, agreement(runs, float(view.ts.sn_mva)), facts


def agreement(runs: pd.DataFrame, base_mva: float) -> pd.DataFrame:
    """Per representation, Pyomo against CasADi: the largest PCC difference (P and Q over ``base_mva``, V; p.u.),
    the objective's relative difference, and whether both solved and lie within `PCC_TOL_PU` and
    `OBJECTIVE_TOL_REL`."""
    out = {}
    for rep in dict.fromkeys(runs.representation):
        cas, pyo_ = runs.loc[f"{rep}/casadi"], runs.loc[f"{rep}/pyomo"]
        a, b = np.atleast_2d(cas.points), np.atleast_2d(pyo_.points)
        scale = np.array([base_mva, base_mva, 1.0])
        diff = float(np.max(np.abs(a - b) / scale)) if a.shape == b.shape and a.size else np.nan
        rel = abs(pyo_.objective - cas.objective) / abs(cas.objective)
        ok = bool(cas.success and pyo_.success and diff <= PCC_TOL_PU and rel <= OBJECTIVE_TOL_REL)
        out[rep] = {"pcc_diff_pu": diff, "objective_rel_diff": float(rel), "agree": int(ok)}
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.index.name = "representation"
    return frame


# --------------------------------------------------------------------------- the store
def run(params: dict) -> xr.Dataset:
    """The chapter's store, computed from the offer file alone (written first when the chapter makes its own). A
    file whose ``pcc`` does not fit the study system it names is refused (`offer_system`'s ValueError) right after
    loading, before any solve."""
    check_params(params)
    path = offer_path(params)
    if not params["offer_file"]:
        write_small_offer(params, path)
    offer = Offer.load(path)
    # a pcc that does not fit its study system is a bad file: said at loading, not after the solves below
    found = offer_system(offer)
    tso = tso_data(params)
    sol, struct = solutions(offer, tso, params["pyomo_solver"])
    chk = checks(offer, path).set_index("check")
    runs, agree, facts = tso_runs(offer, found, params)
    out = xr.merge([
        to_dataset(chk.assign(passed=chk.passed.astype(int)), "check", "check_", {"result": "1", "passed": "1"},
                   keep_index=True),
        to_dataset(probe_points(offer), "point", "pt_", POINT_UNITS | {"label": "1"}, keep_index=True),
        slices(offer, params["slice_positions"]),
        to_dataset(sol, "solver", "sol_", SOLUTION_UNITS, keep_index=True),
        to_dataset(struct, "item", "struct_", {"pyomo": "1", "casadi": "1"}, keep_index=True),
        *_tso_datasets(runs, agree),
    ])
    out["offer_json"] = ((), path.read_text(), {"units": "1", "long_name": "the offer file as received"})
    out["margin"] = ((), float(offer.polynomial.margin), {"units": "1", "long_name": "margin m of the region"})
    out["box"] = (("corner", "axis"), np.array([offer.box.lo, offer.box.hi], float),
                  {"units": "MW, Mvar, p.u. along axis", "long_name": "the offer's bounding box"})
    out = out.assign_coords(corner=["lo", "hi"], axis=["p_mw", "q_mvar", "vm_pu"])
    out.attrs.update({"offer_file": store_.shown_path(path), "offer_bytes": path.stat().st_size,
                      "rejection": rejection(path), "pyomo_solver": int(pyomo_solver_available(params["pyomo_solver"])),
                      "pyomo_solver_name": params["pyomo_solver"], "timing_repeats": int(params["repeats"]),
                      "grid_points": GRID_POINTS}
                     | tso | facts)
    return out


def _tso_datasets(runs: pd.DataFrame, agree: pd.DataFrame) -> list[xr.Dataset]:
    """The TSO runs (table ``tso_``) and their agreement (``agree_``) as store variables with units, plus the
    tolerances; nothing when the offer names no study system."""
    if runs.empty:
        return []
    tol = xr.Dataset({"pcc_tol_pu": ((), PCC_TOL_PU, {"units": "p.u.", "long_name": "PCC agreement tolerance"}),
                      "objective_tol_rel": ((), OBJECTIVE_TOL_REL, {"units": "1",
                                                                     "long_name": "objective agreement tolerance"})})
    return [to_dataset(runs.drop(columns="points"), "tso", "tso_", TSO_UNITS, keep_index=True),
            to_dataset(agree, "representation", "agree_", AGREE_UNITS, keep_index=True), tol]


def offer(st: xr.Dataset) -> Offer:
    """The offer held in the store (the file's text, ``offer_json``)."""
    return Offer.from_dict(json.loads(str(st.offer_json.values)))


# --------------------------------------------------------------------------- readers, tables and text
def file_text(st: xr.Dataset) -> str:
    """Markdown: the file, its size (kB of 1000 bytes, as every chapter counts them) against the pickled bytes other
    chapters count as exchanged (`forlab.studies.ch04_for_representation.PICKLED_WORDS`), and what it holds (and
    does not)."""
    d = json.loads(str(st.offer_json.values))
    poly = d["polynomial"]
    parts = []  # the optional sections only where the file has them (`_missing_sections` says which it has not)
    if d.get("pcc"):
        parts.append(f"`pcc` names the coupling point ({_fields(d['pcc'])})")
    if d.get("base"):
        parts.append(f"`base` {'its' if d.get('pcc') else 'the'} base values ({_fields(d['base'])})")
    terms = f"{len(poly['coef'])} coefficients"
    parts += ["`box` the bounding box over (P, Q, V)",
              f"`polynomial` the region's degree-{poly['degree']} polynomial with {terms} and its margin",
              "`cost` the price's $H$, $g$ and $c_0$"]
    if d.get("info"):
        parts.append(f"`info` how the DSO fitted them ({', '.join(f'`{k}`' for k in list(d['info'])[:8])}, ...)")
    return (
        f"The file `{st.attrs['offer_file']}` is {grouped(int(st.attrs['offer_bytes']) / 1e3, 1)} kB of JSON with the "
        "keys "
        f"{', '.join(f'`{k}`' for k in d)}. {', '.join(parts[:-1])}, and {parts[-1]}{_convex_words(d)}."
        f"{_missing_sections(d)} Nothing in it names a line, a bus of the DS or a load. "
        + PICKLED_WORDS + _quality(d.get("info", {}))
    )


OPTIONAL_SECTIONS = {"pcc": "where the DS is coupled", "base": "its base values",
                     "info": "the DSO's fit and its test scores"}
"""The sections an offer file may leave out (`forlab.p1_for.offer.Offer.from_dict` reads each as empty) and what
the TSO then does not learn from the file."""


def _fields(section: dict) -> str:
    """A section's fields as the page lists them: "k = v, ..."."""
    return ", ".join(f"{k} = {v}" for k, v in section.items())


def _missing_sections(d: dict) -> str:
    """A sentence on the optional sections (`OPTIONAL_SECTIONS`) the file leaves out or leaves empty, "" when it has
    all: a file a DSO wrote by hand need not have them, and the page reads it all the same (review R1 #4)."""
    missing = [k for k in OPTIONAL_SECTIONS if not d.get(k)]
    if not missing:
        return ""
    has = listed([f"an empty `{k}`" if k in d else f"no `{k}`" for k in missing])
    what = listed([OPTIONAL_SECTIONS[k] for k in missing])
    without = "without a study system in `pcc` the TSO's whole AC-OPF below is not solved, and "
    without = without if "pcc" in missing else ""
    return (f" It has {has} (each optional in the format): {without}the TSO learns {what} from the DSO by other "
            "means, or not at all.")


def _convex_words(d: dict) -> str:
    """What the offer's ``convex`` flag says, where the file has one: whether the region's polynomial was fitted
    SOS-convex (eq. (p1-sos) of chapter 04), not whether the price is (the checks below test the price); "" without
    it. Review finding: a TSO reading ``"convex": false`` beside "price convex: yes" was left to guess."""
    flag = d["polynomial"].get("convex", d.get("info", {}).get("convex"))
    if flag is None:
        return ""
    kept = "so the region constraint is convex" if flag else "so the region constraint need not be convex"
    return (f"; `convex` ({str(bool(flag)).lower()} here) says whether the region's polynomial was fitted SOS-convex, "
            f"{kept}; the price is checked on its own below")


def _quality(info: dict) -> str:
    """Sentences on the offer's own test scores, when its ``info`` has the counts: the false-feasible points with
    the file's upper bound on their rate (`_false_feasible_part`), the feasible points it refuses
    (`_false_infeasible_part`), then the volume kept (`_volume_part`)."""
    if not {"test_n_false_feasible", "test_n_infeasible", "test_false_feasible_upper"} <= set(info):
        return ""
    return (
        _false_feasible_part(info) + _false_infeasible_part(info) + _volume_part(info)
        + f" The check \"region not empty\" below counts a third share, the TSO's own: of the {GRID_POINTS}³ points of "
        "a grid over the whole box, those the offer accepts; its denominator is the box, not the FOR, so it says how "
        "much of the box is offered, not how much of the FOR is kept."
    )


def _false_feasible_part(info: dict) -> str:
    """The false-feasible test points as a count, with the file's one-sided upper bound: a rate of zero on a few
    dozen points says little by itself."""
    n_ff, n_inf = int(info["test_n_false_feasible"]), int(info["test_n_infeasible"])
    confidence = f"{100 * float(info.get('confidence', 0.95)):g} %"
    return (
        f" By the DSO's own held-out test, {'none' if n_ff == 0 else grouped(n_ff)} of its {grouped(n_inf)} infeasible "
        "test points "
        f"fell inside the offered region; on so few points the file's one-sided {confidence} upper bound on that "
        f"rate (`test_false_feasible_upper`) is still {100 * float(info['test_false_feasible_upper']):.1f} %."
    )


def _false_infeasible_part(info: dict) -> str:
    """The other side of the same test: the feasible test points the offer refuses, its conservatism, what keeping
    the infeasible ones out costs (review R5 #1: the safe side alone hid that the region refuses most feasible test points); "" when
    the file has not the rate."""
    rate, n_feas = info.get("test_false_infeasible_rate"), info.get("test_n_feasible")
    if rate is None or not n_feas:
        return ""
    out = (" The other side of the same test is the offer's conservatism: it refused "
           f"{grouped(round(float(rate) * int(n_feas)))} of its {grouped(int(n_feas))} feasible test points "
           f"(`test_false_infeasible_rate`, {100 * float(rate):.1f} %)")
    shell = info.get("test_shell_false_infeasible_rate")
    if shell is not None:
        out += (f"; of the feasible points drawn near the sampled boundary it refused {100 * float(shell):.1f} % "
                "(`test_shell_false_infeasible_rate`)")
    margin = info.get("margin")
    kept_out = f" with its margin m = {float(margin):.3g}" if margin is not None else ""
    return out + f". That is the cost of keeping the infeasible points out{kept_out}: feasible ones are left out too."


def _volume_part(info: dict) -> str:
    """The file's two volume shares, one sentence each with its denominator: the Monte-Carlo share of the samples'
    hull (``hull_volume_kept``), the DSO's volume estimate; the uniform test share (``test_volume_kept``), whose
    denominator the file does not give (a share of 3/8 reads 38 %), so it is not usable as a volume and is set
    against nothing."""
    out = ""
    hull = info.get("hull_volume_kept")
    if hull is not None:
        out += (f" The file's `hull_volume_kept`, {100 * float(hull):.1f} %, is the share of the convex hull of the "
                "DSO's boundary samples that the region covers, by Monte Carlo: the DSO's estimate of the share of "
                "the FOR's volume it keeps (the hull stands in for the FOR, whose dents lie inside it), which the TSO "
                "can read but not check.")
    kept = info.get("test_volume_kept")
    if kept is not None:
        out += (f" The file's `test_volume_kept`, {100 * float(kept):.1f} %, is the share of the feasible test "
                "points drawn uniformly in the box that the region accepts; the file does not say how many such "
                f"points there were (they are among its {grouped(int(info.get('test_n_feasible', 0)))} feasible test "
                "points), "
                "so the TSO cannot use this share as a volume.")
    return out


def checks_table(st: xr.Dataset) -> pd.DataFrame:
    """The file's checks as the page shows them."""
    t = table(st, "check", "check_", index="check")
    t["passed"] = np.where(t.passed.astype(int) == 1, "yes", "no")
    return printable(t, {"result": "result", "passed": "passed"})


FLAT_EIGENVALUE_REL = 1e-6
"""An eigenvalue of the price's H within this share of its largest one counts as zero (`price_text`): the fit
(`forlab.p1_for.price.fit_cost`) holds H positive semidefinite, and a fit that ends on that bound leaves a rest of the
solver's tolerance there, not a curvature."""
AXES = ("P", "Q", "V")


def price_text(st: xr.Dataset) -> str:
    """Markdown under the checks: what the eigenvalues of the price's H are ($/h per unit of the box-normalised
    point squared, one unit being the box's half-width on each axis) and, for an eigenvalue that is zero to the fit's
    precision (`FLAT_EIGENVALUE_REL`), what it means: no curvature along its eigenvector, named by the axis it mostly
    follows."""
    off = offer(st)
    H = np.asarray(off.cost.H, float)
    eig, vec = np.linalg.eigh(0.5 * (H + H.T))
    half = np.asarray(off.box.half, float)
    out = ("The checks' eigenvalues are those of the price's $H$, which acts on the box-normalised point "
           f"$\\tilde x$: they are in {USD_H} per unit of $\\tilde x$ squared, where one unit is the box's "
           f"half-width, {half[0]:.2f} MW in P, {half[1]:.2f} Mvar in Q and {half[2]:.4f} p.u. in V. An eigenvalue "
           "is the price's curvature across that width along its eigenvector, not a curvature per MW.")
    scale = max(float(np.abs(eig).max()), np.finfo(float).tiny)
    if eig[0] < -FLAT_EIGENVALUE_REL * scale:
        return out + f" The smallest, {eig[0]:.3g} {USD_H} per unit squared, is negative: the price is not convex."
    if eig[0] > FLAT_EIGENVALUE_REL * scale:
        return out + " All three are positive: the price curves along every direction of the box."
    axis = int(np.argmax(np.abs(vec[:, 0])))
    return out + (
        f" The smallest, {eig[0]:.3g} {USD_H} per unit squared, is zero to the fit's precision (below {FLAT_EIGENVALUE_REL:.0e} times "
        "the largest): the fit holds $H$ positive semidefinite (`forlab.p1_for.price.fit_cost`) and ended on that "
        f"bound. Along its eigenvector, whose largest component ({abs(vec[axis, 0]):.3f}) is on the {AXES[axis]} "
        "axis, the price has no curvature: it is linear there."
    )


def points_table(st: xr.Dataset) -> pd.DataFrame:
    """The probe points as the page shows them (flags as yes / no)."""
    t = table(st, "point", "pt_", index="point")
    for c in ("in_box", "feasible"):
        t[c] = np.where(t[c].astype(int) == 1, "yes", "no")
    t = fixed_columns(t, POINT_DIGITS, group=tuple(POINT_DIGITS))  # per row of the page: "21.80", not "21.8"
    return printable(t, POINT_HEADERS).set_index("PCC point").T


def _import_worth(dc_dp: float, would: bool = False) -> str:
    """What one more MW of import does to the DS's price, in chapter 05's convention: what it saves the DS
    (positive where the price falls), so that both chapters print the same number for the same slope; ``would``:
    in the conditional ("would save")."""
    save, cost = ("would save", "would cost") if would else ("saves", "costs")
    if dc_dp <= 0:
        return f"{save} the DS {grouped(-dc_dp, 2)} {USD_MWH}"
    return f"{cost} the DS {grouped(dc_dp, 2)} {USD_MWH} more"


def points_text(st: xr.Dataset) -> str:
    """Markdown: what the four points show."""
    t = table(st, "point", "pt_", index="point")
    out, deep, box_only = t.loc["outside"], t.loc["deepest"], t.loc["box_only"]
    sign = "negative" if out.f <= 0 else "positive"
    return (
        f"At the deepest point $f + m = {deep.f:.3f}$ and the DS asks {grouped(deep.price, 2)} {USD_H}; one more MW of "
        f"import there {_import_worth(deep.dc_dp)}. {_edge_text(st, t.loc['edge'])} The box point farthest outside "
        f"has $f + m = {box_only.f:.3f}$. Beyond the box the "
        f"polynomial is {sign} ({out.f:.3f}) and the price {grouped(out.price, 2)} {USD_H}; neither means anything "
        "there: the "
        "DSO fitted both inside the box only, which is why `Offer.feasible` also checks the box, and why a TSO "
        "model bounds $(P, Q, V)$ by it."
    )


AT_BOUND_REL = 1e-5
"""A value within this share of its range (the box's width, the generator's limit) of a bound is at the bound: the
solvers meet their bounds to their tolerance, not exactly (`_edge_text`, `_held_by`)."""


def _box_p(st: xr.Dataset) -> tuple[float, float]:
    """The offer's P bounds (MW) from the store's ``box``."""
    return tuple(float(st.box.sel(corner=c, axis="p_mw")) for c in ("lo", "hi"))


def _edge_text(st: xr.Dataset, edge: pd.Series) -> str:
    """The edge point in words: where the region ends along +P (f + m zero to the bisection's accuracy), or the
    box's upper P face when the region reaches it (`edge_point`), where f + m is whatever the polynomial gives."""
    lo, hi = _box_p(st)
    if float(edge.p_mw) < hi - AT_BOUND_REL * (hi - lo):
        return f"On the edge $f + m$ is {edge.f:.1e}, zero to the bisection's accuracy."
    return (f"Along +P the region reaches the box: the edge point is the box's upper P bound, {hi:.2f} MW, where "
            f"$f + m = {edge.f:.3f}$; there the box, not the polynomial, ends the offer.")


def offered_ds(st: xr.Dataset) -> str:
    """The DS whose offer the store holds, as the offer's ``pcc`` names it: "<system>/<DS>", the DS alone when the
    offer names no study system, "an unnamed DS" when it names none."""
    pcc = offer(st).pcc
    if "ds" not in pcc:
        return "an unnamed DS"
    return f"{pcc['system']}/{pcc['ds']}" if "system" in pcc else str(pcc["ds"])


def casadi_solution(st: xr.Dataset) -> pd.Series:
    """The one-bus model's solution by CasADi's Ipopt (its row of the table ``solver``): the optimum the page
    discusses (`solution_text`) and the figure marks (`region_figure`)."""
    return table(st, "solver", "sol_", index="solver").loc[ENGINES["casadi"]]


def _optimum(st: xr.Dataset) -> np.ndarray | None:
    """The PCC point (MW, Mvar, p.u.) of `casadi_solution`, None when its Ipopt did not succeed (no optimum)."""
    cas = casadi_solution(st)
    if not store_.succeeded(str(cas.status)):
        return None
    return np.array([float(cas.p_mw), float(cas.q_mvar), float(cas.vm_pu)])


def _panels(st: xr.Dataset) -> list[tuple[str, xr.DataArray, np.ndarray | None]]:
    """What each panel of `region_figure` draws: (title, f + m over the P-Q grid, the point marked or None). The
    stored slices first, then, when the one-bus model has an optimum (`_optimum`), a slice at its voltage, cut from
    the stored offer by `slices` on the same grid, with the optimum marked: where the region constraint binds, the
    point lies on the slice's edge."""
    out = [(f"V = {v:.{SOLUTION_DIGITS['vm_pu']}f} p.u.", st.slice_f.sel(vslice=v), None) for v in st.vslice.values]
    x = _optimum(st)
    if x is not None:
        lo, hi = st.box.sel(axis="vm_pu").values
        cut = slices(offer(st), [(x[2] - lo) / (hi - lo)], st.sizes["p_mw"]).slice_f.isel(vslice=0)
        out.append((f"V = {x[2]:.{SOLUTION_DIGITS['vm_pu']}f} p.u.,\nthe TSO's optimum", cut, x))
    return out


OPTIMUM_MARKER = {"color": "k", "marker": "*", "markerfacecolor": "none", "markeredgewidth": 1.2, "linestyle": "",
                  "markersize": 12}
"""The one-bus TSO's optimum in `region_figure`: black, as chapter 04 draws where the TSO's OPF starts, and open, so
that the edge it lies on shows through it."""
OPTIMUM_WORDS = f"the one-bus TSO's optimum ({ENGINES['casadi']}, next section)"


def _clip_to_box(ax, artists, lo: np.ndarray, hi: np.ndarray) -> None:
    """Clip ``artists`` to the P-Q face of the offer's box: the offer holds only inside its box, and outside it the
    polynomial means nothing, so neither the fill nor a level line may run there."""
    face = plt.Rectangle((lo[0], lo[1]), hi[0] - lo[0], hi[1] - lo[1], transform=ax.transData)
    for artist in artists:
        artist.set_clip_path(face)


def region_figure(st: xr.Dataset):
    """The offered region's P-Q slices at the stored voltages and, when the one-bus model has an optimum, at its
    voltage with the optimum marked (`_panels`), titled with the DS (`offered_ds`): offered area filled, its edge
    f + m = 0 and the polynomial's own zero level f = 0 without the margin, drawn and named as in chapter 04
    (`forlab.book.plots.edge_lines`: solid, dashed), all clipped to the bounding box (grey, `_clip_to_box`)."""
    panels = _panels(st)
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5, 4.2), sharey=True, squeeze=False)
    lo, hi = st.box.sel(corner="lo").values, st.box.sel(corner="hi").values
    margin = float(st.margin)
    for ax, (title, f, point) in zip(axes[0], panels):
        P, Q = np.meshgrid(f.p_mw.values, f.q_mvar.values)
        drawn = len(ax.collections)
        ax.contourf(P, Q, f.values, levels=[-np.inf, 0.0], colors=[EDGE_LINE["color"]], alpha=0.25)
        edge_lines(ax, P, Q, f.values, margin)
        _clip_to_box(ax, ax.collections[drawn:], lo, hi)
        ax.plot([lo[0], hi[0], hi[0], lo[0], lo[0]], [lo[1], lo[1], hi[1], hi[1], lo[1]], color="0.5", lw=1)
        if point is not None:
            ax.plot([point[0]], [point[1]], **OPTIMUM_MARKER)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(AXIS_LABELS["p_mw"])
    axes[0][0].set_ylabel(AXIS_LABELS["q_mvar"])
    fig.suptitle(f"Offered region of {offered_ds(st)}")
    keys = [(plt.Rectangle((0, 0), 1, 1, color=EDGE_LINE["color"], alpha=0.25), "offered (f + m ≤ 0)"),
            (plt.Line2D([], [], **EDGE_LINE), EDGE_WORDS), (plt.Line2D([], [], **ZERO_LINE), ZERO_WORDS),
            (plt.Line2D([], [], color="0.5", lw=1), "bounding box"),
            (plt.Line2D([], [], **OPTIMUM_MARKER), OPTIMUM_WORDS)]
    keys = [k for k in keys if margin > 0 or k[1] != ZERO_WORDS]  # without a margin f = 0 is the edge: not drawn
    keys = [k for k in keys if panels[-1][2] is not None or k[1] != OPTIMUM_WORDS]  # no optimum: none marked
    fig.legend(*zip(*keys), loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    return fig


def structure_table(st: xr.Dataset) -> pd.DataFrame:
    """The two models' sizes, one row per `STRUCTURE_ROWS` item."""
    t = table(st, "item", "struct_", index="item").astype(int)
    t.index = pd.Index([STRUCTURE_ROWS[i] for i in t.index], name="measure")
    return t.rename(columns={"pyomo": "Pyomo", "casadi": "CasADi"})


def components_table() -> pd.DataFrame:
    """The Pyomo model's components: name, kind, meaning."""
    return pd.DataFrame([(kind, what) for kind, what in PYOMO_COMPONENTS.values()],
                        index=pd.Index(list(PYOMO_COMPONENTS), name="component"), columns=["kind", "meaning"])


def solver_text(st: xr.Dataset) -> str:
    """Markdown: which solver solved the Pyomo model, or why none did."""
    name = st.attrs["pyomo_solver_name"]
    if int(st.attrs["pyomo_solver"]):
        return (f"Pyomo solved its model with `{name}`, called as an AMPL-NL executable; the CasADi model is solved "
                "with the Ipopt that ships with CasADi, for comparison.")
    how = ("the `pyomo-ripopt` package, which bundles it (`pip install pyomo-ripopt`)" if name == "ripopt" else
           "an `ipopt` executable on the `PATH`, which conda-forge provides and PyPI does not")
    return (f"**Pyomo's NLP solver `{name}` is not available here.** It needs {how}, so the Pyomo model is built "
            "and checked but not solved; its rows in the tables below are empty. The same model is solved with "
            "CasADi, whose wheel ships Ipopt as a library.")


def solution_table(st: xr.Dataset) -> pd.DataFrame:
    """The solutions as the page shows them (missing values, e.g. of an unsolved model, as –)."""
    t = table(st, "solver", "sol_", index="solver")
    t["status"] = t["status"].astype(str)
    t["time_ms"] = 1000 * t.time_s.astype(float)
    t = fixed_columns(t, SOLUTION_DIGITS, group=tuple(SOLUTION_DIGITS))  # per row of the page: "731.10", not "731.1"
    return printable(t, SOLUTION_HEADERS).T


GRID_TIE_REL = 1e-6
"""The grid search's best total within this share of the NLP's total counts as a tie (`_against_grid`)."""


def solution_text(st: xr.Dataset) -> str:
    """Markdown: the CasADi optimum against the grid search (`_against_grid`) and what holds it (`_what_holds`)."""
    cas, grid = casadi_solution(st), table(st, "solver", "sol_", index="solver").iloc[-1]
    if not store_.succeeded(str(cas.status)):
        return f"CasADi's Ipopt stopped with `{cas.status}`: no optimum to compare."
    p, q, v = float(cas.p_mw), float(cas.q_mvar), float(cas.vm_pu)
    return (
        # the TS supplies the DS's import (P_g = P_L + P): the TSO sets it, it does not buy power from the DS
        f"CasADi's Ipopt (`{cas.status}`) sets the DS's import at {p:.2f} MW and {q:.2f} Mvar at {v:.4f} p.u. "
        f"for a total of {grouped(float(cas.total), 2)} {USD_H}; "
        f"{_against_grid(grid, float(cas.total), _grid_size(st))} "
        + _what_holds(st, cas) + "Only the file's numbers entered the model."
    )


def _grid_size(st: xr.Dataset) -> str:
    """The grid search's grid as the store records it (its ``grid_points`` per axis: "the 31³ grid"), or "its grid"
    in a store without the record: the size printed is the one the run used, not this module's `GRID_POINTS`."""
    n = st.attrs.get("grid_points")
    return f"the {int(n)}³ grid" if n is not None else "its grid"


def _against_grid(grid: pd.Series, total: float, size: str) -> str:
    """The grid search's best point against the NLP's total, by the sign of the difference: a cheaper NLP point, a
    tie within `GRID_TIE_REL`, a cheaper grid point (the NLP stopped at a local optimum or a worse point), or no
    offered grid point at all (`GRID_NONE`: its row then holds a point that is not offered)."""
    if str(grid.status) == GRID_NONE:
        return (f"the grid search found no offered point within the generator's limits on {size}, so it "
                "has nothing to compare with.")
    gap = float(grid.total) - total
    if abs(gap) <= GRID_TIE_REL * max(abs(total), 1.0):
        return f"the grid search's best point costs the same, to within {GRID_TIE_REL:.0e} of the total."
    if gap > 0:
        return (f"the grid search's best point costs {grouped(gap, 2)} {USD_H} more, so the NLP found a better point "
                f"than any offered point of {size}.")
    return (f"**the grid search's best point, at ({float(grid.p_mw):.2f} MW, {float(grid.q_mvar):.2f} Mvar, "
            f"{float(grid.vm_pu):.4f} p.u.), costs {grouped(-gap, 2)} {USD_H} less**: Ipopt stopped at a local optimum "
            "or another worse point (its status certifies local conditions only), so its point is not the TSO's best "
            "on this offer.")


def _what_holds(st: xr.Dataset, cas: pd.Series) -> str:
    """What holds the NLP's import where it is: the region constraint when it binds; else a bound of the box or of
    the generator (`_held_by`); else the balance of the generator's marginal cost against the DS's slope."""
    pg, p, q, v = float(cas.pg_mw), float(cas.p_mw), float(cas.q_mvar), float(cas.vm_pu)
    _, dc = offer(st).gradients(p, q, v)
    marginal = st.attrs["c1"] + 2 * st.attrs["c2"] * pg
    slopes = (f"one more MW of import would cost the generator {grouped(marginal, 2)} {USD_MWH} and "
              f"{_import_worth(dc[0, 0], would=True)}")
    if float(cas.f) > -1e-6:
        return (f"The region constraint binds ($f + m$ = {float(cas.f):.1e}): {slopes}, a net "
                f"{marginal + dc[0, 0]:+.2f} {USD_MWH}, so the TSO would move the import further "
                f"{'down' if marginal + dc[0, 0] > 0 else 'up'}, and the offered region stops it. ")
    bound = _held_by(st, pg, p)
    if bound:
        return (f"The region constraint does not bind ($f + m$ = {float(cas.f):.3f}); the import is held by {bound}: "
                f"there {slopes}. ")
    return (f"The region constraint does not bind ($f + m$ = {float(cas.f):.3f}) and no bound of the box or the "
            "generator holds the import: the optimum is where one more MW of import saves the DS as much as it "
            f"costs the generator: {grouped(-dc[0, 0], 2)} against {grouped(marginal, 2)} {USD_MWH}. ")


def _held_by(st: xr.Dataset, pg: float, p: float) -> str:
    """The bound at which the import P or the generator's P sits (within `AT_BOUND_REL`), in words; "" for none."""
    lo, hi = _box_p(st)
    p_max = float(st.attrs["p_max"])
    bounds = [(p, lo, hi - lo, f"the box's lower P bound, {grouped(lo, 2)} MW"),
              (p, hi, hi - lo, f"the box's upper P bound, {grouped(hi, 2)} MW"),
              (pg, 0.0, p_max, "the generator's lower limit, no output"),
              (pg, p_max, p_max, f"the generator's upper limit, {grouped(p_max, 2)} MW")]
    return next((words for x, at, width, words in bounds if abs(x - at) <= AT_BOUND_REL * max(width, 1.0)), "")


TSO_HEADERS = {"representation": "DS as", "engine": "engine", "status": "status", "objective": "objective ($/h)",
               "pcc_p_mw": "PCC P (MW)", "pcc_q_mvar": "PCC Q (Mvar)", "pcc_vm_pu": "PCC V (p.u.)",
               "solve_ms": "solver time (ms)", "wall_ms": "wall time (ms)", "iterations": "iterations"}


TSO_DIGITS = {"objective": 4, "pcc_p_mw": 4, "pcc_q_mvar": 4, "pcc_vm_pu": 6, "solve_ms": 1, "wall_ms": 1,
              "iterations": 0}
"""Decimals of the TSO runs' columns on the page (each with its thousands grouped, `forlab.book.tables.grouped`)."""


def tso_table(st: xr.Dataset) -> pd.DataFrame:
    """The TSO runs as the page shows them: one row per representation and engine (empty without runs)."""
    if "tso" not in st.dims:
        return pd.DataFrame(columns=list(TSO_HEADERS.values()))
    t = table(st, "tso", "tso_", index="tso")
    t["representation"] = [REPRESENTATIONS[str(r)] for r in t.representation]
    t["solve_ms"], t["wall_ms"] = 1000 * t.solve_time_s.astype(float), 1000 * t.wall_time_s.astype(float)
    t["iterations"] = t.iterations.astype(int).astype(object).where(t.iterations.astype(int) >= 0)
    t = fixed_columns(t, TSO_DIGITS, group=tuple(TSO_DIGITS))  # per column: "1.050000", not "1.05"
    t["status"] = [wrappable(s, "_") for s in t.status]  # Ipopt's statuses may break where they are long
    return printable(t, TSO_HEADERS).set_index("DS as")


TSO_SOLVE_COLUMNS = tuple(TSO_HEADERS[c] for c in ("solve_ms", "wall_ms", "iterations"))
"""The columns of `tso_table` that `tso_tables` shows in its second table, the solves' cost; the first keeps the
status and the optimum."""


def tso_tables(st: xr.Dataset) -> list[TitledTable]:
    """`tso_table` as the page shows it, in two titled tables (`forlab.book.tables.titled`), each row under its
    representation and engine: the status and the optimum found ($/h, MW, Mvar, p.u.), then the solver time, the wall
    time (ms) and the iterations. As one table of ten columns it was 768 px wide at its narrowest, past the 688 px
    column of a 1280 px window. No tables without runs (`tso_text` says why)."""
    t = tso_table(st)
    if t.empty:
        return []
    solve = list(TSO_SOLVE_COLUMNS)
    return [("**The optimum** of each TSO, the DS as its offer (P1) or its surrogate (P2):", t.drop(columns=solve)),
            ("**The solve** of each: the solver's own time, the wall time of the whole call and the iterations:",
             t[["engine", *solve]])]


def tso_agree(st: xr.Dataset) -> bool:
    """Whether the Pyomo and CasADi TSOs agree within the tolerances for every representation (False without
    runs)."""
    return "representation" in st.dims and bool((st.agree_agree == 1).all())


def tso_text(st: xr.Dataset) -> str:
    """Markdown: whether the Pyomo TSO agrees with forlab's CasADi TSO (from the store's ``agree_`` table), and their
    times."""
    if st.attrs["tso_status"] != "ok":
        return f"The TSO's whole AC-OPF is not solved on this page: {st.attrs['tso_status']}."
    solver, n = st.attrs["pyomo_engine"], int(st.attrs["timing_repeats"])
    if (st.tso_status == NO_SOLVER).any():
        return (f"Pyomo's solver `{solver}` is not available here (see above), so only forlab's CasADi TSOs were "
                "solved; the Pyomo rows are empty.")
    parts = []
    for rep in st.representation.values:
        a = st.sel(representation=rep)
        verdict = "agree" if int(a.agree_agree) else "**do not agree**"
        parts.append(f"with the {REPRESENTATIONS[str(rep)].split(' ', 1)[1]} they {verdict}: the PCC points differ "
                     f"by {float(a.agree_pcc_diff_pu):.1e} p.u. and the objectives by "
                     f"{float(a.agree_objective_rel_diff):.1e} of the objective")
    t = table(st, "tso", "tso_", index="tso")
    samples = _surrogate_samples(st)
    fitted = "" if samples is None else (f" fitted on {grouped(samples)} power flows of the DS (the parameter "
                                         "`surrogate_samples`)")
    base = f" on the TS base of {st.attrs['tso_base_mva']:g} MVA" if "tso_base_mva" in st.attrs else ""
    return (
        f"On {st.attrs['tso_system']}, with {st.attrs['tso_ds']} as its offer or as its surrogate{fitted}"
        f"{_other_dss(st.attrs['tso_system'])}, the Pyomo TSO solved by {_glossed(solver)} and forlab's "
        f"CasADi TSO solved by Ipopt were compared. The tolerances are {float(st.pcc_tol_pu):.0e} p.u.{base} at the "
        f"PCC and {float(st.objective_tol_rel):.0e} of the objective; " + "; ".join(parts) + ". "
        + _times_text(t, solver, n) + _offer_against_surrogate(t)
    )


def _other_dss(system: str) -> str:
    """The clause on the study system's other DSs (`one_ds_system` keeps them at their base-case import), "" when the
    system has none: review R5 #7, the clause "if any" stood on a system with one DS."""
    if len(td.parse_system(system)[1]) < 2:
        return ""
    return " and its other DSs at their base-case import"


def _offer_against_surrogate(t: pd.DataFrame) -> str:
    """The offer and the surrogate set side by side, as forlab's CasADi TSO solved with each (rows of the ``tso``
    table): its PCC point and objective; "" without both rows."""
    rows = {r.representation: r for r in t.itertuples() if r.engine == ENGINES["casadi"] and int(r.success)}
    if not {"offer", "surrogate"} <= set(rows):
        return ""
    said = [f"with the {REPRESENTATIONS[k].split(' ', 1)[1]} at ({r.pcc_p_mw:.2f} MW, {r.pcc_q_mvar:.2f} Mvar, "
            f"{r.pcc_vm_pu:.4f} p.u.) and {grouped(r.objective, 2)} \\$/h" for k, r in rows.items()]
    return (f" The offer against the surrogate: forlab's TSO settles {' and '.join(said)}. They are two pictures of the"
            " same DS, a region and a price at its PCC against its units under a learned polytope, so their optima"
            " differ; which dispatch costs less once the DS is dispatched and judged is measured by"
            " {doc}`05_coordination` and {doc}`06_ml_surrogate`, side by side in {doc}`09_comparison`.")


def _surrogate_samples(st: xr.Dataset) -> int | None:
    """The power flows the chapter's P2 surrogate was fitted on (``surrogate_samples``: the store's attribute, or
    for a store from before it was recorded the parameters it was saved with); None when neither holds it."""
    if "surrogate_samples" in st.attrs:
        return int(st.attrs["surrogate_samples"])
    if "parameters" in st.attrs:
        return int(json.loads(st.attrs["parameters"])["surrogate_samples"])
    return None


SOLVER_GLOSS = {"ripopt": ("ripopt (an interior-point solver written in Rust, see {doc}`../stack`)",
                           "a different solver")}
"""Pyomo's solver as the TSO text first names it, and what it is beside CasADi's Ipopt; any other (the `ipopt`
executable) is another build of Ipopt."""


def _glossed(solver: str) -> str:
    """Pyomo's solver as the TSO text first names it (`SOLVER_GLOSS`)."""
    return SOLVER_GLOSS.get(solver, (f"the `{solver}` executable", ""))[0]


def _ms(seconds) -> str:
    """A time (s) in ms as the TSO table prints it (`TSO_DIGITS`, thousands grouped), for the sentence under that
    table."""
    return grouped(1e3 * float(seconds), TSO_DIGITS["solve_ms"])


def _times_text(t: pd.DataFrame, solver: str, n: int) -> str:
    """The offer's Pyomo and CasADi times, one clause per gap: the solver's own time with both iteration counts
    (another solver, or another build of Ipopt, on its own path), the whole call with what Pyomo adds around it, named
    in a clause that points to the section *Solving*, where the page explains it once (review R5 #7)."""
    pyo_, cas = t.loc["offer/pyomo"], t.loc["offer/casadi"]
    what = SOLVER_GLOSS.get(solver, ("", "another build of Ipopt"))[1]
    return (
        f"With the offer, {solver} reports {_ms(pyo_.solve_time_s)} ms of its own time against Ipopt's "
        f"{_ms(cas.solve_time_s)} ms: {what}, which took {grouped(pyo_.iterations)} iterations where "
        f"Ipopt took {grouped(cas.iterations)}. The whole solve call takes {_ms(pyo_.wall_time_s)} ms against "
        f"{_ms(cas.wall_time_s)} ms: beyond the solver's own time, the Pyomo call goes through an NL file and a "
        f"solver process (section *Solving* above), which CasADi does in memory (each time the fastest of {n} solves "
        "from the same start, the parameter `repeats`)."
    )
