"""environment.yml (conda) and pyproject.toml (pip) must name the same packages with the same version ranges."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CONDA_ONLY = {"python", "pip", "ipopt"}  # the interpreter, the installer, and the NLP solver PyPI cannot give
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


def normalise(requirement: str) -> tuple[str, str]:
    """(PEP 503 name, version spec without spaces) of ``requirement``; conda's ``=`` pin counts as ``==``."""
    name, _extras, spec = REQUIREMENT.match(requirement).groups()
    spec = spec.replace(" ", "")
    if re.fullmatch(r"=[^=].*", spec):
        spec = "=" + spec
    return re.sub(r"[-_.]+", "-", name).lower(), spec


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return dict(normalise(r) for r in requirements)


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    entries = []
    for dep in env["dependencies"]:
        entries.extend(dep["pip"] if isinstance(dep, dict) else [dep])
    return dict(normalise(e) for e in entries if not e.startswith("-"))


def test_same_packages():
    pip, conda = pyproject_requirements(), environment_requirements()
    conda = {name: spec for name, spec in conda.items() if name not in CONDA_ONLY}
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml but not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml but not in pyproject.toml"


def test_same_version_ranges():
    pip, conda = pyproject_requirements(), environment_requirements()
    assert {n: s for n, s in conda.items() if n in pip} == pip


def test_conda_environment_adds_python_311_and_ipopt():
    conda = environment_requirements()
    assert conda["python"] == "==3.11" and "ipopt" in conda


def test_normalise():
    assert normalise("Jupyter_Book >=1.0, <2") == ("jupyter-book", ">=1.0,<2")
    assert normalise("python=3.11") == ("python", "==3.11")
    assert normalise("nbval[x]>=0.11") == ("nbval", ">=0.11")
