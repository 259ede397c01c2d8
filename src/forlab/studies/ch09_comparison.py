"""The three methods side by side, read from the stores the method chapters wrote (floor 5, beside `forlab.studies.ch08_sensitivity`).

Nothing here solves anything: each function turns one method chapter's store into rows of the same columns, so that
the comparison chapter's numbers are the method chapters' numbers. Units: costs in the TS case's currency per hour,
deviations in % of the integrated AC-OPF optimum, online times in ms (Ipopt solve times, ALADIN's wall time),
offline times in s, bytes as serialised.

* P1 (`05_coordination`): one row per system and load level; the offer size is that of the DS's offer file in
  `04_for_representation` (JSON), plus the TSO's answer (three floats per PCC).
* P2 (`06_ml_surrogate`): one row per system and load scenario; the payload is each DS's surrogate file (JSON)
  plus the FPU charts and costs the TSO receives with it; offline = dataset power flows + refinement, fit and
  certification, per system.
* P3 (`07_aladin`): one row per system (in-process ALADIN); deviation is the final optimality gap, bytes all
  messages over all iterations.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.tables import table

ROW = ["system", "method", "cases", "load_min", "load_max", "deviation_mean_pct", "deviation_max_pct",
       "feasible_pct", "tso_ms", "dso_ms", "online_ms", "integrated_ms", "time_ratio", "offline_s", "rounds",
       "bytes"]
"""Columns of a side-by-side row (see the module docstring for units); time_ratio = online / integrated."""

REVEALS = {
    "P1 FOR offer": "box, polynomial region and quadratic price over (P, Q, V) at each PCC; the TSO's answer is a "
                    "PCC point",
    "P2 ML surrogate": "FPU charts and costs, a K-facet polytope over FPU set-points and PCC voltage(s), quadratic "
                       "PCC-power regressors; the TSO sets the FPU dispatch itself",
    "P3 ALADIN": "per iteration: each region's boundary voltages, gradient, regularised Hessian, constraint "
                 "Jacobians; many rounds",
}
"""What each method's messages reveal about a DS."""


def offer_bytes(offers: xr.Dataset | None) -> dict[str, int]:
    """Size (bytes, UTF-8 JSON) of each DS's offer in a `04_for_representation` store, by region
    ("<system>/<DS>") and, for a DS the store holds in one system only or last seen, by DS name."""
    if offers is None or "offer_json" not in offers:
        return {}
    out = {}
    for r in offers.region.values:
        n = len(str(offers.offer_json.sel(region=r).values).encode())
        out[str(r)] = n
        out[str(r).split("/")[-1]] = n
    return out


def p1_rows(st: xr.Dataset, offers: xr.Dataset | None = None) -> pd.DataFrame:
    """Per (system, load level) of a `05_coordination` store, in `ROW` columns (method "P1 FOR offer")."""
    t = table(st, "case")
    d = table(st, "dso_row", "dso_")
    size = offer_bytes(offers)
    rows = []
    for _, r in t.iterrows():
        ds_names = d[(d.system == r.system) & (d.level == r.level)].ds
        b = sum(size.get(f"{r.system}/{n}", size.get(str(n), np.nan)) for n in ds_names) + 24 * len(ds_names)
        online = r.tso_time_s + r.dso_time_max_s
        rows.append({
            "system": r.system, "method": "P1 FOR offer", "cases": 1, "load_min": r.level, "load_max": r.level,
            "deviation_mean_pct": r.cost_deviation_pct, "deviation_max_pct": r.cost_deviation_pct,
            "feasible_pct": 100.0 * bool(r.feasible), "tso_ms": 1e3 * r.tso_time_s, "dso_ms": 1e3 * r.dso_time_max_s,
            "online_ms": 1e3 * online, "integrated_ms": 1e3 * r.integrated_time_s,
            "time_ratio": online / r.integrated_time_s, "offline_s": r.offline_time_s, "rounds": 1, "bytes": b,
        })
    return pd.DataFrame(rows, columns=ROW)


def _fit_time(ds: pd.DataFrame) -> pd.Series:
    """The DSO's offline time after the dataset: refinement, fit and certification (``fit_time_s``); stores written
    before it was recorded only have the polytope's training time."""
    return ds.fit_time_s if "fit_time_s" in ds else ds.train_time_s


def p2_rows(st: xr.Dataset) -> pd.DataFrame:
    """Per (system, scenario) of a `06_ml_surrogate` store, in `ROW` columns (method "P2 ML surrogate")."""
    b = table(st, "run", "bench_")
    d = table(st, "dsid")
    rows = []
    for _, r in b.iterrows():
        ds = d[d.system == r.system]
        rows.append({
            "system": r.system, "method": "P2 ML surrogate", "cases": 1, "load_min": r.ts_load_mean,
            "load_max": r.ts_load_mean, "deviation_mean_pct": r.deviation_percent,
            "deviation_max_pct": r.deviation_percent, "feasible_pct": 100.0 * bool(r.feasible),
            "tso_ms": 1e3 * r.tso_time_s, "dso_ms": 0.0, "online_ms": 1e3 * r.tso_time_s,
            "integrated_ms": 1e3 * r.integrated_time_s, "time_ratio": r.tso_time_s / r.integrated_time_s,
            "offline_s": float((ds.dataset_time_s + _fit_time(ds)).sum()), "rounds": 1,
            "bytes": float(ds.payload_bytes.sum()),
        })
    return pd.DataFrame(rows, columns=ROW)


def p3_rows(st: xr.Dataset) -> pd.DataFrame:
    """Per system of a `07_aladin` store (in-process ALADIN runs), in `ROW` columns (method "P3 ALADIN").

    Feasibility is not judged by the T+D power flow in that chapter: the column is NaN; deviation is the final
    relative optimality gap to the centralized optimum (absolute value, %). Only the book's ALADIN counts (reduced
    coupled QP, no added latency, the chapter's iteration limit), one run per system."""
    from forlab.studies import ch07_aladin

    r = ch07_aladin.runs(st)
    r = r[(r.algorithm == "aladin") & (r["mode"] == "inprocess") & (r.latency_ms == 0)]
    if "qp" in r:  # the book's ALADIN (reduced coupled QP), not ALADIN-alpha's KKT variant run for comparison
        r = r[r.qp != "kkt"]
    # one run per system: the one with the chapter's iteration limit, not the extended re-run
    r = r.sort_values("max_iter").drop_duplicates("system", keep="first")
    central = ch07_aladin.frame(st, "sys").set_index("spec")
    rows = []
    for _, x in r.iterrows():
        t_int = float(central.loc[x.system, "central_time_s"]) if x.system in central.index else np.nan
        rows.append({
            "system": x.system, "method": "P3 ALADIN", "cases": 1, "load_min": 1.0, "load_max": 1.0,
            "deviation_mean_pct": 100 * abs(x.gap), "deviation_max_pct": 100 * abs(x.gap), "feasible_pct": np.nan,
            "tso_ms": np.nan, "dso_ms": np.nan, "online_ms": 1e3 * x.total_s, "integrated_ms": 1e3 * t_int,
            "time_ratio": x.total_s / t_int, "offline_s": 0.0, "rounds": int(x.iterations),
            "bytes": float(x.bytes_per_iter * x.iterations),
        })
    return pd.DataFrame(rows, columns=ROW)


def per_system(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of `p1_rows`/`p2_rows`/`p3_rows` aggregated per (system, method): means, the largest deviation, the
    feasible share over all cases, the load range, and the number of cases."""
    g = rows.groupby(["system", "method"], sort=False)
    out = g.agg(cases=("cases", "sum"), load_min=("load_min", "min"), load_max=("load_max", "max"),
                deviation_mean_pct=("deviation_mean_pct", "mean"), deviation_max_pct=("deviation_max_pct", "max"),
                feasible_pct=("feasible_pct", "mean"), tso_ms=("tso_ms", "mean"), dso_ms=("dso_ms", "mean"),
                online_ms=("online_ms", "mean"), integrated_ms=("integrated_ms", "mean"),
                time_ratio=("time_ratio", "mean"), offline_s=("offline_s", "mean"), rounds=("rounds", "mean"),
                bytes=("bytes", "mean"))
    return out.reset_index()


def printed(table: pd.DataFrame) -> pd.DataFrame:
    """A per-system table with the column names and rounding a paper prints."""
    t = table.copy()
    t["load (%)"] = [f"{100 * a:.0f}" if abs(a - b) < 1e-9 else f"{100 * a:.0f}-{100 * b:.0f}"
                     for a, b in zip(t.load_min, t.load_max)]
    t = t.rename(columns={
        "deviation_mean_pct": "deviation, mean (%)", "deviation_max_pct": "deviation, max (%)",
        "feasible_pct": "feasible after T+D PF (%)", "tso_ms": "TSO (ms)", "dso_ms": "DSO (ms)",
        "online_ms": "online (ms)", "integrated_ms": "integrated AC-OPF (ms)", "time_ratio": "online / integrated",
        "offline_s": "offline (s)", "bytes": "bytes exchanged"})
    cols = ["system", "method", "cases", "load (%)", "deviation, mean (%)", "deviation, max (%)",
            "feasible after T+D PF (%)", "TSO (ms)", "DSO (ms)", "online (ms)", "integrated AC-OPF (ms)",
            "online / integrated", "offline (s)", "rounds", "bytes exchanged"]
    t = t[cols].set_index(["system", "method"])
    return t.round({"deviation, mean (%)": 4, "deviation, max (%)": 4, "feasible after T+D PF (%)": 1,
                    "TSO (ms)": 1, "DSO (ms)": 1, "online (ms)": 1, "integrated AC-OPF (ms)": 1,
                    "online / integrated": 2, "offline (s)": 1, "rounds": 1, "bytes exchanged": 0})


def to_store(table: pd.DataFrame, dim: str) -> xr.Dataset:
    """A per-system or per-case table as variables over one dimension (strings stay strings)."""
    return xr.Dataset({f"{dim}_{c}": (dim, table[c].to_numpy()) for c in table.columns})


def from_store(st: xr.Dataset, dim: str) -> pd.DataFrame:
    """Inverse of `to_store`."""
    return table(st, dim, dim + "_")


def sources(**stores: xr.Dataset | None) -> str:
    """JSON of where each input store came from (path, parameter hash, git commit), for the store's attrs."""
    out = {}
    for name, s in stores.items():
        if s is not None:
            out[name] = {k: s.attrs.get(k, "") for k in ("store_path", "parameter_hash", "git_commit",
                                                          "created_utc")}
    return json.dumps(out)


__all__ = ["REVEALS", "ROW", "from_store", "offer_bytes", "p1_rows", "p2_rows", "p3_rows", "per_system", "printed",
           "sources", "to_store"]
