"""The project's ASGI application with the server's own timing of every HTTP request (bench only).

``bench/load.py --server-timing`` serves ``bench.timed_asgi:application`` instead of
``khareetaty.asgi:application``: the same application, wrapped so that each worker process
appends ``<route>\\t<status>\\t<milliseconds>`` per request to
``$KHAREETATY_TIMING_DIR/timing-<pid>.tsv``. The time runs from the moment uvicorn hands the
request to the application until the last body byte is sent: the server-side time, without
the load generator's own delays or the kernel's accept queue (on a shared machine, the
difference between this and locust's numbers is mostly waiting for a CPU).
"""

import os
import time
from pathlib import Path
from urllib.parse import parse_qsl

from khareetaty.asgi import application as _inner

_DIR = Path(os.environ.get("KHAREETATY_TIMING_DIR", "/tmp"))  # noqa: S108 (bench only)
_file = None


def _route(scope: dict) -> str:
    """Group requests like the locust names do: ids become ``:id``, map layers by zoom."""
    parts = [":id" if part.isdigit() else part for part in scope["path"].split("/")]
    route = f"{scope['method']} {'/'.join(parts)}"
    if scope["path"] == "/map/incidents":
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        route += f" z{query.get('zoom', '?')} {query.get('mode', '?')}"
    return route


def _log(route: str, status: int, started: float) -> None:
    global _file
    if _file is None:
        _file = (_DIR / f"timing-{os.getpid()}.tsv").open("a", buffering=1)
    _file.write(f"{route}\t{status}\t{(time.perf_counter() - started) * 1000:.2f}\n")


async def application(scope, receive, send):
    """Time one HTTP request around the project's application."""
    if scope["type"] != "http":
        return await _inner(scope, receive, send)
    started = time.perf_counter()
    status = 0

    async def timed_send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            _log(_route(scope), status, started)

    return await _inner(scope, receive, timed_send)
