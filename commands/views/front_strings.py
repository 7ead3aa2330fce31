"""Words the page scripts show that came with the live-feed, task-panel and dialog work.

Kept apart from ``PAGE_STRINGS`` (pages.py merges them) so the front-end strings have one
home; each is translated in ``locale/ar/LC_MESSAGES/django.po``.
"""

from django.utils.translation import gettext_lazy as _

FRONT_STRINGS = {
    "throttled": _("Too many requests: updates are paused for %(n)s s."),
    "account_disabled": _("Your account has been disabled."),
}
