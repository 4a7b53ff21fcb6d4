"""Who may do each step of an award campaign: every URL × every persona (quality.md #2).

Members of the programme (an active membership in a community that counts) nominate and
vote; the programme office is the jury; any employee reads published awards; drafts and
unpublished winners do not exist for anyone but the office. A denied write changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.test_recognition import Setup, make_setup

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
# People with an active membership in a community that counts; the office persona has none.
PROGRAMME = {"member", "core", "leader", "sponsor", "other_leader"}


@dataclass
class Case:
    method: str
    phase: str
    args: Callable[[Setup], list[int]]
    allowed: set[str]
    data: Callable[[Setup], dict[str, str]] | None = None


CASES: dict[str, list[Case]] = {
    "awards_home": [Case("get", "nominations", lambda s: [], ALL_USERS)],
    "award_campaign_public": [
        Case("get", "nominations", lambda s: [s.campaign.pk], ALL_USERS),
        Case("get", "draft", lambda s: [s.campaign.pk], OFFICE),
    ],
    "award_nominate": [
        Case("get", "nominations", lambda s: [s.people.pk], PROGRAMME),
        Case(
            "post",
            "nominations",
            lambda s: [s.people.pk],
            PROGRAMME,
            lambda s: {"person_email": "core@example.com", "justification": "Ran 12 clinics."},
        ),
        # A draft campaign does not exist for members.
        Case("get", "draft", lambda s: [s.people.pk], set()),
    ],
    "award_vote": [
        Case("get", "voting", lambda s: [s.people.pk], PROGRAMME),
        Case(
            "post",
            "voting",
            lambda s: [s.people.pk],
            PROGRAMME,
            lambda s: {"candidate": str(s.leader_candidate.pk)},
        ),
    ],
    "award_winner": [
        Case("get", "published", lambda s: [s.winner.pk], ALL_USERS),
        Case("get", "jury-decided", lambda s: [s.winner.pk], OFFICE),
    ],
    "award_badge": [
        Case("get", "published", lambda s: [s.winner.pk], ALL_USERS),
        Case("get", "jury-decided", lambda s: [s.winner.pk], OFFICE),
    ],
    "award_badge_png": [
        Case("get", "published", lambda s: [s.winner.pk], ALL_USERS),
    ],
    "award_campaigns": [
        Case("get", "draft", lambda s: [], OFFICE),
        Case(
            "post",
            "draft",
            lambda s: [],
            OFFICE,
            lambda s: {"year": "2026", "name": "Trophies", "description": ""},
        ),
    ],
    "award_campaign": [
        Case("get", "draft", lambda s: [s.campaign.pk], OFFICE),
        Case(
            "post",
            "draft",
            lambda s: [s.campaign.pk],
            OFFICE,
            lambda s: {"name": "Best newcomer", "kind": "person", "description": ""},
        ),
    ],
    "award_campaign_edit": [
        Case("get", "voting", lambda s: [s.campaign.pk], OFFICE),
        Case(
            "post",
            "nominations",
            lambda s: [s.campaign.pk],
            OFFICE,
            lambda s: {"name": "Awards 2026", "description": "Reworded."},
        ),
    ],
    "award_campaign_phase": [
        Case(
            "post",
            "nominations",
            lambda s: [s.campaign.pk],
            OFFICE,
            lambda s: {"to": "voting"},
        ),
    ],
    "award_criterion_new": [
        Case("get", "draft", lambda s: [s.people.pk], OFFICE),
        Case(
            "post",
            "draft",
            lambda s: [s.communities.pk],
            OFFICE,
            lambda s: {"figure": "kpi:members", "operator": "gte", "threshold": "3"},
        ),
    ],
    "award_criterion_delete": [
        Case(
            "post",
            "draft",
            lambda s: [s.criterion.pk],
            OFFICE,
            lambda s: {},
        ),
    ],
    "award_jury": [
        Case("get", "voting", lambda s: [s.people.pk], OFFICE),
    ],
    "award_decide": [
        Case(
            "post",
            "jury",
            lambda s: [s.leader_candidate.pk],
            OFFICE,
            lambda s: {"winner": "1", "citation": "For the clinics."},
        ),
    ],
}
URLS_COVERED = [
    "awards_home",
    "award_campaign_public",
    "award_nominate",
    "award_vote",
    "award_winner",
    "award_badge",
    "award_badge_png",
    "award_campaigns",
    "award_campaign",
    "award_campaign_edit",
    "award_campaign_phase",
    "award_criterion_new",
    "award_criterion_delete",
    "award_jury",
    "award_decide",
]


def test_it_lists_every_recognition_url() -> None:
    from trellis.recognition.urls import urlpatterns

    names = {p.name for p in urlpatterns}  # type: ignore[union-attr]
    assert set(URLS_COVERED) == set(CASES) == names


PARAMS = [
    pytest.param(name, i, persona, id=f"{name}-{i}-{persona}")
    for name, cases in CASES.items()
    for i in range(len(cases))
    for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "index", "persona"), PARAMS)
def test_it_allows_and_denies_each_step(
    name: str, index: int, persona: str, world: World, as_user: Callable[[str], Client]
) -> None:
    case = CASES[name][index]
    setup = make_setup(world, case.phase)
    client = as_user(persona)
    path = reverse(name, args=case.args(setup))
    before = db_fingerprint() if case.method == "post" else ""
    if case.method == "post":
        response = client.post(path, case.data(setup) if case.data else {})
    else:
        response = client.get(path)
    if persona in case.allowed:
        expected = (302,) if case.method == "post" else (200,)
        assert response.status_code in expected, (path, persona, response.status_code)
        return
    if persona == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code in (403, 404), (path, persona, response.status_code)
    if case.method == "post":
        assert db_fingerprint() == before, f"a denied POST by {persona} changed the database"
