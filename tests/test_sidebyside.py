"""Side-by-side rows from the method chapters' stores: the numbers must be the stores' numbers."""

import json

import numpy as np
import pytest
import xarray as xr

from forlab.studies import ch09_comparison


@pytest.fixture()
def p1_store():
    case = {"system": ["A", "A", "B"], "level": [0.8, 1.0, 1.0], "cost_deviation_pct": [0.1, 0.3, 0.02],
            "feasible": [True, False, True], "tso_time_s": [0.01, 0.02, 0.05], "dso_time_max_s": [0.03, 0.02, 0.1],
            "integrated_time_s": [0.02, 0.04, 0.3], "offline_time_s": [10.0, 12.0, 50.0]}
    dso = {"dso_system": ["A", "A", "B", "B"], "dso_level": [0.8, 1.0, 1.0, 1.0], "dso_ds": ["d1", "d1", "d2", "d3"]}
    ds = xr.Dataset({k: ("case", np.array(v)) for k, v in case.items()})
    for k, v in dso.items():
        ds[k] = ("dso_row", np.array(v))
    return ds


@pytest.fixture()
def offers():
    regions = ["A/d1", "B/d2", "B/d3"]
    js = [json.dumps({"c": list(range(n))}) for n in (10, 20, 30)]
    return xr.Dataset({"offer_json": ("region", np.array(js))}, coords={"region": regions})


def test_p1_rows_carry_the_store_numbers(p1_store, offers):
    r = ch09_comparison.p1_rows(p1_store, offers)
    assert list(r.columns) == ch09_comparison.ROW
    assert r.deviation_mean_pct.tolist() == [0.1, 0.3, 0.02]
    assert r.online_ms.tolist() == pytest.approx([40.0, 40.0, 150.0])
    assert r.time_ratio.tolist() == pytest.approx([2.0, 1.0, 0.5])
    size = ch09_comparison.offer_bytes(offers)
    # system B has two DSs: both offers plus one PCC point (3 floats) each
    assert r.bytes.iloc[2] == size["d2"] + size["d3"] + 2 * 24


def test_per_system_means_and_feasible_share(p1_store, offers):
    s = ch09_comparison.per_system(ch09_comparison.p1_rows(p1_store, offers)).set_index("system")
    assert s.loc["A", "cases"] == 2
    assert s.loc["A", "deviation_mean_pct"] == pytest.approx(0.2)
    assert s.loc["A", "deviation_max_pct"] == pytest.approx(0.3)
    assert s.loc["A", "feasible_pct"] == pytest.approx(50.0)
    assert (s.loc["A", "load_min"], s.loc["A", "load_max"]) == (0.8, 1.0)


def test_store_round_trip(p1_store, offers):
    t = ch09_comparison.per_system(ch09_comparison.p1_rows(p1_store, offers))
    back = ch09_comparison.from_store(ch09_comparison.to_store(t, "sys"), "sys")
    assert back.equals(t) or np.allclose(back.select_dtypes("number"), t.select_dtypes("number"), equal_nan=True)
    printed = ch09_comparison.printed(back)
    assert printed.loc[("A", "P1 FOR offer"), "load (%)"] == "80-100"
