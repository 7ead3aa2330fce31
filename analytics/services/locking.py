"""One analytics chain at a time: redis-py's lock, its token the running chain's ModelRun id.

The token is the run id (not a random one) because the lock is taken by the web process that
queues the chain and released by the worker that finishes it, and because a second request
must learn which run holds it.
"""

from __future__ import annotations

from django_redis import get_redis_connection
from redis.exceptions import LockNotOwnedError
from redis.lock import Lock

LOCK_KEY = "khareetaty:analytics:run-lock"
LOCK_TTL_SECONDS = 3 * 60 * 60  # longer than any chain; a crashed worker cannot block forever


def _run_lock(ttl: int = LOCK_TTL_SECONDS) -> Lock:
    return get_redis_connection("default").lock(
        LOCK_KEY, timeout=ttl, blocking=False, thread_local=False
    )


def run_lock_acquire(*, run_id: int, ttl: int = LOCK_TTL_SECONDS) -> int | None:
    """Take the lock for ``run_id``. Returns None when taken, else the holder's run id."""
    if _run_lock(ttl).acquire(token=str(run_id)):
        return None
    return run_lock_holder()


def run_lock_holder() -> int | None:
    holder = get_redis_connection("default").get(LOCK_KEY)
    return int(holder) if holder else None


def run_lock_release(*, run_id: int) -> bool:
    """Release the lock only if ``run_id`` still holds it."""
    try:
        _run_lock().do_release(str(run_id))
    except LockNotOwnedError:
        return False
    return True
