from rest_framework import serializers

from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.models import User


class UserOutputSerializer(serializers.ModelSerializer):
    # Not an EmailField: the schema would then say "format: email", and it may be empty.
    email = serializers.CharField(read_only=True, help_text="Email address, or empty.")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "phone_number",
            "preferred_language",
            "notification_channels",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UserCreateInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    first_name = serializers.CharField(required=False, allow_blank=True, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, default="")
    phone_number = serializers.CharField(required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=Language.choices, default=Language.ARABIC)


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()
