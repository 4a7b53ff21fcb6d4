"""REST API v1: tokens and scopes, every operation × persona, role-limited fields, the
KPI figures of the CLI, the one error shape, the activity push, paging and query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.activity.models import Event, Source, Space, SpaceDay
from trellis.api import services
from trellis.api.models import ApiToken
from trellis.communities.models import Community, Membership, Role, SpaceLink, Stage
from trellis.core.models import AuditEntry
from trellis.people.models import Person

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
LEADERS = {"office", "leader"}
OFFICE = {"office"}
DASHBOARD = {"office", "sponsor", "leader", "other_leader"}

URLS_COVERED = [
    "api_communities",
    "api_community",
    "api_memberships",
    "api_membership_create",
    "api_membership_end",
    "api_people",
    "api_person",
    "api_events",
    "api_event_create",
    "api_activity_day",
    "api_kpis",
    "api_survey_campaigns",
    "api_survey_results",
    "api_survey_community",
    "api_stories",
    "api_story",
    "api_story_create",
    "openapi-json",
    "openapi-view",
    "api-root",
    "api_not_found",
    "api_tokens",
    "api_token_revoke",
]


# --- helpers ---------------------------------------------------------------------------------


def token_for(world: World, persona: str, scopes: list[str] | None = None) -> str:
    user = world.persona(persona)
    _token, secret = services.token_create(
        actor=user, user=user, name=f"{persona} tool", scopes=scopes or ["read", "write", "import"]
    )
    return secret


def call(method: str, path: str, secret: str | None = None, body: Any = None) -> Any:
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if method == "post":
        return client.post(
            path, data=json.dumps(body or {}), content_type="application/json", **headers
        )
    return client.get(path, **headers)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


def _space(world: World) -> str:
    Space.objects.get_or_create(
        source=Source.CSV,
        external_id="teams-welding",
        defaults={"name": "Teams welding", "community": world.welding},
    )
    return "teams-welding"


def _membership(world: World) -> int:
    return world.member.person.memberships.get().pk  # type: ignore[attr-defined,no-any-return]


def _published_campaign(world: World) -> int:
    from trellis.surveys.models import Campaign
    from trellis.surveys.services import template_create_default

    template, _created = template_create_default(actor=world.office)
    campaign = Campaign.objects.create(
        year=2026,
        title="Member survey",
        template=template,
        status=Campaign.Status.PUBLISHED,
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
    )
    return campaign.pk


def _published_story(world: World, title: str = "Fewer weld defects") -> int:
    from trellis.stories.models import Status, Story

    story = Story.objects.create(
        title=title,
        summary="Defects fell by a third.",
        context="Too many defects.",
        community_action="Shared checklists.",
        cycles="immediate|applied",
        year=2026,
        status=Status.PUBLISHED,
        published_on=dt.date(2026, 5, 1),
    )
    story.communities.add(world.welding)
    return story.pk


STORY = {
    "title": "Checklists that stick",
    "summary": "Welders share one checklist.",
    "context": "Each site had its own.",
    "community_action": "A workshop and a shared page.",
    "cycles": ["immediate", "potential"],
    "year": 2026,
    "communities": ["welding"],
    "tags": ["quality"],
    "evidence_links": ["https://intranet.example.com/checklist"],
}
WELDING = {"office", "sponsor", "leader", "core", "member"}

# operation -> (method, path builder, body builder, personas allowed, success status)
Op = tuple[str, Callable[[World], str], Callable[[World], Any], set[str], int]
OPERATIONS: dict[str, Op] = {
    "api_communities": ("get", lambda w: "/api/v1/communities", lambda w: None, ALL_USERS, 200),
    "api_community": (
        "get",
        lambda w: "/api/v1/communities/welding",
        lambda w: None,
        ALL_USERS,
        200,
    ),
    "api_memberships": (
        "get",
        lambda w: "/api/v1/communities/welding/memberships",
        lambda w: None,
        ALL_USERS,
        200,
    ),
    "api_membership_create": (
        "post",
        lambda w: "/api/v1/communities/welding/memberships",
        lambda w: {"person_id": w.outsider.person.pk},  # type: ignore[attr-defined]
        LEADERS,
        201,
    ),
    "api_membership_end": (
        "post",
        lambda w: f"/api/v1/communities/welding/memberships/{_membership(w)}/end",
        lambda w: {},
        LEADERS,
        200,
    ),
    "api_people": ("get", lambda w: "/api/v1/people", lambda w: None, ALL_USERS, 200),
    "api_person": (
        "get",
        lambda w: f"/api/v1/people/{w.leader.person.pk}",  # type: ignore[attr-defined]
        lambda w: None,
        ALL_USERS,
        200,
    ),
    "api_events": ("get", lambda w: "/api/v1/events", lambda w: None, ALL_USERS, 200),
    "api_event_create": (
        "post",
        lambda w: "/api/v1/communities/welding/events",
        lambda w: {"title": "Weld day", "start": "2026-12-01T10:00:00+01:00"},
        LEADERS,
        201,
    ),
    "api_activity_day": (
        "post",
        lambda w: f"/api/v1/activity/spaces/{_space(w)}/days/2026-11-27",
        lambda w: {"posts": 3, "replies": 4, "reactions": 5},
        OFFICE,
        200,
    ),
    "api_kpis": ("get", lambda w: "/api/v1/kpis?year=2026", lambda w: None, DASHBOARD, 200),
    "api_survey_campaigns": (
        "get",
        lambda w: "/api/v1/surveys/campaigns",
        lambda w: None,
        ALL_USERS,
        200,
    ),
    "api_survey_results": (
        "get",
        lambda w: f"/api/v1/surveys/campaigns/{_published_campaign(w)}/results",
        lambda w: None,
        OFFICE,
        200,
    ),
    "api_survey_community": (
        "get",
        lambda w: f"/api/v1/surveys/campaigns/{_published_campaign(w)}/communities/welding",
        lambda w: None,
        LEADERS,
        200,
    ),
    "api_stories": ("get", lambda w: "/api/v1/stories", lambda w: None, ALL_USERS, 200),
    "api_story": (
        "get",
        lambda w: f"/api/v1/stories/{_published_story(w)}",
        lambda w: None,
        ALL_USERS,
        200,
    ),
    # Members of the story's communities tell stories (and the office), as on the web.
    "api_story_create": ("post", lambda w: "/api/v1/stories", lambda w: STORY, WELDING, 201),
}


# --- the operation × persona matrix (quality.md promise 2) ----------------------------------


def test_it_lists_every_api_operation_in_the_matrix(client: Client, db: None) -> None:
    from trellis.api.urls import _patterns

    # Every URL of the API is in the matrix or public, and the matrix holds one case per
    # operation of the OpenAPI document (GET and POST on one path are two operations).
    names = {getattr(p, "name", None) for p in _patterns}
    assert names <= set(OPERATIONS) | set(PUBLIC_API_PAGES)
    document = client.get("/api/v1/openapi.json").json()
    operations = [(m, path) for path, item in document["paths"].items() for m in item]
    assert len(operations) == len(OPERATIONS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_it_allows_and_denies(name: str, persona: str, world: World) -> None:
    method, build, body, allowed, success = OPERATIONS[name]
    secret = None if persona == "anonymous" else token_for(world, persona)
    path = build(world)
    if secret:
        call("get", "/api/v1/communities", secret)  # first use: last_used_at is written now
    before = db_fingerprint()
    response = call(method, path, secret, body(world))
    if persona == "anonymous":
        assert_error(response, 401, "unauthenticated")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == success, response.content[:500]
        if method == "post":
            assert db_fingerprint() != before
    else:
        assert_error(response, 403, "forbidden")
        assert db_fingerprint() == before


def test_it_serves_the_openapi_document_and_offline_docs(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["info"]["version"] == "1"
    assert "/api/v1/communities" in document["paths"]
    assert document["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    # The API root leads to the docs; an unknown API path answers in the error shape.
    assert client.get("/api/v1/").status_code in (200, 302)
    assert_error(client.get("/api/v1/no/such/thing"), 404, "not_found")


# --- tokens ----------------------------------------------------------------------------------


def test_it_creates_a_token_on_the_account_page_and_shows_it_once(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    assert client.get("/account/tokens/").status_code == 200
    response = client.post("/account/tokens/", {"name": "BI extract", "scopes": ["read"]})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("trl_")
    token = ApiToken.objects.get(user=world.leader)
    assert secret not in (token.token_hash, token.prefix) and secret.startswith(token.prefix)
    assert token.scope_list == ["read"]
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()
    # Shown once: the list page does not hold the secret any more.
    assert secret not in client.get("/account/tokens/").content.decode()
    assert call("get", "/api/v1/communities", secret).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_token_without_scopes_on_the_page(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("leader").post("/account/tokens/", {"name": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["scopes"]
    assert not ApiToken.objects.exists()


def test_it_sends_anonymous_visitors_of_the_token_pages_to_login(
    client: Client, world: World
) -> None:
    token = ApiToken.objects.create(
        user=world.leader, name="t", token_hash="x", prefix="p", scopes="read"
    )
    for method, path in (
        ("get", "/account/tokens/"),
        ("post", f"/account/tokens/{token.pk}/revoke/"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("persona", sorted(ALL_USERS))
def test_it_revokes_only_ones_own_tokens(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    mine = token_for(world, persona)
    other = token_for(world, "leader" if persona != "leader" else "member")
    client = as_user(persona)
    theirs = ApiToken.objects.exclude(user=world.persona(persona)).get()
    before = db_fingerprint()
    assert client.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    assert db_fingerprint() == before
    own = ApiToken.objects.get(user=world.persona(persona))
    assert client.post(f"/account/tokens/{own.pk}/revoke/").status_code == 302
    assert_error(call("get", "/api/v1/communities", mine), 401, "unauthenticated")
    assert call("get", "/api/v1/communities", other).status_code == 200
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=str(own.pk)).exists()
    page = client.get("/account/tokens/")
    assert "revoked on" in page.content.decode()


def test_it_refuses_missing_unknown_and_inactive_tokens(world: World) -> None:
    assert_error(call("get", "/api/v1/communities"), 401, "unauthenticated")
    assert_error(call("get", "/api/v1/communities", "trl_nope"), 401, "unauthenticated")
    response = Client().get("/api/v1/communities", HTTP_AUTHORIZATION="Basic abc")
    assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    secret = token_for(world, "member")
    world.member.is_active = False
    world.member.save()
    assert_error(call("get", "/api/v1/communities", secret), 401, "unauthenticated")


def test_a_read_token_cannot_write(world: World) -> None:
    secret = token_for(world, "office", ["read"])
    call("get", "/api/v1/communities", secret)
    before = db_fingerprint()
    response = call(
        "post",
        "/api/v1/communities/welding/memberships",
        secret,
        {"person_id": world.outsider.person.pk},  # type: ignore[attr-defined]
    )
    error = assert_error(response, 403, "insufficient_scope")
    assert error["details"] == {"required": "write", "granted": ["read"]}
    space = _space(world)
    before = db_fingerprint()
    response = call(
        "post",
        f"/api/v1/activity/spaces/{space}/days/2026-11-27",
        secret,
        {"posts": 1, "replies": 0},
    )
    assert_error(response, 403, "insufficient_scope")
    assert db_fingerprint() == before


def test_a_write_token_cannot_read_nor_push(world: World) -> None:
    secret = token_for(world, "office", ["write"])
    assert_error(call("get", "/api/v1/people", secret), 403, "insufficient_scope")
    space = _space(world)
    response = call(
        "post",
        f"/api/v1/activity/spaces/{space}/days/2026-11-27",
        secret,
        {"posts": 1, "replies": 0},
    )
    assert_error(response, 403, "insufficient_scope")


def test_another_communitys_data_is_forbidden_and_unknown_objects_are_404(world: World) -> None:
    secret = token_for(world, "other_leader")
    call("get", "/api/v1/communities", secret)
    before = db_fingerprint()
    response = call(
        "post", f"/api/v1/communities/welding/memberships/{_membership(world)}/end", secret
    )
    assert_error(response, 403, "forbidden")
    assert db_fingerprint() == before
    assert_error(call("get", "/api/v1/communities/nowhere", secret), 404, "not_found")
    assert_error(call("get", "/api/v1/people/999999", secret), 404, "not_found")
    # A membership of another community through this one's address: not found.
    leader = token_for(world, "leader")
    cloud = Membership.objects.filter(community=world.cloud).first()
    assert cloud is not None
    assert_error(
        call("post", f"/api/v1/communities/welding/memberships/{cloud.pk}/end", leader), 404
    )


def test_a_leader_cannot_remove_the_sponsor(world: World) -> None:
    secret = token_for(world, "leader")
    sponsor = world.sponsor.person.memberships.get()  # type: ignore[attr-defined]
    response = call("post", f"/api/v1/communities/welding/memberships/{sponsor.pk}/end", secret)
    assert_error(response, 403, "forbidden")
    response = call(
        "post",
        "/api/v1/communities/welding/memberships",
        secret,
        {"person_id": world.outsider.person.pk, "role": "sponsor"},  # type: ignore[attr-defined]
    )
    assert_error(response, 403, "forbidden")


def test_it_rate_limits_per_token(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.API_RATE_LIMIT = "3/min"
    first, second = token_for(world, "member"), token_for(world, "leader")
    for _i in range(3):
        assert call("get", "/api/v1/communities", first).status_code == 200
    response = call("get", "/api/v1/communities", first)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    # Another token has its own budget.
    assert call("get", "/api/v1/communities", second).status_code == 200


# --- fields by role --------------------------------------------------------------------------

PRIVATE = {"email", "employee_id", "manager", "is_programme_staff", "is_active"}


def test_people_fields_are_limited_by_role(world: World) -> None:
    leader = world.leader.person  # type: ignore[attr-defined]
    leader.employee_id = "E-42"
    leader.manager = world.sponsor.person  # type: ignore[attr-defined]
    leader.save()
    office = token_for(world, "office")
    member = token_for(world, "member")
    full = call("get", f"/api/v1/people/{leader.pk}", office).json()
    assert full["email"] == "leader@example.com"
    assert full["employee_id"] == "E-42"
    assert full["manager"]["id"] == world.sponsor.person.pk  # type: ignore[attr-defined]
    limited = call("get", f"/api/v1/people/{leader.pk}", member).json()
    assert limited["name"] == leader.name
    assert not PRIVATE & set(limited)
    listed = call("get", "/api/v1/people", member).json()["results"]
    assert listed and all(not PRIVATE & set(p) for p in listed)
    assert all(set(p) >= PRIVATE for p in call("get", "/api/v1/people", office).json()["results"])
    # An employee cannot find people by their e-mail address either.
    assert call("get", "/api/v1/people?q=sponsor@example", member).json()["count"] == 0
    assert call("get", "/api/v1/people?q=sponsor@example", office).json()["count"] == 1


# --- KPIs: the figures of the CLI ------------------------------------------------------------


def _cli_kpis(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("kpis", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_kpis_are_the_figures_of_the_cli(world: World) -> None:
    Event.objects.create(
        community=world.welding,
        title="Webinar",
        start=timezone.now() - dt.timedelta(days=2),
        status=Event.Status.HELD,
        attendee_count=12,
    )
    secret = token_for(world, "sponsor")
    year = str(timezone.localdate().year)
    api = call("get", f"/api/v1/kpis?year={year}", secret).json()
    cli = _cli_kpis("--year", year)
    assert api["programme"] == cli["programme"]
    assert api["communities"] == cli["communities"]
    assert api["programme"]["communities"] == 2
    one = call("get", f"/api/v1/kpis?year={year}&community=welding", secret).json()
    assert one["communities"] == _cli_kpis("--year", year, "--community", "welding")["communities"]
    assert_error(call("get", "/api/v1/kpis?community=nowhere", secret), 404, "not_found")


# --- surveys: suppressed groups stay suppressed ----------------------------------------------


def test_survey_aggregates_keep_small_groups_suppressed(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.survey_helpers import (
        IMMEDIATE_TASKS,
        add_members,
        answer,
        open_campaign,
        tokens_by_email,
    )
    from trellis.surveys.services import campaign_close, campaign_publish

    settings.TASKS = IMMEDIATE_TASKS
    # welding is large, cloud under the threshold; forge just at it, so that hiding cloud
    # alone would let programme − welding − forge reveal it: forge is hidden too.
    forge = Community.objects.create(
        name="Forge", slug="forge", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
    )
    add_members(world.welding, 6, prefix="weld")
    add_members(world.cloud, 1, prefix="cloudy")
    add_members(forge, 5, prefix="forge")
    campaign = open_campaign(world)
    for token in tokens_by_email().values():
        answer(token)
    campaign_close(actor=world.office, campaign=campaign)
    campaign_publish(actor=world.office, campaign=campaign)
    office = token_for(world, "office")
    results = call("get", f"/api/v1/surveys/campaigns/{campaign.pk}/results", office).json()
    by_slug = {c["slug"]: c for c in results["communities"]}
    assert by_slug["welding"]["suppressed"] is False
    assert by_slug["welding"]["respondents"] >= 6
    assert by_slug["forge"]["suppressed"] is True
    assert by_slug["cloud"] == {
        "key": world.cloud.pk,
        "label": world.cloud.name,
        "k": campaign.min_respondents,
        "suppressed": True,
        "slug": "cloud",
    }
    leader = token_for(world, "other_leader")
    cloud = call("get", f"/api/v1/surveys/campaigns/{campaign.pk}/communities/cloud", leader).json()
    assert cloud["results"]["suppressed"] is True
    assert "respondents" not in cloud["results"]
    welding = call(
        "get",
        f"/api/v1/surveys/campaigns/{campaign.pk}/communities/welding",
        token_for(world, "leader"),
    ).json()
    assert welding["results"]["respondents"] == by_slug["welding"]["respondents"]
    assert "questions" in welding["results"]


# --- events ----------------------------------------------------------------------------------


def test_a_leader_adds_an_event_and_it_is_in_the_calendar(world: World) -> None:
    secret = token_for(world, "leader")
    response = call(
        "post",
        "/api/v1/communities/welding/events",
        secret,
        {"title": "Weld day", "start": "2030-12-01T10:00:00+01:00", "type": "workshop"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["community"] == "welding" and created["type"] == "workshop"
    assert AuditEntry.objects.filter(action="event.create", object_id=str(created["id"])).exists()
    listed = call("get", "/api/v1/events?community=welding", secret).json()
    assert [e["id"] for e in listed["results"]] == [created["id"]]
    response = call(
        "post",
        "/api/v1/communities/welding/events",
        secret,
        {"title": "Backwards", "start": "2030-12-01T10:00:00Z", "end": "2030-12-01T09:00:00Z"},
    )
    error = assert_error(response, 422, "invalid")
    assert error["details"][0]["field"] == "end"


def test_a_leader_adds_and_ends_a_membership(world: World) -> None:
    secret = token_for(world, "leader")
    outsider = world.outsider.person  # type: ignore[attr-defined]
    response = call(
        "post",
        "/api/v1/communities/welding/memberships",
        secret,
        {"person_id": outsider.pk, "role": "core team"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["role"] == "core team" and created["left"] is None
    ended = call(
        "post",
        f"/api/v1/communities/welding/memberships/{created['id']}/end",
        secret,
        {"left": "2030-01-01"},
    )
    assert ended.json()["left"] == "2030-01-01"
    assert set(
        AuditEntry.objects.filter(object_id=str(created["id"])).values_list("action", flat=True)
    ) == {
        "membership.add",
        "membership.end",
    }
    world.cloud.stage = Stage.CLOSED
    world.cloud.save()
    office = token_for(world, "office")
    response = call(
        "post", "/api/v1/communities/cloud/memberships", office, {"person_id": outsider.pk}
    )
    assert_error(response, 422, "invalid")
    assert_error(
        call("post", "/api/v1/communities/welding/memberships", secret, {"person_id": 987654}), 404
    )


# --- bad input: the one error shape ----------------------------------------------------------


def test_bad_input_gets_the_error_shape(world: World) -> None:
    secret = token_for(world, "office")
    url = "/api/v1/communities/welding/memberships"
    person = world.outsider.person.pk  # type: ignore[attr-defined]
    error = assert_error(
        call("post", url, secret, {"person_id": person, "colour": "red"}), 422, "invalid_request"
    )
    assert error["details"][0]["field"] == "colour"
    error = assert_error(call("post", url, secret, {"person_id": "one"}), 422, "invalid_request")
    assert error["details"][0]["field"] == "person_id"
    error = assert_error(
        call("post", url, secret, {"person_id": person, "role": "king"}), 422, "invalid_request"
    )
    assert error["details"][0]["field"] == "role"
    response = Client().post(
        url,
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"error"}
    error = assert_error(call("get", "/api/v1/people?limit=100000", secret), 422, "invalid_request")
    assert error["details"][0]["field"] == "limit"
    assert_error(call("get", "/api/v1/people?offset=-1", secret), 422, "invalid_request")
    assert_error(call("get", "/api/v1/communities?stage=sleeping", secret), 422, "invalid_request")
    assert_error(
        call("get", "/api/v1/people/99999999999999999999999", secret), 422, "invalid_request"
    )
    assert_error(
        call("get", "/api/v1/events?starts_after=0001-01-01T00:00:00", secret),
        422,
        "invalid_request",
    )
    # A wrong method, or a POST to no endpoint: the same shape.
    error = assert_error(Client().delete("/api/v1/communities"), 405, "method_not_allowed")
    assert error["details"] == {"allowed": ["GET"]}
    assert_error(call("post", "/api/v1/nothing", secret, {}), 404, "not_found")
    # A page beyond the end is empty, not an error.
    body = call("get", "/api/v1/people?offset=5000", secret).json()
    assert body["results"] == [] and body["count"] > 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            {
                "limit": "Saisissez une valeur inférieure ou égale à 200.",
                "offset": "Saisissez un nombre entier.",
                "starts_after": "L'année doit être comprise entre 1900 et 9000.",
            },
        ),
        (
            "en",
            {
                "limit": "Enter a value less than or equal to 200.",
                "offset": "Enter a whole number.",
                "starts_after": "The year must be between 1900 and 9000.",
            },
        ),
    ],
)
def test_validation_details_answer_in_the_callers_language(
    world: World, language: str, expected: dict[str, str]
) -> None:
    """The details' messages follow Accept-Language (pydantic's own are English only); the
    `type` beside them stays the language-free key a script can test."""
    secret = token_for(world, "office")
    client = Client(HTTP_ACCEPT_LANGUAGE=language, HTTP_AUTHORIZATION=f"Bearer {secret}")
    found: dict[str, str] = {}
    types: dict[str, str] = {}
    for path in (
        "/api/v1/people?limit=100000",
        "/api/v1/people?offset=many",
        "/api/v1/events?starts_after=0001-01-01T00:00:00",
    ):
        response = client.get(path)
        error = assert_error(response, 422, "invalid_request")
        assert response["Content-Language"] == language
        for detail in error["details"]:
            found[detail["field"]] = detail["message"]
            types[detail["field"]] = detail["type"]
    assert found == expected
    assert types == {
        "limit": "less_than_equal",
        "offset": "int_parsing",
        "starts_after": "value_error",
    }


# --- the activity push -----------------------------------------------------------------------


def test_pushing_activity_for_an_unknown_space_is_a_404(world: World) -> None:
    secret = token_for(world, "office")
    call("get", "/api/v1/communities", secret)
    before = db_fingerprint()
    response = call(
        "post", "/api/v1/activity/spaces/typo/days/2026-11-27", secret, {"posts": 1, "replies": 2}
    )
    error = assert_error(response, 404, "unknown_space")
    assert "typo" in error["message"]
    assert db_fingerprint() == before
    assert not Space.objects.filter(external_id="typo").exists()


def test_pushing_activity_is_idempotent_and_agrees_with_the_importer(
    world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from trellis.activity.services import activity_import

    secret = token_for(world, "office", ["import"])
    # Declared in spaces.csv only: the first push creates the space, mapped to its community.
    SpaceLink.objects.create(
        source=SpaceLink.Source.CSV, space="teams-cloud", community=world.cloud
    )
    url = "/api/v1/activity/spaces/teams-cloud/days/2026-11-27"
    figures = {"posts": 3, "replies": 4, "reactions": 5, "active_authors": 2}
    first = call("post", url, secret, figures)
    assert first.status_code == 200, first.content
    assert first.json()["result"] == "new"
    space = Space.objects.get(source=Source.CSV, external_id="teams-cloud")
    assert space.community == world.cloud and space.volume == 7
    before = db_fingerprint()
    assert call("post", url, secret, figures).json()["result"] == "unchanged"
    assert db_fingerprint() == before
    assert call("post", url, secret, {**figures, "posts": 10}).json()["result"] == "updated"
    assert SpaceDay.objects.get(space=space).posts == 10
    space.refresh_from_db()
    assert space.volume == 14
    # The importer, given the same figures as a file, finds nothing to change.
    csv = tmp_path / "activity.csv"
    csv.write_text(
        "space_id,space_name,date,posts,replies,reactions,active_authors\n"
        "teams-cloud,teams-cloud,2026-11-27,10,4,5,2\n"
    )
    report = activity_import(actor=world.office, source="csv", path=csv)
    assert report.applied and report.new == 0 and report.updated == 0 and report.unchanged == 1
    assert AuditEntry.objects.filter(action="activity.import").count() == 3
    error = assert_error(
        call("post", url, secret, {"posts": -1, "replies": 0}), 422, "invalid_request"
    )
    assert error["details"][0]["field"] == "posts"
    assert_error(
        call("post", "/api/v1/activity/spaces/teams-cloud/days/2026-13-45", secret, figures), 422
    )


def test_a_leader_cannot_push_activity_even_with_the_import_scope(world: World) -> None:
    secret = token_for(world, "leader", ["import"])
    response = call(
        "post",
        f"/api/v1/activity/spaces/{_space(world)}/days/2026-11-27",
        secret,
        {"posts": 1, "replies": 1},
    )
    assert_error(response, 403, "forbidden")


# --- lists: filters, paging, a fixed number of queries ---------------------------------------


def _grow(world: World, n: int) -> None:
    from trellis.communities.models import Tag
    from trellis.people.models import BusinessUnit
    from trellis.stories.models import Story

    unit = BusinessUnit.objects.create(name=f"Unit {n}")
    tag, _created = Tag.objects.get_or_create(name="safety")
    start = Community.objects.count()
    for i in range(start, start + n):
        community = Community.objects.create(
            name=f"Community {i}", slug=f"c{i}", stage=Stage.ACTIVE, launched=dt.date(2022, 1, 1)
        )
        community.tags.add(tag)
        community.business_units.add(unit)
        boss = Person.objects.create(
            name=f"Boss {i}", email=f"boss{i}@example.com", business_unit=unit
        )
        boss.manager = world.sponsor.person  # type: ignore[attr-defined]
        boss.save()
        Membership.objects.create(
            person=boss, community=community, role=Role.LEADER, joined=dt.date(2022, 1, 1)
        )
        Membership.objects.create(
            person=boss, community=world.welding, role=Role.MEMBER, joined=dt.date(2022, 1, 1)
        )
        Event.objects.create(
            community=community, title=f"E{i}", start=timezone.now() + dt.timedelta(days=i + 1)
        )
        Story.objects.create(
            title=f"S{i}",
            summary="s",
            context="c",
            community_action="a",
            year=2026,
            status="published",
            published_on=dt.date(2026, 5, 1),
        ).communities.add(community)


LISTS = [
    "/api/v1/communities?limit=200",
    "/api/v1/communities?limit=200&tag=safety&stage=active",
    "/api/v1/communities/welding/memberships?limit=200",
    "/api/v1/people?limit=200",
    "/api/v1/events?limit=200",
    "/api/v1/surveys/campaigns",
    "/api/v1/stories?limit=200",
]


@pytest.mark.parametrize("path", LISTS)
def test_list_pages_run_a_fixed_number_of_queries(path: str, world: World) -> None:
    office = token_for(world, "office")
    call("get", path, office)
    counts = []
    for size in (3, 30):
        _grow(world, size)
        with CaptureQueriesContext(connection) as ctx:
            response = call("get", path, office)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_communities_filter_and_page(world: World) -> None:
    _grow(world, 5)
    secret = token_for(world, "member")
    page = call("get", "/api/v1/communities?tag=safety&limit=2&offset=2", secret).json()
    assert page["count"] == 5 and page["limit"] == 2 and page["offset"] == 2
    assert [c["slug"] for c in page["results"]] == ["c4", "c5"]
    assert call("get", "/api/v1/communities?q=welding", secret).json()["count"] == 1
    unit = world.welding.business_units.get().pk
    assert [
        c["slug"]
        for c in call("get", f"/api/v1/communities?business_unit={unit}", secret).json()["results"]
    ] == ["welding"]
    detail = call("get", "/api/v1/communities/welding", secret).json()
    assert detail["leaders"][0]["person"]["name"] == world.leader.person.name  # type: ignore[attr-defined]
    assert detail["member_count"] == 9


# --- the pages around the API: public description, each user's own tokens -----------------

PUBLIC_API_PAGES = {
    # The OpenAPI document and its docs describe the API, never data: no token needed.
    "openapi-json": ("/api/v1/openapi.json", 200),
    "openapi-view": ("/api/v1/docs", 200),
    "api-root": ("/api/v1/", 302),
    "api_not_found": ("/api/v1/nothing/here", 404),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(PUBLIC_API_PAGES))
def test_the_api_description_is_public(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    path, status = PUBLIC_API_PAGES[name]
    if name != "api_not_found":
        assert reverse(f"api:{name}") == path
    response = as_user(persona).get(path)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("api:openapi-view")


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_token_pages_belong_to_each_user(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    leaders = ApiToken.objects.create(
        user=world.leader, name="t", token_hash="h", prefix="trl_x", scopes="read"
    )
    client = as_user(persona)
    listing = client.get(reverse("api_tokens"))
    before = db_fingerprint()
    revoke = client.post(reverse("api_token_revoke", args=[leaders.pk]))
    if persona == "anonymous":
        assert listing.status_code == 302 and listing["Location"].startswith("/login/")
        assert revoke.status_code == 302 and revoke["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona == "leader":
        assert listing.status_code == 200 and "trl_x" in listing.content.decode()
        assert revoke.status_code == 302
        leaders.refresh_from_db()
        assert leaders.revoked_at is not None
    else:
        assert listing.status_code == 200 and "trl_x" not in listing.content.decode()
        assert revoke.status_code == 404
        assert db_fingerprint() == before


# --- stories ---------------------------------------------------------------------------------


def test_stories_read_published_and_create_submitted(world: World) -> None:
    from trellis.stories.models import Status, Story

    published_pk = _published_story(world)
    draft = Story.objects.create(
        title="Secret draft", summary="s", context="c", community_action="a", year=2026
    )
    draft.communities.add(world.cloud)
    member = token_for(world, "member")
    listed = call("get", "/api/v1/stories?community=welding&cycle=applied", member).json()
    assert [s["id"] for s in listed["results"]] == [published_pk]
    assert listed["results"][0]["communities"] == ["welding"]
    assert call("get", "/api/v1/stories?q=secret", member).json()["count"] == 0
    assert_error(call("get", f"/api/v1/stories/{draft.pk}", member), 404, "not_found")
    detail = call("get", f"/api/v1/stories/{published_pk}", member).json()
    assert detail["cycles"] == ["immediate", "applied"] and detail["context"] == "Too many defects."
    created = call("post", "/api/v1/stories", member, STORY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "submitted" and body["tags"] == ["quality"]
    story = Story.objects.get(pk=body["id"])
    assert story.status == Status.SUBMITTED and story.author == world.member
    assert list(story.contributors.all()) == [world.member.person]  # type: ignore[attr-defined]
    actions = set(
        AuditEntry.objects.filter(object_id=str(story.pk)).values_list("action", flat=True)
    )
    assert {"story.create", "story.submit"} <= actions
    # Not a member of cloud: refused, nothing stored.
    before = db_fingerprint()
    response = call("post", "/api/v1/stories", member, {**STORY, "communities": ["cloud"]})
    assert_error(response, 403, "forbidden")
    error = assert_error(call("post", "/api/v1/stories", member, {**STORY, "cycles": []}), 422)
    assert error["details"][0]["field"] == "cycles"
    bad = {**STORY, "evidence_links": ["not a link"]}
    error = assert_error(call("post", "/api/v1/stories", member, bad), 422, "invalid")
    assert error["details"][0]["field"] == "evidence_links"
    assert db_fingerprint() == before
