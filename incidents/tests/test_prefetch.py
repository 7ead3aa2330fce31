"""The reader thread's hand-over: order, bounded look-ahead, errors, early stop."""

import sys
import threading

import pytest

from incidents.pipeline.prefetch import Prefetch
from khareetaty.testing import wait_until


def test_items_arrive_in_order_and_the_switch_interval_is_restored():
    before = sys.getswitchinterval()
    assert list(Prefetch(iter(range(50)), ahead=3)) == list(range(50))
    assert sys.getswitchinterval() == before


def test_the_producer_runs_at_most_ahead_plus_one_items_in_front():
    produced = []

    def produce():
        for n in range(20):
            produced.append(n)
            yield n

    prefetch = Prefetch(produce(), ahead=3)
    items = iter(prefetch)
    assert next(items) == 0
    # taken: 0; waiting: 1, 2, 3 (the queue is full); built and blocked on the full queue: 4.
    # An unbounded or larger queue never reaches this state with exactly five produced.
    wait_until(lambda: prefetch._queue.full() and len(produced) == 5, 5.0, interval=0.01)
    assert next(items) == 1
    wait_until(lambda: prefetch._queue.full() and len(produced) == 6, 5.0, interval=0.01)
    items.close()


def test_an_error_in_the_producer_is_raised_in_the_caller():
    def produce():
        yield 1
        raise ValueError("unreadable")

    with pytest.raises(ValueError, match="unreadable"):
        list(Prefetch(produce()))


def test_closing_early_stops_the_thread():
    items = iter(Prefetch(iter(range(1000)), ahead=2))
    next(items)
    items.close()
    assert not any(t.name == "ingest-reader" and t.is_alive() for t in threading.enumerate())
