"""forlab.book.store: round trips, provenance attributes, atomic writes, the store root wherever the kernel starts,
partial parameters and the errors of a missing store."""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from forlab.book import provenance, runner, store

PARAMS = {"grid": "case33bw", "load_scale": 0.8, "meshed": True, "ties": [1, 2]}


@pytest.fixture
def root(tmp_path):
    return tmp_path / "results"


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """The working directory in a folder of no forlab repository: nothing is known there about chapters, so a store
    of the made-up chapter "ch" that is missing gets the usual message (in a repository, `store.open_store` refuses
    a chapter it does not have)."""
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(tmp_path / "outside")


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
    assert ds.attrs["blas_kernel"] == provenance.blas_kernel() != ""
    assert ds.attrs["cpu_model"] == provenance.cpu_model() != "" and int(ds.attrs["cpu_count"]) >= 1


def test_blas_kernel_is_what_openblas_runs():
    """The kernels a store records are those OpenBLAS runs: in a process told which to run, those."""
    if provenance.blas_kernel() == "unknown":
        pytest.skip("numpy's BLAS here is not an OpenBLAS that names its kernels")
    probe = "from forlab.book.provenance import blas_kernel; print(blas_kernel())"
    for kernel in ("Haswell", "Sandybridge"):
        env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == kernel


def test_netcdf_safe():
    assert store.netcdf_safe(True) == "true"
    assert store.netcdf_safe(None) == "null"
    assert store.netcdf_safe({"b": 1, "a": [1, 2]}) == '{"a": [1, 2], "b": 1}'
    assert store.netcdf_safe(np.float64(1.5)) == 1.5 and store.netcdf_safe("x") == "x"


def test_open_missing_store_names_the_command(root, outside):
    with pytest.raises(FileNotFoundError, match=r"forlab run ch -p grid case33bw -p load_scale 0.8"):
        store.open_store("ch", {"grid": "case33bw", "load_scale": 0.8}, root=root)


DEFAULTS = {"grid": "case33bw", "load_scale": 1.0, "regions": ["case9+case33bw/case33bw"], "label": "two words",
            "meshed": False, "limit": None}


def test_partial_parameters_are_filled_from_the_defaults(root):
    full = DEFAULTS | {"load_scale": 0.8}
    path = store.save(sample(), "ch", full, root=root)
    ds = store.open_store("ch", {"load_scale": 0.8}, root=root, defaults=DEFAULTS)
    assert ds.attrs["parameters"] == store.canonical_json(full) and ds.attrs["store_path"].endswith(path.name)
    store.save(sample(), "ch", DEFAULTS, root=root)
    assert json.loads(store.open_store("ch", {}, root=root, defaults=DEFAULTS).attrs["parameters"]) == DEFAULTS
    # an int for a float default finds the float's store, as `forlab run -p load_scale 1` does
    assert store.complete_params("ch", {"load_scale": 1}, DEFAULTS)["load_scale"] == 1.0
    assert store.open_store("ch", {"load_scale": 1}, root=root, defaults=DEFAULTS).attrs["parameter_hash"] == \
        store.param_hash(DEFAULTS)
    with pytest.raises(ValueError, match=r"declares no parameter load_scal; it declares: grid = 'case33bw'"):
        store.open_store("ch", {"load_scal": 0.8}, root=root, defaults=DEFAULTS)


def test_missing_store_command_is_quoted_runnable_and_names_what_differs(root, outside):
    from forlab.book import runner  # the test may use the runner; store itself never does

    asked = {"regions": ["case9+case33bw/case33bw", "case30+case69+case33bw/case69"], "label": "it's mine",
             "limit": [1, 2], "load_scale": 0.8}
    store.save(sample(), "ch", DEFAULTS | {"load_scale": 0.8}, root=root)
    store.save(sample(), "ch", DEFAULTS, root=root)
    with pytest.raises(FileNotFoundError) as err:
        store.open_store("ch", asked, root=root, defaults=DEFAULTS)
    message = str(err.value)
    command = next(line.strip() for line in message.splitlines() if "forlab run" in line)
    words = shlex.split(command)
    assert words[0] == f"FORLAB_RESULTS={root.resolve()}" and words[1:4] == ["forlab", "run", "ch"]
    pairs = list(zip(words[5::3], words[6::3]))
    assert words[4::3] == ["-p"] * len(pairs) and sorted(n for n, _ in pairs) == sorted(asked)  # what differs
    full = runner.resolve_parameters(DEFAULTS, pairs)  # what `forlab run` makes of the command
    assert store.path_for("ch", full, root) == store.path_for("ch", DEFAULTS | asked, root)
    # the closest existing store first, with the parameters in which it differs
    closest = message.splitlines()[message.splitlines().index(
        "the chapter's 2 existing store(s) differ; the closest:") + 1]
    assert f"ch/{store.param_hash(DEFAULTS | {'load_scale': 0.8})}.nc: " in closest
    assert "label = it's mine asked, two words there" in closest and "load_scale" not in closest
    assert "limit = [1, 2] asked, None there" in closest
    # without defaults every parameter is in the command, and the default root needs no FORLAB_RESULTS
    assert store.run_command("ch", {"x": "a b", "y": 2}) == "forlab run ch -p x 'a b' -p y 2"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository (``_toc.yml`` at its root) with a ``notebooks/`` folder; no ``$FORLAB_RESULTS``."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv("FORLAB_RESULTS", raising=False)
    return tmp_path


def test_a_store_saved_from_notebooks_lands_at_the_repository_root(repo, monkeypatch):
    monkeypatch.chdir(repo / "notebooks")
    path = store.save(sample(), "ch", PARAMS)
    assert path == repo / "results" / "ch" / f"{store.param_hash(PARAMS)}.nc" and path.is_file()
    assert not (repo / "notebooks" / "results").exists()
    assert store.open_store("ch", PARAMS).attrs["store_path"] == f"results/ch/{path.name}"
    monkeypatch.chdir(repo)  # at the root the path stays relative: pages print no machine's file system
    assert store.results_root() == Path("results") and store.list_stores("ch") == [Path("results/ch") / path.name]


def test_root_markers_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("FORLAB_RESULTS", raising=False)
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(tmp_path / "outside")
    assert store.repository_root() is None and store.results_root() == Path("results")
    (tmp_path / "book" / "notebooks").mkdir(parents=True)
    (tmp_path / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (tmp_path / "book" / "nested" / ".git").mkdir(parents=True)  # a git checkout inside the book is not its root
    (tmp_path / "book" / "nested" / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "book" / "nested" / "a" / "b")
    assert store.results_root() == (tmp_path / "book" / "results").resolve()
    # review finding: the forlab command found the root by another rule (its archive in another tree than results)
    assert runner.find_root() == store.repository_root() == (tmp_path / "book").resolve()
    monkeypatch.setenv("FORLAB_RESULTS", str(tmp_path / "elsewhere"))
    assert store.results_root() == tmp_path / "elsewhere"


def test_chapter_run_in_notebooks_writes_and_reads_the_root_results(repo, monkeypatch):
    """JupyterLab's case: a chapter executed with its kernel's cwd in notebooks/ (papermill, as a Lab kernel
    would) writes its store to <root>/results and reads it back from there."""
    papermill = pytest.importorskip("papermill")
    source = Path(__file__).resolve().parents[1] / "notebooks" / "01_first_power_flow.ipynb"
    shutil.copy(source, repo / "notebooks" / source.name)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    papermill.execute_notebook(str(repo / "notebooks" / source.name), str(repo / "executed.ipynb"),
                               kernel_name="python3", cwd=str(repo / "notebooks"), progress_bar=False)
    params = {"grid": "case33bw", "load_scale": 1.0}
    assert store.list_stores("01_first_power_flow", repo / "results") == [
        repo / "results" / "01_first_power_flow" / f"{store.param_hash(params)}.nc"]
    assert not (repo / "notebooks" / "results").exists()
    executed = json.loads((repo / "executed.ipynb").read_text())
    shown = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert f"results/01_first_power_flow/{store.param_hash(params)}.nc" in shown  # the store read back


def test_list_stores(root, outside):
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
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert store.path_for("ch", {}).parts[0] == "results"


# ---------------------------------------------------------------- hardening (issue 20): temps, corrupt stores, sizes

KILLED_WRITER = """
import sys, time
from pathlib import Path
from forlab.book import store

def slow(tmp):
    tmp.write_bytes(b"half a netCDF file")
    print("writing", flush=True)
    time.sleep(60)

store.atomic_write(Path(sys.argv[1]), slow)
"""


def test_a_killed_writers_temp_file_is_removed_at_the_next_save(root):
    """SIGKILL in the middle of a store write leaves its temporary file; the next save in that folder removes it
    (its writer's pid is gone), and the store itself was never touched."""
    import signal
    import subprocess

    path = store.save(sample(), "ch", PARAMS, root=root)
    before = path.read_bytes()
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    left = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp.nc")]
    assert len(left) == 1 and f".{writer.pid}." in left[0] and path.read_bytes() == before
    store.save(sample(), "ch", {"x": 1}, root=root)
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_stale_temps_by_pid_reuse_and_age_live_writers_kept(tmp_path):
    import time

    live = store.temp_path(tmp_path / "a.nc")  # this process is writing it right now
    reused = tmp_path / f".b.{os.getpid()}.{'0' * 12}.tmp.nc"  # our pid, but written before we started
    legacy_old, legacy_new = tmp_path / ".c.k3j4_x9q.tmp", tmp_path / ".runcache.tmp"  # names without a pid
    for path in (live, reused, legacy_old, legacy_new):
        path.write_bytes(b"x")
    an_hour_ago = time.time() - 2 * store.LEGACY_TEMP_AGE_S
    os.utime(reused, (an_hour_ago, an_hour_ago))
    os.utime(legacy_old, (an_hour_ago, an_hour_ago))
    (tmp_path / ".keep.tmpl").write_bytes(b"not a temporary file")
    assert sorted(p.name for p in store.clean_stale_temps(tmp_path)) == sorted([reused.name, legacy_old.name])
    assert live.exists() and legacy_new.exists() and (tmp_path / ".keep.tmpl").exists()


def test_temporary_names_never_collide_between_writers(tmp_path):
    """Two `forlab book` at once crashed on the fixed `.runcache.tmp`; unique names let threads and processes
    replace the same file concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    names = {store.temp_path(tmp_path / "x.json").name for _ in range(1000)}
    assert len(names) == 1000
    target = tmp_path / ".runcache.json"

    def write(i):
        for j in range(100):
            store.atomic_write(target, lambda tmp, k=f"{i}-{j}": tmp.write_text(k))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))  # raises if any writer lost its temporary file to another
    assert target.read_text().count("-") == 1 and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_truncated_store_names_its_path_and_the_command_that_remakes_it(root):
    path = store.save(sample(), "ch", PARAMS, root=root)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(store.StoreError) as err:
        store.open_store("ch", PARAMS, root=root)
    message = str(err.value)
    assert path.name in message and "unreadable" in message and "re-run with `" in message
    assert "forlab run ch -p grid case33bw" in message and len(message.splitlines()) == 1
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)  # a header and nothing else
    with pytest.raises(store.StoreError, match="unreadable"):
        store.open_path(path)


def test_a_store_is_checked_against_the_chapter_and_parameters_it_is_opened_for(root):
    other = store.save(sample(), "ch", PARAMS | {"load_scale": 0.5}, root=root)
    target = store.path_for("ch", PARAMS, root)
    shutil.copy(other, target)  # a store copied (or renamed) to another parameter set's name
    with pytest.raises(store.StoreError, match=r"holds chapter 'ch' with parameter_hash '[0-9a-f]{12}', not 'ch'"):
        store.open_store("ch", PARAMS, root=root)
    (root / "other").mkdir()
    shutil.copy(other, root / "other" / other.name)
    with pytest.raises(store.StoreError, match="holds chapter 'ch'.* not 'other'"):
        store.open_store("other", PARAMS | {"load_scale": 0.5}, root=root)
    assert store.open_store("ch", PARAMS | {"load_scale": 0.5}, root=root).attrs["chapter"] == "ch"


def test_a_store_too_large_in_memory_is_refused_before_loading(root, monkeypatch):
    """A small file that expands to far more in memory (compressed zeros here) is refused from its metadata."""
    bomb = xr.Dataset({"x_mw": (("a", "b"), np.zeros((1000, 1000)), {"units": "MW"})})  # 8 MB of zeros
    path = store.save(bomb, "ch", PARAMS, root=root)
    bomb.encoding = {}
    compressed = root / "ch" / "bomb.nc"
    bomb.to_netcdf(compressed, engine=store.ENGINE, encoding={"x_mw": {"zlib": True, "complevel": 9}})
    assert compressed.stat().st_size < 100_000
    shutil.copy(compressed, path)
    monkeypatch.setattr(xr.Dataset, "load", lambda self, **kw: pytest.fail("loaded before the size check"))
    with pytest.raises(store.StoreError, match=r"expands to 8 MiB in memory, above `max_bytes = 1048576` \(1 MiB\)"):
        store.open_path(path, max_bytes=2**20)
    assert store.MAX_STORE_BYTES >= 2**30  # the default leaves room for every real store (largest ~13 MB)


# the variables whose unit the naming convention cannot carry, with their unit, written out here: the expected side
# is not the units table itself (a stray comment once swallowed half of its entries, and a check against the table
# never saw them go)
BY_AXIS = "MW | Mvar | p.u. (by axis)"
BY_INPUT = "MW | Mvar | p.u. | 1 (by input, see input_units)"
NAMED_UNITS = {
    "box_lo": BY_AXIS, "box_hi": BY_AXIS, "labelled_point": "1", "labelled_projection": "1", "boundary_point": "1",
    "cost_point": "1", "cost_gradient": "$/h per box-normalised unit", "flows_per_second": "1/s",
    "it_power_mismatch": "p.u.", "t_load_average": "1", "reg": "1", "variant_value": "1", "slice_g": "1",
    "slice_u_ref": BY_INPUT, "tso_u_peak": BY_INPUT, "polytope_offset": "1", "max_pcc_error": "1",
    "max_support_excess": "1",
}


def test_units_of_named_variables_the_convention_cannot_carry():
    """Every variable the convention cannot carry gets its unit from the units table (a stray comment once swallowed
    half of the table), and the table names these variables and no other."""
    from forlab.book import units

    got = {name: units.unit_of(name, xr.DataArray(np.zeros(2))) for name in NAMED_UNITS}
    assert got == NAMED_UNITS
    assert sorted(units._NAMED) == sorted(NAMED_UNITS), "the units table and NAMED_UNITS name other variables"


@pytest.mark.parametrize(("name", "unit"), [
    # a unit suffix wins over a dimensionless word earlier in the name
    ("pcc_mismatch_mw", "MW"), ("ds_q_mismatch_mvar", "Mvar"), ("pcc_mismatch_pu", "p.u."), ("p_offset_mw", "MW"),
    ("success_time_s", "s"), ("feasible_p_mw", "MW"), ("converged_ms", "ms"), ("rel_error_pct", "%"),
    # names without a unit suffix stay dimensionless, and so does a dimensionless suffix after a unit
    ("pcc_mismatch", "1"), ("mismatch", "1"), ("feasible", "1"), ("converged", "1"), ("success", "1"),
    ("offset", "1"), ("is_base", "1"), ("aladin_nlp_ok", "1"), ("cost_rel_error_max", "1"), ("load_scale", "1"),
    ("cost_success", "1"), ("false_feasible_rate", "1"), ("load_average_end", "1"), ("ties_closed_in_systems", "1"),
    ("test_p_mw_r2", "1"), ("test_q_mvar_r2", "1"), ("run_cost_scale", "1"), ("polytope_offset", "1"),
])
def test_unit_suffix_wins_over_dimensionless_words(name, unit):
    from forlab.book import units

    assert units.unit_of(name, xr.DataArray(np.zeros(2))) == unit


# archived variables whose chapter sets a more precise unit than the convention gives (the chapter's unit wins)
# it_step: chapter 07's two quantities in one column (`forlab.studies.ch07_aladin.store.UNITS`), in its stores
# archived at bb5ccbf
CHAPTER_UNITS = {"bytes": "B", "fpu_cost_b": "$/MWh", "it_consensus": "rad, p.u.",
                 "it_step": "rad, p.u. (ALADIN); scaled cost per p.u. (ADMM, its dual residual)",
                 "run_consensus": "rad, p.u."}


def test_unit_of_agrees_with_every_archived_store():
    """Read without its stored unit, every archived variable gets that unit back from the convention, or none (then
    the chapter set it), or it is one of the few whose chapter names a finer unit."""
    from forlab.book import units

    archived = sorted((Path(__file__).resolve().parents[1] / store.ARCHIVE).glob(f"*/*{store.SUFFIX}"))
    assert archived
    disagree = []
    for path in archived:
        with xr.open_dataset(path, engine=store.ENGINE) as ds:
            for name in ds.variables:
                bare = ds[name].copy()
                bare.attrs = {}
                given, stored = units.unit_of(str(name), bare), ds[name].attrs.get("units")
                if given is not None and given != stored and CHAPTER_UNITS.get(str(name)) != stored:
                    disagree.append(f"{path.parent.name}: {name} convention {given!r}, stored {stored!r}")
    assert not disagree, "\n".join(disagree)


def test_a_store_says_where_it_comes_from_in_one_form():
    st = xr.Dataset(attrs={"store_path": "archive/x/abc.nc", "git_commit": "0123456789" * 4,
                           "created_utc": "2026-12-04T22:15:48.1+00:00"})
    assert store.origin_text(st) == "From `archive/x/abc.nc` (commit `0123456`, written 2026-12-04 22:15 UTC)"
    assert store.origin_text(st, "study 2 min") == (
        "From `archive/x/abc.nc` (commit `0123456`, written 2026-12-04 22:15 UTC; study 2 min)")
    st.attrs["parameters"] = '{"cases":["case30"],"n":2}'
    assert store.paper_origin(st, "study 2 min") == (
        "From `archive/x/abc.nc` (commit `0123456`, written 2026-12-04 22:15 UTC; study 2 min). "
        'It ran with `cases = ["case30"]`, `n = 2`.')
    st.attrs["git_commit"] += "-dirty"
    assert store.short_commit(st.attrs) == "0123456-dirty"
    assert store.short_commit({"git_commit": "unknown"}) == "unknown"


def test_a_paper_scale_store_is_named_in_two_sentences_the_parameters_after_the_origin():
    """Review finding (session 58): `paper_origin` put every parameter inside the parenthesis of the origin sentence,
    and the caller went on after it with "." or ":": on chapter 03 one sentence of ~900 characters. The origin
    sentence (path, commit, time, details) ends with its own full stop; the parameters follow in a sentence of their
    own; the line ends with "." so that no caller adds punctuation to it."""
    root = Path(__file__).resolve().parents[1] / store.ARCHIVE
    st = store.open_path(next((root / "03_for_sampling").glob(f"*{store.SUFFIX}")))
    origin, ran = store.origin_text(st, "study 2 min"), store.parameters_text(st)
    text = store.paper_origin(st, "study 2 min")
    assert text == f"{origin}. It ran with {ran}." and text.endswith("`.") and ".." not in text
    params = json.loads(st.attrs["parameters"])
    assert len(params) > 1 and not any(f"`{name} = " in origin for name in params)  # no parameter in the origin
    assert text.count(". It ran with ") == 1 and all(f"`{name} = " in ran for name in params)  # all in the second
    st.attrs["parameters"] = "{}"  # a store with no parameters: the origin sentence alone, no empty list
    assert store.paper_origin(st) == f"{store.origin_text(st)}."



def test_a_parameter_list_prints_as_code_so_its_quotes_stay_straight():
    """Review finding (session 51): the "From archive/..." lines printed `probes` = “all”, `meshings` = [“none”, ...]:
    MyST's smart quotes curled the quotes of every value outside code, and a value copied into `forlab run -p`
    then carried quotes the CLI does not read. Each pair is inline code now; rendered as the book renders it
    (MyST with smart quotes), no typographic quote is left, and a long list still has spaces to wrap at."""
    from docutils.core import publish_parts
    from myst_parser.parsers.docutils_ import Parser

    params = {"probes": "all", "meshings": ["none", "all"], "scheduler": "", "timeout_s": 600.0, "odd": "a`b"}
    st = xr.Dataset(attrs={"parameters": json.dumps(params, separators=(",", ":"))})
    text = store.parameters_text(st)
    assert text.startswith('`probes = "all"`, `meshings = ["none", "all"]`, `scheduler = ""`, `timeout_s = 600.0`, ')
    assert text.endswith('`` odd = "a`b" ``')  # a backtick in a value: a longer fence (CommonMark)

    def page(markdown: str) -> str:
        return publish_parts(markdown, parser=Parser(), writer_name="html5",
                             settings_overrides={"smart_quotes": True, "report_level": 5})["body"]

    html = page(f"parameters {text}.")
    assert not set("“”‘’") & set(html), html
    assert html.count('class="docutils literal"') == len(params)
    assert 'odd = &quot;a`b&quot;' in html
    assert "“" in page('parameters `probes` = "all".')  # the old form, as the review saw it


def test_store_header_lists_the_provenance_and_wraps_a_long_parameter_set():
    st = xr.Dataset(attrs={"chapter": "01_first_power_flow", "parameters": "{}", "git_commit": "abc",
                           "created_utc": "now"})
    assert store.store_header(st).splitlines() == [f"{'chapter':12} 01_first_power_flow", f"{'parameters':12} {{}}",
                                                   f"{'git_commit':12} abc", f"{'created_utc':12} now"]
    st.attrs["parameters"] = json.dumps({f"p{k}": list(range(8)) for k in range(12)}, separators=(",", ":"))
    lines = store.store_header(st).splitlines()
    wrapped = lines[1:-2]
    assert len(wrapped) > 1 and all(len(line) <= store.HEADER_WIDTH for line in lines)
    assert all(line.startswith(" " * 13) and not line[13].isspace() for line in wrapped[1:])


def test_the_chapters_print_the_store_header_of_forlab_book_store():
    """Code review #4: the header is `forlab.book.store.store_header`, infrastructure, not a function of chapter 01
    that chapters 02 and 03 imported (and chapter 06 kept a copy of, with the parameter hash)."""
    root = Path(__file__).resolve().parents[1]
    for chapter in ("01_first_power_flow", "02_grids_and_acopf", "03_for_sampling", "06_ml_surrogate"):
        code = "\n".join("".join(c["source"]) for c in json.loads((root / "notebooks" / f"{chapter}.ipynb").read_text())
                         ["cells"] if c["cell_type"] == "code")
        assert "print(forlab.book.store.store_header(" in code, chapter
    from forlab.studies import ch01_first_power_flow, ch02_grids_and_acopf, ch03_for_sampling

    for module in (ch01_first_power_flow, ch02_grids_and_acopf, ch03_for_sampling):
        assert not hasattr(module, "store_header"), module.__name__


def test_no_study_module_builds_the_origin_sentence_by_hand():
    """`store.origin_text` is the one sentence for where a store comes from: no study module writes "From `<store
    path>`" itself (chapters 02 to 04 did, chapter 03 with the whole commit hash and chapter 02 with none)."""
    import re

    studies = Path(__file__).resolve().parents[1] / "src" / "forlab" / "studies"
    by_hand = [f"{path.relative_to(studies)}:{number}" for path in sorted(studies.rglob("*.py"))
               for number, line in enumerate(path.read_text().splitlines(), 1)
               if re.search(r"From `\{[^}]*store_path", line)]
    assert not by_hand, by_hand


def _chapter_notebook(repo, chapter: str, parameters: str) -> None:
    """``notebooks/<chapter>.ipynb`` in ``repo`` with only a parameters cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nbformat.write(new_notebook(cells=[new_code_cell(parameters, metadata={"tags": ["parameters"]})]),
                   repo / "notebooks" / f"{chapter}.ipynb")


def test_a_partial_set_without_defaults_looks_for_the_store_its_command_makes(repo, monkeypatch):
    """open_store("ch", {"load_scale": 0.8}) hashed the partial set, and its error named a `forlab run` that
    writes the complete one: the lookup and the command now agree, and a complete set keeps its hash."""
    from forlab.book import runner

    _chapter_notebook(repo, "ch", 'grid = "case33bw"\nload_scale = 1.0\n')
    monkeypatch.chdir(repo)
    with pytest.raises(FileNotFoundError) as err:
        store.open_store("ch", {"load_scale": 0.8})
    command = next(line.strip() for line in str(err.value).splitlines() if "forlab run" in line)
    assert command == "forlab run ch -p load_scale 0.8"
    words = shlex.split(command)
    made = runner.resolve_parameters({"grid": "case33bw", "load_scale": 1.0}, list(zip(words[4::3], words[5::3])))
    assert store.path_for("ch", made).name in str(err.value)
    store.save(sample(), "ch", made)
    assert store.open_store("ch", {"load_scale": 0.8}).attrs["parameter_hash"] == store.param_hash(made)
    store.save(sample(), "ch", {"grid": "case33bw", "load_scale": 1.0})
    assert store.open_store("ch", {"load_scale": 1}).attrs["parameters"] == '{"grid":"case33bw","load_scale":1.0}'
    complete = {"grid": "case33bw", "load_scale": 1}  # hashed as given: no existing store changes its name
    with pytest.raises(FileNotFoundError, match=store.param_hash(complete)):
        store.open_store("ch", complete)
    with pytest.raises(ValueError, match="declares no parameter load_scal"):
        store.open_store("ch", {"load_scal": 0.8})


def test_a_value_of_another_type_than_its_default_is_refused():
    with pytest.raises(TypeError, match="chapter 'ch', parameter 'load_scale': True is a bool, not a float"):
        store.complete_params("ch", {"load_scale": True}, DEFAULTS)
    with pytest.raises(TypeError, match="parameter 'regions'.* every element must be a str"):
        store.complete_params("ch", {"regions": [1]}, DEFAULTS)


def test_machine_text_says_what_the_store_records_of_the_machine():
    """One sentence of the machine on every page (chapters 02 and 12): the CPU model and the cores as far as a store
    records them, nothing it does not."""
    assert provenance.machine_text({"cpu_model": "Some CPU", "cpu_count": "2"}) == "Some CPU, 2 cores"
    assert provenance.machine_text({"cpu_count": 1}) == "1 core"
    assert provenance.machine_text({"cpu_model": "unknown", "cpu_count": "unknown"}) == ""
    assert provenance.machine_text({}) == ""
    assert provenance.machine_text(provenance.environment()).startswith(f"{provenance.cpu_model()}, {os.cpu_count()} core")


REPO = Path(__file__).resolve().parents[1]


def test_a_chapter_the_repository_does_not_have_is_refused_not_suggested(repo, monkeypatch):
    """Review R1, finding 10: a misspelt chapter got "produce it with: forlab run 01_first_power_flw ..." (a command
    that stops on the unknown chapter), and `list_stores` of it an empty list without a word."""
    _chapter_notebook(repo, "ch", 'grid = "case33bw"\nload_scale = 1.0\n')
    monkeypatch.chdir(repo)
    for call in (lambda: store.open_store("chh", {"load_scale": 0.8}), lambda: store.list_stores("chh")):
        with pytest.raises(runner.ParameterError, match=r"^unknown chapter 'chh'; chapters: ch$") as err:
            call()
        assert "forlab run" not in str(err.value)
    assert store.list_stores("ch") == []  # a chapter it has: no store yet
    with pytest.raises(FileNotFoundError, match="forlab run ch -p load_scale 0.8"):
        store.open_store("ch", {"load_scale": 0.8})
    # a store saved under a name of no notebook (as chapter 11's probes do) is still found, and listed
    path = store.save(sample(), "probe", {"n": 1})
    assert store.open_store("probe", {"n": 1}).attrs["chapter"] == "probe"
    assert store.list_stores("probe") == [path]
    monkeypatch.chdir(REPO)  # the review's own call, in this repository
    with pytest.raises(runner.ParameterError, match="unknown chapter '01_first_power_flw'; chapters: 01_first_pow"):
        store.open_store("01_first_power_flw", {"load_scale": 0.8})


def test_a_value_the_chapter_refuses_is_reported_not_suggested(tmp_path, monkeypatch):
    """Review R1, finding 10: ``open_store("01_first_power_flow", {"grid": "case9999"}, defaults=d)`` said "produce
    it with: forlab run 01_first_power_flow -p grid case9999", which stops with exit status 2 (unknown grid). It now
    gives the chapter's own check's message (`runner.check_values`, the one `forlab run` prints), and no command."""
    monkeypatch.chdir(REPO)
    chapter = "01_first_power_flow"
    defaults = runner.chapter_params(chapter)
    with pytest.raises(runner.ParameterError) as err:
        store.open_store(chapter, {"grid": "case9999"}, root=tmp_path, defaults=defaults)
    message = str(err.value)
    with pytest.raises(runner.ParameterError) as direct:
        runner.check_values(chapter, defaults | {"grid": "case9999"})
    assert str(direct.value.__cause__) in message and "got 'case9999'" in message
    assert message.startswith(f"no store of chapter '{chapter}' with parameters ") and "no run can make one" in message
    assert "-p grid" not in message
    # values the chapter accepts still get the command that makes their store
    with pytest.raises(FileNotFoundError, match=f"forlab run {chapter} -p load_scale 0.7"):
        store.open_store(chapter, {"load_scale": 0.7}, root=tmp_path, defaults=defaults)
