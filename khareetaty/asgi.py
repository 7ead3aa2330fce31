"""ASGI entry point: HTTP through Django, WebSocket through Channels.

WebSocket connections are authenticated by the Django session (``AuthMiddlewareStack``) and
must come from an allowed host (``AllowedHostsOriginValidator``), so another site cannot open
the live feed in a signed-in user's browser. Request bodies over the limit are refused before
Django reads them (``khareetaty.limits``).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")

# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from commands.routing import websocket_urlpatterns  # noqa: E402
from khareetaty.limits import RequestBodyLimit  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
