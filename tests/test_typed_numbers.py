"""No typed numbers (issue 15): a figure in a chapter's prose comes from a store or from the registry of published
anchors (`forlab.book.anchors`), never from the keyboard.

Two scans, each failing on a digit it cannot account for:
- the Markdown cells of every notebook and the book's own pages;
- the strings of `forlab.studies` that can reach the page: the literal parts of the f-strings that build sentences
  (the numbers they print must be interpolated from a store or an anchor, not typed between the braces) and the
  plain string constants (labels, legends, table words, long names); not docstrings, error messages or the Python
  source a module runs.

What may stay: math, code, labels, citations and links; years; "chapter 05", "eq. 3", "issue #4", ordinals; a
chapter's number in its title ("# 05 · ..."); numbered lists and step markers; grid names and sizes ("case118", "a
33-bus feeder": facts of the data); parameter documentation lines; the few phrases in ALLOWED, each with the reason it is not a result; and, in the study
modules, the whole strings in NOT_TEXT (units, colours, identifiers), each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from notebook_cells import sources

from forlab.book import anchors
from forlab.grid import multiregion

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))
# the chapters' code, and the figure helpers whose legend words the chapters print
STUDIES = sorted((ROOT / "src" / "forlab" / "studies").rglob("*.py")) + [ROOT / "src" / "forlab" / "book" / "plots.py"]

# What is not prose: math, code, MyST roles and labels, links, comments, fenced blocks and directives.
_NOT_PROSE = [r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"^\s*(```|~~~).*?^\s*(```|~~~)", r"^:::.*?^:::", r"`[^`\n]*`",
              r"\{[a-z:-]+\}`[^`]*`", r"\]\([^)]*\)", r"<!--.*?-->", r"^\([^\n]*\)=[ \t]*$", r"https?://\S+"]
# Digits that are not measurements.
_NOT_FIGURES = [
    r"\b(19|20)\d\d[ab]?\b",  # years, author-year citations
    (r"(?i)\b(chapters?|sections?|eqs?\.|equations?|issues?|tables?|figures?|steps?|stages?|parts?) #?\d+(\.\d+)?"
     r"((, | and | to )\d+)*"),
    r"(?i)\b\d+(st|nd|rd|th)\b",  # ordinals
    r"^\s*\d+\.\s", r"\(\d\)",  # numbered lists, step markers
    r"^# \d\d · ",  # a chapter's number in its title, the number the other chapters call it by
    r"\b\d+-bus\b",  # the size of a named grid is a fact of its data file
    r"\bN\s*=\s*\d+",  # a named sweep point
]
# The rapidPF multi-region systems are named by their sizes and variants ("53-I", "418-3", "1654-5"): names, not
# figures (only the registered names, so "5-7" or "0-17" stay caught).
_SYSTEM_NAMES = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(multiregion.available(), key=len,
                                                                                 reverse=True))) + r")(?![\w-])")
# Parameter documentation ("- `name`: ... (0: in-process)", with its indented continuation lines) defines what a
# value means; it reports no result.
_PARAMETER_DOC = re.compile(r"^- `[a-z_]+`(, `[a-z_]+`)*\s*:.*(\n  .*)*", re.MULTILINE)
# a digit run, also where a ratio's "x" or an exponent follows it ("10x", "1e-6"): those are figures too
_NUMBER = re.compile(r"(?<![\w.#{-])[-+]?\d[\d,.]*(?:e[-+]?\d+)?x?(?![\w}])")

# Phrases that hold a digit but state a definition or a design choice, with why; nothing measured may go here.
ALLOWED: dict[str, str] = {
    "[0.95, 1.05]": "the book's voltage band (`vm_limits` of `forlab.grid.td`), a modelling choice",
    "[0.90, 1.10]": "the widened voltage band of chapter 03's variant, a parameter",
    "95 %": "the confidence level of the Clopper-Pearson bound, a choice",
    "(10, 35, 84 coefficients)": "the number of coefficients of a trivariate polynomial of degree 2, 4, 6 (arithmetic)",
    "101 %": "the judge's branch-loading tolerance (forlab.opf.judge.LOADING_TOL)",
    "1e-4": "a tolerance",
    "0.1 p.u. apart": "the P2 sampler's design (its parameter)",
    "which is 1 for": "definition of the coverage ratio",
    "below 1 if": "definition of the coverage ratio",
    "-1: no dispatch": "definition of a code in a table",
    "(0: all)": "definition of a parameter value",
    "1e2, 1.1, 1e8": "ALADIN's default penalty schedule (forlab.p3_aladin.algorithm.options)",
    "1e2, 2, 2e6": "ALADIN's default slack penalty schedule (forlab.p3_aladin.algorithm.options)",
    "30, 1e-6": "ALADIN's default iteration limit and tolerance (forlab.p3_aladin.algorithm.options)",
    "| 1e-5 |": "ALADIN's default eps_power in chapter 07's options table (a test holds the table to the code)",
    "| 1e-6, 1e-4 |": "ALADIN's default active_margin and reg in the same table",
    "| 1e-6 |": "ALADIN's default face_reg in the same table",
    "| 2 | factor by which a cycling region": "ALADIN's default cycle_damping in the same table",
    "to 1e-7 MW": "the tests' tolerance against pandapower's power flow (a design choice)",
    "60, 80 and 100 %": "the load levels of the paper profile (its parameters)",
    "first 12 hex characters": "the store-name convention (forlab.book.store.HASH_LENGTH)",
    "ISO 8601": "a standard's name",
    "with 1 and 2 workers": "the worker counts of chapter 03's scale test (its parameter)",
    "12.66 kV": "data of case33bw (its nominal voltage, Baran and Wu's feeder)",
    "1-minute load average": "the name of a quantity (the operating system's load average over one minute)",
    "load average (1 min)": "the name of a quantity (the operating system's load average over one minute)",
    "(1/0; NaN: padding)": "definition of a flag's values in a store variable's long name",
    "(1: linear in the coupling rows)": "definition of a log-log slope of one",
    "×10": "scientific notation (mantissa ×10 to a power), no figure",
    "(1/0)": "definition of a flag's values in a store variable's long name",
    "(load fraction, FPUs per DS, 1 meshed / 0 radial)": "definition of the codes of a varied factor",
    "A ratio above 1 means": "definition of the time ratio",
    "(pandapower's, from 0)": "definition of how buses are numbered",
    "(load > 0)": "definition of a sign convention",
    "R^2": "the name of the coefficient of determination (R squared)",
    "f + m ≤ 0": "the definition of the offered region (math in a label)",
    "f + m = 0": "the edge of the offered region (math in a label)",
    "100%": "a CSS size (the full width of the page's column), no figure",
    "f(x̃) + m ≤ 0": "the definition of the offered region (math in a label)",
    "(offered where <= 0)": "the definition of the offered region (math in a long name)",
    "f = 0, zero level without the margin": "the polynomial's own zero level (math in a label)",
    "margin m ≥ 0": "a check's definition (math in a table)",
    "eigenvalues ≥ 0": "a check's definition (math in a table)",
    "g(u) ≤ 0": "the definition of the polytope (math in a label)",
    "sn_mva = 0": "a reliability probe's bad input (what it tried, typed in its code)",
    "min_vm_pu 1.2 > max_vm_pu": "a reliability probe's bad input (what it tried, typed in its code)",
    "+-1000 MW box": "a reliability probe's bad input (what it tried, typed in its code)",
    "declaring degree 150": "a reliability probe's bad input (what it tried, typed in its code)",
    "a 2 x 2 price matrix": "a reliability probe's bad input (what it tried, typed in its code)",
    "levels [1.0, 10.0]": "a reliability probe's bad input (what it tried, typed in its code)",
    "max_iter = 0": "a reliability probe's bad input (what it tried, typed in its code)",
    "expands to 2 GiB": "a reliability probe's bad input (what it tried, typed in its code)",
}
# Whole strings of the study modules that hold a digit but are no text for the reader, with why (matched only as
# the whole string, so a "1" inside a sentence is still caught).
NOT_TEXT: dict[str, str] = {
    "1": "the unit of a count, flag or ratio in a store's attributes (CF's dimensionless unit)",
    "0.4": "a matplotlib grey level (a colour)",
    "0.5": "a matplotlib grey level (a colour)",
    "0.6": "a matplotlib grey level (a colour)",
    "0.75": "a matplotlib grey level (a colour)",
    "0.9": "a matplotlib grey level (a colour)",
    "0": "how `sci_text` prints a value that is exactly zero",
    "-0123456789": "the digits mapped to superscripts (a translation table)",
    "case300:4": "a system's name with its partition (case300 in 4 areas), an identifier",
    "some-other-format/2": "a made-up format name an offer check must reject, an identifier",
}


def _prose(text: str) -> str:
    """``text`` without what is not prose (parameter documentation, system names, `_NOT_PROSE`): what ALLOWED and
    the figure scan see."""
    text = _PARAMETER_DOC.sub(" ", text)
    text = _SYSTEM_NAMES.sub(" ", text)
    for pattern in _NOT_PROSE:
        text = re.sub(pattern, " ", text, flags=re.DOTALL | re.MULTILINE)
    return text


def _strip(text: str) -> str:
    text = _prose(text)
    for phrase in sorted(ALLOWED, key=len, reverse=True):
        text = text.replace(phrase, " ")
    for pattern in _NOT_FIGURES:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    return text


def typed_numbers(text: str) -> list[str]:
    """The lines of Markdown ``text`` that still hold a digit after everything that is not a figure is taken out."""
    out = []
    for line in _strip(text).splitlines():
        if _NUMBER.search(line):
            out.append(line.strip())
    return out


def _markdown(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    return "\n\n".join(sources(path, "markdown"))


def _is_code(text: str) -> bool:
    """Whether ``text`` is Python source a module runs (a probe's code): it parses and holds a statement, not just an
    expression (an expression alone, like "1/0" or "x + 1", may be math in a label)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return any(not isinstance(s, ast.Expr) for s in tree.body)


def _text_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the strings of a study module that may reach the page: the literal parts of its f-strings and
    its plain string constants. Left out: a format spec ("{x:.3f}"), an error message (``raise``, it states what a
    parameter must be), a string statement (a docstring of a module, class, function or name: it documents and
    prints nothing), Python source the module runs (`_is_code`) and the whole strings in NOT_TEXT."""
    found, tree = [], ast.parse(path.read_text())
    skip = {id(s) for n in ast.walk(tree) if isinstance(n, ast.FormattedValue) and n.format_spec
            for s in ast.walk(n.format_spec)}
    skip |= {id(n) for r in ast.walk(tree) if isinstance(r, ast.Raise) for n in ast.walk(r)}  # error messages
    skip |= {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in skip:  # a format spec ("{x:.3f}") is no figure
            found += [(v.lineno, v.value) for v in node.values if isinstance(v, ast.Constant)]
            skip |= {id(v) for v in node.values}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
                and node.value not in NOT_TEXT and not _is_code(node.value)):
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + PAGES, ids=lambda p: p.name)
def test_prose_types_no_figures(path: Path):
    lines = typed_numbers(_markdown(path))
    assert not lines, (f"{path.relative_to(ROOT)} types figures in its prose; print them from the store (a text helper"
                       f" in forlab.studies) or from forlab.book.anchors: {lines}")


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: str(p.relative_to(ROOT / "src")))
def test_sentence_builders_type_no_figures(path: Path):
    bad = [f"line {n}: {text.strip()!r}" for n, text in _text_literals(path) if typed_numbers(text)]
    assert not bad, f"{path.relative_to(ROOT)}: digits typed in text (interpolate them): {bad}"


def test_the_scan_catches_a_typed_figure():
    assert typed_numbers("The TSO's OPF takes 2.3 s on case118.") == ["The TSO's OPF takes 2.3 s on case118."]
    assert typed_numbers(f"paper: at most {anchors.show('p1_deviation_pct')}")  # an anchor typed, not interpolated
    assert not typed_numbers("See chapter 05, eq. 3 and {cite:t}`dindar2025pqv` (2025); a 533-bus DS; $x^2 + 1$.")
    assert not typed_numbers("The rapidPF systems 53-I, 418-3 and 1654-5.")  # names of systems
    assert typed_numbers("rapidPF+ needs 5-7 steps.") and typed_numbers("buses 0-18 of the feeder")
    assert typed_numbers("a speed-up of 29x to 90x") and typed_numbers("within the tolerance of 1e-6.")
    # a label "(name)=" is one line: a line that opens with "(" hides nothing up to the next label
    assert typed_numbers("(see above) the solve\ntakes 2.3 s.\n\n(fig-x)=\n") == ["takes 2.3 s."]


def test_the_study_scan_reads_plain_strings_but_not_docs_errors_or_code(tmp_path: Path):
    module = tmp_path / "study.py"
    module.write_text('''"""A module docstring with 3 typed digits."""
LIMIT = 2
"""A name's docstring: 4 of them."""
LABEL = "radial case33bw with 12 buses cut off"
CODE = "x = 5\\nprint(x)"
UNITS = {"n": "1"}


def f(v):
    """Docstring: 6."""
    if v > LIMIT:
        raise ValueError("v must be at most 2")
    return f"{v:.3f} of {LIMIT} (7 typed)"
''')
    flagged = [text for _, text in _text_literals(module) if typed_numbers(text)]
    assert sorted(flagged) == [" (7 typed)", "radial case33bw with 12 buses cut off"]


def test_an_anchor_is_met_by_its_relation_and_never_by_a_failed_run():
    bound = anchors.anchor("p1_deviation_pct")  # an upper bound: 0.058 %
    assert bound.met(bound.value) and not bound.met(2 * bound.value) and not bound.met(float("nan"))
    assert anchors.anchor("p1_time_reduction_pct").met(60.0) and not anchors.anchor("p1_time_reduction_pct").met(10.0)
    assert bound.show() == "0.058 %" and anchors.show("aladin_gap") == "1e-04"


def test_every_anchor_is_read_by_a_chapter():
    """The registry holds the figures the book compares with: an anchor that no module or notebook reads by its key
    (a literal, or a key template such as ``f"build_before_{n}_s"``, in a chapter or in an accessor of the registry's
    own) is a figure the book claims to hold itself to and never does."""
    src = Path(anchors.__file__).parents[1]
    readers = [p for p in src.rglob("*.py") if p.name != "anchors.py"] + NOTEBOOKS
    text = "\n".join(p.read_text() for p in readers).replace('\\"', '"')
    # the registry's own accessors (`anchors.published_losses`, ...) read keys by template: an accessor's templates
    # count only where a chapter calls that accessor
    accessors = Path(anchors.__file__).read_text().split("\nANCHORS: dict")[1].split("\ndef ")[1:]
    text += "\n".join(body for body in accessors if f".{body.split('(')[0]}(" in text)
    quoted = set(re.findall(r"""["']([a-z0-9_{}]+)["']""", text))
    templates = [re.compile(re.sub(r"\\{[^}]*\\}", "[a-z0-9]+", re.escape(q)) + "$") for q in quoted if "{" in q]
    unread = [k for k in anchors.ANCHORS if k not in quoted and not any(t.match(k) for t in templates)]
    assert unread == []


def test_every_allowed_phrase_is_still_in_use():
    """A phrase of ALLOWED that the scans no longer meet is removed, so that the exceptions stay the few that are
    needed (a stale one would let the same digits back in unreviewed). Only what the scans read counts: the Markdown
    and the study modules' text literals (`_text_literals`), each as prose (`_prose`); a phrase that survives only
    in a docstring, a comment, code, math or a parameter's documentation excuses nothing."""
    texts = [_markdown(p) for p in NOTEBOOKS + PAGES] + [t for p in STUDIES for _, t in _text_literals(p)]
    texts = [_prose(t) for t in texts]
    unused = [phrase for phrase in ALLOWED if not any(phrase in t for t in texts)]
    assert not unused, f"ALLOWED phrases the scans no longer meet (remove them): {unused}"

