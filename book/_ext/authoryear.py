"""Author-year citations whose text and reference list agree, with same-author same-year works told apart.

sphinxcontrib-bibtex's ``author_year`` reference style prints "Dindar et al., 2025" for both P1 and P2, and its
default ``alpha`` bibliography labels ("DSCH25a") match nothing in the text. This extension registers

- a pybtex label style ``authoryear``: "Surname, 2011", "A and B, 1989", "A et al., 2025", with a, b, ... appended
  when two works would get the same label (in the bibliography's order: author, year, title), by the rule of
  `forlab.book.citations`, which generated Markdown names a publication by too (forlab is installed wherever the book
  is built: jupyter-book is one of its dependencies);
- a pybtex formatting style ``authoryear``: pybtex's ``plain`` entries with those labels (``bibtex_default_style``);
- a referencing style ``authoryear`` for the text (``bibtex_reference_style``): ``{cite:p}`` shows the label
  "[Dindar et al., 2025a]", ``{cite:t}`` shows "Dindar et al. [2025a]", so a citation and its reference-list entry
  read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.template import join, join2, node, post_text, pre_text, reference

from forlab.book.citations import SORTING, author_year, labels


class AuthorYearLabels(BaseLabelStyle):
    """Author-year labels, "2025a", "2025b" where author and year coincide (`forlab.book.citations.labels`)."""

    def format_labels(self, sorted_entries):
        yield from labels(list(sorted_entries))


class AuthorYearStyle(PlainStyle):
    """pybtex's plain entries, labelled by :class:`AuthorYearLabels`, sorted by author, year, title (the order
    `forlab.book.citations.SORTING` names, in which the labels' a, b, ... follow)."""

    default_label_style = AuthorYearLabels
    default_sorting_style = SORTING


@node
def label_year(children, data):
    """The year part of the entry's label, suffix included ("2025a")."""
    assert not children
    return Text(str(data["formatted_entry"].label).rsplit(", ", 1)[-1])


@node
def label_text(children, data):
    """The whole label of the entry ("Dindar et al., 2025a")."""
    assert not children
    return Text(str(data["formatted_entry"].label))


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
    def inner(self, role_name):
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text, reference[label_text], post_text
        ]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):
    def inner(self, role_name):
        return join(sep=self.text_reference_sep)[
            self.person.author_or_editor_or_title(full="s" in role_name),
            join[
                self.bracket.left,
                join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
                    pre_text, reference[label_year], post_text
                ],
                self.bracket.right,
            ],
        ]


@dataclass
class AuthorYearReferences(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's author-year references, with the years (and whole labels) taken from the labels;
    several works in one citation are separated by "; " (the labels hold a comma)."""

    bracket_parenthetical: BracketStyle = field(default_factory=lambda: BracketStyle(sep="; "))
    bracket_textual: BracketStyle = field(default_factory=lambda: BracketStyle(sep="; "))

    def __post_init__(self):
        super().__post_init__()  # fills styles (parenthetical first, textual second) and the role map
        self.styles[0] = _Parenthetical(
            bracket=self.bracket_parenthetical,
            person=self.person,
            author_year_sep=self.author_year_sep,
            pre_text_sep=self.pre_text_sep,
            post_text_sep=self.post_text_sep,
        )
        self.styles[1] = _Textual(
            bracket=self.bracket_textual,
            person=self.person,
            text_reference_sep=self.text_reference_sep,
            pre_text_sep=self.pre_text_sep,
            post_text_sep=self.post_text_sep,
        )
        self.role_style.update((role, style) for style in self.styles[:2] for role in style.role_names())


def setup(app):
    pybtex.plugin.register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "authoryear", AuthorYearReferences
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["AuthorYearLabels", "AuthorYearReferences", "AuthorYearStyle", "author_year"]
