"""Pulling: only the account's regions and categories, only the fields the sharing rule
allows (location rounded, never free text), every share recorded, cursor pages and
incremental sync."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import timezone

from commands.services.alerts import AlertSpec, alert_raise
from commands.tests.factories import ForecastFactory, HotspotFactory
from commands.texts import Bilingual
from incidents.models import Category, Incident
from incidents.tests.factories import IncidentFactory
from interop.choices import ShareKind
from interop.models import ShareRecord
from interop.services import accounts
from interop.services.sharing import round_location
from interop.tests.conftest import key_client

pytestmark = pytest.mark.django_db
INCIDENTS = "/api/interop/v1/incidents"


def incident(region, code="theft", **extra) -> Incident:
    return IncidentFactory(
        region=region,
        category=Category.objects.get(code=code),
        geom=Point(47.98123, 29.37456, srid=4326),
        description="Witness Ahmad, phone +965 5555 1234",
        **extra,
    )


def test_only_the_accounts_regions_and_categories_are_shared(make_account, regions):
    inside = incident(regions["capital"], "theft")
    incident(regions["ahmadi"], "theft")  # another region
    incident(regions["capital"], "fraud")  # another category
    _account, secret = make_account(region_codes=["capital"], category_codes=["theft"])
    features = key_client(secret).get(INCIDENTS).json()["features"]
    assert [f["id"] for f in features] == [inside.pk]


def test_an_account_with_no_regions_sees_nothing(make_account, regions):
    incident(regions["capital"])
    _account, secret = make_account(region_codes=[])
    assert key_client(secret).get(INCIDENTS).json()["features"] == []


def test_the_sharing_rule_removes_fields_and_rounds_the_location(make_account, regions, agency):
    row = incident(regions["capital"], severity=4)
    accounts.sharing_rule_update(
        agency=agency, actor=None, fields=["category", "occurred_at"], location_rounding_m=1000
    )
    _account, secret = make_account()
    response = key_client(secret).get(INCIDENTS)
    (feature,) = response.json()["features"]
    assert set(feature["properties"]) == {"category", "occurred_at", "updated_at"}
    assert feature["geometry"] is None  # location not in the rule
    assert "Ahmad" not in response.content.decode() and "5555" not in response.content.decode()
    accounts.sharing_rule_update(
        agency=agency,
        actor=None,
        fields=["category", "location", "severity"],
        location_rounding_m=1000,
    )
    (feature,) = key_client(secret).get(INCIDENTS).json()["features"]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == round_location(row.geom.x, row.geom.y, 1000)
    assert (lon, lat) != (row.geom.x, row.geom.y)
    assert abs(lat - row.geom.y) * 111_320 <= 500 + 1
    assert feature["properties"]["severity"] == 4 and "description" not in feature["properties"]


def test_a_sharing_rule_cannot_name_free_text(agency):
    with pytest.raises(ValidationError, match="description"):
        accounts.sharing_rule_update(agency=agency, actor=None, fields=["description"])


def test_every_share_is_recorded(make_account, regions, agency):
    rows = [incident(regions["capital"]) for _ in range(3)]
    account, secret = make_account()
    key_client(secret).get(INCIDENTS)
    share = ShareRecord.objects.get()
    assert (share.agency, share.service_account, share.kind, share.count) == (
        agency, account, ShareKind.INCIDENTS, 3,
    )  # fmt: skip
    assert sorted(share.object_ids) == sorted(r.pk for r in rows)
    assert "location" in share.fields and "description" not in share.fields


def test_cursor_pages_cover_everything_once_and_updated_since_syncs(make_account, regions):
    rows = [incident(regions["capital"]) for _ in range(5)]
    _account, secret = make_account()
    client = key_client(secret)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(INCIDENTS, params).json()
        seen += [f["id"] for f in page["features"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(r.pk for r in rows) and len(seen) == 5
    sync = page["sync_cursor"]
    assert client.get(INCIDENTS, {"cursor": sync}).json()["features"] == []
    changed = rows[0]
    changed.severity = 5
    changed.save()
    assert [f["id"] for f in client.get(INCIDENTS, {"cursor": sync}).json()["features"]] == [
        changed.pk
    ]
    since = (timezone.now() - dt.timedelta(seconds=30)).isoformat()
    assert len(client.get(INCIDENTS, {"updated_since": since}).json()["features"]) == 5
    future = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert client.get(INCIDENTS, {"updated_since": future}).json()["features"] == []


def test_bad_pull_parameters_answer_400(make_account):
    _account, secret = make_account()
    client = key_client(secret)
    assert client.get(INCIDENTS, {"cursor": "%%%"}).status_code == 400
    assert client.get(INCIDENTS, {"updated_since": "yesterday"}).status_code == 400
    assert client.get(INCIDENTS, {"limit": 0}).status_code == 400


def _alert(region, category=None, key="k"):
    spec = AlertSpec(
        severity="high",
        title=Bilingual("Title", "عنوان"),
        message=Bilingual("m", "م"),
        dedup_key=key,
        region_id=region.pk,
        category_id=category.pk if category else None,
    )
    return alert_raise(spec=spec, cooldown_minutes=0)[0]


def test_alerts_hotspots_and_forecasts_keep_to_the_accounts_scope(make_account, regions):
    theft = Category.objects.get(code="theft")
    fraud = Category.objects.get(code="fraud")
    capital, ahmadi = regions["capital"], regions["ahmadi"]
    shared_alert = _alert(capital, theft, "a1")
    whole_region = _alert(capital, None, "a2")
    _alert(ahmadi, theft, "a3")
    _alert(capital, fraud, "a4")
    hotspot = HotspotFactory(region=capital, category_breakdown={"theft": 3})
    HotspotFactory(region=ahmadi, run=hotspot.run, category_breakdown={"theft": 3})
    forecast = ForecastFactory(region=capital, category=theft)
    ForecastFactory(region=ahmadi, category=theft, run=forecast.run)
    ForecastFactory(region=capital, category=fraud, run=forecast.run)
    _account, secret = make_account(region_codes=["capital"], category_codes=["theft"])
    client = key_client(secret)

    def ids(path):
        response = client.get(path)
        assert response.status_code == 200, response.content
        return sorted(f["id"] for f in response.json()["features"])

    assert ids("/api/interop/v1/alerts") == sorted([shared_alert.pk, whole_region.pk])
    assert ids("/api/interop/v1/hotspots") == [hotspot.pk]
    assert ids("/api/interop/v1/forecasts") == [forecast.pk]
    assert client.get(f"/api/interop/v1/alerts/{shared_alert.pk}").status_code == 200
    other = _alert(ahmadi, theft, "a5")
    assert client.get(f"/api/interop/v1/alerts/{other.pk}").status_code == 404


def test_a_hotspots_category_counts_keep_to_the_accounts_categories(make_account, regions, agency):
    accounts.sharing_rule_update(agency=agency, actor=None, fields=["category"])
    mixed = HotspotFactory(
        region=regions["capital"], category_breakdown={"theft": 7, "fraud": 5}, incident_count=12
    )
    HotspotFactory(
        run=mixed.run, region=regions["capital"], category_breakdown={"fraud": 9}, incident_count=9
    )
    _account, secret = make_account(region_codes=["capital"], category_codes=["theft"])
    response = key_client(secret).get("/api/interop/v1/hotspots")
    assert response.status_code == 200, response.content
    (feature,) = response.json()["features"]  # the fraud-only hotspot is not shared
    assert feature["properties"]["categories"] == {"theft": 7}
    # The total covers the account's categories only; the all-category score is withheld.
    assert feature["properties"]["incident_count"] == 7
    assert feature["properties"]["score"] is None


def test_an_account_with_every_category_sees_the_hotspots_total_and_score(
    make_account, regions, agency
):
    accounts.sharing_rule_update(agency=agency, actor=None, fields=["category"])
    hotspot = HotspotFactory(
        region=regions["capital"], category_breakdown={"theft": 7, "fraud": 5}, incident_count=12
    )
    _account, secret = make_account(region_codes=["capital"], category_codes=["theft", "fraud"])
    (feature,) = key_client(secret).get("/api/interop/v1/hotspots").json()["features"]
    assert feature["properties"]["incident_count"] == 12
    assert feature["properties"]["score"] == hotspot.score
