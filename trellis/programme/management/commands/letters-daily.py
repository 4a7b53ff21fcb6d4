"""trellis letters-daily: expire ended engagement letters and send reminders before expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from trellis.programme.services import REMINDER_DAYS, letters_daily


class Command(BaseCommand):
    help = (
        "Run once a day: mark engagement letters whose period ended as expired, and remind "
        "the holders of signed letters that end soon (once per letter)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=REMINDER_DAYS,
            help=f"Remind this many days before a letter ends (default {REMINDER_DAYS}).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="The site's address (https://trellis.example.com), for the links in e-mails.",
        )
        parser.add_argument("--today", default="", help="Run as if today were this date (ISO).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError(_("--today must be a date such as 2026-12-01.")) from error
        if options["days"] < 0:
            raise CommandError(_("--days cannot be negative."))
        report = letters_daily(
            today=today, reminder_days=options["days"], base_url=options["base_url"]
        )
        self.stdout.write(
            _("%(expired)d letters expired, %(reminded)d reminders sent.")
            % {"expired": report.expired, "reminded": report.reminded}
        )
