"""forlab.book.htmlcheck and ``forlab check-html``: planted problems are found, a clean page passes."""

import struct
import zlib
from pathlib import Path

import pytest

from forlab.book import cli, htmlcheck

CLEAN_BODY = """
<h1>A chapter</h1>
<p>The loss is <span class="math notranslate nohighlight">\\(P_\\mathrm{loss} = 202.7\\)</span> kW
[<a class="reference internal" href="../references.html#id1">Dindar et al., 2025a</a>]; see
<a class="reference internal" href="02.html">the next chapter</a>. Prices in $/MWh, 5 $ and 6 $ are fine.</p>
<div class="cell docutils container">
<div class="cell_output docutils container">
<div class="output stream highlight-myst-ansi notranslate"><div class="highlight"><pre>store: results/01/abc.nc
power flow converged; total losses 202.68 kW
</pre></div></div>
<table class="dataframe"><thead><tr><th>system</th><th>deviation (%)</th></tr></thead>
<tbody><tr><td>case9</td><td>–</td></tr><tr><td>case30</td><td>0.12</td></tr></tbody></table>
<img alt="fig" src="../_images/small.svg" />
<img alt="fig" src="../_images/retina.png" />
</div></div>
<div class="highlight-bash notranslate"><div class="highlight"><pre>echo $HOME/{doc}</pre></div></div>
<script>var x = "/home/user/$y$ Traceback (most recent call last)";</script>
<script defer="defer" src="../_static/mathjax/tex-chtml.js"></script>
"""


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body><article>{body}</article></body></html>"


def png(width: int, height: int = 10, dpi: float | None = None) -> bytes:
    """A valid grey PNG of the given size, with a pHYs chunk when ``dpi`` is given."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    phys = chunk(b"pHYs", struct.pack(">IIB", round(dpi / 0.0254), round(dpi / 0.0254), 1)) if dpi else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + phys
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def svg(width: str) -> str:
    return f'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="100pt"></svg>\n'


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A built book with one clean chapter and the images it shows."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "_images" / "small.svg").write_text(svg("540pt"))  # 720 px: fits the column
    (tmp_path / "_images" / "retina.png").write_bytes(png(1500, dpi=200))  # 750 px at 2x
    (tmp_path / "chapters" / "01.html").write_text(page(CLEAN_BODY))
    (tmp_path / "_static" / "theme.html").write_text(page("Traceback (most recent call last)"))  # not a page
    return tmp_path


def plant(build: Path, body: str) -> list[str]:
    (build / "chapters" / "02.html").write_text(page(body))
    return htmlcheck.check(build)


def test_clean_page_passes(build):
    assert htmlcheck.check(build) == []
    assert cli.main(["check-html", str(build)]) == 0


def test_planted_traceback_fails(build, capsys):
    body = (
        '<div class="cell_output docutils container"><div class="output traceback highlight-ipythontb">'
        '<pre>Traceback (most recent call last):\n  File "x.py", line 3, in f\nValueError: bad</pre></div></div>'
    )
    problems = plant(build, body)
    assert problems and all(p.startswith("chapters/02.html: traceback:") for p in problems)
    assert "Traceback (most recent call last)" in problems[0]
    assert cli.main(["check-html", str(build)]) == 1
    assert "chapters/02.html: traceback" in capsys.readouterr().out


def test_planted_absolute_path_fails(build):
    problems = plant(build, "<p>From /work/main/archive/05/27ab8c542f36.nc (git commit ce83).</p>")
    assert problems == [
        "chapters/02.html: absolute path: ...From /work/main/archive/05/27ab8c542f36.nc (git commit ce83)...."
    ]
    assert plant(build, '<p><a href="file:///home/me/x.html">x</a></p>')[0].startswith(
        "chapters/02.html: absolute path:"
    )


def test_planted_dollar_math_fails(build):
    problems = plant(build, "<p>The fit reaches $x$ on held-out points.</p>")
    assert problems == ["chapters/02.html: unrendered math: ...The fit reaches $x$ on held-out points...."]
    assert "unrendered math" in plant(build, "<p>ALADIN-$\\alpha$ converges to $\\le 10^{-6}$.</p>")[0]


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (
            '<div class="cell_output"><pre>/x.py:21: TqdmWarning: IProgress not found</pre></div>',
            "warning in an output",
        ),
        ('<div class="cell_output"><pre>warnings.warn(msg)</pre></div>', "warning in an output"),
        ("<pre>cost OPFs: 100%|██████████| 100/100 [00:02&lt;00:00, 39.88it/s]</pre>", "progress bar"),
        ("<p>(see {doc}08_sensitivity)</p>", "unrendered MyST role"),
        ("<p>as {numref}`fig-04-x` shows</p>", "unrendered MyST role"),
        (
            '<div class="cell_output"><table><tr><td>1</td><td>...</td></tr></table></div>',
            "pandas truncation",
        ),
        ('<div class="cell_output"><pre>[152 rows x 9 columns]</pre></div>', "pandas truncation"),
        ('<div class="cell_output"><pre>&lt;IPython.core.display.Markdown object&gt;</pre></div>',
         "object repr in an output"),
        ('<img src="../_images/wide.png"/>', "image wider than the column"),
        ('<p>from 1 <span class="math notranslate nohighlight">\\(/h to 2 \\)</span>/h</p>',
         "currency unit read as math"),
        ('<img src="../_images/wide1x.png"/>', "image wider than the column"),
        ('<img src="../_images/wide.svg"/>', "SVG wider than the column"),
        ('<img src="../_images/retina.png" width="1000px"/>', "image wider than the column"),
        ('<p><a href="#fit">fit</a> to the last digit <a href="http://BASELINE.md">BASELINE.md</a> prints</p>',
         "file name linked as a web address"),
        (
            '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>',
            "MathJax from a CDN",
        ),
        # a zero-width space copies with the name it breaks (session 58: every pandas table's system names)
        ('<div class="cell_output"><table><tr><th>case9+\u200bcase33bw</th><td>1</td></tr></table></div>',
         "zero-width character"),
        # an unnamed index: its column has no header (review findings, sessions 46 and 47)
        (('<div class="cell_output"><table><thead><tr><th></th><th>cost ($/h)</th></tr></thead>'
         "<tbody><tr><th>case9</th><td>1.00</td></tr></tbody></table></div>"), "table column without a header"),
        # pandas' own form of a named index: a last header row of the names and empty cells
        (('<div class="cell_output"><table><thead><tr><th></th><th>a</th></tr><tr><th>system</th><th></th></tr>'
         "</thead><tbody><tr><th>x</th><td>1</td></tr></tbody></table></div>"), "table column without a header"),
    ],
)
def test_each_kind_of_problem_is_found(build, body, what):
    (build / "_images" / "wide.png").write_bytes(png(2000, dpi=200))  # 1000 px at 2x
    (build / "_images" / "wide1x.png").write_bytes(png(985, dpi=100))  # 985 px at 1x
    (build / "_images" / "wide.svg").write_text(svg("720pt"))  # 960 px
    problems = plant(build, body)
    assert len(problems) == 1 and problems[0].startswith(f"chapters/02.html: {what}"), problems


def test_a_name_broken_by_a_wbr_tag_passes(build):
    """What `forlab.book.tables.page_html` makes of `wrappable`'s break marks, ``<wbr>`` tags, is no problem: the
    tag is no text, so nothing is copied with the name."""
    assert plant(build, '<div class="cell_output"><table><tr><th>case9+<wbr>case33bw</th><td>1</td></tr></table>'
                        "</div>") == []


def test_a_table_headed_in_one_row_passes(build):
    """What `forlab.book.tables.one_header_row` makes of a named index, with a column header row above it (a
    MultiIndex of columns, whose upper row leaves the corner empty), is no problem."""
    body = ('<div class="cell_output"><table><thead><tr><th></th><th colspan="2">A</th></tr>'
            "<tr><th>system</th><th>a</th><th>b</th></tr></thead><tbody><tr><th>x</th><td>1</td><td>2</td></tr>"
            "</tbody></table></div>")
    assert plant(build, body) == []


def test_sizes():
    assert (
        htmlcheck.css_px("540pt") == 720
        and htmlcheck.css_px("7.5in") == 720
        and htmlcheck.css_px("100%") is None
    )


def test_missing_build_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="build it first"):
        htmlcheck.check(tmp_path / "nothing")


def test_a_folder_without_pages_is_reported(tmp_path, capsys):
    """An empty or wrong folder passed as "0 problem(s) in 0 page(s)" with exit status 0."""
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "theme.html").write_text("<html></html>")  # the theme's, not a page
    with pytest.raises(FileNotFoundError, match="no HTML page in .*: name the folder of the built book"):
        htmlcheck.check(tmp_path)
    from forlab.book import cli

    assert cli.main(["check-html", str(tmp_path)]) == 1
    assert "no HTML page" in capsys.readouterr().err
