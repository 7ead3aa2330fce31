"""The batch pipeline end to end on small Kuwait files: nothing lost, duplicates skipped,
unreadable files failed whole, both encodings, JSON and GeoJSON, regions and features."""

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from incidents.choices import BatchStatus
from incidents.geo import region_for_point, time_features
from incidents.models import Incident, RawIncident, RejectedRow
from incidents.pipeline import load
from incidents.pipeline.services import batch_ingest_file, batch_ingest_records
from incidents.profiles import load_profile
from incidents.signals import batch_accepted
from incidents.tests.pipeline_files import (
    COLUMNS,
    assert_invariant,
    row,
    write_csv,
)
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


def test_good_and_bad_rows_are_all_accounted_for(tmp_path, setup_regions):
    rows = [row(n) for n in range(1, 21)] + [
        row(21, category="jaywalking"),
        row(22, latitude="abc", occurred_at="not a date"),
        row(23, latitude="35.0"),
        row(24, occurred_at=(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")),
        row(3),  # same id again in the same file: a duplicate
    ]
    batch = batch_ingest_file(path=write_csv(tmp_path / "mixed.csv", rows))
    assert batch.status == BatchStatus.DONE
    assert (batch.received, batch.accepted, batch.duplicates, batch.rejected) == (25, 20, 1, 4)
    assert_invariant(batch)
    rejected = {r.row_number: r for r in RejectedRow.objects.filter(batch=batch)}
    assert [e["code"] for e in rejected[22].errors] == ["invalid_timestamp", "invalid_coordinate"]
    assert rejected[22].record["latitude"] == "abc"  # the record exactly as received
    assert rejected[21].errors[0]["field"] == "category"
    assert rejected[23].errors[0]["code"] == "outside_service_area"
    assert rejected[24].errors[0]["code"] == "future_timestamp"


def test_incidents_trace_back_to_raw_row_batch_and_file(tmp_path, setup_regions):
    batch = batch_ingest_file(
        path=write_csv(tmp_path / "trace.csv", [row(1, area="Hawalli", severity="5")])
    )
    incident = Incident.objects.select_related("raw__batch", "category", "region").get()
    assert incident.raw.row_number == 1
    assert incident.raw.batch == batch
    assert incident.raw.batch.file_name == "trace.csv"
    assert incident.raw.record["incident_id"] == "K-1"
    assert (incident.source, incident.external_id, incident.category.code) == (
        "kuwait",
        "K-1",
        "theft",
    )
    assert (incident.area, incident.severity, incident.channel) == ("Hawalli", 5, "public_report")


def test_raw_records_keep_awkward_text_exactly(tmp_path, setup_regions, monkeypatch):
    # quote-comma-quote and a closing backslash: the edges of the raw JSON built per column;
    # and COPY text sent one line per block
    monkeypatch.setattr(load.copy_text, "BLOCK_LINES", 1)
    awkward = 'He said "stop" \\ ran {away}\tthen\nleft; \\N "," السالمية \x01 \\'
    rows = [row(1, area=awkward), row(2, area=awkward, latitude="x")]
    batch = batch_ingest_file(path=write_csv(tmp_path / "awkward.csv", rows))
    assert_invariant(batch)
    assert batch.accepted == 1 and batch.rejected == 1
    for raw in RawIncident.objects.filter(batch=batch):
        assert raw.record == {k: str(v) for k, v in rows[raw.row_number - 1].items()}
        assert list(raw.record) == COLUMNS  # the source's column order, too
    with connection.cursor() as cursor:  # the stored text is JSON that SQL can reach into
        cursor.execute(
            "SELECT record::json ->> 'area' FROM incidents_raw WHERE batch_id = %s", [batch.pk]
        )
        assert {value for (value,) in cursor.fetchall()} == {awkward}
    assert RejectedRow.objects.get().record["area"] == awkward
    assert Incident.objects.get().area == awkward.strip()


def test_rejection_messages_are_in_the_language_of_the_caller(tmp_path, setup_regions):
    # Validation runs in the reader thread; it must speak the caller's language.
    with translation.override("ar"):
        batch_ingest_file(path=write_csv(tmp_path / "ar.csv", [row(1, category="")]))
        expected = gettext("This field is required.")
    assert expected != "This field is required."
    (error,) = RejectedRow.objects.get().errors
    assert (error["field"], error["code"], error["message"]) == ("category", "required", expected)


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings_read_the_same(tmp_path, setup_regions, ending):
    path = write_csv(tmp_path / "endings.csv", [row(n) for n in range(1, 6)])
    path.write_bytes(path.read_bytes().replace(b"\n", ending.encode()))
    batch = batch_ingest_file(path=path)
    assert (batch.status, batch.received, batch.accepted) == (BatchStatus.DONE, 5, 5)
    assert RawIncident.objects.get(batch=batch, row_number=5).record == {
        k: str(v) for k, v in row(5).items()
    }


def test_missing_severity_takes_the_category_default(tmp_path, setup_regions):
    batch_ingest_file(path=write_csv(tmp_path / "s.csv", [row(1, category="robbery")]))
    assert Incident.objects.get().severity == 4


def test_a_file_mixing_given_and_blank_severities_loads_every_row(tmp_path, setup_regions):
    # Regression: a blank among given severities once turned the column into floats and
    # COPY rejected "2.00000000" for a smallint, failing the whole batch.
    rows = [
        row(1, severity="2"),
        row(2, category="robbery"),
        row(3, severity="5"),
        row(4, severity=""),
    ]
    batch = batch_ingest_file(path=write_csv(tmp_path / "mixed.csv", rows))
    assert batch.status == BatchStatus.DONE, batch.error_message
    assert_invariant(batch)
    severities = dict(Incident.objects.values_list("external_id", "severity"))
    assert severities == {"K-1": 2, "K-2": 4, "K-3": 5, "K-4": 3}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"when,what\n2025-01-01,theft\n", "invalid header"),
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe" * 100, "binary"),
    ],
)
def test_unreadable_file_fails_the_batch_and_writes_nothing(
    tmp_path, setup_regions, content, message
):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    batch = batch_ingest_file(path=path)
    assert batch.status == BatchStatus.FAILED
    assert message in batch.error_message
    assert Incident.objects.count() == 0
    assert RawIncident.objects.count() == 0
    assert (batch.received, batch.accepted) == (0, 0)


def test_file_that_breaks_midway_rolls_back_everything(tmp_path, setup_regions):
    path = tmp_path / "broken.json"
    good = json.dumps([row(n) for n in range(1, 6)])
    path.write_text(good[:-1] + ', {"incident_id": "K-9", ', encoding="utf-8")
    batch = batch_ingest_file(path=path)
    assert batch.status == BatchStatus.FAILED
    assert "JSON" in batch.error_message
    assert Incident.objects.count() == 0
    assert RawIncident.objects.count() == 0


def test_utf8_with_bom_and_windows_1256_arabic_files_read_the_same(tmp_path, setup_regions):
    rows = [row(1, category="سرقة", area="السالمية"), row(2, category="حادث مروري", area="حولي")]
    bom = batch_ingest_file(path=write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig"))
    rows = [row(3, category="سرقة", area="السالمية"), row(4, category="حادث مروري", area="حولي")]
    arabic = batch_ingest_file(path=write_csv(tmp_path / "cp1256.csv", rows, encoding="cp1256"))
    assert (bom.accepted, arabic.accepted) == (2, 2)
    got = dict(Incident.objects.values_list("external_id", "area"))
    assert got["K-1"] == got["K-3"] == "السالمية"
    assert Incident.objects.get(external_id="K-4").category.code == "traffic_accident"


@pytest.mark.parametrize("block_lines", [1, 2, 2000])
def test_malformed_csv_rows_are_rejected_not_fatal(
    tmp_path, setup_regions, monkeypatch, block_lines
):
    monkeypatch.setattr(
        load.copy_text, "BLOCK_LINES", block_lines
    )  # the malformed row in any block
    path = tmp_path / "ragged.csv"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(
        [
            COLUMNS,
            list(row(1).values()),
            [*row(2).values(), "extra", "fields"],
            list(row(3).values())[:3],
        ]
    )
    path.write_text(text.getvalue(), encoding="utf-8")
    batch = batch_ingest_file(path=path)
    assert (batch.received, batch.accepted, batch.rejected) == (3, 1, 2)
    extra = RejectedRow.objects.get(batch=batch, row_number=2)
    assert extra.errors[0]["code"] == "malformed_row"
    assert extra.record["_extra_fields"] == ["extra", "fields"]
    raw = dict(RawIncident.objects.filter(batch=batch).values_list("row_number", "record"))
    assert raw[2] == extra.record
    assert raw[1] == row(1)  # the rows around it are kept as received
    short = list(row(3).values())[:3]
    assert raw[3] == dict(zip(COLUMNS, short + [""] * (len(COLUMNS) - 3), strict=True))


def test_json_arrays_and_geojson_feature_collections(tmp_path, setup_regions):
    (tmp_path / "a.json").write_text(
        json.dumps([row(1), row(2), "not an object"]), encoding="utf-8"
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [47.99, 29.36]},
            "properties": {k: v for k, v in row(n).items() if k not in ("latitude", "longitude")},
        }
        for n in (3, 4)
    ]
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[47, 29], [48, 29]]},
            "properties": row(5),
        }
    )
    (tmp_path / "b.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    array = batch_ingest_file(path=tmp_path / "a.json")
    geo = batch_ingest_file(path=tmp_path / "b.geojson")
    assert (array.file_format, array.accepted, array.rejected) == ("json", 2, 1)
    assert (geo.file_format, geo.accepted, geo.rejected) == ("geojson", 2, 1)
    assert RejectedRow.objects.get(batch=geo).errors[0]["code"] == "invalid_geometry"
    point = Incident.objects.get(external_id="K-3").geom
    assert (point.x, point.y) == (47.99, 29.36)
    assert_invariant(geo)


def test_api_records_go_through_the_same_pipeline(setup_regions):
    batch = batch_ingest_records(records=[row(1), row(2, category="??"), 42])
    assert (batch.received, batch.accepted, batch.rejected) == (3, 1, 2)
    assert_invariant(batch)


def test_region_by_polygon_else_nearest_region_in_the_service_area(tmp_path, setup_regions):
    rows = [
        row(1, latitude="29.37", longitude="47.98"),  # inside capital
        row(2, latitude="29.01", longitude="48.04"),  # inside ahmadi
        row(3, latitude="29.10", longitude="48.06"),  # sea between them: nearest is ahmadi
    ]
    batch_ingest_file(path=write_csv(tmp_path / "r.csv", rows))
    got = dict(Incident.objects.values_list("external_id", "region__code"))
    assert got == {"K-1": "capital", "K-2": "ahmadi", "K-3": "ahmadi"}
    profile = load_profile()
    assert region_for_point(48.06, 29.10, profile).code == "ahmadi"
    assert region_for_point(47.98, 29.37, profile).code == "capital"
    assert region_for_point(10.0, 10.0, profile) is None


def test_time_features_follow_kuwait_rules_in_the_file_and_the_single_record_paths(
    tmp_path, setup_regions
):
    # Kuwait: Asia/Kuwait local time, Friday to Saturday weekend, night 20:00 to 06:00, National
    # and Liberation Day on 25 and 26 February. Rules written out here, independently.
    profile = load_profile()
    start = dt.datetime(2024, 2, 20, 0, 30, tzinfo=profile.tz)
    times = [start + dt.timedelta(hours=7 * n) for n in range(40)]
    rows = [row(n, occurred_at=t.strftime("%Y-%m-%dT%H:%M:%S")) for n, t in enumerate(times)]
    batch_ingest_file(path=write_csv(tmp_path / "t.csv", rows))
    fields = ("local_hour", "weekday", "is_weekend", "is_night", "is_holiday")
    stored = {i.external_id: i for i in Incident.objects.all()}
    assert len(stored) == 40
    for n, moment in enumerate(times):
        local = moment.astimezone(ZoneInfo("Asia/Kuwait"))
        expected = {
            "local_hour": local.hour,
            "weekday": local.weekday(),
            "is_weekend": local.strftime("%a") in ("Fri", "Sat"),
            "is_night": local.hour >= 20 or local.hour < 6,
            "is_holiday": (local.month, local.day) in ((2, 25), (2, 26)),
        }
        assert {f: getattr(stored[f"K-{n}"], f) for f in fields} == expected, moment
        assert time_features(moment.astimezone(dt.UTC), profile) == expected, moment
    assert {i.is_holiday for i in stored.values()} == {True, False}


def test_accepted_batch_is_audited_and_announced_after_commit(
    tmp_path, setup_regions, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, batch_id, incident_ids, **kwargs):
        received.append(batch_id)

    batch_accepted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            batch = batch_ingest_file(path=write_csv(tmp_path / "a.csv", [row(1), row(2)]))
        assert received == []  # not before the commit
        for callback in callbacks:
            callback()
        assert received == [batch.pk]
    finally:
        batch_accepted.disconnect(receiver)
    entry = ActionLog.objects.get(action="ingest", object_id=str(batch.pk))
    assert (entry.summary["received"], entry.summary["accepted"], entry.summary["status"]) == (
        2,
        2,
        "done",
    )


def test_staging_table_leaves_no_trace(tmp_path, setup_regions):
    batch_ingest_file(path=write_csv(tmp_path / "x.csv", [row(1)]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp._kh_ingest_staging')")
        assert cursor.fetchone()[0] is None or connection.in_atomic_block


def test_a_nul_character_rejects_its_row_not_the_batch(tmp_path, setup_regions):
    # PostgreSQL text cannot hold NUL: the row is rejected with the field named, the raw
    # record keeps the character, and the rest of the file loads.
    rows = [row(1), row(2, area="Sal\x00miya"), row(3, incident_id="K-\x003")]
    batch = batch_ingest_file(path=write_csv(tmp_path / "nul.csv", rows))
    assert batch.status == BatchStatus.DONE, batch.error_message
    assert (batch.accepted, batch.rejected) == (1, 2)
    assert_invariant(batch)
    rejected = {r.row_number: r for r in RejectedRow.objects.filter(batch=batch)}
    assert [(e["field"], e["code"]) for e in rejected[2].errors] == [("area", "invalid_character")]
    assert [(e["field"], e["code"]) for e in rejected[3].errors] == [
        ("incident_id", "invalid_character")
    ]
    assert rejected[2].record["area"] == "Sal\x00miya"
    api = batch_ingest_records(records=[row(4, channel="1\x0012")])
    assert (api.accepted, api.rejected) == (0, 1)
    assert RejectedRow.objects.get(batch=api).errors[0]["field"] == "channel"
