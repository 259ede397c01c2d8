"""Tables of chapter 10, read from its store: the offer it holds (`offer`) and the DS it names
(`offered_ds`), the one-bus model's CasADi solution (`casadi_solution`), and the tables as the page shows them: the
file's checks, the probe points, the models' structure and components, the solutions and the TSO runs
(`tso_table`, `tso_tables`) with whether the two engines agree (`tso_agree`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import TitledTable, fixed_columns, printable, table, wrappable
from forlab.p1_for.offer import Offer
from forlab.studies.ch10_consuming_an_offer.one_bus import ENGINES, PYOMO_COMPONENTS, STRUCTURE_ROWS

__all__ = [
    "POINT_DIGITS",
    "POINT_HEADERS",
    "REPRESENTATIONS",
    "SOLUTION_DIGITS",
    "SOLUTION_HEADERS",
    "TSO_DIGITS",
    "TSO_HEADERS",
    "TSO_SOLVE_COLUMNS",
    "casadi_solution",
    "checks_table",
    "components_table",
    "offer",
    "offered_ds",
    "points_table",
    "solution_table",
    "structure_table",
    "tso_agree",
    "tso_table",
    "tso_tables",
]


REPRESENTATIONS = {"offer": "P1 offer", "surrogate": "P2 surrogate"}
POINT_HEADERS = {"label": "PCC point", "p_mw": "P (MW)", "q_mvar": "Q (Mvar)", "vm_pu": "V (p.u.)",
                 "f": "f + m", "in_box": "in the box", "feasible": "offered", "price": "price ($/h)",
                 "dc_dp": "dC/dP ($/MWh)"}
POINT_DIGITS = {"p_mw": 2, "q_mvar": 2, "vm_pu": 4, "f": 4, "price": 2, "dc_dp": 2}
"""Decimals of the probe points' rows on the page."""
SOLUTION_HEADERS = {"status": "status", "pg_mw": "generator P (MW)", "p_mw": "DS import P (MW)",
                    "q_mvar": "DS import Q (Mvar)", "vm_pu": "V (p.u.)", "gen_cost": "generation ($/h)",
                    "price": "offered price ($/h)", "total": "total ($/h)", "f": "f + m", "time_ms": "time (ms)"}
SOLUTION_DIGITS = {"pg_mw": 2, "p_mw": 2, "q_mvar": 2, "vm_pu": 4, "gen_cost": 2, "price": 2, "total": 2, "f": 4,
                   "time_ms": 1}
"""Decimals of the solutions' rows on the page."""


def offer(st: xr.Dataset) -> Offer:
    """The offer held in the store (the file's text, ``offer_json``)."""
    return Offer.from_dict(json.loads(str(st.offer_json.values)))


def checks_table(st: xr.Dataset) -> pd.DataFrame:
    """The file's checks as the page shows them."""
    t = table(st, "check", "check_", index="check")
    t["passed"] = np.where(t.passed.astype(int) == 1, "yes", "no")
    return printable(t, {"result": "result", "passed": "passed"})


def points_table(st: xr.Dataset) -> pd.DataFrame:
    """The probe points as the page shows them (flags as yes / no)."""
    t = table(st, "point", "pt_", index="point")
    for c in ("in_box", "feasible"):
        t[c] = np.where(t[c].astype(int) == 1, "yes", "no")
    t = fixed_columns(t, POINT_DIGITS, group=tuple(POINT_DIGITS))  # per row of the page: "21.80", not "21.8"
    return printable(t, POINT_HEADERS).set_index("PCC point").T


def offered_ds(st: xr.Dataset) -> str:
    """The DS whose offer the store holds, as the offer's ``pcc`` names it: "<system>/<DS>", the DS alone when the
    offer names no study system, "an unnamed DS" when it names none."""
    pcc = offer(st).pcc
    if "ds" not in pcc:
        return "an unnamed DS"
    return f"{pcc['system']}/{pcc['ds']}" if "system" in pcc else str(pcc["ds"])


def casadi_solution(st: xr.Dataset) -> pd.Series:
    """The one-bus model's solution by CasADi's Ipopt (its row of the table ``solver``): the optimum the page
    discusses (`solution_text`) and the figure marks (`region_figure`)."""
    return table(st, "solver", "sol_", index="solver").loc[ENGINES["casadi"]]


def structure_table(st: xr.Dataset) -> pd.DataFrame:
    """The two models' sizes, one row per `STRUCTURE_ROWS` item."""
    t = table(st, "item", "struct_", index="item").astype(int)
    t.index = pd.Index([STRUCTURE_ROWS[i] for i in t.index], name="measure")
    return t.rename(columns={"pyomo": "Pyomo", "casadi": "CasADi"})


def components_table() -> pd.DataFrame:
    """The Pyomo model's components: name, kind, meaning."""
    return pd.DataFrame([(kind, what) for kind, what in PYOMO_COMPONENTS.values()],
                        index=pd.Index(list(PYOMO_COMPONENTS), name="component"), columns=["kind", "meaning"])


def solution_table(st: xr.Dataset) -> pd.DataFrame:
    """The solutions as the page shows them (missing values, e.g. of an unsolved model, as –)."""
    t = table(st, "solver", "sol_", index="solver")
    t["status"] = t["status"].astype(str)
    t["time_ms"] = 1000 * t.time_s.astype(float)
    t = fixed_columns(t, SOLUTION_DIGITS, group=tuple(SOLUTION_DIGITS))  # per row of the page: "731.10", not "731.1"
    return printable(t, SOLUTION_HEADERS).T


TSO_HEADERS = {"representation": "DS as", "engine": "engine", "status": "status", "objective": "objective ($/h)",
               "pcc_p_mw": "PCC P (MW)", "pcc_q_mvar": "PCC Q (Mvar)", "pcc_vm_pu": "PCC V (p.u.)",
               "solve_ms": "solver time (ms)", "wall_ms": "wall time (ms)", "iterations": "iterations"}


TSO_DIGITS = {"objective": 4, "pcc_p_mw": 4, "pcc_q_mvar": 4, "pcc_vm_pu": 6, "solve_ms": 1, "wall_ms": 1,
              "iterations": 0}
"""Decimals of the TSO runs' columns on the page (each with its thousands grouped, `forlab.book.tables.grouped`)."""


def tso_table(st: xr.Dataset) -> pd.DataFrame:
    """The TSO runs as the page shows them: one row per representation and engine (empty without runs)."""
    if "tso" not in st.dims:
        return pd.DataFrame(columns=list(TSO_HEADERS.values()))
    t = table(st, "tso", "tso_", index="tso")
    t["representation"] = [REPRESENTATIONS[str(r)] for r in t.representation]
    t["solve_ms"], t["wall_ms"] = 1000 * t.solve_time_s.astype(float), 1000 * t.wall_time_s.astype(float)
    t["iterations"] = t.iterations.astype(int).astype(object).where(t.iterations.astype(int) >= 0)
    t = fixed_columns(t, TSO_DIGITS, group=tuple(TSO_DIGITS))  # per column: "1.050000", not "1.05"
    t["status"] = [wrappable(s, "_") for s in t.status]  # Ipopt's statuses may break where they are long
    return printable(t, TSO_HEADERS).set_index("DS as")


TSO_SOLVE_COLUMNS = tuple(TSO_HEADERS[c] for c in ("solve_ms", "wall_ms", "iterations"))
"""The columns of `tso_table` that `tso_tables` shows in its second table, the solves' cost; the first keeps the
status and the optimum."""


def tso_tables(st: xr.Dataset) -> list[TitledTable]:
    """`tso_table` as the page shows it, in two titled tables (`forlab.book.tables.titled`), each row under its
    representation and engine: the status and the optimum found ($/h, MW, Mvar, p.u.), then the solver time, the wall
    time (ms) and the iterations. As one table of ten columns it was 768 px wide at its narrowest, past the 688 px
    column of a 1280 px window. No tables without runs (`tso_text` says why)."""
    t = tso_table(st)
    if t.empty:
        return []
    solve = list(TSO_SOLVE_COLUMNS)
    return [("**The optimum** of each TSO, the DS as its offer (P1) or its surrogate (P2):", t.drop(columns=solve)),
            ("**The solve** of each: the solver's own time, the wall time of the whole call and the iterations:",
             t[["engine", *solve]])]


def tso_agree(st: xr.Dataset) -> bool:
    """Whether the Pyomo and CasADi TSOs agree within the tolerances for every representation (False without
    runs)."""
    return "representation" in st.dims and bool((st.agree_agree == 1).all())
