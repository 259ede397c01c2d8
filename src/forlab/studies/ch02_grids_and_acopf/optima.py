"""Is the AC-OPF right: forlab's optimum against MATPOWER's recorded one and against PYPOWER's run of MATPOWER's
AC-OPF on the same files (`forlab.opf.pypower_opf`), and the power-flow check of its point (`validation`,
`validation_rows`, `gap_to_published_pct`, `gap_to_pypower_pct`, judged by `VALIDATION_TOL`), as the page prints them
(`validation_table`, `validation_tables`) and says them (`validation_text`).
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.tables import TitledTable, grouped, listed, printable
from forlab.studies.ch02_grids_and_acopf.readers import (
    _formatted,
    _grouped,
    _nets,
    _printed_digits,
    _statuses,
)
from forlab.studies.ch02_grids_and_acopf.study import NOT_RUN

__all__ = [
    "VALIDATION_TOL",
    "gap_to_published_pct",
    "gap_to_pypower_pct",
    "reproduced",
    "validation",
    "validation_rows",
    "validation_table",
    "validation_tables",
    "validation_text",
]


def gap_to_published_pct(opf_t: pd.DataFrame) -> pd.Series:
    """forlab's objective against MATPOWER's published one, signed, in % of the published one (NaN where MATPOWER
    publishes none or forlab's solve failed): the "gap to MATPOWER (%)" of the default run's and the paper-scale
    run's tables alike."""
    return _gap_pct(opf_t, "published_objective")


def gap_to_pypower_pct(opf_t: pd.DataFrame) -> pd.Series:
    """forlab's objective against PYPOWER's optimum on the same MATPOWER file (`forlab.opf.pypower_opf.pypower_runopf`),
    signed, in % of PYPOWER's (NaN where either failed, on a study system, which has no MATPOWER file, and in a store
    written before the reference ran): the "gap to PYPOWER (%)" of the tables."""
    return _gap_pct(opf_t, "pypower_objective")


def _gap_pct(opf_t: pd.DataFrame, reference: str) -> pd.Series:
    """forlab's objective against the objective column ``reference``, signed, in % of it (NaN where either is
    missing or forlab's solve failed)."""
    ok = (opf_t.forlab_success.fillna(False).astype(bool) if "forlab_success" in opf_t
          else pd.Series(True, index=opf_t.index))
    return (100 * (opf_t.forlab_objective - opf_t[reference]) / opf_t[reference]).where(ok)


VALIDATION_TOL = 1e-4
"""Relative tolerance of the validation: forlab's objective within this fraction of MATPOWER's (the gap in % within
100 times it), and max |dV| below it in p.u."""


def validation(stored: xr.Dataset) -> pd.DataFrame:
    """The nets with a published MATPOWER objective (those of `validation_rows` that have one), with forlab's gap to
    it (``gap_to_published_pct``, %)."""
    rows = validation_rows(stored)
    return rows[rows.published_objective.notna()]


PF_CHECK_HEADERS = {"forlab_pf_max_dvm_pu": "max |dV| (p.u.)", "forlab_pf_max_dva_degree": "max |dθ| (degree)",
                    "forlab_pf_max_dp_slack_mw": "slack |dP| (MW)"}
"""The power-flow check's three differences (`forlab.opf.bench.PF_CHECK_KEYS`) as the validation and paper-scale
tables head them; a store written before the angle and the slack's power were kept shows "–" there."""


def validation_rows(stored: xr.Dataset) -> pd.DataFrame:
    """The nets the validation table shows: every transmission case and any net with a recorded MATPOWER optimum,
    with forlab's gap to it (``gap_to_published_pct``, %, NaN where the book records none: such a case is checked by
    the power flow only)."""
    opf_t = _nets(stored)
    rows = opf_t[opf_t.published_objective.notna() | (opf_t.kind == "transmission")].copy()
    rows["gap_to_published_pct"] = gap_to_published_pct(rows)
    rows["gap_to_pypower_pct"] = gap_to_pypower_pct(rows)
    return rows


def validation_table(stored: xr.Dataset) -> pd.DataFrame:
    """forlab's optimum against MATPOWER's and PYPOWER's and the power-flow check of its point, as the chapter prints
    them, one row per case of `validation_rows` ("–": no recorded MATPOWER optimum, no PYPOWER run, or a difference
    the store does not hold): the gaps in % (as the paper-scale table), in scientific notation since they are far
    below a hundredth of a percent, forlab's solve (`SOLVE_HEADERS`) and the check's three differences
    (`PF_CHECK_HEADERS`). No buses column, for the width of the page: a MATPOWER case's
    name carries its bus count. A long status may break (`status_cell`); the page shows it cut in two,
    `validation_tables`."""
    v = _formatted(_statuses(validation_rows(stored)), {
        "forlab_objective": _grouped(2), "published_objective": _grouped(2), "gap_to_published_pct": "{:+.1e}",
        "pypower_objective": _grouped(2), "gap_to_pypower_pct": "{:+.1e}",
        "forlab_iterations": _grouped(0), **dict.fromkeys(PF_CHECK_HEADERS, "{:.1e}"),
    })
    return printable(v, {
        "forlab_objective": "forlab ($/h)", "published_objective": f"{anchors.RUNOPF} ($/h)",
        "gap_to_published_pct": "gap to MATPOWER (%)", **PYPOWER_HEADERS, **SOLVE_HEADERS, **PF_CHECK_HEADERS,
    })


PYPOWER_HEADERS = {"pypower_objective": "PYPOWER runopf ($/h)", "gap_to_pypower_pct": "gap to PYPOWER (%)"}
"""The reference engine's columns (`forlab.opf.pypower_opf`) as the validation and paper-scale tables head them."""

SOLVE_HEADERS = {"forlab_status": "Ipopt status", "forlab_iterations": "iterations"}
"""forlab's solve as the validation table heads it: in the second of `validation_tables`, beside the power-flow check
of the point that solve found, so that the first holds the optima alone."""


VALIDATION_TABLE_TITLES = (
    # no digit in a title (the version is in the column header): "MATPOWER's own runopf" rather than anchors.RUNOPF
    ("**Optimum** per case: forlab's objective against MATPOWER's own runopf optimum as the book records it and "
     "against PYPOWER's run of the same runopf here, with the gap to each."),
    ("**Solve and power-flow check** per case: Ipopt's status and iterations, and how far pandapower's power flow at "
     "forlab's dispatch lies from forlab's point."),
)
"""The titles of the validation's two tables (`validation_tables`): shown in one output, they would read as one."""


def validation_tables(stored: xr.Dataset) -> list[TitledTable]:
    """`validation_table` cut in two that fit the text column, each under its title (`VALIDATION_TABLE_TITLES`;
    displayed with `forlab.book.tables.titled`): forlab's optimum against MATPOWER's and PYPOWER's, and forlab's solve
    with the power-flow check of its point (`SOLVE_HEADERS`, `PF_CHECK_HEADERS`). Whole, its columns ran past the
    column (a reader's measurement, with nine of them: 833 px against 784, the slack's column hidden), as the
    paper-scale table did before `paper_tables` cut it the same way."""
    whole = validation_table(stored)
    check = [c for c in whole.columns if c in {**SOLVE_HEADERS, **PF_CHECK_HEADERS}.values()]
    return list(zip(VALIDATION_TABLE_TITLES, (whole.drop(columns=check), whole[check])))


def validation_text(stored: xr.Dataset) -> str:
    """Markdown: whether every recorded MATPOWER optimum is reproduced, with the tolerance it is judged by (gap and
    max |dV| within `VALIDATION_TOL`), which rounded objectives differ from MATPOWER's in its last printed digit
    (`_rounding_text`), whether PYPOWER's optimum is reproduced by the same test wherever PYPOWER converged
    (`_pypower_text`; a case where it did not is named there, a failure of the reference, not a missed target), the
    power-flow check's largest differences (`_pf_check_text`), and whether the other transmission cases pass the
    power-flow check and what compares their optimum (`_unrecorded_text`)."""
    rows = validation_rows(stored)
    val = rows[rows.published_objective.notna()]  # `validation`, from the rows already read
    ran = _pypower_ran(rows)
    ok = bool(reproduced(val, "gap_to_published_pct").all() and _pypower_missed(ran).empty)
    return (
        f"The book records a {anchors.RUNOPF} optimum for "
        + (f"each of the {len(rows)}" if len(val) == len(rows) else f"{len(val)} of the {len(rows)}")
        + f" cases in the tables; {'all' if ok else 'not all'} {len(val)} are reproduced, judged by "
        f"`forlab.studies.ch02_grids_and_acopf.VALIDATION_TOL`: forlab's objective within "
        f"{100 * VALIDATION_TOL:g} % of MATPOWER's, and max |dV| below {VALIDATION_TOL:.0e} p.u. The largest gap to "
        f"MATPOWER is {val.gap_to_published_pct.abs().max():.1e} %; {_rounding_text(stored, val)}"
        + _pypower_text(ran)
        + _pf_check_text(rows)
        + _unrecorded_text(rows[rows.published_objective.isna()])
        + ("" if ok else " **A target is missed: see the tables.**")
    )


def _rounding_text(stored: xr.Dataset, val: pd.DataFrame) -> str:
    """Whether forlab's objective, rounded to the decimals each MATPOWER optimum is recorded with (its anchor's
    ``digits``), prints as MATPOWER's: the cases where it does, and those that differ in that last digit with both
    figures (a gap within `VALIDATION_TOL` can still change the last printed digit)."""
    solved = val[val.forlab_objective.notna()]
    digits = {n: _printed_digits(stored, anchors.runopf_optimum(n)) for n in solved.index}
    ours = {n: grouped(solved.forlab_objective[n], d) for n, d in digits.items()}
    theirs = {n: grouped(solved.published_objective[n], d) for n, d in digits.items()}
    same = [n for n in solved.index if ours[n] == theirs[n]]
    off = [n for n in solved.index if ours[n] != theirs[n]]
    decimals = set(digits.values())
    head = (f"rounded to the {decimals.pop()} decimals MATPOWER's optima are recorded with" if len(decimals) == 1
            else "rounded to the decimals each MATPOWER optimum is recorded with")
    if not off:
        return f"{head}, forlab's objective prints as MATPOWER's on every case."
    return (f"{head}, forlab's objective prints as MATPOWER's on {listed(same) if same else 'none'} and differs in the "
            "last digit on " + listed(f"{n} ({ours[n]} against {theirs[n]} \\$/h)" for n in off) + ".")


def _pypower_ran(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows on which the reference engine ran (`forlab.opf.pypower_opf.pypower_runopf`: the transmission cases);
    none in a store written before it."""
    return rows[rows.pypower_status != NOT_RUN] if "pypower_status" in rows else rows.iloc[:0]


def reproduced(rows: pd.DataFrame, gap: str) -> pd.Series:
    """The validation's one test, per row of `validation_rows`: forlab's optimum reproduces a reference's when its
    gap to it (column ``gap``, %) lies within 100 `VALIDATION_TOL` and the power-flow check's max |dV| below
    `VALIDATION_TOL` p.u.; False where either is NaN (a failed solve of either engine has no gap or no check)."""
    return (rows[gap].abs() < 100 * VALIDATION_TOL) & (rows.forlab_pf_max_dvm_pu < VALIDATION_TOL)


def _pypower_matched(rows: pd.DataFrame) -> pd.Index:
    """The cases whose optimum is within `VALIDATION_TOL` of PYPOWER's, by the test MATPOWER's recorded optimum is
    judged by (`reproduced`)."""
    return rows.index[reproduced(rows, "gap_to_pypower_pct")]


def _pypower_missed(ran: pd.DataFrame) -> pd.Index:
    """The cases where PYPOWER converged and forlab's optimum is not within `VALIDATION_TOL` of its own: targets
    missed (where PYPOWER did not converge, the reference failed, not forlab)."""
    if ran.empty:
        return ran.index
    return ran.index[ran.pypower_success.astype(bool)].difference(_pypower_matched(ran), sort=False)


PYPOWER_WHAT = ("PYPOWER's port of the same runopf (`forlab.opf.pypower_opf.pypower_runopf`: MATPOWER's formulation "
                "and its MIPS solver, no code shared with forlab's), run with this store on the same MATPOWER files")
"""The reference engine in words, at its first mention on the page (`_pypower_text`)."""


def _pypower_text(ran: pd.DataFrame) -> str:
    """The sentence on the reference engine over the cases it ran on (`_pypower_ran`): where it converged, each
    failure named with its status, and on how many of those forlab's optimum is within `VALIDATION_TOL` of its own,
    with the largest gap; "" for a store written before it."""
    if ran.empty:
        return ""
    ok = ran.pypower_success.astype(bool)
    converged = (f"converged on every one of the {len(ran)} transmission cases" if ok.all() else
                 f"converged on {int(ok.sum())} of the {len(ran)} transmission cases (**not on "
                 + listed(f"{n}: {s}" for n, s in ran.pypower_status[~ok].items()) + "**)")
    matched = _pypower_matched(ran)
    within = (f"on {'all' if len(matched) == ok.sum() else f'{len(matched)} of the'} {int(ok.sum())}" if ok.any()
              else "on none")
    largest = ran.gap_to_pypower_pct.abs().max()
    gap = f" (largest gap {largest:.1e} %)" if pd.notna(largest) else ""
    return (f" {PYPOWER_WHAT}, {converged}; forlab's objective lies within {100 * VALIDATION_TOL:g} % of PYPOWER's, "
            f"with max |dV| below {VALIDATION_TOL:.0e} p.u. as against MATPOWER's, {within}{gap}.")


def _pf_check_text(rows: pd.DataFrame) -> str:
    """The power-flow check's largest differences over the validation table's cases: the voltage magnitude, judged
    by `VALIDATION_TOL`, and the angle and the slack's active power, which have no target and are reported only (or
    that the store does not hold them)."""
    head = (f" At the OPF's dispatch, pandapower's power flow differs from the OPF's point by at most "
            f"{rows.forlab_pf_max_dvm_pu.max():.1e} p.u. in voltage magnitude")
    dva, dp = rows.forlab_pf_max_dva_degree, rows.forlab_pf_max_dp_slack_mw
    if dva.isna().all() and dp.isna().all():
        return (head + " over the cases of the tables; this store holds no angle or slack-power difference (written "
                "before `forlab.opf.bench.time_forlab` kept them), so only the magnitudes are checked.")
    return (head + f", {dva.max():.1e} degree in voltage angle and {dp.max():.1e} MW in the slack's active power, "
            "over the cases of the tables; only the magnitude has a target, the angle and the slack's power are "
            "reported, not judged.")


def _unrecorded_text(others: pd.DataFrame) -> str:
    """The sentence on the transmission cases without a recorded optimum: which pass the power-flow check (max |dV|
    below `VALIDATION_TOL`; a failed solve has no |dV| and fails), which do not, and what compares their optimum
    (`_compared_text`); "" when there is no such case."""
    if others.empty:
        return ""
    passed = others.forlab_pf_max_dvm_pu < VALIDATION_TOL  # NaN (no solution) compares False: a failure
    head = (f" Of the cases for which the book records no {anchors.RUNOPF} optimum "
            f"(`forlab.book.anchors.runopf_optimum`; \"–\" in the optimum table's MATPOWER columns), ")
    if passed.all():
        told = (head + f"{', '.join(others.index)} pass the same power-flow check (max |dV| at most "
                f"{others.forlab_pf_max_dvm_pu.max():.1e} p.u., below {VALIDATION_TOL:.0e}).")
    else:
        told = (head + f"{', '.join(others.index[passed]) or 'none'} pass the same power-flow check (max |dV| below "
                f"{VALIDATION_TOL:.0e} p.u.) and **{', '.join(others.index[~passed])} fail it**.")
    return told + _compared_text(others)


UNRECORDED_MEANING = (" That check says a solution is a valid operating point, not that it is optimal: on these cases "
                      "forlab's optimum is compared with no reference.")
"""What the power-flow check alone shows on a case without a recorded MATPOWER optimum and without PYPOWER's
(`_unrecorded_text`): a reader who sees its objective printed beside the validated ones would otherwise take it for
validated too."""


def _compared_text(others: pd.DataFrame) -> str:
    """What compares the optimum of the cases without a recorded MATPOWER optimum: PYPOWER's alone where it is
    matched (`_pypower_matched`), no reference on the others (`UNRECORDED_MEANING`, all of them in a store written
    before the reference engine ran)."""
    matched = _pypower_matched(others)
    if matched.empty:
        return UNRECORDED_MEANING
    rest = others.index.difference(matched, sort=False)
    whose = "Their" if rest.empty else f"{listed(matched)}'s"
    said = f" {whose} optimum is checked against PYPOWER's alone (above), the book recording no run of MATPOWER itself"
    if rest.empty:
        return said + "."
    return (said + f"; on {listed(rest)} that check says a solution is a valid operating point, not that it is "
            "optimal: there forlab's optimum is compared with no reference.")


def _validated(stored: xr.Dataset) -> list[str]:
    """The cases whose optimum is within `VALIDATION_TOL` of a recorded MATPOWER optimum (gap and power-flow check,
    as `validation_text` judges them): the only ones on which forlab's optimum can be said to equal MATPOWER's."""
    val = validation(stored)
    return val.index[reproduced(val, "gap_to_published_pct")].tolist()
