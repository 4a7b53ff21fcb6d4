"""Closing a KPI year at scale, as a ratio to one SQL aggregate over the same rollups.

    uv run python bench/kpi_close.py [--scale large|enterprise] [--keep DIR]

Runs in a fresh SQLite database in a temporary directory (never touches ./var/):
1. `trellis seed-demo --scale …` (communities, people, memberships, charters, objectives);
2. synthetic activity for the year before the demo's "today", written straight into the
   rollups with executemany (what a year of imports leaves behind): 1–2 ESN spaces per
   community, `SpaceDay` rows for active days (staff and non-staff), `SpaceMonthContributor`
   rows (distinct contributors per space and month, people and unresolved authors), and
   events with attendee counts or lists;
3. baseline: ONE SQL aggregate over the rollups — per community, the year's posts, replies
   and reactions (SpaceDay joined to Space, GROUP BY community), best of 3;
4. `compute_kpis` live for the year (what every open-year page runs), best of 3;
5. closing the year: the `close_year` task (freeze every figure, the per-segment unique
   figures and the monthly series, store the snapshot, audit), run once;
6. reading the closed year back (`compute_kpis` on the snapshot).
Each line prints wall and CPU seconds and their ratios to the baseline measured in the same
run (SQLite works in this process, so CPU time is what an idle machine would take).
"""

# ruff: noqa: S608  (SQL here names tables from the models' _meta; values go as parameters)
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

SPACES_PER_COMMUNITY = (1, 2)
ACTIVE_DAYS = (40, 220)  # active days per space in the year
CONTRIBUTORS = (3, 60)  # distinct contributors per space and month
EVENTS = (0, 12)  # events per community in the year
TODAY = dt.date(2026, 11, 28)


def best(fn, repeat: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, cpu) seconds of the fastest of `repeat` runs. SQLite runs in this process, so
    CPU time is what the work would take on an idle machine; wall time includes waiting
    for the cores other jobs hold."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def synthesise(year: int, seed: int = 7) -> dict[str, int]:
    """Rollups and events for `year`, written in sets (raw executemany, like an import)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from trellis.activity.models import Event, Space, SpaceDay, SpaceMonthContributor
    from trellis.communities.models import Community
    from trellis.people.models import Person

    rng = random.Random(seed)
    counts = {"spaces": 0, "space_days": 0, "contributor_months": 0, "events": 0}
    community_ids = list(
        Community.objects.filter(launched__isnull=False).values_list("pk", flat=True)
    )
    person_ids = list(Person.objects.values_list("pk", flat=True))
    now = timezone.now()
    with transaction.atomic():
        spaces = []
        for cid in community_ids:
            for k in range(rng.randint(*SPACES_PER_COMMUNITY)):
                spaces.append(
                    Space(source="viva-engage", external_id=f"g{cid}-{k}", name=f"Group {cid}-{k}",
                          community_id=cid)
                )  # fmt: skip
        Space.objects.bulk_create(spaces, batch_size=2000)
        space_rows = list(Space.objects.values_list("pk", "community_id"))
        counts["spaces"] = len(space_rows)
        days_of_year = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(365)]
        q = connection.ops.quote_name
        day_sql = (
            f"INSERT INTO {q(SpaceDay._meta.db_table)} (space_id, day, staff, posts, replies, "
            "reactions) VALUES (%s, %s, %s, %s, %s, %s)"
        )
        smc_sql = (
            f"INSERT INTO {q(SpaceMonthContributor._meta.db_table)} (space_id, month, "
            "contributor, staff) VALUES (%s, %s, %s, %s)"
        )
        with connection.cursor() as cursor:
            for space_id, _cid in space_rows:
                rows = []
                for day in rng.sample(days_of_year, rng.randint(*ACTIVE_DAYS)):
                    rows.append((space_id, day, False, rng.randint(0, 6), rng.randint(0, 15),
                                 rng.randint(0, 30)))  # fmt: skip
                    if rng.random() < 0.05:
                        rows.append((space_id, day, True, rng.randint(0, 2), rng.randint(0, 3), 0))
                cursor.executemany(day_sql, rows)
                counts["space_days"] += len(rows)
                rows = []
                for month in range(1, 13):
                    start = dt.date(year, month, 1)
                    pool = rng.sample(person_ids, rng.randint(*CONTRIBUTORS))
                    rows += [(space_id, start, pid, False) for pid in pool]
                    rows.append((space_id, start, -rng.randint(1, 5000), False))
                cursor.executemany(smc_sql, rows)
                counts["contributor_months"] += len(rows)
        events = []
        tz = timezone.get_default_timezone()
        for cid in community_ids:
            for _k in range(rng.randint(*EVENTS)):
                start = dt.datetime.combine(rng.choice(days_of_year), dt.time(14), tz)
                events.append(
                    Event(community_id=cid, type=rng.choice(["webinar", "meeting", "workshop"]),
                          title="Session", start=start, status="held",
                          attendee_count=rng.choice([None, rng.randint(5, 300)]),
                          created_at=now, updated_at=now)
                )  # fmt: skip
        created = Event.objects.bulk_create(events, batch_size=2000)
        counts["events"] = len(created)
        through = Event.attendees.through
        links = []
        for event in created:
            if event.attendee_count is None:
                for pid in rng.sample(person_ids, rng.randint(3, 40)):
                    links.append(through(event_id=event.pk, person_id=pid))
        through.objects.bulk_create(links, batch_size=5000)
        counts["attendee_links"] = len(links)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "large", "enterprise"], default="large")
    parser.add_argument("--keep", help="run in this directory and keep the database")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="trellis-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["TRELLIS_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ["TASKS_BACKEND"] = "immediate"  # the close task runs here, timed end to end
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from trellis.activity.models import Space, SpaceDay
    from trellis.kpis import tasks
    from trellis.kpis.models import KpiSnapshot
    from trellis.kpis.selectors import compute_kpis

    year = TODAY.year - 1
    call_command("migrate", verbosity=0)
    from trellis.communities.models import Community

    if not Community.objects.exists():
        start = time.perf_counter()
        call_command("seed-demo", scale=args.scale, today=TODAY, stdout=io.StringIO())
        print(f"seed-demo --scale {args.scale}: {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        counts = synthesise(year)
        print(f"synthetic {year} activity in {time.perf_counter() - start:.0f} s: {counts}")
    KpiSnapshot.objects.filter(year=year).delete()

    q = connection.ops.quote_name
    aggregate_sql = (
        f"SELECT s.community_id, SUM(d.posts), SUM(d.replies), SUM(d.reactions) "
        f"FROM {q(SpaceDay._meta.db_table)} d JOIN {q(Space._meta.db_table)} s "
        f"ON s.id = d.space_id WHERE d.day >= %s AND d.day <= %s AND s.community_id IS NOT NULL "
        f"GROUP BY s.community_id"
    )

    def aggregate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(aggregate_sql, [dt.date(year, 1, 1), dt.date(year, 12, 31)])
            cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {q(SpaceDay._meta.db_table)}")
        (day_rows,) = cursor.fetchone()

    def line(label: str, what: str, run: tuple[float, float], base: tuple[float, float]) -> None:
        wall, cpu = run
        print(
            f"{label:<9} {what:<52} wall {wall:7.3f} s  cpu {cpu:7.3f} s  "
            f"ratio {wall / base[0]:5.1f} (wall) {cpu / base[1]:5.1f} (cpu)"
        )

    base = best(aggregate)
    line("baseline", f"one SQL aggregate over {day_rows:,} SpaceDay rows", base, base)
    result = compute_kpis(year)
    p = result.programme
    line("live", f"compute_kpis({year}), {p['communities']:,} communities", best(
        lambda: compute_kpis(year)), base)  # fmt: skip
    wall, cpu = time.perf_counter(), time.process_time()
    tasks.close_year.enqueue(year, None)
    close = (time.perf_counter() - wall, time.process_time() - cpu)
    snapshot = KpiSnapshot.objects.get(year=year)
    size = len(str(snapshot.data))
    line("close", f"close_year task (freeze, store {size / 1e6:.1f} MB of JSON)", close, base)
    line("read", f"compute_kpis({year}) on the snapshot", best(lambda: compute_kpis(year)), base)
    print(
        f"figures   members_sum {p['members_sum']:,}, members_unique {p['members_unique']:,}, "
        f"messages {p['messages']:,}, active_contributors_unique "
        f"{p['active_contributors_unique']:,}, events {p['events']:,}"
    )


if __name__ == "__main__":
    main()
