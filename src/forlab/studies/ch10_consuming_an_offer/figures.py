"""The figure of chapter 10: the offered region's P-Q slices (`region_figure`), with the one-bus TSO's
optimum marked on a slice at its voltage when there is one (`_panels`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from forlab.book import store as store_
from forlab.book.plots import EDGE_LINE, EDGE_WORDS, ZERO_LINE, ZERO_WORDS, edge_lines
from forlab.studies.ch03_for_sampling import AXIS_LABELS  # the PCC axes in chapter 03's words
from forlab.studies.ch10_consuming_an_offer.evaluation import slices
from forlab.studies.ch10_consuming_an_offer.one_bus import ENGINES
from forlab.studies.ch10_consuming_an_offer.readers import SOLUTION_DIGITS, casadi_solution, offer, offered_ds

__all__ = [
    "OPTIMUM_MARKER",
    "OPTIMUM_WORDS",
    "region_figure",
]


def _optimum(st: xr.Dataset) -> np.ndarray | None:
    """The PCC point (MW, Mvar, p.u.) of `casadi_solution`, None when its Ipopt did not succeed (no optimum)."""
    cas = casadi_solution(st)
    if not store_.succeeded(str(cas.status)):
        return None
    return np.array([float(cas.p_mw), float(cas.q_mvar), float(cas.vm_pu)])


def _panels(st: xr.Dataset) -> list[tuple[str, xr.DataArray, np.ndarray | None]]:
    """What each panel of `region_figure` draws: (title, f + m over the P-Q grid, the point marked or None). The
    stored slices first, then, when the one-bus model has an optimum (`_optimum`), a slice at its voltage, cut from
    the stored offer by `slices` on the same grid, with the optimum marked: where the region constraint binds, the
    point lies on the slice's edge."""
    out = [(f"V = {v:.{SOLUTION_DIGITS['vm_pu']}f} p.u.", st.slice_f.sel(vslice=v), None) for v in st.vslice.values]
    x = _optimum(st)
    if x is not None:
        lo, hi = st.box.sel(axis="vm_pu").values
        cut = slices(offer(st), [(x[2] - lo) / (hi - lo)], st.sizes["p_mw"]).slice_f.isel(vslice=0)
        out.append((f"V = {x[2]:.{SOLUTION_DIGITS['vm_pu']}f} p.u.,\nthe TSO's optimum", cut, x))
    return out


OPTIMUM_MARKER = {"color": "k", "marker": "*", "markerfacecolor": "none", "markeredgewidth": 1.2, "linestyle": "",
                  "markersize": 12}
"""The one-bus TSO's optimum in `region_figure`: black, as chapter 04 draws where the TSO's OPF starts, and open, so
that the edge it lies on shows through it."""
OPTIMUM_WORDS = f"the one-bus TSO's optimum ({ENGINES['casadi']}, next section)"


def _clip_to_box(ax, artists, lo: np.ndarray, hi: np.ndarray) -> None:
    """Clip ``artists`` to the P-Q face of the offer's box: the offer holds only inside its box, and outside it the
    polynomial means nothing, so neither the fill nor a level line may run there."""
    face = plt.Rectangle((lo[0], lo[1]), hi[0] - lo[0], hi[1] - lo[1], transform=ax.transData)
    for artist in artists:
        artist.set_clip_path(face)


def region_figure(st: xr.Dataset):
    """The offered region's P-Q slices at the stored voltages and, when the one-bus model has an optimum, at its
    voltage with the optimum marked (`_panels`), titled with the DS (`offered_ds`): offered area filled, its edge
    f + m = 0 and the polynomial's own zero level f = 0 without the margin, drawn and named as in chapter 04
    (`forlab.book.plots.edge_lines`: solid, dashed), all clipped to the bounding box (grey, `_clip_to_box`)."""
    panels = _panels(st)
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5, 4.2), sharey=True, squeeze=False)
    lo, hi = st.box.sel(corner="lo").values, st.box.sel(corner="hi").values
    margin = float(st.margin)
    for ax, (title, f, point) in zip(axes[0], panels):
        P, Q = np.meshgrid(f.p_mw.values, f.q_mvar.values)
        drawn = len(ax.collections)
        ax.contourf(P, Q, f.values, levels=[-np.inf, 0.0], colors=[EDGE_LINE["color"]], alpha=0.25)
        edge_lines(ax, P, Q, f.values, margin)
        _clip_to_box(ax, ax.collections[drawn:], lo, hi)
        ax.plot([lo[0], hi[0], hi[0], lo[0], lo[0]], [lo[1], lo[1], hi[1], hi[1], lo[1]], color="0.5", lw=1)
        if point is not None:
            ax.plot([point[0]], [point[1]], **OPTIMUM_MARKER)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(AXIS_LABELS["p_mw"])
    axes[0][0].set_ylabel(AXIS_LABELS["q_mvar"])
    fig.suptitle(f"Offered region of {offered_ds(st)}")
    keys = [(plt.Rectangle((0, 0), 1, 1, color=EDGE_LINE["color"], alpha=0.25), "offered (f + m ≤ 0)"),
            (plt.Line2D([], [], **EDGE_LINE), EDGE_WORDS), (plt.Line2D([], [], **ZERO_LINE), ZERO_WORDS),
            (plt.Line2D([], [], color="0.5", lw=1), "bounding box"),
            (plt.Line2D([], [], **OPTIMUM_MARKER), OPTIMUM_WORDS)]
    keys = [k for k in keys if margin > 0 or k[1] != ZERO_WORDS]  # without a margin f = 0 is the edge: not drawn
    keys = [k for k in keys if panels[-1][2] is not None or k[1] != OPTIMUM_WORDS]  # no optimum: none marked
    fig.legend(*zip(*keys), loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    return fig
