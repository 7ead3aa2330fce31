from django.urls import path
from rest_framework.routers import SimpleRouter

from iot.api import views

app_name = "iot_api"

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("devices", views.DeviceViewSet, basename="device")
router.register("candidates", views.CandidateViewSet, basename="candidate")

urlpatterns = [
    path("events", views.EventView.as_view(), name="events"),
    path("analytics", views.SensorAnalyticsView.as_view(), name="analytics"),
    *router.urls,
]
