"""trellis import-events FILE: load events from a CSV or XLSX file, all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from trellis.events.importer import EventImportReport
from trellis.events.services import events_import
from trellis.lib.tabular import TabularError

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import events (webinars, meetings, workshops, conferences) from a CSV or XLSX file: "
        "create new ones, update those already imported. All rows or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the events file (.csv or .xlsx)")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            report = events_import(
                actor=None, data=data, filename=path.name, dry_run=options["dry_run"]
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

    def _summary(self, report: EventImportReport) -> None:
        labels = {
            "read": _("read"),
            "created": _("created"),
            "updated": _("updated"),
            "unchanged": _("unchanged"),
            "rejected": _("rejected"),
        }
        self.stdout.write(", ".join(f"{labels[k]}: {v}" for k, v in report.counts().items()))
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            self.stderr.write(_("Rows were rejected: nothing was imported."))
        elif report.dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        elif not report.applied:
            self.stdout.write(_("Every event is already up to date: nothing was changed."))
        else:
            self.stdout.write(_("Import applied (sha256 %(sha)s).") % {"sha": report.sha256})
