"""trellis detect-dormancy: find dormant communities and alert their leaders and the office."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from trellis.incubation.lifecycle import dormancy_detect


class Command(BaseCommand):
    help = (
        "List the active communities with no ESN activity and no event for DORMANCY_MONTHS "
        "months, and e-mail each new one's leaders and the programme office once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months", type=int, default=None, help="Override DORMANCY_MONTHS for this run."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only: no alert, no e-mail."
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Address of the site, for the links in the e-mails (https://trellis.example.com).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        months = options["months"]
        if months is not None and months < 1:
            from django.core.management.base import CommandError

            raise CommandError(_("--months must be 1 or more."))
        report = dormancy_detect(
            months=months, dry_run=options["dry_run"], base_url=options["base_url"]
        )
        for slug in report.new:
            self.stdout.write(_("dormant (new): %(slug)s") % {"slug": slug})
        for slug in report.still:
            self.stdout.write(_("dormant (already alerted): %(slug)s") % {"slug": slug})
        for slug in report.resolved:
            self.stdout.write(_("active again: %(slug)s") % {"slug": slug})
        self.stdout.write(
            _(
                "%(new)d new, %(still)d still dormant, %(resolved)d active again, "
                "%(emails)d e-mails sent."
            )
            % {
                "new": len(report.new),
                "still": len(report.still),
                "resolved": len(report.resolved),
                "emails": report.emails,
            }
        )
