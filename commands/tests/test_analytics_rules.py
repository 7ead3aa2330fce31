"""The analytics rule kinds, evaluated at the end of the analytics chain."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics import signals as analytics_signals
from commands.choices import RuleKind, Severity
from commands.rulekinds.forecast_spike import forecast_is_spike
from commands.services.rules import rules_evaluate_analytics
from commands.tests.conftest import purge_alerts_queue
from commands.tests.factories import (
    AlertRuleFactory,
    ForecastFactory,
    HotspotFactory,
    PipelineRunFactory,
    StepRunFactory,
)
from commands.tests.test_rules import queued_alert_tasks
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def pipeline():
    return PipelineRunFactory()


def test_hotspot_rule_alerts_on_new_and_intensifying_hotspots_only(hawalli, pipeline):
    rule = AlertRuleFactory(kind=RuleKind.HOTSPOT, severity=Severity.HIGH, params={"min_score": 10})
    step = StepRunFactory(parent=pipeline)
    new = HotspotFactory(run=step, region=hawalli, trend="new")
    rising = HotspotFactory(run=step, region=hawalli, trend="intensifying")
    HotspotFactory(run=step, region=hawalli, trend="persistent")
    HotspotFactory(run=step, region=hawalli, trend="new", score=5)  # below min_score
    HotspotFactory(region=hawalli, trend="new")  # another run

    alerts = rules_evaluate_analytics(run_id=pipeline.pk, now=NOW)

    assert {a.hotspot_id for a in alerts} == {new.pk, rising.pk}
    titles = {a.title_en for a in alerts}
    assert titles == {"New hotspot in Hawalli", "Intensifying hotspot in Hawalli"}
    assert all(a.rule == rule and a.severity == Severity.HIGH for a in alerts)
    assert {a.title_ar for a in alerts} == {"بؤرة جديدة في حولي", "بؤرة متصاعدة في حولي"}


def test_the_same_hotspot_next_run_folds_into_the_alert_inside_the_cooldown(hawalli):
    AlertRuleFactory(kind=RuleKind.HOTSPOT, params={}, cooldown_minutes=26 * 60)
    first = HotspotFactory(region=hawalli, trend="new")
    [alert] = rules_evaluate_analytics(run_id=first.run.parent_id, now=NOW)
    second = HotspotFactory(region=hawalli, trend="intensifying", track=first.track)

    [again] = rules_evaluate_analytics(run_id=second.run.parent_id, now=NOW + dt.timedelta(days=1))

    assert again.pk == alert.pk
    assert again.count == 2


def test_hotspot_rule_respects_region_and_category_scope(hawalli, pipeline):
    jahra = RegionFactory(code="jahra")
    burglary = CategoryFactory(code="burglary")
    AlertRuleFactory(kind=RuleKind.HOTSPOT, params={}, regions=[hawalli], categories=[burglary])
    step = StepRunFactory(parent=pipeline)
    hit = HotspotFactory(run=step, region=hawalli, category_breakdown={"burglary": 4, "theft": 9})
    HotspotFactory(run=step, region=jahra, category_breakdown={"burglary": 9})
    HotspotFactory(run=step, region=hawalli, category_breakdown={"theft": 9})

    assert [a.hotspot_id for a in rules_evaluate_analytics(run_id=pipeline.pk, now=NOW)] == [hit.pk]


def test_forecast_spike_above_the_baseline_percentage(hawalli, pipeline):
    theft = CategoryFactory(code="theft")
    for day in range(28):  # baseline: 2 a day
        for _ in range(2):
            IncidentFactory(
                region=hawalli, category=theft, occurred_at=NOW - dt.timedelta(days=day, hours=1)
            )
    AlertRuleFactory(kind=RuleKind.FORECAST_SPIKE, params={"percent_above": 50}, regions=[hawalli])
    step = StepRunFactory(parent=pipeline, kind="forecasts")
    spike = ForecastFactory(run=step, region=hawalli, yhat=3.5, date=timezone.localdate(NOW))
    ForecastFactory(
        run=step, region=hawalli, yhat=9.0, date=timezone.localdate(NOW) + dt.timedelta(days=3)
    )

    [alert] = rules_evaluate_analytics(run_id=pipeline.pk, now=NOW)

    assert alert.forecast_id == spike.pk
    assert alert.title_en == "Forecast spike in Hawalli: 3.5 expected"
    assert "baseline of 2.0 a day" in alert.message_en


def test_forecast_below_the_threshold_raises_nothing(hawalli, pipeline):
    AlertRuleFactory(kind=RuleKind.FORECAST_SPIKE, params={"min_count": 12})
    ForecastFactory(
        run=StepRunFactory(parent=pipeline, kind="forecasts"), region=hawalli, yhat=11.9
    )
    assert rules_evaluate_analytics(run_id=pipeline.pk, now=NOW) == []


@pytest.mark.parametrize(
    ("yhat", "baseline", "percent", "count", "spike"),
    [
        (15, 10, 50, None, False),
        (15.1, 10, 50, None, True),
        (5, 0, 50, None, False),
        (13, 0, None, 12, True),
    ],
)
def test_forecast_spike_arithmetic(yhat, baseline, percent, count, spike):
    assert (
        forecast_is_spike(yhat=yhat, baseline=baseline, percent_above=percent, min_count=count)
        is spike
    )


def test_run_finished_enqueues_analytics_evaluation(django_capture_on_commit_callbacks):
    purge_alerts_queue()
    with django_capture_on_commit_callbacks(execute=True):
        analytics_signals.run_finished.send(
            sender=None, run_id=42, profile="kuwait", status="succeeded"
        )
    # Other apps may listen too (interop's hotspot webhooks); commands queues exactly one task.
    queued = [task for task in queued_alert_tasks() if task[0].startswith("commands.")]
    assert queued == [("commands.rules_evaluate_analytics", [42])]
    purge_alerts_queue()
