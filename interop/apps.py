from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = _("Interoperability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plugged into the lower apps from here (none of them imports interop): the
        # ``feed_silence`` rule kind, new alerts and each analytics run's new hotspots to
        # subscribed agencies, and every webhook body through the sharing rule; plus the
        # OpenAPI description of key authentication.
        from analytics.signals import run_finished
        from commands.notify.webhook import webhook_payload_filter_register
        from commands.signals import alert_changed
        from interop import checks, receivers, rulekinds, schema  # noqa: F401
        from interop.services.requestlog import request_log_refused
        from interop.services.subscriptions import webhook_payload_share
        from khareetaty.limits import body_limit_refusal_register

        alert_changed.connect(receivers.on_alert_changed, dispatch_uid="interop.alert_changed")
        run_finished.connect(
            receivers.on_analytics_run_finished, dispatch_uid="interop.run_finished"
        )
        webhook_payload_filter_register(webhook_payload_share)
        # 413s the ASGI body limit answers before Django: still one request-log row each.
        body_limit_refusal_register(request_log_refused)
