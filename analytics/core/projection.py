"""Metric projections for distances on the ground: UTM (transverse Mercator) in numpy.

DBSCAN's eps, grid cells and densities are in metres, so points are projected first. The
Krüger series (Karney 2011, 4th order) used by PROJ's ``etmerc`` is accurate to well under a
millimetre inside a UTM zone, needs no projection library, and projects a million points in a
fraction of a second. Supported: WGS84 UTM (EPSG 32601-32660 north, 32701-32760 south) and
NAD83 UTM (EPSG 26901-26923; GRS80 differs from WGS84 by 0.1 mm in the semi-minor axis).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_A = 6378137.0
_F = 1 / 298.257223563
_K0 = 0.9996
_N = _F / (2 - _F)
_E = 2 * np.sqrt(_N) / (1 + _N)
_RECT = _A / (1 + _N) * (1 + _N**2 / 4 + _N**4 / 64)
_ALPHA = (
    _N / 2 - 2 / 3 * _N**2 + 5 / 16 * _N**3 + 41 / 180 * _N**4,
    13 / 48 * _N**2 - 3 / 5 * _N**3 + 557 / 1440 * _N**4,
    61 / 240 * _N**3 - 103 / 140 * _N**4,
    49561 / 161280 * _N**4,
)
_BETA = (
    _N / 2 - 2 / 3 * _N**2 + 37 / 96 * _N**3 - 1 / 360 * _N**4,
    1 / 48 * _N**2 + 1 / 15 * _N**3 - 437 / 1440 * _N**4,
    17 / 480 * _N**3 - 37 / 840 * _N**4,
    4397 / 161280 * _N**4,
)
_DELTA = (
    2 * _N - 2 / 3 * _N**2 - 2 * _N**3 + 116 / 45 * _N**4,
    7 / 3 * _N**2 - 8 / 5 * _N**3 - 227 / 45 * _N**4,
    56 / 15 * _N**3 - 136 / 35 * _N**4,
    4279 / 630 * _N**4,
)


class ProjectionError(ValueError):
    pass


@dataclass(frozen=True)
class Utm:
    """One UTM zone: ``forward`` (lon/lat degrees → metres) and ``inverse``."""

    srid: int
    zone: int
    south: bool

    @property
    def lon0(self) -> float:
        return np.radians(self.zone * 6 - 183)

    @property
    def false_northing(self) -> float:
        return 10_000_000.0 if self.south else 0.0

    def forward(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        phi = np.radians(np.asarray(lat, dtype=float))
        lam = np.radians(np.asarray(lon, dtype=float)) - self.lon0
        sin_phi = np.sin(phi)
        t = np.sinh(np.arctanh(sin_phi) - _E * np.arctanh(_E * sin_phi))
        xi = np.arctan2(t, np.cos(lam))
        eta = np.arctanh(np.sin(lam) / np.sqrt(1 + t * t))
        x, y = eta.copy(), xi.copy()
        for j, alpha in enumerate(_ALPHA, start=1):
            x += alpha * np.cos(2 * j * xi) * np.sinh(2 * j * eta)
            y += alpha * np.sin(2 * j * xi) * np.cosh(2 * j * eta)
        return 500_000.0 + _K0 * _RECT * x, self.false_northing + _K0 * _RECT * y

    def inverse(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        xi = (np.asarray(y, dtype=float) - self.false_northing) / (_K0 * _RECT)
        eta = (np.asarray(x, dtype=float) - 500_000.0) / (_K0 * _RECT)
        xi_p, eta_p = xi.copy(), eta.copy()
        for j, beta in enumerate(_BETA, start=1):
            xi_p -= beta * np.sin(2 * j * xi) * np.cosh(2 * j * eta)
            eta_p -= beta * np.cos(2 * j * xi) * np.sinh(2 * j * eta)
        chi = np.arcsin(np.sin(xi_p) / np.cosh(eta_p))
        phi = chi.copy()
        for j, delta in enumerate(_DELTA, start=1):
            phi += delta * np.sin(2 * j * chi)
        lam = np.arctan2(np.sinh(eta_p), np.cos(xi_p))
        return np.degrees(lam + self.lon0), np.degrees(phi)


def projection_for(srid: int) -> Utm:
    """The projection for an EPSG code, or ProjectionError when it is not a UTM zone."""
    for base, south in ((32600, False), (32700, True), (26900, False)):
        zone = srid - base
        if 1 <= zone <= 60 and not (base == 26900 and zone > 23):
            return Utm(srid=srid, zone=zone, south=south)
    raise ProjectionError(f"EPSG:{srid} is not a supported metric projection (UTM zones only)")


def utm_srid_for(lon: float, lat: float) -> int:
    """The WGS84 UTM zone containing a point: the clear default when a profile sets none."""
    zone = int(np.floor((lon + 180) / 6)) % 60 + 1
    return (32700 if lat < 0 else 32600) + zone
