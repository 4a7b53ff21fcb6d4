"""Survey aggregates: the same figures as the results pages, suppression applied.

A group under the campaign's threshold is {"suppressed": true, "k": …} and never carries a
number, not even its respondents (surveys/selectors.py decides; this only passes it on).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from trellis.api.auth import READ
from trellis.api.errors import ERRORS, ApiError, ErrorOut, ObjectId
from trellis.api.pagination import PageParams, envelope, page_of
from trellis.communities.models import Community
from trellis.core.access import is_programme_office
from trellis.surveys.access import campaign_for_office, community_results_for_user
from trellis.surveys.models import Campaign
from trellis.surveys.selectors import campaign_results

router = Router(tags=["surveys"])

READABLE = (Campaign.Status.CLOSED, Campaign.Status.PUBLISHED)


class CampaignOut(Schema):
    id: int
    year: int
    title: str
    status: str
    opens_on: dt.date
    closes_on: dt.date
    min_respondents: int


class CampaignPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CampaignOut]


class CampaignResultsOut(Schema):
    campaign: CampaignOut
    k: int
    programme: dict[str, Any]
    all_communities: dict[str, Any]
    communities: list[dict[str, Any]]
    business_units: list[dict[str, Any]]


class CommunityResultsOut(Schema):
    campaign: CampaignOut
    community: str
    k: int
    results: dict[str, Any]


def campaign_out(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "year": c.year,
        "title": c.title,
        "status": c.status,
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "min_respondents": c.min_respondents,
    }


@router.get(
    "/surveys/campaigns",
    response={200: CampaignPage, **ERRORS},
    auth=READ,
    url_name="api_survey_campaigns",
    summary="Campaigns whose results the token's owner may read",
)
def campaigns_list(request: HttpRequest, page: Query[PageParams]) -> Any:
    # The office reads closed and published campaigns; leaders their communities' share of
    # published ones; anyone else sees the list of published campaigns and nothing more.
    statuses = READABLE if is_programme_office(request.user) else (Campaign.Status.PUBLISHED,)
    qs = Campaign.objects.filter(status__in=statuses).order_by("-year", "-id")
    count, items = page_of(qs, page)
    return envelope(count, page, [campaign_out(c) for c in items])


@router.get(
    "/surveys/campaigns/{campaign_id}/results",
    response={200: CampaignResultsOut, 409: ErrorOut, **ERRORS},
    auth=READ,
    url_name="api_survey_results",
    summary="A campaign's aggregates for every group (programme office)",
)
def campaign_results_view(request: HttpRequest, campaign_id: ObjectId) -> Any:
    campaign = campaign_for_office(request.user, campaign_id)
    if campaign.status not in READABLE:
        raise ApiError(409, "not_closed", _("Results are shown once the campaign is closed."))
    results = campaign_results(campaign, detail=False)
    slugs = dict(
        Community.objects.filter(pk__in=list(results.communities)).values_list("pk", "slug")
    )
    return {
        "campaign": campaign_out(campaign),
        "k": results.k,
        "programme": results.programme,
        "all_communities": results.all_communities,
        "communities": [
            {**entry, "slug": slugs.get(cid)} for cid, entry in results.communities.items()
        ],
        "business_units": list(results.business_units.values()),
    }


@router.get(
    "/surveys/campaigns/{campaign_id}/communities/{slug}",
    response={200: CommunityResultsOut, **ERRORS},
    auth=READ,
    url_name="api_survey_community",
    summary="One community's aggregates (its leaders once published; the office)",
)
def community_results_view(request: HttpRequest, campaign_id: ObjectId, slug: str) -> Any:
    campaign, community = community_results_for_user(request.user, campaign_id, slug)
    results = campaign_results(campaign, detail={community.pk})
    entry = results.communities.get(community.pk)
    if entry is None:
        # No respondent at all: as suppressed as a small group (no zero that could be read).
        entry = {"key": community.pk, "label": community.name, "k": results.k, "suppressed": True}
    return {
        "campaign": campaign_out(campaign),
        "community": community.slug,
        "k": results.k,
        "results": entry,
    }
