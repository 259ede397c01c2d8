"""The book's options page (book/options.md) renders the docstrings the chapters send the reader to: every object
it names imports, every module constant it names carries its documentation (a ``#:`` comment above it or a string
below it, else autodoc prints its value alone), and every chapter that refers the reader to a docstring links the
page."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from notebook_cells import prose_of

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "options.md"
DIRECTIVE = re.compile(r"^\.\. auto(class|data|function|module):: ([\w.]+)", re.MULTILINE)


def _targets() -> list[tuple[str, str]]:
    return DIRECTIVE.findall(PAGE.read_text())


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return importlib.import_module(module), name


def test_the_page_names_objects_that_exist():
    targets = _targets()
    assert {kind for kind, _ in targets} == {"class", "data", "function", "module"}
    for kind, dotted in targets:
        if kind == "module":
            importlib.import_module(dotted)
            continue
        module, name = _resolve(dotted)
        assert hasattr(module, name), f"book/options.md names {dotted}, which does not exist"


def test_a_constant_on_the_page_is_documented():
    # what autodoc itself reads as a constant's documentation: a "#:" comment above it, a string below it
    from sphinx.pycode import ModuleAnalyzer

    for kind, dotted in _targets():
        if kind != "data":
            continue
        module, name = dotted.rpartition(".")[::2]
        doc = ModuleAnalyzer.for_module(module).find_attr_docs().get(("", name))
        assert doc, f"{dotted} has neither a '#:' comment above it nor a string below: the page shows its value only"
        # napoleon reads "type: description" into a constant's first line: a colon there would eat the words before it
        assert ": " not in doc[0], f"the first line of {dotted}'s documentation has a colon, which napoleon takes as a type"


def test_a_chapter_that_cites_a_docstring_links_the_page():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        prose = prose_of(path)
        if "docstring" in prose:
            assert "{doc}`../options`" in prose, f"{path.name} refers to docstrings without linking book/options.md"
