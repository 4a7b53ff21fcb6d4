"""Reads for the incubation pipeline: similar communities, the board and the stage gates."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import DateField, DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from trellis.communities.models import Community, Membership, Role, Stage
from trellis.incubation.models import Gate, GateTick, Proposal

# Words too common to say two communities are about the same thing (English and French).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "community",
        "communities",
        "de",
        "des",
        "du",
        "en",
        "et",
        "for",
        "from",
        "in",
        "is",
        "la",
        "le",
        "les",
        "of",
        "on",
        "or",
        "our",
        "practice",
        "practices",
        "the",
        "to",
        "un",
        "une",
        "with",
        "who",
        "we",
        "our",
        "pour",
        "par",
        "sur",
        "dans",
        "au",
        "aux",
        "communaute",
        "communautes",
        "pratique",
        "pratiques",
    ]
)
WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TOKENS = 12
SIMILAR_LIMIT = 5
SIMILAR_THRESHOLD = 0.15


def tokens(*texts: str) -> set[str]:
    """The meaningful words of some texts: lower-case, 3 letters or more, no stop word."""
    found: set[str] = set()
    for text in texts:
        for word in WORD.findall(text.lower()):
            if len(word) >= 3 and word not in STOPWORDS:
                found.add(word)
    return found


@dataclass(frozen=True)
class Similar:
    community: Community
    score: float
    shared: list[str]
    same_slug: bool


def similar_communities(
    *, name: str, purpose: str = "", tags: list[str] | None = None, slug: str = ""
) -> list[Similar]:
    """Existing communities that look like a proposal, best first.

    1. The proposal's words (name, purpose, tags) are reduced to a set of tokens.
    2. One query fetches the communities whose name, purpose or tags contain any of them
       (a bounded number of tokens, so the query stays one statement at any size),
       plus the community that already uses the proposed slug.
    3. Each candidate is scored by token overlap (Jaccard index of the two sets) and the
       ones above the threshold are kept: simple, explainable, and enough to catch the
       "Welding" / "Welding practice" duplicates the office worries about.
    """
    wanted = tokens(name, purpose, *(tags or []))
    query = Q()
    for word in sorted(wanted, key=len, reverse=True)[:MAX_QUERY_TOKENS]:
        query |= Q(name__icontains=word) | Q(purpose__icontains=word) | Q(tags__name__iexact=word)
    if slug:
        query |= Q(slug=slug)
    if not query:
        return []
    candidates = (
        Community.objects.filter(query)
        .exclude(stage=Stage.CLOSED)
        .distinct()
        .prefetch_related("tags")[:200]
    )
    results = []
    for community in candidates:
        theirs = tokens(community.name, community.purpose, *(t.name for t in community.tags.all()))
        shared = wanted & theirs
        union = wanted | theirs
        score = len(shared) / len(union) if union else 0.0
        same_slug = bool(slug) and community.slug == slug
        if score >= SIMILAR_THRESHOLD or same_slug:
            results.append(Similar(community, score, sorted(shared), same_slug))
    results.sort(key=lambda s: (not s.same_slug, -s.score, s.community.name))
    return results[:SIMILAR_LIMIT]


BOARD_COLUMNS = [
    Proposal.Status.SUBMITTED,
    Proposal.Status.INCUBATING,
    Proposal.Status.LAUNCHED,
    Proposal.Status.REJECTED,
    Proposal.Status.MERGED,
]


def board() -> list[dict[str, Any]]:
    """The pipeline board: one column per status, the proposals in each (one query)."""
    columns: dict[str, list[Proposal]] = {status: [] for status in BOARD_COLUMNS}
    for proposal in Proposal.objects.select_related(
        "candidate_leader", "community", "proposer"
    ).order_by("-created_at", "-id"):
        columns[proposal.status].append(proposal)
    return [
        {"status": status, "label": Proposal.Status(status).label, "proposals": columns[status]}
        for status in BOARD_COLUMNS
    ]


def proposals_of(user_id: int) -> QuerySet[Proposal]:
    return Proposal.objects.filter(proposer_id=user_id).select_related("community")


@dataclass(frozen=True)
class GateState:
    gate: str
    label: str
    done: bool
    automatic: bool  # True when Trellis's own data shows the gate is passed
    tick: GateTick | None
    evidence: str


def automatic_gates(community: Community | None) -> dict[str, str]:
    """Gates that Trellis's own data proves passed, each with its evidence."""
    from django.utils.translation import gettext as _

    from trellis.activity.models import Event, Space
    from trellis.coaching.selectors import trained_people

    if community is None:
        return {}
    found: dict[str, str] = {}
    if community.charters.exists():
        found[Gate.CHARTER] = _("A charter is saved.")
    sponsor = (
        Membership.objects.filter(community=community, role=Role.SPONSOR, left__isnull=True)
        .select_related("person")
        .first()
    )
    if sponsor is not None:
        found[Gate.SPONSOR] = _("%(name)s is the sponsor.") % {"name": sponsor.person.name}
    leaders = Membership.objects.filter(
        community=community, role__in=[Role.LEADER, Role.CO_LEADER], left__isnull=True
    ).values_list("person_id", flat=True)
    if trained_people(leaders):
        found[Gate.TRAINING] = _("A leader completed a training of the catalogue.")
    if community.spaces.exists() or Space.objects.filter(community=community).exists():
        found[Gate.SPACE] = _("An ESN space is mapped to the community.")
    if community.events.exclude(status=Event.Status.CANCELLED).exists():
        found[Gate.EVENT] = _("An event is in the calendar.")
    return found


def gates(proposal: Proposal) -> list[GateState]:
    ticks = {t.gate: t for t in proposal.ticks.select_related("by")}
    auto = automatic_gates(proposal.community)
    return [
        GateState(
            gate=value,
            label=str(label),
            done=value in ticks or value in auto,
            automatic=value in auto,
            tick=ticks.get(value),
            evidence=auto.get(value, ""),
        )
        for value, label in Gate.choices
    ]


def open_gates(proposal: Proposal) -> list[str]:
    return [str(g.label) for g in gates(proposal) if not g.done]


# --- Lifecycle care: dormancy ---------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def dormancy_cutoff(on: dt.date, months: int | None = None) -> dt.date:
    return months_before(on, settings.DORMANCY_MONTHS if months is None else months)


def with_last_signs(queryset: QuerySet[Community]) -> QuerySet[Community]:
    """Communities annotated with their last ESN activity day and last event day.

    Two correlated subqueries on indexed columns (SpaceDay by space and day, Event by
    community and start): one statement whatever the number of communities.
    """
    from trellis.activity.models import Event, SpaceDay

    last_activity = (
        SpaceDay.objects.filter(space__community=OuterRef("pk"))
        .filter(Q(posts__gt=0) | Q(replies__gt=0))
        .order_by("-day")
        .values("day")[:1]
    )
    last_event = (
        Event.objects.filter(community=OuterRef("pk"))
        .exclude(status=Event.Status.CANCELLED)
        .order_by("-start")
        .values("start")[:1]
    )
    return queryset.annotate(
        last_activity=Subquery(last_activity, output_field=DateField()),
        last_event_at=Subquery(last_event, output_field=DateTimeField()),
    )


def dormant_communities(
    *, on: dt.date | None = None, months: int | None = None
) -> QuerySet[Community]:
    """Active communities with no ESN activity and no event since the cutoff.

    Rules (docs/incubation.md):
    - only communities at the stage "active" are watched, and only once launched before
      the cutoff (a community launched last month has had no time to be active yet);
    - ESN activity is a day of the activity rollups (SpaceDay) with at least one post or
      reply in a space mapped to the community;
    - an event is any event of the community that is not cancelled, past or planned (a
      planned webinar is a sign of life);
    - dormant when no activity day and no event fall on or after the cutoff.

    The test is two NOT EXISTS on indexed ranges (SpaceDay by space and day, Event by
    community and start), so a lively community costs one index seek; the last dates are
    read only for the dormant ones that the query returns.
    """
    from trellis.activity.models import Event, SpaceDay

    on = on or timezone.localdate()
    cutoff = dormancy_cutoff(on, months)
    cutoff_start = dt.datetime.combine(cutoff, dt.time.min, tzinfo=timezone.get_current_timezone())
    recent_activity = SpaceDay.objects.filter(
        Q(posts__gt=0) | Q(replies__gt=0), space__community=OuterRef("pk"), day__gte=cutoff
    )
    recent_event = Event.objects.filter(community=OuterRef("pk"), start__gte=cutoff_start).exclude(
        status=Event.Status.CANCELLED
    )
    return with_last_signs(
        Community.objects.filter(stage=Stage.ACTIVE)
        .filter(Q(launched__isnull=True) | Q(launched__lt=cutoff))
        .filter(~Exists(recent_activity), ~Exists(recent_event))
    ).order_by("name")


def dormancy_page(*, on: dt.date | None = None, months: int | None = None) -> list[Community]:
    """The dormant candidates with their open alert (a fixed number of queries)."""
    from trellis.incubation.models import DormancyAlert

    communities = list(dormant_communities(on=on, months=months))
    alerts = {
        a.community_id: a
        for a in DormancyAlert.objects.filter(
            resolved_on__isnull=True, community__in=[c.pk for c in communities]
        )
    }
    for community in communities:
        community.open_alert = alerts.get(community.pk)  # type: ignore[attr-defined]
    return communities
