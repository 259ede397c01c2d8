"""Sentences of chapter 10 (Markdown), from its store: what the file holds and its own test scores
(`file_text`), what a file in another format gets (`rejection_text`), the price's eigenvalues (`price_text`), the
probe points (`points_text`), which solver solved the Pyomo model (`solver_text`), the one-bus optimum against the
grid search and what holds it (`solution_text`), and the TSO's whole AC-OPF, Pyomo against CasADi (`tso_text`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import store as store_
from forlab.book.tables import grouped, listed, table
from forlab.grid import td
from forlab.studies.ch04_for_representation import PICKLED_WORDS  # JSON size vs bytes sent
from forlab.studies.ch10_consuming_an_offer.offer_file import GRID_POINTS
from forlab.studies.ch10_consuming_an_offer.one_bus import ENGINES, GRID_NONE, NO_SOLVER
from forlab.studies.ch10_consuming_an_offer.readers import REPRESENTATIONS, TSO_DIGITS, casadi_solution, offer

__all__ = [
    "AT_BOUND_REL",
    "AXES",
    "FLAT_EIGENVALUE_REL",
    "GRID_TIE_REL",
    "OPTIONAL_SECTIONS",
    "SOLVER_GLOSS",
    "USD_H",
    "USD_MWH",
    "file_text",
    "points_text",
    "price_text",
    "rejection_text",
    "solution_text",
    "solver_text",
    "tso_text",
]


USD_H, USD_MWH = r"\$/h", r"\$/MWh"
"""Currency units in generated Markdown: the dollar escaped, or MyST would read the text between two as math."""


def rejection_text(st: xr.Dataset) -> str:
    """Markdown: what `Offer.load` says about a file with another format string (stored by `run`)."""
    return f"`{st.attrs['rejection']}`"


def file_text(st: xr.Dataset) -> str:
    """Markdown: the file, its size (kB of 1000 bytes, as every chapter counts them) against the pickled bytes other
    chapters count as exchanged (`forlab.studies.ch04_for_representation.PICKLED_WORDS`), and what it holds (and
    does not)."""
    d = json.loads(str(st.offer_json.values))
    poly = d["polynomial"]
    parts = []  # the optional sections only where the file has them (`_missing_sections` says which it has not)
    if d.get("pcc"):
        parts.append(f"`pcc` names the coupling point ({_fields(d['pcc'])})")
    if d.get("base"):
        parts.append(f"`base` {'its' if d.get('pcc') else 'the'} base values ({_fields(d['base'])})")
    terms = f"{len(poly['coef'])} coefficients"
    parts += ["`box` the bounding box over (P, Q, V)",
              f"`polynomial` the region's degree-{poly['degree']} polynomial with {terms} and its margin",
              "`cost` the price's $H$, $g$ and $c_0$"]
    if d.get("info"):
        parts.append(f"`info` how the DSO fitted them ({', '.join(f'`{k}`' for k in list(d['info'])[:8])}, ...)")
    return (
        f"The file `{st.attrs['offer_file']}` is {grouped(int(st.attrs['offer_bytes']) / 1e3, 1)} kB of JSON with the "
        "keys "
        f"{', '.join(f'`{k}`' for k in d)}. {', '.join(parts[:-1])}, and {parts[-1]}{_convex_words(d)}."
        f"{_missing_sections(d)} Nothing in it names a line, a bus of the DS or a load. "
        + PICKLED_WORDS + _quality(d.get("info", {}))
    )


OPTIONAL_SECTIONS = {"pcc": "where the DS is coupled", "base": "its base values",
                     "info": "the DSO's fit and its test scores"}
"""The sections an offer file may leave out (`forlab.p1_for.offer.Offer.from_dict` reads each as empty) and what
the TSO then does not learn from the file."""


def _fields(section: dict) -> str:
    """A section's fields as the page lists them: "k = v, ..."."""
    return ", ".join(f"{k} = {v}" for k, v in section.items())


def _missing_sections(d: dict) -> str:
    """A sentence on the optional sections (`OPTIONAL_SECTIONS`) the file leaves out or leaves empty, "" when it has
    all: a file a DSO wrote by hand need not have them, and the page reads it all the same (review R1 #4)."""
    missing = [k for k in OPTIONAL_SECTIONS if not d.get(k)]
    if not missing:
        return ""
    has = listed([f"an empty `{k}`" if k in d else f"no `{k}`" for k in missing])
    what = listed([OPTIONAL_SECTIONS[k] for k in missing])
    without = "without a study system in `pcc` the TSO's whole AC-OPF below is not solved, and "
    without = without if "pcc" in missing else ""
    return (f" It has {has} (each optional in the format): {without}the TSO learns {what} from the DSO by other "
            "means, or not at all.")


def _convex_words(d: dict) -> str:
    """What the offer's ``convex`` flag says, where the file has one: whether the region's polynomial was fitted
    SOS-convex (eq. (p1-sos) of chapter 04), not whether the price is (the checks below test the price); "" without
    it. Review finding: a TSO reading ``"convex": false`` beside "price convex: yes" was left to guess."""
    flag = d["polynomial"].get("convex", d.get("info", {}).get("convex"))
    if flag is None:
        return ""
    kept = "so the region constraint is convex" if flag else "so the region constraint need not be convex"
    return (f"; `convex` ({str(bool(flag)).lower()} here) says whether the region's polynomial was fitted SOS-convex, "
            f"{kept}; the price is checked on its own below")


def _quality(info: dict) -> str:
    """Sentences on the offer's own test scores, when its ``info`` has the counts: the false-feasible points with
    the file's upper bound on their rate (`_false_feasible_part`), the feasible points it refuses
    (`_false_infeasible_part`), then the volume kept (`_volume_part`)."""
    if not {"test_n_false_feasible", "test_n_infeasible", "test_false_feasible_upper"} <= set(info):
        return ""
    return (
        _false_feasible_part(info) + _false_infeasible_part(info) + _volume_part(info)
        + f" The check \"region not empty\" below counts a third share, the TSO's own: of the {GRID_POINTS}³ points of "
        "a grid over the whole box, those the offer accepts; its denominator is the box, not the FOR, so it says how "
        "much of the box is offered, not how much of the FOR is kept."
    )


def _false_feasible_part(info: dict) -> str:
    """The false-feasible test points as a count, with the file's one-sided upper bound: a rate of zero on a few
    dozen points says little by itself."""
    n_ff, n_inf = int(info["test_n_false_feasible"]), int(info["test_n_infeasible"])
    confidence = f"{100 * float(info.get('confidence', 0.95)):g} %"
    return (
        f" By the DSO's own held-out test, {'none' if n_ff == 0 else grouped(n_ff)} of its {grouped(n_inf)} infeasible "
        "test points "
        f"fell inside the offered region; on so few points the file's one-sided {confidence} upper bound on that "
        f"rate (`test_false_feasible_upper`) is still {100 * float(info['test_false_feasible_upper']):.1f} %."
    )


def _false_infeasible_part(info: dict) -> str:
    """The other side of the same test: the feasible test points the offer refuses, its conservatism, what keeping
    the infeasible ones out costs (review R5 #1: the safe side alone hid that the region refuses most feasible test points); "" when
    the file has not the rate."""
    rate, n_feas = info.get("test_false_infeasible_rate"), info.get("test_n_feasible")
    if rate is None or not n_feas:
        return ""
    out = (" The other side of the same test is the offer's conservatism: it refused "
           f"{grouped(round(float(rate) * int(n_feas)))} of its {grouped(int(n_feas))} feasible test points "
           f"(`test_false_infeasible_rate`, {100 * float(rate):.1f} %)")
    shell = info.get("test_shell_false_infeasible_rate")
    if shell is not None:
        out += (f"; of the feasible points drawn near the sampled boundary it refused {100 * float(shell):.1f} % "
                "(`test_shell_false_infeasible_rate`)")
    margin = info.get("margin")
    kept_out = f" with its margin m = {float(margin):.3g}" if margin is not None else ""
    return out + f". That is the cost of keeping the infeasible points out{kept_out}: feasible ones are left out too."


def _volume_part(info: dict) -> str:
    """The file's two volume shares, one sentence each with its denominator: the Monte-Carlo share of the samples'
    hull (``hull_volume_kept``), the DSO's volume estimate; the uniform test share (``test_volume_kept``), whose
    denominator the file does not give (a share of 3/8 reads 38 %), so it is not usable as a volume and is set
    against nothing."""
    out = ""
    hull = info.get("hull_volume_kept")
    if hull is not None:
        out += (f" The file's `hull_volume_kept`, {100 * float(hull):.1f} %, is the share of the convex hull of the "
                "DSO's boundary samples that the region covers, by Monte Carlo: the DSO's estimate of the share of "
                "the FOR's volume it keeps (the hull stands in for the FOR, whose dents lie inside it), which the TSO "
                "can read but not check.")
    kept = info.get("test_volume_kept")
    if kept is not None:
        out += (f" The file's `test_volume_kept`, {100 * float(kept):.1f} %, is the share of the feasible test "
                "points drawn uniformly in the box that the region accepts; the file does not say how many such "
                f"points there were (they are among its {grouped(int(info.get('test_n_feasible', 0)))} feasible test "
                "points), "
                "so the TSO cannot use this share as a volume.")
    return out


FLAT_EIGENVALUE_REL = 1e-6
"""An eigenvalue of the price's H within this share of its largest one counts as zero (`price_text`): the fit
(`forlab.p1_for.price.fit_cost`) holds H positive semidefinite, and a fit that ends on that bound leaves a rest of the
solver's tolerance there, not a curvature."""
AXES = ("P", "Q", "V")


def price_text(st: xr.Dataset) -> str:
    """Markdown under the checks: what the eigenvalues of the price's H are ($/h per unit of the box-normalised
    point squared, one unit being the box's half-width on each axis) and, for an eigenvalue that is zero to the fit's
    precision (`FLAT_EIGENVALUE_REL`), what it means: no curvature along its eigenvector, named by the axis it mostly
    follows."""
    off = offer(st)
    H = np.asarray(off.cost.H, float)
    eig, vec = np.linalg.eigh(0.5 * (H + H.T))
    half = np.asarray(off.box.half, float)
    out = ("The checks' eigenvalues are those of the price's $H$, which acts on the box-normalised point "
           f"$\\tilde x$: they are in {USD_H} per unit of $\\tilde x$ squared, where one unit is the box's "
           f"half-width, {half[0]:.2f} MW in P, {half[1]:.2f} Mvar in Q and {half[2]:.4f} p.u. in V. An eigenvalue "
           "is the price's curvature across that width along its eigenvector, not a curvature per MW.")
    scale = max(float(np.abs(eig).max()), np.finfo(float).tiny)
    if eig[0] < -FLAT_EIGENVALUE_REL * scale:
        return out + f" The smallest, {eig[0]:.3g} {USD_H} per unit squared, is negative: the price is not convex."
    if eig[0] > FLAT_EIGENVALUE_REL * scale:
        return out + " All three are positive: the price curves along every direction of the box."
    axis = int(np.argmax(np.abs(vec[:, 0])))
    return out + (
        f" The smallest, {eig[0]:.3g} {USD_H} per unit squared, is zero to the fit's precision (below {FLAT_EIGENVALUE_REL:.0e} times "
        "the largest): the fit holds $H$ positive semidefinite (`forlab.p1_for.price.fit_cost`) and ended on that "
        f"bound. Along its eigenvector, whose largest component ({abs(vec[axis, 0]):.3f}) is on the {AXES[axis]} "
        "axis, the price has no curvature: it is linear there."
    )


def _import_worth(dc_dp: float, would: bool = False) -> str:
    """What one more MW of import does to the DS's price, in chapter 05's convention: what it saves the DS
    (positive where the price falls), so that both chapters print the same number for the same slope; ``would``:
    in the conditional ("would save")."""
    save, cost = ("would save", "would cost") if would else ("saves", "costs")
    if dc_dp <= 0:
        return f"{save} the DS {grouped(-dc_dp, 2)} {USD_MWH}"
    return f"{cost} the DS {grouped(dc_dp, 2)} {USD_MWH} more"


def points_text(st: xr.Dataset) -> str:
    """Markdown: what the four points show."""
    t = table(st, "point", "pt_", index="point")
    out, deep, box_only = t.loc["outside"], t.loc["deepest"], t.loc["box_only"]
    sign = "negative" if out.f <= 0 else "positive"
    return (
        f"At the deepest point $f + m = {deep.f:.3f}$ and the DS asks {grouped(deep.price, 2)} {USD_H}; one more MW of "
        f"import there {_import_worth(deep.dc_dp)}. {_edge_text(st, t.loc['edge'])} The box point farthest outside "
        f"has $f + m = {box_only.f:.3f}$. Beyond the box the "
        f"polynomial is {sign} ({out.f:.3f}) and the price {grouped(out.price, 2)} {USD_H}; neither means anything "
        "there: the "
        "DSO fitted both inside the box only, which is why `Offer.feasible` also checks the box, and why a TSO "
        "model bounds $(P, Q, V)$ by it."
    )


AT_BOUND_REL = 1e-5
"""A value within this share of its range (the box's width, the generator's limit) of a bound is at the bound: the
solvers meet their bounds to their tolerance, not exactly (`_edge_text`, `_held_by`)."""


def _box_p(st: xr.Dataset) -> tuple[float, float]:
    """The offer's P bounds (MW) from the store's ``box``."""
    return tuple(float(st.box.sel(corner=c, axis="p_mw")) for c in ("lo", "hi"))


def _edge_text(st: xr.Dataset, edge: pd.Series) -> str:
    """The edge point in words: where the region ends along +P (f + m zero to the bisection's accuracy), or the
    box's upper P face when the region reaches it (`edge_point`), where f + m is whatever the polynomial gives."""
    lo, hi = _box_p(st)
    if float(edge.p_mw) < hi - AT_BOUND_REL * (hi - lo):
        return f"On the edge $f + m$ is {edge.f:.1e}, zero to the bisection's accuracy."
    return (f"Along +P the region reaches the box: the edge point is the box's upper P bound, {hi:.2f} MW, where "
            f"$f + m = {edge.f:.3f}$; there the box, not the polynomial, ends the offer.")


def solver_text(st: xr.Dataset) -> str:
    """Markdown: which solver solved the Pyomo model, or why none did."""
    name = st.attrs["pyomo_solver_name"]
    if int(st.attrs["pyomo_solver"]):
        return (f"Pyomo solved its model with `{name}`, called as an AMPL-NL executable; the CasADi model is solved "
                "with the Ipopt that ships with CasADi, for comparison.")
    how = ("the `pyomo-ripopt` package, which bundles it (`pip install pyomo-ripopt`)" if name == "ripopt" else
           "an `ipopt` executable on the `PATH`, which conda-forge provides and PyPI does not")
    return (f"**Pyomo's NLP solver `{name}` is not available here.** It needs {how}, so the Pyomo model is built "
            "and checked but not solved; its rows in the tables below are empty. The same model is solved with "
            "CasADi, whose wheel ships Ipopt as a library.")


GRID_TIE_REL = 1e-6
"""The grid search's best total within this share of the NLP's total counts as a tie (`_against_grid`)."""


def solution_text(st: xr.Dataset) -> str:
    """Markdown: the CasADi optimum against the grid search (`_against_grid`) and what holds it (`_what_holds`)."""
    cas, grid = casadi_solution(st), table(st, "solver", "sol_", index="solver").iloc[-1]
    if not store_.succeeded(str(cas.status)):
        return f"CasADi's Ipopt stopped with `{cas.status}`: no optimum to compare."
    p, q, v = float(cas.p_mw), float(cas.q_mvar), float(cas.vm_pu)
    return (
        # the TS supplies the DS's import (P_g = P_L + P): the TSO sets it, it does not buy power from the DS
        f"CasADi's Ipopt (`{cas.status}`) sets the DS's import at {p:.2f} MW and {q:.2f} Mvar at {v:.4f} p.u. "
        f"for a total of {grouped(float(cas.total), 2)} {USD_H}; "
        f"{_against_grid(grid, float(cas.total), _grid_size(st))} "
        + _what_holds(st, cas) + "Only the file's numbers entered the model."
    )


def _grid_size(st: xr.Dataset) -> str:
    """The grid search's grid as the store records it (its ``grid_points`` per axis: "the 31³ grid"), or "its grid"
    in a store without the record: the size printed is the one the run used, not this module's `GRID_POINTS`."""
    n = st.attrs.get("grid_points")
    return f"the {int(n)}³ grid" if n is not None else "its grid"


def _against_grid(grid: pd.Series, total: float, size: str) -> str:
    """The grid search's best point against the NLP's total, by the sign of the difference: a cheaper NLP point, a
    tie within `GRID_TIE_REL`, a cheaper grid point (the NLP stopped at a local optimum or a worse point), or no
    offered grid point at all (`GRID_NONE`: its row then holds a point that is not offered)."""
    if str(grid.status) == GRID_NONE:
        return (f"the grid search found no offered point within the generator's limits on {size}, so it "
                "has nothing to compare with.")
    gap = float(grid.total) - total
    if abs(gap) <= GRID_TIE_REL * max(abs(total), 1.0):
        return f"the grid search's best point costs the same, to within {GRID_TIE_REL:.0e} of the total."
    if gap > 0:
        return (f"the grid search's best point costs {grouped(gap, 2)} {USD_H} more, so the NLP found a better point "
                f"than any offered point of {size}.")
    return (f"**the grid search's best point, at ({float(grid.p_mw):.2f} MW, {float(grid.q_mvar):.2f} Mvar, "
            f"{float(grid.vm_pu):.4f} p.u.), costs {grouped(-gap, 2)} {USD_H} less**: Ipopt stopped at a local optimum "
            "or another worse point (its status certifies local conditions only), so its point is not the TSO's best "
            "on this offer.")


def _what_holds(st: xr.Dataset, cas: pd.Series) -> str:
    """What holds the NLP's import where it is: the region constraint when it binds; else a bound of the box or of
    the generator (`_held_by`); else the balance of the generator's marginal cost against the DS's slope."""
    pg, p, q, v = float(cas.pg_mw), float(cas.p_mw), float(cas.q_mvar), float(cas.vm_pu)
    _, dc = offer(st).gradients(p, q, v)
    marginal = st.attrs["c1"] + 2 * st.attrs["c2"] * pg
    slopes = (f"one more MW of import would cost the generator {grouped(marginal, 2)} {USD_MWH} and "
              f"{_import_worth(dc[0, 0], would=True)}")
    if float(cas.f) > -1e-6:
        return (f"The region constraint binds ($f + m$ = {float(cas.f):.1e}): {slopes}, a net "
                f"{marginal + dc[0, 0]:+.2f} {USD_MWH}, so the TSO would move the import further "
                f"{'down' if marginal + dc[0, 0] > 0 else 'up'}, and the offered region stops it. ")
    bound = _held_by(st, pg, p)
    if bound:
        return (f"The region constraint does not bind ($f + m$ = {float(cas.f):.3f}); the import is held by {bound}: "
                f"there {slopes}. ")
    return (f"The region constraint does not bind ($f + m$ = {float(cas.f):.3f}) and no bound of the box or the "
            "generator holds the import: the optimum is where one more MW of import saves the DS as much as it "
            f"costs the generator: {grouped(-dc[0, 0], 2)} against {grouped(marginal, 2)} {USD_MWH}. ")


def _held_by(st: xr.Dataset, pg: float, p: float) -> str:
    """The bound at which the import P or the generator's P sits (within `AT_BOUND_REL`), in words; "" for none."""
    lo, hi = _box_p(st)
    p_max = float(st.attrs["p_max"])
    bounds = [(p, lo, hi - lo, f"the box's lower P bound, {grouped(lo, 2)} MW"),
              (p, hi, hi - lo, f"the box's upper P bound, {grouped(hi, 2)} MW"),
              (pg, 0.0, p_max, "the generator's lower limit, no output"),
              (pg, p_max, p_max, f"the generator's upper limit, {grouped(p_max, 2)} MW")]
    return next((words for x, at, width, words in bounds if abs(x - at) <= AT_BOUND_REL * max(width, 1.0)), "")


def tso_text(st: xr.Dataset) -> str:
    """Markdown: whether the Pyomo TSO agrees with forlab's CasADi TSO (from the store's ``agree_`` table), and their
    times."""
    if st.attrs["tso_status"] != "ok":
        return f"The TSO's whole AC-OPF is not solved on this page: {st.attrs['tso_status']}."
    solver, n = st.attrs["pyomo_engine"], int(st.attrs["timing_repeats"])
    if (st.tso_status == NO_SOLVER).any():
        return (f"Pyomo's solver `{solver}` is not available here (see above), so only forlab's CasADi TSOs were "
                "solved; the Pyomo rows are empty.")
    parts = []
    for rep in st.representation.values:
        a = st.sel(representation=rep)
        verdict = "agree" if int(a.agree_agree) else "**do not agree**"
        parts.append(f"with the {REPRESENTATIONS[str(rep)].split(' ', 1)[1]} they {verdict}: the PCC points differ "
                     f"by {float(a.agree_pcc_diff_pu):.1e} p.u. and the objectives by "
                     f"{float(a.agree_objective_rel_diff):.1e} of the objective")
    t = table(st, "tso", "tso_", index="tso")
    samples = _surrogate_samples(st)
    fitted = "" if samples is None else (f" fitted on {grouped(samples)} power flows of the DS (the parameter "
                                         "`surrogate_samples`)")
    base = f" on the TS base of {st.attrs['tso_base_mva']:g} MVA" if "tso_base_mva" in st.attrs else ""
    return (
        f"On {st.attrs['tso_system']}, with {st.attrs['tso_ds']} as its offer or as its surrogate{fitted}"
        f"{_other_dss(st.attrs['tso_system'])}, the Pyomo TSO solved by {_glossed(solver)} and forlab's "
        f"CasADi TSO solved by Ipopt were compared. The tolerances are {float(st.pcc_tol_pu):.0e} p.u.{base} at the "
        f"PCC and {float(st.objective_tol_rel):.0e} of the objective; " + "; ".join(parts) + ". "
        + _times_text(t, solver, n) + _offer_against_surrogate(t)
    )


def _other_dss(system: str) -> str:
    """The clause on the study system's other DSs (`one_ds_system` keeps them at their base-case import), "" when the
    system has none: review R5 #7, the clause "if any" stood on a system with one DS."""
    if len(td.parse_system(system)[1]) < 2:
        return ""
    return " and its other DSs at their base-case import"


def _offer_against_surrogate(t: pd.DataFrame) -> str:
    """The offer and the surrogate set side by side, as forlab's CasADi TSO solved with each (rows of the ``tso``
    table): its PCC point and objective; "" without both rows."""
    rows = {r.representation: r for r in t.itertuples() if r.engine == ENGINES["casadi"] and int(r.success)}
    if not {"offer", "surrogate"} <= set(rows):
        return ""
    said = [f"with the {REPRESENTATIONS[k].split(' ', 1)[1]} at ({r.pcc_p_mw:.2f} MW, {r.pcc_q_mvar:.2f} Mvar, "
            f"{r.pcc_vm_pu:.4f} p.u.) and {grouped(r.objective, 2)} \\$/h" for k, r in rows.items()]
    return (f" The offer against the surrogate: forlab's TSO settles {' and '.join(said)}. They are two pictures of the"
            " same DS, a region and a price at its PCC against its units under a learned polytope, so their optima"
            " differ; which dispatch costs less once the DS is dispatched and judged is measured by"
            " {doc}`05_coordination` and {doc}`06_ml_surrogate`, side by side in {doc}`09_comparison`.")


def _surrogate_samples(st: xr.Dataset) -> int | None:
    """The power flows the chapter's P2 surrogate was fitted on (``surrogate_samples``: the store's attribute, or
    for a store from before it was recorded the parameters it was saved with); None when neither holds it."""
    if "surrogate_samples" in st.attrs:
        return int(st.attrs["surrogate_samples"])
    if "parameters" in st.attrs:
        return int(json.loads(st.attrs["parameters"])["surrogate_samples"])
    return None


SOLVER_GLOSS = {"ripopt": ("ripopt (an interior-point solver written in Rust, see {doc}`../stack`)",
                           "a different solver")}
"""Pyomo's solver as the TSO text first names it, and what it is beside CasADi's Ipopt; any other (the `ipopt`
executable) is another build of Ipopt."""


def _glossed(solver: str) -> str:
    """Pyomo's solver as the TSO text first names it (`SOLVER_GLOSS`)."""
    return SOLVER_GLOSS.get(solver, (f"the `{solver}` executable", ""))[0]


def _ms(seconds) -> str:
    """A time (s) in ms as the TSO table prints it (`TSO_DIGITS`, thousands grouped), for the sentence under that
    table."""
    return grouped(1e3 * float(seconds), TSO_DIGITS["solve_ms"])


def _times_text(t: pd.DataFrame, solver: str, n: int) -> str:
    """The offer's Pyomo and CasADi times, one clause per gap: the solver's own time with both iteration counts
    (another solver, or another build of Ipopt, on its own path), the whole call with what Pyomo adds around it, named
    in a clause that points to the section *Solving*, where the page explains it once (review R5 #7)."""
    pyo_, cas = t.loc["offer/pyomo"], t.loc["offer/casadi"]
    what = SOLVER_GLOSS.get(solver, ("", "another build of Ipopt"))[1]
    return (
        f"With the offer, {solver} reports {_ms(pyo_.solve_time_s)} ms of its own time against Ipopt's "
        f"{_ms(cas.solve_time_s)} ms: {what}, which took {grouped(pyo_.iterations)} iterations where "
        f"Ipopt took {grouped(cas.iterations)}. The whole solve call takes {_ms(pyo_.wall_time_s)} ms against "
        f"{_ms(cas.wall_time_s)} ms: beyond the solver's own time, the Pyomo call goes through an NL file and a "
        f"solver process (section *Solving* above), which CasADi does in memory (each time the fastest of {n} solves "
        "from the same start, the parameter `repeats`)."
    )
