"""The paper-scale section of chapter 04, from the paper-scale store: the offers' tables with each DS's offline
time (`paper_tables`, `paper_printables`, `paper_table`), the summary (`paper_text`) and the two estimates of the FOR
volume kept side by side (`volume_figure`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import xarray as xr

from forlab.book.plots import axis_label
from forlab.book.store import paper_origin
from forlab.book.tables import TitledTable, grouped
from forlab.studies.ch04_for_representation.figures import _wrapped_title
from forlab.studies.ch04_for_representation.readers import (
    CONFIDENCE_TEXT,
    OFFER_COLUMNS,
    _volume_interval,
    offer_info,
    offer_table,
    volume_agreement,
)
from forlab.studies.ch04_for_representation.text import (
    LOW_RATE,
    OFFER_TABLE_TITLES,
    offer_lines,
    offer_printables,
    points_needed,
    target_verdict,
    volume_agreement_text,
    volume_summary,
)

__all__ = [
    "HULL_SHARE",
    "VOLUME_HELD",
    "VOLUME_MISSED",
    "paper_printables",
    "paper_table",
    "paper_tables",
    "paper_text",
    "volume_figure",
]


def paper_printables(big: xr.Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`offer_printables` of the paper-scale store, with each DS's offline time (sampling and fit, s) when
    recorded."""
    offline = (big.time_total_s + big.time_sampling_s).to_series() if "time_total_s" in big else None
    return offer_printables(offer_info(big), offline)


def paper_tables(big: xr.Dataset) -> list[TitledTable]:
    """`paper_printables`, each under its title (`OFFER_TABLE_TITLES`)."""
    return list(zip(OFFER_TABLE_TITLES, paper_printables(big)))


VOLUME_HELD = {"color": "k", "marker": "o", "markersize": 5, "capsize": 3, "linestyle": ""}
"""A counted FOR volume kept whose interval holds the hull share (`volume_figure`): black, a neutral."""
VOLUME_MISSED = VOLUME_HELD | {"color": "tab:red"}
"""... and one whose interval misses it: red, as the level sets draw what is wrong (an infeasible test point)."""
HULL_SHARE = {"color": "k", "marker": "D", "markerfacecolor": "white", "markersize": 6, "linestyle": ""}
"""The Monte-Carlo share of the samples' hull kept (`volume_figure`): an open diamond over the interval."""


def volume_figure(info: pd.DataFrame, agree: pd.DataFrame | None = None):
    """Per DS of ``info`` (`offer_info`) that has both estimates of the FOR volume kept, one row: the share counted
    on the test points with its interval at `CONFIDENCE` (`_volume_interval`) and the Monte-Carlo share of the
    samples' hull kept as a second marker; an interval that misses the hull share (``agree``, `volume_agreement`
    of ``info`` unless its caller has it, the test `volume_agreement_text` counts) is drawn in red. None when no DS
    has both (`volume_agreement` empty)."""
    agree = volume_agreement(info) if agree is None else agree
    if agree.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.5 * len(agree)))
    counted = f"counted on the test points, {CONFIDENCE_TEXT} interval"
    words = {True: f"{counted} holds the hull share", False: f"{counted} misses it",
             "hull": "share of the samples' hull kept (Monte Carlo)"}
    keys = {}  # one key per kind drawn: no key for a miss where none misses
    for y, (ds, row) in enumerate(agree.iterrows()):
        c = info.loc[ds]
        _, _, lo, hi = _volume_interval(c)
        share = float(c.test_volume_kept)
        inside = bool(row.inside)
        bar = ax.errorbar([100 * share], [y], xerr=[[100 * (share - lo)], [100 * (hi - share)]],
                          **(VOLUME_HELD if inside else VOLUME_MISSED))
        hull = ax.plot([100 * float(c.hull_volume_kept)], [y], **HULL_SHARE)[0]
        keys.setdefault(inside, bar)
        keys.setdefault("hull", hull)
    ax.set_yticks(range(len(agree)), [_wrapped_title(str(ds)) for ds in agree.index], fontsize=8)
    ax.set_ylim(len(agree) - 0.5, -0.5)  # the tables' order, top to bottom
    ax.set_xlabel(axis_label(OFFER_COLUMNS["test_volume_kept"], "%"))
    shown = [k for k in words if k in keys]  # held, missed, hull: the order of `words`
    fig.legend([keys[k] for k in shown], [words[k] for k in shown], loc="lower center", fontsize=9)
    fig.tight_layout(rect=(0, 0.75 / fig.get_figheight(), 1, 1))
    return fig


def paper_table(big: xr.Dataset) -> pd.DataFrame:
    """`offer_table` of the paper-scale store with each DS's offline time (sampling and fit, s) when recorded."""
    out = offer_table(offer_info(big))
    if "time_total_s" in big:
        out["offline time (s)"] = (big.time_total_s + big.time_sampling_s).to_series().round(1)
    return out


def paper_text(big: xr.Dataset) -> str:
    """Markdown: per DS `offer_lines`, then where the counted volume kept misses the hull share
    (`volume_agreement_text`), the store's line (`paper_origin`) and, in a paragraph of their own, the ranges over all
    DSs (verdicts on the false-feasible target, upper bounds, volume kept by `volume_summary`, cost fit) of the
    paper-scale store; both sentences on the volume rest on one `volume_agreement`, computed once."""
    info = offer_info(big)
    agree = volume_agreement(info)
    ff = info.test_false_feasible_rate.astype(float)
    verdicts = [target_verdict(int(c.test_n_false_feasible), int(c.test_n_infeasible),
                               float(c.test_false_feasible_upper)) for _, c in info.iterrows()]
    met = sum(v == "met" for v in verdicts)
    missed = sum(v == "missed" for v in verdicts)
    return offer_lines(info) + "\n\n" + volume_agreement_text(info, agree) + "\n\n" + (
        # the store's line in a paragraph of its own, the verdict in the next (review R4, item 2)
        f"{paper_origin(big)}\n\nThe largest observed false-feasible "
        f"rate is {100 * ff.max():.2f} %, with between {grouped(info.test_n_infeasible.min())} and "
        f"{grouped(info.test_n_infeasible.max())} infeasible test points per DS. The target of a rate below "
        f"{100 * LOW_RATE:g} % is met ({CONFIDENCE_TEXT} upper bound below it) on {met} of {len(info)} DSs, missed on {missed} "
        f"and not shown on {len(info) - met - missed}: the one-sided {CONFIDENCE_TEXT} upper bounds lie between "
        f"{100 * info.test_false_feasible_upper.min():.2f} % and {100 * info.test_false_feasible_upper.max():.2f} %, "
        f"and even with no false-feasible point a bound below {100 * LOW_RATE:g} % needs at least "
        f"{grouped(points_needed())} "
        f"infeasible test points. {volume_summary(info, agree)} The cost model's $R^2$ is at least "
        f"{info.cost_r2.min():.4f}; its largest error is {100 * info.cost_rel_error_max.max():.1f} % of the mean DS "
        f"cost, its mean error at most "
        f"{100 * info.cost_rel_error_mean.max():.1f} %."
    )
