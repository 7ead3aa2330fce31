from django import template

from analytics.choices import HotspotTrend
from commands.choices import Severity, TaskStatus

register = template.Library()


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def trend_label(value: str) -> str:
    return _label(HotspotTrend, value)


@register.filter
def severity_label(value: str) -> str:
    return _label(Severity, value)


@register.filter
def task_status_label(value: str) -> str:
    return _label(TaskStatus, value)


@register.filter
def percent(value) -> str:
    return "-" if value is None else f"{float(value) * 100:.1f}%"
