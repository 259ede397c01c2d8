"""P3: ALADIN distributed AC-OPF, regions that never share their grids (floor 4).

* `partition`: regions with core and copy buses, consensus matrices (zone partition of T+D systems, spectral
  partition of transmission grids).
* `region`: the local agent (its own data, local NLP, sensitivities), in-process or as a Dask actor.
* `coordinator`: the coupled QP and the primal-dual update, one function per ALADIN step.
* `run`: `run_aladin` with its options, execution modes and per-iteration log.
* `admm`: the ADMM baseline on the same partition and local solver.
"""

from forlab.p3_aladin.admm import ADMMOptions, run_admm
from forlab.p3_aladin.partition import Partition, RegionData, partition
from forlab.p3_aladin.region import Region
from forlab.p3_aladin.run import ITERATION_LOG, MODES, ALADINOptions, ALADINResult, RegionFailed, run_aladin

__all__ = [
    "ITERATION_LOG",
    "MODES",
    "ADMMOptions",
    "ALADINOptions",
    "ALADINResult",
    "Partition",
    "Region",
    "RegionData",
    "RegionFailed",
    "partition",
    "run_admm",
    "run_aladin",
]
