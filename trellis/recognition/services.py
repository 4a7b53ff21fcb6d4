"""Writes of the recognition area: campaigns, categories, criteria, nominations, votes,
decisions and publication. Every write is audited, except the content of a vote."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.people.models import Person
from trellis.recognition.models import (
    AwardCampaign,
    Ballot,
    Candidate,
    Category,
    Criterion,
    Nomination,
    VoterRoll,
)
from trellis.recognition.selectors import is_programme_person, programme_communities

Phase = AwardCampaign.Phase


class RecognitionError(ValidationError):
    """A refused step, with a message for the person who tried it."""


def campaign_create(
    *, actor: Actor, year: int, name: str, description: str = "", member_vote: bool = False
) -> AwardCampaign:
    with transaction.atomic():
        campaign = AwardCampaign(
            year=year, name=name, description=description, member_vote=member_vote
        )
        campaign.full_clean()
        campaign.save()
        audit_record(
            actor=actor,
            action="award_campaign.create",
            obj=campaign,
            changes={"year": year, "name": name, "member_vote": member_vote},
        )
    return campaign


def campaign_update(
    *, actor: Actor, campaign: AwardCampaign, name: str, description: str, member_vote: bool
) -> AwardCampaign:
    """Reword a campaign until it is published; the member vote can be switched only
    before it starts (switching it later would void or invent ballots)."""
    with transaction.atomic():
        campaign = AwardCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.phase == Phase.PUBLISHED:
            raise RecognitionError(_("The campaign is published: its texts are final."))
        if member_vote != campaign.member_vote and campaign.phase not in (
            Phase.DRAFT,
            Phase.NOMINATIONS,
        ):
            raise RecognitionError(
                _("The member vote can be switched on or off only before it starts.")
            )
        taken = AwardCampaign.objects.filter(year=campaign.year, name__iexact=name.strip())
        if taken.exclude(pk=campaign.pk).exists():
            raise RecognitionError(_("Another campaign of that year has this name."))
        before = AwardCampaign.objects.get(pk=campaign.pk)
        campaign.name = name.strip()
        campaign.description = description
        campaign.member_vote = member_vote
        campaign.full_clean()
        campaign.save()
        audit_record(
            actor=actor,
            action="award_campaign.update",
            obj=campaign,
            changes=diff_fields(before, campaign, ["name", "description", "member_vote"]),
        )
    return campaign


def category_create(
    *,
    actor: Actor,
    campaign: AwardCampaign,
    name: str,
    kind: str,
    description: str = "",
    is_label: bool = False,
) -> Category:
    if AwardCampaign.objects.get(pk=campaign.pk).phase != Phase.DRAFT:
        raise RecognitionError(_("Categories can be added only while the campaign is a draft."))
    with transaction.atomic():
        category = Category(
            campaign=campaign,
            name=name,
            kind=kind,
            description=description,
            is_label=is_label,
            position=campaign.categories.count(),
        )
        category.full_clean()
        category.save()
        audit_record(
            actor=actor,
            action="award_category.create",
            obj=category,
            changes={"name": name, "kind": kind, "is_label": is_label},
        )
    return category


def criterion_create(
    *,
    actor: Actor,
    category: Category,
    source: str,
    metric: str,
    operator: str,
    threshold: Decimal | None,
) -> Criterion:
    if AwardCampaign.objects.get(pk=category.campaign_id).phase == Phase.PUBLISHED:
        raise RecognitionError(_("The campaign is published: its criteria are final."))
    if operator != Criterion.Operator.TRUE and threshold is None:
        raise RecognitionError(_("Give a threshold for this condition."))
    if operator == Criterion.Operator.TRUE:
        threshold = None
    with transaction.atomic():
        criterion = Criterion(
            category=category, source=source, metric=metric, operator=operator, threshold=threshold
        )
        criterion.full_clean()
        criterion.save()
        audit_record(
            actor=actor,
            action="award_criterion.create",
            obj=criterion,
            changes={
                "category": category.pk,
                "source": source,
                "metric": metric,
                "operator": operator,
                "threshold": threshold,
            },
        )
    return criterion


def criterion_delete(*, actor: Actor, criterion: Criterion) -> None:
    if criterion.category.campaign.phase == Phase.PUBLISHED:
        raise RecognitionError(_("The campaign is published: its criteria are final."))
    with transaction.atomic():
        audit_record(actor=actor, action="award_criterion.delete", obj=criterion)
        criterion.delete()


NEXT_PHASES: dict[str, tuple[str, ...]] = {
    Phase.DRAFT: (Phase.NOMINATIONS,),
    Phase.NOMINATIONS: (Phase.VOTING, Phase.JURY),
    Phase.VOTING: (Phase.JURY,),
    Phase.JURY: (Phase.PUBLISHED,),
    Phase.PUBLISHED: (),
}


def next_phase(campaign: AwardCampaign) -> str | None:
    """The phase that follows: the vote is skipped when the campaign has none."""
    options = [p for p in NEXT_PHASES[campaign.phase] if p != Phase.VOTING or campaign.member_vote]
    return options[0] if options else None


def campaign_advance(*, actor: Actor, campaign: AwardCampaign, to: str) -> AwardCampaign:
    """Move the campaign to its next phase.

    1. Lock the campaign row and re-read its phase (two office tabs cannot skip a phase).
    2. Check the move: only to the next phase; nominations need a category; publication
       needs at least one winner.
    3. Save, stamp the publication time, audit.
    """
    with transaction.atomic():
        campaign = AwardCampaign.objects.select_for_update().get(pk=campaign.pk)
        if to != next_phase(campaign):
            raise RecognitionError(
                _("The campaign is no longer in the phase you saw: reload the page.")
            )
        if to == Phase.NOMINATIONS and not campaign.categories.exists():
            raise RecognitionError(_("Add at least one category before opening nominations."))
        if (
            to == Phase.PUBLISHED
            and not Candidate.objects.filter(category__campaign=campaign, is_winner=True).exists()
        ):
            raise RecognitionError(_("Choose at least one winner before publishing."))
        before = campaign.phase
        campaign.phase = to
        if to == Phase.PUBLISHED:
            campaign.published_at = timezone.now()
        campaign.full_clean()
        campaign.save()
        audit_record(
            actor=actor,
            action="award_campaign.publish" if to == Phase.PUBLISHED else "award_campaign.phase",
            obj=campaign,
            changes={"phase": [before, to]},
        )
    return campaign


def nomination_create(
    *,
    actor: Actor,
    nominator: Person,
    category: Category,
    justification: str,
    community: Community | None = None,
    person: Person | None = None,
) -> Nomination:
    """Nominate a community or a person of the programme in a category.

    1. The campaign must be open for nominations and the nominee of the category's kind.
    2. A community must count in the campaign's year; a person must be an active member of
       a community that counts (a person of the programme).
    3. Find or create the nominee's candidate, then the nomination — once per nominator,
       category and nominee (the database's unique constraint settles a race).
    """
    # Read the phase afresh: the page that sent the form may be older than a phase change.
    campaign = AwardCampaign.objects.get(pk=category.campaign_id)
    if campaign.phase != Phase.NOMINATIONS:
        raise RecognitionError(_("Nominations are not open for this campaign."))
    justification = justification.strip()
    if not justification:
        raise RecognitionError(_("Say why you nominate them."))
    if category.kind == Category.Kind.COMMUNITY:
        if community is None:
            raise RecognitionError(_("Choose the community you nominate."))
        if not programme_communities(campaign.year).filter(pk=community.pk).exists():
            raise RecognitionError(
                _("%(name)s is not a community of the programme in %(year)s.")
                % {"name": community.name, "year": campaign.year}
            )
        person = None
    else:
        if person is None:
            raise RecognitionError(_("Choose the person you nominate."))
        if not is_programme_person(person, campaign.year):
            raise RecognitionError(
                _(
                    "%(name)s is not a member of any community of the programme, "
                    "so they cannot be nominated."
                )
                % {"name": person.name}
            )
        community = None
    try:
        with transaction.atomic():
            candidate, _created = Candidate.objects.get_or_create(
                category=category, community=community, person=person
            )
            nomination = Nomination(
                candidate=candidate, nominator=nominator, justification=justification
            )
            nomination.full_clean(exclude=["candidate", "nominator"])
            nomination.save()
            audit_record(
                actor=actor,
                action="award_nomination.create",
                obj=nomination,
                changes={"category": category.pk, "nominee": str(candidate)},
            )
    except IntegrityError as error:
        raise RecognitionError(
            _("You have already nominated %(name)s in this category.")
            % {"name": str(community or person)}
        ) from error
    return nomination


def vote_cast(*, actor: Actor, voter: Person, category: Category, candidate: Candidate) -> None:
    """Record one secret vote.

    1. The vote must be open and the choice one of the category's nominees.
    2. In one transaction: the voter roll row (unique per person and category: a second
       vote, from another tab too, fails here) and the ballot, which holds no voter.
    The audit trail records that the person voted in the category (what the voter roll
    says already), never for whom: that would undo the secret.
    """
    phase = AwardCampaign.objects.filter(pk=category.campaign_id).values_list("phase", flat=True)
    if phase.first() != Phase.VOTING:
        raise RecognitionError(_("The vote is not open for this campaign."))
    if candidate.category_id != category.pk:
        raise RecognitionError(_("Choose one of the nominees of this category."))
    try:
        with transaction.atomic():
            roll = VoterRoll.objects.create(category=category, person=voter)
            Ballot.objects.create(category=category, candidate=candidate)
            audit_record(
                actor=actor, action="award_vote.cast", obj=roll, changes={"category": category.pk}
            )
    except IntegrityError as error:
        raise RecognitionError(_("You have already voted in this category.")) from error


def winner_set(
    *, actor: Actor, candidate: Candidate, is_winner: bool, citation: str = ""
) -> Candidate:
    """The jury's decision on one nominee (while the campaign is at the jury phase)."""
    with transaction.atomic():
        candidate = (
            Candidate.objects.select_for_update()
            .select_related("category__campaign")
            .get(pk=candidate.pk)
        )
        if candidate.category.campaign.phase != Phase.JURY:
            raise RecognitionError(_("Winners are chosen at the jury phase."))
        before = (candidate.is_winner, candidate.citation)
        candidate.is_winner = is_winner
        candidate.citation = citation.strip() if is_winner else ""
        candidate.decided_at = timezone.now() if is_winner else None
        candidate.decided_by = actor if is_winner and actor and actor.is_authenticated else None  # type: ignore[assignment]
        candidate.full_clean()
        candidate.save()
        audit_record(
            actor=actor,
            action="award_winner.set" if is_winner else "award_winner.unset",
            obj=candidate,
            changes={
                "category": candidate.category_id,
                "is_winner": [before[0], is_winner],
                "citation": [before[1], candidate.citation],
            },
        )
    return candidate
