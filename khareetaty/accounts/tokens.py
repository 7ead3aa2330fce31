"""JWTs that die with the credentials they were issued on.

Each token carries ``cred``: the user's ``credentials_fingerprint`` (an HMAC over the password
hash, the role and ``token_version``). Access tokens are checked on every request and refresh
tokens on every rotation, so a password change by any path, a role change or
``user_tokens_revoke`` (deactivation, an admin's decision) ends every token the user holds.
"""

from django.contrib.auth import get_user_model
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token

CREDENTIALS_CLAIM = "cred"
REVOKED_MESSAGE = _("This token has been revoked. Sign in again.")


def token_matches_credentials(token: Token, user) -> bool:
    """True while ``user``'s password, role and token version are those ``token`` was issued on."""
    claim = token.get(CREDENTIALS_CLAIM)
    return isinstance(claim, str) and constant_time_compare(claim, user.credentials_fingerprint())


class CredentialBoundRefreshToken(RefreshToken):
    """A refresh token (and the access tokens made from it) bound to the user's credentials."""

    @classmethod
    def for_user(cls, user) -> "CredentialBoundRefreshToken":
        token = super().for_user(user)
        token[CREDENTIALS_CLAIM] = user.credentials_fingerprint()
        return token


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication, refusing a token whose credentials have changed since."""

    def get_user(self, validated_token: Token):
        user = super().get_user(validated_token)
        if not token_matches_credentials(validated_token, user):
            raise AuthenticationFailed(REVOKED_MESSAGE, code="token_revoked")
        return user


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of RevocableJWTAuthentication: a plain bearer JWT."""

    target_class = RevocableJWTAuthentication


class RevocableTokenRefreshSerializer(TokenRefreshSerializer):
    """Rotation refuses a revoked refresh token, or one whose user is gone or inactive."""

    def validate(self, attrs: dict) -> dict:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not user.is_active or not token_matches_credentials(refresh, user):
            raise AuthenticationFailed(REVOKED_MESSAGE, code="token_revoked")
        return super().validate(attrs)
