#!/usr/bin/env bash
# Stop what `make run` / `make test` started: the process group of honcho, the project-local
# PostgreSQL cluster, Redis and Mosquitto. Services given through DATABASE_URL / REDIS_URL /
# MQTT_HOST are left alone.
set -uo pipefail
cd "$(dirname "$0")/.."
VAR="$(pwd)/var"
[ -f "$VAR/local.env" ] && . "$VAR/local.env"
if [ -f "$VAR/run/honcho.pid" ]; then
  kill "$(cat "$VAR/run/honcho.pid")" 2>/dev/null && sleep 2
  rm -f "$VAR/run/honcho.pid"
fi
# Stragglers of this clone only (matched by working folder): other clones on the machine,
# and their workers, are left alone.
ROOT=$(pwd -P)
for pid in $(pgrep -f "celery -A khareetaty|uvicorn khareetaty.asgi" 2>/dev/null); do
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$ROOT" ] && kill "$pid" 2>/dev/null
done
if [ -f "$VAR/run/redis.pid" ]; then
  redis-cli -p "${KHAREETATY_REDIS_PORT:-63799}" shutdown nosave >/dev/null 2>&1
  rm -f "$VAR/run/redis.pid"
fi
if [ -f "$VAR/run/mosquitto.pid" ]; then
  kill "$(cat "$VAR/run/mosquitto.pid")" 2>/dev/null
  for _ in $(seq 50); do [ -f "$VAR/run/mosquitto.pid" ] || break; sleep 0.1; done
  rm -f "$VAR/run/mosquitto.pid"
fi
# The cluster lives in var/pg, or (run as root) under /var/lib/khareetaty (bootstrap.sh).
PGDATA="${KHAREETATY_PG_HOME:-$VAR}/pg"
if [ -f "$PGDATA/PG_VERSION" ]; then
  PGBIN="/usr/lib/postgresql/$(cat "$PGDATA/PG_VERSION")/bin"
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1
  else
    "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1
  fi
fi
echo "Stopped."
