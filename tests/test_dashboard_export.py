"""KPI exports: one row per community with every KPI field, then the programme's totals,
in CSV and XLSX, with the dashboard's filters, and never a formula (quality promise 6).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.personas import World
from tests.reports_data import Made, build_programme
from trellis.communities.models import Community, Stage
from trellis.kpis.selectors import COMMUNITY_FIELDS, EVENT_TYPES, PROGRAMME_FIELDS
from trellis.lib.safe_export import FORMULA_PREFIXES


def read_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(body: bytes) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    # Read-only sheets drop trailing empty cells.
    return [
        dict(zip(header, [*row, *[None] * (len(header) - len(row))], strict=True))
        for row in rows[1:]
    ]


@pytest.fixture
def made(world: World) -> Made:
    return build_programme(year=timezone.localdate().year, size=4)


def expected_columns() -> set[str]:
    columns = {"year"}
    for name in [*COMMUNITY_FIELDS, *PROGRAMME_FIELDS]:
        if name == "events_by_type":
            columns |= {f"events_{kind}" for kind in EVENT_TYPES}
        elif name == "communities_by_stage":
            columns |= {f"communities_{stage}" for stage in Stage.values}
        else:
            columns.add(name)
    return columns


def test_it_exports_every_community_and_the_programme_totals_as_csv(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    year = made.year
    response = as_user("office").get(f"/dashboard/export.csv?year={year}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="trellis-kpis-{year}.csv"' in response["Content-Disposition"]
    rows = read_csv(response.content)
    assert set(rows[0]) == expected_columns()
    by_slug = {row["slug"]: row for row in rows}
    # Every community that counts (the built ones and the personas' welding and cloud).
    assert set(by_slug) == {c.slug for c in made.communities} | {"welding", "cloud", ""}
    for community in made.communities:
        row = by_slug[community.slug]
        assert int(row["messages"]) == made.messages[(community.slug, year)]
        assert int(row["members"]) == len(made.members[(community.slug, year)])
        assert int(row["active_contributors"]) == len(made.contributors[(community.slug, year)])
    total = rows[-1]
    assert total["slug"] == "" and total["name"] == "Programme total"
    assert int(total["messages"]) == sum(n for (s, y), n in made.messages.items() if y == year)
    assert int(total["communities"]) == len(made.communities) + 2
    # Unique people never exceed the memberships summed over communities.
    assert (
        int(total["members_unique"])
        <= int(total["members_sum"])
        == sum(int(r["members"]) for r in rows[:-1])
    )


def test_it_exports_the_same_rows_as_xlsx_with_the_filters(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    assert made.unit is not None
    query = f"?year={made.year}&business_unit={made.unit.pk}"
    client = as_user("leader")
    rows = read_xlsx(client.get(f"/dashboard/export.xlsx{query}").content)
    csv_rows = read_csv(client.get(f"/dashboard/export.csv{query}").content)
    chosen = {c.slug for c in made.in_unit()}
    assert {r["slug"] for r in rows[:-1]} == chosen
    assert [r["slug"] or "" for r in rows] == [r["slug"] for r in csv_rows]
    for xlsx_row, csv_row in zip(rows, csv_rows, strict=True):
        assert xlsx_row["messages"] == int(csv_row["messages"])
    assert rows[-1]["messages"] == sum(made.messages[(s, made.year)] for s in chosen)


names = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(FORMULA_PREFIXES),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=30,
    ),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile=st.lists(names, min_size=1, max_size=6))
def test_it_never_exports_a_formula(world: World, hostile: list[str]) -> None:
    """Names starting with = + - @ TAB CR, exported and read back: unsafe cells = 0."""
    created = Community.objects.bulk_create(
        Community(
            name=name, slug=f"hostile-{i}", stage=Stage.ACTIVE, launched=world.welding.launched
        )
        for i, name in enumerate(hostile)
    )
    try:
        client = Client()
        client.force_login(world.office)
        rows = read_csv(client.get("/dashboard/export.csv").content)
        cells = [cell for row in rows for cell in row.values()] + list(rows[0])
        xlsx = read_xlsx(client.get("/dashboard/export.xlsx").content)
        cells += [v for row in xlsx for v in [*row.values(), *row] if isinstance(v, str)]
        assert [c for c in cells if c.startswith(FORMULA_PREFIXES)] == []
        # Each name is still there, as typed, shown as text.
        exported = {row["slug"]: row["name"] for row in rows}
        assert [exported[c.slug] for c in created] == ["'" + name for name in hostile]
    finally:
        Community.objects.filter(pk__in=[c.pk for c in created]).delete()
