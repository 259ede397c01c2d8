"""Fixtures shared by the tests of tests/."""

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test starts with no open figure: study functions return figures, and many open ones cost memory."""
    yield
    plt.close("all")


@pytest.fixture
def script():
    """``script(name)``: the module of ``scripts/<name>.py`` (scripts are no package), loaded from its file."""
    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
