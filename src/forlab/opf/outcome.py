"""One outcome record for every method and case, and the one timing rule (chapter 09's section "The default runs, on
one system"; chapter 12's opening).

Every case of every method (P1 FOR offers, P2 ML surrogates, P3 ALADIN) ends in an `Outcome`:

* the dispatch it proposes, judged by the T+D power flow of `forlab.opf.judge.judge`; its true cost and the signed
  cost deviation ``deviation_pct`` (%) against the integrated AC-OPF optimum (> 0 costs more);
* ``feasible`` (1/0 after the judge) and ``max_violation`` (p.u., `forlab.opf.judge.judge`'s ``max_violation_pu``);
* ``status``: "ok", or every solve that failed with its solver's own words ("tso failed: Infeasible_Problem_Detected;
  ..."); any failure makes the deviation NaN: a failed case is never a number. A failed solve of the method (or the
  T+D power flow) also makes the outcome infeasible and its online times NaN; a failed integrated solve makes the
  integrated cost and times NaN but leaves the method's own verdict (``feasible``) and times;
* online time by one rule (`timed`, `parallel`, `sequential`): each solve runs N times from the same start and the
  fastest of the repeats that ended as the first did counts, both its solver time (``solve_time_s``) and its wall time (``wall_time_s``); parts that run in
  parallel (the DSOs, ALADIN's regions) count their slowest branch, sequential parts add up;
* offline time (s), bytes exchanged (every message pickled as Dask sends it, one rule for every method:
  `forlab.book.parallel.wire_bytes`) and rounds of communication.

The integrated baseline is timed by the same rule, by one function (`integrated_baseline`). The adapters that turn a
method's own result into an `Outcome` live with the method (`forlab.p1_for.coordinate`, `forlab.p2_surrogate.tso`)
or, for ALADIN, in the study that runs it (`forlab.studies.outcomes.aladin_outcome`): this module only holds
the record, the rule and the judge's verdict in its terms.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from forlab.opf.judge import deviation

__all__ = ["NEGLIGIBLE_PCT", "NOT_IN_STORE", "OUTCOME", "Baseline", "Outcome", "Timed", "failed_status",
           "integrated_baseline", "judged_outcome", "method_verdict_kept", "most_accurate", "negative_sentence",
           "parallel", "sequential", "solve_ending", "timed", "unmeasured_when_failed"]

NOT_IN_STORE = "not in this archived store"
"""What a reader shows for an outcome column an old store does not carry."""

NEGLIGIBLE_PCT = 1e-4
"""A negative judged deviation (%) at most this large in magnitude, a millionth of the optimum's cost, is no cheaper
dispatch: the integrated AC-OPF and every method's solves stop at Ipopt's tolerance, and the judge
(`forlab.opf.judge.judge`) accepts a limit exceeded by less than its own tolerances (`negative_sentence`)."""


def negative_sentence(items: Sequence[tuple[str, float]]) -> str:
    """Markdown: what the negative judged deviations ``items`` ((who, deviation %) pairs) mean, said once where they
    appear: within the solvers' tolerances when none is below -`NEGLIGIBLE_PCT` (and that a table's four decimals
    show such a value as 0.0000), else that some lie below the optimum by more than the tolerances explain; empty
    without one."""
    if not len(items):
        return ""
    shown = "; ".join(f"{who}: {value:.2g} %" for who, value in items)
    head = f"A negative deviation ({shown}) means the judged dispatch costs less than the integrated optimum"
    if min(v for _, v in items) < -NEGLIGIBLE_PCT:
        return (f"{head}, by more than {NEGLIGIBLE_PCT:g} % of it: more than the solvers' tolerances explain; such "
                "a dispatch is cheaper than the integrated optimum the method is judged against.")
    zero = f" (the tables' four decimals print it as {0:.4f})" if all(round(v, 4) == 0 for _, v in items) else ""
    return (f"{head}, by less than {NEGLIGIBLE_PCT:g} % of it{zero}: within the solvers' tolerances (every AC-OPF "
            "stops at Ipopt's tolerance, and the judge accepts a limit exceeded by less than its own), not a cheaper "
            "dispatch.")

def most_accurate(abs_deviation_pct: Mapping[str, float]) -> tuple[str, tuple[str, ...]]:
    """The method with the smallest |judged deviation| (%) of ``abs_deviation_pct`` (method -> |deviation|, over one
    system or size) and the others within `NEGLIGIBLE_PCT` of it, tied with it: no method is more accurate than
    another by less than the solvers' tolerances. The one rule chapters 09 and 12 both count ties by. A NaN (a
    failed or unjudged case) ranks nowhere; ValueError when no deviation is a number."""
    judged = {m: v for m, v in abs_deviation_pct.items() if np.isfinite(v)}
    if not judged:
        raise ValueError(f"no judged deviation to rank among {list(abs_deviation_pct)}")
    best = min(judged, key=judged.__getitem__)
    limit = judged[best] + NEGLIGIBLE_PCT
    return best, tuple(m for m, v in judged.items() if m != best and v <= limit)


OUTCOME: dict[str, tuple[str, str]] = {
    "deviation_pct": ("signed cost deviation of the judged dispatch from the integrated optimum (NaN: failed)", "%"),
    "feasible": ("dispatch feasible in the T+D power flow and every solve of the method succeeded (1/0)", "1"),
    "max_violation": ("largest limit violation, T+D power flow (voltage: of nominal; branch, unit: of system base)",
                      "p.u."),
    "status": ("ok, or which solve failed and its solver status", "-"),
    "solve_time_s": ("online solver time: fastest of N; parallel parts their slowest, sequential parts added", "s"),
    "wall_time_s": ("online wall time: fastest of N; parallel parts their slowest, sequential parts added", "s"),
    "offline_time_s": ("offline preparation time", "s"),
    "bytes_exchanged": ("bytes exchanged between the parties, both directions, all rounds", "bytes"),
    "rounds": ("rounds of communication", "1"),
    "cost": ("true cost of the judged dispatch (T+D power flow)", "$/h"),
    "integrated_cost": ("integrated AC-OPF optimum", "$/h"),
    "integrated_solve_time_s": ("integrated AC-OPF solver time, fastest of N (NaN: failed)", "s"),
    "integrated_wall_time_s": ("integrated AC-OPF wall time, fastest of N (NaN: failed)", "s"),
}
"""The outcome record's fields: name -> (long name, units). Every store that carries them uses these names."""


# ----------------------------------------------------------------------------------------------------------------------
# the timing rule
# ----------------------------------------------------------------------------------------------------------------------


def solver_seconds(result: Any) -> float:
    """The solver's own time of an OPF result (Ipopt's, without model building): `timed`'s default."""
    return result.solve_time_s


@dataclass(frozen=True)
class Timed:
    """A solve timed by the rule: its first result, the smallest solver time and the smallest wall time (s) over the
    repeats that ended as the first did (`timed`)."""

    result: Any
    solve_time_s: float
    wall_time_s: float


def solve_ending(result: Any) -> tuple:
    """How a solve ended: its ``success`` and ``status`` (attributes, or keys of a mapping), None where absent."""
    if isinstance(result, Mapping):
        return result.get("success"), result.get("status")
    return getattr(result, "success", None), getattr(result, "status", None)


def timed(solve: Callable[[], Any], repeats: int, seconds: Callable[[Any], float] = solver_seconds,
          ending: Callable[[Any], Any] = solve_ending) -> Timed:
    """Run ``solve()`` ``repeats`` times (at least once) from the same start; the first result, and the fastest
    solver time (``seconds(result)``) and wall time seen. Noise on a shared machine only adds time, so the minimum is
    the estimate. Only repeats that ended as the first did count (``ending(result)`` equal; by default its
    ``success`` and ``status``, `solve_ending`; a caller whose result wraps the solve passes how to read it): the
    time is the first result's, and a repeat that failed quickly (e.g. Ipopt giving up early) would otherwise pass
    its time off as the time of a successful solve."""
    t0 = time.perf_counter()
    first = solve()
    wall = time.perf_counter() - t0
    best, how = float(seconds(first)), ending(first)
    for _ in range(max(int(repeats), 1) - 1):
        t0 = time.perf_counter()
        r = solve()
        dt = time.perf_counter() - t0
        if ending(r) == how:
            wall, best = min(wall, dt), min(best, float(seconds(r)))
    return Timed(first, best, float(wall))


def unmeasured_when_failed(t: pd.DataFrame, columns, ok: pd.Series) -> pd.DataFrame:
    """``t`` with ``columns`` (the ones present) made missing (NaN) where the case is not ``ok``: the book's one rule
    that a run that did not finish has no number (no time, ratio, feasibility, offline time, rounds or bytes of its
    own), whatever a store still holds there (one written before its writer left them out, or a per-round log that
    kept what a failed run measured). The tables of chapters 02, 05, 06, 09 and 12 take their dashes from it. ``t``
    is changed in place and returned."""
    for c in columns:
        if c in t:
            t[c] = t[c].astype(float).mask(~ok)
    return t


def parallel(times) -> float:
    """Parts that run at the same time (DSOs, ALADIN's regions) count their slowest branch (0 for none)."""
    t = [float(x) for x in times]
    return max(t) if t else 0.0


def sequential(times) -> float:
    """Parts that run one after the other add up."""
    return float(sum(float(x) for x in times))


# ----------------------------------------------------------------------------------------------------------------------
# the integrated baseline
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """The integrated T+D AC-OPF over all TS and DS variables, timed by the rule: its result (an `OPFResult`), solver
    and wall time (s, fastest of N) and the model's build time (s)."""

    result: Any
    solve_time_s: float
    wall_time_s: float
    build_time_s: float = float("nan")

    @property
    def success(self) -> bool:
        return bool(self.result.success)

    @property
    def status(self) -> str:
        return str(self.result.status)

    @property
    def objective(self) -> float:
        return float(self.result.objective) if self.success else float("nan")


def integrated_baseline(net=None, repeats: int = 3, *, solve: Callable[[], Any] | None = None,
                        build_time_s: float = float("nan"), builds: int = 1) -> Baseline:
    """The benchmark every method is compared with, timed by `timed`: the integrated AC-OPF of ``net`` (built here),
    or ``solve()`` of a model built by the caller (e.g. one with scenario loads; pass its ``build_time_s``).

    builds: how many times the model of ``net`` is built, its build time the fastest (the last one built is
    solved). One (the default) where the build is set beside another build made once (the TSO's, chapters 05 and
    06); ``repeats`` where a whole run, build included, is set against the fastest of as many whole runs (chapter 07:
    noise only adds time, so a build timed once would read longer than the other side's)."""
    if solve is None:
        from forlab.opf.acopf import ACOPF

        build_time_s = float("inf")
        for _ in range(max(int(builds), 1)):
            t0 = time.perf_counter()
            model = ACOPF(net)
            build_time_s = min(build_time_s, time.perf_counter() - t0)
        solve = model.solve
    t = timed(solve, repeats)
    return Baseline(t.result, t.solve_time_s, t.wall_time_s, float(build_time_s))


# ----------------------------------------------------------------------------------------------------------------------
# the record
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One case of one method (module docstring; units in `OUTCOME`)."""

    deviation_pct: float
    feasible: bool
    max_violation: float
    status: str
    solve_time_s: float
    wall_time_s: float
    offline_time_s: float
    bytes_exchanged: float
    rounds: int
    cost: float
    integrated_cost: float
    integrated_solve_time_s: float
    integrated_wall_time_s: float

    @property
    def ok(self) -> bool:
        """Every solve succeeded and the T+D power flow converged."""
        return self.status == "ok"

    def as_dict(self) -> dict:
        return asdict(self)


def failed_status(parts: Mapping[str, tuple[bool, str]]) -> str:
    """"ok" when every part succeeded, else "<part> failed: <its status>" for each failed part, joined by "; "."""
    bad = [f"{name} failed: {status}" for name, (success, status) in parts.items() if not bool(success)]
    return "; ".join(bad) if bad else "ok"


def method_verdict_kept(status: str) -> bool:
    """Whether an outcome with this ``status`` keeps the method's own verdict (``feasible``, ``max_violation``): it
    is "ok", or only the integrated solve failed (`judged_outcome`; `failed_status` names each failed part)."""
    return all(part.startswith("integrated failed:") for part in str(status).split("; ")) or status == "ok"


def judged_outcome(verdict: dict | None, baseline: Baseline, parts: Mapping[str, tuple[bool, str]], *,
                   solve_time_s: float, wall_time_s: float, offline_time_s: float = float("nan"),
                   bytes_exchanged: float = float("nan"), rounds: int = 1) -> Outcome:
    """The outcome of a method's judged dispatch: ``verdict`` from `forlab.opf.judge.judge` (None: no dispatch to
    judge, because a solve failed before it), the integrated ``baseline``, and ``parts``: every solve of the method,
    name -> (success, solver status). The integrated solve and the power flow join the parts; any failure makes the
    deviation NaN (the status names it). A failure of the method itself (or of the power flow) also makes the
    outcome infeasible and its online times NaN (a failed case has no time); a failure of the integrated solve makes
    the integrated cost and times NaN and leaves the method's own verdict and times. Times by the rule (`timed`,
    `parallel`, `sequential`) as the caller computed them."""
    every = {"integrated": (baseline.success, baseline.status), **parts}
    if verdict is not None:
        every["T+D power flow"] = (bool(verdict["converged"]), "did not converge")
    elif failed_status(every) == "ok":  # nothing failed, yet there is no dispatch: say so
        every["T+D power flow"] = (False, "no dispatch to judge")
    status = failed_status(every)
    method_ok = failed_status({k: v for k, v in every.items() if k != "integrated"}) == "ok"
    cost = float(verdict["total_cost"]) if verdict is not None and verdict["converged"] else float("nan")
    nan = float("nan")
    return Outcome(
        deviation_pct=deviation(cost, baseline.objective) if status == "ok" else nan,
        feasible=bool(method_ok and verdict is not None and verdict["feasible"]),
        max_violation=float(verdict.get("max_violation_pu", np.nan)) if verdict is not None else nan,
        status=status, solve_time_s=float(solve_time_s) if method_ok else nan,
        wall_time_s=float(wall_time_s) if method_ok else nan,
        offline_time_s=float(offline_time_s), bytes_exchanged=float(bytes_exchanged), rounds=int(rounds),
        cost=cost, integrated_cost=baseline.objective,
        integrated_solve_time_s=baseline.solve_time_s if baseline.success else nan,
        integrated_wall_time_s=baseline.wall_time_s if baseline.success else nan)
