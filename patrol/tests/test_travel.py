"""The travel-time table: loaded from a CSV by the management command (audited, bad files
refused), and used by plan generation instead of the straight line."""

import pytest
from django.core.management import CommandError, call_command

from incidents.tests.factories import RegionFactory, square
from khareetaty.audit.models import ActionLog
from patrol.models import TravelTime
from patrol.services.plans import plan_generate
from patrol.tests.factories import ShiftFactory, capital, risk_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    return capital(), RegionFactory(profile="kuwait", code="hawalli", geom=square(48.1, 29.3, 0.05))


def _csv(tmp_path, text):
    path = tmp_path / "travel.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_command_loads_the_table_replacing_the_old_one_and_audits_it(regions, tmp_path):
    call_command(
        "load_patrol_travel", _csv(tmp_path, "from_region,to_region,minutes\ncapital,hawalli,25\n")
    )
    path = _csv(
        tmp_path,
        "from_region,to_region,minutes\ncapital,hawalli,30\nhawalli,capital,28\ncapital,capital,9\n",
    )
    call_command("load_patrol_travel", path, "--profile", "kuwait")
    table = {(t.origin.code, t.destination.code): t.minutes for t in TravelTime.objects.all()}
    assert table == {
        ("capital", "hawalli"): 30,
        ("hawalli", "capital"): 28,
        ("capital", "capital"): 9,
    }
    assert ActionLog.objects.filter(action="patrol_travel_load").count() == 2


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c\ncapital,hawalli,3\n",
        "from_region,to_region,minutes\ncapital,nowhere,3\n",
        "from_region,to_region,minutes\ncapital,hawalli,soon\n",
        "from_region,to_region,minutes\ncapital,hawalli,-4\n",
    ],
)
def test_a_bad_table_is_refused_and_the_loaded_one_kept(regions, tmp_path, text):
    call_command(
        "load_patrol_travel", _csv(tmp_path, "from_region,to_region,minutes\ncapital,hawalli,25\n")
    )
    with pytest.raises(CommandError):
        call_command("load_patrol_travel", _csv(tmp_path, text))
    assert TravelTime.objects.get().minutes == 25


def test_plan_generation_uses_the_loaded_times_within_the_region(regions, tmp_path):
    risk_map({(c, r): 1.0 + c + r for c in range(6) for r in range(6)})
    shift = ShiftFactory(patrol_minutes=120)
    shift.regions.set([regions[0]])
    call_command(
        "load_patrol_travel", _csv(tmp_path, "from_region,to_region,minutes\ncapital,capital,40\n")
    )
    plan = plan_generate(
        profile="kuwait", window_start=shift.start, window_end=shift.end, seed=1, work_limit=0.5
    )
    assert plan.parameters["travel_pairs"] == 1
    item = plan.items.first()
    # reaching a place (from the station or another place) takes 40 minutes now
    assert sum(len(i.windows) for i in plan.items.all()) <= 2
    assert item.planned_minutes <= 32
