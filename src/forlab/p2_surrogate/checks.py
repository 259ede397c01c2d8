"""The field checks of P2's files (a surrogate, its input space, polytope and regressors in dict form).

A surrogate comes from a DSO as JSON; whatever is wrong in it must stop the TSO at load time with a ValueError
naming the field and what to change, not later as a KeyError, a silently dropped input or a solver's
Invalid_Number_Detected. These helpers are the shared vocabulary of `forlab.p2_surrogate.dataset.check_space_dict`,
`forlab.p2_surrogate.polytope.check_polytope_dict`, `forlab.p2_surrogate.regressors.check_regressor_dict` and
`forlab.p2_surrogate.model.check_surrogate_dict`.
"""

from __future__ import annotations

import numpy as np

from forlab.grid.validate import finite_numbers, short

__all__ = ["names", "numbers", "section", "short"]


def section(d: dict, key: str, where: str, kind: type = dict, required: bool = True):
    """``d[key]`` when it is a ``kind`` (absent and not ``required``: None); ValueError naming ``where.key``."""
    if key not in d and not required:
        return None
    value = d.get(key)
    if not isinstance(value, kind):
        # a malformed file is a ValueError whatever is wrong in it: one error for callers to catch
        got = "missing" if key not in d else f"a {type(value).__name__}"
        raise ValueError(f"{where}.{key} must be a {kind.__name__}, but is {got}")  # noqa: TRY004
    return value


def numbers(value, shape: tuple, what: str) -> np.ndarray:
    """``value`` as a float array of ``shape`` (None: any length) with finite entries
    (`forlab.grid.validate.finite_numbers`); ValueError naming ``what``."""
    return finite_numbers(value, shape, what)


def names(value, expected: list[str] | None, what: str) -> list[str]:
    """``value`` as a list of strings, equal to ``expected`` when given; ValueError naming ``what``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of input names, got {short(value)}")
    if expected is not None and value != list(expected):
        raise ValueError(f"{what} must be the input space's {len(expected)} inputs {expected}, got {short(value)}")
    return value
