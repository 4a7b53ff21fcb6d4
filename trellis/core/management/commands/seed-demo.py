"""trellis seed-demo: fill the database with a realistic, deterministic demo programme."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.core import demo

EXIT_NOT_EMPTY = 1


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("Dates are written YYYY-MM-DD.")) from exc


class Command(BaseCommand):
    help = (
        "Fill an empty database with a realistic demo programme: people, communities in every "
        "stage, charters, objectives and memberships, plus one login per demo persona. The "
        "same scale, seed and date always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default="small",
            help="small (30 communities, 1,500 people), large (500, 50,000) or "
            "enterprise (5,000, 200,000); default small",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the programme's communities, people and the demo logins first",
        )
        parser.add_argument(
            "--today",
            type=parse_day,
            default=None,
            help="the date the demo is built around, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = demo.SCALES[options["scale"]]
        today = options["today"] or timezone.localdate()
        progress = self.stdout.write if options["verbosity"] >= 2 else None
        try:
            report = demo.seed(
                scale=scale,
                seed=options["seed"],
                today=today,
                reset=options["reset"],
                progress=progress,
            )
        except demo.DatabaseNotEmptyError as exc:
            raise CommandError(
                _(
                    "The database already holds communities or people. Seeding would mix "
                    "demo data with them: run `trellis seed-demo --reset` to delete them and "
                    "seed anyway."
                ),
                returncode=EXIT_NOT_EMPTY,
            ) from exc
        if options["verbosity"] == 0:
            return
        if report.deleted:
            self.stdout.write(
                _("Deleted first: %(counts)s")
                % {"counts": ", ".join(f"{k} {v}" for k, v in report.deleted.items())}
            )
        self.stdout.write(
            _("Demo programme seeded (%(scale)s, seed %(seed)s, around %(today)s) in %(s).1f s:")
            % {"scale": scale.name, "seed": report.seed, "today": report.today, "s": report.seconds}
        )
        self.stdout.write("  " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))
        for line in demo.persona_lines("http://127.0.0.1:8000"):
            self.stdout.write(line)
