from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.models import User
from khareetaty.accounts.tokens import CredentialBoundRefreshToken


class UserOutputSerializer(serializers.ModelSerializer):
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


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = serializers.CharField(write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False)


class LoginInputSerializer(TokenObtainPairSerializer):
    """Username and password; the tokens it returns are bound to the user's credentials."""

    token_class = CredentialBoundRefreshToken


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()
