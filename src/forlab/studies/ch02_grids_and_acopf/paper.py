"""The paper-scale run: a paper-scale store's OPF benchmark as the page prints it (`paper_table`,
`paper_times_table`, cut under their titles by `paper_tables`) and case1354pegase's result in words (`paper_text`).
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.store import paper_origin
from forlab.book.tables import TitledTable, grouped, printable, wrappable
from forlab.studies.ch02_grids_and_acopf.optima import (
    PF_CHECK_HEADERS,
    PYPOWER_HEADERS,
    SOLVE_HEADERS,
    gap_to_published_pct,
    gap_to_pypower_pct,
)
from forlab.studies.ch02_grids_and_acopf.readers import _formatted, _grouped, _nets, _statuses
from forlab.studies.ch02_grids_and_acopf.timing import (
    _FORLAB_TIME_COLUMNS,
    TIME_FORMATS,
    TIME_HEADERS,
    _in_ms,
    _sentence,
    pegase_target_text,
    printed_times,
    total_header,
    warm_text,
    warm_timed,
)

__all__ = [
    "paper_table",
    "paper_tables",
    "paper_text",
    "paper_times_table",
]


def _paper_nets(big: xr.Dataset) -> pd.DataFrame:
    """The ``net`` table of a paper-scale store with the gaps to the published objective and to PYPOWER's (%)."""
    bt = _nets(big)
    bt["gap_to_published_pct"] = gap_to_published_pct(bt)
    bt["gap_to_pypower_pct"] = gap_to_pypower_pct(bt)
    return bt


def _paper_shown(big: xr.Dataset, formats: dict[str, str]) -> pd.DataFrame:
    """`_paper_nets` as text per column (`_formatted`, its times as `printed_times` gives them, as the default run's
    tables), its long system names free to wrap after each "+" and a long status between its words
    (`status_cell`)."""
    bt = _formatted(_statuses(printed_times(_paper_nets(big))), formats)
    bt.index = bt.index.map(wrappable)
    return bt


def paper_table(big: xr.Dataset) -> pd.DataFrame:
    """The optima of a paper-scale store's OPF benchmark: forlab's objective, MATPOWER's published one ($/h, 2
    decimals, as `validation_table`) and the gap (%, signed, two significant digits as in `validation_table`, so that
    a gap of a hundred-thousandth of a per cent does not print as zero) ("–": no MATPOWER 8.1 runopf optimum for the
    net), PYPOWER's and the gap to it likewise (`PYPOWER_HEADERS`; "–" on a study system, which has no MATPOWER file,
    and in a store written before the reference ran), Ipopt's status and the power-flow check of forlab's point as in
    `validation_table` (`PF_CHECK_HEADERS`; "–" for a difference the store does not hold); the times are
    `paper_times_table`."""
    shown = _paper_shown(big, {"buses": _grouped(0), "forlab_objective": _grouped(2),
                               "published_objective": _grouped(2), "gap_to_published_pct": "{:+.1e}",
                               "pypower_objective": _grouped(2), "gap_to_pypower_pct": "{:+.1e}",
                               **dict.fromkeys(PF_CHECK_HEADERS, "{:.1e}")})
    return printable(shown, {
        "buses": "buses", "forlab_objective": "forlab ($/h)", "published_objective": f"{anchors.RUNOPF} ($/h)",
        "gap_to_published_pct": "gap to MATPOWER (%)", **PYPOWER_HEADERS, "forlab_status": STATUS_HEADER,
        **PF_CHECK_HEADERS,
    })


PAPER_FLAT_HEADERS = {"forlab_flat_solve_time_s": TIME_HEADERS["forlab_flat_solve_time_s"],
                      "runopp_flat_status": "runopp status (flat start)"}
"""The flat-start columns `paper_times_table` adds where the store has them (`FLAT_COLUMNS`): case1354pegase's time
target is judged on forlab's flat-start solve (`pegase_target_text`), so the table shows it."""


def paper_times_table(big: xr.Dataset) -> pd.DataFrame:
    """The times of a paper-scale store's OPF benchmark (ms) and the speed-ups over runopp, printed as the default
    run's tables (`printed_times`, `TIME_FORMATS`; "–": runopp not run, as on the study systems, or not
    converged), with forlab's solver time and runopp's status from the flat start where the store has them
    (`PAPER_FLAT_HEADERS`; "–": not run there, or forlab's flat-start solve failed)."""
    shown = _paper_shown(big, TIME_FORMATS)
    flat = {c: h for c, h in PAPER_FLAT_HEADERS.items() if c in shown}
    return printable(shown, {
        **{col: TIME_HEADERS[col] for col in _FORLAB_TIME_COLUMNS}, "runopp_status": "runopp status (pf start)",
        "runopp_wall_time_s": TIME_HEADERS["runopp_wall_time_s"], "speedup_solve": "speed-up solve",
        "speedup_total": total_header(_nets(big)), **flat,
    })


PAPER_TABLE_TITLES = (
    # no digit in a title (the version is in the column header): "MATPOWER's own runopf" rather than anchors.RUNOPF
    ("**Optima** per net: forlab's objective against MATPOWER's own runopf optimum as the book records it and against "
     "PYPOWER's run of the same runopf, with the gap to each."),
    ("**Solve and power-flow check** per net: Ipopt's status, and how far pandapower's power flow at forlab's "
     "dispatch lies from forlab's point."),
    "**forlab's times** per net: build, start, solve and warm re-solve",
    "**`runopp`** per net: its status and time, and forlab's speed-ups over it",
)
"""The titles of the paper-scale run's four tables (`paper_tables`): shown in one output, they would read as one."""

FORLAB_TIMES = (*(TIME_HEADERS[col] for col in _FORLAB_TIME_COLUMNS), PAPER_FLAT_HEADERS["forlab_flat_solve_time_s"])
"""The columns of `paper_times_table` that are forlab's own (the rest are runopp's and the speed-ups)."""


STATUS_HEADER = SOLVE_HEADERS["forlab_status"]
"""Ipopt's status as the paper-scale tables head it, the validation's word (`SOLVE_HEADERS`): in the second table,
beside the power-flow check (`paper_tables`)."""


def paper_tables(big: xr.Dataset) -> list[TitledTable]:
    """`paper_table` and `paper_times_table` of a paper-scale store, each cut in two that fit the text column (the
    optima, and Ipopt's status with the power-flow check, `PF_CHECK_HEADERS`; forlab's times, `FORLAB_TIMES`, and
    runopp's with the speed-ups: whole, their ten and nine columns ran past it), each under its title
    (`PAPER_TABLE_TITLES`, naming the flat-start columns where the store has them; displayed with
    `forlab.book.tables.titled`)."""
    optima, times = paper_table(big), paper_times_table(big)
    check = [c for c in optima.columns if c in (STATUS_HEADER, *PF_CHECK_HEADERS.values())]
    own = [c for c in times.columns if c in FORLAB_TIMES]
    flat = PAPER_FLAT_HEADERS["forlab_flat_solve_time_s"] in times.columns
    tables = (optima.drop(columns=check), optima[check], times[own], times.drop(columns=own))
    ends = (("", ""), ("", ""), (", and the solve from the flat start", "."),
            (", and its status from the flat start", "."))
    titles = [t if t.endswith(".") else t + (e[0] if flat else "") + e[1] for t, e in zip(PAPER_TABLE_TITLES, ends)]
    return list(zip(titles, tables))


def paper_text(big: xr.Dataset) -> str:
    """Markdown: case1354pegase's optimum and times from a paper-scale store ("" when it has no case1354pegase), its
    times in ms as the tables above it print them (`_in_ms`): the benchmark's times from the power-flow start
    (`forlab.opf.bench.compare`) and the time target judged from the flat start it is set for
    (`pegase_target_text`); then, over all its nets, the warm re-solves against the cold solves (`warm_text`); last,
    in a paragraph of its own, the store and the parameters it ran with (`forlab.book.store.paper_origin`), after
    the section's result rather than before it (its list of PGLib cases alone runs to a thousand characters)."""
    bt = _paper_nets(big)
    if "case1354pegase" not in bt.index:
        return ""
    pg = bt.loc["case1354pegase"]
    if not bool(pg.forlab_success):
        result = (f"In the paper-scale run, case1354pegase's solve from the power-flow start fails ({pg.forlab_status}); "
                  f"{pegase_target_text(pg, in_ms=True)}.")
    else:
        result = (
            f"In the paper-scale run, case1354pegase solves to {grouped(pg.forlab_objective, 2)} \\$/h "
            f"({anchors.RUNOPF}: {grouped(pg.published_objective, 2)}) in "
            f"{_in_ms(pg.forlab_solve_time_s, 'forlab_solve_time_s')} from the power-flow start after a "
            f"{_in_ms(pg.forlab_build_time_s, 'forlab_build_time_s')} build; a warm-started re-solve takes "
            f"{_in_ms(pg.forlab_warm_solve_time_s, 'forlab_warm_solve_time_s')}. "
            f"{_sentence(pegase_target_text(pg, in_ms=True))}."
        )
    return f"{result} {warm_text(bt, warm_timed=warm_timed(big))}\n\n{paper_origin(big)}"
