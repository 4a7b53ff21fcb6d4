"""KPIs of a year: exactly the figures of `trellis kpis --format json` (one selector)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from trellis.api.auth import READ
from trellis.api.errors import ERRORS, MAX_ID
from trellis.communities.models import Community, Stage
from trellis.core.access import require_dashboard_reader
from trellis.kpis.selectors import compute_kpis, open_year

router = Router(tags=["kpis"])


class KpiFilters(Schema):
    year: int | None = Field(None, ge=1900, le=9999, description="default: the current year")
    community: str = Field("", max_length=100, description="only this community (slug)")
    business_unit: int | None = Field(None, ge=1, le=MAX_ID)
    stage: Stage | None = None
    tag: str = Field("", max_length=100)


class KpisOut(Schema):
    year: int
    closed: bool
    programme: dict[str, Any]
    communities: list[dict[str, Any]]
    notes: list[str]


@router.get(
    "/kpis",
    response={200: KpisOut, **ERRORS},
    auth=READ,
    url_name="api_kpis",
    summary="A year's KPIs for the programme and its communities",
    description=(
        "The figures of `trellis kpis --format json` (guide/kpis.md): live for an open "
        "year, frozen for a closed one. For the office, sponsors and leaders, who read the "
        'dashboard. Suppressed survey groups read "suppressed".'
    ),
)
def kpis(request: HttpRequest, filters: Query[KpiFilters]) -> Any:
    require_dashboard_reader(request.user)
    ids = None
    if filters.community:
        pk = Community.objects.filter(slug=filters.community).values_list("pk", flat=True).first()
        if pk is None:
            raise Http404
        ids = [pk]
    result = compute_kpis(
        filters.year or open_year(),
        community_ids=ids,
        business_unit=filters.business_unit,
        stage=filters.stage or None,
        tag=filters.tag or None,
    )
    return {
        **result.as_json(),
        "closed": result.closed,
        "notes": [str(n) for n in result.notes],
    }
