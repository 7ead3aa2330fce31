from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = _("Interoperability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The OpenAPI description of key authentication, and the ``feed_silence`` rule kind
        # plugged into the commands app's registry (commands never imports interop).
        from interop import checks, rulekinds, schema  # noqa: F401
