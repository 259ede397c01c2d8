"""forlab.book.runner and the forlab CLI: parameters, coercion, the chapter convention, caching, a real papermill run."""

import json
from pathlib import Path

import nbformat
import pytest
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
ds = xr.Dataset({{"y": ("i", scale * np.arange(n)), "y_status": forlab.book.store.solver_status(["converged"] * n, "i")}})
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
    ("value", "default"), [("abc", 1.0), ("1.5", 1), ("maybe", True), ("[1", []), ("1", [])]
)
def test_wrong_type_is_rejected(value, default):
    with pytest.raises((ValueError, TypeError)):
        runner.coerce(value, default)


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


def test_book_cache_reruns_only_what_changed(repo):
    ran = []

    def fake_run(root, chapter, progress_bar=False):
        ran.append(chapter)
        params = runner.declared_parameters(runner.notebook_path(root, chapter))
        out = root / runner.EXECUTED_DIR / f"{chapter}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("{}")
        target = store.path_for(chapter, params)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"")

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
    assert "without encryption" not in capfd.readouterr().err  # the kernel channel is encrypted, no warning
    assert nb_path.read_text() == source_before

    book = nbformat.read(repo / runner.EXECUTED_DIR / "a_first.ipynb", as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    tags = [c.metadata.get("tags", []) for c in code]
    assert tags[0] == ["parameters", "remove-cell"]  # parameters
    assert tags[1] == ["remove-cell"]  # the store path is its only output
    assert tags[2] == ["remove-cell"]  # the bar went to the terminal: no output
    assert tags[3] == ["remove-input"] and tags[4] == ["remove-input"]
    text = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert "data under results/x.nc read twice" in text and str(repo) not in text
    assert "tinybar" not in text and "█" not in text
    assert not any(
        "remove-input" in c.metadata.get("tags", []) for c in nbformat.read(nb_path, as_version=4).cells
    )


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
