"""Single-round coordination on the smallest study system, judged by the T+D power flow."""

import warnings

import numpy as np
import pytest

from forlab import systems
from forlab.flex.coordination import coordinate, make_offer, scale_loads, single_pcc

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="module")
def outcome():
    system = systems.load_system("case9+case33bw")
    offer, _, _, _ = make_offer(system.ds["case33bw"], n_directions=30, face_grid=2, n_labelled=160, n_cost=50,
                                degrees=(4,), convex_options=(False,), regs=(1e-5,))
    return coordinate(system, {"case33bw": offer}, 1.0)


def test_coordination_outcome_is_feasible_and_near_the_optimum(outcome):
    r = outcome
    assert r["integrated_success"] and r["tso_success"] and r["dso_success"]
    assert r["pf_converged"] and r["feasible"], r
    # the coordinated dispatch is a feasible operating point: it cannot beat the integrated optimum
    assert r["cost_deviation_pct"] > -1e-4
    assert r["cost_deviation_pct"] < 2.0
    assert np.isfinite(r["time_reduction_parallel_pct"])


def test_tso_point_respects_the_offer(outcome):
    pts = outcome["points"]
    assert (pts.f <= 1e-6).all()


def test_two_pcc_systems_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="several TS buses"):
        single_pcc(systems.load_system("case30+case33bw-2pcc"))


def test_bad_load_level():
    with pytest.raises(ValueError, match="load level"):
        scale_loads(systems.load_system("case9+case33bw").ts, -1)
