"""Sentences and printed tables of chapter 07's whole-run times: the wall-time tables against the integrated
AC-OPF, the paired repeats, the P3 paper's claim (`claim_text`), Dask's overhead per round, the latency sweep and
the full profile's comparison tables."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import (
    TitledTable,
    as_printed,
    fixed_columns,
    fixed_text,
    grouped,
    listed,
    page_index,
    printable,
    span,
)
from forlab.studies.ch07_aladin.readers import MODE_WORDS, failed_runs
from forlab.studies.ch07_aladin.text import (
    INTEGRATED_SOLVE,
    MARGINAL,
    RATIO_DIGITS,
    ROUNDS_TIME,
    SECONDS_DIGITS,
    WALL_DIGITS,
    seconds_text,
    whole_numbers,
)
from forlab.studies.ch07_aladin.verdicts_text import admm_shown, admm_target_text

__all__ = ["WALL_RATIOS", "WALL_TIMES", "WALL_TITLE", "claim_text", "dask_overhead_text",
           "full_profile_tables", "full_profile_text", "latency_comm_text", "latency_shown", "latency_text",
           "overhead_range_text", "overhead_shown", "paired_text", "wall_dash_text", "wall_times_shown",
           "wall_times_tables"]


WALL_TIMES = {"central_wall_s": INTEGRATED_SOLVE,
              "inprocess_s": "ALADIN in-process, set-up and rounds (s)",
              "dask_s": "ALADIN on Dask, set-up and rounds (s)"}
"""The whole runs of `wall_times` as the first table of `wall_times_tables` heads them (each header says what it
times, ALADIN's "set-up and rounds" as `WHOLE_RUN` says it)."""

WALL_RATIOS = {"inprocess_ratio": "in-process / integrated", "dask_ratio": "Dask / integrated",
               "dask_floor_ratio": "regions alone / integrated", "dask_paired": "paired Dask / integrated"}
"""The ratios of `wall_times` to the integrated AC-OPF's whole run as the second table of `wall_times_tables` heads
them: short (its title says what each one sets against what, `_ratios_title`), so that the table fits the page's
column."""


def wall_times_shown(wt: pd.DataFrame) -> pd.DataFrame:
    """`wall_times` as the chapter reads it, one row per system: the whole runs (s, `WALL_TIMES`) and their ratios to
    the integrated AC-OPF's (`WALL_RATIOS`), the Dask run's floor (its regions' own work alone against the integrated
    whole run) and, in a store with paired repeats, the range of the Dask repeats' ratios each to an integrated build
    and solve timed beside it; every column at one precision (`WALL_DIGITS`); the system names may break after "+"
    (`forlab.book.tables.page_index`). The page prints it as two tables, times and ratios (`wall_times_tables`):
    as one it was wider than the page's column (the reader's review of ci152's build)."""
    digits = {c: n for c, n in WALL_DIGITS.items() if c in wt}
    t = fixed_columns(wt.set_index("system"), digits, group=tuple(digits))
    t.index = page_index(t.index, names=["system"])
    order = ("central_wall_s", "inprocess_s", "inprocess_ratio", "dask_s", "dask_ratio", "dask_floor_ratio")
    if "dask_paired_low" in t and t.dask_paired_low.notna().any():  # a store with paired repeats
        ratio = partial(grouped, decimals=RATIO_DIGITS)
        t["dask_paired"] = [span([lo, hi], ratio) if np.isfinite(lo) and np.isfinite(hi) else None
                            for lo, hi in zip(t.dask_paired_low, t.dask_paired_high)]
        order += ("dask_paired",)
    names = WALL_TIMES | WALL_RATIOS
    return printable(t, {c: names[c] for c in order})


def _ratios_title(paired: bool) -> str:
    """The title of the ratios' table of `wall_times_tables`, a key to its short headers (`WALL_RATIOS`); the paired
    column's words only where the table has it."""
    pairs = ("; paired Dask: the lowest and highest ratio of the Dask run's repeats, each to an integrated build "
             "and solve timed just before it" if paired else "")
    return ("**Against the integrated AC-OPF**: each of ALADIN's whole runs above over the integrated AC-OPF's; "
            "regions alone: the Dask run's set-up and, in every round, its slowest region's local NLP and reduction, "
            f"as if the coordinator and the communication cost nothing (a floor){pairs}.")


WALL_TITLE = ("**Whole runs** per system, by the wall clock: the integrated AC-OPF's model build and solve, and "
              "ALADIN's set-up of the regions and its rounds, in-process (regions one after another) and on Dask "
              "(regions in parallel).")
"""The title of the whole runs' table of `wall_times_tables`."""


def wall_times_tables(wt: pd.DataFrame) -> list[TitledTable]:
    """`wall_times_shown` as the page prints it: the whole runs (`WALL_TIMES`, under `WALL_TITLE`), then their ratios
    to the integrated AC-OPF's (`WALL_RATIOS`, under `_ratios_title`), each table within the page's column."""
    shown = wall_times_shown(wt)
    times = shown[[c for c in WALL_TIMES.values() if c in shown]]
    ratios = shown[[c for c in WALL_RATIOS.values() if c in shown]]
    return [(WALL_TITLE, times), (_ratios_title(WALL_RATIOS["dask_paired"] in shown), ratios)]


def wall_dash_text(wt: pd.DataFrame, st: xr.Dataset) -> str:
    """Markdown under `wall_times_tables`: what a "–" in their Dask columns means, where a row of `wall_times` has
    no Dask run (the page's other dashes mean a target not reached): the ``kkt_systems`` that are not among the
    ``systems`` run in-process only, and without "dask" among the ``modes`` no system runs there; "" where every row
    ran on Dask."""
    missing = wt.system[~np.isfinite(wt.dask_s.astype(float))]
    if missing.empty:
        return ""
    params = json.loads(st.attrs["parameters"])
    why = ("the `kkt_systems` run in-process only" if "dask" in params["modes"]
           else "this run's `modes` leave out `\"dask\"`")
    return f"“–” in the two tables above: not run on Dask ({why}: {listed(missing)})."


def claim_text(wt: pd.DataFrame) -> str:
    """Markdown: the P3 paper's headline claim (a marginal slowdown with the regions on separate machines, against
    the centralized approach, this book's integrated AC-OPF, and against the distributed one on a single machine)
    held against `wall_times`: the range and median of the Dask runs' ratio to the integrated AC-OPF's whole run and
    to the same ALADIN run in one process, and on how many systems each is marginal (`MARGINAL`); "" without a Dask
    run. Every ratio is said to be of whole runs (set-up and rounds, `whole_run_s`): the page also gives the Dask
    runs' time per round against the in-process runs', a ratio without the set-up. A ratio of at most one is no
    slowdown and is said so (`_no_slowdown`). It ends with whether the claim holds, against each reference on the
    systems where the slowdown is marginal, and under which condition: the Dask workers are processes on one machine
    without added latency (`_holds`); the store's latency sweep (``wt.attrs["latency"]``,
    `forlab.studies.ch07_aladin.readers.latency_slowdowns`), the chapter's only stand-in for separate machines, says
    what its rounds took with the latency (`_latency_claim`)."""
    both = wt[np.isfinite(wt.dask_ratio)]
    if both.empty:
        return ""
    central = both.dask_ratio
    one = both.dask_inprocess_ratio.dropna()
    # each reading counted once (`_marginal_on`): its sentence and the conclusion (`_holds`) say the same count
    on = {"central": _marginal_on(central), "one": _marginal_on(one) if len(one) else ""}
    said = [(f"**The P3 paper's claim, held against this store.** It reports a marginal slowdown with the regions on "
            f"separate machines; this chapter calls a slowdown marginal up to {MARGINAL:g}x "
            f"(`forlab.studies.ch07_aladin.text.MARGINAL`, its own reading: the abstract gives no number), and a "
            f"ratio of at most one no slowdown. "
            + _against(central, "the integrated AC-OPF's model build and solve", on["central"],
                       "ALADIN's whole run on Dask (the regions' set-up and the rounds)"))]
    if len(one):
        said.append(_against(one, "the whole of the same ALADIN run in one process (the distributed approach on a "
                                  "single machine; *The price of Dask* sets the two per round, without the set-up)",
                             on["one"]))
    said.append(_holds(on["central"], on["one"]))
    said.append(_latency_claim(wt.attrs.get("latency", {})))
    return " ".join(said)


def _against(ratios: pd.Series, reference: str, marginal: str, run: str = "ALADIN's whole run on Dask") -> str:
    """One sentence of `claim_text`: the Dask runs' ratios to ``reference``, whole run (set-up and rounds, as
    ``run`` names it) against whole run, over their systems, and on how many they are marginal (``marginal``, as
    `_marginal_on` counts it)."""
    return (f"Against {reference}, {run} took {ratios.min():.1f}x to {ratios.max():.1f}x (median "
            f"{ratios.median():.1f}x over {len(ratios)} systems): marginal {marginal}{_no_slowdown(ratios)}.")


def _no_slowdown(ratios: pd.Series) -> str:
    """On how many of the systems counted marginal (`_marginal_on`) the Dask run took no longer than its reference
    (a ratio of at most one: no slowdown, so never called one): ", no slowdown at all on 6 of them"; "" on none."""
    faster, n = int((ratios <= 1).sum()), len(ratios)
    if not faster:
        return ""
    return f", no slowdown at all on {'every one' if faster == n else f'{faster}'} of them"


def _marginal_on(ratios: pd.Series) -> str:
    """On how many of their systems (one ratio each) the ``ratios`` are marginal (`MARGINAL`): "on every system",
    "on none", "on 3 of 11 systems"."""
    marginal, n = int((ratios <= MARGINAL).sum()), len(ratios)
    return ("on every system" if marginal == n else "on none" if marginal == 0
            else f"on {marginal} of {n} systems")


def _holds(central: str, one: str) -> str:
    """The conclusion of `claim_text`, from the two readings its sentences gave (`_marginal_on`, counted once):
    on how many systems the claim holds against the same run in one process (``one``; "" where the store has no
    such run) and against the integrated AC-OPF (``central``), under the only condition the store ran it in: the
    Dask workers are processes on one machine, without added latency (the claim is about separate machines)."""
    against = [f"against the integrated AC-OPF {central}"]
    if one:
        against.insert(0, f"against the same run in one process {one}")
    return (f"So on this store the claim is shown only without added latency on one machine (the Dask workers are "
            f"processes on it): there it holds {listed(against)}.")


def _latency_claim(lat: dict) -> str:
    """What the claim's conclusion (`_holds`) has of separate machines: the emulated latency sweep of
    `forlab.studies.ch07_aladin.readers.latency_slowdowns` ``lat``, its rounds' slowdown against the zero-latency
    run at each latency (as the sweep's table prints it, two decimals) and whether that is marginal (`MARGINAL`),
    or that the store has no sweep."""
    if not lat.get("latency_ms"):
        return "This store emulates no latency, so it does not show the claim for separate machines."
    steps = [f"{s:.2f}x at {ms:g} ms" for ms, s in zip(lat["latency_ms"], lat["slowdown"])]
    beyond = [ms for ms, s in zip(lat["latency_ms"], lat["slowdown"]) if s > MARGINAL]
    verdict = (f"beyond marginal at {listed([f'{ms:g} ms' for ms in beyond])}, so the claim is not shown for "
               "separate machines" if beyond else "marginal at every latency of the sweep")
    return (f"With the emulated wide-area latency (*Emulated wide-area latency*), the slowdown of the rounds on "
            f"{lat['system']} against its zero-latency run is {listed(steps)} one way: {verdict}.")


def _fastest_of(n: int, what: str) -> str:
    """"one build" for a single one, "the fastest of 3 builds" for more."""
    return f"one {what}" if n == 1 else f"the fastest of {n} {what}s"


def paired_text(wt: pd.DataFrame, repeats: int, builds: int = 1) -> str:
    """Markdown: how the paired ratios of `wall_times_shown` stand to the judged ones. Each pair's integrated half
    is one build and one solve, the judged ratio's integrated time the fastest of ``builds`` builds and of
    ``repeats`` solves (`forlab.opf.outcome.integrated_baseline`; the store's rule, `timing_rule`) with no cluster
    up: the median over the systems of those halves against that time beside the in-process and the Dask runs
    (`wall_times` ``*_paired_central``), and, where the halves beside Dask ran slower in the median over the
    systems, what that does to the paired Dask ratios, system by system: a system whose halves (their median) took
    longer than the baseline has its paired ratios pushed below the judged one, a system whose halves took less,
    above it (whether each is slower than beside the in-process runs does not matter). "" for a store without
    pairs."""
    beside = {mode: wt[f"{mode}_paired_central"].dropna() for mode in ("inprocess", "dask")
              if f"{mode}_paired_central" in wt}
    beside = {mode: s for mode, s in beside.items() if len(s)}
    if "dask" not in beside:
        return ""
    words = [f"a median {s.median():.2f}x as long beside the {MODE_WORDS.get(mode, mode)} runs ({s.min():.2f}x "
             f"to {s.max():.2f}x over the systems)" for mode, s in beside.items()]
    text = (f"The judged ratio (the column {WALL_RATIOS['dask_ratio']}, by which the targets are judged) sets the "
            f"fastest Dask run (set-up and rounds) against the integrated build and solve timed when the study loaded "
            f"its systems, before any cluster was started: {_fastest_of(builds, 'build')}, and "
            f"{_fastest_of(repeats, 'solve')}. Each pair's integrated half is one build and one solve. Against that "
            f"time the halves took {' and '.join(words)}.")
    dask, inprocess = beside["dask"].median(), beside.get("inprocess", pd.Series(dtype=float)).median()
    if not dask > 1:
        return text
    halves = beside["dask"]
    slower, faster = halves[halves > 1], halves[halves <= 1]
    where = ("on the one system" if len(halves) == 1 else f"on every one of the {len(halves)} systems"
             if faster.empty else f"on {len(slower)} of the {len(halves)} systems")
    cores = (" In the median over the systems they also took longer than beside the in-process runs: on Dask the "
             "cluster's scheduler and workers share the machine's cores with the integrated build and solve."
             if dask > inprocess else "")
    others = ""
    if len(faster):
        names = (listed(list(wt.system[faster.index])) if "system" in wt
                 else "one other system" if len(faster) == 1 else f"{len(faster)} other systems")
        others = f", and those of {names}, where they took less, above it"
    reach = _paired_reach(wt)
    noise = f"The machine's noise can outweigh {'both' if others else 'it'}"
    if reach.empty:
        said = f" {noise}."
    elif reach.eq("lower").all() and not others:  # every system reads as the halves push it: no noise outweighs
        said = f" As printed, {_paired_sides(reach)}."
    else:
        said = f" {noise}: {_paired_sides(reach)}."
    # one short sentence per step (the reader's review: the one sentence they made was too long to follow)
    return (f"{text} Beside Dask, the integrated halves took longer than that time (in each system's median) "
            f"{where}. That alone would put those systems' paired Dask ratios below the judged one{others}.{cores}"
            f"{said} The judged ratio sets ALADIN on its cluster against the integrated AC-OPF as it runs alone.")


def _paired_reach(wt: pd.DataFrame) -> pd.Series:
    """Where each system's paired Dask range of `wall_times` stands to its judged ratio, both as the ratios' table
    prints them (`RATIO_DIGITS`, `forlab.book.tables.as_printed`, so that the sentence agrees with the table): "lower" (its highest below the judged
    ratio), "reaches" (its highest prints as the judged ratio) or "above", indexed by system (by row without a
    ``system`` column); empty without pairs."""
    columns = ["dask_ratio", "dask_paired_low", "dask_paired_high"]
    if not set(columns) <= set(wt.columns):
        return pd.Series(dtype=object)
    paired = wt.dropna(subset=columns)
    high, judged = (as_printed(paired[c], RATIO_DIGITS) for c in ("dask_paired_high", "dask_ratio"))
    return pd.Series(np.select([high < judged, high == judged], ["lower", "reaches"], "above"), dtype=object,
                     index=paired.system if "system" in paired else paired.index)


def _paired_sides(reach: pd.Series) -> str:
    """How the paired Dask ratios stand to the judged ratio, system by system (`_paired_reach`, not empty): "on
    every one of the 11 systems each paired ratio reads lower than the judged one", or on how many they do, while on
    which systems the paired range reaches the judged ratio (a tie as printed) and on which it reaches above it."""
    lower = reach[reach == "lower"]
    if len(lower) == len(reach):
        return f"on every one of the {len(reach)} systems each paired ratio reads lower than the judged one"
    said = ([f"on {len(lower)} of the {len(reach)} systems each paired ratio reads lower than the judged one"]
            if len(lower) else [])
    judged = "it" if said else "the judged one"
    for side, words in (("reaches", "reaches"), ("above", "reaches above")):
        if (reach == side).any():
            said.append(f"on {listed(list(reach.index[reach == side]))} the paired range {words} {judged}")
    return said[0] + (f", while {listed(said[1:])}" if len(said) > 1 else "")


def overhead_shown(over: pd.DataFrame) -> pd.DataFrame:
    """`dask_overhead` as the chapter prints it, one row per system (and Dask mode, when there are several: "case118:3,
    Dask"), every column at one precision (`forlab.book.tables.fixed`) and headed in one header row, the column of
    systems too (`forlab.book.tables.one_header_row`)."""
    o = over.copy()
    o["mode"] = o["mode"].map(lambda m: MODE_WORDS.get(m, m))
    o["same"] = o["same iterations"].map({True: "yes", False: "no"})  # none for a failed row
    digits = {"in-process (ms/it)": 1, "Dask (ms/it)": 1, "ratio": 2}
    o = fixed_columns(o, digits, group=tuple(digits))
    several = o["mode"].nunique() > 1
    o.index = pd.Index([f"{s}, {m}" if several else s for s, m in zip(o.system, o["mode"])])
    return printable(o, {"in-process (ms/it)": "in-process (ms per round)", "Dask (ms/it)": "Dask (ms per round)",
                         "ratio": "ratio Dask / in-process", "same": "same rounds"}).rename_axis(
        "system, mode" if several else "system")


def dask_overhead_text(over: pd.DataFrame, n_workers: int) -> str:
    """The range of `dask_overhead` ratios in one sentence (Markdown; empty without Dask runs), over the systems
    whose runs did not raise; those that did are named (`_failed_text`)."""
    ok, bad = failed_runs(over)
    if not len(ok):
        return _failed_text(bad)
    return (f"Across the systems, a Dask round takes {ok.ratio.min():.2f}x to {ok.ratio.max():.2f}x the time of an "
            f"in-process one on this machine ({n_workers} worker processes on the cores the machine gives; regions "
            f"beyond the number of workers share a process). The regions' compute runs in parallel there, the "
            f"messages cost serialisation and a scheduler round trip." + _failed_text(bad, " "))


def _failed_text(bad: pd.DataFrame, before: str = "") -> str:
    """The rows of `dask_overhead` or `latency_sweep` whose runs raised (`failed_runs`), named in one sentence with
    their statuses and left out of the numbers ("" for none), after ``before``."""
    if not len(bad):
        return ""
    where = [r.system if "system" in bad else _latency_words(r) for r in bad.itertuples()]
    runs_ = "; ".join(f"{w} ({r.failed})" for w, r in zip(where, bad.itertuples()))
    return (before + f"{'These runs' if len(bad) > 1 else 'This run'} failed and "
            f"{'are' if len(bad) > 1 else 'is'} left out of these numbers: {runs_}.")


def latency_shown(lat: pd.DataFrame) -> pd.DataFrame:
    """`latency_sweep` (with its per-round columns) as the chapter prints it, one row per one-way latency (its name
    in the one header row, `forlab.book.tables.one_header_row`): rounds, their wall time (`ROUNDS_TIME`), slowdown, and the communication
    (measured and predicted) and QP time per round."""
    out = lat.copy()
    for c in ("iterations", "comm_ms", "comm_predicted_ms", "qp_ms"):  # none for a failed row
        out[c] = whole_numbers(out[c])
    digits = {"total_s": SECONDS_DIGITS, "slowdown": 2}
    out = fixed_columns(out, digits, group=tuple(digits))
    out.index = pd.Index([f"{v:g}" for v in out.latency_ms])
    return printable(out, {"iterations": "rounds", "total_s": ROUNDS_TIME, "slowdown": "slowdown",
                           "comm_ms": "communication per round (ms)",
                           "comm_predicted_ms": "predicted communication per round (ms)",
                           "qp_ms": "coordinator per round (ms)"}).rename_axis("latency (ms)")


def latency_text(lat: pd.DataFrame, system: str) -> str:
    """The largest latency of `latency_sweep` against the first, in one sentence (Markdown; empty without runs):
    its rounds and their wall time (``total_s``, the rounds alone, which the sentence says: the whole runs of
    `wall_times` add the set-up), over the runs that did not raise; those that did are named (`_failed_text`)."""
    ok, bad = failed_runs(lat)
    if len(ok) < 2:
        return _failed_text(bad)
    lo, hi = ok.iloc[0], ok.iloc[-1]
    base = f" ({_latency_words(lo)})" if lo.latency_ms else ""  # the zero-latency run failed
    return (f"At {hi.latency_ms:g} ms one way, {system} needs {grouped(hi.iterations)} rounds, which take "
            f"{seconds_text(hi.total_s)} s instead of {seconds_text(lo.total_s)} s{base} (the rounds alone: the "
            "regions' set-up, which the whole runs of *Scaling* add, is left out of this sweep): ALADIN's few rounds "
            "keep the slowdown to "
            f"{hi.total_s / lo.total_s:.1f}x, where an algorithm that needs hundreds of rounds would pay the "
            "latency hundreds of times (next section)." + _predicted_text(ok)
            + _failed_text(bad, " "))


def _latency_parts(ok: pd.DataFrame) -> pd.DataFrame:
    """Where a round's time goes at each latency above zero of `latency_sweep`'s runs that did not raise (ms per
    round): ``measured`` against ``predicted`` (the latency figure's prediction, the zero-latency run plus two one-way
    latencies); where the sweep has its per-round columns, ``comm`` against ``comm_predicted`` (the emulation's),
    the limit passes' round ``trips`` per round and their two latencies each (``trip``, which the prediction leaves
    out), and the ``rest`` of the difference, in the parts of the round the emulation does not delay; NaN where the
    sweep lacks a column. Empty without a zero-latency run."""
    base, rest = ok[ok.latency_ms == 0], ok[ok.latency_ms > 0]
    if base.empty or rest.empty:
        return pd.DataFrame(columns=["latency_ms", "measured", "predicted", "comm", "comm_predicted", "trips", "trip",
                                     "rest"])
    out = pd.DataFrame({"latency_ms": rest.latency_ms, "measured": 1e3 * rest.time_per_iter_s,
                        "predicted": 1e3 * base.time_per_iter_s.iloc[0] + 2 * rest.latency_ms})
    has_comm = {"comm_ms", "comm_predicted_ms"} <= set(ok) and bool(np.isfinite(rest.comm_ms).all())
    out["comm"] = rest.comm_ms if has_comm else np.nan
    out["comm_predicted"] = rest.comm_predicted_ms if has_comm else np.nan
    # without the communication the rest of the difference is not known, so neither are the trips' part of it
    out["trips"] = rest.trips if has_comm and "trips" in rest and np.isfinite(rest.trips).all() else np.nan
    out["trip"] = 2 * out.latency_ms * out.trips
    out["rest"] = out.measured - out.predicted - (out.comm - out.comm_predicted) - out.trip
    return out


def _predicted_text(ok: pd.DataFrame) -> str:
    """The measured time per round against the latency figure's prediction at every latency (`_latency_parts`);
    where the sweep has its per-round columns, where the difference lies: the communication against the emulation's
    prediction, the round trips of the coordinator's limit passes, or that the passes took none, and the rest, in
    the parts of the round the emulation does not delay, whose cause the chapter does not trace. "" without a
    zero-latency run."""
    parts = _latency_parts(ok)
    if parts.empty:
        return ""
    rows = list(parts.itertuples())
    text = " Per round, measured against the figure's prediction: " + listed(
        f"{grouped(r.measured, 1)} ms against {grouped(r.predicted, 1)} ms at {r.latency_ms:g} ms" for r in rows) + "."
    if parts.trips.isna().any():
        return text  # a sweep read without its per-round logs: where the difference lies is not in it
    comm = listed(f"{grouped(r.comm, 1)} ms against {grouped(r.comm_predicted, 1)} ms at {r.latency_ms:g} ms"
                  for r in rows)
    same = " (the runs take the same rounds)" if ok.iterations.nunique() == 1 else ""
    moved = "took longer" if (parts.rest > 0).all() else "took less time" if (parts.rest < 0).all() else "changed"
    return (f"{text} The round's communication alone, measured against the emulation's prediction (the "
            f"zero-latency run's plus two latencies): {comm}{_trip_words(parts)}. The rest of the difference, "
            + listed(f"{_signed_ms(r.rest)} at {r.latency_ms:g} ms" for r in rows)
            + ", lies in the parts of the round the emulation does not delay (the regions' local NLPs and "
            f"reductions, the coordinator and its bookkeeping), the same work at every latency{same}, timed on a "
            f"shared machine; why they {moved} beside the latency, the chapter does not trace.")


def _signed_ms(value: float) -> str:
    """A signed difference of times in ms, as `_predicted_text` gives the rest of a round's excess over the
    prediction: one decimal, thousands grouped by the book's one rule (`forlab.book.tables.fixed_text` with
    ``group``: "+1 204.5 ms", "-3.2 ms"), one that rounds to zero without a sign ("0.0 ms")."""
    sign = "+" if as_printed([value], 1)[0] > 0 else ""  # the sign of the number as printed
    return f"{sign}{fixed_text(value, 1, group=True)} ms"


def _trip_words(parts: pd.DataFrame) -> str:
    """The limit passes' round trips of `_latency_parts` in words, or that they took none."""
    if parts.trips.max() <= 0:
        return "; the coordinator's limit passes took no round trip to the regions in these runs"
    return (f"; the coordinator's limit passes asked the regions in {span(parts.trips, '.2f')} round trips per "
            "round, two latencies each, which the prediction leaves out: "
            + listed(f"{grouped(r.trip, 1)} ms at {r.latency_ms:g} ms" for r in parts.itertuples()))


def overhead_range_text(bo: pd.DataFrame) -> str:
    """The range and median of the Dask / in-process ratios (`dask_overhead`) over the systems whose runs did not
    raise, and those that did (`_failed_text`); empty without Dask runs."""
    ok, bad = failed_runs(bo)
    if not len(ok):
        return _failed_text(bad)
    return (f"Dask against in-process, time per round: {ok.ratio.min():.2f}x to {ok.ratio.max():.2f}x the time of "
            f"the in-process round (median {ok.ratio.median():.2f}x) over {len(ok)} systems." + _failed_text(bad, " "))


def latency_comm_text(bl: pd.DataFrame, system: str) -> str:
    """Communication time per round without and with the largest latency (`latency_sweep` with its per-round
    columns), against the emulation's prediction; which of the communication and the coordinator's QP is the larger
    part of a round at either end of the sweep; and, only where the wall times do not grow with the latency,
    that the QP's time (it varies with the load of the shared machine) outweighs what the latency adds. Empty with
    fewer than two latencies whose runs did not raise; those that did are named (`_failed_text`)."""
    bl, bad = failed_runs(bl)
    if len(bl) <= 1:
        return _failed_text(bad)
    lo, hi = bl.iloc[0], bl.iloc[-1]
    predicted = (f" (the emulation predicts {grouped(hi.comm_predicted_ms)} ms)" if np.isfinite(hi.comm_predicted_ms)
                 else "")  # no prediction without the zero-latency run
    text = (f"On {system}, the communication time per round is {grouped(lo.comm_ms)} ms {_latency_words(lo)} and "
            f"{grouped(hi.comm_ms)} ms {_latency_words(hi)}{predicted}; its rounds take {seconds_text(hi.total_s)} s "
            f"against {seconds_text(lo.total_s)} s ({hi.total_s / lo.total_s:.2f}x). "
            f"{_latency_words(lo).capitalize()} {_larger_part(lo)}; {_latency_words(hi)} {_larger_part(hi)}."
            f"{_trips_words(bl)}")
    if bl.total_s.is_monotonic_increasing:
        return text + " The wall times grow with every step of the latency." + _failed_text(bad, " ")
    return (text + f" The coordinator, {span(bl.qp_ms, grouped, ' ms')} per round across "
            "these runs, varies with the load of the shared machine by as much as a step of the latency adds, so the "
            "wall times of this sweep do not grow with every step of the latency." + _failed_text(bad, " "))


def _latency_words(r) -> str:
    """"without latency" or "at 100 ms one way" for a row of `latency_sweep`."""
    return "without latency" if r.latency_ms == 0 else f"at {r.latency_ms:g} ms one way"


def _larger_part(r) -> str:
    """Which of the communication and the coordinator takes more of a round in a row of `latency_sweep`,
    with both times (ms); the two only, not the local solves, which the round's split shows."""
    if r.qp_ms >= r.comm_ms:
        return f"the coordinator outweighs the communication ({grouped(r.qp_ms)} ms against {grouped(r.comm_ms)} ms)"
    return f"the communication outweighs the coordinator ({grouped(r.comm_ms)} ms against {grouped(r.qp_ms)} ms)"


def _trips_words(bl: pd.DataFrame) -> str:
    """That the coordinator's time counts the round trips of its limit passes, which the latency lengthens as well
    (`latency_sweep` ``trips``), with their mean per round; "" where the runs took none or the store has none."""
    trips = bl.trips.dropna() if "trips" in bl else pd.Series(dtype=float)
    if not len(trips) or not trips.max() > 0:
        return ""
    return (f" The coordinator's time counts the round trips of its limit passes, {span(trips, '.2f')} per round "
            "in these runs, and the latency lengthens each of them too.")


def full_profile_tables(fp: dict) -> list[TitledTable]:
    """The full profile's comparison tables (`full_profile`) as the page shows them one after another, each under a
    title that names what it compares (without one they would read as one grid): Dask against in-process, the
    latency sweep, ALADIN against ADMM."""
    bp = fp["params"]
    dask = "**Dask against in-process**: the time per round of the same runs, the regions on Dask workers or in turn."
    return [(dask, overhead_shown(fp["overhead"])),
            (f"**Emulated latency** on {bp['latency_system']}: rounds, their wall time and the parts of a round.",
             latency_shown(fp["latency"])),
            (f"**ALADIN against ADMM** on {bp['admm_system']}, the same partition, each up to its own round limit.",
             admm_shown(fp["admm"]))]


def full_profile_text(fp: dict) -> str:
    """The full profile's findings in one paragraph (Markdown): Dask overhead, latency, ALADIN against ADMM."""
    bp = fp["params"]
    parts = [overhead_range_text(fp["overhead"]), latency_comm_text(fp["latency"], bp["latency_system"]),
             admm_target_text(fp["admm"], bp["admm_system"], fp["anchor"])]
    return " ".join(p for p in parts if p)
