"""Reads of communication: visible news, recipients of the newsletter, draft sources."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from trellis.activity.models import Event
from trellis.comms.models import Newsletter, NewsPost, Subscription
from trellis.communities.models import LEADER_ROLES, Community, Membership, Stage
from trellis.core.access import User, is_programme_office, person_for_user
from trellis.people.models import Person

# How far ahead a newsletter announces events, from the later of today and the period end.
UPCOMING_WINDOW = dt.timedelta(days=42)


def visible_news(
    *,
    community: Community | None = None,
    programme_only: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[NewsPost]:
    """Published posts that are due, newest first."""
    qs = NewsPost.objects.filter(
        status=NewsPost.Status.PUBLISHED, publish_at__lte=now or timezone.now()
    ).select_related("community")
    if community is not None:
        qs = qs.filter(community=community)
    elif programme_only:
        qs = qs.filter(community__isnull=True)
    return qs.order_by("-publish_at", "-pk")


def news_in_preparation(user: User, *, now: dt.datetime | None = None) -> QuerySet[NewsPost]:
    """Drafts and scheduled posts the user may edit (the office: all of them)."""
    now = now or timezone.now()
    qs = NewsPost.objects.filter(
        Q(status=NewsPost.Status.DRAFT) | Q(publish_at__gt=now)
    ).select_related("community")
    if not is_programme_office(user):
        person = person_for_user(user)
        if person is None:
            return qs.none()
        led = Membership.objects.filter(
            person=person, left__isnull=True, role__in=LEADER_ROLES
        ).values("community_id")
        qs = qs.filter(community_id__in=led)
    return qs.order_by("publish_at", "pk")


def sent_issues() -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(status=Newsletter.Status.SENT).order_by("-sent_at", "-pk")


def is_subscribed(person: Person) -> bool:
    return recipients().filter(pk=person.pk).exists()


def recipients() -> QuerySet[Person]:
    """Who receives the newsletter: active people with an e-mail address who opted in, or
    who are active members of a community and did not opt out."""
    opted_in = Subscription.objects.filter(person=OuterRef("pk"), subscribed=True)
    opted_out = Subscription.objects.filter(person=OuterRef("pk"), subscribed=False)
    member = Membership.objects.filter(person=OuterRef("pk"), left__isnull=True)
    return (
        Person.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Exists(opted_in) | (Exists(member) & ~Exists(opted_out)))
    )


# --- Sources of a newsletter draft ---------------------------------------------------------------


def new_communities(start: dt.date, end: dt.date) -> QuerySet[Community]:
    return (
        Community.objects.filter(launched__gte=start, launched__lte=end)
        .exclude(stage=Stage.CLOSED)
        .order_by("launched", "name")
    )


def news_between(start: dt.date, end: dt.date) -> QuerySet[NewsPost]:
    lower, upper = _bounds(start, end)
    return (
        visible_news()
        .filter(publish_at__gte=lower, publish_at__lt=upper)
        .order_by("publish_at", "pk")
    )


def upcoming_events(end: dt.date, now: dt.datetime | None = None) -> QuerySet[Event]:
    """Events that start after the later of now and the period end, within the window."""
    now = now or timezone.now()
    _lower, after_period = _bounds(end, end)
    start = max(now, after_period)
    return (
        Event.objects.filter(start__gte=start, start__lt=start + UPCOMING_WINDOW)
        .exclude(status=Event.Status.CANCELLED)
        .select_related("community")
        .order_by("start", "pk")
    )


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lower, upper


def optional_source(module: str, name: str) -> Callable[..., Iterable[Any]] | None:
    """A selector of another area (stories, recognition), or None while it does not exist.

    Those areas are built in parallel; the newsletter works without them and says so.
    """
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    function = getattr(found, name, None)
    return function if callable(function) else None


def published_stories(start: dt.date, end: dt.date) -> list[Any] | None:
    source = optional_source("trellis.stories.selectors", "published_between")
    return None if source is None else list(source(start, end))


def published_awards(start: dt.date, end: dt.date) -> list[Any] | None:
    source = optional_source("trellis.recognition.selectors", "awards_published_between")
    return None if source is None else list(source(start, end))


def withdrawn_story_ids(source_ids: Iterable[str]) -> set[str]:
    """Of these story ids, those no longer published (withdrawn since the draft was made)."""
    source = optional_source("trellis.stories.selectors", "published")
    ids = {int(i) for i in source_ids if i.isdigit()}
    if source is None or not ids:
        return set()
    still = {str(pk) for pk in source().filter(pk__in=ids).values_list("pk", flat=True)}  # type: ignore[attr-defined]
    return {str(pk) for pk in ids} - still
