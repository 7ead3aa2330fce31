"""The chicago worked example on the real data: the first 20,000 rows of the city extract."""

import csv
import gzip
import itertools
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from incidents.choices import BatchStatus
from incidents.models import Incident, RawIncident, Region, RejectedRow
from incidents.pipeline.services import batch_ingest_file
from incidents.profiles import load_profile
from incidents.tests.factories import nine_categories
from incidents.tests.pipeline_files import REAL_CHICAGO

pytestmark = pytest.mark.django_db
ROWS = 20_000


@pytest.fixture(scope="module")
def slice_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chicago") / "chicago-20k.csv.gz"
    with (
        gzip.open(REAL_CHICAGO, "rt", encoding="utf-8") as src,
        gzip.open(path, "wt", encoding="utf-8") as out,
    ):
        out.writelines(itertools.islice(src, ROWS + 1))
    return path


@pytest.fixture(scope="module")
def slice_rows(slice_file) -> list[dict]:
    with gzip.open(slice_file, "rt", encoding="utf-8") as src:
        return list(csv.DictReader(src))


def test_chicago_slice_ingests_with_every_record_accounted_for(slice_file, slice_rows):
    nine_categories()
    profile = load_profile("chicago")
    batch = batch_ingest_file(path=slice_file, profile_name="chicago")
    assert batch.status == BatchStatus.DONE, batch.error_message
    excluded = sum(1 for r in slice_rows if r["category"].casefold() in profile.excluded_categories)
    assert batch.received == ROWS
    assert batch.rejected == excluded > 0
    assert batch.accepted == ROWS - excluded
    assert batch.received == batch.accepted + batch.duplicates + batch.rejected
    assert RawIncident.objects.filter(batch=batch).count() == ROWS
    assert set(
        RejectedRow.objects.filter(batch=batch).values_list("errors__0__code", flat=True)
    ) == {"category_excluded"}

    # Local Chicago wall-clock time, daylight saving applied: 2014-11-01 is still CDT (UTC-5).
    first = slice_rows[0]
    incident = Incident.objects.get(source="chicago", external_id=first["source_id"])
    assert incident.occurred_at.isoformat() == "2014-11-01T05:00:00+00:00"
    assert incident.local_hour == 0
    assert incident.is_weekend  # a Saturday
    assert incident.category.code == profile.map_category(first["category"])
    assert incident.geom.equals_exact(
        Point(float(first["longitude"]), float(first["latitude"])), 1e-7
    )

    # Police districts became regions, each the hull of its points, each incident in its own.
    districts = Counter(r["district"] for r in slice_rows)
    regions = Region.objects.filter(profile="chicago")
    assert set(regions.values_list("code", flat=True)) == {f"district-{d}" for d in districts}
    assert all(r.derived for r in regions)
    mismatched = Incident.objects.filter(source="chicago").exclude(
        region__code__in=[f"district-{d}" for d in districts]
    )
    assert not mismatched.exists()
    sample = Incident.objects.filter(source="chicago").select_related("region")[:200]
    assert all(i.region.geom.covers(i.geom) for i in sample)
    assert Incident.objects.filter(source="chicago", category__code="assault").exists()

    again = batch_ingest_file(path=slice_file, profile_name="chicago")
    assert (again.accepted, again.duplicates) == (0, batch.accepted)
