"""Every URL of the site, for anonymous callers and every role, against its declared policy.

The API endpoints come from the OpenAPI generator; every other URL (pages, page data, the
admin, the schema and docs, health, readiness, metrics, sign-in) comes from walking the URL
configuration. A new URL is walked automatically, and one without a ``role_access``
declaration fails here before it can ship unguarded.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import SAFE_METHODS
from rest_framework.test import APIClient

from khareetaty.accounts.choices import Role
from khareetaty.permissions import PUBLIC, allowed_roles
from khareetaty.role_matrix import api_operations

pytestmark = pytest.mark.django_db

PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def api_endpoints() -> list[tuple[str, str, object]]:
    """(path, method, view instance) for every operation in the schema."""
    return api_operations()


ENDPOINTS = api_endpoints()
# A refusal, not an answer: an allowed role must never get these.
REFUSALS = {401, 403, 429}


def declared_client_errors() -> dict[tuple[str, str], set[int]]:
    """(path with its parameters blanked, method) → the 4xx answers the schema documents
    for that operation (less the refusals)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    declared = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation.get("responses", {}) if code[0] == "4"}
            declared[(PATH_PARAMETER.sub("{}", path), method.upper())] = codes - REFUSALS
    return declared


DECLARED_CLIENT_ERRORS = declared_client_errors()


def answered(status: int, client_errors: set[int]) -> bool:
    """What an allowed caller may get for the matrix's sample request (an empty body, the
    id 999999 that does not exist): success, or a client error the operation documents;
    never a refusal, never a server error."""
    return 200 <= status < 400 or status in client_errors


def call(client: APIClient, method: str, path: str):
    url = PATH_PARAMETER.sub("999999", path)
    return getattr(client, method.lower())(url, {}, format="json")


def test_the_schema_lists_the_core_endpoints():
    paths = {path for path, _method, _view in ENDPOINTS}
    assert {"/api/auth/login", "/api/auth/me", "/api/audit/", "/api/audit/{pk}/"} <= paths


def test_every_endpoint_declares_its_role_policy():
    undeclared = [
        f"{method} {path} ({type(view).__name__})"
        for path, method, view in ENDPOINTS
        if allowed_roles(view, method) is None
    ]
    assert not undeclared, "Endpoints without role_access: " + ", ".join(undeclared)


@pytest.mark.parametrize(
    ("path", "method", "view"), ENDPOINTS, ids=[f"{m} {p}" for p, m, _ in ENDPOINTS]
)
def test_endpoint_enforces_its_policy_for_every_role(path, method, view, make_user, settings):
    settings.API_RATE_LIMIT = "100000/min"
    allowed = allowed_roles(view, method)
    client_errors = DECLARED_CLIENT_ERRORS.get((PATH_PARAMETER.sub("{}", path), method), set())
    anonymous = call(APIClient(), method, path)
    if allowed is PUBLIC:
        assert anonymous.status_code not in (401, 403), anonymous.content
        return
    assert anonymous.status_code == 401, f"anonymous {method} {path}: {anonymous.status_code}"
    for role in Role.values:
        client = APIClient()
        client.force_authenticate(make_user(role))
        response = call(client, method, path)
        status = response.status_code
        if role in allowed:
            assert answered(status, client_errors), (
                f"{role} {method} {path}: {status} is neither success nor a documented "
                f"client error {sorted(client_errors)}: {response.content[:300]!r}"
            )
        else:
            assert status == 403, f"{role} {method} {path} allowed ({status})"


# --- every other URL of the site ---------------------------------------------------------

ROUTE_ARGUMENT = re.compile(r"<(?:(\w+):)?\w+>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>([^()]*)\)")
SAMPLE_VALUES = ("999999", "x")


def _sample_route(route: str) -> str:
    return ROUTE_ARGUMENT.sub(
        lambda m: "x" if m.group(1) in ("str", "slug", "uuid") else "999999", route
    )


def _sample_regex(regex: str) -> str:
    def sample(match: re.Match) -> str:
        group = match.group(1)
        if re.fullmatch(r"[\w|]+", group):  # alternatives such as app labels: take the first
            return group.split("|")[0]
        return next(v for v in SAMPLE_VALUES if re.fullmatch(group, v))

    path = REGEX_GROUP.sub(sample, regex)
    return path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")


def _walk(patterns, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for pattern in patterns:
        raw = str(pattern.pattern)
        part = _sample_regex(raw) if raw.startswith("^") or "(?P" in raw else _sample_route(raw)
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + part)
        elif isinstance(pattern, URLPattern):
            found.append(("/" + prefix + part, pattern.callback))
    return found


def _view(callback, method: str):
    """What carries the policy: a DRF view instance (with its action) or the view function."""
    if not hasattr(callback, "cls"):
        return callback
    view = callback.cls(**getattr(callback, "initkwargs", {}) or {})
    actions = getattr(callback, "actions", None)
    if actions:
        view.action_map = actions
        view.action = actions.get(method.lower())
    return view


def _methods(callback) -> list[str]:
    """The methods to walk: a DRF view's handlers; GET for a plain view, and POST where its
    policy treats writes differently."""
    if hasattr(callback, "cls"):
        actions = getattr(callback, "actions", None)
        names = [m for m in callback.cls.http_method_names if not actions or m in actions]
        handled = [m.upper() for m in names if m not in ("head", "options", "trace")]
        if not actions:
            handled = [m for m in handled if hasattr(callback.cls, m.lower())]
        return handled
    # A plain view's guard is the same for every method: POST is walked too only where the
    # policy gives writes other roles than reads.
    policy = getattr(callback, "role_access", None) or {}
    reads = allowed_roles(callback, "GET")
    writes = {roles for key, roles in policy.items() if key not in {*SAFE_METHODS, "read"}}
    return ["GET", "POST"] if writes - {reads} else ["GET"]


def site_urls() -> list[tuple[str, str, object]]:
    """(path, method, callback) for every URL pattern outside the OpenAPI schema."""
    in_schema = {(PATH_PARAMETER.sub("999999", path), method) for path, method, _ in ENDPOINTS}
    urls = []
    for path, callback in _walk(get_resolver().url_patterns):
        for method in _methods(callback):
            if (path, method) not in in_schema:
                urls.append((path, method, callback))
    return urls


SITE_URLS = site_urls()


def test_the_walk_reaches_pages_page_data_admin_and_operations():
    paths = {path for path, _method, _callback in SITE_URLS} | {
        PATH_PARAMETER.sub("999999", path) for path, _method, _view in ENDPOINTS
    }
    expected = {
        "/dashboard/",
        "/analytics/",
        "/field/",
        "/field/tasks/999999/",
        "/map/incidents",
        "/map/daily",
        "/api/regions/",
        "/admin/",
        "/admin/login/",
        "/admin/accounts/user/",
        "/api/docs/",
        "/api/schema/",
        "/metrics",
        "/readyz",
        "/healthz",
        "/accounts/login/",
    }
    assert expected <= paths, expected - paths
    for path, _method, callback in SITE_URLS:
        assert resolve(urlsplit(path).path).func is callback, path


def test_every_url_declares_its_role_policy():
    undeclared = [
        f"{method} {path}"
        for path, method, callback in SITE_URLS
        if allowed_roles(_view(callback, method), method) is None
    ]
    assert not undeclared, "URLs without role_access: " + ", ".join(undeclared)


LOGIN_PATHS = (reverse(settings.LOGIN_URL), "/admin/login/")
# The client errors a page or page-data URL may answer the walk's sample request: 400 (no
# or bad parameters), 404 (the sample id 999999 does not exist), 405 (a POST-only view
# walked with GET, or the reverse).
PAGE_CLIENT_ERRORS = {400, 404, 405}
# Admin views that answer 403 to anyone, superadmins included, without the right query.
ADMIN_OWN_REFUSALS = {"autocomplete"}


def _admin_refuses_itself(path: str, method: str, user) -> bool:
    """Whether the admin's own rules (a read-only model, a bad query) refuse a superadmin
    here: a refusal that is not the role policy's."""
    match = resolve(path)
    if match.app_name != "admin":
        return False
    if match.url_name in ADMIN_OWN_REFUSALS:
        return True
    request = RequestFactory().generic(method, path)
    request.user = user
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if (match.url_name or "").startswith(prefix):
            action = match.url_name.removeprefix(prefix)
            if action == "add":
                return not model_admin.has_add_permission(request)
            if action == "delete":
                return not model_admin.has_delete_permission(request)
            if action == "change" and method == "POST":
                return not model_admin.has_change_permission(request)
    return False


def _page_call(method: str, path: str, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return getattr(client, method.lower())(path)


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PATHS)


@pytest.mark.parametrize(
    ("path", "method", "callback"), SITE_URLS, ids=[f"{m} {p}" for p, m, _ in SITE_URLS]
)
def test_url_enforces_its_policy_for_every_role(path, method, callback, make_user, settings):
    settings.API_RATE_LIMIT = "100000/min"
    allowed = allowed_roles(_view(callback, method), method)
    anonymous = _page_call(method, path)
    if allowed is PUBLIC:
        assert anonymous.status_code not in (401, 403), f"anonymous {method} {path}"
        return
    assert anonymous.status_code == 401 or _sent_to_sign_in(anonymous), (
        f"anonymous {method} {path}: {anonymous.status_code}"
    )
    for role in Role.values:
        response = _page_call(method, path, make_user(role))
        if role in allowed:
            refused = response.status_code in (401, 403) or _sent_to_sign_in(response)
            if response.status_code == 403 and _admin_refuses_itself(
                path, method, response.wsgi_request.user
            ):
                refused = False
            assert not refused, f"{role} {method} {path} refused ({response.status_code})"
            assert answered(response.status_code, PAGE_CLIENT_ERRORS) or (
                response.status_code == 403 and not refused
            ), f"{role} {method} {path}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{role} {method} {path} allowed"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST, Role.FIELD_SUPERVISOR])
def test_signed_in_non_superadmins_get_403_from_the_admin_not_its_sign_in_form(
    client, make_user, role
):
    client.force_login(make_user(role))
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/login/").status_code == 403


def test_field_supervisors_get_only_what_the_field_view_needs(client, make_user):
    client.force_login(make_user(Role.FIELD_SUPERVISOR))
    for refused in ("/map/incidents", "/map/daily", "/dashboard/", "/analytics/"):
        assert client.get(refused).status_code == 403, refused
    for allowed in ("/field/", "/field/tasks/1/", "/api/regions/"):
        assert client.get(allowed).status_code == 200, allowed
