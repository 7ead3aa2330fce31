"""incidents' own receivers of its signals: they only enqueue tasks, after the commit."""

from django.db import transaction

from incidents.tasks import incident_search_refresh_task


def on_batch_accepted(sender, batch_id: int, incident_ids: list[int] | None, **kwargs) -> None:
    """A batch's incidents become searchable right after it commits (not inside its load,
    which the search documents would slow several times over)."""
    transaction.on_commit(incident_search_refresh_task.delay)
