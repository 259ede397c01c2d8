"""A region whose local solution cycles gets a stiffer proximal term of its own (`ALADINOptions.cycle_damping`).

What it answers: on T+D systems ALADIN can spend many rounds with a few DS regions switching limits on and off
every round while the consensus residual of their ties flips sign (issue 17: chapter 12's run with sixteen DSs,
rounds 16 to 31, the case69 regions' active sets changing by one to five limits a round, alternately up and down,
the angle row at their PCC flipping at about 0.012 p.u. of hidden power). The coupled QP's full step then carries
the region across the same limits back and forth. A larger rho in that region's proximal term
``rho/2 ||x_i - z_i||^2_Sigma`` keeps its next local solution nearer the QP's prediction ``z_i``, which damps the
swing; the penalty everyone else sees is unchanged, so regions that do not cycle keep their pace (a faster growth
of the common rho was slower on most of chapter 07's systems, `ALADINOptions.rho_update`).

The test uses only what the coordinator already has: every region's count of active limits (``n_active`` of its
answer) and the sign of the largest consensus residual on its own rows (``sum_j A_j x_j``). A region *cycles* when
its count reversed direction `CYCLE_ROUNDS` times in a row (over the last `CYCLE_ROUNDS` + 2 rounds, every change of
the count opposite to the one before) and its residual's sign alternated over the last `CYCLE_ROUNDS` + 1 rounds
(`CYCLE_ROUNDS` flips); its own penalty factor then grows by ``cycle_damping`` (1 = off). With `CYCLE_ROUNDS` 2, a
region whose counts over four rounds are 5, 6, 5, 6 and whose residual's signs over the last three are -, +, -
cycles in the fourth round; after the first three rounds alone (5, 6, 5 and +, -, +) it does not yet. The count
alone also fires in transmission regions whose many limits churn while they converge (measured in-process, issue 17,
factor 2, chapter 07's 28 paper systems: the count alone with two alternations took more rounds on 11 and left
1654-5 unconverged after 30 rounds, case300 in 4 areas from 15 rounds to 30; with the sign as well, 26 the same, one
more and one fewer). The sign alone was not tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CYCLE_ROUNDS = 2
"""Alternations in a row (of the active-limit count and of the residual's sign) before a region counts as cycling:
one alternation is common while a region's active set is still being found (forlab's choice; measured with the
count alone, factor 2, on chapter 07's 28 paper systems: with one alternation more rounds on 17 and three
unconverged, with two more on 11 and one unconverged; the combined test was measured with two only)."""


@dataclass
class CycleDamping:
    """Per-region factors on the common rho, grown by ``factor`` in every round a region cycles (module
    docstring); all ones while ``factor`` is 1."""

    factor: float
    n_regions: int
    rho_max: float = np.inf
    scale: np.ndarray = field(init=False)
    counts: list[np.ndarray] = field(default_factory=list)
    signs: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self):
        self.scale = np.ones(self.n_regions)

    def rho(self, rho: float) -> np.ndarray:
        """Every region's proximal penalty: the common ``rho`` times its factor, at most ``rho_max``."""
        return np.minimum(rho * self.scale, self.rho_max)  # rho itself never passes rho_max

    def observe(self, n_active: np.ndarray, residual: np.ndarray, rows: list[np.ndarray]) -> np.ndarray:
        """Record a round (every region's active-limit count, the consensus residual ``sum_j A_j x_j``, each
        region's consensus rows) and grow the factors of the regions that cycle; returns which cycle."""
        self.counts.append(np.asarray(n_active, float))
        self.signs.append(np.array([largest_sign(residual[r]) for r in rows]))
        cycling = self.cycling()
        if self.factor != 1.0:
            self.scale[cycling] *= self.factor
        return cycling

    def cycling(self) -> np.ndarray:
        """Which regions cycle (module docstring): the count's last `CYCLE_ROUNDS` + 1 changes each opposite to the
        one before, and the residual's sign flipped in each of the last `CYCLE_ROUNDS` rounds."""
        if len(self.counts) < CYCLE_ROUNDS + 2:
            return np.zeros(self.n_regions, bool)
        moves = np.diff(np.array(self.counts[-(CYCLE_ROUNDS + 2):]), axis=0)
        signs = np.array(self.signs[-(CYCLE_ROUNDS + 1):])
        return np.all(moves[1:] * moves[:-1] < 0, axis=0) & np.all(signs[1:] * signs[:-1] < 0, axis=0)


def largest_sign(residual: np.ndarray) -> float:
    """The sign of the entry of largest magnitude (0 for none)."""
    return float(np.sign(residual[np.argmax(np.abs(residual))])) if len(residual) else 0.0
