"""Alerts in depth: notes, grouping of similar alerts, bulk acknowledgement, and the rule
form's schema and preview (the engine's own evaluators replayed over past data)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from commands.choices import AckVia, AlertStatus
from commands.models import AlertNote, AlertRule
from commands.selectors.alert_groups import alert_groups
from commands.selectors.rule_preview import rule_preview
from commands.services.escalation import escalation_tick
from commands.services.rules import rules_evaluate_incidents
from commands.tests.conftest import raise_manual
from commands.tests.factories import AlertFactory, AlertRuleFactory
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.audit.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]

NOW = timezone.now().replace(microsecond=0)


def url(name, *args):
    return reverse(f"commands_api:{name}", args=args)


# --- notes --------------------------------------------------------------------------------


def test_a_note_is_saved_audited_and_shown_in_the_alert_detail(client_for):
    analyst = client_for("analyst")
    alert = raise_manual("note-1")

    answer = analyst.post(url("alert-notes", alert.pk), {"text": "  Called the patrol.  "})

    assert answer.status_code == 201, answer.content
    note = AlertNote.objects.get()
    assert (note.alert, note.author, note.text) == (alert, analyst.user, "Called the patrol.")
    log = ActionLog.objects.get(action="alert_note_add")
    assert log.actor == analyst.user and log.object_id == str(alert.pk)
    detail = analyst.get(url("alert-detail", alert.pk)).json()
    assert [n["text"] for n in detail["notes"]] == ["Called the patrol."]
    assert detail["notes"][0]["author"] == analyst.user.username


def test_an_empty_or_huge_note_is_refused_with_400(client_for):
    analyst = client_for("analyst")
    alert = raise_manual("note-2")

    assert analyst.post(url("alert-notes", alert.pk), {"text": "   "}).status_code == 400
    assert analyst.post(url("alert-notes", alert.pk), {"text": "x" * 4001}).status_code == 400
    assert not AlertNote.objects.exists()


def test_a_viewer_can_read_but_not_add_notes(client_for):
    viewer = client_for("viewer")
    alert = raise_manual("note-3")

    assert viewer.post(url("alert-notes", alert.pk), {"text": "hi"}).status_code == 403
    assert viewer.get(url("alert-detail", alert.pk)).json()["notes"] == []


# --- grouping -----------------------------------------------------------------------------


def test_alerts_of_one_rule_and_region_close_in_time_form_one_group():
    hawalli, jahra = RegionFactory(code="hawalli"), RegionFactory(code="jahra")
    rule, other_rule = AlertRuleFactory(), AlertRuleFactory()

    def alert(rule, region, minutes):
        at = NOW - dt.timedelta(minutes=minutes)
        return AlertFactory(rule=rule, region=region, first_seen_at=at, last_seen_at=at)

    near = [alert(rule, hawalli, m) for m in (100, 70, 40)]  # 30 min apart: one group
    late = alert(rule, hawalli, -200)  # 4 hours after: a new group
    elsewhere = alert(rule, jahra, 70)
    other = alert(other_rule, hawalli, 70)
    manual = AlertFactory(rule=None, region=hawalli, first_seen_at=NOW, last_seen_at=NOW)

    groups = alert_groups(
        alerts=[*near, late, elsewhere, other, manual], window=dt.timedelta(minutes=60)
    )

    by_members = sorted(sorted(a.pk for a in g.alerts) for g in groups)
    assert by_members == sorted(
        [sorted(a.pk for a in near), [late.pk], [elsewhere.pk], [other.pk], [manual.pk]]
    )
    [big] = [g for g in groups if g.count == 3]
    assert big.alerts[0] == near[-1]  # newest first inside the group


def test_groups_endpoint_returns_each_group_with_its_count(client_for):
    viewer = client_for("viewer")
    rule, hawalli = AlertRuleFactory(), RegionFactory(code="hawalli")
    for minutes in (30, 20, 10):
        at = NOW - dt.timedelta(minutes=minutes)
        AlertFactory(rule=rule, region=hawalli, first_seen_at=at, last_seen_at=at)

    answer = viewer.get(url("alert-groups"), {"active": "true", "window": 15})

    assert answer.status_code == 200
    [group] = answer.json()["results"]
    assert group["count"] == 3 and len(group["alerts"]) == 3
    assert viewer.get(url("alert-groups"), {"window": "soon"}).status_code == 400


# --- bulk acknowledge ---------------------------------------------------------------------


def test_bulk_acknowledge_acknowledges_each_audits_each_and_stops_their_escalation(
    client_for, fake_twilio
):
    analyst = client_for("analyst")
    first, second = raise_manual("bulk-1"), raise_manual("bulk-2")
    untouched = raise_manual("bulk-3")

    answer = analyst.post(
        url("alert-acknowledge-bulk"), {"ids": [first.pk, second.pk, 999999]}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert sorted(answer.json()["acknowledged"]) == sorted([first.pk, second.pk])
    assert answer.json()["refused"] == {"999999": "not found"}
    for alert in (first, second):
        alert.refresh_from_db()
        assert alert.status == AlertStatus.ACKNOWLEDGED
        assert alert.acknowledged_by == analyst.user and alert.acknowledged_via == AckVia.WEB
        assert alert.next_step_at is None and alert.escalation_finished_at is not None
    audited = ActionLog.objects.filter(action="alert_acknowledge").values_list(
        "object_id", flat=True
    )
    assert sorted(audited) == sorted([str(first.pk), str(second.pk)])
    # The third one still escalates; the two acknowledged ones never do again.
    fired = escalation_tick(now=timezone.now() + dt.timedelta(hours=2))
    assert fired >= 1
    untouched.refresh_from_db()
    assert untouched.next_step_index > 0
    for alert in (first, second):
        assert alert.events.filter(kind="escalation_step").count() == 1


def test_bulk_acknowledge_reports_alerts_no_longer_open(client_for):
    analyst = client_for("analyst")
    alert = raise_manual("bulk-4")
    analyst.post(url("alert-acknowledge", alert.pk))

    answer = analyst.post(url("alert-acknowledge-bulk"), {"ids": [alert.pk]}, format="json")

    assert answer.json()["acknowledged"] == []
    assert "acknowledged" in answer.json()["refused"][str(alert.pk)]


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["x"]}, {"ids": [1] * 201}])
def test_bulk_acknowledge_refuses_bad_input_with_400(client_for, body):
    analyst = client_for("analyst")
    answer = analyst.post(url("alert-acknowledge-bulk"), body, format="json")
    assert answer.status_code == 400


def test_a_viewer_cannot_bulk_acknowledge(client_for):
    alert = raise_manual("bulk-5")
    answer = client_for("viewer").post(
        url("alert-acknowledge-bulk"), {"ids": [alert.pk]}, format="json"
    )
    assert answer.status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


# --- rule form: schema, preview, save -----------------------------------------------------


def test_rule_kinds_schema_describes_every_kind_and_its_params(client_for):
    answer = client_for("analyst").get(url("rule-kinds")).json()

    kinds = {k["value"]: k for k in answer["results"]}
    assert {"critical_incident", "volume_window", "hotspot", "forecast_spike"} <= set(kinds)
    params = {p["name"]: p for p in kinds["volume_window"]["params"]}
    assert params["threshold"]["type"] == "integer" and params["threshold"]["required"]
    assert params["window_hours"]["type"] == "number"
    trends = {p["name"]: p for p in kinds["hotspot"]["params"]}["trends"]
    assert trends["type"] == "list" and "intensifying" in trends["choices"]
    severity = {p["name"]: p for p in kinds["critical_incident"]["params"]}["min_severity"]
    assert (severity["minimum"], severity["maximum"]) == (1, 5)


def _past_incidents(region, other_region, category):
    """Severities 1 to 5 over 40 days, one incident every 7 hours, in two regions."""
    rows = []
    for i in range(140):
        rows.append(
            IncidentFactory(
                region=region if i % 3 else other_region,
                category=category,
                severity=1 + i % 5,
                occurred_at=NOW - dt.timedelta(hours=7 * i + 1),
            )
        )
    return rows


def test_preview_of_a_critical_incident_rule_counts_what_the_engine_would_fire():
    hawalli, jahra = RegionFactory(code="hawalli"), RegionFactory(code="jahra")
    theft = CategoryFactory(code="theft")
    incidents = _past_incidents(hawalli, jahra, theft)
    since = NOW - dt.timedelta(days=30)
    expected = [
        i
        for i in incidents
        if i.occurred_at >= since and i.severity >= 4 and i.region_id == hawalli.pk
    ]

    preview = rule_preview(
        fields={"name": "p", "kind": "critical_incident", "params": {"min_severity": 4}},
        regions=[hawalli],
        now=NOW,
    )

    assert preview.firings == len(expected) > 0
    assert sum(n for _day, n in preview.per_day) == len(expected)
    assert len(preview.per_day) == 31
    assert not AlertRule.objects.exists()  # the draft was rolled back
    assert not ActionLog.objects.exists()


def test_preview_count_equals_the_alerts_the_live_engine_raises_on_the_same_data():
    """Ground truth from the engine itself: each hour's incidents evaluated by
    ``rules_evaluate_incidents`` at the hour's last incident, as a saved rule; findings
    counted as raised alerts plus repeats (cooldown 0 so no repeat is merged)."""
    hawalli = RegionFactory(code="hawalli")
    theft = CategoryFactory(code="theft")
    base = NOW - dt.timedelta(days=3)
    # 2, then 1, then 3 incidents in three separate hours.
    hours = {0: [5, 30], 5: [10], 9: [1, 2, 3]}
    batches = []
    for hour, minutes in hours.items():
        batches.append(
            [
                IncidentFactory(
                    region=hawalli,
                    category=theft,
                    occurred_at=base.replace(minute=0, second=0)
                    + dt.timedelta(hours=hour, minutes=m),
                )
                for m in minutes
            ]
        )
    params = {"threshold": 2, "window_hours": 6}

    preview = rule_preview(fields={"name": "p", "kind": "volume_window", "params": params}, now=NOW)

    rule = AlertRuleFactory(kind="volume_window", params=params, cooldown_minutes=0)
    fired = 0
    for batch in batches:
        at = batch[-1].occurred_at
        fired += len(rules_evaluate_incidents(incident_ids=[i.pk for i in batch], now=at))
    # hour 0: 2 in window (no); hour 5: 3 (yes); hour 9: 1 + 3 = 4 (yes)
    assert fired == 2
    assert preview.firings == fired
    assert rule.alerts.count() == fired


def test_preview_refuses_bad_parameters_with_400_naming_them(client_for):
    analyst = client_for("analyst")
    bad = {"kind": "volume_window", "params": {"threshold": "many"}}

    answer = analyst.post(url("rule-preview"), bad, format="json")

    assert answer.status_code == 400
    assert "threshold" in str(answer.json())
    out_of_range = {"kind": "critical_incident", "params": {"min_severity": 9}}
    assert analyst.post(url("rule-preview"), out_of_range, format="json").status_code == 400
    unknown_kind = {"kind": "telepathy", "params": {}}
    assert analyst.post(url("rule-preview"), unknown_kind, format="json").status_code == 400


def test_preview_endpoint_answers_the_count_and_one_bar_per_day(client_for):
    hawalli = RegionFactory(code="hawalli")
    for days in (1, 1, 2):
        IncidentFactory(
            region=hawalli, severity=5, occurred_at=NOW - dt.timedelta(days=days, hours=1)
        )
    answer = client_for("analyst").post(
        url("rule-preview"),
        {"kind": "critical_incident", "params": {"min_severity": 5}, "regions": [hawalli.pk]},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["firings"] == 3 and body["days"] == 30
    assert sum(d["count"] for d in body["per_day"]) == 3


def test_saving_a_rule_from_the_form_is_audited(client_for):
    analyst = client_for("analyst")
    body = {
        "name": "Many thefts",
        "kind": "volume_window",
        "severity": "high",
        "params": {"threshold": 5, "window_hours": 2},
        "cooldown_minutes": 30,
    }

    answer = analyst.post(url("rule-list"), body, format="json")

    assert answer.status_code == 201, answer.content
    rule = AlertRule.objects.get(name="Many thefts")
    assert rule.params == {"threshold": 5, "window_hours": 2}
    log = ActionLog.objects.get(action="rule_create")
    assert log.actor == analyst.user and log.object_id == str(rule.pk)


@pytest.mark.parametrize(
    ("method", "name", "body"),
    [
        ("get", "rule-kinds", None),
        ("post", "rule-preview", {"kind": "critical_incident", "params": {}}),
        ("post", "rule-list", {"name": "x", "kind": "critical_incident", "params": {}}),
    ],
)
@pytest.mark.parametrize("role", ["viewer", "field_supervisor"])
def test_viewers_and_field_supervisors_cannot_use_the_rule_form(
    client_for, role, method, name, body
):
    client = client_for(role)
    answer = getattr(client, method)(url(name), body, format="json")
    assert answer.status_code == 403
    assert not AlertRule.objects.exists()
