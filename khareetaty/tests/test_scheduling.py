import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


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
