"""Each method on variants of one study system, through its wing's own study code: one row per variant.

P1 (`run_p1`, FOR offers: `forlab.studies.ch05_coordination.case_study`), P2 (`run_p2`, ML surrogates:
`forlab.studies.ch06_ml_surrogate`; how much of the DSs' regions their polytopes accept, `_acceptance`) and P3
(`run_p3`, ALADIN: `forlab.p3_aladin.run_aladin`), each timed in the same run as its own integrated AC-OPF
(or held to one already solved, `_baselines`). How each is timed is in the package's docstring.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from forlab.opf.judge import VIOLATION_COUNTS
from forlab.opf.outcome import Baseline, integrated_baseline
from forlab.studies.ch08_sensitivity.design import Variant
from forlab.studies.ch08_sensitivity.store import failed_row, record_fields, result_row, verdict_fields
from forlab.studies.outcomes import aladin_outcome, aladin_split, fastest_alike, repeated_runs

__all__ = [
    "run_p1",
    "run_p2",
    "run_p3",
]


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
