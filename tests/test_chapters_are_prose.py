"""Chapters are prose, figures and tables over their study module: the rules of the house, checked on the notebooks.

A code cell may call functions and display what they return; it may not define functions or classes, assemble a
store, or build result sentences (those live in `forlab.studies`, where they are tested). Method chapters open with a
table from the paper's steps to forlab's functions and label their equations.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from notebook_cells import prose_of, sources

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
METHOD_CHAPTERS = ("03_for_sampling", "04_for_representation", "05_coordination", "06_ml_surrogate", "07_aladin")
# calls that assemble a store or a table out of results: the study module's run() does that
ASSEMBLY = {"Dataset", "merge", "concat", "DataArray"}
LABEL = re.compile(r"^\$\$\s*\(([\w-]+)\)\s*$", re.MULTILINE)
DOC_POSSESSIVE = re.compile(r"\{doc\}`[^`]+`['’]s\b")  # {doc} renders the title: "...grids's systems"
BARE_CONSTANT = re.compile(r"`[A-Z][A-Z0-9_]{3,}`")  # a module constant named without its module
NOT_CONSTANTS = {"`PATH`"}  # the environment variable


def problems(source: str) -> list[str]:
    """What a code cell does that belongs in a study module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            found.append(f"defines {getattr(node, 'name', 'a lambda')}")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ASSEMBLY:
                found.append(f"assembles with {name}()")
            if name == "Markdown" and any(isinstance(a, ast.JoinedStr | ast.BinOp) for a in node.args):
                found.append("builds a sentence for Markdown()")
    return found


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_only_call_and_show(nb_path):
    bad = {i: p for i, src in enumerate(sources(nb_path, "code")) if (p := problems(src))}
    assert bad == {}


def test_the_check_sees_what_it_forbids():
    assert problems("def f():\n    pass") == ["defines f"]
    assert problems("ds = xr.Dataset({})") == ["assembles with Dataset()"]
    assert problems('display(Markdown(f"mean {x:.2f}"))') == ["builds a sentence for Markdown()"]
    assert problems("display(Markdown(ch05.summary_text(st)))") == []
    assert DOC_POSSESSIVE.search("some of {doc}`07_aladin`'s systems")
    assert not DOC_POSSESSIVE.search("some of the systems of {doc}`07_aladin`")


@pytest.mark.parametrize("chapter", METHOD_CHAPTERS)
def test_method_chapter_maps_paper_steps_to_functions(chapter):
    text = prose_of(chapter)
    assert re.search(r"^\|\s*paper step", text, re.MULTILINE | re.IGNORECASE), "no 'paper step | ... | forlab function' table"
    assert LABEL.search(text), "no labelled equation ($$ ... $$ (label))"


def test_equation_labels_are_unique_and_cited_in_code():
    labels = [m for nb in NOTEBOOKS for src in sources(nb, "markdown") for m in LABEL.findall(src)]
    assert len(labels) == len(set(labels)), sorted(lab for lab in labels if labels.count(lab) > 1)
    code = "\n".join(p.read_text() for p in (ROOT / "src" / "forlab").rglob("*.py"))
    uncited = [lab for lab in labels if f"({lab})" not in code]
    assert uncited == []



@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_chapter_link_is_not_made_possessive(nb_path):
    """{doc} renders the chapter's title, so "{doc}`07_aladin`'s systems" reads "...without sharing grids's systems":
    write "the systems of {doc}`07_aladin`"."""
    found = [m.group() for src in sources(nb_path, "markdown") for m in DOC_POSSESSIVE.finditer(src)]
    assert found == []


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_constant_in_prose_is_named_by_its_full_path(nb_path):
    """A reader sees neither the code nor a constant's value: "at the confidence `SLOPE_CONFIDENCE`" names nothing
    findable. Prose names a constant by its dotted path (`forlab.studies.ch07_aladin.readers.SLOPE_CONFIDENCE`), and
    says its value where it matters, from the store."""
    found = [m.group() for src in sources(nb_path, "markdown") for m in BARE_CONSTANT.finditer(src)
             if m.group() not in NOT_CONSTANTS]
    assert found == []
