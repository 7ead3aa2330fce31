"""The data broker: an agency's inbound feeds, its pushed batches, and the record of every
share that left the system."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models import IngestBatch
from interop.choices import ShareKind
from interop.models.agencies import Agency, ServiceAccount


class Feed(models.Model):
    """An agency's registered inbound feed: the profile it is read with and how often a batch
    is expected; ``feed_silence`` rules alert when it goes quiet past its cadence."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="feeds")
    name = models.CharField(_("name"), max_length=100)
    profile = models.CharField(_("source profile"), max_length=50, default="kuwait")
    expected_cadence_minutes = models.PositiveIntegerField(
        _("expected cadence (minutes)"), default=60, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="interop_feed_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}/{self.name}"


class AgencyBatch(models.Model):
    """An ingest batch pushed by an agency (through a feed when it named one)."""

    batch = models.OneToOneField(IngestBatch, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="batches")
    feed = models.ForeignKey(
        Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    service_account = models.ForeignKey(
        ServiceAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.agency.code} batch {self.batch_id}"


class ShareRecord(models.Model):
    """One share: who received what (kind and ids) and how many records."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="shares")
    service_account = models.ForeignKey(
        ServiceAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ShareKind.choices)
    count = models.PositiveIntegerField()
    object_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    fields = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.kind} x {self.count}"
