"""The systems of chapter 07 by name: nets, partitions, centralized baselines, and ADMM's round caps.

System specifications: ``"case118:3"`` is a MATPOWER grid cut into 3 spectral areas (`forlab.grid.cases`),
``"case9+case33bw"`` an integrated T+D study system split into its zones, TS and one region per DS
(`forlab.grid.td`), ``"53-I"``, ``"418-3"``, ``"118X7"``, ``"1654-5"`` ... a multi-region system of the ALADIN
authors' rapidPF cut into its source cases (`forlab.grid.multiregion`).

`load` builds one system, `check_spec` checks a name without building it, `load_systems` builds every system
of a study with its integrated baseline (`forlab.opf.outcome.integrated_baseline`, the fastest of
`BASELINE_REPEATS` builds and of as many solves) and its ``sys_*`` and ``area_*`` rows of the store
(`forlab.studies.ch07_aladin.store`), `central_timer` times one more centralized build and solve beside a run's repeat.
`admm_max_iter_for` caps ADMM's rounds on the largest systems;
`family` names the family of systems a system belongs to (the coordinator's growth is fitted within each);
`quiet` silences pandapower's FutureWarnings in a chapter.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable

from forlab.book.progress import line as terminal_line
from forlab.opf.outcome import integrated_baseline, solver_seconds
from forlab.p3_aladin import Partition, partition

__all__ = ["ADMM_ALL", "ADMM_LARGE_BUSES", "ADMM_LARGE_MAX_ITER", "BASELINE_REPEATS", "FAMILY_WORDS",
           "admm_max_iter_for", "central_timer", "check_spec", "family", "load", "load_systems", "quiet"]


def load(spec: str) -> tuple[object, Partition]:
    """The pandapower net and the partition of a system specification (module docstring). The rapidPF systems are
    partitioned by zone, as the T+D systems are, so ALADIN's "auto" row weights are the admittance ones on both
    (`forlab.p3_aladin.opf_regions.problem.auto_scaling`), while its "auto" limit settings treat the rapidPF systems
    as transmission grids (`forlab.p3_aladin.opf_regions.problem.auto_limits`)."""
    from forlab.grid import multiregion

    if spec in multiregion.SYSTEMS:
        net = multiregion.load(spec)
        return net, partition(net, "zone")
    if "+" in spec:
        from forlab.grid import td

        net = td.load_system(spec).integrated()
        return net, partition(net, "zone")
    name, _, k = spec.partition(":")
    if not k:
        raise ValueError(f"a transmission grid needs its number of areas, e.g. '{name}:3', not {spec!r}")
    from forlab.grid import cases

    net = cases.load(name)
    return net, partition(net, "spectral", int(k))


def check_spec(spec, what: str = "systems") -> None:
    """ValueError unless ``spec`` names a system (module docstring), without building it (a MATPOWER case's bus
    count, against which its k areas are checked, comes from `forlab.grid.cases.summary`, cached for the run's own
    load). For ``what="admm_system"`` the message also names `ADMM_ALL`, which that parameter accepts besides a
    system."""
    from forlab.grid import cases, multiregion, td

    if not isinstance(spec, str):
        raise TypeError(f"{what} holds system names (str), not {type(spec).__name__}")
    if spec in multiregion.SYSTEMS:
        return
    if "+" in spec:  # a T+D system, as `load` reads it: named or composite (td.parse_system says what is wrong)
        try:
            td.parse_system(spec)
        except ValueError as err:
            raise ValueError(f"{what}: {err}") from None
        return
    name, _, k = spec.partition(":")
    if name in cases.available() and k.isdigit():
        buses = cases.summary(name)["buses"]
        if 1 <= int(k) <= buses:
            return
        # the partition refuses more areas than buses only when the run loads its systems, without the parameter
        raise ValueError(f"{what}: {spec!r} cuts {name} into {int(k)} areas, but k must be from 1 to the case's bus "
                         f"count ({buses})")
    every = f", or {ADMM_ALL!r} (every system of systems)" if what == "admm_system" else ""
    raise ValueError(f"{what}: unknown system {spec!r}; use 'case118:3' (a MATPOWER case in k areas, cases "
                     f"{', '.join(cases.available())}), a T+D system ({', '.join(td.available_systems())}, or "
                     f"composite: {td.SYSTEM_GRAMMAR}) or a multi-region system ({', '.join(multiregion.available())})"
                     f"{every}")


FAMILY_WORDS = {
    "tie": "one network, more ties between its regions",
    "area": "one network cut into more areas",
    "copy": "more copies of one network, tied to one another",
}
"""What varies along each kind of family (`family`): the coordinator's growth is fitted within a family, where the
coupling rows change and little else does ("tie", "area") or the system grows with them ("copy")."""


def family(spec: str) -> tuple[str, str] | None:
    """The family of a system and what varies along it (a key of `FAMILY_WORDS`), or None for a system of no family:
    ``"418-3"`` is of ``("418-k", "tie")`` (case300 and case118 with k of rapidPF's ties; ``"1654-k"`` and
    ``"2708-k"`` alike), ``"118X7"`` of ``("118Xn", "copy")``, ``"case300:4"`` of ``("case300:k", "area")``; the
    T+D systems and 53-I/53-II are of none."""
    if m := re.fullmatch(r"(\d+)-\d+", spec):
        return f"{m[1]}-k", "tie"
    if m := re.fullmatch(r"(\d+)X\d+", spec):
        return f"{m[1]}Xn", "copy"
    if m := re.fullmatch(r"(case\w+):\d+", spec):
        return f"{m[1]}:k", "area"
    return None


BASELINE_REPEATS = 3
"""Builds and solves of the centralized AC-OPF per system, the fastest of each counting
(`forlab.opf.outcome.integrated_baseline` with as many ``builds``); every ALADIN and ADMM run of the chapter is
timed as the fastest of this many whole runs, set-up included (`forlab.studies.ch07_aladin.study.fastest_run`)."""


ADMM_LARGE_BUSES = 1000
"""Systems with more buses than this run ADMM with at most `ADMM_LARGE_MAX_ITER` rounds (forlab's choice, issue 17:
ADMM's local NLPs on 1654-5 take seconds per round, so 1000 of them would take most of an hour; that it has
not converged there within the cap is then the recorded result). No system of the default or ``full`` profile is
that large."""


ADMM_LARGE_MAX_ITER = 50
"""ADMM's round cap on the systems above `ADMM_LARGE_BUSES` buses (or ``admm_max_iter`` when smaller)."""


def admm_max_iter_for(buses: int, admm_max_iter: int) -> int:
    """ADMM's round cap on a system of ``buses`` buses: ``admm_max_iter``, at most `ADMM_LARGE_MAX_ITER` above
    `ADMM_LARGE_BUSES` buses."""
    return admm_max_iter if buses <= ADMM_LARGE_BUSES else min(admm_max_iter, ADMM_LARGE_MAX_ITER)


ADMM_ALL = "all"
"""``admm_system`` value that runs ADMM on every system of ``systems`` (same partitions as ALADIN)."""


def load_systems(specs: list[str], progress=terminal_line) -> tuple[dict, dict, dict, list[dict], list[dict]]:
    """Nets, partitions and integrated baselines of every system (`forlab.opf.outcome.integrated_baseline`, the
    fastest of `BASELINE_REPEATS` builds and of as many solves), with their ``sys_*`` and ``area_*`` rows:
    ``central_time_s`` is the baseline's solver time, ``central_wall_s`` its fastest build plus its fastest wall
    time."""
    nets, parts, bases, sysrows, arearows = {}, {}, {}, [], []
    for spec in specs:
        net, part = load(spec)
        base = integrated_baseline(net, BASELINE_REPEATS, builds=BASELINE_REPEATS)
        obj, status = base.objective, base.status
        nets[spec], parts[spec], bases[spec] = net, part, base
        sysrows.append({"spec": spec, "buses": part.model.nb, "regions": part.n_regions,
                        "cut_branches": len(part.cut_branches), "central_objective": obj,
                        "central_time_s": base.solve_time_s, "central_status": status, "consensus_rows": part.n_cons,
                        "central_wall_s": base.build_time_s + base.wall_time_s})
        for region, row in part.summary().iterrows():
            arearows.append({"system": spec, "region": region, **row.to_dict()})
        progress(f"{spec}: {part.model.nb} buses, {part.n_regions} regions, centralized {obj:.2f} ({status})")
    return nets, parts, bases, sysrows, arearows


def central_timer(net) -> Callable[[], tuple[float, float]]:
    """A timer of one centralized AC-OPF of ``net``, a pair's centralized half. Each call builds the model and solves
    it twice from the power-flow start, the start computed between the build and the solves and not counted (the
    baseline's solves reuse the start their first solve computed, so it does not count it either: on case300 in 4
    areas the start takes about 0.07 s, its build and solve 0.15 s), and returns two times (s): the build plus the
    first solve (where ``central_wall_s``, `load_systems`, takes the fastest of `BASELINE_REPEATS` builds and
    solves), and the faster solver time of the two solves (`forlab.opf.outcome.solver_seconds`, as ``central_time_s``:
    repeated solves of one model, as `forlab.opf.outcome.timed` times P1's and P2's yardstick). Both are NaN when a
    solve failed or raised (a failed solve is never a time, and a timer that fails must not make the run it stands
    beside a failed run)."""
    from forlab.opf.acopf import ACOPF

    def once() -> tuple[float, float]:
        nan = (float("nan"), float("nan"))
        try:
            t0 = time.perf_counter()
            model = ACOPF(net)
            build_s = time.perf_counter() - t0
            start = model.initial_point("pf")
            t1 = time.perf_counter()
            first = model.solve(x0=start)
            wall_s = build_s + time.perf_counter() - t1
            second = model.solve(x0=start) if first.success else first
        except Exception:  # noqa: BLE001 - the pair's centralized half is missing, the run itself is unaffected
            return nan
        if not (first.success and second.success):
            return nan
        return wall_s, min(solver_seconds(first), solver_seconds(second))

    return once


def quiet():
    """Silence the FutureWarnings of pandapower that would clutter a chapter."""
    warnings.filterwarnings("ignore", category=FutureWarning)
