"""Sentences and printed tables of chapter 07: every ``*_text`` writes the chapter's result sentences
(Markdown) from a store or the tables of `forlab.studies.ch07_aladin.readers`, every ``*_shown`` formats such
a table as the chapter prints it (columns in words, small numbers as 1.2×10⁻⁵ by `sci_text`, "–" where a
target was not reached).

This module holds what the chapter's sections share, the formatting helpers and the chapter-wide sentences
and tables; the sections' own are in `forlab.studies.ch07_aladin.scaling_text` (the scaling results),
`forlab.studies.ch07_aladin.wall_text` (whole-run times and the P3 claim) and
`forlab.studies.ch07_aladin.verdicts_text` (ALADIN against ADMM, the power flow's verdicts), which import from
here.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.store import origin_text
from forlab.book.tables import counted, fixed, grouped, page_index, printable
from forlab.studies.ch07_aladin.readers import (
    STATUS_WORDS,
    TARGET_CONSENSUS,
    TARGET_GAP,
    frame,
    message_summary,
    raised,
    run_label,
    study_table,
    termination,
)

__all__ = ["FIELD_WORDS", "INTEGRATED_SOLVE", "MARGINAL", "RATIO_DIGITS", "ROUNDS_TIME", "ROUND_UNITS",
           "SECONDS_DIGITS", "SUPERSCRIPT", "TARGETS_WORDS", "WALL_DIGITS", "WHOLE_RUN", "convergence_shown",
           "fmt_iteration", "kkt_text", "messages_shown", "power_text", "provenance_text", "published_text",
           "regions_shown", "sci_text", "seconds_text", "shown_anchor", "store_text", "targets_shown",
           "targets_text", "whole_numbers", "whole_run_s"]


_TEN = 10
"""The base of the powers `power_text` writes (notation, not a figure)."""


def power_text(v: float, tex: bool = True) -> str:
    """A tolerance as a power of ten: "10^{-4}" (TeX, for prose between $ signs) or "10⁻⁴" (for a table); a mantissa
    other than one is kept ("2.5\\times 10^{-4}", "2.5×10⁻⁴")."""
    mantissa, exponent = _decimal_parts(v)
    mantissa = mantissa.removesuffix(".0")
    power = f"{_TEN}^{{{exponent}}}" if tex else f"{_TEN}{str(exponent).translate(SUPERSCRIPT)}"
    return power if mantissa == "1" else mantissa + ("\\times " if tex else "×") + power


def _decimal_parts(v: float) -> tuple[str, int]:
    """The mantissa (one decimal, as text) and the exponent of ``v`` in scientific notation: ("4.8", -7)."""
    mantissa, exponent = f"{v:.1e}".split("e")
    return mantissa, int(exponent)


def targets_text(tg: pd.DataFrame, max_iter: int) -> str:
    """Markdown saying which systems meet the targets within ``max_iter`` rounds, one list item each (`_met_words`:
    the round that first met them, the rounds it ran and the wall time of all those rounds, said of the rounds run:
    `targets` does not time the rounds to the target alone), then one paragraph per system that does not."""
    ok, bad = tg[tg.met], tg[~tg.met]
    head = (f"With the default options, {len(ok)} of {len(tg)} systems reach consensus "
            f"$\\le {power_text(TARGET_CONSENSUS)}$ and gap $\\le {power_text(TARGET_GAP)}$ within "
            f"{grouped(max_iter)} rounds")
    lines = [head + (":\n\n" + "\n".join(f"- {_met_words(r)}" for r in ok.itertuples()) if len(ok) else ".")]
    for r in bad.itertuples():
        if raised(r.status):
            lines.append(f"{r.system} does not: its run failed ({r.status}).")
            continue
        more = ""
        if not np.isnan(r.ext_max_iter):
            more = (f" Allowed {grouped(r.ext_max_iter)} rounds, it "
                    + (f"reaches the target after {grouped(r.ext_it_target)}." if not np.isnan(r.ext_it_target)
                       else f"ends with gap {sci_text(r.ext_gap)} ({_status_words(r.ext_status)})."))
        lines.append(f"{r.system} does not: after {grouped(r.iterations)} rounds ({_status_words(r.status)}) its "
                     f"gap is {sci_text(r.gap)} and its consensus {sci_text(r.consensus)}.{more}")
    return "\n\n".join(lines)


def _met_words(r) -> str:
    """A system of `targets_text` that met the target: "**case9:3**: target first met in round 9; 10 rounds run in
    1.42 s (set-up left out)", the time that of every round run (``total_s``, at the tables' precision,
    `seconds_text`), not of the rounds to the target. The label is bold: a label with its areas holds a colon of its
    own, and "case9:3: target" read as one run of colons."""
    return (f"**{r.system}**: target first met in round {grouped(r.it_target)}; {counted(r.iterations, 'round')} "
            f"run in {seconds_text(r.total_s)} s (set-up left out)")


def _status_words(status: str) -> str:
    """A run's status in words (`STATUS_WORDS`: "round limit" for ``max_iter``), other statuses as they are."""
    return STATUS_WORDS.get(status, status)


def fmt_iteration(v: float) -> str:
    """'after N' or 'never' for a count of rounds that may be NaN."""
    return "never" if np.isnan(v) else f"after {grouped(v)}"


def store_text(st: xr.Dataset, table: pd.DataFrame) -> str:
    """Markdown: which store the chapter reads, in the book's one store line (`forlab.book.store.origin_text`), and
    what its runs (``table``, `convergence_table`) cover: those of the tables below (`study_table`) and those of
    the growth systems (`growth_only`), which only the coordinator's growth reads, so that the count is not taken
    for the tables' rows."""
    growth = len(table) - len(study_table(st, table))
    covers = (f", {len(table) - growth} in the tables below and {growth} of the growth systems" if growth
              else ", all in the tables below")
    return f"{origin_text(st)}: {counted(len(table), 'run')}{covers}."


def kkt_text(kk: pd.DataFrame) -> str:
    """One paragraph per system (Markdown): how ALADIN-alpha's QP ends against the default QP."""
    return "\n\n".join(
        f"{r.system}: ALADIN-$\\alpha$'s QP ends with gap {sci_text(r.gap)} and consensus {sci_text(r.consensus)} "
        f"after {grouped(r.iterations)} rounds ({_status_words(termination(r))}); the default QP "
        + (f"reaches the target after {grouped(d.it_target)}." if not np.isnan(d.it_target)
           else f"ends with gap {sci_text(d.gap)}.")
        for r in kk[kk.qp == "kkt"].itertuples()
        for d in kk[(kk.qp == "reduced") & (kk.system == r.system)].itertuples())


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci_text(v: float) -> str:
    """``v`` in scientific notation for a table: "4.8×10⁻⁷" (no break inside, no LaTeX), "0" for zero."""
    if not np.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    mantissa, exponent = _decimal_parts(v)
    return f"{mantissa}×10{str(exponent).translate(SUPERSCRIPT)}"


def _sci(frame: pd.DataFrame, columns=("gap", "consensus"),
         counts=("iterations", "it_loose", "it_target")) -> pd.DataFrame:
    """``frame`` with the given columns written as 1.2×10⁻⁵ (`sci_text`), and its round ``counts`` (where
    present) as whole numbers (`whole_numbers`) with a missing value where a target was not reached."""
    frame = frame.copy()
    for c in columns:
        frame[c] = frame[c].map(sci_text)
    for c in counts:
        if c in frame:
            frame[c] = whole_numbers(frame[c])
    return frame


def whole_numbers(values) -> np.ndarray:
    """Counts (rounds, rows, buses, bytes) as the chapter's tables print them: whole numbers with their thousands
    grouped (`forlab.book.tables.fixed`, the book's one grouping: "2 000" rounds beside "1 569.1" ms), missing where
    a target was not reached or a run has none."""
    return fixed(pd.Series(values, dtype=float), 0, group=True).to_numpy()


TARGETS_WORDS = {"it_loose": "loose target at round", "it_target": "target at round"}
"""The two targets of the tables: loose (`LOOSE_CONSENSUS`, `LOOSE_GAP`) and the stopping target
(`TARGET_CONSENSUS`, `TARGET_GAP`); "–": not reached."""


def convergence_shown(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The convergence table as the chapter prints it, in two tables that fit the column, one row per system and
    run (`run_label`; a longer re-run says its round limit) each: rounds, the rounds of the two targets ("–": not
    reached), final gap and consensus (`sci_text`); then the wall time of the rounds (`ROUNDS_TIME`), the time per
    round and the integrated AC-OPF's whole run, model build and solve (`INTEGRATED_SOLVE`, the reference of every
    ratio on the page; its Ipopt solve alone beside the rounds' wall time would invite the ratio the page calls
    unsound), each column in one unit."""
    t = _sci(table)
    extended = t.max_iter > t.groupby(["system", "algorithm", "qp", "mode"]).max_iter.transform("min")
    t["run"] = [run_label(r) + (f", limit {grouped(r.max_iter)}" if e else "")
                for r, e in zip(t.itertuples(), extended)]
    t["time_per_iter_ms"] = fixed(1e3 * t.time_per_iter_s, 1, group=True).to_numpy()
    t["central_wall_s"] = fixed(t.central_wall_s, WALL_DIGITS["central_wall_s"], group=True).to_numpy()
    t["total_s"] = fixed(t.total_s, SECONDS_DIGITS, group=True).to_numpy()
    t = t.set_index(["system", "run"])
    return (printable(t, {"iterations": "rounds", **TARGETS_WORDS, "gap": "final gap",
                          "consensus": "final consensus"}),
            printable(t, {"total_s": ROUNDS_TIME, "time_per_iter_ms": "time per round (ms)",
                          "central_wall_s": INTEGRATED_SOLVE}))


INTEGRATED_SOLVE = "integrated AC-OPF, build and solve (s)"
"""The column of the integrated AC-OPF's whole run, its model build and its solve (the book's name for the
centralized AC-OPF, as chapters 05, 06, 08, 09 and 12 call it; the glossary keeps "centralized" as its gloss): in
the convergence table (`convergence_shown`) and the whole runs' table (`WALL_TIMES`) alike."""


def regions_shown(st: xr.Dataset) -> pd.DataFrame:
    """The partition table of a store (``area_*``) as the chapter prints it, one row per system and region. It fits
    the 688 px column of a 1280 px window (it was 768 px wide): the system names may break after "+"
    (`forlab.book.tables.page_index`), and the widest header word may hyphenate, "con-sensus" (a soft hyphen, shown
    only where the line breaks)."""
    t = frame(st, "area")
    t.index = page_index(t.system, t.region, names=["system", "region"])
    headers = {"core_buses": "core buses", "copy_buses": "copy buses", "branches": "branches",
               "cut_branches_owned": "rated ties it limits", "units": "units", "variables": "variables",
               "consensus_rows": "con\u00adsensus rows it is in"}
    return printable(t.assign(**{c: whole_numbers(t[c]) for c in headers}), headers)


def _level_text(v: float) -> str:
    """A consensus violation in prose: two significant digits from 0.01 to 99 ("1.1", "42"; Python writes 300 with
    two of them as "3e+02"), else `sci_text`."""
    return f"{v:.2g}" if 1e-2 <= abs(v) < 100 else sci_text(v)


RATIO_DIGITS = 1
"""The decimals of every ratio to the integrated AC-OPF in the ratios' table of `wall_times_tables`, the paired
range's too; the sentence under it compares the ratios as printed so (`forlab.book.tables.as_printed`)."""

WALL_DIGITS = {"central_wall_s": 3, "inprocess_s": 2, "dask_s": 2, "inprocess_ratio": RATIO_DIGITS,
               "dask_ratio": RATIO_DIGITS, "dask_floor_ratio": RATIO_DIGITS}
"""The decimals `wall_times_shown` prints of each column of `wall_times` (`forlab.book.tables.fixed`: every row of a
column at the same precision, "0.090" and "1.50" with their trailing zeros)."""


MARGINAL = 1.5
"""The largest ratio of one whole run to another that this chapter calls a marginal slowdown (forlab's reading of
the P3 paper's word, which its abstract does not quantify): at most half as long again."""


def whole_run_s(r) -> float:
    """A run's whole time, s: the regions' set-up plus its rounds (``setup_s`` + ``total_s``), the time
    `forlab.studies.ch07_aladin.study.fastest_run` keeps the fastest of and
    `forlab.studies.ch07_aladin.readers.wall_times` sets against the integrated AC-OPF. ALADIN's and ADMM's runs
    are timed alike (`forlab.p3_aladin.execution.run` times the set-up of both, the algorithm its rounds), so a
    comparison of the two sets whole run against whole run. ``r``: a row of `runs` (or a frame of them)."""
    return r.setup_s + r.total_s


WHOLE_RUN = "whole run: set-up and rounds (s)"
"""The row or column name of a whole run's time in the chapter's tables (`whole_run_s`)."""

ROUNDS_TIME = "wall time of the rounds (s)"
"""The column name of a run's rounds alone, by the wall clock (``total_s``: the regions' set-up left out)."""

SECONDS_DIGITS = 2
"""The decimals of a run's time in seconds, its rounds (`ROUNDS_TIME`) or its whole run (`WHOLE_RUN`), in the
chapter's tables and in the sentences beside them (`seconds_text`): one precision, so that a sentence reads "0.45 s"
where its table prints 0.45, not "0.4 s"."""


def seconds_text(v: float) -> str:
    """A run's time in seconds as the chapter's tables print it (`SECONDS_DIGITS` decimals, thousands grouped,
    `forlab.book.tables.fixed`), for a sentence beside them: "0.45", "1 569.10"."""
    return fixed([v], SECONDS_DIGITS, group=True).iloc[0]


ROUND_UNITS = ("iterations", "steps")
"""The units in which the registry of anchors (and a store's copy of it) gives the published counts of ADMM's and
ALADIN's iterations: the book calls those rounds (glossary, "Round"), so `shown_anchor` prints them as rounds."""


def shown_anchor(a) -> str:
    """A published anchor as `forlab.book.anchors.Anchor.show` prints it, a count in `ROUND_UNITS` as rounds ("66
    rounds"): the same number under the book's one name."""
    return (dataclasses.replace(a, unit="rounds") if a.unit in ROUND_UNITS else a).show()


def published_text(published: dict) -> str:
    """The other groups' published runs (`anchors`) in one sentence (Markdown), their rounds named so
    (`shown_anchor`)."""
    p = {k: shown_anchor(a) for k, a in published.items()}
    return (f"PowerModelsADA's ADMM needs {p['powermodelsada_admm_case300_iterations']} and "
            f"{p['powermodelsada_admm_case300_s']} on {p['powermodelsada_admm_case300_cores']} on PGLib case300 "
            f"in areas of its own, at its own tolerances; rapidPF's least-squares ALADIN needs "
            f"at most {p['rapidpf_aladin_max_steps']} (\"about half a dozen coordinating steps\", its authors write) "
            f"on systems of up to {p['rapidpf_largest_buses']}, for the easier power-flow problem (a zero-residual "
            "least-squares problem, no optimality).")


FIELD_WORDS = {"lambda": "λ, consensus multipliers", "z": "z, proximal point", "rho": "ρ, penalties",
               "qp": "QP form (ALADIN's qp option: which fields the region sends back)",
               "x": "x, local solution", "cost": "local cost", "grad": "cost gradient",
               "hess": "Hessian of the Lagrangian", "jac": "Jacobian of the equalities",
               "jac_ineq": "Jacobian of the inequalities", "ineq_lo": "distances to lower limits",
               "ineq_up": "distances to upper limits", "y": "y, multipliers", "x_c": "x, coupled variables",
               "mu": "μ, consensus slack penalty", "dv": "reduced step", "step": "length of the last local move",
               "hess_r": "reduced Hessian (upper triangle)", "grad_r": "reduced gradient",
               "AZ": "coupling block (free directions to coupled variables)", "G_r": "near limits, reduced rows",
               "lo_r": "near limits, room below", "up_r": "near limits, room above", "id_r": "near limits, positions",
               "G_w": "watched limits, reduced rows", "lo_w": "watched limits, room below",
               "up_w": "watched limits, room above", "pos_w": "watched limits, positions",
               "far_radius": "radius free of other limits"}
"""What each message field of `message_summary` holds (ADMM's ``z`` is the average of the coupled variables; the
reduced fields are `forlab.p3_aladin.algorithm.reduction.LocalReduction.reduce`'s)."""


def messages_shown(st: xr.Dataset, systems: list[str]) -> pd.DataFrame:
    """`message_summary` of the given systems as the chapter prints it, indexed by system, algorithm, direction and
    field (in words, `FIELD_WORDS`): numbers (non-zeros) and pickled bytes per round, summed over regions."""
    msgs = message_summary(st)
    m = msgs[msgs.system.isin(systems)].copy()
    m["field"] = [("z, averages of the coupled variables" if a == "admm" and f == "z" else FIELD_WORDS.get(f, f))
                  for a, f in zip(m.algorithm, m.field)]
    m["algorithm"] = m.algorithm.str.replace("aladin", "ALADIN").str.replace("admm", "ADMM")
    m["direction"] = m.direction.str.replace("->", "→")
    m = m.assign(numbers=whole_numbers(m.numbers), bytes=whole_numbers(m.bytes))
    return printable(m.set_index(["system", "algorithm", "direction", "field"]),
                     {"numbers": "numbers", "bytes": "bytes"})


def provenance_text(st: xr.Dataset) -> str:
    """Where a store comes from: its path, git commit and creation time (Markdown), and its ADMM round cap (the
    store's ADMM options, else its ``admm_max_iter``): the profiles cap ADMM differently, and the page's tables say
    only "its own round limit" (the reader's review)."""
    options = json.loads(st.attrs["admm_options"]) if "admm_options" in st.attrs else {}
    cap = options.get("max_iter", json.loads(st.attrs["parameters"]).get("admm_max_iter"))
    said = f" ADMM runs at most {grouped(cap)} rounds in this store (its `admm_max_iter`)." if cap else ""
    return f"{origin_text(st)}.{said}"


def targets_shown(tg: pd.DataFrame) -> pd.DataFrame:
    """`targets` as the chapter prints them, one row per system: the target's round ("–": not reached), the rounds
    run (the limit, when the run did not stop by itself), final gap and consensus, the wall time of the rounds
    (`ROUNDS_TIME`); the column of systems headed in the one header row (`forlab.book.tables.one_header_row`)."""
    t = _sci(tg)
    t["total_s"] = fixed(t.total_s, SECONDS_DIGITS, group=True).to_numpy()
    return printable(t.set_index("system"), {"it_target": "target at round", "iterations": "rounds",
                                             "gap": "final gap", "consensus": "final consensus",
                                             "total_s": ROUNDS_TIME})
