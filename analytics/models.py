import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from analytics.choices import ForecastMethod, HotspotTrend, RunKind, RunStatus, RunTrigger
from incidents.models import Category, Region

FINISHED = (RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.SKIPPED)


class ModelRun(models.Model):
    """One analytics run: the full chain (``pipeline``) or one of its steps (``parent`` set),
    with its parameters, data window, timing, status, metrics and error."""

    kind = models.CharField(_("kind"), max_length=16, choices=RunKind.choices)
    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="steps"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    trigger = models.CharField(
        _("trigger"), max_length=16, choices=RunTrigger.choices, default=RunTrigger.COMMAND
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    window_start = models.DateTimeField(_("data window start"), null=True, blank=True)
    window_end = models.DateTimeField(_("data window end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["profile", "kind", "status", "-id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.profile} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class Hotspot(models.Model):
    """A place where incidents concentrate in a run's window (the seed's zones_hotspots).

    ``track`` is the hotspot's identity across runs: a hotspot overlapping one of the previous
    run's hotspots keeps its track, ``first_seen_at`` and history."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="hotspots")
    track = models.UUIDField(_("track"), default=uuid.uuid4, db_index=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    runs_seen = models.PositiveIntegerField(_("runs seen"), default=1)
    rank = models.PositiveIntegerField(_("rank"))
    geom = models.MultiPolygonField(_("outline"), srid=settings.SRID)
    centroid = models.PointField(_("centroid"), srid=settings.SRID)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="hotspots"
    )
    incident_count = models.PositiveIntegerField(_("incidents"))
    category_breakdown = models.JSONField(_("incidents per category"), default=dict)
    score = models.FloatField(_("severity-weighted score"))
    density = models.FloatField(_("incidents per km²"))
    area_km2 = models.FloatField(_("area (km²)"))
    first_incident_at = models.DateTimeField(_("first incident"))
    last_incident_at = models.DateTimeField(_("last incident"))
    trend = models.CharField(_("trend"), max_length=16, choices=HotspotTrend.choices)
    previous_count = models.PositiveIntegerField(_("incidents in the previous window"), default=0)
    cells = models.JSONField(
        _("grid cells"),
        default=list,
        help_text=_("Absolute cell keys used to match hotspots across runs."),
    )

    class Meta:
        ordering = ["run", "rank"]
        indexes = [models.Index(fields=["run", "trend"]), models.Index(fields=["run", "region"])]

    def __str__(self) -> str:
        return f"Hotspot {self.rank} of run {self.run_id} ({self.incident_count} incidents, {self.trend})"


class Forecast(models.Model):
    """One forecast day of one series: a region (or the whole profile when ``region`` is
    empty), optionally one category, with 80 % and 95 % intervals."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="forecasts")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=24, choices=ForecastMethod.choices)
    yhat = models.FloatField(_("expected incidents"))
    lower_80 = models.FloatField()
    upper_80 = models.FloatField()
    lower_95 = models.FloatField()
    upper_95 = models.FloatField()

    class Meta:
        ordering = ["run", "region", "category", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "region", "category", "date"],
                name="forecast_unique_series_day",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id or 'all'}/{self.category_id or 'all'} {self.date}: {self.yhat:.1f}"


class ForecastModel(models.Model):
    """The trained global model of a forecasts run: LightGBM's text dump, the feature-set
    version and training window it needs to be reproduced, and the blend choice with its
    evidence."""

    run = models.OneToOneField(ModelRun, on_delete=models.CASCADE, related_name="forecast_model")
    method = models.CharField(_("method"), max_length=24, choices=ForecastMethod.choices)
    feature_version = models.CharField(_("feature-set version"), max_length=32)
    train_start = models.DateField(_("training window start"), null=True, blank=True)
    train_end = models.DateField(_("training window end"), null=True, blank=True)
    model_text = models.TextField(_("model (LightGBM text format)"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.method} model of run {self.run_id} ({self.feature_version})"


class RiskCell(models.Model):
    """One grid cell of a run's risk map: expected incidents over the next seven days."""

    run = models.ForeignKey(ModelRun, on_delete=models.CASCADE, related_name="risk_cells")
    col = models.IntegerField()
    row = models.IntegerField()
    geom = models.PolygonField(_("cell"), srid=settings.SRID)
    score = models.FloatField(_("expected incidents, next 7 days"))
    rank = models.PositiveIntegerField(_("rank"))
    percentile = models.FloatField(_("percentile"))

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "col", "row"], name="riskcell_unique")
        ]

    def __str__(self) -> str:
        return f"Cell {self.col},{self.row} of run {self.run_id}: {self.score:.2f}"
