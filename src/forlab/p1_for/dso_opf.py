"""The distribution system's OPF family at its point of common coupling (PCC).

A DS net alone has its root bus as slack (``ext_grid``): that unit's injection is the import from the TS, so
x = (P, Q, V) = (ext_grid p_mw, ext_grid q_mvar, vm_pu at the root). `DSOModel` builds one CasADi/Ipopt NLP per DS,
with the objective switched by parameters, and solves three kinds of problems on it (chapters 03 and 05):

* support point in direction d:   max d . x~                       eq. (p1-support), and the six of eq. (p1-box)
* projection of a target t:       min ||x~ - t~||^2                eq. (p1-projection)
* cost at a fixed PCC point:      min sum of FPU costs with x fixed (bounds), eq. (p1-dso), falling back to the
                                  nearest feasible point when x is not feasible for the grid

x~ = (x - c) / h is x normalised to the box with centre c and half-width h (the box is [-1, 1]^3), so that MW, Mvar and
p.u. weigh alike. Every solve returns a `Sample`; a failed solve is a sample with ``success=False``, never an exception.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

import casadi as ca
import numpy as np
import pandas as pd

from forlab.opf.acopf import ACOPF, Extension, OPFResult
from forlab.opf.network import build_network, unit_costs


@dataclass
class Sample:
    """One solved DS OPF. PCC import in MW/Mvar, voltage in p.u., normal in box-normalised coordinates."""

    stage: str
    p_mw: float
    q_mvar: float
    vm_pu: float
    normal: tuple[float, float, float]
    target: tuple[float, float, float]
    objective: float
    fpu_cost: float
    success: bool
    status: str
    iterations: int
    solve_time_s: float
    fpu_p_mw: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    fpu_q_mvar: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    x: np.ndarray | None = field(repr=False, default=None)
    #: the solve's multipliers (constraint rows, variable bounds): with ``x`` a primal-dual warm start of a later
    #: solve of the same model (`DSOModel.warm_start`)
    lam_g: np.ndarray | None = field(repr=False, default=None)
    lam_x: np.ndarray | None = field(repr=False, default=None)
    #: cost OPFs only: dC/dx~, the slope of the FPU cost in the PCC point (`DSOModel.cost_gradient`)
    gradient: np.ndarray | None = field(repr=False, default=None)

    @property
    def point(self) -> np.ndarray:
        return np.array([self.p_mw, self.q_mvar, self.vm_pu])

    def record(self) -> dict:
        """Flat dict of the scalar fields (for tables and stores)."""
        d = asdict(self)
        for k in ("fpu_p_mw", "fpu_q_mvar", "x", "lam_g", "lam_x", "gradient"):
            d.pop(k)
        d["normal_p"], d["normal_q"], d["normal_v"] = self.normal
        d["target_p"], d["target_q"], d["target_v"] = self.target
        d.pop("normal")
        d.pop("target")
        return d


@dataclass(frozen=True)
class Box:
    """The bounding box of the FOR: lower and upper corner (MW, Mvar, p.u.)."""

    lo: np.ndarray
    hi: np.ndarray

    @property
    def center(self) -> np.ndarray:
        return 0.5 * (np.asarray(self.lo) + np.asarray(self.hi))

    @property
    def half(self) -> np.ndarray:
        h = 0.5 * (np.asarray(self.hi) - np.asarray(self.lo))
        return np.where(h > 1e-9, h, 1.0)

    def normalise(self, x) -> np.ndarray:
        return (np.asarray(x, float) - self.center) / self.half

    def denormalise(self, xt) -> np.ndarray:
        return self.center + np.asarray(xt, float) * self.half


UNIT_BOX = Box(np.array([-1.0, -1.0, -1.0]), np.array([1.0, 1.0, 1.0]))


def structure_token(ds_net, vm_limits=None) -> str:
    """A key of everything a `DSOModel` is built from except the loads' P and Q (which are parameters of its NLP,
    `DSOModel.set_loads`): two nets with the same token differ in their load levels at most. Results (``res_*``)
    and pandapower's internal caches (``_*``, written into a net by its conversion when a model is built) are not
    part of the DS."""
    h = hashlib.sha256(json.dumps(vm_limits, default=repr).encode())
    for key in sorted(k for k in ds_net if not k.startswith(("_", "res_"))):
        value = ds_net[key].drop(columns=["p_mw", "q_mvar"]) if key == "load" else ds_net[key]
        h.update(key.encode() + b"\x00")
        h.update(_content(value))
    return h.hexdigest()[:16]


def _content(value) -> bytes:
    """A table or setting as bytes of what it holds (columns, dtypes, index and values), the same for equal
    contents: not a pickle, whose bytes change with how pandas lays a table out and which strings share memory."""
    if not isinstance(value, pd.DataFrame):
        return json.dumps(value, sort_keys=True, default=repr).encode()
    parts = [json.dumps([list(map(str, value.columns)), [str(t) for t in value.dtypes]]).encode()]
    for col in (value.index.to_numpy(), *(value[c].to_numpy() for c in value.columns)):
        data = col.tobytes() if col.dtype.kind in "biufcmM" else repr(col.tolist()).encode()
        parts.append(b"%d:" % len(data) + data)  # the length keeps the columns apart
    return b"".join(parts)


def _loads_of(ds_net) -> np.ndarray:
    """The loads' P and Q (MW, Mvar) in table order: what `DSOModel.set_loads` changes."""
    return np.concatenate([ds_net.load.p_mw.to_numpy(float), ds_net.load.q_mvar.to_numpy(float)])


class DSOModel:
    """OPF family of one DS at its PCC (see module docstring), built once.

    ds_net: pandapower net of the DS alone with exactly one in-service ext_grid (the PCC); FPUs are controllable
    sgens (with a ``chart``). vm_limits overrides the bus voltage limits (p.u.).

    A model pickles as what it is built from (the DS net, voltage limits, Ipopt options) and its bounding box once
    solved, and is built again where it is unpickled (`__reduce__`): CasADi's SX expressions do not pickle. A DSO
    shipped to a Dask worker thus builds its model there once and keeps it (`forlab.p1_for.coordinate`).

    The loads are parameters of the NLP: `set_loads` moves a model to another load level of the same DS without
    building it again (a sweep over load levels builds one model per DS), and every solve after it is the solve of
    a model built on that net.
    """

    def __init__(self, ds_net, *, vm_limits: tuple[float, float] | None = None, ipopt: dict | None = None):
        self._recipe = (ds_net, vm_limits, ipopt)
        self.structure = structure_token(ds_net, vm_limits)
        eg = ds_net.ext_grid[ds_net.ext_grid.in_service.astype(bool)]
        if len(eg) != 1:
            raise ValueError(f"a DS net needs exactly one in-service ext_grid as its PCC, found {len(eg)}")
        self.pcc_bus = int(eg.bus.iloc[0])

        def objective(m, s):  # the whole objective (no unit cost): one term, switched by the parameters
            w, d, t, c, h = (s.extra_p[k] for k in ("w", "d", "t", "c", "h"))
            k = self.k_pcc
            x = ca.vertcat(s.pg[k] * m.base_mva, s.qg[k] * m.base_mva, s.vm[self.root])
            xt = (x - c) / h
            fpu_cost = ca.dot(self._fpu_mask, self._unit_cost_vec(m, s))
            return [-w[0] * ca.dot(d, xt) + w[1] * ca.sumsqr(xt - t) + w[2] * fpu_cost]

        # the model needs k_pcc/root before the objective is evaluated: read the network first
        m0 = build_network(ds_net, vm_limits=vm_limits)
        units = m0.units
        k = np.flatnonzero((units.et == "ext_grid").to_numpy())
        self.k_pcc = int(k[0])
        self.root = int(m0.bus_lookup[self.pcc_bus])
        others = units[(units.et != "ext_grid") & ~units.fpu.astype(bool)]
        if len(others):  # their dispatch would be counted as an FPU's, by position, everywhere P1 reads one
            raise ValueError(f"a DS net's units must be its PCC's ext_grid and its FPUs (sgens with a PQ chart, "
                             f"forlab.grid.td.add_fpu); also found {list(zip(others.et, others.element))}")
        self._fpu_mask = units.fpu.to_numpy(float)
        opts = {"tol": 1e-7, "acceptable_tol": 1e-5}
        opts.update(ipopt or {})
        switches = Extension(parameters={"w": 3, "d": 3, "t": 3, "c": 3, "h": 3}, objective=objective)
        self.opf = ACOPF(ds_net, vm_limits=vm_limits, extensions=[switches], unit_cost=False, ipopt=opts)
        self.model = self.opf.model
        self.fpu_index = np.flatnonzero(self._fpu_mask)
        self._box = None
        self._loads = _loads_of(ds_net)

    def __reduce__(self):
        return _rebuilt_model, (*self._recipe, self._box)

    @property
    def net(self):
        """The DS net at the load level the model solves at (the one built on, or the last `set_loads`)."""
        return self._recipe[0]

    @property
    def vm_limits(self) -> tuple[float, float] | None:
        """The bus voltage limits (p.u.) the model was built with instead of the net's (None: the net's)."""
        return self._recipe[1]

    @property
    def loads_key(self) -> str:
        """A key of the loads the model solves at: what a solution of this model (a warm start) is valid for."""
        return hashlib.sha256(self._loads.tobytes()).hexdigest()[:16]

    def set_loads(self, ds_net) -> bool:
        """Solve at the loads of ``ds_net`` from now on: the same DS (`structure_token`) at another load level.

        The bus demand is a parameter of the NLP, so nothing is built again: the demand, the power-flow start and the
        net the model pickles as follow ``ds_net``, and the bounding box is solved again on first use (it depends on
        the loads). Returns whether the loads changed (False: they were these already, nothing done). ValueError when
        ``ds_net`` is another DS or differs in more than its loads' P and Q: build a model on it instead.
        """
        if structure_token(ds_net, self._recipe[1]) != self.structure:
            raise ValueError("set_loads needs the DS this model was built on, differing in its loads' p_mw/q_mvar "
                             "only; this net differs in more (another DS, other elements or limits): build a "
                             "DSOModel on it instead")
        return self._use_loads(ds_net)

    def _use_loads(self, ds_net) -> bool:
        """`set_loads` without the structure check, for a caller that has matched `structure_token` already."""
        loads = _loads_of(ds_net)
        if np.array_equal(loads, self._loads):
            return False
        _, vm_limits, ipopt = self._recipe
        self.opf.set_loads(ds_net)
        self._recipe = (ds_net, vm_limits, ipopt)
        self._loads = loads
        self._box = None
        return True

    @staticmethod
    def _unit_cost_vec(m, s):
        u = m.units
        p = s.pg * m.base_mva
        q = s.qg * m.base_mva
        return unit_costs({c: u[c].to_numpy() for c in ("cp2", "cp1", "cq2", "cq1")}, p, q, constant=False)

    # ------------------------------------------------------------------ solves
    def _solve(self, stage, w, d, t, box: Box, x0=None, lbx=None, ubx=None) -> tuple[Sample, OPFResult]:
        # a previous result of this model is a primal-dual warm start, a plain vector only a primal one; without
        # either, the DS's power flow at the model's loads (`forlab.opf.acopf.ACOPF.initial_point`: computed once
        # per load level, and only when needed: a Dask worker's tasks all start from box solutions)
        init = "warm" if isinstance(x0, OPFResult) else "pf"
        res = self.opf.solve(
            x0=x0, init=init, lbx=lbx, ubx=ubx, w=w, d=np.asarray(d, float), t=np.asarray(t, float),
            c=box.center, h=box.half,
        )
        return self._sample(stage, res, d, t, box), res

    def _sample(self, stage, res: OPFResult, d, t, box: Box) -> Sample:
        u = res.res_units
        pcc = u.iloc[self.k_pcc]
        x = np.array([pcc.p_mw, pcc.q_mvar, res.res_bus.vm_pu[self.pcc_bus]])
        if stage in ("fibonacci", "box", "slice"):
            normal = np.asarray(d, float)
        elif stage == "projection":
            diff = np.asarray(t, float) - box.normalise(x)
            nrm = np.linalg.norm(diff)
            normal = diff / nrm if nrm > 1e-6 else np.zeros(3)
        else:
            normal = np.zeros(3)
        fpus = u.iloc[self.fpu_index]
        return Sample(
            stage=stage, p_mw=float(x[0]), q_mvar=float(x[1]), vm_pu=float(x[2]), normal=tuple(map(float, normal)),
            target=tuple(map(float, np.asarray(t, float))), objective=res.objective,
            fpu_cost=float(fpus.cost.sum()), success=res.success, status=res.status, iterations=res.iterations,
            solve_time_s=res.solve_time_s, fpu_p_mw=fpus.p_mw.to_numpy(), fpu_q_mvar=fpus.q_mvar.to_numpy(), x=res.x,
            lam_g=res.lam_g, lam_x=res.lam_x,
        )

    def support(self, d, box: Box = UNIT_BOX, x0=None, stage: str = "fibonacci") -> Sample:
        """Boundary point maximising d . x~ (d in box-normalised coordinates).

        Implements eq. (p1-support), chapter 03; with a box axis as d, one OPF of eq. (p1-box).
        """
        return self._solve(stage, [1.0, 0.0, 0.0], d, np.zeros(3), box, x0)[0]

    def project(self, target, box: Box, x0=None) -> Sample:
        """Feasible point nearest to the target (normalised coordinates) and its outward normal.

        Implements eq. (p1-projection), chapter 03.
        """
        return self._solve("projection", [0.0, 1.0, 0.0], np.zeros(3), target, box, x0)[0]

    def bounding_box(self) -> tuple[Box, list[Sample]]:
        """Six OPFs, min and max of P, Q and V: the box of the FOR and the six samples (stage "box").

        Implements eq. (p1-box), chapter 03. Solved once per model and load level: the box depends on
        the DS and its loads alone, so the sampling and the offer's fit of one DSO share it (`set_loads` drops it).
        """
        if self._box is None:
            self._box = self._solve_box()
        box, samples = self._box
        return box, list(samples)

    def _solve_box(self) -> tuple[Box, list[Sample]]:
        samples = []
        for axis in range(3):
            for sign in (-1.0, 1.0):
                d = np.zeros(3)
                d[axis] = sign
                samples.append(self.support(d, UNIT_BOX, stage="box"))
        bad = [s for s in samples if not s.success]
        if bad:
            raise RuntimeError(
                f"bounding-box OPF failed ({[s.status for s in bad]}): the DS has no feasible operating point with "
                f"these limits; widen the voltage limits or check the FPUs"
            )
        pts = np.array([s.point for s in samples])
        lo = np.array([pts[0, 0], pts[2, 1], pts[4, 2]])
        hi = np.array([pts[1, 0], pts[3, 1], pts[5, 2]])
        return Box(lo, hi), samples

    def pq_slice(self, vm_pu: float, n: int, box: Box, x0=None) -> list[Sample]:
        """Boundary of the PQ region at a fixed PCC voltage: support points of n directions in the PQ plane."""
        lbx, ubx = self.opf.lbx.copy(), self.opf.ubx.copy()
        i_v = self.pcc_indices[2]
        lbx[i_v] = ubx[i_v] = float(vm_pu)
        out = []
        for a in np.linspace(0, 2 * np.pi, n, endpoint=False):
            d = np.array([np.cos(a), np.sin(a), 0.0])
            s, _ = self._solve("slice", [1.0, 0.0, 0.0], d, np.zeros(3), box, x0, lbx, ubx)
            out.append(s)
        return out

    @property
    def pcc_indices(self) -> tuple[int, int, int]:
        """Positions of the PCC import P, Q (p.u.) and voltage in the NLP's variable vector."""
        sl = self.opf.slices
        return sl["pg"].start + self.k_pcc, sl["qg"].start + self.k_pcc, sl["vm"].start + self.root

    def fix_bounds(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Variable bounds with the PCC import and voltage fixed at x = (MW, Mvar, p.u.)."""
        lbx, ubx = self.opf.lbx.copy(), self.opf.ubx.copy()
        base = self.model.base_mva
        i_p, i_q, i_v = self.pcc_indices
        lbx[i_p] = ubx[i_p] = x[0] / base
        lbx[i_q] = ubx[i_q] = x[1] / base
        lbx[i_v] = ubx[i_v] = x[2]
        return lbx, ubx

    def cost_solve(self, x, box: Box = UNIT_BOX, start: OPFResult | np.ndarray | None = None
                   ) -> tuple[Sample, OPFResult]:
        """Cheapest FPU dispatch with the PCC fixed at x (MW, Mvar, p.u.), without fallback: eq. (p1-dso).

        start: a previous `OPFResult` of this model (primal-dual warm start, e.g. a cost OPF at a nearby PCC point)
        or a start vector. Returns the sample (stage "cost"; ``success=False`` when x is not feasible) and the raw
        result, which can serve as the warm start of a later solve.
        """
        lbx, ubx = self.fix_bounds(x)
        s, res = self._solve("cost", [0.0, 0.0, 1.0], np.zeros(3), np.zeros(3), box, start, lbx, ubx)
        if s.success:
            s.gradient = self.cost_gradient(res, box)
        return s, res

    def warm_start(self, x, lam_g, lam_x) -> OPFResult:
        """A primal-dual start for `cost_solve` (``start=``) from a solution of this model kept as arrays (e.g. a
        `Sample`'s ``x``, ``lam_g``, ``lam_x``, solved on a Dask worker on a model of the same DS)."""
        x, lam_g, lam_x = (np.asarray(a, float).ravel() for a in (x, lam_g, lam_x))
        if x.shape != (self.opf.nx,) or lam_x.shape != (self.opf.nx,) or lam_g.shape != self.opf.lbg.shape:
            raise ValueError(f"a warm start of this DS model needs x and lam_x of length {self.opf.nx} and lam_g of "
                             f"length {len(self.opf.lbg)}, got {x.shape}, {lam_x.shape}, {lam_g.shape}: it was "
                             f"solved on another DS")
        empty = pd.DataFrame()
        return OPFResult(success=True, status="kept solution", objective=float("nan"), iterations=0, solve_time_s=0.0,
                         build_time_s=float("nan"), res_bus=empty, res_units=empty, res_branch=empty, x=x,
                         lam_g=lam_g, lam_x=lam_x)

    def cost_gradient(self, result: OPFResult, box: Box = UNIT_BOX) -> np.ndarray:
        """Slope dC/dx~ of the cheapest FPU cost in the normalised PCC point, at a solved cost OPF (`cost_solve`):
        the slope eq. (p1-price) is fitted to.

        The PCC import (P, Q) and voltage are fixed by equal bounds in the cost OPF, so the multipliers of those
        bounds are the sensitivities of the optimal cost to the PCC point: dC/dx = -lambda_x (CasADi's sign
        convention: objective gradient + lambda_x = 0 at a fixed variable), per p.u. of power on the DS base and
        per p.u. of voltage; times the base and the box half-widths it is dC/dx~. A by-product of the solve.
        """
        base = float(self.model.base_mva)
        d_phys = -np.asarray(result.lam_x, float)[list(self.pcc_indices)] / np.array([base, base, 1.0])
        return d_phys * np.asarray(box.half, float)

    def cost_at(self, x, box: Box = UNIT_BOX, x0=None) -> tuple[Sample, float]:
        """Cheapest FPU dispatch with the PCC fixed at x (MW, Mvar, p.u.): eq. (p1-dso), with its fallback.

        When x is not feasible for the grid, the nearest feasible PCC point (projection in box coordinates) is used
        instead. Returns the sample (stage "cost") and the PCC mismatch ||x_used - x|| in box-normalised units.
        """
        s, mismatch, _ = self.cost_with_fallback(x, box, x0)
        return s, mismatch

    def cost_with_fallback(self, x, box: Box = UNIT_BOX, x0=None) -> tuple[Sample, float, list[Sample]]:
        """`cost_at` that also returns every sample it solved on the way (cost OPF at x, then, when x is not
        feasible, the projection and the cost OPF at the nearest feasible point), e.g. to add up their times.

        Implements eq. (p1-dso), chapter 05, with the nearest feasible point as fallback."""
        s, _ = self.cost_solve(x, box, x0)
        if s.success:
            return s, 0.0, [s]
        near = self.project(box.normalise(x), box, x0)
        if not near.success:
            return s, float("nan"), [s, near]
        s2, _ = self.cost_solve(near.point, box, near.x)
        return s2, float(np.linalg.norm(box.normalise(near.point) - box.normalise(x))), [s, near, s2]


def _rebuilt_model(ds_net, vm_limits, ipopt, box) -> DSOModel:
    """A `DSOModel` built again from its recipe, with the bounding box it had already solved (None: not yet)."""
    model = DSOModel(ds_net, vm_limits=vm_limits, ipopt=ipopt)
    model._box = box
    return model


@dataclass
class CostLibrary:
    """A DSO's own cost-OPF solutions, eq. (p1-dso), primal and dual, at feasible PCC points of its FOR: kept from
    the offer's price fit (`forlab.p1_for.representation.make_offer`) as warm starts of its online cost OPF
    (`forlab.p1_for.coordinate.DSOAgent`). It stays with the DSO: nothing in it is sent.

    model: the DS model they solved (a warm start fits this model's variables and rows only); box: the offer's box;
    points: the PCC points they deliver (box-normalised, n x 3); starts: one `OPFResult` per point
    (`DSOModel.warm_start`).
    """

    model: DSOModel
    box: Box
    points: np.ndarray
    starts: list

    def __post_init__(self):
        self.points = np.asarray(self.points, float).reshape(-1, 3)
        if len(self.points) != len(self.starts):
            raise ValueError(f"a cost library needs one start per point, got {len(self.points)} points and "
                             f"{len(self.starts)} starts")

    def __len__(self) -> int:
        return len(self.starts)


def fibonacci_directions(n: int) -> np.ndarray:
    """n near-uniform unit vectors on the sphere: z_i = 1 - (2i+1)/n, phi_i = i pi (3 - sqrt 5).

    Implements eq. (p1-fibonacci), chapter 03.
    """
    if n < 1:
        raise ValueError(f"the number of directions must be positive, got {n}")
    i = np.arange(n)
    z = 1 - (2 * i + 1) / n
    r = np.sqrt(1 - z**2)
    phi = i * np.pi * (3 - np.sqrt(5))
    return np.column_stack([r * np.cos(phi), r * np.sin(phi), z])


def face_targets(n: int, overshoot: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """An n x n grid of targets on each of the six faces of the normalised box [-1, 1]^3, the targets of
    eq. (p1-projection) of chapter 03.

    Returns (targets (6 n^2 x 3), face index). Grid points sit at cell centres so that no target is on an edge;
    ``overshoot`` > 1 pushes the face outwards.
    """
    if n < 1:
        raise ValueError(f"the face grid size must be positive, got {n}")
    g = -1 + (2 * np.arange(n) + 1) / n
    a, b = np.meshgrid(g, g, indexing="ij")
    a, b = a.ravel(), b.ravel()
    out, face = [], []
    k = 0
    for axis in range(3):
        others = [j for j in range(3) if j != axis]
        for sign in (-1.0, 1.0):
            t = np.zeros((n * n, 3))
            t[:, axis] = sign * overshoot
            t[:, others[0]] = a
            t[:, others[1]] = b
            out.append(t)
            face += [k] * (n * n)
            k += 1
    return np.vstack(out), np.array(face)
