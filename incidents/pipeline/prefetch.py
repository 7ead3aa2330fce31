"""Run a producer in a background thread, one item ahead of its consumer."""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import connections
from django.utils import translation


class Prefetch:
    """Produce the next items in a background thread while the caller works on this one.

    The batch pipeline reads, validates and prepares the next chunks here while its own
    connection loads the previous one; psycopg releases the GIL while the server works, so
    the two overlap. At most ``ahead`` finished items wait for the caller (and one more is
    being built), so memory stays flat; more than one lets the thread keep working while
    the caller spends longer on one item (a grouped insert). An exception in the thread is
    raised in the caller. Database work in the thread uses the thread's own connection (closed when
    the thread ends): it sees committed data only, never the caller's open transaction."""

    _DONE = object()
    # While items flow, the GIL changes hands at this interval instead of Python's 5 ms: the
    # caller mostly waits on the database and needs the GIL back for a moment each time the
    # server answers (many times per COPY). At 5 ms it would queue behind the busy producer
    # and leave the server idle (a 1M-row batch: ~15 % longer at 5 ms than at 0.2 ms).
    SWITCH_INTERVAL_S = 0.0002

    def __init__(self, produce: Iterator, ahead: int = 1) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        language = translation.get_language()
        self._thread = threading.Thread(
            target=self._run, args=(produce, language), name="ingest-reader", daemon=True
        )
        self._thread.start()

    def _run(self, produce: Iterator, language: str | None) -> None:
        translation.activate(language or settings.LANGUAGE_CODE)
        try:
            for item in produce:
                if not self._put((item, None)):
                    return
            self._put((self._DONE, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put((None, exc))
        finally:
            translation.deactivate()
            connections.close_all()  # this thread's connections only

    def _put(self, entry) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        previous_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(previous_interval, self.SWITCH_INTERVAL_S))
        try:
            while True:
                item, exc = self._queue.get()
                if exc is not None:
                    raise exc
                if item is self._DONE:
                    return
                yield item
        finally:
            sys.setswitchinterval(previous_interval)
            self._stop.set()
            self._thread.join(timeout=5)
