import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from psycopg_pool import PoolTimeout

from khareetaty.operability import READINESS_SCOPES, internal_caller, readiness_report
from khareetaty.permissions import PUBLIC

BUSY_RETRY_AFTER_SECONDS = 5


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready or not, for anyone; which dependency failed and why, for internal callers only.
    ``?scope=web`` checks only what a web replica needs (the Kubernetes readiness probe)."""
    scope = request.GET.get("scope", "system")
    if scope not in READINESS_SCOPES:
        return JsonResponse(
            {"detail": f"Unknown scope; use one of: {', '.join(READINESS_SCOPES)}."}, status=400
        )
    ready, checks = readiness_report(scope)
    status = 200 if ready else 503
    if not internal_caller(request):
        return JsonResponse({"status": "ok" if ready else "unavailable"}, status=status)
    return JsonResponse({"status": "ok" if ready else "error", "checks": checks}, status=status)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not internal_caller(request):
        return HttpResponseForbidden("Metrics are available to the internal network only.")
    return ExportToDjangoView(request)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: public, like the documentation partners integrate against."""

    role_access = {"GET": PUBLIC}


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI served from local assets (drf-spectacular-sidecar), no CDN; its start-up
    script is a separate request (``?script``) and its styles a file, so the page needs no
    inline script or style (CSP)."""

    template_name = "api/swagger_ui.html"

    role_access = {"GET": PUBLIC}


def _database_pool_exhausted(exc: BaseException | None) -> bool:
    """Every pooled connection stayed busy past ``DB_POOL_TIMEOUT`` (psycopg_pool's
    ``PoolTimeout``, which Django wraps in its ``OperationalError``)."""
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, PoolTimeout)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except when the database pool is exhausted: that is overload,
    not a bug, so the caller gets 503 and ``Retry-After`` (Django calls this handler inside
    its ``except`` block, so the exception is the one being handled)."""
    if not _database_pool_exhausted(sys.exc_info()[1]):
        return defaults.server_error(request)
    body = {"code": "busy", "detail": "The service is busy; try again shortly."}
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response
