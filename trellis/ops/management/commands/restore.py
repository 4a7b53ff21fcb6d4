"""trellis restore: put a backup back and check every table's count against its manifest."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from trellis.ops.backup import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup made by `trellis backup` into the configured database, then verify "
        "the row count of every table against the backup's manifest."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="backup file (its .manifest.json must sit beside it)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that already holds data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_database(path=Path(options["path"]), replace=options["replace"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Restored %(path)s: %(tables)d tables, %(rows)d rows, counts verified.")
            % {"path": options["path"], "tables": len(result.counts), "rows": result.rows}
        )
