"""How far some buses' voltage limits must give way for an AC-OPF to have a solution: the elastic AC-OPF.

An AC-OPF that Ipopt stops (its wall-time limit, its iteration cap) or that fails in its restoration phase leaves
only its status, and a status does not tell a problem without a solution from one the solver did not find. The
elastic AC-OPF asks a narrower question, which has an answer: with one more variable ``w`` (p.u.) the limits of the
chosen buses become

    vmin_b - w <= vm_b <= vmax_b + w,    0 <= w <= ROOM,

and the objective becomes the unit cost plus ``PENALTY * w``. Every other limit stays. Its ``w`` at a local solution
is the least widening that solve finds: ``w`` > 0 says that, as far as a local solver can tell, the original
problem has no solution unless those limits give way by ``w``. A local solver cannot prove that no other operating
point needs less, so the book says "as far as a local solve can tell", never "infeasible".

Why a penalty and not ``min w`` alone: with no cost on them, the transmission units' set-points are free along
whole directions of the solution set, and Ipopt crept along them. Measured (chapter 12's system with 112 DSs, every
FPU held, the DS buses' limits elastic; in one sitting at the commit that made this module): ``min 100 w`` alone
stopped at Ipopt's 500-iteration cap, its ``w`` at 0.00583 p.u. and still falling in the fifth decimal; with the
unit cost added it solved in 66 iterations (12.6 s) at ``w`` = 0.00598 p.u. with ``PENALTY`` 1e6 $/h per p.u., and
in 76 (15.6 s) at 0.00583 p.u. with 1e7. The penalty is exact once it exceeds what a widening saves in unit cost
(the multiplier of ``w``): 1e6 was not there, 1e7 gives the plateau that ``min w`` was creeping along.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from forlab.opf.acopf import ACOPF, Extension

PENALTY = 1e7
"""Cost of widening the elastic buses' limits by 1 p.u. (currency per hour per p.u.; module docstring: measured exact
on chapter 12's largest system)."""

ROOM = 0.1
"""The largest widening the elastic AC-OPF may take (p.u.): the buses' own bounds in its model are widened by this
much, so that only the elastic rows bind."""

AT_LIMIT_TOL = 1e-6
"""How close to a widened limit (p.u.) a bus counts as sitting at it (`Widening.below`, `Widening.above`): Ipopt's interior point
stops this close to an active bound."""


@dataclass(frozen=True)
class Widening:
    """Outcome of one elastic AC-OPF (`least_widening`).

    widening_pu: the least widening the local solve found (p.u.); NaN unless it solved.
    status: Ipopt's status, "ok" when it solved, or "failed: " and why.
    below, above: the pandapower buses that sit at their widened lower / upper limit at that solution, beyond their
        own (both empty unless ``widening_pu`` > `AT_LIMIT_TOL`): where the limits give way, and which way.
    """

    widening_pu: float
    status: str
    below: np.ndarray
    above: np.ndarray


def least_widening(net, buses, time_limit_s: float) -> Widening:
    """The elastic AC-OPF of ``net`` (module docstring) with the voltage limits of ``buses`` (pandapower bus
    indices) elastic, solved by Ipopt from the power-flow start, stopped after ``time_limit_s`` s. ``net`` is not
    changed. A solve that fails is a `Widening` with its status, never an exception."""
    buses = np.asarray(buses, int)
    if not len(buses):
        raise ValueError("least_widening needs at least one bus whose voltage limits may give way")
    lo = net.bus.loc[buses, "min_vm_pu"].to_numpy(float)
    hi = net.bus.loc[buses, "max_vm_pu"].to_numpy(float)
    elastic = copy.deepcopy(net)
    elastic.bus.loc[buses, "min_vm_pu"] = lo - ROOM
    elastic.bus.loc[buses, "max_vm_pu"] = hi + ROOM
    res = ACOPF(elastic, extensions=[_elastic_rows(buses, lo, hi)], ipopt={"max_wall_time": float(time_limit_s)}).solve()
    if not res.success:
        return Widening(np.nan, f"failed: {res.status}", np.zeros(0, int), np.zeros(0, int))
    # Ipopt may leave w a hair below its bound 0 (its bound relaxation): no widening is 0
    w = max(float(np.asarray(res.extra["widen"]).ravel()[0]), 0.0)
    if w <= AT_LIMIT_TOL:
        return Widening(w, "ok", np.zeros(0, int), np.zeros(0, int))
    vm = res.res_bus.vm_pu.loc[buses].to_numpy(float)
    return Widening(w, "ok", buses[vm <= lo - w + AT_LIMIT_TOL], buses[vm >= hi + w - AT_LIMIT_TOL])


def _elastic_rows(buses: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Extension:
    """The variable ``w``, its rows ``vm_b + w >= vmin_b`` and ``vm_b - w <= vmax_b`` and its cost ``PENALTY * w``."""

    def rows(model, sym):
        vm = sym.vm[model.bus_lookup.loc[buses].to_numpy().tolist()]
        w = sym.extra_x["widen"]
        return [(vm + w, lo, np.inf), (vm - w, -np.inf, hi)]

    return Extension(variables={"widen": (1, 0.0, ROOM)}, constraints=rows,
                     objective=lambda model, sym: [PENALTY * sym.extra_x["widen"]])
