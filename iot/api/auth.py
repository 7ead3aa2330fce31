"""Device authentication for the HTTPS door: ``Authorization: Api-Key <key>``."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from iot.services.devices import KeyOwner, device_for_key
from khareetaty.permissions import RoleAccess, allowed_roles

# The policy entry of an endpoint devices call with their key (no user role reaches it).
DEVICES = frozenset({"__device_key__"})


class DeviceKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != self.keyword:
            return None  # not a device: the other authenticators decide
        owner = device_for_key(key.strip())
        if owner is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired device key.")
        return AnonymousUser(), owner

    def authenticate_header(self, request) -> str:
        return self.keyword


class DeviceKeyOrRole(BasePermission):
    """A device key where the policy says ``DEVICES``; the role policy everywhere else."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, KeyOwner):
            return allowed_roles(view, request.method) is DEVICES
        return RoleAccess().has_permission(request, view)


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = DeviceKeyAuthentication
    name = "DeviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Api-Key <the device's key>",
        }
