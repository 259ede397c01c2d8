"""forlab.book.store: round trips, provenance attributes, atomic writes."""

import json
import os

import numpy as np
import pytest
import xarray as xr

from forlab.book import store

PARAMS = {"grid": "case33bw", "load_scale": 0.8, "meshed": True, "ties": [1, 2]}


@pytest.fixture
def root(tmp_path):
    return tmp_path / "results"


def sample() -> xr.Dataset:
    return xr.Dataset(
        {
            "vm_pu": (
                "bus",
                np.array([1.0, 0.97, 0.95]),
                {"units": "p.u.", "checked": True, "meta": {"a": 1}},
            ),
            "name": ("bus", np.array(["slack", "bus é", "end"], dtype=object)),
            "pf_status": store.solver_status(["converged", "not_converged", "converged"], "bus", "runpp"),
            "total_status": store.solver_status("Solve_Succeeded", solver="ipopt"),
        },
        coords={"bus": [0, 1, 2]},
        attrs={"note": None, "flag": False, "n": 3},
    )


def test_param_hash_is_canonical():
    assert store.param_hash({"a": 1, "b": "x"}) == store.param_hash({"b": "x", "a": 1})
    assert len(store.param_hash(PARAMS)) == 12
    assert store.param_hash({"a": 1}) != store.param_hash({"a": 2})


def test_round_trip_with_strings_and_attrs(root):
    path = store.save(sample(), "ch", PARAMS, root=root)
    assert path == root / "ch" / f"{store.param_hash(PARAMS)}.nc"
    assert path == store.path_for("ch", PARAMS, root)
    ds = store.open_store("ch", PARAMS, root=root)
    xr.testing.assert_allclose(ds.vm_pu, sample().vm_pu.assign_attrs(ds.vm_pu.attrs))
    assert list(ds.name.values) == ["slack", "bus é", "end"]
    assert list(ds.pf_status.values) == ["converged", "not_converged", "converged"]
    assert str(ds.total_status.values) == "Solve_Succeeded"
    assert list(store.succeeded(ds.pf_status).values) == [True, False, True]
    assert store.succeeded(str(ds.total_status.values))
    assert ds.vm_pu.attrs["units"] == "p.u."
    assert json.loads(ds.vm_pu.attrs["checked"]) is True
    assert json.loads(ds.vm_pu.attrs["meta"]) == {"a": 1}
    assert ds.attrs["note"] == "null" and ds.attrs["flag"] == "false" and ds.attrs["n"] == 3


def test_provenance_attributes(root):
    store.save(sample(), "ch", PARAMS, root=root)
    ds = store.open_store("ch", PARAMS, root=root)
    assert ds.attrs["chapter"] == "ch"
    assert json.loads(ds.attrs["parameters"]) == PARAMS
    assert ds.attrs["parameter_hash"] == store.param_hash(PARAMS)
    assert ds.attrs["forlab_version"]
    assert ds.attrs["git_commit"]
    versions = json.loads(ds.attrs["library_versions"])
    assert {"numpy", "xarray", "h5netcdf", "pandapower"} <= set(versions)
    assert ds.attrs["created_utc"].endswith("+00:00")


def test_netcdf_safe():
    assert store.netcdf_safe(True) == "true"
    assert store.netcdf_safe(None) == "null"
    assert store.netcdf_safe({"b": 1, "a": [1, 2]}) == '{"a": [1, 2], "b": 1}'
    assert store.netcdf_safe(np.float64(1.5)) == 1.5 and store.netcdf_safe("x") == "x"


def test_open_missing_store_names_the_command(root):
    with pytest.raises(FileNotFoundError, match=r"forlab run ch -p grid case33bw -p load_scale 0.8"):
        store.open_store("ch", {"grid": "case33bw", "load_scale": 0.8}, root=root)


def test_list_stores(root):
    assert store.list_stores("ch", root) == []
    a = store.save(sample(), "ch", {"x": 1}, root=root)
    b = store.save(sample(), "ch", {"x": 2}, root=root)
    assert store.list_stores("ch", root) == sorted([a, b])


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_interrupted_write_leaves_no_file(root, monkeypatch, error):
    def fail_after_writing(self, path, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"half a netCDF file")
        raise error("interrupted")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", fail_after_writing)
    with pytest.raises(error):
        store.save(sample(), "ch", PARAMS, root=root)
    assert os.listdir(root / "ch") == []


def test_failed_fsync_keeps_the_old_store(root, monkeypatch):
    path = store.save(sample().assign(vm_pu=sample().vm_pu * 0 + 1), "ch", PARAMS, root=root)
    before = path.read_bytes()

    def no_fsync(fd):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", no_fsync)
    with pytest.raises(OSError, match="disk gone"):
        store.save(sample(), "ch", PARAMS, root=root)
    assert os.listdir(root / "ch") == [path.name]
    assert path.read_bytes() == before


def test_default_root_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FORLAB_RESULTS", str(tmp_path / "elsewhere"))
    assert store.path_for("ch", {}).parent == tmp_path / "elsewhere" / "ch"
    monkeypatch.delenv("FORLAB_RESULTS")
    assert store.path_for("ch", {}).parts[0] == "results"
