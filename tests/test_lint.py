"""ruff, pinned in the `test` extra, holds src, tests and scripts to pyproject's [tool.ruff] rules."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def venv_ruff() -> str | None:
    """The ruff beside the interpreter running the tests (the locked one), else the one on PATH, else None."""
    beside = Path(sys.executable).parent / "ruff"
    return str(beside) if beside.is_file() else shutil.which("ruff")


def test_ruff_finds_nothing():
    ruff = venv_ruff()
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the `test` extra: python3 scripts/dev.py test installs it)")
    done = subprocess.run([ruff, "check", "src", "tests", "scripts"], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
