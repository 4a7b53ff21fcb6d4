"""The allow/deny matrix: every URL × every persona (guide/quality.md promise 2).

Each URL name of the project must appear in MATRIX below, in COVERED_ELSEWHERE (which
names the test file holding its permission tests), or in the `URLS_COVERED` list of a
test module that tests it by name; `test_it_covers_every_url` fails when a URL has none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.fingerprint import db_fingerprint
from tests.personas import World

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
OFFICE = {"office"}
LEADERS = {"office", "leader"}
APPROVERS = {"office", "sponsor"}


def _objective(world: World) -> int:
    from trellis.communities.models import Objective

    return Objective.objects.create(community=world.welding, year=2026, title="Run 4 webinars").pk


def _charter(world: World) -> int:
    from trellis.communities.models import CharterVersion

    return CharterVersion.objects.create(
        community=world.welding, year=2026, version=1, purpose="x"
    ).pk


def _membership(world: World) -> int:
    return world.member.person.memberships.get().pk


# url name -> (method, path builder, personas allowed, is_write)
Case = tuple[str, Callable[[World], str], set[str], bool]
MATRIX: dict[str, Case] = {
    "home": ("get", lambda w: "/", ALL_USERS, False),
    "catalogue": ("get", lambda w: "/communities/", ALL_USERS, False),
    "community_detail": ("get", lambda w: "/communities/welding/", ALL_USERS, False),
    "community_members": ("get", lambda w: "/communities/welding/members/", ALL_USERS, False),
    "charter": ("get", lambda w: "/communities/welding/charter/", ALL_USERS, False),
    "charter_version": (
        "get",
        lambda w: f"/communities/welding/charter/{_charter(w)}/",
        ALL_USERS,
        False,
    ),
    "people": ("get", lambda w: "/people/", ALL_USERS, False),
    "person_detail": ("get", lambda w: f"/people/{w.leader.person.pk}/", ALL_USERS, False),
    "community_create": ("get", lambda w: "/communities/new/", OFFICE, False),
    "community_stage": ("get", lambda w: "/communities/welding/stage/", OFFICE, False),
    "programme_home": ("get", lambda w: "/programme/", OFFICE, False),
    "programme_settings": ("get", lambda w: "/programme/settings/", OFFICE, False),
    "audit_log": ("get", lambda w: "/programme/audit/", OFFICE, False),
    "community_edit": ("get", lambda w: "/communities/welding/edit/", LEADERS, False),
    "member_add": ("get", lambda w: "/communities/welding/members/add/", LEADERS, False),
    "charter_edit": ("get", lambda w: "/communities/welding/charter/edit/", LEADERS, False),
    "objective_create": ("get", lambda w: "/communities/welding/objectives/new/", LEADERS, False),
    "objective_edit": (
        "get",
        lambda w: f"/communities/welding/objectives/{_objective(w)}/edit/",
        LEADERS,
        False,
    ),
    # Writes: allowed personas get a redirect and a change; the others change nothing.
    "community_join": ("post", lambda w: "/communities/cloud/join/", ALL_USERS, True),
    "community_leave": (
        "post",
        lambda w: "/communities/welding/leave/",
        {"member", "core", "leader", "sponsor"},
        True,
    ),
    "member_role": (
        "post",
        lambda w: f"/communities/welding/members/{_membership(w)}/role/",
        LEADERS,
        True,
    ),
    "member_remove": (
        "post",
        lambda w: f"/communities/welding/members/{_membership(w)}/remove/",
        LEADERS,
        True,
    ),
    "charter_approve": (
        "post",
        lambda w: f"/communities/welding/charter/{_charter(w)}/approve/",
        APPROVERS,
        True,
    ),
    "objective_delete": (
        "post",
        lambda w: f"/communities/welding/objectives/{_objective(w)}/delete/",
        LEADERS,
        True,
    ),
}

# Allowed writes that change nothing: the leader of `cloud` "joins" it again.
NO_OP = {("community_join", "other_leader")}

POST_DATA = {
    "member_role": {"role": "core team"},
    "community_join": {},
}

# Public by design: the login page, health check, theme, language switch and logout.
PUBLIC = {"login", "healthz", "theme_css", "language_switch", "logout"}

# URL names whose permission tests live in another file (that file must mention the name).
COVERED_ELSEWHERE: dict[str, str] = {
    "people_import": "tests/test_people_import.py",
    "activity_imports": "tests/test_activity_pages.py",
    "activity_import_new": "tests/test_activity_pages.py",
    "activity_import": "tests/test_activity_pages.py",
    "activity_import_errors": "tests/test_activity_pages.py",
    "activity_import_retry": "tests/test_activity_pages.py",
    "activity_import_apply": "tests/test_activity_pages.py",
    "activity_spaces": "tests/test_activity_pages.py",
    "activity_space": "tests/test_activity_pages.py",
    "activity_authors": "tests/test_activity_pages.py",
    "activity_author": "tests/test_activity_pages.py",
    "programme_import": "tests/test_onboarding_permissions.py",
    "programme_export": "tests/test_onboarding_permissions.py",
    "dashboard": "tests/test_reports_permissions.py",
    "dashboard_export_csv": "tests/test_reports_permissions.py",
    "dashboard_export_xlsx": "tests/test_reports_permissions.py",
    "community_scorecard": "tests/test_reports_permissions.py",
    "events_calendar": "tests/test_events.py",
    "events_ics": "tests/test_events.py",
    "community_events": "tests/test_events.py",
    "community_events_ics": "tests/test_events.py",
    "event_create": "tests/test_events.py",
    "event_edit": "tests/test_events.py",
    "event_cancel": "tests/test_events.py",
    "kpi_years": "tests/test_kpis.py",
    "kpi_year_detail": "tests/test_kpis.py",
    "kpi_year_close": "tests/test_kpis.py",
    "kpi_year_recompute": "tests/test_kpis.py",
    "kpi_sheets": "tests/test_kpi_sheets.py",
    "kpi_sheets_remind": "tests/test_kpi_sheets.py",
    "kpi_sheet": "tests/test_kpi_sheets.py",
    "kpi_sheet_current": "tests/test_kpi_sheets.py",
    "kpi_sheet_reopen": "tests/test_kpi_sheets.py",
    "survey_home": "tests/test_surveys_permissions.py",
    "survey_respond": "tests/test_surveys_permissions.py",
    "survey_templates": "tests/test_surveys_permissions.py",
    "survey_template": "tests/test_surveys_permissions.py",
    "survey_question_edit": "tests/test_surveys_permissions.py",
    "survey_campaigns": "tests/test_surveys_permissions.py",
    "survey_campaign": "tests/test_surveys_permissions.py",
    "survey_campaign_action": "tests/test_surveys_permissions.py",
    "survey_results": "tests/test_surveys_permissions.py",
    "survey_results_csv": "tests/test_surveys_permissions.py",
    "survey_community_results": "tests/test_surveys_permissions.py",
    "survey_community_pdf": "tests/test_surveys_permissions.py",
}


def _names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or str(entry.pattern).startswith("admin/"):
                continue
            names |= _names(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
    return names


def _declared_elsewhere() -> set[str]:
    """URL names that a test module lists in its own `URLS_COVERED` (its permission tests).

    Each area's permission test file declares the URLs it covers, so a new area does not
    have to edit this file (and its test still has to mention each name it claims).
    """
    root = Path(__file__).resolve().parent
    declared: set[str] = set()
    for path in sorted(root.glob("test_*.py")):
        text = path.read_text()
        if "URLS_COVERED" not in text:
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        for name in getattr(module, "URLS_COVERED", ()):
            # The claim counts only when the file exercises the URL by name elsewhere too.
            if text.count(f'"{name}"') >= 2:
                declared.add(name)
    return declared


def test_it_covers_every_url() -> None:
    root = Path(__file__).resolve().parent.parent
    missing = []
    declared = _declared_elsewhere()
    for name in sorted(_names()):
        if name in MATRIX or name in PUBLIC or name in declared:
            continue
        where = COVERED_ELSEWHERE.get(name)
        if where is None or name not in (root / where).read_text():
            missing.append(name)
    assert missing == [], f"URLs without a permission test: {missing}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, allowed, is_write = MATRIX[name]
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, POST_DATA.get(name, {}))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200), response.content[:500]
        if is_write:
            assert (db_fingerprint() == before) == ((name, persona) in NO_OP)
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_keeps_the_admin_for_the_office(persona: str, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user(persona).get("/admin/")
    if persona == "office":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("path", ["/healthz", "/login/", "/theme.css"])
def test_it_serves_public_pages_to_anonymous(path: str, client, db) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200
