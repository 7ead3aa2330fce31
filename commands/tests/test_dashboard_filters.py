"""The dashboard's server side: KPIs take the filter bar like the lists, counted strings
are pluralised, the region filter offers the active profile only, and the field page
shows the report controls only to roles the API lets report."""

import datetime as dt

import pytest
from django.utils import timezone

from commands.choices import AlertStatus
from commands.models import Alert
from commands.tests.factories import TaskFactory
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _alert(region, category, *, seen_days_ago=0, status=AlertStatus.OPEN):
    seen = timezone.now() - dt.timedelta(days=seen_days_ago)
    return Alert.objects.create(
        severity="high",
        status=status,
        title_en="x",
        region=region,
        category=category,
        dedup_key=f"k{Alert.objects.count()}",
        first_seen_at=seen,
        last_seen_at=seen,
    )


@pytest.fixture
def world():
    hawalli = RegionFactory(code="hawalli", name_en="Hawalli")
    jahra = RegionFactory(code="jahra", name_en="Jahra")
    theft = CategoryFactory(code="theft")
    fraud = CategoryFactory(code="fraud")
    _alert(hawalli, theft)
    for _ in range(3):
        _alert(jahra, fraud)
    _alert(hawalli, fraud, seen_days_ago=40)
    TaskFactory(region=hawalli)
    TaskFactory(region=jahra)
    TaskFactory(region=jahra)
    IncidentFactory(region=hawalli, category=theft, occurred_at=timezone.now())
    IncidentFactory(region=jahra, category=fraud, occurred_at=timezone.now())
    return {"hawalli": hawalli, "jahra": jahra, "theft": theft, "fraud": fraud}


def _open(body):
    return sum(body["open_alerts_by_severity"].values())


def test_the_kpis_count_only_the_filtered_region_like_the_alert_list(client_for, world):
    viewer = client_for("viewer")
    hawalli = world["hawalli"]

    body = viewer.get("/api/commands/dashboard?region=hawalli").json()
    listed = viewer.get(f"/api/commands/alerts?active=true&region={hawalli.pk}").json()

    assert _open(body) == listed["count"] == 2
    assert body["tasks_by_status"]["assigned"] == 1
    assert body["incidents_last_24h"]["total"] == 1
    assert body["filters"]["region"] == [hawalli.pk]
    assert _open(viewer.get("/api/commands/dashboard").json()) == 5


def test_the_kpis_take_category_and_period_and_region_ids(client_for, world):
    viewer = client_for("viewer")
    both = viewer.get(
        f"/api/commands/dashboard?region={world['hawalli'].pk}&region=jahra&category=fraud"
    ).json()
    assert _open(both) == 4
    recent = viewer.get("/api/commands/dashboard?category=fraud&period=30d").json()
    listed = viewer.get(
        f"/api/commands/alerts?active=true&category={world['fraud'].pk}&period=30d"
    ).json()
    assert _open(recent) == listed["count"] == 3
    assert recent["incidents_in_period"]["total"] == 1


def test_unknown_filter_values_answer_400_not_500(client_for, world):
    viewer = client_for("viewer")
    for query in (
        "region=atlantis",
        "category=nope",
        "period=7y",
        "region=99999999",
        "region=99999999999999999999999",
        "region=%C2%B2",
    ):
        response = viewer.get(f"/api/commands/dashboard?{query}")
        assert response.status_code == 400, query
    huge = viewer.get("/api/commands/alerts?region=99999999999999999999999")
    assert huge.status_code == 400


def test_the_region_filter_offers_the_active_profile_only(client, make_user, world):
    RegionFactory(profile="chicago", code="district-7", name_en="District 7")
    client.force_login(make_user("viewer"))
    html = client.get("/dashboard/").content.decode()
    assert 'value="hawalli"' in html
    assert "District 7" not in html


@pytest.mark.parametrize(("role", "shown"), [("viewer", False), ("field_supervisor", True)])
def test_the_field_page_shows_report_controls_only_to_roles_that_may_report(
    client, make_user, role, shown
):
    client.force_login(make_user(role))
    html = client.get("/field/tasks/1/").content.decode()
    assert ('<div id="status-buttons" class="status-buttons">' in html) is shown
    assert ('<form id="update-form" class="update-form">' in html) is shown
    assert ('<form id="update-form" class="update-form" hidden>' in html) is not shown
