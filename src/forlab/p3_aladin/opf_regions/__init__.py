"""The AC-OPF of a network cut into regions, as one kind of consensus problem for the algorithms in
`forlab.p3_aladin.algorithm`.

* `partition`: regions with core and copy buses, consensus matrices (partition by zone: T+D systems and the rapidPF
  multi-region systems; spectral partition of transmission grids).
* `region`: the local agent (its own data, local NLP, sensitivities), in-process or as a Dask actor.
* `problem`: `ACOPFProblem`, the glue (cost scaling, start, consensus weights, power mismatch, reference).
* `solve`: `run_aladin`, `run_admm` on a pandapower net.
"""
