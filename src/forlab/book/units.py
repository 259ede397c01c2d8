"""Units of store variables: every variable a store holds carries ``attrs["units"]``.

A variable's unit follows from its name by the book's naming convention (a suffix says the unit: ``_mw``, ``_mvar``,
``_pu``, ``_s``, ``_pct``, ``_bytes`` ...), from its type (text is a label, ``"-"``; a flag is dimensionless, ``"1"``),
or from the table below for the names the convention cannot carry. A chapter that sets ``attrs["units"]`` itself
wins. `with_units` refuses a store with a numeric variable it cannot place, so a new variable without a unit fails
its chapter's test instead of reaching an archive unlabelled.
"""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

LABEL = "-"  # text: a name, a status, a kind (no physical unit)
ONE = "1"  # dimensionless: counts, flags, shares, ratios, scores

BY_AXIS = "MW | Mvar | p.u. (by axis)"  # a (P, Q, V) point at a PCC: each axis in its own unit
BY_INPUT = "MW | Mvar | p.u. | 1 (by input, see input_units)"  # a surrogate input vector: each entry in its own unit
NORMALISED = ONE  # a point in the offer's box-normalised coordinates, [-1, 1] on every axis (`forlab.p1_for.offer`)

# names the convention cannot carry (mixed-unit points, normalised points and metrics)
_NAMED: dict[str, str] = {
    "box_lo": BY_AXIS, "box_hi": BY_AXIS,
    # chapter 04 keeps its sample points in the box-normalised coordinates the polynomial and the price act on
    "labelled_point": NORMALISED, "labelled_projection": NORMALISED, "boundary_point": NORMALISED,
    "cost_point": NORMALISED, "cost_gradient": "$/h per box-normalised unit",
    "flows_per_second": "1/s", "it_power_mismatch": "p.u.", "t_load_average": ONE, "reg": ONE,
    "variant_value": ONE, "slice_g": ONE, "slice_u_ref": BY_INPUT, "tso_u_peak": BY_INPUT, "polytope_offset": ONE,
    "max_pcc_error": ONE, "max_support_excess": ONE,  # box-normalised, like pcc_mismatch (P1 checks)
}

# (suffix or whole-name pattern, unit); first match wins, so the longer suffix comes first. A unit suffix wins over
# the dimensionless words after it (pcc_mismatch_mw is in MW, success_time_s in s, pcc_mismatch stays "1"); a
# dimensionless suffix wins over a unit inside the name (test_p_mw_r2 is an R², "1").
_RULES: tuple[tuple[str, str], ...] = (
    (r"_r2$|_scale$|_ok$|_in_systems$", ONE),
    (r"_time_ms$|_ms$", "ms"),
    (r"_s$|_seconds$", "s"),
    (r"_mvar$|_mvar_", "Mvar"),
    (r"_mw$|_mw_", "MW"),
    (r"_kw$", "kW"),
    (r"_kv$", "kV"),
    (r"_ka$", "kA"),
    (r"_pu$|_pu_|^vm$|^va_pu$", "p.u."),
    (r"_deg$|_degree$", "degree"),
    (r"_rad$", "rad"),
    (r"_pct$|_percent$|_percent_", "%"),
    (r"rel_error|mismatch|feasible|converged|success|(^|_)is_|offset|load_average", ONE),
    (r"loading", "%"),
    (r"bytes", "bytes"),
    (r"cost|objective|price|_reference$", "$/h"),
    ((r"(^|_)(n|count|iterations?|rounds|samples|steps|workers|cores|repeats|buses|branches|fpus|pccs|facets|"
      r"vertices|regions|variables|rows|degree|level|index|seed|numbers|candidate|directions)(_|$)"), ONE),
    ((r"(share|rate|ratio|accuracy|_r2|score|fraction|scale|scaling|factor|gap|consensus|distance|step|mu|rho|"
      r"lambda|temperature|loss|volume|weight|margin|normal|upper|_f$|^f$|^u$|axis|_x\d?$|_y\d?$|_x_|_y_)"), ONE),
)


def unit_of(name: str, da: xr.DataArray) -> str | None:
    """The unit of variable ``name`` by the naming convention and its type; None when neither tells."""
    if "units" in da.attrs:
        return str(da.attrs["units"])
    if da.dtype.kind in "OSU":
        return LABEL
    if da.dtype.kind == "b":
        return ONE
    lower = name.lower()
    if lower in _NAMED:
        return _NAMED[lower]
    for pattern, unit in _RULES:
        if re.search(pattern, lower):
            return unit
    if da.dtype.kind in "iu" and np.issubdtype(da.dtype, np.integer):
        return ONE  # integer variables are counts, indices or 0/1 flags in every chapter
    return None


def with_units(ds: xr.Dataset, strict: bool = True) -> xr.Dataset:
    """``ds`` with ``attrs["units"]`` on every data variable and coordinate; ValueError naming those it cannot place
    (``strict=False``: leaves those without, for reading stores written before this rule)."""
    unknown = []
    for name in list(ds.variables):
        unit = unit_of(str(name), ds[name])
        if unit is None:
            unknown.append(str(name))
        else:
            ds[name].attrs["units"] = unit
    if unknown and strict:
        raise ValueError(f"store variables without units: {', '.join(sorted(unknown))}; set attrs['units'] on each "
                         f"(or name it by the convention in forlab.book.units: _mw, _mvar, _pu, _s, _pct, _bytes ...)")
    return ds
