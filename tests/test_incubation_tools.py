"""Choosing a tool: the office describes the tools, the guided checklist recommends among
them with its reasons; the documented scoring rules on constructed cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.core.models import AuditEntry
from trellis.incubation import services
from trellis.incubation.models import ContentKind, Effort, EsnFit, Tool
from trellis.incubation.toolchoice import Needs, judge, maximum, recommend

URLS_COVERED = ["tool_choose", "tools_config", "tool_new", "tool_edit"]
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


def engage(**fields: object) -> Tool:
    defaults: dict[str, object] = {
        "name": "Viva Engage",
        "max_audience": 100_000,
        "confidential": False,
        "external_members": False,
        "synchronous": False,
        "asynchronous": True,
        "content_kinds": ["discussions", "video", "events"],
        "mobile": True,
        "esn_fit": EsnFit.ESN,
        "governance_effort": Effort.LOW,
    }
    defaults.update(fields)
    return services.tool_save(actor=None, **defaults)


def teams(**fields: object) -> Tool:
    defaults: dict[str, object] = {
        "name": "Teams",
        "max_audience": 5_000,
        "confidential": True,
        "external_members": True,
        "synchronous": True,
        "asynchronous": True,
        "content_kinds": ["discussions", "documents", "wiki", "events"],
        "mobile": True,
        "esn_fit": EsnFit.LINKED,
        "governance_effort": Effort.MEDIUM,
    }
    defaults.update(fields)
    return services.tool_save(actor=None, **defaults)


ANSWERS = {
    "audience": "300",
    "confidential": "no",
    "external_members": "no",
    "mode": "async",
    "content_kinds": ["discussions", "video"],
    "mobile": "yes",
    "esn_fit": "yes",
    "governance_capacity": "1",
}


# --- Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "path", "allowed"),
    [
        ("tool_choose", "/incubation/choose-a-tool/", set(PERSONAS) - {"anonymous"}),
        ("tools_config", "/programme/tools/", {"office"}),
        ("tool_new", "/programme/tools/new/", {"office"}),
        ("tool_edit", "/programme/tools/{pk}/", {"office"}),
    ],
)
def test_it_allows_and_denies_pages(
    name: str, path: str, allowed: set[str], persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    path = path.format(pk=engage().pk)
    response = as_user(persona).get(path)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == (200 if persona in allowed else 403), name


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "path"),
    [("tool_new", "/programme/tools/new/"), ("tool_edit", "/programme/tools/{pk}/")],
)
def test_only_the_office_describes_tools(
    name: str, path: str, persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    path = path.format(pk=engage().pk)
    client = as_user(persona)
    before = db_fingerprint()
    response = client.post(
        path,
        {
            "name": "Slack",
            "max_audience": "2000",
            "asynchronous": "on",
            "synchronous": "on",
            "content_kinds": ["discussions"],
            "esn_fit": "0",
            "governance_effort": "2",
            "is_active": "on",
        },
    )
    if persona == "office":
        assert response.status_code == 302 and db_fingerprint() != before, name
    else:
        assert response.status_code in (302, 403) and db_fingerprint() == before
        if persona == "anonymous":
            assert response["Location"].startswith("/login/")
        else:
            assert response.status_code == 403


def test_it_lists_the_tools_on_the_programme_home(as_user) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/programme/tools/"' in as_user("office").get("/programme/").content.decode()


def test_the_office_edits_a_tool_and_it_is_audited(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    tool = engage()
    as_user("office").post(
        f"/programme/tools/{tool.pk}/",
        {
            "name": "Viva Engage",
            "max_audience": "50000",
            "asynchronous": "on",
            "content_kinds": ["discussions"],
            "esn_fit": "2",
            "governance_effort": "1",
            "is_active": "on",
        },
    )
    tool.refresh_from_db()
    assert tool.max_audience == 50_000 and tool.content_kinds == ["discussions"]
    entry = AuditEntry.objects.get(action="tool.update")
    assert entry.changes["max_audience"] == [100000, 50000]


def test_it_refuses_a_duplicate_tool_name(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    engage()
    client = as_user("office")
    before = db_fingerprint()
    response = client.post(
        "/programme/tools/new/",
        {"name": "Viva Engage", "max_audience": "10", "esn_fit": "0", "governance_effort": "1"},
    )
    assert "already exists" in response.content.decode()
    assert db_fingerprint() == before


# --- The checklist -------------------------------------------------------------------------------


def test_it_recommends_with_reasons(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    engage()
    teams()
    body = as_user("member").get("/incubation/choose-a-tool/", ANSWERS).content.decode()
    recommended = body.split("Recommended tools")[1]
    # Engage: async 2 + discussions 1 + video 1 + mobile 2 + ESN 2 + governance 2 = 10 of 10.
    assert recommended.index("Viva Engage") < recommended.index("Teams")
    assert "10 points out of 10" in body
    # Teams: async 2 + discussions 1 + mobile 2 + linked 1 + governance 0 = 6.
    assert "6 points out of 10" in body
    assert "Does not handle: Videos and recordings." in body
    assert "Asks a little more governance effort than you can give (Medium)." in body


def test_it_excludes_tools_on_hard_requirements(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    engage()
    teams()
    answers = ANSWERS | {"confidential": "yes", "external_members": "yes"}
    body = as_user("member").get("/incubation/choose-a-tool/", answers).content.decode()
    excluded = body.split("Excluded tools")[1]
    assert "Viva Engage" in excluded
    assert "Not fit for confidential content." in excluded
    assert "Does not accept members outside the company." in excluded
    assert "Teams" in body.split("Recommended tools")[1].split("Excluded tools")[0]


def test_it_says_when_nothing_fits(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    teams()
    body = (
        as_user("member")
        .get("/incubation/choose-a-tool/", ANSWERS | {"audience": "20000"})
        .content.decode()
    )
    assert "No offered tool meets your hard requirements" in body
    assert "Serves up to 5000 members; you expect 20000." in body


def test_it_ignores_tools_no_longer_offered(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    engage(is_active=False)
    body = as_user("member").get("/incubation/choose-a-tool/", ANSWERS).content.decode()
    assert "Viva Engage" not in body
    assert "The programme office has not described any tool yet." in body


def test_it_explains_bad_answers(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    engage()
    body = (
        as_user("member")
        .get("/incubation/choose-a-tool/", ANSWERS | {"audience": "0", "mode": "telepathy"})
        .content.decode()
    )
    assert "Ensure this value is greater than or equal to 1." in body
    assert "Select a valid choice." in body
    assert "Recommended tools" not in body


# --- Scoring rules (no database) -----------------------------------------------------------------


def tool(**fields: object) -> Tool:
    base: dict[str, object] = {
        "name": "T",
        "max_audience": 1000,
        "governance_effort": Effort.MEDIUM,
        "esn_fit": EsnFit.SEPARATE,
        "content_kinds": [],
    }
    return Tool(**(base | fields))


def needs(**fields: object) -> Needs:
    base: dict[str, object] = {
        "audience": 100,
        "confidential": False,
        "external_members": False,
        "synchronous": False,
        "asynchronous": False,
        "content_kinds": (),
        "mobile": False,
        "esn_fit": False,
        "governance_capacity": Effort.MEDIUM,
    }
    return Needs(**(base | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("capacity", "effort", "points"),
    [(2, 1, 2), (2, 2, 2), (2, 3, 0), (1, 3, -2)],
)
def test_governance_points(capacity: int, effort: int, points: int) -> None:
    assert (
        judge(tool(governance_effort=effort), needs(governance_capacity=capacity)).points == points
    )


def test_esn_fit_counts_only_when_it_matters() -> None:
    esn = tool(esn_fit=EsnFit.ESN)
    assert judge(esn, needs(esn_fit=True)).points == 2 + 2
    assert judge(esn, needs(esn_fit=False)).points == 2


def test_ties_rank_by_name() -> None:
    eligible, excluded = recommend([tool(name="b"), tool(name="A")], needs())
    assert [v.tool.name for v in eligible] == ["A", "b"] and excluded == []


KINDS = st.lists(st.sampled_from(ContentKind.values), unique=True)


@given(
    tool_caps=st.fixed_dictionaries(
        {
            "max_audience": st.integers(1, 10_000),
            "confidential": st.booleans(),
            "external_members": st.booleans(),
            "synchronous": st.booleans(),
            "asynchronous": st.booleans(),
            "content_kinds": KINDS,
            "mobile": st.booleans(),
            "esn_fit": st.sampled_from(EsnFit.values),
            "governance_effort": st.sampled_from(Effort.values),
        }
    ),
    wanted=st.fixed_dictionaries(
        {
            "audience": st.integers(1, 10_000),
            "confidential": st.booleans(),
            "external_members": st.booleans(),
            "synchronous": st.booleans(),
            "asynchronous": st.booleans(),
            "content_kinds": KINDS.map(tuple),
            "mobile": st.booleans(),
            "esn_fit": st.booleans(),
            "governance_capacity": st.sampled_from(Effort.values),
        }
    ),
)
def test_scores_stay_within_bounds_and_exclusions_follow_the_rules(
    tool_caps: dict[str, object], wanted: dict[str, object]
) -> None:
    t, n = tool(**tool_caps), needs(**wanted)
    verdict = judge(t, n)
    assert -2 <= verdict.points <= maximum(n)
    hard = (
        n.audience > t.max_audience
        or (n.confidential and not t.confidential)
        or (n.external_members and not t.external_members)
    )
    assert verdict.eligible == (not hard)
    # A tool that has every capability scores the maximum (minus nothing).
    best = tool(
        max_audience=10_000,
        confidential=True,
        external_members=True,
        synchronous=True,
        asynchronous=True,
        content_kinds=ContentKind.values,
        mobile=True,
        esn_fit=EsnFit.ESN,
        governance_effort=Effort.LOW,
    )
    assert judge(best, n).points == maximum(n)
    assert verdict.points <= judge(best, n).points
