"""Khareetaty settings: every deployment difference comes from the environment.

Development works with no variables set. With ``DEBUG`` off the process refuses to start
without a real ``SECRET_KEY``, and the secure defaults make ``check --deploy`` clean.
``.env.example`` documents every variable read here.

One module per concern, read in this order; a later part imports by name what it needs
from an earlier one. Django sees the upper-case names of all parts as one settings module.
"""

# base first: it reads var/local.env, which the other parts' variables may come from.
from khareetaty.settings import base

# isort: split
from khareetaty.settings import (
    api,
    auth,
    briefings,
    interop,
    iot,
    jobs,
    messaging,
    operability,
    patrol,
    security,
    stores,
    webhooks,
)

_PARTS = (
    base,
    stores,
    auth,
    api,
    security,
    jobs,
    messaging,
    operability,
    webhooks,
    interop,
    iot,
    briefings,
    patrol,
)

for _part in _PARTS:
    globals().update((name, value) for name, value in vars(_part).items() if name.isupper())
