"""trellis import-people FILE: the HR people import from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from trellis.lib.tabular import TabularError
from trellis.people.importer import ImportReport
from trellis.people.services import people_import

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import the HR people CSV or XLSX: create and update people by e-mail or employee id, "
        "never delete. All rows or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the HR file (.csv or .xlsx)")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, change nothing"
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="the file is the full HR extract: people missing from it become inactive",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            report = people_import(
                actor=None,
                data=data,
                filename=path.name,
                dry_run=options["dry_run"],
                deactivate_missing=options["deactivate_missing"],
            )
        except OSError as exc:
            self.stderr.write(
                _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
            )
            raise SystemExit(EXIT_UNREADABLE) from exc
        except TabularError as exc:
            self.stderr.write(
                _("%(file)s is not readable: %(reason)s") % {"file": path, "reason": exc}
            )
            raise SystemExit(EXIT_UNREADABLE) from exc
        self._summary(report)
        if not report.ok:
            raise SystemExit(EXIT_REJECTED)

    def _summary(self, report: ImportReport) -> None:
        counts = report.counts()
        labels = {
            "read": _("read"),
            "created": _("created"),
            "updated": _("updated"),
            "unchanged": _("unchanged"),
            "deactivated": _("deactivated"),
            "reactivated": _("reactivated"),
            "rejected": _("rejected"),
        }
        self.stdout.write(", ".join(f"{labels[k]}: {v}" for k, v in counts.items()))
        for note in report.notes:
            self.stdout.write(note)
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            self.stderr.write(_("Rows were rejected: nothing was imported."))
        elif report.dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            self.stdout.write(_("Import applied (sha256 %(sha)s).") % {"sha": report.sha256})
