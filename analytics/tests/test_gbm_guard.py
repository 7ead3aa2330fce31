"""Regression guard: on the real Chicago extract (a few districts, eight weekly folds, the
blend chosen on four older folds) the global model must keep beating the trailing 28-day
mean, with intervals that stay near their nominal coverage."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

REAL = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "data"
    / "real"
    / "chicago_crimes_2014-11_to_2017-10.csv.gz"
)
DISTRICTS = "district-4,district-6,district-8,district-11,district-12,district-25"


@pytest.mark.django_db
def test_the_global_model_beats_the_28_day_mean_on_real_data():
    out = StringIO()
    call_command(
        "evaluate",
        "--profile",
        "chicago",
        "--csv",
        str(REAL),
        "--weeks",
        "8",
        "--regions",
        DISTRICTS,
        "--forecaster",
        "gbm",
        "--no-prophet",
        "--no-spatial",
        "--retrain-every",
        "12",
        "--json",
        stdout=out,
    )
    counts = json.loads(out.getvalue())["counts"]
    comparison = counts["comparison"]
    assert counts["series"] == 6 and counts["methods"]["gbm"]["points"] == 6 * 8 * 7
    assert comparison["gbm"]["skill"] > 0, comparison["gbm"]
    assert comparison["model"]["skill"] > 0, comparison["model"]
    assert comparison["gbm"]["wape_weekly_ratio"] < 1
    assert 0.7 <= comparison["gbm"]["coverage"]["80"] <= 0.9
    assert 0.88 <= comparison["gbm"]["coverage"]["95"] <= 0.99
    # the blend was chosen on folds that end before the reported ones begin
    assert counts["choice"]["evidence"]["to"] < json.loads(out.getvalue())["window"]["start"]
