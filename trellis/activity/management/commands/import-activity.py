"""trellis import-activity --source SOURCE PATH: import an ESN export from the command line."""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from trellis.activity.importer import ImportReport
from trellis.activity.models import Source
from trellis.activity.services import activity_import

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import ESN activity: a Viva Engage data export (ZIP or folder), a Slack export "
        "(ZIP), a Microsoft 365 groups activity report (CSV) or a Trellis activity CSV. "
        "All rows or none; importing the same file again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="the export: a ZIP, an unpacked folder or a CSV file")
        parser.add_argument(
            "--source", required=True, choices=Source.values, help="where the export comes from"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="read and count everything, change nothing"
        )
        parser.add_argument(
            "--memberships",
            action="store_true",
            help="Slack: members of mapped channels become members of the community",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        bar = _Progress(self.stdout.isatty(), self.stdout)
        report = activity_import(
            actor=None,
            source=options["source"],
            path=path,
            dry_run=options["dry_run"],
            progress=bar,
            memberships=options["memberships"],
        )
        bar.done()
        self._summary(report)
        if report.unreadable:
            sys.exit(EXIT_UNREADABLE)
        if not report.ok:
            sys.exit(EXIT_REJECTED)

    def _summary(self, report: ImportReport) -> None:
        self.stdout.write(
            _(
                "%(file)s: rows read: %(read)d, imported: %(imported)d (new: %(new)d, "
                "updated: %(updated)d), unchanged: %(unchanged)d, not counted (deleted, "
                "private, system): %(excluded)d, rejected: %(rejected)d."
            )
            % {"file": report.filename, **report.counts()}
        )
        if report.ok:
            self.stdout.write(
                _(
                    "Spaces new: %(spaces_new)d, authors new: %(authors_new)d, authors not "
                    "resolved to a person: %(authors_unresolved)d, memberships added: "
                    "%(memberships_added)d."
                )
                % report.counts()
            )
        for note in report.notes:
            self.stdout.write(note)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.rejected > len(report.errors):
            self.stderr.write(
                _("…and %(count)d more rejected rows.")
                % {"count": report.rejected - len(report.errors)}
            )
        if report.unreadable:
            self.stderr.write(_("The file cannot be read: nothing was imported."))
        elif not report.ok:
            self.stderr.write(_("Rows were rejected: nothing was imported."))
        elif report.dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            self.stdout.write(_("Import applied (sha256 %(sha)s).") % {"sha": report.sha256})


class _Progress:
    """A bar redrawn in place on a terminal; otherwise a plain line every few seconds."""

    WIDTH = 30

    def __init__(self, tty: bool, out: Any) -> None:
        self.tty = tty
        self.out = out
        self.last = 0.0
        self.drawn = False

    def __call__(self, read: int, total: int | None) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self.last < 0.2:
                return
            self.last = now
            if total:
                share = min(1.0, read / total)
                filled = int(share * self.WIDTH)
                bar = "#" * filled + "-" * (self.WIDTH - filled)
                text = _("[%(bar)s] %(percent)3d %% · %(rows)s rows") % {
                    "bar": bar,
                    "percent": int(share * 100),
                    "rows": f"{read:,}",
                }
            else:
                text = _("%(rows)s rows") % {"rows": f"{read:,}"}
            self.out.write("\r" + text, ending="")
            self.out.flush()
            self.drawn = True
        elif now - self.last >= 2.0 or not self.last:
            self.last = now
            if total:
                self.out.write(
                    _("%(rows)d rows read (about %(percent)d %%)")
                    % {"rows": read, "percent": int(min(1.0, read / total) * 100)}
                )
            else:
                self.out.write(_("%(rows)d rows read") % {"rows": read})
            self.out.flush()

    def done(self) -> None:
        if self.drawn:
            self.out.write("")
