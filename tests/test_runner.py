"""forlab.book.runner and the forlab CLI: parameters, coercion, the chapter convention, caching, a real papermill run."""

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
import xarray as xr
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from forlab.book import cli, runner, store

REPO = Path(__file__).resolve().parents[1]

TINY_PARAMETERS = 'n = 2\nscale = 1.5\nlabel = "x"\nflags = [1, 2]\nverbose = False\n'
TINY_BODY = """
import numpy as np
import xarray as xr
import forlab.book.store

CHAPTER = "{chapter}"
PARAMS = {{"n": n, "scale": scale, "label": label, "flags": flags, "verbose": verbose}}
if n < 0:
    raise ValueError("n must be >= 0")
ds = xr.Dataset({{"y": ("i", scale * np.arange(n), {{"units": "1"}}), "y_status": forlab.book.store.solver_status(["converged"] * n, "i")}})
print(forlab.book.store.save(ds, CHAPTER, PARAMS))
"""


def write_chapter(root: Path, chapter: str, body: str = TINY_BODY, params: str = TINY_PARAMETERS) -> Path:
    """A minimal chapter notebook following the convention, with a profile ``big``."""
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# {chapter}"),
            new_code_cell(params, metadata={"tags": ["parameters"]}),
            new_code_cell(body.format(chapter=chapter)),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "forlab": {"profiles": {"big": {"n": 5, "scale": 2}}},
        },
    )
    path = root / "notebooks" / f"{chapter}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A fake repository: _toc.yml with two chapters, their notebooks, a src/forlab file; cwd and results in it."""
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n"
        "  - file: book/chapters/b_second\n  - file: book/chapters/a_first\n  - file: book/stack\n"
    )
    for chapter in ("a_first", "b_second"):
        write_chapter(tmp_path, chapter)
    (tmp_path / "src" / "forlab").mkdir(parents=True)
    (tmp_path / "src" / "forlab" / "x.py").write_text("X = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORLAB_RESULTS", str(tmp_path / "results"))
    return tmp_path


def test_declared_parameters_are_the_literals(repo):
    declared = runner.declared_parameters(repo / "notebooks" / "a_first.ipynb")
    assert declared == {"n": 2, "scale": 1.5, "label": "x", "flags": [1, 2], "verbose": False}
    derived = write_chapter(repo, "c_derived", params=TINY_PARAMETERS + "size: int = -4\nderived = n * 2\n")
    assert runner.declared_parameters(derived) == declared | {"size": -4}


def test_profiles_and_toc_order(repo):
    assert runner.profiles(repo / "notebooks" / "a_first.ipynb") == {"big": {"n": 5, "scale": 2}}
    assert runner.toc_chapters(repo) == ["b_second", "a_first"]
    assert runner.find_root(repo / "notebooks") == repo
    with pytest.raises(FileNotFoundError, match="run from the project folder"):
        runner.find_root(repo.parent)


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("3", 1, 3),
        ("3", 1.0, 3.0),
        (3, 1.0, 3.0),
        ("0.25", 1.0, 0.25),
        ("true", False, True),
        ("No", True, False),
        ("case69", "case33bw", "case69"),
        ("[1, 2.5]", [], [1, 2.5]),
        ("['a', 'b']", ["x"], ["a", "b"]),
        ('{"k": 1}', {}, {"k": 1}),
        ("(1, 2)", (0,), (1, 2)),
        ("None", None, None),
    ],
)
def test_coercion(value, default, expected):
    result = runner.coerce(value, default)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "default", "says"), [("abc", 1.0, "'abc' is not a number"), ("1.5", 1, "'1.5' is not an int"),
                                   ("maybe", True, "'maybe' is not a bool"), ("[1", [], "'\\[1' is not a list"),
                                   ("1", [], "'1' is a int, not a list")]
)
def test_wrong_type_is_rejected_saying_what_was_expected(value, default, says):
    with pytest.raises((ValueError, TypeError), match=says):
        runner.coerce(value, default)


TYPES = {"n": int, "scale": float, "label": str, "verbose": bool, "extra": dict, "flags": (list, int),
         "levels": (list, float)}
GOOD = {"n": 2, "scale": 1.5, "label": "x", "verbose": False, "extra": {}, "flags": [1, 2], "levels": [1, 0.5]}


def test_check_types_accepts_an_int_as_a_float_and_a_tuple_as_a_list():
    runner.check_types(GOOD, TYPES, "tiny")
    runner.check_types({**GOOD, "scale": 2, "flags": (1, 2), "levels": []}, TYPES, "tiny")


@pytest.mark.parametrize(("name", "value", "says"), [
    ("n", "30", "must be an integer, got str '30'"), ("n", True, "must be an integer, got bool True"),
    ("n", 2.0, "must be an integer, got float 2.0"), ("scale", "0.001", "must be a number, got str"),
    ("scale", False, "must be a number, got bool"), ("label", 7, "must be a string, got int 7"),
    ("verbose", 1, "must be True or False, got int 1"), ("extra", "abc", "must be a dict, got str 'abc'"),
    ("flags", "abc", "must be a list of integers, got str 'abc'"),
    ("flags", [1, "2"], r"must be a list of integers, got \[1, '2'\], holding the str '2'"),
    ("flags", [True], r"must be a list of integers, got \[True\], holding the bool True"),
    ("levels", [0.5, None], "must be a list of numbers"),
])
def test_check_types_names_the_parameter_its_type_and_what_it_got(name, value, says):
    with pytest.raises(runner.ParameterTypeError, match=f"chapter tiny: parameter '{name}' {says}") as info:
        runner.check_types({**GOOD, name: value}, TYPES, "tiny")
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_check_types_refuses_a_missing_parameter():
    with pytest.raises(ValueError, match=r"^chapter tiny: missing parameters \['label'\]; its parameters are n, scale, "
                                         "label, verbose, extra, flags, levels$"):
        runner.check_types({k: v for k, v in GOOD.items() if k != "label"}, TYPES, "tiny")


def test_check_types_refuses_an_unknown_parameter_and_suggests_the_close_name():
    """Review R1, item 18: an unknown key was ignored, so a misspelt one left its parameter at the default without a
    word. Every unknown and missing name is said at once, with the close name for a near miss and the list."""
    listing = "; its parameters are n, scale, label, verbose, extra, flags, levels$"
    with pytest.raises(ValueError, match=r"^chapter tiny: unknown parameters \['colour'\]" + listing):
        runner.check_types({**GOOD, "colour": 1}, TYPES, "tiny")
    misspelt = {k: v for k, v in GOOD.items() if k != "scale"} | {"scal": 2.0}
    with pytest.raises(ValueError, match=r"^chapter tiny: unknown parameters \['scal'\] \(did you mean 'scale'\?\), "
                                         r"missing parameters \['scale'\]" + listing):
        runner.check_types(misspelt, TYPES, "tiny")
    with pytest.raises(ValueError, match=r"unknown parameters \['lavel', 'flag'\] \(did you mean 'label' for 'lavel', "
                                         r"'flags' for 'flag'\?\)"):
        runner.check_types({**GOOD, "lavel": "y", "flag": [1]}, TYPES, "tiny")
    with pytest.raises(ValueError, match=r"unknown parameters \['scale_x'\]"):  # names, before any type
        runner.check_types({**GOOD, "scale_x": 1, "n": "two"}, TYPES, "tiny")


def test_unknown_parameter_lists_the_declared_ones():
    declared = {"grid": "case33bw", "load_scale": 1.0}
    with pytest.raises(runner.ParameterError) as info:
        runner.resolve_parameters(declared, [("nonsense", "1")])
    message = str(info.value)
    assert "nonsense" in message and "grid = 'case33bw'" in message and "load_scale = 1.0" in message


def test_profile_then_overrides():
    declared = {"n": 2, "scale": 1.5}
    merged = runner.resolve_parameters(declared, [("n", "7")], "big", {"big": {"n": 5, "scale": 2}})
    assert merged == {"n": 7, "scale": 2.0} and isinstance(merged["scale"], float)
    with pytest.raises(runner.ParameterError, match="unknown profile"):
        runner.resolve_parameters(declared, [], "paper", {"big": {}})


def test_cli_rejects_bad_parameters_before_running(repo, capsys):
    assert cli.main(["run", "a_first", "-p", "nonsense", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'nonsense'" in err and "n = 2" in err and "scale = 1.5" in err
    # a near miss gets the hint run(params) gives (`runner.close_names`), on the command line too
    assert cli.main(["run", "a_first", "-p", "scal", "1"]) == 2
    assert "unknown parameter 'scal' (did you mean 'scale'?)" in capsys.readouterr().err
    assert cli.main(["run", "a_first", "-p", "scale", "abc"]) == 2
    assert "bad value for 'scale'" in capsys.readouterr().err
    assert cli.main(["run", "nope"]) == 2
    assert "a_first, b_second" in capsys.readouterr().err


def test_convention(repo):
    assert runner.convention_problems(repo / "notebooks" / "a_first.ipynb") == []
    derived = write_chapter(repo, "c_derived", params=TINY_PARAMETERS + "derived = n * 2\n")
    assert runner.convention_problems(derived) == [
        "parameters cell: derived is not a literal (papermill would not recompute it)"
    ]
    partial = write_chapter(repo, "c_partial", body=TINY_BODY.replace('"n": n, ', ""))
    assert runner.convention_problems(partial) == [
        (
            "PARAMS keys ['flags', 'label', 'scale', 'verbose'] differ from the parameters "
            "['flags', 'label', 'n', 'scale', 'verbose']"
        )
    ]
    bad = write_chapter(repo, "c_bad", body="x = 1\n", params="n = 1\n")
    problems = runner.convention_problems(bad)
    assert 'no assignment CHAPTER = "c_bad"' in problems
    assert "no call store.save(ds, CHAPTER, PARAMS)" in problems


def test_real_notebooks_follow_the_convention():
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        assert runner.convention_problems(nb) == [], nb.name


def test_every_notebook_cell_has_an_id():
    """nbformat 4.5 cells carry an id; a cell added without one makes nbformat warn in every CI run (and it will
    become an error), so an edit that writes a notebook as JSON must give its new cells one."""
    missing = {p.name: [i for i, c in enumerate(json.loads(p.read_text())["cells"]) if "id" not in c]
               for p in sorted((REPO / "notebooks").glob("*.ipynb"))}
    assert {name: cells for name, cells in missing.items() if cells} == {}


def test_book_cache_reruns_only_what_changed(repo):
    ran = []

    def fake_run(root, chapter, progress_bar=False):
        ran.append(chapter)
        before = runner.content_hash(root, chapter)  # what run_chapter records on success
        params = runner.declared_parameters(runner.notebook_path(root, chapter))
        out = root / runner.EXECUTED_DIR / f"{chapter}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("{}")
        target = store.path_for(chapter, params)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"")
        runner.record_run(root, chapter, before)

    assert runner.run_stale(repo, run=fake_run, progress=False) == ["b_second", "a_first"]
    assert ran == ["b_second", "a_first"]
    assert set(json.loads((repo / "results" / ".runcache.json").read_text())) == {"a_first", "b_second"}

    ran.clear()
    assert runner.run_stale(repo, run=fake_run, progress=False) == []  # nothing changed: cache hit

    nb_path = repo / "notebooks" / "a_first.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source += "\nMore prose."
    nbformat.write(nb, nb_path)
    assert runner.run_stale(repo, run=fake_run, progress=False) == ["a_first"]  # notebook source changed

    nb.cells[1].source = nb.cells[1].source.replace("n = 2", "n = 3")
    nbformat.write(nb, nb_path)
    assert runner.run_stale(repo, run=fake_run, progress=False) == ["a_first"]  # default changed

    (repo / "src" / "forlab" / "x.py").write_text("X = 2\n")
    assert runner.run_stale(repo, run=fake_run, progress=False) == ["b_second", "a_first"]  # library changed

    (repo / runner.EXECUTED_DIR / "b_second.ipynb").unlink()
    assert runner.run_stale(repo, run=fake_run, progress=False) == ["b_second"]  # output missing

    assert runner.run_stale(repo, force=True, run=fake_run, progress=False) == ["b_second", "a_first"]

    def failing_run(root, chapter, progress_bar=False):
        raise runner.ChapterFailed(chapter)

    (repo / "src" / "forlab" / "x.py").write_text("X = 3\n")
    with pytest.raises(runner.ChapterFailed):
        runner.run_stale(repo, run=failing_run, progress=False)
    assert runner.stale_chapters(repo) == ["b_second", "a_first"]  # a failure is not cached


def test_real_run_writes_store_and_notebook(repo, capsys):
    assert cli.main(["run", "a_first", "-p", "n", "3", "--profile", "big", "--no-progress"]) == 0
    out = capsys.readouterr().out
    params = {"n": 3, "scale": 2.0, "label": "x", "flags": [1, 2], "verbose": False}
    path = store.path_for("a_first", params)
    assert f"store:    {path.relative_to(repo)}" in out
    ds = store.open_store("a_first", params)
    assert list(ds.y.values) == [0.0, 2.0, 4.0]
    assert list(ds.y_status.values) == ["converged"] * 3
    assert path.with_suffix(".ipynb").is_file()  # non-default run: notebook next to its store
    assert not (repo / runner.EXECUTED_DIR / "a_first.ipynb").exists()


def test_failing_cell_is_reported(repo, capsys):
    assert cli.main(["run", "a_first", "-p", "n", "-1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "failed with ValueError: n must be >= 0" in err and "cell" in err


def test_book_copy_hides_code_and_plumbing(repo, capfd):
    """A default run: the copy in book/chapters/ hides every input, removes the parameters and store-path cells,
    shows paths relative to the repository and no progress bar; notebooks/ keeps its source untouched."""
    nb_path = write_chapter(repo, "a_first")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells += [
        new_code_cell(
            "import forlab.book.progress\nfor _ in forlab.book.progress.bar(range(3), desc='tinybar'):\n    pass"
        ),
        new_code_cell(
            "import os\nprint('data under', os.path.join(os.getcwd(), 'results', 'x.nc'), 'read twice')"
        ),
        new_code_cell("from IPython.display import Markdown\nMarkdown('**a finding**')"),
    ]
    nbformat.write(nb, nb_path)
    source_before = nb_path.read_text()
    capfd.readouterr()
    assert cli.main(["run", "a_first", "--no-progress"]) == 0
    terminal = capfd.readouterr().err
    assert "without encryption" not in terminal  # the kernel channel is encrypted, no warning
    assert "tinybar" not in terminal and "Executing" not in terminal  # the chapter's own bars and papermill's
    assert nb_path.read_text() == source_before

    book = nbformat.read(repo / runner.EXECUTED_DIR / "a_first.ipynb", as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    tags = [c.metadata.get("tags", []) for c in code]
    assert tags[0] == ["parameters"]  # the parameters the run used: shown as code, the prose names them
    assert tags[1] == ["remove-cell"]  # the store path is its only output
    assert tags[2] == ["remove-cell"]  # the bar went to the terminal: no output
    assert tags[3] == ["remove-input"] and tags[4] == ["remove-input"]
    text = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "data under results/x.nc read twice" in text and str(repo) not in text
    assert "tinybar" not in text and "█" not in text
    assert not any(
        "remove-input" in c.metadata.get("tags", []) for c in nbformat.read(nb_path, as_version=4).cells
    )


@pytest.mark.parametrize("argv, inherited", [(["--no-progress"], "1"), ([], None)])
def test_no_progress_is_set_for_the_run_and_restored_after(repo, monkeypatch, argv, inherited):
    """`forlab run --no-progress` sets `progress.NO_PROGRESS` while the chapter runs (its kernel inherits it, as
    `test_book_copy_hides_code_and_plumbing` checks end to end) and removes it after."""
    from forlab.book import progress

    monkeypatch.delenv(progress.NO_PROGRESS, raising=False)
    seen = []

    def fake_run_chapter(root, chapter, overrides=(), profile=None, progress_bar=True):
        seen.append(os.environ.get(progress.NO_PROGRESS))
        return runner.RunResult(chapter, {}, True, root / "a.ipynb", root / "a.nc")

    monkeypatch.setattr(runner, "run_chapter", fake_run_chapter)
    assert cli.main(["run", "a_first", *argv]) == 0
    assert seen == [inherited] and progress.NO_PROGRESS not in os.environ


def test_prepare_for_book_on_outputs():
    root = Path("/srv/repo")
    nb = new_notebook(
        cells=[
            new_markdown_cell("# prose"),
            new_code_cell("path", outputs=[{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                            "data": {"text/plain": "PosixPath('results/ch/abc.nc')"}}]),
            new_code_cell("p", outputs=[{"output_type": "stream", "name": "stdout",
                                         "text": "store:  /srv/repo/results/ch/abc.nc\noffers: results/ch/abc-offers\n"}]),
            new_code_cell("w", outputs=[{"output_type": "stream", "name": "stderr", "text": "a warning\n"}]),
            new_code_cell("t", outputs=[{"output_type": "display_data", "metadata": {},
                                         "data": {"text/html": "<td>/srv/repo/archive/x.nc</td>", "text/plain": "x"}}]),
            new_code_cell("s", outputs=[{"output_type": "stream", "name": "stdout", "text": "store: results/a.nc\n42\n"}]),
        ]
    )  # fmt: skip
    runner.prepare_for_book(nb, root)
    tags = [c.metadata.get("tags") for c in nb.cells]
    assert tags == [
        None,
        ["remove-cell"],
        ["remove-cell"],
        ["remove-cell"],
        ["remove-input"],
        ["remove-input"],
    ]
    assert nb.cells[2].outputs[0]["text"].startswith("store:  results/ch/abc.nc")
    assert nb.cells[4].outputs[0]["data"]["text/html"] == "<td>archive/x.nc</td>"


def test_the_page_shows_the_parameters_the_run_used():
    """The prose names parameters whose values a reader must see: the page shows the parameters cell as code, and
    where papermill injected other values, those instead of the defaults."""
    defaults = new_code_cell("repeats = 3", metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[defaults, new_code_cell("x")])
    runner.prepare_for_book(nb, Path("/srv/repo"))
    assert nb.cells[0].metadata["tags"] == ["parameters"] and nb.cells[1].metadata["tags"] == ["remove-cell"]
    injected = new_code_cell("repeats = 5", metadata={"tags": ["injected-parameters"]})
    nb = new_notebook(cells=[new_code_cell("repeats = 3", metadata={"tags": ["parameters"]}), injected])
    runner.prepare_for_book(nb, Path("/srv/repo"))
    assert [c.metadata["tags"] for c in nb.cells] == [["parameters", "remove-cell"], ["injected-parameters"]]


# ---------------------------------------------------------------- hardening (issue 20) and stale pages (issue 15)

FLAKY_BODY = TINY_BODY + """
import os, time
if os.environ.get("FORLAB_TEST_FAIL"):
    raise RuntimeError("asked to fail")
time.sleep(float(os.environ.get("FORLAB_TEST_SLEEP", "0")))
"""


def test_failed_default_run_keeps_the_page_and_the_chapter_stale(repo, monkeypatch, capsys):
    """A failed default run used to replace book/chapters/<chapter>.ipynb with the error notebook while the cache
    still called it up to date; now the page changes only after a complete run."""
    write_chapter(repo, "a_first", body=FLAKY_BODY)
    page = repo / runner.EXECUTED_DIR / "a_first.ipynb"
    assert cli.main(["run", "a_first", "--no-progress"]) == 0
    good = page.read_bytes()
    assert "a_first" not in runner.stale_chapters(repo)  # a successful default run is recorded
    monkeypatch.setenv("FORLAB_TEST_FAIL", "1")
    assert cli.main(["run", "a_first", "--no-progress"]) == 1
    err = capsys.readouterr().err
    failed = store.path_for("a_first", runner.declared_parameters(repo / "notebooks" / "a_first.ipynb"))
    failed = failed.with_suffix(".failed.ipynb")
    # relative to the repository, as a successful run prints its store and notebook (it printed the absolute path)
    assert f"executed notebook with the full traceback: {(repo / failed).relative_to(repo)}\n" in err
    assert (repo / failed).is_file()
    assert page.read_bytes() == good and "a_first" in runner.stale_chapters(repo)
    assert sorted(p.name for p in page.parent.iterdir()) == ["a_first.ipynb"]  # no temporary file left


def test_interrupted_run_keeps_the_page(repo, monkeypatch):
    import papermill

    page = repo / runner.EXECUTED_DIR / "a_first.ipynb"
    page.parent.mkdir(parents=True)
    page.write_text("the previous, complete page")

    def interrupted(source, out, **kwargs):
        Path(out).write_text('{"cells": "half"}')
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_chapter(repo, "a_first", progress_bar=False)
    assert page.read_text() == "the previous, complete page"
    assert sorted(p.name for p in page.parent.iterdir()) == ["a_first.ipynb"]
    assert "a_first" in runner.stale_chapters(repo)


def test_sigkilled_run_keeps_the_page_and_its_temp_is_cleaned(repo, monkeypatch):
    """`forlab run` killed with SIGKILL mid-run: the page stays, the chapter stays stale, and the next run removes
    the killed run's temporary notebook."""
    import os
    import signal
    import subprocess
    import sys
    import time

    page = repo / runner.EXECUTED_DIR / "a_first.ipynb"
    page.parent.mkdir(parents=True)
    page.write_text("the previous, complete page")
    runner.record_run(repo, "a_first", runner.content_hash(repo, "a_first"))
    write_chapter(repo, "a_first", body=FLAKY_BODY)
    monkeypatch.setenv("FORLAB_TEST_SLEEP", "30")
    proc = subprocess.Popen([sys.executable, "-m", "forlab", "run", "a_first", "--no-progress"], cwd=repo,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not list(page.parent.glob(".a_first.*.tmp.ipynb")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # papermill has started the cells
    finally:
        kernels = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == proc.pid]
        os.killpg(proc.pid, signal.SIGKILL)  # the run: the process group this test started
        for kernel in kernels:  # its kernel, in a session of its own
            os.killpg(kernel, signal.SIGKILL)
        proc.wait(timeout=30)
    assert [p.name for p in page.parent.glob(".a_first.*.tmp.ipynb")] != []
    assert page.read_text() == "the previous, complete page" and "a_first" in runner.stale_chapters(repo)
    monkeypatch.setenv("FORLAB_TEST_SLEEP", "0")
    runner.run_chapter(repo, "a_first", progress_bar=False)
    assert sorted(p.name for p in page.parent.iterdir()) == ["a_first.ipynb"]
    assert "a_first" not in runner.stale_chapters(repo)


def _parent(proc_dir: Path) -> int | None:
    """The parent pid of the process of ``/proc/<pid>`` (None when it is gone)."""
    try:
        return int(proc_dir.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@pytest.mark.parametrize("name", ["{repo}/notebooks/a_first", "../notebooks/a_first", "notebooks/a_first.ipynb",
                                  "a_first.ipynb", "/etc/passwd", "a_first/../b_second", ""])
def test_a_chapter_is_a_name_never_a_path(repo, capsys, name):
    before = (repo / "notebooks" / "a_first.ipynb").read_bytes()
    assert cli.main(["run", name.format(repo=repo), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "a chapter is a name, not a path" in err and "chapters: a_first, b_second" in err
    assert ("did you mean a_first?" in err) == ("a_first" in name and "b_second" not in name)
    assert (repo / "notebooks" / "a_first.ipynb").read_bytes() == before
    assert not (repo / runner.EXECUTED_DIR).exists() and not (repo / "book" / "notebooks").exists()


def test_concurrent_cache_writers_do_not_collide(repo):
    """Two `forlab book` at once crashed on the fixed temporary name `.runcache.tmp`."""
    from concurrent.futures import ThreadPoolExecutor

    def write(i):
        for j in range(150):
            runner._write_cache(repo, {f"chapter{i}": str(j)})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    assert runner.load_cache(repo)  # valid JSON; entries may be lost to the race, never the file
    assert [p.name for p in (repo / "results").iterdir()] == [".runcache.json"]


def fake_run(root, chapter, progress_bar=False):
    """Writes a page and a store with new content and records the success, as a real default run would."""
    import time

    before = runner.content_hash(root, chapter)
    params = runner.declared_parameters(runner.notebook_path(root, chapter))
    out = root / runner.EXECUTED_DIR / f"{chapter}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("{}")
    target = store.path_for(chapter, params)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"{chapter} {time.time_ns()}")
    runner.record_run(root, chapter, before)


def test_book_reruns_a_chapter_when_a_store_it_reads_changes(repo, monkeypatch):
    monkeypatch.setitem(runner.READS, "a_first", (("b_second", None), ("b_second", "big"), ("a_first", "big")))
    monkeypatch.setitem(runner.READS, "b_second", (("b_second", "big"),))  # each shows its own profile run
    assert runner.run_stale(repo, run=fake_run, progress=False) == ["b_second", "a_first"]
    assert runner.stale_chapters(repo) == []
    fake_run(repo, "b_second")  # b_second's store re-made outside the book (forlab run b_second)
    assert runner.stale_chapters(repo) == ["a_first"]
    assert runner.run_stale(repo, run=fake_run, progress=False) == ["a_first"]
    big = runner.resolve_parameters(runner.declared_parameters(repo / "notebooks" / "b_second.ipynb"), {}, "big",
                                    runner.profiles(repo / "notebooks" / "b_second.ipynb"))
    archived = store.path_for("b_second", big, repo / "archive")
    archived.parent.mkdir(parents=True)
    archived.write_text("a profile run archived")  # a newly committed archive store
    assert runner.stale_chapters(repo) == ["b_second", "a_first"]  # b_second shows its own profile run too
    runner.run_stale(repo, run=fake_run, progress=False)
    own = store.path_for("a_first", big, repo / "results")  # a_first's own profile run
    own.write_text("a_first's paper-scale run")
    assert runner.stale_chapters(repo) == ["a_first"]
    runner.run_stale(repo, run=fake_run, progress=False)
    (repo / "notebooks" / "b_second.ipynb").write_text(
        (repo / "notebooks" / "b_second.ipynb").read_text().replace("# b_second", "# b_second, edited"))
    assert runner.stale_chapters(repo) == ["b_second", "a_first"]  # a_first follows the chapter it reads


def test_a_profile_store_a_chapter_does_not_read_changes_nothing(repo, monkeypatch):
    """Review finding: every profile store of a chapter entered its hash, so `forlab run 01_first_power_flow
    --profile peak` made the next `forlab book` re-run chapter 01, which never opens that store."""
    runner.run_stale(repo, run=fake_run, progress=False)
    before = runner.content_hash(repo, "a_first")
    store.path_for("a_first", runner.profile_params("a_first", "big")).write_text("a profile run nobody shows")
    assert runner.content_hash(repo, "a_first") == before and runner.stale_chapters(repo) == []
    monkeypatch.setitem(runner.READS, "a_first", (("a_first", "big"),))  # once its page shows it, it counts
    assert runner.content_hash(repo, "a_first") != before and runner.stale_chapters(repo) == ["a_first"]


def test_a_default_run_that_opens_its_own_undeclared_profile_store_fails(repo, monkeypatch, capsys):
    """Its own profile stores are inputs like any other's: opening one READS does not name fails the run, so the
    declaration that makes `forlab book` re-run the chapter when that store changes cannot be forgotten."""
    shows = TINY_BODY + '\nimport forlab.book.runner\nbig = forlab.book.runner.open_profile_store(CHAPTER, "big")\n'
    write_chapter(repo, "a_first", body=shows)
    assert cli.main(["run", "a_first", "--profile", "big", "--no-progress"]) == 0
    assert cli.main(["run", "a_first", "--no-progress"]) == 1
    assert "read store(s)" in capsys.readouterr().err and not (repo / runner.EXECUTED_DIR / "a_first.ipynb").exists()
    monkeypatch.setitem(runner.READS, "a_first", (("a_first", "big"),))
    assert cli.main(["run", "a_first", "--no-progress"]) == 0


SHOWN_PROFILE = re.compile(r"open_profile_store\(CHAPTER, \"(\w+)\"\)")


def shown_profiles(chapter: str) -> set[str]:
    """The profiles whose store ``chapter``'s notebook opens (`runner.open_profile_store(CHAPTER, "...")`)."""
    nb = nbformat.read(REPO / "notebooks" / f"{chapter}.ipynb", as_version=4)
    return {m for c in nb.cells if c.cell_type == "code" for m in SHOWN_PROFILE.findall(c.source)}


@pytest.mark.parametrize("chapter", runner.chapters(REPO))
def test_a_chapter_reruns_when_a_profile_store_it_shows_changes(chapter, tmp_path, monkeypatch):
    """Every profile store a chapter's page shows is declared in READS and enters its hash; one it does not show
    (chapter 01's `peak`, made by the README's own example) leaves the hash alone."""
    monkeypatch.setenv("FORLAB_RESULTS", str(tmp_path))
    shown, named = shown_profiles(chapter), runner.read_chapter(REPO, chapter)[1]
    assert shown <= {profile for source, profile in runner.READS.get(chapter, ()) if source == chapter}
    for profile in named:
        before = runner.content_hash(REPO, chapter)
        path = store.path_for(chapter, runner.resolve_parameters(runner.read_chapter(REPO, chapter)[0], {}, profile,
                                                                 named, chapter), tmp_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"a new {profile} store")
        assert (runner.content_hash(REPO, chapter) != before) == (profile in shown), profile
    if chapter == "01_first_power_flow":
        assert "peak" in named and not shown  # the README's example profile, which the page does not show


def test_an_undeclared_read_fails_the_default_run(repo, monkeypatch, capsys):
    """The declaration cannot fall behind the code: a default run that opens another chapter's store not in
    READS fails before its page is replaced."""
    reader = TINY_BODY + '\nother = forlab.book.store.open_store("b_second", PARAMS)\n'
    write_chapter(repo, "a_first", body=reader)
    assert cli.main(["run", "b_second", "--no-progress"]) == 0
    assert cli.main(["run", "a_first", "--no-progress"]) == 1
    assert "read store(s)" in capsys.readouterr().err and not (repo / runner.EXECUTED_DIR / "a_first.ipynb").exists()
    monkeypatch.setitem(runner.READS, "a_first", (("b_second", None),))
    assert cli.main(["run", "a_first", "--no-progress"]) == 0


def test_a_declared_store_the_run_does_not_read_fails_the_default_run(repo, monkeypatch, capsys):
    """Nor can it lag behind: a store READS declares, which exists and which the default run did not open, is a
    declaration the code has left behind (chapter 09 kept chapter 04's after it stopped reading them)."""
    monkeypatch.setitem(runner.READS, "a_first", (("b_second", None),))
    assert cli.main(["run", "a_first", "--no-progress"]) == 0  # no such store yet: nothing to read
    assert cli.main(["run", "b_second", "--no-progress"]) == 0
    assert cli.main(["run", "a_first", "--no-progress"]) == 1
    assert "did not read b_second (default run)" in capsys.readouterr().err
    write_chapter(repo, "a_first", body=TINY_BODY + '\nother = forlab.book.store.open_store("b_second", PARAMS)\n')
    assert cli.main(["run", "a_first", "--no-progress"]) == 0


def test_list_reports_a_corrupt_notebook_in_one_line_and_goes_on(repo, capsys):
    (repo / "notebooks" / "c_broken.ipynb").write_text('{"cells": [')
    (repo / "notebooks" / "d_bad_params.ipynb").write_text(
        json.dumps({"cells": [{"id": "p", "cell_type": "code", "source": "n = (", "metadata": {"tags": ["parameters"]},
                               "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4,
                    "nbformat_minor": 5}))
    assert cli.main(["list"]) == 1
    out, err = capsys.readouterr()
    assert "a_first" in out and "b_second" in out and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "notebooks/c_broken.ipynb is not a readable notebook" in lines[0]
    assert "notebooks/d_bad_params.ipynb" in lines[1]


def test_corrupt_profile_store_names_the_profile_command(repo):
    params = runner.profile_params("a_first", "big")
    path = store.save(xr.Dataset({"y": ("i", [1.0], {"units": "1"})}), "a_first", params)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(store.StoreError, match=r"a_first/[0-9a-f]{12}\.nc is unreadable .* re-run with "
                                               r"`forlab run a_first --profile big`"):
        runner.open_profile_store("a_first", "big")


def test_a_missing_profile_store_says_which_command_makes_it():
    """One sentence for every chapter's missing profile store (it was typed in seven places)."""
    assert runner.missing_profile_text("a_first") == "No paper-scale store yet: run `forlab run a_first --profile paper`."
    assert runner.missing_profile_text("a_first", "big") == (
        "No big-profile store yet: run `forlab run a_first --profile big`.")
    assert runner.missing_profile_text("a_first", what="store of every probe", also="`x.py`") == (
        "No store of every probe yet: run `forlab run a_first --profile paper` (or `x.py`).")


def test_every_chapter_names_a_missing_profile_store_through_the_runner():
    """No notebook or study module types its own missing-store sentence."""
    root = Path(__file__).resolve().parents[1]
    texts = [p.read_text() for p in [*root.glob("notebooks/*.ipynb"), *root.glob("src/forlab/studies/**/*.py")]]
    assert not [t for t in texts if re.search(r"No [\w-]+ store yet", t)]


def test_check_non_negative_names_the_count_and_what_zero_means():
    runner.check_non_negative({"n": 0, "m": 3}, ["n", "m"])
    for bad in (-1, 1.5, True, "2", None):
        with pytest.raises(ValueError, match=r"^k must be a non-negative integer \(0: none\), got "):
            runner.check_non_negative({"k": bad}, ["k"], {"k": "none"})
    with pytest.raises(ValueError, match=r"^n must be a non-negative integer, got -2$"):
        runner.check_non_negative({"n": -2}, ["n"])


def test_check_positive_takes_a_non_empty_list_of_finite_positive_numbers():
    """Code review #2: chapter 08's check of sizes, counts, levels and limits, which chapter 12 used as a private name
    of chapter 08, is the runner's, beside `check_distinct` and `check_non_negative`."""
    import numpy as np

    runner.check_positive("levels", [0.5, 1, np.float32(2.0)])
    runner.check_positive("n_ds", (1, 2, np.int64(4), 8.0), integer=True)
    for bad in ([], [0], [-1.0], [float("nan")], [float("inf")], [True], [1, "2"], 3, "1", None):
        with pytest.raises(ValueError, match=r"^levels must be a non-empty list of positive, finite numbers, got "):
            runner.check_positive("levels", bad)
    with pytest.raises(ValueError, match=r"^n_ds must be a non-empty list of positive integers, got \[1, 2.5\]$"):
        runner.check_positive("n_ds", [1, 2.5], integer=True)


CHECKED_CHAPTERS = {
    "01_first_power_flow": ("ch01_first_power_flow", "PARAMETERS", "check_params"),
    "02_grids_and_acopf": ("ch02_grids_and_acopf", "PARAMETERS", "check_params"),
    "03_for_sampling": ("ch03_for_sampling", "PARAMETER_TYPES", "check_params"),
    "04_for_representation": ("ch04_for_representation", "PARAMETER_TYPES", "check_params"),
    "05_coordination": ("ch05_coordination", "PARAMETERS", "check_params"),
    "06_ml_surrogate": ("ch06_ml_surrogate.store", "PARAMETER_TYPES", "check_params"),
    "07_aladin": ("ch07_aladin.study", "PARAMETER_TYPES", "check_params"),
    "08_sensitivity": ("ch08_sensitivity", "PARAMETER_TYPES", "check_params"),
    "09_comparison": ("ch09_comparison", "PARAMETER_TYPES", "check_params"),
    "10_consuming_an_offer": ("ch10_consuming_an_offer", "PARAMETER_TYPES", "check_params"),
    "11_reliability": ("ch11_reliability", "PARAMETERS", "check_params"),
    "12_many_dsos": ("ch12_many_dsos", "PARAMETER_TYPES", "check_params"),
}
"""Every chapter's check: module (under forlab.studies), its table of parameters (`runner.check_types`'s types,
or the names alone, `runner.check_names`, where the check says the types in its own words), the check."""


def _chapter_check(chapter):
    """(module, its parameter table, its check) of ``chapter`` (`CHECKED_CHAPTERS`)."""
    import importlib

    module, table, check = CHECKED_CHAPTERS[chapter]
    mod = importlib.import_module(f"forlab.studies.{module}")
    return mod, getattr(mod, table), getattr(mod, check)


def test_every_chapter_has_a_checked_parameter_table():
    assert set(CHECKED_CHAPTERS) == set(runner.chapters(REPO))


@pytest.mark.parametrize("chapter", sorted(CHECKED_CHAPTERS))
def test_a_chapters_type_table_names_its_parameters_and_its_profiles_pass(chapter):
    _, table, check = _chapter_check(chapter)
    notebook = REPO / "notebooks" / f"{chapter}.ipynb"
    defaults = runner.declared_parameters(notebook)
    assert set(table) == set(defaults)
    check(defaults)
    for profile in runner.profiles(notebook).values():
        check({**defaults, **profile})


@pytest.mark.parametrize("chapter", sorted(CHECKED_CHAPTERS))
def test_a_chapters_check_refuses_an_unknown_or_missing_parameter_naming_it(chapter):
    """Review R1, item 18: ``ch01.run({"grid": "case33bw"})`` was a bare KeyError, an unknown key passed without a
    word. Every chapter's check says both by `runner.check_names`' one rule, listing the chapter's parameters."""
    _, table, check = _chapter_check(chapter)
    defaults = runner.declared_parameters(REPO / "notebooks" / f"{chapter}.ipynb")
    listing = re.escape(f"; its parameters are {', '.join(table)}") + "$"
    with pytest.raises(ValueError, match=rf"^chapter {chapter}: unknown parameters \['no_such'\]{listing}"):
        check({**defaults, "no_such": 1})
    first = next(iter(table))
    with pytest.raises(ValueError, match=rf"^chapter {chapter}: missing parameters \['{first}'\]{listing}"):
        check({k: v for k, v in defaults.items() if k != first})
    with pytest.raises(ValueError, match=rf"unknown parameters \['{first}_'\] \(did you mean '{first}'\?\)"):
        check({k if k != first else f"{first}_": v for k, v in defaults.items()})


@pytest.mark.parametrize("chapter", sorted(CHECKED_CHAPTERS))
def test_a_chapters_run_checks_its_parameters_before_any_work(chapter):
    """`run(params)` starts with the chapter's check (after its docstring and imports), so a bad parameter set is
    refused before anything is built or solved: read from the code, since a run that skipped it would run for
    minutes before failing (or not at all)."""
    import ast
    import inspect
    import textwrap

    mod, _, check = _chapter_check(chapter)
    body = ast.parse(textwrap.dedent(inspect.getsource(mod.run))).body[0].body
    first = next(node for node in body[1:] if not isinstance(node, ast.Import | ast.ImportFrom))
    assert ast.unparse(first) == f"{check.__name__}(params)"
    assert mod.run.__globals__[check.__name__] is check


# ---------------------------------------------------------------- review fixes: store check, types, unreadable notebooks, READS

NO_SAVE_BODY = TINY_BODY.replace(
    "print(forlab.book.store.save(ds, CHAPTER, PARAMS))",
    'import os\nif not os.environ.get("FORLAB_TEST_NO_SAVE"):\n    print(forlab.book.store.save(ds, CHAPTER, PARAMS))',
)


def test_a_store_left_by_an_earlier_run_is_not_this_runs(repo, monkeypatch, capsys):
    """The check that a run wrote its store looked only for a file: one left by an earlier run passed."""
    write_chapter(repo, "a_first", body=NO_SAVE_BODY)
    assert cli.main(["run", "a_first", "--no-progress"]) == 0
    monkeypatch.setenv("FORLAB_TEST_NO_SAVE", "1")
    assert cli.main(["run", "a_first", "--no-progress"]) == 1
    assert "wrote no store" in (err := capsys.readouterr().err) and "earlier run's" in err
    assert "a_first" in runner.stale_chapters(repo)


def test_a_store_of_other_parameters_at_the_path_is_not_this_runs(repo):
    params = runner.declared_parameters(repo / "notebooks" / "a_first.ipynb")
    other = store.save(xr.Dataset({"y": ("i", [1.0], {"units": "1"})}), "a_first", params | {"n": 9})
    target = store.path_for("a_first", params)
    other.replace(target)  # copied over the store's name: a new file, but not this run's parameters
    run = runner._Run(repo, "a_first", repo / "notebooks" / "a_first.ipynb", {}, target, False, False)
    with pytest.raises(runner.ChapterFailed, match=f"parameter_hash '{store.param_hash(params | {'n': 9})}'"):
        run.check(repo / "no.log", None)


@pytest.mark.parametrize(("value", "default", "says"), [
    (["case69"], "case33bw", r"\['case69'\] is a list, not a str"), (True, 1, "True is a bool, not an int"),
    (False, 1.0, "False is a bool, not a float"), (1, True, "1 is an int, not a bool"), (["a"], {}, "is a list, not a dict"),
    ([1.5], [1, 2], r"holds the float 1.5: every element must be an int"),
    ('["a"]', [0.8, 1.0], "holds the str 'a': every element must be a float"),
    ([1], ["case9"], "every element must be a str"), ("[1, true]", [1], "holds the bool True"),
])
def test_a_value_that_does_not_fit_is_a_type_error(value, default, says):
    """A non-string value went through json.dumps: ["case69"] became the string '["case69"]', True became 1."""
    with pytest.raises(TypeError, match=says):
        runner.coerce(value, default)


def test_fitting_values_keep_their_hash():
    """Ints in a float list stay ints (an archived store's parameters hash as they were); a tuple is a list."""
    assert runner.coerce([0, 10], [0.0, 5.0]) == [0, 10] and type(runner.coerce([0], [0.5])[0]) is int
    assert runner.coerce((1, 2), [0]) == [1, 2] and runner.coerce([1, 2], (0,)) == (1, 2)
    assert runner.coerce([], [1.0]) == [] and runner.coerce(["a", 1], []) == ["a", 1]
    assert runner.coerce([True], None) == [True] and runner.coerce(True, None) is True


def test_a_profile_value_of_another_type_stops_with_exit_2(repo, capsys):
    nb_path = repo / "notebooks" / "a_first.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["forlab"]["profiles"]["odd"] = {"label": ["case69"], "n": True}
    nbformat.write(nb, nb_path)
    assert cli.main(["run", "a_first", "--profile", "odd", "--no-progress"]) == 2
    assert "profile 'odd': bad value for 'label'" in capsys.readouterr().err
    assert cli.main(["run", "a_first", "-p", "flags", '["a"]', "--no-progress"]) == 2
    assert "bad value for 'flags'" in capsys.readouterr().err
    assert not store.list_stores("a_first")  # nothing ran


@pytest.mark.parametrize(("text", "says"), [
    ('{"cells": [', "NotJSONError"),
    (None, "metadata.forlab.profiles must map each profile name to a dict"),
])
def test_run_and_book_report_an_unreadable_notebook_without_a_traceback(repo, capsys, text, says):
    nb_path = repo / "notebooks" / "a_first.ipynb"
    if text is None:  # a profile that is not a dict
        nb = nbformat.read(nb_path, as_version=4)
        nb.metadata["forlab"]["profiles"] = {"big": [5]}
        nbformat.write(nb, nb_path)
    else:
        nb_path.write_text(text)
    for argv in (["run", "a_first", "--no-progress"], ["book"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "notebooks/a_first.ipynb is not a readable notebook" in err and says in err
        assert "git checkout -- notebooks/a_first.ipynb" in err


def test_a_typo_in_reads_names_the_chapter_and_reads(repo, monkeypatch):
    monkeypatch.setitem(runner.READS, "a_first", (("b_second", "bigg"),))
    with pytest.raises(runner.ParameterError, match=r"\('b_second', 'bigg'\), declared in READS\['a_first'\] "
                                                    r"\(forlab.book.runner\): b_second has no profile 'bigg' "
                                                    r"\(its profiles: big\)"):
        runner.content_hash(repo, "a_first")
    monkeypatch.setitem(runner.READS, "a_first", (("b_secnd", None),))
    with pytest.raises(runner.ParameterError, match=r"declared in READS\['a_first'\].*unknown chapter 'b_secnd'"):
        runner.content_hash(repo, "a_first")


def test_a_value_the_chapter_refuses_stops_with_exit_2_before_a_kernel_starts(monkeypatch, capsys):
    """A value of the right type that the chapter's own check refuses (`runner.check_values`) is a usage error, as
    the README says: exit status 2 with the chapter's message, no kernel, no ``.failed.ipynb``."""
    import papermill

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("a kernel was started"))
    assert cli.main(["run", "01_first_power_flow", "-p", "load_scale", "-1", "--no-progress"]) == 2
    assert "load_scale must be a positive finite number" in capsys.readouterr().err
    assert cli.main(["run", "01_first_power_flow", "-p", "grid", "nope", "--no-progress"]) == 2
    assert "grid must be one of the distribution grids" in capsys.readouterr().err


def test_every_chapter_has_its_check_and_a_notebook_without_one_has_none():
    """`runner.chapter_check` finds ``check_params`` of every chapter's study module; a notebook of a project's own
    has no study module and so no check (`runner.check_values` lets it through)."""
    root = Path(__file__).resolve().parents[1]
    for chapter in runner.chapters(root):
        assert callable(runner.chapter_check(chapter)), chapter
    assert runner.chapter_check("a_first") is None
    runner.check_values("a_first", {"anything": -1})


def no_kernel(monkeypatch):
    """papermill fails the test if a run gets as far as starting a kernel."""
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("a kernel was started"))


def test_a_parameter_given_twice_is_refused_naming_it(repo, monkeypatch, capsys):
    """Review R1, finding 21: ``-p load_scale 0.8 -p load_scale 0.9`` ran at 0.9 without a word."""
    no_kernel(monkeypatch)
    assert cli.main(["run", "a_first", "-p", "n", "3", "-p", "scale", "2", "-p", "n", "4", "--no-progress"]) == 2
    assert "-p: parameter 'n' is given twice ('3', then '4'): give it once" in capsys.readouterr().err
    with pytest.raises(runner.ParameterError, match="'n' is given twice"):
        runner.resolve_parameters({"n": 2}, [("n", "3"), ("n", "3")])
    # a profile's value and then -p of the same name is no repeat: -p overrides the profile
    assert runner.resolve_parameters({"n": 2}, [("n", "7")], "big", {"big": {"n": 5}}) == {"n": 7}


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "c", "-p", "load_scale=0.8"], ["run", "c", "-p", "load_scale", "0.8"]),
    (["run", "c", "--parameter", "x=a=b"], ["run", "c", "--parameter", "x", "a=b"]),  # the first = only
    (["run", "c", "--parameter=x=1", "-px=2", "-p=x=3"], ["run", "c", "-p", "x", "1", "-p", "x", "2", "-p", "x", "3"]),
    (["run", "c", "-p", "label", "a=b"], ["run", "c", "-p", "label", "a=b"]),  # NAME VALUE: the value stays whole
    (["run", "c", "-p", "scheduler="], ["run", "c", "-p", "scheduler", ""]),
    (["run", "c", "--profile", "x=1", "--", "-p", "y=2"], ["run", "c", "--profile", "x=1", "--", "-p", "y=2"]),
])
def test_name_equals_value_is_the_pair_argparse_reads(argv, expected):
    assert cli.split_assignments(argv) == expected


def test_p_name_equals_value_is_accepted_and_the_help_says_so(monkeypatch, capsys):
    """Review R1, finding 11: ``-p load_scale=0.8`` got only argparse's "expected 2 arguments"."""
    no_kernel(monkeypatch)
    monkeypatch.chdir(REPO)
    assert cli.main(["run", "01_first_power_flow", "-p", "load_scale=-1", "--no-progress"]) == 2
    assert "load_scale must be a positive finite number, got -1.0" in capsys.readouterr().err  # name and value apart
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", "01_first_power_flow", "-p", "load_scale"])
    assert stop.value.code == 2
    assert "expected 2 arguments; write -p NAME VALUE or -p NAME=VALUE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    assert "-p NAME=VALUE" in " ".join(capsys.readouterr().out.split())


def test_help_is_plain_text_with_the_version_chapters_and_exit_statuses(monkeypatch, capsys):
    """Review R1, finding 17: ``forlab --help`` showed RST markup, ``forlab --version`` was a usage error, and
    ``forlab run --help`` named neither the chapters nor the exit statuses."""
    import forlab

    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"forlab {forlab.__version__}"
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    top = capsys.readouterr().out
    assert "`" not in top and "The forlab command: run a chapter" in top and cli.EXIT_STATUS in top
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    run_help = capsys.readouterr().out
    listed = " ".join(run_help.split("chapters: ", 1)[1].split("(forlab list")[0].split())
    assert listed == ", ".join(runner.chapters(REPO)) and cli.EXIT_STATUS in run_help
    assert "2  bad usage" in cli.EXIT_STATUS
    assert max(len(line) for line in [*cli.EXIT_STATUS.splitlines(), *cli._chapters_help().splitlines()]) \
        <= cli.HELP_WIDTH


def test_list_one_chapter(repo, capsys):
    """Review R1, finding 17: ``forlab list 01_first_power_flow`` was "unrecognized arguments"."""
    assert cli.main(["list", "a_first"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("a_first") and "b_second" not in out and "n = 2  (int)" in out
    assert cli.main(["list", "b_second", "a_first"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")] == \
        ["b_second", "a_first"]
    assert cli.main(["list", "a_first", "nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "unknown chapter 'nope'; chapters: a_first, b_second" in captured.err


def test_list_into_a_closed_pipe_ends_quietly(repo):
    """Review R1, finding 16: ``forlab list | head`` ended with a BrokenPipeError traceback (Python's flush of
    stdout at exit); the reader closed the pipe, and the command now ends without a word, exit status 1."""
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-m", "forlab", "list"], stdout=write, stderr=subprocess.PIPE,
                              cwd=repo, text=True, timeout=120, check=False)
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 1


def test_chapter_params_names_the_chapter_not_an_argument_of_this_code(monkeypatch):
    """Review R1, finding 13: ``chapter_params(ch, {"load_scale": "x"})`` said "override: bad value ...", after the
    default of an argument the reader never typed."""
    monkeypatch.chdir(REPO)
    with pytest.raises(runner.ParameterError) as err:
        runner.chapter_params("01_first_power_flow", {"load_scale": "x"})
    assert str(err.value).startswith("01_first_power_flow: bad value for 'load_scale': 'x' is not a number")
    assert "override" not in str(err.value)
    with pytest.raises(runner.ParameterError, match="^p1_params: unknown parameter 'nope'"):
        runner.chapter_params("01_first_power_flow", {"nope": 1}, "p1_params")  # a caller's name is kept


def test_check_positive_value_speaks_of_a_scalar_as_typed():
    """Review finding (session 54): a scalar parameter was checked as ``[value]`` and reported as "a non-empty list
    ..., got [0]"; `runner.check_positive_value` says the list check's rule of the value the user typed."""
    with pytest.raises(ValueError, match=r"^timing_repeats must be a positive integer, got 0$"):
        runner.check_positive_value("timing_repeats", 0, integer=True)
    for bad in (0, -1.0, float("nan"), True, "1", None, [1]):
        with pytest.raises(ValueError, match=r"^time_limit_s must be a positive, finite number, got "):
            runner.check_positive_value("time_limit_s", bad)
    runner.check_positive_value("time_limit_s", 2.5)
    runner.check_positive_value("repeats", 3, integer=True)
