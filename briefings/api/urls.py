from django.urls import path
from rest_framework.routers import SimpleRouter

from briefings.api import views

app_name = "briefings_api"

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("briefings", views.BriefingViewSet, basename="briefing")
router.register("handovers", views.HandoverViewSet, basename="handover")

urlpatterns = [
    path("measures", views.ResponseMeasuresView.as_view(), name="measures"),
    path("measures/compare", views.ResponseCompareView.as_view(), name="measures-compare"),
    *router.urls,
]
