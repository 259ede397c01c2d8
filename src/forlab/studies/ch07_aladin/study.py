"""The runs of chapter 07's case study: ALADIN on several systems and execution modes, a latency sweep, ADMM.

`run(params)` checks the notebook's parameters (`check_params`) and calls `run_study`, which loads the systems
(`forlab.studies.ch07_aladin.systems.load_systems`), makes the in-process runs (`run_inprocess`) and the Dask
runs with the latency sweep (`run_dask`), judges every run against the integrated baseline (`judged_run`) and
returns the chapter's store (`forlab.studies.ch07_aladin.store.to_store`; its layout is in that module's
docstring). `Recorder` keeps the runs in the order they were made and reports each.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.parallel import check_address
from forlab.book.progress import line as terminal_line
from forlab.book.runner import check_types
from forlab.opf.outcome import Baseline
from forlab.p3_aladin import ADMMOptions, ALADINOptions, ALADINResult, run_admm, run_aladin
from forlab.p3_aladin.opf_regions import region
from forlab.studies.ch07_aladin.readers import RAISED, STATUS_WORDS, raised, run_label
from forlab.studies.ch07_aladin.store import JUDGED, ONLINE_TIMES, REPEAT_TIMES, to_store
from forlab.studies.ch07_aladin.systems import (
    ADMM_ALL,
    BASELINE_REPEATS,
    admm_max_iter_for,
    central_timer,
    check_spec,
    load_systems,
)
from forlab.studies.outcomes import aladin_outcome, aladin_seconds, aladin_split, each_repeat, error_text

__all__ = ["PARAMETER_TYPES", "Recorder", "central_only", "check_params", "failed_run", "fastest_run",
           "inprocess_systems", "judged_run", "online_times", "paired_runs", "run", "run_dask", "run_inprocess",
           "run_study"]


#: the chapter's parameters and their types (the notebook's ``parameters`` cell; `forlab.book.runner.check_types`)
PARAMETER_TYPES = {"systems": (list, str), "growth_systems": (list, str), "modes": (list, str),
                   "latencies_ms": (list, float), "latency_system": str, "kkt_systems": (list, str),
                   "admm_system": str, "admm_max_iter": int, "max_iter": int, "extended_max_iter": int,
                   "n_workers": int, "scheduler": str}


SCHEDULER_EMPTY = "no given scheduler: the Dask modes on a local cluster of n_workers, and no mode 'scheduler'"
"""What ``scheduler = ""`` means in this chapter (`run`), said where a bad address is refused."""


def check_params(params: dict) -> None:
    """Reject missing or unknown parameters, wrong types, unknown execution modes and systems, an empty ``modes``
    or ``systems``, out-of-range counts and a ``scheduler`` that is no Dask scheduler address
    (`forlab.book.parallel.check_address`, the rule the connection applies) (`TypeError` / `ValueError`, one line
    naming the parameter and what it accepts)."""
    check_types(params, PARAMETER_TYPES, "07_aladin")  # an unknown or missing one too (`runner.check_names`)
    if not params["modes"]:
        raise ValueError("modes is empty: name at least one execution mode of 'inprocess', 'dask', 'scheduler' "
                         "(the store's main runs are made in them), e.g. ['inprocess']")
    bad = [m for m in params["modes"] if m not in ("inprocess", "dask", "scheduler")]
    if bad:
        raise ValueError(f"modes must be 'inprocess', 'dask' or 'scheduler', not {bad}")
    if "scheduler" in params["modes"] and not params["scheduler"]:
        raise ValueError("modes contains 'scheduler' but the parameter scheduler is empty: give the Dask scheduler's address")
    check_address(params["scheduler"], name="scheduler", empty=SCHEDULER_EMPTY)
    if not params["systems"]:
        raise ValueError("systems is empty: name at least one system, e.g. ['53-I']")
    for name, low in (("max_iter", 1), ("admm_max_iter", 1), ("n_workers", 1), ("extended_max_iter", 0)):
        if params[name] < low:
            raise ValueError(f"{name} must be >= {low}, not {params[name]}")
    lat = params["latencies_ms"]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < float("inf") for v in lat):
        raise ValueError(f"latencies_ms must hold finite numbers >= 0 (ms), not {lat}")
    for name in ("systems", "growth_systems", "kkt_systems"):
        for spec in params[name]:
            check_spec(spec, name)
    check_spec(params["latency_system"], "latency_system")
    if params["admm_system"] != ADMM_ALL:
        check_spec(params["admm_system"], "admm_system")


def run(params: dict, progress=terminal_line) -> xr.Dataset:
    """The chapter's store from its parameters (the notebook's ``PARAMS``): `check_params`, then `run_study`
    (``scheduler`` "" means a local cluster)."""
    check_params(params)
    return run_study(params["systems"], params["modes"], params["latencies_ms"], params["latency_system"],
                     params["kkt_systems"], params["admm_system"], growth_systems=params["growth_systems"],
                     max_iter=params["max_iter"],
                     admm_max_iter=params["admm_max_iter"], n_workers=params["n_workers"],
                     address=params["scheduler"] or None, extended_max_iter=params["extended_max_iter"],
                     progress=progress)


class Recorder:
    """The runs of the study in the order they were made: (system, mode, one-way latency in ms, result), and beside
    each its repeats' times paired with the centralized AC-OPF's (``pairs``, `paired_runs`; ``central``: per
    system, the timer of one centralized build and solve, `forlab.studies.ch07_aladin.systems.central_timer`). Every
    run is timed by the rule the centralized AC-OPF is timed by (`fastest_run`). A run that raises (a region that
    fails or times out, `forlab.p3_aladin.RegionFailed`, or any other error) is recorded as a failed run
    (`failed_run`) and the study goes on: a failure is a result, never the end of the sweep."""

    def __init__(self, reference: dict[str, float], progress=terminal_line,
                 central: dict[str, Callable[[], tuple[float, float]]] | None = None):
        self.results: list[tuple[str, str, float, ALADINResult]] = []
        self.pairs: list[np.ndarray] = []
        self.reference = reference
        self.progress = progress
        self.central = central or {}

    def __call__(self, spec: str, mode: str, lat: float, run_once: Callable[[], ALADINResult],
                 options: ALADINOptions | ADMMOptions) -> None:
        try:
            res, pairs = paired_runs(run_once, BASELINE_REPEATS, self.central.get(spec))
        except Exception as err:  # noqa: BLE001 - a run that raises is a failed run, recorded as such
            res = failed_run(options, mode, self.reference[spec], err)
            pairs = central_only(self.central.get(spec))
        self.results.append((spec, mode, lat, res))
        self.pairs.append(pairs)
        row = SimpleNamespace(algorithm=res.algorithm, qp=res.options.get("qp", ""), mode=mode, latency_ms=lat)
        done = "" if res.converged else f" ({STATUS_WORDS.get(res.status, res.status)})"
        self.progress(f"{spec}, {run_label(row)}: {res.iterations} rounds, gap {res.gap:.1e}, "
                      f"{res.total_s:.2f} s{done}")


def failed_run(options: ALADINOptions | ADMMOptions, mode: str, reference: float, err: BaseException) -> ALADINResult:
    """The result of a run that raised ``err``: not converged, no rounds, no objective, an empty log, its status
    "error: <type>: <message> (<file>:<line>)" (`forlab.studies.outcomes.error_text`, as chapters 08 and 12 record
    a method that raised); `judged_run` makes it a failed case."""
    nan = float("nan")
    return ALADINResult(algorithm="admm" if isinstance(options, ADMMOptions) else "aladin", mode=mode,
                        converged=False, iterations=0, objective=nan, reference=reference, log=pd.DataFrame(),
                        messages=pd.DataFrame(), xs=[], regions=[], workers=[], setup_s=nan, total_s=nan,
                        options=options.to_dict() | {"cost_scale_used": nan}, status=RAISED + error_text(err))


def central_only(central: Callable[[], tuple[float, float]] | None) -> np.ndarray:
    """The repeats' times of a run whose first call raised (`paired_runs` then raises): the centralized halves timed
    as `paired_runs` times them, the run's own NaN, so that the failed case keeps its baseline."""
    return np.array([list(_beside(central).values()) for _ in range(BASELINE_REPEATS)])


def _beside(central: Callable[[], tuple[float, float]] | None) -> dict[str, float]:
    """One repeat's `forlab.studies.ch07_aladin.store.REPEAT_TIMES`, its centralized halves timed by ``central()``
    just now (NaN without a timer) and the run's own left NaN."""
    times = dict.fromkeys(REPEAT_TIMES, np.nan)
    if central is not None:
        times["central_wall_s"], times["central_time_s"] = central()
    return times


def fastest_run(run_once: Callable[[], ALADINResult], repeats: int = BASELINE_REPEATS) -> ALADINResult:
    """The fastest whole run (set-up plus rounds) of ``repeats`` calls of ``run_once()`` that end as the first
    (same rounds and status): the rule the centralized AC-OPF it is set against is timed by (the fastest of
    `BASELINE_REPEATS` builds and of as many solves, `forlab.opf.outcome.integrated_baseline`: noise on a shared
    machine only adds time). ALADIN's and ADMM's runs start from the same point and take the same iterates,
    in-process and on Dask alike (``tests/test_aladin.py``), so the one kept differs from the others only in its
    times. A first run that
    raises, raises; a repeat that raises (a region's timeout on a loaded machine) did not end as the first and is
    left out."""
    return paired_runs(run_once, repeats)[0]


def paired_runs(run_once: Callable[[], ALADINResult], repeats: int = BASELINE_REPEATS,
                central: Callable[[], tuple[float, float]] | None = None) -> tuple[ALADINResult, np.ndarray]:
    """`fastest_run`, with every repeat timed beside the centralized AC-OPF: one ``central()`` (a centralized
    build and solve, and that solve's solver time, s: `forlab.studies.ch07_aladin.systems.central_timer`) just
    before each call of ``run_once()``. Returns the fastest run and, per repeat, its times in the columns of
    `forlab.studies.ch07_aladin.store.REPEAT_TIMES` (its online times by the one rule from its own log, of which only
    the fastest run's is kept: `online_times`): NaN where the repeat raised or did not end as the first (the
    centralized columns are kept even then), and in the centralized columns without ``central``.

    Why pairs: the fastest-of-N rule takes the centralized AC-OPF when the study loads its systems and the run
    minutes later, and on a shared machine the speed drifts in between (issue 17, case300 in 4 areas: the same 15
    rounds on Dask took 1.4 to 2.0 s, set-up included, over eight runs within two minutes on an idle machine; its
    centralized baseline took 0.13 s in one archived store and 0.18 s in the one before). A pair is timed under
    the same load, so the spread of its ratios over the repeats shows how far that noise moves the ratio the
    chapter judges."""
    # the one loop of a repeated run, chapters 08's and 12's too (`forlab.studies.outcomes.repeated_runs`)
    done = each_repeat(run_once, repeats, lambda: _beside(central))
    for times, res in done:  # a repeat that raised or ended otherwise keeps its centralized times: the baseline's
        if res is not None:
            times["wall_s"] = res.setup_s + res.total_s
            times.update(online_times(res.log))
    best = min((res for _, res in done if res is not None), key=lambda r: r.setup_s + r.total_s)
    return best, np.array([list(times.values()) for times, _ in done])


def online_times(log: pd.DataFrame) -> dict[str, float]:
    """A run's online times by the one rule from its own log (`forlab.studies.outcomes.aladin_seconds` and
    `aladin_split`), by their `forlab.studies.ch07_aladin.store.ONLINE_TIMES` names; NaN for a log without rounds."""
    if not len(log):
        return dict.fromkeys(ONLINE_TIMES, np.nan)
    return dict(zip(ONLINE_TIMES, (*aladin_seconds(log), *aladin_split(log)), strict=True))


def inprocess_systems(params: dict) -> list[str]:
    """The systems `run_inprocess` runs the book's ALADIN on (in-process, no latency, the chapter's round limit) with
    the chapter's parameters ``params``, in the order it first runs them: every one of ``systems`` when ``modes``
    holds "inprocess", and every growth, KKT and ADMM system, each of which it runs with the book's ALADIN too.
    Chapter 09 reads its ALADIN rows from these runs and checks its ``system`` against them before a kernel starts
    (`forlab.studies.ch09_comparison.check_params`)."""
    systems = params["systems"]
    admm = systems if params["admm_system"] == ADMM_ALL else [params["admm_system"]]
    main = systems if "inprocess" in params["modes"] else []
    return list(dict.fromkeys([*main, *params["growth_systems"], *params["kkt_systems"], *admm]))


def run_inprocess(record: Recorder, nets: dict, parts: dict, ref: dict, systems: list[str], modes: list[str],
                  kkt_systems: list[str], admm_system: str, max_iter: int, admm_max_iter: int,
                  extended_max_iter: int, growth_systems: tuple[str, ...] = ()) -> None:
    """The in-process runs: ALADIN on every system and every growth system, ALADIN-alpha's QP on ``kkt_systems``,
    the longer re-runs of the systems that did not converge, ALADIN and ADMM on ``admm_system`` (ADMM capped by
    `admm_max_iter_for`)."""
    aladin = ALADINOptions(max_iter=max_iter)

    def local(spec: str, opts: ALADINOptions):
        return (lambda: run_aladin(nets[spec], parts[spec], opts, reference=ref[spec])), opts  # as `Recorder` takes

    for spec in systems:
        if "inprocess" in modes:
            record(spec, "inprocess", 0.0, *local(spec, aladin))
    for spec in growth_systems:
        if spec not in systems or "inprocess" not in modes:
            record(spec, "inprocess", 0.0, *local(spec, aladin))
    for spec in kkt_systems:
        if spec not in systems or "inprocess" not in modes:
            record(spec, "inprocess", 0.0, *local(spec, aladin))
        record(spec, "inprocess", 0.0, *local(spec, ALADINOptions(max_iter=max_iter, qp="kkt")))
    if extended_max_iter > max_iter:
        for spec, mode, _lat, res in record.results[:]:  # a copy: record() appends
            if res.algorithm == "aladin" and res.options["qp"] == "reduced" and mode == "inprocess" \
                    and not res.converged:
                record(spec, "inprocess", 0.0, *local(spec, ALADINOptions(max_iter=extended_max_iter)))
    for spec in (systems if admm_system == ADMM_ALL else [admm_system]):
        if spec not in systems or "inprocess" not in modes:
            record(spec, "inprocess", 0.0, *local(spec, aladin))
        admm = ADMMOptions(max_iter=admm_max_iter_for(parts[spec].model.nb, admm_max_iter))
        record(spec, "inprocess", 0.0, lambda spec=spec, admm=admm: run_admm(nets[spec], parts[spec], admm,
                                                                            reference=ref[spec]), admm)


EXECUTION_MODES = {"dask": "dask", "scheduler": "address"}
"""The chapter's Dask modes and the `forlab.p3_aladin.execution` mode each runs in: "scheduler" is that module's
"address" (an existing scheduler; the client made here from the parameter ``scheduler`` is handed to the run)."""


def run_dask(record: Recorder, nets: dict, parts: dict, ref: dict, systems: list[str], modes: list[str],
             latencies_ms: list[float], latency_system: str, max_iter: int, n_workers: int,
             address: str | None) -> None:
    """The Dask runs: ALADIN on every system in every Dask mode, and the latency sweep on ``latency_system``
    (0 ms: plain "dask", > 0: "wan") on the local cluster."""
    aladin = ALADINOptions(max_iter=max_iter)
    dask_modes = [m for m in modes if m in ("dask", "scheduler")]
    if not (dask_modes or latencies_ms):
        return
    from forlab.book.parallel import client as dask_client
    from forlab.book.parallel import preload

    for mode in dict.fromkeys(["dask" if latencies_ms else None, *dask_modes]):
        if mode is None:
            continue
        with dask_client(address=address if mode == "scheduler" else None, n_workers=n_workers) as c:
            preload(c, region.__name__)  # the regions' set-up is then timed as the centralized build: imports paid
            if mode in dask_modes:
                for spec in systems:
                    record(spec, mode, 0.0, lambda spec=spec, mode=mode: run_aladin(
                        nets[spec], parts[spec], aladin, reference=ref[spec], client=c,
                        mode=EXECUTION_MODES[mode]), aladin)
            if mode != "dask":
                continue
            for lat in latencies_ms:
                if lat == 0 and "dask" in dask_modes and latency_system in systems:
                    continue
                m = "wan" if lat > 0 else "dask"
                record(latency_system, m, float(lat), lambda m=m, lat=lat: run_aladin(
                    nets[latency_system], parts[latency_system], aladin, reference=ref[latency_system], client=c,
                    mode=m, latency_ms=float(lat)), aladin)


def run_study(
    systems: list[str],
    modes: list[str],
    latencies_ms: list[float],
    latency_system: str,
    kkt_systems: list[str],
    admm_system: str,
    growth_systems: tuple[str, ...] = (),
    max_iter: int = 30,
    admm_max_iter: int = 1000,
    n_workers: int = 2,
    address: str | None = None,
    extended_max_iter: int = 0,
    progress=terminal_line,
) -> xr.Dataset:
    """Run the chapter's case study and return its store (module docstring).

    systems x modes: ALADIN (default options, ``max_iter``) on every system in every mode ("inprocess", "dask",
        "scheduler": an existing scheduler at ``address``). Every run of the study is the fastest of
        `BASELINE_REPEATS` (`fastest_run`, the centralized AC-OPF's rule).
    growth_systems: systems run in-process only, ALADIN with the default options: more members of the systems'
        families (`forlab.studies.ch07_aladin.systems.family`), within which the coordinator's growth is fitted.
    latencies_ms: one-way latencies of the sweep on ``latency_system`` (0: plain "dask", > 0: "wan").
    kkt_systems: systems also run with ALADIN-alpha's QP (``qp="kkt"``), in-process (and with the default QP).
    admm_system: the system of the ALADIN-ADMM comparison (ADMM in-process, ``admm_max_iter`` rounds at most);
        ``"all"``: every system of ``systems``.
    n_workers: workers of the local Dask cluster of the Dask modes.
    extended_max_iter: when > max_iter, every system whose in-process ALADIN run did not converge within
        ``max_iter`` is run again with this limit (to show how many rounds it needs).
    """
    admm = [] if admm_system == ADMM_ALL else [admm_system]
    specs = list(dict.fromkeys([*systems, *growth_systems, latency_system, *kkt_systems, *admm]))
    nets, parts, bases, sysrows, arearows = load_systems(specs, progress)
    ref = {r["spec"]: r["central_objective"] for r in sysrows}
    record = Recorder(ref, progress, {spec: central_timer(nets[spec]) for spec in specs})
    run_inprocess(record, nets, parts, ref, systems, modes, kkt_systems, admm_system, max_iter, admm_max_iter,
                  extended_max_iter, growth_systems)
    run_dask(record, nets, parts, ref, systems, modes, latencies_ms, latency_system, max_iter, n_workers, address)
    judged = [judged_run(nets[spec], parts[spec], res, bases[spec]) for spec, _m, _l, res in record.results]
    return to_store(sysrows, arearows, record.results, max_iter, admm_max_iter, judged, record.pairs)


def judged_run(net, part, res: ALADINResult, base: Baseline) -> dict:
    """One run's outcome record (`forlab.studies.outcomes.aladin_outcome`, the adapter chapter 08 uses): its last
    local solutions judged by the T+D power flow against the integrated ``base``, every solve's status, online time
    by the rule from its per-round log (one run: N = 1). A run that raised (`failed_run`) is a failed case with its
    error as the status; a judge that cannot run is the run's status, never a crash of the study."""
    if raised(res.status):
        return _failed_case(res.status)
    try:
        oc, _ = aladin_outcome(net, part, [res], base)
    except Exception as err:  # noqa: BLE001 - a run that cannot be judged is a failed case, shown as such
        return _failed_case(f"judge failed: {type(err).__name__}: {err}"[:300])
    return {k: getattr(oc, k) for k in JUDGED}


def _failed_case(status: str) -> dict:
    """The judged fields of a failed case: no deviation, not feasible, no times, the ``status`` saying why."""
    nan = float("nan")
    return {"deviation_pct": nan, "feasible": False, "max_violation": nan, "solve_time_s": nan,
            "wall_time_s": nan, "cost": nan, "status": status}
