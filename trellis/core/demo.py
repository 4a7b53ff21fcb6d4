"""The demo programme behind `trellis seed-demo` and `trellis demo`.

Determinism: every random choice comes from `random.Random` instances seeded from the
`seed` argument (one per section, and one per community so that a community's rows do not
depend on how the work is chunked), and every date is computed from the `today` argument.
The same (scale, seed, today) always gives the same rows. The commands default `today` to
the current date, so the demo always shows "this year"; tests pass a fixed date.

How it writes (guide/architecture.md, heavy data paths), in one transaction:
1. people are generated and inserted chunk by chunk with `bulk_create`; primary keys are
   assigned here, so managers and memberships point at people without reading them back;
2. communities, their tags, business units, stage history and ESN spaces, in bulk;
3. memberships, charter versions and objectives, generated community by community and
   flushed every FLUSH rows, so memory stays bounded at `enterprise` scale;
4. on PostgreSQL the id sequences are moved past the keys assigned in step 1;
5. one audit entry, `demo.seed`, summarises the job (bulk paths write one entry per job).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.auth.models import Group, User
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    Role,
    SpaceLink,
    Stage,
    StageChange,
    Tag,
)
from trellis.core import demo_data as data
from trellis.core.access import PROGRAMME_OFFICE_GROUP
from trellis.core.audit import audit_record
from trellis.people.models import BusinessUnit, Person

DEMO_PASSWORD = "trellis-demo"  # noqa: S105 - public on purpose: printed for the demo logins
EMAIL_DOMAIN = "example.com"
BATCH_SIZE = 2000  # rows per INSERT statement (Django splits further on SQLite's limit)
FLUSH = 20_000  # rows held in memory before they are written
PEOPLE_CHUNK = 10_000

PARTICIPATION = 0.72  # share of active employees who join at least one community
CONNECTOR_SHARE = 0.12  # participants who join many communities (the overlaps)
CONNECTOR_SEATS = 0.25  # share of a community's members drawn from the connectors
INACTIVE = 0.03  # people who left the company
COMMUNITY_CAP = 0.6  # a community holds at most this share of the participants


@dataclass(frozen=True)
class Scale:
    name: str
    communities: int
    people: int
    memberships: int


SCALES = {
    "small": Scale("small", 30, 1_500, 4_500),
    "large": Scale("large", 500, 50_000, 250_000),
    "enterprise": Scale("enterprise", 5_000, 200_000, 1_000_000),
}


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    job_title: str
    business_unit: str
    country: str
    site: str
    language: str
    summary: str  # marked with gettext_noop, translated when printed

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


PERSONAS = (
    Persona(
        "office",
        "Camille",
        "Laurent",
        "Programme office manager",
        "HR",
        "France",
        "Rueil-Malmaison",
        "fr",
        gettext_noop("Programme office: sees and edits everything, opens the Django admin."),
    ),
    Persona(
        "sponsor",
        "Philippe",
        "Moreau",
        "Executive vice-president",
        "Industrial Automation",
        "France",
        "Grenoble",
        "fr",
        gettext_noop("Sponsor of three communities; a charter is waiting for approval."),
    ),
    Persona(
        "leader",
        "Sarah",
        "Thompson",
        "Principal engineer",
        "Supply Chain",
        "United States",
        "Boston",
        "en",
        gettext_noop("Leads a community: edits its charter, objectives and members."),
    ),
    Persona(
        "member",
        "Lucas",
        "Bernard",
        "Field service engineer",
        "Field Services",
        "France",
        "Lyon",
        "fr",
        gettext_noop("Member of two communities."),
    ),
    Persona(
        "employee",
        "Emma",
        "Wilson",
        "Financial controller",
        "Finance",
        "United Kingdom",
        "London",
        "en",
        gettext_noop("An employee in no community yet: browses the catalogue and joins."),
    ),
)
PERSONA_USERNAMES = tuple(p.username for p in PERSONAS)


class DatabaseNotEmptyError(Exception):
    """Seeding would mix demo rows with real ones."""


@dataclass
class SeedReport:
    scale: str
    seed: int
    today: dt.date
    counts: dict[str, int]
    deleted: dict[str, int]
    seconds: float


# --- helpers --------------------------------------------------------------------------


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A day in [lo, hi]; lo when the range is empty."""
    span = (hi - lo).days
    return lo if span <= 0 else lo + dt.timedelta(days=rng.randint(0, span))


def _at(day: dt.date, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=minute)


@contextmanager
def _explicit_timestamps(*fields: tuple[type[models.Model], str]) -> Iterator[None]:
    """Let bulk_create write the dates we give instead of "now" (auto_now/auto_now_add).

    The demo's history (stage changes, charter versions) must carry past dates. Only the
    seeding process changes these flags, before the web server starts.
    """
    found = [cast(models.DateField, model._meta.get_field(name)) for model, name in fields]
    saved = [(f, f.auto_now, f.auto_now_add) for f in found]
    try:
        for f in found:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _Writer:
    """Buffers rows per model and writes them with bulk_create every FLUSH rows."""

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[models.Model]] = {}
        self.counts: dict[str, int] = {}

    def add(self, obj: models.Model) -> None:
        model = type(obj)
        bucket = self.rows.setdefault(model, [])
        bucket.append(obj)
        if len(bucket) >= FLUSH:
            self.flush(model)

    def flush(self, model: type[models.Model] | None = None) -> None:
        for m in [model] if model else list(self.rows):
            bucket = self.rows.get(m) or []
            if bucket:
                m._default_manager.bulk_create(bucket, batch_size=BATCH_SIZE)
                key = m._meta.label_lower
                self.counts[key] = self.counts.get(key, 0) + len(bucket)
            self.rows[m] = []


# --- emptiness and reset -----------------------------------------------------------------


def is_empty() -> bool:
    return not (
        Community.objects.exists()
        or Person.objects.exists()
        or Membership.objects.exists()
        or User.objects.filter(username__in=PERSONA_USERNAMES).exists()
    )


def _delete_in_chunks(qs: models.QuerySet[Any]) -> int:
    deleted = 0
    while True:
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[:5000])
        if not ids:
            return deleted
        qs.model._default_manager.filter(pk__in=ids).delete()
        deleted += len(ids)


def wipe() -> dict[str, int]:
    """Delete the programme's data (communities, people, labels, the personas' logins).

    Rows of other apps that hang on communities or people go with them (CASCADE). The
    audit trail is kept.
    """
    deleted = {"memberships": Membership.objects.count()}
    Membership.objects.all().delete()
    deleted["communities"] = _delete_in_chunks(Community.objects.all())
    deleted["tags"] = Tag.objects.all().delete()[0]
    Person.objects.exclude(manager=None).update(manager=None)
    deleted["people"] = _delete_in_chunks(Person.objects.all())
    deleted["business_units"] = BusinessUnit.objects.all().delete()[0]
    logins = User.objects.filter(username__in=PERSONA_USERNAMES)
    deleted["users"] = logins.count()
    logins.delete()
    return deleted


# --- people --------------------------------------------------------------------------------


@dataclass
class _People:
    base: int  # primary key of person index 0
    count: int  # generated people (the personas come after them)
    execs: list[int] = field(default_factory=list)  # person pks of the sponsors
    managers: int = 0  # indexes [0, managers) are managers
    connectors: list[int] = field(default_factory=list)
    regulars: list[int] = field(default_factory=list)
    leavers: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)

    def persona_pk(self, username: str) -> int:
        return self.base + self.count + PERSONA_USERNAMES.index(username)


class _Emails:
    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def make(self, first: str, last: str) -> str:
        local = f"{_ascii(first)}.{_ascii(last)}"
        n = self.seen.get(local, 0) + 1
        self.seen[local] = n
        return f"{local}{n if n > 1 else ''}@{EMAIL_DOMAIN}"


def _create_people(
    seed: int, scale: Scale, bu_ids: dict[str, int], users: dict[str, User]
) -> _People:
    rng = random.Random(f"{seed}/people")
    count = scale.people - len(PERSONAS)
    base = (Person.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    execs = max(5, math.ceil(scale.communities / 3))
    people = _People(base=base, count=count, managers=max(execs + 1, count // 12))
    people.execs = [base + i for i in range(execs)]
    emails = _Emails()
    for persona in PERSONAS:  # the personas' addresses are taken first
        emails.make(persona.first_name, persona.last_name)
    staff = set(
        random.Random(f"{seed}/staff").sample(range(people.managers, count), max(3, count // 400))
    )
    cum_weights = []
    total = 0
    for site in data.SITES:
        total += site.weight
        cum_weights.append(total)
    batch: list[Person] = []
    for i in range(count):
        site = rng.choices(data.SITES, cum_weights=cum_weights)[0]
        french = rng.random() < site.french_share
        first = rng.choice(data.FIRST_NAMES_FR if french else data.FIRST_NAMES_EN)
        last = rng.choice(data.LAST_NAMES_FR if french else data.LAST_NAMES_EN)
        if i < execs:
            bu = data.BUSINESS_UNITS[i % len(data.BUSINESS_UNITS)]
            title = "Chief executive officer" if i == 0 else f"Executive vice-president, {bu}"
            manager = None if i == 0 else 0
        elif i < people.managers:
            bu = rng.choice(data.BUSINESS_UNITS)
            title = rng.choice((f"Head of {bu}", f"Director, {bu}", f"{bu} manager"))
            manager = rng.randrange(0, execs)
        else:
            bu = rng.choice(data.BUSINESS_UNITS)
            title = rng.choice(data.JOB_TITLES[bu])
            manager = rng.randrange(execs, people.managers)
        roll = rng.random()
        if french:
            language = "fr" if roll < 0.85 else ("en" if roll < 0.95 else "")
        else:
            language = "en" if roll < 0.85 else ("fr" if roll < 0.90 else "")
        active = i < execs or i in staff or rng.random() >= INACTIVE
        pk = base + i
        if not active:
            people.leavers.append(pk)
        elif i >= execs and (i in staff or rng.random() < PARTICIPATION):
            pool = people.connectors if rng.random() < CONNECTOR_SHARE else people.regulars
            pool.append(pk)
            if i in staff:
                people.staff.append(pk)
        batch.append(
            Person(
                id=pk,
                name=f"{first} {last}",
                email=emails.make(first, last),
                employee_id=f"E{i + 1:06d}",
                business_unit_id=bu_ids[bu],
                country=site.country,
                site=site.site,
                job_title=title,
                manager_id=None if manager is None else base + manager,
                language=language,
                is_active=active,
                is_programme_staff=i in staff,
            )
        )
        if len(batch) >= PEOPLE_CHUNK:
            Person.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            batch = []
    hr_exec = data.BUSINESS_UNITS.index("HR")
    for j, persona in enumerate(PERSONAS):
        if persona.username == "office":
            manager = hr_exec if hr_exec < execs else 0
        elif persona.username == "sponsor":
            manager = 0
        else:
            manager = rng.randrange(execs, people.managers)
        batch.append(
            Person(
                id=base + count + j,
                name=persona.name,
                email=f"{_ascii(persona.first_name)}.{_ascii(persona.last_name)}@{EMAIL_DOMAIN}",
                employee_id=f"D{j + 1:06d}",
                business_unit_id=bu_ids[persona.business_unit],
                country=persona.country,
                site=persona.site,
                job_title=persona.job_title,
                manager_id=base + manager,
                language=persona.language,
                is_programme_staff=persona.username == "office",
                user=users[persona.username],
            )
        )
    Person.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    return people


def _create_users() -> dict[str, User]:
    """The personas' logins. One password for all, printed by the commands.

    `set_password` hashes it; the password validators are for people choosing their own.
    """
    users: dict[str, User] = {}
    office_group, _created = Group.objects.get_or_create(name=PROGRAMME_OFFICE_GROUP)
    for persona in PERSONAS:
        user = User(
            username=persona.username,
            first_name=persona.first_name,
            last_name=persona.last_name,
            email=f"{_ascii(persona.first_name)}.{_ascii(persona.last_name)}@{EMAIL_DOMAIN}",
            is_staff=persona.username == "office",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        if persona.username == "office":
            user.groups.add(office_group)
        users[persona.username] = user
    return users


# --- communities ------------------------------------------------------------------------------


@dataclass
class _Plan:
    index: int
    pk: int
    craft: data.Craft
    name: str
    slug: str
    languages: str
    tags: list[str]
    business_units: list[str]
    description: str
    stage: str
    proposed: dt.date
    incubating: dt.date | None = None
    launched: dt.date | None = None
    dormant: dt.date | None = None
    closed: dt.date | None = None
    rows: int = 0
    sponsor: int | None = None
    persona_leader: int | None = None
    persona_members: list[int] = field(default_factory=list)
    charter_pending: bool = False
    charter_author: int | None = None

    @property
    def language(self) -> str:
        return self.craft.language

    @property
    def start(self) -> dt.date:
        return self.incubating or self.proposed

    @property
    def launch(self) -> dt.date:
        return self.launched or self.start

    def last_day(self, today: dt.date) -> dt.date:
        """Last day anyone joins: the day before it fell dormant or closed, else today."""
        end = self.dormant or self.closed
        return max(self.launch, end - dt.timedelta(days=1)) if end else today

    def history(self) -> list[tuple[str, dt.date]]:
        steps = [
            (Stage.PROPOSED, self.proposed),
            (Stage.INCUBATING, self.incubating),
            (Stage.ACTIVE, self.launched),
            (Stage.DORMANT, self.dormant),
            (Stage.CLOSED, self.closed),
        ]
        return [(str(stage), day) for stage, day in steps if day is not None]


def _names(rng: random.Random, n: int) -> list[tuple[data.Craft, str, str | None]]:
    """n distinct community names: crafts, then crafts by region, then with a qualifier."""
    plain = [(c, c.name, None) for c in data.CRAFTS]
    regional = [(c, f"{c.name} — {r}", r) for c in data.CRAFTS for r in data.REGIONS]
    qualified = []
    for c in data.CRAFTS:
        for q_en, q_fr in zip(data.QUALIFIERS_EN, data.QUALIFIERS_FR, strict=True):
            for r in data.REGIONS:
                label = (
                    f"{c.name} {q_en}"
                    if c.language == "en"
                    else f"{q_fr} {c.name[0].lower()}{c.name[1:]}"
                )
                qualified.append((c, f"{label} — {r}", r))
    chosen: list[tuple[data.Craft, str, str | None]] = []
    for tier in (plain, regional, qualified):
        need = n - len(chosen)
        if need <= 0:
            break
        chosen.extend(tier if need >= len(tier) else rng.sample(tier, need))
    if len(chosen) < n:
        raise ValueError(f"at most {len(chosen)} demo communities")
    rng.shuffle(chosen)
    return chosen


def _stages(rng: random.Random, n: int) -> list[str]:
    shares = {Stage.PROPOSED: 0.06, Stage.INCUBATING: 0.06, Stage.DORMANT: 0.09, Stage.CLOSED: 0.09}
    counts = {stage: max(1, round(n * share)) for stage, share in shares.items()}
    stages = [str(s) for s, k in counts.items() for _ in range(k)]
    stages += [str(Stage.ACTIVE)] * (n - len(stages))
    rng.shuffle(stages)
    return stages


def _dates(rng: random.Random, plan: _Plan, today: dt.date) -> None:
    def before(day: dt.date, lo: int, hi: int) -> dt.date:
        return day - dt.timedelta(days=rng.randint(lo, hi))

    stage = plan.stage
    if stage == Stage.PROPOSED:
        plan.proposed = before(today, 3, 150)
        return
    if stage == Stage.INCUBATING:
        plan.incubating = before(today, 15, 300)
        plan.proposed = before(plan.incubating, 20, 150)
        return
    if stage == Stage.ACTIVE:
        plan.launched = before(today, 45, 7 * 365)
    else:
        plan.launched = before(today, 2 * 365, 8 * 365)
    plan.incubating = before(plan.launched, 60, 240)
    plan.proposed = before(plan.incubating, 20, 120)
    lived = (today - plan.launched).days
    if stage == Stage.DORMANT:
        plan.dormant = plan.launched + dt.timedelta(days=rng.randint(365, lived - 60))
    elif stage == Stage.CLOSED:
        plan.closed = plan.launched + dt.timedelta(days=rng.randint(300, lived - 15))
        open_days = (plan.closed - plan.launched).days
        if rng.random() < 0.5 and open_days > 260:
            plan.dormant = plan.launched + dt.timedelta(days=rng.randint(200, open_days - 30))


def _plan_communities(seed: int, scale: Scale, today: dt.date, people: _People) -> list[_Plan]:
    rng = random.Random(f"{seed}/communities")
    base = (Community.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    names = _names(rng, scale.communities)
    stages = _stages(rng, scale.communities)
    slugs: set[str] = set()
    plans = []
    for i, ((craft, name, region), stage) in enumerate(zip(names, stages, strict=True)):
        slug = slugify(name)[:90] or f"community-{i}"
        while slug in slugs:
            slug = f"{slug}-{i}"
        slugs.add(slug)
        other = "fr" if craft.language == "en" else "en"
        bilingual = rng.random() < (0.25 if craft.language == "en" else 0.5)
        if region == "France" and craft.language == "en":
            languages = "fr|en"
        else:
            languages = f"{craft.language}|{other}" if bilingual else craft.language
        tags = list(craft.tags)
        if region:
            tags.append(region.lower())
        if rng.random() < 0.4:
            tags.append(rng.choice(data.GENERIC_TAGS))
        units = [craft.business_unit]
        if rng.random() < 0.3:
            units.append(rng.choice([b for b in data.BUSINESS_UNITS if b != craft.business_unit]))
        plan = _Plan(
            index=i,
            pk=base + i,
            craft=craft,
            name=name,
            slug=slug,
            languages=languages,
            tags=list(dict.fromkeys(tags)),
            business_units=units,
            description="\n\n".join(rng.sample(data.DESCRIPTIONS[craft.language], 2)),
            stage=stage,
            proposed=today,
        )
        _dates(rng, plan, today)
        plans.append(plan)
    # Sponsors: each executive sponsors about three communities.
    execs = list(people.execs)
    rng.shuffle(execs)
    for plan in plans:
        wants = {
            Stage.PROPOSED: 0.3,
            Stage.INCUBATING: 0.7,
        }.get(Stage(plan.stage), 1.0)
        if rng.random() < wants:
            plan.sponsor = execs[plan.index % len(execs)]
    _allocate_rows(rng, plans, scale.memberships, people)
    _wire_personas(plans, people, today)
    return plans


def _allocate_rows(rng: random.Random, plans: list[_Plan], total: int, people: _People) -> None:
    """Share `total` membership rows among communities: a few big ones, many small ones."""
    cap = int(COMMUNITY_CAP * (len(people.connectors) + len(people.regulars)))
    minimum = 8
    factor = {Stage.ACTIVE: 1.0, Stage.DORMANT: 0.6, Stage.CLOSED: 0.5}
    weighted = []
    for plan in plans:
        if plan.stage == Stage.PROPOSED:
            plan.rows = rng.randint(1, 3)
        elif plan.stage == Stage.INCUBATING:
            plan.rows = rng.randint(4, 25)
        else:
            weighted.append((plan, rng.lognormvariate(0, 1.0) * factor[Stage(plan.stage)]))
    remaining = total - sum(p.rows for p in plans)
    weight_sum = sum(w for _p, w in weighted)
    for plan, weight in weighted:
        plan.rows = min(cap, max(minimum, int(remaining * weight / weight_sum)))
    diff = total - sum(p.rows for p in plans)
    order = sorted((p for p, _w in weighted), key=lambda p: (-p.rows, p.index))
    while diff:
        share = max(1, abs(diff) // len(order))
        moved = False
        for plan in order:
            if diff > 0:
                step = min(share, cap - plan.rows, diff)
            else:
                step = -min(share, plan.rows - minimum, -diff)
            if step:
                plan.rows += step
                diff -= step
                moved = True
            if not diff:
                break
        if not moved:
            raise ValueError("too many memberships for the number of people")


def _wire_personas(plans: list[_Plan], people: _People, today: dt.date) -> None:
    """Give the personas their places: A is led by `leader`, A-C sponsored by `sponsor`,
    `member` joins B and D; A's charter of this year waits for the sponsor's approval."""
    active = [p for p in plans if p.stage == Stage.ACTIVE]
    seasoned = [p for p in active if (today - p.launch).days >= 400]
    chosen = (seasoned + [p for p in active if p not in seasoned])[:4]
    if len(chosen) < 4:
        raise ValueError("the demo needs at least four active communities")
    a, b, c, d = chosen
    a.persona_leader = people.persona_pk("leader")
    a.charter_pending = True
    for plan in (a, b, c):
        plan.sponsor = people.persona_pk("sponsor")
    b.persona_members.append(people.persona_pk("member"))
    d.persona_members.append(people.persona_pk("member"))


def _create_communities(
    plans: list[_Plan], tag_ids: dict[str, int], bu_ids: dict[str, int], writer: _Writer
) -> None:
    Community.objects.bulk_create(
        [
            Community(
                id=p.pk,
                name=p.name,
                slug=p.slug,
                purpose=p.craft.purpose,
                description=p.description,
                languages=p.languages,
                stage=p.stage,
                launched=p.launched,
                closed=p.closed,
                created_at=_at(p.proposed),
                updated_at=_at(p.history()[-1][1]),
            )
            for p in plans
        ],
        batch_size=BATCH_SIZE,
    )
    tag_through = Community.tags.through
    bu_through = Community.business_units.through
    for p in plans:
        for name in p.tags:
            writer.add(tag_through(community_id=p.pk, tag_id=tag_ids[name]))
        for name in p.business_units:
            writer.add(bu_through(community_id=p.pk, businessunit_id=bu_ids[name]))
        for n, (stage, day) in enumerate(p.history()):
            notes = data.STAGE_NOTES.get(stage, ("",))
            writer.add(
                StageChange(
                    community_id=p.pk,
                    stage=stage,
                    on=day,
                    note=notes[(p.index + n) % len(notes)],
                    created_at=_at(day),
                )
            )
        if p.launched and p.index % 10 < 7:
            writer.add(
                SpaceLink(source=SpaceLink.Source.VIVA_ENGAGE, space=p.name, community_id=p.pk)
            )
        if p.launched and p.index % 10 >= 8:
            writer.add(
                SpaceLink(source=SpaceLink.Source.SLACK, space=f"#{p.slug}", community_id=p.pk)
            )


# --- memberships, charters, objectives -------------------------------------------------------


def _memberships(
    rng: random.Random, p: _Plan, people: _People, today: dt.date, writer: _Writer
) -> None:
    end_join = p.last_day(today)
    limit = p.closed or today  # nobody leaves after this day

    def left_after(joined: dt.date) -> dt.date:
        return _day(rng, min(joined + dt.timedelta(days=1), limit), limit)

    def add(person: int, role: str, joined: dt.date, left: dt.date | None = None) -> None:
        if p.closed and left is None:
            left = p.closed
        writer.add(
            Membership(person_id=person, community_id=p.pk, role=role, joined=joined, left=left)
        )

    extras = len(p.persona_members) + (1 if p.persona_leader else 0)
    sponsor = p.sponsor
    leavers = min(len(people.leavers), int(p.rows * 0.04)) if p.stage != Stage.PROPOSED else 0
    span = (end_join - p.start).days
    rejoins = p.rows // 50 if p.stage in (Stage.ACTIVE, Stage.DORMANT) and span >= 200 else 0
    sampled = p.rows - extras - leavers - rejoins - (1 if sponsor else 0)
    if sampled < 1 and sponsor and p.stage in (Stage.PROPOSED, Stage.INCUBATING):
        sponsor, sampled = None, sampled + 1
    k_conn = min(len(people.connectors), round(sampled * CONNECTOR_SEATS))
    k_reg = min(len(people.regulars), sampled - k_conn)
    k_conn = sampled - k_reg
    chosen = rng.sample(people.connectors, k_conn) + rng.sample(people.regulars, k_reg)
    rng.shuffle(chosen)

    co_leaders = 1 if p.stage == Stage.ACTIVE and sampled >= 4 and rng.random() < 0.4 else 0
    core = 0 if sampled < 3 else min(12, max(2, sampled // 25), sampled - 1 - co_leaders)
    quit_rate = {Stage.DORMANT: 0.18}.get(Stage(p.stage), 0.08)
    if sponsor:
        add(sponsor, Role.SPONSOR, _day(rng, p.start, p.launch))
    if p.persona_leader:
        add(p.persona_leader, Role.LEADER, p.proposed)
    for n, person in enumerate(chosen):
        if n == 0:
            role = Role.CO_LEADER if p.persona_leader else Role.LEADER
            add(person, role, p.proposed)
        elif n <= co_leaders + core:
            role = Role.CO_LEADER if n <= co_leaders else Role.CORE_TEAM
            add(person, role, _day(rng, p.start, p.launch))
        elif n <= co_leaders + core + rejoins:
            # Left once, came back: an ended membership, then an active one.
            first = _day(rng, p.start, p.start + dt.timedelta(days=span // 3))
            gone = _day(rng, first + dt.timedelta(days=1), p.start + dt.timedelta(days=span // 2))
            add(person, Role.MEMBER, first, gone)
            add(person, Role.MEMBER, _day(rng, gone + dt.timedelta(days=1), end_join))
        else:
            if rng.random() < 0.35:
                joined = _day(rng, p.launch, min(end_join, p.launch + dt.timedelta(days=30)))
            else:
                joined = _day(rng, p.launch, end_join)
            ended = p.closed is not None and rng.random() < 0.3 or rng.random() < quit_rate
            add(person, Role.MEMBER, joined, left_after(joined) if ended else None)
    for person in p.persona_members:
        add(person, Role.MEMBER, _day(rng, p.launch, end_join))
    for person in rng.sample(people.leavers, leavers):
        joined = _day(rng, p.launch, end_join)
        add(person, Role.MEMBER, joined, left_after(joined))


def _charters(rng: random.Random, p: _Plan, today: dt.date, writer: _Writer) -> None:
    if p.stage == Stage.PROPOSED:
        return
    texts = data.CHARTER[p.language]
    limit = min(p.closed or today, p.dormant or today)
    last_year = limit.year
    for year in range(max(p.start.year, today.year - 2), last_year + 1):
        lo = max(dt.date(year, 1, 1), p.start)
        hi = min(dt.date(year, 11, 30), limit)
        if lo > hi:
            hi = min(dt.date(year, 12, 31), limit)
        if lo > hi:
            continue
        count = rng.choice((1, 1, 2, 2, 3))
        days = sorted(_day(rng, lo, hi) for _ in range(count))
        for v, day in enumerate(days, start=1):
            latest = v == count
            current = year == today.year
            if p.stage == Stage.INCUBATING:
                chance = 0.3 if latest else 0.0
            elif latest:
                chance = 0.55 if current else 0.9
            else:
                chance = 0.3
            approved_on = None
            pending = latest and current and p.charter_pending
            if p.sponsor and rng.random() < chance and not pending:
                until = min(days[v] if not latest else dt.date(year, 12, 31), limit)
                on = _day(rng, day + dt.timedelta(days=2), min(until, day + dt.timedelta(days=25)))
                if day < on <= until:
                    approved_on = on
            writer.add(
                CharterVersion(
                    community_id=p.pk,
                    year=year,
                    version=v,
                    purpose=p.craft.purpose,
                    scope=texts.scope,
                    audience=texts.audience,
                    participation_rules=texts.participation_rules,
                    activities=texts.activities[(year + v) % len(texts.activities)],
                    roles=texts.roles,
                    author_id=p.charter_author,
                    created_at=_at(day, v),
                    approved_by_id=p.sponsor if approved_on else None,
                    approved_on=approved_on,
                )
            )


def _objectives(rng: random.Random, p: _Plan, today: dt.date, writer: _Writer) -> None:
    if p.launched is None:
        return
    limit = min(p.closed or today, p.dormant or today)
    templates = data.OBJECTIVES[p.language]
    for year in range(max(p.launched.year, today.year - 2), limit.year + 1):
        open_year = year == today.year and p.stage == Stage.ACTIVE
        created = min(max(dt.date(year, 1, 15), p.launched), today)
        for template in rng.sample(templates, rng.randint(2, 5)):
            if open_year:
                status = rng.choices(
                    [
                        Objective.Status.PLANNED,
                        Objective.Status.ON_TRACK,
                        Objective.Status.AT_RISK,
                        Objective.Status.MET,
                    ],
                    weights=[25, 35, 20, 20],
                )[0]
            elif year == today.year:
                status = rng.choice([Objective.Status.AT_RISK, Objective.Status.MISSED])
            else:
                status = rng.choices([Objective.Status.MET, Objective.Status.MISSED], [70, 30])[0]
            title, target, result = _objective_text(rng, template, p.language, status)
            writer.add(
                Objective(
                    community_id=p.pk,
                    year=year,
                    title=title,
                    indicator=template.indicator,
                    target=target,
                    result=result,
                    status=status,
                    created_at=_at(created),
                    updated_at=_at(created),
                )
            )


def _objective_text(
    rng: random.Random, template: data.ObjectiveTemplate, language: str, status: str
) -> tuple[str, str, str]:
    if template.high == 0:
        answers = {
            Objective.Status.MET: data.YES[language],
            Objective.Status.MISSED: data.NO[language],
        }
        return template.title, data.YES[language], answers.get(Objective.Status(status), "")
    n = rng.randint(template.low, template.high)
    # French puts a narrow no-break space before "%" (guide/ui.md).
    unit = ("%" if language == "en" else "\u202f%") if "%" in template.title else ""
    title = template.title.replace("{n}", str(n))
    reached = {
        Objective.Status.MET: n + rng.randint(0, max(1, n // 3)),
        Objective.Status.MISSED: rng.randint(n // 3, n - 1),
        Objective.Status.ON_TRACK: rng.randint(n // 3, n - 1),
        Objective.Status.AT_RISK: rng.randint(0, max(0, n // 3)),
    }.get(Objective.Status(status))
    result = "" if reached is None else f"{reached}{unit}"
    return title, f"{n}{unit}", result


# --- the job -------------------------------------------------------------------------------


def _ensure_names(model: type[models.Model], names: list[str]) -> dict[str, int]:
    """Ids by name, creating the names that do not exist yet."""
    model._default_manager.bulk_create([model(name=n) for n in names], ignore_conflicts=True)
    return dict(model._default_manager.filter(name__in=names).values_list("name", "id"))


def seed(
    *,
    scale: Scale,
    seed: int,
    today: dt.date,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Fill the database with the demo programme. See the module docstring for the steps.

    Raises DatabaseNotEmptyError when programme data exists and `reset` is false.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    with transaction.atomic():
        deleted: dict[str, int] = {}
        if reset:
            deleted = wipe()
        elif not is_empty():
            raise DatabaseNotEmptyError
        bu_ids = _ensure_names(BusinessUnit, list(data.BUSINESS_UNITS))
        users = _create_users()
        people = _create_people(seed, scale, bu_ids, users)
        say(f"people: {scale.people} ({time.perf_counter() - started:.1f} s)")
        plans = _plan_communities(seed, scale, today, people)
        leader_user = users["leader"].pk
        for plan in plans:
            if plan.persona_leader:
                plan.charter_author = leader_user
        all_tags = list(dict.fromkeys(t for p in plans for t in p.tags))
        tag_ids = _ensure_names(Tag, all_tags)
        writer = _Writer()
        with _explicit_timestamps(
            (Community, "created_at"),
            (Community, "updated_at"),
            (StageChange, "created_at"),
            (CharterVersion, "created_at"),
            (Objective, "created_at"),
            (Objective, "updated_at"),
        ):
            _create_communities(plans, tag_ids, bu_ids, writer)
            writer.flush()
            say(f"communities: {len(plans)} ({time.perf_counter() - started:.1f} s)")
            for plan in plans:
                rng = random.Random(f"{seed}/community/{plan.index}")
                _memberships(rng, plan, people, today, writer)
                _charters(rng, plan, today, writer)
                _objectives(rng, plan, today, writer)
            writer.flush()
        say(f"memberships: {scale.memberships} ({time.perf_counter() - started:.1f} s)")
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Person, Community]):
                cursor.execute(sql)
        counts = {
            "business_units": len(bu_ids),
            "people": scale.people,
            "people_inactive": len(people.leavers),
            "programme_staff": len(people.staff) + 1,
            "communities": len(plans),
            "tags": len(tag_ids),
            "memberships": writer.counts.get("communities.membership", 0),
            "stage_changes": writer.counts.get("communities.stagechange", 0),
            "charter_versions": writer.counts.get("communities.charterversion", 0),
            "objectives": writer.counts.get("communities.objective", 0),
            "esn_spaces": writer.counts.get("communities.spacelink", 0),
            "logins": len(users),
        }
        seconds = time.perf_counter() - started
        audit_record(
            actor=None,
            action="demo.seed",
            object_type="demo",
            object_repr=f"Demo programme ({scale.name}, seed {seed})",
            # audit_record keeps flat values: counts as they are, deletions prefixed.
            changes={
                "scale": scale.name,
                "seed": seed,
                "today": today.isoformat(),
                "reset": reset,
                "seconds": round(seconds, 1),
                **counts,
                **{f"deleted_{k}": v for k, v in deleted.items()},
            },
        )
    return SeedReport(
        scale=scale.name, seed=seed, today=today, counts=counts, deleted=deleted, seconds=seconds
    )


# --- reading the personas back (for the commands' instructions) ---------------------------


@dataclass(frozen=True)
class PersonaInfo:
    username: str
    name: str
    summary: str
    communities: list[tuple[str, str, str]]  # (role, community name, slug)


def personas() -> list[PersonaInfo]:
    """The demo personas that exist in the database, with their active roles."""
    found = {
        p.user.username: p
        for p in Person.objects.select_related("user").filter(user__username__in=PERSONA_USERNAMES)
        if p.user is not None
    }
    roles: dict[int, list[tuple[str, str, str]]] = {}
    for m in (
        Membership.objects.filter(person__in=found.values(), left__isnull=True)
        .select_related("community")
        .order_by("community__name")
    ):
        roles.setdefault(m.person_id, []).append((m.role, m.community.name, m.community.slug))
    return [
        PersonaInfo(
            username=p.username,
            name=found[p.username].name,
            summary=p.summary,
            communities=roles.get(found[p.username].pk, []),
        )
        for p in PERSONAS
        if p.username in found
    ]


def persona_lines(base_url: str) -> list[str]:
    """How to log in as each demo persona, for the commands' closing words."""
    found = personas()
    if not found:
        return []
    lines = [
        "",
        gettext("Log in at %(url)s with one of these demo users (password: %(password)s):")
        % {"url": f"{base_url}/login/", "password": DEMO_PASSWORD},
    ]
    width = max(len(p.username) for p in found)
    for p in found:
        lines.append(f"  {p.username.ljust(width)}  {p.name} — {gettext(p.summary)}")
        for role, name, slug in p.communities:
            label = Role(role).label
            lines.append(f"  {' ' * width}    {label}: {name}  {base_url}/communities/{slug}/")
    return lines
