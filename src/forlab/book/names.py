"""One name per concept: the names the book uses in code, store variables, table columns and prose, and the
older names that archived stores still carry.

Every store is opened through `forlab.book.store.open_path`, which renames the old names of the chapter that wrote
it (``attrs["chapter"]``) to the current ones, so an archived store renders with today's readers and the same
numbers. The glossary (`book/glossary.md`) defines each concept once.

Current names (the glossary's "Names in the code" section):

- ``ds``: a distribution system's identity (a DS name, e.g. ``case33bw``); ``region`` is reserved for an ALADIN
  region (chapter 07).
- ``deviation_pct``: the signed cost deviation (%) of a judged dispatch against the integrated optimum.
- ``solve_time_s``: a solver's own time (s); ``wall_time_s``: elapsed wall-clock time (s).
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

# chapter -> {old variable or dimension name: current name}
LEGACY: dict[str, dict[str, str]] = {
    "03_for_sampling": {},
    "04_for_representation": {},
    "05_coordination": {},
    "06_ml_surrogate": {},
    "07_aladin": {},
    "08_sensitivity": {},
    "09_comparison": {},
}


def renames(chapter: str, present: Mapping | set) -> dict[str, str]:
    """The renames of ``chapter``'s legacy names that occur among ``present`` (variables, coordinates and dims)."""
    return {old: new for old, new in LEGACY.get(chapter, {}).items() if old in present and new not in present}


def upgrade(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the legacy names of its chapter replaced by the current ones (unchanged when it has none)."""
    present = set(ds.variables) | set(ds.dims)
    todo = renames(ds.attrs.get("chapter", ""), present)
    return ds.rename(todo) if todo else ds
