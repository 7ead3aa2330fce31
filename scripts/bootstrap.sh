#!/usr/bin/env bash
# Bring a fresh Debian 12/13 machine (or a half-set-up one) to a working Khareetaty:
# system packages, .venv, a project-local PostgreSQL+PostGIS and Redis under var/ (unless
# DATABASE_URL / REDIS_URL point elsewhere), a project-local Mosquitto (unless MQTT_HOST is
# set), translations and migrations.
# Every step checks first, so a second run does nothing but start what is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VAR="$ROOT/var"
mkdir -p "$VAR/log" "$VAR/run"

PY=${PYTHON:-python3}
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# Ports of the project-local services are chosen once (first free from the default, so two
# clones on one machine do not collide) and kept in var/local.env, which the settings read.
LOCAL_ENV="$VAR/local.env"
[ -f "$LOCAL_ENV" ] && . "$LOCAL_ENV"
. "$ROOT/scripts/free_port.sh"

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

# --- system packages --------------------------------------------------------------------
pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_major)" ] || missing+=(postgresql postgresql-contrib)
command -v ogrinfo >/dev/null || missing+=(gdal-bin)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_passwd >/dev/null || missing+=(mosquitto-clients)
command -v msgfmt >/dev/null || missing+=(gettext)
command -v chromium >/dev/null || missing+=(chromium)
# WeasyPrint (the briefing PDF) needs Pango, and a font with Arabic glyphs (DejaVu Sans).
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
"$PY" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv python3-dev)
if [ -n "$(pg_major)" ] && [ ! -f "/usr/share/postgresql/$(pg_major)/extension/postgis.control" ]; then
  missing+=("postgresql-$(pg_major)-postgis-3")
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ ! -f "/usr/share/postgresql/$(pg_major)/extension/postgis.control" ]; then
    $SUDO apt-get install -y -qq --no-install-recommends "postgresql-$(pg_major)-postgis-3" >/dev/null
  fi
fi

# --- Python environment -----------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv"
  "$PY" -m venv .venv
fi
# Runtime and development requirements (requirements-dev.txt includes requirements.txt).
if [ ! -f .venv/.installed ] || [ requirements.txt -nt .venv/.installed ] \
   || [ requirements-dev.txt -nt .venv/.installed ]; then
  say "Installing Python requirements"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  touch .venv/.installed
fi

# --- Per-installation secrets (var/secret-key, var/audit-hmac-key; mode 600, kept) ---------
scripts/local_secrets.sh "$VAR"
LOCAL_LINES=("SECRET_KEY_FILE=$VAR/secret-key" "AUDIT_HMAC_KEY_FILE=$VAR/audit-hmac-key")

# --- PostgreSQL + PostGIS (project-local unless DATABASE_URL is set) ----------------------
# Run as the invoking user; as root, PostgreSQL refuses to run as root, so the cluster runs as
# the `postgres` user with its files (data, socket, log) in a folder that user can always
# reach: /var/lib/khareetaty/<hash of this clone's path>. The clone itself may then sit in a
# folder `postgres` cannot enter (root's home, any parent with mode 700). A cluster made by an
# older bootstrap in var/pg keeps being used.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_home() {
  if [ -f "$VAR/pg/PG_VERSION" ] || [ "$(id -u)" -ne 0 ]; then
    echo "$VAR"
  else
    echo "${KHAREETATY_PG_ROOT:-/var/lib/khareetaty}/$(printf %s "$ROOT" | sha256sum | cut -c1-16)"
  fi
}
if [ -z "${DATABASE_URL:-}" ]; then
  PGBIN="/usr/lib/postgresql/$(pg_major)/bin"
  PGHOME=$(pg_home)
  PGDATA="$PGHOME/pg"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    KHAREETATY_PG_PORT=$(free_port "${KHAREETATY_PG_PORT:-54329}")
    say "Creating a project-local PostgreSQL cluster in $PGDATA (port $KHAREETATY_PG_PORT)"
    mkdir -p "$PGDATA" "$PGHOME/run" "$PGHOME/log"
    if [ "$(id -u)" -eq 0 ]; then
      [ "$PGHOME" = "$VAR" ] || { chmod 755 "$(dirname "$PGHOME")"; chown postgres "$PGHOME"; }
      chown postgres "$PGDATA" "$PGHOME/run" "$PGHOME/log"
    fi
    chmod 700 "$PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  PG_PORT=${KHAREETATY_PG_PORT:-54329}
  # 300 connections: the test suite's parallel workers each run web servers, Celery workers
  # and pools of their own (100, PostgreSQL's default, ran out).
  if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    say "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGHOME/log/postgresql.log" -w start \
      -o "-p $PG_PORT -k $PGHOME/run -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300" >/dev/null
  fi
  PSQL=(as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  # Two roles: `khareetaty` owns the schema and runs migrations (and creates the test
  # databases); `khareetaty_app` is what the running application uses: no ownership, no
  # superuser, only INSERT/SELECT on the audit trail (granted by migrate).
  if [ -z "$("${PSQL[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='khareetaty'")" ]; then
    "${PSQL[@]}" -c "CREATE ROLE khareetaty LOGIN CREATEDB"
  fi
  if [ -z "$("${PSQL[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='khareetaty_app'")" ]; then
    "${PSQL[@]}" -c "CREATE ROLE khareetaty_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
  fi
  if [ -z "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname='khareetaty'")" ]; then
    "${PSQL[@]}" -c "CREATE DATABASE khareetaty OWNER khareetaty"
  fi
  # PostGIS in template1 so test databases created by the suite have it too.
  for db in template1 khareetaty; do
    "${PSQL[@]}" -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis"
  done
  LOCAL_LINES+=("KHAREETATY_PG_PORT=$PG_PORT" "KHAREETATY_PG_HOME=$PGHOME")
fi

# --- Redis (project-local unless REDIS_URL is set) ----------------------------------------
if [ -z "${REDIS_URL:-}" ]; then
  REDIS_PORT=${KHAREETATY_REDIS_PORT:-$(free_port 63799)}
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "Starting Redis on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$VAR/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$VAR/redis" \
      --pidfile "$VAR/run/redis.pid" --logfile "$VAR/log/redis.log" --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  LOCAL_LINES+=("KHAREETATY_REDIS_PORT=$REDIS_PORT")
fi
# --- Mosquitto (project-local unless MQTT_HOST is set) ------------------------------------
# Never the machine's own broker (often on 1883): a broker of this clone on its own port,
# 127.0.0.1 only, no anonymous access. Two accounts with generated passwords (var/, mode 600):
# the event consumer (reads khareetaty/#) and the devices (publish their events/heartbeats).
if [ -z "${MQTT_HOST:-}" ]; then
  scripts/mosquitto_local.sh "$VAR" "${KHAREETATY_MQTT_PORT:-}"
  . "$VAR/mosquitto/port.env"
  LOCAL_LINES+=("KHAREETATY_MQTT_PORT=$KHAREETATY_MQTT_PORT"
    "MQTT_PASSWORD_FILE=$VAR/mqtt-consumer-password"
    "MQTT_DEVICE_PASSWORD_FILE=$VAR/mqtt-device-password")
fi
printf '%s\n' "${LOCAL_LINES[@]}" > "$LOCAL_ENV.new" && mv "$LOCAL_ENV.new" "$LOCAL_ENV"

# --- Django ---------------------------------------------------------------------------------
say "Compiling translations and migrating"
.venv/bin/python manage.py compilemessages --ignore=.venv -v 0
# Migrations run as the owner role; they grant the application role (khareetaty_app) its
# privileges. (Ignored when DATABASE_URL is set: then it names the role to migrate as.)
KHAREETATY_PG_USER=khareetaty .venv/bin/python manage.py migrate --noinput -v 0
