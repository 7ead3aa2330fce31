"""Encoding on evidence: a UTF-8 file with a few bad bytes stays UTF-8 (only the rows holding
them are rejected, kept raw); Windows-1256 only for a file that really is not UTF-8."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from incidents.choices import BatchStatus
from incidents.models import Incident, RawIncident, RejectedRow
from incidents.pipeline.services import batch_ingest_file
from incidents.tests.factories import RegionFactory, nine_categories, square

pytestmark = pytest.mark.django_db
DAY = (timezone.now() - dt.timedelta(days=3)).strftime("%Y-%m-%d")
HEADER = "incident_id,occurred_at,category,latitude,longitude,area,description\n"
AREAS = ["السالمية", "حولي", "الجهراء", "الفروانية", "مبارك الكبير", "الأحمدي"]


def arabic_rows(count: int) -> str:
    return "".join(
        f"K-{n},{DAY}T10:{n:02d}:00,سرقة,29.37,47.98,{AREAS[n % 6]},بلاغ رقم {n} عن سرقة سيارة\n"
        for n in range(1, count + 1)
    )


@pytest.fixture
def regions():
    nine_categories()
    RegionFactory(code="capital", geom=square(47.98, 29.37, 0.05))


def test_a_utf8_arabic_file_with_one_bad_byte_stays_utf8_and_rejects_only_that_row(
    tmp_path, regions
):
    data = (HEADER + arabic_rows(40)).encode("utf-8")
    # Row 7's area loses the second byte of its first letter: one byte invalid as UTF-8.
    start = data.index(b"K-7,")
    at = data.index(AREAS[1].encode(), start)
    path = tmp_path / "one-bad-byte.csv"
    path.write_bytes(data[: at + 1] + data[at + 2 :])

    batch = batch_ingest_file(path=path)
    assert batch.status == BatchStatus.DONE, batch.error_message
    assert (batch.received, batch.accepted, batch.rejected) == (40, 39, 1)
    areas = dict(Incident.objects.values_list("external_id", "area"))
    assert areas["K-1"] == AREAS[1] and areas["K-6"] == AREAS[0]  # no mojibake anywhere
    assert set(areas.values()) <= set(AREAS)
    assert Incident.objects.get(external_id="K-8").description == "بلاغ رقم 8 عن سرقة سيارة"
    rejected = RejectedRow.objects.get(batch=batch)
    assert rejected.row_number == 7
    assert [e["code"] for e in rejected.errors] == ["invalid_encoding"]
    assert rejected.record["area"].startswith("\\xd8")  # the byte kept, as text
    assert rejected.record["area"].endswith(AREAS[1][1:])
    raw = RawIncident.objects.get(batch=batch, row_number=7)
    assert raw.record["incident_id"] == "K-7"


def test_a_real_windows_1256_file_is_read_as_windows_1256(tmp_path, regions):
    path = tmp_path / "cp1256.csv"
    path.write_bytes((HEADER + arabic_rows(10)).encode("cp1256"))
    batch = batch_ingest_file(path=path)
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.DONE, 10, 0)
    assert Incident.objects.get(external_id="K-2").area == AREAS[2]


def test_a_utf8_json_file_with_bad_bytes_fails_clearly_instead_of_mojibake(tmp_path, regions):
    records = [{"incident_id": f"J-{n}", "area": AREAS[n % 6]} for n in range(20)]
    data = json.dumps(records, ensure_ascii=False).encode("utf-8")
    at = data.index(AREAS[3].encode())
    path = tmp_path / "bad.json"
    path.write_bytes(data[: at + 1] + data[at + 2 :])
    batch = batch_ingest_file(path=path)
    assert batch.status == BatchStatus.FAILED
    assert "UTF-8 text but for 1 invalid bytes" in batch.error_message
    assert RawIncident.objects.count() == 0
