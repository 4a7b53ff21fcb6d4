"""Backups of the whole database, and their restore, verified by row counts.

A backup is one file plus a manifest beside it (`<file>.manifest.json`) holding the row
count of every table, the database vendor and the applied migrations. `restore` puts the
file back and then compares the counts with the manifest: a restore that does not give
back the same rows fails loudly instead of leaving a silently different database.

- SQLite: the online backup API of sqlite3 (a consistent copy while the site runs, pages
  copied in steps so writers are only briefly paused). Restore copies the file back into
  the live database through the same API, in one step.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists`, run with the
  connection settings of DATABASE_URL (the password passes through PGPASSWORD, never on
  the command line).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = "trellis-backup"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the user."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Row count of every table of the database, in one statement."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor, include_views=False))
        if not tables:
            return {}
        quote = connection.ops.quote_name
        # One UNION ALL statement: a fixed number of round trips whatever the table count.
        sql = " UNION ALL ".join(
            f"SELECT %s, COUNT(*) FROM {quote(table)}"  # noqa: S608 - names from introspection
            for table in tables
        )
        cursor.execute(sql, tables)
        return {str(name): int(count) for name, count in cursor.fetchall()}


def _applied_migrations(using: str) -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _manifest(using: str) -> dict[str, Any]:
    from django.conf import settings

    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "vendor": connections[using].vendor,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "trellis_version": getattr(settings, "TRELLIS_VERSION", ""),
        "migrations": _applied_migrations(using),
        "tables": table_counts(using),
    }


def _pg_environment(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL client tools, and their environment."""
    options = ["--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        options += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        options += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        options += ["--username", str(settings_dict["USER"])]
    environment = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return options, environment


def _run_tool(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            _(
                "%(tool)s is not installed on this machine "
                "(Debian: apt-get install postgresql-client)."
            )
            % {"tool": command[0]}
        )
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BackupError(
            _("%(tool)s failed: %(detail)s")
            % {"tool": command[0], "detail": detail[-1] if detail else completed.returncode}
        )


def backup_database(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a consistent copy of the database to `path`, and its manifest beside it.

    1. Count the rows (the manifest) in the same moment as the copy starts.
    2. Copy: sqlite3 backup API, or pg_dump in its custom format.
    3. Write to a temporary name and rename at the end, so that a killed backup never
       leaves a file that looks complete.
    """
    path = Path(path)
    if path.exists() and path.is_dir():
        raise BackupError(_("%(path)s is a folder; give a file name.") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    connection = connections[using]
    connection.ensure_connection()
    manifest = _manifest(using)
    if connection.vendor == "sqlite":
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target, pages=1024)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        options, environment = _pg_environment(connection.settings_dict)
        _run_tool(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), *options],
            environment,
        )
    else:
        raise BackupError(
            _("Backups of a %(vendor)s database are not supported.") % {"vendor": connection.vendor}
        )
    os.replace(partial, path)
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return BackupResult(path=path, manifest=manifest)


def read_manifest(path: Path) -> dict[str, Any]:
    where = manifest_path(Path(path))
    if not Path(path).is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": path})
    try:
        manifest = json.loads(where.read_text())
    except FileNotFoundError as error:
        raise BackupError(
            _("The manifest %(path)s is missing: it holds the counts a restore is checked against.")
            % {"path": where}
        ) from error
    except ValueError as error:
        raise BackupError(_("The manifest %(path)s is damaged.") % {"path": where}) from error
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise BackupError(_("%(path)s is not a Trellis backup manifest.") % {"path": where})
    return manifest


def has_data(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when the database holds people, communities or accounts.

    Tables that `migrate` fills by itself (content types, permissions, defaults) do not
    count: a freshly migrated database is empty in the sense that matters here.
    """
    counts = table_counts(using)
    return any(
        counts.get(table, 0) for table in ("people_person", "communities_community", "auth_user")
    )


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def restore_database(
    *, path: Path, using: str = DEFAULT_DB_ALIAS, replace: bool = False
) -> RestoreResult:
    """Put a backup back into the configured database and verify it against its manifest.

    1. Read the manifest; refuse a backup of another vendor, and a database that already
       holds data unless `replace` says to overwrite it.
    2. Restore: sqlite3 backup API from the file into the live database, or pg_restore
       --clean --if-exists (drops and recreates each object of the dump).
    3. Count the rows again: every table of the manifest must hold exactly its count.
    """
    path = Path(path)
    manifest = read_manifest(path)
    connection = connections[using]
    connection.ensure_connection()
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(
            _(
                "This backup comes from a %(source)s database and cannot be restored into "
                "%(target)s; use trellis export-json and loaddata to move between databases."
            )
            % {"source": manifest.get("vendor"), "target": connection.vendor}
        )
    if not replace and has_data(using):
        raise BackupError(
            _(
                "The database already holds data; restoring would replace all of it. "
                "Run again with --replace to do so."
            )
        )
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(
                _("%(path)s is not a readable SQLite backup: %(error)s")
                % {"path": path, "error": error}
            ) from error
        finally:
            source.close()
    else:
        options, environment = _pg_environment(connection.settings_dict)
        connection.close()  # pg_restore drops tables: our own session must not hold locks
        _run_tool(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *options,
                str(path),
            ],
            environment,
        )
    counts = table_counts(using)
    expected: dict[str, int] = manifest["tables"]
    different = {
        table: (count, counts.get(table))
        for table, count in expected.items()
        if counts.get(table) != count
    }
    if different:
        listing = ", ".join(
            f"{table} {found}≠{count}" for table, (count, found) in sorted(different.items())
        )
        raise BackupError(
            _("The restored database does not match the backup's manifest: %(tables)s")
            % {"tables": listing}
        )
    return RestoreResult(manifest=manifest, counts={t: counts[t] for t in expected})
