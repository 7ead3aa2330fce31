from khareetaty.schedules import PeriodicTaskSpec

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Interop request log retention",
        task="interop.request_log_prune",
        crontab={"minute": "30", "hour": "3"},
        description="Deletes interop request-log rows older than INTEROP_REQUEST_LOG_RETENTION_DAYS.",
    ),
    PeriodicTaskSpec(
        name="Interop feed silence check",
        task="interop.feeds_check",
        every_seconds=300,
        description="Raises feed_silence alerts for partner feeds past their cadence.",
    ),
]
