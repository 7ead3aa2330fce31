from django.db.models import QuerySet

from khareetaty.audit.models import ActionLog


def action_log_list() -> QuerySet[ActionLog]:
    return ActionLog.objects.order_by("-id")
