"""The single judge of all three methods: a power flow of the whole T+D system at a proposed dispatch.

Every method ends with set-points for the TS generators and the DS flexibility-providing units (FPUs). `judge` writes
them into the integrated net, runs pandapower's Newton-Raphson power flow (the slack absorbs the mismatch), and reports
what really happens: convergence, voltage and branch-limit violations (apparent power at both ends, as the OPF
models them), generator limit violations and the true total cost (currency per hour). `deviation` compares that cost
with the integrated AC-OPF optimum. The comparison chapter trusts its numbers because every method goes through here.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd

from forlab.opf.network import build_network, unit_costs

V_TOL = 1e-4  # p.u.
LOADING_TOL = 1.0  # percent
ANGLE_TOL_RAD = 1e-4  # rad (0.006 degree): an angle difference this far beyond its limit counts as a violation
GEN_TOL = 1e-3  # MW/Mvar: a unit's P or Q this far beyond its limit counts as a violation (the slack's and
# a PV generator's Q are power-flow results, so any power the dispatch leaves unbalanced lands on them)


def set_dispatch(net, dispatch: pd.DataFrame) -> None:
    """Write set-points into ``net`` in place.

    dispatch: rows with columns et ("ext_grid" | "gen" | "sgen"), element (index in ``net``), and any of p_mw,
    q_mvar (sgen), vm_pu (gen and ext_grid voltage set-point), va_degree (ext_grid).
    """
    for _, r in dispatch.iterrows():
        et, el = r["et"], int(r["element"])
        if et not in ("ext_grid", "gen", "sgen"):
            raise ValueError(f"dispatch element type must be ext_grid, gen or sgen, got {et!r}")
        tab = net[et]
        if el not in tab.index:
            raise ValueError(f"{et} {el} does not exist in net '{net.name}'")
        for col in ("p_mw", "q_mvar", "vm_pu", "va_degree"):
            if col in r and pd.notna(r[col]) and col in tab.columns:
                if et == "ext_grid" and col in ("p_mw", "q_mvar"):
                    continue  # the slack's power is a result of the power flow
                if et == "gen" and col == "q_mvar":
                    continue  # a PV generator's reactive power is a result too
                tab.at[el, col] = float(r[col])


def tolerance(x: float) -> str:
    """A tolerance as a page writes it: '1e-4'."""
    return np.format_float_scientific(x, trim="-", exp_digits=1)


VIOLATION_KINDS = {"n_vm_violations": "voltage", "n_branch_violations": "branch",
                   "n_gen_violations": "generator limit", "n_angle_violations": "angle difference"}
"""The judge's violation counts (-1 each when nothing was judged, `_failed`) and the word a page uses for each: every
kind that `judge`'s ``feasible`` checks, so that a table's violations and its feasible share cannot disagree."""
VIOLATION_COUNTS = tuple(VIOLATION_KINDS)
VIOLATION_RULES = (f"voltage more than {tolerance(V_TOL)} p.u. outside its band, branch above {100 + LOADING_TOL:g} % "
                   f"loading, generator more than {tolerance(GEN_TOL)} MW or Mvar outside its limits, branch angle "
                   f"difference more than {tolerance(ANGLE_TOL_RAD)} rad beyond its limit")
"""What `judge` counts as a violation, in words for a page (one kind per entry of `VIOLATION_KINDS`)."""


def violation_counts(verdict: dict | None) -> dict[str, int]:
    """The violation counts of a judge's verdict (or of a row holding them) as integers; -1 each that it lacks (no
    verdict: nothing was judged)."""
    return {c: int((verdict or {}).get(c, -1)) for c in VIOLATION_COUNTS}


def held_counts(columns) -> list[str]:
    """The violation counts among ``columns``: all of `VIOLATION_COUNTS`, or the first three in a store that does not
    keep the angle-difference count."""
    return [c for c in VIOLATION_COUNTS if c in columns]


def violation_words(r, broken_only: bool = False) -> str:
    """'2 voltage, 0 branch, 0 generator limit and 0 angle difference violations' of a row (dict, Series or named
    tuple) holding the judge's counts; a count it lacks or holds as NaN (a store that does not keep the
    angle-difference count) is left out. ``broken_only``: only the kinds counted above zero ("1 generator limit
    violation", "2 voltage and 1 branch violations"; "no violation counted" when there is none), for a dispatch
    known to be infeasible, where a list of zeros would hide what broke."""
    get = r.get if isinstance(r, dict | pd.Series) else lambda c: getattr(r, c, None)
    counts = {c: int(get(c)) for c in VIOLATION_COUNTS if pd.notna(get(c)) and (get(c) > 0 or not broken_only)}
    if not counts:
        return "no violation counted"
    parts = [f"{n} {VIOLATION_KINDS[c]}" for c, n in counts.items()]
    noun = "violation" if list(counts.values()) == [1] else "violations"
    return f"{', '.join(parts[:-1])} and {parts[-1]} {noun}" if len(parts) > 1 else f"{parts[0]} {noun}"


def total_violations(counts: pd.DataFrame, ok: pd.Series) -> pd.Series:
    """Per row of a table holding the judge's counts (`held_counts`), the violations of all kinds; missing (``<NA>``)
    where the row is not ``ok`` or a count is -1 (nothing judged): never a sum of the -1s."""
    c = counts[held_counts(counts.columns)]
    return c.sum(axis=1, min_count=c.shape[1]).astype("Int64").mask(~ok | (c < 0).any(axis=1))


def _failed() -> dict:
    """The outcome of a power flow that did not converge: nothing measured, not feasible."""
    return {"converged": False, "total_cost": np.nan, "ts_cost": np.nan, "fpu_cost": np.nan,
            "max_vm_violation_pu": np.nan, "max_loading_percent": np.nan, "n_vm_violations": -1,
            "n_branch_violations": -1, "n_gen_violations": -1, "max_gen_violation_mw": np.nan, "feasible": False,
            "vm_min": np.nan, "vm_max": np.nan, "max_violation_pu": np.nan, "n_angle_violations": -1,
            "max_angle_violation_deg": np.nan}


def _units_at(n, m) -> tuple[float, float, np.ndarray]:
    """Total cost and FPU cost (currency per hour) of every unit's power-flow output, and each unit's largest P/Q
    limit violation (MW/Mvar, 0 inside): the slack's cost is the cost of what it really had to supply."""
    costs, gviol, fpu_cost = [], [], 0.0
    for _, u in m.units.iterrows():
        res = n[f"res_{u.et}"].loc[u.element]
        p, q = float(res.p_mw), float(res.q_mvar)
        c = float(unit_costs(u, p, q))
        costs.append(c)
        if u.fpu:
            fpu_cost += c
        b = m.base_mva
        gviol.append(max(u.pmin * b - p, p - u.pmax * b, u.qmin * b - q, q - u.qmax * b, 0.0))
    return float(np.sum(costs)), float(fpu_cost), np.array(gviol)


MAX_VIOLATION_UNIT = "p.u. (of nominal voltage for a voltage, of the system base for a branch flow or a unit's power)"
"""The unit of `judge`'s ``max_violation_pu`` (`forlab.opf.outcome.Outcome`'s ``max_violation``) as a page writes it
after the number: the largest excess over any voltage, branch or unit limit, each in its own per-unit system (the
angle differences have their own count and maximum, in degrees)."""


def _max_violation_pu(vviol: np.ndarray, s: np.ndarray, m, gviol: np.ndarray) -> float:
    """The largest limit violation in p.u.: voltages (of nominal), branch apparent power over its rating and unit
    P/Q outside their limits (``gviol`` in MW/Mvar; both of the system base ``m.base_mva``)."""
    with np.errstate(invalid="ignore"):
        over = np.where(np.isfinite(m.rate), np.maximum(s - m.rate, 0.0), 0.0)
    parts = [vviol, over, np.asarray(gviol, float) / m.base_mva]
    return float(max((float(p.max()) for p in parts if len(p)), default=0.0))


def _angle_violation_rad(m, va: np.ndarray) -> np.ndarray:
    """Each angle-limited branch's angle difference beyond its limit (rad, 0 inside): MATPOWER's ANGMIN/ANGMAX,
    which PGLib sets on every branch, bind the OPFs (`NetworkModel.angle_differences`), so the judge holds the
    power flow to them too."""
    d = m.angle_differences(va)
    lim = m.angle_limited
    return np.maximum(np.maximum(m.angle_min[lim] - d, d - m.angle_max[lim]), 0.0)


Q_LIMIT_STANDIN_MVAR = 1e6
"""What an infinite reactive limit of a generator becomes in the judge's power flow (Mvar): pandapower shares a
PV bus's reactive output among its generators in proportion to their Q ranges, and an infinite range makes that
share NaN (case1354pegase has such a generator). Far above any real output, so the share and the limit checks are
those of an unlimited unit."""


def _finite_q_limits(n) -> None:
    """Infinite generator Q limits of ``n`` to +-`Q_LIMIT_STANDIN_MVAR` (see there)."""
    for col, sign in (("min_q_mvar", -1.0), ("max_q_mvar", 1.0)):
        if col in n.gen:
            q = n.gen[col].astype(float)
            n.gen[col] = q.where(np.isfinite(q), sign * Q_LIMIT_STANDIN_MVAR)


def judge(net, dispatch: pd.DataFrame, *, v_tol: float = V_TOL, loading_tol: float = LOADING_TOL) -> dict:
    """Power flow of ``net`` at ``dispatch`` (see `set_dispatch`); returns the outcome as a flat dict.

    Implements the T+D power flow of eq. (p1-deviation), chapter 05, and eq. (p2-check), chapter 06: the judged
    cost and violations they compare (the deviation itself is `deviation`).

    The one yardstick of all methods (chapter 09's opening): the judged dispatch's true cost, feasibility and
    violations, with the voltage and branch limits read by `forlab.opf.network.build_network` exactly as the OPFs
    model them (apparent power at both ends).

    Keys: converged, total_cost (units' poly_cost at the power-flow operating point, slack included), ts_cost,
    fpu_cost, max_vm_violation_pu, max_loading_percent (of the apparent-power limits), n_vm_violations,
    n_branch_violations, n_gen_violations (P/Q outside limits by more than `GEN_TOL`), max_gen_violation_mw,
    n_angle_violations and max_angle_violation_deg (branch angle differences beyond ANGMIN/ANGMAX),
    feasible (no violation above the tolerances), vm_min/vm_max over all buses, and max_violation_pu: the largest
    violation of any limit in p.u. (voltage beyond its band, p.u. of nominal voltage; branch apparent power beyond
    its rating and unit P/Q beyond its limits, p.u. of the system base; 0 when every limit holds), the
    ``max_violation`` of `forlab.opf.outcome.Outcome`.
    """
    import pandapower as pp

    n = copy.deepcopy(net)
    set_dispatch(n, dispatch)
    _finite_q_limits(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pp.runpp(n, calculate_voltage_angles=True, trafo_model="pi", init="dc", tolerance_mva=1e-9,
                     max_iteration=50, numba=len(n.bus) > 1000)
        except Exception:  # noqa: BLE001 - a diverged power flow is an outcome, reported as not converged
            return _failed()
    if not n.converged:
        return _failed()
    m = build_network(n)
    vm = n.res_bus.loc[m.bus_pd, "vm_pu"].to_numpy()
    va = np.deg2rad(n.res_bus.loc[m.bus_pd, "va_degree"].to_numpy())
    vviol = np.maximum(np.maximum(m.vmin - vm, vm - m.vmax), 0.0)
    pf, qf, pt, qt = m.branch_flows(va, vm)
    s = np.maximum(np.hypot(pf, qf), np.hypot(pt, qt))
    with np.errstate(divide="ignore", invalid="ignore"):
        loading = np.where(np.isfinite(m.rate), 100 * s / m.rate, 0.0)
    total, fpu_cost, gviol = _units_at(n, m)
    aviol = _angle_violation_rad(m, va)
    out = _failed()  # the same keys in the same order, now measured
    out.update({
        "converged": True, "total_cost": total, "fpu_cost": fpu_cost, "ts_cost": total - fpu_cost,
        "max_vm_violation_pu": float(vviol.max()), "max_loading_percent": float(loading.max()) if len(loading) else 0.0,
        "n_vm_violations": int((vviol > v_tol).sum()), "n_branch_violations": int((loading > 100 + loading_tol).sum()),
        "n_gen_violations": int((gviol > GEN_TOL).sum()),
        "max_gen_violation_mw": float(gviol.max()) if len(gviol) else 0.0,
        "vm_min": float(vm.min()), "vm_max": float(vm.max()),
        "max_violation_pu": _max_violation_pu(vviol, s, m, gviol),
        "n_angle_violations": int((aviol > ANGLE_TOL_RAD).sum()),
        "max_angle_violation_deg": float(np.rad2deg(aviol.max())) if len(aviol) else 0.0,
    })
    out["feasible"] = all(out[c] == 0 for c in VIOLATION_COUNTS)
    return out


def dispatch_from_result(result) -> pd.DataFrame:
    """The set-points of an `OPFResult` (units with their voltage) as a dispatch table for `judge`."""
    u = result.res_units.copy()
    u["vm_pu"] = result.res_bus.vm_pu.reindex(u.bus).to_numpy()
    u["va_degree"] = result.res_bus.va_degree.reindex(u.bus).to_numpy()
    return u[["et", "element", "p_mw", "q_mvar", "vm_pu", "va_degree"]].reset_index(drop=True)


def deviation(cost: float, optimum: float) -> float:
    """Signed cost deviation in percent of the integrated optimum (eq. (p1-deviation), chapter 05): > 0 costs more."""
    return 100.0 * (cost - optimum) / abs(optimum)
