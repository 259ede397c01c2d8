"""Solve the AC-OPF of a network by ALADIN or ADMM over its regions: `run_aladin`, `run_admm`.

Both build the `ACOPFProblem` of the partitioned net (partition, cost scale, reference) and hand it to the generic
algorithm (`forlab.p3_aladin.algorithm.loop.aladin`, `forlab.p3_aladin.algorithm.admm.admm`) through
`forlab.p3_aladin.execution.run`, which places the regions (in-process or as Dask actors) and cleans up.

Costs are in the currency of the case per hour (MATPOWER: $/h); angles rad, magnitudes and powers p.u.
"""

from __future__ import annotations

from forlab.p3_aladin.algorithm.admm import admm
from forlab.p3_aladin.algorithm.loop import aladin
from forlab.p3_aladin.algorithm.options import ADMMOptions, ALADINOptions
from forlab.p3_aladin.algorithm.result import ALADINResult
from forlab.p3_aladin.execution import check_mode, run
from forlab.p3_aladin.opf_regions.partition import Partition
from forlab.p3_aladin.opf_regions.partition import partition as make_partition
from forlab.p3_aladin.opf_regions.problem import ACOPFProblem, auto_cost_scale, reference_objective


def acopf_problem(net, partition: Partition | None, options, *, reference: float | None = None,
                  method: str = "spectral", n_regions: int = 3) -> ACOPFProblem:
    """The consensus problem of ``net``'s AC-OPF over ``partition`` (default: ``method``/``n_regions`` partition
    of the net), with the cost scale of ``options`` (automatic when None: `auto_cost_scale`) and the reference
    optimum (computed with `forlab.opf.solve` when None; used for reporting only, never for initialisation).
    Raises `ValueError` when ``net`` was edited after ``partition`` was made from it (`Partition.check_net`)."""
    if partition is not None:
        partition.check_net(net)
    part = make_partition(net, method=method, n_regions=n_regions) if partition is None else partition
    scale = options.cost_scale if options.cost_scale is not None else auto_cost_scale(part)
    ref = reference_objective(net) if reference is None else float(reference)
    return ACOPFProblem(net, part, float(scale), ref)


def run_aladin(net, partition: Partition | None = None, options: ALADINOptions | None = None, *,
               mode: str = "inprocess", latency_ms: float = 0.0, reference: float | None = None,
               method: str = "spectral", n_regions: int = 3, **execution) -> ALADINResult:
    """Solve the AC-OPF of ``net`` by ALADIN over ``partition`` (`forlab.p3_aladin.algorithm.loop`).

    mode, latency_ms and ``execution`` (client, address, n_workers, callback): see `forlab.p3_aladin.execution.run`.
    reference, method, n_regions: see `acopf_problem`.
    """
    options = options or ALADINOptions()
    check_mode(mode, latency_ms)
    problem = acopf_problem(net, partition, options, reference=reference, method=method, n_regions=n_regions)
    return run(aladin, problem, options, mode=mode, latency_ms=latency_ms, **execution)


def run_admm(net, partition: Partition | None = None, options: ADMMOptions | None = None, *,
             mode: str = "inprocess", latency_ms: float = 0.0, reference: float | None = None,
             method: str = "spectral", n_regions: int = 3, **execution) -> ALADINResult:
    """Solve the AC-OPF of ``net`` by ADMM over ``partition`` (`forlab.p3_aladin.algorithm.admm`); arguments as
    for `run_aladin`. The result's log has those of ALADIN's columns that apply to ADMM (``step`` holds the dual
    residual, in scaled cost per p.u., ``coordinator_s`` the averaging time; the ALADIN-only ones are absent,
    `forlab.p3_aladin.algorithm.admm.admm_row`)."""
    options = options or ADMMOptions()
    check_mode(mode, latency_ms)
    problem = acopf_problem(net, partition, options, reference=reference, method=method, n_regions=n_regions)
    return run(admm, problem, options, mode=mode, latency_ms=latency_ms, **execution)
