"""trellis annual-report: render a year's annual programme report to a PDF (and its XLSX)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from trellis.reports import annual
from trellis.reports.selectors import available_years


class Command(BaseCommand):
    help = (
        "Render the annual programme report of a year, in French or English, to a PDF file "
        "(and, with --xlsx, the spreadsheet of every KPI), here and now without a worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="The KPI year reported.")
        parser.add_argument(
            "--lang",
            required=True,
            choices=[code for code, _name in settings.LANGUAGES],
            help="The report's language.",
        )
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument("--xlsx", default="", help="Also write the KPIs' XLSX here.")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if year not in available_years():
            raise CommandError(_("There are no figures for %(year)s.") % {"year": year})
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(_("No such directory: %(path)s") % {"path": output.parent})
        started = time.monotonic()
        rendered = annual.render_report(year, options["lang"])
        output.write_bytes(rendered.pdf)
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(rendered.xlsx)
        self.stdout.write(
            _(
                "%(path)s: %(pages)s pages, %(communities)s communities, %(size)s bytes, %(seconds)s s"  # noqa: E501
            )
            % {
                "path": output,
                "pages": rendered.pages,
                "communities": rendered.communities,
                "size": f"{len(rendered.pdf):,}",
                "seconds": f"{time.monotonic() - started:.1f}",
            }
        )
        for section in rendered.missing:
            self.stderr.write(
                _("section left out (no data source yet): %(section)s") % {"section": section}
            )
