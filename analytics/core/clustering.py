"""Hotspot detection: DBSCAN in metres on binned points, and the adaptive default mode.

DBSCAN on raw points does not scale (at eps 2.2 km a dense city gives tens of thousands of
neighbours per point), so points are binned to a fine grid (``eps / 5`` by default) and
DBSCAN runs on the bins' mean positions with the bin counts as sample weights: a bin is a
core point when the weighted count within eps reaches ``min_samples``. Every point takes its
bin's label. The binning moves a point by at most half a bin diagonal (14 % of eps). At
small eps the bins are many (1M points at eps 100 m: 620,000), so the neighbours are found
through the grid rather than a k-d tree (``grid_dbscan``), with the same labels.

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
from scipy import ndimage, sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import DBSCAN

from analytics.core.grid import Grid, top_cells

EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)


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
