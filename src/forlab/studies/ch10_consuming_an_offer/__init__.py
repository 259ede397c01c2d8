"""Chapter 10, consuming an offer as a TSO: what the receiver of a P1 offer file (`forlab.p1_for.offer.Offer`, the
JSON a DSO sends) can do with that file alone, without any data of the DS grid.

`offer_file`: which file the chapter reads and where offers come from (`offer_path`, `chapter_04_offers`), the
chapter's own small offer (`write_small_offer`) and the file's checks (`checks`, `rejection`). `evaluation`: the
polynomial and the price evaluated with numpy (`probe_points`, `edge_point`, `slices`). `one_bus`: the TSO's model
in miniature in Pyomo and CasADi, its structure and its solutions beside a numpy grid search (`solutions`).
`tso_acopf`: the TSO's whole AC-OPF, Pyomo beside CasADi (`pyomo_tso`, `tso_runs`, `agreement`). `study`: the
parameters, `check_params` and `run`, which computes the store. `readers`: the offer held in a store and the tables
as the page shows them. `figures`: the offered region's slices (`region_figure`). `text`: the Markdown sentences.
The notebook only calls and explains.

`run(params)` reads the offer file (`offer_path`: the parameter ``offer_file``, or a small offer this chapter makes
first with `forlab.p1_for.representation.make_offer`, `write_small_offer`) and computes the chapter's store: the
file's checks (table ``check``), the polynomial and the price evaluated with numpy at a few PCC points (table
``point``, prefix ``pt_``), P-Q slices of the offered region (``slice_f`` over ``vslice``, ``q_mvar``, ``p_mw``), and
a small TSO model (one TS bus with a generator and the DS import, eq. (p1-tso) in miniature) built in Pyomo
(`one_bus_pyomo`, with `forlab.p1_for.formulations.offer_pyomo_block`) and in CasADi (`one_bus_casadi`, with
`forlab.p1_for.formulations.offer_casadi`): the two models' structure (table ``item``) and their solutions next to
a numpy grid search (table ``solver``, prefix ``sol_``).

Then the TSO's whole AC-OPF on the offer's study system (`tso_runs`): the DS once as the offer (eq. (p1-tso)) and once
as a small P2 surrogate fitted here (eq. (p2-tso)), each in forlab's CasADi TSOs (`forlab.p1_for.tso.TSOForOPF`,
`forlab.p2_surrogate.tso.SurrogateTSO`) and in Pyomo (`pyomo_tso`: `forlab.opf.pyomo_acopf.PyomoACOPF` with the DS
blocks of `offer_pyomo_block` / `forlab.p2_surrogate.formulations.surrogate_pyomo_block`, solved by ripopt or an
ipopt executable), from the same start and timed by the fastest of ``repeats`` solves (table ``tso``, prefix
``tso_``), and whether the two engines agree within `PCC_TOL_PU` and `OBJECTIVE_TOL_REL` (table ``representation``,
prefix ``agree_``). Every variable carries ``units`` ("1" for counts, flags, dimensionless values and text). Costs
in $/h.
"""

from forlab.studies.ch10_consuming_an_offer.evaluation import (
    OUTSIDE_SHARE,
    POINT_LABELS,
    SLICE_POINTS,
    edge_point,
    probe_points,
    slices,
)
from forlab.studies.ch10_consuming_an_offer.figures import (
    OPTIMUM_MARKER,
    OPTIMUM_WORDS,
    region_figure,
)
from forlab.studies.ch10_consuming_an_offer.offer_file import (
    CHAPTER,
    GRID_POINTS,
    OFFER_CHAPTER,
    as_offer_file,
    box_grid,
    chapter_04_offers,
    check_offer_file,
    checks,
    offer_path,
    rejection,
    write_small_offer,
)
from forlab.studies.ch10_consuming_an_offer.one_bus import (
    ENGINES,
    GRID_FOUND,
    GRID_NONE,
    NO_SOLVER,
    PYOMO_COMPONENTS,
    STRUCTURE_ROWS,
    grid_search,
    one_bus_casadi,
    one_bus_pyomo,
    pyomo_label,
    pyomo_solver_available,
    solutions,
    solve_casadi,
    solve_pyomo,
    structure,
    tso_data,
)
from forlab.studies.ch10_consuming_an_offer.readers import (
    POINT_DIGITS,
    POINT_HEADERS,
    REPRESENTATIONS,
    SOLUTION_DIGITS,
    SOLUTION_HEADERS,
    TSO_DIGITS,
    TSO_HEADERS,
    TSO_SOLVE_COLUMNS,
    casadi_solution,
    checks_table,
    components_table,
    offer,
    offered_ds,
    points_table,
    solution_table,
    structure_table,
    tso_agree,
    tso_table,
    tso_tables,
)
from forlab.studies.ch10_consuming_an_offer.study import (
    AGREE_UNITS,
    PARAMETER_TYPES,
    POINT_UNITS,
    SOLUTION_UNITS,
    TSO_UNITS,
    check_params,
    run,
)
from forlab.studies.ch10_consuming_an_offer.text import (
    AT_BOUND_REL,
    AXES,
    FLAT_EIGENVALUE_REL,
    GRID_TIE_REL,
    OPTIONAL_SECTIONS,
    SOLVER_GLOSS,
    USD_H,
    USD_MWH,
    file_text,
    points_text,
    price_text,
    rejection_text,
    solution_text,
    solver_text,
    tso_text,
)
from forlab.studies.ch10_consuming_an_offer.tso_acopf import (
    OBJECTIVE_TOL_REL,
    PCC_TOL_PU,
    agreement,
    casadi_offer_tso,
    casadi_surrogate_tso,
    offer_extension,
    offer_system,
    one_ds_system,
    pcc_bus,
    pyomo_points,
    pyomo_row,
    pyomo_tso,
    small_surrogate,
    surrogate_extension,
    tso_runs,
)

__all__ = [
    "AGREE_UNITS",
    "AT_BOUND_REL",
    "AXES",
    "CHAPTER",
    "ENGINES",
    "FLAT_EIGENVALUE_REL",
    "GRID_FOUND",
    "GRID_NONE",
    "GRID_POINTS",
    "GRID_TIE_REL",
    "NO_SOLVER",
    "OBJECTIVE_TOL_REL",
    "OFFER_CHAPTER",
    "OPTIMUM_MARKER",
    "OPTIMUM_WORDS",
    "OPTIONAL_SECTIONS",
    "OUTSIDE_SHARE",
    "PARAMETER_TYPES",
    "PCC_TOL_PU",
    "POINT_DIGITS",
    "POINT_HEADERS",
    "POINT_LABELS",
    "POINT_UNITS",
    "PYOMO_COMPONENTS",
    "REPRESENTATIONS",
    "SLICE_POINTS",
    "SOLUTION_DIGITS",
    "SOLUTION_HEADERS",
    "SOLUTION_UNITS",
    "SOLVER_GLOSS",
    "STRUCTURE_ROWS",
    "TSO_DIGITS",
    "TSO_HEADERS",
    "TSO_SOLVE_COLUMNS",
    "TSO_UNITS",
    "USD_H",
    "USD_MWH",
    "agreement",
    "as_offer_file",
    "box_grid",
    "casadi_offer_tso",
    "casadi_solution",
    "casadi_surrogate_tso",
    "chapter_04_offers",
    "check_offer_file",
    "check_params",
    "checks",
    "checks_table",
    "components_table",
    "edge_point",
    "file_text",
    "grid_search",
    "offer",
    "offer_extension",
    "offer_path",
    "offer_system",
    "offered_ds",
    "one_bus_casadi",
    "one_bus_pyomo",
    "one_ds_system",
    "pcc_bus",
    "points_table",
    "points_text",
    "price_text",
    "probe_points",
    "pyomo_label",
    "pyomo_points",
    "pyomo_row",
    "pyomo_solver_available",
    "pyomo_tso",
    "region_figure",
    "rejection",
    "rejection_text",
    "run",
    "slices",
    "small_surrogate",
    "solution_table",
    "solution_text",
    "solutions",
    "solve_casadi",
    "solve_pyomo",
    "solver_text",
    "structure",
    "structure_table",
    "surrogate_extension",
    "tso_agree",
    "tso_data",
    "tso_runs",
    "tso_table",
    "tso_tables",
    "tso_text",
    "write_small_offer",
]
