"""The live WebSocket: who may connect, what it forwards to which role, that an idle
connection stays up, and that a user who is no longer allowed is cut off."""

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

from commands.consumers import ACCOUNT_DISABLED, SESSION_EXPIRED, LiveConsumer
from commands.services.field_tasks import task_create
from commands.signals import alert_changed, task_changed
from commands.tests.factories import TeamFactory
from incidents.signals import incident_created
from incidents.tests.factories import CategoryFactory, IncidentFactory
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_loop(coroutine_function):
    """Run an async test body on its own event loop in a fresh thread, so it works even
    when the browser tests' Playwright loop is alive in the main thread."""

    def call():
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine_function()).result(timeout=60)

    return call


@pytest.fixture
def signed_in(make_user):
    """A new user of ``role`` and a signed-in session of theirs (made here, outside the
    test's event loop)."""

    def make(role: str):
        user = make_user(role)
        return user, session_for(user)

    return make


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

    async def open(self) -> dict:
        """Connect (which must be accepted) and return the server's hello."""
        accepted, code = await self.connect()
        assert accepted, code
        return await self.receive()

    async def receive(self, timeout: float = 3) -> dict:
        answer = await self.app.receive_output(timeout=timeout)
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


def test_new_incident_reaches_connected_browsers(signed_in):
    user, session = signed_in(Role.VIEWER)
    incident = IncidentFactory(
        category=CategoryFactory(code="robbery"), severity=4, geom=Point(47.99, 29.37, srid=4326)
    )

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        assert (await socket.open())["kind"] == "hello"
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


def test_alert_and_task_changes_are_forwarded_by_id(signed_in):
    user, session = signed_in(Role.ANALYST)

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.open()
        await sync_to_async(alert_changed.send)(sender=None, alert_id=41)
        alert = await socket.receive()
        await sync_to_async(task_changed.send)(sender=None, task_id=7)
        task = await socket.receive()
        await socket.close()
        return alert, task

    alert, task = run()
    assert (alert["kind"], alert["id"]) == ("alert.changed", 41)
    assert (task["kind"], task["id"]) == ("task.changed", 7)
    assert task["seq"]["tasks"] >= 1


def test_ping_answers_pong_while_the_session_lives_and_expires_with_it(signed_in):
    user, session = signed_in(Role.VIEWER)

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.open()
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


async def nothing_within(socket: Socket, seconds: float) -> bool:
    """No message and no crash of the consumer for ``seconds`` (the socket stays usable)."""
    quiet = await socket.app.receive_nothing(timeout=seconds, interval=0.05)
    if socket.app.future.done():
        socket.app.future.result()  # raises what killed the consumer
        return False
    return quiet


def test_idle_socket_on_the_redis_layer_stays_open_past_the_blocking_read(signed_in):
    """channels_redis blocks 5 s per read; redis-py's 5 s socket timeout used to kill the
    consumer just then. Nothing may happen on an idle socket for 12 s, then it still works."""
    user, session = signed_in(Role.ANALYST)

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.open()
        quiet = await nothing_within(socket, 12.5)
        await sync_to_async(alert_changed.send)(sender=None, alert_id=5)
        event = await socket.receive()
        await socket.send({"kind": "ping"})
        pong = await socket.receive()
        await socket.close()
        return quiet, event, pong

    quiet, event, pong = run()
    assert quiet
    assert event["kind"] == "alert.changed"
    assert pong == {"kind": "pong"}


def test_field_supervisor_hears_own_and_team_tasks_but_no_incident_coordinates(make_user):
    analyst = make_user(Role.ANALYST)
    supervisor = make_user(Role.FIELD_SUPERVISOR)
    team = TeamFactory()
    team.members.add(supervisor)
    incident = IncidentFactory(geom=Point(47.99, 29.37, srid=4326))
    others = task_create(actor=analyst, title="Someone else's", assignee_user=analyst)
    teams = task_create(actor=analyst, title="The team's", assignee_team=team)

    viewer_user = make_user(Role.VIEWER)
    sessions = session_for(supervisor), session_for(viewer_user)

    @in_own_loop
    async def run():
        field, viewer = Socket(supervisor, sessions[0]), Socket(viewer_user, sessions[1])
        for socket in (field, viewer):
            await socket.open()
        await sync_to_async(incident_created.send)(sender=None, incident_id=incident.pk)
        await sync_to_async(task_changed.send)(sender=None, task_id=others.pk)
        await sync_to_async(task_changed.send)(sender=None, task_id=teams.pk)
        heard = [await field.receive()]
        heard += [await nothing_within(field, 1)]
        seen = [await viewer.receive() for _ in range(3)]
        return heard, seen

    heard, seen = run()
    assert heard[0]["kind"] == "task.changed"
    assert heard[0]["id"] == teams.pk
    assert heard[1], "the field supervisor heard more than the team's task"
    assert [event["kind"] for event in seen] == [
        "incidents.created",
        "task.changed",
        "task.changed",
    ]


def test_deactivated_user_gets_no_more_events_and_is_closed_on_the_next_message(signed_in):
    user, session = signed_in(Role.VIEWER)

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.open()
        user.is_active = False
        await sync_to_async(user.save)(update_fields=["is_active"])
        await socket.send({"kind": "ping"})
        told = await socket.receive()
        closed = await socket.app.receive_output(timeout=3)
        await sync_to_async(alert_changed.send)(sender=None, alert_id=9)
        return told, closed, await nothing_within(socket, 1)

    told, closed, quiet = run()
    assert told == {"kind": "account_disabled"}
    assert closed["code"] == ACCOUNT_DISABLED
    assert quiet


@pytest.mark.parametrize(
    ("change", "told", "code"),
    [
        ({"is_active": False}, "account_disabled", ACCOUNT_DISABLED),
        # A role change ends the user's sessions (the session hash covers the role).
        ({"role": Role.FIELD_SUPERVISOR}, "session_expired", SESSION_EXPIRED),
    ],
    ids=["deactivated", "role-changed"],
)
def test_the_server_timer_closes_the_socket_of_a_user_no_longer_allowed(
    signed_in, settings, change, told, code
):
    """No message from the browser needed: the server's recheck closes the socket, and no
    incident coordinates reach it after."""
    settings.LIVE_RECHECK_SECONDS = 1
    user, session = signed_in(Role.ANALYST)
    incident = IncidentFactory(geom=Point(47.99, 29.37, srid=4326))

    @in_own_loop
    async def run():
        socket = Socket(user, session)
        await socket.open()
        for name, value in change.items():
            setattr(user, name, value)
        await sync_to_async(user.save)(update_fields=list(change))
        message = await socket.receive(timeout=5)
        closed = await socket.app.receive_output(timeout=5)
        await sync_to_async(incident_created.send)(sender=None, incident_id=incident.pk)
        after = await socket.app.receive_nothing(timeout=1.5, interval=0.05)
        return message, closed, after

    message, closed, after = run()
    assert message == {"kind": told}
    assert closed == {"type": "websocket.close", "code": code}
    assert after, "a closed socket still heard an incident"


def test_hello_reports_the_sequence_of_each_event_kind(make_user):
    user = make_user(Role.ANALYST)
    sessions = session_for(user), session_for(user)

    @in_own_loop
    async def run():
        first = Socket(user, sessions[0])
        before = (await first.open())["seq"]
        await sync_to_async(alert_changed.send)(sender=None, alert_id=3)
        event = await first.receive()
        after = (await Socket(user, sessions[1]).open())["seq"]
        return before, event, after

    before, event, after = run()
    assert after["alerts"] == before["alerts"] + 1 == event["seq"]["alerts"]
    assert after["tasks"] == before["tasks"]
