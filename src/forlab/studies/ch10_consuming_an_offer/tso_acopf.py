"""The TSO's whole AC-OPF in chapter 10, Pyomo beside CasADi, on the offer's study system
(`offer_system`, with the other DSs held at their base case by `one_ds_system`): the DS as its offer (eq. (p1-tso))
and as a small P2 surrogate fitted here (`small_surrogate`, eq. (p2-tso)), each in forlab's CasADi TSOs
(`casadi_offer_tso`, `casadi_surrogate_tso`) and in Pyomo (`pyomo_tso`, `pyomo_row`), all run by `tso_runs`; and
whether the two engines agree within `PCC_TOL_PU` and `OBJECTIVE_TOL_REL` (`agreement`).
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import time

import numpy as np
import pandas as pd

from forlab.grid import td
from forlab.opf.outcome import timed
from forlab.p1_for.formulations import offer_pyomo_block
from forlab.p1_for.offer import Offer
from forlab.studies.ch10_consuming_an_offer.one_bus import ENGINES, NO_SOLVER

__all__ = [
    "OBJECTIVE_TOL_REL",
    "PCC_TOL_PU",
    "agreement",
    "casadi_offer_tso",
    "casadi_surrogate_tso",
    "offer_extension",
    "offer_system",
    "one_ds_system",
    "pcc_bus",
    "pyomo_points",
    "pyomo_row",
    "pyomo_tso",
    "small_surrogate",
    "surrogate_extension",
    "tso_runs",
]


PCC_TOL_PU = 1e-4
"""Pyomo and CasADi TSOs agree when their PCC points differ by at most this (P and Q over the base MVA, V; p.u.)..."""
OBJECTIVE_TOL_REL = 1e-6
"""... and their objectives by at most this share of the CasADi objective (issue 19)."""


def pcc_bus(system, ds: str) -> int:
    """The TS bus of DS ``ds``'s PCC in ``system`` (its first, for a DS of two): where both TSOs attach the DS."""
    return int(system.pcc[system.pcc.ds == ds].ts_bus.iloc[0])


def offer_system(offer: Offer) -> tuple[object, str, int] | None:
    """(study system, built; DS; TS bus of its PCC) named by the offer's ``pcc`` when it names a forlab study system
    (the offers of chapters 04 and 10 do); None for any other offer. The file's ``pcc`` is checked against the
    system, since the CasADi TSO would attach the DS at the file's bus and the Pyomo TSO at the system's: ValueError
    naming the field and what to change unless ``pcc.ds`` is a DS of the system and ``pcc.ts_bus`` the integer
    index of that DS's PCC bus there (`pcc_bus`)."""
    pcc = offer.pcc
    if pcc.get("system") not in td.available_systems() or "ds" not in pcc or "ts_bus" not in pcc:
        return None
    name, ds, ts_bus = pcc["system"], pcc["ds"], pcc["ts_bus"]
    dss = [d.name for d in td.parse_system(name)[1]]
    if ds not in dss:
        raise ValueError(f"the offer file's pcc.ds is {ds!r}, no DS of study system {name!r} (its pcc.system): set "
                         f"pcc.ds to one of {dss}, or pcc.system to the DS's study system")
    if not isinstance(ts_bus, numbers.Integral) or isinstance(ts_bus, bool):
        msg = f"the offer file's pcc.ts_bus must be an integer (the TS bus index of the DS's PCC), got {ts_bus!r}"
        raise ValueError(msg)  # noqa: TRY004 - a bad file is a ValueError whatever is wrong in it, as in Offer.load
    system = td.load_system(name)
    if int(ts_bus) != (bus := pcc_bus(system, ds)):
        raise ValueError(f"the offer file's pcc.ts_bus is {ts_bus}, but DS {ds!r} of study system {name!r} is tied "
                         f"to TS bus {bus}: set pcc.ts_bus to {bus} (or pcc.system to the system the offer was made "
                         f"for)")
    return system, ds, bus


def one_ds_system(system, ds: str):
    """The study system with DS ``ds`` alone: the other DSs' imports stay in the TS as the fixed loads of their
    base case (their placeholder loads lose the ``ds_import`` flag), so both TSOs replace only ``ds``."""
    ts = copy.deepcopy(system.ts)
    other = ts.load["ds_import"].notna() & (ts.load["ds_import"] != ds)
    ts.load["ds_import"] = ts.load["ds_import"].where(~other, None)
    return dataclasses.replace(system, ts=ts, ds={ds: system.ds[ds]}, pcc=system.pcc[system.pcc.ds == ds].copy())


def small_surrogate(system, ds: str, n_samples: int, seed: int):
    """P2's DS side for the TSO section: a surrogate of DS ``ds`` (polytope + quadratic regressors, chapter 06's
    default options) fitted on ``n_samples`` power flows of the DS alone (`forlab.p2_surrogate.model`)."""
    from forlab.p2_surrogate import dataset, model

    pcc = system.pcc[system.pcc.ds == ds]
    space = dataset.input_space(system.ds[ds], ds, len(pcc))
    data = dataset.generate(dataset.DSFlow(system.ds[ds], list(pcc.ds_bus)), space, n_samples, seed=seed)
    train, test = model.split(n_samples, 0.2, seed)
    sur, _ = model.fit_surrogate(data, space, model.SurrogateOptions(), train, test)
    return sur


def offer_extension(ds: str, offer: Offer, ts_bus: int):
    """DS ``ds`` as its offer in the Pyomo TSO, eq. (p1-tso): `offer_pyomo_block` on the voltage of TS bus
    ``ts_bus`` (pandapower index), its import (P, Q) added to that bus's demand, its price to the objective."""
    from forlab.opf.pyomo_acopf import PyomoExtension

    def block(mod, m):
        return offer_pyomo_block(offer, vm_pu=m.vm[int(mod.bus_lookup[ts_bus])])

    def demand(mod, m, blk):
        return [(int(mod.bus_lookup[ts_bus]), blk.p_mw / mod.base_mva, blk.q_mvar / mod.base_mva)]

    return PyomoExtension(f"offer_{ds}", block, demand, lambda mod, m, blk: [blk.cost])


def surrogate_extension(ds: str, sur, ts_buses: list[int]):
    """DS ``ds`` as its P2 surrogate in the Pyomo TSO, eq. (p2-tso): `surrogate_pyomo_block` on the voltages of
    its PCC buses ``ts_buses`` (PCC order), the predicted import of each PCC added to its bus's demand, the FPUs'
    cost to the objective."""
    from forlab.opf.pyomo_acopf import PyomoExtension
    from forlab.p2_surrogate.formulations import surrogate_pyomo_block

    def block(mod, m):
        b = mod.bus_lookup[ts_buses].to_numpy(int)
        return surrogate_pyomo_block(sur, [m.vm[int(k)] for k in b], [m.va[int(k)] for k in b])

    def demand(mod, m, blk):
        b = mod.bus_lookup[ts_buses].to_numpy(int)
        return [(int(k), blk.p_mw[i] / mod.base_mva, blk.q_mvar[i] / mod.base_mva) for i, k in enumerate(b)]

    return PyomoExtension(f"surrogate_{ds}", block, demand, lambda mod, m, blk: [blk.cost])


def pyomo_tso(system, offers: dict | None = None, surrogates: dict | None = None, solver: str = "ripopt"):
    """The TSO's whole AC-OPF in Pyomo (`forlab.opf.pyomo_acopf.PyomoACOPF`; not the one-bus model of
    `one_bus_pyomo`) on the TS of ``system`` with every DS as its offer (``offers``: DS -> Offer, eq. (p1-tso)) or its
    surrogate (``surrogates``: DS -> DSSurrogate, eq. (p2-tso)); the placeholder loads of exactly those DSs are
    removed, as the CasADi TSOs do. solver: "ripopt" or "ipopt"."""
    from forlab.opf.pyomo_acopf import PyomoACOPF

    offers, surrogates = offers or {}, surrogates or {}
    if set(offers) & set(surrogates) or not set(offers) | set(surrogates) <= set(system.ds):
        raise ValueError(f"offers and surrogates must name distinct DSs of {system.name} ({list(system.ds)}), got "
                         f"{list(offers)} and {list(surrogates)}")
    net = copy.deepcopy(system.ts)
    net.load = net.load[~net.load["ds_import"].isin([*offers, *surrogates])]
    pcc = system.pcc
    ext = [offer_extension(ds, o, pcc_bus(system, ds)) for ds, o in offers.items()]
    ext += [surrogate_extension(ds, s, [int(b) for b in pcc[pcc.ds == ds].ts_bus]) for ds, s in surrogates.items()]
    return PyomoACOPF(net, extensions=ext, solver=solver)


def _row(status: str, success: bool, objective: float, iterations: int, points: list, times: tuple) -> dict:
    """One row of the TSO table: the first PCC's point (MW, Mvar, p.u.) and every PCC's under ``points``."""
    p, q, v = points[0] if points else (np.nan,) * 3
    return {"status": str(status), "success": int(bool(success)), "objective": float(objective), "pcc_p_mw": p,
            "pcc_q_mvar": q, "pcc_vm_pu": v, "solve_time_s": times[0], "wall_time_s": times[1],
            "build_time_s": times[2], "iterations": int(iterations), "points": np.asarray(points, float)}


def casadi_offer_tso(view, ds: str, offer: Offer, ts_bus: int, repeats: int) -> tuple[dict, list]:
    """forlab's CasADi TSO with the offer (`forlab.p1_for.tso.TSOForOPF`), solved ``repeats`` times from its own
    start: its table row and that start as (va, vm, pg, qg) for the Pyomo model."""
    from forlab.p1_for.tso import TSOForOPF

    t0 = time.perf_counter()
    tso = TSOForOPF(view.ts, {ds: (offer, ts_bus)})
    build = time.perf_counter() - t0
    x0 = tso.initial_point()
    t = timed(lambda: tso.opf.solve(x0=x0), repeats)
    res, solve_s, wall_s = t.result, t.solve_time_s, t.wall_time_s
    x = res.extra["pcc"]
    row = _row(res.status, res.success, res.objective, res.iterations,
               [(float(x[0]), float(x[1]), float(res.res_bus.vm_pu[ts_bus]))], (solve_s, wall_s, build))
    return row, [x0[tso.opf.slices[k]] for k in ("va", "vm", "pg", "qg")]


def casadi_surrogate_tso(view, ds: str, sur, repeats: int) -> tuple[dict, list]:
    """forlab's CasADi TSO with the surrogate (`forlab.p2_surrogate.tso.SurrogateTSO`, base loads, no reserve: the
    NLP the Pyomo TSO builds, so that the two engines solve the same problem), solved ``repeats`` times from its own
    start: its table row and that start as (va, vm, pg, qg)."""
    from forlab.p2_surrogate.tso import SurrogateTSO

    t0 = time.perf_counter()
    tso = SurrogateTSO(view, {ds: sur}, reserve="none")
    build = time.perf_counter() - t0
    t = timed(tso.solve, repeats, lambda r: r.opf.solve_time_s)
    res, solve_s, wall_s = t.result, t.solve_time_s, t.wall_time_s
    buses = [int(b) for b in view.pcc.ts_bus]
    points = [(float(res.p_pred_mw[ds][k]), float(res.q_pred_mvar[ds][k]), float(res.opf.res_bus.vm_pu[b]))
              for k, b in enumerate(buses)]
    row = _row(res.opf.status, res.success, res.cost, res.opf.iterations, points, (solve_s, wall_s, build))
    x0 = tso.opf.initial_point("pf")
    return row, [x0[tso.opf.slices[k]] for k in ("va", "vm", "pg", "qg")]


def pyomo_points(opf, view, ds: str) -> list:
    """The PCC points (MW, Mvar, p.u.) of DS ``ds`` in a solved `pyomo_tso`, from its offer or surrogate block."""
    import pyomo.environ as pyo

    buses = [int(b) for b in view.pcc.ts_bus]
    vm = [pyo.value(opf.m.vm[int(opf.model.bus_lookup[b])]) for b in buses]
    blk = opf.m.component(f"offer_{ds}")
    if blk is not None:
        return [(pyo.value(blk.p_mw), pyo.value(blk.q_mvar), vm[0])]
    blk = opf.m.component(f"surrogate_{ds}")
    return [(pyo.value(blk.p_mw[k]), pyo.value(blk.q_mvar[k]), vm[k]) for k in range(len(buses))]


def pyomo_row(view, ds: str, start: list, solver: str, repeats: int, **reps) -> dict:
    """The Pyomo TSO (`pyomo_tso` with ``reps``: offers= or surrogates=) from the CasADi TSO's ``start``, solved
    ``repeats`` times: its table row; status `NO_SOLVER` when the solver is not installed."""
    from forlab.opf.pyomo_acopf import solver_available

    if not solver_available(solver):
        return _row(NO_SOLVER, False, np.nan, -1, [], (np.nan, np.nan, np.nan))
    t0 = time.perf_counter()
    opf = pyomo_tso(view, solver=solver, **reps)
    build = time.perf_counter() - t0
    opf.set_start(*start)
    t = timed(opf.solve, repeats)
    res, solve_s, wall_s = t.result, t.solve_time_s, t.wall_time_s
    return _row(res.status, res.success, res.objective, res.iterations, pyomo_points(opf, view, ds),
                (solve_s, wall_s, build))


def tso_runs(offer: Offer, found: tuple[object, str, int] | None, params: dict
             ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The TSO with the offer and with a small surrogate of the same DS, each in CasADi (forlab's TSOs) and in
    Pyomo (`pyomo_tso`, ``params["pyomo_solver"]``), on the offer's study system with the other DSs held at their
    base case. ``found`` is `offer_system` of the offer, which `run` checks right after loading the file. Returns
    the runs (index ``tso``: representation/engine), their `agreement` and facts for the store's attrs; an offer of
    no study system (``found`` None) gives empty tables and the reason."""
    if found is None:
        return pd.DataFrame(), pd.DataFrame(), {"tso_status": "the offer names no DS of a forlab study system"}
    system, ds, _ = found
    system_name = str(offer.pcc["system"])
    view = one_ds_system(system, ds)
    t0 = time.perf_counter()
    sur = small_surrogate(view, ds, int(params["surrogate_samples"]), int(params["seed"]))
    fit_s = time.perf_counter() - t0
    solver, n = params["pyomo_solver"], int(params["repeats"])
    rows = {}
    # the bus `pyomo_tso` attaches the DS at (the file's, checked by `offer_system`): both engines solve one problem
    rows["offer/casadi"], start = casadi_offer_tso(view, ds, offer, pcc_bus(view, ds), n)
    rows["offer/pyomo"] = pyomo_row(view, ds, start, solver, n, offers={ds: offer})
    rows["surrogate/casadi"], start = casadi_surrogate_tso(view, ds, sur, n)
    rows["surrogate/pyomo"] = pyomo_row(view, ds, start, solver, n, surrogates={ds: sur})
    runs = pd.DataFrame.from_dict(rows, orient="index")
    runs.index.name = "tso"
    runs.insert(0, "representation", [k.split("/")[0] for k in runs.index])
    runs.insert(1, "engine", [ENGINES[k.split("/")[1]].format(solver=solver) for k in runs.index])
    facts = {"tso_status": "ok", "tso_system": system_name, "tso_ds": ds, "tso_base_mva": float(view.ts.sn_mva),
             "surrogate_fit_s": fit_s, "surrogate_samples": int(params["surrogate_samples"]),
             "pyomo_engine": solver}
    return runs, agreement(runs, float(view.ts.sn_mva)), facts


def agreement(runs: pd.DataFrame, base_mva: float) -> pd.DataFrame:
    """Per representation, Pyomo against CasADi: the largest PCC difference (P and Q over ``base_mva``, V; p.u.),
    the objective's relative difference, and whether both solved and lie within `PCC_TOL_PU` and
    `OBJECTIVE_TOL_REL`."""
    out = {}
    for rep in dict.fromkeys(runs.representation):
        cas, pyo_ = runs.loc[f"{rep}/casadi"], runs.loc[f"{rep}/pyomo"]
        a, b = np.atleast_2d(cas.points), np.atleast_2d(pyo_.points)
        scale = np.array([base_mva, base_mva, 1.0])
        diff = float(np.max(np.abs(a - b) / scale)) if a.shape == b.shape and a.size else np.nan
        rel = abs(pyo_.objective - cas.objective) / abs(cas.objective)
        ok = bool(cas.success and pyo_.success and diff <= PCC_TOL_PU and rel <= OBJECTIVE_TOL_REL)
        out[rep] = {"pcc_diff_pu": diff, "objective_rel_diff": float(rel), "agree": int(ok)}
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.index.name = "representation"
    return frame
