"""Award campaigns end to end through the web pages: nominations, eligibility from the KPIs,
the jury's decision, publication, the winners on community and person pages, badges, and
the readers of published awards (newsletter and annual report selectors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.communities.models import Community, Membership, Stage
from trellis.core.models import AuditEntry
from trellis.kpis.selectors import compute_kpis
from trellis.people.models import Person
from trellis.recognition import services
from trellis.recognition.models import AwardCampaign, Candidate, Category, Criterion, Nomination
from trellis.recognition.selectors import awards_published_between, report_awards

URLS_COVERED: list[str] = []  # the permission matrix is in test_recognition_permissions.py

PHASES = ["draft", "nominations", "voting", "jury", "jury-decided", "published"]


@dataclass
class Setup:
    campaign: AwardCampaign
    communities: Category
    people: Category
    criterion: Criterion
    community_candidate: Candidate | None = None
    leader_candidate: Candidate | None = None
    winner: Candidate | None = None


def make_setup(world: World, phase: str, *, member_vote: bool = True) -> Setup:
    """A campaign of the open year moved to `phase` through the services, as the office would."""
    office = world.office
    year = timezone.localdate().year
    campaign = services.campaign_create(
        actor=office, year=year, name="Community awards", member_vote=member_vote
    )
    communities = services.category_create(
        actor=office, campaign=campaign, name="Active community", kind="community", is_label=True
    )
    people = services.category_create(
        actor=office, campaign=campaign, name="Leader of the year", kind="person"
    )
    criterion = services.criterion_create(
        actor=office,
        category=communities,
        source="kpi",
        metric="members",
        operator="gte",
        threshold=Decimal(1),
    )
    setup = Setup(campaign=campaign, communities=communities, people=people, criterion=criterion)
    order = PHASES.index(phase)
    if order >= 1:
        services.campaign_advance(actor=office, campaign=campaign, to="nominations")
        nominator = world.member.person  # type: ignore[attr-defined]
        setup.community_candidate = services.nomination_create(
            actor=world.member,
            nominator=nominator,
            category=communities,
            community=world.welding,
            justification="Twelve webinars this year.",
        ).candidate
        setup.leader_candidate = services.nomination_create(
            actor=world.member,
            nominator=nominator,
            category=people,
            person=world.leader.person,  # type: ignore[attr-defined]
            justification="Grew the community to 40 members.",
        ).candidate
    if order >= 2 and member_vote:
        services.campaign_advance(actor=office, campaign=campaign, to="voting")
    if order >= 3:
        services.campaign_advance(actor=office, campaign=campaign, to="jury")
    if order >= 4:
        assert setup.leader_candidate is not None
        setup.winner = services.winner_set(
            actor=office, candidate=setup.leader_candidate, is_winner=True, citation="Clinics."
        )
    if order >= 5:
        services.campaign_advance(actor=office, campaign=campaign, to="published")
    campaign.refresh_from_db()
    return setup


# --- Nominations ---------------------------------------------------------------------------------


def test_it_records_a_nomination_with_its_justification(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    response = as_user("core").post(
        f"/awards/categories/{setup.communities.pk}/nominate/",
        {"community": world.cloud.pk, "justification": "Security clinics every month."},
    )
    assert response.status_code == 302
    nomination = Nomination.objects.get(candidate__community=world.cloud)
    assert nomination.nominator == world.core.person  # type: ignore[attr-defined]
    assert nomination.justification == "Security clinics every month."
    assert AuditEntry.objects.filter(action="award_nomination.create").count() == 3


def test_it_refuses_a_second_nomination_of_the_same_nominee_by_the_same_person(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(
        f"/awards/categories/{setup.people.pk}/nominate/",
        {"person_email": "LEADER@example.com", "justification": "Again."},
    )
    assert response.status_code == 400
    assert "already nominated Lea Leader" in response.content.decode()
    assert db_fingerprint() == before
    # Someone else may nominate the same person: one candidate, two nominations.
    response = as_user("core").post(
        f"/awards/categories/{setup.people.pk}/nominate/",
        {"person_email": "leader@example.com", "justification": "Mentored three leaders."},
    )
    assert response.status_code == 302
    assert Candidate.objects.filter(category=setup.people).count() == 1
    assert Nomination.objects.filter(candidate__category=setup.people).count() == 2


def test_it_refuses_a_person_outside_the_programme(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(
        f"/awards/categories/{setup.people.pk}/nominate/",
        {"person_email": "outsider@example.com", "justification": "Helpful."},
    )
    assert response.status_code == 400
    assert "Oscar Outsider is not a member of any community of the programme" in (
        response.content.decode()
    )
    assert db_fingerprint() == before


def test_it_refuses_a_former_member_and_an_unknown_address(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    Membership.objects.filter(person=world.core.person).update(left=dt.date(2023, 1, 1))  # type: ignore[attr-defined]
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(
        f"/awards/categories/{setup.people.pk}/nominate/",
        {"person_email": "core@example.com", "justification": "Helpful."},
    )
    assert response.status_code == 400
    assert "is not a member of any community of the programme" in response.content.decode()
    response = client.post(
        f"/awards/categories/{setup.people.pk}/nominate/",
        {"person_email": "nobody@example.com", "justification": "Helpful."},
    )
    assert response.status_code == 400
    assert "Nobody in the people directory has this e-mail." in response.content.decode()
    assert db_fingerprint() == before


def test_it_refuses_a_community_that_does_not_count(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    proposal = Community.objects.create(name="Quantum", slug="quantum", stage=Stage.PROPOSED)
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(
        f"/awards/categories/{setup.communities.pk}/nominate/",
        {"community": proposal.pk, "justification": "Promising."},
    )
    # Not even offered: the choice list holds only communities that count this year.
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert db_fingerprint() == before
    with pytest.raises(services.RecognitionError, match="not a community of the programme"):
        services.nomination_create(
            actor=world.member,
            nominator=world.member.person,  # type: ignore[attr-defined]
            category=setup.communities,
            community=proposal,
            justification="Promising.",
        )


def test_it_renders_html_in_justifications_and_citations_as_text(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "jury")
    script = '<script>alert("x")</script><b onmouseover="x()">bold</b>'
    Nomination.objects.filter(candidate=setup.leader_candidate).update(justification=script)
    office = as_user("office")
    page = office.get(f"/programme/awards/categories/{setup.people.pk}/jury/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    office.post(
        f"/programme/awards/nominees/{setup.leader_candidate.pk}/decide/",  # type: ignore[union-attr]
        {"winner": "1", "citation": script},
    )
    services.campaign_advance(actor=world.office, campaign=setup.campaign, to="published")
    page = as_user("outsider").get(f"/awards/winners/{setup.leader_candidate.pk}/").content.decode()  # type: ignore[union-attr]
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b onmouseover" not in page
    badge = as_user("outsider").get(f"/awards/winners/{setup.leader_candidate.pk}/badge.svg")  # type: ignore[union-attr]
    assert b"<script" not in badge.content


# --- Eligibility -----------------------------------------------------------------------------


def test_it_shows_the_jury_each_criterion_computed_from_the_kpis(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "jury")
    year = setup.campaign.year
    figures = {row["slug"]: row for row in compute_kpis(year).communities}
    welding_members = figures["welding"]["members"]
    # One threshold the welding community meets and one it misses, from its live figure.
    services.criterion_create(
        actor=world.office,
        category=setup.communities,
        source="kpi",
        metric="members",
        operator="lte",
        threshold=Decimal(welding_members - 1),
    )
    page = (
        as_user("office")
        .get(f"/programme/awards/categories/{setup.communities.pk}/jury/")
        .content.decode()
    )
    assert f'<td class="num">{welding_members}</td>' in page
    assert "Not eligible: some criterion is not met." in page
    # Dropping the missed criterion makes the community eligible.
    Criterion.objects.filter(operator="lte").delete()
    page = (
        as_user("office")
        .get(f"/programme/awards/categories/{setup.communities.pk}/jury/")
        .content.decode()
    )
    assert "Eligible: every criterion is met." in page


def test_it_judges_a_person_on_the_figures_of_their_communities(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "jury")
    services.criterion_create(
        actor=world.office,
        category=setup.people,
        source="kpi",
        metric="has_leader",
        operator="true",
        threshold=None,
    )
    page = (
        as_user("office")
        .get(f"/programme/awards/categories/{setup.people.pk}/jury/")
        .content.decode()
    )
    assert "(Welding)" in page
    assert "Eligible: every criterion is met." in page


def test_it_never_shows_a_suppressed_survey_figure(
    world: World, as_user: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trellis.kpis import selectors as kpi_selectors

    setup = make_setup(world, "jury")
    services.criterion_create(
        actor=world.office,
        category=setup.communities,
        source="survey",
        metric="engagement_score",
        operator="gte",
        threshold=Decimal(3),
    )
    real = kpi_selectors.compute_kpis

    def suppressed(year: int, **kwargs: object) -> kpi_selectors.KpiResult:
        result = real(year)
        for row in result.communities:
            row["engagement_score"] = kpi_selectors.SUPPRESSED
        return result

    monkeypatch.setattr("trellis.recognition.eligibility.compute_kpis", suppressed)
    page = (
        as_user("office")
        .get(f"/programme/awards/categories/{setup.communities.pk}/jury/")
        .content.decode()
    )
    assert "suppressed: too few respondents" in page
    assert "Not eligible" in page


# --- Jury and publication ----------------------------------------------------------------------


def test_it_publishes_winners_on_community_and_person_pages(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "jury")
    office = as_user("office")
    response = office.post(
        f"/programme/awards/nominees/{setup.community_candidate.pk}/decide/",  # type: ignore[union-attr]
        {"winner": "1", "citation": "A model of activity."},
    )
    assert response.status_code == 302
    office.post(
        f"/programme/awards/nominees/{setup.leader_candidate.pk}/decide/",  # type: ignore[union-attr]
        {"winner": "1", "citation": ""},
    )
    # Not visible before publication.
    reader = as_user("outsider")
    assert "Active community" not in reader.get("/communities/welding/").content.decode()
    response = office.post(f"/programme/awards/{setup.campaign.pk}/phase/", {"to": "published"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="award_campaign.publish").count() == 1
    community_page = reader.get("/communities/welding/").content.decode()
    assert "Active community" in community_page
    person_page = reader.get(f"/people/{world.leader.person.pk}/").content.decode()  # type: ignore[attr-defined]
    assert "Leader of the year" in person_page


def test_it_refuses_to_skip_a_phase_or_publish_without_a_winner(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    office = as_user("office")
    before = db_fingerprint()
    response = office.post(f"/programme/awards/{setup.campaign.pk}/phase/", {"to": "published"})
    assert response.status_code == 302
    assert db_fingerprint() == before
    office.post(f"/programme/awards/{setup.campaign.pk}/phase/", {"to": "voting"})
    office.post(f"/programme/awards/{setup.campaign.pk}/phase/", {"to": "jury"})
    before = db_fingerprint()
    response = office.post(
        f"/programme/awards/{setup.campaign.pk}/phase/", {"to": "published"}, follow=True
    )
    assert "Choose at least one winner before publishing." in response.content.decode()
    assert db_fingerprint() == before


def test_it_skips_the_vote_when_the_campaign_has_none(world: World) -> None:
    setup = make_setup(world, "nominations", member_vote=False)
    assert services.next_phase(setup.campaign) == "jury"
    with pytest.raises(services.RecognitionError):
        services.campaign_advance(actor=world.office, campaign=setup.campaign, to="voting")


def test_it_serves_a_badge_with_the_award_year_and_winner(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "published")
    client = as_user("member")
    svg = client.get(f"/awards/winners/{setup.winner.pk}/badge.svg")  # type: ignore[union-attr]
    assert svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    assert "Leader of the year" in body and "Lea Leader" in body
    assert str(setup.campaign.year) in body
    png = client.get(f"/awards/winners/{setup.winner.pk}/badge.png")  # type: ignore[union-attr]
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


# --- Readers for other areas --------------------------------------------------------------------


def test_it_lists_published_awards_for_newsletters_and_the_annual_report(world: World) -> None:
    setup = make_setup(world, "published")
    today = timezone.localdate()
    awards = awards_published_between(today - dt.timedelta(days=7), today)
    assert [(a["category"], a["winner"], a["year"]) for a in awards] == [
        ("Leader of the year", "Lea Leader", setup.campaign.year)
    ]
    assert awards[0]["url"] == f"/awards/winners/{setup.winner.pk}/"  # type: ignore[union-attr]
    later = today + dt.timedelta(days=1)
    assert awards_published_between(later, later + dt.timedelta(days=9)) == []
    assert [a["winner"] for a in report_awards(setup.campaign.year)] == ["Lea Leader"]
    assert report_awards(setup.campaign.year - 1) == []


def test_it_lists_nothing_before_publication(world: World) -> None:
    setup = make_setup(world, "jury-decided")
    today = timezone.localdate()
    assert awards_published_between(today - dt.timedelta(days=7), today) == []
    assert report_awards(setup.campaign.year) == []


def test_the_office_builds_a_campaign_through_the_pages(
    world: World, as_user: Callable[[str], Client]
) -> None:
    office = as_user("office")
    response = office.post(
        "/programme/awards/",
        {"year": "2026", "name": "Trophées 2026", "description": "", "member_vote": "on"},
    )
    campaign = AwardCampaign.objects.get(name="Trophées 2026")
    assert response["Location"] == f"/programme/awards/{campaign.pk}/"
    office.post(
        f"/programme/awards/{campaign.pk}/",
        {"name": "Communauté active", "kind": "community", "is_label": "on", "description": ""},
    )
    category = Category.objects.get(campaign=campaign)
    response = office.post(
        f"/programme/awards/categories/{category.pk}/criteria/",
        {"figure": "kpi:active_contributors", "operator": "gte", "threshold": ""},
    )
    assert response.status_code == 400
    assert "Give a threshold for this condition." in response.content.decode()
    office.post(
        f"/programme/awards/categories/{category.pk}/criteria/",
        {"figure": "kpi:active_contributors", "operator": "gte", "threshold": "10"},
    )
    page = office.get(f"/programme/awards/{campaign.pk}/").content.decode()
    assert "Active contributors at least 10" in page
    assert "programme/awards/" in as_user("office").get("/programme/").content.decode()


def test_it_uses_story_figures_per_community(
    world: World, as_user: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stories area's figures, in its documented shape: community id -> figures, None
    # for the programme; a community without a published story is absent (zero).
    from trellis.stories.selectors import empty_figures

    setup = make_setup(world, "jury")
    services.criterion_create(
        actor=world.office,
        category=setup.communities,
        source="stories",
        metric="stories",
        operator="gte",
        threshold=Decimal(2),
    )
    figures = {**empty_figures(), "stories": 3}
    monkeypatch.setattr(
        "trellis.recognition.eligibility.story_kpis",
        lambda year: {world.welding.pk: figures, None: figures},
    )
    jury = f"/programme/awards/categories/{setup.communities.pk}/jury/"
    page = as_user("office").get(jury).content.decode()
    assert '<td class="num">3</td>' in page and "Eligible: every criterion is met." in page
    monkeypatch.setattr(
        "trellis.recognition.eligibility.story_kpis", lambda year: {None: empty_figures()}
    )
    page = as_user("office").get(jury).content.decode()
    assert '<td class="num">0</td>' in page and "Not eligible" in page


def test_the_home_page_calls_members_to_nominate_and_vote(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    call = "Nominations are open for the Community awards"
    assert call in as_user("member").get("/").content.decode()
    assert call not in as_user("outsider").get("/").content.decode()
    services.campaign_advance(actor=world.office, campaign=setup.campaign, to="voting")
    assert "Vote for the Community awards" in as_user("leader").get("/").content.decode()
    services.campaign_advance(actor=world.office, campaign=setup.campaign, to="jury")
    assert "Community awards" not in as_user("leader").get("/").content.decode()


def test_the_office_rewords_a_campaign_but_not_the_vote_once_it_started(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "voting")
    office = as_user("office")
    path = f"/programme/awards/{setup.campaign.pk}/edit/"
    response = office.post(path, {"name": "Trophées 2026", "description": "Merci !"})
    assert response.status_code == 400
    assert "The member vote can be switched on or off only before it starts." in (
        response.content.decode()
    )
    response = office.post(
        path, {"name": "Trophées 2026", "description": "Merci !", "member_vote": "on"}
    )
    assert response.status_code == 302
    setup.campaign.refresh_from_db()
    assert (setup.campaign.name, setup.campaign.description) == ("Trophées 2026", "Merci !")
    entry = AuditEntry.objects.get(action="award_campaign.update")
    assert entry.changes["name"] == ["Community awards", "Trophées 2026"]


def test_the_pages_render_in_french(world: World, as_user: Callable[[str], Client]) -> None:
    setup = make_setup(world, "published")
    Person.objects.filter(user__in=[world.office, world.member]).update(language="fr")
    office, member = as_user("office"), as_user("member")
    for client, path in [
        (office, "/programme/awards/"),
        (office, f"/programme/awards/{setup.campaign.pk}/"),
        (office, f"/programme/awards/categories/{setup.communities.pk}/jury/"),
        (member, "/awards/"),
        (member, f"/awards/{setup.campaign.pk}/"),
        (member, f"/awards/winners/{setup.winner.pk}/"),  # type: ignore[union-attr]
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr"' in response.content.decode(), path
