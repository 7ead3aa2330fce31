"""The suite never leaves this machine: pytest-socket lets tests connect to 127.0.0.1 and ::1
only (pyproject's ``--allow-hosts``), so a test that reaches for the network fails at once."""

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_a_test_that_tries_to_connect_elsewhere_fails():
    # 127.0.0.2 is not on the allow list; should the guard ever break, it is still loopback.
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("127.0.0.2", 9), timeout=0.5)


def test_loopback_stays_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
