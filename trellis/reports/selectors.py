"""Reads behind the programme dashboard, the community scorecard and the KPI exports.

Every figure comes from `trellis.kpis.selectors` (the same code as the CLI, the API and the
year snapshots); this module only chooses which years and scopes to ask for. The one series
the KPI module has no reader for, events per month, is counted here with the KPI module's
own definitions (`counting_communities`, `counted_events`). Each page runs a fixed number
of queries whatever the number of communities, people or messages (guide/quality.md #13).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.cache import cache
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import get_language

from trellis.activity.models import Event
from trellis.communities.models import Community
from trellis.core.models import AuditEntry
from trellis.kpis.models import KpiSnapshot
from trellis.kpis.selectors import (
    KpiResult,
    KpiScope,
    compute_kpis,
    counted_events,
    counting_communities,
    monthly_activity,
    open_year,
    programme_tz,
)

# Years shown in the programme's trends, and in a community's (guide/ui.md: "its trends").
TREND_YEARS = 5
SCORECARD_YEARS = 3
RANK_SIZE = 10
RANK_FIELDS = ("active_rate", "messages")
CACHE_SECONDS = 300


@dataclass(frozen=True)
class DashboardFilters:
    year: int
    business_unit: int | None = None
    stage: str = ""
    tag: str = ""
    rank_by: str = "active_rate"

    def scope(self) -> dict[str, Any]:
        """The keyword filters of `compute_kpis` and `monthly_activity`."""
        return {
            "business_unit": self.business_unit,
            "stage": self.stage or None,
            "tag": self.tag or None,
        }

    @property
    def is_filtered(self) -> bool:
        return bool(self.business_unit or self.stage or self.tag)


def available_years() -> list[int]:
    """Years with figures, newest first (from the first launch to the open year)."""
    return years_and_unclosed()[0]


def years_and_unclosed() -> tuple[list[int], list[int]]:
    """Years with figures (newest first), and the past years not closed yet (oldest first).

    The years of `kpi_years`, read without loading the snapshots' figures (a megabyte of
    JSON at `large` scale): two light queries.
    """
    first = (
        Community.objects.filter(launched__isnull=False)
        .order_by("launched")
        .values_list("launched", flat=True)
        .first()
    )
    closed = set(KpiSnapshot.objects.order_by().values_list("year", flat=True).distinct())
    current = open_year()
    first_year = min([first.year if first else current, *closed])
    years = list(range(current, first_year - 1, -1))
    return years, sorted(y for y in years if y < current and y not in closed)


def default_year() -> int:
    return open_year()


def events_per_month(
    year: int,
    *,
    community_ids: list[int] | None = None,
    business_unit: int | None = None,
    stage: str | None = None,
    tag: str | None = None,
) -> list[dict[str, Any]]:
    """Events, webinars and attendance per month of the year, over the communities in scope.

    The same events as the yearly `events`/`webinars`/`attendance` KPIs (held, or planned
    and already started; never cancelled), so the twelve months add up to the year. One
    query. Counted live even for a closed year: snapshots freeze yearly totals only.
    """
    scope = KpiScope(
        community_ids=frozenset(community_ids) if community_ids is not None else None,
        business_unit=business_unit,
        stage=stage or None,
        tag=tag or None,
    )
    ids = counting_communities(year, scope).order_by().values("pk")
    # Attendees listed per event (django-stubs cannot see `n` on the through model).
    listed = (
        Event.attendees.through.objects.filter(event=OuterRef("pk"))  # type: ignore[misc]
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    months = [
        {"month": dt.date(year, m, 1), "events": 0, "webinars": 0, "attendance": 0}
        for m in range(1, 13)
    ]
    rows = (
        counted_events(ids, year)
        .annotate(
            month=TruncMonth("start", tzinfo=programme_tz()),
            size=Coalesce(
                "attendee_count", Subquery(listed, output_field=IntegerField()), Value(0)
            ),
        )
        .values("month", "type")
        .annotate(n=Count("pk"), attendance=Sum("size"))
        .values_list("month", "type", "n", "attendance")
    )
    for month, kind, n, attendance in rows:
        entry = months[month.month - 1]
        entry["events"] += n
        entry["attendance"] += attendance or 0
        if kind == Event.Type.WEBINAR:
            entry["webinars"] += n
    return months


@dataclass
class DashboardData:
    filters: DashboardFilters
    current: KpiResult
    previous: KpiResult
    # Oldest first, ending with the current year.
    trend: list[KpiResult]
    monthly: list[dict[str, Any]]
    monthly_previous: list[dict[str, Any]]
    events_monthly: list[dict[str, Any]]
    years: list[int] = field(default_factory=list)


def _trend_years(year: int, years: list[int], count: int) -> list[int]:
    first = min(years) if years else year
    return [y for y in range(year - count + 1, year + 1) if y >= first or y == year]


def data_version() -> int:
    """The newest audit entry's id: every write is audited (bulk imports once per job), so
    any write changes it. One indexed query."""
    return AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0


def _cache_key(*parts: object) -> str:
    # Figures carry translated notes: one entry per language.
    return ":".join(["trellis:reports", get_language() or "", *[str(p) for p in parts]])


# What the rankings read of each community; the rest stays out of the cache.
RANKED_FIELDS = ("slug", "name", "stage", "members", "active_contributors", "active_rate",
                 "messages")  # fmt: skip


def _slim(result: KpiResult, *, keep_communities: bool) -> KpiResult:
    communities = (
        [{name: row[name] for name in RANKED_FIELDS} for row in result.communities]
        if keep_communities
        else []
    )
    return replace(result, communities=communities)


def programme_dashboard(filters: DashboardFilters, *, years: list[int]) -> DashboardData:
    """Everything the dashboard shows: the year, the years before it, the monthly series.

    `years` are the years with figures (`available_years`), which bound the trends.
    Computing the open year live costs about a second at `large` scale, so the result is
    cached per data version (`data_version`) for CACHE_SECONDS; writes that bypass the
    audit trail (the Django admin) and planned events whose start passes show up within
    that time. Only what the page reads is cached.
    """
    key = _cache_key(
        "dashboard", data_version(), filters.year, filters.business_unit, filters.stage,
        filters.tag, min(years, default=filters.year),
    )  # fmt: skip
    data: DashboardData | None = cache.get(key)
    if data is None:
        data = _programme_dashboard(filters, years=years)
        cache.set(key, data, CACHE_SECONDS)
    return replace(data, filters=filters)


def _programme_dashboard(filters: DashboardFilters, *, years: list[int]) -> DashboardData:
    scope = filters.scope()
    trend_years = _trend_years(filters.year, years, TREND_YEARS)
    results = {y: compute_kpis(y, **scope) for y in trend_years}
    previous_year = filters.year - 1
    if previous_year not in results:
        results[previous_year] = compute_kpis(previous_year, **scope)
    current = _slim(results[filters.year], keep_communities=True)
    return DashboardData(
        filters=filters,
        current=current,
        previous=_slim(results[previous_year], keep_communities=False),
        trend=[
            current if y == filters.year else _slim(results[y], keep_communities=False)
            for y in trend_years
        ],
        monthly=monthly_activity(filters.year, **scope),
        monthly_previous=monthly_activity(previous_year, **scope),
        events_monthly=events_per_month(filters.year, **scope),
        years=years,
    )


@dataclass
class ScorecardData:
    community: Community
    year: int
    # Oldest first, ending with `year`; a row is None where the community did not count.
    trend: list[tuple[int, dict[str, Any] | None]]
    current: dict[str, Any] | None
    previous: dict[str, Any] | None
    closed: bool
    monthly: list[dict[str, Any]]
    monthly_previous: list[dict[str, Any]]
    events_monthly: list[dict[str, Any]]


def community_scorecard(community: Community, year: int) -> ScorecardData:
    """One community's figures for the year and the two years before it (cached like the
    dashboard, per data version)."""
    key = _cache_key("scorecard", data_version(), community.pk, year)
    data: ScorecardData | None = cache.get(key)
    if data is None:
        data = _community_scorecard(community, year)
        cache.set(key, data, CACHE_SECONDS)
    return replace(data, community=community)


def _community_scorecard(community: Community, year: int) -> ScorecardData:
    ids = [community.pk]
    years = list(range(year - SCORECARD_YEARS + 1, year + 1))
    results = {y: compute_kpis(y, community_ids=ids) for y in years}
    trend = [(y, results[y].community(community.slug)) for y in years]
    return ScorecardData(
        community=community,
        year=year,
        trend=trend,
        current=trend[-1][1],
        previous=trend[-2][1],
        closed=results[year].closed,
        monthly=monthly_activity(year, ids),
        monthly_previous=monthly_activity(year - 1, ids),
        events_monthly=events_per_month(year, community_ids=ids),
    )
