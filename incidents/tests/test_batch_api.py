"""The batch API: upload a file or records, poll the batch, download rejected rows."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Incident, IngestBatch
from incidents.tests.factories import nine_categories
from khareetaty.accounts.choices import Role
from khareetaty.celery import app

pytestmark = pytest.mark.django_db
URL = "/api/incidents/batches"
CSV = (
    "incident_id,occurred_at,category,latitude,longitude\n"
    "A-1,2024-05-01T10:00:00,theft,29.37,47.98\n"
    "A-2,2024-05-01T10:05:00,unicorn,29.37,47.98\n"
    "A-3,2024-05-01T10:05:00,fraud,99,47.98\n"
)


@pytest.fixture
def eager(monkeypatch, settings, tmp_path):
    """Run the queued batch in-process (the worker path is covered in test_sweep)."""
    settings.INTAKE_DIR = tmp_path / "intake"
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    nine_categories()


def test_analyst_uploads_a_file_and_polls_the_batch(
    client_for, eager, django_capture_on_commit_callbacks
):
    client = client_for(Role.ANALYST)
    upload = SimpleUploadedFile("upload.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": upload, "profile": "kuwait"}, format="multipart")
    assert response.status_code == 202, response.content
    batch_id = response.json()["id"]
    assert response.json()["status"] == "pending"

    detail = client.get(f"{URL}/{batch_id}").json()
    assert (detail["status"], detail["received"], detail["accepted"], detail["rejected"]) == (
        "done",
        3,
        1,
        2,
    )
    assert detail["created_by"] == client.user.username
    assert Incident.objects.filter(external_id="A-1").exists()
    assert (IngestBatch.objects.get(pk=batch_id).file_path or "").endswith("upload.csv")

    download = client.get(f"{URL}/{batch_id}/rejected.csv")
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {(r["row_number"], r["field"], r["code"]) for r in rows} == {
        ("2", "category", "unknown_category"),
        ("3", "latitude", "invalid_coordinate"),
    }
    assert "unicorn" in rows[0]["record"]

    listing = client.get(URL).json()
    assert batch_id in [b["id"] for b in listing["results"]]


def test_json_records_are_accepted_as_a_batch(
    client_for, eager, django_capture_on_commit_callbacks
):
    client = client_for(Role.SUPERADMIN)
    records = [
        {
            "incident_id": "J-1",
            "occurred_at": "2024-05-01T10:00:00",
            "category": "سرقة",
            "latitude": 29.3,
            "longitude": 47.9,
        },
        {
            "incident_id": "J-2",
            "occurred_at": "soon",
            "category": "theft",
            "latitude": 29.3,
            "longitude": 47.9,
        },
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"records": records}, format="json")
    assert response.status_code == 202
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert (batch.status, batch.accepted, batch.rejected) == ("done", 1, 1)


def test_upload_is_queued_for_a_worker_after_commit(
    client_for, eager, django_capture_on_commit_callbacks
):
    client = client_for(Role.ANALYST)
    upload = SimpleUploadedFile("later.csv", CSV.encode())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(URL, {"file": upload}, format="multipart")
    assert IngestBatch.objects.get(pk=response.json()["id"]).status == "pending"
    assert len(callbacks) == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FIELD_SUPERVISOR])
def test_only_analysts_and_up_may_upload(client_for, eager, role):
    response = client_for(role).post(URL, {"records": [{"a": 1}]}, format="json")
    assert response.status_code == 403


def test_viewer_cannot_download_rejected_rows(client_for, eager):
    batch = IngestBatch.objects.create(source="kuwait", status="done")
    assert client_for(Role.VIEWER).get(f"{URL}/{batch.pk}/rejected.csv").status_code == 403
    assert client_for(Role.VIEWER).get(f"{URL}/{batch.pk}").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [{}, {"records": []}, {"records": [{"a": 1}], "profile": "atlantis"}],
)
def test_bad_requests_are_field_errors(client_for, eager, payload):
    response = client_for(Role.ANALYST).post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
