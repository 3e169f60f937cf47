"""Individuals / moving-range (I-MR) control limits for measurement series (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

#: d2 for subgroups of 2 (moving ranges): sigma ≈ MR-bar / 1.128, so the limits are mean ± 2.66·MR-bar.
E2 = 2.66
D4 = 3.267


@dataclass(frozen=True)
class ImrLimits:
    mean: float
    ucl: float
    lcl: float
    mr_mean: float
    mr_ucl: float
    out_of_control: tuple[int, ...]  # indexes of points beyond the limits


def imr(values: list[float]) -> ImrLimits | None:
    """I-MR limits of a series (None with fewer than two points)."""
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    mrs = [abs(b - a) for a, b in pairwise(values)]
    mr = sum(mrs) / len(mrs)
    ucl, lcl = mean + E2 * mr, mean - E2 * mr
    out = tuple(i for i, v in enumerate(values) if v > ucl or v < lcl)
    return ImrLimits(mean, ucl, lcl, mr, D4 * mr, out)
