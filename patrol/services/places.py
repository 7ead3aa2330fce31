"""Patrol places: the latest risk map's riskiest cells (and those under open hotspots),
grouped into compact patches, with expected incidents per hour after the feedback guard."""

from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from analytics.choices import RunKind
from analytics.models import Hotspot, RiskCell
from analytics.selectors import model_run_latest
from incidents.choices import IncidentChannel
from incidents.models import Region
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError
from patrol.core.exposure import guarded_count
from patrol.core.places import group_cells
from patrol.models import PatrolPlace

HOTSPOT_BOOST = 1.5  # a cell under an open hotspot ranks as if 50 % riskier
HOURS_PER_RISK_HORIZON = 7 * 24  # RiskCell.score is expected incidents over seven days

_COUNTS_SQL = """
    SELECT c.id, count(i.id), count(i.id) FILTER (WHERE i.channel = %s)
    FROM analytics_riskcell c JOIN incidents_clean i ON ST_Contains(c.geom, i.geom)
    WHERE c.id = ANY(%s) AND i.occurred_at >= %s
    GROUP BY c.id
"""


class NoRiskMap(ApplicationError):
    code = "no_risk_map"


def _candidate_cells(profile: str, top: int) -> tuple[int, list[dict]]:
    run = model_run_latest(kind=RunKind.RISK, profile=profile)
    if run is None:
        raise NoRiskMap(f"No risk map for profile {profile}: run the analytics first.")
    hotspot_run = model_run_latest(kind=RunKind.HOTSPOTS, profile=profile)
    under = Hotspot.objects.filter(run=hotspot_run, geom__intersects=OuterRef("geom"))
    cells = (
        RiskCell.objects.filter(run=run, rank__lte=top * 3)
        .annotate(hot=Exists(under))
        .values("id", "col", "row", "score", "hot", "geom")
    )
    return run.pk, list(cells)


def _guard_factors(ids: list[int], since: datetime) -> dict[int, float]:
    """Per cell: guarded ÷ raw incident count of the last 28 days (1 when none)."""
    weight = settings.PATROL_FIND_WEIGHT_PERCENT / 100
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL, [IncidentChannel.PATROL, ids, since])
        rows = cursor.fetchall()
    return {
        cid: guarded_count(total, patrol, weight) / total for cid, total, patrol in rows if total
    }


@transaction.atomic
def places_refresh(*, profile: str, actor=None, now: datetime | None = None) -> list[PatrolPlace]:
    """Replace the profile's active places with new ones from the latest risk map."""
    now = now or timezone.now()
    run_id, cells = _candidate_cells(profile, settings.PATROL_TOP_CELLS)
    factors = _guard_factors([c["id"] for c in cells], now - timedelta(days=28))
    score = np.array([c["score"] * factors.get(c["id"], 1.0) for c in cells])
    priority = score * np.array([HOTSPOT_BOOST if c["hot"] else 1.0 for c in cells])
    groups = group_cells(
        np.array([c["col"] for c in cells]),
        np.array([c["row"] for c in cells]),
        priority,
        top=settings.PATROL_TOP_CELLS,
        max_cells=settings.PATROL_CELLS_PER_PLACE,
    )
    PatrolPlace.objects.filter(profile=profile, is_active=True).update(is_active=False)
    places = [_place(profile, run_id, [cells[i] for i in g], score[g]) for g in groups]
    PatrolPlace.objects.bulk_create(places)
    _set_regions(profile)
    audit_record(
        action="patrol_places_refresh",
        actor=actor,
        object_type="patrol.patrolplace",
        summary={"profile": profile, "run": run_id, "places": len(places)},
    )
    return places


def _place(profile: str, run_id: int, cells: list[dict], scores: np.ndarray) -> PatrolPlace:
    geom = MultiPolygon(*[c["geom"] for c in cells], srid=settings.SRID).unary_union
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=settings.SRID)
    return PatrolPlace(
        profile=profile,
        run_id=run_id,
        geom=geom,
        centroid=geom.centroid,
        rate=round(float(scores.sum()) / HOURS_PER_RISK_HORIZON, 6),
        cells=[[c["col"], c["row"]] for c in cells],
        from_hotspot=any(c["hot"] for c in cells),
    )


def _set_regions(profile: str) -> None:
    """Each new place's region: the one containing its centre (one UPDATE)."""
    containing = Region.objects.filter(profile=profile, geom__contains=OuterRef("centroid"))
    PatrolPlace.objects.filter(profile=profile, is_active=True, region__isnull=True).update(
        region=Subquery(containing.values("pk")[:1])
    )
