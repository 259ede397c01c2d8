"""The ALADIN coordinator: the coupled QP (step 3, eq. (p3-qp)), the primal-dual update (step 4, eq. (p3-update))
and the penalty updates.

Given the local solutions ``x_i``, gradients ``g_i``, Hessians ``H_i`` and constraint Jacobians ``C_i`` of all
regions, the coupled QP is

    min_{dx, s}  sum_i 1/2 dx_i' H_i dx_i + g_i' dx_i + lambda' s + mu/2 ||s||^2
    s.t.         sum_i A_i (x_i + dx_i) = s      | lambda_QP
                 C_i dx_i = 0                    | nu_i

Two ways to pose and solve it (option ``qp`` of `forlab.p3_aladin.algorithm.options.ALADINOptions`):

* ``"kkt"`` (ALADIN-alpha): ``H_i`` regularised by each region, ``C_i`` = equality constraints, active inequalities
  and active bounds. Eliminating the slack (``s = (lambda_QP - lambda) / mu``) leaves one sparse symmetric KKT system

      [ H   A'      C' ] [dx       ]   [ -g                   ]
      [ A  -I/mu    0  ] [lambda_QP] = [ -A x - lambda / mu   ]
      [ C   0       0  ] [nu       ]   [ 0                    ]

  solved by a sparse LU factorisation (`scipy.sparse.linalg.splu`): `create_coupled_qp`, `solve_qp`.
* ``"reduced"`` (forlab's default): ``H_i`` exact, ``C_i`` = equality constraints only. Every step is written as
  ``dx_i = Z_i dv_i`` with ``Z_i`` a basis of the null space of ``C_i``; the slack is eliminated, so the QP in
  ``dv`` has the Hessian ``M = Z' H Z + mu (A Z)' (A Z)``, which is regularised *as a whole* (the coupled problem is
  convex near a solution even where single regions are not: the two ends of a tie line curve in opposite
  directions), and keeps the variable bounds and the linearised inequality constraints of every region:
  ``lb - x <= Z dv <= ub - x``, ``lbg - g <= J Z dv <= ubg - g``. It is solved by Clarabel, and
  ``lambda_QP = lambda + mu * sum_i A_i (x_i + dx_i)``: `reduced_qp_step`.

The step is the full ALADIN step ``z = x + dx``, ``lambda = lambda_QP``; rho and mu then grow geometrically up to
their caps.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def regularize_hessian(h: np.ndarray, reg: float) -> np.ndarray:
    """Positive-definite version of a symmetric matrix: eigenvalues flipped to their absolute value and raised to at
    least ``reg`` (ALADIN-alpha's ``regularizeH``; Nocedal & Wright, section 3.4)."""
    if h.shape[0] == 0:
        return h
    w, v = np.linalg.eigh(0.5 * (h + h.T))
    w = np.maximum(np.abs(w), reg)
    return (v * w) @ v.T


# ---------------------------------------------------------------------------------------------------- "kkt"
def create_coupled_qp(sens: list[dict], A: list[sp.spmatrix], xs: list[np.ndarray], lam: np.ndarray,
                      mu: float | np.ndarray) -> tuple[sp.csc_matrix, np.ndarray, dict]:
    """ALADIN step 3a (ALADIN-alpha): the sparse KKT matrix and right-hand side of the coupled QP.

    Implements eq. (p3-qp) in its "kkt" form, METHODS.md 'P3' step (3).

    sens: per region the dict with ``hess`` (n_i x n_i), ``grad`` (n_i) and ``jac`` (sparse m_i x n_i).
    Returns the matrix, the right-hand side and the block sizes needed by `split_qp_solution`.
    """
    n = [len(x) for x in xs]
    m = [s["jac"].shape[0] for s in sens]
    nc = A[0].shape[0]
    H = sp.block_diag([sp.csr_matrix(s["hess"]) for s in sens], format="csr")
    C = sp.block_diag([s["jac"] for s in sens], format="csr") if sum(m) else sp.csr_matrix((0, sum(n)))
    Aall = sp.hstack(A, format="csr")
    g = np.concatenate([s["grad"] for s in sens])
    x = np.concatenate(xs)
    mc = C.shape[0]
    kkt = sp.bmat([
        [H, Aall.T, C.T],
        [Aall, -sp.diags(1.0 / np.broadcast_to(mu, nc)), None],
        [C, None, sp.csr_matrix((mc, mc))],
    ], format="csc")
    rhs = np.concatenate([-g, -(Aall @ x) - lam / mu, np.zeros(mc)])
    return kkt, rhs, {"n": n, "n_cons": nc}


def solve_qp(kkt: sp.csc_matrix, rhs: np.ndarray) -> np.ndarray:
    """ALADIN step 3b (ALADIN-alpha): solve the KKT system by sparse LU (`RuntimeError` when it is singular)."""
    try:
        lu = spla.splu(kkt)
    except RuntimeError as err:  # "Factor is exactly singular"
        raise RuntimeError(f"coupled QP: KKT matrix ({kkt.shape[0]} rows) is singular: {err}") from err
    sol = lu.solve(rhs)
    if not np.all(np.isfinite(sol)):
        raise RuntimeError("coupled QP: the KKT solve returned non-finite values")
    return sol


def split_qp_solution(sol: np.ndarray, sizes: dict) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-region primal steps ``dx_i`` and the consensus multipliers ``lambda_QP`` of a KKT solution."""
    offs = np.cumsum([0, *sizes["n"]])
    dxs = [sol[offs[i]:offs[i + 1]] for i in range(len(sizes["n"]))]
    lam = sol[offs[-1]:offs[-1] + sizes["n_cons"]]
    return dxs, lam


# ---------------------------------------------------------------------------------------------------- "reduced"
def null_space_basis(c: sp.spmatrix) -> np.ndarray:
    """Orthonormal basis of the null space of a (sparse) Jacobian, by a rank-revealing QR of its transpose."""
    n = c.shape[1]
    if c.shape[0] == 0:
        return np.eye(n)
    q, r, _perm = sla.qr(c.toarray().T, pivoting=True)
    d = np.abs(np.diag(r))
    rank = int(np.sum(d > 1e-10 * max(d.max(), 1.0))) if len(d) else 0
    return q[:, rank:]


def reduced_hessian(sens: list[dict], A: list[sp.spmatrix], mu: float | np.ndarray,
                    zs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The coupled reduced Hessian ``M = Z' H Z + (A Z)' diag(mu) (A Z)`` and ``A Z`` (dense); ``mu`` is one
    penalty or one per consensus row."""
    hr = sla.block_diag(*[z.T @ (s["hess"] @ z) for z, s in zip(zs, sens)])
    az = np.hstack([a @ z for a, z in zip(A, zs)])
    m = hr + az.T @ (np.broadcast_to(mu, az.shape[0])[:, None] * az)
    return 0.5 * (m + m.T), az


def reduced_qp_step(sens: list[dict], A: list[sp.spmatrix], xs: list[np.ndarray], lam: np.ndarray,
                    mu: float | np.ndarray,
                    bounds: list[tuple[np.ndarray, np.ndarray]], reg: float) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """ALADIN step 3 in the null space of the equality constraints, keeping bounds and linearised inequalities.

    Implements eq. (p3-qp) in its "reduced" form (METHODS.md 'ALADIN with local reduction').

    bounds: per region (lower, upper) bounds of the local variables (rad / p.u., +-inf where unbounded).
    reg: eigenvalue floor of the regularised coupled reduced Hessian (`regularize_hessian`).
    Returns the steps ``dx_i``, ``lambda_QP`` and diagnostics (smallest eigenvalue of ``M`` before regularisation,
    reduced dimension, solver status); raises `RuntimeError` when the QP solver fails.
    """
    import clarabel

    zs = [null_space_basis(s["jac"]) for s in sens]
    m, az = reduced_hessian(sens, A, mu, zs)
    ax = sum(a @ x for a, x in zip(A, xs))
    rows, rhs = [], []
    for i, (s, z, x, (lb, ub)) in enumerate(zip(sens, zs, xs, bounds)):
        blocks = [(z, lb - x, ub - x)]
        if "jac_ineq" in s and s["jac_ineq"].shape[0]:
            blocks.append((s["jac_ineq"] @ z, s["ineq_lo"], s["ineq_up"]))
        for g, lo, up in blocks:
            full = np.zeros((g.shape[0], m.shape[0]))
            off = sum(zz.shape[1] for zz in zs[:i])
            full[:, off:off + z.shape[1]] = g
            keep = np.abs(g).sum(axis=1) > 1e-12
            iu = np.flatnonzero(keep & np.isfinite(up))
            il = np.flatnonzero(keep & np.isfinite(lo))
            rows += [full[iu], -full[il]]
            # the local solution satisfies its limits up to Ipopt's tolerance: dv = 0 stays feasible
            rhs += [np.maximum(up[iu], 0.0), np.maximum(-lo[il], 0.0)]
    lmin = float(np.linalg.eigvalsh(m)[0]) if m.shape[0] else float("inf")
    m_exact, m = m, regularize_hessian(m, reg)
    q = np.concatenate([z.T @ s["grad"] for z, s in zip(zs, sens)]) + az.T @ (lam + mu * ax)
    G = np.vstack(rows) if rows else np.zeros((0, m.shape[0]))
    h = np.concatenate(rhs) if rhs else np.zeros(0)
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    solver = clarabel.DefaultSolver(sp.csc_matrix(np.triu(m)), q, sp.csc_matrix(G), h,
                                    [clarabel.NonnegativeConeT(G.shape[0])], settings)
    sol = solver.solve()
    status = str(sol.status)
    dv = np.asarray(sol.x)
    # Clarabel stops short of its tolerances ("InsufficientProgress", "AlmostSolved") when the step is already
    # tiny, i.e. near convergence; such a step is used when it is finite and feasible
    usable = dv.shape == (m.shape[0],) and np.all(np.isfinite(dv)) and np.all(G @ dv <= h + 1e-6)
    if status != "Solved" and not usable:
        raise RuntimeError(f"coupled QP (reduced, {m.shape[0]} variables, {G.shape[0]} inequalities): {status}")
    dv, newton = newton_on_face(m_exact, q, G, h, dv, reg)
    dxs, off = [], 0
    for z in zs:
        dxs.append(z @ dv[off:off + z.shape[1]])
        off += z.shape[1]
    lam_qp = lam + mu * (ax + sum(a @ d for a, d in zip(A, dxs)))
    return dxs, lam_qp, {"lambda_min": lmin, "reduced_dim": int(m.shape[0]), "qp_status": status,
                         "newton": newton}


def newton_on_face(m: np.ndarray, q: np.ndarray, G: np.ndarray, h: np.ndarray, dv: np.ndarray, reg: float,
                   tol: float = 1e-9) -> tuple[np.ndarray, float]:
    """Refine the convex QP's step by the exact Newton step on the face of the inequalities it found active.

    The regularised Hessian makes the QP convex and its step safe, but it also changes the curvature along
    directions that the active inequalities block anyway, which would slow the convergence near a solution to a
    linear rate. On the face ``G_W dv = h_W`` of the active rows, the exact reduced Hessian ``m`` is used when it is
    positive definite there (eigenvalues >= ``reg``); the Newton step is then taken as far towards it as the other
    inequalities allow. Returns the step and the fraction of the Newton step taken (0 when not applicable).
    """
    active = G @ dv >= h - 1e-7 * np.maximum(1.0, np.abs(h))
    W, hw = G[active], h[active]
    if W.shape[0]:
        q_, r, perm = sla.qr(W.T, pivoting=True)
        d = np.abs(np.diag(r))
        rank = int(np.sum(d > 1e-10 * max(d.max(), 1.0)))
        basis = q_[:, rank:]
        W, hw = W[np.sort(perm[:rank])], hw[np.sort(perm[:rank])]
    else:
        basis = np.eye(len(dv))
    if basis.shape[1] and np.linalg.eigvalsh(basis.T @ m @ basis)[0] < reg:
        return dv, 0.0
    k = W.shape[0]
    kkt = np.block([[m, W.T], [W, np.zeros((k, k))]])
    try:
        sol = np.linalg.solve(kkt, np.concatenate([-q, hw]))
    except np.linalg.LinAlgError:
        return dv, 0.0
    d = sol[: len(dv)] - dv
    # the largest fraction of the way from dv to the Newton step that keeps G dv <= h
    gd = G @ d
    slack = h - G @ dv
    grow = gd > tol
    alpha = min(1.0, float(np.min(np.maximum(slack[grow], 0.0) / gd[grow]))) if np.any(grow) else 1.0
    return dv + alpha * d, alpha


# ---------------------------------------------------------------------------------------------------- step 4
def compute_al_step(xs: list[np.ndarray], dxs: list[np.ndarray], lam_qp: np.ndarray,
                    alpha: float = 1.0) -> tuple[list[np.ndarray], np.ndarray]:
    """ALADIN step 4: ``z_i = x_i + alpha dx_i`` and ``lambda = lambda_QP`` (full step for ``alpha = 1``).

    Implements eq. (p3-update), METHODS.md 'P3' step (4)."""
    return [x + alpha * dx for x, dx in zip(xs, dxs)], lam_qp.copy()


def update_penalties(rho: float, mu: float, options) -> tuple[float, float]:
    """Geometric growth of the penalties: ``rho * rho_update`` up to ``rho_max``, ``mu * mu_update`` up to
    ``mu_max`` (the last line of eq. (p3-update))."""
    if rho < options.rho_max:
        rho = min(rho * options.rho_update, options.rho_max)
    if mu < options.mu_max:
        mu = min(mu * options.mu_update, options.mu_max)
    return rho, mu
