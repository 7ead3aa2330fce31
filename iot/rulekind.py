"""``silent_device``: a device that has sent nothing (event or heartbeat) for longer than its
heartbeat interval x ``IOT_SILENT_FACTOR``. Evaluated by the device health job against the
devices that just fell silent; one alert per device (its dedup key names the device), which
the same job resolves when the device is heard again. Registered into the commands app's
rule-kind registry from ``IotConfig.ready()``."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from commands.rulekinds import Finding, Param, RuleKindSpec, register
from commands.services.rules import ANY_CATEGORY, rule_in_scope
from commands.texts import Bilingual

SCOPE_IOT_DEVICES = "iot_devices"
KIND = "silent_device"


def evaluate(rule, devices, now: datetime):
    kinds = rule.param("device_kinds") or []
    for device in devices:
        if kinds and device.kind not in kinds:
            continue
        if not rule_in_scope(rule, region_id=device.region_id, category_id=ANY_CATEGORY):
            continue
        last = device.last_seen_at
        yield Finding(
            values={
                "device": str(device),
                "kind": device.get_kind_display(),
                "since": date_format(timezone.localtime(last), "Y-m-d H:i") if last else "-",
            },
            dedup={"device": device.pk},
            region_id=device.region_id,
        )


def _check(params: dict) -> list[str]:
    kinds = params.get("device_kinds")
    if kinds is not None and not all(isinstance(k, str) for k in kinds):
        return ["device_kinds must be a list of device kinds."]
    return []


TITLE = Bilingual(en="Device silent: {device}", ar="جهاز متوقف عن الإرسال: {device}")
MESSAGE = Bilingual(
    en="{kind} {device} has sent nothing since {since}.",
    ar="لم يرسل الجهاز {device} ({kind}) أي شيء منذ {since}.",
)

register(
    RuleKindSpec(
        value=KIND,
        label=gettext_lazy("IoT device silent"),
        scope=SCOPE_IOT_DEVICES,
        params={"device_kinds": Param(list)},
        evaluate=evaluate,
        title=TITLE,
        message=MESSAGE,
        check=_check,
    )
)
