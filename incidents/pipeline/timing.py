"""Seconds spent per pipeline stage in this process, for the benchmark's "where the time
goes". Reader-thread stages (``read``, ``probe``, ``validate``, ``prepare``) overlap with the
batch connection's stages (``raw``, ``rejected``, ``staging``, ``dedupe``, ``regions``,
``insert``); ``read_wait`` is how long the batch connection waited for the reader."""

from __future__ import annotations

import time
from collections import Counter

STAGE_SECONDS: Counter[str] = Counter()
READER_STAGES = ("read", "probe", "validate", "prepare")


class Clock:
    """Adds the time since the previous lap to a stage."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        STAGE_SECONDS[stage] += now - self.last
        self.last = now
