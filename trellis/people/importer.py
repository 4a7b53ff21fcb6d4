"""The HR people import: read, validate every row, plan, then apply in bulk.

The HR CSV (guide/formats.md): `email`, `name` required; `employee_id, business_unit,
country, site, job_title, manager_email, language` optional. A person is matched by e-mail
(case-insensitive) or by employee id. Nothing is ever deleted.

Semantics where the HR extract is silent:
- a column absent from the file leaves that field untouched; a column present with an empty
  cell clears the field (the file is the truth for what it carries);
- a manager_email equal to the person's own e-mail means "no manager" (top of the tree);
- the person running the import is never deactivated by `deactivate_missing`.

`plan_import` only reads; `apply_plan` writes and must run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.db.models import F, Field
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import Membership
from trellis.lib.safe_export import FORMULA_PREFIXES
from trellis.lib.tabular import Row
from trellis.people.models import BusinessUnit, Person

REQUIRED = ("email", "name")
OPTIONAL = (
    "employee_id",
    "business_unit",
    "country",
    "site",
    "job_title",
    "manager_email",
    "language",
)
# Plain text fields copied as they are, with their maximum length.
TEXT_FIELDS = {"name": 200, "country": 100, "site": 200, "job_title": 200}
BATCH = 500
EMAIL_MAX_LENGTH = 254  # Person.email
# A subset of what Django's EmailValidator accepts, checked first because the validator
# costs more than the rest of a row (its lazy regexes); anything else goes to the validator.
PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
# Waves of creation (levels of the management tree) before the rest is fixed by an UPDATE.
MAX_WAVES = 30
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}

# Positions in a snapshot tuple of an existing person.
_SNAPSHOT_FIELDS = (
    "id",
    "email",
    "employee_id",
    "name",
    "country",
    "site",
    "job_title",
    "language",
    "business_unit_id",
    "manager_id",
    "is_active",
    "user_id",
)


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a rejected file, would do)."""

    filename: str
    sha256: str
    dry_run: bool
    deactivate_missing: bool
    read: int = 0
    created: int = 0
    updated: int = 0  # includes the reactivated
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def rejected(self) -> int:
        """Number of rejected rows (a row may have several reasons)."""
        return len({e.line for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
            "rejected": self.rejected,
        }


@dataclass(slots=True)
class _Entry:
    """One valid row: the values it sets, and the person it targets (None = new)."""

    line: int
    email: str
    values: dict[str, Any]
    business_unit: str | None = None  # lower-cased name; None = column absent or empty
    manager_email: str | None = None
    target: int | None = None
    changed: bool = False


@dataclass
class Plan:
    report: ImportReport
    header: list[str]
    entries: list[_Entry]
    snapshot: dict[int, tuple[Any, ...]]
    bu_names: dict[str, str]  # lower-cased -> spelling to create
    bu_ids: dict[str, int]  # lower-cased -> existing id
    by_email: dict[str, int]
    to_deactivate: list[int]
    to_reactivate: list[int]


def _snapshot() -> Iterator[tuple[Any, ...]]:
    return Person.objects.order_by().values_list(*_SNAPSHOT_FIELDS).iterator(chunk_size=5000)


def _language(value: str) -> str | None:
    """en / EN / fr-FR / fr_fr -> the supported code; None when unsupported."""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGE_CODES or not value.strip() else None


def _unguard(values: dict[str, str]) -> dict[str, str]:
    """Drop the apostrophe an export puts before a formula character (lib.safe_export)."""
    for key, value in values.items():
        if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_PREFIXES:
            values[key] = value[1:]
    return values


def _valid_email(email: str) -> bool:
    if len(email) > EMAIL_MAX_LENGTH:
        return False
    if PLAIN_EMAIL.fullmatch(email):
        return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _parse(row: Row, header: Sequence[str], errors: list[RowError]) -> _Entry | None:
    v = _unguard(row.values)
    problems: list[str] = []
    email = v["email"].lower()
    if not email:
        problems.append(_("the e-mail is empty."))
    elif not _valid_email(email):
        problems.append(_("“%(value)s” is not a valid e-mail address.") % {"value": v["email"]})
    values: dict[str, Any] = {"email": email}
    if not v["name"]:
        problems.append(_("the name is empty."))
    for name, limit in TEXT_FIELDS.items():
        if name in header or name == "name":
            if len(v[name]) > limit:
                problems.append(
                    _("the %(column)s is longer than %(limit)d characters.")
                    % {"column": name, "limit": limit}
                )
            values[name] = v[name]
    if "employee_id" in header:
        if len(v["employee_id"]) > 64:
            problems.append(_("the employee_id is longer than 64 characters."))
        values["employee_id"] = v["employee_id"] or None
    if "language" in header:
        language = _language(v["language"])
        if language is None:
            problems.append(
                _("the language “%(value)s” is not one of %(allowed)s.")
                % {"value": v["language"], "allowed": ", ".join(sorted(LANGUAGE_CODES))}
            )
        values["language"] = language or ""
    business_unit = None
    if "business_unit" in header and v["business_unit"]:
        if len(v["business_unit"]) > 200:
            problems.append(_("the business_unit is longer than 200 characters."))
        business_unit = v["business_unit"]
    manager_email = None
    if "manager_email" in header and v["manager_email"]:
        manager_email = v["manager_email"].lower()
        if manager_email == email:
            manager_email = None
    errors.extend(RowError(row.line, p) for p in problems)
    if problems:
        return None
    return _Entry(
        line=row.line,
        email=email,
        values=values,
        business_unit=business_unit,
        manager_email=manager_email,
    )


def _report_duplicates(seen: dict[str, list[int]], message: str, errors: list[RowError]) -> None:
    """Every line of a duplicated key gets an error naming the other lines."""
    for key, lines in seen.items():
        if len(lines) < 2:
            continue
        for line in lines:
            others = ", ".join(str(n) for n in lines if n != line)
            errors.append(RowError(line, message % {"value": key, "lines": others}))


def plan_import(
    rows: Iterable[Row],
    *,
    header: list[str],
    report: ImportReport,
    keep_active: int | None = None,
) -> Plan:
    """Validate every row against the file and the directory; count what applying would do.

    1. parse each row (format errors);
    2. duplicates inside the file (e-mail without case, employee id): every line reported;
    3. match each row by e-mail or employee id; both pointing at two people is an error, as
       are two rows reaching the same person;
    4. resolve managers (in the file or the directory);
    5. if no error: compare with the directory to count created/updated/unchanged, and list
       who is reactivated or (with deactivate_missing) deactivated.
    `keep_active` is a person id never deactivated (the actor's own entry).
    """
    errors = report.errors
    entries: list[_Entry] = []
    emails: dict[str, list[int]] = defaultdict(list)
    employee_ids: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        report.read += 1
        # Keys of invalid rows still count for duplicate detection.
        if row.values["email"]:
            emails[row.values["email"].lower()].append(row.line)
        if row.values.get("employee_id"):
            employee_ids[row.values["employee_id"]].append(row.line)
        entry = _parse(row, header, errors)
        if entry is not None:
            entries.append(entry)
    _report_duplicates(
        emails,
        _("the e-mail “%(value)s” also appears on line %(lines)s (e-mails ignore case)."),
        errors,
    )
    _report_duplicates(
        employee_ids, _("the employee id “%(value)s” also appears on line %(lines)s."), errors
    )

    snapshot: dict[int, tuple[Any, ...]] = {}
    by_email: dict[str, int] = {}
    by_employee_id: dict[str, int] = {}
    for person in _snapshot():
        snapshot[person[0]] = person
        by_email[person[1].lower()] = person[0]
        if person[2]:
            by_employee_id[person[2]] = person[0]

    targets: dict[int, list[int]] = defaultdict(list)
    for entry in entries:
        by_mail = by_email.get(entry.email)
        employee_id = entry.values.get("employee_id")
        by_id = by_employee_id.get(employee_id) if employee_id else None
        if by_mail is not None and by_id is not None and by_mail != by_id:
            errors.append(
                RowError(
                    entry.line,
                    _(
                        "the e-mail belongs to %(first)s but the employee id “%(id)s” "
                        "belongs to %(second)s."
                    )
                    % {
                        "first": f"{snapshot[by_mail][3]} <{snapshot[by_mail][1]}>",
                        "id": employee_id,
                        "second": f"{snapshot[by_id][3]} <{snapshot[by_id][1]}>",
                    },
                )
            )
            continue
        entry.target = by_mail if by_mail is not None else by_id
        if entry.target is not None:
            targets[entry.target].append(entry.line)
        if (
            entry.manager_email is not None
            and entry.manager_email not in emails
            and entry.manager_email not in by_email
        ):
            errors.append(
                RowError(
                    entry.line,
                    _("the manager “%(value)s” is neither in the file nor in the directory.")
                    % {"value": entry.manager_email},
                )
            )
    for pk, lines in targets.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(n) for n in lines if n != line)
                errors.append(
                    RowError(
                        line,
                        _("this row and line %(lines)s both match %(person)s.")
                        % {"lines": others, "person": f"{snapshot[pk][3]} <{snapshot[pk][1]}>"},
                    )
                )
    if report.deactivate_missing and report.read == 0:
        # A header-only "full extract" would deactivate everyone: surely a wrong file.
        errors.append(
            RowError(1, _("the file has no people: nobody is deactivated by an empty extract."))
        )
    errors.sort(key=lambda e: e.line)

    bu_ids = {name.lower(): pk for pk, name in BusinessUnit.objects.values_list("id", "name")}
    bu_names: dict[str, str] = {}
    for entry in entries:
        if entry.business_unit is not None:
            key = entry.business_unit.lower()
            if key not in bu_ids:
                bu_names.setdefault(key, entry.business_unit)
    plan = Plan(
        report=report,
        header=header,
        entries=entries,
        snapshot=snapshot,
        bu_names=bu_names,
        bu_ids=bu_ids,
        by_email=by_email,
        to_deactivate=[],
        to_reactivate=[],
    )
    if errors:
        return plan
    _count(plan, keep_active=keep_active)
    return plan


def _desired_manager(plan: Plan, entry: _Entry, row_of: dict[str, _Entry]) -> int | None | str:
    """The manager's id; "new" when the manager is created by this import."""
    if entry.manager_email is None:
        return None
    in_file = row_of.get(entry.manager_email)
    if in_file is not None:
        return in_file.target if in_file.target is not None else "new"
    return plan.by_email[entry.manager_email]


def _count(plan: Plan, *, keep_active: int | None) -> None:
    report = plan.report
    columns = plan.header
    row_of = {e.email: e for e in plan.entries}
    index = {name: i for i, name in enumerate(_SNAPSHOT_FIELDS)}
    for entry in plan.entries:
        if entry.target is None:
            report.created += 1
            continue
        current = plan.snapshot[entry.target]
        changed = any(current[index[k]] != v for k, v in entry.values.items())
        if "business_unit" in columns:
            bu = entry.business_unit
            wanted = None if bu is None else plan.bu_ids.get(bu.lower(), -1)
            changed = changed or current[index["business_unit_id"]] != wanted
        if "manager_email" in columns:
            changed = changed or current[index["manager_id"]] != _desired_manager(
                plan, entry, row_of
            )
        if not current[index["is_active"]]:
            plan.to_reactivate.append(entry.target)
            report.reactivated += 1
            changed = True
        entry.changed = changed
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if report.deactivate_missing:
        present = {e.target for e in plan.entries}
        plan.to_deactivate = [
            pk
            for pk, person in plan.snapshot.items()
            if person[index["is_active"]] and pk not in present
        ]
        if keep_active is not None and keep_active in plan.to_deactivate:
            plan.to_deactivate.remove(keep_active)
            report.notes.append(
                _("You are not in the file: your own entry and login were left active.")
            )
        report.deactivated = len(plan.to_deactivate)


def _batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _update_many(fields: list[str], rows: list[list[Any]]) -> None:
    """UPDATE person SET fields WHERE id for each row (the id last), as one executemany.

    QuerySet.bulk_update builds a CASE expression per field and batch: measured 30 times
    slower than the import itself on 50,000 rows. A prepared UPDATE run by executemany
    does the same work in bulk on SQLite and PostgreSQL.
    """
    if not rows:
        return
    meta = Person._meta
    model_fields = [cast(Field, meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in model_fields)
    table, pk = quote(meta.db_table), quote(str(meta.pk.column if meta.pk else "id"))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 (names from _meta)
    preps = [f.get_db_prep_save for f in model_fields]
    params = [
        [prep(value, connection) for prep, value in zip(preps, row, strict=False)] + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 5000):
            cursor.executemany(sql, params[start : start + 5000])


def _create(
    entries: list[_Entry],
    id_of: dict[str, int],
    manager_id: Callable[[_Entry], int | None],
    bu_id: Callable[[_Entry], int | None],
    now: dt.datetime,
) -> None:
    """bulk_create these new people; record their ids in `id_of` and on the entries."""
    created = [
        Person(
            **entry.values,
            business_unit_id=bu_id(entry),
            manager_id=manager_id(entry),
            created_at=now,
            updated_at=now,
        )
        for entry in entries
    ]
    Person.objects.bulk_create(created, batch_size=BATCH)
    if any(p.pk is None for p in created):  # backends that cannot return ids
        wanted = {e.email for e in entries}
        ids = {
            email: pk
            for pk, email in Person.objects.annotate(e=Lower("email")).values_list("id", "e")
            if email in wanted
        }
        for person in created:
            person.pk = ids[person.email]
    for entry, person in zip(entries, created, strict=True):
        entry.target = person.pk
        id_of[entry.email] = person.pk


def apply_plan(plan: Plan) -> None:
    """Write a valid plan with bulk statements. Call inside transaction.atomic().

    1. create the missing business units;
    2. create the new people in waves, each with its manager (managers may be new too);
    3. update the changed people, managers included, now that every id is known;
    4. reactivate logins of reactivated people; deactivate the missing people, their
       logins (which ends their sessions) and end their active memberships today.
    """
    columns = plan.header
    now = timezone.now()
    today = timezone.localdate()
    if plan.bu_names:
        BusinessUnit.objects.bulk_create(
            [BusinessUnit(name=name) for name in plan.bu_names.values()], batch_size=BATCH
        )
        plan.bu_ids = {
            name.lower(): pk for pk, name in BusinessUnit.objects.values_list("id", "name")
        }

    def bu_id(entry: _Entry) -> int | None:
        return None if entry.business_unit is None else plan.bu_ids[entry.business_unit.lower()]

    new_entries = [e for e in plan.entries if e.target is None]
    id_of: dict[str, int] = {e.email: e.target for e in plan.entries if e.target is not None}

    def manager_id(entry: _Entry) -> int | None:
        if entry.manager_email is None:
            return None
        return id_of.get(entry.manager_email) or plan.by_email[entry.manager_email]

    # New people are created in waves so that each is created with its manager: first
    # those whose manager already exists, then those managed by the first wave, and so on
    # (a management tree is a few levels deep). What is left after MAX_WAVES, or a cycle
    # among new people, is created without managers and fixed by one UPDATE pass.
    new_emails = {e.email for e in new_entries}
    pending: list[_Entry] = new_entries
    late: list[_Entry] = []
    for _wave in range(MAX_WAVES):
        wave = [
            e
            for e in pending
            if e.manager_email is None
            or e.manager_email not in new_emails
            or e.manager_email in id_of
        ]
        if not wave:
            break
        _create(wave, id_of, manager_id, bu_id, now)
        done = {id(e) for e in wave}
        pending = [e for e in pending if id(e) not in done]
        if not pending:
            break
    if pending:
        late = pending
        _create(late, id_of, lambda e: None, bu_id, now)
        _update_many(
            ["manager"], [[manager_id(e), e.target] for e in late if e.manager_email is not None]
        )

    fields = list(plan.entries[0].values) if plan.entries else []
    fields += ["is_active", "updated_at"]
    if "business_unit" in columns:
        fields.append("business_unit")
    if "manager_email" in columns:
        fields.append("manager")
    updates = []
    for entry in plan.entries:
        if not entry.changed:
            continue
        values = {**entry.values, "is_active": True, "updated_at": now}
        values["business_unit"] = bu_id(entry)
        values["manager"] = manager_id(entry)
        updates.append([values[f] for f in fields] + [entry.target])
    _update_many(fields, updates)

    user_model = get_user_model()
    user_at = _SNAPSHOT_FIELDS.index("user_id")
    reactivated_users = [
        plan.snapshot[pk][user_at] for pk in plan.to_reactivate if plan.snapshot[pk][user_at]
    ]
    for batch in _batches(reactivated_users):
        user_model.objects.filter(pk__in=batch).update(is_active=True)
    deactivated_users = [
        plan.snapshot[pk][user_at] for pk in plan.to_deactivate if plan.snapshot[pk][user_at]
    ]
    for batch in _batches(plan.to_deactivate):
        Person.objects.filter(pk__in=batch).update(is_active=False, updated_at=now)
        ending = Membership.objects.filter(person_id__in=batch, left__isnull=True)
        ending.filter(joined__lte=today).update(left=today)
        # A membership that starts in the future ends the day it starts.
        ending.filter(joined__gt=today).update(left=F("joined"))
    for batch in _batches(deactivated_users):
        user_model.objects.filter(pk__in=batch).update(is_active=False)
