"""Writes to agencies, service accounts, keys, sharing rules and feeds: validated, atomic,
audited. Keys are shown once: ``key_create`` returns the key, nothing stores it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from incidents.models import Category, Region
from incidents.profiles import available_profiles
from interop.choices import SharedField
from interop.models import Agency, Feed, ServiceAccount, ServiceAccountKey, SharingRule
from khareetaty.audit.services import audit_record
from khareetaty.net import parse_networks

# A new agency shares these until a superadmin says otherwise: no free text, coarse place.
DEFAULT_SHARED_FIELDS = [
    SharedField.CATEGORY,
    SharedField.OCCURRED_AT,
    SharedField.REGION,
    SharedField.SEVERITY,
    SharedField.LOCATION,
]
AGENCY_FIELDS = ("code", "name_en", "name_ar", "contact", "active", "profile")
ACCOUNT_FIELDS = ("name", "scopes", "rate_limit", "ip_allowlist", "active")
FEED_FIELDS = ("name", "profile", "expected_cadence_minutes", "active")


def _check_profile(profile: str) -> None:
    if profile not in available_profiles():
        raise ValidationError(
            {"profile": ValidationError(_("Unknown source profile."), code="invalid_choice")}
        )


def _check_networks(networks: list[str]) -> None:
    try:
        parse_networks(tuple(networks))
    except ValueError as exc:
        raise ValidationError({"ip_allowlist": ValidationError(str(exc), code="invalid")}) from exc


def _apply(obj: models.Model, data: dict[str, Any], allowed: tuple[str, ...]) -> dict:
    """Set ``data`` (only ``allowed`` names) on ``obj``; returns {field: [old, new]}."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            {
                n: ValidationError(_("This field cannot be changed."), code="read_only")
                for n in unknown
            }
        )
    changes = {}
    for name, value in data.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [old, value]
            setattr(obj, name, value)
    return changes


@transaction.atomic
def agency_create(*, actor, **data: Any) -> Agency:
    """Create an agency with the default sharing rule."""
    agency = Agency()
    _apply(agency, data, AGENCY_FIELDS)
    _check_profile(agency.profile)
    agency.full_clean()
    agency.save()
    SharingRule.objects.create(agency=agency, fields=list(DEFAULT_SHARED_FIELDS))
    audit_record(action="create", actor=actor, obj=agency, summary={"code": agency.code})
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, actor, data: dict[str, Any]) -> Agency:
    changes = _apply(agency, data, AGENCY_FIELDS)
    _check_profile(agency.profile)
    agency.full_clean()
    agency.save()
    audit_record(action="update", actor=actor, obj=agency, summary={"changes": changes})
    return agency


def _set_scope_lists(
    account: ServiceAccount, region_ids: list[int] | None, category_ids: list[int] | None
) -> dict:
    changes = {}
    for name, ids, model in (
        ("regions", region_ids, Region),
        ("categories", category_ids, Category),
    ):
        if ids is None:
            continue
        found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := sorted(set(ids) - found):
            raise ValidationError({name: ValidationError(_("Unknown ids: %s") % missing)})
        old = sorted(getattr(account, name).values_list("pk", flat=True))
        getattr(account, name).set(found)
        if old != sorted(found):
            changes[name] = [old, sorted(found)]
    return changes


@transaction.atomic
def service_account_create(
    *,
    actor,
    agency: Agency,
    region_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
    **data: Any,
) -> ServiceAccount:
    """Create a service account; its regions and categories (none: it sees nothing)."""
    account = ServiceAccount(agency=agency)
    _apply(account, data, ACCOUNT_FIELDS)
    _check_networks(account.ip_allowlist)
    account.scopes = sorted(set(account.scopes))
    account.full_clean()
    account.save()
    _set_scope_lists(account, region_ids, category_ids)
    audit_record(
        action="create",
        actor=actor,
        obj=account,
        summary={"agency": agency.code, "scopes": account.scopes, "rate_limit": account.rate_limit},
    )
    return account


@transaction.atomic
def service_account_update(
    *,
    account: ServiceAccount,
    actor,
    data: dict[str, Any],
    region_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
) -> ServiceAccount:
    changes = _apply(account, data, ACCOUNT_FIELDS)
    _check_networks(account.ip_allowlist)
    account.scopes = sorted(set(account.scopes))
    account.full_clean()
    account.save()
    changes |= _set_scope_lists(account, region_ids, category_ids)
    audit_record(action="update", actor=actor, obj=account, summary={"changes": changes})
    return account


@transaction.atomic
def key_create(
    *, actor, account: ServiceAccount, name: str, expires_at: dt.datetime | None = None
) -> tuple[ServiceAccountKey, str]:
    """A new live key for ``account`` (its other keys stay live: rotation without downtime).
    Returns the key row and the key itself, which is never stored and cannot be shown again."""
    key, secret = ServiceAccountKey.objects.create_key(
        name=name[:50] or "key", service_account=account, expiry_date=expires_at
    )
    audit_record(
        action="key_create",
        actor=actor,
        obj=account,
        summary={"prefix": key.prefix, "name": key.name, "expires": str(expires_at or "")},
    )
    return key, secret


@transaction.atomic
def key_revoke(*, actor, key: ServiceAccountKey) -> ServiceAccountKey:
    """Revoke a key for good (the library refuses to undo it). Safe to call twice."""
    if not key.revoked:
        key.revoked = True
        key.save(update_fields=["revoked"])
        audit_record(
            action="key_revoke",
            actor=actor,
            obj=key.service_account,
            summary={"prefix": key.prefix, "name": key.name},
        )
    return key


@transaction.atomic
def sharing_rule_update(
    *,
    agency: Agency,
    actor,
    fields: list[str] | None = None,
    location_rounding_m: int | None = None,
) -> SharingRule:
    rule, _created = SharingRule.objects.get_or_create(agency=agency)
    data = {}
    if fields is not None:
        data["fields"] = sorted(set(fields))
    if location_rounding_m is not None:
        data["location_rounding_m"] = location_rounding_m
    changes = _apply(rule, data, ("fields", "location_rounding_m"))
    rule.full_clean()
    rule.save()
    audit_record(action="update", actor=actor, obj=rule, summary={"changes": changes})
    return rule


@transaction.atomic
def feed_create(*, actor, agency: Agency, **data: Any) -> Feed:
    feed = Feed(agency=agency)
    _apply(feed, data, FEED_FIELDS)
    _check_profile(feed.profile)
    feed.full_clean()
    feed.save()
    audit_record(action="create", actor=actor, obj=feed, summary={"agency": agency.code})
    return feed


@transaction.atomic
def feed_update(*, feed: Feed, actor, data: dict[str, Any]) -> Feed:
    changes = _apply(feed, data, FEED_FIELDS)
    _check_profile(feed.profile)
    feed.full_clean()
    feed.save()
    audit_record(action="update", actor=actor, obj=feed, summary={"changes": changes})
    return feed
