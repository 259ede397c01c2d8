"""The generic consensus problem ALADIN and ADMM solve (the role of ALADIN-alpha's ``sProb``).

    min_x  sum_i f_i(x_i)   s.t.  x_i in X_i (local constraints, i = 1..N),   sum_i A_i x_i = 0   (consensus)

A `ConsensusProblem` is what the algorithms in `forlab.p3_aladin.algorithm` know of a problem: the coupling matrices
``A_i``, the consensus rows each local problem appears in, a start, and how to build its *local solvers* (one per
local problem, run in-process or as Dask actors by `forlab.p3_aladin.execution`). Nothing in the algorithms knows
what ``x_i`` means; the AC-OPF of a partitioned network is one such problem (`forlab.p3_aladin.opf_regions`), a
two-region quadratic is another (``tests/test_aladin.py``).

A local solver answers these requests (the method names are what the algorithms send):

* ``aladin_step(lam, z, rho, qp) -> dict``, eq. (p3-local-nlp) and the sensitivities of ALADIN's step 2: solve
  ``min f_i(x_i) + lam' A_i[rows] x_i + rho/2 ||x_i - z_i||^2_Sigma_i`` over ``X_i`` (``lam`` given on the rows the
  local problem appears in) and answer. With ``qp="reduced"`` (the default) ``z`` is the local solver's reduced
  step from the coordinator (None in the first round; ``{"dv": dv, "joined": positions}`` with the watched rows
  the coordinator brought into the QP) and the solver takes its own iterate from it
  (`forlab.p3_aladin.algorithm.reduction.LocalReduction`, which a local solver can use for all of this); it
  answers with

  - ``x_c``: its coupled variables (the non-zero columns of ``A_i``, in column order); ``cost``: ``f_i(x_i)`` in
    the problem's reporting unit; ``step``: max|x_i - z_i|;
  - ``hess_r``, ``grad_r``, ``AZ``, ``G_r``, ``lo_r``, ``up_r``, ``G_w``, ``lo_w``, ``up_w``, ``pos_w``,
    ``far_radius`` (`LocalReduction.reduce`);

  with the comparison forms ``z`` is the iterate and the answer holds ``x`` (the local solution), ``cost``,
  ``grad`` (gradient of the scaled ``f_i``), ``hess`` (``"kkt"``: positive definite; ``"coupled"``: exact),
  ``jac`` (``"kkt"``: Jacobian of the active constraints; ``"coupled"``: of the equality constraints; independent
  rows, sparse) and, for ``"coupled"``, optionally ``jac_ineq``, ``ineq_lo``, ``ineq_up`` (the linearised
  inequality constraints and the room to their limits); always the bookkeeping: ``status`` (the local solver's,
  `ConsensusProblem.ok_statuses` are successes), ``n_active``, ``nlp_iterations``, ``nlp_s`` (local solve time,
  s), optionally ``reduction_s`` (the sensitivities / reduction, s), and ``compute_s`` (the whole request, s);
* ``crossed_limits(dv) -> dict`` (``qp="reduced"`` with ``ALADINOptions.limit_passes`` > 0): the far limits a
  tentative reduced step would cross, of those it did not send as watched rows (`LocalReduction.crossed_limits`);
* ``admm_step(lam, z, rho) -> dict`` (ADMM only): the same local problem with ``lam`` and ``z`` given on the
  coupled variables only (the columns of ``A_i`` that are not zero); answers ``x_c``, ``cost`` and the bookkeeping;
* ``set_start(x)``, ``set_sigma(sigma)`` (the diagonal of Sigma_i), ``bounds() -> (lb, ub)`` (for the "coupled" QP),
  ``solution() -> x``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp


@dataclass
class LocalSolverSpec:
    """How to build one local solver: ``factory(*args, **kwargs)``, in this process or on a Dask worker (then
    ``factory`` and its arguments are pickled and shipped once to the worker that owns the local problem); ``size``
    is the work it brings per round in any unit common to the problem's solvers (the AC-OPF: its variables), by
    which the Dask modes spread the solvers over the workers (`forlab.book.parallel.assign`)."""

    name: str
    factory: Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    size: float = 1.0


class ConsensusProblem(Protocol):
    """A consensus problem (module docstring) as the algorithms see it.

    Attributes:
        names: one name per local problem (an ALADIN region).
        A: the coupling matrices ``A_i`` (sparse, n_cons x n_i).
        rows: per local problem, the consensus rows it appears in (the multipliers it is sent).
        n_cons: number of consensus rows.
        reference: the optimum used to report gaps (nan when unknown; at nan or 0 every gap is nan,
            `forlab.p3_aladin.algorithm.result.relative_gap`); never used by the algorithms' steps.
        ok_statuses: local solver statuses that count as solved.
        info: what the problem adds to a result's options (e.g. the cost scale it used).
    """

    names: list[str]
    A: list[sp.spmatrix]
    rows: list[np.ndarray]
    n_cons: int
    reference: float
    ok_statuses: tuple[str, ...]
    info: dict

    def local_solvers(self, settings: dict) -> list[LocalSolverSpec]:
        """The local solvers, built with the algorithm's local ``settings`` (`ALADINOptions.local_settings`)."""

    def start(self, init: str) -> list[np.ndarray]:
        """The start ``z_i`` of every local problem (``init``: a name the problem knows, e.g. "flat")."""

    def consensus_weights(self, kind: str) -> np.ndarray:
        """Weight ``w_r`` of every consensus row (the QP's slack penalty of row r is ``mu * w_r**2``)."""

    def proximal_weights(self, kind: str) -> list[np.ndarray] | None:
        """Per local problem the diagonal of Sigma_i, or None for Sigma_i = I."""

    def hidden_mismatch(self, xs: list[np.ndarray]) -> float:
        """The problem's own measure of what a consensus residual hides (the stopping rule's ``eps_power``; the
        AC-OPF: power across the ties, p.u.); 0 when the consensus residual says it all."""

    # optional: ``auto_options() -> dict``, the problem's values of the options left "auto"
    # (`forlab.p3_aladin.algorithm.options.AUTO_FIELDS`; `auto_options` below)


def auto_options(problem) -> dict:
    """The problem's choice for the options left "auto" (its ``auto_options()``), {} when it makes none."""
    return problem.auto_options() if hasattr(problem, "auto_options") else {}


def consensus_residual(A: list[sp.spmatrix], xs: list[np.ndarray]) -> np.ndarray:
    """The consensus residual ``sum_i A_i x_i``, one entry per consensus row."""
    return sum(a @ x for a, x in zip(A, xs))


def consensus_violation(A: list[sp.spmatrix], xs: list[np.ndarray], residual: np.ndarray | None = None) -> float:
    """Largest absolute consensus residual ``max |sum_i A_i x_i|`` (eq. (p3-stop)); ``residual`` when the caller
    has it already (`consensus_residual`)."""
    r = consensus_residual(A, xs) if residual is None else residual
    return float(np.max(np.abs(r))) if np.size(r) else 0.0


def step_size(xs: list[np.ndarray], zs: list[np.ndarray]) -> float:
    """Largest absolute difference between local solutions and the iterates they were centred on,
    ``max_i ||x_i - z_i||_inf`` (eq. (p3-stop))."""
    return float(max(np.max(np.abs(x - z)) if len(x) else 0.0 for x, z in zip(xs, zs)))
