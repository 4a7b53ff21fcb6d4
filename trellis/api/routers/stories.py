"""Success stories: the published ones to read; new ones arrive submitted for review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from trellis.api.auth import READ, WRITE
from trellis.api.errors import ERRORS, ObjectId
from trellis.api.pagination import PageParams, envelope, page_of
from trellis.communities.models import Community
from trellis.core.access import person_for_user
from trellis.stories import access, services
from trellis.stories.models import Cycle, Story
from trellis.stories.selectors import StoryFilters, published, search_stories, with_cards

router = Router(tags=["stories"])

TEXTS = (
    "context",
    "community_action",
    "practice_change",
    "result",
    "reframing",
    "beneficiaries",
)


class StoryOut(Schema):
    id: int
    title: str
    summary: str
    status: str
    year: int
    cycles: list[str]
    communities: list[str]
    tags: list[str]
    published_on: dt.date | None
    url: str


class StoryDetailOut(StoryOut):
    context: str
    community_action: str
    practice_change: str
    result: str
    reframing: str
    beneficiaries: str
    evidence_links: list[str]


class StoryPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[StoryOut]


class StoryQuery(Schema):
    q: str = Field("", max_length=200)
    community: str = Field("", max_length=100, description="a community's slug")
    year: int | None = Field(None, ge=1900, le=9999)
    cycle: Cycle | None = None
    tag: str = Field("", max_length=100)


class StoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=200)
    summary: str = Field(..., min_length=1, max_length=400)
    context: str = Field(..., min_length=1, max_length=20_000)
    community_action: str = Field(..., min_length=1, max_length=20_000)
    practice_change: str = Field("", max_length=20_000)
    result: str = Field("", max_length=20_000)
    reframing: str = Field("", max_length=20_000)
    beneficiaries: str = Field("", max_length=20_000)
    evidence_links: list[str] = Field(default_factory=list, max_length=20)
    cycles: list[Cycle] = Field(..., min_length=1)
    year: int = Field(..., ge=1900, le=9999)
    communities: list[str] = Field(..., min_length=1, max_length=20, description="slugs")
    tags: list[str] = Field(default_factory=list, max_length=20)


def story_out(s: Story, request: HttpRequest, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": s.pk,
        "title": s.title,
        "summary": s.summary,
        "status": s.status,
        "year": s.year,
        "cycles": s.cycle_list,
        "communities": [c.slug for c in s.communities.all()],
        "tags": [t.name for t in s.tags.all()],
        "published_on": s.published_on,
        "url": request.build_absolute_uri(s.get_absolute_url()),
    }
    if detail:
        data.update({name: getattr(s, name) for name in TEXTS})
        data["evidence_links"] = s.evidence_list
    return data


@router.get(
    "/stories",
    response={200: StoryPage, **ERRORS},
    auth=READ,
    url_name="api_stories",
    summary="Published stories",
)
def stories_list(request: HttpRequest, filters: Query[StoryQuery], page: Query[PageParams]) -> Any:
    community = None
    if filters.community:
        community = Community.objects.filter(slug=filters.community).first()
        if community is None:
            raise Http404
    qs = search_stories(
        published(),
        StoryFilters(
            q=filters.q,
            community=community,
            year=filters.year,
            cycle=filters.cycle or "",
            tag=filters.tag,
        ),
    )
    count, items = page_of(with_cards(qs.order_by("-published_on", "-id")), page)
    return envelope(count, page, [story_out(s, request) for s in items])


@router.get(
    "/stories/{story_id}",
    response={200: StoryDetailOut, **ERRORS},
    auth=READ,
    url_name="api_story",
    summary="One story (published; or one the token's owner may read)",
)
def story_detail(request: HttpRequest, story_id: ObjectId) -> Any:
    story = access.story_for_user(request.user, story_id)
    return story_out(story, request, detail=True)


@router.post(
    "/stories",
    response={201: StoryDetailOut, **ERRORS},
    auth=WRITE,
    url_name="api_story_create",
    summary="Tell a story: it is created and submitted for review at once",
)
def story_create(request: HttpRequest, payload: StoryIn) -> Any:
    access.require_writer(request.user)
    slugs = sorted(set(payload.communities))
    communities = list(access.writable_communities(request.user).filter(slug__in=slugs))
    if len(communities) != len(slugs):
        # A community the author is not a member of (or that does not exist).
        raise PermissionDenied
    person = person_for_user(request.user)
    with transaction.atomic():
        story = services.story_create(
            actor=request.user,
            communities=communities,
            contributors=[person] if person is not None else [],
            tags=payload.tags,
            title=payload.title,
            summary=payload.summary,
            context=payload.context,
            community_action=payload.community_action,
            practice_change=payload.practice_change,
            result=payload.result,
            reframing=payload.reframing,
            beneficiaries=payload.beneficiaries,
            evidence_links="\n".join(
                link.strip() for link in payload.evidence_links if link.strip()
            ),
            cycles="|".join(c for c in Cycle.values if c in payload.cycles),
            year=payload.year,
        )
        story = services.story_submit(actor=request.user, story=story)
    story = with_cards(Story.objects.filter(pk=story.pk)).get()
    return Status(201, story_out(story, request, detail=True))
