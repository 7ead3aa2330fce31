"""What analytics needs to know about a deployment profile: its metric projection, time
zone, weekend and holidays, and its regions and categories.

The ETL profiles (``incidents/profiles/*.yaml``) carry the time zone, weekend and holiday
country. The metric projection comes from the profile's optional ``metric_srid`` field, then
from ``METRIC_SRIDS`` below, and otherwise from the UTM zone of the profile's service area
(or region) centre: a clear default that is right for any city inside one zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db.models import Extent

from analytics.core.projection import MetricProjection, projection_for, utm_srid_for
from incidents.models import Category, Region
from incidents.profiles import Profile, load_profile

# Explicit choices; anything else falls back to the UTM zone of the profile's centre.
METRIC_SRIDS = {"kuwait": 32638, "chicago": 32616}


@dataclass(frozen=True)
class AnalyticsProfile:
    name: str
    profile: Profile

    @classmethod
    def load(cls, name: str) -> AnalyticsProfile:
        return cls(name=name, profile=load_profile(name))

    @property
    def region_profile(self) -> str:
        return self.profile.regions.profile

    @property
    def tz(self) -> ZoneInfo:
        return self.profile.tz

    @cached_property
    def metric_srid(self) -> int:
        explicit = getattr(self.profile, "metric_srid", None) or METRIC_SRIDS.get(self.name)
        if explicit:
            return int(explicit)
        bbox = self.profile.service_area_bbox
        if bbox is None:
            extent = Region.objects.filter(profile=self.region_profile).aggregate(e=Extent("geom"))[
                "e"
            ]
            bbox = extent or (0.0, 0.0, 0.0, 0.0)
        return utm_srid_for((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)

    @property
    def projection(self) -> MetricProjection:
        return projection_for(self.metric_srid)

    @property
    def forecaster(self) -> str:
        """``gbm`` or ``prophet``: the profile's choice in settings, else the default."""
        return settings.ANALYTICS_FORECASTER_BY_PROFILE.get(
            self.name, settings.ANALYTICS_FORECASTER
        )

    def holidays(self, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
        return tuple(sorted(self.profile.holiday_dates(list(range(start.year, end.year + 1)))))

    def regions(self) -> dict[str, Region]:
        return {r.code: r for r in Region.objects.filter(profile=self.region_profile)}

    def categories(self) -> dict[str, Category]:
        return {c.code: c for c in Category.objects.all()}

    def today(self) -> dt.date:
        return dt.datetime.now(self.tz).date()
