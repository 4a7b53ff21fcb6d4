"""The bad-input corpus: each broken export gets file, line and reason, and nothing applied."""

from __future__ import annotations

import datetime as dt
import json
import random
import string
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.activity_exports import (
    MESSAGE_HEADER,
    SlackExport,
    SlackMessage,
    VivaExport,
    VivaMessage,
    VivaUser,
    to_csv,
    write_zip,
)
from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.activity.models import Message, Space
from trellis.activity.services import activity_import

T = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def export(n: int = 3) -> VivaExport:
    e = VivaExport(users=[VivaUser("1", "Lea", "leader@example.com")], groups={"10": "Welding"})
    e.messages = [VivaMessage(str(100 + i), "10", "1", T + dt.timedelta(hours=i)) for i in range(n)]
    return e


def messages_csv(rows: list[list[str]], header: list[str] = MESSAGE_HEADER) -> bytes:
    return to_csv(header, rows)


def fails(path: Path, source: str, capsys, *, code: int) -> str:  # type: ignore[no-untyped-def]
    """Run the command, expect this exit code, return standard error."""
    before = db_fingerprint()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-activity", str(path), source=source)
    assert exit_info.value.code == code
    assert db_fingerprint() == before, "a failed import changed the database"
    return capsys.readouterr().err


def test_it_refuses_a_truncated_zip(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_zip(tmp_path / "export.zip", export(50).files())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    err = fails(path, "viva-engage", capsys, code=2)
    assert "export.zip" in err and "damaged or truncated" in err


def test_it_refuses_a_damaged_member(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.zip"
    files = export(2000).files()
    write_zip(path, files)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("Messages.csv")
    # Scramble compressed bytes in the middle of Messages.csv; its header stays intact.
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    err = fails(path, "viva-engage", capsys, code=2)
    assert "Messages.csv" in err and "damaged or truncated" in err


def test_it_refuses_a_zip_bomb(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = export().files()
    # 8 MiB of the same byte inflates ~1000 times: refused before anything is read.
    files["Messages.csv"] = files["Messages.csv"] + b" " * (8 * 1024 * 1024)
    err = fails(write_zip(tmp_path / "bomb.zip", files), "viva-engage", capsys, code=2)
    assert "bomb.zip" in err and "ZIP bomb" in err


def test_it_refuses_a_zip_without_messages(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = export().files()
    del files["Messages.csv"]
    err = fails(write_zip(tmp_path / "export.zip", files), "viva-engage", capsys, code=2)
    assert "export.zip" in err and "Messages.csv" in err


@pytest.mark.parametrize("missing", ["created_at", "thread_id"])
def test_it_names_missing_columns(world: World, tmp_path: Path, capsys, missing: str) -> None:  # type: ignore[no-untyped-def]
    e = export()
    keep = [i for i, h in enumerate(MESSAGE_HEADER) if h != missing]
    rows = [[r[i] for i in keep] for r in e.message_rows()]
    files = e.files() | {"Messages.csv": messages_csv(rows, [MESSAGE_HEADER[i] for i in keep])}
    err = fails(write_zip(tmp_path / "export.zip", files), "viva-engage", capsys, code=2)
    assert f"Messages.csv, line 1: Missing required column: {missing}." in err


def test_it_refuses_a_file_that_is_not_a_messages_export(
    world: World, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    files = export().files()
    files["Messages.csv"] = files["Users.csv"]  # wrong headers altogether
    err = fails(write_zip(tmp_path / "export.zip", files), "viva-engage", capsys, code=2)
    assert "Messages.csv, line 1: Missing required columns:" in err


def test_it_reports_every_unparseable_date_with_its_line(
    world: World, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    e = export(4)
    e.messages[0].body = "two\nlines"  # a quoted newline: the next record starts on line 4
    rows = e.message_rows()
    created = MESSAGE_HEADER.index("created_at")
    rows[1][created] = "yesterday"
    rows[3][created] = "2026-13-45T99:00:00Z"
    files = e.files() | {"Messages.csv": messages_csv(rows)}
    err = fails(write_zip(tmp_path / "export.zip", files), "viva-engage", capsys, code=1)
    assert "Messages.csv, line 4: created_at “yesterday” is not a date and time." in err
    assert "Messages.csv, line 6: created_at “2026-13-45T99:00:00Z”" in err
    assert "nothing was imported" in err


def test_it_refuses_nul_bytes_with_their_line(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = export(3).files()
    lines = files["Messages.csv"].split(b"\r\n")
    lines[2] = lines[2].replace(b"Hello", b"Hel\x00lo")
    files["Messages.csv"] = b"\r\n".join(lines)
    err = fails(write_zip(tmp_path / "export.zip", files), "viva-engage", capsys, code=2)
    assert "Messages.csv, line 3:" in err and "NUL byte" in err


def test_it_reads_fields_beyond_the_csv_default_limit(world: World, tmp_path: Path) -> None:
    e = export(2)
    e.messages[0].body = "x" * 200_000  # the csv module refuses > 131,072 by default
    report = activity_import(
        actor=None, source="viva-engage", path=write_zip(tmp_path / "e.zip", e.files())
    )
    assert report.ok and Message.objects.count() == 2


def test_it_refuses_a_field_larger_than_its_limit(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    e = export(3)
    # Random letters: a repeated one would compress like a ZIP bomb and be refused as one.
    e.messages[1].body = "".join(random.Random(1).choices(string.ascii_letters, k=1024 * 1024 + 10))
    files = e.files()
    err = fails(write_zip(tmp_path / "export.zip", files), "viva-engage", capsys, code=2)
    assert "Messages.csv, line 3: A value is longer than" in err


def test_it_reads_cp1252_text(world: World, tmp_path: Path) -> None:
    e = export(1)
    e.groups = {"10": "Sécurité des procédés"}
    files = {name: data.decode("utf-8-sig").encode("cp1252") for name, data in e.files().items()}
    report = activity_import(
        actor=None, source="viva-engage", path=write_zip(tmp_path / "e.zip", files)
    )
    assert report.ok
    assert Space.objects.get(external_id="10").name == "Sécurité des procédés"


def test_it_reports_a_slack_day_file_that_is_not_json(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    slack = SlackExport(channels={"C1": "welding"}, users={"U1": "leader@example.com"})
    slack.messages = [SlackMessage("welding", "U1", T.timestamp() + i * 86400) for i in range(3)]
    files = slack.files()
    files["welding/2026-03-03.json"] = b'[{"type": "message", "ts": "1"},\n  oops'
    err = fails(write_zip(tmp_path / "slack.zip", files), "slack", capsys, code=1)
    assert "welding/2026-03-03.json, line 2: This is not valid JSON" in err


def test_it_refuses_a_slack_export_without_channels(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_zip(tmp_path / "slack.zip", {"users.json": json.dumps([]).encode()})
    err = fails(path, "slack", capsys, code=2)
    assert "slack.zip" in err and "channels.json" in err


def test_it_refuses_a_missing_file(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    err = fails(tmp_path / "nowhere.zip", "viva-engage", capsys, code=2)
    assert "nowhere.zip" in err


def test_it_refuses_bad_rows_of_the_activity_csv(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "activity.csv"
    path.write_text(
        "space_id,space_name,date,posts,replies\n"
        "t1,Team one,2026-03-02,1,2\n"
        "t1,Team one,02/03/2026,1,2\n"
        "t1,Team one,2026-03-03,-1,2\n"
        "t1,Team one,2026-03-02,3,4\n",
        encoding="utf-8",
    )
    err = fails(path, "csv", capsys, code=1)
    assert "activity.csv, line 3: date “02/03/2026” is not a date (YYYY-MM-DD)." in err
    assert "activity.csv, line 4: posts “-1” is not a whole number." in err
    assert "activity.csv, line 5: Line 2 already gives this space and day." in err


def test_it_refuses_an_activity_csv_without_its_columns(
    world: World, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "activity.csv"
    path.write_text("space,day,messages\nx,2026-01-01,3\n", encoding="utf-8")
    err = fails(path, "csv", capsys, code=2)
    assert "activity.csv, line 1: Missing required columns:" in err


def test_it_refuses_bad_rows_of_the_usage_report(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.csv"
    path.write_text(
        "Report Refresh Date,Group Display Name,Report Period,Posted Count\n"
        "2026-03-01,Welding,30,12\n"
        "2026-03-01,Cloud,thirty,4\n",
        encoding="utf-8",
    )
    err = fails(path, "m365-usage", capsys, code=1)
    assert "report.csv, line 3: Report Period “thirty” is not a number of days." in err
