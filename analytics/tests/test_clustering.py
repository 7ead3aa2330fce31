"""Clustering on constructed data: known clusters found, noise left out, eps in metres."""

import numpy as np
import pytest
from django.db import connection

from analytics.core.clustering import (
    AdaptiveParams,
    adaptive_hotspots,
    dbscan,
    dbscan_binned,
    inhabited_cells,
    match_by_overlap,
    trend_label,
)
from analytics.core.grid import Grid
from analytics.core.projection import ProjectionError, projection_for, utm_srid_for

KUWAIT = projection_for(32638)


def blob(rng, x, y, n, spread):
    return rng.normal(x, spread, n), rng.normal(y, spread, n)


def test_dbscan_finds_the_known_clusters_and_leaves_noise_out():
    rng = np.random.default_rng(1)
    centres = [(780_000, 3_250_000), (790_000, 3_255_000), (775_000, 3_240_000)]
    parts = [blob(rng, cx, cy, 300, 80) for cx, cy in centres]
    noise = (rng.uniform(760_000, 800_000, 60), rng.uniform(3_230_000, 3_270_000, 60))
    x = np.concatenate([p[0] for p in parts] + [noise[0]])
    y = np.concatenate([p[1] for p in parts] + [noise[1]])
    labels = dbscan_binned(x, y, eps_m=300, min_samples=10)
    for i in range(3):
        block = labels[i * 300 : (i + 1) * 300]
        assert (block >= 0).mean() > 0.97
        assert len(set(block[block >= 0])) == 1
    assert len({labels[i * 300] for i in range(3)}) == 3
    assert (labels[900:] == -1).mean() > 0.9


@pytest.mark.parametrize(("gap_factor", "joined"), [(0.6, True), (1.4, False)])
def test_dbscan_eps_is_honoured_in_metres(gap_factor, joined):
    """Two dense points 50 m wide, ``gap_factor * eps`` apart: joined only within eps."""
    eps = 500.0
    rng = np.random.default_rng(2)
    a = blob(rng, 780_000, 3_250_000, 50, 5)
    b = blob(rng, 780_000 + gap_factor * eps, 3_250_000, 50, 5)
    labels = dbscan_binned(np.r_[a[0], b[0]], np.r_[a[1], b[1]], eps_m=eps, min_samples=5)
    assert (labels >= 0).all()
    assert bool(labels[0] == labels[-1]) is joined


def test_dbscan_eps_is_metres_on_the_ground_not_degrees():
    """Points 0.004 degrees of longitude apart at 29.4 N are ~390 m apart: eps 300 m splits them."""
    lon = np.r_[np.full(20, 47.980), np.full(20, 47.984)]
    lat = np.full(40, 29.37)
    x, y = KUWAIT.forward(lon, lat)
    assert 380 < x[-1] - x[0] < 400
    assert len(set(dbscan_binned(x, y, eps_m=300, min_samples=5))) == 2
    assert len(set(dbscan_binned(x, y, eps_m=450, min_samples=5))) == 1


def _mixed_city(rng):
    """Blobs of very different density and size, a chain of small groups eps-ish apart,
    and uniform noise: core, border and noise bins, clusters that touch and some that don't."""
    parts = [
        blob(rng, 780_000 + 900 * k, 3_250_000 + 400 * (k % 3), 150 + 90 * k, 30 + 25 * k)
        for k in range(6)
    ]
    chain = [blob(rng, 772_000 + 95 * k, 3_244_000, 6, 10) for k in range(25)]
    noise = (rng.uniform(768_000, 790_000, 3000), rng.uniform(3_240_000, 3_256_000, 3000))
    x = np.concatenate([p[0] for p in parts + chain] + [noise[0]])
    y = np.concatenate([p[1] for p in parts + chain] + [noise[1]])
    return x, y


@pytest.mark.parametrize("eps", [40.0, 100.0, 300.0])
@pytest.mark.parametrize("min_samples", [3, 5, 25])
def test_grid_dbscan_labels_every_point_as_scikit_learn_does(eps, min_samples):
    x, y = _mixed_city(np.random.default_rng(7))
    exact = dbscan_binned(x, y, eps_m=eps, min_samples=min_samples, method="sklearn")
    fast = dbscan_binned(x, y, eps_m=eps, min_samples=min_samples, method="grid")
    assert exact.max() >= 1 and (exact == -1).any()  # the case has clusters and noise
    np.testing.assert_array_equal(fast, exact)


def test_grid_dbscan_agrees_when_the_raster_is_cut_into_strips_and_pairs_are_not_kept(
    monkeypatch,
):
    x, y = _mixed_city(np.random.default_rng(8))
    exact = dbscan_binned(x, y, eps_m=100, min_samples=5, method="sklearn")
    monkeypatch.setattr(dbscan, "RASTER_CELLS", 20_000)
    monkeypatch.setattr(dbscan, "PAIR_CHUNK", 500)
    monkeypatch.setattr(dbscan, "PAIR_CACHE", 1_000)
    fast = dbscan_binned(x, y, eps_m=100, min_samples=5)
    np.testing.assert_array_equal(fast, exact)


def test_grid_dbscan_agrees_with_a_far_outlier_at_a_tiny_eps():
    """A stray point 400 km away at eps 20 m spans 80,000 x 80,000 bins: the neighbours are
    then found by binary search instead of a raster, with the same labels."""
    x, y = _mixed_city(np.random.default_rng(9))
    x, y = np.r_[x, x[0] + 400_000], np.r_[y, y[0] + 400_000]
    exact = dbscan_binned(x, y, eps_m=20, min_samples=3, method="sklearn")
    assert exact.max() >= 1 and exact[-1] == -1
    np.testing.assert_array_equal(dbscan_binned(x, y, eps_m=20, min_samples=3), exact)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("srid", "lon", "lat"),
    [
        (32638, [47.98, 46.6, 48.4], [29.37, 28.6, 30.05]),  # Kuwait, WGS84 UTM 38N
        (26971, [-87.7, -87.6, -87.9], [41.8, 41.7, 42.0]),  # NAD83 Illinois East (metres)
    ],
)
def test_projection_matches_postgis(srid, lon, lat):
    """UTM zones and national grids alike: PROJ in Python agrees with PostGIS to the cm."""
    lon, lat = np.array(lon), np.array(lat)
    projection = projection_for(srid)
    x, y = projection.forward(lon, lat)
    with connection.cursor() as cursor:
        for i in range(3):
            cursor.execute(
                "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s) g) s",
                [float(lon[i]), float(lat[i]), srid],
            )
            px, py = cursor.fetchone()
            assert abs(px - x[i]) < 0.01 and abs(py - y[i]) < 0.01
    back_lon, back_lat = projection.inverse(x, y)
    assert np.allclose(back_lon, lon, atol=1e-9) and np.allclose(back_lat, lat, atol=1e-9)
    assert utm_srid_for(-87.7, 41.8) == 32616 and utm_srid_for(47.98, 29.37) == 32638


@pytest.mark.parametrize("srid", [4326, 3435, 999_999])
def test_projection_refuses_systems_not_projected_in_metres(srid):
    """Degrees (4326), US survey feet (Illinois East ftUS) and unknown codes would make eps
    and cell sizes meaningless: refused with a clear error."""
    with pytest.raises(ProjectionError):
        projection_for(srid)


def _city(rng):
    """A uniform 'city' of 10 x 10 km with three dense places of different strength."""
    x = rng.uniform(0, 10_000, 4000)
    y = rng.uniform(0, 10_000, 4000)
    places = [
        blob(rng, 2_125, 2_125, 600, 60),
        blob(rng, 7_125, 7_125, 300, 60),
        blob(rng, 2_125, 8_125, 150, 60),
    ]
    return np.concatenate([x] + [p[0] for p in places]), np.concatenate(
        [y] + [p[1] for p in places]
    )


def test_adaptive_mode_finds_the_dense_places_within_the_area_budget():
    rng = np.random.default_rng(3)
    x, y = _city(rng)
    grid = Grid.covering(x, y, 250)
    inhabited = inhabited_cells(grid, x, y)
    params = AdaptiveParams(max_share=0.5, min_ratio=5)
    result = adaptive_hotspots(x, y, grid=grid, inhabited=inhabited, params=params)
    assert len(result.cells) == 3
    flagged = sum(len(c) for c in result.cells)
    assert flagged <= 0.05 * inhabited.sum()
    centres = [grid.centres(c) for c in result.cells]
    found = sorted(
        (round(float(np.mean(cx)), -3), round(float(np.mean(cy)), -3)) for cx, cy in centres
    )
    assert found == [(2000.0, 2000.0), (2000.0, 8000.0), (7000.0, 7000.0)]
    assert (result.labels[:4000] == -1).mean() > 0.95  # the uniform background is not a hotspot


def test_adaptive_mode_splits_a_hotspot_holding_too_much_of_the_window():
    rng = np.random.default_rng(4)
    big = blob(rng, 5_000, 5_000, 1500, 400)  # a wide district-sized concentration
    x = np.r_[rng.uniform(0, 10_000, 4000), big[0]]
    y = np.r_[rng.uniform(0, 10_000, 4000), big[1]]
    grid = Grid.covering(x, y, 250)
    inhabited = inhabited_cells(grid, x, y)
    loose = adaptive_hotspots(
        x, y, grid=grid, inhabited=inhabited, params=AdaptiveParams(max_share=0.5)
    )
    strict = adaptive_hotspots(
        x, y, grid=grid, inhabited=inhabited, params=AdaptiveParams(max_share=0.08)
    )
    total = len(x)
    assert max((loose.labels == i).sum() for i in range(len(loose.cells))) / total > 0.08
    assert all((strict.labels == i).sum() / total <= 0.08 for i in range(len(strict.cells)))
    assert strict.cells  # the core of the concentration remains, at a higher density level
    loose_cells = set(np.concatenate(loose.cells).tolist())
    assert set(np.concatenate(strict.cells).tolist()) < loose_cells


def test_trend_labels_follow_the_previous_window():
    assert trend_label(40, 2, new_below=10) == "new"
    assert trend_label(80, 40, new_below=10) == "intensifying"
    assert trend_label(40, 80, new_below=10) == "diminishing"
    assert trend_label(42, 40, new_below=10) == "persistent"


def test_overlap_matching_keeps_identity_and_claims_each_previous_once():
    previous = [{1, 2, 3, 4}, {10, 11}]
    current = [{3, 4, 5}, {20, 21}, {1, 2}]
    assert match_by_overlap(previous, current) == [0, None, None] or match_by_overlap(
        previous, current
    ) == [None, None, 0]
    assert match_by_overlap(previous, [{10, 11, 12}]) == [1]
