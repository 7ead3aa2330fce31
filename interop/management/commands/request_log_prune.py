from django.core.management.base import BaseCommand

from interop.services.requestlog import request_log_prune


class Command(BaseCommand):
    help = "Delete interop request-log rows older than INTEROP_REQUEST_LOG_RETENTION_DAYS."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{request_log_prune()} rows deleted")
