from django.apps import AppConfig


class KhareetatyConfig(AppConfig):
    """The project package as an app: its management commands, templates and schedules."""

    name = "khareetaty"
    verbose_name = "Khareetaty"

    def ready(self) -> None:
        from khareetaty.metrics import system_metrics_register

        system_metrics_register()
