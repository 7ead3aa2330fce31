"""Hotspot detection: binned DBSCAN (``dbscan``), the adaptive default mode (``adaptive``)
and run-to-run tracking (``tracking``)."""

from analytics.core.clustering.adaptive import (
    AdaptiveParams,
    AdaptiveResult,
    adaptive_hotspots,
    hotspot_density,
    inhabited_cells,
)
from analytics.core.clustering.dbscan import (
    Bins,
    dbscan_bin_size,
    dbscan_binned,
    dbscan_bins,
    grid_dbscan,
)
from analytics.core.clustering.tracking import match_by_overlap, trend_label

__all__ = [
    "AdaptiveParams",
    "AdaptiveResult",
    "Bins",
    "adaptive_hotspots",
    "dbscan_bin_size",
    "dbscan_binned",
    "dbscan_bins",
    "grid_dbscan",
    "hotspot_density",
    "inhabited_cells",
    "match_by_overlap",
    "trend_label",
]
