"""Sentences of the ML-surrogate chapter: Markdown built from its store and tables, so that the notebook only shows
them and the tests can check them."""

from __future__ import annotations

import json
from functools import partial

import numpy as np

from forlab.book import anchors
from forlab.book.names import TIME_RATIO
from forlab.book.store import origin_text
from forlab.book.tables import grouped, listed, span
from forlab.grid import td
from forlab.opf.judge import LOADING_TOL, V_TOL, VIOLATION_RULES, tolerance, violation_words
from forlab.p2_surrogate.model import DSSurrogate
from forlab.studies.ch06_ml_surrogate.figures import input_label
from forlab.studies.ch06_ml_surrogate.readers import (
    COVERAGE_GRID,
    acceptance,
    cases,
    dataset_table,
    keys,
    runs,
    thin_slices,
)

__all__ = ["benchmark_summary", "benchmark_targets", "benchmark_text", "conservatism_text", "coverage_text", "failures",
           "false_feasible_note", "flow_speed_text", "history_text", "little_accepted", "offline_text",
           "paper_run_text", "safety_summary", "scaling_text", "slice_star_text", "span",
           "sweep_final_text", "timing_text"]

ALL_FEASIBLE = f"Every dispatch is feasible: the T+D power flow counts no violation ({VIOLATION_RULES})."
ALL_FEASIBLE_PAPER = "Every dispatch of the paper-scale run is feasible in the T+D power flow."
ON_BOUNDARY = 1e-6
"""|g(u)| below which the TSO's choice counts as on its polytope's boundary (g is in whitened units; Ipopt's
tolerance leaves about 1e-8)."""
MOSTLY_REJECTED = 0.5
"""False-infeasible rate above which a polytope is said to reject most of its DS's feasible held-out samples."""
LITTLE_ACCEPTED = 0.05
"""Share of its DS's feasible held-out samples below which a polytope is said to accept hardly any of them. Why one
in twenty: with no false-feasible sample, a polytope's held-out accuracy exceeds that of a classifier rejecting every
point by its accepted share times the feasible share of the held-out samples, so below this share its held-out scores
hardly tell it from a polytope that accepts nothing (forlab's choice)."""
UNIFORM_TOL = 0.1
"""Largest relative departure of a chart's density ratio from one for its sampling to count as uniform (forlab's
choice)."""


def flow_speed_text(st) -> str:
    """The batched power flow's speed range and the total number and time of the flows. The total time is the sum of
    the per-DS times as `dataset_table` prints them (to 0.1 s), so that a reader who adds the table's column gets the
    same figure (the exact sum read "1.0 s" beside printed parts of 0.6 and 0.5 s); it is a sum, not a time derived
    from the rates, so the sentence does not join the two with "so"."""
    shown = dataset_table(st)
    return (f"The batched power flow ran {span(shown['flows/s'], grouped, ' flows')} per second here; its "
            f"{grouped(shown['all samples'].sum())} flows took {grouped(shown['power flows (s)'].sum(), 1)} s in "
            "total, the sum of the power-flow times in the table.")


def coverage_text(cov) -> str:
    """What a `coverage_table` says: share inside the charts, grid cells hit and density ratio, and whether the
    sampling is uniform to within `UNIFORM_TOL` on every chart."""
    dens = cov["density ratio"]
    tol = f"{100 * UNIFORM_TOL:.0f} %"
    # the measured spread, not only the tolerance: a reader sees how close to uniform the sampling is
    departure = f"{100 * float(np.nanmax(np.abs(dens - 1))):.1f} %"
    uniform = bool(dens.between(1 - UNIFORM_TOL, 1 + UNIFORM_TOL).all())
    return (
        f"Over {len(cov)} FPUs with charts of the kinds {listed(sorted(set(cov.chart)))}: the share of Latin "
        f"Hypercube set-points inside their chart is {span(cov['inside chart (%)'], '.1f', ' %')}, "
        f"{span(cov['cells hit (%)'], '.1f', ' %')} of the {COVERAGE_GRID} × {COVERAGE_GRID} "
        f"grid cells inside a chart hold a sample, and the density ratio is {span(dens, '.3f')}: the Latin "
        "Hypercube over each chart's bounding box, with the points outside the chart rejected, "
        + (f"covers every chart shape uniformly, its density at most {departure} from a uniform one (the book "
           f"counts a chart as uniformly covered within {tol})." if uniform else
           f"is not uniform on every chart: its density departs from a uniform one by up to {departure}, more than "
           f"the {tol} the book allows.")
    )


def benchmark_summary(per_sys) -> str:
    """Markdown bullet list, one per system: feasibility ratio, cost deviation, the ratio of solver times under its
    one name (`TIME_RATIO`), offline time."""
    return "\n".join(
        f"- **{s}**: {grouped(r.feasible)} of {grouped(r.scenarios)} dispatches feasible in the T+D power flow "
        f"({r.feasibility_ratio_pct:.0f} %); cost deviation from the integrated optimum {r.deviation_mean_pct:.4f} % "
        f"on average and {r.deviation_max_pct:.4f} % at most; {TIME_RATIO} "
        f"{r.time_ratio_mean:.2f}x on average ({grouped(r.tso_ms_mean, 1)} ms against "
        f"{grouped(r.integrated_ms_mean, 1)} ms), {r.time_ratio_max:.2f}x at worst;{_reserve_words(r)} offline work "
        "of the DSOs "
        + (f"{grouped(r.offline_s)} s." if np.isfinite(r.offline_s) else "not recorded in this store.")
        for s, r in per_sys.iterrows())


def _reserve_words(r) -> str:
    """The reserves the TSO held on a system (a row of `per_system`), as a clause ending in ";"; "" without them."""
    if not np.isfinite(r.get("reserve_mw", np.nan)):
        return ""
    return (f" reserves held by the TSO {r.reserve_mw:.3f} MW on each slack unit's P and {r.reserve_mvar:.3f} Mvar on "
            "each voltage-controlling unit's Q;")


def benchmark_targets(per_sys, narrow=None) -> str:
    """One sentence per target of the ML-surrogate issue, with the measured numbers; ``narrow``: the DSs whose
    polytope accepts hardly any feasible sample (`little_accepted`), said with the time ratio of their system. The
    ratio of solver times goes by its one name, `TIME_RATIO`, as the tables head it."""
    full = per_sys.feasibility_ratio_pct.map(anchors.anchor("p2_feasibility_pct").met)
    n_fail = int((per_sys.scenarios - per_sys.feasible).sum())
    return (
        f"{anchors.show('p2_feasibility_pct')} feasibility ratio: met on {int(full.sum())} of {len(per_sys)} systems"
        + (f" (missed on {listed(per_sys.index[~full])}; {grouped(n_fail)} infeasible dispatches, listed below)"
           if (~full).any() else "")
        + f", {grouped(per_sys.feasible.sum())} of {grouped(per_sys.scenarios.sum())} dispatches in all. Cost "
        f"deviation per system: {span(per_sys.deviation_mean_pct, '.4f', ' %')} on average, "
        f"{per_sys.deviation_max_pct.max():.4f} % at worst. {TIME_RATIO.capitalize()}: "
        f"{_times(per_sys.time_ratio_mean)} on average per system{_on_largest(per_sys, narrow)}."
    )


def _times(ratios) -> str:
    """A range of time ratios as the book writes a ratio, each end with its x attached ("0.15x to 0.88x"); otherwise
    `span`'s rule ("n/a" without a number)."""
    shown = span(ratios, ".2f")
    return shown if shown == "n/a" else " to ".join(f"{end}x" for end in shown.split(" to "))


def _on_largest(per_sys, narrow=None) -> str:
    """The clause of `benchmark_targets` on the system with the most DS buses, where the time ratio should be
    smallest: nothing when every system has as many DS buses (no size to compare), and a tie said as one; when a DS
    of it is in ``narrow`` (`little_accepted`), that its TSO was held to that DS's polytope, briefly (`_held_to`:
    the caveat in full, with the share, is `conservatism_text`'s, review R3 finding 9)."""
    largest = per_sys.index[per_sys.ds_buses == per_sys.ds_buses.max()]
    if len(largest) == len(per_sys):
        return ""
    ratios = listed(f"{s} {per_sys.time_ratio_mean[s]:.2f}x (time reduction "
                     f"{100 * (1 - per_sys.time_ratio_mean[s]):.0f} %)" for s in largest)
    head = "the system with the most DS buses" if len(largest) == 1 else \
        "the systems with the most DS buses, which tie"
    held = _held_to(narrow, largest)
    return f"; on {head}: {ratios}" + (f", measured with a TSO held to {held}" if held else "")


def little_accepted(st):
    """`forlab.studies.ch06_ml_surrogate.readers.acceptance` of the DSs whose polytope accepts less than
    `LITTLE_ACCEPTED` of their feasible held-out samples."""
    acc = acceptance(st)
    return acc[acc.accepted < LITTLE_ACCEPTED]


HELD_NOTE = "the price of safety"
"""Where a brief mention of a polytope that accepts hardly anything points to: `conservatism_text`, which gives its
share and what it means once (review R3, finding 9: the caveat was said in full five times), and opens with
`PRICE_TITLE` so that a reader finds the phrase there."""
PRICE_TITLE = f"**{HELD_NOTE[0].upper()}{HELD_NOTE[1:]}.** "
"""The bold lead of `conservatism_text`: `HELD_NOTE` as its title (the pointers once named a phrase that paragraph
did not contain, final read of session 57, finding 5)."""


def _held_to(narrow, systems) -> str:
    """The polytopes a TSO of ``systems`` is held to among the DSs of ``narrow`` (`little_accepted`), in brief: named,
    said to accept hardly any feasible input, pointing to `HELD_NOTE`; empty when none of them is on those systems."""
    if narrow is None:
        return ""
    rows = narrow[narrow.system.isin(list(systems))]
    if not len(rows):
        return ""
    return (f"{_polytopes_of(rows)}, which accept{'' if len(rows) > 1 else 's'} hardly any feasible input (see "
            f"{HELD_NOTE} below)")


def _polytopes_of(rows) -> str:
    """The polytopes of the DSs ``rows`` (`little_accepted` rows), named: "the polytope of k", "the polytopes of k
    and l"; the one phrase of `_held_to` and `_narrow_feasibility`."""
    return f"the polytope{'s' if len(rows) > 1 else ''} of {listed(rows.index)}"


def _narrow_feasibility(narrow) -> str:
    """The sentence after the benchmark's feasibility on the systems of ``narrow`` (`little_accepted`): feasible with
    a TSO held to hardly any of the DS's region, said briefly (the polytopes named by `_polytopes_of`, as `_held_to`
    names them; what it does not show is in `conservatism_text`)."""
    if narrow is None or not len(narrow):
        return ""
    systems = list(dict.fromkeys(narrow.system))
    return (f" On {listed(systems)}, that is the feasibility of a TSO held to {_polytopes_of(narrow)} (see "
            f"{HELD_NOTE} below).")


def _failure_cause(r) -> str:
    """Why a converged, judged dispatch violates a limit: in the DS (the polytope accepted a point outside the true
    region) or in the T+D operating point (the import error)."""
    where = []
    if r.ds_vm_slack_pu < 0:
        where.append(f"the DS power flow at the TSO's set-points and PCC voltages already violates a DS voltage "
                     f"limit by {-r.ds_vm_slack_pu:.2e} p.u.")
    if r.ds_max_loading_percent > 100:
        where.append(f"the DS power flow loads a DS branch to {r.ds_max_loading_percent:.1f} %")
    if where:
        return ("; ".join(where) + ": the polytope accepted a point outside the DS's true region"
                + (f" (g = {r.ds_g:.3g} at that point)" if np.isfinite(r.ds_g) else ""))
    return ("the DS power flow at the TSO's set-points is within the DS limits, so the violation is in the T+D "
            f"operating point itself: the true PCC import differs from the predicted one by up to "
            f"{r.ds_p_error_mw:.4f} MW and {r.ds_q_error_mvar:.4f} Mvar, which the TS slack and voltages absorb")


def failures(t) -> str:
    """Markdown: every infeasible dispatch of a runs table (`benchmark_table`'s first value) and what the power flows
    found; empty when there is none. Reads the checks of eq. (p2-check)."""
    lines = []
    for _, r in t[~t.feasible.astype(bool)].iterrows():
        head = f"- {r.system}, scenario {r.scenario}: "
        if not bool(r.tso_success):
            lines.append(head + f"the surrogate TSO OPF did not converge (Ipopt status {r.tso_status!r}), so there is "
                         "no dispatch to check.")
        elif not bool(r.converged):
            lines.append(head + "the T+D power flow at the TSO's dispatch did not converge.")
        else:
            lines.append(head + f"{violation_words(r)} (largest voltage violation {r.max_vm_violation_pu:.2e} p.u., "
                         f"largest loading {r.max_loading_percent:.1f} %, largest generator violation "
                         f"{r.max_gen_violation_mw:.3g} MW); " + _failure_cause(r) + ".")
    return "\n".join(lines)


def timing_text(t) -> str:
    """The sentence that says how the benchmark's solver times were taken: the fastest of how many solves (the
    parameter ``timing_repeats``, recorded per run in the runs table ``t`` of `benchmark_table`); empty for a store
    that predates recording it."""
    if "timing_repeats" not in t or not t.timing_repeats.notna().any():
        return ""
    n = t.timing_repeats.dropna().astype(int).unique()
    return (f"Every solver time above is the fastest of {' or '.join(map(grouped, sorted(n)))} solves of its OPF "
            "from the same start (the parameter `timing_repeats`).")


def benchmark_text(t, per_sys, paper: bool = False, narrow=None) -> str:
    """The benchmark in words: per-system bullets (`benchmark_summary`), how the times were taken (`timing_text`),
    the targets (`benchmark_targets`) and every infeasible dispatch (`failures`) or the statement that there is none;
    ``paper`` for the paper-scale run (no heading); ``narrow`` (`little_accepted`): the DSs whose polytope accepts
    hardly any feasible sample, whose systems' feasibility and time ratio are said to be measured with a TSO held to
    that little."""
    fail = failures(t)
    tail = ("Infeasible dispatches, and what the power flows found:\n\n" + fail if fail else
            (ALL_FEASIBLE_PAPER if paper else ALL_FEASIBLE))
    head = "" if paper else "Per system:\n\n"
    timing = timing_text(t)
    return (head + benchmark_summary(per_sys) + "\n\n" + (timing + "\n\n" if timing else "")
            + benchmark_targets(per_sys, narrow) + "\n\n" + tail + _narrow_feasibility(narrow))


def _certification_status(done: np.ndarray) -> str:
    """Whether the certification rounds that ran (failing shares ``done``) ended with no failing sampled vertex."""
    if not len(done):
        return "no certification round"
    if done[-1] == 0:
        return f"certified: no sampled vertex failed the margin labels in round {len(done)}"
    return (f"not certified: {100 * done[-1]:.1f} % of the vertices sampled in the last of its {len(done)} "
            "rounds still failed the margin labels")


SAFETY_TITLE = "**What made each polytope safe**, and what it cost:"
"""The title of `safety_summary`'s bullets where they follow the scores' tables with no prose between them."""


def safety_summary(st, titled: bool = False) -> str:
    """Markdown, one bullet per DS: the calibration offset of its polytope, whether certification ended with no
    failing sampled vertex, the held-out accuracy and false-infeasible rate (the price of the safety), and the fresh
    vertex check; then the DSs whose fresh vertices still fail, if any. With ``titled``, under `SAFETY_TITLE`: the
    page's title, kept here with the bullets it names (a notebook types no sentence)."""
    c = cases(st)
    cert = st.certify_failing_share.values if "certify_failing_share" in st else np.full((len(c), 0), np.nan)
    lines = [SAFETY_TITLE, ""] if titled else []
    for i, key in enumerate(c.index):
        status = _certification_status(cert[i][np.isfinite(cert[i])])
        r = c.loc[key]
        lines.append(f"- **{key}**: calibration offset {r.polytope_offset:.3f} (whitened units); {status}; held-out "
                     f"accuracy {100 * r.test_accuracy:.1f} %, false-feasible {100 * r.test_false_feasible_rate:.2f} "
                     f"%, false-infeasible {100 * r.test_false_infeasible_rate:.1f} %; fresh vertices infeasible "
                     f"{100 * r.test_vertex_infeasible_share:.1f} % (smallest voltage distance to a limit "
                     f"{r.test_vertex_min_vm_slack_pu:.4f} p.u., largest loading {r.test_vertex_max_loading_percent:.1f} "
                     "%).")
    bad = c[c.test_vertex_infeasible_share > 0]
    if len(bad):
        lines += ["", _vertex_failures(bad)]
    return "\n".join(lines)


def _vertex_failures(bad) -> str:
    """The DSs of ``bad`` (`cases` rows) whose fresh vertices fail the strict labels (the vertex check's test), and
    whether their worst vertex also breaks a limit by more than the judge's tolerances (`V_TOL`, `LOADING_TOL`)."""
    beyond = (bad.test_vertex_min_vm_slack_pu < -V_TOL) | (bad.test_vertex_max_loading_percent > 100 + LOADING_TOL)
    tol = f"{tolerance(V_TOL)} p.u. of voltage, {100 + LOADING_TOL:g} % loading"
    out = (f"Fresh vertices of {listed(bad.index)} fail the strict labels: in the DS's own power flow at the vertex, "
           "a voltage outside its band or a branch above its limit, with no tolerance.")
    if beyond.any():
        out += (f" At a vertex of {listed(bad.index[beyond])} a limit is broken by more than the judge's tolerances "
                f"({tol}): a TSO whose prices drive it to such a vertex would get a dispatch the judge also finds "
                "infeasible, whether or not one of the benchmark's scenarios does.")
    if not beyond.all():
        out += (f" The vertices of {listed(bad.index[~beyond])} stay within the judge's tolerances ({tol}): a "
                "dispatch there would break a strict label and still pass the judge.")
    return out + (" Further certification rounds (`certify_rounds`) would push the facets at those vertices inwards, "
                  "at the price of a more conservative polytope.")


def false_feasible_note(st) -> str:
    """Markdown: which false-feasible rate means something. The calibration (`forlab.p2_surrogate.polytope.calibrate`)
    shifts each polytope inwards until its false-feasible rate on its own training samples is at most
    ``max_false_feasible``, so that rate is at most the target by construction and is not shown as a result; the
    rates the chapter reports are measured on the held-out test samples only (never used to fit or calibrate), with
    their number of infeasible test samples."""
    target = None
    for key in ("surrogate_options", "parameters"):  # the options the run used; a saved store's parameters
        if key in st.attrs and "max_false_feasible" in json.loads(st.attrs[key]):
            target = json.loads(st.attrs[key])["max_false_feasible"]
            break
    c = cases(st)
    n_inf = (c.n_test_infeasible if "n_test_infeasible" in c else None)
    counted = (f" over {span(n_inf, grouped)} infeasible test samples per DS" if n_inf is not None else "")
    bound = "" if target is not None and float(target) == 0 else "at most "
    head = (f"{bound}{100 * float(target):g} % (the `max_false_feasible` target)" if target is not None
            else "at most the `max_false_feasible` target")
    return (f"On its training samples, every polytope's false-feasible rate is {head} by construction: the "
            "calibration shifts the facets inwards until it is, so that rate measures nothing and is not shown. The "
            "false-feasible rates above are measured on the held-out test samples only, which neither the fit nor the "
            f"calibration saw: {span(100 * c.test_false_feasible_rate, '.2f', ' %')}{counted}; the training curves' "
            "held-out rate is on the same test samples, before calibration.")


def history_text(st) -> str:
    """Markdown, one bullet per DS: the held-out accuracy at the end of the polytope's training (the last point of
    `history_figure`: margin labels, before calibration and certification), of the finished polytope against the same
    margin labels, and against the true labels (the scores table's)."""
    lines = []
    for i, key in enumerate(keys(st)):
        h = st.history_val_accuracy.values[i]
        h = h[np.isfinite(h)]
        if not len(h):
            continue
        lines.append(f"- **{key}**: {100 * h[-1]:.1f} % at the end of training; after calibration and certification "
                     f"{100 * float(st.test_margin_accuracy.values[i]):.1f} % against the margin labels and "
                     f"{100 * float(st.test_accuracy.values[i]):.1f} % against the true labels.")
    return ("Held-out accuracy of each polytope, from the last point of the curves to the finished polytope of the "
            "scores table below:\n\n" + "\n".join(lines))


def _training_sets(st, i: int) -> dict:
    """DS row i: the final fit's training samples by kind (Latin Hypercube, boundary, refinement; the held-out
    samples are Latin Hypercube samples too)."""
    n_train = json.loads(str(st.surrogate_json.values[i]))["info"]["n_train"]
    n_all, n_lhs = int(st.n_samples.values[i]), int(st.n_lhs.values[i])
    refined = int(np.nansum(st.refine_n_vertices.values[i])) if "refine_n_vertices" in st else 0
    return {"lhs": n_lhs - (n_all - n_train), "boundary": n_all - n_lhs - refined, "refine": refined}


def _sweep_final_line(st, key: str) -> str:
    """One DS of `sweep_final_text`: held-out accuracy (at the final K, when the sweep has it) and regressor RMSE at
    the sweep's largest size against the final surrogate's."""
    i, last = keys(st).index(key), st.n_train.values[-1]
    k = int(st.n_facets.values[i])
    parts = []
    if k in st.facets.values:
        acc = 100 * float(st.sweep_accuracy.sel(ds=key, facets=k, n_train=last))
        parts.append(f"accuracy {acc:.1f} % (K = {k}) against {100 * float(st.test_accuracy.values[i]):.1f} %")
    for var, name, unit in (("p_mw", "P", "kW"), ("q_mvar", "Q", "kvar")):
        swept = 1e3 * float(st[f"sweep_{var}_rmse"].sel(ds=key, n_train=last).isel(facets=0))
        if np.isfinite(swept):
            parts.append(f"{name} RMSE {swept:.3f} against {1e3 * float(st[f'test_{var}_rmse'].values[i]):.3f} {unit}")
    return f"- **{key}**: " + "; ".join(parts) + "."


def sweep_final_text(st, keys_shown=None) -> str:
    """Markdown: the sweep's surrogates at its largest size against the final ones of the scores table (DSs
    ``keys_shown``, default all), and why they differ: the final fit adds the boundary and refinement samples to the
    same Latin Hypercube training samples and its polytope goes through certification; the regressors, fitted by
    least squares on the feasible training samples, then also fit those at the faces and vertices of the domain, at
    the price of a larger error on the uniformly spread held-out samples (the sweep's regressors see Latin Hypercube
    samples only)."""
    shown = keys(st) if keys_shown is None else list(keys_shown)
    sets = [_training_sets(st, keys(st).index(key)) for key in shown]
    certifying = bool(st.sizes.get("certify_round", 0))
    return (
        f"The sweep's largest size takes {_sweep_largest(st, shown)} Latin Hypercube training "
        f"samples per DS. The final surrogates of the scores table are fitted on all "
        f"{span([s['lhs'] for s in sets], grouped)} Latin Hypercube training samples with "
        f"{span([s['boundary'] for s in sets], grouped)} boundary and {span([s['refine'] for s in sets], grouped)} "
        f"refinement samples{', and their polytopes go through the certification rounds' if certifying else ''}. "
        "These additions serve the faces and vertices of the domain, where an optimiser's choices lie, and on the "
        "uniformly spread held-out samples they can cost accuracy: the polytope is pushed inwards by the infeasible "
        f"refinement samples at its vertices{' and by the certification' if certifying else ''}, and the "
        "least-squares regressors fit the feasible boundary and refinement samples as well as the Latin Hypercube "
        "ones. Held-out scores, the sweep's at its largest size against the final surrogate's:\n\n"
        + "\n".join(_sweep_final_line(st, key) for key in shown)
    )


def _sweep_largest(st, shown) -> str:
    """The Latin Hypercube training samples the sweep's largest size fits on, over the DSs ``shown``: that size cut to
    each DS's training set, as `forlab.studies.ch06_ml_surrogate.steps.sweep` cuts it."""
    last = int(st.n_train.values[-1])
    return span([min(last, _training_sets(st, keys(st).index(key))["lhs"]) for key in shown], grouped)


def offline_text(st) -> str:
    """Markdown bullets: the DSO's offline price (power flows, refinement + fit + certification) and what refinement
    and certification buy at the polytope's vertices against the sweep's plain fits on the largest size
    (`_refinement_bought`)."""
    c, seconds = cases(st), partial(grouped, decimals=1)  # as the offline table prints them
    return (
        f"- {span(c.n_samples, grouped)} power flows per DS ({span(c.dataset_time_s, seconds, ' s')}), and "
        f"{span(c.fit_time_s, seconds, ' s')} for refinement, final fit and certification;\n"
        f"- what the refinement and certification buy: " + _refinement_bought(st, c)
    )


def _refinement_bought(st, c) -> str:
    """`offline_text`'s second bullet: the infeasible vertex share of the sweep's plain fits at its largest size
    against the final polytopes'; no comparison where the sweep measured no vertex share (all NaN)."""
    plain = st.sweep_vertex_infeasible_share.sel(n_train=st.n_train.values[-1]).values
    final = (f"the final ones {span(100 * c.test_vertex_infeasible_share, '.1f', ' %')}, while their held-out "
             f"accuracy is {span(100 * c.test_accuracy, '.1f', ' %')}")
    fitted = f"fitted on {_sweep_largest(st, keys(st))} Latin Hypercube samples without them"
    if not np.isfinite(plain).any():
        return (f"{fitted}, the sweep's polytopes have no measured share of infeasible vertices, so this store "
                f"cannot compare them with the final ones ({span(100 * c.test_vertex_infeasible_share, '.1f', ' %')} "
                f"infeasible vertices, held-out accuracy {span(100 * c.test_accuracy, '.1f', ' %')}).")
    return (f"{fitted}, the sweep's polytopes have {span(100 * plain, '.1f', ' %')} infeasible vertices (over the DSs "
            f"and $K$), {final}"
            + (": accuracy on uniform samples does not tell whether an optimiser is misled, the vertex check does."
               if np.nanmax(plain) > c.test_vertex_infeasible_share.max() else
               "; here the plain fits were already no worse at their vertices than the refined ones."))


def paper_run_text(big) -> str:
    """Where the paper-scale store comes from (path, commit, time, machine load) and its main parameters."""
    bp = json.loads(big.attrs["parameters"])
    load = {k: json.loads(big.attrs[f"load_average_{k}"])[0] for k in ("start", "end")}
    return (
        origin_text(big, f"1-minute load average of the {big.attrs['cpu_count']}-core machine {load['start']:.1f} at "
                         f"the start and {load['end']:.1f} at the end of the run")
        + f": {len(bp['systems'])} systems, "
        f"{big.sizes['ds']} DSs, {grouped(bp['n_samples'])} Latin Hypercube samples per DS, $K$ = {bp['facets']}, "
        f"{grouped(bp['n_scenarios'])} load scenarios per system, facet sweep {_sweep_words(bp['facet_sweep'])}, size "
        f"sweep {_sweep_words(bp['size_sweep'])}, refinement {bp['refine_rounds']} × {grouped(bp['refine_samples'])}, "
        f"certification {bp['certify_rounds']} × {grouped(bp['vertex_samples'])} vertices, `store_samples` = "
        f"{grouped(bp['store_samples'])}."
    )


def _sweep_words(values) -> str:
    """A sweep's values as the page lists them, each with its thousands grouped: "500, 2 000 and 8 000" (the list as
    JSON wrote "[500, 2000, 8000]", a second way to write a number)."""
    return listed(map(grouped, values))


def scaling_text(per_sys, narrow=None) -> str:
    """Mean solver times and their ratio (`TIME_RATIO`) from the system with the fewest DS buses to the one with the
    most, then what they show (`_size_reading`): the page's one statement on whether the ratio is a matter of size
    (review R3, finding 5: the chapter claimed it, then withdrew it). ``narrow``: `little_accepted`."""
    r = per_sys.sort_values("ds_buses", kind="stable")
    return (
        f"From the smallest system ({r.index[0]}, {grouped(r.ds_buses.iloc[0])} DS buses) to the largest "
        f"({r.index[-1]}, {grouped(r.ds_buses.iloc[-1])} DS buses) the integrated AC-OPF's mean solver time goes from "
        f"{grouped(r.integrated_ms_mean.iloc[0])} to {grouped(r.integrated_ms_mean.iloc[-1])} ms, the surrogate TSO's "
        f"from {grouped(r.tso_ms_mean.iloc[0])} to {grouped(r.tso_ms_mean.iloc[-1])} ms{_peak(r)}, and the mean "
        f"{TIME_RATIO} from "
        f"{r.time_ratio_mean.iloc[0]:.2f}x to {r.time_ratio_mean.iloc[-1]:.2f}x.{_size_reading(r, narrow)}"
    )


def _ts_of(system: str) -> str:
    """The TS of a study system ("case118+case533mt_hi" -> "case118"), read by `forlab.grid.td.parse_system`, as
    chapter 10 reads it."""
    return td.parse_system(system)[0]


def _size_reading(r, narrow=None) -> str:
    """`scaling_text`'s reading (``r``: `per_system` by DS buses): whether the integrated AC-OPF's mean time grows
    with the DS buses, and, since the systems differ in their TS too, the ratio across the systems that share a TS
    (the one comparison with the TS fixed while the DSs grow), qualified where their PCCs per DS differ too
    (`_coupling_differs`), and each such pair's last point said to be a TSO held to a polytope that accepts hardly
    anything where it is in ``narrow`` (`little_accepted`). "" where the systems have one DS-bus size only: there is
    no growth to read (an empty diff is "all growing"). The surrogate TSO's range is `scaling_text`'s (with `_peak`),
    not repeated here at another precision (final read of session 57, finding 7)."""
    by_size = r.groupby("ds_buses").integrated_ms_mean.mean()
    if len(by_size) < 2:
        return ""
    grows = "grows" if (np.diff(by_size.values) > 0).all() else "does not grow steadily"
    text = f" The integrated AC-OPF's mean time {grows} with the DS buses."
    held = set() if narrow is None else set(narrow.system)
    pairs = []
    for ts, g in r.groupby(r.index.map(_ts_of), sort=False):
        if g.ds_buses.nunique() < 2:
            continue
        first, last = g.iloc[0], g.iloc[-1]
        moves = "falls" if last.time_ratio_mean < first.time_ratio_mean else "does not fall"
        pairs.append(f" On {ts} ({listed(g.index)}) the {TIME_RATIO} {moves} from {first.time_ratio_mean:.2f}x to "
                     f"{last.time_ratio_mean:.2f}x as the DS buses go from {grouped(first.ds_buses)} to "
                     f"{grouped(last.ds_buses)} (integrated {first.integrated_ms_mean:.1f} to "
                     f"{last.integrated_ms_mean:.1f} ms, surrogate TSO {first.tso_ms_mean:.1f} to "
                     f"{last.tso_ms_mean:.1f} ms)." + _coupling_differs(g)
                     + (f" Its last point is a TSO held to a polytope that accepts hardly any feasible input (see "
                        f"{HELD_NOTE} above)." if g.index[-1] in held else ""))
    if not pairs:
        return text + f" The systems differ in their TS as well, so the {TIME_RATIO} does not separate the two."
    return text + " The systems differ in their TS as well; only where two share one is the TS fixed while the DSs " \
        "grow." \
        + "".join(pairs)


def _coupling_differs(g) -> str:
    """`_size_reading`'s qualifier on systems ``g`` that share a TS: where their mean PCCs per DS differ (one DS with
    two PCCs against DSs with one each, as case30+case33bw-2pcc against case30+case69+case33bw), the DSs' coupling to
    the TS changes along with their buses, so the ratio does not follow the DS buses alone; "" where it is the same."""
    if g.pccs_per_ds.nunique() < 2:
        return ""
    each = listed(f"{n:g} on {k}" for k, n in g.pccs_per_ds.items())
    return f" There the PCCs per DS differ as well ({each}), so that ratio does not follow the DS buses alone."


def _peak(r) -> str:
    """Where the surrogate TSO's mean solver time peaks between the smallest and the largest system (`scaling_text`):
    " (at most 33 ms, on case118+case136ma+case141)"; "" where an end holds it."""
    top = r.tso_ms_mean.idxmax()
    return "" if top in (r.index[0], r.index[-1]) else f" (at most {grouped(r.tso_ms_mean[top])} ms, on {top})"


def conservatism_text(st) -> str:
    """Markdown: the price each DS pays for a safe polytope, its false-infeasible rate on the held-out samples (the
    feasible inputs it rejects), from the smallest to the largest (`_price_per_ds`), opened by whether the benchmark's
    dispatches were all feasible (`_price_lead`); the DSs whose polytope rejects most of them
    (`MOSTLY_REJECTED`), with the share it accepts and its accuracy against a classifier rejecting every point; and
    those accepting less than `LITTLE_ACCEPTED`, whose systems' feasibility and time ratio say little. Under
    `PRICE_TITLE`, the phrase `HELD_NOTE` the other sentences point to."""
    c = cases(st).sort_values("test_false_infeasible_rate")
    head = PRICE_TITLE + _price_lead(st) + _price_per_ds(c)
    acc = acceptance(st)
    most = acc.loc[c.index[c.test_false_infeasible_rate > MOSTLY_REJECTED]]
    if not len(most):
        return head + " No polytope rejects more than half of its DS's feasible samples."
    return head + _mostly_rejected(most) + _little_accepted_text(little_accepted(st))


def _price_lead(st) -> str:
    """The opening clause of `conservatism_text`: what the conservatism bought in the benchmark (`runs`), said only
    as far as its dispatches were feasible in the T+D power flow (`failures` lists those that were not)."""
    t = runs(st) if "bench_feasible" in st else None
    if t is None or not len(t):
        return "A safe polytope is bought with conservatism"
    bad = int((~t.feasible.astype(bool)).sum())
    if not bad:
        return "Feasible dispatches are bought with conservatism"
    return (f"Conservatism did not make every benchmark dispatch feasible ({grouped(bad)} of {grouped(len(t))} are "
            "not, listed with the benchmark), yet it is paid all the same")


def _price_per_ds(c) -> str:
    """The rest of `conservatism_text`'s first sentence: the false-infeasible rate per DS (``c``: `cases` sorted by
    it), from the smallest to the largest, one DS or equal rates said as such."""
    rate = [f"{100 * r:.1f}" for r in c.test_false_infeasible_rate]
    last = f"(held-out accuracy {100 * c.test_accuracy.iloc[-1]:.1f} %)"
    if len(c) == 1:
        return f": the polytope rejects {rate[0]} % of the feasible held-out samples on {c.index[0]} {last}."
    if rate[0] == rate[-1]:  # equal as printed
        return (f", and every DS pays the same price: each polytope rejects {rate[0]} % of its DS's feasible held-out "
                f"samples ({listed(c.index)}).")
    each = "each DS pays a different price" if len(set(rate)) == len(rate) else "the price differs between DSs"
    return (f", and {each}: its polytope rejects {rate[0]} % of the feasible held-out samples on {c.index[0]}, and "
            f"up to {rate[-1]} % on {c.index[-1]} {last}.")


def _mostly_rejected(most) -> str:
    """`conservatism_text` on the DSs of ``most`` (`acceptance` rows): what each accepts, and its accuracy against a
    classifier rejecting every point (left out where the store does not give the held-out size)."""
    many = len(most) > 1
    each = "; ".join(f"{k} accepts {100 * r.accepted:.1f} % of them, with a held-out accuracy of {100 * r.accuracy:.1f} %"
                  + (f" where rejecting every point scores {100 * r.reject_all:.1f} %" if np.isfinite(r.reject_all)
                     else "") for k, r in most.iterrows())
    return (f" The polytope{'s' if many else ''} of {listed(most.index)} reject{'' if many else 's'} more than half of "
            f"{'their' if many else 'its'} DS's feasible held-out samples: {each}. There the TSO may choose only "
            "among the inputs the polytope accepts, a cost that the feasibility ratio does not show and the cost "
            "deviation shows only where the integrated optimum needs the inputs given up.")


def _little_accepted_text(little) -> str:
    """`conservatism_text` on the DSs of ``little`` (`little_accepted`), after `_mostly_rejected` gave their shares:
    their scores hardly tell them from a polytope accepting nothing, so their systems' feasibility and time ratio are
    those of a TSO held to that little. The page's one full statement of that caveat; the benchmark's sentences and
    the scaling text refer to it (`_held_to`)."""
    if not len(little):
        return ""
    many = len(little) > 1
    return (f" Of these, {listed(little.index)} accept{'' if many else 's'} less than "
            f"{100 * LITTLE_ACCEPTED:.0f} %, so by "
            f"{'their' if many else 'its'} held-out scores {'they are' if many else 'it is'} hardly told apart from a "
            f"polytope that accepts nothing (a share of points in the whole input space: it does not say how far one "
            f"FPU may move alone). On {listed(dict.fromkeys(little.system))}, the feasibility ratio and the ratio "
            f"{TIME_RATIO} are therefore those of a TSO held to that small share of the DS's feasible inputs; they do "
            "not show that the surrogate lets a TSO use more of that DS's flexibility safely, nor how fast.")


def _choice_scores(st) -> tuple[list[str], list[str], list[str]]:
    """The DSs of the store with a peak-scenario choice, split by where it lies in the full input space (on the
    polytope's boundary, |g| < `ON_BOUNDARY`, or strictly inside it), and those without one."""
    on, inner, without = [], [], []
    for i, key in enumerate(keys(st)):
        names = [str(n) for n in st.input_name.values[i] if str(n)]
        peak = st.tso_u_peak.values[i][:len(names)]
        if not np.isfinite(peak).all():
            without.append(key)
            continue
        g = float(DSSurrogate.from_json(str(st.surrogate_json.values[i])).polytope.g(peak[None])[0])
        (on if abs(g) < ON_BOUNDARY else inner).append(key)
    return on, inner, without


def _truth_at_choice(st, chosen: list[str]) -> str:
    """What the DS power flow says at the choices of the DSs ``chosen`` (``slice_ref_*``: the slices pass through
    the choice): how many keep every limit, with the smallest voltage distance and the largest loading among them,
    which break one, and which lie outside the sampled domain (NaN truth); "" for a store written before the slices
    passed through the choice (no ``slice_ref_*``)."""
    if "slice_ref_feasible" not in st:
        return ""
    at = st.sel(ds=chosen)
    truth = at.slice_ref_feasible.values
    ok = truth == 1
    kept = (f"{int(ok.sum())} of {len(chosen)} DSs" if not ok.all()
            else "its DS" if len(chosen) == 1 else f"all {len(chosen)} DSs")
    text = f" There the DS power flow keeps every limit for {kept}"
    if ok.any():
        text += (f" (voltage distance to the limits at least {float(np.min(at.slice_ref_vm_slack_pu.values[ok])):.4f}"
                 f" p.u., branch loading at most {float(np.max(at.slice_ref_max_loading_percent.values[ok])):.1f} %)")
    broken = [k for k, v in zip(chosen, truth) if v == 0]
    if broken:
        text += (f"; at the choice of {listed(broken)} it breaks one, a point the polytope accepts and the truth "
                 "rejects (a false-feasible choice)")
    if outside := [k for k, v in zip(chosen, truth) if np.isnan(v)]:
        text += f"; the choice of {listed(outside)} lies outside the sampled domain, where no power flow was run"
    return text + "."


def slice_star_text(st) -> str:
    """Markdown: where the TSO's peak-scenario choice (the stars of `slice_figure`) lies. In the full input space:
    on its polytope's boundary (|g| < `ON_BOUNDARY`) or inside it, per DS. The slices pass through the choice
    (`forlab.studies.ch06_ml_surrogate.steps.slice_reference`) and the hatched polygon is the polytope's exact slice
    (`forlab.studies.ch06_ml_surrogate.readers.slice_outline`), so each star lies on it; a slice thinner than the
    grid of the colours is named with its width at the choice (`_thin_slices_text`). Then the truth: whether the DS
    power flow at the choice keeps every limit (`_truth_at_choice`). A DS without a choice (its peak solve failed)
    has slices through its polytope's centre and no star: named."""
    on, inner, without = _choice_scores(st)
    chosen = [k for k in keys(st) if k in on or k in inner]
    missing = (f" The slices of {listed(without)} pass through the polytope's centre: the peak solve gave no choice "
               "to draw." if without else "")
    if not chosen:
        return "No DS has a TSO's choice in the peak scenario: the slices pass through the polytopes' centres." \
            if without else ""
    where = (f"on its polytope's boundary (g within {ON_BOUNDARY:g} of zero) for {len(on)} of {len(chosen)} DSs"
             + (f" and strictly inside it for {listed(inner)}" if inner else "")
             + (": the optimiser goes to the boundary." if len(on) > len(inner) else "."))
    return (f"In the full input space, the TSO's choice in the peak scenario lies {where} Every slice passes through "
            "that choice, and its hatched polygon is the polytope's slice cut exactly from its facets, so each star "
            "lies on it, on its edge where the choice is on the boundary."
            f"{_thin_slices_text(st)}{_truth_at_choice(st, chosen)}{missing}")


def _thin_slices_text(st) -> str:
    """The slices of `thin_slices` in words: what the polytope holds the thin input to at the choice, which one grid
    step of the colours cannot show (review R3: the star looked off its polytope there); "" where there is none."""
    def words(name: str) -> tuple[str, str]:  # "PCC 1 |V| (p.u.)" -> ("PCC 1 |V|", " p.u.")
        # a label without a unit ("DS load factor", or a name `input_label` does not know) keeps its whole text
        label, sep, unit = input_label(name).rpartition(" (")
        return (label, " " + unit.rstrip(")")) if sep else (input_label(name), "")

    said = []
    for r in thin_slices(st).itertuples():
        name, unit = words(r.thin)
        said.append(f"on {r.key} ({words(r.x)[0]} against {words(r.y)[0]}) the polytope holds {name} to a band "
                    f"{r.width:.2g}{unit} wide at the choice, less than one grid step of the colours "
                    f"({r.step:.2g}{unit})")
    return (f" Given the other inputs, {'; '.join(said)}: only the hatched polygon, a sliver through the star, shows "
            "it." if said else "")
