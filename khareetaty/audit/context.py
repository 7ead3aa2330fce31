"""Who is asking, carried from the request to the audit service without threading it through
every call. Celery tasks and commands have no request, so the defaults are blank."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""


current_request: ContextVar[RequestContext] = ContextVar(
    "khareetaty_request_context",
    default=RequestContext(),  # noqa: B039 — frozen dataclass
)
