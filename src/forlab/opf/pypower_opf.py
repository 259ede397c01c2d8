"""MATPOWER's AC-OPF as PYPOWER runs it: a reference optimum for every MATPOWER transmission case.

PYPOWER (`pypower` on PyPI, R. Lincoln) is a Python port of MATPOWER's ``runopf``: the same polar formulation with
apparent-power branch limits, solved by MIPS, MATPOWER's primal-dual interior point. forlab's AC-OPF shares no code
with it (forlab converts the MATPOWER file to a pandapower net and solves its own CasADi NLP with Ipopt), so PYPOWER's
optimum on the same MATPOWER data checks forlab's whole chain with another engine. It covers every transmission
case; the registry of published anchors (`forlab.book.anchors.runopf_optimum`) holds MATPOWER's own run for only
five of them.

One departure from the file, made explicit: a branch whose ``RATE_A`` is 0 (MATPOWER's "no limit") gets the
stand-in rating `UNLIMITED_MVA`, the one PYPOWER's own copies of these cases write. PYPOWER 5.1.21 fails on a case
with no flow limit at all: its interior point cannot join an empty 2-D limit block to the linear constraints under
numpy 2 (case14, case57, case118 and case300 as MATPOWER ships them; measured on this stack). The stand-in must not
bind, and `pypower_runopf` fails the solve when one does.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from forlab.grid import cases

__all__ = ["OUTCOME_KEYS", "UNLIMITED_MVA", "pypower_case", "pypower_runopf"]

UNLIMITED_MVA = 9900.0
"""The rating (MVA) that stands in for MATPOWER's ``RATE_A = 0`` ("no limit"): PYPOWER's own copies of case14,
case57, case118 and case300 write it there. Far above any flow of these cases, so that it never binds."""

OUTCOME_KEYS = ("pypower_success", "pypower_status", "pypower_objective", "pypower_wall_time_s")
"""What `pypower_runopf` returns, in order (the columns of chapter 02's ``net`` table it fills)."""

BINDING_TOL = 1e-6
"""A stand-in rating binds when a multiplier of its flow limit (MATPOWER's ``MU_SF``, ``MU_ST``, $/MVAh) exceeds
this."""


def pypower_case(name: str) -> tuple[dict, np.ndarray]:
    """The PYPOWER case of MATPOWER transmission case ``name``, read from the MATPOWER file forlab loads
    (`forlab.grid.cases.matpower_file`, `forlab.grid.cases.parse_m`; MATPOWER's bus numbers, which PYPOWER renumbers
    itself), with `UNLIMITED_MVA` where ``RATE_A`` is 0; and which branches got it. ValueError for any other name
    (a DS file's units need the conversions of `forlab.grid.cases.load`)."""
    if name not in cases.TRANSMISSION:
        raise ValueError(f"PYPOWER's reference runs on the MATPOWER transmission cases only: {name!r} is not one of "
                         f"{list(cases.TRANSMISSION)}")
    from pypower.idx_brch import RATE_A

    mpc, _statements = cases.parse_m(cases.matpower_file(name).read_text())
    branch = np.array(mpc["branch"], float)
    unlimited = np.flatnonzero(branch[:, RATE_A] == 0)
    branch[unlimited, RATE_A] = UNLIMITED_MVA
    ppc = {"version": "2", "baseMVA": float(mpc["baseMVA"]), "bus": np.array(mpc["bus"], float),
           "gen": np.array(mpc["gen"], float), "branch": branch, "gencost": np.array(mpc["gencost"], float)}
    return ppc, unlimited


def pypower_runopf(name: str) -> dict:
    """PYPOWER's ``runopf`` on MATPOWER transmission case ``name`` (`pypower_case`, MIPS from the case's own point,
    as MATPOWER's default): ``pypower_success``, ``pypower_status`` ("converged", "not converged", "failed: <error>"
    or that a stand-in rating binds), ``pypower_objective`` ($/h; NaN unless it succeeded) and
    ``pypower_wall_time_s`` (s, one call: a reference, not a benchmark). A failed solve is a result, not an
    exception."""
    from pypower.api import ppoption, runopf
    from pypower.idx_brch import MU_SF, MU_ST

    ppc, unlimited = pypower_case(name)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():  # PYPOWER's own deprecation and division warnings are not forlab's
            warnings.simplefilter("ignore")
            res = runopf(ppc, ppoption(VERBOSE=0, OUT_ALL=0))
    except Exception as err:  # noqa: BLE001 - a reference that fails is recorded as failed, never a number
        return _outcome(False, f"failed: {type(err).__name__}: {err}", np.nan, time.perf_counter() - t0)
    wall = time.perf_counter() - t0
    if not res["success"]:
        return _outcome(False, "not converged", np.nan, wall)
    mu = np.abs(res["branch"][unlimited][:, [MU_SF, MU_ST]]) if len(unlimited) else np.zeros((0, 2))
    binding = int(np.sum(mu.max(axis=1, initial=0.0) > BINDING_TOL))
    if binding:
        return _outcome(False, f"stand-in rating of {UNLIMITED_MVA:g} MVA binds on {binding} branch(es)", np.nan, wall)
    return _outcome(True, "converged", float(res["f"]), wall)


def _outcome(success: bool, status: str, objective: float, wall_s: float) -> dict:
    return dict(zip(OUTCOME_KEYS, (success, status, objective, wall_s)))
