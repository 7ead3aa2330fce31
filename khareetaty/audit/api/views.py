from rest_framework.viewsets import ReadOnlyModelViewSet

from khareetaty.audit.api.serializers import ActionLogSerializer
from khareetaty.audit.filters import ActionLogFilterSet
from khareetaty.audit.selectors import action_log_list
from khareetaty.permissions import SUPERADMIN_ONLY


class ActionLogViewSet(ReadOnlyModelViewSet):
    """The audit trail, newest first (superadmins only)."""

    role_access = SUPERADMIN_ONLY
    serializer_class = ActionLogSerializer
    filterset_class = ActionLogFilterSet

    def get_queryset(self):
        return action_log_list()
