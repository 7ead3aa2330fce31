"""Real servers on 127.0.0.1 standing in for the vendors: a fake Twilio REST API that the
official SDK talks to over HTTP, and an aiosmtpd SMTP server."""

import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass
class TwilioRequest:
    method: str
    path: str
    params: dict[str, str]
    authorization: str
    received_at: float
    received_wall: float = 0.0


@dataclass
class FakeTwilio:
    """Records every request; ``script`` holds the next responses: ``("ok",)``,
    ``("error", status, code)`` or ``("hang", seconds)``; empty means "ok"."""

    server: HTTPServer = None
    requests: list[TwilioRequest] = field(default_factory=list)
    script: list[tuple] = field(default_factory=list)
    default: tuple = ("ok",)
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: threading.Condition = None

    @property
    def base_url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def messages(self) -> list[TwilioRequest]:
        with self.lock:
            return self.messages_unlocked()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[TwilioRequest]:
        with self.received:
            self.received.wait_for(lambda: len(self.messages_unlocked()) >= count, timeout)
        return self.messages()

    def messages_unlocked(self) -> list[TwilioRequest]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def next_action(self) -> tuple:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def respond(self, http: Request) -> Response:
        """Record the request, then answer as scripted (a created message by default)."""
        params = http.form.to_dict()
        request = TwilioRequest(
            "POST",
            http.path,
            params,
            http.headers.get("Authorization", ""),
            time.monotonic(),
            time.time(),
        )
        action = self.next_action()
        with self.received:
            self.requests.append(request)
            self.received.notify_all()
        if action[0] == "hang":
            time.sleep(action[1])
        if action[0] == "error":
            body = {"code": action[2], "message": "fake failure", "status": action[1]}
            return _json(action[1], body)
        return _json(
            201,
            {
                "sid": "SM" + uuid.uuid4().hex,
                "status": "queued",
                "to": params.get("To"),
                "from": params.get("From"),
                "body": params.get("Body"),
                "account_sid": "AC" + "0" * 32,
                "num_segments": "1",
            },
        )


def _json(status: int, payload: dict) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def start_fake_twilio() -> FakeTwilio:
    """A threaded pytest-httpserver answering every POST the SDK sends."""
    fake = FakeTwilio(server=HTTPServer(host="127.0.0.1", threaded=True))
    fake.received = threading.Condition(fake.lock)
    fake.server.expect_request(re.compile(".*"), method="POST").respond_with_handler(fake.respond)
    fake.server.start()
    return fake


class _Collector:
    def __init__(self) -> None:
        self.messages = []
        self.refuse: set[str] = set()
        self.fail_next = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            self.fail_next -= 1
            return "451 Try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": parsed})
        return "250 Message accepted"


def start_smtp() -> tuple[Controller, _Collector]:
    collector = _Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, collector
