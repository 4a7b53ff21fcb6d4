"""Reads of health and maturity: statuses for many communities at once, histories, years.

`health_statuses` and `maturity_for_year` are called by other areas (annual report,
sponsor views): keep their signatures stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from trellis.activity.models import Event, Space, SpaceDay, SpaceMonthContributor
from trellis.communities.models import (
    LEADER_ROLES,
    CharterVersion,
    Community,
    Membership,
    Role,
    Stage,
)
from trellis.core.models import ProgrammeSettings
from trellis.health.models import (
    HealthCheck,
    HealthSnapshot,
    MaturityAssessment,
    Pillar,
    PillarScore,
    Status,
)
from trellis.health.rules import Figures, Health, Reason, Thresholds, evaluate

# Communities whose health is followed: proposed ones do not run yet, closed ones are history.
FOLLOWED_STAGES = (Stage.INCUBATING, Stage.ACTIVE, Stage.DORMANT)


def _month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def followed_communities(community_ids: Collection[int] | None = None) -> QuerySet[Community]:
    qs = Community.objects.filter(stage__in=FOLLOWED_STAGES)
    if community_ids is not None:
        qs = qs.filter(pk__in=sorted(community_ids))
    return qs


def _survey_figures(year: int) -> dict[int, dict[str, Any]]:
    """The latest published survey of this year or the last: community id -> figures."""
    from trellis.surveys.selectors import published_campaign, survey_kpis

    for candidate in (year, year - 1):
        if published_campaign(candidate) is not None:
            return dict(survey_kpis(candidate)["communities"])
    return {}


def programme_has_letters() -> bool:
    """Whether trellis.programme's engagement letters are installed (model and migration).

    The letters arrive in a parallel change; until their migration exists, rule R7 is off.
    """
    from trellis import programme

    if not hasattr(import_module("trellis.programme.models"), "EngagementLetter"):
        return False
    migrations = Path(programme.__file__).parent / "migrations"
    return any(migrations.glob("0*.py"))


def _letters_expired(ids: QuerySet[Community, Any], today: dt.date) -> dict[int, int] | None:
    """People per community whose signed letter ended and was not renewed (rule R7).

    Only people who still hold a leader, co-leader or core-team role count: a letter of
    someone who left the role is history, not a problem. None when letters do not exist.
    """
    if not programme_has_letters():
        return None
    from trellis.programme.models import EngagementLetter

    current = EngagementLetter.objects.filter(
        person=OuterRef("person"),
        community=OuterRef("community"),
        signed_at__isnull=False,
        start__lte=today,
        end__gte=today,
    )
    holds_role = Membership.objects.filter(
        person=OuterRef("person"),
        community=OuterRef("community"),
        left__isnull=True,
        role__in=[*LEADER_ROLES, Role.CORE_TEAM],
    )
    return dict(
        EngagementLetter.objects.filter(community__in=ids, signed_at__isnull=False, end__lt=today)
        .filter(~Exists(current), Exists(holds_role))
        .values("community")
        .annotate(n=Count("person", distinct=True))
        .values_list("community", "n")
        .order_by()
    )


def health_figures(
    community_ids: Collection[int] | None = None, *, today: dt.date | None = None
) -> dict[int, Figures]:
    """What the rules need, for every followed community, in a fixed number of queries."""
    today = today or timezone.localdate()
    now = timezone.now()
    t = Thresholds.from_settings()
    communities = followed_communities(community_ids)
    ids = communities.order_by().values("pk")
    figures: dict[int, Figures] = {
        pk: Figures(launched=launched, has_leader=False, has_sponsor=False)
        for pk, launched in communities.order_by().values_list("pk", "launched")
    }
    if not figures:
        return {}

    for cid, leaders, sponsors in (
        Membership.objects.filter(community__in=ids, left__isnull=True)
        .values("community")
        .annotate(
            leaders=Count("pk", filter=Q(role__in=LEADER_ROLES)),
            sponsors=Count("pk", filter=Q(role=Role.SPONSOR)),
        )
        .values_list("community", "leaders", "sponsors")
    ):
        figures[cid].has_leader = leaders > 0
        figures[cid].has_sponsor = sponsors > 0

    # Activity: the three complete months before this one against the three before them.
    exclude_staff = ProgrammeSettings.load().exclude_staff_from_activity
    start6, start3, end = _month_start(today, 6), _month_start(today, 3), _month_start(today, 0)
    days = SpaceDay.objects.filter(space__community__in=ids, day__gte=start6, day__lt=end)
    if exclude_staff:
        days = days.filter(staff=False)
    volume = F("posts") + F("replies")
    for cid, last, prev in (
        days.values("space__community")
        .annotate(
            last=Sum(volume, filter=Q(day__gte=start3)), prev=Sum(volume, filter=Q(day__lt=start3))
        )
        .values_list("space__community", "last", "prev")
        .order_by()
    ):
        figures[cid].messages_last = last or 0
        figures[cid].messages_prev = prev or 0
    people = SpaceMonthContributor.objects.filter(
        space__community__in=ids, month__gte=start6, month__lt=end
    )
    if exclude_staff:
        people = people.filter(staff=False)
    for cid, last, prev in (
        people.values("space__community")
        .annotate(
            last=Count("contributor", distinct=True, filter=Q(month__gte=start3)),
            prev=Count("contributor", distinct=True, filter=Q(month__lt=start3)),
        )
        .values_list("space__community", "last", "prev")
        .order_by()
    ):
        figures[cid].contributors_last = last
        figures[cid].contributors_prev = prev
    for cid, n in (
        Space.objects.filter(community__in=ids)
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
        .order_by()
    ):
        figures[cid].spaces = n

    for cid, year in (
        CharterVersion.objects.filter(community__in=ids)
        .values("community")
        .annotate(y=Max("year"))
        .values_list("community", "y")
        .order_by()
    ):
        figures[cid].charter_year = year
    for cid, start in (
        Event.objects.filter(community__in=ids, start__lte=now)
        .exclude(status=Event.Status.CANCELLED)
        .values("community")
        .annotate(last=Max("start"))
        .values_list("community", "last")
        .order_by()
    ):
        figures[cid].last_event = timezone.localtime(start).date()

    # The latest questionnaire of each community, if still valid.
    latest = (
        HealthCheck.objects.filter(community=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    since = now - dt.timedelta(days=t.questionnaire_valid_days)
    for cid, answers, at in HealthCheck.objects.filter(
        pk__in=communities.order_by().annotate(c=Subquery(latest)).values("c"),
        created_at__gte=since,
    ).values_list("community", "answers", "created_at"):
        figures[cid].answers = {str(k): int(v) for k, v in (answers or {}).items()}
        figures[cid].answered_on = timezone.localtime(at).date()

    survey = _survey_figures(today.year)
    letters = _letters_expired(ids, today)
    for cid, fig in figures.items():
        fig.survey = survey.get(cid)
        if letters is not None:
            fig.letters_expired = letters.get(cid, 0)
    return figures


def health_statuses(
    community_ids: Collection[int] | None = None, *, today: dt.date | None = None
) -> dict[int, Health]:
    """Community id -> Health (status "green"/"amber"/"red", reasons, actions, figures).

    Covers the followed communities (incubating, active, dormant) among `community_ids`
    (all of them when None); a fixed number of queries whatever their number.
    """
    today = today or timezone.localdate()
    t = Thresholds.from_settings()
    return {
        cid: evaluate(fig, today, t)
        for cid, fig in health_figures(community_ids, today=today).items()
    }


@dataclass
class HealthRow:
    community: Community
    health: Health


def programme_health(
    *,
    status: str = "",
    stage: str = "",
    q: str = "",
    business_unit: int | None = None,
    today: dt.date | None = None,
) -> tuple[list[HealthRow], dict[str, int]]:
    """The programme view: rows matching the filters, and counts per status of all rows.

    Counts are those of the other filters (not the status filter), so the tiles
    say how many communities each status button will show.
    """
    statuses = health_statuses(today=today)
    communities = followed_communities().only("pk", "name", "slug", "stage").order_by("name")
    if stage:
        communities = communities.filter(stage=stage)
    if q:
        communities = communities.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    if business_unit is not None:
        communities = communities.filter(business_units__id=business_unit).distinct()
    counts = dict.fromkeys(Status.values, 0)
    rows: list[HealthRow] = []
    for community in communities:
        health = statuses.get(community.pk)
        if health is None:
            continue
        counts[health.status] += 1
        if not status or health.status == status:
            rows.append(HealthRow(community, health))
    return rows, counts


def community_history(community: Community, limit: int = 24) -> list[dict[str, Any]]:
    """The community's latest snapshots, newest first, with their reasons decoded."""
    return [
        {
            "snapshot": snap,
            "reasons": [Reason.from_json(r) for r in snap.reasons],
        }
        for snap in HealthSnapshot.objects.filter(community=community).order_by("-taken_at", "-id")[
            :limit
        ]
    ]


def latest_check(community: Community) -> HealthCheck | None:
    return (
        HealthCheck.objects.filter(community=community)
        .select_related("filled_by")
        .order_by("-created_at", "-id")
        .first()
    )


# --- Maturity --------------------------------------------------------------------------------


def maturity_for_year(year: int) -> dict[str, int]:
    """Pillar key -> level 1..4 of the year's assessment, in the seed's pillar order.

    Pillars not assessed are left out; {} when the year has no assessment. The annual
    report draws its radar from this.
    """
    levels = dict(PillarScore.objects.filter(assessment__year=year).values_list("pillar", "level"))
    return {p: levels[p] for p in Pillar.values if p in levels}


def maturity_years() -> list[int]:
    return list(MaturityAssessment.objects.order_by("-year").values_list("year", flat=True))


def maturity_assessment(year: int) -> MaturityAssessment | None:
    return MaturityAssessment.objects.filter(year=year).prefetch_related("scores").first()


def maturity_comparison(years: list[int]) -> list[dict[str, Any]]:
    """One row per pillar with its level in each of `years` (None when not assessed)."""
    levels: dict[tuple[int, str], int] = {
        (year, pillar): level
        for year, pillar, level in PillarScore.objects.filter(
            assessment__year__in=years
        ).values_list("assessment__year", "pillar", "level")
    }
    return [
        {
            "pillar": pillar,
            "label": label,
            "levels": [levels.get((year, pillar)) for year in years],
        }
        for pillar, label in Pillar.choices
    ]


def previous_maturity_year(year: int) -> int | None:
    return (
        MaturityAssessment.objects.filter(year__lt=year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def last_snapshot_time() -> dt.datetime | None:
    return (
        HealthSnapshot.objects.filter(trigger=HealthSnapshot.Trigger.COMPUTATION)
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )
