"""The ALADIN iteration on a generic consensus problem (`forlab.p3_aladin.algorithm.problem.ConsensusProblem`).

Houska, Frasch & Diehl (2016); the AC-OPF form of Engelmann et al. (2019), as in ALADIN-alpha and rapidPF:

    z = start of every local problem, lambda = 0, rho = rho0, mu = mu0
    repeat
        1-2. every local solver: local NLP around z_i with lambda, rho -> x_i, gradient, Hessian, Jacobian
             (eq. (p3-local-nlp))
             stop if max |sum_i A_i x_i| <= eps, max_i ||x_i - z_i||_inf <= eps and the problem's hidden mismatch
             <= eps_power (eq. (p3-stop))
        3.   coordinator: coupled QP with slack -> dx, lambda_QP (eq. (p3-qp), `forlab.p3_aladin.algorithm.qp`)
        4.   z = x + alpha dx, lambda = lambda_QP; rho, mu grow (eq. (p3-update))

The loop talks to the local solvers only through an *agents* executor (`forlab.p3_aladin.execution`): it sends each
one its multipliers, its iterate, rho and the QP form, and gets back the answers `ConsensusProblem` describes. It
knows nothing about what the variables mean.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forlab.p3_aladin.algorithm import qp
from forlab.p3_aladin.algorithm.options import ALADINOptions
from forlab.p3_aladin.algorithm.problem import ConsensusProblem, consensus_violation, step_size
from forlab.p3_aladin.algorithm.result import ALADINResult
from forlab.p3_aladin.execution import message_table, nbytes

REQUEST_FIELDS = ["lambda", "z", "rho", "qp"]
REPLY_FIELDS = ["x", "cost", "grad", "hess", "jac", "jac_ineq", "ineq_lo", "ineq_up"]


@dataclass
class Iterate:
    """The coordinator's state between iterations: the iterates ``z_i`` it sends, the consensus multipliers, the
    penalties, and the last local solutions ``x_i``; plus what stays fixed during a run (row weights ``w``,
    variable bounds for the reduced QP)."""

    zs: list[np.ndarray]
    lam: np.ndarray
    rho: float
    mu: float
    xs: list[np.ndarray]
    weight: np.ndarray
    bounds: list | None


def check_options(options: ALADINOptions) -> None:
    """Reject a QP form the coordinator does not know (before any local solve)."""
    if options.qp not in ("reduced", "kkt"):
        raise ValueError(f"qp must be 'reduced' or 'kkt', not {options.qp!r}")


def initialise(problem: ConsensusProblem, agents, options: ALADINOptions) -> Iterate:
    """Start every local solver at the problem's start, set the proximal scaling Sigma_i and the row weights, fetch
    the variable bounds the reduced QP keeps; lambda = 0, rho = rho0, mu = mu0."""
    check_options(options)
    zs = problem.start(options.init)
    agents.call("set_start", [(z,) for z in zs])
    weight = problem.consensus_weights(options.consensus_weight)
    sigma = problem.proximal_weights(options.sigma)
    if sigma is not None:
        agents.call("set_sigma", [(s,) for s in sigma])
    bounds = agents.call("bounds", [() for _ in problem.names]) if options.qp == "reduced" else None
    return Iterate(zs=zs, lam=np.zeros(problem.n_cons), rho=options.rho0, mu=options.mu0, xs=zs, weight=weight,
                   bounds=bounds)


def parallel_step(agents, lam: np.ndarray, zs: list[np.ndarray], rho: float, rows: list[np.ndarray],
                  qp_form: str = "reduced") -> tuple:
    """ALADIN steps 1-2 on every local solver (eq. (p3-local-nlp)): each gets the multipliers of its own consensus
    rows, its iterate, rho and the QP form. Returns the answers, the requests sent and the round's wall time (s)."""
    requests = [(lam[r], zs[k], rho, qp_form) for k, r in enumerate(rows)]
    t0 = time.perf_counter()
    answers = agents.call("aladin_step", requests)
    return answers, requests, time.perf_counter() - t0


def log_row(it: int, problem: ConsensusProblem, agents, answers: list[dict], requests: list[tuple],
            round_s: float, state: Iterate) -> dict:
    """The log row of one iteration (`forlab.p3_aladin.algorithm.result.ITERATION_LOG`) at the new local
    solutions ``state.xs``; ``qp_s``, ``lambda_min``, ``newton`` and ``iter_s`` are filled in later."""
    xs, ref = state.xs, problem.reference
    obj = float(sum(a["cost"] for a in answers))
    compute = [a["compute_s"] for a in answers]
    comm = round_s - (max(compute) if agents.parallel else sum(compute))
    return {"iteration": it, "consensus": consensus_violation(problem.A, xs),
            "power_mismatch": problem.hidden_mismatch(xs), "step": step_size(xs, state.zs), "objective": obj,
            "gap": abs(obj - ref) / abs(ref), "rho": state.rho, "mu": state.mu, "local_s": max(compute),
            "nlp_s": max(a["nlp_s"] for a in answers), "local_sum_s": sum(compute), "qp_s": 0.0,
            "comm_s": max(comm, 0.0), "bytes_down": sum(nbytes(r) for r in requests),
            "bytes_up": sum(nbytes(a) for a in answers), "n_active": sum(a["n_active"] for a in answers),
            "nlp_iterations": max(a["nlp_iterations"] for a in answers),
            "nlp_ok": all(a["status"] in problem.ok_statuses for a in answers), "lambda_min": float("nan"),
            "newton": float("nan"), "qp_status": "not run"}


def stop(row: dict, options: ALADINOptions) -> bool:
    """The stopping rule, eq. (p3-stop): every local NLP of this round succeeded, consensus and step are at most
    ``eps``, and the problem's hidden mismatch (the AC-OPF: power across the ties) is at most ``eps_power`` unless
    that is None. A failed local solve can leave x_i = z_i (step ~ 0) at a point that is no solution, so it never
    counts as convergence."""
    return (bool(row["nlp_ok"]) and row["consensus"] <= options.eps and row["step"] <= options.eps
            and (options.eps_power is None or row["power_mismatch"] <= options.eps_power))


def coupled_qp(answers: list[dict], A: list, state: Iterate, options: ALADINOptions) -> tuple:
    """ALADIN step 3, eq. (p3-qp), in the form ``options.qp``: the steps ``dx_i``, ``lambda_QP`` and the reduced
    QP's diagnostics (empty for "kkt"); the slack penalty of row r is ``mu * w_r**2``. Raises `RuntimeError` when
    the QP cannot be solved."""
    mu_rows = state.mu * state.weight**2
    if options.qp == "kkt":
        kkt, rhs, sizes = qp.create_coupled_qp(answers, A, state.xs, state.lam, mu_rows)
        dxs, lam_qp = qp.split_qp_solution(qp.solve_qp(kkt, rhs), sizes)
        return dxs, lam_qp, {}
    return qp.reduced_qp_step(answers, A, state.xs, state.lam, mu_rows, state.bounds, options.reg)


def coordinator_step(answers: list[dict], problem: ConsensusProblem, state: Iterate, options: ALADINOptions,
                     row: dict) -> None:
    """ALADIN steps 3-4 (eqs. (p3-qp), (p3-update)): the coupled QP, then ``z = x + alpha dx``,
    ``lambda = lambda_QP`` and the penalty growth, in ``state``; the QP's diagnostics go into ``row``."""
    dxs, lam_qp, diag = coupled_qp(answers, problem.A, state, options)
    if diag:
        row["lambda_min"], row["newton"] = diag["lambda_min"], diag["newton"]
    state.zs, state.lam = qp.compute_al_step(state.xs, dxs, lam_qp, options.alpha)
    state.rho, state.mu = qp.update_penalties(state.rho, state.mu, options)


def aladin(problem: ConsensusProblem, agents, options: ALADINOptions | None = None,
           callback: Callable | None = None) -> ALADINResult:
    """Run ALADIN (module docstring) on ``problem`` with its local solvers behind ``agents``.

    callback: ``f(iteration, row)`` after every iteration that ends normally. The result's ``mode`` is the agents'
    and its ``setup_s`` 0: `forlab.p3_aladin.execution.run` fills in both.
    """
    options = options or ALADINOptions()
    state = initialise(problem, agents, options)
    rows, messages, status = [], pd.DataFrame(), "max_iter"
    t_run = time.perf_counter()
    for it in range(1, options.max_iter + 1):
        t_it = time.perf_counter()
        answers, requests, round_s = parallel_step(agents, state.lam, state.zs, state.rho, problem.rows, options.qp)
        state.xs = [a["x"] for a in answers]
        row = log_row(it, problem, agents, answers, requests, round_s, state)
        done = stop(row, options)
        if it == 1 or done or it == options.max_iter:
            messages = message_table(requests, answers, problem.names, REQUEST_FIELDS, REPLY_FIELDS)
        if not done:
            t_qp = time.perf_counter()
            try:
                coordinator_step(answers, problem, state, options, row)
                row["qp_status"] = "solved"
            except RuntimeError as err:
                status = row["qp_status"] = f"qp_failed: {err}"
            row["qp_s"] = time.perf_counter() - t_qp
        row["iter_s"] = time.perf_counter() - t_it
        rows.append(row)
        if status.startswith("qp_failed"):
            break  # no callback: the iteration did not end normally
        if callback:
            callback(it, row)
        if done:
            status = "converged"
            break
    total_s = time.perf_counter() - t_run
    log = pd.DataFrame(rows).set_index("iteration")
    return ALADINResult(
        algorithm="aladin", mode=agents.mode, converged=status == "converged", iterations=len(rows),
        objective=float(log.objective.iloc[-1]), reference=problem.reference, log=log, messages=messages,
        xs=state.xs, regions=list(problem.names), workers=list(agents.workers), setup_s=0.0,
        total_s=total_s, options=options.to_dict() | problem.info, status=status,
    )
