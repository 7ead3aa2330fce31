from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "khareetaty.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from khareetaty.accounts import receivers

        post_migrate.connect(receivers.sync_role_groups_after_migrate, sender=self)
