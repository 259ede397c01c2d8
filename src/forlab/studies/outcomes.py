"""P3's adapter to the one outcome record (issue 15): an ALADIN (or ADMM) run judged like P1 and P2.

`forlab.opf.outcome` holds the record and the timing rule; P1 and P2 fill it in their own packages
(`forlab.p1_for.coordinate`, `forlab.p2_surrogate.tso`). ALADIN's result knows nothing of the T+D power flow, so
the studies that run it (chapters 07 and 08) turn a run into an `Outcome` here, one way for both: the regions' last
local solutions merged into one dispatch and judged by `forlab.opf.judge.judge`, the signed deviation of that judged
dispatch against the integrated optimum, every solve's status, and the online time by the rule (per round the
slowest region and the coordinator, plus the communication for the wall time; rounds add up).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forlab.book.tables import clipped
from forlab.opf.judge import judge
from forlab.opf.outcome import Outcome, judged_outcome, sequential

__all__ = ["aladin_dispatch", "aladin_outcome", "aladin_parts", "aladin_seconds", "aladin_split", "alike_runs",
           "each_repeat", "ended_alike", "error_text", "fastest_alike", "repeated_runs"]


def error_text(err: BaseException, limit: int = 500) -> str:
    """A raised error as a study records it in place of a result: "<type>: <message> (<file>:<line>)" where it
    was raised, cut to ``limit`` characters (`forlab.book.tables.clipped`: a store's status column, never a
    traceback)."""
    tb = traceback.extract_tb(err.__traceback__)
    where = f" ({tb[-1].filename.split('/')[-1]}:{tb[-1].lineno})" if tb else ""
    return clipped(f"{type(err).__name__}: {err}{where}", limit)


def aladin_dispatch(part, xs: Sequence[np.ndarray]) -> pd.DataFrame:
    """The set-points of ALADIN's local solutions as a dispatch for `forlab.opf.judge.judge`: every unit's
    P (MW), Q (Mvar) and the voltage (p.u., degrees) of its bus, from each region's core values (`Partition.merge`)."""
    va, vm, pg, qg = part.merge(list(xs))
    m = part.model
    u = m.units
    bus = u["bus"].to_numpy(int)
    return pd.DataFrame({"et": u["et"].to_numpy(), "element": u["element"].to_numpy(int),
                         "p_mw": pg * m.base_mva, "q_mvar": qg * m.base_mva, "vm_pu": vm[bus],
                         "va_degree": np.rad2deg(va[bus])})


def aladin_seconds(log: pd.DataFrame) -> tuple[float, float]:
    """Online (solver, wall) seconds of one ALADIN run by the one rule (`forlab.opf.outcome`): per round the regions
    run in parallel, so the slowest region's local NLP and local reduction count (``local_s``, ``reduction_s``),
    then the coordinator (``coordinator_s``) and, for the wall time, the communication (``communication_s``); the
    rounds add up. A log written before those columns existed has ``local_s`` (NLP and reduction), ``qp_s`` and
    ``comm_s`` for the same parts."""
    coordinator, regions = aladin_split(log)
    comm = log["communication_s"] if "communication_s" in log else log["comm_s"]
    solve = coordinator + regions
    return solve, solve + sequential(comm)


def aladin_split(log: pd.DataFrame) -> tuple[float, float]:
    """`aladin_seconds`' solver time in its two parts, seconds: the coordinator's (its QP and step; a chapter's TSO
    column) and the regions' (per round the slowest local NLP and the slowest local reduction; the DSO column),
    each summed over the rounds, so that the two add up to it. The regions' part is over every region, the TS region
    included (the log's ``local_s`` and ``reduction_s`` are maxima over all regions), and the two maxima of a round
    may come from two regions."""
    coordinator = log["coordinator_s"] if "coordinator_s" in log else log["qp_s"]
    return sequential(coordinator), sequential(log["local_s"] + log.get("reduction_s", 0.0))


def aladin_parts(res) -> dict[str, tuple[bool, str]]:
    """Every solve of an ALADIN (or ADMM) run, as `forlab.opf.outcome.judged_outcome` parts: the run's own
    termination, every round's local NLPs and coupled QP (a log without ``nlp_ok`` / ``qp_status`` has nothing to
    say about them)."""
    log = res.log
    qp = log["qp_status"].astype(str) if "qp_status" in log else pd.Series([], dtype=str)
    bad_qp = qp[qp.str.startswith("qp_failed")]
    nlp_ok = bool(log["nlp_ok"].astype(bool).all()) if "nlp_ok" in log else True
    return {getattr(res, "algorithm", "") or "aladin": (bool(res.converged), str(res.status or "not converged")),
            "local NLPs": (nlp_ok, "a local NLP failed"),
            "coordinator QP": (bad_qp.empty, bad_qp.iloc[0] if len(bad_qp) else "")}


def ended_alike(first, run) -> bool:
    """Whether a repeat ``run`` of an ALADIN (or ADMM) run ended as ``first`` did: the same rounds and status. The
    ``ending`` of `forlab.opf.outcome.timed`'s rule for a repeated ALADIN run: a repeat that stopped elsewhere (a
    region's timeout on a loaded machine) would pass its time off as the first one's."""
    return (run.iterations, run.status) == (first.iterations, first.status)


def alike_runs(runs: Sequence) -> list:
    """The runs of ``runs`` (the same run repeated from the same start) that ended as the first did
    (`ended_alike`)."""
    return [r for r in runs if ended_alike(runs[0], r)]


def each_repeat(run_once, repeats: int, before=None) -> list[tuple]:
    """The one loop of a repeated run: ``run_once()`` called ``repeats`` times (at least once), ``before()`` (when
    given) just before each call; per repeat, what ``before()`` returned (None without it) and the run, None where
    the repeat raised or did not end as the first (`ended_alike`). A first run that raises, raises (the case is a
    failed one); a repeat that raises (a region's timeout on a loaded machine) did not end as the first. What
    ``before()`` returned is kept whatever the run did: chapter 07 times the centralized AC-OPF there, the baseline's
    time and not the run's (`forlab.studies.ch07_aladin.study.paired_runs`); chapters 08 and 12 keep the runs
    (`repeated_runs`)."""
    first, done = None, []
    for _ in range(max(int(repeats), 1)):
        ahead = None if before is None else before()
        try:
            run = run_once()
        except Exception:  # a first run that raises, raises; a repeat that raises did not end as the first
            if first is None:
                raise
            run = None
        if first is None:
            first = run
        done.append((ahead, run if run is not None and ended_alike(first, run) else None))
    return done


def repeated_runs(run_once, repeats: int) -> list:
    """The runs of `each_repeat` (``run_once()`` called ``repeats`` times) that ended as the first did, the first
    among them: those that raised or stopped elsewhere left out, as chapter 07's
    `forlab.studies.ch07_aladin.study.paired_runs` leaves them out (the same loop)."""
    return [run for _, run in each_repeat(run_once, repeats) if run is not None]


def fastest_alike(runs: Sequence):
    """The run whose solver time by the rule (`aladin_seconds`) is the smallest among those that ended as the first
    (`alike_runs`): the run whose time `aladin_outcome` records, and whose parts (`aladin_split`) a table splits."""
    return min(alike_runs(runs), key=lambda r: aladin_seconds(r.log)[0])


def aladin_outcome(net, part, runs: Sequence, baseline) -> tuple[Outcome, dict]:
    """P3's outcome record and the judge's verdict: the first of ``runs`` (the same run repeated from the same
    start; one run is N = 1) judged by the T+D power flow at its last local solutions (`aladin_dispatch`), its
    solver and wall time by the rule (`aladin_seconds`, the fastest of the runs that ended as the first did,
    `alike_runs`), bytes of every region's messages (the TS region's included), rounds = iterations, no offline
    work; ``baseline`` the integrated AC-OPF (`forlab.opf.outcome.integrated_baseline`)."""
    res = runs[0]
    times = [aladin_seconds(r.log) for r in alike_runs(runs)]
    verdict = judge(net, aladin_dispatch(part, res.xs))
    oc = judged_outcome(verdict, baseline, aladin_parts(res), solve_time_s=min(t[0] for t in times),
                        wall_time_s=min(t[1] for t in times), offline_time_s=0.0,
                        bytes_exchanged=float((res.log.bytes_up + res.log.bytes_down).sum()),
                        rounds=int(res.iterations))
    return oc, verdict
