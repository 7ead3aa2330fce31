"""The Twilio REST client, built from settings.

``TWILIO_BASE_URL`` points the official SDK at another host (a regional edge proxy or the
test double): Twilio's documented way is a custom ``HttpClient`` that rewrites the URL, so
every SDK domain (api, messaging, …) follows it.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

_clients: dict[tuple, Client] = {}


class RebasingHttpClient(TwilioHttpClient):
    """Sends every SDK request to ``base_url`` instead of ``https://<domain>.twilio.com``."""

    def __init__(self, base_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = urlsplit(base_url.rstrip("/"))

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        rebased = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, "")
        )
        return super().request(method, rebased, *args, **kwargs)


def twilio_configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def twilio_client() -> Client:
    """A cached client for the current settings (re-built when they change, e.g. in tests)."""
    timeout = float(getattr(settings, "TWILIO_TIMEOUT_SECONDS", 10))
    key = (
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_BASE_URL,
        timeout,
    )
    client = _clients.get(key)
    if client is None:
        if settings.TWILIO_BASE_URL:
            http_client = RebasingHttpClient(settings.TWILIO_BASE_URL, timeout=timeout)
        else:
            http_client = TwilioHttpClient(timeout=timeout)
        client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )
        _clients.clear()
        _clients[key] = client
    return client
