"""Yearly KPIs, exactly as guide/kpis.md defines them, for the programme and each community.

Everything here reads the activity *rollups* (`SpaceDay`, `SpaceMonthContributor`), never
the raw messages, and runs a fixed number of set-based queries whatever the number of
communities (the scope of communities is passed to every query as a subquery, never as a
list of ids). The web pages, the API, the CLI and the year snapshots all call
`compute_kpis`, so every figure agrees everywhere.

A year closed by the programme office (`KpiSnapshot`) is read from its latest snapshot;
any other year is computed live. docs/kpis.md explains each figure for readers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.activity.models import Event, SpaceDay, SpaceMonthContributor
from trellis.communities.models import (
    LEADER_ROLES,
    CharterVersion,
    Community,
    Membership,
    Objective,
    Role,
    Stage,
    StageChange,
)
from trellis.core.models import ProgrammeSettings
from trellis.kpis.models import KpiSnapshot
from trellis.programme.selectors import letters_signed

SNAPSHOT_VERSION = 1
EVENT_TYPES: list[str] = list(Event.Type.values)
STAGES: list[str] = list(Stage.values)

# The fields of one community, in display order (names of guide/kpis.md).
COMMUNITY_FIELDS = [
    "slug",
    "name",
    "stage",
    "members",
    "new_members",
    "posts",
    "replies",
    "messages",
    "reactions",
    "active_contributors",
    "active_rate",
    "events",
    "events_by_type",
    "webinars",
    "attendance",
    "unique_attendees",
    "charter_updated",
    "objectives",
    "objectives_met",
    "objectives_met_rate",
    "has_sponsor",
    "has_leader",
    "letter_holders",
    "letters_signed",
    "letters_signed_rate",
]

# The programme's fields. Counts and sums are totals over the communities that count;
# booleans become the number of communities where they hold (plus a `_rate`); rates are
# recomputed from the totals; `*_unique` and `unique_attendees` are counted over people.
PROGRAMME_FIELDS = [
    "communities",
    "communities_by_stage",
    "members_sum",
    "members_unique",
    "new_members",
    "posts",
    "replies",
    "messages",
    "reactions",
    "active_contributors",
    "active_contributors_unique",
    "active_rate",
    "events",
    "events_by_type",
    "webinars",
    "attendance",
    "unique_attendees",
    "charter_updated",
    "charter_updated_rate",
    "objectives",
    "objectives_met",
    "objectives_met_rate",
    "has_sponsor",
    "has_sponsor_rate",
    "has_leader",
    "has_leader_rate",
    "letter_holders",
    "letters_signed",
    "letters_signed_rate",
]

# Figures counted over people: a programme total is never the sum of community figures.
UNIQUE_FIELDS = ("members_unique", "active_contributors_unique", "unique_attendees")
SUMMED_FIELDS = (
    "new_members",
    "posts",
    "replies",
    "messages",
    "reactions",
    "active_contributors",
    "events",
    "webinars",
    "attendance",
    "objectives",
    "objectives_met",
)
COUNTED_FLAGS = ("charter_updated", "has_sponsor", "has_leader")

# Level 2 (the annual survey): read from the year's published campaign, never frozen in a
# snapshot (a published campaign does not change). A group under the campaign's anonymity
# threshold reads SUPPRESSED in every survey field, never a number; None means no survey.
SURVEY_FIELDS = ("respondents", "response_rate", "engagement_score", "value_score", "nps")
SUPPRESSED = "suppressed"
COMMUNITY_FIELDS += SURVEY_FIELDS
PROGRAMME_FIELDS += SURVEY_FIELDS

# Level 3 (success stories, kpis.md "Value (level 3)"): read live from published stories, like
# the survey. A story of several communities counts in each of them and once in the programme.
STORY_FIELDS = ("stories", "stories_quantified", "value_hours", "value_amount")
COMMUNITY_FIELDS += STORY_FIELDS
PROGRAMME_FIELDS += STORY_FIELDS


@dataclass(frozen=True)
class KpiScope:
    """Which communities a result covers (the dashboard filters)."""

    community_ids: frozenset[int] | None = None
    business_unit: int | None = None
    stage: str | None = None
    tag: str | None = None

    @property
    def is_whole_programme(self) -> bool:
        return (
            self.community_ids is None
            and self.business_unit is None
            and not self.stage
            and not self.tag
        )


@dataclass
class KpiResult:
    year: int
    programme: dict[str, Any]
    communities: list[dict[str, Any]]
    closed: bool = False
    closed_at: dt.datetime | None = None
    snapshot_id: int | None = None
    # Why some figure is missing (e.g. a unique count a filtered closed year cannot give).
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape: {"year", "programme", "communities": [{"slug", …}]}."""
        return {"year": self.year, "programme": self.programme, "communities": self.communities}

    def community(self, slug: str) -> dict[str, Any] | None:
        return next((c for c in self.communities if c["slug"] == slug), None)


# --- Time ------------------------------------------------------------------------------------


def programme_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def year_bounds(year: int) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """First and last day of the year, and its [start, end) instants in the programme zone."""
    tz = programme_tz()
    return (
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        dt.datetime(year, 1, 1, tzinfo=tz),
        dt.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def open_year() -> int:
    return timezone.localdate().year


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# --- Scope -----------------------------------------------------------------------------------


def _stage_at(end: dt.date) -> Coalesce:
    """The community's lifecycle stage on `end`, from its dated history (else its stage)."""
    last = (
        StageChange.objects.filter(community=OuterRef("pk"), on__lte=end)
        .order_by("-on", "-id")
        .values("stage")[:1]
    )
    return Coalesce(Subquery(last, output_field=CharField()), F("stage"))


def counting_communities(year: int, scope: KpiScope | None = None) -> QuerySet[Community]:
    """Communities that count in the year (kpis.md), within the scope.

    Launched on or before the end of the year and not closed before its start; annotated
    with `stage_at_end`, the stage at the end of the year.
    """
    scope = scope or KpiScope()
    start, end, _s, _e = year_bounds(year)
    qs = (
        Community.objects.filter(launched__isnull=False, launched__lte=end)
        .exclude(closed__lt=start)
        .annotate(stage_at_end=_stage_at(end))
    )
    if scope.community_ids is not None:
        qs = qs.filter(pk__in=sorted(scope.community_ids))
    if scope.business_unit is not None:
        qs = qs.filter(business_units__id=scope.business_unit)
    if scope.stage:
        qs = qs.filter(stage_at_end=scope.stage)
    if scope.tag:
        qs = qs.filter(tags__name=scope.tag)
    return qs


def _ids(qs: QuerySet[Community]) -> QuerySet[Community, Any]:
    return qs.order_by().values("pk")


def _active_at_end(ids: QuerySet[Community, Any], end: dt.date) -> QuerySet[Membership]:
    # Active at the last instant of `end`: joined on or before it, not left on or before it.
    return (
        Membership.objects.filter(community__in=ids, joined__lte=end)
        .filter(Q(left__isnull=True) | Q(left__gt=end))
        .order_by()
    )


def _messages_days(
    ids: QuerySet[Community, Any], start: dt.date, end: dt.date, exclude_staff: bool
) -> QuerySet[SpaceDay]:
    qs = SpaceDay.objects.filter(space__community__in=ids, day__gte=start, day__lte=end)
    return (qs.filter(staff=False) if exclude_staff else qs).order_by()


def _contributors(
    ids: QuerySet[Community, Any], start: dt.date, end: dt.date, exclude_staff: bool
) -> QuerySet[SpaceMonthContributor]:
    qs = SpaceMonthContributor.objects.filter(
        space__community__in=ids, month__gte=start, month__lte=end
    )
    return (qs.filter(staff=False) if exclude_staff else qs).order_by()


def _held(year: int, now: dt.datetime | None, prefix: str = "") -> Q:
    """The condition for an event held in the year (see counted_events), on `prefix` paths."""
    _start, _end, start, end = year_bounds(year)
    now = now or timezone.now()
    p = prefix
    return Q(**{f"{p}start__gte": start, f"{p}start__lt": end}) & (
        Q(**{f"{p}status": Event.Status.HELD})
        | Q(**{f"{p}status": Event.Status.PLANNED, f"{p}start__lte": now})
    )


def counted_events(
    ids: QuerySet[Community, Any], year: int, now: dt.datetime | None = None
) -> QuerySet[Event]:
    """Events held in the year: status "held", or still "planned" once their start passed.

    Cancelled events never count; a planned event in the future has not been held yet.
    """
    return Event.objects.filter(_held(year, now), community__in=ids).order_by()


def _attendee_links(
    ids: QuerySet[Community, Any], year: int, now: dt.datetime | None = None
) -> QuerySet[Any]:
    """Attendee-list rows of the events counted_events gives (one join, no IN subquery)."""
    through = Event.attendees.through
    return through.objects.filter(_held(year, now, "event__"), event__community__in=ids).order_by()


def _updated_charters(
    ids: QuerySet[Community, Any], year: int, approval_required: bool
) -> QuerySet[CharterVersion]:
    """Versions for the year approved in it (or saved in it, when approval is off) whose
    community has at least one objective for the year."""
    start, end, start_at, end_at = year_bounds(year)
    qs = CharterVersion.objects.filter(community__in=ids, year=year)
    if approval_required:
        qs = qs.filter(approved_on__gte=start, approved_on__lte=end)
    else:
        qs = qs.filter(created_at__gte=start_at, created_at__lt=end_at)
    has_objective = Objective.objects.filter(community=OuterRef("community"), year=year)
    return qs.filter(Exists(has_objective)).order_by()


# --- Computation -----------------------------------------------------------------------------


def _empty_community(slug: str, name: str, stage: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name,
        "stage": stage,
        "members": 0,
        "new_members": 0,
        "posts": 0,
        "replies": 0,
        "messages": 0,
        "reactions": 0,
        "active_contributors": 0,
        "active_rate": None,
        "events": 0,
        "events_by_type": dict.fromkeys(EVENT_TYPES, 0),
        "webinars": 0,
        "attendance": 0,
        "unique_attendees": 0,
        "charter_updated": False,
        "objectives": 0,
        "objectives_met": 0,
        "objectives_met_rate": None,
        "has_sponsor": False,
        "has_leader": False,
        # Leaders and core-team members at the end of the year, and those of them with a
        # signed engagement letter valid then (trellis/programme/selectors.py).
        "letter_holders": 0,
        "letters_signed": 0,
        "letters_signed_rate": None,
    }


@dataclass
class _Live:
    """A live computation: community rows (with ids) and the programme's unique figures."""

    year: int
    rows: dict[int, dict[str, Any]]
    uniques: dict[str, int]


def _add_activity(
    row: dict[str, Any], posts: int | None, replies: int | None, reactions: int | None
) -> None:
    row["posts"] += posts or 0
    row["replies"] += replies or 0
    row["messages"] = row["posts"] + row["replies"]
    row["reactions"] += reactions or 0


class IdList(Aggregate):
    """The ids of a group as one comma-separated string (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(distinct)s%(expressions)s)"
    allow_distinct = True
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(distinct)s(%(expressions)s)::text, ',')",
            **extra,
        )


def _compute_live(
    year: int,
    scope: KpiScope,
    now: dt.datetime | None = None,
    *,
    people: bool = True,
    activity: bool = True,
) -> _Live:
    """Every figure of the year in 14 queries, whatever the number of communities.

    `people=False` leaves out the figures counted over people (members, sponsor and leader
    flags, active contributors, unique attendees, and the programme's unique figures):
    closing a year counts those from one scan per figure (`_people_figures`), over the
    same querysets. `activity=False` leaves out posts, replies and reactions: closing a year
    adds them up from its monthly series (`_monthly_rows`, the same rollup rows).
    """
    prog = ProgrammeSettings.load()
    exclude_staff = prog.exclude_staff_from_activity
    start, end, _start_at, _end_at = year_bounds(year)
    communities = counting_communities(year, scope)
    ids = _ids(communities)

    rows: dict[int, dict[str, Any]] = {}
    for pk, slug, name, stage in communities.order_by("name", "slug").values_list(  # type: ignore[misc]
        "pk", "slug", "name", "stage_at_end"
    ):
        rows[pk] = _empty_community(slug, name, stage)

    members = _active_at_end(ids, end)
    if people:
        for pk, n, sponsors, leaders in (
            members.values("community")
            .annotate(
                n=Count("person", distinct=True),
                sponsors=Count("pk", filter=Q(role=Role.SPONSOR)),
                leaders=Count("pk", filter=Q(role__in=LEADER_ROLES)),
            )
            .values_list("community", "n", "sponsors", "leaders")
        ):
            rows[pk].update(members=n, has_sponsor=sponsors > 0, has_leader=leaders > 0)

    new = (
        Membership.objects.filter(community__in=ids, joined__gte=start, joined__lte=end)
        .order_by()
        .values("community")
        .annotate(n=Count("person", distinct=True))
        .values_list("community", "n")
    )
    for pk, n in new:
        rows[pk]["new_members"] = n

    if activity:
        days = _messages_days(ids, start, end, exclude_staff)
        for pk, posts, replies, reactions in (
            days.values("space__community")
            .annotate(p=Sum("posts"), r=Sum("replies"), x=Sum("reactions"))
            .values_list("space__community", "p", "r", "x")
        ):
            _add_activity(rows[pk], posts, replies, reactions)

    contributors = _contributors(ids, start, end, exclude_staff)
    if people:
        for pk, n in (
            contributors.values("space__community")
            .annotate(n=Count("contributor", distinct=True))
            .values_list("space__community", "n")
        ):
            rows[pk]["active_contributors"] = n

    events = counted_events(ids, year, now)
    list_size = (
        Event.attendees.through.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")  # type: ignore[misc]
    )
    for pk, kind, n, attendance in (
        events.annotate(
            size=Coalesce(
                "attendee_count",
                Subquery(list_size, output_field=IntegerField()),
                Value(0),
            )
        )
        .values("community", "type")
        .annotate(n=Count("pk"), attendance=Sum("size"))
        .values_list("community", "type", "n", "attendance")
    ):
        row = rows[pk]
        row["events_by_type"][kind] = n
        row["events"] += n
        row["attendance"] += attendance or 0
    links = _attendee_links(ids, year, now)
    if people:
        for pk, n in (
            links.values("event__community")
            .annotate(n=Count("person", distinct=True))
            .values_list("event__community", "n")
        ):
            rows[pk]["unique_attendees"] = n

    for pk in (
        _updated_charters(ids, year, prog.charter_approval_required)
        .values_list("community", flat=True)
        .distinct()
    ):
        rows[pk]["charter_updated"] = True

    for pk, n, met in (
        Objective.objects.filter(community__in=ids, year=year)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"), met=Count("pk", filter=Q(status=Objective.Status.MET)))
        .values_list("community", "n", "met")
    ):
        rows[pk].update(objectives=n, objectives_met=met)

    for pk, (holders, signed) in letters_signed(year, ids).items():
        rows[pk].update(letter_holders=holders, letters_signed=signed)

    for row in rows.values():
        row["webinars"] = row["events_by_type"][Event.Type.WEBINAR]
        row["objectives_met_rate"] = ratio(row["objectives_met"], row["objectives"])
        row["letters_signed_rate"] = ratio(row["letters_signed"], row["letter_holders"])
    if not people:
        return _Live(year=year, rows=rows, uniques={})
    _active_rates(rows)
    counted = {
        "members_unique": members.aggregate(n=Count("person", distinct=True))["n"] or 0,
        "active_contributors_unique": contributors.aggregate(n=Count("contributor", distinct=True))[
            "n"
        ]
        or 0,
        "unique_attendees": links.aggregate(n=Count("person", distinct=True))["n"] or 0,
    }
    return _Live(year=year, rows=rows, uniques=counted)


def _active_rates(rows: dict[int, dict[str, Any]]) -> None:
    for row in rows.values():
        row["active_rate"] = ratio(row["active_contributors"], row["members"])


def programme_totals(
    communities: Iterable[dict[str, Any]], uniques: dict[str, int | None]
) -> dict[str, Any]:
    """The programme figures from community figures (sums) and unique figures (people).

    Used for live and frozen years alike, so that parts always add up to totals.
    """
    rows = list(communities)
    totals: dict[str, Any] = {"communities": len(rows)}
    by_stage = dict.fromkeys(STAGES, 0)
    by_type = dict.fromkeys(EVENT_TYPES, 0)
    for row in rows:
        by_stage[row["stage"]] = by_stage.get(row["stage"], 0) + 1
        for kind, n in row["events_by_type"].items():
            by_type[kind] = by_type.get(kind, 0) + n
    totals["communities_by_stage"] = by_stage
    totals["members_sum"] = sum(r["members"] for r in rows)
    for name in SUMMED_FIELDS:
        totals[name] = sum(r[name] for r in rows)
    totals["events_by_type"] = by_type
    for name in COUNTED_FLAGS:
        totals[name] = sum(1 for r in rows if r[name])
        totals[f"{name}_rate"] = ratio(totals[name], len(rows))
    totals["active_rate"] = ratio(totals["active_contributors"], totals["members_sum"])
    totals["objectives_met_rate"] = ratio(totals["objectives_met"], totals["objectives"])
    # A person who leads two communities counts in each (like members_sum); years closed
    # before letters existed carry no counts and read 0 holders, so no rate.
    for name in ("letter_holders", "letters_signed"):
        totals[name] = sum(r.get(name) or 0 for r in rows)
    totals["letters_signed_rate"] = ratio(totals["letters_signed"], totals["letter_holders"])
    for name in UNIQUE_FIELDS:
        totals[name] = uniques.get(name)
    return {name: totals.get(name) for name in PROGRAMME_FIELDS}


def _latest_snapshot(year: int) -> KpiSnapshot | None:
    return KpiSnapshot.objects.filter(year=year).order_by("-id").first()


def compute_kpis(
    year: int,
    *,
    community_ids: Collection[int] | None = None,
    business_unit: int | None = None,
    stage: str | None = None,
    tag: str | None = None,
    live: bool = False,
    now: dt.datetime | None = None,
) -> KpiResult:
    """The KPIs of a year for the programme and each community that counts in it.

    Filters narrow the communities (and the programme totals to them). A closed year is
    read from its latest snapshot unless `live=True` (what a recompute uses). `now` is the
    instant that separates held from future planned events (default: the current time).
    """
    scope = KpiScope(
        community_ids=frozenset(community_ids) if community_ids is not None else None,
        business_unit=business_unit,
        stage=stage or None,
        tag=tag or None,
    )
    snapshot = None if live else _latest_snapshot(year)
    if snapshot is not None:
        return _with_stories(_with_survey(_from_snapshot(snapshot, scope), scope))
    computed = _compute_live(year, scope, now)
    return _with_stories(
        _with_survey(
            KpiResult(
                year=year,
                programme=programme_totals(computed.rows.values(), dict(computed.uniques)),
                communities=list(computed.rows.values()),
            ),
            scope,
        )
    )


def _with_stories(result: KpiResult) -> KpiResult:
    """Add the story figures of kpis.md (level 3); sums become floats for JSON and charts.

    The programme counts each story once over the communities of the result (a filter
    narrows it to theirs), never by adding community figures.
    """
    from trellis.stories.selectors import empty_figures, published_in, story_kpis

    # Only communities with a published story of the year: one query, never an empty IN.
    slug_to_id = dict(
        Community.objects.filter(stories__in=published_in(result.year).order_by().values("pk"))
        .values_list("slug", "pk")
        .distinct()
    )
    shown = {slug_to_id[row["slug"]] for row in result.communities if row["slug"] in slug_to_id}
    figures = story_kpis(result.year, community_ids=shown)

    def plain(values: dict[str, Any]) -> dict[str, Any]:
        return {
            name: float(values[name]) if name.startswith("value_") else values[name]
            for name in STORY_FIELDS
        }

    for row in result.communities:
        row.update(plain(figures.get(slug_to_id.get(row["slug"], -1)) or empty_figures()))
    result.programme.update(plain(figures.get(None) or empty_figures()))
    return result


def _survey_fields(figures: dict[str, Any] | None) -> dict[str, Any]:
    if not figures:
        return dict.fromkeys(SURVEY_FIELDS)
    if figures.get("suppressed"):
        return dict.fromkeys(SURVEY_FIELDS, SUPPRESSED)
    return {name: figures.get(name) for name in SURVEY_FIELDS}


def _with_survey(result: KpiResult, scope: KpiScope) -> KpiResult:
    """Add the survey figures of kpis.md (level 2) to every row.

    The programme's survey figures are those of the whole programme: under a filter they
    are left empty, because a filtered total next to the visible groups could reveal a
    suppressed one by subtraction.
    """
    from trellis.surveys.selectors import survey_kpis

    survey = survey_kpis(result.year)
    slug_to_id = dict(
        Community.objects.filter(pk__in=list(survey["communities"])).values_list("slug", "pk")
    )
    for row in result.communities:
        row.update(_survey_fields(survey["communities"].get(slug_to_id.get(row["slug"], -1))))
    programme = survey["programme"] if scope.is_whole_programme else None
    result.programme.update(_survey_fields(programme))
    return result


# --- Frozen years ----------------------------------------------------------------------------


def _people_figures(
    year: int,
    rows: dict[int, dict[str, Any]],
    index: dict[int, dict[str, Any]],
    exclude_staff: bool,
    now: dt.datetime | None,
) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, int]]:
    """The figures counted over people, for a year's close: per community (members,
    sponsor and leader flags, active contributors, unique attendees, filled into `rows`),
    for the whole programme, and per business unit, tag and stage at the end of the year.

    A filtered view of a closed year cannot recount people from frozen community figures,
    so the close freezes the unique figures of each one-filter segment too. Each figure
    reads its people once, from the same querysets as the live figures, as one row per
    community (or space) carrying the list of ids (`IdList`): a few thousand rows instead
    of millions of pairs through Python. The unions are made here: one scan per figure
    instead of one join per figure and dimension. Returns (segments, programme unique
    figures).
    """
    start, end, _s, _e = year_bounds(year)
    ids = _ids(counting_communities(year))
    keys: dict[int, list[tuple[str, str]]] = {
        pk: [
            ("stage", row["stage"]),
            *(("business_unit", str(bu)) for bu in index[pk]["business_units"]),
            *(("tag", tag) for tag in index[pk]["tags"]),
        ]
        for pk, row in rows.items()
    }
    # (community, comma-separated ids) rows, programme field, community field
    sources: list[tuple[QuerySet[Any], str, str]] = [
        (
            _active_at_end(ids, end)
            .values("community")
            .annotate(
                who=IdList("person"),
                sponsors=Count("pk", filter=Q(role=Role.SPONSOR)),
                leaders=Count("pk", filter=Q(role__in=LEADER_ROLES)),
            )
            .values_list("community", "who", "sponsors", "leaders"),
            "members_unique",
            "members",
        ),
        (
            # Grouped by space, the order of the rollup's unique index: no sort needed.
            _contributors(ids, start, end, exclude_staff)
            .values("space", "space__community")
            .annotate(who=IdList("contributor", distinct=True))
            .values_list("space__community", "who"),
            "active_contributors_unique",
            "active_contributors",
        ),
        (
            _attendee_links(ids, year, now)
            .values("event__community")
            .annotate(who=IdList("person"))
            .values_list("event__community", "who"),
            "unique_attendees",
            "unique_attendees",
        ),
    ]
    segments: dict[str, dict[str, dict[str, int]]] = {"business_unit": {}, "tag": {}, "stage": {}}
    uniques: dict[str, int] = {}
    for lists, figure, field_name in sources:
        numbers: dict[int, list[int]] = defaultdict(list)
        for community, who, *roles in lists:
            numbers[community].extend(map(int, who.split(",")))
            if roles:  # members: sponsors and leaders in the same scan
                rows[community]["has_sponsor"] = roles[0] > 0
                rows[community]["has_leader"] = roles[1] > 0
        # Gather each segment's ids in one list and count them once: measured twice as
        # fast as growing a set per segment (whose unions touch large tables again and
        # again) and as fast as bitmaps, for much simpler code.
        gathered: dict[tuple[str, str], list[int]] = defaultdict(list)
        everyone: list[int] = []
        for community, found in numbers.items():
            rows[community][field_name] = len(set(found))
            everyone += found
            for key in keys[community]:
                gathered[key] += found
        for (dimension, value), found in gathered.items():
            segments[dimension].setdefault(value, {})[figure] = len(set(found))
        uniques[figure] = len(set(everyone))
    _active_rates(rows)
    return segments, uniques


def _monthly_rows(
    year: int, ids: QuerySet[Community, Any], exclude_staff: bool, *, by_community: bool
) -> Iterable[tuple[Any, ...]]:
    """(community?, "MM", posts, replies, reactions) per month of the year."""
    start, end, _s, _e = year_bounds(year)
    # The month as "MM" cut from the ISO date: native on SQLite and PostgreSQL, where
    # TruncMonth would call a Python function for every row on SQLite.
    month = Substr(Cast("day", output_field=CharField()), 6, 2)
    days = _messages_days(ids, start, end, exclude_staff).annotate(month=month)
    keys = ["space__community", "month"] if by_community else ["month"]
    return (
        days.values(*keys)
        .annotate(p=Sum("posts"), r=Sum("replies"), x=Sum("reactions"))
        .values_list(*keys, "p", "r", "x")
    )


def freeze_year(year: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything a closed year must answer later, as JSON-ready data.

    1. every community's figures that are counts and sums, computed as for an open year;
    2. each community's id, business units and tags, so filters apply as they stood;
    3. messages per month, per community, for the monthly chart;
    4. posts, replies and reactions added up from that monthly series, and the figures
       counted over people from one scan per figure over the same querysets as an open
       year's: per community, for the programme, and per business unit, tag and stage (so
       that one-filter views of the closed year keep their unique figures);
    5. the programme totals, and the settings the figures depended on.
    Tests check that a year closed unchanged reads back exactly as it computed live.
    """
    prog = ProgrammeSettings.load()
    computed = _compute_live(year, KpiScope(), now, people=False, activity=False)
    rows = computed.rows
    ids = _ids(counting_communities(year))
    by_pk: dict[int, dict[str, Any]] = {
        pk: {"id": pk, "business_units": [], "tags": []} for pk in rows
    }
    index = {row["slug"]: by_pk[pk] for pk, row in rows.items()}
    slug_of = {pk: row["slug"] for pk, row in rows.items()}
    for pk, bu in Community.business_units.through.objects.filter(community__in=ids).values_list(
        "community", "businessunit"
    ):
        by_pk[pk]["business_units"].append(bu)
    for pk, tag in Community.tags.through.objects.filter(community__in=ids).values_list(
        "community", "tag__name"
    ):
        by_pk[pk]["tags"].append(tag)
    monthly: dict[str, list[list[int]]] = {}
    for pk, month, posts, replies, reactions in _monthly_rows(
        year, ids, prog.exclude_staff_from_activity, by_community=True
    ):
        series = monthly.setdefault(slug_of[pk], [[0, 0] for _m in range(12)])
        series[_month_number(month) - 1] = [posts or 0, replies or 0]
        _add_activity(rows[pk], posts, replies, reactions)
    segments, uniques = _people_figures(year, rows, by_pk, prog.exclude_staff_from_activity, now)
    return {
        "version": SNAPSHOT_VERSION,
        "programme": programme_totals(rows.values(), dict(uniques)),
        "communities": list(rows.values()),
        "index": index,
        "segments": segments,
        "monthly": monthly,
        "settings": {
            "exclude_staff_from_activity": prog.exclude_staff_from_activity,
            "charter_approval_required": prog.charter_approval_required,
            "time_zone": settings.TIME_ZONE,
        },
    }


def _month_number(month: str) -> int:
    return int(month)


def _frozen_selection(data: dict[str, Any], scope: KpiScope) -> list[dict[str, Any]]:
    index = data["index"]
    selected = []
    for row in data["communities"]:
        entry = index[row["slug"]]
        if scope.community_ids is not None and entry["id"] not in scope.community_ids:
            continue
        if scope.business_unit is not None and scope.business_unit not in entry["business_units"]:
            continue
        if scope.stage and row["stage"] != scope.stage:
            continue
        if scope.tag and scope.tag not in entry["tags"]:
            continue
        selected.append(row)
    return selected


def _frozen_uniques(
    data: dict[str, Any], scope: KpiScope, selected: list[dict[str, Any]]
) -> dict[str, int | None]:
    """Unique figures of a frozen year for the scope, or None where they were not frozen."""
    if scope.is_whole_programme:
        return {name: data["programme"][name] for name in UNIQUE_FIELDS}
    if len(selected) == 1:
        row = selected[0]
        return {
            "members_unique": row["members"],
            "active_contributors_unique": row["active_contributors"],
            "unique_attendees": row["unique_attendees"],
        }
    if not selected:
        return dict.fromkeys(UNIQUE_FIELDS, 0)
    one_filter = [
        (name, key)
        for name, key in (
            ("business_unit", scope.business_unit),
            ("stage", scope.stage),
            ("tag", scope.tag),
        )
        if key is not None
    ]
    if scope.community_ids is None and len(one_filter) == 1:
        name, key = one_filter[0]
        segment = data["segments"][name].get(str(key), {})
        return {figure: segment.get(figure, 0) for figure in UNIQUE_FIELDS}
    return dict.fromkeys(UNIQUE_FIELDS)


def _from_snapshot(snapshot: KpiSnapshot, scope: KpiScope) -> KpiResult:
    data = snapshot.data
    selected = _frozen_selection(data, scope)
    uniques = _frozen_uniques(data, scope, selected)
    notes = []
    if any(v is None for v in uniques.values()):
        notes.append(
            _(
                "This year is closed: figures counted over people are frozen for the whole "
                "programme and for one filter at a time, not for this combination."
            )
        )
    programme = (
        dict(data["programme"]) if scope.is_whole_programme else programme_totals(selected, uniques)
    )
    return KpiResult(
        year=snapshot.year,
        programme=programme,
        communities=[dict(row) for row in selected],
        closed=True,
        closed_at=snapshot.closed_at,
        snapshot_id=snapshot.pk,
        notes=notes,
    )


# --- Series and comparisons -----------------------------------------------------------------


def monthly_activity(
    year: int,
    community_ids: Collection[int] | None = None,
    *,
    business_unit: int | None = None,
    stage: str | None = None,
    tag: str | None = None,
) -> list[dict[str, Any]]:
    """Posts, replies and messages per month of the year, over the communities in scope."""
    scope = KpiScope(
        community_ids=frozenset(community_ids) if community_ids is not None else None,
        business_unit=business_unit,
        stage=stage or None,
        tag=tag or None,
    )
    series = [[0, 0] for _m in range(12)]
    snapshot = _latest_snapshot(year)
    if snapshot is not None:
        monthly = snapshot.data["monthly"]
        for row in _frozen_selection(snapshot.data, scope):
            for i, (posts, replies) in enumerate(monthly.get(row["slug"], [])):
                series[i][0] += posts
                series[i][1] += replies
    else:
        exclude_staff = ProgrammeSettings.load().exclude_staff_from_activity
        ids = _ids(counting_communities(year, scope))
        for month, posts, replies, _x in _monthly_rows(
            year, ids, exclude_staff, by_community=False
        ):
            series[_month_number(month) - 1] = [posts or 0, replies or 0]
    return [
        {
            "month": dt.date(year, i + 1, 1),
            "posts": posts,
            "replies": replies,
            "messages": posts + replies,
        }
        for i, (posts, replies) in enumerate(series)
    ]


def _change(current: Any, previous: Any) -> dict[str, Any]:
    numeric = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (current, previous)
    )
    return {
        "value": current,
        "previous": previous,
        "change": current - previous if numeric else None,
    }


def compare_years(
    year: int,
    *,
    community_ids: Collection[int] | None = None,
    business_unit: int | None = None,
    stage: str | None = None,
    tag: str | None = None,
) -> dict[str, Any]:
    """Year-over-year: each figure of the year next to the previous year's, with the change.

    {"year", "previous_year", "programme": {field: {"value", "previous", "change"}},
     "communities": {slug: {field: {…}}}} — a community that did not count the previous
    year has `previous` None. `change` is None for anything that is not a number.
    """
    filters: dict[str, Any] = {
        "community_ids": community_ids,
        "business_unit": business_unit,
        "stage": stage,
        "tag": tag,
    }
    current = compute_kpis(year, **filters)
    previous = compute_kpis(year - 1, **filters)
    programme = {
        name: _change(current.programme[name], previous.programme[name])
        for name in PROGRAMME_FIELDS
        if not isinstance(current.programme[name], dict)
    }
    before = {row["slug"]: row for row in previous.communities}
    communities = {}
    for row in current.communities:
        old = before.get(row["slug"], {})
        communities[row["slug"]] = {
            name: _change(row[name], old.get(name))
            for name in COMMUNITY_FIELDS
            if name not in ("slug", "name", "stage") and not isinstance(row[name], dict)
        }
    return {
        "year": year,
        "previous_year": year - 1,
        "programme": programme,
        "communities": communities,
    }


# --- Closed years ----------------------------------------------------------------------------


def kpi_years() -> list[dict[str, Any]]:
    """Years that have figures (from the first launch to the open year), newest first,
    with their latest snapshot when closed."""
    first = (
        Community.objects.filter(launched__isnull=False)
        .order_by("launched")
        .values_list("launched", flat=True)
        .first()
    )
    current = open_year()
    snapshots: dict[int, KpiSnapshot] = {}
    for snapshot in KpiSnapshot.objects.select_related("closed_by").order_by("year", "id"):
        snapshots[snapshot.year] = snapshot  # the last one of each year wins
    first_year = min([first.year if first else current, *snapshots.keys()])
    return [
        {
            "year": year,
            "snapshot": snapshots.get(year),
            "is_open": year >= current,
            "closable": year < current and year not in snapshots,
        }
        for year in range(current, first_year - 1, -1)
    ]


def snapshot_history(year: int) -> list[KpiSnapshot]:
    return list(KpiSnapshot.objects.filter(year=year).select_related("closed_by").order_by("-id"))
