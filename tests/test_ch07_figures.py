"""Chapter 07 (ALADIN): the figures' styles of systems and the wall-time figure's ratios, on the archived stores (the
reader's review R2, finding 9)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.colors import to_hex

from forlab.book import runner, store
from forlab.book.tables import grouped
from forlab.studies import ch07_aladin as ch
from forlab.studies.ch07_aladin.figures import WALL_SHIFTS, system_styles
from forlab.studies.ch07_aladin.text import RATIO_DIGITS

ROOT = Path(__file__).resolve().parents[1]
ARCHIVED = ROOT / "archive" / "07_aladin" / "9c43f9097d47.nc"
PAPER = ROOT / "archive" / "07_aladin" / "cda932858838.nc"
KKT_WORDS = "ALADIN-α's QP"
"""The legend entry of `kkt_figure`'s ALADIN-alpha QP, whose line style is the one a dashed line means there."""


def _open(path: Path):
    st = store.open_path(path)
    return st, json.loads(st.attrs["parameters"]), ch.study_table(st), ch.iterations(st)


@pytest.fixture(scope="module")
def archived():
    return _open(ARCHIVED)


@pytest.fixture(scope="module")
def paper():
    return _open(PAPER)


def _system_lines(fig) -> dict[str, tuple[str, str, str]]:
    """(colour, line style, marker) of every labelled line on the left axes of each panel row of ``fig``."""
    return {x.get_label(): (to_hex(x.get_color()), x.get_linestyle(), x.get_marker()) for ax in fig.axes[::2]
            for x in ax.lines if not x.get_label().startswith("_")}


def _kkt(archived):
    _st, bp, table, its = archived
    kk = ch.kkt_runs(table, bp["kkt_systems"], bp["max_iter"])
    return kk, ch.kkt_figure(kk, its, bp["kkt_systems"], systems=table.system)


def test_two_figures_draw_a_system_in_one_style_and_no_two_systems_share_one(archived, paper):
    """Finding 9: case9:3 was dashed with crosses in the convergence figure and solid in the ALADIN-alpha figure
    below it, and its brown dashed crosses meant 118X7 in the paper profile's figure. A system now has one style
    (colour, marker and solid line) in every figure, and no style is two systems' anywhere on the page."""
    styles = {s: (to_hex(v["color"]), v["linestyle"], v["marker"]) for s, v in system_styles().items()}
    sets = [runner.chapter_params(ch.figures.CHAPTER), *(runner.profile_params(ch.figures.CHAPTER, p)
                                                        for p in ("paper", "full"))]
    page = {s for p in sets for s in (*p["systems"], *p["kkt_systems"])}  # every system a style figure draws
    assert len({styles[s] for s in page}) == len(page)  # one system per style on the whole page
    seen = {}
    for run in (archived, paper):
        _st, bp, table, its = run
        for system, style in _system_lines(ch.convergence_figure(table, its, bp["max_iter"])).items():
            assert style == styles[system] == seen.setdefault(system, style), system
    assert {"case9+case33bw", "case118:3", "case9:3", "118X7"} <= set(seen)  # both stores, shared and not
    kk, kkt = _kkt(archived)
    its = archived[3]
    # the default QP's runs of the ALADIN-alpha figure: the same line, colour and marker as the convergence figure's
    for k, r in kk[kk.qp == "reduced"].iterrows():
        (line,) = [x for x in kkt.axes[0].lines if len(x.get_xdata()) and np.array_equal(
            x.get_xdata(), its[its.run == k].iteration)
            and to_hex(x.get_color()) == styles[r.system][0] and x.get_linestyle() == styles[r.system][1]]
        assert (to_hex(line.get_color()), line.get_linestyle(), line.get_marker()) == seen[r.system]
    assert {s: v for s, v in _system_lines(kkt).items() if s in styles} == {s: seen[s] for s in kk.system.unique()}


def test_no_system_is_drawn_in_the_dash_of_alpha_qp(archived, paper):
    """Finding 9: "dashed" meant ALADIN-alpha's QP in one figure and a system past the seventh in the one above it.
    No system's style has that dash; in the ALADIN-alpha figure the dashed lines are its QP's runs and only those."""
    kk, kkt = _kkt(archived)
    (key,) = [x for x in kkt.axes[0].lines if x.get_label() == KKT_WORDS]
    dash = key.get_linestyle()
    (solid,) = [x.get_linestyle() for x in kkt.axes[0].lines if x.get_label() == "default QP"]
    assert dash != solid
    assert all(v["linestyle"] != dash for v in system_styles().values())
    for run in (archived, paper):
        _st, bp, table, its = run
        conv = ch.convergence_figure(table, its, bp["max_iter"])
        assert all(x.get_linestyle() != dash for ax in conv.axes for x in ax.lines)
    drawn = [x for x in kkt.axes[0].lines if len(x.get_xdata())]
    assert sum(x.get_linestyle() == dash for x in drawn) == (kk.qp == "kkt").sum()
    assert sum(x.get_linestyle() == solid for x in drawn) == (kk.qp == "reduced").sum()


def test_the_fit_and_the_prediction_are_not_drawn_in_the_dash_of_alpha_qp(archived, paper, monkeypatch):
    """Finding 9, left by the first fix: the pooled growth fit (black) and the latency prediction were dashed, the
    dash that on this page means ALADIN-alpha's QP. Both are dash-dot now, a style no system and no QP has; the
    captions say so."""
    from forlab.studies.ch07_aladin import figures

    _kk, kkt = _kkt(archived)
    (dash,) = [x.get_linestyle() for x in kkt.axes[0].lines if x.get_label() == KKT_WORDS]
    assert figures.REFERENCE_LINE == "-." != dash
    assert all(v["linestyle"] != figures.REFERENCE_LINE for v in system_styles().values())
    _st, bp, table, _its = archived
    lat = ch.latency_figure(ch.latency_sweep(table, bp["latency_system"]), bp["latency_system"])
    (predicted,) = [x for x in lat.axes[0].lines if x.get_label() != "measured"]
    assert predicted.get_linestyle() == figures.REFERENCE_LINE and to_hex(predicted.get_color()) == "#000000"
    fits = figures.family_fits
    monkeypatch.setattr(figures, "family_fits", lambda g: fits(g).assign(r2=1.0))  # so that the pooled line is drawn
    for run in (archived, paper):
        ax = ch.growth_figure(ch.scaling_report(run[0])["growth"]).axes[0]
        (pooled,) = [x for x in ax.lines if x.get_label().startswith("all:")]
        assert len(pooled.get_xdata()) and pooled.get_linestyle() == figures.REFERENCE_LINE
        assert all(x.get_linestyle() != dash for x in ax.lines)
    cells = json.loads((ROOT / "notebooks" / "07_aladin.ipynb").read_text())["cells"]
    captions = {c["metadata"]["mystnb"]["figure"]["name"]: c["metadata"]["mystnb"]["figure"]["caption"]
                for c in cells if "figure" in c["metadata"].get("mystnb", {})}
    for name in ("fig-07-growth", "fig-07-paper-growth", "fig-07-latency"):
        assert "dash-dot" in captions[name] and "dashed" not in captions[name], name
    said = "".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in cells
                   if c["cell_type"] == "markdown")
    assert "the dashed line is that prediction" not in said


def test_the_wall_time_figure_prints_each_dask_runs_ratio_beside_it(archived, paper):
    """Finding 9 (Fig. 35): case300:4's Dask run, 10.6x its integrated AC-OPF against a bound of 10x, sat on the
    bound at page size. Beside each Dask mark the figure prints its ratio to the integrated AC-OPF, computed from the
    store's times as the ratios' table prints it; on a system a wall-time target judges, the label is past the
    target's limit exactly where the verdict says it is missed."""
    for run in (paper, archived):
        rep = ch.scaling_report(run[0])
        wt, targets = rep["wall"], rep["targets"]
        ax = ch.wall_time_figure(wt, targets).axes[0]
        labels = {(round(t.xy[0], 9), round(t.xy[1], 9)): t.get_text() for t in ax.texts}
        ratio = wt.dask_s / wt.central_wall_s  # from the times, not the reader's own ratio column
        dask = wt.dask_s.notna()
        assert dask.any() and len(labels) == dask.sum()
        for row, r in zip(np.flatnonzero(dask), ratio[dask]):
            at = (round(float(wt.dask_s.iloc[row]), 9), round(row + WALL_SHIFTS[2], 9))
            assert labels[at] == f"{grouped(r, RATIO_DIGITS)}x"
        rows = {s: i for i, s in enumerate(wt.system)}
        judged = targets[(targets.target == "wall_ratio") & targets.system.isin(list(rows))]
        for t in judged.itertuples():
            row = rows[t.system]
            shown = float(labels[(round(float(wt.dask_s.iloc[row]), 9), round(row + WALL_SHIFTS[2], 9))][:-1])
            assert (shown > t.limit) == (not t.met), t.system
        if run is paper:  # the close call the labels are for: missed by a few percent
            assert "case300:4" in set(judged.system[judged.met.eq(False)])
