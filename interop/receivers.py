"""Receivers of the lower apps' signals (connected in ``InteropConfig.ready``)."""

from commands.models import Alert
from interop.tasks import alert_subscriptions_notify_task
from khareetaty.enqueue import enqueue_on_commit


def on_alert_changed(sender, alert_id: int, **kwargs) -> None:
    """A new alert (seen once) goes to the subscribed agencies."""
    if Alert.objects.filter(pk=alert_id, count=1).exists():
        enqueue_on_commit(alert_subscriptions_notify_task, alert_id)
