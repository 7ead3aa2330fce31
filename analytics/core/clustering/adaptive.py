"""The adaptive hotspot mode (the default).

The adaptive mode answers "where are the few compact places that concentrate crime?" at any
volume: a cell is dense when it holds at least ``min_ratio`` times the window's average per
inhabited cell; the flagged cells are capped at ``area_budget`` of the inhabited area (the
densest first); touching dense cells form a hotspot; a hotspot holding more than
``max_share`` of the window's incidents is split by raising the density level inside it
(the idea behind HDBSCAN's cluster tree), so no single hotspot swallows a district.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from analytics.core.grid import Grid, top_cells

EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class AdaptiveParams:
    """The adaptive mode's knobs, each one a sentence a commander can follow."""

    cell_m: float = 250.0
    area_budget: float = 0.05  # share of the inhabited area that may be flagged
    min_ratio: float = 3.0  # a dense cell is this many times denser than the inhabited average
    max_share: float = 0.10  # no hotspot holds more than this share of the window
    min_incidents: int = 5  # smaller groups are noise
    max_hotspots: int | None = None  # keep only the strongest N (None: all within budget)
    split_step: float = 1.25  # density level raised by this factor when splitting
    memory_weight: float = 0.5  # share of the cell's 365-day rate in its density


@dataclass(frozen=True)
class AdaptiveResult:
    labels: np.ndarray  # per point, -1 = not in a hotspot
    cells: list[np.ndarray]  # flat cell numbers of each hotspot, same order as labels
    threshold: float  # density (incidents per cell per window) at the flagged level
    average: float  # mean density over the inhabited cells
    inhabited_cells: int


def hotspot_density(
    window_counts: np.ndarray,
    year_counts: np.ndarray | None,
    *,
    window_days: float,
    memory_weight: float,
) -> np.ndarray:
    """Incidents per cell per window, steadied by the cell's own year: a 90-day count is
    noisy, and crime sticks to places, so ``memory_weight`` of the density comes from the
    cell's 365-day rate scaled to the window length (measured on the Chicago data: the plain
    window count loses to the 365-day baseline at the same area; the blend beats it)."""
    if year_counts is None or memory_weight <= 0:
        return window_counts.astype(float)
    return (1 - memory_weight) * window_counts + memory_weight * year_counts * (window_days / 365.0)


def adaptive_hotspots(
    x: np.ndarray,
    y: np.ndarray,
    *,
    grid: Grid,
    inhabited: np.ndarray,
    density: np.ndarray | None = None,
    params: AdaptiveParams = AdaptiveParams(),
) -> AdaptiveResult:
    """Dense, compact hotspots within an area budget (see the module docstring). ``density``
    defaults to the window's own counts per cell."""
    idx = grid.index(x, y)
    counts = grid.counts(idx)
    density = counts if density is None else density
    n_inhabited = int(inhabited.sum())
    candidates = np.flatnonzero(inhabited & (counts > 0))
    average = float(density[inhabited].sum() / max(n_inhabited, 1))
    level = params.min_ratio * average
    budget = int(np.floor(params.area_budget * n_inhabited))
    dense = candidates[density[candidates] >= level]
    if len(dense) > budget:
        dense = top_cells(density, dense, budget)
        level = float(density[dense].min()) if len(dense) else level
    components = _split_components(dense, counts, density, grid, level, params, total=len(x))
    components.sort(key=lambda cells: (-counts[cells].sum(), int(cells.min())))
    components = components[: params.max_hotspots]
    cell_label = np.full(grid.size, -1, dtype=np.int64)
    for label, cells in enumerate(components):
        cell_label[cells] = label
    labels = np.where(idx >= 0, cell_label[np.maximum(idx, 0)], -1)
    return AdaptiveResult(labels, components, level, average, n_inhabited)


def _split_components(
    cells: np.ndarray,
    counts: np.ndarray,
    density: np.ndarray,
    grid: Grid,
    level: float,
    params: AdaptiveParams,
    *,
    total: int,
) -> list[np.ndarray]:
    """Touching cells form a component; a component over ``max_share`` of ``total`` is split
    by raising the density level inside it; components under ``min_incidents`` are dropped."""
    if len(cells) == 0:
        return []
    mask = np.zeros(grid.size, dtype=bool)
    mask[cells] = True
    labelled, n = ndimage.label(grid.raster(mask), structure=EIGHT_NEIGHBOURS)
    flat_labels = labelled.ravel()[cells]
    out: list[np.ndarray] = []
    for label in range(1, n + 1):
        part = cells[flat_labels == label]
        incidents = counts[part].sum()
        if incidents < params.min_incidents:
            continue
        if incidents > params.max_share * total and len(part) > 1:
            higher = max(level, 1e-9) * params.split_step
            keep = part[density[part] >= higher]
            pieces = _split_components(keep, counts, density, grid, higher, params, total=total)
            # a compact place with no denser core inside stays whole rather than vanish
            out.extend(pieces or [part])
        else:
            out.append(part)
    return out


def inhabited_cells(
    grid: Grid, x: np.ndarray, y: np.ndarray, *, min_incidents: int = 1
) -> np.ndarray:
    """The inhabited area as a cell mask: cells where at least ``min_incidents`` incidents
    occurred in the given history (by default the 365 days before the analysis date). The
    caller restricts the points to the profile's regions, so desert and sea stay out."""
    return grid.counts(grid.index(x, y)) >= min_incidents
