"""The OpenAPI schema's error answers: every operation lists the errors it can give.

One ``Error`` component describes them (the shape ``khareetaty.exceptions`` renders):
``code`` and ``detail`` always, ``errors`` (field → messages) for invalid input. Which codes
an operation lists follows from the view: 400 always (an unreadable query or body), 401 where
the view authenticates (a bad token answers 401 even on public endpoints; sign-in answers 401
to bad credentials), 403 where the role policy is not public, 404 where the path names an
object or a list is paged, 409 on writes (an action that does not fit the object's state),
429 where the view is throttled. Unknown paths under ``/api/`` answer a JSON 404 too
(``api_not_found``).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework_simplejwt.views import TokenViewBase

from khareetaty.permissions import PUBLIC, allowed_roles

ERROR_DESCRIPTIONS = {
    "400": "Invalid or unreadable input.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but the role does not allow this.",
    "404": "No such object (or not visible to this user).",
    "409": "The object's state does not allow this action.",
    "429": "Too many requests; retry after the Retry-After seconds.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
YES_NO_DESCRIPTION = "true or false (1 or 0); any other value is ignored."


class ErrorSerializer(serializers.Serializer):
    """An error answer."""

    code = serializers.CharField(help_text="Stable, for programs.")
    detail = serializers.CharField(help_text="For people.")
    errors = serializers.JSONField(
        required=False,
        help_text="Invalid input: messages by field name (a list for a policy file).",
    )


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with each operation's error answers."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self._error_codes():
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": error}},
                    **self._error_headers(code),
                },
            )
        return responses

    def _get_filter_parameters(self):
        """As drf-spectacular's, but as django-filter reads them: a choice filter also
        takes "" (no filter), and a yes/no filter takes true/false (or 1/0) and ignores any
        other value, so ``?kind=`` and ``?national=maybe`` are valid requests."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "boolean":
                parameter["schema"] = {"type": "string", "example": "true"}
                parameter["description"] = " ".join(
                    (parameter.get("description", ""), YES_NO_DESCRIPTION)
                ).strip()
            enum = schema.get("enum") or schema.get("items", {}).get("enum")
            if enum is not None and "" not in enum:
                enum.append("")
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if self.view.authentication_classes or isinstance(self.view, TokenViewBase):
            codes.append("401")
        if allowed_roles(self.view, self.method) is not PUBLIC:
            codes.append("403")
        if "{" in self.path or (self.method == "GET" and self._is_list_view()):
            codes.append("404")  # no such object, or no such page of a list
        if self.method in WRITE_METHODS:
            codes.append("409")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    @staticmethod
    def _error_headers(code: str) -> dict:
        if code != "429":
            return {}
        return {
            "headers": {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before retrying.",
                }
            }
        }


def api_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404: JSON under ``/api/`` (as the schema documents), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return page_not_found(request, exception)
