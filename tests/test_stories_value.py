"""Level-3 figures: stories, stories_quantified, value_hours, value_amount (kpis.md).

Only validated benefits count; a story of two communities counts in both and once in the
programme; the figures reach `trellis kpis`, the dashboard KPIs and the value matrix.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.personas import World
from tests.story_helpers import euros, hours, make_story, publish_on
from trellis.kpis.selectors import compute_kpis
from trellis.stories import selectors, services
from trellis.stories.models import Benefit, Status, Story

YEAR = dt.date.today().year


def _kpis_json(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("kpis", "--year", str(YEAR), "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_it_counts_only_validated_benefits_in_the_kpis(world: World) -> None:
    make_story(world, status=Status.PUBLISHED, benefits=[hours(10), euros(500)])
    make_story(world, status=Status.PUBLISHED, benefits=[hours(99)], validate_benefits=False)
    make_story(world, status=Status.PUBLISHED)  # no benefit
    make_story(world, status=Status.APPROVED, benefits=[hours(1000)])  # not published
    data = _kpis_json()
    welding = next(c for c in data["communities"] if c["slug"] == "welding")
    assert welding["stories"] == 3
    assert welding["stories_quantified"] == 1
    assert welding["value_hours"] == 10.0
    assert welding["value_amount"] == 500.0
    assert data["programme"]["stories"] == 3
    assert data["programme"]["value_hours"] == 10.0


def test_a_story_of_two_communities_counts_in_each_and_once_in_the_programme(
    world: World,
) -> None:
    make_story(
        world,
        status=Status.PUBLISHED,
        communities=[world.welding, world.cloud],
        benefits=[hours(8), euros(100)],
    )
    result = compute_kpis(YEAR)
    for slug in ("welding", "cloud"):
        row = result.community(slug)
        assert row is not None
        assert (row["stories"], row["value_hours"], row["value_amount"]) == (1, 8.0, 100.0)
    assert result.programme["stories"] == 1
    assert result.programme["value_hours"] == 8.0
    # Filtered to one community, the programme is that community's stories.
    only_cloud = compute_kpis(YEAR, community_ids=[world.cloud.pk])
    assert only_cloud.programme["stories"] == 1


def test_a_story_counts_in_the_year_it_was_published(world: World) -> None:
    story = make_story(world, status=Status.PUBLISHED, benefits=[hours(5)])
    publish_on(story, dt.date(YEAR - 1, 12, 31))
    assert selectors.story_kpis(YEAR)[None]["stories"] == 0
    assert selectors.story_kpis(YEAR - 1)[None]["stories"] == 1
    assert selectors.story_kpis(YEAR - 1)[world.welding.pk]["value_hours"] == Decimal("5")


def test_other_currencies_and_units_are_not_mixed_into_the_sums(world: World) -> None:
    make_story(
        world,
        status=Status.PUBLISHED,
        benefits=[
            {"kind": "revenue", "amount": Decimal("70"), "unit": "USD"},
            {"kind": "quality", "amount": Decimal("12"), "unit": "%"},
            {"kind": "onboarding_time", "amount": Decimal("3"), "unit": "h"},
            euros(40),
        ],
    )
    figures = selectors.story_kpis(YEAR)[None]
    assert figures["value_hours"] == Decimal("3")  # "h" is stored as hours
    assert figures["value_amount"] == Decimal("40")
    matrix = selectors.value_matrix(YEAR)
    assert {(b["kind"], b["unit"], b["total"]) for b in matrix["benefits"]} == {
        ("revenue", "USD", Decimal("70")),
        ("quality", "%", Decimal("12")),
        ("onboarding_time", "hours", Decimal("3")),
        ("cost_avoided", "EUR", Decimal("40")),
    }


benefit_rows = st.lists(
    st.tuples(
        st.sampled_from(["hours", "EUR"]),
        st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
        st.booleans(),
    ),
    min_size=0,
    max_size=4,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stories=st.lists(
        st.tuples(benefit_rows, st.sampled_from(["welding", "cloud", "both"])),
        min_size=1,
        max_size=4,
    )
)
def test_the_matrix_and_kpis_sum_only_validated_amounts(
    world: World, stories: list[tuple[list[tuple[str, Decimal, bool]], str]]
) -> None:
    Story.objects.all().delete()
    expected: dict[str, dict[str, Decimal]] = {
        k: {"hours": Decimal(0), "EUR": Decimal(0)} for k in ("welding", "cloud", "programme")
    }
    counts = {"welding": 0, "cloud": 0, "programme": 0}
    for rows, where in stories:
        communities = {
            "welding": [world.welding],
            "cloud": [world.cloud],
            "both": [world.welding, world.cloud],
        }[where]
        story = make_story(
            world,
            status=Status.SUBMITTED,
            communities=communities,
            benefits=[
                {"kind": "other", "amount": amount, "unit": unit} for unit, amount, _v in rows
            ],
            validate_benefits=False,
        )
        for benefit, (_unit, _amount, valid) in zip(
            story.benefits.order_by("id"), rows, strict=True
        ):
            if valid:
                services.benefit_validate(actor=world.office, benefit=benefit, validated=True)
        services.story_validate(actor=world.office, story=story)
        services.story_approve(actor=world.office, story=story)
        services.story_publish(actor=world.office, story=story)
        targets = [c.slug for c in communities] + ["programme"]
        for unit, amount, valid in rows:
            if valid:
                for target in targets:
                    expected[target][unit] += amount
        for target in targets:
            counts[target] += 1
    figures = selectors.story_kpis(YEAR)
    by_key = {"welding": world.welding.pk, "cloud": world.cloud.pk, "programme": None}
    for name, key in by_key.items():
        got = figures.get(key, selectors.empty_figures())
        assert got["stories"] == counts[name]
        assert got["value_hours"] == expected[name]["hours"]
        assert got["value_amount"] == expected[name]["EUR"]
    # The matrix of the programme sums the same validated amounts, per kind and unit.
    matrix = selectors.value_matrix(YEAR)
    totals = {(b["unit"]): b["total"] for b in matrix["benefits"]}
    assert totals.get("hours", Decimal(0)) == expected["programme"]["hours"]
    assert totals.get("EUR", Decimal(0)) == expected["programme"]["EUR"]
    assert matrix["story_count"] == counts["programme"]
    # Unique stories never exceed the sum over communities.
    assert counts["programme"] <= counts["welding"] + counts["cloud"]


def test_the_matrix_counts_stories_by_cycle(world: World) -> None:
    make_story(world, status=Status.PUBLISHED, cycles="immediate|potential")
    make_story(
        world,
        status=Status.PUBLISHED,
        cycles="applied|realized|reframing",
        communities=[world.welding, world.cloud],
    )
    matrix = selectors.value_matrix(YEAR)
    assert matrix["totals"] == [1, 1, 1, 1, 1]
    rows = {r["slug"]: r for r in matrix["communities"]}
    assert rows["welding"]["cells"] == [1, 1, 1, 1, 1] and rows["welding"]["stories"] == 2
    assert rows["cloud"]["cells"] == [0, 0, 1, 1, 1] and rows["cloud"]["stories"] == 1
    community = selectors.value_matrix(YEAR, community=world.cloud)
    assert [s["marks"] for s in community["stories"]] == [[False, False, True, True, True]]


def test_the_matrix_pages_show_the_figures(world: World, as_user: Any) -> None:
    make_story(world, status=Status.PUBLISHED, benefits=[hours(1234)])
    page = as_user("office").get(f"/stories/value/?year={YEAR}").content.decode()
    assert "1,234" in page and "Welding" in page
    assert "Success stories published" in page  # next to the level-1 indicators
    community = as_user("member").get(f"/stories/value/welding/?year={YEAR}").content.decode()
    assert "Weld inspections halved" in community and "1,234" in community


def test_report_highlights_and_newsletter_reads(world: World) -> None:
    big = make_story(world, title="Big", status=Status.PUBLISHED, benefits=[euros(9000)])
    make_story(world, title="Small", status=Status.PUBLISHED, benefits=[euros(10)])
    make_story(world, title="Unquantified", status=Status.PUBLISHED)
    make_story(world, title="Draft", benefits=[euros(1)])
    highlights = selectors.report_highlights(YEAR, limit=1)
    assert [s.title for s in highlights["stories"]] == [big.title]
    assert highlights["figures"]["stories"] == 3
    assert highlights["by_kind"] == [
        {"kind": "cost_avoided", "label": "Cost avoided", "unit": "EUR", "total": Decimal("9010")}
    ]
    today = dt.date.today()
    titles = [s.title for s in selectors.published_between(today, today)]
    assert sorted(titles) == ["Big", "Small", "Unquantified"]
    assert selectors.published_between(today + dt.timedelta(days=1), today).count() == 0


def test_benefits_are_validated_during_the_review_only(world: World) -> None:
    story = make_story(world, benefits=[hours(10)])
    with pytest.raises(ValidationError):
        services.benefit_validate(actor=world.office, benefit=Benefit.objects.get(), validated=True)
    assert not Benefit.objects.get().validated
    services.story_submit(actor=world.member, story=story)
    services.benefit_validate(actor=world.leader, benefit=Benefit.objects.get(), validated=True)
    assert Benefit.objects.get().validated
    # A benefit added after a refusal starts unvalidated.
    services.story_refuse(actor=world.leader, story=story, reason="Add the cost")
    services.benefit_add(
        actor=world.member,
        story=story,
        kind="cost_avoided",
        amount=Decimal("5"),
        unit="eur",
        period="once",
        confidence="estimated",
        method="Quote",
    )
    assert list(Benefit.objects.order_by("id").values_list("validated", "unit")) == [
        (True, "hours"),
        (False, "EUR"),
    ]
