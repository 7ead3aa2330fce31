"""Patrol units, their shifts, patrol places, plans with their items, and visits."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from analytics.models import ModelRun
from commands.models import Task, Team
from incidents.models import Region
from patrol.choices import PlanStatus, UnitKind, UnitStatus, VisitSource


class Unit(models.Model):
    """A patrol unit (a car, a foot or bike patrol): its call sign, team (whose members are
    its field supervisors), home station and capabilities."""

    call_sign = models.CharField(_("call sign"), max_length=50, unique=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="patrol_units"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=UnitKind.choices, default=UnitKind.CAR)
    geom = models.PointField(_("home station"), srid=settings.SRID)
    status = models.CharField(
        _("status"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)

    class Meta:
        ordering = ["call_sign"]
        verbose_name = _("patrol unit")
        verbose_name_plural = _("patrol units")

    def __str__(self) -> str:
        return self.call_sign


class Shift(models.Model):
    """A unit on duty: when, in which regions, and how many minutes it has for directed
    patrol (the rest goes to calls for service)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="shifts")
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions")
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    patrol_minutes = models.PositiveIntegerField(_("minutes for directed patrol"))

    class Meta:
        ordering = ["start", "unit"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.start:%Y-%m-%d %H:%M}"


class PatrolPlace(models.Model):
    """A compact polygon of high-risk grid cells (from the latest risk map and open
    hotspots) with its expected incidents per hour, after the feedback-loop guard."""

    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)
    run = models.ForeignKey(
        ModelRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    geom = models.MultiPolygonField(_("outline"), srid=settings.SRID)
    centroid = models.PointField(_("centre"), srid=settings.SRID)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rate = models.FloatField(_("expected incidents per hour"))
    cells = models.JSONField(_("grid cells"), default=list)
    from_hotspot = models.BooleanField(_("from an open hotspot"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rate"]

    def __str__(self) -> str:
        return f"Place {self.pk} ({self.rate:.3f}/h)"


class Plan(models.Model):
    """A patrol plan for a time window: its source run, parameters, seed, solver result
    (objective, greedy baseline, bound, status, gap), exposure per region and its life
    draft → published → closed."""

    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    run = models.ForeignKey(
        ModelRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parameters = models.JSONField(_("parameters"), default=dict)
    seed = models.PositiveIntegerField(_("seed"))
    objective = models.FloatField(_("expected incidents covered"), default=0)
    greedy_objective = models.FloatField(_("greedy baseline"), default=0)
    bound = models.FloatField(_("solver bound"), null=True, blank=True)
    solver_status = models.CharField(_("solver status"), max_length=24, blank=True)
    gap = models.FloatField(_("gap"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solve time (s)"), default=0)
    exposure = models.JSONField(_("exposure ratio per region"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-window_start", "-id"]

    def __str__(self) -> str:
        return f"Plan {self.pk} {self.window_start:%Y-%m-%d %H:%M} ({self.status})"


class PlanItem(models.Model):
    """One unit's assignment to one place in a plan, with its visit windows
    (``[{"start": ISO time, "minutes": n}]``) and, once published, its field task."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="plan_items")
    shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_items"
    )
    place = models.ForeignKey(PatrolPlace, on_delete=models.PROTECT, related_name="plan_items")
    windows = models.JSONField(_("visit windows"), default=list)
    planned_minutes = models.PositiveIntegerField(_("planned minutes"), default=0)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "unit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit", "place"], name="planitem_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} → place {self.place_id} ({self.planned_minutes} min)"


class Visit(models.Model):
    """A unit's stay at a place, from a field check-in/out (location checked inside the
    place with a tolerance) or a GPS stream. Each check-in and check-out carries the
    client's idempotency key, so an update sent twice is applied once."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="visits")
    place = models.ForeignKey(PatrolPlace, on_delete=models.PROTECT, related_name="visits")
    item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    arrival = models.DateTimeField(_("arrival"))
    departure = models.DateTimeField(_("departure"), null=True, blank=True)
    geom = models.PointField(_("check-in location"), srid=settings.SRID, null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=VisitSource.choices, default=VisitSource.CHECKIN
    )
    checkin_key = models.CharField(
        _("check-in key"), max_length=64, unique=True, null=True, blank=True
    )
    checkout_key = models.CharField(
        _("check-out key"), max_length=64, unique=True, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-arrival"]

    def __str__(self) -> str:
        return f"{self.unit} at place {self.place_id} {self.arrival:%H:%M}"

    @property
    def minutes(self) -> float:
        if self.departure is None:
            return 0.0
        return max(0.0, (self.departure - self.arrival).total_seconds() / 60)


class TravelTime(models.Model):
    """A loaded travel time between two regions (``manage.py load_patrol_travel``); the
    optimiser uses it instead of the straight line when the table has the pair."""

    profile = models.CharField(_("profile"), max_length=50, default="kuwait", db_index=True)
    origin = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    destination = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveIntegerField(_("minutes"))
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="patrol_travel_pair")
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.destination_id}: {self.minutes} min"


class Backtest(models.Model):
    """One run of the efficiency backtest (``manage.py evaluate_patrol``): plan vs greedy vs
    proportional allocation; the latest is shown on the Analytics page."""

    profile = models.CharField(_("profile"), max_length=50, db_index=True)
    report = models.JSONField(_("report"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Patrol backtest {self.profile} {self.created_at:%Y-%m-%d}"
