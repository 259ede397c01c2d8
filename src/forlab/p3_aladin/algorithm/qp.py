"""The ALADIN coordinator: the coupled QP (step 3, eq. (p3-qp)), the primal-dual update (step 4, eq. (p3-update))
and the penalty updates.

Given the local solutions ``x_i``, gradients ``g_i``, Hessians ``H_i`` and constraint Jacobians ``C_i`` of all
regions, the coupled QP is

    min_{dx, s}  sum_i 1/2 dx_i' H_i dx_i + g_i' dx_i + lambda' s + 1/2 s' D s
    s.t.         sum_i A_i (x_i + dx_i) = s      | lambda_QP
                 C_i dx_i = 0                    | nu_i

with ``D = diag(mu_r)`` (one slack penalty per consensus row). Three ways to pose and solve it (option ``qp`` of
`forlab.p3_aladin.algorithm.options.ALADINOptions`):

* ``"reduced"`` (forlab's default): reduced where the data lives. ``C_i`` = the region's equality constraints
  (and fixed variables); every region computes the null-space basis ``Z_i`` itself and sends only its exact reduced
  Hessian ``Hr_i = Z_i' H_i Z_i``, reduced gradient ``Z_i' g_i``, coupling block ``B_i = A_i Z_i`` and, in reduced
  coordinates, the linearised limits (bounds and inequality constraints) that lie within a band of the local
  solution (`forlab.p3_aladin.algorithm.reduction`). With ``dx_i = Z_i dv_i`` and the slack eliminated, the QP in
  ``dv`` has the Hessian ``M = Hr + B' D B``, which is regularised *as a whole* when an eigenvalue is at or below
  the floor ``reg`` (the coupled problem is convex near a solution even where single regions are not: the two ends
  of a tie line curve in opposite directions), and is solved with the near limits as a least-distance problem by
  non-negative least squares (a step that it leaves a hair past its active limits made exact on their face,
  `polished_on_face`; a dense interior point as the fallback, `interior_point_qp`), then refined by the exact Newton
  step on the face of the active ones (`newton_on_face`): `condensed_qp`. ``lambda_QP = lambda + D (A x + B dv)``;
  each region gets its ``dv_i`` back and takes its step ``z_i = x_i + Z_i dv_i`` itself, capped at its far limits.
  Why not a pure Schur complement in the consensus rows, with the active constraints held as equalities and every
  region's Hessian regularised on its own (ALADIN-alpha's ``condenseLocally.m``)? Tried while building this: it
  cycles between active sets on case9+case33bw, as the "kkt" form below does; the limits must stay inequalities.
  The coordinator's work grows with the free directions and the near limits, not with the network.
  With ``ALADINOptions.condense`` every region also eliminates its own reduced variables
  (`forlab.p3_aladin.algorithm.reduction.LocalReduction.condense`: a share of its rows' penalty added, its
  reduced Hessian factored where it lives) and the coordinator solves the same QP in the space of the consensus
  rows and the near limits only, the limits kept as inequalities through their dual (`condensed_step`). When the
  coupled reduced Hessian is not positive definite it adds the least curvature along the regions' coupled
  directions that makes it so (`convex_coupling`), a different regularisation from the dense form's eigenvalue
  flip; when its system is singular or its limits' dual does not settle, it falls back to `condensed_qp` with the
  regions' reduced messages (one more request). Measured (issue 17): same rounds on case9 in 3 areas and
  case9+case33bw, more on 53-I, 418-3, 118X7 and case118 in 3 areas, case300 in 4 areas not converged within 30,
  and a fallback in a third to a half of the rounds; its own rounds are 6-30 times faster than the dense ones of
  the same run and grow with the near limits (1000-2000 on 418-3 and 118X7), not with the coupling rows. Hence
  not the default.
* ``"coupled"`` (forlab's earlier default, kept for comparison): ``H_i`` exact and ``C_i`` (equalities only) sent
  whole; the coordinator computes every ``Z_i`` by a dense QR, forms the dense coupled reduced Hessian
  ``M = Z' H Z + (A Z)' D (A Z)``, regularises it as a whole and solves a dense QP with every variable bound and
  linearised inequality by Clarabel: `reduced_qp_step`.
* ``"kkt"`` (ALADIN-alpha): ``H_i`` regularised by each region, ``C_i`` = equality constraints, active inequalities
  and active bounds sent whole; one sparse KKT system

      [ H   A'      C' ] [dx       ]   [ -g                   ]
      [ A  -D^-1    0  ] [lambda_QP] = [ -A x - D^-1 lambda   ]
      [ C   0       0  ] [nu       ]   [ 0                    ]

  solved by a sparse LU factorisation (`scipy.sparse.linalg.splu`): `create_coupled_qp`, `solve_qp`.

The step is the full ALADIN step ``z = x + dx``, ``lambda = lambda_QP``; rho and mu then grow geometrically up to
their caps.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from forlab.p3_aladin.algorithm.reduction import (
    CONDENSE_SHARE,
    one_sided_ids,
    one_sided_limits,
    rank_revealing_qr,
    regularize,
    unpack_symmetric,
)


def regularize_hessian(h: np.ndarray, reg: float) -> np.ndarray:
    """Positive-definite version of a symmetric matrix (`forlab.p3_aladin.algorithm.reduction.regularize`)."""
    return regularize(h, reg)[0]


# ---------------------------------------------------------------------------------------------------- "reduced"
def coupling_blocks(replies: list[dict], rows: list[np.ndarray], n_cons: int) -> tuple:
    """From the regions' reduced messages: the coupling ``B = [A_1 Z_1, ..., A_N Z_N]`` (sparse, n_cons x d), the
    block-diagonal exact reduced Hessian (dense d x d, from the packed triangles), the reduced gradient and the
    offsets of every region's block."""
    dims = [len(rep["grad_r"]) for rep in replies]
    offs = np.cumsum([0, *dims])
    ii, jj, vv = [], [], []
    for rep, r, o in zip(replies, rows, offs):
        b = np.asarray(rep["AZ"])
        rr, cc = np.nonzero(b)
        ii.append(np.asarray(r)[rr])
        jj.append(o + cc)
        vv.append(b[rr, cc])
    B = sp.csr_matrix((np.concatenate(vv), (np.concatenate(ii), np.concatenate(jj))), shape=(n_cons, offs[-1]))
    H = sla.block_diag(*[unpack_symmetric(rep["hess_r"], n) for rep, n in zip(replies, dims)]) if offs[-1] \
        else np.zeros((0, 0))
    return B, H, np.concatenate([rep["grad_r"] for rep in replies]), offs


def limit_blocks(replies: list[dict], offs: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """The regions' near limits as ``G dv <= h`` (sparse, block ``i`` on the columns of region ``i``, both sides as
    rows; the room is clipped at 0: the local solution satisfies its limits up to the local solver's tolerance)."""
    g_blocks, h = zip(*[one_sided_limits(rep["G_r"], rep["lo_r"], rep["up_r"]) for rep in replies])
    return dense_blocks_csr(list(g_blocks), offs), np.concatenate(h)


def limit_ids(replies: list[dict]) -> list[np.ndarray]:
    """Per region, which of its limits and sides the rows of `limit_blocks` are
    (`forlab.p3_aladin.algorithm.reduction.one_sided_ids`; 0 for a row without an id: one a limit pass appended after
    the region's ``id_r``, or any row of a region that sends none)."""
    out = []
    for rep in replies:
        ids = np.asarray(rep.get("id_r", []), int)
        ids = np.concatenate([ids, np.full(len(rep["lo_r"]) - len(ids), -1)])
        out.append(one_sided_ids(ids, rep["G_r"], rep["lo_r"], rep["up_r"]))
    return out


def dense_blocks_csr(blocks: list[np.ndarray], offs: np.ndarray) -> sp.csr_matrix:
    """The block-diagonal sparse matrix of dense blocks (block i on the columns ``offs[i]:offs[i + 1]``), every
    entry of a block stored, zeros too: a region's limits in reduced coordinates are dense rows in its free
    directions, and building the index arrays directly skips the search for non-zeros of a general conversion
    (thousands of rows by hundreds of directions on the largest regions)."""
    rows = sum(b.shape[0] for b in blocks)
    if not rows:
        return sp.csr_matrix((0, offs[-1]))
    indices = np.concatenate([np.tile(np.arange(o, o + b.shape[1]), b.shape[0]) for b, o in zip(blocks, offs)])
    lengths = np.concatenate([np.full(b.shape[0], b.shape[1]) for b in blocks])
    return sp.csr_matrix((np.concatenate([b.ravel() for b in blocks]), indices,
                          np.concatenate([[0], np.cumsum(lengths)])), shape=(rows, offs[-1]))


def clarabel_qp(m: np.ndarray, q: np.ndarray, G: sp.csr_matrix, h: np.ndarray) -> tuple[np.ndarray, str]:
    """``min 1/2 dv' m dv + q' dv  s.t.  G dv <= h`` by Clarabel (``m`` positive definite); the step and the
    solver's status. Raises `RuntimeError` unless the step is solved, or finite and feasible (Clarabel stops short
    of its tolerances, "AlmostSolved" / "InsufficientProgress", when the step is already tiny near convergence).

    Solved in the variables ``u = L' dv`` (``m = L L'``, a dense Cholesky factor of the small reduced Hessian):
    the objective becomes ``1/2 |u|^2 + (L^-1 q)' u``, so Clarabel's KKT matrix has an identity block and its
    factorisation works on the limits only."""
    import clarabel

    factor = sla.cholesky(m, lower=True)
    gt = sla.solve_triangular(factor, np.asarray(G.todense()).T, lower=True).T if G.shape[0] else np.zeros((0, len(q)))
    qt = sla.solve_triangular(factor, q, lower=True)
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    solver = clarabel.DefaultSolver(sp.identity(len(q), format="csc"), qt, sp.csc_matrix(gt), h,
                                    [clarabel.NonnegativeConeT(G.shape[0])], settings)
    sol = solver.solve()
    status, u = str(sol.status), np.asarray(sol.x)
    dv = sla.solve_triangular(factor.T, u, lower=False) if u.shape == q.shape else u
    usable = dv.shape == q.shape and np.all(np.isfinite(dv)) and np.all(G @ dv <= h + 1e-6)
    if status != "Solved" and not usable:
        raise RuntimeError(f"coupled QP ({m.shape[0]} variables, {G.shape[0]} inequalities): {status}")
    return dv, status


def interior_point_qp(m: np.ndarray, q: np.ndarray, G: sp.spmatrix | np.ndarray, h: np.ndarray, tol: float = 1e-10,
                      max_iter: int = 100) -> tuple[np.ndarray, str]:
    """``min 1/2 dv' m dv + q' dv  s.t.  G dv <= h`` (``m`` positive definite) by a primal-dual interior point
    (Mehrotra's predictor-corrector; Nocedal & Wright, *Numerical Optimization*, 2006, algorithm 16.4) on the
    normal equations ``(m + G' diag(z / s) G) dx = r``, one dense Cholesky factorisation per iteration; the step and
    "Solved", or "MaxIterations" when the iterations run out at a finite, feasible step. Raises `RuntimeError`
    otherwise (as `clarabel_qp`).

    Why not Clarabel: the near limits in reduced coordinates are dense rows (a region's free directions move most
    of its limits), and Clarabel's sparse LDL' of a KKT matrix with thousands of dense rows, without BLAS, is tens
    of times slower than forming ``G' W G`` (k d^2 flops for k limits and d free directions) with BLAS.
    A region's limits move only its own free directions, so ``G' W G`` is block-diagonal: it is formed block by
    block (`column_blocks`, sum_i k_i d_i^2 flops; a few times to tens of times fewer with several regions).
    Converged when the dual and primal residuals are at most ``tol`` relative to ``1 + max|q|`` and
    ``1 + max|h|``, and the mean complementarity ``s'z / k`` at most ``tol`` relative to ``1 + max|q|``."""
    k = G.shape[0]
    blocks = column_blocks(sp.csr_matrix(G))
    G = G.toarray() if sp.issparse(G) else np.asarray(G, float)
    G = _BlockRows(G, blocks)
    x, s, z = _interior_start(m, q, G, h)
    scale_d, scale_p, status = 1.0 + np.abs(q).max(initial=0.0), 1.0 + np.abs(h).max(initial=0.0), "MaxIterations"
    for _ in range(max_iter):
        rd, rp, mu = m @ x + q + G.T @ z, G @ x + s - h, float(s @ z) / max(k, 1)
        if max(np.abs(rd).max(initial=0.0) / scale_d, np.abs(rp).max(initial=0.0) / scale_p, mu / scale_d) <= tol:
            status = "Solved"
            break
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                factor = _normal_factor(m, G, z / s)
                _dxa, dsa, dza = _interior_direction(factor, G, s, z, rd, rp, s * z)
                a = min(_to_boundary(s, dsa), _to_boundary(z, dza))
                sigma = (float((s + a * dsa) @ (z + a * dza)) / max(k, 1) / mu) ** 3  # Mehrotra's centring
                dx, ds, dz = _interior_direction(factor, G, s, z, rd, rp, s * z + dsa * dza - sigma * mu)
        except (sla.LinAlgError, ValueError, FloatingPointError):
            break  # the barrier has made the normal matrix numerically singular (limits that cannot all hold)
        a = min(1.0, 0.99 * min(_to_boundary(s, ds, np.inf), _to_boundary(z, dz, np.inf)))
        x, s, z = x + a * dx, s + a * ds, z + a * dz
    usable = bool(np.all(np.isfinite(x)) and np.all(G @ x <= h + 1e-6))
    if status != "Solved" and not usable:
        raise RuntimeError(f"coupled QP ({m.shape[0]} variables, {k} inequalities): interior point {status}")
    return x, status


def _interior_start(m: np.ndarray, q: np.ndarray, G: np.ndarray, h: np.ndarray) -> tuple:
    """Start of `interior_point_qp` (CVXOPT's): the least-squares point of ``m x + G' z = -q``, ``G x - h = z``,
    with ``s = -z``; then ``s`` and ``z`` each shifted so that their smallest entry is 1."""
    x = sla.cho_solve(_normal_factor(m, G, np.ones(G.shape[0])), G.T @ h - q)
    z = G @ x - h
    s = -z
    return x, s + max(0.0, -s.min(initial=0.0)) + 1.0, z + max(0.0, -z.min(initial=0.0)) + 1.0


def _normal_factor(m: np.ndarray, G: _BlockRows, w: np.ndarray) -> tuple:
    """Cholesky factor of ``m + G' diag(w) G`` (``w > 0``), one diagonal block of ``G' diag(w) G`` per block of
    rows (`column_blocks`)."""
    normal = m.copy()
    for rows, cols, g in G.blocks:
        gw = g * np.sqrt(w[rows])[:, None]
        normal[cols, cols] += gw.T @ gw
    return sla.cho_factor(normal, lower=True)


class _BlockRows:
    """Dense limits ``G`` (k x d) with their blocks (`column_blocks`): the rows of a block touch only its columns;
    ``@`` and ``.T`` act as on ``G``."""

    def __init__(self, g: np.ndarray, blocks: list[tuple[np.ndarray, slice]]):
        self.dense, self.shape = g, g.shape
        self.blocks = [(rows, cols, g[rows, cols]) for rows, cols in blocks]

    def __matmul__(self, v: np.ndarray) -> np.ndarray:
        return self.dense @ v

    @property
    def T(self) -> np.ndarray:  # as numpy's
        return self.dense.T


def column_blocks(G: sp.csr_matrix) -> list[tuple[np.ndarray, slice]]:
    """The rows of ``G`` grouped by the column range they touch: every group's rows have their non-zeros inside
    its columns, and the ranges do not overlap (the union of the rows' spans; one group for a dense ``G``). For the
    coordinator's near limits, one group per region (its rows move only its own free directions)."""
    k, d = G.shape
    if k == 0:
        return []
    lengths = np.diff(G.indptr)
    first = np.full(k, d, int)
    last = np.zeros(k, int)
    has = lengths > 0
    if G.nnz:
        starts = G.indptr[:-1][has]
        first[has] = np.minimum.reduceat(G.indices, starts)
        last[has] = np.maximum.reduceat(G.indices, starts) + 1
    first[~has], last[~has] = 0, 1  # an empty row joins the first block
    order = np.argsort(first, kind="stable")
    reach = np.maximum.accumulate(last[order])  # a new range starts where no earlier row reaches
    bounds = np.flatnonzero(np.concatenate([[True], first[order][1:] >= reach[:-1], [True]]))
    return [(np.sort(order[a:b]), slice(int(first[order[a]]), int(reach[b - 1])))
            for a, b in itertools.pairwise(bounds)]


def _interior_direction(factor: tuple, G: np.ndarray, s: np.ndarray, z: np.ndarray, rd: np.ndarray, rp: np.ndarray,
                        rc: np.ndarray) -> tuple:
    """Newton direction of `interior_point_qp`: ``m dx + G' dz = -rd``, ``G dx + ds = -rp``, ``z ds + s dz = -rc``,
    with ``ds`` and ``dz`` eliminated."""
    dx = sla.cho_solve(factor, -rd - G.T @ ((z * rp - rc) / s))
    ds = -rp - G @ dx
    return dx, ds, (-rc - z * ds) / s


def at_bound(G, h: np.ndarray, dv: np.ndarray) -> np.ndarray:
    """Which limits ``G dv <= h`` the step ``dv`` holds at their bound (within 1e-7, relative to ``|h|`` above one):
    the one test of a step's active rows, for a working set's seed (`least_distance_qp`, `condensed_qp`'s
    ``active_ids``) and for the face of the Newton refinement (`newton_on_face`)."""
    return G @ dv >= h - 1e-7 * np.maximum(1.0, np.abs(h))


def _to_boundary(v: np.ndarray, dv: np.ndarray, cap: float = 1.0) -> float:
    """The largest step ``a <= cap`` with ``v + a dv >= 0`` (``v > 0``)."""
    neg = dv < 0
    return min(cap, float(np.min(-v[neg] / dv[neg]))) if np.any(neg) else cap


def least_distance_qp(m: np.ndarray, q: np.ndarray, G: sp.csr_matrix, h: np.ndarray,
                      max_passes: int = 30, start: np.ndarray | None = None,
                      factor: np.ndarray | None = None, work0: np.ndarray | None = None) -> np.ndarray | None:
    """``min 1/2 dv' m dv + q' dv  s.t.  G dv <= h`` (``m`` positive definite) as a least-distance problem solved
    by non-negative least squares (Lawson and Hanson (1974), *Solving Least Squares Problems*, ch. 23: LDP via NNLS);
    None when the limits are found infeasible or the passes run out.

    With ``m = L L'`` and ``u = L' dv + L^-1 q`` the problem is ``min |u|`` s.t. ``E u >= f`` with
    ``E = -G L^-T``, ``f = -h - G L^-T L^-1 q``; NNLS of ``[E'; f'] y ~ e_last`` gives ``u = -r[:-1] / r[-1]``
    from its residual r. Limits enter by constraint generation: first those at their bound, then, pass by pass, the
    ones the step would violate; the QP of a subset whose step keeps every limit is the QP's. An exact active-set
    method, far faster than an interior point when few of the limits bind (``tests/test_aladin.py`` compares the
    two steps); None as well when the working set grows beyond twice the number of free directions
    (`interior_point_qp` is then faster), and when ``m`` is not positive definite in floating point (a regularised
    matrix whose largest eigenvalues dwarf its floor).

    ``start``: the step of the same QP with fewer limits (the coordinator's previous pass,
    `forlab.p3_aladin.algorithm.loop.keep_crossed_limits`); the limits at their bound there join the first working
    set, which is solved before any check. Without it the first check is made at the unconstrained step, whose long
    moves along flat directions cross so many limits that the working set outgrows the free directions at once (issue
    17: 1654-5, whose passes then each went to the interior point).

    ``factor``: the lower Cholesky factor of ``m`` when the caller has it (the passes of a round share it).

    Why Lawson and Hanson's NNLS and not block principal pivoting on the same problem (Júdice and Pires (1994), Kim and
    Park (2011); a few passive-set solves instead of one pass per limit)? Tried on the 40 NNLS problems of 1654-5's first
    six rounds (issue 17): it cycled until its iteration limit on 16 and was slower on the other 24 (1.2 to 112
    times; the near limits of a transmission region are degenerate, many of them at once at their bound). Nor by
    blocks (prototypes on 118Xn's QPs, issue 17): a primal active-set method from ``dv = 0`` cycled on those
    degenerate limits (no end within 2000 face solves in any of 118X3's nine rounds), and a Mehrotra interior point
    on the sparse KKT system ``[Hr + G'WG, B'; B, -D^-1]`` (one LU per iteration, 10 to 12 iterations) grew with
    about the power 1.7 of the coupling rows from 118X7 to 118X10 (medians of rounds 2 to 9; the dense
    coordinator's whole round, 2.2), took 360 to 630 ms per QP on 118X10, about as long as that whole round (300 to
    900 ms, the same loaded machine), and missed its tolerance within 60 iterations in the last three rounds.
    Nor by a primal-dual active-set iteration (Hintermüller et al. (2002)) from the limits active at
    ``start`` and ``work0`` (face solves as `face_newton`'s; violated limits join, negative multipliers leave, NNLS
    when six faces do not settle): on 118X10 it settled in 11 of the 22 QPs that had a guess (one to four faces),
    and in the others the violations grew from face to face (hundreds, then 600) or a face's own limit broke; the
    coordinator took longer on every system tried, with the same rounds (in-process, one machine, issue 17: 118X3
    0.69 s against 0.54 s, case300 in 4 areas 0.84 s against 0.57 s, 118X10 11.8 s against 10.5 s, 1654-5 42.6 s
    against 35.0 s).
    Two cheaper passes were measured on 1654-5 (issue 17, in-process, one idle machine; NNLS was 18.5 s of its 31 s
    of coordinator, 318 solves of 169 to 1004 limits by 678 rows, a pass adding a few violated limits to a set of
    hundreds): dropping from the working set the rows NNLS left inactive before adding the violated ones (the
    solves then grow with the binding limits only) kept the 27 rounds and the objective to 5e-11 relative and took
    26.8 s of coordinator against 30.2 s, too little to re-archive every chapter's ALADIN runs for; and Lawson &
    Hanson warm-started from the last pass's passive set (QR kept by `scipy.linalg.qr_insert` / ``qr_delete``)
    needed 6 to 127 iterations from a passive set five entries short on those degenerate problems, a quarter less
    time than the cold solves offline, and in the run it reached the target in the same round (25) but did not stop
    by its test within 30 rounds, its coordinator taking 144 s.
    Nor a smaller NNLS of the same problem (measured offline on the solves of one in-process run each, one idle
    machine, issue 17): the least-distance matrix ``[E'; f']`` (d + 1 rows) replaced by the triangle of its QR
    factorisation (k + 1 rows for k limits in the set; the same residual, so the same multipliers and step, to
    2e-11 relative) took 22 % less NNLS time on 118X10 (52 solves, 3.5 s) and 12 % less on 1654-5 (318 solves,
    18.4 s), the QR itself costing most of what the shorter solve saves: too little to re-archive for.
    Nor a dual active-set QP solver off the shelf on the same QPs (measured offline, issue 17: the 24 least-distance
    QPs of one in-process 118X10 run, 1123 free directions, 758 to 4564 near limits, each solver given every near
    limit at once; same machine, same run): Goldfarb and Idnani's method (1983) (``quadprog`` 0.1.14, handed the inverse
    Cholesky factor, whose computation was not timed) took 1.0 to 6.5 s a QP (median 2.0 s, 53.6 s in all) to
    the same steps within 1e-11, against 0.06 to 1.0 s (median 0.20 s, 6.6 s in all) here with its passes; DAQP
    0.11 took 0.8 to 41.6 s (105 s in all) and stopped short of the solution on some (exit flag -4; steps off by
    up to 2e-3). Both add one limit per iteration, with a factor update of order d^2 each, to hundreds of active
    limits; the least-distance problem here starts from the working set of the last pass and the last round.

    ``work0``: rows that join the first working set as well, solved before any check like ``start``'s (the
    coordinator's guess of the active limits: those active at the last round's step, `condensed_qp`'s ``seed``)."""
    if factor is None:
        try:
            factor = sla.cholesky(m, lower=True)
        except sla.LinAlgError:
            return None
    qt = sla.solve_triangular(factor, q, lower=True)
    work = np.flatnonzero(h <= 1e-6 * np.maximum(1.0, np.abs(h)))
    dv, solved = sla.solve_triangular(factor.T, -qt, lower=False), False
    if start is not None:  # solve the seeded working set before the first check
        work = np.union1d(work, np.flatnonzero(at_bound(G, h, start)))
    if work0 is not None:
        work = np.union1d(work, np.asarray(work0, int))
    seeded = (start is not None or work0 is not None) and len(work) > 0  # (NNLS aborts on an empty matrix)
    for _ in range(max_passes):
        if solved or not seeded:
            viol = np.flatnonzero(G @ dv > h + 1e-10 * np.maximum(1.0, np.abs(h)))
            if not len(viol) or (solved and not len(np.setdiff1d(viol, work))):
                # nothing outside the working set is violated: this is the working set's step, whose own rows hold
                # up to the NNLS solve's accuracy; solving the same set again gives the same step (issue 17: a hair
                # of 5e-10 on rows already in the set made case1354pegase+case300's coordinator repeat a 0.2 s solve
                # until the passes ran out, then hand over to the interior point), so the caller judges it
                return dv
            work = np.union1d(work, viol)
        if len(work) > 2 * len(q):
            # more than twice as many limits in play as free directions, of which at most as many as free
            # directions can be active in general: the passes have been collecting limits the step merely crossed,
            # and every pass's NNLS slows down with them (thousands of rows at a poor local solution took
            # minutes); the caller's interior point, whose cost grows with the limits through BLAS, takes over
            return None
        dv, solved = _ldp(factor, qt, G[work].toarray(), h[work]), True
        if dv is None:
            return None
    return None


def _ldp(factor: np.ndarray, qt: np.ndarray, g: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    """One least-distance solve of `least_distance_qp` on the limits ``g dv <= h`` (dense rows)."""
    from scipy.optimize import nnls

    gt = sla.solve_triangular(factor, g.T, lower=True).T
    mat = np.vstack([-gt.T, (-h - gt @ qt)[None, :]])
    target = np.zeros(mat.shape[0])
    target[-1] = 1.0
    try:
        y, _norm = nnls(mat, target, maxiter=50 * max(mat.shape[1], 1))
    except RuntimeError:  # too many iterations
        return None
    r = mat @ y - target
    if abs(r[-1]) < 1e-12:  # |r| = 0: the limits are incompatible
        return None
    return sla.solve_triangular(factor.T, -r[:-1] / r[-1] - qt, lower=False)


def condensed_qp(replies: list[dict], rows: list[np.ndarray], n_cons: int, ax: np.ndarray, lam: np.ndarray,
                 mu: float | np.ndarray, reg: float, start: list[np.ndarray] | None = None,
                 memo: dict | None = None, seed: list[np.ndarray] | None = None, face_reg: float | None = None,
                 region_flip: float = 1.0) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """ALADIN step 3 from the regions' reduced messages (module docstring, "reduced"): the reduced steps ``dv_i``
    (one per region, sent back to it), ``lambda_QP`` and diagnostics.

    Implements eq. (p3-qp) in the reduced space (chapter 07, "Two forms of the QP"): with the slack
    eliminated the QP in ``dv`` has the Hessian ``M = Hr + B' D B`` (``Hr`` block-diagonal, ``B`` the coupling
    blocks), which is regularised as a whole only when an eigenvalue is at or below the floor ``reg``, and
    keeps the near limits the regions sent (`least_distance_qp`, its step made exact by `polished_on_face` where it
    is a hair off its face, `interior_point_qp` as fallback, `newton_on_face`).
    ``lambda_QP = lambda + D (sum_i A_i x_i + B dv)``. ``start``: the regions' steps of the same QP with fewer
    limits (a limit pass), which seed the least-distance QP's working set. ``memo``: a dict
    shared by the solves of one round, which differ only in their limits (the passes): the coupling, the Hessian
    (regularised), its Cholesky factor and the linear term are formed once, by the first of them (the eigenvalues
    are most of a pass's cost besides the limits themselves). ``seed``: per region, the limits (signed ids,
    `limit_ids`) active at the last round's step; those still among the near limits start the least-distance QP's
    working set (`least_distance_qp`'s ``work0``). The diagnostics' ``active_ids`` are this step's, the next
    round's seed. ``face_reg``: the least eigenvalue the face solves (the polish and the Newton refinement) ask of
    their matrix on the face (`forlab.p3_aladin.algorithm.options.ALADINOptions.face_reg`; ``reg`` when None).
    ``region_flip``: the share of the free directions below ``reg`` above which the Hessian is regularised region
    by region (`ALADINOptions.region_flip`, `_regularized`)."""
    d = np.broadcast_to(np.asarray(mu, float), (n_cons,))
    floor = face_floor(reg, face_reg)
    memo = {} if memo is None else memo
    if "m" not in memo:
        B, hr, g, offs = coupling_blocks(replies, rows, n_cons)
        bd = B.toarray()  # n_cons x d: the consensus rows by the free directions, small and dense
        m_exact = hr + bd.T @ (d[:, None] * bd)
        m_exact = 0.5 * (m_exact + m_exact.T)
        m, lmin = _regularized(m_exact, reg, hr, offs, region_flip)
        try:
            factor = sla.cholesky(m, lower=True)
        except sla.LinAlgError:  # not positive definite in floating point: the least-distance QP declines
            factor = None
        memo.update(m=(m, lmin), base=(B, offs, m_exact, g + B.T @ (lam + d * ax)), factor=factor)
    (m, lmin), (B, offs, m_exact, q) = memo["m"], memo["base"]
    G, h = limit_blocks(replies, offs)
    ids = limit_ids(replies)
    if G.shape[0]:
        at = None if start is None else np.concatenate(start)
        work0 = None if seed is None else _seeded_rows(ids, seed)
        # without a Cholesky factor of m the least-distance QP declines: straight to the interior point
        dv = None if memo["factor"] is None else least_distance_qp(m, q, G, h, start=at, factor=memo["factor"],
                                                                   work0=work0)
        status, dense = "Solved", None  # the limits as a dense array, made once when a face solve needs them
        if dv is not None and np.all(np.isfinite(dv)) and not _within(G, h, dv):
            dense = G.toarray()
            dv = polished_on_face(m, q, dense, h, dv, floor)
        if dv is None or not np.all(np.isfinite(dv)) or not _within(G, h, dv):
            dv, status = interior_point_qp(m, q, G, h)  # the interior point as a fallback, with its status
            newton = None
        else:  # an exact active-set step of the QP with m: with the exact Hessian it is the Newton step on its face
            newton = 1.0 if m is m_exact else None
        if newton is None:
            dense = G.toarray() if dense is None else dense
            dv, newton = newton_on_face(m_exact, q, dense, h, dv, floor)
    else:  # no limit near: the unconstrained step, one Cholesky solve
        dv, status, newton = sla.cho_solve(sla.cho_factor(m), -q), "Solved", float("nan")
    lam_qp = lam + d * (ax + B @ dv)
    dvs = [dv[offs[k]:offs[k + 1]] for k in range(len(replies))]
    return dvs, lam_qp, {"lambda_min": lmin, "reduced_dim": len(q), "qp_status": status, "newton": newton,
                         "qp_rows": int(G.shape[0]), "active_ids": _active_ids(ids, G, h, dv)}


def _within(G, h: np.ndarray, dv: np.ndarray) -> bool:
    """Whether the step ``dv`` keeps every limit ``G dv <= h`` up to the coordinator's tolerance of 1e-8."""
    return not np.any(G @ dv > h + 1e-8)


def polished_on_face(m: np.ndarray, q: np.ndarray, G: np.ndarray, h: np.ndarray, dv: np.ndarray,
                     floor: float) -> np.ndarray | None:
    """The least-distance QP's step made exact: the minimiser of the same QP (``m`` as the least-distance QP used
    it) on the face of the limits ``dv`` holds at their bound (`newton_on_face` with ``m``), when that face is the
    QP's (non-negative multipliers, no other limit in the way); else None.

    Why: NNLS solves the least-distance problem in the scaled coordinates ``L' dv``, and on transmission regions
    with hundreds of active limits its step leaves some of them violated by 1e-8 to 6e-8 (measured, issue 17:
    1654-5, limit rows of norm up to 24 and steps up to 46), just above the check that sends the QP to the interior
    point, which took 0.46 s a time there (eleven times a run) against tens of milliseconds for the face's
    solve. ``floor``: the face floor (`ALADINOptions.face_reg`), not the regularisation's: a regularised ``m`` has
    its flipped eigenvalues at exactly that floor, so asking it of ``m`` on a face turns round-off into a
    refusal."""
    new, fraction = newton_on_face(m, q, G, h, dv, floor)
    return new if fraction >= 1.0 else None


def _seeded_rows(ids: list[np.ndarray], seed: list[np.ndarray]) -> np.ndarray:
    """The rows of `limit_blocks` whose limit and side (`limit_ids`) are in the region's ``seed``."""
    hits = [np.isin(i, s[s != 0]) for i, s in zip(ids, seed)]
    return np.flatnonzero(np.concatenate(hits)) if hits else np.zeros(0, int)


def _active_ids(ids: list[np.ndarray], G: sp.csr_matrix, h: np.ndarray, dv: np.ndarray) -> list[np.ndarray]:
    """Per region, the signed ids (`limit_ids`) of the rows active at the step ``dv`` (`at_bound`); rows without an
    id are left out."""
    active = at_bound(G, h, dv)
    offs = np.cumsum([0, *[len(i) for i in ids]])
    return [i[active[a:b] & (i != 0)] for i, a, b in zip(ids, offs[:-1], offs[1:])]


def _regularized(m_exact: np.ndarray, reg: float, hr: np.ndarray | None = None, offs: np.ndarray | None = None,
                 region_flip: float = 1.0) -> tuple[np.ndarray, float]:
    """The coupled reduced Hessian as the QP uses it and its smallest eigenvalue: itself when all its eigenvalues are
    above ``reg`` (one Cholesky factorisation decides; the smallest eigenvalue is only logged then), else the
    eigenvalue flip (`regularize`), which finds the smallest eigenvalue anyway. Where more than the share
    ``region_flip`` of the free directions lie below ``reg``, the flip is `_flipped_by_regions` of the exact
    block-diagonal ``hr`` (its blocks at ``offs``) instead (`ALADINOptions.region_flip`).

    Why as a whole, although its eigenvalues cost d^3 and are part of what makes the coordinator's time grow faster
    than the coupling rows on 118Xn (regions' blocks regularised on their own would let a coordinator solve by blocks,
    linear in the regions)? Measured (issue 17, in-process, the default options, rounds against the coupled flip's):
    flipping every region's ``Hr_i`` on its own and then adding ``B' D B`` (positive definite by construction) took
    27 rounds on case118 in 3 areas (13), 28 on case300 in 4 areas (15), 27 on 418-3 (12), 15 on 118X7 (12) and 16
    on case39+case118zh (13); one round fewer on case9+case33bw, case118+case136ma+case141 and case118+case533mt_hi,
    three fewer on 53-I, the same on case30+case69+case33bw. Flipping every region's block of ``M`` (its own rows'
    penalty included) left ``M`` not positive definite in most rounds (10 of 12 on case118 in 3 areas, 12 of 14 on
    case300 in 4 areas, 7 of 12 on 118X10), so it cannot stand in for the flip. Nor can a flip that stays inside the
    regions: on 118X10 the eigenvectors below ``reg`` spread over several regions (in late rounds the median one has
    about a third of its weight in its largest region).

    Where the coupled flip matters (measured, issue 17, the 28 systems of chapter 07's paper profile,
    ``scripts/aladin_options.py --options '{"region_flip": 0.1}'``): the flip by regions in the rounds with more
    than a tenth of the directions below ``reg`` and the coupled flip in the others (`ALADINOptions.region_flip`
    0.1) stayed within one round of the default's rounds, or took fewer, on 23 of them (118X3, 118X7, 118X8 and
    118X10 10, 12, 12 and 13, as the default), but took 13 on case118+case533mt_hi (10), 17 on case300 in 3 areas
    (15), 20 in 6 areas (15) and 19 on 418-1 (17), and left 1654-5 unconverged after 30 (28): a tenth of its 677
    directions or more lie below ``reg`` in most of its rounds. The flip by regions only in the other rounds
    (monkeypatched, 8 of the systems) lost them: 25 on case118 in 3 areas against 13, 22 on 118X10 against 13. A
    coordinator by blocks on 118Xn would need the coupled flip in its late rounds, and there it can have it by
    structure (a prototype on 118X3's and 118X10's QPs): the count below ``reg`` exactly by Haynsworth's inertia
    from the regions' block eigenvalues and an n_cons x n_cons Schur complement (9 to 15 ms on 118X10, right in all
    21 rounds), the eigenpairs by shift-invert Lanczos with a sparse LU of ``[Hr - s I, B'; B, -D^-1]`` (a Woodbury
    solve loses their digits where a block of ``Hr`` is near singular): 30 to 79 solves at s = 0 (about 50 ms on
    118X10 against 146 ms for the dense flip) when they lie near zero, as in late rounds; the ones far below zero
    (rounds 2 to 7) need a second shift below the spectrum and up to 3200 solves (655 ms)."""
    if _above(m_exact, reg):
        return m_exact, float(sla.eigvalsh(m_exact, subset_by_index=[0, 0])[0]) if len(m_exact) else float("inf")
    if hr is not None and region_flip < 1.0:
        # counted densely here (d^3, as the flip itself); a coordinator by blocks would count by inertia (above)
        below = sla.eigvalsh(0.5 * (m_exact + m_exact.T), subset_by_value=(-np.inf, reg), driver="evr")
        if len(below) > region_flip * len(m_exact):
            return _flipped_by_regions(m_exact, hr, offs, reg), float(below[0])
    return regularize(m_exact, reg)


def _flipped_by_regions(m_exact: np.ndarray, hr: np.ndarray, offs: np.ndarray, reg: float) -> np.ndarray:
    """``M = Hr + B' D B`` with every region's block of the exact ``Hr`` flipped on its own (`regularize_hessian`):
    positive definite, as ``B' D B`` is positive semidefinite, and each flip costs only its region's d_i^3."""
    m = m_exact.copy()
    for a, b in itertools.pairwise(offs):
        block = hr[a:b, a:b]
        m[a:b, a:b] += regularize_hessian(block, reg) - 0.5 * (block + block.T)
    return 0.5 * (m + m.T)


def _above(m: np.ndarray, reg: float) -> bool:
    """Whether the symmetric ``m`` has all its eigenvalues above ``reg``: whether ``m - reg I`` has a Cholesky
    factor (a fraction of the cost of its eigenvalues; it stops at the first pivot that is not positive)."""
    if m.shape[0] == 0:
        return True
    try:
        sla.cholesky(0.5 * (m + m.T) - reg * np.eye(m.shape[0]), lower=True, check_finite=False)
    except sla.LinAlgError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------- condensed
def condensed_step(replies: list[dict], rows: list[np.ndarray], n_cons: int, ax: np.ndarray, lam: np.ndarray,
                   mu: float | np.ndarray) -> tuple[list[dict], np.ndarray, dict] | None:
    """ALADIN step 3 from the regions' condensed messages
    (`forlab.p3_aladin.algorithm.reduction.LocalReduction.condense`): the same QP as `condensed_qp` (eq. (p3-qp) in
    reduced coordinates, the near limits kept as inequalities), solved in the space of the regions' consensus rows and
    near limits only; None when the coupled reduced Hessian ``M`` is not positive definite (the caller falls back to
    `condensed_qp`).

    Stack every region's copy of its consensus rows (T = sum_i r_i; ``E`` = blkdiag(A_i Z_i), ``B = P E`` with
    ``P`` summing the copies of a row). ``M = Hr + B' D B = Ht + E' K E`` with ``Ht`` the regions' own
    ``Hr_i + s E_i' D_i E_i`` (``s`` = `CONDENSE_SHARE`) and ``K = P' D P - s D_T``, so by the Woodbury identity
    ``M^-1 = F - F E' C^-1 E F`` with ``C = K^-1 + blkdiag(S_i)``, T x T. ``M`` is positive definite exactly when
    ``C`` has as many positive eigenvalues as ``K`` (Haynsworth inertia of ``[Ht E'; E -K^-1]``, ``Ht`` positive
    definite). The near limits' multipliers ``y`` solve ``min 1/2 y' Q y + c' y, y >= 0`` with
    ``Q = W - V' C^-1 V``: by non-negative least squares on a working set grown by the limits the step would
    violate (`_dual_limits`). Each region gets ``xi_i`` and ``y_i`` back and takes
    ``dv_i = -Ht_i^-1 (g_r + E_i' xi_i + G_i' y_i)`` itself; ``lambda_QP = lambda + D (A x + B dv)``."""
    d = np.broadcast_to(np.asarray(mu, float), (n_cons,))
    trows = np.concatenate([np.asarray(r, int) for r in rows])
    offs = np.cumsum([0, *[len(r) for r in rows]])
    koffs = np.cumsum([0, *[len(rep["h"]) for rep in replies]])
    s_blk = sla.block_diag(*[unpack_symmetric(rep["S"], len(r)) for rep, r in zip(replies, rows)])
    found = convex_coupling(trows, d, s_blk)
    if found is None:
        return None
    c_inv, tau = found
    v_blk = sp.block_diag([sp.csr_matrix(np.asarray(rep["V"])) for rep in replies],
                          format="csr") if koffs[-1] else sp.csr_matrix((len(trows), 0))
    w_t = (lam + d * ax)[trows]
    a = np.concatenate([rep["e"] for rep in replies]) + s_blk @ w_t
    xi0 = w_t - c_inv @ a
    h = np.concatenate([rep["h"] for rep in replies])
    c_vec = h + np.concatenate([rep["f"] for rep in replies]) + v_blk.T @ xi0
    civ = np.asarray((v_blk.T @ c_inv).T)  # C^-1 V, T x k
    w_blk = sp.block_diag([unpack_symmetric(rep["W"], len(rep["h"])) for rep in replies], format="csc") \
        if koffs[-1] else sp.csc_matrix((0, 0))
    y = _dual_limits(w_blk, v_blk, civ, c_vec, h)
    if y is None:
        return None
    b = a + v_blk @ y
    e_dv = -(b - s_blk @ (c_inv @ b))
    lam_qp = lam + d * (ax + np.bincount(trows, weights=e_dv, minlength=n_cons))
    xi = xi0 - civ @ y
    steps = [{"xi": xi[offs[k]:offs[k + 1]], "y": y[koffs[k]:koffs[k + 1]]} for k in range(len(replies))]
    return steps, lam_qp, {"lambda_min": min(rep["lambda_min"] for rep in replies), "qp_rows": int(koffs[-1]),
                           "qp_status": "Solved", "qp_path": "condensed" if tau == 0 else "condensed, shifted",
                           "condensed_dim": len(trows), "shift": tau}


def convex_coupling(trows: np.ndarray, d: np.ndarray, s_blk: np.ndarray,
                    steps: int = 40) -> tuple[np.ndarray, float] | None:
    """``C^-1`` of `condensed_step` and the shift ``tau`` that made the coupled reduced Hessian positive definite:
    0 when ``M`` is; else the smallest ``tau`` (bisection on a log scale over [1e-12, 1)) for which
    ``M + tau s E' D_T E`` is, i.e. the coordinator keeps ``(1 - tau)`` of its share ``-s D_T`` (curvature added
    only along the directions that move a region's coupled variables, where the two ends of a tie line curve in
    opposite directions; the dense coordinator flips the eigenvalues of ``M`` instead). None when even the largest
    shift leaves ``C`` singular."""
    def attempt(tau: float):
        c_mat = coupling_inverse(trows, d, CONDENSE_SHARE * (1.0 - tau)) + s_blk
        sc = np.sqrt(d[trows])  # D^1/2 C D^1/2 has entries of order one; the inertia is the same
        ev, evec = np.linalg.eigh(0.5 * (c_mat + c_mat.T) * sc[:, None] * sc[None, :])
        if np.min(np.abs(ev)) < 1e-10 * max(np.max(np.abs(ev)), 1.0):
            return None, False
        return (evec / ev) @ evec.T * sc[:, None] * sc[None, :], int(np.sum(ev > 0)) == n_rows

    n_rows = len(np.unique(trows))  # K has one positive eigenvalue per row: M is positive definite iff C has as many
    c_inv, ok = attempt(0.0)
    if ok:
        return c_inv, 0.0
    taus = np.logspace(-12, np.log10(1.0 - 1e-6), steps)
    lo, hi = -1, len(taus) - 1
    best, ok = attempt(taus[hi])
    if not ok:
        return None
    while hi - lo > 1:  # the smallest tau of the grid that convexifies
        mid = (lo + hi) // 2
        c_mid, ok = attempt(taus[mid])
        if ok:
            hi, best = mid, c_mid
        else:
            lo = mid
    return best, float(taus[hi])


def coupling_inverse(trows: np.ndarray, d: np.ndarray, s: float = CONDENSE_SHARE) -> np.ndarray:
    """``K^-1`` of `condensed_step` (T x T, dense): for the m copies of row r, ``K_r = d_r (1 1' - s I)`` and
    ``K_r^-1 = (-I / s + 1 1' / (s (m - s))) / d_r`` (``s``: the regions' share, `CONDENSE_SHARE`)."""
    m = np.bincount(trows)[trows]
    same = trows[:, None] == trows[None, :]
    k_inv = same / (s * (m[:, None] - s) * d[trows][:, None])
    k_inv[np.diag_indices_from(k_inv)] -= 1.0 / (s * d[trows])
    return k_inv


def _dual_limits(w_blk: sp.csc_matrix, v_blk: sp.csr_matrix, civ: np.ndarray, c_vec: np.ndarray, h: np.ndarray,
                 max_passes: int = 30) -> np.ndarray | None:
    """Multipliers ``y >= 0`` of the near limits in `condensed_step`: ``min 1/2 y' Q y + c' y`` over ``y >= 0``,
    ``Q = blkdiag(W_i) - V' C^-1 V``, by constraint generation (as `least_distance_qp`): the limits whose slack
    ``Q y + c`` (= ``h - G dv``) is negative join the working set, whose problem is solved exactly by NNLS on
    ``Q_WW = R' R`` (R from the eigenvalues of ``Q_WW``, which is singular when more limits than free directions
    are near); None when the passes run out."""
    k = len(c_vec)
    y = np.zeros(k)
    work = np.zeros(0, int)
    tol = 1e-9 * np.maximum(1.0, np.abs(h))
    for _ in range(max_passes):
        slack = _q_columns(w_blk, v_blk, civ, work) @ y[work] + c_vec
        viol = np.flatnonzero(slack < -tol)
        # the working set's own rows are held up to the sub-solve's accuracy (Q is ill-conditioned when the
        # penalties are large): done when nothing new is violated and what is left is a hair
        if not len(np.setdiff1d(viol, work)) and np.all(slack[viol] >= -1e3 * tol[viol]):
            return y
        work = np.union1d(work, viol)
        y = np.zeros(k)
        y[work] = _nonnegative_qp(_q_columns(w_blk, v_blk, civ, work)[work], c_vec[work])
    return None


def _nonnegative_qp(q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``argmin 1/2 y' q y + c' y`` over ``y >= 0`` (``q`` positive semidefinite): NNLS on ``q + eps I = R' R``
    (a ridge of 1e-10 of its largest diagonal: ``q`` is singular when more limits than free directions are near),
    Clarabel when that factorisation fails."""
    from scipy.optimize import nnls

    q = 0.5 * (q + q.T)
    ridge = 1e-10 * max(float(np.max(np.diag(q))), 1e-300)
    try:
        r = sla.cholesky(q + ridge * np.eye(len(c)))
        return nnls(r, -sla.solve_triangular(r, c, trans="T"), maxiter=50 * max(len(c), 1))[0]
    except (sla.LinAlgError, RuntimeError):
        import clarabel

        settings = clarabel.DefaultSettings()
        settings.verbose = False
        solver = clarabel.DefaultSolver(sp.csc_matrix(np.triu(q)), c, sp.csc_matrix(-np.eye(len(c))),
                                        np.zeros(len(c)), [clarabel.NonnegativeConeT(len(c))], settings)
        return np.maximum(np.asarray(solver.solve().x), 0.0)


def _q_columns(w_blk: sp.csc_matrix, v_blk: sp.csr_matrix, civ: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Columns ``cols`` of ``Q = blkdiag(W_i) - V' C^-1 V`` (k x len(cols); ``w_blk`` the block diagonal)."""
    return w_blk[:, cols].toarray() - np.asarray(v_blk.T @ civ[:, cols])


# ---------------------------------------------------------------------------------------------------- "kkt"
def create_coupled_qp(sens: list[dict], A: list[sp.spmatrix], xs: list[np.ndarray], lam: np.ndarray,
                      mu: float | np.ndarray) -> tuple[sp.csc_matrix, np.ndarray, dict]:
    """ALADIN step 3a (ALADIN-alpha): the sparse KKT matrix and right-hand side of the coupled QP.

    Implements eq. (p3-qp), chapter 07, in its "kkt" form.

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


# ---------------------------------------------------------------------------------------------------- "coupled"
def null_space_basis(c: sp.spmatrix) -> np.ndarray:
    """Orthonormal basis of the null space of a (sparse) Jacobian, by a rank-revealing QR of its transpose
    (`forlab.p3_aladin.algorithm.reduction.rank_revealing_qr`, with the reduced form's fallback tolerance)."""
    n = c.shape[1]
    if c.shape[0] == 0:
        return np.eye(n)
    _perm, rank, q = rank_revealing_qr(c, 1e-10, with_q=True)
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
                    bounds: list[tuple[np.ndarray, np.ndarray]], reg: float,
                    face_reg: float | None = None) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """ALADIN step 3 in the null space of the equality constraints, keeping bounds and linearised inequalities.

    Implements eq. (p3-qp) in its "coupled" form (chapter 07, "Two forms of the QP").

    bounds: per region (lower, upper) bounds of the local variables (rad / p.u., +-inf where unbounded).
    reg: eigenvalue floor of the regularised coupled reduced Hessian (`regularize_hessian`).
    face_reg: the least eigenvalue of the exact one on the face for the Newton refinement (``reg`` when None).
    Returns the steps ``dx_i``, ``lambda_QP`` and diagnostics (smallest eigenvalue of ``M`` before regularisation,
    reduced dimension, solver status); raises `RuntimeError` when the QP solver fails.
    """
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
    dv, status = clarabel_qp(m, q, sp.csr_matrix(G), h)
    dv, newton = newton_on_face(m_exact, q, G, h, dv, face_floor(reg, face_reg))
    dxs, off = [], 0
    for z in zs:
        dxs.append(z @ dv[off:off + z.shape[1]])
        off += z.shape[1]
    lam_qp = lam + mu * (ax + sum(a @ d for a, d in zip(A, dxs)))
    return dxs, lam_qp, {"lambda_min": lmin, "reduced_dim": int(m.shape[0]), "qp_status": status,
                         "newton": newton}


def face_floor(reg: float, face_reg: float | None) -> float:
    """The least eigenvalue a face solve asks of its matrix on the face: ``face_reg``
    (`forlab.p3_aladin.algorithm.options.ALADINOptions.face_reg`), or the regularisation's ``reg`` for a caller
    that gives none (the floor both used before ``face_reg`` existed)."""
    return reg if face_reg is None else face_reg


def newton_on_face(m: np.ndarray, q: np.ndarray, G: np.ndarray, h: np.ndarray, dv: np.ndarray, floor: float,
                   tol: float = 1e-9, max_add: int = 8) -> tuple[np.ndarray, float]:
    """Refine the convex QP's step by the exact Newton step on the face of the inequalities it found active.

    The regularised Hessian makes the QP convex and its step safe, but it also changes the curvature along
    directions that the active inequalities block anyway, which would slow the convergence near a solution to a
    linear rate. On the face ``G_W dv = h_W`` of the active rows, the exact reduced Hessian ``m`` is used when it is
    positive definite there (eigenvalues >= ``floor``, the caller's face floor:
    `forlab.p3_aladin.algorithm.options.ALADINOptions.face_reg`, far below the regularisation's floor, since near a
    solution the faces of large transmission regions are positive definite but nearly flat). When another inequality
    blocks the way to that Newton step (a limit the interior-point solution left a hair short of its bound), it joins
    the face and the Newton step is recomputed, up to ``max_add`` times, as long as the face's multipliers stay
    non-negative (a primal active-set step). Otherwise the step goes as far towards the first Newton step as the
    inequalities allow. Returns the step and the fraction of the Newton step taken (0 when not applicable).

    Where it does not apply (measured in-process, issue 17): on 1654-5 the exact face Hessian had 3 to 200
    eigenvalues below the face floor in each of the first 16 rounds examined (the lowest -6 in round 1, -0.003 to
    -0.08 from round 10 on), so every step kept the regularised curvature (the store's ``it_newton`` is 0 in all
    its rounds); measured again at c3a2369 over a whole run (27 rounds), its least eigenvalue on the face lies
    between -59 and -1.5e-5 in every round (`forlab.p3_aladin.algorithm.options.ALADINOptions.face_reg`). Flipping
    those eigenvalues on the face instead of refusing it (a regularised Newton step on the face) gave faces with
    negative multipliers in most rounds, and the same 27 rounds.
    """
    active = at_bound(G, h, dv)
    first = None
    for _ in range(max_add + 1):
        new = face_newton(m, q, G[active], h[active], floor)
        if new is None:
            break
        d = new - dv
        gd, slack = G @ d, h - G @ dv
        grow = (gd > tol) & ~active
        ratios = np.maximum(slack[grow], 0.0) / gd[grow]
        alpha = min(1.0, float(ratios.min())) if len(ratios) else 1.0
        first = first or (dv + alpha * d, alpha)
        if alpha >= 1.0:
            return new, 1.0
        active[np.flatnonzero(grow)[np.argmin(ratios)]] = True
    return first if first is not None else (dv, 0.0)


def face_newton(m: np.ndarray, q: np.ndarray, W: np.ndarray, hw: np.ndarray, floor: float) -> np.ndarray | None:
    """The minimiser of ``1/2 dv' m dv + q' dv`` on the face ``W dv = hw``, or None when ``m`` is not positive
    definite on the face (an eigenvalue below ``floor``), or a multiplier of the face is negative (the face is not
    the QP's).

    By the null-space method (Nocedal & Wright, section 16.2), region by region: a region's limits move only its
    own free directions (`column_blocks`), so the face's null space is block-diagonal. Every block's rank-revealing
    QR of its rows ``W_b' = Y_b R_b`` (`_face_blocks`) fixes the block's component ``Y_b a_b`` of the step
    (``R_b' a_b = hw_b``), the reduced Hessian ``Z' m Z`` gives the rest, and ``R_b nu_b = -Y_b' (m dv + q)`` the
    multipliers. Why: with one QR of the whole ``W'`` and the KKT matrix of the face (d + k square) LU-factored as a
    whole, this function was a third of the coordinator's time on 118X10 (measured, issue 17); block by block, its
    products with ``m`` cost about d^2 times the free directions of one region instead of d^3."""
    faces, dv = _face_blocks(W, hw, len(q))
    z_parts = [(cols, z) for cols, _y, z, _r in faces if z.shape[1]]
    if z_parts:
        mz = np.hstack([m[:, cols] @ z for cols, z in z_parts])
        hz = np.vstack([z.T @ mz[cols] for cols, z in z_parts])
        hz = 0.5 * (hz + hz.T)
        if not _above(hz, floor):
            return None
        grad = q + m @ dv
        b = sla.cho_solve(sla.cho_factor(hz), -np.concatenate([z.T @ grad[cols] for cols, z in z_parts]))
        offs = np.cumsum([0, *[z.shape[1] for _c, z in z_parts]])
        for (cols, z), a, e in zip(z_parts, offs[:-1], offs[1:]):
            dv[cols] += z @ b[a:e]
    grad = m @ dv + q
    for cols, y, _z, r in faces:
        if r.shape[0]:
            nu = -sla.solve_triangular(r, y.T @ grad[cols])
            if nu.min() < -1e-8 * max(1.0, np.abs(nu).max()):
                return None
    return dv


def _face_blocks(W: np.ndarray, hw: np.ndarray, n: int) -> tuple[list[tuple], np.ndarray]:
    """Per block of the face's rows (`column_blocks`; the free directions no row moves form one more block without
    rows): its columns, and ``Y_b``, ``Z_b`` and ``R_b`` of a rank-revealing QR of its rows (rank relative to the
    largest row of ``W``, as one QR of the whole would judge it); and the step's component ``sum_b Y_b a_b`` that
    meets the face."""
    dv = np.zeros(n)
    blocks = column_blocks(sp.csr_matrix(W)) if W.shape[0] else []
    # the largest row norm is the first pivot a rank-revealing QR of the whole W' would take
    tol = 1e-10 * max(float(np.sqrt((W * W).sum(axis=1)).max(initial=0.0)), 1.0)
    faces, used = [], np.zeros(n, bool)
    for rows, span in blocks:
        cols = np.arange(span.start, span.stop)
        used[cols] = True
        qmat, r, perm = sla.qr(W[np.ix_(rows, cols)].T, pivoting=True)
        rank = int(np.sum(np.abs(np.diag(r)) > tol))
        y, rr = qmat[:, :rank], r[:rank, :rank]
        dv[cols] = y @ sla.solve_triangular(rr, hw[rows[perm[:rank]]], trans="T")
        faces.append((cols, y, qmat[:, rank:], rr))
    free = np.flatnonzero(~used)
    if len(free):
        faces.append((free, np.zeros((len(free), 0)), np.eye(len(free)), np.zeros((0, 0))))
    return faces, dv


# ---------------------------------------------------------------------------------------------------- step 4
def compute_al_step(xs: list[np.ndarray], dxs: list[np.ndarray], lam_qp: np.ndarray,
                    alpha: float = 1.0) -> tuple[list[np.ndarray], np.ndarray]:
    """ALADIN step 4: ``z_i = x_i + alpha dx_i`` and ``lambda = lambda_QP`` (full step for ``alpha = 1``).

    Implements eq. (p3-update), chapter 07."""
    return [x + alpha * dx for x, dx in zip(xs, dxs)], lam_qp.copy()


def update_penalties(rho: float, mu: float, options) -> tuple[float, float]:
    """Geometric growth of the penalties: ``rho * rho_update`` up to ``rho_max``, ``mu * mu_update`` up to
    ``mu_max`` (the last line of eq. (p3-update))."""
    if rho < options.rho_max:
        rho = min(rho * options.rho_update, options.rho_max)
    if mu < options.mu_max:
        mu = min(mu * options.mu_update, options.mu_max)
    return rho, mu
