"""P1: the PQV feasible operating region (FOR) of a DS offered to the TSO (chapters 03 to 05).

Modules, in the order of the method: `dso_opf` (the DS OPF family: eqs. (p1-box), (p1-projection), (p1-support),
(p1-dso)), `sampling` (stages 1 and 2, eq. (p1-fibonacci)), `polynomial` (eqs. (p1-polynomial), (p1-sos),
(p1-margin)), `price` (eq. (p1-price)), `offer` (the offer as data), `formulations` (its CasADi and Pyomo forms),
`representation` (from samples to an offer, with held-out errors), `tso` (eq. (p1-tso)), `coordinate` (one case:
eqs. (p1-dso) and (p1-deviation)) and `checks` (the samples against pandapower's power flow).
"""
