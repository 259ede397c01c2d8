"""Chapter 08's sensitivity study beside the method chapters' runs: its table under this page's method
names (`sensitivity_table`); the Robustness statement (`_robustness`: the change of deviation under one factor,
`_spread`); what two runs of a method differ by (`rerun_gaps`, `rerun_text`) and how each run sizes its offline
models (`FIT_SIZES`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import as_printed, grouped, items, listed
from forlab.studies import ch08_sensitivity
from forlab.studies.ch09_comparison.readers import METHOD_NAMES, SCALE_METHODS, _sens_ok
from forlab.studies.ch09_comparison.store import from_store
from forlab.studies.ch09_comparison.study import PROFILES
from forlab.studies.ch09_comparison.text import DEVIATION_DIGITS, PROFILE_SOURCES, SENS_RUNS

__all__ = [
    "DEFAULT_SECTION",
    "FIT_NAMES",
    "FIT_SIZES",
    "FIT_WHAT",
    "GAP_COLUMNS",
    "NO_SENS_PAPER",
    "RERUN_PAIR",
    "SENS_PAPER_UNFINISHED",
    "SENS_REPEATS",
    "TIMING_REPEATS",
    "rerun_gaps",
    "rerun_text",
    "sensitivity_table",
]


DEFAULT_SECTION = "The default runs, on one system"
"""The heading of the page's section on the default runs (the notebook's), which holds the table of what each
method's messages reveal (`reveal_text`): the statements that point to it name it."""


RERUN_PAIR = f"between {SENS_RUNS['sens']} and the default run of its own chapter"
"""The two runs a run-to-run gap (`rerun_gaps`) lies between, in the one wording of every statement that gives such a
gap (`_rerun_caveat`, `ONE_RUN_MOVES`): "its" is the method's whose deviation the statement names."""

NO_SENS_PAPER = ("chapter 08's paper-scale run is not read here (`use_profiles` is off, or its store is missing: run "
                 "`forlab run 08_sensitivity --profile paper` or keep `archive/`; or this chapter's store was written "
                 "before it kept that run: run this chapter again)")
"""What the Robustness statement says where it reads chapter 08's default run alone: the store holds no rows of
the paper-scale run."""

SENS_PAPER_UNFINISHED = ("chapter 08's paper-scale run is read here, but no run of it finished a change under one "
                         "factor (none of its variants finished with a judged deviation)")
"""What the Robustness statement says where the store holds chapter 08's paper-scale run but none of its rows gives a
change under one factor (`_spread`): the run was read, so `NO_SENS_PAPER` would be false."""


def _spread(sens_t: pd.DataFrame) -> pd.DataFrame:
    """Per method (rows) and factor (columns, named as `forlab.studies.ch08_sensitivity.FACTORS` names them): the
    change of deviation under that factor alone, its largest minus its smallest value (percentage points), of the
    values as chapter 08's table prints them (`DEVIATION_DIGITS`)."""
    from forlab.studies.ch08_sensitivity import FACTORS

    ok = _sens_ok(sens_t)
    ok = ok.assign(deviation_pct=as_printed(ok.deviation_pct.astype(float), DEVIATION_DIGITS))
    spread = ok.groupby(["method", "variant_kind"]).deviation_pct.agg(lambda s: s.max() - s.min())
    return spread.unstack().rename(columns=lambda k: FACTORS.get(k, k))


def _spreads(runs: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """`_spread` of each of chapter 08's runs read (``runs``: `SENS_RUNS` dimension -> its rows; a run not read, None
    or empty, and one without a finished change under a factor are left out)."""
    spreads = {dim: _spread(t) for dim, t in runs.items() if t is not None and not t.empty}
    return {dim: s for dim, s in spreads.items() if s.stack().notna().any()}


def _run_robustness(dim: str, spread: pd.DataFrame) -> str:
    """One run's part of the robustness statement: in which of chapter 08's runs (`SENS_RUNS`), the largest change of
    deviation under one factor, for which method and factor, then every method's change per factor."""
    from forlab.studies.ch08_sensitivity import FACTORS

    worst = spread.stack().idxmax()
    return (f"in {SENS_RUNS[dim]}, the largest change of deviation under one factor is "
            f"{spread.stack().max():.4f} percentage points, for {worst[0]} when the "
            f"{'number of ' if worst[1] == FACTORS['fpus'] else ''}{worst[1]} changes; "
            + "; ".join(f"{m}: " + ", ".join(f"{k} {v:.4f}" for k, v in r.dropna().items())
                        for m, r in spread.iterrows()) + " (percentage points of deviation)")


def _paper_missing(paper: pd.DataFrame | None) -> str:
    """Why the Robustness statement has no part for chapter 08's paper-scale run (its rows ``paper``, `SENS_RUNS`):
    not read (`NO_SENS_PAPER`), or read without a finished change under one factor (`SENS_PAPER_UNFINISHED`): two
    causes, each in its own words."""
    return NO_SENS_PAPER if paper is None or paper.empty else SENS_PAPER_UNFINISHED


def _robustness(runs: dict[str, pd.DataFrame | None], gaps: pd.DataFrame) -> str:
    """The robustness statement ("" where no run has a finished change), run by run of chapter 08 (``runs``:
    `SENS_RUNS` dimension -> its rows): the largest change of deviation (percentage points) under one factor
    (`_spread`), each named by its run (`_run_robustness`; where the paper-scale run gives none, `_paper_missing`
    says why), qualified by ``gaps`` (`rerun_gaps` of the default run): where the same method, system and load level
    differ by as much between two runs whose offline models are sized otherwise, an effect of that size is not the
    factor's alone."""
    spreads = _spreads(runs)
    if not spreads:
        return ""
    parts = [_run_robustness(dim, s) for dim, s in spreads.items()]
    said = ". ".join([parts[0], *(p[0].upper() + p[1:] for p in parts[1:])])  # one sentence per run
    alone = "" if "sens_paper" in spreads else f"; {_paper_missing(runs.get('sens_paper'))}"
    default = spreads.get("sens")
    caveat = _rerun_caveat(gaps, float(default.stack().max())) if default is not None else ""
    return f"- **Robustness** ({{doc}}`08_sensitivity`): {said}{alone}.{caveat}"


def _same_order(gap: float, effect: float) -> bool:
    """Whether a run-to-run ``gap`` is of the order of a factor's ``effect`` (both in percentage points): within a
    factor of ten of it."""
    return gap >= effect / 10


def _order(gap: float, effect: float) -> str:
    """`_same_order` in words."""
    return "of the same order as" if _same_order(gap, effect) else "well below"


def _rerun_caveat(gaps: pd.DataFrame, effect: float) -> str:
    """The sentence that qualifies the robustness statement by the largest run-to-run gap (`rerun_gaps`, chapter 08's
    default run against the method chapters' default runs) against the largest change under one factor in that run
    (``effect``); empty without a gap."""
    if gaps.empty:
        return ""
    g = gaps.loc[gaps.gap_pp.astype(float).idxmax()]
    return (f" Each is one run: on the same system and load level, the deviation of {g.method} differs by up to "
            f"{g.gap_pp:.4f} percentage points {RERUN_PAIR}, "
            "which sizes the offline model otherwise (section Load, flexibility and meshing); that is "
            f"{_order(g.gap_pp, effect)} the largest change in {SENS_RUNS['sens']}"
            + (", so a change of that size need not come from the factor." if _same_order(g.gap_pp, effect) else "."))


FIT_SIZES = {
    METHOD_NAMES[0]: {**ch08_sensitivity.P1_SETTINGS, "degrees": "p1_degrees"},
    METHOD_NAMES[1]: {"n_samples": "p2_n_samples", "facets": "p2_facets", "refine_rounds": "p2_refine_rounds",
                      "refine_samples": "p2_refine_samples", "certify_rounds": "p2_certify_rounds",
                      "vertex_samples": "p2_vertex_samples"},
}
"""Per method with an offline model: the parameters that size the model in its own chapter's run -> the same
parameters of the sensitivity study (`forlab.studies.ch08_sensitivity`). P1's polynomial degrees are no parameter of
its own chapter: its fit chooses among `forlab.p1_for.polynomial.DEGREES` (`_fit_defaults`), where chapter 08 sets
``p1_degrees``."""

FIT_NAMES = {"degrees": "the polynomial degrees"}
"""How a setting of `FIT_SIZES` that is no parameter of the method's own chapter is named (the others by their
parameter's name)."""


def _fit_defaults(method: str) -> dict:
    """The settings of `FIT_SIZES` that ``method``'s own chapter leaves to its fit's defaults: P1's polynomial degrees,
    `forlab.p1_for.polynomial.DEGREES`, the one statement of them (the default of
    `forlab.p1_for.representation.build_offer`)."""
    if method != METHOD_NAMES[0]:
        return {}
    from forlab.p1_for.polynomial import DEGREES  # here, not at the top: only P1's settings need it

    return {"degrees": tuple(DEGREES)}


def _fit_value(v) -> str:
    """A setting's value as the prose says it: a list of degrees as "2, 4 and 6", a whole number with its thousands
    grouped (`forlab.book.tables.grouped`: "10 000" samples), anything else as it is."""
    if isinstance(v, (list, tuple)):
        return listed(map(_fit_value, v))
    return grouped(v) if isinstance(v, int) and not isinstance(v, bool) else str(v)

FIT_WHAT = {METHOD_NAMES[0]: "offer", METHOD_NAMES[1]: "surrogate"}
"""What each method of `FIT_SIZES` fits offline, as `rerun_text` names it."""

GAP_COLUMNS = ["method", "system", "variant_label", "default_pct", "sensitivity_pct", "gap_pp", "default_ratio",
               "sensitivity_ratio"]
"""Columns of `rerun_gaps`."""


def rerun_gaps(cases: pd.DataFrame, sens_t: pd.DataFrame) -> pd.DataFrame:
    """Per method of `FIT_SIZES`, system and load level that both the default runs (``cases``, one row per case,
    dimension ``default_case``) and the sensitivity study's load variants ran: the judged deviation of each (%),
    their difference (percentage points, ``gap_pp``) and each run's online time over its own integrated AC-OPF
    (``default_ratio``, ``sensitivity_ratio``). Both are the same method on the same system and load, so the gaps are
    what two runs of it differ by (`GAP_COLUMNS`; empty when no case matches). The gap is that of the two deviations
    as the page prints them (`DEVIATION_DIGITS`)."""
    if cases.empty or sens_t.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    load = _sens_ok(sens_t)
    load = load[load.variant_kind == "load"]
    rows = []
    for r in cases[cases.method.isin(FIT_SIZES) & (cases.status == "ok")].itertuples():
        same = load[(load.method == r.method.split(" ")[0]) & (load.system == r.system)
                    & np.isclose(load.load_level.astype(float), r.load_min)]
        if len(same):
            there = float(same.deviation_pct.iloc[0])
            rows.append({"method": r.method, "system": r.system, "variant_label": same.variant_label.iloc[0],
                         "default_pct": r.deviation_mean_pct, "sensitivity_pct": there,
                         "gap_pp": abs(np.diff(as_printed([r.deviation_mean_pct, there], DEVIATION_DIGITS))[0]),
                         "default_ratio": r.time_ratio,
                         "sensitivity_ratio": float(same.time_ratio.iloc[0])})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _sizes_line(method: str, own: dict, sens: dict) -> str:
    """One method's offline-model sizes in the sensitivity study against its default run (`FIT_SIZES`), those that
    differ; or that they are alike, or not in the stores."""
    code = method.split(" ")[0]
    where = f"{{doc}}`{PROFILES[code][0]}`"  # the method's own chapter
    held, differ = _differing(method, own, sens)
    if not held:
        return f"{code}'s {FIT_WHAT[method]}: its sizes are not in these stores"
    if not differ:
        return f"{code}'s {FIT_WHAT[method]} sized as in {where}"
    (n, a, b), rest = differ[0], differ[1:]
    return (f"{code}'s {FIT_WHAT[method]} with {_fit_name(n)} {_fit_value(b)} here against {_fit_value(a)} in {where}"
            + "".join(f", {_fit_name(n)} {_fit_value(b)} against {_fit_value(a)}" for n, a, b in rest))


def _fit_name(n: str) -> str:
    """A setting of `FIT_SIZES` as the prose names it: its parameter's name, or `FIT_NAMES`."""
    return FIT_NAMES.get(n, f"`{n}`")


def _gap_clause(code: str, g: pd.DataFrame) -> str:
    """How far one method's deviations lie apart between the two runs (`rerun_gaps` rows ``g``), level by level."""
    said = [(" here", " in the default run")] + [("", "")] * (len(g) - 1)  # the first level says which is which
    levels = [f"{r.variant_label}: {r.sensitivity_pct:.4f} %{here} against {r.default_pct:.4f} %{there}"
              for r, (here, there) in zip(g.itertuples(), said)]
    return f"{g.gap_pp.max():.4f} percentage points for {code} ({'; '.join(levels)})"


def sensitivity_table(sens_t: pd.DataFrame) -> pd.DataFrame:
    """Chapter 08's first table (`forlab.studies.ch08_sensitivity.online_table`) of the sensitivity rows ``sens_t``,
    its methods by the full names every other table of this page gives them (`SCALE_METHODS`, the book's one name per
    method) where chapter 08's own page keeps their codes."""
    return ch08_sensitivity.online_table(sens_t).rename(index=SCALE_METHODS, level="method")


def rerun_text(st: xr.Dataset, sens_t: pd.DataFrame) -> str:
    """Markdown: that the sensitivity study's P1 and P2 rows (``sens_t``, `from_store` of ``st``'s ``sens``, read
    once by the page) are not the default runs of the section `DEFAULT_SECTION`, from the parameters both stores
    were run with (`FIT_SIZES`, one list item per method), and by how much the same method, system and load level
    differ between the two runs (`rerun_gaps`, one sentence per method) against the largest change under one factor
    (`_spread`)."""
    found = json.loads(st.attrs["sources"])
    sens = found.get("sensitivity", {}).get("parameters", {})
    sizes = [_sizes_line(m, found.get(PROFILE_SOURCES[m.split(" ")[0]], {}).get("parameters", {}), sens)
             for m in FIT_SIZES]
    repeats, other_repeats = _repeats_text(found)
    text = (f"The P1 and P2 rows of this table are other runs than those of the section “{DEFAULT_SECTION}”: "
            f"{{doc}}`08_sensitivity` sizes each DSO's offline model itself"
            + (f" and {repeats}" if repeats else "") + ". How it sizes them, against the default runs:\n\n"
            + items(sizes))
    gaps = rerun_gaps(from_store(st, "default_case"), sens_t)
    if gaps.empty:
        return text
    effect = float(_spread(sens_t).stack().max())
    clauses = [f"{_gap_clause(m.split(' ')[0], g)}, {_order(g.gap_pp.max(), effect)} "
               + (f"the largest change under one factor in {SENS_RUNS['sens']} ({effect:.4f} percentage points, "
                  "the Robustness statement below)" if k == 0 else "that change")
               for k, (m, g) in enumerate(gaps.groupby("method", sort=False))]
    return (f"{text}\n\nOn the same system and load level, the deviations of the two runs differ by up to "
            f"{clauses[0]}." + "".join(f" They differ by up to {c}." for c in clauses[1:])
            + _ratio_text(gaps, other_repeats))


TIMING_REPEATS = {METHOD_NAMES[0]: "repeats", METHOD_NAMES[1]: "timing_repeats"}
"""Per method of `FIT_SIZES`: the parameter of its own chapter that sets of how many repeated solves the fastest is
its time; chapter 08's is `SENS_REPEATS`."""
SENS_REPEATS = "timing_repeats"
"""The parameter of the sensitivity study (`forlab.studies.ch08_sensitivity`) that sets of how many repeated solves
(or runs, for ALADIN) the fastest is its time."""


def _repeats_text(found: dict) -> tuple[str, bool]:
    """Markdown: of how many repeats chapter 08's run takes the fastest as a time, against each method chapter's
    default run (`TIMING_REPEATS`), from the parameters chapter 09's store keeps of both (``found``, `sources`), as
    the offline settings are read (`_sizes_line`); and whether any method chapter's differs. ("", False) where chapter
    08's store does not keep it; a method chapter's store that does not says so."""
    here = (found.get("sensitivity") or {}).get("parameters", {}).get(SENS_REPEATS)
    if here is None:
        return "", False
    own, differ = [], False
    for method, name in TIMING_REPEATS.items():
        chapter = PROFILES[method.split(" ")[0]][0]
        n = (found.get(PROFILE_SOURCES[method.split(" ")[0]]) or {}).get("parameters", {}).get(name)
        own.append(f"{grouped(n)} in {{doc}}`{chapter}` (`{name}`)" if n is not None
                   else f"an unknown number in {{doc}}`{chapter}` (its store does not keep `{name}`)")
        differ = differ or (n is not None and n != here)
    said = (f"takes each solve's time as the fastest of {grouped(here)} repeats (`{SENS_REPEATS}`) "
            f"{'against' if differ else 'as'} {listed(own)}")
    return said, differ


def _ratio_text(gaps: pd.DataFrame, other_repeats: bool = False) -> str:
    """Markdown: the two runs' online times over their own integrated AC-OPF, case by case (`rerun_gaps`), and what
    that spread means for a ratio read off one run; ``other_repeats``: the runs take their times as the fastest of
    different numbers of repeats (`_repeats_text`), which is said among the causes."""
    items = [f"{r.method.split(' ')[0]} at {r.variant_label}: {grouped(r.sensitivity_ratio, 2)}x against "
             f"{grouped(r.default_ratio, 2)}x"
             for r in gaps.itertuples() if np.isfinite(r.sensitivity_ratio) and np.isfinite(r.default_ratio)]
    if not items:
        return ""
    repeats = ", takes the fastest of another number of repeats (above)" if other_repeats else ""
    return (" Their online times over the integrated AC-OPF differ too (here against the default run, whose cases "
            "at every load are in its method chapter's tables: "
            + "; ".join(items) + f"). Each run solves its own offline model's problem{repeats} and times solves of "
            "milliseconds at another moment of a shared machine, so a method's ratio moves by this much from one run "
            "of it to another. A ratio of this page is its own run's, against the integrated AC-OPF of that run.")


def _differing(method: str, own: dict, other: dict) -> tuple[bool, list[tuple]]:
    """The settings of ``method``'s offline model (`FIT_SIZES`: own chapter's name -> the name in the sensitivity
    study and chapter 12's sweep) that both runs' parameters hold (the own chapter's with what it leaves to its fit's
    defaults, `_fit_defaults`, where its parameters are known), and of those the ones that differ, as (name, own
    value, other value); a list as a tuple, so that a stored list and a default tuple compare."""
    own = {**_fit_defaults(method), **own} if own else own

    def value(v):
        return tuple(v) if isinstance(v, list) else v

    pairs = [(n, value(own[n]), value(other[s])) for n, s in FIT_SIZES[method].items() if n in own and s in other]
    return bool(pairs), [(n, a, b) for n, a, b in pairs if a != b]
