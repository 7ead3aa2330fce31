from rest_framework.routers import SimpleRouter

from incidents.api.batch_views import IngestBatchViewSet

app_name = "incident_batches"

router = SimpleRouter()
# This DRF version turns any truthy ``trailing_slash`` argument into "/", so the optional
# slash is set on the attribute, as DRF's docs show.
router.trailing_slash = "/?"
router.register("incidents/batches", IngestBatchViewSet, basename="batch")

urlpatterns = router.urls
