"""The travel-time table between regions: loaded from a CSV (``from_region,to_region,
minutes``, region codes of the profile), used by the optimiser instead of the straight line
for the pairs it has. Loading replaces the profile's table in one transaction; audited."""

import csv
import io
from collections.abc import Iterable

from django.db import transaction

from incidents.models import Region
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError
from patrol.models import TravelTime

MAX_MINUTES = 24 * 60


def _rows(lines: Iterable[str]) -> list[tuple[str, str, int]]:
    reader = csv.DictReader(lines)
    needed = {"from_region", "to_region", "minutes"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise ApplicationError("The CSV needs the columns from_region, to_region, minutes.")
    rows = []
    for n, row in enumerate(reader, start=2):
        try:
            minutes = int(row["minutes"])
        except (TypeError, ValueError):
            raise ApplicationError(f"Line {n}: minutes must be a whole number.") from None
        if not 0 <= minutes <= MAX_MINUTES:
            raise ApplicationError(f"Line {n}: minutes must be 0..{MAX_MINUTES}.")
        rows.append((row["from_region"].strip(), row["to_region"].strip(), minutes))
    return rows


@transaction.atomic
def travel_table_load(*, profile: str, text: str, actor=None) -> int:
    """Replace the profile's travel table with the CSV's rows; returns how many."""
    rows = _rows(io.StringIO(text))
    regions = {r.code: r for r in Region.objects.filter(profile=profile)}
    unknown = sorted({code for a, b, _ in rows for code in (a, b)} - regions.keys())
    if unknown:
        raise ApplicationError(f"Unknown regions for {profile}: {', '.join(unknown[:10])}.")
    TravelTime.objects.filter(profile=profile).delete()
    pairs = {(a, b): m for a, b, m in rows}  # a pair given twice: the last line wins
    TravelTime.objects.bulk_create(
        TravelTime(profile=profile, origin=regions[a], destination=regions[b], minutes=m)
        for (a, b), m in pairs.items()
    )
    audit_record(
        action="patrol_travel_load",
        actor=actor,
        object_type="patrol.traveltime",
        summary={"profile": profile, "pairs": len(pairs)},
    )
    return len(pairs)


def travel_table(*, profile: str) -> dict[tuple[str, str], int]:
    """The loaded table as the optimiser reads it (empty when none is loaded)."""
    rows = TravelTime.objects.filter(profile=profile).values_list(
        "origin__code", "destination__code", "minutes"
    )
    return {(a, b): m for a, b, m in rows}
