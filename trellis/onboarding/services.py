"""Onboarding a programme from its spreadsheets: communities, memberships, ESN space mappings.

Each import works the same way (guide/quality.md promises 8, 9, 10 and 16):

1. Read and check every row of the file (no database access); a bad row is rejected with
   its line and the reason.
2. In one transaction, fetch the existing records by natural key in bulk, and plan what
   each row does: create, update or nothing. Checks that need the database (unknown slug,
   overlapping memberships…) reject rows here.
3. If any row was rejected, or on a dry run, stop: nothing is written.
4. Otherwise write in sets (bulk_create / bulk_update) and record ONE audit entry for the
   job, with its counts and the file's sha256.

The report says what was (or would be) created, updated, left unchanged and rejected.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trellis.communities.models import (
    Community,
    Membership,
    Role,
    SpaceLink,
    Stage,
    StageChange,
    Tag,
)
from trellis.core.audit import Actor, audit_record
from trellis.lib.tabular import Row
from trellis.onboarding.cells import (
    CellError,
    chunks,
    parse_date,
    parse_list,
    read_rows,
    sha256_hex,
)
from trellis.onboarding.report import ImportReport, RowChange
from trellis.people.models import BusinessUnit, Person

COMMUNITY_COLUMNS = [
    "slug",
    "name",
    "stage",
    "launched",
    "closed",
    "purpose",
    "business_units",
    "tags",
    "languages",
]
# `name` is optional: it names the people created with create_people.
MEMBERSHIP_COLUMNS = ["email", "community", "role", "joined", "left", "name"]
# `url` is optional: the link to the space, kept when the mapping round-trips.
SPACE_COLUMNS = ["source", "space", "community", "url"]

BATCH = 1000
STAGES = tuple(Stage.values)
ROLES = tuple(Role.values)
SOURCES = tuple(SpaceLink.Source.values)
# Built once: translating per row would cost more than reading the row.
UNKNOWN_STAGE = gettext_lazy("Unknown stage “%(value)s” (expected one of: %(choices)s).")
UNKNOWN_ROLE = gettext_lazy("Unknown role “%(value)s” (expected one of: %(choices)s).")
UNKNOWN_SOURCE = gettext_lazy("Unknown source “%(value)s” (expected one of: %(choices)s).")
SAME_SLUG = gettext_lazy("this slug")
SAME_MEMBERSHIP = gettext_lazy("a membership of this person in this community joined that day")
SAME_SPACE = gettext_lazy("a mapping of this space")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def today() -> dt.date:
    return timezone.localdate()


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _text(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _atomic(dry_run: bool) -> contextlib.AbstractContextManager[Any]:
    # A dry run only reads: no need to take SQLite's write lock for it.
    return contextlib.nullcontext() if dry_run else transaction.atomic()


def _choice(value: str, choices: Sequence[str], message: Any) -> str:
    normalised = value.strip().lower()
    if normalised not in choices:
        raise CellError(message % {"value": value[:60], "choices": ", ".join(choices)})
    return normalised


def _max_length(value: str, limit: int, column: str) -> str:
    if len(value) > limit:
        raise CellError(
            _("The %(column)s is longer than %(limit)d characters.")
            % {"column": column, "limit": limit}
        )
    return value


def _duplicates(
    report: ImportReport,
    seen: dict[Any, tuple[int, Any]],
    key: Any,
    row: Row,
    content: Any,
    what: Any,
) -> bool:
    """Reject a row whose key was already given; True when it is new."""
    if key not in seen:
        seen[key] = (row.line, content)
        return True
    first_line, first_content = seen[key]
    if first_content == content:
        report.reject(row.line, _("This row repeats line %(line)d.") % {"line": first_line})
    else:
        report.reject(
            row.line,
            _("Line %(line)d already gives %(what)s, with different values.")
            % {"line": first_line, "what": what},
        )
    return False


def _audit(
    *, actor: Actor, action: str, report: ImportReport, options: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="import",
        object_id=report.sha256[:64],
        object_repr=report.filename,
        changes={"filename": report.filename, "sha256": report.sha256, **report.counts()}
        | (options or {}),
    )


# --- Communities -------------------------------------------------------------------------------


@dataclass
class _CommunityRow:
    line: int
    slug: str
    # Only the columns present in the file: an absent column leaves the field as it is.
    values: dict[str, Any]


def _parse_community(row: Row, present: set[str]) -> _CommunityRow:
    v = row.values
    slug = v["slug"]
    if not slug:
        raise CellError(_("The slug is empty."))
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise CellError(
            _("The slug “%(value)s” may only hold letters, digits, hyphens and underscores.")
            % {"value": slug[:60]}
        ) from exc
    _max_length(slug, 100, "slug")
    values: dict[str, Any] = {}
    name = v["name"]
    if not name:
        raise CellError(_("The name is empty."))
    values["name"] = _max_length(name, 200, "name")
    if "stage" in present:
        if not v["stage"]:
            raise CellError(_("The stage is empty."))
        values["stage"] = _choice(v["stage"], STAGES, UNKNOWN_STAGE)
    if "launched" in present:
        values["launched"] = parse_date(v["launched"], column="launched")
    if "closed" in present:
        values["closed"] = parse_date(v["closed"], column="closed")
    if "purpose" in present:
        values["purpose"] = _max_length(v["purpose"], 500, "purpose")
    if "languages" in present:
        codes = [code.lower() for code in parse_list(v["languages"])]
        for code in codes:
            if not LANGUAGE_RE.match(code):
                raise CellError(
                    _("“%(value)s” is not a language code such as en or fr.") % {"value": code[:20]}
                )
        values["languages"] = _max_length("|".join(codes), 100, "languages")
    for column, limit in (("business_units", 200), ("tags", 100)):
        if column in present:
            names = parse_list(v[column])
            for item in names:
                _max_length(item, limit, column)
            values[column] = names
    return _CommunityRow(row.line, slug, values)


def _labels_by_name(model: type[Tag] | type[BusinessUnit], names: Iterable[str]) -> dict[str, str]:
    """Existing label names by their lower-case form (a file may write "it" for "IT")."""
    lowered = sorted({n.lower() for n in names})
    found: dict[str, str] = {}
    for part in chunks(lowered):
        for name in (
            model.objects.annotate(lname=Lower("name"))
            .filter(lname__in=part)
            .order_by("pk")
            .values_list("name", flat=True)
        ):
            found.setdefault(name.lower(), name)
    return found


def _community_labels(through: Any, fk: str, ids: Sequence[int]) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = defaultdict(list)
    for part in chunks(ids):
        for community_id, name in through.objects.filter(community_id__in=part).values_list(
            "community_id", f"{fk}__name"
        ):
            labels[community_id].append(name)
    return {k: sorted(v) for k, v in labels.items()}


def _history_entries(
    *, created: bool, old: dict[str, Any], new: dict[str, Any], on: dt.date
) -> list[tuple[str, dt.date]]:
    """The stage history rows a change of stage or lifecycle dates adds, as (stage, date).

    A row is dated with the launched date (for active), the closed date (for closed), or
    today. A community imported as dormant or closed with a launched date also gets an
    "active" row on that date, so its history shows when it was launched.
    """
    stage, launched, closed = new["stage"], new["launched"], new["closed"]
    launched_changed = created or launched != old.get("launched")
    closed_changed = created or closed != old.get("closed")
    entries: list[tuple[str, dt.date]] = []
    if created or stage != old["stage"]:
        if launched and launched_changed and stage in (Stage.DORMANT, Stage.CLOSED):
            entries.append((Stage.ACTIVE, launched))
        if stage == Stage.CLOSED:
            entries.append((stage, closed or on))
        elif stage == Stage.ACTIVE:
            entries.append((stage, launched or on))
        else:
            entries.append((stage, on))
        return entries
    if launched and launched_changed and stage in (Stage.ACTIVE, Stage.DORMANT, Stage.CLOSED):
        entries.append((Stage.ACTIVE, launched))
    if closed and closed_changed and stage == Stage.CLOSED:
        entries.append((Stage.CLOSED, closed))
    return entries


def communities_import(
    *, actor: Actor, data: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Upsert communities by slug from communities.csv (see the module docstring)."""
    report = ImportReport(
        kind="communities", filename=filename, sha256=sha256_hex(data), dry_run=dry_run
    )
    present, rows = read_rows(
        data, filename=filename, required=["slug", "name"], optional=[], report=report
    )
    parsed: list[_CommunityRow] = []
    seen: dict[Any, tuple[int, Any]] = {}
    for row in rows:
        content = tuple(row.values.get(c, "") for c in COMMUNITY_COLUMNS)
        if not _duplicates(report, seen, row.values["slug"], row, content, SAME_SLUG):
            continue
        try:
            parsed.append(_parse_community(row, present))
        except CellError as exc:
            report.reject(row.line, str(exc))

    with _atomic(dry_run):
        plan = _communities_plan(parsed, report)
        if report.ok and not dry_run:
            _communities_apply(plan, actor=actor, filename=filename)
            _audit(actor=actor, action="communities.import", report=report)
            report.applied = True
    return report


FIELDS = ["name", "stage", "launched", "closed", "purpose", "languages"]


@dataclass
class _CommunityPlan:
    create: list[tuple[_CommunityRow, dict[str, Any]]] = field(default_factory=list)
    update: list[tuple[int, _CommunityRow, dict[str, Any], dict[str, Any]]] = field(
        default_factory=list
    )
    tag_names: dict[str, str] = field(default_factory=dict)
    bu_names: dict[str, str] = field(default_factory=dict)


def _communities_plan(parsed: list[_CommunityRow], report: ImportReport) -> _CommunityPlan:
    plan = _CommunityPlan()
    existing: dict[str, dict[str, Any]] = {}
    slugs = [r.slug for r in parsed]
    for part in chunks(slugs):
        for values in Community.objects.filter(slug__in=part).values("id", "slug", *FIELDS):
            existing[values["slug"]] = values
    ids = [e["id"] for e in existing.values()]
    old_tags = _community_labels(Community.tags.through, "tag", ids)
    old_bus = _community_labels(Community.business_units.through, "businessunit", ids)
    plan.tag_names = _labels_by_name(Tag, (t for r in parsed for t in r.values.get("tags", [])))
    plan.bu_names = _labels_by_name(
        BusinessUnit, (b for r in parsed for b in r.values.get("business_units", []))
    )

    def resolve(names: list[str], known: dict[str, str]) -> list[str]:
        # An unknown label keeps the spelling of its first use in the file.
        return sorted(known.setdefault(n.lower(), n) for n in names)

    for row in parsed:
        old = existing.get(row.slug)
        new: dict[str, Any] = {
            "name": "",
            "stage": Stage.PROPOSED,
            "launched": None,
            "closed": None,
            "purpose": "",
            "languages": "",
            "tags": [],
            "business_units": [],
        }
        if old is not None:
            new.update({f: old[f] for f in FIELDS})
            new["tags"] = old_tags.get(old["id"], [])
            new["business_units"] = old_bus.get(old["id"], [])
        new.update(row.values)
        if "tags" in row.values:
            new["tags"] = resolve(row.values["tags"], plan.tag_names)
        if "business_units" in row.values:
            new["business_units"] = resolve(row.values["business_units"], plan.bu_names)
        if new["launched"] and new["closed"] and new["closed"] < new["launched"]:
            report.reject(
                row.line,
                _("The closed date (%(closed)s) is before the launched date (%(launched)s).")
                % {"closed": new["closed"].isoformat(), "launched": new["launched"].isoformat()},
            )
            continue
        if new["closed"] and new["stage"] != Stage.CLOSED:
            report.reject(
                row.line,
                _("A closed date is given but the stage is “%(stage)s”, not closed.")
                % {"stage": new["stage"]},
            )
            continue
        if old is None:
            plan.create.append((row, new))
            report.created.add(RowChange(row.line, row.slug))
            continue
        before = {**{f: old[f] for f in FIELDS}}
        before["tags"] = old_tags.get(old["id"], [])
        before["business_units"] = old_bus.get(old["id"], [])
        diff = {
            key: (_display(before[key]), _display(new[key]))
            for key in [*FIELDS, "business_units", "tags"]
            if before[key] != new[key]
        }
        if diff:
            plan.update.append((old["id"], row, before, new))
            report.updated.add(RowChange(row.line, row.slug, diff))
        else:
            report.unchanged.add(RowChange(row.line, row.slug))
    return plan


def _display(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(value)
    return _text(value)


def _ensure_labels(model: type[Tag] | type[BusinessUnit], names: Iterable[str]) -> dict[str, int]:
    """Ids of the labels by lower-case name, creating the missing ones."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    ids: dict[str, int] = {}
    for part in chunks(wanted):
        for pk, name in model.objects.filter(name__in=part).values_list("pk", "name"):
            ids[name.lower()] = pk
    missing = [n for n in wanted if n.lower() not in ids]
    model.objects.bulk_create([model(name=n) for n in missing], batch_size=BATCH)  # type: ignore[misc]
    for part in chunks(missing):
        for pk, name in model.objects.filter(name__in=part).values_list("pk", "name"):
            ids[name.lower()] = pk
    return ids


def _communities_apply(plan: _CommunityPlan, *, actor: Actor, filename: str) -> None:
    now = timezone.now()
    on = today()
    user = _user(actor)
    note = _("Imported from %(filename)s") % {"filename": filename[:400]}
    Community.objects.bulk_create(
        [Community(slug=row.slug, **{f: new[f] for f in FIELDS}) for row, new in plan.create],
        batch_size=BATCH,
    )
    ids: dict[str, int] = {}
    created_slugs = [row.slug for row, _new in plan.create]
    for part in chunks(created_slugs):
        ids.update(Community.objects.filter(slug__in=part).values_list("slug", "pk"))
    Community.objects.bulk_update(
        [
            Community(pk=pk, updated_at=now, **{f: new[f] for f in FIELDS})
            for pk, _row, _before, new in plan.update
        ],
        [*FIELDS, "updated_at"],
        batch_size=BATCH,
    )

    history: list[StageChange] = []
    # community id -> wanted label names, for the communities whose labels are (re)set
    tags: dict[int, list[str]] = {}
    bus: dict[int, list[str]] = {}
    for row, new in plan.create:
        pk = ids[row.slug]
        tags[pk], bus[pk] = new["tags"], new["business_units"]
        for stage, day in _history_entries(created=True, old={}, new=new, on=on):
            history.append(StageChange(community_id=pk, stage=stage, on=day, note=note, by=user))
    for pk, _row, before, new in plan.update:
        if before["tags"] != new["tags"]:
            tags[pk] = new["tags"]
        if before["business_units"] != new["business_units"]:
            bus[pk] = new["business_units"]
        for stage, day in _history_entries(created=False, old=before, new=new, on=on):
            history.append(StageChange(community_id=pk, stage=stage, on=day, note=note, by=user))
    StageChange.objects.bulk_create(history, batch_size=BATCH)
    _set_labels(Community.tags.through, "tag_id", Tag, tags)
    _set_labels(Community.business_units.through, "businessunit_id", BusinessUnit, bus)


def _set_labels(
    through: Any, fk: str, model: type[Tag] | type[BusinessUnit], wanted: dict[int, list[str]]
) -> None:
    if not wanted:
        return
    label_ids = _ensure_labels(model, (n for names in wanted.values() for n in names))
    community_ids = sorted(wanted)
    for part in chunks(community_ids):
        through.objects.filter(community_id__in=part).delete()
    through.objects.bulk_create(
        [
            through(community_id=pk, **{fk: label_ids[name.lower()]})
            for pk in community_ids
            for name in wanted[pk]
        ],
        batch_size=BATCH,
    )


# --- Memberships -------------------------------------------------------------------------------


@dataclass
class _MembershipRow:
    line: int
    email: str
    slug: str
    role: str | None  # None: the role column is absent (keep, or member for a new row)
    joined: dt.date
    left: dt.date | None
    has_left: bool  # False: the left column is absent (keep the stored date)
    name: str


def _parse_membership(row: Row, present: set[str]) -> _MembershipRow:
    v = row.values
    email = v["email"].lower()
    if not email:
        raise CellError(_("The e-mail is empty."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CellError(
            _("“%(value)s” is not a valid e-mail address.") % {"value": email[:100]}
        ) from exc
    slug = v["community"]
    if not slug:
        raise CellError(_("The community is empty."))
    role = None
    if "role" in present:
        if not v["role"]:
            raise CellError(_("The role is empty."))
        role = _choice(v["role"], ROLES, UNKNOWN_ROLE)
    joined = parse_date(v["joined"], column="joined")
    if joined is None:
        raise CellError(_("The joined date is empty."))
    left = parse_date(v.get("left", ""), column="left")
    if left is not None and left < joined:
        raise CellError(
            _("The left date (%(left)s) is before the joined date (%(joined)s).")
            % {"left": left.isoformat(), "joined": joined.isoformat()}
        )
    name = v.get("name", "")[:200] if "name" in present else ""
    return _MembershipRow(row.line, email, slug, role, joined, left, "left" in present, name)


@dataclass
class _Stored:
    """A membership as stored, and what the import makes of it."""

    pk: int
    role: str
    joined: dt.date
    left: dt.date | None
    line: int | None = None  # the file row it matched, if any
    new: tuple[str, dt.date, dt.date | None] | None = None  # (role, joined, left) once planned


@dataclass
class _MembershipPlan:
    create: list[_MembershipRow] = field(default_factory=list)
    closing: list[_Stored] = field(default_factory=list)  # updates that end an active membership
    other: list[_Stored] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # email -> name, to create
    community_ids: dict[str, int] = field(default_factory=dict)


def memberships_import(
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    sync: bool = False,
    create_people: bool = False,
) -> ImportReport:
    """Upsert memberships by (person e-mail, community) from memberships.csv.

    A row matches the stored membership of that person in that community with the same
    joined date; an open row (no left date) otherwise matches the current membership, so
    a corrected joined date updates it. Unmatched rows are new memberships. Stored
    memberships absent from the file are kept, unless `sync`: then the active ones of the
    communities named in the file are ended today (never deleted).
    """
    report = ImportReport(
        kind="memberships", filename=filename, sha256=sha256_hex(data), dry_run=dry_run
    )
    present, rows = read_rows(
        data,
        filename=filename,
        required=["email", "community", "joined"],
        optional=[],
        report=report,
    )
    parsed: list[_MembershipRow] = []
    seen: dict[Any, tuple[int, Any]] = {}
    for row in rows:
        v = row.values
        key = (v["email"].lower(), v["community"], v["joined"])
        content = (v.get("role", "").lower(), v.get("left", ""))
        if not _duplicates(
            report,
            seen,
            key,
            row,
            content,
            SAME_MEMBERSHIP,
        ):
            continue
        try:
            parsed.append(_parse_membership(row, present))
        except CellError as exc:
            report.reject(row.line, str(exc))

    with _atomic(dry_run):
        plan = _memberships_plan(parsed, report, sync=sync, create_people=create_people)
        if report.ok and not dry_run:
            _memberships_apply(plan)
            _audit(
                actor=actor,
                action="memberships.import",
                report=report,
                options={"sync": sync, "create_people": create_people},
            )
            report.applied = True
    return report


def _people_ids(emails: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(emails):
        for pk, email in (
            Person.objects.annotate(lemail=Lower("email"))
            .filter(lemail__in=part)
            .values_list("pk", "lemail")
        ):
            ids[email] = pk
    return ids


def _memberships_plan(
    parsed: list[_MembershipRow], report: ImportReport, *, sync: bool, create_people: bool
) -> _MembershipPlan:
    plan = _MembershipPlan()
    on = today()
    slugs = sorted({r.slug for r in parsed})
    for part in chunks(slugs):
        plan.community_ids.update(Community.objects.filter(slug__in=part).values_list("slug", "pk"))
    people = _people_ids(sorted({r.email for r in parsed}))

    valid: list[_MembershipRow] = []
    named: set[str] = set()
    for row in parsed:
        problems = []
        if row.slug not in plan.community_ids:
            problems.append(
                _("No community has the slug “%(value)s”; import it with communities.csv first.")
                % {"value": row.slug[:100]}
            )
        if row.email not in people:
            if create_people:
                # The first row that gives a name names the person; else the e-mail's local part.
                if row.name or row.email not in plan.people:
                    if row.email not in named:
                        plan.people[row.email] = row.name or row.email.split("@", 1)[0]
                    if row.name:
                        named.add(row.email)
            else:
                problems.append(
                    _(
                        "Nobody with the e-mail %(email)s is in the directory; import the "
                        "people first or ask for them to be created."
                    )
                    % {"email": row.email}
                )
        if problems:
            report.reject(row.line, " ".join(problems))
        else:
            valid.append(row)
    report.people_created = len(plan.people)

    by_pair: dict[tuple[str, str], list[_MembershipRow]] = defaultdict(list)
    for row in valid:
        by_pair[(row.email, row.slug)].append(row)

    # Stored memberships of the communities in the file, by (e-mail, community slug): all
    # of them for a sync, else only those of the people and communities the file pairs.
    slug_of = {pk: slug for slug, pk in plan.community_ids.items()}
    stored: dict[tuple[str, str], list[_Stored]] = defaultdict(list)
    ids = sorted(plan.community_ids.values())
    for id_part in chunks(ids):
        for pk, email, community_id, role, joined, left in (
            Membership.objects.filter(community_id__in=id_part)
            .annotate(lemail=Lower("person__email"))
            .order_by("joined", "pk")
            .values_list("pk", "lemail", "community_id", "role", "joined", "left")
        ):
            pair = (email, slug_of[community_id])
            if sync or pair in by_pair:
                stored[pair].append(_Stored(pk, role, joined, left))
    pairs = set(by_pair) | (set(stored) if sync else set())
    for pair in sorted(pairs):
        _plan_pair(
            pair, by_pair.get(pair, []), stored.get(pair, []), plan, report, sync=sync, on=on
        )
    return plan


def _plan_pair(
    pair: tuple[str, str],
    rows: list[_MembershipRow],
    stored: list[_Stored],
    plan: _MembershipPlan,
    report: ImportReport,
    *,
    sync: bool,
    on: dt.date,
) -> None:
    """Match the file's rows of one person and community with the stored memberships."""
    email, slug = pair
    label = f"{email} — {slug}"
    matches: dict[int, _Stored] = {}  # row line -> stored membership
    by_joined: dict[dt.date, _Stored] = {}
    for s in stored:
        by_joined.setdefault(s.joined, s)
    for row in rows:
        same_day = by_joined.get(row.joined)
        if same_day is not None and same_day.line is None:
            same_day.line = row.line
            matches[row.line] = same_day
    active = next((s for s in stored if s.left is None and s.line is None), None)
    if active is not None:
        row_open = next((r for r in rows if r.line not in matches and r.left is None), None)
        if row_open is not None:
            active.line = row_open.line
            matches[row_open.line] = active

    # The periods once the file is applied: (joined, left, row line or None, stored).
    periods: list[tuple[dt.date, dt.date | None, int | None]] = []
    pending: list[tuple[str, _MembershipRow, _Stored | None]] = []
    for row in rows:
        match = matches.get(row.line)
        if match is None:
            periods.append((row.joined, row.left, row.line))
            pending.append(("create", row, None))
            continue
        role = row.role or match.role
        left = row.left if row.has_left else match.left
        if left is not None and left < row.joined:
            report.reject(
                row.line,
                _("The stored left date (%(left)s) would be before the joined date (%(joined)s).")
                % {"left": left.isoformat(), "joined": row.joined.isoformat()},
            )
            return
        match.new = (role, row.joined, left)
        periods.append((row.joined, left, row.line))
        pending.append(("match", row, match))
    ended: list[_Stored] = []
    for s in stored:
        if s.line is not None:
            continue
        left = s.left
        if sync and s.left is None:
            left = max(on, s.joined)
            s.new = (s.role, s.joined, left)
            ended.append(s)
        periods.append((s.joined, left, None))
    if not _check_overlaps(periods, email, slug, report):
        return

    for action, row, planned in pending:
        if action == "create" or planned is None or planned.new is None:
            plan.create.append(row)
            report.created.add(RowChange(row.line, label))
            continue
        role, joined, left = planned.new
        diff = {
            name: (_text(old), _text(new))
            for name, old, new in (
                ("role", planned.role, role),
                ("joined", planned.joined, joined),
                ("left", planned.left, left),
            )
            if old != new
        }
        if not diff:
            report.unchanged.add(RowChange(row.line, label))
            continue
        closing = planned.left is None and left is not None
        (plan.closing if closing else plan.other).append(planned)
        report.updated.add(RowChange(row.line, label, diff))
    for s in ended:
        plan.closing.append(s)
        change = RowChange(None, label, {"left": ("", _text(s.new[2] if s.new else None))})
        report.updated.add(change)
        report.ended.add(change)


def _check_overlaps(
    periods: list[tuple[dt.date, dt.date | None, int | None]],
    email: str,
    slug: str,
    report: ImportReport,
) -> bool:
    """Reject the file rows whose period overlaps another one of the same person and community."""
    far = dt.date.max
    spans = sorted(
        (
            (joined, left or far, line)
            for joined, left, line in periods
            # A membership that ended the day it began was never active: it overlaps nothing.
            if left is None or left > joined
        ),
        key=lambda p: (p[0], p[1]),
    )
    ok = True
    for i, (joined_a, left_a, line_a) in enumerate(spans):
        for joined_b, left_b, line_b in spans[i + 1 :]:
            if joined_b >= left_a:
                break
            if line_a is None and line_b is None:
                continue  # already so in the database: not this file's doing
            line = line_b if line_b is not None else line_a
            other = line_a if line_b is not None else line_b
            both_open = left_a == far and left_b == far
            if other is not None:
                where = _("line %(line)d") % {"line": other}
            else:
                where = _("the stored membership joined on %(date)s") % {
                    "date": (joined_a if line_b is not None else joined_b).isoformat()
                }
            if both_open:
                message = _(
                    "This row would make two active memberships of %(email)s in %(slug)s "
                    "(with %(where)s)."
                )
            else:
                message = _(
                    "The dates of this row overlap another membership of %(email)s in "
                    "%(slug)s (%(where)s)."
                )
            report.reject(line, message % {"email": email, "slug": slug, "where": where})
            ok = False
    return ok


def _memberships_apply(plan: _MembershipPlan) -> None:
    if plan.people:
        emails = sorted(plan.people)
        Person.objects.bulk_create(
            [Person(email=e, name=plan.people[e][:200]) for e in emails], batch_size=BATCH
        )
    people = _people_ids(sorted({r.email for r in plan.create}))
    fields = ["role", "joined", "left"]
    # Ending memberships first keeps "one active membership" true after every statement.
    for group in (plan.closing, plan.other):
        Membership.objects.bulk_update(
            [
                Membership(pk=s.pk, role=s.new[0], joined=s.new[1], left=s.new[2])
                for s in group
                if s.new
            ],
            fields,
            batch_size=BATCH,
        )
    Membership.objects.bulk_create(
        [
            Membership(
                person_id=people[r.email],
                community_id=plan.community_ids[r.slug],
                role=r.role or Role.MEMBER,
                joined=r.joined,
                left=r.left,
            )
            for r in plan.create
        ],
        batch_size=BATCH,
    )


# --- ESN space mappings --------------------------------------------------------------------------


@dataclass
class _SpaceRow:
    line: int
    source: str
    space: str
    slug: str
    url: str | None  # None: the url column is absent (keep)


def _parse_space(row: Row, present: set[str]) -> _SpaceRow:
    v = row.values
    if not v["source"]:
        raise CellError(_("The source is empty."))
    source = _choice(
        v["source"],
        SOURCES,
        UNKNOWN_SOURCE,
    )
    space = v["space"]
    if not space:
        raise CellError(_("The space is empty: give the space's id or its exact name."))
    _max_length(space, 300, "space")
    if not v["community"]:
        raise CellError(_("The community is empty."))
    url = None
    if "url" in present:
        url = _max_length(v["url"], 500, "url")
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError as exc:
                raise CellError(
                    _("“%(value)s” is not a web address.") % {"value": url[:100]}
                ) from exc
    return _SpaceRow(row.line, source, space, v["community"], url)


def spaces_import(
    *, actor: Actor, data: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Upsert ESN space → community mappings by (source, space) from spaces.csv.

    The space need not have been imported yet: the mapping applies when its activity
    arrives (issue 4 reads SpaceLink by source and id or exact name).
    """
    report = ImportReport(
        kind="spaces", filename=filename, sha256=sha256_hex(data), dry_run=dry_run
    )
    present, rows = read_rows(
        data,
        filename=filename,
        required=["source", "space", "community"],
        optional=[],
        report=report,
    )
    parsed: list[_SpaceRow] = []
    seen: dict[Any, tuple[int, Any]] = {}
    for row in rows:
        v = row.values
        key = (v["source"].lower(), v["space"])
        content = (v["community"], v.get("url", ""))
        if not _duplicates(report, seen, key, row, content, SAME_SPACE):
            continue
        try:
            parsed.append(_parse_space(row, present))
        except CellError as exc:
            report.reject(row.line, str(exc))

    with _atomic(dry_run):
        create, update = _spaces_plan(parsed, report)
        if report.ok and not dry_run:
            SpaceLink.objects.bulk_create(create, batch_size=BATCH)
            SpaceLink.objects.bulk_update(update, ["community", "url"], batch_size=BATCH)
            _audit(actor=actor, action="spaces.import", report=report)
            # Spaces whose activity is already imported follow their new mapping now.
            from trellis.activity.services import space_links_apply

            space_links_apply(actor=actor)
            report.applied = True
    return report


def _spaces_plan(
    parsed: list[_SpaceRow], report: ImportReport
) -> tuple[list[SpaceLink], list[SpaceLink]]:
    communities: dict[str, int] = {}
    slugs = sorted({r.slug for r in parsed})
    for part in chunks(slugs):
        communities.update(Community.objects.filter(slug__in=part).values_list("slug", "pk"))
    slug_of = {pk: slug for slug, pk in communities.items()}
    existing: dict[tuple[str, str], tuple[int, int, str]] = {}
    by_source: dict[str, list[str]] = defaultdict(list)
    for r in parsed:
        by_source[r.source].append(r.space)
    for source, spaces in by_source.items():
        for part in chunks(spaces):
            for pk, space, community_id, url, slug in SpaceLink.objects.filter(
                source=source, space__in=part
            ).values_list("pk", "space", "community_id", "url", "community__slug"):
                existing[(source, space)] = (pk, community_id, url)
                slug_of.setdefault(community_id, slug)
    create: list[SpaceLink] = []
    update: list[SpaceLink] = []
    for r in parsed:
        label = f"{r.source}: {r.space}"
        target = communities.get(r.slug)
        if target is None:
            report.reject(
                r.line,
                _("No community has the slug “%(value)s”; import it with communities.csv first.")
                % {"value": r.slug[:100]},
            )
            continue
        old = existing.get((r.source, r.space))
        if old is None:
            create.append(
                SpaceLink(source=r.source, space=r.space, community_id=target, url=r.url or "")
            )
            report.created.add(RowChange(r.line, label))
            continue
        pk, old_community, old_url = old
        url = old_url if r.url is None else r.url
        diff: dict[str, tuple[str, str]] = {}
        if old_community != target:
            diff["community"] = (slug_of.get(old_community, ""), r.slug)
        if url != old_url:
            diff["url"] = (old_url, url)
        if diff:
            update.append(SpaceLink(pk=pk, community_id=target, url=url))
            report.updated.add(RowChange(r.line, label, diff))
        else:
            report.unchanged.add(RowChange(r.line, label))
    return create, update


# --- The registry the commands and the page use ------------------------------------------------

KINDS = ("communities", "memberships", "spaces")


def import_file(
    kind: str,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    dry_run: bool,
    sync: bool = False,
    create_people: bool = False,
) -> ImportReport:
    if kind == "communities":
        return communities_import(actor=actor, data=data, filename=filename, dry_run=dry_run)
    if kind == "memberships":
        return memberships_import(
            actor=actor,
            data=data,
            filename=filename,
            dry_run=dry_run,
            sync=sync,
            create_people=create_people,
        )
    if kind == "spaces":
        return spaces_import(actor=actor, data=data, filename=filename, dry_run=dry_run)
    raise ValueError(kind)
