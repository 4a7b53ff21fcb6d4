"""The imports work in sets: the number of queries does not grow with the number of rows.

SQLite caps the parameters of a statement, so Django splits a bulk insert of wide rows
into batches of a hundred or so: a few more statements for many more rows. A per-row
implementation would add at least one query per added row.
"""

from __future__ import annotations

from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.onboarding_helpers import run_file

SMALL, LARGE = 20, 400
# Extra queries allowed per extra row: a per-row implementation needs at least 1.
GROWTH = 1 / 20


def grows_in_sets(small: int, large: int) -> bool:
    return large - small <= (LARGE - SMALL) * GROWTH


def communities(n: int, prefix: str, stage: str = "active") -> str:
    rows = [
        f"{prefix}{i},Community {i},{stage},2020-01-01,,,Unit {prefix}{i},tag {prefix}{i},en"
        for i in range(n)
    ]
    return "slug,name,stage,launched,closed,purpose,business_units,tags,languages\n" + "\n".join(
        rows
    )


def memberships(n: int, prefix: str) -> str:
    rows = [
        f"{prefix}{i}@example.com,{prefix}{i % 10},member,2021-01-01,,Person {i}" for i in range(n)
    ]
    return "email,community,role,joined,left,name\n" + "\n".join(rows)


def spaces(n: int, prefix: str) -> str:
    rows = [f"slack,{prefix}-C{i},{prefix}{i % 10}" for i in range(n)]
    return "source,space,community\n" + "\n".join(rows)


def queries(tmp_path: Path, command: str, content: str, *args: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = run_file(tmp_path, command, content, *args)
    assert result.code == 0, result.err
    return len(captured)


def test_it_creates_and_updates_with_as_many_queries_for_few_rows_as_for_many(
    db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    small = queries(tmp_path, "import-communities", communities(SMALL, "s"))
    large = queries(tmp_path, "import-communities", communities(LARGE, "l"))
    assert grows_in_sets(small, large), (small, large)
    # Updates (stage change → history rows, new labels) too.
    small = queries(tmp_path, "import-communities", communities(SMALL, "s", "dormant"))
    large = queries(tmp_path, "import-communities", communities(LARGE, "l", "dormant"))
    assert grows_in_sets(small, large), (small, large)

    small = queries(tmp_path, "import-memberships", memberships(SMALL, "s"), "--create-people")
    large = queries(tmp_path, "import-memberships", memberships(LARGE, "l"), "--create-people")
    assert grows_in_sets(small, large), (small, large)
    # The same files again with --sync: matching and ending, still in sets.
    small = queries(tmp_path, "import-memberships", memberships(SMALL // 2, "s"), "--sync")
    large = queries(tmp_path, "import-memberships", memberships(LARGE // 2, "l"), "--sync")
    assert grows_in_sets(small, large), (small, large)

    small = queries(tmp_path, "map-spaces", spaces(SMALL, "s"))
    large = queries(tmp_path, "map-spaces", spaces(LARGE, "l"))
    assert grows_in_sets(small, large), (small, large)
