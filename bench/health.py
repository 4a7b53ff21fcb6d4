"""Community health of every community, as a ratio to one SQL aggregate over the same rollups.

    uv run python bench/health.py [--communities 5000] [--keep DIR]

Runs in a fresh SQLite database in a temporary directory (never touches ./var/):
1. generates N active communities written in sets: a leader and a sponsor each (one
   person per role), 1-2 ESN spaces, a `SpaceDay` row for about one day a week of the
   last seven months, 2-10 `SpaceMonthContributor` rows per space and month, this year's
   or last year's charter, 0-6 events, and a leader questionnaire for half of them;
2. baseline: ONE SQL aggregate — per community, the messages of the last three complete
   months and of the three before (SpaceDay joined to Space, GROUP BY community), best of 3;
3. `health_statuses()` for every community (what the programme view and the snapshot
   run), best of 3, with its number of queries;
4. the programme view's selector (`programme_health`, statuses plus the filtered list);
5. `health_snapshot_take` (statuses, one bulk insert, one audit entry), once.
Each line prints wall and CPU seconds and their ratios to the baseline of the same run.
"""

# ruff: noqa: S608  (SQL here names tables from the models' _meta; values go as parameters)
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 28)


def best(fn, repeat: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def generate(n: int, seed: int = 7) -> dict[str, int]:
    from django.db import transaction

    from trellis.activity.models import Event, Space, SpaceDay, SpaceMonthContributor
    from trellis.communities.models import CharterVersion, Community, Membership, Role, Stage
    from trellis.health.models import HealthCheck
    from trellis.health.questionnaire import CAUSES
    from trellis.people.models import Person

    rng = random.Random(seed)
    start = dt.date(TODAY.year, TODAY.month, 1) - dt.timedelta(days=215)
    days = [start + dt.timedelta(days=i) for i in range((TODAY - start).days)]
    counts: dict[str, int] = {}
    with transaction.atomic():
        Community.objects.bulk_create(
            [
                Community(
                    name=f"Community {i:05d}",
                    slug=f"c{i:05d}",
                    stage=Stage.ACTIVE,
                    launched=dt.date(2020, 1, 1),
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
        ids = list(Community.objects.values_list("pk", flat=True))
        Person.objects.bulk_create(
            [Person(name=f"P{i}", email=f"p{i}@example.com") for i in range(2 * n)],
            batch_size=2000,
        )
        people = list(Person.objects.values_list("pk", flat=True))
        Membership.objects.bulk_create(
            [
                Membership(
                    person_id=people[2 * k + j],
                    community_id=cid,
                    role=(Role.LEADER, Role.SPONSOR)[j],
                    joined=dt.date(2022, 1, 1),
                )
                for k, cid in enumerate(ids)
                for j in (0, 1)
                if not (j == 1 and rng.random() < 0.1)  # a tenth without sponsor
            ],
            batch_size=5000,
        )
        Space.objects.bulk_create(
            [
                Space(source="viva-engage", external_id=f"g{cid}-{k}", community_id=cid)
                for cid in ids
                for k in range(rng.randint(1, 2))
            ],
            batch_size=2000,
        )
        spaces = list(Space.objects.values_list("pk", flat=True))
        rows = []
        contributors = []
        for sid in spaces:
            level = rng.choice([0.2, 1, 1, 1, 3])
            for day in days[rng.randint(0, 6) :: 7]:  # one active day a week
                if rng.random() < 0.9:
                    rows.append(
                        SpaceDay(
                            space_id=sid,
                            day=day,
                            posts=int(rng.randint(0, 4) * level),
                            replies=int(rng.randint(0, 8) * level),
                        )
                    )
            for m in range(7):
                month = dt.date(TODAY.year, TODAY.month, 1) - dt.timedelta(days=31 * m)
                month = month.replace(day=1)
                for c in rng.sample(range(1, 400), rng.randint(2, 10)):
                    contributors.append(
                        SpaceMonthContributor(space_id=sid, month=month, contributor=c)
                    )
        SpaceDay.objects.bulk_create(rows, batch_size=10000)
        SpaceMonthContributor.objects.bulk_create(contributors, batch_size=10000)
        counts["space_days"] = len(rows)
        counts["contributor_months"] = len(contributors)
        CharterVersion.objects.bulk_create(
            [
                CharterVersion(community_id=cid, year=rng.choice([2025, 2026, 2026]), version=1)
                for cid in ids
            ],
            batch_size=2000,
        )
        events = []
        for cid in ids:
            for _ in range(rng.randint(0, 6)):
                when = dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC) + dt.timedelta(
                    days=rng.randint(0, 690)
                )
                events.append(Event(community_id=cid, title="Webinar", start=when, status="held"))
        Event.objects.bulk_create(events, batch_size=5000)
        counts["events"] = len(events)
        checks = [
            HealthCheck(
                community_id=cid,
                answers={c.key: rng.choice([0, 0, 0, 1, 2]) for c in CAUSES},
            )
            for cid in ids
            if rng.random() < 0.5
        ]
        HealthCheck.objects.bulk_create(checks, batch_size=2000)
        counts["questionnaires"] = len(checks)
    counts["communities"] = len(ids)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=5000)
    parser.add_argument("--keep", help="run in this directory and keep the database")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="trellis-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["TRELLIS_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trellis.activity.models import Space, SpaceDay
    from trellis.communities.models import Community
    from trellis.health.selectors import _month_start, health_statuses, programme_health
    from trellis.health.services import health_snapshot_take

    call_command("migrate", verbosity=0)
    if not Community.objects.exists():
        start = time.perf_counter()
        counts = generate(args.communities)
        print(f"generated in {time.perf_counter() - start:.0f} s: {counts}")

    q = connection.ops.quote_name
    sql = (
        f"SELECT s.community_id, SUM(CASE WHEN d.day >= %s THEN d.posts + d.replies END), "
        f"SUM(CASE WHEN d.day < %s THEN d.posts + d.replies END) "
        f"FROM {q(SpaceDay._meta.db_table)} d JOIN {q(Space._meta.db_table)} s "
        f"ON s.id = d.space_id WHERE d.day >= %s AND d.day < %s "
        f"GROUP BY s.community_id"
    )
    m3, m6, m0 = _month_start(TODAY, 3), _month_start(TODAY, 6), _month_start(TODAY, 0)

    def aggregate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [m3, m3, m6, m0])
            cursor.fetchall()

    base = best(aggregate)

    def line(what: str, run: tuple[float, float], extra: str = "") -> None:
        wall, cpu = run
        print(
            f"{what:<44} wall {wall:7.3f} s  cpu {cpu:7.3f} s  "
            f"ratio {wall / base[0]:5.1f} (wall) {cpu / base[1]:5.1f} (cpu) {extra}"
        )

    line("baseline: one SQL aggregate of messages", base)
    with CaptureQueriesContext(connection) as ctx:
        statuses = health_statuses(today=TODAY)
    by_status: dict[str, int] = {}
    for h in statuses.values():
        by_status[h.status] = by_status.get(h.status, 0) + 1
    line(
        f"health_statuses() for {len(statuses)} communities",
        best(lambda: health_statuses(today=TODAY)),
        f"{len(ctx.captured_queries)} queries {by_status}",
    )
    with CaptureQueriesContext(connection) as ctx:
        programme_health(today=TODAY)
    line(
        "programme view selector (all statuses)",
        best(lambda: programme_health(today=TODAY)),
        f"{len(ctx.captured_queries)} queries",
    )
    with CaptureQueriesContext(connection) as ctx:
        run = best(lambda: health_snapshot_take(actor=None, today=TODAY), repeat=1)
    line("health_snapshot_take (bulk insert + audit)", run, f"{len(ctx.captured_queries)} queries")


if __name__ == "__main__":
    main()
