from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = _("Interoperability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plugged into the lower apps from here (none of them imports interop): the
        # ``feed_silence`` rule kind, new alerts to subscribed agencies, and every webhook
        # body through the sharing rule; plus the OpenAPI description of key authentication.
        from commands.notify.webhook import webhook_payload_filter_register
        from commands.signals import alert_changed
        from interop import checks, receivers, rulekinds, schema  # noqa: F401
        from interop.services.subscriptions import webhook_payload_share

        alert_changed.connect(receivers.on_alert_changed, dispatch_uid="interop.alert_changed")
        webhook_payload_filter_register(webhook_payload_share)
