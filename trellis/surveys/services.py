"""Writes of the annual survey: questionnaires, campaigns, invitations, anonymous responses.

A submission (`response_submit`) is deliberately *not* audited: an audit entry naming the
respondent with a time would be exactly the link between a person and an answer sheet that
the schema refuses (docs/surveys.md). Everything the office does is audited as usual, and
no audit entry ever holds an answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trellis.communities.models import Community, Membership
from trellis.core.audit import Actor, audit_record
from trellis.core.models import ProgrammeSettings
from trellis.kpis.selectors import counting_communities
from trellis.people.models import BusinessUnit
from trellis.surveys.models import (
    MIN_RESPONDENTS_FLOOR,
    Answer,
    Campaign,
    Invitation,
    Question,
    Response,
    SurveyTemplate,
)
from trellis.surveys.questionnaire import (
    DEFAULT_QUESTIONS,
    DEFAULT_TEMPLATE_NAME,
    Parsed,
    parse_submission,
)

BATCH = 500


class SurveyError(Exception):
    """A refused survey action; `code` tells the page which explanation to show."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_token() -> tuple[str, str]:
    """A random 32-byte token (URL-safe) and its SHA-256; only the hash is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


# --- Questionnaires ----------------------------------------------------------------------------


@transaction.atomic
def template_create_default(*, actor: Actor) -> tuple[SurveyTemplate, bool]:
    """The default "Engagement and perceived value" questionnaire (created once)."""
    existing = SurveyTemplate.objects.filter(name=DEFAULT_TEMPLATE_NAME).order_by("version").first()
    if existing is not None:
        return existing, False
    template = SurveyTemplate.objects.create(name=DEFAULT_TEMPLATE_NAME, version=1)
    for position, (code, section, qtype, en, fr, required, dimension, extra) in enumerate(
        DEFAULT_QUESTIONS
    ):
        Question.objects.create(
            template=template,
            code=code,
            section=section,
            position=position,
            type=qtype,
            text_en=en,
            text_fr=fr,
            required=required,
            dimension=dimension,
            **extra,
        )
    audit_record(
        actor=actor,
        action="survey_template.create",
        obj=template,
        changes={"questions": len(DEFAULT_QUESTIONS)},
    )
    return template, True


@transaction.atomic
def template_new_version(*, actor: Actor, template: SurveyTemplate) -> SurveyTemplate:
    """A copy of the questionnaire as the next version, editable until a campaign opens."""
    latest = SurveyTemplate.objects.filter(name=template.name).order_by("-version").first()
    version = (latest.version if latest else template.version) + 1
    copy = SurveyTemplate.objects.create(name=template.name, version=version)
    Question.objects.bulk_create(
        Question(
            template=copy,
            code=q.code,
            section=q.section,
            position=q.position,
            type=q.type,
            text_en=q.text_en,
            text_fr=q.text_fr,
            choices=q.choices,
            required=q.required,
            min_value=q.min_value,
            max_value=q.max_value,
            dimension=q.dimension,
        )
        for q in template.questions.all()
    )
    audit_record(
        actor=actor, action="survey_template.new_version", obj=copy, changes={"from": str(template)}
    )
    return copy


@transaction.atomic
def question_update(
    *, actor: Actor, question: Question, text_en: str, text_fr: str, required: bool
) -> Question:
    """Reword a question; refused once a campaign using the questionnaire has opened."""
    if question.template.is_locked:
        raise SurveyError(
            "locked",
            _("This questionnaire was used by a campaign that opened: make a new version."),
        )
    before = {
        "text_en": question.text_en,
        "text_fr": question.text_fr,
        "required": question.required,
    }
    question.text_en, question.text_fr, question.required = text_en, text_fr, required
    question.full_clean()
    question.save()
    after = {"text_en": text_en, "text_fr": text_fr, "required": required}
    audit_record(
        actor=actor,
        action="survey_question.update",
        obj=question,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return question


# --- Campaigns ---------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    year: int,
    title: str,
    template: SurveyTemplate,
    opens_on: dt.date,
    closes_on: dt.date,
    communities: Iterable[Community] = (),
    business_unit: BusinessUnit | None = None,
    min_respondents: int = 5,
    min_comments: int = 10,
    external: bool = False,
) -> Campaign:
    if min_respondents < MIN_RESPONDENTS_FLOOR:
        raise ValidationError(
            _("A group needs at least %(floor)d respondents.") % {"floor": MIN_RESPONDENTS_FLOOR}
        )
    if min_comments < min_respondents:
        raise ValidationError(_("Comments cannot need fewer respondents than scores."))
    campaign = Campaign(
        year=year,
        title=title,
        template=template,
        opens_on=opens_on,
        closes_on=closes_on,
        business_unit=business_unit,
        min_respondents=min_respondents,
        min_comments=min_comments,
        external=external,
    )
    campaign.full_clean()
    campaign.save()
    campaign.communities.set(list(communities))
    audit_record(
        actor=actor,
        action="survey_campaign.create",
        obj=campaign,
        changes={
            "year": year,
            "template": str(template),
            "opens_on": opens_on,
            "closes_on": closes_on,
            "min_respondents": min_respondents,
            "min_comments": min_comments,
            "external": external,
        },
    )
    return campaign


def population(campaign: Campaign) -> Any:
    """Active memberships of active people in the campaign's communities (person, community)."""
    communities = counting_communities(campaign.year).order_by().values("pk")
    chosen = list(campaign.communities.values_list("pk", flat=True))
    qs = Membership.objects.filter(
        community__in=communities, left__isnull=True, person__is_active=True
    )
    if chosen:
        qs = qs.filter(community__in=chosen)
    if campaign.business_unit_id is not None:
        qs = qs.filter(person__business_unit_id=campaign.business_unit_id)
    return qs.order_by("person_id", "community_id").values_list("person_id", "community_id")


def _invite(campaign: Campaign) -> int:
    """Create the invitations in batches (bounded memory at 200,000 people)."""
    through = Invitation.communities.through
    invited = 0
    person: int | None = None
    pending: dict[int, list[int]] = {}

    def flush() -> None:
        nonlocal invited
        if not pending:
            return
        Invitation.objects.bulk_create(
            [Invitation(campaign=campaign, person_id=pid) for pid in pending]
        )
        ids = dict(
            Invitation.objects.filter(campaign=campaign, person_id__in=list(pending)).values_list(
                "person_id", "pk"
            )
        )
        through.objects.bulk_create(
            [
                through(invitation_id=ids[pid], community_id=cid)
                for pid, cids in pending.items()
                for cid in cids
            ]
        )
        invited += len(pending)
        pending.clear()

    for person_id, community_id in population(campaign).iterator(chunk_size=2000):
        if person_id != person and len(pending) >= BATCH:
            flush()
        person = person_id
        pending.setdefault(person_id, [])
        if community_id not in pending[person_id]:
            pending[person_id].append(community_id)
    flush()
    return invited


def campaign_open(*, actor: Actor, campaign: Campaign, base_url: str = "") -> int:
    """Open a draft campaign: freeze its thresholds, invite its population, queue the e-mails.

    1. lock the campaign row and refuse anything but a draft;
    2. create one invitation per person of the population with the communities that person
       answers about (an external campaign invites nobody);
    3. queue the background task that sends the invitations in batches.
    Returns the number of people invited.
    """
    from trellis.surveys import tasks

    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != Campaign.Status.DRAFT:
            raise SurveyError("state", _("Only a draft campaign can be opened."))
        invited = 0 if locked.external else _invite(locked)
        locked.status = Campaign.Status.OPEN
        locked.opened_at = timezone.now()
        locked.save(update_fields=["status", "opened_at"])
        audit_record(
            actor=actor,
            action="survey_campaign.open",
            obj=locked,
            changes={
                "invited": invited,
                "min_respondents": locked.min_respondents,
                "min_comments": locked.min_comments,
            },
        )
    campaign.refresh_from_db()
    if invited:
        # Outside the transaction: the worker must see the committed invitations.
        tasks.send_invitations.enqueue(campaign.pk, False, base_url)
    return invited


def campaign_remind(*, actor: Actor, campaign: Campaign, base_url: str = "") -> int:
    """Queue reminders to the invited people who have not answered; returns how many."""
    from trellis.surveys import tasks

    if campaign.status != Campaign.Status.OPEN or campaign.external:
        raise SurveyError("state", _("Reminders go out only while a campaign is open."))
    pending = campaign.invitations.filter(responded=False, sent_at__isnull=False).count()
    audit_record(
        actor=actor, action="survey_campaign.remind", obj=campaign, changes={"pending": pending}
    )
    tasks.send_invitations.enqueue(campaign.pk, True, base_url)
    return pending


def _transition(
    *, actor: Actor, campaign: Campaign, source: str, target: str, stamp: str, action: str
) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != source:
            raise SurveyError("state", _("This campaign cannot do that in its current state."))
        locked.status = target
        setattr(locked, stamp, timezone.now())
        locked.save(update_fields=["status", stamp])
        audit_record(
            actor=actor,
            action=action,
            obj=locked,
            changes={
                "invited": locked.invitations.count(),
                "responded": locked.invitations.filter(responded=True).count(),
                "responses": locked.responses.count(),
            },
        )
    return locked


def campaign_close(*, actor: Actor, campaign: Campaign) -> Campaign:
    return _transition(
        actor=actor,
        campaign=campaign,
        source=Campaign.Status.OPEN,
        target=Campaign.Status.CLOSED,
        stamp="closed_at",
        action="survey_campaign.close",
    )


def campaign_publish(*, actor: Actor, campaign: Campaign) -> Campaign:
    return _transition(
        actor=actor,
        campaign=campaign,
        source=Campaign.Status.CLOSED,
        target=Campaign.Status.PUBLISHED,
        stamp="published_at",
        action="survey_campaign.publish",
    )


# --- E-mails (run by the background task) ------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    batches: int = 0


def invitations_send(
    *, campaign: Campaign, reminder: bool, base_url: str = "", batch: int = BATCH
) -> SendReport:
    """Send the invitations (or reminders) of a campaign, one batch per transaction.

    1. take the next `batch` invitations by primary key (never the whole list in memory);
    2. give each a fresh random token and store only its SHA-256 (a reminder gets its own
       token, stored apart, so the first link keeps working);
    3. send the batch on one connection, then move on. A crash resumes where it stopped:
       invitations already sent are skipped (reminders: those reminded in this run).
    """
    base_url = base_url.rstrip("/")
    link = base_url + reverse("survey_respond")
    programme = ProgrammeSettings.load()
    default_language = programme.default_language or settings.LANGUAGE_CODE
    started = timezone.now()
    report = SendReport()
    last = 0
    while True:
        qs = Invitation.objects.filter(campaign=campaign, pk__gt=last)
        if reminder:
            qs = qs.filter(responded=False, sent_at__isnull=False).exclude(reminded_at__gte=started)
        else:
            qs = qs.filter(sent_at__isnull=True)
        rows = list(
            qs.order_by("pk").values_list(
                "pk", "person__email", "person__name", "person__language"
            )[:batch]
        )
        if not rows:
            break
        last = rows[-1][0]
        now = timezone.now()
        messages: list[EmailMessage] = []
        updates: list[Invitation] = []
        for pk, email, name, language in rows:
            token, digest = new_token()
            invitation = Invitation(pk=pk)
            if reminder:
                invitation.reminder_token_hash, invitation.reminded_at = digest, now
            else:
                invitation.token_hash, invitation.sent_at = digest, now
            updates.append(invitation)
            if not email:
                continue
            language = language or default_language
            with translation.override(language):
                context = {
                    "name": name,
                    "campaign": campaign,
                    "programme": programme.name,
                    "url": f"{link}?t={token}",
                    "reminder": reminder,
                }
                subject = (
                    _("Reminder: %(title)s") if reminder else _("%(title)s: your invitation")
                ) % {"title": campaign.title}
                body = render_to_string("surveys/email/invitation.txt", context)
            messages.append(
                EmailMessage(
                    subject=subject,
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[email],
                    headers={"Content-Language": language},
                )
            )
        fields = ["reminder_token_hash", "reminded_at"] if reminder else ["token_hash", "sent_at"]
        with transaction.atomic():
            Invitation.objects.bulk_update(updates, fields)
        if messages:
            report.sent += get_connection().send_messages(messages) or 0
        report.batches += 1
        del messages, updates, rows
    return report


# --- Responding --------------------------------------------------------------------------------


@dataclass
class Sheet:
    """What a respondent sees: the campaign, the questions and their communities."""

    invitation: Invitation
    campaign: Campaign
    questions: list[Question]
    communities: list[Community]
    language: str


def sheet_for_token(token: str, *, today: dt.date | None = None) -> Sheet:
    """The questionnaire behind a token, or a SurveyError saying why it cannot be answered."""
    if not token or len(token) > 200:
        raise SurveyError("invalid", _("This survey link is not valid."))
    digest = hash_token(token)
    invitation = (
        Invitation.objects.select_related("campaign", "campaign__template", "person")
        .filter(token_hash=digest)
        .first()
        or Invitation.objects.select_related("campaign", "campaign__template", "person")
        .filter(reminder_token_hash=digest)
        .first()
    )
    if invitation is None:
        raise SurveyError("invalid", _("This survey link is not valid."))
    campaign = invitation.campaign
    today = today or timezone.localdate()
    if invitation.responded:
        raise SurveyError("used", _("You have already answered this survey. Thank you!"))
    if campaign.status == Campaign.Status.DRAFT or today < campaign.opens_on:
        raise SurveyError("not_open", _("This survey is not open yet."))
    if campaign.status != Campaign.Status.OPEN or today > campaign.closes_on:
        raise SurveyError("closed", _("This survey is closed."))
    questions = list(campaign.template.questions.order_by("section", "position", "pk"))
    questions.sort(key=lambda q: (q.section != Question.Section.GLOBAL, q.position, q.pk))
    communities = list(invitation.communities.order_by("name"))
    language = invitation.person.language or ProgrammeSettings.load().default_language or "en"
    return Sheet(invitation, campaign, questions, communities, language)


def response_submit(*, token: str, data: Any, today: dt.date | None = None) -> Parsed:
    """Record one person's answers, anonymously, exactly once.

    1. resolve the token (SurveyError if invalid, used, closed or not open);
    2. validate every answer; with any error nothing is written and the errors come back;
    3. in one transaction: flip the invitation to responded with a conditional UPDATE
       (`... WHERE responded = false`): of two tabs submitting at once exactly one gets a
       row count of 1, the other gets "already answered"; then create the global response
       and one response per community section, with their answers. Responses carry the
       date only and no link to the invitation. Not audited (see the module docstring).
    """
    today = today or timezone.localdate()
    sheet = sheet_for_token(token, today=today)
    parsed = parse_submission(sheet.questions, sheet.communities, data)
    if parsed.errors:
        return parsed
    business_unit_id = sheet.invitation.person.business_unit_id
    with transaction.atomic():
        flipped = Invitation.objects.filter(pk=sheet.invitation.pk, responded=False).update(
            responded=True
        )
        if flipped != 1:
            raise SurveyError("used", _("You have already answered this survey. Thank you!"))
        answers: list[Answer] = []
        for community_id, section in parsed.sections.items():
            response = Response.objects.create(
                campaign=sheet.campaign,
                community_id=community_id,
                business_unit_id=business_unit_id if community_id is None else None,
                submitted_on=today,
            )
            answers.extend(
                Answer(
                    response=response,
                    question=a.question,
                    number=a.number,
                    text=a.text,
                    campaign=sheet.campaign,
                    community_id=community_id,
                    business_unit_id=response.business_unit_id,
                )
                for a in section
            )
        Answer.objects.bulk_create(answers)
    return parsed
