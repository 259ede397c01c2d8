"""Local reduction of ALADIN's coupled QP: what a local solver computes where its data lives (chapter 07, "Two forms
of the QP"; cf. the condensing of ALADIN-alpha, ``alexe15/ALADIN.m`` ``src/extensions/condenseLocally.m``
and ``expandLocally.m``, and Engelmann et al. 2019).

At its local solution ``x_i`` a local solver knows its gradient ``g_i``, the Hessian of its Lagrangian ``H_i``, the
Jacobian ``C_i`` of its equality constraints (and fixed variables) and its limits (variable bounds, inequality
constraints). Every step that keeps the linearised equalities is ``dx_i = Z_i dv_i`` with ``Z_i`` an orthonormal
basis of the null space of ``C_i`` (`null_space`). The region sends (`LocalReduction.reduce`)

* ``hess_r``: the exact reduced Hessian ``Z_i' H_i Z_i`` (its upper triangle, d_i (d_i + 1) / 2 numbers; the coordinator regularises the *coupled*
  reduced Hessian, which is convex near a solution where a single region's need not be);
* ``grad_r``: the reduced gradient ``Z_i' g_i`` (d_i);
* ``AZ``: the coupling block ``A_i Z_i`` on the consensus rows the region appears in (r_i x d_i);
* ``G_r``, ``lo_r``, ``up_r``: its linearised limits near their bounds, in reduced coordinates
  (``lo_r <= G_r dv <= up_r``, k_i x d_i and 2 k_i numbers): those within ``band`` of a bound or within ``reach``
  times what the last step moved them (all of them in the first round); ``id_r`` (k_i integers): their positions
  among the region's limits, so that the coordinator can tell a limit of this round from the same one of the last
  (`forlab.p3_aladin.algorithm.qp.condensed_qp`'s ``seed``);

and keeps ``Z_i`` and its far limits. ``d_i`` = local variables - independent equalities, the degrees of freedom
left (for the AC-OPF about two per unit and per copy bus). Neither ``Z_i`` nor ``H_i``, ``C_i``, the network data
or the far limits leave it: the coordinator sees the region's curvature and gradient in an unnamed basis of its free
directions, how those directions move the coupled variables, and which combinations of them would soon hit a limit.
The coordinator answers with the region's reduced step ``dv_i`` (`forlab.p3_aladin.algorithm.qp.condensed_qp`) and
the region takes it itself (`LocalReduction.expand`): ``z_i = x_i + alpha t_i Z_i dv_i`` with ``t_i <= 1`` the largest
fraction that keeps its far limits, so that together with the near limits in the QP the new iterate never leaves
the linearised feasible set, as with the earlier coupled QP that kept every limit.

Sparse linear algebra throughout: the basis comes from a weighted bipartite matching of the constraints to variables
(the largest entries, as MC64 does), which also drops structurally dependent rows, and a sparse LU of the matched
square block, ``Z = [-B^-1 N; I]`` (permuted), then orthonormalised (a thin QR of the n_i x d_i basis); a dense
rank-revealing QR of the Jacobian is the fallback only when the matched block is numerically singular.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching


def regularize(h: np.ndarray, reg: float) -> tuple[np.ndarray, float]:
    """Positive-definite version of a symmetric matrix (eigenvalues flipped to their absolute value and raised to at
    least ``reg``: ALADIN-alpha's ``regularizeH``; Nocedal & Wright, section 3.4) and its smallest eigenvalue before
    (inf for an empty matrix)."""
    if h.shape[0] == 0:
        return h, float("inf")
    sym = 0.5 * (h + h.T)
    # only the eigenpairs below the floor change, so only they are computed (LAPACK's MRRR on the subset: about
    # half the time of all eigenvectors for the coordinator's d of a thousand) and the flip is their low-rank
    # update, sum_j (max(|w_j|, reg) - w_j) v_j v_j'
    w, v = sla.eigh(sym, subset_by_value=(-np.inf, reg), driver="evr")
    if not len(w):
        return sym, float(sla.eigvalsh(sym, subset_by_index=[0, 0])[0])
    return sym + (v * (np.maximum(np.abs(w), reg) - w)) @ v.T, float(w[0])


def _matching(c: sp.csr_matrix) -> np.ndarray:
    """Column matched to every row of ``c`` (-1 for rows that no full matching can serve: structurally dependent),
    preferring large entries: minimum total weight ``1 + log(max|c|) - log|c_rc|`` over the non-zeros."""
    w = c.copy().tocsr()
    w.data = 1.0 + np.log(np.abs(w.data).max()) - np.log(np.abs(w.data))
    try:
        rows, cols = min_weight_full_bipartite_matching(w)
        match = -np.ones(c.shape[0], int)
        match[rows] = cols
        return match
    except ValueError:  # no full matching: drop the rows a maximum matching leaves out, then weigh the rest
        structural = maximum_bipartite_matching(c.tocsr(), perm_type="column")
        keep = np.flatnonzero(structural >= 0)
        match = -np.ones(c.shape[0], int)
        if len(keep):
            match[keep] = _matching(c[keep])
        return match


def matched_rows(c: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, spla.SuperLU | None]:
    """Rows of ``c`` kept, their matched (basic) columns and the sparse LU of ``c[rows][:, basic]``; None for the LU
    when that block is singular (the caller falls back to a rank-revealing QR, `rank_revealing_qr`)."""
    c = sp.csr_matrix(c)
    c.eliminate_zeros()
    nonzero = np.flatnonzero(np.diff(c.indptr) > 0)
    match = -np.ones(c.shape[0], int)
    if len(nonzero):
        match[nonzero] = _matching(c[nonzero])
    rows = np.flatnonzero(match >= 0)
    basic = match[rows]
    if not len(rows):
        return rows, basic, None
    try:
        lu = spla.splu(c[rows][:, basic].tocsc())
    except RuntimeError:  # "Factor is exactly singular": numerically dependent despite the matching
        return rows, basic, None
    return rows, basic, lu


def rank_revealing_qr(c: sp.spmatrix, rel_tol: float, *,
                      with_q: bool = False) -> tuple[np.ndarray, int, np.ndarray | None]:
    """A column-pivoted (rank-revealing) QR of the dense ``c'``, the fallback where the matched block of
    `matched_rows` fails (`null_space` here, `forlab.p3_aladin.opf_regions.region.independent_rows` there): the
    pivot order of the rows of ``c`` (its first ``rank`` entries are independent rows), the numerical
    rank (the number of diagonal entries of R above ``rel_tol`` times the largest of them, or times 1 where the
    largest is below 1: in the units of ``c``'s entries) and, with ``with_q``, the full orthogonal Q (n x n, its
    columns from ``rank`` on an orthonormal basis of the null space of ``c``; else None). LAPACK's ``geqp3`` factors
    the same way with or without Q, so the pivots and the rank do not depend on ``with_q``."""
    out = sla.qr(c.toarray().T, mode="full" if with_q else "r", pivoting=True)
    q, r, perm = out if with_q else (None, *out)
    d = np.abs(np.diag(r))
    rank = int(np.sum(d > rel_tol * max(d.max(), 1.0))) if len(d) else 0
    return perm, rank, q


def _qr_null_space(c: sp.spmatrix) -> np.ndarray:
    """Orthonormal null-space basis by a rank-revealing QR of the dense ``c'`` (fallback of `null_space`)."""
    # 1e-10 here, 1e-9 in forlab.p3_aladin.opf_regions.region.independent_rows: both tolerances date from the first
    # ALADIN code (95fa620) without a recorded reason, and every archived run was measured with them; they are kept
    # as measured, not reconciled (a change could move the rank, and so the steps, of a region near dependence)
    _perm, rank, q = rank_revealing_qr(c, 1e-10, with_q=True)
    return q[:, rank:]


def null_space(c: sp.spmatrix) -> tuple[np.ndarray, str]:
    """Orthonormal basis ``Z`` (n x d) of the null space of a sparse Jacobian ``c`` (m x n) and how it was found:
    "lu" (matching + sparse LU of the matched block, `matched_rows`) or "qr" (dense fallback)."""
    n = c.shape[1]
    if c.shape[0] == 0:
        return np.eye(n), "lu"
    c = sp.csr_matrix(c)
    rows, basic, lu = matched_rows(c)
    if lu is None and len(rows):
        return _qr_null_space(c), "qr"
    free = np.setdiff1d(np.arange(n), basic)
    z = np.zeros((n, len(free)))
    z[free, np.arange(len(free))] = 1.0
    if len(rows) and len(free):
        z[basic] = -lu.solve(c[rows][:, free].toarray())
    # a nearly singular matched block gives a basis that does not annihilate c: use the robust QR then
    scale = max(float(np.abs(c.data).max()), 1.0) if c.nnz else 1.0
    if len(free) and np.abs(c @ z).max() > 1e-8 * scale * max(1.0, np.abs(z).max()):
        return _qr_null_space(c), "qr"
    # orthonormal columns: the eigenvalue floor of `regularize` then means the same in every basis
    return orthonormal_columns(z), "lu"


def orthonormal_columns(z: np.ndarray, max_cond2: float = 1e6) -> np.ndarray:
    """Orthonormal basis of the columns of a basis ``Z = [-B^-1 N; I]`` (permuted; `null_space`), the ``Q`` of its
    thin QR with a positive diagonal of ``R``: by Cholesky QR (``Z' Z = R' R``, ``Q = Z R^-1``; two BLAS-3 products
    instead of a Householder QR, a few times faster on a region's tall basis), by Householder QR when ``Z`` is too
    ill-conditioned for it (Cholesky QR loses orthogonality like ``cond(Z)^2``, and ``cond(Z)^2`` is at most the
    largest row sum of ``|Z' Z|`` because the identity rows keep ``Z' Z >= I``: ``max_cond2`` bounds the loss near
    1e-10)."""
    if z.shape[1] == 0:
        return z
    gram = sla.blas.dsyrk(1.0, z, trans=1, lower=0)  # upper triangle of Z' Z
    gram = np.triu(gram) + np.triu(gram, 1).T
    if np.abs(gram).sum(axis=1).max() <= max_cond2:
        try:
            r = sla.cholesky(gram, lower=False)
            return sla.solve_triangular(r, z.T, trans="T", lower=False).T
        except sla.LinAlgError:
            pass
    return np.linalg.qr(z)[0]


class LocalReduction:
    """One local solver's side of the coupled step (module docstring): `reduce` at its local solution, `expand`
    when the coordinator's reduced step arrives. What it keeps (``Z``, its far limits) never leaves it.

    Parameters:
        a_rows: the local solver's coupling matrix on its own consensus rows (``A_i[rows_i]``, sparse).
        alpha: step length of ``z = x + alpha t dx`` (ALADIN's step 4).
        band: which linearised limits go to the coordinator's QP (in reduced coordinates): those whose room at
            ``x`` is at most ``band`` (in the limit's unit) or at most ``reach`` times what the region's last step
            moved them (all of them in the first round, before any step); the others stay here and cap the step
            (`largest_fraction`). A limit the QP does not see can only shorten a step, never be crossed.
            Why ``reach`` matters: a unit with a linear cost gives the reduced Hessian (almost) no curvature along
            its output, so the QP's step along it is bounded only by the limits it sees, and one unseen limit can
            cut the whole step to a tiny fraction (issue 17: with a tenth of this reach and no `crossed_limits`
            passes, case1354pegase+case141 took a vanishing fraction of the QP's step in most rounds and stalled;
            the log's ``step_fraction``). With the coordinator's passes (``ALADINOptions.limit_passes``) a limit a
            step would cross joins the QP anyway, and the reach can be small (``ALADINOptions.limit_reach``).
        watch: which far limits the region also sends, as *watched* rows outside the QP: those a step of at most
            ``watch`` times the length of its last step could reach (`limit_distances`). The coordinator checks
            its tentative steps against them itself and brings a crossed one into the QP without asking
            (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`); only a step longer than the ``far_radius`` of
            the unwatched ones needs a `crossed_limits` round trip. 0: none (``ALADINOptions.limit_watch``).
    """

    def __init__(self, a_rows: sp.spmatrix, alpha: float = 1.0, band: float = 1e-4, reach: float = 300.0,
                 reg: float = 1e-4, watch: float = 0.0):
        self.a_rows = sp.csr_matrix(a_rows)
        self.reg = float(reg)
        self.alpha, self.band, self.reach, self.watch = float(alpha), float(band), float(reach), float(watch)
        self.reset()

    def reset(self) -> None:
        """Forget the last reduction and step (a new start)."""
        self.kept = None
        self.last_dx = None

    def reduce(self, x: np.ndarray, grad: np.ndarray, hess: sp.spmatrix, equalities: sp.spmatrix,
               limits: tuple | None = None, penalty: np.ndarray | None = None) -> dict:
        """The message of one local solver at its local solution ``x`` (module docstring).

        Implements ALADIN's step (2), chapter 07, which has no equation of its own: the region's data for
        eq. (p3-qp), reduced where it lives.

        Without ``penalty``: the reduced message ``hess_r`` (exact ``Z' H Z``, its upper triangle row by row:
        `pack_symmetric`), ``grad_r``, ``AZ``, the near limits in reduced coordinates ``G_r``, ``lo_r``, ``up_r``
        (``lo_r <= G_r dv <= up_r``). With ``penalty`` (the slack penalties of the solver's own consensus rows, this
        round's): the condensed message of `condense` instead, or only ``condensed`` = False when the locally
        condensed Hessian is not positive definite (the coordinator then asks for the reduced message,
        `reduced_message`). Always the diagnostics ``reduced_dim`` and ``null_space``.

        equalities: Jacobian of the equality constraints (sparse). limits: the linearised limits
        ``(G, lo, up)``, ``lo <= G dx <= up`` with the room to each limit at ``x`` (bounds are rows of the
        identity), or None."""
        z, how = null_space(equalities)
        hr = z.T @ (sp.csr_matrix(hess) @ z)
        msg = {"hess_r": pack_symmetric(0.5 * (hr + hr.T)), "grad_r": z.T @ np.asarray(grad, float),
               "AZ": self.a_rows @ z}
        far = None
        if limits is not None:
            g, lo, up = sp.csr_matrix(limits[0]), np.asarray(limits[1], float), np.asarray(limits[2], float)
            moved = np.abs(g @ self.last_dx) if self.last_dx is not None else np.full(len(lo), np.inf)
            close = np.minimum(up, -lo) <= np.maximum(self.band, self.reach * moved)
            near = np.flatnonzero(close & (np.isfinite(lo) | np.isfinite(up)))
            rest = np.flatnonzero(~close)
            far = FarLimits(g[rest], lo[rest], up[rest], z, self._watch_length())
            msg.update(G_r=g[near] @ z, lo_r=lo[near], up_r=up[near], id_r=near, **far.watched_rows(),
                       far_radius=far.radius())
        else:
            msg.update(G_r=np.zeros((0, z.shape[1])), lo_r=np.zeros(0), up_r=np.zeros(0), id_r=np.zeros(0, int),
                       far_radius=np.inf)
        self.kept = {"x": np.asarray(x, float).copy(), "Z": z, "far": far, "message": msg, "factor": None}
        diag = {"reduced_dim": int(z.shape[1]), "null_space": how}
        if penalty is None:
            return msg | diag
        return self.condense(hr, msg, np.asarray(penalty, float)) | diag

    def condense(self, hr: np.ndarray, msg: dict, penalty: np.ndarray) -> dict:
        """Eliminate the solver's own reduced variables (its block of the coupled QP, chapter 07, "Two forms of the
        QP"; the Schur complement of ALADIN-alpha's ``condenseLocally.m``, here with the limits kept
        as inequalities): with ``E = A_i Z_i`` (its consensus rows), ``D_i`` = ``penalty`` and the near limits as
        one-sided rows ``G dv <= h`` (`one_sided_limits`), factor ``Ht = Hr + CONDENSE_SHARE E' D_i E`` (Cholesky,
        ``F = Ht^-1``) and send

        * ``S`` = E F E' (upper triangle, r_i (r_i + 1) / 2 numbers), ``e`` = E F g_r (r_i);
        * ``V`` = E F G' (r_i x k_i), ``W`` = G F G' (upper triangle), ``f`` = G F g_r, ``h`` (k_i): the near
          limits, seen through the same inverse;
        * ``lambda_min``: the smallest eigenvalue of ``Ht`` (before regularisation).

        ``Ht`` is regularised here (eigenvalue floor ``reg``, `regularize`) when its smallest eigenvalue is below
        ``reg`` (rare: the penalty share curves the coupled directions); whether the coupled ``M`` is positive
        definite the coordinator finds out (`forlab.p3_aladin.algorithm.qp.condensed_step`). Sizes: the consensus
        rows and near limits of the region, not its free directions.
        Returns only ``condensed`` = False and ``lambda_min`` when ``Ht`` is not positive definite."""
        e_mat = np.asarray(msg["AZ"])
        ht = hr + CONDENSE_SHARE * e_mat.T @ (penalty[:, None] * e_mat)
        ht = 0.5 * (ht + ht.T)
        lmin = float(sla.eigvalsh(ht, subset_by_index=[0, 0])[0]) if ht.shape[0] else float("inf")
        if lmin < self.reg:  # the region's own directions curve downwards: regularise them here
            ht = regularize(ht, self.reg)[0]
        try:
            factor = sla.cho_factor(ht)
        except sla.LinAlgError:
            return {"condensed": False, "lambda_min": lmin}
        g, h = one_sided_limits(np.asarray(msg["G_r"]), msg["lo_r"], msg["up_r"])
        u = sla.cho_solve(factor, msg["grad_r"])
        fe, fg = sla.cho_solve(factor, e_mat.T), sla.cho_solve(factor, g.T)
        self.kept.update(factor=factor, E=e_mat, G=g, grad_r=msg["grad_r"])
        return {"condensed": True, "S": pack_symmetric(e_mat @ fe), "e": e_mat @ u, "V": e_mat @ fg,
                "W": pack_symmetric(g @ fg), "f": g @ u, "h": h, "lambda_min": lmin}

    def reduced_message(self) -> dict:
        """The reduced message of the last `reduce` (the coordinator's dense fallback), with the far radius of the
        limits still outside the QP."""
        far = self.kept["far"]
        return self.kept["message"] | {"far_radius": far.radius() if far is not None else np.inf}

    def crossed_limits(self, dv: np.ndarray, tol: float = 1e-9) -> dict:
        """The far limits that the coordinator's tentative reduced step ``dv`` would cross, in reduced coordinates
        (``G_r``, ``lo_r``, ``up_r`` as in `reduce`, ``pos`` their positions among its far limits), of those it
        did not send as watched rows (the coordinator checks those itself); they count as near from now on, so a
        later `expand` is no longer cut short by them. Empty when the whole step keeps every such limit (``tol``
        in the limit's unit, `crossing`).

        Why: a unit with a (nearly) linear cost gives the reduced Hessian no curvature along its output, so the
        QP's step along it is bounded only by the limits it sees; one unseen far limit then cuts the *whole* step
        of the region (`expand`), its coupled directions too, and the consensus jumps (issue 17: case300 in 4
        areas took under 1 % of its step in 6 of its 16 coordinator rounds). Asking for exactly the limits a step
        crosses keeps what leaves the region to limits that matter
        (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`, ``ALADINOptions.limit_passes``)."""
        far = self.kept["far"]
        if far is None:  # no limits at all
            return {"G_r": np.zeros((0, self.kept["Z"].shape[1])), "lo_r": np.zeros(0), "up_r": np.zeros(0),
                    "pos": np.zeros(0, int), "far_radius": np.inf}
        crossed = far.crossed(np.asarray(dv, float), tol)
        return {"G_r": far.gz[crossed], "lo_r": far.lo[crossed], "up_r": far.up[crossed], "pos": crossed,
                "far_radius": far.radius()}

    def _watch_length(self) -> float:
        """How far a step may reach for a far limit to be watched: ``watch`` times the last step's length (0
        before any step; every limit is near then anyway)."""
        return self.watch * float(np.linalg.norm(self.last_dx)) if self.last_dx is not None else 0.0

    def expand(self, step) -> tuple[np.ndarray, float]:
        """ALADIN step 4 for this solver: ``z = x + alpha t Z dv`` for the coordinator's answer ``step`` and the
        fraction ``t`` of the step that keeps the far limits (1 when the whole step is inside them).

        ``step`` is the reduced step ``dv``, or a dict with ``dv`` and ``joined`` (dense coordinator: the positions
        among its watched rows of those the coordinator brought into the QP, which no longer cap the step), or,
        after `condense`, a dict with ``xi`` (r_i: the prices of its consensus rows in the condensed system) and
        ``y`` (k_i: the multipliers of its near limits), from which ``dv = -Ht^-1 (g_r + E' xi + G' y)``."""
        k = self.kept
        if isinstance(step, dict) and "xi" in step:
            dv = -sla.cho_solve(k["factor"], k["grad_r"] + k["E"].T @ step["xi"] + k["G"].T @ step["y"])
        elif isinstance(step, dict):  # the dense coordinator's step and the watched limits it brought in
            dv = np.asarray(step["dv"], float)
            if k["far"] is not None:
                k["far"].join_watched(step.get("joined", ()))
        else:
            dv = np.asarray(step, float)
        dx = k["Z"] @ dv
        t = 1.0 if k["far"] is None else largest_fraction(dx, *k["far"].outside())
        self.last_dx = dx
        return k["x"] + self.alpha * t * dx, t


def limit_distances(gz: np.ndarray, lo: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Per limit ``lo_j <= gz_j dv <= up_j`` (rows in reduced coordinates): the length of the shortest reduced step
    that reaches it, ``room_j / |gz_j|`` with ``room_j`` the smaller of the row's two rooms (inf for a row no step
    moves)."""
    norms = np.linalg.norm(gz, axis=1)
    room = np.minimum(np.where(np.isfinite(up), np.maximum(up, 0.0), np.inf),
                      np.where(np.isfinite(lo), np.maximum(-lo, 0.0), np.inf))
    out = np.full(len(lo), np.inf)
    moving = norms > 0
    out[moving] = room[moving] / norms[moving]
    return out


def crossing(gd: np.ndarray, lo: np.ndarray, up: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Which limits ``lo <= g dx <= up`` a step that moves them by ``gd`` crosses, by more than ``tol`` (the
    room clipped at 0, as `one_sided_limits`): the one test of the region's `LocalReduction.crossed_limits` and of
    the coordinator's check of the watched rows (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`)."""
    return (gd > np.maximum(up, 0.0) + tol) | (gd < np.minimum(lo, 0.0) - tol)


class FarLimits:
    """A region's far limits of one round (`LocalReduction.reduce`): the linearised limits it keeps out of the QP,
    in reduced coordinates ``gz`` (the rows of ``G Z``), split into the *watched* ones (those a step no longer
    than ``watch_length`` could cross, sent to the coordinator) and the rest, and which of them have since joined
    the QP (`crossed`, `join_watched`)."""

    def __init__(self, g: sp.spmatrix, lo: np.ndarray, up: np.ndarray, z: np.ndarray, watch_length: float):
        self.g, self.lo, self.up = sp.csr_matrix(g), lo, up
        self.gz = np.asarray(self.g @ z)
        self.distance = limit_distances(self.gz, lo, up)
        self.watched = np.flatnonzero(self.distance <= watch_length)
        self.joined = np.zeros(len(lo), bool)
        self._unwatched = np.ones(len(lo), bool)
        self._unwatched[self.watched] = False

    def watched_rows(self) -> dict:
        """The watched rows as they go to the coordinator: ``G_w``, ``lo_w``, ``up_w`` and ``pos_w``, their
        positions among the far limits (by which the coordinator orders the rows it adds to the QP, as the region
        would: `crossed_limits`)."""
        w = self.watched
        return {"G_w": self.gz[w], "lo_w": self.lo[w], "up_w": self.up[w], "pos_w": w}

    def radius(self) -> float:
        """The ``far_radius`` a region sends: the radius (Euclidean, in reduced coordinates) of the ball of steps
        that cross none of its unwatched far limits not yet in the QP, the smallest of their `limit_distances`
        (``|g_j Z dv| <= |g_j Z| |dv|``; inf without any). Inside it the coordinator need not ask
        (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`): one number, which says how far the nearest of
        those limits is and nothing about which one it is. The watched ones the coordinator checks itself."""
        return float(np.min(self.distance[self._unwatched & ~self.joined], initial=np.inf))

    def crossed(self, dv: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """Positions of the unwatched limits not yet in the QP that the reduced step ``dv`` crosses (`crossing`);
        they join it."""
        cand = np.flatnonzero(self._unwatched & ~self.joined)
        out = cand[crossing(self.gz[cand] @ dv, self.lo[cand], self.up[cand], tol)]
        self.joined[out] = True
        return out

    def join_watched(self, positions) -> None:
        """The watched limits (positions among the watched rows) that the coordinator brought into the QP."""
        self.joined[self.watched[np.asarray(positions, int)]] = True

    def outside(self) -> tuple:
        """The far limits still outside the QP, as ``(G, lo, up)`` in the region's variables (they cap its step:
        `largest_fraction`)."""
        keep = np.flatnonzero(~self.joined)
        return self.g[keep], self.lo[keep], self.up[keep]


CONDENSE_SHARE = 0.5
"""Share of its rows' slack penalty a region adds to its own reduced Hessian before it condenses
(`LocalReduction.condense`); the rest stays with the coordinator (`forlab.p3_aladin.algorithm.qp.condensed_step`). Any
share makes the algebra exact; 1/2 keeps the coordinator's part ``K`` invertible for a row shared by any number of
regions (its eigenvalues are ``(m - 1/2) d`` and ``-d/2``) while giving a region the curvature that its coupled
directions (a copy bus's voltage, curved by the tie line's two ends in opposite directions) lack on their own."""


def one_sided_limits(g: np.ndarray, lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Limits ``lo <= g dv <= up`` as rows ``G dv <= h``: upper rows, then negated lower rows; the room is clipped
    at 0 (the local solution satisfies its limits up to the local solver's tolerance) and a row that is zero in
    reduced coordinates (a limit the equalities hold fixed anyway, a fixed variable) is left out."""
    g, lo, up = np.asarray(g, float), np.asarray(lo, float), np.asarray(up, float)
    iu, il = _one_sided_rows(g, lo, up)
    return np.vstack([g[iu], -g[il]]), np.concatenate([np.maximum(up[iu], 0.0), np.maximum(-lo[il], 0.0)])


def one_sided_ids(ids: np.ndarray, g: np.ndarray, lo: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Which limit and side every row of `one_sided_limits` is, as one signed number: ``id + 1`` for the upper side
    of the region's limit ``id`` (its position among all its limits, ``id_r``), ``-(id + 1)`` for the lower side;
    0 for a row whose limit has no id (one a limit pass brought in)."""
    iu, il = _one_sided_rows(np.asarray(g, float), np.asarray(lo, float), np.asarray(up, float))
    ids = np.asarray(ids, int)
    return np.concatenate([ids[iu] + 1, -(ids[il] + 1)])


def _one_sided_rows(g: np.ndarray, lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The limits with an upper and those with a lower row in `one_sided_limits` (non-zero in reduced
    coordinates, finite bound)."""
    keep = np.abs(g).sum(axis=1) > 1e-12 if g.shape[0] else np.zeros(0, bool)
    return np.flatnonzero(keep & np.isfinite(up)), np.flatnonzero(keep & np.isfinite(lo))


def pack_symmetric(m: np.ndarray) -> np.ndarray:
    """The upper triangle of a symmetric matrix, row by row (what crosses the wire: half the numbers)."""
    return m[np.triu_indices(m.shape[0])]


def unpack_symmetric(v: np.ndarray, n: int) -> np.ndarray:
    """The symmetric n x n matrix whose upper triangle `pack_symmetric` gave."""
    m = np.zeros((n, n))
    m[np.triu_indices(n)] = v
    return m + np.triu(m, 1).T


def largest_fraction(dx: np.ndarray, g: sp.spmatrix, lo: np.ndarray, up: np.ndarray, tol: float = 1e-12) -> float:
    """Largest ``t`` in [0, 1] with ``lo <= t G dx <= up`` (``lo <= 0 <= up`` up to the local solver's tolerance:
    rows already past a limit count as at the limit)."""
    gd = g @ dx
    t = 1.0
    hi, low = gd > tol, gd < -tol
    if np.any(hi & np.isfinite(up)):
        sel = hi & np.isfinite(up)
        t = min(t, float(np.min(np.maximum(up[sel], 0.0) / gd[sel])))
    if np.any(low & np.isfinite(lo)):
        sel = low & np.isfinite(lo)
        t = min(t, float(np.min(np.minimum(lo[sel], 0.0) / gd[sel])))
    return max(t, 0.0)
