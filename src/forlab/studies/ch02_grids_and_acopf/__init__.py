"""Chapter 02, grids and AC-OPF: every grid, every study system, and forlab's AC-OPF against MATPOWER and runopp.

`study`: the parameters (`PARAMETERS`, `check_params`), the tables `run` computes over each dimension and writes
into one store (`as_dataset`, the units of `UNITS`). `readers`: a dimension of the store as a table (`frame`), the
number formats and the dash of every printed table and the solver statuses free to break (`status_cell`), and the
grids' and the study systems' tables. `optima`: is the AC-OPF right, forlab's optimum against MATPOWER's and
PYPOWER's and the power-flow check (`validation_tables`, `validation_text`). `timing`: is it fast, forlab against
`runopp`, its warm re-solves and its solver time against the bus count (`speed_table`, `runopp_table`,
`speed_text`, `warm_text`, `scaling_text`). `pglib_opf`: the PGLib-OPF validation, the case files' branch limits and model build against solver
time (`pglib_table`, `pglib_text`, `branch_limits_text`, `build_text`). `paper`: the paper-scale run's tables and
sentence (`paper_tables`, `paper_text`). `figures`: the drawing, the scaling figure and the PGLib figure. `text`: the
grids', the study systems' and the drawing's sentences and the chapter's closing line (`handoff_text`).

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

from forlab.studies.ch02_grids_and_acopf.figures import (
    BUILD_COLOUR,
    ENLARGED_FEEDERS,
    SOLVE_COLOUR,
    bus_ticks,
    pglib_figure,
    scaling_figure,
    system_figure,
)
from forlab.studies.ch02_grids_and_acopf.optima import (
    VALIDATION_TOL,
    gap_to_published_pct,
    reproduced,
    validation,
    validation_rows,
    validation_table,
    validation_tables,
    validation_text,
)
from forlab.studies.ch02_grids_and_acopf.paper import (
    paper_table,
    paper_tables,
    paper_text,
    paper_times_table,
)
from forlab.studies.ch02_grids_and_acopf.pglib_opf import (
    ACCEPTABLE,
    PGLIB_TARGET_PCT,
    PGLIB_TIME_TARGET_BUSES,
    branch_limits,
    branch_limits_text,
    build_text,
    has_pglib,
    pglib_table,
    pglib_text,
    pglib_validation,
    times_comparable,
)
from forlab.studies.ch02_grids_and_acopf.readers import (
    LOSS_MATCH_UNITS,
    LOSSES_FORMAT,
    frame,
    grids,
    grids_table,
    loss_matches,
    pcc_table,
    published_losses_table,
    replaced_load_mw,
    status_cell,
    study_table,
    ties_table,
)
from forlab.studies.ch02_grids_and_acopf.study import (
    PARAMETERS,
    PGLIB_INIT,
    UNITS,
    WARM_TIMED,
    as_dataset,
    build_net,
    build_rows,
    check_params,
    grid_rows,
    opf_rows,
    pglib_rows,
    quiet,
    run,
    study_rows,
)
from forlab.studies.ch02_grids_and_acopf.text import (
    drawing_text,
    grids_text,
    handoff_text,
    study_text,
)
from forlab.studies.ch02_grids_and_acopf.timing import (
    SPEEDUP_FORMATS,
    TIME_DECIMALS,
    TIME_FORMATS,
    TIME_HEADERS,
    fit_ratio,
    pegase_target_text,
    printed_times,
    runopp_table,
    scaling_text,
    solve_time_fit,
    speed,
    speed_table,
    speed_text,
    speedups,
    total_header,
    warm_text,
    warm_timed,
)

__all__ = [
    "ACCEPTABLE",
    "BUILD_COLOUR",
    "ENLARGED_FEEDERS",
    "LOSSES_FORMAT",
    "LOSS_MATCH_UNITS",
    "PARAMETERS",
    "PGLIB_INIT",
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
    "reproduced",
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
