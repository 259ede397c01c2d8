"""Datasets of one distribution system (DS) that reveal no topology: inputs at the FPUs and PCCs, outputs at the PCCs.

A sample is an input vector u (`InputSpace`):

* p_mw, q_mvar of every flexibility-providing unit (FPU), drawn by Latin Hypercube inside its PQ chart
  (`forlab.grid.capability.PQChart.sample`);
* vm_pu at PCC 1 and, for a DS with two PCCs, vm_pu at PCC 2 and the angle difference dva_degree = va(PCC 2) -
  va(PCC 1) (degrees). PCC 2's voltage is drawn as vm_pu(PCC 1) + dvm with dvm in ``dvm_range``: two TS buses
  a DS ties together never sit 0.1 p.u. apart, and an independent draw would waste most samples on loop flows;
* load_scale: one factor on every DS load (the DSO's load forecast, a single number), when ``load_range`` is an
  interval.

For each sample `DSFlow` solves the AC power flow of the DS alone (PCCs as slack buses) with a batched
Newton-Raphson written here (numpy/scipy; all samples of a chunk share one vectorised Jacobian assembly and one
batched linear solve), and records the PCC import (P, Q per PCC, MW/Mvar, from the TS into the DS), the smallest distance
of a bus voltage to its limits (p.u.), the largest branch loading (percent of the apparent-power limit, as the OPF
models it) and the convergence. `label` turns them into feasible / infeasible with optional safety margins.
A non-converged flow stays in the dataset with ``converged = False`` and NaN outputs; it is infeasible.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import xarray as xr
from scipy.stats import qmc

from forlab.grid.capability import as_chart
from forlab.opf.network import build_network
from forlab.p2_surrogate.checks import numbers, section

__all__ = ["DENSE_MAX_UNKNOWNS", "RANGES", "DSFlow", "InputSpace", "check_range", "check_space_dict", "concat",
           "evaluate", "generate", "input_space", "label"]

DENSE_MAX_UNKNOWNS = 80
"""Batched dense LU (numpy) up to this many unknowns per flow (2 x non-slack buses), block-sparse LU above."""


# ----------------------------------------------------------------------------------------------------------------------
# input space
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class InputSpace:
    """The inputs u of one DS's surrogate and the domain they are sampled from: eq. (p2-inputs), chapter 06.

    fpus: one row per FPU (index: sgen index in the DS net) with columns name, kind, chart (JSON, MW/Mvar),
        cost_a ($/(MW^2 h)), cost_b ($/MWh): `forlab.grid.td.fpus`.
    n_pcc: 1 or 2. vm_range: PCC 1 voltage (p.u.). dvm_range: vm(PCC 2) - vm(PCC 1) (p.u.).
    dva_range_deg: va(PCC 2) - va(PCC 1) (degrees). load_range: DS load factor; a single value fixes it.
    """

    ds: str
    fpus: pd.DataFrame
    n_pcc: int = 1
    vm_range: tuple[float, float] = (0.95, 1.05)
    dvm_range: tuple[float, float] = (-0.02, 0.02)
    dva_range_deg: tuple[float, float] = (-1.0, 1.0)
    load_range: tuple[float, float] = (0.6, 1.0)
    charts: list = field(init=False, repr=False)

    def __post_init__(self):
        if self.n_pcc not in (1, 2):
            raise ValueError(f"n_pcc must be 1 or 2, got {self.n_pcc}")
        for name in RANGES:
            setattr(self, name, check_range(name, getattr(self, name)))
        self.charts = [as_chart(c) for c in self.fpus["chart"]]

    # -- layout -----------------------------------------------------------------------------------------------------
    @property
    def n_fpu(self) -> int:
        return len(self.fpus)

    @property
    def load_is_input(self) -> bool:
        """Whether the DS load factor is an input (a proper interval) or fixed."""
        return self.load_range[1] > self.load_range[0]

    @property
    def names(self) -> list[str]:
        """Input names, in the order of the columns of u."""
        out = []
        for k in range(self.n_fpu):
            out += [f"fpu{k}_p_mw", f"fpu{k}_q_mvar"]
        out.append("pcc0_vm_pu")
        if self.n_pcc == 2:
            out += ["pcc1_vm_pu", "pcc1_dva_degree"]
        if self.load_is_input:
            out.append("load_scale")
        return out

    @property
    def units(self) -> list[str]:
        """Unit of each input (same order as `names`)."""
        unit = {"mw": "MW", "mvar": "Mvar", "pu": "p.u.", "degree": "deg", "scale": "1"}
        return [unit[n.rsplit("_", 1)[-1]] for n in self.names]

    @property
    def dim(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Column of input ``name`` in u."""
        return self.names.index(name)

    # -- sampling ---------------------------------------------------------------------------------------------------
    def sample(self, n: int, rng=None) -> np.ndarray:
        """n inputs (n, dim): every FPU's (p, q) by Latin Hypercube inside its chart, the PCC quantities and the
        load factor by one Latin Hypercube over their box. ``rng``: numpy Generator or seed."""
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        cols = []
        for chart in self.charts:
            pts = chart.sample(n, gen)
            cols.append(pts[gen.permutation(n)])
        lo, hi = self._pcc_box()
        lhs = qmc.LatinHypercube(d=len(lo), rng=gen).random(n) if len(lo) else np.zeros((n, 0))
        x = lo + lhs * (hi - lo)
        return self._inputs(cols, x)

    def sample_boundary(self, n: int, rng=None, p_face: float = 0.5) -> np.ndarray:
        """n inputs (n, dim) on faces of the domain, where an optimiser's solutions lie and Latin Hypercube samples
        almost never go: each FPU's (p, q) with probability ``p_face`` uniformly on its chart's outline, else inside
        (`PQChart.sample`); each PCC quantity and the load factor with probability ``p_face`` at one end of its
        interval, else uniform inside it."""
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        cols = []
        for chart in self.charts:
            inner = chart.sample(n, gen)[gen.permutation(n)]
            edge = _on_outline(chart.vertices_for_plot(400), gen.uniform(size=n))
            cols.append(np.where((gen.uniform(size=n) < p_face)[:, None], edge, inner))
        lo, hi = self._pcc_box()
        x = lo + gen.uniform(size=(n, len(lo))) * (hi - lo)
        ends = np.where(gen.uniform(size=(n, len(lo))) < 0.5, lo, hi)
        x = np.where(gen.uniform(size=(n, len(lo))) < p_face, ends, x)
        return self._inputs(cols, x)

    def _inputs(self, cols: list[np.ndarray], x: np.ndarray) -> np.ndarray:
        """The input rows from the FPU columns ``cols`` and the PCC-box draws ``x``: V_1, then for two PCCs
        V_2 = V_1 + the drawn difference and the angle difference, then the load factor when it is an input."""
        pcc = [x[:, :1]]
        if self.n_pcc == 2:
            pcc += [x[:, :1] + x[:, 1:2], x[:, 2:3]]
        if self.load_is_input:
            pcc.append(x[:, -1:])
        return np.hstack(cols + pcc) if cols else np.hstack(pcc)

    def _pcc_box(self) -> tuple[np.ndarray, np.ndarray]:
        rows = [self.vm_range]
        if self.n_pcc == 2:
            rows += [self.dvm_range, self.dva_range_deg]
        if self.load_is_input:
            rows.append(self.load_range)
        arr = np.array(rows, float).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def columns(self, u: np.ndarray) -> dict[str, np.ndarray]:
        """Split u (n, dim) into p_mw, q_mvar (n, n_fpu), vm_pu, va_degree (n, n_pcc; PCC 1 at angle 0) and
        load_scale (n,)."""
        u = np.atleast_2d(np.asarray(u, float))
        nf = self.n_fpu
        p, q = u[:, 0 : 2 * nf : 2], u[:, 1 : 2 * nf : 2]
        vm = u[:, [2 * nf]]
        va = np.zeros((len(u), 1))
        if self.n_pcc == 2:
            vm = np.hstack([vm, u[:, [2 * nf + 1]]])
            va = np.hstack([va, u[:, [2 * nf + 2]]])
        load = u[:, -1] if self.load_is_input else np.full(len(u), self.load_range[0])
        return {"p_mw": p, "q_mvar": q, "vm_pu": vm, "va_degree": va, "load_scale": load}

    def domain_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The sampled domain of the PCC inputs and the load factor as ``A u <= b`` (the charts bound the FPUs)."""
        a, b = [], []

        def row(coefs: dict[str, float], lo: float, hi: float):
            r = np.zeros(self.dim)
            for name, c in coefs.items():
                r[self.index(name)] = c
            a.extend([r, -r])
            b.extend([hi, -lo])

        row({"pcc0_vm_pu": 1.0}, *self.vm_range)
        if self.n_pcc == 2:
            row({"pcc1_vm_pu": 1.0, "pcc0_vm_pu": -1.0}, *self.dvm_range)
            row({"pcc1_dva_degree": 1.0}, *self.dva_range_deg)
        if self.load_is_input:
            row({"load_scale": 1.0}, *self.load_range)
        return np.array(a), np.array(b)

    def project(self, u: np.ndarray) -> np.ndarray:
        """u (n, dim) moved into the sampled domain: FPU set-points to the nearest chart point, PCC 1 voltage, the
        voltage difference, the angle difference and the load factor clipped to their ranges."""
        u = np.array(np.atleast_2d(np.asarray(u, float)))
        for k, chart in enumerate(self.charts):
            for row in u:
                row[2 * k], row[2 * k + 1] = chart.nearest(row[2 * k], row[2 * k + 1])
        i = self.index
        u[:, i("pcc0_vm_pu")] = np.clip(u[:, i("pcc0_vm_pu")], *self.vm_range)
        if self.n_pcc == 2:
            dv = np.clip(u[:, i("pcc1_vm_pu")] - u[:, i("pcc0_vm_pu")], *self.dvm_range)
            u[:, i("pcc1_vm_pu")] = u[:, i("pcc0_vm_pu")] + dv
            u[:, i("pcc1_dva_degree")] = np.clip(u[:, i("pcc1_dva_degree")], *self.dva_range_deg)
        if self.load_is_input:
            u[:, i("load_scale")] = np.clip(u[:, i("load_scale")], *self.load_range)
        return u

    def inside(self, u: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """Whether each row of u lies in the sampled domain (charts and PCC/load box)."""
        u = np.atleast_2d(np.asarray(u, float))
        c = self.columns(u)
        ok = np.ones(len(u), bool)
        for k, chart in enumerate(self.charts):
            ok &= chart.contains(c["p_mw"][:, k], c["q_mvar"][:, k], tol=tol)
        a, b = self.domain_rows()
        return ok & np.all(u @ a.T <= b + tol, axis=1)

    # -- serialisation ----------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain dict (JSON-ready): the FPU table (charts as JSON, costs) and the ranges."""
        f = self.fpus.reset_index()
        cols = [c for c in ("sgen", "name", "kind", "chart", "cost_a", "cost_b") if c in f.columns]
        return {
            "ds": self.ds, "n_pcc": self.n_pcc, "vm_range": list(self.vm_range), "dvm_range": list(self.dvm_range),
            "dva_range_deg": list(self.dva_range_deg), "load_range": list(self.load_range),
            "fpus": f[cols].to_dict(orient="list"),
        }

    @classmethod
    def from_dict(cls, d: dict) -> InputSpace:
        """The input space of a `to_dict` dict; ValueError naming a malformed field (`check_space_dict`)."""
        check_space_dict(d)
        fp = pd.DataFrame(d["fpus"])
        if "sgen" in fp.columns:
            fp = fp.set_index("sgen")
        return cls(ds=d["ds"], fpus=fp, n_pcc=int(d["n_pcc"]), vm_range=tuple(d["vm_range"]),
                   dvm_range=tuple(d["dvm_range"]), dva_range_deg=tuple(d["dva_range_deg"]),
                   load_range=tuple(d["load_range"]))


RANGES = {"vm_range": "PCC 1's voltage, p.u.", "dvm_range": "vm(PCC 2) - vm(PCC 1), p.u.",
          "dva_range_deg": "va(PCC 2) - va(PCC 1), degrees", "load_range": "the DS load factor; equal ends fix it"}
"""The sampled ranges of an `InputSpace` (lo, hi), each with what it bounds (for `check_range`'s messages)."""


def check_range(name: str, value) -> tuple[float, float]:
    """``value`` as the interval (lo, hi) of the input range ``name`` (one of `RANGES`). ValueError naming it, the
    value and what to change unless it is two finite numbers with lo <= hi, vm_range's lo above 0 (a voltage) and
    load_range's lo at least 0 (a load factor). The one rule of `InputSpace` and of chapter 06's check of its
    parameters, which says it before any power flow rather than inside the first `build_cases`."""
    what = RANGES[name]
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):  # not two numbers: one message whatever the shape
        raise ValueError(f"{name} must be [low, high] ({what}), got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} must be two finite numbers [low, high] ({what}), got {value!r}")
    # the signs first, so that the swap said below gives a range that passes
    if name == "vm_range" and min(lo, hi) <= 0:
        raise ValueError(f"vm_range must lie above 0 ({what}), got {value!r}: give PCC 1's voltage band in p.u., "
                         "both ends about 1")
    if name == "load_range" and min(lo, hi) < 0:
        raise ValueError(f"load_range must not go below 0 ({what}), got {value!r}: make both ends >= 0 (0: no load)")
    if lo > hi:
        raise ValueError(f"{name} must be [low, high] with low <= high ({what}), got {value!r}: swap the two ends, "
                         f"[{hi!r}, {lo!r}]")
    return lo, hi


def check_space_dict(d, where: str = "space") -> None:
    """The checks of an input space in dict form (`InputSpace.to_dict`): ds, n_pcc (1 or 2), the ranges (two finite
    numbers each), the FPU table (columns of one length; chart, cost_a, cost_b required; finite costs; charts that
    `forlab.grid.capability.as_chart` reads). ValueError naming the field (``where``.field) and what is wrong."""
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a dict, got {type(d).__name__}")  # noqa: TRY004 - one error for a bad file
    section(d, "ds", where, str)
    n_pcc = numbers(d.get("n_pcc"), (), f"{where}.n_pcc")
    if n_pcc not in (1, 2):
        raise ValueError(f"{where}.n_pcc must be 1 or 2, got {d.get('n_pcc')!r}")
    for name in RANGES:
        numbers(d.get(name), (2,), f"{where}.{name} (lo, hi)")
    fp = section(d, "fpus", where)
    cols = {key: section(fp, key, f"{where}.fpus", list) for key in ("chart", "cost_a", "cost_b")}
    n = len(cols["chart"])
    for key in fp:
        if len(section(fp, key, f"{where}.fpus", list)) != n:
            raise ValueError(f"{where}.fpus.{key} has {len(fp[key])} entries for {n} FPUs: one per FPU")
    for key in ("cost_a", "cost_b"):
        numbers(cols[key], (n,), f"{where}.fpus.{key} (one per FPU)")
    for k, chart in enumerate(cols["chart"]):
        try:
            as_chart(chart)
        except (ValueError, TypeError) as err:  # re-raised with the field's name, nothing hidden
            raise ValueError(f"{where}.fpus.chart[{k}]: {err}") from None


def _on_outline(outline: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points at fractions t (in [0, 1)) of the perimeter of the closed polyline ``outline`` (k, 2)."""
    seg = np.diff(outline, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.r_[0.0, np.cumsum(length)]
    s = np.asarray(t) * cum[-1]
    k = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(seg) - 1)
    frac = np.where(length[k] > 0, (s - cum[k]) / np.where(length[k] > 0, length[k], 1.0), 0.0)
    return outline[k] + frac[:, None] * seg[k]


def input_space(ds_net, ds_name: str, n_pcc: int, **ranges) -> InputSpace:
    """The `InputSpace` of a DS net with FPUs (`forlab.grid.td.fpus`); ranges as `InputSpace` keywords."""
    from forlab.grid.td import fpus

    return InputSpace(ds=ds_name, fpus=fpus(ds_net), n_pcc=n_pcc, **ranges)


# ----------------------------------------------------------------------------------------------------------------------
# batched Newton-Raphson power flow
# ----------------------------------------------------------------------------------------------------------------------


class DSFlow:
    """Batched AC power flow of one DS net with its PCCs as slack buses.

    net: the DS alone (`forlab.grid.td.StudySystem.ds`); pcc_buses: its PCC buses (pandapower indices) in PCC
    order, default the ext_grid buses. The admittances, limits and FPUs come from `forlab.opf.network.build_network`,
    so the flow uses exactly the branch model of the OPFs (pi transformers). Loads are constant power; the load factor
    scales every load. Tolerance: largest power mismatch ``tolerance_mva`` (MVA), as pandapower's ``runpp``.

    Implements the power flow of eq. (p2-inputs), chapter 06: one flow per sample u, whose convergence, voltages and
    loadings `label` reads.
    """

    def __init__(self, net, pcc_buses: Sequence[int] | None = None, *, tolerance_mva: float = 1e-8,
                 max_iteration: int = 20, method: str = "auto"):
        m = build_network(net)
        self.model = m
        self.name = str(net.name or "")
        self.base_mva = m.base_mva
        self.tol = tolerance_mva / m.base_mva
        self.max_iteration = int(max_iteration)
        self.pcc_buses = self._pcc_of(net, pcc_buses)
        self.slack = m.bus_lookup[self.pcc_buses].to_numpy(int)
        self.pq = np.setdiff1d(np.arange(m.nb), self.slack)
        self.npq = len(self.pq)
        rows = np.r_[m.f, m.f, m.t, m.t, np.arange(m.nb)]
        cols = np.r_[m.f, m.t, m.f, m.t, np.arange(m.nb)]
        vals = np.r_[m.yff, m.yft, m.ytf, m.ytt, m.gsh + 1j * m.bsh]
        self.ybus = sp.csr_matrix((vals, (rows, cols)), shape=(m.nb, m.nb))
        self.ybus.sort_indices()
        self._jacobian_pattern()
        if method not in ("auto", "dense", "sparse"):
            raise ValueError(f"method must be 'auto', 'dense' or 'sparse', not {method!r}")
        auto = "dense" if 2 * self.npq <= DENSE_MAX_UNKNOWNS else "sparse"
        self.method = auto if method == "auto" else method
        self._fixed_injections(net)
        fpu = m.units[m.units.fpu.astype(bool)]
        self.fpu_sgen = fpu.element.to_numpy(int)
        self.fpu_bus = fpu.bus.to_numpy(int)
        ctl = m.units[(m.units.et == "sgen") & ~m.units.fpu.astype(bool)]
        if len(ctl):
            raise ValueError(f"DS {self.name!r} has controllable sgens without a chart: {list(ctl.element)}")
        self.limited = m.limited
        self.vmin, self.vmax = m.vmin, m.vmax

    def _pcc_of(self, net, pcc_buses) -> list[int]:
        """The PCC buses, default the in-service ext_grid buses; they must be exactly those (the slack buses)."""
        eg = net.ext_grid[net.ext_grid.in_service.astype(bool)]
        pcc = list(eg.bus.astype(int)) if pcc_buses is None else [int(b) for b in pcc_buses]
        if sorted(pcc) != sorted(int(b) for b in eg.bus):
            raise ValueError(f"PCC buses {pcc} must be exactly the ext_grid buses {sorted(eg.bus)} of {self.name!r}")
        return pcc

    def _jacobian_pattern(self) -> None:
        """Positions of the Jacobian's values: Ybus entries with row and column among the PQ buses, in PQ positions,
        for the dense path (`_jr`, `_jc`) and, for the sparse path, in a CSC layout with unknowns (va, vm)
        interleaved per bus and buses in minimum-degree elimination order, so that a natural-order LU has little
        fill (none on a radial feeder)."""
        n, npq = self.model.nb, self.npq
        pos = -np.ones(n, int)
        pos[self.pq] = np.arange(npq)
        coo = self.ybus.tocoo()
        keep = (pos[coo.row] >= 0) & (pos[coo.col] >= 0)
        self._r, self._c, self._y = coo.row[keep], coo.col[keep], coo.data[keep]
        self._diag = self._r == self._c
        ri, ci = pos[self._r], pos[self._c]
        self._jr = np.r_[ri, ri, npq + ri, npq + ri]
        self._jc = np.r_[ci, npq + ci, ci, npq + ci]
        rank = np.empty(npq, int)
        rank[_minimum_degree_order(ri, ci, npq)] = np.arange(npq)
        sr = np.r_[2 * rank[ri], 2 * rank[ri], 2 * rank[ri] + 1, 2 * rank[ri] + 1]
        sc = np.r_[2 * rank[ci], 2 * rank[ci] + 1, 2 * rank[ci], 2 * rank[ci] + 1]
        one = sp.csc_matrix((np.arange(1.0, len(sr) + 1), (sr, sc)), shape=(2 * npq, 2 * npq))
        self._csc_order = (one.data - 1).astype(int)  # Jacobian value k goes to CSC data slot where order == k
        self._csc_indices, self._csc_indptr = one.indices, one.indptr
        self._unknown_of = np.r_[2 * rank, 2 * rank + 1]

    def _fixed_injections(self, net) -> None:
        """Loads (``s_load``, scaled per sample) and non-controllable sgens (``s_fixed``) per bus, p.u."""
        m = self.model
        self.s_load = np.zeros(m.nb, complex)
        self.s_fixed = np.zeros(m.nb, complex)
        for tab, target, sign in (("load", self.s_load, 1.0), ("sgen", self.s_fixed, 1.0)):
            df = net[tab]
            if not len(df):
                continue
            on = df[df.in_service.astype(bool)]
            if tab == "sgen" and "controllable" in on.columns:
                on = on[~on.controllable.fillna(False).astype(bool)]
            scale = on["scaling"].fillna(1.0).to_numpy(float) if "scaling" in on.columns else 1.0
            s = sign * (on.p_mw.to_numpy(float) + 1j * on.q_mvar.to_numpy(float)) * scale / m.base_mva
            np.add.at(target, m.bus_lookup[on.bus].to_numpy(int), s)

    @property
    def n_pcc(self) -> int:
        return len(self.slack)

    def order_fpus(self, sgen_index: Sequence[int]) -> np.ndarray:
        """Column permutation that maps FPUs given by sgen index to this flow's FPU order."""
        where = {int(s): k for k, s in enumerate(sgen_index)}
        return np.array([where[int(s)] for s in self.fpu_sgen])

    # -- one batch --------------------------------------------------------------------------------------------------
    def _jacobian_values(self, v: np.ndarray, i: np.ndarray) -> np.ndarray:
        """(B, 4 nnz) values of J = d[P; Q]/d[va; vm] on the pattern (`_jr`, `_jc`)."""
        r, c, y, dg = self._r, self._c, self._y, self._diag
        vr, vc = v[:, r], v[:, c]
        vn_c = vc / np.abs(vc)
        ds_dva = -1j * vr * np.conj(y * vc)
        ds_dvm = vr * np.conj(y * vn_c)
        ir = i[:, r[dg]]
        vd = v[:, r[dg]]
        ds_dva[:, dg] += 1j * vd * np.conj(ir)
        ds_dvm[:, dg] += np.conj(ir) * vd / np.abs(vd)
        return np.hstack([ds_dva.real, ds_dvm.real, ds_dva.imag, ds_dvm.imag])

    def _newton_step(self, v: np.ndarray, i: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Solve J dx = f for every sample of the batch: (B, 2 npq)."""
        vals = self._jacobian_values(v, i)
        nb, m = len(v), 2 * self.npq
        if self.method == "dense":
            jac = np.zeros((nb, m, m))
            jac[:, self._jr, self._jc] = vals
            return np.linalg.solve(jac, f[:, :, None])[:, :, 0]
        nnz = len(self._csc_indices)
        indices = (self._csc_indices[None, :] + (np.arange(nb) * m)[:, None]).ravel()
        indptr = np.r_[(self._csc_indptr[None, :-1] + (np.arange(nb) * nnz)[:, None]).ravel(), nb * nnz]
        big = sp.csc_matrix((vals[:, self._csc_order].ravel(), indices, indptr), shape=(nb * m, nb * m))
        rhs = np.empty_like(f)
        rhs[:, self._unknown_of] = f
        lu = spla.splu(big, permc_spec="NATURAL", diag_pivot_thresh=0.1)
        return lu.solve(rhs.ravel()).reshape(nb, m)[:, self._unknown_of]

    def run(self, p_mw, q_mvar, vm_pu, va_degree=None, load_scale=None) -> dict[str, np.ndarray]:
        """Power flows of B samples.

        p_mw, q_mvar: (B, n_fpu) FPU set-points in this flow's FPU order (generator convention). vm_pu, va_degree:
        (B, n_pcc) PCC voltages (angle of PCC 1 is the reference; default 0). load_scale: (B,) factor on every load.
        Returns arrays: converged (B,), iterations (B,), p_mw, q_mvar (B, n_pcc: PCC import, TS -> DS),
        vm_min_pu, vm_max_pu, vm_slack_pu (smallest distance of a bus voltage to its limits, < 0 when violated),
        max_loading_percent, p_loss_mw (B,); NaN where not converged. vm_pu_bus (B, nb) in model bus order.
        """
        vm_pu = np.atleast_2d(np.asarray(vm_pu, float))
        nb_s = len(vm_pu)
        p = np.asarray(p_mw, float).reshape(nb_s, -1)
        q = np.asarray(q_mvar, float).reshape(nb_s, -1)
        va = np.zeros_like(vm_pu) if va_degree is None else np.atleast_2d(np.asarray(va_degree, float))
        lam = np.ones(nb_s) if load_scale is None else np.broadcast_to(np.asarray(load_scale, float), (nb_s,))
        n = self.model.nb
        sbus = np.tile(self.s_fixed, (nb_s, 1)) - lam[:, None] * self.s_load[None, :]
        np.add.at(sbus.T, self.fpu_bus, ((p + 1j * q) / self.base_mva).T)
        # flat start at PCC 1's voltage, the PCCs at their given voltages
        vmag = np.repeat(vm_pu[:, :1], n, axis=1)
        vang = np.zeros((nb_s, n))
        vmag[:, self.slack] = vm_pu
        vang[:, self.slack] = np.deg2rad(va)
        v, converged, iters = self._newton(vmag, vang, sbus)
        return self._outputs(v, sbus, converged, iters)

    def _newton(self, vmag: np.ndarray, vang: np.ndarray, sbus: np.ndarray) -> tuple[np.ndarray, ...]:
        """Newton-Raphson on the whole batch from (vmag, vang) (updated in place): each iteration steps only the
        samples still running; a sample stops when its mismatch is below the tolerance (converged), diverges, hits
        a singular Jacobian or runs out of iterations. Returns the voltages, converged (B,) and iterations (B,)."""
        nb_s = len(sbus)
        v = vmag * np.exp(1j * vang)
        converged = np.zeros(nb_s, bool)
        failed = np.zeros(nb_s, bool)
        iters = np.zeros(nb_s, int)
        pq, npq = self.pq, self.npq
        for it in range(self.max_iteration + 1):
            cur = np.flatnonzero(~converged & ~failed)
            if not len(cur):
                break
            vc = v[cur]
            ic = (self.ybus @ vc.T).T
            mis = vc * np.conj(ic) - sbus[cur]
            fvec = np.hstack([mis.real[:, pq], mis.imag[:, pq]])
            err = np.max(np.abs(fvec), axis=1) if npq else np.zeros(len(cur))
            ok = err < self.tol
            converged[cur[ok]] = True
            iters[cur[ok]] = it
            bad = ~np.isfinite(err) | (err > 1e6) | (it == self.max_iteration)
            failed[cur[bad & ~ok]] = True
            iters[cur[bad & ~ok]] = it
            step = ~ok & ~bad
            if not step.any():
                continue
            cs = cur[step]
            with np.errstate(all="ignore"):
                try:
                    dx = self._newton_step(vc[step], ic[step], fvec[step])
                except (np.linalg.LinAlgError, RuntimeError):
                    dx = np.full((len(cs), 2 * npq), np.nan)
            sing = ~np.all(np.isfinite(dx), axis=1)
            failed[cs[sing]] = True
            iters[cs[sing]] = it
            cs, dx = cs[~sing], dx[~sing]
            vang[np.ix_(cs, pq)] -= dx[:, :npq]
            vmag[np.ix_(cs, pq)] -= dx[:, npq:]
            v[cs] = vmag[cs] * np.exp(1j * vang[cs])
        return v, converged, iters

    def _outputs(self, v, sbus, converged, iters) -> dict[str, np.ndarray]:
        m, base = self.model, self.base_mva
        nb_s = len(v)
        i = (self.ybus @ v.T).T
        s_net = v * np.conj(i)
        imp = (s_net - sbus)[:, self.slack] * base
        vm = np.abs(v)
        slack_v = np.minimum(vm - self.vmin, self.vmax - vm).min(axis=1)
        lim = self.limited
        if len(lim):
            vf, vt = v[:, m.f[lim]], v[:, m.t[lim]]
            sf = vf * np.conj(m.yff[lim] * vf + m.yft[lim] * vt)
            st = vt * np.conj(m.ytf[lim] * vf + m.ytt[lim] * vt)
            loading = 100 * (np.maximum(np.abs(sf), np.abs(st)) / m.rate[lim]).max(axis=1)
        else:
            loading = np.zeros(nb_s)
        nan = np.where(converged, 1.0, np.nan)
        return {
            "converged": converged, "iterations": iters,
            "p_mw": imp.real * nan[:, None], "q_mvar": imp.imag * nan[:, None],
            "vm_min_pu": vm.min(axis=1) * nan, "vm_max_pu": vm.max(axis=1) * nan, "vm_slack_pu": slack_v * nan,
            "max_loading_percent": loading * nan, "p_loss_mw": s_net.real.sum(axis=1) * base * nan,
            "vm_pu_bus": vm * nan[:, None],
        }

    def run_inputs(self, space: InputSpace, u: np.ndarray) -> dict[str, np.ndarray]:
        """`run` for inputs u (n, dim) of ``space`` (FPUs in the space's order)."""
        c = space.columns(u)
        perm = self.order_fpus(space.fpus.index)
        return self.run(c["p_mw"][:, perm], c["q_mvar"][:, perm], c["vm_pu"], c["va_degree"], c["load_scale"])


def _minimum_degree_order(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """Greedy minimum-degree elimination order of the graph with edges (rows, cols) on n nodes (fill tracked)."""
    adj = [set() for _ in range(n)]
    for r, c in zip(rows.tolist(), cols.tolist()):
        if r != c:
            adj[r].add(c)
            adj[c].add(r)
    alive = set(range(n))
    order = []
    while alive:
        v = min(alive, key=lambda x: (len(adj[x]), x))
        nbrs = adj[v]
        for a in nbrs:
            adj[a].discard(v)
            adj[a].update(nbrs - {a})
        order.append(v)
        alive.remove(v)
        adj[v] = set()
    return np.array(order, int)


# ----------------------------------------------------------------------------------------------------------------------
# datasets
# ----------------------------------------------------------------------------------------------------------------------

_OUTPUTS = ("converged", "iterations", "vm_min_pu", "vm_max_pu", "vm_slack_pu", "max_loading_percent", "p_loss_mw")


def _run_chunk(flow: DSFlow, space: InputSpace, u: np.ndarray) -> dict[str, np.ndarray]:
    out = flow.run_inputs(space, u)
    out.pop("vm_pu_bus")
    return out


def generate(flow: DSFlow, space: InputSpace, n: int, seed: int = 0, *, chunk: int = 250,
             client=None) -> xr.Dataset:
    """n Latin Hypercube samples of ``space`` (seeded) and their power flows: `evaluate` with origin "lhs".

    Implements the sampling and power flows of eq. (p2-inputs), chapter 06 (the labels: `label`)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    data = evaluate(flow, space, space.sample(n, np.random.default_rng(seed)), origin="lhs", chunk=chunk,
                    client=client)
    data.attrs["seed"] = seed
    return data


def evaluate(flow: DSFlow, space: InputSpace, u: np.ndarray, *, origin: str = "given", chunk: int = 250,
             client=None) -> xr.Dataset:
    """Power flows at the inputs u (n, dim) as an xarray Dataset over (sample, input, pcc).

    Variables: u (inputs, units per ``input``), p_mw / q_mvar (PCC import), converged, iterations, vm_min_pu,
    vm_max_pu, vm_slack_pu, max_loading_percent, p_loss_mw, feasible (`label` without margins) and origin (how
    each sample was drawn). attrs: ds, the input space (JSON), elapsed_s and flows_per_second (wall time of the
    power flows only). client: a Dask client to spread the chunks over its workers; None runs them here.
    """
    u = np.atleast_2d(np.asarray(u, float))
    n = len(u)
    parts = [u[k : k + chunk] for k in range(0, n, chunk)]
    t0 = time.perf_counter()
    if client is None:
        outs = [_run_chunk(flow, space, part) for part in parts]
    else:
        # hash=False: a second scatter of the same flow (the boundary samples after the Latin Hypercube ones) would
        # otherwise reuse the key of the first, already released, and its tasks fail with "lost dependencies"
        f_flow = client.scatter(flow, broadcast=True, hash=False)
        f_space = client.scatter(space, broadcast=True, hash=False)
        outs = client.gather(client.map(_run_chunk, [f_flow] * len(parts), [f_space] * len(parts), parts,
                                        pure=False))
    elapsed = time.perf_counter() - t0
    res = {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}
    data = xr.Dataset(
        {
            "u": (("sample", "input"), u, {"long_name": "surrogate input"}),
            "input_units": ("input", np.array(space.units, dtype=str)),
            "p_mw": (("sample", "pcc"), res["p_mw"], {"long_name": "PCC import (TS -> DS)", "units": "MW"}),
            "q_mvar": (("sample", "pcc"), res["q_mvar"], {"long_name": "PCC import (TS -> DS)", "units": "Mvar"}),
            **{k: ("sample", res[k]) for k in _OUTPUTS},
            "origin": ("sample", np.full(n, origin, dtype=object).astype(str)),
        },
        coords={"sample": np.arange(n), "input": space.names, "pcc": np.arange(flow.n_pcc)},
        attrs={"ds": space.ds, "input_space": json.dumps(space.to_dict()), "elapsed_s": elapsed,
               "flows_per_second": n / elapsed if elapsed > 0 else np.inf, "method": flow.method,
               "tolerance_mva": flow.tol * flow.base_mva},
    )
    data["vm_slack_pu"].attrs.update(long_name="smallest distance of a bus voltage to its limits", units="p.u.")
    data["max_loading_percent"].attrs.update(long_name="largest branch loading", units="%")
    data["feasible"] = ("sample", label(data))
    return data


def concat(first: xr.Dataset, second: xr.Dataset) -> xr.Dataset:
    """Samples of ``second`` appended to ``first`` (renumbered); attrs of ``first``, with the flow time and count
    summed so that flows_per_second stays the overall rate."""
    second = second.assign_coords(sample=np.arange(first.sizes["sample"], first.sizes["sample"] +
                                                    second.sizes["sample"]))
    out = xr.concat([first, second.drop_vars("input_units")], dim="sample", data_vars="minimal", coords="minimal",
                    compat="override", combine_attrs="override")
    out["input_units"] = first["input_units"]
    out.attrs["elapsed_s"] = first.attrs["elapsed_s"] + second.attrs["elapsed_s"]
    out.attrs["flows_per_second"] = out.sizes["sample"] / out.attrs["elapsed_s"]
    return out


def label(data: xr.Dataset, vm_margin_pu: float = 0.0, loading_margin_percent: float = 0.0) -> np.ndarray:
    """Feasible: converged, every bus voltage at least ``vm_margin_pu`` inside its limits and every branch loading at
    most 100 - ``loading_margin_percent`` percent. Margins > 0 label a conservative region. The labels y of eq.
    (p2-inputs)."""
    conv = data["converged"].values.astype(bool)
    with np.errstate(invalid="ignore"):
        ok = (data["vm_slack_pu"].values >= vm_margin_pu) & (
            data["max_loading_percent"].values <= 100.0 - loading_margin_percent
        )
    return conv & ok
