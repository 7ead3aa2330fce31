"""Loaded by pytest before Django's settings (``-p khareetaty.pytest_environment`` in
pyproject.toml): what the test suite needs that a deployment must never default to.

Tests run with ``DEBUG`` on (plain-HTTP test server, unhashed static files). Keys come from
the installation's own files (var/local.env, written by scripts/bootstrap.sh) or, without
them, are generated for this run only: no key committed to the repository is ever used.
"""

import os
import secrets
import tempfile

os.environ.setdefault("DEBUG", "true")
for _name in ("SECRET_KEY", "AUDIT_HMAC_KEY"):
    if not os.environ.get(_name) and not os.environ.get(f"{_name}_FILE"):
        os.environ[_name] = secrets.token_urlsafe(64)

# Each test run (and each pytest-xdist worker) takes its own Redis database, so flushing the
# cache or purging queues never touches a running installation (database 0) or another run.
# Workers inherit the controlling process's environment, so a worker always sets its own.
_worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... under xdist
if _worker:
    os.environ["REDIS_DB"] = str(2 + int(_worker.removeprefix("gw")))
else:
    os.environ.setdefault("REDIS_DB", "1")

# Checkpoints written by tests must not land in (or be checked against) the installation's.
os.environ.setdefault(
    "AUDIT_CHECKPOINT_FILE",
    os.path.join(tempfile.mkdtemp(prefix="khareetaty-audit-"), "checkpoints.jsonl"),
)

# Django flushes the database between transactional tests with TRUNCATE; the audit trail's
# TRUNCATE guard yields only to this deliberate per-session setting (libpq reads PGOPTIONS).
os.environ["PGOPTIONS"] = (
    os.environ.get("PGOPTIONS", "") + " -c khareetaty.audit_truncate=allow"
).strip()
