"""The feedback-loop guard's arithmetic.

Incidents found by patrols say where patrols went as much as where crime is, so they count
for only ``weight`` of a reported incident in the risk used for allocation. The exposure
ratio of a region is its share of patrol minutes over its share of reported incidents:
above 1 a region gets more patrol than its reports justify (over-policing shows)."""


def guarded_count(total: float, patrol_found: float, weight: float) -> float:
    """Incidents counted for allocation: patrol finds down-weighted."""
    return (total - patrol_found) + weight * patrol_found


def exposure_ratios(
    minutes: dict[str, float], incidents: dict[str, float]
) -> dict[str, float | None]:
    """Per region: (minutes share) ÷ (incidents share); None where it has no incidents."""
    total_minutes = sum(minutes.values())
    total_incidents = sum(incidents.values())
    ratios: dict[str, float | None] = {}
    for region in sorted(set(minutes) | set(incidents)):
        m, i = minutes.get(region, 0.0), incidents.get(region, 0.0)
        if not total_incidents or not i:
            ratios[region] = None
            continue
        m_share = m / total_minutes if total_minutes else 0.0
        ratios[region] = round(m_share / (i / total_incidents), 4)
    return ratios
