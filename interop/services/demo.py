"""The demo partner agency of ``make run``: one agency with a key (printed once) and a
sample push through the same service partners use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from commands.choices import Severity
from commands.models import AlertRule
from commands.services.alerts import rule_save
from incidents.models import Category, Region
from incidents.profiles import load_profile
from interop.choices import Scope
from interop.models import Agency
from interop.rulekinds import FEED_SILENCE
from interop.services import accounts
from interop.services.push import incidents_push

DEMO_CODE = "demo-agency"
FEED_RULE = "Partner feed silent"
# Kuwait City area, so the demo push lands in a governorate.
SAMPLE_POINTS = [(47.978, 29.369), (48.031, 29.332), (47.93, 29.281), (48.06, 29.19)]


@dataclass
class DemoAgency:
    agency: Agency
    key: str | None  # only when created now
    push: dict | None


def _sample_records(now: dt.datetime) -> list[dict]:
    categories = ["theft", "traffic_accident", "vandalism", "burglary"]
    return [
        {
            "incident_id": f"DEMO-AGENCY-{i + 1:04d}",
            "occurred_at": (now - dt.timedelta(hours=i + 1)).isoformat(),
            "category": category,
            "latitude": lat,
            "longitude": lon,
            "severity": 2 + i % 3,
            "channel": "agency",
        }
        for i, ((lon, lat), category) in enumerate(zip(SAMPLE_POINTS, categories, strict=True))
    ]


def demo_feed_rule_ensure() -> None:
    """The demo's ``feed_silence`` rule (by name, once), so a silent partner feed alerts."""
    if not AlertRule.objects.filter(name=FEED_RULE).exists():
        rule_save(
            actor=None,
            name=FEED_RULE,
            kind=FEED_SILENCE.value,
            severity=Severity.HIGH,
            params={"grace_minutes": 30},
            cooldown_minutes=240,
        )


def interop_demo_ensure() -> DemoAgency:
    """Create the demo agency, its service account, feed and key, and push the sample, once;
    afterwards return the agency and nothing else (the key was shown when created)."""
    demo_feed_rule_ensure()
    existing = Agency.objects.filter(code=DEMO_CODE).first()
    if existing is not None:
        return DemoAgency(existing, None, None)
    profile = load_profile("kuwait")
    with transaction.atomic():
        agency = accounts.agency_create(
            actor=None,
            code=DEMO_CODE,
            name_en="Demo partner agency",
            name_ar="جهة شريكة تجريبية",
            contact="interop@example.invalid",
            profile=profile.name,
        )
        account = accounts.service_account_create(
            actor=None,
            agency=agency,
            name="demo",
            scopes=list(Scope.values),
            region_ids=list(
                Region.objects.filter(profile=profile.regions.profile).values_list("pk", flat=True)
            ),
            category_ids=list(Category.objects.values_list("pk", flat=True)),
        )
        accounts.feed_create(actor=None, agency=agency, name="demo", expected_cadence_minutes=1440)
        _key, secret = accounts.key_create(actor=None, account=account, name="demo")
    result = incidents_push(account=account, records=_sample_records(timezone.now()))
    return DemoAgency(agency, secret, result)
