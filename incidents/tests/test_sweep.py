"""Folder intake: staging/ → archive/ or failed/, by the service and by a real Celery worker."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_beat.models import PeriodicTask

from incidents.choices import BatchStatus
from incidents.models import Incident, IngestBatch
from incidents.pipeline.intake import intake_sweep
from incidents.schedules import PERIODIC_TASKS
from incidents.tasks import intake_sweep_task
from incidents.tests.factories import nine_categories
from khareetaty.celery import app
from khareetaty.scheduling import periodic_task_upsert

GOOD = "incident_id,occurred_at,category,latitude,longitude\nS-1,2024-05-01T10:00:00,theft,29.37,47.98\nS-2,2024-05-01T11:00:00,fraud,29.30,48.00\n"
CHICAGO = "source_id,occurred_at,category,latitude,longitude,district\nC-1,2016-05-01T10:00:00,THEFT,41.88,-87.63,1\n"


@pytest.fixture
def intake(settings, tmp_path):
    settings.INTAKE_DIR = tmp_path / "intake"
    settings.INTAKE_SETTLE_SECONDS = 0
    staging = settings.INTAKE_DIR / "staging"
    staging.mkdir(parents=True)
    return settings.INTAKE_DIR


def drop(folder, name: str, text: str, *, age: float = 60):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


@pytest.mark.django_db
def test_sweep_archives_good_files_and_fails_unreadable_ones(intake):
    nine_categories()
    drop(intake / "staging", "good.csv", GOOD)
    drop(intake / "staging", "broken.csv", "nothing,useful\n1,2\n")
    drop(intake / "staging" / "chicago", "chi.csv", CHICAGO)
    drop(intake / "staging", "still-copying.csv.part", GOOD)
    batches = intake_sweep().batches
    by_name = {b.file_name: b for b in batches}
    assert set(by_name) == {"good.csv", "broken.csv", "chi.csv"}
    assert by_name["good.csv"].status == BatchStatus.DONE
    assert by_name["chi.csv"].source == "chicago"
    assert by_name["broken.csv"].status == BatchStatus.FAILED
    assert sorted(p.name for p in (intake / "archive").iterdir()) == sorted(
        [f"{by_name['good.csv'].pk}-good.csv", f"{by_name['chi.csv'].pk}-chi.csv"]
    )
    assert [p.name for p in (intake / "failed").iterdir()] == [
        f"{by_name['broken.csv'].pk}-broken.csv"
    ]
    assert [p.name for p in (intake / "staging").iterdir() if p.is_file()] == [
        "still-copying.csv.part"
    ]
    assert Incident.objects.count() == 3
    assert intake_sweep().batches == []  # nothing left to do


@pytest.mark.django_db
def test_a_file_still_being_written_waits_for_the_next_sweep(intake, settings):
    settings.INTAKE_SETTLE_SECONDS = 30
    nine_categories()
    drop(intake / "staging", "fresh.csv", GOOD, age=0)
    assert intake_sweep().batches == []
    assert (intake / "staging" / "fresh.csv").exists()


@pytest.mark.django_db
def test_the_sweep_is_scheduled_every_five_minutes():
    spec = next(s for s in PERIODIC_TASKS if s.task == "incidents.intake_sweep")
    task = periodic_task_upsert(spec)
    assert PeriodicTask.objects.get(name=spec.name).interval.every == 300
    assert not task.queue  # the route decides: one place names queues
    assert app.amqp.router.route({}, task.task)["queue"].name == "long"
    assert spec.task == intake_sweep_task.name


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_runs_the_sweep_task(intake):
    nine_categories()
    drop(intake / "staging", "worker.csv", GOOD)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["default", "long"]):
        result = intake_sweep_task.apply_async(queue="long")
        batch_ids = result.get(timeout=60)
    assert len(batch_ids) == 1
    batch = IngestBatch.objects.get(pk=batch_ids[0])
    assert (batch.status, batch.accepted) == (BatchStatus.DONE, 2)
    assert (intake / "archive" / f"{batch.pk}-worker.csv").exists()


SECRET = "SECRET_KEY=do-not-leak-4f1c9e\n"


def _tree(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.django_db
def test_symlinks_in_staging_are_skipped_and_their_targets_never_read_or_moved(intake, tmp_path):
    nine_categories()
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.env"
    secret.write_text(SECRET)
    (outside / "chicago").mkdir()
    drop(outside / "chicago", "c.csv", CHICAGO)
    staging = intake / "staging"
    (staging / "leak.csv").symlink_to(secret)
    (staging / "chicago").symlink_to(outside / "chicago", target_is_directory=True)
    real = drop(staging, "real.csv", GOOD)
    (staging / "inner.csv").symlink_to(real)  # even a link to a file inside staging
    (staging / "kuwait").mkdir()
    (staging / "kuwait" / "nested.csv").symlink_to(secret)
    result = intake_sweep()
    assert [b.file_name for b in result.batches] == ["real.csv"]
    assert sorted(result.skipped) == ["chicago", "inner.csv", "kuwait/nested.csv", "leak.csv"]
    assert IngestBatch.objects.count() == 1
    assert secret.read_text() == SECRET and (outside / "chicago" / "c.csv").exists()
    assert (staging / "leak.csv").is_symlink() and (staging / "chicago").is_symlink()
    assert _tree(intake / "processing") == [] and _tree(intake / "failed") == []


@pytest.mark.django_db
def test_a_hard_link_to_a_file_elsewhere_is_skipped(intake, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text(SECRET)
    os.link(secret, intake / "staging" / "linked.csv")
    os.utime(intake / "staging" / "linked.csv", (time.time() - 60, time.time() - 60))
    result = intake_sweep()
    assert (result.batches, result.skipped) == ([], ["linked.csv"])
    assert IngestBatch.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("secret.csv", SECRET + "JWT_SIGNING_KEY=do-not-leak-4f1c9e\n"),
        ("secret.csv", 'incident_id,occurred_at,category,latitude,longitude\n"do-not-leak-4f1c9e'),
        ("secret.json", '[{"key": do-not-leak-4f1c9e}]'),
        ("secret.geojson", '{"type": "FeatureCollection", "features": [do-not-leak-4f1c9e'),
    ],
)
def test_a_failed_file_s_content_is_never_echoed_in_the_batch_error(intake, name, content):
    drop(intake / "staging", name, content)
    (batch,) = intake_sweep().batches
    assert batch.status == BatchStatus.FAILED
    assert batch.error_message
    assert "do-not-leak" not in batch.error_message
    assert "SECRET" not in batch.error_message
