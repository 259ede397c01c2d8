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


def _option_entry(name: str) -> str:
    """The entry of option ``name`` in `ALADINOptions`' docstring, flattened to one line."""
    from forlab.p3_aladin import ALADINOptions

    doc = inspect.getdoc(ALADINOptions)
    entry = re.search(rf"^    {name}: (.*?)(?=^    \w+: |\Z)", doc, re.MULTILINE | re.DOTALL)
    assert entry, f"ALADINOptions' docstring has no entry for {name}"
    return " ".join(entry.group(1).split())


def test_round_counts_the_chapters_cite_say_where_they_were_measured():
    # review I #6: chapters 07 and 12 send the reader to these docstrings for the rounds "with and without" an
    # option; measured at earlier commits than the archived stores (some before cycle damping existed), they read
    # as the stores' configuration unless they name the commit, as face_reg's does
    from sphinx.pycode import ModuleAnalyzer

    assert "in-process at 18b94f4, where it was made" in _option_entry("cycle_damping")
    assert "at 3d74000, before ``cycle_damping`` existed" in _option_entry("rho_update")
    mu0 = _option_entry("mu0")
    assert "before ``cycle_damping`` existed: chapter 07's systems at d0a4779" in mu0
    assert "chapter 12's at f779cb1" in mu0 and "where 1e3 took" not in mu0
    assert "at b4ae24b: ``mu0`` 1e3, before limit passes and ``cycle_damping`` existed" in _option_entry("sigma")
    assert "in-process at 999130c" in _option_entry("init")
    cold = " ".join(" ".join(ModuleAnalyzer.for_module("forlab.p3_aladin.opf_regions.region")
                             .find_attr_docs()[("", "COLD_MAX_ITER")]).split())
    assert "71 s (in-process at a5581af, where this strategy was made" in cold
    assert "in-process at 9ed4a87, where the second start was made" in cold


def test_the_page_renders_the_auto_limits_chapter_07_cites():
    # review N #5: chapter 07 sends the reader to auto_limits for the rounds measured with and without limit passes
    assert ("function", "forlab.p3_aladin.opf_regions.problem.auto_limits") in _targets()
    prose = " ".join(prose_of(ROOT / "notebooks" / "07_aladin.ipynb").split())
    assert "forlab.p3_aladin.opf_regions.problem.auto_limits" in prose
