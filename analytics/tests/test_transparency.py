"""The monthly transparency report collects the month's model cards, as JSON and as a page."""

import copy
import datetime as dt

from django.utils import timezone

from analytics.choices import RunKind, RunStatus
from analytics.models import ModelRun
from analytics.services.model_card import KNOWN_ARTEFACTS
from analytics.tests.test_model_card_page import CARD
from khareetaty.accounts.choices import Language, Role

API = "/api/analytics/transparency"
PAGE = "/analytics/transparency/"


def card_run(day: dt.date, *, skill: float, region_skill: float, fallback: str = ""):
    card = copy.deepcopy(CARD)
    card["accuracy"]["methods"]["model"]["skill"] = skill
    card["accuracy"]["per_region_skill"] = {"north": region_skill, "south": 0.05}
    card["fallback"] = fallback
    card["known_artefacts"] = dict(KNOWN_ARTEFACTS)
    when = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_default_timezone())
    return ModelRun.objects.create(
        kind=RunKind.PIPELINE,
        status=RunStatus.SUCCEEDED,
        profile="kuwait",
        finished_at=when,
        metrics={"model_card": {**card, "run": 0}},
    )


def test_the_monthly_report_collects_only_that_months_cards_and_summarises_them(client_for, db):
    early = card_run(dt.date(2025, 6, 2), skill=0.03, region_skill=-0.02)
    late = card_run(dt.date(2025, 6, 30), skill=0.05, region_skill=0.01, fallback="ValueError")
    card_run(dt.date(2025, 7, 1), skill=0.9, region_skill=0.9)  # next month: left out
    body = client_for(Role.VIEWER).get(API + "?month=2025-06").json()
    assert body["month"] == "2025-06"
    assert [c["run"] for c in body["cards"]] == [early.pk, late.pk]
    summary = body["summary"]
    assert summary["runs"] == 2 and summary["fallbacks"] == 1
    assert summary["forecasters"] == {"gbm": 2}
    assert summary["skill"] == {"min": 0.03, "median": 0.04, "max": 0.05}
    assert summary["losing_regions"] == {"north": 1}
    assert body["cards"][0]["card"]["accuracy"]["calibration"] == {"80": 0.801, "95": 0.951}


def test_a_malformed_month_is_a_400_with_a_clear_error(client_for, client, make_user, db):
    api = client_for(Role.VIEWER)
    for bad in ("2025-13", "june", "2025-6-1", "٢٠٢٥-٠٦"):
        response = api.get(API, {"month": bad})
        assert response.status_code == 400 and "YYYY-MM" in response.json()["month"][0]
    client.force_login(make_user(Role.VIEWER, preferred_language=Language.ENGLISH))
    page = client.get(PAGE + "?month=2025-00")
    assert page.status_code == 400 and b"YYYY-MM" in page.content


def test_the_report_page_lists_the_cards_and_speaks_arabic(client, make_user, db):
    card_run(dt.date(2025, 6, 10), skill=0.0412, region_skill=-0.0123)
    client.force_login(make_user(Role.VIEWER, preferred_language=Language.ARABIC))
    page = client.get(PAGE + "?month=2025-06").content.decode()
    assert "تقرير الشفافية 2025-06" in page
    assert 'id="transparency-runs"' in page and "0.041" in page
    assert 'href="?month=2025-05"' in page and 'href="?month=2025-07"' in page
    # the known artefacts of the card are translated on the page
    assert "تُسجَّل الحوادث غير المعروف يومها" in page
    empty = client.get(PAGE + "?month=2024-01").content.decode()
    assert 'id="transparency-empty"' in empty
