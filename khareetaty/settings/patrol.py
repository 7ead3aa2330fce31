"""Patrol allocation: travel speed, solver limits, places, the feedback-loop guard."""

from khareetaty.env import env_int

# Straight-line travel speed between places (km/h) when no travel-time table is loaded.
PATROL_SPEED_KMH = env_int("PATROL_SPEED_KMH", 30)
# CP-SAT's deterministic work budget (its "deterministic seconds", one worker, fixed seed):
# the same inputs and seed give the same plan however loaded the machine is.
PATROL_SOLVER_WORK = env_int("PATROL_SOLVER_WORK", 5)
# Wall-clock safety cap (seconds): CP-SAT stops here with its best plan and its bound even
# when the deterministic budget is not spent (the plan then records it as capped).
PATROL_SOLVER_SECONDS = env_int("PATROL_SOLVER_SECONDS", 30)
# Travel times between places: a loaded table (manage.py load_patrol_travel) is used when
# present; otherwise straight line at PATROL_SPEED_KMH.
PATROL_MAX_PLACES_PER_UNIT = env_int("PATROL_MAX_PLACES_PER_UNIT", 4)
# Patrol places: how many of the riskiest cells, and at most how many cells per place.
PATROL_TOP_CELLS = env_int("PATROL_TOP_CELLS", 400)
PATROL_CELLS_PER_PLACE = env_int("PATROL_CELLS_PER_PLACE", 4)
# A check-in counts for a place when it lies within this many metres of its outline.
PATROL_CHECKIN_TOLERANCE_M = env_int("PATROL_CHECKIN_TOLERANCE_M", 100)
# Incidents found by patrols count for this percentage of a reported one (feedback guard).
PATROL_FIND_WEIGHT_PERCENT = env_int("PATROL_FIND_WEIGHT_PERCENT", 25)
# GPS-stream visits: a stay counts when the unit's points lie in a place (within the
# check-in tolerance) for at least this many minutes; a longer gap between points ends it.
PATROL_GPS_MIN_DWELL_MINUTES = env_int("PATROL_GPS_MIN_DWELL_MINUTES", 5)
PATROL_GPS_MAX_GAP_SECONDS = env_int("PATROL_GPS_MAX_GAP_SECONDS", 300)
