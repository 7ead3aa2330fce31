"""The ``q`` filter: an incident id or English and Arabic full-text search, through the
FilterSet the API and the dashboard share, and its use of the GIN indexes."""

import pytest
from django.db import connection
from django.urls import reverse

from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from incidents.tests.factories_api import incident_at, kuwait_reference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference():
    kuwait_reference()


def found(text: str) -> set[int]:
    filterset = IncidentFilterSet({"q": text}, queryset=Incident.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def test_a_word_of_the_description_finds_the_incident():
    wallet = incident_at("KW-HA", description="Wallet snatched near the souq")
    incident_at("KW-HA", description="Car windows smashed")
    assert found("wallet") == {wallet.pk}


def test_english_words_match_their_other_forms():
    robberies = incident_at("KW-HA", description="Two robberies reported at the mall")
    stolen = incident_at("KW-HA", description="Bicycle stealing outside the school")
    incident_at("KW-HA", description="Noise complaint")
    assert found("robbery") == {robberies.pk}
    assert found("steal") == {stolen.pk}


def test_arabic_text_is_found_with_and_without_its_article():
    theft = incident_at("KW-HA", description="سرقة هاتف من سيارة متوقفة")
    article = incident_at("KW-HA", description="بلاغ عن السرقة في السوق")
    incident_at("KW-HA", description="حادث مروري بسيط")
    assert found("سرقة") == {theft.pk, article.pk}
    assert found("هاتف") == {theft.pk}


def test_arabic_area_names_are_searchable():
    salmiya = incident_at("KW-HA", area="السالمية", block="10")
    incident_at("KW-HA", area="حولي", block="3")
    assert found("السالمية") == {salmiya.pk}


def test_an_incident_id_finds_that_incident_with_or_without_a_hash():
    wanted = incident_at("KW-HA", description="Nothing in common")
    incident_at("KW-HA", description="Another one")
    assert found(str(wanted.pk)) == {wanted.pk}
    assert found(f"#{wanted.pk}") == {wanted.pk}


def test_the_external_id_finds_the_incident():
    wanted = incident_at("KW-HA", external_id="MOI-2026-000451")
    incident_at("KW-HA", external_id="MOI-2026-000452")
    assert found("MOI-2026-000451") == {wanted.pk}


def test_web_search_syntax_excludes_a_word_and_matches_a_phrase():
    car = incident_at("KW-HA", description="Phone stolen from a parked car")
    incident_at("KW-HA", description="Phone stolen at the beach")
    assert found("phone -beach") == {car.pk}
    assert found('"parked car"') == {car.pk}


def test_search_combines_with_the_other_filters():
    hawalli = incident_at("KW-HA", description="Shoplifting at the co-op", category_code="fraud")
    incident_at("KW-JA", description="Shoplifting at the co-op", category_code="fraud")
    filterset = IncidentFilterSet(
        {"q": "shoplifting", "region": "KW-HA"}, queryset=Incident.objects.all()
    )
    assert set(filterset.qs.values_list("pk", flat=True)) == {hawalli.pk}


@pytest.mark.parametrize("text", ["x" * 201, "bad\x00byte"])
def test_an_unusable_query_is_a_400_field_error(client_for, text):
    response = client_for("viewer").get(reverse("incidents:incident-list"), {"q": text})
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("text", ["&|!", "(", "'", ":*", "-"])
def test_query_syntax_characters_never_fail(client_for, text):
    response = client_for("viewer").get(reverse("incidents:incident-list"), {"q": text})
    assert response.status_code == 200


def test_the_search_uses_the_gin_index():
    incident_at("KW-HA", description="Wallet snatched")
    filterset = IncidentFilterSet({"q": "wallet"}, queryset=Incident.objects.all())
    sql, params = filterset.qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # A tiny table: without these the planner may walk the occurred_at index instead.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on incident_search" in plan
