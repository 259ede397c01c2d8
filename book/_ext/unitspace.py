"""Numbers that stay with their units on the page: a post-transform that sets every run of a page's prose that
`forlab.book.typography.together` finds (a number and its unit, a number's groups of thousands) in an inline node of
class ``nowrap`` (``book/_static/forlab.css``: no line break inside it). It reaches paragraphs, lists, captions,
Markdown tables and the Markdown the chapters generate, never code, literals, math or raw HTML (the notebooks'
pandas tables keep their own spans, `forlab.book.tables.page_html`). The text itself keeps its plain spaces, so a
reader's copy of a sentence reads as written; only the page's lines break elsewhere than between "0.0155" and "%".
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from forlab.book.typography import together

VERBATIM = (nodes.literal, nodes.math, nodes.FixedTextElement, nodes.title)
"""Nodes whose text is left as it is: code, math and HTML (literal and math blocks, raw HTML and comments are
`FixedTextElement`s), whose spaces mean something else, and titles (a heading is short, and its text is also its
anchor's)."""

NOWRAP = "nowrap"
"""The class of the inline nodes (the stylesheet's rule ``.nowrap``)."""


def _verbatim(node: nodes.Node) -> bool:
    """Whether ``node`` lies inside a `VERBATIM` node."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, VERBATIM):
            return True
        parent = parent.parent
    return False


class KeepNumbersTogether(SphinxPostTransform):
    """Every text node outside `VERBATIM` nodes in pieces, the ones `together` marks in ``nowrap`` inline nodes."""

    default_priority = 900

    def run(self, **kwargs) -> None:
        for text in list(self.document.findall(nodes.Text)):
            if _verbatim(text):
                continue
            pieces = together(str(text))
            if not any(kept for _, kept in pieces):
                continue
            text.parent.replace(text, [nodes.inline(piece, piece, classes=[NOWRAP]) if kept else nodes.Text(piece)
                                       for piece, kept in pieces])


def setup(app):
    app.add_post_transform(KeepNumbersTogether)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
