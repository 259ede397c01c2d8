"""The one converter between a store's tables and pandas: a table is a set of one-dimensional variables that share
a dimension (``case``, ``dso_row``, ...), optionally with a common name prefix (``pt_p_mw`` is column ``p_mw`` of
table ``pt_``).

Every chapter writes its tables with :func:`to_dataset` and reads them with :func:`table`, so that the column names
in code, in the store and in the printed table are the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

import numpy as np
import pandas as pd
import xarray as xr


def table(ds: xr.Dataset, dim: str, prefix: str = "", index: str | None = None) -> pd.DataFrame:
    """The one-dimensional variables of ``ds`` over ``dim`` whose names start with ``prefix``, as a DataFrame with
    the prefix removed from the column names; ``index`` names the index taken from the coordinate ``dim`` (the
    default is a plain range index)."""
    out = pd.DataFrame({k[len(prefix):]: ds[k].values for k in ds.data_vars
                        if ds[k].dims == (dim,) and k.startswith(prefix)})
    if index is not None:
        out.index = pd.Index(ds[dim].values, name=index)
    return out


def to_dataset(frame: pd.DataFrame, dim: str, prefix: str = "", units: dict[str, str] | None = None,
               keep_index: bool = False) -> xr.Dataset:
    """``frame``'s columns as one-dimensional variables ``<prefix><column>`` over ``dim``; its index is dropped, or
    kept as the coordinate ``dim`` with ``keep_index``; ``units`` maps a column to the ``units`` attribute of its
    variable."""
    units = units or {}
    coords = {dim: frame.index.to_numpy()} if keep_index else None
    out = xr.Dataset({f"{prefix}{c}": (dim, frame[c].to_numpy()) for c in frame.columns}, coords=coords)
    for c, u in units.items():
        if f"{prefix}{c}" in out:
            out[f"{prefix}{c}"].attrs["units"] = u
    return out


def printable(frame: pd.DataFrame, headers: dict[str, str], na: str = "–") -> pd.DataFrame:
    """``frame`` as a reader sees it: the columns of ``headers`` only, in its order, renamed to words with units
    (``{"deviation_pct": "deviation (%)"}``), and missing values shown as ``na`` (the text says why one is missing)."""
    missing = [c for c in headers if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the table (it has {list(frame.columns)})")
    out = frame[list(headers)].rename(columns=headers)
    return out.astype(object).where(out.notna(), na)


THOUSANDS = " "
"""The thousands separator of the book's numbers (`grouped`): a space, as SI writes it ("10 666 buses")."""


def grouped(value: float, decimals: int = 0) -> str:
    """``value`` as fixed-point text with ``decimals`` decimals and its thousands grouped by `THOUSANDS`, from 1 000
    on ("1 000", "10 666", "194 493.5"; "999", "0.058" as they are): the book's one grouping of thousands, which the
    anchors' figures (`forlab.book.anchors.Anchor.show`), chapter 12's measured targets and the tables' counts of
    buses and kB use, so that a count reads alike in a bound, a table and a sentence (">= 10 000 buses" beside
    "10 666", not "10666")."""
    return f"{value:,.{decimals}f}".replace(",", THOUSANDS)


def fixed(values, digits: int, group: bool = False) -> pd.Series:
    """Numbers as fixed-point text with ``digits`` decimals, for `printable`: missing and non-finite values stay
    missing, and a number that rounds to zero prints without its sign (no "-0.0000" for a tiny negative
    deviation); with ``group``, thousands grouped as `grouped` groups them ("1 307.3")."""
    v = pd.Series(values, dtype=float)
    shown = v.where(v.round(digits) != 0, v.abs())
    text = (lambda x: grouped(x, digits)) if group else (lambda x: f"{x:.{digits}f}")
    return shown.map(text).where(np.isfinite(v))


def fixed_text(value: float, digits: int, group: bool = False) -> str:
    """One number as `fixed` prints it in a table column of ``digits`` decimals ("0.0704", "6.5"; with ``group``,
    thousands grouped as that column groups them, "1 066.4"), for the sentence beside that table: one rounding, so
    that the sentence and the table read alike."""
    return fixed([value], digits, group=group).iloc[0]


def as_printed(values, digits: int) -> np.ndarray:
    """Numbers as `fixed` prints them, read back (missing values stay NaN): what a sentence compares where it says
    which of two values is larger, so that two a table prints alike tie."""
    return pd.to_numeric(fixed(values, digits)).to_numpy(dtype=float)


def fixed_span(values, digits: int, unit: str = "", group: bool = False) -> str:
    """`span` of ``values`` as `fixed` prints them with ``digits`` decimals ("0.0443 to 0.0704 %", "6.5 to 8.5 ms";
    with ``group``, thousands grouped, "1 066.4 ms"): a value that rounds to zero prints without its sign."""
    shown = as_printed(np.asarray(values, dtype=float).ravel(), digits)
    return span(shown, (lambda x: grouped(x, digits)) if group else f".{digits}f", unit)


def fixed_columns(table: pd.DataFrame, digits: dict[str, int], group: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``table`` with each column named in ``digits`` as fixed-point text with that many decimals
    (`fixed`): one precision down a column, so that "4170.8" does not stand under "4128.66"; the columns named in
    ``group`` (counts of buses, kB) with their thousands grouped (`grouped`). KeyError for a column the table lacks
    (a misspelt name would otherwise leave its column unformatted), or for one of ``group`` not in ``digits``."""
    unknown = [c for c in group if c not in digits]
    if unknown:
        raise KeyError(f"columns {unknown} to group have no digits")
    out = table.copy()
    for col, n in digits.items():
        out[col] = fixed(pd.to_numeric(out[col]), n, group=col in group).to_numpy()
    return out


CLIP_SLACK = 12
"""How many characters short of its limit `clipped` may cut to end at a word boundary."""

_CLIP_BREAKS = " \t\n_[]()'\""
"""Where `clipped` may cut: spaces, and the underscores, brackets and quotes of a solver's status
("(['Infeasible_Problem_Detected'])")."""


def clipped(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with "..." where it was cut (a message in a store's status or a
    table cell: a reader sees that it goes on, not a sentence that stops mid-word). The cut goes at the last word
    boundary (`_CLIP_BREAKS`) within `CLIP_SLACK` characters of where ``limit`` falls, never past it, the boundary's
    spaces and brackets dropped ("... OPF failed (['Infeasible_Problem..."); only where a word runs longer than that
    is it cut mid-word. ValueError for a ``limit`` below 4, which leaves no room for a character and the "..."."""
    if limit < 4:
        raise ValueError(f"limit must be at least 4 (a character and the '...'), got {limit!r}")
    if len(text) <= limit:
        return text
    end = limit - 3  # room for the "..."
    cuts = [i for i in range(end, max(end - CLIP_SLACK, 1) - 1, -1)
            if text[i] in _CLIP_BREAKS or text[i - 1] in _CLIP_BREAKS]
    kept = text[:cuts[0]].rstrip(_CLIP_BREAKS + ",;:") if cuts else ""  # no "failed:..." nor "(['..."
    return (kept or text[:end]) + "..."


def span(values, fmt: str | Callable[[float], str] = ".1f", unit: str = "") -> str:
    """The range of ``values`` as text: "a to b" (smallest to largest, formatted with ``fmt``, a format spec or a
    function of one number such as `grouped`, ``unit`` appended as given, its space included: " ms"), "a" when
    both ends print alike, "n/a" when no value is a number (NaN and non-numbers are left out). The one range
    formatter of the chapters' sentences."""
    v = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()), errors="coerce").dropna()
    if v.empty:
        return "n/a"
    show = fmt if callable(fmt) else (lambda x: format(x, fmt))
    lo, hi = show(v.min()), show(v.max())
    return f"{lo}{unit}" if lo == hi else f"{lo} to {hi}{unit}"


def counted(n: float, noun: str) -> str:
    """A count with its noun in the number it takes: "1 round", "11 rounds", "8 DSs", "1 000 samples" (``n`` rounded
    to a whole number first: a mean of rounds reads as the whole number it prints; its thousands grouped as
    `grouped` groups them, the book's one grouping)."""
    whole = round(float(n))
    return f"{grouped(whole)} {noun}" if whole == 1 else f"{grouped(whole)} {noun}s"


def listed(items, conjunction: str = "and") -> str:
    """Items in words, as a sentence lists them: "a", "a and b", "a, b and c" (each item as ``str`` gives it;
    ``conjunction`` "or": "a, b or c")."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


TitledTable = tuple[str, pd.DataFrame]
"""A table as a chapter's reader hands it to the page: its title (a Markdown line, "**Costs** per system ...") and
the table. Tables displayed one after the other render as one grid, so every table that shares an output with
another gets one; `titled` turns them into what to display."""


def items(clauses) -> str:
    """Markdown: ``clauses`` as a list, one item each, separated by semicolons, the last ending the sentence."""
    return ";\n".join(f"- {c}" for c in clauses) + "."


def titled(tables: list[TitledTable]) -> list:
    """What a notebook displays for ``tables`` (`TitledTable` pairs, in their order): each title as Markdown above
    its table, ``display(*titled(...))``. An empty title is refused: it would show as the object's repr
    (``<IPython.core.display.Markdown object>``), not as a line."""
    # imported here: only the notebooks display, the readers and scripts that import this module need no IPython
    from IPython.display import Markdown

    untitled = [i for i, (title, _) in enumerate(tables) if not str(title).strip()]
    if untitled:
        raise ValueError(f"tables {untitled} have no title")
    return [shown for title, frame in tables for shown in (Markdown(title), frame)]


WBR = "<wbr>"
"""A break opportunity in generated Markdown (MyST passes inline HTML through, also in a table cell): the browser may
break a line there, and text copied from the page is the text itself, where a zero-width space would be copied with
it (a probe name pasted from chapter 11's table was refused by the chapter's own check)."""


ZWSP = "\u200b"
"""The break mark of `wrappable` in a pandas table's cells: pandas escapes markup in its HTML, so the mark is a
character, which the book's table formatter (`page_html`) turns into `WBR` after the escaping."""


def wrappable(name, after: str = "+/", longer_than: int = 0, mark: str = ZWSP) -> str:
    """``name`` with ``mark`` after each character of ``after``, so that a page may break it there (a table with
    long system or DS names in its index then fits the text column); names of at most ``longer_than`` characters are
    left whole. ``mark`` is `ZWSP` for a pandas table (`page_html` shows it as `WBR`) and `WBR` for a Markdown
    table; either way a name copied from the page is the name. Never right before a quote mark: Sphinx's smart
    quotes read a quote after a break opportunity as an opening one (chapter 11's message ``"<ts>+<ds>[*<n>]..."``
    ended in a wrong quote)."""
    name = str(name)
    if len(name) <= longer_than:
        return name
    for sep in after:
        name = name.replace(sep, sep + mark)
    return name.replace(mark + "\"", "\"").replace(mark + "'", "'")


def page_index(*levels, names: list[str] | None = None) -> pd.MultiIndex | pd.Index:
    """An index for the page: system or DS names made `wrappable`, load levels (fractions) as "NN %" with a
    no-break space; ``names`` head its columns (in the one header row, `use_style`)."""
    arrays = [[wrappable(v) if isinstance(v, str) else f"{100 * float(v):.0f}\u00a0%" for v in lv] for lv in levels]
    index = pd.Index(arrays[0]) if len(arrays) == 1 else pd.MultiIndex.from_arrays(arrays)
    return index.set_names(names) if names else index


_HEAD = re.compile(r"<thead>(.*?)</thead>", re.DOTALL)
_ROW = re.compile(r"\s*<tr[^>]*>.*?</tr>", re.DOTALL)


def one_header_row(frame: pd.DataFrame, html: str | None = None) -> str | None:
    """pandas' HTML of ``frame`` (``html``, else its own ``_repr_html_``) with the names of its index moved up into
    the last row of column headers, whose cells over the index pandas leaves empty while it adds a row for the names
    alone: every column is then headed in one row, as a printed table has it. Unchanged where the index has no names
    or those cells are not empty (a named column axis heads them)."""
    html = frame._repr_html_() if html is None else html
    head = _HEAD.search(html or "")
    if head is None or all(n is None for n in frame.index.names):
        return html
    rows = _ROW.findall(head.group(1))
    corner = re.compile(r"(\s*<tr[^>]*>\s*)" + r"<th>\s*</th>\s*" * frame.index.nlevels)
    if len(rows) < 2 or not corner.match(rows[-2]):
        return html
    names = "".join(f"<th>{escape(str(n or ''))}</th>\n      " for n in frame.index.names)
    merged = corner.sub(lambda m: m.group(1) + names, rows[-2], count=1)
    return html[:head.start(1)] + head.group(1).replace(rows[-2] + rows[-1], merged) + html[head.end(1):]


def page_html(frame: pd.DataFrame) -> str | None:
    """The HTML by which the book shows a pandas table: `one_header_row`'s, with every `ZWSP` of `wrappable` as a
    `WBR` tag and every number grouped by `THOUSANDS` kept on one line (`unbroken_numbers`). Why the tag: the
    browser breaks a long name at either, but a zero-width space is copied with the text, so a system name copied
    from a table (``case9+case33bw``) was refused by ``forlab run`` as an unknown grid, and an Ipopt status copied
    from chapter 10's table did not match Ipopt's; a tag is not text. The character cannot come from a value's own
    text here: pandas escapes markup, not this character, and no store keeps it."""
    html = one_header_row(frame)
    return unbroken_numbers(html.replace(ZWSP, WBR)) if html else html


GROUPED_DIGITS = r"[-+]?\d{1,3}(?:" + THOUSANDS + r"\d{3})+(?:\.\d+)?"
"""The pattern of a number grouped by `THOUSANDS` ("129 660.69", "-1 354", "10 666"), without what may stand around it
(`GROUPED_NUMBER`; the prose's runs of `forlab.book.typography`)."""

GROUPED_NUMBER = re.compile(r"(?<![\w.])" + GROUPED_DIGITS + r"(?![\w.])")
"""A grouped number (`GROUPED_DIGITS`), not a run of digits inside a word."""

NOWRAP = '<span style="white-space: nowrap">{}</span>'
"""The mark that keeps a grouped number on one line in a table cell (`nowrap_numbers`)."""


def nowrap_numbers(text: str) -> str:
    """``text`` with every grouped number (`GROUPED_NUMBER`) in a `NOWRAP` span; a tag in it must hold none (a
    `WBR` may stand between words). Why: the thousands separator is a space, and a narrow column broke "129 660.69"
    into "129" over "660.69", two numbers to a reader (chapter 02's optimum table, session 59). A span, not a no-break
    space: the copied number keeps the book's separator."""
    return GROUPED_NUMBER.sub(lambda n: NOWRAP.format(n.group(0)), text)


def unbroken_numbers(html: str) -> str:
    """``html`` with every grouped number of its text (not inside a tag) kept on one line (`nowrap_numbers`)."""
    return re.sub(r">([^<]+)<", lambda m: ">" + nowrap_numbers(m.group(1)) + "<", html)


def use_style() -> None:
    """In a notebook, show every table as `page_html` draws it (its index names in its one header row, break marks
    that do not copy); a chapter's first cell calls it through `forlab.book.plots.use_style`. Outside IPython,
    nothing to do."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, page_html)
