"""Hooks the higher apps (analytics, commands) connect to; incidents never imports them.

``batch_accepted`` is sent after an ingest batch commits with at least one accepted incident,
``incident_created`` after a single incident is created through the API. Receivers should
only enqueue Celery tasks (through ``transaction.on_commit``) and return.
"""

from django.dispatch import Signal

batch_accepted = Signal()  # kwargs: batch_id: int, incident_ids: list[int] | None
incident_created = Signal()  # kwargs: incident_id: int
