"""P1's FOR sampling (stages 1 and 2) on a small DS: the checks of the sampling issue, against pandapower's power
flow."""

import warnings

import numpy as np
import pytest

from forlab.grid import td
from forlab.p1_for import checks
from forlab.p1_for.dso_opf import DSOModel, face_targets, fibonacci_directions
from forlab.p1_for.sampling import box_of, coverage, sample_for

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


def test_infeasible_voltage_limits_give_a_clear_error(ds_net):
    with pytest.raises(RuntimeError, match="no feasible operating point"):
        DSOModel(ds_net, vm_limits=(1.2, 1.21)).bounding_box()


def test_default_is_a_local_dask_cluster_with_one_worker_per_core(ds_net, samples):
    from forlab.book.parallel import default_workers

    s = sample_for(ds_net, n_directions=24, face_grid=2, progress=False)
    assert s.attrs["n_workers"] == default_workers()
    assert np.array_equal(s.p_mw.values, samples.p_mw.values)
