"""The events CSV/XLSX import: read and validate every row, then plan the changes.

Columns (any order, header names case-insensitive; docs/commands.md):
  community      slug of the community (required)
  type           webinar, meeting, workshop, conference or other (required)
  title          (required)
  start          YYYY-MM-DD HH:MM, ISO 8601 with an offset, or YYYY-MM-DD (required);
                 without an offset, in the programme's time zone
  end            same formats, not before start (optional)
  status         planned, held or cancelled (optional, default planned)
  attendees      a number (the attendee count) or e-mails separated by | (the attendee
                 list; each must be a person of the directory) (optional; the file is
                 the truth: a count replaces a list, a list replaces a count, and an empty
                 cell clears both)
  recording_url  http(s) link (optional)
  id             the event's id in the source system (optional, recommended)

A row matches an existing event by `id` when given, else by (community, title, start)
among events that have no id; so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.activity.models import Event
from trellis.communities.models import Community
from trellis.lib.tabular import Row
from trellis.people.models import Person

REQUIRED = ("community", "type", "title", "start")
OPTIONAL = ("end", "status", "attendees", "recording_url", "id")
TITLE_MAX = 300
URL_MAX = 500
ID_MAX = 200
ATTENDEES_MAX = 10_000_000
LIST_SEPARATORS = re.compile(r"[|;,\s]+")

# What a row sets on an event (attendees are handled apart: a count or a list).
FIELDS = ("community_id", "type", "title", "start", "end", "status", "recording_url")


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class EventImportReport:
    filename: str
    sha256: str
    dry_run: bool
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def rejected(self) -> int:
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
            "rejected": self.rejected,
        }


@dataclass
class PlannedEvent:
    line: int
    values: dict[str, Any]
    external_id: str
    attendee_count: int | None
    attendees: list[int]  # person ids of the attendee list (empty when none)
    target: int | None = None  # existing event id, None = new


def parse_instant(value: str) -> dt.datetime:
    """An aware datetime from the accepted formats (naive means the programme's zone)."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00"
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError as exc:
        raise ValueError(
            _("“%(value)s” is not a date and time (YYYY-MM-DD HH:MM).") % {"value": value}
        ) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def _choice(value: str, choices: list[str], default: str | None, column: str) -> str:
    text = value.strip().lower()
    if not text and default is not None:
        return default
    if text not in choices:
        raise ValueError(
            _("%(column)s “%(value)s” is not one of: %(choices)s.")
            % {"column": column, "value": value, "choices": ", ".join(choices)}
        )
    return text


class _Lookups:
    """Everything the rows refer to, read once (sets, not one query per row)."""

    def __init__(self) -> None:
        self.communities = dict(Community.objects.values_list("slug", "pk"))
        self.by_id: dict[str, tuple[int, dict[str, Any]]] = {}
        self.by_key: dict[tuple[int, str, dt.datetime], tuple[int, dict[str, Any]]] = {}
        for values in Event.objects.values("pk", "external_id", "attendee_count", *FIELDS):
            pk = values.pop("pk")
            external_id = values.pop("external_id")
            if external_id:
                self.by_id[external_id] = (pk, values)
            else:
                key = (values["community_id"], values["title"], values["start"])
                self.by_key[key] = (pk, values)
        self.lists: dict[int, set[int]] = {}
        through = Event.attendees.through
        for event_id, person_id in through.objects.values_list("event_id", "person_id"):
            self.lists.setdefault(event_id, set()).add(person_id)
        self._people: dict[str, int] | None = None

    def people(self) -> dict[str, int]:
        if self._people is None:
            self._people = {
                email: pk for pk, email in Person.objects.values_list("pk", Lower("email"))
            }
        return self._people


def _attendees(value: str, lookups: _Lookups) -> tuple[int | None, list[int]]:
    """(count, list): the file is the truth, so a count clears a list and vice versa."""
    text = value.strip()
    if not text:
        return None, []
    if text.isdigit():
        count = int(text)
        if count > ATTENDEES_MAX:
            raise ValueError(_("The attendee count is too large."))
        return count, []
    people = lookups.people()
    ids, unknown = [], []
    for email in LIST_SEPARATORS.split(text):
        if not email:
            continue
        pk = people.get(email.lower())
        if pk is None:
            unknown.append(email)
        elif pk not in ids:
            ids.append(pk)
    if unknown:
        raise ValueError(
            _("Attendees not found in the directory: %(emails)s.")
            % {"emails": ", ".join(unknown[:5])}
        )
    return None, ids


def _parse_row(row: Row, lookups: _Lookups, url_ok: URLValidator) -> PlannedEvent:
    v = row.values
    slug = v["community"].strip()
    if slug not in lookups.communities:
        raise ValueError(_("Unknown community “%(slug)s”.") % {"slug": slug})
    title = v["title"].strip()
    if not title:
        raise ValueError(_("The title is empty."))
    if len(title) > TITLE_MAX:
        raise ValueError(_("The title is longer than %(max)d characters.") % {"max": TITLE_MAX})
    start = parse_instant(v["start"]) if v["start"].strip() else None
    if start is None:
        raise ValueError(_("The start is empty."))
    end = parse_instant(v["end"]) if v.get("end", "").strip() else None
    if end is not None and end < start:
        raise ValueError(_("The end is before the start."))
    url = v.get("recording_url", "").strip()
    if url:
        try:
            if len(url) > URL_MAX:
                raise ValidationError("too long")
            url_ok(url)
        except ValidationError as exc:
            raise ValueError(_("“%(url)s” is not a valid link.") % {"url": url[:100]}) from exc
    external_id = v.get("id", "").strip()
    if len(external_id) > ID_MAX:
        raise ValueError(_("The id is longer than %(max)d characters.") % {"max": ID_MAX})
    count, people = _attendees(v.get("attendees", ""), lookups)
    return PlannedEvent(
        line=row.line,
        values={
            "community_id": lookups.communities[slug],
            "type": _choice(v["type"], list(Event.Type.values), None, "type"),
            "title": title,
            "start": start,
            "end": end,
            "status": _choice(v.get("status", ""), list(Event.Status.values), "planned", "status"),
            "recording_url": url,
        },
        external_id=external_id,
        attendee_count=count,
        attendees=people,
    )


def plan_import(rows: Iterator[Row], report: EventImportReport) -> list[PlannedEvent]:
    """Validate every row (all errors, not just the first) and match existing events."""
    lookups = _Lookups()
    url_ok = URLValidator(schemes=["http", "https"])
    planned: list[PlannedEvent] = []
    seen: dict[Any, int] = {}
    for row in rows:
        report.read += 1
        try:
            item = _parse_row(row, lookups, url_ok)
        except ValueError as exc:
            report.errors.append(RowError(row.line, str(exc)))
            continue
        key: Any = item.external_id or (
            item.values["community_id"],
            item.values["title"],
            item.values["start"],
        )
        if key in seen:
            report.errors.append(
                RowError(
                    row.line,
                    _("The same event is already on line %(line)d.") % {"line": seen[key]},
                )
            )
            continue
        seen[key] = row.line
        existing = (
            lookups.by_id.get(item.external_id) if item.external_id else lookups.by_key.get(key)
        )
        if existing is None:
            report.created += 1
        else:
            pk, current = existing
            item.target = pk
            same = all(current[name] == item.values[name] for name in FIELDS)
            same = same and current["attendee_count"] == item.attendee_count
            same = same and lookups.lists.get(pk, set()) == set(item.attendees)
            if same:
                report.unchanged += 1
                item.target = -pk  # nothing to write
            else:
                report.updated += 1
        planned.append(item)
    return planned


def apply_plan(planned: list[PlannedEvent]) -> None:
    """Write the plan in sets; must run inside the caller's transaction."""
    new = [p for p in planned if p.target is None]
    changed = [p for p in planned if p.target is not None and p.target > 0]
    created = Event.objects.bulk_create(
        [
            Event(external_id=p.external_id, attendee_count=p.attendee_count, **p.values)
            for p in new
        ],
        batch_size=500,
    )
    for item, event in zip(new, created, strict=True):
        item.target = event.pk
    if changed:
        events = []
        for item in changed:
            event = Event(pk=item.target, external_id=item.external_id, **item.values)
            event.attendee_count = item.attendee_count
            event.updated_at = timezone.now()
            events.append(event)
        Event.objects.bulk_update(
            events,
            [*FIELDS, "external_id", "attendee_count", "updated_at"],
            batch_size=500,
        )
    through = Event.attendees.through
    through.objects.filter(event_id__in=[p.target for p in changed]).delete()
    through.objects.bulk_create(
        [through(event_id=p.target, person_id=pk) for p in [*new, *changed] for pk in p.attendees],
        batch_size=1000,
    )
