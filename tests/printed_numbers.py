"""What the chapters' tests check of the numbers a page prints (one copy for every chapter's test): that every
number from 1 000 on takes the book's one grouping of thousands (`forlab.book.tables.grouped`)."""

from __future__ import annotations

import re

import pandas as pd

_NOT_NUMBERS = [re.compile(r) for r in (
    r"`[^`]*`",  # code spans: case and parameter names, store paths, commits
    r"\bcase\w*",  # case and system names ("case1354pegase+case141")
    r"\bseed \d+",  # a seed is an id, not an amount
    r"\b\d{4}-\d\d-\d\d\b",  # dates (a year, as a store's "written" says it)
    r"\S+\.nc\b",  # store paths
    r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")]  # commit hashes
"""What `ungrouped` blanks before it looks: ids, names, hashes, dates and paths, whose digits are no amount."""


def ungrouped(text: str, ids=()) -> list[str]:
    """The numbers of a page's ``text`` (Markdown, or a table as `page_text` gives it) from 1 000 on that are not
    grouped as the book groups them (`forlab.book.tables.grouped`): four or more digits in a row ("1066", the integer
    part of "23159.3"), outside `_NOT_NUMBERS` and the strings ``ids`` (a CPU model: "Xeon 8375C"); a decimal's
    fraction ("0.00012") and an exponent ("1.5e-05") are no such number. Fix G1: the pages of chapters 09 and 12
    printed "the integrated AC-OPF 1066 ms" beside "1 354 of the system's 1 798 buses" in one sentence."""
    for i in filter(None, ids):  # an empty id would blank every gap between characters
        text = text.replace(i, " ")
    for pattern in _NOT_NUMBERS:
        text = pattern.sub(" ", text)
    return re.findall(r"(?<![\d.])\d{4,}", text)


def page_text(shown) -> str:
    """A page's output as text `ungrouped` reads: Markdown as it is, a table (a DataFrame, or a `TitledTable`) with
    its title, headers, index and cells."""
    if isinstance(shown, tuple):
        return "\n".join(map(page_text, shown))
    return shown.to_csv(sep="|") if isinstance(shown, pd.DataFrame) else str(shown)
