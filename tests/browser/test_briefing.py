"""The briefing archive in a real browser: an Arabic reader opens a briefing from the list
(Arabic names, right to left) and turns the morning e-mail on with a click."""

import datetime as dt

import pytest

from briefings.models import Briefing, BriefingSubscription
from briefings.services.briefing import briefing_make
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.accounts.choices import Language, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_arabic_reader_opens_a_briefing_and_subscribes(
    open_page, make_user, transactional_db, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    region = RegionFactory(code="north", name_en="Northgate", name_ar="الشمالية")
    theft = CategoryFactory(code="theft", name_en="Theft", name_ar="سرقة")
    today = dt.date(2026, 3, 10)
    IncidentFactory(
        region=region, category=theft, occurred_at=dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC)
    )
    briefing_make(day=today)
    reader = make_user(Role.VIEWER, preferred_language=Language.ARABIC, email="r@example.test")

    page = open_page(reader, "/briefings/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_role("checkbox", name="أرسل لي الموجز بالبريد كل صباح").click()
    page.get_by_text("سيصلك الموجز بالبريد.").wait_for()
    assert BriefingSubscription.objects.get(user=reader).active is True

    page.get_by_role("link", name="2026-03-10").click()
    page.locator("#briefing").get_by_text("موجز الصباح").wait_for()
    table = page.locator("#briefing-regions").inner_text()
    assert "الشمالية" in table and "1" in table
    assert page.locator("#briefing-categories").get_by_text("سرقة").is_visible()
    assert Briefing.objects.count() == 1
