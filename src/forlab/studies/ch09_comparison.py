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

from forlab.book import runner
from forlab.book.store import open_store
from forlab.book.tables import table, to_dataset

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
    for r in offers.ds.values:
        n = len(str(offers.offer_json.sel(ds=r).values).encode())
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
            "deviation_mean_pct": r.deviation_pct, "deviation_max_pct": r.deviation_pct,
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
    d = table(st, "ds")
    rows = []
    for _, r in b.iterrows():
        ds = d[d.system == r.system]
        rows.append({
            "system": r.system, "method": "P2 ML surrogate", "cases": 1, "load_min": r.ts_load_mean,
            "load_max": r.ts_load_mean, "deviation_mean_pct": r.deviation_pct,
            "deviation_max_pct": r.deviation_pct, "feasible_pct": 100.0 * bool(r.feasible),
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


PAGE_TABLES = {
    "accuracy": {"cases": None, "load (%)": None, "deviation, mean (%)": 4, "deviation, max (%)": 4,
                 "feasible after T+D PF (%)": 1},
    "time": {"TSO (ms)": 1, "DSO (ms)": 1, "online (ms)": 1, "integrated AC-OPF (ms)": 1, "online / integrated": 2},
    "effort": {"offline (s)": 1, "rounds": 0, "bytes exchanged": 0},
}
"""The three tables a page shows of a per-system table (`printed` columns -> digits; None: shown as it is), so that
none is wider than the book's column."""

PAGE_HEADERS = {"feasible after T+D PF (%)": "feasible (%)", "bytes exchanged": "exchanged (bytes)"}
"""Headers the page words differently from `printed`."""


def page_table(table: pd.DataFrame, part: str) -> pd.DataFrame:
    """One of the `PAGE_TABLES` (``"accuracy"``, ``"time"``, ``"effort"``) of a per-system table: the columns and
    numbers of `printed`, as text with fixed digits, rows grouped by system (methods by their codes P1, P2, P3, in
    `METHOD_NAMES` order), and "–" where a method has no value (ALADIN's rows: chapter 07 neither splits its online
    time into TSO and DSO parts nor judges its iterate by the T+D power flow). "feasible (%)" is the share of cases
    whose dispatch is feasible in the T+D power flow."""
    from forlab.book.tables import printable

    digits = PAGE_TABLES[part]
    t = printed(table)
    systems = list(dict.fromkeys(t.index.get_level_values("system")))
    order = sorted(range(len(t)), key=lambda i: (systems.index(t.index[i][0]),
                                                  _method_rank(t.index[i][1])))
    t = t.iloc[order]
    t.index = pd.MultiIndex.from_tuples([(sys_, m.split(" ")[0]) for sys_, m in t.index], names=t.index.names)
    t["load (%)"] = t["load (%)"].str.replace("-", "\u2011")  # a non-breaking hyphen: "60-100" stays on one line
    for c, d in digits.items():
        if d is not None:
            # a whole number with 0 digits, else one digit (a mean of rounds may lie between two)
            t[c] = [np.nan if not np.isfinite(v) else f"{v:.{d if d or v == round(v) else 1}f}"
                    for v in t[c].astype(float)]
    return printable(t, {c: PAGE_HEADERS.get(c, c) for c in digits})


def _method_rank(method: str) -> int:
    return METHOD_NAMES.index(method) if method in METHOD_NAMES else len(METHOD_NAMES)


def to_store(table: pd.DataFrame, dim: str) -> xr.Dataset:
    """A per-system or per-case table as variables over one dimension (strings stay strings)."""
    return to_dataset(table, dim, f"{dim}_")


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


# ----------------------------------------------------------------------------------------------------------------------
# the chapter: its inputs, its store
# ----------------------------------------------------------------------------------------------------------------------

METHOD_NAMES = ("P1 FOR offer", "P2 ML surrogate", "P3 ALADIN")
"""The methods as the rows name them."""

PROFILES = {"P1": ("05_coordination", "paper"), "P1 offers": ("04_for_representation", "paper"),
            "P2": ("06_ml_surrogate", "paper"), "P3": ("07_aladin", "full")}
"""The paper-scale stores of the every-system comparison: key -> (chapter, profile)."""

NO_PAPER_STORES = ("No paper-scale store of the method chapters is available: run their `paper` profiles "
                   "(`forlab run 05_coordination --profile paper`, ...) or keep `archive/`.")


def validate(params: dict) -> None:
    """TypeError unless ``use_profiles`` is a bool."""
    use_profiles = params["use_profiles"]
    if not isinstance(use_profiles, bool):
        raise TypeError(f"use_profiles must be True or False, got {use_profiles!r}")


def chapter_store(chapter: str, override: dict) -> xr.Dataset:
    """The store of a method chapter's run with these parameters (its defaults where not given)."""
    return open_store(chapter, runner.chapter_params(chapter, override))


def profile(chapter: str, name: str, use_profiles: bool = True) -> xr.Dataset | None:
    """The store of a chapter's profile run (`forlab.book.runner.open_profile_store`); None when there is none or
    ``use_profiles`` is off."""
    return runner.open_profile_store(chapter, name) if use_profiles else None


def best(t: pd.DataFrame, col: str, fn: str = "idxmin"):
    """The method with the smallest (``fn="idxmin"``) or largest (``"idxmax"``) ``col`` in ``t``, and the column by
    method (NaN dropped); (None, empty) when no method has a value."""
    s = t.set_index("method")[col].dropna()
    return (getattr(s, fn)(), s) if len(s) else (None, s)


def default_rows(p1: xr.Dataset, p2: xr.Dataset, p3: xr.Dataset, offers: xr.Dataset | None,
                 system: str) -> pd.DataFrame:
    """The rows of the method chapters' default runs on ``system``; ValueError when a method did not run on it."""
    rows = pd.concat([p1_rows(p1, offers), p2_rows(p2), p3_rows(p3)], ignore_index=True)
    rows = rows[rows.system == system]
    missing = set(METHOD_NAMES) - set(rows.method)
    if missing:
        raise ValueError(f"the default runs have no {sorted(missing)} on {system!r}: choose a system all of chapters "
                         f"05, 06 and 07 ran, or pass their parameters")
    return rows


def profile_rows(big: dict[str, xr.Dataset | None]) -> pd.DataFrame:
    """The rows of the paper-scale stores (`PROFILES` keys; None: not available) on the study systems: those the
    one-round methods ran (ALADIN's transmission-area partitions are chapter 07's subject)."""
    parts = []
    if big["P1"] is not None:
        parts.append(p1_rows(big["P1"], big["P1 offers"]))
    if big["P2"] is not None:
        parts.append(p2_rows(big["P2"]))
    if big["P3"] is not None:
        parts.append(p3_rows(big["P3"]))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW)
    td = set(rows[rows.method != "P3 ALADIN"].system)
    return rows[rows.system.isin(td) | (rows.method != "P3 ALADIN")]


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params``: per system and method the default runs on ``system`` (dimension
    ``default``), the paper-scale rows (``case``) and their per-system means (``sys``), and the sensitivity study's
    rows (``sens``); ``attrs["sources"]`` says which stores they came from."""
    from forlab.studies import ch08_sensitivity

    validate(params)
    p1, p2, p3 = (chapter_store("05_coordination", params["p1_params"]),
                  chapter_store("06_ml_surrogate", params["p2_params"]),
                  chapter_store("07_aladin", params["p3_params"]))
    offers = chapter_store("04_for_representation", {})
    sens = chapter_store("08_sensitivity", params["sensitivity_params"])
    dflt = default_rows(p1, p2, p3, offers, params["system"])
    big = {k: profile(chapter, name, params["use_profiles"]) for k, (chapter, name) in PROFILES.items()}
    cases = profile_rows(big)
    out = xr.merge([
        to_store(per_system(dflt), "default"),
        to_store(cases, "case"),
        to_store(per_system(cases), "sys"),
        to_store(ch08_sensitivity.frame(sens), "sens"),
    ], combine_attrs="drop")
    out.attrs["sources"] = sources(p1=p1, p2=p2, p3=p3, offers=offers, sensitivity=sens,
                                   **{f"profile {k}": v for k, v in big.items()})
    return out


SOURCES = {"offers": "P1 offers, {doc}`04_for_representation`", "p1": "P1 coordination, {doc}`05_coordination`",
           "p2": "P2 surrogate, {doc}`06_ml_surrogate`", "p3": "P3 ALADIN, {doc}`07_aladin`",
           "sensitivity": "sensitivity study, {doc}`08_sensitivity`"}
"""The inputs of the chapter (keys of ``attrs["sources"]``) as a reader names them; the paper-scale stores are
``"profile <PROFILES key>"``, named after the default run of the same chapter (`PROFILE_SOURCES`)."""

PROFILE_SOURCES = {"P1 offers": "offers", "P1": "p1", "P2": "p2", "P3": "p3"}
"""`PROFILES` key -> the `SOURCES` key of the same chapter."""


def _source_line(what: str, found: dict | None) -> str:
    if found is None:
        return f"- {what}: not available"
    commit = str(found.get("git_commit", ""))
    head = commit.removesuffix("-dirty")
    short = head[:7] + ("-dirty" if commit.endswith("-dirty") else "") if len(head) == 40 else commit
    created = str(found.get("created_utc", ""))[:16].replace("T", " ")
    return f"- {what}: `{found['store_path']}`, commit `{short}`, written {created} UTC"


def sources_text(st: xr.Dataset) -> str:
    """Markdown: every store the chapter read, as a list: what it is (with a link to its chapter), its path relative
    to the repository, its commit (short) and when it was written; a paper-scale store that was not found says so."""
    found = json.loads(st.attrs["sources"])
    lines = ["The default runs:"]
    lines += [_source_line(what, found.get(key)) for key, what in SOURCES.items()]
    lines += ["", "The paper-scale runs:"]
    for key, source in PROFILE_SOURCES.items():
        what = f"{SOURCES[source]}, `{PROFILES[key][1]}` profile"
        lines.append(_source_line(what, found.get(f"profile {key}")))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------------
# figures and text
# ----------------------------------------------------------------------------------------------------------------------


def reveal_text() -> str:
    """Markdown table: what the TSO learns about a DS, per method (`REVEALS`), in full."""
    rows = [f"| {m} | {what} |" for m, what in REVEALS.items()]
    return "\n".join(["| method | what the TSO learns about a DS |", "| --- | --- |", *rows])


COLORS = {"P1 FOR offer": "tab:blue", "P2 ML surrogate": "tab:orange", "P3 ALADIN": "tab:green"}
"""One colour per method, as in `forlab.studies.ch08_sensitivity`."""

TIME_TICKS = tuple(m * 10.0**e for e in range(-3, 7) for m in (1, 2, 5))
"""Where a log axis of times or time ratios is labelled (`forlab.book.plots.log_ticks`)."""


def default_figure(dflt: pd.DataFrame, system: str):
    """Bars per method of the default runs: mean cost deviation (%), online time against the integrated AC-OPF's
    (ms, log scale), data exchanged (kB); one legend. Drawn for the book's column (7.5 in). Returns the Figure."""
    import matplotlib.pyplot as plt

    from forlab.book import plots

    fig, ax = plt.subplots(1, 3, figsize=(7.5, 3.3), layout="constrained")
    names = [m.split(" ")[0] for m in dflt.method]
    colors = [COLORS.get(m, "tab:grey") for m in dflt.method]
    ax[0].bar(names, dflt.deviation_mean_pct, color=colors)
    ax[0].set_ylabel("mean cost deviation (%)")
    ax[1].bar(names, dflt.online_ms, color=colors, label="online: TSO + slowest DSO, or the ALADIN run")
    ax[1].bar(names, dflt.integrated_ms, fill=False, edgecolor="k", linestyle="--",
              label="integrated AC-OPF, same run")
    ax[1].set_yscale("log")
    plots.log_ticks(ax[1].yaxis, TIME_TICKS)
    ax[1].set_ylabel("time (ms)")
    ax[2].bar(names, dflt["bytes"] / 1e3, color=colors)
    ax[2].set_ylabel("data exchanged (kB)")
    for a in ax:
        a.grid(alpha=0.3, axis="y")
        a.grid(False, axis="x")
    fig.legend(*ax[1].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return fig


def systems_figure(sys_t: pd.DataFrame):
    """Per study system and method: mean cost deviation (%, log, with P1's paper bound) and online time over the
    integrated AC-OPF's (log), one panel above the other, one legend. Returns the Figure; None for an empty table."""
    import matplotlib.pyplot as plt

    from forlab.book import plots

    if sys_t.empty:
        return None
    order = list(dict.fromkeys(sys_t.system))
    methods = sorted(dict.fromkeys(sys_t.method), key=_method_rank)
    fig, ax = plt.subplots(2, 1, figsize=(7.5, 5.8), sharex=True, layout="constrained")
    w = 0.8 / len(methods)
    for k, m in enumerate(methods):
        g = sys_t[sys_t.method == m].set_index("system").reindex(order)
        x = np.arange(len(order)) + (k - (len(methods) - 1) / 2) * w
        ax[0].bar(x, g.deviation_mean_pct.clip(lower=1e-6), w, label=m, color=COLORS.get(m))
        ax[1].bar(x, g.time_ratio, w, color=COLORS.get(m))
    ax[0].set_yscale("log")
    plots.log_ticks(ax[0].yaxis, [10.0**e for e in range(-6, 3)], "{:.0e}")
    ax[0].axhline(0.058, color="grey", linestyle=":", label="P1 paper's bound, 0.058 %")
    ax[0].set_ylabel("mean cost deviation (%)")
    ax[1].axhline(1.0, color="k", linestyle="--", linewidth=1, label="online time = integrated AC-OPF time")
    ax[1].set_yscale("log")
    plots.log_ticks(ax[1].yaxis, [10.0**e for e in range(-2, 5)])
    ax[1].set_ylabel("online / integrated time")
    ax[1].set_xticks(np.arange(len(order)))
    ax[1].set_xticklabels(order, rotation=20, ha="right")
    for a in ax:
        a.grid(alpha=0.3, axis="y")
        a.grid(False, axis="x")
    entries = dict(zip(*reversed(ax[0].get_legend_handles_labels())))
    entries.update(zip(*reversed(ax[1].get_legend_handles_labels())))
    # three columns filled top to bottom: the methods in the first row, the two reference lines in the second
    keys = [*methods, "P1 paper's bound, 0.058 %", "online time = integrated AC-OPF time"]
    keys = [keys[i] for i in (0, 3, 1, 4, 2) if i < len(keys)] if len(methods) == 3 else keys
    fig.legend([entries[k] for k in keys], keys, loc="outside upper center", ncol=3)
    return fig


def _robustness(sens_t: pd.DataFrame) -> str:
    """The robustness statement: the largest change of deviation (percentage points) under one factor, the factors
    named as chapter 08 names them (`forlab.studies.ch08_sensitivity.FACTORS`)."""
    from forlab.studies.ch08_sensitivity import FACTORS

    ok = sens_t[sens_t.error == ""]
    spread = ok.groupby(["method", "variant_kind"]).deviation_pct.agg(lambda s: s.max() - s.min()).unstack()
    spread = spread.rename(columns=lambda k: FACTORS.get(k, k))
    worst = spread.stack().idxmax()
    return (f"- **Robustness** ({{doc}}`08_sensitivity`): the largest change of deviation under one factor is "
            f"{spread.stack().max():.4f} percentage points, for {worst[0]} when the "
            f"{'number of ' if worst[1] == FACTORS['fpus'] else ''}{worst[1]} changes; "
            + "; ".join(f"{m}: " + ", ".join(f"{k} {v:.4f}" for k, v in r.dropna().items())
                        for m, r in spread.iterrows()) + " (percentage points of deviation).")


def which_method_text(sys_t: pd.DataFrame, dflt: pd.DataFrame, sens_t: pd.DataFrame, system: str) -> str:
    """Markdown: which method when (cost, online speed, what the DSO reveals, offline preparation, feasibility,
    robustness), each statement computed from the per-system table of the paper-scale runs (the default runs on
    ``system`` when there is none) and the sensitivity rows."""
    src = sys_t if not sys_t.empty else dflt
    scope = "over the paper-scale runs of every study system" if not sys_t.empty else f"on {system}"
    mean = src.groupby("method", sort=False).agg(dev=("deviation_mean_pct", "mean"),
                                                 devmax=("deviation_max_pct", "max"),
                                                 ratio=("time_ratio", "mean"), feas=("feasible_pct", "mean"),
                                                 offline=("offline_s", "mean"),
                                                 kb=("bytes", lambda b: b.mean() / 1e3),
                                                 rounds=("rounds", "mean"), n=("system", "nunique"))
    wins = src.loc[src.groupby("system").deviation_mean_pct.idxmin()].method.value_counts()
    acc, fast, lean, prep = mean.dev.idxmin(), mean.ratio.idxmin(), mean.kb.idxmin(), mean.offline.idxmin()
    lines = [
        f"- **When cost matters most, and many rounds are acceptable**: {acc}, mean deviation "
        f"{mean.dev[acc]:.4f} % {scope} (the most accurate on {int(wins.get(acc, 0))} of "
        f"{src.system.nunique()} systems); the others: "
        + ", ".join(f"{m} {r.dev:.4f} % (max {r.devmax:.4f} %)" for m, r in mean.drop(acc).iterrows()) + ".",
        f"- **When the online step must be fast**: {fast}, online time {mean.ratio[fast]:.2f} x the integrated "
        f"AC-OPF on average; " + ", ".join(f"{m} {r.ratio:.2f} x" for m, r in mean.drop(fast).iterrows())
        + ". A ratio above 1 means the privacy-preserving step is slower than solving everything centrally.",
        f"- **When the DSO must reveal least**: {lean}, {mean.kb[lean]:.1f} kB in {mean.rounds[lean]:.0f} "
        f"round(s) on average; " + ", ".join(f"{m} {r.kb:.1f} kB in {r.rounds:.0f} round(s)"
                                             for m, r in mean.drop(lean).iterrows())
        + ". What each message contains is in the table of the first section.",
        "- **When the DS changes often** (topology, forecasts): offline preparation per system and case is "
        + ", ".join(f"{m} {r.offline:.1f} s" for m, r in mean.iterrows())
        + (f"; {prep} needs none." if mean.offline[prep] == 0 else f"; {prep} needs the least."),
        "- **Feasibility after the T+D power flow**: "
        + ", ".join(f"{m} {r:.1f} % of cases" for m, r in mean.feas.dropna().items())
        + "; ALADIN's iterate is judged by its consensus and gap in its own chapter, and by the T+D power flow in "
        "the sensitivity study.",
    ]
    if not sens_t.empty:
        lines.append(_robustness(sens_t))
    return "\n".join(lines)


__all__ = ["COLORS", "METHOD_NAMES", "NO_PAPER_STORES", "PAGE_HEADERS", "PAGE_TABLES", "PROFILES", "PROFILE_SOURCES",
           "REVEALS", "ROW", "SOURCES", "TIME_TICKS", "best", "chapter_store", "default_figure", "default_rows",
           "from_store", "offer_bytes", "p1_rows", "p2_rows", "p3_rows", "page_table", "per_system", "printed",
           "profile", "profile_rows", "reveal_text", "run", "sources", "sources_text", "systems_figure", "to_store",
           "validate", "which_method_text"]
