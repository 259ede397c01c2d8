"""Grids and nothing of optimisation: MATPOWER cases (`cases`), the PQ capability charts of flexibility-providing
units (`capability`) and the integrated T+D study systems with their FPUs and PCCs (`td`)."""
