"""``check --deploy`` warns when a benchmark switch is left off."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def interop_switches(app_configs, **kwargs):
    off = [
        name
        for name in ("INTEROP_REQUEST_LOG_ENABLED", "INTEROP_SCOPE_FILTER_ENABLED")
        if not getattr(settings, name)
    ]
    return [
        Warning(f"{name} is off: it is a benchmark switch only.", id="interop.W001") for name in off
    ]
