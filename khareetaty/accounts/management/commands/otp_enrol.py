"""Give a superadmin an authenticator device from the server's shell: the way in for the
first superadmin when REQUIRE_2FA_FOR_SUPERADMINS is on."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from khareetaty.accounts.choices import Role
from khareetaty.accounts.models import User
from khareetaty.accounts.otp import otp_device_start, otp_provisioning


class Command(BaseCommand):
    help = "Create a TOTP device for a superadmin and print the key to load into their app."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the user's existing devices first (a lost phone).",
        )

    def handle(self, *args, username: str, replace: bool, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if user.role != Role.SUPERADMIN:
            raise CommandError("Two-factor sign-in is for superadmins.")
        existing = TOTPDevice.objects.filter(user=user, confirmed=True)
        if existing.exists() and not replace:
            raise CommandError(f"{username} already has a device; use --replace to change it.")
        existing.delete()
        provisioning = otp_provisioning(otp_device_start(user=user, confirmed=True))
        self.stdout.write(f"Key (base32): {provisioning['secret']}")
        self.stdout.write(f"URI: {provisioning['uri']}")
        self.stdout.write("Load either into the authenticator app; sign-in now asks for its code.")
