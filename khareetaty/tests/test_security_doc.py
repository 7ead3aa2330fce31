"""docs/security.md's role table is generated from the views' declarations and kept current."""

from django.conf import settings
from django.core.management import call_command

from khareetaty.role_matrix import document_with_matrix, role_matrix_markdown

DOC = settings.BASE_DIR / "docs" / "security.md"


def test_the_security_page_shows_the_current_role_matrix():
    document = DOC.read_text(encoding="utf-8")
    assert document == document_with_matrix(document), (
        "docs/security.md is out of date: run manage.py role_matrix --write docs/security.md"
    )
    assert "| `GET /api/audit/` | - | - | - | - | yes |" in document


def test_role_matrix_command_prints_every_api_operation(capsys):
    call_command("role_matrix")
    printed = capsys.readouterr().out
    assert printed == role_matrix_markdown()
    assert "| `POST /api/auth/login` | yes | yes | yes | yes | yes |" in printed
