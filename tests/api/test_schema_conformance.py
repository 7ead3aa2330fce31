"""The OpenAPI schema describes what the server does: Schemathesis, every check, every role.

For each role (and anonymous callers) every operation of the schema is called over HTTP on
the live test server with data generated from the schema, valid and invalid, and every
response is judged by all of Schemathesis's checks (``--checks all``): no 5xx, status codes,
content types, headers and bodies as documented, invalid input refused, valid input
accepted, authentication not ignored.

One setting differs from the defaults: ``positive_data_acceptance`` also accepts 400.
"Valid by the schema" cannot say which ids exist (a filter or body naming an unknown
region, rule or user answers 400 "Select a valid choice"), nor express the password policy
or rules across fields (a task needs an assignee user or team; a batch a file or records),
so such answers are correct. Every other check runs as shipped.

Bounded and deterministic: ``MAX_EXAMPLES`` per operation and mode, a derandomized
Hypothesis (fixed seed, no example database), no shrinking. Nothing is excluded: writes and
deletes run in a throwaway test database; queued Celery tasks are purged at the end.
"""

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup

from commands.tests.factories import AlertRuleFactory, TaskFactory, TeamFactory
from incidents.tests.factories import CategoryFactory, IncidentFactory, RegionFactory
from khareetaty.accounts.choices import Role
from khareetaty.celery import app as celery_app

# Examples per operation. Superadmins pass every role check, so their calls reach input
# validation: they run valid and invalid data. Other roles run valid data (their calls stop
# at 401/403 or reach the same validation as a superadmin's).
MAX_EXAMPLES = {"superadmin": 4, "other": 2}
ROLES = [None, *Role.values]  # None: anonymous
JSON = "application/json"
# Operations with nothing that can be invalid: their one input is a free-form token.
NOTHING_INVALID = {"GET /api/commands/ack/{token}", "POST /api/commands/ack/{token}"}

load_all_checks()
ALL_CHECKS = CHECKS.get_all()
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)


def api_schema() -> dict:
    """The schema as served at /api/schema/ (generated in process: no network)."""
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def world(transactional_db, make_user):
    region = RegionFactory(code="KW-KU")
    theft = CategoryFactory(code="theft")
    IncidentFactory(category=theft, region=region)
    analyst = make_user(Role.ANALYST)
    team = TeamFactory()
    TaskFactory(assignee_user=analyst, created_by=analyst)
    AlertRuleFactory()
    return team


def _headers(make_user, role: str | None) -> dict[str, str]:
    if role is None:
        return {}
    token = RefreshToken.for_user(make_user(role)).access_token
    return {"Authorization": f"Bearer {token}"}


def json_bodies_only(schema: dict) -> dict:
    """The schema with request bodies as JSON wherever the operation takes JSON. Invalid
    bodies are sent so: a form encoding cannot carry some generated values (an array, a
    bare number: they arrive as an empty form, which is valid, yet counted as invalid)."""
    for operation in (op for path in schema["paths"].values() for op in path.values()):
        content = operation.get("requestBody", {}).get("content", {})
        if JSON in content:
            operation["requestBody"]["content"] = {JSON: content[JSON]}
    return schema


def _exercise(operation, mode, examples: int, base_url: str, headers: dict) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=base_url, headers=headers)
        case.validate_response(response, checks=ALL_CHECKS, headers=headers)

    run()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return str(exc) + "\n" + "\n".join(_describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_every_operation_conforms_to_the_schema(role, world, live_server, make_user, settings):
    settings.API_RATE_LIMIT = "1000000/min"
    schemas = {GenerationMode.POSITIVE: schemathesis.openapi.from_dict(api_schema(), config=CONFIG)}
    if role == Role.SUPERADMIN:
        negative = json_bodies_only(api_schema())
        schemas[GenerationMode.NEGATIVE] = schemathesis.openapi.from_dict(negative, config=CONFIG)
    headers = _headers(make_user, role)
    examples = MAX_EXAMPLES["superadmin" if role == Role.SUPERADMIN else "other"]
    failures, unsatisfiable = [], set()
    try:
        for mode, schema in schemas.items():
            for result in schema.get_all_operations():
                operation = result.ok()
                try:
                    _exercise(operation, mode, examples, live_server.url, headers)
                except Unsatisfiable:
                    unsatisfiable.add(operation.label)
                except (Exception, FailureGroup) as exc:  # noqa: BLE001 — collect them all
                    failures.append(f"--- {operation.label} ({mode}):\n{_describe(exc)}")
    finally:
        celery_app.control.purge()
    assert not failures, f"{len(failures)} failing:\n" + "\n".join(failures)
    assert unsatisfiable <= NOTHING_INVALID, unsatisfiable
