"""Writes on KPI years (close, recompute) and on the leaders' yearly KPI sheets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trellis.activity.models import ImportJob
from trellis.activity.services import import_job_is_stale
from trellis.communities.models import LEADER_ROLES, Community, Membership
from trellis.core.audit import Actor, audit_record
from trellis.core.models import ProgrammeSettings
from trellis.kpis.models import SHEET_KEYS, KpiSheet, KpiSnapshot
from trellis.kpis.selectors import (
    PROGRAMME_FIELDS,
    counting_communities,
    freeze_year,
    open_year,
)
from trellis.people.models import Person


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _label(actor: Actor) -> str:
    user = _user(actor)
    return user.get_username() if user is not None else "system"


def _trace_entry(actor: Actor, action: str, reason: str, diff: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "at": timezone.now().isoformat(),
        "by": _label(actor),
        "reason": reason,
        "diff": diff,
    }


def check_no_import_running() -> None:
    # The figures are read by several queries over a few seconds: an import committing in
    # between would be half counted. Imports are all-or-nothing, so waiting for them is
    # enough. A job whose worker died (no heartbeat for a while) does not block.
    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING)
    if any(not import_job_is_stale(job) for job in running):
        raise ValidationError(
            _("An activity import is running: close or recompute the year when it is done.")
        )


def kpi_year_close(*, actor: Actor, year: int) -> KpiSnapshot:
    """Freeze the KPIs of a past year.

    1. refuse the open year (its figures still move), a year already closed, and a close
       while an activity import is running;
    2. compute every figure live, outside the write transaction (a large programme takes
       seconds, and SQLite would hold its write lock all that time);
    3. in one transaction, store the snapshot and its audit entry; the unique constraint
       makes a concurrent second close fail instead of storing two originals.
    """
    if year >= open_year():
        raise ValidationError(
            _("Only a past year can be closed: %(year)s is still open.") % {"year": year}
        )
    if KpiSnapshot.objects.filter(year=year).exists():
        raise ValidationError(_("The year %(year)s is already closed.") % {"year": year})
    check_no_import_running()
    data = freeze_year(year)
    try:
        with transaction.atomic():
            snapshot = KpiSnapshot.objects.create(
                year=year,
                data=data,
                closed_at=timezone.now(),
                closed_by=_user(actor),
                trace=[_trace_entry(actor, "close", "", {})],
            )
            audit_record(
                actor=actor,
                action="kpi.year_close",
                obj=snapshot,
                changes=_summary(year, data),
            )
    except IntegrityError as exc:
        raise ValidationError(_("The year %(year)s is already closed.") % {"year": year}) from exc
    return snapshot


def _summary(year: int, data: dict[str, Any]) -> dict[str, Any]:
    programme = data["programme"]
    return {
        "year": year,
        "communities": programme["communities"],
        "members_unique": programme["members_unique"],
        "messages": programme["messages"],
    }


def programme_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the programme figures that differ."""
    return {
        name: [before.get(name), after.get(name)]
        for name in PROGRAMME_FIELDS
        if before.get(name) != after.get(name)
    }


def _changed_communities(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = {row["slug"]: row for row in before.get("communities", [])}
    new = {row["slug"]: row for row in after.get("communities", [])}
    return sorted(slug for slug in old.keys() | new.keys() if old.get(slug) != new.get(slug))


def kpi_year_recompute(*, actor: Actor, year: int, reason: str) -> KpiSnapshot:
    """Recompute a closed year on purpose: a new snapshot that supersedes the latest one.

    The old snapshot is kept; the new one points at it and carries the trace so far plus
    this recompute (who, when, why, the programme figures that changed and the communities
    whose figures changed). A concurrent recompute of the same snapshot fails.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the year is recomputed.")})
    previous = KpiSnapshot.objects.filter(year=year).order_by("-id").first()
    if previous is None:
        raise ValidationError(_("The year %(year)s is not closed.") % {"year": year})
    check_no_import_running()
    data = freeze_year(year)
    diff = programme_diff(previous.data.get("programme", {}), data["programme"])
    changed = _changed_communities(previous.data, data)
    entry = _trace_entry(actor, "recompute", reason, diff)
    entry["communities_changed"] = changed
    try:
        with transaction.atomic():
            snapshot = KpiSnapshot.objects.create(
                year=year,
                data=data,
                closed_at=timezone.now(),
                closed_by=_user(actor),
                trace=[*previous.trace, entry],
                recomputed_from=previous,
            )
            audit_record(
                actor=actor,
                action="kpi.year_recompute",
                obj=snapshot,
                changes={
                    **_summary(year, data),
                    "reason": reason,
                    "diff": diff,
                    "communities_changed": changed,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("Someone recomputed this year at the same time; look at the latest figures.")
        ) from exc
    return snapshot


# --- KPI sheets ------------------------------------------------------------------------------


def _clean_answers(answers: dict[str, Any]) -> dict[str, int | None]:
    cleaned: dict[str, int | None] = {}
    for key in SHEET_KEYS:
        value = answers.get(key)
        if value in (None, ""):
            cleaned[key] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError({key: _("Enter a whole number.")}) from exc
        if number < 0:
            raise ValidationError({key: _("Enter a number that is zero or more.")})
        cleaned[key] = number
    return cleaned


@transaction.atomic
def kpi_sheet_save(
    *,
    actor: Actor,
    community: Community,
    year: int,
    answers: dict[str, Any],
    comments: str,
    submit: bool = False,
) -> KpiSheet:
    """Save a community's sheet for the year as a draft, or submit it.

    A submitted sheet is locked: the programme office reopens it when it must change.
    """
    sheet = KpiSheet.objects.select_for_update().filter(
        community=community, year=year
    ).first() or KpiSheet(community=community, year=year)
    if sheet.status == KpiSheet.Status.SUBMITTED:
        raise ValidationError(
            _("This sheet was submitted; ask the programme office to reopen it to change it.")
        )
    before = {"answers": dict(sheet.answers), "comments": sheet.comments}
    sheet.answers = _clean_answers(answers)
    sheet.comments = comments.strip()
    if submit:
        sheet.status = KpiSheet.Status.SUBMITTED
        sheet.submitted_at = timezone.now()
        sheet.submitted_by = _user(actor)
    sheet.full_clean()
    sheet.save()
    changes: dict[str, Any] = {"year": year, "status": sheet.status}
    if before["answers"] != sheet.answers:
        changes["answers"] = [before["answers"], sheet.answers]
    if before["comments"] != sheet.comments:
        changes["comments"] = sheet.comments[:500]
    audit_record(
        actor=actor,
        action="kpi_sheet.submit" if submit else "kpi_sheet.save",
        obj=sheet,
        changes=changes,
    )
    return sheet


@transaction.atomic
def kpi_sheet_reopen(*, actor: Actor, sheet: KpiSheet) -> KpiSheet:
    if sheet.status != KpiSheet.Status.SUBMITTED:
        return sheet
    sheet.status = KpiSheet.Status.DRAFT
    sheet.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="kpi_sheet.reopen",
        obj=sheet,
        changes={"year": sheet.year, "submitted_at": sheet.submitted_at},
    )
    return sheet


@dataclass
class ReminderReport:
    recipients: int
    communities: int


def pending_sheet_communities(year: int) -> list[Community]:
    """Communities that count in the year and have not submitted their sheet."""
    submitted = KpiSheet.objects.filter(year=year, status=KpiSheet.Status.SUBMITTED).values(
        "community"
    )
    return list(counting_communities(year).exclude(pk__in=submitted).order_by("name"))


def kpi_sheet_remind(*, actor: Actor, year: int, base_url: str) -> ReminderReport:
    """E-mail the leaders of communities whose sheet for the year is not submitted.

    One message per leader (listing all their pending communities), in the leader's
    preferred language (else the programme's default language); one audit entry.
    `base_url` ("https://trellis.example.com") makes the links absolute.
    """
    pending = {c.pk: c for c in pending_sheet_communities(year)}
    by_person: dict[int, list[Community]] = defaultdict(list)
    leaders = (
        Membership.objects.filter(
            community__in=list(pending), role__in=LEADER_ROLES, left__isnull=True
        )
        .order_by("community__name")
        .values_list("person", "community")
    )
    for person_id, community_id in leaders:
        if pending[community_id] not in by_person[person_id]:
            by_person[person_id].append(pending[community_id])
    default_language = ProgrammeSettings.load().default_language
    programme = ProgrammeSettings.load().name
    messages = []
    people = Person.objects.filter(pk__in=list(by_person), is_active=True).exclude(email="")
    for person in people.order_by("pk"):
        communities = by_person[person.pk]
        language = person.language or default_language
        with translation.override(language):
            context = {
                "person": person,
                "year": year,
                "programme": programme,
                "communities": [
                    {
                        "name": c.name,
                        "url": base_url.rstrip("/")
                        + reverse("kpi_sheet", kwargs={"slug": c.slug, "year": year}),
                    }
                    for c in communities
                ],
            }
            subject = _("%(programme)s: your KPI sheet for %(year)s") % {
                "programme": programme,
                "year": year,
            }
            body = render_to_string("kpis/email/sheet_reminder.txt", context)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
            headers={"Content-Language": language},
        )
        messages.append(message)
    sent = get_connection().send_messages(messages) if messages else 0
    report = ReminderReport(recipients=sent or 0, communities=len(pending))
    audit_record(
        actor=actor,
        action="kpi_sheet.remind",
        object_type="kpis.kpisheet",
        object_repr=str(year),
        changes={"year": year, "recipients": report.recipients, "communities": len(pending)},
    )
    return report


def sheet_year_default(today: dt.date | None = None) -> int:
    """The year a leader reviews by default: the previous year in January–March."""
    today = today or timezone.localdate()
    return today.year - 1 if today.month <= 3 else today.year
