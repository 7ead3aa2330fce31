from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api import views

app_name = "analytics_api"

router = SimpleRouter()
router.trailing_slash = "/?"  # this DRF version turns a truthy argument into "/"
router.register("runs", views.ModelRunViewSet, basename="run")
router.register("hotspots", views.HotspotViewSet, basename="hotspot")
router.register("forecasts", views.ForecastViewSet, basename="forecast")

urlpatterns = [
    path("risk", views.RiskMapView.as_view(), name="risk"),
    path("evaluation", views.EvaluationView.as_view(), name="evaluation"),
    path("model-card", views.ModelCardView.as_view(), name="model_card"),
    path("transparency", views.TransparencyView.as_view(), name="transparency"),
    *router.urls,
]
