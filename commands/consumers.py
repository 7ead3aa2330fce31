"""The WebSocket consumer behind the live dashboard and field view.

A browser connects with its session cookie. Anonymous connections are refused with close
code 4401. The client pings every minute; each ping re-checks the session, so a session that
expired or was signed out elsewhere gets ``session_expired`` and a 4401 close, and the page
can ask the user to sign in again instead of silently going stale.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase

from commands.live import LIVE_GROUP

SESSION_EXPIRED = 4401


def session_is_valid(session: SessionBase | None, user_id: int) -> bool:
    """True when the session still exists, has not expired and still belongs to the user."""
    if session is None or not session.session_key:
        return False
    # A fresh store re-reads the backend; an expired or deleted session loads as empty.
    fresh = session.__class__(session_key=session.session_key)
    return str(fresh.get(SESSION_KEY, "")) == str(user_id)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Forwards ``live`` group events to one signed-in browser."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=SESSION_EXPIRED)
            return
        self.user_id = user.pk
        await self.channel_layer.group_add(LIVE_GROUP, self.channel_name)
        await self.accept()
        await self.send_json({"kind": "hello", "user": user.get_username()})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "user_id", None) is not None:
            await self.channel_layer.group_discard(LIVE_GROUP, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if content.get("kind") != "ping":
            return
        valid = await database_sync_to_async(session_is_valid)(
            self.scope.get("session"), self.user_id
        )
        if not valid:
            await self.send_json({"kind": "session_expired"})
            await self.close(code=SESSION_EXPIRED)
            return
        await self.send_json({"kind": "pong"})

    async def live_event(self, message: dict) -> None:
        await self.send_json(message["event"])
