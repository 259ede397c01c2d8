"""Chapter 06, the ML surrogate (P2): its steps, its store, and the tables, figures and sentences drawn from it.

`steps`: datasets, fits, sweeps, region slices and the benchmark of one study system (`DSCase`, `build_cases`,
`fit_case`, `sweep`, `region_slice`, `benchmark_system`). `store`: `run(params)`, the whole chapter as one xarray
Dataset (`to_store`; dimension ``ds``, one per DS as "system/DS"). `readers`: tables from a store. `figures`:
matplotlib figures from a store. `text`: Markdown sentences from a store or its tables.

Paper step / equation -> function (the chapter's table):
(p2-inputs) `forlab.p2_surrogate.dataset.InputSpace`, `DSFlow`, `label`; (p2-polytope)
`forlab.p2_surrogate.polytope.Polytope`; (p2-training) `forlab.p2_surrogate.polytope.train_polytope`, `calibrate`,
`forlab.p2_surrogate.refine`; (p2-regressors) `forlab.p2_surrogate.regressors.fit_quadratic`; (p2-tso)
`forlab.p2_surrogate.tso.SurrogateTSO`, `forlab.p2_surrogate.formulations.SurrogateTerms`; (p2-check)
`forlab.p2_surrogate.tso.validate`, `benchmark`.
"""

from forlab.studies.ch06_ml_surrogate.figures import (
    coverage_figure,
    history_figure,
    input_label,
    nice_log_ticks,
    scaling_figure,
    slice_figure,
    sweep_figure,
)
from forlab.studies.ch06_ml_surrogate.readers import (
    COVERAGE_GRID,
    SYSTEM_DS,
    acceptance,
    benchmark_shown,
    benchmark_table,
    benchmark_tables,
    cases,
    certify_table,
    coverage_shown,
    coverage_summary,
    coverage_summary_shown,
    coverage_summary_tables,
    coverage_table,
    dataset_shown,
    dataset_table,
    dataset_tables,
    keys,
    payload_shown,
    payload_table,
    per_system,
    per_system_shown,
    per_system_tables,
    refine_table,
    rounds_shown,
    rounds_tables,
    runs,
    scores_shown,
    scores_table,
    scores_tables,
    slice_outline,
    sweep_keys,
    thin_slices,
)
from forlab.studies.ch06_ml_surrogate.steps import (
    DSCase,
    benchmark_system,
    build_cases,
    default_slices,
    fit_case,
    lhs_train_size,
    point_truth,
    polytope_centre,
    region_slice,
    slice_reference,
    sweep,
)
from forlab.studies.ch06_ml_surrogate.store import check_params, options, run, to_store
from forlab.studies.ch06_ml_surrogate.text import (
    benchmark_summary,
    benchmark_targets,
    benchmark_text,
    conservatism_text,
    coverage_text,
    failures,
    false_feasible_note,
    flow_speed_text,
    history_text,
    little_accepted,
    offline_text,
    paper_run_text,
    safety_summary,
    scaling_text,
    slice_star_text,
    span,
    sweep_final_text,
    timing_text,
)

__all__ = [
    "COVERAGE_GRID", "SYSTEM_DS", "DSCase", "acceptance", "benchmark_shown", "benchmark_summary", "benchmark_system",
    "benchmark_table", "benchmark_tables", "benchmark_targets", "benchmark_text", "build_cases", "cases",
    "certify_table", "check_params", "conservatism_text", "coverage_figure", "coverage_shown", "coverage_summary",
    "coverage_summary_shown", "coverage_summary_tables", "coverage_table", "coverage_text", "dataset_shown", "dataset_table", "dataset_tables",
    "default_slices", "failures", "false_feasible_note", "fit_case", "flow_speed_text", "history_figure",
    "history_text", "input_label", "keys", "lhs_train_size", "little_accepted", "nice_log_ticks", "offline_text",
    "options",
    "paper_run_text", "payload_shown", "payload_table", "per_system", "per_system_shown", "per_system_tables",
    "point_truth", "polytope_centre", "refine_table", "region_slice", "rounds_shown", "rounds_tables", "run",
    "runs", "safety_summary", "scaling_figure", "scaling_text", "scores_shown", "scores_table", "scores_tables",
    "slice_figure", "slice_outline", "slice_reference", "slice_star_text", "span", "sweep", "sweep_figure", "sweep_final_text", "sweep_keys", "thin_slices",
    "timing_text", "to_store",
]
