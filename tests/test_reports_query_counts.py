"""The dashboard, its exports and the scorecard run a fixed number of queries whatever the
size of the data (quality promise 13): each page is measured on a small programme, then
again once the programme has grown to ten times its size (communities, memberships, daily
and monthly rollups, events, charters, objectives).
"""

from __future__ import annotations

import pytest
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


def count_queries(as_user, persona: str, path: str, htmx: bool = False) -> int:  # type: ignore[no-untyped-def]
    client = as_user(persona)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client.get(path, **headers)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("htmx", [False, True])
def test_it_runs_as_many_queries_on_ten_times_the_data(world: World, as_user, htmx: bool) -> None:  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    build_programme(year=year, size=3, seed=1)
    small = {page: count_queries(as_user, *page, htmx=htmx) for page in PAGES}
    build_programme(year=year, size=27, seed=2, prefix="d")
    large = {page: count_queries(as_user, *page, htmx=htmx) for page in PAGES}
    assert large == small
