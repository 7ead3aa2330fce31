"""Correlation groups: which event types merge, how close in space and time, and when a
candidate becomes an incident. ``IOT_CORRELATION_FILE`` (JSON, same shape) replaces them.

A candidate's confidence is 1 - prod(1 - c_d) over its devices (c_d: the highest confidence
device d reported), so two independent sensors at 0.7 make 0.91, one alone stays 0.7."""

DEFAULT_GROUPS = {
    # two acoustic sensors within 400 m and 10 s
    "gunshot": {
        "types": ["gunshot"],
        "radius_m": 400,
        "window_s": 10,
        "threshold": 0.9,
        "category": "assault",
        "severity": 5,
    },
    # a camera's crowd, then a panic button nearby
    "disorder": {
        "types": ["crowd", "panic"],
        "radius_m": 300,
        "window_s": 300,
        "threshold": 0.9,
        "category": "public_disorder",
        "severity": 4,
    },
    "loitering": {
        "types": ["loitering"],
        "radius_m": 100,
        "window_s": 900,
        "threshold": 0.97,
        "category": "burglary",
        "severity": 2,
    },
    "plate_hit": {
        "types": ["plate_hit"],
        "radius_m": 2000,
        "window_s": 600,
        "threshold": 0.8,
        "category": "theft",
        "severity": 3,
    },
}
