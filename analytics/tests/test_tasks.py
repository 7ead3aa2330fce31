"""The nightly chain through a real Celery worker (Redis broker, the ``long`` queue)."""

import pytest
from celery.contrib.testing.worker import start_worker

from analytics.choices import RunKind, RunStatus, RunTrigger
from analytics.models import Forecast, Hotspot, ModelRun, RiskCell
from analytics.profiles import AnalyticsProfile
from analytics.services.locking import run_lock_holder
from analytics.services.runs import STEPS
from analytics.tasks import analytics_run_nightly_task
from analytics.tests.factories import seed_incidents
from khareetaty.celery import app


@pytest.fixture
def long_queue(settings, tmp_path):
    """An empty ``long`` queue and a private intake folder for the chain's sweep step."""
    settings.INTAKE_DIR = tmp_path / "intake"
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("long")
    yield "long"
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("long")


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_every_step_of_the_chain_on_a_worker(long_queue):
    today = AnalyticsProfile.load("kuwait").today()
    seed_incidents(end=today, days=120)
    with start_worker(
        app,
        pool="solo",
        queues=[long_queue],
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
    ):
        result = analytics_run_nightly_task.apply_async(kwargs={"profile": "kuwait"})
        run_id = result.get(timeout=120)
    assert result.successful()
    run = ModelRun.objects.get(pk=run_id)
    assert (run.kind, run.trigger, run.profile) == (RunKind.PIPELINE, RunTrigger.SCHEDULE, "kuwait")
    assert run.status == RunStatus.SUCCEEDED, run.metrics
    assert run.metrics["steps"] == dict.fromkeys(STEPS, RunStatus.SUCCEEDED)
    steps = {step.kind: step for step in run.steps.all()}
    assert set(steps) == set(STEPS)
    assert all(step.status == RunStatus.SUCCEEDED and step.finished_at for step in steps.values())
    assert Hotspot.objects.filter(run=steps[RunKind.HOTSPOTS]).exists()
    assert Forecast.objects.filter(run=steps[RunKind.FORECASTS]).exists()
    assert RiskCell.objects.filter(run=steps[RunKind.RISK]).exists()
    assert steps[RunKind.EVALUATION].metrics["counts"]["accuracy"] is not None
    assert run_lock_holder() is None
