"""Communities and their memberships: the catalogue, a community, members in and out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from trellis.api.auth import READ, WRITE
from trellis.api.errors import ERRORS, MAX_ID, ObjectId
from trellis.api.pagination import PageParams, envelope, page_of
from trellis.api.types import Day
from trellis.communities import services
from trellis.communities.models import Community, Membership, Role, Stage
from trellis.communities.selectors import CatalogueFilters, catalogue, community_members
from trellis.core.access import community_for_user, is_programme_office
from trellis.people.models import Person

router = Router(tags=["communities"])


class PersonRef(Schema):
    id: int
    name: str


class LeaderOut(Schema):
    person: PersonRef
    role: str


class CommunityOut(Schema):
    slug: str
    name: str
    stage: str
    purpose: str
    launched: dt.date | None
    closed: dt.date | None
    languages: list[str]
    tags: list[str]
    business_units: list[str]
    member_count: int
    leaders: list[LeaderOut]
    url: str


class CommunityDetailOut(CommunityOut):
    description: str


class CommunityPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CommunityOut]


class CommunityFilters(Schema):
    q: str = Field(
        "", max_length=200, description="words in the name, purpose, description or tags"
    )
    stage: Stage | None = None
    tag: str = Field("", max_length=100)
    business_unit: int | None = Field(None, ge=1, le=MAX_ID)
    language: str = Field("", max_length=8)
    sort: str = Field("name", pattern="^(name|-members|-launched)$")


def community_out(c: Community, request: HttpRequest) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "name": c.name,
        "stage": c.stage,
        "purpose": c.purpose,
        "launched": c.launched,
        "closed": c.closed,
        "languages": c.language_list,
        "tags": [t.name for t in c.tags.all()],
        "business_units": [b.name for b in c.business_units.all()],
        "member_count": getattr(c, "member_count", 0) or 0,
        "leaders": [
            {"person": {"id": m.person_id, "name": m.person.name}, "role": m.role}
            for m in getattr(c, "key_people", [])
        ],
        "url": request.build_absolute_uri(c.get_absolute_url()),
    }


@router.get(
    "/communities",
    response={200: CommunityPage, **ERRORS},
    auth=READ,
    url_name="api_communities",
    summary="List communities (the catalogue)",
)
def communities_list(
    request: HttpRequest, filters: Query[CommunityFilters], page: Query[PageParams]
) -> Any:
    qs = catalogue(
        CatalogueFilters(
            q=filters.q,
            stage=filters.stage or "",
            business_unit=filters.business_unit,
            tag=filters.tag,
            language=filters.language,
            sort=filters.sort,
        )
    ).prefetch_related("business_units")
    count, items = page_of(qs, page)
    return envelope(count, page, [community_out(c, request) for c in items])


def _one(user: Any, slug: str, *, write: bool = False) -> Community:
    community_for_user(user, slug, write=write)
    found = (
        catalogue(CatalogueFilters()).prefetch_related("business_units").filter(slug=slug).first()
    )
    if found is None:
        raise Http404
    return found


@router.get(
    "/communities/{slug}",
    response={200: CommunityDetailOut, **ERRORS},
    auth=READ,
    url_name="api_community",
    summary="One community",
)
def community_detail(request: HttpRequest, slug: str) -> Any:
    community = _one(request.user, slug)
    return {**community_out(community, request), "description": community.description}


# --- Memberships ---------------------------------------------------------------------------


class MembershipOut(Schema):
    id: int
    person: PersonRef
    community: str
    role: str
    joined: dt.date
    left: dt.date | None


class MembershipPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[MembershipOut]


class MembershipIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(..., ge=1, le=MAX_ID)
    role: Role = Role.MEMBER


class MembershipEndIn(Schema):
    model_config = ConfigDict(extra="forbid")

    left: Day | None = Field(None, description="the last day (default: today)")


def membership_out(m: Membership, slug: str) -> dict[str, Any]:
    return {
        "id": m.pk,
        "person": {"id": m.person_id, "name": m.person.name},
        "community": slug,
        "role": m.role,
        "joined": m.joined,
        "left": m.left,
    }


@router.get(
    "/communities/{slug}/memberships",
    response={200: MembershipPage, **ERRORS},
    auth=READ,
    url_name="api_memberships",
    summary="Active members of a community",
)
def memberships_list(request: HttpRequest, slug: str, page: Query[PageParams]) -> Any:
    community = community_for_user(request.user, slug)
    count, items = page_of(
        community_members(community).order_by("role", "person__name", "pk"), page
    )
    return envelope(count, page, [membership_out(m, slug) for m in items])


@router.post(
    "/communities/{slug}/memberships",
    response={201: MembershipOut, **ERRORS},
    auth=WRITE,
    url_name="api_membership_create",
    summary="Add a member (leaders of the community and the office)",
)
def membership_create(request: HttpRequest, slug: str, payload: MembershipIn) -> Any:
    community = community_for_user(request.user, slug, write=True)
    if payload.role == Role.SPONSOR and not is_programme_office(request.user):
        # As on the web: only the office names sponsors.
        raise PermissionDenied
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise Http404
    membership = services.membership_add(
        actor=request.user, person=person, community=community, role=payload.role
    )
    return Status(201, membership_out(membership, slug))


@router.post(
    "/communities/{slug}/memberships/{membership_id}/end",
    response={200: MembershipOut, **ERRORS},
    auth=WRITE,
    url_name="api_membership_end",
    summary="End a membership (leaders of the community and the office)",
)
def membership_end(
    request: HttpRequest, slug: str, membership_id: ObjectId, payload: MembershipEndIn | None = None
) -> Any:
    community = community_for_user(request.user, slug, write=True)
    membership = get_object_or_404(
        Membership.objects.select_related("person"), pk=membership_id, community=community
    )
    if membership.role == Role.SPONSOR and not is_programme_office(request.user):
        # As on the web: only the office removes a sponsor.
        raise PermissionDenied
    left = payload.left if payload is not None else None
    membership = services.membership_end(actor=request.user, membership=membership, left=left)
    return membership_out(membership, slug)
