"""The chapter's tables read from its store (`forlab.studies.ch02_grids_and_acopf.study`): a dimension as a
table (`frame`; the OPF benchmark's ``net`` table through `_nets`, which leaves a failed solve's numbers missing), the
number formats and the dash of every printed table (`_formatted`, `_grouped`) and the solver statuses free to break
(`status_cell`), and the grids and the study systems as the page prints them (`grids_table`,
`published_losses_table`, `loss_matches`, `ties_table`, `study_table`, `pcc_table`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors, plots
from forlab.book.tables import ZWSP, grouped, printable, table, wrappable
from forlab.grid import cases
from forlab.opf import bench
from forlab.opf.outcome import unmeasured_when_failed
from forlab.studies.ch02_grids_and_acopf.study import NOT_RUN

__all__ = [
    "LOSSES_FORMAT",
    "LOSS_MATCH_UNITS",
    "frame",
    "grids",
    "grids_table",
    "loss_matches",
    "pcc_table",
    "published_losses_table",
    "replaced_load_mw",
    "status_cell",
    "study_table",
    "ties_table",
]


def frame(stored: xr.Dataset, dim: str) -> pd.DataFrame:
    """The variables over one dimension as a DataFrame indexed by that dimension, without their ``<dim>_``
    prefix."""
    return table(stored, dim, f"{dim}_").set_axis(pd.Index(stored[dim].values, name=dim))


_SOLVED_ONLY = {"forlab_success": ("forlab_objective", "forlab_solve_time_s", "forlab_warm_solve_time_s",
                                   *bench.PF_CHECK_KEYS.values()),
               "forlab_flat_success": ("forlab_flat_objective", "forlab_flat_solve_time_s"),
               "runopp_success": ("runopp_objective", "runopp_wall_time_s"),
               "runopp_flat_success": ("runopp_flat_objective", "runopp_flat_wall_time_s"),
               "pypower_success": ("pypower_objective",),
               "runopp_free_slack_success": ("runopp_free_slack_objective",)}
"""The ``net`` table's numbers a failed solve (forlab's, `runopp`'s or PYPOWER's) has none of, by the success column
that says so: `bench` writes them NaN, a store written before it numbers (`_nets`)."""


NEWER_COLUMNS = ("forlab_start_time_s", "forlab_pf_max_dva_degree", "forlab_pf_max_dp_slack_mw", "pypower_objective")
"""``net`` columns that `forlab.opf.bench.time_forlab` writes since it times forlab's start power flow and keeps the
whole power-flow check, and PYPOWER's optimum since `opf_rows` runs the reference engine: an older store lacks them,
and its tables show "–" there (`_nets`)."""


def _nets(stored: xr.Dataset) -> pd.DataFrame:
    """The ``net`` table (`frame`) with forlab's objective and times missing (NaN) where its solve failed
    (`_SOLVED_ONLY`), and `NEWER_COLUMNS` missing (NaN) in a store written before them: every reader of the benchmark
    reads it through here, so none uses a failed case's numbers."""
    t = frame(stored, "net")
    t = t.reindex(columns=[*t.columns, *(c for c in NEWER_COLUMNS if c not in t)])
    for success, columns in _SOLVED_ONLY.items():
        if success in t:
            t = unmeasured_when_failed(t, columns, t[success].fillna(False).astype(bool))
    if "runopp_status" in t:  # one word for a case runopp was not run on (`bench.compare` wrote "skipped")
        t["runopp_status"] = t.runopp_status.replace("skipped", NOT_RUN)
    return t


def _formatted(frame: pd.DataFrame, formats: dict) -> pd.DataFrame:
    """Numbers as text with the given format, a format string ("{:+.3f}") or a function of one number (`_grouped`);
    a missing value as a dash. A column the frame lacks stays absent (a store written before it was kept:
    `printable` then shows only the columns its caller asks for)."""
    out = frame.copy()
    for col, fmt in formats.items():
        if col in frame:
            show = fmt if callable(fmt) else fmt.format
            out[col] = [("–" if pd.isna(v) else show(v)) for v in frame[col]]
    return out


def _grouped(decimals: int, unit: str = "") -> Callable[[float], str]:
    """A format of `_formatted`'s tables and of the sentences beside them: a number with ``decimals`` decimals, its
    thousands grouped by the book's one rule (`forlab.book.tables.grouped`: "5 296.69", "1 354"), ``unit``
    appended ("61x"). Fix G2: the chapter grouped by a rule of its own, "5,296.69" beside the anchors' "5 296.69
    $/h", and left its bus counts and its times ungrouped ("1354")."""
    return lambda v: f"{grouped(v, decimals)}{unit}"


_WORD_STARTS = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
"""Where a new word starts inside a CamelCase status: "OPF|Not|Converged"."""

STATUS_COLUMNS = {"forlab_status": len("Solve_Succeeded"), "forlab_flat_status": len("Solve_Succeeded"),
                  "runopp_status": 0, "runopp_flat_status": 0}
"""The ``net`` table's solver statuses (Ipopt's and pandapower's own words), which the tables print through
`status_cell`, each with the length up to which a status stays whole. Ipopt's success stays whole: on every row of
a run that solves, it would wrap on every row, since a table at the column's full width still gives a column less
than its longest word where the words of all columns do not fit; its tables fit with it whole. pandapower's
"OPFNotConverged" may always break: whole, it set the width of both status columns of the runopp table, which then
ran past the text column (a reader's measurement: 794 px against 784)."""


def status_cell(status, longer_than: int = 0) -> str:
    """A solver's status as a table prints it: the same words, with a break mark (`forlab.book.tables.ZWSP`, a
    ``<wbr>`` on the page) after each "_" of Ipopt's ("Solve_Succeeded") and between the words of pandapower's
    CamelCase ("OPFNotConverged"), where a page may break it (`forlab.book.tables.wrappable`); a status of at most
    ``longer_than`` characters stays whole."""
    status = str(status)
    return status if len(status) <= longer_than else wrappable(_WORD_STARTS.sub(ZWSP, status), "_")


def _statuses(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its `STATUS_COLUMNS` as `status_cell` gives them (a missing one stays missing)."""
    out = frame.copy()
    for col, whole in STATUS_COLUMNS.items():
        if col in out:
            out[col] = [v if pd.isna(v) else status_cell(v, whole) for v in out[col]]
    return out


def grids(stored: xr.Dataset) -> pd.DataFrame:
    """The ``grid`` table with the relative error of the losses against the published figure (%) and the source
    file's name."""
    grid_t = frame(stored, "grid")
    return grid_t.assign(
        rel_error_pct=100 * (grid_t.losses_kw - grid_t.published_losses_kw) / grid_t.published_losses_kw,
        file=[s.split(" from ")[0] for s in grid_t.source_file],
    )


LOSSES_FORMAT = _grouped(2)
"""How this run's losses (kW) print in the grids', the published losses' and the ties' tables, thousands grouped
(`_grouped`): one format for one quantity in three adjacent tables (they once printed 1,298.1, 1,298.09 and
1298.09)."""


def grids_table(stored: xr.Dataset) -> pd.DataFrame:
    """The grids as the chapter prints them: kind, size, load and base-case losses (the comparison with the
    published losses is `published_losses_table`, the ties `ties_table`)."""
    shown = _formatted(grids(stored), {"buses": _grouped(0), "branches": _grouped(0), "p_load_mw": _grouped(2),
                                       "q_load_mvar": _grouped(2), "losses_kw": LOSSES_FORMAT})
    return printable(shown, {
        "kind": "kind", "buses": "buses", "branches": "branches", "ties": "tie lines", "p_load_mw": "load (MW)",
        "q_load_mvar": "load (Mvar)", "losses_kw": "losses (kW)",
    })


def _published(stored: xr.Dataset, grid: str, kw: float) -> str:
    """The published base-case losses ``kw`` of ``grid`` as published: with the decimals of its anchor in the registry
    (`forlab.book.anchors.published_losses`, ``digits``), those the store kept with it (``attrs["anchors"]``) where
    it did, else the registry's; two decimals where the registry has no such figure for ``grid``. One rounding for
    every row would misstate a figure published to another precision, and the relative error, computed from the
    figure itself, with it."""
    return grouped(kw, _printed_digits(stored, anchors.published_losses(grid)))


def _printed_digits(stored: xr.Dataset, anchor) -> int:
    """The decimals ``anchor`` (a `forlab.book.anchors.Anchor` or None) is printed with: those the store kept with it
    (``attrs["anchors"]``) where it did, else the registry's; two where there is no anchor."""
    if anchor is None:
        return 2
    kept = anchors.from_attr(stored.attrs["anchors"]) if "anchors" in stored.attrs else {}
    return kept[anchor.key].digits if anchor.key in kept else anchor.digits


def published_losses_table(stored: xr.Dataset) -> pd.DataFrame:
    """The grids with a published base-case loss figure: computed and published losses (kW, the published figure
    with its own decimals, `_published`), relative error (%)."""
    checked = grids(stored).dropna(subset=["published_losses_kw"])
    shown = _formatted(checked, {"losses_kw": LOSSES_FORMAT, "rel_error_pct": "{:+.3f}"})
    shown["published_losses_kw"] = [_published(stored, g, v) for g, v in checked.published_losses_kw.items()]
    return printable(shown, {"losses_kw": "losses, this run (kW)", "published_losses_kw": "published (kW)",
                             "rel_error_pct": "relative error (%)"})


LOSS_MATCH_UNITS = 1
"""A base-case loss of this run matches its published figure when the two differ by at most this many units of the
last digit the figure is printed with (its anchor's ``digits``, `forlab.book.anchors`): a paper may round its figure
or cut it off at that digit, and its power flow's tolerance is not pandapower's."""


def loss_matches(stored: xr.Dataset) -> pd.DataFrame:
    """Per grid with a published loss figure: this run's losses and the figure, each printed to the figure's last
    digit (``this_run``, ``published``), whether they are equal so (``same_digits``) and whether they match within
    `LOSS_MATCH_UNITS` units of that digit (``match``)."""
    checked = grids(stored).dropna(subset=["published_losses_kw"])
    digits = pd.Series({n: _printed_digits(stored, anchors.published_losses(n)) for n in checked.index})
    units = (checked.losses_kw - checked.published_losses_kw).abs() * 10.0 ** digits
    this_run = [grouped(v, d) for v, d in zip(checked.losses_kw, digits)]
    published = [_published(stored, n, v) for n, v in checked.published_losses_kw.items()]
    return pd.DataFrame({"losses_kw": checked.losses_kw, "this_run": this_run, "published": published,
                         "same_digits": [a == b for a, b in zip(this_run, published)],
                         "match": units.round(9) <= LOSS_MATCH_UNITS, "rel_error_pct": checked.rel_error_pct})


def ties_table(stored: xr.Dataset) -> pd.DataFrame:
    """Per grid with tie lines: how many, how many the study systems close ("–": the grid is in none), the losses
    radial and with every tie closed (kW, `LOSSES_FORMAT`, as the tables above print them), their change (%) and the
    status of the meshed power flow."""
    g = grids(stored)
    tied = g[g.ties > 0]
    shown = _formatted(pd.DataFrame({
        "ties": tied.ties,
        "closed": [np.nan if pd.isna(v) else f"{v:.0f}" for v in tied.ties_closed_in_systems],
        "radial": tied.losses_kw,
        "meshed": tied.losses_ties_closed_kw,
        "change": 100 * (tied.losses_ties_closed_kw - tied.losses_kw) / tied.losses_kw,
        "status": tied.pf_ties_closed_status,
    }), {"radial": LOSSES_FORMAT, "meshed": LOSSES_FORMAT, "change": "{:.2f}"})
    return printable(shown, {"ties": "tie lines", "closed": "closed in study systems", "radial": "losses, radial (kW)",
                             "meshed": "losses, all ties closed (kW)", "change": "change (%)", "status": "power flow"})


def _study_formatted(stored: xr.Dataset) -> pd.DataFrame:
    s = _formatted(frame(stored, "system_ds"), {
        "scale": "{:.3f}", "load_mw": "{:.1f}", "fpu_p_max_mw": "{:.1f}", "import_p_mw": "{:.2f}",
        "import_q_mvar": "{:.2f}", "q_mismatch_mvar": "{:+.2f}", "system_buses": _grouped(0), "buses": _grouped(0),
    })
    # a zero-width space after each "+" lets a long system name wrap in a narrow column of the page
    s["system"] = s["system"].map(wrappable)
    return s.rename(columns={"system": "study system", "ds": "DS"}).set_index(["study system", "DS"])


def study_table(stored: xr.Dataset) -> pd.DataFrame:
    """The study systems' DSs as the chapter prints them (index study system, DS): sizes, FPUs and scaling (the
    ties each DS closes are in `ties_table`, its PCCs in `pcc_table`)."""
    return printable(_study_formatted(stored), {
        "system_buses": "buses (system)", "buses": "buses (DS)", "fpus": "FPUs",
        "fpu_p_max_mw": "FPU P max, all FPUs (MW)", "scale": "scale", "scaling": "scaling",
    })


def pcc_table(stored: xr.Dataset) -> pd.DataFrame:
    """The study systems' DSs at their PCCs (index study system, DS): base-case import, its reactive mismatch to
    the replaced TS load, and the PCC buses on either side."""
    return printable(_study_formatted(stored), {
        "import_p_mw": "import (MW)", "import_q_mvar": "import (Mvar)", "q_mismatch_mvar": "Q mismatch (Mvar)",
        "pccs": "PCCs", "pcc_ts_buses": "PCC TS bus", "pcc_ds_buses": "PCC DS bus",
    })


def replaced_load_mw(study_t: pd.DataFrame) -> pd.Series:
    """Per DS row of the ``system_ds`` table, the active TS load it replaces (MW): the load of its TS case file at
    its first PCC bus (`forlab.grid.td`: a second PCC replaces none), read through `forlab.grid.cases`."""
    ts_loads = {ts: cases.load(ts).load.groupby("bus").p_mw.sum() for ts in study_t.ts.unique()}
    first_bus = [int(str(b).split(",")[0]) for b in study_t.pcc_ts_buses]
    return pd.Series([float(ts_loads[ts].get(b, 0.0)) for ts, b in zip(study_t.ts, first_bus)], index=study_t.index)


def _drawn_feeders(stored: xr.Dataset) -> list[str]:
    """The DSs of the drawing in the store, in the order of its buses."""
    buses, _ = plots.tables_from_dataset(stored)
    return [z for z in dict.fromkeys(buses.zone) if z != plots.TS_ZONE]
