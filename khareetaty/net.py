"""The client's address, as every consumer (rate limits, lockout, audit, metrics) must see it.

``REMOTE_ADDR`` is the peer of this process. Behind a reverse proxy that peer is the proxy,
and the client is named in ``X-Forwarded-For``, which anybody can also send. The header is
therefore read only when the peer is one of ``settings.TRUSTED_PROXIES``, and then from the
right: each hop a trusted proxy appended is taken until the first address that is not a
trusted proxy. Whatever the client itself wrote to the left of that is ignored.
"""

import ipaddress
import logging
from collections.abc import Iterable
from functools import cache, lru_cache

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
logger = logging.getLogger(__name__)


@lru_cache(maxsize=32)
def parse_networks(networks: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings once; a bad entry raises ValueError naming it."""
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket is still that IPv4 client.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def address_in_networks(address: str, networks: Iterable[str]) -> bool:
    """True when ``address`` is a valid IP inside one of ``networks`` (CIDR strings)."""
    parsed = _address(address)
    if parsed is None:
        return False
    return any(parsed in network for network in parse_networks(tuple(networks)))


@cache
def warn_untrusted_forwarding() -> None:
    """Behind a proxy with TRUSTED_PROXIES unset, every client looks like the proxy: limits
    and lockouts then hit everyone at once. Said once per process."""
    logger.warning(
        "X-Forwarded-For ignored: TRUSTED_PROXIES is empty. If Khareetaty runs behind a "
        "reverse proxy, list the proxy's address in TRUSTED_PROXIES."
    )


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, never one it could choose itself."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    trusted = tuple(settings.TRUSTED_PROXIES)
    if not trusted or not address_in_networks(peer, trusted):
        if not trusted and "HTTP_X_FORWARDED_FOR" in request.META:
            warn_untrusted_forwarding()
        return peer
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A proxy we trust always appends a valid address; garbage can only come from
            # the client's own side of the chain, so the last good hop is the answer.
            return client
        client = str(address)
        if not address_in_networks(client, trusted):
            return client
    return client


def request_from_networks(request: HttpRequest, networks: Iterable[str]) -> bool:
    """True when the client of ``request`` is inside one of ``networks``."""
    return address_in_networks(client_ip(request), networks)
