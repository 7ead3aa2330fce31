"""Receivers for the lower apps' signals. They only enqueue tasks after commit."""

from commands.tasks import (
    rules_evaluate_analytics_task,
    rules_evaluate_batch_task,
    rules_evaluate_incidents_task,
)
from khareetaty.enqueue import enqueue_on_commit

# Above this many ids the task loads the batch's incidents itself (keeps messages small).
_MAX_IDS_IN_MESSAGE = 500


def on_incident_created(sender, incident_id: int, **kwargs) -> None:
    enqueue_on_commit(rules_evaluate_incidents_task, [incident_id])


def on_batch_accepted(
    sender, batch_id: int, incident_ids: list[int] | None = None, **kwargs
) -> None:
    if incident_ids is not None and len(incident_ids) <= _MAX_IDS_IN_MESSAGE:
        enqueue_on_commit(rules_evaluate_incidents_task, list(incident_ids))
    else:
        enqueue_on_commit(rules_evaluate_batch_task, batch_id)


def on_analytics_run_finished(sender, run_id: int, **kwargs) -> None:
    enqueue_on_commit(rules_evaluate_analytics_task, run_id)
