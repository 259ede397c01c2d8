"""The store of chapter 09: each of its tables as variables over one dimension, with units (`to_store`,
`ROW_UNITS`; `from_store` reads one back), and where every input store came from and with which parameters it ran
(`sources`, the store's ``attrs["sources"]``). `forlab.studies.ch09_comparison.study.run` names the dimensions.
"""

from __future__ import annotations

import json

import pandas as pd
import xarray as xr

from forlab.book.tables import table, to_dataset

__all__ = [
    "ROW_UNITS",
    "from_store",
    "sources",
    "to_store",
]


ROW_UNITS = {"system": "-", "method": "-", "cases": "1", "failed": "1", "load_min": "1", "load_max": "1",
             "ds_load": "1",
             "deviation_mean_pct": "%", "deviation_max_pct": "%", "abs_deviation_pct": "%", "feasible_pct": "%",
             "tso_ms": "ms", "dso_ms": "ms", "solve_time_ms": "ms", "wall_time_ms": "ms",
             "integrated_solve_time_ms": "ms", "time_ratio": "1", "offline_time_s": "s", "rounds": "1",
             "bytes_exchanged": "bytes", "status": "-"}
"""Units of the `ROW` columns in the chapter's store."""


def _units() -> dict[str, str]:
    """Units of every column the chapter stores: `ROW_UNITS` and chapter 08's rows (``sens``)."""
    from forlab.studies import ch08_sensitivity as ch08

    return {**{c: u for c, (_, u) in ch08.COLUMNS.items()}, **{c: "1" for c in ch08.FLAGS},
            **{c: "-" for c in ch08.TEXT}, "variant_value": "1", "group_wall_time_s": "s", **ROW_UNITS}


def to_store(table: pd.DataFrame, dim: str) -> xr.Dataset:
    """A per-system or per-case table as variables over one dimension (strings stay strings), with units."""
    return to_dataset(table, dim, f"{dim}_", units=_units())


def from_store(st: xr.Dataset, dim: str) -> pd.DataFrame:
    """Inverse of `to_store`."""
    return table(st, dim, dim + "_")


def sources(**stores: xr.Dataset | None) -> str:
    """JSON of where each input store came from (path, parameter hash, git commit, when), the parameters it was
    run with (`rerun_text` and `scale_models_text` set the sizes of two runs' offline models side by side) and,
    where the store records them, its machine's cores, CPU model and Ipopt (``cpu_count``, ``cpu_model``,
    ``ipopt_version``, ``ipopt_linear_solver``), for the store's attrs."""
    out = {}
    for name, s in stores.items():
        if s is not None:
            out[name] = {k: s.attrs.get(k, "") for k in ("store_path", "parameter_hash", "git_commit",
                                                          "created_utc")}
            out[name]["parameters"] = json.loads(s.attrs.get("parameters", "{}"))
            if "cpu_count" in s.attrs:  # the machine a run's times hold for (`scale_conditions_text`)
                out[name]["cpu_count"] = int(s.attrs["cpu_count"])
            for k in ("cpu_model", "ipopt_version", "ipopt_linear_solver"):  # the rest of the machine and solver
                if k in s.attrs:
                    out[name][k] = str(s.attrs[k])
            if "p2_load_range" in s.attrs:  # chapter 12's: the DS load factors its P2 was trained on
                out[name]["p2_load_range"] = json.loads(s.attrs["p2_load_range"])
    return json.dumps(out)
