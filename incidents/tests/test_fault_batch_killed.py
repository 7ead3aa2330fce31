"""Fault drill: the process running an ETL batch is killed (SIGKILL) in the middle of it.
Nothing of the batch is written (it loads in one transaction), the stale-batch sweep marks it
failed, and the same file then loads whole: received = accepted + duplicates + rejected."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from incidents.choices import BatchStatus
from incidents.models import Incident, IngestBatch, RawIncident
from incidents.pipeline.services import batch_fail_stale
from incidents.reference import reference_data_load_defaults

pytestmark = pytest.mark.faults


def _manage(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_nothing_half_written(tmp_path):
    reference_data_load_defaults()
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "INTAKE_DIR": str(tmp_path / "intake"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    source = tmp_path / "incidents.csv"
    generated = _manage("generate_incidents", "--count", "60000", "--out", str(source), env=env)
    assert generated.wait(timeout=300) == 0, generated.stderr.read()

    first = _manage("ingest", str(source), "--no-progress", env=env)
    try:
        deadline = time.monotonic() + 120
        while not IngestBatch.objects.filter(status=BatchStatus.RUNNING).exists():
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() < deadline, "the batch never started"
            time.sleep(0.05)
        time.sleep(1.5)  # well into reading and loading
        assert first.poll() is None, "the batch finished before the kill: use a bigger file"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    batch = IngestBatch.objects.get()
    assert batch.status == BatchStatus.RUNNING
    assert RawIncident.objects.filter(batch=batch).count() == 0  # nothing half-written
    assert Incident.objects.count() == 0

    # The sweep fails the dead batch; the file loads whole on the next run.
    assert batch_fail_stale(older_than=dt.timedelta(microseconds=1)) == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    again = _manage("ingest", str(source), "--no-progress", env=env)
    assert again.wait(timeout=300) == 0, again.stderr.read()
    done = IngestBatch.objects.get(status=BatchStatus.DONE)
    assert done.received == 60000
    assert done.received == done.accepted + done.duplicates + done.rejected
    assert RawIncident.objects.filter(batch=done).count() == done.received
