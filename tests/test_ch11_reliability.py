"""Chapter 11: the hostile probes run in their own processes and are classified; the store and its readers."""

import time

import matplotlib
import pytest
from notebook_cells import captions_of, sources
from printed_numbers import page_text, ungrouped

from forlab.book.tables import NOWRAP, THOUSANDS, grouped, nowrap_numbers
from forlab.studies import ch11_reliability as ch11

matplotlib.use("Agg")

SRC = ch11.FORLAB_SRC + "/grid/cases.py"


def test_classify_outcomes():
    raised = {"kind": "raised", "type": "ValueError", "message": "unknown grid 'x'", "origin": SRC}
    assert ch11.classify(raised, False) == ("handled", "ValueError: unknown grid 'x'")
    assert ch11.classify({**raised, "type": "KeyError"}, False)[0] == "crash"  # a lookup error is a bug
    assert ch11.classify({**raised, "origin": "/x/site-packages/casadi/casadi.py"}, False)[0] == "crash"
    assert ch11.classify({**raised, "message": "line one\nline two"}, False)[0] == "crash"
    assert ch11.classify(None, True) == ("hang", "no answer within the timeout")
    assert ch11.classify(None, False, "Segmentation fault\n")[0] == "crash"
    assert ch11.classify({"kind": "returned", "verdict": "data_lost", "detail": "gone"}, False) == ("data_lost", "gone")
    assert ch11.classify({"kind": "returned", "verdict": "nonsense", "detail": ""}, False)[0] == "silent"


def test_parameters_are_checked():
    ok = {"probes": "quick", "timeout_s": 10.0, "jobs": 1}
    ch11.check_params(ok)
    for bad, match in [({"probes": "some"}, "unknown or empty"), ({"probes": ["nope"]}, "unknown or empty"),
                       ({"probes": "offer_nan_coef,nope"}, r"unknown or empty selection \['nope'\]"),
                       ({"probes": ","}, "unknown or empty"),
                       ({"probes": []}, "unknown or empty"), ({"timeout_s": 0}, "timeout_s"),
                       ({"timeout_s": float("inf")}, "timeout_s"), ({"jobs": 0}, "jobs"), ({"jobs": True}, "jobs")]:
        with pytest.raises(ValueError, match=match):
            ch11.check_params(ok | bad)
    assert {p.name for p in ch11.selected("quick")} < {p.name for p in ch11.selected("all")}
    assert [p.name for p in ch11.selected(["offer_nan_coef"])] == ["offer_nan_coef"]
    # the command line gives a str (the default "quick" is one): names joined by commas select the same probes
    ch11.check_params(ok | {"probes": "offer_nan_coef, island_open_line"})
    assert ({p.name for p in ch11.selected("offer_nan_coef,island_open_line")}
            == {p.name for p in ch11.selected(["offer_nan_coef", "island_open_line"])} == {"offer_nan_coef",
                                                                                         "island_open_line"})
    from forlab.book import runner

    assert runner.coerce("offer_nan_coef,island_open_line", "quick") == "offer_nan_coef,island_open_line"
    assert len({p.name for p in ch11.PROBES}) == len(ch11.PROBES)


def test_a_hanging_probe_is_killed_with_its_children():
    probe = ch11.Probe("sleeper", "test", "sleeps", "p = subprocess.Popen(['sleep', '300'])\ntime.sleep(300)")
    t0 = time.perf_counter()
    row = ch11.run_probe(probe, timeout_s=4)
    assert row["outcome"] == "hang" and time.perf_counter() - t0 < 30


def test_a_library_error_is_a_crash_and_an_accepted_input_is_silent():
    crash = ch11.run_probe(ch11.Probe("c", "test", "", "{}['missing']"), timeout_s=60)
    assert crash["outcome"] == "crash" and "KeyError" in crash["detail"]
    silent = ch11.run_probe(ch11.Probe("s", "test", "", "x = 1"), timeout_s=60)
    assert silent["outcome"] == "silent"


def test_run_store_and_readers():
    st = ch11.run({"probes": ["offer_degree_150", "dask_bad_address"], "timeout_s": 120.0, "jobs": 2},
                  progress=False)
    assert list(st.outcome.values) == ["handled", "handled"], st.detail.values
    assert "from 1 to 6" in str(st.detail.sel(probe="offer_degree_150").values)
    assert "/tmp/" not in "".join(map(str, st.detail.values))  # the scratch folder is not named on the page
    assert int(st["count"].sel(result="handled")) == 2 and int(st["count"].sum()) == 2
    assert all("units" in st[v].attrs for v in st.data_vars)
    assert ch11.summary_text(st).startswith("2 probes ran: 2 handled, 0 crash")
    assert ch11.counts_table(st).loc["all", "handled"] == 2
    assert "data lost" in ch11.counts_table(st).columns  # the outcome in words, not its field name
    md = ch11.probes_markdown(st)
    assert md.count("\n") == 3 and "| dask_<wbr>bad_<wbr>address |" in md
    # review G #8: the wall times the page sums stand in the table, one per probe
    assert f"| {ch11.OUTCOME_HEADER} |" in md.splitlines()[0] and "**handled**, " in md.splitlines()[2]
    assert ch11.probes_table(st)[ch11.WALL_TIME].sum() == pytest.approx(float(st.wall_time_s.sum()))
    assert f"(column *{ch11.OUTCOME_HEADER}* above) add up to" in ch11.time_text(st)
    ch11.outcome_figure(st)


def test_markdown_cells_are_escaped():
    assert ch11._cell("a | b <scratch>\nc") == "a \\| b &lt;scratch&gt; c"
    # a system name's grammar: its stars are no emphasis, and no break opportunity precedes its closing quote
    # (smart quotes would turn that quote into an opening one)
    from forlab.grid.td import SYSTEM_GRAMMAR

    cell = ch11._cell(f"Use a composite name {SYSTEM_GRAMMAR}")
    assert "\\*&lt;n&gt;]" in cell and "*" not in cell.replace("\\*", "")
    assert '<wbr>"' not in cell and '..."' in cell.replace("<wbr>", "")


def test_long_words_in_the_probe_table_can_break():
    """A path or identifier longer than LONG_TOKEN gets break opportunities, or the table overflows the page."""
    long = "results/11_reliability/0123456789ab.failed.ipynb"
    cell = ch11._cell(f"wrote {long}")
    assert "<wbr>" in cell and cell.replace("<wbr>", "") == f"wrote {long}"
    assert ch11._cell("short words stay") == "short words stay"


def test_the_archived_probe_detail_keeps_the_solvers_status_whole():
    """The archived store holds the ch05 probe's detail as the probe writes it: the load level named once and chapter
    05's status whole, the solver's verdicts and chapter 05's advice at its end (a store written before clipped it at
    120 characters, inside a status word: review C #7); the table shows it unchanged."""
    from pathlib import Path

    from forlab.book import store

    st = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    stored = str(st.detail.sel(probe="ch05_infeasible_level").values)
    assert "; load level 1000 %: the offer of DS case33bw failed" in stored and "level 1000 %: load level" not in stored
    assert stored.startswith("store written with load levels 100 %, 1000 % of the nominal load;")
    assert "'Infeasible_Problem_Detected'" in stored and not stored.endswith("...")
    assert stored.endswith("widen the voltage limits or check the FPUs")  # chapter 05's advice, not cut off
    shown = ch11.probes_table(st).set_index("probe").loc["ch05_infeasible_level", "message or finding"]
    assert shown == stored
    probe = next(p for p in ch11.PROBES if p.name == "ch05_infeasible_level")
    assert "clipped(" not in probe.code and "level 10: {" not in probe.code


def test_the_ch05_probe_gives_its_load_levels_in_percent():
    """A reader took "load level 10" for 10 %, where it is ten times the nominal load: the probe names every level
    in % of the nominal load (1000 %), as chapter 05's status now does, and says what its input levels are."""
    probe = next(p for p in ch11.PROBES if p.name == "ch05_infeasible_level")
    assert "(fractions of the nominal load;" in probe.what
    status = "load level 1000 %: the offer of DS case33bw failed: RuntimeError: OPF failed (['Infeasible_Problem_Detected'])"
    tail = probe.code[probe.code.index("def pct(level)"):]  # the probe's wording
    g = {"kept": [1.0, 10.0], "at10": [status]}
    exec(tail, g)  # noqa: S102 - the probe's own code
    assert g["detail"].startswith("store written with load levels 100 %, 1000 % of the nominal load; load level "
                                  "1000 %: the offer of DS case33bw failed: RuntimeError")


def test_the_ch05_probe_keeps_the_solvers_status_whole():
    """Review C #7: the probe clipped chapter 05's status at 120 characters, which fell inside Ipopt's status word
    ("['Infeasible_Problem_Detec..."), the verdict the probe is there to show, where every other cell shows its whole
    message. The probe keeps the status as chapter 05 stores it (chapter 05 clips it at its own length), and
    `run_probe`'s `DETAIL_LIMIT` leaves the detail whole: the status words and the advice that ends the message."""
    from forlab.book.tables import clipped
    from forlab.studies.ch05_coordination import failed_case

    probe = next(p for p in ch11.PROBES if p.name == "ch05_infeasible_level")
    # the message chapter 05's DSO raises when every bounding-box OPF fails (`forlab.p1_for.dso_opf`), six solves
    words = ["Infeasible_Problem_Detected"] * 6
    err = RuntimeError(f"bounding-box OPF failed ({words}): the DS has no feasible operating point with these limits; "
                       "widen the voltage limits or check the FPUs")
    status = failed_case("case9+case33bw", 10.0, "the offer of DS case33bw", err, 1)["status"]
    g = {"kept": [1.0, 10.0], "at10": [status]}
    exec(probe.code[probe.code.index("def pct(level)"):], g)  # noqa: S102 - the probe's own code
    shown = clipped(g["detail"], ch11.DETAIL_LIMIT)  # what `run_probe` stores
    assert shown == g["detail"] and shown.endswith(status) and not shown.endswith("...")
    assert shown.count("'Infeasible_Problem_Detected'") == len(words)
    assert shown.endswith("widen the voltage limits or check the FPUs")


def test_a_file_check_that_passed_is_handled_and_the_summary_says_so():
    """The interrupted write raises nothing: its store's check passing is what `handled` means there, so the
    summary of an all-handled run names that case beside a message and a recorded failure."""
    import pandas as pd

    rows = [{"probe": "interrupted_write", "group": "stores", "what": "w", "outcome": "handled",
             "detail": "store intact: True; temporary files after the kill 1, after the next open 0",
             "wall_time_s": 1.0, "quick": 1}]
    text = ch11.summary_text(ch11._dataset(pd.DataFrame(rows)))
    assert text.startswith("1 probe ran: 1 handled")  # review finding: "1 probes ran"
    assert text.endswith("Every probe ended with a clear message, a recorded failure or a check of its files that "
                         "passed.")
    rows = [line for s in sources("11_reliability") for line in s.splitlines() if line.startswith("| handled |")]
    assert len(rows) == 1 and rows[0].endswith("or a check of the files the probe made that passed |")


def test_the_island_probes_name_the_line_in_both_numberings():
    """pandapower counts case33bw's buses from zero: the line the probes open (between its buses 5 and 6) is its
    line 5, Baran and Wu's buses 6-7; a bare "line 5-6" read as Baran-Wu numbering named the wrong line."""
    from forlab.grid import cases

    net = cases.load("case33bw")
    opened = net.line.index[(net.line.from_bus == 5) & (net.line.to_bus == 6)]  # PRELUDE's line(net, 5, 6)
    assert list(opened) == [5]
    for name in ("island_open_line", "island_sampling"):
        probe = next(p for p in ch11.PROBES if p.name == name)
        assert "line(net, 5, 6)" in probe.code
        assert "pandapower line `5`" in probe.what and "`6`-`7` in Baran-Wu numbering" in probe.what
        assert "line 5-6" not in probe.what


def test_the_paper_store_names_its_path_commit_and_date():
    from pathlib import Path

    from forlab.book import store

    st = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    commit, created = str(st.attrs["git_commit"])[:7], str(st.attrs["created_utc"])[:16].replace("T", " ")
    assert ch11.paper_text(st) == (f"From `archive/11_reliability/88dd639b18ec.nc` (commit `{commit}`, written "
                                   f"{created} UTC). It ran with {store.parameters_text(st)}.")
    # review finding: the paper run's hang timeout (600 s, the default 120 s) was not on the page
    assert "`timeout_s = 600.0`" in ch11.paper_text(st)


def test_the_paper_text_is_the_line_of_every_paper_scale_section():
    """Fix K1, item 1: the chapter wrote `forlab.book.store.paper_origin`'s line itself."""
    from pathlib import Path

    from forlab.book import store

    st = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    assert ch11.paper_text(st) == store.paper_origin(st)
    assert not hasattr(ch11, "parameters_text")
    assert ch11.paper_text(None) == ("No store of every probe yet: run `forlab run 11_reliability --profile paper` "
                                     "(or `.venv/bin/python scripts/probes.py --profile paper`).")


def test_the_archived_messages_keep_their_advice():
    """A message is kept up to `DETAIL_LIMIT` characters: in the archived paper store no message forlab raised
    ("handled") lost its end to the clip (chapter 05's status, which the ch05 probe once clipped itself, included)."""
    from pathlib import Path

    import xarray as xr

    from forlab.studies import ch11_reliability as ch11

    st = xr.open_dataset(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    clipped = [str(p) for p, d in zip(st.probe.values, st.detail.values) if str(d).endswith("...")]
    assert clipped == []
    assert max(len(str(d)) for d in st.detail.values) < ch11.DETAIL_LIMIT


def test_the_outcome_caption_names_no_colour_the_figure_may_not_draw():
    """Review finding: the caption listed all five outcomes' colours, while `outcome_figure` draws (and its legend
    names) only the outcomes that occur: a run with every probe handled has one colour."""
    import pandas as pd

    caption = captions_of("11_reliability")[0]
    assert "only outcomes that occur are drawn" in caption and "handled cleanly, crash" not in caption
    rows = [{"probe": "p", "group": "g", "what": "w", "outcome": "handled", "detail": "ok", "wall_time_s": 1.0,
             "quick": 1}]
    fig = ch11.outcome_figure(ch11._dataset(pd.DataFrame(rows)))
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["handled"]


def test_one_outcome_is_a_table_not_a_figure():
    """Review finding: the page drew five bars of two or three probes, all of the one outcome "handled", a figure a
    reader would rather have as a table; the page draws it only when the outcomes differ (`outcomes_differ`) and
    always shows `counts_table`."""
    import pandas as pd

    rows = [{"probe": f"p{i}", "group": g, "what": "w", "outcome": "handled", "detail": "ok", "wall_time_s": 1.0,
             "quick": 1} for i, g in enumerate(["a", "a", "b"])]
    assert not ch11.outcomes_differ(ch11._dataset(pd.DataFrame(rows)))
    rows[2]["outcome"] = "crash"
    assert ch11.outcomes_differ(ch11._dataset(pd.DataFrame(rows)))
    cell = next(c for c in sources("11_reliability", "code") if "outcome_figure" in c)
    assert cell.startswith("if ch11.outcomes_differ(st):")
    assert "drawn when the probes ended in more than one outcome" in captions_of("11_reliability")[0]
    assert "display(ch11.counts_table(st))" in "\n".join(sources("11_reliability", "code"))


def test_the_ch05_infeasible_level_probe_passes_chapter_05s_check():
    """The probe is meant to reach its infeasible load level: every other parameter it sets must pass chapter 05's
    check (with a cost-point count below `forlab.p1_for.representation.MIN_COST_POINTS` it tested that check
    instead, and was still counted "handled")."""
    from forlab.book import runner
    from forlab.p1_for.representation import MIN_COST_POINTS
    from forlab.studies import ch05_coordination as ch05

    code = next(p for p in ch11.PROBES if p.name == "ch05_infeasible_level").code
    call = code[code.index("ch.run(") + len("ch.run("):code.index("))\n") + 1]
    params = eval(call, {"chapter": lambda c, **kw: runner.chapter_params(c, kw),  # the probe's own call
                         "MIN_COST_POINTS": MIN_COST_POINTS})
    assert params["levels"] == [1.0, 10.0]
    ch05.check_params(params)


def test_the_archived_probe_table_has_no_word_wider_than_the_column_allows():
    """Every word of the archived probe table may break within 16 characters (at spaces, or where `_cell` and the
    probe names put break opportunities): with whole words up to 24 characters ("no_such_chapter",
    "case118+case33bw*8+case69*2") the table was 792 px wide, past the 688 px column of a 1280 px window."""
    import re
    from pathlib import Path

    from forlab.book import store

    big = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    text = ch11.probes_markdown(big).replace("&lt;", "<").replace("&gt;", ">").replace("\\", "")
    # a number kept on one line is one word, its separator no break
    nowrap = re.escape(NOWRAP).replace(re.escape("{}"), "([^<]*)")
    text = re.sub(nowrap, lambda m: m[1].replace(THOUSANDS, "~"), text)
    words = [w for line in text.replace("<wbr>", " ").splitlines()[2:] for w in re.split(r"[\s|]+", line)]
    assert max(map(len, words)) <= 16, max(words, key=len)


def test_long_words_break_after_a_plus_and_a_dot_before_a_letter_but_not_inside_a_number():
    assert ch11._cell("forlab run no_such_chapter") == "forlab run no_<wbr>such_<wbr>chapter"
    assert ch11._cell("case118+case33bw") == "case118+<wbr>case33bw"
    assert ch11._cell("line.x_ohm_per_km") == "line.<wbr>x_<wbr>ohm_<wbr>per_<wbr>km"
    assert ch11._cell("tcp://127.0.0.1:49827") == "tcp://<wbr>127.0.0.1:49827"


def _page_text(html: str) -> str:
    """The text of an HTML fragment as a browser copies it: tags such as <wbr> add no character."""
    from html.parser import HTMLParser

    out = []
    parser = HTMLParser()
    parser.handle_data = out.append
    parser.feed(html)
    parser.close()
    return "".join(out)


def test_probe_names_and_commands_in_the_table_copy_as_typed():
    """Review R5 #3: the table's break opportunities were zero-width spaces, so a probe name copied from the page
    (offer_\u200bnan_\u200bcoef) was not the name and `check_params` refused it; `<wbr>` tags break the line and
    add nothing to the copied text. Every name in the archived table parses back to itself and passes the check."""
    from pathlib import Path

    from forlab.book import store

    big = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    md = ch11.probes_markdown(big)
    assert "\u200b" not in md and "<wbr>" in md
    cells = [line.split(" | ")[1] for line in md.splitlines()[2:]]
    names = [_page_text(c) for c in cells]
    assert sorted(names) == sorted(map(str, big.probe.values)) and any("<wbr>" in c for c in cells)
    ch11.check_params({"probes": ",".join(names), "timeout_s": 1.0, "jobs": 1})
    command = ch11._cell("git checkout -- notebooks/99_corrupt.ipynb")
    assert "\u200b" not in command and _page_text(command) == "git checkout -- notebooks/99_corrupt.ipynb"


def test_code_spans_in_a_cell_stay_whole():
    """A `<wbr>` inside a code span would print as text: words in backquotes are left as they are."""
    assert ch11._cell("opened `forlab.book.store.MAX_STORE_BYTES` here_and_there_too") == (
        "opened `forlab.book.store.MAX_STORE_BYTES` here_<wbr>and_<wbr>there_<wbr>too")


def test_every_number_the_page_prints_is_grouped_from_a_thousand_on():
    """Fix G2: the page printed its wall times with plain formats, so a slower run of every probe would have read
    "add up to 11100 s" beside the book's "5 296.69 $/h" (its anchors). Every number of the page that can reach a
    thousand takes the one grouping, `forlab.book.tables.grouped`: no text or table the notebook shows of the
    archived store of every probe prints one without it, nor of the same probes a hundred times slower (chapter 12's
    check, `ungrouped`). What each probe tried and its message are the store's text, quoted as the probe wrote them
    (ports, file offsets, a library's own "2,048 MiB"): ids, as the check calls them, not the page's numbers."""
    from pathlib import Path

    from forlab.book import store

    big = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    slower = big.assign(wall_time_s=100 * big.wall_time_s)
    quoted = sorted({ch11._cell(v) for v in (*big.what.values, *big.detail.values)}, key=len, reverse=True)
    shown = [ch11.paper_text(big), *(f(st) for st in (big, slower) for f in (ch11.summary_text, ch11.counts_table,
                                                                             ch11.probes_markdown, ch11.time_text))]
    found = {i: ungrouped(page_text(s), ids=quoted) for i, s in enumerate(shown)}
    assert not {i: f for i, f in found.items() if f}, found
    # the slower probes have such numbers where the page prints them: the check is not empty
    w = slower.wall_time_s.values
    assert w.sum() >= 1000 and f"add up to {grouped(w.sum())} s" in ch11.time_text(slower)
    assert f"**handled**, {nowrap_numbers(grouped(w.max(), 1))} s |" in ch11.probes_markdown(slower)


def test_a_grouped_number_in_a_probe_message_stays_on_one_line_but_not_inside_code():
    """A store's message "expands to 2 048 MiB" could break, in the narrow message column, into "2" over "048 MiB":
    the cell keeps a grouped number on one line (`forlab.book.tables.nowrap_numbers`), as the pandas tables do, and leaves a code span
    as it is (a tag there would print as text)."""
    big, small = f"2{THOUSANDS}048", f"1{THOUSANDS}024"
    cell = ch11._cell(f"expands to {big} MiB, above `max_bytes = {small}` ({small} MiB)")
    assert cell == (f"expands to {NOWRAP.format(big)} MiB, above `max_bytes = {small}` "
                    f"({NOWRAP.format(small)} MiB)")
    assert ch11._cell("port 49827, offset 18240") == "port 49827, offset 18240"  # ungrouped: an id, left as written


def test_island_probes_name_the_grid_as_built_and_why_their_totals_differ():
    """Review R5 #2: island_sampling ran on the case9+case33bw DS built radial (``ties="none"``) and scaled as
    parallel feeders, not on the book's DS (every tie closed); its cut-off loads drew the fitted scale times those of
    island_open_line's case33bw as published, which the page did not say. The text now says both, and the two
    archived totals are in that ratio."""
    import re
    from pathlib import Path

    import numpy as np

    from forlab.book import store
    from forlab.grid import cases, td

    sampling, open_line = (next(p for p in ch11.PROBES if p.name == n) for n in ("island_sampling", "island_open_line"))
    assert 'td.load_system("case9+case33bw", ties="none")' in ch11.PRELUDE and "radial_ds()" in sampling.code
    assert '`ties="none"`' in sampling.what and "built radial" in sampling.what and "book's DS closes" in sampling.what
    assert "scaled as parallel feeders" in sampling.what and "that factor times those of island_open_line" in sampling.what
    assert "cases.load('case33bw')" in open_line.code and "loads as published" in open_line.what
    for probe in (sampling, open_line):  # one numbering beside the message's zero-based bus list
        assert "`5`-`6` counted from zero, as the message counts them" in probe.what
    system = td.load_system("case9+case33bw", ties="none")
    scale = float(system.pcc.scale.iloc[0])
    assert np.allclose(system.ds["case33bw"].load.p_mw, scale * cases.load("case33bw").load.p_mw)
    big = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    drawn = {n: float(re.search(r"drawing ([\d.]+) MW", str(big.detail.sel(probe=n).values))[1])
             for n in ("island_sampling", "island_open_line")}
    assert drawn["island_sampling"] / drawn["island_open_line"] == pytest.approx(scale, rel=1e-4)


def test_the_store_probes_scratch_chapter_is_named_on_the_page():
    """Review R5 #4: the store probes' messages advise `forlab run probe`, a chapter the book does not have; the
    page says that ``probe`` is their scratch chapter."""
    from pathlib import Path

    from forlab.book import store

    big = store.open_path(Path(__file__).resolve().parents[1] / "archive" / "11_reliability" / "88dd639b18ec.nc")
    assert any("forlab run probe" in str(d) for d in big.detail.values)
    assert any("tiny_store('probe'" in p.code for p in ch11.PROBES)
    prose = " ".join(" ".join(sources("11_reliability", "markdown")).split())
    assert "a scratch chapter named `probe`" in prose and "advises `forlab run probe` names that chapter" in prose
