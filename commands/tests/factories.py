"""factory_boy factories for the commands app (geometry inside Kuwait)."""

import datetime as dt

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone

from analytics.models import Forecast, Hotspot, ModelRun
from commands.choices import RuleKind, Severity, TaskPriority
from commands.models import Alert, AlertRule, Task, Team
from incidents.tests.factories import square

KUWAIT_CITY = (47.98, 29.37)


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rule {n}")
    kind = RuleKind.CRITICAL_INCIDENT
    severity = Severity.CRITICAL
    params = factory.LazyFunction(lambda: {"min_severity": 5})
    cooldown_minutes = 30

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"team-{n}")
    name_en = factory.LazyAttribute(lambda o: o.slug.title())
    name_ar = "فريق"

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    priority = TaskPriority.NORMAL
    geom = factory.LazyFunction(lambda: Point(*KUWAIT_CITY, srid=4326))


class PipelineRunFactory(factory.django.DjangoModelFactory):
    """An analytics pipeline run (the id ``run_finished`` sends)."""

    class Meta:
        model = ModelRun

    kind = "pipeline"
    status = "succeeded"


class StepRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelRun

    kind = "hotspots"
    status = "succeeded"
    parent = factory.SubFactory(PipelineRunFactory)


class HotspotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hotspot

    run = factory.SubFactory(StepRunFactory)
    first_seen_at = factory.LazyFunction(timezone.now)
    rank = factory.Sequence(lambda n: n + 1)
    geom = factory.LazyFunction(lambda: square(*KUWAIT_CITY, half_side=0.01))
    centroid = factory.LazyFunction(lambda: Point(*KUWAIT_CITY, srid=4326))
    incident_count = 12
    category_breakdown = factory.LazyFunction(lambda: {"burglary": 12})
    score = 20.0
    density = 3.0
    area_km2 = 4.0
    first_incident_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=6))
    last_incident_at = factory.LazyFunction(timezone.now)
    trend = "new"


class ForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecast

    run = factory.SubFactory(StepRunFactory, kind="forecasts")
    date = factory.LazyFunction(timezone.localdate)
    method = "prophet"
    yhat = 10.0
    lower_80 = factory.LazyAttribute(lambda o: o.yhat * 0.8)
    upper_80 = factory.LazyAttribute(lambda o: o.yhat * 1.2)
    lower_95 = factory.LazyAttribute(lambda o: o.yhat * 0.7)
    upper_95 = factory.LazyAttribute(lambda o: o.yhat * 1.3)


class AlertFactory(factory.django.DjangoModelFactory):
    """An alert row as the services leave it (for reads: lists, filters, query budgets)."""

    class Meta:
        model = Alert

    severity = Severity.HIGH
    title_en = factory.Sequence(lambda n: f"Alert {n}")
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyAttribute(lambda o: o.first_seen_at)
