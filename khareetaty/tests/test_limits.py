"""Request body limits: refused with 413 before the body is read, under ASGI (a real uvicorn
and the ASGI application itself) and through Django's middleware (WSGI)."""

import asyncio
import contextlib
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn

from khareetaty.asgi import application
from khareetaty.testing import free_port

CHUNK = 64 * 1024


@pytest.fixture
def uvicorn_server(settings):
    settings.REQUEST_BODY_MAX_BYTES = 256 * 1024
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _chunked_post(port: int, path: str, total: int) -> tuple[bytes, int]:
    """POST ``total`` bytes chunked (no Content-Length); returns the answer and the bytes the
    server had taken when it answered (or closed)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        piece = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
        sock.setblocking(False)
        answer = b""
        while sent < total:
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.sendall(piece)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
                continue
            sent += CHUNK
        sock.setblocking(True)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent


def test_a_chunked_body_over_the_limit_to_healthz_is_refused_while_it_streams(uvicorn_server):
    answer, sent = _chunked_post(uvicorn_server, "/healthz", total=64 * 2**20)
    assert answer.startswith(b"HTTP/1.1 413")
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["code"] == "request_too_large"
    assert "larger than the limit" in body["detail"]
    assert sent < 8 * 2**20  # refused long before the client had sent its 64 MB


def test_a_declared_length_over_the_limit_is_refused_before_any_body_byte(uvicorn_server):
    with socket.create_connection(("127.0.0.1", uvicorn_server), timeout=10) as sock:
        sock.sendall(
            b"POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 419430400\r\n\r\n"
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")


def _asgi_post(chunks: int, *, headers=()) -> tuple[int, int]:
    """POST ``chunks`` chunks to /healthz through the ASGI application; returns the status
    and how many chunks it asked for."""
    asked, status = 0, []

    async def receive():
        nonlocal asked
        if asked >= chunks:  # the body is complete: Django then only listens for a disconnect
            await asyncio.Event().wait()
        asked += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": asked < chunks}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    # In a thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, application(scope, receive, send)).result(timeout=60)
    return status[0], asked


def test_the_asgi_application_stops_reading_a_body_past_the_limit(settings):
    settings.REQUEST_BODY_MAX_BYTES = 4 * CHUNK
    status, asked = _asgi_post(10_000)
    assert status == 413
    assert asked == 5  # the chunk that crossed the limit was the last one read


def test_a_body_under_the_limit_reaches_the_view(settings):
    settings.REQUEST_BODY_MAX_BYTES = 4 * CHUNK
    status, asked = _asgi_post(2)
    assert status != 413  # (403: the view's CSRF check ran, so the body got through)
    assert asked == 2


def test_django_middleware_refuses_a_declared_length_over_the_limit(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    response = client.post("/healthz", data=b"x" * 5000, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
