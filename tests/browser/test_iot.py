"""The dashboard's IoT faces in a real browser: the device layer (a dot per device in its
health colour, last seen on a click), recent sensor events, and incident candidates whose
evidence opens on a click and links to the incident they became; in English and Arabic."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from PIL import Image

from iot.models import Candidate, Device
from iot.tests.conftest import make_device
from iot.tests.helpers import event, ingest_and_promote, mqtt_message
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import screenshot
from tests.browser.pointer import click_map, map_pixel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEW = "/dashboard/?period=all&at=29.3710,47.9820,15"
OK_AT = (29.3690, 47.9780)  # (lat, lon), apart from each other and from the gunshot pair
SILENT_AT = (29.3690, 47.9860)
SHOT_AT = (29.3740, 47.9820)


@pytest.fixture
def sensors(transactional_db):
    call_command("load_reference_data", verbosity=0)
    ok, ok_key = make_device("cam-ok", kind="cctv", lon=OK_AT[1], lat=OK_AT[0])
    silent, _ = make_device("ac-silent", lon=SILENT_AT[1], lat=SILENT_AT[0])
    a, ka = make_device("ac-a", lon=SHOT_AT[1], lat=SHOT_AT[0])
    b, kb = make_device("ac-b", lon=SHOT_AT[1] + 0.001, lat=SHOT_AT[0])
    messages = [
        mqtt_message(ok, ok_key, event("t1", type="tamper")),
        mqtt_message(a, ka, event("g1", type="gunshot", confidence=0.8)),
        mqtt_message(b, kb, event("g2", type="gunshot", confidence=0.75)),
    ]
    _outside_the_page_loop(ingest_and_promote, messages)
    heard = timezone.now() - timedelta(hours=2)
    Device.objects.filter(pk=silent.pk).update(last_seen_at=heard, silent_since=heard)
    return {"ok": ok, "silent": silent, "candidate": Candidate.objects.get()}


def _outside_the_page_loop(function, *args) -> None:
    """Run as the consumer and the alerts worker do: in a thread of their own, not in this
    one, where Playwright's event loop runs (the incident's after-commit hooks use
    ``async_to_sync``)."""

    def run():
        try:
            function(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)


def _dot_colour(page, lat: float, lon: float) -> tuple[int, int, int]:
    x, y = map_pixel(page, lat, lon)
    shot = Image.open(io.BytesIO(page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})))
    return shot.convert("RGB").getpixel((0, 0))


def _open(open_page, make_user, language):
    viewer = make_user(Role.VIEWER, preferred_language=language)
    page = open_page(viewer, VIEW)
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("() => +(document.getElementById('map').dataset.devices || 0) === 4")
    return page


def test_device_layer_colours_health_and_shows_last_seen_on_a_click(sensors, open_page, make_user):
    page = _open(open_page, make_user, Language.ENGLISH)
    red, green, _blue = _dot_colour(page, *SILENT_AT)
    assert red > 150 and green < 90, "a silent device is drawn red"
    red, green, _blue = _dot_colour(page, *OK_AT)
    assert green > 100 and red < 90, "a reporting device is drawn green"
    click_map(page, *SILENT_AT)
    detail = page.locator("#detail:not([hidden])")
    detail.locator("h2", has_text=str(sensors["silent"])).wait_for()
    assert detail.locator("dd", has_text="Silent").count() == 1
    assert detail.locator("dt", has_text="Last seen").count() == 1
    assert detail.locator("dd").nth(2).inner_text() not in ("", "—")
    screenshot(page, "iot-device-layer")


@pytest.mark.parametrize(
    ("language", "events_title", "evidence_title", "gunshot"),
    [
        (Language.ENGLISH, "Recent sensor events", "Evidence", "Gunshot"),
        (Language.ARABIC, "أحداث المستشعرات الأخيرة", "الأدلة", "إطلاق نار"),
    ],
)
def test_candidate_panel_opens_its_evidence_and_its_incident(
    sensors, open_page, make_user, language, events_title, evidence_title, gunshot
):
    candidate = sensors["candidate"]
    page = _open(open_page, make_user, language)
    events = page.locator("section.card", has=page.locator("#iot-events"))
    assert events.locator("h2").inner_text() == events_title
    events.locator("#iot-events tbody tr").first.wait_for()
    assert events.locator("#iot-events tbody tr").count() == 3

    page.click(f"#iot-candidates button.candidate[data-candidate='{candidate.pk}']")
    evidence = page.locator(f"#detail:not([hidden]) .evidence[data-candidate='{candidate.pk}']")
    evidence.wait_for()
    candidate_title = page.locator("#detail h2").inner_text()
    assert evidence.locator("h3").inner_text() == evidence_title
    rows = evidence.locator("tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).locator("td").nth(2).inner_text() for i in range(2)} == {
        "moi/ac-a",
        "moi/ac-b",
    }
    assert rows.first.locator("td").nth(1).inner_text() == gunshot
    screenshot(page, f"iot-evidence-{language}")

    evidence.locator(f"button[data-incident='{candidate.incident_id}']").click()
    number = str(candidate.incident_id)
    if language == Language.ARABIC:
        number = number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    # The incident replaces the evidence in the detail panel.
    page.locator("#detail .evidence").wait_for(state="detached")
    title = page.locator("#detail:not([hidden]) h2").inner_text()
    assert title.endswith(f"#{number}") and title != candidate_title


def test_analytics_page_shows_noise_reduction_per_event_type_to_a_viewer(
    sensors, open_page, make_user
):
    viewer = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(viewer, "/analytics/")
    page.wait_for_selector("#sensor-analytics[data-loaded='1']")
    rows = page.locator("#sensor-types tbody tr")
    cells = {rows.nth(i).locator("td").first.inner_text(): rows.nth(i) for i in range(rows.count())}
    assert set(cells) == {"Gunshot", "Tamper"}
    gunshot = [c.inner_text() for c in cells["Gunshot"].locator("td").all()]
    assert gunshot[1:] == ["2", "1", "2.0"]  # events in, incidents out, events per incident
    page.select_option("#sensor-period", "1")
    page.wait_for_selector("#sensor-types tbody tr")
