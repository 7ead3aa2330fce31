from django.urls import path
from rest_framework.routers import SimpleRouter

from patrol.api import views

app_name = "patrol_api"

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("units", views.UnitViewSet, basename="unit")
router.register("shifts", views.ShiftViewSet, basename="shift")
router.register("places", views.PlaceViewSet, basename="place")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("items", views.PlanItemViewSet, basename="item")
router.register("visits", views.VisitViewSet, basename="visit")

urlpatterns = [
    path("layer", views.PlanLayerView.as_view(), name="layer"),
    path("backtest", views.BacktestView.as_view(), name="backtest"),
    *router.urls,
]
