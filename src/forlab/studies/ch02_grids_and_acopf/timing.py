"""Is the AC-OPF fast: forlab against pandapower's `runopp` (`speed`; the times as the tables print them,
`printed_times`, and the speed-ups recomputed from them, `speedups`), its tables (`speed_table`, `runopp_table`) and
sentences (`speed_text`, `warm_text`), and how forlab's solver time grows with the bus count (`solve_time_fit`,
`fit_ratio`, `scaling_text`; case1354pegase against its target, `pegase_target_text`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.provenance import machine_text
from forlab.book.tables import as_printed, counted, grouped, listed, printable, span
from forlab.opf import bench
from forlab.studies.ch02_grids_and_acopf.optima import (
    VALIDATION_TOL,
    _pypower_matched,
    _validated,
    validation_rows,
)
from forlab.studies.ch02_grids_and_acopf.readers import _formatted, _grouped, _nets, _statuses
from forlab.studies.ch02_grids_and_acopf.study import NOT_RUN, WARM_TIMED

__all__ = [
    "SPEEDUP_FORMATS",
    "TIME_DECIMALS",
    "TIME_FORMATS",
    "TIME_HEADERS",
    "fit_ratio",
    "pegase_target_text",
    "printed_times",
    "runopp_table",
    "scaling_text",
    "solve_time_fit",
    "speed",
    "speed_table",
    "speed_text",
    "speedups",
    "total_header",
    "warm_text",
    "warm_timed",
]


def speed(stored: xr.Dataset) -> pd.DataFrame:
    """The transmission cases of the benchmark with runopp's objective gap to forlab's (%; NaN where either
    failed: `_nets`, and `bench` writes a failed runopp's objective NaN)."""
    opf_t = _nets(stored)
    sp = opf_t[opf_t.kind == "transmission"].copy()
    sp["objective_gap_pct"] = 100 * (sp.runopp_objective - sp.forlab_objective) / sp.forlab_objective
    return sp


TIME_DECIMALS = {"forlab_build_time_s": 1, "forlab_start_time_s": 1, "forlab_solve_time_s": 1,
                 "forlab_warm_solve_time_s": 1, "forlab_flat_solve_time_s": 1, "runopp_wall_time_s": 0}
"""The benchmark's times (stored in s) as its tables print them: in ms, with these decimals. forlab's solves take a
few ms: printed in s to three decimals (0.003 against 0.002), a reader could not tell a saving of 14 % from one of
33 %, nor recompute a speed-up; runopp's calls take hundreds of ms and need no decimal."""

SPEEDUP_FORMATS = {"speedup_total": _grouped(1, "x"), "speedup_solve": _grouped(0, "x")}
"""How the speed-ups print ("3.9x", "61x"), in the tables and the speed paragraph; each is recomputed from the
printed times (`printed_times`)."""

TIME_FORMATS = {**{col: _grouped(d) for col, d in TIME_DECIMALS.items()}, **SPEEDUP_FORMATS}
"""How the benchmark's times (ms, `TIME_DECIMALS`, thousands grouped: `_grouped`) and speed-ups print, in the
default run's tables and the paper-scale one's, applied to `printed_times`, and in the sentences beside them
(`_in_ms`)."""

TIME_HEADERS = {"forlab_build_time_s": "build (ms)", "forlab_start_time_s": "start (ms)",
                "forlab_solve_time_s": "solve (ms)", "forlab_warm_solve_time_s": "warm re-solve (ms)",
                "forlab_flat_solve_time_s": "forlab solve, flat start (ms)", "runopp_wall_time_s": "runopp (ms)"}
"""The headers of the benchmark's time columns, with the unit they print in (`TIME_DECIMALS`)."""

_FORLAB_TIME_COLUMNS = ("forlab_build_time_s", "forlab_start_time_s", "forlab_solve_time_s",
                        "forlab_warm_solve_time_s")
"""forlab's times on every net of the benchmark, in the order the tables print them (its flat-start solve, timed on
``runopp_cases`` only, is `PAPER_FLAT_HEADERS`')."""


def printed_times(t: pd.DataFrame) -> pd.DataFrame:
    """The ``net`` table ``t`` (as `_nets` reads it) with its times as the tables print them: in ms, rounded to
    `TIME_DECIMALS` (a column it lacks stays absent), and its speed-ups recomputed from those rounded times
    (`speedups`). The one place that rounds: the tables and the sentences on the warm re-solves and the speed-ups
    print these values, so that a reader who recomputes a saving or a speed-up from the printed times gets the
    printed one (the stored ratio of unrounded times printed 52x where the printed times gave 48x). A target is
    judged on the unrounded times (`_speed_sentence`), as every chapter judges one."""
    out = t.copy()
    for col, decimals in TIME_DECIMALS.items():
        if col in out:
            out[col] = as_printed(1e3 * out[col].astype(float), decimals)
    return speedups(out)


def speedups(t: pd.DataFrame) -> pd.DataFrame:
    """The ``net`` table ``t`` with runopp's speed-ups over forlab computed from its times, in whatever unit they share,
    by the rule `forlab.opf.bench.compare` stores them by (`forlab.opf.bench.speedups`; a table without runopp's,
    forlab's solve or build time is returned as it is): ``speedup_solve`` over forlab's solve, ``speedup_total`` over
    its start, build and solve, or its build and solve in a store that does not time the start (`_start_timed`, what
    `total_header` says). Where the store times the start, a row without one has no total (NaN, as
    `forlab.opf.bench.compare` leaves it): a build-and-solve ratio would stand under a header that counts the start."""
    out = t.copy()
    if {"runopp_wall_time_s", "forlab_solve_time_s", "forlab_build_time_s"} <= set(out.columns):
        start = out.forlab_start_time_s if "forlab_start_time_s" in out and _start_timed(out) else 0.0
        out = out.assign(**bench.speedups(out.runopp_wall_time_s, start_s=start, build_s=out.forlab_build_time_s,
                                          solve_s=out.forlab_solve_time_s))
    return out


def _speed_formatted(stored: xr.Dataset) -> pd.DataFrame:
    return _formatted(printed_times(speed(stored)), {
        **TIME_FORMATS, "forlab_objective": _grouped(2), "runopp_objective": _grouped(2),
        "objective_gap_pct": "{:+.3f}", "buses": _grouped(0),
    })


def speed_table(stored: xr.Dataset) -> pd.DataFrame:
    """forlab's side of the benchmark, as the chapter prints it: build, start power flow (computed once per model),
    cold-solve and warm re-solve times (ms, `printed_times`) and the objective; runopp's side is `runopp_table`."""
    return printable(_speed_formatted(stored), {
        "buses": "buses", **{col: TIME_HEADERS[col] for col in _FORLAB_TIME_COLUMNS}, "forlab_objective": "forlab ($/h)",
    })


def total_header(shown: pd.DataFrame) -> str:
    """The header of ``speedup_total`` by what it holds: forlab's start, build and solve where the store times the
    start (`_start_timed`), its build and solve in an older store; spaced around each "+", where the page may break
    it ("start+build+solve", one word of bold type, was the widest of its table)."""
    return "speed-up start + build + solve" if _start_timed(shown) else "speed-up build + solve"


def runopp_table(stored: xr.Dataset) -> pd.DataFrame:
    """runopp against forlab, as the chapter prints it: runopp's status (power-flow start), time, speed-ups
    (`total_header`), objective and its gap to forlab's (%), and its status from the flat start ("–": runopp not run
    or failed); a long status may break (`status_cell`)."""
    shown = _statuses(_speed_formatted(stored))
    return printable(shown, {
        "runopp_status": "runopp status (pf start)", "runopp_wall_time_s": TIME_HEADERS["runopp_wall_time_s"],
        "speedup_solve": "speed-up solve", "speedup_total": total_header(speed(stored)),
        "runopp_objective": "runopp ($/h)", "objective_gap_pct": "runopp - forlab (%)",
        "runopp_flat_status": "runopp status (flat start)",
    })


def _start_timed(sp: pd.DataFrame) -> bool:
    """Whether the store times forlab's start power flow (`NEWER_COLUMNS`), and so counts it in ``speedup_total``
    (`forlab.opf.bench.compare`); an older store does not."""
    return bool(sp.forlab_start_time_s.notna().any())


def _speed_sentence(both: pd.DataFrame, start_timed: bool) -> str:
    """The speed paragraph: the speed-up of a solve and of (start +) build + solve where both engines converge
    (``both``, the ``net`` table's rows with its stored times), their ranges as the runopp table prints them
    (`printed_times`), the target judged on the unrounded speed-ups the store holds, as every chapter judges a target
    (`forlab.book.anchors.Anchor.met` on the stored value): a speed-up of 9.96x printed as 10.0x misses 10x.

    The store's speed-ups are the ones `speedups` would recompute: `forlab.opf.bench.compare` wrote them from the
    times it stores by the same rule (`forlab.opf.bench.speedups`), a store that does not time the start over build
    and solve, as `speedups` counts them there. Rows without them (made by hand, not read from a store) get them
    from `speedups`."""
    if both.empty:
        return ("**Speed.** `runopp` converged on none of the cases it was run on here, so no ratio is measured; the "
                "times are in the table.")
    stored = {"speedup_total", "speedup_solve"} <= set(both.columns)
    shown, judged = printed_times(both), both if stored else speedups(both)
    total, solve = SPEEDUP_FORMATS["speedup_total"], SPEEDUP_FORMATS["speedup_solve"]  # as the runopp table
    lo_t, hi_t = total(shown.speedup_total.min()), total(shown.speedup_total.max())
    lo_s, hi_s = solve(shown.speedup_solve.min()), solve(shown.speedup_solve.max())
    target = anchors.anchor("acopf_speedup_vs_runopp")
    met_total, met_solve = target.met(judged.speedup_total.min()), target.met(judged.speedup_solve.min())
    build = "building the CasADi model (symbolic graph, exact Hessian, Ipopt set-up)"
    counting, costs = (("forlab's start power flow and its build, the one-off costs",
                        f"computing its start and {build} cost")
                       if start_timed else ("the build, the one-off cost", f"{build} costs"))
    return (
        f"**Speed.** Where both converge ({counted(len(both), 'case')}), a single forlab solve is "
        f"**{lo_s} to {hi_s}** faster than a whole `runopp` call: the {target.show()} target is "
        f"{'met' if met_solve else '**missed**'} for the solves a study repeats. Counting {counting} of one grid, "
        f"the ratio is **{lo_t} to {hi_t}**: the target is "
        + ("met for a single cold solve as well." if met_total else
           f"**missed** for a single cold solve on {int((~judged.speedup_total.map(target.met)).sum())} of "
           f"{len(both)} cases, "
           f"where {costs} more than the solve itself. forlab pays that once per grid; every later solve of the same "
           "model, with new loads or bounds, costs only the solve column.")
    )


def _sides_text(both: pd.DataFrame, start_timed: bool) -> str:
    """What each side of the speed-ups holds: `runopp`'s whole call (its start power flow inside it, so its solve
    cannot be timed apart) against forlab's solve alone, and against forlab's start, build and solve (like with
    like) or, in a store that does not time forlab's start, its build and solve only; "" without a ratio."""
    if both.empty:
        return ""
    text = ("**What each side holds.** `runopp`'s time is one whole call: its start power flow, its model set-up "
            "and its solve (pandapower runs the power flow inside `runopp`, so its solve cannot be timed apart). The "
            f"*speed-up solve* sets it against forlab's solve alone; the *{total_header(both)}* against ")
    if not start_timed:
        return text + ("forlab's build and solve only: this store does not time forlab's start power flow (written "
                       "before `forlab.opf.bench.time_forlab` timed it), so that side leaves out the power flow "
                       "that `runopp`'s side holds.")
    start = span(printed_times(both).forlab_start_time_s, TIME_FORMATS["forlab_start_time_s"], " ms")  # as printed
    return text + (f"forlab's start power flow (column *start*, {start} here, "
                   "computed once per model by `forlab.opf.acopf.ACOPF.initial_point`), build and solve. The start "
                   "also holds what `runopp`'s clock leaves out (copying the net, and checking the power-flow point "
                   "against the flat one), so that ratio leans, if anything, against forlab.")


def speed_text(stored: xr.Dataset) -> str:
    """Markdown: speed-ups, what each side of them holds, forlab's warm re-solves against its cold solves
    (`warm_text`), convergence of both engines, why runopp's optimum differs, and timing notes."""
    sp = speed(stored)
    both = sp[sp.forlab_success.astype(bool) & sp.runopp_success.astype(bool)]
    failed_pf = sp[(sp.runopp_status != NOT_RUN) & ~sp.runopp_success.astype(bool)].index.tolist()
    tried_flat = sp[sp.runopp_flat_status != "not run"]
    failed_flat = tried_flat[~tried_flat.runopp_flat_success.astype(bool)].index.tolist()
    fixed = json.loads(stored.attrs["runopp_slack_voltage_fixed"])
    case9 = sp.loc["case9"] if "case9" in sp.index and sp.runopp_success.get("case9", False) else None
    forlab_ok = bool(sp.forlab_success.astype(bool).all())
    start_timed = _start_timed(sp)
    lines = [
        _speed_sentence(both, start_timed),
        "",
        _sides_text(both, start_timed),
        "",
        f"**Warm re-solves.** {warm_text(sp, 'case', warm_timed(stored))}",
        "",
        (f"**Convergence.** forlab converges on {'every' if forlab_ok else 'not every'} case. `runopp` started from "
         f"a power flow, as in the timings, fails on {', '.join(failed_pf) or 'none of the cases tried'}; from its "
         f"default flat start it fails on {', '.join(failed_flat) or 'none of the cases tried'}."),
        "",
        _objectives_sentence(both, fixed, _validated(stored), list(_pypower_matched(validation_rows(stored)))),
        "",
        f"*Timing notes.* The discarded warm-up on case9 took "
        f"{_in_ms(stored.attrs['warmup_runopp_wall_time_s'], 'runopp_wall_time_s')} in `runopp` and "
        f"{_in_ms(stored.attrs['warmup_forlab_build_time_s'], 'forlab_build_time_s')} to build forlab's model"
        + (_warmup_against(stored, case9) if case9 is not None else "")
        + f". Times are wall-clock on a shared machine{_cores_text(stored)} and vary between runs by tens of percent; the "
        "ratios are more stable than the times because both engines run in turn in the same process.",
    ]
    return "\n".join(lines)


def warm_timed(stored: xr.Dataset) -> bool:
    """Whether a store's warm re-solves were timed as its cold solves (`WARM_TIMED`)."""
    return bool(stored.attrs.get(WARM_TIMED, 0))


def warm_text(nets: pd.DataFrame, noun: str = "net", warm_timed: bool = True) -> str:
    """A sentence on forlab's warm re-solves against its cold solves, over the rows of ``nets`` (the ``net`` table
    as `_nets` reads it; ``noun`` names a row) that have both times: on how many the warm re-solve is faster, and by
    how much (% of the cold solve; the row of the least and of the most), naming the rows on which it is no faster,
    or that it is faster on none (how long it takes then, as a multiple of the cold solve). Decided and computed on
    the times as the tables print them (`printed_times`, ms): a difference the table does not show is not counted,
    and a reader who recomputes a saving from the table gets the one said. What the two times are is said: with
    ``warm_timed`` (what the store's `WARM_TIMED` says) both are the fastest solver time of the ``repeats`` from the
    same start (`forlab.opf.bench.time_forlab`); a store written before holds the warm re-solve as one timed call
    (wall time, from the model's own solution: variables only, no multipliers) against the fastest of the cold
    solves."""
    both = nets[np.isfinite(nets.forlab_solve_time_s.astype(float))
                & np.isfinite(nets.forlab_warm_solve_time_s.astype(float))]
    what = ("Re-solved from its own solution (column *warm re-solve*, timed as the cold solve: the fastest solver time "
            "of the `repeats`), forlab is " if warm_timed else
            "Re-solved once from its own solution (column *warm re-solve*: one timed call, against the fastest of "
            "the `repeats` cold solves), forlab is ")
    if both.empty:
        return f"No {noun} has both a cold solve and a warm re-solve here, so the two are not compared."
    shown = printed_times(both[["forlab_solve_time_s", "forlab_warm_solve_time_s"]])
    cold, warm = shown.forlab_solve_time_s, shown.forlab_warm_solve_time_s
    faster = warm < cold
    one = len(both) == 1
    if not faster.any():
        where = f"on the one {noun} here, {both.index[0]}" if one else f"on none of the {len(both)} {noun}s here"
        return (what + f"{'no faster' if one else 'faster'} than its cold solve {where}: the re-solve takes "
                f"{span(warm / cold, '.1f')}x the cold solve's time.")
    saved = (100 * (1 - warm / cold))[faster]
    least, most = saved.idxmin(), saved.idxmax()
    of = "of the cold solve's time"
    by = (f"by {saved[least]:.0f} % {of} ({least})" if len(saved) == 1 else
          f"by {saved[least]:.0f} % {of} on each" if f"{saved[least]:.0f}" == f"{saved[most]:.0f}" else
          f"by {saved[least]:.0f} % ({least}) to {saved[most]:.0f} % ({most}) {of}")
    where = (f"on the one {noun}" if one else f"on all {len(both)} {noun}s" if faster.all()
             else f"on {int(faster.sum())} of the {len(both)} {noun}s")
    return (what + f"faster than its cold solve {where} here, {by}"
            + ("." if faster.all() else f", and no faster on {listed(both.index[~faster])}."))


def _objectives_sentence(both: pd.DataFrame, fixed: list[str], validated: list[str],
                         matched: list[str] | None = None) -> str:
    """The objectives paragraph: where `runopp`'s optimum is above, equal to (within `VALIDATION_TOL`) or below
    forlab's (`_gap_parts`); the clamped slack voltage (a more constrained problem) can explain only an optimum
    above forlab's on a clamped case, so it is given for those, as a likely cause, tested by runopp with the slack
    voltage free where the store has that run (`_free_slack_text`), and the rest are named as unexplained; and
    forlab's optimum equals MATPOWER's only on the ``validated`` cases (`_validated`), and PYPOWER's on the
    ``matched`` ones (`forlab.studies.ch02_grids_and_acopf.optima._pypower_matched`; none in a store without it)."""
    if both.empty:
        return ""
    gap = both.objective_gap_pct
    above = both.index[gap > 100 * VALIDATION_TOL]
    text = f"**Objectives.** `runopp`'s optimum is {_gap_parts(gap)} (column *runopp - forlab*)."
    clamped = [c for c in above if c in fixed]
    if clamped:
        where = "in every case here" if set(fixed) >= set(both.index) else "here: " + ", ".join(fixed)
        higher = "its higher optimum" if len(clamped) == 1 else "its higher optima"
        which = higher if len(clamped) == len(above) else f"{higher} on {', '.join(clamped)}"
        text += (" In pandapower the slack is an ext_grid (its external grid, which sets the slack bus's voltage); "
                 "one that is not `controllable` keeps its voltage set-point in the OPF "
                 f"(pandapower clamps the bus's voltage limits to it, {where}), whereas MATPOWER and forlab let the "
                 f"slack voltage move within the bus limits: `runopp` solves a more constrained problem, the likely "
                 f"cause of {which}." + _free_slack_text(both.loc[clamped]))
    unexplained = [c for c in both.index if c not in clamped and abs(gap[c]) > 100 * VALIDATION_TOL]
    if unexplained:
        text += f" The clamped slack voltage cannot explain {', '.join(unexplained)}."
    if validated:
        text += (f" forlab's optimum equals MATPOWER's where the book records one ({', '.join(validated)}: within "
                 f"{100 * VALIDATION_TOL:g} %, as validated above).")
    if matched:
        text += f" It equals PYPOWER's run of MATPOWER's runopf on {', '.join(matched)}, by the same test."
    return text


UNTESTED_SLACK = (" This is not tested here: no run frees the slack voltage in `runopp` to close the gap, and PIPS "
                  "stopping at its own tolerance could add to it.")
"""What a store written before `forlab.opf.bench.runopp_free_slack` ran says of the clamped slack voltage."""


def _free_slack_text(clamped: pd.DataFrame) -> str:
    """The test of the clamped slack voltage on the cases it may explain (``clamped``, rows of `speed`): runopp once
    more with the slack voltage free (`forlab.opf.bench.runopp_free_slack`), its optimum against forlab's within
    `VALIDATION_TOL` or not, each case that it does not close named with its gap or status; `UNTESTED_SLACK` for a
    store without that run."""
    if "runopp_free_slack_status" not in clamped:
        return UNTESTED_SLACK
    ran = clamped[clamped.runopp_free_slack_success.astype(bool)]
    gap = 100 * (ran.runopp_free_slack_objective - ran.forlab_objective) / ran.forlab_objective
    closed = gap.index[gap.abs() <= 100 * VALIDATION_TOL]
    head = (" Tested: with the slack voltage free (`forlab.opf.bench.runopp_free_slack`, the ext_grid made "
            "`controllable`), `runopp`'s optimum equals forlab's within "
            f"{100 * VALIDATION_TOL:g} % on ")
    on = (f"every one of them (the largest gap left {gap.abs().max():.1e} %), so the clamp is the cause"
          if len(closed) == len(clamped) else f"{len(closed)} of the {len(clamped)}")
    left = [f"{c} ({gap[c]:+.3f} %)" for c in gap.index.difference(closed, sort=False)]
    left += [f"{c} ({s})" for c, s in clamped.runopp_free_slack_status[~clamped.runopp_free_slack_success.astype(
        bool)].items()]
    return head + on + (f"; not on {', '.join(left)}." if left else ".")


def _gap_parts(gap: pd.Series) -> str:
    """`runopp`'s optimum against forlab's in words: on which cases above (with the largest gap), equal within
    `VALIDATION_TOL` and below (with the most negative gap), in %."""
    tol = 100 * VALIDATION_TOL
    above, below = gap[gap > tol], gap[gap < -tol]
    equal = gap.index.difference(above.index.union(below.index), sort=False)
    by = "by" if len(above) == 1 else "by at most"
    parts = ([f"above forlab's on {_count(above.index, gap)}, {by} {above.max():+.3f} %"] if len(above) else []) \
        + ([f"equal to forlab's within {tol:g} % on {', '.join(equal)}"] if len(equal) else []) \
        + ([f"**below** forlab's on {', '.join(below.index)} (down to {below.min():+.3f} %)"] if len(below) else [])
    return "; ".join(parts)


def _count(names, of) -> str:
    """"all 7 cases" or "3 of the 7 cases (case9, ...)": how many of ``of`` are ``names``."""
    names = list(names)
    if len(of) == 1:
        return f"the one case, {names[0]}"
    if len(names) == len(of):
        return f"all {len(of)} cases"
    return f"{len(names)} of the {len(of)} cases ({', '.join(names)})"


def _cores_text(stored: xr.Dataset) -> str:
    """" (Intel(R) Xeon(R) Processor, 2 cores)" as far as the store records the machine
    (`forlab.book.provenance.machine_text`; stores written before it have nothing), else "": the timing note names
    no machine the store does not hold."""
    machine = machine_text(stored.attrs)
    return f" ({machine})" if machine else ""


WARMUP_NOISE = 0.2
"""How much longer than case9's row (a share of it) the warm-up must take before the timing note calls the
difference a one-off cost: the run-to-run noise of these times is tens of percent (the note says so), so a smaller
excess shows nothing."""


def _warmup_against(stored: xr.Dataset, case9) -> str:
    """The warm-up's times against case9's row of the table, and whether the warm-up paid a one-off cost beyond the
    machine's noise (either time more than `WARMUP_NOISE` above the row's). The row's times are the fastest of the
    run's ``repeats``, the warm-up's one call each (its one-off cost is in its first call), and the sentence says so:
    noise alone makes one call read longer than the fastest of several."""
    warm = (stored.attrs["warmup_runopp_wall_time_s"], stored.attrs["warmup_forlab_build_time_s"])
    row = (case9.runopp_wall_time_s, case9.forlab_build_time_s)
    repeats = json.loads(stored.attrs.get("parameters", "{}")).get("repeats", "the repeats")  # a store not yet saved
    paid = ("; in this run the warm-up paid a one-off cost" if any(w > (1 + WARMUP_NOISE) * r for w, r in zip(warm, row))
            else "; in this run no one-off cost shows beyond the noise")
    shown = f"{_in_ms(row[0], 'runopp_wall_time_s')} and {_in_ms(row[1], 'forlab_build_time_s')}"
    return f" (in the table, each the fastest of {repeats}: {shown}{paid})"


def _in_ms(seconds: float, column: str) -> str:
    """A time (s) in words as the tables print ``column``'s (ms, `TIME_DECIMALS`), so that the timing note's times
    read as the table's beside them."""
    return f"{TIME_FORMATS[column](1e3 * seconds)} ms"


def solve_time_fit(opf_t: pd.DataFrame) -> tuple[float, float]:
    """(exponent, factor) of the least-squares fit log(solver time) = log(factor) + exponent log(buses) over the
    transmission cases of the ``net`` table: the yardstick the study systems are compared with, not fitted to. A
    failed solve has no time (NaN, `_nets`) and is left out."""
    tr = opf_t[(opf_t.kind == "transmission") & np.isfinite(opf_t.forlab_solve_time_s.astype(float))]
    exponent, log_factor = np.polyfit(np.log(tr.buses.astype(float)), np.log(tr.forlab_solve_time_s), 1)
    return float(exponent), float(np.exp(log_factor))


def fit_ratio(opf_t: pd.DataFrame) -> pd.Series:
    """Per net, its solver time over the time `solve_time_fit` predicts for its bus count."""
    exponent, factor = solve_time_fit(opf_t)
    return opf_t.forlab_solve_time_s / (factor * opf_t.buses.astype(float) ** exponent)


def pegase_target_text(row: pd.Series, in_ms: bool = False) -> str:
    """A clause on case1354pegase (its row of the ``net`` table) against issue 3's solver-time target, which is set
    for a flat start (`forlab.book.anchors`' ``acopf_case1354pegase_solve_s``): judged on the store's flat-start
    solve (`FLAT_COLUMNS`, its stored value), which misses it when it fails. A store written before the flat-start
    timing has only the power-flow start's time: the clause then says that that verdict does not compare like with
    like. The time prints in s (beside the scaling figure, in s) or, with ``in_ms``, as the timing tables print it
    (`_in_ms`, beside the paper-scale tables)."""
    target = f"its target of at most {anchors.show('acopf_case1354pegase_solve_s')}"
    met = anchors.anchor("acopf_case1354pegase_solve_s").met
    if str(row.get("forlab_flat_status", "not run")) == "not run":
        return (f"{target} is set for a flat start, which this store does not time: against the power-flow start's "
                f"time it would read {'met' if met(row.forlab_solve_time_s) else 'missed'}, a verdict that does not "
                "compare like with like")
    if not bool(row.forlab_flat_success):
        return f"from the flat start that {target} is set for, its solve fails ({row.forlab_flat_status}): **missed**"
    t = float(row.forlab_flat_solve_time_s)
    took = _in_ms(t, "forlab_flat_solve_time_s") if in_ms else f"{grouped(t, 2)} s"
    return f"from the flat start that {target} is set for, it solves in {took}: {'met' if met(t) else '**missed**'}"


def _sentence(clause: str) -> str:
    """A clause as the start of a sentence: its first letter upper case, the rest as it is."""
    return clause[:1].upper() + clause[1:]


def _fitted_words(fitted: int, cases: int) -> str:
    """The transmission cases a fit is over: "7 transmission cases", or "6 of the 7 transmission cases (those whose
    solve succeeded)" when a failed solve left one out (`solve_time_fit`)."""
    if fitted == cases:
        return f"{fitted} transmission cases"
    return f"{fitted} of the {cases} transmission cases (those whose solve succeeded)"


def scaling_text(stored: xr.Dataset) -> str:
    """Markdown: the exponent of the fit of log(solver time) on log(buses) over the transmission cases
    (`solve_time_fit`), the largest net's times, case1354pegase against its target (`forlab.book.anchors`), and the
    study systems' solver times against that fit (`fit_ratio`); a failed solve has no time (`_nets`) and is left out."""
    opf_t = _nets(stored)
    tr = opf_t[(opf_t.kind == "transmission") & np.isfinite(opf_t.forlab_solve_time_s.astype(float))]  # as fitted
    exponent = solve_time_fit(opf_t)[0]
    solved = opf_t[np.isfinite(opf_t.forlab_solve_time_s.astype(float))]
    largest = solved.buses.astype(int).idxmax()
    which = "The largest net" if largest == opf_t.buses.astype(int).idxmax() else "The largest net forlab solves"
    sys_t = opf_t[opf_t.kind == "study system"]
    text = (
        f"Over the {_fitted_words(len(tr), int((opf_t.kind == 'transmission').sum()))} from "
        f"{grouped(tr.buses.min())} to {grouped(tr.buses.max())} buses, the "
        f"solver time $t$ grows roughly as $t \\propto n^{{{exponent:.2f}}}$ in the bus count $n$ (least-squares fit "
        "on the log-log points, the dashed line), "
        + ("less than proportionally: on small nets fixed costs per solve dominate. " if exponent < 0.9 else
           "about proportionally, as sparse linear algebra allows. " if exponent < 1.5 else
           "faster than proportionally. ")
        + f"{which}, {largest}, solves in {grouped(opf_t.forlab_solve_time_s[largest], 2)} s after a "
        f"{grouped(opf_t.forlab_build_time_s[largest], 2)} s build"
    )
    if "case1354pegase" in opf_t.index:
        subject = "" if largest == "case1354pegase" else "case1354pegase: "
        text += f" ({subject}{pegase_target_text(opf_t.loc['case1354pegase'])})"
    if len(sys_t):
        ratio = fit_ratio(opf_t)
        on_sys, on_tr = ratio[sys_t.index], ratio[tr.index]
        low, high = on_sys.idxmin(), on_sys.idxmax()
        systems = (f"The integrated study system, {low}, which adds the FPUs' PQ-chart constraints and is not part "
                   f"of the fit, solves in {on_sys[low]:.1f}x the time the fit predicts for its bus count"
                   if len(sys_t) == 1 else
                   f"The {len(sys_t)} integrated study systems, which add the FPUs' PQ-chart constraints and are not "
                   f"part of the fit, solve in {on_sys[low]:.1f}x ({low}) to {on_sys[high]:.1f}x ({high}) the time "
                   "the fit predicts for their bus count")
        text += (f". {systems}; the transmission cases themselves lie between {on_tr.min():.1f}x and "
                 f"{on_tr.max():.1f}x of it")
    return text + "."
