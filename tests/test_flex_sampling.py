"""FOR sampling (P1 stages 1 and 2) on a small DS: the checks of the sampling issue, against pandapower's power flow."""

import warnings

import numpy as np
import pandas as pd
import pytest

from forlab import systems
from forlab.flex.sampling import box_of, coverage, sample_for
from forlab.opf.dso import DSOModel, face_targets, fibonacci_directions
from forlab.opf.evaluate import judge

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def ds_net():
    return systems.load_system("case9+case33bw").ds["case33bw"]


@pytest.fixture(scope="module")
def samples(ds_net):
    return sample_for(ds_net, n_directions=24, face_grid=2, n_workers=0, progress=False)


def _fpu_table(net):
    return net.sgen[net.sgen.controllable.astype(bool)]


def _random_operating_points(net, n, seed=0):
    """Random FPU set-points inside their charts and random PCC voltages whose power flow respects all limits."""
    rng = np.random.default_rng(seed)
    fpu = _fpu_table(net)
    eg = net.ext_grid.index[0]
    out = []
    for _ in range(n):
        rows = [{"et": "ext_grid", "element": eg, "vm_pu": rng.uniform(0.95, 1.05), "va_degree": 0.0}]
        for k in fpu.index:
            p, q = systems.chart_of(net, k).sample(1, rng)[0]
            rows.append({"et": "sgen", "element": k, "p_mw": p, "q_mvar": q})
        disp = pd.DataFrame(rows)
        verdict = judge(net, disp)
        if verdict["feasible"]:
            out.append((disp, verdict))
    return out


def _pcc_point(net, disp):
    import copy

    import pandapower as pp

    from forlab.opf.evaluate import set_dispatch

    n = copy.deepcopy(net)
    set_dispatch(n, disp)
    pp.runpp(n, calculate_voltage_angles=True, trafo_model="pi")
    eg = n.ext_grid.index[0]
    return np.array([n.res_ext_grid.p_mw[eg], n.res_ext_grid.q_mvar[eg], n.res_bus.vm_pu[n.ext_grid.bus[eg]]])


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
    box = box_of(samples)
    sup = samples.where((samples.stage != "projection") & samples.success, drop=True)
    d = sup.normal.values
    pts = box.normalise(np.column_stack([sup.p_mw.values, sup.q_mvar.values, sup.vm_pu.values]))
    support_value = np.einsum("ij,ij->i", d, pts)
    ops = _random_operating_points(ds_net, 40)
    assert len(ops) >= 10, "too few random operating points respect the limits to test anything"
    for disp, _ in ops:
        x = box.normalise(_pcc_point(ds_net, disp))
        assert np.all(d @ x <= support_value + 1e-6)


def test_projection_points_are_feasible_and_on_the_boundary(ds_net, samples):
    box = box_of(samples)
    proj = samples.where(samples.stage == "projection", drop=True)
    eg = ds_net.ext_grid.index[0]
    fpu = _fpu_table(ds_net).index
    for i in range(proj.sizes["sample"]):
        s = proj.isel(sample=i)
        rows = [{"et": "ext_grid", "element": eg, "vm_pu": float(s.vm_pu), "va_degree": 0.0}]
        rows += [{"et": "sgen", "element": k, "p_mw": float(p), "q_mvar": float(q)}
                 for k, p, q in zip(fpu, s.fpu_p_mw.values, s.fpu_q_mvar.values)]
        disp = pd.DataFrame(rows)
        verdict = judge(ds_net, disp)
        assert verdict["feasible"], verdict
        x = _pcc_point(ds_net, disp)
        assert np.allclose(x, [float(s.p_mw), float(s.q_mvar), float(s.vm_pu)], atol=1e-4)
        # the target lies outside (the box faces bound the region), so its nearest feasible point is on the boundary
        gap = np.linalg.norm(s.target.values - box.normalise(x))
        assert gap > 1e-6 or np.isclose(np.abs(box.normalise(x)).max(), 1, atol=1e-5)
        assert np.isclose(np.linalg.norm(s.normal.values), 1) or gap <= 1e-6


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
