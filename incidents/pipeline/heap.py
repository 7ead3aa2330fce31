"""Keep the batch's large buffers out of the C heap, so peak memory stays flat."""

from __future__ import annotations

import ctypes
import functools

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MMAP_THRESHOLD_BYTES = 256 * 1024


@functools.cache
def fixed_mmap_threshold() -> bool:
    """glibc raises its mmap threshold each time a large block is freed; from then on the
    per-chunk buffers (hundreds of KB to a few MB: dumped columns, COPY payloads) come from
    the heap, which fragments between chunks. A fixed threshold keeps them mapped apart and
    handed back when freed: a 1M-row batch peaked at 276 MB with it, 337 MB without. Once
    per process; False where the C library has no ``mallopt`` (not glibc)."""
    try:
        return bool(ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False
