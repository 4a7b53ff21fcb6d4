"""What an import found and did: the report shared by the commands, the page and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# The page previews the first rows of each kind of change; the counts are always complete.
SAMPLE_SIZE = 200


class ImportFileError(Exception):
    """The file cannot be read at all (wrong format, missing columns): nothing was looked at."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.message}


@dataclass(frozen=True)
class Rejection:
    """A row that cannot be applied; `line` is the row's first physical line in the file."""

    line: int | None
    reason: str

    def __str__(self) -> str:
        if self.line is None:
            return self.reason
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class RowChange:
    """One row's effect: `key` names the record, `fields` maps a field to (old, new)."""

    line: int | None
    key: str
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Bucket:
    """A count with the first SAMPLE_SIZE items kept for the preview."""

    count: int = 0
    sample: list[RowChange] = field(default_factory=list)

    def add(self, change: RowChange) -> None:
        self.count += 1
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append(change)


@dataclass
class ImportReport:
    kind: str
    filename: str
    sha256: str
    dry_run: bool
    created: Bucket = field(default_factory=Bucket)
    updated: Bucket = field(default_factory=Bucket)
    unchanged: Bucket = field(default_factory=Bucket)
    # Memberships ended by a full sync (they are also counted as updated).
    ended: Bucket = field(default_factory=Bucket)
    people_created: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def changes(self) -> int:
        return self.created.count + self.updated.count

    def reject(self, line: int | None, reason: str) -> None:
        self.rejected.append(Rejection(line, reason))

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created.count,
            "updated": self.updated.count,
            "unchanged": self.unchanged.count,
            "rejected": len(self.rejected),
            "ended": self.ended.count,
            "people_created": self.people_created,
        }

    def summary(self) -> str:
        """One line for the command and the page: counts as "label: n" (no plural forms)."""
        parts = [
            _("created: %(n)d") % {"n": self.created.count},
            _("updated: %(n)d") % {"n": self.updated.count},
            _("unchanged: %(n)d") % {"n": self.unchanged.count},
            _("rejected: %(n)d") % {"n": len(self.rejected)},
        ]
        if self.ended.count:
            parts.append(_("memberships ended: %(n)d") % {"n": self.ended.count})
        if self.people_created:
            parts.append(_("people created: %(n)d") % {"n": self.people_created})
        return _("%(filename)s: %(counts)s.") % {
            "filename": self.filename,
            "counts": ", ".join(parts),
        }

    def outcome(self) -> str:
        if self.rejected:
            return _("Nothing was applied: correct the rejected rows and import the file again.")
        if self.dry_run:
            return _("Dry run: nothing was applied.")
        return _("The import was applied.")

    def sorted_rejections(self) -> list[Rejection]:
        return sorted(self.rejected, key=lambda r: (r.line is None, r.line or 0))
