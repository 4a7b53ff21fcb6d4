"""The member vote: one vote per person and category, secret by construction, and results
that the jury reads only once the vote is closed."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable

from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.test_recognition import make_setup
from trellis.core.models import AuditEntry
from trellis.people.models import Person
from trellis.recognition import services
from trellis.recognition.models import Ballot, Candidate, Nomination, VoterRoll
from trellis.recognition.selectors import vote_results

URLS_COVERED: list[str] = []  # see test_recognition_permissions.py


def _vote_path(setup) -> str:  # type: ignore[no-untyped-def]
    return f"/awards/categories/{setup.people.pk}/vote/"


def test_it_records_one_vote_and_refuses_a_second(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "voting")
    client = as_user("core")
    response = client.post(_vote_path(setup), {"candidate": setup.leader_candidate.pk})
    assert response.status_code == 302
    assert Ballot.objects.count() == 1 and VoterRoll.objects.count() == 1
    before = db_fingerprint()
    response = client.post(_vote_path(setup), {"candidate": setup.leader_candidate.pk}, follow=True)
    assert "You have already voted in this category." in response.content.decode()
    assert db_fingerprint() == before
    # The page says so instead of offering the form again.
    page = client.get(_vote_path(setup)).content.decode()
    assert "You have already voted in this category." in page
    assert 'name="candidate"' not in page


def test_two_tabs_give_one_ballot_and_a_clear_message(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "voting")
    tab_one, tab_two = as_user("leader"), as_user("leader")
    assert 'name="candidate"' in tab_one.get(_vote_path(setup)).content.decode()
    assert 'name="candidate"' in tab_two.get(_vote_path(setup)).content.decode()
    assert (
        tab_one.post(_vote_path(setup), {"candidate": setup.leader_candidate.pk}).status_code == 302
    )
    response = tab_two.post(
        _vote_path(setup), {"candidate": setup.leader_candidate.pk}, follow=True
    )
    assert "You have already voted in this category." in response.content.decode()
    assert Ballot.objects.count() == 1


def test_a_vote_for_another_categorys_nominee_is_refused(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "voting")
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(_vote_path(setup), {"candidate": setup.community_candidate.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert db_fingerprint() == before


def test_a_vote_outside_the_voting_phase_is_refused(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "jury")
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(_vote_path(setup), {"candidate": setup.leader_candidate.pk}, follow=True)
    assert "The vote is not open for this campaign." in response.content.decode()
    assert db_fingerprint() == before


def test_the_jury_reads_results_only_after_the_vote(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "voting")
    for name in ("member", "core", "sponsor"):
        as_user(name).post(_vote_path(setup), {"candidate": setup.leader_candidate.pk})
    office = as_user("office")
    jury = f"/programme/awards/categories/{setup.people.pk}/jury/"
    page = office.get(jury).content.decode()
    assert "Vote results appear here once the vote is closed." in page
    assert "3 votes" not in page
    office.post(f"/programme/awards/{setup.campaign.pk}/phase/", {"to": "jury"})
    page = office.get(jury).content.decode()
    assert "3 votes cast" in page and "3 votes" in page


def test_the_audit_says_who_voted_never_for_whom(world: World) -> None:
    setup = make_setup(world, "voting")
    services.vote_cast(
        actor=world.member,
        voter=world.member.person,  # type: ignore[attr-defined]
        category=setup.people,
        candidate=setup.leader_candidate,  # type: ignore[arg-type]
    )
    entry = AuditEntry.objects.get(action="award_vote.cast")
    text = f"{entry.object_repr} {entry.changes}"
    assert str(setup.leader_candidate) not in text
    assert str(setup.leader_candidate.pk) not in entry.changes.values()  # type: ignore[union-attr]


# --- Secrecy by construction (the survey's design, quality.md promise 7) ------------------------


def _forward(model: type[models.Model]) -> set[type[models.Model]]:
    return {
        f.related_model  # type: ignore[misc]
        for f in model._meta.get_fields()
        if f.is_relation and f.concrete and f.related_model is not None
    }


def test_it_has_no_path_from_a_ballot_to_a_voter() -> None:
    """From a ballot one reaches its category, campaign and nominee — never the voter roll,
    a nomination (its nominator) or anyone's login. The nominee's own person and community
    are the choice itself, so the walk stops there."""
    nominee_side = {Person, apps.get_model("communities", "Community")}
    assert apps.get_model("auth", "User") not in _forward(Ballot)
    seen: set[type[models.Model]] = set()
    frontier: list[type[models.Model]] = [Ballot]
    while frontier:
        model = frontier.pop()
        if model in seen:
            continue
        seen.add(model)
        assert model not in {VoterRoll, Nomination}, f"{model.__name__} reachable from a ballot"
        if model in nominee_side:
            continue
        frontier.extend(
            _forward(model) - {apps.get_model("auth", "User")}
            if model is Candidate
            else _forward(model)
        )
    assert {f.name for f in Ballot._meta.concrete_fields} == {"id", "category", "candidate"}


def test_nothing_points_at_a_ballot_and_the_roll_points_at_no_choice() -> None:
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.concrete and f.is_relation:
                assert f.related_model is not Ballot, (model, f.name)
    assert _forward(VoterRoll) == {apps.get_model("recognition", "Category"), Person}
    # The nominee does not point back at who nominated or voted.
    assert not _forward(Candidate) & {VoterRoll, Nomination, Ballot}


def test_ballots_carry_no_time_and_no_order() -> None:
    for f in Ballot._meta.concrete_fields:
        assert not isinstance(f, models.DateField | models.DateTimeField | models.TimeField)
    # A random key: ballots cannot be lined up with the voter roll by id.
    assert isinstance(Ballot._meta.pk, models.UUIDField)
    assert Ballot._meta.pk.default is uuid.uuid4  # type: ignore[union-attr]
    assert not Ballot._meta.ordering
    assert Ballot not in admin.site._registry and VoterRoll not in admin.site._registry


# --- The count ---------------------------------------------------------------------------------


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    attempts=st.lists(
        st.tuples(st.sampled_from(["member", "core", "leader", "sponsor"]), st.integers(0, 1)),
        max_size=10,
    )
)
def test_the_tally_counts_each_voter_once(world: World, attempts: list[tuple[str, int]]) -> None:
    """Whatever the order of attempts and repeats, each voter's first choice counts once,
    ballots equal the voter roll, and the tally adds up to the number of voters."""
    from tests.test_recognition import make_setup as _setup

    with transaction.atomic():
        setup = _setup(world, "nominations")
        second = services.nomination_create(
            actor=world.core,
            nominator=world.core.person,  # type: ignore[attr-defined]
            category=setup.people,
            person=world.other_leader.person,  # type: ignore[attr-defined]
            justification="Cloud clinics.",
        ).candidate
        services.campaign_advance(actor=world.office, campaign=setup.campaign, to="voting")
        choices = [setup.leader_candidate, second]
        first: dict[str, int] = {}
        for name, index in attempts:
            user = getattr(world, name)
            try:
                services.vote_cast(
                    actor=user,
                    voter=user.person,
                    category=setup.people,
                    candidate=choices[index],  # type: ignore[arg-type]
                )
            except services.RecognitionError:
                assert name in first
                continue
            assert name not in first
            first[name] = choices[index].pk  # type: ignore[union-attr]
        tally = vote_results(setup.people)
        assert tally == dict(Counter(first.values()))
        assert sum(tally.values()) == VoterRoll.objects.filter(category=setup.people).count()
        assert Ballot.objects.filter(category=setup.people).count() == len(first)
        transaction.set_rollback(True)
