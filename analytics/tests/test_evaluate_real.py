"""``manage.py evaluate`` on the real Chicago extract (bounded: 2 districts, 2 weekly folds)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from incidents.tests.pipeline_files import REAL_CHICAGO


@pytest.mark.django_db
def test_evaluate_prints_the_report_on_real_city_data():
    out = StringIO()
    args = [
        "--profile",
        "chicago",
        "--csv",
        str(REAL_CHICAGO),
        "--weeks",
        "2",
        "--regions",
        "district-8,district-11",
        "--workers",
        "2",
    ]
    call_command("evaluate", *args, "--json", stdout=out)
    report = json.loads(out.getvalue())
    counts = report["counts"]
    assert counts["series"] == 2 and report["window"]["folds"] == 2
    assert 0.7 < counts["accuracy"] < 0.95
    assert counts["methods"]["model"]["points"] == 2 * 2 * 7
    assert (
        0.5
        <= counts["methods"]["model"]["coverage_80"]
        <= counts["methods"]["model"]["coverage_95"]
        <= 1
    )
    assert report["first_of_month"]["flagged"] is True  # the documented 1st-of-month pile-up
    rankings = report["spatial"]["rankings"]
    assert rankings["counts_365d"]["1%"]["pai"] > 5  # crime sticks to places
    assert rankings["risk_map"]["5%"]["pai"] >= 0.97 * rankings["counts_365d"]["5%"]["pai"]
    hotspots = report["spatial"]["hotspots"]["5%"]
    assert hotspots["area_share"] <= 0.05 and hotspots["max_hotspot_share"] <= 0.10
    table = StringIO()
    call_command("evaluate", *args[:-2], stdout=table)
    assert (
        "prediction accuracy (1 - WAPE)" in table.getvalue() and "counts_365d" in table.getvalue()
    )


@pytest.mark.django_db
def test_evaluate_scores_the_region_by_category_forecasts_on_real_data():
    args = ["--profile", "chicago", "--csv", str(REAL_CHICAGO), "--weeks", "2"]
    args += ["--regions", "district-8,district-11", "--no-prophet", "--no-spatial", "--categories"]
    out = StringIO()
    call_command("evaluate", *args, "--json", stdout=out)
    categories = json.loads(out.getvalue())["categories"]
    assert categories["coherent"] and categories["regions_modelled"] == [
        "district-11",
        "district-8",
    ]
    assert 8 <= categories["modelled_series"] <= 16 and categories["series"] == 16
    comparison = categories["comparison"]
    assert {"model", "top_down_shares", "trailing_28_day_mean"} <= set(comparison)
    assert 0.6 <= comparison["model"]["coverage"]["80"] <= comparison["model"]["coverage"]["95"]
    table = StringIO()
    call_command("evaluate", *args, stdout=table)
    assert "Region x category (16 pairs" in table.getvalue()
