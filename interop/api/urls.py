from django.urls import path
from rest_framework.routers import SimpleRouter

from interop.api import views_exports, views_manage, views_v1

app_name = "interop_api"

router = SimpleRouter()
# DRF turns a truthy ``trailing_slash`` argument into "/": set the optional slash directly.
router.trailing_slash = "/?"
router.register("agencies", views_manage.AgencyViewSet, basename="agency")
router.register("accounts", views_manage.ServiceAccountViewSet, basename="account")
router.register("keys", views_manage.KeyViewSet, basename="key")
router.register("sharing-rules", views_manage.SharingRuleViewSet, basename="sharing_rule")
router.register("feeds", views_manage.FeedViewSet, basename="feed")
router.register("requests", views_manage.RequestLogViewSet, basename="request")
router.register("shares", views_manage.ShareRecordViewSet, basename="share")

urlpatterns = [
    path("v1/me", views_v1.CallerView.as_view(), name="v1_me"),
    path("v1/incidents", views_v1.IncidentsView.as_view(), name="v1_incidents"),
    path("v1/alerts", views_v1.AlertsView.as_view(), name="v1_alerts"),
    path("v1/alerts/<int:pk>", views_v1.AlertDetailView.as_view(), name="v1_alert"),
    path("v1/alerts/<int:pk>.cap", views_exports.AlertCapView.as_view(), name="v1_alert_cap"),
    path("v1/subscription", views_exports.SubscriptionView.as_view(), name="v1_subscription"),
    path("v1/hotspots", views_v1.HotspotsView.as_view(), name="v1_hotspots"),
    path("v1/forecasts", views_v1.ForecastsView.as_view(), name="v1_forecasts"),
    *router.urls,
]
