"""Tables read from a store of the chapter (`forlab.studies.ch08_sensitivity.store.to_store`).

The rows back as a DataFrame (`frame`; a paper-scale store's, `paper_runs`), the chapter's numeric table
(`summary`) with the times and bytes in the units the pages show (`display_units`), the measures that do not apply to
a method (`NOT_APPLYING`, `applicable`, the one rule of chapters 08, 09 and 12's tables) and chapter 05's store
that this chapter's P1 rows are set beside (`chapter_05_store`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.names import TIME_RATIO
from forlab.opf.outcome import NOT_IN_STORE
from forlab.studies.ch08_sensitivity.store import COLUMNS, FLAGS, TEXT

__all__ = [
    "NOT_APPLYING",
    "NO_OFFLINE_STEP",
    "NO_ONLINE_DSO_STEP",
    "applicable",
    "chapter_05_store",
    "display_units",
    "frame",
    "paper_runs",
    "summary",
]


def frame(ds: xr.Dataset) -> pd.DataFrame:
    """A store of `to_store` back as a DataFrame (flags as bool), every quantity under the record's name alone. A
    column the store lacks (one written before it was recorded) reads NaN, and a missing ``status``
    `forlab.opf.outcome.NOT_IN_STORE`."""
    t = ds.to_dataframe().reset_index(drop=True)
    for c in FLAGS:
        t[c] = t[c].astype(bool)
    for c in COLUMNS:
        if c not in t:
            t[c] = np.nan
    if "status" not in t:
        t["status"] = NOT_IN_STORE
    return t


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per factor, value and method: deviation (%), feasible (bool), online and integrated time (ms), their ratio,
    offline time (s), rounds, kB exchanged and the method's status; the table of the chapter."""
    cols = {"deviation_pct": "deviation (%)", "feasible": "feasible", "online": "online (ms)",
            "tso_ms": "TSO (ms)", "dso_ms": "DSO (ms)", "integrated": "integrated (ms)",
            "time_ratio": TIME_RATIO, "offline_time_s": "offline (s)", "rounds": "rounds",
            "kB": "exchanged (kB)", "method_status": "status"}
    return display_units(table).set_index(["variant_kind", "variant_label", "method"])[list(cols)].rename(columns=cols)


def display_units(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the record's times and bytes in the units the pages show them in, for display only: ``online``
    (``solve_time_s``) and ``integrated`` (``integrated_solve_time_s``) in ms, ``kB`` (``bytes_exchanged``)."""
    return table.assign(online=1e3 * table.solve_time_s, integrated=1e3 * table.integrated_solve_time_s,
                        kB=table.bytes_exchanged / 1e3)


NO_OFFLINE_STEP = ("P3",)
"""The methods without an offline step (ALADIN solves the integrated AC-OPF itself, in rounds): their offline time
is said as "no offline step" and shown as "–" (`applicable`), never as 0.0 s, here and in chapter 12's tables."""

NO_ONLINE_DSO_STEP = ("P2",)
"""The methods without a DSO step online (P2: the TSO sets the FPUs itself): their online time is the TSO's alone,
and their DSO part is shown as "–" (`applicable`), never as 0.0 ms."""


NOT_APPLYING = {"offline_time_s": ("integrated", *NO_OFFLINE_STEP), "dso_ms": NO_ONLINE_DSO_STEP}
"""The measures that do not apply to a method: column -> the methods (by code) it does not apply to. No offline
time: the methods without an offline step and the integrated AC-OPF, solved in one piece (chapter 12 stores its row
in this chapter's layout, method "integrated")."""


def applicable(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a `frame` (methods by code) with every measure that does not apply to its method
    (`NOT_APPLYING`) set to NaN, which the tables show as "–" and the figure leaves out (a missing value, not 0): the
    offline time of a method without an offline step and the DSO part of one without a DSO step online. The stores
    keep 0.0 there. The one rule of chapters 08, 09 and 12's tables: chapter 12 applies it to its rows
    (`forlab.studies.ch12_many_dsos.measures_shown`), chapter 09 to its own rows, whose columns bear the same names.
    A measure the table has no column for is left out."""
    return table.assign(**{c: table[c].where(~table.method.isin(codes)) for c, codes in NOT_APPLYING.items()
                           if c in table})


def paper_runs(big: xr.Dataset | None) -> pd.DataFrame:
    """The rows of a paper-scale store (`frame`); an empty table when there is none."""
    return frame(big) if big is not None else pd.DataFrame(columns=[*TEXT, *FLAGS, *COLUMNS])


def chapter_05_store(profile: str | None = None) -> xr.Dataset | None:
    """Chapter 05's store that `p1_offer_text` sets this chapter's P1 rows beside: its default run (``profile``
    None) or a profile's (`forlab.book.runner.open_profile_store`); None where that run has not been made."""
    from forlab.book import runner, store

    if profile is not None:
        return runner.open_profile_store("05_coordination", profile)
    try:
        return store.open_store("05_coordination", runner.chapter_params("05_coordination"))
    except FileNotFoundError:
        return None
