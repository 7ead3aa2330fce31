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
from incidents.models import Incident, IngestBatch, RawIncident, RejectedRow
from incidents.pipeline import load, readers
from incidents.pipeline.services import batch_ingest_file, batch_ingest_records
from incidents.profiles import load_profile
from incidents.signals import batch_accepted
from incidents.tests.factories import IncidentFactory, RegionFactory, nine_categories, square
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db
COLUMNS = [
    "incident_id",
    "occurred_at",
    "category",
    "latitude",
    "longitude",
    "area",
    "severity",
    "channel",
]
DAY = (timezone.now() - dt.timedelta(days=3)).astimezone(load_profile().tz).strftime("%Y-%m-%d")


def row(n: int, **change) -> dict:
    return {
        "incident_id": f"K-{n}",
        "occurred_at": f"{DAY}T{n % 24:02d}:{n % 60:02d}:00",
        "category": "theft",
        "latitude": f"{29.37 + n * 0.0001:.6f}",
        "longitude": "47.98",
        "area": "Salmiya",
        "severity": "",
        "channel": "112",
        **change,
    }


def write_csv(path, rows, *, encoding="utf-8", columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def setup_regions():
    nine_categories()
    return {
        "capital": RegionFactory(code="capital", geom=square(47.98, 29.37, 0.05)),
        "ahmadi": RegionFactory(code="ahmadi", geom=square(48.05, 29.0, 0.05)),
    }


def assert_invariant(batch: IngestBatch) -> None:
    batch.refresh_from_db()
    assert batch.received == batch.accepted + batch.duplicates + batch.rejected
    numbers = RawIncident.objects.filter(batch=batch).values_list("row_number", flat=True)
    assert sorted(numbers) == list(range(1, batch.received + 1))  # each record once
    assert RejectedRow.objects.filter(batch=batch).count() == batch.rejected


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


def test_reingesting_the_same_file_adds_nothing(tmp_path, setup_regions):
    path = write_csv(
        tmp_path / "again.csv", [row(n) for n in range(1, 31)] + [row(99, category="??")]
    )
    first = batch_ingest_file(path=path)
    second = batch_ingest_file(path=path)
    assert Incident.objects.count() == 30
    assert (second.accepted, second.duplicates, second.rejected) == (0, 30, 1)
    assert first.file_sha256 == second.file_sha256
    assert_invariant(second)


def test_sources_without_ids_deduplicate_within_a_minute_and_25_metres(tmp_path, setup_regions):
    base = row(1, incident_id="")
    near = {
        **base,
        "occurred_at": base["occurred_at"][:-2] + "40",
        "latitude": f"{float(base['latitude']) + 0.0001:.6f}",
    }  # 40 s, ~11 m
    far = {**base, "latitude": f"{float(base['latitude']) + 0.001:.6f}"}  # ~110 m
    other_kind = {**base, "category": "assault"}
    batch = batch_ingest_file(path=write_csv(tmp_path / "noid.csv", [base, near, far, other_kind]))
    assert (batch.accepted, batch.duplicates) == (3, 1)
    again = batch_ingest_file(path=write_csv(tmp_path / "noid2.csv", [near]))
    assert (again.accepted, again.duplicates) == (0, 1)


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
    monkeypatch.setattr(load.copy_text, "BLOCK_LINES", block_lines)  # the malformed row in any block
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


def test_probe_for_loaded_ids_by_range_and_one_by_one(setup_regions):
    # Ids loaded by earlier batches: a chunk of neighbouring ids is answered by one range
    # scan; ids spread over the key space fall back to looking each one up. Same answer.
    for n in range(200):
        IncidentFactory(external_id=f"A-{n:03d}")
    neighbours = [f"A-{n:03d}" for n in range(190, 210)]
    assert load.existing_external_ids("kuwait", neighbours) == set(neighbours[:10])
    spread = ["A-000", "A-199", "B-1"]
    assert load.existing_external_ids("kuwait", spread) == {"A-000", "A-199"}
    unseen = [f"C-{n:04d}" for n in range(500)]  # sampled first: none found, done
    assert load.existing_external_ids("kuwait", unseen) == set()
    assert load.existing_external_ids("other-source", neighbours) == set()


@pytest.mark.django_db(transaction=True)
def test_reingest_skips_loaded_ids_and_a_bulk_load_leaves_the_table_vacuumed(
    tmp_path, setup_regions, monkeypatch
):
    monkeypatch.setattr(load.staging, "BULK_LOAD_ROWS", 10)
    rows = [row(n) for n in range(1, 31)]
    first = batch_ingest_file(path=write_csv(tmp_path / "first.csv", rows))
    assert first.accepted == 30
    with connection.cursor() as cursor:  # VACUUM marked the new pages all-visible
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = 'incidents_clean'")
        assert cursor.fetchone()[0] > 0
    # Committed ids are found by the reader's probe and are duplicates without being
    # validated again: a garbled re-send of a loaded record does not become a rejection.
    rows[4] = row(5, latitude="garbled")
    again = batch_ingest_file(path=write_csv(tmp_path / "again.csv", [*rows, row(31)]))
    assert (again.accepted, again.duplicates, again.rejected) == (1, 30, 0)
    assert_invariant(again)


def test_chunk_and_insert_group_boundaries_change_nothing(
    tmp_path, setup_regions, monkeypatch, caplog
):
    # Chunks of 4 rows, inserted in groups of at least 6: repeats of an id within a chunk,
    # across chunks of one insert group and across groups are all duplicates, and the
    # first occurrence is the one kept. They are dropped before the insert (the reader
    # remembers the last chunks' ids), so the optimistic insert never has to run again.
    monkeypatch.setattr(readers, "CHUNK_ROWS", 4)
    monkeypatch.setattr(load, "INSERT_ROWS", 6)
    monkeypatch.setattr(load.staging, "INSERT_ROWS", 6)
    rows = [row(n) for n in range(1, 21)]
    rows[1] = row(1, area="second copy, same chunk")
    rows[5] = row(3, area="second copy, next chunk")
    rows[17] = row(4, area="second copy, later group")
    noid = row(50, incident_id="")
    rows[8], rows[12] = noid, {**noid, "area": "near twin, later chunk"}
    with caplog.at_level("INFO", logger="incidents.pipeline.services"):
        batch = batch_ingest_file(path=write_csv(tmp_path / "bounds.csv", rows))
    assert "runs again" not in caplog.text
    assert (batch.received, batch.accepted, batch.duplicates, batch.rejected) == (20, 16, 4, 0)
    assert_invariant(batch)
    assert set(Incident.objects.values_list("area", flat=True)) == {"Salmiya"}


def test_a_key_met_in_the_insert_runs_the_batch_again_tolerating_it(
    tmp_path, setup_regions, monkeypatch, caplog
):
    # Inserts are optimistic (no ON CONFLICT). A key can still be there when the insert runs:
    # another batch committed it after this one's probe (here: the probe is blind), or the
    # file repeats an id further back than the reader remembers. The batch is then rolled
    # back and run again with tolerant inserts; the counts are as always, and the progress
    # bar goes back to the start.
    IncidentFactory(source="kuwait", external_id="K-8", area="loaded before")
    monkeypatch.setattr(load, "existing_external_ids", lambda source, ids: set())
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    monkeypatch.setattr(load, "INSERT_ROWS", 2)
    monkeypatch.setattr(load.staging, "INSERT_ROWS", 2)
    rows = [row(n) for n in range(1, 17)]
    rows[15] = row(1, area="repeat eight chunks later")
    progress = []
    with caplog.at_level("INFO", logger="incidents.pipeline.services"):
        batch = batch_ingest_file(
            path=write_csv(tmp_path / "late.csv", rows), progress=progress.append
        )
    assert "runs again, tolerating loaded ids" in caplog.text
    assert (batch.status, batch.received, batch.accepted, batch.duplicates) == ("done", 16, 14, 2)
    assert_invariant(batch)
    assert set(Incident.objects.values_list("area", flat=True)) == {"Salmiya", "loaded before"}
    assert min(progress) < 0 and sum(progress) == 16
