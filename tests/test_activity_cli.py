"""The import-activity command: progress, summary, exit codes, and a process killed midway."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.activity_exports import VivaExport, VivaMessage, VivaUser, write_zip
from tests.personas import World

ROOT = Path(__file__).resolve().parent.parent


def export(n: int) -> VivaExport:
    e = VivaExport(
        users=[VivaUser(str(u), f"User {u}", f"user{u}@example.com") for u in range(50)],
        groups={str(g): f"Group {g}" for g in range(20)},
    )
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    e.messages = [
        VivaMessage(
            str(10_000 + i),
            str(i % 20),
            str(i % 50),
            start + dt.timedelta(minutes=13 * i),
            body="word " * 60,
        )  # fmt: skip
        for i in range(n)
    ]
    return e


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_draws_a_progress_bar_on_a_terminal(world: World, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "e.zip", export(12_000).files())
    out = Terminal()
    call_command("import-activity", str(path), source="viva-engage", stdout=out)
    text = out.getvalue()
    assert "\r[" in text and "%" in text  # redrawn in place
    assert "rows read: 12000, imported: 12000" in text


def test_it_prints_plain_progress_lines_otherwise(world: World, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "e.zip", export(12_000).files())
    out = io.StringIO()
    call_command("import-activity", str(path), source="viva-engage", stdout=out)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0].endswith("%)") and "rows read" in lines[0]
    assert any(line.startswith("e.zip: rows read: 12000") for line in lines)


def _trellis(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from trellis.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_it_leaves_nothing_when_killed_midway_and_imports_on_rerun(tmp_path: Path) -> None:
    """A separate SQLite database and process: the import is killed after its first batch."""
    db = tmp_path / "killed.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "TRELLIS_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "trellis.settings",
    }
    migrate = _trellis(env, "migrate", "--verbosity", "0")
    assert migrate.wait() == 0, migrate.stderr.read() if migrate.stderr else ""
    n = 40_000
    path = write_zip(tmp_path / "big.zip", export(n).files())
    process = _trellis(env, "import-activity", "--source", "viva-engage", str(path))
    assert process.stdout is not None
    first = process.stdout.readline()  # printed after the first batch is written
    assert "rows read" in first, first
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import finished before the kill"
    for table in ("activity_message", "activity_space", "activity_esnauthor", "activity_spaceday"):
        assert _count(db, table) == 0, table
    rerun = _trellis(env, "import-activity", "--source", "viva-engage", str(path))
    out, err = rerun.communicate()
    assert rerun.returncode == 0, err
    assert _count(db, "activity_message") == n
