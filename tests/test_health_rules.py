"""The health status reproduces the rules of docs/health.md, one constructed case per rule.

Rules are checked twice: on hand-built figures (trellis.health.rules.evaluate) and, for the
signals Trellis gathers, through health_statuses over a real database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.personas import World
from trellis.activity.models import Event, Space, SpaceDay, SpaceMonthContributor
from trellis.communities.models import CharterVersion, Community, Membership, Role, Stage
from trellis.health.models import HealthCheck
from trellis.health.questionnaire import CAUSES, PARTLY, SERIOUS
from trellis.health.rules import INFO, Figures, Reason, combine, evaluate
from trellis.health.selectors import health_statuses

TODAY = dt.date(2026, 6, 15)


def healthy(**changes: object) -> Figures:
    """A community that breaks no rule on TODAY; each test changes one thing."""
    base = Figures(
        has_leader=True,
        has_sponsor=True,
        spaces=1,
        messages_last=100,
        messages_prev=100,
        contributors_last=10,
        contributors_prev=10,
        charter_year=2026,
        last_event=dt.date(2026, 5, 1),
        launched=dt.date(2020, 1, 1),
        survey={"engagement_score": 4.0, "value_score": 4.0},
        answers={cause.key: 0 for cause in CAUSES},
        answered_on=dt.date(2026, 5, 1),
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def codes(figures: Figures, today: dt.date = TODAY) -> tuple[str, list[tuple[str, str]]]:
    health = evaluate(figures, today)
    return health.status, [(r.code, r.severity) for r in health.reasons]


def test_it_rates_a_community_breaking_no_rule_green() -> None:
    assert codes(healthy()) == ("green", [])


def test_it_rates_a_community_without_leader_red() -> None:
    assert codes(healthy(has_leader=False)) == ("red", [("no_leader", "red")])


def test_it_rates_a_community_without_sponsor_amber() -> None:
    assert codes(healthy(has_sponsor=False)) == ("amber", [("no_sponsor_role", "amber")])


@pytest.mark.parametrize(
    ("last", "prev", "expected"),
    [
        (71, 100, "green"),  # fell by 29 %
        (70, 100, "amber"),  # by 30 %
        (41, 100, "amber"),
        (40, 100, "red"),  # by 60 %
        (0, 9, "amber"),  # under 10 messages before: no trend, but nothing at all now
        (5, 9, "green"),
        (200, 100, "green"),
    ],
)
def test_it_rates_a_drop_in_messages_by_its_size(last: int, prev: int, expected: str) -> None:
    status, _reasons = codes(healthy(messages_last=last, messages_prev=prev))
    assert status == expected


def test_it_reports_no_activity_only_for_communities_with_spaces() -> None:
    assert codes(healthy(spaces=1, messages_last=0, messages_prev=0)) == (
        "amber",
        [("no_activity", "amber")],
    )
    assert codes(healthy(spaces=0, messages_last=0, messages_prev=0)) == ("green", [])


def test_it_rates_a_drop_in_contributors_amber() -> None:
    assert codes(healthy(contributors_last=7, contributors_prev=10))[0] == "amber"
    assert codes(healthy(contributors_last=8, contributors_prev=10))[0] == "green"
    # Under five contributors before: too few to call a trend.
    assert codes(healthy(contributors_last=0, contributors_prev=4))[0] == "green"


def test_it_wants_the_years_charter_after_its_due_month() -> None:
    assert codes(healthy(charter_year=2025)) == (
        "amber",
        [("charter_outdated", "amber")],
    )
    assert codes(healthy(charter_year=None))[0] == "amber"
    # Until the end of March the previous year's charter is still fine.
    assert codes(healthy(charter_year=2025, last_event=dt.date(2026, 3, 1)), dt.date(2026, 3, 31))[
        0
    ] == ("green")


@pytest.mark.parametrize(
    ("last_event", "expected"),
    [
        (dt.date(2026, 1, 1), "green"),  # 5 months
        (dt.date(2025, 12, 15), "amber"),  # 6 months
        (dt.date(2025, 6, 16), "amber"),  # 11 months
        (dt.date(2025, 6, 15), "red"),  # 12 months
    ],
)
def test_it_rates_months_without_event(last_event: dt.date, expected: str) -> None:
    assert codes(healthy(last_event=last_event))[0] == expected


def test_it_counts_months_without_event_from_the_launch_of_a_new_community() -> None:
    assert codes(healthy(last_event=None, launched=dt.date(2026, 3, 1)))[0] == "green"
    assert codes(healthy(last_event=None, launched=dt.date(2025, 12, 1)))[0] == "amber"


def test_it_rates_expired_letters_amber_when_the_programme_has_letters() -> None:
    assert codes(healthy(letters_expired=2)) == ("amber", [("letters_expired", "amber")])
    assert codes(healthy(letters_expired=None))[0] == "green"


def test_it_rates_low_survey_scores_amber_and_ignores_suppressed_groups() -> None:
    assert codes(healthy(survey={"engagement_score": 2.9, "value_score": 3.0})) == (
        "amber",
        [("low_engagement_score", "amber")],
    )
    assert codes(healthy(survey={"engagement_score": 3.5, "value_score": 2.0}))[1] == [
        ("low_value_score", "amber")
    ]
    assert codes(healthy(survey={"suppressed": True})) == ("green", [])
    assert codes(healthy(survey=None)) == ("green", [])


def test_it_rates_serious_causes_by_their_weight() -> None:
    answers = {cause.key: 0 for cause in CAUSES}
    assert codes(healthy(answers={**answers, "wrong_tool": SERIOUS})) == (
        "amber",
        [("cause:wrong_tool", "amber")],
    )
    assert codes(healthy(answers={**answers, "leader_time": SERIOUS}))[0] == "red"
    assert codes(healthy(answers={**answers, "no_sponsor": SERIOUS}))[0] == "red"
    assert codes(healthy(answers={**answers, "wrong_tool": PARTLY})) == ("green", [])


def test_it_notes_a_missing_questionnaire_without_changing_the_status() -> None:
    assert codes(healthy(answers=None)) == ("green", [("questionnaire_missing", INFO)])


def test_it_turns_three_amber_reasons_red() -> None:
    figures = healthy(has_sponsor=False, charter_year=2025, last_event=dt.date(2025, 11, 1))
    status, reasons = codes(figures)
    assert status == "red"
    assert [severity for _code, severity in reasons] == ["amber"] * 3
    assert codes(healthy(has_sponsor=False, charter_year=2025))[0] == "amber"


def test_it_explains_every_reason_with_a_sentence_and_an_action() -> None:
    figures = healthy(
        has_leader=False,
        has_sponsor=False,
        messages_last=10,
        contributors_last=1,
        charter_year=None,
        last_event=dt.date(2024, 1, 1),
        letters_expired=1,
        survey={"engagement_score": 1.0, "value_score": 1.0},
        answers={cause.key: SERIOUS for cause in CAUSES},
    )
    health = evaluate(figures, TODAY)
    for reason in health.reasons:
        assert reason.message and reason.message != reason.code
        assert reason.action
    assert "%(" not in " ".join(r.message for r in health.reasons)
    assert health.actions  # recommended actions, without duplicates
    assert len(health.actions) == len(set(health.actions))


SEVERITIES = st.sampled_from(["red", "amber", INFO])
REASONS = st.lists(st.builds(Reason, st.sampled_from(["a", "b"]), SEVERITIES), max_size=8)
RANK = {"green": 0, "amber": 1, "red": 2}


@settings(deadline=None)  # a loaded machine must not fail a pure function
@given(REASONS, SEVERITIES)
def test_adding_a_reason_never_improves_the_status(reasons: list[Reason], severity: str) -> None:
    before = combine(reasons)
    after = combine([*reasons, Reason("x", severity)])
    assert RANK[after] >= RANK[before]
    if severity == "red":
        assert after == "red"


@settings(deadline=None)
@given(REASONS)
def test_the_status_is_green_exactly_when_no_reason_counts(reasons: list[Reason]) -> None:
    counting = [r for r in reasons if r.severity != INFO]
    assert (combine(reasons) == "green") == (not counting)


# --- The same rules through the database ------------------------------------------------


def _world_healthy(world: World, today: dt.date) -> None:
    """Give `welding` everything a green status needs on `today`."""
    CharterVersion.objects.create(community=world.welding, year=today.year, version=1)
    Event.objects.create(
        community=world.welding,
        title="Webinar",
        start=dt.datetime(today.year, today.month, 1, 10, tzinfo=dt.UTC),
        status=Event.Status.HELD,
    )
    HealthCheck.objects.create(community=world.welding, answers={"wrong_tool": 0})


@pytest.mark.django_db
def test_it_gathers_the_signals_from_the_database(world: World) -> None:
    today = dt.date.today()
    _world_healthy(world, today)
    assert health_statuses([world.welding.pk], today=today)[world.welding.pk].status == "green"

    # `cloud` has a leader but no sponsor, charter, event or questionnaire.
    health = health_statuses([world.cloud.pk], today=today)[world.cloud.pk]
    found = {r.code for r in health.reasons}
    assert {"no_sponsor_role", "no_event", "questionnaire_missing"} <= found


@pytest.mark.django_db
def test_it_measures_the_activity_trend_from_the_rollups(world: World) -> None:
    today = dt.date(2026, 7, 10)
    _world_healthy(world, today)
    space = Space.objects.create(source="csv", external_id="w", community=world.welding)
    # Three months before (Jan-Mar) 100 messages; the last three (Apr-Jun) 30.
    SpaceDay.objects.create(space=space, day=dt.date(2026, 2, 1), posts=60, replies=40)
    SpaceDay.objects.create(space=space, day=dt.date(2026, 5, 1), posts=20, replies=10)
    # This month's activity is not complete yet: it does not count.
    SpaceDay.objects.create(space=space, day=dt.date(2026, 7, 1), posts=500)
    for month, people in ((dt.date(2026, 1, 1), range(1, 11)), (dt.date(2026, 4, 1), [1])):
        for person in people:
            SpaceMonthContributor.objects.create(space=space, month=month, contributor=person)

    health = health_statuses(today=today)[world.welding.pk]
    assert health.status == "red"
    by_code = {r.code: r for r in health.reasons}
    assert by_code["activity_drop"].severity == "red"
    assert by_code["activity_drop"].params == {"last": 30, "prev": 100, "pct": 70}
    assert by_code["contributors_drop"].params == {"last": 1, "prev": 10, "pct": 90}


@pytest.mark.django_db
def test_it_follows_only_running_communities(world: World) -> None:
    Community.objects.create(name="Idea", slug="idea", stage=Stage.PROPOSED)
    closed = Community.objects.create(name="Gone", slug="gone", stage=Stage.CLOSED)
    statuses = health_statuses()
    assert set(statuses) == {world.welding.pk, world.cloud.pk}
    assert closed.pk not in statuses


@pytest.mark.django_db
def test_it_ignores_cancelled_events_and_former_leaders(world: World) -> None:
    today = dt.date.today()
    _world_healthy(world, today)
    Event.objects.filter(community=world.welding).update(status=Event.Status.CANCELLED)
    Membership.objects.filter(community=world.welding, role=Role.LEADER).update(left=today)
    found = {r.code for r in health_statuses(today=today)[world.welding.pk].reasons}
    assert {"no_leader", "no_event"} <= found


@pytest.mark.django_db
def test_it_computes_any_number_of_communities_in_a_fixed_number_of_queries(
    world: World, django_assert_num_queries, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    def grow(n: int) -> None:
        for i in range(n):
            c = Community.objects.create(name=f"C{i}", slug=f"c{i}-{n}", stage=Stage.ACTIVE)
            CharterVersion.objects.create(community=c, year=2026, version=1)
            HealthCheck.objects.create(community=c, answers={"wrong_tool": 2})
            space = Space.objects.create(source="csv", external_id=f"s{i}-{n}", community=c)
            SpaceDay.objects.create(space=space, day=dt.date(2026, 4, 1), posts=3)

    grow(2)
    # 12 with engagement letters (docs/health.md), 11 without.
    with django_assert_max_num_queries(12) as small:
        health_statuses()
    grow(40)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(health_statuses()) == 44


@pytest.mark.django_db
def test_the_thresholds_follow_the_settings(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    today = dt.date(2026, 7, 10)
    _world_healthy(world, today)
    Event.objects.filter(community=world.welding).update(
        start=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC)
    )
    assert "no_event" not in {
        r.code for r in health_statuses(today=today)[world.welding.pk].reasons
    }
    settings.HEALTH_NO_EVENT_AMBER_MONTHS = 3
    settings.HEALTH_CHARTER_DUE_MONTH = 12
    reasons = {r.code: r for r in health_statuses(today=today)[world.welding.pk].reasons}
    assert reasons["no_event"].severity == "amber"
    settings.HEALTH_ACTIVITY_DROP_AMBER_PCT = 10
    space = Space.objects.create(source="csv", external_id="t", community=world.welding)
    SpaceDay.objects.create(space=space, day=dt.date(2026, 2, 1), posts=100)
    SpaceDay.objects.create(space=space, day=dt.date(2026, 5, 1), posts=85)
    reasons = {r.code: r for r in health_statuses(today=today)[world.welding.pk].reasons}
    assert reasons["activity_drop"].params["pct"] == 15


@pytest.mark.django_db
def test_it_counts_letters_that_ended_without_renewal(world: World) -> None:
    from trellis.health.selectors import programme_has_letters

    if not programme_has_letters():
        pytest.skip("engagement letters are not installed")
    from trellis.programme.models import EngagementLetter

    today = dt.date(2026, 7, 10)
    _world_healthy(world, today)

    def letter(user: object, start: dt.date, end: dt.date) -> None:
        EngagementLetter.objects.create(
            person=user.person,  # type: ignore[attr-defined]
            community=world.welding,
            manager=world.sponsor.person,  # type: ignore[attr-defined]
            time_amount=10,
            start=start,
            end=end,
            objectives="Animate",
            status=EngagementLetter.Status.EXPIRED,
            signed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        )

    letter(world.leader, dt.date(2025, 1, 1), dt.date(2025, 12, 31))  # ended, not renewed
    letter(world.core, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    letter(world.core, dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # renewed
    letter(world.member, dt.date(2025, 1, 1), dt.date(2025, 12, 31))  # no role that needs one
    health = health_statuses(today=today)[world.welding.pk]
    assert health.figures is not None and health.figures.letters_expired == 1
    assert ("letters_expired", "amber") in [(r.code, r.severity) for r in health.reasons]
    assert "1 engagement letter has expired." in [r.message for r in health.reasons]
