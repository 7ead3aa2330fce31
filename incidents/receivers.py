"""incidents' own receivers of its signals: they only enqueue tasks, after the commit."""

from incidents.tasks import incident_search_refresh_task
from khareetaty.enqueue import enqueue_on_commit


def on_batch_accepted(sender, batch_id: int, incident_ids: list[int] | None, **kwargs) -> None:
    """A batch's incidents become searchable right after it commits (not inside its load,
    which the search documents would slow several times over)."""
    enqueue_on_commit(incident_search_refresh_task)
