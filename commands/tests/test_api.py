"""The command API: alerts and their overrides (audited), rules, escalation policy,
dashboard, and who may do what."""

import datetime as dt

import pytest
from django.utils import timezone

from commands.choices import AlertStatus, RuleKind, Severity
from commands.models import AlertRule
from commands.services.rules import rules_evaluate_incidents
from commands.tests.conftest import POLICY, incident_alert, write_policy
from commands.tests.factories import (
    AlertRuleFactory,
    ForecastFactory,
    PipelineRunFactory,
    StepRunFactory,
)
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.audit.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]


@pytest.fixture
def analyst(client_for):
    return client_for("analyst")


@pytest.fixture
def alert(db):
    return incident_alert(
        region=RegionFactory(code="hawalli", name_en="Hawalli", name_ar="حولي"),
        category=CategoryFactory(code="robbery", name_en="Robbery", name_ar="سطو"),
    )


def audit(action: str) -> ActionLog:
    return ActionLog.objects.filter(action=action).latest("id")


def test_alert_list_and_detail_with_timeline(client_for, alert):
    viewer = client_for("viewer")
    listing = viewer.get("/api/commands/alerts?status=open&severity=critical")
    assert listing.status_code == 200
    assert [a["id"] for a in listing.json()["results"]] == [alert.pk]

    detail = viewer.get(f"/api/commands/alerts/{alert.pk}").json()
    assert detail["title_ar"] == "سطو في حولي"
    assert [e["kind"] for e in detail["timeline"]] == ["created", "escalation_step"]
    assert detail["incidents"] == list(alert.incidents.values_list("pk", flat=True))
    assert viewer.get("/api/commands/alerts?status=resolved").json()["results"] == []


def test_acknowledge_then_resolve_with_a_note_records_who_and_when(analyst, alert):
    acked = analyst.post(f"/api/commands/alerts/{alert.pk}/acknowledge")
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"] == analyst.user.username
    assert analyst.post(f"/api/commands/alerts/{alert.pk}/acknowledge").status_code == 409

    resolved = analyst.post(
        f"/api/commands/alerts/{alert.pk}/resolve", {"note": "Suspect arrested"}, format="json"
    ).json()
    assert resolved["status"] == AlertStatus.RESOLVED
    assert resolved["resolution_note"] == "Suspect arrested"
    assert audit("alert_resolve").summary["note"] == "Suspect arrested"
    assert audit("alert_acknowledge").actor_id == analyst.user.pk


def test_suppressing_an_alert_needs_a_reason_and_is_audited(analyst, alert):
    missing = analyst.post(
        f"/api/commands/alerts/{alert.pk}/suppress", {"minutes": 60}, format="json"
    )
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]

    response = analyst.post(
        f"/api/commands/alerts/{alert.pk}/suppress",
        {"reason": "Known event: national day", "minutes": 120},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == AlertStatus.SUPPRESSED
    assert body["suppressed_reason"] == "Known event: national day"
    assert audit("alert_suppress").summary["reason"] == "Known event: national day"


def test_a_repeat_folds_into_a_suppressed_alert_during_its_period(analyst, alert):
    analyst.post(
        f"/api/commands/alerts/{alert.pk}/suppress",
        {"reason": "drill", "minutes": 60},
        format="json",
    )
    incident = IncidentFactory(
        region=alert.region, category=alert.category, severity=5, occurred_at=timezone.now()
    )
    [again] = rules_evaluate_incidents(incident_ids=[incident.pk])
    assert again.pk == alert.pk
    assert again.count == 2
    assert again.status == AlertStatus.SUPPRESSED


def test_forcing_the_next_step_through_the_api_is_audited(analyst, alert):
    response = analyst.post(f"/api/commands/alerts/{alert.pk}/escalate")
    assert response.status_code == 200
    keys = [e["step_key"] for e in response.json()["timeline"] if e["kind"] == "escalation_step"]
    assert keys == ["r0.s0", "r0.s1"]
    assert audit("alert_escalate").object_id == str(alert.pk)


def test_an_analyst_raises_a_manual_alert_which_escalates_and_is_audited(
    analyst, make_user, fake_twilio
):
    make_user("analyst", phone_number="+96550007777")
    response = analyst.post(
        "/api/commands/alerts",
        {"severity": "high", "title_en": "Crowd at the stadium", "title_ar": "تجمع عند الملعب"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["source"] == "manual"
    assert body["title_ar"] == "تجمع عند الملعب"
    assert len(body["deliveries"]) == 1
    assert audit("alert_create_manual").summary["title"] == "Crowd at the stadium"


@pytest.mark.parametrize("role", ["viewer", "field_supervisor"])
def test_viewers_and_field_supervisors_cannot_override(client_for, alert, role):
    client = client_for(role)
    for action in ("resolve", "suppress", "escalate"):
        assert client.post(f"/api/commands/alerts/{alert.pk}/{action}").status_code == 403
    assert client.post("/api/commands/alerts", {}, format="json").status_code == 403


def test_field_supervisors_see_only_alerts_sent_to_them(client_for, alert):
    supervisor = client_for("field_supervisor")
    assert supervisor.get("/api/commands/alerts").json()["results"] == []
    assert supervisor.get(f"/api/commands/alerts/{alert.pk}").status_code == 404
    assert supervisor.post(f"/api/commands/alerts/{alert.pk}/acknowledge").status_code == 404


def test_rules_are_validated_per_kind(analyst):
    region = RegionFactory(code="ahmadi")
    bad = analyst.post(
        "/api/commands/rules",
        {"name": "Burglary wave", "kind": RuleKind.VOLUME_WINDOW, "params": {"threshold": 5}},
        format="json",
    )
    assert bad.status_code == 400
    assert "window_hours" in str(bad.json()["errors"]["params"])

    good = analyst.post(
        "/api/commands/rules",
        {
            "name": "Burglary wave",
            "kind": RuleKind.VOLUME_WINDOW,
            "severity": Severity.HIGH,
            "params": {"threshold": 5, "window_hours": 6},
            "regions": [region.pk],
            "cooldown_minutes": 120,
        },
        format="json",
    )
    assert good.status_code == 201, good.json()
    rule = AlertRule.objects.get(name="Burglary wave")
    assert list(rule.regions.all()) == [region]
    assert audit("rule_create").actor_id == analyst.user.pk


def test_suppressing_a_rule_is_audited(analyst):
    rule = AlertRuleFactory()
    response = analyst.post(
        f"/api/commands/rules/{rule.pk}/suppress",
        {"reason": "Sensor fault", "minutes": 30},
        format="json",
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.suppressed_reason == "Sensor fault"
    assert rule.suppressed_until > timezone.now() + dt.timedelta(minutes=29)
    assert audit("rule_suppress").object_id == str(rule.pk)


def test_escalation_policy_show_validate_and_reload(client_for, settings, tmp_path):
    admin = client_for("superadmin")
    analyst = client_for("analyst")
    shown = analyst.get("/api/commands/escalation-policy").json()
    assert shown["policy"]["severities"]["critical"]["steps"][1]["after"] == 600
    assert shown["file_changed"] is False

    broken = POLICY.replace("after: 10m", "after: later")
    checked = analyst.post(
        "/api/commands/escalation-policy/validate", {"content": broken}, format="json"
    )
    assert checked.status_code == 400
    assert checked.json()["errors"] == [
        {
            "line": 9,
            "field": "severities.critical.steps[1].after",
            "message": "must be a duration such as 0m, 90s, 15m, 2h or 1d",
        }
    ]
    assert analyst.post("/api/commands/escalation-policy/reload").status_code == 403

    write_policy(settings, tmp_path, POLICY.replace("after: 10m", "after: 20m"))
    assert analyst.get("/api/commands/escalation-policy").json()["file_changed"] is True
    reloaded = admin.post("/api/commands/escalation-policy/reload")
    assert reloaded.status_code == 200
    assert (
        analyst.get("/api/commands/escalation-policy").json()["policy"]["severities"]["critical"][
            "steps"
        ][1]["after"]
        == 1200
    )
    assert audit("escalation_policy_reload").actor_id == admin.user.pk


def test_dashboard_counts_open_alerts_tasks_and_recent_incidents(client_for, alert):
    IncidentFactory(
        region=alert.region,
        category=alert.category,
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )
    body = client_for("viewer").get("/api/commands/dashboard").json()
    assert body["open_alerts_by_severity"]["critical"] == 1
    assert body["unacknowledged_alerts"] == 1
    assert body["incidents_last_24h"]["total"] == 1
    assert body["tasks_by_status"]["assigned"] == 0
    assert body["latest_run"] is None
    assert body["incidents_vs_forecast"] == []


def test_dashboard_sets_todays_incidents_against_the_forecast(client_for, alert):
    pipeline = PipelineRunFactory(metrics={"seconds": 12.5})
    step = StepRunFactory(parent=pipeline, kind="forecasts")
    today = timezone.localdate()
    ForecastFactory(run=step, region=alert.region, date=today, yhat=3.0)
    ForecastFactory(run=step, region=alert.region, date=today + dt.timedelta(days=1), yhat=4.5)

    body = client_for("viewer").get("/api/commands/dashboard").json()

    assert body["incidents_vs_forecast"] == [
        {
            "region_id": alert.region_id,
            "actual_last_24h": 1,
            "forecast_today": 3.0,
            "forecast_range_80": [2.4, 3.6],
        }
    ]
    assert body["forecast_next_24h"]["total"] == 4.5
    assert body["latest_run"]["id"] == pipeline.pk
