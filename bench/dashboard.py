"""Dashboard benchmark: requests per second and p95 of the programme dashboard, its export
and a community scorecard under gunicorn, as a ratio to /healthz measured in the same run.

    uv run python bench/dashboard.py [--db FILE] [--scale large] [--messages 2000000] ...

1. Seeds the demo programme (`trellis seed-demo`, `large` by default: 500 communities,
   50,000 people, 250,000 memberships) into a temporary SQLite file, or reuses --db.
2. Adds synthetic ESN activity for --messages messages over the last three years, written
   as what the importer keeps for KPIs: one ESN space per launched community, daily
   rollups (`SpaceDay`) and monthly contributor rows (`SpaceMonthContributor`, drawn from
   each community's members), plus held events (webinars, meetings) with attendee counts.
3. Phase "open": every year is computed live, as before the office closes any year.
   Phase "closed": the past years are closed (`kpi_year_close`, timed), so only the open
   year is computed live and the trends read snapshots, as in a running programme.
4. In each phase, gunicorn (2 sync workers, DEBUG=0) answers interleaved rounds of GET
   requests from a few client threads, logged in as the demo sponsor; the HTTP client,
   the login and the measurement are those of bench/pages.py.
5. Prints requests per second, p95 and the ratio to /healthz for each page and phase.

Not a test: it never fails on a slow machine. Every request goes to 127.0.0.1; the script
removes its temporary files (never the --db file) and stops gunicorn by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # noqa: E402  (bench scripts are run as files, not as a package)
    ROOT,
    Tally,
    communities,
    environment,
    gunicorn,
    login,
    measure_rounds,
    trellis,
)

YEARS = 3
YEAR_WEIGHTS = (0.25, 0.35, 0.40)  # oldest first: the programme grows
MESSAGES_PER_DAY = 9  # average messages on a day with activity
MESSAGES_PER_CONTRIBUTOR_MONTH = 6
BATCH = 5_000


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "trellis.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def add_activity(total: int, seed: int) -> dict[str, int]:
    """Synthetic rollups and events for `total` messages; returns the row counts."""
    from django.db import transaction
    from django.utils import timezone

    from trellis.activity.models import Event, Space, SpaceDay, SpaceMonthContributor
    from trellis.communities.models import Community, Membership

    if SpaceDay.objects.exists():
        return {"spacedays": SpaceDay.objects.count()}
    rnd = random.Random(seed)
    this_year = timezone.localdate().year
    years = list(range(this_year - YEARS + 1, this_year + 1))
    launched = list(
        Community.objects.filter(launched__isnull=False).order_by("pk").values_list("pk", flat=True)
    )
    pools: dict[int, list[int]] = defaultdict(list)
    for community, person in Membership.objects.filter(left__isnull=True).values_list(
        "community", "person"
    ):
        pools[community].append(person)
    # A few communities carry most of the activity (a long tail, as on any ESN).
    weights = {pk: math.exp(rnd.gauss(0, 1)) for pk in launched}
    scale = sum(weights.values())
    counts = {"spaces": 0, "spacedays": 0, "contributors": 0, "events": 0, "messages": 0}
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        spaces = Space.objects.bulk_create(
            Space(source="csv", external_id=f"bench-{pk}", name=f"Space {pk}", community_id=pk)
            for pk in launched
        )
        counts["spaces"] = len(spaces)
        days: list[Any] = []
        months: list[Any] = []
        events: list[Any] = []
        for space in spaces:
            pool = pools.get(space.community_id or 0) or [0]
            for year, share in zip(years, YEAR_WEIGHTS, strict=True):
                messages = int(total * share * weights[space.community_id or 0] / scale)
                active_days = sorted(
                    rnd.sample(range(365), min(365, max(1, messages // MESSAGES_PER_DAY)))
                )
                per_month = [0] * 12
                left = messages
                for i, offset in enumerate(active_days):
                    n = left // (len(active_days) - i)
                    left -= n
                    day = dt.date(year, 1, 1) + dt.timedelta(days=offset)
                    posts = n * 3 // 10
                    days.append(
                        SpaceDay(
                            space=space, day=day, posts=posts, replies=n - posts, reactions=n // 4
                        )
                    )
                    per_month[day.month - 1] += n
                counts["messages"] += messages
                for month, n in enumerate(per_month, start=1):
                    wrote = max(1, n // MESSAGES_PER_CONTRIBUTOR_MONTH) if n else 0
                    writers = min(len(pool), wrote)
                    for person in rnd.sample(pool, writers):
                        months.append(
                            SpaceMonthContributor(
                                space=space, month=dt.date(year, month, 1), contributor=person
                            )
                        )
                for k in range(rnd.randint(2, 10)):
                    start = dt.datetime(year, rnd.randint(1, 12), rnd.randint(1, 28), 14, tzinfo=tz)
                    events.append(
                        Event(
                            community_id=space.community_id,
                            type=Event.Type.WEBINAR if k % 3 else Event.Type.MEETING,
                            title=f"Session {k}",
                            start=start,
                            status=Event.Status.HELD,
                            attendee_count=rnd.randint(5, 120),
                        )
                    )
            if len(days) + len(months) > 50_000:
                counts["spacedays"] += len(SpaceDay.objects.bulk_create(days, batch_size=BATCH))
                counts["contributors"] += len(
                    SpaceMonthContributor.objects.bulk_create(months, batch_size=BATCH)
                )
                days, months = [], []
        counts["spacedays"] += len(SpaceDay.objects.bulk_create(days, batch_size=BATCH))
        counts["contributors"] += len(
            SpaceMonthContributor.objects.bulk_create(months, batch_size=BATCH)
        )
        counts["events"] = len(Event.objects.bulk_create(events, batch_size=BATCH))
    return counts


def close_past_years() -> list[tuple[int, float]]:
    """Close every past year with figures; returns (year, seconds) per year."""
    from trellis.kpis.models import KpiSnapshot
    from trellis.kpis.selectors import kpi_years
    from trellis.kpis.services import kpi_year_close

    timings = []
    for entry in sorted(kpi_years(), key=lambda e: e["year"]):
        if entry["is_open"] or KpiSnapshot.objects.filter(year=entry["year"]).exists():
            continue
        started = time.perf_counter()
        kpi_year_close(actor=None, year=entry["year"])
        timings.append((entry["year"], time.perf_counter() - started))
    return timings


def pages_to_measure() -> list[str]:
    from django.db.models import Count

    from trellis.activity.models import SpaceDay
    from trellis.people.models import BusinessUnit

    unit = BusinessUnit.objects.annotate(n=Count("communities")).order_by("-n", "pk").first()
    busiest = (
        SpaceDay.objects.values("space__community__slug")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("space__community__slug", flat=True)
        .first()
    )
    pages = ["/healthz", "/dashboard/"]
    if unit is not None:
        pages.append(f"/dashboard/?business_unit={unit.pk}&rank=messages")
    pages += ["/dashboard/export.csv", f"/communities/{busiest}/scorecard/"]
    return pages


def measure(port: int, cookie: str, pages: list[str], args: argparse.Namespace) -> dict[str, Tally]:
    return measure_rounds(port, pages, {"Cookie": cookie}, args, warm_up=10)


def report(phase: str, tallies: dict[str, Tally]) -> None:
    baseline = tallies["/healthz"].rate
    print()
    print(f"Phase: {phase}")
    header = f"{'page':<52} {'requests':>8} {'errors':>6} {'req/s':>8} {'p95 ms':>8} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for page, tally in tallies.items():
        ratio = tally.rate / baseline if baseline else 0.0
        label = page if page != "/healthz" else "/healthz (trivial view, baseline)"
        print(
            f"{label[:52]:<52} {tally.requests:>8} {tally.errors:>6} {tally.rate:>8.1f} "
            f"{tally.p95_ms:>8.1f} {ratio:>7.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file (seeded when empty), kept")
    parser.add_argument("--scale", default="large", choices=["small", "large", "enterprise"])
    parser.add_argument("--messages", type=int, default=2_000_000, help="default 2,000,000")
    parser.add_argument("--requests", type=int, default=150, help="per page and phase")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--user", default="sponsor", help="demo persona to log in as")
    parser.add_argument("--max-seconds", type=float, default=90, help="cap per page and round")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--phases", default="open,closed", help="open, closed or both (default open,closed)"
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="trellis-bench-"))
    db = args.db.resolve() if args.db else scratch / "bench.sqlite3"
    env = environment(db, scratch)
    try:
        trellis(env, "migrate", "--verbosity", "0")
        if communities(db) == 0:
            print(f"Seeding the {args.scale} demo programme into {db}…", flush=True)
            started = time.perf_counter()
            trellis(env, "seed-demo", "--scale", args.scale, "--verbosity", "0")
            print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
        trellis(env, "collectstatic", "--noinput", "--verbosity", "0")
        django_setup(env)
        print(f"Adding synthetic activity for {args.messages:,} messages…", flush=True)
        started = time.perf_counter()
        counts = add_activity(args.messages, args.seed)
        print(f"  {counts} in {time.perf_counter() - started:.0f} s", flush=True)
        pages = pages_to_measure()
        with gunicorn(env, args.workers, timeout=120) as port:
            cookie = login(port, args.user)
            print(
                f"Server: gunicorn, {args.workers} sync workers, DEBUG=0; client: "
                f"{args.concurrency} threads, {args.rounds} rounds, {args.requests} requests per "
                f"page and phase; logged in as '{args.user}'",
                flush=True,
            )
            phases = [p.strip() for p in args.phases.split(",") if p.strip()]
            if "open" in phases:
                report("open (every year computed live)", measure(port, cookie, pages, args))
            if "closed" in phases:
                timings = close_past_years()
                closed = ", ".join(f"{year} in {seconds:.1f} s" for year, seconds in timings)
                print(f"\nClosed the past years: {closed or 'none to close'}")
                report(
                    "closed (past years read from snapshots, the open year live)",
                    measure(port, cookie, pages, args),
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
