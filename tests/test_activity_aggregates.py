"""Aggregate sources: the generic activity CSV (SpaceDay rows) and the Microsoft 365 report."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.management import call_command

from tests.personas import World
from trellis.activity.models import Space, SpaceDay, UsageReport
from trellis.activity.services import activity_import
from trellis.communities.models import SpaceLink

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "activity.csv"


def test_it_imports_the_documented_activity_csv(world: World, capsys) -> None:  # type: ignore[no-untyped-def]
    SpaceLink.objects.create(source="csv", space="discourse-cat-42", community=world.cloud)
    call_command("import-activity", str(EXAMPLE), source="csv")
    with EXAMPLE.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    stored = {
        (d.space.external_id, d.day.isoformat()): d
        for d in SpaceDay.objects.select_related("space")
    }
    assert len(stored) == len(rows)
    for row in rows:
        day = stored[(row["space_id"], row["date"])]
        assert (day.posts, day.replies, day.reactions) == (
            int(row["posts"]),
            int(row["replies"]),
            int(row["reactions"] or 0),
        )
        assert day.active_authors == (int(row["active_authors"]) if row["active_authors"] else None)
        assert day.space.name == row["space_name"]
    space = Space.objects.get(external_id="discourse-cat-42")
    assert space.community == world.cloud
    assert space.volume == sum(
        int(r["posts"]) + int(r["replies"]) for r in rows if r["space_id"] == space.external_id
    )
    capsys.readouterr()
    call_command("import-activity", str(EXAMPLE), source="csv")
    assert f"unchanged: {len(rows)}" in capsys.readouterr().out


def test_it_replaces_a_day_given_again(world: World, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("space_id,space_name,date,posts,replies\nt1,T,2026-01-05,1,1\n")
    activity_import(actor=None, source="csv", path=path)
    path.write_text(
        "space_id;space_name;date;posts;replies\nt1;T;2026-01-05;2;3\nt1;T;2026-01-06;1;0\n"
    )
    report = activity_import(actor=None, source="csv", path=path)
    assert (report.new, report.updated, report.unchanged) == (1, 1, 0)
    assert list(SpaceDay.objects.order_by("day").values_list("posts", "replies")) == [
        (2, 3),
        (1, 0),
    ]
    assert Space.objects.get(external_id="t1").volume == 6


def test_it_keeps_the_usage_report_as_its_own_series(world: World, tmp_path: Path) -> None:
    SpaceLink.objects.create(source="m365-usage", space="Welding", community=world.welding)
    path = tmp_path / "report.csv"
    header = (
        "\ufeffReport Refresh Date,Group Display Name,Is Deleted,Owner Principal Name,"
        "Last Activity Date,Group Type,Office 365 Connected,Member Count,Posted Count,"
        "Read Count,Liked Count,Report Period,Extra Column\n"
    )
    path.write_text(
        header
        + "2026-03-01,Welding,False,lea@example.com,2026-02-28,Public,Yes,120,45,900,30,30,x\n"
        + "2026-03-01,Cloud,True,,,Private,Yes,10,,,,D7,\n",
        encoding="utf-8",
    )
    report = activity_import(actor=None, source="m365-usage", path=path)
    assert report.ok and report.new == 2
    welding = UsageReport.objects.get(space__external_id="Welding")
    assert (welding.refreshed_on, welding.period_days, welding.last_activity) == (
        dt.date(2026, 3, 1),
        30,
        dt.date(2026, 2, 28),
    )
    assert (welding.member_count, welding.posted_count, welding.read_count) == (120, 45, 900)
    assert welding.space.community == world.welding
    cloud = UsageReport.objects.get(space__external_id="Cloud")
    assert cloud.is_deleted and cloud.period_days == 7 and cloud.posted_count is None
    assert not SpaceDay.objects.exists()  # aggregates never mix with message counts
    again = activity_import(actor=None, source="m365-usage", path=path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
