"""Markdown sentences of chapter 12, from a store or its rows (chapter 09 prints several of them of its copies): the
page's words for a number of DSs, a fraction and a solver time (`ds_count`, `percent`, `duration`) and the tie rule
(`tied`); the conditions a store's numbers hold under (`conditions_text`, `conditions`); what DS flexibility is worth
(`flexibility_text`, `share_ranges`, `over_all`, `no_worth`); the targets (`deviation_text`, `iterations_text`,
`missed_text`); the verdicts (`largest_size_text`, `winners_text`, `noise_text`, `growth_text`); the runs that failed or
are infeasible (`failures_text`, `violation_text`); P2 and P3 (`p2_text`, `p3_text`); the store and the profiles
(`store_text`, `paper_text`, `profile_text`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.provenance import machine_text
from forlab.book.runner import missing_profile_text
from forlab.book.store import origin_text, short_commit
from forlab.book.tables import as_printed, counted, fixed, fixed_text, grouped, listed, span
from forlab.opf.judge import GEN_TOL, MAX_VIOLATION_UNIT, VIOLATION_KINDS, held_counts, violation_words
from forlab.opf.outcome import NEGLIGIBLE_PCT
from forlab.opf.widening import AT_LIMIT_TOL
from forlab.studies import ch08_sensitivity as ch08
from forlab.studies.ch06_ml_surrogate.text import LITTLE_ACCEPTED
from forlab.studies.ch07_aladin.readers import FIT_R2_MIN
from forlab.studies.ch12_many_dsos.figures import _p1_walled
from forlab.studies.ch12_many_dsos.readers import (
    LARGE_TARGETS,
    METHODS,
    _extra_iterations,
    _large,
    _measured,
    _ok,
    coded,
    comparable,
    flexibility,
    frame,
    growth_fits,
    measures_shown,
    sizes,
    stored_point,
    targets,
    timing_noise,
    trend,
    why_not_compared,
    winners,
)
from forlab.studies.ch12_many_dsos.study import BASE, system_names

__all__ = [
    "HELD_WORDS",
    "NOISE_DEFINITION",
    "P3_STARTS",
    "WALL_TIME_STATUS",
    "WIDENING_KEYS",
    "accuracy_tie_text",
    "conditions",
    "conditions_text",
    "deviation_text",
    "ds_count",
    "duration",
    "failures_text",
    "flexibility_text",
    "given_up",
    "growth_text",
    "iterations_text",
    "largest_size_text",
    "missed_text",
    "narrow_words",
    "no_worth",
    "noise_text",
    "only_units_broke",
    "operating_point",
    "over_all",
    "p2_text",
    "p3_text",
    "paper_text",
    "percent",
    "percent_span",
    "polytopes_text",
    "profile_text",
    "share_ranges",
    "shown_apart",
    "store_text",
    "systems_text",
    "tied",
    "ts_base_mva",
    "violation_text",
    "widening_words",
    "winner_words",
    "winners_text",
    "workers_hold",
    "workers_verdict",
]


def operating_point(v: ch08.Variant = BASE) -> str:
    """The one operating point every size runs at (``v``, the sweep's `BASE`), in words, FPUs spelled out (chapter 09
    prints it before its first "FPU"): "nominal load, meshed DSs (tie lines closed) and
    `forlab.grid.td.load_system`'s default number of flexibility-providing units per DS". One case per size: what
    `conditions` says a verdict holds for, and what chapter 09 holds its accuracy lead to."""
    load = "nominal load" if v.level == 1 else f"{100 * v.level:.0f} % of nominal load"
    meshing = "meshed DSs (tie lines closed)" if v.ties == "all" else "radial DSs (tie lines open)"
    units = ("`forlab.grid.td.load_system`'s default number of flexibility-providing units per DS" if v.n_fpus is None
             else f"{counted(v.n_fpus, 'flexibility-providing unit')} per DS")
    return f"{load}, {meshing} and {units}"


def _point_words(point: ch08.Variant | None) -> str:
    """The operating point of `conditions`: read from the store's rows (`stored_point`), or, where they do not
    record it, `BASE`'s, said to be the code's."""
    if point is None:
        return (f"at one operating point (`forlab.studies.ch12_many_dsos.BASE`; the store's rows do not record it): "
                f"{operating_point()}")
    return f"at one operating point (read from its rows): {operating_point(point)}"


def ds_count(n: int) -> str:
    """A number of DSs in words ("1 DS", "8 DSs"), as the scale-out texts name a size (here and chapter 09's)."""
    return counted(n, "DS")


HELD_WORDS = "every FPU held at its base-case output (the chart point closest to zero output)"
"""What "held" means, said where the worth is first given (`flexibility_text`, `FLEXIBILITY_TITLE`; chapter 09
prints that text without chapter 12's introduction): by `forlab.grid.td.add_default_fpus` an FPU's base-case output is the point of its chart
closest to zero output, so holding it there uses no DS flexibility."""


def given_up(at: pd.DataFrame, shares: pd.Series) -> str:
    """Markdown: what each comparable method's dispatch at one size gives up of the worth of DS flexibility (``at``:
    that size's rows of `frame`, methods by code or by name; ``shares``: the size's row of `flexibility`, by code), in
    the order of `METHODS`: "P1 FOR offer gives up 21 % and P3 ALADIN ties with the optimum" (`_tied`); "" where no
    method has a share. Chapter 09's answer says it in the same words."""
    at = coded(at)
    good = at[comparable(at)].set_index("method")
    parts = [f"{METHODS[m]} ties with the optimum" if _tied(good.loc[m]) else f"{METHODS[m]} gives up {_share(v)} %"
             for m in ch08.METHODS if m in good.index and np.isfinite(v := float(shares.get(m, np.nan)))]
    return listed(parts) if parts else ""


def tied(dev: pd.Series) -> pd.Series:
    """Which cost deviations (%, signed or not) are within the solvers' tolerances
    (`forlab.opf.outcome.NEGLIGIBLE_PCT`): a tie with the optimum, whose share of the worth is noise (the tie rule of
    `accuracy_tie_text`); False for NaN (no compared deviation). The rule's one statement, for this chapter and
    chapter 09."""
    return dev.astype(float).abs() <= NEGLIGIBLE_PCT


def _tied(r) -> bool:
    """Whether a row's |cost deviation| is a tie with the optimum (`tied`)."""
    return bool(tied(pd.Series([r.deviation_pct])).iloc[0])


def _share(value: float) -> str | float:
    """A percentage as `flexibility_table` prints it (`percent`'s digits: whole from one per cent on, one significant
    digit below; without the unit), NaN where there is none."""
    return percent(value / 100).removesuffix(" %") if np.isfinite(value) else np.nan


def percent_span(values) -> str:
    """A range of percentages as the page prints them, the unit once at its end ("0.0009 to 0.02 %", `_share`'s
    digits; one value where both ends print alike): the one form of chapter 12's and chapter 09's ranges of the
    worth of DS flexibility and of its shares."""
    return span(values, _share, " %")


WALL_TIME_STATUS = "Maximum_WallTime_Exceeded"
"""Ipopt's status for a solve stopped by its wall-time limit (``time_limit_s``), as `fixed_fpus_fields` stores it."""


def no_worth(held_status: str, held_feasible: bool, limit_s: float | None = None,
             integrated_s: float = np.nan, widening: dict | None = None) -> str:
    """Why a size has no worth of DS flexibility, from its AC-OPF with every FPU held (``held_status`` and
    ``held_feasible``, the size's ``fixed_fpus_status`` and ``fixed_fpus_feasible`` of `sizes`): a clause that
    continues the caller's sentence ("No worth at 112 DSs: ..."), followed, where the held solve failed, by the
    sentences of what the elastic AC-OPF found; the caller ends the last with its full stop. A held-FPU solve stopped
    by Ipopt's wall-time limit is said with the limit (``limit_s``, the store's ``time_limit_s``; None: a store
    without its parameters) beside the integrated AC-OPF's solver time of that size (``integrated_s``, s). What the
    elastic AC-OPF found (``widening``: the size's `forlab.studies.ch12_many_dsos.held_widening_fields` by
    `WIDENING_KEYS`, `widening_words`) tells a held problem without a solution from a slow solve; without it (a store
    written before it) the text says that the store cannot tell the two apart (review R, finding 8). Sentences, not
    one clause joined by semicolons: the clause ran to some ninety words on the paper-scale store, in chapter 09's
    answer too. The one wording of why, for this chapter and chapter 09's answer."""
    status = str(held_status).removeprefix("failed: ")
    if status == WALL_TIME_STATUS:
        limit = f" of {grouped(limit_s)} s" if limit_s is not None else ""
        took = (f", though the integrated AC-OPF of that size took {duration(integrated_s)}"
                if np.isfinite(integrated_s) else "")
        return (f"the AC-OPF with every FPU held was stopped by Ipopt's wall-time limit{limit} (`time_limit_s`){took}. "
                f"{widening_words(widening, 'Why it ran that long')}")
    if held_status != "ok":  # a store written before the elastic AC-OPF: the status alone, as it always said
        why = f". {widening_words(widening, 'Why it failed')}" if widening is not None else ""
        return f"the AC-OPF with the FPUs held failed ({status}){why}"
    if not bool(held_feasible):
        return "with the FPUs held its dispatch breaks a limit in the T+D power flow: the FPUs are needed to keep it"
    return "the integrated AC-OPF has no cost there"


WIDENING_KEYS = ("widening_pu", "widening_status", "widening_below", "widening_below_ds", "widening_above",
                 "widening_above_ds")
"""The fields of `forlab.studies.ch12_many_dsos.held_widening_fields` without their prefix ``fixed_fpus_`` (chapter
09's copies carry ``flex_``): the keys of `no_worth`'s ``widening``."""


def widening_words(widening: dict | None, unknown: str) -> str:
    """What the elastic AC-OPF (`forlab.opf.widening`) found of a held problem whose solve failed, as sentences
    without the last full stop (`no_worth`'s caller ends them): that, as far as a local solve can tell, the held
    problem has no solution, with the least widening of the DSs' voltage limits with which it has one and where
    they give way (its buses at the widened lower and upper limits, and the DSs they lie in); that it needs none
    (the held solve was slow); or, where the elastic solve failed or the store has none, that ``unknown`` ("Why it
    ran that long", the start of a sentence) is not known."""
    w = widening or {}
    status = str(w.get("widening_status", "nan"))  # "nan": a store written before the elastic AC-OPF
    if status != "ok" or not np.isfinite(float(w.get("widening_pu", np.nan))):
        did = (f", and the elastic AC-OPF that would tell failed ({status.removeprefix('failed: ')})"
               if status not in ("nan", "ok") else
               ", since the store keeps Ipopt's status alone, which does not tell an infeasible solve from a slow one")
        return f"{unknown} is not known{did}"
    if float(w["widening_pu"]) <= AT_LIMIT_TOL:
        return ("The elastic AC-OPF (`forlab.opf.widening`) found a solution that keeps every DS voltage within its "
                "limits, so the held problem has one: the solve was slow, not without a solution")
    gave = [f"{_buses(n)} of {ds_count(int(w[f'widening_{side}_ds']))} {'is' if n == 1 else 'are'} at "
            f"{'its' if n == 1 else 'their'} widened {word} limit{'' if n == 1 else 's'}"
            for side, word in (("below", "lower"), ("above", "upper")) if (n := int(w[f"widening_{side}"]))]
    least = fixed_text(float(w["widening_pu"]), 4)
    return ("As far as a local solve can tell, the held problem has no solution: the elastic AC-OPF "
            f"(`forlab.opf.widening`) finds one only with the DSs' voltage limits widened by {least} p.u. or more. "
            f"At that least widening, {listed(gave)}. Without their FPUs the transmission system could not hold "
            "every DS's voltages within their limits")


def _buses(n: int) -> str:
    """"1 bus", "16 buses" (`forlab.book.tables.counted` would write "buss")."""
    return f"{grouped(int(n))} bus" if int(n) == 1 else f"{grouped(int(n))} buses"


def flexibility_text(st: xr.Dataset) -> str:
    """Markdown: what DS flexibility is worth over the sweep's sizes (`flexibility`), in $/h and in % of the
    integrated optimum, with what the FPUs are held at (`HELD_WORDS`); what the tie share means for a reader (a share
    below it cannot be told from a tie); each method's range of shares over the sizes with a worth, its ties said as
    ties (`share_ranges`); at the largest size with a worth, the share each comparable method gives up; each method
    that gives up more than all of it, where and by how much (`over_all`: there the T+D system cost more than with no
    DS flexibility used at all). Sizes without a worth are named with why (`no_worth`). Empty for a store without the
    fields."""
    t = frame(st)
    f = flexibility(st, t)
    if not len(f):
        return ""
    s = sizes(st).set_index("n_ds")
    has = f[np.isfinite(f.worth)]
    said = []
    if len(has):
        said.append(f"With {HELD_WORDS} and the TS units optimised alone, the T+D system costs "
                    f"{span(has.worth, '.2f', ' $/h')} more than at the integrated AC-OPF's optimum "
                    f"({percent_span(has.worth_pct)} of it, over {_ds_list(has.index)}): that is what DS "
                    f"flexibility is worth here, the scale of this chapter's cost deviations. A deviation within the "
                    f"solvers' tolerances, a tie with the optimum, is {percent_span(has.tie_share)} of that "
                    f"worth (per size in the table): a share below its size's tie cannot be told from a tie.")
        said.append(share_ranges(t, has))
        n = int(has.index.max())
        if given := given_up(t[t.n_ds == n], has.loc[n]):
            said.append(f"At {ds_count(n)}, of that worth, {given}.")
        said.append(over_all(t, has))
    missing = s.index[~np.isfinite(f.worth)]
    if len(missing):
        limit = json.loads(st.attrs["parameters"]).get("time_limit_s") if "parameters" in st.attrs else None
        own = t[t.method == "integrated"].set_index("n_ds").solve_time_s.astype(float)
        # a sentence per size: the why of a stopped solve is a clause of its own, too long for a parenthesis
        whys = {n: no_worth(s.fixed_fpus_status[n], s.fixed_fpus_feasible[n], limit, own.get(n, np.nan),
                            _widening(s.loc[n])) for n in missing}
        said += [f"No worth at {ds_count(int(n))}: {why}." for n, why in whys.items()]
    return " ".join(p for p in said if p)


def _widening(size: pd.Series) -> dict | None:
    """`no_worth`'s ``widening`` from one row of `sizes` (None for a store written before it)."""
    return {k: size[f"fixed_fpus_{k}"] for k in WIDENING_KEYS} if "fixed_fpus_widening_status" in size else None


def _shares(t: pd.DataFrame, has: pd.DataFrame) -> dict[str, tuple[pd.Series, list[int]]]:
    """Per method (by code, in the order of `METHODS`) with a comparable row at a size of ``has`` (the rows of
    `flexibility` with a worth): the shares of the worth it gives up where it does not tie, and the sizes where it
    ties (`_tied`), from the rows of `frame` ``t`` (methods by code or by name)."""
    t = coded(t)
    good = t[comparable(t) & t.n_ds.isin(has.index)]
    out = {}
    for m in [m for m in ch08.METHODS if m in has]:
        rows = good[good.method == m].sort_values("n_ds")
        tied = [int(r.n_ds) for r in rows.itertuples() if _tied(r)]
        shares = has[m].reindex([int(n) for n in rows.n_ds if int(n) not in tied]).dropna()
        if len(shares) or tied:
            out[m] = (shares, tied)
    return out


def share_ranges(t: pd.DataFrame, has: pd.DataFrame) -> str:
    """A sentence of each method's range of shares of the worth over the sizes with a worth (`_shares`; ``t``, the
    rows of `frame`, ``has``, the rows of `flexibility` with a worth, or both of chapter 09's copies,
    `flexibility_of_rows`), its ties said as ties: "Over the sizes with a worth, P1 FOR offer gives up 17 to 92 % of it
    (a tie at 2 DSs) and P3 ALADIN ties at 1, 4, 8 and 16 DSs."; "" where no method has one. The one wording, for
    this chapter and chapter 09's answer."""
    parts = []
    for m, (shares, tied) in _shares(t, has).items():
        ties = f"ties at {_ds_list(tied)}" if tied else ""
        if not len(shares):
            parts.append(f"{METHODS[m]} {ties}")
            continue
        gives = f"{METHODS[m]} gives up {percent_span(shares)} of it"
        parts.append(gives + (f" ({ties.replace('ties', 'a tie')})" if tied else ""))
    return f"Over the sizes with a worth, {listed(parts)}." if parts else ""


def over_all(t: pd.DataFrame, has: pd.DataFrame) -> str:
    """A sentence of where a method's dispatch gave up more than all of the worth (a share above 100 %, not a tie,
    `_shares`; ``t`` and ``has`` as `share_ranges` takes them), with the shares: "P2 ML surrogate's dispatch gave up
    more than all of the worth at 2 DSs (152 %) and 4 DSs (300 %): there the T+D system cost more than with no DS
    flexibility used at all."; "" where none did. The one wording, for this chapter and chapter 09's answer."""
    parts = []
    for m, (shares, _) in _shares(t, has).items():
        if len(over := shares[shares > 100]):
            where = listed([f"{ds_count(int(n))} ({_share(v)} %)" for n, v in over.items()])
            parts.append(f"{METHODS[m]}'s dispatch gave up more than all of the worth at {where}")
    return f"{listed(parts)}: there the T+D system cost more than with no DS flexibility used at all." if parts else ""


def conditions_text(st: xr.Dataset) -> str:
    """Markdown, one paragraph: the conditions a store's numbers hold under, read from the store (its parameters
    and machine, `conditions`); "" for a store without its parameters."""
    if "parameters" not in st.attrs:
        return ""
    s = sizes(st)
    return conditions(json.loads(st.attrs["parameters"]), st.attrs, s.n_ds, s.buses, point=stored_point(frame(st)))


P3_STARTS = {"flat": ("every region's flat start, with zero angles, voltage magnitudes of one per unit and units "
                      "mid-range"),
             "pf": ("each region's part of the base-case power flow of the whole net, clipped to the limits, or the "
                    "region's flat start where that part breaks its nodal balance more than the flat start does, and "
                    "every region's when the power flow fails")}
"""ALADIN's starts of the regions (``p3_init``, `forlab.p3_aladin.ALADINOptions` ``init``) in words: the conditions
say the start itself, not its code, so that a page that prints them without chapter 12's Parameters (chapter 09's)
defines it; the Parameters of chapter 12 define "pf" in the same words. "pf" as the code runs it
(`forlab.p3_aladin.opf_regions.problem.ACOPFProblem.start`): one power flow of the whole T+D net, split by region
(not a power flow of each operator's own grid), and a flat start where a region's clipped part is the worse start
or the power flow fails."""


def conditions(p: dict, attrs, n_ds, buses, head: str = "**Conditions** (read from the store):",
               offline: bool = True, point: ch08.Variant | None = None) -> str:
    """Markdown: the conditions a sweep's numbers hold under, from its parameters ``p`` and the store's attributes
    ``attrs`` (a store's ``attrs``, or chapter 09's copy of them; ``cpu_count``, ``cpu_model``, ``ipopt_version``,
    ``ipopt_linear_solver`` where kept), its sizes ``n_ds`` and their buses ``buses``, after ``head``: the TS and the
    DS pool, the sizes and the one operating point each runs at (``point``, `stored_point`, in words by
    `operating_point`; `_point_words`: every verdict is one case per size), the machine (cores, CPU model where the store records it, Dask workers), the solver, the
    repeats per method, with ``offline`` the offline settings of P1 and P2, and ALADIN's limits where the sweep runs
    it (``methods``; its start in words, `P3_STARTS`). Chapter 09 prints the same sentence, the one statement of the
    sweep's conditions."""
    machine = (machine_text(attrs) or "a machine the store does not record") + (
        "" if "cpu_model" in attrs else " (the store does not record the CPU model)")
    machine += f", {_workers_text(p['n_workers'])}"
    linear = attrs.get("ipopt_linear_solver", "its default linear solver")
    solver = f"; Ipopt {attrs['ipopt_version']} with {linear}" if "ipopt_version" in attrs else ""
    aladin = "P3" in p.get("methods", ("P3",))
    p3_runs = ("ALADIN run once per size, not repeated" if p["p3_repeats"] == 1
               else f"ALADIN's online time the fastest of {grouped(p['p3_repeats'])} runs, of those that ended as "
               "the first did")
    repeats = f"every online solve and every integrated AC-OPF the fastest of {grouped(p['repeats'])} (`repeats`)" + (
        f", {p3_runs} (`p3_repeats`)" if aladin else "")
    text = (f"{head} TS `{p['ts']}` with DSs drawn from {listed([f'`{d}`' for d in p['pool']])} (seed {p['seed']}); "
            f"sizes {_ds_list(sorted(n_ds))} ({span(buses, grouped, ' buses')}), each run "
            f"{_point_words(point)}; {machine}{solver}. Repeats: "
            f"{repeats}.")
    if offline:
        n = {k: grouped(p[k]) for k in ("p1_n_directions", "p1_face_grid", "p1_n_labelled", "p1_n_cost",
                                        "p2_n_samples", "p2_facets", "p2_refine_samples", "p2_vertex_samples")}
        text += (f" Offline: P1's offer per DSO from {n['p1_n_directions']} sampling directions "
                 f"(`p1_n_directions`), face grid {n['p1_face_grid']} (`p1_face_grid`), {n['p1_n_labelled']} labelled "
                 f"and {n['p1_n_cost']} cost samples (`p1_n_labelled`, `p1_n_cost`); P2's surrogate per DSO from "
                 f"{n['p2_n_samples']} samples (`p2_n_samples`), {n['p2_facets']} facets (`p2_facets`), "
                 f"{counted(p['p2_refine_rounds'], 'refinement round')} of {n['p2_refine_samples']} samples, "
                 f"{counted(p['p2_certify_rounds'], 'certification round')} and {n['p2_vertex_samples']} vertex "
                 "samples "
                 f"(`p2_refine_rounds`, `p2_refine_samples`, `p2_certify_rounds`, `p2_vertex_samples`).")
    if aladin:
        start = P3_STARTS.get(p["p3_init"], f"the `{p['p3_init']}` start")
        text += (f" ALADIN: at most {grouped(p['p3_max_iter'])} rounds (`p3_max_iter`) from {start} "
                 f"(`p3_init = \"{p['p3_init']}\"`), run up to "
                 f"{ds_count(p['p3_max_ds']) if p['p3_max_ds'] else 'every size'} (`p3_max_ds`).")
    return text


def deviation_text(st: xr.Dataset) -> str:
    """Markdown: P1's |deviation| at every size the deviation target applies to, beside the target's figure, which
    its anchor defines as the mean over those sizes (`forlab.book.anchors`, ``scaleout_p1_deviation_pct``): the
    worst size and whether it meets the bound, worded against the mean's verdict (`_worst_words`), so that a mean
    under the bound cannot hide a size above it; "" where P1 has no comparable row there."""
    t = frame(st)  # once: the worth below is read from it too
    p1 = _large(t, "P1")
    p1 = p1[comparable(p1)].sort_values("n_ds")
    if not len(p1):
        return ""
    a = anchors.anchor("scaleout_p1_deviation_pct")
    dev = p1.set_index("n_ds").deviation_pct.abs()
    worst = int(dev.idxmax())
    each = ", ".join(f"{_measured(v, 1, a.digits, a.unit)} at {ds_count(int(n))}" for n, v in dev.items())
    said = (f"The P1 deviation target is defined on the mean over the sizes (its anchor: “{a.measures}”); per size, "
            f"P1's |deviation| is {each}; {_mean_words(dev, a)}. At its worst size, {ds_count(worst)}, it "
            f"{_worst_words(a.met(dev.mean()), a.met(dev[worst]), f'{a.relation} {a.show()}')}.")
    against = _bound_against_worth(st, t, dev.index, a)
    return f"{said} {against}" if against else said


def _bound_against_worth(st: xr.Dataset, t: pd.DataFrame, ns, a: anchors.Anchor) -> str:
    """The deviation target's bound (``a``, an upper bound in %) held against what DS flexibility is worth
    (`flexibility`, in % of the optimum) at the sizes ``ns`` it is judged on (review R, finding 7): where the bound is
    at least all of the worth, P1 could give up all of it and still meet the bound, so "met" says little there, and
    the shares of the worth are the measure that says how much P1 gives up; elsewhere what share of the worth the
    bound is; the sizes without a worth said as such. "" for a store without the worth or an anchor that is no upper
    bound in %. ``t``: the store's `frame`, built once by the caller."""
    f = flexibility(st, t)
    if f.empty or a.relation != "<=" or a.unit != "%":
        return ""
    worth = f.worth_pct.reindex(list(ns)).astype(float)
    has = worth[worth > 0]
    if not len(has):
        return ""
    loose = has[has <= a.value]
    tight = has[has > a.value]
    parts = []
    if len(loose):
        parts.append("at least as large as all DS flexibility is worth at " + listed(
            [f"{ds_count(int(n))} ({_share(v)} %)" for n, v in loose.items()]))
    if len(tight):
        parts.append(listed([f"{percent(a.value / v)} of the worth at {ds_count(int(n))}" for n, v in tight.items()]))
    said = ("Against what DS flexibility is worth (in % of the optimum, the table of the worth above), the bound is "
            + listed(parts))
    if len(loose):
        said += ": there P1 could give up all of the worth and still meet it"
    if len(none := worth.index[~(worth > 0)]):
        said += f"; at {_ds_list(none)} the store has no worth to hold it against"
    return said + ". The shares of the worth in that table say how much of it P1 gives up."


def _mean_words(dev: pd.Series, a: anchors.Anchor) -> str:
    """The target's figure beside the values `deviation_text` lists: "their mean, the target's figure, is 0.0053 %",
    with "(of the unrounded values)" where the mean of the values as printed prints otherwise. The target is judged
    on the stored values, so the figure stays theirs; the words keep a reader's check of the printed ones from
    seeming to disagree with it."""
    mean = _measured(dev.mean(), 1, a.digits, a.unit)
    printed = _measured(as_printed(dev, a.digits + 2).mean(), 1, a.digits, a.unit)  # `_measured`'s decimals
    return f"their mean, the target's figure, is {mean}" + ("" if printed == mean else " (of the unrounded values)")


def _worst_words(mean_met: bool, worst_met: bool, bound: str) -> str:
    """What the worst size does with the bound (``bound``: as printed, "<= 0.02 %"), against what the mean, the
    target's figure, does: "meets the bound (...) too" (both meet), "misses the bound (...), though the mean meets
    it", "misses the bound (...) too, as the mean does". The worst size is never below the mean, so it cannot meet a
    bound the mean misses."""
    if worst_met:
        return f"meets the bound ({bound}) too"
    return (f"misses the bound ({bound}), though the mean meets it" if mean_met
            else f"misses the bound ({bound}) too, as the mean does")


def iterations_text(st: xr.Dataset) -> str:
    """Markdown: the size the iteration target's figure comes from (the largest excess of the TSO's Ipopt
    iterations over the TS-only AC-OPF's, `targets`), with both counts; or that no size has both."""
    it = _extra_iterations(frame(st), sizes(st)).dropna()
    if not len(it):
        return "No size has the Ipopt iterations of both OPFs, so the Ipopt-iteration target is not measured."
    n = it.extra_pct.idxmax()
    a, extra = anchors.anchor("scaleout_p1_extra_iterations_pct"), it.extra_pct[n]
    return (f"The Ipopt-iteration target's figure is its worst size, {ds_count(int(n))}: there the TSO's FOR-based OPF "
            f"took {grouped(it.tso[n])} Ipopt iterations against {grouped(it.ts[n])} of the TS-only AC-OPF "
            f"({_measured(abs(extra), 1, a.digits, a.unit)} {'more' if extra >= 0 else 'fewer'}).")


def missed_text(st: xr.Dataset) -> str:
    """Markdown: for the online-time and iteration targets, what the store says about why they are missed: at the
    size where each method's reduction is smallest, how much of its online time the TSO's OPF takes, and the TSO's
    Ipopt iterations against the TS-only AC-OPF's; or that no method finished a size the targets apply to; or,
    where the store has no P1 or P2 run at such a size, which targets it leaves unmeasured, by name as the targets
    table gives them (`LARGE_TARGETS`, `_unmeasured`): the table measures the others all the same."""
    t, s = frame(st), sizes(st).set_index("n_ds")
    out = []
    for method in ("P1", "P2"):
        g = _large(t, method)
        g = g[g.status == "ok"]
        if not len(g):
            continue
        r = g.loc[g.time_reduction_pct.idxmin()]
        line = (f"- {METHODS[method]}, smallest reduction at {ds_count(int(r.n_ds))} "
                f"({r.time_reduction_pct:.1f} %): {_online_share(r, method)}")
        if np.isfinite(r.tso_iterations):
            line += (f", in {grouped(r.tso_iterations)} Ipopt iterations against {grouped(s.ts_iterations[r.n_ds])} of "
                     f"the TS-only AC-OPF")
        # the TSO's OPF holds the whole TS: where the TS is most of the system, no offer can make it much cheaper
        ts_buses = int(s.buses[r.n_ds] - s.ds_buses[r.n_ds])
        line += f"; the TS alone holds {grouped(ts_buses)} of the system's {grouped(s.buses[r.n_ds])} buses"
        out.append(line + ".")
    if out:
        return "\n".join(out)
    size = anchors.show("scaleout_min_ds")
    if len(_large(t, "P1")) or len(_large(t, "P2")):  # they ran there, and failed
        return f"Neither P1 nor P2 finished a size of {size} or more in this run, so the online-time targets are missed."
    lacks = "P1 or P2 run" if (s.index >= anchors.value("scaleout_min_ds")).any() else "size"
    return f"This run has no {lacks} of {size} or more, so {_unmeasured(st)}."


def _unmeasured(st: xr.Dataset) -> str:
    """Which of `LARGE_TARGETS` the targets table of ``st`` (`targets`) calls "not measured", by the table's names:
    "the 5 targets that apply only from that size on are not measured: “...”, “...” and “...”"."""
    table = targets(st)
    names = [m for m in (anchors.anchor(k).measures for k in LARGE_TARGETS) if table.verdict[m] == "not measured"]
    verb = "applies only from that size on is" if len(names) == 1 else "apply only from that size on are"
    return f"the {counted(len(names), 'target')} that {verb} not measured: {listed(f'“{m}”' for m in names)}"


def _online_share(r, method: str) -> str:
    """Markdown: how much of a method's online solver time (a row of `frame`) the TSO's OPF takes, beside the
    integrated AC-OPF's. P2 has no online DSO step: its online time is the TSO's OPF, and a share of it would say
    nothing."""
    online = 1e3 * r.solve_time_s  # ms, as the sentence says it
    times = f"the integrated AC-OPF {grouped(1e3 * r.integrated_solve_time_s)} ms"
    if method == "P1":
        return (f"the TSO's OPF takes {100 * r.tso_ms / online:.0f} % of the online solver time "
                f"({grouped(r.tso_ms)} of {grouped(online)} ms; {times})")
    return f"the online solver time is the TSO's OPF alone ({grouped(online)} ms; {times})"


def largest_size_text(t: pd.DataFrame, figure_name: str = "", compared: bool = False) -> str:
    """Markdown: the chapter's answer at its largest size, the scale the question is about: which method was the
    fastest online (or which were tied within the timing noise, `timing_noise`) and which the most accurate there
    (`winners`), every method's online time over the integrated AC-OPF's and its deviation, or why it has none
    (`why_not_compared`); and what P1's online time assumes, its slowest DSO's dispatch as if every DSO had its own
    machine, beside the wall time of all its DSOs' dispatches on this run's workers and whether the verdict holds
    with that time (`_p1_machines`). With ``figure_name`` (the page's name of this store's `figure`, `PAPER_FIGURE`
    at the top of the page, far above that figure), a last sentence points at it (`_figure_pointer`). With
    ``compared`` (the paper-scale store, whose verdict chapter 09 sets against the method chapters' runs), the most
    accurate method is said to lead in one run only (`_one_run_words`, review R3, item 3)."""
    n = int(t.n_ds.max())
    w = winners(t).set_index("n_ds").loc[n]
    at = t[t.n_ds == n]
    central = at[at.method == "integrated"].solve_time_s
    if w.qualified == 0 or central.empty:
        return f"At {ds_count(n)}, no method finished with a feasible dispatch beside a solved integrated AC-OPF."
    each = "; ".join(_size_entry(r, good) for r, good in zip(at.itertuples(), comparable(at))
                     if r.method != "integrated")
    lead = _one_run_words(w) if compared else ""
    return (f"**At the largest size, {ds_count(n)}**, {winner_words(w, METHODS)}{lead}. Online solver time over the "
            f"integrated AC-OPF's ({duration(central.iloc[0])}), and judged |cost deviation|: {each}."
            + _p1_machines(at, w) + _figure_pointer(t, figure_name))


def _one_run_words(w) -> str:
    """The clause after `winner_words` at the largest size of the paper-scale store (a row of `winners`) where one
    method leads on accuracy over another compared there: that lead is one run's, at one operating point, and
    chapter 09 sets it against the method chapters' runs, where the ranking can differ; "" where no method leads
    (one compared, or every other tied with it)."""
    if w.qualified < 2 or len(w.tied) >= w.qualified - 1:
        return ""
    return ("; that accuracy lead is one run's, at one operating point, and {doc}`09_comparison` sets it against the "
            "method chapters' runs")


def _figure_pointer(t: pd.DataFrame, figure_name: str) -> str:
    """The sentence of `largest_size_text` that points at the figure ``figure_name`` of the same runs (`figure`;
    "" without a name): what it draws per size, and, where the run measured P1's DSOs on its workers, that its
    dashed P1 line times them so (`_p1_walled`), the timing under which the verdict may differ."""
    if not figure_name:
        return ""
    walled = (", P1's online time both by the one rule (solid) and with its DSOs timed by the wall clock on the "
              "workers (dashed)" if _p1_walled(measures_shown(t)) is not None else "")
    return (f" {{numref}}`{figure_name}`, in the section on the paper-scale run, draws these measures at every "
            f"size{walled}.")


def percent(fraction: float) -> str:
    """A fraction as the page prints a timing bound or a lead in online time (chapter 09's too): "13 %"; below one
    per cent with one significant digit ("0.4 %", "0.03 %"), so that a small bound does not print as "0 %"."""
    value = 100 * fraction
    if value == 0 or not np.isfinite(value) or abs(value) >= 1:
        return f"{value:.0f} %"
    return f"{value:.{max(0, -int(np.floor(np.log10(abs(value)))))}f} %"


def winner_words(w, names: dict[str, str], fastest_if: str = "", elsewhere: str = "", accurate_if: str = "") -> str:
    """Which method was the fastest online and which the most accurate at one size (a row of `winners`; methods by
    ``names``, falling back on `METHODS`), and, where not every method that ran there qualified, among how many:
    "FOR offer was both the fastest online and the most accurate of the 2 methods compared there". Where the store
    measures its timing noise (``noise``, `timing_noise`), the fastest's lead is said as the lead, its solver time
    below the next method's (``lead``), beyond that noise ("its solver time 32 % below the next method's, beyond the
    timing noise of 11 %": a bare "by more than the noise, 11 %" read as an 11 % lead), or the methods within it of
    the fastest (``tied_fastest``) are said to be tied. A caller's conditions go in the same sentence as the claim
    they bound: ``fastest_if`` after "the fastest online" (" with a machine per DSO"), ``elsewhere`` after its lead
    (where another verdict holds), ``accurate_if`` before "the most accurate" (", in this one run,")."""
    def name(m):
        return names.get(m, METHODS.get(m, m))

    if w.qualified == 1:
        alone = "with a result to compare there" if w.ran > 1 else "run there"
        return f"{name(w.fastest)} was the only method {alone}"
    among = f" of the {w.qualified} methods compared there" if w.qualified < w.methods else ""
    tied = _tied_words(w, names)
    noise, lead = getattr(w, "noise", np.nan), getattr(w, "lead", np.nan)
    if fast_tied := tuple(getattr(w, "tied_fastest", ()) or ()):
        return (f"{listed([name(m) for m in (w.fastest, *fast_tied)])} were tied as the fastest online{fastest_if} "
                f"within the timing noise ({percent(noise)}){elsewhere}, and {name(w.most_accurate)}{accurate_if} was "
                f"the most accurate{tied}{among}")
    measured = np.isfinite(noise) and noise > 0 and np.isfinite(lead)  # a lead is said against the noise it beats
    ahead = (f", its solver time {percent(lead)} below the next method's, beyond the timing noise of {percent(noise)}"
             if measured else "")
    fast = f"the fastest online{fastest_if}{ahead}{elsewhere}" + ("," if ahead or elsewhere else "")
    if w.fastest == w.most_accurate:
        return f"{name(w.fastest)} was both {fast} and{accurate_if} the most accurate{tied}{among}"
    return f"{name(w.fastest)} was {fast} and {name(w.most_accurate)}{accurate_if} the most accurate{tied}{among}"


def _tied_words(w, names: dict[str, str], within: bool = False) -> str:
    """" (tied with ML surrogate within the solvers' tolerances)" where another method's |deviation| is within
    `forlab.opf.outcome.NEGLIGIBLE_PCT` of the most accurate one's (a row of `winners`), else ""; ``within``: as a
    clause inside a parenthesis already open ("; tied with ...")."""
    if not w.tied:
        return ""
    words = f"tied with {listed([names.get(m, METHODS.get(m, m)) for m in w.tied])} within the solvers' tolerances"
    return f"; {words}" if within else f" ({words})"


def duration(seconds: float) -> str:
    """A solver time as the page prints it: in ms with one decimal below a second ("74.6 ms", where two decimals of
    a second would hide the ratios beside it), else in s with two ("2.37 s", "1 204.50 s": thousands grouped,
    `forlab.book.tables.grouped`)."""
    return f"{grouped(1e3 * seconds, 1)} ms" if seconds < 1 else f"{grouped(seconds, 2)} s"


def _size_entry(r, good: bool) -> str:
    """One method's entry in `largest_size_text`: its ratio, online time and deviation where its row is
    `comparable` (``good``), else why it has none."""
    if not good:
        return f"{METHODS[r.method]} {why_not_compared(r)}"
    return (f"{METHODS[r.method]} {grouped(r.time_ratio, 2)}x ({duration(r.solve_time_s)}){narrow_words(r)}, "
            f"{fixed([abs(r.deviation_pct)], 4)[0]} %")


def _p1_machines(at: pd.DataFrame, w) -> str:
    """What P1's online time at one size assumes (its slowest DSO's dispatch, one machine per DSO), beside the wall
    time of all its DSOs' dispatches on this run's workers, and whether the size's verdict on the fastest method
    (a row of `winners`) holds with that wall time in the DSO step's place (`workers_verdict`); "" where that wall
    time was not measured."""
    p1 = at[(at.method == "P1") & (at.status == "ok")]
    if p1.empty or not np.isfinite(p1.dso_parallel_ms.iloc[0]):
        return ""
    r = p1.iloc[0]
    return (f" The FOR offer's (P1's) online time counts its slowest DSO's dispatch ({grouped(r.dso_ms)} ms of solver "
            f"time), as if every DSO had its own machine, the book's one rule for parallel parts. On this run's "
            f"workers all its DSOs' dispatches together took {grouped(r.dso_parallel_ms)} ms by the wall clock, the "
            f"workers' turns and Dask's messages included (the table of P1's DSO work gives both per size)."
            + (f" {workers_verdict(w)}" if w.workers_fastest else ""))


def workers_verdict(w, clause: bool = False, workers: str = "this run's workers",
                    names: dict[str, str] | None = None) -> str:
    """Markdown: the verdict on the fastest method at one size (a row of `winners` with ``workers_fastest``) with P1's
    DSO step timed by the wall clock of all its DSOs on the run's workers (``workers``: how the page names them,
    "this run's workers" here, "that run's 2 Dask workers" in chapter 09), and whether it is the verdict of the one
    rule: a wall time in a sum of solver times, what that machine gave, not the rule's time. A sentence after one
    that names that wall time (`_p1_machines`), or with ``clause`` a clause that names it itself; methods by
    ``names`` (falling back on `METHODS`). The one statement of this verdict, chapter 09's too; whether it holds,
    `workers_hold`."""
    names = names or {}
    fast = listed([names.get(m, METHODS.get(m, m)) for m in (w.workers_fastest, *w.workers_tied)])
    who = (f"{fast} tied as the fastest online within the timing noise" if w.workers_tied
           else f"{fast} the fastest online")
    holds = workers_hold(w)
    if clause:
        return (f"P1 timed by the wall clock of all its DSOs on {workers}: {grouped(w.p1_workers_ratio, 2)}x, "
                f"{who}, {'the same verdict' if holds else 'another verdict'}")
    verdict = (f"the verdict holds on {workers} too" if holds
               else f"the verdict holds only with a machine per DSO, not on {workers}")
    return (f"Timed with that wall time in place of its slowest DSO's solver time, P1's online time would be "
            f"{grouped(w.p1_workers_ratio, 2)}x the integrated AC-OPF's, {who}: {verdict}.")


def workers_hold(w) -> bool:
    """Whether the verdict on the fastest method at one size (a row of `winners` with ``workers_fastest``) is the same
    with P1's DSO step timed on the run's workers (``workers_fastest``, ``workers_tied``) as by the one rule
    (``fastest``, ``tied_fastest``). The one statement of this rule (`workers_verdict`, chapter 09's verdict)."""
    # a tie is a set of methods: which of them a row names first says nothing, so two ties of the same methods agree
    return {w.workers_fastest, *w.workers_tied} == {w.fastest, *(getattr(w, "tied_fastest", ()) or ())}


WINNERS_TITLE = ("**Which method wins at which size**, among the runs whose every solve succeeded and whose dispatch "
                 "is feasible in the T+D power flow:")
"""The title `winners_text` gives its list where the page has no heading of its own above it (the paper-scale run)."""


def winners_text(t: pd.DataFrame, titled: bool = False) -> str:
    """Markdown: per N, which method was fastest online (or which were tied within the timing noise,
    `timing_noise`; with P1's DSOs timed on the run's workers, whether that holds, `workers_verdict`) and which
    most accurate, among the `comparable` runs, and how many of the methods run there were comparable (a method not
    run there is named, not counted); under `WINNERS_TITLE` when ``titled``."""
    out = [WINNERS_TITLE, ""] if titled else []
    ratios = t.set_index(["n_ds", "method"]).time_ratio
    for r in winners(t).itertuples():
        why = f" ({r.left_out})" if r.left_out else ""
        if r.qualified == 0:  # a finished, feasible run without its yardstick is not comparable either
            out.append(f"- **{ds_count(r.n_ds)}**: no method was comparable{why}.")
            continue
        workers = f"; {workers_verdict(r, clause=True)}" if r.workers_fastest else ""
        if r.tied_fastest:
            fastest = (f"fastest online tied within the timing noise ({percent(r.noise)}): "
                       + ", ".join(f"{METHODS[m]} {grouped(ratios[(r.n_ds, m)], 2)}x"
                                   for m in (r.fastest, *r.tied_fastest))
                       + f" the integrated AC-OPF's solver time{f' ({workers[2:]})' if workers else ''}")
        else:
            beyond = f", more than the timing noise ({percent(r.noise)})" if np.isfinite(r.noise) and r.noise > 0 else ""
            ahead = f", its solver time {percent(r.lead)} below the next method's{beyond}" if np.isfinite(r.lead) else ""
            fastest = (f"fastest online {METHODS[r.fastest]} ({grouped(r.fastest_ratio, 2)}x the integrated AC-OPF's "
                       f"solver time{ahead}{workers})")
        out.append(f"- **{ds_count(r.n_ds)}**: {fastest}; most accurate {_accuracy_words(r)}; "
                   f"{r.qualified} of the {counted(r.ran, 'method')} run there {'was' if r.qualified == 1 else 'were'} "
                   f"comparable{why}.")
    return "\n".join(out)


def _accuracy_words(r) -> str:
    """The most accurate method at one size (a row of `winners`) with its |cost deviation| beside the next compared
    method's, printed so that their gap reads as the tie rule counts it (`shown_apart`), and the methods tied with
    it: "P3 ALADIN (|cost deviation| 3.1e-07 %, next P2 ML surrogate 1.2e-04 %)"."""
    best = abs(r.most_accurate_deviation_pct)
    if not r.next_accurate:
        said = f"{fixed([best], 4)[0]} %"
    else:
        shown, other = shown_apart(best, r.next_abs_deviation_pct)
        said = f"{shown} %, next {METHODS[r.next_accurate]} {other} %"
    return f"{METHODS[r.most_accurate]} (|cost deviation| {said}{_tied_words(r, METHODS, within=True)})"


def shown_apart(best: float, other: float, margin: float = NEGLIGIBLE_PCT) -> tuple[str, str]:
    """Two |deviations| (%) as a verdict prints them: with four decimals where the printed gap lies on the same side
    of ``margin`` (the tie rule, `forlab.opf.outcome.NEGLIGIBLE_PCT`) as the true one, else in e-notation with the
    fewest significant digits, from two, that keep it there: "3.1e-07" and "1.2e-04", where four decimals would
    print a gap past the margin as "0.0000" against "0.0001", a tie by the rule."""
    beyond = other - best > margin
    candidates = [list(fixed([best, other], 4)), *([f"{v:.{d}e}" for v in (best, other)] for d in range(1, 8))]
    shown = (c for c in candidates if (float(c[1]) - float(c[0]) > margin) == beyond)
    return tuple(next(shown, candidates[-1]))


def accuracy_tie_text() -> str:
    """Markdown, said once on the page (chapter 09 says it in its statement on cost): the tie rule of every verdict
    on accuracy (`forlab.opf.outcome.most_accurate`, margin `forlab.opf.outcome.NEGLIGIBLE_PCT`), and that a verdict
    prints the deviations with the digits that rule needs (`shown_apart`)."""
    return (f"**Ties in accuracy.** A method is called the most accurate at a size only where its |cost deviation| "
            f"lies more than {NEGLIGIBLE_PCT:g} % below every other compared method's "
            "(`forlab.opf.outcome.NEGLIGIBLE_PCT`, the solvers' tolerances: every AC-OPF stops at Ipopt's tolerance); "
            "a method within that of it is named as tied with it. Each verdict gives the most accurate method's "
            "|cost deviation| beside the next one's, in e-notation where the tables' four decimals would not show "
            "on which side of that bound their gap lies.")


NOISE_DEFINITION = ("the timing noise is the largest relative move of the integrated AC-OPF's solver time between its "
                    "two timings at one size, before and after the methods (how far the faster lies below the slower, "
                    "a fraction of the slower; `forlab.studies.ch12_many_dsos.timing_noise`)")
"""What "the timing noise" is, in one clause, for a page that uses the word without `noise_text` (chapter 09)."""


def noise_text(t: pd.DataFrame) -> str:
    """Markdown: the timing noise the verdicts hold a lead in online time against (`timing_noise`), how the store
    measures it; or that this store measures none, so that the fastest is named by the bare times."""
    n = timing_noise(t)
    if not np.isfinite(n.bound):
        return ("**Timing noise.** This store did not time the integrated AC-OPF a second time after the methods, so "
                "it measures no timing noise: the fastest online is named by the bare times.")
    return (f"**Timing noise.** A method is called the fastest online at a size only where its online solver time is "
            f"more than {percent(n.bound)} below the next method's; otherwise the methods are tied. That bound is "
            "measured in this store (`forlab.studies.ch12_many_dsos.timing_noise`): at every size the integrated "
            "AC-OPF was timed by the one rule before the methods ran and again after them, the methods' online times "
            "in between, and the noise is the largest relative move of that one solve, how far the faster timing lies "
            f"below the slower, a fraction of the slower (the form of a lead): at {ds_count(int(n.n))}, "
            f"{grouped(n.first_ms, 1)} ms against {grouped(n.again_ms, 1)} ms. The store records "
            "the machine's load only at the sweep's start and end, so the bound is what the machine did, not a "
            "controlled load.")


def growth_text(t: pd.DataFrame) -> str:
    """Markdown: how online and offline time grow with N per method (log-log slopes over the runs with a feasible
    dispatch, `growth_fits`, each with the sizes it is fitted over and its $R^2$; no trend stated where `trend`
    says the line explains too little), the online times also against the total buses (the size of the problem,
    which N is not: the drawn DSs differ in size and the TS is the same at every N); where the sizes differ
    between methods (a method the sweep stopped running, or one without a feasible dispatch at a size; sizes not
    contiguous in the sweep listed one by one, `_ds_span`), the online slopes again over the sizes every method
    finished, since slopes over different ranges do not compare."""
    on, off = growth_fits(t, "solve_time_s"), growth_fits(t, "offline_time_s")
    sweep = sorted(int(n) for n in t.n_ds.unique())
    parts = [f"{METHODS[m]} {_exponent(f, _ds_span(f.sizes, sweep))}" for m, f in on.iterrows()
             if np.isfinite(f.slope)]
    if not parts:
        return "Fewer than two sizes finished with a feasible dispatch: no growth rate to fit."
    text = ("Online solver time changes with the number of DSs $N$ as $N^k$, $k$ the log-log slope over the sizes "
            "at which a method finished with a feasible dispatch (an infeasible run's time is not that of a dispatch "
            "a TSO could use), with $R^2$ the share of the variance of log time the line explains; where it is "
            f"below {FIT_R2_MIN:g} (chapter 07's least share, `forlab.studies.ch07_aladin.readers.FIT_R2_MIN`) the "
            f"times scatter more than they follow the line and no trend is stated: {', '.join(parts)}.")
    buses = growth_fits(t, "solve_time_s", x="buses")
    text += (" Against the total buses $B$ instead, as $B^k$ (the size of the problem, which $N$ is not: the TS is "
             "the same at every size and the drawn DSs differ in size): "
             + ", ".join(f"{METHODS[m]} {_exponent(f, _ds_span(f.sizes, sweep))}" for m, f in buses.iterrows()
                         if np.isfinite(f.slope)) + ".")
    common = sorted(set.intersection(*map(set, on.sizes)))
    if len({tuple(v) for v in on.sizes}) > 1 and len(common) >= 2:
        same = growth_fits(t[t.n_ds.isin(common)], "solve_time_s")
        text += (f" Over the sizes every method finished with a feasible dispatch ({_ds_span(common, sweep)}), against $N$: "
                 + ", ".join(f"{METHODS[m]} {_exponent(f)}" for m, f in same.iterrows() if np.isfinite(f.slope))
                 + ".")
    offs = [f"{METHODS[m]} {_exponent(f)}" for m, f in off.iterrows() if np.isfinite(f.slope) and m != "integrated"]
    return text + (f" Offline time (all DSOs' work as it ran on this run's machine) against $N$: {', '.join(offs)}."
                   if offs else "")


def _exponent(fit, span: str = "") -> str:
    """A fit of `growth_fits` as `growth_text` prints it: its exponent, the sizes it is fitted over (``span``), its
    $R^2$ and, when negative, that the time falls: "-0.28 (1 to 4 DSs; $R^2$ 0.91; a decrease)"; "no trend" in the
    exponent's place where `trend` says the line explains too little, and no $R^2$ over two sizes (the line passes
    through both)."""
    fits = len(fit.sizes) > 2
    said = [w for w in (span, f"$R^2$ {fit.r2:.2f}" if fits else "two sizes, no $R^2$",
                        "a decrease" if fit.slope < 0 and (trend(fit) or not fits) else "") if w]
    shown = f"{fit.slope:.2f}" if trend(fit) or not fits else "no trend"
    return f"{shown} ({'; '.join(said)})"


def _ds_span(sizes, sweep) -> str:
    """The sizes a fit covers: by their ends where they are a run of the sweep's sizes ``sweep`` without a gap
    ("1 to 16 DSs"), else one by one (`_ds_list`: "1, 4, 8 and 16 DSs"), so that a size left out is not hidden."""
    sizes = sorted(int(n) for n in sizes)
    run = [n for n in sweep if sizes[0] <= n <= sizes[-1]]
    return f"{sizes[0]} to {ds_count(sizes[-1])}" if sizes == run and len(sizes) > 1 else _ds_list(sizes)


def failures_text(t: pd.DataFrame) -> str:
    """Markdown: every run that failed or whose dispatch is infeasible, with its status (for an infeasible one, what
    the T+D power flow found broken, `violation_text`, a unit's excess in kW on its system's base); or that none
    did."""
    bad = t[~_ok(t)]
    if not len(bad):
        return "Every run finished, and every dispatch is feasible in the T+D power flow."
    return "\n".join(f"- {ds_count(r.n_ds)}, {METHODS[r.method]}: "
                     + (r.status if r.status != "ok" else _infeasible(r, _base_of(r.system)))
                     for r in bad.itertuples())


def _ds_list(ns) -> str:
    """Sizes in words, as a sentence lists them: "2 DSs", "1, 4 and 16 DSs"."""
    ns = [int(n) for n in ns]
    return listed([*map(str, ns[:-1]), ds_count(ns[-1])])


def p3_text(t: pd.DataFrame) -> str:
    """Markdown: what ALADIN did in a store, from its rows: the sizes where it stopped, with its rounds and the
    online solver time of one run as the tables print it (`duration`: the paper-scale table has no wall-time column),
    and where the T+D power flow finds its dispatch infeasible; where it failed; where
    it was not run (above ``p3_max_ds``); or that the store has no ALADIN row."""
    p3 = t[t.method == "P3"].sort_values("n_ds")
    if not len(p3):
        return "This run has no ALADIN row."
    not_run = p3.status.astype(str).str.startswith("not run")
    ok, failed = p3[p3.status == "ok"], p3[(p3.status != "ok") & ~not_run]
    bad = ok[~ok.feasible.astype(bool)]
    out = []
    if len(ok):
        fastest, slowest = (duration(s) for s in (ok.solve_time_s.min(), ok.solve_time_s.max()))
        took = fastest if fastest == slowest else f"{fastest} to {slowest}"
        out.append(f"In this store ALADIN stopped at {_ds_list(ok.n_ds)}, in {span(ok.rounds, grouped, ' rounds')}, "
                   f"one run taking {took} of online solver time (as the tables give it); " + (
                       f"its dispatch at {_ds_list(bad.n_ds)} is infeasible in the T+D power flow (the list of failed "
                       "and infeasible runs gives the limits it breaks)." if len(bad)
                       else "the T+D power flow finds every dispatch of it feasible."))
    if len(failed):  # no "above" or "below": the page shows this text apart from the list
        out.append(f"It failed at {_ds_list(failed.n_ds)} (the list of failed and infeasible runs gives its status).")
    if not_run.any():
        out.append(f"It was not run at {_ds_list(p3[not_run].n_ds)}, above `p3_max_ds`.")
    return " ".join(out)


def _infeasible(r, base_mva: float | None = None) -> str:
    """Why a finished run's dispatch is infeasible: the T+D power flow's violations by kind, and the largest
    (`violation_text`, with the system base ``base_mva`` in MVA)."""
    return f"infeasible in the T+D power flow ({violation_text(r, base_mva)})"


def _base_of(system: str) -> float | None:
    """The system base (MVA, `ts_base_mva`) of the study system named ``system``, by its TS
    (`forlab.grid.td.parse_system`); None for a name that is no study system's (rows made up by hand), whose
    violations are then worded without it (`violation_text`)."""
    from forlab.grid import td

    try:
        ts = td.parse_system(system)[0]
    except (TypeError, ValueError):
        return None
    return ts_base_mva(ts)


def ts_base_mva(ts: str) -> float:
    """The system base (MVA) of every study system on the TS case ``ts``, read from the grid's data: the integrated
    T+D net is built on a copy of its TS (`forlab.grid.td.StudySystem.integrated`), so the judge's p.u. of a branch
    flow or a unit's power (`forlab.opf.judge.MAX_VIOLATION_UNIT`) are of the TS's base."""
    from forlab.grid import cases

    return float(cases.summary(ts)["sn_mva"])


def _kw(mw: float) -> str:
    """A unit's power excess as a page writes it: kW below 1 MW ("1.5 kW"), else MW."""
    return f"{1e3 * mw:.1f} kW" if abs(mw) < 1.0 else f"{mw:.3f} MW"


def only_units_broke(r) -> bool:
    """Whether the judge's counts of a row (`forlab.opf.judge.VIOLATION_KINDS`) hold generator limit violations and
    no other kind (a count the row lacks or holds as NaN is taken as not broken, as `violation_words` does)."""
    def count(c):
        v = getattr(r, c, np.nan)
        return float(v) if pd.notna(v) else 0.0

    return count("n_gen_violations") > 0 and all(count(c) <= 0 for c in VIOLATION_KINDS if c != "n_gen_violations")


def violation_text(r, base_mva: float | None = None) -> str:
    """What the T+D power flow found broken in one finished run's dispatch (a row of `frame`, or of chapter 09's
    copies of them): the kinds it broke (`forlab.opf.judge.violation_words`; a count the row lacks or holds as
    NaN is not claimed) and the largest excess over a limit in its unit (`forlab.opf.judge.MAX_VIOLATION_UNIT`):
    "1 generator limit violation, the largest 1.5e-05 p.u. (of nominal voltage for a voltage, ...)".
    Where only unit limits broke and the system base ``base_mva`` (MVA, `ts_base_mva`) is given, the one unit that
    applies instead: the unit's excess in kW on that base, and how far it is beyond the judge's tolerance
    (`forlab.opf.judge.GEN_TOL`, 1e-3 MW): "1 generator limit violation: a unit at most 1.5 kW past its limit
    (1.5e-05 p.u. of the 100 MVA system base, ...), so at most 0.5 kW beyond the judge's tolerance of 1.0 kW ...".
    At most, since the store keeps the largest excess over any limit, not the unit's own: a voltage or branch flow
    within its own tolerance may exceed its limit by more.
    The one wording of an infeasible run, this chapter's list of failed and infeasible runs and chapter 09's
    statement on ALADIN at scale alike."""
    worst = float(getattr(r, "max_violation", np.nan))
    words = violation_words(r, broken_only=True)
    if base_mva and np.isfinite(worst) and only_units_broke(r):
        top = worst * base_mva  # MW: the unit's excess is no larger than the largest excess over any limit
        return (f"{words}: a unit at most {_kw(top)} past its limit ({worst:.1e} p.u. of the {base_mva:g} MVA system "
                f"base, the largest excess over any limit), so at most {_kw(max(top - GEN_TOL, 0.0))} beyond the "
                f"judge's tolerance of {_kw(GEN_TOL)} (`forlab.opf.judge.GEN_TOL`; kvar for a unit's Q)")
    largest = f", the largest {worst:.1e} {MAX_VIOLATION_UNIT}" if np.isfinite(worst) else ""
    return f"{words}{largest}"


def p2_text(t: pd.DataFrame) -> str:
    """Markdown: how much of the DSs' regions P2's TSO was held to per size (`polytopes_text`), the reserve it held
    (`forlab.p2_surrogate.tso`, ``reserve``), and where P2 finished with an infeasible dispatch, what the T+D power
    flow found broken, with the surrogates' largest import error from the store (`_unit_break_text`); or that it has
    none."""
    p2 = t[t.method == "P2"].sort_values("n_ds")
    held = p2[_reserve(p2) > 0]
    said = polytopes_text(t) + ("" if not len(held) else
            "P2's TSO held a reserve of the surrogates' summed import-error bounds on the units that take up import "
            f"errors in the T+D power flow: {', '.join(f'{r.reserve_mw:.4f} MW at {ds_count(int(r.n_ds))}' for r in held.itertuples())}"
            " on each slack unit's P (and the Q bound on every voltage-controlling unit). ")
    bad = p2[(p2.status == "ok") & ~p2.feasible.astype(bool)]
    if not len(bad):
        return said + "P2 finished no run with an infeasible dispatch."
    said += (f"P2 finished with an infeasible dispatch at {counted(len(bad), 'size')} ({_ds_list(bad.n_ds)}); "
             f"{_largest_violation(bad)}, and the largest error of one surrogate's predicted import "
             f"{bad.pcc_error.max():.4f} MW.")
    others = [c for c in held_counts(bad.columns) if c != "n_gen_violations"]
    if (bad[others] > 0).any().any():
        return said + " Limits other than the units' break too: see the list of failed and infeasible runs."
    # the kinds counted and found intact (a store written before the angle count has NaN there: not claimed)
    return said + _unit_break_text(bad, [VIOLATION_KINDS[c] for c in others if (bad[c] == 0).all()])


def _largest_violation(bad: pd.DataFrame) -> str:
    """The largest excess over a limit among the infeasible rows ``bad``, in one unit where only unit limits broke in
    that row and its system base is known (`violation_text`, as the list of failed and infeasible runs and the
    ALADIN sentence say it), else in the generic p.u. (`forlab.opf.judge.MAX_VIOLATION_UNIT`)."""
    worst = bad.loc[bad.max_violation.astype(float).idxmax()]
    base = _base_of(str(worst.system)) if "system" in worst else None
    if base and only_units_broke(worst):
        return f"the worst, at {ds_count(int(worst.n_ds))}: {violation_text(worst, base)}"
    return f"the largest violation is {float(worst.max_violation):.1e} {MAX_VIOLATION_UNIT}"


def polytopes_text(t: pd.DataFrame) -> str:
    """Markdown, a sentence ending in a space: per size, the least share of its feasible held-out samples a DS's
    polytope accepts (``p2_least_accepted``, `forlab.studies.ch08_sensitivity.run_p2`), and the sizes where some
    accept hardly any (`narrow_words`); "" where the store does not record it (written before the column)."""
    p2 = t[(t.method == "P2") & np.isfinite(t.p2_least_accepted.astype(float))]  # NaN: a store before the column
    if p2.empty:
        return ""
    p2 = p2.sort_values("n_ds")
    least = ", ".join(f"{percent(r.p2_least_accepted)} at {ds_count(int(r.n_ds))}" for r in p2.itertuples())
    narrow = p2[p2.p2_narrow_dss > 0]
    bar = (f"{percent(LITTLE_ACCEPTED)}, chapter 06's bar for a polytope that accepts hardly any of its region "
           "(`forlab.studies.ch06_ml_surrogate.text.LITTLE_ACCEPTED`)")
    where = (f" At {_ds_list(narrow.n_ds)} some accept less than {bar}: there P2's time and feasibility are those of a "
             "TSO held to hardly any of those DSs' regions." if len(narrow) else
             f" Every DS's polytope accepts at least {bar}, at every size.")
    # the store keeps the least share per size, not which DS it is: the sentence promises the share alone
    return (f"**P2's polytopes.** Per size, the least share of its feasible held-out samples that any DS's polytope "
            f"accepts (chapter 06's test of how much of a DS's region its TSO is held to): {least}.{where} ")


def narrow_words(r) -> str:
    """" (held to a polytope that accepts 1.2 % of its DS's feasible held-out samples; 3 DSs accept less than
    5 %)" for a P2 row ``r`` where some DS's polytope accepts less than
    `forlab.studies.ch06_ml_surrogate.text.LITTLE_ACCEPTED`, else "": the qualifier of P2's speed at a size, here and
    in chapter 09."""
    if r.method not in ("P2", METHODS["P2"]) or not r.p2_narrow_dss > 0:  # NaN: a store before the column
        return ""
    return (f" (held to a polytope that accepts {percent(r.p2_least_accepted)} of its DS's feasible held-out "
            f"samples; {counted(int(r.p2_narrow_dss), 'DS')} accept less than {percent(LITTLE_ACCEPTED)})")


def _reserve(p2: pd.DataFrame) -> pd.Series:
    """The P reserve (MW) P2's TSO held per row: 0 where it held none (``reserve="none"``), NaN where the store does
    not record it (a store written before the column)."""
    return p2.reserve_mw.astype(float) if "reserve_mw" in p2 else pd.Series(np.nan, index=p2.index)


def _unit_break_text(bad: pd.DataFrame, intact: list[str]) -> str:
    """Why only unit limits break in P2's infeasible rows ``bad`` (``intact``: the other kinds of limit, none of
    which breaks), and, per row, whether the TSO held a reserve there, as the store records it (`_reserve`). The
    store holds no DS's signed import error, so nothing is said of how the errors add up across the DSs."""
    reserve = _reserve(bad)
    kinds = listed(intact, "or") if intact else "other"
    out = (f" Only unit limits break, no {kinds} limit: in the T+D power flow the slack unit takes up the "
           "difference between the predicted and the true imports (and the voltage-controlling units the reactive "
           "one), and where the optimum holds a unit at a limit, that difference can push it past the limit.")
    held = "the TSO held a reserve of the summed error bounds, and a unit limit broke nonetheless"
    for rows, words in ((bad[reserve > 0], held), (bad[reserve == 0], "the TSO held no reserve"),
                        (bad[reserve.isna()], "the store does not record whether the TSO held a reserve")):
        if len(rows):
            out += f" At {_ds_list(rows.n_ds)} {words}."
    return out


def store_text(st: xr.Dataset, commit: bool = True) -> str:
    """Markdown, one sentence on a store: sizes, commit (False: left to a sentence before it that names it, as
    `paper_text`'s `origin_text` does), the sweep's wall time and the machine's load."""
    s = sizes(st)
    named = f"; commit `{short_commit(st.attrs)}`" if commit else ""
    return (f"The store holds {counted(len(s), 'size')}, {span(s.n_ds, '.0f', ' DSs' if s.n_ds.max() > 1 else ' DS')} "
            f"({span(s.buses, grouped, ' buses')}{named}); the sweep took "
            f"{grouped(st.attrs['sweep_wall_time_s'] / 60, 1)} min with a load average (1 min) of "
            f"{st.attrs['load_average_start']:.1f} at the start and {st.attrs['load_average_end']:.1f} at the end on "
            f"{st.attrs['cpu_count']} cores; the largest peak memory was {grouped(s.peak_mib.max())} MiB. "
            + _warm_up_text(st, s))


def _warm_up_text(st: xr.Dataset, s: pd.DataFrame) -> str:
    """Whether the first size's build time carries the process's one-time compilation of pandapower's power flow
    (`forlab.grid.td.warm_up`): not in a store whose sweep warmed up first, which says how long that took."""
    if "warmup_wall_time_s" in st.attrs:
        return (f"Before the first size the sweep ran two power flows, untimed in the table, which paid the process's "
                f"one-time compilation of pandapower's power flow ({grouped(st.attrs['warmup_wall_time_s'], 1)} s).")
    first = s.sort_values("n_ds").iloc[0]
    return (f"This sweep did not warm up first: the build time of its first size ({int(first.n_ds)} "
            f"DS{'' if int(first.n_ds) == 1 else 's'}, {grouped(first.build_s, 1)} s) carries the process's one-time "
            "compilation of pandapower's power flow (numba), which the later sizes do not pay.")


def paper_text(big: xr.Dataset | None) -> str:
    """Markdown: where the paper-scale store comes from, or how to make one."""
    if big is None:
        return missing_profile_text("12_many_dsos")
    return f"{origin_text(big)}. {store_text(big, commit=False)}"


def _workers_text(n_workers: int | None) -> str:
    """Where a profile's DSOs and regions run, as `forlab.book.parallel.client` reads ``n_workers``."""
    if n_workers is None:
        return "on as many Dask workers as the machine has cores"
    return f"on {counted(n_workers, 'Dask worker')}" if n_workers else "in one process, without Dask workers"


def systems_text(params: dict) -> str:
    """Markdown: the study system of every size of ``params``, one bullet each."""
    return "\n".join(f"- `{name}`" for name in system_names(params))


def profile_text(params: dict) -> str:
    """Markdown: what a profile sweeps (its parameters), the study system of every size and the bus count the
    scale-out issue asks for (`forlab.book.anchors`)."""
    return (f"Sizes {', '.join(map(str, params['n_ds']))} DSs under {params['ts']}, drawn from "
            f"{', '.join(params['pool'])} with seed {params['seed']}, {_workers_text(params['n_workers'])}; the "
            f"scale-out targets ask for at least {anchors.show('scaleout_sweep_buses')} in total:\n\n"
            + systems_text(params))
