"""Browser-test plumbing: a live ASGI server (HTTP + WebSocket) on the test database, Debian's
Chromium through Playwright, and guards that fail a test on a console error, on any
Content-Security-Policy violation (the pages run under the production CSP) or on any
request that leaves localhost.

The server is uvicorn running ``khareetaty.asgi:application`` in a thread of this process, so
it uses pytest-django's test database; tests are transactional so the server sees their rows.
Screenshots go to ``test-artifacts/`` (git-ignored).
"""

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from conftest import TEST_PASSWORD
from khareetaty.testing import free_port

# Playwright's sync API keeps an event loop in the main thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """uvicorn serving the project's ASGI app on a free localhost port, for the session."""
    import uvicorn
    from django.core.management import call_command

    # Transactional tests flush after themselves; a run killed mid-test (Ctrl-C, timeout)
    # leaves its committed rows in the reused test database, so start from empty tables.
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)

    settings.WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic
    settings.WHITENOISE_AUTOREFRESH = True
    from khareetaty.asgi import application

    port = free_port()
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Guard:
    """What a page did that a test must not allow: console errors, requests off localhost."""

    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    allowed_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def allow_error(self, pattern: str) -> None:
        self.allowed_errors.append(pattern)

    def unexpected_errors(self) -> list[str]:
        return [
            text
            for text in self.console_errors
            if not any(re.search(pattern, text) for pattern in self.allowed_errors)
        ]


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


# The analytics API answers 404 "No evaluation has run yet." before the first evaluation;
# Chromium logs every 4xx fetch as a console error, so that one answer is expected.
EXPECTED_ERRORS: list[str] = []  # console errors a page may log on purpose (none today)


@pytest.fixture
def guard() -> Guard:
    return Guard(allowed_errors=list(EXPECTED_ERRORS))


@pytest.fixture
def open_page(chromium, asgi_server, guard, request):
    """Open a browser page signed in as ``user`` (or anonymous), with the guards attached.

    ``open_page(user, path, viewport=DESKTOP, geolocation=None, login="cookie"|"form")``.
    """
    contexts = []

    def _open(user=None, path="/", *, viewport=None, geolocation=None, login="cookie"):
        options = {
            "viewport": viewport or DESKTOP,
            "locale": "en-GB",
            "timezone_id": "Asia/Kuwait",
            "base_url": asgi_server,
        }
        if geolocation is not None:
            options["geolocation"] = geolocation
            options["permissions"] = ["geolocation"]
        context = chromium.new_context(**options)
        contexts.append(context)

        def route(route_, request_):
            if _is_local(request_.url):
                route_.continue_()
            else:
                guard.external_requests.append(request_.url)
                route_.abort()

        context.route("**/*", route)
        # Every Content-Security-Policy violation is logged as a console error by Chromium
        # and, to be sure, reported by this listener: no allow_error() pattern excuses one.
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(10_000)
        # The first page of a run also warms the server (static finders, templates, pools).
        page.set_default_navigation_timeout(30_000)
        page.on("console", lambda message: _on_console(guard, message))
        page.on("pageerror", lambda error: guard.console_errors.append(f"pageerror: {error}"))
        page.on(
            "request",
            lambda req: None if _is_local(req.url) else guard.external_requests.append(req.url),
        )
        page.on("websocket", lambda ws: guard.websockets.append(ws.url))
        if user is not None and login == "cookie":
            _sign_in_with_cookie(context, user, asgi_server)
        if user is not None and login == "form":
            page.goto(f"/accounts/login/?next={path}")
            page.fill("#id_username", user.username)
            page.fill("#id_password", TEST_PASSWORD)
            page.click("#main form button[type=submit]")
            page.wait_for_load_state()
        else:
            page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not guard.csp_violations, (
        f"CSP violations on {request.node.name}: {guard.csp_violations}"
    )
    leaks = [url for url in guard.external_requests + guard.websockets if not _is_local(url)]
    assert not leaks, f"requests left localhost: {leaks}"
    errors = guard.unexpected_errors()
    assert not errors, f"console errors on {request.node.name}: {errors}"


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""


def _on_console(guard: Guard, message) -> None:
    if message.type != "error":
        return
    text = f"{message.text} @ {message.location.get('url', '')}"
    if "Content Security Policy" in message.text:
        guard.csp_violations.append(text)
    else:
        guard.console_errors.append(text)


def _sign_in_with_cookie(context, user, base_url: str) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
