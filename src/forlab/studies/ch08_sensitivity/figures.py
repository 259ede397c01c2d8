"""The chapter's figure from a store's rows: one column per varied factor (`figure`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forlab.book import anchors
from forlab.book.names import TIME_RATIO
from forlab.book.plots import BOUND_LINE, P1_BOUND
from forlab.studies.ch08_sensitivity.design import FACTORS
from forlab.studies.ch08_sensitivity.readers import applicable
from forlab.studies.ch08_sensitivity.store import KINDS

__all__ = [
    "RATIO_TICKS",
    "figure",
]


def _x(kind: str, g: pd.DataFrame) -> np.ndarray:
    """Abscissa of a factor: load in % of nominal, FPUs per DS, 0 radial / 1 meshed."""
    return (100 * g.load_level if kind == "load" else g.variant_value).to_numpy(float)


def _draw_factor(column, kind: str, sub: pd.DataFrame) -> None:
    """One column of `figure`: the three rows (deviation, time ratio, offline time) of one factor, a line and
    markers per method in the book's style (`forlab.book.plots.method_style`: the name, colour and marker every
    chapter gives it; open markers: infeasible in the T+D power flow)."""
    from forlab.book import plots

    for method, g in sub.groupby("method", sort=True):
        g = g.assign(x=_x(kind, g)).sort_values("x")
        style = plots.method_style(method)
        color, marker = style["color"], style["marker"]
        for ax, col in zip(column, ("deviation_pct", "time_ratio", "offline_time_s")):
            ok = g[np.isfinite(g[col].astype(float))]
            ax.plot(ok.x, ok[col], "-", color=color, alpha=0.6)
            feas = ok.feasible.astype(bool)
            ax.plot(ok.x[feas], ok[col][feas], marker, color=color, label=style["label"])
            ax.plot(ok.x[~feas], ok[col][~feas], marker, color=color, mfc="none")
    column[0].set_title(FACTORS[kind])
    column[2].set_xlabel({"load": "load (% of nominal)", "fpus": "FPUs per DS", "meshing": "DS tie lines"}[kind])
    for a in column:
        if kind == "meshing":
            a.set_xticks([0, 1], ["radial", "meshed"])
            a.set_xlim(-0.5, 1.5)
        else:
            a.set_xticks(np.unique(_x(kind, sub)))


RATIO_TICKS = tuple(m * 10.0**e for e in range(-3, 5) for m in (1, 2, 5))
"""Where a log axis of time ratios is labelled (1, 2 and 5 times the powers of ten; `forlab.book.plots.log_ticks`)."""

def figure(table: pd.DataFrame):
    """One column per varied factor; rows: cost deviation (%, with the P1 paper's bound, `forlab.book.plots.P1_BOUND`
    in `forlab.book.plots.BOUND_LINE`, as chapters 05 and 09 draw it), online time over the integrated AC-OPF time of the
    same run (log scale; equal times drawn as `forlab.book.plots.EQUAL_TIMES_LINE`), offline time (s). Infeasible
    dispatches (T+D power flow) are drawn as open markers, failed runs are absent, and so is the offline time of a
    method without an offline step (`applicable`: missing, not drawn at 0 s); one legend for the figure. Drawn for
    the book's column (7.5 in wide). Returns the matplotlib figure; None for an empty table."""
    import matplotlib.pyplot as plt

    from forlab.book import plots

    if table.empty:
        return None
    table = applicable(table)
    kinds = [k for k in KINDS if k in set(table.variant_kind)]
    fig, axes = plt.subplots(3, len(kinds), figsize=(7.5, 7.0), squeeze=False, sharey="row", layout="constrained")
    for j, kind in enumerate(kinds):
        _draw_factor(axes[:, j], kind, table[table.variant_kind == kind])
    axes[0, 0].set_ylabel("cost deviation (%)")
    axes[1, 0].set_ylabel(TIME_RATIO)  # the ratio's one name, as its column and chapters 06 and 09 label it
    axes[1, 0].set_yscale("log")
    plots.log_ticks(axes[1, 0].yaxis, RATIO_TICKS)
    axes[2, 0].set_ylabel("offline time (s)")
    for a in axes.ravel():
        a.grid(alpha=0.3)
    for j in range(len(kinds)):  # equal times as chapter 09 draws them, where dotted grey is P1's deviation bound
        axes[1, j].axhline(1.0, **plots.EQUAL_TIMES_LINE)
        bound = axes[0, j].axhline(anchors.value("p1_deviation_pct"), **BOUND_LINE)
    labels = {}
    for a in axes[0]:
        labels.update({lab: h for h, lab in zip(*a.get_legend_handles_labels())})
    labels[P1_BOUND] = bound  # last, after the methods: a reference line, no method
    fig.legend(labels.values(), labels.keys(), loc="outside upper center", ncol=len(labels))
    return fig
