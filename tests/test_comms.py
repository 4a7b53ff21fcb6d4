"""News, the newsletter (draft, edit, send in each language, unsubscribe, idempotency), feeds."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.fingerprint import db_fingerprint
from tests.personas import World, make_world
from trellis.activity.models import Event
from trellis.comms import services
from trellis.comms.models import Delivery, Newsletter, NewsletterItem, NewsPost, Subscription
from trellis.comms.selectors import recipients
from trellis.communities.models import Community, Stage

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SCRIPT = '<script>alert("x")</script><b>bold</b>'
START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE


def _post(world: World, title: str = "Hello", **kwargs: Any) -> NewsPost:
    fields: dict[str, Any] = {
        "body": "Body",
        "community": None,
        "status": NewsPost.Status.PUBLISHED,
        "publish_at": timezone.now() - dt.timedelta(hours=1),
    }
    fields.update(kwargs)
    return services.news_create(actor=world.office, title=title, **fields)


def _issue(world: World, **kwargs: Any) -> Newsletter:
    return services.newsletter_draft(
        actor=world.office, period_start=START, period_end=END, **kwargs
    )


def _send(client: Client, issue: Newsletter, django_capture_on_commit_callbacks) -> Any:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/programme/newsletters/{issue.pk}/send/")


def _to(address: str) -> list[mail.EmailMultiAlternatives]:
    return [m for m in mail.outbox if m.to == [address]]  # type: ignore[misc]


# --- News ----------------------------------------------------------------------------------------


def test_it_lets_a_leader_publish_news_for_their_community(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("leader").post(
        "/communities/welding/news/new/",
        {"title": "Welding day", "body": "Line one\nLine two", "status": "published"},
    )
    post = NewsPost.objects.get()
    assert response.status_code == 302
    assert post.community == world.welding
    page = as_user("member").get("/communities/welding/news/").content.decode()
    assert "Welding day" in page
    detail = as_user("outsider").get(f"/news/{post.pk}/").content.decode()
    assert "Line one<br>Line two" in detail


def test_it_keeps_a_leader_out_of_another_community_and_programme_news(
    world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    before = db_fingerprint()
    assert (
        client.post(
            "/communities/cloud/news/new/", {"title": "x", "body": "y", "status": "published"}
        ).status_code
        == 403
    )
    assert (
        client.post("/news/new/", {"title": "x", "body": "y", "status": "published"}).status_code
        == 403
    )
    assert db_fingerprint() == before


def test_it_shows_a_scheduled_post_only_when_due(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    post = _post(world, "Soon", publish_at=timezone.now() + dt.timedelta(days=2))
    member = as_user("member")
    assert "Soon" not in member.get("/news/").content.decode()
    assert member.get(f"/news/{post.pk}/").status_code == 404
    # The office sees it among the posts in preparation.
    assert "Soon" in as_user("office").get("/news/").content.decode()
    NewsPost.objects.filter(pk=post.pk).update(publish_at=timezone.now() - dt.timedelta(minutes=1))
    assert "Soon" in member.get("/news/").content.decode()
    assert member.get(f"/news/{post.pk}/").status_code == 200


def test_it_hides_drafts_from_readers(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    post = _post(world, "Secret draft", status=NewsPost.Status.DRAFT)
    assert as_user("member").get(f"/news/{post.pk}/").status_code == 404
    assert "Secret draft" not in as_user("member").get("/news/").content.decode()
    assert as_user("office").get(f"/news/{post.pk}/").status_code == 200


def test_it_escapes_html_in_news_everywhere(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    post = _post(world, SCRIPT, body=SCRIPT)
    client = as_user("member")
    for path in ("/news/", f"/news/{post.pk}/", "/feeds/news.rss", "/feeds/news.atom"):
        body = client.get(path).content.decode()
        assert "<script>alert" not in body, path
        assert "<b>bold" not in body, path


def test_it_refuses_an_empty_title_and_stores_nothing(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    before = db_fingerprint()
    response = client.post("/news/new/", {"title": "  ", "body": "x", "status": "published"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert db_fingerprint() == before


# --- Drafting a newsletter -----------------------------------------------------------------------


def test_it_drafts_an_issue_from_the_period(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    Community.objects.create(
        name="Additive manufacturing",
        slug="additive",
        stage=Stage.ACTIVE,
        launched=dt.date(2026, 10, 5),
    )
    Community.objects.create(
        name="Old one", slug="old", stage=Stage.ACTIVE, launched=dt.date(2025, 1, 5)
    )
    _post(world, "October news", publish_at=dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC))
    _post(world, "September news", publish_at=dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC))
    soon = timezone.now() + dt.timedelta(days=3)
    Event.objects.create(
        community=world.welding,
        title="Welding webinar",
        start=max(soon, dt.datetime(2026, 11, 2, tzinfo=dt.UTC)),
    )
    response = as_user("office").post(
        "/programme/newsletters/", {"period_start": "2026-10-01", "period_end": "2026-10-31"}
    )
    issue = Newsletter.objects.get()
    assert response.status_code == 302
    titles = set(issue.items.values_list("title", flat=True))
    assert {"Additive manufacturing", "October news", "Welding webinar"} <= titles
    assert not titles & {"Old one", "September news"}
    assert issue.items.filter(kind=NewsletterItem.Kind.KPI).exists()
    page = as_user("office").get(f"/programme/newsletters/{issue.pk}/").content.decode()
    assert "Additive manufacturing" in page


def test_it_refuses_a_period_that_ends_before_it_starts(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    before = db_fingerprint()
    response = client.post(
        "/programme/newsletters/", {"period_start": "2026-10-31", "period_end": "2026-10-01"}
    )
    assert response.status_code == 200
    assert "The end of the period comes before its start." in response.content.decode()
    assert db_fingerprint() == before


def test_it_says_when_stories_or_awards_are_not_available(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    issue = _issue(world)
    page = as_user("office").get(f"/programme/newsletters/{issue.pk}/").content.decode()
    for source, sentence in (
        ("stories", "Success stories could not be gathered"),
        ("awards", "Awards could not be gathered"),
    ):
        assert (source in issue.notes) == (sentence in page)


def test_it_lets_the_office_reorder_remove_and_introduce(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        _post(world, f"News {n}", publish_at=dt.datetime(2026, 10, 10 + n, tzinfo=dt.UTC))
    issue = _issue(world)
    news = list(issue.items.filter(kind="news").order_by("position"))
    data = {"title": "October", "intro": f"Dear all {SCRIPT}", "remove": [str(news[1].pk)]}
    data[f"position-{news[0].pk}"] = "9"
    data[f"position-{news[2].pk}"] = "1"
    response = as_user("office").post(f"/programme/newsletters/{issue.pk}/", data)
    assert response.status_code == 302
    order = list(issue.items.order_by("position").values_list("title", flat=True))
    assert order[0] == "News 2" and "News 1" not in order
    assert order.index("News 0") > order.index("News 2")
    assert list(issue.items.order_by("position").values_list("position", flat=True)) == list(
        range(1, len(order) + 1)
    )
    page = as_user("office").get(f"/programme/newsletters/{issue.pk}/").content.decode()
    assert "Dear all &lt;script&gt;" in page and "<script>alert" not in page


def test_it_refuses_items_of_another_issue(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    _post(world, "News", publish_at=dt.datetime(2026, 10, 10, tzinfo=dt.UTC))
    other = _issue(world)
    issue = _issue(world)
    foreign = other.items.first()
    assert foreign is not None
    client = as_user("office")
    before = db_fingerprint()
    response = client.post(
        f"/programme/newsletters/{issue.pk}/", {"title": "x", "remove": [str(foreign.pk)]}
    )
    assert response.status_code == 200
    assert "Some items are not part of this issue." in response.content.decode()
    assert db_fingerprint() == before


# --- Sending -------------------------------------------------------------------------------------


def _prepare(world: World) -> Newsletter:
    world.member.person.language = "fr"  # type: ignore[attr-defined]
    world.member.person.save()  # type: ignore[attr-defined]
    Event.objects.create(
        community=world.welding,
        title=f"Webinar {SCRIPT}",
        start=timezone.now() + dt.timedelta(days=5),
    )
    issue = _issue(world)
    issue.intro = f"Intro {SCRIPT}"
    issue.save()
    return issue


def test_it_sends_each_subscriber_the_issue_in_their_language(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    issue = _prepare(world)
    response = _send(as_user("office"), issue, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Newsletter.Status.SENT
    # Members of a community receive it; the office and the outsider (no membership) do not.
    expected = {f"{n}@example.com" for n in ("sponsor", "leader", "core", "member", "other_leader")}
    assert {m.to[0] for m in mail.outbox} == expected
    assert len(mail.outbox) == len(expected)
    french, english = _to("member@example.com")[0], _to("leader@example.com")[0]
    assert french.extra_headers["Content-Language"] == "fr"
    assert english.extra_headers["Content-Language"] == "en"
    french_html, english_html = french.alternatives[0][0], english.alternatives[0][0]  # type: ignore[index]
    assert '<html lang="fr">' in french_html and '<html lang="en">' in english_html
    # Dates follow the reader's language.
    month_fr = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ][END.month - 1]
    assert f"31 {month_fr} 2026" in french.body
    assert "October 31, 2026" in english.body or "31 October 2026" in english.body
    for message in (french, english):
        html = message.alternatives[0][0]  # type: ignore[index]
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert SCRIPT in message.body  # plain text carries the text as typed
        link = re.search(r"https?://\S+/newsletters/unsubscribe/\S+/", message.body)
        assert link is not None
        assert message.extra_headers["List-Unsubscribe"] == f"<{link.group(0)}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link.group(0) in html
    assert Delivery.objects.filter(newsletter=issue, sent_at__isnull=False).count() == len(expected)


def test_the_unsubscribe_link_works_without_login_and_stops_the_next_issue(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    office = as_user("office")
    _send(office, _prepare(world), django_capture_on_commit_callbacks)
    message = _to("member@example.com")[0]
    link = re.search(r"https?://[^/\s]+(/newsletters/unsubscribe/\S+/)", message.body)
    assert link is not None
    anonymous = Client()
    response = anonymous.get(link.group(1))
    assert response.status_code == 200
    assert Subscription.objects.get(person=world.member.person).subscribed is False  # type: ignore[attr-defined]
    mail.outbox.clear()
    _send(office, _issue(world, title="Next"), django_capture_on_commit_callbacks)
    assert _to("member@example.com") == []
    assert _to("leader@example.com") != []
    # One click on the page subscribes again.
    token = link.group(1).split("/")[-2]
    assert anonymous.post(f"/newsletters/resubscribe/{token}/").status_code == 200
    assert world.member.person in recipients()  # type: ignore[attr-defined]


def test_the_one_click_post_of_the_header_unsubscribes(world: World) -> None:
    token = services.unsubscribe_token(world.leader.person)  # type: ignore[attr-defined]
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/newsletters/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert world.leader.person not in recipients()  # type: ignore[attr-defined]


def test_an_employee_subscribes_in_one_click(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    outsider = as_user("outsider")
    assert world.outsider.person not in recipients()  # type: ignore[attr-defined]
    outsider.post("/newsletters/subscription/", {"subscribed": "1"})
    assert "You receive the newsletter." in outsider.get("/newsletters/").content.decode()
    _send(as_user("office"), _issue(world), django_capture_on_commit_callbacks)
    assert len(_to("outsider@example.com")) == 1


def test_a_retried_send_mails_nobody_twice(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    issue = _issue(world)
    Newsletter.objects.filter(pk=issue.pk).update(status=Newsletter.Status.SENDING)
    issue.refresh_from_db()
    first = services.newsletter_deliver(newsletter=issue, base_url="http://testserver", batch=2)
    count = len(mail.outbox)
    assert first.sent == count == 5 and first.batches == 3
    Newsletter.objects.filter(pk=issue.pk).update(status=Newsletter.Status.SENDING)
    again = services.newsletter_deliver(newsletter=issue, base_url="http://testserver")
    assert again.sent == 0 and len(mail.outbox) == count
    # A send of an issue already sent is refused.
    with pytest.raises(Exception, match="already been sent"):
        services.newsletter_send(actor=world.office, newsletter=issue, base_url="")


class FlakyBackend(EmailBackend):
    """The mail server accepts two messages, then fails once."""

    calls = 0

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        FlakyBackend.calls += 1
        if FlakyBackend.calls == 3:
            raise ConnectionError("mail server went away")
        return super().send_messages(messages)


def test_a_send_that_fails_midway_resumes_without_duplicates(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "tests.test_comms.FlakyBackend"
    FlakyBackend.calls = 0
    issue = _issue(world)
    Newsletter.objects.filter(pk=issue.pk).update(status=Newsletter.Status.SENDING)
    with pytest.raises(ConnectionError):
        services.newsletter_deliver(newsletter=issue, base_url="http://x")
    assert len(mail.outbox) == 2
    # The retry (what the worker does) sends the rest; the message that failed is not retried
    # because it may have left: nobody gets the issue twice.
    services.newsletter_deliver(newsletter=issue, base_url="http://x")
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == len(set(addresses)) == 4
    assert Delivery.objects.filter(newsletter=issue, sent_at__isnull=True).count() == 1
    issue.refresh_from_db()
    assert issue.status == Newsletter.Status.SENT


def test_it_renders_each_language_once(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    world.member.person.language = "fr"  # type: ignore[attr-defined]
    world.member.person.save()  # type: ignore[attr-defined]
    calls: list[str] = []
    original = services.render_issue

    def counting(newsletter: Newsletter, language: str, base_url: str) -> services.Rendered:
        calls.append(language)
        return original(newsletter, language, base_url)

    monkeypatch.setattr(services, "render_issue", counting)
    issue = _issue(world)
    Newsletter.objects.filter(pk=issue.pk).update(status=Newsletter.Status.SENDING)
    report = services.newsletter_deliver(newsletter=issue, base_url="http://x", batch=1)
    assert sorted(calls) == ["en", "fr"] and report.languages == 2 and report.sent == 5


def test_the_archive_shows_sent_issues_only(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    sent = _issue(world, title="Sent issue")
    _send(as_user("office"), sent, django_capture_on_commit_callbacks)
    _issue(world, title="Draft issue")
    page = as_user("member").get("/newsletters/").content.decode()
    assert "Sent issue" in page and "Draft issue" not in page
    assert as_user("member").get(f"/newsletters/{sent.pk}/").status_code == 200


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/news/", "/newsletters/", "/communities/welding/news/", "/welcome/"]
)
def test_lists_run_a_fixed_number_of_queries(
    path: str, world: World, as_user, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")

    def grow(n: int) -> None:
        start = Community.objects.count()
        for i in range(start, start + n):
            _post(world, f"p{i}", community=world.welding if i % 2 else None)
            issue = Newsletter.objects.create(
                title=f"i{i}",
                period_start=START,
                period_end=END,
                status=Newsletter.Status.SENT,
                sent_at=timezone.now(),
            )
            NewsletterItem.objects.create(newsletter=issue, kind="news", position=1, title="t")
            Community.objects.create(name=f"C{i}", slug=f"c{i}", stage=Stage.ACTIVE)

    grow(2)
    client.get(path)  # warm caches (session, programme settings)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    grow(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path).status_code == 200


# --- Property: reordering ------------------------------------------------------------------------


class ReorderProperties(HypothesisTestCase):
    """Whatever the office types, positions stay 1..n and follow the typed order."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()

    @hsettings(max_examples=30, deadline=None)
    @given(
        st.lists(st.integers(min_value=1, max_value=99), min_size=6, max_size=6),
        st.sets(st.integers(min_value=0, max_value=5), max_size=5),
    )
    def test_positions_stay_contiguous(self, typed: list[int], removed: set[int]) -> None:
        issue = Newsletter.objects.create(title="x", period_start=START, period_end=END)
        items = NewsletterItem.objects.bulk_create(
            [
                NewsletterItem(newsletter=issue, kind="news", position=i + 1, title=str(i))
                for i in range(6)
            ]
        )
        order = [items[i].pk for _typed, i in sorted(zip(typed, range(6), strict=True))]
        services.newsletter_update(
            actor=None,
            newsletter=issue,
            title="x",
            intro="",
            order=order,
            remove={items[i].pk for i in removed},
        )
        kept = list(issue.items.order_by("position").values_list("pk", "position"))
        assert [p for _pk, p in kept] == list(range(1, 6 - len(removed) + 1))
        assert [pk for pk, _p in kept] == [
            pk for pk in order if pk not in {items[i].pk for i in removed}
        ]


# --- Stories and awards from their areas ---------------------------------------------------------


def test_a_published_story_is_in_the_next_draft_and_in_the_feed(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.story_helpers import make_story
    from trellis.stories.models import Status

    story = make_story(world, status=Status.PUBLISHED, title=f"Story {SCRIPT}")
    unpublished = make_story(world, status=Status.APPROVED, title="Not yet")
    today = timezone.localdate()
    issue = services.newsletter_draft(
        actor=world.office, period_start=today - dt.timedelta(days=30), period_end=today
    )
    item = issue.items.get(kind=NewsletterItem.Kind.STORY)
    assert item.title == story.title and item.url == story.get_absolute_url()
    assert "stories" not in issue.notes
    assert not issue.items.filter(title=unpublished.title).exists()
    client = as_user("member")
    page = as_user("office").get(f"/programme/newsletters/{issue.pk}/").content.decode()
    assert "Story &lt;script&gt;" in page and "<script>alert" not in page
    for path in ("/feeds/stories.rss", "/feeds/stories.atom"):
        body = client.get(path).content.decode()
        assert "Story &lt;script&gt;" in body and "Not yet" not in body
        assert "<script>alert" not in body


def test_an_award_becomes_an_item() -> None:
    award = {
        "award": "Awards 2026",
        "category": "Active community",
        "kind": "community",
        "is_label": True,
        "winner": "Welding",
        "community_slug": "welding",
        "person_id": None,
        "year": 2026,
        "published_at": None,
        "url": "/awards/1/",
        "badge_url": "/awards/1/badge.svg",
    }
    item = services._award_item(award)
    assert (item.kind, item.title, item.url) == ("award", "Welding", "/awards/1/")
    assert item.summary == "Awards 2026 · Active community"


def test_a_story_withdrawn_after_the_draft_is_not_sent(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from tests.story_helpers import make_story
    from trellis.stories.models import Status, Story

    kept = make_story(world, status=Status.PUBLISHED, title="Kept story")
    gone = make_story(world, status=Status.PUBLISHED, title="Withdrawn story")
    today = timezone.localdate()
    issue = services.newsletter_draft(
        actor=world.office, period_start=today - dt.timedelta(days=7), period_end=today
    )
    Story.objects.filter(pk=gone.pk).update(status=Status.DRAFT)
    _send(as_user("office"), issue, django_capture_on_commit_callbacks)
    body = _to("member@example.com")[0].body
    assert kept.title in body and "Withdrawn story" not in body
