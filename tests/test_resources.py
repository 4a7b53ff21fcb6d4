"""Resource requests per community and year, and the programme's budget overview.

Leaders request for their community; the programme office decides; the community's
leaders and sponsor read its requests; members of the community get 403, anyone else 404.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.communities.models import Community
from trellis.core.models import AuditEntry
from trellis.people.models import BusinessUnit
from trellis.programme import selectors, services
from trellis.programme.models import ResourceRequest

URLS_COVERED = [
    "resources",
    "resource_create",
    "resource_detail",
    "resource_decide",
    "resources_budget",
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


@pytest.fixture
def as_user(as_user):  # type: ignore[no-untyped-def]
    """Every persona logged in before the test body (logging in writes `last_login`)."""
    clients = {name: as_user(name) for name in PERSONAS}
    return clients.__getitem__


def requested(
    world: World,
    *,
    community: Community | None = None,
    kind: str = "budget",
    amount: str = "1500",
    year: int = 2026,
) -> ResourceRequest:
    return services.resource_request(
        actor=world.leader,
        community=community or world.welding,
        year=year,
        kind=kind,
        title="Annual meet-up venue",
        amount=Decimal(amount),
        justification="Forty people, one day.",
    )


# --- Permissions ------------------------------------------------------------------------------

READERS = {"office", "leader", "sponsor"}
WELDING = {"member", "core", "leader", "sponsor"}

Case = tuple[str, Callable[[World], str], set[str], bool]
CASES: dict[str, Case] = {
    "resources": ("get", lambda w: "/resources/", ALL_USERS, False),
    "resource_create": (
        "get",
        lambda w: "/resources/new/",
        {"office", "leader", "other_leader"},
        False,
    ),
    "resources_budget": ("get", lambda w: "/resources/budget/", {"office"}, False),
    "resource_detail": ("get", lambda w: f"/resources/{requested(w).pk}/", READERS, False),
    "resource_decide": (
        "post",
        lambda w: f"/resources/{requested(w).pk}/decide/",
        {"office"},
        True,
    ),
}
KNOWN = {"resources", "resource_create", "resources_budget"}
POST_DATA = {"resource_decide": {"status": "granted", "amount": "1200", "decision_note": "ok"}}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, allowed, is_write = CASES[name]
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, POST_DATA.get(name, {}))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200), response.content[:400]
        if is_write:
            assert db_fingerprint() != before
        return
    elif name in KNOWN or persona in WELDING:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert db_fingerprint() == before


def test_the_list_shows_each_reader_their_communities_only(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    requested(world)
    services.resource_request(
        actor=world.other_leader,
        community=world.cloud,
        year=2026,
        kind="tools",
        title="Diagram tool licences",
        amount=Decimal(300),
    )
    leader = as_user("leader").get("/resources/").content.decode()
    assert "Annual meet-up venue" in leader and "Diagram tool licences" not in leader
    other = as_user("other_leader").get("/resources/").content.decode()
    assert "Diagram tool licences" in other and "Annual meet-up venue" not in other
    member = as_user("member").get("/resources/").content.decode()
    assert "Annual meet-up venue" not in member
    office = as_user("office").get("/resources/?year=2026").content.decode()
    assert "Annual meet-up venue" in office and "Diagram tool licences" in office


# --- Requesting and deciding ------------------------------------------------------------------


def test_a_leader_requests_for_their_community(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("leader").post(
        "/resources/new/",
        {
            "community": world.welding.pk,
            "year": "2026",
            "kind": "facilitation",
            "title": "External facilitator",
            "amount": "2400.50",
            "justification": "Kick-off workshop.",
        },
    )
    item = ResourceRequest.objects.get()
    assert response["Location"] == f"/resources/{item.pk}/"
    assert (item.status, item.amount, item.requested_by) == (
        "requested",
        Decimal("2400.50"),
        world.leader,
    )
    assert AuditEntry.objects.filter(action="resource.request", object_id=str(item.pk)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "-5"}, "greater than or equal to 0"),
        ({"amount": "lots"}, "Enter a number."),
        ({"title": ""}, "This field is required."),
        ({"kind": "pizza"}, "Select a valid choice."),
        ({"year": "1999"}, "greater than or equal to 2000"),
        ({"community": "cloud"}, "Select a valid choice."),
    ],
)
def test_it_explains_bad_requests_and_stores_nothing(
    data: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    form = {
        "community": str(world.welding.pk),
        "year": "2026",
        "kind": "budget",
        "title": "Venue",
        "amount": "100",
        **data,
    }
    if form["community"] == "cloud":
        form["community"] = str(world.cloud.pk)
    before = db_fingerprint()
    response = client.post("/resources/new/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert db_fingerprint() == before


def test_the_office_grants_then_marks_used(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    item = requested(world)
    office = as_user("office")
    response = office.post(
        f"/resources/{item.pk}/decide/",
        {"status": "granted", "amount": "1200", "decision_note": "Capped at 1,200."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.amount, item.decided_by) == ("granted", Decimal(1200), world.office)
    office.post(f"/resources/{item.pk}/decide/", {"status": "used", "decision_note": "Paid."})
    item.refresh_from_db()
    assert item.status == "used" and item.amount == Decimal(1200)
    assert AuditEntry.objects.filter(action="resource.decide").count() == 2
    page = as_user("leader").get(f"/resources/{item.pk}/").content.decode()
    assert "Paid." in page and "Save the decision" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "used"}, "A request that is Requested cannot become Used."),
        ({"status": "refused", "decision_note": ""}, "Please give the reason for the refusal."),
        ({"status": "granted", "amount": "-1"}, "greater than or equal to 0"),
        ({"status": "maybe"}, "Select a valid choice."),
    ],
)
def test_it_explains_bad_decisions_and_changes_nothing(
    data: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    item = requested(world)
    client = as_user("office")
    before = db_fingerprint()
    response = client.post(f"/resources/{item.pk}/decide/", {"decision_note": "", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert db_fingerprint() == before


# --- The budget overview ----------------------------------------------------------------------


def test_the_budget_overview_sums_per_status_kind_year_and_business_unit(
    world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    requested(world, amount="1000")
    granted = requested(world, kind="training", amount="500")
    services.resource_decide(actor=world.office, item=granted, status="granted", decision_note="")
    requested(world, community=world.cloud, kind="tools", amount="250.25")
    requested(world, amount="99", year=2025)
    overview = selectors.budget_overview(2026)
    assert overview.total == {
        "requested": Decimal("1250.25"),
        "granted": Decimal(500),
        "refused": Decimal(0),
        "used": Decimal(0),
    }
    by_kind = {row["label"]: row["cells"] for row in overview.by_kind}
    assert by_kind["Budget"] == [Decimal(1000), 0, 0, 0]
    assert by_kind["Training"] == [0, Decimal(500), 0, 0]
    by_bu = {row["label"]: row["cells"] for row in overview.by_business_unit}
    assert by_bu == {
        "IT": [Decimal("250.25"), 0, 0, 0],
        "Operations": [Decimal(1000), Decimal(500), 0, 0],
    }
    by_year = {row["label"]: row["cells"] for row in overview.by_year}
    assert by_year["2025"] == [Decimal(99), 0, 0, 0]
    page = as_user("office").get("/resources/budget/?year=2026").content.decode()
    assert "1,250.25" in page and "Operations" in page


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(ResourceRequest.Kind.values)),
            st.sampled_from(list(ResourceRequest.Status.values)),
            st.decimals(min_value=0, max_value=10**6, places=2),
            st.sampled_from(["welding", "cloud", "both", "none"]),
        ),
        max_size=12,
    )
)
def test_the_parts_add_up_to_the_totals(world: World, rows) -> None:  # type: ignore[no-untyped-def]
    ResourceRequest.objects.all().delete()
    both = Community.objects.get_or_create(name="Both", slug="both")[0]
    both.business_units.set(BusinessUnit.objects.all())
    none = Community.objects.get_or_create(name="None", slug="none")[0]
    communities = {"welding": world.welding, "cloud": world.cloud, "both": both, "none": none}
    for kind, status, amount, slug in rows:
        ResourceRequest.objects.create(
            community=communities[slug],
            year=2026,
            kind=kind,
            title="x",
            amount=amount,
            status=status,
        )
    overview = selectors.budget_overview(2026)
    totals = [overview.total[code] for code, _label in overview.statuses]
    for column, total in enumerate(totals):
        assert sum(row["cells"][column] for row in overview.by_kind) == total
        assert sum(row["cells"][column] for row in overview.by_year) == total
        # Each business unit counts its communities' requests; a community in two units
        # counts in both, and one in none counts in none.
        expected_bu = sum(
            (
                Decimal(amount) * len(communities[slug].business_units.all())
                for _k, s, amount, slug in rows
                if s == overview.statuses[column][0]
            ),
            Decimal(0),
        )
        assert sum(row["cells"][column] for row in overview.by_business_unit) == expected_bu
    assert sum(totals) == sum((Decimal(r[2]) for r in rows), Decimal(0))


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/resources/", "/resources/budget/"])
def test_the_pages_run_a_fixed_number_of_queries(path: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    requested(world)
    small = _queries(client, path)
    for i in range(20):
        requested(world, community=world.cloud if i % 2 else world.welding, year=2020 + i % 5)
    assert _queries(client, path) == small
