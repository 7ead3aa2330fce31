"""One chain at a time, every step recorded, failures contained, the end announced."""

import datetime as dt

import pytest

from analytics.choices import RunKind, RunStatus, RunTrigger
from analytics.models import Forecast, Hotspot, ModelRun, RiskCell
from analytics.services.locking import run_lock_acquire, run_lock_holder
from analytics.services.runs import analytics_run_execute, analytics_run_request
from analytics.signals import run_finished
from analytics.tests.factories import seed_incidents

END = dt.date(2025, 6, 1)


def test_a_second_request_gets_the_running_runs_id(db):
    first, created = analytics_run_request(profile="kuwait", trigger=RunTrigger.API)
    second, created_again = analytics_run_request(profile="kuwait", trigger=RunTrigger.API)
    assert created and not created_again
    assert second.pk == first.pk
    assert ModelRun.objects.filter(kind=RunKind.PIPELINE).count() == 1
    assert run_lock_holder() == first.pk


def test_a_lock_left_by_a_finished_run_is_taken_over(db):
    dead = ModelRun.objects.create(kind=RunKind.PIPELINE, status=RunStatus.FAILED)
    assert run_lock_acquire(run_id=dead.pk) is None
    run, created = analytics_run_request(profile="kuwait", trigger=RunTrigger.COMMAND)
    assert created and run.pk != dead.pk
    assert run_lock_holder() == run.pk


@pytest.fixture
def finished_runs():
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    run_finished.connect(receiver)
    yield seen
    run_finished.disconnect(receiver)


def test_the_chain_runs_every_step_then_releases_the_lock_and_announces_the_end(db, finished_runs):
    seed_incidents(end=END)
    parameters = {"end": str(END), "evaluation": {"weeks": 1}, "hotspots": {"max_share": 0.5}}
    run, _ = analytics_run_request(
        profile="kuwait", trigger=RunTrigger.COMMAND, parameters=parameters
    )
    progress = []
    run = analytics_run_execute(run_id=run.pk, progress=progress.append)
    steps = {s.kind: s for s in run.steps.all()}
    assert run.status == RunStatus.SUCCEEDED, run.metrics
    assert [s.kind for s in progress] == [
        k
        for k in (
            RunKind.INTAKE,
            RunKind.HOTSPOTS,
            RunKind.FORECASTS,
            RunKind.RISK,
            RunKind.EVALUATION,
        )
        if k in steps
    ]
    assert Hotspot.objects.filter(run=steps[RunKind.HOTSPOTS]).count() == 2
    assert Forecast.objects.filter(run=steps[RunKind.FORECASTS]).exists()
    assert RiskCell.objects.filter(run=steps[RunKind.RISK]).exists()
    assert steps[RunKind.EVALUATION].metrics["counts"]["accuracy"] is not None
    card = run.metrics["model_card"]  # 200 days of history: the baseline alone, said so
    assert card["forecaster"] == "gbm" and card["methods_used"] == {"seasonal_baseline": 4}
    assert card["covered"] == {"regions": ["capital"], "categories": ["assault", "theft"]}
    assert card["model"]["feature_version"] and card["patrol_share"] == {"capital": 0.0}
    # under a year of history: no category is modelled, all are split by their shares
    assert card["category_forecasts"]["modelled_series"] == 0
    assert card["category_forecasts"]["split_series"] == 2
    assert card["category_forecasts"]["coherent"] is True
    # the seeded counts are the same every day: the 28-day mean is perfect, skill undefined
    assert card["accuracy"]["methods"] == {}
    assert card["accuracy"]["per_region_skill"] == {"capital": None}
    assert all(s.duration_seconds is not None and s.finished_at for s in steps.values())
    assert run_lock_holder() is None
    assert finished_runs == [
        {
            "signal": run_finished,
            "run_id": run.pk,
            "profile": "kuwait",
            "status": RunStatus.SUCCEEDED,
        }
    ]
    assert (
        analytics_run_execute(run_id=run.pk).status == RunStatus.SUCCEEDED
    )  # running twice does nothing
    assert run.steps.count() == len(steps)


def test_a_failing_step_fails_alone(db, finished_runs):
    seed_incidents(end=END, days=60)
    parameters = {
        "end": str(END),
        "skip": ["evaluation", "forecasts"],
        "hotspots": {"window_days": "ninety"},
    }
    run, _ = analytics_run_request(
        profile="kuwait", trigger=RunTrigger.COMMAND, parameters=parameters
    )
    run = analytics_run_execute(run_id=run.pk)
    steps = {s.kind: s for s in run.steps.all()}
    assert (
        steps[RunKind.HOTSPOTS].status == RunStatus.FAILED
        and "TypeError" in steps[RunKind.HOTSPOTS].error
    )
    assert steps[RunKind.RISK].status == RunStatus.SUCCEEDED
    assert run.status == RunStatus.PARTIAL
    assert run.metrics["steps"][RunKind.EVALUATION] == RunStatus.SKIPPED
    assert finished_runs[0]["status"] == RunStatus.PARTIAL
