from rest_framework.routers import SimpleRouter

from incidents.api.batch_views import IngestBatchViewSet

app_name = "incident_batches"

router = SimpleRouter(trailing_slash="/?")
router.register("incidents/batches", IngestBatchViewSet, basename="batch")

urlpatterns = router.urls
