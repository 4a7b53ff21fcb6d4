"""An independent oracle for the yearly KPIs: guide/kpis.md, recomputed from raw data.

Nothing here imports Trellis. The raw programme is plain Python lists (people, communities,
memberships, ESN spaces, authors and aliases, messages, events, charters, objectives), the
way an export and a spreadsheet would give them; `oracle_kpis` applies the definitions of
kpis.md to them directly, message by message and membership by membership. The tests load
the same raw programme into Trellis and require the two to agree on every figure.

`generate_programme` builds random programmes that concentrate on the cases that go wrong:
instants around midnight on 1 January in a non-UTC zone, memberships that end on
31 December, deleted/private/system messages, people in several communities, authors that
resolve only through the alias map, staff authors, communities launched or closed around
the year, events planned/held/cancelled around the year's edges.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

# kpis.md "Survey (level 2)": the fields every row carries.
SURVEY_FIELDS = ("respondents", "response_rate", "engagement_score", "value_score", "nps")
# kpis.md "Value (level 3)": generated programmes have no stories (tests/test_stories*.py
# check those figures against their own oracle).
NO_STORIES = {"stories": 0, "stories_quantified": 0, "value_hours": 0.0, "value_amount": 0.0}

STAGES = ["proposed", "incubating", "active", "dormant", "closed"]
EVENT_TYPES = ["webinar", "meeting", "workshop", "conference", "other"]
ROLES = ["leader", "co-leader", "core team", "member", "sponsor"]
SOURCES = ["viva-engage", "slack"]


@dataclass
class RawPerson:
    id: int
    name: str
    email: str
    staff: bool = False


@dataclass
class RawCommunity:
    id: int
    slug: str
    name: str
    stage: str  # current stage
    launched: dt.date | None
    closed: dt.date | None
    history: list[tuple[dt.date, str]]  # (on, stage), in order
    business_units: list[int]
    tags: list[str]


@dataclass
class RawMembership:
    person: int
    community: int
    role: str
    joined: dt.date
    left: dt.date | None


@dataclass
class RawSpace:
    source: str
    external_id: str
    community: int | None  # None: unmapped


@dataclass
class RawAuthor:
    source: str
    external_id: str
    email: str


@dataclass
class RawAlias:
    source: str  # "" = any source
    key: str  # an e-mail (lower case) or an ESN user id
    person: int


@dataclass
class RawMessage:
    source: str
    id: str
    space: str  # external id of the space in the same source
    author: str  # external id of the author in the same source
    created_at: dt.datetime  # aware
    is_post: bool
    reactions: int
    deleted: bool = False
    private: bool = False  # private conversation / direct message
    system: bool = False


@dataclass
class RawEvent:
    community: int
    type: str
    title: str
    start: dt.datetime  # aware
    status: str
    attendee_count: int | None
    attendees: list[int]


@dataclass
class RawCharter:
    community: int
    year: int
    version: int
    approved_on: dt.date | None
    created_at: dt.datetime  # aware


@dataclass
class RawObjective:
    community: int
    year: int
    title: str
    status: str


@dataclass
class RawProgramme:
    tz: str
    exclude_staff: bool
    approval_required: bool
    business_units: dict[int, str] = field(default_factory=dict)
    people: list[RawPerson] = field(default_factory=list)
    communities: list[RawCommunity] = field(default_factory=list)
    memberships: list[RawMembership] = field(default_factory=list)
    spaces: list[RawSpace] = field(default_factory=list)
    authors: list[RawAuthor] = field(default_factory=list)
    aliases: list[RawAlias] = field(default_factory=list)
    messages: list[RawMessage] = field(default_factory=list)
    events: list[RawEvent] = field(default_factory=list)
    charters: list[RawCharter] = field(default_factory=list)
    objectives: list[RawObjective] = field(default_factory=list)


# --- The definitions ---------------------------------------------------------------------


def _counts_in(c: RawCommunity, year: int) -> bool:
    return (
        c.launched is not None
        and c.launched <= dt.date(year, 12, 31)
        and not (c.closed is not None and c.closed < dt.date(year, 1, 1))
    )


def _stage_at_end(c: RawCommunity, year: int) -> str:
    stage = None
    for on, s in sorted(c.history, key=lambda h: h[0]):  # stable: same-day keeps order
        if on <= dt.date(year, 12, 31):
            stage = s
    return stage if stage is not None else c.stage


def _active(m: RawMembership, day: dt.date) -> bool:
    return m.joined <= day and (m.left is None or m.left > day)


def resolve(raw: RawProgramme, source: str, author_id: str) -> tuple[Any, ...]:
    """The identity an author counts as: ("person", id) or ("esn", source, user id)."""
    author = next(a for a in raw.authors if a.source == source and a.external_id == author_id)
    email = author.email.strip().lower()
    if email:
        for p in raw.people:
            if p.email.lower() == email:
                return ("person", p.id)
    for alias in raw.aliases:
        if alias.source not in ("", source):
            continue
        if (email and alias.key == email) or alias.key == author_id:
            return ("person", alias.person)
    return ("esn", source, author_id)


def _is_staff(raw: RawProgramme, identity: tuple[Any, ...]) -> bool:
    if identity[0] != "person":
        return False
    return next(p for p in raw.people if p.id == identity[1]).staff


def _rate(a: int, b: int) -> float | None:
    return a / b if b else None


def oracle_kpis(
    raw: RawProgramme,
    year: int,
    now: dt.datetime,
    *,
    community_ids: set[int] | None = None,
    business_unit: int | None = None,
    stage: str | None = None,
    tag: str | None = None,
) -> dict[str, Any]:
    tz = zoneinfo.ZoneInfo(raw.tz)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    scope = []
    for c in raw.communities:
        if not _counts_in(c, year):
            continue
        if community_ids is not None and c.id not in community_ids:
            continue
        if business_unit is not None and business_unit not in c.business_units:
            continue
        if stage and _stage_at_end(c, year) != stage:
            continue
        if tag and tag not in c.tags:
            continue
        scope.append(c)
    in_scope = {c.id for c in scope}
    space_community = {(s.source, s.external_id): s.community for s in raw.spaces}

    # Messages that count, with the community and identity of their author.
    counted: list[tuple[int, RawMessage, tuple[Any, ...]]] = []
    for m in raw.messages:
        if m.deleted or m.private or m.system:
            continue
        community = space_community.get((m.source, m.space))
        if community not in in_scope:
            continue
        if m.created_at.astimezone(tz).year != year:
            continue
        identity = resolve(raw, m.source, m.author)
        if raw.exclude_staff and _is_staff(raw, identity):
            continue
        assert community is not None
        counted.append((community, m, identity))

    def held(e: RawEvent) -> bool:
        if e.start.astimezone(tz).year != year:
            return False
        return e.status == "held" or (e.status == "planned" and e.start <= now)

    rows = []
    all_members: set[int] = set()
    all_contributors: set[tuple[Any, ...]] = set()
    all_attendees: set[int] = set()
    for c in sorted(scope, key=lambda c: (c.name, c.slug)):
        active = [m for m in raw.memberships if m.community == c.id and _active(m, last)]
        members = {m.person for m in active}
        all_members |= members
        new = {
            m.person for m in raw.memberships if m.community == c.id and first <= m.joined <= last
        }
        mine = [(m, who) for cid, m, who in counted if cid == c.id]
        posts = sum(1 for m, _w in mine if m.is_post)
        replies = sum(1 for m, _w in mine if not m.is_post)
        contributors = {who for _m, who in mine}
        all_contributors |= contributors
        events = [e for e in raw.events if e.community == c.id and held(e)]
        by_type = dict.fromkeys(EVENT_TYPES, 0)
        for e in events:
            by_type[e.type] += 1
        attendees = {p for e in events for p in e.attendees}
        all_attendees |= attendees
        objectives = [o for o in raw.objectives if o.community == c.id and o.year == year]
        met = sum(1 for o in objectives if o.status == "met")
        holders = {m.person for m in active if m.role in ("leader", "co-leader", "core team")}

        def updated(v: RawCharter, c: RawCommunity = c) -> bool:
            if v.community != c.id or v.year != year:
                return False
            if raw.approval_required:
                return v.approved_on is not None and first <= v.approved_on <= last
            return v.created_at.astimezone(tz).year == year

        rows.append(
            {
                "slug": c.slug,
                "name": c.name,
                "stage": _stage_at_end(c, year),
                "members": len(members),
                "new_members": len(new),
                "posts": posts,
                "replies": replies,
                "messages": posts + replies,
                "reactions": sum(m.reactions for m, _w in mine),
                "active_contributors": len(contributors),
                "active_rate": _rate(len(contributors), len(members)),
                "events": len(events),
                "events_by_type": by_type,
                "webinars": by_type["webinar"],
                "attendance": sum(
                    e.attendee_count if e.attendee_count is not None else len(e.attendees)
                    for e in events
                ),
                "unique_attendees": len(attendees),
                "charter_updated": bool(objectives) and any(updated(v) for v in raw.charters),
                "objectives": len(objectives),
                "objectives_met": met,
                "objectives_met_rate": _rate(met, len(objectives)),
                "has_sponsor": any(m.role == "sponsor" for m in active),
                "has_leader": any(m.role in ("leader", "co-leader") for m in active),
                # Generated programmes have no engagement letters (tests/test_letters.py
                # checks signed ones): every holder counts, none signed.
                "letter_holders": len(holders),
                "letters_signed": 0,
                "letters_signed_rate": _rate(0, len(holders)),
                # No published survey in generated programmes: no level-2 figures.
                **dict.fromkeys(SURVEY_FIELDS),
                **NO_STORIES,
            }
        )

    def total(name: str) -> int:
        return sum(r[name] for r in rows)

    def flags(name: str) -> int:
        return sum(1 for r in rows if r[name])

    by_stage = dict.fromkeys(STAGES, 0)
    for r in rows:
        by_stage[r["stage"]] += 1
    by_type = {t: sum(r["events_by_type"][t] for r in rows) for t in EVENT_TYPES}
    programme = {
        "communities": len(rows),
        "communities_by_stage": by_stage,
        "members_sum": total("members"),
        "members_unique": len(all_members),
        "new_members": total("new_members"),
        "posts": total("posts"),
        "replies": total("replies"),
        "messages": total("messages"),
        "reactions": total("reactions"),
        "active_contributors": total("active_contributors"),
        "active_contributors_unique": len(all_contributors),
        "active_rate": _rate(total("active_contributors"), total("members")),
        "events": total("events"),
        "events_by_type": by_type,
        "webinars": total("webinars"),
        "attendance": total("attendance"),
        "unique_attendees": len(all_attendees),
        "charter_updated": flags("charter_updated"),
        "charter_updated_rate": _rate(flags("charter_updated"), len(rows)),
        "objectives": total("objectives"),
        "objectives_met": total("objectives_met"),
        "objectives_met_rate": _rate(total("objectives_met"), total("objectives")),
        "has_sponsor": flags("has_sponsor"),
        "has_sponsor_rate": _rate(flags("has_sponsor"), len(rows)),
        "has_leader": flags("has_leader"),
        "has_leader_rate": _rate(flags("has_leader"), len(rows)),
        "letter_holders": total("letter_holders"),
        "letters_signed": total("letters_signed"),
        "letters_signed_rate": _rate(total("letters_signed"), total("letter_holders")),
        **dict.fromkeys(SURVEY_FIELDS),
        **NO_STORIES,
    }
    monthly = [[0, 0] for _m in range(12)]
    for _cid, m, _w in counted:
        month = m.created_at.astimezone(tz).month
        monthly[month - 1][0 if m.is_post else 1] += 1
    return {
        "year": year,
        "programme": programme,
        "communities": rows,
        "monthly": [
            {"month": dt.date(year, i + 1, 1), "posts": p, "replies": r, "messages": p + r}
            for i, (p, r) in enumerate(monthly)
        ],
    }


# --- Random programmes ---------------------------------------------------------------------


def _edge_day(rng: random.Random, year: int) -> dt.date:
    """A day, often on the edges of `year` (31 December, 1 January)."""
    edges = [
        dt.date(year - 1, 12, 31),
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        dt.date(year + 1, 1, 1),
    ]
    if rng.random() < 0.35:
        return rng.choice(edges)
    return dt.date(year - 1, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))


def _edge_instant(rng: random.Random, year: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """An instant, often within hours of local midnight on 1 January (UTC sees another day)."""
    if rng.random() < 0.4:
        midnight = dt.datetime(rng.choice([year, year + 1]), 1, 1, tzinfo=tz)
        if rng.random() < 0.25:
            return midnight.astimezone(dt.UTC)  # exactly the first instant of a year
        return (midnight + dt.timedelta(minutes=rng.randint(-14 * 60, 14 * 60))).astimezone(dt.UTC)
    day = _edge_day(rng, year)
    return dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tz).astimezone(
        dt.UTC
    )


def generate_programme(
    seed: int,
    *,
    year: int = 2024,
    communities: int = 8,
    people: int = 30,
    messages: int = 250,
    tz: str | None = None,
) -> RawProgramme:
    rng = random.Random(seed)
    zone = tz or rng.choice(["Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"])
    tzinfo = zoneinfo.ZoneInfo(zone)
    raw = RawProgramme(
        tz=zone, exclude_staff=rng.random() < 0.5, approval_required=rng.random() < 0.6
    )
    raw.business_units = {1: "Operations", 2: "IT", 3: "Finance"}
    for i in range(1, people + 1):
        raw.people.append(
            RawPerson(i, f"Person {i}", f"person{i}@example.com", staff=rng.random() < 0.15)
        )
    tags = ["safety", "cloud", "data", "lean"]
    for i in range(1, communities + 1):
        launched: dt.date | None = _edge_day(rng, year) if rng.random() < 0.85 else None
        closed = None
        history: list[tuple[dt.date, str]] = [(dt.date(year - 2, 3, 1), "proposed")]
        if launched is not None:
            history.append((launched - dt.timedelta(days=30), "incubating"))
            history.append((launched, "active"))
            if rng.random() < 0.25:
                history.append((launched + dt.timedelta(days=rng.randrange(400)), "dormant"))
            if rng.random() < 0.3:
                closed = max(launched, _edge_day(rng, year))
                history.append((closed, "closed"))
        elif rng.random() < 0.5:
            history.append((dt.date(year - 1, 5, 1), "incubating"))
        history.sort(key=lambda h: h[0])
        raw.communities.append(
            RawCommunity(
                id=i,
                slug=f"c{i}",
                name=f"Community {rng.randrange(100):02d} {i}",
                stage=history[-1][1],
                launched=launched,
                closed=closed,
                history=history,
                business_units=rng.sample([1, 2, 3], rng.randint(0, 2)),
                tags=rng.sample(tags, rng.randint(0, 2)),
            )
        )
    # Memberships: several per pair over time, never two open at once.
    for person in raw.people:
        for c in rng.sample(raw.communities, rng.randint(0, min(4, len(raw.communities)))):
            day = _edge_day(rng, year) - dt.timedelta(days=rng.randrange(200))
            for _n in range(rng.choice([1, 1, 1, 2])):
                left: dt.date | None = None
                if rng.random() < 0.45:
                    left = max(day, _edge_day(rng, year))
                role = rng.choice(ROLES)
                raw.memberships.append(RawMembership(person.id, c.id, role, day, left))
                if left is None:
                    break
                day = left + dt.timedelta(days=rng.randrange(0, 40))
    # Spaces: most mapped, a few not.
    for c in raw.communities:
        for k in range(rng.randint(0, 2)):
            raw.spaces.append(RawSpace(rng.choice(SOURCES), f"g{c.id}-{k}", c.id))
    raw.spaces.append(RawSpace("viva-engage", "unmapped-1", None))
    raw.spaces.append(RawSpace("slack", "unmapped-2", None))
    # Authors: by e-mail (any case), by alias (e-mail key or ESN id), or unresolved.
    for source in SOURCES:
        for person in raw.people:
            kind = rng.random()
            author_id = f"{source[:2]}-{person.id}"
            if kind < 0.5:
                email = person.email.upper() if rng.random() < 0.3 else person.email
                raw.authors.append(RawAuthor(source, author_id, email))
            elif kind < 0.7:
                other = f"old.{source[:2]}.{person.id}@legacy.example.org"
                raw.authors.append(RawAuthor(source, author_id, other.upper()))
                raw.aliases.append(RawAlias(rng.choice(["", source]), other, person.id))
            elif kind < 0.85:
                raw.authors.append(RawAuthor(source, author_id, ""))
                raw.aliases.append(RawAlias(source, author_id, person.id))
        for k in range(4):
            raw.authors.append(RawAuthor(source, f"{source[:2]}-ext{k}", f"ext{k}@partner.example"))
    space_keys = [(s.source, s.external_id) for s in raw.spaces]
    for n in range(messages):
        source, space = rng.choice(space_keys)
        author = rng.choice([a for a in raw.authors if a.source == source])
        raw.messages.append(
            RawMessage(
                source=source,
                id=f"m{n}",
                space=space,
                author=author.external_id,
                created_at=_edge_instant(rng, year, tzinfo),
                is_post=rng.random() < 0.4,
                # The Viva Engage export has no reactions (kpis.md: 0 there).
                reactions=0 if source == "viva-engage" else rng.choice([0, 0, 1, 2, 5]),
                deleted=rng.random() < 0.06,
                private=rng.random() < 0.06,
                system=rng.random() < 0.05,
            )
        )
    for c in raw.communities:
        for k in range(rng.randint(0, 8)):
            attendees = rng.sample([p.id for p in raw.people], rng.randint(0, 6))
            raw.events.append(
                RawEvent(
                    community=c.id,
                    type=rng.choice(EVENT_TYPES),
                    title=f"Event {c.id}-{k}",
                    start=_edge_instant(rng, year, tzinfo),
                    status=rng.choice(["planned", "held", "held", "cancelled"]),
                    attendee_count=rng.choice([None, rng.randint(0, 80)]),
                    attendees=attendees,
                )
            )
        for y in (year - 1, year, year + 1):
            for v in range(1, rng.randint(1, 3)):
                approved = None
                if rng.random() < 0.7:
                    approved = rng.choice([_edge_day(rng, y), dt.date(y, rng.randint(1, 12), 10)])
                raw.charters.append(
                    RawCharter(c.id, y, v, approved, _edge_instant(rng, year, tzinfo))
                )
            for k in range(rng.randint(0, 3)):
                status = rng.choice(["planned", "on track", "at risk", "met", "missed"])
                raw.objectives.append(RawObjective(c.id, y, f"Objective {k}", status))
    return raw
