from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Escalation tick",
        task="commands.escalation_tick",
        every_seconds=60,
        description="Moves open alerts along their escalation policy (each step once).",
    ),
    PeriodicTaskSpec(
        name="Overdue tasks",
        task="commands.tasks_raise_overdue",
        every_seconds=60,
        description="Raises an alert for each unfinished task past its due time.",
    ),
    PeriodicTaskSpec(
        name="Stuck deliveries",
        task="commands.deliveries_fail_stuck",
        every_seconds=300,
        description="Fails deliveries whose worker died mid-send and tries the next channel.",
    ),
    PeriodicTaskSpec(
        name="Demo activity",
        task="commands.demo_activity_tick",
        every_seconds=30,
        description="Demo only (DEMO_ACTIVITY=true): ingests a few generated incidents.",
    ),
]
