"""Chapter 04/05 text helpers: the numbers they print are computed from the store they are given."""

import numpy as np
import pandas as pd
import xarray as xr

from forlab.studies import p1_figures


def _coordination_store(int_its=20, int_s=0.100, tso_its=15, tso_s=0.015, dso_its=10, dso_s=0.050):
    case = {"system": ["small", "large"], "level": [1.0, 1.0], "integrated_iterations": [10, int_its],
            "integrated_time_s": [0.01, int_s], "tso_iterations": [8, tso_its], "tso_time_s": [0.005, tso_s]}
    dso = {"system": ["small", "large"], "level": [1.0, 1.0], "ds": ["a", "b"], "solve_s": [0.004, dso_s],
           "iterations": [4, dso_its], "start": ["warm", "warm"], "start_distance": [0.1, 0.2],
           "cold_iterations": [30, 60], "fpu_cost": [1.0, 20.0], "cold_fpu_cost": [1.0, 20.0 - 3e-6]}
    st = xr.Dataset({k: ("case", np.asarray(v)) for k, v in case.items()})
    for k, v in dso.items():
        st[f"dso_{k}"] = ("dso_row", np.asarray(v))
    return st


def test_time_note_computes_what_the_target_asks_of_the_dso():
    it = p1_figures.coordination_iterations(_coordination_store())
    assert it.loc[("large", 100), "TSO: ms"] == 15.0
    assert it.loc[("large", 100), "DSO: ms/iteration"] == 5.0
    note = p1_figures.coordination_time_note(it)
    # 42 % of 100 ms, minus the TSO's 15 ms, leaves 27 ms: about 5 iterations at 5 ms each, against 10 warm
    assert "within 42 % of the integrated AC-OPF's 100 ms" in note
    assert "leaves the DSO 27 ms, about 5 iterations at its 5.0 ms per iteration, against the 10" in note
    assert "on large" in note  # the last system of the store is taken as the largest
    assert "every DSO reaches the same cost, within 3.0e-06 per hour" in note
    # a TSO slower than the whole budget leaves no iterations, never a negative count
    slow = p1_figures.coordination_time_note(p1_figures.coordination_iterations(_coordination_store(tso_s=0.060)))
    assert "the TSO alone takes 60 ms, which leaves the DSO no time at all" in slow


def test_offer_lines_report_the_slope_error_when_the_store_has_it():
    row = {"degree": 4, "convex": False, "margin": 0.05, "test_false_feasible_rate": 0.0, "test_n_false_feasible": 0,
           "test_n_infeasible": 200, "test_false_feasible_upper": 0.015, "test_false_infeasible_rate": 0.1,
           "test_n_feasible": 100, "test_volume_kept": 0.8, "cost_r2": 0.999, "cost_rel_error_mean": 0.01,
           "cost_rel_error_max": 0.03, "cost_mean": 12.0}
    old = pd.DataFrame([row], index=["sys/ds"])
    assert "slope error" not in p1_figures.offer_lines(old)
    new = pd.DataFrame([{**row, "cost_gradient_rel_error_mean": 0.123}], index=["sys/ds"])
    assert "slope error 12 % of the mean slope" in p1_figures.offer_lines(new)
    assert "slope error (mean)" in p1_figures.offer_table(new).columns
