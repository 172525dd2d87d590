"""Differentially private noise for the figures facilitators see, drawn by OpenDP (discrete Laplace).

Every published figure is a count of people, so changing everything one person did in a week moves each count
by at most 1, and the five-level mood histogram by at most 2 in L1 (one person leaves one level for another).
OpenDP checks that arithmetic for us: `EPSILON` below is what its measurements report for those sensitivities,
and the README quotes it. Noise is integer-valued (no floating-point attacks) and drawn from OpenDP's own
cryptographically secure generator, so nobody can replay it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import opendp.prelude as dp

from bot.core.domain import LEVELS

# Discrete Laplace is in OpenDP's "contrib" set (implemented and proven, not yet through their formal vetting).
dp.enable_features("contrib")

COUNT_SCALE = 4.0  # each count of people: epsilon = 1 / 4
MOOD_SCALE = 4.0  # the mood histogram (L1 sensitivity 2): epsilon = 2 / 4
COUNTS_PER_WEEK = 6  # active, checked in, exercised, asked, answered, unmatched


def _count() -> Any:
    return dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=COUNT_SCALE)


def _histogram() -> Any:
    return dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int), size=LEVELS), dp.l1_distance(T=int),
                             scale=MOOD_SCALE)


_COUNT = _count()
_HISTOGRAM = _histogram()

EPSILON_COUNT = float(_COUNT.map(1))
EPSILON_MOOD = float(_HISTOGRAM.map(2))
# What one cohort's publication for one week reveals about one person, whatever they did that week.
EPSILON = COUNTS_PER_WEEK * EPSILON_COUNT + EPSILON_MOOD


def noisy_count(people: int) -> int:
    """A count of people with noise added (it may come out below zero: sums of several stay unbiased)."""
    return int(_COUNT(int(people)))


def noisy_histogram(people: Sequence[int]) -> tuple[int, ...]:
    """People at each mood level with noise added to every level."""
    assert len(people) == LEVELS
    return tuple(int(value) for value in _HISTOGRAM([int(n) for n in people]))
