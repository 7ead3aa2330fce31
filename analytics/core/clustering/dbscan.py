"""DBSCAN in metres on binned points.

DBSCAN on raw points does not scale (at eps 2.2 km a dense city gives tens of thousands of
neighbours per point), so points are binned to a fine grid (``eps / 5`` by default) and
DBSCAN runs on the bins' mean positions with the bin counts as sample weights: a bin is a
core point when the weighted count within eps reaches ``min_samples``. Every point takes its
bin's label. The binning moves a point by at most half a bin diagonal (14 % of eps). At
small eps the bins are many (1M points at eps 100 m: 620,000), so the neighbours are found
through the grid rather than a k-d tree (``grid_dbscan``), with the same labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import DBSCAN


def dbscan_bin_size(eps_m: float) -> float:
    """Default bin edge: a fifth of eps (at least 5 m). Each bin then has at most about 80
    occupied bins within eps, which bounds DBSCAN's neighbour lists (time and memory)
    whatever eps is; a point moves by at most half a bin diagonal, 14 % of eps, towards the
    mean of its bin (measured: the same 180 clusters as PostGIS at eps 300 m on 1M points)."""
    return float(max(5.0, eps_m / 5.0))


@dataclass(frozen=True)
class Bins:
    """Points binned to a square grid: the bin of each point, and per bin (sorted by row,
    then column) its weight, the mean position of its points and its row and column."""

    inverse: np.ndarray
    weight: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    row: np.ndarray
    col: np.ndarray
    edge: float


def dbscan_bins(x: np.ndarray, y: np.ndarray, *, eps_m: float, bin_m: float | None = None) -> Bins:
    """Bin the points at ``bin_m`` (default ``eps / 5``). Bins are never coarsened to save
    time, since coarser bins would break clusters apart; the grid DBSCAN below keeps small
    eps fast instead."""
    edge = bin_m or dbscan_bin_size(eps_m)
    col = np.floor(np.asarray(x) / edge).astype(np.int64)
    row = np.floor(np.asarray(y) / edge).astype(np.int64)
    col -= col.min()
    row -= row.min()
    ncols = int(col.max()) + 1
    keys, inverse, weight = np.unique(row * ncols + col, return_inverse=True, return_counts=True)
    cx = np.bincount(inverse, weights=x) / weight
    cy = np.bincount(inverse, weights=y) / weight
    return Bins(inverse.ravel(), weight, cx, cy, keys // ncols, keys % ncols, edge)


def dbscan_binned(
    x: np.ndarray,
    y: np.ndarray,
    *,
    eps_m: float,
    min_samples: int,
    bin_m: float | None = None,
    method: str = "grid",
) -> np.ndarray:
    """DBSCAN labels per point (-1 = noise) with distances in metres, on weighted bins: a
    bin is core when the weight of the bins whose means lie within eps of its mean (itself
    included) reaches ``min_samples``. ``method="grid"`` (default) finds the neighbours
    through the grid and gives the same labels as ``method="sklearn"`` (scikit-learn's
    DBSCAN on the bins, kept as the reference) at a fraction of the time and memory when
    eps is small and the bins are many (1M points at eps 100 m: see bench/analytics.py)."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    bins = dbscan_bins(x, y, eps_m=eps_m, bin_m=bin_m)
    if method == "sklearn":
        model = DBSCAN(eps=eps_m, min_samples=min_samples, algorithm="kd_tree", n_jobs=1)
        points = np.column_stack([bins.cx, bins.cy])
        bin_labels = model.fit_predict(points, sample_weight=bins.weight)
    elif method == "grid":
        bin_labels = grid_dbscan(bins, eps_m=eps_m, min_samples=min_samples)
    else:
        raise ValueError(f"unknown DBSCAN method {method!r}")
    return bin_labels[bins.inverse]


# The neighbour search looks bins up in a dense index raster of at most this many cells
# (int32: 32 MB), built strip by strip, so memory stays flat whatever the extent and eps.
RASTER_CELLS = 8_000_000
# Above this many raster cells per occupied bin, binary search in sorted keys is cheaper.
RASTER_CELLS_PER_BIN = 1_000
# Pairs of bins within eps are handled in chunks of about this many pairs, and kept for the
# second pass up to PAIR_CACHE pairs (8 bytes each), else found again.
PAIR_CHUNK = 2_000_000
PAIR_CACHE = 24_000_000
NO_LABEL = np.iinfo(np.int64).max


def grid_dbscan(bins: Bins, *, eps_m: float, min_samples: int) -> np.ndarray:
    """DBSCAN over weighted bins, label per bin, equal to scikit-learn's on the bins' means.

    Every pair of bins whose means may lie within eps is one of a fixed set of row/column
    offsets, so the neighbours are found offset by offset with whole-array operations: one
    pass sums the weights within eps (core bins), a second joins touching core bins into
    components (scipy's connected components, chunk by chunk) and gives each border bin the
    first cluster that reaches it. Clusters are numbered by their lowest core bin, border
    bins take the lowest-numbered neighbouring cluster: scikit-learn's order exactly."""
    n = len(bins.weight)
    core, cached = _core_bins(bins, eps_m=eps_m, min_samples=min_samples)
    root = np.arange(n)
    reach: list[tuple[np.ndarray, np.ndarray]] = []  # (border bin, core bin)
    for i, j in cached if cached is not None else _pair_chunks(bins, eps_m):
        ci, cj = core[i], core[j]
        root = _merge(root, i[ci & cj], j[ci & cj])
        reach.append((np.r_[i[cj & ~ci], j[ci & ~cj]], np.r_[j[cj & ~ci], i[ci & ~cj]]))
    labels = np.full(n, -1, dtype=np.int64)
    clusters = np.unique(root[core])  # each component's lowest bin, in order
    labels[core] = np.searchsorted(clusters, root[core])
    if reach:
        first = np.full(n, NO_LABEL)
        np.minimum.at(
            first,
            np.concatenate([a for a, _ in reach]),
            labels[np.concatenate([b for _, b in reach])],
        )
        border = ~core & (first != NO_LABEL)
        labels[border] = first[border]
    return labels


def _core_bins(bins: Bins, *, eps_m: float, min_samples: int):
    """Core mask (weight within eps, the bin itself included, reaches ``min_samples``) and
    the pair chunks found on the way, or None when there were too many to keep."""
    n = len(bins.weight)
    weight = bins.weight.astype(np.float64)
    total = weight.copy()
    cache: list[tuple[np.ndarray, np.ndarray]] | None = []
    kept = 0
    for i, j in _pair_chunks(bins, eps_m):
        total += np.bincount(i, weights=weight[j], minlength=n)
        total += np.bincount(j, weights=weight[i], minlength=n)
        kept += len(i)
        cache = [*cache, (i, j)] if cache is not None and kept <= PAIR_CACHE else None
    return total >= min_samples, cache


def _merge(root: np.ndarray, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """Components of the graph "each bin to its current root, plus the links head-tail";
    returns each bin's new root, the lowest bin of its component."""
    n = len(root)
    if len(head) == 0:
        return root
    rows = np.concatenate([np.arange(n, dtype=np.int32), head])
    cols = np.concatenate([root.astype(np.int32), tail])
    graph = sparse.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    _, lowest = np.unique(component, return_index=True)  # first occurrence = lowest bin
    return lowest[component]


def _pair_chunks(bins: Bins, eps_m: float):
    """The pairs of ``_close_pairs`` gathered into chunks of about ``PAIR_CHUNK`` pairs."""
    heads: list[np.ndarray] = []
    tails: list[np.ndarray] = []
    size = 0
    for i, j in _close_pairs(bins, eps_m):
        heads.append(i)
        tails.append(j)
        size += len(i)
        if size >= PAIR_CHUNK:
            yield np.concatenate(heads), np.concatenate(tails)
            heads, tails, size = [], [], 0
    if size:
        yield np.concatenate(heads), np.concatenate(tails)


def _forward_offsets(eps_m: float, edge: float):
    """Row/column offsets (one of each symmetric pair) at which two bins' means can be
    within eps (the bins' nearest edges are at most eps apart), whether they surely are
    (the farthest corners are within eps too), and the largest offset."""
    reach = int(np.ceil(eps_m / edge)) + 1
    steps = np.arange(-reach, reach + 1)
    di, dj = np.meshgrid(steps, steps, indexing="ij")
    near = np.maximum(np.abs(di) - 1, 0) ** 2 + np.maximum(np.abs(dj) - 1, 0) ** 2
    far = (np.abs(di) + 1) ** 2 + (np.abs(dj) + 1) ** 2
    keep = (near * edge * edge <= eps_m * eps_m) & ((di > 0) | ((di == 0) & (dj > 0)))
    sure = far * edge * edge < eps_m * eps_m
    return di[keep], dj[keep], sure[keep], reach


def _close_pairs(bins: Bins, eps_m: float):
    """Yield ``(i, j)`` arrays of bin pairs whose means are within eps, each pair once."""
    di, dj, sure, reach = _forward_offsets(eps_m, bins.edge)
    width = int(bins.col.max()) + 1 + 2 * reach
    if (int(bins.row[-1]) + 1) * width <= RASTER_CELLS_PER_BIN * len(bins.row):
        parts = _raster_strips(bins, width, reach)
    else:  # a vast, sparse extent (tiny eps, far outliers): a raster would be mostly empty
        parts = [_sorted_lookup(bins, width, reach)]
    eps2 = eps_m * eps_m
    for start, find in parts:
        for a, b, certain in zip(di, dj, sure, strict=True):
            other = find(a, b)
            found = np.flatnonzero(other >= 0)
            j = other[found]
            i = (found + start).astype(np.int32)
            if certain:
                yield i, j
                continue
            dx, dy = bins.cx[i] - bins.cx[j], bins.cy[i] - bins.cy[j]
            close = dx * dx + dy * dy <= eps2
            yield i[close], j[close]


def _raster_strips(bins: Bins, width: int, reach: int):
    """Bins are sorted by row, so they are looked up in strips of rows, each with a dense
    index raster of the strip and the ``reach`` rows below it. Yields ``(first bin of the
    strip, find)``; ``find(a, b)`` gives, for each bin of the strip, the bin ``a`` rows
    down and ``b`` columns across, or -1."""
    row, col = bins.row, bins.col
    height = max(1, min(RASTER_CELLS // width - reach, int(row[-1]) + 1))
    start = 0
    while start < len(row):
        top = int(row[start])
        stop = int(np.searchsorted(row, top + height))
        last = int(np.searchsorted(row, top + height + reach))
        raster = np.full((height + reach + 1, width), -1, dtype=np.int32)
        raster[row[start:last] - top, col[start:last] + reach] = np.arange(start, last)
        r, c = row[start:stop] - top, col[start:stop] + reach
        yield start, lambda a, b, raster=raster, r=r, c=c: raster[r + a, c + b]
        start = stop


def _sorted_lookup(bins: Bins, width: int, reach: int):
    """``(0, find)`` as in ``_raster_strips`` for all bins at once, by binary search in the
    bins' (sorted) row-major keys: slower per bin than a raster, but needs no raster."""
    keys = bins.row * width + bins.col + reach

    def find(a: int, b: int) -> np.ndarray:
        wanted = keys + (a * width + b)
        pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        return np.where(keys[pos] == wanted, pos, -1).astype(np.int32)

    return 0, find
