"""API benchmark: list endpoints at scale — queries per page, and requests per second.

    uv run python bench/api.py [--db FILE] [--scale large] [--requests 600] ...

1. Seeds the demo programme (`trellis seed-demo`, `large` by default) into a temporary
   SQLite file, or reuses the file given with --db (seeding it when it has no community);
   adds upcoming events (one per community by default) when the data has none, so the
   calendar endpoint has rows to page through.
2. Creates a read token for the demo programme office (`office`).
3. In process, for each list endpoint: counts the SQL queries of the first page, a middle
   page and the last page (limit 200, the maximum). A constant count is the promise.
4. Starts gunicorn (production settings apart from HTTPS, no API rate limit) and, in
   interleaved rounds, sends the same number of GET requests to each endpoint and to
   /healthz, a trivial view of the same app measured in the same run; prints requests per
   second, p95, and each endpoint's rate as a ratio to /healthz (guide/quality.md).

Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import (  # noqa: E402
    ROOT,
    Tally,
    communities,
    environment,
    gunicorn,
    measure_rounds,
    table_sizes,
    trellis,
)

ENDPOINTS = [
    "/api/v1/communities?limit=50",
    "/api/v1/communities?limit=200&stage=active",
    "/api/v1/people?limit=50",
    "/api/v1/people?limit=200",
    "/api/v1/events?limit=50",
    "/api/v1/stories?limit=50",
    "/api/v1/communities/{slug}/memberships?limit=50",
]

# Run in a child process with the bench database: token, events, queries per page.
PREPARE = r"""
import datetime as dt, json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth.models import User
from django.utils import timezone
from trellis.activity.models import Event
from trellis.communities.models import Community
from trellis.api.services import token_create

events_per_community = int(sys.argv[1])
if events_per_community and not Event.objects.exists():
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(
                community_id=pk,
                title=f"Webinar {i}",
                start=now + dt.timedelta(days=1 + (pk + i) % 300),
            )
            for pk in Community.objects.values_list("pk", flat=True)
            for i in range(events_per_community)
        ],
        batch_size=2000,
    )
office = User.objects.get(username="office")
_token, secret = token_create(actor=None, user=office, name="bench", scopes=["read"])
slug = sys.argv[2]
client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", SERVER_NAME="127.0.0.1")
counts = {}
for raw in json.loads(sys.argv[3]):
    path = raw.replace("{slug}", slug).replace("limit=50", "limit=200")
    first = client.get(path).json()
    total = first.get("count", 0)
    offsets = sorted({0, (total // 2 // 200) * 200, max(0, (total - 1) // 200 * 200)})
    row = []
    for offset in offsets:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{path}&offset={offset}")
        assert response.status_code == 200, response.content[:300]
        row.append([offset, len(ctx.captured_queries)])
    counts[raw] = {"count": total, "pages": row}
print(json.dumps({"token": secret, "counts": counts}))
"""


def biggest(db: Path) -> str:
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT c.slug FROM communities_membership m JOIN communities_community c "
            'ON c.id = m.community_id WHERE m."left" IS NULL '
            "GROUP BY c.id ORDER BY count(*) DESC, c.slug LIMIT 1"
        ).fetchone()
    return str(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file (seeded when empty)")
    parser.add_argument("--scale", default="large", choices=["small", "large", "enterprise"])
    parser.add_argument("--requests", type=int, default=600, help="requests per endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--events", type=int, default=1, help="events per community to add")
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="trellis-bench-api-"))
    db = args.db.resolve() if args.db else scratch / "bench.sqlite3"
    env = environment(db, scratch) | {
        "API_RATE_LIMIT": "",
        "DJANGO_SETTINGS_MODULE": "trellis.settings",
    }
    try:
        trellis(env, "migrate", "--verbosity", "0")
        if communities(db) == 0:
            print(f"Seeding the {args.scale} demo programme into {db}…", flush=True)
            trellis(env, "seed-demo", "--scale", args.scale, "--verbosity", "0")
        slug = biggest(db)
        prepared = subprocess.run(
            [sys.executable, "-c", PREPARE, str(args.events), slug, json.dumps(ENDPOINTS)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        data = json.loads(prepared.stdout.strip().splitlines()[-1])
        headers = {"Authorization": f"Bearer {data['token']}"}
        trellis(env, "collectstatic", "--noinput", "--verbosity", "0")
        paths = ["/healthz", *(p.replace("{slug}", slug) for p in ENDPOINTS)]
        with gunicorn(env, args.workers) as port:
            tallies = measure_rounds(port, paths, headers, args)
        report(args, db, slug, data["counts"], tallies)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(
    args: argparse.Namespace,
    db: Path,
    slug: str,
    counts: dict[str, dict[str, object]],
    tallies: dict[str, Tally],
) -> None:
    sizes = table_sizes(db)
    print()
    print(
        f"Data: {sizes['communities']:,} communities, {sizes['people']:,} people, "
        f"{sizes['memberships']:,} memberships; memberships of: {slug}"
    )
    print("\nQueries per page (limit=200), at offsets first / middle / last:")
    for raw, entry in counts.items():
        pages = ", ".join(f"offset {o}: {n}" for o, n in entry["pages"])  # type: ignore[attr-defined]
        print(f"  {raw.replace('{slug}', slug):<52} {entry['count']:>8,} items   {pages}")
    print(
        f"\nThroughput: gunicorn, {args.workers} sync workers, DEBUG=0; {args.concurrency} "
        f"client threads, {args.rounds} interleaved rounds, office read token"
    )
    base = tallies["/healthz"].rate or 1.0
    print(f"  {'endpoint':<52} {'req/s':>8} {'p95 ms':>8} {'× healthz':>10} {'errors':>7}")
    for path, tally in tallies.items():
        print(
            f"  {path:<52} {tally.rate:>8.0f} {tally.p95_ms:>8.1f} "
            f"{tally.rate / base:>10.2f} {tally.errors:>7}"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
