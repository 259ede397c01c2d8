"""The three methods side by side, read from the stores the method chapters wrote.

`readers`: the side-by-side rows read from the method chapters' stores (`p1_rows`, `p2_rows`, `p3_rows`), their
means per system and the load every method ran (`per_system`, `common_load`), and chapter 12's sweep under this
chapter's method names (`scale_rows`). `store`: the chapter's tables as one xarray Dataset (`to_store`,
`from_store`) and where its inputs came from (`sources`). `study`: the parameters, `check_params` and `run`, which
reads the method chapters' stores and writes the chapter's. `figures`: matplotlib figures of the default runs and of
every study system. `text`: the per-system tables as the page prints them and the sentences beside them (the load
compared at, what a "–" or a missing field means, the runs the time ratios divide by, the P1 paper's bound, what each
method's messages send, the stores read). `sensitivity`: chapter 08's runs beside the method chapters' (the
Robustness statement, what two runs of a method differ by, `rerun_text`). `scale`: many DSOs under one TSO, chapter
12's sweep, and the page's answer at its largest size (`answer_text`, `headline_text`, `scale_text`). `verdicts`:
"Which method when" (`which_method_text`). The notebook only calls and explains.

Nothing here solves anything: each function turns one method chapter's store into rows of the same columns, the
outcome record of `forlab.opf.outcome` (one yardstick), so that the comparison chapter's numbers are the method
chapters' numbers. Units: costs in the TS case's currency per hour, deviations in % of the integrated AC-OPF
optimum (signed, of the dispatch judged by the T+D power flow), online times in ms by the one rule (solver time and
wall time; parallel parts their slowest branch, sequential parts added), offline times in s, bytes by the one rule of
every method (`forlab.book.parallel.wire_bytes`: every message pickled as Dask sends it; stored in bytes, printed
in kB as the prose says them).
A failed case keeps its status and has no deviation; a field a store predates reads as missing and `missing_text`
says so (`forlab.opf.outcome.NOT_IN_STORE`).

* P1 (`05_coordination`): one row per system and load level; bytes the record's (the offers and the PCC points).
* P2 (`06_ml_surrogate`): one row per system and load scenario; bytes the record's (the surrogates, the DS load
  factors and the unit set-points); offline = dataset power flows + refinement, fit and certification, per system.
* An older store without the record's bytes has none here: its sizes were JSON text, another rule.
* P3 (`07_aladin`): one row per system (in-process ALADIN); online times by the rule from the stored per-round log,
  bytes all messages over all rounds; the judged deviation and feasibility only where the store has them (ALADIN's
  own optimality gap is not the judged deviation).
* Many DSOs (`12_many_dsos`, its paper-scale sweep): one row per number of DSs and method, the outcome record as that
  chapter stores it (`scale_rows`), shown in that chapter's two tables and note
  (`forlab.studies.ch12_many_dsos.paper_tables`, `paper_note`, which take these rows as they are); the sweep is the
  scale at which the question "which method wins" is asked of a TSO with dozens of DSOs, and the page answers it
  first and once (`answer_text`: a short verdict, then its conditions and caveats as a list), with the conditions the
  sweep ran under (`scale_conditions_text`: the TS, the DSs, the machine, the repeats and the offline models, from the
  parameters the store keeps of it); "Which method when" points to it (`scale_text`).
"""

from forlab.studies.ch09_comparison.figures import (
    COLORS,
    DATA_TICKS,
    EQUAL_TIMES,
    FIGURE_WIDTH,
    INTEGRATED_LABEL,
    MARKER_SIZE,
    ONLINE_LABEL,
    ONLINE_SWATCH,
    TIME_TICKS,
    YARDSTICK_BAR,
    default_figure,
    systems_figure,
    yardstick_bars,
)
from forlab.studies.ch09_comparison.readers import (
    LOAD_DIGITS,
    METHOD_CODES,
    METHOD_NAMES,
    ROW,
    SCALE_METHODS,
    SCALE_UNITS,
    baseline_spread,
    best,
    common_load,
    leaning_ratios,
    narrow_polytopes,
    p1_rows,
    p2_rows,
    p3_rows,
    per_system,
    scale_rows,
    slowest_run,
)
from forlab.studies.ch09_comparison.scale import (
    ANSWER_POINTER,
    ANSWER_SECTION,
    FPUS_HELD,
    HEADLINE_KEY,
    LEAST_REVEALING,
    NO_SCALE_STORE,
    NO_SPREAD,
    ONE_RUN_MOVES,
    P1_OFFLINE_RAN,
    P2_OFFLINE_RAN,
    REVEALS_BRIEF,
    SCALE_MODELS,
    STOPPED_BY_A_HAIR,
    answer_text,
    headline_text,
    one_run_spread,
    scale_base_mva,
    scale_conditions_text,
    scale_limit,
    scale_models_text,
    scale_reliability_text,
    scale_text,
    sweep_text,
)
from forlab.studies.ch09_comparison.sensitivity import (
    DEFAULT_SECTION,
    FIT_NAMES,
    FIT_SIZES,
    FIT_WHAT,
    GAP_COLUMNS,
    NO_SENS_PAPER,
    RERUN_PAIR,
    SENS_PAPER_UNFINISHED,
    SENS_REPEATS,
    TIMING_REPEATS,
    rerun_gaps,
    rerun_text,
    sensitivity_table,
)
from forlab.studies.ch09_comparison.store import (
    from_store,
    sources,
    to_store,
)
from forlab.studies.ch09_comparison.study import (
    PARAMETER_TYPES,
    PROFILES,
    SCALE,
    chapter_store,
    check_params,
    default_rows,
    method_systems,
    profile,
    profile_rows,
    run,
)
from forlab.studies.ch09_comparison.text import (
    DASHES,
    MISSING,
    NO_PAPER_STORES,
    NOT_APPLYING,
    NOT_APPLYING_WHY,
    OWN_LOADS,
    OWN_LOADS_LEAD,
    OWN_RANGES,
    P1_SOURCES,
    P2_LOAD,
    PAGE_HEADERS,
    PAGE_TABLES,
    PRINTED,
    PROFILE_SOURCES,
    REVEAL_HEADER,
    REVEALS,
    RUN_SOURCES,
    SCALE_SOURCE,
    SENS_RUNS,
    SOURCES,
    common_load_text,
    dash_text,
    lean_text,
    missing_text,
    negative_text,
    own_loads_table,
    p1_bound_text,
    page_table,
    page_tables,
    printed,
    reveal_text,
    runs_text,
    sources_text,
)
from forlab.studies.ch09_comparison.verdicts import (
    HELD,
    OFFLINE_UNIT,
    Evidence,
    which_method_text,
)

__all__ = [
    "ANSWER_POINTER",
    "ANSWER_SECTION",
    "COLORS",
    "DASHES",
    "DATA_TICKS",
    "DEFAULT_SECTION",
    "EQUAL_TIMES",
    "FIGURE_WIDTH",
    "FIT_NAMES",
    "FIT_SIZES",
    "FIT_WHAT",
    "FPUS_HELD",
    "GAP_COLUMNS",
    "HEADLINE_KEY",
    "HELD",
    "INTEGRATED_LABEL",
    "LEAST_REVEALING",
    "LOAD_DIGITS",
    "MARKER_SIZE",
    "METHOD_CODES",
    "METHOD_NAMES",
    "MISSING",
    "NOT_APPLYING",
    "NOT_APPLYING_WHY",
    "NO_PAPER_STORES",
    "NO_SCALE_STORE",
    "NO_SENS_PAPER",
    "NO_SPREAD",
    "OFFLINE_UNIT",
    "ONE_RUN_MOVES",
    "ONLINE_LABEL",
    "ONLINE_SWATCH",
    "OWN_LOADS",
    "OWN_LOADS_LEAD",
    "OWN_RANGES",
    "P1_OFFLINE_RAN",
    "P1_SOURCES",
    "P2_LOAD",
    "P2_OFFLINE_RAN",
    "PAGE_HEADERS",
    "PAGE_TABLES",
    "PARAMETER_TYPES",
    "PRINTED",
    "PROFILES",
    "PROFILE_SOURCES",
    "RERUN_PAIR",
    "REVEALS",
    "REVEALS_BRIEF",
    "REVEAL_HEADER",
    "ROW",
    "RUN_SOURCES",
    "SCALE",
    "SCALE_METHODS",
    "SCALE_MODELS",
    "SCALE_SOURCE",
    "SCALE_UNITS",
    "SENS_PAPER_UNFINISHED",
    "SENS_REPEATS",
    "SENS_RUNS",
    "SOURCES",
    "STOPPED_BY_A_HAIR",
    "TIME_TICKS",
    "TIMING_REPEATS",
    "YARDSTICK_BAR",
    "Evidence",
    "answer_text",
    "baseline_spread",
    "best",
    "chapter_store",
    "check_params",
    "common_load",
    "common_load_text",
    "dash_text",
    "default_figure",
    "default_rows",
    "from_store",
    "headline_text",
    "lean_text",
    "leaning_ratios",
    "method_systems",
    "missing_text",
    "narrow_polytopes",
    "negative_text",
    "one_run_spread",
    "own_loads_table",
    "p1_bound_text",
    "p1_rows",
    "p2_rows",
    "p3_rows",
    "page_table",
    "page_tables",
    "per_system",
    "printed",
    "profile",
    "profile_rows",
    "rerun_gaps",
    "rerun_text",
    "reveal_text",
    "run",
    "runs_text",
    "scale_base_mva",
    "scale_conditions_text",
    "scale_limit",
    "scale_models_text",
    "scale_reliability_text",
    "scale_rows",
    "scale_text",
    "sensitivity_table",
    "slowest_run",
    "sources",
    "sources_text",
    "sweep_text",
    "systems_figure",
    "to_store",
    "which_method_text",
    "yardstick_bars",
]

