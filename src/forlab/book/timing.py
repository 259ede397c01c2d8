"""How the book times a solve: the fastest of ``repeats`` runs from the same start.

On a machine shared with other work, noise only ever adds time, so the minimum over repeats is the usual benchmark
estimate. Every method and the integrated baseline are timed through :func:`fastest`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


def solver_seconds(result: Any) -> float:
    """The solver's own time of an OPF result (Ipopt's, without model building)."""
    return result.solve_time_s


def fastest(solve: Callable[[], R], repeats: int, seconds: Callable[[R], float] = solver_seconds) -> tuple[R, float]:
    """Run ``solve()`` ``repeats`` times (at least once); return the first result and the smallest ``seconds(result)``
    seen."""
    first = solve()
    best = seconds(first)
    for _ in range(max(int(repeats), 1) - 1):
        best = min(best, seconds(solve()))
    return first, best
