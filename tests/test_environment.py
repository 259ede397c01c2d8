"""The environment the book is made in: pyproject.toml (ranges), requirements.lock (exact versions with hashes, made
by `python3 scripts/dev.py lock`), environment.yml (conda, pinned to the lock) and the installed venv agree."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from forlab.book import provenance

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
CONDA_ONLY = {"python", "pip", "ipopt"}  # the interpreter, the installer, and the NLP solver PyPI cannot give
LOCKED_EXTRAS = ("test",)  # pyproject extras the lock covers (besides the runtime dependencies)
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


def normalise(requirement: str) -> tuple[str, str]:
    """(PEP 503 name, version spec without spaces) of ``requirement``; conda's ``=`` pin counts as ``==``."""
    name, _extras, spec = REQUIREMENT.match(requirement).groups()
    spec = spec.replace(" ", "")
    if re.fullmatch(r"=[^=].*", spec):
        spec = "=" + spec
    return re.sub(r"[-_.]+", "-", name).lower(), spec


def pyproject_requirements(extras: tuple[str, ...] | None = None) -> dict[str, str]:
    """Name -> range of the runtime dependencies and of ``extras`` (None: every extra)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    chosen = optional if extras is None else {name: optional[name] for name in extras}
    return dict(normalise(r) for r in [*project["dependencies"], *(r for e in chosen.values() for r in e)])


def environment_requirements(path: Path = REPO / "environment.yml") -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    entries = []
    for dep in env["dependencies"]:
        entries.extend(dep["pip"] if isinstance(dep, dict) else [dep])
    return dict(normalise(e) for e in entries if not e.startswith("-"))


def test_same_packages():
    pip, conda = pyproject_requirements(), environment_requirements()
    conda = {name: spec for name, spec in conda.items() if name not in CONDA_ONLY}
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but not in pyproject.toml"


def test_lock_covers_every_dependency_within_its_range():
    locked = provenance.locked_versions(LOCK.read_text())
    wanted = pyproject_requirements(LOCKED_EXTRAS)
    assert sorted(set(wanted) - set(locked)) == [], "in pyproject.toml but not in the lock: python3 scripts/dev.py lock"
    outside = {n: (locked[n], spec) for n, spec in wanted.items() if locked[n] not in SpecifierSet(spec)}
    assert outside == {}, "locked versions outside pyproject's ranges: python3 scripts/dev.py lock"


def test_lock_holds_the_build_backend_within_its_range():
    """The editable install runs without build isolation (scripts/dev.py): setuptools and wheel must be in the lock
    for themselves, not only while another package happens to depend on them."""
    locked = provenance.locked_versions(LOCK.read_text())
    build = dict(normalise(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"])
    assert {n: locked.get(n) for n in build if locked.get(n) not in SpecifierSet(build[n])} == {}
    blocks = {b.split("==")[0]: b for b in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text())}
    assert all("build-system.in" in blocks[n] for n in build), \
        "the build backend is not locked in its own right: python3 scripts/dev.py lock"


def test_every_locked_package_has_a_hash():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 2)[2])
    unhashed = [b.split()[0] for b in blocks if "==" in b.split()[0] and "--hash=sha256:" not in b]
    assert unhashed == [] and len(blocks) == len(provenance.locked_versions(LOCK.read_text()))


def stale_pins(conda: dict[str, str], locked: dict[str, str]) -> dict[str, str | None]:
    """Name -> environment.yml's spec (None: missing) of every locked dependency it does not pin to the lock."""
    wanted = pyproject_requirements(LOCKED_EXTRAS)
    return {n: conda.get(n) for n in wanted if conda.get(n) != f"=={locked[n]}"}


def test_environment_pins_the_locked_versions():
    locked, conda = provenance.locked_versions(LOCK.read_text()), environment_requirements()
    assert stale_pins(conda, locked) == {}, "environment.yml is stale: python3 scripts/dev.py lock"
    unlocked = set(pyproject_requirements()) - set(pyproject_requirements(LOCKED_EXTRAS))  # the lab extra
    assert {n: conda[n] for n in unlocked} == {n: s for n, s in pyproject_requirements().items() if n in unlocked}


def test_pin_check_fails_on_a_stale_environment(tmp_path):
    """The check above names a package environment.yml pins to another version than the lock, or leaves out."""
    locked = provenance.locked_versions(LOCK.read_text())
    real = (REPO / "environment.yml").read_text()
    assert f"- numpy=={locked['numpy']}\n" in real
    stale = tmp_path / "environment.yml"
    stale.write_text(real.replace(f"- numpy=={locked['numpy']}\n", "- numpy==0.0.1\n"))
    assert stale_pins(environment_requirements(stale), locked) == {"numpy": "==0.0.1"}
    stale.write_text("".join(line for line in real.splitlines(True) if "- numpy==" not in line))
    assert stale_pins(environment_requirements(stale), locked) == {"numpy": None}


def test_installed_versions_are_the_locked_ones():
    """The venv the tests run in is the lock (scripts/dev.py installs it with --require-hashes)."""
    assert provenance.lock_mismatches() == (), (
        "reinstall: .venv/bin/python -m pip install --require-hashes -r requirements.lock"
    )


def test_lock_mismatch_is_reported(tmp_path):
    fake = tmp_path / "requirements.lock"
    fake.write_text(f"numpy==0.0.1 \\\n    --hash=sha256:{'0' * 64}\nnot-installed-pkg==1.0 \\\n")
    assert provenance.lock_mismatches(fake) == (
        "not-installed-pkg not installed, 1.0 locked", f"numpy {metadata.version('numpy')} installed, 0.0.1 locked")


def test_conda_environment_adds_python_311_and_ipopt():
    conda = environment_requirements()
    assert conda["python"] == "==3.11" and "ipopt" in conda


def test_normalise():
    assert normalise("Jupyter_Book >=1.0, <2") == ("jupyter-book", ">=1.0,<2")
    assert normalise("python=3.11") == ("python", "==3.11")
    assert normalise("nbval[x]>=0.11") == ("nbval", ">=0.11")


@pytest.mark.parametrize("words", [["-m", "forlab", "--help"], ["-m", "forlab", "list"]])
def test_python_m_forlab_is_the_forlab_command(words):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, *words], check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("usage: forlab" in done.stdout) if "--help" in words else ("01_first_power_flow" in done.stdout)


def load_dev():
    """scripts/dev.py as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev", REPO / "scripts" / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    return dev


def test_dev_test_runs_only_the_paths_it_is_given_and_never_an_options_value():
    """`python3 scripts/dev.py test -k book` filters the whole suite (tests and notebooks) by name; it once took
    ``book``, the value of ``-k``, for the folder to run, and so left the notebooks out."""
    dev = load_dev()
    assert dev.named_paths(["-k", "book"]) == [] and dev.named_paths(["-m", "data", "-x"]) == []
    assert dev.named_paths(["--config-file", "pyproject.toml", "--log-file", "README.md"]) == []
    assert dev.named_paths(["tests/test_opf.py", "-k", "notebooks"]) == ["tests/test_opf.py"]
    assert dev.named_paths(["notebooks", "tests/test_opf.py::test_x"]) == ["notebooks", "tests/test_opf.py::test_x"]


def test_dev_names_the_fix_for_another_python():
    """It said "forlab's lock is for Python 3.11, this is 3.12.3" and stopped: now it says to run it with
    python3.11."""
    dev = load_dev()
    assert dev.interpreter_problem((3, 11, 9)) is None
    problem = dev.interpreter_problem((3, 12, 3))
    assert "this is 3.12.3" in problem and "run this command with python3.11" in problem
    assert "python3.11-venv" in problem


@pytest.mark.parametrize(("cfg", "made_by"), [
    ("home = /usr/bin\nversion = 3.11.7\n", None),
    ("home = /usr/bin\nimplementation = CPython\nversion_info = 3.11.4.final.0\n", None),  # uv
    ("home = /usr/bin\nversion = 3.12.3\n", "Python 3.12.3"),
    ("version_info = 3.13.0.final.0\n", "Python 3.13.0"),
    ("home = /usr/bin\n", "an unknown Python"),
])
def test_dev_refuses_a_venv_made_by_another_python(tmp_path, cfg, made_by):
    """A .venv made by another Python got the cp311 lock installed into it and failed inside pip: dev.py reads its
    pyvenv.cfg first and says to remove it."""
    dev = load_dev()
    assert dev.venv_problem(tmp_path / "none") is None  # no venv yet: dev.py creates one
    (tmp_path / "pyvenv.cfg").write_text(cfg)
    problem = dev.venv_problem(tmp_path)
    if made_by is None:
        assert problem is None
    else:
        assert f"made by {made_by}" in problem and f"rm -rf {tmp_path}" in problem and "python3.11" in problem


def test_dev_stops_before_installing_into_a_venv_of_another_python(tmp_path, monkeypatch):
    dev = load_dev()
    (tmp_path / "pyvenv.cfg").write_text("version = 3.12.3\n")
    monkeypatch.setattr(dev, "VENV", tmp_path)
    monkeypatch.setattr(dev, "sh", lambda *cmd: pytest.fail(f"ran {cmd}"))
    monkeypatch.setattr(dev, "interpreter_problem", lambda: None)  # whatever runs the tests
    with pytest.raises(SystemExit, match="made by Python 3.12.3.*remove it"):
        dev.ensure_venv()


def test_dev_install_installs_and_does_nothing_else(monkeypatch, capsys):
    """Review R1, finding 1: `book` and `test` install and then work for many minutes; a reader who only re-runs a
    chapter had no command for the install alone (and the three by-hand lines write no stamp)."""
    dev = load_dev()
    done = []
    monkeypatch.setattr(dev, "ensure_venv", lambda: done.append("ensure_venv"))  # the install, with its stamp
    monkeypatch.setattr(dev, "subprocess", None)  # no job runs after it (an attribute of None would fail)
    assert dev.main(["install"]) == 0 and done == ["ensure_venv"]
    assert ".venv/bin/forlab list" in capsys.readouterr().out
    assert "python3 scripts/dev.py install" in dev.__doc__
    assert dev.main(["install", "--force"]) == 2  # it takes no words: the usage, not a silent install


def test_dev_into_a_closed_pipe_ends_quietly():
    """Session 55, A2: ``python3 scripts/dev.py ... | head`` ended with a BrokenPipeError traceback; it now ends as
    ``forlab list | head`` does (`forlab.book.cli.main`), without a word, exit status 1. Run in an interpreter
    without the venv's packages (``-S``), as on a fresh machine."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-S", "scripts/dev.py"], stdout=write, stderr=subprocess.PIPE,
                              cwd=REPO, text=True, timeout=60, check=False)
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 1
    usage = subprocess.run([sys.executable, "-S", "scripts/dev.py"], capture_output=True, cwd=REPO, text=True,
                           timeout=60, check=False)
    assert usage.returncode == 2 and "python3 scripts/dev.py install" in usage.stdout  # an open pipe: the usage


def test_the_readme_re_runs_a_chapter_from_the_install_command():
    """Review R1, finding 1: the README's "Re-running a chapter" section began with `.venv/bin/forlab list`, as if
    `.venv` existed; its first command is now the install."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Re-running a chapter", 1)[1]
    first_block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0].split("#")[0].strip() == "python3 scripts/dev.py install"
