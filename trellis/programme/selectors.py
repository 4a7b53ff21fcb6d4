"""Reads of programme support: letters for the KPIs, escalation counts, the budget overview."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from trellis.communities.models import LEADER_ROLES, Community, Membership, Role
from trellis.people.models import BusinessUnit
from trellis.programme.models import EngagementLetter, Escalation, ResourceRequest

LETTER_ROLES = (*LEADER_ROLES, Role.CORE_TEAM)


# --- Letters ----------------------------------------------------------------------------------


def valid_letters(day: dt.date, before: dt.datetime) -> QuerySet[EngagementLetter]:
    """Letters signed before the instant `before` whose period covers `day`.

    Signed and valid does not depend on the status: a letter the daily pass later marks
    expired (its period ended) still counted on the days it covered.
    """
    return EngagementLetter.objects.filter(
        signed_at__isnull=False, signed_at__lt=before, start__lte=day, end__gte=day
    )


def letters_signed(
    year: int, communities: QuerySet[Community, Any] | None = None
) -> dict[int, tuple[int, int]]:
    """{community id: (letter holders, holders with a signed letter)} at the end of `year`.

    Holders are the distinct people with an active leader, co-leader or core-team membership
    of the community at the end of the year (guide/kpis.md); a holder counts as signed when
    a letter for that community was signed before the year ended and its period covers the
    year's last day. One query, whatever the number of communities.
    """
    end = dt.date(year, 12, 31)
    end_at = dt.datetime(year + 1, 1, 1, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    holders = Membership.objects.filter(role__in=LETTER_ROLES, joined__lte=end).filter(
        Q(left__isnull=True) | Q(left__gt=end)
    )
    if communities is not None:
        holders = holders.filter(community__in=communities)
    signed = valid_letters(end, end_at).filter(
        person=OuterRef("person"), community=OuterRef("community")
    )
    rows = (
        holders.annotate(signed=Exists(signed))
        .order_by()
        .values("community")
        .annotate(
            n=Count("person", distinct=True),
            s=Count("person", distinct=True, filter=Q(signed=True)),
        )
        .values_list("community", "n", "s")
    )
    return {pk: (n, s) for pk, n, s in rows}


# --- Escalations ------------------------------------------------------------------------------


@dataclass
class EscalationCounts:
    """Counts only: no community, no person, no text (the dashboard shows nothing private)."""

    total: int = 0
    open: int = 0
    overdue: int = 0
    by_kind: list[dict[str, Any]] = field(default_factory=list)
    by_status: list[dict[str, Any]] = field(default_factory=list)


def escalation_counts(today: dt.date) -> EscalationCounts:
    grid: dict[tuple[str, str], int] = {}
    for kind, status, n in (
        Escalation.objects.order_by()
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .values_list("kind", "status", "n")
    ):
        grid[(kind, status)] = n
    statuses = list(Escalation.Status)
    counts = EscalationCounts()
    counts.by_kind = [
        {
            "label": kind.label,
            "cells": [grid.get((kind.value, s.value), 0) for s in statuses],
            "total": sum(grid.get((kind.value, s.value), 0) for s in statuses),
        }
        for kind in Escalation.Kind
    ]
    counts.by_status = [
        {"label": s.label, "n": sum(grid.get((k.value, s.value), 0) for k in Escalation.Kind)}
        for s in statuses
    ]
    counts.total = sum(grid.values())
    counts.open = sum(n for (_k, s), n in grid.items() if s in Escalation.OPEN_STATUSES)
    counts.overdue = Escalation.objects.filter(
        status__in=Escalation.OPEN_STATUSES, due_on__lt=today
    ).count()
    return counts


# --- Resources --------------------------------------------------------------------------------


@dataclass
class BudgetOverview:
    year: int | None
    statuses: list[tuple[str, str]]
    total: dict[str, Decimal]
    by_kind: list[dict[str, Any]]
    by_year: list[dict[str, Any]]
    by_business_unit: list[dict[str, Any]]


def _cells(sums: dict[str, Decimal], statuses: list[tuple[str, str]]) -> list[Decimal]:
    return [sums.get(code, Decimal(0)) for code, _label in statuses]


def budget_overview(year: int | None = None) -> BudgetOverview:
    """Sums of the requested amounts per status, by kind, by year and by business unit.

    Three grouped queries. A community in two business units counts in both, so the
    business-unit rows may add up to more than the total (the page says so).
    """
    statuses = [(s.value, str(s.label)) for s in ResourceRequest.Status]
    qs = ResourceRequest.objects.order_by()
    scoped = qs.filter(year=year) if year is not None else qs
    total: dict[str, Decimal] = defaultdict(Decimal)
    kinds: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for kind, status, amount in (
        scoped.values("kind", "status").annotate(a=Sum("amount")).values_list("kind", "status", "a")
    ):
        kinds[kind][status] = amount or Decimal(0)
        total[status] += amount or Decimal(0)
    years: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for y, status, amount in (
        qs.values("year", "status").annotate(a=Sum("amount")).values_list("year", "status", "a")
    ):
        years[y][status] = amount or Decimal(0)
    units: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for bu, status, amount in (
        scoped.filter(community__business_units__isnull=False)
        .values("community__business_units", "status")
        .annotate(a=Sum("amount"))
        .values_list("community__business_units", "status", "a")
    ):
        units[bu][status] = amount or Decimal(0)
    names = dict(BusinessUnit.objects.filter(pk__in=list(units)).values_list("pk", "name"))
    return BudgetOverview(
        year=year,
        statuses=statuses,
        total={code: total.get(code, Decimal(0)) for code, _l in statuses},
        by_kind=[
            {"label": kind.label, "cells": _cells(kinds.get(kind.value, {}), statuses)}
            for kind in ResourceRequest.Kind
        ],
        by_year=[
            {"label": str(y), "cells": _cells(years[y], statuses)}
            for y in sorted(years, reverse=True)
        ],
        by_business_unit=[
            {"label": names[pk], "cells": _cells(units[pk], statuses)}
            for pk in sorted(units, key=lambda pk: names[pk])
        ],
    )


def resource_years() -> list[int]:
    return list(ResourceRequest.objects.order_by("-year").values_list("year", flat=True).distinct())
