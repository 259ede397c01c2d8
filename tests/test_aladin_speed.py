"""The coordinator's and the regions' faster linear algebra (issue 17): same answers as the dense forms they replace."""

import itertools

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

from forlab.p3_aladin.algorithm import qp
from forlab.p3_aladin.algorithm.reduction import null_space, orthonormal_columns, regularize


def _block_limits(rng, dims, rows):
    """Near limits of several regions in reduced coordinates: a dense block per region on its own free directions,
    the rows of the regions interleaved (as the coordinator may receive them); the rows of each region."""
    blocks = [rng.normal(size=(k, d)) for k, d in zip(rows, dims)]
    g = sp.block_diag(blocks, format="csr")
    order = rng.permutation(g.shape[0])
    region = np.repeat(np.arange(len(dims)), rows)[order]
    return g[order], region


def test_column_blocks_find_the_regions_of_interleaved_rows():
    rng = np.random.default_rng(0)
    dims, rows = [7, 3, 5], [20, 9, 14]
    g, region = _block_limits(rng, dims, rows)
    found = qp.column_blocks(g)
    offs = np.cumsum([0, *dims])
    assert [(c.start, c.stop) for _r, c in found] == list(itertools.pairwise(offs))
    for k, (r, _c) in enumerate(found):
        np.testing.assert_array_equal(r, np.flatnonzero(region == k))
    # rows that bridge two ranges merge them; a dense matrix is one block
    bridged = sp.vstack([g, sp.csr_matrix(np.eye(1, sum(dims), 6) + np.eye(1, sum(dims), 8))]).tocsr()
    assert [(c.start, c.stop) for _r, c in qp.column_blocks(bridged)] == [(0, 10), (10, 15)]
    assert len(qp.column_blocks(sp.csr_matrix(rng.normal(size=(4, 6))))) == 1


def test_block_normal_matrix_is_the_dense_one():
    """The interior point's normal matrix ``m + G' W G`` formed region by region equals the dense product."""
    rng = np.random.default_rng(1)
    g, _region = _block_limits(rng, [6, 4, 5], [12, 8, 10])
    m = np.eye(15) * 3.0
    w = rng.uniform(0.1, 10.0, size=g.shape[0])
    dense = g.toarray()
    rows = qp._BlockRows(dense, qp.column_blocks(g))
    factor = qp._normal_factor(m, rows, w)
    lower = np.tril(factor[0])
    np.testing.assert_allclose(lower @ lower.T, m + dense.T @ (w[:, None] * dense), rtol=1e-12, atol=1e-12)


def test_interior_point_on_region_blocks_gives_the_single_block_step(monkeypatch):
    """Same QP step as the earlier single dense block (and as Clarabel) on limits of three regions coupled only
    through the Hessian."""
    rng = np.random.default_rng(2)
    g, _region = _block_limits(rng, [8, 5, 6], [60, 40, 50])
    n = g.shape[1]
    a = rng.normal(size=(n, n))
    m, q, h = a @ a.T + np.eye(n), rng.normal(size=n) * 10, np.abs(rng.normal(size=g.shape[0]))
    h[:10] = 0.0
    dv, status = qp.interior_point_qp(m, q, g, h)
    ref, ref_status = qp.clarabel_qp(m, q, g, h)
    assert status == ref_status == "Solved" and np.all(g @ dv <= h + 1e-9)
    np.testing.assert_allclose(dv, ref, atol=1e-6)
    monkeypatch.setattr(qp, "column_blocks", lambda gg: [(np.arange(gg.shape[0]), slice(0, gg.shape[1]))])
    one, _ = qp.interior_point_qp(m, q, g, h)
    np.testing.assert_allclose(dv, one, atol=1e-9)


def _basis(rng, n, d, scale):
    """A basis ``[-B^-1 N; I]`` with its rows permuted (as `null_space` builds it before orthonormalising)."""
    z = np.vstack([rng.normal(size=(n - d, d)) * scale, np.eye(d)])
    return z[rng.permutation(n)]


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_orthonormal_columns_is_the_householder_q(scale):
    """Cholesky QR gives the thin QR's Q (up to the sign of each column); an ill-conditioned basis (scale 1e4, cond^2
    beyond the bound) is left to Householder QR and stays orthonormal too."""
    rng = np.random.default_rng(3)
    z = _basis(rng, 60, 15, scale)
    q = orthonormal_columns(z)
    ref = np.linalg.qr(z)[0]
    np.testing.assert_allclose(q.T @ q, np.eye(15), atol=1e-12)
    np.testing.assert_allclose(np.abs(q.T @ ref), np.eye(15), atol=1e-10)
    np.testing.assert_allclose(q @ (q.T @ z), z, atol=1e-9 * scale)


def test_null_space_is_still_an_orthonormal_basis():
    c = sp.random(12, 30, density=0.3, random_state=5, format="csr") + sp.hstack(
        [sp.identity(12), sp.csr_matrix((12, 18))])
    z, how = null_space(c)
    assert how == "lu" and z.shape == (30, 18)
    np.testing.assert_allclose(z.T @ z, np.eye(18), atol=1e-12)
    assert np.abs(c @ z).max() < 1e-12


def test_above_is_the_eigenvalue_test():
    """The Cholesky test that replaces the smallest eigenvalue in `condensed_qp` and `face_newton`."""
    rng = np.random.default_rng(6)
    for shift in [-1.0, -1e-3, 1e-6, 1e-3, 1.0]:
        a = rng.normal(size=(20, 20))
        m = a @ a.T
        m += (shift - sla.eigvalsh(m, subset_by_index=[0, 0])[0] + 1e-4) * np.eye(20)  # smallest eigenvalue 1e-4 + shift
        assert qp._above(m, 1e-4) == (sla.eigvalsh(m, subset_by_index=[0, 0])[0] > 1e-4)
    assert qp._above(np.zeros((0, 0)), 1e-4)


@pytest.mark.parametrize("low", [0, 1, 7, 30])
def test_the_low_rank_flip_is_the_whole_eigenvalue_flip(low):
    """`regularize` computes only the eigenpairs below the floor and updates the matrix by them: the same matrix as
    flipping every eigenvalue of the whole (``V max(|w|, reg) V'``), with the same smallest eigenvalue before."""
    rng = np.random.default_rng(low)
    q = np.linalg.qr(rng.normal(size=(40, 40)))[0]
    w = np.concatenate([rng.uniform(-2.0, 1e-4, low), np.logspace(-3, 6, 40 - low)])  # `low` of them below 1e-4
    h = (q * w) @ q.T
    flipped, lmin = regularize(h, 1e-4)
    ww, vv = np.linalg.eigh(0.5 * (h + h.T))
    assert np.allclose(flipped, (vv * np.maximum(np.abs(ww), 1e-4)) @ vv.T, rtol=0, atol=1e-8 * np.abs(w).max())
    assert lmin == pytest.approx(w.min(), abs=1e-9 * np.abs(w).max())
    assert sla.eigvalsh(flipped, subset_by_index=[0, 0])[0] >= 1e-4 * (1 - 1e-6)


def test_dense_blocks_csr_is_the_block_diagonal():
    """The coordinator's near limits assembled from the regions' dense blocks, without the search for non-zeros."""
    rng = np.random.default_rng(7)
    blocks = [rng.normal(size=(5, 3)), np.zeros((0, 2)), rng.normal(size=(4, 4))]
    blocks[0][1] = 0.0  # a stored zero row changes nothing
    offs = np.cumsum([0, 3, 2, 4])
    g = qp.dense_blocks_csr(blocks, offs)
    np.testing.assert_array_equal(g.toarray(), sp.block_diag([sp.csr_matrix(b) for b in blocks]).toarray())
    assert [(c.start, c.stop) for _r, c in qp.column_blocks(g)] == [(0, 3), (5, 9)]
    assert qp.dense_blocks_csr([np.zeros((0, 3))], np.array([0, 3])).shape == (0, 3)


def test_a_sparse_stack_is_the_sliced_and_stacked_matrix():
    """`SparseStack` places a region's Jacobian non-zeros into the structure of its rows stacked over identity rows,
    found once: the matrix that slicing and stacking the Jacobian gives, on a region of case118 in 3 areas."""
    import casadi as ca

    from forlab.grid import cases
    from forlab.p3_aladin import partition
    from forlab.p3_aladin.opf_regions.region import Region, SparseStack, _rows_of_identity, _to_scipy

    net = cases.load("case118")
    reg = Region(partition(net, "spectral", 3).regions[1])
    jac = reg._sens(reg.x, np.ones(reg.n_g))[2]
    rows = np.flatnonzero(reg.lbg == reg.ubg)
    eye = np.flatnonzero(np.isfinite(reg.ubx))[::3]
    stack = SparseStack(reg._sens.sparsity_out(2), rows, eye)
    built = stack(np.asarray(ca.DM(jac).nonzeros()))
    direct = sp.vstack([_to_scipy(jac)[rows], _rows_of_identity(eye, reg.n_x)]).tocsr()
    assert built.shape == direct.shape and built.nnz == direct.nnz
    np.testing.assert_array_equal(built.toarray(), direct.toarray())


def test_regions_built_as_mx_graphs_take_the_sx_path():
    """ALADIN's regions are MX graphs by default (`ALADINOptions.local_graph`: built several times faster than SX):
    the same rounds and solution as with SX graphs on case118 in 3 areas (regions of about 40 buses, which "auto"
    would build as SX), ADMM's regions keep "auto"."""
    from forlab import opf
    from forlab.grid import cases
    from forlab.p3_aladin import ADMMOptions, ALADINOptions, partition, run_aladin

    net = cases.load("case118")
    part, ref = partition(net, "spectral", 3), opf.solve(net).objective
    mx = run_aladin(net, part, ALADINOptions(), reference=ref)
    sx = run_aladin(net, part, ALADINOptions(local_graph="SX"), reference=ref)
    assert mx.converged and sx.converged and mx.iterations == sx.iterations
    assert mx.objective == pytest.approx(sx.objective, rel=1e-10)
    for a, b in zip(mx.xs, sx.xs):
        np.testing.assert_allclose(a, b, atol=1e-8)
    assert ALADINOptions().resolved({}).local_settings()["graph"] == "MX"
    from forlab.p3_aladin import Region

    assert Region(part.regions[0], graph="MX").graph == "MX" and Region(part.regions[0]).graph == "SX"
    assert "graph" not in ADMMOptions().local_settings()
    with pytest.raises(ValueError, match="local_graph"):
        ALADINOptions(local_graph="sx")


def _limited_qp(rng, d=12, k=40):
    """A strictly convex QP ``min 1/2 v' m v + q' v, G v <= h`` whose unconstrained step crosses many of its limits."""
    a = rng.normal(size=(d, d))
    m = a @ a.T + np.eye(d)
    g = rng.normal(size=(k, d))
    return m, 10 * rng.normal(size=d), sp.csr_matrix(g), rng.uniform(0.0, 0.5, k)


def test_a_seeded_working_set_gives_the_same_step():
    """Rows that start the least-distance QP's working set (the limits active a round ago, `condensed_qp`'s seed)
    change its path, not its step: an exact seed, a partial one and one with inactive rows too all give the step of
    the unseeded QP, which keeps every limit. (A seed of inactive rows only can make the working set outgrow twice
    the free directions, and the QP then declines, as it does unseeded: its caller falls back to the interior
    point.)"""
    rng = np.random.default_rng(11)
    m, q, G, h = _limited_qp(rng)
    plain = qp.least_distance_qp(m, q, G, h)
    assert plain is not None and np.all(G @ plain <= h + 1e-9)
    active = np.flatnonzero(G @ plain >= h - 1e-7)
    assert 0 < len(active) < G.shape[0]
    inactive = np.setdiff1d(np.arange(G.shape[0]), active)[:5]
    for seed in (active, active[::2], np.union1d(active, inactive)):
        np.testing.assert_allclose(qp.least_distance_qp(m, q, G, h, work0=seed), plain, atol=1e-9)


def test_limit_ids_name_every_one_sided_row_and_seed_the_next_round():
    """A region's near limits carry their positions among its limits (``id_r``); the coordinator's rows get signed
    ids in `one_sided_limits`' order (upper rows +(id + 1), lower rows -(id + 1), rows of a limit pass 0), and the
    ids active at a step, given back as the seed, select exactly those rows again."""
    from forlab.p3_aladin.algorithm.reduction import LocalReduction, one_sided_limits

    rng = np.random.default_rng(12)
    n, k = 8, 6
    lo, up = -rng.uniform(0.0, 1e-5, k), rng.uniform(0.0, 1e-5, k)
    lo[1], up[4] = -np.inf, np.inf  # one-sided limits
    limits = (sp.csr_matrix(rng.normal(size=(k, n))), lo, up)
    msg = LocalReduction(sp.csr_matrix(rng.normal(size=(2, n)))).reduce(
        rng.normal(size=n), rng.normal(size=n), np.eye(n), sp.csr_matrix(rng.normal(size=(1, n))), limits)
    assert list(msg["id_r"]) == list(range(k))  # the first round sends every limit
    crossed = msg | {"G_r": np.vstack([msg["G_r"], msg["G_r"][:1]]), "lo_r": np.append(msg["lo_r"], -1.0),
                     "up_r": np.append(msg["up_r"], 1.0)}  # a row a limit pass appended
    ids, = qp.limit_ids([crossed])
    g1, _h = one_sided_limits(crossed["G_r"], crossed["lo_r"], crossed["up_r"])
    assert len(ids) == g1.shape[0]
    assert list(ids) == [1, 2, 3, 4, 6, 0, -1, -3, -4, -5, -6, 0]
    seeded = qp._seeded_rows([ids], [np.array([3, -5, 0])])
    assert list(seeded) == [2, 9]
