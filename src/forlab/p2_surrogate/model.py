"""The surrogate a DSO hands to the TSO, and how it is fitted from a dataset.

A `DSSurrogate` bundles exactly what leaves the DSO:

* the input space (`forlab.p2_surrogate.dataset.InputSpace`): each FPU's PQ chart and cost coefficients (its offer),
  the number of PCCs and the sampled ranges of the PCC voltages, angle difference and load factor;
* the feasibility polytope (`forlab.p2_surrogate.polytope.Polytope`): K facets over the inputs;
* one pair of quadratic regressors (`forlab.p2_surrogate.regressors.QuadraticRegressor`) per PCC: import P (MW) and
  Q (Mvar) as functions of the inputs.

No bus, branch, impedance or load of the DS is in it. `to_dict`/`save` give the JSON that would be sent;
`payload_bytes` its size.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from forlab.p2_surrogate.checks import section
from forlab.p2_surrogate.dataset import InputSpace, label
from forlab.p2_surrogate.polytope import (
    Polytope,
    PolytopeOptions,
    calibrate,
    check_polytope_dict,
    scores,
    train_polytope,
)
from forlab.p2_surrogate.regressors import QuadraticRegressor, check_regressor_dict, errors, fit_quadratic

__all__ = ["PAIR", "DSSurrogate", "SurrogateOptions", "check_surrogate_dict", "evaluate_polytope",
           "evaluate_regressors", "evaluate_surrogate", "fit_polytope", "fit_regressors", "fit_surrogate",
           "regression_samples", "split"]


PAIR = ("p_mw", "q_mvar")
"""The regressors of one PCC: import P (MW) and Q (Mvar)."""


@dataclass
class DSSurrogate:
    """Input space + polytope + per-PCC regressors of one DS (see module docstring).

    regressors: one dict per PCC, {"p_mw": QuadraticRegressor, "q_mvar": QuadraticRegressor}.
    """

    space: InputSpace
    polytope: Polytope
    regressors: list[dict[str, QuadraticRegressor]]
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if len(self.regressors) != self.space.n_pcc:
            raise ValueError(f"{len(self.regressors)} regressor pairs for {self.space.n_pcc} PCCs")
        if list(self.polytope.input_names) != self.space.names:
            raise ValueError("the polytope's inputs differ from the input space")
        for k, pair in enumerate(self.regressors):
            # the TSO's OPF reads exactly these two per PCC, over every input of the space
            if set(pair) != set(PAIR) or any(list(r.input_names) != self.space.names for r in pair.values()):
                raise ValueError(f"regressor pair {k} must hold {PAIR} over the input space's inputs")

    @property
    def ds(self) -> str:
        return self.space.ds

    def predict_import(self, u) -> tuple[np.ndarray, np.ndarray]:
        """Predicted PCC import (N, n_pcc) in MW and Mvar for inputs u (N, d)."""
        u = np.atleast_2d(np.asarray(u, float))
        p = np.column_stack([r["p_mw"].predict(u) for r in self.regressors])
        q = np.column_stack([r["q_mvar"].predict(u) for r in self.regressors])
        return p, q

    def to_dict(self) -> dict:
        return {"kind": "ds_surrogate", "space": self.space.to_dict(), "polytope": self.polytope.to_dict(),
                "regressors": [{k: r.to_dict() for k, r in pair.items()} for pair in self.regressors],
                "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> DSSurrogate:
        """The surrogate of a `to_dict` dict; ValueError naming a malformed field (`check_surrogate_dict`)."""
        check_surrogate_dict(d)
        return cls(InputSpace.from_dict(d["space"]), Polytope.from_dict(d["polytope"]),
                   [{k: QuadraticRegressor.from_dict(r) for k, r in pair.items()} for pair in d["regressors"]],
                   dict(d.get("info", {})))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), default=_json_default)

    @classmethod
    def from_json(cls, text: str) -> DSSurrogate:
        return cls.from_dict(json.loads(text))

    def payload_bytes(self) -> int:
        """Size of the JSON the DSO sends (bytes)."""
        return len(self.to_json().encode())


def check_surrogate_dict(d) -> None:
    """The checks of a surrogate in file form (`DSSurrogate.to_dict`), before anything is built from it: kind, the
    input space (`forlab.p2_surrogate.dataset.check_space_dict`), the polytope and one pair of regressors per PCC
    over exactly the space's inputs (`check_polytope_dict`, `check_regressor_dict`: shapes, finite numbers, positive
    scales). ValueError naming the field and what is wrong."""
    if not isinstance(d, dict) or d.get("kind") != "ds_surrogate":
        kind = d.get("kind") if isinstance(d, dict) else type(d).__name__
        raise ValueError(f"not a DS surrogate: kind {kind!r}, expected 'ds_surrogate'")
    space = InputSpace.from_dict(section(d, "space", "surrogate"))
    names = space.names
    check_polytope_dict(section(d, "polytope", "surrogate"), names, "polytope")
    pairs = section(d, "regressors", "surrogate", list)
    if len(pairs) != space.n_pcc:
        raise ValueError(f"regressors has {len(pairs)} pairs for {space.n_pcc} PCCs: one {PAIR} pair per PCC")
    for k, pair in enumerate(pairs):
        if not isinstance(pair, dict) or set(pair) != set(PAIR):
            got = sorted(pair) if isinstance(pair, dict) else type(pair).__name__
            raise ValueError(f"regressors[{k}] must hold exactly {PAIR}, got {got}")
        for var in PAIR:
            check_regressor_dict(pair[var], names, f"regressors[{k}].{var}")
    section(d, "info", "surrogate", required=False)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


@dataclass(frozen=True)
class SurrogateOptions:
    """How a surrogate is fitted.

    polytope: `PolytopeOptions`. ridge: of the quadratic regressors. vm_margin_pu, loading_margin_percent: the
    training labels call a sample feasible only this far inside the voltage band (p.u.) and below 100 % loading
    (percent): a region shrunk by a safety margin. max_false_feasible: `calibrate` target on the training set.
    regress_on: "feasible" (samples feasible without margins) or "converged" (every converged sample).
    """

    polytope: PolytopeOptions = field(default_factory=PolytopeOptions)
    ridge: float = 1e-6
    vm_margin_pu: float = 0.002
    loading_margin_percent: float = 2.0
    max_false_feasible: float = 0.0
    regress_on: str = "feasible"

    def __post_init__(self):
        if not 0.0 <= self.max_false_feasible <= 1.0:
            raise ValueError(f"max_false_feasible must be a rate in [0, 1], got {self.max_false_feasible!r}")
        # a negative margin would label samples beyond the limits feasible (an unsafe region, found only by the TSO's
        # dispatch); a loading margin of 100 % or more leaves no sample feasible, found only after the power flows
        if not (math.isfinite(self.vm_margin_pu) and self.vm_margin_pu >= 0):
            raise ValueError(f"vm_margin_pu must be a finite number >= 0 (how far inside the voltage band, in p.u., "
                             f"a training sample must stay to count as feasible; 0: no margin), got "
                             f"{self.vm_margin_pu!r}")
        if not 0.0 <= self.loading_margin_percent < 100.0:  # also NaN
            raise ValueError(f"loading_margin_percent must lie in [0, 100) (how far below 100 % loading, in percent, "
                             f"a training sample's branches must stay to count as feasible; 0: no margin), got "
                             f"{self.loading_margin_percent!r}")
        if self.regress_on not in ("feasible", "converged"):
            raise ValueError(f"regress_on must be 'feasible' or 'converged', not {self.regress_on!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["polytope"]["temperatures"] = list(self.polytope.temperatures)
        return d


def split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random (train, test) index split of n samples."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = max(1, round(test_fraction * n))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def _rows(data, rows) -> np.ndarray:
    """The sample rows a fit or a score uses: ``rows`` (indices), or every sample of ``data`` when None."""
    return np.arange(data.sizes["sample"]) if rows is None else np.asarray(rows)


def fit_polytope(data: xr.Dataset, space: InputSpace, options: SurrogateOptions = SurrogateOptions(),
                 train: np.ndarray | None = None, validation: np.ndarray | None = None) -> \
        tuple[Polytope, pd.DataFrame]:
    """The polytope of `fit_surrogate` alone: trained on the margin labels of the ``train`` samples, then calibrated.
    Returns it and its training history (validation columns from the ``validation`` samples)."""
    idx = _rows(data, train)
    u_all = data["u"].values
    lab = label(data, options.vm_margin_pu, options.loading_margin_percent)
    u, y = u_all[idx], lab[idx]
    val = {} if validation is None else {"u_val": u_all[validation], "feasible_val": lab[validation]}
    poly, hist = train_polytope(u, y, options.polytope, space.names, **val)
    poly = calibrate(poly, u, y, options.max_false_feasible)
    poly.info.update({f"calibrated_train_{k}": v for k, v in scores(poly, u, y).items()})
    return poly, hist


def regression_samples(data: xr.Dataset, options: SurrogateOptions, train: np.ndarray | None = None) -> np.ndarray:
    """The ``train`` samples the regressors are fitted on (``options.regress_on``)."""
    idx = _rows(data, train)
    mask = data["feasible"].values[idx] if options.regress_on == "feasible" else data["converged"].values[idx]
    return idx[mask.astype(bool)]


def fit_regressors(data: xr.Dataset, space: InputSpace, options: SurrogateOptions = SurrogateOptions(),
                   train: np.ndarray | None = None) -> list[dict[str, QuadraticRegressor]]:
    """One pair of quadratic regressors (P in MW, Q in Mvar) per PCC, fitted on `regression_samples`. ValueError when
    they are fewer than a full quadratic's coefficients, (d + 1)(d + 2) / 2 for d inputs."""
    idx = regression_samples(data, options, train)
    u = data["u"].values[idx]
    regs = []
    for k in range(space.n_pcc):
        pair = {}
        for var, unit in (("p_mw", "MW"), ("q_mvar", "Mvar")):
            pair[var] = fit_quadratic(u, data[var].values[idx, k], options.ridge, space.names, f"{var}[pcc{k}]", unit)
        regs.append(pair)
    return regs


def fit_surrogate(data: xr.Dataset, space: InputSpace, options: SurrogateOptions = SurrogateOptions(),
                  train: np.ndarray | None = None, validation: np.ndarray | None = None) -> \
        tuple[DSSurrogate, pd.DataFrame]:
    """Fit the polytope (on margin labels, then calibrated: `fit_polytope`, eq. (p2-training)) and the regressors
    (`fit_regressors`, eq. (p2-regressors)) on the ``train`` samples of ``data``.

    Returns the surrogate and the polytope's training history (`train_polytope`; validation columns from the
    ``validation`` samples, labelled with the same margins).
    """
    idx = _rows(data, train)
    poly, hist = fit_polytope(data, space, options, idx, validation)
    regs = fit_regressors(data, space, options, idx)
    info = {"options": options.to_dict(), "n_train": len(idx), "dataset_seed": int(data.attrs.get("seed", -1))}
    return DSSurrogate(space, poly, regs, info), hist


def evaluate_polytope(poly: Polytope, data: xr.Dataset, samples: np.ndarray | None = None,
                      options: SurrogateOptions | None = None) -> dict:
    """Classifier scores of ``poly`` on ``samples`` of ``data`` against the true labels (no margin): accuracy,
    false_feasible_rate, false_infeasible_rate; and, with ``options``, against the margin labels it was trained on
    (prefix ``margin_``)."""
    idx = _rows(data, samples)
    u = data["u"].values[idx]
    out = scores(poly, u, data["feasible"].values[idx].astype(bool))
    if options is not None:
        lab = label(data, options.vm_margin_pu, options.loading_margin_percent)[idx]
        out.update({f"margin_{k}": v for k, v in scores(poly, u, lab).items()})
    return out


def evaluate_regressors(regressors: list[dict[str, QuadraticRegressor]], data: xr.Dataset,
                        samples: np.ndarray | None = None) -> dict:
    """Regressor errors on the feasible ``samples`` of ``data``: rmse / max_abs_error of P (MW) and Q (Mvar) and
    r2, worst PCC."""
    idx = _rows(data, samples)
    u = data["u"].values[idx]
    feas = data["feasible"].values[idx].astype(bool)
    out = {}
    for var in ("p_mw", "q_mvar"):
        errs = [errors(pair[var], u[feas], data[var].values[idx, k][feas]) for k, pair in enumerate(regressors)]
        out[f"{var}_rmse"] = max(e["rmse"] for e in errs)
        out[f"{var}_max_abs_error"] = max(e["max_abs_error"] for e in errs)
        out[f"{var}_r2"] = min(e["r2"] for e in errs)
    return out


def evaluate_surrogate(sur: DSSurrogate, data: xr.Dataset, samples: np.ndarray | None = None,
                       options: SurrogateOptions | None = None) -> dict:
    """Held-out scores of a surrogate on ``samples`` of ``data``: `evaluate_polytope` and `evaluate_regressors`."""
    return {**evaluate_polytope(sur.polytope, data, samples, options),
            **evaluate_regressors(sur.regressors, data, samples)}
