"""The request log (the seed's ``interop_requests``)."""

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils import timezone

from interop.models.agencies import ServiceAccount


class RequestLog(models.Model):
    """One row per interop request, accepted or refused. Never the key's secret, never the
    body: the key appears only as its public prefix."""

    id = models.BigAutoField(primary_key=True)
    # No database constraint: the log outlives accounts and is written on every request.
    service_account = models.ForeignKey(
        ServiceAccount,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,  # see Meta.indexes
    )
    key_prefix = models.CharField(max_length=8, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    bytes_in = models.PositiveIntegerField(default=0)
    bytes_out = models.PositiveIntegerField(default=0)
    duration_ms = models.FloatField()
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "interop_requests"
        ordering = ["-id"]
        indexes = [
            # Appended in time order: a block-range index serves retention and time windows.
            BrinIndex(fields=["created_at"], name="interop_req_created_brin"),
            models.Index(fields=["service_account", "-id"], name="interop_req_account"),
            models.Index(fields=["key_prefix", "-id"], name="interop_req_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
