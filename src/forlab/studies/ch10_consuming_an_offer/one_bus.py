"""The TSO's model of chapter 10 in miniature, eq. (p1-tso) on one TS bus with a generator and the
DS import: in Pyomo (`one_bus_pyomo`, components `PYOMO_COMPONENTS`) and in CasADi (`one_bus_casadi`), their
structure (`structure`, `STRUCTURE_ROWS`), each solved (`solve_pyomo` when Pyomo finds its solver, `solve_casadi`)
beside a numpy grid search (`grid_search`), one row each of `solutions`.
"""

from __future__ import annotations

import contextlib
import logging
import time

import numpy as np
import pandas as pd

from forlab.p1_for.formulations import offer_casadi, offer_pyomo_block
from forlab.p1_for.offer import Offer
from forlab.studies.ch10_consuming_an_offer.evaluation import probe_points
from forlab.studies.ch10_consuming_an_offer.offer_file import GRID_POINTS, box_grid

__all__ = [
    "ENGINES",
    "GRID_FOUND",
    "GRID_NONE",
    "NO_SOLVER",
    "PYOMO_COMPONENTS",
    "STRUCTURE_ROWS",
    "grid_search",
    "one_bus_casadi",
    "one_bus_pyomo",
    "pyomo_label",
    "pyomo_solver_available",
    "solutions",
    "solve_casadi",
    "solve_pyomo",
    "structure",
    "tso_data",
]


NO_SOLVER = "no NLP solver"
ENGINES = {"casadi": "CasADi + Ipopt", "pyomo": "Pyomo + {solver}"}
STRUCTURE_ROWS = {"variables": "decision variables", "bounded": "variables with bounds",
                  "equalities": "equality constraints (power balance)", "inequalities": "inequality constraints (region)",
                  "terms": "terms of the region polynomial", "jacobian_nonzeros": "nonzeros of the constraint Jacobian"}
PYOMO_COMPONENTS = {
    "pg": ("Var", "generator active power (MW)"),
    "qg": ("Var", "generator reactive power (Mvar)"),
    "ds": ("Block", "the offer (offer_pyomo_block)"),
    "ds.p_mw": ("Var", "DS import P (MW), within the box"),
    "ds.q_mvar": ("Var", "DS import Q (Mvar), within the box"),
    "ds.vm_pu": ("Var", "PCC voltage (p.u.), within the box"),
    "ds.f": ("Expression", "f(x̃) + m, the region's polynomial"),
    "ds.region": ("Constraint", "f(x̃) + m ≤ 0: the offered region"),
    "ds.cost": ("Expression", "C(x̃), the offered price ($/h)"),
    "p_balance": ("Constraint", "P_g = TS load + DS import P"),
    "q_balance": ("Constraint", "Q_g = TS load + DS import Q"),
    "gen_cost": ("Expression", "c₂ P_g² + c₁ P_g ($/h)"),
    "total_cost": ("Objective", "minimise gen_cost + ds.cost"),
}


def tso_data(params: dict) -> dict:
    """The TSO's own data for the small model: TS load at the PCC bus, generator limits and cost."""
    return {"load_mw": float(params["ts_load_mw"]), "load_mvar": float(params["ts_load_mvar"]),
            "p_max": float(params["gen_p_max_mw"]), "q_max": float(params["gen_q_max_mvar"]),
            "c1": float(params["gen_cost_per_mwh"]), "c2": float(params["gen_cost_per_mw2h"])}


def one_bus_pyomo(offer: Offer, tso: dict, start: np.ndarray):
    """The small Pyomo model of the section on optimisation (components: `PYOMO_COMPONENTS`): one TS bus with a
    generator and the DS import, the offer's block constraining the import, minimising generation cost plus the
    offered price. Not the TSO's whole AC-OPF, which is `pyomo_tso`."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name="TSO bus with one DS import")
    m.pg = pyo.Var(bounds=(0.0, tso["p_max"]), initialize=tso["load_mw"] + float(start[0]))
    m.qg = pyo.Var(bounds=(-tso["q_max"], tso["q_max"]), initialize=tso["load_mvar"] + float(start[1]))
    blk = offer_pyomo_block(offer, m, "ds")
    for var, value in zip((blk.p_mw, blk.q_mvar, blk.vm_pu), start):
        var.set_value(float(value))
    m.p_balance = pyo.Constraint(expr=m.pg == tso["load_mw"] + blk.p_mw)
    m.q_balance = pyo.Constraint(expr=m.qg == tso["load_mvar"] + blk.q_mvar)
    m.gen_cost = pyo.Expression(expr=tso["c2"] * m.pg ** 2 + tso["c1"] * m.pg)
    m.total_cost = pyo.Objective(expr=m.gen_cost + blk.cost, sense=pyo.minimize)
    return m


def one_bus_casadi(offer: Offer, tso: dict) -> tuple[dict, dict]:
    """The same one-bus model as `one_bus_pyomo`, for CasADi's ``nlpsol``: x = (P_g, Q_g, P, Q, V), g = (P balance,
    Q balance, f + m); returns (nlp, bounds)."""
    import casadi as ca

    x = ca.SX.sym("x", 5)
    region, price = offer_casadi(offer, x[2], x[3], x[4])
    gen = tso["c2"] * x[0] ** 2 + tso["c1"] * x[0]
    g = ca.vertcat(x[0] - tso["load_mw"] - x[2], x[1] - tso["load_mvar"] - x[3], region)
    bounds = {"lbx": [0.0, -tso["q_max"], *offer.box.lo], "ubx": [tso["p_max"], tso["q_max"], *offer.box.hi],
              "lbg": [0.0, 0.0, -np.inf], "ubg": [0.0, 0.0, 0.0]}
    return {"x": x, "f": gen + price, "g": g}, bounds


def structure(model, nlp: dict, offer: Offer) -> pd.DataFrame:
    """The two models' sizes (`STRUCTURE_ROWS`), columns ``pyomo`` and ``casadi``."""
    import casadi as ca
    import pyomo.environ as pyo
    from pyomo.core.expr.visitor import identify_variables

    cons = list(model.component_data_objects(pyo.Constraint, active=True))
    variables = list(model.component_data_objects(pyo.Var))
    terms = int(np.count_nonzero(offer.polynomial.coef))
    pyomo = {"variables": len(variables), "bounded": sum(v.has_lb() or v.has_ub() for v in variables),
             "equalities": sum(c.equality for c in cons), "inequalities": sum(not c.equality for c in cons),
             "terms": terms, "jacobian_nonzeros": sum(len(list(identify_variables(c.body))) for c in cons)}
    casadi = {"variables": int(nlp["x"].numel()), "bounded": int(nlp["x"].numel()), "equalities": 2,
              "inequalities": int(nlp["g"].numel()) - 2, "terms": terms,
              "jacobian_nonzeros": int(ca.jacobian(nlp["g"], nlp["x"]).nnz())}
    return pd.DataFrame({"pyomo": pyomo, "casadi": casadi})


def _solution(offer: Offer, tso: dict, x, status: str, seconds: float) -> dict:
    """One row of `solutions` from x = (P_g, Q_g, P, Q, V)."""
    pg, qg, p, q, v = (float(a) for a in x)
    gen, price = tso["c2"] * pg ** 2 + tso["c1"] * pg, float(offer.cost_of(p, q, v)[0])
    return {"status": status, "pg_mw": pg, "qg_mvar": qg, "p_mw": p, "q_mvar": q, "vm_pu": v, "gen_cost": gen,
            "price": price, "total": gen + price, "f": float(offer.f(p, q, v)[0]), "time_s": seconds}


def pyomo_solver_available(name: str = "ripopt") -> bool:
    """Whether Pyomo finds the NLP solver ``name`` ("ripopt": the pyomo-ripopt wheel; "ipopt": an executable on
    PATH, e.g. conda-forge's), `forlab.opf.pyomo_acopf.solver_available`."""
    from forlab.opf.pyomo_acopf import solver_available

    with _quiet_pyomo():
        return solver_available(name)


@contextlib.contextmanager
def _quiet_pyomo():
    """Pyomo's warnings about missing executables go to its logger: silenced here, the page says it in words."""
    logger = logging.getLogger("pyomo")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def solve_pyomo(model, offer: Offer, tso: dict, solver: str = "ripopt") -> dict:
    """Solve the Pyomo model with ``solver`` when Pyomo finds it; else a row with status `NO_SOLVER`."""
    import pyomo.environ as pyo

    from forlab.opf.pyomo_acopf import solver_factory

    if not pyomo_solver_available(solver):
        return {"status": NO_SOLVER}
    t0 = time.perf_counter()
    with _quiet_pyomo():
        res = solver_factory(solver).solve(model)
    x = [pyo.value(v) for v in (model.pg, model.qg, model.ds.p_mw, model.ds.q_mvar, model.ds.vm_pu)]
    return _solution(offer, tso, x, str(res.solver.termination_condition), time.perf_counter() - t0)


def pyomo_label(solver: str) -> str:
    """The row / engine name of a Pyomo model solved by ``solver``."""
    return ENGINES["pyomo"].format(solver=solver)


def solve_casadi(nlp: dict, bounds: dict, offer: Offer, tso: dict, start: np.ndarray) -> dict:
    """Solve the CasADi model with the Ipopt that ships with CasADi, from ``start`` (the deepest offered point)."""
    import casadi as ca

    solver = ca.nlpsol("tso", "ipopt", nlp, {"print_time": False, "ipopt.print_level": 0, "ipopt.sb": "yes"})
    x0 = [tso["load_mw"] + start[0], tso["load_mvar"] + start[1], *start]
    t0 = time.perf_counter()
    sol = solver(x0=x0, **bounds)
    seconds = time.perf_counter() - t0
    return _solution(offer, tso, np.asarray(sol["x"]).ravel(), solver.stats()["return_status"], seconds)


GRID_FOUND, GRID_NONE = "best grid point", "no feasible grid point"
"""The grid search's statuses: it has no optimality or infeasibility certificate, only its grid."""


def grid_search(offer: Offer, tso: dict, n: int = GRID_POINTS) -> dict:
    """The cheapest offered point of an n³ grid over the box (numpy only), the generator within its limits; its
    status says what a grid can tell (`GRID_FOUND`, `GRID_NONE`), never "optimal"."""
    t0 = time.perf_counter()
    pts = box_grid(offer, n)
    pg, qg = tso["load_mw"] + pts[:, 0], tso["load_mvar"] + pts[:, 1]
    ok = offer.feasible(*pts.T) & (pg >= 0) & (pg <= tso["p_max"]) & (np.abs(qg) <= tso["q_max"])
    total = np.where(ok, tso["c2"] * pg ** 2 + tso["c1"] * pg + offer.cost_of(*pts.T), np.inf)
    k = int(np.argmin(total))
    status = GRID_FOUND if np.isfinite(total[k]) else GRID_NONE
    return _solution(offer, tso, [pg[k], qg[k], *pts[k]], status, time.perf_counter() - t0)


def solutions(offer: Offer, tso: dict, solver: str = "ripopt") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(solutions, structure): the Pyomo model solved by ``solver`` when Pyomo finds it, the same model in CasADi,
    and a numpy grid search, one row each (index ``solver``); and the models' `structure`."""
    start = probe_points(offer)[["p_mw", "q_mvar", "vm_pu"]].to_numpy()[0]
    model = one_bus_pyomo(offer, tso, start)
    nlp, bounds = one_bus_casadi(offer, tso)
    rows = {pyomo_label(solver): solve_pyomo(model, offer, tso, solver),
            "CasADi + Ipopt": solve_casadi(nlp, bounds, offer, tso, start),
            f"numpy, grid of {GRID_POINTS}³ points": grid_search(offer, tso)}
    sol = pd.DataFrame.from_dict(rows, orient="index")
    sol.index.name = "solver"
    return sol, structure(model, nlp, offer)
