"""Reads of the recognition area: published awards, histories, who belongs to the programme.

`awards_published_between` (newsletter drafts) and `report_awards` (annual report) are
called by other areas: keep their signatures and the keys of their dicts stable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet
from django.urls import reverse

from trellis.communities.models import Community, Membership
from trellis.kpis.selectors import counting_communities, programme_tz
from trellis.people.models import Person
from trellis.recognition.models import AwardCampaign, Ballot, Candidate, Category


class PublishedAward(TypedDict):
    award: str  # the campaign's name, as typed by the office
    category: str
    kind: str  # "community" or "person"
    is_label: bool
    winner: str  # the community's or the person's name
    community_slug: str | None
    person_id: int | None
    year: int
    published_at: dt.datetime | None
    url: str  # the winner's award page (a path; prefix the site's address in e-mails)
    badge_url: str


def _winners() -> QuerySet[Candidate]:
    return (
        Candidate.objects.filter(
            is_winner=True, category__campaign__phase=AwardCampaign.Phase.PUBLISHED
        )
        .select_related("category__campaign", "community", "person")
        .order_by(
            "-category__campaign__year",
            "category__campaign__name",
            "category__position",
            "category_id",
            "id",
        )
    )


def _as_award(candidate: Candidate) -> PublishedAward:
    category = candidate.category
    campaign = category.campaign
    return {
        "award": campaign.name,
        "category": category.name,
        "kind": category.kind,
        "is_label": category.is_label,
        "winner": str(candidate.nominee),
        "community_slug": candidate.community.slug if candidate.community else None,
        "person_id": candidate.person_id,
        "year": campaign.year,
        "published_at": campaign.published_at,
        "url": reverse("award_winner", args=[candidate.pk]),
        "badge_url": reverse("award_badge", args=[candidate.pk]),
    }


def awards_published_between(start: dt.date, end: dt.date) -> list[PublishedAward]:
    """Winners of campaigns published from `start` to `end` (both days included, programme
    time zone), for a newsletter draft."""
    tz = programme_tz()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = _winners().filter(
        category__campaign__published_at__gte=since, category__campaign__published_at__lt=until
    )
    return [_as_award(c) for c in qs]


def report_awards(year: int) -> list[PublishedAward]:
    """Winners of the published campaigns of a year, for the annual report."""
    return [_as_award(c) for c in _winners().filter(category__campaign__year=year)]


def community_awards(community: Community) -> list[PublishedAward]:
    """A community's published awards and labels, latest first (its history)."""
    return [_as_award(c) for c in _winners().filter(community=community)]


def person_awards(person: Person) -> list[PublishedAward]:
    return [_as_award(c) for c in _winners().filter(person=person)]


# --- Who belongs to the programme -------------------------------------------------------------


def programme_communities(year: int) -> QuerySet[Community]:
    """Communities that may be nominated: those that count in the campaign's year."""
    return counting_communities(year).order_by("name")


def is_programme_person(person: Person | None, year: int) -> bool:
    """A person of the programme: an active member of at least one community that counts."""
    if person is None or not person.is_active:
        return False
    return Membership.objects.filter(
        person=person,
        left__isnull=True,
        community__in=counting_communities(year).order_by().values("pk"),
    ).exists()


# --- Office views -----------------------------------------------------------------------------


def campaigns_overview() -> QuerySet[AwardCampaign]:
    return AwardCampaign.objects.annotate(
        n_categories=Count("categories", distinct=True),
        n_nominations=Count("categories__candidates__nominations", distinct=True),
    ).order_by("-year", "name")


def open_campaigns() -> QuerySet[AwardCampaign]:
    """Campaigns a member can act on (nominate or vote) or read (published)."""
    return AwardCampaign.objects.filter(
        phase__in=[
            AwardCampaign.Phase.NOMINATIONS,
            AwardCampaign.Phase.VOTING,
            AwardCampaign.Phase.PUBLISHED,
        ]
    ).order_by("-year", "name")


def campaigns_to_act_on(user: AbstractBaseUser | AnonymousUser) -> list[AwardCampaign]:
    """Campaigns open for nominations or the vote in which this user may take part."""
    from trellis.core.access import person_for_user

    if not user.is_authenticated:
        return []
    campaigns = list(
        AwardCampaign.objects.filter(
            phase__in=[AwardCampaign.Phase.NOMINATIONS, AwardCampaign.Phase.VOTING]
        ).order_by("-year", "name")
    )
    if not campaigns:
        return []
    person = person_for_user(user)
    years = {c.year for c in campaigns}
    member_years = {y for y in years if is_programme_person(person, y)}
    return [c for c in campaigns if c.year in member_years]


def candidates_with_counts(category: Category) -> list[Candidate]:
    """The nominees of a category with their number of nominations."""
    return list(
        Candidate.objects.filter(category=category)
        .select_related("community", "person")
        .annotate(n_nominations=Count("nominations"))
        .order_by("community__name", "person__name", "id")
    )


def vote_results(category: Category) -> dict[int, int]:
    """Ballots per nominee (candidate id → votes). Callers show them only after the vote."""
    return dict(
        Ballot.objects.filter(category=category)
        .values("candidate_id")
        .annotate(n=Count("id"))
        .values_list("candidate_id", "n")
    )


def voted_categories(person: Person | None, campaign: AwardCampaign) -> set[int]:
    from trellis.recognition.models import VoterRoll

    if person is None:
        return set()
    return set(
        VoterRoll.objects.filter(person=person, category__campaign=campaign).values_list(
            "category_id", flat=True
        )
    )


def winners_of(campaign: AwardCampaign) -> dict[int, list[Candidate]]:
    out: dict[int, list[Candidate]] = {}
    for c in (
        Candidate.objects.filter(category__campaign=campaign, is_winner=True)
        .select_related("community", "person")
        .order_by("id")
    ):
        out.setdefault(c.category_id, []).append(c)
    return out


def nominations_of(category: Category) -> list[dict[str, Any]]:
    """The jury's view of a category: each nominee with its nominations' justifications."""
    rows: dict[int, dict[str, Any]] = {}
    for c in candidates_with_counts(category):
        rows[c.pk] = {"candidate": c, "nominations": []}
    from trellis.recognition.models import Nomination

    for n in (
        Nomination.objects.filter(candidate__category=category)
        .select_related("nominator")
        .order_by("created_at", "id")
    ):
        rows[n.candidate_id]["nominations"].append(n)
    return list(rows.values())


__all__ = [
    "PublishedAward",
    "awards_published_between",
    "report_awards",
    "community_awards",
    "person_awards",
]
