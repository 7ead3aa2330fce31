"""The WebSocket consumer behind the live dashboard and field view.

A browser connects with its session cookie. Anonymous connections are refused with close
code 4401. The socket joins the live groups of its user's role and teams (``live_groups``),
so a field supervisor never hears the incident feed.

The user is checked again on every message from the page (the page pings every minute), by
a server-side timer every ``LIVE_RECHECK_SECONDS``, and before forwarding an event when the
last check is older than that: a session that expired or was signed out elsewhere, or whose
password changed, gets ``session_expired`` and a 4401 close; a deactivated user gets
``account_disabled`` and a 4403 close; a changed role or team moves the socket to its new
groups at once.
"""

import asyncio
import contextlib
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare

from commands.live import live_groups, live_sequences

SESSION_EXPIRED = 4401
ACCOUNT_DISABLED = 4403


def session_is_valid(session: SessionBase | None, user_id: int) -> bool:
    """True when the session still exists, has not expired and still belongs to the user."""
    if session is None or not session.session_key:
        return False
    # A fresh store re-reads the backend; an expired or deleted session loads as empty.
    fresh = session.__class__(session_key=session.session_key)
    return str(fresh.get(SESSION_KEY, "")) == str(user_id)


@dataclass(frozen=True)
class SocketUser:
    """What the socket needs to know about its user, read fresh from the database."""

    state: str  # "ok", "expired" or "disabled"
    groups: frozenset[str] = frozenset()


def socket_user(session: SessionBase | None, user_id: int) -> SocketUser:
    """The user's current standing: active, same password, session alive; role and teams."""
    if not session_is_valid(session, user_id):
        return SocketUser("expired")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return SocketUser("expired")
    if not user.is_active:
        return SocketUser("disabled")
    session_hash = session.get(HASH_SESSION_KEY) if session is not None else None
    if session_hash and not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return SocketUser("expired")
    team_ids = list(user.teams.values_list("pk", flat=True))
    groups = live_groups(role=user.role, user_id=user.pk, team_ids=team_ids)
    return SocketUser("ok", frozenset(groups))


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Forwards live group events to one signed-in browser."""

    groups_joined: frozenset[str] = frozenset()
    user_id: int | None = None
    checked_at = 0.0
    timer: asyncio.Task | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=SESSION_EXPIRED)
            return
        self.user_id = user.pk
        if not await self.recheck(closing=False):
            await self.close(code=SESSION_EXPIRED)
            return
        await self.accept()
        sequences = await database_sync_to_async(live_sequences)()
        await self.send_json({"kind": "hello", "user": user.get_username(), "seq": sequences})
        self.timer = asyncio.ensure_future(self.recheck_every(settings.LIVE_RECHECK_SECONDS))

    async def disconnect(self, code: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = frozenset()

    async def recheck_every(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(seconds)
                if not await self.recheck():
                    return

    async def recheck(self, *, closing: bool = True) -> bool:
        """Re-read the user; move groups on a role or team change, close when refused."""
        self.checked_at = time.monotonic()
        found = await database_sync_to_async(socket_user)(self.scope.get("session"), self.user_id)
        if found.state != "ok":
            await self.leave(found.state, closing=closing)
            return False
        for group in found.groups - self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in self.groups_joined - found.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = found.groups
        return True

    async def leave(self, state: str, *, closing: bool) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = frozenset()
        if not closing:
            return
        if state == "disabled":
            await self.send_json({"kind": "account_disabled"})
            await self.close(code=ACCOUNT_DISABLED)
        else:
            await self.send_json({"kind": "session_expired"})
            await self.close(code=SESSION_EXPIRED)

    async def receive_json(self, content, **kwargs) -> None:
        if not await self.recheck():
            return
        if isinstance(content, dict) and content.get("kind") == "ping":
            await self.send_json({"kind": "pong"})

    async def live_event(self, message: dict) -> None:
        stale = time.monotonic() - self.checked_at > settings.LIVE_RECHECK_SECONDS
        if stale and not await self.recheck():
            return
        if self.groups_joined:
            await self.send_json(message["event"])
