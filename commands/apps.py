from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from khareetaty.accounts.channels import personal_channels_provide


class CommandsConfig(AppConfig):
    name = "commands"
    verbose_name = _("Command and control")

    def ready(self) -> None:
        from analytics import signals as analytics_signals
        from commands import (
            live,  # noqa: F401  (its receivers publish live map events)
            receivers,  # apps are ready only now
        )
        from commands.notify.registry import personal_kinds
        from commands.rulekinds import load_rule_kinds
        from commands.views.pages import PAGE_URLS
        from incidents import signals as incident_signals
        from khareetaty.pages import page_urls_register

        load_rule_kinds()
        personal_channels_provide(personal_kinds)
        page_urls_register(PAGE_URLS)

        incident_signals.incident_created.connect(
            receivers.on_incident_created, dispatch_uid="commands.incident_created"
        )
        incident_signals.batch_accepted.connect(
            receivers.on_batch_accepted, dispatch_uid="commands.batch_accepted"
        )
        analytics_signals.run_finished.connect(
            receivers.on_analytics_run_finished, dispatch_uid="commands.run_finished"
        )
