"""The API's role matrix (who may call what), read from each view's ``role_access`` through
the OpenAPI endpoint list: the same source the role-matrix test walks. ``manage.py
role_matrix`` prints it as Markdown for docs/security.md."""

from drf_spectacular.generators import EndpointEnumerator
from rest_framework.permissions import SAFE_METHODS

from khareetaty.accounts.choices import Role
from khareetaty.permissions import PUBLIC, allowed_roles

ROLE_ORDER = [Role.VIEWER, Role.FIELD_SUPERVISOR, Role.ANALYST, Role.SUPERADMIN]
START = "<!-- role-matrix:start (manage.py role_matrix --write docs/security.md) -->"
END = "<!-- role-matrix:end -->"


def api_operations() -> list[tuple[str, str, object]]:
    """(path, method, view instance) for every operation under ``/api/`` in the schema."""
    operations = []
    for raw_path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        path = raw_path.replace("?", "")
        if not path.startswith("/api/"):
            continue
        view = callback.cls(**getattr(callback, "initkwargs", {}) or {})
        actions = getattr(callback, "actions", None)
        if actions:
            view.action_map = actions
            view.action = actions.get(method.lower())
        operations.append((path, method, view))
    return operations


def key_scope(view, method: str) -> str:
    """The API-key scope a view declares for ``method`` (``scope_access``, the same shape as
    ``role_access``; the interop endpoints), or "" for views keys cannot call."""
    policy = getattr(view, "scope_access", None) or {}
    action = getattr(view, "action", None)
    if action and action in policy:
        return str(policy[action])
    if method.upper() in policy:
        return str(policy[method.upper()])
    return str(policy.get("read" if method.upper() in SAFE_METHODS else "write", ""))


def role_matrix_rows() -> list[tuple[str, str, frozenset[str] | None]]:
    """(method, path, allowed roles) for every API operation, sorted by path then method."""
    rows = [(method, path, allowed_roles(view, method)) for path, method, view in api_operations()]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def role_matrix_markdown() -> str:
    header = ["Operation", "anonymous", *[str(role) for role in ROLE_ORDER], "API key scope"]
    views = {(path, method): view for path, method, view in api_operations()}
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method, path, allowed in role_matrix_rows():
        allowed = allowed or frozenset()
        cells = ["yes" if allowed is PUBLIC else "-"]
        cells += ["yes" if allowed is PUBLIC or role in allowed else "-" for role in ROLE_ORDER]
        cells.append(f"`{scope}`" if (scope := key_scope(views[(path, method)], method)) else "-")
        lines.append(f"| `{method} {path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def document_with_matrix(document: str) -> str:
    """``document`` with the text between the role-matrix markers replaced by the matrix."""
    before, rest = document.split(START, 1)
    _old, after = rest.split(END, 1)
    return f"{before}{START}\n{role_matrix_markdown()}{END}{after}"
