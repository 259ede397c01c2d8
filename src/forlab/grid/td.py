"""Flexibility-providing units and integrated T+D study systems.

* `add_fpu`, `add_default_fpus`, `fpus`, `is_fpu`, `fpu_index`, `chart_of`: distributed generators with a PQ chart
  (`forlab.grid.capability`) as controllable pandapower sgens with a quadratic cost in ``net.poly_cost``.
* `derive_branch_limits`: current limits for distribution grids that have none in their data.
* `StudySystem`, `load_system`, `available_systems`: a transmission system (TS) with distribution systems (DS)
  attached at TS load buses through points of common coupling (PCC): the T+D system construction of chapter 02's
  section "The study systems".
* `parse_system`, `many_ds_name`, `ts_capacity`: study-system names, below.

System names. `load_system` takes a named system of `SYSTEMS` (`available_systems`) or a composite name
``"<ts>+<ds>[*<n>]+<ds>[*<n>]..."`` (`SYSTEM_GRAMMAR`): a transmission case of `forlab.grid.cases`, then
distribution cases, each attached n >= 1 times (default 1), e.g. ``"case118+case33bw*8"``,
``"case300+case33bw*4+case69*4"``, ``"case1354pegase+case141*64"``. A name in `SYSTEMS` takes that definition
(``"case30+case33bw-2pcc"`` keeps its second PCC); any other name is parsed (`parse_system`, which also validates a
name without building it); `many_ds_name` draws N DSs from a pool of cases with a seed. Each DS is one DSO with its
own name: its case when the case is used once in the system, ``"<case>#1"`` ... ``"<case>#k"`` when it is used
k > 1 times. That name keys `StudySystem.ds`, the pcc table's ``ds``, the TS's ``ds_import`` loads, the ``ts_buses``
and ``n_fpus`` dicts of `load_system`, and is the DS's zone in `StudySystem.integrated`. A TS takes as many PCCs as
it has non-slack buses with a positive load (`ts_capacity`); DSs are attached in the order of the name.

Units: MW, Mvar, MVA, kV, kA, p.u.; costs in the TS case's currency per hour (MATPOWER: $/h), so an FPU cost
``c(p) = a p^2 + b p`` has b in $/MWh and a in $/(MW^2 h).

How a DS is attached (defaults in brackets, all parameters of `load_system`):

1. The DS is loaded with its ties closed ["all"]. Its root (the ext_grid bus of the MATPOWER case) becomes the PCC,
   an ext_grid held at the TS bus's base-case voltage magnitude; DS angles are referenced to the PCC angle. The
   MATPOWER cost of the DS's slack is dropped: the price of imported energy is the TS's business.
2. The TS load bus k it replaces is the unused non-slack load bus that best fits the DS (smallest
   |log(P_k / P_DS)| + |Q_k/P_k - Q_DS/P_DS|), unless given.
3. The DS is scaled by s so that its base-case import equals the TS load P at k. When P_k / P_DS lies within
   ``load_scaling_range`` [0.8, 1.25] only the loads are scaled (iterated to 1e-9 relative error, since losses change
   with the loads). Otherwise the DS is scaled as s identical feeders in parallel: loads and every branch
   admittance and rating times s, which keeps its per-unit voltages and loadings as published (e.g. case33bw,
   3.9 MW, at a 90 MW case9 bus: s = 23.5). s, the mode and the reactive mismatch Q_DS - Q_k are recorded per PCC:
   the TS bus then carries the DS's Q, not its own.
4. FPUs of mixed chart types are placed at spread-out DS load buses (`add_default_fpus`), sized against the scaled
   load, with linear costs spread around the TS marginal cost; their initial set-point is the chart point closest to
   zero output, so they leave the base case unchanged.
5. A DS with a second PCC gets a second ext_grid at its electrically farthest bus from the root, coupled to the free
   TS load bus closest in voltage angle to the first PCC bus; that bus keeps its own load and additionally carries
   the DS's import there. The DS's total import matches the load it replaces at the first PCC.
6. The TS alone carries each DS import as a load; TS and DS power flows are iterated until they agree at the PCCs
   (voltage magnitude, angle difference between PCCs, import) to 1e-8.
7. Branch limits are derived from this base case where the data have none (`derive_branch_limits`), and DS bus
   voltage limits set to ``vm_limits`` [0.95, 1.05] p.u.

In the integrated net each PCC is a near-ideal transformer (hv = TS bus, lv = DS bus, 100 MVA, vk 0.01 %, no losses,
no tap): TS and DS voltage levels differ, and pandapower converts line ohms with the from-bus voltage, so the buses
are not merged.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandapower as pp
import pandapower.topology as top
import pandas as pd

from forlab.grid import cases
from forlab.grid.capability import Circle, Polygon, PowerFactorCone, PQChart, Rectangle, as_chart

TS_ZONE = "TS"
"""Zone name of the transmission buses and branches of an integrated T+D net (``net.bus["zone"]`` of
`StudySystem.integrated`; a DS's zone is its name)."""

__all__ = [
    "DEFAULT_KINDS",
    "SYSTEMS",
    "SYSTEM_GRAMMAR",
    "DSSpec",
    "StudySystem",
    "add_default_fpus",
    "add_fpu",
    "available_systems",
    "chart_of",
    "default_chart",
    "derive_branch_limits",
    "fpu_index",
    "fpus",
    "is_fpu",
    "load_system",
    "many_ds_name",
    "parse_system",
    "ts_capacity",
    "ts_marginal_cost",
    "warm_up",
    "without_flexibility",
]

DEFAULT_KINDS: tuple[str, ...] = ("rectangle", "circle", "cone", "polygon")
UNLIMITED_KA = 9999.0
"""A line current limit at or above this (kA) means "no limit" (from_ppc writes 99999 for MATPOWER's rateA = 0)."""

PCC_TRAFO = {"sn_mva": 100.0, "vk_percent": 0.01, "vkr_percent": 0.0, "pfe_kw": 0.0, "i0_percent": 0.0}
"""Parameters of the near-ideal PCC transformer: 0.01 % short-circuit voltage on 100 MVA, lossless, no tap."""


def pcc_reactance_pu(system) -> dict[str, float]:
    """DS name -> the series reactance of its PCC transformer (`PCC_TRAFO`), p.u. on the TS's base power: what a TSO
    that models its coupling transformers needs (`forlab.p1_for.tso.TSOForOPF`'s ``pcc_x_pu``). Lossless (no series
    resistance), so the reactance is the short-circuit voltage."""
    x = PCC_TRAFO["vk_percent"] / 100.0 * float(system.ts.sn_mva) / PCC_TRAFO["sn_mva"]
    return {str(ds): x for ds in system.pcc.ds.unique()}

_POLYGON_UNIT = ((0.0, -0.3), (0.8, -0.45), (1.0, -0.2), (1.0, 0.3), (0.7, 0.55), (0.0, 0.45))
"""Default polygon chart per MW of rated P: a capability curve with a lower Q limit when leading."""


# ----------------------------------------------------------------------------------------------------------------------
# flexibility-providing units
# ----------------------------------------------------------------------------------------------------------------------


def add_fpu(
    net, bus: int, chart, cost_a: float, cost_b: float, name: str | None = None, p_mw=None, q_mvar=None
) -> int:
    """Add a flexibility-providing unit: a controllable sgen with a PQ chart and a quadratic cost; returns its index.

    chart: a `PQChart` (or its dict/JSON), in MW/Mvar. Cost c(p) = cost_a p^2 + cost_b p with p in MW, stored in
    ``net.poly_cost`` (et "sgen", cp2_eur_per_mw2 = cost_a, cp1_eur_per_mw = cost_b; currency per hour).
    ``net.sgen["chart"]`` holds ``chart.to_json()`` (None for other sgens); ``min/max_p_mw``, ``min/max_q_mvar`` are
    the chart's bounding box. The initial set-point (p_mw, q_mvar) defaults to the chart point closest to (0, 0) and
    must lie inside the chart.
    """
    chart = as_chart(chart)
    if bus not in net.bus.index:
        raise ValueError(f"bus {bus} is not in the net")
    for label, value in (("cost_a", cost_a), ("cost_b", cost_b)):
        if not math.isfinite(float(value)):
            raise ValueError(f"{label} must be finite, got {value}")
    p0, q0 = chart.nearest(0.0, 0.0)
    p0 = p0 if p_mw is None else float(p_mw)
    q0 = q0 if q_mvar is None else float(q_mvar)
    if not bool(chart.contains(p0, q0, tol=1e-9 * max(1.0, abs(p0), abs(q0)))):
        raise ValueError(f"initial set-point ({p0}, {q0}) lies outside the chart {chart!r}")
    p_min, p_max, q_min, q_max = chart.bounds()
    if "chart" not in net.sgen.columns:
        net.sgen["chart"] = pd.Series([None] * len(net.sgen), index=net.sgen.index, dtype=object)
    idx = pp.create_sgen(
        net,
        bus,
        p_mw=p0,
        q_mvar=q0,
        sn_mva=math.hypot(max(abs(p_min), abs(p_max)), max(abs(q_min), abs(q_max))),
        name=name,
        type="FPU",
        controllable=True,
        min_p_mw=p_min,
        max_p_mw=p_max,
        min_q_mvar=q_min,
        max_q_mvar=q_max,
    )
    net.sgen["chart"] = net.sgen["chart"].astype(object)
    net.sgen.at[idx, "chart"] = chart.to_json()
    pp.create_poly_cost(net, idx, "sgen", cp1_eur_per_mw=float(cost_b), cp2_eur_per_mw2=float(cost_a))
    return int(idx)


def _runpp(net) -> None:
    """``pp.runpp(net)`` with the start voltage that its ``init="auto"`` computes (the mean set-point of the
    in-service ext_grids and gens, summed in pandapower's order) given directly: pandapower computes it with six
    ``DataFrame.query`` calls that cost about as much as the power flow of a DS, and a T+D system runs hundreds of
    those. Same start, same results; nets with VSCs (a third term) take the plain call."""
    if "vsc" in net and len(net.vsc):
        pp.runpp(net)
        return
    eg = net.ext_grid.vm_pu.to_numpy()[net.ext_grid.in_service.to_numpy(dtype=bool)]
    gen = net.gen.vm_pu.to_numpy()[net.gen.in_service.to_numpy(dtype=bool)]
    pp.runpp(net, init_vm_pu=(eg.sum() + gen.sum()) / (len(eg) + len(gen)))


def is_fpu(net) -> pd.Series:
    """Which static generators of ``net`` are FPUs: those in service with a PQ chart (`add_fpu` gives one to every
    FPU it adds, and makes it controllable). The one test of the book: the OPF's units flag the same sgens
    (`forlab.opf.network`, ``units.fpu``); P1's DSO model refuses a DS with any other unit than its PCC and its
    FPUs, P2's data set one with a controllable sgen that is no FPU."""
    if "chart" not in net.sgen.columns or not len(net.sgen):
        return pd.Series(False, index=net.sgen.index)
    charted = net.sgen["chart"].map(lambda c: isinstance(c, (str, dict)) and bool(c))  # JSON, or its dict
    return charted & net.sgen.in_service.astype(bool)


def fpu_index(net) -> pd.Index:
    """The sgen indices of the FPUs of ``net`` (`is_fpu`), in table order: the order of the OPF's units."""
    return net.sgen.index[is_fpu(net)]


def fpus(net) -> pd.DataFrame:
    """One row per FPU (index: sgen index): bus, name, kind, chart bounds (MW/Mvar), set-point, cost_a, cost_b, chart."""
    sel = net.sgen[is_fpu(net)]
    rows = []
    for idx, row in sel.iterrows():
        chart = as_chart(row["chart"])
        cost = net.poly_cost[(net.poly_cost.et == "sgen") & (net.poly_cost.element == idx)]
        p0, p1, q0, q1 = chart.bounds()
        rows.append(
            {
                "sgen": idx,
                "bus": int(row.bus),
                "name": row["name"],
                "kind": chart.kind,
                "p_min_mw": p0,
                "p_max_mw": p1,
                "q_min_mvar": q0,
                "q_max_mvar": q1,
                "p_mw": float(row.p_mw),
                "q_mvar": float(row.q_mvar),
                "cost_a": float(cost.cp2_eur_per_mw2.iloc[0]) if len(cost) else 0.0,
                "cost_b": float(cost.cp1_eur_per_mw.iloc[0]) if len(cost) else 0.0,
                "chart": row["chart"],
            }
        )
    cols = [
        "sgen",
        "bus",
        "name",
        "kind",
        "p_min_mw",
        "p_max_mw",
        "q_min_mvar",
        "q_max_mvar",
        "p_mw",
        "q_mvar",
        "cost_a",
        "cost_b",
        "chart",
    ]
    return pd.DataFrame(rows, columns=cols).set_index("sgen")


def without_flexibility(net):
    """A copy of ``net`` in which no DS flexibility is used: every FPU (`is_fpu`) a fixed injection at its set-point
    (``controllable`` False, so the OPF keeps it as it is: by `add_default_fpus` the chart point closest to zero
    output, which leaves the base case unchanged). Its AC-OPF optimises the TS units alone; judged on ``net`` itself
    (`forlab.opf.judge.judge`, where the FPUs keep their set-points and costs), its cost is what the T+D system costs
    without DS flexibility, against which the integrated AC-OPF's optimum gives what that flexibility is worth."""
    out = copy.deepcopy(net)
    out.sgen.loc[fpu_index(out), "controllable"] = False
    return out


def chart_of(net, sgen_idx: int) -> PQChart:
    """The PQ chart of FPU ``sgen_idx``; ValueError for an sgen without a chart."""
    spec = net.sgen.at[sgen_idx, "chart"] if "chart" in net.sgen.columns else None
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"sgen {sgen_idx} has no PQ chart")
    return PQChart.from_json(spec)


def default_chart(kind: str, p_rated_mw: float) -> PQChart:
    """The default chart of each kind for a unit of rated active power ``p_rated_mw`` (MW):
    rectangle 0..P x +-0.5 P; circle s = P/0.9 with 0 <= p <= P; cone pf >= 0.9 up to P; polygon `_POLYGON_UNIT` x P.
    """
    p = float(p_rated_mw)
    if kind == "rectangle":
        return Rectangle(0.0, p, -0.5 * p, 0.5 * p)
    if kind == "circle":
        return Circle(p / 0.9, p, 0.0)
    if kind == "cone":
        return PowerFactorCone(p, 0.9, 0.0)
    if kind == "polygon":
        return Polygon(tuple((a * p, b * p) for a, b in _POLYGON_UNIT))
    raise ValueError(f"unknown chart kind {kind!r}; choose from {DEFAULT_KINDS}")


def _impedance_graph(net) -> nx.Graph:
    """The in-service branches of ``net`` as a graph weighted by |z| in ohm ("z_ohm")."""
    return top.create_nxgraph(net, calc_branch_impedances=True, branch_impedance_unit="ohm", multi=False)


def _graph_distance(net, source: int, graph: nx.Graph | None = None) -> pd.Series:
    """Electrical distance (sum of |z| in ohm along the shortest path, in-service branches) from ``source``;
    ``graph``: `_impedance_graph` of ``net`` when already built."""
    g = _impedance_graph(net) if graph is None else graph
    dist = nx.single_source_dijkstra_path_length(g, source, weight="z_ohm")
    return pd.Series(dist).sort_index()


def _root_buses(net) -> list[int]:
    return [int(b) for b in net.ext_grid.bus[net.ext_grid.in_service.astype(bool)]]


def _spread_buses(net, candidates: Sequence[int], n: int, anchors: Sequence[int]) -> list[int]:
    """n buses of ``candidates`` spread out by farthest-point selection on electrical distance, starting away from
    the ``anchors`` (e.g. the root); deterministic."""
    cand = [int(b) for b in candidates]
    if n > len(cand):
        raise ValueError(f"{n} FPUs requested but only {len(cand)} candidate buses")
    # one graph, and distances only from the anchors and the picks: n + 1 Dijkstra runs, not one per candidate
    graph = _impedance_graph(net)

    def dist(bus: int) -> pd.Series:
        return _graph_distance(net, int(bus), graph).reindex(cand).fillna(np.inf)

    nearest = pd.Series(np.inf, index=cand)
    for a in anchors:
        nearest = np.minimum(nearest, dist(a))
    chosen: list[int] = []
    for _ in range(n):
        score = nearest.drop(chosen)
        pick = int(score.sort_index().idxmax())
        chosen.append(pick)
        nearest = np.minimum(nearest, dist(pick))
    return chosen


def _check_fpu_options(kinds, share: float, cost_slope: float) -> None:
    """ValueError/TypeError naming the FPU option to change: kinds must be a non-empty sequence of `DEFAULT_KINDS`
    (a bare str would be read letter by letter), share > 0, cost_slope >= 0 (a negative slope makes the cost
    concave, so an OPF would no longer be convex)."""
    if isinstance(kinds, str):
        raise TypeError(f"kinds must be a sequence of chart kinds, e.g. ({kinds!r},), not the str {kinds!r}")
    if not len(kinds) or any(k not in DEFAULT_KINDS for k in kinds):
        raise ValueError(f"kinds must be a non-empty sequence of chart kinds from {DEFAULT_KINDS}, got {kinds!r}")
    if not share > 0:
        raise ValueError(f"share must be > 0, got {share}")
    if not cost_slope >= 0:
        raise ValueError(f"cost_slope must be >= 0 (0 gives a linear FPU cost), got {cost_slope}")


def add_default_fpus(
    ds_net,
    n: int,
    kinds: Sequence[str] = DEFAULT_KINDS,
    share: float = 0.4,
    seed: int = 0,
    cost_b: tuple[float, float] = (10.0, 40.0),
    cost_slope: float = 0.2,
) -> list[int]:
    """Place n FPUs of mixed chart types at spread-out load buses of a DS; returns their sgen indices.

    share: total rated P of the FPUs as a fraction of the DS's total load P (sizes vary by a factor 0.5..1.5 drawn
    with ``seed``). kinds: a non-empty sequence of chart kinds, assigned in turn (`default_chart`). cost_b: range of
    the linear cost b ($/MWh); the n values are spread evenly over it (then shuffled), so some units are cheaper and
    some dearer than the TS's marginal cost. cost_slope: the quadratic term raises the marginal cost at rated output
    by this fraction of b (a = cost_slope * b / (2 P)), so cost_slope >= 0 keeps the cost convex. Buses:
    farthest-point selection on electrical distance (|z| in ohm) among buses with a positive load, away from the root.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    _check_fpu_options(kinds, share, cost_slope)
    lo, hi = (float(c) for c in cost_b)
    if hi < lo:
        raise ValueError(f"cost_b range ({lo}, {hi}) is empty")
    rng = np.random.default_rng(seed)
    load_p = ds_net.load[ds_net.load.in_service.astype(bool)].groupby("bus").p_mw.sum()
    total = float(load_p.sum())
    if total <= 0:
        raise ValueError(f"DS {ds_net.name!r} has no positive load to size FPUs against")
    buses = _spread_buses(ds_net, load_p.index[load_p > 0], n, _root_buses(ds_net))
    w = rng.uniform(0.5, 1.5, size=n)
    sizes = share * total * w / w.sum()
    bs = lo + (hi - lo) * (np.arange(n) + 0.5) / n
    bs = rng.permutation(bs)
    out = []
    for i, (bus, p_rated, b) in enumerate(zip(buses, sizes, bs)):
        kind = kinds[i % len(kinds)]
        a = cost_slope * b / (2 * p_rated)
        out.append(add_fpu(ds_net, bus, default_chart(kind, p_rated), a, b, name=f"FPU {i} ({kind})"))
    return out


# ----------------------------------------------------------------------------------------------------------------------
# branch limits
# ----------------------------------------------------------------------------------------------------------------------


def derive_branch_limits(net, margin: float = 1.5, floor: float = 0.2, run: bool = True) -> pd.Index:
    """Current limits for the lines that have none (``max_i_ka`` >= `UNLIMITED_KA`), from the base-case power flow.

    limit = margin * max(I_base, floor * I_base_max) in kA, where I_base is the line's base-case current and
    I_base_max the largest one in the net: lightly loaded lines and open ties get floor * margin * I_base_max.
    Writes ``max_i_ka`` and ``max_loading_percent`` = 100, records the rule in ``net["branch_limit_rule"]`` and
    returns the lines changed. ``run=False`` uses the power flow results already in ``net.res_line``.
    """
    if margin <= 0 or floor < 0:
        raise ValueError(f"margin must be > 0 and floor >= 0, got {margin}, {floor}")
    if run:
        _runpp(net)
    i_ka = net.res_line.i_ka.reindex(net.line.index).fillna(0.0)
    i_ka[~net.line.in_service.astype(bool)] = 0.0
    i_max = float(i_ka.max())
    if i_max <= 0:
        raise ValueError(f"net {net.name!r}: no line carries current in the base case")
    missing = net.line.index[net.line.max_i_ka >= UNLIMITED_KA]
    net.line.loc[missing, "max_i_ka"] = margin * np.maximum(i_ka[missing], floor * i_max)
    net.line["max_loading_percent"] = 100.0
    net["branch_limit_rule"] = (
        f"lines without a rating in the data ({len(missing)} of {len(net.line)}): max_i_ka = {margin} x "
        f"max(base-case current, {floor} x largest base-case current {i_max:.4g} kA); base case = loads as scaled, "
        f"ties as in the net, FPUs at their initial set-point"
    )
    return missing


# ----------------------------------------------------------------------------------------------------------------------
# study systems
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DSSpec:
    """A DS of a study system: case name, whether it has a second PCC, and its name.

    Each DS is one DSO; ``name`` identifies it everywhere (`StudySystem.ds`, the pcc table, zones) and defaults to
    the case. Its TS bus is `load_system`'s ``ts_buses`` (else chosen); the second PCC's buses are always chosen
    (module docstring, step 5), so no field can name a bus that is never checked.
    """

    case: str
    second_pcc: bool = False
    name: str = ""

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", self.case)


SYSTEMS: dict[str, tuple[str, tuple[DSSpec, ...]]] = {
    "case9+case33bw": ("case9", (DSSpec("case33bw"),)),
    "case30+case69+case33bw": ("case30", (DSSpec("case69"), DSSpec("case33bw"))),
    "case39+case118zh": ("case39", (DSSpec("case118zh"),)),
    "case118+case136ma+case141": ("case118", (DSSpec("case136ma"), DSSpec("case141"))),
    "case118+case533mt_hi": ("case118", (DSSpec("case533mt_hi"),)),
    "case30+case33bw-2pcc": ("case30", (DSSpec("case33bw", second_pcc=True),)),
}
"""Named study systems: TS case and its DSs."""


def second_pcc_dss(dss: tuple[DSSpec, ...]) -> list[str]:
    """The names of the DSs among ``dss`` (`parse_system`'s) tied to a second PCC: the systems where P1, which
    offers one region per PCC, cannot run (`forlab.p1_for.coordinate.single_pcc` checks a built system)."""
    return [ds.name for ds in dss if ds.second_pcc]


SYSTEM_GRAMMAR = '"<ts>+<ds>[*<n>]+<ds>[*<n>]...", e.g. "case118+case33bw*8+case69*2"'
"""Composite study-system names (module docstring): a transmission case, then DS cases, each n >= 1 times."""

_COUNT = re.compile(r"[0-9]+")


def available_systems() -> list[str]:
    """The named study systems (`SYSTEMS`). `load_system` also accepts every composite name of `SYSTEM_GRAMMAR`
    (`parse_system` validates one, `many_ds_name` draws one)."""
    return list(SYSTEMS)


def _name_error(name, problem: str) -> ValueError:
    return ValueError(
        f"study system {name!r}: {problem}. Use a named system ({', '.join(SYSTEMS)}) or a composite name "
        f"{SYSTEM_GRAMMAR}, where <ts> is a transmission case ({', '.join(cases.TRANSMISSION)}), <ds> a "
        f"distribution case ({', '.join(cases.DISTRIBUTION)}) and n >= 1 its number of copies"
    )


def _case_error(name, case: str, role: str) -> ValueError:
    """The part ``case`` of ``name`` is not a case of its role: "TS" (a transmission case) or "DS" (distribution)."""
    kind, pool = ("transmission", cases.TRANSMISSION) if role == "TS" else ("distribution", cases.DISTRIBUTION)
    if case in cases.available():
        what = f"a {cases.kind_of(case)} case, not a {kind} case"
    elif role == "TS" and "*" in case:
        what = "not a case: the TS takes no multiplier"
    else:
        close = difflib.get_close_matches(case, list(pool), n=3, cutoff=0.5)
        what = "not a registered case" + (f" (did you mean {', '.join(close)}?)" if close else "")
    return _name_error(name, f"{role} {case!r} is {what}")


def _parse_part(name: str, part: str) -> tuple[str, int]:
    """One DS part ``<ds>[*<n>]`` of a composite name: (case, copies)."""
    case, star, count = part.partition("*")
    if not case:
        raise _name_error(name, "a '+' without a DS after it" if not part else f"DS part {part!r} has no case")
    if case not in cases.DISTRIBUTION:
        raise _case_error(name, case, "DS")
    if star and not (_COUNT.fullmatch(count) and int(count) >= 1):
        raise _name_error(name, f"the multiplier in {part!r} must be a whole number >= 1, not {count!r}")
    return case, int(count) if star else 1


def parse_system(name: str) -> tuple[str, tuple[DSSpec, ...]]:
    """(TS case, DSs) of a study system name, without building it.

    A name of `SYSTEMS` takes its definition; any other name is read as a composite name (`SYSTEM_GRAMMAR`): a
    case used once gives one DS named after the case, a case used k > 1 times (over all parts) the DSs
    "<case>#1" ... "<case>#k" in order of appearance, each one DSO with one PCC. ValueError saying what is wrong
    (listing the grammar and the cases), also when the TS has fewer free load buses than DSs (`ts_capacity`).
    """
    if not isinstance(name, str):
        raise TypeError(f"a study system name is a str, not {type(name).__name__}")
    if name in SYSTEMS:
        return SYSTEMS[name]
    ts, *parts = name.split("+")
    if not ts:
        raise _name_error(name, "empty TS part")
    if ts not in cases.TRANSMISSION:
        raise _case_error(name, ts, "TS")
    if not parts:
        raise _name_error(name, "no DS: join the TS and its DSs with '+'")
    drawn = [_parse_part(name, part) for part in parts]
    totals = Counter()
    for case, k in drawn:
        totals[case] += k
    capacity = ts_capacity(ts)  # checked before the DSs are listed: "*1000000000" is a valid multiplier
    if sum(totals.values()) > capacity:
        raise _capacity_error(ts, capacity, f"{name!r} attaches {sum(totals.values())}")
    seen = Counter()
    specs = []
    for case, k in drawn:
        for _ in range(k):
            seen[case] += 1
            specs.append(DSSpec(case, name=case if totals[case] == 1 else f"{case}#{seen[case]}"))
    return ts, tuple(specs)


def split_ds(spec) -> tuple[str, str]:
    """(study system, DS) of a DS written ``"<system>/<DS>"`` (the chapters' way to name one DS); ValueError showing
    the form for anything else."""
    if not isinstance(spec, str) or spec.count("/") != 1:
        raise ValueError(f"a DS is written '<system>/<DS>', e.g. 'case9+case33bw/case33bw'; got {spec!r}")
    name, ds = spec.split("/")
    return name, ds


def check_ds(spec, key: str) -> tuple[str, str]:
    """`split_ds` of ``spec``, checked without building anything: a system `parse_system` reads and a DS among its
    DSs; ValueError starting with the parameter ``key`` and saying what to pass otherwise."""
    try:
        name, ds = split_ds(spec)
        _, specs = parse_system(name)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{key}: {err}") from err
    names = [d.name for d in specs]
    if ds not in names:
        raise ValueError(f"{key}: system {name!r} has no DS {ds!r}; pass one of "
                         + ", ".join(repr(f"{name}/{n}") for n in names))
    return name, ds


def _free_load_buses(ts, used: set[int]) -> pd.DataFrame:
    """Load (MW, Mvar) per TS bus that can take a PCC: in-service positive load, not a slack bus, not in ``used``."""
    loads = ts.load[ts.load.in_service.astype(bool)].groupby("bus")[["p_mw", "q_mvar"]].sum()
    taken = used | set(_root_buses(ts))
    return loads[(loads.p_mw > 0) & ~loads.index.isin(list(taken))]


def ts_capacity(ts_name: str) -> int:
    """How many PCCs (one per DS; two for a DS with a second PCC) a TS case can take: its non-slack buses with a
    positive load."""
    return len(_free_load_buses(cases.load(ts_name), set()))


def _capacity_error(ts_name: str, capacity: int, what: str) -> ValueError:
    """Too many DSs for the TS ``ts_name``: say how many it takes and which larger TS cases take more."""
    larger = [(c, ts_capacity(c)) for c in cases.TRANSMISSION if c != ts_name]
    larger = [f"{c} ({n})" for c, n in larger if n > capacity]
    hint = f"use a larger TS: {', '.join(larger)}" if larger else "no registered TS case takes more"
    return ValueError(
        f"TS {ts_name!r} can take {capacity} DSs (its non-slack buses with a positive load, one per PCC), but "
        f"{what}: attach fewer DSs or {hint}"
    )


def many_ds_name(ts: str, n: int, pool: Sequence[str] = ("case33bw",), seed: int = 0) -> str:
    """The composite name of a TS with n DSs drawn from the DS cases ``pool`` with ``seed`` (uniformly, with
    replacement, `numpy.random.default_rng`): counts per case in pool order, e.g. "case118+case33bw*3+case69*5"
    (a count of 1 without "*1"). ValueError for n < 1, an empty or repeated pool, or a case that is not a
    registered TS / DS case."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number of DSs >= 1, got {n!r}")
    pool = [pool] if isinstance(pool, str) else list(pool)  # one case given as a str: a pool of one
    if not pool or len(set(pool)) != len(pool):
        raise ValueError(f"pool must list distinct DS cases, got {pool}; e.g. ('case33bw', 'case69')")
    if ts not in cases.TRANSMISSION:
        raise _case_error(f"{ts}+...", ts, "TS")
    for case in pool:
        if case not in cases.DISTRIBUTION:
            raise _case_error(f"{ts}+{case}", case, "DS")
    counts = np.bincount(np.random.default_rng(seed).integers(len(pool), size=int(n)), minlength=len(pool))
    parts = [case if k == 1 else f"{case}*{k}" for case, k in zip(pool, counts) if k > 0]
    name = "+".join([ts, *parts])
    parse_system(name)  # the TS must take n DSs
    return name


@dataclass
class StudySystem:
    """A TS with DSs attached at PCCs.

    ts: the TS alone; each PCC bus carries a load ``"DS <name> import"`` (flag column ``net.load["ds_import"]`` =
    DS name) equal to the DS's base-case import, so the TS solves on its own.
    ds: each DS alone (name -> net): PCC buses as ext_grids (wide P/Q limits, no cost), loads scaled, FPUs,
    branch limits, bus voltage limits ``vm_limits``.
    pcc: one row per PCC: ds, ts_bus, ds_bus (in the DS net), trafo (index in `integrated()`), scale, scaling,
    p_mw / q_mvar (base-case import, TS -> DS), vm_pu / va_degree (TS base case), ts_load_p_mw / ts_load_q_mvar
    (the TS load replaced; 0 at a second PCC), q_mismatch_mvar (DS import Q - replaced TS load Q).
    params: the parameters used to build the system.
    """

    name: str
    ts: object
    ds: dict[str, object]
    pcc: pd.DataFrame
    params: dict = field(default_factory=dict)

    @property
    def ds_buses(self) -> int:
        """The buses of the DSs together (the TS's left out): the size chapters 08 and 12 record as ``ds_buses``."""
        return int(sum(len(d.bus) for d in self.ds.values()))

    @property
    def buses(self) -> int:
        """The buses of the whole T+D system, TS and DSs together (the PCC transformers add none)."""
        return len(self.ts.bus) + self.ds_buses

    def integrated(self):
        """The whole T+D net: TS + every DS + PCC transformers; DS ext_grids and the TS import loads removed.

        ``net.bus["zone"]`` is "TS" or the DS name (lines, trafos, loads, sgens, shunts likewise; PCC trafos "PCC");
        ``orig_index`` (``net.bus["orig_bus"]`` for buses) is the index in its own net. FPUs keep their chart and
        poly_cost. DS indices are offset to the next multiple of 1000 per DS (case9+case33bw: DS bus 17 -> 1017).
        """
        net, trafo_of = _build_integrated(self)
        if "trafo" in self.pcc.columns:
            recorded = {(ds, int(k)): int(t) for ds, k, t in zip(self.pcc.ds, self.pcc.index, self.pcc.trafo)}
            if recorded != trafo_of:
                raise RuntimeError("PCC transformer indices differ from those recorded in StudySystem.pcc")
        return net

    def summary(self) -> pd.DataFrame:
        """One row per DS: buses, lines (in service), ties closed, FPUs, load (MW), scale, base import (MW, Mvar)."""
        rows = []
        for ds_name, dsn in self.ds.items():
            pc = self.pcc[self.pcc.ds == ds_name]
            rows.append(
                {
                    "ds": ds_name,
                    "buses": len(dsn.bus),
                    "lines_in_service": int(dsn.line.in_service.sum()),
                    "ties_closed": len(dsn.get("ties_closed", [])),
                    "fpus": int(is_fpu(dsn).sum()),
                    "load_mw": float(dsn.load.p_mw.sum()),
                    "fpu_p_max_mw": float(fpus(dsn).p_max_mw.sum()),
                    "scale": float(pc.scale.iloc[0]),
                    "scaling": pc.scaling.iloc[0],
                    "pccs": len(pc),
                    "import_p_mw": float(pc.p_mw.sum()),
                    "import_q_mvar": float(pc.q_mvar.sum()),
                }
            )
        return pd.DataFrame(rows).set_index("ds")


_TABLES = ("bus", "line", "trafo", "load", "sgen", "shunt", "impedance")
_BUS_COLUMNS = {
    "line": ("from_bus", "to_bus"),
    "trafo": ("hv_bus", "lv_bus"),
    "impedance": ("from_bus", "to_bus"),
    "load": ("bus",),
    "sgen": ("bus",),
    "shunt": ("bus",),
}


def _offset(index: pd.Index) -> int:
    return _offset_after(int(index.max()) if len(index) else None)


def _offset_after(top: int | None) -> int:
    """The index offset of the next DS's rows in a table whose largest index is ``top`` (None: empty table): the
    next multiple of 1000, so indices stay unique however many DSs join."""
    return (top // 1000 + 1) * 1000 if top is not None else 0


def _ds_tables(dsn, ds_name: str, top: dict) -> tuple[dict[str, pd.DataFrame], dict[int, int]]:
    """The rows DS ``dsn`` (without its ext_grids) adds to the integrated net, per table (and "poly_cost" for its
    FPUs), with zone, orig_index and buses renumbered; returns them and the DS -> integrated bus map. Indices are
    offset past ``top`` (largest index so far per table, None if empty; updated), except the trafo rows: their
    offset depends on the PCC trafos created between DSs (`_build_integrated`)."""
    for elm in ("gen", "switch", "ward", "xward", "dcline", "storage", "trafo3w", "pwl_cost"):
        if elm in dsn and len(dsn[elm]):
            raise ValueError(f"DS {ds_name!r} has '{elm}' elements, which study systems do not merge")
    b0 = _offset_after(top["bus"])
    bus_map = {int(b): b0 + int(b) for b in dsn.bus.index}
    rows: dict[str, pd.DataFrame] = {}
    offsets = {}
    for tab in _TABLES:
        add = dsn[tab].copy()
        if not len(add):
            continue
        add["zone"] = ds_name
        add["orig_index"] = add.index
        if tab == "bus":
            add["orig_bus"] = add.index
        for col in _BUS_COLUMNS.get(tab, ()):
            add[col] = add[col].map(bus_map).astype(np.int64)
        if tab != "trafo":
            offsets[tab] = b0 if tab == "bus" else _offset_after(top[tab])
            add.index = add.index + offsets[tab]
            top[tab] = int(add.index.max())
        rows[tab] = add
    costs = dsn.poly_cost[dsn.poly_cost.et == "sgen"].copy()
    if len(costs):
        costs["element"] = costs["element"] + offsets.get("sgen", 0)
        costs.index = costs.index + _offset_after(top["poly_cost"])
        top["poly_cost"] = int(costs.index.max())
        rows["poly_cost"] = costs
    return rows, bus_map


def _fix_dtypes(net, tables: Sequence[str]) -> None:
    """Flags that a concatenation left as objects with NaN (a column one side lacks) back to bool, FPU charts to
    None where missing."""
    for col in ("in_service", "controllable"):
        for tab in tables:
            if col in net[tab].columns:
                net[tab][col] = net[tab][col].fillna(col == "in_service").astype(bool)
    if "sgen" in tables and "chart" in net.sgen.columns:
        net.sgen["chart"] = net.sgen["chart"].astype(object).where(net.sgen["chart"].notna(), None)
    if "line" in tables and "is_tie" in net.line.columns:
        net.line["is_tie"] = net.line["is_tie"].fillna(False).astype(bool)


def _build_integrated(system: StudySystem):
    """The integrated T+D net (chapter 02's section "The study systems"): the TS without its DS import placeholders,
    every DS appended and coupled at each PCC by a near-ideal transformer (`PCC_TRAFO`). Returns (net, PCC row ->
    trafo).

    Each table is concatenated once over all DSs (appending DS by DS copies the growing tables N times). The trafo
    table alone is built DS by DS, since each DS's PCC trafos take the next free indices before the next DS's trafos.
    """
    net = copy.deepcopy(system.ts)
    net.name = system.name
    flag = net.load["ds_import"].notna()
    net.load = net.load[~flag].drop(columns="ds_import")
    for tab in (*_TABLES, "ext_grid", "gen"):
        if len(net[tab]):
            net[tab]["zone"] = TS_ZONE
            net[tab]["orig_index"] = net[tab].index
    net.bus["orig_bus"] = net.bus.index
    tables = [tab for tab in _TABLES if tab != "trafo"] + ["poly_cost"]
    top = {tab: int(net[tab].index.max()) if len(net[tab]) else None for tab in tables}
    parts = {tab: [net[tab]] if len(net[tab]) else [] for tab in tables}
    ds_rows, bus_maps = {}, {}
    for ds_name, dsn in system.ds.items():
        ds_rows[ds_name], bus_maps[ds_name] = _ds_tables(dsn, ds_name, top)
        for tab in tables:
            if tab in ds_rows[ds_name]:
                parts[tab].append(ds_rows[ds_name][tab])
    for tab in tables:
        if len(parts[tab]) > 1:
            net[tab] = pd.concat(parts[tab], axis=0)
        elif parts[tab]:
            net[tab] = parts[tab][0]
    _fix_dtypes(net, tables)
    trafo_of: dict[tuple[str, int], int] = {}
    for ds_name in system.ds:
        if "trafo" in ds_rows[ds_name]:
            add = ds_rows[ds_name]["trafo"]
            add.index = add.index + _offset(net.trafo.index)
            net.trafo = pd.concat([net.trafo, add], axis=0) if len(net.trafo) else add
        _fix_dtypes(net, ("trafo",))
        trafo_of.update(_pcc_trafos(net, system.pcc[system.pcc.ds == ds_name], bus_maps[ds_name]))
    for tab in (*_TABLES, "ext_grid", "gen"):
        if "zone" in net[tab].columns:
            net[tab]["zone"] = net[tab]["zone"].astype(object)
    return net, trafo_of


def _pcc_trafos(net, rows: pd.DataFrame, bus_map: dict[int, int]) -> dict[tuple[str, int], int]:
    """The near-ideal PCC transformers of one DS (its pcc ``rows``), zone "PCC"; returns PCC row -> trafo."""
    trafo_of = {}
    for k, row in rows.iterrows():
        lv = bus_map[int(row.ds_bus)]
        tid = pp.create_transformer_from_parameters(
            net,
            hv_bus=int(row.ts_bus),
            lv_bus=lv,
            vn_hv_kv=float(net.bus.vn_kv[int(row.ts_bus)]),
            vn_lv_kv=float(net.bus.vn_kv[lv]),
            shift_degree=0.0,
            name=f"PCC {row.ds} {k}",
            max_loading_percent=1e4,
            **PCC_TRAFO,
        )
        net.trafo.loc[tid, ["zone", "orig_index"]] = ["PCC", tid]
        trafo_of[(row.ds, int(k))] = int(tid)
    return trafo_of


def _import(net) -> tuple[np.ndarray, np.ndarray]:
    eg = net.ext_grid.index[net.ext_grid.in_service.astype(bool)]
    return net.res_ext_grid.p_mw[eg].to_numpy(), net.res_ext_grid.q_mvar[eg].to_numpy()


def _scale_feeders(net, s: float) -> None:
    """Scale a grid as s identical copies in parallel: loads, sgens and branch admittances/ratings times s."""
    net.load[["p_mw", "q_mvar"]] *= s
    if len(net.sgen):
        net.sgen[["p_mw", "q_mvar"]] *= s
    net.line[["r_ohm_per_km", "x_ohm_per_km"]] /= s
    net.line[["c_nf_per_km", "g_us_per_km"]] *= s
    lim = net.line.max_i_ka < UNLIMITED_KA
    net.line.loc[lim, "max_i_ka"] *= s
    if len(net.trafo):
        net.trafo[["sn_mva", "pfe_kw"]] *= s
    if len(net.impedance):
        net.impedance["sn_mva"] *= s
    if len(net.shunt):
        net.shunt[["p_mw", "q_mvar"]] *= s


def _fit_scale(dsn, target_p: float, mode: str, load_range: tuple[float, float]) -> tuple[float, str]:
    """Step 3 (module docstring; chapter 02's section "The study systems": the DS scaled so that its base-case import
    matches the load it replaces): scale the DS in place so its total base-case import is ``target_p`` (MW);
    returns (scale, scaling mode)."""
    _runpp(dsn)
    p0 = float(_import(dsn)[0].sum())
    if p0 <= 0:
        raise ValueError(f"DS {dsn.name!r} exports in its base case ({p0:.3f} MW): cannot replace a TS load")
    s = target_p / p0
    if mode == "auto":
        mode = "loads" if load_range[0] <= s <= load_range[1] else "feeders"
    if mode == "feeders":
        _scale_feeders(dsn, s)
        _runpp(dsn)
        return s, mode
    if mode != "loads":
        raise ValueError(f"scaling must be 'auto', 'loads' or 'feeders', not {mode!r}")
    base = dsn.load[["p_mw", "q_mvar"]].copy()
    for _ in range(30):
        dsn.load[["p_mw", "q_mvar"]] = base * s
        _runpp(dsn)
        p = float(_import(dsn)[0].sum())
        if abs(p - target_p) <= 1e-9 * abs(target_p):
            break
        s *= target_p / p
    else:
        raise RuntimeError(f"load scaling of {dsn.name!r} did not reach the target import {target_p} MW")
    return s, mode


def ts_marginal_cost(ts) -> float:
    """Median marginal cost ($/MWh) of the TS units with a cost, at their base-case power flow output."""
    _runpp(ts)
    mcs = []
    for _, c in ts.poly_cost.iterrows():
        res = ts[f"res_{c.et}"]
        if c.element in res.index:
            p = float(res.p_mw[c.element])
            mcs.append(2 * float(c.cp2_eur_per_mw2) * p + float(c.cp1_eur_per_mw))
    if not mcs:
        raise ValueError(f"TS {ts.name!r} has no generator costs")
    return float(np.median(mcs))


def _choose_ts_bus(ts, p_ds: float, q_ds: float, used: set[int], ds_name: str) -> int:
    cand = _free_load_buses(ts, used)
    if not len(cand):
        raise _capacity_error(ts.name, ts_capacity(ts.name), f"no load bus is left for DS {ds_name!r}")
    fit = np.abs(np.log(cand.p_mw / p_ds)) + np.abs(cand.q_mvar / cand.p_mw - q_ds / p_ds)
    return int(fit.sort_index().idxmin())


def _farthest_bus(dsn) -> int:
    d = _graph_distance(dsn, _root_buses(dsn)[0])
    return int(d.idxmax())


@dataclass
class _TSBase:
    """The TS case in its base-case power flow: bus voltages, marginal cost ($/MWh) and load per bus (MW/Mvar)."""

    ts: object
    vm0: pd.Series
    va0: pd.Series
    mc: float
    loads: pd.DataFrame


def _ts_base(ts_name: str) -> _TSBase:
    ts = cases.load(ts_name)
    _runpp(ts)
    vm0, va0 = ts.res_bus.vm_pu.copy(), ts.res_bus.va_degree.copy()
    mc = ts_marginal_cost(ts)
    return _TSBase(ts, vm0, va0, mc, ts.load.groupby("bus")[["p_mw", "q_mvar"]].sum())


def _load_ds(spec: DSSpec, ties):
    """Step 1 (module docstring): the DS with its ties, named ``spec.name``, its root (the one ext_grid) as PCC,
    without the slack's MATPOWER cost (the price of imported energy is the TS's business), in its own base-case
    power flow."""
    dsn = cases.load(spec.case, ties=ties)
    dsn.name = spec.name
    if len(dsn.ext_grid) != 1:
        raise ValueError(
            f"DS {spec.name!r} (case {spec.case!r}) must have exactly one ext_grid (its root), has "
            f"{len(dsn.ext_grid)}"
        )
    root = int(dsn.ext_grid.bus.iloc[0])
    dsn.poly_cost = dsn.poly_cost[dsn.poly_cost.et != "ext_grid"]
    _runpp(dsn)
    return dsn, root


def _place_pccs(dsn, root: int, spec: DSSpec, base: _TSBase, k1, used: set[int]) -> list[tuple[int, int]]:
    """Steps 2 and 5: the TS bus the DS replaces (given as k1, else the best-fitting free load bus) and, for a
    second PCC, a second ext_grid at the DS bus farthest from the root, coupled to the free TS load bus closest in
    angle. Returns [(TS bus, DS bus)] per PCC and marks the TS buses in ``used``."""
    loads = base.loads
    p_ds, q_ds = float(_import(dsn)[0].sum()), float(_import(dsn)[1].sum())
    k1 = _choose_ts_bus(base.ts, p_ds, q_ds, used, dsn.name) if k1 is None else int(k1)
    if k1 not in loads.index or loads.p_mw[k1] <= 0:
        raise ValueError(f"TS bus {k1} has no positive load for DS {dsn.name!r} to replace")
    if k1 in used:
        raise ValueError(f"TS bus {k1} is used by two DSs")
    used.add(k1)
    # DS angles are referenced to the (first) PCC: its ext_grid sits at the TS bus's voltage magnitude and angle 0
    dsn.ext_grid.loc[:, ["vm_pu", "va_degree"]] = [float(base.vm0[k1]), 0.0]
    pcc_buses = [(k1, root)]
    if spec.second_pcc:
        cand = loads.index[(loads.p_mw > 0) & ~loads.index.isin(list(used | set(_root_buses(base.ts))))]
        if not len(cand):
            what = f"no load bus is left for the second PCC of DS {dsn.name!r}"
            raise _capacity_error(base.ts.name, ts_capacity(base.ts.name), what)
        k2 = int(pd.Series(np.abs(base.va0[cand] - base.va0[k1]), index=cand).sort_index().idxmin())
        used.add(k2)
        far = _farthest_bus(dsn)
        pp.create_ext_grid(
            dsn, bus=int(far), vm_pu=float(base.vm0[k2]), va_degree=float(base.va0[k2] - base.va0[k1]), name="PCC 2"
        )
        pcc_buses.append((int(k2), int(far)))
    return pcc_buses


def _equip_ds(dsn, n_fpus: int | None, vm_limits, fpu_options: dict) -> tuple[np.ndarray, np.ndarray]:
    """Steps 4 and 7 on a scaled DS: voltage limits, wide PCC limits (the import is the TS's decision, not bounded
    here) and the FPUs, whose initial set-points must leave the base-case import unchanged. Returns that import."""
    dsn.bus["min_vm_pu"], dsn.bus["max_vm_pu"] = float(vm_limits[0]), float(vm_limits[1])
    p_imp, q_imp = _import(dsn)
    total_load = float(dsn.load.p_mw.sum())
    wide = max(100.0, 10 * abs(total_load))
    dsn.ext_grid[["min_p_mw", "max_p_mw", "min_q_mvar", "max_q_mvar"]] = [-wide, wide, -wide, wide]
    n = int(np.clip(round(len(dsn.bus) / 15), 4, 12)) if n_fpus is None else int(n_fpus)
    add_default_fpus(dsn, n, **fpu_options)
    _runpp(dsn)
    if not np.allclose(_import(dsn)[0], p_imp, rtol=1e-6, atol=1e-9):
        raise RuntimeError(
            f"FPUs of {dsn.name!r} changed the base-case import: initial set-points not zero"
        )
    return p_imp, q_imp


def _pcc_rows(dsn, pcc_buses, scale: float, mode: str, p_imp, q_imp, base: _TSBase) -> list[dict]:
    """One `StudySystem.pcc` row per PCC: buses, scaling, base-case import and the TS load it replaces (the first
    PCC's; a second PCC replaces none), with the reactive mismatch between the two."""
    eg_of = dict(zip(dsn.ext_grid.bus.astype(int), range(len(dsn.ext_grid))))
    rows = []
    for i, (kb, db) in enumerate(pcc_buses):
        e = eg_of[int(db)]
        ts_p = float(base.loads.p_mw[kb]) if i == 0 else 0.0
        ts_q = float(base.loads.q_mvar[kb]) if i == 0 else 0.0
        rows.append({
            "ds": dsn.name, "ts_bus": int(kb), "ds_bus": int(db), "scale": scale, "scaling": mode,
            "p_mw": float(p_imp[e]), "q_mvar": float(q_imp[e]), "vm_pu": float(base.vm0[kb]),
            "va_degree": float(base.va0[kb]), "ts_load_p_mw": ts_p, "ts_load_q_mvar": ts_q,
            "q_mismatch_mvar": float(q_imp[e]) - ts_q if i == 0 else float(q_imp[e]),
        })
    return rows


def warm_up() -> float:
    """Pay a process's one-time cost of the power flows that build a T+D system before anything is timed, and return
    its wall time (s): numba compiles pandapower's Newton-Raphson power flow on its first use in a process, which
    took seconds, several times the build of a small T+D system, and was charged to the first system a sweep built
    (measured, chapter 12: case118+case33bw built in about ten times its time when built a second time). One power
    flow of a transmission case with generators and one of a radial feeder compile what a build uses."""
    t0 = time.perf_counter()
    for name in ("case9", "case33bw"):
        _runpp(cases.load(name))
    return time.perf_counter() - t0


def load_system(
    name: str,
    *,
    ties: str | Sequence[int] = "all",
    vm_limits: tuple[float, float] = (0.95, 1.05),
    n_fpus: int | dict[str, int] | None = None,
    kinds: Sequence[str] = DEFAULT_KINDS,
    share: float = 0.4,
    cost_b_factors: tuple[float, float] = (0.5, 1.5),
    cost_slope: float = 0.2,
    branch_margin: float = 1.5,
    branch_floor: float = 0.2,
    scaling: str = "auto",
    load_scaling_range: tuple[float, float] = (0.8, 1.25),
    ts_buses: dict[str, int] | None = None,
    seed: int = 0,
) -> StudySystem:
    """Build a study system, named (`available_systems`) or composite (`SYSTEM_GRAMMAR`, read by `parse_system`):
    the T+D system construction of chapter 02's section "The study systems", in the steps of the module docstring.

    ties: which DS ties to close (as `forlab.grid.cases.load`). vm_limits: DS bus voltage limits (p.u.).
    n_fpus: FPUs per DS (int, or dict per DS name, e.g. "case33bw#2"); default clip(round(buses / 15), 4, 12).
    kinds, share, cost_slope: as `add_default_fpus`; FPU linear costs b are spread over cost_b_factors x the TS
    marginal cost (`ts_marginal_cost`). branch_margin, branch_floor: `derive_branch_limits`.
    scaling: "auto" | "loads" | "feeders" (module docstring); load_scaling_range: the "auto" band for "loads".
    ts_buses: TS bus (pandapower index) per DS name instead of the automatic choice. seed: FPU sizes and cost
    order (DS j uses seed + j). ValueError for a name `parse_system` rejects, or dict keys that are no DS name;
    ValueError/TypeError naming the parameter, before anything is built, for vm_limits or load_scaling_range that
    are not two numbers 0 < lo < hi (lo <= hi for the band), and for kinds, share, cost_slope `add_default_fpus`
    rejects.
    """
    ts_name, specs = parse_system(name)
    lo_v, hi_v = _pair("vm_limits", vm_limits, "(0.95, 1.05)")
    if not 0 < lo_v < hi_v:
        raise ValueError(f"vm_limits must be (min, max) p.u. with 0 < min < max, e.g. (0.95, 1.05), got {vm_limits}")
    lo_s, hi_s = _pair("load_scaling_range", load_scaling_range, "(0.8, 1.25)")
    if not 0 < lo_s <= hi_s:  # a reversed band holds no scale: "auto" would silently scale every DS as feeders
        raise ValueError(f"load_scaling_range must be (lo, hi) with 0 < lo <= hi, e.g. (0.8, 1.25), got "
                         f"{load_scaling_range}")
    _check_fpu_options(kinds, share, cost_slope)  # before the TS and DS power flows, not at the first DS's FPUs
    ts_buses = dict(ts_buses or {})
    _check_ds_names(name, specs, ts_buses=ts_buses, n_fpus=n_fpus if isinstance(n_fpus, dict) else {})
    base = _ts_base(ts_name)
    used: set[int] = set()
    ds_nets: dict[str, object] = {}
    rows = []
    for j, spec in enumerate(specs):
        dsn, root = _load_ds(spec, ties)
        pcc_buses = _place_pccs(dsn, root, spec, base, ts_buses.get(spec.name), used)
        scale, mode = _fit_scale(dsn, float(base.loads.p_mw[pcc_buses[0][0]]), scaling, (lo_s, hi_s))  # step 3
        n = n_fpus.get(spec.name) if isinstance(n_fpus, dict) else n_fpus
        fpu_options = {"kinds": kinds, "share": share, "seed": seed + j, "cost_slope": cost_slope,
                       "cost_b": (cost_b_factors[0] * base.mc, cost_b_factors[1] * base.mc)}
        p_imp, q_imp = _equip_ds(dsn, n, (lo_v, hi_v), fpu_options)
        ds_nets[spec.name] = dsn
        rows += _pcc_rows(dsn, pcc_buses, scale, mode, p_imp, q_imp, base)
    pcc = pd.DataFrame(rows)
    ts_alone = _ts_with_imports(base.ts, pcc)  # step 6
    _reconcile(ts_alone, ds_nets, pcc)
    for dsn in ds_nets.values():  # step 7: limits from the reconciled base case, which _reconcile's last pass ran
        derive_branch_limits(dsn, margin=branch_margin, floor=branch_floor, run=False)
    params = {
        "ties": ties, "vm_limits": (lo_v, hi_v), "n_fpus": n_fpus, "kinds": tuple(kinds), "share": share,
        "cost_b_factors": tuple(cost_b_factors), "cost_slope": cost_slope, "ts_marginal_cost": base.mc,
        "branch_margin": branch_margin, "branch_floor": branch_floor, "scaling": scaling,
        "load_scaling_range": (lo_s, hi_s), "seed": seed,
    }
    system = StudySystem(name=name, ts=ts_alone, ds=ds_nets, pcc=pcc, params=params)
    _, trafo_of = _build_integrated(system)
    system.pcc["trafo"] = [trafo_of[(ds, int(k))] for ds, k in zip(system.pcc.ds, system.pcc.index)]
    return system


def _pair(param: str, value, example: str) -> tuple[float, float]:
    """``value`` as two floats; TypeError naming ``param`` and an example for anything else."""
    try:
        if isinstance(value, str):
            raise TypeError
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{param} must be two numbers (lo, hi), e.g. {example}, got {value!r}") from None
    return lo, hi


def _check_ds_names(name: str, specs: Sequence[DSSpec], **per_ds: dict) -> None:
    """ValueError for two DSs of one name (each DS is one DSO) or a per-DS dict (``ts_buses``, ``n_fpus``) with a
    key that names no DS of the system: a copied case is keyed "<case>#<i>", not by its case."""
    names = [spec.name for spec in specs]
    twice = sorted(n for n, k in Counter(names).items() if k > 1)
    if twice:
        raise ValueError(f"study system {name!r} names two DSs {twice}: give each DSSpec its own name")
    for label, values in per_ds.items():
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"{label} of {name!r}: {unknown} name no DS; its DSs are {', '.join(names)}")


def _reconcile(ts_alone, ds_nets: dict, pcc: pd.DataFrame, tol: float = 1e-8, max_iter: int = 100) -> None:
    """Step 6 (module docstring): make the TS alone and the DSs alone agree at the PCCs: the DS ext_grids take the
    TS power-flow voltages (magnitude; angle relative to the first PCC) and the TS import loads the DS imports,
    until nothing changes. Each iteration runs the TS and every DS once; the bookkeeping is on arrays over the PCC
    rows (not per-row pandas), which keeps it small next to the power flows at 64 DSs."""
    ts_bus = pcc.ts_bus.to_numpy()
    ref_bus = pcc.groupby("ds", sort=False).ts_bus.transform("first").to_numpy()  # a DS's angles: to its first PCC
    rows = {ds_name: np.flatnonzero(pcc.ds.to_numpy() == ds_name) for ds_name in ds_nets}
    eg = np.empty(len(pcc), dtype=np.int64)  # each PCC row's ext_grid in its DS
    for ds_name, dsn in ds_nets.items():
        eg_of = pd.Series(dsn.ext_grid.index, index=dsn.ext_grid.bus.to_numpy())
        eg[rows[ds_name]] = eg_of[pcc.ds_bus.to_numpy()[rows[ds_name]]].to_numpy()
    imports = ts_alone.load[ts_alone.load.ds_import.notna()]
    load_of = pd.Series(imports.index, index=pd.MultiIndex.from_arrays([imports.ds_import, imports.bus]))
    ts_load = load_of[pd.MultiIndex.from_arrays([pcc.ds, pcc.ts_bus])].to_numpy()  # each row's import load
    p, q = pcc.p_mw.to_numpy(dtype=float, copy=True), pcc.q_mvar.to_numpy(dtype=float, copy=True)
    for _ in range(max_iter):
        _runpp(ts_alone)
        vm = ts_alone.res_bus.vm_pu[ts_bus].to_numpy()
        va = ts_alone.res_bus.va_degree[ts_bus].to_numpy()
        va_rel = va - ts_alone.res_bus.va_degree[ref_bus].to_numpy()
        change = 0.0
        for ds_name, dsn in ds_nets.items():
            r, e = rows[ds_name], eg[rows[ds_name]]
            change = max(
                change,
                float(np.abs(vm[r] - dsn.ext_grid.vm_pu[e].to_numpy()).max()),
                float(np.abs(np.deg2rad(va_rel[r] - dsn.ext_grid.va_degree[e].to_numpy())).max()),
            )
            dsn.ext_grid.loc[e, "vm_pu"] = vm[r]
            dsn.ext_grid.loc[e, "va_degree"] = va_rel[r]
            _runpp(dsn)
            p_new, q_new = dsn.res_ext_grid.p_mw[e].to_numpy(), dsn.res_ext_grid.q_mvar[e].to_numpy()
            change = max(
                change,
                float((np.abs(p_new - p[r]) / np.maximum(1.0, np.abs(p[r]))).max()),
                float((np.abs(q_new - q[r]) / np.maximum(1.0, np.abs(q[r]))).max()),
            )
            p[r], q[r] = p_new, q_new
        ts_alone.load.loc[ts_load, "p_mw"] = p
        ts_alone.load.loc[ts_load, "q_mvar"] = q
        pcc["vm_pu"], pcc["va_degree"], pcc["p_mw"], pcc["q_mvar"] = vm, va, p.copy(), q.copy()
        pcc["q_mismatch_mvar"] = q - pcc.ts_load_q_mvar.to_numpy()
        if change <= tol:
            return
    raise RuntimeError(f"TS and DS power flows did not agree at the PCCs within {max_iter} iterations")


def _ts_with_imports(ts, pcc: pd.DataFrame):
    """Step 6 (module docstring): the TS alone, the load at each first PCC bus replaced by the DS import, the import at a second PCC added."""
    net = copy.deepcopy(ts)
    net.load["ds_import"] = pd.Series([None] * len(net.load), index=net.load.index, dtype=object)
    for _, row in pcc.iterrows():
        if row.ts_load_p_mw > 0:
            net.load = net.load[net.load.bus != row.ts_bus]
        idx = pp.create_load(
            net,
            bus=int(row.ts_bus),
            p_mw=float(row.p_mw),
            q_mvar=float(row.q_mvar),
            name=f"DS {row.ds} import",
        )
        net.load.at[idx, "ds_import"] = row.ds
    return net
