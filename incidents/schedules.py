"""Periodic jobs of the incidents app (upserted by ``manage.py setup_periodic_tasks``)."""

from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="ETL folder sweep",
        task="incidents.intake_sweep",
        every_seconds=5 * 60,
        description="Ingests files dropped into the intake staging folder; moves them to "
        "archive/ or failed/.",
    ),
    PeriodicTaskSpec(
        name="Stale ingest batches",
        task="incidents.batches_fail_stale",
        every_seconds=10 * 60,
        description="Marks failed the batches still running INGEST_STALE_BATCH_MINUTES after "
        "they started (their worker died).",
    ),
    PeriodicTaskSpec(
        name="Search documents",
        task="incidents.search_refresh",
        every_seconds=5 * 60,
        description="Writes the full-text search documents of incidents that have none or an "
        "outdated one (each ingest batch also queues it when it commits).",
    ),
]
