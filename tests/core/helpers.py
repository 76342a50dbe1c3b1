"""Oracles for money tests, written in exact fractions and independent of `core/money.py`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def exact_shares(total_cents: int, weights: Sequence[int]) -> list[Fraction]:
    """Each part's exact share of `total_cents`: `total × weight / Σ weights`."""
    weight_sum = sum(weights)
    return [Fraction(total_cents * weight, weight_sum) for weight in weights]


def hamilton(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Hamilton's (largest remainder) apportionment, computed cent by cent in exact fractions.

    Every part starts at the floor of its exact share; each cent still unallocated goes to the part
    furthest below its exact share, the earliest such part on a tie.
    """
    exact = exact_shares(total_cents, weights)
    parts = [math.floor(share) for share in exact]
    for _cent in range(total_cents - sum(parts)):
        furthest = max(range(len(parts)), key=lambda index: (exact[index] - parts[index], -index))
        parts[furthest] += 1
    return parts
