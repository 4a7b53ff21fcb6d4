"""Build success stories for tests through the services (the same path as the web pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from tests.personas import World
from trellis.communities.models import Community
from trellis.people.models import Person
from trellis.stories import services
from trellis.stories.models import Status, Story

ORDER = [Status.DRAFT, Status.SUBMITTED, Status.VALIDATED, Status.APPROVED, Status.PUBLISHED]

# The smallest valid file of each type, built by hand (magic bytes and structure).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def ooxml(folder: str) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return out.getvalue()


def person(user: User) -> Person:
    return Person.objects.get(user=user)


def make_story(
    world: World,
    *,
    status: str = Status.DRAFT,
    author: User | None = None,
    communities: Sequence[Community] | None = None,
    benefits: Sequence[dict[str, Any]] = (),
    validate_benefits: bool = True,
    title: str = "Weld inspections halved",
    cycles: str = "immediate|applied|realized",
    year: int = 2026,
    **fields: Any,
) -> Story:
    """A story by `author` (default: the welding member), moved up to `status`.

    Benefits are added in the draft; they are validated at the leader's step when
    `validate_benefits` is true (amounts only count once validated).
    """
    author = author or world.member
    story = services.story_create(
        actor=author,
        communities=list(communities) if communities is not None else [world.welding],
        contributors=[person(author)],
        tags=["quality"],
        title=title,
        summary="The welding community shared a checklist.",
        context="Inspections took too long.",
        community_action="Members wrote a checklist together.",
        cycles=cycles,
        year=year,
        **fields,
    )
    for row in benefits:
        services.benefit_add(
            actor=author,
            story=story,
            **{
                "kind": "hours_saved",
                "unit": "hours",
                "period": "year",
                "confidence": "measured",
                "method": "Timesheets before and after.",
                **row,
            },
        )
    target = ORDER.index(Status(status))
    if target >= 1:
        story = services.story_submit(actor=author, story=story)
        if validate_benefits:
            for benefit in story.benefits.all():
                services.benefit_validate(actor=world.leader, benefit=benefit, validated=True)
    if target >= 2:
        story = services.story_validate(actor=world.leader, story=story)
    if target >= 3:
        story = services.story_approve(actor=world.office, story=story)
    if target >= 4:
        story = services.story_publish(actor=world.office, story=story)
    return story


def publish_on(story: Story, day: dt.date) -> Story:
    """Move a published story's publication date (tests of years)."""
    Story.objects.filter(pk=story.pk).update(published_on=day)
    story.refresh_from_db()
    return story


def hours(amount: str | int) -> dict[str, Any]:
    return {"kind": "hours_saved", "amount": Decimal(amount), "unit": "hours"}


def euros(amount: str | int, kind: str = "cost_avoided") -> dict[str, Any]:
    return {"kind": kind, "amount": Decimal(amount), "unit": "EUR"}
