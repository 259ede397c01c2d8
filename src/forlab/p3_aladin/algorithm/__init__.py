"""ALADIN (and the ADMM baseline) on a generic consensus problem; nothing here knows about power systems.

* `problem`: the `ConsensusProblem` protocol (local problems, coupling matrices, local solvers, start).
* `options`: `ALADINOptions`, `ADMMOptions`.
* `qp`: the coordinator's coupled QP (eq. (p3-qp)) and the update (eq. (p3-update)).
* `loop`: the ALADIN iteration (`aladin`), written against the problem and an agents executor.
* `admm`: consensus ADMM (`admm`) on the same problem.
* `result`: `ALADINResult` and the iteration log's columns.
"""
