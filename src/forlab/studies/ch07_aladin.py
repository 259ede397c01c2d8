"""The case study of chapter 07: ALADIN on several systems and execution modes, a latency sweep, ADMM, one store.

`run_study(...)` runs everything the chapter shows and returns one xarray Dataset; the readers below turn the store
back into the tables the chapter prints, so that the notebook only calls, plots and explains.

System specifications: ``"case118:3"`` is a MATPOWER grid cut into 3 spectral areas (`forlab.grid.cases`),
``"case9+case33bw"`` an integrated T+D study system split into its zones, TS and one region per DS
(`forlab.grid.td`).

Store layout (dimensions and their variables):

* ``system``: ``sys_spec``, ``sys_buses``, ``sys_regions``, ``sys_cut_branches``, ``sys_central_objective`` (per hour),
  ``sys_central_time_s`` (Ipopt solve of the centralized AC-OPF, s), ``sys_central_status``;
* ``area``: the partition, one row per (system, region): ``area_system``, ``area_region``, ``area_core_buses``,
  ``area_copy_buses``, ``area_branches``, ``area_cut_branches_owned``, ``area_units``, ``area_variables``,
  ``area_consensus_rows``;
* ``run``: one ALADIN or ADMM run: ``run_system``, ``run_algorithm`` ("aladin"/"admm"), ``run_qp`` (ALADIN's QP form,
  "" for ADMM), ``run_mode``, ``run_max_iter``, ``run_latency_ms``, ``run_converged``, ``run_status``, ``run_iterations``,
  ``run_objective``, ``run_reference``, ``run_gap``, ``run_consensus``, ``run_total_s``, ``run_setup_s``,
  ``run_cost_scale``;
* ``run`` x ``iteration``: the per-iteration log of every run (`forlab.p3_aladin.run.ITERATION_LOG`), prefixed ``it_``,
  NaN after a run's last iteration;
* ``msg``: what crosses the wire in one iteration of the first in-process run of every system and algorithm:
  ``msg_run``, ``msg_region``, ``msg_direction``, ``msg_field``, ``msg_numbers``, ``msg_bytes``.
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import table
from forlab.p3_aladin.admm import ADMMOptions, run_admm
from forlab.p3_aladin.partition import Partition, partition
from forlab.p3_aladin.run import ITERATION_LOG, ALADINOptions, ALADINResult, run_aladin

# Published anchors the chapter compares with (not computed here).
ANCHORS = {
    "powermodelsada_admm_case300": {
        "iterations": 66, "time_s": 21.5, "cores": 16,
        "source": "PowerModelsADA's ADMM (Alkhraijah & Molzahn) on PGLib case300 in 4 areas",
    },
    "rapidpf_aladin_steps": {
        "steps": "5-7", "largest_buses": 4662,
        "source": "rapidPF+'s least-squares ALADIN for distributed power flow (Dai, Cai, Jiang, Hagenmeyer, "
                  "arXiv:2203.16335)",
    },
}

LOG_COLUMNS = ("consensus", "power_mismatch", "step", "objective", "gap", "rho", "local_s", "nlp_s", "local_sum_s", "qp_s", "comm_s",
               "iter_s", "bytes_down", "bytes_up", "n_active", "nlp_iterations")


def load(spec: str) -> tuple[object, Partition]:
    """The pandapower net and the partition of a system specification (module docstring)."""
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


def _central(net) -> tuple[float, float, str]:
    from forlab import opf

    res = opf.solve(net)
    return (float(res.objective) if res.success else float("nan")), float(res.solve_time_s), res.status


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
        "address": an existing scheduler at ``address``).
    latencies_ms: one-way latencies of the sweep on ``latency_system`` (0: plain "dask", > 0: "wan").
    kkt_systems: systems also run with ALADIN-alpha's QP (``qp="kkt"``), in-process (and with the default QP).
    admm_system: the system of the ALADIN-ADMM comparison (ADMM in-process, ``admm_max_iter`` iterations at most).
    n_workers: workers of the local Dask cluster of the Dask modes.
    extended_max_iter: when > max_iter, every system whose in-process ALADIN run did not converge within
        ``max_iter`` is run again with this limit (to show how many iterations it needs).
    """
    specs = list(dict.fromkeys([*systems, latency_system, *kkt_systems, admm_system]))
    nets, parts, sysrows, arearows = {}, {}, [], []
    for spec in specs:
        net, part = load(spec)
        obj, t, status = _central(net)
        nets[spec], parts[spec] = net, part
        sysrows.append({"spec": spec, "buses": part.model.nb, "regions": part.n_regions,
                        "cut_branches": len(part.cut_branches), "central_objective": obj, "central_time_s": t,
                        "central_status": status})
        for region, row in part.summary().iterrows():
            arearows.append({"system": spec, "region": region, **row.to_dict()})
        progress(f"{spec}: {part.model.nb} buses, {part.n_regions} regions, centralized {obj:.2f} ({status})")
    ref = {r["spec"]: r["central_objective"] for r in sysrows}

    results: list[tuple[str, str, float, ALADINResult]] = []

    def record(spec, mode, lat, res):
        results.append((spec, mode, lat, res))
        progress(f"{res.algorithm:6s} {res.options.get('qp', ''):7s} {spec:28s} {mode:9s} {lat:6.1f} ms: "
                 f"{res.iterations:4d} it, gap {res.gap:.1e}, consensus {res.consensus:.1e}, {res.total_s:.2f} s, "
                 f"{res.status}")

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
        for spec, mode, _lat, res in results[:]:  # a copy: record() appends
            if res.algorithm == "aladin" and res.options["qp"] == "reduced" and mode == "inprocess" \
                    and not res.converged:
                opts = ALADINOptions(max_iter=extended_max_iter)
                record(spec, "inprocess", 0.0, run_aladin(nets[spec], parts[spec], opts, reference=ref[spec]))
    if admm_system not in systems or "inprocess" not in modes:
        record(admm_system, "inprocess", 0.0,
               run_aladin(nets[admm_system], parts[admm_system], aladin, reference=ref[admm_system]))
    record(admm_system, "inprocess", 0.0, run_admm(nets[admm_system], parts[admm_system],
                                                   ADMMOptions(max_iter=admm_max_iter), reference=ref[admm_system]))

    dask_modes = [m for m in modes if m in ("dask", "address")]
    if dask_modes or latencies_ms:
        from forlab.book.parallel import client as dask_client

        for mode in dict.fromkeys(["dask" if latencies_ms else None, *dask_modes]):
            if mode is None:
                continue
            with dask_client(address=address if mode == "address" else None, n_workers=n_workers) as c:
                if mode in dask_modes:
                    for spec in systems:
                        record(spec, mode, 0.0, run_aladin(nets[spec], parts[spec], aladin, reference=ref[spec],
                                                           client=c, mode=mode))
                if mode == "dask":
                    for lat in latencies_ms:
                        if lat == 0 and "dask" in dask_modes and latency_system in systems:
                            continue
                        m = "wan" if lat > 0 else "dask"
                        record(latency_system, m, float(lat),
                               run_aladin(nets[latency_system], parts[latency_system], aladin,
                                          reference=ref[latency_system], client=c, mode=m, latency_ms=float(lat)))
    return _to_store(sysrows, arearows, results, max_iter, admm_max_iter)


def _to_store(sysrows, arearows, results, max_iter, admm_max_iter) -> xr.Dataset:
    sysdf = pd.DataFrame(sysrows)
    areadf = pd.DataFrame(arearows)
    n_it = max(res.iterations for *_, res in results)
    data = {f"sys_{c}": ("system", sysdf[c].to_numpy()) for c in sysdf.columns}
    data.update({f"area_{c}": ("area", areadf[c].to_numpy()) for c in areadf.columns})
    runrows, msgrows = [], []
    logs = {c: np.full((len(results), n_it), np.nan) for c in LOG_COLUMNS}
    seen = set()
    for k, (spec, mode, lat, res) in enumerate(results):
        runrows.append({"system": spec, "algorithm": res.algorithm, "qp": res.options.get("qp", ""), "mode": mode,
                        "max_iter": res.options["max_iter"],
                        "latency_ms": lat, "converged": bool(res.converged), "status": res.status,
                        "iterations": res.iterations, "objective": res.objective, "reference": res.reference,
                        "gap": res.gap, "consensus": res.consensus, "total_s": res.total_s, "setup_s": res.setup_s,
                        "cost_scale": res.options["cost_scale_used"]})
        for c in LOG_COLUMNS:
            logs[c][k, : res.iterations] = res.log[c].to_numpy(float)
        key = (spec, res.algorithm, res.options.get("qp", ""))
        if mode == "inprocess" and key not in seen:
            seen.add(key)
            for row in res.messages.itertuples():
                msgrows.append({"run": k, "region": row.region, "direction": row.direction, "field": row.field,
                                "numbers": row.numbers, "bytes": row.bytes})
    rundf = pd.DataFrame(runrows)
    data.update({f"run_{c}": ("run", rundf[c].to_numpy()) for c in rundf.columns})
    data.update({f"it_{c}": (("run", "iteration"), v, {"long_name": ITERATION_LOG[c]}) for c, v in logs.items()})
    msgdf = pd.DataFrame(msgrows)
    data.update({f"msg_{c}": ("msg", msgdf[c].to_numpy()) for c in msgdf.columns})
    ds = xr.Dataset(data, coords={"run": np.arange(len(rundf)), "iteration": np.arange(1, n_it + 1)})
    for v in ds.data_vars:
        if ds[v].dtype == object:
            ds[v] = ds[v].astype(str)
    ds.attrs.update({
        "aladin_options": json.dumps(ALADINOptions(max_iter=max_iter).to_dict()),
        "admm_options": json.dumps(ADMMOptions(max_iter=admm_max_iter).to_dict()),
        "anchors": json.dumps(ANCHORS),
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
                     "iterations": int(r.iterations), "gap": r.gap, "consensus": r.consensus, "status": r.status,
                     "total_s": r.total_s,
                     "ext_max_iter": np.nan if e is None else e.max_iter,
                     "ext_it_target": np.nan if e is None else e.it_target,
                     "ext_gap": np.nan if e is None else e.gap, "ext_status": "" if e is None else e.status})
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
