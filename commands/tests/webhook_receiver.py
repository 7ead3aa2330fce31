"""A partner's webhook endpoint on 127.0.0.1 (pytest-httpserver) and the helpers the webhook
channel tests share."""

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from commands.choices import AlertSource, Severity
from commands.models import Alert
from commands.services.alerts import AlertSpec, alert_raise
from commands.texts import Bilingual

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-for-tests-0123456789abcdef"

WEBHOOK_POLICY = """\
version: 1
stop_on: [acknowledged, resolved]
severities:
  critical:
    steps:
      - after: 0m
        notify: [user:agency-ops]
        channels: [webhook]
  high: {steps: []}
  medium: {steps: []}
  low: {steps: []}
"""


def documented_recipe():
    """The verification function exactly as docs/webhooks.md prints it."""
    text = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    [code] = [
        block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify" in block
    ]
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own doc
    return namespace["verify_khareetaty_webhook"]


@dataclass
class Received:
    headers: dict
    body: bytes
    at: float


@dataclass
class Receiver:
    """A partner's endpoint: records each POST, answers from ``script`` (status codes or
    ``("hang", seconds)``), then ``default``."""

    server: HTTPServer
    script: list = field(default_factory=list)
    default: object = 200
    requests: list[Received] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return self.server.url_for("/hooks/khareetaty")

    def respond(self, http: Request) -> Response:
        with self.lock:
            action = self.script.pop(0) if self.script else self.default
            self.requests.append(Received(dict(http.headers), http.get_data(), time.monotonic()))
            self.lock.notify_all()
        if isinstance(action, tuple):
            time.sleep(action[1])
            action = 200
        headers = {"Location": self.server.url_for("/elsewhere")} if action == 302 else {}
        return Response("{}", status=action, headers=headers, content_type="application/json")

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        with self.lock:
            self.lock.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_BLOCKED_NETWORKS = []  # the receiver is on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://khareetaty.test"
    server = HTTPServer(host="127.0.0.1", threaded=True)
    fake = Receiver(server=server)
    server.expect_request("/hooks/khareetaty", method="POST").respond_with_handler(fake.respond)
    server.expect_request("/elsewhere").respond_with_data("moved here")
    server.start()
    yield fake
    server.clear()
    server.stop()


def raise_alert(region=None) -> Alert:
    spec = AlertSpec(
        severity=Severity.CRITICAL,
        title=Bilingual("Robbery in Hawalli", "سطو في حولي"),
        message=Bilingual("Severity 5 robbery.", "بلاغ سطو."),
        dedup_key="webhook-test",
        source=AlertSource.MANUAL,
        region_id=region.pk if region else None,
    )
    alert, _ = alert_raise(spec=spec, cooldown_minutes=0)
    return alert
