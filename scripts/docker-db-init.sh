#!/usr/bin/env bash
# First start of the `db` service (docker-compose.yml), run by the postgis image as its
# superuser. Two roles, neither a superuser:
#   khareetaty      owns the database and the schema; only the `migrate` service uses it
#   khareetaty_app  what web, workers and beat use; migrate grants it read/write on every
#                   table but only INSERT/SELECT on the audit trail (action_log)
set -euo pipefail
: "${KHAREETATY_OWNER_PASSWORD:?set KHAREETATY_OWNER_PASSWORD in .env}"
: "${KHAREETATY_APP_PASSWORD:?set KHAREETATY_APP_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$KHAREETATY_OWNER_PASSWORD" -v app_password="$KHAREETATY_APP_PASSWORD" <<'SQL'
CREATE ROLE khareetaty LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'owner_password';
CREATE ROLE khareetaty_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'app_password';
CREATE DATABASE khareetaty OWNER khareetaty;
\connect khareetaty
CREATE EXTENSION IF NOT EXISTS postgis;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO khareetaty;
SQL
