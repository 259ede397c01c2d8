"""The multi-region MATPOWER test systems of the ALADIN authors' rapidPF, built from forlab's cases.

Source: the public rapidPF repository (KIT-IAI/rapidPF, MIT licence), file ``00_use-case/auxfuns/mpc_data.m`` at
commit b8ac022 (2023-01-09): each named system is a list of MATPOWER cases (system 1 the "transmission" case, the
others its "distribution" cases) and a *connection array* with one row ``[from_sys, to_sys, from_bus, to_bus]`` per
tie. Bus numbers are 1-based rows of the case's bus matrix (rapidPF applies MATPOWER's ``ext2int`` to case300 and
case1354pegase, whose external bus numbers are not consecutive; in case9/14/30/118 row and number coincide). The
rows are transcribed below as data (`SYSTEMS`); the merge follows rapidPF's case-file generator
(``01_generator/run_case_file_generator.m``, ``merge_systems.m``, ``auxfuns/build_connection_table.m``), rewritten
here for pandapower nets; no code is copied.

**How a tie is modelled** (rapidPF's choice, kept so that the systems are the authors' systems):

* A row with ``from_sys > to_sys`` is first turned round, so that every tie runs from the lower-numbered system
  (rapidPF's ``check_ordering``).
* Each tie is a transformer branch from the lower system's bus (the tap side) to the higher system's bus with the
  parameters of rapidPF's use-case scripts (``00_use-case/main_test.m``): r = 0, x = 0.00623 p.u. on 100 MVA,
  b = 0, off-nominal ratio 0.985, no phase shift and no rating (`TIE`).
* rapidPF only connects generator buses (``check_connection``: a tie at a PQ bus is an error; checked here too).
  Only the first system's slack stays the angle reference of the one synchronous system: the slack of every later
  system becomes an ordinary generator with the slack's limits, set-point and cost.
* Generators at tie ends (``generators``): rapidPF, written for power flow, removes every generator at a later
  system's tie end with its cost (and the slack too when it is a tie end; ``replace_slack_and_generators``), so
  that the tie brings the power they produced; ``generators="replace"`` does the same. forlab's default
  ``"keep"`` leaves them in place, because for the AC-OPF the removal is not needed (the tie adds a branch, a
  generator at its end stays dispatchable) and it makes 53-I unsolvable: with case9's generators at buses 1 and 3
  gone, its import has to cross case30's 16-65 MVA lines, and forlab's centralized AC-OPF (MATPOWER's MVA limits)
  stops at Ipopt's iteration limit even after 5000 iterations, while every system solves with the generators
  kept (measured when this module was written; pandapower's own OPF, with current limits that grow with the
  voltage, finds a point with four case30 lines at 100 %).

**Region identity.** Every system is one region: ``net.bus["zone"]`` (and the ``zone`` column of every element)
holds the region name ``R<k>-<case>`` (e.g. ``"R2-case30"``), the tie transformers carry ``"tie"``; ``net["regions"]``
lists the names in order and ``net["ties"]`` describes the ties. `forlab.p3_aladin.partition` (``method="zone"``)
cuts the net exactly there. Bus and element indices of region k are the case's own plus ``(k - 1) * 10000``.

Units: MW, Mvar, kV, p.u. on ``sn_mva`` = 100 MVA (every case used has baseMVA 100); costs in $/h as in MATPOWER.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

from forlab.grid import cases

__all__ = ["GENERATORS", "SOURCE", "SYSTEMS", "TIE", "MultiRegionSystem", "available", "load", "region_of"]

SOURCE = ("KIT-IAI/rapidPF, 00_use-case/auxfuns/mpc_data.m (commit b8ac022, 2023-01-09); merge rules: "
          "01_generator/merge_systems.m; tie parameters: 00_use-case/main_test.m")
"""Where the systems and their merge rules come from."""

TIE = {"r_pu": 0.0, "x_pu": 0.00623, "b_pu": 0.0, "ratio": 0.985, "shift_degree": 0.0}
"""The tie transformer of rapidPF's use-case scripts (p.u. on 100 MVA; ratio at the from bus; no rating)."""

OFFSET = 10000
"""Index offset per region: bus b of region k is ``(k - 1) * OFFSET + b`` (case1354pegase's indices stay < 9300)."""


@dataclass(frozen=True)
class MultiRegionSystem:
    """A named system of mpc_data.m: its cases (system 1 first) and connection rows (from_sys, to_sys, from_bus,
    to_bus; systems and bus rows 1-based, as in the source)."""

    cases: tuple[str, ...]
    ties: tuple[tuple[int, int, int, int], ...]


# The connection arrays of mpc_data.m. The families 418-k (k >= 3), 1654-k, 2708-k and 118Xn are nested in the
# source: each larger system repeats the rows of the smaller ones and adds more, so one list per family is kept
# and a system takes its first k rows.
_53_I = ((2, 1, 1, 2), (2, 3, 2, 3), (2, 3, 13, 1))
_53_II = ((1, 2, 2, 1), (1, 2, 3, 22), (1, 3, 6, 2), (1, 3, 8, 1), (2, 3, 13, 3))
_118X = ((2, 1, 1, 8), (2, 3, 10, 100), (2, 3, 32, 70), (1, 4, 19, 74), (4, 5, 113, 92), (5, 6, 116, 72),
         (1, 7, 10, 32), (1, 8, 32, 100), (8, 9, 10, 74), (7, 9, 70, 113), (8, 10, 19, 100))
_418_1 = ((1, 2, 169, 8),)
_418 = ((1, 2, 10, 1), (2, 1, 100, 8), (1, 2, 170, 61), (1, 2, 120, 32), (1, 2, 260, 80), (1, 2, 132, 110),
        (1, 2, 250, 62), (1, 2, 256, 19), (1, 2, 206, 46), (1, 2, 156, 15))
_1654 = ((34, 19), (610, 69), (744, 120), (1310, 150), (360, 215), (87, 255), (499, 260), (1016, 192), (1234, 296),
         (920, 131), (233, 199), (421, 156), (986, 88), (1086, 222), (387, 267), (551, 8), (152, 10), (150, 55),
         (715, 63), (1177, 251), (270, 103), (323, 169), (444, 177), (1191, 250), (1274, 262), (106, 77),
         (627, 164), (822, 220), (1254, 248), (1335, 258))
_2708 = ((21, 21), (57, 51), (135, 79), (654, 101), (1089, 114), (104, 191), (255, 278), (286, 793), (702, 1060),
         (844, 1277), (355, 1026), (422, 1092), (484, 1140), (617, 1240), (744, 1328), (193, 744), (551, 822),
         (918, 863), (1023, 986), (1191, 1000), (375, 356), (806, 419), (987, 480), (1240, 551), (1306, 598),
         (320, 383), (749, 498), (811, 624), (971, 918), (1335, 1181))


def _two(pairs) -> tuple[tuple[int, int, int, int], ...]:
    return tuple((1, 2, f, t) for f, t in pairs)


SYSTEMS: dict[str, MultiRegionSystem] = {
    "53-I": MultiRegionSystem(("case14", "case30", "case9"), _53_I),
    "53-II": MultiRegionSystem(("case14", "case30", "case9"), _53_II),
    **{f"118X{n}": MultiRegionSystem(("case118",) * n, _118X[:k]) for n, k in ((3, 3), (7, 7), (8, 8), (10, 11))},
    "418-1": MultiRegionSystem(("case300", "case118"), _418_1),
    **{f"418-{k}": MultiRegionSystem(("case300", "case118"), _418[:k]) for k in (3, 5, 8, 10)},
    **{f"1654-{k}": MultiRegionSystem(("case1354pegase", "case300"), _two(_1654[:k]))
       for k in (1, 3, 5, 8, 10, 12, 16, 20, 25, 30)},
    **{f"2708-{k}": MultiRegionSystem(("case1354pegase", "case1354pegase"), _two(_2708[:k]))
       for k in (1, 5, 10, 15, 20, 30)},
}
"""Every system of mpc_data.m that forlab's registered cases can build (4062-k needs three case1354pegase and
4662 case2869pegase: left out)."""


def available() -> list[str]:
    """Names accepted by `load`."""
    return list(SYSTEMS)


def _check_name(name) -> MultiRegionSystem:
    if not isinstance(name, str) or name not in SYSTEMS:
        near = difflib.get_close_matches(str(name), SYSTEMS, n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise ValueError(f"unknown multi-region system {name!r}{hint}; choose one of {', '.join(SYSTEMS)}")
    return SYSTEMS[name]


def ordered_ties(system: MultiRegionSystem) -> pd.DataFrame:
    """The connection rows with every tie running from the lower-numbered system (rapidPF's ``check_ordering``):
    columns from_sys, to_sys, from_row, to_row (1-based, as in the source)."""
    rows = []
    for fs, ts, fb, tb in system.ties:
        rows.append((fs, ts, fb, tb) if fs < ts else (ts, fs, tb, fb))
    return pd.DataFrame(rows, columns=["from_sys", "to_sys", "from_row", "to_row"])


def _is_generator_bus(net, bus: int) -> bool:
    """A bus with an in-service generator or the slack (MATPOWER bus type PV or REF)."""
    return bool(((net.gen.bus == bus) & net.gen.in_service).any() or ((net.ext_grid.bus == bus)
                                                                        & net.ext_grid.in_service).any())


def _tie_buses(nets: list, ties: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """pandapower bus (in its own case) of both ends of every tie; ValueError when an end is not a generator bus
    (rapidPF's ``check_connection``) or lies outside its case."""
    ends = []
    for side in ("from", "to"):
        out = []
        for sys_, row in zip(ties[f"{side}_sys"], ties[f"{side}_row"]):
            net = nets[sys_ - 1]
            if not 1 <= row <= len(net.bus):
                raise ValueError(f"{name}: tie bus row {row} outside {net.name} ({len(net.bus)} buses)")
            bus = int(net.bus.index[row - 1])
            if not _is_generator_bus(net, bus):
                raise ValueError(f"{name}: tie bus row {row} of {net.name} is not a generator bus")
            out.append(bus)
        ends.append(np.array(out, dtype=int))
    return ends[0], ends[1]


def _release(net, tie_buses: set[int]) -> None:
    """In place, for a system after the first: turn its slack into a generator with the slack's limits, set-point
    and cost; with ``tie_buses`` (``generators="replace"``, rapidPF's ``replace_slack_and_generators``) first drop
    the generators at those buses with their costs, the slack too when it sits at one of them."""
    drop = net.gen.index[net.gen.bus.isin(tie_buses)]
    net.poly_cost = net.poly_cost[~((net.poly_cost.et == "gen") & net.poly_cost.element.isin(drop))]
    net.gen = net.gen.drop(drop)
    for eg, row in net.ext_grid.iterrows():
        cost = net.poly_cost[(net.poly_cost.et == "ext_grid") & (net.poly_cost.element == eg)]
        net.poly_cost = net.poly_cost.drop(cost.index)
        if int(row.bus) in tie_buses:
            continue
        gid = pp.create_gen(net, bus=int(row.bus), p_mw=0.0, vm_pu=float(row.vm_pu), min_p_mw=float(row.min_p_mw),
                            max_p_mw=float(row.max_p_mw), min_q_mvar=float(row.min_q_mvar),
                            max_q_mvar=float(row.max_q_mvar), controllable=True, name="former slack")
        if len(cost):
            c = cost.iloc[[0]].copy()
            c[["et", "element"]] = ["gen", gid]
            c.index = [int(net.poly_cost.index.max()) + 1 if len(net.poly_cost) else 0]
            net.poly_cost = pd.concat([net.poly_cost, c])
    net.ext_grid = net.ext_grid.iloc[0:0]


_TABLES = {"bus": (), "line": ("from_bus", "to_bus"), "trafo": ("hv_bus", "lv_bus"),
           "impedance": ("from_bus", "to_bus"), "load": ("bus",), "sgen": ("bus",), "shunt": ("bus",),
           "gen": ("bus",), "ext_grid": ("bus",), "poly_cost": ()}
"""The tables merged and their bus columns (the cases used have no other elements; `_append` checks)."""


def _append(net, sub, k: int, region: str) -> None:
    """Append region ``k`` (1-based) to ``net`` in place: every index and bus reference shifted by
    ``(k - 1) * OFFSET``, every row labelled with the region (``zone``)."""
    shift = (k - 1) * OFFSET
    for elm in ("switch", "trafo3w", "ward", "xward", "dcline", "storage", "pwl_cost"):
        if elm in sub and len(sub[elm]):
            raise ValueError(f"{sub.name} has '{elm}' elements, which multi-region systems do not merge")
    for tab, bus_cols in _TABLES.items():
        add = sub[tab].copy()
        if not len(add):
            continue
        for col in bus_cols:
            add[col] = add[col].astype(np.int64) + shift
        if tab == "poly_cost":
            add["element"] = add["element"].astype(np.int64) + shift
        else:
            add["zone"] = region
        add.index = add.index + shift
        net[tab] = pd.concat([net[tab], add]) if len(net[tab]) else add
    for tab in _TABLES:
        if "in_service" in net[tab].columns:
            net[tab]["in_service"] = net[tab]["in_service"].fillna(True).astype(bool)


def _add_ties(net, ties: pd.DataFrame) -> None:
    """One tie transformer (`TIE`) per row of ``ties`` (global pandapower buses ``from_bus`` -> ``to_bus``): the
    ratio at the from bus as pandapower's rated-voltage ratio, the reactance as short-circuit voltage on 100 MVA,
    no rating (a loading limit far beyond any flow)."""
    base = 100.0
    trafos = []
    for f, t in zip(ties.from_bus, ties.to_bus):
        tid = pp.create_transformer_from_parameters(
            net, hv_bus=int(f), lv_bus=int(t), sn_mva=base, vn_hv_kv=TIE["ratio"] * float(net.bus.vn_kv[f]),
            vn_lv_kv=float(net.bus.vn_kv[t]), vk_percent=100.0 * TIE["x_pu"], vkr_percent=100.0 * TIE["r_pu"],
            pfe_kw=0.0, i0_percent=0.0, shift_degree=TIE["shift_degree"], max_loading_percent=1e9,
            name=f"tie {f}-{t}")
        trafos.append(tid)
    net.trafo.loc[trafos, "zone"] = "tie"
    ties["trafo"] = trafos


GENERATORS = ("keep", "replace")
"""What happens to the generators at a later system's tie ends (module docstring)."""


def load(name: str, generators: str = "keep"):
    """The multi-region system ``name`` (one of `available`) as one pandapower net (module docstring): regions
    ``R<k>-<case>`` in ``net.bus["zone"]``, ``net["regions"]`` (names in order) and ``net["ties"]`` (one row per
    tie: from/to region, from/to bus in the net, the source's bus rows, the tie transformer). Deterministic.

    generators: "keep" (default) or "replace" (rapidPF's rule: drop the generators at the tie ends of every system
        after the first).
    """
    system = _check_name(name)
    if generators not in GENERATORS:
        raise ValueError(f"generators must be one of {GENERATORS}, not {generators!r}")
    nets = [cases.load(c) for c in system.cases]
    ties = ordered_ties(system)
    bad = sorted((set(ties.from_sys) | set(ties.to_sys)) - set(range(1, len(nets) + 1)))
    if bad:
        raise ValueError(f"{name}: ties name systems {bad} but there are {len(nets)}")
    f_local, t_local = _tie_buses(nets, ties, name)
    regions = [f"R{k}-{c}" for k, c in enumerate(system.cases, start=1)]
    net = pp.create_empty_network(name=name, sn_mva=nets[0].sn_mva, f_hz=nets[0].f_hz)
    for k, sub in enumerate(nets, start=1):
        if k > 1:
            at_ties = t_local[ties.to_sys.to_numpy() == k] if generators == "replace" else []
            _release(sub, {int(b) for b in at_ties})
        _append(net, sub, k, regions[k - 1])
    ties["from_region"] = [regions[s - 1] for s in ties.from_sys]
    ties["to_region"] = [regions[s - 1] for s in ties.to_sys]
    ties["from_bus"] = f_local + (ties.from_sys.to_numpy() - 1) * OFFSET
    ties["to_bus"] = t_local + (ties.to_sys.to_numpy() - 1) * OFFSET
    _add_ties(net, ties)
    net["regions"] = regions
    net["ties"] = ties
    net["source_file"] = SOURCE
    net["kind"] = "multi-region"
    net["generators"] = generators
    return net


def region_of(net) -> pd.Series:
    """The region of every bus of a multi-region net (bus index -> region name): the map
    `forlab.p3_aladin.partition` reads from ``net.bus["zone"]``."""
    if "regions" not in net:
        raise ValueError(f"net {net.name!r} is not a multi-region system (no net['regions']): build it with load()")
    return net.bus["zone"].astype(str)
