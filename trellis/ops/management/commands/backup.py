"""trellis backup: a consistent copy of the whole database, with a manifest of counts."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from trellis.ops.backup import BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Back up the database to a file (SQLite: online backup; PostgreSQL: pg_dump custom "
        "format) and write FILE.manifest.json with the row count of every table."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="backup file (default: var/backups/trellis-<UTC time>.<sqlite3|dump>)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.db import connection

        path = options["path"]
        if not path:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
            path = Path(settings.VAR_DIR) / "backups" / f"trellis-{stamp}.{suffix}"
        try:
            result = backup_database(path=Path(path))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Backup written to %(path)s: %(tables)d tables, %(rows)d rows.")
            % {"path": result.path, "tables": len(result.manifest["tables"]), "rows": result.rows}
        )
