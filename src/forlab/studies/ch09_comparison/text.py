"""Chapter 09's tables as the page prints them, and the sentences beside them.

The load every method is compared at (`common_load_text`); the per-system tables (`printed`, `page_table`,
`page_tables`, each method over its own loads `own_loads_table`) and what a "–" or a missing field in them means
(`dash_text`, `missing_text`); a negative deviation (`negative_text`); the runs the time ratios divide by
(`runs_text`, `lean_text`); the P1 paper's bound against the chapter's P1 cases (`p1_bound_text`); what each
method's messages send the TSO (`reveal_text`) and every store the chapter read (`sources_text`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.names import TIME_RATIO
from forlab.book.store import short_commit, written_utc
from forlab.book.tables import fixed, grouped, listed, page_index, printable, span
from forlab.opf.outcome import NOT_IN_STORE, negative_sentence
from forlab.studies import ch08_sensitivity, ch12_many_dsos
from forlab.studies.ch09_comparison.readers import (
    METHOD_CODES,
    METHOD_NAMES,
    ROW,
    _load,
    _method_rank,
    _sens_ok,
    _yardstick_spread,
    baseline_spread,
    common_load,
    leaning_ratios,
    per_system,
    slowest_run,
)
from forlab.studies.ch09_comparison.store import from_store
from forlab.studies.ch09_comparison.study import PROFILES, SCALE

__all__ = [
    "DASHES",
    "DEVIATION_DIGITS",
    "MISSING",
    "NOT_APPLYING",
    "NOT_APPLYING_WHY",
    "NO_PAPER_STORES",
    "OWN_LOADS",
    "OWN_LOADS_LEAD",
    "OWN_RANGES",
    "P1_SOURCES",
    "P2_LOAD",
    "PAGE_HEADERS",
    "PAGE_TABLES",
    "PRINTED",
    "PROFILE_SOURCES",
    "REVEALS",
    "REVEAL_HEADER",
    "RUN_SOURCES",
    "SCALE_SOURCE",
    "SENS_RUNS",
    "SOURCES",
    "common_load_text",
    "dash_text",
    "lean_text",
    "missing_text",
    "negative_text",
    "own_loads_table",
    "p1_bound_text",
    "page_table",
    "page_tables",
    "printed",
    "reveal_text",
    "runs_text",
    "sources_text",
]


REVEALS = {
    METHOD_NAMES[0]: "box, polynomial region (the coefficients of its implicit polynomial and its margin) and "
                     "quadratic price over (P, Q, V) at each PCC; the PCC's identity and base power; the fit "
                     "statistics (the `info` of `forlab.p1_for.offer.Offer`: the fit's settings, the degree "
                     "chosen, its test accuracy and false-feasible rate, the volume kept, the price's errors). The "
                     "TSO's answer is a PCC point",
    METHOD_NAMES[1]: "PQ charts and costs of the flexibility-providing units (FPUs); a K-facet polytope over the FPU "
                     "set-points, the PCC voltage (with two PCCs, the second's voltage and their angle difference too) "
                     "and, where it varies, the DS load factor, with the inputs' sampled ranges and normalisation; "
                     "quadratic PCC-power regressors; the fit statistics (the `info` of "
                     "`forlab.p2_surrogate.model.DSSurrogate`), among them each regressor's largest training error "
                     "(`train_max_abs_error`), from which the "
                     "TSO sizes its reserve (`forlab.p2_surrogate.tso.import_error_bound`); at dispatch the DS's load "
                     "factor. The TSO sets the FPU dispatch itself and sends the DSO its FPUs' set-points",
    METHOD_NAMES[2]: "per round: each region's coupled variables, cost and the length of its last step; its reduced "
                     "Hessian and gradient in an unnamed basis of its free directions, how they move the coupled "
                     "variables, its linearised limits near their bounds and the watched far limits a longer step "
                     "could reach, and one radius, how far the nearest of its other limits is; in a limit pass, the "
                     "unwatched far limits the coordinator's tentative step would cross, with a new radius; many "
                     "rounds",
}
"""What each method's messages reveal about a DS ("FPU" spelled out here too, as the answer does, `FPUS_HELD`), both
ways, in the words of the book's security page (book/security.md): P1's are every field of
`forlab.p1_for.offer.Offer.to_dict` (its ``info`` as `forlab.p1_for.representation` fills it); P2's every field of
`forlab.p2_surrogate.model.DSSurrogate.to_dict` and what `forlab.p2_surrogate.tso.surrogate_bytes` counts besides
(the load factor, DSO -> TSO; the FPUs' set-points, TSO -> DSO); P3's what a region sends per round and in a limit
pass (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`)."""


DEVIATION_DIGITS = ch08_sensitivity.ONLINE_DIGITS["deviation_pct"]
"""Decimals of a deviation (%) as this page's sentences and chapter 08's table print it: a difference the page states
of two deviations it prints (`rerun_gaps`, `_spread`, the accuracy lead) is taken of the printed values
(`forlab.book.tables.as_printed`), so that a reader who subtracts them gets the same last digit."""


def _loads_words(cases: pd.DataFrame) -> str:
    """The loads one method's ``cases`` ran, as a reader reads them: "at 60, 80 and 100 %", or where they are many
    (random scenarios) "over 25 load scenarios per system, 70 to 100 %"."""
    load = _load(cases)
    pct = sorted({round(100 * v) for v in load})
    if load.nunique() <= 4:
        return f"at {listed(pct)} %"
    per = cases.groupby("system").size()
    n = span(per, grouped)  # one count where every system ran as many
    return f"over {n} load scenarios{' per system' if len(per) > 1 else ''}, {pct[0]} to {pct[-1]} %"


P2_LOAD = "the mean TS load factor of each scenario"
"""What P2's load is in this chapter's tables and sentences (`p2_rows`, `_load`): its scenarios draw the DS load
factors apart from the TS's, so the page says so wherever it prints P2's load (`common_load_text`,
`OWN_LOADS_LEAD`)."""


def _ds_loads_words(cases: pd.DataFrame) -> str:
    """The range of P2's DS load factors over its ``cases`` (their ``ds_load``, each scenario's mean over its DSs), as
    a reader reads it: "60 to 100 %"; "" where the rows do not carry it."""
    ds = cases.ds_load[cases.method == METHOD_NAMES[1]].astype(float).dropna() if "ds_load" in cases else []
    return span(100 * ds, ".0f", " %") if len(ds) else ""


def _method_loads(method: str, cases: pd.DataFrame) -> str:
    """The loads one method's ``cases`` ran (`_loads_words`); for P2 what that load is (`P2_LOAD`) and the range of
    its DS load factors (`_ds_loads_words`)."""
    said = f"{method} {_loads_words(cases)}"
    if method != METHOD_NAMES[1]:
        return said
    ds = _ds_loads_words(cases)
    return f"{said} ({P2_LOAD}" + (f"; its DSs' mean load factor {ds}" if ds else "") + ")"


def common_load_text(cases: pd.DataFrame) -> str:
    """Markdown: at which load the tables, figure and verdicts that follow compare the methods (`common_load`) and
    which loads each method ran (every case of ``cases``), as the own-loads table (`own_loads_table`) shows them; P2's
    load is its scenarios' mean TS load (`P2_LOAD`), said with its DS load factors, at the common load and over all
    its cases (`_method_loads`)."""
    same = common_load(cases)
    if same.empty:
        return "The methods share no load on any system here, so no table below compares them like with like."
    each = "; ".join(_method_loads(m, g) for m, g in cases.groupby("method", sort=False))
    ds = _ds_loads_words(same)
    p2 = (f" (for {METHOD_NAMES[1]}, {P2_LOAD}" + (f", with its DSs' mean load factor {ds} there" if ds else "") + ")"
          if (same.method == METHOD_NAMES[1]).any() else "")
    # two sentences: P2's clause and the chapters' loads would otherwise stand as two parentheses in a row
    return (f"These tables compare every method at the load all of them ran on each system, "
            f"{_loads_words(same.drop_duplicates('load_min'))} of nominal load{p2}. The method chapters ran {each}; "
            "the table of each method over every load it ran comes after these tables.")


PRINTED = {"deviation_mean_pct": "deviation, mean (%)", "deviation_max_pct": "deviation, max (%)",
           "abs_deviation_pct": "|deviation|, feasible (%)", "feasible_pct": "feasible after T+D PF (%)",
           "tso_ms": "TSO (ms)", "dso_ms": "DSO (ms)", "solve_time_ms": "online (ms)",
           "wall_time_ms": "online wall (ms)", "integrated_solve_time_ms": "integrated AC-OPF (ms)",
           "time_ratio": TIME_RATIO, "baseline_spread": "integrated AC-OPF, largest / smallest run",
           "offline_time_s": "offline (s)", "kB": "exchanged (kB)"}
"""Columns of `printed`: the row's name -> the header a paper prints (``kB``: the row's ``bytes_exchanged`` in kB,
the unit of the prose; ``baseline_spread``: `baseline_spread`)."""


def lean_text(table: pd.DataFrame, short: bool = False) -> str:
    """Markdown, a sentence: which run's yardstick is the slowest on every system of a per-system ``table``
    (`slowest_run`), by how much against the mean of the other runs' (``lean`` of `leaning_ratios`), and that
    method's mean time ratio against the other runs' yardstick; ``short``: the run and that ratio alone, for a verdict
    beside the note that gives the rest. "" where no run leans one way."""
    method = slowest_run(table)
    if method is None:
        return ""
    lean = leaning_ratios(table, method)
    ratio = f"{grouped(lean.ratio.mean(), 2)}x"
    if short:
        return (f" {method}'s run has the slowest yardstick on every one of these systems, a lean of that run and not "
                f"noise: against the other runs' its mean ratio would be {ratio}.")
    return (f" On every one of these {len(lean)} systems the integrated AC-OPF of {method}'s run is the slowest, "
            f"{span(lean.lean, lambda v: grouped(v, 2), 'x')} the mean of the other runs': a lean of that run, not "
            f"noise, which makes {method}'s ratios smaller; against the other runs' yardstick its mean ratio over "
            f"these systems would be {ratio}.")


NOT_APPLYING = dict(ch08_sensitivity.NOT_APPLYING)
"""The `ROW` columns that do not apply to a method, by method code: chapter 08's rule
(`forlab.studies.ch08_sensitivity.applicable`), whose column names are the `ROW`'s, so ALADIN's offline time and
P2's DSO part print "–", not 0.0."""


def _applying(t: pd.DataFrame) -> pd.DataFrame:
    """``t`` (rows in `ROW` columns, methods by name) with the values of `NOT_APPLYING` missing, by chapter 08's
    `forlab.studies.ch08_sensitivity.applicable`; the rows keep 0.0 there, which `_offline_line` reads as "none"."""
    coded = t.assign(method=t.method.map(dict(zip(METHOD_NAMES, METHOD_CODES))))
    return ch08_sensitivity.applicable(coded).assign(method=t.method)


def printed(table: pd.DataFrame) -> pd.DataFrame:
    """A per-system table with the column names and rounding a paper prints; a table stored before a column existed
    shows it as missing (its status `forlab.opf.outcome.NOT_IN_STORE`), and so does a value that does not apply to
    its method (`NOT_APPLYING`). Data exchanged in kB, as the prose says it."""
    t = table.copy()
    for c in ROW:
        if c not in t:
            t[c] = NOT_IN_STORE if c == "status" else np.nan
    t = _applying(t)
    t["load (%)"] = [f"{100 * a:.0f}" if abs(a - b) < 1e-9 else f"{100 * a:.0f}-{100 * b:.0f}"
                     for a, b in zip(t.load_min, t.load_max)]
    t["kB"] = t["bytes_exchanged"].astype(float) / 1e3
    t["baseline_spread"] = baseline_spread(t)
    t = t.rename(columns=PRINTED)
    cols = ["system", "method", "cases", "status", "load (%)", *[PRINTED[c] for c in PRINTED if c != "kB"],
            "rounds", PRINTED["kB"]]
    t = t[cols].set_index(["system", "method"])
    digits = {"deviation, mean (%)": 4, "deviation, max (%)": 4, "|deviation|, feasible (%)": 4,
              "feasible after T+D PF (%)": 1, "TSO (ms)": 1, "DSO (ms)": 1, "online (ms)": 1, "online wall (ms)": 1,
              "integrated AC-OPF (ms)": 1, PRINTED["time_ratio"]: 2, PRINTED["baseline_spread"]: 2,
              "offline (s)": 1, "rounds": 1, PRINTED["kB"]: 1}
    t = t.round(digits)
    # a tiny negative deviation rounds to -0.0, which prints "-0.0000": adding 0.0 drops the sign of a zero
    return t.assign(**{c: t[c] + 0.0 for c in digits})


PAGE_TABLES = {
    "accuracy": {"cases": 0, "status": None, "load (%)": None, "deviation, mean (%)": 4, "deviation, max (%)": 4},
    "feasibility": {"|deviation|, feasible (%)": 4, "feasible after T+D PF (%)": 1},
    "time": {"TSO (ms)": 1, "DSO (ms)": 1, "online (ms)": 1, "online wall (ms)": 1, "integrated AC-OPF (ms)": 1},
    "effort": {PRINTED["time_ratio"]: 2, PRINTED["baseline_spread"]: 2, "offline (s)": 1, "rounds": 0,
               PRINTED["kB"]: 1},
}
"""The tables a page shows of a per-system table (`printed` columns -> digits; None: shown as it is), so that none
is wider than the book's column. `page_table` groups the thousands of every number it formats
(`forlab.book.tables.grouped`), counts of cases, times, rounds and kB alike, as chapter 12's tables group theirs."""

PAGE_HEADERS = {"feasible after T+D PF (%)": "feasible (%)",
                "|deviation|, feasible (%)": "mean |deviation|, feasible cases (%)",
                PRINTED["time_ratio"]: f"{TIME_RATIO}, mean of per-case ratios",
                PRINTED["baseline_spread"]: "integrated AC-OPF, largest / smallest of the methods' runs"}
"""Headers the page words differently from `printed`. The time ratio is the mean of each case's ratio (online time
over the integrated AC-OPF's of the same run: for P1 and P2 timed just before the online step, the pair a noisy
machine times alike; for ALADIN timed just before each repeat of its run), not the ratio of the
mean times of the time table, which a single slow case would tilt; beside it, how far that integrated AC-OPF's time moves
between the methods' runs on the system (`baseline_spread`)."""


def page_table(table: pd.DataFrame, part: str | dict) -> pd.DataFrame:
    """One of the `PAGE_TABLES` (``"accuracy"``, ``"feasibility"``, ``"time"``, ``"effort"``, or columns and digits
    given as they are) of a per-system table:
    the columns and numbers of `printed`, as text with fixed digits, rows grouped by system (methods by their full
    names, `METHOD_NAMES`, in that order), and "–" where a method has no value (a failed case's deviation, or a
    field the store it came from does not hold: `missing_text` says which), thousands grouped
    (`forlab.book.tables.grouped`: "4 380.4" kB, "1 066.4" ms). "feasible (%)" is the share of cases
    whose dispatch is feasible in the T+D power flow. The system names may break after each "+", as in every
    other table of the book (`forlab.book.tables.page_index`): whole, the longest of them widened the table past the
    book's column."""
    digits = PAGE_TABLES[part] if isinstance(part, str) else part
    t = printed(table)
    systems = list(dict.fromkeys(t.index.get_level_values("system")))
    order = sorted(range(len(t)), key=lambda i: (systems.index(t.index[i][0]),
                                                  _method_rank(t.index[i][1])))
    t = t.iloc[order]
    t["load (%)"] = t["load (%)"].str.replace("-", "\u2011")  # a non-breaking hyphen: "60-100" stays on one line
    for c, d in digits.items():
        if d is not None:
            # a whole number with 0 digits, else one digit (a mean of rounds may lie between two)
            t[c] = [np.nan if not np.isfinite(v) else grouped(v, d if d or v == round(v) else 1)
                    for v in t[c].astype(float)]
    shown = printable(t, {c: PAGE_HEADERS.get(c, c) for c in digits})
    shown.index = _page_rows(shown.index.get_level_values("system"), shown.index.get_level_values("method"))
    return shown


def _page_rows(systems, methods) -> pd.MultiIndex:
    """The (system, method) index of a `page_table` row as the page prints it (`forlab.book.tables.page_index`):
    `dash_text` finds a shown row's per-system row by it."""
    return page_index(list(systems), list(methods), names=["system", "method"])


MISSING = {"deviation_mean_pct": "judged deviation", "feasible_pct": "T+D power-flow feasibility",
           "wall_time_ms": "online wall time", "solve_time_ms": "online solver time"}
"""Outcome fields `missing_text` looks for, as it names them."""


def missing_text(table: pd.DataFrame) -> str:
    """Markdown: per method, the outcome fields that no row of ``table`` (per case or per system) holds because the
    store it came from was written before the outcome record (`forlab.opf.outcome.NOT_IN_STORE`), and the failed
    cases; empty when every field is there and no case failed (the tables say that themselves)."""
    lines = []
    for m in sorted(dict.fromkeys(table.method), key=_method_rank):
        g = table[table.method == m]
        gone = [what for c, what in MISSING.items() if c in g and g[c].isna().all() and not (g.failed == g.cases).all()]
        if gone:
            lines.append(f"- {m}: {', '.join(gone)}: {NOT_IN_STORE} (written before the outcome record).")
        if g.failed.sum():
            lines.append(f"- {m}: {grouped(g.failed.sum())} of {grouped(g.cases.sum())} case(s) failed; a failed case "
                         "has no deviation and counts as infeasible.")
    return "\n".join(lines)


def negative_text(table: pd.DataFrame) -> str:
    """Markdown, said once where a per-system ``table`` shows one: what a negative mean deviation of a method on a
    system means (`forlab.opf.outcome.negative_sentence`); empty without one."""
    neg = table[table.deviation_mean_pct.astype(float) < 0]
    return negative_sentence([(f"{r.method} on {r.system}", float(r.deviation_mean_pct)) for r in neg.itertuples()])


SENS_RUNS = {"sens": "chapter 08's default run", "sens_paper": "chapter 08's paper-scale run"}
"""Chapter 08's runs this chapter reads (store dimension -> how the page names the run): the default run
(``sensitivity_params``) and, with ``use_profiles``, the paper-scale run (`PROFILES`), sized closer to the method
chapters' own settings. Every statement that reads them names the run."""


P1_SOURCES = {"default_case": "the default runs", "case": "the paper-scale runs", **SENS_RUNS}
"""The chapter's P1 cases `p1_bound_text` holds against P1's paper: store dimension -> how the text names them."""


def _p1_cases(st: xr.Dataset, dim: str) -> pd.DataFrame:
    """The finished P1 cases of one of `P1_SOURCES` in ``st``: system and judged deviation (%), a shared case of
    the sensitivity study (its base case) once. A sensitivity variant with other FPUs or ties than the base case is
    another system, named so (its variant label), since the bound is read as one on a system's mean over its load
    levels."""
    t = from_store(st, dim) if f"{dim}_system" in st else pd.DataFrame()
    if t.empty:
        return pd.DataFrame(columns=["system", "deviation"])
    if dim in SENS_RUNS:
        t = _sens_ok(t[t.method == "P1"]).drop_duplicates(["load_level", "n_fpus", "ties"])
        base = t[t.is_base.astype(bool)].iloc[0] if t.is_base.astype(bool).any() else None
        own = [r.system if base is None or (r.n_fpus, r.ties) == (base.n_fpus, base.ties)
               else f"{r.system} ({r.variant_label})" for r in t.itertuples()]
        return pd.DataFrame({"system": own, "deviation": t.deviation_pct.astype(float).to_numpy()})
    t = t[(t.method == METHOD_NAMES[0]) & (t.status == "ok")]
    return pd.DataFrame({"system": t.system, "deviation": t.deviation_mean_pct.astype(float)})


def _p1_above(cases: pd.DataFrame, bound: float) -> str:
    """How many of ``cases`` (`_p1_cases`) lie above ``bound``, the largest, and the systems whose mean over their
    cases does: "systems whose mean lies above it: A, 0.1320 %; B, 0.0694 %". A system of one case (a sensitivity
    variant) has no mean to speak of: where there is one among them, each says what its value is ("mean of its 3
    cases", "its one case")."""
    above = cases[cases.deviation > bound]
    per = cases.groupby("system", sort=False).deviation.agg(["mean", "size"])
    high = per[per["mean"] > bound]
    worst = (f", the largest {above.deviation.max():.4f} % on {above.system[above.deviation.idxmax()]}"
             if len(above) else "")
    if high.empty:
        return f"{grouped(len(above))} of {grouped(len(cases))} cases above it{worst}; no system's mean above it"
    if (high["size"] > 1).all():
        per_system = "systems whose mean lies above it: " + "; ".join(f"{k}, {r['mean']:.4f} %"
                                                                       for k, r in high.iterrows())
    else:
        what = {k: "its one case" if r["size"] == 1 else f"mean of its {grouped(r['size'])} cases"
                for k, r in high.iterrows()}
        per_system = "systems above it: " + "; ".join(f"{k}, {what[k]} {r['mean']:.4f} %" for k, r in high.iterrows())
    return f"{grouped(len(above))} of {grouped(len(cases))} cases above it{worst}; {per_system}"


def p1_bound_text(st: xr.Dataset) -> str:
    """Markdown: the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``, the dotted line of the systems
    figure), as the book reads it (chapter 08's `BOUND_READING`): a bound on the mean over a system's cases; and which
    of the chapter's P1 cases (`P1_SOURCES`) and per-system means lie above it, one line per source; empty without a
    P1 case."""
    bound = anchors.value("p1_deviation_pct")
    parts = [(what, _p1_cases(st, dim)) for dim, what in P1_SOURCES.items()]
    found = [f"- {what}: {_p1_above(cases, bound)}" for what, cases in parts if len(cases)]
    if not found:
        return ""
    head = (f"P1's paper bounds its cost deviation at {anchors.show('p1_deviation_pct')} (the dotted line above). Its "
            f"abstract does not say over what. {ch08_sensitivity.BOUND_READING} The book's P1 cases against it:")
    return "\n".join([head, "", *found])


DASHES = {"failed": "the value of a failed case", "infeasible": "the mean |deviation| of a method without a feasible "
          "finished case", "missing": "a value the store it came from does not hold (the list above names it)"}
"""What a "–" in a `page_table` stands for, by cause (`dash_text` names the causes that occur)."""

NOT_APPLYING_WHY = {"offline_time_s": ch12_many_dsos.P3_NO_OFFLINE, "dso_ms": ch12_many_dsos.P2_NO_DSO}
"""Why a column of `NOT_APPLYING` shows "–" (`dash_text`), in chapter 12's words (ALADIN's offline time, P2's DSO
side)."""


def _dash_cause(r, header: str) -> str:
    """Why the per-system row ``r`` shows "–" under ``header`` (a `page_table` header): a value that does not apply
    to its method (the `NOT_APPLYING` column's name), every case failed, no case was feasible (for the mean
    |deviation| of the feasible cases), or its store lacks the field."""
    code = dict(zip(METHOD_NAMES, METHOD_CODES)).get(r.method)
    for c, codes in NOT_APPLYING.items():
        if code in codes and header == PAGE_HEADERS.get(PRINTED[c], PRINTED[c]):
            return c
    if r.failed == r.cases:
        return "failed"
    feasible_only = header == PAGE_HEADERS["|deviation|, feasible (%)"]
    return "infeasible" if feasible_only and np.isfinite(r.deviation_mean_pct) else "missing"


def page_tables(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every `page_table` of a per-system ``table``, by part (`PAGE_TABLES`): built once, shown by the page and
    read by `dash_text`."""
    return {part: page_table(table, part) for part in PAGE_TABLES}


OWN_LOADS = {"cases": None, "load (%)": None, "feasible after T+D PF (%)": 1}
"""The columns of `own_loads_table` that `page_table` prints as it prints them elsewhere (`printed` columns ->
digits; None: shown as it is); `OWN_RANGES` adds the others."""

OWN_RANGES = {"deviation (%), mean (largest)": ("deviation_mean_pct", "deviation_max_pct", DEVIATION_DIGITS),
              f"{TIME_RATIO}, mean (largest)": ("time_ratio", "time_ratio_max", 2)}
"""The columns of `own_loads_table` that give a mean over a method's cases on a system and, in parentheses, the
largest (header -> the two `per_system` columns and the digits): the signed deviation, and the online time over the
integrated AC-OPF of the same run, so that a method's speed is shown over every load it ran and not only at the
load every method ran, where P1 is at its fastest. One column each keeps the table at five columns, as every page
table (`PAGE_TABLES`), within the book's column."""


OWN_LOADS_LEAD = ("Each method over every load its chapter ran, per system, with its time ratio over those loads; "
                  "no verdict below ranks the methods by this table, as their loads differ. For "
                  f"{METHOD_NAMES[1]} the load is {P2_LOAD}; its DS load factors were drawn apart from it (the line "
                  "above the first table of this section gives their range):")
"""The line above `own_loads_table` on the page; it says what P2's load is (`P2_LOAD`)."""


def _mean_largest(t: pd.DataFrame, mean: str, largest: str, digits: int) -> pd.Series:
    """Per row of ``t``, its ``mean`` and, in parentheses, its ``largest`` as `forlab.book.tables.fixed` prints
    them ("0.0182 (0.0551)"); NaN where the mean is missing (a method whose every case failed), which prints "–"."""
    m, top = fixed(t[mean].astype(float), digits), fixed(t[largest].astype(float), digits)
    return pd.Series([f"{a} ({b})" if isinstance(a, str) else np.nan for a, b in zip(m, top)], index=t.index)


def own_loads_table(cases: pd.DataFrame) -> pd.DataFrame:
    """Each method over every load it ran (all of ``cases``, one row per case, per system: `per_system`), beside the
    tables at the load the methods share (`common_load`): how far a method's deviation, feasibility and time ratio
    move with the load (`OWN_LOADS`, `OWN_RANGES`). No verdict ranks methods by it, as their loads differ; the speed
    verdict gives each method's mean ratio over its own loads beside the common load's (`_own_loads_clause`)."""
    largest = cases.groupby(["system", "method"], sort=False).time_ratio.max().rename("time_ratio_max")
    per = per_system(cases).join(largest, on=["system", "method"])
    shown = page_table(per, OWN_LOADS)
    keyed = per.set_axis(_page_rows(per.system, per.method))
    for k, (header, (mean, top, digits)) in enumerate(OWN_RANGES.items()):
        values = _mean_largest(keyed, mean, top, digits).reindex(shown.index)
        shown.insert(2 + 2 * k, header, values.where(values.notna(), "–"))
    return shown


def dash_text(table: pd.DataFrame, pages: dict[str, pd.DataFrame]) -> str:
    """Markdown: what a "–" in the page tables ``pages`` (`page_tables` of the per-system ``table``) stands for,
    naming only the causes that occur (`DASHES`, and the values that do not apply together, `NOT_APPLYING_WHY`);
    empty when no table shows one. The tables are passed in, not rebuilt: the legend speaks of the tables the page
    shows."""
    rows = dict(zip(_page_rows(table.system, table.method), table.itertuples()))  # keyed as the shown rows are
    causes = set()
    for shown in pages.values():
        for key, line in shown.iterrows():
            causes |= {_dash_cause(rows[key], h) for h, v in line.items() if v == "–"}
    why = [NOT_APPLYING_WHY[c] for c in NOT_APPLYING if c in causes]
    said = [DASHES[c] for c in DASHES if c in causes] + ([f"a value that does not apply ({'; '.join(why)})"]
                                                         if why else [])
    return f"A “–” in this section's tables is {' or '.join(said)}." if said else ""


NO_PAPER_STORES = ("No paper-scale store of the method chapters is available: run their `paper` profiles "
                   "(`forlab run 05_coordination --profile paper`, ...) or keep `archive/`.")


SOURCES = {"p1": "P1 coordination, {doc}`05_coordination`",
           "p2": "P2 surrogate, {doc}`06_ml_surrogate`", "p3": "P3 ALADIN, {doc}`07_aladin`",
           "sensitivity": "sensitivity study, {doc}`08_sensitivity`"}
"""The inputs of the chapter (keys of ``attrs["sources"]``) as a reader names them; the paper-scale stores are
``"profile <PROFILES key>"``, named after the default run of the same chapter (`PROFILE_SOURCES`)."""

PROFILE_SOURCES = {"P1": "p1", "P2": "p2", "P3": "p3", "sensitivity": "sensitivity"}
"""`PROFILES` key -> the `SOURCES` key of the same chapter."""
SCALE_SOURCE = "many DSOs, {doc}`12_many_dsos`"
"""The scale-out sweep (`SCALE`) as a reader names it; it is read at paper scale only (its default run sweeps
sizes too small for the question)."""


def _source_line(what: str, found: dict | None) -> str:
    if found is None:
        return f"- {what}: not available"
    return f"- {what}: `{found['store_path']}`, commit `{short_commit(found)}`, written {written_utc(found)} UTC"


def sources_text(st: xr.Dataset) -> str:
    """Markdown: every store the chapter read, as a list: what it is (with a link to its chapter), its path relative
    to the repository, its commit (short) and when it was written; a paper-scale store that was not found says so."""
    found = json.loads(st.attrs["sources"])
    lines = ["The default runs:"]
    lines += [_source_line(what, found.get(key)) for key, what in SOURCES.items()]
    lines += ["", "The paper-scale runs:"]
    for key, source in PROFILE_SOURCES.items():
        what = f"{SOURCES[source]}, `{PROFILES[key][1]}` profile"
        lines.append(_source_line(what, found.get(f"profile {key}")))
    lines.append(_source_line(f"{SCALE_SOURCE}, `{SCALE[1]}` profile", found.get("scale")))
    return "\n".join(lines)




def reveal_text() -> str:
    """Markdown table: what each method's messages send the TSO about a DS on purpose, per method (`REVEALS`, every
    item of it); what else the book's runs pass to the TSO's process is the security page's (book/security.md), to
    which the notebook's line above the table points; its header says what that line says ("what the TSO learns"
    said more than is sent on purpose)."""
    rows = [f"| {m} | {what} |" for m, what in REVEALS.items()]
    return "\n".join([f"| method | {REVEAL_HEADER} |", "| --- | --- |", *rows])


REVEAL_HEADER = "what its messages send the TSO on purpose"
"""The header of `reveal_text`'s second column, in the words of the notebook's line above the table ("What each
method's messages send the TSO about a DS on purpose")."""


RUN_SOURCES = {"paper": {m: f"profile {m.split(' ')[0]}" for m in METHOD_NAMES},
               "default": {m: m.split(" ")[0].lower() for m in METHOD_NAMES}}
"""Per section, each method's run as ``attrs["sources"]`` keys it (`sources`): the paper-scale runs (`PROFILES`)
and the default runs."""


def runs_text(st: xr.Dataset, which: str = "paper") -> str:
    """Markdown, said beside a section's time ratios (``which``: ``"paper"`` or ``"default"``, `RUN_SOURCES`): each
    ratio divides by the integrated AC-OPF solved in the method's own run, and the runs come from the commits and
    moments the store keeps (``attrs["sources"]``: ``git_commit``, ``created_utc``); the column beside the ratios is
    how far that yardstick moves between them (`baseline_spread`), with its largest value, and where one run's is the
    slowest on every system, that run's lean (`lean_text`). Empty where the store keeps none of these runs."""
    found = json.loads(st.attrs.get("sources", "{}"))
    runs = {m: found[k] for m, k in RUN_SOURCES[which].items() if found.get(k)}
    if not runs:
        return ""
    table = from_store(st, "sys" if which == "paper" else "default")
    commits = {short_commit(r) for r in runs.values()}
    each = "; ".join(f"{m}'s" + (f" of commit `{short_commit(r)}`," if len(commits) > 1 else "")
                     + f" written {written_utc(r)} UTC" for m, r in runs.items())
    same = (f"all of commit `{commits.pop()}`, at different moments" if len(commits) == 1
            else "of different commits, at different moments")
    text = (f"Each time ratio divides a method's online time by the integrated AC-OPF solved in that method's own run, "
            f"and the runs are {same} of the machines they ran on: {each}.")
    if table.empty:
        return text
    spread = _yardstick_spread(table)
    worst = spread.idxmax()
    return (f"{text} Beside the ratios, the integrated AC-OPF's largest time over its smallest among these runs on "
            f"the same system (up to {grouped(spread[worst], 2)}, on {worst}): two methods' ratios closer than that "
            "factor are not told apart by these runs." + lean_text(table))
