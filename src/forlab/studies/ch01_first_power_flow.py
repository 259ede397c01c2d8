"""Chapter 01, a first power flow: one distribution feeder, one Newton-Raphson power flow, one store.

`run` scales every load of a feeder and runs pandapower's power flow; the store holds the bus voltages and powers
and the bus each bus is fed from (dimension ``bus``), the branch losses and the solver's status. The readers below
draw and describe the store: the feeder's sections (`feeder_sections`, `feeder_text`), the voltage profile
(`voltage_figure`, `voltage_text`) and the losses against the published figure of the feeder (`losses_table`,
`losses_notes`). Units follow pandapower: p.u., degrees, MW, Mvar; losses in kW.
"""

from __future__ import annotations

import math

import networkx as nx
import pandapower as pp
import pandapower.topology as top
import pandas as pd
import xarray as xr

from forlab.book import anchors
from forlab.book import store as book_store
from forlab.book.runner import check_names
from forlab.grid import cases

__all__ = [
    "LIMIT_PU",
    "PARAMETERS",
    "REFERENCES_LINK",
    "check_params",
    "converged",
    "failed_text",
    "feeder_sections",
    "feeder_text",
    "losses_notes",
    "losses_printable",
    "losses_table",
    "run",
    "solve_text",
    "voltage_figure",
    "voltage_text",
]

LIMIT_PU = 0.95
"""The lower voltage limit (p.u.) the chapter compares the profile with: the lower end of the band the later chapters
hold every DS to (`forlab.grid.td`'s ``vm_limits``), tighter than the case file's own bus limits."""


PARAMETERS = ("grid", "load_scale")
"""The chapter's parameters (the notebook's ``parameters`` cell); `check_params` checks their types in its own
words."""


def check_params(params: dict) -> None:
    """ValueError unless ``params`` holds exactly `PARAMETERS` (`forlab.book.runner.check_names`: a misspelt key
    would keep its default), ``grid`` is one of the distribution grids the notebook offers
    (`forlab.grid.cases.DISTRIBUTION`; the message lists them by name, not by that constant, which a reader of
    ``forlab run`` does not know, and says when the grid is a transmission case) and ``load_scale`` is a positive
    number (a bool is not a number here)."""
    check_names(params, PARAMETERS, "01_first_power_flow")
    grid = params["grid"]
    if not (isinstance(grid, str) and grid in cases.DISTRIBUTION):
        why = " (a transmission grid; this chapter runs a distribution feeder)" if grid in cases.TRANSMISSION else ""
        raise ValueError(f"grid must be one of the distribution grids {', '.join(cases.DISTRIBUTION)}, got "
                         f"{grid!r}{why}")
    load_scale = params["load_scale"]
    numeric = isinstance(load_scale, (int, float)) and not isinstance(load_scale, bool)
    if not (numeric and math.isfinite(load_scale) and load_scale > 0):
        raise ValueError(f"load_scale must be a positive finite number, got {load_scale!r}")


def _power_flow(grid: str, load_scale: float):
    """The feeder with every load scaled by ``load_scale`` after pandapower's power flow, its status and the branch
    losses (kW, `forlab.grid.cases.branch_losses_kw`, as chapter 02 counts them; NaN when the power flow did not
    converge)."""
    net = cases.load(grid)
    net.load["p_mw"] *= load_scale
    net.load["q_mvar"] *= load_scale
    try:
        pp.runpp(net)
        status = "converged"
    except pp.LoadflowNotConverged:
        status = "not_converged"
    losses_kw = float("nan")
    if status == "converged":
        losses_kw = cases.branch_losses_kw(net)
    return net, status, losses_kw


NO_FEEDER = -1
"""``fed_from_bus`` of the slack bus (and of a bus the slack does not reach): no bus feeds it."""


def _fed_from(net) -> pd.Series:
    """Per bus, the bus one step nearer the slack over the in-service lines and transformers (a breadth-first tree
    from the external grid's bus; the feeders of this book are radial, so it is the bus that feeds it)."""
    graph = top.create_nxgraph(net, respect_switches=True, include_out_of_service=False)
    fed = pd.Series(NO_FEEDER, index=net.bus.index, dtype=int)
    for slack in net.ext_grid.bus[net.ext_grid.in_service]:
        for bus, parent in nx.bfs_predecessors(graph, int(slack)):
            fed[bus] = int(parent)
    return fed


def run(params: dict) -> xr.Dataset:
    """The chapter's store for ``params`` (``grid``, ``load_scale``): per bus the voltage magnitude and angle and the
    demand (pandapower's ``res_bus``), the bus that feeds it (`NO_FEEDER` at the slack), the losses and the
    power-flow status."""
    check_params(params)
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
            "fed_from_bus": ("bus", _fed_from(net).reindex(net.bus.index).to_numpy(),
                             {"long_name": f"the bus one step nearer the slack ({NO_FEEDER}: none)", "units": "1"}),
            "losses_kw": ((), losses_kw, {"long_name": "branch losses", "units": "kW"}),
            "pf_status": book_store.solver_status(status, solver="pandapower.runpp"),
        },
        coords={"bus": net.bus.index.to_numpy()},
    )


def solve_text(ds: xr.Dataset) -> str:
    """One line: the power flow's status and the total losses (kW; none when it did not converge)."""
    if not converged(ds):
        return f"power flow {ds.pf_status.values}; no losses (the power flow did not converge)"
    return f"power flow {ds.pf_status.values}; total losses {float(ds.losses_kw):.2f} kW"


def feeder_sections(stored: xr.Dataset) -> list[tuple[int, int, int]]:
    """The feeder cut where the bus numbering jumps: (first bus, last bus, the bus that feeds the first) of each run
    of buses in which every bus is fed from the bus numbered just before it, in bus order. The first section starts
    at the slack (fed from `NO_FEEDER`); on a feeder numbered like case33bw it is the main feeder and each further
    section a lateral, which starts where its first bus branches off."""
    buses, fed = stored.bus.values.astype(int), stored.fed_from_bus.values.astype(int)
    starts = [k for k in range(len(buses)) if k == 0 or fed[k] != buses[k - 1]]
    ends = [k - 1 for k in starts[1:]] + [len(buses) - 1]
    return [(int(buses[a]), int(buses[b]), int(fed[a])) for a, b in zip(starts, ends)]


def _span(first: int, last: int) -> str:
    return f"bus {first}" if first == last else f"buses {first}-{last}"


LISTED_SECTIONS = 8
"""`feeder_text` names the sections of a feeder with at most this many (a longer list is no sentence)."""


def feeder_text(stored: xr.Dataset) -> str:
    """Markdown: how the buses are numbered (pandapower's index, one below the MATPOWER case file's) and the feeder's sections
    (`feeder_sections`): the run that starts at the slack and those that branch off, with the bus each starts from
    (only their count beyond `LISTED_SECTIONS`)."""
    sections = feeder_sections(stored)
    (first, last, _), rest = sections[0], sections[1:]
    # the example bus: the lowest voltage's, when the power flow has voltages; else the last bus
    low = int(stored.bus.values[int(stored.vm_pu.values.argmin())]) if converged(stored) else None
    example = (f"bus {low} here (the lowest voltage) is bus {low + 1} there" if low is not None
               else f"bus {last} here is bus {last + 1} there")
    text = (f"Bus numbers are pandapower's indices, starting at {first}; the MATPOWER case file numbers each bus one "
            f"higher, so {example}. In this order the feeder falls "
            f"into runs of buses each fed from the one numbered before it: {_span(first, last)}, starting at the slack")
    if not rest:
        return text + "."
    if len(sections) > LISTED_SECTIONS:
        return text + f", then {len(rest)} runs that branch off earlier buses (`ch01.feeder_sections` lists them)."
    return text + ", then " + "; ".join(f"{_span(a, b)} branching off bus {f}" for a, b, f in rest) + "."


def voltage_figure(stored: xr.Dataset, grid: str, load_scale: float):
    """The voltage magnitude of every bus against its index, each bus joined by a line to the bus that feeds it
    (so a lateral starts at the bus it branches off, not at the previous index), with the `LIMIT_PU` line.
    Returns the Figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.8))  # the text column's width (forlab.book.plots.STYLE)
    vm = stored.vm_pu.to_series()
    feeds = [(int(fed), int(bus)) for bus, fed in zip(stored.bus.values, stored.fed_from_bus.values) if fed >= 0]
    for k, (fed, bus) in enumerate(feeds):
        ax.plot([fed, bus], [vm[fed], vm[bus]], color="0.6", linewidth=1, zorder=1,
                label="line to the bus that feeds it" if k == 0 else None)
    ax.plot(stored.bus, stored.vm_pu, "o", label="bus voltage", zorder=2)
    ax.axhline(LIMIT_PU, color="grey", linestyle="--", linewidth=1, label=f"usual lower limit, {LIMIT_PU} p.u.")
    ax.set_xlabel("bus index (pandapower's, from 0)")
    ax.set_ylabel("voltage magnitude (p.u.)")
    ax.set_title(f"{grid}, load scale {load_scale:g}, power flow {stored.pf_status.values}")
    if not converged(stored):  # an empty plot would look like a missing figure
        ax.text(0.5, 0.5, "no voltages: the power flow did not converge", transform=ax.transAxes, ha="center")
    # below the axes: the laterals' lines cross the plot, no corner is free for every feeder
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    return fig


def converged(stored: xr.Dataset) -> bool:
    """Whether the store's power flow converged: only then has it voltages and losses to read."""
    return str(stored.pf_status.values) == "converged"


def failed_text(stored: xr.Dataset) -> str:
    """The one sentence a store whose power flow did not converge gets instead of voltages and losses."""
    return (f"The power flow did not converge (status {stored.pf_status.values}): this run has no voltages and no "
            "losses to read. A lower `load_scale` gives the feeder a state it can reach.")


def voltage_text(stored: xr.Dataset) -> str:
    """Markdown: the lowest voltage, its bus, and how many buses lie below `LIMIT_PU` (`failed_text` when the
    power flow did not converge)."""
    if not converged(stored):
        return failed_text(stored)
    vmin = float(stored.vm_pu.min())
    at = int(stored.bus.values[int(stored.vm_pu.values.argmin())])
    n_low = int((stored.vm_pu < LIMIT_PU).sum())
    return (f"Lowest voltage: {vmin:.3f} p.u. at bus {at}; {n_low} of {stored.sizes['bus']} buses are below "
            f"{LIMIT_PU} p.u."
            + (" This feeder needs support at this load." if n_low else " No bus needs support at this load."))


def losses_table(stored: xr.Dataset, grid: str, load_scale: float) -> pd.DataFrame:
    """The run's losses (kW) and, for a grid with a published base-case figure
    (`forlab.book.anchors.published_losses`), that figure and the relative error (%). A run whose power flow did
    not converge has no row (and no error): only the published figure is left."""
    published = anchors.published_losses(grid)
    rows = {f"this run (load scale {load_scale:g})": float(stored.losses_kw)} if converged(stored) else {}
    if published is not None:
        rows["published"] = published.value
    table = pd.DataFrame({"losses (kW)": list(rows.values())}, index=pd.Index(list(rows), name="source"))
    if published is not None and converged(stored):
        table["relative error (%)"] = 100 * (table["losses (kW)"] - published.value) / published.value
    return table


def losses_printable(stored: xr.Dataset, grid: str, load_scale: float) -> pd.DataFrame:
    """`losses_table` as the page prints it: the run's losses and error with three decimals, the published figure
    as published (no padded zeros) with no error of its own ("–"); its rows headed "source" in the one header row
    (`forlab.book.tables.one_header_row`)."""
    table = losses_table(stored, grid, load_scale)
    out = pd.DataFrame(index=pd.Index(list(table.index), name="source"))
    out["losses (kW)"] = [f"{v:g}" if r == "published" else f"{v:.3f}" for r, v in table["losses (kW)"].items()]
    if "relative error (%)" in table:
        out["relative error (%)"] = ["–" if r == "published" else f"{v:.3f}"
                                     for r, v in table["relative error (%)"].items()]
    return out


REFERENCES_LINK = "{doc}`references <../references>`"
"""The book's references page as the losses note links it: generated Markdown renders {doc}, not {cite:p}, and the
page's entries carry ids that Sphinx numbers anew with the bibliography, so the note links the page and names the
publication as the page labels it (`forlab.book.anchors.citation`)."""


def losses_notes(grid: str, load_scale: float, stored: xr.Dataset | None = None) -> str:
    """Markdown shown above the losses table, one paragraph each: the published figure's source (linked to the book's
    references page, `REFERENCES_LINK`) and, away from the
    base load, that the comparison is no validation; or that the grid has no published figure. With the run's
    ``stored`` result: when its power flow did not converge, that there is nothing to compare instead."""
    published = anchors.published_losses(grid)
    if published is None:
        return f"no published base-case losses for {grid} (see `forlab.book.anchors.published_losses`)"
    source = f"source: {anchors.citation(published.source)}, in the book's {REFERENCES_LINK}"
    lines = [f"published: {published.show()}, the {published.measures}; {source}"]
    if stored is not None and not converged(stored):
        lines.append("this run's power flow did not converge: it has no losses to compare with the published figure")
    elif load_scale != 1:
        lines.append(f"note: {published.value} kW is for `load_scale = 1`; the error below is not a validation")
    return "\n\n".join(lines)
