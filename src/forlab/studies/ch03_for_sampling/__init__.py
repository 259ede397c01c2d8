"""Chapter 03, FOR sampling: the PQV feasible operating region of a DS mapped by bounding-box projections and
Fibonacci support points (`forlab.p1_for.sampling.sample_for`), its PQ slices, what changes it, how many directions
are enough, a power-flow check of the samples and the scale run on the 533-bus DS.

The samples are those of eqs. (p1-box), (p1-projection), (p1-fibonacci) and (p1-support) (the chapter's section
"Three steps"), all computed by `forlab.p1_for`; this package runs them, checks them and reads them back.

`study`: the parameters (`PARAMETER_TYPES`, `check_params`, `ds_of`), the variants of one DS (`VARIANTS`), the
computation (`sample_dss`, `sample_variants`, `coverage_study`, `power_flow_checks`, `scale_run`) and `run`.
`readers`: tables read from a store (`summary_table`, `check_table`, `variant_ranges`, `coverage_table`,
`timing_table`, a run's `parameter`). `text`: Markdown sentences and the tables as the page prints them (`printed`,
`check_tables`, `slice_areas`). `figures`: the regions in 3-D (static and interactive), the PQ slices, the variants'
outlines and the coverage figure. `paper`: the paper-scale run's text (`paper_text`, `load_text`). The notebook only
calls and explains.

`run(params)` computes the chapter's store; the readers, text helpers and figures read a store (the current run's
or an archived one opened with `forlab.book.store.open_path`). Units: MW, Mvar, p.u., seconds.

Store layout (one table per dimension, `forlab.book.tables`):

* ``sample``: every OPF of every DS (p_mw, q_mvar, vm_pu, normal, stage, status, success, iterations,
  solve_time_s) and its DS, ``sample_ds``;
* ``vsample``: the same for the variants of one DS (prefix ``variant_``, and ``variant``);
* ``slice_point``: support points of the PQ slices at fixed PCC voltage (prefix ``slice_``);
* ``ds_row``: one row per DS (ds, buses, fpus, samples, failed, wall_time_s, mean_solve_time_s, mean_iterations,
  and the bounding box ``box_lo`` / ``box_hi`` over ``axis``);
* ``coverage_row``, ``ref_point``: the coverage study and its reference boundary;
* ``check_row``: the power-flow checks (prefix ``check_`` for the DS and its size);
* ``timing_row``: the scale run (prefix ``t_``).
"""

from forlab.studies.ch03_for_sampling.figures import (
    AXIS_LABELS,
    REFERENCE_LINE,
    SLICE_STYLES,
    STAGE_COLOURS,
    STAGE_LABELS,
    coverage_figure,
    for_regions_3d,
    for_regions_interactive,
    pq_slices,
    variant_outlines,
)
from forlab.studies.ch03_for_sampling.paper import (
    COMPETING_LOAD,
    load_text,
    paper_text,
)
from forlab.studies.ch03_for_sampling.readers import (
    COVERAGE,
    RANGE_HEADERS,
    SUMMARY,
    TIMING,
    check_table,
    coverage_table,
    parameter,
    summary_table,
    timing_table,
    variant_ranges,
)
from forlab.studies.ch03_for_sampling.study import (
    ANCHOR_KEYS,
    AXES,
    PARAMETER_TYPES,
    REFERENCE_VARIANT,
    SAMPLE_VARS,
    VARIANTS,
    check_params,
    coverage_study,
    ds_of,
    power_flow_checks,
    run,
    sample_dss,
    sample_variants,
    scale_run,
    slice_rows,
    tagged,
)
from forlab.studies.ch03_for_sampling.text import (
    BOX_FACES,
    BOX_UNITS,
    CHECK_PROJECTIONS,
    CHECK_SUPPORT,
    CHECK_TABLE_TITLES,
    DECIMALS,
    HEADERS,
    INDEX_NAMES,
    SUPPORT_TOL,
    TIMING_SHOWN,
    chart_variants_text,
    check_tables,
    check_text,
    coverage_text,
    opf_count_text,
    printed,
    samples_text,
    scale_text,
    slice_areas,
)

__all__ = [
    "ANCHOR_KEYS",
    "AXES",
    "AXIS_LABELS",
    "BOX_FACES",
    "BOX_UNITS",
    "CHECK_PROJECTIONS",
    "CHECK_SUPPORT",
    "CHECK_TABLE_TITLES",
    "COMPETING_LOAD",
    "COVERAGE",
    "DECIMALS",
    "HEADERS",
    "INDEX_NAMES",
    "PARAMETER_TYPES",
    "RANGE_HEADERS",
    "REFERENCE_LINE",
    "REFERENCE_VARIANT",
    "SAMPLE_VARS",
    "SLICE_STYLES",
    "STAGE_COLOURS",
    "STAGE_LABELS",
    "SUMMARY",
    "SUPPORT_TOL",
    "TIMING",
    "TIMING_SHOWN",
    "VARIANTS",
    "chart_variants_text",
    "check_params",
    "check_table",
    "check_tables",
    "check_text",
    "coverage_figure",
    "coverage_study",
    "coverage_table",
    "coverage_text",
    "ds_of",
    "for_regions_3d",
    "for_regions_interactive",
    "load_text",
    "opf_count_text",
    "paper_text",
    "parameter",
    "power_flow_checks",
    "pq_slices",
    "printed",
    "run",
    "sample_dss",
    "sample_variants",
    "samples_text",
    "scale_run",
    "scale_text",
    "slice_areas",
    "slice_rows",
    "summary_table",
    "tagged",
    "timing_table",
    "variant_outlines",
    "variant_ranges",
]
