"""Small Kuwait files for the pipeline tests: rows, CSV writing, and the batch invariant (the
regions they fall in: the ``setup_regions`` fixture in ``conftest``)."""

import csv
import datetime as dt
import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from incidents.models import IngestBatch, RawIncident, RejectedRow
from incidents.profiles import load_profile

# The Chicago city extract (the real data of the worked example), outside the repository.
REAL_CHICAGO = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "data"
    / "real"
    / "chicago_crimes_2014-11_to_2017-10.csv.gz"
)
COLUMNS = [
    "incident_id",
    "occurred_at",
    "category",
    "latitude",
    "longitude",
    "area",
    "severity",
    "channel",
]
DAY = (timezone.now() - dt.timedelta(days=3)).astimezone(load_profile().tz).strftime("%Y-%m-%d")


def row(n: int, **change) -> dict:
    return {
        "incident_id": f"K-{n}",
        "occurred_at": f"{DAY}T{n % 24:02d}:{n % 60:02d}:00",
        "category": "theft",
        "latitude": f"{29.37 + n * 0.0001:.6f}",
        "longitude": "47.98",
        "area": "Salmiya",
        "severity": "",
        "channel": "112",
        **change,
    }


def write_csv(path, rows, *, encoding="utf-8", columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def assert_invariant(batch: IngestBatch) -> None:
    batch.refresh_from_db()
    assert batch.received == batch.accepted + batch.duplicates + batch.rejected
    numbers = RawIncident.objects.filter(batch=batch).values_list("row_number", flat=True)
    assert sorted(numbers) == list(range(1, batch.received + 1))  # each record once
    assert RejectedRow.objects.filter(batch=batch).count() == batch.rejected
