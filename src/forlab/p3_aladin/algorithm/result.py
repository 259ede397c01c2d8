"""The outcome of a distributed run: `ALADINResult` and the columns of its per-iteration log (`ITERATION_LOG`).

Units as the problem gives them; for the AC-OPF: rad / p.u., costs per hour, seconds, bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class ALADINResult:
    """Outcome of one distributed run (ALADIN or ADMM).

    Attributes:
        algorithm: "aladin" or "admm". mode: execution mode (`forlab.p3_aladin.execution.MODES`).
        converged: termination test met (eq. (p3-stop) for ALADIN).
        iterations: number of local steps done. objective: sum of the regions' unit costs at the last local
            solutions (per hour). reference: the problem's reference optimum (the centralized AC-OPF, per hour;
            nan when not available; every gap is nan where it is nan or 0, `relative_gap`).
        log: one row per iteration (see `ITERATION_LOG` for the columns).
        messages: one row per (direction, field): what crosses the wire in one iteration, with its size and bytes.
        xs: last local solutions (local layouts). regions: region names. workers: where each region ran.
        setup_s: time to create the regions (s). total_s: wall time of the iterations (s).
        options: the options used (dict).
    """

    algorithm: str
    mode: str
    converged: bool
    iterations: int
    objective: float
    reference: float
    log: pd.DataFrame
    messages: pd.DataFrame
    xs: list
    regions: list
    workers: list
    setup_s: float
    total_s: float
    options: dict
    status: str = ""

    @property
    def gap(self) -> float:
        """Relative optimality gap |objective - reference| / |reference| (dimensionless; `relative_gap`)."""
        return relative_gap(self.objective, self.reference)

    @property
    def consensus(self) -> float:
        """Final consensus violation max|sum A_i x_i| (rad / p.u.)."""
        return float(self.log["consensus"].iloc[-1]) if len(self.log) else float("nan")


def relative_gap(objective: float, reference: float) -> float:
    """|objective - reference| / |reference| (dimensionless), NaN where the reference is 0 or NaN: a reference
    optimum of 0 (a problem whose optimum costs nothing) or one that is unknown (a failed centralized solve) is no
    yardstick for a relative gap, and a gap is never a number without one; the algorithms' steps never use it."""
    if reference == 0.0:
        return float("nan")
    return abs(objective - reference) / abs(reference)


ITERATION_LOG = {
    "consensus": "max |sum_i A_i x_i| of the local solutions (rad / p.u.)",
    "power_mismatch": "max over consensus rows of |residual| x tie admittance (p.u. of power)",
    "step": "ALADIN: max_i ||x_i - z_i||_inf, how far the local solutions landed from their iterates (rad / p.u.); "
            "ADMM: its dual residual rho max|z - z_previous| (scaled cost per p.u.), which its stopping test uses",
    "objective": "sum of the regions' unit costs at the local solutions (per hour)",
    "gap": "|objective - centralized optimum| / |centralized optimum|; nan where that optimum is unknown or 0 "
           "(`relative_gap`)",
    "rho": "penalty of the local NLPs in this iteration (a cycling region's own is a multiple of it, `cycling`)",
    "mu": "penalty of the QP slack in this iteration",
    "cycling": "regions found cycling in this round (their active-limit count and the sign of their largest "
               "consensus residual alternated in each of the last rounds, `forlab.p3_aladin.algorithm.cycling`); "
               "with ALADINOptions.cycle_damping above 1 their own rho grows from the next round",
    "local_s": "local NLP time of the slowest region (s)",
    "reduction_s": "local reduction / sensitivity time of the slowest region (s)",
    "local_sum_s": "local time (NLP + reduction) summed over regions: the round's in-process sequential time (s)",
    "coordinator_s": "coordinator time: set up and solve the coupled QP / the averaging step (s)",
    "communication_s": "round-trip wall time minus local compute (the busiest worker's: its regions' compute summed; in-process the sum over regions) (s)",
    "round_wall_s": "wall time of the round: local steps of all regions as run (requests out, replies in) plus the "
                    "coordinator (s)",
    "iter_s": "wall time of the whole iteration, bookkeeping included (s)",
    "bytes_down": "pickled bytes sent coordinator -> regions",
    "bytes_up": "pickled bytes sent regions -> coordinator",
    "n_active": "active inequality constraints and bounds, all regions",
    "nlp_iterations": "Ipopt iterations, max over regions",
    "nlp_ok": "all local NLPs solved (Ipopt success or acceptable), 1/0",
    "qp_status": "the coupled QP's outcome: solved, qp_failed: <reason>, or not run (the round stopped the run)",
    "qp_path": "how the coordinator solved its QP: 'dense' (qp='reduced': the coupled reduced Hessian, the default "
               "path and the fallback of ALADINOptions.condense), 'condensed' or 'condensed, shifted' (qp='reduced' "
               "with condense: in the consensus rows and near limits, from the regions' condensed messages; "
               "'shifted' when the coupled Hessian needed a shift, `forlab.p3_aladin.algorithm.qp.convex_coupling`), "
               "'coupled' or 'kkt' (those forms), '' where no QP was solved (the round that stopped the run, a QP "
               "that failed)",
    "lambda_min": "smallest eigenvalue before regularisation: of the regions' locally condensed reduced Hessians "
                  "(qp='reduced', condensed path), of the coupled reduced Hessian (qp='reduced', dense path, and "
                  "qp='coupled'); nan for 'kkt'",
    "newton": "fraction of the exact Newton step on the active face the QP's step took "
              "(`forlab.p3_aladin.algorithm.qp.newton_on_face`; 1 for an active-set step with the exact Hessian): "
              "qp='reduced' on the dense path and qp='coupled'; nan on the condensed path, for 'kkt', where no "
              "limit was near (the unconstrained step) and where no QP was solved",
    "step_fraction": "smallest fraction of its step a region took to keep its linearised limits (qp='reduced'), 1",
    "reduced_dim": "free directions of all regions: the number of variables of the coupled QP (qp='reduced')",
    "qp_rows": "limits the regions sent to the coupled QP, those its step would cross included (qp='reduced'; nan "
               "when no QP was solved)",
    "limit_passes": "re-solves of the coupled QP with the far limits its step would cross (qp='reduced', "
                    "`keep_crossed_limits`), 0 when none was needed",
    "limit_trips": "round trips that asked the regions which unwatched far limits a tentative step would cross "
                   "(qp='reduced', `keep_crossed_limits`)",
}
"""The columns of a run's per-iteration log and their meaning. Logs of earlier versions also held ``nlp_s``,
``qp_s`` and ``comm_s``, copies of ``local_s``, ``coordinator_s`` and ``communication_s`` (the oldest, the copies
alone); the stores that keep them are read through fallbacks to them (`forlab.studies.outcomes.aladin_seconds`,
`forlab.studies.ch07_aladin.readers.SPLIT`)."""
