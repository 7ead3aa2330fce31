"""Helpers shared by the test suites of every app (not test modules themselves)."""

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 15.0,
    *,
    what: str = "condition",
    interval: float = 0.05,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll ``predicate`` until it returns something true and return that; fail after
    ``timeout`` seconds. An exception of an ``ignore`` type counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except ignore:
            result = None
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port nothing on 127.0.0.1 listens on now (for a server a test or bench starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
