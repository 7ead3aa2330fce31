"""Celery tasks of the interop app: thin wrappers of their services."""

from celery import shared_task

from interop.services.feeds import feeds_check
from interop.services.requestlog import request_log_prune
from interop.services.subscriptions import (
    alert_subscriptions_notify,
    hotspot_subscriptions_notify,
)


@shared_task(name="interop.request_log_prune")
def request_log_prune_task() -> int:
    return request_log_prune()


@shared_task(name="interop.feeds_check")
def feeds_check_task() -> list[int]:
    return feeds_check()


@shared_task(name="interop.alert_subscriptions_notify", acks_late=True)
def alert_subscriptions_notify_task(alert_id: int) -> list[int]:
    return alert_subscriptions_notify(alert_id=alert_id)


@shared_task(name="interop.hotspot_subscriptions_notify", acks_late=True)
def hotspot_subscriptions_notify_task(run_id: int) -> list[int]:
    return hotspot_subscriptions_notify(run_id=run_id)
