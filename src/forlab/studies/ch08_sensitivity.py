"""The three methods on one footing: one method on one variant of a study system, one uniform row.

This module sits above the three method wings (`forlab.p1_for` P1, `forlab.p2_surrogate` P2, `forlab.p3_aladin` P3) and
calls only their public study entry points; the wings never import it. It adds no algorithm: it builds the
variants of a sensitivity study, runs each method on them through the wing's own code, and reports every outcome in
the same columns, judged by the same T+D power flow (`forlab.opf.judge.judge`) against the same integrated
AC-OPF.

A **variant** changes one thing of the base case of a study system at a time (`Variant`): the load level (every
TS and DS load times a factor), the number of FPUs per DS (`forlab.grid.td.load_system(n_fpus=...)`) or the meshing
of the DSs (``ties="all"``: tie lines closed, meshed; ``"none"``: radial).

Units of the row columns (`COLUMNS`): costs in the TS case's currency per hour ($/h for MATPOWER), online times in
seconds (the record's ``solve_time_s``, solver times by the one rule, ALADIN's too, and ``wall_time_s``; the parts
``tso_ms`` and ``dso_ms`` in milliseconds), offline times in seconds, bytes by the one rule of every method
(`forlab.book.parallel.wire_bytes`: pickled, as Dask sends them), deviation in percent of the integrated optimum.

How each method is timed, in the same run as its own integrated AC-OPF (so that ratios hold on a noisy machine):

* P1 (`forlab.studies.ch05_coordination.case_study`): integrated, TSO and every DSO solve ``repeats`` times from the same
  start, the fastest counts; ``dso_ms`` is the slowest DSO (DSOs run in parallel); online = TSO + slowest DSO.
  Offline: FOR sampling, offer fit and the DSO's warm-start library, per DS and load level.
* P2 (`forlab.studies.ch06_ml_surrogate`): integrated and surrogate TSO ``repeats`` times each, the fastest counts; no online
  DSO step (the TSO sets the FPUs itself). Offline: dataset power flows, refinement, fit and certification, once
  per system (the surrogate takes the DS load factor as an input, so it serves every load level of its range).
* P3 (`forlab.p3_aladin.run_aladin`, zone partition: TS and one region per DS, in-process, ``repeats`` runs): online
  by the one rule (`aladin_seconds`): per round the slowest region and the coordinator (plus the communication for
  the wall time), rounds added, the fastest of the runs that ended as the first did (a repeat that raised or stopped
  elsewhere is left out, `forlab.studies.outcomes.repeated_runs`); ``tso_ms`` and ``dso_ms`` split that same run's online time
  (`aladin_split`): the coordinator's time and the regions' part (per round the slowest local NLP and the slowest
  local reduction, over every region, the TS region included), each summed over rounds, so that
  ``tso_ms + dso_ms`` is its ``solve_time_s`` in ms; its bytes are every region's messages, the TS region's
  included. A run that does not converge is a failed case. No offline work.

Every row carries the outcome record of `forlab.opf.outcome` (``status``, ``solve_time_s``, ``wall_time_s``,
``offline_time_s``, ``bytes_exchanged``, ``integrated_solve_time_s``, ``max_violation``, ...) under the record's names
and units, one name per quantity; the tables and sentences show its times in ms and its bytes in kB
(`display_units`). The integrated baseline of every method is `forlab.opf.outcome.integrated_baseline`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book.names import TIME_RATIO
from forlab.book.plots import BOUND_LINE, P1_BOUND
from forlab.book.progress import line as terminal_line
from forlab.book.runner import (
    check_distinct,
    check_non_negative,
    check_positive,
    check_positive_value,
    check_types,
    missing_profile_text,
)
from forlab.book.store import paper_origin, short_commit
from forlab.book.tables import as_printed, counted, fixed_span, fixed_text, grouped, listed, span
from forlab.opf.judge import VIOLATION_COUNTS, violation_counts, violation_words
from forlab.opf.outcome import NOT_IN_STORE, OUTCOME, Baseline, integrated_baseline, negative_sentence
from forlab.studies.outcomes import (  # P3's adapter, shared with 07
    aladin_dispatch,
    aladin_outcome,
    aladin_seconds,
    aladin_split,
    error_text,
    fastest_alike,
    repeated_runs,
)

__all__ = [
    "BOUND_READING",
    "COLUMNS",
    "FACTORS",
    "FLAGS",
    "KINDS",
    "METHODS",
    "NOMINAL_START",
    "NOT_APPLYING",
    "NO_OFFLINE_STEP",
    "NO_ONLINE_DSO_STEP",
    "ONLINE_DIGITS",
    "OUTLIER_FACTOR",
    "P1_BOUND",
    "P1_SETTINGS",
    "PARAMETER_TYPES",
    "RATIO_TICKS",
    "TEXT",
    "Variant",
    "aladin_dispatch",
    "aladin_outcome",
    "aladin_seconds",
    "aladin_split",
    "applicable",
    "base_case_text",
    "bound_text",
    "chapter_05_store",
    "check_params",
    "design_table",
    "display_units",
    "effort_table",
    "failed_row",
    "figure",
    "findings",
    "frame",
    "negative_text",
    "online_table",
    "p1_offer_text",
    "paper_runs",
    "paper_text",
    "record_fields",
    "result_row",
    "run",
    "run_p1",
    "run_p2",
    "run_p3",
    "run_sensitivity",
    "store_text",
    "study_design",
    "summary",
    "time_outliers",
    "timing_spread_text",
    "to_store",
    "variants",
    "verdict_fields",
]

METHODS = {"P1": "FOR offer", "P2": "ML surrogate", "P3": "ALADIN"}
"""Method codes and their short names (as in the method chapters)."""

KINDS = {"load": "load level (% of nominal)", "fpus": "FPUs per DS", "meshing": "DS meshing"}
"""The factors a variant can change, with what their value means."""

FACTORS = {"load": "load level", "fpus": "FPUs per DS", "meshing": "DS meshing"}
"""Short names of the factors, for table cells and figure titles."""

COLUMNS: dict[str, tuple[str, str]] = {
    "load_level": ("TS and DS load, fraction of nominal", "1"),
    "n_fpus": ("FPUs per DS", "1"),
    "meshed": ("DS tie lines closed (1) or open (0)", "1"),
    "ds_buses": ("DS buses in the system", "1"),
    "integrated_cost": ("integrated AC-OPF optimum", "$/h"),
    "cost": ("true cost of the method's dispatch (T+D power flow)", "$/h"),
    "deviation_pct": ("cost deviation from the integrated optimum", "%"),
    "tso_ms": ("TSO / coordinator online time", "ms"),
    "dso_ms": (("DSO online time, slowest DS (P3: per round the slowest region's NLP and the slowest region's "
                "reduction, the TS region included)"), "ms"),
    "dso_parallel_ms": (("P1: every DSO's dispatch sent at once to the Dask workers, measured wall time "
                         "(NaN: in-process)"), "ms"),
    "time_ratio": ("online solver time / integrated AC-OPF solver time (solve_time_s / integrated_solve_time_s)",
                   "1"),
    "offline_dso_max_s": ("P1: the slowest DSO's own offline time (each DSO on a computer of its own)", "s"),
    "rounds": ("rounds of communication", "1"),
    "bytes_exchanged": (("bytes exchanged, all DSs (P3: all regions, the TS region included), both directions, all "
                         "rounds"), OUTCOME["bytes_exchanged"][1]),
    "max_vm_violation_pu": ("largest voltage violation (T+D power flow)", "p.u."),
    "max_loading_percent": ("largest branch loading (T+D power flow)", "%"),
    "n_vm_violations": ("voltage violations (T+D power flow; -1: no dispatch)", "1"),
    "n_branch_violations": ("branch violations (T+D power flow; -1: no dispatch)", "1"),
    "n_gen_violations": ("generator limit violations (T+D power flow; -1: no dispatch)", "1"),
    "n_angle_violations": ("branch angle differences beyond their limits (T+D power flow; -1: no dispatch)", "1"),
    "method_gap": ("method's own optimality gap (P3: |objective - optimum| / optimum)", "1"),
    "pcc_error": ("P1: largest PCC mismatch (box-normalised); P2: largest PCC import error (MW)", "mixed"),
    "tso_iterations": ("P1: Ipopt iterations of the TSO's FOR-based OPF", "1"),
    "integrated_iterations": ("P1: Ipopt iterations of the integrated AC-OPF, same run", "1"),
    "reserve_mw": ("P2: P reserve the TSO held on each slack unit (the surrogates' summed import-error bound)",
                   "MW"),
    "p2_least_accepted": (("P2: the least share of its feasible held-out samples a DS's polytope accepts, over the "
                          "system's DSs"), "1"),
    "p2_narrow_dss": (("P2: DSs whose polytope accepts hardly any of their feasible held-out samples (below chapter "
                      "06's LITTLE_ACCEPTED)"), "1"),
    **{k: v for k, v in OUTCOME.items() if k not in ("deviation_pct", "feasible", "status", "cost",
                                                        "integrated_cost", "rounds", "bytes_exchanged")},
}
"""Numeric columns of a result row: name -> (long name, units). The online and offline times, the integrated AC-OPF's
time and the bytes are the outcome record's fields (`forlab.opf.outcome.OUTCOME`: ``solve_time_s``,
``offline_time_s``, ``integrated_solve_time_s``, ``bytes_exchanged``), in its units, under no second name."""

FLAGS = ("feasible", "pf_converged", "is_base")
"""Boolean columns (stored as 0/1)."""

TEXT = ("system", "method", "variant_kind", "variant_label", "ties", "integrated_status", "method_status",
        "dso_status", "error", "status")
"""String columns; statuses are the solvers' own words ("" when not applicable), error the exception, if any."""


# ----------------------------------------------------------------------------------------------------------------------
# variants
# ----------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One case of the sensitivity study.

    kind: the factor varied ("load", "fpus" or "meshing"); value: its value (load fraction, FPUs per DS, 1 meshed /
    0 radial); level: TS and DS load as a fraction of nominal; n_fpus: FPUs per DS (None: `load_system`'s default);
    ties: DS tie lines closed ("all") or open ("none"); is_base: the base case (shared by every factor).
    """

    kind: str
    value: float
    level: float = 1.0
    n_fpus: int | None = None
    ties: str = "all"
    is_base: bool = False

    @property
    def system_options(self) -> dict:
        """Keywords of `forlab.grid.td.load_system` for this variant."""
        return {"ties": self.ties, "n_fpus": self.n_fpus}

    @property
    def system_key(self) -> tuple:
        """Variants with the same key share one study system (and P2's offline surrogate)."""
        return (self.n_fpus, self.ties)

    @property
    def case_key(self) -> tuple:
        """Variants with the same key are the same case (the base case appears once per factor)."""
        return (self.level, self.n_fpus, self.ties)

    @property
    def label(self) -> str:
        if self.kind == "load":
            return f"load {100 * self.level:.0f} %"
        if self.kind == "fpus":
            return f"{self.n_fpus} FPUs per DS"
        return "meshed" if self.ties == "all" else "radial"


def variants(levels: Sequence[float], fpu_counts: Sequence[int], meshings: Sequence[str], *,
             base_level: float = 1.0, base_fpus: int = 4, base_ties: str = "all") -> list[Variant]:
    """The one-factor-at-a-time design: every load level at the base FPUs and meshing, every FPU count at the base
    level and meshing, every meshing ("all" or "none") at the base level and FPUs. The base case is marked
    ``is_base`` in each factor it appears in."""
    for m in [*meshings, base_ties]:
        if m not in ("all", "none"):
            raise ValueError(f"meshing must be 'all' (ties closed) or 'none' (radial), not {m!r}")
    out = []
    for lv in levels:
        lv = float(lv)
        out.append(Variant("load", lv, lv, int(base_fpus), base_ties, is_base=lv == float(base_level)))
    for n in fpu_counts:
        out.append(Variant("fpus", float(n), float(base_level), int(n), base_ties, is_base=int(n) == int(base_fpus)))
    for m in meshings:
        out.append(Variant("meshing", float(m == "all"), float(base_level), int(base_fpus), m,
                           is_base=m == base_ties))
    return out


def result_row(system: str, method: str, v: Variant, **values) -> dict:
    """One row of method ``method`` on variant ``v`` of ``system`` in this chapter's layout, which chapter 12 stores
    its rows in too: every column present (`COLUMNS`, `TEXT`, `FLAGS`; NaN / "" / False where the method gave
    nothing, ``status`` "not run"), ``values`` set over them, and ``time_ratio`` (``solve_time_s`` /
    ``integrated_solve_time_s``) where both times are numbers."""
    row = {c: np.nan for c in COLUMNS}
    row.update({c: "" for c in TEXT})
    row["status"] = "not run"
    row.update({c: False for c in FLAGS})
    row.update(system=system, method=method, variant_kind=v.kind, variant_label=v.label, ties=v.ties,
               is_base=v.is_base, load_level=v.level, n_fpus=np.nan if v.n_fpus is None else v.n_fpus,
               meshed=float(v.ties == "all"))
    row.update(violation_counts(None))
    row.update(values)
    online, integrated = row["solve_time_s"], row["integrated_solve_time_s"]
    if np.isfinite(online) and np.isfinite(integrated) and integrated > 0:
        # the one writer of the ratio of chapters 08 and 12, whose rows chapter 09 copies with it (its sensitivity and
        # many-DSOs rows); for its P1-P3 rows `forlab.studies.ch09_comparison.readers._row` divides the same two times itself
        row["time_ratio"] = online / integrated
    return row


def failed_row(system: str, method: str, v: Variant, err: BaseException) -> dict:
    """The `result_row` of a run that raised ``err``: no numbers, ``method_status`` "error", ``error`` the
    exception's text (`forlab.studies.outcomes.error_text`) and ``status`` "error: <that text>"."""
    error = error_text(err)
    return result_row(system, method, v, method_status="error", error=error, status=f"error: {error}")


def record_fields(r) -> dict:
    """The outcome record's fields (`forlab.opf.outcome.OUTCOME`) of a method's own row ``r`` (a dict or Series),
    in this chapter's columns."""
    return {k: r[k] for k in OUTCOME if k in r and k != "integrated_cost"}


def verdict_fields(verdict: dict) -> dict:
    """The T+D power flow's verdict (`forlab.opf.judge.judge`'s result) in row columns: ``feasible``,
    ``pf_converged``, the largest voltage violation (p.u.) and branch loading (%), and the violation counts."""
    return {"feasible": bool(verdict.get("feasible", False)), "pf_converged": bool(verdict.get("converged", False)),
            **{c: verdict.get(c, np.nan) for c in ("max_vm_violation_pu", "max_loading_percent")},
            **violation_counts(verdict)}


# ----------------------------------------------------------------------------------------------------------------------
# P1: FOR offers
# ----------------------------------------------------------------------------------------------------------------------


def _baselines(baseline: Baseline | None) -> dict[float, Baseline]:
    """The integrated AC-OPFs already solved and timed, by load level: ``baseline`` is the one at nominal load
    (level 1; e.g. chapter 12's integrated row, so that no method solves the largest system's AC-OPF again).
    Variants at other levels solve their own."""
    return {} if baseline is None else {1.0: baseline}


def run_p1(system_name: str, group: Sequence[Variant], *, n_directions: int = 40, face_grid: int = 3,
           fit_options: dict | None = None, n_workers: int = 0, repeats: int = 3, system=None,
           client=None, baseline: Baseline | None = None, dso_services: bool = False) -> list[dict]:
    """P1 on variants that share one study system (same `Variant.system_key`): one
    `forlab.studies.ch05_coordination.case_study` over their load levels. Returns one row per variant (`COLUMNS`); a
    failure is a row with status "error". Bytes: `forlab.p1_for.coordinate.offer_bytes` (the offers and the PCC
    points the TSO sends back). system: the variants' `StudySystem` if already built; client: a Dask client for the
    offline OPFs and the DSOs' dispatches (None: n_workers); baseline: see `_baselines`; dso_services: with Dask,
    every DSO's offline work is one task on a worker, all at once, and the DSO dispatches there (`case_study`)."""
    levels = sorted({v.level for v in group})
    try:
        from forlab.grid import td
        from forlab.studies.ch05_coordination import case_study

        system = system or td.load_system(system_name, **group[0].system_options)
        rows, _ = case_study(system_name, levels, n_directions=n_directions, face_grid=face_grid,
                             n_workers=n_workers, fit_options=fit_options or {}, progress=False,
                             system_options=group[0].system_options, repeats=repeats, client=client,
                             system=system, baselines=_baselines(baseline), dso_services=dso_services)
    except Exception as err:  # noqa: BLE001 - a failed case is a recorded row
        return [failed_row(system_name, "P1", v, err) for v in group]
    by_level = {float(r["level"]): r for r in rows}
    out = []
    for v in group:
        r = by_level[float(v.level)]
        dso = r["dso"]
        out.append(result_row(
            system_name, "P1", v, ds_buses=system.ds_buses,
            integrated_cost=r.get("integrated_cost", np.nan),
            integrated_status=str(r.get("integrated_status", "")), tso_ms=1e3 * r.get("tso_time_s", np.nan),
            dso_ms=1e3 * r.get("dso_time_max_s", np.nan), dso_parallel_ms=1e3 * r.get("dso_parallel_wall_s", np.nan),
            offline_dso_max_s=r.get("offline_dso_max_s", np.nan),
            method_status=str(r.get("tso_status", "")),
            dso_status=";".join(sorted(set(map(str, dso.get("status", []))))),
            pcc_error=r.get("pcc_mismatch", np.nan), tso_iterations=r.get("tso_iterations", np.nan),
            integrated_iterations=r.get("integrated_iterations", np.nan),
            **{**verdict_fields({"feasible": r["feasible"], "converged": r["pf_converged"],
                                 **{c: r.get(c, np.nan) for c in ("max_vm_violation_pu", "max_loading_percent",
                                                                  *VIOLATION_COUNTS)}}), **record_fields(r)},
        ))
    return out


# ----------------------------------------------------------------------------------------------------------------------
# P2: ML surrogates
# ----------------------------------------------------------------------------------------------------------------------


def run_p2(system_name: str, group: Sequence[Variant], *, n_samples: int = 1000, options=None,
           refine_rounds: int = 1, refine_samples: int = 200, certify_rounds: int = 1, vertex_samples: int = 100,
           boundary_share: float = 0.3, load_range: tuple[float, float] = (0.6, 1.0), seed: int = 0,
           repeats: int = 3, system=None, client=None, baseline: Baseline | None = None) -> list[dict]:
    """P2 on variants that share one study system: datasets and surrogates built once
    (`forlab.studies.ch06_ml_surrogate.build_cases`, `fit_case`), then `benchmark_system` with one scenario per variant,
    every TS and DS load at the variant's level. ``load_range`` is the DS load factor range the surrogate is
    trained on; it must hold every level. Bytes: `forlab.p2_surrogate.tso.surrogate_bytes`.
    system: the variants' `StudySystem` if already built; client: a Dask client for the datasets' power flows
    (None: in this process); baseline: see `_baselines`. Returns one row per variant (`COLUMNS`)."""
    lo, hi = (float(x) for x in load_range)
    try:
        from forlab.grid import td
        from forlab.p2_surrogate.model import SurrogateOptions
        from forlab.p2_surrogate.tso import surrogate_bytes
        from forlab.studies import ch06_ml_surrogate

        bad = [v.level for v in group if not lo <= v.level <= hi]
        if bad:
            raise ValueError(f"load levels {bad} lie outside the surrogate's load_range {load_range}")
        system = system or td.load_system(system_name, **group[0].system_options)
        t0 = time.perf_counter()
        cases = ch06_ml_surrogate.build_cases(system, n_samples, seed, 0.2, boundary_share, client=client,
                                              load_range=(lo, hi))
        for case in cases:
            ch06_ml_surrogate.fit_case(case, options or SurrogateOptions(), refine_rounds, refine_samples,
                                       certify_rounds, vertex_samples, seed, client=client)
        offline = time.perf_counter() - t0
        sent = surrogate_bytes({c.ds: c.surrogate for c in cases})
        polytopes = _acceptance(cases)
    except Exception as err:  # noqa: BLE001
        return [failed_row(system_name, "P2", v, err) for v in group]
    out = []
    for v in group:
        try:
            table, _ = ch06_ml_surrogate.benchmark_system(system, cases, 1, (v.level, v.level), seed, repeats=repeats,
                                                          baseline=_baselines(baseline).get(float(v.level)))
            r = table.iloc[0]
            ok = bool(r["tso_success"])
            out.append(result_row(
                system_name, "P2", v, ds_buses=system.ds_buses,
                integrated_cost=r["integrated_cost"],
                integrated_status=str(r["integrated_status"]), tso_ms=1e3 * r["tso_time_s"], dso_ms=0.0,
                method_status=str(r["tso_status"]), pcc_error=r.get("ds_p_error_mw", np.nan) if ok else np.nan,
                reserve_mw=r.get("reserve_mw", np.nan),
                **{**(verdict_fields(r.to_dict()) if ok else {}), **record_fields(r.to_dict()),
                   "offline_time_s": offline, "bytes_exchanged": float(sent)}, **polytopes,
            ))
        except Exception as err:  # noqa: BLE001
            out.append(failed_row(system_name, "P2", v, err))
    return out


def _acceptance(cases) -> dict:
    """How much of the DSs' feasible regions the TSO is held to (chapter 06's held-out scores of the fitted
    surrogates, `forlab.studies.ch06_ml_surrogate.fit_case`): the least share of its feasible held-out samples a
    DS's polytope accepts (NaN where no DS had a feasible held-out sample) and how many DSs accept less than
    `forlab.studies.ch06_ml_surrogate.text.LITTLE_ACCEPTED`. A TSO held to such a polytope is fast and feasible
    over hardly any of that DS's region, which qualifies P2's speed (chapter 09 and 12 say so)."""
    from forlab.studies.ch06_ml_surrogate.text import LITTLE_ACCEPTED

    accepted = np.array([1 - c.scores["false_infeasible_rate"] for c in cases], float)
    known = accepted[np.isfinite(accepted)]
    return {"p2_least_accepted": float(known.min()) if len(known) else np.nan,
            "p2_narrow_dss": int((known < LITTLE_ACCEPTED).sum())}


# ----------------------------------------------------------------------------------------------------------------------
# P3: ALADIN
# ----------------------------------------------------------------------------------------------------------------------


def run_p3(system_name: str, v: Variant, *, max_iter: int = 30, repeats: int = 3, options: dict | None = None,
           system=None, client=None, baseline: Baseline | None = None) -> dict:
    """ALADIN (default `forlab.p3_aladin.ALADINOptions`, ``max_iter`` rounds, plus ``options``) on the integrated
    net of one variant, partitioned into its zones (TS and one region per DS), in-process, ``repeats`` times from the
    same start; its outcome record (`aladin_outcome`) against the integrated baseline timed by the same rule
    (`forlab.opf.outcome.integrated_baseline`). system: the variant's `StudySystem` if already built; client: a
    Dask client whose workers hold the regions as actors (mode "dask"; None: in this process); baseline: see
    `_baselines`. Repeats that raised or ended otherwise than the first are left out (`repeated_runs`; a first run
    that raises makes the case a failed one). Returns one row (`COLUMNS`); ``solve_time_s`` is the fastest run's
    solver time by the rule, and
    ``tso_ms`` / ``dso_ms`` split that same run's time (`aladin_split`), so that they add up to it (in ms)."""
    try:
        from forlab.grid import td
        from forlab.p1_for.coordinate import scale_loads
        from forlab.p3_aladin import ALADINOptions, partition, run_aladin

        system = system or td.load_system(system_name, **v.system_options)
        net = scale_loads(system.integrated(), v.level)
        base = _baselines(baseline).get(float(v.level)) or integrated_baseline(net, repeats)
        part = partition(net, "zone")
        opts = ALADINOptions(max_iter=max_iter, **(options or {}))
        where = {"client": client, "mode": "dask"} if client is not None else {}
        runs = repeated_runs(lambda: run_aladin(net, part, opts, reference=base.objective, **where), repeats)
        res, log = runs[0], runs[0].log
        oc, verdict = aladin_outcome(net, part, runs, base)
        # the online time is the fastest run's (`aladin_outcome`): split that run, not the first, so the parts add up
        coordinator, regions = aladin_split(fastest_alike(runs).log)
        return result_row(
            system_name, "P3", v, ds_buses=system.ds_buses, integrated_cost=base.objective,
            integrated_status=base.status, tso_ms=1e3 * coordinator, dso_ms=1e3 * regions, method_status=res.status,
            method_gap=res.gap, dso_status="all local NLPs solved" if bool(log.nlp_ok.all()) else "a local NLP failed",
            **{**verdict_fields(verdict), **record_fields(oc.as_dict())},
        )
    except Exception as err:  # noqa: BLE001
        return failed_row(system_name, "P3", v, err)


# ----------------------------------------------------------------------------------------------------------------------
# the study and its store
# ----------------------------------------------------------------------------------------------------------------------


def _cases(design: Sequence[Variant]) -> dict[tuple, list[Variant]]:
    """The distinct cases of ``design`` (a case shared by several factors, the base case, once), grouped by the
    study system they share (`Variant.system_key`): one system build and one P2 surrogate per group."""
    unique: dict[tuple, Variant] = {}
    for v in design:
        unique.setdefault(v.case_key, v)
    groups: dict[tuple, list[Variant]] = {}
    for v in unique.values():
        groups.setdefault(v.system_key, []).append(v)
    return groups


def _run_method(method: str, system_name: str, group: list[Variant], system, failure, repeats: int,
                options: dict) -> list[dict]:
    """One method on one group of cases; a system that could not be built (``system`` None) is a failure row per
    case and method."""
    if system is None:
        return [failed_row(system_name, method, v, failure) for v in group]
    if method == "P1":
        return run_p1(system_name, group, repeats=repeats, system=system, **(options.get("P1") or {}))
    if method == "P2":
        return run_p2(system_name, group, repeats=repeats, system=system, **(options.get("P2") or {}))
    return [run_p3(system_name, v, repeats=repeats, system=system, **(options.get("P3") or {})) for v in group]


def _progress_line(method: str, key: tuple, rows: list[dict], wall: float) -> str:
    return (f"{method} n_fpus={key[0]} ties={key[1]}: {len(rows)} case(s) in {wall:.1f} s, "
            + ", ".join(f"{r['deviation_pct']:.4f} %" if np.isfinite(r["deviation_pct"]) else r["method_status"]
                        for r in rows))


def run_sensitivity(system_name: str, design: Sequence[Variant], methods: Sequence[str] = ("P1", "P2", "P3"), *,
                    p1: dict | None = None, p2: dict | None = None, p3: dict | None = None, repeats: int = 3,
                    progress=terminal_line) -> pd.DataFrame:
    """Every method on every variant of ``design`` (`variants`); p1, p2, p3: keywords of `run_p1`, `run_p2`,
    `run_p3`. A case shared by several factors (the base case) is run once and its rows repeated per factor.
    Returns one row per (variant, method) in `COLUMNS` / `FLAGS` / `TEXT`, with ``group_wall_time_s``, the wall
    time of the method on the variant's whole system group (s; offline work included, unlike the record's online
    ``wall_time_s``)."""
    from forlab.grid import td

    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; known: {list(METHODS)}")
    options = {"P1": p1, "P2": p2, "P3": p3}
    done: dict[tuple, dict] = {}  # (case_key, method) -> row
    for key, group in _cases(design).items():
        system, failure = None, None
        try:
            system = td.load_system(system_name, **group[0].system_options)
        except Exception as err:  # noqa: BLE001 - a system that cannot be built is a recorded failure per method
            failure = err
        for method in methods:
            t0 = time.perf_counter()
            rows = _run_method(method, system_name, group, system, failure, repeats, options)
            wall = time.perf_counter() - t0
            for v, r in zip(group, rows):
                r["group_wall_time_s"] = wall
                done[(v.case_key, method)] = r
            if progress:
                progress(_progress_line(method, key, rows, wall))
    out = []
    for v in design:
        for method in methods:
            r = dict(done[(v.case_key, method)])
            r.update(variant_kind=v.kind, variant_label=v.label, is_base=v.is_base)
            r["variant_value"] = v.value
            out.append(r)
    return pd.DataFrame(out)


def to_store(table: pd.DataFrame, attrs: dict | None = None) -> xr.Dataset:
    """The study as a Dataset with one dimension ``run`` (one row per variant and method): the `TEXT` columns as
    strings, `FLAGS` as 0/1 integers, `COLUMNS` (with long_name and units; the outcome record's fields among them),
    ``variant_value`` and ``group_wall_time_s``."""
    t = table.reset_index(drop=True)
    v = {}
    for c in TEXT:
        v[c] = ("run", t[c].astype(str).to_numpy(str), {"units": "-"})
    for c in FLAGS:
        v[c] = ("run", t[c].fillna(False).astype(bool).to_numpy().astype(int), {"units": "1"})
    for c, (long_name, units) in COLUMNS.items():
        col = t[c] if c in t else pd.Series(np.nan, index=t.index)
        v[c] = ("run", pd.to_numeric(col, errors="coerce").to_numpy(float), {"long_name": long_name,
                                                                              "units": units})
    v["variant_value"] = ("run", t["variant_value"].to_numpy(float),
                          {"long_name": "value of the varied factor (load fraction, FPUs per DS, 1 meshed / 0 "
                                        "radial)", "units": "1"})
    v["group_wall_time_s"] = ("run", t["group_wall_time_s"].to_numpy(float),
                              {"long_name": "wall time of the method on the variant's system group", "units": "s"})
    ds = xr.Dataset(v, coords={"run": np.arange(len(t))})
    ds.attrs.update({k: json.dumps(val) if isinstance(val, (dict, list, tuple)) else val
                     for k, val in (attrs or {}).items()})
    ds.attrs["methods"] = json.dumps(METHODS)
    ds.attrs["kinds"] = json.dumps(KINDS)
    return ds


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


def _page_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a `frame` indexed by variant and method code, in the store's order (the base case once per
    factor; its labels differ per factor, so the index is unique), with the measures that do not apply missing
    (`applicable`)."""
    table = applicable(table)
    t = display_units(table).assign(feasible=np.where(table.feasible.astype(bool), "yes", "no"))
    t.loc[table.error != "", "feasible"] = np.nan  # a failed run has no dispatch to judge
    labels = t.variant_label.str.replace(" %", "\u00a0%")  # "load 80 %" stays on one line
    return t.set_index(pd.MultiIndex.from_arrays([labels, t.method], names=["variant", "method"]))


def _shown(t: pd.DataFrame, digits: dict[str, int], headers: dict[str, str]) -> pd.DataFrame:
    """``t`` with the numbers of ``digits`` as fixed-point text, their thousands grouped (the book's one grouping,
    `forlab.book.tables.grouped`: "1 066.4" ms; missing values stay missing), headers in words."""
    from forlab.book.tables import fixed_columns, printable

    return printable(fixed_columns(t, digits, group=tuple(digits)), headers)


ONLINE_DIGITS = {"deviation_pct": 4, "online": 1, "tso_ms": 1, "dso_ms": 1, "integrated": 1, "time_ratio": 2}
"""The decimals of `online_table`'s numbers (deviation in %, times in ms, the ratio), with which the sentences
(`findings`, `base_case_text`) print the same numbers (`_shown_span`, `_shown_value`): a sentence that rounded
otherwise read "0.07 %" beside the table's 0.0704 and "7 to 8 ms" beside its 6.5 and 8.5."""


def _shown_value(value: float, column: str) -> str:
    """One number of `online_table`'s ``column`` in a sentence, as the table prints it (`ONLINE_DIGITS`, trailing
    zeros kept, thousands grouped; a value that rounds to zero without its sign, `forlab.book.tables.fixed`)."""
    return fixed_text(value, ONLINE_DIGITS[column], group=True)


def _shown_span(values, column: str, unit: str = "") -> str:
    """`forlab.book.tables.span` of ``values`` of `online_table`'s ``column`` as the table prints them
    (`ONLINE_DIGITS`, thousands grouped): "0.0443 to 0.0704 %", "6.5 to 8.5 ms", "1 066.4 ms"; a value that rounds
    to zero without its sign, as in `_shown_value`."""
    return fixed_span(values, ONLINE_DIGITS[column], unit, group=True)


def online_table(table: pd.DataFrame) -> pd.DataFrame:
    """The chapter's first table, one row per variant and method: cost deviation (%), feasibility in the T+D power
    flow, online time with its TSO and DSO parts, the integrated AC-OPF's time in the same run (ms) and the ratio.
    The numbers of `summary`, as text with the digits a reader needs (`ONLINE_DIGITS`); "–": a failed run (see
    `findings`), or the DSO part of a method without a DSO step online (`NO_ONLINE_DSO_STEP`)."""
    headers = {"deviation_pct": "deviation (%)", "feasible": "feasible", "online": "online (ms)",
               "tso_ms": "TSO (ms)", "dso_ms": "DSO (ms)", "integrated": "integrated AC-OPF (ms)",
               "time_ratio": TIME_RATIO}
    return _shown(_page_frame(table), ONLINE_DIGITS, headers)


NOMINAL_START = ("P2",)
"""The methods whose integrated AC-OPF and TSO start from the power flow at nominal load at every load level
(`forlab.p2_surrogate.tso.IntegratedOPF`); the others' start from the one at the variant's load."""


def timing_spread_text(table: pd.DataFrame) -> str:
    """Markdown, the line under `online_table`: the integrated AC-OPF of one variant is one problem, solved and timed
    in each method's run; how far its time moves between the runs that start it alike (largest and median over the
    variants, in % of the fastest), so that a difference between the methods' ratios smaller than that is read as no
    ranking; and which rows start elsewhere (`NOMINAL_START` away from nominal load). "" where no variant was timed
    in two runs from the same start."""
    runs = _distinct_cases(table)
    away = runs.method.isin(NOMINAL_START) & ~np.isclose(runs.load_level.astype(float), 1.0)
    alike = runs[~away & np.isfinite(runs.integrated.astype(float))]
    spread = {}
    for _, g in alike.groupby(["load_level", "n_fpus", "ties"], dropna=False):
        if len(g) >= 2:
            ms = g.integrated.astype(float)
            spread[g.variant_label.iloc[0]] = (100 * (ms.max() / ms.min() - 1), ms)
    if not spread:
        return ""
    label = max(spread, key=lambda k: spread[k][0])
    pct, ms = spread[label]
    median = float(np.median([v[0] for v in spread.values()]))
    text = (f"Each method's run solves and times the variant's integrated AC-OPF itself. From the same start, that "
            f"one problem's time moves between the runs by up to {grouped(pct)} % ({label}: "
            f"{_shown_span(ms, 'integrated', ' ms')}), and by {grouped(median)} % in the median variant. A difference "
            "between two methods' ratios smaller than that is no ranking.")
    others = runs[away]
    if len(others):
        methods = listed(dict.fromkeys(others.method))
        text += (f" {methods}'s rows at {listed(dict.fromkeys(others.variant_label))} start elsewhere: there its "
                 "integrated AC-OPF and its TSO start from the power flow at nominal load, the other methods' from the "
                 "one at the variant's load, so those rows are left out of that spread.")
    return text


def effort_table(table: pd.DataFrame) -> pd.DataFrame:
    """The chapter's second table, one row per variant and method: offline time (s), rounds, kB exchanged and the
    status of the method's own solver; "–": a failed run (its error is in `findings`), or the offline time of a
    method without an offline step (`NO_OFFLINE_STEP`)."""
    digits = {"offline_time_s": 1, "rounds": 0, "kB": 1}
    headers = {"offline_time_s": "offline (s)", "rounds": "rounds", "kB": "exchanged (kB)",
               "method_status": "solver status"}
    return _shown(_page_frame(table), digits, headers)


# ----------------------------------------------------------------------------------------------------------------------
# figures and prose from a store
# ----------------------------------------------------------------------------------------------------------------------

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


def _offline_words(method: str, seconds: pd.Series) -> str:
    """A method's offline time in a sentence: "offline 4.5 to 5.0 s", or "no offline step" (`NO_OFFLINE_STEP`)."""
    if method in NO_OFFLINE_STEP:
        return "no offline step"
    return f"offline {span(seconds, partial(grouped, decimals=1), ' s')}"


def findings(table: pd.DataFrame) -> str:
    """Markdown: per factor and method, the range of deviation, the feasible share, the range of the online /
    integrated time ratio and the offline time, then every failed or infeasible run with its status. Every number
    is computed from ``table`` (a `frame` of a store); an empty table says nothing."""
    if table.empty:
        return ""
    lines = []
    for kind in [k for k in KINDS if k in set(table.variant_kind)]:
        sub = table[table.variant_kind == kind]
        labels = ", ".join(dict.fromkeys(sub.sort_values("variant_value").variant_label))
        lines.append(f"**{KINDS[kind][0].upper() + KINDS[kind][1:]}** ({labels}):")
        for method, g in sub.groupby("method", sort=True):
            ok = display_units(g[g.error == ""])
            online, integrated = (_shown_span(ok[c], c, " ms") for c in ("online", "integrated"))
            lines.append(
                f"- {method} {METHODS.get(method, '')}: deviation "
                f"{_shown_span(ok.deviation_pct, 'deviation_pct', ' %')}, feasible after the T+D power flow in "
                f"{int(ok.feasible.sum())} of {len(g)} cases, online time {_shown_span(ok.time_ratio, 'time_ratio')}x "
                f"the integrated AC-OPF ({online} against {integrated}), {_offline_words(method, ok.offline_time_s)}, "
                f"rounds {span(ok.rounds, grouped)}.")
        lines.append("")
    bad = table[(table.error != "") | ~table.feasible.astype(bool)].drop_duplicates(["method", "variant_label"])
    if len(bad):
        lines.append("Runs that failed or whose dispatch violates a limit in the T+D power flow:")
        for _, r in bad.iterrows():
            failed = str(r.get("status", "ok")) not in ("ok", "", NOT_IN_STORE)
            judged = r.n_vm_violations >= 0  # -1: the T+D power flow did not converge, nothing was judged
            what = (r.error if r.error else f"failed ({r.status})" if failed else
                    f"status {r.method_status}, the T+D power flow did not converge" if not judged else
                    f"status {r.method_status}, {violation_words(r)} (largest voltage violation "
                    f"{r.max_vm_violation_pu:.4f} p.u., largest loading {r.max_loading_percent:.1f} %)")
            lines.append(f"- {r.method}, {r.variant_label}: {what}")
    else:
        lines.append("Every run finished, and every dispatch is feasible in the T+D power flow.")
    return "\n".join(lines)


BOUND_READING = ("The book reads the bound as one on the mean over a system's cases (its load levels): a system's mean "
                 "is what compares with it, and a single case above it is no miss by itself.")
"""How the book reads the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``), whose abstract does not say
over what: the one statement of it, under `findings` (`bound_text`) and in chapter 09 (`p1_bound_text`)."""


def bound_text(table: pd.DataFrame) -> str:
    """Markdown, the sentence under `findings`: how P1's finished cases of ``table`` (the base case once) stand
    against the P1 paper's bound (`forlab.book.anchors` ``p1_deviation_pct``, the dotted line of `figure`'s top row):
    how many lie above it, the largest, and the mean over the load levels, which is what the book compares with the
    bound (`BOUND_READING`, as chapter 09's `p1_bound_text` reads it); a single case above it is no miss by itself.
    Apart from `findings`, which chapter 09 shows too, beside its own `p1_bound_text`. "" without a finished P1
    case."""
    p1 = _distinct_cases(table)
    p1 = p1[(p1.method == "P1") & np.isfinite(p1.deviation_pct.astype(float))]
    if p1.empty:
        return ""
    bound, dev = anchors.value("p1_deviation_pct"), p1.deviation_pct.astype(float)
    above = p1[dev > bound]
    worst = (f", the largest {_shown_value(above.deviation_pct.max(), 'deviation_pct')} % "
             f"({above.variant_label[above.deviation_pct.astype(float).idxmax()]})" if len(above) else "")
    levels = table[(table.method == "P1") & (table.variant_kind == "load") & (table.error == "")]
    levels = levels.deviation_pct.astype(float).dropna()
    mean = float(levels.mean()) if len(levels) else np.nan
    where = "above" if mean > bound else "within"
    over = (f"; its mean over {counted(len(levels), 'load level')}, {_shown_value(mean, 'deviation_pct')} %, lies "
            f"{where} it" if len(levels) else "")
    return (f"P1 against its paper's bound, {anchors.show('p1_deviation_pct')} (the dotted line of the top row): "
            f"{grouped(len(above))} of {counted(len(p1), 'case')} lie above it{worst}{over}. {BOUND_READING}")


def negative_text(table: pd.DataFrame) -> str:
    """`forlab.opf.outcome.negative_sentence` for the finished runs of ``table`` (a `frame` of a store; the base case counted once)
    whose judged deviation is negative; empty without one. That function writes the deviation at the precision that
    shows it, where the tables and the other sentences (`ONLINE_DIGITS`) print a small one as 0.0000, and says so."""
    runs = _distinct_cases(table)
    neg = runs[runs.deviation_pct.astype(float) < 0]
    return negative_sentence([(f"{r.method} {METHODS.get(r.method, '')}, {r.variant_label}", float(r.deviation_pct))
                              for r in neg.itertuples()])


OUTLIER_FACTOR = 3.0
"""`time_outliers` names a run whose online time is more than this many times the median of its method's other
runs: the fastest of repeated solves leaves tens of percent between cases of one method, so three times is no
scatter but one slow part of that run."""

PARTS = {"tso_ms": "TSO", "dso_ms": "DSO"}
"""The parts of the online time (`online_table`'s TSO and DSO columns) by their header."""

DSO_PART = {"P1": "the slowest DSO's dispatch",
            "P3": ("per round the slowest region's local NLP and the slowest region's reduction, the TS region "
                   "included")}
"""What a method's DSO part of the online time is (P2 has none online). P3's is every region's (`aladin_split`): the
TS region is one of them, so its "DSO" part is not the DSOs' alone."""


def _distinct_cases(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` that ran, each case once: the base case, repeated once per factor, counts once (else a
    run would be compared with copies of itself), with its times in ms (`display_units`)."""
    ok = table[(table.error == "") & np.isfinite(table.solve_time_s.astype(float))]
    return display_units(ok.drop_duplicates(["method", "load_level", "n_fpus", "ties"]))


def _part_sentence(r, others: pd.DataFrame) -> str:
    """Which part of the online time (TSO or DSO) makes an outlier ``r`` slow against ``others``, its method's other
    runs, with both parts and the integrated AC-OPF's time of the same run beside the others' ranges. A method
    without a DSO step online (`NO_ONLINE_DSO_STEP`) has one part: no DSO part of 0.0 ms is set beside it."""
    own, ms = 1e3 * float(r.integrated_solve_time_s), 1e3 * others.integrated_solve_time_s.astype(float)
    integrated = (f"the integrated AC-OPF of the same run {_shown_value(own, 'integrated')} ms "
                  f"({_shown_span(ms, 'integrated', ' ms')})")
    if r.method in NO_ONLINE_DSO_STEP:
        return f"It has no DSO step online: its TSO solve is all of its online time, and {integrated}."
    excess = {c: float(r[c]) - float(others[c].median()) for c in PARTS}
    slow = max(excess, key=excess.get)
    what = f", {DSO_PART[r.method]}," if slow == "dso_ms" and r.method in DSO_PART else ""
    fast = next(c for c in PARTS if c != slow)
    usual = others[fast].min() <= r[fast] <= others[fast].max() and ms.min() <= own <= ms.max()
    return (f"Its {PARTS[slow]} part{what} took {_shown_value(r[slow], slow)} ms ({r.method}'s other runs: "
            f"{_shown_span(others[slow], slow, ' ms')}). Its {PARTS[fast]} part took {_shown_value(r[fast], fast)} ms "
            f"({_shown_span(others[fast], fast, ' ms')}), and {integrated}"
            + (", within the others' range. " if usual else ". ")
            + f"So the {PARTS[slow]} part makes the difference.")


def time_outliers(table: pd.DataFrame) -> str:
    """Markdown: every run whose online time is more than `OUTLIER_FACTOR` times the median of its method's other
    runs (the base case counted once), with the part of its time (TSO or DSO) that makes it slow and the integrated
    AC-OPF's time in the same run; a sentence that none stands out; "" for an empty table. Such a run sets the top
    of its method's online / integrated range in `findings` and stands out in the figure's middle row. The store
    keeps each part's time, not why a solve was slow."""
    runs = _distinct_cases(table)
    if runs.empty:
        return ""
    lines = []
    for _, r in runs.iterrows():
        others = runs[(runs.method == r.method) & (runs.index != r.name)]
        if others.empty or r.online <= OUTLIER_FACTOR * others.online.median():
            continue
        lines.append(
            f"- {r.method} {METHODS.get(r.method, '')}, {r.variant_label}: online {_shown_value(r.online, 'online')} "
            f"ms ({_shown_value(r.time_ratio, 'time_ratio')}x the integrated AC-OPF), "
            f"{r.online / others.online.median():.1f}x the median of {r.method}'s other runs "
            f"({_shown_value(others.online.median(), 'online')} ms); in the figure, {r.method}'s marker for "
            f"{r.variant_label} in the middle row of the {FACTORS[r.variant_kind]} column. "
            + _part_sentence(r, others))
    if not lines:
        return (f"No run's online time is more than {OUTLIER_FACTOR:g} times the median of its method's other runs "
                "(the base case counted once).")
    return (f"Online times far above their method's other runs (more than {OUTLIER_FACTOR:g} times their median, "
            "the base case counted once). The store keeps the time of each part, not why a solve was slow.\n\n"
            + "\n".join(lines))


def _spread_sentence(kind: str, g: pd.DataFrame, flat: Sequence[str] = ()) -> str:
    """The sentence of `base_case_text` for one factor: the methods whose deviation spans the widest and the
    narrowest range (max - min over every value of the factor, not just its two ends: a deviation need not move
    monotonically), ties named together; "" unless a method ran on two values of the factor. The methods ``flat``
    (`_flat_methods`), said once for every factor, are left out of the ranking."""
    piv = g.pivot_table(index="method", columns="variant_value", values="deviation_pct")
    piv = piv[piv.notna().sum(axis=1) >= 2]
    others_ran = bool(set(piv.index) & set(flat))
    piv = piv[~piv.index.isin(list(flat))]
    if piv.empty:
        return ""
    lo, hi, lab = piv.min(axis=1), piv.max(axis=1), dict(zip(g.variant_value, g.variant_label))
    spread = hi - lo
    over = f"\nAcross {listed(lab[v] for v in sorted(lab))} ({FACTORS[kind]}) the deviation"

    def spans(methods) -> str:
        return listed(f"{m} ({_shown_span([lo[m], hi[m]], 'deviation_pct', ' %')})" for m in methods)

    # a tie is a tie to round-off: the ranges are differences of judged costs
    widest = [m for m in piv.index if np.isclose(spread[m], spread.max(), rtol=1e-9, atol=0.0)]
    narrowest = [m for m in piv.index if np.isclose(spread[m], spread.min(), rtol=1e-9, atol=0.0)]
    if len(piv) == 1:
        m = piv.index[0]
        alone = "." if others_ran else " (no other method ran on two of its values)."
        return f"{over} of {m} spans {_shown_span([lo[m], hi[m]], 'deviation_pct', ' %')}{alone}"
    if len(widest) == len(piv):
        return f"{over} spans ranges of the same width for {spans(piv.index)}."
    return f"{over} spans the widest range for {spans(widest)}, the narrowest for {spans(narrowest)}."


def base_case_text(table: pd.DataFrame) -> str:
    """Markdown: the base case of every method (deviation, online against integrated time, offline time, rounds,
    kB), then per factor with at least two values the method whose deviation spans the widest and the narrowest
    range over the factor's values (`_spread_sentence`). Every number is computed from ``table`` (a `frame` of a
    store); a base case that finished without an exception yet failed says its status instead (a failed case is
    never a number)."""
    ok = table[(table.error == "")]
    base = display_units(ok[ok.is_base]).drop_duplicates("method").set_index("method")
    lines = []
    if len(base):
        lines.append(f"In the base case of {base.system.iloc[0]} ({base.variant_label.iloc[0]}, "
                     f"{int(base.n_fpus.iloc[0])} FPUs per DS, "
                     f"meshed DSs with {grouped(base.ds_buses.iloc[0])} DS buses):")
        for m, r in base.iterrows():
            if r.status != "ok":
                lines.append(f"- {m} {METHODS[m]}: {r.status}.")
                continue
            dev, online, integrated, ratio = (_shown_value(r[c], c) for c in
                                              ("deviation_pct", "online", "integrated", "time_ratio"))
            lines.append(f"- {m} {METHODS[m]}: deviation {dev} %, online {online} ms against {integrated} ms for the "
                         f"integrated AC-OPF ({ratio}x), {_offline_words(m, pd.Series([r.offline_time_s]))}, "
                         f"{counted(r.rounds, 'round')}, {grouped(r.kB, 1)} kB.")
    flat = _flat_methods(ok)
    if flat:  # said once here, not as the narrowest range under every factor
        lines.append(f"\nThe deviation of {listed(flat)} prints as "
                     f"{listed(_shown_span(ok[ok.method == m].deviation_pct, 'deviation_pct', ' %') for m in flat)} "
                     "in every variant; the ranges below rank the other methods.")
    for kind in ("load", "fpus", "meshing"):
        if sentence := _spread_sentence(kind, ok[ok.variant_kind == kind], flat):
            lines.append(sentence)
    return "\n".join(lines)


def _flat_methods(ok: pd.DataFrame) -> list[str]:
    """The methods whose deviation prints as one value (`_shown_span`, the tables' digits) over every variant of
    ``ok`` (finished rows), where they ran on two values of a factor: their range under every factor is that one
    value, so `base_case_text` says it once instead of naming them the narrowest under each factor."""
    flat = []
    for m, g in ok.groupby("method", sort=True):
        dev = g.deviation_pct.astype(float).dropna()
        # one value as the tables print it, compared as numbers, not read from how a span is worded
        if dev.empty or pd.Series(as_printed(dev, ONLINE_DIGITS["deviation_pct"])).nunique() != 1:
            continue
        if (g.dropna(subset=["deviation_pct"]).groupby("variant_kind").variant_value.nunique() >= 2).any():
            flat.append(m)
    return flat


# ----------------------------------------------------------------------------------------------------------------------
# the chapter: design, run, store header
# ----------------------------------------------------------------------------------------------------------------------


def _fpus_fit(system: str, dss, counts) -> None:
    """ValueError naming ``fpu_counts`` and ``base_fpus`` when a DS of ``system`` (its specs ``dss``) cannot hold one
    of the ``counts`` of FPUs. The DS's own FPU placement says so (`forlab.grid.td.add_default_fpus`, the step of
    `forlab.grid.td.load_system` that refuses them), on the DS's case as shipped: its candidate buses are those with a
    positive load, which the system's build only scales. A count too large fails before any placement, so this
    takes a fraction of a second, not the build of the system."""
    from forlab.grid import cases, td

    for case in dict.fromkeys(spec.case for spec in dss):
        too_many, why = [], ""
        for n in sorted({int(c) for c in counts}, reverse=True):  # the largest count that fits ends the search
            try:
                td.add_default_fpus(cases.load(case), n)
                break
            except ValueError as err:
                too_many, why = [*too_many, n], str(err)
        if too_many:
            raise ValueError(f"fpu_counts and base_fpus must fit every DS of {system!r}, but DS case {case!r} cannot "
                             f"hold {sorted(too_many)} FPUs ({why}): pass fewer FPUs per DS")


PARAMETER_TYPES = {
    "system": str, "levels": (list, float), "fpu_counts": (list, int), "meshings": (list, str), "base_level": float,
    "base_fpus": int, "methods": (list, str), "p1_n_directions": int, "p1_face_grid": int, "p1_n_labelled": int,
    "p1_n_cost": int, "p1_degrees": (list, int), "p2_n_samples": int, "p2_facets": int, "p2_refine_rounds": int,
    "p2_refine_samples": int, "p2_certify_rounds": int, "p2_vertex_samples": int, "p2_load_range": (list, float),
    "p3_max_iter": int, "timing_repeats": int, "seed": int,
}
"""The chapter's parameters (the notebook's ``parameters`` cell) and their types (`forlab.book.runner.TypeSpec`)."""


def check_params(params: dict) -> None:
    """Reject the chapter's parameters before any work (ValueError / TypeError naming the parameter and what it
    accepts): a wrong type (`PARAMETER_TYPES`), an unknown study ``system``, empty or non-finite ``levels`` (inf as
    nan), ``base_level``, FPU counts (more than a DS has candidate buses for: `_fpus_fit`), meshings, methods,
    repeated levels, FPU counts, meshings or methods (`forlab.book.runner.check_distinct`), the P2 load range (``[low, high]``; with P2 it
    must hold every level and ``base_level``), P1's degrees (`forlab.p1_for.polynomial.DEGREES`), fewer P1 cost points
    than the price needs (`forlab.p1_for.representation.check_n_cost`), a system with a second PCC when P1 runs, P2 facets below one, and
    negative counts of P1 and P2."""
    from forlab.grid import td
    from forlab.p1_for.polynomial import DEGREES
    from forlab.p1_for.representation import check_n_cost

    check_types(params, PARAMETER_TYPES, "08_sensitivity")
    _, dss = td.parse_system(params["system"])  # ValueError with the grammar and the named systems
    check_positive("levels", params["levels"])
    check_positive_value("base_level", params["base_level"])
    check_positive("fpu_counts", params["fpu_counts"], integer=True)
    check_positive_value("base_fpus", params["base_fpus"], integer=True)
    for key in ("levels", "fpu_counts", "meshings", "methods"):  # a repeat would run its variant or method twice
        check_distinct(key, params[key])
    _fpus_fit(params["system"], dss, [*params["fpu_counts"], params["base_fpus"]])
    bad = [m for m in params["meshings"] if m not in ("all", "none")] if isinstance(params["meshings"], list) else [0]
    if bad or not params["meshings"]:
        raise ValueError(f"meshings must be a non-empty list of 'all' (ties closed) and 'none' (radial), got "
                         f"{params['meshings']!r}")
    unknown = set(params["methods"]) - set(METHODS)
    if unknown or not params["methods"]:
        raise ValueError(f"methods must be a non-empty list of {list(METHODS)}, got {params['methods']!r}")
    two = td.second_pcc_dss(dss)
    if two and "P1" in params["methods"]:  # P1 would be stored as a failed row for every variant
        raise ValueError(f"system {params['system']!r} ties DS {two} to a second PCC, which P1 (the FOR method) "
                         f"cannot coordinate: pass a system of one PCC per DS, or methods without 'P1'")
    check_positive("p2_load_range", params["p2_load_range"])
    lo_hi = [float(x) for x in params["p2_load_range"]]
    if len(lo_hi) != 2 or lo_hi[0] > lo_hi[1]:
        raise ValueError(f"p2_load_range must be [low, high] with low <= high (the DS load factors P2's surrogate "
                         f"is trained on), got {params['p2_load_range']!r}")
    if "P2" in params["methods"]:  # `run_p2`: the surrogate's range must hold every level it runs at
        lo, hi = lo_hi
        outside = [x for x in [*params["levels"], params["base_level"]] if not lo <= float(x) <= hi]
        if outside:
            raise ValueError(f"levels and base_level must lie inside p2_load_range {params['p2_load_range']!r} "
                             f"(P2's surrogate is trained on that range), but {outside} do not: widen "
                             f"p2_load_range or pass levels inside it")
    for key in ("timing_repeats", "p3_max_iter", "p2_n_samples", "p2_facets"):
        check_positive_value(key, params[key], integer=True)
    check_positive("p1_degrees", params["p1_degrees"], integer=True)
    if bad := [d for d in params["p1_degrees"] if d not in DEGREES]:
        raise ValueError(f"p1_degrees must be a non-empty list of polynomial degrees out of {list(DEGREES)}, got "
                         f"{params['p1_degrees']!r} ({bad} not among them)")
    check_n_cost(params["p1_n_cost"], "p1_n_cost")
    # a negative count would reach the method and be stored as a failed row instead of stopping the run here
    check_non_negative(params, ("p1_n_directions", "p1_face_grid", "p1_n_labelled", "p2_refine_rounds",
                                "p2_refine_samples", "p2_certify_rounds", "p2_vertex_samples", "seed"))


def study_design(params: dict) -> list[Variant]:
    """The chapter's one-factor-at-a-time design (`variants`) from its parameters."""
    return variants(params["levels"], params["fpu_counts"], params["meshings"], base_level=params["base_level"],
                    base_fpus=params["base_fpus"])


def design_table(design: Sequence[Variant]) -> pd.DataFrame:
    """One row per variant (index: its label): factor, load (% of nominal), FPUs per DS, DS tie lines, base case
    ("yes" or empty), headers in words."""
    return pd.DataFrame(
        [{"factor": FACTORS[v.kind], "load (% of nominal)": f"{100 * v.level:.0f}",
          "FPUs per DS": "–" if v.n_fpus is None else v.n_fpus,
          "DS tie lines": "closed (meshed)" if v.ties == "all" else "open (radial)",
          "base case": "yes" if v.is_base else ""} for v in design],
        index=pd.Index([v.label for v in design], name="variant"))


def run(params: dict, progress=terminal_line) -> xr.Dataset:
    """The chapter's store for ``params`` (the parameters of `notebooks/08_sensitivity.ipynb`): `run_sensitivity`
    on `study_design`, with the study's wall time, the machine's load average (1 min) before and after, its cores
    and P2's surrogate options in the attributes."""
    from forlab.p2_surrogate.model import SurrogateOptions
    from forlab.p2_surrogate.polytope import PolytopeOptions

    check_params(params)
    design = study_design(params)
    load_average_start = os.getloadavg()
    t0 = time.perf_counter()
    p2_options = SurrogateOptions(polytope=PolytopeOptions(facets=params["p2_facets"], seed=params["seed"]))
    table = run_sensitivity(
        params["system"], design, params["methods"], repeats=params["timing_repeats"],
        p1={"n_directions": params["p1_n_directions"], "face_grid": params["p1_face_grid"],
            "fit_options": {"n_labelled": params["p1_n_labelled"], "n_cost": params["p1_n_cost"],
                            "degrees": tuple(params["p1_degrees"])}},
        p2={"n_samples": params["p2_n_samples"], "options": p2_options, "refine_rounds": params["p2_refine_rounds"],
            "refine_samples": params["p2_refine_samples"], "certify_rounds": params["p2_certify_rounds"],
            "vertex_samples": params["p2_vertex_samples"], "load_range": tuple(params["p2_load_range"]),
            "seed": params["seed"]},
        p3={"max_iter": params["p3_max_iter"]},
        progress=progress,
    )
    return to_store(table, attrs={
        "title": "Sensitivity of P1, P2, P3 to load, FPUs and meshing", "study_wall_time_s": time.perf_counter() - t0,
        "load_average_start": load_average_start[0], "load_average_end": os.getloadavg()[0],
        "p2_options": p2_options.to_dict()})  # the machine's cores: `forlab.book.store.provenance`


def _rows_words(st: xr.Dataset) -> str:
    """How many rows a store holds and what they are: one per variant and method, the base case's run repeated
    under each factor it belongs to (`run_sensitivity` runs a shared case once), so fewer runs than rows."""
    t = frame(st)
    runs = len(t.drop_duplicates(["method", "load_level", "n_fpus", "ties"]))
    factors = int(t[t.is_base].variant_kind.nunique())
    base = f", the base case's run repeated under each of the {factors} factors" if factors > 1 else ""
    return f"{st.sizes['run']} rows, one per variant and method: {counted(runs, 'run')}{base}"


def store_text(st: xr.Dataset) -> str:
    """Markdown, one sentence on a store: rows (and runs, `_rows_words`), commit, the study's wall time and the
    machine's load."""
    return (f"The store holds {_rows_words(st)} (chapter {st.attrs['chapter']}, commit `{short_commit(st.attrs)}`); the "
            f"study took {grouped(st.attrs['study_wall_time_s'])} s, with a load average (1 min) of "
            f"{st.attrs['load_average_start']:.1f} at the start and {st.attrs['load_average_end']:.1f} at the end on "
            f"{st.attrs['cpu_count']} cores.")


def paper_runs(big: xr.Dataset | None) -> pd.DataFrame:
    """The rows of a paper-scale store (`frame`); an empty table when there is none."""
    return frame(big) if big is not None else pd.DataFrame(columns=[*TEXT, *FLAGS, *COLUMNS])


def paper_text(big: xr.Dataset | None) -> str:
    """Markdown: where a paper-scale store comes from (path relative to the repository, commit, date) and how long its
    study took (`paper_origin`), then how many rows it has in a sentence of its own, in `store_text`'s words; without
    a store, how to make one."""
    if big is None:
        return missing_profile_text("08_sensitivity")
    study = (f"study {grouped(big.attrs['study_wall_time_s'] / 60, 1)} min, load average "
             f"{big.attrs['load_average_start']:.1f} at the start and {big.attrs['load_average_end']:.1f} at the end "
             f"on {big.attrs['cpu_count']} cores")
    return f"{paper_origin(big, study)} The store holds {_rows_words(big)}."


# ----------------------------------------------------------------------------------------------------------------------
# P1 here and in chapter 05
# ----------------------------------------------------------------------------------------------------------------------

P1_SETTINGS = {"n_directions": "p1_n_directions", "face_grid": "p1_face_grid", "n_labelled": "p1_n_labelled",
               "n_cost": "p1_n_cost"}
"""The settings that build P1's offers (`forlab.studies.ch05_coordination.case_study` and its fit options): chapter
05's parameter -> this chapter's. Chapter 05 does not set the polynomial degrees: its fit chooses among the defaults
of `forlab.p1_for.representation.build_offer`; this chapter's ``p1_degrees`` are its choice."""


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


SETTING_HEADERS = {"n_directions": "FOR directions", "face_grid": "targets per box face",
                   "n_labelled": "labelled points", "n_cost": "cost OPFs"}
"""The header of each of `P1_SETTINGS` in `p1_offer_text`'s table of the two runs' settings."""


def _settings_row(values: dict, names: dict[str, str], degrees: str) -> list[str]:
    """One run's row of `p1_offer_text`'s settings table, from its parameters ``values`` (``names``: `P1_SETTINGS`'
    keys -> the run's parameter names); ``degrees``: the polynomial degrees its fit chooses among, in words."""
    n, grid, labelled, cost = (values[names[k]] for k in P1_SETTINGS)
    return [grouped(n), f"{grid} × {grid}", grouped(labelled), grouped(cost), degrees]


def _budget_words(mine: dict, theirs: dict, pairs: list[tuple[str, float, float]]) -> str:
    """Whether P1's judged deviation follows the offer budget between this run (``mine``) and chapter 05's
    (``theirs``): the run whose every setting of `P1_SETTINGS` is at least the other's has the larger budget, and
    the deviation follows it where that run's is the smaller at every load level of ``pairs`` (label, here,
    there)."""
    ours = [float(mine[v]) for v in P1_SETTINGS.values()]
    five = [float(theirs[k]) for k in P1_SETTINGS]
    if ours == five:
        return ""
    if all(a >= b for a, b in zip(five, ours)):
        larger, better = "chapter 05's", [lab for lab, here, there in pairs if there < here]
    elif all(a >= b for a, b in zip(ours, five)):
        larger, better = "this run's", [lab for lab, here, there in pairs if here < there]
    else:
        return "Neither run's budget is the larger in every setting, so the two say nothing on the budget."
    if len(better) == len(pairs):
        return (f"The larger budget, {larger}, gives the smaller deviation at every load level here; two offers of "
                "one DS are too few to call that a trend.")
    worse = listed(lab for lab, *_ in pairs if lab not in better)
    where = f"at {listed(better)}, the larger at {worse}" if better else "at none of the load levels"
    return (f"The deviation does not follow the budget here: the larger budget, {larger}, gives the smaller deviation "
            f"{where}. A difference between the two runs says how far two offers of one DS can lie apart, not "
            "what a factor does.")


def p1_offer_text(st: xr.Dataset | None, p1_store: xr.Dataset | None) -> str:
    """Markdown: where this chapter's store ``st`` and chapter 05's ``p1_store`` (`chapter_05_store`) hold a finished
    P1 case of the same system and load level (this chapter's load variants), how each run builds P1's offers, as a
    two-row table read from the two stores' ``parameters`` attributes (`P1_SETTINGS`, `_settings_row`), P1's judged
    deviation in each, one item per load level, and whether that deviation follows the offer budget
    (`_budget_words`): the same code with other settings, so another offer and another deviation. "" without
    either store or such a case, or where a store lacks the parameters."""
    from forlab.book.tables import table
    from forlab.p1_for.polynomial import DEGREES

    if st is None or p1_store is None:
        return ""
    mine, theirs = (json.loads(x.attrs.get("parameters", "{}")) for x in (st, p1_store))
    t, there = frame(st), table(p1_store, "case")
    here = t[(t.method == "P1") & (t.variant_kind == "load") & (t.error == "") & np.isfinite(t.deviation_pct)]
    there = there[(there.status == "ok") & np.isfinite(there.deviation_pct.astype(float))]
    pairs = []
    for r in here.sort_values("load_level").itertuples():
        same = there[(there.system == r.system) & np.isclose(there.level.astype(float), r.load_level)]
        if len(same):
            pairs.append((r.variant_label, float(r.deviation_pct), float(same.deviation_pct.iloc[0])))
    wanted = [*P1_SETTINGS.values(), "p1_degrees"]
    if not pairs or any(k not in mine for k in wanted) or any(k not in theirs for k in P1_SETTINGS):
        return ""
    default = DEGREES  # chapter 05 leaves the degrees to the fit, whose default they are
    same = all(mine[v] == theirs[k] for k, v in P1_SETTINGS.items()) and list(mine["p1_degrees"]) == list(default)
    rows = {"this run": _settings_row(mine, P1_SETTINGS, listed(map(str, mine["p1_degrees"]))),
            "chapter 05's run": _settings_row(theirs, {k: k for k in P1_SETTINGS},
                                              f"{listed(map(str, default))} (the fit's defaults)")}
    headers = ["run", *SETTING_HEADERS.values(), "degrees chosen among"]
    grid = [f"| {' | '.join(headers)} |", f"|{'---|' * len(headers)}",
            *(f"| {' | '.join([run, *cells])} |" for run, cells in rows.items())]
    settings = "the same settings" if same else "other settings"
    deviations = [f"- {lab}: {_shown_value(a, 'deviation_pct')} % here, {_shown_value(b, 'deviation_pct')} % there"
                  for lab, a, b in pairs]
    head = (f"{{doc}}`05_coordination` ran P1 on {here.system.iloc[0]} too (`{p1_store.attrs.get('store_path', '')}`), "
            f"with the same code (`forlab.studies.ch05_coordination.case_study`) and {settings}:")
    names = (f"This chapter's parameters are {listed(f'`{v}`' for v in wanted)}; chapter 05's are "
             f"{listed(f'`{k}`' for k in P1_SETTINGS)}, and it leaves the degrees to "
             "`forlab.p1_for.representation.build_offer`. P1's judged deviation in the two runs:")
    budget = "" if same else _budget_words(mine, theirs, pairs)  # "" where only the degrees differ
    return "\n".join([head, "", *grid, "", names, "", *deviations, *(["", budget] if budget else [])])
