from rest_framework import serializers

from khareetaty.audit.models import ActionLog


class ActionLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionLog
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_username",
            "actor_role",
            "action",
            "object_type",
            "object_id",
            "summary",
            "ip_address",
            "user_agent",
            "request_id",
            "entry_hash",
        ]
        read_only_fields = fields
