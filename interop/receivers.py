"""Receivers of the lower apps' signals (connected in ``InteropConfig.ready``)."""

from analytics.choices import RunStatus
from commands.models import Alert
from interop.tasks import alert_subscriptions_notify_task, hotspot_subscriptions_notify_task
from khareetaty.enqueue import enqueue_on_commit


def on_alert_changed(sender, alert_id: int, **kwargs) -> None:
    """A new alert (seen once) goes to the subscribed agencies."""
    if Alert.objects.filter(pk=alert_id, count=1).exists():
        enqueue_on_commit(alert_subscriptions_notify_task, alert_id)


def on_analytics_run_finished(sender, run_id: int, status: str = "", **kwargs) -> None:
    """A run that produced hotspots announces its new ones to the subscribed agencies."""
    if status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL):
        enqueue_on_commit(hotspot_subscriptions_notify_task, run_id)
