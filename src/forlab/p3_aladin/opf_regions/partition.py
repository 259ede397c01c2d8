"""Cut an AC network into regions with core and copy buses, and the consensus matrices that glue them together.

A **region** owns a set of *core* buses: it imposes their nodal power balance and holds the units connected to them.
Every branch with at least one end at a core bus is modelled by the region; a branch whose ends lie in two regions
(a *cut* or *tie* branch) is modelled by both, each one computing the flow at its own core end. For that a region
needs the voltage at the far end: the far bus enters the region as a *copy* bus (angle and magnitude variables, no
balance equation, no units). The consensus constraint ``sum_i A_i x_i = 0`` equates every copy with its original:
two rows (angle, magnitude) per (region, copy bus), ``+1`` on the copy variable, ``-1`` on the core variable.

Limits of a cut branch (the choice the book makes): each region imposes the branch's apparent-power limit at **its
own end**, the flow it uses in its own balance, so that every branch end is limited by exactly one region (a limit
imposed by two regions would give the coordinator two copies of one active constraint). The tie branch's admittance
is known to both neighbours, as a jointly operated tie line is.

Angle reference: only the global slack (the net's reference buses) fixes an angle; every other region's angles float
and are pinned through the consensus with its neighbours.

Two ways to choose the core sets:

* ``"zone"``: a column of ``net.bus`` (default ``zone``) names each bus's region, e.g. "TS" and the DS names of an
  integrated T+D system.
* ``"spectral"``: recursive spectral bisection of the bus graph (Fiedler vector of the graph Laplacian, split at the
  quantile that gives each side a share of buses proportional to the number of regions it will hold), followed by a
  repair that hands every disconnected piece of an area to the neighbouring area it shares most branches with. The
  areas are connected and balanced to within the repair's moves.

Variables of region ``i`` (the layout every other module uses): ``x_i = [va (n_bus), vm (n_bus), pg (n_unit),
qg (n_unit)]`` with the region's buses ordered cores first, then copies; angles in rad, magnitudes and powers in p.u.
on the network base.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from forlab.opf.network import NetworkModel, build_network


@dataclass
class RegionData:
    """Everything one region knows: its sub-network and where its variables sit in the consensus.

    Attributes:
        name: region name (a zone name or ``area<k>``).
        index: position of the region in the partition.
        model: the region's `NetworkModel`: its core and copy buses (cores first), the branches touching a core bus,
            the units at core buses. Copy buses carry no demand or shunt; a branch the region limits at neither end
            carries no limit (``rate = inf``).
        n_core: number of core buses (the first ``n_core`` buses of ``model``).
        bus_global: global model index of each region bus (core then copy).
        branch_global: global branch index of each region branch.
        unit_global: global unit index (row of the global ``units`` table) of each region unit.
        A: sparse consensus matrix (n_cons x n_x) of this region: ``sum_i A_i x_i = 0``.
        rows: consensus rows in which this region appears (the only multipliers it needs).
        limit_from, limit_to: per region branch, whether the region imposes the branch's apparent-power limit at
            its from / to end: the ends at its own core buses (module docstring).
    """

    name: str
    index: int
    model: NetworkModel
    n_core: int
    bus_global: np.ndarray
    branch_global: np.ndarray
    unit_global: np.ndarray
    A: sp.csr_matrix
    rows: np.ndarray
    limit_from: np.ndarray | None = None
    limit_to: np.ndarray | None = None

    @property
    def n_bus(self) -> int:
        return self.model.nb

    @property
    def n_unit(self) -> int:
        return self.model.ng

    @property
    def n_x(self) -> int:
        """Number of local variables (va, vm per bus; pg, qg per unit)."""
        return 2 * self.model.nb + 2 * self.model.ng

    @property
    def slices(self) -> dict[str, slice]:
        nb, ng = self.model.nb, self.model.ng
        return {"va": slice(0, nb), "vm": slice(nb, 2 * nb), "pg": slice(2 * nb, 2 * nb + ng),
                "qg": slice(2 * nb + ng, 2 * nb + 2 * ng)}

    @property
    def coupled(self) -> np.ndarray:
        """Local variable indices that appear in the consensus (copies and the cores they copy)."""
        return np.unique(self.A.indices)


@dataclass
class Partition:
    """Regions of one network and their consensus.

    Attributes:
        model: the global `NetworkModel`.
        regions: one `RegionData` per region.
        core_region: region index of each global model bus.
        cut_branches: global indices of branches whose ends lie in different regions.
        consensus: one row per consensus equation: region and local index of the copy variable, region and local
            index of the core variable, the quantity ("va"/"vm"), the global bus and ``tie_admittance``, the largest
            series admittance |y_ft| (p.u.) of the ties that bring the copy into its region: a residual r on the
            row leaves about ``tie_admittance * r`` p.u. of power unaccounted (see `Partition.power_mismatch`).
        method: how the core sets were chosen ("zone" or "spectral").
        fingerprint: `net_fingerprint` of the net the partition was made from ("" when made from a model alone):
            a solve checks it, so that a net edited behind an existing partition is not solved with stale data.
    """

    model: NetworkModel
    regions: list[RegionData]
    core_region: np.ndarray
    cut_branches: np.ndarray
    consensus: pd.DataFrame
    method: str = ""
    fingerprint: str = ""

    def check_net(self, net) -> None:
        """``ValueError`` when ``net`` is not the net this partition was made from (its data changed since)."""
        if self.fingerprint and net_fingerprint(net) != self.fingerprint:
            raise ValueError(f"the net {getattr(net, 'name', '')!r} changed after it was partitioned (its element "
                             f"tables differ from the partition's fingerprint): make a new partition with "
                             f"partition(net, ...) after editing the net")

    @property
    def n_regions(self) -> int:
        return len(self.regions)

    @property
    def n_cons(self) -> int:
        return len(self.consensus)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.regions]

    def residual(self, xs: list[np.ndarray]) -> np.ndarray:
        """Consensus residual ``sum_i A_i x_i`` (rad / p.u.) for local vectors ``xs``."""
        r = np.zeros(self.n_cons)
        for reg, x in zip(self.regions, xs):
            r += reg.A @ x
        return r

    def power_mismatch(self, xs: list[np.ndarray]) -> float:
        """Largest consensus residual weighted by its tie admittance (p.u. of power, on the network base): the
        power a copy-core mismatch hides from the balance of the bus across the tie."""
        if not self.n_cons:
            return 0.0
        return float(np.max(np.abs(self.residual(xs)) * self.consensus.tie_admittance.to_numpy()))

    def split(self, va: np.ndarray, vm: np.ndarray, pg: np.ndarray, qg: np.ndarray) -> list[np.ndarray]:
        """Local vectors of every region from global values (rad, p.u.; global model order)."""
        out = []
        for reg in self.regions:
            out.append(np.concatenate([va[reg.bus_global], vm[reg.bus_global], pg[reg.unit_global],
                                       qg[reg.unit_global]]))
        return out

    def merge(self, xs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Global (va, vm, pg, qg) from the core values of the local vectors (copies are ignored)."""
        m = self.model
        va, vm, pg, qg = np.zeros(m.nb), np.zeros(m.nb), np.zeros(m.ng), np.zeros(m.ng)
        for reg, x in zip(self.regions, xs):
            s, c = reg.slices, reg.n_core
            va[reg.bus_global[:c]] = x[s["va"]][:c]
            vm[reg.bus_global[:c]] = x[s["vm"]][:c]
            pg[reg.unit_global] = x[s["pg"]]
            qg[reg.unit_global] = x[s["qg"]]
        return va, vm, pg, qg

    def summary(self) -> pd.DataFrame:
        """One row per region: core, copy buses, branches (cut branches it limits at one end at least), units,
        local variables."""
        rows = []
        for reg in self.regions:
            lim = (reg.limit_from | reg.limit_to) if reg.limit_from is not None else np.isfinite(reg.model.rate)
            owned_cut = np.isin(reg.branch_global, self.cut_branches) & lim
            rows.append({"region": reg.name, "core_buses": reg.n_core, "copy_buses": reg.n_bus - reg.n_core,
                             "branches": len(reg.branch_global), "cut_branches_owned": int(owned_cut.sum()),
                             "units": reg.n_unit, "variables": reg.n_x, "consensus_rows": len(reg.rows)})
        return pd.DataFrame(rows).set_index("region")


# ---------------------------------------------------------------------------------------------------- core sets
def bus_graph(model: NetworkModel) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency of the model buses (parallel branches merged, self-loops dropped)."""
    keep = model.f != model.t
    n = model.nb
    a = sp.coo_matrix((np.ones(keep.sum()), (model.f[keep], model.t[keep])), shape=(n, n)).tocsr()
    a = a + a.T
    a.data[:] = 1.0
    return a.tocsr()


def _fiedler(adj: sp.csr_matrix) -> np.ndarray:
    """Fiedler vector of the normalised Laplacian of a connected graph (dense eigensolver: grids up to ~10^4 buses)."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    d = 1.0 / np.sqrt(np.maximum(deg, 1e-12))
    lap = np.eye(adj.shape[0]) - (adj.multiply(d[:, None]).multiply(d[None, :])).toarray()
    _w, v = np.linalg.eigh(lap)
    vec = v[:, 1] * d
    # a deterministic sign: the first bus lies on the non-negative side
    return vec if vec[0] >= 0 else -vec


def _fiedler_order(vec: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The order in which a bisection splits ``nodes``: by their Fiedler value, equal values by bus number.

    Buses of the same shape in the graph (e.g. the leaves of one bus) share one Fiedler value up to rounding, and
    where the split falls among them, that rounding would decide: with the BLAS on one thread or on two, case300 in
    4 areas came out as two different partitions (issue 17: 17 ALADIN rounds against 15). The values are therefore
    compared to 9 significant digits of the largest, and ties go to the lower bus number."""
    scale = float(np.abs(vec).max()) or 1.0
    return np.lexsort((nodes, np.round(vec / scale, 9)))


def spectral_areas(model: NetworkModel, n_regions: int, imbalance: float = 0.1) -> np.ndarray:
    """Area (0..n_regions-1) of each model bus: recursive spectral bisection, connectivity repair, rebalancing.

    imbalance: largest allowed area size relative to the mean size, minus one (0.1: at most 10 % above the mean).
    """
    if n_regions < 1:
        raise ValueError(f"n_regions must be >= 1, got {n_regions}")
    adj = bus_graph(model)
    n = model.nb
    if n_regions > n:
        raise ValueError(f"cannot cut {n} buses into {n_regions} regions")
    area = np.zeros(n, dtype=int)

    def bisect(nodes: np.ndarray, k: int, first: int) -> None:
        if k == 1:
            area[nodes] = first
            return
        k_left = k // 2
        sub = adj[nodes][:, nodes]
        order = _fiedler_order(_fiedler(sub), nodes)
        n_left = round(len(nodes) * k_left / k)
        bisect(nodes[order[:n_left]], k_left, first)
        bisect(nodes[order[n_left:]], k - k_left, first + k_left)

    bisect(np.arange(n), n_regions, 0)
    area = _repair_connectivity(adj, area, n_regions)
    return _rebalance(adj, area, n_regions, imbalance)


def _repair_connectivity(adj: sp.csr_matrix, area: np.ndarray, n_regions: int) -> np.ndarray:
    """Give every piece of an area that is not the area's largest connected piece to its best-connected neighbour."""
    area = area.copy()
    for _ in range(10 * n_regions):
        moved = False
        for k in range(n_regions):
            nodes = np.flatnonzero(area == k)
            ncomp, lab = connected_components(adj[nodes][:, nodes], directed=False)
            if ncomp <= 1:
                continue
            main = np.argmax(np.bincount(lab))
            for c in range(ncomp):
                if c == main:
                    continue
                piece = nodes[lab == c]
                nbr = adj[piece].indices
                nbr_area = area[nbr][area[nbr] != k]
                if len(nbr_area):
                    area[piece] = np.bincount(nbr_area, minlength=n_regions).argmax()
                    moved = True
        if not moved:
            break
    return area


def _rebalance(adj: sp.csr_matrix, area: np.ndarray, n_regions: int, imbalance: float) -> np.ndarray:
    """Move boundary buses out of oversized areas, keeping every area connected.

    Each move takes the boundary bus of the largest area whose transfer to its smallest neighbouring area cuts the
    fewest extra branches (gain = branches to the target - branches kept in the source). Buses that the move would
    cut off from the rest of the source area (a radial spur behind the bus) go along with it, as long as the move
    does not make the target larger than the source.
    """
    area = area.copy()
    n = len(area)
    cap = int(np.ceil(n / n_regions * (1.0 + imbalance)))
    for _ in range(n):
        size = np.bincount(area, minlength=n_regions)
        big = int(size.argmax())
        if size[big] <= cap:
            break
        nodes = np.flatnonzero(area == big)
        best = None
        for b in nodes:
            nbr = adj[b].indices
            others = area[nbr][area[nbr] != big]
            if not len(others):
                continue
            counts = np.bincount(others, minlength=n_regions)
            target = int(np.argmax(np.where(counts > 0, -size, -np.inf)))
            gain = counts[target] - int(np.sum(area[nbr] == big))
            key = (gain, -size[target])
            if best is not None and key <= best[0]:
                continue
            rest = nodes[nodes != b]
            moved = np.array([b])
            ncomp, lab = connected_components(adj[rest][:, rest], directed=False)
            if ncomp > 1:
                main = np.argmax(np.bincount(lab))
                moved = np.concatenate([moved, rest[lab != main]])
            if size[target] + len(moved) >= size[big] - len(moved):
                continue
            best = (key, moved, target)
        if best is None:
            break
        area[best[1]] = best[2]
    return area


def zone_areas(net, model: NetworkModel, column: str = "zone") -> tuple[np.ndarray, list[str]]:
    """Area of each model bus from ``net.bus[column]`` and the areas' names: numbered in order of first appearance,
    except that the zone holding the global slack is area 0 (the TS of a T+D system), the others keeping their
    order."""
    if column not in net.bus.columns:
        raise ValueError(f"net.bus has no column {column!r}: cannot partition by zone")
    zones = net.bus.loc[model.bus_pd, column].astype(str).to_numpy()
    names = list(dict.fromkeys(zones))
    # the zone that holds the global slack first (the TS of a T+D system)
    ref_zone = zones[model.ref[0]] if len(model.ref) else names[0]
    names.remove(ref_zone)
    names.insert(0, ref_zone)
    lookup = {z: k for k, z in enumerate(names)}
    return np.array([lookup[z] for z in zones], dtype=int), names


# ---------------------------------------------------------------------------------------------------- regions
def _sub_model(model: NetworkModel, buses: np.ndarray, n_core: int, branches: np.ndarray, owned: np.ndarray,
               units: np.ndarray, name: str) -> NetworkModel:
    """The `NetworkModel` of one region (buses: cores then copies; see `RegionData.model`)."""
    local = -np.ones(model.nb, dtype=int)
    local[buses] = np.arange(len(buses))
    is_core = np.zeros(len(buses), bool)
    is_core[:n_core] = True
    core_pd = model.bus_pd[buses]
    lookup = model.bus_lookup[model.bus_lookup.isin(buses)]
    lookup = pd.Series(local[lookup.to_numpy()], index=lookup.index)
    ut = model.units.iloc[units].reset_index(drop=True).copy()
    ut["bus"] = local[ut["bus"].to_numpy(int)] if len(ut) else ut.get("bus", [])
    charts = {k: model.charts[int(u)] for k, u in enumerate(units) if int(u) in model.charts}
    ref_mask = np.isin(model.ref, buses[:n_core])
    rate = np.where(owned.any(axis=1), model.rate[branches], np.inf)
    # an angle-difference limit is one constraint per branch: the region of the from bus imposes it
    from_core = is_core[local[model.f[branches]]]
    return dataclasses.replace(
        model, net_name=f"{model.net_name}:{name}", bus_pd=core_pd, bus_lookup=lookup,
        f=local[model.f[branches]], t=local[model.t[branches]], yff=model.yff[branches], yft=model.yft[branches],
        ytf=model.ytf[branches], ytt=model.ytt[branches], rate=rate,
        branch_element=[model.branch_element[b] for b in branches],
        gsh=np.where(is_core, model.gsh[buses], 0.0), bsh=np.where(is_core, model.bsh[buses], 0.0),
        pd=np.where(is_core, model.pd[buses], 0.0), qd=np.where(is_core, model.qd[buses], 0.0),
        vmin=model.vmin[buses], vmax=model.vmax[buses], ref=local[model.ref[ref_mask]],
        va_ref=model.va_ref[ref_mask], units=ut, charts=charts,
        angle_min=np.where(from_core, model.angle_min[branches], -np.inf),
        angle_max=np.where(from_core, model.angle_max[branches], np.inf),
    )


def merge_stiff_ties(model: NetworkModel, area: np.ndarray, merge_admittance: float) -> np.ndarray:
    """Never cut a branch whose series admittance |y_ft| exceeds ``merge_admittance`` (p.u.): its endpoint in the
    higher-numbered area joins the lower-numbered one (repeated until no such branch is cut).

    A near-ideal transformer (the PCC of a T+D system has |y_ft| ~ 1e4 p.u.) turns an angle mismatch of 1e-6 rad
    between copy and core into 0.01 p.u. of power that neither side sees, so the coupling would have to be resolved
    far below any sensible consensus tolerance. For a T+D system (TS = area 0) the PCC's DS-side bus becomes a TS
    core bus and the DS feeders leaving it are the cut branches.
    """
    area = np.asarray(area, dtype=int).copy()
    stiff = np.flatnonzero(np.abs(model.yft) > merge_admittance)
    for _ in range(len(stiff) + 1):
        cut = stiff[area[model.f[stiff]] != area[model.t[stiff]]]
        if not len(cut):
            break
        for b in cut:
            f, t = model.f[b], model.t[b]
            hi, lo = (f, t) if area[f] > area[t] else (t, f)
            area[hi] = area[lo]
    return area


def from_areas(model: NetworkModel, area: np.ndarray, names: list[str] | None = None,
               method: str = "") -> Partition:
    """Build the regions and consensus matrices of a given core assignment (area index per model bus); every region
    limits the ends of its branches at its own core buses (module docstring)."""
    area = np.asarray(area, dtype=int)
    n_regions = int(area.max()) + 1
    names = names or [f"area{k + 1}" for k in range(n_regions)]
    if len(names) != n_regions:
        raise ValueError(f"{len(names)} names for {n_regions} areas")
    empty = [names[k] for k in range(n_regions) if not np.any(area == k)]
    if empty:
        raise ValueError(f"regions without buses: {empty}")
    fa, ta = area[model.f], area[model.t]
    cut = np.flatnonzero(fa != ta)
    parts = [_region_sets(model, area, k) for k in range(n_regions)]
    cons = _consensus_rows(model, area, cut, parts)
    regions = [_region_data(model, k, names[k], part, cons) for k, part in enumerate(parts)]
    return Partition(model=model, regions=regions, core_region=area, cut_branches=cut, consensus=cons,
                     method=method)


def _region_sets(model: NetworkModel, area: np.ndarray, k: int) -> tuple:
    """Buses, branches and units of region ``k``: (core buses, copy buses, buses = cores then copies, branches with
    an end at a core bus, which of their (from, to) ends the region limits: those at its core buses, units at core
    buses)."""
    fa, ta = area[model.f], area[model.t]
    unit_bus = model.units["bus"].to_numpy(int) if model.ng else np.zeros(0, int)
    core = np.flatnonzero(area == k)
    br = np.flatnonzero((fa == k) | (ta == k))
    ends = np.unique(np.concatenate([model.f[br], model.t[br]]))
    copies = ends[area[ends] != k]
    buses = np.concatenate([core, copies])
    owned = np.column_stack([fa[br] == k, ta[br] == k])
    units = np.flatnonzero(area[unit_bus] == k) if model.ng else np.zeros(0, int)
    return core, copies, buses, br, owned, units


def _consensus_rows(model: NetworkModel, area: np.ndarray, cut: np.ndarray, parts: list[tuple]) -> pd.DataFrame:
    """The consensus table (`Partition.consensus`): for each (region, copy bus) and quantity, copy - core = 0."""
    fa, ta = area[model.f], area[model.t]
    rows = []
    pos = [{int(b): j for j, b in enumerate(p[2])} for p in parts]
    for k, (_core, copies, buses, *_rest) in enumerate(parts):
        nb_k = len(buses)
        for b in copies:
            owner = int(area[b])
            nb_o = len(parts[owner][2])
            ties = cut[((model.f[cut] == b) & (ta[cut] == k)) | ((model.t[cut] == b) & (fa[cut] == k))]
            y = float(np.abs(model.yft[ties]).max()) if len(ties) else 0.0
            for q, off_k, off_o in (("va", 0, 0), ("vm", nb_k, nb_o)):
                rows.append({"copy_region": k, "copy_index": off_k + pos[k][int(b)], "core_region": owner,
                             "core_index": off_o + pos[owner][int(b)], "quantity": q, "bus": int(b),
                             "bus_pd": int(model.bus_pd[b]), "tie_admittance": y})
    return pd.DataFrame(rows, columns=["copy_region", "copy_index", "core_region", "core_index", "quantity", "bus",
                                       "bus_pd", "tie_admittance"])


def _region_data(model: NetworkModel, k: int, name: str, part: tuple, cons: pd.DataFrame) -> RegionData:
    """The `RegionData` of region ``k``: its sub-network and its consensus matrix (+1 on its copies, -1 on its
    cores that others copy)."""
    core, _copies, buses, br, owned, units = part
    sub = _sub_model(model, buses, len(core), br, owned, units, name)
    n_x = 2 * len(buses) + 2 * len(units)
    as_copy = cons.index[cons.copy_region == k].to_numpy()
    as_core = cons.index[cons.core_region == k].to_numpy()
    r = np.concatenate([as_copy, as_core])
    c = np.concatenate([cons.copy_index.to_numpy()[as_copy], cons.core_index.to_numpy()[as_core]])
    v = np.concatenate([np.ones(len(as_copy)), -np.ones(len(as_core))])
    a = sp.csr_matrix((v, (r, c)), shape=(len(cons), n_x))
    finite = np.isfinite(model.rate[br])
    return RegionData(name=name, index=k, model=sub, n_core=len(core), bus_global=buses, branch_global=br,
                      unit_global=units, A=a, rows=np.unique(r), limit_from=owned[:, 0] & finite,
                      limit_to=owned[:, 1] & finite)

def partition(net, method: str = "spectral", n_regions: int = 3, zone_column: str = "zone",
              model: NetworkModel | None = None, imbalance: float = 0.1,
              merge_admittance: float = 1e3) -> Partition:
    """Partition a pandapower net into regions (see the module docstring).

    method: "zone" (regions = values of ``net.bus[zone_column]``, the slack's zone first) or "spectral"
        (``n_regions`` connected areas of the bus graph, none larger than ``1 + imbalance`` times the mean).
    merge_admittance: see `merge_stiff_ties` (p.u.).
    model: the net's `NetworkModel` when already built (else built here with the net's own limits).
    """
    if method not in ("zone", "spectral"):
        raise ValueError(f"method must be 'zone' or 'spectral', not {method!r}")
    model = build_network(net) if model is None else model
    if method == "zone":
        area, names = zone_areas(net, model, zone_column)
        area = merge_stiff_ties(model, area, merge_admittance)
        part = from_areas(model, area, names, method="zone")
    else:
        area = merge_stiff_ties(model, spectral_areas(model, int(n_regions), imbalance), merge_admittance)
        part = from_areas(model, area, method="spectral")
    return dataclasses.replace(part, fingerprint=net_fingerprint(net))


def net_fingerprint(net) -> str:
    """A hash of a pandapower net's element tables (every DataFrame but results, geodata and internal ones):
    changes when any bus, branch, load, unit, cost or limit of the net changes."""
    import hashlib

    h = hashlib.sha256()
    for key in sorted(k for k in net if isinstance(net[k], pd.DataFrame)):
        if key.startswith(("res_", "_")) or "geodata" in key:
            continue
        df = net[key]
        h.update(f"{key}:{list(df.columns)}:{df.shape}".encode())
        if len(df):
            # object columns may hold lists or dicts (unhashable): those are hashed by their text
            plain = df.copy()
            for col in plain.columns[plain.dtypes == object]:
                plain[col] = plain[col].map(repr)
            h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]
