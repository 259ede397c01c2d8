"""Checks of a FOR sample set against pandapower's power flow, code the sampling has not touched.

Two properties must hold for any DS (the FOR sampling issue):

* no feasible operating point lies beyond a support point: for random FPU set-points inside their PQ charts and random
  PCC voltages whose power flow respects every limit, d . x~ never exceeds the support value in direction d;
* every projection point is feasible (its FPU dispatch, put into a power flow, respects all limits and reproduces the
  sampled PCC point) and lies on the boundary: a small step out of it, towards its target (or out of the box face it
  sits on), leaves the region (`on_boundary`; an interior point fails this check).

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
from forlab.p1_for.dso_opf import DSOModel
from forlab.p1_for.sampling import box_of


def pcc_point(net, dispatch: pd.DataFrame) -> np.ndarray:
    """(P MW, Q Mvar, V p.u.) at the PCC (the DS's ext_grid) from a pandapower power flow at ``dispatch``; NaN on
    every axis when the power flow diverges (a failed solve has no PCC point, and one such dispatch must not end a
    whole check)."""
    import pandapower as pp

    n = copy.deepcopy(net)
    set_dispatch(n, dispatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pp.runpp(n, calculate_voltage_angles=True, trafo_model="pi")
        except pp.LoadflowNotConverged:
            return np.full(3, np.nan)
    eg = n.ext_grid.index[0]
    return np.array([n.res_ext_grid.p_mw[eg], n.res_ext_grid.q_mvar[eg], n.res_bus.vm_pu[n.ext_grid.bus[eg]]])


def random_operating_points(net, n: int, seed: int = 0, vm_range: tuple[float, float] = (0.95, 1.05)) -> list:
    """n random FPU set-points inside their charts with a random PCC voltage; those whose power flow respects all
    limits, as (dispatch, PCC point) pairs."""
    rng = np.random.default_rng(seed)
    fpu = td.fpu_index(net)
    charts = {k: td.chart_of(net, k) for k in fpu}
    eg = net.ext_grid.index[0]
    out = []
    for _ in range(int(n)):
        rows = [{"et": "ext_grid", "element": eg, "vm_pu": rng.uniform(*vm_range), "va_degree": 0.0}]
        for k in fpu:
            p, q = charts[k].sample(1, rng)[0]
            rows.append({"et": "sgen", "element": k, "p_mw": p, "q_mvar": q})
        disp = pd.DataFrame(rows)
        x = pcc_point(net, disp) if judge(net, disp)["feasible"] else None
        if x is not None and np.all(np.isfinite(x)):  # the judge's power flow and this one both converged
            out.append((disp, x))
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


BOUNDARY_STEP = 0.01
"""How far (box-normalised units) `on_boundary` steps out of a point: well above Ipopt's constraint tolerance, small
against the region."""


def on_boundary(model: DSOModel, box, point, target, step: float = BOUNDARY_STEP) -> bool:
    """Whether the PCC point ``point`` (MW, Mvar, p.u.) lies on the boundary of the DS's FOR (eq. (p1-projection)):
    a step of ``step`` (box-normalised) out of it leaves the region: the stepped point breaks the PCC's own limits
    (the PCC bus's voltage band) or the DS cost OPF with the PCC fixed there has no solution (`DSOModel.cost_solve`). "Out" is towards the normalised ``target`` when the target lies
    elsewhere (a projection moves from its target straight to the region), else out of the box face the point sits
    on; a point that is its own target and on no box face is interior (False)."""
    z = box.normalise(np.asarray(point, float))
    d = np.asarray(target, float) - z
    if np.linalg.norm(d) > 1e-6:
        d = d / np.linalg.norm(d)
    else:
        k = int(np.argmax(np.abs(z)))
        if abs(z[k]) < 1 - 1e-5:
            return False
        d = np.zeros(3)
        d[k] = np.sign(z[k])
    out = box.denormalise(z + step * d)
    if not _within_pcc_limits(model, out):
        return True
    s, _ = model.cost_solve(out, box)
    return not s.success


def _within_pcc_limits(model: DSOModel, x) -> bool:
    """Whether the PCC point x (MW, Mvar, p.u.) respects the PCC's own limits in the DS OPF (e.g. the PCC bus's
    voltage band), which `DSOModel.cost_solve` replaces by the fixed point."""
    i = list(model.pcc_indices)
    lo, hi = model.opf.lbx[i], model.opf.ubx[i]
    v = np.asarray(x, float) / np.array([model.model.base_mva, model.model.base_mva, 1.0])
    return bool(np.all(v >= lo - 1e-9) and np.all(v <= hi + 1e-9))


def projections(net, samples: xr.Dataset, step: float = BOUNDARY_STEP) -> dict:
    """Power flow at every successful projection sample's dispatch (checks eq. (p1-projection)). Returns
    n_projections, n_feasible (all limits respected), n_diverged (power flow diverged: not feasible, no PCC point),
    max_pcc_error (largest |PCC point from the power flow - sampled point| on any axis over the converged points,
    box-normalised like ``pcc_mismatch``: 1 is half the box's width; NaN when none converged) and n_on_boundary
    (`on_boundary` at the power flow's PCC point: a step of ``step`` out of it leaves the region)."""
    box = box_of(samples)
    proj = samples.where((samples.stage == "projection") & samples.success, drop=True)
    eg = net.ext_grid.index[0]
    fpu = td.fpu_index(net)
    model = DSOModel(net)
    n_ok, n_boundary, n_diverged, errors = 0, 0, 0, []
    for i in range(proj.sizes.get("sample", 0)):
        s = proj.isel(sample=i)
        rows = [{"et": "ext_grid", "element": eg, "vm_pu": float(s.vm_pu), "va_degree": 0.0}]
        rows += [{"et": "sgen", "element": k, "p_mw": float(p), "q_mvar": float(q)}
                 for k, p, q in zip(fpu, s.fpu_p_mw.values, s.fpu_q_mvar.values)]
        disp = pd.DataFrame(rows)
        x = pcc_point(net, disp)
        if not np.all(np.isfinite(x)):  # diverged: recorded as a not-feasible point with no error and no boundary
            n_diverged += 1
            continue
        n_ok += bool(judge(net, disp)["feasible"])
        sampled = [float(s.p_mw), float(s.q_mvar), float(s.vm_pu)]
        errors.append(float(np.max(np.abs(box.normalise(x) - box.normalise(sampled)))))  # one unit for all axes
        n_boundary += on_boundary(model, box, x, s.target.values, step)
    return {"n_projections": int(proj.sizes.get("sample", 0)), "n_feasible": n_ok, "n_diverged": n_diverged,
            "max_pcc_error": max(errors) if errors else float("nan"), "n_on_boundary": n_boundary}


__all__ = ["BOUNDARY_STEP", "on_boundary", "pcc_point", "projections", "random_operating_points", "support_bound"]
