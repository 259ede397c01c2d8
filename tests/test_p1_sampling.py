"""P1's FOR sampling (stages 1 and 2) on a small DS: the checks of the sampling issue, against pandapower's power
flow."""

import copy
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from forlab.grid import td
from forlab.p1_for import checks
from forlab.p1_for.dso_opf import DSOModel, face_targets, fibonacci_directions
from forlab.p1_for.sampling import box_of, coverage, run_tasks, sample_for

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def ds_net():
    return td.load_system("case9+case33bw").ds["case33bw"]


@pytest.fixture(scope="module")
def samples(ds_net):
    return sample_for(ds_net, n_directions=24, face_grid=2, n_workers=0, progress=False)


def test_directions_and_faces():
    d = fibonacci_directions(100)
    assert np.allclose(np.linalg.norm(d, axis=1), 1)
    assert abs(d.mean(axis=0)).max() < 0.05
    t, f = face_targets(3)
    assert t.shape == (54, 3) and np.all(np.abs(t).max(axis=1) == 1) and len(set(f)) == 6


def test_every_sample_recorded_with_status(samples):
    n = 6 + 6 * 2 * 2 + 24
    assert samples.sizes["sample"] == n
    assert set(samples.stage.values) == {"box", "projection", "fibonacci"}
    assert samples.status.dtype.kind in "UO"
    assert samples.success.values.all(), samples.status.values


def test_no_feasible_point_lies_beyond_a_support_point(ds_net, samples):
    r = checks.support_bound(ds_net, samples, n_points=40)
    assert r["n_feasible"] >= 10, "too few random operating points respect the limits to test anything"
    assert r["max_excess"] <= 1e-6, r


def test_support_check_detects_a_point_beyond_a_support_plane(ds_net, samples):
    # shrink the support values: the same random points must now be caught beyond the planes
    shrunk = samples.copy(deep=True)
    sup = (shrunk.stage != "projection").values
    box = box_of(samples)
    pts = np.column_stack([shrunk.p_mw.values, shrunk.q_mvar.values, shrunk.vm_pu.values])
    inner = box.denormalise(0.2 * box.normalise(pts))
    for j, v in enumerate(("p_mw", "q_mvar", "vm_pu")):
        shrunk[v].values[sup] = inner[sup, j]
    assert checks.support_bound(ds_net, shrunk, n_points=40)["max_excess"] > 1e-3


def test_projection_points_are_feasible_and_on_the_boundary(ds_net, samples):
    r = checks.projections(ds_net, samples)
    assert r["n_projections"] == 6 * 2 * 2
    assert r["n_feasible"] == r["n_projections"], r
    assert r["max_pcc_error"] < 1e-4, r
    assert r["n_on_boundary"] == r["n_projections"], r


def test_a_diverged_power_flow_is_a_recorded_not_feasible_point(ds_net, samples):
    """One projection whose dispatch makes the power flow diverge is counted, not feasible, and the check goes on
    (it used to raise LoadflowNotConverged from pcc_point and end the chapter's check)."""
    broken = samples.copy(deep=True)
    k = int(np.flatnonzero((broken.stage == "projection").values)[0])
    broken.fpu_p_mw.values[k] = -50.0 * ds_net.load.p_mw.sum()  # FPUs absorb far beyond what the feeder can carry
    r = checks.projections(ds_net, broken)
    assert r["n_diverged"] == 1, r
    assert r["n_feasible"] == r["n_on_boundary"] == r["n_projections"] - 1, r
    assert r["max_pcc_error"] < 1e-4, r
    heavy = copy.deepcopy(ds_net)
    heavy.load[["p_mw", "q_mvar"]] *= 8  # the reviewer's case: every power flow diverges
    r = checks.projections(heavy, samples.isel(sample=slice(0, 12)))
    assert r["n_diverged"] == r["n_projections"] > 0 and r["n_feasible"] == r["n_on_boundary"] == 0, r
    assert np.isnan(r["max_pcc_error"]), r
    assert np.isnan(checks.pcc_point(heavy, pd.DataFrame([{"et": "sgen", "element": 0, "p_mw": 0.0,
                                                           "q_mvar": 0.0}]))).all()


def test_results_do_not_depend_on_worker_count(ds_net, samples):
    two = sample_for(ds_net, n_directions=24, face_grid=2, n_workers=2, progress=False, chunk_size=5)
    for v in ("p_mw", "q_mvar", "vm_pu", "normal", "status"):
        assert np.array_equal(samples[v].values, two[v].values), v


def test_coverage_improves_with_n(ds_net, samples):
    ref = sample_for(ds_net, n_directions=96, face_grid=0, n_workers=0, progress=False)
    small = sample_for(ds_net, n_directions=8, face_grid=0, n_workers=0, progress=False)
    c_small, c_big = coverage(small, ref), coverage(samples, ref)
    assert c_big["mean_distance"] < c_small["mean_distance"]
    assert 0.5 < c_big["hull_volume_ratio"] <= 1.05


def test_bad_parameters_are_rejected(ds_net):
    with pytest.raises(ValueError, match="n_directions"):
        sample_for(ds_net, n_directions=-3)
    with pytest.raises(ValueError, match="face grid|face_grid"):
        sample_for(ds_net, face_grid=2.5)


@pytest.mark.parametrize("chunk_size", [-1, 0, 2.5, True])
def test_a_chunk_size_that_is_no_positive_integer_is_refused(ds_net, chunk_size):
    """Review finding: chunk_size=-1 returned the six box samples alone, 0 failed inside range()."""
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        sample_for(ds_net, 4, 1, chunk_size=chunk_size, n_workers=0, progress=False)
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        run_tasks(ds_net, None, None, [], chunk_size=chunk_size, n_workers=0, progress=False)


def test_infeasible_voltage_limits_give_a_clear_error(ds_net):
    with pytest.raises(RuntimeError, match="no feasible operating point"):
        DSOModel(ds_net, vm_limits=(1.2, 1.21)).bounding_box()


def test_default_is_a_local_dask_cluster_with_one_worker_per_core(ds_net, samples):
    from forlab.book.parallel import default_workers

    s = sample_for(ds_net, n_directions=24, face_grid=2, progress=False)
    assert s.attrs["n_workers"] == default_workers()
    assert np.array_equal(s.p_mw.values, samples.p_mw.values)


# ---------------------------------------------------------------- Dask waits end, TLS (issue 20)
@pytest.fixture(scope="module")
def cluster():
    """A local cluster of two worker processes reached by its address, as a shared cluster would be."""
    import dask
    from distributed import LocalCluster

    with (dask.config.set({"distributed.worker.daemon": False, "logging.distributed": "error"}),
          LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                       silence_logs=40) as cl):
        yield cl


def test_a_client_given_is_used_and_none_is_started(ds_net, samples, cluster, monkeypatch):
    """A run keeps one Dask client (issue 16): sampling and the offer's OPFs take the caller's client instead of
    starting a cluster per call, with the same samples as in-process."""
    from forlab.book import parallel
    from forlab.p1_for.representation import cost_points

    with parallel.client(cluster.scheduler_address) as c:
        def refuse(*args, **kwargs):
            raise AssertionError("a Dask client was started although one was given")

        monkeypatch.setattr(parallel, "client", refuse)
        s = sample_for(ds_net, n_directions=24, face_grid=2, client=c, progress=False)
        costs = cost_points(ds_net, np.zeros((2, 3)), client=c, progress=False)
    assert s.attrs["n_workers"] == 2 and np.array_equal(s.p_mw.values, samples.p_mw.values)
    assert costs["success"].all() and all(sol is not None for sol in costs["solution"])


def test_a_worker_keeps_its_ds_model_across_load_levels(ds_net, cluster):
    """On Dask, the next load level of a DS runs on the model each worker built for the first, with the samples of
    an in-process run at that level."""
    from forlab.book import parallel
    from forlab.p1_for.coordinate import scale_loads
    from forlab.p1_for.dso_opf import structure_token

    def models():  # on each worker: its cached DS models by structure token
        from forlab.p1_for import sampling

        return {t: id(m) for t, m in sampling._MODELS.items()}

    low, high = scale_loads(ds_net, 0.8), scale_loads(ds_net, 1.0)
    options = {"n_directions": 12, "face_grid": 1, "chunk_size": 2, "progress": False}
    with parallel.client(cluster.scheduler_address) as c:
        sample_for(low, client=c, **options)
        before = c.run(models)
        s = sample_for(high, client=c, **options)
        after = c.run(models)
    token = structure_token(ds_net)
    held = [w for w, m in before.items() if token in m]
    assert held and all(after[w][token] == before[w][token] for w in held)
    here = sample_for(high, n_workers=0, **options)
    for v in ("p_mw", "q_mvar", "vm_pu", "status"):
        assert np.array_equal(s[v].values, here[v].values), v


def test_a_stopped_worker_is_named_within_the_timeout(ds_net, cluster):
    """A SIGSTOPped worker hung FOR sampling for more than 480 s; now the run fails within the timeout, naming it."""
    import os
    import signal
    import time

    from forlab.book import parallel

    with parallel.client(cluster.scheduler_address) as c:
        worker, pid = min(c.run(os.getpid).items())
    os.kill(pid, signal.SIGSTOP)
    try:
        t0 = time.perf_counter()
        with pytest.raises(TimeoutError, match=f"{worker}.*did not run a no-op within 5 s"):
            sample_for(ds_net, n_directions=4, face_grid=0, address=cluster.scheduler_address, progress=False,
                       task_timeout_s=5)
        assert time.perf_counter() - t0 < 60  # bounding box (in-process) + 5 s
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_worker_that_stops_mid_run_is_named(cluster):
    """A chunk that never finishes (a worker hung in the middle of a run) ends the wait, naming the worker."""
    import time

    from forlab.book import parallel

    with parallel.client(cluster.scheduler_address) as c:
        worker = parallel.check_workers(c)[0]
        quick = c.submit(sum, [1, 2], pure=False)
        stuck = c.submit(time.sleep, 120, workers=[worker], allow_other_workers=False, pure=False)
        seen = []
        with pytest.raises(TimeoutError, match=rf"no chunk finished within 3 s: 1 still pending on worker\(s\) "
                                               rf"{worker}"):
            for fut in parallel.wait_each(c, [quick, stuck], 3, what="chunk"):
                seen.append(fut.result())
        assert seen == [3] and stuck.status == "cancelled"
    with pytest.raises(ValueError, match="task_timeout_s"):
        sample_for(td.load_system("case9+case33bw").ds["case33bw"], task_timeout_s=0)


def test_a_silent_peer_at_the_scheduler_address_fails_within_the_connect_timeout():
    """A peer that accepts the connection and never answers hung the client for more than 150 s."""
    import socket
    import time

    from forlab.book import parallel

    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)  # the kernel completes the TCP handshake; nobody ever answers
        address = f"tcp://127.0.0.1:{srv.getsockname()[1]}"
        t0 = time.perf_counter()
        with (pytest.raises(TimeoutError, match=f"no Dask scheduler answered at {address} within 2 s"),
              parallel.client(address, timeout_s=2)):
            pass
        assert time.perf_counter() - t0 < 10


def test_sampling_over_tls_with_certificates(ds_net, tmp_path):
    """The scheduler-address mode over TLS: a Security object or the certificate files; same samples as in-process."""
    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    from forlab.book import parallel

    sec = Security.temporary()  # a self-signed certificate (needs the cryptography package)
    paths = {"ca_file": tmp_path / "ca.pem", "cert_file": tmp_path / "cert.pem", "key_file": tmp_path / "key.pem"}
    paths["ca_file"].write_text(sec.tls_ca_file)
    paths["cert_file"].write_text(sec.tls_client_cert)
    paths["key_file"].write_text(sec.tls_client_key)
    ref = sample_for(ds_net, n_directions=6, face_grid=0, n_workers=0, progress=False)
    with (dask.config.set({"distributed.worker.daemon": False, "logging.distributed": "error"}),
          LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                       silence_logs=40, security=sec, protocol="tls://") as cl):
        assert cl.scheduler_address.startswith("tls://")
        for security in (sec, {k: str(v) for k, v in paths.items()}):
            s = sample_for(ds_net, n_directions=6, face_grid=0, address=cl.scheduler_address, security=security,
                           progress=False)
            assert s.attrs["n_workers"] == 1 and np.array_equal(s.p_mw.values, ref.p_mw.values)
        with (pytest.raises(ValueError, match="must start with 'tls://'"),
              parallel.client(cl.scheduler_address.replace("tls://", "tcp://"), security=sec)):
            pass
    with pytest.raises(TypeError, match="security must be"):
        parallel.security_of({"cert": "x"})
    with pytest.raises(ValueError, match="no such file"):
        parallel.security_of({"ca_file": str(tmp_path / "missing.pem"), "cert_file": str(paths["cert_file"])})


@pytest.mark.parametrize("address", ["nope", '["a"]', "localhost:8786", "tcp://host", "tcp://host:0",
                                     "tcp://host:70000", "ucx://host:8786", "tcp://a b:8786", "", 8786])
def test_one_rule_of_a_scheduler_address_for_the_connection_and_the_chapters_checks(address):
    """Review R1, item 2: ``-p scheduler nope`` passed the chapters' checks and failed in a notebook cell at the
    connection's check. Both now apply `parallel.check_address`; a chapter names its parameter and what "" means."""
    from forlab.book import parallel

    refused = r"^scheduler address must look like 'tcp://host:8786' or 'tls://host:8786', got "
    with pytest.raises(ValueError, match=refused), parallel.client(address, timeout_s=1):
        pass  # refused before any connection is tried
    if address == "":
        parallel.check_address(address, name="scheduler", empty=parallel.NO_SCHEDULER)
        return
    with pytest.raises(ValueError, match=r"^scheduler must look like 'tcp://host:8786' or 'tls://host:8786' \(the "
                                         r"address of a running Dask scheduler\), or be \"\" \(a local cluster of "
                                         rf"n_workers .*\), got {re.escape(repr(address))}$"):
        parallel.check_address(address, name="scheduler", empty=parallel.NO_SCHEDULER)


def test_a_well_formed_scheduler_address_passes_the_check():
    from forlab.book import parallel

    for address in ("tcp://127.0.0.1:8786", "tls://scheduler.example.org:8786", "tcp://[::1]:40123"):
        parallel.check_address(address)
        parallel.check_address(address, name="scheduler", empty=parallel.NO_SCHEDULER)
    parallel.check_address("tls://host:8786", security=object())
    with pytest.raises(ValueError, match="with security .* the scheduler must start with 'tls://'"):
        parallel.check_address("tcp://host:8786", security=object(), name="scheduler")


def test_the_scheduler_probe_works_inside_a_running_event_loop():
    """A Jupyter kernel runs an event loop: the probe must not need this thread's."""
    import asyncio
    import socket

    from forlab.book import parallel

    async def inside():
        with socket.socket() as srv:
            srv.bind(("127.0.0.1", 0))
            srv.listen(4)
            with pytest.raises(TimeoutError, match="no Dask scheduler answered"):
                parallel.probe_scheduler(f"tcp://127.0.0.1:{srv.getsockname()[1]}", timeout_s=1)

    asyncio.run(inside())


# ---------------------------------------------------------------- one model per DS across load levels (issue 16)
def test_a_model_set_to_other_loads_solves_as_one_built_at_them(ds_net):
    """The loads are parameters of the DS model: set to another level (`set_loads`), it gives the bounding box and
    cost OPF of a model built at that level, bit for bit, and refuses a net that differs in more than its loads."""
    from forlab.p1_for.coordinate import scale_loads

    low, high = scale_loads(ds_net, 0.8), scale_loads(ds_net, 1.0)
    model = DSOModel(low)
    box_low = model.bounding_box()[0]
    assert model.set_loads(high) and not model.set_loads(scale_loads(ds_net, 1.0))
    built = DSOModel(high)
    (box, samples), (box_b, samples_b) = model.bounding_box(), built.bounding_box()
    assert not np.allclose(box.lo, box_low.lo)  # the loads moved the region: the test can tell the levels apart
    assert np.array_equal(box.lo, box_b.lo) and np.array_equal(box.hi, box_b.hi)
    assert all(np.array_equal(a.x, b.x) for a, b in zip(samples, samples_b))
    mine, theirs = model.cost_solve(box.center, box)[0], built.cost_solve(box.center, box)[0]
    assert mine.success and np.array_equal(mine.x, theirs.x) and mine.fpu_cost == theirs.fpu_cost
    other = scale_loads(ds_net, 1.0)
    other.line.loc[other.line.index[0], "r_ohm_per_km"] *= 2
    with pytest.raises(ValueError, match="differs in more"):
        model.set_loads(other)


def test_a_process_keeps_one_model_per_ds_up_to_a_bound(ds_net, monkeypatch):
    """The model cache of a process (a Dask worker's): a DS's next load level re-uses its model, loads set; with
    more DSs than `MODELS_KEPT` the least recently used one goes."""
    from collections import OrderedDict

    from forlab.p1_for import sampling
    from forlab.p1_for.coordinate import scale_loads
    from forlab.p1_for.dso_opf import structure_token

    monkeypatch.setattr(sampling, "_MODELS", OrderedDict())
    monkeypatch.setattr(sampling, "MODELS_KEPT", 1)
    low, high = scale_loads(ds_net, 0.8), scale_loads(ds_net, 1.0)
    token = structure_token(low)
    first = sampling._model(token, low, None)
    again = sampling._model(token, high, None)
    assert again is first and again.net is high
    wide = structure_token(high, (0.9, 1.1))  # the same net with other limits is another model
    assert wide != token and sampling._model(wide, high, (0.9, 1.1)) is not first
    assert list(sampling._MODELS) == [wide]



class _StaleClient:
    """A client whose cached scheduler answer lists no worker until it is asked again (``wait_for_workers``)."""

    def __init__(self, workers_after_wait):
        self.after, self.workers, self.waits = workers_after_wait, {}, 0

    def scheduler_info(self):
        return {"workers": self.workers}

    def wait_for_workers(self, n, timeout):
        self.waits += 1
        if not self.after:
            raise TimeoutError(f"no {n} worker within {timeout}")
        self.workers = {w: {} for w in self.after}


def test_an_empty_worker_list_is_asked_again_before_it_counts():
    """A stale empty answer of the scheduler is not an empty cluster; a cluster that stays empty is named as such,
    saying what to start."""
    from forlab.book import parallel

    c = _StaleClient(["tcp://b:2", "tcp://a:1"])
    assert parallel.workers_of(c, timeout_s=1) == ["tcp://a:1", "tcp://b:2"] and c.waits == 1
    with pytest.raises(RuntimeError, match="no worker to place the regions on after 1 s: start one"):
        parallel.workers_of(_StaleClient([]), timeout_s=1, what="place the regions")


def test_preload_imports_a_module_on_every_worker(cluster):
    """`parallel.preload`: a timed run on the cluster then finds the module imported on every worker."""
    from forlab.book import parallel

    module = "forlab.p3_aladin.opf_regions.region"
    with parallel.client(cluster.scheduler_address) as c:
        parallel.preload(c, module)
        seen = c.run(eval, f"{module!r} in __import__('sys').modules")
    assert len(seen) == 2 and all(seen.values())
