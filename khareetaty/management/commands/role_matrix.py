from pathlib import Path

from django.core.management.base import BaseCommand

from khareetaty.role_matrix import document_with_matrix, role_matrix_markdown


class Command(BaseCommand):
    help = "Print the API's role matrix as Markdown, or rewrite it into a document's markers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--write", metavar="FILE", help="e.g. docs/security.md")

    def handle(self, *args, **options) -> None:
        if options["write"]:
            path = Path(options["write"])
            path.write_text(document_with_matrix(path.read_text(encoding="utf-8")), "utf-8")
            self.stdout.write(f"Role matrix written to {path}.")
            return
        self.stdout.write(role_matrix_markdown(), ending="")
