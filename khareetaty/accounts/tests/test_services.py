import pytest

from khareetaty.accounts.choices import Role
from khareetaty.accounts.services import user_set_language
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db


def test_language_choice_is_remembered_and_audited(make_user):
    user = make_user(Role.VIEWER, preferred_language="ar")
    user_set_language(user=user, language="en")
    user.refresh_from_db()
    assert user.preferred_language == "en"
    entry = ActionLog.objects.get(action="update", object_id=str(user.pk))
    assert entry.summary == {"preferred_language": ["ar", "en"]}


def test_choosing_the_same_language_writes_nothing(make_user):
    user = make_user(Role.VIEWER, preferred_language="ar")
    user_set_language(user=user, language="ar")
    assert not ActionLog.objects.filter(action="update", object_id=str(user.pk)).exists()
