from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from commands.choices import TaskPriority, TaskStatus, TaskUpdateKind
from commands.models.alerts import Alert
from incidents.models import Incident, Region


class Team(models.Model):
    """A field unit or duty roster. Escalation steps and tasks can address a team by
    ``slug``; its members receive the notifications and see its tasks."""

    slug = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name_en


class Task(models.Model):
    """Work assigned to a person or a team (the seed's assigned_tasks).

    Status flows assigned → accepted → in progress → done, or cancelled. ``overdue_alert``
    is set once when the task passes ``due_at`` unfinished, so it alerts only once.
    A task made from an alert or hotspot keeps the generated text in both languages
    (``title``/``description`` in English, ``title_ar``/``description_ar`` in Arabic); a
    person's own text is stored as typed, with the Arabic fields empty.
    """

    title = models.CharField(_("title"), max_length=300)
    title_ar = models.CharField(_("Arabic title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ar = models.TextField(_("Arabic description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=16, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED
    )
    geom = models.PointField(_("location"), srid=settings.SRID, null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    hotspot_id = models.BigIntegerField(_("hotspot"), null=True, blank=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
        verbose_name=_("assigned user"),
    )
    assignee_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("assigned team"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overdue_alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "assigned_tasks"
        ordering = ["-created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title

    def title_for(self, language: str) -> str:
        return (self.title_ar if language == "ar" else "") or self.title

    def description_for(self, language: str) -> str:
        return (self.description_ar if language == "ar" else "") or self.description


class TaskUpdate(models.Model):
    """A line of a task's timeline: a report (note, status change, optionally where the
    author stood) or a change made by command staff (reassigned, due time, cancelled).
    ``kind`` and ``data`` say what happened; pages render the words in the reader's
    language."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=TaskUpdateKind.choices, default=TaskUpdateKind.NOTE
    )
    data = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, blank=True)
    geom = models.PointField(_("location"), srid=settings.SRID, null=True, blank=True)
    # The client's key for this update (the field view's offline queue sends one): an
    # update sent twice is stored once.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.status or 'note'} {self.created_at:%Y-%m-%d %H:%M}"
