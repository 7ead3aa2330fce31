"""Domain errors and the one DRF handler that renders them and every other API error."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

# Errors that input parsing raises (``int("²")``, a decoder's recursion limit, a date out of
# range): whatever code let one escape, the caller sent something unreadable, so it is a
# 400, logged with its traceback so the missing validation can be added where it belongs.
# DRF rolls back the request's transaction for a handled error, so nothing half-written stays.
# PostgreSQL's DataError is the same for values only the database checks (a NUL byte in a
# text field, a time-zone offset beyond ±15:59).
UNREADABLE_INPUT = (ValueError, RecursionError, OverflowError, DataError)


class ApplicationError(Exception):
    """A domain rule said no. ``code`` is stable for clients; ``message`` is for people."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "application_error"

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotConfigured(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_configured"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def api_exception_handler(exc, context):
    """Render errors as ``{"code", "detail", "errors"?}``; field errors keep DRF's shape."""
    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "detail": exc.message, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, UNREADABLE_INPUT):
        logger.warning("Unreadable input reached %s", _view_name(context), exc_info=exc)
        body = {"code": "unreadable_input", "detail": "The request could not be read."}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": "Invalid input.", "errors": response.data}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data.setdefault("code", getattr(exc, "default_code", "error"))
    return response


def _view_name(context) -> str:
    view = context.get("view") if context else None
    return type(view).__name__ if view is not None else "a view"
