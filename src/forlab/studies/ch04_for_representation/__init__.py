"""Chapter 04, FOR representation: every DS's offer (implicit polynomial region and quadratic price over its PCC
point, `forlab.p1_for.representation.build_offer`: eqs. (p1-polynomial), (p1-sos), (p1-margin) and (p1-price),
the chapter's section "A region and a price") fitted from its FOR samples and scored on held-out points.

`study`: the parameters (`PARAMETER_TYPES`, `check_params`), one DS's offer (`offer_of`) and `run(params)`. `store`:
the offers a store holds (`offer`) and their files next to it (`save_offers`). `readers`: tables from a store (the
candidates, `offer_info`, the two estimates of the FOR volume kept, `volume_agreement`) and the cuts of an offer
that the figures draw. `figures`: matplotlib figures (`level_sets`, `price_surface`, `cost_check`). `text`: Markdown
sentences, and the tables as the chapter prints them; `figure_text`: the sentences on what the figures show.
`paper`: the paper-scale section (its tables, summary and `volume_figure`). The notebook only calls and explains.

`run(params)` computes the chapter's store: `build_offer`'s report per DS stacked over dimension ``ds`` (candidates,
labelled points, cost points), the fit times, the boundary samples and each offer as JSON (``offer_json``). The
readers, figures and text helpers read a store (the current run's or an archived one opened with
`forlab.book.store.open_path`). Rates are fractions; cost errors are relative to the mean DS cost.
"""

from forlab.studies.ch04_for_representation.figure_text import (
    P_THIRDS,
    START_GRID,
    cost_miss_text,
    level_set_text,
    price_surface_text,
)
from forlab.studies.ch04_for_representation.figures import (
    FEASIBLE_POINT,
    INFEASIBLE_POINT,
    LEVEL_SET_LEGEND,
    TICKS,
    cost_check,
    level_sets,
    price_surface,
)
from forlab.studies.ch04_for_representation.paper import (
    HULL_SHARE,
    VOLUME_HELD,
    VOLUME_MISSED,
    paper_printables,
    paper_table,
    paper_tables,
    paper_text,
    volume_figure,
)
from forlab.studies.ch04_for_representation.readers import (
    CANDIDATE_COLUMNS,
    CONFIDENCE,
    CONFIDENCE_TEXT,
    CUT_BAND,
    OFFER_COLUMNS,
    candidate_table,
    candidates,
    chance_of_count,
    offer_info,
    offer_table,
    shared_uniform_points,
    volume_agreement,
)
from forlab.studies.ch04_for_representation.store import (
    OFFERS_FOLDER,
    offer,
    offer_file,
    save_offers,
)
from forlab.studies.ch04_for_representation.study import (
    PARAMETER_TYPES,
    TIMES,
    check_params,
    offer_of,
    run,
)
from forlab.studies.ch04_for_representation.text import (
    CANDIDATE_HEADERS,
    CANDIDATE_INDEX,
    LOW_RATE,
    MARGIN_HEADER,
    OFFER_PARTS,
    OFFER_TABLE_TITLES,
    PICKLED_WORDS,
    PRICE_HEADERS,
    REGION_HEADERS,
    candidate_printable,
    convexity_text,
    offer_contents_text,
    offer_lines,
    offer_printables,
    offer_tables,
    points_needed,
    target_verdict,
    volume_agreement_text,
    volume_summary,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "CANDIDATE_HEADERS",
    "CANDIDATE_INDEX",
    "CONFIDENCE",
    "CONFIDENCE_TEXT",
    "CUT_BAND",
    "FEASIBLE_POINT",
    "HULL_SHARE",
    "INFEASIBLE_POINT",
    "LEVEL_SET_LEGEND",
    "LOW_RATE",
    "MARGIN_HEADER",
    "OFFERS_FOLDER",
    "OFFER_COLUMNS",
    "OFFER_PARTS",
    "OFFER_TABLE_TITLES",
    "PARAMETER_TYPES",
    "PICKLED_WORDS",
    "PRICE_HEADERS",
    "P_THIRDS",
    "REGION_HEADERS",
    "START_GRID",
    "TICKS",
    "TIMES",
    "VOLUME_HELD",
    "VOLUME_MISSED",
    "candidate_printable",
    "candidate_table",
    "candidates",
    "chance_of_count",
    "check_params",
    "convexity_text",
    "cost_check",
    "cost_miss_text",
    "level_set_text",
    "level_sets",
    "offer",
    "offer_contents_text",
    "offer_file",
    "offer_info",
    "offer_lines",
    "offer_of",
    "offer_printables",
    "offer_table",
    "offer_tables",
    "paper_printables",
    "paper_table",
    "paper_tables",
    "paper_text",
    "points_needed",
    "price_surface",
    "price_surface_text",
    "run",
    "save_offers",
    "shared_uniform_points",
    "target_verdict",
    "volume_agreement",
    "volume_agreement_text",
    "volume_figure",
    "volume_summary",
]
