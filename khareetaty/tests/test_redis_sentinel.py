"""Redis with Sentinel: a real primary, replica and sentinel; the app process (settings from
REDIS_SENTINELS) uses the cache, the Celery broker and the channel layer, Sentinel fails the
primary over, and the same process carries on against the new primary."""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from khareetaty.testing import free_port
from khareetaty.testing import wait_until as shared_wait_until

ROOT = Path(settings.BASE_DIR)

APP_SCRIPT = r"""
import sys, time
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django_redis import get_redis_connection
from khareetaty.celery import app

def round_trip(tag):
    cache.set(f"drill-{tag}", tag, timeout=300)
    assert cache.get(f"drill-{tag}") == tag
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(channel, {"type": "drill", "tag": tag})
    assert async_to_sync(layer.receive)(channel)["tag"] == tag
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue(f"drill-queue-{tag}")
        queue.put({"tag": tag})
        message = queue.get(timeout=10)
        assert message.payload["tag"] == tag
        message.ack()
        queue.close()
    return get_redis_connection("default").connection_pool.connection_kwargs.get("port")

def with_retries(tag):
    for attempt in range(20):
        try:
            round_trip(tag)
            return attempt
        except Exception as exc:  # the first calls after a failover may meet the old primary
            print(f"retry {attempt}: {type(exc).__name__}", flush=True)
            time.sleep(0.5)
    raise SystemExit("never recovered")

print("PHASE1", with_retries("one"), flush=True)
sys.stdin.readline()
print("PHASE2", with_retries("two"), flush=True)
"""

pytestmark = pytest.mark.faults


def start(args: list[str], port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            *args,
            "--daemonize",
            "yes",
            "--pidfile",
            str(folder / "pid"),
            "--logfile",
            str(folder / "log"),
            "--dir",
            str(folder),
        ],
        check=True,
        capture_output=True,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.05)
    pytest.fail(f"redis on {port} did not start")


def wait_until(predicate, seconds: float, what: str) -> None:
    shared_wait_until(predicate, seconds, what=what, interval=0.2, ignore=(redis.RedisError,))


def test_cache_broker_and_channel_layer_follow_a_sentinel_failover(tmp_path):
    primary, replica, sentinel = free_port(), free_port(), free_port()
    name = f"drill{uuid.uuid4().hex[:6]}"
    base = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    try:
        start([*base, "--port", str(primary)], primary, tmp_path / "primary")
        start(
            [*base, "--port", str(replica), "--replicaof", "127.0.0.1", str(primary)],
            replica,
            tmp_path / "replica",
        )
        wait_until(
            lambda: redis.Redis(port=replica).info("replication")["master_link_status"] == "up",
            30,
            "replication",
        )
        conf = tmp_path / "sentinel" / "sentinel.conf"
        conf.parent.mkdir()
        conf.write_text(
            f"port {sentinel}\nbind 127.0.0.1\nsentinel monitor {name} 127.0.0.1 {primary} 1\n"
            f"sentinel down-after-milliseconds {name} 1000\n"
            f"sentinel failover-timeout {name} 5000\n"
        )
        subprocess.run(
            [
                "redis-server",
                str(conf),
                "--sentinel",
                "--daemonize",
                "yes",
                "--pidfile",
                str(conf.parent / "pid"),
                "--logfile",
                str(conf.parent / "log"),
            ],
            check=True,
        )
        sentinel_client = redis.Redis(port=sentinel)
        wait_until(lambda: sentinel_client.sentinel_master(name)["num-slaves"] >= 1, 30, "sentinel")

        env = {
            **os.environ,
            "REDIS_SENTINELS": f"127.0.0.1:{sentinel}",
            "REDIS_SENTINEL_MASTER": name,
            "CACHE_KEY_PREFIX": name,
            "REDIS_DB": "0",  # these private servers: database 0, not the test worker's
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        app = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", APP_SCRIPT],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            lines = []
            while not any(line.startswith("PHASE1") for line in lines):
                line = app.stdout.readline()
                assert line, "".join(lines)
                lines.append(line)
            assert redis.Redis(port=primary).keys(f"{name}:*drill-one")

            # The primary dies; Sentinel promotes the replica.
            redis.Redis(port=primary).shutdown(nosave=True)
            wait_until(
                lambda: sentinel_client.sentinel_get_master_addr_by_name(name)[1] == replica,
                30,
                "the failover",
            )
            wait_until(
                lambda: redis.Redis(port=replica).info("replication")["role"] == "master",
                30,
                "the promotion",
            )
            app.stdin.write("go\n")
            app.stdin.flush()
            rest, _ = app.communicate(timeout=90)
            assert app.returncode == 0, "".join(lines) + rest
            assert "PHASE2" in rest, rest
        finally:
            if app.poll() is None:
                app.kill()
        # The second round trip was written to the new primary.
        assert redis.Redis(port=replica).keys(f"{name}:*drill-two")
    finally:
        for port in (sentinel, replica, primary):
            with contextlib.suppress(redis.RedisError):
                redis.Redis(port=port).shutdown(nosave=True)
