"""Award campaigns: the jury page and the secret vote, measured against their floors.

    uv run python bench/recognition.py [--people 3000] [--nominees 300]

Runs in a fresh SQLite database in a temporary directory (never touches ./var/).

1. P people in 50 communities that count; a campaign with a people category (N nominees,
   two nominations each) and three criteria (a KPI, a survey figure, a story figure);
2. the jury page of that category (office, Django test client): median time of 5 and its
   query count, against the floor it cannot avoid, `compute_kpis(year)` alone, in the
   same run; then again with 10x fewer nominees (the query count must not change);
3. the vote: every person votes once through `vote_cast` (voter roll + ballot + audit, one
   transaction each) — votes/s — against the bare floor in the same run: the same two
   INSERTs per vote through the same connection, one transaction each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3_000)
    parser.add_argument("--nominees", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trellis-bench-recognition-"))
    os.environ["TRELLIS_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")

    import django

    django.setup()
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from trellis.communities.models import Community, Membership, Stage
    from trellis.core.access import PROGRAMME_OFFICE_GROUP
    from trellis.kpis.selectors import compute_kpis
    from trellis.people.models import Person
    from trellis.recognition import services
    from trellis.recognition.models import Candidate, Nomination

    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic here: plain static storage, as in development.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    year = dt.date.today().year
    communities = Community.objects.bulk_create(
        Community(name=f"C{i}", slug=f"c{i}", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1))
        for i in range(50)
    )
    people = Person.objects.bulk_create(
        [Person(name=f"P{i}", email=f"p{i}@example.org") for i in range(args.people)],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [
            Membership(person=p, community=communities[i % 50], joined=dt.date(2022, 1, 1))
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    office = User.objects.create_user("office", password="x" * 20)
    office.groups.add(Group.objects.get_or_create(name=PROGRAMME_OFFICE_GROUP)[0])
    campaign = services.campaign_create(actor=office, year=year, name="Bench", member_vote=True)
    category = services.category_create(
        actor=office, campaign=campaign, name="Leader of the year", kind="person"
    )
    for source, metric in (
        ("kpi", "active_contributors"),
        ("survey", "nps"),
        ("stories", "stories"),
    ):
        services.criterion_create(
            actor=office,
            category=category,
            source=source,
            metric=metric,
            operator="gte",
            threshold=Decimal(0),
        )
    services.campaign_advance(actor=office, campaign=campaign, to="nominations")

    def nominate(nominees: list[Person]) -> None:
        for i, nominee in enumerate(nominees):
            for k in (1, 2):
                services.nomination_create(
                    actor=office,
                    nominator=people[-(i * 2 + k)],
                    category=category,
                    person=nominee,
                    justification="Bench.",
                )

    client = Client()
    client.force_login(office)
    path = f"/programme/awards/categories/{category.pk}/jury/"

    def measure() -> tuple[float, int, float]:
        times, floor = [], []
        for _ in range(5):
            t = time.perf_counter()
            compute_kpis(year)
            floor.append(time.perf_counter() - t)
            t = time.perf_counter()
            response = client.get(path, secure=True)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(path, secure=True)
        return statistics.median(times), len(queries), statistics.median(floor)

    few = max(1, args.nominees // 10)
    nominate(people[:few])
    small = measure()
    nominate(people[few : args.nominees])
    large = measure()
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(client.get, path, secure=True)
        pstats.Stats(profile).sort_stats("cumulative").sort_stats("tottime").print_stats(25)
    print(f"jury page, {few} nominees: {small[0] * 1000:.0f} ms, {small[1]} queries")
    print(
        f"jury page, {args.nominees} nominees: {large[0] * 1000:.0f} ms, {large[1]} queries; "
        f"compute_kpis alone {large[2] * 1000:.0f} ms; ratio {large[0] / large[2]:.2f}"
    )
    assert Nomination.objects.filter(candidate__category=category).count() == 2 * args.nominees

    services.campaign_advance(actor=office, campaign=campaign, to="voting")
    candidates = list(Candidate.objects.filter(category=category))
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(
            services.vote_cast,
            actor=office,
            voter=people[-1],
            category=category,
            candidate=candidates[0],
        )
        pstats.Stats(profile).sort_stats("cumulative").print_stats(15)
        people = people[:-1]
    t = time.perf_counter()
    for i, voter in enumerate(people):
        services.vote_cast(
            actor=office, voter=voter, category=category, candidate=candidates[i % len(candidates)]
        )
    ours = time.perf_counter() - t
    # The floor: the same two rows per vote, one transaction each, no checks, no audit.
    cursor = connection.cursor()
    cursor.execute(
        "CREATE TABLE floor_roll (category_id int, person_id int, UNIQUE(category_id, person_id))"
    )
    cursor.execute(
        "CREATE TABLE floor_ballot (id char(32) PRIMARY KEY, category_id int, candidate_id int)"
    )
    t = time.perf_counter()
    for i, voter in enumerate(people):
        with transaction.atomic():
            cursor.execute("INSERT INTO floor_roll VALUES (%s, %s)", [category.pk, voter.pk])
            cursor.execute(
                "INSERT INTO floor_ballot VALUES (%s, %s, %s)",
                [uuid.uuid4().hex, category.pk, candidates[i % len(candidates)].pk],
            )
    floor = time.perf_counter() - t
    n = len(people)
    print(
        f"votes: {n / ours:,.0f}/s through vote_cast; floor {n / floor:,.0f}/s "
        f"(two bare INSERTs per transaction); ratio {floor / ours:.2f}"
    )


if __name__ == "__main__":
    main()
