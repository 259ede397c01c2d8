"""Chapter 04, FOR representation: every DS's offer (implicit polynomial region and quadratic price over its PCC
point, `forlab.p1_for.representation.build_offer`: eqs. (p1-polynomial), (p1-sos), (p1-margin) and (p1-price),
METHODS.md "P1: implicit polynomial" and "P1: quadratic cost over PQV") fitted from its FOR samples and scored on
held-out points.

`run(params)` computes the chapter's store: `build_offer`'s report per DS stacked over dimension ``ds`` (candidates,
labelled points, cost points), the fit times, the boundary samples and each offer as JSON (``offer_json``). The
readers, figures and text helpers below read a store (the current run's or an archived one opened with
`forlab.book.store.open_path`). Rates are fractions; cost errors are relative to the mean DS cost.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from forlab.grid import td
from forlab.p1_for import sampling
from forlab.p1_for.offer import Offer
from forlab.p1_for.representation import build_offer, clopper_pearson_upper

TIMES = ("time_label_s", "time_fit_s", "time_cost_s", "time_total_s")
"""The fit's times (s) that `build_offer` reports in its attributes; the store keeps them per DS."""

CANDIDATE_COLUMNS = ["val_margin", "val_false_feasible", "val_false_infeasible", "val_boundary_distance",
                     "test_false_feasible_rate", "test_n_false_feasible", "test_false_infeasible_rate"]

OFFER_COLUMNS = {
    "degree": "degree", "convex": "SOS-convex", "margin": "margin",
    "test_accuracy": "accuracy", "test_false_feasible_rate": "false-feasible",
    "test_n_infeasible": "infeasible test points", "test_false_feasible_upper": "false-feasible, 95 % upper bound",
    "test_false_infeasible_rate": "false-infeasible", "test_volume_kept": "FOR volume kept",
    "hull_volume_kept": "hull volume kept", "test_boundary_distance_mean": "boundary distance (mean)",
    "cost_r2": "cost R^2", "cost_rel_error_mean": "cost error (mean)", "cost_rel_error_max": "cost error (max)",
    "cost_gradient_rel_error_mean": "slope error (mean)",
}
"""Offer-info keys and the column names the chapter prints them under."""

CUT_BAND = 0.15
"""Half-width (normalised V~) of the voltage band around the central cut whose points the level-set figure shows."""


# --------------------------------------------------------------------------- parameters
def split(spec) -> list[str]:
    """``"<system>/<DS>"`` as [system, DS]; anything else is a ValueError that shows the form."""
    if not isinstance(spec, str) or spec.count("/") != 1:
        raise ValueError(f"a DS is written '<system>/<DS>', got {spec!r}")
    return spec.split("/")


def check_params(params: dict) -> None:
    """Type checks of the chapter's parameters (ValueError naming the parameter)."""
    if not isinstance(params["regions"], (list, tuple)) or not params["regions"]:
        raise ValueError(f"regions must be a non-empty list of '<system>/<DS>', got {params['regions']!r}")
    for spec in params["regions"]:
        split(spec)
    if len(params["split"]) != 3 or not np.isclose(sum(params["split"]), 1.0):
        raise ValueError(f"split gives the training, validation and test shares (summing to 1), got {params['split']!r}")
    for key in ("n_directions", "face_grid", "n_labelled", "n_cost", "seed", "n_workers"):
        if not isinstance(params[key], (int, np.integer)) or isinstance(params[key], bool) or params[key] < 0:
            raise ValueError(f"{key} must be a non-negative integer, got {params[key]!r}")
    if not 0 <= params["boundary_fraction"] <= 1:
        raise ValueError(f"boundary_fraction must lie in [0, 1], got {params['boundary_fraction']!r}")


# --------------------------------------------------------------------------- the computation
def offer_of(spec: str, params: dict) -> tuple[Offer, xr.Dataset]:
    """The offer of DS ``spec`` and `build_offer`'s report, over a new dimension ``ds`` of length one, with the fit
    and sampling times and the boundary samples (normalised) added."""
    sys_name, ds_name = split(spec)
    system = td.load_system(sys_name)
    net = system.ds[ds_name]
    smp = sampling.sample_for(net, params["n_directions"], params["face_grid"], n_workers=params["n_workers"],
                              name=spec)
    pcc = system.pcc[system.pcc.ds == ds_name].iloc[0]
    offer, rep = build_offer(
        net, smp, degrees=tuple(params["degrees"]), convex_options=tuple(params["convex_options"]),
        regs=tuple(params["regs"]), n_labelled=params["n_labelled"], boundary_fraction=params["boundary_fraction"],
        split=tuple(params["split"]), n_cost=params["n_cost"], tol=params["tol"],
        target_false_feasible=params["target_false_feasible"], seed=params["seed"], n_workers=params["n_workers"],
        pcc={"system": sys_name, "ds": ds_name, "ts_bus": int(pcc.ts_bus)})
    times = {k: float(rep.attrs[k]) for k in TIMES}
    rep = rep.expand_dims(ds=[spec])
    for k, v in times.items():
        rep[k] = ("ds", [v])
    rep["time_sampling_s"] = ("ds", [float(smp.attrs["wall_time_s"])])
    rep["boundary_point"] = (("ds", "bpoint", "axis"), sampling.boundary_points(smp, normalised=True)[None])
    return offer, rep


def run(params: dict) -> xr.Dataset:
    """The chapter's store: every DS's offer report stacked over ``ds``, and its offer as JSON (``offer_json``)."""
    check_params(params)
    parts, offer_json = [], []
    for spec in params["regions"]:
        offer, rep = offer_of(spec, params)
        parts.append(rep)
        offer_json.append(json.dumps(offer.to_dict()))
    store = xr.concat(parts, dim="ds", join="outer", combine_attrs="drop")
    store["offer_json"] = ("ds", offer_json)
    return store


def offer(st: xr.Dataset, ds: str) -> Offer:
    """The offer of DS ``ds`` stored in ``offer_json``."""
    return Offer.from_dict(json.loads(str(st.offer_json.sel(ds=ds).values)))


def offer_file(ds: str) -> str:
    """The file name of DS ``ds``'s offer next to the store (``<system>__<DS>.json``)."""
    return ds.replace("/", "__") + ".json"


def save_offers(st: xr.Dataset, path: Path) -> Path:
    """Every offer of the store as a JSON file in ``<store stem>-offers/`` next to the store at ``path``."""
    offer_dir = Path(path).parent / f"{Path(path).stem}-offers"
    offer_dir.mkdir(exist_ok=True)
    for ds in st.ds.values:
        offer(st, str(ds)).save(offer_dir / offer_file(str(ds)))
    return offer_dir


# --------------------------------------------------------------------------- candidates and offers
def candidates(st: xr.Dataset) -> pd.DataFrame:
    """One row per (DS, candidate) that was fitted: its validation scores and its test errors."""
    return pd.concat([
        st[CANDIDATE_COLUMNS].sel(ds=r).to_dataframe().reset_index().assign(ds=r) for r in st.ds.values
    ]).dropna(subset=["val_false_infeasible"])


def candidate_table(cand: pd.DataFrame) -> pd.DataFrame:
    """`candidates` per (DS, degree, convexity), averaged over the regularisation weights."""
    return cand.groupby(["ds", "degree", "convex"])[CANDIDATE_COLUMNS].mean()


def convexity_text(cand: pd.DataFrame) -> str:
    """Markdown: margin and false-infeasible rate of the SOS-convex against the unconstrained candidates (empty when
    the run fitted only one kind)."""
    by = cand.groupby("convex")[["val_margin", "val_false_infeasible", "test_false_infeasible_rate"]].mean()
    if len(by) != 2:
        return ""
    return (
        f"Averaged over DSs and degrees, the SOS-convex candidates get a margin of {by.val_margin[True]:.3f} and "
        f"declare {100 * by.test_false_infeasible_rate[True]:.0f} % of the feasible test points infeasible; the "
        f"unconstrained ones get {by.val_margin[False]:.3f} and {100 * by.test_false_infeasible_rate[False]:.0f} %. "
        "A convex polynomial that keeps the exterior points in the FOR's dents out of its region has to cut into the "
        "region elsewhere too; convexity makes the TSO's problem easier and costs flexibility."
    )


def offer_info(st: xr.Dataset) -> pd.DataFrame:
    """One row per DS: the `info` of the offer stored as JSON in ``offer_json`` (chosen fit, test errors)."""
    return pd.DataFrame([dict(ds=str(r), **json.loads(str(st.offer_json.sel(ds=r).values))["info"])
                         for r in st.ds.values]).set_index("ds")


def offer_table(info: pd.DataFrame) -> pd.DataFrame:
    """The chosen offers' held-out errors as a table (rates as fractions; cost errors relative to the mean DS cost)."""
    cols = [c for c in OFFER_COLUMNS if c in info.columns]
    out = info[cols].rename(columns=OFFER_COLUMNS)
    for c in ("degree", "infeasible test points"):
        if c in out:
            out[c] = out[c].astype(int)
    return out


def _pct(x) -> float:
    return np.nan if x is None else 100 * float(x)


def _offer_line(ds: str, c: pd.Series, target: float) -> str:
    """One bullet of `offer_lines`."""
    ff = _pct(c.test_false_feasible_rate)
    slope = c.get("cost_gradient_rel_error_mean")  # absent in stores from before the slope fit
    slope = np.nan if slope is None else float(slope)
    met = bool(np.isfinite(ff) and ff < 100 * target)
    return (
        f"- **{ds}**: degree {int(c.degree)}{' (SOS-convex)' if c.convex else ''}, margin {c.margin:.3f}; "
        f"false-feasible {int(c.test_n_false_feasible)} of {int(c.test_n_infeasible)} infeasible test points = "
        f"{ff:.2f} % (95 % upper bound {_pct(c.test_false_feasible_upper):.2f} %; target below "
        f"{100 * target:.0f} %: {'met' if met else 'missed'}), false-infeasible {_pct(c.test_false_infeasible_rate):.1f} % "
        f"of {int(c.test_n_feasible)} feasible test points, FOR volume kept {_pct(c.test_volume_kept):.1f} %; cost "
        f"$R^2$ {c.cost_r2:.4f}, mean / max error {100 * c.cost_rel_error_mean:.1f} % / "
        f"{100 * c.cost_rel_error_max:.1f} % of the mean DS cost ({c.cost_mean:.2f} $/h)"
        + (f"; slope error {100 * slope:.0f} % of the mean slope (mean over test points)." if np.isfinite(slope)
           else ".")
    )


def offer_lines(info: pd.DataFrame, target: float = 0.01) -> str:
    """Markdown bullets: per DS the false-feasible rate with its count and upper bound, the volume kept and the
    cost errors, against the < ``target`` false-feasible target."""
    return "\n".join(_offer_line(r, c, target) for r, c in info.iterrows())


def offer_contents_text(st: xr.Dataset, directory: Path) -> str:
    """Markdown: what the first DS's offer file holds (keys, PCC, box, polynomial size), its size, and whether
    writing, reading and writing it again (in ``directory``, files removed after) gives the same bytes."""
    r0 = str(st.ds.values[0])
    text = str(st.offer_json.sel(ds=r0).values)
    d = json.loads(text)
    written = Offer.from_dict(d).save(Path(directory) / "roundtrip-check.json")
    again = Offer.load(written).save(Path(directory) / "roundtrip-check-2.json")
    same = written.read_bytes() == again.read_bytes() and Offer.load(again).to_dict() == d
    for f in (written, again):
        f.unlink()
    return (
        f"- top-level keys: {list(d)}\n- pcc: {d['pcc']}, base: {d['base']}\n"
        f"- box lo / hi: {d['box']['lo']} / {d['box']['hi']}\n"
        f"- polynomial: degree {d['polynomial']['degree']} with {len(d['polynomial']['coef'])} coefficients\n\n"
        f"The offer of {r0} is {len(text.encode()) / 1024:.1f} kB of JSON; writing it, reading it back and "
        f"writing it again gives the same file bit for bit: {same}."
    )


# --------------------------------------------------------------------------- paper-scale run
def no_paper_store_text() -> str:
    """Markdown shown when the paper profile's store is missing."""
    return "No paper-scale store yet: run `forlab run 04_for_representation --profile paper`."


def paper_table(big: xr.Dataset) -> pd.DataFrame:
    """`offer_table` of the paper-scale store with each DS's offline time (sampling and fit, s) when recorded."""
    out = offer_table(offer_info(big))
    if "time_total_s" in big:
        out["offline time (s)"] = (big.time_total_s + big.time_sampling_s).to_series().round(1)
    return out


def bound_needs(rate: float = 0.01, confidence: float = 0.95) -> int:
    """The fewest infeasible test points for which zero false-feasible points give a Clopper-Pearson upper bound
    below ``rate``."""
    return next(n for n in range(1, 100000) if clopper_pearson_upper(0, n, confidence) < rate)


def paper_text(big: xr.Dataset) -> str:
    """Markdown: per DS `offer_lines`, then the ranges over all DSs (false-feasible rate, volume kept, cost fit,
    upper bounds) of the paper-scale store."""
    info = offer_info(big)
    ff = info.test_false_feasible_rate.astype(float)
    return offer_lines(info) + "\n\n" + (
        f"From `{big.attrs['store_path']}` (parameters {big.attrs['parameters']}): the false-feasible rate is below "
        f"1 % on {int((ff < 0.01).sum())} of {len(info)} DSs, the largest is {100 * ff.max():.2f} % with between "
        f"{int(info.test_n_infeasible.min())} and {int(info.test_n_infeasible.max())} infeasible test points per DS; "
        f"the offers keep between {100 * info.test_volume_kept.min():.1f} % and {100 * info.test_volume_kept.max():.1f} % "
        f"of the FOR's volume. The cost model's $R^2$ is at least {info.cost_r2.min():.4f}; its largest error is "
        f"{100 * info.cost_rel_error_max.max():.1f} % of the mean DS cost, its mean error at most "
        f"{100 * info.cost_rel_error_mean.max():.1f} %. The one-sided 95 % upper bounds of the false-feasible rate "
        f"lie between {100 * info.test_false_feasible_upper.min():.2f} % and "
        f"{100 * info.test_false_feasible_upper.max():.2f} %: even with no false-feasible point, a bound below 1 % "
        f"needs at least {bound_needs()} infeasible test points."
    )


# --------------------------------------------------------------------------- figures
def _cut_grid(half: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (P~, Q~) grid over [-half, half]^2 at the central voltage V~ = 0: (P, Q, points n^2 x 3)."""
    g = np.linspace(-half, half, n)
    P, Q = np.meshgrid(g, g)
    return P, Q, np.column_stack([P.ravel(), Q.ravel(), np.zeros(P.size)])


def _normalised_axes(ax, title: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("P~ (normalised)")
    ax.set_ylabel("Q~ (normalised)")


def _level_set_panel(ax, st: xr.Dataset, ds: str, tol: float) -> None:
    """One panel of `level_sets`."""
    off = offer(st, ds)
    P, Q, pts = _cut_grid(1.1, 121)
    F = (off.polynomial(pts) - off.polynomial.margin).reshape(P.shape)
    ax.contour(P, Q, F, levels=[0], colors="tab:blue")
    ax.contour(P, Q, F + off.polynomial.margin, levels=[0], colors="tab:blue", linestyles="--")
    rs = st.sel(ds=ds)
    b = rs.boundary_point.values
    b = b[~np.isnan(b).any(axis=1)]
    near = np.abs(b[:, 2]) < CUT_BAND
    ax.plot(b[near, 0], b[near, 1], "k.", markersize=4, label=f"boundary samples, |V~| < {CUT_BAND}")
    lp = rs.labelled_point.values
    test = (rs.labelled_split.values == "test") & (np.abs(lp[:, 2]) < CUT_BAND)
    feas = rs.labelled_distance.values < tol
    ax.scatter(lp[test & feas, 0], lp[test & feas, 1], s=10, c="tab:green", label="test point, feasible")
    ax.scatter(lp[test & ~feas, 0], lp[test & ~feas, 1], s=10, c="tab:red", marker="x", label="test point, infeasible")
    _normalised_axes(ax, ds)
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)


def level_sets(st: xr.Dataset, tol: float):
    """Per DS, the cut at the central PCC voltage: zero level sets of the chosen f (solid) and of f + m (dashed, the
    offered region), boundary samples and labelled test points near the cut (feasible: projection distance < tol)."""
    fig, axes = plt.subplots(1, st.sizes["ds"], figsize=(5 * st.sizes["ds"], 4.2), squeeze=False)
    for ax, r in zip(axes[0], st.ds.values):
        _level_set_panel(ax, st, str(r), tol)
    fig.tight_layout()
    return fig


def price_surface(st: xr.Dataset):
    """Per DS, the offered cost over (P~, Q~) at the central voltage with the DS cost OPF values it was fitted to
    (points within |V~| < 0.3)."""
    fig, axes = plt.subplots(1, st.sizes["ds"], figsize=(5 * st.sizes["ds"], 4.2), squeeze=False)
    for ax, r in zip(axes[0], st.ds.values):
        P, Q, pts = _cut_grid(1.0, 61)
        C = offer(st, str(r)).cost(pts).reshape(P.shape)
        cs = ax.contourf(P, Q, C, levels=15, cmap="viridis")
        fig.colorbar(cs, ax=ax, label="offered cost ($/h)")
        rs = st.sel(ds=r)
        cp = rs.cost_point.values
        ok = rs.cost_success.values.astype(bool) & (np.abs(cp[:, 2]) < 0.3)
        ax.scatter(cp[ok, 0], cp[ok, 1], c=rs.cost_value.values[ok], cmap="viridis", edgecolors="white", s=25,
                   vmin=C.min(), vmax=C.max())
        _normalised_axes(ax, str(r))
    fig.tight_layout()
    return fig


def cost_check(st: xr.Dataset, dss=None):
    """Held-out cost points: offered price against the DS cost OPF, one panel per DS (all DSs by default)."""
    dss = list(st.ds.values) if dss is None else list(dss)
    fig, axes = plt.subplots(1, len(dss), figsize=(4.2 * len(dss), 3.8), squeeze=False)
    for ax, r in zip(axes[0], dss):
        rs = st.sel(ds=r)
        split_ = rs.cost_split.values.astype(str)
        for name, color in (("train", "tab:gray"), ("test", "tab:red")):
            m = split_ == name
            ax.scatter(rs.cost_value.values[m], rs.cost_predicted.values[m], s=10, color=color,
                       label=f"{name} points")
        ok = np.isin(split_, ("train", "test"))
        lo, hi = float(np.nanmin(rs.cost_value.values[ok])), float(np.nanmax(rs.cost_value.values[ok]))
        ax.plot([lo, hi], [lo, hi], "k--", linewidth=0.8)
        ax.set_title(str(r), fontsize=9)
        ax.set_xlabel("DS cost OPF ($/h)")
        ax.set_ylabel("offered price ($/h)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
