"""P2: machine-learned surrogate of a distribution system.

`dataset`: input spaces (FPU set-points in their PQ charts, PCC voltages, load factor), Latin Hypercube and
boundary sampling, batched Newton-Raphson power flows, labels. `polytope`: the max-affine feasibility classifier.
`regressors`: quadratic models of the PCC import. `model`: the `DSSurrogate` a DSO hands over, and its fitting.
`refine`: vertex refinement and certification of the polytope. `slices`: the polytope cut by the plane of two
inputs, an exact polygon for a figure. `formulations`: the models as CasADi terms of the
TSO's AC-OPF (the data classes hold no solver code). `tso`: the TSO AC-OPF with surrogates, validation by power flow,
benchmark against the integrated AC-OPF. The chapter's steps, store, tables and figures are
`forlab.studies.ch06_ml_surrogate`.
"""
