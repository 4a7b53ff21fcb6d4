"""Viva Engage imports: what is counted, where, for whom; idempotence; rollups vs an oracle."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.activity_exports import (
    OracleMessage,
    VivaExport,
    VivaMessage,
    VivaUser,
    oracle_contributors,
    oracle_days,
    write_folder,
    write_zip,
)
from tests.personas import World
from trellis.activity import feed
from trellis.activity.models import (
    AuthorAlias,
    EsnAuthor,
    Message,
    Space,
    SpaceDay,
    SpaceMonthContributor,
)
from trellis.activity.services import activity_import, alias_set, space_map
from trellis.communities.models import SpaceLink
from trellis.core.models import AuditEntry
from trellis.people.models import Person

ZONE = "Pacific/Auckland"  # UTC+13 in January: the year turns while UTC is still in 2025
NEW_YEAR_UTC = dt.datetime(2025, 12, 31, 11, 0, tzinfo=dt.UTC)  # 2026-01-01 00:00 local


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def stored_days() -> dict[tuple[str, dt.date], tuple[int, int, int]]:
    """SpaceDay rows summed over the staff flag, keyed by the space's id in its source."""
    sums: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in SpaceDay.objects.select_related("space"):
        key = (row.space.external_id, row.day)
        sums[key][0] += row.posts
        sums[key][1] += row.replies
        sums[key][2] += row.reactions
    return {k: (v[0], v[1], v[2]) for k, v in sums.items()}


def stored_contributors() -> dict[tuple[str, dt.date], set[str]]:
    """SpaceMonthContributor as person e-mails, or "esn:<id>" for unresolved authors."""
    emails = dict(Person.objects.values_list("pk", "email"))
    authors = dict(EsnAuthor.objects.values_list("pk", "external_id"))
    found: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for row in SpaceMonthContributor.objects.select_related("space"):
        key = row.contributor
        name = emails[key].lower() if key > 0 else "esn:" + authors[-key]
        found[(row.space.external_id, row.month)].add(name)
    return dict(found)


def raw_days(zone: str) -> dict[tuple[str, dt.date], tuple[int, int, int]]:
    """The same figures aggregated straight from the stored messages."""
    tz = zoneinfo.ZoneInfo(zone)
    sums: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for m in Message.objects.filter(counted=True).select_related("space"):
        key = (m.space.external_id, m.created_at.astimezone(tz).date())
        sums[key][0 if m.is_post else 1] += 1
        sums[key][2] += m.reactions
    return {k: (v[0], v[1], v[2]) for k, v in sums.items()}


def as_oracle(export: VivaExport) -> list[OracleMessage]:
    return [
        OracleMessage(
            "viva-engage",
            m.group or "all-company",
            m.sender,
            m.created,
            m.thread_id == m.id,
            0,
            m.counted,
        )
        for m in export.messages
        if m.group or not m.private
    ]


def base_export() -> VivaExport:
    return VivaExport(
        users=[
            VivaUser("1", "Lea Leader", "LEADER@Example.com"),  # resolves by e-mail, any case
            VivaUser("2", "Mia Alias", "mia.private@gmail.com"),  # resolves only by alias
            VivaUser("3", "Zed Nobody", "zed@elsewhere.org"),  # never resolves
        ],
        groups={"10": "Welding", "11": "Cloud Security"},
    )


def run(path: Path, **options: object) -> None:
    call_command("import-activity", str(path), source="viva-engage", **options)


@pytest.fixture
def auckland(settings):  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = ZONE
    return ZONE


def test_it_counts_posts_replies_and_contributors_by_local_day(
    world: World, tmp_path: Path, auckland: str
) -> None:
    AuthorAlias.objects.create(key="mia.private@gmail.com", person=world.member.person)
    export = base_export()
    before = NEW_YEAR_UTC - dt.timedelta(minutes=30)  # 31 Dec 23:30 in Auckland
    after = NEW_YEAR_UTC + dt.timedelta(minutes=30)  # 1 Jan 00:30 in Auckland
    export.messages = [
        VivaMessage("100", "10", "1", before),
        VivaMessage("101", "10", "2", after, thread="100"),
        VivaMessage("102", "10", "3", after, slash_date=True),
        VivaMessage("103", "11", "1", after, deleted=True),
        VivaMessage("104", "10", "1", after, system=True),
        VivaMessage("105", "", "2", after, private=True),  # a private conversation
        VivaMessage("106", "", "3", after),  # All Company
    ]
    run(write_zip(tmp_path / "export.zip", export.files()))
    assert stored_days() == oracle_days(as_oracle(export), ZONE)
    resolve = {"1": "leader@example.com", "2": "member@example.com"}
    assert stored_contributors() == oracle_contributors(as_oracle(export), ZONE, resolve)
    # The 2025 post and the 2026 reply land in different years despite the same UTC day.
    assert stored_days()[("10", dt.date(2025, 12, 31))] == (1, 0, 0)
    assert stored_days()[("10", dt.date(2026, 1, 1))] == (1, 1, 0)
    # Excluded messages are kept (not counted) when they belong to a space, so that a
    # later export can update them; a private conversation has no space and is skipped.
    assert set(Message.objects.filter(counted=False).values_list("external_id", flat=True)) == {
        "103",
        "104",
    }
    assert not Message.objects.filter(external_id="105").exists()
    assert EsnAuthor.objects.get(external_id="3").person is None


def test_it_changes_nothing_when_the_same_file_comes_twice(
    world: World, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    export = base_export()
    export.messages = [
        VivaMessage(str(200 + i), "10", "1", utc(2026, 3, 1 + i, 9)) for i in range(20)
    ]
    path = write_zip(tmp_path / "export.zip", export.files())
    run(path)
    capsys.readouterr()
    snapshot = (
        list(Message.objects.order_by("pk").values()),
        list(SpaceDay.objects.order_by("pk").values()),
        list(SpaceMonthContributor.objects.order_by("pk").values()),
    )
    audits = AuditEntry.objects.filter(action="activity.import").count()
    run(path)
    out = capsys.readouterr().out
    assert "imported: 0" in out and f"unchanged: {len(export.messages)}" in out
    assert snapshot == (
        list(Message.objects.order_by("pk").values()),
        list(SpaceDay.objects.order_by("pk").values()),
        list(SpaceMonthContributor.objects.order_by("pk").values()),
    )
    assert AuditEntry.objects.filter(action="activity.import").count() == audits + 1


def test_it_never_double_counts_overlapping_exports(world: World, tmp_path: Path) -> None:
    first = base_export()
    first.messages = [
        VivaMessage(str(300 + i), "10", "1", utc(2026, 4, 1 + i, 8)) for i in range(6)
    ]
    second = base_export()
    # Days 4-6 again (one now deleted), then days 7-9.
    second.messages = [
        VivaMessage(str(300 + i), "10", "1", utc(2026, 4, 1 + i, 8), deleted=(i == 4))
        for i in range(3, 9)
    ]
    run(write_zip(tmp_path / "a.zip", first.files()))
    run(write_zip(tmp_path / "b.zip", second.files()))
    final = {m.id: m for m in first.messages + second.messages}  # the later export wins
    assert Message.objects.count() == len(final)
    expected = oracle_days(
        [
            OracleMessage("viva-engage", m.group, m.sender, m.created, True, 0, m.counted)
            for m in final.values()
        ],
        "UTC",
    )
    assert stored_days() == expected
    assert stored_days().get(("10", dt.date(2026, 4, 5))) is None  # its only message deleted
    assert Space.objects.get(external_id="10").volume == sum(v[0] for v in expected.values())


def test_it_moves_a_message_and_its_counts_to_another_space(world: World, tmp_path: Path) -> None:
    export = base_export()
    export.messages = [VivaMessage("400", "10", "1", utc(2026, 5, 2, 8))]
    run(write_zip(tmp_path / "a.zip", export.files()))
    export.messages = [VivaMessage("400", "11", "1", utc(2026, 5, 2, 8))]
    run(write_zip(tmp_path / "b.zip", export.files()))
    assert stored_days() == {("11", dt.date(2026, 5, 2)): (1, 0, 0)}
    assert set(stored_contributors()) == {("11", dt.date(2026, 5, 1))}


def test_it_changes_nothing_on_a_dry_run(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    export = base_export()
    export.messages = [VivaMessage("500", "10", "1", utc(2026, 6, 1, 8))]
    run(write_zip(tmp_path / "a.zip", export.files()), dry_run=True)
    out = capsys.readouterr().out
    assert "new: 1" in out and "Dry run" in out
    assert not Message.objects.exists() and not Space.objects.exists()
    assert not AuditEntry.objects.filter(action="activity.import").exists()


def test_it_reads_an_unpacked_folder_with_network_subfolders(world: World, tmp_path: Path) -> None:
    home, external = base_export(), base_export()
    home.messages = [VivaMessage("600", "10", "1", utc(2026, 2, 1, 8))]
    external.groups = {"90": "Partners"}
    external.messages = [VivaMessage("601", "90", "3", utc(2026, 2, 1, 9))]
    files = home.files() | {f"4242/{k}": v for k, v in external.files().items()}
    run(write_folder(tmp_path / "export", files))
    assert set(Message.objects.values_list("external_id", flat=True)) == {"600", "601"}
    assert Space.objects.get(external_id="90").name == "Partners"


def test_it_maps_spaces_by_id_or_name_before_and_after_import(world: World, tmp_path: Path) -> None:
    SpaceLink.objects.create(source="viva-engage", space="Welding", community=world.welding)
    export = base_export()
    export.messages = [
        VivaMessage("700", "10", "1", utc(2026, 2, 1, 8)),
        VivaMessage("701", "11", "1", utc(2026, 2, 1, 8)),
    ]
    run(write_zip(tmp_path / "a.zip", export.files()))
    assert Space.objects.get(external_id="10").community == world.welding  # by exact name
    cloud = Space.objects.get(external_id="11")
    assert cloud.community is None
    rollups = stored_days()
    space_map(actor=world.office, space=cloud, community=world.cloud)
    cloud.refresh_from_db()
    assert cloud.community == world.cloud
    assert stored_days() == rollups  # rollups are keyed by space: nothing to recompute
    assert SpaceLink.objects.get(source="viva-engage", space="11").community == world.cloud
    assert AuditEntry.objects.filter(action="space.map").count() == 1
    # A mapping by id wins over one by name.
    SpaceLink.objects.create(source="viva-engage", space="10", community=world.cloud)
    run(write_zip(tmp_path / "b.zip", export.files()))
    assert Space.objects.get(external_id="10").community == world.cloud


def test_it_recomputes_contributors_when_an_alias_changes(world: World, tmp_path: Path) -> None:
    export = base_export()
    export.messages = [
        VivaMessage("800", "10", "2", utc(2026, 1, 10, 8)),
        VivaMessage("801", "10", "1", utc(2026, 2, 10, 8)),
        VivaMessage("802", "10", "2", utc(2026, 3, 10, 8)),
    ]
    run(write_zip(tmp_path / "a.zip", export.files()))
    jan, mar = dt.date(2026, 1, 1), dt.date(2026, 3, 1)
    assert stored_contributors()[("10", jan)] == {"esn:2"}
    alias_set(actor=world.office, key="2", person=world.leader.person, source="viva-engage")
    assert stored_contributors()[("10", jan)] == {"leader@example.com"}
    assert stored_contributors()[("10", mar)] == {"leader@example.com"}
    assert AuditEntry.objects.filter(action="author.alias").count() == 1
    alias_set(actor=world.office, key="2", person=None, source="viva-engage")
    assert stored_contributors()[("10", mar)] == {"esn:2"}


def test_it_splits_programme_staff_in_the_day_rollups(world: World, tmp_path: Path) -> None:
    Person.objects.filter(pk=world.leader.person.pk).update(is_programme_staff=True)
    export = base_export()
    export.messages = [
        VivaMessage("900", "10", "1", utc(2026, 1, 10, 8)),
        VivaMessage("901", "10", "3", utc(2026, 1, 10, 9)),
    ]
    run(write_zip(tmp_path / "a.zip", export.files()))
    rows = {r.staff: r.posts for r in SpaceDay.objects.all()}
    assert rows == {True: 1, False: 1}
    staff = SpaceMonthContributor.objects.get(staff=True)
    assert staff.contributor == world.leader.person.pk


def test_it_parses_in_a_child_process_the_same_as_inline(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Twelve batches: more than the pipe and the parsing process's outbox hold at once.
    monkeypatch.setattr(feed, "BATCH", 1000)
    export = base_export()
    export.messages = [
        VivaMessage(
            str(1000 + i),
            "10" if i % 3 else "11",
            str(1 + i % 3),
            utc(2026, 1, 1) + dt.timedelta(hours=7 * i),
            thread="" if i % 4 else "1000",
            deleted=i % 11 == 0,
        )  # fmt: skip
        for i in range(12_000)
    ]
    path = write_zip(tmp_path / "a.zip", export.files())
    report = activity_import(actor=None, source="viva-engage", path=path, parallel=True)
    assert report.ok and report.new == len(export.messages)
    inline = stored_days(), stored_contributors()
    Message.objects.all().delete()
    SpaceDay.objects.all().delete()
    SpaceMonthContributor.objects.all().delete()
    report = activity_import(actor=None, source="viva-engage", path=path, parallel=False)
    assert report.ok and report.new == len(export.messages)
    assert (stored_days(), stored_contributors()) == inline


# --- Property: rollups equal the raw aggregation, whatever the exports -------------------------

SENDERS = ["1", "2", "3", "4"]
message_strategy = st.builds(
    lambda mid, group, sender, minutes, reply, flag: VivaMessage(
        # A private conversation never shares an id with a group message.
        str(mid + (1000 if flag == "private" and group == "" else 0)),
        group,
        sender,
        NEW_YEAR_UTC + dt.timedelta(minutes=minutes),
        thread="" if not reply else "1",
        private=flag == "private" and group == "",
        deleted=flag == "deleted",
        system=flag == "system",
    ),
    st.integers(1, 60),
    st.sampled_from(["10", "11", ""]),
    st.sampled_from(SENDERS),
    st.integers(-60 * 24 * 40, 60 * 24 * 40),
    st.booleans(),
    st.sampled_from(["", "", "", "deleted", "system", "private"]),
)


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(message_strategy, max_size=25),
    second=st.lists(message_strategy, max_size=25),
)
def test_it_keeps_rollups_equal_to_the_raw_aggregation(
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
    first: list,
    second: list,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.TIME_ZONE = ZONE
    for model in (Message, SpaceDay, SpaceMonthContributor, EsnAuthor, Space, AuthorAlias):
        model.objects.all().delete()
    AuthorAlias.objects.create(source="viva-engage", key="2", person=world.member.person)
    folder = tmp_path_factory.mktemp("exports")
    exports = []
    for i, messages in enumerate((first, second)):
        export = base_export()
        export.users.append(VivaUser("4", "Core", "core@example.com"))
        export.messages = list({m.id: m for m in messages}.values())
        exports.append(export)
        report = activity_import(
            actor=None, source="viva-engage", path=write_zip(folder / f"{i}.zip", export.files())
        )
        assert report.ok
    final = {m.id: m for e in exports for m in e.messages}
    final_export = base_export()
    final_export.messages = list(final.values())
    oracle = as_oracle(final_export)
    assert stored_days() == raw_days(ZONE) == oracle_days(oracle, ZONE)
    resolve = {"1": "leader@example.com", "2": "member@example.com", "4": "core@example.com"}
    assert stored_contributors() == oracle_contributors(oracle, ZONE, resolve)
    # Importing the last export again changes nothing.
    again = activity_import(actor=None, source="viva-engage", path=folder / "1.zip", dry_run=True)
    assert again.imported == 0


@pytest.mark.parametrize("parallel", [False, True])
def test_it_keeps_the_last_of_a_message_given_twice_in_one_export(
    world: World, tmp_path: Path, parallel: bool
) -> None:
    export = base_export()
    export.messages = [
        VivaMessage("950", "10", "1", utc(2026, 1, 10, 8)),
        VivaMessage("951", "10", "1", utc(2026, 1, 11, 8)),
        VivaMessage("950", "11", "3", utc(2026, 2, 10, 8)),  # the same id again
    ]
    report = activity_import(
        actor=None,
        source="viva-engage",
        path=write_zip(tmp_path / "a.zip", export.files()),
        parallel=parallel,
    )
    assert report.ok and report.new == 2 and report.updated == 1
    assert Message.objects.count() == 2
    assert stored_days() == {
        ("10", dt.date(2026, 1, 11)): (1, 0, 0),
        ("11", dt.date(2026, 2, 10)): (1, 0, 0),
    }
    assert stored_contributors()[("11", dt.date(2026, 2, 1))] == {"esn:3"}


def test_it_sums_a_first_import_as_the_sql_rebuild_does(
    world: World, tmp_path: Path, auckland: str
) -> None:
    """A first import adds its rollups up while reading; `rebuild-activity` recomputes them
    from the stored messages with SQL: both must agree, staff split included."""
    Person.objects.filter(pk=world.leader.person.pk).update(is_programme_staff=True)
    AuthorAlias.objects.create(key="2", source="viva-engage", person=world.member.person)
    export = base_export()
    export.messages = [
        VivaMessage(
            str(3000 + i),
            ["10", "11", ""][i % 3],
            str(1 + i % 3),
            NEW_YEAR_UTC + dt.timedelta(hours=5 * i - 300),
            thread="" if i % 4 else "3000",
            deleted=i % 13 == 0,
            system=i % 17 == 0,
        )  # fmt: skip
        for i in range(300)
    ]
    report = activity_import(
        actor=None, source="viva-engage", path=write_zip(tmp_path / "a.zip", export.files())
    )
    assert report.ok and report.new == 300

    def rollup_rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[object]]:
        return (
            sorted(
                SpaceDay.objects.values_list(
                    "space_id", "day", "staff", "posts", "replies", "reactions"
                )
            ),
            sorted(
                SpaceMonthContributor.objects.values_list(
                    "space_id", "month", "contributor", "staff"
                )
            ),
            sorted(Space.objects.values_list("pk", "volume", "last_day")),
        )

    summed = rollup_rows()
    assert any(row[2] for row in summed[0]) and any(not row[2] for row in summed[0])
    call_command("rebuild-activity")
    assert rollup_rows() == summed
    assert stored_days() == raw_days(ZONE)


def test_a_large_import_refreshes_postgresql_statistics(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without fresh statistics the next import's look-ups by natural key were planned as
    if the table were empty (bench/README.md): a large import analyzes what it wrote."""
    from django.db import connection

    from trellis.activity import importer

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 15)

    def estimated() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [Message._meta.db_table],
            )
            return float(cursor.fetchone()[0])

    def import_messages(count: int, name: str) -> None:
        export = base_export()
        export.messages = [
            VivaMessage(str(7000 + i), "10", str(1 + i % 3), utc(2026, 1, 1 + i % 28, 8))
            for i in range(count)
        ]
        report = activity_import(
            actor=None, source="viva-engage", path=write_zip(tmp_path / name, export.files())
        )
        assert report.ok

    import_messages(10, "small.zip")  # under the threshold: left to autovacuum
    assert estimated() != Message.objects.count()
    import_messages(40, "large.zip")  # 30 new messages
    assert estimated() == Message.objects.count() == 40


def test_it_leaves_the_sums_to_sql_past_its_memory_bound(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trellis.activity import importer

    monkeypatch.setattr(importer, "SUM_WHILE_READING_MAX", 5)
    export = base_export()
    export.messages = [
        VivaMessage(str(4000 + i), ["10", "11"][i % 2], str(1 + i % 3), utc(2026, 1, 1 + i % 28, 8))
        for i in range(200)
    ]
    report = activity_import(
        actor=None, source="viva-engage", path=write_zip(tmp_path / "a.zip", export.files())
    )
    assert report.ok
    assert stored_days() == raw_days("UTC") == oracle_days(as_oracle(export), "UTC")
