"""A square grid in metric coordinates, aligned to multiples of the cell size.

The risk map, the adaptive hotspots, the inhabited area and every area-based evaluation use
the same grid, so "1 % of the area" means the same cells everywhere. Cells are numbered
row-major from the south-west corner: ``flat = row * nx + col``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    cell: float  # metres
    x0: float  # west edge (a multiple of ``cell``)
    y0: float  # south edge
    nx: int
    ny: int

    @classmethod
    def covering(cls, x: np.ndarray, y: np.ndarray, cell: float, margin: int = 2) -> Grid:
        """The smallest aligned grid holding every point, with ``margin`` empty cells around."""
        if len(x) == 0:
            return cls(cell=cell, x0=0.0, y0=0.0, nx=1, ny=1)
        col0 = int(np.floor(np.min(x) / cell)) - margin
        row0 = int(np.floor(np.min(y) / cell)) - margin
        nx = int(np.floor(np.max(x) / cell)) + margin - col0 + 1
        ny = int(np.floor(np.max(y) / cell)) + margin - row0 + 1
        return cls(cell=cell, x0=col0 * cell, y0=row0 * cell, nx=nx, ny=ny)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    @property
    def cell_km2(self) -> float:
        return (self.cell / 1000.0) ** 2

    def index(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat cell index per point; -1 for points outside the grid."""
        col = np.floor((np.asarray(x) - self.x0) / self.cell).astype(np.int64)
        row = np.floor((np.asarray(y) - self.y0) / self.cell).astype(np.int64)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return np.where(inside, row * self.nx + col, -1)

    def counts(self, idx: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Per-cell (weighted) counts as a flat float array of length ``size``."""
        keep = idx >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[keep]
        return np.bincount(idx[keep], weights=w, minlength=self.size).astype(float)

    def centres(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row, col = np.divmod(np.asarray(flat), self.nx)
        return self.x0 + (col + 0.5) * self.cell, self.y0 + (row + 0.5) * self.cell

    def raster(self, flat_values: np.ndarray) -> np.ndarray:
        return np.asarray(flat_values).reshape(self.ny, self.nx)


def top_cells(score: np.ndarray, candidates: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` candidate cells with the highest score (ties broken by cell number, so the
    selection is deterministic)."""
    if n <= 0 or len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((candidates, -score[candidates]))
    return candidates[order[:n]]
