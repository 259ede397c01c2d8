"""The study of chapter 10: its parameters (`PARAMETER_TYPES`, `check_params`) and `run(params)`, which
reads the offer file (writing the chapter's own first when none is given) and computes the chapter's store from it:
the file's checks, the probe points and slices, the one-bus models' solutions and structure, and the TSO's whole
AC-OPF with its agreement (`_tso_datasets`), every variable with its units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import store as store_
from forlab.book.runner import check_non_negative, check_positive_value, check_types
from forlab.book.tables import to_dataset
from forlab.grid import td
from forlab.p1_for.offer import Offer
from forlab.p1_for.representation import check_n_cost
from forlab.studies.ch10_consuming_an_offer.evaluation import probe_points, slices
from forlab.studies.ch10_consuming_an_offer.offer_file import (
    CHAPTER,
    GRID_POINTS,
    check_offer_file,
    checks,
    offer_path,
    rejection,
    write_small_offer,
)
from forlab.studies.ch10_consuming_an_offer.one_bus import pyomo_solver_available, solutions, tso_data
from forlab.studies.ch10_consuming_an_offer.tso_acopf import (
    OBJECTIVE_TOL_REL,
    PCC_TOL_PU,
    offer_system,
    tso_runs,
)

__all__ = [
    "AGREE_UNITS",
    "PARAMETER_TYPES",
    "POINT_UNITS",
    "SOLUTION_UNITS",
    "TSO_UNITS",
    "check_params",
    "run",
]


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


TSO_UNITS = {"representation": "1", "engine": "1", "status": "1", "success": "1", "objective": "$/h",
             "pcc_p_mw": "MW", "pcc_q_mvar": "Mvar", "pcc_vm_pu": "p.u.", "solve_time_s": "s", "wall_time_s": "s",
             "build_time_s": "s", "iterations": "1"}
AGREE_UNITS = {"pcc_diff_pu": "p.u.", "objective_rel_diff": "1", "agree": "1"}
POINT_UNITS = {"p_mw": "MW", "q_mvar": "Mvar", "vm_pu": "p.u.", "f": "1", "in_box": "1", "feasible": "1",
               "price": "$/h", "dc_dp": "$/MWh", "dc_dq": "$/Mvarh"}
SOLUTION_UNITS = {"status": "1", "pg_mw": "MW", "qg_mvar": "Mvar", "p_mw": "MW", "q_mvar": "Mvar", "vm_pu": "p.u.",
                  "gen_cost": "$/h", "price": "$/h", "total": "$/h", "f": "1", "time_s": "s"}


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
