"""One region of a distributed AC-OPF: its own grid data, its local NLP and its sensitivities.

A `Region` is built from a `RegionData` (its sub-network: core and copy buses, the branches touching a core bus,
its units) and never sees another region's grid. It answers two kinds of requests from a coordinator:

* `Region.aladin_step` (ALADIN steps 1-2): solve the local NLP

      min  f_i(x_i) + lambda' A_i x_i + rho/2 ||x_i - z_i||^2_Sigma   s.t. local AC constraints and bounds

  started from ``z_i`` (the coordinator's prediction of its next solution; with the default QP form the region
  expands it itself from the coordinator's reduced step) with the last solution's multipliers, and centred on
  it, then reduce or report its sensitivities for the
  coordinator's QP form (`Region.sensitivities`): "reduced" (forlab's default: the null space of the equality
  constraints, reduced Hessian, reduced gradient, coupling block and the limits near their bounds in reduced
  coordinates, computed here; `forlab.p3_aladin.algorithm.reduction`), "coupled" (the earlier default, for comparison: exact sparse Hessian,
  Jacobian of the equality constraints, and the linearised inequality constraints with their distances to their
  limits) or "kkt" (ALADIN-alpha: eigenvalue-regularised dense Hessian, Jacobian of the active constraints and
  bounds);
* `Region.admm_step`: the same NLP with a per-copy multiplier and a proximal term on the coupled variables only
  (ADMM's local step), returning only the coupled variables and the cost.

``f_i`` is the region's unit cost (currency per hour) times ``cost_scale`` (dimensionless), so that gradients with
respect to p.u. powers are of order one and the coordinator's QP is well conditioned; costs are reported unscaled.
The local constraints are those of `forlab.opf.network.NetworkModel`: nodal balance at the core buses, apparent-power
limits of the limited branches the region owns, angle-difference limits of the angle-limited branches whose from
bus is one of its core buses (`NetworkModel.angle_limited`; a tie branch is limited by one region only), PQ charts
of its flexibility-providing units; bounds on the voltage
magnitudes of its core buses, unit powers, and the global slack angle when the region holds the slack. Copy buses are
bounded by their owner only (`Region.bounds` hands their limits to the coordinator's QP).

In the Dask modes a `Region` is an actor living on a worker, built there from its `RegionData`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import casadi as ca
import numpy as np
import scipy.sparse as sp

from forlab.opf.acopf import WARM_START_IPOPT, graph_kind
from forlab.p3_aladin.algorithm.options import LOCAL_STARTS
from forlab.p3_aladin.algorithm.qp import regularize_hessian
from forlab.p3_aladin.algorithm.reduction import LocalReduction, matched_rows, rank_revealing_qr
from forlab.p3_aladin.opf_regions.partition import RegionData

# Ipopt statuses that count as a solved local NLP (the log's ``nlp_ok``)
OK_STATUSES = ("Solve_Succeeded", "Solved_To_Acceptable_Level")

#: Ipopt options of the local NLPs (overridable through `forlab.p3_aladin.algorithm.options.ALADINOptions.ipopt`).
#: ``acceptable_tol`` is Ipopt's own default: it is the level at which Ipopt stops on round-off, after
#: ``acceptable_iter`` iterates in a row that reach it but not ``tol``. It must lie above the region's round-off
#: floor: the proximal term rho/2 (x - z)' Sigma (x - z) with Sigma up to the squared admittance weight of a DS
#: feeder puts the dual infeasibility of a solved TS region's NLP at a noise floor above 1e-8; with 1e-8 here Ipopt
#: never stops there, its line search fails at the solution and the restoration phase ends far from it
#: ("Restoration_Failed", issue 17: case1354pegase+case141 from a flat start).
LOCAL_IPOPT = {
    "tol": 1e-10,
    "acceptable_tol": 1e-6,
    "max_iter": 1000,
    "print_level": 0,
    "sb": "yes",
    "mu_strategy": "adaptive",
    "linear_solver": "mumps",
}

#: Which barrier strategy a cold local solve takes (`Region.solve_local_nlp`). The first local NLP, from the
#: region's start, takes `LOCAL_IPOPT`'s adaptive strategy, capped at ``COLD_MAX_ITER`` iterations; every later cold
#: solve, and a first one that failed or hit the cap, takes the monotone (Fiacco-McCormick) strategy
#: (``MONOTONE_IPOPT``). A later cold solve follows a warm attempt that failed, a far move or a failed solve (ADMM's
#: local steps included), and ALADIN's starts from the QP's iterate: a point whose nodal balance the step may have
#: broken by several p.u., where the adaptive strategy can lose its way. Measured
#: (issue 17, chapter 12's case1354pegase with DSs, zone partition): with two DSs the TS region's round-2 solve took
#: 165 adaptive iterations and 270 s (barrier parameter stuck near 0.2, inertia correction up to 1e11, three MUMPS
#: workspace reallocations: the archived run's 120 s timeout), monotone 54 iterations and 0.5 s; with sixteen DSs a
#: round-5 solve spent minutes inside its first 60 adaptive iterations, and with monotone later solves that run
#: converged in 31 rounds, 71 s (in-process at a5581af, where this strategy was made: ``mu0`` 1e3, before
#: ``cycle_damping`` existed; chapter 12's archived store, written at later commits, prints its own rounds and
#: times). On chapter 07's eleven systems two local solves are later cold ones (on case118+case136ma+case141 and
#: on 1654-5, at the same commit): same rounds and target rounds, objectives equal to 1e-10 relative,
#: one more limit pass on 1654-5; monotone for the first solves too moved 1654-5's target round from 19 to 23.
#: The monotone strategy loses its way too, from an iterate far enough off the region's nodal balance: with sixteen
#: DSs (chapter 12's paper run, after `COPY_RELEASE_STEP` changed its path) a round-11 TS solve from an iterate
#: whose constraint violation was 10 (Ipopt's inf_pr) kept its barrier parameter at 0.1 with the inertia correction
#: at 1e10-1e12 and ran for minutes (the 120 s timeout). So a later cold solve is capped at ``COLD_MAX_ITER``
#: monotone iterations too, then made again, uncapped, from the region's last local solution (measured on that NLP:
#: from the last solution 48 iterations, 0.6 s; adaptive from the iterate 49, 0.9 s; monotone with mu_init 1e-3
#: from the iterate 43, 0.7 s, but that one ran into the timeout in another round with 32 DSs). With the cap and
#: the second start the sixteen-DS run converged in 33 rounds, six TS solves taking the second start (2-19 s each;
#: in-process at 9ed4a87, where the second start was made, with the same options as above); on chapter 07's eleven
#: systems no solve takes it (same rounds and target rounds).
#: Tried for 32 DSs and not adopted (issue 17, chapter 12's paper profile, in-process, 50 rounds at most): the TS
#: region's first solve reaches its solution (Ipopt's inf_pr below 1e-11 from iteration 44) but its dual infeasibility
#: stays between 1.5e-6 and 6.5e-6, above ``acceptable_tol``, until the cap; the monotone retry from the start then
#: fails in restoration. With ``acceptable_tol`` 1e-5, ``max_hessian_perturbation`` 1e8 (the slow solves above are
#: inertia corrections: from the round-2 iterate the monotone solve took 36 iterations in 91 s, its correction growing
#: to 6e13 and MUMPS reallocating its workspace three times) and the adaptive strategy as a second try of a later cold
#: solve, chapter 07's 28 paper-profile systems kept their rounds (`scripts/aladin_options.py`), the TS region got
#: through its first four rounds (1-5 s each), but from round 5 on it failed in restoration in 8 of 11 rounds, even from
#: its last solution; the consensus grew from 0.43 to 238 and the coordinator's QP failed in round 16. Its local solver,
#: not only its start, is what fails at that size.
#: Why the acceptable level never stopped that first solve (measured again at 8929929, in-process, 32 DSs, Ipopt's log):
#: Ipopt stops there only after ``acceptable_iter`` iterates in a row (15) at the acceptable level, and the TS region's
#: first solve sat at its round-off floor (primal infeasibility 4e-12, dual infeasibility 3e-6 to 1e-5) for ten
#: iterations before its line search gave up and its restoration phase left the solution. With ``acceptable_iter`` 3 and
#: ``acceptable_tol`` 1e-5 it stops there in 46 iterations (0.7 s), from the "pf" start and the flat one alike. The
#: later rounds defeat it all the same: from "pf", round 2's capped monotone solve from the QP's iterate ran 34
#: iterations in more than five minutes (barrier parameter held at 0.1, inertia correction 1e13 to 1e14, MUMPS
#: reallocating its workspace), and, cut at 10 s of wall time, its retry from the last solution ran for minutes too;
#: from the flat start (the capped attempt cut at 10 s as well) the same happened in round 3 (the TS region's first two
#: solves acceptable, the consensus 1.6e-2 after round 2); with ``rho0`` 1e4 on top (a stronger proximal term against
#: the indefinite curvature), from the flat start, its first three solves were acceptable in 35 to 45 iterations, the
#: consensus fell to 2.8e-2 and rose to 0.47 again, and round 4's ran for minutes. Nor does MUMPS's pivoting
#: (measured at 87280c7, default options, the capped monotone attempt cut at 10 s): with ``mumps_pivtol`` 1e-4 or 1e-2
#: (``mumps_pivtolmax`` 0.1, 0.5) the first solve failed in restoration as before and round 2's retry from the last
#: solution ran into the 120 s timeout; a limited-memory Hessian in the monotone solves alone ended both rounds'
#: solves at Ipopt's 1000 iterations unsolved (27 s each). The region is case1354pegase with the head of every DS
#: feeder merged into it (`forlab.p3_aladin.opf_regions.partition.merge_stiff_ties`: 49 DS buses at 32 DSs, one per
#: case33bw and case141 feeder, one to four per case69 feeder);
#: its equality Jacobian at the flat start has full rank (smallest singular value 1.0, largest 2.2e4), so the
#: trouble is not a dependent constraint. With ``acceptable_iter`` 3 and ``acceptable_tol`` 1e-5 and a solve stopped
#: at the acceptable level counted as converged (so the next round starts warm from it, where this method asks for
#: ``Solve_Succeeded``), the TS region's rounds 2 to 4 solved warm in 15 to 26 iterations (0.2 to 0.4 s), but the
#: consensus swung (0.43, 0.019, 0.89, 0.14 after rounds 1 to 4) and round 5's warm, cold and monotone attempts together
#: ran into the 120 s timeout. Offline probes, not adopted: none of these settings makes that region's later NLPs
#: solvable.
COLD_MAX_ITER = 60
#: The barrier strategy of every cold local solve after a region's first (`COLD_MAX_ITER` says why and what it
#: changed).
MONOTONE_IPOPT = {"mu_strategy": "monotone"}

#: Ipopt options added to `LOCAL_IPOPT` for a warm-started local NLP (`Region.solve_local_nlp`). From round 2 on the
#: NLP differs from the last one only by its linear term, proximal centre and penalty, so its last solution and
#: multipliers are a good start. Without ``warm_start_init_point`` Ipopt ignores the multipliers, pushes the start
#: 1e-2 into the interior of its bounds and starts its barrier from scratch, which costs as many iterations as a
#: cold solve. The pushes are tiny so that a variable or limit active at the last solution starts at it (issue 17:
#: with larger pushes and no `WARM_DISTANCE`, ALADIN's step test stayed just above its tolerance for extra rounds on
#: some chapter-07 systems). With ``mu_strategy`` "adaptive" Ipopt takes its first barrier parameter from the
#: start's complementarity, so a warm start also starts its barrier small. The warm solve is capped at ``max_iter``
#: iterations: one that needs more has lost its way and the cold solve, which is what every round did before,
#: decides instead (`Region.solve_local_nlp`).
#: The pushes are `forlab.opf.acopf.WARM_START_IPOPT`'s; its small ``mu_init`` is left out (measured, issue 17: no
#: fewer iterations here than the adaptive strategy's own first barrier parameter).
#: A larger cap is no lever (measured, issue 17, 1654-5 in-process at 63f2741, one idle machine): with 30, 7 of the
#: case1354pegase region's 27 solves were warm attempts that hit the cap and were made again cold (57 to 75
#: iterations in all), local NLPs 16.9 s, coordinator 32.9 s; with 60 (or 100) 5 were, but the run took 29 rounds,
#: local NLPs 15.9 s, coordinator 29.7 s.
WARM_IPOPT = {k: v for k, v in WARM_START_IPOPT.items() if k != "mu_init"} | {"max_iter": 30}

# The derivative functions of an Ipopt solver that another solver of the same NLP can be handed (CasADi nlpsol
# option -> the function the first solver built: gradient of the objective, Jacobian of the constraints, upper
# triangle of the Hessian of the Lagrangian), so that a region differentiates its NLP once (`Region._solvers`).
DERIVATIVES = {"grad_f": "nlp_grad_f", "jac_g": "nlp_jac_g", "hess_lag": "nlp_hess_l"}


def derivatives(solver: ca.Function) -> dict[str, ca.Function]:
    """An Ipopt solver's derivative functions, by the nlpsol option that hands them to another (`DERIVATIVES`)."""
    return {option: solver.get_function(function) for option, function in DERIVATIVES.items()}

#: Without a primal start ``x0`` (ADMM's local steps, ALADIN with ``local_start="last"``), a local NLP starts warm
#: only when the round moved its last solution less than this (rad / p.u., `Region._warm_distance`); with one
#: (ALADIN's default ``local_start="iterate"``, which starts from the iterate ``z_i``) it starts warm after every
#: converged solve, whatever the distance (`Region.solve_local_nlp`). Measured (issue 17): warm starts after larger
#: moves save few iterations, often lose their way (tiny pushes keep a changed active set's variables at their old
#: bounds), and their solutions, as accurate as the cold ones but not equal, changed the rounds of the most
#: sensitive systems; with this value every chapter-07 system and chapter 12's one-DS system kept its rounds.
WARM_DISTANCE = 1e-2

def flat_start(data: RegionData) -> np.ndarray:
    """A flat start of the region's variables: angles 0 rad (the slack's own angle), magnitudes 1 p.u. clipped to
    their limits, unit powers at the middle of their limits (infinite limits clipped to +-10 p.u.)."""
    m = data.model
    va = np.zeros(m.nb)
    va[m.ref] = m.va_ref
    vm = np.clip(np.ones(m.nb), m.vmin, m.vmax)
    if m.ng:
        u = m.units
        pg = 0.5 * (np.maximum(u["pmin"].to_numpy(float), -10.0) + np.minimum(u["pmax"].to_numpy(float), 10.0))
        qg = 0.5 * (np.maximum(u["qmin"].to_numpy(float), -10.0) + np.minimum(u["qmax"].to_numpy(float), 10.0))
    else:
        pg = qg = np.zeros(0)
    return np.concatenate([va, vm, pg, qg])


def start_mismatch(data: RegionData, x: np.ndarray) -> float:
    """Largest nodal P or Q mismatch (p.u.) at the region's core buses of a start ``x`` (local layout): the
    infeasibility of its local NLP's balance constraints there, from the region's own data only."""
    m = data.model
    nb, ng, nc = m.nb, m.ng, data.n_core
    x = np.asarray(x, float)
    gp, gq = m.balance(x[:nb], x[nb:2 * nb], x[2 * nb:2 * nb + ng], x[2 * nb + ng:], m.pd, m.qd)
    mis = np.concatenate([np.asarray(gp).ravel()[:nc], np.asarray(gq).ravel()[:nc]])
    return float(np.abs(mis).max(initial=0.0))


COPY_RELEASE_STEP = 1e-3
"""How close a region's local solution must land to its iterate (p.u. or rad, the largest entry of ``x - z``)
before a copy bus at its voltage bound stops passing that bound to the coordinator's QP (`Region._qp_bounds`).

Why: the local NLP bounds a copy by nothing (its owner holds the bound, see `Region._variable_bounds`), while the
QP gets the copy's bound as well (`Region.bounds`), which keeps the early coupled steps within the voltage limits.
Near a solution, with the owner's bus at its bound and the copy at or past it, both ends of the consensus pair are
held at the limit in the QP: the QP's consensus residual, and with it the update of the pair's multiplier, is
then about 0, the copy's NLP is priced by a multiplier that no longer moves, and its copy settles past the limit by
a residual that only the growth of rho shrinks. Measured in-process with default options (issue 17's growth
systems): case300 in 8 areas ended at 30 rounds with its consensus falling by 1/1.1 a round (rho's growth) from
5e-5, 418-10 stuck between 1e-6 and 7e-6; the copy of bus 51 in case300's area 2 sat 1.2e-5 p.u. above its owner
at 1.06 p.u. Leaving every at-bound copy's bound out of the QP from the first round made both converge in 13
rounds, but case1354pegase+case141 from a flat start no longer converged within 30 (15 before) and case118 in 3
areas reached the target at round 12 (9 before); leaving every copy bound out altogether failed the same way and
took case300 in 4 areas from 13 rounds to 16. With this step as the switch: case300 in 8 areas and 418-10
converged in 13 rounds, case1354pegase+case141 in 15, and chapter 07's eleven systems reached the target in the
same round as before."""


class Region:
    """The local agent of one region (see module docstring).

    Parameters:
        data: the region's `RegionData`.
        cost_scale: factor applied to the unit cost in the NLP objective (dimensionless).
        active_margin: a constraint or bound is active when it is within this distance of its limit (p.u. / rad;
            squared p.u. for branch limits).
        reg: smallest eigenvalue of the regularised Hessian (scaled cost per p.u.^2).
        ipopt: Ipopt options overriding `LOCAL_IPOPT`.
        alpha: step length of ``z = x + alpha dx`` (QP form "reduced", where the region takes the step itself).
        limit_reach: which of its linearised limits the region sends to the coordinator's QP (QP form "reduced",
            `forlab.p3_aladin.algorithm.reduction.LocalReduction`'s ``reach``).
        limit_watch: which of its far limits it also sends as watched rows (`LocalReduction`'s ``watch``).
        local_start: where Ipopt starts ALADIN's local NLP (`LOCAL_STARTS`): "iterate" (default) or "last".
        graph: CasADi expression type of the local NLP, "SX", "MX" or "auto" (as `forlab.opf.acopf.ACOPF`'s: MX from
            `forlab.opf.acopf.MX_FROM_BUSES` model buses on).
    """

    def __init__(self, data: RegionData, cost_scale: float = 1.0, active_margin: float = 1e-6, reg: float = 1e-4,
                 ipopt: dict | None = None, alpha: float = 1.0, limit_reach: float = 300.0, limit_watch: float = 0.0,
                 local_start: str = "iterate", graph: str = "auto"):
        if local_start not in LOCAL_STARTS:
            raise ValueError(f"local_start must be one of {LOCAL_STARTS}, not {local_start!r}")
        self.local_start = local_start
        self.data = data
        self.name = data.name
        self.cost_scale = float(cost_scale)
        self.active_margin = float(active_margin)
        self.reg = float(reg)
        self._build(ipopt, graph)
        self.x = flat_start(data)
        self.z = self.x.copy()
        self.reduction = LocalReduction(data.A[data.rows], alpha, reach=limit_reach, reg=self.reg, watch=limit_watch)
        self.sigma = np.ones(self.n_x)
        self.lam_g = np.zeros(self.n_g)
        self.lam_x = np.zeros(self.n_x)
        self.warm = False  # True after a converged local solve: its solution and multipliers start the next one
        self._last = None  # the arguments of the last local NLP (`_warm_distance`)

    # ------------------------------------------------------------------ model
    def _build(self, ipopt: dict | None, graph: str = "auto") -> None:
        """The local NLP and the sensitivity function, as an SX or MX graph (``graph``, `forlab.opf.acopf.graph_kind`:
        CasADi builds the derivatives of the vectorised AC equations of an MX graph far faster than those of the SX
        graph with one node per branch operation, and evaluates the SX graph faster; same NLP)."""
        d, m = self.data, self.data.model
        nb, ng, nc = m.nb, m.ng, d.n_core
        sym = ca.MX if graph_kind(graph, nb) == "MX" else ca.SX
        self.graph = sym.__name__
        n = 2 * nb + 2 * ng
        x = sym.sym("x", n)
        va, vm, pg, qg = x[:nb], x[nb:2 * nb], x[2 * nb:2 * nb + ng], x[2 * nb + ng:]
        lin, z, w = sym.sym("lin", n), sym.sym("z", n), sym.sym("w", n)
        rho = sym.sym("rho")

        flows = m.branch_flows(va, vm)
        gp, gq = m.balance(va, vm, pg, qg, m.pd, m.qd, flows=flows)
        g = [gp[:nc], gq[:nc]]
        lbg = [np.zeros(nc), np.zeros(nc)]
        ubg = [np.zeros(nc), np.zeros(nc)]
        s2, lim2 = self._branch_limits(flows)
        if len(lim2):
            g.append(s2)
            lbg.append(np.full(len(lim2), -np.inf))
            ubg.append(lim2)
        ang = np.flatnonzero(m.angle_limited)
        if len(ang):
            g.append(m.angle_differences(va))
            lbg.append(m.angle_min[ang])
            ubg.append(m.angle_max[ang])
        cg, clb, cub = m.chart_constraints(pg, qg)
        if cg.numel():
            g.append(cg)
            lbg.append(clb)
            ubg.append(cub)
        gall = ca.vertcat(*g)
        self.lbg, self.ubg = np.concatenate(lbg), np.concatenate(ubg)
        self.n_g, self.n_x = gall.numel(), n

        f = self.cost_scale * m.unit_cost(pg, qg) if ng else sym(0)
        obj = f + ca.dot(lin, x) + 0.5 * rho * ca.dot(w, (x - z) ** 2)
        p = ca.vertcat(lin, z, w, rho)
        self.solver, self.warm_solver = self._solvers({"x": x, "p": p, "f": obj, "g": gall}, ipopt or {})
        self._sens = self._sensitivity_function(sym, p.numel())

        self.lbx, self.ubx = self._variable_bounds()
        self._stacks = None  # `_reduction_stacks`, on the first reduction
        self.build_s = 0.0  # `_built`: one-time constructions made inside a timed step, kept out of its time

    def _solvers(self, nlp: dict, ipopt: dict) -> tuple:
        """The cold-start Ipopt solver of the local NLP (`LOCAL_IPOPT`, capped at `COLD_MAX_ITER`, with ``ipopt``
        over it) and the warm-start one (`WARM_IPOPT` over both; None when ``ipopt`` sets ``warm_start_init_point``
        to "no", which gives every solve the cold start); the monotone one (`_monotone`, `MONOTONE_IPOPT`) is built
        when first needed.
        The others are handed the cold one's derivative functions (`DERIVATIVES`): building them is most of a
        solver's construction, and all solve the same NLP."""
        name = f"region_{self.data.index}"
        common = {"print_time": False, "error_on_fail": False}
        cold = ca.nlpsol(name, "ipopt", nlp, {"ipopt": LOCAL_IPOPT | {"max_iter": COLD_MAX_ITER} | ipopt, **common})
        shared = {**common, **derivatives(cold)}
        # built when first needed (`_monotone`): most runs never need it, and a region's set-up counts in its run time
        # (its build is kept out of the solve's online time, `_built`)
        monotone = {"ipopt": LOCAL_IPOPT | ipopt | MONOTONE_IPOPT, **shared}
        capped = {**monotone, "ipopt": monotone["ipopt"] | {"max_iter": COLD_MAX_ITER}}
        self._monotone_args = {False: (f"{name}_monotone", "ipopt", nlp, monotone),
                               True: (f"{name}_monotone_capped", "ipopt", nlp, capped)}
        self._monotone_solvers = {}
        if ipopt.get("warm_start_init_point") == "no":
            return cold, None
        return cold, ca.nlpsol(f"{name}_warm", "ipopt", nlp, {"ipopt": LOCAL_IPOPT | ipopt | WARM_IPOPT, **shared})

    def _monotone(self, capped: bool = False) -> ca.Function:
        """The monotone-barrier solver of the local NLP (`MONOTONE_IPOPT`; ``capped``: at `COLD_MAX_ITER`
        iterations), built on first use."""
        if capped not in self._monotone_solvers:
            self._monotone_solvers[capped] = self._built(lambda: ca.nlpsol(*self._monotone_args[capped]))
        return self._monotone_solvers[capped]

    def _built(self, make: Callable[[], Any]) -> Any:
        """``make()``, its time added to `build_s`: a construction made on first use inside a timed step (the
        monotone solvers, `_monotone`; the reduction's stacks, `reduce`) is set-up, and the steps take it out of
        their online times (``nlp_s``, ``reduction_s``) as the integrated AC-OPF's solver time leaves out its
        build (review L of the yardstick, issue 17). The elapsed round (``round_wall_s``) still holds it."""
        t0 = time.perf_counter()
        out = make()
        self.build_s += time.perf_counter() - t0
        return out

    def _sensitivity_function(self, sym, n_p: int) -> ca.Function:
        """(x, kappa) -> gradient of the unit cost, Hessian of its Lagrangian with multipliers kappa, Jacobian of the
        constraints, the constraints and the unit cost: from the cold solver's own derivative functions at the
        parameters that zero the ALADIN terms (linear term, proximal weights and rho all 0, which leaves the scaled
        unit cost as the objective), so that the region differentiates its NLP once."""
        x, kappa = sym.sym("x", self.n_x), sym.sym("kappa", self.n_g)
        p0 = ca.DM.zeros(n_p)
        d = derivatives(self.solver)
        f, grad = d["grad_f"](x, p0)
        hess = ca.triu2symm(d["hess_lag"](x, p0, 1.0, kappa))
        g, jac = d["jac_g"](x, p0)
        return ca.Function("sens", [x, kappa], [grad, hess, jac, g, f])

    def _variable_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the local NLP's variables: voltage magnitudes of the core buses, unit powers, the slack angle."""
        d, m = self.data, self.data.model
        nb, ng, nc = m.nb, m.ng, d.n_core
        u = m.units
        lbx = [np.full(nb, -np.inf), m.vmin, u["pmin"].to_numpy(float) if ng else [],
               u["qmin"].to_numpy(float) if ng else []]
        ubx = [np.full(nb, np.inf), m.vmax, u["pmax"].to_numpy(float) if ng else [],
               u["qmax"].to_numpy(float) if ng else []]
        lbx[0][m.ref] = m.va_ref
        ubx[0][m.ref] = m.va_ref
        # copies are bounded by their owner only: one bound on two copies of a variable would make the consensus
        # multiplier of that variable undetermined whenever the bound is active
        lbx[1] = np.where(np.arange(nb) < nc, m.vmin, -np.inf)
        ubx[1] = np.where(np.arange(nb) < nc, m.vmax, np.inf)
        return (np.concatenate([np.asarray(a, float) for a in lbx]),
                np.concatenate([np.asarray(a, float) for a in ubx]))

    def _branch_limits(self, flows) -> tuple:
        """Squared apparent power at the branch ends this region limits (`RegionData.limit_from`/``limit_to``;
        all finite limits at both ends when not given) and the squared limits (p.u.)."""
        d, m = self.data, self.data.model
        finite = np.isfinite(m.rate)
        lf = finite if d.limit_from is None else d.limit_from & finite
        lt = finite if d.limit_to is None else d.limit_to & finite
        pf, qf, pt, qt = flows
        i_f, i_t = np.flatnonzero(lf), np.flatnonzero(lt)
        s2 = ca.vertcat(pf[i_f] ** 2 + qf[i_f] ** 2, pt[i_t] ** 2 + qt[i_t] ** 2)
        return s2, np.concatenate([m.rate[i_f] ** 2, m.rate[i_t] ** 2])

    def cost(self, x: np.ndarray) -> float:
        """Unit cost of the region at local vector ``x`` (currency per hour, unscaled)."""
        return float(self._sens(x, np.zeros(self.n_g))[4]) / self.cost_scale

    # ------------------------------------------------------------------ steps
    def solve_local_nlp(self, lin: np.ndarray, z: np.ndarray, w: np.ndarray, rho: float,
                        x0: np.ndarray | None = None) -> dict:
        """ALADIN step 1 / ADMM local step: solve the local NLP (eq. (p3-local-nlp)) from ``x0`` (clipped into the
        bounds) or, when None, from the previous solution.

        After a converged solve (``Solve_Succeeded``) Ipopt starts warm with that solution's multipliers
        (`WARM_IPOPT`): from ``x0`` whenever one is given, from the previous solution only when the new NLP moves it
        less than `WARM_DISTANCE` (`_warm_distance`). Every other solve starts cold (`LOCAL_IPOPT`, as every solve did
        before): the first, one after `set_start`, one after a solve that did not converge fully, one after a far
        move, and one whose warm attempt did not converge fully; so every solution that leaves the region meets
        `LOCAL_IPOPT`'s tolerance as a cold one's. The first solve takes the adaptive barrier strategy and, when it
        is not done within `COLD_MAX_ITER` iterations or failed, is made again with the monotone one
        (`MONOTONE_IPOPT`); every later cold solve takes the monotone one, capped at `COLD_MAX_ITER` iterations
        too, and when it is not done then or failed it is made again, uncapped, from the region's last local
        solution.

        lin: linear term on the local variables (``A_i' lambda`` for ALADIN); z: proximal centre; w: proximal weights
        (the diagonal of Sigma); rho: penalty; x0: the primal start (`LOCAL_STARTS`). Returns Ipopt's status, its
        iterations (every attempt together), ``nlp_start`` ("cold", "cold, then monotone" for a first solve handed
        over, "warm" or "warm, then cold"; a later cold solve handed over adds ", then monotone from the last
        solution") and the time (s); the solution and multipliers stay in the region.
        """
        t0, built = time.perf_counter(), self.build_s
        p = np.concatenate([lin, z, w, [rho]])
        iterations, start, x_last = 0, "cold", self.x.copy()
        near = x0 is not None or (self.warm and self._warm_distance(lin, z, w, rho) <= WARM_DISTANCE)
        if x0 is not None:
            self.x = np.clip(x0, self.lbx, self.ubx)
        if self.warm and self.warm_solver is not None and near:
            sol, status, iterations = self._ipopt(self.warm_solver, p)
            start = "warm"
        if start == "cold" or status != "Solve_Succeeded":
            # a warm solve that failed, stopped at the acceptable level or hit its cap leaves the round to the
            # cold start: only a fully converged warm solve is as good as the cold one
            first = self._last is None  # the region's first local NLP (`COLD_MAX_ITER`)
            sol, status, cold_iterations = self._ipopt(self.solver if first else self._monotone(capped=True), p)
            iterations += cold_iterations
            start = "cold" if start == "cold" else "warm, then cold"
            if status not in OK_STATUSES:  # lost its way or failed: the monotone strategy, uncapped
                if not first:  # from the last local solution rather than the QP's iterate (`COLD_MAX_ITER`)
                    self.x = x_last
                sol, status, more = self._ipopt(self._monotone(), p)
                iterations += more
                start += ", then monotone" if first else ", then monotone from the last solution"
        self.x = np.asarray(sol["x"]).ravel()
        self.lam_g = np.asarray(sol["lam_g"]).ravel()
        self.lam_x = np.asarray(sol["lam_x"]).ravel()
        self.warm = status == "Solve_Succeeded"
        self._last = (np.array(lin, float), np.array(z, float), np.array(w, float), float(rho))
        return {"status": status, "nlp_iterations": iterations, "nlp_start": start,
                "nlp_s": time.perf_counter() - t0 - (self.build_s - built)}

    def _warm_distance(self, lin: np.ndarray, z: np.ndarray, w: np.ndarray, rho: float) -> float:
        """How far (rad / p.u.) the new local NLP moves the last solution: the stationarity error of the last
        solution and multipliers in the new NLP (its constraints are the last one's, so only the gradient of the
        linear and proximal terms changed), divided by the new proximal curvature rho w."""
        lin0, z0, w0, rho0 = self._last
        change = (lin - lin0) + rho * w * (self.x - z) - rho0 * w0 * (self.x - z0)
        # a variable without proximal term (ADMM's uncoupled ones) counts as moved far when its gradient changed
        return float(np.max(np.abs(change) / np.maximum(rho * w, 1e-300), initial=0.0))

    def _ipopt(self, solver, p: np.ndarray) -> tuple[dict, str, int]:
        """One Ipopt solve of the local NLP with parameters ``p`` from the current start (primal and multipliers):
        the solution, Ipopt's return status and its iteration count."""
        sol = solver(x0=self.x, lam_g0=self.lam_g, lam_x0=self.lam_x, p=p, lbx=self.lbx, ubx=self.ubx,
                     lbg=self.lbg, ubg=self.ubg)
        stats = solver.stats()
        return sol, str(stats.get("return_status", "unknown")), int(stats.get("iter_count", -1))

    def active_set(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Active constraint rows (equalities and inequalities within ``active_margin`` of a limit) and active
        bounds (variables within ``active_margin`` of a bound, fixed variables included)."""
        mg = self.active_margin
        eq = self.lbg == self.ubg
        act_g = eq | (g >= self.ubg - mg) | (g <= self.lbg + mg)
        act_x = (self.x <= self.lbx + mg) | (self.x >= self.ubx - mg)
        return np.flatnonzero(act_g), np.flatnonzero(act_x)

    def sensitivities(self, qp: str = "reduced", penalty: np.ndarray | None = None) -> dict:
        """ALADIN step 2 at the current local solution, for the coordinator's QP form ``qp`` (the data eq. (p3-qp)
        needs from this region; chapter 07, step (2) and "Two forms of the QP").

        Always: ``grad`` or ``grad_r``, ``cost`` (unscaled, per hour), ``n_active`` (active inequalities and bounds,
        margin ``active_margin``), ``reduction_s`` (s).
        "reduced": `reduce` (``hess_r``, ``grad_r``, ``AZ``, the near limits ``G_r``, ``lo_r``, ``up_r`` and
        diagnostics); nothing else leaves the region.
        "coupled": ``hess``, the exact Hessian of the Lagrangian (sparse); ``jac``, the Jacobian of the equality
        constraints and of the fixed variables (independent rows); ``jac_ineq``, ``ineq_lo``, ``ineq_up``, the
        Jacobian of the inequality constraints and the room to their lower and upper limits.
        "kkt" (ALADIN-alpha): ``hess``, the Hessian of the Lagrangian with the multipliers of inactive constraints
        set to zero, eigenvalue-regularised (`regularize_hessian`, dense); ``jac``, the Jacobian of the equality
        constraints, the active inequalities and the active bounds (independent rows).
        """
        t0, built = time.perf_counter(), self.build_s
        g_val = np.asarray(self._sens(self.x, self.lam_g)[3]).ravel()
        act_g, act_x = self.active_set(g_val)
        eq = self.lbg == self.ubg
        n_active = int(len(act_g) - np.sum(eq) + len(act_x))
        if qp == "reduced":
            out = self.reduce(g_val, penalty)
        elif qp == "kkt":
            kappa = np.zeros(self.n_g)
            kappa[act_g] = self.lam_g[act_g]
            grad, hess, jac, _g, f = self._sens(self.x, kappa)
            c = sp.vstack([_to_scipy(jac)[act_g], _rows_of_identity(act_x, self.n_x)]).tocsr()
            out = {"hess": regularize_hessian(np.asarray(ca.densify(hess)), self.reg), "jac": independent_rows(c),
                   "grad": np.asarray(grad).ravel(), "cost": float(f) / self.cost_scale}
        elif qp == "coupled":
            grad, hess, jac, _g, f = self._sens(self.x, self.lam_g)
            jac = _to_scipy(jac)
            fixed = _rows_of_identity(np.flatnonzero(self.lbx == self.ubx), self.n_x)
            ineq = np.flatnonzero(~eq)
            out = {"hess": _to_scipy(hess), "jac": independent_rows(sp.vstack([jac[eq], fixed]).tocsr()),
                   "jac_ineq": jac[ineq], "ineq_lo": self.lbg[ineq] - g_val[ineq],
                   "ineq_up": self.ubg[ineq] - g_val[ineq], "grad": np.asarray(grad).ravel(),
                   "cost": float(f) / self.cost_scale}
        else:
            raise ValueError(f"qp must be 'reduced', 'coupled' or 'kkt', not {qp!r}")
        out.update(n_active=n_active, reduction_s=time.perf_counter() - t0 - (self.build_s - built))
        return out

    def reduce(self, g_val: np.ndarray, penalty: np.ndarray | None = None) -> dict:
        """The region's reduced message (`forlab.p3_aladin.algorithm.reduction.LocalReduction.reduce`) at its local
        solution: null space of its equality constraints and fixed variables, exact Hessian of its Lagrangian, and
        its linearised limits (branch, angle and chart constraints; variable bounds, copies bounded by their
        owners' voltage limits as in `bounds`), of which only those near their bounds leave the region."""
        grad, hess, jac, _g, f = self._sens(self.x, self.lam_g)
        if self._stacks is None:
            self._stacks = self._built(self._reduction_stacks)
        equalities, limit_rows, hessian, ineq, bounded = self._stacks
        lb, ub = self._qp_bounds()
        jac = np.asarray(jac.nonzeros())
        limits = (limit_rows(jac),
                  np.concatenate([self.lbg[ineq] - g_val[ineq], lb[bounded] - self.x[bounded]]),
                  np.concatenate([self.ubg[ineq] - g_val[ineq], ub[bounded] - self.x[bounded]]))
        out = self.reduction.reduce(self.x, np.asarray(grad).ravel(), hessian(np.asarray(hess.nonzeros())),
                                    equalities(jac), limits, penalty)
        out.update(cost=float(f) / self.cost_scale)
        return out

    def _qp_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The variable bounds `reduce` linearises for the coordinator's QP: `bounds`, but once the local NLP lands
        within `COPY_RELEASE_STEP` of the region's iterate, without the voltage bound of a copy that is at or past
        it (within ``active_margin``; +-inf there). Why: `COPY_RELEASE_STEP`."""
        lb, ub = self.bounds()
        if np.max(np.abs(self.x - self.z), initial=0.0) > COPY_RELEASE_STEP:
            return lb, ub
        vm = np.arange(self.n_x)[self.data.slices["vm"]][self.data.n_core:]  # the copies' voltage magnitudes
        ub[vm[self.x[vm] >= ub[vm] - self.active_margin]] = np.inf
        lb[vm[self.x[vm] <= lb[vm] + self.active_margin]] = -np.inf
        return lb, ub

    def _reduction_stacks(self) -> tuple:
        """What `reduce` assembles from the sensitivity function's Jacobian and Hessian, whose sparsity never changes:
        the equality rows over the fixed variables' identity rows, the inequality rows over the bounded variables'
        identity rows and the Hessian, each a `SparseStack`; and the inequality rows and bounded variables."""
        eq = self.lbg == self.ubg
        ineq = np.flatnonzero(~eq)
        lb, ub = self.bounds()
        bounded = np.flatnonzero((np.isfinite(lb) | np.isfinite(ub)) & (lb < ub))
        jac, hess = self._sens.sparsity_out(2), self._sens.sparsity_out(1)
        return (SparseStack(jac, np.flatnonzero(eq), np.flatnonzero(self.lbx == self.ubx)),
                SparseStack(jac, ineq, bounded), SparseStack(hess, np.arange(self.n_x), np.zeros(0, int)),
                ineq, bounded)

    def aladin_step(self, lam: np.ndarray, z: np.ndarray | None, rho: float, qp: str = "reduced",
                    penalty: np.ndarray | None = None) -> dict:
        """ALADIN steps 1 and 2 for this region: eq. (p3-local-nlp) and the sensitivities of eq. (p3-qp).

        lam: multipliers of the consensus rows this region appears in (``data.rows``, scaled cost per rad or p.u.);
        z: the region's primal iterate (comparison forms) or, for ``qp="reduced"``, its reduced step ``dv`` from
        the coordinator (None in the first round), from which it takes its iterate ``z = x + alpha t Z dv`` itself
        (`LocalReduction.expand`); rho: penalty; qp: the coordinator's QP form (see `sensitivities`); penalty: the
        slack penalties of its consensus rows this round ("reduced": the region condenses with them,
        `LocalReduction.condense`; None: it sends the reduced message).
        Returns the sensitivities, the Ipopt status and timings (s), and the local solution ``x`` (comparison forms)
        or its coupled variables ``x_c``, ``step`` = max|x - z| and ``step_fraction`` t ("reduced").
        """
        t0 = time.perf_counter()
        lam = np.asarray(lam, float)
        fraction = 1.0
        if qp == "reduced":
            if z is not None and self.reduction.kept is not None:
                self.z, fraction = self.reduction.expand(z)
        else:
            self.z = np.asarray(z, float).copy()
        lin = self.data.A[self.data.rows].T @ lam
        out = self.solve_local_nlp(lin, self.z, self.sigma, float(rho),
                                   self.z if self.local_start == "iterate" else None)
        out.update(self.sensitivities(qp, penalty))
        if qp == "reduced":
            out.update(x_c=self.x[self.data.coupled].copy(), step=float(np.max(np.abs(self.x - self.z), initial=0.0)),
                       step_fraction=fraction)
        else:
            out["x"] = self.x.copy()
        out["compute_s"] = time.perf_counter() - t0
        return out

    def admm_step(self, lam: np.ndarray, z: np.ndarray, rho: float) -> dict:
        """ADMM local step: ``min f_i + lam' x_c + rho/2 ||x_c - z||^2`` over the local NLP, where ``x_c`` are the
        coupled variables (`RegionData.coupled`) and ``lam``, ``z`` are given on them. Returns the coupled
        variables ``x_c``, the unscaled ``cost`` and timings (s)."""
        t0 = time.perf_counter()
        c = self.data.coupled
        lin = np.zeros(self.n_x)
        lin[c] = lam
        zz = self.x.copy()
        zz[c] = z
        w = np.zeros(self.n_x)
        w[c] = 1.0
        out = self.solve_local_nlp(lin, zz, w, float(rho))
        out["cost"] = self.cost(self.x)
        out["x_c"] = self.x[c].copy()
        out["compute_s"] = time.perf_counter() - t0
        return out

    # ------------------------------------------------------------------ helpers
    def set_start(self, x: np.ndarray) -> None:
        """Replace the warm start (local layout) and forget the multipliers: the next local NLP starts cold."""
        self.x = np.asarray(x, float).copy()
        self.warm = False
        self.z = self.x.copy()
        self.reduction.reset()
        self.lam_g = np.zeros(self.n_g)
        self.lam_x = np.zeros(self.n_x)

    def set_sigma(self, sigma: np.ndarray) -> None:
        """Set the diagonal of the proximal scaling Sigma of ALADIN's local NLP (dimensionless, local layout)."""
        self.sigma = np.asarray(sigma, float).copy()

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the local variables for the coordinator's QP (rad / p.u.; +-inf where unbounded): those of the
        local NLP, plus the voltage limits of the copy buses (left out of the NLP, see `_build`)."""
        lb, ub = self.lbx.copy(), self.ubx.copy()
        sl = self.data.slices["vm"]
        lb[sl] = self.data.model.vmin
        ub[sl] = self.data.model.vmax
        return lb, ub

    def crossed_limits(self, dv: np.ndarray) -> dict:
        """The region's far limits that the coordinator's tentative reduced step ``dv`` would cross
        (`LocalReduction.crossed_limits`)."""
        return self.reduction.crossed_limits(dv)

    def reduced_message(self) -> dict:
        """The reduced message of the last step (`LocalReduction.reduced_message`): what the coordinator asks for
        when it cannot use the condensed one."""
        return self.reduction.reduced_message()

    def solution(self) -> np.ndarray:
        """The current local solution (local layout)."""
        return self.x.copy()


def _rows_of_identity(idx: np.ndarray, n: int) -> sp.csr_matrix:
    """Rows ``idx`` of the n x n identity (the Jacobian of bound constraints on those variables)."""
    return sp.csr_matrix((np.ones(len(idx)), (np.arange(len(idx)), idx)), shape=(len(idx), n))


def independent_rows(c: sp.csr_matrix) -> sp.csr_matrix:
    """The rows of ``c`` that are linearly independent, in their original order: those a weighted matching of rows
    to columns serves, when the matched block has a sparse LU
    (`forlab.p3_aladin.algorithm.reduction.matched_rows`); else those a dense rank-revealing QR keeps (the
    fallback for numerically dependent rows, `forlab.p3_aladin.algorithm.reduction.rank_revealing_qr`).

    A region's active constraints can be dependent although the global problem satisfies LICQ (a region without
    units whose voltage limits are active, say); a dependent row with zero right-hand side adds nothing to the
    coupled QP but makes its KKT matrix singular.
    """
    if c.shape[0] <= 1:
        return c
    rows, _basic, lu = matched_rows(c)
    if lu is not None or not len(rows):
        return c[np.sort(rows)]
    # the fallback for numerically dependent rows: the pivots of a rank-revealing QR of c'. 1e-9 here, 1e-10 in
    # forlab.p3_aladin.algorithm.reduction._qr_null_space: both date from the first ALADIN code (95fa620) without a
    # recorded reason, and every archived run was measured with them; kept as measured, not reconciled
    perm, rank, _q = rank_revealing_qr(c, 1e-9)
    return c[np.sort(perm[:rank])]


class SparseStack:
    """Rows of a CasADi matrix of fixed sparsity stacked over rows of the identity, as a SciPy CSR matrix built from
    the matrix's non-zeros alone: the structure (which non-zero goes where) is found once, from the sparsity.

    Why: a region's Jacobian and Hessian keep their sparsity from round to round, and slicing and stacking them
    anew every round cost more than the reduction's algebra on a small region (issue 17: about a third of a
    case300 area's reduction)."""

    def __init__(self, sparsity: ca.Sparsity, rows: np.ndarray, eye_cols: np.ndarray):
        colind, row = sparsity.get_ccs()
        # each non-zero carries its position + 1, the identity's entries -1: slicing and stacking move them along
        ids = sp.csc_matrix((np.arange(1.0, sparsity.nnz() + 1.0), row, colind), shape=sparsity.shape).tocsr()
        eye = _rows_of_identity(eye_cols, sparsity.shape[1])
        stacked = sp.vstack([ids[rows], -eye]).tocsr()
        self.indices, self.indptr, self.shape = stacked.indices, stacked.indptr, stacked.shape
        self.source = stacked.data.astype(int) - 1
        self.one = self.source < 0

    def __call__(self, nonzeros: np.ndarray) -> sp.csr_matrix:
        data = np.where(self.one, 1.0, nonzeros[np.maximum(self.source, 0)])
        return sp.csr_matrix((data, self.indices.copy(), self.indptr.copy()), shape=self.shape)


def _to_scipy(m) -> sp.csr_matrix:
    """A CasADi DM as a scipy CSR matrix."""
    m = ca.DM(m)
    csc = m.sparsity().get_ccs()
    return sp.csc_matrix((np.asarray(m.nonzeros()), csc[1], csc[0]), shape=m.shape).tocsr()
