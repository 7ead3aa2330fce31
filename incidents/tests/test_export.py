"""The dashboard's incident list (``/api/incidents/table``) and the CSV and GeoJSON exports:
exactly the filtered rows, streamed, counted, bounded, audited, for analysts and up."""

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from incidents.services import incident_search_refresh
from incidents.tests.factories_api import incident_at, kuwait_reference
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db

CSV_URL = "incidents:incident-export-csv"
GEOJSON_URL = "incidents:incident-export-geojson"
TABLE_URL = "incidents:incident-table"


@pytest.fixture(autouse=True)
def reference():
    kuwait_reference()


@pytest.fixture
def mixed():
    """Twelve incidents: Hawalli thefts (some mentioning a wallet), Jahra frauds."""
    now = timezone.now()
    rows = []
    for n in range(12):
        code = "KW-HA" if n % 3 else "KW-JA"
        rows.append(
            incident_at(
                code,
                category_code="theft" if code == "KW-HA" else "fraud",
                severity=1 + n % 5,
                occurred_at=now - dt.timedelta(hours=n + 1),
                description="Wallet taken · محفظة" if n % 2 else "Door forced",
                area="Salmiya" if n % 2 else "Hawalli",
            )
        )
    incident_search_refresh()  # the factory writes incidents directly: the sweep indexes them
    return rows


def filtered_ids(params: dict) -> list[int]:
    filterset = IncidentFilterSet(params, queryset=Incident.objects.all())
    assert filterset.is_valid()
    return list(filterset.qs.order_by("-occurred_at", "-id").values_list("pk", flat=True))


def body_text(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def read_csv(response) -> list[dict]:
    text = body_text(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


FILTERS = [
    {},
    {"q": "wallet"},
    {"q": "محفظة", "region": "KW-HA"},
    {"category": "fraud"},
    {"severity_min": "4"},
]


@pytest.mark.parametrize("params", FILTERS)
def test_the_csv_rows_are_exactly_the_filtered_incidents(client_for, mixed, params):
    response = client_for("analyst").get(reverse(CSV_URL), params)
    assert response.status_code == 200
    rows = read_csv(response)
    wanted = filtered_ids(params)
    assert [int(row["id"]) for row in rows] == wanted
    assert response["X-Row-Count"] == str(len(wanted))
    assert "attachment" in response["Content-Disposition"]


def test_the_csv_holds_each_field_and_the_arabic_text(client_for, mixed):
    one = mixed[1]
    rows = read_csv(client_for("analyst").get(reverse(CSV_URL), {"q": str(one.pk)}))
    assert len(rows) == 1
    row = rows[0]
    assert row["description"] == "Wallet taken · محفظة"
    assert row["region"] == "KW-HA" and row["category"] == "theft"
    assert row["region_name_ar"] == one.region.name_ar
    assert dt.datetime.fromisoformat(row["occurred_at"]) == one.occurred_at
    assert float(row["lon"]) == pytest.approx(one.geom.x, abs=1e-6)
    assert float(row["lat"]) == pytest.approx(one.geom.y, abs=1e-6)


@pytest.mark.parametrize("params", FILTERS)
def test_the_geojson_features_are_exactly_the_filtered_incidents(client_for, mixed, params):
    response = client_for("superadmin").get(reverse(GEOJSON_URL), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    document = json.loads(body_text(response))
    assert document["type"] == "FeatureCollection"
    assert [f["id"] for f in document["features"]] == filtered_ids(params)
    assert response["X-Row-Count"] == str(len(document["features"]))


def test_a_geojson_feature_is_a_point_with_the_incident_fields(client_for, mixed):
    one = mixed[0]
    document = json.loads(
        body_text(client_for("analyst").get(reverse(GEOJSON_URL), {"q": f"#{one.pk}"}))
    )
    (feature,) = document["features"]
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == pytest.approx([one.geom.x, one.geom.y])
    assert feature["properties"]["severity"] == one.severity
    assert feature["properties"]["category"] == "fraud"


def test_an_export_is_audited_with_its_filters_format_and_count(client_for, mixed):
    client = client_for("analyst")
    params = {"q": "wallet", "region": "KW-HA"}
    before = ActionLog.objects.count()
    response = client.get(reverse(CSV_URL), params)
    body_text(response)
    assert ActionLog.objects.count() == before + 1
    entry = ActionLog.objects.order_by("-id").first()
    assert entry.action == "export"
    assert entry.actor_id == client.user.pk
    assert entry.object_type == "incidents.incident"
    assert entry.summary == {
        "format": "csv",
        "filters": {"q": ["wallet"], "region": ["KW-HA"]},
        "count": len(filtered_ids(params)),
    }


@pytest.mark.parametrize("role", ["viewer", "field_supervisor"])
@pytest.mark.parametrize("url", [CSV_URL, GEOJSON_URL])
def test_viewers_and_field_supervisors_may_not_export(client_for, mixed, role, url):
    client = client_for(role)
    before = ActionLog.objects.count()
    response = client.get(reverse(url))
    assert response.status_code == 403
    assert ActionLog.objects.count() == before


def test_an_export_beyond_the_limit_is_refused_before_any_row(client_for, mixed, settings):
    settings.INCIDENT_EXPORT_MAX_ROWS = 5
    client = client_for("analyst")
    before = ActionLog.objects.count()
    response = client.get(reverse(CSV_URL))
    assert response.status_code == 400
    assert response.json()["code"] == "export_too_large"
    assert ActionLog.objects.count() == before
    narrowed = client.get(reverse(CSV_URL), {"category": "fraud"})
    assert narrowed.status_code == 200


def test_bad_filters_answer_400_not_a_file(client_for):
    response = client_for("analyst").get(reverse(CSV_URL), {"bbox": "1,2,3"})
    assert response.status_code == 400
    assert "bbox" in response.json()["errors"]


def test_the_export_reads_in_a_fixed_number_of_queries(
    client_for, mixed, django_assert_max_num_queries
):
    client = client_for("analyst")
    # ceiling, count, audit (jsonb, lock, head, insert + savepoints), the rows' cursor
    with django_assert_max_num_queries(12):
        small = body_text(client.get(reverse(CSV_URL), {"category": "fraud"}))
    with django_assert_max_num_queries(12):
        large = body_text(client.get(reverse(CSV_URL)))
    assert small.count("\n") < large.count("\n")


def test_the_table_pages_and_sorts_the_filtered_incidents(client_for, mixed):
    client = client_for("viewer")
    params = {"region": "KW-HA", "ordering": "severity", "page_size": 3}
    first = client.get(reverse(TABLE_URL), params).json()
    second = client.get(reverse(TABLE_URL), {**params, "page": 2}).json()
    wanted = sorted(
        (i for i in mixed if i.region.code == "KW-HA"), key=lambda i: (i.severity, i.pk)
    )
    assert first["count"] == len(wanted)
    got = [r["id"] for r in first["results"] + second["results"]]
    assert got == [i.pk for i in wanted[:6]]
    row = first["results"][0]
    assert row["lon"] == pytest.approx(wanted[0].geom.x)
    assert row["category_name_en"] and row["region"] == "KW-HA"


def test_the_table_sorts_descending_and_follows_the_search(client_for, mixed):
    body = (
        client_for("viewer")
        .get(reverse(TABLE_URL), {"q": "wallet", "ordering": "-occurred_at"})
        .json()
    )
    assert [r["id"] for r in body["results"]] == filtered_ids({"q": "wallet"})


def test_an_unknown_sort_key_is_a_400(client_for):
    response = client_for("viewer").get(reverse(TABLE_URL), {"ordering": "password"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_the_table_answers_in_a_fixed_number_of_queries(
    client_for, mixed, django_assert_max_num_queries
):
    client = client_for("viewer")
    with django_assert_max_num_queries(2):
        body = client.get(reverse(TABLE_URL), {"q": "wallet", "ordering": "region"}).json()
    assert body["count"] == 6
