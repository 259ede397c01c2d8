"""Chapter 01, a first power flow: one distribution feeder, one Newton-Raphson power flow, one store.

`run` scales every load of a feeder and runs pandapower's power flow; the store holds the bus voltages and powers
(dimension ``bus``), the branch losses and the solver's status. The readers below draw and describe the store: the
voltage profile (`voltage_figure`, `voltage_text`) and the losses against the published figure of the feeder
(`losses_table`, `losses_notes`). Units follow pandapower: p.u., degrees, MW, Mvar; losses in kW.
"""

from __future__ import annotations

import math
import textwrap

import pandapower as pp
import pandas as pd
import xarray as xr

from forlab.book import store as book_store
from forlab.grid import cases

__all__ = ["LIMIT_PU", "losses_notes", "losses_table", "run", "solve_text", "store_header", "validate",
           "voltage_figure", "voltage_text"]

LIMIT_PU = 0.95
"""The usual lower voltage limit (p.u.) the chapter compares the profile with."""


def validate(params: dict) -> None:
    """ValueError unless ``load_scale`` is a positive number (a bool is not a number here); an unknown ``grid`` is
    reported by `forlab.grid.cases.load` with the list of grids."""
    load_scale = params["load_scale"]
    numeric = isinstance(load_scale, (int, float)) and not isinstance(load_scale, bool)
    if not (numeric and math.isfinite(load_scale) and load_scale > 0):
        raise ValueError(f"load_scale must be a positive finite number, got {load_scale!r}")


def _power_flow(grid: str, load_scale: float):
    """The feeder with every load scaled by ``load_scale`` after pandapower's power flow, its status and the line
    and transformer losses (kW; NaN when the power flow did not converge)."""
    net = cases.load(grid)  # ValueError listing the available grids for an unknown name
    net.load["p_mw"] *= load_scale
    net.load["q_mvar"] *= load_scale
    try:
        pp.runpp(net)
        status = "converged"
    except pp.LoadflowNotConverged:
        status = "not_converged"
    losses_kw = float("nan")
    if status == "converged":
        losses_kw = 1e3 * (net.res_line.pl_mw.sum() + net.res_trafo.pl_mw.sum())
    return net, status, losses_kw


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params`` (``grid``, ``load_scale``): per bus the voltage magnitude and angle and the
    demand (pandapower's ``res_bus``), the losses and the power-flow status."""
    validate(params)
    net, status, losses_kw = _power_flow(params["grid"], params["load_scale"])
    res = net.res_bus.reindex(net.bus.index)

    def per_bus(column, long_name, units):
        return ("bus", res[column].to_numpy(), {"long_name": long_name, "units": units})

    return xr.Dataset(
        {
            "vm_pu": per_bus("vm_pu", "voltage magnitude", "p.u."),
            "va_degree": per_bus("va_degree", "voltage angle", "degree"),
            "p_mw": per_bus("p_mw", "active power demand (load > 0)", "MW"),
            "q_mvar": per_bus("q_mvar", "reactive power demand (load > 0)", "Mvar"),
            "losses_kw": ((), losses_kw, {"long_name": "line and transformer losses", "units": "kW"}),
            "pf_status": book_store.solver_status(status, solver="pandapower.runpp"),
        },
        coords={"bus": net.bus.index.to_numpy()},
    )


def solve_text(ds: xr.Dataset) -> str:
    """One line: the power flow's status and the total losses (kW)."""
    return f"power flow {ds.pf_status.values}; total losses {float(ds.losses_kw):.2f} kW"


HEADER_WIDTH = 86
"""Characters per line of `store_header`: a monospace line of the book's text column."""


def store_header(stored: xr.Dataset) -> str:
    """Where a store came from: its chapter, parameters, git commit and creation time, one per line (a long
    parameter set wraps after its commas, indented, so that the printed block fits the page's column)."""
    lines = []
    for name in ("chapter", "parameters", "git_commit", "created_utc"):
        value = str(stored.attrs[name])
        value = value.replace(",", ", ") if name == "parameters" else value  # compact JSON: a place to wrap
        lines += textwrap.wrap(value, HEADER_WIDTH, initial_indent=f"{name:12} ",
                               subsequent_indent=" " * 13, break_on_hyphens=False) or [f"{name:12}"]
    return "\n".join(lines)


def voltage_figure(stored: xr.Dataset, grid: str, load_scale: float):
    """The voltage magnitude of every bus against its index, with the `LIMIT_PU` line. Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.4))  # the text column's width (forlab.book.plots.STYLE)
    ax.plot(stored.bus, stored.vm_pu, "o", label="bus voltage")
    ax.axhline(LIMIT_PU, color="grey", linestyle="--", linewidth=1, label=f"usual lower limit, {LIMIT_PU} p.u.")
    ax.set_xlabel("bus index")
    ax.set_ylabel("voltage magnitude (p.u.)")
    ax.set_title(f"{grid}, load scale {load_scale:g}, power flow {stored.pf_status.values}")
    ax.legend(loc="lower left")  # the feeder's first buses are high: that corner is free
    return fig


def voltage_text(stored: xr.Dataset) -> str:
    """Markdown: the lowest voltage, its bus, and how many buses lie below `LIMIT_PU`."""
    vmin = float(stored.vm_pu.min())
    at = int(stored.bus.values[int(stored.vm_pu.values.argmin())])
    n_low = int((stored.vm_pu < LIMIT_PU).sum())
    return (f"Lowest voltage: {vmin:.3f} p.u. at bus {at}; {n_low} of {stored.sizes['bus']} buses are below "
            f"{LIMIT_PU} p.u."
            + (" This feeder needs support at this load." if n_low else " No bus needs support at this load."))


def losses_table(stored: xr.Dataset, grid: str, load_scale: float) -> pd.DataFrame:
    """The run's losses (kW) and, for a grid with a published base-case figure
    (`forlab.grid.cases.PUBLISHED_LOSSES_KW`), that figure and the relative error (%)."""
    published = cases.PUBLISHED_LOSSES_KW.get(grid)
    rows = {f"this run (load scale {load_scale:g})": float(stored.losses_kw)}
    if published is not None:
        rows["published"] = published.value
    table = pd.DataFrame({"losses (kW)": list(rows.values())}, index=pd.Index(list(rows), name="source"))
    if published is not None:
        table["relative error (%)"] = 100 * (table["losses (kW)"] - published.value) / published.value
    return table


def losses_notes(grid: str, load_scale: float) -> str:
    """Markdown shown above the losses table, one paragraph each: the published figure's source and, away from the
    base load, that the comparison is no validation; or that the grid has no published figure."""
    published = cases.PUBLISHED_LOSSES_KW.get(grid)
    if published is None:
        return f"no published base-case losses for {grid} (see `forlab.grid.cases.PUBLISHED_LOSSES_KW`)"
    lines = [f"published: {published.source}"]
    if load_scale != 1:
        lines.append(f"note: {published.value} kW is for `load_scale = 1`; the error below is not a validation")
    return "\n\n".join(lines)
