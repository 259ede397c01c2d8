"""The ALADIN iteration on a generic consensus problem (`forlab.p3_aladin.algorithm.problem.ConsensusProblem`).

Houska, Frasch & Diehl (2016); the AC-OPF form of Engelmann et al. (2019), as in ALADIN-alpha and rapidPF:

    z = start of every local problem, lambda = 0, rho = rho0, mu = mu0
    repeat
        1-2. every local solver: local NLP around z_i with lambda, rho -> x_i, and its reduction (reduced Hessian,
             gradient and coupling block; or, for the comparison forms, gradient, Hessian, Jacobian)
             (eq. (p3-local-nlp))
             stop if max |sum_i A_i x_i| <= eps, max_i ||x_i - z_i||_inf <= eps and the problem's hidden mismatch
             <= eps_power (eq. (p3-stop))
        3.   coordinator: coupled QP with slack -> dx (for the default form the reduced steps dv_i), lambda_QP
             (eq. (p3-qp), `forlab.p3_aladin.algorithm.qp`)
        4.   z = x + alpha dx, lambda = lambda_QP; rho, mu grow (eq. (p3-update)). With the default QP form
             ("reduced") every local solver takes its own step z_i = x_i + alpha Z_i dv_i on its next request.

The loop talks to the local solvers only through an *agents* executor (`forlab.p3_aladin.execution`): it sends each
one its multipliers, rho, the QP form and its iterate (default form: its reduced step), and gets back the answers
`ConsensusProblem` describes. With the default form it never sees a local solution, only the coupled variables
(``x_c``, the columns of ``A_i``) until the run ends. It knows nothing about what the variables mean.

What crosses the wire per round and region (default form; d_i free directions, r_i consensus rows, c_i coupled
variables; 8-byte floats plus pickle framing, counted as ``bytes_down`` / ``bytes_up`` per round):

* coordinator -> region: ``lambda`` (r_i numbers: the prices of its own consensus rows), ``dv`` (d_i: its step in
  its own reduced coordinates, with the positions of the watched rows that joined the QP), ``rho``, the QP form;
* region -> coordinator: ``x_c`` (c_i: the voltages at its own boundary buses and its copies of its neighbours'),
  ``cost`` (1), ``step`` (1, max|x_i - z_i|), ``hess_r`` (d_i (d_i + 1) / 2), ``grad_r`` (d_i), ``AZ`` (r_i d_i), ``G_r``,
  ``lo_r``, ``up_r``, ``id_r`` (k_i d_i + 3 k_i for its k_i limits near their bounds, ``id_r`` their positions
  among its limits, by which the coordinator starts the next round's QP from the limits active at this round's
  step, ``ALADINOptions.seed_active``), with limit passes ``G_w``, ``lo_w``,
  ``up_w`` (w_i d_i + 2 w_i for its w_i watched far limits: those a step ``ALADINOptions.limit_watch`` times its
  last could reach), ``far_radius`` (1): the region's cost curvature and gradient in an unnamed basis of its free
  directions, how those directions move its boundary voltages, which combinations of them would hit a limit soon
  or within a few steps, and how long a step keeps clear of every other limit. No network data, no Jacobian or
  Hessian of its equations, no limit beyond that reach and no dispatch leaves the region during the iterations
  (the solution is handed in at the end).

With ``ALADINOptions.limit_passes`` > 0 the coordinator checks every tentative step against the watched rows
itself and, when some step is longer than its region's ``far_radius`` (the unwatched far limits), also sends each
region its tentative ``dv``; the region answers with the unwatched far limits that step would cross (``G_r``,
``lo_r``, ``up_r`` of those only, and its new ``far_radius``, `keep_crossed_limits`); counted in the round's bytes
and in ``coordinator_s``.

With ``ALADINOptions.condense`` the request also carries ``mu`` (r_i: the slack penalties of its rows) and the
region answers with its condensed message instead of ``hess_r``, ``grad_r``, ``AZ``, ``G_r``, ``lo_r``, ``up_r``:
``S`` (r_i (r_i + 1) / 2), ``e`` (r_i), ``V`` (r_i k_i), ``W`` (k_i (k_i + 1) / 2), ``f``, ``h`` (k_i) and
``lambda_min`` (`forlab.p3_aladin.algorithm.reduction.LocalReduction.condense`): sizes set by its consensus rows
and near limits, no longer by its free directions; ``dv`` is then its rows' prices ``xi`` and its limits'
multipliers ``y``. When the coordinator falls back to the dense form it asks every region for its reduced message
(``reduced_message``, counted in ``coordinator_s``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from forlab.book.parallel import wire_bytes
from forlab.p3_aladin.algorithm import qp
from forlab.p3_aladin.algorithm.cycling import CycleDamping
from forlab.p3_aladin.algorithm.options import ALADINOptions
from forlab.p3_aladin.algorithm.problem import (
    ConsensusProblem,
    auto_options,
    consensus_residual,
    consensus_violation,
    step_size,
)
from forlab.p3_aladin.algorithm.reduction import crossing
from forlab.p3_aladin.algorithm.result import ALADINResult, relative_gap
from forlab.p3_aladin.execution import RegionFailed, busiest_worker, message_table

REQUEST_FIELDS = {"reduced": ["lambda", "dv", "rho", "qp"], "coupled": ["lambda", "z", "rho", "qp"],
                  "kkt": ["lambda", "z", "rho", "qp"]}
REPLY_FIELDS = {"reduced": ["x_c", "cost", "step", "S", "e", "V", "W", "f", "h", "lambda_min", "hess_r", "grad_r",
                             "AZ", "G_r", "lo_r", "up_r", "id_r", "G_w", "lo_w", "up_w", "pos_w", "far_radius"],
                "coupled": ["x", "cost", "grad", "hess", "jac", "jac_ineq", "ineq_lo", "ineq_up"],
                "kkt": ["x", "cost", "grad", "hess", "jac"]}
QP_FORMS = tuple(REPLY_FIELDS)


@dataclass
class Iterate:
    """The coordinator's state between iterations: what it sends each local solver besides the multipliers (the
    iterate ``z_i`` for the comparison QP forms; for "reduced" the reduced step ``dv_i``, None in the first
    round: each region keeps its own iterate), the consensus multipliers, the penalties, and the last local
    solutions ``x_i`` (for "reduced" only their coupled variables, zeros elsewhere), and which of every region's
    limits were active at the last QP step (``active_ids``, the next round's seed, `ALADINOptions.seed_active`);
    plus what stays fixed during a run (row weights ``w``, variable bounds for the "coupled" QP, coupled columns of
    every ``A_i``), every region's factor on rho where its local solution cycles (``damping``), and the consensus
    residual ``sum_i A_i x_i`` at the last local solutions (``residual``: the start's until the first round, then
    computed once a round, read by the log, the cycling test and the coupled QP)."""

    zs: list[np.ndarray | None]
    lam: np.ndarray
    rho: float
    mu: float
    xs: list[np.ndarray]
    weight: np.ndarray
    bounds: list | None
    coupled: list[np.ndarray]
    damping: CycleDamping
    residual: np.ndarray
    active_ids: list[np.ndarray] | None = None

    def region_rho(self) -> np.ndarray:
        """Every region's proximal penalty this round: rho, times its own factor where it cycled."""
        return self.damping.rho(self.rho)


def check_options(options: ALADINOptions) -> None:
    """Reject a QP form the coordinator does not know (before any local solve)."""
    if options.qp not in QP_FORMS:
        raise ValueError(f"qp must be one of {QP_FORMS}, not {options.qp!r}")


def initialise(problem: ConsensusProblem, agents, options: ALADINOptions) -> Iterate:
    """Start every local solver at the problem's start, set the proximal scaling Sigma_i and the row weights, fetch
    the variable bounds the "coupled" QP keeps; lambda = 0, rho = rho0, mu = mu0."""
    check_options(options)
    zs = problem.start(options.init)
    agents.call("set_start", [(z,) for z in zs])
    weight = problem.consensus_weights(options.consensus_weight)
    sigma = problem.proximal_weights(options.sigma)
    if sigma is not None:
        agents.call("set_sigma", [(s,) for s in sigma])
    bounds = agents.call("bounds", [() for _ in problem.names]) if options.qp == "coupled" else None
    coupled = [np.unique(sp.csr_matrix(a).indices) for a in problem.A]
    damping = CycleDamping(options.cycle_damping, len(zs), options.rho_max)
    return Iterate(zs=[None] * len(zs) if options.qp == "reduced" else zs, lam=np.zeros(problem.n_cons), rho=options.rho0,
                   mu=options.mu0, xs=zs, weight=weight, bounds=bounds, coupled=coupled, damping=damping,
                   residual=consensus_residual(problem.A, zs))


def request_fields(qp_form: str, condense: bool) -> list[str]:
    """The fields of the request `parallel_step` sends each local solver, in order (`REQUEST_FIELDS`); with
    ``condense`` the "reduced" request also carries ``mu``. The one list the message table names them by."""
    return REQUEST_FIELDS[qp_form] + (["mu"] if qp_form == "reduced" and condense else [])


def parallel_step(agents, state: Iterate, rows: list[np.ndarray], qp_form: str = "reduced",
                  condense: bool = False) -> tuple:
    """ALADIN steps 1-2 on every local solver (eq. (p3-local-nlp)): each gets the multipliers of its own consensus
    rows, its iterate (for "reduced": its reduced step, from which it takes its iterate itself), its rho
    (`Iterate.region_rho`) and the QP form (the fields of `request_fields`). Returns the answers, the requests sent
    and the round's wall time (s)."""
    rho = state.region_rho()
    if "mu" in request_fields(qp_form, condense):  # the slack penalties of its own rows: the region condenses with them
        mu_rows = state.mu * state.weight**2
        requests = [(state.lam[r], state.zs[k], float(rho[k]), qp_form, mu_rows[r]) for k, r in enumerate(rows)]
    else:
        requests = [(state.lam[r], state.zs[k], float(rho[k]), qp_form) for k, r in enumerate(rows)]
    t0 = time.perf_counter()
    answers = agents.call("aladin_step", requests)
    return answers, requests, time.perf_counter() - t0


def local_solutions(answers: list[dict], problem: ConsensusProblem, state: Iterate) -> list[np.ndarray]:
    """The local solutions as far as the coordinator knows them: ``x`` (comparison forms) or the coupled variables
    ``x_c`` in place and zeros elsewhere ("reduced"; enough for ``A_i x_i``)."""
    if "x" in answers[0]:
        return [a["x"] for a in answers]
    xs = []
    for a, cols, ai in zip(answers, state.coupled, problem.A):
        x = np.zeros(ai.shape[1])
        x[cols] = a["x_c"]
        xs.append(x)
    return xs


def log_row(it: int, problem: ConsensusProblem, agents, answers: list[dict], requests: list[tuple],
            round_s: float, state: Iterate) -> dict:
    """The log row of one iteration (`forlab.p3_aladin.algorithm.result.ITERATION_LOG`) at the new local
    solutions ``state.xs``; the coordinator's columns, ``lambda_min``, ``newton`` and ``iter_s`` are filled in
    later."""
    xs, ref = state.xs, problem.reference
    obj = float(sum(a["cost"] for a in answers))
    compute = [a["compute_s"] for a in answers]
    comm = max(round_s - busiest_worker(compute, agents.workers), 0.0)
    step = max(a["step"] for a in answers) if "step" in answers[0] else step_size(xs, state.zs)
    return {"iteration": it, "consensus": consensus_violation(problem.A, xs, state.residual),
            "power_mismatch": problem.hidden_mismatch(xs), "step": step, "objective": obj,
            "gap": relative_gap(obj, ref), "rho": state.rho, "mu": state.mu,
            "local_s": max(a["nlp_s"] for a in answers),
            "reduction_s": max(a.get("reduction_s", 0.0) for a in answers), "local_sum_s": sum(compute),
            "coordinator_s": 0.0, "communication_s": comm, "round_wall_s": round_s,
            "bytes_down": wire_bytes(*requests), "bytes_up": wire_bytes(*answers),
            "n_active": sum(a["n_active"] for a in answers),
            "nlp_iterations": max(a["nlp_iterations"] for a in answers),
            "nlp_ok": all(a["status"] in problem.ok_statuses for a in answers), "lambda_min": float("nan"),
            "newton": float("nan"), "step_fraction": min(a.get("step_fraction", 1.0) for a in answers),
            "reduced_dim": sum(int(a.get("reduced_dim", 0)) for a in answers), "qp_rows": float("nan"),
            "qp_status": "not run", "qp_path": "", "limit_passes": 0, "limit_trips": 0}


def stop(row: dict, options: ALADINOptions) -> bool:
    """The stopping rule, eq. (p3-stop): every local NLP of this round succeeded, consensus and step are at most
    ``eps``, and the problem's hidden mismatch (the AC-OPF: power across the ties) is at most ``eps_power`` unless
    that is None. A failed local solve can leave x_i = z_i (step ~ 0) at a point that is no solution, so it never
    counts as convergence."""
    return (bool(row["nlp_ok"]) and row["consensus"] <= options.eps and row["step"] <= options.eps
            and (options.eps_power is None or row["power_mismatch"] <= options.eps_power))


def coupled_qp(answers: list[dict], problem: ConsensusProblem, state: Iterate, options: ALADINOptions,
               agents=None) -> tuple:
    """ALADIN step 3, eq. (p3-qp), in the form ``options.qp``: the steps ``dx_i`` (for "reduced" the reduced
    steps ``dv_i``: the regions expand their own), ``lambda_QP`` and diagnostics; the slack penalty of row r is ``mu * w_r**2``. Raises
    `RuntimeError` when the QP cannot be solved."""
    A = problem.A
    mu_rows = state.mu * state.weight**2
    if options.qp == "reduced":
        ax = state.residual
        if all(a.get("condensed") for a in answers):
            out = qp.condensed_step(answers, problem.rows, problem.n_cons, ax, state.lam, mu_rows)
            if out is not None:
                return out
        # a region's condensed Hessian or the coupled one is not positive definite: the dense reduced QP, which
        # regularises the coupled reduced Hessian as a whole, from the regions' reduced messages
        reduced = answers if "hess_r" in answers[0] else agents.call("reduced_message", [() for _ in answers])

        memo = {}  # the passes of this round share the regularised Hessian: only their limits differ

        seed = state.active_ids if options.seed_active else None

        def solve(replies, start=None):  # a round's first solve starts from the limits active a round ago
            return qp.condensed_qp(replies, problem.rows, problem.n_cons, ax, state.lam, mu_rows, options.reg,
                                   start, memo, seed=seed if start is None else None, face_reg=options.face_reg,
                                   region_flip=options.region_flip)

        dvs, lam_qp, diag = keep_crossed_limits(reduced, solve, agents, options.limit_passes)
        state.active_ids = diag.pop("active_ids", None)
        return dvs, lam_qp, diag | {"qp_path": "dense"}
    if options.qp == "kkt":
        kkt, rhs, sizes = qp.create_coupled_qp(answers, A, state.xs, state.lam, mu_rows)
        dxs, lam_qp = qp.split_qp_solution(qp.solve_qp(kkt, rhs), sizes)
        return dxs, lam_qp, {}
    return qp.reduced_qp_step(answers, A, state.xs, state.lam, mu_rows, state.bounds, options.reg, options.face_reg)


def keep_crossed_limits(replies: list[dict], solve: Callable, agents, passes: int) -> tuple:
    """The reduced QP ``solve(replies)`` with the regions' far limits that its step would cross added, for at most
    ``passes`` more solves, each ``solve(replies, start)`` with the last steps as ``start`` (a pass only adds
    limits, so the last step's binding limits seed the next solve). After each solve the coordinator checks every
    step against its region's watched rows itself (`WatchedLimits`); a region whose step is longer than its
    ``far_radius`` (the ball free of its unwatched far limits: `forlab.p3_aladin.algorithm.reduction.FarLimits`)
    is sent its tentative step ``dv_i`` and answers with the unwatched limits it would cross
    (`forlab.p3_aladin.algorithm.reduction.LocalReduction.crossed_limits`; one request to every region, as a round
    does). The crossed limits join the region's near limits in the next solve; the passes stop when a step
    crosses none. Returns every region's step ``{"dv": dv_i, "joined": positions of the watched rows brought into
    the QP}`` (the region stops capping its step at those), ``lambda_QP`` and ``solve``'s diagnostics with
    ``limit_passes`` (the extra solves), ``limit_trips`` (the round trips) and ``limit_bytes`` (what the trips'
    messages weigh, down and up)."""
    dvs, lam_qp, diag = solve(replies)
    radius = [r.get("far_radius", 0.0) for r in replies]
    watched = [WatchedLimits(r) for r in replies]
    done, trips, down, up = 0, 0, 0, 0
    while done < passes:
        new = [w.crossed(dv) for w, dv in zip(watched, dvs)]
        if any(np.linalg.norm(dv) > r for dv, r in zip(dvs, radius)):
            requests = [(dv,) for dv in dvs]
            crossed = agents.call("crossed_limits", requests)
            trips, down, up = trips + 1, down + wire_bytes(*requests), up + wire_bytes(*crossed)
            radius = [c.get("far_radius", 0.0) for c in crossed]
            new = [merge_limits(n, c) for n, c in zip(new, crossed)]
        if not any(len(n["lo_r"]) for n in new):
            break
        replies = [r | {k: np.concatenate([r[k], n[k]]) for k in LIMIT_FIELDS} for r, n in zip(replies, new)]
        dvs, lam_qp, diag = solve(replies, dvs)
        done += 1
    steps = [{"dv": dv, "joined": w.joined()} for dv, w in zip(dvs, watched)]
    return steps, lam_qp, diag | {"limit_passes": done, "limit_trips": trips, "limit_bytes": (down, up)}


LIMIT_FIELDS = ("G_r", "lo_r", "up_r")
"""The fields of a region's limits in reduced coordinates (``lo_r <= G_r dv <= up_r``)."""


def merge_limits(watched: dict, asked: dict) -> dict:
    """A region's crossed limits of one check, those found among its watched rows and those it reported, in the
    order of its far limits (``pos``): the order in which the region alone would have reported them all, so that
    the QP, and its step, do not depend on who found a limit."""
    if not len(asked["lo_r"]):
        return watched
    order = np.argsort(np.concatenate([watched["pos"], asked["pos"]]), kind="stable")
    return {k: np.concatenate([watched[k], asked[k]])[order] for k in (*LIMIT_FIELDS, "pos")}


class WatchedLimits:
    """The coordinator's copy of one region's watched rows (``G_w``, ``lo_w``, ``up_w`` of its reduced message,
    `forlab.p3_aladin.algorithm.reduction.FarLimits`): far limits it checks a tentative step against itself, by
    the region's own test (`forlab.p3_aladin.algorithm.reduction.crossing`), so that no round trip is needed for
    them."""

    def __init__(self, reply: dict):
        self.g = np.asarray(reply.get("G_w", np.zeros((0, len(reply.get("grad_r", []))))), float)
        self.lo, self.up = np.asarray(reply.get("lo_w", []), float), np.asarray(reply.get("up_w", []), float)
        self.pos = np.asarray(reply.get("pos_w", np.zeros(0, int)), int)
        self.inside = np.zeros(len(self.lo), bool)

    def crossed(self, dv: np.ndarray) -> dict:
        """The watched rows not yet in the QP that the step ``dv`` crosses (``G_r``, ``lo_r``, ``up_r``, ``pos``);
        from now on they are in it."""
        out = np.flatnonzero(~self.inside & crossing(self.g @ dv, self.lo, self.up)) if len(self.lo) \
            else np.zeros(0, int)
        self.inside[out] = True
        return {"G_r": self.g[out].reshape(len(out), len(dv)), "lo_r": self.lo[out], "up_r": self.up[out],
                "pos": self.pos[out]}

    def joined(self) -> np.ndarray:
        """Positions of the watched rows that joined the QP (sent back with the region's step)."""
        return np.flatnonzero(self.inside)


def coordinator_step(answers: list[dict], problem: ConsensusProblem, state: Iterate, options: ALADINOptions,
                     row: dict, agents=None) -> None:
    """ALADIN steps 3-4 (eqs. (p3-qp), (p3-update)): the coupled QP, then ``z = x + alpha dx`` (comparison forms;
    "reduced": each region on its next request), ``lambda = lambda_QP`` and the penalty growth, in ``state``; the
    QP's diagnostics go into ``row``."""
    dxs, lam_qp, diag = coupled_qp(answers, problem, state, options, agents)
    row["lambda_min"] = diag.get("lambda_min", float("nan"))
    row["newton"] = diag.get("newton", float("nan"))
    row["qp_rows"] = diag.get("qp_rows", float("nan"))
    row["qp_path"] = diag.get("qp_path", options.qp)
    row["limit_passes"] = diag.get("limit_passes", 0)
    row["limit_trips"] = diag.get("limit_trips", 0)
    down, up = diag.get("limit_bytes", (0, 0))
    row["bytes_down"], row["bytes_up"] = row["bytes_down"] + down, row["bytes_up"] + up
    if options.qp == "reduced":
        state.zs, state.lam = dxs, lam_qp.copy()
    else:
        state.zs, state.lam = qp.compute_al_step(state.xs, dxs, lam_qp, options.alpha)
    state.rho, state.mu = qp.update_penalties(state.rho, state.mu, options)


def one_round(it: int, problem: ConsensusProblem, agents, state: Iterate, options: ALADINOptions) -> tuple:
    """One ALADIN iteration: local steps, log row, stopping test and (unless it stops) the coordinator's step.
    Returns the row, the requests, the answers and whether the run stops here."""
    t_it = time.perf_counter()
    answers, requests, round_s = parallel_step(agents, state, problem.rows, options.qp, options.condense)
    state.xs = local_solutions(answers, problem, state)
    state.residual = consensus_residual(problem.A, state.xs)
    row = log_row(it, problem, agents, answers, requests, round_s, state)
    row["cycling"] = int(state.damping.observe([a["n_active"] for a in answers], state.residual, problem.rows).sum())
    done = stop(row, options)
    if not done:
        t_qp = time.perf_counter()
        try:
            coordinator_step(answers, problem, state, options, row, agents)
            row["qp_status"] = "solved"
        except RegionFailed:  # a region that did not answer the coordinator's question ends the run, named
            raise
        except (RuntimeError, np.linalg.LinAlgError) as err:  # a QP that cannot be solved is a result of the run
            row["qp_status"] = f"qp_failed: {err}"
        row["coordinator_s"] = time.perf_counter() - t_qp
    row["round_wall_s"] = round_s + row["coordinator_s"]
    row["iter_s"] = time.perf_counter() - t_it
    return row, requests, answers, done


def aladin(problem: ConsensusProblem, agents, options: ALADINOptions | None = None,
           callback: Callable | None = None) -> ALADINResult:
    """Run ALADIN (module docstring) on ``problem`` with its local solvers behind ``agents``.

    callback: ``f(iteration, row)`` after every iteration that ends normally. The result's ``mode`` is the agents'
    and its ``setup_s`` 0: `forlab.p3_aladin.execution.run` fills in both.
    """
    options = (options or ALADINOptions()).resolved(auto_options(problem))
    state = initialise(problem, agents, options)
    rows, messages, status = [], pd.DataFrame(), "max_iter"
    t_run = time.perf_counter()
    for it in range(1, options.max_iter + 1):
        row, requests, answers, done = one_round(it, problem, agents, state, options)
        rows.append(row)
        if it == 1 or done or it == options.max_iter or row["qp_status"].startswith("qp_failed"):
            messages = message_table(requests, answers, problem.names, request_fields(options.qp, options.condense),
                                     REPLY_FIELDS[options.qp])
        if row["qp_status"].startswith("qp_failed"):
            status = row["qp_status"]
            break  # no callback: the iteration did not end normally
        if callback:
            callback(it, row)
        if done:
            status = "converged"
            break
    total_s = time.perf_counter() - t_run
    log = pd.DataFrame(rows).set_index("iteration")
    # "reduced": the coordinator knew only the coupled variables; the regions hand in their solutions at the end
    xs = agents.call("solution", [() for _ in problem.names]) if options.qp == "reduced" else state.xs
    return ALADINResult(
        algorithm="aladin", mode=agents.mode, converged=status == "converged", iterations=len(rows),
        objective=float(log.objective.iloc[-1]), reference=problem.reference, log=log, messages=messages,
        xs=xs, regions=list(problem.names), workers=list(agents.workers), setup_s=0.0,
        total_s=total_s, options=options.to_dict() | problem.info, status=status,
    )
