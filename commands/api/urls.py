from django.urls import path
from rest_framework.routers import SimpleRouter

from commands.api import views, webhooks

app_name = "commands_api"

router = SimpleRouter()
# DRF turns a truthy ``trailing_slash`` argument into "/": set the optional slash directly.
router.trailing_slash = "/?"
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("rules", views.AlertRuleViewSet, basename="rule")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("teams", views.TeamViewSet, basename="team")

urlpatterns = [
    path("dashboard", views.DashboardView.as_view(), name="dashboard"),
    path("escalation-policy", views.EscalationPolicyView.as_view(), name="escalation-policy"),
    path(
        "escalation-policy/validate",
        views.EscalationPolicyValidateView.as_view(),
        name="escalation-policy-validate",
    ),
    path(
        "escalation-policy/reload",
        views.EscalationPolicyReloadView.as_view(),
        name="escalation-policy-reload",
    ),
    path("twilio/status", webhooks.TwilioStatusView.as_view(), name="twilio-status"),
    path("twilio/inbound", webhooks.TwilioInboundView.as_view(), name="twilio-inbound"),
    path("ack/<str:token>", webhooks.AlertAckLinkView.as_view(), name="alert-ack-link"),
    *router.urls,
]
