"""Quadratic regressors of the PCC import: y(u) = c0 + g . z + 1/2 z' H z with z = (u - mean) / scale.

One regressor per PCC and quantity (P in MW, Q in Mvar, import from the TS into the DS). Fitted by ridge least
squares on the monomials of z up to degree 2 (the intercept is not penalised); a closed form, so reproducible.
Like `forlab.p2_surrogate.polytope.Polytope`, a `QuadraticRegressor` is a plain data object: JSON round trip and numpy
`predict`; `forlab.p2_surrogate.formulations.regressor_expression` writes it into an OPF. The model is eq.
(p2-regressors), chapter 06.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from forlab.p2_surrogate.checks import names, numbers, section
from forlab.p2_surrogate.polytope import standardiser

__all__ = ["QuadraticRegressor", "check_regressor_dict", "errors", "fit_quadratic"]


@dataclass
class QuadraticRegressor:
    """y(u) = c0 + g . z + 1/2 z' H z, z = (u - mean) / scale; H symmetric.

    output: what y is (e.g. "p_mw[pcc0]"), units: its unit; input_names: the d inputs; info: fit options and scores.
    """

    c0: float
    g: np.ndarray
    h: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    input_names: list[str]
    output: str = "y"
    units: str = ""
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.c0 = float(self.c0)
        self.g = np.asarray(self.g, float).ravel()
        self.h = np.atleast_2d(np.asarray(self.h, float))
        self.mean = np.asarray(self.mean, float).ravel()
        self.scale = np.asarray(self.scale, float).ravel()
        d = len(self.g)
        if self.h.shape != (d, d) or len(self.mean) != d or len(self.scale) != d or len(self.input_names) != d:
            raise ValueError("inconsistent regressor shapes")

    @property
    def dim(self) -> int:
        return len(self.g)

    def predict(self, u) -> np.ndarray:
        """(N,) predictions for inputs u (N, d) in original units: eq. (p2-regressors)."""
        z = (np.atleast_2d(np.asarray(u, float)) - self.mean) / self.scale
        return self.c0 + z @ self.g + 0.5 * np.einsum("ni,ij,nj->n", z, self.h, z)

    def to_dict(self) -> dict:
        return {"kind": "quadratic_regressor", "c0": self.c0, "g": self.g.tolist(), "h": self.h.tolist(),
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "input_names": list(self.input_names),
                "output": self.output, "units": self.units, "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> QuadraticRegressor:
        """The regressor of a `to_dict` dict; ValueError naming a malformed field (`check_regressor_dict`)."""
        check_regressor_dict(d)
        return cls(d["c0"], d["g"], d["h"], d["mean"], d["scale"], list(d["input_names"]), d.get("output", "y"),
                   d.get("units", ""), dict(d.get("info", {})))


def check_regressor_dict(d, input_names: list[str] | None = None, where: str = "regressor") -> None:
    """The checks of a regressor in dict form: kind, finite c0, g (d,), h (d, d), mean (d,), positive scale (d,) and
    input names (equal to ``input_names`` when given, so that no input is dropped). ValueError naming the field
    (``where``.field) and what is wrong."""
    if not isinstance(d, dict) or d.get("kind") != "quadratic_regressor":
        kind = d.get("kind") if isinstance(d, dict) else type(d).__name__
        raise ValueError(f"{where} is not a quadratic regressor: kind {kind!r}, expected 'quadratic_regressor'")
    dim = None if input_names is None else len(input_names)
    numbers(d.get("c0"), (), f"{where}.c0")
    dim = len(numbers(d.get("g"), (dim,), f"{where}.g (one per input)"))
    numbers(d.get("h"), (dim, dim), f"{where}.h")
    numbers(d.get("mean"), (dim,), f"{where}.mean (one per input)")
    scale = numbers(d.get("scale"), (dim,), f"{where}.scale (one per input)")
    if np.any(scale <= 0):
        raise ValueError(f"{where}.scale must be positive (z = (u - mean) / scale), got {scale.tolist()}")
    names(d.get("input_names"), input_names, f"{where}.input_names")
    for key in ("output", "units"):
        section(d, key, where, str, required=False)
    section(d, "info", where, required=False)


def _features(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[1, z, z_i z_j (i <= j)] and the (i, j) index pairs of the quadratic columns."""
    iu, ju = np.triu_indices(z.shape[1])
    return np.hstack([np.ones((len(z), 1)), z, z[:, iu] * z[:, ju]]), iu, ju


def fit_quadratic(u, y, ridge: float = 1e-6, input_names=None, output: str = "y", units: str = "") -> \
        QuadraticRegressor:
    """Ridge least-squares fit of a `QuadraticRegressor` to samples (u (N, d), y (N,)): implements eq.
    (p2-regressors), chapter 06.

    ridge: penalty on the linear and quadratic coefficients relative to the mean squared feature (dimensionless).
    """
    u = np.asarray(u, float)
    y = np.asarray(y, float).ravel()
    if u.ndim != 2 or len(u) != len(y):
        raise ValueError("u must be (N, d) and y (N,)")
    ok = np.isfinite(y) & np.all(np.isfinite(u), axis=1)
    u, y = u[ok], y[ok]
    d = u.shape[1]
    mean, scale = standardiser(u)
    z = (u - mean) / scale
    x, iu, ju = _features(z)
    if len(y) < x.shape[1]:
        raise ValueError(f"{len(y)} samples cannot fit {x.shape[1]} quadratic coefficients")
    gram = x.T @ x / len(y)
    pen = np.full(x.shape[1], ridge * np.trace(gram) / x.shape[1])
    pen[0] = 0.0
    coef = np.linalg.solve(gram + np.diag(pen), x.T @ y / len(y))
    g = coef[1 : d + 1]
    h = np.zeros((d, d))
    q = coef[d + 1 :]
    # 1/2 z' H z = sum_{i<=j} q_ij z_i z_j  =>  H_ii = 2 q_ii, H_ij = H_ji = q_ij (i < j)
    h[iu, ju] = q
    h = h + h.T
    reg = QuadraticRegressor(coef[0], g, h, mean, scale,
                             list(input_names) if input_names is not None else [f"u{j}" for j in range(d)],
                             output, units, {"ridge": ridge, "n_train": len(y)})
    reg.info.update({f"train_{k}": v for k, v in errors(reg, u, y).items()})
    return reg


def errors(reg: QuadraticRegressor, u, y) -> dict:
    """Root-mean-square, mean absolute and largest absolute error (units of y), and R^2, on (u, y)."""
    y = np.asarray(y, float).ravel()
    ok = np.isfinite(y)
    e = reg.predict(np.asarray(u, float)[ok]) - y[ok]
    var = float(np.var(y[ok]))
    return {"rmse": float(np.sqrt(np.mean(e**2))), "mae": float(np.mean(np.abs(e))),
            "max_abs_error": float(np.max(np.abs(e))), "r2": float(1 - np.mean(e**2) / var) if var > 0 else np.nan}
