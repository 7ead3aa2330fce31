"""The page shell: what every server-rendered page gives its scripts, in one place.

A page view calls ``render_page``; the template (``base.html``) renders the result of
``page_config`` once with ``json_script`` as ``kh-config`` and loads the JavaScript catalogue
(``js_catalog``) before the page's modules. The config holds:

- ``lang``/``rtl``: the user's remembered language (``user_language`` activates it);
- ``timeZone``: the time zone of the source profile the deployment serves (the provider is
  registered by the incidents app; ``settings.TIME_ZONE`` until then);
- ``urls``: every data URL the scripts call, built with ``reverse()`` once per process from
  the names the apps register (``page_urls_register``); a detail URL holds ``{id}``;
  a name this deployment does not route is left out, and the scripts show "not available";
- ``user``, ``canAct``, ``canUpdateTasks``: who is looking and what the page offers them;
- ``labels``: the translated labels of the choices the page shows, by value;
- anything page-specific passed as ``extra``.

Words the scripts show come from Django's JavaScript catalogue (``djangojs`` domain,
``locale/<lang>/LC_MESSAGES/djangojs.po``), never from per-page dictionaries.
"""

from collections.abc import Callable, Mapping
from functools import cache, wraps
from typing import Any

from django.conf import settings
from django.db.models import Choices
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.i18n import JavaScriptCatalog

from khareetaty.permissions import ANALYSTS

# Roles the pages offer actions to (the API decides; the page only hides what it refuses).
ACTING_ROLES = ANALYSTS

# A stand-in id reversed into detail URLs, replaced by "{id}" for the scripts to fill in.
_ID = 2147483647

# Name in the page config -> URL name; "{id}" after the name marks a detail URL.
_URL_NAMES: dict[str, str] = {}
# Page name -> static paths of ES modules apps add to it (e.g. a dashboard map layer).
_MODULES: dict[str, list[str]] = {}
_profile_provider: Callable[[], tuple[str, str]] | None = None


def page_urls_register(urls: Mapping[str, str]) -> None:
    """Offer URLs to the page scripts: ``{"alerts": "commands_api:alert-list",
    "alert": "commands_api:alert-detail {id}"}``. Called from an ``AppConfig.ready()``."""
    _URL_NAMES.update(urls)
    page_urls.cache_clear()


def page_module_register(page: str, module: str) -> None:
    """Add an ES module (a static path such as ``"iot/js/sensors-layer.js"``) to a page:
    the dashboard imports each one as a map layer. Called from an ``AppConfig.ready()``."""
    modules = _MODULES.setdefault(page, [])
    if module not in modules:
        modules.append(module)


def page_modules(page: str) -> list[str]:
    """The URLs of the modules apps added to ``page``."""
    return [static(module) for module in _MODULES.get(page, [])]


def page_profile_register(provider: Callable[[], tuple[str, str]]) -> None:
    """Set where pages get the served source profile from: ``() -> (name, time zone)``
    (registered by the incidents app)."""
    global _profile_provider  # one registration at start-up
    _profile_provider = provider


def page_profile() -> tuple[str | None, str]:
    """The served profile's name and time zone (``settings.TIME_ZONE`` without a provider)."""
    return _profile_provider() if _profile_provider else (None, settings.TIME_ZONE)


def _reverse(spec: str) -> str | None:
    name, _, arg = spec.partition(" ")
    try:
        url = reverse(name, args=[_ID] if arg else None)
    except NoReverseMatch:
        return None
    return url.replace(str(_ID), "{id}")


@cache
def page_urls() -> dict[str, str]:
    """Every registered URL this deployment routes, reversed once per process."""
    urls = {key: _reverse(spec) for key, spec in _URL_NAMES.items()}
    return {key: url for key, url in urls.items() if url is not None}


def choice_labels(choices: Mapping[str, type[Choices]]) -> dict[str, dict[str, str]]:
    """``{"severity": {"high": "High", ...}}`` in the active language."""
    return {
        name: {str(value): str(label) for value, label in kind.choices}
        for name, kind in choices.items()
    }


def page_config(
    request: HttpRequest,
    *,
    labels: Mapping[str, type[Choices]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Settings the page scripts need, rendered once with ``json_script``."""
    user = request.user
    profile, time_zone = page_profile()
    return {
        "lang": translation.get_language(),
        "rtl": translation.get_language_bidi(),
        "profile": profile,
        "timeZone": time_zone,
        "user": {"id": user.pk, "username": user.get_username(), "role": user.role},
        "canAct": user.role in ACTING_ROLES,
        "urls": {"login": resolve_url(settings.LOGIN_URL), **page_urls()},
        "labels": choice_labels(labels or {}),
        **extra,
    }


def render_page(
    request: HttpRequest,
    template: str,
    *,
    config: Mapping[str, Any] | None = None,
    labels: Mapping[str, type[Choices]] | None = None,
    context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """Render a page with the shell's config (``config`` adds page-specific keys)."""
    shell = page_config(request, labels=labels, **(config or {}))
    return render(
        request,
        template,
        {"config": shell, "can_act": shell["canAct"], **(context or {})},
    )


def use_user_language(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Remember the user's language in the cookie LocaleMiddleware reads on the next request."""
    language = request.user.preferred_language
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def user_language(view):
    """Run a signed-in page in the user's remembered language, whatever the cookie says."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        translation.activate(request.user.preferred_language)
        request.LANGUAGE_CODE = request.user.preferred_language
        return use_user_language(request, view(request, *args, **kwargs))

    return wrapper


class PageCatalog(JavaScriptCatalog):
    """The ``djangojs`` catalogue of one language (``/jsi18n/<lang>.js``): a script file from
    'self' (the CSP forbids inline scripts), the same for every user, so it holds no data."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        language = kwargs.pop("lang")
        if language not in dict(settings.LANGUAGES):
            raise Http404("Unknown language")
        with translation.override(language):
            response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=3600"
        return response
