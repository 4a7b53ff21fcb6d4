"""Reads of success stories: lists, search, the value-creation matrix and the KPI figures.

KPI figures (guide/kpis.md, "Value (level 3)"):
- a story counts in year Y when it was published in Y (`published_on`, a date in the
  programme's time zone), whatever its own `year` field;
- `stories_quantified` counts those with at least one *validated* benefit;
- `value_hours` sums validated benefits whose unit is "hours"; `value_amount` sums
  validated benefits in the programme currency (other currencies are not converted and
  count in neither figure);
- a story of several communities counts in full in each of them (each community did the
  work together), and once in the programme totals: programme figures are computed over
  distinct stories, never by adding community figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from trellis.communities.models import Community
from trellis.core.models import ProgrammeSettings
from trellis.stories.models import Benefit, Cycle, Status, Story

KPI_FIELDS = ("stories", "stories_quantified", "value_hours", "value_amount")
# Computed once: Django's `Choices.values` rebuilds its list on every access, which cost
# seconds in the matrix loops at 5,000 stories.
CYCLE_CODES: tuple[str, ...] = tuple(Cycle.values)
_CYCLE_SET = frozenset(CYCLE_CODES)
ZERO = Decimal("0")


def empty_figures() -> dict[str, int | Decimal]:
    return {"stories": 0, "stories_quantified": 0, "value_hours": ZERO, "value_amount": ZERO}


def published() -> QuerySet[Story]:
    return Story.objects.filter(status=Status.PUBLISHED, published_on__isnull=False)


def published_in(year: int) -> QuerySet[Story]:
    return published().filter(
        published_on__gte=dt.date(year, 1, 1), published_on__lte=dt.date(year, 12, 31)
    )


def published_between(start: dt.date, end: dt.date) -> QuerySet[Story]:
    """Stories published from `start` to `end` (both included), newest first.

    Communities are prefetched; `summary` holds the first lines for a newsletter.
    """
    return (
        published()
        .filter(published_on__gte=start, published_on__lte=end)
        .prefetch_related("communities")
        .order_by("-published_on", "-id")
    )


def _validated_sums(stories: QuerySet[Story]) -> dict[int, dict[str, Decimal | bool]]:
    """Per story: validated hours and amount in the programme currency, and 'quantified'."""
    currency = ProgrammeSettings.load().currency.upper()
    rows = (
        Benefit.objects.filter(validated=True, story__in=stories.order_by().values("pk"))
        .order_by()
        .values("story_id")
        .annotate(
            hours=Sum("amount", filter=Q(unit=Benefit.HOURS)),
            amount=Sum("amount", filter=Q(unit=currency)),
        )
    )
    return {
        r["story_id"]: {
            "hours": r["hours"] or ZERO,
            "amount": r["amount"] or ZERO,
            "quantified": True,
        }
        for r in rows
    }


def story_kpis(
    year: int, *, community_ids: Collection[int] | None = None
) -> dict[int | None, dict[str, int | Decimal]]:
    """The level-3 figures of the year per community id, and under None for the programme.

    Communities without a published story are absent (read them as `empty_figures()`).
    With `community_ids`, only those communities are kept and the programme figures are
    computed over the distinct stories of those communities. Three queries whatever the
    number of stories or communities.
    """
    stories = published_in(year)
    links = Story.communities.through.objects.filter(
        story__in=stories.order_by().values("pk")
    ).values_list("community_id", "story_id")
    sums = _validated_sums(stories)
    result: dict[int | None, dict[str, int | Decimal]] = {}
    programme_ids: set[int] = set()
    # Filtered in Python (a year's stories are few): the query count stays the same
    # whether or not the filter is empty.
    wanted = None if community_ids is None else set(community_ids)
    for community_id, story_id in links:
        if wanted is not None and community_id not in wanted:
            continue
        programme_ids.add(story_id)
        _add(result.setdefault(community_id, empty_figures()), sums.get(story_id))
    programme = empty_figures()
    for story_id in programme_ids:
        _add(programme, sums.get(story_id))
    result[None] = programme
    return result


def _add(figures: dict[str, int | Decimal], sums: dict[str, Decimal | bool] | None) -> None:
    figures["stories"] += 1
    if sums is None:
        return
    figures["stories_quantified"] += 1
    figures["value_hours"] += sums["hours"]
    figures["value_amount"] += sums["amount"]


def benefit_totals(stories: QuerySet[Story]) -> list[dict[str, Any]]:
    """Validated benefits of these stories summed by kind and unit (hours and euros never mix)."""
    labels = dict(Benefit.Kind.choices)
    rows = (
        Benefit.objects.filter(validated=True, story__in=stories.order_by().values("pk"))
        .order_by()
        .values("kind", "unit")
        .annotate(total=Sum("amount"))
        .order_by("kind", "unit")
    )
    return [
        {
            "kind": r["kind"],
            "label": labels.get(r["kind"], r["kind"]),
            "unit": r["unit"],
            "total": r["total"],
        }
        for r in rows
    ]


def report_highlights(year: int, limit: int = 10) -> dict[str, Any]:
    """For the annual report: the year's published stories with validated benefits.

    {"stories": [Story, …] (at most `limit`, the largest value in the programme currency
    first, then hours), "by_kind": [{"kind", "label", "unit", "total"}],
    "figures": story_kpis(year)[None]}.
    """
    stories = published_in(year)
    sums = _validated_sums(stories)
    chosen = sorted(sums, key=lambda pk: (sums[pk]["amount"], sums[pk]["hours"], pk), reverse=True)[
        :limit
    ]
    by_pk = Story.objects.prefetch_related("communities", "benefits").in_bulk(chosen)
    return {
        "stories": [by_pk[pk] for pk in chosen if pk in by_pk],
        "by_kind": benefit_totals(stories.filter(pk__in=list(sums))),
        "figures": story_kpis(year)[None],
    }


# --- Lists and search ------------------------------------------------------------------------


@dataclass
class StoryFilters:
    q: str = ""
    community: Community | None = None
    year: int | None = None
    cycle: str = ""
    kind: str = ""
    tag: str = ""


TEXT_FIELDS = (
    "title",
    "summary",
    "context",
    "community_action",
    "practice_change",
    "result",
    "reframing",
    "beneficiaries",
)


def search_stories(base: QuerySet[Story], filters: StoryFilters) -> QuerySet[Story]:
    """Filter and search (case-insensitive substring over the texts; portable to SQLite)."""
    qs = base
    if filters.q:
        words = filters.q.split()[:10]
        for word in words:
            match = Q()
            for name in TEXT_FIELDS:
                match |= Q(**{f"{name}__icontains": word})
            qs = qs.filter(match)
    if filters.community is not None:
        qs = qs.filter(communities=filters.community)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.cycle in _CYCLE_SET:
        qs = qs.filter(cycles__contains=filters.cycle)
    if filters.kind in Benefit.Kind.values:
        qs = qs.filter(benefits__kind=filters.kind)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    # Joins over benefits, tags or communities repeat a story once per matching row.
    return qs.distinct() if (filters.kind or filters.tag or filters.community) else qs


def latest_stories(limit: int = 4) -> QuerySet[Story]:
    """The newest published stories, for the home page (three queries)."""
    return with_cards(published().order_by("-published_on", "-id")[:limit])


def with_cards(qs: QuerySet[Story]) -> QuerySet[Story]:
    """What a card shows, in a fixed number of queries."""
    return qs.prefetch_related("communities", "tags")


# --- Value-creation matrix -------------------------------------------------------------------


def value_matrix(year: int, *, community: Community | None = None) -> dict[str, Any]:
    """Stories × cycles and validated benefits by kind, for a community or the programme.

    Stories are those published in the year. For the programme, one row per community
    (a story of two communities appears in both rows) and a total row over distinct stories.
    """
    stories = published_in(year)
    if community is not None:
        stories = stories.filter(communities=community)
    story_rows: list[dict[str, Any]] = [
        dict(row)
        for row in stories.order_by("-published_on", "title").values("pk", "title", "cycles")
    ]
    cycles = [{"code": c, "label": label} for c, label in Cycle.choices]
    totals = dict.fromkeys(CYCLE_CODES, 0)
    for row in story_rows:
        codes = set(row["cycles"].split("|"))
        row["marks"] = [c in codes for c in CYCLE_CODES]
        for code in codes & _CYCLE_SET:
            totals[code] += 1
    community_rows: list[dict[str, Any]] = []
    if community is None:
        per: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CYCLE_CODES, 0))
        count: dict[int, int] = defaultdict(int)
        cycles_of = {row["pk"]: set(row["cycles"].split("|")) for row in story_rows}
        links = Story.communities.through.objects.filter(
            story__in=stories.order_by().values("pk")
        ).values_list("community_id", "story_id")
        for community_id, story_id in links:
            count[community_id] += 1
            for code in cycles_of.get(story_id, set()) & _CYCLE_SET:
                per[community_id][code] += 1
        names = dict(Community.objects.filter(pk__in=list(count)).values_list("pk", "name"))
        slugs = dict(Community.objects.filter(pk__in=list(count)).values_list("pk", "slug"))
        community_rows = sorted(
            (
                {
                    "name": names.get(pk, ""),
                    "slug": slugs.get(pk, ""),
                    "stories": count[pk],
                    "cells": [per[pk][c] for c in CYCLE_CODES],
                }
                for pk in count
            ),
            key=lambda r: str(r["name"]).lower(),
        )
    return {
        "year": year,
        "cycles": cycles,
        "stories": story_rows,
        "communities": community_rows,
        "totals": [totals[c] for c in CYCLE_CODES],
        "story_count": len(story_rows),
        "benefits": benefit_totals(stories),
    }


def story_years() -> list[int]:
    return sorted({d.year for d in published().dates("published_on", "year")}, reverse=True)
