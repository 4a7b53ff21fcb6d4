"""Reads for coaching: who is trained, sessions a person may see, leader overview."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from trellis.coaching.models import (
    Assessment,
    CoachingSession,
    LeadersCommunity,
    Training,
    TrainingCompletion,
)
from trellis.communities.models import LEADER_ROLES, Community, Membership, Stage
from trellis.people.models import Person


def trained_people(person_ids: Iterable[int]) -> set[int]:
    """The people among these who completed at least one training of the catalogue."""
    return set(
        TrainingCompletion.objects.filter(person_id__in=list(person_ids))
        .values_list("person_id", flat=True)
        .distinct()
    )


def leaders_community() -> Community | None:
    marker = LeadersCommunity.objects.select_related("community").first()
    return marker.community if marker else None


def current_leader_ids(exclude: Community | None = None) -> QuerySet[Membership, Any]:
    """Ids of the people who lead (leader or co-leader) an open community, as a subquery."""
    qs = Membership.objects.filter(
        role__in=LEADER_ROLES, left__isnull=True, person__is_active=True
    ).exclude(community__stage=Stage.CLOSED)
    if exclude is not None:
        qs = qs.exclude(community=exclude)
    return qs.values("person_id")


def sessions_for(person: Person | None, *, office: bool) -> QuerySet[CoachingSession]:
    qs = CoachingSession.objects.select_related("leader", "coach")
    if office:
        return qs
    if person is None:
        return qs.none()
    return qs.filter(Q(leader=person) | Q(coach=person))


def leaders_overview() -> QuerySet[Person]:
    """Every current leader with their coaching figures, in one query."""
    return (
        Person.objects.filter(pk__in=current_leader_ids(exclude=leaders_community()))
        .annotate(
            sessions=Count("coached", distinct=True),
            last_session=Max("coached__on"),
            trainings=Count("trainings_done", distinct=True),
            last_assessment=Max("assessments__on"),
        )
        .order_by("name")
    )


def catalogue() -> QuerySet[Training]:
    return Training.objects.annotate(done=Count("completions")).order_by("-is_active", "title")


def assessments_of(person: Person) -> list[Assessment]:
    return list(Assessment.objects.filter(person=person).order_by("on"))
