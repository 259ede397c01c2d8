"""P3, ALADIN: the regions' local NLPs start warm from their last solution and multipliers, reach the solution of a
cold start in fewer Ipopt iterations, and fall back to the cold start when the warm one does not converge."""

import warnings

import numpy as np
import pytest

from forlab import opf
from forlab.grid import cases
from forlab.p3_aladin import ALADINOptions, partition, run_aladin
from forlab.p3_aladin.opf_regions import region as region_module
from forlab.p3_aladin.opf_regions.region import Region

warnings.filterwarnings("ignore", category=FutureWarning)

COLD = {"warm_start_init_point": "no"}  # every local NLP from Ipopt's cold start, as before the warm start


@pytest.fixture(scope="module")
def case118():
    net = cases.load("case118")
    return net, partition(net, "spectral", 3), opf.solve(net).objective


def _next_round(reg: Region, rng: np.random.Generator, move: float = 1e-4) -> tuple:
    """The arguments of a local NLP after a coordinator step: the proximal centre moved off the last solution by up
    to ``move`` (rad / p.u.) and a linear term that moves it as far (scaled cost per p.u.)."""
    z = reg.solution() + move * rng.uniform(-1.0, 1.0, reg.n_x)
    lin = 1e2 * move * rng.uniform(-1.0, 1.0, reg.n_x)
    return lin, z, np.ones(reg.n_x), 1e2


def _solved_pair(case118) -> tuple[Region, Region]:
    """The same region twice, warm-starting and cold, each after a solved local NLP from the flat start (centred
    there) and one centred near its solution: both cold, as the second moved the first solution far."""
    _net, part, _ref = case118
    warm, cold = Region(part.regions[0]), Region(part.regions[0], ipopt=COLD)
    for reg in (warm, cold):
        first = reg.solve_local_nlp(np.zeros(reg.n_x), reg.z, np.ones(reg.n_x), 1e2)
        second = reg.solve_local_nlp(*_next_round(reg, np.random.default_rng(99)))
        assert first["status"] == second["status"] == "Solve_Succeeded"
        assert first["nlp_start"] == second["nlp_start"] == "cold"
    np.testing.assert_array_equal(warm.solution(), cold.solution())
    return warm, cold


def test_a_warm_local_nlp_reaches_the_cold_solution_in_fewer_iterations(case118):
    warm, cold = _solved_pair(case118)
    args = _next_round(warm, np.random.default_rng(0))
    a, b = warm.solve_local_nlp(*args), cold.solve_local_nlp(*args)
    assert a["status"] == b["status"] == "Solve_Succeeded"
    assert (a["nlp_start"], b["nlp_start"]) == ("warm", "cold")
    assert a["nlp_iterations"] < b["nlp_iterations"]
    # Ipopt's tol bounds the scaled KKT error; the two solutions of the same NLP differ by what that leaves in x
    # (orders below ALADIN's consensus tolerance)
    np.testing.assert_allclose(warm.solution(), cold.solution(), atol=1e-6)
    np.testing.assert_allclose(warm.lam_g, cold.lam_g, atol=1e-4)


def test_a_warm_local_nlp_that_does_not_converge_is_solved_cold(case118, monkeypatch):
    monkeypatch.setitem(region_module.WARM_IPOPT, "max_iter", 1)  # no warm solve converges in one iteration
    capped, cold = _solved_pair(case118)
    args = _next_round(capped, np.random.default_rng(1))
    a, b = capped.solve_local_nlp(*args), cold.solve_local_nlp(*args)
    assert a["status"] == b["status"] == "Solve_Succeeded"
    assert a["nlp_start"] == "warm, then cold" and a["nlp_iterations"] == b["nlp_iterations"] + 1
    np.testing.assert_array_equal(capped.solution(), cold.solution())


def test_a_cold_local_nlp_that_loses_its_way_is_solved_again_with_the_monotone_barrier(case118, monkeypatch):
    """A first cold solve not done within `COLD_MAX_ITER` adaptive iterations is made again from the same start
    with the monotone strategy (`MONOTONE_IPOPT`): the same NLP's solution, the iterations of both attempts
    counted."""
    _net, part, _ref = case118
    reference = Region(part.regions[0], ipopt=COLD)
    monkeypatch.setattr(region_module, "COLD_MAX_ITER", 3)  # no cold solve of this region converges in three
    capped = Region(part.regions[0], ipopt=COLD)
    args = (np.zeros(reference.n_x), reference.z, np.ones(reference.n_x), 1e2)
    a, b = capped.solve_local_nlp(*args), reference.solve_local_nlp(*args)
    assert b["nlp_start"] == "cold" and b["nlp_iterations"] > 3
    assert a["nlp_start"] == "cold, then monotone" and a["status"] == "Solve_Succeeded"
    assert a["nlp_iterations"] > 3
    np.testing.assert_allclose(capped.solution(), reference.solution(), atol=1e-6)


def test_a_later_cold_local_nlp_takes_the_monotone_barrier(case118):
    """Only the first local NLP takes the adaptive strategy; a later cold one (here after a far move) the monotone
    one, which is built then."""
    _net, part, _ref = case118
    reg = Region(part.regions[0])
    first = reg.solve_local_nlp(np.zeros(reg.n_x), reg.z, np.ones(reg.n_x), 1e2)
    assert first["nlp_start"] == "cold" and not reg._monotone_solvers
    far = _next_round(reg, np.random.default_rng(5), move=10 * region_module.WARM_DISTANCE)
    later = reg.solve_local_nlp(*far)
    assert later["nlp_start"] == "cold" and later["status"] == "Solve_Succeeded"
    assert list(reg._monotone_solvers) == [True]  # capped at COLD_MAX_ITER, and enough here
    assert reg._monotone_solvers[True].stats()["iter_count"] == later["nlp_iterations"]


def test_a_later_cold_local_nlp_that_loses_its_way_starts_again_from_the_last_solution(case118, monkeypatch):
    """A later cold solve not done within `COLD_MAX_ITER` monotone iterations from the QP's iterate is made again,
    uncapped, from the region's last local solution (chapter 12: from the iterate the TS region's barrier could
    spend minutes with its inertia correction at 1e10-1e12): the same NLP's solution, both attempts counted."""
    _net, part, _ref = case118
    reference = Region(part.regions[0], ipopt=COLD)
    monkeypatch.setattr(region_module, "COLD_MAX_ITER", 3)  # no cold solve of this region converges in three
    capped = Region(part.regions[0], ipopt=COLD)
    first = (np.zeros(reference.n_x), reference.z, np.ones(reference.n_x), 1e2)
    for reg in (reference, capped):
        reg.solve_local_nlp(*first)
    lin, z, w, rho = _next_round(reference, np.random.default_rng(7), move=10 * region_module.WARM_DISTANCE)
    x0 = z + 1e-2  # ALADIN's start: the QP's iterate
    a, b = capped.solve_local_nlp(lin, z, w, rho, x0), reference.solve_local_nlp(lin, z, w, rho, x0)
    assert b["nlp_start"] == "cold" and b["nlp_iterations"] > 3 and b["status"] == "Solve_Succeeded"
    assert a["nlp_start"] == "cold, then monotone from the last solution" and a["status"] == "Solve_Succeeded"
    assert a["nlp_iterations"] > 3 and set(capped._monotone_solvers) == {False, True}
    np.testing.assert_allclose(capped.solution(), reference.solution(), atol=1e-6)


def test_a_new_start_or_a_far_move_makes_the_next_local_nlp_cold(case118):
    warm, _cold = _solved_pair(case118)
    far = _next_round(warm, np.random.default_rng(2), move=10 * region_module.WARM_DISTANCE)
    assert warm.solve_local_nlp(*far)["nlp_start"] == "cold"
    warm.set_start(warm.solution())
    assert warm.solve_local_nlp(*_next_round(warm, np.random.default_rng(4)))["nlp_start"] == "cold"


def test_aladin_with_warm_local_nlps_takes_the_cold_path_in_fewer_iterations(case118):
    """Same rounds, same solution, fewer Ipopt iterations over the run. Without the coordinator's limit passes:
    with them, which far limits a step crosses can turn on the last digits of the local solutions, and the warm and
    cold runs then take different, equally valid steps near the stopping test (measured: 2.2e-6 against 6.7e-7 of
    consensus in round 11, same rounds and solution)."""
    net, part, ref = case118
    no_passes = {"limit_passes": 0, "limit_reach": 300.0}
    warm = run_aladin(net, part, ALADINOptions(**no_passes), reference=ref)
    cold = run_aladin(net, part, ALADINOptions(ipopt=COLD, **no_passes), reference=ref)
    assert warm.converged and cold.converged and warm.iterations == cold.iterations
    assert warm.log.nlp_ok.all()
    # round by round the same consensus residual, down to the local solutions' own accuracy (see above)
    np.testing.assert_allclose(warm.log.consensus, cold.log.consensus, rtol=1e-3, atol=1e-6)
    for a, b in zip(warm.xs, cold.xs):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert warm.log.nlp_iterations.sum() < cold.log.nlp_iterations.sum()


def test_a_region_differentiates_its_nlp_once_and_its_derivatives_are_right(case118):
    """The warm solver and the sensitivities use the cold solver's derivative functions (`region.DERIVATIVES`); the
    Hessian they give is checked against central differences of the Lagrangian's gradient (grad f + J' kappa), the
    gradient against differences of the cost, at the solution of a local NLP with the multipliers found there."""
    _net, part, _ref = case118
    reg = Region(part.regions[0])
    for option, function in region_module.DERIVATIVES.items():
        # the same CasADi function object (its hash is its address), not one built again
        assert hash(reg.warm_solver.get_function(function)) == hash(reg.solver.get_function(function)), option
    reg.solve_local_nlp(np.zeros(reg.n_x), reg.z, np.ones(reg.n_x), 1e2)
    x, kappa = reg.solution(), reg.lam_g

    def lag_grad(y):
        grad, _h, jac, _g, _f = reg._sens(y, kappa)
        return np.asarray(grad).ravel() + np.asarray(jac.T @ kappa).ravel()

    grad, hess, _jac, _g, f = reg._sens(x, kappa)
    hess, h = np.asarray(hess), 1e-6
    cols = np.random.default_rng(1).choice(reg.n_x, 12, replace=False)
    for j in cols:
        e = np.zeros(reg.n_x)
        e[j] = h
        np.testing.assert_allclose(hess[:, j], (lag_grad(x + e) - lag_grad(x - e)) / (2 * h), atol=1e-4, rtol=1e-4)
        df = (float(reg._sens(x + e, kappa)[4]) - float(reg._sens(x - e, kappa)[4])) / (2 * h)
        assert np.asarray(grad).ravel()[j] == pytest.approx(df, rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(hess, hess.T)
    assert float(f) / reg.cost_scale == pytest.approx(reg.cost(x))


def test_local_nlps_started_from_the_iterate_take_the_same_rounds_in_fewer_iterations(case118):
    """ALADIN's default start of a local NLP is the region's iterate z_i (the coupled QP's prediction of its next
    solution), warm whatever the move: the same rounds and solution as from the last local solution (warm only after
    a small move), in fewer Ipopt iterations over the run (measured on case118 in 3 areas: 126 against 154)."""
    net, part, ref = case118
    iterate = run_aladin(net, part, ALADINOptions(), reference=ref)
    last = run_aladin(net, part, ALADINOptions(local_start="last"), reference=ref)
    assert iterate.converged and last.converged and iterate.iterations == last.iterations
    assert iterate.log.nlp_ok.all() and last.log.nlp_ok.all()
    assert iterate.objective == pytest.approx(last.objective, rel=1e-8)
    for a, b in zip(iterate.xs, last.xs):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert iterate.log.nlp_iterations.sum() < last.log.nlp_iterations.sum()


def test_a_local_nlp_given_a_start_begins_there_and_warm(case118):
    """With a start ``x0`` the local NLP starts warm after a converged solve, however far the new NLP moved the last
    solution (without one that move makes it cold): given the cold start's own answer it needs only a few Ipopt
    iterations to confirm it."""
    warm, cold = _solved_pair(case118)
    args = _next_round(warm, np.random.default_rng(5), move=10 * region_module.WARM_DISTANCE)
    b = cold.solve_local_nlp(*args)
    a = warm.solve_local_nlp(*args, x0=cold.solution())
    assert (a["nlp_start"], b["nlp_start"]) == ("warm", "cold")
    assert a["status"] == b["status"] == "Solve_Succeeded"
    assert a["nlp_iterations"] < b["nlp_iterations"] / 2
    np.testing.assert_allclose(warm.solution(), cold.solution(), atol=1e-6)
    with pytest.raises(ValueError, match="local_start"):
        Region(case118[1].regions[0], local_start="nearby")
