from celery import shared_task

from khareetaty.operability import beat_heartbeat_record


@shared_task(name="khareetaty.beat_heartbeat", ignore_result=True)
def beat_heartbeat_task() -> None:
    """Scheduled by Beat every 30 s and run by a worker: /readyz reads its timestamp."""
    beat_heartbeat_record()
