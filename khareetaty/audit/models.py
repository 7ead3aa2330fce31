from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionLog(models.Model):
    """One append-only entry of the audit trail (the seed's ``action_log``).

    The application's database role may only INSERT and SELECT here; triggers refuse UPDATE,
    DELETE and TRUNCATE; each entry's ``entry_hash`` is an HMAC (key outside the database) of
    its own fields and the previous entry's hash, and signed checkpoints of the head are kept
    outside the database, so ``manage.py audit_verify`` finds any later edit or truncation.
    """

    created_at = models.DateTimeField(_("time"), db_index=True)
    # No database constraint: deleting a user must never touch (or be blocked by) the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # Fingerprint of the HMAC key that chained this entry; blank for entries written before
    # the chain was keyed (plain SHA-256, not trusted).
    key_id = models.CharField(max_length=16, blank=True, default="")
    previous_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "action_log"
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"
