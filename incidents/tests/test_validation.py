"""Each validation rule, on the single-record path and the batch path alike."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from incidents.profiles import load_profile
from incidents.tests.factories import NINE_CATEGORIES, RegionFactory, square
from incidents.validation import validate_frame, validate_record

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
KNOWN = frozenset(NINE_CATEGORIES)
GOOD = {
    "incident_id": "K-1",
    "occurred_at": "2025-05-31T22:15:00",
    "reported_at": "2025-05-31T22:40:00",
    "category": "theft",
    "latitude": "29.37",
    "longitude": "47.98",
    "area": "Salmiya",
    "block": "10",
    "severity": "2",
    "channel": "112",
    "description": "Phone snatched",
}

# (what changes in GOOD, expected (field, code) pairs)
CASES = [
    ({}, []),
    ({"category": ""}, [("category", "required")]),
    ({"occurred_at": ""}, [("occurred_at", "required")]),
    ({"latitude": "", "longitude": ""}, [("longitude", "required"), ("latitude", "required")]),
    ({"occurred_at": "31/05/2025 10pm"}, [("occurred_at", "invalid_timestamp")]),
    ({"reported_at": "yesterday"}, [("reported_at", "invalid_timestamp")]),
    ({"occurred_at": "2025-06-01T16:00:00"}, [("occurred_at", "future_timestamp")]),
    ({"occurred_at": "1980-01-01T00:00:00"}, [("occurred_at", "too_old")]),
    ({"latitude": "north"}, [("latitude", "invalid_coordinate")]),
    ({"latitude": "95"}, [("latitude", "invalid_coordinate")]),
    ({"latitude": "40.0", "longitude": "47.98"}, [("latitude", "outside_service_area")]),
    ({"category": "jaywalking"}, [("category", "unknown_category")]),
    ({"severity": "7"}, [("severity", "invalid_severity")]),
    ({"severity": "2.5"}, [("severity", "invalid_severity")]),
    ({"channel": "carrier pigeon"}, [("channel", "invalid_channel")]),
    ({"incident_id": "x" * 101}, [("incident_id", "too_long")]),
    ({"block": "b" * 51}, [("block", "too_long")]),
    ({"area": "a" * 201}, [("area", "too_long")]),
    (
        {"category": "??", "latitude": "x", "severity": "0"},
        [
            ("latitude", "invalid_coordinate"),
            ("category", "unknown_category"),
            ("severity", "invalid_severity"),
        ],
    ),
]


def codes(errors) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in errors]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_each_rule_reports_field_and_code(change, expected):
    record, errors = validate_record(
        {**GOOD, **change}, load_profile(), now=NOW, known_categories=KNOWN
    )
    assert sorted(codes(errors)) == sorted(expected)
    assert (record is None) == bool(expected)
    assert all(e.message for e in errors)


def test_batch_and_single_record_paths_give_the_same_verdicts():
    profile = load_profile()
    records = [{**GOOD, **change, "incident_id": f"K-{n}"} for n, (change, _) in enumerate(CASES)]
    records[15]["incident_id"] = "x" * 101  # keep the too-long id case intact
    result = validate_frame(pd.DataFrame(records), profile, now=NOW, known_categories=KNOWN)
    for pos, record in enumerate(records):
        single, errors = validate_record(record, profile, now=NOW, known_categories=KNOWN)
        assert codes(result.errors.get(pos, [])) == codes(errors)
        assert (pos in result.clean.index) == (single is not None)


def test_clean_record_is_utc_mapped_and_defaulted():
    record, errors = validate_record(
        {**GOOD, "category": "سرقة", "channel": "دورية", "severity": ""},
        load_profile(),
        now=NOW,
        known_categories=KNOWN,
    )
    assert errors == []
    assert record.occurred_at == dt.datetime(2025, 5, 31, 19, 15, tzinfo=dt.UTC)  # UTC+3
    assert record.category_code == "theft"
    assert record.channel == "patrol"
    assert record.severity is None  # the category default applies
    assert (record.lon, record.lat) == (47.98, 29.37)


def test_explicit_offsets_are_kept():
    record, _ = validate_record(
        {**GOOD, "occurred_at": "2025-05-31T10:00:00Z"},
        load_profile(),
        now=NOW,
        known_categories=KNOWN,
    )
    assert record.occurred_at == dt.datetime(2025, 5, 31, 10, 0, tzinfo=dt.UTC)


def test_canonical_records_name_canonical_fields():
    record, errors = validate_record(
        {"category": "theft", "occurred_at": "2025-05-31T10:00:00", "lon": 47.98, "lat": "x"},
        load_profile(),
        now=NOW,
        canonical=True,
        known_categories=KNOWN,
    )
    assert record is None
    assert codes(errors) == [("lat", "invalid_coordinate")]


def test_a_source_without_ids_gets_a_stable_derived_id():
    profile = load_profile()
    first, _ = validate_record(
        {**GOOD, "incident_id": ""}, profile, now=NOW, known_categories=KNOWN
    )
    again, _ = validate_record(
        {**GOOD, "incident_id": ""}, profile, now=NOW, known_categories=KNOWN
    )
    assert first.external_id == again.external_id
    assert first.external_id.startswith("auto-")
    assert first.has_id is False


def test_excluded_category_has_its_own_code():
    profile = load_profile("chicago")
    record, errors = validate_record(
        {
            "source_id": "1",
            "occurred_at": "2016-03-01T10:00:00",
            "category": "NON - CRIMINAL",
            "latitude": "41.88",
            "longitude": "-87.63",
        },
        profile,
        now=NOW,
        known_categories=KNOWN,
    )
    assert record is None
    assert codes(errors) == [("category", "category_excluded")]


def test_chicago_local_times_follow_daylight_saving():
    profile = load_profile("chicago")
    base = {"source_id": "1", "category": "THEFT", "latitude": "41.88", "longitude": "-87.63"}
    winter, _ = validate_record(
        {**base, "occurred_at": "2016-01-15T12:00:00"}, profile, now=NOW, known_categories=KNOWN
    )
    summer, _ = validate_record(
        {**base, "occurred_at": "2016-07-15T12:00:00"}, profile, now=NOW, known_categories=KNOWN
    )
    assert winter.occurred_at.hour == 18  # CST = UTC-6
    assert summer.occurred_at.hour == 17  # CDT = UTC-5


@pytest.mark.django_db
def test_service_area_can_be_the_union_of_regions():

    RegionFactory(profile="kuwait", code="only", geom=square(47.98, 29.37, 0.05))
    profile = dataclasses.replace(load_profile(), service_area_bbox=None, service_area_regions=True)
    inside, _ = validate_record(GOOD, profile, now=NOW, known_categories=KNOWN)
    outside, errors = validate_record(
        {**GOOD, "latitude": "29.0", "longitude": "48.0"}, profile, now=NOW, known_categories=KNOWN
    )
    assert inside is not None
    assert outside is None
    assert codes(errors) == [("latitude", "outside_service_area")]


def test_cells_are_stripped_and_offsets_found_among_local_times_in_one_chunk():
    profile = load_profile()
    records = [
        {**GOOD, "incident_id": "K-1"},
        {**GOOD, "incident_id": " K-2 ", "category": "  theft\t", "area": " Salmiya "},
        {**GOOD, "incident_id": "K-3", "occurred_at": "2025-05-31T19:15:00Z"},
    ]
    result = validate_frame(pd.DataFrame(records), profile, now=NOW, known_categories=KNOWN)
    assert result.errors == {}
    clean = result.clean
    assert clean["external_id"].tolist() == ["K-1", "K-2", "K-3"]
    assert clean["area"].tolist() == ["Salmiya"] * 3
    assert clean["category"].tolist() == ["theft"] * 3
    # 22:15 in Kuwait (UTC+3) and 19:15Z are the same instant.
    assert clean["occurred_at"].nunique() == 1


def test_projected_coordinates_are_reprojected_to_wgs84():
    """A source in UTM 38N metres (x 791,222.675 y 3,252,721.020) lands on lon/lat."""
    profile = dataclasses.replace(load_profile(), crs=32638)
    record, errors = validate_record(
        {**GOOD, "longitude": "791222.675", "latitude": "3252721.020"},
        profile,
        now=NOW,
        known_categories=KNOWN,
    )
    assert errors == []
    assert record.lon == pytest.approx(48.0, abs=1e-6)
    assert record.lat == pytest.approx(29.37, abs=1e-6)
