"""Who may open each communication URL (guide/quality.md promise 2), persona by persona.

Anonymous visitors get the login page, except where a link must work without one: the
unsubscribe links (the signed token is the permission) and feeds (403, since feed readers
cannot follow a login redirect). Drafts are unknown to those who may not edit them (404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.comms import services
from trellis.comms.models import Newsletter, NewsPost
from trellis.comms.selectors import optional_source

URLS_COVERED = [
    "landing",
    "news_list",
    "news_create",
    "news_detail",
    "news_edit",
    "news_delete",
    "community_news",
    "community_news_create",
    "news_feed_rss",
    "news_feed_atom",
    "stories_feed_rss",
    "stories_feed_atom",
    "newsletter_archive",
    "newsletter_issue",
    "newsletter_subscription",
    "newsletter_unsubscribe",
    "newsletter_resubscribe",
    "newsletter_drafts",
    "newsletter_edit",
    "newsletter_send",
]

PERSONAS = [
    "anonymous",
    "outsider",
    "member",
    "core",
    "leader",
    "sponsor",
    "other_leader",
    "office",
]
ALL_USERS = set(PERSONAS) - {"anonymous"}
EVERYONE = set(PERSONAS)
OFFICE = {"office"}
LEADERS = {"office", "leader"}


def _post(world: World, *, community: bool = False) -> int:
    return services.news_create(
        actor=world.office,
        title="Hello",
        body="Body",
        community=world.welding if community else None,
        status=NewsPost.Status.PUBLISHED,
        publish_at=timezone.now() - dt.timedelta(hours=1),
    ).pk


def _draft(world: World) -> int:
    return services.newsletter_draft(
        actor=world.office, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31)
    ).pk


def _sent(world: World) -> int:
    pk = _draft(world)
    Newsletter.objects.filter(pk=pk).update(status=Newsletter.Status.SENT, sent_at=timezone.now())
    return pk


def _token(world: World) -> str:
    return services.unsubscribe_token(world.member.person)  # type: ignore[attr-defined]


STORIES = optional_source("trellis.stories.selectors", "published_between") is not None

# name -> (method, path builder, allowed personas, is_write, status for denied users)
Case = tuple[str, Callable[[World], str], set[str], bool, int]
CASES: dict[str, Case] = {
    "landing": ("get", lambda w: "/welcome/", ALL_USERS, False, 403),
    "news_list": ("get", lambda w: "/news/", ALL_USERS, False, 403),
    "news_detail": ("get", lambda w: f"/news/{_post(w)}/", ALL_USERS, False, 403),
    "news_create": ("get", lambda w: "/news/new/", OFFICE, False, 403),
    "news_edit": ("get", lambda w: f"/news/{_post(w, community=True)}/edit/", LEADERS, False, 403),
    "news_delete": (
        "post",
        lambda w: f"/news/{_post(w, community=True)}/delete/",
        LEADERS,
        True,
        403,
    ),
    "community_news": ("get", lambda w: "/communities/welding/news/", ALL_USERS, False, 403),
    "community_news_create": (
        "get",
        lambda w: "/communities/welding/news/new/",
        LEADERS,
        False,
        403,
    ),
    "news_feed_rss": ("get", lambda w: "/feeds/news.rss", ALL_USERS, False, 403),
    "news_feed_atom": ("get", lambda w: "/feeds/news.atom", ALL_USERS, False, 403),
    "stories_feed_rss": ("get", lambda w: "/feeds/stories.rss", ALL_USERS, False, 403),
    "stories_feed_atom": ("get", lambda w: "/feeds/stories.atom", ALL_USERS, False, 403),
    "newsletter_archive": ("get", lambda w: "/newsletters/", ALL_USERS, False, 403),
    "newsletter_issue": ("get", lambda w: f"/newsletters/{_sent(w)}/", ALL_USERS, False, 403),
    "newsletter_subscription": (
        "get",
        lambda w: "/newsletters/subscription/",
        ALL_USERS,
        False,
        403,
    ),
    "newsletter_unsubscribe": (
        "get",
        lambda w: f"/newsletters/unsubscribe/{_token(w)}/",
        EVERYONE,
        True,
        403,
    ),
    "newsletter_resubscribe": (
        "post",
        lambda w: f"/newsletters/resubscribe/{_token(w)}/",
        EVERYONE,
        True,
        403,
    ),
    "newsletter_drafts": ("get", lambda w: "/programme/newsletters/", OFFICE, False, 403),
    # A draft is unknown to anyone but the office.
    "newsletter_edit": (
        "get",
        lambda w: f"/programme/newsletters/{_draft(w)}/",
        OFFICE,
        False,
        404,
    ),
    "newsletter_send": (
        "post",
        lambda w: f"/programme/newsletters/{_draft(w)}/send/",
        OFFICE,
        True,
        404,
    ),
}
# Anonymous requests that are not sent to the login page: feeds refuse, token links work.
ANONYMOUS_STATUS = {
    "news_feed_rss": 403,
    "news_feed_atom": 403,
    "stories_feed_rss": 403,
    "stories_feed_atom": 403,
}
# Allowed writes answered with a page rather than a redirect.
WRITE_STATUS = {"newsletter_unsubscribe": 200, "newsletter_resubscribe": 200}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, allowed, is_write, denied = CASES[name]
    path = build(world)
    if name == "newsletter_resubscribe":
        services.subscription_set(actor=None, person=world.member.person, subscribed=False)  # type: ignore[attr-defined]
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, {})
    if persona == "anonymous" and persona not in allowed:
        if name in ANONYMOUS_STATUS:
            assert response.status_code == ANONYMOUS_STATUS[name]
        else:
            assert response.status_code == 302
            assert response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        if name.startswith("stories_feed") and not STORIES:
            assert response.status_code == 404
        elif is_write:
            assert response.status_code == WRITE_STATUS.get(name, 302), response.content[:300]
            assert db_fingerprint() != before
        else:
            assert response.status_code == 200, response.content[:300]
    else:
        assert response.status_code == denied
        assert db_fingerprint() == before


def test_it_shows_the_landing_page_without_login_when_the_setting_says_so(
    world: World, client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.COMMS_PUBLIC_LANDING = True
    response = client.get("/welcome/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Welding" in page and "4 members" in page
    assert 'href="/communities/welding/"' not in page  # the catalogue itself needs a login
    # Only the landing page opens: the rest still needs a login.
    assert client.get("/news/").status_code == 302


def test_it_refuses_a_forged_unsubscribe_token(world: World, client) -> None:  # type: ignore[no-untyped-def]
    token = _token(world)
    person_id, _sep, signature = token.partition(":")
    forged = f"{world.leader.person.pk}:{signature}"  # type: ignore[attr-defined]
    before = db_fingerprint()
    assert client.get(f"/newsletters/unsubscribe/{forged}/").status_code == 404
    assert client.post(f"/newsletters/resubscribe/{forged}/").status_code == 404
    assert db_fingerprint() == before


def test_it_serves_feeds_with_the_personal_token(world: World, client) -> None:  # type: ignore[no-untyped-def]
    from trellis.events.ical import feed_token

    _post(world)
    assert client.get("/feeds/news.rss?token=1.forged").status_code == 403
    response = client.get(f"/feeds/news.rss?token={feed_token(world.member)}")
    assert response.status_code == 200
    assert b"Hello" in response.content
