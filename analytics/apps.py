from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics.views import PAGE_URLS
        from khareetaty.pages import page_urls_register

        page_urls_register(PAGE_URLS)
