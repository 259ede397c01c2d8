"""The book's infrastructure: the timer, the table converter and the legacy names of archived stores."""

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import names, tables, timing


def test_fastest_of_repeats_times_the_minimum_and_keeps_the_first_result():
    times = iter([0.5, 0.2, 0.3])
    results = []

    def solve():
        results.append(next(times))
        return results[-1]

    first, best = timing.fastest(solve, 3, lambda r: r)
    assert (first, best, len(results)) == (0.5, 0.2, 3)


def test_fastest_runs_at_least_once():
    first, best = timing.fastest(lambda: 0.7, 0, lambda r: r)
    assert (first, best) == (0.7, 0.7)


def test_table_round_trip_with_prefix_and_units():
    frame = pd.DataFrame({"p_mw": [1.0, 2.0], "ds": ["a", "b"]})
    ds = tables.to_dataset(frame, "row", "pt_", units={"p_mw": "MW"})
    assert ds["pt_p_mw"].attrs["units"] == "MW"
    ds["other"] = ("row", np.zeros(2))
    back = tables.table(ds, "row", "pt_")
    pd.testing.assert_frame_equal(back, frame)


def test_upgrade_renames_a_chapters_legacy_names_only(monkeypatch):
    monkeypatch.setitem(names.LEGACY, "05_coordination", {"cost_deviation_pct": "deviation_pct"})
    old = xr.Dataset({"cost_deviation_pct": ("case", [0.1])}, attrs={"chapter": "05_coordination"})
    assert "deviation_pct" in names.upgrade(old)
    other = xr.Dataset({"cost_deviation_pct": ("case", [0.1])}, attrs={"chapter": "06_ml_surrogate"})
    assert "cost_deviation_pct" in names.upgrade(other)


def test_printable_renames_selects_and_marks_missing_values():
    frame = pd.DataFrame({"deviation_pct": [0.01, np.nan], "system": ["a", "b"], "other": [1, 2]})
    out = tables.printable(frame, {"system": "system", "deviation_pct": "deviation (%)"})
    assert list(out.columns) == ["system", "deviation (%)"]
    assert out["deviation (%)"].tolist() == [0.01, "–"]


def test_printable_names_a_missing_column():
    import pytest

    with pytest.raises(KeyError, match="nope"):
        tables.printable(pd.DataFrame({"a": [1]}), {"nope": "x"})


def test_shown_path_is_relative_to_the_repository():
    from pathlib import Path

    from forlab.book import store

    root = Path(__file__).resolve().parents[1]
    assert store.shown_path(root / "archive" / "x.nc") == "archive/x.nc"
