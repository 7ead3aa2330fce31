"""Every interop endpoint by every scope: a key gets in only with the scope the endpoint
declares, and no endpoint is left without one (the interop part of the role matrix)."""

import re

import pytest

from interop.auth import ANY_SCOPE, KEY_ONLY, required_scope
from interop.choices import Scope
from interop.tests.conftest import key_client
from khareetaty.role_matrix import api_operations

pytestmark = pytest.mark.django_db

PATH_PARAMETER = re.compile(r"\{[^}]+\}")
ENDPOINTS = [op for op in api_operations() if op[0].startswith("/api/interop/v1/")]


def test_the_matrix_covers_every_partner_endpoint():
    paths = {(method, path) for path, method, _view in ENDPOINTS}
    assert {
        ("GET", "/api/interop/v1/incidents"),
        ("POST", "/api/interop/v1/incidents"),
        ("GET", "/api/interop/v1/hotspots"),
        ("GET", "/api/interop/v1/forecasts"),
        ("GET", "/api/interop/v1/alerts"),
        ("GET", "/api/interop/v1/me"),
        ("POST", "/api/interop/v1/events"),
        ("PUT", "/api/interop/v1/subscription"),
    } <= paths


def test_every_partner_endpoint_declares_a_scope_and_no_staff_role():
    for path, method, view in ENDPOINTS:
        assert required_scope(view, method) in {*Scope.values, ANY_SCOPE}, (method, path)
        assert view.role_access == KEY_ONLY, (method, path)


@pytest.mark.parametrize(
    ("path", "method", "view"), ENDPOINTS, ids=[f"{m} {p}" for p, m, _ in ENDPOINTS]
)
def test_endpoint_admits_only_its_scope(path, method, view, make_account):
    url = PATH_PARAMETER.sub("999999", path)
    required = required_scope(view, method)
    anonymous = key_client("").generic(method, url)
    assert anonymous.status_code == 401
    for scope in Scope.values:
        _account, secret = make_account(scopes=[scope])
        response = getattr(key_client(secret), method.lower())(url, {}, format="json")
        if required in (scope, ANY_SCOPE):
            assert response.status_code not in (401, 403), (scope, method, path, response.content)
        else:
            assert response.status_code == 403, (scope, method, path, response.status_code)
    _account, none = make_account(scopes=[])
    status = getattr(key_client(none), method.lower())(url, {}, format="json").status_code
    assert status == (200 if required == ANY_SCOPE else 403), (method, path, status)
