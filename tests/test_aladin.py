"""P3, ALADIN: partition properties, convergence to the centralized optimum, Dask actors, a dying worker."""

import os
import signal
import time
import warnings

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from forlab import opf
from forlab.book.parallel import client as dask_client
from forlab.grid import cases
from forlab.p3_aladin import ADMMOptions, ALADINOptions, RegionFailed, partition, run_admm, run_aladin
from forlab.p3_aladin.partition import bus_graph
from forlab.p3_aladin.run import consensus_weights, proximal_weights

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def case9():
    net = cases.load("case9")
    return net, opf.solve(net)


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
    assert {"consensus", "gap", "local_s", "qp_s", "comm_s", "bytes_up", "bytes_down"} <= set(log.columns)
    assert (log.bytes_up > 0).all() and set(r.messages.field) >= {"hess", "jac", "grad", "x", "lambda", "z"}


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


def test_killed_worker_ends_the_run_with_the_region_named(case9):
    net, res = case9
    part = partition(net, "spectral", 3)
    with dask_client(n_workers=2) as c:
        pids = c.run(os.getpid)

        def kill_after_first(it, _row):
            if it == 1:
                os.kill(pids[min(pids)], signal.SIGKILL)

        t0 = time.perf_counter()
        with pytest.raises(RegionFailed, match=r"region 'area\d'.*worker"):
            run_aladin(net, part, ALADINOptions(timeout_s=60), reference=res.objective, client=c, mode="dask",
                       callback=kill_after_first)
        assert time.perf_counter() - t0 < 60


def test_admm_on_the_same_partition(case9):
    net, res = case9
    r = run_admm(net, partition(net, "spectral", 3), ADMMOptions(max_iter=40), reference=res.objective)
    assert r.algorithm == "admm" and r.iterations >= 1
    assert r.log.consensus.iloc[-1] < r.log.consensus.iloc[0]
    assert set(r.messages.field) == {"y", "z", "rho", "x_c", "cost"}


def test_modes_are_checked(case9):
    net, res = case9
    with pytest.raises(ValueError, match="wan"):
        run_aladin(net, reference=res.objective, mode="wan")
    with pytest.raises(ValueError, match="mode must be"):
        run_aladin(net, reference=res.objective, mode="cloud")
