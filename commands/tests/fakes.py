"""Real servers on 127.0.0.1 standing in for the vendors: a fake Twilio REST API that the
official SDK talks to over HTTP, and an aiosmtpd SMTP server."""

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


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

    server: ThreadingHTTPServer = None
    requests: list[TwilioRequest] = field(default_factory=list)
    script: list[tuple] = field(default_factory=list)
    default: tuple = ("ok",)
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: threading.Condition = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def messages(self) -> list[TwilioRequest]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[TwilioRequest]:
        deadline = time.monotonic() + timeout
        with self.received:
            while len(self.messages_unlocked()) < count and time.monotonic() < deadline:
                self.received.wait(timeout=0.05)
        return self.messages()

    def messages_unlocked(self) -> list[TwilioRequest]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def next_action(self) -> tuple:
        with self.lock:
            return self.script.pop(0) if self.script else self.default


def _handler(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            params = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            request = TwilioRequest(
                "POST",
                urlsplit(self.path).path,
                params,
                self.headers.get("Authorization", ""),
                time.monotonic(),
                time.time(),
            )
            action = fake.next_action()
            with fake.received:
                fake.requests.append(request)
                fake.received.notify_all()
            if action[0] == "hang":
                time.sleep(action[1])
            if action[0] == "error":
                self._reply(
                    action[1], {"code": action[2], "message": "fake failure", "status": action[1]}
                )
                return
            sid = "SM" + uuid.uuid4().hex
            self._reply(
                201,
                {
                    "sid": sid,
                    "status": "queued",
                    "to": params.get("To"),
                    "from": params.get("From"),
                    "body": params.get("Body"),
                    "account_sid": "AC" + "0" * 32,
                    "num_segments": "1",
                },
            )

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    return Handler


def start_fake_twilio() -> FakeTwilio:
    fake = FakeTwilio()
    fake.received = threading.Condition(fake.lock)
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.server.daemon_threads = True
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
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
