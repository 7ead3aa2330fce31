"""``feed_silence``: an agency's feed has sent no batch for longer than its cadence (plus the
rule's ``grace_minutes``). Registered into the commands app's rule-kind registry from this
app's ``ready()``; the interop job ``feeds_check`` evaluates it (scope ``feeds``)."""

from datetime import datetime

from django.utils.translation import gettext_lazy

from commands.rulekinds import Finding, Param, RuleKindSpec, register
from commands.texts import Bilingual
from interop.selectors import feed_status

SCOPE_FEEDS = "feeds"  # a list of feeds to look at
TITLE = Bilingual("Feed {feed} of {agency} is silent", "تغذية {feed} من {agency} متوقفة")
MESSAGE = Bilingual(
    "No batch from feed {feed} ({agency}) for {late} minutes past its {cadence}-minute cadence.",
    "لم تصل دفعة من التغذية {feed} ({agency}) منذ {late} دقيقة بعد موعدها كل {cadence} دقيقة.",
)


def evaluate(rule, feeds, now: datetime):
    grace = int(rule.param("grace_minutes") or 0)
    for feed in feeds:
        status = feed_status(feed, now=now)
        if status["late_minutes"] <= grace:
            continue
        yield Finding(
            values={
                "feed": feed.name,
                "agency": Bilingual(
                    feed.agency.name_en, feed.agency.name_ar or feed.agency.name_en
                ),
                "late": status["late_minutes"],
                "cadence": feed.expected_cadence_minutes,
            },
            # One alert per silence: the next batch starts a new key.
            dedup={"feed": feed.pk, "after": status["last_batch"] or "-"},
        )


FEED_SILENCE = register(
    RuleKindSpec(
        value="feed_silence",
        label=gettext_lazy("Partner feed silent"),
        scope=SCOPE_FEEDS,
        params={"grace_minutes": Param(int)},
        evaluate=evaluate,
        title=TITLE,
        message=MESSAGE,
    )
)
