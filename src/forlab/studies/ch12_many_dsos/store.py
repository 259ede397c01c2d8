"""The store of chapter 12: `to_store` turns the rows of every size and method (chapter 08's layout, dimension ``run``,
plus ``n_ds``) and the ``size`` table (`SIZE_UNITS`) into one xarray Dataset with units; the package docstring
(`forlab.studies.ch12_many_dsos`) gives the layout.
"""

from __future__ import annotations

import json

import pandas as pd
import xarray as xr

from forlab.book.tables import to_dataset
from forlab.studies import ch08_sensitivity as ch08

__all__ = [
    "SIZE_UNITS",
    "to_store",
]


SIZE_UNITS = {"n_ds": "1", "system": "-", "buses": "1", "ds_buses": "1", "build_s": "s", "peak_mib": "MiB",
              "ts_iterations": "1", "integrated_again_ms": "ms", "fixed_fpus_status": "-", "fixed_fpus_cost": "$/h",
              "fixed_fpus_feasible": "1", "fixed_fpus_widening_pu": "p.u.", "fixed_fpus_widening_status": "-",
              "fixed_fpus_widening_below": "1", "fixed_fpus_widening_below_ds": "1", "fixed_fpus_widening_above": "1",
              "fixed_fpus_widening_above_ds": "1", "wall_s": "s"}
"""Units of the ``size`` table (prefix ``size_``)."""


def to_store(rows: pd.DataFrame, size_rows: pd.DataFrame, attrs: dict) -> xr.Dataset:
    """Rows in chapter 08's layout (dimension ``run``, plus ``n_ds``) and the ``size`` table, with units."""
    st = ch08.to_store(rows.assign(variant_value=1.0), attrs=attrs)
    st["n_ds"] = ("run", rows["n_ds"].to_numpy(int), {"long_name": "number of DSs", "units": "1"})
    st.update(to_dataset(size_rows, "size", "size_", units=SIZE_UNITS))
    # the codes' short names, as every store of this chapter keeps them (the page's names are `METHODS`)
    st.attrs["methods"] = json.dumps({"integrated": "integrated AC-OPF", **ch08.METHODS})
    return st
