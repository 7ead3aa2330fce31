"""The Analytics page shows the latest model card."""

from django.utils import timezone

from analytics.choices import RunKind, RunStatus
from analytics.models import ModelRun
from khareetaty.accounts.choices import Language, Role

CARD = {
    "run": 1,
    "forecaster": "gbm",
    "mix": {"weight_gbm": 0.75},
    "fallback": "",
    "data_window": {"start": "2024-06-01", "end": "2025-06-01"},
    "covered": {"regions": ["north"], "categories": ["theft"]},
    "category_forecasts": {
        "modelled_series": 151,
        "pooled_series": 14,
        "split_series": 6,
        "fallback": "",
        "coherent": True,
    },
    "accuracy": {
        "methods": {"model": {"skill": 0.0412, "skill_90": [0.02, 0.06], "wape_weekly_ratio": 0.9}},
        "calibration": {"80": 0.801, "95": 0.951},
        "per_region_skill": {"north": -0.0123},
    },
    "known_artefacts": {"first_of_month": "1st", "reporting_lag": "lag"},
    "patrol_share": {"north": 0.05},
}


def test_the_analytics_page_shows_the_model_card(client, make_user):
    client.force_login(make_user(Role.VIEWER, preferred_language=Language.ENGLISH))
    assert b"No model card has been published yet." in client.get("/analytics/").content
    ModelRun.objects.create(
        kind=RunKind.PIPELINE,
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        metrics={"model_card": CARD},
    )
    page = client.get("/analytics/").content.decode()
    assert 'id="model-card"' in page and "forecaster gbm" in page
    assert "0.041" in page and "0.020 \N{EN DASH} 0.060" in page and "-0.012" in page
    assert "0.801" in page and "0.78\N{EN DASH}0.82" in page
    assert "151 region \N{MULTIPLICATION SIGN} category series by the global model" in page
    assert "14 pooled" in page and "categories add up to their region" in page
