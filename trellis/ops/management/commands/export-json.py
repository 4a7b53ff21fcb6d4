"""trellis export-json: the programme's data as one JSON file (Django fixture format)."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from trellis.ops.export import export_json


class Command(BaseCommand):
    help = (
        "Export the programme's data (communities, people, memberships, activity, events, "
        "KPIs, surveys' anonymous answers…) as JSON that `trellis loaddata` reads back. "
        "Secrets (sessions, tokens, passwords) are left out."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="output file, or - for standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        if path == "-":
            counts = export_json(out=sys.stdout)
        else:
            target = Path(path)
            partial = target.with_name(target.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8") as out:
                    counts = export_json(out=out)
            except OSError as error:
                raise CommandError(str(error)) from error
            os.replace(partial, target)
        self.stderr.write(
            _("Exported %(records)d records of %(models)d kinds.")
            % {"records": sum(counts.values()), "models": len(counts)}
        )
