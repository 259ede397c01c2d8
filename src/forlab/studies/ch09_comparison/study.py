"""Chapter 09's parameters and its run: `check_params` (every ``*_params`` checked by its own chapter's check,
``system`` one that every method chapter runs), the stores the chapter reads (`chapter_store`, `profile`,
`PROFILES`, `SCALE`) and `run`, which turns them into the chapter's store (`forlab.studies.ch09_comparison.store`).
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from forlab.book import anchors, runner
from forlab.book.store import open_store
from forlab.book.tables import listed, to_dataset
from forlab.studies.ch09_comparison.readers import (
    METHOD_NAMES,
    ROW,
    SCALE_UNITS,
    common_load,
    narrow_polytopes,
    p1_rows,
    p2_rows,
    p3_rows,
    per_system,
    scale_rows,
)
from forlab.studies.ch09_comparison.store import sources, to_store

__all__ = [
    "ANCHOR_KEYS",
    "OVERRIDES",
    "PARAMETER_TYPES",
    "PROFILES",
    "SCALE",
    "chapter_store",
    "check_params",
    "default_rows",
    "method_systems",
    "profile",
    "profile_rows",
    "run",
]


PROFILES = {"P1": ("05_coordination", "paper"), "P2": ("06_ml_surrogate", "paper"), "P3": ("07_aladin", "full"),
            "sensitivity": ("08_sensitivity", "paper")}
"""The paper-scale stores read with ``use_profiles``: key -> (chapter, profile); the method chapters' for the
every-system comparison, chapter 08's for the Robustness statement and the P1 bound beside its default run
(`SENS_RUNS`)."""


SCALE = ("12_many_dsos", "paper")
"""The scale-out sweep of the many-DSOs view: (chapter, profile)."""


PARAMETER_TYPES = {"system": str, "p1_params": dict, "p2_params": dict, "p3_params": dict,
                   "sensitivity_params": dict, "use_profiles": bool}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`);
the ``*_params`` are overrides of the method chapters' parameters (`OVERRIDES`), checked by `check_params` with those
chapters' own checks."""

OVERRIDES = {"p1_params": "05_coordination", "p2_params": "06_ml_surrogate", "p3_params": "07_aladin",
             "sensitivity_params": "08_sensitivity"}
"""Which method chapter's parameters each ``*_params`` overrides (the stores `run` reads, `chapter_store`)."""


def check_params(params: dict) -> None:
    """TypeError (`forlab.book.runner.check_types`) when a parameter has the wrong type, e.g. ``use_profiles`` not a
    bool or ``p1_params`` not a dict; then every ``*_params`` resolved to the parameters its method chapter would
    run with (`forlab.book.runner.chapter_params`, whose errors name the ``*_params`` and its chapter once) and
    checked by that chapter's own check (no work is done): a bad override is refused with the same error type,
    prefixed with the ``*_params`` and the chapter it belongs to. Last, ``system`` must be one that every method
    chapter runs with those parameters (`_check_system`)."""
    runner.check_types(params, PARAMETER_TYPES, "09_comparison")
    resolved = {}
    for key, chapter in OVERRIDES.items():
        where = f"{key} (parameters of chapter {chapter}, `forlab run {chapter}`)"
        resolved[key] = runner.chapter_params(chapter, params[key], where)
        try:
            runner.chapter_check(chapter)(resolved[key])
        except (TypeError, ValueError) as err:
            message = f"{where}: {err}"
            try:
                refused = type(err)(message)
            except Exception:  # noqa: BLE001 - an error class that takes other arguments: say it as a ValueError
                refused = ValueError(message)
            raise refused from None
    _check_system(params["system"], resolved)


def method_systems(resolved: dict[str, dict]) -> dict[str, tuple[str, list[str]]]:
    """Per method ``*_params`` key, the parameter of its chapter that names the systems `default_rows` reads rows of,
    and those systems, from the chapters' resolved parameters ``resolved`` (by ``*_params`` key): chapter 05's
    ``systems_list``, chapter 06's ``systems``, and of chapter 07's ``systems`` and growth, KKT and ADMM systems
    those it runs the book's ALADIN on in-process (`forlab.studies.ch07_aladin.study.inprocess_systems`)."""
    from forlab.studies.ch07_aladin.study import inprocess_systems

    return {"p1_params": ("systems_list", list(resolved["p1_params"]["systems_list"])),
            "p2_params": ("systems", list(resolved["p2_params"]["systems"])),
            "p3_params": ("systems", inprocess_systems(resolved["p3_params"]))}


def _check_system(system: str, resolved: dict[str, dict]) -> None:
    """ValueError unless every method chapter runs ``system`` with its resolved parameters (`method_systems`): the
    page compares the methods' rows on it (`default_rows`), which would otherwise fail in the kernel, after every
    method's store was opened. The message names the ``*_params`` whose chapter does not run it and the systems
    that all of them run."""
    runs = method_systems(resolved)
    lacking = [key for key, (_, systems) in runs.items() if system not in systems]
    if not lacking:
        return
    shared = [s for s in runs["p1_params"][1] if all(s in systems for _, systems in runs.values())]
    also = {"p3_params": " and its growth, KKT and ADMM systems: those ALADIN runs in-process"}
    where = "; ".join(f"chapter {OVERRIDES[key]} runs {runs[key][1]} ({key}' {runs[key][0]}{also.get(key, '')})"
                      for key in lacking)
    choices = listed(shared, "or") if shared else "none with these parameters"
    params = listed(f"{key}' {runs[key][0]}" for key in lacking)
    raise ValueError(f"system must be a system that chapters {listed(OVERRIDES[key] for key in runs)} all run, got "
                     f"{system!r}: {where}. Choose one that all of them run ({choices}), or add {system!r} to "
                     f"{params}")


def chapter_store(chapter: str, override: dict) -> xr.Dataset:
    """The store of a method chapter's run with these parameters (its defaults where not given)."""
    return open_store(chapter, runner.chapter_params(chapter, override))


def profile(chapter: str, name: str, use_profiles: bool = True) -> xr.Dataset | None:
    """The store of a chapter's profile run (`forlab.book.runner.open_profile_store`); None when there is none or
    ``use_profiles`` is off."""
    return runner.open_profile_store(chapter, name) if use_profiles else None


def default_rows(p1: xr.Dataset, p2: xr.Dataset, p3: xr.Dataset, system: str) -> pd.DataFrame:
    """The rows of the method chapters' default runs on ``system``; ValueError when a method did not run on it."""
    rows = pd.concat([p1_rows(p1), p2_rows(p2), p3_rows(p3)], ignore_index=True)
    rows = rows[rows.system == system]
    missing = set(METHOD_NAMES) - set(rows.method)
    if missing:
        raise ValueError(f"the default runs have no {sorted(missing)} on {system!r}: choose a system all of chapters "
                         f"05, 06 and 07 ran, or pass their parameters")
    return rows


def profile_rows(big: dict[str, xr.Dataset | None]) -> pd.DataFrame:
    """The rows of the paper-scale stores (`PROFILES` keys; None: not available) on the study systems: those the
    one-round methods ran (ALADIN's transmission-area partitions are chapter 07's subject)."""
    parts = []
    if big["P1"] is not None:
        parts.append(p1_rows(big["P1"]))
    if big["P2"] is not None:
        parts.append(p2_rows(big["P2"]))
    if big["P3"] is not None:
        parts.append(p3_rows(big["P3"]))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW)
    td = set(rows[rows.method != METHOD_NAMES[2]].system)
    return rows[rows.system.isin(td) | (rows.method != METHOD_NAMES[2])]


ANCHOR_KEYS = ["p1_deviation_pct"]
"""The published anchors chapter 09 sets its comparison beside (`forlab.book.anchors`), kept in its store."""
# P1_BOUND, the legend entry of the P1 paper's deviation bound in the overview figure, and its line are the book's
# (`forlab.book.plots.P1_BOUND`, `BOUND_LINE`): one line, drawn alike in chapters 05, 08 and 09; the caption says the
# bound is read as one on a system's mean deviation


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params``: per system and method the default runs on ``system`` at the load every
    method ran (dimension ``default``, `common_load`; all their cases, per load level or scenario: ``default_case``),
    the paper-scale rows (``case``) and their per-system means at the load every method ran (``sys``), and the
    sensitivity study's rows: its default run's (``sens``) and, with ``use_profiles`` and its store there, its
    paper-scale run's (``sens_paper``, `SENS_RUNS`); ``attrs["sources"]`` says which stores they came from and with
    which parameters they were run."""
    from forlab.studies import ch08_sensitivity

    check_params(params)
    p1, p2, p3 = (chapter_store("05_coordination", params["p1_params"]),
                  chapter_store("06_ml_surrogate", params["p2_params"]),
                  chapter_store("07_aladin", params["p3_params"]))
    sens = chapter_store("08_sensitivity", params["sensitivity_params"])
    dflt = default_rows(p1, p2, p3, params["system"])
    big = {k: profile(chapter, name, params["use_profiles"]) for k, (chapter, name) in PROFILES.items()}
    cases = profile_rows(big)
    scale = profile(*SCALE, params["use_profiles"])
    sens_paper = ([] if big["sensitivity"] is None  # no paper-scale run: the page names the default run alone
                  else [to_store(ch08_sensitivity.frame(big["sensitivity"]), "sens_paper")])
    out = xr.merge([
        to_dataset(narrow_polytopes(big["P2"]), "narrow", "narrow_", units={"system": "-", "accepted": "1"}),
        to_store(per_system(common_load(dflt)), "default"),  # like with like: the load every method ran
        to_store(dflt, "default_case"),
        to_store(cases, "case"),
        to_store(per_system(common_load(cases)), "sys"),
        to_store(ch08_sensitivity.frame(sens), "sens"),
        *sens_paper,
        to_dataset(scale_rows(scale), "scale", "scale_", units=SCALE_UNITS),
    ], combine_attrs="drop_conflicts")  # keeps every variable's units
    out.attrs["sources"] = sources(p1=p1, p2=p2, p3=p3, sensitivity=sens, scale=scale,
                                   **{f"profile {k}": v for k, v in big.items()})
    out.attrs["anchors"] = anchors.as_attr(ANCHOR_KEYS)
    return out
