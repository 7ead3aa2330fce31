"""The iot API (``/api/iot/v1/``): devices, their statistics, events (query, and the HTTPS
door devices post batches to), and incident candidates with their evidence."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from iot import selectors
from iot.api import serializers as s
from iot.api.auth import DEVICES, DeviceKeyAuthentication, DeviceKeyOrRole
from iot.choices import Door
from iot.filters import CandidateFilterSet, DeviceFilterSet, EventFilterSet
from iot.services.ingest import Message, messages_ingest
from khareetaty.exceptions import ApplicationError
from khareetaty.permissions import STAFF

EVIDENCE_MAX = 200


class DeviceViewSet(viewsets.ReadOnlyModelViewSet):
    """Devices with their health (ok, silent, flooding, disabled, never heard)."""

    serializer_class = s.DeviceSerializer
    filterset_class = DeviceFilterSet
    role_access = {"read": STAFF}

    def get_queryset(self):
        return selectors.device_list()

    @extend_schema(responses=s.DeviceFeatureCollectionSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def geojson(self, request):
        """The device map layer: a lean FeatureCollection (health, kind, last seen), filtered
        like the list, at most DEVICE_MAP_MAX devices."""
        devices = self.filter_queryset(self.get_queryset())[: selectors.DEVICE_MAP_MAX]
        return Response(selectors.device_features(devices))

    @extend_schema(responses=s.DeviceStatsSerializer)
    @action(detail=True, methods=["get"])
    def stats(self, request, pk=None):
        """What the device sent: counters, events per type (24 h, 7 days), rejections."""
        return Response(
            s.DeviceStatsSerializer(selectors.device_stats(device=self.get_object())).data
        )


class CandidateViewSet(viewsets.ReadOnlyModelViewSet):
    """Incident candidates (correlated events) and the incident each became, if any."""

    serializer_class = s.CandidateSerializer
    filterset_class = CandidateFilterSet
    role_access = {"read": STAFF}

    def get_queryset(self):
        return selectors.candidate_list()

    @extend_schema(responses=s.CandidateEvidenceSerializer)
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        """The candidate and its events (oldest first, at most EVIDENCE_MAX), each with its
        device: what the dashboard shows when a candidate is clicked."""
        candidate = self.get_object()
        events = list(selectors.candidate_evidence(candidate=candidate)[: EVIDENCE_MAX + 1])
        out = {
            "candidate": candidate,
            "events": events[:EVIDENCE_MAX],
            "truncated": len(events) > EVIDENCE_MAX,
        }
        return Response(s.CandidateEvidenceSerializer(out).data)


class SensorAnalyticsView(generics.GenericAPIView):
    """Sensor analytics over the last ``days`` (1-90, default 7): the noise-reduction ratio
    (events in ÷ incidents out) per correlation group and per event type, and the devices
    with rejected events or a rate-spike flag."""

    role_access = {"read": STAFF}
    serializer_class = s.SensorAnalyticsSerializer
    pagination_class = None

    @extend_schema(parameters=[s.SensorAnalyticsQuerySerializer])
    def get(self, request):
        query = s.SensorAnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since = timezone.now() - timedelta(days=query.validated_data["days"])
        return Response(self.get_serializer(selectors.sensor_analytics(since=since)).data)


class EventView(generics.ListAPIView):
    """GET: events by device, type, time window (at most 7 days; default the last day) and
    bbox, newest first. POST: a device sends a batch with its key (``Authorization: Api-Key
    <key>``); each event is stored, a duplicate, or rejected with its reasons."""

    serializer_class = s.EventSerializer
    filterset_class = EventFilterSet
    role_access = {"GET": STAFF, "POST": DEVICES}
    authentication_classes = [DeviceKeyAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    permission_classes = [DeviceKeyOrRole]

    def get_queryset(self):
        return selectors.event_list()

    @extend_schema(request=s.EventInSerializer, responses={200: s.IngestOutSerializer})
    def post(self, request):
        body = s.EventInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        events = body.validated_data["events"]
        if len(events) > settings.IOT_HTTP_BATCH_MAX:
            raise ApplicationError(f"At most {settings.IOT_HTTP_BATCH_MAX} events per request.")
        now = timezone.now()
        messages = [
            Message(door=Door.HTTPS, body=event, received_at=now, owner=request.auth)
            for event in events
        ]
        result = messages_ingest(messages)
        results = [
            {"index": i, "status": o.status, "reasons": o.reasons}
            for i, o in enumerate(result.outcomes)
        ]
        out = {
            "stored": result.count("stored"),
            "duplicates": result.count("duplicate"),
            "rejected": result.count("rejected"),
            "results": results,
        }
        return Response(s.IngestOutSerializer(out).data, status=status.HTTP_200_OK)
