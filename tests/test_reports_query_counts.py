"""The dashboard, its exports and the scorecard run a fixed number of queries whatever the
size of the data (quality promise 13): each page is measured on a small programme, then
again once the programme has grown to ten times its size (communities, memberships, daily
and monthly rollups, events, charters, objectives).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.personas import World
from tests.reports_data import build_programme

PAGES = [
    ("office", "/dashboard/"),
    ("sponsor", "/dashboard/?rank=messages"),
    ("leader", "/dashboard/?stage=active&tag=safety"),
    ("office", "/dashboard/export.csv"),
    ("office", "/dashboard/export.xlsx"),
    ("member", "/communities/welding/scorecard/"),
    ("outsider", "/communities/c1-0/scorecard/"),
]


def count_queries(as_user, persona: str, path: str, htmx: bool = False) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Queries of one request with the figures computed (cold), then read from the cache."""
    client = as_user(persona)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client.get(path, **headers)  # warm: sessions, content types
    counts = []
    for clear in (True, False):
        if clear:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **headers)
        assert response.status_code == 200
        counts.append(len(queries))
    return counts[0], counts[1]


@pytest.mark.parametrize("htmx", [False, True])
def test_it_runs_as_many_queries_on_ten_times_the_data(world: World, as_user, htmx: bool) -> None:  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    build_programme(year=year, size=3, seed=1)
    small = {page: count_queries(as_user, *page, htmx=htmx) for page in PAGES}
    build_programme(year=year, size=27, seed=2, prefix="d")
    large = {page: count_queries(as_user, *page, htmx=htmx) for page in PAGES}
    assert large == small
    # The cached figures spare the KPI computation's queries.
    for page in ("/dashboard/", "/communities/welding/scorecard/"):
        cold, warm = small[next(p for p in PAGES if p[1] == page)]
        assert warm < cold
