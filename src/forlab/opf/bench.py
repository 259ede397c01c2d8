"""Benchmarks of the AC-OPF engine: forlab against pandapower's ``runopp`` on the same nets, and scaling with size.

Times are wall-clock seconds measured in one process, one net after the other, so ratios compare like with like on a
noisy machine. Nothing here asserts a time: the numbers are data for the book.
"""

from __future__ import annotations

import copy
import time
import warnings

import numpy as np
import pandas as pd

from forlab.opf.acopf import ACOPF, power_flow_check


def time_forlab(net, repeats: int = 3) -> dict:
    """Build once, solve ``repeats`` times cold (from the power-flow start); median times in seconds."""
    t0 = time.perf_counter()
    model = ACOPF(net)
    build = time.perf_counter() - t0
    solves, res = [], None
    for _ in range(max(1, repeats)):
        res = model.solve()
        solves.append(res.solve_time_s)
    t0 = time.perf_counter()
    model.solve(x0=res)
    warm = time.perf_counter() - t0
    chk = power_flow_check(net, res) if res.success else {"max_dvm_pu": np.nan}
    return {
        "forlab_success": bool(res.success), "forlab_status": res.status, "forlab_objective": res.objective,
        "forlab_iterations": res.iterations, "forlab_build_time_s": build, "forlab_solve_time_s": float(np.median(solves)),
        "forlab_warm_solve_time_s": warm, "forlab_pf_max_dvm_pu": chk["max_dvm_pu"],
    }


def time_runopp(net, repeats: int = 1) -> dict:
    """pandapower's ``runopp`` (PIPS interior point) on a copy of the net; median wall time in seconds."""
    import pandapower as pp

    times, ok, obj, status = [], False, np.nan, "not run"
    for _ in range(max(1, repeats)):
        n = copy.deepcopy(net)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pp.runopp(n, calculate_voltage_angles=True, init="pf", numba=True)
                ok, obj, status = bool(n.OPF_converged), float(n.res_cost), "converged"
            except Exception as err:  # noqa: BLE001 - a failed solve is a result of the benchmark
                ok, obj, status = False, np.nan, type(err).__name__
        times.append(time.perf_counter() - t0)
    return {"runopp_success": ok, "runopp_status": status, "runopp_objective": obj,
            "runopp_wall_time_s": float(np.median(times))}


def runopp_start(net, init: str = "flat") -> dict:
    """pandapower's ``runopp`` once from another start than `time_runopp` (which starts from a power flow, "pf");
    ``init="flat"`` is pandapower's default. Keys ``runopp_<init>_success``, ``_status``, ``_objective`` and ``_wall_time_s``
    (wall time, seconds); a failure is a result, not an exception."""
    import pandapower as pp

    n = copy.deepcopy(net)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pp.runopp(n, calculate_voltage_angles=True, init=init, numba=True)
            ok, obj, status = bool(n.OPF_converged), float(n.res_cost), "converged"
        except Exception as err:  # noqa: BLE001 - a failed solve is a result of the benchmark
            ok, obj, status = False, np.nan, type(err).__name__
    dt = time.perf_counter() - t0
    key = f"runopp_{init}"
    return {f"{key}_success": ok, f"{key}_status": status, f"{key}_objective": obj, f"{key}_wall_time_s": dt}


def compare(nets: dict, repeats: int = 3, runopp: bool = True, progress: bool = True) -> pd.DataFrame:
    """One row per net: size, forlab and runopp outcome and times, and the speed-up runopp / forlab.

    ``speedup_total`` compares runopp with forlab's build + one solve (both start from the net);
    ``speedup_solve`` with forlab's solve alone (what a sweep pays per point once the model is built).
    """
    from forlab.book.progress import bar

    rows = []
    it = bar(nets.items(), total=len(nets), desc="AC-OPF benchmark", disable=not progress)
    for name, net in it:
        row = {"net": name, "buses": int(len(net.bus)), "branches": int(len(net.line) + len(net.trafo))}
        row.update(time_forlab(net, repeats))
        if runopp:
            row.update(time_runopp(net, 1))
        else:
            row.update({"runopp_success": False, "runopp_status": "skipped", "runopp_objective": np.nan,
                        "runopp_wall_time_s": np.nan})
        both = row["forlab_success"] and row["runopp_success"]
        row["speedup_total"] = row["runopp_wall_time_s"] / (row["forlab_build_time_s"] + row["forlab_solve_time_s"]) if both else np.nan
        row["speedup_solve"] = row["runopp_wall_time_s"] / row["forlab_solve_time_s"] if both else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("net")
