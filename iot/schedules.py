from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="IoT device health",
        task="iot.devices_check",
        every_seconds=60,
        description="Raises (and clears) silent-device alerts; flags devices sending too fast.",
    ),
    PeriodicTaskSpec(
        name="IoT overdue promotions",
        task="iot.candidates_promote_overdue",
        every_seconds=60,
        description="Enqueues again the promotion of sensor candidates still open over their"
        " threshold (their task was lost or failed).",
    ),
    PeriodicTaskSpec(
        name="IoT event partitions",
        task="iot.events_upkeep",
        crontab={"minute": "10", "hour": "1"},
        description="Creates iot_events partitions ahead and drops those past the retention.",
    ),
]
