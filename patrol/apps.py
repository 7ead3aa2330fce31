from django.apps import AppConfig


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = "Patrol"
    # Run by ``setup_demo`` after the lower apps' demo (by name: nothing imports patrol).

    def ready(self) -> None:
        from khareetaty.pages import page_module_register, page_urls_register

        page_urls_register(
            {
                "patrol_layer": "patrol_api:layer",
                "patrol_items": "patrol_api:item-list",
                "patrol_visits": "patrol_api:visit-list",
                "patrol_check_in": "patrol_api:item-check-in {id}",
                "patrol_check_out": "patrol_api:visit-check-out {id}",
                "patrol_backtest": "patrol_api:backtest",
                "patrol_adherence": "patrol_api:plan-adherence {id}",
                "patrol_summary": "patrol_web:shift_summary {id}",
            }
        )
        page_module_register("dashboard", "patrol/js/plan-layer.js")
        page_module_register("analytics", "patrol/js/backtest.js")
