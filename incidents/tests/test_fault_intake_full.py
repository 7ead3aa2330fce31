"""Fault drill: the intake disk is full.

The intake folder is a real, tiny filesystem (a 512 KiB tmpfs mounted over it; the drill needs
root to mount and is skipped without it), filled to the last byte with a filler file. Then:

- an upload through the batch API is refused with a 507 naming the full disk, the partial file
  is removed, and the batch is recorded failed with that message (never left pending/running);
- once space is freed the same upload is taken and loads;
- a file already waiting in staging/ still loads and is kept in archive/ (moving it within the
  volume needs no free space).
"""

import errno
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.choices import BatchStatus
from incidents.models import Incident, IngestBatch
from incidents.pipeline.intake import intake_sweep
from incidents.tests.factories import nine_categories
from khareetaty.accounts.choices import Role
from khareetaty.celery import app

pytestmark = [pytest.mark.faults, pytest.mark.django_db]
URL = "/api/incidents/batches"
HEADER = "incident_id,occurred_at,category,latitude,longitude\n"


def _csv(prefix: str, rows: int) -> str:
    lines = (f"{prefix}-{i},2024-05-01T10:{i % 60:02d}:00,theft,29.37,47.98\n" for i in range(rows))
    return HEADER + "".join(lines)


@pytest.fixture
def tiny_intake(tmp_path, settings, monkeypatch):
    """INTAKE_DIR on its own 512 KiB tmpfs; unmounted afterwards."""
    root = tmp_path / "intake"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    settings.INTAKE_DIR = root
    settings.INTAKE_SETTLE_SECONDS = 0
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    nine_categories()
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def _fill(root: Path) -> Path:
    """Write a filler file until the volume says ENOSPC; return it."""
    filler = root / f"filler-{uuid.uuid4().hex}"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_an_upload_to_a_full_intake_disk_is_refused_clearly_and_its_batch_ends_failed(
    tiny_intake, client_for, django_capture_on_commit_callbacks
):
    client = client_for(Role.ANALYST)
    (tiny_intake / "uploads").mkdir()
    filler = _fill(tiny_intake)
    body = _csv("FULL", 2000).encode()  # ~100 KB: more than the volume has left
    upload = SimpleUploadedFile("night.csv", body, content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": upload, "profile": "kuwait"}, format="multipart")

    assert response.status_code == 507, response.content
    answer = response.json()
    assert answer["code"] == "intake_full"
    assert "intake disk is full" in answer["detail"]
    batch = IngestBatch.objects.get(pk=answer["batch"])
    assert batch.status == BatchStatus.FAILED
    assert batch.finished_at is not None
    assert "intake disk is full" in batch.error_message
    assert batch.file_name == "night.csv"
    assert list((tiny_intake / "uploads").iterdir()) == []  # no partial file left behind
    assert not IngestBatch.objects.filter(
        status__in=[BatchStatus.PENDING, BatchStatus.RUNNING]
    ).exists()

    # Room again: the same file is taken and loads.
    filler.unlink()
    upload = SimpleUploadedFile("night.csv", body, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, {"file": upload, "profile": "kuwait"}, format="multipart")
    assert again.status_code == 202, again.content
    done = IngestBatch.objects.get(pk=again.json()["id"])
    assert (done.status, done.accepted) == (BatchStatus.DONE, 2000)


def test_a_file_waiting_in_staging_still_loads_and_is_kept_when_the_disk_fills(tiny_intake):
    staging = tiny_intake / "staging"
    staging.mkdir()
    (staging / "waiting.csv").write_text(_csv("STAGED", 50))
    _fill(tiny_intake)

    result = intake_sweep()

    [batch] = result.batches
    batch.refresh_from_db()
    assert (batch.status, batch.accepted) == (BatchStatus.DONE, 50)
    assert Incident.objects.filter(external_id__startswith="STAGED-").count() == 50
    kept = Path(batch.file_path)
    assert kept.parent == tiny_intake / "archive"
    assert kept.read_text().startswith(HEADER)
