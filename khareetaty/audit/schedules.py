from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Audit checkpoint",
        task="audit.checkpoint",
        every_seconds=300,
        description=(
            "Anchors the audit chain's head outside the database: a signed checkpoint in the "
            "log and in AUDIT_CHECKPOINT_FILE (keep it in the backups)."
        ),
    ),
]
