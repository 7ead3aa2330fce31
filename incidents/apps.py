from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents import receivers, signals
        from incidents.profiles import served_profile
        from khareetaty.pages import page_profile_register, page_urls_register

        signals.batch_accepted.connect(
            receivers.on_batch_accepted, dispatch_uid="incidents.search_refresh"
        )

        page_profile_register(served_profile)
        page_urls_register(
            {
                "incident": "incidents:incident-detail {id}",
                "regions": "incidents:region-list",
                "incidentTable": "incidents:incident-table",
                "incidentExportCsv": "incidents:incident-export-csv",
                "incidentExportGeojson": "incidents:incident-export-geojson",
                "places": "incidents:place-list",
                "placeOutlines": "incidents:place-outlines",
            }
        )
