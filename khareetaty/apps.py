from django.apps import AppConfig


class KhareetatyConfig(AppConfig):
    """The project package as an app: its management commands, templates and schedules."""

    name = "khareetaty"
    verbose_name = "Khareetaty"
