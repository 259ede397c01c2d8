"""What the chapters' tests read from a notebook's code cells (one copy for every chapter's test)."""

from __future__ import annotations

from itertools import pairwise


def tables_back_to_back(cell: str) -> list[tuple[str, str]]:
    """Display lines of one cell where a table follows a table without a title of its own: in one output the two
    render as one grid (a table shown under its title comes through `forlab.book.tables.titled`)."""
    shown = [line.strip() for line in cell.splitlines() if line.strip().startswith("display(")]
    return [(a, b) for a, b in pairwise(shown) if not a.startswith("display(Markdown(")
            and not b.startswith(("display(Markdown(", "display(*tables.titled("))]
