"""The nightly chain is declared at 02:00 Asia/Kuwait on the long queue."""

import json

from analytics.schedules import PERIODIC_TASKS
from analytics.tasks import analytics_run_nightly_task
from khareetaty.celery import app as celery_app
from khareetaty.scheduling import periodic_task_specs, periodic_task_upsert


def test_the_nightly_chain_is_scheduled_at_two_in_kuwait_time(db, settings):
    spec = next(s for s in periodic_task_specs() if s.task == "analytics.run_nightly")
    assert spec in PERIODIC_TASKS
    task = periodic_task_upsert(spec)
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "2", "*")
    assert str(task.crontab.timezone) == "Asia/Kuwait" == settings.TIME_ZONE
    assert not task.queue  # the route decides: one place names queues
    assert celery_app.amqp.router.route({}, task.task)["queue"].name == "long"
    assert json.loads(task.kwargs) == {"profile": "kuwait"}
    assert analytics_run_nightly_task.name == spec.task
