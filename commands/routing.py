"""WebSocket routes of the command dashboard and the field view."""

from django.urls import path

from commands.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
