"""The book's author-year citation labels, one rule for the references page and for the text a chapter generates.

The citation style Sphinx loads (book/_ext/authoryear.py, ``local_extensions`` in _config.yml) labels every entry of
the references page by `labels`, in the page's order (`SORTING`); `forlab.book.anchors.citation` names a publication
in generated Markdown by `page_labels`, the same rule, so that a note reads "Baran and Wu (1989a)" as the page and the
text's citations do. Both read it here: a second copy of the rule could drift from the page.
"""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase

import pybtex.plugin
from pybtex.richtext import Text

SORTING = "author_year_title"
"""pybtex's sorting style the references page lists its entries in (author, year, title), the order in which
`labels` appends a, b, ... to labels that coincide."""


def plain(latex: str) -> str:
    """A bibliography field's LaTeX as plain text ("{MATPOWER} developers" -> "MATPOWER developers")."""
    return Text.from_latex(latex).render_as("text")


def who(entry) -> str:
    """An entry's authors as its label names them: "A", "A and B", "A et al." (its editors, or its title, where it
    has no author)."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [plain(" ".join(p.prelast_names + p.last_names)) for p in people]
    if not names:
        return plain(entry.fields.get("title", entry.key))
    return " and ".join(names) if len(names) <= 2 else f"{names[0]} et al."


def author_year(entry) -> str:
    """The label of one entry before same-author same-year works are told apart: "Dindar et al., 2025"."""
    return f"{who(entry)}, {entry.fields.get('year', 'n.d.')}"


def labels(sorted_entries) -> list[str]:
    """The labels of ``sorted_entries`` (in `SORTING`'s order): `author_year`, with a, b, ... appended in that order
    where two entries would get the same one ("Baran and Wu, 1989a", "Baran and Wu, 1989b")."""
    plain_labels = [author_year(entry) for entry in sorted_entries]
    count, seen, out = Counter(plain_labels), Counter(), []
    for label in plain_labels:
        out.append(label + ascii_lowercase[seen[label]] if count[label] > 1 else label)
        seen[label] += 1
    return out


def page_labels(entries) -> dict[str, str]:
    """Each entry's label by its key, as a references page that lists all of ``entries`` prints it: sorted by
    `SORTING`, then `labels`."""
    ordered = pybtex.plugin.find_plugin("pybtex.style.sorting", SORTING)().sort(list(entries))
    return dict(zip((e.key for e in ordered), labels(ordered), strict=True))


__all__ = ["SORTING", "author_year", "labels", "page_labels", "plain", "who"]
