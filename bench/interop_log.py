"""Does the request log (``interop_requests``) need partitioning at 10 M rows?

Fills the table of a scratch database with ``--rows`` generated rows spread over the
retention period (400 days, oldest first, as the log is written), 200 accounts and 400 keys,
then times with ``EXPLAIN ANALYZE`` the queries the log serves: the superadmin searches
(by account, by key prefix, by status, a time window), the admin's first page, and the
daily retention delete (one day's rows; rolled back). Prints JSON.

Usage (a scratch database, migrated, e.g. the one bench/interop.py uses)::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54334/kh_interop_bench \\
        .venv/bin/python bench/interop_log.py --rows 10000000
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

CHUNK = 1_000_000
FILL = """
INSERT INTO interop_requests (service_account_id, key_prefix, method, path, status, bytes_in,
    bytes_out, duration_ms, request_id, client_ip, created_at)
SELECT (g %% 200) + 1, 'k' || lpad((g %% 400)::text, 7, '0'), 'GET',
       '/api/interop/v1/incidents', CASE WHEN g %% 50 = 0 THEN 429 ELSE 200 END, 0, 2048, 12.5,
       md5(g::text), '10.0.0.1',
       now() - interval '400 days' * (1 - g::float / %(total)s)
FROM generate_series(%(first)s, %(last)s) AS g
"""
QUERIES = {
    "account_newest_50": "SELECT * FROM interop_requests WHERE service_account_id = 17 "
    "ORDER BY id DESC LIMIT 50",
    "key_prefix_newest_50": "SELECT * FROM interop_requests WHERE key_prefix = 'k0000033' "
    "ORDER BY id DESC LIMIT 50",
    "status_429_newest_50": "SELECT * FROM interop_requests WHERE status = 429 "
    "ORDER BY id DESC LIMIT 50",
    "one_day_200_days_ago_newest_50_by_id": "SELECT * FROM interop_requests WHERE created_at "
    ">= now() - interval '201 days' AND created_at < now() - interval '200 days' "
    "ORDER BY id DESC LIMIT 50",
    "one_day_200_days_ago_newest_50_by_time": "SELECT * FROM interop_requests WHERE "
    "created_at >= now() - interval '201 days' AND created_at < now() - interval '200 days' "
    "ORDER BY created_at DESC, id DESC LIMIT 50",
    "account_one_day_200_days_ago": "SELECT count(*) FROM interop_requests WHERE "
    "service_account_id = 17 AND created_at >= now() - interval '201 days' "
    "AND created_at < now() - interval '200 days'",
    "admin_first_page": "SELECT * FROM interop_requests ORDER BY id DESC LIMIT 100",
}
RETENTION = "DELETE FROM interop_requests WHERE created_at < now() - interval '399 days'"


def explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    total = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
    return {"ms": round(total, 2), "plan": plan[0].strip()[:120]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reuse", action="store_true", help="time the table as it is")
    args = parser.parse_args()
    fill_seconds = 0.0
    with connection.cursor() as cursor:
        if not args.reuse:
            cursor.execute("TRUNCATE interop_requests")
            started = time.perf_counter()
            for first in range(1, args.rows + 1, CHUNK):
                last = min(first + CHUNK - 1, args.rows)
                cursor.execute(FILL, {"total": args.rows, "first": first, "last": last})
            fill_seconds = time.perf_counter() - started
        cursor.execute("ANALYZE interop_requests")
        cursor.execute("SELECT count(*) FROM interop_requests")
        args.rows = cursor.fetchone()[0]
        cursor.execute("SELECT pg_total_relation_size('interop_requests')")
        size = cursor.fetchone()[0]
    report = {
        "rows": args.rows,
        "fill_seconds": round(fill_seconds, 1),
        "table_and_indexes_mb": round(size / 2**20),
        "queries": {name: explain(sql) for name, sql in QUERIES.items()},
    }
    with transaction.atomic():
        report["retention_delete_one_day"] = explain(RETENTION)
        transaction.set_rollback(True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
