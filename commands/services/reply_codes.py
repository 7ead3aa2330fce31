"""Reply codes: short random codes, one per alert and recipient, typed back by SMS."""

import secrets

from django.db import IntegrityError, transaction

from commands.models import Alert, ReplyCode

# No vowels (no words), no 0/O, 1/I/L: easy to read and type on a phone keypad.
ALPHABET = "23456789BCDFGHJKMNPQRSTVWXYZ"
LENGTH = 5  # 28**5 ≈ 17 million codes


def _random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def reply_code_for(*, alert: Alert, recipient) -> str:
    """The recipient's reply code for the alert, made on first use."""
    existing = ReplyCode.objects.filter(alert=alert, recipient=recipient).first()
    if existing is not None:
        return existing.code
    for _attempt in range(8):
        try:
            with transaction.atomic():
                return ReplyCode.objects.create(
                    alert=alert, recipient=recipient, code=_random_code()
                ).code
        except IntegrityError:
            found = ReplyCode.objects.filter(alert=alert, recipient=recipient).first()
            if found is not None:  # made by a concurrent delivery
                return found.code
    raise RuntimeError("Could not allocate a reply code.")
