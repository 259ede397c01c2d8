"""Tables of chapter 12, read from its store (`forlab.studies.ch12_many_dsos.store`) or from chapter 09's copies of its
rows, and the rules every table, figure and sentence reads them by.

The rows (`frame`; methods by code or by name, `coded`) and the ``size`` table (`sizes`), the operating point the rows
ran at (`stored_point`); which rows a verdict may compare (`comparable`, `why_not_compared`) and the one dash rule
(`measures_shown`); what DS flexibility is worth (`flexibility`, `flexibility_of_rows`); the growth of each cost with N
(`growth_fits`, `trend`); the timing noise and the verdicts per N (`timing_noise`, `winners`, `p1_on_workers`); issue
16's targets against the store (`targets`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, plots
from forlab.book.tables import counted, grouped, table
from forlab.opf.outcome import NEGLIGIBLE_PCT, most_accurate, unmeasured_when_failed
from forlab.studies import ch08_sensitivity as ch08
from forlab.studies.ch07_aladin.readers import FIT_R2_MIN

__all__ = [
    "LARGE_TARGETS",
    "METHODS",
    "POINT_COLUMNS",
    "WITHOUT_OFFLINE",
    "coded",
    "comparable",
    "flexibility",
    "flexibility_of_rows",
    "frame",
    "growth",
    "growth_fits",
    "held_ok",
    "measures_shown",
    "p1_on_workers",
    "sizes",
    "stored_point",
    "targets",
    "timing_noise",
    "trend",
    "why_not_compared",
    "winners",
]


METHODS = {m: plots.METHOD_STYLE[m]["label"] for m in ("integrated", *ch08.METHODS)}
"""Row methods (chapter 08's codes, the baseline first) and the names the page gives them, in its text, tables and
figure alike: the book's one name per method (`forlab.book.plots.METHOD_STYLE`)."""


POINT_COLUMNS = ("load_level", "ties", "n_fpus")
"""The columns of a `frame` that record the operating point a row ran at
(`forlab.studies.ch08_sensitivity.result_row`)."""


def stored_point(t: pd.DataFrame) -> ch08.Variant | None:
    """The one operating point the rows ``t`` (`frame`, or chapter 09's copies of them) ran at, read from their
    `POINT_COLUMNS`; None where the rows lack them or hold more than one point (rows that record none, as a method
    not run, left out)."""
    if not set(POINT_COLUMNS) <= set(t.columns):
        return None
    points = t[list(POINT_COLUMNS)].dropna(subset=["load_level"]).drop_duplicates()
    if len(points) != 1:
        return None
    r = points.iloc[0]
    return ch08.Variant("load", float(r.load_level), float(r.load_level),
                        None if pd.isna(r.n_fpus) else int(r.n_fpus), str(r.ties))


def frame(st: xr.Dataset) -> pd.DataFrame:
    """The ``run`` rows with ``n_ds``, the size's ``buses`` and ``integrated_again_ms`` (NaN in a store written
    before it, `timing_noise`), ``time_ratio`` (the online solver time over the
    integrated AC-OPF's of the same size, as chapter 08's rows store it, `forlab.studies.ch08_sensitivity.COLUMNS`:
    one integrated AC-OPF per size, shared by every method rather than one per method, and timed by the rule,
    `integrated_row`; none for that AC-OPF itself) and ``time_reduction_pct`` (100 (1 - ratio), %: only the scale-out
    targets are defined as a reduction, `targets`)."""
    t = ch08.frame(st.drop_dims("size"))
    t["n_ds"] = t["n_ds"].astype(int)
    t = t.merge(sizes(st).reindex(columns=["n_ds", "buses", "integrated_again_ms"]), on="n_ds", how="left")
    t["time_reduction_pct"] = 100 * (1 - t["time_ratio"])
    t.loc[t.method == "integrated", ["time_ratio", "time_reduction_pct"]] = np.nan  # the yardstick itself
    return t


def sizes(st: xr.Dataset) -> pd.DataFrame:
    """The ``size`` table (one row per N)."""
    return table(st, "size", "size_")


def _ok(t: pd.DataFrame) -> pd.Series:
    """Rows whose every solve succeeded and whose dispatch the T+D power flow found feasible (`failures_text` lists
    the others)."""
    return (t.status == "ok") & t.feasible.astype(bool)


def comparable(t: pd.DataFrame) -> pd.Series:
    """The rows a verdict may compare, the one rule of this chapter's `winners` and chapter 09's many-DSOs view:
    `_ok`, and the integrated AC-OPF of the same size, the yardstick, has a time and a cost (the row's time ratio
    and deviation are numbers)."""
    judged = np.isfinite(t.time_ratio.astype(float)) & np.isfinite(t.deviation_pct.astype(float))
    return _ok(t) & judged


def why_not_compared(r) -> str:
    """Why a contestant's row is not `comparable`, in one word as the tables print it: "not run", "failed",
    "infeasible" (in the T+D power flow) or "no yardstick" (the integrated AC-OPF of its size has no time or cost);
    `failures_text` gives the details."""
    if r.status != "ok":
        return "not run" if str(r.status).startswith("not run") else "failed"
    return "infeasible" if not r.feasible else "no yardstick"


WITHOUT_OFFLINE = ch08.NOT_APPLYING["offline_time_s"]
"""The rows whose offline time reads "–", not 0.0: the integrated AC-OPF's (`NO_OFFLINE`) and ALADIN's
(`P3_NO_OFFLINE`), neither of which has an offline step; chapter 08's one rule
(`forlab.studies.ch08_sensitivity.NOT_APPLYING`), which `measures_shown` applies."""


def measures_shown(t: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` (methods by code) with every measure a table of this chapter shows as "–" set to NaN: the
    one dash rule of `outcome_tables`, `paper_tables` and `figure`. A run that did not finish has no
    feasibility, times (its TSO and DSO sides too), offline time, rounds or data (the book's one rule,
    `forlab.opf.outcome.unmeasured_when_failed`); a run that is not `comparable` has no deviation (nor has the
    integrated AC-OPF, from itself); a measure that does not apply to a row's method is missing by chapter 08's one
    rule (`forlab.studies.ch08_sensitivity.applicable`: the rows of `WITHOUT_OFFLINE` have no offline time, P2's no
    DSO part), and the integrated AC-OPF has no rounds (`NO_OFFLINE`). A measure the rows do not carry is left out
    (an older store's)."""
    ran, integrated = t.status == "ok", t.method == "integrated"
    t = ch08.applicable(t)
    deviation = t.deviation_pct.where(comparable(t) & ~integrated)  # before the rule takes a failed row's feasibility
    t = unmeasured_when_failed(t, ["feasible", "solve_time_s", "wall_time_s", "tso_ms", "dso_ms", "bytes_exchanged",
                                   "offline_time_s"], ran)
    return t.assign(deviation_pct=deviation, rounds=t.rounds.astype(float).where(ran & ~integrated))


def flexibility(st: xr.Dataset, t: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per size (index ``n_ds``), what DS flexibility is worth: ``fixed``, the judged cost with every FPU held at its
    set-point ($/h, `fixed_fpus_fields`), and ``worth``, how far it lies above the integrated AC-OPF's optimum ($/h;
    ``worth_pct`` in % of that optimum; ``tie_share``, the share of it a deviation at `NEGLIGIBLE_PCT` would be, the
    resolution of the shares), NaN where that solve failed or its dispatch broke a limit (then the
    flexibility is needed to keep the limits, and its worth is no number) or where either has no cost; per method
    (columns by code) the share of the worth its dispatch gives up, 100 (cost - optimum) / worth (%), NaN where its row
    is not `comparable` or the worth is not positive. Empty for a store written before the fields existed. ``t``: the
    store's `frame`, where the caller has built it already (None: built here)."""
    s = sizes(st).set_index("n_ds")
    if "fixed_fpus_cost" not in s:
        return pd.DataFrame()
    t = frame(st) if t is None else t
    optimum = t[t.method == "integrated"].set_index("n_ds").integrated_cost.reindex(s.index).astype(float)
    fixed = s.fixed_fpus_cost.astype(float).where(held_ok(s))
    worth_pct = 100 * (fixed - optimum) / optimum
    # a deviation at the tie bound is noise (`forlab.opf.outcome.NEGLIGIBLE_PCT`): the share's resolution
    out = pd.DataFrame({"fixed": fixed, "worth": fixed - optimum, "worth_pct": worth_pct,
                        "tie_share": 100 * NEGLIGIBLE_PCT / worth_pct.where(worth_pct > 0)})
    good = t[comparable(t) & (t.method != "integrated")]
    for method, g in good.groupby("method"):
        g = g.set_index("n_ds")
        worth = out.worth.reindex(g.index).where(lambda w: w > 0)
        out[method] = (100 * (g.cost.astype(float) - g.integrated_cost.astype(float)) / worth).reindex(out.index)
    return out


def held_ok(s: pd.DataFrame) -> pd.Series:
    """Per row of `sizes`, whether its AC-OPF with every FPU held solved and its dispatch kept every limit in the
    T+D power flow: the sizes whose held cost `flexibility` compares."""
    return (s.fixed_fpus_status == "ok") & s.fixed_fpus_feasible.astype(bool)


def flexibility_of_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``t`` and ``has`` that `share_ranges` and `over_all` take, from rows of `frame` that carry their size's
    worth and their method's share of it (``flex_worth_pct``, ``flex_share_pct``, methods by name: chapter 09's scale
    rows, which keep what they need of `flexibility` beside this store's rows, not the table): the rows by code
    (`coded`), and per size with a worth (index ``n_ds``) its ``worth_pct`` and each method's share (a column by
    code), as `flexibility` has them."""
    t = coded(rows)
    worth = t[np.isfinite(t.flex_worth_pct.astype(float))].assign(n_ds=lambda r: r.n_ds.astype(int))
    has = worth.pivot(index="n_ds", columns="method", values="flex_share_pct").astype(float)
    has.columns.name = None
    return t, has.assign(worth_pct=worth.groupby("n_ds").flex_worth_pct.first().astype(float))


_CODES = {label: code for code, label in METHODS.items()}


def coded(t: pd.DataFrame) -> pd.DataFrame:
    """Rows of `frame` with their methods by code, whether they name them by code or by their full names (`METHODS`,
    as chapter 09's copies of this store's rows do)."""
    return t.assign(method=t.method.map(lambda m: _CODES.get(m, m)))


def growth_fits(t: pd.DataFrame, column: str, x: str = "n_ds") -> pd.DataFrame:
    """Per method (index): the log-log fit of ``column`` against ``x`` (N, or ``buses``, the system's total) over its
    runs with a feasible dispatch (`_ok`: an infeasible run's time is not that of a dispatch a TSO could use) and a
    positive value: ``slope`` (d log y / d log x; one is growth in proportion), ``r2`` (the share of the variance of
    log y the line explains) and ``sizes`` (the N it covers); slope and r2 NaN with fewer than two sizes."""
    out = {}
    for method, g in t[_ok(t)].groupby("method"):
        g = g[np.isfinite(g[column].astype(float)) & (g[column] > 0)]
        slope = r2 = np.nan
        if g[x].nunique() >= 2:
            lx, ly = np.log(g[x].astype(float)), np.log(g[column].astype(float))
            fit = np.polyfit(lx, ly, 1)
            spread = float(((ly - ly.mean()) ** 2).sum())
            slope = float(fit[0])
            r2 = 1 - float(((ly - np.polyval(fit, lx)) ** 2).sum()) / spread if spread > 0 else np.nan
        out[method] = {"slope": slope, "r2": r2, "sizes": sorted(int(n) for n in g.n_ds.unique())}
    return pd.DataFrame.from_dict(out, orient="index", columns=["slope", "r2", "sizes"])


def growth(t: pd.DataFrame, column: str) -> pd.Series:
    """Per method: the log-log slope of ``column`` against N (`growth_fits`: runs with a feasible dispatch only;
    one is linear growth); NaN with fewer than two sizes."""
    return growth_fits(t, column).slope.astype(float).rename(column)


def trend(fit) -> bool:
    """Whether a fit of `growth_fits` may be stated as a growth law: a slope over at least two sizes whose line
    explains at least `forlab.studies.ch07_aladin.readers.FIT_R2_MIN` of the variance (chapter 07's rule; below it
    the points scatter more than they follow the line)."""
    return bool(np.isfinite(fit.slope) and np.isfinite(fit.r2) and fit.r2 >= FIT_R2_MIN)


def timing_noise(t: pd.DataFrame) -> pd.Series:
    """The timing noise a lead in online time is held against, measured in the store: at every size the integrated
    AC-OPF is timed by the one rule (fastest of the repeats) before the size's methods run and again after them
    (`_one_size`, ``integrated_again_ms``), so the methods' online times were measured between two timings of one
    and the same solve. The noise at a size is how far the faster of the two lies below the slower, a fraction of the
    slower (the form of a lead, `winners`); ``bound`` is the largest over the sizes, with its size (``n``) and the two
    times (``first_ms``, ``again_ms``). ``bound`` is NaN where no size has both times (a store written before the
    second timing, or a frame without the column).

    Why the largest, not each size's own: one pair per size is one sample of the noise, and a size whose pair
    happened to agree would let a lead within the machine's noise count; the largest is the cautious reading."""
    none = pd.Series({"bound": np.nan, "n": np.nan, "first_ms": np.nan, "again_ms": np.nan})
    if not {"n_ds", "method", "status", "solve_time_s", "integrated_again_ms"} <= set(t.columns):
        return none
    base = t[(t.method == "integrated") & (t.status == "ok")]
    first, again = 1e3 * base.solve_time_s.astype(float), base.integrated_again_ms.astype(float)
    moved = (1 - np.minimum(first, again) / np.maximum(first, again)).where(np.isfinite(again) & (again > 0))
    if not moved.notna().any():
        return none
    i = moved.idxmax()
    return pd.Series({"bound": float(moved[i]), "n": int(base.n_ds[i]), "first_ms": float(first[i]),
                      "again_ms": float(again[i])})


def _fastest(good: pd.DataFrame, bound: float) -> tuple[str, tuple[str, ...]]:
    """The fastest method online among ``good`` (`comparable` rows of one size) and the others it does not lead by
    more than the timing noise ``bound`` (a fraction, `timing_noise`): tied where the fastest's solver time is not
    more than ``bound`` below theirs; none tied where ``bound`` is NaN (not measured)."""
    order = good.sort_values("solve_time_s")
    first = order.iloc[0]
    rest = order.iloc[1:]
    tied = rest[first.solve_time_s >= (1 - bound) * rest.solve_time_s] if np.isfinite(bound) else rest.iloc[:0]
    return first.method, tuple(tied.method)


def p1_on_workers(t: pd.DataFrame) -> pd.Series:
    """P1's online solver time (s) per row of ``t`` were its DSO step timed by the measured wall clock of all its
    DSOs' dispatches on the run's Dask workers (``dso_parallel_ms``) instead of its slowest DSO's solver time
    (``dso_ms``, the book's one rule, as if every DSO had its own machine): the TSO's time plus that wall time. NaN
    for the other methods, and where the run had no workers or the frame lacks the columns. A wall time in a sum of
    solver times: what this run's machine gave, not the rule's time."""
    if not {"dso_ms", "dso_parallel_ms"} <= set(t.columns):
        return pd.Series(np.nan, index=t.index)
    alt = t.solve_time_s + (t.dso_parallel_ms - t.dso_ms) / 1e3
    return alt.where((t.method == "P1") & np.isfinite(alt.astype(float)))


def winners(t: pd.DataFrame) -> pd.DataFrame:
    """Per N, from judged comparable rows only (`comparable`; the integrated AC-OPF is the yardstick, not a
    contestant): the fastest method online (solver time) and its ``lead`` over the next (how far its solver time lies
    below the next one's, a fraction of that one's: 1 - t_fastest / t_next, the quantity `_fastest` holds against the
    timing noise; NaN with one method), the methods it does not lead by more than the store's timing noise
    (``tied_fastest``; ``noise``: the bound, `timing_noise`), the same verdict with P1's DSO step timed by the wall
    clock of all its DSOs on the run's workers (``workers_fastest``, ``workers_tied``, P1's ratio so timed
    ``p1_workers_ratio``; "" and NaN where not measured, `p1_on_workers`), the most accurate one (smallest
    |deviation|) and the others within `forlab.opf.outcome.NEGLIGIBLE_PCT` of it (``tied``,
    `forlab.opf.outcome.most_accurate`), the next most accurate and its |deviation| (``next_accurate``,
    ``next_abs_deviation_pct``; "" and NaN with one method), how many methods have a row there (``methods``), how many of them ran
    (``ran``: not above ``p3_max_ds``) and how many qualified (``qualified``), and why each of the others did not
    (``left_out``, `why_not_compared`)."""
    bound = float(timing_noise(t).bound)
    rows = []
    for n, g in t[t.method != "integrated"].groupby("n_ds"):
        good = g[comparable(g)]
        left_out = ", ".join(f"{METHODS[r.method]} {why_not_compared(r)}" for r in g[~comparable(g)].itertuples())
        fast, tied_fast = _fastest(good, bound) if len(good) else ("none", ())
        on_workers = p1_on_workers(good)
        workers, workers_tied, p1_ratio = "", (), np.nan
        if on_workers.notna().any():
            alt = good.assign(solve_time_s=on_workers.fillna(good.solve_time_s))
            workers, workers_tied = _fastest(alt, bound)
            p1_ratio = float((on_workers / good.integrated_solve_time_s).dropna().iloc[0])
        deviation = good.set_index("method").deviation_pct  # one row per method and size
        best, tied = most_accurate(deviation.abs().to_dict()) if len(good) else (None, ())
        others = deviation.abs().drop(best) if best is not None else deviation.abs().iloc[:0]
        ratios = good.time_ratio.sort_values()
        times = good.solve_time_s.astype(float).sort_values()
        ran = int((~g.status.astype(str).str.startswith("not run")).sum())  # a row above p3_max_ds is no run
        rows.append({"n_ds": n, "methods": len(g), "ran": ran, "qualified": len(good), "left_out": left_out,
                     "fastest": fast, "fastest_ratio": ratios.iloc[0] if len(ratios) else np.nan,
                     "lead": 1 - times.iloc[0] / times.iloc[1] if len(times) > 1 else np.nan,
                     "noise": bound, "tied_fastest": tied_fast, "workers_fastest": workers,
                     "workers_tied": workers_tied, "p1_workers_ratio": p1_ratio,
                     "most_accurate": best or "none", "tied": tied,
                     "most_accurate_deviation_pct": deviation[best] if best is not None else np.nan,
                     "next_accurate": others.idxmin() if len(others) else "",
                     "next_abs_deviation_pct": others.min() if len(others) else np.nan})
    return pd.DataFrame(rows)


LARGE_TARGETS = ("scaleout_p1_time_reduction_pct", "scaleout_p1_deviation_pct", "scaleout_p1_feasibility_pct",
                 "scaleout_p2_time_reduction_pct", "scaleout_p2_feasibility_pct")
"""The targets `targets` judges only on P1's or P2's runs at N of at least ``scaleout_min_ds`` (`_large`): "not
measured" in a store without such a run, as `missed_text` then says of each by name. The other targets hold the
sweep as a whole (its buses, its wall time) or every size (the Ipopt iterations)."""


def _large(t: pd.DataFrame, method: str) -> pd.DataFrame:
    """The method's rows at the sizes the targets apply to (N at least `scaleout_min_ds`)."""
    return t[(t.method == method) & (t.n_ds >= anchors.value("scaleout_min_ds"))]


def _worst_reduction(g: pd.DataFrame) -> float:
    """The smallest time reduction (%) over ``g``; NaN when a row failed (a failed case meets no target)."""
    return float(g.time_reduction_pct.min()) if len(g) and (g.status == "ok").all() else float("nan")


def _extra_iterations(t: pd.DataFrame, s: pd.DataFrame) -> pd.DataFrame:
    """Per N (index): the Ipopt iterations of P1's TSO OPF (``tso``) and of the TS-only AC-OPF (``ts``), and how
    many more the first took (``extra_pct``, %; NaN where either is missing). Only a TSO solve that succeeded
    counts: one that stopped at Ipopt's iteration limit would otherwise become the target's worst size. The row's
    ``status`` says so: it names every failed solve as "<part> failed: ..." (`forlab.opf.outcome.failed_status`),
    the TSO's as "tso failed"; a TSO that never ran has no iterations (-1 or NaN)."""
    p1 = t[t.method == "P1"]
    solved = ~p1.status.astype(str).str.contains("tso failed:", regex=False) & (p1.tso_iterations >= 0)
    out = pd.DataFrame({"tso": p1[solved].set_index("n_ds").tso_iterations,
                        "ts": s.set_index("n_ds").ts_iterations})
    return out.assign(extra_pct=100 * (out.tso / out.ts - 1))


def targets(st: xr.Dataset) -> pd.DataFrame:
    """Issue 16's targets against the store: one row each with the anchor as printed, what was measured (``over``:
    over how many sizes, and how: worst, mean or share, as each anchor defines its figure: the time targets are
    defined as reductions and judged on the worst size, the deviation target on the mean, `deviation_text` giving
    its sizes one by one) and whether it is met ("not measured" when the store has no size the target applies
    to)."""
    t, s = frame(st), sizes(st)
    p1, p2 = _large(t, "P1"), _large(t, "P2")
    extra = _extra_iterations(t, s).extra_pct
    n_it = int(extra.notna().sum())
    # per target: the figure, how many sizes it is taken over (0: not measured) and how it summarises them
    measured = {
        "scaleout_p1_time_reduction_pct": (_worst_reduction(p1), len(p1), _over("worst of", len(p1))),
        "scaleout_p1_deviation_pct": _p1_deviation(p1),
        "scaleout_p1_feasibility_pct": (100 * float(p1.feasible.mean()) if len(p1) else np.nan, len(p1),
                                        _over("share of", len(p1))),
        "scaleout_p2_time_reduction_pct": (_worst_reduction(p2), len(p2), _over("worst of", len(p2))),
        "scaleout_p2_feasibility_pct": (100 * float(p2.feasible.mean()) if len(p2) else np.nan, len(p2),
                                        _over("share of", len(p2))),
        "scaleout_p1_extra_iterations_pct": (float(extra.max()), n_it, _over("worst of", n_it)),
        # the time limit is for the full sweep: judged only on a store that reaches the bus count asked for
        "scaleout_sweep_min": (st.attrs["sweep_wall_time_s"] / 60,
                               int(s.buses.max() >= anchors.value("scaleout_sweep_buses")), "the whole sweep"),
        "scaleout_sweep_buses": (float(s.buses.max()), len(s), "its largest size"),
    }
    rows = []
    for key, (value, n, over) in measured.items():
        a = anchors.anchor(key)
        verdict = "not measured" if n == 0 else ("met" if a.met(value) else "missed")
        rows.append({"target": a.measures, "bound": f"{a.relation} {a.show()}",
                     "measured": _measured(value, n, a.digits, a.unit), "over": over if n else "–",
                     "verdict": verdict})
    return pd.DataFrame(rows).set_index("target")


def _p1_deviation(p1: pd.DataFrame) -> tuple[float, int, str]:
    """The P1 deviation target's figure, sizes and summary (`targets`): the mean |deviation| of P1's `comparable`
    rows, since a signed mean lets a cheaper-than-optimal deviation cancel a costlier one and an infeasible or
    unjudged dispatch has no deviation to hold to a bound; NaN (a missed target) when none is comparable."""
    dev = p1[comparable(p1)].deviation_pct.abs()
    over = (f"{_over('mean |deviation| over', len(p1))}, all comparable" if len(dev) == len(p1)
            else f"mean |deviation| over the {len(dev)} comparable of {counted(len(p1), 'size')}")
    return float(dev.mean()) if len(dev) else np.nan, len(p1), over


def _over(how: str, n: int) -> str:
    """How a target's figure summarises its sizes, in words: "worst of 4 sizes", "mean over 1 size"."""
    return f"{how} {n} size{'s' if n != 1 else ''}"


def _measured(value: float, n: int, digits: int, unit: str = "") -> str:
    """A measured target figure as text, in the anchor's ``unit``: "–" when nothing was measured, "failed" for
    NaN, a count without decimals, anything else with two more decimals than the anchor shows; thousands grouped
    as the anchor's bound is, so the two read alike in one row ("10 666 buses" under ">= 10 000 buses")."""
    if n == 0:
        return "–"
    if not np.isfinite(value):
        return "failed"
    # thousands grouped by the rule of `forlab.book.anchors.Anchor.show`, which prints the bound beside it
    num = grouped(value, 0 if float(value).is_integer() else digits + 2)
    return f"{num}x" if unit == "x" else f"{num} {unit}".strip()
