"""Chapter 07, ALADIN (P3): its systems, runs and store, and the tables, figures and sentences drawn from it.

`systems`: the study systems by name (`load`, `check_spec`; the system specifications are in its docstring),
`load_systems` with their centralized baselines, ADMM's iteration caps. `study`: `run(params)` (`run_study`):
ALADIN on several systems and execution modes, a latency sweep, ADMM, every run judged (`judged_run`).
`store`: the whole chapter as one xarray Dataset (`to_store`; the store layout is in its docstring).
`readers`: tables from a store. `figures`: matplotlib figures from those tables. `text`: Markdown sentences,
and the tables as the chapter prints them. The notebook only calls and explains.

Paper step / equation -> function (the chapter's table; METHODS.md 'P3: ALADIN distributed AC-OPF'), paths
relative to `forlab.p3_aladin`: regions, copies and consensus `partition` (`opf_regions.partition`);
(p3-local-nlp) `opf_regions.region.Region.aladin_step`, sent by `algorithm.loop.parallel_step`; gradient,
Hessian, Jacobians `opf_regions.region.Region.sensitivities` (default: reduced in the region,
`algorithm.reduction.LocalReduction.reduce`); (p3-stop) `algorithm.loop.stop`; (p3-qp) `algorithm.qp.condensed_qp`
(default, from the regions' reduced messages), `algorithm.qp.reduced_qp_step` ("coupled"),
`algorithm.qp.create_coupled_qp` and `solve_qp` (ALADIN-alpha's), via `algorithm.loop.coupled_qp`; (p3-update) `algorithm.qp.compute_al_step`, `algorithm.qp.update_penalties`
(`algorithm.loop.coordinator_step`); the iteration `algorithm.loop.aladin`, on a net `run_aladin`; ADMM
`algorithm.admm.admm`, on a net `run_admm`; regions as Dask actors with emulated latency `execution`.
"""

from forlab.studies.ch07_aladin.figures import (
    FIGURE_WIDTH,
    admm_figure,
    convergence_figure,
    growth_figure,
    kkt_figure,
    latency_figure,
    time_split_figure,
    wall_time_figure,
)
from forlab.studies.ch07_aladin.readers import (
    FIT_R2_MIN,
    MODE_WORDS,
    SPLIT,
    STATUS_WORDS,
    TABLE_DIMS,
    TARGET_CONSENSUS,
    TARGET_GAP,
    admm_comparison,
    admm_focus,
    admm_runs,
    admm_table,
    anchors,
    convergence_table,
    coordinator_growth,
    coupling_rows,
    dask_overhead,
    first_iteration,
    frame,
    full_profile,
    growth_fit,
    iterations,
    kkt_runs,
    latency_sweep,
    message_summary,
    rounds_table,
    run_label,
    runs,
    scaling_report,
    targets,
    targets17,
    termination,
    time_split,
    wall_times,
)
from forlab.studies.ch07_aladin.store import (
    ANCHOR_KEYS,
    ISSUE17_TARGETS,
    JUDGED,
    LOG_COLUMNS,
    UNITS,
    to_store,
    units_of,
)
from forlab.studies.ch07_aladin.study import (
    PARAMETER_TYPES,
    Recorder,
    check_params,
    judged_run,
    run,
    run_dask,
    run_inprocess,
    run_study,
)
from forlab.studies.ch07_aladin.systems import (
    ADMM_ALL,
    ADMM_LARGE_BUSES,
    ADMM_LARGE_MAX_ITER,
    BASELINE_REPEATS,
    admm_max_iter_for,
    check_spec,
    load,
    load_systems,
    quiet,
)
from forlab.studies.ch07_aladin.text import (
    FIELD_WORDS,
    SUPERSCRIPT,
    TARGET_WORDS,
    TARGETS_WORDS,
    admm_cap_text,
    admm_shown,
    admm_target_text,
    admm_text,
    convergence_shown,
    dask_overhead_text,
    fmt_iteration,
    full_profile_text,
    growth_text,
    kkt_text,
    latency_comm_text,
    latency_shown,
    latency_text,
    messages_shown,
    overhead_range_text,
    overhead_shown,
    provenance_text,
    published_text,
    regions_shown,
    rounds_shown,
    sci_text,
    store_text,
    targets17_text,
    targets_shown,
    targets_text,
    wall_times_shown,
)

__all__ = [
    "ADMM_ALL", "ADMM_LARGE_BUSES", "ADMM_LARGE_MAX_ITER", "ANCHOR_KEYS", "BASELINE_REPEATS", "FIELD_WORDS",
    "FIGURE_WIDTH", "ISSUE17_TARGETS", "JUDGED", "LOG_COLUMNS", "FIT_R2_MIN", "MODE_WORDS", "PARAMETER_TYPES", "SPLIT",
    "STATUS_WORDS", "SUPERSCRIPT", "TABLE_DIMS", "TARGETS_WORDS", "TARGET_CONSENSUS", "TARGET_GAP",
    "TARGET_WORDS", "UNITS", "Recorder", "admm_cap_text", "admm_comparison", "admm_figure", "admm_focus",
    "admm_max_iter_for", "admm_runs", "admm_shown", "admm_table", "admm_target_text", "admm_text", "anchors",
    "check_params", "check_spec", "convergence_figure", "convergence_shown", "convergence_table",
    "coordinator_growth", "coupling_rows", "dask_overhead", "dask_overhead_text", "first_iteration",
    "fmt_iteration", "frame", "full_profile", "full_profile_text", "growth_figure", "growth_fit",
    "growth_text", "iterations", "judged_run", "kkt_figure", "kkt_runs", "kkt_text", "latency_comm_text",
    "latency_figure", "latency_shown", "latency_sweep", "latency_text", "load", "load_systems",
    "message_summary", "messages_shown", "overhead_range_text", "overhead_shown", "provenance_text",
    "published_text", "quiet", "regions_shown", "rounds_shown", "rounds_table", "run", "run_dask",
    "run_inprocess", "run_label", "run_study", "runs", "scaling_report", "sci_text", "store_text", "targets",
    "targets17", "targets17_text", "targets_shown", "targets_text", "termination", "time_split",
    "time_split_figure", "to_store", "units_of", "wall_time_figure", "wall_times", "wall_times_shown",
]
