"""Alert titles and messages in both languages.

Alerts store their text in Arabic and English at creation time (a delivery may go out in
either), so these pairs are data rather than UI strings run through gettext.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bilingual:
    en: str
    ar: str

    def format(self, **values) -> "Bilingual":
        """Fill the placeholders; a value may itself be ``Bilingual`` (a region name…)."""
        return Bilingual(
            self.en.format(**{k: getattr(v, "en", v) for k, v in values.items()}),
            self.ar.format(**{k: getattr(v, "ar", v) for k, v in values.items()}),
        )


def score(value: float | None) -> str:
    """A score as people read it: whole above 10 (692, not 691.667), one decimal below."""
    if value is None:
        return ""
    rounded = round(value) if abs(value) >= 10 else round(value, 1)
    return f"{rounded:g}"


def named(obj, fallback_en: str = "all regions", fallback_ar: str = "كل المناطق") -> Bilingual:
    """An object's ``name_en``/``name_ar`` pair (``name_ar`` falls back to English)."""
    if obj is None:
        return Bilingual(fallback_en, fallback_ar)
    return Bilingual(obj.name_en, obj.name_ar or obj.name_en)


CRITICAL_INCIDENT_TITLE = Bilingual("{category} in {region}", "{category} في {region}")
CRITICAL_INCIDENT_MESSAGE = Bilingual(
    "Severity {severity} {category} reported in {region} at {when}.",
    "بلاغ {category} بدرجة خطورة {severity} في {region} الساعة {when}.",
)
VOLUME_TITLE = Bilingual(
    "{count} incidents in {window}h in {region}", "{count} بلاغات خلال {window} ساعات في {region}"
)
VOLUME_MESSAGE = Bilingual(
    "{count} incidents ({categories}) in {region} in the last {window} hours; the rule allows {threshold}.",
    "{count} بلاغات ({categories}) في {region} خلال آخر {window} ساعات؛ الحد المسموح {threshold}.",
)
FORECAST_TITLE = Bilingual(
    "Forecast spike in {region}: {yhat} expected", "ارتفاع متوقع في {region}: {yhat} بلاغات متوقعة"
)
FORECAST_MESSAGE = Bilingual(
    "{region} is forecast {yhat} incidents ({category}) on {date}, against a baseline of {baseline} a day.",
    "من المتوقع {yhat} بلاغات ({category}) في {region} يوم {date}، مقابل معدل {baseline} يومياً.",
)
HOTSPOT_TITLE = Bilingual("{Trend} hotspot in {region}", "بؤرة {trend} في {region}")
# "Hotspot detected …, trend: intensifying" needs no article (no "A intensifying").
HOTSPOT_MESSAGE = Bilingual(
    "Hotspot detected in {region} ({trend}, score {score}).",
    "تم رصد بؤرة {trend} في {region} (الدرجة {score}).",
)
TASK_HOTSPOT_TITLE = Bilingual(
    "Patrol {trend} hotspot in {region}", "دورية في بؤرة {trend} في {region}"
)
TASK_HOTSPOT_DESCRIPTION = Bilingual(
    "Hotspot #{id}, score {score}.", "البؤرة رقم {id}، الدرجة {score}."
)
HOTSPOT_TRENDS = {
    "new": Bilingual("new", "جديدة"),
    "intensifying": Bilingual("intensifying", "متصاعدة"),
    "persistent": Bilingual("persistent", "مستمرة"),
    "diminishing": Bilingual("diminishing", "متراجعة"),
}
TASK_OVERDUE_TITLE = Bilingual("Task overdue: {title}", "مهمة متأخرة: {title}")
TASK_OVERDUE_MESSAGE = Bilingual(
    "The task “{title}” was due at {due} and is still {status}.",
    "المهمة «{title}» كان موعدها {due} وما زالت {status}.",
)

# SMS replies (the language of the replying user when known, otherwise both).
REPLY_UNKNOWN_NUMBER = Bilingual(
    "Sorry, this number is not registered with Khareetaty. No action was taken.",
    "عذراً، هذا الرقم غير مسجل في خريطتي. لم يتم اتخاذ أي إجراء.",
)
REPLY_NOT_UNDERSTOOD = Bilingual(
    "Sorry, we did not understand. Reply with the code from the alert message and a letter: a (acknowledge), e (escalate) or r (resolve), e.g. K7M2Pa.",
    "عذراً، لم نفهم الرد. أرسل الرمز الوارد في رسالة التنبيه وحرفاً: a (استلام) أو e (تصعيد) أو r (إغلاق)، مثال: K7M2Pa.",
)
REPLY_STALE_CODE = Bilingual(
    "Sorry, code {code} does not match an open alert sent to you. No action was taken.",
    "عذراً، الرمز {code} لا يطابق تنبيهاً مفتوحاً أرسل إليك. لم يتم اتخاذ أي إجراء.",
)
REPLY_NOT_ALLOWED = Bilingual(
    "Sorry, alert {code} cannot be {action} now (it is {status}). No action was taken.",
    "عذراً، لا يمكن تنفيذ الإجراء على التنبيه {code} الآن (حالته {status}). لم يتم اتخاذ أي إجراء.",
)
REPLY_TOO_MANY_WRONG = Bilingual(
    "Sorry, too many wrong codes were sent from this number. Try again in an hour. No action was taken.",
    "عذراً، أُرسلت رموز خاطئة كثيرة من هذا الرقم. حاول بعد ساعة. لم يتم اتخاذ أي إجراء.",
)
REPLY_ROLE_REFUSED = {
    "a": Bilingual(
        "Sorry, your role may not acknowledge alerts. Alert {code} is unchanged.",
        "عذراً، لا يسمح دورك باستلام التنبيهات. لم يتغير التنبيه {code}.",
    ),
    "e": Bilingual(
        "Sorry, your role may not escalate alerts; only analysts can. Alert {code} is unchanged.",
        "عذراً، لا يسمح دورك بتصعيد التنبيهات؛ هذا للمحللين فقط. لم يتغير التنبيه {code}.",
    ),
    "r": Bilingual(
        "Sorry, your role may not resolve alerts; only analysts can. Reply {code}a to acknowledge. Alert {code} is unchanged.",
        "عذراً، لا يسمح دورك بإغلاق التنبيهات؛ هذا للمحللين فقط. أرسل {code}a للاستلام. لم يتغير التنبيه {code}.",
    ),
}
REPLY_DONE = {
    "a": Bilingual("Thank you. Alert {code} is acknowledged.", "شكراً. تم استلام التنبيه {code}."),
    "e": Bilingual("Thank you. Alert {code} was escalated.", "شكراً. تم تصعيد التنبيه {code}."),
    "r": Bilingual("Thank you. Alert {code} is resolved.", "شكراً. تم إغلاق التنبيه {code}."),
}
