"""Devices, their keys, the events they send (``iot_events``, partitioned by day), the events
refused with their reasons, and the incident candidates events correlate into."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from iot.choices import CandidateStatus, DeviceKind, DeviceStatus, Door


class Device(models.Model):
    """A sensor or camera of an agency, with where it is (and looks) and how it is doing.

    The counters say what came from it (accepted, duplicate resends, rejected); they are
    updated once per stored batch."""

    kind = models.CharField(_("kind"), max_length=16, choices=DeviceKind.choices)
    # The owner agency's code, as text: the device registry does not depend on interop.
    agency = models.SlugField(_("agency"), max_length=50)
    external_id = models.SlugField(_("external id"), max_length=100)
    name = models.CharField(_("name"), max_length=200, blank=True)
    geom = models.PointField(_("location"), srid=settings.SRID)
    heading = models.PositiveSmallIntegerField(
        _("heading (degrees)"), null=True, blank=True, validators=[MaxValueValidator(359)]
    )
    field_of_view = models.PositiveSmallIntegerField(
        _("field of view (degrees)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(360)],
    )
    region = models.ForeignKey(
        "incidents.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE
    )
    heartbeat_seconds = models.PositiveIntegerField(
        _("heartbeat interval (seconds)"), default=300, validators=[MinValueValidator(5)]
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    silent_since = models.DateTimeField(_("silent since"), null=True, blank=True)
    rate_flagged_at = models.DateTimeField(_("rate flagged at"), null=True, blank=True)
    events_accepted = models.BigIntegerField(default=0)
    events_duplicate = models.BigIntegerField(default=0)
    events_rejected = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "external_id"], name="iot_device_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency}/{self.external_id}"


class DeviceKey(AbstractAPIKey):
    """A device's credential: prefix + SHA-512 hash (djangorestframework-api-key), shown
    once; rotating issues a new one and revokes the old."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("device key")
        verbose_name_plural = _("device keys")


class Candidate(models.Model):
    """Events of one correlation group close in space and time: evidence for one incident.
    It becomes an incident (``channel = sensor``) once its confidence passes the group's
    threshold (``iot.services.promotion``; ``refused`` if the incident failed validation)."""

    group = models.CharField(_("correlation group"), max_length=32)
    geom = models.PointField(_("location"), srid=settings.SRID)
    started_at = models.DateTimeField(_("first event"))
    last_at = models.DateTimeField(_("last event"), db_index=True)
    event_count = models.PositiveIntegerField(default=0)
    # device id -> the highest confidence it reported: the candidate's evidence
    devices = models.JSONField(default=dict)
    confidence = models.FloatField(default=0.0)
    status = models.CharField(
        max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When it became an incident, and the device time of the event that tipped it over.
    promoted_at = models.DateTimeField(null=True, blank=True)
    tipping_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "iot_candidates"
        indexes = [
            models.Index(fields=["group", "last_at"], name="iot_cand_group_last"),
            # The few open candidates over threshold, for the sweep of overdue promotions.
            models.Index(
                fields=["tipping_event_at"],
                name="iot_cand_open_tipped",
                condition=models.Q(status="open", tipping_event_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} candidate {self.pk}"


class Event(models.Model):
    """One accepted device event (the seed's ``iot_events``). Append-only.

    The table is partitioned by day on ``occurred_at`` (migration 0001, RunSQL): its primary
    key is ``(id, occurred_at)`` and its dedup key ``(device, uid, occurred_at)``, since a
    partitioned table's unique keys must hold the partition key. A QoS-1 resend repeats the
    device's id and time, so it lands on the same key and is stored once. Django addresses
    rows by ``id`` alone, which the identity sequence keeps unique."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(
        Device, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    uid = models.CharField(_("event id"), max_length=64)
    type = models.CharField(_("type"), max_length=32)
    occurred_at = models.DateTimeField(_("time at the device"))
    received_at = models.DateTimeField(_("time received"))
    # Set by the database at insert (clock_timestamp()): what event-to-stored latency reads.
    stored_at = models.DateTimeField(_("time stored"), null=True, editable=False)
    geom = models.PointField(_("location"), srid=settings.SRID)
    confidence = models.FloatField(_("confidence"))
    payload = models.JSONField(_("payload"), default=dict)
    media_ref = models.CharField(_("media reference"), max_length=500, blank=True)
    door = models.CharField(max_length=8, choices=Door.choices)
    candidate = models.ForeignKey(
        Candidate, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )

    class Meta:
        db_table = "iot_events"

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class RejectedEvent(models.Model):
    """An event that failed validation, kept as received (truncated to the size limit) with
    every reason: nothing sent is ever silently dropped."""

    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    door = models.CharField(max_length=8, choices=Door.choices)
    topic = models.CharField(max_length=300, blank=True)
    raw = models.TextField(blank=True)
    reasons = models.JSONField(default=list)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "iot_rejected_events"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"rejected {self.pk}"
