"""Single-incident writes (the incidents API and the admin): create, update, delete.

A record created here goes through exactly the validation the batch pipeline runs
(``incidents.validation.validate_record``), gets its region and time features by the same
rules (``incidents.geo``), and, like every ingested record, is kept as received: each create
is a one-record ``IngestBatch`` with its ``RawIncident``, so the incident traces back to the
raw record, and a rejected or duplicate record is counted and kept too. Every write is audited.
"""

import datetime as dt
import json
from typing import Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import BatchStatus, IncidentStatus
from incidents.geo import region_for_point, time_features
from incidents.models import Category, Incident, IngestBatch, RawIncident, Region, RejectedRow
from incidents.profiles import DEFAULT_PROFILE, Profile, available_profiles, load_profile
from incidents.search import REFRESH_SQL
from incidents.signals import incident_created
from incidents.validation import (
    CLEAN_COLUMNS,
    NEAR_DUPLICATE_METRES,
    NEAR_DUPLICATE_SECONDS,
    CleanRecord,
    RowError,
    stringify,
    validate_record,
)
from khareetaty.audit.services import audit_record

# Canonical fields an update may change (``external_id`` and ``source`` identify the incident;
# ``has_id`` and ``region_code`` are derived).
UPDATABLE_FIELDS = tuple(
    name for name in CLEAN_COLUMNS if name not in ("external_id", "has_id", "region_code")
)


def _errors_to_validation_error(errors: list[RowError]) -> ValidationError:
    """Row errors keyed by field, each with its stable code, for field-level 400s."""
    by_field: dict[str, list[ValidationError]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(ValidationError(error.message, code=error.code))
    return ValidationError(by_field)


def _region(clean: CleanRecord, profile: Profile) -> Region | None:
    """The region named by the source's region column, else the one the point falls in."""
    if clean.region_code:
        named = Region.objects.filter(profile=profile.regions.profile, code=clean.region_code)
        if region := named.first():
            return region
    return region_for_point(clean.lon, clean.lat, profile)


def _is_duplicate(*, source: str, clean: CleanRecord) -> bool:
    """Same source and external id; for records without an id, the same category within one
    minute and 25 metres (the pipeline's rule)."""
    if Incident.objects.filter(source=source, external_id=clean.external_id).exists():
        return True
    if clean.has_id:
        return False
    window = dt.timedelta(seconds=NEAR_DUPLICATE_SECONDS)
    point = Point(clean.lon, clean.lat, srid=4326)
    return (
        Incident.objects.filter(
            category__code=clean.category_code,
            occurred_at__range=(clean.occurred_at - window, clean.occurred_at + window),
        )
        .annotate(distance=Distance("geom", point))
        .filter(distance__lte=D(m=NEAR_DUPLICATE_METRES))
        .exists()
    )


def _incident_fields(clean: CleanRecord, profile: Profile) -> dict[str, Any]:
    """Model field values derived from a clean record: region, severity default, features."""
    category = Category.objects.get(code=clean.category_code)
    return {
        "category": category,
        "occurred_at": clean.occurred_at,
        "reported_at": clean.reported_at,
        "geom": Point(clean.lon, clean.lat, srid=4326),
        "region": _region(clean, profile),
        "area": clean.area,
        "block": clean.block,
        "severity": clean.severity or category.default_severity,
        "channel": clean.channel,
        "description": clean.description,
        **time_features(clean.occurred_at, profile),
    }


def _single_batch(*, profile: Profile, record: dict, actor) -> tuple[IngestBatch, RawIncident]:
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    batch = IngestBatch.objects.create(
        source=profile.name,
        file_name="api",
        created_by=user,
        status=BatchStatus.DONE,
        received=1,
        started_at=now,
        finished_at=now,
    )
    raw = RawIncident.objects.create(batch=batch, row_number=1, record=record)
    return batch, raw


def incident_create(
    *, record: dict, source: str = "api", profile_name: str = "kuwait", actor
) -> Incident:
    """Validate and store one incident given in canonical fields (``external_id``,
    ``category``, ``occurred_at``, ``reported_at``, ``lon``, ``lat``, ``area``, ``block``,
    ``severity``, ``channel``, ``description``, optional ``region``).

    The record is kept as a one-row batch whatever happens. Raises ``ValidationError`` keyed
    by field (every error found) when the record is invalid, or on ``external_id`` when it
    duplicates a stored incident. Sends ``incident_created`` after commit.
    """
    profile = load_profile(profile_name)
    record = json.loads(json.dumps(record, default=str))  # kept as received, JSON-safe
    clean, errors = validate_record(record, profile, canonical=True)
    with transaction.atomic():
        batch, raw = _single_batch(profile=profile, record=record, actor=actor)
        if errors:
            RejectedRow.objects.create(
                batch=batch, row_number=1, record=record, errors=[e.as_dict() for e in errors]
            )
            _batch_outcome(batch, "rejected", actor, {"errors": [e.as_dict() for e in errors]})
        elif _is_duplicate(source=source, clean=clean):
            _batch_outcome(batch, "duplicates", actor, {"external_id": clean.external_id})
            errors = [
                RowError("external_id", "duplicate", _("This incident has already been recorded."))
            ]
        else:
            incident = _incident_insert(source=source, clean=clean, profile=profile, raw=raw)
            incident_search_refresh(incident_ids=[incident.pk])
            _batch_outcome(batch, "accepted", actor, {"incident": incident.pk})
            audit_record(
                action="create",
                actor=actor,
                obj=incident,
                summary={"source": source, "external_id": incident.external_id, "batch": batch.pk},
            )
            transaction.on_commit(
                lambda: incident_created.send(sender=Incident, incident_id=incident.pk)
            )
            return incident
    raise _errors_to_validation_error(errors)


def _incident_insert(
    *, source: str, clean: CleanRecord, profile: Profile, raw: RawIncident
) -> Incident:
    incident = Incident(
        source=source, external_id=clean.external_id, raw=raw, **_incident_fields(clean, profile)
    )
    incident.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            incident.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent create of the same (source, external id)
        raise ValidationError(
            {
                "external_id": ValidationError(
                    _("This incident has already been recorded."), code="duplicate"
                )
            }
        ) from exc
    return incident


def _batch_outcome(batch: IngestBatch, outcome: str, actor, detail: dict) -> None:
    setattr(batch, outcome, 1)
    batch.save(update_fields=[outcome])
    audit_record(
        action="ingest",
        actor=actor,
        obj=batch,
        summary={"profile": batch.source, "file": "api", "outcome": outcome, **detail},
    )


def incident_check(*, record: dict, profile_name: str = DEFAULT_PROFILE) -> None:
    """Validate a canonical record without storing anything (forms check before they save);
    raises ``ValidationError`` keyed by canonical field, like the writes do."""
    _, errors = validate_record(record, load_profile(profile_name), canonical=True)
    if errors:
        raise _errors_to_validation_error(errors)


def incident_profile_name(incident: Incident) -> str:
    """The profile whose rules an incident was validated by: its source's, else the default
    (single records from the API carry the source ``api``)."""
    return incident.source if incident.source in available_profiles() else DEFAULT_PROFILE


def _canonical(incident: Incident) -> dict[str, str]:
    """The incident as a canonical record (what ``validate_record`` reads)."""
    return {
        "external_id": incident.external_id,
        "category": incident.category.code,
        "occurred_at": incident.occurred_at.isoformat(),
        "reported_at": incident.reported_at.isoformat() if incident.reported_at else "",
        "lon": repr(incident.geom.x),
        "lat": repr(incident.geom.y),
        "area": incident.area,
        "block": incident.block,
        "severity": str(incident.severity),
        "channel": incident.channel,
        "description": incident.description,
    }


def _status(value) -> str:
    if value not in IncidentStatus.values:
        raise ValidationError(
            {
                "status": ValidationError(
                    _("Unknown status %(value)r.") % {"value": value}, code="invalid_choice"
                )
            }
        )
    return value


@transaction.atomic
def incident_update(
    *, incident: Incident, data: dict, actor, profile_name: str | None = None
) -> Incident:
    """Change an incident's fields (canonical names, plus ``status``). The merged record is
    validated with the ingest rules of its source's profile (or ``profile_name``); region and
    time features follow a new place or time. Audited with the old and new value of every
    changed field."""
    unknown = sorted(set(data) - {*UPDATABLE_FIELDS, "status"})
    if unknown:
        raise ValidationError(
            {
                name: ValidationError(_("This field cannot be changed."), code="read_only")
                for name in unknown
            }
        )
    profile = load_profile(profile_name or incident_profile_name(incident))
    before = {**_canonical(incident), "status": incident.status}
    merged = {**before, **{k: stringify(v) for k, v in data.items() if k != "status"}}
    merged.pop("status")
    clean, errors = validate_record(merged, profile, canonical=True)
    if errors:
        raise _errors_to_validation_error(errors)
    for name, value in _incident_fields(clean, profile).items():
        setattr(incident, name, value)
    if "status" in data:
        incident.status = _status(data["status"])
    incident.full_clean(validate_unique=False)
    incident.save()
    incident_search_refresh(incident_ids=[incident.pk])
    after = {**_canonical(incident), "status": incident.status}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit_record(action="update", actor=actor, obj=incident, summary={"changes": changes})
    return incident


def incident_search_refresh(*, incident_ids: list[int] | None = None, chunk: int = 20_000) -> int:
    """Write the search documents (``incidents.search``) that are missing or out of date,
    of ``incident_ids`` or of every incident, in chunks of ``chunk`` rows in id order (each
    chunk commits on its own outside a transaction, so a long catch-up keeps its progress).
    Safe to run twice or concurrently: a document is an upsert. Returns how many it wrote."""
    written, after = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(REFRESH_SQL, {"after": after, "ids": incident_ids, "limit": chunk})
            ids = [row[0] for row in cursor.fetchall()]
        written += len(ids)
        if len(ids) < chunk:
            return written
        after = max(ids)


@transaction.atomic
def incident_delete(*, incident: Incident, actor) -> None:
    """Delete an incident (its raw record and batch stay: nothing received is lost)."""
    audit_record(
        action="delete",
        actor=actor,
        obj=incident,
        summary={
            "source": incident.source,
            "external_id": incident.external_id,
            "raw": incident.raw_id,
        },
    )
    incident.delete()
