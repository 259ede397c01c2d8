"""Chapter 05, single-round coordination: the FOR method's case studies (offers built offline per DS and load
level, then `forlab.p1_for.coordinate.coordinate`: the TSO's OPF eq. (p1-tso), the DSOs' eq. (p1-dso) and the judged
deviation eq. (p1-deviation), the chapter's section "The TSO, the DSOs and the judge"), read back as the paper's
table, the time budget and the cases that miss a target.

`study`: `case_study` (every load level of one study system), the row of a level that failed (`failed_case`), the
parameters (`PARAMETERS`, `check_params`) and `run`. `store`: the chapter's store as one xarray Dataset
(`to_store`) and the units of its tables. `readers`: tables from a store (`coordination_table`,
`coordination_iterations`, `system_means`, `pcc_points`). `figures`: matplotlib figures from those tables
(`deviation_figure`). `text`: Markdown sentences, and the tables as the chapter prints them (the case, iteration
and PCC tables, the per-system summary, the targets met and missed and why, the time note, the paper-scale run).
The notebook only calls and explains.

`run(params)` computes the chapter's store (`to_store`): table ``case`` (one row per system and load level: integrated
optimum, TSO and DSO times, judged cost and its deviation ``deviation_pct`` (%), violations, offline time), the TSO's
PCC points (``pcc_row``, prefix ``pt_``) and every DSO's dispatch (``dso_row``, prefix ``dso_``, with its
``solve_time_s``). The readers and text helpers read a store (the current run's or an archived one opened with
`forlab.book.store.open_path`). Costs in the TS case's currency per hour ($/h), times in s in the store and ms in
the tables.
"""

from forlab.studies.ch05_coordination.figures import (
    KEY_GREY,
    ONLINE_TIME,
    deviation_figure,
)
from forlab.studies.ch05_coordination.readers import (
    MEASURED,
    MISMATCH_HEADER,
    RATES,
    REDUCTIONS,
    coordination_iterations,
    coordination_table,
    pcc_points,
    system_means,
)
from forlab.studies.ch05_coordination.store import (
    ANCHOR_KEYS,
    CASE_UNITS,
    DSO_UNITS,
    POINT_UNITS,
    to_store,
)
from forlab.studies.ch05_coordination.study import (
    CASE_STUDY_OPTIONS,
    PARAMETERS,
    case_study,
    check_params,
    failed_case,
    run,
)
from forlab.studies.ch05_coordination.text import (
    CASE_INDEX,
    CASE_TABLE_TITLES,
    COST_COLUMNS,
    ITERATION_COLUMNS,
    ITERATION_TABLE_TITLES,
    NEAR_BOUND_SHARE,
    ONE_SYSTEM,
    PAPER_TARGETS_POINTER,
    PCC_COLUMNS,
    PER_ITERATION_COLUMNS,
    SLOPE_AGREES_PCT,
    SURFACE_TOL,
    TARGET_DEVIATION_PCT,
    TARGET_REDUCTION_PCT,
    TIME_COLUMNS,
    TIME_NOTE_HEAD,
    WALL_COLUMNS,
    case_printables,
    case_tables,
    coordination_misses,
    coordination_summary,
    coordination_targets,
    coordination_time_note,
    iteration_printables,
    iteration_tables,
    paper_misses_text,
    paper_text,
    pcc_printable,
    record_note,
    start_choice_text,
    summary_text,
    surface_text,
    target_misses,
    violations_text,
    wall_printable,
)

__all__ = [
    "ANCHOR_KEYS",
    "CASE_INDEX",
    "CASE_STUDY_OPTIONS",
    "CASE_TABLE_TITLES",
    "CASE_UNITS",
    "COST_COLUMNS",
    "DSO_UNITS",
    "ITERATION_COLUMNS",
    "ITERATION_TABLE_TITLES",
    "KEY_GREY",
    "MEASURED",
    "MISMATCH_HEADER",
    "NEAR_BOUND_SHARE",
    "ONE_SYSTEM",
    "ONLINE_TIME",
    "PAPER_TARGETS_POINTER",
    "PARAMETERS",
    "PCC_COLUMNS",
    "PER_ITERATION_COLUMNS",
    "POINT_UNITS",
    "RATES",
    "REDUCTIONS",
    "SLOPE_AGREES_PCT",
    "SURFACE_TOL",
    "TARGET_DEVIATION_PCT",
    "TARGET_REDUCTION_PCT",
    "TIME_COLUMNS",
    "TIME_NOTE_HEAD",
    "WALL_COLUMNS",
    "case_printables",
    "case_study",
    "case_tables",
    "check_params",
    "coordination_iterations",
    "coordination_misses",
    "coordination_summary",
    "coordination_table",
    "coordination_targets",
    "coordination_time_note",
    "deviation_figure",
    "failed_case",
    "iteration_printables",
    "iteration_tables",
    "paper_misses_text",
    "paper_text",
    "pcc_points",
    "pcc_printable",
    "record_note",
    "run",
    "start_choice_text",
    "summary_text",
    "surface_text",
    "system_means",
    "target_misses",
    "to_store",
    "violations_text",
    "wall_printable",
]
