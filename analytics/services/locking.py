"""One analytics chain at a time: a Redis lock holding the running chain's ModelRun id."""

from __future__ import annotations

from django_redis import get_redis_connection

LOCK_KEY = "khareetaty:analytics:run-lock"
LOCK_TTL_SECONDS = 3 * 60 * 60  # longer than any chain; a crashed worker cannot block forever
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def run_lock_acquire(*, run_id: int, ttl: int = LOCK_TTL_SECONDS) -> int | None:
    """Take the lock for ``run_id``. Returns None when taken, else the holder's run id."""
    redis = get_redis_connection("default")
    if redis.set(LOCK_KEY, str(run_id), nx=True, ex=ttl):
        return None
    holder = redis.get(LOCK_KEY)
    return int(holder) if holder else None


def run_lock_holder() -> int | None:
    holder = get_redis_connection("default").get(LOCK_KEY)
    return int(holder) if holder else None


def run_lock_release(*, run_id: int) -> bool:
    """Release the lock only if ``run_id`` still holds it."""
    redis = get_redis_connection("default")
    return bool(redis.eval(_RELEASE, 1, LOCK_KEY, str(run_id)))
