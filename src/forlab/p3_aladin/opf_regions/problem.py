"""A partitioned AC network as one kind of consensus problem (`forlab.p3_aladin.algorithm.problem.ConsensusProblem`).

`ACOPFProblem` is the glue between an AC-OPF cut into regions (`forlab.p3_aladin.opf_regions.partition`) and the
generic algorithms: the local solvers are `forlab.p3_aladin.opf_regions.region.Region` objects built from their own
`RegionData`; the variables are ``x_i = [va, vm, pg, qg]`` of region i (rad, p.u.); the consensus equates copy and
core buses. What the AC-OPF adds to the generic problem:

* cost scaling (`auto_cost_scale`): unit costs are multiplied by ``cost_scale`` in every objective so that
  gradients in p.u. are of order one;
* the start (`ACOPFProblem.start`): the flat start of every region or the base-case power flow (`power_flow_start`),
  per region the one with the smaller nodal mismatch;
* the consensus row weights and the proximal scaling Sigma (`consensus_weights`, `proximal_weights`, with
  ``"auto"`` resolved by `auto_scaling`): a row is weighed by the tie admittance behind it on every partition by
  zone (the T+D systems and the rapidPF multi-region systems alike), not on the spectral ones;
* the "auto" step settings of ALADIN (`auto_limits`): whether the coordinator re-solves for the far limits a step
  would cross, and how many limits a region sends up front: on transmission grids (the rapidPF systems
  included), not on T+D systems (`is_td_partition`);
* the hidden mismatch of the stopping rule: the power a consensus residual hides across the ties
  (`Partition.power_mismatch`);
* the reference: the centralized AC-OPF's optimum (`reference_objective`), used only to report gaps.
"""

from __future__ import annotations

import warnings

import numpy as np

from forlab.grid.td import TS_ZONE
from forlab.opf.acopf import power_flow_point
from forlab.p3_aladin.algorithm.options import AUTO_GENERIC
from forlab.p3_aladin.algorithm.problem import LocalSolverSpec
from forlab.p3_aladin.opf_regions.partition import Partition
from forlab.p3_aladin.opf_regions.region import OK_STATUSES, Region, flat_start, start_mismatch


def auto_cost_scale(partition: Partition) -> float:
    """1 / (base MVA x mean marginal cost at mid output of the units with a cost), in 1 / (currency per hour)."""
    u = partition.model.units
    if not len(u):
        return 1.0
    base = partition.model.base_mva
    p_mid = 0.5 * (np.maximum(u["pmin"], -10.0) + np.minimum(u["pmax"], 10.0)).to_numpy(float) * base
    marg = np.abs(2 * u["cp2"].to_numpy(float) * p_mid + u["cp1"].to_numpy(float))
    marg = marg[marg > 0]
    return 1.0 / (base * float(marg.mean())) if len(marg) else 1.0


def auto_scaling(partition: Partition, kind: str) -> str:
    """The scaling "auto" stands for: "admittance" on every partition by zone, "none" on the spectral ones; other
    values are returned as given.

    The test is ``partition.method == "zone"`` alone, not `is_td_partition`: a T+D system cut into TS and DSs (whose
    ties are DS feeders far stiffer than the median branch) gets the admittance weights, and so does every rapidPF
    multi-region system (53-I, 418-k, 118Xn, 1654-5, `forlab.grid.multiregion`), which chapter 07 partitions by zone
    too (`forlab.studies.ch07_aladin.systems.load`); on 53-I every row weighs about 30. The "auto" limit settings
    (`auto_limits`) follow `is_td_partition` instead, so those systems run with admittance weights and the
    transmission grids' limit passes. Chapter 07's archived runs were made so."""
    if kind != "auto":
        return kind
    return "admittance" if partition.method == "zone" else "none"


def auto_limits(partition: Partition) -> dict:
    """The AC-OPF's choice for `ALADINOptions`' "auto" ``limit_passes`` and ``limit_reach``: none and 300
    (`forlab.p3_aladin.algorithm.options.AUTO_GENERIC`) on the zone partition of a T+D system (its TS region and one
    region per DS below it, `is_td_partition`), 10 passes and a reach of 10 on every other partition (areas of a
    transmission grid, the rapidPF multi-region systems).

    Measured in-process, issue 17, at e8b363b, when this choice was made (``mu0`` 1e3, before ``cycle_damping``;
    chapters 07's and 12's archived stores print their own rounds with today's options): rounds to the stopping test
    within 30, without passes / with; "nc": not converged; again with the local NLPs started from the iterate
    (`ALADINOptions.local_start`): the same on every system but case118+case533mt_hi, 11 / 18 from the iterate.
    Transmission: case118 in 3 areas 14 / 12, case300 in 4 areas 17 / 13 (its partition since the
    spectral bisection breaks ties by bus number, `forlab.p3_aladin.opf_regions.partition._fiedler_order`; 16 / 15
    on the one the BLAS's rounding chose before), 53-I 6 / 6, 418-3 13 / 12,
    118X7 12 / 13, 1654-5 nc / 25 (without passes a far limit cut the steps of case1354pegase's region to vanishing
    fractions, round after round). T+D: case9+case33bw 8 / 8, case30+case69+case33bw 9 / 9, case39+case118zh 9 / 9,
    case118+case136ma+case141 12 / 12, case118+case533mt_hi 10 / 15, and case1354pegase+case141 15 / nc (with every
    step whole it cycled at a consensus violation near 1e-2, with a reach of 10, 30 or 300 alike, and with the rows
    unweighted too). The split is by what was measured, not by a theory: passes help where a step crosses far
    limits along the cheap units of meshed transmission grids, and hurt on the T+D systems, where the cut steps were
    what damped the iteration; a step good for both needs a globalisation, which forlab has not built. One was tried
    (issue 17, not kept): a backtracking of the coordinator's step on an L1 exact-penalty merit (cost plus weighted
    violations of the regions' constraints and the consensus rows, each region evaluating its own part at a few step
    lengths): every system tried but case118 in 3 areas (11 rounds both ways) took more rounds
    (case1354pegase+case141 from a power-flow start 35 against chapter 12's 23, case300 in 4 areas 16 against 13,
    53-I 8 against 6), case118 in two areas still diverged, and without the far limits' cut case1354pegase+case141
    did not converge within 50 rounds. With passes a small reach sends fewer rows (1654-5: 25 rounds with reach 10,
    26 with 30, nc with 100). ``seed_active`` follows the passes: on where they are
    (`forlab.p3_aladin.algorithm.options.ALADINOptions.seed_active` lists what it changed on which systems)."""
    if is_td_partition(partition):
        return dict(AUTO_GENERIC)
    return {"limit_passes": 10, "limit_reach": 10.0, "seed_active": True}


def is_td_partition(partition: Partition) -> bool:
    """Whether ``partition`` is the zone partition of an integrated T+D system: a region named
    `forlab.grid.td.TS_ZONE` (the rapidPF systems name theirs ``R<k>-<case>``, `forlab.grid.multiregion`)."""
    return partition.method == "zone" and TS_ZONE in partition.names


def consensus_weights(partition: Partition, kind: str) -> np.ndarray:
    """Weight of every consensus row (dimensionless): the QP's slack penalty of row r is ``mu * weight_r**2`` and
    the proximal weight (Sigma) of the variables in row r is ``weight_r**2`` (`proximal_weights`).

    "admittance": ``max(1, tie_admittance_r / y_typ)`` with ``y_typ`` the median series admittance |y_ft| of the
    network's branches: a row whose residual hides more power than a typical branch would (a DS feeder scaled
    to a TS bus: tens to hundreds of times the median) is penalised in proportion to that power; rows across
    ordinary ties keep weight 1. "none": 1 for every row (ALADIN-alpha's Sigma = I and scalar mu). "auto": see
    `auto_scaling`.
    """
    kind = auto_scaling(partition, kind)
    if kind == "none":
        return np.ones(partition.n_cons)
    if kind == "admittance":
        y_typ = float(np.median(np.abs(partition.model.yft)))
        return np.maximum(1.0, partition.consensus.tie_admittance.to_numpy(float) / y_typ)
    raise ValueError(f"consensus_weight must be 'auto', 'admittance' or 'none', not {kind!r}")


def proximal_weights(partition: Partition, weight: np.ndarray) -> list[tuple[np.ndarray]]:
    """Per region, the diagonal of Sigma: ``weight_r**2`` on every variable of consensus row r (the largest over
    its rows), 1 elsewhere; as one-element argument tuples for `Region.set_sigma`."""
    out = []
    for reg in partition.regions:
        s = np.ones(reg.n_x)
        a = reg.A.tocoo()
        np.maximum.at(s, a.col, weight[a.row] ** 2)
        out.append((s,))
    return out


def reference_objective(net) -> float:
    """Optimum of the centralized AC-OPF (`forlab.opf.solve`), nan when it fails: used only to report gaps."""
    from forlab import opf

    res = opf.solve(net)
    if not res.success:
        warnings.warn(f"centralized AC-OPF of {net.name!r} failed ({res.status}): gaps are not reported",
                      stacklevel=2)
        return float("nan")
    return float(res.objective)


def power_flow_start(net, partition: Partition) -> list[np.ndarray] | None:
    """Local start vectors from the power flow of the net as given (`forlab.opf.acopf.power_flow_point`, the
    centralized AC-OPF's start as well; magnitudes clipped to their limits), None when that power flow fails."""
    point = power_flow_point(net, partition.model)
    if point is None:
        return None
    va, vm, pg, qg = point
    return partition.split(va, np.clip(vm, partition.model.vmin, partition.model.vmax), pg, qg)


class ACOPFProblem:
    """The AC-OPF of a partitioned network as a `ConsensusProblem` (module docstring).

    Parameters:
        net: the pandapower net (used for the power-flow start only).
        partition: its regions and consensus.
        cost_scale: factor on unit costs in every objective (1 / (currency per hour)).
        reference: the centralized optimum (per hour) the gaps are reported against (nan when unknown).
    """

    ok_statuses = OK_STATUSES

    def __init__(self, net, partition: Partition, cost_scale: float, reference: float):
        self.net = net
        self.partition = partition
        self.cost_scale = float(cost_scale)
        self.reference = float(reference)
        self.names = partition.names
        self.A = [r.A for r in partition.regions]
        self.rows = [r.rows for r in partition.regions]
        self.n_cons = partition.n_cons
        self.info = {"cost_scale_used": self.cost_scale}

    def auto_options(self) -> dict:
        """The values of `ALADINOptions`' "auto" step settings for this partition (`auto_limits`)."""
        return auto_limits(self.partition)

    def local_solvers(self, settings: dict) -> list[LocalSolverSpec]:
        """One `Region` per region, built from its own `RegionData` with the cost scale and ``settings``; its size is
        its number of variables (its local NLP's work grows with them)."""
        return [LocalSolverSpec(d.name, Region, (d,), {"cost_scale": self.cost_scale, **settings},
                                size=d.n_x) for d in self.partition.regions]

    def start(self, init: str) -> list[np.ndarray]:
        """"flat": `flat_start` of every region; "pf": `power_flow_start` (every region flat when the power flow
        fails), except for a region whose power-flow point has the larger nodal mismatch at its core buses
        (`start_mismatch`), which starts flat (local layouts).

        Why the check: the power flow ignores voltage and reactive limits, and clipping it to them breaks its
        balance. When DS buses are fed above their voltage limit from the TS (several DSs under case1354pegase),
        the clipped point leaves a large reactive mismatch at the TS's own buses; from there the TS's local NLP
        regularises its Hessian ever harder and MUMPS keeps enlarging its workspace, far longer than a solve from
        the flat start takes. As `forlab.opf.acopf.ACOPF.initial_point`,
        each region keeps the candidate that violates its own balance less (its own data only)."""
        flat = [flat_start(r) for r in self.partition.regions]
        if init == "pf":
            pf = power_flow_start(self.net, self.partition)
            if pf is None:  # the power flow failed: every region starts flat, as the centralized AC-OPF then does
                return flat
            return [x if start_mismatch(r, x) <= start_mismatch(r, f) else f
                    for r, x, f in zip(self.partition.regions, pf, flat)]
        if init == "flat":
            return flat
        raise ValueError(f"init must be 'flat' or 'pf', not {init!r}")

    def consensus_weights(self, kind: str) -> np.ndarray:
        """`consensus_weights` of the partition."""
        return consensus_weights(self.partition, kind)

    def proximal_weights(self, kind: str) -> list[np.ndarray] | None:
        """Sigma_i of every region for ``kind`` ("auto", "admittance", "none"): None for Sigma = I."""
        kind = auto_scaling(self.partition, kind)
        if kind not in ("admittance", "none"):
            raise ValueError(f"sigma must be 'auto', 'admittance' or 'none', not {kind!r}")
        if kind == "none":
            return None
        return [s for (s,) in proximal_weights(self.partition, consensus_weights(self.partition, "admittance"))]

    def hidden_mismatch(self, xs: list[np.ndarray]) -> float:
        """The power the consensus residual hides across the ties (`Partition.power_mismatch`, p.u.)."""
        return self.partition.power_mismatch(xs)
