"""P1: the PQV feasible operating region of a DS (sampling, representation, coordination)."""
