"""One active Beat: a leader lock in Redis held by the scheduler that fires.

Any number of Beat processes may run (a Kubernetes Deployment rolling over, a second host of
docker-compose.ha.yml); only the holder of the lock sends due tasks. The holder renews the
lock on every tick (Beat ticks at least every ``CELERY_BEAT_MAX_LOOP_INTERVAL`` seconds);
if it dies, the lock expires after ``BEAT_LOCK_TTL`` seconds and a standby takes over. A
leader that cannot renew (Redis unreachable, or its lock taken over after a long pause)
stops firing at once, so two Beats never both fire.
"""

import logging
import uuid

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler
from django_redis import get_redis_connection
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)


def beat_lock_key() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'khareetaty')}:beat-leader"


class LeaderDatabaseScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler that ticks only while it holds the leader lock."""

    def __init__(self, *args, **kwargs) -> None:
        self._lock = None
        self._leader = False
        self._identity = uuid.uuid4().hex
        super().__init__(*args, **kwargs)

    def _get_lock(self):
        if self._lock is None:
            client = get_redis_connection("default")
            self._lock = client.lock(
                beat_lock_key(), timeout=settings.BEAT_LOCK_TTL, blocking=False, thread_local=False
            )
        return self._lock

    def holds_leadership(self) -> bool:
        """Acquire or renew the lock; False (and no firing) whenever that fails."""
        try:
            lock = self._get_lock()
            if self._leader:
                lock.reacquire()  # raises LockNotOwnedError if another Beat took it over
            else:
                self._leader = bool(lock.acquire(blocking=False))
                if self._leader:
                    logger.info("beat leader lock acquired", extra={"beat": self._identity})
        except (LockError, RedisError) as exc:
            if self._leader:
                logger.warning("beat leader lock lost: %s", exc, extra={"beat": self._identity})
            self._leader = False
            self._lock = None
        return self._leader

    def tick(self, *args, **kwargs) -> float:
        if not self.holds_leadership():
            # Standby: try again soon, well within the lock's time to live.
            return min(self.max_interval, max(1.0, settings.BEAT_LOCK_TTL / 3))
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        super().close()
        if self._leader and self._lock is not None:
            try:
                self._lock.release()  # a clean stop hands over at once
            except (LockError, RedisError):
                logger.warning("beat leader lock not released; it expires by itself")
            self._leader = False
