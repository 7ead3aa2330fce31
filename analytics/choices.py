from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    PIPELINE = "pipeline", _("Full analytics chain")
    INTAKE = "intake", _("Intake sweep")
    HOTSPOTS = "hotspots", _("Hotspot detection")
    FORECASTS = "forecasts", _("Forecasts")
    RISK = "risk", _("Risk map")
    EVALUATION = "evaluation", _("Evaluation")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIAL = "partial", _("Partly failed")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    COMMAND = "command", _("Command line")
    API = "api", _("API")


class HotspotTrend(models.TextChoices):
    NEW = "new", _("New")
    INTENSIFYING = "intensifying", _("Intensifying")
    PERSISTENT = "persistent", _("Persistent")
    DIMINISHING = "diminishing", _("Diminishing")


class HotspotMode(models.TextChoices):
    ADAPTIVE = "adaptive", _("Adaptive (density and area budget)")
    DBSCAN = "dbscan", _("DBSCAN (fixed eps and min samples)")


class ForecastMethod(models.TextChoices):
    PROPHET = "prophet", _("Prophet")
    SIMPLE = "weekday_mean_28d", _("28-day mean by weekday (short history)")
    GBM = "gbm", _("Global gradient-boosted model")
    SEASONAL = "seasonal_baseline", _("Seasonal-change baseline")
