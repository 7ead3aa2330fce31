import datetime as dt
import hashlib
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection

from incidents.generator import incidents_csv_generate, load_config
from incidents.models import Category
from incidents.pipeline.services import batch_ingest_file
from incidents.profiles import load_profile
from incidents.tests.factories_api import kuwait_reference
from incidents.validation import validate_frame

END = dt.date(2025, 1, 1)
CODES = frozenset(c["code"] for c in load_config()["category_table"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Two years of demo data, and the file read back as text."""
    path = tmp_path_factory.mktemp("demo") / "demo.csv"
    result = incidents_csv_generate(path=path, count=20_000, days=730, seed=11, end=END)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return result, frame


@pytest.fixture(scope="module")
def good(demo):
    """The rows an ingest accepts, with parsed local times and coordinates."""
    _, frame = demo
    result = validate_frame(frame, load_profile("kuwait"), known_categories=CODES)
    rows = frame.drop(index=list(result.errors)).drop_duplicates("incident_id").copy()
    rows["when"] = pd.to_datetime(rows["occurred_at"])
    rows["code"] = rows["category"].map(load_profile("kuwait").map_category)
    rows["lat"], rows["lon"] = rows["latitude"].astype(float), rows["longitude"].astype(float)
    return rows


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_seed_writes_the_same_file_and_another_seed_does_not(tmp_path):
    first = incidents_csv_generate(path=tmp_path / "a.csv", count=3000, days=90, seed=5, end=END)
    again = incidents_csv_generate(path=tmp_path / "b.csv", count=3000, days=90, seed=5, end=END)
    other = incidents_csv_generate(path=tmp_path / "c.csv", count=3000, days=90, seed=6, end=END)
    assert digest(first.path) == digest(again.path)
    assert digest(first.path) != digest(other.path)
    assert first.hotspots == again.hotspots


def test_the_file_has_the_kuwait_profile_columns_and_the_requested_size(demo):
    result, frame = demo
    assert set(frame.columns) == set(load_profile("kuwait").columns.values())
    assert len(frame) == result.rows == 20_000
    assert (result.first_day, result.last_day) == (dt.date(2023, 1, 2), dt.date(2024, 12, 31))
    assert frame["incident_id"].str.match(r"^KW11-\d{8}$").all()


def test_validation_rejects_exactly_the_spoiled_rows_for_their_reason(demo):
    result, frame = demo
    outcome = validate_frame(frame, load_profile("kuwait"), known_categories=CODES)

    reasons = Counter(
        "bad_coordinates"
        if errors[0].field in ("latitude", "longitude")
        else {"category": "unknown_category", "occurred_at": "future_date"}[errors[0].field]
        for errors in outcome.errors.values()
    )
    assert len(outcome.errors) == result.expected["rejected"] == round(20_000 * 0.02)
    assert reasons == {
        k: result.counts[k] for k in ("bad_coordinates", "unknown_category", "future_date")
    }
    assert min(reasons.values()) > 50


def test_duplicates_resend_good_rows_unchanged(demo):
    result, frame = demo
    repeated = frame[frame.duplicated("incident_id", keep=False)]
    assert frame["incident_id"].duplicated().sum() == result.counts["duplicate"] == 200
    assert len(repeated.drop_duplicates()) == result.counts["duplicate"]  # identical copies


def test_arabic_and_english_exports_are_mixed(good):
    arabic = good["category"].str.contains(r"[\u0600-\u06FF]")
    assert 0.25 < arabic.mean() < 0.35
    assert good["code"].notna().all()


@pytest.mark.django_db
def test_incidents_fall_where_people_live(good):
    kuwait_reference()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.code, count(*) FROM unnest(%s::float8[], %s::float8[]) AS p(x, y)
            JOIN incidents_region r ON ST_Intersects(r.geom, ST_SetSRID(ST_MakePoint(x, y), 4326))
            GROUP BY r.code
            """,
            [good["lon"].tolist(), good["lat"].tolist()],
        )
        per_region = dict(cursor.fetchall())
    inside = sum(per_region.values())
    assert inside > 0.97 * len(good)  # on land: the rest are a few metres off a coarse coast
    shares = {code: n / inside for code, n in per_region.items()}
    for code, expected in load_config()["governorates"].items():
        assert shares[code] == pytest.approx(expected, abs=0.06), code
    # Dense governorates: Hawalli (~84 km²) has far more incidents per km² than Jahra.
    assert per_region["KW-HA"] / 84 > 20 * per_region["KW-JA"] / 12_231


def test_the_week_has_a_friday_saturday_weekend_and_a_busy_thursday_evening(good):
    weekday = good["when"].dt.day_of_week  # 0 = Monday
    fraud = weekday[good["code"] == "fraud"].value_counts()
    assert fraud[4] < 0.6 * fraud[0]  # offices close on Friday
    disorder = weekday[good["code"] == "public_disorder"].value_counts()
    assert disorder[3] + disorder[4] > 1.3 * (disorder[0] + disorder[1])
    traffic = good[(good["code"] == "traffic_accident") & (weekday < 4)][
        "when"
    ].dt.hour.value_counts()
    assert traffic[7] + traffic[8] > 3 * (traffic[3] + traffic[4])


def test_drug_offences_happen_at_night_and_are_mostly_found_by_patrols(good):
    drugs = good[good["code"] == "drug_offence"]
    night = drugs["when"].dt.hour.isin([20, 21, 22, 23, 0, 1, 2, 3, 4, 5])
    assert night.mean() > 0.55
    channels = drugs["channel"].map(load_profile("kuwait").channels.get)
    assert (channels == "patrol").mean() > 0.45
    assert (
        good["channel"].map(load_profile("kuwait").channels.get) == "public_report"
    ).mean() > 0.6


def test_national_day_brings_out_crowds(good):
    disorder = good[good["code"] == "public_disorder"]
    per_day = disorder["when"].dt.strftime("%m-%d").value_counts()
    assert per_day["02-25"] > 2.5 * per_day.mean()


def test_hotspots_emerge_and_fade_where_the_report_says(demo, good):
    result, _ = demo
    assert {spot.kind for spot in result.hotspots} == {"emerging", "fading", "burst"}
    day = (good["when"].dt.normalize() - pd.Timestamp(result.first_day)).dt.days.to_numpy()
    total_days = (result.last_day - result.first_day).days + 1
    for spot in result.hotspots:
        km = np.hypot((good["lat"] - spot.lat) * 110.6, (good["lon"] - spot.lon) * 97.0)
        near = (km < 2 * spot.sigma_km).to_numpy() & (good["code"] == spot.category).to_numpy()
        start = (spot.start - result.first_day).days
        stop = (spot.end - result.first_day).days
        active = near & (day >= start) & (day <= stop)
        outside_days = total_days - (stop - start + 1)
        rate_active = active.sum() / (stop - start + 1)
        rate_outside = (near.sum() - active.sum()) / max(outside_days, 1)
        assert rate_active > 4 * rate_outside, spot


def test_command_writes_the_file_and_says_what_an_ingest_must_report(tmp_path, capsys):
    out = tmp_path / "cmd.csv"
    call_command(
        "generate_incidents", "--count", "2000", "--days", "60", "--seed", "2", "--end", "2025-01-01",
        "--out", str(out),
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert out.exists()
    assert "2000 rows, 2024-11-02 to 2024-12-31" in printed
    assert (
        "an ingest must report: received 2000, accepted 1940, duplicates 20, rejected 40" in printed
    )
    assert printed.count("hotspot ") == 5


def test_windows_1256_export_keeps_the_arabic_text(tmp_path):
    result = incidents_csv_generate(
        path=tmp_path / "ar.csv", count=500, days=30, seed=3, end=END, encoding="windows-1256"
    )
    text = result.path.read_bytes().decode("windows-1256")
    assert "حادث مروري" in text or "سرقة" in text


@pytest.mark.django_db
def test_ingesting_the_generated_file_gives_exactly_the_expected_counts(tmp_path):
    kuwait_reference()
    result = incidents_csv_generate(
        path=tmp_path / "ingest.csv", count=3000, days=365, seed=8, end=END
    )

    batch = batch_ingest_file(path=result.path, profile_name="kuwait")

    assert batch.status == "done", batch.error_message
    counts = {k: getattr(batch, k) for k in ("received", "accepted", "duplicates", "rejected")}
    assert counts == result.expected
    assert Category.objects.count() == 9
