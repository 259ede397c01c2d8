"""Chapter 04's study: the parameters (`PARAMETER_TYPES`, `check_params`), one DS's offer with `build_offer`'s
report and the fit's times (`offer_of`, `TIMES`), and `run(params)`, the chapter's store.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from forlab.book.runner import check_distinct, check_non_negative, check_positive_value, check_types
from forlab.grid import td
from forlab.p1_for import sampling
from forlab.p1_for.offer import Offer
from forlab.p1_for.polynomial import DEGREES, check_rate
from forlab.p1_for.representation import build_offer, check_n_cost, split_shares

__all__ = [
    "PARAMETER_TYPES",
    "TIMES",
    "check_params",
    "offer_of",
    "run",
]


TIMES = ("time_label_s", "time_fit_s", "time_cost_s", "time_total_s")
"""The fit's times (s) that `build_offer` reports in its attributes; the store keeps them per DS."""

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
