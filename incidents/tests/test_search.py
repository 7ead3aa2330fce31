"""The ``q`` filter: an incident id or English and Arabic full-text search, through the
FilterSet the API and the dashboard share, and its use of the GIN index; and how the search
documents are kept: in the same transaction for single creates and updates, by a task after
an ingest batch commits, and by the sweep for anything else."""

import json

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse

from incidents.filters import IncidentFilterSet
from incidents.models import Incident, IncidentSearch
from incidents.pipeline.services import batch_ingest_file
from incidents.services import incident_create, incident_search_refresh, incident_update
from incidents.tests.factories_api import canonical_record, incident_at, kuwait_reference
from incidents.tests.pipeline_files import COLUMNS, row, write_csv
from khareetaty.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference():
    kuwait_reference()


def found(text: str, *, refresh: bool = True) -> set[int]:
    if refresh:  # the factories write incidents directly: the sweep indexes them
        incident_search_refresh()
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
    incident_search_refresh()
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


def test_an_incident_created_through_the_service_is_searchable_at_once(make_user):
    incident = incident_create(
        record=canonical_record(description="Handbag snatched at the bus stop"),
        actor=make_user("analyst"),
    )
    assert found("handbag", refresh=False) == {incident.pk}


def test_an_edited_description_is_found_by_its_new_words_only(make_user):
    analyst = make_user("analyst")
    incident = incident_create(record=canonical_record(description="Bicycle stolen"), actor=analyst)
    incident_update(incident=incident, data={"description": "Scooter stolen"}, actor=analyst)
    assert found("scooter", refresh=False) == {incident.pk}
    assert found("bicycle", refresh=False) == set()


def _queued_long_tasks() -> list[str]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange("long", 0, -1)]


def _purge_long_queue() -> None:
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("long")


def test_an_ingest_batch_queues_the_documents_after_it_commits(
    tmp_path, django_capture_on_commit_callbacks
):
    rows = [row(1, description="Goats loose on the road"), row(2, description="Fire alarm")]
    with django_capture_on_commit_callbacks(execute=False) as announced:
        path = write_csv(tmp_path / "a.csv", rows, columns=[*COLUMNS, "description"])
        batch = batch_ingest_file(path=path)
    assert batch.accepted == 2
    assert not IncidentSearch.objects.exists()  # the load itself writes no document
    _purge_long_queue()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in announced:  # the batch is announced after it commits
            callback()
    assert "incidents.search_refresh" in _queued_long_tasks()  # the real Redis queue
    _purge_long_queue()
    assert incident_search_refresh() == 2
    assert found("goats", refresh=False) == set(
        Incident.objects.filter(external_id="K-1").values_list("pk", flat=True)
    )


def test_the_sweep_rewrites_outdated_documents_in_chunks_and_then_has_nothing_to_do():
    incidents = [incident_at("KW-HA", description=f"Case {n} tyre theft") for n in range(5)]
    assert incident_search_refresh(chunk=2) == 5
    Incident.objects.filter(pk=incidents[0].pk).update(
        description="Case 0 graffiti", updated_at=incidents[0].updated_at.replace(year=2030)
    )
    assert incident_search_refresh(chunk=2) == 1
    assert incident_search_refresh(chunk=2) == 0
    assert found("graffiti", refresh=False) == {incidents[0].pk}
    assert found("tyre", refresh=False) == {i.pk for i in incidents[1:]}


def test_a_deleted_incident_takes_its_document_with_it(make_user):
    incident = incident_at("KW-HA", description="Lost passport")
    incident_search_refresh()
    incident.delete()
    assert not IncidentSearch.objects.exists()
