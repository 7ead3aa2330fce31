"""Standard exports checked against the vendored official schemas: alerts as CAP 1.2 XML
(OASIS XSD, ``xmlschema``) and incidents as NENA EIDO JSON (``jsonschema``)."""

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
import xmlschema
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from commands.choices import AlertStatus, Severity
from commands.models import Alert
from commands.tests.factories import HotspotFactory
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory, square
from interop.exports.cap import CAP_NAMESPACE, alert_to_cap, cap_polygons

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
CAP_XSD = SCHEMAS / "cap" / "CAP-v1.2.xsd"
SENDER = "khareetaty@moi.gov.kw"
CAP_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


@pytest.fixture(scope="module")
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(CAP_XSD))


def cap_dict(schema: xmlschema.XMLSchema, xml: bytes) -> dict:
    """Validate ``xml`` against the official XSD (raises on any violation) and decode it."""
    schema.validate(io.BytesIO(xml))
    return schema.to_dict(io.BytesIO(xml), strip_namespaces=True)


def make_alert(**fields) -> Alert:
    now = timezone.now()
    values = {
        "severity": Severity.CRITICAL,
        "title_en": "Armed robbery in Hawalli",
        "title_ar": "سطو مسلح في حولي",
        "message_en": "Three severity-5 robberies within an hour.",
        "message_ar": "ثلاث حوادث سطو خلال ساعة.",
        "dedup_key": "cap-test",
        "first_seen_at": now - dt.timedelta(minutes=30),
        "last_seen_at": now - dt.timedelta(minutes=30),
    }
    values.update(fields)
    return Alert.objects.create(**values)


def ring_points(polygon: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in polygon.split(" ")]


# --- CAP 1.2 ---------------------------------------------------------------------------------


def test_the_vendored_cap_schema_is_the_unmodified_oasis_file():
    notice = (SCHEMAS / "cap" / "NOTICE.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(CAP_XSD.read_bytes()).hexdigest()
    assert f"SHA-256: `{digest}`" in notice
    assert CAP_XSD.read_text(encoding="utf-8").count("Copyright OASIS Open 2010") == 1


@pytest.mark.django_db
def test_the_cap_schema_refuses_what_cap_forbids(cap_schema):
    """The validation the other tests rely on is real: a wrong msgType is caught."""
    good = alert_to_cap(make_alert(), sender=SENDER, languages=("en",))
    cap_schema.validate(io.BytesIO(good))
    bad = good.replace(b"<msgType>Alert</msgType>", b"<msgType>Bogus</msgType>")
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        cap_schema.validate(io.BytesIO(bad))


@pytest.mark.django_db
def test_an_open_alert_is_a_conforming_cap_alert_in_english_and_arabic(cap_schema, settings):
    settings.SITE_URL = "https://khareetaty.example.kw"
    hawalli = RegionFactory(code="hawalli", name_en="Hawalli", name_ar="حولي")
    robbery = CategoryFactory(code="robbery", name_en="Robbery", name_ar="سطو")
    alert = make_alert(region=hawalli, category=robbery)

    cap = cap_dict(cap_schema, alert_to_cap(alert, sender=SENDER, sender_name="MOI Kuwait"))

    assert cap["identifier"] == f"khareetaty.alert.{alert.uuid}"
    assert (cap["sender"], cap["status"], cap["msgType"]) == (SENDER, "Actual", "Alert")
    assert CAP_TIME.fullmatch(cap["sent"]) and cap["sent"].endswith("+03:00")
    assert cap["sent"] == timezone.localtime(alert.first_seen_at).isoformat(timespec="seconds")
    assert cap["scope"] == "Restricted" and cap["restriction"]
    assert "references" not in cap
    english, arabic = cap["info"]
    assert (english["language"], arabic["language"]) == ("en", "ar")
    for info in (english, arabic):
        assert info["category"] == ["Security"]
        assert (info["urgency"], info["severity"], info["certainty"]) == (
            "Immediate", "Extreme", "Observed",
        )  # fmt: skip
        assert info["senderName"] == "MOI Kuwait"
        assert info["web"] == f"https://khareetaty.example.kw/api/commands/alerts/{alert.pk}"
    assert (english["event"], arabic["event"]) == ("Robbery", "سطو")
    assert (english["headline"], arabic["headline"]) == (alert.title_en, alert.title_ar)
    assert arabic["description"] == alert.message_ar
    assert english["area"][0]["areaDesc"] == "Hawalli"
    assert arabic["area"][0]["areaDesc"] == "حولي"
    [polygon] = english["area"][0]["polygon"]
    points = ring_points(polygon)
    assert points[0] == points[-1] and len(points) == 5  # closed ring: lat,lon pairs
    lats, lons = {p[0] for p in points}, {p[1] for p in points}
    assert lats == {29.32, 29.42} and lons == {47.93, 48.03}  # the factory's square, lat first


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.CRITICAL, ("Immediate", "Extreme", "Observed")),
        (Severity.HIGH, ("Expected", "Severe", "Likely")),
        (Severity.MEDIUM, ("Future", "Moderate", "Possible")),
        (Severity.LOW, ("Future", "Minor", "Possible")),
    ],
)
def test_our_severity_maps_onto_cap_urgency_severity_and_certainty(cap_schema, severity, expected):
    cap = cap_dict(cap_schema, alert_to_cap(make_alert(severity=severity), sender=SENDER))
    for info in cap["info"]:
        assert (info["urgency"], info["severity"], info["certainty"]) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "count", "msg_type", "time_field"),
    [
        (AlertStatus.OPEN, 3, "Update", "last_seen_at"),
        (AlertStatus.ACKNOWLEDGED, 1, "Update", "acknowledged_at"),
        (AlertStatus.RESOLVED, 1, "Cancel", "resolved_at"),
        (AlertStatus.SUPPRESSED, 1, "Cancel", "suppressed_at"),
    ],
)
def test_later_states_are_updates_or_cancels_referencing_the_original_alert(
    cap_schema, status, count, msg_type, time_field
):
    now = timezone.now()
    alert = make_alert(
        status=status,
        count=count,
        last_seen_at=now - dt.timedelta(minutes=5) if count > 1 else now - dt.timedelta(minutes=30),
        acknowledged_at=now - dt.timedelta(minutes=4),
        resolved_at=now - dt.timedelta(minutes=3) if status == AlertStatus.RESOLVED else None,
        suppressed_at=now - dt.timedelta(minutes=2) if status == AlertStatus.SUPPRESSED else None,
        suppressed_until=now + dt.timedelta(hours=2) if status == AlertStatus.SUPPRESSED else None,
    )
    original = cap_dict(cap_schema, alert_to_cap(make_alert(), sender=SENDER))  # shape only

    cap = cap_dict(cap_schema, alert_to_cap(alert, sender=SENDER))

    assert cap["msgType"] == msg_type
    sent = timezone.localtime(getattr(alert, time_field)).isoformat(timespec="seconds")
    assert cap["sent"] == sent
    first_sent = timezone.localtime(alert.first_seen_at).isoformat(timespec="seconds")
    assert cap["references"] == f"{SENDER},khareetaty.alert.{alert.uuid},{first_sent}"
    assert cap["identifier"] != f"khareetaty.alert.{alert.uuid}"  # each message is unique
    assert cap["identifier"].startswith(f"khareetaty.alert.{alert.uuid}.")
    assert original["msgType"] == "Alert"
    for info in cap["info"]:
        if msg_type == "Cancel":
            assert (info["urgency"], info["responseType"]) == ("Past", ["AllClear"])
        else:
            assert info["responseType"] == ["Monitor"]
    if status == AlertStatus.SUPPRESSED:
        assert "expires" in cap["info"][0]


@pytest.mark.django_db
def test_the_area_is_the_hotspot_outline_when_the_alert_has_one(cap_schema):
    region = RegionFactory(code="capital", name_en="Capital", name_ar="العاصمة")
    hotspot = HotspotFactory(geom=square(48.0, 29.35, half_side=0.01))
    cap = cap_dict(
        cap_schema, alert_to_cap(make_alert(region=region, hotspot_id=hotspot.pk), sender=SENDER)
    )
    area = cap["info"][0]["area"][0]
    assert area["areaDesc"] == "Capital"
    assert {p[0] for p in ring_points(area["polygon"][0])} == {29.34, 29.36}


@pytest.mark.django_db
def test_without_an_outline_the_area_is_a_circle_around_the_incidents(cap_schema):
    alert = make_alert()
    alert.incidents.set(
        [
            IncidentFactory(geom=Point(47.90, 29.30, srid=4326)),
            IncidentFactory(geom=Point(48.00, 29.40, srid=4326)),
        ]
    )
    cap = cap_dict(cap_schema, alert_to_cap(alert, sender=SENDER))
    english, arabic = cap["info"]
    assert english["area"][0]["areaDesc"] == "Kuwait" and arabic["area"][0]["areaDesc"] == "الكويت"
    centre, radius = english["area"][0]["circle"][0].split(" ")
    assert centre == "29.35000,47.95000"
    assert 7.0 < float(radius) < 7.5  # half the diagonal of the incidents' box, in km


@pytest.mark.django_db
def test_an_alert_with_no_place_has_only_an_area_description(cap_schema):
    cap = cap_dict(cap_schema, alert_to_cap(make_alert(), sender=SENDER, languages=("ar",)))
    [info] = cap["info"]
    assert info["area"] == [{"areaDesc": "الكويت"}]
    assert info["event"] == "تنبيه أمني"


@pytest.mark.django_db
def test_a_detailed_boundary_is_simplified_into_a_bounded_closed_polygon(cap_schema):
    circle = Point(47.98, 29.37, srid=4326).buffer(0.1, quadsegs=200)  # 801 points
    region = RegionFactory(code="detailed", geom=MultiPolygon(Polygon(circle.exterior_ring)))
    cap = cap_dict(cap_schema, alert_to_cap(make_alert(region=region), sender=SENDER))
    [polygon] = cap["info"][0]["area"][0]["polygon"]
    points = ring_points(polygon)
    assert 4 <= len(points) <= 100 and points[0] == points[-1]
    assert all(abs(lat - 29.37) < 0.11 and abs(lon - 47.98) < 0.11 for lat, lon in points)


def test_cap_polygons_keep_every_outer_ring_of_a_multipolygon():
    both = MultiPolygon(*square(47.9, 29.3, 0.01), *square(48.1, 29.5, 0.01), srid=4326)
    assert len(cap_polygons(both)) == 2


@pytest.mark.django_db
def test_text_xml_cannot_carry_is_dropped_and_the_message_stays_valid(cap_schema):
    alert = make_alert(title_en="Robbery\x08 at <Block 4> & \x1bco", title_ar="")
    cap = cap_dict(cap_schema, alert_to_cap(alert, sender=SENDER))
    assert cap["info"][0]["headline"] == "Robbery at <Block 4> & co"
    assert cap["info"][1]["headline"] == "Robbery at <Block 4> & co"  # Arabic falls back


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments",
    [
        {"sender": "moi kuwait"},
        {"sender": "a,b"},
        {"sender": ""},
        {"sender": SENDER, "scope": "Private"},
        {"sender": SENDER, "scope": "Restricted", "restriction": " "},
        {"sender": SENDER, "scope": "Everyone"},
        {"sender": SENDER, "status": "Real"},
        {"sender": SENDER, "languages": ("fr",)},
    ],
)
def test_arguments_cap_does_not_allow_are_refused(arguments):
    with pytest.raises(ValueError):
        alert_to_cap(make_alert(), **arguments)


@pytest.mark.django_db
def test_a_private_message_names_its_addresses(cap_schema):
    xml = alert_to_cap(make_alert(), sender=SENDER, scope="Private", addresses="kfd@kfd.gov.kw")
    cap = cap_dict(cap_schema, xml)
    assert (cap["scope"], cap["addresses"]) == ("Private", "kfd@kfd.gov.kw")
    assert xml.startswith(b"<?xml") and CAP_NAMESPACE.encode() in xml


@pytest.mark.django_db
def test_the_description_can_be_left_out(cap_schema):
    alert = make_alert()
    cap = cap_dict(cap_schema, alert_to_cap(alert, sender=SENDER, include_description=False))
    assert all("description" not in info for info in cap["info"])
    assert b"Three severity-5" not in alert_to_cap(alert, sender=SENDER, include_description=False)
