"""Find and export on the dashboard, and its response measures, in a real browser: typing a
search, sorting and paging the list, opening a row, downloading the export (its rows are
the filter's), and the measures panel on constructed waits with known medians."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from briefings.tests.factories import alert_with_waits
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from incidents.services import incident_search_refresh
from incidents.tests.factories import IncidentFactory
from khareetaty.accounts.choices import Language, Role
from tests.browser.conftest import screenshot
from tests.browser.world import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {Language.ENGLISH: "wallet", Language.ARABIC: "محفظة"}
MATCHES = 27  # more than one page of 25


@pytest.fixture
def world(transactional_db):
    world = world_build()
    now = timezone.now()
    for n in range(MATCHES):
        IncidentFactory(
            source="browser",
            geom=Point(47.99 + n * 0.001, 29.37, srid=4326),
            region=world.regions["KW-KU"],
            category=world.categories["theft"],
            severity=1 + n % 5,
            occurred_at=now - dt.timedelta(hours=n + 1),
            description=f"Wallet taken near the souq · سرقة محفظة في السوق {n}",
        )
    incident_search_refresh()  # the factory writes incidents directly: the sweep indexes them
    return world


def wait_ready(page) -> None:
    page.wait_for_selector("body[data-ready='1']")


def matching(text: str) -> list[int]:
    filterset = IncidentFilterSet({"q": text}, queryset=Incident.objects.all())
    assert filterset.is_valid()
    return list(filterset.qs.order_by("-occurred_at", "-id").values_list("pk", flat=True))


def listed(page) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(
            "#incident-table tbody tr", "rows => rows.map(r => r.dataset.id)"
        )
    ]


def search(page, text: str) -> None:
    page.click("#incident-search")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.ARABIC])
def test_a_typed_search_lists_sorts_pages_and_opens_the_matching_incidents(
    world, make_user, open_page, language
):
    user = make_user(Role.VIEWER, preferred_language=language)
    page = open_page(user, "/dashboard/?period=all")
    wait_ready(page)
    search(page, WORDS[language])
    wanted = matching(WORDS[language])
    assert len(wanted) == MATCHES
    page.wait_for_selector(f"#incident-list[data-count='{MATCHES}']")
    assert page.locator("#incident-table tbody tr").count() == 25
    assert "q=" in page.url
    assert listed(page) == wanted[:25]  # newest first
    # The map follows the search too.
    page.wait_for_selector("#map[data-incidents='27']")

    # Sort by severity (ascending, ties by id), then descending, by clicking the header.
    page.click("#incident-table th[data-sort='severity'] button")
    page.wait_for_selector("#incident-table th[data-sort='severity'][aria-sort='ascending']")
    by_severity = sorted(Incident.objects.filter(pk__in=wanted), key=lambda i: (i.severity, i.pk))
    assert listed(page) == [i.pk for i in by_severity[:25]]
    page.keyboard.press("Enter")  # the header button keeps the focus: the keyboard re-sorts
    page.wait_for_selector("#incident-table th[data-sort='severity'][aria-sort='descending']")
    descending = sorted(by_severity, key=lambda i: (-i.severity, -i.pk))
    assert listed(page) == [i.pk for i in descending[:25]]

    # The second page holds the rest.
    page.click("#incident-list .pager .next")
    page.wait_for_selector("#incident-list[data-page='2']")
    assert listed(page) == [i.pk for i in descending[25:]]
    assert (
        page.inner_text("#incident-list .page-of").count("2")
        + page.inner_text("#incident-list .page-of").count("\u0662")
        == 2
    )

    # A row opens the incident's detail and pans the map to it.
    target = descending[25]
    page.click(f"#incident-table tbody tr[data-id='{target.pk}']")
    page.wait_for_selector("#detail:not([hidden]) h2")
    assert page.locator("#detail").is_visible()
    assert "سرقة محفظة" in page.inner_text("#detail")
    center = page.evaluate("() => window.KHDashboard.map.getCenter()")  # reads, opens nothing
    assert center["lng"] == pytest.approx(target.geom.x, abs=1e-3)
    assert center["lat"] == pytest.approx(target.geom.y, abs=1e-3)
    screenshot(page, f"incident-list-{language}")


def test_the_keyboard_opens_a_row(world, make_user, open_page):
    user = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(user, "/dashboard/?period=all&q=souq")
    wait_ready(page)
    first = matching("souq")[0]
    page.wait_for_selector(f"#incident-table tbody tr[data-id='{first}']")
    page.focus(f"#incident-table tbody tr[data-id='{first}']")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#detail h2:has-text('Incident #{first}')")


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.ARABIC])
def test_the_downloaded_csv_holds_exactly_the_filtered_rows(world, make_user, open_page, language):
    user = make_user(Role.ANALYST, preferred_language=language)
    page = open_page(user, "/dashboard/?period=all")
    wait_ready(page)
    search(page, WORDS[language])
    page.wait_for_selector(f"#incident-list[data-count='{MATCHES}']")
    with page.expect_download() as info:
        page.click("#incident-list a[data-export='csv']")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["id"]) for row in rows] == matching(WORDS[language])
    assert all("محفظة" in row["description"] for row in rows)


def test_viewers_get_no_export_links(world, make_user, open_page):
    user = make_user(Role.VIEWER, preferred_language=Language.ENGLISH)
    page = open_page(user, "/dashboard/?period=all")
    wait_ready(page)
    page.wait_for_selector("#incident-table")
    assert page.locator("#incident-list a[data-export]").count() == 0


@pytest.mark.parametrize(
    ("language", "median", "p90", "change"),
    [
        (Language.ENGLISH, "3.5 min", "8.5 min", "▼ 50%"),
        # Arabic-Indic digits: 3.5 and 8.5 with the Arabic decimal separator.
        (Language.ARABIC, "\u0663\u066b\u0665", "\u0668\u066b\u0665", "▼"),
    ],
)
def test_the_measures_panel_shows_the_known_median_p90_and_change(
    world, make_user, open_page, language, median, p90, change
):
    now = timezone.now()
    # This week: waits of 60, 120, 300, 600 s → median 210 s, 90th percentile 510 s.
    for ack in (60, 120, 300, 600):
        alert_with_waits(ack=ack, first_seen_at=now - dt.timedelta(days=2))
    # The week before: 420 s each → the median halved.
    for _ in range(2):
        alert_with_waits(ack=420, first_seen_at=now - dt.timedelta(days=9))
    user = make_user(Role.VIEWER, preferred_language=language)
    page = open_page(user, "/dashboard/?period=7d")
    wait_ready(page)
    row = page.locator("#measures [data-measure='alert_acknowledge']")
    row.wait_for()
    assert median in row.locator(".median").inner_text()
    assert p90 in row.locator(".p90").inner_text()
    assert change in row.locator(".median-change").inner_text()
    assert row.locator(".count").inner_text() in ("4", "\u0664")
    # Another period through the filter bar: nothing in the last 24 hours.
    page.select_option("select[name=period]", "24h")
    page.wait_for_function(
        "() => document.querySelector(\"#measures [data-measure='alert_acknowledge'] .count\")"
        ".textContent.trim().match(/^(0|\u0660)$/)"
    )
    screenshot(page, f"measures-{language}")
