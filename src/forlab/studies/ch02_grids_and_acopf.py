"""Chapter 02, grids and AC-OPF: every grid, every study system, and forlab's AC-OPF against MATPOWER and runopp.

`run` computes the chapter's four tables and writes them into one store, each over its own dimension: ``grid`` (the
sixteen grids with a base-case power flow, `grid_rows`), ``net`` (the OPF benchmark, `opf_rows`), ``system_ds`` (one
row per DS of every study system, `study_rows`) and ``draw_bus`` / ``draw_branch`` (the drawing of one system). A
variable is named ``<dim>_<column>``; names and units follow pandapower (MW, Mvar, kW, times in s) and statuses are
the solvers' own words.

The readers below turn the store back into the chapter's tables (`grids_table`, `ties_table`, `study_table`,
`published_losses_table`, `pcc_table`, `validation_table`, `speed_table`, `runopp_table`, `paper_table`,
`paper_times_table`; headers in words with units, a missing value shown as "–"), its sentences (`grids_text`, `study_text`, `validation_text`,
`speed_text`, `scaling_text`, `paper_text`) and its figures (`system_figure`, `scaling_figure`).
"""

from __future__ import annotations

import json
import logging
import warnings

import numpy as np
import pandapower as pp
import pandas as pd
import xarray as xr

from forlab.book import plots
from forlab.book.tables import printable, table, wrappable
from forlab.grid import cases, td
from forlab.opf import bench
from forlab.studies.ch01_first_power_flow import store_header  # the provenance lines every chapter prints

__all__ = ["UNITS", "as_dataset", "branch_losses_kw", "frame", "grid_rows", "grids", "grids_table", "grids_text",
           "opf_rows", "paper_table", "paper_text", "paper_times_table", "pcc_table", "published_losses_table",
           "quiet", "run", "runopp_table", "scaling_figure", "scaling_text", "speed", "speed_table", "speed_text",
           "store_header", "study_rows", "study_table", "study_text", "system_figure", "ties_table", "validate",
           "validation", "validation_table", "validation_text"]

UNITS = {
    "p_load_mw": ("total active load", "MW"),
    "q_load_mvar": ("total reactive load", "Mvar"),
    "losses_kw": ("base-case branch losses, ties as shipped", "kW"),
    "published_losses_kw": ("published base-case losses", "kW"),
    "losses_ties_closed_kw": ("base-case branch losses, all ties closed", "kW"),
    "forlab_objective": ("forlab AC-OPF objective", "$/h"),
    "runopp_objective": ("runopp objective (power-flow start)", "$/h"),
    "runopp_flat_objective": ("runopp objective (flat start)", "$/h"),
    "published_objective": ("MATPOWER published AC-OPF objective", "$/h"),
    "forlab_build_time_s": ("forlab model build time", "s"),
    "forlab_solve_time_s": ("forlab solve time (median of cold solves)", "s"),
    "forlab_warm_solve_time_s": ("forlab warm-started re-solve time", "s"),
    "runopp_wall_time_s": ("runopp time (power-flow start)", "s"),
    "runopp_flat_wall_time_s": ("runopp time (flat start)", "s"),
    "forlab_pf_max_dvm_pu": ("max |dV| between OPF point and runpp at its dispatch", "p.u."),
    "speedup_total": ("runopp time / forlab build + solve", "1"),
    "speedup_solve": ("runopp time / forlab solve", "1"),
    "load_mw": ("DS load after scaling", "MW"),
    "fpu_p_max_mw": ("sum of FPU maximum active power", "MW"),
    "import_p_mw": ("base-case DS import", "MW"),
    "import_q_mvar": ("base-case DS import", "Mvar"),
    "q_mismatch_mvar": ("DS import Q minus replaced TS load Q", "Mvar"),
    "scale": ("DS scale factor", "1"),
}
"""Column -> (long name, units) of the store's variables (whichever table carries the column)."""


# ----------------------------------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------------------------------


def _require_subset(label, names, allowed):
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"{label}: unknown {unknown}; choose from {list(allowed)}")


def validate(params: dict) -> None:
    """ValueError for a name no case or study system has, a ``runopp_cases`` entry that is not in
    ``transmission``, or ``repeats`` that is not an integer >= 1."""
    _require_subset("transmission", params["transmission"], cases.TRANSMISSION)
    _require_subset("runopp_cases", params["runopp_cases"], params["transmission"])
    _require_subset("scaling_systems", params["scaling_systems"], td.available_systems())
    _require_subset("draw_system", [params["draw_system"]], td.available_systems())
    repeats = params["repeats"]
    if not (isinstance(repeats, int) and repeats >= 1):
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")


def quiet() -> None:
    """Silence what would clutter the chapter: pandapower logs a note for each MATPOWER generator whose voltage
    set-point lies outside its bus limits (it widens the limit), and numerical warnings during failed runopp
    iterations; the outcomes are recorded as statuses instead."""
    logging.getLogger("pandapower").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning)


# ----------------------------------------------------------------------------------------------------------------------
# computing the tables
# ----------------------------------------------------------------------------------------------------------------------


def branch_losses_kw(net) -> float:
    """Line, transformer and impedance-branch losses after a power flow (kW)."""
    parts = [net.res_line.pl_mw, net.res_trafo.pl_mw]
    if len(net.impedance):
        parts.append(net.res_impedance.pl_mw)
    return 1e3 * float(sum(part.sum() for part in parts))


def _base_case(net) -> tuple[str, float]:
    """pandapower's power flow with the loads as published: its status and the branch losses (kW)."""
    try:
        pp.runpp(net)
    except pp.LoadflowNotConverged:
        return "not_converged", np.nan
    return "converged", branch_losses_kw(net)


def grid_rows() -> pd.DataFrame:
    """One row per grid of `forlab.grid.cases.available` (index ``grid``): its size (`cases.summary`), the losses
    of its base-case power flow and, for a grid with tie lines, those with every tie closed, next to the published
    figure where there is one."""
    rows = []
    for name in cases.available():
        info = cases.summary(name)
        net = cases.load(name)
        n_impedance = len(net.impedance)
        pf_status, losses = _base_case(net)
        tied_status, tied_losses = _base_case(cases.load(name, ties="all")) if info["ties"] else ("no ties", np.nan)
        published = cases.PUBLISHED_LOSSES_KW.get(name)
        rows.append({
            "grid": name,
            "kind": info["kind"],
            "buses": info["buses"],
            "branches": info["lines"] + info["trafos"] + n_impedance,
            "ties": info["ties"],
            "p_load_mw": info["p_load_mw"],
            "q_load_mvar": info["q_load_mvar"],
            "losses_kw": losses,
            "pf_status": pf_status,
            "published_losses_kw": published.value if published else np.nan,
            "published_losses_source": published.source if published else "",
            "losses_ties_closed_kw": tied_losses,
            "pf_ties_closed_status": tied_status,
            "source_file": info["source_file"],
            "unit_conversion": info["unit_conversion"],
        })
    return pd.DataFrame(rows).set_index("grid")


def study_rows(loaded: dict) -> pd.DataFrame:
    """One row per DS of every study system in ``loaded`` (name -> `forlab.grid.td.StudySystem`, built with
    `load_system`'s defaults), index ``system_ds``: the DS's summary, its PCC buses and reactive mismatch."""
    rows = []
    for name, system in loaded.items():
        system_buses = len(system.ts.bus) + sum(len(d.bus) for d in system.ds.values())
        for ds_name, row in system.summary().iterrows():
            pcc = system.pcc[system.pcc.ds == ds_name]
            rows.append({
                "system": name,
                "ts": td.SYSTEMS[name][0],
                "ds": ds_name,
                "system_buses": system_buses,
                **row.to_dict(),
                "pcc_ts_buses": ", ".join(str(b) for b in pcc.ts_bus),
                "pcc_ds_buses": ", ".join(str(b) for b in pcc.ds_bus),
                "q_mismatch_mvar": float(pcc.q_mismatch_mvar.sum()),
            })
    return pd.DataFrame(rows).rename_axis("system_ds")


def opf_rows(transmission, runopp_cases, repeats: int, system_nets: dict) -> tuple[pd.DataFrame, dict]:
    """The OPF benchmark (`forlab.opf.bench.compare`), one row per net (index ``net``): the transmission cases
    (with runopp on ``runopp_cases``, also from its flat start, `bench.runopp_start`) and the integrated nets of
    ``system_nets``, with the published MATPOWER objective. Returns the table and the store's attributes: the
    discarded warm-up's times and the cases whose slack voltage runopp keeps fixed.

    A first comparison on case9 is discarded: it pays one-off costs of a fresh process (CasADi loading Ipopt,
    pandapower's first OPF set-up), which would otherwise be charged to whichever case comes first."""
    warmup = bench.compare({"case9": cases.load("case9")}, repeats=1, runopp=True, progress=False)

    ts_nets = {name: cases.load(name) for name in transmission}
    parts = []
    with_runopp = {n: ts_nets[n] for n in transmission if n in runopp_cases}
    without_runopp = {n: ts_nets[n] for n in transmission if n not in runopp_cases}
    if with_runopp:
        parts.append(bench.compare(with_runopp, repeats=repeats, runopp=True, progress=False))
    if without_runopp:
        parts.append(bench.compare(without_runopp, repeats=repeats, runopp=False, progress=False))
    flat = pd.DataFrame.from_dict(
        {n: bench.runopp_start(ts_nets[n], "flat") for n in runopp_cases}, orient="index",
    ).reindex(columns=["runopp_flat_success", "runopp_flat_status", "runopp_flat_objective", "runopp_flat_wall_time_s"])
    if system_nets:
        parts.append(bench.compare(system_nets, repeats=repeats, runopp=False, progress=False))

    opf = pd.concat(parts).reindex(list(transmission) + list(system_nets)).join(flat)
    opf.index.name = "net"
    opf["kind"] = ["transmission" if n in cases.TRANSMISSION else "study system" for n in opf.index]
    opf["published_objective"] = [
        cases.PUBLISHED_OPF_COST[n].value if n in cases.PUBLISHED_OPF_COST else np.nan for n in opf.index
    ]
    opf["runopp_flat_status"] = opf["runopp_flat_status"].fillna("not run")
    opf["runopp_flat_success"] = opf["runopp_flat_success"].fillna(False).astype(bool)
    slack_fixed = {n: not bool(ts_nets[n].ext_grid.get("controllable", pd.Series(False)).any())
                   for n in transmission}
    attrs = {"warmup_runopp_wall_time_s": float(warmup.runopp_wall_time_s.iloc[0]),
             "warmup_forlab_build_time_s": float(warmup.forlab_build_time_s.iloc[0]),
             "runopp_slack_voltage_fixed": sorted(n for n, fixed in slack_fixed.items() if fixed)}
    return opf, attrs


def as_dataset(frame: pd.DataFrame, dim: str) -> xr.Dataset:
    """A table as variables ``<dim>_<column>`` over ``dim`` (its index the coordinate), with the long names and
    units of `UNITS`; several tables share column names (buses, kind), hence the prefix, as in the drawing's."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype(str)
    ds = xr.Dataset.from_dataframe(frame.rename(columns=lambda c: f"{dim}_{c}").rename_axis(dim))
    for name, (long_name, units) in UNITS.items():
        if f"{dim}_{name}" in ds:
            ds[f"{dim}_{name}"].attrs.update(long_name=long_name, units=units)
    return ds


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params`` (``transmission``, ``runopp_cases``, ``repeats``, ``scaling_systems``,
    ``draw_system``): the grids, the OPF benchmark, the study systems' DSs and the drawing of ``draw_system``."""
    validate(params)
    quiet()
    grids = grid_rows()
    loaded = {name: td.load_system(name) for name in td.available_systems()}
    study = study_rows(loaded)
    grids["ties_closed_in_systems"] = study.groupby("ds").ties_closed.max().reindex(grids.index).astype(float)
    opf, opf_attrs = opf_rows(params["transmission"], params["runopp_cases"], params["repeats"],
                              {name: loaded[name].integrated() for name in params["scaling_systems"]})
    drawing = plots.tables_to_dataset(*plots.system_tables(loaded[params["draw_system"]].integrated()))
    ds = xr.merge([as_dataset(grids, "grid"), as_dataset(opf, "net"), as_dataset(study, "system_ds"), drawing])
    ds.attrs.update(
        description="grids, study systems, forlab AC-OPF vs MATPOWER optima and pandapower runopp",
        **opf_attrs,
        matpower_version=cases.matpower_version(),
    )
    return ds


# ----------------------------------------------------------------------------------------------------------------------
# reading the store
# ----------------------------------------------------------------------------------------------------------------------


def frame(stored: xr.Dataset, dim: str) -> pd.DataFrame:
    """The variables over one dimension as a DataFrame indexed by that dimension, without their ``<dim>_``
    prefix."""
    return table(stored, dim, f"{dim}_").set_axis(pd.Index(stored[dim].values, name=dim))


def _formatted(frame: pd.DataFrame, formats: dict) -> pd.DataFrame:
    """Numbers as text with the given format; a missing value as a dash."""
    out = frame.copy()
    for col, fmt in formats.items():
        out[col] = [("–" if pd.isna(v) else fmt.format(v)) for v in frame[col]]
    return out


def grids(stored: xr.Dataset) -> pd.DataFrame:
    """The ``grid`` table with the relative error of the losses against the published figure (%) and the source
    file's name."""
    grid_t = frame(stored, "grid")
    return grid_t.assign(
        rel_error_pct=100 * (grid_t.losses_kw - grid_t.published_losses_kw) / grid_t.published_losses_kw,
        file=[s.split(" from ")[0] for s in grid_t.source_file],
    )


def _corner(shown: pd.DataFrame) -> pd.DataFrame:
    """The index's name moved to the header row's first cell (pandas draws it there when the index has no name),
    so that a printed table has one header row."""
    out = shown.copy()
    out.columns.name, out.index.name = out.index.name, None
    return out


def grids_table(stored: xr.Dataset) -> pd.DataFrame:
    """The grids as the chapter prints them: kind, size, load and base-case losses (the comparison with the
    published losses is `published_losses_table`, the ties `ties_table`)."""
    shown = _formatted(grids(stored), {"p_load_mw": "{:,.2f}", "q_load_mvar": "{:,.2f}", "losses_kw": "{:,.1f}"})
    return _corner(printable(shown, {
        "kind": "kind", "buses": "buses", "branches": "branches", "ties": "tie lines", "p_load_mw": "load (MW)",
        "q_load_mvar": "load (Mvar)", "losses_kw": "losses (kW)",
    }))


def published_losses_table(stored: xr.Dataset) -> pd.DataFrame:
    """The grids with a published base-case loss figure: computed and published losses (kW), relative error (%)."""
    checked = grids(stored).dropna(subset=["published_losses_kw"])
    shown = _formatted(checked, {"losses_kw": "{:,.2f}", "published_losses_kw": "{:,.1f}", "rel_error_pct": "{:+.3f}"})
    return _corner(printable(shown, {"losses_kw": "losses, this run (kW)", "published_losses_kw": "published (kW)",
                                     "rel_error_pct": "relative error (%)"}))


def grids_text(stored: xr.Dataset) -> str:
    """Markdown: how closely the published loss figures are reproduced, and by which matpower files."""
    checked = grids(stored).dropna(subset=["published_losses_kw"])
    worst = checked.rel_error_pct.abs().idxmax()
    version = stored.attrs["matpower_version"]
    return (
        f"All sixteen base-case power flows converge. The {len(checked)} published loss figures are reproduced to "
        f"within {checked.rel_error_pct.abs().max():.3f} % (largest: {worst}, {checked.losses_kw[worst]:.2f} kW "
        f"against {checked.published_losses_kw[worst]:.1f} kW, i.e. within the rounding of the published figure). "
        f"The files are those of matpower {version}. case85 and case141 have no reference here because MATPOWER's "
        "version 2 files correct the original data, and no base-case loss figure was found for case533mt."
    )


def ties_table(stored: xr.Dataset) -> pd.DataFrame:
    """Per grid with tie lines: how many, how many the study systems close ("–": the grid is in none), the losses
    radial and with every tie closed (kW), their change (%) and the status of the meshed power flow."""
    g = grids(stored)
    tied = g[g.ties > 0]
    return _corner(printable(pd.DataFrame({
        "ties": tied.ties,
        "closed": [np.nan if pd.isna(v) else f"{v:.0f}" for v in tied.ties_closed_in_systems],
        "radial": tied.losses_kw,
        "meshed": tied.losses_ties_closed_kw,
        "change": 100 * (tied.losses_ties_closed_kw - tied.losses_kw) / tied.losses_kw,
        "status": tied.pf_ties_closed_status,
    }).round(2), {"ties": "tie lines", "closed": "closed in study systems", "radial": "losses, radial (kW)",
                  "meshed": "losses, all ties closed (kW)", "change": "change (%)", "status": "power flow"}))


def _study_formatted(stored: xr.Dataset) -> pd.DataFrame:
    s = _formatted(frame(stored, "system_ds"), {
        "scale": "{:.3f}", "load_mw": "{:.1f}", "fpu_p_max_mw": "{:.1f}", "import_p_mw": "{:.2f}",
        "import_q_mvar": "{:.2f}", "q_mismatch_mvar": "{:+.2f}",
    })
    # a zero-width space after each "+" lets a long system name wrap in a narrow column of the page
    s["system"] = s["system"].map(wrappable)
    return s.rename(columns={"system": "study system", "ds": "DS"}).set_index(["study system", "DS"])


def study_table(stored: xr.Dataset) -> pd.DataFrame:
    """The study systems' DSs as the chapter prints them (index study system, DS): sizes, FPUs and scaling (the
    ties each DS closes are in `ties_table`, its PCCs in `pcc_table`)."""
    return printable(_study_formatted(stored), {
        "system_buses": "buses (system)", "buses": "buses (DS)", "fpus": "FPUs", "fpu_p_max_mw": "FPU P max (MW)",
        "scale": "scale", "scaling": "scaling",
    })


def pcc_table(stored: xr.Dataset) -> pd.DataFrame:
    """The study systems' DSs at their PCCs (index study system, DS): base-case import, its reactive mismatch to
    the replaced TS load, and the PCC buses on either side."""
    return printable(_study_formatted(stored), {
        "import_p_mw": "import (MW)", "import_q_mvar": "import (Mvar)", "q_mismatch_mvar": "Q mismatch (Mvar)",
        "pccs": "PCCs", "pcc_ts_buses": "PCC TS bus", "pcc_ds_buses": "PCC DS bus",
    })


def study_text(stored: xr.Dataset) -> str:
    """Markdown: how many study systems, DSs and FPUs, their sizes, and why the reactive import differs."""
    study_t = frame(stored, "system_ds")
    return (
        f"{study_t.system.nunique()} study systems with {len(study_t)} DSs and {int(study_t.fpus.sum())} FPUs in "
        f"total, from {int(study_t.system_buses.min())} to {int(study_t.system_buses.max())} buses. The active "
        "import matches the replaced TS load exactly; the reactive import does not (column *Q mismatch*), because "
        "a DS's power factor is its own: the TS bus then carries the DS's reactive demand."
    )


def system_figure(stored: xr.Dataset, draw_system: str):
    """The drawing of the store (`forlab.book.plots.draw_system`). Returns the Figure."""
    import matplotlib.pyplot as plt

    buses, branches = plots.tables_from_dataset(stored)
    fig, ax = plt.subplots(figsize=(7.5, 5.0))  # the text column's width; the legend sits right of the map
    plots.draw_system((buses, branches), ax=ax, title=f"study system {draw_system}")
    return fig


# ----------------------------------------------------------------------------------------------------------------------
# is the AC-OPF right, is it fast
# ----------------------------------------------------------------------------------------------------------------------


def validation(stored: xr.Dataset) -> pd.DataFrame:
    """The nets with a published MATPOWER objective, with forlab's relative error against it."""
    opf_t = frame(stored, "net")
    val = opf_t[opf_t.published_objective.notna()].copy()
    val["rel_error"] = (val.forlab_objective - val.published_objective) / val.published_objective
    return val


def validation_table(stored: xr.Dataset) -> pd.DataFrame:
    """forlab's optimum against MATPOWER's, as the chapter prints it."""
    v = _formatted(validation(stored), {"forlab_objective": "{:,.2f}", "published_objective": "{:,.2f}",
                                        "rel_error": "{:+.1e}", "forlab_pf_max_dvm_pu": "{:.1e}"})
    return _corner(printable(v, {
        "buses": "buses", "forlab_objective": "forlab ($/h)", "published_objective": "MATPOWER ($/h)",
        "rel_error": "relative error", "forlab_status": "Ipopt status", "forlab_iterations": "iterations",
        "forlab_pf_max_dvm_pu": "max |dV| (p.u.)",
    }))


def validation_text(stored: xr.Dataset) -> str:
    """Markdown: whether every published optimum is reproduced (relative error and power-flow check below 1e-4)."""
    val = validation(stored)
    opf_t = frame(stored, "net")
    ok = bool((val.rel_error.abs() < 1e-4).all() and (val.forlab_pf_max_dvm_pu < 1e-4).all())
    others = opf_t[opf_t.published_objective.isna() & (opf_t.kind == "transmission")]
    return (
        f"{'All' if ok else 'Not all'} {len(val)} published optima are reproduced: the largest relative error is "
        f"{val.rel_error.abs().max():.1e} (MATPOWER prints the objective to two decimals), and the largest voltage "
        f"difference to pandapower's power flow is {val.forlab_pf_max_dvm_pu.max():.1e} p.u. "
        f"The cases without a published value here ({', '.join(others.index) or 'none'}) pass the same power-flow "
        f"check with max |dV| at most {others.forlab_pf_max_dvm_pu.max():.1e} p.u."
        + ("" if ok else " **A target is missed: see the table.**")
    )


def speed(stored: xr.Dataset) -> pd.DataFrame:
    """The transmission cases of the benchmark with runopp's objective gap to forlab's (%)."""
    opf_t = frame(stored, "net")
    sp = opf_t[opf_t.kind == "transmission"].copy()
    sp["objective_gap_pct"] = 100 * (sp.runopp_objective - sp.forlab_objective) / sp.forlab_objective
    return sp


def _speed_formatted(stored: xr.Dataset) -> pd.DataFrame:
    return _formatted(speed(stored), {
        "forlab_build_time_s": "{:.3f}", "forlab_solve_time_s": "{:.3f}", "forlab_warm_solve_time_s": "{:.3f}",
        "forlab_objective": "{:,.2f}", "runopp_objective": "{:,.2f}", "objective_gap_pct": "{:+.3f}",
        "runopp_wall_time_s": "{:.2f}", "speedup_total": "{:.1f}x", "speedup_solve": "{:.0f}x",
    })


def speed_table(stored: xr.Dataset) -> pd.DataFrame:
    """forlab's side of the benchmark, as the chapter prints it: build, cold-solve and warm re-solve times (s) and
    the objective; runopp's side is `runopp_table`."""
    return _corner(printable(_speed_formatted(stored), {
        "buses": "buses", "forlab_build_time_s": "build (s)", "forlab_solve_time_s": "solve (s)",
        "forlab_warm_solve_time_s": "warm re-solve (s)", "forlab_objective": "forlab ($/h)",
    }))


def runopp_table(stored: xr.Dataset) -> pd.DataFrame:
    """runopp against forlab, as the chapter prints it: runopp's status (power-flow start), time, speed-ups,
    objective and its gap to forlab's (%), and its status from the flat start ("–": runopp not run or failed)."""
    return _corner(printable(_speed_formatted(stored), {
        "runopp_status": "runopp (pf start)", "runopp_wall_time_s": "runopp (s)", "speedup_solve": "speed-up solve",
        "speedup_total": "speed-up build+solve", "runopp_objective": "runopp ($/h)",
        "objective_gap_pct": "runopp - forlab (%)", "runopp_flat_status": "runopp (flat start)",
    }))


def _speed_sentence(both: pd.DataFrame) -> str:
    """The speed paragraph: the speed-up of a solve and of build + solve where both engines converge."""
    if both.empty:
        return ("**Speed.** `runopp` converged on none of the cases it was run on here, so no ratio is measured; the "
                "times are in the table.")
    lo_t, hi_t = both.speedup_total.min(), both.speedup_total.max()
    lo_s, hi_s = both.speedup_solve.min(), both.speedup_solve.max()
    met_total, met_solve = lo_t >= 10, lo_s >= 10
    return (
        f"**Speed.** Where both converge ({len(both)} cases), a single forlab solve is "
        f"**{lo_s:.0f}x to {hi_s:.0f}x** faster than `runopp`: the 10x target is "
        f"{'met' if met_solve else '**missed**'} for the solves a study repeats. Counting the build, the "
        f"one-off cost of one grid, the ratio is **{lo_t:.1f}x to {hi_t:.1f}x**: the target is "
        + ("met for a single cold solve as well." if met_total else
           f"**missed** for a single cold solve on {int((both.speedup_total < 10).sum())} of {len(both)} cases, "
           "where building the CasADi model (symbolic graph, exact Hessian, Ipopt set-up) costs more than the solve "
           "itself. forlab pays that build once per grid; every later solve of the same model, with new loads or "
           "bounds, costs only the solve column (warm-started: the *warm re-solve* column).")
    )


def speed_text(stored: xr.Dataset) -> str:
    """Markdown: speed-ups, convergence of both engines, why runopp's optimum differs, and timing notes."""
    sp = speed(stored)
    both = sp[sp.forlab_success.astype(bool) & sp.runopp_success.astype(bool)]
    failed_pf = sp[(sp.runopp_status != "skipped") & ~sp.runopp_success.astype(bool)].index.tolist()
    tried_flat = sp[sp.runopp_flat_status != "not run"]
    failed_flat = tried_flat[~tried_flat.runopp_flat_success.astype(bool)].index.tolist()
    fixed = json.loads(stored.attrs["runopp_slack_voltage_fixed"])
    fixed_text = "in every case here" if set(fixed) >= set(sp.index) else f"here: {', '.join(fixed) or 'none'}"
    case9 = sp.loc["case9"] if "case9" in sp.index and sp.runopp_success.get("case9", False) else None
    forlab_ok = bool(sp.forlab_success.astype(bool).all())
    lines = [
        _speed_sentence(both),
        "",
        (f"**Convergence.** forlab converges on {'every' if forlab_ok else 'not every'} case. `runopp` started from "
         f"a power flow, as in the timings, fails on {', '.join(failed_pf) or 'none of the cases tried'}; from its "
         f"default flat start it fails on {', '.join(failed_flat) or 'none of the cases tried'}."),
        "",
        "" if both.empty else
        f"**Objectives.** `runopp`'s optimum is "
        f"{'slightly higher' if (both.objective_gap_pct > -1e-4).all() else 'different'} "
        f"({both.objective_gap_pct.min():+.3f} % to {both.objective_gap_pct.max():+.3f} %, column *runopp - "
        "forlab*): in pandapower an ext_grid that is not `controllable` keeps its voltage set-point in the OPF "
        f"(pandapower clamps the bus's voltage limits to it, {fixed_text}), whereas MATPOWER and forlab let the "
        "slack voltage move within the bus limits. forlab's optimum therefore equals MATPOWER's and `runopp`'s is "
        "that of a slightly more constrained problem.",
        "",
        f"*Timing notes.* The discarded warm-up on case9 took {stored.attrs['warmup_runopp_wall_time_s']:.2f} s in `runopp` "
        f"and {stored.attrs['warmup_forlab_build_time_s']:.2f} s to build forlab's model"
        + (f" (in the table: {case9.runopp_wall_time_s:.2f} s and {case9.forlab_build_time_s:.2f} s)" if case9 is not None else "")
        + ". Times are wall-clock on a shared machine with two cores and vary between runs by tens of percent; the "
        "ratios are more stable than the times because both engines run in turn in the same process.",
    ]
    return "\n".join(lines)


def scaling_figure(stored: xr.Dataset):
    """forlab's build and solve time against the bus count (log-log), transmission cases and integrated study
    systems, with runopp's time where it converged. Returns the Figure."""
    import matplotlib.pyplot as plt

    opf_t = frame(stored, "net")
    fig, ax = plt.subplots(figsize=(7.5, 4.6))  # the text column's width (forlab.book.plots.STYLE)
    for kind, marker in (("transmission", "o"), ("study system", "s")):
        sel = opf_t[opf_t.kind == kind]
        ax.loglog(sel.buses, sel.forlab_solve_time_s, marker, color="C0", label=f"forlab solve, {kind}")
        ax.loglog(sel.buses, sel.forlab_build_time_s, marker, color="C1", mfc="none", label=f"forlab build, {kind}")
    ran = opf_t[opf_t.runopp_success.astype(bool)]
    ax.loglog(ran.buses, ran.runopp_wall_time_s, "x", color="#7f7f7f", label="runopp (converged)")
    # the transmission cases by name under their solve time; the study systems are named in the text
    for name, row in opf_t[opf_t.kind == "transmission"].iterrows():
        ax.annotate(name.removeprefix("case"), (row.buses, row.forlab_solve_time_s), textcoords="offset points",
                    xytext=(0, -13), ha="center", fontsize=9, color="#404040")
    plots.log_ticks(ax.xaxis, [v for v in (10, 20, 50, 100, 200, 500, 1000, 2000)
                               if opf_t.buses.min() / 1.5 <= v <= opf_t.buses.max() * 1.5])
    ax.set_ylim(bottom=ax.get_ylim()[0] / 1.6)  # room for the names under the lowest points
    plots.log_ticks(ax.yaxis)
    ax.set_xlabel(plots.axis_label("buses"))
    ax.set_ylabel(plots.axis_label("wall-clock time", "s"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    return fig


def scaling_text(stored: xr.Dataset) -> str:
    """Markdown: the exponent of a least-squares fit of log(solve time) on log(buses), the largest net's times,
    case1354pegase against its 2 s target, and the study systems on the trend."""
    opf_t = frame(stored, "net")
    fit = np.polyfit(np.log(opf_t.buses.astype(float)), np.log(opf_t.forlab_solve_time_s), 1)
    largest = opf_t.buses.astype(int).idxmax()
    sys_t = opf_t[opf_t.kind == "study system"]
    text = (
        f"Over {len(opf_t)} nets from {int(opf_t.buses.min())} to {int(opf_t.buses.max())} buses, the solve time "
        f"grows roughly as buses^{fit[0]:.2f} (least-squares fit on the log-log points), "
        + ("less than proportionally: on small nets fixed costs per solve dominate. " if fit[0] < 1 else
           "about proportionally, as sparse linear algebra allows. " if fit[0] < 1.5 else
           "faster than proportionally. ")
        + f"The largest net, {largest}, solves in {opf_t.forlab_solve_time_s[largest]:.2f} s after a "
        f"{opf_t.forlab_build_time_s[largest]:.2f} s build"
    )
    if "case1354pegase" in opf_t.index:
        t_peg = float(opf_t.forlab_solve_time_s["case1354pegase"])
        text += f" (case1354pegase: target under 2 s, {'met' if t_peg < 2 else '**missed**'})"
    if len(sys_t):
        small, big = sys_t.buses.astype(int).idxmin(), sys_t.buses.astype(int).idxmax()
        text += (
            f". The {len(sys_t)} integrated study systems lie on the same trend, from "
            f"{sys_t.forlab_solve_time_s[small]:.3f} s ({small}, {int(sys_t.buses[small])} buses) to "
            f"{sys_t.forlab_solve_time_s[big]:.3f} s ({big}, {int(sys_t.buses[big])} buses), although their FPUs add "
            "PQ-chart constraints"
        )
    return text + "."


# ----------------------------------------------------------------------------------------------------------------------
# the paper-scale run
# ----------------------------------------------------------------------------------------------------------------------


def _paper_nets(big: xr.Dataset) -> pd.DataFrame:
    """The ``net`` table of a paper-scale store with the gap to the published objective (%)."""
    bt = frame(big, "net")
    bt["gap_to_published_pct"] = 100 * (bt.forlab_objective - bt.published_objective) / bt.published_objective
    return bt


def _paper_shown(big: xr.Dataset, decimals: dict[str, int]) -> pd.DataFrame:
    """`_paper_nets` rounded per column for the page, its long system names free to wrap after each "+"."""
    bt = _paper_nets(big).round(decimals)
    bt.index = bt.index.map(wrappable)
    return bt


def paper_table(big: xr.Dataset) -> pd.DataFrame:
    """The optima of a paper-scale store's OPF benchmark: Ipopt's status, forlab's objective, MATPOWER's published
    one ($/h, 2 decimals) and the gap (%, 4 decimals) ("–": MATPOWER publishes no optimum for the net); the times are
    `paper_times_table`."""
    shown = _paper_shown(big, {"forlab_objective": 2, "published_objective": 2, "gap_to_published_pct": 4})
    return _corner(printable(shown, {
        "buses": "buses", "forlab_status": "Ipopt status", "forlab_objective": "forlab ($/h)",
        "published_objective": "MATPOWER ($/h)", "gap_to_published_pct": "gap to MATPOWER (%)",
    }))


def paper_times_table(big: xr.Dataset) -> pd.DataFrame:
    """The times of a paper-scale store's OPF benchmark (s, ms resolution) and the speed-ups over runopp
    ("–": runopp skipped, as on the study systems, or not converged)."""
    shown = _paper_shown(big, {"forlab_build_time_s": 3, "forlab_solve_time_s": 3, "forlab_warm_solve_time_s": 3,
                               "runopp_wall_time_s": 2, "speedup_solve": 1, "speedup_total": 1})
    return _corner(printable(shown, {
        "forlab_build_time_s": "build (s)", "forlab_solve_time_s": "solve (s)",
        "forlab_warm_solve_time_s": "warm re-solve (s)", "runopp_status": "runopp status", "runopp_wall_time_s":
        "runopp (s)", "speedup_solve": "speed-up solve", "speedup_total": "speed-up build+solve",
    }))


def paper_text(big: xr.Dataset) -> str:
    """Markdown: case1354pegase's optimum and times from a paper-scale store ("" when it has no case1354pegase)."""
    bt = _paper_nets(big)
    if "case1354pegase" not in bt.index:
        return ""
    pg = bt.loc["case1354pegase"]
    return (
        f"From `{big.attrs['store_path']}`: case1354pegase solves to {pg.forlab_objective:,.2f} \\$/h "
        f"(MATPOWER: {pg.published_objective:,.2f}) in {pg.forlab_solve_time_s:.2f} s after a {pg.forlab_build_time_s:.2f} s "
        f"build (target: under 2 s for the solve, {'met' if pg.forlab_solve_time_s < 2 else 'missed'}); a warm-started "
        f"re-solve takes {pg.forlab_warm_solve_time_s:.2f} s."
    )
