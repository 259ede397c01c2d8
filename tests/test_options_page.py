"""The book's options page (book/options.md) renders the docstrings the chapters send the reader to: every object
it names imports, every module constant it names carries its documentation (a ``#:`` comment above it or a string
below it, else autodoc prints its value alone), and every chapter that refers the reader to a docstring links the
page."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
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


def _page_docs() -> dict[str, str]:
    """The documentation the page renders of every object it names: a constant's as autodoc reads it, any other's
    docstring."""
    from sphinx.pycode import ModuleAnalyzer

    docs = {}
    for kind, dotted in _targets():
        if kind == "module":
            docs[dotted] = inspect.getdoc(importlib.import_module(dotted)) or ""
        elif kind == "data":
            module, name = dotted.rpartition(".")[::2]
            docs[dotted] = "\n".join(ModuleAnalyzer.for_module(module).find_attr_docs().get(("", name), []))
        else:
            module, name = _resolve(dotted)
            docs[dotted] = inspect.getdoc(getattr(module, name)) or ""
    return docs


def test_a_literal_on_the_page_is_in_double_backticks():
    # review finding: a command in single backticks (Sphinx's default role) rendered "scripts/ aladin_options.py"
    # with a space and the JSON's quotes curled; a span with whitespace in single backticks is a literal that
    # wants double backticks (or a name broken across lines)
    for dotted, doc in _page_docs().items():
        single = re.findall(r"`([^`]*)`", re.sub(r"``.*?``", "", doc, flags=re.DOTALL))
        spaced = [s for s in single if re.search(r"\s", s)]
        assert not spaced, f"{dotted}: {spaced} in single backticks"


def test_every_option_has_an_entry_of_its_own():
    # review finding: ADMMOptions documented "ratio, tau" in one entry, which napoleon renders without an anchor
    for dotted in ("forlab.p3_aladin.ALADINOptions", "forlab.p3_aladin.ADMMOptions"):
        module, name = _resolve(dotted)
        cls = getattr(module, name)
        doc = inspect.getdoc(cls)
        missing = [f.name for f in dataclasses.fields(cls) if not re.search(rf"^\s*{f.name}:", doc, re.MULTILINE)]
        assert not missing, f"{dotted}'s docstring has no entry of its own for {missing}"
