"""What a reader of the built book should never see, found in ``_build/html`` (``forlab check-html``).

:func:`check` reads every page of a built jupyter-book and returns one line per problem, naming the page and
quoting a snippet:

- a Python traceback, a warning (``UserWarning``, ``warnings.warn``) in a cell's output;
- a progress bar (block characters, ``it/s``);
- an absolute file-system path of the machine that built the book (``/work/``, ``/tmp/``, ``/root/``, ``/home/``);
- math or MyST that did not render: ``$...$`` or a ``{doc}``/``{numref}``/``{eq}`` role left in the text;
- text that rendered as math by mistake: a currency unit's ``$`` paired with the next ``$`` ("from 1 $/h to 2 $/h"
  becomes the formula ``/h to 2``);
- a pandas table cut with ``...``;
- a table column without a header: an empty cell in the last row of a table's header (an index whose name
  `forlab.book.tables.one_header_row` could not put there, or a column named "");
- an object's repr instead of its content (``<IPython.core.display.Markdown object>``: an empty Markdown);
- an image wider than the text column at 1x: a PNG wider than 1544 px at 2x (or than 780 px at 1x or by its
  ``width`` attribute), an SVG wider than 780 px;
- MathJax loaded from a CDN (formulas would show as raw ``\\(...\\)`` offline);
- a file name that MyST's linkify turned into a web address (``BASELINE.md`` in prose becomes a link to
  ``http://BASELINE.md``: ``.md`` and ``.py`` are also country domains); quote it as code;
- a zero-width character in the text: it is copied with what a reader copies, so a system name or a status taken
  from the page no longer matches (break a long name with ``<wbr>``: `forlab.book.tables.page_html`).

Only standard-library parsing: the check runs wherever the book builds.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

COLUMN_PX = 780  # the text column of the book theme at 1400 px is 772 CSS px, plus a little tolerance
PNG_2X_PX = 1544  # a 2x raster filling the column
SKIPPED_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
SNIPPET = 60

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_CODE_LANGS = (
    "python",
    "ipython",
    "bash",
    "shell",
    "console",
    "sh",
    "yaml",
    "toml",
    "json",
    "text",
    "default",
)

TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s*File \"[^\"]+\", line \d+", re.MULTILINE)
WARNING = re.compile(r"\b\w*Warning\b|\bwarnings\.warn\b")
PROGRESS = re.compile(r"[█▏▎▍▌▋▊▉]+[^\n]*|\d\s?it/s\b|\ds/it\b")  # one match per bar
ABSOLUTE_PATH = re.compile(r"(?<![\w.~-])/(?:work|tmp|root|home)/[^\s'\"<>)]*")
DOLLAR_MATH = re.compile(r"(?<![\w$\\])\$(?=[^\s$])[^$\n]{1,200}?(?<=[^\s$\\])\$(?![\w$])")
MYST_ROLE = re.compile(r"\{(?:doc|numref|eq|ref|cite(?::[pt])?|term|math|download)\}")
PANDAS_TRUNCATED = re.compile(r"\[\d+ rows x \d+ columns\]")
OBJECT_REPR = re.compile(r"<[\w.]+ object(?: at 0x[0-9a-f]+)?>")
CDN_MATHJAX = re.compile(r"^https?://.*mathjax", re.IGNORECASE)
LINKIFIED_FILE = re.compile(r"^https?://[\w.-]+\.(?:md|py|nc|ipynb|json|ya?ml|toml|csv|txt|m)/?$", re.MULTILINE)
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")  # zero-width space, (non-)joiner, word joiner, BOM
CURRENCY_AS_MATH = re.compile(r"\\\(/(?:h|MWh|MVArh)\b")  # "$/h ... $" read as the formula "\(/h ...\)"
TABLE_HEAD = re.compile(r"<thead>(.*?)</thead>", re.DOTALL)
HEAD_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.DOTALL)
EMPTY_HEADER = re.compile(r"<th(?:\s[^>]*)?>\s*(?:&nbsp;|&#160;)?\s*</th>")


@dataclass
class _Page:
    """What the parser collects from one page."""

    output_text: list[str] = field(default_factory=list)  # text inside cell outputs
    prose_text: list[str] = field(default_factory=list)  # text outside outputs, code blocks and literals
    all_text: list[str] = field(default_factory=list)  # every visible text (no script/style/cell inputs)
    math_text: list[str] = field(default_factory=list)  # the TeX source of rendered math, delimiters included
    truncated_cells: int = 0
    images: list[dict[str, str]] = field(default_factory=list)
    inline_svgs: list[dict[str, str]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    """Splits a page into the texts the checks look at; tolerant of unclosed tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self.stack: list[tuple[str, set[str]]] = []
        self.cell_text: list[str] | None = None

    # a stack entry is (tag, flags); flags say what the element (and everything inside it) is
    def _flags(self) -> set[str]:
        return self.stack[-1][1] if self.stack else set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        classes = set(attr.get("class", "").split())
        flags = set(self._flags())
        self._break(tag)
        if tag in ("head", "script", "style", "template"):
            flags.add("hidden")
        if "cell_input" in classes:
            flags.add("hidden")  # code cells (normally removed by the runner's tags)
        if "cell_output" in classes:
            flags.add("output")
        if any(c.startswith(f"highlight-{lang}") for c in classes for lang in _CODE_LANGS) or tag in (
            "pre",
            "code",
            "kbd",
            "tt",
        ):
            flags.add("literal")
        if "math" in classes:
            flags.add("math")
        if tag == "img":
            self.page.images.append(attr)
        if tag == "svg":
            self.page.inline_svgs.append(attr)
        if tag == "script" and attr.get("src"):
            self.page.scripts.append(attr["src"])
        for key in ("href", "src"):
            if attr.get(key) and "hidden" not in flags:
                self.page.urls.append(attr[key])
        if tag in ("td", "th") and "hidden" not in flags:
            self.cell_text = []
        if tag not in _VOID:
            self.stack.append((tag, flags))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def _break(self, tag: str) -> None:
        """A block element starts or ends: its text does not run into its neighbour's."""
        if tag in _BLOCK:
            self.handle_data("\n")

    def handle_endtag(self, tag: str) -> None:
        self._break(tag)
        if tag in ("td", "th") and self.cell_text is not None:
            if "".join(self.cell_text).strip() in ("...", "…"):
                self.page.truncated_cells += 1
            self.cell_text = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        flags = self._flags()
        if "hidden" in flags:
            return
        if self.cell_text is not None:
            self.cell_text.append(data)
        self.page.all_text.append(data)
        if "output" in flags:
            self.page.output_text.append(data)
        if "math" in flags:
            self.page.math_text.append(data)
        if "math" not in flags and ("literal" not in flags or "output" in flags):
            self.page.prose_text.append(data)


def _snippet(text: str, match: re.Match[str]) -> str:
    start = max(0, match.start() - SNIPPET // 2)
    end = min(len(text), match.end() + SNIPPET // 2, start + 3 * SNIPPET)
    return " ".join(text[start:end].split())


def _find(page: str, what: str, pattern: re.Pattern[str], text: str) -> list[str]:
    found = []
    for match in pattern.finditer(text):
        found.append(f"{page}: {what}: ...{_snippet(text, match)}...")
        if len(found) == 3:
            found.append(f"{page}: {what}: (more of the same on this page)")
            break
    return found


def png_size(path: Path) -> tuple[int, int, float | None]:
    """(width, height, dots per inch or None) from a PNG's IHDR and pHYs chunks."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    dpi = None
    at = data.find(b"pHYs")
    if at > 0:
        x, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
        dpi = x * 0.0254 if unit == 1 else None
    return width, height, dpi


_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_LENGTH = re.compile(r"^\s*([\d.]+)\s*([a-z]*)\s*$")


def css_px(length: str | None) -> float | None:
    """An SVG/HTML length (``540pt``, ``720``, ``7.5in``) in CSS pixels; None for percentages or nothing."""
    match = _LENGTH.match(length or "")
    if not match or match[2] not in _UNITS:
        return None
    return float(match[1]) * _UNITS[match[2]]


def svg_width(path: Path) -> float | None:
    """The width of an SVG file's root element in CSS pixels (None when it has none)."""
    head = path.read_text(errors="replace")[:4000]
    root = re.search(r"<svg\b[^>]*>", head, re.DOTALL)
    width = re.search(r"\swidth=\"([^\"]+)\"", root[0]) if root else None
    return css_px(width[1]) if width else None


def _image_problems(
    page: str, html_path: Path, images: list[dict[str, str]], svgs: list[dict[str, str]]
) -> list[str]:
    problems = []
    for attr in images:
        src = attr.get("src", "")
        if not src or urlparse(src).scheme:
            continue
        file = (html_path.parent / unquote(urlparse(src).path)).resolve()
        name = Path(src).name
        shown = css_px(attr.get("width"))
        if shown is not None and shown > COLUMN_PX:
            problems.append(f"{page}: image wider than the column: {name} has width {attr['width']}")
            continue
        if not file.is_file() or shown is not None:
            continue
        if file.suffix.lower() == ".png":
            width, _, dpi = png_size(file)
            limit = PNG_2X_PX if (dpi or 0) >= 144 else COLUMN_PX
            if width > limit:
                scale = "2x" if limit == PNG_2X_PX else "1x"
                problems.append(
                    f"{page}: image wider than the column: {name} is {width} px at {scale} "
                    f"(column {COLUMN_PX} px; at most {limit} px)"
                )
        elif file.suffix.lower() == ".svg":
            width = svg_width(file)
            if width is not None and width > COLUMN_PX:
                problems.append(
                    f"{page}: SVG wider than the column: {name} is {width:.0f} px (column {COLUMN_PX} px)"
                )
    for attr in svgs:
        width = css_px(attr.get("width"))
        if width is not None and width > COLUMN_PX:
            problems.append(
                f"{page}: inline SVG wider than the column: {width:.0f} px (column {COLUMN_PX} px)"
            )
    return problems


def check_page(html_path: Path, page: str) -> list[str]:
    """The problems of one HTML page (``page`` is the name the report uses)."""
    parser = _Parser()
    parser.feed(html_path.read_text(errors="replace"))
    parser.close()
    found = parser.page
    outputs, prose, text = "".join(found.output_text), "".join(found.prose_text), "".join(found.all_text)
    problems = [
        *_find(page, "traceback", TRACEBACK, text),
        *_find(page, "warning in an output", WARNING, outputs),
        *_find(page, "progress bar", PROGRESS, text),
        *_find(page, "absolute path", ABSOLUTE_PATH, text + "\n" + "\n".join(found.urls)),
        *_find(page, "unrendered math", DOLLAR_MATH, prose),
        *_find(page, "unrendered MyST role", MYST_ROLE, prose),
        *_find(page, "currency unit read as math", CURRENCY_AS_MATH, "".join(found.math_text)),
        *_find(page, "pandas truncation", PANDAS_TRUNCATED, outputs),
        *_find(page, "object repr in an output", OBJECT_REPR, outputs),
        *_find(page, "file name linked as a web address", LINKIFIED_FILE, "\n".join(found.urls)),
        *_find(page, "zero-width character (copied with the text)", ZERO_WIDTH, text),
    ]
    if found.truncated_cells:
        problems.append(f"{page}: pandas truncation: {found.truncated_cells} table cell(s) showing '...'")
    problems += [
        f"{page}: MathJax from a CDN (no math offline): {src}"
        for src in found.scripts
        if CDN_MATHJAX.match(src)
    ]
    problems += _image_problems(page, html_path, found.images, found.inline_svgs)
    return problems + _unheaded_columns(page, html_path.read_text(errors="replace"))


def _unheaded_columns(page: str, html: str) -> list[str]:
    """One line per table whose header leaves a column without a name (an empty cell in its last header row: the
    row right above the body, where every column's header stands), quoting the headers it does have."""
    found = []
    for head in TABLE_HEAD.finditer(html):
        rows = HEAD_ROW.findall(head.group(1))
        if rows and EMPTY_HEADER.search(rows[-1]):
            named = [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<th[^>]*>(.*?)</th>", rows[-1],
                                                                                   re.DOTALL)]
            found.append(f"{page}: table column without a header: {' | '.join(named)[:3 * SNIPPET]}")
    return found


def pages(build_dir: str | Path) -> list[Path]:
    """The HTML pages of a build, without the theme's and Sphinx's own folders."""
    build_dir = Path(build_dir)
    return sorted(
        p for p in build_dir.rglob("*.html") if not SKIPPED_DIRS.intersection(p.relative_to(build_dir).parts)
    )


def check(build_dir: str | Path) -> list[str]:
    """Every problem of the built book in ``build_dir`` (``_build/html``), one line each: page, what, snippet.
    FileNotFoundError when the folder holds no page: a wrong folder or a failed build must not pass the check."""
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise FileNotFoundError(f"no built book at {build_dir}: build it first (python3 scripts/dev.py book)")
    found = pages(build_dir)
    if not found:
        raise FileNotFoundError(f"no HTML page in {build_dir}: name the folder of the built book (_build/html) or "
                                "build it first (python3 scripts/dev.py book)")
    problems = []
    for path in found:
        problems += check_page(path, path.relative_to(build_dir).as_posix())
    return problems
