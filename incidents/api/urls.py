from rest_framework.routers import SimpleRouter

from incidents.api.places import PlaceViewSet
from incidents.api.views import CategoryViewSet, IncidentViewSet, RegionViewSet

app_name = "incidents"

router = SimpleRouter(trailing_slash="/?")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("regions", RegionViewSet, basename="region")
router.register("categories", CategoryViewSet, basename="category")
router.register("places", PlaceViewSet, basename="place")

urlpatterns = router.urls
