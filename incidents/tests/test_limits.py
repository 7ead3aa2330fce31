"""Ingestion limits: gzip bombs, over-long fields, too many rows, deep nesting, uploads over
the limit, and batches that die. Each fails whole with a clear message and writes nothing."""

import datetime as dt
import gzip
import json
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from incidents.choices import BatchStatus
from incidents.models import Incident, IngestBatch, RawIncident, RejectedRow
from incidents.pipeline.services import batch_fail_stale, batch_ingest_file
from incidents.schedules import PERIODIC_TASKS
from incidents.tasks import batches_fail_stale_task
from incidents.tests.factories import IngestBatchFactory, RegionFactory, nine_categories, square
from khareetaty.accounts.choices import Role
from khareetaty.scheduling import periodic_task_upsert

pytestmark = pytest.mark.django_db
HEADER = b"incident_id,occurred_at,category,latitude,longitude,description\n"
DAY = (timezone.now() - dt.timedelta(days=3)).strftime("%Y-%m-%d")


def line(n: int, description: bytes = b"x") -> bytes:
    return f"K-{n},{DAY}T10:{n % 60:02d}:00,theft,29.37,47.98,".encode() + description + b"\n"


@pytest.fixture
def regions():
    nine_categories()
    RegionFactory(code="capital", geom=square(47.98, 29.37, 0.05))


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(x.split()[1]) / 1024 for x in status if x.startswith("VmHWM:"))


def assert_failed_with_nothing_written(batch: IngestBatch, words: str) -> None:
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert words in batch.error_message
    assert (batch.received, batch.accepted) == (0, 0)
    assert RawIncident.objects.count() == Incident.objects.count() == 0


def test_a_gzip_bomb_stops_at_the_decompressed_cap(tmp_path, regions, settings):
    settings.INGEST_MAX_DECOMPRESSED_BYTES = 2 * 2**20
    path = tmp_path / "bomb.csv.gz"
    rows = b"".join(line(n) for n in range(1000))
    with gzip.open(path, "wb") as out:
        out.write(HEADER)
        for _ in range(120):  # ~8 MB of valid rows: a small file that opens up
            out.write(rows)
    assert path.stat().st_size < 2**20
    batch = batch_ingest_file(path=path)
    assert_failed_with_nothing_written(batch, "after decompression")


@pytest.mark.parametrize("quoted", [False, True])
def test_a_200_mb_field_fails_the_file_early_without_reading_it_into_memory(
    tmp_path, regions, quoted
):
    path = tmp_path / "long-field.csv.gz"
    piece = (b"ab\n" if quoted else b"abc") * (2**20 // 3)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(HEADER + line(1))
        out.write(line(2, b'"' if quoted else b"")[:-1])
        for _ in range(200):
            out.write(piece)
        out.write(b'"\n' if quoted else b"\n")
    before = peak_rss_mb()
    batch = batch_ingest_file(path=path)
    assert_failed_with_nothing_written(batch, "longer than 1048576 bytes")
    assert "Record 3 (counting the header)" in batch.error_message
    assert peak_rss_mb() - before < 60


@pytest.mark.parametrize(
    ("start", "piece", "end"),
    [(b'"', b'ab\\"c,:' * 2**17, b'"'), (b"", b"1" * 2**20, b"")],
    ids=["string-with-escaped-quotes", "number"],
)
def test_a_200_mb_json_value_fails_the_file_early_without_reading_it_into_memory(
    tmp_path, regions, start, piece, end
):
    path = tmp_path / "long-value.json.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b'[{"incident_id": "J-1", "category": "theft"}, {"description": ' + start)
        for _ in range(200):
            out.write(piece)
        out.write(end + b"}]")
    before = peak_rss_mb()
    batch = batch_ingest_file(path=path)
    assert_failed_with_nothing_written(batch, "A JSON value is longer than 1048576 bytes")
    assert peak_rss_mb() - before < 60


def test_a_file_with_more_rows_than_the_limit_fails_whole(tmp_path, regions, settings):
    settings.INGEST_MAX_ROWS = 10
    path = tmp_path / "many.csv"
    path.write_bytes(HEADER + b"".join(line(n) for n in range(25)))
    batch = batch_ingest_file(path=path)
    assert_failed_with_nothing_written(batch, "more than 10 records")
    records = [{"incident_id": f"J-{n}", "category": "theft"} for n in range(11)]
    (tmp_path / "many.json").write_text(json.dumps(records))
    assert_failed_with_nothing_written(
        batch_ingest_file(path=tmp_path / "many.json"), "more than 10 records"
    )


@pytest.mark.parametrize("geojson", [False, True])
def test_json_nested_ten_thousand_levels_fails_the_batch_clearly(tmp_path, regions, geojson):
    deep = "[" * 10_000 + "]" * 10_000
    if geojson:
        path = tmp_path / "deep.geojson"
        path.write_text(
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, '
            f'"properties": {{"incident_id": "D-1", "nested": {deep}}}}}]}}'
        )
    else:
        path = tmp_path / "deep.json"
        path.write_text(f'[{{"incident_id": "D-1", "nested": {deep}}}]')
    batch = batch_ingest_file(path=path)
    assert_failed_with_nothing_written(batch, "Record 1 is nested too deeply")


def test_a_batch_that_dies_on_an_unexpected_error_ends_failed(tmp_path, regions):
    """The database raises mid-batch (a trigger refusing clean rows, standing in for any
    server-side failure): the batch ends failed, nothing written, no server text echoed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_incident() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'secret-server-detail'; END $$;
            CREATE TRIGGER test_refuse_incident BEFORE INSERT ON incidents_clean
            FOR EACH ROW EXECUTE FUNCTION test_refuse_incident();
            """
        )
    path = tmp_path / "rows.csv"
    path.write_bytes(HEADER + line(1))
    batch = batch_ingest_file(path=path, profile_name="kuwait")
    assert_failed_with_nothing_written(batch, "internal error")
    assert "secret-server-detail" not in batch.error_message


def test_stale_running_batches_are_marked_failed_and_others_left_alone():
    now = timezone.now()
    dead = IngestBatchFactory(status=BatchStatus.RUNNING, started_at=now - dt.timedelta(hours=3))
    alive = IngestBatchFactory(status=BatchStatus.RUNNING, started_at=now - dt.timedelta(minutes=5))
    done = IngestBatchFactory(status=BatchStatus.DONE, started_at=now - dt.timedelta(hours=5))
    assert batch_fail_stale() == [dead.pk]
    for batch in (dead, alive, done):
        batch.refresh_from_db()
    assert dead.status == BatchStatus.FAILED and "worker died" in dead.error_message
    assert dead.finished_at is not None
    assert (alive.status, done.status) == (BatchStatus.RUNNING, BatchStatus.DONE)
    assert batches_fail_stale_task.apply().get() == []  # nothing left


def test_the_stale_batch_sweep_is_scheduled_and_has_a_command(capsys):
    spec = next(s for s in PERIODIC_TASKS if s.task == batches_fail_stale_task.name)
    periodic_task_upsert(spec)
    assert PeriodicTask.objects.get(name=spec.name).interval.every == 600
    dead = IngestBatchFactory(
        status=BatchStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=30)
    )
    call_command("fail_stale_batches", "--minutes", "20")
    assert str(dead.pk) in capsys.readouterr().out
    dead.refresh_from_db()
    assert dead.status == BatchStatus.FAILED


class TestUploads:
    URL = "/api/incidents/batches"

    def test_an_upload_over_the_limit_is_refused_with_400(self, client_for, settings, tmp_path):
        settings.INTAKE_DIR = tmp_path / "intake"
        settings.INGEST_UPLOAD_MAX_BYTES = 1000
        upload = SimpleUploadedFile("big.csv", HEADER + line(1) * 40, content_type="text/csv")
        response = client_for(Role.ANALYST).post(self.URL, {"file": upload}, format="multipart")
        assert response.status_code == 400
        assert "larger than the upload limit of 1000 bytes" in str(response.json()["errors"])
        assert IngestBatch.objects.count() == 0
        uploads = tmp_path / "intake" / "uploads"
        assert not uploads.exists() or not any(uploads.iterdir())

    def test_a_body_far_over_the_limit_is_refused_with_413(self, client_for, settings):
        settings.INGEST_UPLOAD_MAX_BYTES = 1000
        settings.REQUEST_BODY_MAX_BYTES = 1000
        upload = SimpleUploadedFile("big.csv", b"x" * 200_000, content_type="text/csv")
        response = client_for(Role.ANALYST).post(self.URL, {"file": upload}, format="multipart")
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"
        assert IngestBatch.objects.count() == 0


def test_json_records_to_the_upload_endpoint_get_the_plain_body_limit(client_for, settings):
    settings.REQUEST_BODY_MAX_BYTES = 10_000
    settings.INGEST_UPLOAD_MAX_BYTES = 10**9
    records = [{"incident_id": f"R-{n}", "description": "x" * 100} for n in range(200)]
    response = client_for(Role.ANALYST).post(
        "/api/incidents/batches", {"records": records}, format="json"
    )
    assert response.status_code == 413
    assert IngestBatch.objects.count() == 0


def test_rejected_rows_are_unaffected_by_the_limits(tmp_path, regions):
    path = tmp_path / "ok.csv"
    path.write_bytes(HEADER + line(1) + line(2).replace(b"theft", b"unicorn"))
    batch = batch_ingest_file(path=path)
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.DONE, 1, 1)
    assert RejectedRow.objects.count() == 1
    shutil.rmtree(tmp_path, ignore_errors=True)
