"""The tables of chapter 12 as the page prints them, each under its title (`run_tables`, `size_tables`,
`dispatch_tables`, `flexibility_tables`, `target_tables`, and the paper-scale `paper_tables`, which chapter 09 prints of
its copies of the rows), and the notes under them: what their words and dashes stand for (`dash_text`, `paper_note`,
`dispatch_note`), the online times' TSO and DSO sides (`sides_text`) and ALADIN's data exchanged (`p3_data_text`). Their
words are those of `forlab.studies.ch12_many_dsos.text`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.names import TIME_RATIO
from forlab.book.tables import (
    TitledTable,
    clipped,
    fixed_columns,
    grouped,
    items,
    listed,
    printable,
    span,
    wrappable,
)
from forlab.opf.outcome import NEGLIGIBLE_PCT
from forlab.studies import ch08_sensitivity as ch08
from forlab.studies.ch12_many_dsos.readers import (
    METHODS,
    coded,
    comparable,
    flexibility,
    frame,
    held_ok,
    measures_shown,
    sizes,
    targets,
    why_not_compared,
)
from forlab.studies.ch12_many_dsos.text import HELD_WORDS, _ds_list, _share, _tied, ds_count, percent, tied

__all__ = [
    "ANSWER_COLUMNS",
    "COST_COLUMNS",
    "FLEXIBILITY_HEADERS",
    "FLEXIBILITY_TITLE",
    "GIVES_UP",
    "INTEGRATED_COLUMN",
    "KB_WHOLE_FROM",
    "NO_EXCHANGE",
    "NO_OFFLINE",
    "ONLINE_RULE",
    "P2_NO_DSO",
    "P3_ABOVE_MAX",
    "P3_NO_OFFLINE",
    "PAPER_TITLES",
    "SIDES",
    "TIE_MARK",
    "TIE_WORD",
    "TS_REGION_MARK",
    "WHY_NOT",
    "above_max",
    "dash_text",
    "dispatch_note",
    "dispatch_table",
    "dispatch_tables",
    "flexibility_table",
    "flexibility_tables",
    "kilobytes",
    "outcome_tables",
    "p3_data_text",
    "paper_note",
    "paper_tables",
    "ratio_words",
    "run_tables",
    "sides_text",
    "size_table",
    "size_tables",
    "target_tables",
]


NO_EXCHANGE = (", and the data it exchanges: none, since it holds every grid model in one place, which is what the "
               "methods avoid")
"""Why the integrated AC-OPF's row has no data exchanged (`dash_text`): not that it needs none, but that it is the
benchmark privacy forbids (the glossary's words)."""

NO_OFFLINE = ", its offline time and rounds: it has no offline step and no rounds of messages"
"""Why the integrated AC-OPF's row has "–" for its offline time and rounds (`outcome_tables`; said by `dash_text`):
they do not apply to a problem solved in one piece, whose time is its solve's alone (`paper_tables` has no row of
it)."""


P3_NO_OFFLINE = "P3 ALADIN's offline time: it has no offline step, its regions solve online in every round"
"""Why P3's rows have "–" for their offline time (`WITHOUT_OFFLINE`; said by `dash_text`, `paper_note`)."""

SIZE_TITLE = ("**The systems** per size: buses, build time (s), peak memory (MiB), the size's wall time (s) and the "
              "integrated AC-OPF's solver time before and after the methods (ms; the ratios divide by the first, and "
              "the timing noise is the largest relative move, how far the faster lies below the slower):")
AGAIN_HEADER = "integrated before / after (ms)"
RUN_TITLES = ("**What the TSO gets and how fast**, per size and method:",
              "**What it costs besides**, per size and method:")
DISPATCH_TITLE = ("**P1's DSO work** per size, online and offline: the slowest DSO's own time beside all DSOs' work "
                  "as it ran here:")
TARGETS_TITLE = "**The scale-out targets** held against this store:"
"""The titles of the chapter's tables (`size_tables`, `run_tables`, `dispatch_tables`, `target_tables`): tables
shown one after the other render as one grid without them (`forlab.book.tables.titled`)."""


ONLINE_HEADERS = {"deviation_pct": "deviation (%)", "feasible": "feasible", "online": "online solver (ms)",
                  "wall_ms": "online wall by the rule (ms)", "ratio": TIME_RATIO}
EFFORT_HEADERS = {"buses": "buses", "offline_time_s": "offline (s)", "rounds": "rounds", "kB": "exchanged (kB)"}
"""The columns of the chapter's two tables (`outcome_tables`), each narrow enough for the text column."""


def _fixed(table: pd.DataFrame, digits: dict[str, int]) -> pd.DataFrame:
    """`forlab.book.tables.fixed_columns` of ``table`` with every column it formats grouped by the book's one grouping
    of thousands (`forlab.book.tables.grouped`, the rule of the anchors' bounds): a number of these tables that can
    reach a thousand (a time in ms or s, MiB, rounds, kB, buses) reads as the sentences and the bounds print it
    ("1 066.4" ms beside "1 798" buses, not "1066.4"), whichever columns ran past a thousand so far."""
    return fixed_columns(table, digits, group=tuple(digits))


KB_WHOLE_FROM = 1000.0
"""From how many kB on the tables print the data exchanged in whole kB (`kilobytes`), as a paper prints them:
ALADIN's hundreds of thousands of kB read "194 493", not "194 493.5", while an offer of a few kB keeps its tenth."""


def kilobytes(values) -> pd.Series:
    """Data exchanged (kB) as every table of this chapter prints it: one decimal below `KB_WHOLE_FROM`, whole kB from
    there on, thousands grouped (`forlab.book.tables.grouped`); a missing value stays missing (`printable`'s "–")."""
    v = pd.Series(values, dtype=float)
    return v.map(lambda x: grouped(x, 1 if round(abs(x), 1) < KB_WHOLE_FROM else 0)).where(np.isfinite(v))


def outcome_tables(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chapter's two tables, per N and method: what the TSO gets and how fast (judged deviation (%),
    feasibility, online solver time (ms), online wall time by the same rule (ms: each part's wall clock, parallel
    parts their slowest; not the measured wall clock of all DSOs on the workers, which `dispatch_table` gives; not
    measured alike: with Dask workers P1's DSOs are timed on their workers one at a time, without messages, and
    P2's is its TSO's solve alone, while ALADIN's rounds include their communication and its regions run while the
    other workers compute), the online solver time over the integrated AC-OPF's), and what it costs besides
    (buses, offline time (s), rounds, kB as `kilobytes` prints them; every number with its thousands grouped,
    `_fixed`). "–" where a measure does not exist, by the one dash rule (`measures_shown`; a failed run's status is
    in `failures_text`); a run that is not `comparable` (an infeasible dispatch, or no yardstick) has, in the ratio's
    place, the word that says why (`why_not_compared`)."""
    ratio = ratio_words(t)
    t = measures_shown(t)
    # chapter 08's display units (online ms, kB), the wall time beside them in ms
    t = ch08.display_units(t).assign(wall_ms=1e3 * t.wall_time_s, feasible=t.feasible.map({1.0: "yes", 0.0: "no"}),
                                     ratio=ratio)
    t = t.set_index(pd.MultiIndex.from_arrays([t.n_ds, t.method.map(METHODS)], names=["DSs", "method"]))
    t = _fixed(t, {"deviation_pct": 4, "online": 1, "wall_ms": 1, "offline_time_s": 1, "rounds": 0, "buses": 0})
    t["kB"] = kilobytes(t.kB).to_numpy()
    return printable(t, ONLINE_HEADERS), printable(t, EFFORT_HEADERS)


def run_tables(t: pd.DataFrame) -> list[TitledTable]:
    """`outcome_tables`, each under its title (`RUN_TITLES`)."""
    return list(zip(RUN_TITLES, outcome_tables(t)))


def dash_text(t: pd.DataFrame) -> str:
    """Markdown: what a "–" in `outcome_tables` of ``t`` stands for, naming only the causes that occur: a run that
    failed or was not run (`failures_text` lists each with its status after the tables), the deviation of a run
    whose ratio column says why it is not compared (an infeasible dispatch, or no yardstick), a value of the
    integrated AC-OPF that does not apply (its ratio to itself, its offline time and rounds, `NO_OFFLINE`; its data
    exchanged, where it has none), or ALADIN's offline time (`P3_NO_OFFLINE`); one clause per cause, as `paper_note`
    words them; empty when there is none."""
    not_run = t.status.astype(str).str.startswith("not run")
    runs = [w for w, occurs in (("a failed run", ((t.status != "ok") & ~not_run).any()),
                                ("a method not run at that size", not_run.any())) if occurs]
    said = [f"{' or '.join(runs)} (each listed with its status after the tables)"] if runs else []
    if ((t.method != "integrated") & (t.status == "ok") & ~comparable(t)).any():
        said.append(f"the deviation of a run the {TIME_RATIO} column calls infeasible or without yardstick: "
                    "no deviation of a dispatch a TSO cannot use is compared")
    base = t[t.method == "integrated"]
    # one cause per clause, each saying whose rows it holds in, as `paper_note` words them
    if len(base):
        kb = NO_EXCHANGE if base.bytes_exchanged.isna().any() else ""
        said.append(f"in the integrated AC-OPF's rows, a value that does not apply (its ratio to and deviation from "
                    f"itself{NO_OFFLINE}{kb})")
    if ((t.method == "P3") & (t.status == "ok")).any():
        said.append(f"in P3 ALADIN's rows, a value that does not apply ({P3_NO_OFFLINE})")
    return f"“–”: {'; '.join(said)}." if said else ""


DISPATCH_HEADERS = {"dso_ms": "slowest DSO, solver (ms)", "dso_parallel_ms": "all DSOs on the workers, wall (ms)",
                    "ratio": "wall / slowest DSO", "offline_dso_max_s": "offline, slowest DSO (s)",
                    "offline_time_s": "offline, all DSOs (s)"}


def dispatch_table(t: pd.DataFrame) -> pd.DataFrame:
    """P1's DSO work per N. Online: the slowest DSO's solver time (ms), what the one rule counts, beside the wall
    time of every DSO's dispatch sent at once to the Dask workers and measured on this machine (ms; "–" when the
    run had no workers), and their ratio. Offline: the slowest DSO's own time (s; each DSO with a computer of its
    own) beside the time of all DSOs' offline work as it ran here (s; "–" in a store written before it was
    recorded)."""
    p1 = t[(t.method == "P1") & (t.status == "ok")].set_index("n_ds")
    p1 = p1.assign(ratio=p1.dso_parallel_ms / p1.dso_ms,
                   offline_dso_max_s=p1.get("offline_dso_max_s", pd.Series(np.nan, index=p1.index)))
    p1 = _fixed(p1, dict.fromkeys(("dso_ms", "dso_parallel_ms", "ratio", "offline_dso_max_s", "offline_time_s"), 1))
    out = printable(p1, DISPATCH_HEADERS)
    out.index.name = "DSs"
    return out


def dispatch_tables(t: pd.DataFrame) -> list[TitledTable]:
    """`dispatch_table` under its title (`DISPATCH_TITLE`)."""
    return [(DISPATCH_TITLE, dispatch_table(t))]


def dispatch_note(t: pd.DataFrame) -> str:
    """Markdown: the sizes where `dispatch_table`'s wall time of all DSOs came out below the slowest DSO's own
    solver time, and why that can happen (empty when it did not): the two are separate runs of the same dispatches,
    the timed steps first, one DSO at a time, then the rounds sent at once, each the fastest of its repeats."""
    p1 = t[(t.method == "P1") & (t.status == "ok")]
    below = p1[p1.dso_parallel_ms < p1.dso_ms].sort_values("n_ds")
    if not len(below):
        return ""
    sizes = ", ".join(f"{ds_count(int(r.n_ds))} ({grouped(r.dso_parallel_ms)} against {grouped(r.dso_ms)} ms)"
                      for r in below.itertuples())
    return (f"Wall time below the slowest DSO's solver time at {sizes}: the two columns are separate runs of the "
            f"same dispatches (first each DSO's timed step, one DSO at a time, then the rounds sent at once, each "
            f"the fastest of its repeats), so the machine's load can make the first the slower; a ratio below one "
            f"is timing noise, not a gain from running the DSOs together.")


def size_table(st: xr.Dataset) -> pd.DataFrame:
    """One row per N and its system (the index: a long system name wraps there, where pandas' HTML would cut a cell
    of more than ``display.max_colwidth`` characters short): its buses, build time (s), peak memory (MiB) and the
    size's wall time (s); where the store has it, the integrated AC-OPF's solver time before the methods and again
    after them (ms, "–" where a timing failed), the pairs `timing_noise` takes the largest move of. Every number with
    its thousands grouped (`forlab.book.tables.grouped`), as the other tables print theirs (`_fixed`)."""
    s = sizes(st)
    out = pd.DataFrame({"buses": s.buses.map(grouped), "DS buses": s.ds_buses.map(grouped),
                        "build (s)": s.build_s.map(lambda v: grouped(v, 1)),
                        "peak memory (MiB)": s.peak_mib.map(grouped), "wall time (s)": s.wall_s.map(grouped)})
    if "integrated_again_ms" in s:
        t = frame(st)
        ok = t[(t.method == "integrated") & (t.status == "ok")].set_index("n_ds").solve_time_s
        before = (1e3 * ok).reindex(s.n_ds).to_numpy(float)
        out[AGAIN_HEADER] = [f"{grouped(a, 1)} / {grouped(b, 1)}" if np.isfinite(a) and np.isfinite(b) else "–"
                             for a, b in zip(before, s.integrated_again_ms.astype(float))]
    out.index = pd.MultiIndex.from_arrays([s.n_ds, s.system.map(wrappable)], names=["DSs", "system"])
    return out


def size_tables(st: xr.Dataset) -> list[TitledTable]:
    """`size_table` under its title (`SIZE_TITLE`)."""
    return [(SIZE_TITLE, size_table(st))]


FLEXIBILITY_TITLE = ("**What DS flexibility is worth** per size: the judged cost of the T+D system with "
                     f"{HELD_WORDS}, its worth (how far that cost lies above the integrated AC-OPF's optimum, in $/h "
                     "and in % of that optimum), the share of the worth a deviation at the solvers' tolerances would "
                     "be (a tie: a share below it cannot be told from a tie), and the share of the worth each method's "
                     "dispatch gives up (“tie” where its deviation is within those tolerances). Where the AC-OPF with "
                     "the FPUs held failed, or its dispatch broke a limit in the T+D power flow, its cost reads "
                     "“failed” or “infeasible” and the size has no worth (the text below the table says why):")
FLEXIBILITY_HEADERS = {"fixed": "cost, FPUs held ($/h)", "worth": "worth ($/h)", "worth_pct": "worth (% of optimum)",
                       "tie_share": "a tie (% of worth)"}
GIVES_UP = "{method} gives up (% of worth)"
"""The title and columns of `flexibility_table`, each header with its base: the worth in % of the integrated optimum,
the tie and the methods' shares in % of the worth (review R, finding 4); then one column per method, headed
`GIVES_UP`, the share of the worth it gives up."""


def flexibility_table(st: xr.Dataset, f: pd.DataFrame | None = None, t: pd.DataFrame | None = None) -> pd.DataFrame:
    """`flexibility` as the page prints it (`FLEXIBILITY_HEADERS`, a method's column headed `GIVES_UP`): costs with
    two decimals, the worth in % and the shares as `_share` prints them, a method's column with the word why it has no
    share where its row is not `comparable` (`why_not_compared`), and "–" where the worth is no number; the held cost
    of a size without one says why in the same words (`_held_words`). ``f``, ``t``: the store's `flexibility` and
    `frame`, where the caller has built them already (None: built here, once)."""
    t = frame(st) if t is None else t
    f = flexibility(st, t) if f is None else f
    t = coded(t)
    shown = _fixed(f, {"fixed": 2, "worth": 2}).assign(worth_pct=f.worth_pct.map(_share),
                                                        tie_share=f.tie_share.map(_share))
    out = printable(shown, FLEXIBILITY_HEADERS)
    out[FLEXIBILITY_HEADERS["fixed"]] = out[FLEXIBILITY_HEADERS["fixed"]].where(f.fixed.notna(), _held_words(st))
    share = {m: f[m] if m in f else pd.Series(np.nan, index=f.index) for m in ch08.METHODS}
    for method in [m for m in ch08.METHODS if m in set(t.method)]:
        rows = t[t.method == method]
        words = [(TIE_WORD if _tied(r) else _share(share[method].get(r.n_ds, np.nan))) if good
                 else why_not_compared(r) for r, good in zip(rows.itertuples(), comparable(rows))]
        out[GIVES_UP.format(method=METHODS[method])] = (pd.Series(words, index=rows.n_ds.to_numpy())
                                                        .reindex(f.index).fillna("–"))
    out.index.name = "DSs"
    return out


def _held_words(st: xr.Dataset) -> pd.Series:
    """Per size (index ``n_ds``), why its AC-OPF with every FPU held gave no cost to compare, in the word a method's
    row would get (`why_not_compared`: "failed", or "infeasible" where its dispatch broke a limit in the T+D power
    flow); "–" where it did give one (`held_ok`)."""
    held = sizes(st).set_index("n_ds")
    rows = pd.DataFrame({"status": held.fixed_fpus_status, "feasible": held.fixed_fpus_feasible.astype(bool)})
    return pd.Series([why_not_compared(r) for r in rows.itertuples()], index=rows.index).where(~held_ok(held), "–")


TIE_WORD = "tie"
"""What `flexibility_table` prints for a method whose deviation is within the solvers' tolerances (`_tied`)."""


def flexibility_tables(st: xr.Dataset) -> list[TitledTable]:
    """`flexibility_table` under its title (`FLEXIBILITY_TITLE`); none for a store without the fields."""
    t = frame(st)
    f = flexibility(st, t)  # once: the table is built of it
    return [(FLEXIBILITY_TITLE, flexibility_table(st, f, t))] if len(f) else []


PAPER_TITLES = (("**The answer at paper scale**, per size and method, held against the integrated AC-OPF of its "
                 "size (its solver time in the column of that name, once per size):"),
                ("**What it costs besides**, per size and method: the offline time (all DSOs' offline work as it "
                 "ran on that machine), the rounds and the data exchanged (in whole kB where they run into "
                 "thousands):"))
SIDES = {"tso": "TSO side", "dso": "DSO side"}
ANSWER_COLUMNS = {"online": "online solver time (ms)", **{k: f"{v} (ms)" for k, v in SIDES.items()},
                  "ratio": f"{TIME_RATIO} (x)", "dev": "|cost deviation| (%)"}
INTEGRATED_COLUMN = f"{METHODS['integrated']} (ms)"
COST_COLUMNS = {"offline": "offline (s)", "rounds": "rounds", "kB": "exchanged (kB)"}
"""The titles and columns of `paper_tables`, the sweep as this chapter's page and chapter 09's print it: a row per
size and method, the methods by their full names, in two tables that fit the text column (one column per method and
figure would make fifteen), the online time with its TSO and DSO sides (`sides_text` says what they are per method),
without the integrated AC-OPF's rows of dashes between the methods' (review R3, items 9 and 18): its solver time has a
column of its own, once per size, so that no time stands under the ratio's header. Every time in ms, its unit in the
header (`INTEGRATED_COLUMN` the integrated AC-OPF's), not in the cells (review R, finding 12): ms as the chapter's
other tables give online times, and with the decimals of `_ms_decimals` the smallest time of a table still shows
three significant digits (a DSO side of some tens of ms) while none needs more than one decimal; in s, such a
table would need four decimals on times of tens of seconds."""

TS_REGION_MARK = "†"
"""The mark on P3 ALADIN's DSO side in `paper_tables` (review R, finding 6): its slowest region per round, the TS
region among them, so not the DSOs' time alone; `sides_text` says what it means."""

TIE_MARK = f" ({TIE_WORD})"
"""What `paper_tables` adds to a |cost deviation| within the solvers' tolerances (`_tied`, the rule of the worth
table's “tie”), its number kept (review R, finding 12)."""

WHY_NOT = {"infeasible": "its dispatch is infeasible in the T+D power flow", "failed": "it failed",
           "not run": "it was not run",
           "no yardstick": "the integrated AC-OPF of its size has no time or cost to hold it against"}
"""What each word of `why_not_compared` says, as a clause (`paper_note`; chapter 09's statements on the sweep)."""


def ratio_words(t: pd.DataFrame) -> pd.Series:
    """Per row of `frame` (methods by code or by name), the online solver time over the integrated AC-OPF's as a
    table prints it: two decimals (thousands grouped, `forlab.book.tables.grouped`) where the row is `comparable`,
    else why not (`why_not_compared`); NaN for the integrated AC-OPF (no ratio to itself)."""
    t = coded(t)
    words = [grouped(r.time_ratio, 2) if good else why_not_compared(r)
             for r, good in zip(t.itertuples(), comparable(t))]
    return pd.Series(words, index=t.index, dtype=object).where(t.method != "integrated")


def _ms_decimals(seconds) -> int:
    """The decimals of the ms of `paper_tables`: enough for three significant digits of the smallest positive time
    of ``seconds`` (one for a time of some tens of ms), at least none."""
    ms = 1e3 * np.asarray(seconds, dtype=float)
    ms = ms[np.isfinite(ms) & (ms > 0)]
    return max(0, 2 - int(np.floor(np.log10(ms.min())))) if len(ms) else 1


def _durations(seconds, decimals: int) -> list:
    """Solver times (s) as the paper-scale tables print them: in ms with ``decimals`` decimals, thousands grouped
    (`forlab.book.tables.grouped`), the unit in the header (`ANSWER_COLUMNS`); NaN where there is none (`printable`'s
    "–")."""
    return [grouped(1e3 * s, decimals) if np.isfinite(s) else np.nan for s in np.asarray(seconds, dtype=float)]


def _paper_rows(t: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` (methods by code or by their full names) as `paper_tables` print them, before their
    layout: methods by code, by size and then in the order of `METHODS`, the dash rule applied (`measures_shown`);
    ``online`` the solver time in ms (`_durations`, with the decimals ``ms_decimals`` of all the rows' times and
    sides, `_ms_decimals`), ``ratio`` the ratio or the word why there is none (`ratio_words`; for the integrated
    AC-OPF NaN, or why it has no time), ``dev`` the |cost deviation| (%), marked `TIE_MARK` where it is a tie,
    ``offline`` and ``rounds`` as printed, ``kB`` the data exchanged in kB, still a number (`kilobytes` prints
    it)."""
    t = coded(t)
    own = pd.Series([np.nan if r.status == "ok" else why_not_compared(r) for r in t.itertuples()],
                    index=t.index, dtype=object)  # the integrated AC-OPF's: no ratio to itself, or why it has no time
    ratio = ratio_words(t).where(t.method != "integrated", own)
    t = measures_shown(t)
    tie = tied(t.deviation_pct)  # NaN (no compared deviation): no mark
    sides = [t[f"{k}_ms"] / 1e3 for k in SIDES if f"{k}_ms" in t]
    decimals = _ms_decimals(np.concatenate([t.solve_time_s.to_numpy(float), *[v.to_numpy(float) for v in sides]]))
    t = t.assign(online=_durations(t.solve_time_s, decimals), ratio=ratio.to_numpy(), dev=t.deviation_pct.abs(),
                 offline=t.offline_time_s, kB=t.bytes_exchanged / 1e3, ms_decimals=decimals)
    t = _fixed(t, {"dev": 4, "offline": 1, "rounds": 0})
    t["dev"] = t.dev.where(~tie, t.dev.astype(str) + TIE_MARK)
    return t.iloc[np.lexsort((t.method.map(list(METHODS).index).to_numpy(), t.n_ds.to_numpy()))]


def paper_tables(t: pd.DataFrame) -> list[TitledTable]:
    """The sweep as this chapter's page and chapter 09's print it, from the rows of `frame` (methods by code or by
    their full names, as chapter 09's copies have them): two tables under their titles (`PAPER_TITLES`), laid out as a
    paper prints them (review R3, item 18). No row of the integrated AC-OPF between the methods', with dashes where a
    value does not apply to it (its ratio to and deviation from itself, its offline time, rounds and data): its solver
    time, the time every ratio of its size is over, is a column of the first table, once per size (or the word why it
    has none, `why_not_compared`), and its size's buses are in the second's index. The first (`ANSWER_COLUMNS`), per
    size and method: the online solver time, its TSO and DSO sides (``tso_ms`` and ``dso_ms``, which add up to it;
    `sides_text` says what they are per method), the ratio or the word why there is none, and the |cost deviation|
    (%). The second (`COST_COLUMNS`), per size (with its buses) and method: the offline time (s), the rounds and the
    data exchanged (`kilobytes`); every number with its thousands grouped (`_fixed`, `duration`), the buses too. A
    row without a result says why in its column *online / integrated* (`why_not_compared`: "not run", "failed",
    "infeasible", "no yardstick") and shows "–" where it has no number, never a number, by the one dash rule
    (`measures_shown`): a run that did not finish has no time, sides, rounds or data, one that is not `comparable` no
    deviation; `paper_note` says what each word and dash stands for."""
    rows = _paper_rows(t)
    base = rows[rows.method == "integrated"].set_index("n_ds")
    yardstick = base.online.fillna(base.ratio)  # its time, or the word why it has none
    m = rows[rows.method != "integrated"]
    sides = {k: m[f"{k}_ms"] / 1e3 if f"{k}_ms" in m else pd.Series(np.nan, index=m.index) for k in SIDES}
    decimals = int(rows.ms_decimals.iloc[0]) if len(rows) else 1
    m = m.assign(**{k: _durations(v, decimals) for k, v in sides.items()}, kB=kilobytes(m.kB).to_numpy())
    regions = (m.method == "P3") & m.dso.notna()  # ALADIN's slowest region per round: the TS region among them
    m["dso"] = m.dso.where(~regions, m.dso.astype(str) + f" {TS_REGION_MARK}")
    n, names = m.n_ds.astype(int), m.method.map(METHODS)
    answer = m.set_index(pd.MultiIndex.from_arrays([n, n.map(yardstick).fillna("–"), names],
                                                   names=["DSs", INTEGRATED_COLUMN, "method"]))
    cost = m.set_index(pd.MultiIndex.from_arrays([n, m.buses.map(grouped), names], names=["DSs", "buses", "method"]))
    return list(zip(PAPER_TITLES, (printable(answer, ANSWER_COLUMNS), printable(cost, COST_COLUMNS))))


P2_NO_DSO = f"{METHODS['P2']}'s DSO side: it has no DSO step online, its TSO sets the FPUs itself"
"""Why P2's rows have "–" for their DSO side in `paper_tables` (`forlab.studies.ch08_sensitivity.NOT_APPLYING`; said
by `paper_note`)."""

P3_ABOVE_MAX = ("in a separate run at the next size of the sweep, the first local nonlinear program of ALADIN's "
                "transmission region stopped short of Ipopt's acceptable level and its retry failed in Ipopt's "
                "restoration phase, as {doc}`../options` records under "
                "`forlab.p3_aladin.opf_regions.region.COLD_MAX_ITER`")
"""Why ALADIN is not run above ``p3_max_ds``, as a result (review R3, item 7): not a choice of the sweep's sizes but a
failure measured in a run of its own with the options the book uses, which the options page records (`paper_note`,
after the word "not run"; chapter 09 says it with ALADIN's last run). ALADIN diverged there only with options the
book does not use (the same record). The one statement of this reason; `above_max` says where it applies."""


def paper_note(t: pd.DataFrame) -> str:
    """Markdown: what the words and dashes of `paper_tables` of the same rows stand for, naming only what occurs, as
    two short lists (a sentence of every word and dash ran to more than a hundred words): per word (`WHY_NOT`) the
    methods and sizes it stands at (where a method was not run because of ``p3_max_ds``, that and why, `_why_detail`;
    where a run failed, its stored status), then what a "–" stands for (`_dash_clauses`), then what the mark of a tie
    stands for (`TIE_MARK`, where a deviation carries it); empty where every row has its numbers and no tie."""
    t = coded(t)
    integrated, ran = t.method == "integrated", t.status == "ok"
    own = pd.Series([why_not_compared(r) for r in t.itertuples()], index=t.index, dtype=object)
    words = ratio_words(t).where(~integrated, own).where(~(integrated & ran))  # NaN: no word in the ratio column
    said = []
    for word, clause in WHY_NOT.items():
        groups = [g for m in METHODS if len(g := t[(t.method == m) & (words == word)])]
        if groups:
            who = "; ".join(f"{METHODS[g.method.iloc[0]]} at {_ds_list(g.n_ds)}{_why_detail(g, word)}" for g in groups)
            why = f"; {P3_ABOVE_MAX}" if word == "not run" and any(map(above_max, groups)) else ""
            said.append(f"“{word}” ({who}): {clause}{why}")
    where = f"in its column *{ANSWER_COLUMNS['ratio']}*" + (
        f", an integrated AC-OPF in its column *{INTEGRATED_COLUMN}*" if words[integrated].notna().any() else "")
    out = [f"A row without a result says why {where}:\n\n{items(said)}"] if said else []
    if dashes := _dash_clauses(t, words):
        out.append(f"A “–” in the tables:\n\n{items(dashes)}")
    if tied(t[comparable(t) & ~integrated].deviation_pct).any():
        out.append(f"“{TIE_MARK.strip()}” after a |cost deviation|: it is within the solvers' tolerances (at most "
                   f"{NEGLIGIBLE_PCT:g} %, `forlab.opf.outcome.NEGLIGIBLE_PCT`), a tie with the optimum, as in the "
                   "table of the worth of DS flexibility.")
    return "\n\n".join(out)


def _dash_clauses(t: pd.DataFrame, words: pd.Series) -> list[str]:
    """The clauses of `paper_note` on a "–" (``t``: rows by code; ``words``: each row's word, NaN for none): a row
    that did not finish, a run not compared and a value that does not apply to a method (P2's DSO side, ALADIN's
    offline time). The integrated AC-OPF has no row in `paper_tables`: a size whose integrated AC-OPF has no time
    shows that word in its column, its methods "no yardstick"."""
    integrated, ran = t.method == "integrated", t.status == "ok"
    dashes = []
    if unfinished := [f"“{w}”" for w in ("failed", "not run") if (words[~ran & ~integrated] == w).any()]:
        dashes.append(f"a row called {' or '.join(unfinished)} has no time, deviation, rounds or data")
    if unjudged := [f"“{w}”" for w in ("infeasible", "no yardstick") if (words[ran & ~integrated] == w).any()]:
        dashes.append(f"a run called {' or '.join(unjudged)} finished but has no deviation to compare (its other "
                      "measures are shown all the same)")
    if (ran & (t.method == "P2")).any():
        dashes.append(f"in {METHODS['P2']}'s rows, a value that does not apply ({P2_NO_DSO})")
    if (ran & (t.method == "P3")).any():
        dashes.append(f"in P3 ALADIN's rows, a value that does not apply ({P3_NO_OFFLINE})")
    return dashes


def above_max(rows: pd.DataFrame) -> bool:
    """Whether every stored status of ``rows`` (one method's) says it was not run for being above ``p3_max_ds``
    (`_not_run` writes it so): where `P3_ABOVE_MAX` is the reason. The one statement of this rule, chapter 09's
    too."""
    return bool(rows.status.astype(str).str.contains("p3_max_ds").all())


def _why_detail(rows: pd.DataFrame, word: str) -> str:
    """What the stored statuses of ``rows`` (one method's, all called ``word``) add to the word: that a method not run
    is above ``p3_max_ds`` (`above_max`; `paper_note` adds why, `P3_ABOVE_MAX`), or a failed run's stored status (its
    last size's); "" otherwise."""
    if word == "not run" and above_max(rows):
        return ", above `p3_max_ds`"
    if word != "failed":
        return ""
    return f", stored status “{clipped(rows.sort_values('n_ds').status.astype(str).iloc[-1], 120)}”"


def _sides_words() -> str:
    """What the TSO and DSO sides of `paper_tables` are for each method, in words (the split of
    `forlab.studies.ch08_sensitivity.run_p1`, `run_p2` and `run_p3`, each adding up to the online solver time)."""
    return (f"for {METHODS['P1']} its TSO's OPF and its slowest DSO's dispatch; for {METHODS['P2']} its TSO's OPF "
            f"alone (its TSO sets the FPUs itself); for {METHODS['P3']} its coordinator (the coupled quadratic program "
            "and its step) and, per round, its slowest region's local nonlinear program and reduction, the TS region's "
            "included (`forlab.studies.outcomes.aladin_split`), each summed over the rounds")


ONLINE_RULE = ("**Online times** are by the book's one rule: the fastest of the repeats, parallel parts their slowest "
               "branch; and they leave out model building, for every method and the integrated AC-OPF alike: every "
               "model is built before its solves are timed (the integrated AC-OPF's in "
               "`forlab.studies.ch12_many_dsos.integrated_row`, ALADIN's regions in the set-up of its run), and a "
               "solve's time is the solver's own (`forlab.opf.outcome.solver_seconds`). One integrated AC-OPF per "
               "size, shared by every method rather than one per method, is timed by the same rule as they are.")
"""The note on how `paper_tables`' online times are taken, first in `sides_text` (review R, finding 11: moved from
the paragraph above the tables to the notes under them)."""


def sides_text(t: pd.DataFrame) -> str:
    """Markdown below `paper_tables`: how their online times are taken (`ONLINE_RULE`), what the TSO and DSO sides of
    an online time are per method (`_sides_words`),
    where ALADIN finished a size what the mark on its DSO side means (`TS_REGION_MARK`: the TS region is one of the
    regions whose slowest makes that side, review R, finding 6), and,
    where ALADIN finished a size, how much of its online time its coordinator took at each size (``tso_ms`` over the
    solver time), with what a reader should know before blaming ALADIN for all of its ratio (review R3, item 9):
    forlab's coordinator factors the coupled reduced Hessian of all regions as one dense matrix, a choice of this
    implementation, which chapter 07 explains. "" where the rows lack the sides (a store written before them)."""
    t = coded(t)
    if not {f"{k}_ms" for k in SIDES} <= set(t.columns):
        return ""
    text = (f"{ONLINE_RULE}\n\n**TSO and DSO sides.** Each online solver time is the sum of its two sides: "
            f"{_sides_words()}.")
    if ((t.method == "P3") & (t.status == "ok")).any():  # the mark `paper_tables` puts on ALADIN's DSO side
        text += (f" {TS_REGION_MARK} on {METHODS['P3']}'s DSO side: it is its slowest region's per round, and the TS "
                 "region is one of the regions, so it is not the DSOs' time alone (the store does not say which "
                 "region was the slowest).")
    p3 = t[(t.method == "P3") & (t.status == "ok")].sort_values("n_ds")
    share = (p3.tso_ms / (1e3 * p3.solve_time_s)).astype(float)
    p3, share = p3[np.isfinite(share)], share[np.isfinite(share)]
    if not len(share):
        return text
    each = listed([f"{percent(v)} at {ds_count(int(n))}" for n, v in zip(p3.n_ds, share)])
    return text + (f" {METHODS['P3']}'s coordinator took {span(share, percent)} of its online time ({each}). forlab's "
                   "coordinator factors the coupled reduced Hessian of all regions as one dense matrix, a choice of "
                   "this implementation ({doc}`07_aladin` says why where it sets out the two forms of the coupled "
                   "quadratic program, and how its time grows in *Scaling*): how large that share is depends on "
                   "forlab's coordinator, not on ALADIN alone.")


def p3_data_text(t: pd.DataFrame) -> str:
    """Markdown below `paper_tables`: what ALADIN's data exchanged counts (review R3, item 8): every region's messages
    to and from its coordinator, the TS region's included (`forlab.studies.outcomes.aladin_outcome`), which never
    cross a boundary between TSO and DSO where the TSO hosts the coordinator. The store keeps no bytes per region, so
    no DSOs' share is claimed; where ALADIN finished two sizes or more, the count per round at the smallest and the
    largest of them and what each DS added per round on average, read from the rows. "" where ALADIN finished no
    size."""
    t = coded(t)
    p3 = t[(t.method == "P3") & (t.status == "ok") & (t.rounds.astype(float) > 0)].sort_values("n_ds")
    per_round = (p3.bytes_exchanged / p3.rounds / 1e3).astype(float).set_axis(p3.n_ds.astype(int))  # kB per round
    per_round = per_round[np.isfinite(per_round)]
    if not len(per_round):
        return ""
    text = (f"**{METHODS['P3']}'s data exchanged** counts every region's messages to and from its coordinator, the TS "
            "region's included, not the DSOs' alone: where the TSO hosts the coordinator, the TS region's messages "
            "never cross a boundary between TSO and DSO. The store keeps no bytes per region, so it does not say the "
            "DSOs' share")
    if len(per_round) > 1:
        (first, a), (last, b) = (per_round.index[0], per_round.iloc[0]), (per_round.index[-1], per_round.iloc[-1])
        added = (b - a) / (last - first)
        kb = kilobytes([a, b, abs(added)])
        text += (f"; on average per round it was {kb[0]} kB at {ds_count(first)} and {kb[1]} kB at {ds_count(last)}, "
                 f"{kb[2]} kB {'more' if added >= 0 else 'less'} per round for each DS added")
    return text + "."


def target_tables(st: xr.Dataset) -> list[TitledTable]:
    """`targets` under its title (`TARGETS_TITLE`)."""
    return [(TARGETS_TITLE, targets(st))]
