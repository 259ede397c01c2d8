"""Checks of a FOR sample set against pandapower's power flow, code the sampling has not touched.

Two properties must hold for any DS (the FOR sampling issue):

* no feasible operating point lies beyond a support point: for random FPU set-points inside their PQ charts and random
  PCC voltages whose power flow respects every limit, d . x~ never exceeds the support value in direction d;
* every projection point is feasible (its FPU dispatch, put into a power flow, respects all limits and reproduces the
  sampled PCC point) and lies on the boundary (its target is outside the region, or it sits on a box face).

The tests run them on small DSs; the FOR chapter reports them for every DS it maps, the 533-bus one included.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from forlab.grid import td
from forlab.opf.judge import judge, set_dispatch
from forlab.p1_for.sampling import box_of


def _fpus(net) -> pd.Index:
    return net.sgen.index[net.sgen.get("controllable", pd.Series(False, index=net.sgen.index)).astype(bool)]


def pcc_point(net, dispatch: pd.DataFrame) -> np.ndarray:
    """(P MW, Q Mvar, V p.u.) at the PCC (the DS's ext_grid) from a pandapower power flow at ``dispatch``."""
    import pandapower as pp

    n = copy.deepcopy(net)
    set_dispatch(n, dispatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.runpp(n, calculate_voltage_angles=True, trafo_model="pi")
    eg = n.ext_grid.index[0]
    return np.array([n.res_ext_grid.p_mw[eg], n.res_ext_grid.q_mvar[eg], n.res_bus.vm_pu[n.ext_grid.bus[eg]]])


def random_operating_points(net, n: int, seed: int = 0, vm_range: tuple[float, float] = (0.95, 1.05)) -> list:
    """n random FPU set-points inside their charts with a random PCC voltage; those whose power flow respects all
    limits, as (dispatch, PCC point) pairs."""
    rng = np.random.default_rng(seed)
    fpu = _fpus(net)
    charts = {k: td.chart_of(net, k) for k in fpu}
    eg = net.ext_grid.index[0]
    out = []
    for _ in range(int(n)):
        rows = [{"et": "ext_grid", "element": eg, "vm_pu": rng.uniform(*vm_range), "va_degree": 0.0}]
        for k in fpu:
            p, q = charts[k].sample(1, rng)[0]
            rows.append({"et": "sgen", "element": k, "p_mw": p, "q_mvar": q})
        disp = pd.DataFrame(rows)
        if judge(net, disp)["feasible"]:
            out.append((disp, pcc_point(net, disp)))
    return out


def support_bound(net, samples: xr.Dataset, n_points: int = 40, seed: int = 0) -> dict:
    """Largest excess of d . x~ over the support value, over random feasible operating points and all support
    directions (box and Fibonacci samples): checks eq. (p1-support). Returns n_tried, n_feasible and max_excess
    (box-normalised units; <= 1e-6 means no point lies beyond a support plane)."""
    box = box_of(samples)
    sup = samples.where((samples.stage != "projection") & samples.success, drop=True)
    d = sup.normal.values
    pts = box.normalise(np.column_stack([sup.p_mw.values, sup.q_mvar.values, sup.vm_pu.values]))
    h = np.einsum("ij,ij->i", d, pts)
    ops = random_operating_points(net, n_points, seed)
    excess = [float(np.max(d @ box.normalise(x) - h)) for _, x in ops]
    return {"n_tried": int(n_points), "n_feasible": len(ops),
            "max_excess": max(excess) if excess else float("nan")}


def projections(net, samples: xr.Dataset) -> dict:
    """Power flow at every successful projection sample's dispatch (checks eq. (p1-projection)). Returns
    n_projections, n_feasible (all limits respected), max_pcc_error (largest |PCC point from the power flow -
    sampled point|, MW/Mvar/p.u.) and n_on_boundary (target outside the region, or the point on a box face)."""
    box = box_of(samples)
    proj = samples.where((samples.stage == "projection") & samples.success, drop=True)
    eg = net.ext_grid.index[0]
    fpu = _fpus(net)
    n_ok, n_boundary, err = 0, 0, 0.0
    for i in range(proj.sizes.get("sample", 0)):
        s = proj.isel(sample=i)
        rows = [{"et": "ext_grid", "element": eg, "vm_pu": float(s.vm_pu), "va_degree": 0.0}]
        rows += [{"et": "sgen", "element": k, "p_mw": float(p), "q_mvar": float(q)}
                 for k, p, q in zip(fpu, s.fpu_p_mw.values, s.fpu_q_mvar.values)]
        disp = pd.DataFrame(rows)
        n_ok += bool(judge(net, disp)["feasible"])
        x = pcc_point(net, disp)
        err = max(err, float(np.max(np.abs(x - [float(s.p_mw), float(s.q_mvar), float(s.vm_pu)]))))
        gap = np.linalg.norm(s.target.values - box.normalise(x))
        n_boundary += bool(gap > 1e-6 or np.isclose(np.abs(box.normalise(x)).max(), 1, atol=1e-5))
    return {"n_projections": int(proj.sizes.get("sample", 0)), "n_feasible": n_ok, "max_pcc_error": err,
            "n_on_boundary": n_boundary}


__all__ = ["pcc_point", "projections", "random_operating_points", "support_bound"]
