"""The chapter's study: every method on every variant, its parameters and its store.

`run_sensitivity` runs the methods (`forlab.studies.ch08_sensitivity.methods`) on a design, each case once, grouped
by the study system the cases share (`_cases`); `check_params` rejects the notebook's parameters (`PARAMETER_TYPES`)
before any work; `study_design` is the design of those parameters and `run(params)` the chapter's store.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.progress import line as terminal_line
from forlab.book.runner import (
    check_distinct,
    check_non_negative,
    check_positive,
    check_positive_value,
    check_types,
)
from forlab.studies.ch08_sensitivity.design import Variant, variants
from forlab.studies.ch08_sensitivity.methods import run_p1, run_p2, run_p3
from forlab.studies.ch08_sensitivity.store import METHODS, failed_row, to_store

__all__ = [
    "PARAMETER_TYPES",
    "check_params",
    "run",
    "run_sensitivity",
    "study_design",
]


def _cases(design: Sequence[Variant]) -> dict[tuple, list[Variant]]:
    """The distinct cases of ``design`` (a case shared by several factors, the base case, once), grouped by the
    study system they share (`Variant.system_key`): one system build and one P2 surrogate per group."""
    unique: dict[tuple, Variant] = {}
    for v in design:
        unique.setdefault(v.case_key, v)
    groups: dict[tuple, list[Variant]] = {}
    for v in unique.values():
        groups.setdefault(v.system_key, []).append(v)
    return groups


def _run_method(method: str, system_name: str, group: list[Variant], system, failure, repeats: int,
                options: dict) -> list[dict]:
    """One method on one group of cases; a system that could not be built (``system`` None) is a failure row per
    case and method."""
    if system is None:
        return [failed_row(system_name, method, v, failure) for v in group]
    if method == "P1":
        return run_p1(system_name, group, repeats=repeats, system=system, **(options.get("P1") or {}))
    if method == "P2":
        return run_p2(system_name, group, repeats=repeats, system=system, **(options.get("P2") or {}))
    return [run_p3(system_name, v, repeats=repeats, system=system, **(options.get("P3") or {})) for v in group]


def _progress_line(method: str, key: tuple, rows: list[dict], wall: float) -> str:
    return (f"{method} n_fpus={key[0]} ties={key[1]}: {len(rows)} case(s) in {wall:.1f} s, "
            + ", ".join(f"{r['deviation_pct']:.4f} %" if np.isfinite(r["deviation_pct"]) else r["method_status"]
                        for r in rows))


def run_sensitivity(system_name: str, design: Sequence[Variant], methods: Sequence[str] = ("P1", "P2", "P3"), *,
                    p1: dict | None = None, p2: dict | None = None, p3: dict | None = None, repeats: int = 3,
                    progress=terminal_line) -> pd.DataFrame:
    """Every method on every variant of ``design`` (`variants`); p1, p2, p3: keywords of `run_p1`, `run_p2`,
    `run_p3`. A case shared by several factors (the base case) is run once and its rows repeated per factor.
    Returns one row per (variant, method) in `COLUMNS` / `FLAGS` / `TEXT`, with ``group_wall_time_s``, the wall
    time of the method on the variant's whole system group (s; offline work included, unlike the record's online
    ``wall_time_s``)."""
    from forlab.grid import td

    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; known: {list(METHODS)}")
    options = {"P1": p1, "P2": p2, "P3": p3}
    done: dict[tuple, dict] = {}  # (case_key, method) -> row
    for key, group in _cases(design).items():
        system, failure = None, None
        try:
            system = td.load_system(system_name, **group[0].system_options)
        except Exception as err:  # noqa: BLE001 - a system that cannot be built is a recorded failure per method
            failure = err
        for method in methods:
            t0 = time.perf_counter()
            rows = _run_method(method, system_name, group, system, failure, repeats, options)
            wall = time.perf_counter() - t0
            for v, r in zip(group, rows):
                r["group_wall_time_s"] = wall
                done[(v.case_key, method)] = r
            if progress:
                progress(_progress_line(method, key, rows, wall))
    out = []
    for v in design:
        for method in methods:
            r = dict(done[(v.case_key, method)])
            r.update(variant_kind=v.kind, variant_label=v.label, is_base=v.is_base)
            r["variant_value"] = v.value
            out.append(r)
    return pd.DataFrame(out)


def _fpus_fit(system: str, dss, counts) -> None:
    """ValueError naming ``fpu_counts`` and ``base_fpus`` when a DS of ``system`` (its specs ``dss``) cannot hold one
    of the ``counts`` of FPUs. The DS's own FPU placement says so (`forlab.grid.td.add_default_fpus`, the step of
    `forlab.grid.td.load_system` that refuses them), on the DS's case as shipped: its candidate buses are those with a
    positive load, which the system's build only scales. A count too large fails before any placement, so this
    takes a fraction of a second, not the build of the system."""
    from forlab.grid import cases, td

    for case in dict.fromkeys(spec.case for spec in dss):
        too_many, why = [], ""
        for n in sorted({int(c) for c in counts}, reverse=True):  # the largest count that fits ends the search
            try:
                td.add_default_fpus(cases.load(case), n)
                break
            except ValueError as err:
                too_many, why = [*too_many, n], str(err)
        if too_many:
            raise ValueError(f"fpu_counts and base_fpus must fit every DS of {system!r}, but DS case {case!r} cannot "
                             f"hold {sorted(too_many)} FPUs ({why}): pass fewer FPUs per DS")


PARAMETER_TYPES = {
    "system": str, "levels": (list, float), "fpu_counts": (list, int), "meshings": (list, str), "base_level": float,
    "base_fpus": int, "methods": (list, str), "p1_n_directions": int, "p1_face_grid": int, "p1_n_labelled": int,
    "p1_n_cost": int, "p1_degrees": (list, int), "p2_n_samples": int, "p2_facets": int, "p2_refine_rounds": int,
    "p2_refine_samples": int, "p2_certify_rounds": int, "p2_vertex_samples": int, "p2_load_range": (list, float),
    "p3_max_iter": int, "timing_repeats": int, "seed": int,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


def check_params(params: dict) -> None:
    """Reject the chapter's parameters before any work (ValueError / TypeError naming the parameter and what it
    accepts): a wrong type (`PARAMETER_TYPES`), an unknown study ``system``, empty or non-finite ``levels`` (inf as
    nan), ``base_level``, FPU counts (more than a DS has candidate buses for: `_fpus_fit`), meshings, methods,
    repeated levels, FPU counts, meshings or methods (`forlab.book.runner.check_distinct`), the P2 load range (``[low, high]``; with P2 it
    must hold every level and ``base_level``), P1's degrees (`forlab.p1_for.polynomial.DEGREES`), fewer P1 cost points
    than the price needs (`forlab.p1_for.representation.check_n_cost`), a system with a second PCC when P1 runs, P2 facets below one, and
    negative counts of P1 and P2."""
    from forlab.grid import td
    from forlab.p1_for.polynomial import DEGREES
    from forlab.p1_for.representation import check_n_cost

    check_types(params, PARAMETER_TYPES, "08_sensitivity")
    _, dss = td.parse_system(params["system"])  # ValueError with the grammar and the named systems
    check_positive("levels", params["levels"])
    check_positive_value("base_level", params["base_level"])
    check_positive("fpu_counts", params["fpu_counts"], integer=True)
    check_positive_value("base_fpus", params["base_fpus"], integer=True)
    for key in ("levels", "fpu_counts", "meshings", "methods"):  # a repeat would run its variant or method twice
        check_distinct(key, params[key])
    _fpus_fit(params["system"], dss, [*params["fpu_counts"], params["base_fpus"]])
    bad = [m for m in params["meshings"] if m not in ("all", "none")] if isinstance(params["meshings"], list) else [0]
    if bad or not params["meshings"]:
        raise ValueError(f"meshings must be a non-empty list of 'all' (ties closed) and 'none' (radial), got "
                         f"{params['meshings']!r}")
    unknown = set(params["methods"]) - set(METHODS)
    if unknown or not params["methods"]:
        raise ValueError(f"methods must be a non-empty list of {list(METHODS)}, got {params['methods']!r}")
    two = td.second_pcc_dss(dss)
    if two and "P1" in params["methods"]:  # P1 would be stored as a failed row for every variant
        raise ValueError(f"system {params['system']!r} ties DS {two} to a second PCC, which P1 (the FOR method) "
                         f"cannot coordinate: pass a system of one PCC per DS, or methods without 'P1'")
    check_positive("p2_load_range", params["p2_load_range"])
    lo_hi = [float(x) for x in params["p2_load_range"]]
    if len(lo_hi) != 2 or lo_hi[0] > lo_hi[1]:
        raise ValueError(f"p2_load_range must be [low, high] with low <= high (the DS load factors P2's surrogate "
                         f"is trained on), got {params['p2_load_range']!r}")
    if "P2" in params["methods"]:  # `run_p2`: the surrogate's range must hold every level it runs at
        lo, hi = lo_hi
        outside = [x for x in [*params["levels"], params["base_level"]] if not lo <= float(x) <= hi]
        if outside:
            raise ValueError(f"levels and base_level must lie inside p2_load_range {params['p2_load_range']!r} "
                             f"(P2's surrogate is trained on that range), but {outside} do not: widen "
                             f"p2_load_range or pass levels inside it")
    for key in ("timing_repeats", "p3_max_iter", "p2_n_samples", "p2_facets"):
        check_positive_value(key, params[key], integer=True)
    check_positive("p1_degrees", params["p1_degrees"], integer=True)
    if bad := [d for d in params["p1_degrees"] if d not in DEGREES]:
        raise ValueError(f"p1_degrees must be a non-empty list of polynomial degrees out of {list(DEGREES)}, got "
                         f"{params['p1_degrees']!r} ({bad} not among them)")
    check_n_cost(params["p1_n_cost"], "p1_n_cost")
    # a negative count would reach the method and be stored as a failed row instead of stopping the run here
    check_non_negative(params, ("p1_n_directions", "p1_face_grid", "p1_n_labelled", "p2_refine_rounds",
                                "p2_refine_samples", "p2_certify_rounds", "p2_vertex_samples", "seed"))


def study_design(params: dict) -> list[Variant]:
    """The chapter's one-factor-at-a-time design (`variants`) from its parameters."""
    return variants(params["levels"], params["fpu_counts"], params["meshings"], base_level=params["base_level"],
                    base_fpus=params["base_fpus"])


def run(params: dict, progress=terminal_line) -> xr.Dataset:
    """The chapter's store for ``params`` (the parameters of `notebooks/08_sensitivity.ipynb`): `run_sensitivity`
    on `study_design`, with the study's wall time, the machine's load average (1 min) before and after, its cores
    and P2's surrogate options in the attributes."""
    from forlab.p2_surrogate.model import SurrogateOptions
    from forlab.p2_surrogate.polytope import PolytopeOptions

    check_params(params)
    design = study_design(params)
    load_average_start = os.getloadavg()
    t0 = time.perf_counter()
    p2_options = SurrogateOptions(polytope=PolytopeOptions(facets=params["p2_facets"], seed=params["seed"]))
    table = run_sensitivity(
        params["system"], design, params["methods"], repeats=params["timing_repeats"],
        p1={"n_directions": params["p1_n_directions"], "face_grid": params["p1_face_grid"],
            "fit_options": {"n_labelled": params["p1_n_labelled"], "n_cost": params["p1_n_cost"],
                            "degrees": tuple(params["p1_degrees"])}},
        p2={"n_samples": params["p2_n_samples"], "options": p2_options, "refine_rounds": params["p2_refine_rounds"],
            "refine_samples": params["p2_refine_samples"], "certify_rounds": params["p2_certify_rounds"],
            "vertex_samples": params["p2_vertex_samples"], "load_range": tuple(params["p2_load_range"]),
            "seed": params["seed"]},
        p3={"max_iter": params["p3_max_iter"]},
        progress=progress,
    )
    return to_store(table, attrs={
        "title": "Sensitivity of P1, P2, P3 to load, FPUs and meshing", "study_wall_time_s": time.perf_counter() - t0,
        "load_average_start": load_average_start[0], "load_average_end": os.getloadavg()[0],
        "p2_options": p2_options.to_dict()})  # the machine's cores: `forlab.book.store.provenance`
