"""The case study of chapter 07: ALADIN on several systems and execution modes, a latency sweep, ADMM, one store.

`run(params)` (`run_study(...)`) runs everything the chapter shows and returns one xarray Dataset; the readers below
turn the store back into the tables the chapter prints, the figure functions draw them and the text helpers write
the chapter's result sentences, so that the notebook only calls and explains.

System specifications: ``"case118:3"`` is a MATPOWER grid cut into 3 spectral areas (`forlab.grid.cases`),
``"case9+case33bw"`` an integrated T+D study system split into its zones, TS and one region per DS
(`forlab.grid.td`), ``"53-I"``, ``"418-3"``, ``"118X7"``, ``"1654-5"`` ... a multi-region system of the ALADIN
authors' rapidPF cut into its source cases (`forlab.grid.multiregion`).

Store layout (dimensions and their variables):

* ``system``: ``sys_spec``, ``sys_buses``, ``sys_regions``, ``sys_cut_branches``, ``sys_central_objective`` (per hour),
  ``sys_central_time_s`` (Ipopt solve of the centralized AC-OPF, s), ``sys_central_status``, and since issue 17
  ``sys_consensus_rows`` (coupling rows of the partition), ``sys_central_wall_s`` (build and solve, s); since issue
  15 the centralized AC-OPF is the integrated baseline of every chapter (`forlab.opf.outcome.integrated_baseline`,
  fastest of `BASELINE_REPEATS` solves);
* ``area``: the partition, one row per (system, region): ``area_system``, ``area_region``, ``area_core_buses``,
  ``area_copy_buses``, ``area_branches``, ``area_cut_branches_owned``, ``area_units``, ``area_variables``,
  ``area_consensus_rows``;
* ``run``: one ALADIN or ADMM run: ``run_system``, ``run_algorithm`` ("aladin"/"admm"), ``run_qp`` (ALADIN's QP form,
  "" for ADMM), ``run_mode``, ``run_max_iter``, ``run_latency_ms``, ``run_converged``, ``run_termination`` (the
  algorithm's own stop), ``run_iterations``, ``run_objective``, ``run_reference``, ``run_gap``, ``run_consensus``,
  ``run_total_s``, ``run_setup_s``, ``run_cost_scale``, and the judged outcome record (`forlab.opf.outcome`, issue 15,
  `judged_run`): ``run_deviation_pct``, ``run_feasible``, ``run_max_violation``, ``run_status`` ("ok" or what
  failed), ``run_solve_time_s``, ``run_wall_time_s``, ``run_cost``; a store written before it has ALADIN's own stop
  in ``run_status`` and no judged fields (`termination` reads either);
* ``run`` x ``iteration``: the per-iteration log of every run (`forlab.p3_aladin.ITERATION_LOG`), prefixed ``it_``,
  NaN (or "" for text) after a run's last iteration; every column the runs' logs carry is kept, so the per-round
  timing of issue 17 (``it_local_s``, ``it_reduction_s``, ``it_coordinator_s``, ``it_communication_s``,
  ``it_round_wall_s``, ``it_nlp_ok``, ``it_qp_status``, ...) is stored where the algorithm logs it (older stores
  lack it: the readers fall back to ``it_qp_s`` and ``it_comm_s``);
* ``msg``: what crosses the wire in one iteration of the first in-process run of every system and algorithm:
  ``msg_run``, ``msg_region``, ``msg_direction``, ``msg_field``, ``msg_numbers``, ``msg_bytes``.

Every variable carries ``attrs["units"]`` (`UNITS`).
"""

from __future__ import annotations

import dataclasses
import json
import time
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors as registry
from forlab.book.tables import printable, table, to_dataset
from forlab.opf.outcome import OUTCOME, Baseline, integrated_baseline
from forlab.p3_aladin import (
    ITERATION_LOG,
    ADMMOptions,
    ALADINOptions,
    ALADINResult,
    Partition,
    partition,
    run_admm,
    run_aladin,
)
from forlab.studies.outcomes import aladin_outcome

ANCHOR_KEYS = ["powermodelsada_admm_case300_iterations", "powermodelsada_admm_case300_s",
               "powermodelsada_admm_case300_cores", "rapidpf_aladin_max_steps", "rapidpf_largest_buses", "aladin_coordinator_ms", "aladin_coordinator_slope", "aladin_slowdown",
               "aladin_max_rounds", "aladin_gap", "aladin_consensus"]
"""The published anchors (other groups' figures) and issue 17's targets the chapter compares with, from the
registry `forlab.book.anchors`; the store keeps them (``attrs["anchors"]``)."""

ISSUE17_TARGETS = {
    "coordinator_ms": {"value": registry.value("aladin_coordinator_ms"), "system": "case118+case533mt_hi",
                       "what": "coordinator time per round (ms) at most"},
    "coordinator_slope": {"value": registry.value("aladin_coordinator_slope"),
                          "what": "growth of the coordinator time with the coupling rows (log-log slope) at most"},
    "wall_ratio": {"value": registry.value("aladin_slowdown"), "systems": ["case300:4", "1654-5"],
                   "what": "whole-run wall time with parallel regions / centralized AC-OPF at most"},
    "rounds": {"value": registry.value("aladin_max_rounds"), "gap": registry.value("aladin_gap"),
               "consensus": registry.value("aladin_consensus"),
               "what": "rounds to the gap and consensus targets at most, every local solve succeeded"},
    "source": "forlab issue 17 (ALADIN that scales), section Targets",
}
"""The targets of issue 17 the chapter checks (set by the project, not published elsewhere)."""

LOG_COLUMNS = ("consensus", "power_mismatch", "step", "objective", "gap", "rho", "local_s", "nlp_s", "local_sum_s", "qp_s", "comm_s",
               "iter_s", "bytes_down", "bytes_up", "n_active", "nlp_iterations")


def load(spec: str) -> tuple[object, Partition]:
    """The pandapower net and the partition of a system specification (module docstring)."""
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
    """ValueError unless ``spec`` names a system (module docstring), without building it."""
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
    if name in cases.available() and k.isdigit() and int(k) >= 1:
        return
    raise ValueError(f"{what}: unknown system {spec!r}; use 'case118:3' (a MATPOWER case in k areas, cases "
                     f"{', '.join(cases.available())}), a T+D system ({', '.join(td.available_systems())}, or "
                     f"composite: {td.SYSTEM_GRAMMAR}) or a multi-region system ({', '.join(multiregion.available())})")


BASELINE_REPEATS = 3
"""Solves of the centralized AC-OPF per system; the fastest counts (`forlab.opf.outcome.integrated_baseline`, the
rule of every chapter)."""


# ---------------------------------------------------------------------------------------------------- the study
ADMM_LARGE_BUSES = 1000
"""Systems with more buses than this run ADMM with at most `ADMM_LARGE_MAX_ITER` iterations (forlab's choice, issue
17: ADMM's local NLPs on 1654-5 take seconds per iteration, so 1000 of them would take most of an hour; that it has
not converged there within the cap is then the recorded result). No system of the default or ``full`` profile is
that large."""

ADMM_LARGE_MAX_ITER = 50
"""ADMM's iteration cap on the systems above `ADMM_LARGE_BUSES` buses (or ``admm_max_iter`` when smaller)."""


def admm_max_iter_for(buses: int, admm_max_iter: int) -> int:
    """ADMM's iteration cap on a system of ``buses`` buses: ``admm_max_iter``, at most `ADMM_LARGE_MAX_ITER` above
    `ADMM_LARGE_BUSES` buses."""
    return admm_max_iter if buses <= ADMM_LARGE_BUSES else min(admm_max_iter, ADMM_LARGE_MAX_ITER)


ADMM_ALL = "all"
"""``admm_system`` value that runs ADMM on every system of ``systems`` (same partitions as ALADIN)."""

#: the chapter's parameters and their types (the notebook's ``parameters`` cell)
PARAMETER_TYPES = {"systems": list, "modes": list, "latencies_ms": list, "latency_system": str, "kkt_systems": list,
                   "admm_system": str, "admm_max_iter": int, "max_iter": int, "extended_max_iter": int,
                   "n_workers": int, "scheduler": str}


def check_params(params: dict) -> None:
    """Reject missing or unknown parameters, wrong types, unknown execution modes and systems, empty system lists
    and out-of-range counts (`TypeError` / `ValueError`, one line naming the parameter and what it accepts)."""
    for name, kind in PARAMETER_TYPES.items():
        if name not in params:
            raise ValueError(f"parameter {name!r} is missing")
        if not isinstance(params[name], kind) or (kind is int and isinstance(params[name], bool)):
            raise TypeError(f"parameter {name!r} must be a {kind.__name__}, not {type(params[name]).__name__}")
    extra = sorted(set(params) - set(PARAMETER_TYPES))
    if extra:
        raise ValueError(f"unknown parameters {extra}; the chapter takes {sorted(PARAMETER_TYPES)}")
    bad = [m for m in params["modes"] if m not in ("inprocess", "dask", "scheduler")]
    if bad:
        raise ValueError(f"modes must be 'inprocess', 'dask' or 'scheduler', not {bad}")
    if "scheduler" in params["modes"] and not params["scheduler"]:
        raise ValueError("modes contains 'scheduler' but the parameter scheduler is empty: give the Dask scheduler's address")
    if not params["systems"]:
        raise ValueError("systems is empty: name at least one system, e.g. ['53-I']")
    for name, low in (("max_iter", 1), ("admm_max_iter", 1), ("n_workers", 1), ("extended_max_iter", 0)):
        if params[name] < low:
            raise ValueError(f"{name} must be >= {low}, not {params[name]}")
    lat = params["latencies_ms"]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < float("inf") for v in lat):
        raise ValueError(f"latencies_ms must hold finite numbers >= 0 (ms), not {lat}")
    for name in ("systems", "kkt_systems"):
        for spec in params[name]:
            check_spec(spec, name)
    check_spec(params["latency_system"], "latency_system")
    if params["admm_system"] != ADMM_ALL:
        check_spec(params["admm_system"], "admm_system")


def run(params: dict, progress=print) -> xr.Dataset:
    """The chapter's store from its parameters (the notebook's ``PARAMS``): `check_params`, then `run_study`
    (``scheduler`` "" means a local cluster)."""
    check_params(params)
    return run_study(params["systems"], params["modes"], params["latencies_ms"], params["latency_system"],
                     params["kkt_systems"], params["admm_system"], max_iter=params["max_iter"],
                     admm_max_iter=params["admm_max_iter"], n_workers=params["n_workers"],
                     address=params["scheduler"] or None, extended_max_iter=params["extended_max_iter"],
                     progress=progress)


class Recorder:
    """The runs of the study in the order they were made: (system, mode, one-way latency in ms, result)."""

    def __init__(self, progress=print):
        self.results: list[tuple[str, str, float, ALADINResult]] = []
        self.progress = progress

    def __call__(self, spec: str, mode: str, lat: float, res: ALADINResult) -> None:
        self.results.append((spec, mode, lat, res))
        row = SimpleNamespace(algorithm=res.algorithm, qp=res.options.get("qp", ""), mode=mode, latency_ms=lat)
        done = "" if res.converged else f" ({STATUS_WORDS.get(res.status, res.status)})"
        self.progress(f"{spec}, {run_label(row)}: {res.iterations} it, gap {res.gap:.1e}, {res.total_s:.2f} s{done}")


def load_systems(specs: list[str], progress=print) -> tuple[dict, dict, dict, list[dict], list[dict]]:
    """Nets, partitions and integrated baselines of every system (`forlab.opf.outcome.integrated_baseline`, fastest
    of `BASELINE_REPEATS`), with their ``sys_*`` and ``area_*`` rows: ``central_time_s`` is the baseline's solver
    time, ``central_wall_s`` its build plus its fastest wall time."""
    nets, parts, bases, sysrows, arearows = {}, {}, {}, [], []
    for spec in specs:
        net, part = load(spec)
        base = integrated_baseline(net, BASELINE_REPEATS)
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


def run_inprocess(record: Recorder, nets: dict, parts: dict, ref: dict, systems: list[str], modes: list[str],
                  kkt_systems: list[str], admm_system: str, max_iter: int, admm_max_iter: int,
                  extended_max_iter: int) -> None:
    """The in-process runs: ALADIN on every system, ALADIN-alpha's QP on ``kkt_systems``, the longer re-runs of the
    systems that did not converge, ALADIN and ADMM on ``admm_system`` (ADMM capped by `admm_max_iter_for`)."""
    aladin = ALADINOptions(max_iter=max_iter)
    for spec in systems:
        if "inprocess" in modes:
            record(spec, "inprocess", 0.0, run_aladin(nets[spec], parts[spec], aladin, reference=ref[spec]))
    for spec in kkt_systems:
        if spec not in systems or "inprocess" not in modes:
            record(spec, "inprocess", 0.0, run_aladin(nets[spec], parts[spec], aladin, reference=ref[spec]))
        opts = ALADINOptions(max_iter=max_iter, qp="kkt")
        record(spec, "inprocess", 0.0, run_aladin(nets[spec], parts[spec], opts, reference=ref[spec]))
    if extended_max_iter > max_iter:
        for spec, mode, _lat, res in record.results[:]:  # a copy: record() appends
            if res.algorithm == "aladin" and res.options["qp"] == "reduced" and mode == "inprocess" \
                    and not res.converged:
                opts = ALADINOptions(max_iter=extended_max_iter)
                record(spec, "inprocess", 0.0, run_aladin(nets[spec], parts[spec], opts, reference=ref[spec]))
    for spec in (systems if admm_system == ADMM_ALL else [admm_system]):
        if spec not in systems or "inprocess" not in modes:
            record(spec, "inprocess", 0.0, run_aladin(nets[spec], parts[spec], aladin, reference=ref[spec]))
        cap = admm_max_iter_for(parts[spec].model.nb, admm_max_iter)
        record(spec, "inprocess", 0.0, run_admm(nets[spec], parts[spec], ADMMOptions(max_iter=cap),
                                                reference=ref[spec]))


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

    for mode in dict.fromkeys(["dask" if latencies_ms else None, *dask_modes]):
        if mode is None:
            continue
        with dask_client(address=address if mode == "scheduler" else None, n_workers=n_workers) as c:
            if mode in dask_modes:
                for spec in systems:
                    record(spec, mode, 0.0, run_aladin(nets[spec], parts[spec], aladin, reference=ref[spec],
                                                       client=c, mode=mode))
            if mode != "dask":
                continue
            for lat in latencies_ms:
                if lat == 0 and "dask" in dask_modes and latency_system in systems:
                    continue
                m = "wan" if lat > 0 else "dask"
                record(latency_system, m, float(lat),
                       run_aladin(nets[latency_system], parts[latency_system], aladin,
                                  reference=ref[latency_system], client=c, mode=m, latency_ms=float(lat)))


def run_study(
    systems: list[str],
    modes: list[str],
    latencies_ms: list[float],
    latency_system: str,
    kkt_systems: list[str],
    admm_system: str,
    max_iter: int = 30,
    admm_max_iter: int = 1000,
    n_workers: int = 2,
    address: str | None = None,
    extended_max_iter: int = 0,
    progress=print,
) -> xr.Dataset:
    """Run the chapter's case study and return its store (module docstring).

    systems x modes: ALADIN (default options, ``max_iter``) on every system in every mode ("inprocess", "dask",
        "scheduler": an existing scheduler at ``address``).
    latencies_ms: one-way latencies of the sweep on ``latency_system`` (0: plain "dask", > 0: "wan").
    kkt_systems: systems also run with ALADIN-alpha's QP (``qp="kkt"``), in-process (and with the default QP).
    admm_system: the system of the ALADIN-ADMM comparison (ADMM in-process, ``admm_max_iter`` iterations at most);
        ``"all"``: every system of ``systems``.
    n_workers: workers of the local Dask cluster of the Dask modes.
    extended_max_iter: when > max_iter, every system whose in-process ALADIN run did not converge within
        ``max_iter`` is run again with this limit (to show how many iterations it needs).
    """
    admm = [] if admm_system == ADMM_ALL else [admm_system]
    specs = list(dict.fromkeys([*systems, latency_system, *kkt_systems, *admm]))
    nets, parts, bases, sysrows, arearows = load_systems(specs, progress)
    ref = {r["spec"]: r["central_objective"] for r in sysrows}
    record = Recorder(progress)
    run_inprocess(record, nets, parts, ref, systems, modes, kkt_systems, admm_system, max_iter, admm_max_iter,
                  extended_max_iter)
    run_dask(record, nets, parts, ref, systems, modes, latencies_ms, latency_system, max_iter, n_workers, address)
    judged = [judged_run(nets[spec], parts[spec], res, bases[spec]) for spec, _m, _l, res in record.results]
    return to_store(sysrows, arearows, record.results, max_iter, admm_max_iter, judged)


def judged_run(net, part, res: ALADINResult, base: Baseline) -> dict:
    """One run's outcome record (`forlab.studies.outcomes.aladin_outcome`, the adapter chapter 08 uses): its last
    local solutions judged by the T+D power flow against the integrated ``base``, every solve's status, online time
    by the rule from its per-round log (one run: N = 1). A judge that cannot run is the run's status, never a
    crash of the study."""
    try:
        oc, _ = aladin_outcome(net, part, [res], base)
    except Exception as err:  # noqa: BLE001 - a run that cannot be judged is a failed case, shown as such
        nan = float("nan")
        return {"deviation_pct": nan, "feasible": False, "max_violation": nan, "solve_time_s": nan,
                "wall_time_s": nan, "cost": nan, "status": f"judge failed: {type(err).__name__}: {err}"[:300]}
    return {k: getattr(oc, k) for k in JUDGED}


JUDGED = ("deviation_pct", "feasible", "max_violation", "status", "solve_time_s", "wall_time_s", "cost")
"""The outcome fields (`forlab.opf.outcome.OUTCOME`) stored per run, as ``run_<field>``."""


def _run_row(spec: str, mode: str, lat: float, res: ALADINResult, judged: dict) -> dict:
    """The ``run_*`` row of one run: the algorithm's own result (``termination``: its stop, "converged",
    "max_iter", ...) and its judged outcome (``judged``, `judged_run`; ``status`` "ok" or what failed)."""
    return {"system": spec, "algorithm": res.algorithm, "qp": res.options.get("qp", ""), "mode": mode,
            "max_iter": res.options["max_iter"], "latency_ms": lat, "converged": bool(res.converged),
            "termination": res.status, "iterations": res.iterations, "objective": res.objective,
            "reference": res.reference, "gap": res.gap, "consensus": res.consensus, "total_s": res.total_s,
            "setup_s": res.setup_s, "cost_scale": res.options["cost_scale_used"], **judged}


def _message_rows(results) -> list[dict]:
    """The ``msg_*`` rows: the messages of the first in-process run of every (system, algorithm, QP form)."""
    rows, seen = [], set()
    for k, (spec, mode, _lat, res) in enumerate(results):
        key = (spec, res.algorithm, res.options.get("qp", ""))
        if mode == "inprocess" and key not in seen:
            seen.add(key)
            for row in res.messages.itertuples():
                rows.append({"run": k, "region": row.region, "direction": row.direction, "field": row.field,
                             "numbers": row.numbers, "bytes": row.bytes})
    return rows


def _logs(results) -> dict[str, np.ndarray]:
    """The per-iteration logs of all runs as (run x iteration) arrays, one per column any run's log carries
    (`LOG_COLUMNS` first, in their order): NaN after a run's last iteration and where a run's log lacks the column;
    text columns (``qp_status``) as str, "" there."""
    n_it = max(res.iterations for *_, res in results)
    present = [c for c in dict.fromkeys([*LOG_COLUMNS, *ITERATION_LOG]) if any(c in r.log for *_, r in results)]
    out = {}
    for c in present:
        text = any(c in r.log and r.log[c].dtype == object for *_, r in results)
        arr = np.full((len(results), n_it), "" if text else np.nan, dtype=object if text else float)
        for k, (*_, res) in enumerate(results):
            if c in res.log:
                col = res.log[c].iloc[: res.iterations]
                arr[k, : len(col)] = col.astype(str).to_numpy() if text else col.to_numpy(float)
        out[c] = arr.astype(str) if text else arr
    return out


UNITS = {
    "sys_spec": "-", "sys_central_objective": "$/h", "sys_central_time_s": "s", "sys_central_wall_s": "s",
    "sys_central_status": "-", "area_system": "-", "area_region": "-", "run_system": "-", "run_algorithm": "-",
    "run_qp": "-", "run_mode": "-", "run_status": "-", "run_latency_ms": "ms", "run_objective": "$/h",
    "run_reference": "$/h", "run_gap": "1", "run_consensus": "rad, p.u.", "run_total_s": "s", "run_setup_s": "s",
    "run_cost_scale": "1", "msg_region": "-", "msg_direction": "-", "msg_field": "-", "msg_bytes": "bytes",
    "it_consensus": "rad, p.u.", "it_power_mismatch": "p.u.", "it_step": "rad, p.u.", "it_objective": "$/h",
    "it_qp_status": "-", "it_qp_path": "-", "it_bytes_down": "bytes", "it_bytes_up": "bytes", "run_termination": "-",
    **{f"run_{k}": OUTCOME[k][1] for k in JUDGED},
}
"""Units of the store's variables (``attrs["units"]``): costs of the MATPOWER cases in $/h, angles rad, magnitudes
and powers p.u.; ``it_*_s`` seconds; every other variable a count, flag or ratio ("1")."""


def units_of(name: str) -> str:
    """The units of store variable ``name`` (`UNITS`; "s" for times, "1" otherwise)."""
    if name in UNITS:
        return UNITS[name]
    return "s" if name.endswith("_s") else "1"


def to_store(sysrows, arearows, results, max_iter, admm_max_iter, judged: list[dict]) -> xr.Dataset:
    """The chapter's store (module docstring) from the system and area rows, the recorded runs and their judged
    outcomes (`judged_run`, one per run)."""
    logs = _logs(results)
    n_it = next(iter(logs.values())).shape[1]
    rows = pd.DataFrame([_run_row(*r, j) for r, j in zip(results, judged)])
    rows["feasible"] = rows.feasible.astype(int)  # 1/0, as every outcome store
    tables = [to_dataset(pd.DataFrame(sysrows), "system", "sys_"), to_dataset(pd.DataFrame(arearows), "area", "area_"),
              to_dataset(rows, "run", "run_")]
    data = {k: v for t in tables for k, v in t.data_vars.items()}
    data.update({f"it_{c}": (("run", "iteration"), v, {"long_name": ITERATION_LOG.get(c, c)})
                 for c, v in logs.items()})
    data.update(to_dataset(pd.DataFrame(_message_rows(results)), "msg", "msg_").data_vars)
    ds = xr.Dataset(data, coords={"run": np.arange(len(results)), "iteration": np.arange(1, n_it + 1)})
    for v in ds.data_vars:
        if ds[v].dtype == object:
            ds[v] = ds[v].astype(str)
        ds[v].attrs["units"] = units_of(v)
    ds.attrs.update({
        "aladin_options": json.dumps(ALADINOptions(max_iter=max_iter).to_dict()),
        "admm_options": json.dumps(ADMMOptions(max_iter=admm_max_iter).to_dict()),
        "anchors": registry.as_attr(ANCHOR_KEYS),
        "issue17_targets": json.dumps(ISSUE17_TARGETS),
        "admm_large_buses": ADMM_LARGE_BUSES, "admm_large_max_iter": ADMM_LARGE_MAX_ITER,
        "created_s": time.time(),
    })
    return ds


# ---------------------------------------------------------------------------------------------------- readers
#: the dimension of each table of the store (``sys_*`` variables run over ``system``, the others over their prefix)
TABLE_DIMS = {"sys": "system"}


def frame(ds: xr.Dataset, prefix: str) -> pd.DataFrame:
    """The table ``<prefix>_*`` of a store as a DataFrame (prefix removed): `forlab.book.tables.table` over its dimension."""
    return table(ds, TABLE_DIMS.get(prefix, prefix), prefix + "_")


def runs(ds: xr.Dataset) -> pd.DataFrame:
    """One row per run, with the run's time per iteration (s) and bytes per iteration."""
    r = frame(ds, "run")
    r["time_per_iter_s"] = r.total_s / r.iterations
    r["bytes_per_iter"] = (ds.it_bytes_up + ds.it_bytes_down).mean("iteration").values
    return r


def iterations(ds: xr.Dataset) -> pd.DataFrame:
    """The per-iteration logs in long form: one row per (run, iteration)."""
    logs = {k[3:]: ds[k] for k in ds.data_vars if k.startswith("it_")}
    df = xr.Dataset(logs).to_dataframe().reset_index().dropna(subset=["consensus"])
    return df.merge(runs(ds)[["system", "algorithm", "qp", "mode", "latency_ms"]], left_on="run", right_index=True)


def first_iteration(log: pd.DataFrame, consensus: float, gap: float) -> float:
    """The first iteration whose consensus violation and gap are both at most the given values (nan if none)."""
    ok = log[(log.consensus <= consensus) & (log.gap <= gap)]
    return float(ok.iteration.iloc[0]) if len(ok) else float("nan")


def convergence_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per run: iterations, time, final gap and consensus, centralized objective and time, and the iterations at
    which (consensus <= 1e-4, gap <= 1e-3) and (consensus <= 1e-6, gap <= 1e-4) were first reached."""
    r = runs(ds)
    s = frame(ds, "sys").set_index("spec")
    it = iterations(ds)
    r["central_objective"] = s.loc[r.system, "central_objective"].to_numpy()
    r["central_time_s"] = s.loc[r.system, "central_time_s"].to_numpy()
    r["it_loose"] = [first_iteration(it[it.run == k], 1e-4, 1e-3) for k in r.index]
    r["it_target"] = [first_iteration(it[it.run == k], 1e-6, 1e-4) for k in r.index]
    return r


def message_summary(ds: xr.Dataset) -> pd.DataFrame:
    """What crosses the wire per iteration: per run, direction and field, the numbers and bytes summed over
    regions."""
    m = frame(ds, "msg")
    r = runs(ds)
    m["system"] = r.loc[m.run, "system"].to_numpy()
    m["algorithm"] = r.loc[m.run, "algorithm"].to_numpy() + np.where(r.loc[m.run, "qp"].to_numpy() == "kkt",
                                                                     " (kkt)", "")
    return (m.groupby(["system", "algorithm", "direction", "field"], sort=False)[["numbers", "bytes"]].sum()
            .reset_index())


def quiet():
    """Silence the FutureWarnings of pandapower that would clutter a chapter."""
    warnings.filterwarnings("ignore", category=FutureWarning)


# ---------------------------------------------------------------------------------------------------- summaries
TARGET_CONSENSUS, TARGET_GAP = 1e-6, 1e-4


def targets(table: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Per system, the in-process ALADIN run with the default QP and ``max_iter`` iterations: the first iteration
    with consensus <= 1e-6 and gap <= 1e-4 (``it_target``), whether that is within ``max_iter`` (``met``), the
    final gap and consensus, the status, and the iterations and final values of the longer run where there is one
    (``ext_*``)."""
    red = table[(table["mode"] == "inprocess") & (table.algorithm == "aladin") & (table.qp == "reduced")]
    rows = []
    for system, g in red.groupby("system", sort=False):
        first = g[g.max_iter == max_iter]
        if first.empty:
            continue
        r = first.iloc[0]
        ext = g[g.max_iter > max_iter]
        e = ext.iloc[0] if len(ext) else None
        rows.append({"system": system, "it_target": r.it_target, "met": bool(r.it_target <= max_iter),
                     "iterations": int(r.iterations), "gap": r.gap, "consensus": r.consensus, "status": termination(r),
                     "total_s": r.total_s,
                     "ext_max_iter": np.nan if e is None else e.max_iter,
                     "ext_it_target": np.nan if e is None else e.it_target,
                     "ext_gap": np.nan if e is None else e.gap, "ext_status": "" if e is None else termination(e)})
    return pd.DataFrame(rows)


def targets_text(tg: pd.DataFrame, max_iter: int) -> str:
    """One paragraph (Markdown) saying which systems meet the targets within ``max_iter`` iterations."""
    ok, bad = tg[tg.met], tg[~tg.met]
    lines = [f"With the default options, {len(ok)} of {len(tg)} systems reach consensus $\\le 10^{{-6}}$ and gap "
             f"$\\le 10^{{-4}}$ within {max_iter} iterations"
             + (": " + ", ".join(f"{r.system} after {r.it_target:.0f} ({r.total_s:.1f} s)" for r in ok.itertuples())
                if len(ok) else "") + "."]
    for r in bad.itertuples():
        more = ""
        if not np.isnan(r.ext_max_iter):
            more = (f" Allowed {r.ext_max_iter:.0f} iterations, it "
                    + (f"reaches the target after {r.ext_it_target:.0f}." if not np.isnan(r.ext_it_target)
                       else f"ends with gap {r.ext_gap:.1e} ({r.ext_status})."))
        lines.append(f"{r.system} does not: after {r.iterations} iterations ({r.status}) its gap is {r.gap:.1e} and "
                     f"its consensus {r.consensus:.1e}.{more}")
    return "\n\n".join(lines)


def dask_overhead(table: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Time per iteration of every Dask run (no emulated latency) against the in-process run of the same system:
    ``ratio`` = Dask / in-process (dimensionless)."""
    sub = table[(table.algorithm == "aladin") & (table.qp == "reduced") & (table.max_iter == max_iter)]
    inproc = sub[sub["mode"] == "inprocess"].drop_duplicates("system").set_index("system")
    rows = []
    for r in sub[(sub["mode"] != "inprocess") & (sub.latency_ms == 0)].itertuples():
        if r.system not in inproc.index:
            continue
        base = inproc.loc[r.system]
        rows.append({"system": r.system, "mode": r.mode, "in-process (ms/it)": 1e3 * base.time_per_iter_s,
                     "Dask (ms/it)": 1e3 * r.time_per_iter_s, "ratio": r.time_per_iter_s / base.time_per_iter_s,
                     "same iterations": r.iterations == base.iterations})
    return pd.DataFrame(rows)


def latency_sweep(table: pd.DataFrame, system: str, its: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Dask runs of ``system`` by one-way latency (ms): iterations, wall time and time per iteration (s), the
    slowdown against the zero-latency run and, given the per-iteration logs ``its`` (`iterations`), the mean
    communication and QP time per iteration (ms) with the communication the emulation predicts (zero-latency
    communication + 2 x latency, ms)."""
    lat = table[(table.system == system) & (table.algorithm == "aladin") & (table.qp == "reduced")
                & (table["mode"].isin(["dask", "wan"]))].sort_values("latency_ms")
    out = lat[["latency_ms", "iterations", "it_target", "total_s", "time_per_iter_s"]].copy()
    base = out[out.latency_ms == 0]
    out["slowdown"] = out.total_s / (base.total_s.iloc[0] if len(base) else np.nan)
    if its is not None:
        out["comm_ms"] = [1e3 * its[its.run == k].comm_s.mean() for k in lat.index]
        out["qp_ms"] = [1e3 * its[its.run == k].qp_s.mean() for k in lat.index]
        c0 = out.comm_ms[out.latency_ms == 0]
        out["comm_predicted_ms"] = (c0.iloc[0] if len(c0) else np.nan) + 2 * out.latency_ms
    return out.reset_index(drop=True)


def admm_comparison(table: pd.DataFrame, system: str, max_iters: tuple[int, ...]) -> pd.DataFrame:
    """ALADIN (default QP) and ADMM in-process on ``system``: one row per algorithm."""
    sel = table[(table.system == system) & (table["mode"] == "inprocess") & (table.max_iter.isin(max_iters))
                & (((table.algorithm == "aladin") & (table.qp == "reduced")) | (table.algorithm == "admm"))]
    return sel.drop_duplicates("algorithm").set_index("algorithm")


def fmt_iteration(v: float) -> str:
    """'after N' or 'never' for an iteration count that may be NaN."""
    return "never" if np.isnan(v) else f"after {v:.0f}"


def store_text(st: xr.Dataset, table: pd.DataFrame) -> str:
    """Which store the chapter reads: chapter, git commit and number of runs."""
    return f"chapter {st.attrs['chapter']}, commit {st.attrs['git_commit']}, {len(table)} runs"


# ---------------------------------------------------------------------------------------------------- convergence
FIGURE_WIDTH = 7.5
"""Width of the chapter's figures (in): the book's text column (`forlab.book.plots.STYLE`)."""


def _log_axes(fig, ax, ylabels: tuple[str, str], ncols: int = 3) -> None:
    """Labels and grid of a (consensus, gap) pair of axes, and the figure's one legend below them (from the left
    axes' labelled lines)."""
    ax[0].set_ylabel(ylabels[0])
    ax[1].set_ylabel(ylabels[1])
    for a in ax:
        a.set_xlabel("iteration")
        a.grid(alpha=0.3)
    fig.legend(*ax[0].get_legend_handles_labels(), loc="outside lower center", ncols=ncols)


def convergence_figure(table: pd.DataFrame, its: pd.DataFrame, max_iter: int):
    """Consensus violation and gap per iteration of every system in-process with the default QP (the longest run
    of each system), with the targets (dotted) and ``max_iter`` (vertical line); one legend. Returns the Figure."""
    import matplotlib.pyplot as plt

    red = table[(table["mode"] == "inprocess") & (table.algorithm == "aladin") & (table.qp == "reduced")]
    longest = red.sort_values("max_iter").groupby("system", sort=False).tail(1)
    fig, ax = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.6), sharex=True, layout="constrained")
    for k, r in longest.iterrows():
        g = its[its.run == k]
        ax[0].semilogy(g.iteration, g.consensus.clip(lower=1e-12), marker=".", label=r.system)
        ax[1].semilogy(g.iteration, g.gap.clip(lower=1e-12), marker=".", label=r.system)
    ax[0].axhline(TARGET_CONSENSUS, color="grey", linestyle=":")
    ax[1].axhline(TARGET_GAP, color="grey", linestyle=":")
    for a in ax:
        a.axvline(max_iter, color="grey", linewidth=0.8)
    _log_axes(fig, ax, ("consensus violation (rad, p.u.)", "optimality gap"))
    return fig


def kkt_runs(table: pd.DataFrame, kkt_systems: list[str], max_iter: int) -> pd.DataFrame:
    """The in-process ALADIN runs of ``kkt_systems`` with ``max_iter`` iterations, both QP forms."""
    sel = table[(table["mode"] == "inprocess") & (table.algorithm == "aladin")]
    return sel[sel.system.isin(kkt_systems) & (sel.max_iter == max_iter)]


def kkt_figure(kk: pd.DataFrame, its: pd.DataFrame, kkt_systems: list[str]):
    """Consensus and gap per iteration of `kkt_runs`: one colour per system, the default QP solid, ALADIN-alpha's
    ("kkt") dashed; one legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.6), sharex=True, layout="constrained")
    colors = dict(zip(kkt_systems, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for k, r in kk.iterrows():
        g = its[its.run == k]
        style = "--" if r.qp == "kkt" else "-"
        for a, col in zip(ax, ["consensus", "gap"]):
            a.semilogy(g.iteration, g[col].clip(lower=1e-12, upper=1e6), style, marker=".", color=colors[r.system])
    for s in kkt_systems:
        ax[0].plot([], [], color=colors[s], label=s)
    ax[0].plot([], [], "k-", label="default QP")
    ax[0].plot([], [], "k--", label="ALADIN-α's QP")
    _log_axes(fig, ax, ("consensus violation (rad, p.u.),\nclipped at 10⁶", "optimality gap"), ncols=4)
    return fig


def kkt_text(kk: pd.DataFrame) -> str:
    """One paragraph per system (Markdown): how ALADIN-alpha's QP ends against the default QP."""
    return "\n\n".join(
        f"{r.system}: ALADIN-$\\alpha$'s QP ends with gap {r.gap:.1e} and consensus {r.consensus:.1e} after "
        f"{r.iterations} iterations ({STATUS_WORDS.get(termination(r), termination(r))}); the default QP "
        + (f"reaches the target after {d.it_target:.0f}." if not np.isnan(d.it_target)
           else f"ends with gap {d.gap:.1e}.")
        for r in kk[kk.qp == "kkt"].itertuples()
        for d in kk[(kk.qp == "reduced") & (kk.system == r.system)].itertuples())


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sci_text(v: float) -> str:
    """``v`` in scientific notation for a table: "4.8×10⁻⁷" (no break inside, no LaTeX), "0" for zero."""
    if not np.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa}×10{str(int(exponent)).translate(SUPERSCRIPT)}"


def _sci(frame: pd.DataFrame, columns=("gap", "consensus"), counts=("it_loose", "it_target")) -> pd.DataFrame:
    """``frame`` with the given columns written as 1.2×10⁻⁵ (`sci_text`), and its iteration ``counts`` (where
    present) as whole numbers with a missing value where a target was not reached."""
    frame = frame.copy()
    for c in columns:
        frame[c] = frame[c].map(sci_text)
    for c in counts:
        if c in frame:
            frame[c] = frame[c].round().astype("Int64")
    return frame


MODE_WORDS = {"inprocess": "in-process", "dask": "Dask", "scheduler": "Dask (given scheduler)", "wan": "Dask"}
STATUS_WORDS = {"max_iter": "iteration limit"}
"""Execution modes and statuses of the store in words (other statuses are shown as they are)."""


def termination(r) -> str:
    """How a run (a row of `runs`) stopped by the algorithm's own test ("converged", "max_iter", ...):
    ``termination``; a store written before the judged outcome record kept it in ``status``."""
    return str(getattr(r, "termination", None) or r.status)


def run_label(r) -> str:
    """A run (a row with ``algorithm``, ``qp``, ``mode``, ``latency_ms``) in words: "ALADIN, in-process",
    "ALADIN-α's QP, in-process", "ADMM, in-process", "ALADIN, Dask, 50 ms latency"."""
    algo = "ADMM" if r.algorithm == "admm" else ("ALADIN-α's QP" if r.qp == "kkt" else "ALADIN")
    lat = f", {r.latency_ms:g} ms latency" if r.latency_ms else ""
    return f"{algo}, {MODE_WORDS.get(r.mode, r.mode)}{lat}"


TARGETS_WORDS = {"it_loose": "loose target at iteration", "it_target": "target at iteration"}
"""The two targets of the tables: loose (consensus ≤ 10⁻⁴, gap ≤ 10⁻³) and target (≤ 10⁻⁶, ≤ 10⁻⁴); "–": not
reached."""


def convergence_shown(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The convergence table as the chapter prints it, in two tables that fit the column, one row per system and
    run (`run_label`; a longer re-run says its iteration limit) each: iterations, the iterations of the two targets
    ("–": not reached), final gap and consensus (`sci_text`); then the wall time, the time per iteration and the
    centralized Ipopt solve time."""
    t = _sci(table)
    extended = t.max_iter > t.groupby(["system", "algorithm", "qp", "mode"]).max_iter.transform("min")
    t["run"] = [run_label(r) + (f", limit {r.max_iter}" if e else "") for r, e in zip(t.itertuples(), extended)]
    t["time_per_iter_ms"] = (1e3 * t.time_per_iter_s).round(1)
    t["central_ms"] = (1e3 * t.central_time_s).round(1)
    t["total_s"] = t.total_s.round(2)
    t = t.set_index(["system", "run"])
    return (printable(t, {"iterations": "iterations", **TARGETS_WORDS, "gap": "final gap",
                          "consensus": "final consensus"}),
            printable(t, {"total_s": "wall time (s)", "time_per_iter_ms": "time per iteration (ms)",
                          "central_ms": "centralized Ipopt (ms)"}))


def regions_shown(st: xr.Dataset) -> pd.DataFrame:
    """The partition table of a store (``area_*``) as the chapter prints it, one row per system and region."""
    return printable(frame(st, "area").set_index(["system", "region"]), {
        "core_buses": "core buses", "copy_buses": "copy buses", "branches": "branches",
        "cut_branches_owned": "ties it limits", "units": "units", "variables": "variables",
        "consensus_rows": "consensus rows"})


# ---------------------------------------------------------------------------------------------------- time
SPLIT = {"local NLP (slowest region)": ("local_s", "local_s"), "reduction (slowest region)": ("reduction_s", None),
         "coordinator": ("coordinator_s", "qp_s"), "communication": ("communication_s", "comm_s")}
"""The parts of a round (issue 17's names) and the log column each is read from: (since issue 17, before). Stores
written before issue 17 hold the NLP and the sensitivities together in ``local_s`` and no reduction time."""


def _mean_of(g: pd.DataFrame, new: str, old: str | None) -> float:
    """Mean per round of log column ``new`` where the run logged it, else of ``old`` (NaN if neither)."""
    if new in g and g[new].notna().any():
        return float(g[new].mean())
    return float(g[old].mean()) if old and old in g and g[old].notna().any() else float("nan")


def _run_index_label(r) -> str:
    return f"{r.system}, {MODE_WORDS.get(r.mode, r.mode)}{f', {r.latency_ms:g} ms latency' if r.latency_ms else ''}"


def time_split(table: pd.DataFrame, its: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Mean time per round (s) of every ALADIN run with the default QP and ``max_iter`` iterations, split into the
    parts of `SPLIT` (local NLP and local reduction of the slowest region, coordinator, communication); one row per
    run. A part an older store did not measure is NaN."""
    sub = table[(table.algorithm == "aladin") & (table.qp == "reduced") & (table.max_iter == max_iter)]
    rows = [{part: _mean_of(its[its.run == k], new, old) for part, (new, old) in SPLIT.items()} for k in sub.index]
    return pd.DataFrame(rows, index=[_run_index_label(r) for r in sub.itertuples()], columns=list(SPLIT))


def time_split_figure(split: pd.DataFrame):
    """Stacked bars of `time_split` (ms per round), one bar per run (system and mode), one legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.3 * len(split) + 1.8), layout="constrained")
    (1e3 * split.fillna(0.0)).plot.barh(stacked=True, ax=ax, legend=False)
    ax.invert_yaxis()
    ax.set_xlabel("mean time per round (ms)")
    ax.grid(alpha=0.3, axis="x")
    ax.grid(False, axis="y")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------------- scaling
def _first_inprocess(table: pd.DataFrame, algorithm: str) -> pd.DataFrame:
    """Per system, the in-process run of ``algorithm`` (ALADIN: default QP) with the smallest iteration limit."""
    sel = table[(table["mode"] == "inprocess") & (table.algorithm == algorithm)]
    if algorithm == "aladin":
        sel = sel[sel.qp == "reduced"]
    return sel.sort_values("max_iter", kind="stable").drop_duplicates("system")


def coupling_rows(st: xr.Dataset) -> pd.Series:
    """Coupling (consensus) rows per system: ``sys_consensus_rows``, or in older stores half the sum of the regions'
    rows (every row joins a copy and its original)."""
    s = frame(st, "sys").set_index("spec")
    if "consensus_rows" in s:
        return s.consensus_rows.astype(float)
    a = frame(st, "area")
    return (a.groupby("system").consensus_rows.sum() / 2).reindex(s.index).astype(float)


def coordinator_growth(st: xr.Dataset, table: pd.DataFrame, its: pd.DataFrame) -> pd.DataFrame:
    """Per system (in-process ALADIN, default QP): buses, coupling rows and the mean coordinator time per round
    (ms; ``it_coordinator_s``, in older stores the QP time ``it_qp_s``)."""
    rows = coupling_rows(st)
    s = frame(st, "sys").set_index("spec")
    out = []
    for k, r in _first_inprocess(table, "aladin").iterrows():
        g = its[its.run == k]
        out.append({"system": r.system, "buses": int(s.buses[r.system]), "coupling_rows": rows[r.system],
                    "coordinator_ms": 1e3 * _mean_of(g, "coordinator_s", "qp_s")})
    return pd.DataFrame(out, columns=["system", "buses", "coupling_rows", "coordinator_ms"])


def growth_fit(growth: pd.DataFrame) -> tuple[float, float]:
    """Least-squares line through log10(coordinator ms) against log10(coupling rows): (slope, intercept); NaN with
    fewer than two usable systems. A slope of 1 is linear growth."""
    ok = growth[(growth.coupling_rows > 0) & (growth.coordinator_ms > 0)]
    if ok.coupling_rows.nunique() < 2:
        return float("nan"), float("nan")
    slope, icpt = np.polyfit(np.log10(ok.coupling_rows), np.log10(ok.coordinator_ms), 1)
    return float(slope), float(icpt)


def growth_figure(growth: pd.DataFrame):
    """Coordinator time per round against coupling rows (log-log), each system labelled, with the fitted line
    (`growth_fit`). Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.8), layout="constrained")
    ax.loglog(growth.coupling_rows, growth.coordinator_ms, "o")
    for r in growth.itertuples():
        ax.annotate(r.system, (r.coupling_rows, r.coordinator_ms), xytext=(4, 3), textcoords="offset points",
                    fontsize=9)
    slope, icpt = growth_fit(growth)
    if np.isfinite(slope):
        x = np.geomspace(growth.coupling_rows.min(), growth.coupling_rows.max(), 20)
        ax.loglog(x, 10**icpt * x**slope, "k--", label=f"fit, slope {slope:.2f}")
        ax.legend()
    ax.set_xlabel("coupling rows")
    ax.set_ylabel("coordinator time per round (ms)")
    ax.grid(alpha=0.3, which="both")
    return fig


def _nlp_all_ok(its: pd.DataFrame, k: int) -> float:
    """1 if every round of run ``k`` had all its local NLPs succeed, 0 if not, NaN where the store has no
    ``it_nlp_ok``."""
    g = its[its.run == k]
    if "nlp_ok" not in g or g.nlp_ok.isna().all():
        return float("nan")
    return float((g.nlp_ok.dropna() == 1).all())


def rounds_table(table: pd.DataFrame, its: pd.DataFrame) -> pd.DataFrame:
    """Per system, in-process: ALADIN's (default QP) and ADMM's rounds, the round of the stopping target
    (consensus <= 1e-6, gap <= 1e-4; NaN: not reached), whether the run stopped by its own test, and whether every
    local NLP of ALADIN succeeded (``nlp_ok``, NaN where not logged)."""
    out = {}
    for algo in ("aladin", "admm"):
        for k, r in _first_inprocess(table, algo).iterrows():
            row = out.setdefault(r.system, {"system": r.system})
            row.update({f"{algo}_rounds": r.iterations, f"{algo}_target": r.it_target,
                        f"{algo}_converged": bool(r.converged)})
            if algo == "aladin":
                row["aladin_nlp_ok"] = _nlp_all_ok(its, k)
    cols = ["system", "aladin_rounds", "aladin_target", "aladin_converged", "aladin_nlp_ok", "admm_rounds",
            "admm_target", "admm_converged"]
    return pd.DataFrame(list(out.values())).reindex(columns=cols)


def wall_times(table: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Per system: the centralized AC-OPF's Ipopt time and ALADIN's (default QP, ``max_iter``) whole-run wall time
    in-process (sequential regions) and on Dask (parallel regions, no emulated latency), in s, and each against
    the centralized time (``*_ratio``, dimensionless); NaN where a mode was not run."""
    sub = table[(table.algorithm == "aladin") & (table.qp == "reduced") & (table.max_iter == max_iter)
                & (table.latency_ms == 0)]
    rows = []
    for system, g in sub.groupby("system", sort=False):
        row = {"system": system, "central_s": float(g.central_time_s.iloc[0])}
        for mode in ("inprocess", "dask"):
            m = g[g["mode"] == mode]
            row[f"{mode}_s"] = float(m.total_s.iloc[0]) if len(m) else float("nan")
            row[f"{mode}_ratio"] = row[f"{mode}_s"] / row["central_s"]
            row[f"{mode}_target"] = float(m.it_target.iloc[0]) if len(m) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def wall_time_figure(wt: pd.DataFrame):
    """Whole-run wall time per system (log scale): the centralized AC-OPF, ALADIN in-process (sequential regions)
    and on Dask (parallel regions), as grouped horizontal bars; one legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.45 * len(wt) + 1.8), layout="constrained")
    shown = wt.set_index("system")[["central_s", "inprocess_s", "dask_s"]].rename(columns={
        "central_s": "centralized AC-OPF (Ipopt)", "inprocess_s": "ALADIN, in-process", "dask_s": "ALADIN, Dask"})
    shown.plot.barh(ax=ax, logx=True, legend=False)
    ax.invert_yaxis()
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("")
    ax.grid(alpha=0.3, axis="x", which="both")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return fig


def targets17(st: xr.Dataset, table: pd.DataFrame, its: pd.DataFrame, max_iter: int) -> pd.DataFrame:
    """Issue 17's targets (`ISSUE17_TARGETS`, or the store's copy) against the store: one row per target and system
    with the measured ``value``, the ``limit`` and ``met`` (True/False; None when the store has no such run)."""
    tg = json.loads(st.attrs["issue17_targets"]) if "issue17_targets" in st.attrs else ISSUE17_TARGETS
    growth = coordinator_growth(st, table, its).set_index("system")
    wt = wall_times(table, max_iter).set_index("system")
    rows = []
    c = tg["coordinator_ms"]
    v = growth.coordinator_ms.get(c["system"], np.nan)
    rows.append({"target": "coordinator_ms", "system": c["system"], "value": v, "limit": c["value"]})
    rows.append({"target": "coordinator_slope", "system": "all", "value": growth_fit(growth.reset_index())[0],
                 "limit": tg["coordinator_slope"]["value"]})
    rt = rounds_table(table, its).set_index("system")
    for system in tg["wall_ratio"]["systems"]:
        rows.append({"target": "wall_ratio", "system": system, "limit": tg["wall_ratio"]["value"],
                     "value": wt.dask_ratio.get(system, np.nan)})
        ok = rt.aladin_nlp_ok.get(system, np.nan)
        rounds = rt.aladin_target.get(system, np.nan) if system in rt.index else np.nan
        if system in rt.index and (ok == 0 or not np.isfinite(rounds)):
            rounds = np.inf  # ran, and a local NLP failed or the stopping test was not reached: missed
        rows.append({"target": "rounds", "system": system, "value": rounds, "limit": tg["rounds"]["value"],
                     "nlp_ok": ok})
    out = pd.DataFrame(rows)
    out["met"] = [None if np.isnan(v) else bool(v <= lim) for v, lim in zip(out.value, out.limit)]
    return out


TARGET_WORDS = {
    "coordinator_ms": "coordinator time per round on {system}: {value:.1f} ms against at most {limit:g} ms",
    "coordinator_slope": "growth of the coordinator time with the coupling rows: log-log slope {value:.2f} "
                         "against at most {limit:g} (linear)",
    "wall_ratio": "whole-run wall time with parallel regions (Dask) on {system}: {value:.1f} times the "
                  "centralized AC-OPF against at most {limit:g} times",
    "rounds": "rounds to gap $\\le 10^{{-4}}$ and consensus $\\le 10^{{-6}}$ on {system}: {value:.0f} against at "
              "most {limit:g}, every local solve succeeded",
}
"""How `targets17_text` says each target (Markdown templates)."""


def targets17_text(t17: pd.DataFrame) -> str:
    """One Markdown bullet per row of `targets17`: met / missed with the measured number, or not run."""
    lines = []
    for r in t17.itertuples():
        if r.met is None:
            lines.append(f"- not measured here: {r.target} on {r.system} (no such run in this store)")
            continue
        if r.target == "rounds" and not np.isfinite(r.value):
            why = "a local NLP failed in some round" if r.nlp_ok == 0 else "the stopping test was not reached"
            lines.append(f"- **missed**: rounds on {r.system}: {why}")
            continue
        lines.append(f"- **{'met' if r.met else 'missed'}**: " + TARGET_WORDS[r.target].format(
            system=r.system, value=r.value, limit=r.limit))
    return "\n".join(lines)


def growth_text(growth: pd.DataFrame) -> str:
    """The fitted growth of the coordinator time in one sentence (Markdown; empty with fewer than two systems)."""
    slope, _ = growth_fit(growth)
    if not np.isfinite(slope):
        return ""
    lo, hi = growth.loc[growth.coupling_rows.idxmin()], growth.loc[growth.coupling_rows.idxmax()]
    return (f"From {lo.system} ({lo.coupling_rows:.0f} coupling rows, {lo.coordinator_ms:.1f} ms per round) to "
            f"{hi.system} ({hi.coupling_rows:.0f} rows, {hi.coordinator_ms:.1f} ms), the coordinator time grows "
            f"with slope {slope:.2f} on the log-log scale over {len(growth)} systems (1: linear in the coupling "
            f"rows).")


def rounds_shown(rt: pd.DataFrame) -> pd.DataFrame:
    """`rounds_table` as the chapter prints it, one row per system ("–": target not reached or not run)."""
    t = rt.set_index("system").copy()
    for c in ("aladin_rounds", "aladin_target", "admm_rounds", "admm_target"):
        t[c] = t[c].round().astype("Int64")
    for c in ("aladin_converged", "admm_converged"):
        t[c] = t[c].map({True: "yes", False: "no"})
    t["aladin_nlp_ok"] = t.aladin_nlp_ok.map({1.0: "yes", 0.0: "no"})
    return printable(t, {"aladin_rounds": "ALADIN rounds", "aladin_target": "ALADIN target at round",
                         "aladin_converged": "ALADIN stopped by its test", "aladin_nlp_ok": "every local NLP solved",
                         "admm_rounds": "ADMM rounds", "admm_target": "ADMM target at round",
                         "admm_converged": "ADMM stopped by its test"})


def wall_times_shown(wt: pd.DataFrame) -> pd.DataFrame:
    """`wall_times` as the chapter prints it, one row per system: the three times (s) and the two ratios."""
    t = wt.set_index("system").round({"central_s": 3, "inprocess_s": 2, "dask_s": 2, "inprocess_ratio": 1,
                                      "dask_ratio": 1})
    return printable(t, {"central_s": "centralized (s)", "inprocess_s": "in-process (s)",
                         "inprocess_ratio": "in-process / centralized", "dask_s": "Dask (s)",
                         "dask_ratio": "Dask / centralized"})


def scaling_report(st: xr.Dataset) -> dict:
    """Everything the chapter shows of issue 17 from one store: its ``max_iter``, the per-round ``split``
    (`time_split`), the coordinator ``growth`` (`coordinator_growth`), the ``rounds`` (`rounds_table`), the
    ``wall`` times (`wall_times`) and the ``targets`` (`targets17`)."""
    max_iter = json.loads(st.attrs["parameters"])["max_iter"]
    table, its = convergence_table(st), iterations(st)
    return {"max_iter": max_iter, "split": time_split(table, its, max_iter),
            "growth": coordinator_growth(st, table, its), "rounds": rounds_table(table, its),
            "wall": wall_times(table, max_iter), "targets": targets17(st, table, its, max_iter)}


def admm_cap_text(st: xr.Dataset) -> str:
    """Which systems ran ADMM with a lower iteration cap than ``admm_max_iter`` (`admm_max_iter_for`) and whether it
    stopped by its own test there (Markdown); "" when none did (and for stores written before the cap)."""
    if "admm_large_buses" not in st.attrs:
        return ""
    table = runs(st)
    full = json.loads(st.attrs["admm_options"])["max_iter"]
    capped = table[(table.algorithm == "admm") & (table.max_iter < full)]
    if capped.empty:
        return ""
    words = [f"{r.system} ({'stopped by its test' if r.converged else 'not converged'} after {r.iterations})"
             for r in capped.itertuples()]
    return (f"ADMM runs at most {int(capped.max_iter.max())} iterations on the systems above "
            f"{int(st.attrs['admm_large_buses'])} buses instead of {full} (a cost limit of this profile, not a "
            f"tuning): {', '.join(words)}.")


def overhead_shown(over: pd.DataFrame) -> pd.DataFrame:
    """`dask_overhead` as the chapter prints it, one row per system (and Dask mode, when there are several)."""
    o = over.copy()
    o["mode"] = o["mode"].map(lambda m: MODE_WORDS.get(m, m))
    o["same"] = np.where(o["same iterations"].astype(bool), "yes", "no")
    o = o.round({"in-process (ms/it)": 1, "Dask (ms/it)": 1, "ratio": 2})
    index = ["system", "mode"] if o["mode"].nunique() > 1 else ["system"]
    return printable(o.set_index(index), {"in-process (ms/it)": "in-process (ms per iteration)",
                                          "Dask (ms/it)": "Dask (ms per iteration)", "ratio": "ratio Dask / in-process",
                                          "same": "same iterations"})


def dask_overhead_text(over: pd.DataFrame, n_workers: int) -> str:
    """The range of `dask_overhead` ratios in one sentence (Markdown; empty without Dask runs)."""
    if not len(over):
        return ""
    return (f"Across the systems, a Dask iteration takes {over.ratio.min():.2f} to {over.ratio.max():.2f} times an "
            f"in-process one on this machine ({n_workers} worker processes on the cores the machine gives; regions "
            f"beyond the number of workers share a process). The regions' compute runs in parallel there, the "
            f"messages cost serialisation and a scheduler round trip.")


def latency_figure(lat: pd.DataFrame, system: str):
    """Time per iteration against the one-way latency (`latency_sweep`), with the prediction "zero-latency run +
    2 x latency" (dashed); None without latency runs."""
    import matplotlib.pyplot as plt

    if not len(lat):
        return None
    fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
    ax.plot(lat.latency_ms, 1e3 * lat.time_per_iter_s, "o-", label="measured")
    base = lat[lat.latency_ms == 0]
    if len(base):
        ax.plot(lat.latency_ms, 1e3 * base.time_per_iter_s.iloc[0] + 2 * lat.latency_ms, "k--",
                label="zero-latency run + 2 × latency")
    ax.set_xlabel("one-way latency (ms)")
    ax.set_ylabel("time per iteration (ms)")
    ax.set_title(system)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def latency_shown(lat: pd.DataFrame) -> pd.DataFrame:
    """`latency_sweep` (with its per-iteration columns) as the chapter prints it, one row per one-way latency:
    iterations, wall time, slowdown, and the communication (measured and predicted) and QP time per iteration."""
    out = lat.copy()
    out["time_per_iter_ms"] = 1e3 * out.time_per_iter_s
    out = out.round({"total_s": 2, "time_per_iter_ms": 0, "slowdown": 2, "comm_ms": 0, "comm_predicted_ms": 0,
                     "qp_ms": 0})
    out.index = pd.Index([f"{v:g}" for v in out.latency_ms], name="latency (ms)")
    for c in ("comm_ms", "comm_predicted_ms", "qp_ms"):
        out[c] = out[c].astype("Int64")
    return printable(out, {"iterations": "iterations", "total_s": "wall time (s)", "slowdown": "slowdown",
                           "comm_ms": "communication per iteration (ms)",
                           "comm_predicted_ms": "predicted communication per iteration (ms)",
                           "qp_ms": "coordinator's QP per iteration (ms)"})


def latency_text(lat: pd.DataFrame, system: str) -> str:
    """The largest latency of `latency_sweep` against the first, in one sentence (Markdown; empty without runs)."""
    if not len(lat):
        return ""
    hi = lat.iloc[-1]
    return (f"At {hi.latency_ms:g} ms one way, {system} needs {int(hi.iterations)} iterations and "
            f"{hi.total_s:.2f} s instead of {lat.iloc[0].total_s:.2f} s: ALADIN's few rounds keep the slowdown to "
            f"{hi.total_s / lat.iloc[0].total_s:.1f} times, where an algorithm that needs hundreds of rounds would "
            f"pay the latency hundreds of times (next section).")


# ---------------------------------------------------------------------------------------------------- ADMM
def admm_focus(params: dict) -> str:
    """The system this page's ALADIN-against-ADMM section and message table show: ``admm_system``; with "all"
    (ADMM on every system, the `paper` profile, whose per-system comparison is in its own section) the latency
    system if ADMM ran on it, else the last system."""
    if params["admm_system"] != "all":
        return params["admm_system"]
    return params["latency_system"] if params["latency_system"] in params["systems"] else params["systems"][-1]


def admm_runs(table: pd.DataFrame, system: str, max_iters: tuple[int, ...]) -> pd.DataFrame:
    """ALADIN (default QP) and ADMM in-process on ``system`` with one of ``max_iters``: every such run."""
    return table[(table.system == system) & (table["mode"] == "inprocess") & (table.max_iter.isin(list(max_iters)))
                 & (((table.algorithm == "aladin") & (table.qp == "reduced")) | (table.algorithm == "admm"))]


def admm_figure(cmp_: pd.DataFrame, its: pd.DataFrame):
    """Consensus and gap per iteration of `admm_runs` (log-log), one legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4), layout="constrained")
    for k, r in cmp_.iterrows():
        g = its[its.run == k]
        label = "ADMM" if r.algorithm == "admm" else "ALADIN"
        ax[0].loglog(g.iteration, g.consensus.clip(lower=1e-12), label=label)
        ax[1].loglog(g.iteration, g.gap.clip(lower=1e-12), label=label)
    _log_axes(fig, ax, ("consensus violation (rad, p.u.)", "optimality gap"))
    return fig


def admm_table(cmp_: pd.DataFrame) -> pd.DataFrame:
    """`admm_runs`, one row per algorithm (the columns `admm_shown` prints)."""
    out = cmp_[["algorithm", "iterations", "it_loose", "it_target", "gap", "consensus", "total_s",
                "time_per_iter_s", "bytes_per_iter"]].copy()
    out["status"] = [termination(r) for r in cmp_.itertuples()]
    return out.set_index("algorithm")


def admm_shown(rows: pd.DataFrame) -> pd.DataFrame:
    """ALADIN against ADMM as the chapter prints it: one column per algorithm, one row per measure (iterations, the
    iterations of the two targets, "–" where not reached, final gap and consensus, wall time, time per iteration,
    bytes per iteration where measured, status). ``rows``: `admm_table` or `admm_comparison`."""
    r = _sci(rows)
    r["time_per_iter_ms"] = (1e3 * r.time_per_iter_s).round(1)
    r["total_s"] = r.total_s.round(2)
    r["status"] = r.status.map(lambda v: STATUS_WORDS.get(v, v))
    words = {"iterations": "iterations", "it_loose": "consensus ≤ 10⁻⁴ and gap ≤ 10⁻³ at iteration",
             "it_target": "consensus ≤ 10⁻⁶ and gap ≤ 10⁻⁴ at iteration", "gap": "final gap",
             "consensus": "final consensus", "total_s": "wall time (s)", "time_per_iter_ms": "time per iteration (ms)"}
    if "bytes_per_iter" in r:
        r["bytes_per_iter"] = r.bytes_per_iter.round(0).astype(int)
        words["bytes_per_iter"] = "bytes per iteration"
    words["status"] = "status"
    out = printable(r, words).T
    out.columns = [{"aladin": "ALADIN", "admm": "ADMM"}.get(c, c) for c in out.columns]
    return out.rename_axis("measure")


def admm_text(cmp_: pd.DataFrame, system: str, published: dict) -> str:
    """ALADIN against ADMM on ``system`` (`admm_runs`) and the published anchors (`anchors`), in one paragraph
    (Markdown)."""
    a_ = cmp_[cmp_.algorithm == "aladin"].iloc[0]
    d_ = cmp_[cmp_.algorithm == "admm"].iloc[0]
    fmt = fmt_iteration
    cheaper = "cheaper" if d_.time_per_iter_s < a_.time_per_iter_s else "not cheaper here"
    rounds = ", but the rounds dominate" if d_.time_per_iter_s < a_.time_per_iter_s else ""
    return (
        f"On {system}, ALADIN reaches consensus $10^{{-4}}$ and gap $10^{{-3}}$ {fmt(a_.it_loose)} iterations, ADMM "
        f"{fmt(d_.it_loose)} (of {d_.iterations}); the target $10^{{-6}}$, $10^{{-4}}$: ALADIN {fmt(a_.it_target)}, "
        f"ADMM {fmt(d_.it_target)}. Wall time: {a_.total_s:.1f} s against {d_.total_s:.1f} s. An ADMM iteration is "
        f"{cheaper} ({1e3 * d_.time_per_iter_s:.1f} ms against {1e3 * a_.time_per_iter_s:.1f} ms, "
        f"{d_.bytes_per_iter:.0f} against {a_.bytes_per_iter:.0f} bytes){rounds}. For scale: " + published_text(published))


def published_text(published: dict) -> str:
    """The other groups' published runs (`anchors`) in one sentence (Markdown)."""
    p = {k: a.show() for k, a in published.items()}
    return (f"PowerModelsADA's ADMM needs {p['powermodelsada_admm_case300_iterations']} and "
            f"{p['powermodelsada_admm_case300_s']} on {p['powermodelsada_admm_case300_cores']} on PGLib case300 "
            f"in 4 areas at its own tolerances; rapidPF+'s least-squares ALADIN needs at most "
            f"{p['rapidpf_aladin_max_steps']} up to {p['rapidpf_largest_buses']}, for the easier power-flow problem "
            "(a zero-residual least-squares problem, no optimality).")


FIELD_WORDS = {"lambda": "λ, consensus multipliers", "z": "z, proximal point", "rho": "ρ, penalties",
               "qp": "QP form", "x": "x, local solution", "cost": "local cost", "grad": "cost gradient",
               "hess": "Hessian of the Lagrangian", "jac": "Jacobian of the equalities",
               "jac_ineq": "Jacobian of the inequalities", "ineq_lo": "distances to lower limits",
               "ineq_up": "distances to upper limits", "y": "y, multipliers", "x_c": "x, coupled variables"}
"""What each message field of `message_summary` holds (ADMM's ``z`` is the average of the coupled variables)."""


def messages_shown(st: xr.Dataset, systems: list[str]) -> pd.DataFrame:
    """`message_summary` of the given systems as the chapter prints it, indexed by system, algorithm, direction and
    field (in words, `FIELD_WORDS`): numbers (non-zeros) and pickled bytes per iteration, summed over regions."""
    msgs = message_summary(st)
    m = msgs[msgs.system.isin(systems)].copy()
    m["field"] = [("z, averages of the coupled variables" if a == "admm" and f == "z" else FIELD_WORDS.get(f, f))
                  for a, f in zip(m.algorithm, m.field)]
    m["algorithm"] = m.algorithm.str.replace("aladin", "ALADIN").str.replace("admm", "ADMM")
    m["direction"] = m.direction.str.replace("->", "→")
    return printable(m.set_index(["system", "algorithm", "direction", "field"]),
                     {"numbers": "numbers", "bytes": "bytes"})


# ---------------------------------------------------------------------------------------------------- full profile
def full_profile(big: xr.Dataset) -> dict:
    """What the chapter shows of a full-profile store: its parameters (``params``), the PowerModelsADA anchor
    (``anchor``), the convergence table (``table``), `targets` (``targets``), `dask_overhead` (``overhead``),
    `latency_sweep` (``latency``) and `admm_comparison` (``admm``)."""
    bp = json.loads(big.attrs["parameters"])
    bt = convergence_table(big)
    return {"params": bp, "anchor": anchors(big), "table": bt,
            "targets": targets(bt, bp["max_iter"]), "overhead": dask_overhead(bt, bp["max_iter"]),
            "latency": latency_sweep(bt, bp["latency_system"], iterations(big)),
            "admm": admm_comparison(bt, bp["admm_system"], (bp["max_iter"], bp["admm_max_iter"]))}


def provenance_text(st: xr.Dataset) -> str:
    """Where a store comes from: its path, git commit and creation time (Markdown)."""
    return f"From `{st.attrs['store_path']}` (git commit {st.attrs['git_commit']}, created {st.attrs['created_utc']})."


def targets_shown(tg: pd.DataFrame) -> pd.DataFrame:
    """`targets` as the chapter prints them, one row per system: the target's iteration ("–": not reached), the
    iterations run (the limit, when the run did not stop by itself), final gap and consensus, wall time."""
    t = _sci(tg)
    t["total_s"] = t.total_s.round(2)
    return printable(t.set_index("system"), {"it_target": "target at iteration", "iterations": "iterations",
                                             "gap": "final gap", "consensus": "final consensus",
                                             "total_s": "wall time (s)"})


def overhead_range_text(bo: pd.DataFrame) -> str:
    """The range and median of the Dask / in-process ratios (`dask_overhead`); empty without Dask runs."""
    if not len(bo):
        return ""
    return (f"Dask against in-process, time per iteration: {bo.ratio.min():.2f} to {bo.ratio.max():.2f} "
            f"times (median {bo.ratio.median():.2f}) over {len(bo)} systems.")


def latency_comm_text(bl: pd.DataFrame, system: str) -> str:
    """Communication time per iteration without and with the largest latency (`latency_sweep` with its per-iteration
    columns), against the emulation's prediction; empty with fewer than two latencies."""
    if len(bl) <= 1:
        return ""
    hi = bl.iloc[-1]
    return (f"On {system}, the communication time per iteration is {bl.comm_ms.iloc[0]:.0f} ms "
            f"without latency and {hi.comm_ms:.0f} ms at {hi.latency_ms:g} ms one way (the emulation "
            f"predicts {hi.comm_predicted_ms:.0f} ms); the run takes {hi.total_s:.1f} s against "
            f"{bl.total_s.iloc[0]:.1f} s ({hi.slowdown:.2f} times). The coordinator's QP, "
            f"{bl.qp_ms.min():.0f} to {bl.qp_ms.max():.0f} ms per iteration across these runs, dominates an "
            f"iteration and varies with the load of the shared machine by as much as the latency adds, so the "
            f"wall times of this sweep need not grow with the latency.")


def admm_target_text(bc: pd.DataFrame, system: str, published: dict) -> str:
    """ALADIN's target iteration against ADMM's loose and target iterations on ``system`` (`admm_comparison`), with
    PowerModelsADA's published run; empty unless both algorithms ran."""
    if not {"aladin", "admm"} <= set(bc.index):
        return ""
    a_, d_ = bc.loc["aladin"], bc.loc["admm"]
    return (f"On {system}, ALADIN reaches the target (consensus $10^{{-6}}$, gap $10^{{-4}}$) "
            f"{fmt_iteration(a_.it_target)} iterations in {a_.total_s:.1f} s; ADMM on the same "
            f"partition reaches consensus $10^{{-4}}$ and gap $10^{{-3}}$ {fmt_iteration(d_.it_loose)} "
            f"and the target {fmt_iteration(d_.it_target)}; it stops after {d_.iterations} "
            f"iterations ({termination(d_)} by its own tolerances, {d_.total_s:.1f} s) with gap {d_.gap:.1e} and "
            f"consensus {d_.consensus:.1e}. PowerModelsADA's ADMM needs "
            f"{published['powermodelsada_admm_case300_iterations'].show()} and "
            f"{published['powermodelsada_admm_case300_s'].show()} on "
            f"{published['powermodelsada_admm_case300_cores'].show()} there, at its own tolerances.")


def full_profile_text(fp: dict) -> str:
    """The full profile's findings in one paragraph (Markdown): Dask overhead, latency, ALADIN against ADMM."""
    bp = fp["params"]
    parts = [overhead_range_text(fp["overhead"]), latency_comm_text(fp["latency"], bp["latency_system"]),
             admm_target_text(fp["admm"], bp["admm_system"], fp["anchor"])]
    return " ".join(p for p in parts if p)


_OLD_ANCHORS = {("powermodelsada_admm_case300", "iterations"): "powermodelsada_admm_case300_iterations",
                ("powermodelsada_admm_case300", "time_s"): "powermodelsada_admm_case300_s",
                ("powermodelsada_admm_case300", "cores"): "powermodelsada_admm_case300_cores",
                ("rapidpf_aladin_steps", "steps"): "rapidpf_aladin_max_steps",
                ("rapidpf_aladin_steps", "largest_buses"): "rapidpf_largest_buses"}
"""Where the figures of a store written before the registry (its own ``anchors`` JSON) sit in the registry."""


def anchors(st: xr.Dataset) -> dict:
    """The published anchors a store was compared with, key -> `forlab.book.anchors.Anchor`: the registry's copy it
    keeps (``attrs["anchors"]``, `forlab.book.anchors.as_attr`), or, in a store written before the registry, its
    own figures read into the registry's anchors (a range "5-7" by its upper end)."""
    raw = json.loads(st.attrs["anchors"])
    if all(isinstance(v, dict) and "key" in v for v in raw.values()):
        return registry.from_attr(st.attrs["anchors"])
    out = {}
    for (group, field), key in _OLD_ANCHORS.items():
        if field in raw.get(group, {}):
            figure = str(raw[group][field]).split("-")[-1]
            out[key] = dataclasses.replace(registry.anchor(key), value=float(figure))
    return out
