"""Monitoring as code: the Prometheus rules and the Grafana dashboard parse (PromQL by
promql-parser, the dashboard against its JSON schema), and every khareetaty_* or django_*
metric they use is really exported by /metrics."""

import json
import re
from pathlib import Path

import jsonschema
import promql_parser
import pytest
import yaml
from django.conf import settings
from django.test import Client

MONITORING = Path(settings.BASE_DIR) / "deploy" / "monitoring"
DURATION = re.compile(r"^\d+[smhd]$")
OURS = re.compile(r"\b((?:khareetaty|django)_[a-z0-9_]+)\b")
REQUIRED_ALERTS = {
    "KhareetatyTargetDown",
    "KhareetatyNotReady",
    "KhareetatyAlertsQueueBacklog",
    "KhareetatyBeatHeartbeatLate",
    "KhareetatyDeliveryFailures",
    "KhareetatyEtlBatchFailures",
    "KhareetatyAnalyticsRunFailed",
    "KhareetatyAnalyticsRunLate",
    "KhareetatyVolumeFilling",
}


def _rules() -> list[dict]:
    document = yaml.safe_load((MONITORING / "prometheus-rules.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard() -> dict:
    return json.loads((MONITORING / "grafana-dashboard.json").read_text())


def _exported_names() -> set[str]:
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.get("/healthz")  # so the request metrics have samples
    text = client.get("/metrics").content.decode()
    names = set()
    for line in text.splitlines():
        if line.startswith(("# HELP ", "# TYPE ")):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_alert_rules_are_well_formed_promql():
    rules = _rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    assert set(names) >= REQUIRED_ALERTS
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        promql_parser.parse(rule["expr"])  # raises ValueError on a malformed expression
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"]
        if "for" in rule:
            assert DURATION.match(rule["for"]), rule["for"]


def test_a_malformed_expression_is_caught():
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(khareetaty_deliveries_total[5m]) >")


def test_the_dashboard_matches_its_schema_and_parses():
    dashboard = _dashboard()
    schema = json.loads((MONITORING / "grafana-dashboard.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(dashboard)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        for target in panel["targets"]:
            promql_parser.parse(target["expr"])
    broken = {**dashboard, "panels": [{"id": 1, "type": "timeseries", "title": "x"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


@pytest.mark.django_db
def test_every_metric_the_rules_and_dashboard_use_is_exported():
    used = set()
    for rule in _rules():
        used |= set(OURS.findall(rule["expr"]))
    for panel in _dashboard()["panels"]:
        for target in panel["targets"]:
            used |= set(OURS.findall(target["expr"]))
    assert len(used) >= 10
    exported = _exported_names()
    # A histogram is used through its _bucket series.
    assert used - exported == set()
