"""Words the page scripts show that came with the live-feed, task-panel and dialog work.

Kept apart from ``PAGE_STRINGS`` (pages.py merges them) so the front-end strings have one
home; each is translated in ``locale/ar/LC_MESSAGES/django.po``.
"""

from django.utils.translation import gettext_lazy as _

FRONT_STRINGS = {
    "throttled": _("Too many requests: updates are paused for %(n)s s."),
    "account_disabled": _("Your account has been disabled."),
    "task": _("Task"),
    "open_task": _("Open task #%(id)s"),
    "from_alert": _("Alert #%(id)s"),
    "alert_closed": _("This alert is no longer open."),
    "alert_resolved": _("Alert resolved."),
    "assignee": _("Assigned to"),
    "priority": _("Priority"),
    "due_label": _("Due"),
    "navigate": _("Navigate"),
    "team": _("Team"),
    "username": _("or a username"),
    "reassign": _("Reassign"),
    "set_due": _("Set due time"),
    "cancel_task": _("Cancel task"),
    "reason_optional": _("Reason (optional)"),
    "saved": _("Saved."),
    "date_format_hint": _("dd/mm/yyyy hh:mm, e.g. %(example)s"),
    "due_format": _("Write the due time as dd/mm/yyyy hh:mm, e.g. %(example)s."),
    "partial_day": _("today so far"),
    "tasks": _("Tasks"),
    "first_seen": _("First seen"),
    "last_seen": _("Last seen"),
    "show_hotspot": _("Show the hotspot on the map"),
    "read_only": _("You can follow this task; only its assignees and analysts can change it."),
}
