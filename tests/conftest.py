"""Fixtures shared by the tests of tests/."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test starts with no open figure: study functions return figures, and many open ones cost memory."""
    yield
    plt.close("all")
