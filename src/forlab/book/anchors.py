"""The registry of published anchors: every figure the book compares a result with, where it comes from, what it measures.

A chapter never types a target: it prints `show(key)` ("0.058 %") and compares with `value(key)`, and its store keeps
the anchors it was compared with (`as_attr(keys)` into ``attrs["anchors"]``) so an archived result carries the yardstick
it was judged by. Two kinds of source: a publication (a key of ``references.bib``: a paper's claim, a grid's
published losses, MATPOWER's optimum of its own case) and a target a forlab issue set (the issue's number), because a
reader must be able to tell a published claim from a house target.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from forlab.book.tables import grouped


@dataclass(frozen=True)
class Anchor:
    """One published figure.

    value/unit: the figure as published; relation: how a result is held against it ("<=": an upper bound to stay
    under, ">=": a lower bound to reach, "=": a reference to match, "~": a reported value to set beside ours);
    source: a ``references.bib`` key or ``issue #N``; measures: what the figure is, in one line; digits: decimals shown.
    """

    key: str
    value: float
    unit: str
    relation: str
    source: str
    measures: str
    digits: int = 0

    def show(self) -> str:
        """The figure as the book prints it, with its unit ("0.058 %", "90 s", "10 000 buses": thousands grouped
        by the book's one rule, `forlab.book.tables.grouped`)."""
        small = 0 < abs(self.value) < 1e-3  # tolerances read better as powers of ten
        num = f"{self.value:.0e}" if small else grouped(self.value, self.digits)
        return f"{num} {self.unit}".strip() if self.unit != "x" else f"{num}x"

    def met(self, result: float) -> bool:
        """Whether ``result`` meets the anchor (NaN never does)."""
        if math.isnan(float(result)):  # a failed run meets no target
            return False
        return {"<=": result <= self.value, ">=": result >= self.value,
                "=": result == self.value, "~": True}[self.relation]


_P1, _P2, _P3 = "dindar2025pqv", "dindar2025ml", "dai2024aladin"

RUNOPF = "MATPOWER 8.1 runopf"
"""The MATPOWER run whose optima the ``runopf_*`` anchors hold (`runopf_optimum`): MATPOWER 8.1's default AC OPF
(MIPS) run on its own case files, rather than figures MATPOWER publishes; the book names them so."""

_ALL = (
    # the papers' headline claims, from their abstracts (dindar2025pqv and dindar2025ml, keys of references.bib)
    Anchor("p1_deviation_pct", 0.058, "%", "<=", _P1,
           "mean cost deviation per case of the FOR-based dispatch against the integrated AC-OPF", 3),
    Anchor("p1_time_reduction_pct", 58.11, "%", ">=", _P1,
           "best computation-time reduction of the FOR-based coordination against the integrated AC-OPF", 2),
    Anchor("p1_largest_ds_buses", 533, "buses", "~", _P1, "largest meshed DS integrated into a TS in the case study"),
    Anchor("p2_feasibility_pct", 100, "%", ">=", _P2, "share of scenarios whose surrogate dispatch is feasible"),
    # published figures chapter 07 sets beside its own (other groups' distributed OPF codes)
    Anchor("powermodelsada_admm_case300_iterations", 66, "iterations", "~", "alkhraijah2023powermodelsada",
           "ADMM iterations of PowerModelsADA on PGLib case300 in 4 areas"),
    Anchor("powermodelsada_admm_case300_s", 21.5, "s", "~", "alkhraijah2023powermodelsada",
           "ADMM wall time of PowerModelsADA on PGLib case300 in 4 areas, on 16 cores", 1),
    Anchor("powermodelsada_admm_case300_cores", 16, "cores", "~", "alkhraijah2023powermodelsada",
           "cores of PowerModelsADA's published ADMM run on PGLib case300 in 4 areas"),
    Anchor("rapidpf_aladin_max_steps", 7, "steps", "~", "muehlpfordt2021rapidpf",
           "most ALADIN steps of rapidPF's least-squares distributed power flow (5-7 reported; 'about half a dozen "
           "coordinating steps' in the abstract)"),
    Anchor("rapidpf_largest_buses", 4662, "buses", "~", "muehlpfordt2021rapidpf",
           "largest system rapidPF solved by distributed power flow (53 to 4662 buses; rapidPF+, dai2022rapidpfplus, "
           "went to 10224)"),
    # the grids' own published figures, which chapters 01 and 02 reproduce (`published_losses`, `runopf_optimum`).
    # Base-case active power losses of the DSs, radial as shipped (ties open). Left out: case85 and case141, whose
    # MATPOWER v2 files change the published data (case85: a duplicate load at bus 60 removed; case141: the load at
    # bus 53 doubled, seven branch end points corrected), so the papers' loss figures (das1995, khodr2008) do not
    # describe these files; case533mt_hi/lo, for which forlab found no published base-case loss figure.
    Anchor("losses_case33bw_kw", 202.7, "kW", "=", "baran1989",
           "base-case active power losses of case33bw, radial as shipped", 1),
    Anchor("losses_case69_kw", 224.9, "kW", "=", "baran1989capacitor",
           "base-case active power losses of case69, radial as shipped, as the capacitor and DG placement literature "
           "reproduces it", 1),
    Anchor("losses_case118zh_kw", 1298.09, "kW", "=", "zhang2007",
           "base-case active power losses of case118zh in its initial configuration", 2),
    Anchor("losses_case136ma_kw", 320.36, "kW", "=", "mantovani2000",
           "base-case active power losses of case136ma in its initial configuration", 2),
    *(Anchor(f"runopf_{case}_usd_h", value, "$/h", "=", "zimmerman2011matpower",
             f"objective of {RUNOPF} (MATPOWER's default AC OPF, MIPS) on {case}: a MATPOWER run, not a figure "
             "MATPOWER's papers publish", 2)
      for case, value in {"case9": 5296.69, "case14": 8081.53, "case30": 576.89, "case118": 129660.69,
                          "case1354pegase": 74069.35}.items()),
    # the house targets the issues set (cite the issue; they are not the papers' claims)
    Anchor("acopf_case1354pegase_solve_s", 2, "s", "<=", "issue #3",
           "AC-OPF solver time of case1354pegase from a flat start on the book's machine"),
    Anchor("acopf_speedup_vs_runopp", 10, "x", ">=", "issue #3", "forlab AC-OPF speed-up against pandapower runopp"),
    Anchor("for_sampling_wall_s", 90, "s", "<=", "issue #4",
           "FOR sampling wall time of the 533-bus meshed DS with two Dask workers"),
    Anchor("aladin_max_rounds", 30, "rounds", "<=", "issue #17",
           "ALADIN rounds until the gap and the consensus first meet their targets"),
    Anchor("aladin_gap", 1e-4, "", "<=", "issue #17", "ALADIN relative cost gap to the centralized optimum", 4),
    Anchor("aladin_consensus", 1e-6, "", "<=", "issue #17", "ALADIN consensus violation, largest over the consensus rows", 6),
    Anchor("aladin_coordinator_ms", 50, "ms", "<=", "issue #17",
           "ALADIN coordinator time per round on case118+case533mt_hi"),
    Anchor("aladin_coordinator_slope", 1, "", "<=", "issue #17",
           "growth of ALADIN's coordinator time with the coupling rows (log-log slope; 1 is linear)"),
    Anchor("aladin_slowdown", 10, "x", "<=", "issue #17",
           "ALADIN whole-run wall time with parallel regions over the centralized AC-OPF"),
    Anchor("pglib_objective_pct", 0.01, "%", "<=", "issue #19",
           "relative difference of our AC-OPF objective to the PGLib-OPF baseline (PowerModels.jl + Ipopt)", 2),
    Anchor("pglib_faster_above_buses", 1000, "buses", "~", "issue #19",
           "size above which forlab's AC-OPF solve must beat PowerModels' published PGLib-OPF time"),
    # what issue #19 measured before the vectorised build (forlab's own figures at commit 85c1b14, under load)
    Anchor("build_before_case1354pegase_s", 2.7, "s", "~", "issue #19", "CasADi model build time of case1354pegase", 1),
    Anchor("solve_before_case1354pegase_s", 0.6, "s", "~", "issue #19", "Ipopt solver time of case1354pegase", 1),
    Anchor("build_before_case2869pegase_s", 10.9, "s", "~", "issue #19", "CasADi model build time of case2869pegase", 1),
    Anchor("solve_before_case2869pegase_s", 2.1, "s", "~", "issue #19", "Ipopt solver time of case2869pegase", 1),
    Anchor("scaleout_p1_time_reduction_pct", 75, "%", ">=", "issue #16",
           "P1 online time reduction against the integrated AC-OPF for N >= 8 DSs"),
    Anchor("scaleout_p1_deviation_pct", 0.02, "%", "<=", "issue #16", "P1 mean judged deviation for N >= 8 DSs", 2),
    Anchor("scaleout_p2_time_reduction_pct", 90, "%", ">=", "issue #16",
           "P2 online time reduction against the integrated AC-OPF for N >= 8 DSs"),
    Anchor("scaleout_p1_feasibility_pct", 100, "%", ">=", "issue #16",
           "P1 share of dispatches without violations after the T+D power flow for N >= 8 DSs"),
    Anchor("scaleout_p2_feasibility_pct", 100, "%", ">=", "issue #16",
           "P2 share of dispatches without violations after the T+D power flow for N >= 8 DSs"),
    Anchor("scaleout_min_ds", 8, "DSs", "~", "issue #16", "number of DSs from which the scale-out targets apply"),
    Anchor("scaleout_sweep_min", 60, "min", "<=", "issue #16",
           "wall time of the whole scale-out sweep (offline work included) on the book's 2-core machine"),
    Anchor("scaleout_sweep_buses", 10000, "buses", ">=", "issue #16", "total buses the scale-out sweep reaches"),
    Anchor("scaleout_p1_extra_iterations_pct", 30, "%", "<=", "issue #16",
           "Ipopt iterations of the TSO's FOR-based OPF above those of the TS-only AC-OPF"),
)

ANCHORS: dict[str, Anchor] = {a.key: a for a in _ALL}


def anchor(key: str) -> Anchor:
    """The anchor called ``key``; a clear error lists the registered keys."""
    try:
        return ANCHORS[key]
    except KeyError:
        raise KeyError(f"no published anchor {key!r}; registered: {', '.join(sorted(ANCHORS))}") from None


def published_losses(grid: str) -> Anchor | None:
    """The published base-case losses (kW) of the DS ``grid``, or None where the book records none."""
    return ANCHORS.get(f"losses_{grid}_kw")


def runopf_optimum(case: str) -> Anchor | None:
    """`RUNOPF`'s optimum ($/h) of the MATPOWER ``case``, or None where the book records none."""
    return ANCHORS.get(f"runopf_{case}_usd_h")


REFERENCES = Path(__file__).resolve().parents[3] / "references.bib"
"""The book's bibliography, whose keys are the publications' `Anchor.source`."""


@lru_cache(maxsize=1)
def _bibliography() -> dict:
    """The entries of `REFERENCES` by key; none outside a checkout of the repository (an installed package)."""
    if not REFERENCES.is_file():
        return {}
    from pybtex.database import parse_file  # pybtex comes with jupyter-book's sphinxcontrib-bibtex

    return parse_file(str(REFERENCES), bib_format="bibtex").entries


def citation(source: str) -> str:
    """An anchor's ``source`` as a reader can look it up on the book's references page: a ``references.bib`` key as
    its label there (`_page_labels`: authors' surnames, two as "A and B", more as "A et al.", and the year, "1989a"
    where the same authors have two works of that year), the year in parentheses, then its title, read from the
    bibliography ("Baran and Wu (1989a), Network reconfiguration in distribution systems for loss reduction and load
    balancing"); anything else (``issue #N``) as it is. Generated Markdown cannot cite with {cite:p} (the role is not
    rendered there)."""
    entry = _bibliography().get(source)
    if entry is None:
        return source
    from forlab.book import citations

    who, year = _page_labels()[source].rsplit(", ", 1)  # as the citation style's years are cut from its labels
    return f"{who} ({year}), {citations.plain(entry.fields['title'])}"


@lru_cache(maxsize=1)
def _page_labels() -> dict[str, str]:
    """Each bibliography key's label as the references page prints it: the page lists every entry of `REFERENCES`
    (book/references.md, ``:all:``), labelled by the book's citation style (book/_ext/authoryear.py), which applies
    the rule of `forlab.book.citations`; read from that module, the one copy of the rule, so that a publication named
    by generated Markdown reads as the page and the text's citations name it (Baran and Wu's two papers of 1989 are
    1989a and 1989b there)."""
    from forlab.book import citations  # pybtex comes with jupyter-book's sphinxcontrib-bibtex

    return citations.page_labels(_bibliography().values())


def value(key: str) -> float:
    return anchor(key).value


def show(key: str) -> str:
    return anchor(key).show()


def as_attr(keys: list[str]) -> str:
    """The anchors ``keys`` as a JSON store attribute (``attrs["anchors"]``), so a store keeps its yardstick."""
    return json.dumps({k: asdict(anchor(k)) for k in keys})


def from_attr(text: str) -> dict[str, Anchor]:
    """The anchors a store was compared with (the inverse of `as_attr`)."""
    return {k: Anchor(**v) for k, v in json.loads(text).items()}
