"""The PGLib-OPF benchmark library: its cases in a folder and the baseline results it publishes.

PGLib-OPF (IEEE PES task force on benchmarks, https://github.com/power-grid-lib/pglib-opf, CC BY 4.0) ships its
AC-OPF test cases as MATPOWER ``.m`` files, which `forlab.grid.cases.load` reads from their path, and ``BASELINE.md``,
the objective values and solve times of PowerModels.jl with Ipopt (linear solver HSL ma27) on every case. The
repository vendors a selection of the v23.07 typical-operating-condition cases, from 3 to 2869 buses, under
``data/pglib-opf`` (with the library's LICENSE, README, VERSION and BASELINE.md), so that a fresh clone validates
against them without a download. It is not every typical case up to 2869 buses: BASELINE.md lists more, most of them
larger, some smaller (`case_names` lists the folder's cases, `baseline` the library's).

`baseline` reads one table of ``BASELINE.md`` (default: "Typical Operating Conditions (TYP)"); a time printed as
``<1`` is an upper bound, not a value, and stays one (``ac_time_upper_bound``). `software` reads the versions and the
hardware the baseline names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_FOLDER", "TYPICAL", "baseline", "buses_in_name", "case_names", "case_path", "folder", "software",
           "version"]

DEFAULT_FOLDER = Path(__file__).resolve().parents[3] / "data" / "pglib-opf"
"""``data/pglib-opf`` of the repository (the vendored PGLib-OPF v23.07 cases)."""

TYPICAL = "Typical Operating Conditions (TYP)"
"""The heading of BASELINE.md's table for the cases as shipped (the folder holds these)."""

_PREFIX = "pglib_opf_case"
_HEADERS = {"Case Name": "case", "Nodes": "nodes", "Edges": "edges", "DC ($/h)": "dc_objective",
            "AC ($/h)": "ac_objective", "QC Gap (%)": "qc_gap_pct", "SOC Gap (%)": "soc_gap_pct",
            "DC Time (sec.)": "dc_time_s", "AC Time (sec.)": "ac_time_s", "QC Time (sec.)": "qc_time_s",
            "SOC Time (sec.)": "soc_time_s"}


def folder(path: str | os.PathLike | None = None) -> Path:
    """The PGLib folder ``path`` (default `DEFAULT_FOLDER`); ValueError when it holds no BASELINE.md."""
    here = Path(DEFAULT_FOLDER if path is None else path).expanduser()
    if not (here / "BASELINE.md").is_file():
        raise ValueError(f"pglib folder: {str(here)!r} has no BASELINE.md; give the folder of a PGLib-OPF release")
    return here


def buses_in_name(name: str) -> int:
    """The bus count a PGLib case name carries (``pglib_opf_case2383wp_k`` -> 2383)."""
    match = re.match(rf"{_PREFIX}(\d+)", name)
    if match is None:
        raise ValueError(f"{name!r} is not a PGLib case name (pglib_opf_case<buses>_<source>)")
    return int(match.group(1))


def case_names(path: str | os.PathLike | None = None) -> list[str]:
    """Names of the cases (``pglib_opf_case*.m``) in the folder, ordered by bus count, then name."""
    names = [p.stem for p in folder(path).glob(f"{_PREFIX}*.m")]
    return sorted(names, key=lambda n: (buses_in_name(n), n))


def case_path(name: str, path: str | os.PathLike | None = None) -> Path:
    """The ``.m`` file of case ``name`` in the folder; ValueError naming the cases there if it has none."""
    file = folder(path) / f"{name}.m"
    if not file.is_file():
        raise ValueError(f"pglib case {name!r} is not in {folder(path)}; choose from {case_names(path)}")
    return file


def version(path: str | os.PathLike | None = None) -> str:
    """The PGLib release the baseline names (``v23.07``) and the commit of the folder's VERSION file."""
    release = software(path).get("PGLib OPF", "unknown release")
    commit = (folder(path) / "VERSION").read_text().split()[0] if (folder(path) / "VERSION").is_file() else "unknown"
    return f"{release} (commit {commit})"


def software(path: str | os.PathLike | None = None) -> dict[str, str]:
    """BASELINE.md's "Software Versions" and hardware lines as name -> text (``"PowerModels.jl": "v0.19.9"``,
    ``"Ipopt.jl": "v1.4.1/v3.14.4"``, ``"Hardware": ...``)."""
    text = (folder(path) / "BASELINE.md").read_text()
    pairs = re.findall(r"^\*\*(?:\[(?P<link>[^\]]+)\]\([^)]*\)|(?P<plain>[^*:]+)):?\*\*:?\s*(?P<value>.+)$", text,
                       re.MULTILINE)
    return {(link or plain).strip(): value.strip() for link, plain, value in pairs}


def _table_lines(text: str, section: str) -> list[str]:
    """The Markdown table rows under the heading ``## <section>`` (header first, separator dropped); ValueError for
    a heading that is missing or has no table, naming the headings that have one."""
    lines = text.splitlines()
    starts = {}
    for i, ln in enumerate(lines):
        if ln.startswith("#"):
            starts.setdefault(ln.lstrip("#").strip(), i)
    rows = _rows_after(lines, starts[section]) if section in starts else []
    if not rows:
        problem = "has no table" if section in starts else "is no section"
        tabled = [h for h, i in starts.items() if _rows_after(lines, i)]
        raise ValueError(f"BASELINE.md: {section!r} {problem}; the sections with a table are {tabled}")
    return rows


def _rows_after(lines: list[str], start: int) -> list[str]:
    """The table rows between heading line ``start`` and the next heading."""
    rows = []
    for ln in lines[start + 1:]:
        if ln.startswith("#"):
            break
        if ln.strip().startswith("|") and not set(ln.replace("|", "").strip()) <= set("-: "):
            rows.append(ln)
    return rows


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, bold markers and backslash escapes removed."""
    return [c.strip().replace("**", "").replace("\\", "") for c in line.strip().strip("|").split("|")]


def baseline(path: str | os.PathLike | None = None, section: str = TYPICAL) -> pd.DataFrame:
    """One table of BASELINE.md, one row per case (index ``case``): ``nodes``, ``edges`` (counts), the DC and AC
    objectives (``dc_objective``, ``ac_objective``: the case's currency per hour, $/h for most), the QC/SOC gaps
    (%), the solve times in seconds (``*_time_s``) and, per time, ``*_time_upper_bound`` (True where the table
    prints ``<1``: the time is below the value, not equal to it). An objective printed ``inf.`` (the DC OPF of most
    SAD cases: infeasible) is read as inf, the optimum of an infeasible minimisation; its resolution is NaN. ``ac_objective_resolution`` is the unit of the
    last printed digit of the AC objective (five significant digits): a rounding of half of it is no difference."""
    rows = _table_lines((folder(path) / "BASELINE.md").read_text(), section)
    header = [_HEADERS.get(c, c) for c in _cells(rows[0])]
    raw = pd.DataFrame([_cells(r) for r in rows[1:]], columns=header).set_index("case")
    out = pd.DataFrame(index=raw.index)
    for col in header[1:]:
        values = raw[col]
        if col.endswith("_time_s"):
            out[f"{col.removesuffix('_s')}_upper_bound"] = values.str.startswith("<").to_numpy()
            values = values.str.lstrip("<")
        out[col] = pd.to_numeric(values.replace("inf.", "inf")).astype(float)
    out[["nodes", "edges"]] = out[["nodes", "edges"]].astype(int)
    out["ac_objective_resolution"] = [_resolution(v) for v in raw["ac_objective"]]
    return out


def _resolution(printed: str) -> float:
    """Unit of the last digit of a number printed in scientific notation (``2.1781e+03`` -> 0.1)."""
    mantissa, _, exponent = printed.lower().partition("e")
    if not np.isfinite(float(printed.rstrip("."))):  # "inf.": no digits to resolve
        return np.nan
    decimals = len(mantissa.partition(".")[2])
    return float(10.0 ** (int(exponent or 0) - decimals)) if mantissa else np.nan
