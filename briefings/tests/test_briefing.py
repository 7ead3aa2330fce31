"""The morning briefing on constructed data: the PDFs' text (English and Arabic) holds the
known figures, subscribers get it by e-mail in their language, and the archive lists it."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from pypdf import PdfReader

from analytics.choices import HotspotTrend
from briefings.models import Briefing
from briefings.services.briefing import briefing_due, briefing_make, briefing_subscribe
from briefings.tasks import briefing_make_task
from briefings.tests.factories import AlertFactory
from commands.choices import Severity
from commands.tests.factories import ForecastFactory, HotspotFactory, StepRunFactory, TaskFactory
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.accounts.choices import Role
from khareetaty.scheduling import periodic_task_specs

pytestmark = pytest.mark.django_db
KUWAIT = ZoneInfo("Asia/Kuwait")
TODAY = dt.date(2026, 3, 10)
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def constructed():
    north = RegionFactory(code="north", name_en="Northgate", name_ar="الشمالية")
    south = RegionFactory(code="south", name_en="Southport", name_ar="الجنوبية")
    theft = CategoryFactory(code="theft", name_en="Theft", name_ar="سرقة")
    noon = dt.datetime.combine(YESTERDAY, dt.time(12), KUWAIT)
    for n in range(7):
        IncidentFactory(region=north, category=theft, occurred_at=noon + dt.timedelta(minutes=n))
    for n in range(3):
        IncidentFactory(region=south, category=theft, occurred_at=noon + dt.timedelta(minutes=n))
    IncidentFactory(
        region=north, category=theft, occurred_at=noon - dt.timedelta(days=2)
    )  # not yesterday
    run = StepRunFactory(kind="forecasts")
    ForecastFactory(run=run, date=YESTERDAY, region=north, yhat=6.0)
    ForecastFactory(run=run, date=YESTERDAY, region=south, yhat=4.0)
    ForecastFactory(run=run, date=YESTERDAY, category=theft, yhat=9.5)
    ForecastFactory(run=run, date=TODAY, region=north, yhat=5.5, lower_80=4.3, upper_80=6.7)
    hotspots = StepRunFactory(kind="hotspots")
    HotspotFactory(run=hotspots, region=north, trend=HotspotTrend.NEW, incident_count=13)
    HotspotFactory(run=hotspots, region=south, trend=HotspotTrend.DIMINISHING, incident_count=2)
    AlertFactory(severity=Severity.CRITICAL)
    AlertFactory(severity=Severity.HIGH)
    TaskFactory()
    return {"north": north}


def _text(field) -> str:
    with field.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_content_holds_the_known_figures(constructed):
    briefing = briefing_make(day=TODAY)
    content = briefing.content
    assert content["yesterday_total"] == 10
    regions = {row["code"]: row for row in content["yesterday_by_region"]}
    assert (regions["north"]["actual"], regions["north"]["forecast"]) == (7, 6.0)
    assert content["yesterday_by_category"][0] | {} == {
        "code": "theft",
        "name_en": "Theft",
        "name_ar": "سرقة",
        "actual": 10,
        "forecast": 9.5,
    }
    assert (content["today_forecast"][0]["lower_80"], content["today_forecast"][0]["upper_80"]) == (
        4.3,
        6.7,
    )
    assert [h["incidents"] for h in content["hotspots"]] == [13]  # diminishing left out
    assert content["open_alerts"]["total"] == 2 and content["open_tasks"]["total"] == 1
    assert content["week_accuracy"] == {"days": 1, "accuracy": 0.8, "actual": 10}
    assert content["map_svg"].startswith("<svg") and content["map_svg"].count("<circle") == 1


def test_pdfs_hold_the_figures_in_english_and_arabic(constructed):
    briefing = briefing_make(day=TODAY)
    english = _text(briefing.pdf_en)
    assert "Morning briefing" in english and "Northgate" in english and "Theft" in english
    assert "80.0%" in english and "4.3 \u2013 6.7" in english
    arabic = _text(briefing.pdf_ar)
    assert "الشمالية" in arabic and "الجنوبية" in arabic and "سرقة" in arabic
    assert "موجز الصباح" in arabic  # the translated heading, shaped and extractable
    # Right to left, the percent sign stands on the number's left: the digits stay whole.
    assert "80.0" in arabic and "دقة التنبؤ" in arabic and "حوادث الأمس" in arabic


def test_subscribers_receive_it_in_their_language(constructed, make_user):
    english = make_user(Role.ANALYST, email="en@example.test", preferred_language="en")
    arabic = make_user(Role.VIEWER, email="ar@example.test", preferred_language="ar")
    quitter = make_user(Role.VIEWER, email="off@example.test")
    briefing_subscribe(user=english, active=True)
    briefing_subscribe(user=arabic, active=True)
    briefing_subscribe(user=quitter, active=False)
    briefing = briefing_make(day=TODAY)
    assert briefing.emailed_to == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"en@example.test", "ar@example.test"}
    assert by_address["en@example.test"].subject == "Morning briefing, 2026-03-10"
    assert "موجز الصباح" in by_address["ar@example.test"].subject
    name, pdf, kind = by_address["ar@example.test"].attachments[0]
    assert name.endswith("-ar.pdf") and kind == "application/pdf" and pdf.startswith(b"%PDF")


def test_made_once_a_day(constructed):
    assert briefing_make(day=TODAY) is not None
    assert briefing_make(day=TODAY) is None
    assert Briefing.objects.count() == 1


def test_due_after_the_configured_local_time(settings):
    settings.BRIEFING_TIME = "07:00"
    before = dt.datetime(2026, 3, 10, 6, 59, tzinfo=KUWAIT)
    after = dt.datetime(2026, 3, 10, 7, 0, tzinfo=KUWAIT)
    assert briefing_due(now=before) is None
    assert briefing_due(now=after) == TODAY


def test_archive_lists_it_and_serves_the_pdf(constructed, client, make_user):
    briefing = briefing_make(day=TODAY)
    client.force_login(make_user(Role.VIEWER, preferred_language="en"))
    page = client.get("/briefings/")
    assert page.status_code == 200 and "2026-03-10" in page.content.decode()
    detail = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "Northgate" in detail and 'data-figure="yesterday-total">10<' in detail
    pdf = client.get(f"/briefings/{briefing.pk}/ar.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert client.get(f"/briefings/{briefing.pk}/xx.pdf").status_code == 404
    listed = client.get("/api/briefings/briefings").json()
    assert listed["results"][0]["day"] == "2026-03-10"
    client.force_login(make_user(Role.VIEWER, preferred_language="ar"))
    arabic = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "الشمالية" in arabic and "موجز الصباح" in arabic


def test_field_supervisors_cannot_read_briefings(constructed, client, make_user):
    client.force_login(make_user(Role.FIELD_SUPERVISOR))
    assert client.get("/briefings/").status_code == 403


def test_the_beat_task_makes_todays_briefing_once_its_time_has_passed(settings, constructed):
    settings.BRIEFING_TIME = "00:00"
    made = briefing_make_task()
    assert Briefing.objects.get(pk=made).day == dt.datetime.now(KUWAIT).date()
    assert briefing_make_task() is None  # once a day
    assert "briefings.briefing_make" in {spec.task for spec in periodic_task_specs()}
