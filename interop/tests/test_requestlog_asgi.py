"""The request log behind the ASGI body limit: a push refused with 413 before Django (the
real ASGI application served by uvicorn) still leaves its row, with the key's prefix and
never its secret; other paths' refusals are not interop requests."""

import socket

import pytest

from interop.models import RequestLog
from khareetaty.testing import wait_until
from khareetaty.tests.test_limits import _chunked_post, uvicorn_server  # noqa: F401

INCIDENTS = "/api/interop/v1/incidents"
DECLARED = 400 * 2**20


def _declared_push(port: int, secret: str) -> bytes:
    """A push declaring 400 MB; the limit answers before a single body byte is sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {INCIDENTS} HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Api-Key {secret}\r\nContent-Type: application/json\r\n"
            f"X-Request-ID: oversize-push-1\r\nContent-Length: {DECLARED}\r\n\r\n".encode()
        )
        return sock.recv(65536)


@pytest.mark.django_db(transaction=True)
def test_an_oversize_push_gets_413_and_a_log_row_with_the_key_prefix(
    uvicorn_server,  # noqa: F811
    make_account,
):
    account, secret = make_account(scopes=["incidents:write"])
    prefix, _dot, hidden = secret.partition(".")

    answer = _declared_push(uvicorn_server, secret)

    assert answer.startswith(b"HTTP/1.1 413")
    row = wait_until(lambda: RequestLog.objects.filter(status=413).first(), what="log row")
    assert (row.method, row.path, row.status) == ("POST", INCIDENTS, 413)
    assert (row.service_account_id, row.key_prefix) == (account.pk, prefix)
    assert row.request_id == "oversize-push-1" and row.client_ip == "127.0.0.1"
    assert row.bytes_in == DECLARED  # as declared: none of it was read
    assert row.bytes_out == len(answer.split(b"\r\n\r\n", 1)[1]) > 0
    assert row.duration_ms >= 0
    stored = " ".join(str(value) for value in RequestLog.objects.values_list().get())
    assert hidden not in stored


@pytest.mark.django_db(transaction=True)
def test_a_chunked_push_stopped_at_the_limit_is_logged_and_other_paths_are_not(
    uvicorn_server,  # noqa: F811
):
    answer, _sent = _chunked_post(uvicorn_server, INCIDENTS, total=16 * 2**20)
    assert answer.startswith(b"HTTP/1.1 413")
    row = wait_until(lambda: RequestLog.objects.filter(status=413).first(), what="log row")
    assert (row.path, row.key_prefix, row.service_account_id) == (INCIDENTS, "", None)
    assert row.request_id  # one is made up when the client sent none

    answer, _sent = _chunked_post(uvicorn_server, "/api/incidents/", total=16 * 2**20)
    assert answer.startswith(b"HTTP/1.1 413")
    _chunked_post(uvicorn_server, INCIDENTS, total=16 * 2**20)  # logged after the one above
    wait_until(lambda: RequestLog.objects.count() == 2, what="the second interop row")
    assert set(RequestLog.objects.values_list("path", flat=True)) == {INCIDENTS}
