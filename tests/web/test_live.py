"""The live WebSocket: who may connect, what it forwards, and session expiry."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Point
from django.contrib.sessions.backends.cached_db import SessionStore

from commands.consumers import SESSION_EXPIRED, LiveConsumer
from commands.signals import alert_changed, task_changed
from incidents.signals import incident_created
from incidents.tests.factories import CategoryFactory, IncidentFactory
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_loop(coroutine_function):
    """Run an async test body on its own event loop in a fresh thread, so it works even
    when the browser tests' Playwright loop is alive in the main thread."""

    def call():
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine_function()).result(timeout=30)

    return call


def session_for(user) -> SessionStore:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session


class Socket:
    """A browser's end of the live socket (channels.testing needs daphne; asgiref's
    communicator speaks the same ASGI messages). Use inside one event loop."""

    def __init__(self, user, session=None) -> None:
        scope = {"type": "websocket", "path": "/ws/live/", "headers": [], "subprotocols": []}
        self.app = ApplicationCommunicator(
            LiveConsumer.as_asgi(), {**scope, "user": user, "session": session}
        )

    async def connect(self) -> tuple[bool, int | None]:
        await self.app.send_input({"type": "websocket.connect"})
        answer = await self.app.receive_output(timeout=3)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def receive(self) -> dict:
        answer = await self.app.receive_output(timeout=3)
        assert answer["type"] == "websocket.send", answer
        return json.loads(answer["text"])

    async def send(self, data: dict) -> None:
        await self.app.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def close(self) -> None:
        await self.app.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.app.wait(timeout=3)


def test_anonymous_connection_is_refused():
    @in_own_loop
    async def run():
        return await Socket(AnonymousUser()).connect()

    assert run() == (False, SESSION_EXPIRED)


def test_new_incident_reaches_connected_browsers(make_user):
    user = make_user(Role.VIEWER)
    session = session_for(user)
    incident = IncidentFactory(
        category=CategoryFactory(code="robbery"), severity=4, geom=Point(47.99, 29.37, srid=4326)
    )

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        assert (await socket.connect())[0]
        assert (await socket.receive())["kind"] == "hello"
        # Autocommit outside a transaction: the receiver's on_commit publishes at once.
        await sync_to_async(incident_created.send)(sender=None, incident_id=incident.pk)
        event = await socket.receive()
        await socket.close()
        return event

    event = run()
    assert event["kind"] == "incidents.created"
    assert event["incidents"][0]["id"] == incident.pk
    assert event["incidents"][0]["category"] == "robbery"
    assert event["incidents"][0]["lat"] == pytest.approx(29.37)


def test_alert_and_task_changes_are_forwarded_by_id(make_user):
    user = make_user(Role.ANALYST)
    session = session_for(user)

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.connect()
        await socket.receive()
        await sync_to_async(alert_changed.send)(sender=None, alert_id=41)
        alert = await socket.receive()
        await sync_to_async(task_changed.send)(sender=None, task_id=7)
        task = await socket.receive()
        await socket.close()
        return alert, task

    assert run() == ({"kind": "alert.changed", "id": 41}, {"kind": "task.changed", "id": 7})


def test_ping_answers_pong_while_the_session_lives_and_expires_with_it(make_user):
    user = make_user(Role.VIEWER)
    session = session_for(user)

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.connect()
        await socket.receive()
        await socket.send({"kind": "ping"})
        alive = await socket.receive()
        await sync_to_async(SessionStore(session_key=session.session_key).delete)()
        await socket.send({"kind": "ping"})
        expired = await socket.receive()
        closed = await socket.app.receive_output(timeout=3)
        return alive, expired, closed

    alive, expired, closed = run()
    assert alive == {"kind": "pong"}
    assert expired == {"kind": "session_expired"}
    assert closed == {"type": "websocket.close", "code": SESSION_EXPIRED}
