"""Markdown sentences on the grids and the study systems (`grids_text`, `study_text`, `drawing_text`) and the
chapter's closing line (`handoff_text`), which reads the validation (`forlab.studies.ch02_grids_and_acopf.optima`) and
the speed-ups (`forlab.studies.ch02_grids_and_acopf.timing`).
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from forlab.book.tables import counted, grouped, listed, span
from forlab.studies.ch02_grids_and_acopf.figures import ENLARGED_FEEDERS
from forlab.studies.ch02_grids_and_acopf.optima import (
    VALIDATION_TOL,
    _pypower_matched,
    _validated,
    validation,
    validation_rows,
)
from forlab.studies.ch02_grids_and_acopf.readers import (
    LOSS_MATCH_UNITS,
    LOSSES_FORMAT,
    _drawn_feeders,
    frame,
    grids,
    loss_matches,
    replaced_load_mw,
)
from forlab.studies.ch02_grids_and_acopf.timing import SPEEDUP_FORMATS, printed_times, speed, total_header

__all__ = [
    "drawing_text",
    "grids_text",
    "handoff_text",
    "study_text",
]


CORRECTED_FILES = ("case85", "case141")
"""Distribution grids whose MATPOWER files correct the data their papers published (`forlab.book.anchors`, the
comment above the published losses), so that no published loss figure describes them."""


def grids_text(stored: xr.Dataset) -> str:
    """Markdown: whether the base-case power flows converged, how many published loss figures this run matches
    (`loss_matches`, within `LOSS_MATCH_UNITS`), which differ in their last printed digit and which miss, by which
    matpower files, and which distribution grids have no published figure and why."""
    g = grids(stored)
    m = loss_matches(stored)
    worst = m.rel_error_pct.abs().idxmax()
    return (
        f"{_converged_text(g)} {_loss_verdict(m)} The largest relative error is "
        f"{abs(m.rel_error_pct[worst]):.3f} % ({worst}). "
        f"The files are those of the matpower package {stored.attrs['matpower_version']}. {_unreferenced_text(g)}"
    )


def _loss_verdict(m: pd.DataFrame) -> str:
    """How many of `loss_matches`' figures this run matches, under which rule, and which differ in the figure's last
    digit (matched) or miss it, each with both figures."""
    rule = (f"within {counted(LOSS_MATCH_UNITS, 'unit')} of the last digit each figure prints "
            "(`forlab.studies.ch02_grids_and_acopf.LOSS_MATCH_UNITS`)")
    how_many = f"all {len(m)}" if m.match.all() else f"{int(m.match.sum())} of the {len(m)}"
    text = f"This run's losses match {how_many} published loss figures {rule}"
    same, off = m.index[m.same_digits], m[m.match & ~m.same_digits]
    if len(same) or len(off):
        parts = ([f"{listed(same)} {'equals its figure' if len(same) == 1 else 'equal theirs'} when rounded to that digit"]
                 if len(same) else []) + [
            f"{n} differs in it ({LOSSES_FORMAT(r.losses_kw)} kW, {r.this_run} at that digit, against {r.published} kW)"
            for n, r in off.iterrows()]
        text += ": " + listed(parts)
    missed = m[~m.match]
    if len(missed):
        text += "; **missed**: " + listed(f"{n} ({r.this_run} kW against {r.published} kW)"
                                          for n, r in missed.iterrows())
    return text + "."


def _converged_text(g: pd.DataFrame) -> str:
    """Whether every base-case power flow of `grids` converged, with the grids counted by kind; those that did not,
    named with their status."""
    kinds = listed(counted((g.kind == k).sum(), f"{k} grid") for k in g.kind.unique())
    bad = g[g.pf_status != "converged"]
    if bad.empty:
        return f"All {len(g)} base-case power flows converge ({kinds})."
    return (f"{len(g) - len(bad)} of the {len(g)} base-case power flows converge ({kinds}); "
            f"{listed(f'{n} ({s})' for n, s in bad.pf_status.items())} did not.")


def _unreferenced_text(g: pd.DataFrame) -> str:
    """The distribution grids of `grids` without a published loss figure, and why: their MATPOWER files correct the
    published data (`CORRECTED_FILES`), or forlab found none ("" when every one has a figure)."""
    missing = g[(g.kind == "distribution") & g.published_losses_kw.isna()].index
    corrected = [n for n in missing if n in CORRECTED_FILES]
    unfound = [n for n in missing if n not in CORRECTED_FILES]
    one = len(corrected) == 1
    because = f"because MATPOWER's current case {'file corrects' if one else 'files correct'} the original data"
    parts = [f"{listed(corrected)} {'has' if one else 'have'} no reference here {because}"] if corrected else []
    parts += [f"no base-case loss figure was found for {listed(unfound)}"] if unfound else []
    return f"{', and '.join(parts)}." if parts else ""


def study_text(stored: xr.Dataset) -> str:
    """Markdown: how many study systems, DSs and FPUs, their sizes, the largest gap between a DS's active import and
    the TS load it replaces (MW and %), and why the reactive import differs."""
    study_t = frame(stored, "system_ds")
    gap = study_t.import_p_mw - replaced_load_mw(study_t)
    worst = gap.abs().idxmax()
    row = study_t.loc[worst]
    buses = span(study_t.system_buses, grouped, " buses")
    one_size = "each " if study_t.system.nunique() > 1 else ""  # several systems of one size: "each of 42 buses"
    sizes = f"from {buses}" if " to " in buses else f"{one_size}of {buses}"
    return (
        f"{counted(study_t.system.nunique(), 'study system')} with {counted(len(study_t), 'DS')} and "
        f"{counted(study_t.fpus.sum(), 'FPU')} in total, {sizes}. The active "
        f"import differs from the replaced TS load by at most {abs(gap[worst]):.2f} MW "
        f"({100 * abs(gap[worst]) / (row.import_p_mw - gap[worst]):.2f} %, {row.ds} in {row.system}, scaled as "
        f"*{row.scaling}*): each DS is scaled to that load at the TS bus's base-case voltage; joined to the TS, "
        "the PCC voltage settles elsewhere and the DS's losses change with it. The reactive import differs more (column "
        "*Q mismatch*), because a DS's power factor is its own: the TS bus then carries the DS's reactive demand."
    )


def drawing_text(stored: xr.Dataset, draw_system: str) -> str:
    """Markdown: the system `system_figure` draws (the parameter ``draw_system``), its DSs, and whether the panels
    beside the map draw each of them again (a system of up to `ENLARGED_FEEDERS` DSs) or not."""
    feeders = _drawn_feeders(stored)
    limit = f"{counted(ENLARGED_FEEDERS, 'DS')} (`forlab.studies.ch02_grids_and_acopf.ENLARGED_FEEDERS`)"
    head = f"The system drawn is {draw_system}, with {counted(len(feeders), 'DS')} ({listed(feeders)})"
    if len(feeders) <= ENLARGED_FEEDERS:
        panels = "the panel on the right draws it" if len(feeders) == 1 else "the panels on the right draw each"
        return f"{head}: {panels} again on its own, as for any system of up to {limit}."
    return (f"{head}: more than {limit}, so it is drawn whole only; panels for each DS would be too narrow to show "
            "more than the map does.")


def handoff_text(stored: xr.Dataset) -> str:
    """Markdown: the chapter's closing line, saying what the OPF was shown to do and on how many cases: MATPOWER's
    optimum reproduced on the cases with a recorded one (`_validated`, out of all of them: a failed one is named, not
    dropped from the count), and, where the book records none, PYPOWER's (`_without_record`) or else only a valid
    power-flow point; the grids' and the speed's clauses as the store decides them (`_grids_clause`,
    `_speed_clause`). Counted from the store, not claimed for every case."""
    rows = validation_rows(stored)
    others = rows[rows.published_objective.isna()]
    recorded, validated = validation(stored).index, _validated(stored)
    missed = recorded.difference(validated, sort=False)
    on = (f"on the {counted(len(recorded), 'case')}" if missed.empty
          else f"on {len(validated)} of the {counted(len(recorded), 'case')}")
    asides = ([f"**missed on {listed(missed)}**"] if len(missed) else []) + _without_record(others)
    checked = f" ({'; '.join(asides)})" if asides else ""
    return (f"With {_grids_clause(stored)} and an OPF that reproduces MATPOWER's optimum {on} with a recorded "
            f"one{checked}, "
            f"{_speed_clause(stored)}, the next chapters can ask what the book is about: how a TSO can use the FPUs "
            "drawn above without seeing the DS grids they sit in.")


def _without_record(others: pd.DataFrame) -> list[str]:
    """The hand-off's aside on the transmission cases without a recorded MATPOWER optimum (``others``, rows of
    `validation_rows`): PYPOWER's optimum reproduced where it is (`_pypower_matched`), only a valid power-flow point on
    the rest; none without such a case."""
    matched = _pypower_matched(others)
    rest = others.drop(matched)
    said = []
    if len(matched):
        said.append(f"PYPOWER's run of it on {'the' if rest.empty else f'{len(matched)} of the'} {len(others)} "
                    "without one")
    if len(rest):
        valid = int((rest.forlab_pf_max_dvm_pu < VALIDATION_TOL).sum())
        said.append(f"a valid power-flow point, not a checked optimum, on {valid} of the {len(rest)} without "
                    + ("either" if len(matched) else "one"))
    return [f"and {listed(said)}"] if said else []


def _grids_clause(stored: xr.Dataset) -> str:
    """The hand-off's grids: that they reproduce their papers only where this run matches every published loss
    figure (`loss_matches`); else how many of them it matches."""
    m = loss_matches(stored)
    if len(m) and m.match.all():
        return "grids that reproduce their papers"
    return f"grids that match {int(m.match.sum())} of their {len(m)} published loss figures"


def _speed_clause(stored: xr.Dataset) -> str:
    """The hand-off's speed: "at a fraction of `runopp`'s time" only where every printed speed-up (`printed_times`,
    of a solve and of forlab's whole run, on the cases where both engines converge) exceeds 1; else their ranges as
    the runopp table prints them (`SPEEDUP_FORMATS`), or that none is measured."""
    sp = speed(stored)
    shown = printed_times(sp[sp.forlab_success.astype(bool) & sp.runopp_success.astype(bool)])
    if shown.empty:
        return "with no speed-up over `runopp` measured (it converged on none of the cases)"
    ratios = shown[list(SPEEDUP_FORMATS)]
    if (ratios.dropna() > 1).all().all() and ratios.notna().any().all():
        return "at a fraction of `runopp`'s time"
    total, solve = (span(shown[col].dropna(), fmt) for col, fmt in SPEEDUP_FORMATS.items())
    return (f"with speed-ups over `runopp` of {solve} for a solve and {total} counting forlab's "
            f"{total_header(sp).removeprefix('speed-up ')} (not all above one)")
