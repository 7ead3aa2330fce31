from rest_framework.routers import SimpleRouter

from khareetaty.audit.api.views import ActionLogViewSet

app_name = "audit"

router = SimpleRouter()
router.trailing_slash = "/?"  # the constructor only accepts True/False
router.register("audit", ActionLogViewSet, basename="action_log")
urlpatterns = router.urls
