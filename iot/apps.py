from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IotConfig(AppConfig):
    name = "iot"
    verbose_name = _("IoT and CCTV")

    def ready(self) -> None:
        # The silent-device rule kind joins the commands app's registry, and the device
        # layer the dashboard, from here: the lower apps never import iot.
        from iot import rulekind  # noqa: F401
        from khareetaty.pages import page_module_register, page_urls_register

        page_urls_register(
            {
                "iotDevices": "iot_api:device-geojson",
                "iotEvents": "iot_api:events",
                "iotCandidates": "iot_api:candidate-list",
                "iotEvidence": "iot_api:candidate-evidence {id}",
                "iotAnalytics": "iot_api:analytics",
            }
        )
        page_module_register("dashboard", "iot/js/devices-layer.js")
        page_module_register("dashboard", "iot/js/sensor-panels.js")
        page_module_register("analytics", "iot/js/sensor-analytics.js")
