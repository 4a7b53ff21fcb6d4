"""Who may do what with awards, built on the core access helpers.

- the programme office (the jury): every campaign in every phase, nominations, criteria
  values, vote results once the vote is closed, decisions and publication;
- members of the programme (an active membership in a community that counts in the
  campaign's year): read open campaigns, nominate while nominations are open, vote once per
  category while the vote is open;
- any employee: published campaigns, winners' pages and badges;
- draft campaigns and unpublished winners do not exist for anyone but the office (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from trellis.core.access import User, is_programme_office, person_for_user, require_programme_office
from trellis.people.models import Person
from trellis.recognition.models import AwardCampaign, Candidate, Category, Criterion
from trellis.recognition.selectors import is_programme_person


def _require_login(user: User) -> None:
    if not user.is_authenticated:
        raise PermissionDenied


def campaign_for_office(user: User, pk: int) -> AwardCampaign:
    require_programme_office(user)
    campaign = AwardCampaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def category_for_office(user: User, pk: int) -> Category:
    require_programme_office(user)
    category = Category.objects.select_related("campaign").filter(pk=pk).first()
    if category is None:
        raise Http404
    return category


def campaign_for_reader(user: User, pk: int) -> AwardCampaign:
    """A campaign any employee may read: the office sees drafts too, others do not."""
    _require_login(user)
    campaign = AwardCampaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise Http404
    if campaign.phase == AwardCampaign.Phase.DRAFT and not is_programme_office(user):
        raise Http404
    return campaign


def programme_person_for(user: User, campaign: AwardCampaign) -> Person:
    """The user's directory entry when they are a member of the programme, else 403."""
    person = person_for_user(user)
    if not is_programme_person(person, campaign.year):
        raise PermissionDenied
    assert person is not None
    return person


def category_for_member(user: User, pk: int) -> tuple[Category, Person]:
    """A category of a readable campaign, and the member of the programme acting on it."""
    _require_login(user)
    category = Category.objects.select_related("campaign").filter(pk=pk).first()
    if category is None:
        raise Http404
    campaign_for_reader(user, category.campaign_id)
    return category, programme_person_for(user, category.campaign)


def winner_for_reader(user: User, pk: int) -> Candidate:
    """A winner's page: public once the campaign is published; the office may preview."""
    _require_login(user)
    candidate = (
        Candidate.objects.select_related("category__campaign", "community", "person")
        .filter(pk=pk, is_winner=True)
        .first()
    )
    if candidate is None:
        raise Http404
    if not candidate.category.campaign.is_published and not is_programme_office(user):
        raise Http404
    return candidate


def criterion_for_office(user: User, pk: int) -> Criterion:
    require_programme_office(user)
    criterion = Criterion.objects.select_related("category__campaign").filter(pk=pk).first()
    if criterion is None:
        raise Http404
    return criterion


def candidate_for_office(user: User, pk: int) -> Candidate:
    require_programme_office(user)
    candidate = (
        Candidate.objects.select_related("category__campaign", "community", "person")
        .filter(pk=pk)
        .first()
    )
    if candidate is None:
        raise Http404
    return candidate
