from django.contrib.auth.models import update_last_login
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenObtainSerializer
from rest_framework_simplejwt.settings import api_settings

from khareetaty.accounts.choices import Language, Role
from khareetaty.accounts.models import User
from khareetaty.accounts.otp import login_otp_check
from khareetaty.accounts.tokens import CredentialBoundRefreshToken


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


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = serializers.CharField(write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False)


class LoginInputSerializer(TokenObtainPairSerializer):
    """Username, password and, for a superadmin who needs one, the one-time ``otp`` code.

    The tokens it returns are bound to the user's credentials."""

    token_class = CredentialBoundRefreshToken

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["otp"] = serializers.CharField(
            write_only=True,
            required=False,
            allow_blank=True,
            max_length=10,
            help_text="The code from the authenticator app: superadmins with two-factor sign-in.",
        )

    def validate(self, attrs: dict) -> dict:
        TokenObtainSerializer.validate(self, attrs)  # authenticates, sets self.user
        login_otp_check(
            user=self.user, token=attrs.get("otp", ""), request=self.context.get("request")
        )
        refresh = self.get_token(self.user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class LogoutInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()
