"""The book's infrastructure: the timer, the table converter and the legacy names of archived stores."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from IPython.display import Markdown

from forlab.book import names, tables


def test_table_round_trip_with_prefix_and_units():
    frame = pd.DataFrame({"p_mw": [1.0, 2.0], "ds": ["a", "b"]})
    ds = tables.to_dataset(frame, "row", "pt_", units={"p_mw": "MW"})
    assert ds["pt_p_mw"].attrs["units"] == "MW"
    ds["other"] = ("row", np.zeros(2))
    back = tables.table(ds, "row", "pt_")
    pd.testing.assert_frame_equal(back, frame)


def test_upgrade_renames_a_chapters_legacy_names_only(monkeypatch):
    monkeypatch.setitem(names.LEGACY, "05_coordination", {"cost_deviation_pct": "deviation_pct"})
    old = xr.Dataset({"cost_deviation_pct": ("case", [0.1])}, attrs={"chapter": "05_coordination"})
    assert "deviation_pct" in names.upgrade(old)
    other = xr.Dataset({"cost_deviation_pct": ("case", [0.1])}, attrs={"chapter": "06_ml_surrogate"})
    assert "cost_deviation_pct" in names.upgrade(other)


def test_a_chapter_09_store_of_the_retired_row_names_reads_with_the_records_names():
    """Chapter 09's rows took the outcome record's names (`forlab.studies.ch09_comparison.ROW`): a store written
    before, with ``online_ms`` ... ``bytes`` in each of its tables, opens under the current names, each one."""
    from forlab.studies.ch09_comparison import ROW

    retired = {"online_ms": "solve_time_ms", "wall_ms": "wall_time_ms", "integrated_ms": "integrated_solve_time_ms",
               "offline_s": "offline_time_s", "bytes": "bytes_exchanged"}
    tables_ = ("default", "default_case", "case", "sys")
    old = xr.Dataset({f"{t}_{o}": ("row", [1.0]) for t in tables_ for o in retired},
                     attrs={"chapter": "09_comparison"})
    new = names.upgrade(old)
    assert sorted(new.data_vars) == sorted(f"{t}_{n}" for t in tables_ for n in retired.values())
    assert set(retired.values()) <= set(ROW)


def test_printable_renames_selects_and_marks_missing_values():
    frame = pd.DataFrame({"deviation_pct": [0.01, np.nan], "system": ["a", "b"], "other": [1, 2]})
    out = tables.printable(frame, {"system": "system", "deviation_pct": "deviation (%)"})
    assert list(out.columns) == ["system", "deviation (%)"]
    assert out["deviation (%)"].tolist() == [0.01, "–"]


def test_printable_names_a_missing_column():
    import pytest

    with pytest.raises(KeyError, match="nope"):
        tables.printable(pd.DataFrame({"a": [1]}), {"nope": "x"})


def test_a_clipped_message_says_that_it_goes_on():
    assert tables.clipped("short", 10) == "short"
    cut = tables.clipped("x" * 20, 10)
    assert len(cut) == 10 and cut.endswith("...")  # one word longer than the slack: cut mid-word, at the limit


def test_a_clipped_message_is_cut_at_a_word_boundary():
    """A reader's finding (chapter 11, ch05_infeasible_level): the clip at 120 characters ended "(['Infeasible_Problem_
    Detec...", the word that says why the solve failed cut mid-word. A cut goes at a space, or at an underscore,
    bracket or quote of a solver's status, within `CLIP_SLACK` characters of the limit, never past it."""
    import pytest

    status = ("load level 1000 %: the offer of DS case33bw failed: RuntimeError: bounding-box OPF failed "
              "(['Infeasible_Problem_Detected'])")
    assert tables.clipped(status, 120).endswith("OPF failed (['Infeasible_Problem...")
    assert tables.clipped(status, 110).endswith("OPF failed (['Infeasible...")  # the brackets' "_" are no word
    assert tables.clipped(status, 98).endswith("RuntimeError: bounding-box OPF failed...")  # no "(['" before "..."
    assert tables.clipped("the offer failed: RuntimeError", 24) == "the offer failed..."  # no "failed:..."
    for limit in range(4, len(status) + 1):
        cut = tables.clipped(status, limit)
        assert len(cut) <= limit and status.startswith(cut.removesuffix("..."))
        if cut != status:
            assert cut.endswith("...") and len(cut) >= limit - tables.CLIP_SLACK - 3  # less the ": " or "([" dropped
    with pytest.raises(ValueError, match="limit must be at least 4"):
        tables.clipped(status, 3)


def test_a_count_takes_the_number_of_its_noun():
    assert [tables.counted(n, "round") for n in (1, 11, 1.2, 0)] == ["1 round", "11 rounds", "1 round", "0 rounds"]
    assert tables.counted(np.int64(8), "DS") == "8 DSs"
    # fix G2: a count from 1 000 on takes the book's one grouping ("1000 samples" stood beside "10 666 buses")
    assert tables.counted(1000, "sample") == f"{tables.grouped(1000)} samples" != "1000 samples"
    assert tables.counted(np.float64(12345.4), "round") == f"{tables.grouped(12345)} rounds"


def test_a_list_reads_as_a_sentence_lists():
    assert [tables.listed(x) for x in (["a"], ["a", "b"], ["a", "b", "c"], [1, 4, 16])] == \
        ["a", "a and b", "a, b and c", "1, 4 and 16"]
    assert tables.listed(["a", "b", "c"], "or") == "a, b or c" and tables.listed(["a"], "or") == "a"


def test_titled_tables_show_each_title_as_markdown_above_its_table():
    a, b = pd.DataFrame({"x": [1]}), pd.DataFrame({"y": [2]})
    shown = tables.titled([("**A** (%):", a), ("**B**.", b)])
    assert [type(o) for o in shown] == [Markdown, pd.DataFrame, Markdown, pd.DataFrame]
    assert [shown[0].data, shown[2].data] == ["**A** (%):", "**B**."] and shown[1] is a and shown[3] is b
    assert tables.titled([]) == []
    # an empty title would print as "<IPython.core.display.Markdown object>" above its table
    with pytest.raises(ValueError, match=r"tables \[1\] have no title"):
        tables.titled([("**A**:", a), (" ", b)])


def test_shown_path_is_relative_to_the_repository():
    from pathlib import Path

    from forlab.book import store

    root = Path(__file__).resolve().parents[1]
    assert store.shown_path(root / "archive" / "x.nc") == "archive/x.nc"


def test_stores_record_python_solvers_libraries_and_the_lock(tmp_path):
    """Issue 19: a store says which interpreter, CasADi, Ipopt, MUMPS, libraries and lock made it. Ipopt's version
    is checked against the library's own C entry point (GetIpoptVersion), which provenance does not use."""
    import ctypes
    import hashlib
    import json
    import os
    import platform
    import re
    from pathlib import Path

    import casadi

    from forlab.book import provenance, store

    path = store.save(xr.Dataset({"x_mw": ("i", [1.0])}), "ch", {"a": 1}, root=tmp_path)
    attrs = store.open_path(path).attrs
    assert attrs["python_version"] == platform.python_version() and attrs["python_implementation"] == "CPython"
    assert attrs["casadi_version"] == casadi.__version__
    lib = ctypes.CDLL(os.path.join(os.path.dirname(casadi.__file__), "libipopt.so.3"))
    parts = [ctypes.c_int() for _ in range(3)]
    lib.GetIpoptVersion(*map(ctypes.byref, parts))
    assert attrs["ipopt_version"] == ".".join(str(p.value) for p in parts)
    assert attrs["ipopt_linear_solver"] == "MUMPS" and re.fullmatch(r"\d+\.\d+\.\d+", attrs["mumps_version"])
    versions = json.loads(attrs["library_versions"])
    assert {"clarabel", "pyomo", "distributed", "casadi", "numpy"} <= set(versions)
    lock = Path(__file__).resolve().parents[1] / "requirements.lock"
    assert attrs["lock_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert isinstance(json.loads(attrs["lock_mismatches"]), list)
    assert provenance.lock_sha256(tmp_path / "no.lock") == "absent"


def test_fixed_point_text_keeps_missing_values_and_drops_the_sign_of_a_rounded_zero():
    from forlab.book.tables import fixed

    assert fixed([1.23456, -0.00001, np.nan, np.inf, -2.5], 2).tolist()[:2] == ["1.23", "0.00"]
    assert fixed([np.nan, np.inf], 1).isna().all() and fixed([-2.5], 1)[0] == "-2.5"


def test_fixed_columns_formats_the_named_columns_and_refuses_a_missing_one():
    from forlab.book.tables import fixed_columns

    t = pd.DataFrame({"a": [1.0, 12.345, np.nan], "b": [-0.00001, 2.0, 3.0], "c": ["x", "y", "z"]})
    out = fixed_columns(t, {"a": 2, "b": 1})
    assert out.a.tolist()[:2] == ["1.00", "12.35"] and pd.isna(out.a.iloc[2]) and out.b.tolist() == ["0.0", "2.0", "3.0"]
    assert out.c.tolist() == ["x", "y", "z"] and t.a.iloc[0] == 1.0  # other columns and the input untouched
    with pytest.raises(KeyError):
        fixed_columns(t, {"d": 1})


def test_wrappable_breaks_only_long_names_at_the_given_characters():
    from forlab.book.tables import wrappable

    assert wrappable("case118+case33bw") == "case118+\u200bcase33bw"
    assert wrappable("a/b_c", "/_", longer_than=10) == "a/b_c"
    assert wrappable("src/forlab/x_y.py", "/_", longer_than=10) == "src/\u200bforlab/\u200bx_\u200by.py"


def test_wrappable_with_wbr_copies_as_the_name():
    """Review R5 #3: a Markdown table's breaks are `WBR` tags, which add no character to the text a reader copies
    (zero-width spaces did: a pasted probe name was not the name); never right before a quote mark."""
    from html.parser import HTMLParser

    from forlab.book.tables import WBR, wrappable

    name = "offer_nan_coef"
    cell = wrappable(name, "_", mark=WBR)
    assert cell == "offer_<wbr>nan_<wbr>coef" and "\u200b" not in cell
    text = []
    parser = HTMLParser()
    parser.handle_data = text.append
    parser.feed(cell)
    parser.close()
    assert "".join(text) == name
    assert wrappable('"a_b"_"c"', "_", mark=WBR) == '"a_<wbr>b"_"c"'


def test_a_pandas_table_on_the_page_copies_its_names_whole():
    """Session 58: the book's pandas tables break long names with `wrappable`'s zero-width spaces, which a reader
    copied with the name (``case9+case33bw`` pasted into ``forlab run`` was an unknown grid); `page_html`, the
    notebooks' table formatter, shows them as ``<wbr>`` tags, and the text of its HTML is the name, in the index and
    in the cells, with the index names still heading the one header row."""
    from html.parser import HTMLParser

    from forlab.book.tables import ZWSP, page_html, wrappable

    t = pd.DataFrame({"status": [wrappable("Solve_Succeeded", "_")]},
                     index=pd.Index([wrappable("case9+case33bw")], name="system"))
    html = page_html(t)
    assert ZWSP not in html and "case9+<wbr>case33bw" in html and "Solve_<wbr>Succeeded" in html
    text = []
    parser = HTMLParser()
    parser.handle_data = text.append
    parser.feed(html)
    parser.close()
    words = "".join(text).split()
    assert "case9+case33bw" in words and "Solve_Succeeded" in words and "system" in words


def test_a_grouped_number_in_a_pandas_table_stays_on_one_line_and_copies_as_printed():
    """Session 59: chapter 02's optimum table, in a column narrower than its numbers, broke "129 660.69" at the
    thousands space into "129" over "660.69", two numbers to a reader. `page_html` keeps every grouped number on one
    line (a nowrap span), in cells and in the index, and its text stays as `grouped` prints it; numbers without a
    group, digits inside a word and the text of the headers are left as they are."""
    from html.parser import HTMLParser

    from forlab.book.tables import NOWRAP, grouped, page_html

    t = pd.DataFrame({"forlab ($/h)": [grouped(129660.6940, 2), "576.89"], "buses": [grouped(1354), "9"],
                      "solver": ["MATPOWER 8.1 runopf", "Solve_Succeeded"]},
                     index=pd.Index([grouped(10666), "case30"], name="net"))
    html = page_html(t)
    for number in ("129 660.69", "1 354", "10 666"):
        assert NOWRAP.format(number) in html
    assert html.count("white-space: nowrap") == 3 and NOWRAP.format("576.89") not in html
    text = []
    parser = HTMLParser()
    parser.handle_data = text.append
    parser.feed(html)
    parser.close()
    assert {"129 660.69", "1 354", "10 666", "MATPOWER 8.1 runopf"} <= set(text)


def test_plots_has_no_unused_style_context():
    """`plots.style()` had no caller anywhere (every chapter calls `use_style()`)."""
    from forlab.book import plots

    assert not hasattr(plots, "style") and "style" not in plots.__all__ and "`style()`" not in plots.__doc__


def test_dev_reads_the_lock_with_provenances_functions_and_the_standard_library_only():
    """scripts/dev.py kept a copy of provenance's `normalise`/`locked_versions`; it imports them, from the source
    tree, in an interpreter without the venv's packages (``-S``), as on a fresh machine."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = ("import runpy, sys\ndev = runpy.run_path('scripts/dev.py')\n"
            "from forlab.book import provenance\n"
            "assert dev['locked_versions'] is provenance.locked_versions, 'a copy'\n"
            "assert dev['normalise'] is provenance.normalise, 'a copy'\n"
            "print(dev['requirement_name']('Py_Yaml>=6'), sorted(m for m in sys.modules if m.startswith('numpy')))")
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=root, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["py-yaml", "[]"]


def test_a_page_table_heads_every_column_in_one_row():
    """Review findings (sessions 46 and 47): tables whose index had names showed them in a second header row of
    empty cells, and tables whose index had none showed empty header cells over their first columns. The page's
    HTML now moves the names up into the row of column headers."""
    import re

    import pandas as pd

    from forlab.book.tables import one_header_row, page_index

    index = page_index(["case9+case33bw", "case9+case33bw"], [0.8, 1.0], names=["system", "load"])
    frame = pd.DataFrame({"cost ($/h)": ["1.00", "2.00"], "ms": ["3.0", "4.0"]}, index=index)
    head = re.search(r"<thead>(.*?)</thead>", one_header_row(frame), re.DOTALL).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", head, re.DOTALL)
    assert len(rows) == 1 and re.findall(r"<th[^>]*>(.*?)</th>", rows[0]) == ["system", "load", "cost ($/h)", "ms"]
    # pandas' own HTML has two rows, the second of names and empty cells
    assert len(re.findall(r"<tr", re.search(r"<thead>(.*?)</thead>", frame._repr_html_(), re.DOTALL).group(1))) == 2
    # the body is untouched; an unnamed index or a named column axis over the index is left as pandas draws it
    assert one_header_row(frame).split("<tbody>")[1] == frame._repr_html_().split("<tbody>")[1]
    plain = frame.rename_axis([None, None])
    assert one_header_row(plain) == plain._repr_html_()
    axis = frame.rename_axis(columns="measure")
    assert one_header_row(axis) == axis._repr_html_()


def test_the_references_page_lists_every_entry_under_its_authors_initial(monkeypatch):
    """Review G #10: "MATPOWER developers", a name written ``{{MATPOWER developers}}`` so that it stays one name,
    sorted after Zimmerman, as the brace led its sort key. The book's own style (book/_ext/authoryear.py, as
    _config.yml sets it) now sorts every entry by the initial of its label, and that entry keeps its label."""
    import importlib.util
    import sys
    import unicodedata
    from pathlib import Path

    from pybtex.database import parse_file

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("authoryear", root / "book" / "_ext" / "authoryear.py")
    authoryear = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "authoryear", authoryear)  # its dataclasses look their module up there
    spec.loader.exec_module(authoryear)
    entries = list(authoryear.AuthorYearStyle().format_entries(parse_file(str(root / "references.bib")).entries.values()))
    initials = [unicodedata.normalize("NFKD", e.label)[0].lower() for e in entries]
    assert initials == sorted(initials), [e.label for e in entries]
    assert "MATPOWER developers, n.d." in [e.label for e in entries]


def test_the_security_page_and_glossary_say_what_leaves_a_dso():
    """Review G #1, #2 and the unit of ``max_violation``: the unwatched far limits a tentative step would cross are
    sent in limit passes; P2's surrogate carries its fit statistics, the error bound the TSO's reserve needs among
    them, and P2 also exchanges the load factor and the set-points; the largest violation names its bases."""
    from pathlib import Path

    book = Path(__file__).resolve().parents[1] / "book"
    security = " ".join((book / "security.md").read_text().split())
    glossary = " ".join((book / "glossary.md").read_text().split())
    assert "the far limits it does not watch stay with the region" not in security
    assert "the rest stay with the region" not in glossary
    for page in (security, glossary):
        assert "the unwatched far limits that step would cross" in page
    assert "`train_max_abs_error`" in security and "the DS's load factor" in security
    assert "the set-points it chose for the units" in security
    assert "of the system base for a branch flow or a unit's power" in glossary
    assert "`max_violation` is the largest violation, in p.u." not in glossary


def test_the_security_pages_p2_list_reads_as_its_p3_list():
    """Review K3 #4: the security page's P2 paragraph was one sentence of about 120 words (the surrogate's parts,
    its fit statistics, what the TSO needs of them, and the messages of each dispatch). It is a list under one lead
    sentence, as the P3 paragraph beside it, with the same content and no sentence of its lead or items over
    forty words."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "book" / "security.md").read_text()
    p2 = page[page.index("**P2, machine-learning surrogates**"):page.index("**P3, ALADIN**")]
    p3 = page[page.index("**P3, ALADIN**"):]
    listed = p2[:p2.index("The TSO sees each unit's capability")]
    items = re.findall(r"^- \*(.+?)\*", listed, re.MULTILINE)
    assert items == ["The surrogate", "Its fit statistics", "For each dispatch"]
    assert re.findall(r"^- \*", p3, re.MULTILINE)  # the form of P3's list: "- *Each region sends* ..."
    sentences = re.split(r"(?<=\.)\s+(?=[A-Z*])|\n(?=- )", " ".join(listed.split()).replace(" - *", "\n- *"))
    assert max(len(s.split()) for s in sentences) <= 40, max(sentences, key=len)
    flat = " ".join(listed.split())
    for said in ("every flexibility-providing unit's PQ chart and cost coefficients", "a polytope of K facets",
                 "with the inputs' sampled ranges and their normalisation", "quadratic regressors of the PCC powers",
                 "the number of training samples (`n_train`) and the seed of the dataset (`dataset_seed`)",
                 "the facet shifts of its certification", "(accuracy, false-feasible and false-infeasible rates)",
                 "(root-mean-square, mean and largest absolute error, R²)", "The TSO needs the largest error",
                 "only a TSO that holds no reserve does without", "the TSO sends back the set-points it chose"):
        assert said in flat, said


def test_the_intro_spells_out_t_and_d_and_the_stack_page_says_what_dask_is():
    """Review findings 5 and 12 (session 51): "T+D" was used from chapter 02 on but first spelled out in chapter 06;
    the intro now spells it out where it introduces the centralized optimum, before any chapter. The stack page had
    no word on Dask, on which every method runs its parties apart; it now says what Dask does in forlab, why it was
    chosen and what a worker, an actor and the scheduler are, and the glossary defines the three."""
    import re
    from pathlib import Path

    book = Path(__file__).resolve().parents[1] / "book"
    intro = " ".join((book / "intro.md").read_text().split())
    assert "**transmission plus distribution (T+D)**" in intro
    spelled = "transmission plus distribution ("
    assert intro.index("T+D") == intro.index(spelled + "T+D)") + len(spelled)  # its first use is where it is spelled out
    assert intro.index("(T+D)") < intro.index("{doc}`chapters/")  # before the intro sends the reader to a chapter
    stack = (book / "stack.md").read_text()
    section = re.search(r"^## Parallel and distributed runs: Dask\n(.*?)^## ", stack, re.DOTALL | re.MULTILINE)
    assert section, "the stack page has a section on Dask"
    dask = " ".join(section.group(1).split())
    for said in ("**the scheduler**", "**a worker**", "**an actor**", "`forlab.book.parallel.client`",
                 "Dask was chosen for three reasons", "{doc}`security`", 'if __name__ == "__main__":'):
        assert said in dask, said
    glossary = (book / "glossary.md").read_text()
    for term in ("Dask scheduler", "Dask worker", "Dask actor"):
        assert re.search(rf"^{term}\n  \S", glossary, re.MULTILINE), term


def test_the_intros_reading_order_is_the_table_of_contents():
    """Review finding (chapter numbers out of the reading order): the intro says which chapters the parts put out of
    their numbers' order; _toc.yml is the order, so the sentence holds while the toc does."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    order = [re.match(r"\d\d", Path(c["file"]).name).group() for part in toc["parts"] for c in part["chapters"]
             if re.match(r"\d\d_", Path(c["file"]).name)]
    intro = " ".join((root / "book" / "intro.md").read_text().split())
    said = re.search(r"the reading order goes from chapter (\d\d) to chapter (\d\d), which consumes its offer, and "
                     r"back to chapter (\d\d), and chapter (\d\d) comes before chapter (\d\d)", intro)
    assert said, "the intro no longer states the reading order"
    first, second, third, before, after = said.groups()
    assert order.index(second) == order.index(first) + 1 and order.index(third) == order.index(second) + 1
    assert order.index(before) < order.index(after) and int(before) > int(after)


def test_a_number_in_a_sentence_reads_as_its_table_prints_it():
    """One rounding for a table and the sentence beside it (`fixed_text`, `as_printed`, `fixed_span`): the same text
    as `fixed`, a tie where two values print alike, no sign on a value that rounds to zero."""
    assert tables.fixed_text(0.07040, 4) == tables.fixed([0.07040], 4).iloc[0] == "0.0704"
    assert tables.fixed_text(-1e-7, 4) == "0.0000"
    shown = tables.as_printed([4.46, 4.54, np.nan], 1)
    assert shown[0] == shown[1] == 4.5 and np.isnan(shown[2])
    assert tables.fixed_span([0.0443, 0.07040], 4, " %") == "0.0443 to 0.0704 %"
    assert tables.fixed_span([-1e-7, 2e-7], 4, " %") == "0.0000 %"


def test_category_colours_are_distinct_and_none_is_a_methods():
    """Review finding (session 54): time parts and slice levels were drawn in tab10's first colours, which are P1's,
    P2's and P3's. `plots.category_colours` gives colours no method has, distinct, as many as asked."""
    from matplotlib.colors import to_hex

    from forlab.book import plots

    methods = {to_hex(s["color"]) for s in plots.METHOD_STYLE.values()}
    for n in (1, 3, 6):
        colours = plots.category_colours(n)
        assert len(colours) == n == len(set(colours))
        assert not methods & set(colours)


def test_ungrouped_finds_what_the_book_does_not_group():
    from printed_numbers import ungrouped

    said = ("the integrated AC-OPF 1066 ms, 1 354 of 1 798 buses, 23159.3 ms, 0.00012 %, 1.5e-05 p.u., TS "
            "`case1354pegase` (seed 2024), case1354pegase+case141, commit `a8f9d84` written 2026-12-06 14:50 UTC, "
            "a8f9d84, `archive/12_many_dsos/1309e3171cb7.nc`, 999 MiB")
    assert ungrouped(said) == ["1066", "23159"]
    assert ungrouped("Intel(R) Xeon(R) Platinum 8375C, 2097 MiB", ids=["Platinum 8375C"]) == ["2097"]


def test_ungrouped_ignores_an_empty_id():
    """Fix G2A's finding: an empty id (a store without a CPU model) blanked every gap between characters, so the
    check passed on anything."""
    from printed_numbers import ungrouped

    assert ungrouped("took 1066 ms", ids=[""]) == ["1066"]


def test_a_number_keeps_its_unit_and_its_thousands_on_one_line_of_prose():
    """Session 62: a headless-Chromium screenshot of chapter 12 showed "0.0155" at a line's end and its "%" at the
    next one's start. `together` marks a number with its unit and a number grouped by thousands; the pieces join to
    the text, and a word that merely starts like a unit, or a number that a letter continues, stays free."""
    from forlab.book.typography import together

    text = ("took 8.71 s (1.78 s), 0.0155 %; 1 495 to 10 666 buses, 0.0058 p.u. or more, 11.37 $/h, 194 493.5 kB, "
            "3 segments, 0.20x, 112 DSs, 5 s2")
    pieces = together(text)
    assert "".join(p for p, _ in pieces) == text
    assert [p for p, kept in pieces if kept] == ["8.71 s", "1.78 s", "0.0155 %", "1 495", "10 666", "0.0058 p.u.",
                                                 "11.37 $/h", "194 493.5 kB"]
    assert together("sizes 1, 2, 4, 8 and 16 DSs") == [("sizes 1, 2, 4, 8 and 16 DSs", False)]


def test_the_book_keeps_those_runs_together_in_its_prose_and_nowhere_else():
    """The book's extension (book/_ext/unitspace.py, as _config.yml loads it) sets `together`'s runs in ``nowrap``
    inline nodes, which the stylesheet keeps on one line; a literal (code) keeps its text as it is, and every text
    node reads as before."""
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    import yaml
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    root = Path(__file__).resolve().parents[1]
    config = yaml.safe_load((root / "_config.yml").read_text())
    assert config["sphinx"]["local_extensions"]["unitspace"] == "book/_ext"
    assert ".bd-content span.nowrap {\n  white-space: nowrap;" in (root / "book" / "_static" / "forlab.css").read_text()
    spec = importlib.util.spec_from_file_location("unitspace", root / "book" / "_ext" / "unitspace.py")
    unitspace = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unitspace)
    doc = new_document("page", get_default_settings(Parser))
    Parser().parse("It took 8.71 s, ``8.71 s`` in code, for 10 666 buses.", doc)
    before = doc.astext()
    unitspace.KeepNumbersTogether.run(SimpleNamespace(document=doc))
    kept = [n.astext() for n in doc.findall(nodes.inline) if unitspace.NOWRAP in n["classes"]]
    assert kept == ["8.71 s", "10 666"] and doc.astext() == before
    assert [n.astext() for n in doc.findall(nodes.literal)] == ["8.71 s"]
