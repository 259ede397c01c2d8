"""What keeps a number together on the rendered page: `together` finds the runs of prose that a line break must not
split, a number and its unit ("0.0155" at a line's end, "%" at the next one's start) and a number's groups of
thousands ("10" over "666 buses", `forlab.book.tables.THOUSANDS`). The book's Sphinx extension
``book/_ext/unitspace.py`` sets each such run in a ``nowrap`` span (a rule of the stylesheet in ``book/_static``)
when the book is built, as `forlab.book.tables.page_html` does for the grouped numbers of the tables: the text keeps
its plain spaces, so a reader's copy of it reads as the text helpers and their tests wrote it.
"""

from __future__ import annotations

import re

from forlab.book.tables import GROUPED_DIGITS

UNITS = ("%", "ms", "s", "min", "h", "p.u.", "MW", "MVA", "Mvar", "kW", "kV", "kA", "kB", "MiB", "GiB", "$/h",
         "rad", "degree", "degrees")
"""The units the book writes after a number with a space ("8.71 s", "0.0058 p.u.", "600 s", "11.37 $/h")."""

_NUMBER = GROUPED_DIGITS + r"|\d+(?:\.\d+)?"
"""A number, its thousands grouped as the book groups them ("10 666", "194 493.5", `forlab.book.tables.grouped`) or
not ("8.71")."""

_TOGETHER = re.compile(rf"(?<![\w.])(?:{_NUMBER})"
                       r"(?: (?:" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r"))?"
                       r"(?![\w$/])")
"""A number with its unit, if one follows after a space, where no letter or digit continues either ("3 s", not
"3 segments"; not the "20" of "0.20x")."""


def together(text: str) -> list[tuple[str, bool]]:
    """``text`` in consecutive pieces, each with whether a line break must not split it: the numbers whose groups of
    thousands or whose unit follow a space (True); everything else (False). The pieces join to ``text``."""
    pieces, at = [], 0
    for m in _TOGETHER.finditer(text):
        if " " not in m.group(0):
            continue
        if m.start() > at:
            pieces.append((text[at:m.start()], False))
        pieces.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
