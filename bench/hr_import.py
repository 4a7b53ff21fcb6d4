"""HR import throughput, as a ratio to a bare sqlite3 `executemany` of the same rows.

    uv run python bench/hr_import.py [--rows 50000] [--keep DIR]

Runs in a fresh SQLite database in a temporary directory (never touches ./var/):
1. generate N HR rows (managers earlier in the file, ~40 business units) as CSV bytes;
2. baseline: sqlite3 executemany of the same rows into a similar table (same pragmas,
   the same unique indexes on lower(email) and employee_id), one transaction, best of 3;
3. for reference, Django's bulk_create of the same rows (rolled back);
   then `people_import` end to end (parse, validate, plan, bulk create, managers, audit);
4. the same file again (nothing changes: the idempotent re-import path);
5. the same file with 10 % of the rows changed (the bulk update path).
Figures are rows per second and the ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["email", "name", "employee_id", "business_unit", "country", "site", "job_title",
          "manager_email", "language"]  # fmt: skip


def generate(n: int, seed: int = 42) -> list[list[str]]:
    rnd = random.Random(seed)
    units = [f"Unit {i:02d}" for i in range(40)]
    countries = ["FR", "DE", "BE", "US", "IN", "BR", "JP"]
    rows = []
    for i in range(n):
        # Managers come from earlier rows (the first 1 % have none): a realistic tree.
        manager = (
            "" if i < max(1, n // 100) else f"person{rnd.randrange(0, max(1, i // 10))}@example.com"
        )
        rows.append([
            f"Person{i}@Example.com", f"Person Number {i}", f"E{i:07d}", rnd.choice(units),
            rnd.choice(countries), f"Site {rnd.randrange(200)}", rnd.choice(["Engineer", "Analyst",
            "Manager", "Technician", "Director"]), manager, rnd.choice(["en", "fr", ""]),
        ])  # fmt: skip
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def baseline(path: Path, rows: list[list[str]]) -> float:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE person (id INTEGER PRIMARY KEY, email TEXT, name TEXT, employee_id TEXT,"
        " business_unit TEXT, country TEXT, site TEXT, job_title TEXT, manager_email TEXT,"
        " language TEXT);"
        "CREATE UNIQUE INDEX person_email ON person (lower(email));"
        "CREATE UNIQUE INDEX person_eid ON person (employee_id);"
    )
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT INTO person (email, name, employee_id, business_unit, country, site, job_title,"
        " manager_email, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep", help="run in this directory and keep the databases")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="trellis-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["TRELLIS_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)  # SQLite, like the baseline
    # Production-like: with DEBUG on, Django also records (and on SQLite re-quotes) each query.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command

    from trellis.people.services import people_import

    call_command("migrate", verbosity=0)
    rows = generate(args.rows)
    data = to_csv(rows)
    n = len(rows)
    print(f"{n} HR rows, {len(data) / 1e6:.1f} MB of CSV, SQLite in {work}")

    # The baseline is short: best of 3 so that a noisy neighbour does not skew the ratio.
    base = min(baseline(work / "baseline.sqlite3", rows) for _ in range(3))
    print(
        f"baseline  sqlite3 executemany, one transaction: {n / base:>10,.0f} rows/s ({base:.2f} s)"
    )

    # For reference: Django's own bulk_create of the same rows (no parsing, no checks,
    # no managers), rolled back so that the import below starts from an empty table.
    from django.db import transaction
    from django.utils import timezone

    from trellis.people.models import Person

    start = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        Person.objects.bulk_create(
            [
                Person(email=r[0].lower(), name=r[1], employee_id=r[2], country=r[4], site=r[5],
                       job_title=r[6], language=r[8], created_at=now, updated_at=now)
                for r in rows
            ],
            batch_size=500,
        )  # fmt: skip
        bulk = time.perf_counter() - start
        transaction.set_rollback(True)
    print(
        f"reference Django bulk_create (rolled back):     {n / bulk:>10,.0f} rows/s "
        f"({bulk:.2f} s)  ratio {base / bulk:.3f}"
    )

    def run(label: str, payload: bytes) -> None:
        start = time.perf_counter()
        report = people_import(
            actor=None, data=payload, filename="hr.csv", dry_run=False, deactivate_missing=True
        )
        elapsed = time.perf_counter() - start
        assert report.ok, report.errors[:5]
        counts = ", ".join(f"{k} {v}" for k, v in report.counts().items() if v)
        print(
            f"{label:<10}people_import end to end:           {n / elapsed:>10,.0f} rows/s "
            f"({elapsed:.2f} s)  ratio {base / elapsed:.3f}  [{counts}]"
        )

    run("first", data)
    run("again", data)
    changed = [list(r) for r in rows]
    for row in changed[::10]:
        row[5] = row[5] + " (moved)"
    run("10% diff", to_csv(changed))


if __name__ == "__main__":
    main()
