"""factory_boy factories for the commands app (geometry inside Kuwait)."""

import factory
from django.contrib.gis.geos import Point

from commands.choices import RuleKind, Severity, TaskPriority
from commands.models import AlertRule, Task, Team

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
