"""The iot part of the partner API, under ``/api/interop/`` (next to interop's own URLs)."""

from django.urls import path

from iot.api.interop_views import AgencyEventsView

app_name = "iot_interop_api"

urlpatterns = [path("v1/events", AgencyEventsView.as_view(), name="v1_events")]
