import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db

OUR_APPS = {"khareetaty", "incidents", "analytics", "commands"}


def test_setup_periodic_tasks_upserts_by_name_and_keeps_an_operators_pause():
    call_command("setup_periodic_tasks")
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {"Beat heartbeat", "ETL folder sweep", "Nightly analytics (kuwait)"} <= names
    nightly = PeriodicTask.objects.get(name="Nightly analytics (kuwait)")
    assert (nightly.crontab.hour, nightly.crontab.minute) == ("2", "0")
    assert str(nightly.crontab.timezone) == "Asia/Kuwait"

    PeriodicTask.objects.filter(name="ETL folder sweep").update(enabled=False)
    call_command("setup_periodic_tasks")

    assert PeriodicTask.objects.filter(name="ETL folder sweep", enabled=False).count() == 1
    assert PeriodicTask.objects.filter(name__in=names).count() == len(names)  # no duplicates


def test_every_task_takes_its_queue_from_the_routes_alone():
    """The queue is declared once (CELERY_TASK_ROUTES): no decorator or Beat entry names one,
    and each task lands where the routes say."""
    from khareetaty.celery import app

    call_command("setup_periodic_tasks")
    app.loader.import_default_modules()

    assert not PeriodicTask.objects.exclude(queue__isnull=True).exclude(queue="").exists()
    ours = {n: t for n, t in app.tasks.items() if n.split(".")[0] in OUR_APPS}
    assert not [name for name, task in ours.items() if getattr(task, "queue", None)]
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in ours}
    assert routed == {
        "analytics.run_nightly": "long",
        "analytics.run_pipeline": "long",
        "commands.deliveries_fail_stuck": "alerts",
        "commands.delivery_send": "alerts",
        "commands.demo_activity_tick": "alerts",
        "commands.escalation_tick": "alerts",
        "commands.rules_evaluate_analytics": "alerts",
        "commands.rules_evaluate_batch": "alerts",
        "commands.rules_evaluate_incidents": "alerts",
        "commands.tasks_raise_overdue": "alerts",
        "incidents.batch_run": "long",
        "incidents.batches_fail_stale": "default",
        "incidents.intake_sweep": "long",
        "incidents.search_refresh": "long",
        "khareetaty.beat_heartbeat": "default",
    }
