"""The rule-kind registry: a kind registered in one place is offered, validated, evaluated
by the shared loop and raises its own alert text."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commands.choices import RuleKind, Severity
from commands.models import AlertRule
from commands.rulekinds import (
    SCOPE_ANALYTICS_RUN,
    SCOPE_INCIDENTS,
    Finding,
    Param,
    RuleKindSpec,
    register,
    rule_kind_choices,
    rule_kinds_of,
    unregister,
)
from commands.services.alerts import rule_save
from commands.services.rules import rules_evaluate_incidents
from commands.texts import Bilingual, named
from incidents.tests.factories import CategoryFactory, IncidentFactory
from khareetaty.accounts.choices import Role

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _quiet_evaluate(rule, incidents, now):
    """Alerts on every incident quieter than ``max_severity`` (a made-up kind)."""
    for incident in incidents:
        if incident.severity <= rule.param("max_severity"):
            yield Finding(
                values={"region": named(incident.region), "severity": incident.severity},
                dedup={"quiet": incident.region_id or "-"},
                region_id=incident.region_id,
                incident_ids=[incident.pk],
            )


@pytest.fixture
def analyst(make_user):
    return make_user(Role.ANALYST)


@pytest.fixture
def quiet_kind(policy_file):
    spec = register(
        RuleKindSpec(
            value="quiet_incident",
            label="Quiet incident",
            scope=SCOPE_INCIDENTS,
            params={"max_severity": Param(int, required=True)},
            evaluate=_quiet_evaluate,
            title=Bilingual("Quiet in {region}", "هدوء في {region}"),
            message=Bilingual("Severity {severity} in {region}.", "خطورة {severity} في {region}."),
            check=lambda p: [] if (p.get("max_severity") or 0) < 5 else ["max_severity below 5"],
        )
    )
    yield spec
    unregister(spec.value)


def test_the_registry_holds_the_four_built_in_kinds_with_their_scopes():
    assert {k.value for k in rule_kinds_of(SCOPE_INCIDENTS)} == {
        "critical_incident",
        "volume_window",
    }
    assert {k.value for k in rule_kinds_of(SCOPE_ANALYTICS_RUN)} == {"forecast_spike", "hotspot"}
    assert set(RuleKind.values) == {value for value, _label in rule_kind_choices()}


def test_a_registered_kind_is_a_choice_of_the_rule_without_a_migration(quiet_kind, analyst):
    rule = rule_save(actor=analyst, name="Quiet", kind="quiet_incident", params={"max_severity": 2})

    assert ("quiet_incident", "Quiet incident") in rule_kind_choices()
    assert AlertRule.objects.get(pk=rule.pk).kind == "quiet_incident"


@pytest.mark.parametrize(
    "params, error",
    [
        ({}, "Parameter max_severity is required."),
        ({"max_severity": "2"}, "Parameter max_severity has the wrong type."),
        ({"max_severity": 2, "other": 1}, "Unknown parameter other for this kind."),
        ({"max_severity": 5}, "max_severity below 5"),
    ],
)
def test_a_registered_kind_validates_its_parameters(quiet_kind, analyst, params, error):
    with pytest.raises(ValidationError) as caught:
        rule_save(actor=analyst, name="Quiet", kind="quiet_incident", params=params)

    assert error in caught.value.message_dict["params"]


def test_an_unregistered_kind_is_refused(analyst):
    with pytest.raises(ValidationError) as caught:
        rule_save(actor=analyst, name="Nothing", kind="no_such_kind", params={})

    assert "kind" in caught.value.message_dict


def test_a_registered_kind_is_evaluated_and_raises_its_own_alert(quiet_kind, hawalli):
    rule = AlertRule.objects.create(
        name="Quiet", kind="quiet_incident", severity=Severity.LOW, params={"max_severity": 2}
    )
    category = CategoryFactory()
    quiet = IncidentFactory(
        region=hawalli, category=category, severity=1, occurred_at=NOW - dt.timedelta(minutes=1)
    )
    loud = IncidentFactory(region=hawalli, category=category, severity=5, occurred_at=NOW)

    [alert] = rules_evaluate_incidents(incident_ids=[quiet.pk, loud.pk], now=NOW)

    assert alert.rule == rule
    assert alert.severity == Severity.LOW
    assert (alert.title_en, alert.title_ar) == ("Quiet in Hawalli", "هدوء في حولي")
    assert alert.message_en == "Severity 1 in Hawalli."
    assert alert.dedup_key == f"rule:{rule.pk}:quiet:{hawalli.pk}"
    assert list(alert.incidents.all()) == [quiet]


def test_the_built_in_kinds_keep_their_dedup_keys(hawalli):
    critical = AlertRule.objects.create(name="C", kind="critical_incident", params={})
    volume = AlertRule.objects.create(
        name="V", kind="volume_window", params={"threshold": 0, "window_hours": 1}
    )
    category = CategoryFactory()
    incident = IncidentFactory(region=hawalli, category=category, severity=5, occurred_at=NOW)

    alerts = rules_evaluate_incidents(incident_ids=[incident.pk], now=NOW)

    assert {a.dedup_key for a in alerts} == {
        f"rule:{critical.pk}:region:{hawalli.pk}:category:{category.pk}",
        f"rule:{volume.pk}:region:{hawalli.pk}",
    }
