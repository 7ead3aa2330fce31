"""What reference loads report, and the error that names every feature or entry at fault."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from khareetaty.exceptions import ApplicationError


class ReferenceDataError(ApplicationError):
    """A reference file cannot be loaded; ``problems`` names every feature or entry at fault."""

    code = "reference_data_invalid"

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message, extra={"problems": problems or []})
        self.problems = problems or []

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {problem}" for problem in self.problems)])


@dataclass(frozen=True)
class GeometryRepair:
    """One invalid boundary that was repaired: why GEOS rejected it and what was dropped."""

    code: str
    name: str
    reason: str
    dropped: tuple[str, ...] = ()
    area_change_pct: float = 0.0


@dataclass
class LoadReport:
    """What ``regions_load`` did."""

    profile: str
    source: str
    source_srs: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: list[GeometryRepair] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    reassigned_incidents: int = 0

    @property
    def loaded(self) -> int:
        return len(self.created) + len(self.updated)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """A human summary, one line per fact (used by the management commands)."""
        lines = [
            _("%(count)d regions loaded for profile %(profile)s from %(source)s (%(srs)s)")
            % {
                "count": self.loaded,
                "profile": self.profile,
                "source": self.source,
                "srs": self.source_srs,
            },
            _("created: %s") % (", ".join(self.created) or "-"),
            _("updated: %s") % (", ".join(self.updated) or "-"),
            _("removed: %s") % (", ".join(self.removed) or "-"),
        ]
        lines += [_("merged several features into %s") % code for code in self.merged]
        for repair in self.repaired:
            dropped = ", ".join(repair.dropped) or _("nothing")
            lines.append(
                _(
                    "repaired invalid geometry of %(code)s (%(name)s): %(reason)s; dropped %(dropped)s; area change %(pct).4f%%"
                )
                % {
                    "code": repair.code,
                    "name": repair.name,
                    "reason": repair.reason,
                    "dropped": dropped,
                    "pct": repair.area_change_pct if abs(repair.area_change_pct) >= 5e-5 else 0.0,
                }
            )
        if self.reassigned_incidents:
            lines.append(_("%d incidents moved to their new region") % self.reassigned_incidents)
        return lines


@dataclass
class CategoryLoadReport:
    """What ``categories_load`` did, by category code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DefaultsReport:
    """What ``reference_data_load_defaults`` did; ``regions`` is None when they were kept."""

    regions: LoadReport | None
    categories: CategoryLoadReport
