"""Two Celery Beat processes, one leader: the second never fires while the first holds the
Redis lock, and takes over once the first dies (khareetaty/beat.py)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_redis import get_redis_connection

from khareetaty.beat import beat_lock_key

SENT = "Sending due task"

pytestmark = pytest.mark.faults


def _beat_environment(prefix: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {**os.environ}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DATABASE_URL=f"postgis://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        # A broker database nobody consumes: what Beat sends stays countable and harmless.
        CELERY_BROKER_URL=settings.REDIS_URL.rsplit("/", 1)[0] + "/14",
        CACHE_KEY_PREFIX=prefix,
        BEAT_LOCK_TTL="3",
        LOG_LEVEL="INFO",
    )
    return env


def _start_beat(env: dict[str, str], log: Path) -> subprocess.Popen:
    celery = Path(sys.executable).parent / "celery"
    return subprocess.Popen(
        [str(celery), "-A", "khareetaty", "beat", "--loglevel", "INFO"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_never_fires_while_the_leader_lives_and_takes_over_when_it_dies(
    tmp_path,
):
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="leader drill", task="khareetaty.beat_heartbeat", interval=every_second
    )
    prefix = f"beat-drill-{uuid.uuid4().hex[:8]}"
    env = _beat_environment(prefix)
    first_log, second_log = tmp_path / "first" / "beat.log", tmp_path / "second" / "beat.log"
    first_log.parent.mkdir()
    second_log.parent.mkdir()
    first = _start_beat(env, first_log)
    second = None
    try:
        _wait_for(
            lambda: SENT in first_log.read_text() or first.poll() is not None,
            90,
            "the first Beat to fire",
        )
        assert first.poll() is None, first_log.read_text()
        second = _start_beat(env, second_log)
        _wait_for(lambda: "beat: Starting" in second_log.read_text(), 90, "the second Beat")
        time.sleep(8)  # more than two lock lifetimes, many ticks of both
        assert second_log.read_text().count(SENT) == 0
        assert first_log.read_text().count(SENT) >= 5
        holder = get_redis_connection("default").get(f"{prefix}:beat-leader")
        assert holder is not None

        # The leader dies without releasing the lock: the standby takes over when it expires.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        fired_by_first = first_log.read_text().count(SENT)
        _wait_for(lambda: SENT in second_log.read_text(), 30, "the standby to take over")
        assert first_log.read_text().count(SENT) == fired_by_first
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        get_redis_connection("default").delete(f"{prefix}:beat-leader")
        redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    assert beat_lock_key() == f"{settings.CACHES['default']['KEY_PREFIX']}:beat-leader"
