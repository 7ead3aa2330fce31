"""Categories from a YAML list, checked entry by entry. Audited."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import Category
from incidents.reference.reports import CategoryLoadReport, ReferenceDataError
from khareetaty.audit.services import audit_record


def _read_categories(path: Path) -> list[dict]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(
            _("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc}
        ) from exc
    entries = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(_("%s must hold a non-empty 'categories' list.") % path.name)
    return entries


def _category_from_entry(
    index: int, entry, existing: dict[str, Category]
) -> tuple[Category, list[str]]:
    if not isinstance(entry, dict):
        return Category(), [_("entry %d is not a mapping") % index]
    known = {"code", "name_en", "name_ar", "default_severity"}
    unknown = sorted(set(entry) - known)
    category = existing.get(str(entry.get("code", ""))) or Category(code=str(entry.get("code", "")))
    for name in known - {"code"}:
        if name in entry:
            setattr(category, name, entry[name])
    problems = [
        _("entry %(index)d: unknown key %(key)s") % {"index": index, "key": key} for key in unknown
    ]
    try:
        category.full_clean(validate_unique=False)
    except ValidationError as exc:
        problems += [
            _("entry %(index)d (%(code)s): %(field)s: %(message)s")
            % {
                "index": index,
                "code": category.code or "?",
                "field": name,
                "message": " ".join(messages),
            }
            for name, messages in exc.message_dict.items()
        ]
    return category, problems


@transaction.atomic
def categories_load(
    *, path: Path | str, update_existing: bool = True, actor=None
) -> CategoryLoadReport:
    """Create or update the categories listed in a YAML file (``categories: [{code, name_en,
    name_ar, default_severity}]``). Categories not in the file are kept (incidents use them).
    With ``update_existing=False`` existing categories are left exactly as they are (so an
    admin's edits survive re-running the defaults). All or nothing."""
    path = Path(path)
    existing = {category.code: category for category in Category.objects.all()}
    originals = {code: (c.name_en, c.name_ar, c.default_severity) for code, c in existing.items()}
    report, problems, valid = CategoryLoadReport(), [], []
    for index, entry in enumerate(_read_categories(path), start=1):
        category, entry_problems = _category_from_entry(index, entry, existing)
        problems += entry_problems
        valid.append(category)
    codes = [category.code for category in valid]
    problems += [
        _("code %s is listed twice") % code
        for code in sorted({c for c in codes if codes.count(c) > 1})
    ]
    if problems:
        raise ReferenceDataError(
            _("%s has invalid categories; nothing was changed.") % path.name, problems=problems
        )
    for category in valid:
        if category.pk is None:
            category.save()
            report.created.append(category.code)
        elif update_existing and originals[category.code] != (
            category.name_en,
            category.name_ar,
            category.default_severity,
        ):
            category.save()
            report.updated.append(category.code)
        else:
            report.unchanged.append(category.code)
    if report.created or report.updated:
        audit_record(
            action="categories_load",
            actor=actor,
            object_type="incidents.category",
            summary=report.as_dict(),
        )
    return report
