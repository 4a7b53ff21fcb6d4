"""The programme maturity diagnostic: one self-assessment a year, compared across years."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.test_permissions import PERSONAS
from trellis.core.models import AuditEntry
from trellis.health.maturity import LEVELS, next_step
from trellis.health.models import MaturityAssessment, Pillar, PillarScore
from trellis.health.selectors import maturity_for_year

URLS_COVERED = ["maturity_home", "maturity_year", "maturity_edit"]


def form_data(levels: dict[str, int] | None = None, **extra: str) -> dict[str, str]:
    levels = levels or {}
    data: dict[str, str] = {"summary": "A first diagnostic."}
    for pillar in Pillar.values:
        data[f"{pillar}_level"] = str(levels.get(pillar, 2))
        data[f"{pillar}_evidence"] = f"Evidence for {pillar}"
        data[f"{pillar}_comment"] = ""
    data.update(extra)
    return data


def assess(year: int, levels: dict[str, int] | None = None, default: int = 2) -> None:
    assessment = MaturityAssessment.objects.create(year=year)
    for pillar in Pillar.values:
        PillarScore.objects.create(
            assessment=assessment, pillar=pillar, level=(levels or {}).get(pillar, default)
        )


def _with_year(world: World) -> str:
    assess(2025)
    return "/programme/maturity/2025/"


Case = tuple[str, Callable[[World], str], bool, dict[str, Any]]
CASES: dict[str, Case] = {
    "maturity_home": ("get", lambda w: "/programme/maturity/", False, {}),
    "maturity_year": ("get", _with_year, False, {}),
    "maturity_edit": ("post", lambda w: "/programme/maturity/2026/edit/", True, form_data()),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_only_the_programme_office(
    name: str, persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    method, build, is_write, data = CASES[name]
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona == "office":
        assert response.status_code == (302 if is_write else 200), response.content[:300]
        if is_write:
            assert db_fingerprint() != before
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


def test_the_office_records_a_year_and_reads_it_back(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    form = client.get("/programme/maturity/2026/edit/").content.decode()
    # The four level descriptors of each pillar are the choices.
    assert str(LEVELS[Pillar.GOVERNANCE][3]) in form
    levels = {Pillar.LEADERSHIP: 4, Pillar.COACHING: 1}
    response = client.post("/programme/maturity/2026/edit/", form_data(levels))
    assert response.status_code == 302
    assert response["Location"] == "/programme/maturity/2026/"
    assert maturity_for_year(2026) == {p: levels.get(p, 2) for p in Pillar.values}
    assert list(maturity_for_year(2026)) == list(Pillar.values)  # the seed's pillar order
    assert AuditEntry.objects.filter(action="maturity.create").count() == 1

    page = client.get("/programme/maturity/2026/").content.decode()
    assert "Evidence for leadership" in page
    # Level 1 coaching recommends the descriptor of level 2 as its next step.
    next_text = next_step(Pillar.COACHING, 1)
    assert next_text is not None and next_text in page
    assert "The highest level" in page  # leadership is at level 4


def test_saving_again_updates_the_same_year(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    client.post("/programme/maturity/2026/edit/", form_data())
    client.post("/programme/maturity/2026/edit/", form_data({Pillar.GROWTH: 3}))
    assert MaturityAssessment.objects.count() == 1
    assert PillarScore.objects.count() == 8
    assert maturity_for_year(2026)[Pillar.GROWTH] == 3
    entry = AuditEntry.objects.get(action="maturity.update")
    assert entry.changes == {"growth": [2, 3]}


def test_a_pillar_without_level_is_refused_and_nothing_is_stored(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    data = form_data()
    del data["recognition_level"]
    data["growth_level"] = "9"
    before = db_fingerprint()
    response = client.post("/programme/maturity/2026/edit/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose a level." in body
    assert "Please correct the errors below." in body
    assert db_fingerprint() == before


def test_it_compares_a_year_with_the_previous_diagnostic(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    assess(2023, default=1)
    assess(2025, {Pillar.RESOURCES: 3, Pillar.COMMUNICATION: 1}, default=2)
    client = as_user("office")

    page = client.get("/programme/maturity/2025/")
    rows = {str(r["label"]): r for r in page.context["rows"]}
    assert page.context["previous_year"] == 2023  # 2024 was skipped
    assert rows["Resources"]["change"] == 2
    assert rows["Communication"]["change"] == 0
    body = page.content.decode()
    assert "Up from level 1 in 2023." in body
    assert "Same level as in 2023." in body
    # The radar draws both years, and its table gives the same numbers.
    chart = page.context["chart"]
    assert chart["table"]["headers"][1:] == ["2023", "2025"]
    series = {row["series"] for row in chart["spec"]["layer"][-1]["data"]["values"]}
    assert series == {"2023", "2025"}

    home = client.get("/programme/maturity/")
    comparison = {str(r["label"]): r["levels"] for r in home.context["comparison"]}
    assert home.context["shown"] == [2023, 2025]
    assert comparison["Resources"] == [1, 3]

    first = client.get("/programme/maturity/2023/").content.decode()
    assert "No earlier diagnostic to compare with." in first


def test_unknown_or_absurd_years_are_not_found(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    assert client.get("/programme/maturity/2024/").status_code == 404
    assert client.get("/programme/maturity/1999/edit/").status_code == 404
    assert client.get("/programme/maturity/99999/edit/").status_code == 404


def test_the_home_page_invites_to_start_without_any_year(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    body = as_user("office").get("/programme/maturity/").content.decode()
    assert "No diagnostic yet." in body
    assert maturity_for_year(2026) == {}


def test_the_radar_is_a_valid_vega_lite_chart(world: World) -> None:
    from trellis.health.charts import radar_chart
    from trellis.lib.charts import to_svg

    axes = [str(label) for _key, label in Pillar.choices]
    spec = radar_chart(
        axes,
        [("2025", [1, 2, 3, 4, 1, 2, 3, 4]), ("2026", [2] * 8)],
        title="Maturity",
        description="Radar",
        legend_title="Year",
        axis_title="Pillar",
        value_title="Level",
    )
    svg = to_svg(spec)
    assert svg.startswith("<svg")
    for axis in axes:
        assert axis in svg
    # Each polygon closes on its first vertex.
    lines = [r for r in spec["layer"][-1]["data"]["values"] if r["series"] == "2025"]
    assert len(lines) == 9
    assert (lines[0]["x"], lines[0]["y"]) == (lines[-1]["x"], lines[-1]["y"])
