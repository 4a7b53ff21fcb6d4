"""Writes of programme support: engagement letters, escalations and resource requests.

Every function is keyword-only, validates (full_clean and the business rules), runs in one
transaction and writes an audit entry. E-mails leave after the commit, in the recipient's
language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from trellis.communities.models import LEADER_ROLES, Community, Membership, Role
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.core.models import ProgrammeSettings
from trellis.people.models import Person
from trellis.programme.models import EngagementLetter, Escalation, ResourceRequest

# How long a signing link works, and how long before its end a signed letter is recalled.
LINK_DAYS = 14
REMINDER_DAYS = 30

LETTER_ROLES = (*LEADER_ROLES, Role.CORE_TEAM)
LETTER_FIELDS = [
    "person",
    "community",
    "manager",
    "time_unit",
    "time_amount",
    "start",
    "end",
    "objectives",
    "status",
]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _language(person: Person) -> str:
    return person.language or ProgrammeSettings.load().default_language or settings.LANGUAGE_CODE


def _mail(person: Person, subject: str, template: str, context: dict[str, Any]) -> None:
    """Render and send an e-mail in the person's language once the transaction commits."""
    if not person.email:
        return
    language = _language(person)
    with translation.override(language):
        body = render_to_string(
            template,
            {**context, "name": person.name, "programme": ProgrammeSettings.load().name},
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={"Content-Language": language},
    )
    transaction.on_commit(message.send)


def _subject(recipient: Person, text: str, /, **values: Any) -> str:
    """`text` is marked with gettext_noop at the call site and translated here."""
    with translation.override(_language(recipient)):
        return _(text) % values if values else _(text)


# --- Engagement letters -----------------------------------------------------------------------


def _check_letter(letter: EngagementLetter) -> None:
    """The rules a letter must follow, as one ValidationError with every problem."""
    errors: dict[str, list[str]] = {}
    person, manager = letter.person, letter.manager
    if person.manager_id is None:
        errors.setdefault("manager", []).append(
            _("%(person)s has no manager in the directory: update the directory first.")
            % {"person": person.name}
        )
    elif manager.pk != person.manager_id:
        errors.setdefault("manager", []).append(
            _("%(manager)s is not the manager of %(person)s.")
            % {"manager": manager.name, "person": person.name}
        )
    holds_role = Membership.objects.filter(
        person=person, community=letter.community, left__isnull=True, role__in=LETTER_ROLES
    ).exists()
    if not holds_role:
        errors.setdefault("person", []).append(
            _("%(person)s is not a leader or core-team member of %(community)s.")
            % {"person": person.name, "community": letter.community.name}
        )
    if letter.time_unit == EngagementLetter.TimeUnit.PERCENT and letter.time_amount > 100:
        errors.setdefault("time_amount", []).append(_("A share of working time is at most 100."))
    if letter.start and letter.end and letter.end < letter.start:
        errors.setdefault("end", []).append(_("The end of the period is before its start."))
    elif letter.start and letter.end:
        overlapping = (
            EngagementLetter.objects.filter(
                person=person,
                community=letter.community,
                status__in=EngagementLetter.LIVE_STATUSES,
                start__lte=letter.end,
                end__gte=letter.start,
            )
            .exclude(pk=letter.pk)
            .order_by("start")
            .first()
        )
        if overlapping is not None:
            errors.setdefault("start", []).append(
                _(
                    "%(person)s already has a letter for %(community)s from %(start)s to "
                    "%(end)s (%(status)s): the periods overlap."
                )
                % {
                    "person": person.name,
                    "community": letter.community.name,
                    "start": overlapping.start.isoformat(),
                    "end": overlapping.end.isoformat(),
                    "status": overlapping.get_status_display(),
                }
            )
    if errors:
        raise ValidationError(errors)


def letter_create(
    *,
    actor: Actor,
    person: Person,
    community: Community,
    manager: Person,
    time_unit: str,
    time_amount: Decimal,
    start: dt.date,
    end: dt.date,
    objectives: str,
    renewed_from: EngagementLetter | None = None,
) -> EngagementLetter:
    letter = EngagementLetter(
        person=person,
        community=community,
        manager=manager,
        time_unit=time_unit,
        time_amount=time_amount,
        start=start,
        end=end,
        objectives=objectives,
        renewed_from=renewed_from,
        created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    with transaction.atomic():
        letter.full_clean()
        _check_letter(letter)
        letter.save()
        audit_record(
            actor=actor,
            action="letter.create",
            obj=letter,
            changes={
                **diff_fields(None, letter, LETTER_FIELDS),
                **({"renews": renewed_from.pk} if renewed_from else {}),
            },
        )
    return letter


def letter_update(
    *,
    actor: Actor,
    letter: EngagementLetter,
    manager: Person,
    time_unit: str,
    time_amount: Decimal,
    start: dt.date,
    end: dt.date,
    objectives: str,
) -> EngagementLetter:
    if not letter.is_editable:
        raise ValidationError(_("Only a draft letter can be changed."))
    before = EngagementLetter.objects.get(pk=letter.pk)
    letter.manager, letter.time_unit, letter.time_amount = manager, time_unit, time_amount
    letter.start, letter.end, letter.objectives = start, end, objectives
    with transaction.atomic():
        letter.full_clean()
        _check_letter(letter)
        letter.save()
        changes = diff_fields(before, letter, LETTER_FIELDS)
        if changes:
            audit_record(actor=actor, action="letter.update", obj=letter, changes=changes)
    return letter


def letter_send(
    *, actor: Actor, letter: EngagementLetter, base_url: str, now: dt.datetime | None = None
) -> EngagementLetter:
    """Send (or send again) a letter to the manager for signature.

    1. refuse unless it is a draft or already sent, and recheck the rules (the manager may
       have changed in the directory since the draft);
    2. give it a new random token (only its SHA-256 is stored; an earlier link stops working)
       that expires after LINK_DAYS;
    3. e-mail the manager the link, in the manager's language, after the commit.
    """
    if letter.status not in (EngagementLetter.Status.DRAFT, EngagementLetter.Status.SENT):
        raise ValidationError(_("Only a draft or a letter waiting for signature can be sent."))
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        letter = EngagementLetter.objects.select_for_update().get(pk=letter.pk)
        _check_letter(letter)
        again = letter.status == EngagementLetter.Status.SENT
        letter.status = EngagementLetter.Status.SENT
        letter.sent_at = now
        letter.token_hash = hash_token(token)
        letter.token_expires_at = now + dt.timedelta(days=LINK_DAYS)
        letter.token_used_at = None
        letter.save()
        audit_record(
            actor=actor,
            action="letter.resend" if again else "letter.send",
            obj=letter,
            changes={"status": "sent", "to": letter.manager.email},
        )
        url = base_url.rstrip("/") + reverse("letter_sign_link", args=[token])
        _mail(
            letter.manager,
            _subject(
                letter.manager,
                gettext_noop("Engagement letter to sign for %(person)s"),
                person=letter.person,
            ),
            "programme/email/letter_to_sign.txt",
            {
                "letter": letter,
                "url": url,
                "expires": letter.token_expires_at,
                "app_url": base_url.rstrip("/") + reverse("letter_detail", args=[letter.pk]),
            },
        )
    return letter


class LetterLinkError(Exception):
    """Why a signing link cannot be used: invalid, used, expired or closed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def letter_for_token(token: str, *, now: dt.datetime | None = None) -> EngagementLetter:
    """The letter behind a signing link, or a LetterLinkError that tells nothing about it."""
    now = now or timezone.now()
    if not token or len(token) > 200:
        raise LetterLinkError("invalid", _("This signing link is not valid."))
    letter = (
        EngagementLetter.objects.select_related("person", "manager", "community")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if letter is None:
        raise LetterLinkError("invalid", _("This signing link is not valid."))
    if letter.token_used_at is not None:
        raise LetterLinkError("used", _("This signing link has already been used."))
    if letter.status != EngagementLetter.Status.SENT:
        raise LetterLinkError("closed", _("This letter no longer waits for a signature."))
    if letter.token_expires_at is None or letter.token_expires_at <= now:
        raise LetterLinkError("expired", _("This signing link has expired."))
    return letter


def _decide(
    *,
    actor: Actor,
    letter: EngagementLetter,
    signer: Person,
    sign: bool,
    reason: str,
    via: str,
    now: dt.datetime,
    token_hash: str = "",
) -> EngagementLetter:
    """Sign or decline, once: the conditional UPDATE lets only one of two racing requests in."""
    if letter.person.manager_id != signer.pk or letter.manager_id != signer.pk:
        raise ValidationError(
            _("%(manager)s is not the manager of %(person)s: only their manager can sign.")
            % {"manager": signer.name, "person": letter.person.name}
        )
    if not sign and not reason.strip():
        raise ValidationError({"reason": _("Please say why you decline the letter.")})
    fields: dict[str, Any] = {"token_used_at": now, "updated_at": now}
    if sign:
        fields.update(
            status=EngagementLetter.Status.SIGNED,
            signed_at=now,
            signed_via=via,
            signer_name=signer.name,
        )
    else:
        fields.update(
            status=EngagementLetter.Status.DECLINED, declined_at=now, decline_reason=reason.strip()
        )
    with transaction.atomic():
        guard = Q(pk=letter.pk, status=EngagementLetter.Status.SENT)
        if token_hash:
            guard &= Q(token_hash=token_hash, token_used_at__isnull=True)
        if EngagementLetter.objects.filter(guard).update(**fields) != 1:
            raise ValidationError(_("This letter no longer waits for a signature."))
        letter.refresh_from_db()
        audit_record(
            actor=actor,
            action="letter.sign" if sign else "letter.decline",
            obj=letter,
            object_repr=str(letter),
            changes={"status": letter.status, "by": signer.name, "via": via},
        )
        _mail(
            letter.person,
            _subject(
                letter.person,
                gettext_noop("Your engagement letter for %(community)s was signed")
                if sign
                else gettext_noop("Your engagement letter for %(community)s was declined"),
                community=letter.community.name,
            ),
            "programme/email/letter_decided.txt",
            {"letter": letter, "signed": sign},
        )
    return letter


def letter_decide(
    *,
    actor: Actor,
    letter: EngagementLetter,
    signer: Person,
    sign: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> EngagementLetter:
    """The manager signs or declines in the application (logged in)."""
    return _decide(
        actor=actor,
        letter=letter,
        signer=signer,
        sign=sign,
        reason=reason,
        via=EngagementLetter.Via.APP,
        now=now or timezone.now(),
    )


def letter_decide_by_link(
    *, token: str, sign: bool, reason: str = "", now: dt.datetime | None = None
) -> EngagementLetter:
    """The manager signs or declines from the e-mailed link (no account): single use."""
    now = now or timezone.now()
    letter = letter_for_token(token, now=now)
    return _decide(
        actor=None,
        letter=letter,
        signer=letter.manager,
        sign=sign,
        reason=reason,
        via=EngagementLetter.Via.LINK,
        now=now,
        token_hash=hash_token(token),
    )


def _next_period(letter: EngagementLetter) -> tuple[dt.date, dt.date]:
    """The period right after the letter's, of the same length in months when it is whole
    months (1 Jan–31 Dec → next 1 Jan–31 Dec), else in days."""
    start = letter.end + dt.timedelta(days=1)
    months = (letter.end.year - letter.start.year) * 12 + letter.end.month - letter.start.month + 1
    whole = letter.start.day == 1 and (letter.end + dt.timedelta(days=1)).day == 1
    if whole:
        year, month = divmod(start.month - 1 + months, 12)
        end = dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)
    else:
        end = start + (letter.end - letter.start)
    return start, end


def letter_renew(*, actor: Actor, letter: EngagementLetter) -> EngagementLetter:
    """A new draft for the next period, copying the letter (time, objectives); the manager
    is the person's current manager."""
    if letter.status not in (EngagementLetter.Status.SIGNED, EngagementLetter.Status.EXPIRED):
        raise ValidationError(_("Only a signed or expired letter can be renewed."))
    start, end = _next_period(letter)
    manager = letter.person.manager or letter.manager
    return letter_create(
        actor=actor,
        person=letter.person,
        community=letter.community,
        manager=manager,
        time_unit=letter.time_unit,
        time_amount=letter.time_amount,
        start=start,
        end=end,
        objectives=letter.objectives,
        renewed_from=letter,
    )


@dataclass
class DailyReport:
    expired: int = 0
    reminded: int = 0


def letters_daily(
    *,
    today: dt.date | None = None,
    reminder_days: int = REMINDER_DAYS,
    base_url: str = "",
) -> DailyReport:
    """The daily pass over letters (`trellis letters-daily`, or its task).

    1. letters whose period ended (signed or never signed) become expired, in one UPDATE;
    2. the person of each signed letter that ends within `reminder_days` and has not been
       reminded yet gets one e-mail (in their language) inviting them to renew it; the
       letter records when, so a second run the same day sends nothing.
    Idempotent: a run that crashes is simply run again.
    """
    today = today or timezone.localdate()
    report = DailyReport()
    with transaction.atomic():
        ending = EngagementLetter.objects.filter(
            status__in=(EngagementLetter.Status.SIGNED, EngagementLetter.Status.SENT),
            end__lt=today,
        )
        ids = list(ending.values_list("pk", flat=True))
        if ids:
            report.expired = EngagementLetter.objects.filter(pk__in=ids).update(
                status=EngagementLetter.Status.EXPIRED, updated_at=timezone.now()
            )
            audit_record(
                actor=None,
                action="letter.expire",
                object_type="programme.engagementletter",
                object_repr=f"{len(ids)} letters",
                changes={"ids": ids},
            )
    due = (
        EngagementLetter.objects.filter(
            status=EngagementLetter.Status.SIGNED,
            end__gte=today,
            end__lte=today + dt.timedelta(days=reminder_days),
            reminded_at__isnull=True,
        )
        .select_related("person", "community")
        .order_by("pk")
    )
    for letter in due:
        with transaction.atomic():
            letter.reminded_at = timezone.now()
            letter.save(update_fields=["reminded_at"])
            audit_record(actor=None, action="letter.remind", obj=letter)
            _mail(
                letter.person,
                _subject(
                    letter.person,
                    gettext_noop("Your engagement letter for %(community)s ends soon"),
                    community=letter.community.name,
                ),
                "programme/email/letter_reminder.txt",
                {
                    "letter": letter,
                    "url": base_url.rstrip("/") + reverse("letter_detail", args=[letter.pk]),
                },
            )
        report.reminded += 1
    return report


# --- Escalations ------------------------------------------------------------------------------

ESCALATION_FIELDS = ["kind", "status", "mediator", "due_on"]


def escalation_raise(
    *, actor: Actor, raised_by: Person, community: Community, kind: str, description: str
) -> Escalation:
    escalation = Escalation(
        raised_by=raised_by, community=community, kind=kind, description=description.strip()
    )
    with transaction.atomic():
        escalation.full_clean()
        escalation.save()
        # The description stays out of the audit trail: the office reads it on the page.
        audit_record(
            actor=actor,
            action="escalation.raise",
            obj=escalation,
            changes={"kind": kind, "community": community.slug},
        )
    return escalation


def escalation_manage(
    *,
    actor: Actor,
    escalation: Escalation,
    mediator: Person | None,
    due_on: dt.date | None,
    status: str,
    resolution: str,
) -> Escalation:
    """The office assigns the mediator, the due date, the status and the resolution note."""
    if mediator is not None and mediator.pk == escalation.raised_by_id:
        raise ValidationError({"mediator": _("The mediator cannot be the person who raised it.")})
    before = Escalation.objects.get(pk=escalation.pk)
    escalation.mediator, escalation.due_on = mediator, due_on
    return _escalation_save(
        actor=actor, escalation=escalation, before=before, status=status, resolution=resolution
    )


def escalation_update(
    *, actor: Actor, escalation: Escalation, status: str, resolution: str
) -> Escalation:
    """The mediator moves the status and writes the resolution note."""
    before = Escalation.objects.get(pk=escalation.pk)
    return _escalation_save(
        actor=actor, escalation=escalation, before=before, status=status, resolution=resolution
    )


def _escalation_save(
    *, actor: Actor, escalation: Escalation, before: Escalation, status: str, resolution: str
) -> Escalation:
    escalation.status = status
    escalation.resolution = resolution.strip()
    if status == Escalation.Status.RESOLVED and not escalation.resolution:
        raise ValidationError(
            {"resolution": _("Write a resolution note before marking it resolved.")}
        )
    if status in Escalation.OPEN_STATUSES:
        escalation.resolved_at = None
    elif before.status in Escalation.OPEN_STATUSES:
        escalation.resolved_at = timezone.now()
    with transaction.atomic():
        escalation.full_clean()
        escalation.save()
        changes = diff_fields(before, escalation, ESCALATION_FIELDS)
        if before.resolution != escalation.resolution:
            changes["resolution"] = "changed"  # never the private text itself
        if changes:
            audit_record(actor=actor, action="escalation.update", obj=escalation, changes=changes)
        if (
            escalation.status not in Escalation.OPEN_STATUSES
            and before.status in Escalation.OPEN_STATUSES
        ):
            _mail(
                escalation.raised_by,
                _subject(
                    escalation.raised_by,
                    gettext_noop("Your escalation %(number)s was closed"),
                    number=escalation.pk,
                ),
                "programme/email/escalation_closed.txt",
                {"escalation": escalation},
            )
        if escalation.mediator is not None and escalation.mediator_id != before.mediator_id:
            _mail(
                escalation.mediator,
                _subject(
                    escalation.mediator, gettext_noop("You are the mediator of an escalation")
                ),
                "programme/email/escalation_mediator.txt",
                {"escalation": escalation},
            )
    return escalation


# --- Resources --------------------------------------------------------------------------------

RESOURCE_FIELDS = ["community", "year", "kind", "title", "amount", "status", "decision_note"]


def resource_request(
    *,
    actor: Actor,
    community: Community,
    year: int,
    kind: str,
    title: str,
    amount: Decimal,
    justification: str = "",
) -> ResourceRequest:
    item = ResourceRequest(
        community=community,
        year=year,
        kind=kind,
        title=title.strip(),
        amount=amount,
        justification=justification.strip(),
        requested_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    with transaction.atomic():
        item.full_clean()
        item.save()
        audit_record(
            actor=actor,
            action="resource.request",
            obj=item,
            changes=diff_fields(None, item, RESOURCE_FIELDS),
        )
    return item


# Which decision may follow which: "used" only after "granted"; a decision may be revised.
RESOURCE_MOVES: dict[str, set[str]] = {
    ResourceRequest.Status.REQUESTED: {
        ResourceRequest.Status.GRANTED,
        ResourceRequest.Status.REFUSED,
    },
    ResourceRequest.Status.GRANTED: {
        ResourceRequest.Status.USED,
        ResourceRequest.Status.REFUSED,
        ResourceRequest.Status.REQUESTED,
    },
    ResourceRequest.Status.REFUSED: {
        ResourceRequest.Status.GRANTED,
        ResourceRequest.Status.REQUESTED,
    },
    ResourceRequest.Status.USED: {ResourceRequest.Status.GRANTED},
}


def resource_decide(
    *,
    actor: Actor,
    item: ResourceRequest,
    status: str,
    decision_note: str,
    amount: Decimal | None = None,
) -> ResourceRequest:
    """The office grants (possibly a different amount), refuses or marks as used."""
    if status != item.status and status not in RESOURCE_MOVES.get(item.status, set()):
        raise ValidationError(
            {
                "status": _("A request that is %(now)s cannot become %(next)s.")
                % {
                    "now": item.get_status_display(),
                    "next": ResourceRequest.Status(status).label,
                }
            }
        )
    if status == ResourceRequest.Status.REFUSED and not decision_note.strip():
        raise ValidationError({"decision_note": _("Please give the reason for the refusal.")})
    before = ResourceRequest.objects.get(pk=item.pk)
    item.status = status
    item.decision_note = decision_note.strip()
    if amount is not None:
        item.amount = amount
    item.decided_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    item.decided_at = timezone.now()
    with transaction.atomic():
        item.full_clean()
        item.save()
        audit_record(
            actor=actor,
            action="resource.decide",
            obj=item,
            changes=diff_fields(before, item, RESOURCE_FIELDS),
        )
    return item
