"""Fixtures for the commands tests: the escalation policy, the fake Twilio server, a real
SMTP server, a real Celery worker on the ``alerts`` queue, the people of the task tests and
an alert raised by a rule."""

from datetime import datetime
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.gis.geos import Point
from django.utils import timezone

from commands.choices import AlertSource, Severity
from commands.models import Alert
from commands.services.alerts import AlertSpec, alert_raise
from commands.services.rules import rules_evaluate_incidents
from commands.services.webhooks import webhook_destination_set
from commands.tests.factories import AlertRuleFactory, TeamFactory
from commands.tests.fakes import start_fake_twilio, start_smtp
from commands.tests.webhook_receiver import SECRET, WEBHOOK_POLICY, receiver  # noqa: F401
from commands.texts import Bilingual
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.celery import app as celery_app

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "1" * 32

POLICY = """\
version: 1
stop_on: [acknowledged, resolved]
severities:
  critical:
    steps:
      - after: 0m
        notify: [role:analyst]
        channels: [sms]
      - after: 10m
        notify: [role:superadmin]
        channels: [sms]
    repeat: {every: 30m, times: 1}
  high:
    steps:
      - after: 0m
        notify: [role:analyst]
        channels: [sms]
  medium:
    steps:
      - after: 5m
        notify: [role:analyst]
        channels: [email]
  low:
    steps: []
"""


def write_policy(settings, tmp_path: Path, text: str) -> Path:
    path = tmp_path / "escalation.yaml"
    path.write_text(text, encoding="utf-8")
    settings.ESCALATION_POLICY_FILE = str(path)
    return path


@pytest.fixture
def policy_file(settings, tmp_path):
    """A known policy file (independent of config/escalation.yaml)."""
    return write_policy(settings, tmp_path, POLICY)


@pytest.fixture
def fake_twilio(settings):
    """The fake Twilio API; settings point the real SDK at it."""
    fake = start_fake_twilio()
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_WHATSAPP_FROM = "whatsapp:+14155238886"
    settings.TWILIO_BASE_URL = fake.base_url
    settings.TWILIO_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://khareetaty.test"
    yield fake
    fake.server.stop()


@pytest.fixture
def smtp(settings):
    controller, collector = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 2
    yield collector
    controller.stop()


@pytest.fixture
def fast_retries(settings):
    settings.COMMANDS_RETRY_BASE_SECONDS = 0.05
    settings.COMMANDS_RETRY_MAX_SECONDS = 0.2


def purge_alerts_queue() -> None:
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("alerts")


@pytest.fixture
def alerts_worker(transactional_db):
    """A real Celery worker thread consuming the ``alerts`` queue from Redis."""
    purge_alerts_queue()
    with start_worker(
        celery_app,
        queues=["alerts"],
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        shutdown_timeout=20,
        loglevel="WARNING",
    ) as worker:
        yield worker
    purge_alerts_queue()


@pytest.fixture
def hawalli():
    return RegionFactory(code="hawalli", name_en="Hawalli", name_ar="حولي")


@pytest.fixture
def analyst(make_user, policy_file):
    """The analyst the policy notifies, by SMS then email (tests that want an analyst's API
    client define their own ``analyst``)."""
    user = make_user(
        "analyst", phone_number="+96550001234", email="duty@example.kw", preferred_language="en"
    )
    user.notification_channels = ["sms", "email"]
    user.save()
    return user


@pytest.fixture
def people(client_for):
    """Signed-in API clients: an analyst and three field supervisors, ``field`` and
    ``teammate`` in team ``patrol-7``, ``other`` in ``patrol-9``."""
    analyst = client_for("analyst")
    field, teammate, other = (client_for("field_supervisor") for _ in range(3))
    team = TeamFactory(slug="patrol-7", members=[field.user, teammate.user])
    TeamFactory(slug="patrol-9", members=[other.user])
    return {"analyst": analyst, "field": field, "teammate": teammate, "other": other, "team": team}


def incident_alert(*, region, category, **incident) -> Alert:
    """An alert raised as rules raise it: a severity-5 incident of ``category`` in
    ``region`` under a critical-incident rule."""
    AlertRuleFactory(params={"min_severity": 5})
    incident = IncidentFactory(
        region=region, category=category, severity=5, occurred_at=timezone.now(), **incident
    )
    [alert] = rules_evaluate_incidents(incident_ids=[incident.pk])
    return alert


@pytest.fixture
def farwaniya_alert(db) -> Alert:
    """ "Assault in Farwaniya", raised by a rule for an incident at a point in Farwaniya."""
    return incident_alert(
        region=RegionFactory(code="farwaniya", name_en="Farwaniya", name_ar="الفروانية"),
        category=CategoryFactory(code="assault", name_en="Assault", name_ar="اعتداء"),
        geom=Point(47.93, 29.28, srid=4326),
    )


def raise_manual(
    key: str, *, severity: str = Severity.CRITICAL, now: datetime | None = None
) -> Alert:
    """ "Robbery in Hawalli" raised by hand (dedup key ``key``) and escalated by the policy."""
    spec = AlertSpec(
        severity=severity,
        title=Bilingual("Robbery in Hawalli", "سطو في حولي"),
        message=Bilingual("Severity 5.", "خطورة 5."),
        dedup_key=key,
        source=AlertSource.MANUAL,
    )
    alert, _created = alert_raise(spec=spec, cooldown_minutes=0, now=now)
    return alert


@pytest.fixture
def agency(make_user, settings, tmp_path, receiver):  # noqa: F811
    """A partner's service account with a webhook destination; email is its fallback."""
    write_policy(settings, tmp_path, WEBHOOK_POLICY)
    user = make_user("viewer", username="agency-ops", email="ops@agency.example.kw")
    user.set_unusable_password()
    user.preferred_language = "en"
    user.notification_channels = ["email"]
    user.save()
    webhook_destination_set(recipient=user, url=receiver.url, secret=SECRET)
    return user
