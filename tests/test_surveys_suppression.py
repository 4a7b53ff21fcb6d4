"""Threshold and complementary suppression, attacked by subtraction (hypothesis).

The attacker sees everything a result page or export shows: each visible group's
respondents and exact answer distributions, and the parent totals. Whatever they subtract,
what they recover about hidden groups must cover at least k respondents (or nobody).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trellis.communities.models import Community, Stage
from trellis.people.models import BusinessUnit
from trellis.surveys import services
from trellis.surveys.models import Answer, Campaign, Question, Response
from trellis.surveys.selectors import campaign_results, survey_kpis
from trellis.surveys.suppression import parent_visible, suppressed_children

SIZES = st.dictionaries(st.integers(0, 30), st.integers(0, 12), max_size=12)


@given(sizes=SIZES, k=st.integers(3, 10))
def test_it_leaves_no_small_remainder_under_a_parent(sizes: dict[int, int], k: int) -> None:
    hidden = suppressed_children(sizes, k)
    visible = set(sizes) - hidden
    # Primary suppression: every group under k is hidden, every visible group has k or more.
    assert all(sizes[c] >= k for c in visible)
    assert all(c in hidden for c in sizes if sizes[c] < k)
    # Subtraction attack: parent total minus any visible children leaves the hidden
    # remainder, which must be empty or hold at least k respondents.
    remainder = sum(sizes.values()) - sum(sizes[c] for c in visible)
    if parent_visible(sizes, k):
        assert remainder == 0 or remainder >= k
    else:
        # A hidden parent: then every child is hidden too, nothing to subtract from.
        assert not visible
    # Complementary suppression only when the primary hidden groups alone would be a
    # small remainder.
    extra = [c for c in hidden if sizes[c] >= k]
    if extra:
        primary = sum(sizes[c] for c in hidden if sizes[c] < k)
        assert 0 < primary < k


# --- End to end, over overlapping communities ------------------------------------------------

PEOPLE = st.lists(
    st.tuples(
        st.sets(st.integers(0, 4), min_size=1, max_size=3),  # communities (overlapping)
        st.integers(0, 2),  # business unit
        st.integers(1, 5),  # a Likert answer
        st.integers(0, 10),  # an NPS answer
    ),
    min_size=0,
    max_size=40,
)


def _campaign(k: int) -> tuple[Campaign, list[Community], list[BusinessUnit]]:
    template, _c = services.template_create_default(actor=None)
    campaign = services.campaign_create(
        actor=None,
        year=2026,
        title="t",
        template=template,
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
        min_respondents=k,
        min_comments=max(k, 10),
        external=True,
    )
    communities = [
        Community.objects.create(
            name=f"C{i}", slug=f"c{i}", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
        )
        for i in range(5)
    ]
    units = [BusinessUnit.objects.create(name=f"BU{i}") for i in range(3)]
    return campaign, communities, units


def _a(response: Response, question: Question, number: float) -> dict[str, Any]:
    # An answer carries copies of its response's group, as response_submit stores them.
    return {
        "response": response,
        "question": question,
        "number": number,
        "campaign_id": response.campaign_id,
        "community_id": response.community_id,
        "business_unit_id": response.business_unit_id,
    }


def _store(
    campaign: Campaign, communities: list[Community], units: list[BusinessUnit], people: list[Any]
) -> None:
    """Each person's sheets as a submission stores them: one global, one per community."""
    questions = {q.code: q for q in campaign.template.questions.all()}
    for member_of, unit, likert, nps in people:
        glob = Response.objects.create(campaign=campaign, business_unit=units[unit])
        Answer.objects.create(**_a(glob, questions["programme_useful"], likert))
        for c in sorted(member_of):
            r = Response.objects.create(campaign=campaign, community=communities[c])
            Answer.objects.bulk_create(
                [
                    Answer(**_a(r, questions["engaged"], likert)),
                    Answer(**_a(r, questions["solve_faster"], 6 - likert)),
                    Answer(**_a(r, questions["nps"], nps)),
                ]
            )


def _attack(parent: dict[str, Any], children: list[dict[str, Any]], k: int) -> None:
    """Subtract every visible child from a visible parent; check what is left."""
    visible = [c for c in children if not c["suppressed"]]
    for c in children:
        if c["suppressed"]:
            assert set(c) == {"key", "label", "k", "suppressed"}, "a hidden group leaks a figure"
    if parent["suppressed"]:
        return
    left = parent["respondents"] - sum(c["respondents"] for c in visible)
    assert left == 0 or left >= k
    for code, stats in parent["questions"].items():
        remainder = Counter(stats.get("distribution", {}))
        for c in visible:
            remainder.subtract(c["questions"][code].get("distribution", {}))
        assert all(v >= 0 for v in remainder.values())
        # The recovered answers belong to the hidden remainder of >= k respondents (or none).
        if sum(remainder.values()):
            assert left >= k


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=PEOPLE, k=st.integers(3, 7))
def test_it_resists_subtraction_over_totals_and_overlapping_communities(
    people: list[Any], k: int
) -> None:
    with transaction.atomic():
        campaign, communities, units = _campaign(k)
        _store(campaign, communities, units, people)
        results = campaign_results(campaign)
        per_community = Counter(c for member_of, *_rest in people for c in member_of)
        # Ground truth: respondents per community section, from the generated people.
        for i, community in enumerate(communities):
            entry = results.communities.get(community.pk)
            if entry is not None and not entry["suppressed"]:
                assert entry["respondents"] == per_community[i] >= k
        # The scores-only variant (overview, KPIs) agrees with the detailed one.
        light = campaign_results(campaign, detail=False)
        for cid, entry in results.communities.items():
            assert {key: v for key, v in entry.items() if key != "questions"} == light.communities[
                cid
            ]
        _attack(results.all_communities, list(results.communities.values()), k)
        _attack(results.programme, list(results.business_units.values()), k)
        # The pooled parent over communities: its respondents are rows, one per
        # (person, community); an overlapping person is counted in each community.
        if not results.all_communities["suppressed"]:
            assert results.all_communities["respondents"] == sum(per_community.values())
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), k=st.integers(3, 6))
def test_it_never_gives_a_number_for_a_suppressed_kpi(seed: int, k: int) -> None:
    rng = random.Random(seed)
    people = [
        ({rng.randrange(5)}, rng.randrange(3), rng.randint(1, 5), rng.randint(0, 10))
        for _ in range(rng.randint(0, 30))
    ]
    with transaction.atomic():
        campaign, communities, units = _campaign(k)
        _store(campaign, communities, units, people)
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PUBLISHED)
        kpis = survey_kpis(2026)
        sizes = Counter(next(iter(m)) for m, *_r in people)
        hidden = suppressed_children(
            {c.pk: sizes[i] for i, c in enumerate(communities) if sizes[i]}, k
        )
        for cid, figures in kpis["communities"].items():
            if cid in hidden:
                assert figures == {"suppressed": True}
            else:
                assert figures["respondents"] >= k
                assert set(figures) == {
                    "respondents",
                    "response_rate",
                    "engagement_score",
                    "value_score",
                    "nps",
                }
        if len(people) < k:
            assert kpis["programme"] == {"suppressed": True}
        transaction.set_rollback(True)


def test_it_computes_means_and_nps_from_the_answers(db: None) -> None:
    campaign, communities, units = _campaign(3)
    people = [({0}, 0, v, n) for v, n in [(5, 10), (4, 9), (2, 3), (3, 7), (5, 6)]]
    _store(campaign, communities, units, people)
    entry = campaign_results(campaign).communities[communities[0].pk]
    likerts = [p[2] for p in people]
    values = [6 - v for v in likerts]
    assert entry["engagement_score"] == round(sum(likerts) / len(likerts), 2)
    assert entry["value_score"] == round(sum(values) / len(values), 2)
    nps_values = [p[3] for p in people]
    expected = 100 * (sum(v >= 9 for v in nps_values) - sum(v <= 6 for v in nps_values)) / 5
    assert entry["nps"] == round(expected, 1)
    q = entry["questions"]["engaged"]
    assert q["ci_low"] < q["mean"] < q["ci_high"]
    assert Question.objects.filter(template=campaign.template, dimension="nps").count() == 1
