"""Grid data checks before any model is built: a net that would be solved wrongly is refused with a clear message.

`check_net(net, name)` raises ValueError (naming the table, the index and the column, and what to change) for

* parts of the grid cut off from every angle reference (in-service ext_grid or slack gen) that carry load or units:
  pandapower's power flow, and `forlab.opf.network.build_network` with it, silently drops such an island (a radial
  DS with one line open lost 12 buses, 24.7 MW of load and 2 of its 4 flexibility-providing units without a word).
  Isolated buses with nothing on them (no load, no generator, no static generator, no storage) are allowed: dropping
  them changes no result, and MATPOWER cases carry such buses;
* NaN or infinite data where the engine would otherwise substitute a default (a NaN ``max_p_mw`` became "no limit",
  a NaN ``max_vm_pu`` 1.1 p.u., a NaN ``max_i_ka`` "no limit") or divide by it (NaN reactance, ``sn_mva = 0``);
* lower limits above upper limits (voltage, unit P and Q, branch angle difference);
* NaN or infinite cost coefficients (``net.poly_cost``) of the OPF's units (ext_grids, gens, controllable sgens): a
  NaN ``cp2_eur_per_mw2`` was read as 0, and case9 solved to 2654.8 $/h instead of 5296.7 $/h.

Every check is vectorised over a table (pandas/numpy), and the islands come from one sparse connected-components
call, so that the check costs little next to a model build, also for the 1354-bus PEGASE case. Only in-service
elements on in-service buses are checked: out-of-service data is never used.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# physical data: must be finite (NaN or inf would be replaced by a default or reach the solver as NaN)
_BUS_COLUMNS = ("vn_kv", "min_vm_pu", "max_vm_pu")
_LINE_COLUMNS = ("length_km", "r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "g_us_per_km")
_TRAFO_COLUMNS = ("sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent", "vkr_percent", "pfe_kw", "i0_percent",
                  "shift_degree")
_IMPEDANCE_COLUMNS = ("rft_pu", "xft_pu", "rtf_pu", "xtf_pu", "sn_mva")
_INJECTION_COLUMNS = ("p_mw", "q_mvar")
# limits: NaN is refused (ambiguous); an infinite limit on its open side (-inf lower, +inf upper) is an explicit
# "no limit", as MATPOWER files write Inf (case1354pegase has generators with Qmin = -Inf, Qmax = Inf)
_LOWER_LIMITS = ("min_p_mw", "min_q_mvar")
_UPPER_LIMITS = ("max_p_mw", "max_q_mvar")
# (table, lower column, upper column): checked where both are finite
_LIMIT_PAIRS = (("bus", "min_vm_pu", "max_vm_pu"),
                ("gen", "min_p_mw", "max_p_mw"), ("gen", "min_q_mvar", "max_q_mvar"),
                ("sgen", "min_p_mw", "max_p_mw"), ("sgen", "min_q_mvar", "max_q_mvar"),
                ("ext_grid", "min_p_mw", "max_p_mw"), ("ext_grid", "min_q_mvar", "max_q_mvar"),
                ("storage", "min_p_mw", "max_p_mw"), ("storage", "min_q_mvar", "max_q_mvar"),
                ("line", "min_angle_degree", "max_angle_degree"), ("trafo", "min_angle_degree", "max_angle_degree"))
COST_COLUMNS = ("cp0_eur", "cp1_eur_per_mw", "cp2_eur_per_mw2", "cq0_eur", "cq1_eur_per_mvar", "cq2_eur_per_mvar2")
"""poly_cost's coefficients, as the OPF reads them (`forlab.opf.network`); a missing column means a zero cost."""
_SHOW = 8  # indices named in a message before "..."


def check_net(net, name: str = "net") -> None:
    """Refuse a pandapower net that forlab would model wrongly (see module docstring); None when it is fine.

    name: how the message calls the net (e.g. the DS name). Raises ValueError naming the element table, the
    indices and the column, and saying what to change.
    """
    net_name = str(getattr(net, "name", "") or "")
    label = f"{name} '{net_name}'" if net_name and net_name != name else name
    _check_base(net, label)
    _check_finite(net, label)
    _check_limit_order(net, label)
    _check_costs(net, label)
    _check_islands(net, label)


def _check_base(net, label: str) -> None:
    """The net's power base: a positive finite number (every per-unit quantity divides by it)."""
    sn = getattr(net, "sn_mva", None)
    try:
        ok = sn is not None and math.isfinite(float(sn)) and float(sn) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{label}: sn_mva must be a positive finite number (the per-unit base, MVA), got {sn!r}")


def _live(net, table: str) -> pd.DataFrame:
    """The in-service rows of a table whose buses are in service (empty when the table is absent)."""
    if table not in net or not len(net[table]):
        return pd.DataFrame()
    df = net[table]
    on = df["in_service"].to_numpy(bool) if "in_service" in df else np.ones(len(df), bool)
    bus_on = net.bus.index[net.bus["in_service"].to_numpy(bool)] if "in_service" in net.bus else net.bus.index
    for col in ("bus", "from_bus", "to_bus", "hv_bus", "lv_bus"):
        if col in df:
            on &= df[col].isin(bus_on).to_numpy()
    return df[on]


def _bad_rows(df: pd.DataFrame, columns, label: str, table: str, allowed_inf: float = 0.0) -> None:
    """ValueError for the first column of ``columns`` with NaN or infinite entries (``allowed_inf`` = +inf or -inf:
    that infinity is allowed, it means "no limit")."""
    for col in columns:
        if col not in df or not len(df):
            continue
        vals = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(vals) & (vals != allowed_inf)
        if bad.any():
            idx = df.index[bad]
            what = "NaN or infinite" if allowed_inf == 0.0 else f"NaN or {-allowed_inf:+}"
            hint = "a finite number" if allowed_inf == 0.0 else f"a number ({allowed_inf:+} for no limit)"
            raise ValueError(f"{label}: {table}.{col} is {what} at index {_list(idx)} (e.g. {float(vals[bad][0])!r}); "
                             f"give {hint}: forlab would otherwise substitute a default or fail in the solver")


def _check_finite(net, label: str) -> None:
    """NaN/inf in bus, branch and unit data of in-service elements (see module docstring)."""
    _bad_rows(_live(net, "bus"), _BUS_COLUMNS, label, "bus")
    line = _live(net, "line")
    _bad_rows(line, _LINE_COLUMNS, label, "line")
    _bad_rows(line, ("max_i_ka",), label, "line", allowed_inf=np.inf)
    if len(line) and "max_i_ka" in line and (line["max_i_ka"] <= 0).any():
        # pandapower turns a zero rating into "no limit" without a word
        raise ValueError(f"{label}: line.max_i_ka <= 0 at index {_list(line.index[line['max_i_ka'] <= 0])}; "
                         f"give the thermal rating in kA (inf, or 99999 as pandapower's converter writes, for none)")
    _bad_rows(_live(net, "trafo"), _TRAFO_COLUMNS, label, "trafo")
    _bad_rows(_live(net, "impedance"), _IMPEDANCE_COLUMNS, label, "impedance")
    for table in ("load", "sgen", "gen", "storage"):
        _bad_rows(_live(net, table), _INJECTION_COLUMNS, label, table)
    # only a controllable sgen is a unit of the OPF whose limits are used
    for table, df in _units(net).items():
        _bad_rows(df, _LOWER_LIMITS, label, table, allowed_inf=-np.inf)
        _bad_rows(df, _UPPER_LIMITS, label, table, allowed_inf=np.inf)
    _bad_rows(_live(net, "ext_grid"), ("vm_pu", "va_degree"), label, "ext_grid")


def _units(net) -> dict:
    """The OPF's units by table: in-service ext_grids and gens, and the controllable sgens (the others are fixed
    injections, whose limits and costs the OPF does not use)."""
    sgen = _live(net, "sgen")
    ctrl = sgen["controllable"].fillna(False).astype(bool) if len(sgen) and "controllable" in sgen else None
    return {"ext_grid": _live(net, "ext_grid"), "gen": _live(net, "gen"),
            "sgen": sgen[ctrl] if ctrl is not None else sgen.iloc[:0]}


def _check_costs(net, label: str) -> None:
    """NaN or infinite ``poly_cost`` coefficients of the OPF's units (see module docstring), named by unit."""
    costs = net["poly_cost"] if "poly_cost" in net else pd.DataFrame()
    if not len(costs) or not {"et", "element"} <= set(costs.columns):
        return
    used = np.zeros(len(costs), bool)
    for et, units in _units(net).items():
        used |= (costs["et"] == et).to_numpy() & costs["element"].isin(units.index).to_numpy()
    mine = costs[used]
    for col in COST_COLUMNS:
        if col not in mine:
            continue
        bad = ~np.isfinite(pd.to_numeric(mine[col], errors="coerce").to_numpy(float))
        if bad.any():
            who = [f"{et} {int(el)}" for et, el in zip(mine["et"][bad], mine["element"][bad])]
            raise ValueError(f"{label}: poly_cost.{col} is NaN or infinite for {_list(who)} (poly_cost index "
                             f"{_list(mine.index[bad])}); give a finite cost coefficient (0 for no such term): "
                             f"the OPF would otherwise price that term wrongly")


def _check_limit_order(net, label: str) -> None:
    """Lower limit above upper limit on any in-service element (both given)."""
    for table, lo_col, hi_col in _LIMIT_PAIRS:
        df = _live(net, table)
        if not len(df) or lo_col not in df or hi_col not in df:
            continue
        lo = pd.to_numeric(df[lo_col], errors="coerce").to_numpy(float)
        hi = pd.to_numeric(df[hi_col], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            bad = lo > hi  # False where either is NaN
        if bad.any():
            idx = df.index[bad]
            raise ValueError(f"{label}: {table}.{lo_col} > {table}.{hi_col} at index {_list(idx)} "
                             f"(e.g. {float(lo[bad][0])!r} > {float(hi[bad][0])!r}); swap or correct the limits")


def _list(idx) -> str:
    idx = [int(i) if isinstance(i, (int, np.integer)) else i for i in idx]
    return ", ".join(map(str, idx[:_SHOW])) + (f", ... ({len(idx)} in all)" if len(idx) > _SHOW else "")


def energised_buses(net) -> pd.Index:
    """The in-service buses connected to an angle reference (in-service ext_grid or slack gen) through in-service
    lines, transformers, impedances and closed switches: the buses a power flow keeps."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    buses = net.bus.index[net.bus["in_service"].to_numpy(bool)] if "in_service" in net.bus else net.bus.index
    pos = pd.Series(np.arange(len(buses)), index=buses)
    a, b = _edges(net)
    keep = np.isin(a, buses) & np.isin(b, buses)
    ia, ib = pos[a[keep]].to_numpy(), pos[b[keep]].to_numpy()
    graph = coo_matrix((np.ones(len(ia)), (ia, ib)), shape=(len(buses), len(buses)))
    _, comp = connected_components(graph, directed=False)
    refs = _references(net)
    ref_comps = np.unique(comp[pos[refs[refs.isin(buses)]].to_numpy()])
    return buses[np.isin(comp, ref_comps)]


def _references(net) -> pd.Series:
    """Buses of the in-service angle references (ext_grids and slack gens) on in-service buses."""
    refs = _live(net, "ext_grid")["bus"] if len(_live(net, "ext_grid")) else pd.Series(dtype=int)
    gen = _live(net, "gen")
    if len(gen) and "slack" in gen:
        refs = pd.concat([refs, gen.loc[gen["slack"].fillna(False).astype(bool), "bus"]])
    return refs.astype(int)


def _edges(net) -> tuple[np.ndarray, np.ndarray]:
    """(bus, bus) pairs of every connecting element: in-service branches not opened by a switch at either end, and
    closed bus-bus switches (three-winding transformers as a star of two pairs)."""
    sw = net.switch if "switch" in net and len(net.switch) else pd.DataFrame(columns=["et", "element", "closed", "bus"])
    open_sw = sw[~sw["closed"].astype(bool)]
    pairs = []
    for table, ends, et in (("line", ("from_bus", "to_bus"), "l"), ("trafo", ("hv_bus", "lv_bus"), "t"),
                            ("impedance", ("from_bus", "to_bus"), None),
                            ("trafo3w", ("hv_bus", "mv_bus"), "t3"), ("trafo3w", ("hv_bus", "lv_bus"), "t3")):
        df = _live(net, table)
        if not len(df):
            continue
        if et is not None:
            df = df[~df.index.isin(open_sw.loc[open_sw["et"] == et, "element"])]
        pairs.append((df[ends[0]].to_numpy(int), df[ends[1]].to_numpy(int)))
    closed_bb = sw[(sw["et"] == "b") & sw["closed"].astype(bool)]
    pairs.append((closed_bb["bus"].to_numpy(int), closed_bb["element"].to_numpy(int)))
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def _check_islands(net, label: str) -> None:
    """ValueError when buses cut off from every angle reference carry load or units (see module docstring)."""
    if not len(_references(net)):
        raise ValueError(f"{label} has no in-service ext_grid or slack gen (on an in-service bus): add one as angle "
                         f"reference")
    alive = energised_buses(net)
    cut = net.bus.index[net.bus["in_service"].to_numpy(bool) & ~net.bus.index.isin(alive)]
    if not len(cut):
        return
    load = _live(net, "load")
    load = load[load["bus"].isin(cut) & ((load["p_mw"] != 0) | (load["q_mvar"] != 0))] if len(load) else load
    found = []
    if len(load):
        # the sum of the loads, said as one: "12 loads of 1.075 MW" read as 1.075 MW each
        found.append(f"{len(load)} load{'' if len(load) == 1 else 's'} drawing {load['p_mw'].sum():.6g} MW"
                     f"{' in total' if len(load) > 1 else ''} (load {_list(load.index)})")
    for table in ("gen", "sgen", "storage"):
        df = _live(net, table)
        df = df[df["bus"].isin(cut)] if len(df) else df
        if len(df):
            found.append(f"{table} {_list(df.index)}")
    if not found:
        return  # isolated buses with nothing on them change no result
    one = len(cut) == 1
    raise ValueError(
        f"{label}: {len(cut)} in-service {'bus' if one else 'buses'} ({_list(list(cut))}) "
        f"{'is' if one else 'are'} cut off from every ext_grid/slack gen (an open line or switch, or an out-of-service "
        f"branch) and {'carries' if one else 'carry'} {'; '.join(found)}: a power flow would drop "
        f"{'it' if one else 'them'} without a word. Close the branch that separates {'it' if one else 'them'} or take "
        f"{'this bus and its' if one else 'these buses and their'} elements out of service (cut-off buses with "
        f"nothing on them may stay)"
    )


__all__ = ["check_net", "energised_buses"]


def short(value) -> str:
    """``repr(value)``, cut to 80 characters (for a message about a bad field of a file)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def finite_numbers(value, shape: tuple, what: str, entry: str = "entry") -> np.ndarray:
    """``value`` as a float array of ``shape`` (None: any length on that axis) with finite entries; ValueError naming
    the field ``what`` otherwise (``entry``: what one entry is, for the message). The one check of numeric fields of
    the files a DSO sends, P1's offers and P2's surrogates alike."""
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nesting
        arr = np.asarray([], dtype=object)
    fits = arr.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, arr.shape))
    if arr.dtype.kind not in "iuf" or not fits:
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{what} must be numbers of shape {want}, got {short(value)}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr)).tolist()[:5]
        raise ValueError(f"{what} has NaN or infinite entries at {bad}: every {entry} must be a finite number")
    return arr

