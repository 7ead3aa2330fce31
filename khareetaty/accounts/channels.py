"""The notification channels a person may list. The channel registry belongs to the
notification app (``commands.notify``), which hands its list here when it loads, so accounts
never imports upward."""

from collections.abc import Callable

_personal_channels: list[Callable[[], list[str]]] = []


def personal_channels_provide(provider: Callable[[], list[str]]) -> None:
    """Called once by the notification app: ``provider`` returns the personal channel kinds."""
    _personal_channels[:] = [provider]


def personal_channels() -> list[str]:
    return _personal_channels[0]() if _personal_channels else []
