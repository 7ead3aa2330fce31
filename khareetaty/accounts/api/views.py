from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from khareetaty.accounts.api.serializers import (
    LoginInputSerializer,
    LogoutInputSerializer,
    PasswordChangeInputSerializer,
    UserCreateInputSerializer,
    UserOutputSerializer,
)
from khareetaty.accounts.lockout import lockout_response
from khareetaty.accounts.services import user_create, user_set_password
from khareetaty.accounts.tokens import RevocableTokenRefreshSerializer
from khareetaty.api_actions import validated_input
from khareetaty.audit.services import audit_record
from khareetaty.exceptions import ApplicationError
from khareetaty.permissions import ANY_ROLE, PUBLIC, SUPERADMINS
from khareetaty.throttling import SIGN_IN_THROTTLES, SignInFailureLimit


class LoginView(TokenObtainPairView):
    """Exchange username and password for an access token (8 h) and a refresh token."""

    role_access = {"POST": PUBLIC}
    serializer_class = LoginInputSerializer
    throttle_classes = [*APIView.throttle_classes, *SIGN_IN_THROTTLES]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except AuthenticationFailed as exc:
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            # One message for a wrong username and a wrong password alike.
            raise AuthenticationFailed(_("Invalid username or password.")) from exc
        user_logged_in.send(sender=type(serializer.user), request=request, user=serializer.user)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class RefreshView(TokenRefreshView):
    """Rotate a refresh token: the old one is blacklisted and a new pair is returned.

    Refused once the user's password or role changed or their tokens were revoked."""

    role_access = {"POST": PUBLIC}
    serializer_class = RevocableTokenRefreshSerializer


class LogoutView(APIView):
    """Blacklist the given refresh token so it can never be used again."""

    role_access = {"POST": ANY_ROLE}

    @extend_schema(request=LogoutInputSerializer, responses={204: None})
    def post(self, request):
        v = validated_input(LogoutInputSerializer, request)
        try:
            token = RefreshToken(v["refresh"])
        except TokenError as exc:
            raise ApplicationError(str(exc)) from exc
        if str(token.get("user_id")) != str(request.user.pk):
            raise ApplicationError("This refresh token belongs to another user.")
        token.blacklist()
        audit_record(action="logout", actor=request.user, obj=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change one's own password. Every token and session of the user ends, this one too:
    sign in again with the new password."""

    role_access = {"POST": ANY_ROLE}
    throttle_classes = [*APIView.throttle_classes, SignInFailureLimit]

    @extend_schema(request=PasswordChangeInputSerializer, responses={204: None})
    def post(self, request):
        v = validated_input(PasswordChangeInputSerializer, request)
        if not request.user.check_password(v["current_password"]):
            SignInFailureLimit.record_failure(request)
            raise ValidationError({"current_password": [_("The current password is wrong.")]})
        user_set_password(
            user=request.user,
            password=v["new_password"],
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user's profile."""

    role_access = {"GET": ANY_ROLE}

    @extend_schema(responses=UserOutputSerializer)
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)


class UserCreateView(APIView):
    """Create a user (superadmins only)."""

    role_access = {"POST": SUPERADMINS}

    @extend_schema(request=UserCreateInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        user = user_create(
            **validated_input(UserCreateInputSerializer, request), actor=request.user
        )
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)
