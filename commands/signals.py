"""Signals for the dashboard's live updates. Sent after the transaction commits.

``alert_changed`` (kwargs ``alert_id: int``) when an alert is created, repeats, changes
status or escalates; ``task_changed`` (kwargs ``task_id: int``) when a task is created,
reassigned, changes status or gets an update.
"""

from django.dispatch import Signal

alert_changed = Signal()
task_changed = Signal()
