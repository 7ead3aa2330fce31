"""Hotspots from one run to the next: which place continues which, and its trend."""

from __future__ import annotations

import numpy as np


def trend_label(current: float, previous: float, *, new_below: float, z: float = 1.96) -> str:
    """Emerging-hotspot style trend of one hotspot against the previous window of the same
    length: ``new`` when the place was below the hotspot level then, otherwise
    ``intensifying`` / ``diminishing`` when the change is beyond ``z`` Poisson standard
    errors, else ``persistent``."""
    if previous < new_below:
        return "new"
    score = (current - previous) / np.sqrt(max(current + previous, 1.0))
    if score > z:
        return "intensifying"
    if score < -z:
        return "diminishing"
    return "persistent"


def match_by_overlap(
    previous: list[set[int]], current: list[set[int]], *, min_overlap: float = 0.25
) -> list[int | None]:
    """For each current hotspot (a set of cells), the index of the previous hotspot it
    continues: the one sharing the most cells, if they share at least ``min_overlap`` of the
    smaller of the two. Each previous hotspot is claimed at most once, largest overlap first."""
    pairs = []
    for i, cur in enumerate(current):
        for j, prev in enumerate(previous):
            shared = len(cur & prev)
            if shared and shared >= min_overlap * min(len(cur), len(prev)):
                pairs.append((shared / len(cur | prev), i, j))
    match: list[int | None] = [None] * len(current)
    taken: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if match[i] is None and j not in taken:
            match[i] = j
            taken.add(j)
    return match
