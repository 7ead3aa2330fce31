"""Start and finish ModelRun rows (the chain and each of its steps)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from analytics.choices import RunStatus
from analytics.models import ModelRun


def model_run_step_start(
    *, parent: ModelRun, kind: str, parameters: dict | None = None, window: tuple | None = None
) -> ModelRun:
    """Create a running step under ``parent``."""
    start, end = window or (None, None)
    return ModelRun.objects.create(
        kind=kind,
        profile=parent.profile,
        parent=parent,
        trigger=parent.trigger,
        requested_by=parent.requested_by,
        parameters=parameters or {},
        window_start=start,
        window_end=end,
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
    )


def model_run_finish(
    *, run: ModelRun, status: str, metrics: dict | None = None, error: str = ""
) -> ModelRun:
    """Record a run's end: status, metrics, error and duration."""
    run.status = status
    run.finished_at = timezone.now()
    started = run.started_at or run.finished_at
    run.duration_seconds = round((run.finished_at - started).total_seconds(), 3)
    if metrics is not None:
        run.metrics = metrics
    run.error = error[:10_000]
    run.save(update_fields=["status", "finished_at", "duration_seconds", "metrics", "error"])
    return run


def aware(local_naive: dt.datetime, tz) -> dt.datetime:
    """A naive local wall-clock time of the profile as an aware datetime."""
    return local_naive.replace(tzinfo=tz)


def run_window_save(*, run: ModelRun, start, end, tz) -> None:
    """Record the local window ``[start, end)`` (pandas timestamps of the profile's wall
    clock) a step's run covered."""
    run.window_start = aware(start.to_pydatetime(), tz)
    run.window_end = aware(end.to_pydatetime(), tz)
    run.save(update_fields=["window_start", "window_end"])
