"""Figures of the FOR chapters, drawn from stores (xarray Datasets) only. Units: MW, Mvar, p.u."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy.spatial import ConvexHull

from forlab.book.tables import table

AXIS_LABELS = {"p_mw": "P import (MW)", "q_mvar": "Q import (Mvar)", "vm_pu": "V at PCC (p.u.)"}


def _region_points(st, region):
    sel = (st.region == region) & st.success
    return np.column_stack([st.p_mw.values[sel], st.q_mvar.values[sel], st.vm_pu.values[sel]]), st.stage.values[sel]


def for_regions_3d(st, regions, views=((25, -60), (10, 20), (70, -120))):
    """One row per region, one column per view: samples coloured by stage and their convex hull (translucent)."""
    fig = plt.figure(figsize=(4.2 * len(views), 3.8 * len(regions)))
    for r, region in enumerate(regions):
        pts, stage = _region_points(st, region)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        hull = ConvexHull((pts - lo) / span) if len(pts) >= 4 else None
        for c, (elev, azim) in enumerate(views):
            ax = fig.add_subplot(len(regions), len(views), r * len(views) + c + 1, projection="3d")
            if hull is not None:
                ax.plot_trisurf(pts[:, 0], pts[:, 1], pts[:, 2], triangles=hull.simplices, alpha=0.15,
                                color="tab:blue", linewidth=0.2, edgecolor="tab:blue")
            for name, marker, color in (("fibonacci", "o", "tab:blue"), ("projection", "^", "tab:orange"),
                                        ("box", "s", "black")):
                m = stage == name
                ax.scatter(pts[m, 0], pts[m, 1], pts[m, 2], s=8, marker=marker, color=color, label=name)
            ax.view_init(elev=elev, azim=azim)
            ax.set_xlabel("P (MW)", fontsize=8)
            ax.set_ylabel("Q (Mvar)", fontsize=8)
            ax.set_zlabel("V (p.u.)", fontsize=8)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_title(region, fontsize=9)
            if r == 0 and c == len(views) - 1:
                ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def _outline(p, q):
    pts = np.column_stack([p, q])
    if len(pts) < 3:
        return pts
    try:
        h = ConvexHull(pts)
    except Exception:  # noqa: BLE001 - degenerate (collinear) sets are drawn as they are
        return pts
    v = pts[h.vertices]
    return np.vstack([v, v[:1]])


def pq_slices(st, regions):
    """PQ outlines at the slice voltages (variables slice_*), one panel per region."""
    fig, axes = plt.subplots(1, len(regions), figsize=(4.2 * len(regions), 3.6), squeeze=False)
    for ax, region in zip(axes[0], regions):
        for v in np.unique(st.slice_vm_pu.values):
            m = (st.slice_vm_pu.values == v) & (st.slice_region.values == region) & st.slice_success.values
            o = _outline(st.slice_p_mw.values[m], st.slice_q_mvar.values[m])
            ax.plot(o[:, 0], o[:, 1], "-", label=f"V = {v:.2f} p.u.")
        ax.set_title(region, fontsize=9)
        _pq_axes(ax)
    fig.tight_layout()
    return fig


def variant_outlines(st):
    """PQ-plane outlines (convex hull of the support points, variables variant_*) of the variants of one DS."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for v in dict.fromkeys(st.variant.values):
        m = (st.variant.values == v) & st.variant_success.values
        o = _outline(st.variant_p_mw.values[m], st.variant_q_mvar.values[m])
        ax.plot(o[:, 0], o[:, 1], "-", label=v)
    _pq_axes(ax)
    fig.tight_layout()
    return fig


def _pq_axes(ax):
    """Labels (MW, Mvar), grid and legend of a PQ-plane panel."""
    ax.set_xlabel(AXIS_LABELS["p_mw"])
    ax.set_ylabel(AXIS_LABELS["q_mvar"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def slice_areas(st):
    """Area (MW x Mvar) of every PQ slice (convex hull of its support points), regions as rows."""
    import pandas as pd

    rows = []
    for region in dict.fromkeys(st.slice_region.values):
        for v in np.unique(st.slice_vm_pu.values[st.slice_region.values == region]):
            m = (st.slice_vm_pu.values == v) & (st.slice_region.values == region) & st.slice_success.values
            pts = np.column_stack([st.slice_p_mw.values[m], st.slice_q_mvar.values[m]])
            area = ConvexHull(pts).volume if len(pts) >= 3 else np.nan
            rows.append({"region": region, "V (p.u.)": round(float(v), 4), "area (MW Mvar)": area,
                         "converged": f"{int(m.sum())}/{int(((st.slice_vm_pu.values == v) & (st.slice_region.values == region)).sum())}"})
    return pd.DataFrame(rows).set_index(["region", "V (p.u.)"])


def coordination_table(st):
    """The case-study table of a coordination store, in the form a paper prints (costs $/h, times ms).

    Returns (all case columns, the printed table, per-system means). Stores written before the DSO warm start was
    recorded lack the cold-start columns; the table then leaves them out.
    """
    import pandas as pd

    t = table(st, "case")
    cols = {
        "system": t.system, "load (%)": (100 * t.level).round(0).astype(int),
        "integrated cost ($/h)": t.integrated_cost.round(2), "integrated (ms)": (1e3 * t.integrated_time_s).round(1),
        "proposed cost ($/h)": t.proposed_cost.round(2), "deviation (%)": t.cost_deviation_pct.round(4),
        "TSO (ms)": (1e3 * t.tso_time_s).round(1), "DSO max (ms)": (1e3 * t.dso_time_max_s).round(1),
    }
    if "dso_cold_time_max_s" in t:
        cols["DSO max, cold start (ms)"] = (1e3 * t.dso_cold_time_max_s).round(1)
    cols.update({
        "time reduction (%)": t.time_reduction_parallel_pct.round(1),
        "time reduction, DSOs summed (%)": t.time_reduction_sum_pct.round(1),
    })
    if "time_reduction_cold_pct" in t:
        cols["time reduction, cold DSOs (%)"] = t.time_reduction_cold_pct.round(1)
    cols.update({
        "PCC mismatch": t.pcc_mismatch_max.round(4),
        "violations": (t.n_vm_violations + t.n_branch_violations + t.n_gen_violations).astype(int),
        "offline (s)": t.offline_time_s.round(1),
    })
    printed = pd.DataFrame(cols).set_index(["system", "load (%)"])
    per_sys = t.groupby("system", sort=False).agg(
        dev=("cost_deviation_pct", "mean"), red=("time_reduction_parallel_pct", "mean"),
        red_max=("time_reduction_parallel_pct", "max"), viol=("feasible", lambda s: int((~s.astype(bool)).sum())))
    per_sys["viol"] = per_sys["viol"].astype(int)
    return t, printed, per_sys


def coordination_summary(per_sys) -> str:
    """Markdown bullet list of the per-system means against the paper's claims."""
    return "\n".join(
        f"- **{s}**: mean cost deviation {r.dev:.4f} % (paper: at most 0.058 %), time reduction {r.red:.1f} % on "
        f"average and {r.red_max:.1f} % at best (paper: up to 58.11 %), {int(r.viol)} load level(s) with violations "
        f"after the T+D power flow."
        for s, r in per_sys.iterrows())


def coordination_targets(per_sys) -> str:
    """One sentence per target of the coordination issue, with the measured numbers."""
    dev_ok = per_sys.dev <= 0.058
    largest = per_sys.index[-1]
    return (
        f"Cost deviation at most 0.058 % on average: met on {int(dev_ok.sum())} of {len(per_sys)} systems"
        + (f" (missed on {', '.join(per_sys.index[~dev_ok])})" if (~dev_ok).any() else "")
        + f". Time reduction on the largest system ({largest}): {per_sys.red.iloc[-1]:.1f} % on average, "
        f"{per_sys.red_max.iloc[-1]:.1f} % at best (target: at least 58 %, "
        f"{'met' if per_sys.red_max.iloc[-1] >= 58 else 'missed'}). Load levels with violations after the T+D power "
        f"flow: {int(per_sys.viol.sum())}."
    )


def coordination_iterations(st):
    """Per case: Ipopt iterations and solve time of the integrated AC-OPF, the TSO's FOR-based OPF and the slowest
    DSO (warm start from its library and cold), with the per-iteration time (ms); None for stores without them."""
    import pandas as pd

    t = table(st, "case")
    d = table(st, "dso_row", "dso_")
    if "integrated_iterations" not in t or "iterations" not in d:
        return None
    slow = d.loc[d.groupby(["system", "level"]).solve_s.idxmax()].set_index(["system", "level"])
    rows = []
    for _, r in t.iterrows():
        s = slow.loc[(r.system, r.level)]
        rows.append({
            "system": r.system, "load (%)": int(np.rint(100 * r.level)),
            "integrated: iterations": int(r.integrated_iterations),
            "integrated: ms": 1e3 * r.integrated_time_s,
            "integrated: ms/iteration": 1e3 * r.integrated_time_s / max(int(r.integrated_iterations), 1),
            "TSO: iterations": int(r.tso_iterations), "TSO: ms": 1e3 * r.tso_time_s, "slowest DSO": s.ds,
            "DSO warm: iterations": int(s.iterations), "DSO start": s.start,
            "DSO start distance": s.start_distance, "DSO cold: iterations": int(s.cold_iterations),
            "DSO: ms/iteration": 1e3 * s.solve_s / max(int(s.iterations), 1),
            **({"DSO warm - cold cost": s.fpu_cost - s.cold_fpu_cost} if "cold_fpu_cost" in s else {}),
        })
    out = pd.DataFrame(rows).set_index(["system", "load (%)"])
    return out.round({c: 2 for c in out.columns if c != "DSO warm - cold cost"})


def coordination_time_note(it) -> str:
    """Markdown: per system, mean iterations and ms/iteration of the integrated AC-OPF and of the slowest DSO (warm
    and cold), from `coordination_iterations`."""
    g = it.groupby(level="system", sort=False).mean(numeric_only=True)
    lines = [
        f"- **{s}**: integrated {r['integrated: iterations']:.0f} iterations at {r['integrated: ms/iteration']:.1f} "
        f"ms; slowest DSO {r['DSO warm: iterations']:.0f} iterations from its library "
        f"({r['DSO cold: iterations']:.0f} cold) at {r['DSO: ms/iteration']:.1f} ms; TSO {r['TSO: iterations']:.0f} "
        f"iterations."
        for s, r in g.iterrows()]
    warm, cold = it["DSO warm: iterations"].to_numpy(float), it["DSO cold: iterations"].to_numpy(float)
    nearest = int((it["DSO start"] == "nearest").sum())
    same = ""
    if "DSO warm - cold cost" in it:
        same = (f" Started from its library or cold, every DSO reaches the same cost, within "
                f"{np.nanmax(np.abs(it['DSO warm - cold cost'].to_numpy(float))):.1e} per hour (largest difference).")
    # what the 58 % target asks of the DSO on the last (largest) system: its time budget after the TSO's solve
    last = g.iloc[-1]
    t_int = last["integrated: ms"]
    budget = 0.42 * t_int - last["TSO: ms"]
    need = budget / last["DSO: ms/iteration"]
    target = (f"\n\nFor a 58 % reduction on {g.index[-1]}, the TSO and the slowest DSO together would have to finish "
              f"within 42 % of the integrated AC-OPF's {t_int:.0f} ms; ")
    if budget > 0:
        target += (f"after the TSO's {last['TSO: ms']:.0f} ms that leaves the DSO {budget:.0f} ms, about {need:.0f} "
                   f"iterations at its {last['DSO: ms/iteration']:.1f} ms per iteration, against the "
                   f"{last['DSO warm: iterations']:.0f} it needs from its library (means over the load levels).")
    else:
        target += (f"the TSO alone takes {last['TSO: ms']:.0f} ms, which leaves the DSO no time at all (means over the "
                   f"load levels).")
    return ("Means over the load levels:\n\n" + "\n".join(lines) + "\n\n"
            f"Over all {len(it)} cases the library start needs {warm.sum() / max(cold.sum(), 1):.2f} times the "
            f"iterations of a cold start; {nearest} case(s) asked the DSO for a point its grid cannot deliver, where "
            f"it first fails, then solves the projection and the cost OPF at the nearest point." + same + target)


def coordination_misses(st, target_pct: float = 0.058) -> str:
    """Markdown: every case with a violation or a PCC mismatch, and every system whose mean deviation exceeds the
    target, each with the store's numbers that explain it (offered vs true DS cost at the chosen PCC point)."""

    t, _, per_sys = coordination_table(st)
    pcc = table(st, "pcc_row", "pt_")
    dso = table(st, "dso_row", "dso_")
    pts = pcc.merge(dso[["system", "level", "ds", "mismatch", "fpu_cost", "start"]], on=["system", "level", "ds"])
    lines = []
    for _, r in t[(~t.feasible.astype(bool)) | (t.pcc_mismatch_max > 1e-6)].iterrows():
        bad = pts[(pts.system == r.system) & (pts.level == r.level) & (pts.mismatch > 1e-6)]
        who = ", ".join(f"{b.ds} (f = {b.f:.1e} at the chosen point, mismatch {b.mismatch:.3f})"
                        for _, b in bad.iterrows())
        lines.append(
            f"- {r.system} at {100 * r.level:.0f} % load: the TSO's point lies inside the offer but outside the "
            f"real FOR of {who or 'no DS'}; the DSO delivers the nearest feasible point and the TS slack covers the "
            f"difference. The T+D power flow then shows {int(r.n_vm_violations)} voltage, "
            f"{int(r.n_branch_violations)} branch and {int(r.n_gen_violations)} generator violation(s) (largest "
            f"voltage violation {r.max_vm_violation_pu:.4f} p.u., largest generator violation "
            f"{r.max_gen_violation_mw:.2f} MW): a false-feasible point of the offer, the error chapter 04 measures.")
    for s_name, r in per_sys[per_sys.dev > target_pct].iterrows():
        g = pts[pts.system == s_name]
        errs = ", ".join(f"{100 * lv:.0f} %: offered {oc:.1f} against true {tc:.1f}"
                         for lv, oc, tc in zip(g.level, g.offer_cost, g.fpu_cost))
        slopes = ""
        if "true_slope_p" in dso:  # stores from before the slopes were recorded lack them
            gs = g.merge(dso[["system", "level", "ds", "offer_slope_p", "true_slope_p"]], on=["system", "level", "ds"])
            slopes = (" Its marginal price of import there, the slope the TSO trades against, is "
                      + ", ".join(f"{100 * lv:.0f} %: offered {-o:.1f} against true {-tr:.1f}"
                                  for lv, o, tr in zip(gs.level, gs.offer_slope_p, gs.true_slope_p))
                      + " per MWh (what one more MW imported saves the DSO).")
        dev = t[t.system == s_name].set_index("level").cost_deviation_pct
        lines.append(
            f"- {s_name}: mean deviation {r.dev:.4f} % (per load level "
            + ", ".join(f"{100 * lv:.0f} %: {v:.4f} %" for lv, v in dev.items())
            + f") against the target of {target_pct} %. The offered quadratic price at the point the TSO chose "
            f"differs from the DSO's true cost there ({errs}, in the TS case's currency per hour).{slopes} When the "
            f"offered slope is off, the TSO trades DS flexibility against its own generators at the wrong rate. A "
            f"convex quadratic over (P, Q, V) cannot follow the DS cost where FPUs reach their limits (kinks), and "
            f"the TSO's optimum tends to sit on the region's surface, where the fit is worst. Where the slopes agree, "
            f"the rest can come from the region itself: the offer is shrunk by a safety margin (chapter 04), and the "
            f"integrated optimum may lie in the part of the FOR it gives up.")
    return "\n".join(lines) if lines else "Every case is feasible, and every system meets the deviation target."


# --------------------------------------------------------------------------- chapter 04: the offers
OFFER_COLUMNS = {
    "degree": "degree", "convex": "SOS-convex", "margin": "margin",
    "test_accuracy": "accuracy", "test_false_feasible_rate": "false-feasible",
    "test_n_infeasible": "infeasible test points", "test_false_feasible_upper": "false-feasible, 95 % upper bound",
    "test_false_infeasible_rate": "false-infeasible", "test_volume_kept": "FOR volume kept",
    "hull_volume_kept": "hull volume kept", "test_boundary_distance_mean": "boundary distance (mean)",
    "cost_r2": "cost R^2", "cost_rel_error_mean": "cost error (mean)", "cost_rel_error_max": "cost error (max)",
    "cost_gradient_rel_error_mean": "slope error (mean)",
}


def offer_info(st):
    """One row per region: the `info` of the offer stored as JSON in ``offer_json`` (chosen fit, test errors)."""
    import json

    import pandas as pd

    return pd.DataFrame([dict(region=str(r), **json.loads(str(st.offer_json.sel(region=r).values))["info"])
                         for r in st.region.values]).set_index("region")


def offer_table(info):
    """The chosen offers' held-out errors as a table (rates as fractions; cost errors relative to the mean DS cost)."""
    cols = [c for c in OFFER_COLUMNS if c in info.columns]
    out = info[cols].rename(columns=OFFER_COLUMNS)
    for c in ("degree", "infeasible test points"):
        if c in out:
            out[c] = out[c].astype(int)
    return out


def offer_lines(info, target: float = 0.01) -> str:
    """Markdown bullets: per region the false-feasible rate with its count and upper bound, the volume kept and the
    cost errors, against the < ``target`` false-feasible target."""
    def pct(x):
        return np.nan if x is None else 100 * float(x)

    lines = []
    for r, c in info.iterrows():
        ff = pct(c.test_false_feasible_rate)
        slope = c.get("cost_gradient_rel_error_mean")  # absent in stores from before the slope fit
        slope = np.nan if slope is None else float(slope)
        met = bool(np.isfinite(ff) and ff < 100 * target)
        lines.append(
            f"- **{r}**: degree {int(c.degree)}{' (SOS-convex)' if c.convex else ''}, margin {c.margin:.3f}; "
            f"false-feasible {int(c.test_n_false_feasible)} of {int(c.test_n_infeasible)} infeasible test points = "
            f"{ff:.2f} % (95 % upper bound {pct(c.test_false_feasible_upper):.2f} %; target below "
            f"{100 * target:.0f} %: {'met' if met else 'missed'}), false-infeasible {pct(c.test_false_infeasible_rate):.1f} % "
            f"of {int(c.test_n_feasible)} feasible test points, FOR volume kept {pct(c.test_volume_kept):.1f} %; cost "
            f"$R^2$ {c.cost_r2:.4f}, mean / max error {100 * c.cost_rel_error_mean:.1f} % / "
            f"{100 * c.cost_rel_error_max:.1f} % of the mean DS cost ({c.cost_mean:.2f} $/h)"
            + (f"; slope error {100 * slope:.0f} % of the mean slope (mean over test points)." if np.isfinite(slope)
               else ".")
        )
    return "\n".join(lines)


def cost_check(st, regions):
    """Held-out cost points: offered price against the DS cost OPF, one panel per region."""
    fig, axes = plt.subplots(1, len(regions), figsize=(4.2 * len(regions), 3.8), squeeze=False)
    for ax, r in zip(axes[0], regions):
        rs = st.sel(region=r)
        split = rs.cost_split.values.astype(str)
        for name, color in (("train", "tab:gray"), ("test", "tab:red")):
            m = split == name
            ax.scatter(rs.cost_value.values[m], rs.cost_predicted.values[m], s=10, color=color,
                       label=f"{name} points")
        ok = np.isin(split, ("train", "test"))
        lo, hi = float(np.nanmin(rs.cost_value.values[ok])), float(np.nanmax(rs.cost_value.values[ok]))
        ax.plot([lo, hi], [lo, hi], "k--", linewidth=0.8)
        ax.set_title(str(r), fontsize=9)
        ax.set_xlabel("DS cost OPF ($/h)")
        ax.set_ylabel("offered price ($/h)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
