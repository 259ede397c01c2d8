"""The three methods on one footing: one method on one variant of a study system, one uniform row.

`design`: the variants (`Variant`, `variants`) and the design as a table (`design_table`). `store`: the row every
method's outcome is put in (`COLUMNS`, `FLAGS`, `TEXT`, `result_row`, `failed_row`) and the rows as one xarray
Dataset (`to_store`). `methods`: each method on variants of one study system (`run_p1`, `run_p2`, `run_p3`).
`study`: `run_sensitivity`, the parameters (`PARAMETER_TYPES`, `check_params`), `study_design` and `run(params)`.
`readers`: tables read from a store (`frame`, `summary`, `applicable`, `paper_runs`, `chapter_05_store`).
`figures`: the chapter's figure. `text`: the tables as the chapter prints them and its Markdown sentences, P1's
offers here and in chapter 05 among them (`p1_offer_text`). The notebook only calls and explains.

This package sits above the three method wings (`forlab.p1_for` P1, `forlab.p2_surrogate` P2, `forlab.p3_aladin` P3) and
calls only their public study entry points; the wings never import it. It adds no algorithm: it builds the
variants of a sensitivity study, runs each method on them through the wing's own code, and reports every outcome in
the same columns, judged by the same T+D power flow (`forlab.opf.judge.judge`) against the same integrated
AC-OPF.

A **variant** changes one thing of the base case of a study system at a time (`Variant`): the load level (every
TS and DS load times a factor), the number of FPUs per DS (`forlab.grid.td.load_system(n_fpus=...)`) or the meshing
of the DSs (``ties="all"``: tie lines closed, meshed; ``"none"``: radial).

Units of the row columns (`COLUMNS`): costs in the TS case's currency per hour ($/h for MATPOWER), online times in
seconds (the record's ``solve_time_s``, solver times by the one rule, ALADIN's too, and ``wall_time_s``; the parts
``tso_ms`` and ``dso_ms`` in milliseconds), offline times in seconds, bytes by the one rule of every method
(`forlab.book.parallel.wire_bytes`: pickled, as Dask sends them), deviation in percent of the integrated optimum.

How each method is timed, in the same run as its own integrated AC-OPF (so that ratios hold on a noisy machine):

* P1 (`forlab.studies.ch05_coordination.case_study`): integrated, TSO and every DSO solve ``repeats`` times from the same
  start, the fastest counts; ``dso_ms`` is the slowest DSO (DSOs run in parallel); online = TSO + slowest DSO.
  Offline: FOR sampling, offer fit and the DSO's warm-start library, per DS and load level.
* P2 (`forlab.studies.ch06_ml_surrogate`): integrated and surrogate TSO ``repeats`` times each, the fastest counts; no online
  DSO step (the TSO sets the FPUs itself). Offline: dataset power flows, refinement, fit and certification, once
  per system (the surrogate takes the DS load factor as an input, so it serves every load level of its range).
* P3 (`forlab.p3_aladin.run_aladin`, zone partition: TS and one region per DS, in-process, ``repeats`` runs): online
  by the one rule (`aladin_seconds`): per round the slowest region and the coordinator (plus the communication for
  the wall time), rounds added, the fastest of the runs that ended as the first did (a repeat that raised or stopped
  elsewhere is left out, `forlab.studies.outcomes.repeated_runs`); ``tso_ms`` and ``dso_ms`` split that same run's online time
  (`aladin_split`): the coordinator's time and the regions' part (per round the slowest local NLP and the slowest
  local reduction, over every region, the TS region included), each summed over rounds, so that
  ``tso_ms + dso_ms`` is its ``solve_time_s`` in ms; its bytes are every region's messages, the TS region's
  included. A run that does not converge is a failed case. No offline work.

Every row carries the outcome record of `forlab.opf.outcome` (``status``, ``solve_time_s``, ``wall_time_s``,
``offline_time_s``, ``bytes_exchanged``, ``integrated_solve_time_s``, ``max_violation``, ...) under the record's names
and units, one name per quantity; the tables and sentences show its times in ms and its bytes in kB
(`display_units`). The integrated baseline of every method is `forlab.opf.outcome.integrated_baseline`.
"""

from forlab.book.plots import P1_BOUND
from forlab.studies.ch08_sensitivity.design import FACTORS, Variant, design_table, variants
from forlab.studies.ch08_sensitivity.figures import RATIO_TICKS, figure
from forlab.studies.ch08_sensitivity.methods import run_p1, run_p2, run_p3
from forlab.studies.ch08_sensitivity.readers import (
    NO_OFFLINE_STEP,
    NO_ONLINE_DSO_STEP,
    NOT_APPLYING,
    applicable,
    chapter_05_store,
    display_units,
    frame,
    paper_runs,
    summary,
)
from forlab.studies.ch08_sensitivity.store import (
    COLUMNS,
    FLAGS,
    KINDS,
    METHODS,
    TEXT,
    failed_row,
    record_fields,
    result_row,
    to_store,
    verdict_fields,
)
from forlab.studies.ch08_sensitivity.study import (
    PARAMETER_TYPES,
    check_params,
    run,
    run_sensitivity,
    study_design,
)
from forlab.studies.ch08_sensitivity.text import (
    BOUND_READING,
    NOMINAL_START,
    ONLINE_DIGITS,
    OUTLIER_FACTOR,
    P1_SETTINGS,
    base_case_text,
    bound_text,
    effort_table,
    findings,
    negative_text,
    online_table,
    p1_offer_text,
    paper_text,
    store_text,
    time_outliers,
    timing_spread_text,
)
from forlab.studies.outcomes import aladin_dispatch, aladin_outcome, aladin_seconds, aladin_split

__all__ = [
    "BOUND_READING",
    "COLUMNS",
    "FACTORS",
    "FLAGS",
    "KINDS",
    "METHODS",
    "NOMINAL_START",
    "NOT_APPLYING",
    "NO_OFFLINE_STEP",
    "NO_ONLINE_DSO_STEP",
    "ONLINE_DIGITS",
    "OUTLIER_FACTOR",
    "P1_BOUND",
    "P1_SETTINGS",
    "PARAMETER_TYPES",
    "RATIO_TICKS",
    "TEXT",
    "Variant",
    "aladin_dispatch",
    "aladin_outcome",
    "aladin_seconds",
    "aladin_split",
    "applicable",
    "base_case_text",
    "bound_text",
    "chapter_05_store",
    "check_params",
    "design_table",
    "display_units",
    "effort_table",
    "failed_row",
    "figure",
    "findings",
    "frame",
    "negative_text",
    "online_table",
    "p1_offer_text",
    "paper_runs",
    "paper_text",
    "record_fields",
    "result_row",
    "run",
    "run_p1",
    "run_p2",
    "run_p3",
    "run_sensitivity",
    "store_text",
    "study_design",
    "summary",
    "time_outliers",
    "timing_spread_text",
    "to_store",
    "variants",
    "verdict_fields",
]
