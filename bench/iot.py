"""Benchmark of the IoT ingestion over MQTT: 1,000 devices publishing 2,000 events/s in all
for 60 s to the project-local Mosquitto, stored by the real consumer (`manage.py
iot_consume`, its own process) in a database of its own.

Prints JSON: events published (acknowledged by the broker), stored, duplicates and rejected
(from the database, per device counters and rows), whether published = stored + rejected
exactly, p50/p95/max event-to-stored latency (device time in the message -> row inserted),
event-to-incident latency (the event that tipped a candidate -> its incident), consumer CPU
(% of one core) and peak RSS, the drain time after publishing stopped, and the reference in
the same run: a bare paho subscriber receiving the same messages from the same broker (its
p95 latency and count) and the broker's own CPU.

    .venv/bin/python bench/iot.py --devices 1000 --rate 2000 --duration 60
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
BENCH_DB = os.environ.get("IOT_BENCH_DB", "khareetaty_iotbench")
# A Redis database of its own (the live map's counters): other work on the same Redis
# flushing its database must not disturb the run.
BENCH_REDIS_DB = 9


def _local_env() -> dict[str, str]:
    path = ROOT / "var" / "local.env"
    pairs = [line.split("=", 1) for line in path.read_text().splitlines() if "=" in line]
    return dict(pairs)


def _redis_env() -> dict[str, str]:
    port = _local_env().get("KHAREETATY_REDIS_PORT", "63799")
    return {"REDIS_URL": f"redis://127.0.0.1:{port}/{BENCH_REDIS_DB}"}


def prepare_database() -> str:
    """A fresh database of its own on the project-local cluster, migrated."""
    env = _local_env()
    port = env["KHAREETATY_PG_PORT"]
    url = f"postgis://khareetaty@127.0.0.1:{port}/{BENCH_DB}"
    admin = ["psql", "-h", "127.0.0.1", "-p", port, "-U", "khareetaty", "-d", "postgres", "-qc"]
    subprocess.run([*admin, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"], check=True)
    subprocess.run([*admin, f"CREATE DATABASE {BENCH_DB}"], check=True)
    run_env = {**os.environ, "DATABASE_URL": url, "DB_APP_ROLE": "", **_redis_env()}
    manage = [str(ROOT / ".venv/bin/python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], check=True, cwd=ROOT, env=run_env)
    subprocess.run(
        [*manage, "load_reference_data", "-v0"],
        check=True,
        cwd=ROOT,
        env=run_env,
        capture_output=True,
    )
    return url


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- processes ------------------------------------------------------------------------------


def publisher(devices, rate, duration, host, port, password, seed, out):
    """One publishing process: its share of the devices and of the rate; a true gunshot heard
    by a cluster every 2 s; 1% malformed events (they must come back as rejected)."""
    import paho.mqtt.client as mqtt

    rng = random.Random(seed)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"bench-pub-{seed}",
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set("khareetaty-device", password)
    client.max_inflight_messages_set(2000)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    acoustic = [d for d in devices if d["kind"] == "acoustic"]
    infos, bad, sent = [], 0, 0
    start = time.monotonic()
    next_cluster = start + 1
    while time.monotonic() - start < duration:
        now = time.monotonic()
        batch = []
        if now >= next_cluster and acoustic:
            first = rng.randrange(0, len(acoustic) - 2)
            for d in acoustic[first : first + 2]:
                batch.append((d, "gunshot", rng.uniform(0.75, 0.95)))
            next_cluster = now + 2
        d = rng.choice(devices)
        kind = "gunshot" if d["kind"] == "acoustic" else "tamper"
        batch.append((d, kind, rng.uniform(0.1, 0.3)))
        for d, kind, confidence in batch:
            body = {
                "key": d["key"],
                "id": f"{seed}-{sent}",
                "type": kind,
                "at": datetime.now(UTC).isoformat(),
                "confidence": round(confidence, 3) if rng.random() > 0.01 else 7,
                "payload": {"bench": True},
            }
            bad += body["confidence"] == 7
            infos.append(
                client.publish(
                    f"khareetaty/{d['agency']}/{d['external_id']}/events", json.dumps(body), qos=1
                )
            )
            sent += 1
        time.sleep(max(0.0, start + sent / rate - time.monotonic()))
    for info in infos:
        info.wait_for_publish(120)
    acked = sum(1 for info in infos if info.is_published())
    client.disconnect()
    client.loop_stop()
    out.put({"published": acked, "attempted": len(infos), "malformed": bad})


def bare_subscriber(host, port, password, expected, deadline_s, out):
    """The reference: Mosquitto relaying the same messages to a subscriber that does nothing
    but note the latency."""
    import paho.mqtt.client as mqtt

    latencies, count = [], [0]
    start_cpu = time.process_time()

    def on_message(client, userdata, msg):
        count[0] += 1
        if count[0] % 10 == 0:  # parse one in ten: the reference must stay cheap
            at = json.loads(msg.payload)["at"]
            latencies.append(time.time() - datetime.fromisoformat(at).timestamp())

    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id="bench-bare-subscriber",
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set("khareetaty-consumer", password)
    client.on_message = on_message
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("khareetaty/+/+/events", qos=1)
    client.connect(host, port)
    client.loop_start()
    out.put("ready")
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and (expected.value == 0 or count[0] < expected.value):
        time.sleep(0.2)
    client.loop_stop()
    out.put(
        {
            "received": count[0],
            "p50_latency_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
            "p95_latency_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
            "cpu_seconds": round(time.process_time() - start_cpu, 1),
        }
    )


# --- the run ---------------------------------------------------------------------------------


def _db_counts(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM iot_events")
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM iot_rejected_events")
        rejected = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(events_duplicate), 0) FROM iot_device")
        duplicates = cursor.fetchone()[0]
    return {"stored": stored, "rejected": rejected, "duplicates": duplicates}


def _wait_promoted(connection, patience: float = 30) -> None:
    """Until the alerts worker promoted every candidate over its threshold (or made no
    progress for ``patience`` seconds)."""
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < patience:
        with connection.cursor() as cursor:
            cursor.execute(_PENDING)
            pending = cursor.fetchone()[0]
        if pending == 0:
            return
        if pending != last:
            last, last_change = pending, time.monotonic()
        time.sleep(0.5)


_QUANTILES = (
    "SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ms), max(ms), count(*)"
    " FROM ({}) t(ms)"
)
# Each in milliseconds. Event to stored is split at the consumer's receipt: publisher and
# broker (comparable with the reference subscriber's latency), then the consumer itself.
# Event to incident is split at the storing of the event that tipped the candidate: then the
# promotion (task queue, alerts worker, incident_create).
_LATENCIES = {
    "event_to_stored_ms": "SELECT extract(epoch FROM stored_at - occurred_at) * 1000"
    " FROM iot_events",
    "event_to_consumer_receipt_ms": "SELECT extract(epoch FROM received_at - occurred_at)"
    " * 1000 FROM iot_events",
    "consumer_receipt_to_stored_ms": "SELECT extract(epoch FROM stored_at - received_at)"
    " * 1000 FROM iot_events",
    "event_to_incident_ms": "SELECT extract(epoch FROM promoted_at - tipping_event_at) * 1000"
    " FROM iot_candidates WHERE status = 'promoted'",
    "tipping_event_stored_to_incident_ms": "SELECT extract(epoch FROM c.promoted_at -"
    " min(e.stored_at)) * 1000 FROM iot_candidates c JOIN iot_events e"
    " ON e.candidate_id = c.id AND e.occurred_at = c.tipping_event_at"
    " WHERE c.status = 'promoted' GROUP BY c.id",
}


def _latencies(connection) -> dict:
    report = {}
    with connection.cursor() as cursor:
        for name, sql in _LATENCIES.items():
            cursor.execute(_QUANTILES.format(sql))
            quantiles, worst, count = cursor.fetchone()
            report[name] = {"count": count}
            if count:
                report[name] |= {"p50": round(quantiles[0]), "p95": round(quantiles[1])}
                report[name]["max"] = round(worst)
        cursor.execute(_PENDING)
        report["candidates_left_unpromoted"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM incidents_clean WHERE source = 'iot'")
        report["sensor_incidents"] = cursor.fetchone()[0]
    return report


ALERTS_LOG = ROOT / "var" / "log" / "bench-iot-alerts.log"
_PENDING = (
    "SELECT count(*) FROM iot_candidates WHERE status = 'open' AND tipping_event_at IS NOT NULL"
)


def _consumer_log(index: int) -> Path:
    return ROOT / "var" / "log" / f"bench-iot-consumer-{index}.log"


def _start_consumer(url: str, index: int, shared: bool) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DB_APP_ROLE": "",
        **_redis_env(),
        "MQTT_CLIENT_ID": _consumer_id(index),
        "MQTT_SHARED_GROUP": "bench" if shared else "",
    }
    log = open(_consumer_log(index), "w")  # noqa: SIM115
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "manage.py", "iot_consume"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _drop_sessions(host: str, port: int, password: str, client_ids: list[str]) -> None:
    """End the consumers' persistent sessions: a session left behind keeps its subscription,
    so the broker would queue a copy of every later message for it (and, in a shared
    subscription, hand it a share of them that no live consumer receives)."""
    import paho.mqtt.client as mqtt

    for client_id in client_ids:
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=True,
            protocol=mqtt.MQTTv311,
        )
        client.username_pw_set("khareetaty-consumer", password)
        client.connect(host, port)
        client.loop_start()
        time.sleep(0.3)
        client.disconnect()
        client.loop_stop()


def _consumer_id(index: int) -> str:
    return f"bench-consumer-{index}"


def _flush_bench_redis() -> None:
    """Tasks left in the bench's broker database by an interrupted run would name rows of a
    database that no longer exists."""
    import redis

    redis.Redis.from_url(_redis_env()["REDIS_URL"]).flushdb()


def _start_alerts_worker(url: str) -> subprocess.Popen:
    """The real alerts worker (as in the Procfile): it promotes candidates to incidents and
    runs what an incident sets off (the alert rules)."""
    env = {**os.environ, "DATABASE_URL": url, "DB_APP_ROLE": "", **_redis_env()}
    log = open(ALERTS_LOG, "w")  # noqa: SIM115
    command = [str(ROOT / ".venv/bin/celery"), "-A", "khareetaty", "worker", "-Q", "alerts"]
    command += ["-n", f"bench-alerts-{os.getpid()}@%h", "--pool", "threads", "--concurrency", "4"]
    return subprocess.Popen(
        [*command, "--loglevel", "INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def _wait_for_log(path: Path, text: str, what: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in path.read_text():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start (see {path})")


def _wait_connected(index: int, timeout: float = 120) -> None:
    log = _consumer_log(index)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if "MQTT consumer connected" in log.read_text():
            time.sleep(1)  # the subscription follows the connection
            return
        time.sleep(0.2)
    raise SystemExit("the consumer did not connect")


def _bench_messages(devices, count: int, rng: random.Random) -> list:
    """Messages as the publishers send them (true gunshot pairs, noise, 1 % malformed)."""
    from iot.choices import Door
    from iot.services.ingest import Message

    acoustic = [d for d in devices if d["kind"] == "acoustic"]
    out = []
    while len(out) < count:
        d = rng.choice(devices)
        pair = [(d, "gunshot" if d["kind"] == "acoustic" else "tamper", rng.uniform(0.1, 0.3))]
        if len(out) % 1000 == 0:
            first = rng.randrange(0, len(acoustic) - 2)
            pair += [(a, "gunshot", rng.uniform(0.75, 0.95)) for a in acoustic[first : first + 2]]
        for dev, kind, confidence in pair:
            body = {
                "key": dev["key"],
                "id": f"p-{len(out)}",
                "type": kind,
                "at": datetime.now(UTC).isoformat(),
                "confidence": round(confidence, 3) if rng.random() > 0.01 else 7,
                "payload": {"bench": True},
            }
            topic = f"khareetaty/{dev['agency']}/{dev['external_id']}/events"
            out.append(
                Message(
                    door=Door.MQTT, body=json.dumps(body).encode(), received_at=None, topic=topic
                )
            )
    return out


def profile_batches(devices, batches: int, size: int, cprofile: bool) -> dict:
    """The consumer's storing step without MQTT: ``batches`` batches of ``size`` messages
    through ``messages_ingest`` in this process. CPU seconds (this process and its
    PostgreSQL backend) per 1,000 events are what contention on a shared machine changes
    least; wall time per batch is reported beside them."""
    import cProfile
    import pstats

    from django.db import connection

    from iot.services.ingest import messages_ingest

    rng = random.Random(5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    messages_ingest(_stamp(_bench_messages(devices, size, rng)))  # warm the key cache
    walls, cpu0, pg0 = [], time.process_time(), cpu_seconds(backend)
    profiler = cProfile.Profile() if cprofile else None
    for _ in range(batches):
        batch = _stamp(_bench_messages(devices, size, rng))
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        messages_ingest(batch)
        if profiler:
            profiler.disable()
        walls.append(time.perf_counter() - start)
    events = batches * size
    python_cpu, pg_cpu = time.process_time() - cpu0, cpu_seconds(backend) - pg0
    if profiler:
        profiler.dump_stats(ROOT / "var" / "log" / "bench-iot.prof")  # for pstats / snakeviz
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    return {
        "batches": batches,
        "batch_size": size,
        "wall_ms_per_batch": {
            "p50": round(1000 * percentile(walls, 0.5)),
            "p95": round(1000 * percentile(walls, 0.95)),
        },
        "consumer_cpu_ms_per_1000_events": round(1000 * python_cpu / events * 1000),
        "postgres_cpu_ms_per_1000_events": round(1000 * pg_cpu / events * 1000),
        "events_per_cpu_second": round(events / (python_cpu + pg_cpu)),
        "load_average_1m": round(os.getloadavg()[0], 1),
    }


def _stamp(messages: list) -> list:
    now = datetime.now(UTC)
    for message in messages:
        message.received_at = now
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument(
        "--consumers", type=int, default=1, help="more than 1: a shared subscription ($share)"
    )
    parser.add_argument(
        "--profile-batches", type=int, default=0, help="only time the storing step, N batches"
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    url = prepare_database()
    os.environ.update({"DATABASE_URL": url, "DB_APP_ROLE": "", **_redis_env()})
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from iot.simulation import fleet_ensure

    t0 = time.monotonic()
    fleet = fleet_ensure(count=args.devices, agency="bench", seed=11, heartbeat_seconds=86400)
    setup_s = time.monotonic() - t0
    devices = [
        {"key": d.key, "agency": d.agency, "external_id": d.external_id, "kind": d.kind}
        for d in fleet
    ]
    if args.profile_batches:
        report = profile_batches(devices, args.profile_batches, args.batch_size, args.cprofile)
        print(json.dumps({"devices": args.devices, **report}, indent=2))
        return
    host, port = settings.MQTT_HOST, settings.MQTT_PORT
    broker_pid = int((ROOT / "var" / "run" / "mosquitto.pid").read_text())
    consumer_ids = [_consumer_id(i) for i in range(max(args.consumers, 4))]
    _drop_sessions(host, port, settings.MQTT_PASSWORD, consumer_ids)  # of an interrupted run
    _flush_bench_redis()
    alerts = _start_alerts_worker(url)
    consumers = [_start_consumer(url, i, args.consumers > 1) for i in range(args.consumers)]
    _wait_for_log(ALERTS_LOG, " ready.", "the alerts worker")
    for i in range(args.consumers):
        _wait_connected(i)  # its persistent session (and subscription) exists from here on
    expected = mp.Value("i", 0)
    reference_out = mp.Queue()
    reference = mp.Process(
        target=bare_subscriber,
        args=(host, port, settings.MQTT_PASSWORD, expected, args.duration + 180, reference_out),
    )
    reference.start()
    assert reference_out.get(timeout=30) == "ready"
    time.sleep(1)
    load_before = os.getloadavg()
    cpu0 = [cpu_seconds(c.pid) for c in consumers]
    alerts_cpu0 = cpu_seconds(alerts.pid)
    broker_cpu0, start = cpu_seconds(broker_pid), time.monotonic()
    out = mp.Queue()
    share = args.rate / args.publishers
    procs = [
        mp.Process(
            target=publisher,
            args=(
                devices[i :: args.publishers],
                share,
                args.duration,
                host,
                port,
                settings.MQTT_DEVICE_PASSWORD,
                i,
                out,
            ),
        )
        for i in range(args.publishers)
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=args.duration + 300) for _ in procs]
    for proc in procs:
        proc.join()
    published_at = time.monotonic()
    published = sum(r["published"] for r in results)
    expected.value = published
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < 60:  # until all are in, or no progress for 60 s
        counts = _db_counts(connection)
        done = counts["stored"] + counts["rejected"]
        if done >= published:
            break
        if done != last:
            last, last_change = done, time.monotonic()
        time.sleep(0.5)
    drained_at = time.monotonic()
    _wait_promoted(connection)
    counts = _db_counts(connection)
    load_after = os.getloadavg()
    consumer_cpu = [cpu_seconds(c.pid) - c0 for c, c0 in zip(consumers, cpu0, strict=True)]
    broker_cpu = cpu_seconds(broker_pid) - broker_cpu0
    rss = [peak_rss_mb(c.pid) for c in consumers]
    alerts_cpu, alerts_rss = cpu_seconds(alerts.pid) - alerts_cpu0, peak_rss_mb(alerts.pid)
    for consumer in [*consumers, alerts]:
        consumer.terminate()
    for consumer in [*consumers, alerts]:
        try:
            consumer.wait(60)
        except subprocess.TimeoutExpired:
            consumer.kill()
    _drop_sessions(host, port, settings.MQTT_PASSWORD, consumer_ids)
    ref = reference_out.get(timeout=200)
    reference.join()
    wall = drained_at - start
    report = {
        "devices": args.devices,
        "target_rate": args.rate,
        "duration_s": args.duration,
        "setup_devices_s": round(setup_s, 1),
        "published": published,
        "attempted": sum(r["attempted"] for r in results),
        "malformed_sent": sum(r["malformed"] for r in results),
        **counts,
        "published_equals_stored_plus_rejected": published == counts["stored"] + counts["rejected"],
        "achieved_publish_rate": round(published / (published_at - start)),
        "drain_after_publish_s": round(drained_at - published_at, 1),
        "stored_rate": round((counts["stored"] + counts["rejected"]) / wall),
        **_latencies(connection),
        "consumers": [
            {
                "cpu_percent_of_one_core": round(100 * cpu / wall),
                "cpu_ms_per_1000_events": round(
                    1_000_000 * cpu / max(1, counts["stored"] + counts["rejected"])
                ),
                "peak_rss_mb": round(peak),
            }
            for cpu, peak in zip(consumer_cpu, rss, strict=True)
        ],
        "alerts_worker": {
            "cpu_percent_of_one_core": round(100 * alerts_cpu / wall),
            "peak_rss_mb": round(alerts_rss),
        },
        "load_average_1m_before_after": [round(load_before[0], 1), round(load_after[0], 1)],
        "reference_bare_subscriber": {**ref, "broker_cpu_percent": round(100 * broker_cpu / wall)},
    }
    print(json.dumps(report, indent=2, default=float))


if __name__ == "__main__":
    main()
