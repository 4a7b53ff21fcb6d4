"""Rollups rebuilt with set-based SQL, for chosen (space, month) pairs only.

`SpaceDay` and `SpaceMonthContributor` of message-based spaces are derived data: for each
affected pair, the rows of that space and month are deleted and recomputed from the
counted messages with one INSERT … SELECT … GROUP BY per table. The local day is the
stored `Message.day`, so the SQL is the same on SQLite and PostgreSQL. Callers run this
inside their transaction.

A pair is (space id, "YYYY-MM").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection

from trellis.activity.models import (
    EsnAuthor,
    Message,
    Source,
    Space,
    SpaceDay,
    SpaceMonthContributor,
)
from trellis.people.models import Person

Pair = tuple[int, str]

AFFECTED = "activity_affected_tmp"
# Sources whose rollups derive from messages (the others write SpaceDay rows directly).
MESSAGE_SOURCES = (Source.VIVA_ENGAGE, Source.SLACK)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year, mon = int(month[:4]), int(month[5:7])
    start = dt.date(year, mon, 1)
    end = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "message": q(Message._meta.db_table),
        "author": q(EsnAuthor._meta.db_table),
        "person": q(Person._meta.db_table),
        "day": q(SpaceDay._meta.db_table),
        "smc": q(SpaceMonthContributor._meta.db_table),
        "space": q(Space._meta.db_table),
        "tmp": q(AFFECTED),
    }


def sql(template: str) -> str:
    """A statement with its {table} names filled in (quoted names from _meta, no values:
    values always go as parameters)."""
    return template.format(**_tables())


CREATE_AFFECTED = """CREATE TEMPORARY TABLE {tmp}
    (space_id bigint NOT NULL, month_start date NOT NULL, month_end date NOT NULL)"""
INSERT_AFFECTED = "INSERT INTO {tmp} (space_id, month_start, month_end) VALUES (%s, %s, %s)"
DELETE_DAYS = """DELETE FROM {day} WHERE EXISTS (SELECT 1 FROM {tmp} a
    WHERE a.space_id = {day}.space_id AND {day}.day >= a.month_start
    AND {day}.day < a.month_end)"""
DELETE_CONTRIBUTORS = """DELETE FROM {smc} WHERE EXISTS (SELECT 1 FROM {tmp} a
    WHERE a.space_id = {smc}.space_id AND {smc}.month = a.month_start)"""
# Counted messages of the affected months; the person's staff flag splits the day rows.
INSERT_DAYS = """INSERT INTO {day} (space_id, day, staff, posts, replies, reactions)
    SELECT m.space_id, m.day, COALESCE(p.is_programme_staff, FALSE),
           SUM(CASE WHEN m.is_post THEN 1 ELSE 0 END),
           SUM(CASE WHEN m.is_post THEN 0 ELSE 1 END),
           SUM(m.reactions)
    FROM {tmp} a
    JOIN {message} m
      ON m.space_id = a.space_id AND m.day >= a.month_start AND m.day < a.month_end
    LEFT JOIN {author} ea ON ea.id = m.author_id
    LEFT JOIN {person} p ON p.id = ea.person_id
    WHERE m.counted
    GROUP BY m.space_id, m.day, COALESCE(p.is_programme_staff, FALSE)"""
# One row per contributor: the person, or the unresolved author (negated id).
INSERT_CONTRIBUTORS = """INSERT INTO {smc} (space_id, month, contributor, staff)
    SELECT m.space_id, a.month_start, COALESCE(ea.person_id, -ea.id),
           COALESCE(p.is_programme_staff, FALSE)
    FROM {tmp} a
    JOIN {message} m
      ON m.space_id = a.space_id AND m.day >= a.month_start AND m.day < a.month_end
    JOIN {author} ea ON ea.id = m.author_id
    LEFT JOIN {person} p ON p.id = ea.person_id
    WHERE m.counted
    GROUP BY m.space_id, a.month_start, COALESCE(ea.person_id, -ea.id),
             COALESCE(p.is_programme_staff, FALSE)"""
# Space.volume and Space.last_day of the spaces that the subquery (or list) selects.
REFRESH_VOLUMES = """UPDATE {space} SET
    volume = COALESCE((SELECT SUM(d.posts + d.replies) FROM {day} d
                       WHERE d.space_id = {space}.id), 0),
    last_day = (SELECT MAX(d.day) FROM {day} d WHERE d.space_id = {space}.id)
    WHERE id IN (%(spaces)s)"""


def rebuild(pairs: Iterable[Pair], *, beat: Callable[[], None] | None = None) -> int:
    """Recompute the rollups of these (space, month) pairs; returns how many pairs."""
    pairs = sorted(set(pairs))
    if not pairs:
        return 0
    with connection.cursor() as cursor:
        _fill_affected(cursor, pairs)
        for statement in (DELETE_DAYS, DELETE_CONTRIBUTORS, INSERT_DAYS, INSERT_CONTRIBUTORS):
            cursor.execute(sql(statement))
            if beat is not None:
                beat()
        cursor.execute(sql(REFRESH_VOLUMES) % {"spaces": sql("SELECT space_id FROM {tmp}")})
        cursor.execute(sql("DROP TABLE {tmp}"))
    return len(pairs)


def replace(
    pairs: Iterable[Pair],
    days: list[tuple[Any, ...]],
    contributors: list[tuple[Any, ...]],
    *,
    beat: Callable[[], None] | None = None,
) -> int:
    """Replace the rollups of these pairs with rows computed by the caller (a first import
    sums while it reads): (space, day, staff, posts, replies, reactions) and (space,
    month, contributor, staff), with dates as the database stores them."""
    pairs = sorted(set(pairs))
    if not pairs:
        return 0
    insert_days = sql(
        "INSERT INTO {day} (space_id, day, staff, posts, replies, reactions) "
        "VALUES (%s, %s, %s, %s, %s, %s)"
    )
    insert_contributors = sql(
        "INSERT INTO {smc} (space_id, month, contributor, staff) VALUES (%s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        _fill_affected(cursor, pairs)
        for statement in (DELETE_DAYS, DELETE_CONTRIBUTORS):
            cursor.execute(sql(statement))
        if connection.vendor == "sqlite":
            # The DB-API cursor: Django's wrapper costs a third more on these hundreds of
            # thousands of rows (the writer's rows bind their flags as 0/1 there).
            raw = connection.connection.cursor()
            try:
                raw.executemany(insert_days.replace("%s", "?"), days)
                if beat is not None:
                    beat()
                raw.executemany(insert_contributors.replace("%s", "?"), contributors)
            finally:
                raw.close()
        else:
            cursor.executemany(insert_days, days)
            if beat is not None:
                beat()
            cursor.executemany(insert_contributors, contributors)
        cursor.execute(sql(REFRESH_VOLUMES) % {"spaces": sql("SELECT space_id FROM {tmp}")})
        cursor.execute(sql("DROP TABLE {tmp}"))
    return len(pairs)


def _fill_affected(cursor: Any, pairs: list[Pair]) -> None:
    adapt = connection.ops.adapt_datefield_value
    rows = []
    for space_id, month in pairs:
        start, end = month_bounds(month)
        rows.append((space_id, adapt(start), adapt(end)))
    cursor.execute(sql("DROP TABLE IF EXISTS {tmp}"))
    cursor.execute(sql(CREATE_AFFECTED))
    cursor.executemany(sql(INSERT_AFFECTED), rows)


def refresh_volumes(space_ids: list[int]) -> None:
    """Space.volume and Space.last_day of these spaces (aggregate sources)."""
    with connection.cursor() as cursor:
        for i in range(0, len(space_ids), 500):
            part = space_ids[i : i + 500]
            cursor.execute(sql(REFRESH_VOLUMES) % {"spaces": ", ".join(["%s"] * len(part))}, part)


def pairs_of_contributors(keys: Iterable[int]) -> set[Pair]:
    """The (space, month) pairs where these contributor keys have rollup rows."""
    found: set[Pair] = set()
    keys = list(set(keys))
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for space_id, month in (
            SpaceMonthContributor.objects.filter(contributor__in=chunk)
            .values_list("space_id", "month")
            .distinct()
        ):
            found.add((space_id, month.isoformat()[:7]))
    return found


def rebuild_all(*, beat: Callable[[], None] | None = None) -> int:
    """Every message-based rollup, recomputed (after a change of TIME_ZONE, or to check)."""
    pairs: set[Pair] = set()
    # Pairs that have messages, and pairs that have rollups (stale ones get deleted).
    for space_id, day in Message.objects.values_list("space_id", "day").distinct().iterator():
        pairs.add((space_id, day.isoformat()[:7]))
    for space_id, day in (
        SpaceDay.objects.filter(space__source__in=MESSAGE_SOURCES)
        .values_list("space_id", "day")
        .distinct()
        .iterator()
    ):
        pairs.add((space_id, day.isoformat()[:7]))
    return rebuild(pairs, beat=beat)
