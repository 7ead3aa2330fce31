"""Every API endpoint, for anonymous callers and every role, against its declared policy.

The endpoints come from the OpenAPI generator, so a new endpoint is walked automatically;
one without a ``role_access`` declaration fails here before it can ship unguarded.
"""

import re

import pytest
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient

from khareetaty.accounts.choices import Role
from khareetaty.permissions import PUBLIC, allowed_roles

pytestmark = pytest.mark.django_db

PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def api_endpoints() -> list[tuple[str, str, object]]:
    """(path, method, view instance) for every operation in the schema."""
    endpoints = []
    for raw_path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        path = raw_path.replace("?", "")
        if not path.startswith("/api/"):
            continue
        view = callback.cls(**getattr(callback, "initkwargs", {}) or {})
        actions = getattr(callback, "actions", None)
        if actions:
            view.action_map = actions
            view.action = actions.get(method.lower())
        endpoints.append((path, method, view))
    return endpoints


ENDPOINTS = api_endpoints()


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
    anonymous = call(APIClient(), method, path)
    if allowed is PUBLIC:
        assert anonymous.status_code not in (401, 403), anonymous.content
        return
    assert anonymous.status_code == 401, f"anonymous {method} {path}: {anonymous.status_code}"
    for role in Role.values:
        client = APIClient()
        client.force_authenticate(make_user(role))
        status = call(client, method, path).status_code
        if role in allowed:
            assert status not in (401, 403), f"{role} {method} {path} refused ({status})"
        else:
            assert status == 403, f"{role} {method} {path} allowed ({status})"
