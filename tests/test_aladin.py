"""P3, ALADIN: the generic algorithm on a toy consensus problem, partition properties, convergence to the centralized
optimum, Dask actors, a dying worker."""

import ast
import copy
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from forlab import opf
from forlab.book.parallel import client as dask_client
from forlab.grid import cases
from forlab.p3_aladin import (
    ITERATION_LOG,
    ADMMOptions,
    ALADINOptions,
    RegionFailed,
    algorithm,
    partition,
    run_admm,
    run_aladin,
)
from forlab.p3_aladin.algorithm.admm import admm, consensus_groups
from forlab.p3_aladin.algorithm.loop import aladin, request_fields
from forlab.p3_aladin.algorithm.problem import LocalSolverSpec
from forlab.p3_aladin.algorithm.reduction import LocalReduction
from forlab.p3_aladin.execution import busiest_worker, message_table, run
from forlab.p3_aladin.opf_regions.partition import bus_graph
from forlab.p3_aladin.opf_regions.problem import consensus_weights, proximal_weights

warnings.filterwarnings("ignore", category=FutureWarning)


# ---------------------------------------------------------------------------------------------------- generic ALADIN
class QuadraticRegion:
    """min 1/2 (x - c)' Q (x - c) s.t. C x = d, x = (u, s): the local solver of `TwoQuadratics` (exact solves)."""

    def __init__(self, c, q, A, rows, C, d):
        self.c, self.Q, self.A, self.rows = np.asarray(c, float), np.diag(q), A, rows
        self.C, self.d = sp.csr_matrix(C), np.asarray(d, float)
        self.x, self.sigma = np.zeros(len(c)), np.ones(len(c))
        self.z = self.x.copy()
        self.reduction = LocalReduction(A[rows])

    def set_start(self, x):
        self.x = np.asarray(x, float).copy()
        self.z = self.x.copy()
        self.reduction.reset()

    def set_sigma(self, sigma):
        self.sigma = np.asarray(sigma, float).copy()

    def bounds(self):
        n = len(self.c)
        return np.full(n, -100.0), np.full(n, 100.0)

    def _solve(self, lin, z, w, rho):
        """The local problem with the linear term ``lin`` and the proximal term rho/2 ||x - z||^2_diag(w)."""
        n, m = len(self.c), self.C.shape[0]
        c = self.C.toarray()
        kkt = np.block([[self.Q + rho * np.diag(w), c.T], [c, np.zeros((m, m))]])
        self.x = np.linalg.solve(kkt, np.concatenate([self.Q @ self.c - lin + rho * w * z, self.d]))[:n]
        return float(0.5 * (self.x - self.c) @ self.Q @ (self.x - self.c))

    def aladin_step(self, lam, z, rho, qp="reduced", penalty=None):
        t0 = time.perf_counter()
        if qp != "reduced":
            self.z = np.asarray(z, float)
        elif z is not None:
            self.z, _t = self.reduction.expand(z)
        cost = self._solve(self.A[self.rows].T @ lam, self.z, self.sigma, rho)
        out = {"cost": cost, "status": "solved", "n_active": 0, "nlp_iterations": 1, "nlp_s": time.perf_counter() - t0}
        if qp == "reduced":
            lb, ub = self.bounds()
            limits = (sp.eye(len(self.c), format="csr"), lb - self.x, ub - self.x)
            out |= self.reduction.reduce(self.x, self.Q @ (self.x - self.c), self.Q, self.C, limits, penalty)
            out |= {"x_c": self.x[np.unique(self.A.indices)], "step": float(np.max(np.abs(self.x - self.z)))}
        else:
            out |= {"x": self.x.copy(), "grad": self.Q @ (self.x - self.c), "hess": self.Q.copy(), "jac": self.C}
        return out | {"compute_s": time.perf_counter() - t0}

    def admm_step(self, lam, z, rho):
        t0 = time.perf_counter()
        cpl = np.unique(self.A.indices)
        lin, zz, w = np.zeros(len(self.c)), self.x.copy(), np.zeros(len(self.c))
        lin[cpl], zz[cpl], w[cpl] = lam, z, 1.0
        cost = self._solve(lin, zz, w, rho)
        return {"x_c": self.x[cpl].copy(), "cost": cost, "status": "solved", "nlp_iterations": 1,
                "nlp_s": time.perf_counter() - t0, "compute_s": time.perf_counter() - t0}

    def reduced_message(self):
        return self.reduction.reduced_message()

    def crossed_limits(self, dv):
        return self.reduction.crossed_limits(dv)

    def solution(self):
        return self.x.copy()


class TwoQuadratics:
    """Region 1: 1/2 q1 ||x1 - c1||^2; region 2: the same with u2 + s2 = 1; consensus s1 - s2 = 0."""

    ok_statuses = ("solved",)
    n_cons = 1

    def __init__(self, c1=(1.0, 2.5), q1=(1.0, 3.0), c2=(0.5, -1.0), q2=(2.0, 1.0)):
        self.names, self.info = ["left", "right"], {}
        self.c1, self.q1, self.c2, self.q2 = c1, q1, c2, q2
        self.A = [sp.csr_matrix([[0.0, 1.0]]), sp.csr_matrix([[0.0, -1.0]])]
        self.rows = [np.array([0]), np.array([0])]
        self.reference = self.optimum()[1]

    def optimum(self):
        """s* minimises 1/2 q1s (s - c1s)^2 + 1/2 q2u (1 - s - c2u)^2 + 1/2 q2s (s - c2s)^2; u1 = c1u, u2 = 1 - s*."""
        (c1u, c1s), (_q1u, q1s), (c2u, c2s), (q2u, q2s) = self.c1, self.q1, self.c2, self.q2
        s = (q1s * c1s + q2u * (1 - c2u) + q2s * c2s) / (q1s + q2u + q2s)
        x1, x2 = np.array([c1u, s]), np.array([1 - s, s])
        f = 0.5 * q1s * (s - c1s) ** 2 + 0.5 * q2u * (1 - s - c2u) ** 2 + 0.5 * q2s * (s - c2s) ** 2
        return [x1, x2], f

    def local_solvers(self, settings):
        return [LocalSolverSpec("left", QuadraticRegion, (self.c1, self.q1, self.A[0], self.rows[0], np.zeros((0, 2)),
                                                          [])),
                LocalSolverSpec("right", QuadraticRegion, (self.c2, self.q2, self.A[1], self.rows[1], [[1.0, 1.0]],
                                                           [1.0]))]

    def start(self, init):
        return [np.zeros(2), np.zeros(2)]

    def consensus_weights(self, kind):
        return np.ones(self.n_cons)

    def proximal_weights(self, kind):
        return None

    def hidden_mismatch(self, xs):
        return 0.0


@pytest.mark.parametrize("qp", ["reduced", "coupled", "kkt"])
def test_aladin_loop_solves_a_consensus_problem_without_a_grid(qp):
    problem = TwoQuadratics()
    (x1, x2), f_star = problem.optimum()
    assert f_star > 0 and x1[1] == pytest.approx(1.25)
    r = run(aladin, problem, ALADINOptions(qp=qp, eps=1e-10))
    assert r.converged, r.status
    assert r.iterations <= 10 and r.mode == "inprocess" and r.regions == ["left", "right"]
    np.testing.assert_allclose(r.xs[0], x1, atol=1e-9)
    np.testing.assert_allclose(r.xs[1], x2, atol=1e-9)
    assert r.objective == pytest.approx(f_star, rel=1e-9)
    assert r.log.consensus.iloc[-1] <= 1e-10 and r.log.power_mismatch.eq(0.0).all()


def test_condensing_regions_solve_the_consensus_problem():
    """The condensed coordinator (regions eliminate their own reduced variables) reaches the same optimum, and the
    coordinator then sees only the condensed fields, never a reduced Hessian or coupling block."""
    problem = TwoQuadratics()
    (x1, x2), _f_star = problem.optimum()
    r = run(aladin, problem, ALADINOptions(eps=1e-10, condense=True))
    assert r.converged, r.status
    np.testing.assert_allclose(r.xs[0], x1, atol=1e-9)
    np.testing.assert_allclose(r.xs[1], x2, atol=1e-9)
    assert set(r.log.qp_path.iloc[:-1]) == {"condensed"}
    assert {"S", "e", "V", "W", "f", "h", "mu"} <= set(r.messages.field)
    assert not {"hess_r", "AZ", "grad_r"} & set(r.messages.field)


def test_request_fields_are_what_the_coordinator_sends():
    """The request's field list is the one sent: ``mu`` only with ``condense``, and a request with a field the list
    does not name is refused by the message table instead of dropped from it."""
    problem = TwoQuadratics()
    assert "mu" not in request_fields("reduced", False) and request_fields("reduced", True)[-1] == "mu"
    r = run(aladin, problem, ALADINOptions(eps=1e-10))
    assert set(r.messages.field[r.messages.direction == "coordinator -> region"]) == {"lambda", "dv", "rho", "qp"}
    with pytest.raises(ValueError):
        message_table([(1.0, None, 2.0, "reduced", 3.0)], [{}], ["left"], ["lambda", "dv", "rho", "qp"], [])


def test_condensed_step_is_the_dense_reduced_qp():
    """With positive definite reduced Hessians the step from the regions' condensed messages (Woodbury in the
    consensus rows, the near limits by their dual) equals the dense reduced QP's, active limits included."""
    from forlab.p3_aladin.algorithm import qp as coordinator

    rng = np.random.default_rng(0)
    n_cons, rows = 4, [np.array([0, 1, 2]), np.array([0, 1, 3]), np.array([2, 3])]
    mu = rng.uniform(10.0, 100.0, n_cons)
    dense, condensed, local = [], [], []
    for r in rows:
        a_rows = sp.csr_matrix(rng.normal(size=(len(r), 7)) * (rng.uniform(size=(len(r), 7)) < 0.6))
        h = rng.normal(size=(7, 7))
        args = (rng.normal(size=7), rng.normal(size=7), h @ h.T + 0.5 * np.eye(7), sp.csr_matrix(rng.normal(size=(2, 7))),
                (sp.csr_matrix(rng.normal(size=(3, 7))), -rng.uniform(0, 0.05, 3), rng.uniform(0, 0.05, 3)))
        dense.append(LocalReduction(a_rows).reduce(*args))
        local.append(LocalReduction(a_rows))
        condensed.append(local[-1].reduce(*args, penalty=mu[r]))
    ax, lam = 0.1 * rng.normal(size=n_cons), rng.normal(size=n_cons)
    dvs, lam_dense, diag = coordinator.condensed_qp(dense, rows, n_cons, ax, lam, mu, 1e-4)
    steps, lam_cond, cdiag = coordinator.condensed_step(condensed, rows, n_cons, ax, lam, mu)
    assert diag["newton"] == 1.0 and cdiag["qp_rows"] == diag["qp_rows"] > 0
    np.testing.assert_allclose(lam_cond, lam_dense, atol=1e-8)
    for red, dv, step in zip(local, dvs, steps):
        assert np.any(step["y"] > 0)  # some limit is active in every region here
        z, _t = red.expand(step)
        np.testing.assert_allclose(z, red.kept["x"] + red.kept["Z"] @ dv, atol=1e-9)


def _shared_row_replies(rng: np.random.Generator, n: int, k: int, room: float, hessian) -> list[dict]:
    """The reduced messages of two regions that share both consensus rows, each with ``n`` variables, one equality,
    ``k`` limits within ``room`` of their bounds and the Hessian ``hessian(h)`` of a random square ``h``."""
    replies = []
    for _ in range(2):
        h = rng.normal(size=(n, n))
        args = (rng.normal(size=n), rng.normal(size=n), hessian(h), sp.csr_matrix(rng.normal(size=(1, n))),
                (sp.csr_matrix(rng.normal(size=(k, n))), -rng.uniform(0, room, k), rng.uniform(0, room, k)))
        replies.append(LocalReduction(sp.csr_matrix(rng.normal(size=(2, n)))).reduce(*args))
    return replies


def test_the_limit_passes_of_a_round_regularise_its_hessian_once(monkeypatch):
    """A pass adds limits to a QP already solved: with the round's ``memo`` the coupled reduced Hessian (here with a
    negative eigenvalue, so the eigenvalue flip runs) is regularised by the first solve only, and every solve gives
    the step it gives without the memo."""
    from forlab.p3_aladin.algorithm import qp as coordinator

    rng = np.random.default_rng(3)
    n_cons, rows = 2, [np.array([0, 1]), np.array([0, 1])]
    replies = _shared_row_replies(rng, 5, 3, 0.05, lambda h: 0.5 * (h + h.T) - 3.0 * np.eye(5))
    more = [r | {"G_r": np.vstack([r["G_r"], rng.normal(size=(2, r["G_r"].shape[1]))]),
                 "lo_r": np.concatenate([r["lo_r"], [-0.01, -0.01]]), "up_r": np.concatenate([r["up_r"], [0.01, 0.01]])}
            for r in replies]
    ax, lam, mu = 0.1 * rng.normal(size=n_cons), rng.normal(size=n_cons), np.full(n_cons, 50.0)
    flips = []
    flip = coordinator.regularize
    monkeypatch.setattr(coordinator, "regularize", lambda m, reg: flips.append(1) or flip(m, reg))
    alone = [coordinator.condensed_qp(r, rows, n_cons, ax, lam, mu, 1e-4) for r in (replies, more)]
    assert len(flips) == 2 and all(a[2]["lambda_min"] < 0 for a in alone)
    memo = {}
    shared = [coordinator.condensed_qp(r, rows, n_cons, ax, lam, mu, 1e-4, memo=memo) for r in (replies, more)]
    assert len(flips) == 3
    for (dvs, lam_qp, _d), (dvs_m, lam_m, _dm) in zip(alone, shared):
        np.testing.assert_array_equal(lam_m, lam_qp)
        for dv, dv_m in zip(dvs, dvs_m):
            np.testing.assert_array_equal(dv_m, dv)


def test_an_exact_hessian_step_skips_the_face_newton_refinement(monkeypatch):
    """When the coupled reduced Hessian needs no regularisation the least-distance QP's step is already the exact
    Newton step on the face of its active limits: `condensed_qp` returns it without refining it (``newton`` 1), and
    the refinement would give the same step."""
    from forlab.p3_aladin.algorithm import qp

    rng = np.random.default_rng(5)
    n_cons, rows = 2, [np.array([0, 1]), np.array([0, 1])]
    replies = _shared_row_replies(rng, 6, 4, 0.01, lambda h: h @ h.T + np.eye(6))
    ax, lam, mu = 0.1 * rng.normal(size=n_cons), rng.normal(size=n_cons), np.full(n_cons, 50.0)
    refined = []
    monkeypatch.setattr(qp, "newton_on_face", lambda *a, **k: refined.append(a) or (a[4], 1.0))
    dvs, _lam_qp, diag = qp.condensed_qp(replies, rows, n_cons, ax, lam, mu, 1e-4)
    assert diag["lambda_min"] > 1e-4 and diag["newton"] == 1.0 and not refined
    monkeypatch.undo()
    B, hr, g, offs = qp.coupling_blocks(replies, rows, n_cons)
    G, hl = qp.limit_blocks(replies, offs)
    dv = np.concatenate(dvs)
    assert np.sum(G @ dv >= hl - 1e-9) > 0  # some limit binds the step
    m = hr + (B.T @ (mu[:, None] * B.toarray()))
    again, fraction = qp.newton_on_face(m, g + B.T @ (lam + mu * ax), G.toarray(), hl, dv, 1e-4)
    assert fraction == 1.0
    np.testing.assert_allclose(again, dv, atol=1e-9)


def test_the_newton_refinement_takes_a_face_that_is_positive_definite_below_the_regularisation_floor(monkeypatch):
    """Near a solution the faces of large transmission regions are positive definite but nearly flat (issue 17:
    least eigenvalues of 2e-6 to 9e-5 on 1654-5 and 118X10): the exact Newton step on such a face is taken with the
    face floor ``face_reg`` and refused with the regularisation's floor ``reg``; `condensed_qp` hands the refinement
    ``face_reg`` (``reg`` when it has none)."""
    from forlab.p3_aladin.algorithm import qp

    # min 1/2 dv' m dv + q' dv s.t. dv_0 <= 0.1, m = diag(-1, 1e-5, 2): the negative curvature is blocked by the
    # limit; on its face the Hessian is diag(1e-5, 2), whose Newton step is (0.1, -0.1, 0.5)
    m, q = np.diag([-1.0, 1e-5, 2.0]), np.array([-1.0, 1e-6, -1.0])
    G, h, dv = np.array([[1.0, 0.0, 0.0]]), np.array([0.1]), np.array([0.1, 0.0, 0.4])
    assert qp.newton_on_face(m, q, G, h, dv, 1e-4) == (dv, 0.0)
    step, fraction = qp.newton_on_face(m, q, G, h, dv, 1e-6)
    assert fraction == 1.0
    np.testing.assert_allclose(step, [0.1, -0.1, 0.5], atol=1e-12)
    assert ALADINOptions().face_reg < ALADINOptions().reg
    with pytest.raises(ValueError, match="face_reg"):
        ALADINOptions(face_reg=0.0)
    rng = np.random.default_rng(3)
    n_cons, rows = 2, [np.array([0, 1]), np.array([0, 1])]
    replies = _shared_row_replies(rng, 5, 3, 0.05, lambda h: 0.5 * (h + h.T) - 3.0 * np.eye(5))
    ax, lam, mu = 0.1 * rng.normal(size=n_cons), rng.normal(size=n_cons), np.full(n_cons, 50.0)
    floors = []
    monkeypatch.setattr(qp, "newton_on_face", lambda m, q, G, h, dv, reg: floors.append(reg) or (dv, 0.0))
    qp.condensed_qp(replies, rows, n_cons, ax, lam, mu, 1e-4, face_reg=1e-6)
    qp.condensed_qp(replies, rows, n_cons, ax, lam, mu, 1e-4)
    assert floors == [1e-6, 1e-4]


def test_the_flip_by_regions_flips_every_region_alone_and_leaves_the_coupling():
    """`ALADINOptions.region_flip`: where more than that share of the free directions lie below ``reg``, the
    coordinator flips every region's exact reduced Hessian on its own and keeps the coupling ``B' D B`` as it is
    (positive definite by construction); at or below the share, and with the default share 1, it flips the coupled
    matrix as a whole."""
    from forlab.p3_aladin.algorithm import qp
    from forlab.p3_aladin.algorithm.reduction import regularize

    rng = np.random.default_rng(7)
    dims, reg = [4, 5, 3], 1e-4
    offs = np.cumsum([0, *dims])
    blocks = [0.5 * (a + a.T) for a in (rng.normal(size=(n, n)) for n in dims)]  # indefinite
    hr = sla.block_diag(*blocks)
    b = rng.normal(size=(2, offs[-1]))
    m_exact = hr + b.T @ (30.0 * b)
    below = int(np.sum(np.linalg.eigvalsh(m_exact) < reg))
    assert 0 < below < offs[-1]
    m, lmin = qp._regularized(m_exact, reg, hr, offs, 0.0)
    assert lmin == pytest.approx(np.linalg.eigvalsh(m_exact)[0])
    assert np.linalg.eigvalsh(m).min() > 0
    np.testing.assert_allclose(m - b.T @ (30.0 * b), sla.block_diag(*[regularize(k, reg)[0] for k in blocks]),
                               atol=1e-10)
    share = below / offs[-1]
    for coupled in (qp._regularized(m_exact, reg, hr, offs, share), qp._regularized(m_exact, reg, hr, offs),
                    qp._regularized(m_exact, reg)):
        np.testing.assert_allclose(coupled[0], regularize(m_exact, reg)[0], atol=1e-12)
    assert ALADINOptions().region_flip == 1.0


def test_aladin_with_the_flip_by_regions_in_its_first_rounds_converges_case118(monkeypatch):
    """With ``region_flip=0.1`` the coordinator flips region by region while many directions lie below ``reg``
    (the first rounds) and as a whole after; case118 in 3 areas still converges to the centralized optimum."""
    from forlab.p3_aladin.algorithm import qp

    net = cases.load("case118")
    used = []
    flip = qp._flipped_by_regions
    monkeypatch.setattr(qp, "_flipped_by_regions", lambda *a: used.append(1) or flip(*a))
    r = run_aladin(net, partition(net, "spectral", 3), ALADINOptions(region_flip=0.1),
                   reference=opf.solve(net).objective)
    assert r.converged, r.status
    assert r.gap < 1e-4 and r.consensus < 1e-6
    assert 0 < len(used) < r.iterations - 1  # both flips were used


def test_the_face_solve_region_by_region_is_the_minimiser_on_the_face():
    """`face_newton` works block by block (a region's limits move only its own free directions; one block has no
    limit at all): on a face built with a known minimiser and positive multipliers it returns that minimiser, the
    solution of the face's whole KKT system; with one multiplier made negative, or a Hessian that is not positive
    definite on the face, it returns None."""
    from forlab.p3_aladin.algorithm import qp

    rng = np.random.default_rng(11)
    sizes, counts = [6, 9, 5, 7], [3, 5, 0, 2]  # free directions and limits of four regions
    offs, n = np.cumsum([0, *sizes]), sum(sizes)
    W = np.zeros((sum(counts), n))
    for b, (first, k) in enumerate(zip(np.cumsum([0, *counts]), counts)):
        W[first:first + k, offs[b]:offs[b + 1]] = rng.normal(size=(k, sizes[b]))
    W = W[rng.permutation(len(W))]
    a = rng.normal(size=(n, n))
    m = a @ a.T / n + 0.1 * np.eye(n)
    x, nu = rng.normal(size=n), rng.uniform(0.5, 1.0, len(W))
    q, hw = -(m @ x + W.T @ nu), W @ x
    k = len(W)
    kkt = np.linalg.solve(np.block([[m, W.T], [W, np.zeros((k, k))]]), np.concatenate([-q, hw]))
    np.testing.assert_allclose(kkt[n:], nu, atol=1e-9)
    np.testing.assert_allclose(qp.face_newton(m, q, W, hw, 1e-6), x, atol=1e-9)
    nu[0] = -0.5
    assert qp.face_newton(m, -(m @ x + W.T @ nu), W, hw, 1e-6) is None
    assert qp.face_newton(m - 10.0 * np.eye(n), q, W, hw, 1e-6) is None


def test_a_least_distance_step_off_its_face_by_a_hair_is_polished_not_handed_to_the_interior_point(monkeypatch):
    """NNLS leaves some active limits violated by a few 1e-8 on large transmission regions (issue 17: 1654-5): the
    coordinator then solves the same QP on the face of the step's active limits (`polished_on_face`), which is the
    QP's exact step, instead of the interior point; a step whose face is not the QP's still goes to the interior
    point."""
    from forlab.p3_aladin.algorithm import qp

    rng = np.random.default_rng(5)
    n_cons, rows = 2, [np.array([0, 1]), np.array([0, 1])]
    replies = _shared_row_replies(rng, 6, 4, 0.01, lambda h: h @ h.T + np.eye(6))
    ax, lam, mu = 0.1 * rng.normal(size=n_cons), rng.normal(size=n_cons), np.full(n_cons, 50.0)
    exact = np.concatenate(qp.condensed_qp(replies, rows, n_cons, ax, lam, mu, 1e-4)[0])
    offs = qp.coupling_blocks(replies, rows, n_cons)[3]
    G, hl = qp.limit_blocks(replies, offs)
    active = G @ exact >= hl - 1e-9
    assert active.any()
    hair = 3e-8 * G.toarray()[active].sum(axis=0)  # pushes the active limits past their bound
    assert np.max(G @ (exact + hair) - hl) > 1e-8
    ldp, interior = qp._ldp, []
    monkeypatch.setattr(qp, "_ldp", lambda *a: ldp(*a) + hair)
    monkeypatch.setattr(qp, "interior_point_qp", lambda *a, **k: interior.append(1) or (exact, "Solved"))
    dvs, _lam_qp, diag = qp.condensed_qp(replies, rows, n_cons, ax, lam, mu, 1e-4)
    assert not interior and diag["qp_status"] == "Solved" and diag["newton"] == 1.0
    np.testing.assert_allclose(np.concatenate(dvs), exact, atol=1e-12)
    assert np.all(G @ np.concatenate(dvs) <= hl + 1e-12)
    # min |dv|^2 / 2 + (-2, 1)' dv s.t. x <= 1, y <= 0 has its step at (1, -1); a step at (1 + 3e-8, 0) holds y <= 0
    # at its bound too, whose multiplier on that face is negative: not the QP's face, so no polished step
    G2, h2 = np.eye(2), np.array([1.0, 0.0])
    assert qp.polished_on_face(np.eye(2), np.array([-2.0, 1.0]), G2, h2, np.array([1.0 + 3e-8, 0.0]), 1e-4) is None
    np.testing.assert_allclose(qp.polished_on_face(np.eye(2), np.array([-2.0, 1.0]), G2, h2,
                                                   np.array([1.0 + 3e-8, -1.0]), 1e-4), [1.0, -1.0], atol=1e-15)


def test_admm_residual_balancing_stops_at_rho_max():
    """rho doubles while the consensus violation dominates, up to ``rho_max`` and no further (without the cap it
    reached 1e30 on case300 in 4 areas, where every local NLP then failed); it halves in the opposite case."""
    from forlab.p3_aladin.algorithm.admm import balance_residuals

    opts = ADMMOptions(rho=1e3, rho_max=4e3)
    rho = opts.rho
    for _ in range(5):
        rho = balance_residuals(rho, primal=1.0, dual=0.0, options=opts)
    assert rho == 4e3
    assert balance_residuals(4e3, primal=0.0, dual=1.0, options=opts) == 2e3


def test_admm_on_a_consensus_problem_without_a_grid():
    problem = TwoQuadratics()
    groups = consensus_groups(problem.A)
    assert [list(c) for c, _g in groups] == [[1], [1]] and [list(g) for _c, g in groups] == [[0], [0]]
    r = run(admm, problem, ADMMOptions(rho=1.0, eps=1e-8, eps_dual=1e-8, max_iter=500))
    assert r.converged, r.status
    (x1, x2), _f_star = problem.optimum()
    np.testing.assert_allclose(r.xs[0], x1, atol=1e-6)
    np.testing.assert_allclose(r.xs[1], x2, atol=1e-6)
    with pytest.raises(ValueError, match="x_a - x_b"):
        consensus_groups([sp.csr_matrix([[1.0, 1.0]]), sp.csr_matrix([[1.0]])])


def test_a_reference_optimum_of_zero_gives_no_gap_and_no_crash():
    """Review finding: a reference of exactly 0 divided the gap by zero inside round 1 (ALADIN and ADMM raised
    ZeroDivisionError). No reference, nan or 0, is no yardstick for a relative gap: every gap is nan, the run itself
    is untouched (the gap never enters a step)."""
    problem = TwoQuadratics(c1=(1.0, 0.5), c2=(0.5, 0.5))
    assert problem.reference == 0.0
    for alg, opts in ((aladin, ALADINOptions(eps=1e-10)),
                      (admm, ADMMOptions(rho=1.0, eps=1e-8, eps_dual=1e-8, max_iter=500))):
        r = run(alg, problem, opts)
        assert r.converged, (r.algorithm, r.status)
        assert r.objective == pytest.approx(0.0, abs=1e-12)
        assert np.isnan(r.gap) and r.log.gap.isna().all(), r.algorithm
    # the one rule of the loop, ADMM and the result
    from forlab.p3_aladin.algorithm.result import relative_gap

    assert np.isnan(relative_gap(1.0, 0.0)) and np.isnan(relative_gap(1.0, float("nan")))
    assert relative_gap(3.0, -2.0) == 2.5  # any other reference: |objective - reference| / |reference|, as before


def test_the_algorithm_knows_no_power_system():
    """`forlab.p3_aladin.algorithm` imports neither the AC-OPF regions nor any power-system layer."""
    for path in Path(algorithm.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                assert not any(bad in name for bad in ("opf", "grid", "pandapower", "casadi")), (path.name, name)


@pytest.fixture(scope="module")
def case9():
    net = cases.load("case9")
    return net, opf.solve(net)


def test_a_spectral_partition_does_not_hang_on_rounding(monkeypatch):
    """case300 in 4 areas splits through buses that share one Fiedler value: with noise at the last digits of the
    eigenvectors (what another BLAS thread count gives) the areas stay the same, and tied buses go by bus number."""
    from forlab.p3_aladin.opf_regions import partition as module

    assert module._fiedler_order(np.array([0.5, 0.1, 0.5, 0.5]), np.array([9, 3, 2, 4])).tolist() == [1, 2, 3, 0]
    net = cases.load("case300")
    model = partition(net, "spectral", 4).model
    clean = module.spectral_areas(model, 4)
    exact = module._fiedler
    rng = np.random.default_rng(0)
    monkeypatch.setattr(module, "_fiedler", lambda adj: (v := exact(adj)) * (1.0 + 1e-14 * rng.standard_normal(len(v))))
    for _ in range(3):
        np.testing.assert_array_equal(module.spectral_areas(model, 4), clean)


def _centralized_split(part, res):
    m = part.model
    va = np.deg2rad(res.res_bus.loc[m.bus_pd, "va_degree"].to_numpy())
    vm = res.res_bus.loc[m.bus_pd, "vm_pu"].to_numpy()
    nb, ng = m.nb, m.ng
    return part.split(va, vm, res.x[2 * nb:2 * nb + ng], res.x[2 * nb + ng:2 * nb + 2 * ng])


@pytest.mark.parametrize(("name", "k"), [("case9", 3), ("case118", 3)])
def test_partition_properties(name, k):
    net = cases.load(name)
    part = partition(net, "spectral", k)
    m = part.model
    # every bus is a core bus of exactly one region
    cores = np.concatenate([r.bus_global[:r.n_core] for r in part.regions])
    assert np.array_equal(np.sort(cores), np.arange(m.nb))
    # the areas are connected and balanced
    adj = bus_graph(m)
    sizes = []
    for r in part.regions:
        core = r.bus_global[:r.n_core]
        assert connected_components(adj[core][:, core], directed=False)[0] == 1
        sizes.append(len(core))
    assert max(sizes) <= np.ceil(m.nb / k * 1.1)
    # every consensus row equates one copy with one core: +1 and -1
    total = sum(abs(r.A).sum(axis=1).A.ravel() for r in part.regions)
    assert np.all(total == 2)
    # every unit belongs to one region, only the global slack fixes an angle
    units = np.concatenate([r.unit_global for r in part.regions])
    assert np.array_equal(np.sort(units), np.arange(m.ng))
    assert sum(len(r.model.ref) for r in part.regions) == len(m.ref)
    # the consensus holds at the centralized optimum
    res = opf.solve(net)
    assert abs(part.residual(_centralized_split(part, res))).max() < 1e-12


def test_every_branch_end_is_limited_by_exactly_one_region():
    net = cases.load("case118")
    part = partition(net, "spectral", 3)
    m = part.model
    count_f, count_t = np.zeros(m.nl, int), np.zeros(m.nl, int)
    for r in part.regions:
        np.add.at(count_f, r.branch_global, r.limit_from)
        np.add.at(count_t, r.branch_global, r.limit_to)
        # a region limits only the ends at its own core buses
        core = set(r.bus_global[:r.n_core])
        assert all(m.f[b] in core for b in r.branch_global[r.limit_from])
        assert all(m.t[b] in core for b in r.branch_global[r.limit_to])
    limited = np.isfinite(m.rate)
    assert np.array_equal(count_f, limited.astype(int)) and np.array_equal(count_t, limited.astype(int))


def test_consensus_weights_follow_the_power_a_residual_hides():
    from forlab.grid import td

    net = td.load_system("case9+case33bw").integrated()
    part = partition(net, "zone")
    w = consensus_weights(part, "admittance")
    y_typ = np.median(np.abs(part.model.yft))
    y = part.consensus.tie_admittance.to_numpy()
    np.testing.assert_allclose(w, np.maximum(1.0, y / y_typ))
    assert w.min() > 1.0  # a DS feeder scaled to its TS bus is stiffer than the median branch
    assert np.all(consensus_weights(part, "none") == 1.0)
    sig = proximal_weights(part, w)
    for r, (s,) in zip(part.regions, sig):
        assert s.shape == (r.n_x,)
        assert np.all(s[r.coupled] > 1.0) and np.all(np.delete(s, r.coupled) == 1.0)
    assert np.array_equal(consensus_weights(part, "auto"), w)  # "auto" scales a T+D zone partition
    tx = partition(cases.load("case9"), "spectral", 3)
    assert consensus_weights(tx, "admittance").max() < 10.0
    assert np.all(consensus_weights(tx, "auto") == 1.0)  # and leaves transmission areas unscaled


def test_auto_row_weights_follow_the_zone_partition_and_the_limit_settings_the_t_and_d_test():
    """Review finding (documented, not changed: chapter 07's archived runs were made so): "auto" weighs the
    consensus rows by admittance on every partition by zone, the rapidPF multi-region systems included, while the
    "auto" limit settings treat those as transmission grids (`is_td_partition`); `auto_scaling`,
    `ALADINOptions.consensus_weight` and `auto_limits` say so."""
    from forlab.grid import multiregion
    from forlab.p3_aladin.opf_regions.problem import auto_limits, auto_scaling, is_td_partition

    rapid = partition(multiregion.load("53-I"), "zone")
    assert rapid.method == "zone" and not is_td_partition(rapid)
    assert auto_scaling(rapid, "auto") == "admittance" and auto_limits(rapid)["limit_passes"] == 10
    w = consensus_weights(rapid, "auto")
    assert np.array_equal(w, consensus_weights(rapid, "admittance")) and w.min() > 1.0  # about 30 on every row
    assert auto_scaling(partition(cases.load("case9"), "spectral", 3), "auto") == "none"


def test_aladin_converges_on_a_t_and_d_system():
    from forlab.grid import td

    net = td.load_system("case9+case33bw").integrated()
    ref = opf.solve(net).objective
    r = run_aladin(net, partition(net, "zone"), reference=ref)
    assert r.converged, r.status
    ok = r.log[(r.log.consensus <= 1e-6) & (r.log.gap <= 1e-4)]
    assert len(ok) and ok.index[0] <= 30
    assert r.gap < 1e-4 and r.consensus < 1e-6
    # ALADIN-alpha's unscaled consensus (Sigma = I, one mu) does not get there within 15 iterations
    plain = run_aladin(net, partition(net, "zone"), ALADINOptions(max_iter=15, consensus_weight="none",
                                                                   sigma="none"), reference=ref)
    assert ok.index[0] < plain.iterations or not plain.converged


def test_aladin_converges_case9(case9):
    net, res = case9
    r = run_aladin(net, partition(net, "spectral", 3), reference=res.objective)
    assert r.converged, r.status
    assert r.iterations <= 30
    assert r.gap < 1e-4 and r.consensus < 1e-6
    log = r.log
    timing = ["local_s", "reduction_s", "coordinator_s", "communication_s", "round_wall_s"]
    assert set(timing + ["nlp_ok", "qp_status", "mu", "rho", "lambda_min", "bytes_up", "bytes_down"]) <= set(log.columns)
    assert (log[timing] >= 0).all().all() and (log.round_wall_s >= log.coordinator_s).all()
    assert (log.bytes_up > 0).all() and log.nlp_ok.all() and log.lambda_min.iloc[:-1].notna().all()
    # review K #3: the log writes every time once, under ITERATION_LOG's names (no copies "for older readers")
    assert set(log.columns) <= set(ITERATION_LOG) | {"iter_s"} and not {"nlp_s", "qp_s", "comm_s"} & set(log.columns)
    # what crosses the wire: reduced quantities only, never a local solution, Hessian or Jacobian
    assert set(r.messages.field) == {"lambda", "dv", "rho", "qp", "x_c", "cost", "step", "hess_r", "grad_r", "AZ",
                                     "G_r", "lo_r", "up_r", "id_r", "G_w", "lo_w", "up_w", "pos_w", "far_radius"}
    # the earlier coupled QP (Jacobians sent whole) reaches the same solution
    old = run_aladin(net, partition(net, "spectral", 3), ALADINOptions(qp="coupled"), reference=res.objective)
    assert old.converged and {"hess", "jac", "x"} <= set(old.messages.field)
    for a, b in zip(r.xs, old.xs):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_dask_actors_give_the_inprocess_iterates(case9):
    net, res = case9
    part = partition(net, "spectral", 3)
    opts = ALADINOptions(max_iter=6)
    local = run_aladin(net, part, opts, reference=res.objective)
    with dask_client(n_workers=2) as c:
        remote = run_aladin(net, part, opts, reference=res.objective, client=c, mode="dask")
    assert remote.mode == "dask" and len(set(remote.workers)) == 2
    assert remote.iterations == local.iterations
    for a, b in zip(local.xs, remote.xs):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(local.log.consensus.to_numpy(), remote.log.consensus.to_numpy())


def test_dask_agents_give_the_largest_solver_a_worker_of_its_own():
    """Solvers are placed by their size, largest first, each on the least loaded worker (not round-robin, which
    would put the largest and the third on one worker)."""
    from forlab.p3_aladin.execution import DaskAgents

    specs = [LocalSolverSpec(name, dict, (), {}, size=size) for name, size in [("big", 5.0), ("a", 3.0), ("b", 3.0)]]
    with dask_client(n_workers=2) as c:
        agents = DaskAgents(c, specs)
        try:
            assert agents.workers[1] == agents.workers[2] != agents.workers[0]
        finally:
            agents.close()


def test_a_round_costs_its_busiest_worker():
    """Regions that share a worker run one after the other: the round's compute time is that worker's sum."""
    assert busiest_worker([0.1, 0.2, 0.4], ["w1", "w1", "w2"]) == pytest.approx(0.4)
    assert busiest_worker([0.3, 0.2, 0.4], ["w1", "w1", "w2"]) == pytest.approx(0.5)
    assert busiest_worker([0.3, 0.2], ["local", "local"]) == pytest.approx(0.5)  # in-process: the sum


def test_killed_worker_ends_the_run_with_the_region_named(case9):
    net, res = case9
    part = partition(net, "spectral", 3)
    with dask_client(n_workers=2) as c:
        pids = c.run(os.getpid)

        def kill_after_first(it, _row):
            if it == 1:
                os.kill(pids[min(pids)], signal.SIGKILL)

        t0 = time.perf_counter()
        with pytest.raises(RegionFailed, match=r"regions? 'area\d'.*worker"):
            run_aladin(net, part, ALADINOptions(timeout_s=60), reference=res.objective, client=c, mode="dask",
                       callback=kill_after_first)
        assert time.perf_counter() - t0 < 60


def test_admm_on_the_same_partition(case9):
    net, res = case9
    r = run_admm(net, partition(net, "spectral", 3), ADMMOptions(max_iter=40), reference=res.objective)
    assert r.algorithm == "admm" and r.iterations >= 1
    assert r.log.consensus.iloc[-1] < r.log.consensus.iloc[0]
    assert set(r.log.columns) <= set(ITERATION_LOG) and r.log.coordinator_s.notna().all()  # ALADIN's names only
    assert set(r.messages.field) == {"y", "z", "rho", "x_c", "cost"}


def test_modes_are_checked(case9):
    net, res = case9
    with pytest.raises(ValueError, match="wan"):
        run_aladin(net, reference=res.objective, mode="wan")
    with pytest.raises(ValueError, match="mode must be"):
        run_aladin(net, reference=res.objective, mode="cloud")


class FailingRegion(QuadraticRegion):
    """A local solver that finds the right point but reports its NLP as failed (as Ipopt can, e.g. on NaN data)."""

    def aladin_step(self, lam, z, rho, qp="reduced", penalty=None):
        return super().aladin_step(lam, z, rho, qp, penalty) | {"status": "Invalid_Number_Detected"}


class OneFailing(TwoQuadratics):
    def local_solvers(self, settings):
        left, right = super().local_solvers(settings)
        return [left, LocalSolverSpec("right", FailingRegion, right.args)]


def test_aladin_never_converges_on_a_failed_local_nlp():
    r = run(aladin, OneFailing(), ALADINOptions(eps=1e-10, max_iter=8))
    assert not r.converged and r.status == "max_iter"
    assert not r.log.nlp_ok.any() and r.log.consensus.iloc[-1] <= 1e-10  # it would have stopped on consensus alone
    assert set(r.log.qp_status) == {"solved"}


def test_qp_status_is_logged_every_round():
    r = run(aladin, TwoQuadratics(), ALADINOptions(eps=1e-10))
    assert r.converged and r.log.qp_status.iloc[-1] == "not run" and set(r.log.qp_status.iloc[:-1]) == {"solved"}


def test_a_coordinator_that_cannot_factor_its_qp_ends_the_run_as_a_result(monkeypatch):
    """A linear-algebra failure in the coordinator is the run's recorded status, not a crash; a region that fails to
    answer the coordinator still ends the run with its name."""
    from forlab.p3_aladin.algorithm import qp as coordinator
    from forlab.p3_aladin.execution import RegionFailed

    def not_positive_definite(*args, **kwargs):
        raise np.linalg.LinAlgError("2-th leading minor of the array is not positive definite")

    monkeypatch.setattr(coordinator, "condensed_qp", not_positive_definite)
    r = run(aladin, TwoQuadratics(), ALADINOptions(eps=1e-10))
    assert not r.converged and r.status.startswith("qp_failed") and "positive definite" in r.status

    def region_lost(*args, **kwargs):
        raise RegionFailed("region 'left': crossed_limits raised KilledWorker")

    monkeypatch.setattr(coordinator, "condensed_qp", region_lost)
    with pytest.raises(RegionFailed, match="left"):
        run(aladin, TwoQuadratics(), ALADINOptions(eps=1e-10))
    assert coordinator.least_distance_qp(-np.eye(2), np.ones(2), sp.csr_matrix(np.eye(2)), np.ones(2)) is None


def test_sparse_null_space_matches_a_dense_qr():
    """The matching + sparse LU basis spans the null space a rank-revealing QR finds; structurally dependent rows
    (one variable fixed twice) are dropped by the matching, numerically dependent ones (a row that is the sum of
    two others) send it to the QR fallback, with the same null space."""
    from forlab.p3_aladin.algorithm.qp import null_space_basis
    from forlab.p3_aladin.algorithm.reduction import matched_rows, null_space

    c = (sp.random(30, 50, density=0.1, random_state=4, format="csr") + sp.eye(30, 50, format="csr")).tocsr()
    fixed = sp.csr_matrix(([1.0, 2.0], ([0, 1], [40, 40])), shape=(2, 50))
    twice = sp.csr_matrix([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0]])  # matched to two columns, numerically one row
    for mat, how_expected, dim in ((c, "lu", 20), (sp.vstack([c, fixed]).tocsr(), "lu", 19), (twice, "qr", 2)):
        z, how = null_space(mat)
        ref = null_space_basis(mat)
        assert how == how_expected and z.shape == ref.shape == (mat.shape[1], dim)
        np.testing.assert_allclose(z.T @ z, np.eye(dim), atol=1e-10)
        assert np.abs(mat @ z).max() < 1e-10 and np.abs(ref @ (ref.T @ z) - z).max() < 1e-10
    rows, _basic, lu = matched_rows(sp.vstack([c, fixed]).tocsr())
    assert lu is not None and len(rows) == 31


def test_both_qr_fallbacks_are_one_helper_each_with_its_own_tolerance():
    """Code review #5: the null space (`forlab.p3_aladin.algorithm.reduction.null_space`) and a region's independent
    rows (`forlab.p3_aladin.opf_regions.region.independent_rows`) fall back to one rank-revealing QR
    (`rank_revealing_qr`), each with the tolerance every archived run was measured with: 1e-10 and 1e-9 of the
    largest pivot. A pivot between the two tells them apart; a numerically repeated row goes to the fallback."""
    from forlab.p3_aladin.algorithm.reduction import (
        _qr_null_space,
        matched_rows,
        null_space,
        rank_revealing_qr,
    )
    from forlab.p3_aladin.opf_regions.region import independent_rows

    near = sp.csr_matrix(np.diag([1.0, 5e-10]))  # second pivot 5e-10: above 1e-10, below 1e-9
    assert rank_revealing_qr(near, 1e-10)[1] == 2 and rank_revealing_qr(near, 1e-9)[1] == 1
    assert _qr_null_space(near).shape == (2, 0)  # full rank by the null space's tolerance
    perm, rank, q = rank_revealing_qr(near, 1e-10, with_q=True)
    assert list(perm) == [0, 1] and rank == 2 and q.shape == (2, 2)
    assert rank_revealing_qr(near, 1e-10)[2] is None  # no Q unless asked
    # a repeated row (no sparse LU of the matched block: both callers fall back to the QR) and one of pivot 5e-10
    twice = sp.csr_matrix([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 5e-10]])
    assert matched_rows(twice)[2] is None
    assert independent_rows(twice).toarray().tolist() == [[2.0, 2.0, 0.0]]  # rank 1 by 1e-9
    z, how = null_space(twice)
    assert how == "qr" and z.shape == (3, 1)  # rank 2 by 1e-10


def _random_qp(rng, n: int, k: int) -> tuple:
    """A positive definite QP in n variables with k dense random limits, all satisfied at zero (drawn from rng)."""
    a = rng.normal(size=(n, n))
    return a @ a.T + np.eye(n), rng.normal(size=n) * 10, sp.csr_matrix(rng.normal(size=(k, n))), \
        np.abs(rng.normal(size=k))


def test_least_distance_qp_agrees_with_clarabel():
    from forlab.p3_aladin.algorithm.qp import clarabel_qp, least_distance_qp

    n = 25
    m, q, G, h = _random_qp(np.random.default_rng(0), n, 60)
    dv = least_distance_qp(m, q, G, h)
    ref, status = clarabel_qp(m, q, G, h)
    assert status == "Solved" and np.all(G @ dv <= h + 1e-9)
    obj = lambda v: 0.5 * v @ m @ v + q @ v
    assert obj(dv) <= obj(ref) + 1e-6 * abs(obj(ref))
    np.testing.assert_allclose(dv, ref, atol=1e-5)
    assert least_distance_qp(m, q, sp.csr_matrix(np.array([[1.0] + [0.0] * (n - 1), [-1.0] + [0.0] * (n - 1)])),
                             np.array([-1.0, -1.0])) is None  # x <= -1 and x >= 1


def test_least_distance_qp_stops_when_only_its_working_set_is_violated_by_a_hair(monkeypatch):
    """The NNLS sub-solve holds its working set's rows only up to its accuracy; when nothing outside the set is
    violated, solving the same set again cannot help: the step is returned after one solve (issue 17: 29 more
    solves of 0.2 s each on case1354pegase+case300, then None), and the caller's feasibility check judges it."""
    from forlab.p3_aladin.algorithm import qp

    exact, calls = qp._ldp, []

    def hair(*args):
        calls.append(1)
        return exact(*args) + np.array([1e-9, 0.0])  # x = 1 + 1e-9 on the limit x <= 1

    monkeypatch.setattr(qp, "_ldp", hair)
    dv = qp.least_distance_qp(np.eye(2), np.array([-2.0, 0.0]), sp.csr_matrix(np.array([[1.0, 0.0]])), np.ones(1))
    assert len(calls) == 1 and dv is not None
    np.testing.assert_allclose(dv, [1.0, 0.0], atol=1e-8)
    # a limit at its bound from the start joins the working set and is solved with, not returned unsolved
    calls.clear()
    dv = qp.least_distance_qp(np.eye(2), np.array([-2.0, 0.0]), sp.csr_matrix(np.array([[1.0, 0.0]])), np.zeros(1))
    assert len(calls) == 1
    np.testing.assert_allclose(dv, [0.0, 0.0], atol=1e-8)


def test_least_distance_qp_from_a_previous_step_finds_the_same_step():
    """A limit pass adds limits to a QP already solved: seeded with that step's binding limits, the least-distance
    QP finds the step it finds from scratch (and the interior point's), on a QP whose unconstrained step crosses
    more limits than twice its free directions, where from scratch it gives way to the interior point."""
    from forlab.p3_aladin.algorithm.qp import interior_point_qp, least_distance_qp

    n = 25
    m, q, G, h = _random_qp(np.random.default_rng(3), n, 400)
    assert np.sum(G @ np.linalg.solve(m, -q) > h) > 2 * n  # the unconstrained step crosses many limits
    first = interior_point_qp(m, q, G[:380], h[:380])[0]  # the QP before the pass brought in the last 20 rows
    assert np.any(G @ first > h + 1e-6)  # which that step crosses
    assert least_distance_qp(m, q, G, h) is None
    seeded = least_distance_qp(m, q, G, h, start=first)
    assert seeded is not None and np.all(G @ seeded <= h + 1e-9)
    np.testing.assert_allclose(seeded, interior_point_qp(m, q, G, h)[0], atol=1e-6)


def test_interior_point_qp_agrees_with_clarabel_on_many_dense_limits():
    """The coordinator's fallback: many more near limits than free directions, dense rows, some at their bound (a
    region's first message). The least-distance QP gives way to the interior point there, which finds Clarabel's
    step."""
    from forlab.p3_aladin.algorithm.qp import clarabel_qp, interior_point_qp, least_distance_qp

    n = 25
    rng = np.random.default_rng(1)
    m, q, G, h = _random_qp(rng, n, 400)
    h[: 2 * n + 1] = 0.0  # more than twice as many limits at their bound as free directions
    assert least_distance_qp(m, q, G, h) is None
    dv, status = interior_point_qp(m, q, G, h)
    ref, ref_status = clarabel_qp(m, q, G, h)
    assert status == ref_status == "Solved" and np.all(G @ dv <= h + 1e-9)
    obj = lambda v: 0.5 * v @ m @ v + q @ v
    assert obj(dv) <= obj(ref) + 1e-8 * abs(obj(ref))
    np.testing.assert_allclose(dv, ref, atol=1e-5)
    # where the least-distance QP answers (fewer limits), the interior point gives its step
    few, h = G[:60], np.abs(rng.normal(size=60))
    ldp = least_distance_qp(m, q, few, h)
    assert ldp is not None
    np.testing.assert_allclose(interior_point_qp(m, q, few, h)[0], ldp, atol=1e-6)
    with pytest.raises(RuntimeError, match="interior point"):  # x <= -1 and x >= 1
        interior_point_qp(m, q, sp.csr_matrix(np.array([[1.0] + [0.0] * (n - 1), [-1.0] + [0.0] * (n - 1)])),
                          np.array([-1.0, -1.0]))


def test_a_transmission_region_solves_its_flat_start():
    """case1354pegase's region in case1354pegase+case141 from the flat start: with the DS feeder's admittance
    weights in its proximal term, the dual infeasibility of its NLP stalls at a round-off floor above 1e-8 at the
    solution; Ipopt must stop there (acceptable), not end in a failed restoration phase (issue 17)."""
    from forlab.grid import td
    from forlab.p3_aladin.opf_regions.region import OK_STATUSES
    from forlab.p3_aladin.opf_regions.solve import acopf_problem

    net = td.load_system("case1354pegase+case141").integrated()
    opts = ALADINOptions()
    problem = acopf_problem(net, partition(net, "zone"), opts, reference=float("nan"))
    spec = problem.local_solvers(opts.resolved(problem.auto_options()).local_settings())[0]
    assert spec.name == "TS"
    region = spec.factory(*spec.args, **spec.kwargs)
    region.set_sigma(problem.proximal_weights(opts.sigma)[0])
    out = region.solve_local_nlp(np.zeros(region.n_x), region.z, region.sigma, opts.rho0)
    assert out["status"] in OK_STATUSES, out


@pytest.mark.slow
def test_aladin_converges_on_case1354pegase_with_a_ds_from_a_flat_start():
    """Issue 17 at paper scale: every local NLP solved from the first round on (`test_a_transmission_region_solves_
    its_flat_start`), and the regions take the QP's steps rather than vanishing fractions of them (the reach of
    their near limits), so that the run converges within ALADIN's default 30 rounds."""
    from forlab.grid import td

    net = td.load_system("case1354pegase+case141").integrated()
    r = run_aladin(net, partition(net, "zone"), ALADINOptions(), reference=opf.solve(net).objective)
    assert r.converged, r.status
    assert r.log.nlp_ok.all() and r.gap < 1e-4


def test_a_region_starts_flat_when_its_power_flow_point_breaks_its_balance(case9, monkeypatch):
    """The 'pf' start keeps a region's power-flow point only when it violates the region's own nodal balance less
    than its flat start (a clipped power flow with tens of p.u. of mismatch made the TS's local NLP stall for
    minutes, case1354pegase with two DSs)."""
    from forlab.p3_aladin.opf_regions import problem as glue
    from forlab.p3_aladin.opf_regions.region import flat_start, start_mismatch
    from forlab.p3_aladin.opf_regions.solve import acopf_problem

    net, res = case9
    part = partition(net, method="spectral", n_regions=3)
    prob = acopf_problem(net, part, ALADINOptions(), reference=res.objective)
    good = _centralized_split(part, res)  # the optimum: balanced to Ipopt's tolerance
    assert all(start_mismatch(r, x) < 1e-6 < start_mismatch(r, flat_start(r)) for r, x in zip(part.regions, good))
    broken = [x.copy() for x in good]
    broken[1][: part.regions[1].n_core] += np.linspace(0.0, 1.0, part.regions[1].n_core)  # angles up to 1 rad off
    assert start_mismatch(part.regions[1], broken[1]) > start_mismatch(part.regions[1], flat_start(part.regions[1]))
    monkeypatch.setattr(glue, "power_flow_start", lambda _net, _part: [x.copy() for x in broken])
    start = prob.start("pf")
    np.testing.assert_array_equal(start[1], flat_start(part.regions[1]))
    for k in (0, 2):
        np.testing.assert_array_equal(start[k], good[k])


def test_the_regions_start_from_the_centralized_power_flow_point(case9):
    """ALADIN's 'pf' start and the centralized AC-OPF's are one power flow (`forlab.opf.acopf.power_flow_point`): the
    regions' starts are the split of the centralized start, so that chapter 07 compares like with like."""
    from forlab.p3_aladin.opf_regions.problem import power_flow_start

    net, _res = case9
    part = partition(net, method="spectral", n_regions=3)
    m = opf.ACOPF(net)
    x = m.initial_point("pf")
    assert m.start_mismatch(x) < m.start_mismatch(m.initial_point("flat"))  # the centralized start is the power flow
    central = part.split(*(x[m.slices[v]] for v in ("va", "vm", "pg", "qg")))
    for mine, theirs in zip(power_flow_start(net, part), central):
        np.testing.assert_allclose(mine, theirs, atol=1e-12)


def test_a_power_flow_that_fails_starts_every_region_flat(case9):
    """On a net whose power flow does not converge (case9 at three times its load) the 'pf' start is the flat one,
    for the centralized AC-OPF and for ALADIN's regions alike (ALADIN's own power flow used to raise there: 118X7's
    did at pandapower's default 10 iterations)."""
    from forlab.p3_aladin.opf_regions.region import flat_start
    from forlab.p3_aladin.opf_regions.solve import acopf_problem

    net = copy.deepcopy(case9[0])
    net.load[["p_mw", "q_mvar"]] *= 3.0
    m = opf.ACOPF(net)
    np.testing.assert_array_equal(m.initial_point("pf"), m.initial_point("flat"))
    part = partition(net, method="spectral", n_regions=3)
    prob = acopf_problem(net, part, ALADINOptions(init="pf"), reference=1.0)
    for start, region in zip(prob.start("pf"), part.regions):
        np.testing.assert_array_equal(start, flat_start(region))


def test_a_region_caps_its_step_at_its_far_limits():
    from forlab.p3_aladin.algorithm.reduction import LocalReduction, largest_fraction

    g = sp.eye(2, format="csr")
    assert largest_fraction(np.array([2.0, -1.0]), g, np.array([-0.5, -0.5]), np.array([1.0, 1.0])) == 0.5
    assert largest_fraction(np.array([0.1, 0.1]), g, np.array([-1.0, -1.0]), np.array([1.0, 1.0])) == 1.0
    red = LocalReduction(sp.csr_matrix([[1.0, 0.0]]), band=1e-3, reach=3.0)
    # x = (0, 0) with -5 <= x0 <= 10 (far) and x1 <= 1e-4 (near); no equality: Z = I
    limits = (g, np.array([-5.0, -np.inf]), np.array([10.0, 1e-4]))
    msg = red.reduce(np.zeros(2), np.ones(2), sp.eye(2), sp.csr_matrix((0, 2)), limits)
    assert msg["G_r"].shape == (2, 2)  # the first round, before any step: every limit
    red.expand(np.array([1.0, 0.0]))
    msg = red.reduce(np.zeros(2), np.ones(2), sp.eye(2), sp.csr_matrix((0, 2)), limits)
    assert msg["G_r"].shape == (1, 2) and msg["up_r"].tolist() == [1e-4]  # then only the near limit leaves
    z, t = red.expand(np.array([20.0, 0.0]))
    assert t == 0.5 and np.allclose(z, [10.0, 0.0])  # and the far limit x0 <= 10 caps the step


def test_a_region_reports_the_far_limits_a_step_would_cross():
    """A tentative step past a far limit brings that limit back in reduced coordinates, once; the step that keeps
    it is then taken whole."""
    g = sp.eye(2, format="csr")
    red = LocalReduction(sp.csr_matrix([[1.0, 0.0]]), band=1e-3, reach=3.0)
    limits = (g, np.array([-5.0, -np.inf]), np.array([10.0, 1e-4]))  # x0 <= 10 far, x1 <= 1e-4 near
    red.reduce(np.zeros(2), np.ones(2), sp.eye(2), sp.csr_matrix((0, 2)), limits)
    red.expand(np.array([1.0, 0.0]))
    red.reduce(np.zeros(2), np.ones(2), sp.eye(2), sp.csr_matrix((0, 2)), limits)
    assert len(red.crossed_limits(np.array([9.0, 0.0]))["lo_r"]) == 0  # inside every far limit: nothing to say
    crossed = red.crossed_limits(np.array([20.0, 0.0]))
    np.testing.assert_allclose(crossed["G_r"], [[1.0, 0.0]])
    assert crossed["up_r"].tolist() == [10.0] and crossed["lo_r"].tolist() == [-5.0]
    assert len(red.crossed_limits(np.array([20.0, 0.0]))["lo_r"]) == 0  # reported once: now a near limit
    z, t = red.expand(np.array([10.0, 0.0]))  # the QP's step with it kept: taken whole
    assert t == 1.0 and np.allclose(z, [10.0, 0.0])


def test_a_step_shorter_than_the_far_radius_crosses_no_far_limit():
    """``far_radius`` (`FarLimits.radius`): the ball of reduced steps inside every far limit, sent with the reduced
    message and with every answer to `crossed_limits`; a step inside it crosses nothing, one past it crosses the
    nearest far limit, and once that limit has been reported the radius grows to the next one."""
    from forlab.p3_aladin.algorithm.reduction import limit_distances

    # x = (0, 0), no equality (Z = I): 3 x0 + 4 x1 <= 10 and -1.5 <= x1 <= 8 far, x0 <= 1e-4 near
    g = sp.csr_matrix(np.array([[3.0, 4.0], [0.0, 1.0], [1.0, 0.0]]))
    limits = (g, np.array([-np.inf, -1.5, -np.inf]), np.array([10.0, 8.0, 1e-4]))
    dist = limit_distances(g[:2].toarray(), limits[1][:2], limits[2][:2])
    np.testing.assert_allclose(dist, [2.0, 1.5])  # 10 / |(3, 4)| and 1.5 / 1
    assert limit_distances(np.zeros((1, 2)), np.array([-1.0]), np.array([1.0])).tolist() == [np.inf]
    red = LocalReduction(sp.csr_matrix([[1.0, 0.0]]), band=1e-3, reach=3.0)
    red.reduce(np.zeros(2), np.ones(2), sp.eye(2), sp.csr_matrix((0, 2)), limits)
    red.expand(np.array([1e-6, 0.0]))  # a short last step: the first two limits are far now
    msg = red.reduce(np.zeros(2), np.ones(2), sp.eye(2), sp.csr_matrix((0, 2)), limits)
    assert msg["up_r"].tolist() == [1e-4] and msg["far_radius"] == pytest.approx(1.5)
    inside = red.crossed_limits(np.array([0.0, -1.499]))
    assert len(inside["lo_r"]) == 0 and inside["far_radius"] == pytest.approx(1.5)
    past = red.crossed_limits(np.array([0.0, -1.6]))
    assert past["lo_r"].tolist() == [-1.5] and past["far_radius"] == pytest.approx(2.0)  # now 10 / |(3, 4)|


def test_the_coordinator_re_solves_with_the_limits_its_step_crosses():
    """`keep_crossed_limits`: a region's far limit u <= 1 joins the QP after the first solve steps to 2, the second
    solve keeps it, and the passes stop when nobody reports a limit; with no pass allowed nobody is asked."""
    from forlab.p3_aladin.algorithm.loop import keep_crossed_limits

    starts = []

    def solve(replies, start=None):  # min (u - 2)^2 s.t. the limits sent: u = 2, or 1 when u <= 1 is among them
        starts.append(None if start is None else start[0].tolist())
        u = 1.0 if len(replies[0]["up_r"]) else 2.0
        return [np.array([u])], np.zeros(1), {"qp_rows": len(replies[0]["up_r"])}

    class Agents:
        def __init__(self):
            self.calls = []

        def call(self, method, args):
            self.calls.append(args[0][0][0])
            over = args[0][0][0] > 1.0
            return [{"G_r": np.ones((int(over), 1)), "lo_r": np.full(int(over), -np.inf), "up_r": np.ones(int(over)),
                     "pos": np.zeros(int(over), int)}]

    start = [{"G_r": np.zeros((0, 1)), "lo_r": np.zeros(0), "up_r": np.zeros(0)}]
    agents = Agents()
    dvs, _lam, diag = keep_crossed_limits(start, solve, agents, passes=5)
    assert dvs[0]["dv"].tolist() == [1.0] and diag["limit_passes"] == 1 and diag["qp_rows"] == 1
    assert agents.calls == [2.0, 1.0] and all(b > 0 for b in diag["limit_bytes"])
    assert starts == [None, [2.0]]  # the pass's solve starts from the step it corrects
    agents = Agents()
    dvs, _lam, diag = keep_crossed_limits(start, solve, agents, passes=0)
    assert dvs[0]["dv"].tolist() == [2.0] and diag["limit_passes"] == 0 and agents.calls == []
    # a region whose far limits are all farther than its step (far_radius) is not asked: its answer would be empty
    agents = Agents()
    dvs, _lam, diag = keep_crossed_limits([start[0] | {"far_radius": 2.5}], solve, agents, passes=5)
    assert dvs[0]["dv"].tolist() == [2.0] and diag["limit_passes"] == 0 and agents.calls == []
    agents = Agents()
    keep_crossed_limits([start[0] | {"far_radius": 1.5}], solve, agents, passes=5)
    assert agents.calls == [2.0, 1.0]
    # the same limit as a watched row: the coordinator finds it crossed itself, nobody is asked, and the region is
    # told that it joined the QP
    agents = Agents()
    watched = start[0] | {"G_w": np.ones((1, 1)), "lo_w": np.full(1, -np.inf), "up_w": np.ones(1),
                          "pos_w": np.zeros(1, int), "far_radius": 5.0}
    dvs, _lam, diag = keep_crossed_limits([watched], solve, agents, passes=5)
    assert dvs[0]["dv"].tolist() == [1.0] and dvs[0]["joined"].tolist() == [0] and diag["qp_rows"] == 1
    assert agents.calls == [] and diag["limit_passes"] == 1 and diag["limit_trips"] == 0


def test_crossed_limits_join_the_qp_in_the_regions_order():
    """`merge_limits`: the limits the coordinator found among a region's watched rows and those the region reported
    join the QP in the order of the region's far limits, the order the region alone would have used (the QP's
    step can depend on the order of its rows)."""
    from forlab.p3_aladin.algorithm.loop import merge_limits

    def rows(pos):
        pos = np.asarray(pos, int)
        return {"G_r": pos[:, None] * np.ones((1, 2)), "lo_r": -pos.astype(float), "up_r": pos.astype(float),
                "pos": pos}

    merged = merge_limits(rows([3]), rows([1, 5]))
    assert merged["pos"].tolist() == [1, 3, 5] and merged["up_r"].tolist() == [1.0, 3.0, 5.0]
    np.testing.assert_array_equal(merged["G_r"][:, 0], [1.0, 3.0, 5.0])
    assert merge_limits(rows([2]), rows([]))["pos"].tolist() == [2]


def test_a_region_watches_the_far_limits_a_step_could_reach():
    """`FarLimits`: of two far limits, the one within ``watch`` times the last step's length goes to the coordinator
    as a watched row, the other stays behind the far radius; a region asked about a step past both reports only the
    unwatched one, and a watched limit the coordinator brought into the QP no longer caps the region's step."""
    g = sp.eye(3, format="csr")
    # x = 0, no equality (Z = I): x0 <= 2 and x1 <= 50 far after a last step of length 1, x2 <= 1e-4 near
    limits = (g, np.full(3, -np.inf), np.array([2.0, 50.0, 1e-4]))
    red = LocalReduction(sp.csr_matrix([[1.0, 0.0, 0.0]]), band=1e-3, reach=1.0, watch=10.0)
    red.reduce(np.zeros(3), np.ones(3), sp.eye(3), sp.csr_matrix((0, 3)), limits)
    red.expand(np.array([1.0, 0.0, 0.0]))
    msg = red.reduce(np.zeros(3), np.ones(3), sp.eye(3), sp.csr_matrix((0, 3)), limits)
    np.testing.assert_array_equal(msg["G_w"], [[1.0, 0.0, 0.0]])
    assert msg["up_w"].tolist() == [2.0] and msg["up_r"].tolist() == [1e-4] and msg["far_radius"] == 50.0
    crossed = red.crossed_limits(np.array([3.0, 60.0, 0.0]))
    assert crossed["up_r"].tolist() == [50.0] and crossed["far_radius"] == np.inf
    z, t = red.expand({"dv": np.array([3.0, 0.0, 0.0]), "joined": np.array([0])})
    assert t == 1.0 and np.allclose(z, [3.0, 0.0, 0.0])
    # without the coordinator's word the watched limit is still a far limit, which caps the step
    red = LocalReduction(sp.csr_matrix([[1.0, 0.0, 0.0]]), band=1e-3, reach=1.0, watch=10.0)
    red.reduce(np.zeros(3), np.ones(3), sp.eye(3), sp.csr_matrix((0, 3)), limits)
    red.expand(np.array([1.0, 0.0, 0.0]))
    red.reduce(np.zeros(3), np.ones(3), sp.eye(3), sp.csr_matrix((0, 3)), limits)
    _z, t = red.expand({"dv": np.array([4.0, 0.0, 0.0]), "joined": np.zeros(0, int)})
    assert t == 0.5


def test_watched_limits_spare_round_trips_not_steps():
    """On case118 in 3 areas the watched rows (`ALADINOptions.limit_watch`, default) give the same iterates as
    asking the regions after every QP solve, bit for bit, with fewer round trips."""
    net = cases.load("case118")
    part = partition(net, "spectral", 3)
    asked = run_aladin(net, part, ALADINOptions(limit_watch=0.0))
    watched = run_aladin(net, part)
    assert asked.iterations == watched.iterations and asked.converged
    assert all(np.array_equal(a, b) for a, b in zip(asked.xs, watched.xs))
    assert watched.log.limit_passes.sum() == asked.log.limit_passes.sum() > 0
    assert watched.log.limit_trips.sum() < asked.log.limit_trips.sum()


def test_aladin_with_limit_passes_takes_every_step_whole():
    """On case118 in 3 areas a far limit cuts some region's step short without passes (and every limit within 300
    times the last move sent); with the coordinator re-solving for the far limits its steps cross (the default on a
    transmission grid, `auto_limits`), no region cuts a step, fewer limits are sent, and the run reaches the same
    optimum."""
    net = cases.load("case118")
    part = partition(net, "spectral", 3)
    ref = opf.solve(net).objective
    base = run_aladin(net, part, ALADINOptions(limit_passes=0, limit_reach=300.0), reference=ref)
    r = run_aladin(net, part, reference=ref)  # "auto": passes and a small reach on a transmission grid
    assert base.converged and r.converged and r.gap < 1e-4, r.status
    assert base.log.step_fraction.min() < 0.5 and base.log.limit_passes.eq(0).all()
    assert (r.log.step_fraction == 1.0).all() and r.log.limit_passes.sum() > 0
    assert r.objective == pytest.approx(base.objective, rel=1e-6)
    assert r.options["limit_passes"] == 10 and base.options["limit_passes"] == 0
    assert r.log.qp_rows.iloc[1:].mean() < base.log.qp_rows.iloc[1:].mean()  # fewer limits sent after the first round


def test_auto_limits_are_the_problems_choice():
    """"auto" step settings: the AC-OPF's by system (none and 300 on the zone partition of a T+D system, passes and a
    small reach on the areas or zones of transmission grids), the generic fallback for a problem that makes no
    choice, explicit values kept; local settings refuse an unresolved "auto"."""
    from forlab.grid import multiregion, td
    from forlab.p3_aladin.algorithm.options import AUTO_GENERIC
    from forlab.p3_aladin.opf_regions.problem import auto_limits

    area = partition(cases.load("case9"), "spectral", 3)
    zone = partition(td.load_system("case9+case33bw").integrated(), "zone")
    transmission_zones = partition(multiregion.load("53-I"), "zone")
    assert auto_limits(area) == auto_limits(transmission_zones) == {"limit_passes": 10, "limit_reach": 10.0,
                                                                     "seed_active": True}
    assert auto_limits(zone) == AUTO_GENERIC == {"limit_passes": 0, "limit_reach": 300.0, "seed_active": False}
    opts = ALADINOptions()
    assert opts.limit_passes == opts.limit_reach == opts.seed_active == "auto"
    assert opts.resolved(auto_limits(area)).seed_active is True and opts.resolved({}).seed_active is False
    assert opts.resolved({}).limit_passes == 0 and opts.resolved({}).limit_reach == 300.0
    assert ALADINOptions(limit_passes=3).resolved(auto_limits(area)).limit_passes == 3
    assert ALADINOptions(limit_passes=3).resolved(auto_limits(area)).limit_reach == 10.0
    with pytest.raises(ValueError, match="resolve"):
        opts.local_settings()
    assert opts.resolved({}).local_settings()["limit_reach"] == 300.0


def test_options_are_checked():
    for bad in ({"rho0": float("nan")}, {"rho0": 0.0}, {"mu0": -1.0}, {"max_iter": 0}, {"eps": float("inf")},
                {"timeout_s": 0}, {"alpha": 1.5}, {"rho_update": 0.5}, {"limit_passes": -1},
                {"limit_passes": 1.5}, {"limit_passes": "often"}, {"limit_reach": -1.0}, {"limit_reach": float("nan")},
                {"limit_reach": "far"}, {"region_flip": -0.1}, {"region_flip": 1.5}, {"region_flip": "most"}):
        name = next(iter(bad))
        with pytest.raises(ValueError, match=name):
            ALADINOptions(**bad)
    with pytest.raises(TypeError, match="seed_active"):
        ALADINOptions(seed_active="yes")
    with pytest.raises(ValueError, match="qp"):
        ALADINOptions(qp="dense")
    with pytest.raises(ValueError, match="rho"):
        ADMMOptions(rho=float("nan"))
    with pytest.raises(ValueError, match="rho_max .* must be at least rho"):
        ADMMOptions(rho=1e4, rho_max=1e3)
    settings = ALADINOptions().resolved({}).local_settings()
    assert ALADINOptions().timeout_s < 600 and settings["ipopt"]["max_wall_time"] > 0


def test_a_net_edited_behind_its_partition_is_refused(case9):
    net, res = case9
    net = copy.deepcopy(net)
    part = partition(net, "spectral", 3)
    net.load.loc[net.load.index[0], "p_mw"] += 10.0
    with pytest.raises(ValueError, match="changed after it was partitioned"):
        run_aladin(net, part, reference=res.objective)


class SlowRegion(QuadraticRegion):
    def aladin_step(self, lam, z, rho, qp="reduced", penalty=None):
        time.sleep(0.3)
        return super().aladin_step(lam, z, rho, qp, penalty)


class OneSlow(TwoQuadratics):
    def local_solvers(self, settings):
        left, right = super().local_solvers(settings)
        return [left, LocalSolverSpec("right", SlowRegion, right.args)]


def test_a_region_past_its_timeout_is_named():
    with pytest.raises(RegionFailed, match=r"region 'right'.*timeout_s"):
        run(aladin, OneSlow(), ALADINOptions(timeout_s=0.1))


def test_angle_difference_limits_are_kept_by_the_regions():
    """A tight angle-difference limit on case9 (MATPOWER's ANGMAX): the regions impose it on their own branches
    (a tie branch once) and ALADIN reaches the centralized optimum that respects it."""
    net = cases.load("case9")
    part0 = partition(net, "spectral", 3)
    free = opf.solve(net)
    va = np.deg2rad(free.res_bus.va_degree)
    diff = va.loc[net.line.from_bus].to_numpy() - va.loc[net.line.to_bus].to_numpy()
    k = int(np.argmax(np.abs(diff)))
    net.line["max_angle_degree"] = np.nan
    net.line["min_angle_degree"] = np.nan
    lim = 0.5 * abs(np.rad2deg(diff[k]))
    net.line.loc[net.line.index[k], ["min_angle_degree", "max_angle_degree"]] = [-lim, lim]
    ref = opf.solve(net)
    assert ref.success and ref.objective > free.objective
    part = partition(net, "spectral", 3)
    assert sum(int(r.model.angle_limited.sum()) for r in part.regions) == 1
    assert part0.regions[0].model.angle_limited.sum() == 0
    r = run_aladin(net, part, reference=ref.objective)
    assert r.converged, r.status
    assert r.gap < 1e-4


def test_a_copy_at_its_voltage_bound_leaves_the_qp_once_its_region_is_near_a_solution():
    """A copy bus's voltage bound goes to the coordinator's QP (its owner holds it in the NLP) until the region's
    local NLP lands within `COPY_RELEASE_STEP` of its iterate; then a copy at or past the bound passes it no more
    (two held ends of one consensus pair froze its multiplier: case300 in 8 areas did not converge within 30
    rounds)."""
    from forlab.grid import cases
    from forlab.p3_aladin.opf_regions import region as region_module
    from forlab.p3_aladin.opf_regions.region import Region

    part = partition(cases.load("case300"), "spectral", 8)
    reg = Region(part.regions[1])
    vm = np.arange(reg.n_x)[reg.data.slices["vm"]]
    core_bus, copy_bus = vm[0], vm[reg.data.n_core]  # the first core and the first copy bus
    lb, ub = reg.bounds()
    reg.x = np.clip(reg.x, lb, ub)
    reg.x[[core_bus, copy_bus]] = ub[[core_bus, copy_bus]]  # both at their upper voltage bound
    reg.z = reg.x + 0.5 * region_module.COPY_RELEASE_STEP  # near a solution
    lo, up = reg._qp_bounds()
    assert up[copy_bus] == np.inf and up[core_bus] == ub[core_bus] and lo[copy_bus] == lb[copy_bus]
    reg.z = reg.x + 2.0 * region_module.COPY_RELEASE_STEP  # far from one: every bound stays
    np.testing.assert_array_equal(reg._qp_bounds()[1], ub)
    net = cases.load("case300")
    r = run_aladin(net, partition(net, "spectral", 8), ALADINOptions(), reference=opf.solve(net).objective)
    assert r.converged and r.iterations <= 20 and r.gap < 1e-4, r.status


# ---------------------------------------------------------------------------------------------------- cycling regions
def _rounds(damping, counts, signs):
    """Feed ``damping`` one round per entry: every region's active-limit count and the sign of its one row."""
    found = []
    for c, s in zip(counts, signs):
        found.append(damping.observe(np.array(c), np.array(s, float), [np.array([0]), np.array([1]), np.array([2])]))
    return found


def test_a_region_cycles_only_when_its_limits_and_its_residual_both_alternate():
    """Region 0 switches limits up and down and its tie's residual flips sign every round: it cycles once both have
    alternated `CYCLE_ROUNDS` times, and its own rho doubles from then on. Region 1 only switches limits (a
    transmission region whose active set churns while it converges), region 2 only flips its residual: neither
    counts, and their rho stays the common one."""
    from forlab.p3_aladin.algorithm.cycling import CYCLE_ROUNDS, CycleDamping

    d = CycleDamping(2.0, 3, rho_max=1e8)
    counts = [[5, 5, 4], [7, 9, 4], [5, 5, 4], [7, 9, 4], [5, 5, 4]]
    signs = [[1, 1, 1], [-1, 1, -1], [1, 1, 1], [-1, 1, -1], [1, 1, 1]]
    found = _rounds(d, counts, signs)
    assert [bool(f[0]) for f in found] == [False] * (CYCLE_ROUNDS + 1) + [True] * (len(counts) - CYCLE_ROUNDS - 1)
    assert not any(f[1] or f[2] for f in found)
    assert d.rho(100.0).tolist() == [100.0 * 2 ** (len(counts) - CYCLE_ROUNDS - 1), 100.0, 100.0]


def test_cycle_damping_off_finds_the_cycling_regions_and_keeps_one_rho():
    """With the factor 1 (off) the regions that cycle are still found (the log's ``cycling``), but every
    region keeps the common rho; a grown rho never passes ``rho_max``."""
    from forlab.p3_aladin.algorithm.cycling import CycleDamping

    off = CycleDamping(1.0, 3)
    found = _rounds(off, [[5, 0, 0], [7, 0, 0]] * 3, [[1, 1, 1], [-1, 1, 1]] * 3)
    assert found[-1].tolist() == [True, False, False] and off.rho(10.0).tolist() == [10.0] * 3
    on = CycleDamping(1e3, 3, rho_max=1e4)
    _rounds(on, [[5, 0, 0], [7, 0, 0]] * 3, [[1, 1, 1], [-1, 1, 1]] * 3)
    assert on.rho(10.0).tolist() == [1e4, 10.0, 10.0]
    with pytest.raises(ValueError, match="cycle_damping"):
        ALADINOptions(cycle_damping=0.5)


def test_cycle_damping_raises_only_a_cycling_regions_rho_and_keeps_the_optimum(monkeypatch):
    """case30+case69+case33bw: one DS region cycles in its early rounds (the log's ``cycling``); with the damping on,
    from the next round that region alone is sent a larger rho than the common one, and the run still stops at the
    centralized optimum."""
    from forlab.grid import td
    from forlab.p3_aladin.algorithm.cycling import CycleDamping

    sent, rho = [], CycleDamping.rho
    monkeypatch.setattr(CycleDamping, "rho", lambda self, r: sent.append(rho(self, r) / r) or sent[-1] * r)
    net = td.load_system("case30+case69+case33bw").integrated()
    r = run_aladin(net, partition(net, "zone"), ALADINOptions(cycle_damping=2.0), reference=opf.solve(net).objective)
    assert r.converged and r.gap < 1e-4 and r.log.nlp_ok.all()
    first = int(r.log.index[r.log.cycling > 0][0])  # the round it was found in; its rho grows from the next
    assert all((f == 1).all() for f in sent[:first])
    assert all(sorted(f) == [1.0, 1.0, 2.0] for f in sent[first:])


def test_a_construction_on_first_use_is_kept_out_of_the_online_times(monkeypatch):
    """`Region._built`: the reduction's stacks and the monotone solvers, built the first time a step needs them, are
    set-up: their time goes to ``build_s``, not to the step's ``reduction_s`` or ``nlp_s`` (the integrated AC-OPF's
    solver time leaves out its build as well)."""
    import time as clock

    from forlab.grid import td
    from forlab.p3_aladin.opf_regions.solve import acopf_problem

    net = td.load_system("case9+case33bw").integrated()
    opts = ALADINOptions()
    problem = acopf_problem(net, partition(net, "zone"), opts, reference=float("nan"))
    spec = problem.local_solvers(opts.resolved(problem.auto_options()).local_settings())[0]
    region = spec.factory(*spec.args, **spec.kwargs)
    region.set_sigma(problem.proximal_weights(opts.sigma)[0])
    stacks = region._reduction_stacks

    def slow_stacks():
        clock.sleep(0.3)
        return stacks()

    monkeypatch.setattr(region, "_reduction_stacks", slow_stacks)
    out = region.solve_local_nlp(np.zeros(region.n_x), region.z, region.sigma, opts.rho0)
    sens = region.sensitivities("reduced")
    assert region.build_s >= 0.3 and sens["reduction_s"] < 0.3, (region.build_s, sens["reduction_s"])
    before = region.build_s
    region._monotone(capped=True)  # built on first use: its time is the build's
    assert region.build_s > before and out["nlp_s"] > 0
