"""Management commands: every scheduled job can also be run by hand."""

import io

import pytest
from django.core.management import CommandError, call_command

from commands.models import EscalationPolicyVersion
from commands.tests.conftest import POLICY, write_policy

pytestmark = pytest.mark.django_db


def test_escalation_policy_command_checks_and_reloads(settings, tmp_path):
    write_policy(settings, tmp_path, POLICY)
    out = io.StringIO()
    call_command("escalation_policy", stdout=out)
    assert "Valid" in out.getvalue()
    assert not EscalationPolicyVersion.objects.exists()

    call_command("escalation_policy", "--reload", stdout=out)
    assert EscalationPolicyVersion.objects.count() == 1


def test_escalation_policy_command_reports_line_and_field(settings, tmp_path):
    write_policy(settings, tmp_path, POLICY.replace("channels: [email]", "channels: [fax]"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("escalation_policy", stderr=err)
    assert (
        "line 22: severities.medium.steps[0].channels[0]: unknown channel 'fax'" in err.getvalue()
    )


def test_escalation_tick_command_runs(policy_file):
    out = io.StringIO()
    call_command("escalation_tick", stdout=out)
    assert "Escalation steps fired: 0" in out.getvalue()
