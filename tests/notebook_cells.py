"""What the chapters' tests read from a notebook's cells, Markdown and code (one copy for every chapter's test).

A notebook is named by its path or by its chapter's stem ("07_aladin", a notebook of notebooks/). Each helper reads
the notebook afresh, so a test sees the file as it is when the test runs.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _cells(notebook: Path | str) -> list[dict]:
    path = notebook if isinstance(notebook, Path) else NOTEBOOKS / f"{notebook}.ipynb"
    return json.loads(path.read_text())["cells"]


def sources(notebook: Path | str, kind: str | None = None) -> list[str]:
    """The sources of the notebook's cells of ``kind`` ("markdown", "code"; None: every cell), in order."""
    return ["".join(c["source"]) for c in _cells(notebook) if kind is None or c["cell_type"] == kind]


def prose_of(notebook: Path | str) -> str:
    """The notebook's Markdown cells, joined with a newline."""
    return "\n".join(sources(notebook, "markdown"))


def code_of(notebook: Path | str) -> str:
    """The notebook's code cells, joined with a newline."""
    return "\n".join(sources(notebook, "code"))


def captions_of(notebook: Path | str) -> list[str]:
    """The figure captions MyST-NB prints under a cell's figure (cell metadata ``mystnb.figure.caption``), in order."""
    figures = [c["metadata"].get("mystnb", {}).get("figure", {}) for c in _cells(notebook)]
    return [f["caption"] for f in figures if "caption" in f]


def tables_back_to_back(cell: str) -> list[tuple[str, str]]:
    """Display lines of one cell where a table follows a table without a title of its own: in one output the two
    render as one grid (a table shown under its title comes through `forlab.book.tables.titled`)."""
    shown = [line.strip() for line in cell.splitlines() if line.strip().startswith("display(")]
    return [(a, b) for a, b in pairwise(shown) if not a.startswith("display(Markdown(")
            and not b.startswith(("display(Markdown(", "display(*tables.titled("))]
