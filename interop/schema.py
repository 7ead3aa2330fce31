"""How the OpenAPI schema describes API-key authentication (the interop endpoints)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ServiceAccountKeyScheme(OpenApiAuthenticationExtension):
    target_class = "interop.auth.ServiceAccountKeyAuthentication"
    name = "InteropApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`: a key of an agency's service account.",
        }
