import json

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from incidents.choices import BatchStatus, IncidentChannel, IncidentStatus, PlaceKind

SEVERITY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
# An incident's time features, derived from its time and the profile's zone and holidays by
# ``incidents.geo.time_features_frame``: never entered, always computed.
TIME_FEATURES = ("local_hour", "weekday", "is_weekend", "is_night", "is_holiday")


class Region(models.Model):
    """An administrative area incidents are counted in (a governorate in Kuwait)."""

    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)
    code = models.CharField(_("code"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    geom = models.MultiPolygonField(_("boundary"), srid=settings.SRID)
    # True when the boundary was built by the ETL from incident points (a profile with
    # ``regions.derive``) rather than loaded from an official file; only those are regrown.
    derived = models.BooleanField(_("derived from points"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["profile", "code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="region_unique_code")
        ]

    def __str__(self) -> str:
        return self.name_en


class Place(models.Model):
    """A named place of the gazetteer inside a region: an area, or a block of an area
    (Kuwait: governorate → area → block), for orientation and search on the map. Loaded from
    a boundary file (``load_gazetteer``); ``source`` names the file, so demo outlines say so."""

    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PlaceKind.choices)
    code = models.CharField(_("code"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="places"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    geom = models.MultiPolygonField(_("boundary"), srid=settings.SRID)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["profile", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="place_unique_code")
        ]

    def __str__(self) -> str:
        return self.name_en


class Category(models.Model):
    """An incident category of the deployment, with its default severity (1 low to 5 critical)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    default_severity = models.PositiveSmallIntegerField(
        _("default severity"), default=3, validators=SEVERITY_VALIDATORS
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_en


class IngestBatch(models.Model):
    """One ingestion run: a file or an API batch, with the counts that prove nothing was lost
    (``received = accepted + duplicates + rejected``)."""

    source = models.CharField(_("source profile"), max_length=50)
    file_name = models.CharField(_("file name"), max_length=500, blank=True)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    # Where the file waits to be processed (API uploads, folder intake); empty once moved.
    file_path = models.CharField(_("stored file"), max_length=1000, blank=True)
    file_format = models.CharField(_("format"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = _("ingest batches")

    def __str__(self) -> str:
        return f"#{self.pk} {self.source} {self.file_name or 'api'} ({self.status})"


class RawJSONField(models.JSONField):
    """A JSON document kept as the very text received, in a ``text`` column: key order and
    spelling are kept exactly, and storing a record costs no parse at all. ``jsonb`` (a full
    parse) and even ``json`` (a syntax check) were the costliest part of keeping every raw
    record, and the pipeline writes this text itself with ``json.dumps``, so it is always
    valid. In SQL, cast it (``record::json``) to reach into it; ORM key lookups do not apply.
    """

    def db_type(self, connection) -> str:
        return "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if hasattr(value, "as_sql"):
            return value
        return json.dumps(value, ensure_ascii=False, cls=self.encoder)


class RawIncident(models.Model):
    """Every received record exactly as it arrived, good or bad (the seed's incidents_raw)."""

    # No database constraint: the pipeline writes these rows by COPY inside the batch's own
    # transaction, so a per-row foreign-key check would only repeat what it knows; Django
    # still cascades deletes.
    batch = models.ForeignKey(
        IngestBatch,
        on_delete=models.CASCADE,
        related_name="raw_rows",
        db_constraint=False,
        db_index=False,  # see Meta.indexes
    )
    row_number = models.PositiveIntegerField()
    record = RawJSONField()

    class Meta:
        db_table = "incidents_raw"
        # Raw rows are only appended, a batch's rows together, so a block-range (BRIN) index
        # finds a batch's rows at almost no upkeep. A unique B-tree on (batch, row_number)
        # cost a 1M-row ingest ~1.1 s (a quarter of storing the raw records) to guard what
        # the pipeline guarantees by numbering the rows itself.
        indexes = [BrinIndex(fields=["batch"], name="raw_batch_brin")]


# The (source, external id) key; the ETL tells its violations apart by this name.
INCIDENT_UNIQUE_KEY = "incident_unique_source_id"


class Incident(models.Model):
    """A validated incident (the seed's incidents_clean), traceable to its raw record."""

    # Identifiers, compared byte by byte ("C"): no language rules to apply on every
    # comparison in the unique index, and the ETL's range probe can find a chunk's smallest
    # and largest id in Python with the same order as the index.
    source = models.CharField(_("source"), max_length=50, db_collation="C")
    external_id = models.CharField(_("external id"), max_length=100, db_collation="C")
    # Indexes cost every ingested row its upkeep, so the table keeps only those its queries
    # need: the unique key, location (GiST), occurred_at and raw. Every reader of incidents
    # asks for a time window first (dashboard, alert rules, analytics, the API's newest-first
    # pages), which occurred_at serves; category and region then filter within it. Indexes
    # on (region, occurred_at) and (category, occurred_at) cost a 1M-row ingest ~2.5 s (a
    # fifth of its insert) and were dropped; deleting a category or region (rare admin
    # actions) scans the table instead.
    # No database constraints on category and region either: the pipeline only ever writes
    # ids it has just joined from those tables, and a deferred constraint is checked row by
    # row at commit (seconds per million rows). Django still enforces PROTECT and SET_NULL.
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="incidents",
        db_index=False,
        db_constraint=False,
    )
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    geom = models.PointField(_("location"), srid=settings.SRID, spatial_index=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        db_index=False,
        db_constraint=False,
    )
    area = models.CharField(_("area"), max_length=200, blank=True)
    block = models.CharField(_("block"), max_length=50, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), validators=SEVERITY_VALIDATORS)
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=IncidentChannel.choices,
        default=IncidentChannel.PUBLIC_REPORT,
    )
    description = models.TextField(_("description"), blank=True)
    # No database constraint, for the same reason as RawIncident.batch (the pipeline sets it
    # from the raw ids it reserved); Django still nulls it when raw rows are deleted.
    raw = models.ForeignKey(
        RawIncident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Derived in the deployment's local time when the incident is ingested.
    local_hour = models.PositiveSmallIntegerField()
    weekday = models.PositiveSmallIntegerField(help_text=_("0 = Monday … 6 = Sunday"))
    is_weekend = models.BooleanField()
    is_night = models.BooleanField()
    is_holiday = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "incidents_clean"
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name=INCIDENT_UNIQUE_KEY)
        ]
        # The interop sync order (changed since a cursor): a page is an index walk, not a
        # sort of every incident in scope.
        indexes = [models.Index(fields=["updated_at", "id"], name="incident_updated_id")]

    def __str__(self) -> str:
        return f"{self.category_id} {self.occurred_at:%Y-%m-%d %H:%M} ({self.source}:{self.external_id})"


class IncidentSearch(models.Model):
    """An incident's full-text document (``incidents.search``), kept in its own table so
    that ingest never waits for it: an expression index on ``incidents_clean`` cost every
    ingested row ~115 µs (the text parser and the GIN insert), several times the rest of
    the load. Documents are written right after a batch commits, by a task, and for single
    creates and updates in the same transaction; ``indexed_updated_at`` (the incident's
    ``updated_at`` when indexed) tells the sweep which are out of date."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    document = SearchVectorField()
    indexed_updated_at = models.DateTimeField()

    class Meta:
        db_table = "incidents_search"
        indexes = [GinIndex(fields=["document"], name="incident_search")]

    def __str__(self) -> str:
        return f"search document of incident {self.incident_id}"


class RejectedRow(models.Model):
    """A record that failed validation, with every error a person can act on:
    ``errors = [{"field", "code", "message"}, …]``."""

    batch = models.ForeignKey(IngestBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField()
    record = RawJSONField()
    errors = models.JSONField()

    class Meta:
        ordering = ["batch", "row_number"]
