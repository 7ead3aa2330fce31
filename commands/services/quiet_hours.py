"""Quiet hours: the daily window (``User.quiet_hours_start`` to ``quiet_hours_end``) in which a
person is not paged for non-critical alerts.

The times are wall-clock times in the deployment profile's time zone (``settings.TIME_ZONE``,
Asia/Kuwait), the zone the command center works in. A window whose start is after its end
runs over midnight (22:00 to 06:00); an empty or unset window means no quiet hours.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


def quiet_hours_end(*, user, now: datetime) -> datetime | None:
    """When ``user``'s quiet hours end, if ``now`` falls inside them; otherwise ``None``."""
    start, end = user.quiet_hours_start, user.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    moment = local.time()
    overnight = start > end
    inside = (moment >= start or moment < end) if overnight else (start <= moment < end)
    if not inside:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)
