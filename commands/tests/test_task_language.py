"""Text generated from alerts and hotspots is kept in both languages and shown in the
reader's; hotspot text is grammatical with rounded scores."""

import pytest
from django.contrib.gis.geos import Point

from commands.choices import RuleKind
from commands.services.rules import rules_evaluate_analytics
from commands.tests.factories import AlertRuleFactory, HotspotFactory, TeamFactory
from incidents.tests.factories import RegionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_file")]


@pytest.fixture
def analyst(client_for):
    client = client_for("analyst")
    TeamFactory(slug="patrol-7")
    return client


def test_a_task_from_an_alert_reads_in_arabic_for_an_arabic_reader(analyst, farwaniya_alert):
    alert = farwaniya_alert
    task = analyst.post(
        "/api/commands/tasks", {"alert": alert.pk, "assignee_team": "patrol-7"}, format="json"
    ).json()

    arabic = analyst.get(f"/api/commands/tasks/{task['id']}", HTTP_ACCEPT_LANGUAGE="ar").json()
    english = analyst.get(f"/api/commands/tasks/{task['id']}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert arabic["title"] == "اعتداء في الفروانية"
    assert arabic["description"] == alert.message_ar
    assert english["title"] == "Assault in Farwaniya"
    assert english["description"] == alert.message_en
    assert arabic["alert_summary"]["title"] == "اعتداء في الفروانية"


def test_a_title_typed_by_a_person_is_shown_as_typed_in_both_languages(analyst):
    hotspot = HotspotFactory(region=RegionFactory(code="ahmadi", name_en="Ahmadi"))
    task = analyst.post(
        "/api/commands/tasks",
        {"hotspot": hotspot.pk, "title": "Check the souq", "assignee_team": "patrol-7"},
        format="json",
    ).json()
    arabic = analyst.get(f"/api/commands/tasks/{task['id']}", HTTP_ACCEPT_LANGUAGE="ar").json()
    assert arabic["title"] == "Check the souq"
    assert arabic["description"].startswith("البؤرة رقم")


def test_hotspot_text_is_grammatical_with_a_rounded_score(analyst, hawalli):
    AlertRuleFactory(kind=RuleKind.HOTSPOT, params={})
    hotspot = HotspotFactory(
        region=hawalli, trend="intensifying", score=691.667, centroid=Point(48.03, 29.33)
    )
    [alert] = rules_evaluate_analytics(run_id=hotspot.run.parent_id)

    assert alert.title_en == "Intensifying hotspot in Hawalli"
    assert alert.message_en == "Hotspot detected in Hawalli (intensifying, score 692)."
    assert "A intensifying" not in alert.message_en
    assert "692" in alert.message_ar and "691.667" not in alert.message_ar

    task = analyst.post(
        "/api/commands/tasks",
        {"hotspot": hotspot.pk, "assignee_team": "patrol-7"},
        format="json",
    ).json()
    assert task["description_en"] == f"Hotspot #{hotspot.pk}, score 692."
    assert task["title_ar"] == "دورية في بؤرة متصاعدة في حولي"
