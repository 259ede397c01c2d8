#!/usr/bin/env python3
"""One command per job on a fresh machine with only Python >= 3.11 and pip.

    python3 scripts/dev.py book [--force]   # install, run every changed chapter, build _build/html
    python3 scripts/dev.py test             # install, run tests/ and every notebook under nbval
    python3 scripts/dev.py check-html       # check the built _build/html for what a reader should never see

Each command first makes sure `.venv` exists and holds forlab (editable, with test extras) and a `python3`
Jupyter kernel that points at the venv's interpreter; it reinstalls when pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".forlab-installed"


def sh(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def ensure_venv() -> None:
    """Create or update .venv so that it matches pyproject.toml."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs on whatever python3 the machine has
        sys.exit(f"forlab needs Python >= 3.11, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    sh(PYTHON, "-m", "pip", "install", "--quiet", "--progress-bar", "off", "-e", ".[test]")
    sh(
        PYTHON,
        "-m",
        "ipykernel",
        "install",
        "--sys-prefix",
        "--name",
        "python3",
        "--display-name",
        "Python 3 (forlab)",
    )
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    jobs = {
        "book": [VENV / "bin" / "forlab", "book"],
        "test": [PYTHON, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "tests", "notebooks"],
        "check-html": [VENV / "bin" / "forlab", "check-html", "_build/html"],
    }
    if not argv or argv[0] not in jobs:
        print(__doc__)
        return 2
    ensure_venv()
    cmd = [*jobs[argv[0]], *argv[1:]]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
