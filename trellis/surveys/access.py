"""Who may see what of the survey, built on the core access helpers.

- the programme office: every campaign, questionnaire and result (results once closed);
- a community's leaders and co-leaders: their community's results, once the campaign is
  published and only when the community is above the threshold;
- respondents: no account; their e-mailed token is their only key (services.sheet_for_token).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from trellis.communities.models import LEADER_ROLES, Community
from trellis.core.access import (
    User,
    community_for_user,
    is_programme_office,
    require_programme_office,
    roles_in,
)
from trellis.surveys.models import Campaign, Question, SurveyTemplate


def campaign_for_office(user: User, pk: int) -> Campaign:
    require_programme_office(user)
    campaign = Campaign.objects.select_related("template").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def template_for_office(user: User, pk: int) -> SurveyTemplate:
    require_programme_office(user)
    template = SurveyTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def question_for_office(user: User, pk: int) -> Question:
    require_programme_office(user)
    question = Question.objects.select_related("template").filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


def can_read_community_results(user: User, campaign: Campaign, community: Community) -> bool:
    if is_programme_office(user):
        return campaign.status in (Campaign.Status.CLOSED, Campaign.Status.PUBLISHED)
    return campaign.status == Campaign.Status.PUBLISHED and bool(
        roles_in(user, community) & set(LEADER_ROLES)
    )


def community_results_for_user(user: User, pk: int, slug: str) -> tuple[Campaign, Community]:
    """A campaign and community whose results the user may read (threshold checked later)."""
    community = community_for_user(user, slug)
    campaign = Campaign.objects.select_related("template").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    if not can_read_community_results(user, campaign, community):
        raise PermissionDenied
    return campaign, community
