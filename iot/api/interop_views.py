"""The partner API's event door: ``POST /api/interop/v1/events`` (``events:write``).

An agency's system pushes its sensors' and cameras' events with its interop key, not a
device key. The view is an interop view (key authentication, scope, per-key limit, the
request log, no staff role): iot uses interop here, interop never imports iot.
"""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from interop.api.views_v1 import TAG, InteropView
from interop.choices import Scope
from iot.api.serializers import IngestOutSerializer
from iot.services.agency_events import agency_events_ingest
from khareetaty.exceptions import ApplicationError

EVENTS_EXAMPLE = OpenApiExample(
    "A camera event and one with a bad time",
    value={
        "events": [
            {
                "device": "cam-0001",
                "id": "evt-7781",
                "type": "crowd",
                "at": "2026-12-01T10:15:00+03:00",
                "confidence": 0.91,
                "payload": {"people": 40},
            },
            {"device": "cam-0001", "id": "evt-7782", "type": "crowd", "at": "yesterday"},
        ]
    },
    request_only=True,
)
EVENTS_RESULT_EXAMPLE = OpenApiExample(
    "Per-event results",
    value={
        "stored": 1,
        "duplicates": 0,
        "rejected": 1,
        "results": [
            {"index": 0, "status": "stored", "reasons": []},
            {
                "index": 1,
                "status": "rejected",
                "reasons": [{"field": "at", "code": "invalid", "message": "…"}],
            },
        ],
    },
    response_only=True,
)


class AgencyEventsInSerializer(serializers.Serializer):
    events = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        help_text=(
            "Each event: `device` (your device's external id), `id`, `type`, `at` (ISO 8601 "
            "with offset), optional `lon`, `lat`, `confidence`, `payload`, `media_ref`."
        ),
    )


class AgencyEventsView(InteropView):
    """Push sensor and CCTV events of the agency's own devices; per-event results."""

    scope_access = {"POST": Scope.EVENTS_WRITE}

    @extend_schema(
        tags=[TAG],
        operation_id="interop_v1_events_push",
        summary="Push sensor and CCTV events (per-event results; duplicates recognised)",
        request=AgencyEventsInSerializer,
        responses=IngestOutSerializer,
        examples=[EVENTS_EXAMPLE, EVENTS_RESULT_EXAMPLE],
    )
    def post(self, request: Request) -> Response:
        body = AgencyEventsInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        events = body.validated_data["events"]
        if len(events) > settings.IOT_HTTP_BATCH_MAX:
            raise ApplicationError(f"At most {settings.IOT_HTTP_BATCH_MAX} events per request.")
        outcomes = agency_events_ingest(
            agency_code=request.auth.service_account.agency.code,
            events=events,
            received_at=timezone.now(),
        )
        out = {
            "stored": sum(o.status == "stored" for o in outcomes),
            "duplicates": sum(o.status == "duplicate" for o in outcomes),
            "rejected": sum(o.status == "rejected" for o in outcomes),
            "results": [
                {"index": i, "status": o.status, "reasons": o.reasons}
                for i, o in enumerate(outcomes)
            ],
        }
        return Response(IngestOutSerializer(out).data)
