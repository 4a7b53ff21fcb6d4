"""The sponsor's portfolio: the communities they sponsor at a glance.

One page, a fixed number of queries whatever the number of communities: health from
health_statuses, KPIs from compute_kpis, charters waiting for approval, engagement
letters (when the programme has them) and stories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from trellis.communities.models import CharterVersion, Community
from trellis.health.rules import INFO, Health
from trellis.health.selectors import health_statuses, programme_has_letters
from trellis.kpis.selectors import compute_kpis
from trellis.stories.models import Status as StoryStatus
from trellis.stories.models import Story


@dataclass
class PortfolioRow:
    community: Community
    health: Health | None
    kpis: dict[str, Any] | None
    letters: dict[str, int] = field(default_factory=dict)

    @property
    def active_rate(self) -> str:
        from trellis.reports.figures import percent

        return percent(self.kpis.get("active_rate") if self.kpis else None)

    @property
    def reasons(self) -> list[Any]:
        return [r for r in self.health.reasons if r.severity != INFO] if self.health else []


def _letters(ids: list[int]) -> dict[int, dict[str, int]] | None:
    if not programme_has_letters():
        return None
    from trellis.programme.models import EngagementLetter

    today = timezone.localdate()
    signed = Q(signed_at__isnull=False, start__lte=today, end__gte=today)
    return {
        row["community"]: {"valid": row["valid"], "waiting": row["waiting"]}
        for row in EngagementLetter.objects.filter(community__in=ids)
        .values("community")
        .annotate(
            valid=Count("pk", filter=signed),
            waiting=Count("pk", filter=Q(status=EngagementLetter.Status.SENT)),
        )
        .order_by()
    }


def portfolio(
    communities: QuerySet[Community], *, charters: QuerySet[CharterVersion]
) -> dict[str, Any]:
    """The page's context: rows per community, charters to approve, letters and stories."""
    year = timezone.localdate().year
    listed = list(communities.order_by("name"))
    ids = [c.pk for c in listed]
    statuses = health_statuses(ids)
    kpis = {row["slug"]: row for row in compute_kpis(year, community_ids=ids).communities}
    letters = _letters(ids)
    rows = [
        PortfolioRow(
            community=c,
            health=statuses.get(c.pk),
            kpis=kpis.get(c.slug),
            letters=(letters or {}).get(c.pk, {"valid": 0, "waiting": 0}),
        )
        for c in listed
    ]
    counts: dict[str, int] = {}
    for row in rows:
        if row.health is not None:
            counts[row.health.status] = counts.get(row.health.status, 0) + 1
    stories = Story.objects.filter(communities__in=ids).distinct()
    return {
        "year": year,
        "rows": rows,
        "counts": counts,
        "charters": list(charters.select_related("community")[:50]),
        "has_letters": letters is not None,
        "stories_to_approve": list(
            stories.filter(status=StoryStatus.VALIDATED).order_by("-validated_at", "-id")[:20]
        ),
        "stories_published": list(
            stories.filter(status=StoryStatus.PUBLISHED).order_by("-published_on", "-id")[:10]
        ),
    }
