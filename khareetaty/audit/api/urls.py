from rest_framework.routers import SimpleRouter

from khareetaty.audit.api.views import ActionLogViewSet

app_name = "audit"

router = SimpleRouter(trailing_slash="/?")
router.register("audit", ActionLogViewSet, basename="action_log")
urlpatterns = router.urls
