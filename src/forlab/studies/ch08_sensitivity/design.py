"""The sensitivity study's design: a variant changes one factor of the base case of a study system.

`Variant` is one case (its factor, load level, FPUs per DS, DS meshing; the keys that group the cases by study
system); `variants` builds the one-factor-at-a-time design; `design_table` shows it, one row per variant, with the
factors' short names (`FACTORS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "FACTORS",
    "Variant",
    "design_table",
    "variants",
]


FACTORS = {"load": "load level", "fpus": "FPUs per DS", "meshing": "DS meshing"}
"""Short names of the factors, for table cells and figure titles."""


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


def design_table(design: Sequence[Variant]) -> pd.DataFrame:
    """One row per variant (index: its label): factor, load (% of nominal), FPUs per DS, DS tie lines, base case
    ("yes" or empty), headers in words."""
    return pd.DataFrame(
        [{"factor": FACTORS[v.kind], "load (% of nominal)": f"{100 * v.level:.0f}",
          "FPUs per DS": "–" if v.n_fpus is None else v.n_fpus,
          "DS tie lines": "closed (meshed)" if v.ties == "all" else "open (radial)",
          "base case": "yes" if v.is_base else ""} for v in design],
        index=pd.Index([v.label for v in design], name="variant"))
