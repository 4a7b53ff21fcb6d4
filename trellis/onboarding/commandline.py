"""The shells of the import and export commands: parse, call the service, print, exit.

Exit codes: 0 applied (or a clean dry run), 1 when a row is rejected (then nothing is
applied), 2 when the file cannot be read.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trellis.onboarding.report import ImportFileError
from trellis.onboarding.selectors import export_csv
from trellis.onboarding.services import import_file


class ImportCommand(BaseCommand):
    kind = ""
    file_help = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=self.file_help)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and print what would change, without applying anything.",
        )

    def import_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror},
                returncode=2,
            ) from exc
        try:
            report = import_file(
                self.kind,
                actor=None,
                data=data,
                filename=path.name,
                dry_run=options["dry_run"],
                **self.import_options(options),
            )
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(report.summary())
        for rejection in report.sorted_rejections():
            self.stderr.write(str(rejection))
        if report.rejected:
            count = len(report.rejected)
            raise CommandError(
                ngettext(
                    "%(count)d row rejected: nothing was applied.",
                    "%(count)d rows rejected: nothing was applied.",
                    count,
                )
                % {"count": count},
                returncode=1,
            )
        self.stdout.write(report.outcome())


class ExportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="Write the CSV to this file instead of the standard output.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = export_csv(self.kind)
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(data)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write %(path)s: %(reason)s")
                    % {"path": options["output"], "reason": exc.strerror},
                    returncode=2,
                ) from exc
            return
        self.stdout.write(data.decode("utf-8"), ending="")
