from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefingsConfig(AppConfig):
    """Reports for command staff: response measures, the morning briefing, shift handover.

    Its own app because it reads from every lower app (incidents, analytics, commands) and
    writes only its own rows; nothing imports it."""

    name = "briefings"
    verbose_name = _("Briefings and handovers")

    def ready(self) -> None:
        from briefings.metrics import response_collector_register
        from briefings.views import PAGE_URLS
        from khareetaty.pages import page_module_register, page_urls_register

        page_urls_register(PAGE_URLS)
        page_module_register("analytics", "briefings/js/measures.js")
        page_module_register("dashboard", "briefings/js/dashboard-measures.js")
        response_collector_register()
