"""Upsert the declared periodic jobs into django-celery-beat (see ``khareetaty.schedules``)."""

import json
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from khareetaty.schedules import PeriodicTaskSpec


def periodic_task_specs() -> list[PeriodicTaskSpec]:
    """Every installed app's ``schedules.PERIODIC_TASKS`` (the project package is an app too)."""
    specs: list[PeriodicTaskSpec] = []
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "schedules"):
            module = import_module(f"{app_config.name}.schedules")
            specs.extend(getattr(module, "PERIODIC_TASKS", []))
    return specs


def periodic_task_upsert(spec: PeriodicTaskSpec) -> PeriodicTask:
    """Create or update one Beat entry by name, leaving an operator's pause in place."""
    interval = crontab = None
    if spec.every_seconds:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=spec.every_seconds, period=IntervalSchedule.SECONDS
        )
    else:
        fields = {
            "minute": "0",
            "hour": "*",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
            **(spec.crontab or {}),
        }
        crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=settings.TIME_ZONE)
    task, _ = PeriodicTask.objects.update_or_create(
        name=spec.name,
        defaults={
            "task": spec.task,
            "queue": None,  # the task's route decides (CELERY_TASK_ROUTES)
            "kwargs": json.dumps(spec.kwargs),
            "description": spec.description,
            "interval": interval,
            "crontab": crontab,
        },
    )
    return task
