"""The REST API and its OpenAPI schema."""

from khareetaty.env import env_int, env_str

# --- REST API --------------------------------------------------------------------------------
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "100/min")
# Most cells one /map/incidents answer may hold (under 64 bytes each); page data is limited
# at API_RATE_LIMIT too, counted apart from the API (khareetaty/pagedata.py).
MAP_LAYER_MAX_CELLS = env_int("MAP_LAYER_MAX_CELLS", 20_000)
# Most rows one incident export (CSV or GeoJSON) may hold; more answers 400 (narrow the filters).
INCIDENT_EXPORT_MAX_ROWS = env_int("INCIDENT_EXPORT_MAX_ROWS", 100_000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "khareetaty.accounts.tokens.RevocableJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["khareetaty.permissions.RoleAccess"],
    # JSON with bounded nesting: a body nested 10,000 levels answers 400, not 500.
    "DEFAULT_PARSER_CLASSES": [
        "khareetaty.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "khareetaty.throttling.UserRateLimit",
        "khareetaty.throttling.AnonymousRateLimit",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "khareetaty.schema.AutoSchema",
    "EXCEPTION_HANDLER": "khareetaty.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Khareetaty API",
    "DESCRIPTION": "Crime analytics and command API. Authenticate with POST /api/auth/login.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["khareetaty.permissions.RoleAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind": give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.choices.IncidentStatus",
        "BatchStatusEnum": "incidents.choices.BatchStatus",
        "RunStatusEnum": "analytics.choices.RunStatus",
        "RunKindEnum": "analytics.choices.RunKind",
        "AlertStatusEnum": "commands.choices.AlertStatus",
        "AlertEventKindEnum": "commands.choices.AlertEventKind",
        "RuleKindEnum": "commands.choices.RuleKind",
        "DeliveryStatusEnum": "commands.choices.DeliveryStatus",
        "TaskStatusEnum": "commands.choices.TaskStatus",
        "PlanStatusEnum": "patrol.choices.PlanStatus",
        "UnitStatusEnum": "patrol.choices.UnitStatus",
        "UnitKindEnum": "patrol.choices.UnitKind",
    },
}
