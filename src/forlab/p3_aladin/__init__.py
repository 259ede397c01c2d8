"""P3: ALADIN distributed AC-OPF, regions that never share their grids.

* `algorithm`: ALADIN and ADMM on a generic consensus problem (problem protocol, options, the coupled QP, the
  iteration, the result); it imports nothing about power systems.
* `opf_regions`: a partitioned AC network as one kind of consensus problem (partition, the region's local NLP, the
  glue: cost scaling, start, consensus weights, reference), and `run_aladin` / `run_admm` on a pandapower net.
* `execution`: where the local solvers run (in-process or as Dask actors), message accounting, sessions.
"""

from forlab.p3_aladin.algorithm.options import ADMMOptions, ALADINOptions
from forlab.p3_aladin.algorithm.result import ITERATION_LOG, ALADINResult
from forlab.p3_aladin.execution import MODES, RegionFailed
from forlab.p3_aladin.opf_regions.partition import Partition, RegionData, partition
from forlab.p3_aladin.opf_regions.region import Region
from forlab.p3_aladin.opf_regions.solve import run_admm, run_aladin

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
