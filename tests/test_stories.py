"""Stories: who may take each step of the review, persona by persona (quality.md promise 2).

The story is written by the welding member. Personas who may read it but not take the step
get 403; those for whom an unpublished story does not exist get 404; anonymous visitors are
sent to the login page. A denied write leaves the database unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.story_helpers import PDF, hours, make_story
from trellis.core.models import AuditEntry
from trellis.stories import services
from trellis.stories.models import Comment, Status, Story

URLS_COVERED = [
    "story_list",
    "story_review",
    "story_create",
    "story_detail",
    "story_edit",
    "story_submit",
    "story_validate",
    "story_approve",
    "story_publish",
    "story_refuse",
    "story_comment",
    "story_benefit_add",
    "story_benefit_delete",
    "story_benefit_validate",
    "story_attachment_add",
    "story_attachment",
    "story_attachment_delete",
    "story_matrix",
    "story_matrix_community",
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
# Who may read an unpublished story of welding written by the member.
READERS = {"member", "leader", "sponsor", "office"}
WRITERS = ALL_USERS - {"outsider"}
AUTHOR = {"member", "office"}
DASHBOARD = {"office", "sponsor", "leader", "other_leader"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@dataclass
class Case:
    method: str
    status: str
    path: Callable[[Story], str]
    allowed: set[str]
    data: Callable[[], dict[str, Any]] = dict
    with_file: bool = False


def _benefit(story: Story) -> int:
    return story.benefits.first().pk  # type: ignore[union-attr]


def _attachment(story: Story) -> int:
    return story.attachments.first().pk  # type: ignore[union-attr]


CASES: dict[str, Case] = {
    "story_list": Case("get", Status.PUBLISHED, lambda s: "/stories/", ALL_USERS),
    "story_review": Case("get", Status.SUBMITTED, lambda s: "/stories/review/", ALL_USERS),
    "story_create": Case("get", Status.DRAFT, lambda s: "/stories/new/", WRITERS),
    "story_detail": Case("get", Status.SUBMITTED, lambda s: f"/stories/{s.pk}/", READERS),
    "story_edit": Case("get", Status.DRAFT, lambda s: f"/stories/{s.pk}/edit/", AUTHOR),
    "story_submit": Case("post", Status.DRAFT, lambda s: f"/stories/{s.pk}/submit/", AUTHOR),
    "story_validate": Case(
        "post", Status.SUBMITTED, lambda s: f"/stories/{s.pk}/validate/", {"leader", "office"}
    ),
    "story_approve": Case(
        "post", Status.VALIDATED, lambda s: f"/stories/{s.pk}/approve/", {"sponsor", "office"}
    ),
    "story_publish": Case(
        "post", Status.APPROVED, lambda s: f"/stories/{s.pk}/publish/", {"sponsor", "office"}
    ),
    "story_refuse": Case(
        "post",
        Status.SUBMITTED,
        lambda s: f"/stories/{s.pk}/refuse/",
        {"leader", "office"},
        lambda: {"reason": "Add the figures."},
    ),
    "story_comment": Case(
        "post",
        Status.SUBMITTED,
        lambda s: f"/stories/{s.pk}/comment/",
        READERS,
        lambda: {"text": "Which sites?"},
    ),
    "story_benefit_add": Case(
        "post",
        Status.DRAFT,
        lambda s: f"/stories/{s.pk}/benefits/new/",
        AUTHOR,
        lambda: {
            "kind": "hours_saved",
            "amount": "12",
            "unit": "hours",
            "period": "year",
            "confidence": "measured",
            "method": "Timesheets.",
        },
    ),
    "story_benefit_delete": Case(
        "post", Status.DRAFT, lambda s: f"/stories/{s.pk}/benefits/{_benefit(s)}/delete/", AUTHOR
    ),
    "story_benefit_validate": Case(
        "post",
        Status.SUBMITTED,
        lambda s: f"/stories/{s.pk}/benefits/{_benefit(s)}/validate/",
        {"leader", "sponsor", "office"},
        lambda: {"validated": "0"},
    ),
    "story_attachment_add": Case(
        "post", Status.DRAFT, lambda s: f"/stories/{s.pk}/files/", AUTHOR, with_file=True
    ),
    "story_attachment": Case(
        "get", Status.SUBMITTED, lambda s: f"/stories/{s.pk}/files/{_attachment(s)}/", READERS
    ),
    "story_attachment_delete": Case(
        "post",
        Status.DRAFT,
        lambda s: f"/stories/{s.pk}/files/{_attachment(s)}/delete/",
        AUTHOR,
    ),
    "story_matrix": Case("get", Status.PUBLISHED, lambda s: "/stories/value/", DASHBOARD),
    "story_matrix_community": Case(
        "get", Status.PUBLISHED, lambda s: "/stories/value/welding/", ALL_USERS
    ),
}


def _story_for(world: World, status: str) -> Story:
    story = make_story(world, benefits=[hours(10)], validate_benefits=False)
    services.attachment_add(actor=world.member, story=story, name="proof.pdf", data=PDF)
    if status == Status.DRAFT:
        return story
    return make_story_up_to(world, story, status)


def make_story_up_to(world: World, story: Story, status: str) -> Story:
    story = services.story_submit(actor=world.member, story=story)
    if status in (Status.VALIDATED, Status.APPROVED, Status.PUBLISHED):
        story = services.story_validate(actor=world.leader, story=story)
    if status in (Status.APPROVED, Status.PUBLISHED):
        story = services.story_approve(actor=world.office, story=story)
    if status == Status.PUBLISHED:
        story = services.story_publish(actor=world.office, story=story)
    return story


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user: Any) -> None:
    case = CASES[name]
    story = _story_for(world, case.status)
    path = case.path(story)
    client: Client = as_user(persona)
    data = case.data()
    if case.with_file:
        data["file"] = SimpleUploadedFile("more.pdf", PDF)
    before = db_fingerprint()
    response = getattr(client, case.method)(path, data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
        assert db_fingerprint() == before
        return
    if persona in case.allowed:
        expected = (200,) if case.method == "get" else (302,)
        assert response.status_code in expected, (name, persona, response.status_code)
        return
    # Known but forbidden: 403; a story you may not read does not exist for you: 404.
    visible = case.status == Status.PUBLISHED or persona in READERS
    lists = name in ("story_list", "story_review", "story_create", "story_matrix")
    expected_denial = 403 if (visible or lists) else 404
    assert response.status_code == expected_denial, (name, persona, response.status_code)
    assert db_fingerprint() == before


def test_it_shows_published_stories_to_every_employee(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.PUBLISHED)
    for persona in ALL_USERS:
        assert as_user(persona).get(f"/stories/{story.pk}/").status_code == 200


def test_it_lets_a_member_write_only_for_their_communities(world: World, as_user: Any) -> None:
    client = as_user("member")
    page = client.get("/stories/new/")
    assert b'value="' + str(world.welding.pk).encode() + b'"' in page.content
    assert b'value="' + str(world.cloud.pk).encode() + b'"' not in page.content
    before = db_fingerprint()
    response = client.post("/stories/new/", _form(world, communities=[world.cloud.pk]))
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert db_fingerprint() == before


def _form(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Checklist",
        "summary": "A shared checklist.",
        "communities": [world.welding.pk],
        "year": "2026",
        "context": "Slow inspections.",
        "community_action": "A checklist written together.",
        "cycles": ["immediate", "applied"],
        "evidence_links": "https://intranet.example.com/checklist",
        "contributors": "leader@example.com",
        "tags": "quality, safety",
    }
    data.update(overrides)
    return data


def test_it_walks_a_story_through_the_whole_review(world: World, as_user: Any) -> None:
    member = as_user("member")
    response = member.post("/stories/new/", _form(world))
    story = Story.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/stories/{story.pk}/"
    assert story.status == Status.DRAFT and story.author == world.member
    assert {p.email for p in story.contributors.all()} == {
        "member@example.com",
        "leader@example.com",
    }
    assert sorted(t.name for t in story.tags.all()) == ["quality", "safety"]
    assert member.post(f"/stories/{story.pk}/submit/").status_code == 302
    # The author cannot validate their own story, even as a leader would.
    assert as_user("leader").post(f"/stories/{story.pk}/validate/").status_code == 302
    assert as_user("sponsor").post(f"/stories/{story.pk}/approve/").status_code == 302
    assert as_user("office").post(f"/stories/{story.pk}/publish/").status_code == 302
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED and story.published_on is not None
    actions = list(
        AuditEntry.objects.filter(object_type="stories.story", object_id=str(story.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "story.create",
        "story.submit",
        "story.validate",
        "story.approve",
        "story.publish",
    ]
    showcase = as_user("outsider").get("/stories/")
    assert b"Checklist" in showcase.content


def test_a_leader_does_not_validate_their_own_story(world: World, as_user: Any) -> None:
    story = make_story(world, author=world.leader, status=Status.SUBMITTED)
    leader = as_user("leader")
    before = db_fingerprint()
    assert leader.post(f"/stories/{story.pk}/validate/").status_code == 403
    assert db_fingerprint() == before


def test_a_refused_story_goes_back_to_draft_with_its_reason(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.VALIDATED)
    response = as_user("sponsor").post(
        f"/stories/{story.pk}/refuse/", {"reason": "Which <b>sites</b>?"}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Status.DRAFT and story.validated_by is None
    assert Comment.objects.get(story=story).kind == Comment.Kind.REFUSAL
    page = as_user("member").get(f"/stories/{story.pk}/")
    assert b"Which &lt;b&gt;sites&lt;/b&gt;?" in page.content
    assert AuditEntry.objects.filter(action="story.refuse").count() == 1
    # The author edits and submits again.
    assert as_user("member").get(f"/stories/{story.pk}/edit/").status_code == 200


def test_a_refusal_needs_a_reason(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.SUBMITTED)
    leader = as_user("leader")
    before = db_fingerprint()
    response = leader.post(f"/stories/{story.pk}/refuse/", {"reason": "  "})
    assert response.status_code == 302
    assert db_fingerprint() == before
    story.refresh_from_db()
    assert story.status == Status.SUBMITTED


def test_a_step_out_of_order_is_refused_with_a_message(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.SUBMITTED)
    # The office may approve, but not a story that no leader validated yet.
    office = as_user("office")
    before = db_fingerprint()
    response = office.post(f"/stories/{story.pk}/approve/", follow=True)
    assert response.status_code == 403 or b"not possible now" in response.content
    assert db_fingerprint() == before


def test_the_office_withdraws_a_published_story(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.PUBLISHED)
    response = as_user("office").post(f"/stories/{story.pk}/refuse/", {"reason": "Wrong figure"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Status.DRAFT and story.published_on is None
    assert as_user("outsider").get(f"/stories/{story.pk}/").status_code == 404


def test_review_comments_are_for_the_review_only(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.SUBMITTED)
    as_user("leader").post(f"/stories/{story.pk}/comment/", {"text": "Internal remark"})
    assert b"Internal remark" in as_user("member").get(f"/stories/{story.pk}/").content
    services.story_validate(actor=world.leader, story=story)
    services.story_approve(actor=world.office, story=story)
    services.story_publish(actor=world.office, story=story)
    assert b"Internal remark" not in as_user("outsider").get(f"/stories/{story.pk}/").content


def test_the_review_page_lists_what_waits_for_me(world: World, as_user: Any) -> None:
    submitted = make_story(world, title="Awaiting leader", status=Status.SUBMITTED)
    validated = make_story(world, title="Awaiting sponsor", status=Status.VALIDATED)
    leader = as_user("leader").get("/stories/review/").content.decode()
    sponsor = as_user("sponsor").get("/stories/review/").content.decode()
    other = as_user("other_leader").get("/stories/review/").content.decode()
    assert submitted.title in leader and validated.title not in leader
    assert validated.title in sponsor and submitted.title not in sponsor
    assert submitted.title not in other and validated.title not in other
    mine = as_user("member").get("/stories/review/").content.decode()
    assert submitted.title in mine and validated.title in mine


def test_the_showcase_lists_with_a_fixed_number_of_queries(
    world: World, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user("outsider")
    make_story(world, status=Status.PUBLISHED)
    client.get("/stories/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/stories/")
    for i in range(12):
        make_story(world, title=f"Story {i}", status=Status.PUBLISHED)
    with CaptureQueriesContext(connection) as large:
        client.get("/stories/")
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_home_page_shows_the_latest_stories_and_what_waits(world: World, as_user: Any) -> None:
    make_story(world, title="Published one", status=Status.PUBLISHED)
    make_story(world, title="Waiting one", status=Status.SUBMITTED)
    leader = as_user("leader").get("/").content.decode()
    assert "Published one" in leader and "Waiting one" not in leader
    assert "1 success story waits for your review" in leader
    outsider = as_user("outsider").get("/").content.decode()
    assert "Published one" in outsider and "waits for your review" not in outsider


def test_the_programme_page_lists_the_story_tools(world: World, as_user: Any) -> None:
    page = as_user("office").get("/programme/").content.decode()
    assert "/stories/review/" in page and "/stories/value/" in page


def test_the_author_edits_a_draft_and_the_change_is_audited(world: World, as_user: Any) -> None:
    story = make_story(world)
    response = as_user("member").post(
        f"/stories/{story.pk}/edit/",
        _form(world, title="Checklist v2", communities=[world.welding.pk], tags="safety"),
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Checklist v2"
    assert [t.name for t in story.tags.all()] == ["safety"]
    # The author stays a contributor even when the form lists only someone else.
    assert {p.email for p in story.contributors.all()} == {
        "member@example.com",
        "leader@example.com",
    }
    entry = AuditEntry.objects.filter(action="story.update").get()
    assert entry.changes["title"] == ["Weld inspections halved", "Checklist v2"]


def test_the_story_page_prints_without_navigation(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.PUBLISHED)
    page = as_user("sponsor").get(f"/stories/{story.pk}/").content.decode()
    assert "stories/stories.css" in page and "trellis/print.css" in page
    assert '<article class="story">' in page


def test_the_showcase_searches_and_filters(world: World, as_user: Any) -> None:
    make_story(
        world,
        title="Torque checklist",
        status=Status.PUBLISHED,
        cycles="immediate",
        benefits=[hours(4)],
        year=2025,
    )
    make_story(
        world,
        title="Cloud runbook",
        status=Status.PUBLISHED,
        communities=[world.cloud],
        cycles="realized",
        benefits=[{"kind": "safety", "amount": 2, "unit": "incidents"}],
    )
    client = as_user("outsider")

    def titles(query: str) -> set[str]:
        page = client.get(f"/stories/?{query}").content.decode()
        return {t for t in ("Torque checklist", "Cloud runbook") if t in page}

    assert titles("") == {"Torque checklist", "Cloud runbook"}
    assert titles("q=TORQUE") == {"Torque checklist"}
    assert titles("q=runbook+cloud") == {"Cloud runbook"}
    assert titles("community=cloud") == {"Cloud runbook"}
    assert titles("year=2025") == {"Torque checklist"}
    assert titles("cycle=realized") == {"Cloud runbook"}
    assert titles("kind=hours_saved") == {"Torque checklist"}
    assert titles("tag=quality") == {"Torque checklist", "Cloud runbook"}
    assert titles("tag=unknown") == set()
    assert (
        "No published story matches this search" in client.get("/stories/?q=zzz").content.decode()
    )
