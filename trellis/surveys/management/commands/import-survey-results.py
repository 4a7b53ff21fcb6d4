"""trellis import-survey-results FILE --campaign ID: anonymous responses from another tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from trellis.lib.tabular import TabularError
from trellis.surveys.importer import survey_results_import
from trellis.surveys.models import Campaign

EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import the survey-results CSV (one row per anonymous response, a column per question "
        "code, a community column) into an external campaign. All rows or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the survey-results file (.csv or .xlsx)")
        parser.add_argument("--campaign", type=int, required=True, help="the campaign's id")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = (
            Campaign.objects.select_related("template").filter(pk=options["campaign"]).first()
        )
        if campaign is None:
            raise CommandError(_("No campaign with id %(id)s.") % {"id": options["campaign"]})
        path = Path(options["file"])
        try:
            report = survey_results_import(
                actor=None, campaign=campaign, data=path.read_bytes(), filename=path.name
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
        for error in report.errors:
            self.stderr.write(error)
        if not report.ok:
            self.stderr.write(_("Nothing was imported."))
            raise SystemExit(EXIT_REJECTED)
        self.stdout.write(
            _("Imported %(rows)d rows as %(responses)d anonymous responses (sha256 %(sha)s).")
            % {"rows": report.rows, "responses": report.responses, "sha": report.sha256}
        )
