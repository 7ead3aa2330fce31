"""Region codes derived from source data (the chicago profile's district column) must be
plain codes: markup or anything else never becomes a region, its row is rejected."""

import csv
import io

import pytest

from incidents.choices import BatchStatus
from incidents.models import Incident, Region, RejectedRow
from incidents.pipeline.services import batch_ingest_file
from incidents.profiles import load_profile
from incidents.tests.factories import nine_categories
from incidents.validation import validate_record

pytestmark = pytest.mark.django_db
COLUMNS = ["source_id", "occurred_at", "category", "latitude", "longitude", "district"]
XSS = "<img src=x onerror=alert(document.cookie)>"


def write(path, districts: list[str]):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n, district in enumerate(districts, start=1):
        writer.writerow(
            [f"C-{n}", f"2016-05-01T10:{n:02d}:00", "THEFT", "41.88", "-87.63", district]
        )
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def test_a_district_with_markup_is_rejected_and_never_becomes_a_region(tmp_path):
    nine_categories()
    hostile = [XSS, "1 OR 1=1", "a" * 40, "'quoted'", "x\u202ey"]
    batch = batch_ingest_file(
        path=write(tmp_path / "x.csv", ["1", "007", *hostile, ""]), profile_name="chicago"
    )
    assert batch.status == BatchStatus.DONE, batch.error_message
    assert (batch.accepted, batch.rejected) == (3, len(hostile))
    codes = set(Region.objects.filter(profile="chicago").values_list("code", flat=True))
    assert codes == {"district-1", "district-007"}
    names = set(Region.objects.filter(profile="chicago").values_list("name_en", flat=True))
    assert names == {"Police district 1", "Police district 007"}
    for row in RejectedRow.objects.filter(batch=batch):
        assert [(e["field"], e["code"]) for e in row.errors] == [
            ("district", "invalid_region_code")
        ]
        assert "<img" not in row.errors[0]["message"]
    assert Incident.objects.filter(source="chicago").count() == 3


def test_the_single_record_path_rejects_the_same_codes():
    nine_categories()
    record = {
        "source_id": "C-1",
        "occurred_at": "2016-05-01T10:00:00",
        "category": "THEFT",
        "latitude": "41.88",
        "longitude": "-87.63",
        "district": XSS,
    }
    clean, errors = validate_record(record, load_profile("chicago"))
    assert clean is None
    assert [e.code for e in errors] == ["invalid_region_code"]
