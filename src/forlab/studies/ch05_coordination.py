"""Chapter 05, single-round coordination: the FOR method's case studies (offers built offline per DS and load
level, then `forlab.p1_for.coordinate.coordinate`)."""

from __future__ import annotations

from forlab.grid import td
from forlab.p1_for.coordinate import DSOAgent, coordinate, scale_loads, single_pcc
from forlab.p1_for.representation import make_offer


def case_study(system_name: str, levels, *, n_directions: int = 40, face_grid: int = 3, n_workers: int | None = 0,
               address=None, fit_options: dict | None = None, progress: bool = True, system_options=None,
               warm_library: bool = True, repeats: int = 3):
    """Every load level of one study system: offers built offline per DS and level, then `coordinate`.

    warm_library: every DSO keeps its cost-OPF solutions at the offer's cost-fit points as warm starts for the
    online step (`DSOAgent`; the time to solve them is part of the offline time). repeats: timing repeats (see
    `coordinate`). Returns (rows, offers): one flat dict per level (see `coordinate`, plus offline time and offer
    quality) and the offers by (level, DS name).
    """
    from tqdm.auto import tqdm

    system = td.load_system(system_name, **(system_options or {}))
    single_pcc(system)
    rows, offers_all = [], {}
    for level in tqdm(list(levels), desc=system_name, disable=not progress):
        offers, offline, quality, agents = {}, {}, {}, {}
        for name, dsn in system.ds.items():
            pcc_row = system.pcc[system.pcc.ds == name].iloc[0]
            dsn_level = scale_loads(dsn, level)
            offer, _, report, dt = make_offer(
                dsn_level, n_directions=n_directions, face_grid=face_grid, n_workers=n_workers,
                address=address, pcc={"ds": name, "ts_bus": int(pcc_row.ts_bus), "system": system_name,
                                      "load_level": float(level)}, **(fit_options or {}))
            lib = report.cost_point.values[report.cost_success.values.astype(bool)] if warm_library else ()
            agents[name] = DSOAgent(dsn_level, offer.box, lib)
            offers[name], quality[name] = offer, report.attrs
            offline[name] = dt + agents[name].build_time_s + agents[name].library_time_s
            offers_all[(float(level), name)] = offer
        r = coordinate(system, offers, level, agents=agents, repeats=repeats)
        r["offline_time_s"] = float(sum(offline.values()))
        r["false_feasible_max"] = float(max(q["test_false_feasible_rate"] for q in quality.values()))
        r["cost_rel_error_max"] = float(max(q["cost_rel_error_max"] for q in quality.values()))
        r["n_ds"] = len(system.ds)
        rows.append(r)
    return rows, offers_all
