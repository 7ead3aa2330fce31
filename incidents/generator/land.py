"""Points on land: a raster of the shipped boundaries, clipped to the service area."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from incidents.generator.config import DATA_DIR, load_config
from incidents.profiles import load_profile


class LandMask:
    """Which region (1-based index, 0 = none) each ~100 m cell of the bounding box is in.

    Rasterised once by an even-odd scanline over the boundary rings, so a self-intersecting
    ring (Al Asimah's) is handled without repair.
    """

    def __init__(
        self, rings_by_region: list[list[np.ndarray]], codes: list[str], step: float
    ) -> None:
        points = np.concatenate([ring for rings in rings_by_region for ring in rings])
        self.codes, self.step = codes, step
        self.x0, self.y0 = points[:, 0].min() - step, points[:, 1].min() - step
        self.ncols = int(np.ceil((points[:, 0].max() + step - self.x0) / step))
        self.nrows = int(np.ceil((points[:, 1].max() + step - self.y0) / step))
        self.labels = np.zeros((self.nrows, self.ncols), dtype=np.uint8)
        for index, rings in enumerate(rings_by_region, start=1):
            self.labels[self._rasterise(rings)] = index

    def _rasterise(self, rings: list[np.ndarray]) -> np.ndarray:
        edges = np.concatenate([np.hstack([ring[:-1], ring[1:]]) for ring in rings])
        ya, yb = np.minimum(edges[:, 1], edges[:, 3]), np.maximum(edges[:, 1], edges[:, 3])
        first = np.ceil((ya - self.y0) / self.step - 0.5).astype(int)
        last = np.ceil((yb - self.y0) / self.step - 0.5).astype(int)  # exclusive
        spans = np.maximum(last - first, 0)
        edge = np.repeat(np.arange(len(edges)), spans)
        row = first[edge] + np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
        y = self.y0 + (row + 0.5) * self.step
        x1, y1, x2, y2 = edges[edge].T
        x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        col = np.clip(np.floor((x - self.x0) / self.step + 0.5).astype(int), 0, self.ncols)
        crossings = np.zeros((self.nrows, self.ncols + 1), dtype=np.int32)
        np.add.at(crossings, (row, col), 1)
        return (np.cumsum(crossings, axis=1)[:, :-1] % 2).astype(bool)

    def clip(self, bbox: tuple[float, float, float, float]) -> None:
        """Drop cells not wholly inside ``bbox`` (the profile's service area), so every good
        point passes the ingest's service-area check."""
        min_lon, min_lat, max_lon, max_lat = bbox
        lons = self.x0 + np.arange(self.ncols) * self.step
        lats = self.y0 + np.arange(self.nrows) * self.step
        keep_cols = (lons >= min_lon) & (lons + self.step <= max_lon)
        keep_rows = (lats >= min_lat) & (lats + self.step <= max_lat)
        self.labels[~keep_rows, :] = 0
        self.labels[:, ~keep_cols] = 0

    def region_at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        col = np.floor((lon - self.x0) / self.step).astype(int)
        row = np.floor((lat - self.y0) / self.step).astype(int)
        inside = (col >= 0) & (col < self.ncols) & (row >= 0) & (row < self.nrows)
        out = np.zeros(lon.shape, dtype=np.uint8)
        out[inside] = self.labels[row[inside], col[inside]]
        return out

    def random_points(
        self, rng: np.random.Generator, region: int, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.nonzero(self.labels == region)
        pick = rng.integers(0, len(rows), n)
        lon = self.x0 + (cols[pick] + rng.random(n)) * self.step
        lat = self.y0 + (rows[pick] + rng.random(n)) * self.step
        return lon, lat


@lru_cache(maxsize=1)
def land_mask() -> LandMask:
    config = load_config()
    document = json.loads((DATA_DIR / config["regions_file"]).read_text(encoding="utf-8"))
    codes, rings = [], []
    for feature in document["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        codes.append(feature["properties"][config["region_code_field"]])
        rings.append(
            [np.asarray(ring, dtype=float)[:, :2] for polygon in polygons for ring in polygon]
        )
    mask = LandMask(rings, codes, float(config["raster_degrees"]))
    bbox = load_profile(config["profile"]).service_area_bbox
    if bbox is not None:
        mask.clip(bbox)
    return mask
