from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IotConfig(AppConfig):
    name = "iot"
    verbose_name = _("IoT and CCTV")

    def ready(self) -> None:
        # The silent-device rule kind joins the commands app's registry from here: the
        # commands app never imports iot.
        from iot import rulekind  # noqa: F401
