"""Page benchmark: requests per second of the main pages under gunicorn, at `large` scale.

    uv run python bench/pages.py [--db FILE] [--scale large] [--requests 600] ...

1. Seeds the demo programme (`trellis seed-demo`, `large` by default) into a temporary
   SQLite file, timing it, or reuses the file given with --db (seeding it when it has no
   community yet).
2. Collects the static files and starts gunicorn with 2 sync workers on a free port of
   127.0.0.1, with production settings (DEBUG=0) apart from HTTPS.
3. Logs in through /login/ as a demo persona and keeps the session cookie.
4. For each page, warms up, then sends a bounded number of GET requests from a few client
   threads, in several interleaved rounds so that drift in the machine's load spreads
   over every page alike; each page is also capped in time.
5. Prints requests per second and p95 latency per page, and each page's requests per
   second as a ratio to /healthz, a trivial view of the same app measured in the same run
   (guide/quality.md: absolute figures on shared machines are noise, ratios are not).

Every request goes to 127.0.0.1; the script stops gunicorn and removes its temporary files
by itself. Not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "trellis-demo"  # the demo personas' password (trellis/core/demo.py)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def environment(db: Path, var: Path) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": f"sqlite:///{db}",
        "TRELLIS_VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }


def trellis(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "trellis.cli", *args], env=env, cwd=ROOT, check=True)


def communities(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM communities_community").fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0


def biggest_community(db: Path) -> tuple[str, int]:
    """The active community with the most active members: the heaviest community page."""
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT c.slug, count(*) AS n FROM communities_membership m "
            "JOIN communities_community c ON c.id = m.community_id "
            "WHERE m.\"left\" IS NULL AND c.stage = 'active' "
            "GROUP BY c.id ORDER BY n DESC, c.slug LIMIT 1"
        ).fetchone()
    return str(row[0]), int(row[1])


def table_sizes(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            name: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            for name, table in [
                ("communities", "communities_community"),
                ("people", "people_person"),
                ("memberships", "communities_membership"),
            ]
        }


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def login(port: int, username: str) -> str:
    """Log in through the login page like a browser; returns the Cookie header to send."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    jar = cookies_from(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if token is None or "csrftoken" not in jar:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    jar |= cookies_from(answer)
    if answer.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login as {username} failed (HTTP {answer.status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def burst(
    port: int, path: str, headers: dict[str, str], count: int, threads: int, budget: float
) -> Tally:
    """`count` GET requests from `threads` client threads; stops early after `budget` s."""
    tally = Tally()
    lock = threading.Lock()
    deadline = time.monotonic() + budget
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def client(share: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        mine: list[float] = []
        errors = 0
        for _ in range(share):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                errors += 1
        with lock:
            tally.latencies += mine
            tally.requests += len(mine)
            tally.errors += errors

    workers = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    tally.seconds = time.perf_counter() - started
    return tally


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, *, timeout: int | None = None) -> Iterator[int]:
    """gunicorn serving Trellis on a free port of 127.0.0.1 for the block; yields the port."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "trellis.wsgi:application",
        "--workers", str(workers), "--bind", f"{HOST}:{port}", "--log-level", "warning",
    ]  # fmt: skip
    if timeout is not None:
        command += ["--timeout", str(timeout)]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_until_up(port, server)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def measure_rounds(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    args: argparse.Namespace,
    *,
    warm_up: int = 40,
) -> dict[str, Tally]:
    """Each path warmed up, then `args.requests` requests each in `args.rounds` interleaved
    rounds (a slow minute of the machine spreads over every path alike)."""
    tallies = {path: Tally() for path in paths}
    for path in paths:  # warm-up: imports, caches, SQLite pages in memory
        burst(port, path, headers, warm_up, args.concurrency, args.max_seconds)
    per_round = max(1, args.requests // args.rounds)
    for _round in range(args.rounds):
        for path in paths:
            done = burst(port, path, headers, per_round, args.concurrency, args.max_seconds)
            total = tallies[path]
            total.requests += done.requests
            total.seconds += done.seconds
            total.errors += done.errors
            total.latencies += done.latencies
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file (seeded when empty)")
    parser.add_argument("--scale", default="large", choices=["small", "large", "enterprise"])
    parser.add_argument("--requests", type=int, default=600, help="requests per page (default 600)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--user", default="sponsor", help="demo persona to log in as")
    parser.add_argument("--max-seconds", type=float, default=60, help="time cap per page and round")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="trellis-bench-"))
    db = args.db.resolve() if args.db else scratch / "bench.sqlite3"
    env = environment(db, scratch)
    try:
        trellis(env, "migrate", "--verbosity", "0")
        seeded = None
        if communities(db) == 0:
            print(f"Seeding the {args.scale} demo programme into {db}…", flush=True)
            started = time.perf_counter()
            trellis(env, "seed-demo", "--scale", args.scale, "--verbosity", "0")
            seeded = time.perf_counter() - started
        trellis(env, "collectstatic", "--noinput", "--verbosity", "0")
        slug, members = biggest_community(db)
        with gunicorn(env, args.workers) as port:
            cookie = login(port, args.user)
            pages = [
                "/healthz",
                "/communities/",
                f"/communities/{slug}/",
                f"/communities/{slug}/members/",
                "/",
            ]
            tallies = measure_rounds(port, pages, {"Cookie": cookie}, args)
        report(args, db, seeded, slug, members, tallies)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(
    args: argparse.Namespace,
    db: Path,
    seeded: float | None,
    slug: str,
    members: int,
    tallies: dict[str, Tally],
) -> None:
    sizes = table_sizes(db)
    print()
    print(
        f"Data: {sizes['communities']:,} communities, {sizes['people']:,} people, "
        f"{sizes['memberships']:,} memberships ({db.stat().st_size / 2**20:.0f} MiB SQLite)"
    )
    if seeded is not None:
        print(f"Seeding ({args.scale}, incl. process start and migrations check): {seeded:.1f} s")
    print(
        f"Server: gunicorn, {args.workers} sync workers, DEBUG=0; client: {args.concurrency} "
        f"threads, {args.rounds} interleaved rounds; logged in as '{args.user}'; "
        f"community page: {slug} ({members:,} active members)"
    )
    print()
    baseline = tallies["/healthz"].rate
    header = f"{'page':<58} {'requests':>8} {'errors':>6} {'req/s':>8} {'p95 ms':>8} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for page, tally in tallies.items():
        ratio = tally.rate / baseline if baseline else 0.0
        label = page if page != "/healthz" else "/healthz (trivial view, baseline)"
        print(
            f"{label[:58]:<58} {tally.requests:>8} {tally.errors:>6} {tally.rate:>8.1f} "
            f"{tally.p95_ms:>8.1f} {ratio:>6.2f}"
        )


if __name__ == "__main__":
    main()
