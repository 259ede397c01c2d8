"""The TSO's AC-OPF with DS surrogates, its validation by power flow, and the benchmark against the integrated OPF.

`SurrogateTSO` is the TS AC-OPF (`forlab.opf.ACOPF` on the TS alone, the placeholder import loads removed) extended,
for every DS j, by

* decision variables u_j^FPU = (p, q) of each FPU (MW, Mvar) bounded by its PQ chart;
* the DS inputs u_j = (u_j^FPU, |V| at its PCC buses, the PCC angle difference in degrees, its load factor as a
  parameter) and the K facets of its polytope, ``A u_j + c <= 0``, plus the sampled range of the PCC inputs (the
  surrogate knows nothing outside it);
* the predicted import P_k(u_j), Q_k(u_j) of each PCC k added to the demand of its TS bus;

with objective TS unit cost + the FPUs' costs a p^2 + b p ($/h). The TSO thus sets the FPU dispatch itself.

The predicted imports are off the true ones by the regressors' errors, and the T+D power flow that judges the
dispatch (`forlab.opf.judge.judge`) balances them: the PV units keep the P the TSO set, so the slack (reference)
units alone take up the summed P error (and the change of losses it causes), while every voltage-controlling unit
(slack and PV) shares the Q error to hold its voltage. At an optimum that holds a unit at a limit (case1354pegase's
slack at its minimum P, PV units at their minimum Q), even small import errors push it past that limit. The TSO
therefore holds reserves (``reserve`` of `SurrogateTSO`, from the summed error bounds of `import_error_bound`, which
the surrogates carry): with "error_bound" (the default) each slack unit's P limits move inwards by
(1 + `LOSS_MARGIN`) x the summed P bound, and every voltage-controlling unit's Q limits by the summed Q bound (the
full bound on each unit, as the share each takes depends on the network); "slack_p" keeps the P reserve alone, "none"
neither. While every import error stays within its bound, the units then stay within their true limits.

This is eq. (p2-tso), chapter 06; its CasADi terms are
`forlab.p2_surrogate.formulations.SurrogateTerms`.

`Scenario` scales TS loads one by one and each DS's loads by one factor (the load factor the DSO forecasts and
sends). `validate` checks a TSO dispatch: a power flow of each DS alone at the chosen u_j (true vs predicted
import, DS limits) and the T+D power flow of the integrated net (`forlab.opf.judge.judge`); `benchmark` adds
the integrated AC-OPF (`forlab.opf.ACOPF` on `StudySystem.integrated`) and fills P2's outcome record
(`forlab.opf.outcome`: judged signed deviation, feasibility, status, times by the one rule, bytes, rounds).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forlab.book.parallel import wire_bytes
from forlab.grid.td import TS_ZONE
from forlab.opf import ACOPF
from forlab.opf.acopf import OPFResult
from forlab.opf.judge import dispatch_from_result, judge, violation_counts
from forlab.opf.outcome import Baseline, integrated_baseline, judged_outcome, timed
from forlab.p2_surrogate.dataset import DSFlow
from forlab.p2_surrogate.formulations import SurrogateTerms, fpu_variable, load_parameter
from forlab.p2_surrogate.model import DSSurrogate

__all__ = ["LOSS_MARGIN", "RESERVES", "IntegratedOPF", "Scenario", "SurrogateTSO", "TSOResult", "benchmark",
           "import_error_bound", "reserve_amounts", "reserve_limits", "scenarios", "surrogate_bytes", "validate"]

RESERVES = ("error_bound", "slack_p", "none")
"""The choices of ``reserve`` of `SurrogateTSO` (module docstring)."""

LOSS_MARGIN = 0.1
"""The slack's P reserve is (1 + LOSS_MARGIN) x the summed P error bound: an import error also changes the TS
losses, which the slack takes up too; in a transmission grid the marginal losses of an injection are a few percent
of it (penalty factors near 1)."""


# ----------------------------------------------------------------------------------------------------------------------
# load scenarios
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """Load factors: ts (Series over the TS loads of ``StudySystem.ts`` without the DS placeholders) and ds (DS name
    -> one factor on all its loads). name labels the scenario."""

    name: str
    ts: pd.Series
    ds: dict[str, float]

    @property
    def ts_mean(self) -> float:
        return float(self.ts.mean()) if len(self.ts) else 1.0


def _ts_loads(system) -> pd.DataFrame:
    load = system.ts.load
    return load[load["ds_import"].isna()]


def scenarios(system, n: int, load_range: tuple[float, float] = (0.6, 1.0), seed: int = 0,
              include_peak: bool = True) -> list[Scenario]:
    """n load scenarios: every TS load and every DS (one factor each) drawn uniformly in ``load_range``; with
    ``include_peak`` the first, "peak", has every factor at the top of the range (the base case for a range ending
    at 1)."""
    lo, hi = (float(v) for v in load_range)
    if not 0 <= lo <= hi:
        raise ValueError(f"load_range must satisfy 0 <= lo <= hi, got {load_range}")
    rng = np.random.default_rng(seed)
    idx = _ts_loads(system).index
    out = []
    if include_peak and n > 0:
        out.append(Scenario("peak", pd.Series(hi, index=idx), {ds: hi for ds in system.ds}))
    while len(out) < n:
        ts = pd.Series(rng.uniform(lo, hi, len(idx)), index=idx)
        ds = {name: float(rng.uniform(lo, hi)) for name in system.ds}
        out.append(Scenario(f"s{len(out)}", ts, ds))
    return out


def _demand(model, loads: pd.DataFrame, factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bus demand (p.u., model order) of ``model`` with each row of ``loads`` scaled by ``factor``."""
    pd_, qd_ = model.pd.copy(), model.qd.copy()
    on = loads.in_service.astype(bool).to_numpy()
    sc = loads["scaling"].fillna(1.0).to_numpy(float) if "scaling" in loads.columns else np.ones(len(loads))
    bus = model.bus_lookup[loads.bus[on]].to_numpy(int)
    extra = (np.asarray(factor, float)[on] - 1.0) * sc[on] / model.base_mva
    np.add.at(pd_, bus, extra * loads.p_mw.to_numpy(float)[on])
    np.add.at(qd_, bus, extra * loads.q_mvar.to_numpy(float)[on])
    return pd_, qd_


# ----------------------------------------------------------------------------------------------------------------------
# the TSO OPF
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class TSOResult:
    """One solve of `SurrogateTSO`: the OPF result, the inputs u per DS (original units), the predicted PCC import
    per DS ((n_pcc,) MW and Mvar) and each DS's polytope score g(u) (<= 0 inside)."""

    opf: OPFResult
    u: dict[str, np.ndarray]
    p_pred_mw: dict[str, np.ndarray]
    q_pred_mvar: dict[str, np.ndarray]
    g: dict[str, float]
    scenario: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.opf.success

    @property
    def cost(self) -> float:
        """The TSO's objective: TS unit cost + FPU costs ($/h)."""
        return self.opf.objective


def _ts_alone(system):
    """A copy of the study system's TS net without the placeholder loads of its DSs' imports."""
    ts = copy.deepcopy(system.ts)
    flag = ts.load["ds_import"].notna()
    ts.load = ts.load[~flag].drop(columns="ds_import")
    return ts


def _pcc_buses(system, surrogates: dict[str, DSSurrogate]) -> dict[str, list[int]]:
    """DS name -> its TS PCC buses (PCC order); ValueError when a surrogate's PCC count differs from the system's."""
    out = {}
    for ds, sur in surrogates.items():
        rows = system.pcc[system.pcc.ds == ds]
        if len(rows) != sur.space.n_pcc:
            raise ValueError(f"DS {ds!r}: {len(rows)} PCCs in the system, {sur.space.n_pcc} in its surrogate")
        out[ds] = [int(b) for b in rows.ts_bus]
    return out


def import_error_bound(surrogates: dict[str, DSSurrogate]) -> tuple[float, float]:
    """The summed bounds of the surrogates' import errors, P (MW) and Q (Mvar): over every DS and PCC, the largest
    error of its regressor on the samples it was fitted on (``info["train_max_abs_error"]``, which the DSO sends with
    the surrogate; those samples include the domain's faces and the refinement vertices, where a TSO optimum lies).
    ValueError when a regressor lacks it."""
    total = {"p_mw": 0.0, "q_mvar": 0.0}
    for ds, sur in surrogates.items():
        for k, pair in enumerate(sur.regressors):
            for var in total:
                err = pair[var].info.get("train_max_abs_error")
                if err is None or not np.isfinite(err):
                    raise ValueError(f"DS {ds!r}, PCC {k}: the {var} regressor carries no finite train_max_abs_error "
                                     "in its info; fit it with forlab.p2_surrogate.regressors.fit_quadratic, or use "
                                     "reserve='none'")
                total[var] += float(err)
    return total["p_mw"], total["q_mvar"]


def reserve_amounts(surrogates: dict[str, DSSurrogate], reserve: str) -> tuple[float, float]:
    """(P reserve on each slack unit in MW, Q reserve on each voltage-controlling unit in Mvar) for ``reserve`` (one
    of `RESERVES`, module docstring): "error_bound" both, "slack_p" the P reserve alone, "none" neither."""
    if reserve not in RESERVES:
        raise ValueError(f"reserve must be one of {RESERVES}, not {reserve!r}")
    if reserve == "none":
        return 0.0, 0.0
    p, q = import_error_bound(surrogates)
    return (1.0 + LOSS_MARGIN) * p, (q if reserve == "error_bound" else 0.0)


def _narrow(tab, el, lo_col: str, hi_col: str, amount: float, unit: str, what: str) -> None:
    """Move the finite limits ``lo_col``/``hi_col`` of row ``el`` of an element table (``what``) inwards by
    ``amount`` (``unit``)."""
    lo, hi = (float(tab.at[el, c]) if c in tab.columns else np.nan for c in (lo_col, hi_col))
    if np.isfinite(lo) and np.isfinite(hi) and hi - lo < 2 * amount:
        raise ValueError(f"{what}: range [{lo}, {hi}] {unit} is narrower than twice the reserve {amount:.6g} {unit} "
                         "(the surrogates' summed import-error bound, `reserve_amounts`): fit more accurate "
                         "surrogates (e.g. on more samples) or build the TSO with reserve='none'")
    if np.isfinite(lo):
        tab.at[el, lo_col] = lo + amount
    if np.isfinite(hi):
        tab.at[el, hi_col] = hi - amount


def reserve_limits(net, p_mw: float, q_mvar: float) -> None:
    """Narrow, in place and in both directions, the finite P limits of every in-service slack unit of ``net``
    (ext_grids, gens flagged slack) by ``p_mw`` and the finite Q limits of every in-service voltage-controlling unit
    (ext_grids, gens) by ``q_mvar``: the units that take up a mismatch in a power flow (module docstring).
    ValueError when a unit's range is narrower than twice its reserve."""
    for et in ("ext_grid", "gen"):
        tab = net[et]
        if not len(tab):
            continue
        on = tab.in_service.astype(bool)
        slack = on.copy()
        if et == "gen":  # a gen is a reference only when flagged so; without the column none is
            slack &= tab["slack"].fillna(False).astype(bool) if "slack" in tab.columns else False
        for el in tab.index[slack] if p_mw > 0 else []:
            _narrow(tab, el, "min_p_mw", "max_p_mw", p_mw, "MW", f"{et} {el}")
        for el in tab.index[on] if q_mvar > 0 else []:
            _narrow(tab, el, "min_q_mvar", "max_q_mvar", q_mvar, "Mvar", f"{et} {el}")


class SurrogateTSO:
    """The TSO AC-OPF with the surrogates of its DSs, built once: eq. (p2-tso) (see module docstring).

    system: the `forlab.grid.td.StudySystem`; surrogates: DS name -> `DSSurrogate` (every DS of the system).
    enforce_domain: keep the PCC inputs inside the sampled ranges. ipopt: options for `forlab.opf.ACOPF`.
    reserve: the reserves held on the units that take up the import errors in the T+D power flow (module
    docstring; `reserve_amounts`, `reserve_limits`): "error_bound" (the default), "slack_p" or "none";
    ``reserve_mw`` (on each slack unit's P) and ``reserve_mvar`` (on each voltage-controlling unit's Q) hold them.
    """

    def __init__(self, system, surrogates: dict[str, DSSurrogate], *, enforce_domain: bool = True,
                 ipopt: dict | None = None, reserve: str = "error_bound"):
        missing = set(system.ds) - set(surrogates)
        if missing:
            raise ValueError(f"no surrogate for DS {sorted(missing)}")
        self.system = system
        self.surrogates = surrogates
        self.net = _ts_alone(system)
        self.reserve_mw, self.reserve_mvar = reserve_amounts(surrogates, reserve)
        reserve_limits(self.net, self.reserve_mw, self.reserve_mvar)
        self.pcc_buses = _pcc_buses(system, surrogates)
        self.terms = SurrogateTerms(surrogates, self.pcc_buses, enforce_domain)
        self.opf = ACOPF(self.net, extensions=[self.terms.extension()], ipopt=ipopt)
        self.build_time_s = self.opf.build_time_s

    def demand(self, scenario: Scenario | None) -> tuple[np.ndarray, np.ndarray]:
        """TS bus demand (p.u.) of a scenario (the net's own demand for None)."""
        m = self.opf.model
        if scenario is None:
            return m.pd.copy(), m.qd.copy()
        loads = self.net.load
        return _demand(m, loads, scenario.ts.reindex(loads.index).fillna(1.0).to_numpy())

    def solve(self, scenario: Scenario | None = None, x0=None) -> TSOResult:
        """Solve for a scenario (None: base loads). A DS load factor outside its surrogate's sampled range raises."""
        pd_, qd_ = self.demand(scenario)
        params = {}
        for ds, sur in self.surrogates.items():
            lam = 1.0 if scenario is None else float(scenario.ds.get(ds, 1.0))
            lo, hi = sur.space.load_range
            if not lo - 1e-12 <= lam <= hi + 1e-12:
                raise ValueError(f"DS {ds!r}: load factor {lam} outside the surrogate's range {sur.space.load_range}")
            if sur.space.load_is_input:
                params[load_parameter(ds)] = lam
        res = self.opf.solve(pd_, qd_, x0=x0, **params)
        return self._result(res, scenario, params)

    def _result(self, res: OPFResult, scenario, params) -> TSOResult:
        us, pp_, qq, gs = {}, {}, {}, {}
        vm, va = res.res_bus["vm_pu"], res.res_bus["va_degree"]
        for ds, sur in self.surrogates.items():
            b = self.pcc_buses[ds]
            parts = [res.extra[fpu_variable(ds)], [vm[b[0]]]]
            if sur.space.n_pcc == 2:
                parts += [[vm[b[1]]], [va[b[1]] - va[b[0]]]]
            if sur.space.load_is_input:
                parts.append([params[load_parameter(ds)]])
            u = np.concatenate([np.asarray(p, float) for p in parts])
            us[ds] = u
            p, q = sur.predict_import(u)
            pp_[ds], qq[ds] = p[0], q[0]
            gs[ds] = float(sur.polytope.g(u)[0])
        return TSOResult(res, us, pp_, qq, gs, scenario.name if scenario is not None else "base")

    def dispatch(self, result: TSOResult, integrated_net) -> pd.DataFrame:
        """Set-points for `forlab.opf.judge.judge` on ``integrated_net``: TS units from the OPF, FPUs from u."""
        base = dispatch_from_result(result.opf)
        rows = [base[base.et.isin(["ext_grid", "gen"])]]
        sg = integrated_net.sgen
        for ds, sur in self.surrogates.items():
            c = sur.space.columns(result.u[ds])
            for k, sgen in enumerate(sur.space.fpus.index):
                idx = sg.index[(sg["zone"] == ds) & (sg["orig_index"] == sgen)]
                if len(idx) != 1:
                    raise ValueError(f"FPU sgen {sgen} of {ds!r} not found once in the integrated net")
                rows.append(pd.DataFrame({"et": ["sgen"], "element": [int(idx[0])], "p_mw": [c["p_mw"][0, k]],
                                          "q_mvar": [c["q_mvar"][0, k]]}))
        return pd.concat(rows, ignore_index=True)


# ----------------------------------------------------------------------------------------------------------------------
# the integrated benchmark
# ----------------------------------------------------------------------------------------------------------------------


class IntegratedOPF:
    """The integrated T+D AC-OPF of a study system (every TS and DS variable in one NLP), built once."""

    def __init__(self, system, ipopt: dict | None = None):
        self.system = system
        self.net = system.integrated()
        self.opf = ACOPF(self.net, ipopt=ipopt)
        self.build_time_s = self.opf.build_time_s

    def factors(self, scenario: Scenario | None) -> np.ndarray:
        """Load factor of every load row of the integrated net."""
        load = self.net.load
        if scenario is None:
            return np.ones(len(load))
        ts = load["zone"] == TS_ZONE
        f = np.ones(len(load))
        f[ts.to_numpy()] = scenario.ts.reindex(load.orig_index[ts]).fillna(1.0).to_numpy()
        for ds, lam in scenario.ds.items():
            f[(load["zone"] == ds).to_numpy()] = lam
        return f

    def scaled_net(self, scenario: Scenario | None):
        """A copy of the integrated net with the scenario's loads."""
        net = copy.deepcopy(self.net)
        net.load["p_mw"] *= self.factors(scenario)
        net.load["q_mvar"] *= self.factors(scenario)
        return net

    def solve(self, scenario: Scenario | None = None) -> OPFResult:
        pd_, qd_ = _demand(self.opf.model, self.net.load, self.factors(scenario))
        return self.opf.solve(pd_, qd_)


# ----------------------------------------------------------------------------------------------------------------------
# validation and benchmark
# ----------------------------------------------------------------------------------------------------------------------


def validate(tso: SurrogateTSO, result: TSOResult, flows: dict[str, DSFlow], integrated: IntegratedOPF,
             scenario: Scenario | None = None) -> dict:
    """Check a TSO dispatch by power flow: implements eq. (p2-check), chapter 06.

    Per DS (prefix ``<ds>:``): a power flow of the DS alone at u (`DSFlow`): the error of the predicted import
    against the true one (largest over the PCCs, MW / Mvar), the smallest voltage distance to the limits (p.u., < 0 violated)
    and the largest loading (%). Then `judge` on the integrated net at the dispatch (keys as `judge`).
    """
    out: dict = {}
    for ds, sur in tso.surrogates.items():
        fl = flows[ds]
        r = fl.run_inputs(sur.space, result.u[ds][None, :])
        out[f"{ds}:converged"] = bool(r["converged"][0])
        out[f"{ds}:p_error_mw"] = float(np.max(np.abs(r["p_mw"][0] - result.p_pred_mw[ds])))
        out[f"{ds}:q_error_mvar"] = float(np.max(np.abs(r["q_mvar"][0] - result.q_pred_mvar[ds])))
        out[f"{ds}:vm_slack_pu"] = float(r["vm_slack_pu"][0])
        out[f"{ds}:max_loading_percent"] = float(r["max_loading_percent"][0])
        out[f"{ds}:g"] = result.g[ds]
    net = integrated.scaled_net(scenario)
    out.update(judge(net, tso.dispatch(result, net)))
    return out


def surrogate_bytes(surrogates: dict[str, DSSurrogate]) -> int:
    """What P2 exchanges, in bytes by the one rule of every method (`forlab.book.parallel.wire_bytes`): every
    surrogate's content (`DSSurrogate.to_dict`, DSO -> TSO), the DS's load factor (one float64, DSO -> TSO) and the
    set-points of its FPUs the TSO chose (P and Q of each, TSO -> DSO)."""
    return sum(wire_bytes(s.to_dict(), np.zeros(1), np.zeros(2 * s.space.n_fpu)) for s in surrogates.values())


def _scenario_row(sc: Scenario, base: Baseline, t, tso: SurrogateTSO, integ: IntegratedOPF,
                  flows: dict[str, DSFlow], sent: int) -> dict:
    """`benchmark`'s row of one scenario: its loads, both solves' statuses, the TSO's cost and times (NaN when its
    solve failed), the checks of `validate`, the outcome record and the time ratio."""
    tres = t.result
    row = {"scenario": sc.name, "ts_load_mean": sc.ts_mean, **{f"{ds}:load_scale": lam for ds, lam in sc.ds.items()},
           "integrated_status": base.status, "integrated_success": base.success,
           "tso_status": tres.opf.status, "tso_success": tres.success,
           # a failed solve's objective and time are no result: NaN, with the status saying why
           "tso_cost": tres.cost if tres.success else np.nan,
           "tso_time_s": t.solve_time_s if tres.success else np.nan,
           "tso_wall_time_s": t.wall_time_s if tres.success else np.nan}
    verdict = None
    if tres.success:
        row.update(validate(tso, tres, flows, integ, sc))
        verdict = {k: row[k] for k in ("converged", "total_cost", "feasible", "max_violation_pu")}
    else:
        row.update(converged=False, **violation_counts(None))
    oc = judged_outcome(verdict, base, {"tso": (tres.success, str(tres.opf.status))},
                        solve_time_s=t.solve_time_s, wall_time_s=t.wall_time_s, bytes_exchanged=sent, rounds=1)
    row.update(oc.as_dict())
    # a failed solve anywhere (the integrated one included) leaves the case without a time ratio
    row["time_ratio"] = oc.solve_time_s / base.solve_time_s if oc.ok else np.nan
    row.update(reserve_mw=tso.reserve_mw, reserve_mvar=tso.reserve_mvar)
    return row


def benchmark(system, surrogates: dict[str, DSSurrogate], scenario_list: list[Scenario],
              flows: dict[str, DSFlow], ipopt: dict | None = None, repeats: int = 3,
              baseline: Baseline | None = None, reserve: str = "error_bound") -> \
        tuple[pd.DataFrame, list]:
    """Integrated AC-OPF against the surrogate TSO OPF on each scenario; one row per scenario, with the outcome
    record of `forlab.opf.outcome` (eq. (p2-check), chapter 06, and chapter 09's section "The default runs, on one
    system").

    Columns: scenario, ts_load_mean, the DS load factors (``<ds>:load_scale``), integrated_status/success, tso_status/
    success/cost/time_s/wall_time_s (cost and time_s NaN when the TSO's solve failed: its status says why), the
    per-DS checks of `validate` and the judge's keys (violation counts -1 when there was no dispatch to judge),
    time_ratio (TSO / integrated solver time; NaN when a solve failed) and the record's fields: deviation_pct (the
    TSO's dispatch, TS units and the FPU set-points it chose, judged by the T+D power flow, against the integrated
    optimum; NaN when a solve failed), feasible,
    max_violation, status, solve_time_s and wall_time_s (the TSO's: P2 has no online DSO step), bytes_exchanged
    (`surrogate_bytes`), rounds (1), cost, integrated_cost,
    integrated_solve_time_s and integrated_wall_time_s; offline_time_s is the caller's (NaN here); reserve_mw and
    reserve_mvar (the reserves the TSO held, ``reserve`` of `SurrogateTSO`). attrs: build times (s), timing_repeats,
    reserve_mw and reserve_mvar. Both OPFs run ``repeats`` times per scenario from the same start, timed by
    `forlab.opf.outcome.timed` (the fastest solver and wall time), one after the other; the results are those of the
    first solve. baseline: the integrated AC-OPF of the first scenario if the caller has already solved and timed it
    (`forlab.opf.outcome.integrated_baseline`); it is then not solved again. Also returns, per scenario, the TSO's
    inputs u per DS (None where the TSO failed).
    """
    tso = SurrogateTSO(system, surrogates, ipopt=ipopt, reserve=reserve)
    integ = IntegratedOPF(system, ipopt=ipopt)
    sent = surrogate_bytes(surrogates)
    rows, inputs = [], []
    for k, sc in enumerate(scenario_list):
        base = baseline if k == 0 and baseline is not None else integrated_baseline(
            solve=lambda sc=sc: integ.solve(sc), repeats=repeats, build_time_s=integ.build_time_s)
        t = timed(lambda sc=sc: tso.solve(sc), repeats, lambda r: r.opf.solve_time_s)
        rows.append(_scenario_row(sc, base, t, tso, integ, flows, sent))
        inputs.append(t.result.u if t.result.success else None)
    out = pd.DataFrame(rows)
    out.attrs.update(tso_build_time_s=tso.build_time_s, integrated_build_time_s=integ.build_time_s,
                     timing_repeats=max(int(repeats), 1), reserve_mw=tso.reserve_mw,
                     reserve_mvar=tso.reserve_mvar)
    return out, inputs
