"""Shared set-up for the survey tests: a campaign over the personas' world."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.personas import World
from trellis.communities.models import Community, Membership, Role
from trellis.people.models import Person
from trellis.surveys import services
from trellis.surveys.models import Campaign

TOKEN_RE = re.compile(r"/survey/r/\?t=([A-Za-z0-9_\-]+)")


def add_members(community: Community, n: int, *, prefix: str, language: str = "en") -> list[Person]:
    people = []
    for i in range(n):
        person = Person.objects.create(
            name=f"{prefix} {i}", email=f"{prefix}{i}@example.com", language=language
        )
        Membership.objects.create(
            person=person, community=community, role=Role.MEMBER, joined=dt.date(2022, 1, 1)
        )
        people.append(person)
    return people


def open_campaign(world: World, **kwargs: Any) -> Campaign:
    """An open campaign of this year over the world's communities; invitations in mail.outbox."""
    template, _created = services.template_create_default(actor=world.office)
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=world.office,
        year=today.year,
        title="Member survey",
        template=template,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        **kwargs,
    )
    services.campaign_open(actor=world.office, campaign=campaign, base_url="https://trellis.test/")
    campaign.refresh_from_db()
    return campaign


def tokens_by_email() -> dict[str, str]:
    found = {}
    for message in mail.outbox:
        match = TOKEN_RE.search(message.body)
        if match:
            found[message.to[0]] = match.group(1)
    return found


def full_answers(
    client: Client, token: str, *, likert: int = 4, nps: int = 9, comment: str = ""
) -> dict[str, Any]:
    """A complete valid answer sheet for the form behind the token (read from the page)."""
    page = client.get("/survey/r/", {"t": token})
    assert page.status_code == 200, page.status_code
    data: dict[str, Any] = {"token": token}
    for item in (i for s in page.context["sections"] for i in s["items"]):
        q = item["q"]
        if q.type == "likert":
            data[item["name"]] = str(likert)
        elif q.type == "scale10":
            data[item["name"]] = str(nps)
        elif q.type == "single":
            data[item["name"]] = item["choices"][0][0]
        elif q.type == "multiple":
            data[item["name"]] = [c for c, _l in item["choices"][:2]]
        elif q.type == "number":
            data[item["name"]] = "3.5"
        elif q.type == "text" and comment:
            data[item["name"]] = comment
    return data


def answer(token: str, **kwargs: Any) -> Any:
    client = Client()
    return client.post("/survey/r/", full_answers(client, token, **kwargs))


IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}
