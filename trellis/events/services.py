"""Writes on events: leaders create, edit and cancel theirs; the office imports a CSV."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from trellis.activity.models import Event
from trellis.communities.models import Community
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.events.importer import (
    OPTIONAL,
    REQUIRED,
    EventImportReport,
    apply_plan,
    plan_import,
)
from trellis.lib.tabular import TabularError, read_table
from trellis.people.models import Person

EVENT_FIELDS = [
    "type",
    "title",
    "description",
    "start",
    "end",
    "status",
    "attendee_count",
    "recording_url",
]


def _check(event: Event) -> None:
    if event.end is not None and event.end < event.start:
        raise ValidationError({"end": _("The end is before the start.")})
    event.full_clean(exclude=["community"])


def _attendee_emails(event: Event) -> list[str]:
    return sorted(event.attendees.values_list("email", flat=True))


@transaction.atomic
def event_create(
    *,
    actor: Actor,
    community: Community,
    title: str,
    start: dt.datetime,
    attendees: list[Person] | None = None,
    **fields: Any,
) -> Event:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    event = Event(community=community, title=title, start=start, **fields)
    _check(event)
    event.save()
    if attendees:
        event.attendees.set(attendees)
    audit_record(
        actor=actor,
        action="event.create",
        obj=event,
        changes={
            **diff_fields(None, event, EVENT_FIELDS),
            "community": community.slug,
            "attendees": len(attendees or []),
        },
    )
    return event


@transaction.atomic
def event_update(
    *, actor: Actor, event: Event, attendees: list[Person] | None = None, **fields: Any
) -> Event:
    """Change an event; `attendees` None leaves the list as it is, [] empties it."""
    before = Event.objects.get(pk=event.pk)
    for name, value in fields.items():
        if name not in EVENT_FIELDS:
            raise ValueError(name)
        setattr(event, name, value)
    _check(event)
    event.save()
    changes = diff_fields(before, event, EVENT_FIELDS)
    if attendees is not None:
        old = _attendee_emails(event)
        event.attendees.set(attendees)
        new = _attendee_emails(event)
        if old != new:
            changes["attendees"] = [len(old), len(new)]
    if changes:
        audit_record(actor=actor, action="event.update", obj=event, changes=changes)
    return event


@transaction.atomic
def event_cancel(*, actor: Actor, event: Event) -> Event:
    if event.status == Event.Status.CANCELLED:
        return event
    old = event.status
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="event.cancel",
        obj=event,
        changes={"status": [old, Event.Status.CANCELLED]},
    )
    return event


def events_import(*, actor: Actor, data: bytes, filename: str, dry_run: bool) -> EventImportReport:
    """Import events from a CSV or XLSX file: all rows or none.

    1. read the header (a TabularError propagates: the file is unreadable);
    2. validate every row and match it to an existing event (by id, else by community,
       title and start), collecting every error with its line;
    3. if any row is rejected, or for a dry run, or when every row is unchanged, return
       the report: nothing is written;
    4. otherwise write in sets in one transaction, planned inside it so that it sees the
       events it changes, and record one audit entry `events.import` with the counts and
       the file's sha256.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    report = EventImportReport(filename=filename, sha256=sha256, dry_run=dry_run)
    _header, rows = read_table(data, filename=filename, required=REQUIRED, optional=OPTIONAL)
    if dry_run:
        plan_import(rows, report)
        return report
    try:
        with transaction.atomic():
            planned = plan_import(rows, report)
            if not report.ok:
                return report
            if not (report.created or report.updated):
                return report  # the same file again: nothing to write, nothing to audit
            apply_plan(planned)
            audit_record(
                actor=actor,
                action="events.import",
                object_type="activity.event",
                object_repr=filename[:300],
                changes={**report.counts(), "filename": filename, "sha256": sha256},
            )
    except IntegrityError as exc:
        raise TabularError(
            _("The events changed during the import; nothing was applied. Try again.")
        ) from exc
    report.applied = True
    return report
