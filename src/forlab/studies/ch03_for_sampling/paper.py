"""The paper-scale section of chapter 03: the paper-scale run's store named with its parameters, its scale test
and the verdict on issue 4's wall-time target (`paper_text`), and whether other work competed for the cores while it
was timed (`load_text`, `COMPETING_LOAD`).
"""

from __future__ import annotations

import xarray as xr

from forlab.book import anchors, parallel
from forlab.book.store import paper_origin
from forlab.book.tables import as_printed, grouped, table
from forlab.grid import td
from forlab.studies.ch03_for_sampling.readers import timing_table
from forlab.studies.ch03_for_sampling.text import DECIMALS

__all__ = [
    "COMPETING_LOAD",
    "load_text",
    "paper_text",
]


COMPETING_LOAD = 0.5
"""Load (in cores) beyond a timed run's own workers above which other work counts as competing for the cores
(`load_text`): half a core of someone else's work changes a two-core run's wall time by more than its noise."""


def load_text(big: xr.Dataset) -> str:
    """Markdown: the load average recorded at the end of each timed run against the run's own workers and the
    machine's cores (``t_cores``; a store from before it was recorded is read against the cores of the machine
    reading it, and says so). The one-minute load average counts the run's own busy workers, so only the load
    beyond them is other work; beyond `COMPETING_LOAD` it competed for the cores, and the wall times and their ratio
    then do not measure the sampling alone."""
    tt = table(big, "timing_row").set_index("workers")
    load, workers = tt.t_load_average, tt.index.to_series()
    other = float((load - workers).max())
    recorded = "t_cores" in big
    cores = int(big.t_cores.values[0]) if recorded else parallel.default_workers()
    where = "" if recorded else " (the cores of the machine reading this store, which predates recording them)"
    loads = ", ".join(f"{x:.1f} with {_workers(w)}" for w, x in load.items())
    return (
        f"Load average at the end of the timed runs: {loads}, on {cores} cores{where}; beyond the run's own "
        f"workers at most {max(other, 0.0):.1f}, against a threshold of {COMPETING_LOAD:g} for other work: "
        + ("other work competed for the cores, so these wall times, the verdict on the target and the speed-up are "
           "unreliable." if other > COMPETING_LOAD else "the timed runs had the cores to themselves.")
    )


def _workers(n: int) -> str:
    return "one worker" if n == 1 else f"{n} workers"


def paper_text(big: xr.Dataset) -> str:
    """Markdown: the paper-scale run's store named with the parameters it ran with (`forlab.book.store.paper_origin`,
    as every paper-scale section), in a paragraph of its own; then its scale test (one and two workers, the speed-up
    of the wall times as the table prints them, identical samples), the verdict on the wall-time target in a
    sentence of its own (not the tail of the store's long line), and `load_text`. The target is judged on the
    stored, unrounded wall time, as every chapter judges a target (`forlab.book.anchors.Anchor.met`): a run of
    90.04 s prints as 90.0 s and misses "at most 90 s"."""
    bt = timing_table(big)
    stored = float(bt.t_wall_time_s.get(2, float("nan")))  # what the target is judged on
    # the wall times as the table prints them (`DECIMALS`): the speed-up is theirs, as a reader recomputes it
    two, one = as_printed([bt.t_wall_time_s.get(w, float("nan")) for w in (2, 1)], DECIMALS["t_wall_time_s"])
    met = anchors.anchor("for_sampling_wall_s").met(stored)
    return (
        f"{paper_origin(big)}\n\nThe scale run: {grouped(bt.t_samples.iloc[0])} samples of "
        f"the {grouped(bt.t_buses.iloc[0])}-bus DS with {grouped(bt.t_fpus.iloc[0])} FPUs of mixed chart types "
        f"({', '.join(td.DEFAULT_KINDS)}) in {grouped(one, 1)} s with one worker and "
        f"{grouped(two, 1)} s with two (speed-up {one / two:.2f}x); the samples are "
        f"{'' if bt.identical_to_first.all() else 'not '}identical across worker counts. The wall-time target, at "
        f"most {anchors.show('for_sampling_wall_s')} with two workers, is {'met' if met else '**missed**'}. "
        + _paper_size_words(int(bt.t_buses.iloc[0])) + load_text(big)
    )


def _paper_size_words(buses: int) -> str:
    """Words setting the scale run's DS beside the largest DS of P1's paper (`anchors` ``p1_largest_ds_buses``): the
    scale run is meant to be the paper's case-study scale, and a reader should see that it is (or that it is not)."""
    paper = anchors.anchor("p1_largest_ds_buses")
    same = "as large as" if buses == paper.value else ("larger than" if buses > paper.value else "smaller than")
    return f"The DS is {same} the largest DS in the case study of the FOR method's paper, P1 ({paper.show()}). "
