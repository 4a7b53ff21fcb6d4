"""Reads: the catalogue, a community page, the programme at a glance."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from trellis.communities.models import (
    LEADER_ROLES,
    CharterVersion,
    Community,
    Membership,
    Role,
    Stage,
)
from trellis.people.models import Person

COUNTING_STAGES = (Stage.ACTIVE, Stage.DORMANT)


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    stage: str = ""
    business_unit: int | None = None
    tag: str = ""
    language: str = ""
    sort: str = "name"


SORTS = {
    "name": ("name",),
    "-members": ("-member_count", "name"),
    "-launched": ("-launched", "name"),
}


def _active_member_count() -> Subquery:
    return Subquery(
        Membership.objects.filter(community=OuterRef("pk"), left__isnull=True)
        .order_by()
        .values("community")
        .annotate(n=Count("person", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def leaders_prefetch() -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(left__isnull=True, role__in=LEADER_ROLES)
        .select_related("person")
        .order_by("role", "person__name"),
        to_attr="key_people",
    )


def catalogue(filters: CatalogueFilters) -> QuerySet[Community]:
    qs = Community.objects.all()
    if filters.q:
        for word in filters.q.split()[:8]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(purpose__icontains=word)
                | Q(description__icontains=word)
                | Q(tags__name__icontains=word)
            )
        qs = qs.distinct()
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.business_unit:
        qs = qs.filter(business_units__id=filters.business_unit)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.language:
        code = filters.language
        qs = qs.filter(
            Q(languages=code)
            | Q(languages__startswith=f"{code}|")
            | Q(languages__endswith=f"|{code}")
            | Q(languages__contains=f"|{code}|")
        )
    qs = qs.annotate(member_count=Coalesce(_active_member_count(), 0))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["name"])).prefetch_related(
        "tags", leaders_prefetch()
    )


def community_members(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, left__isnull=True)
        .select_related("person", "person__business_unit")
        .order_by("role", "person__name")
    )


def role_order(membership: Membership) -> int:
    order = [Role.SPONSOR, Role.LEADER, Role.CO_LEADER, Role.CORE_TEAM, Role.MEMBER]
    return order.index(Role(membership.role))


@dataclass(frozen=True)
class ProgrammeGlance:
    communities: int
    by_stage: dict[str, int]
    members_unique: int
    members_sum: int
    charters_approved: int
    objectives: int


def programme_glance(year: int, end_of_year: dt.date) -> ProgrammeGlance:
    """Figures for the home page, computed in a fixed number of queries.

    Communities that count (kpis.md): launched on or before the end of the year and not
    closed before its start. Members are memberships active at the date given.
    """
    start = dt.date(year, 1, 1)
    counting = Community.objects.filter(launched__isnull=False, launched__lte=end_of_year).exclude(
        closed__lt=start
    )
    by_stage = dict(
        Community.objects.order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    active = Membership.objects.filter(community__in=counting, joined__lte=end_of_year).filter(
        Q(left__isnull=True) | Q(left__gt=end_of_year)
    )
    agg = active.aggregate(total=Count("id"), unique=Count("person", distinct=True))
    # members_sum counts distinct people per community, which equals the active
    # memberships because a person has at most one active membership per community.
    charters = (
        CharterVersion.objects.filter(community__in=counting, year=year, approved_on__isnull=False)
        .values("community")
        .distinct()
        .count()
    )
    objectives = counting.filter(objectives__year=year).count()
    return ProgrammeGlance(
        communities=counting.count(),
        by_stage={s: by_stage.get(s, 0) for s in Stage.values},
        members_unique=agg["unique"] or 0,
        members_sum=agg["total"] or 0,
        charters_approved=charters,
        objectives=objectives,
    )


def charters_to_approve(person: Person | None) -> QuerySet[CharterVersion]:
    """Latest charter versions of the person's sponsored communities not approved yet."""
    if person is None:
        return CharterVersion.objects.none()
    sponsored = Membership.objects.filter(
        person=person, role=Role.SPONSOR, left__isnull=True
    ).values("community")
    latest = (
        CharterVersion.objects.filter(community=OuterRef("community"), year=OuterRef("year"))
        .order_by("-version")
        .values("pk")[:1]
    )
    return (
        CharterVersion.objects.filter(community__in=sponsored, approved_on__isnull=True)
        .filter(pk=Subquery(latest))
        .select_related("community")
        .order_by("community__name")
    )


def my_communities(person: Person | None) -> QuerySet[Membership]:
    if person is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(person=person, left__isnull=True)
        .select_related("community")
        .order_by("community__name")
    )


def charter_diff(old: CharterVersion | None, new: CharterVersion) -> list[dict[str, Any]]:
    """Per field, the lines removed and added between two versions."""
    sections = []
    for field in CharterVersion.TEXT_FIELDS:
        before = (getattr(old, field) if old else "").splitlines()
        after = getattr(new, field).splitlines()
        if before == after:
            continue
        lines = []
        for line in difflib.ndiff(before, after):
            if line.startswith("? "):
                continue
            lines.append({"op": line[:1].strip() or "=", "text": line[2:]})
        label = getattr(CharterVersion._meta.get_field(field), "verbose_name", field)
        sections.append({"field": label, "lines": lines})
    return sections
