"""Writes on stories: drafting, quantified benefits, attachments and the review workflow.

Views check who may act (trellis/stories/access.py); these functions check that the story
is in the right state, validate, write in one transaction and audit every step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import Community, Tag
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.core.models import ProgrammeSettings
from trellis.people.models import Person
from trellis.stories.attachments import CONTENT_TYPES, check_attachment
from trellis.stories.models import Attachment, Benefit, Comment, Cycle, Status, Story

STORY_FIELDS = [
    "title",
    "summary",
    "context",
    "community_action",
    "practice_change",
    "result",
    "reframing",
    "beneficiaries",
    "evidence_links",
    "cycles",
    "year",
]
HOUR_WORDS = {"h", "hr", "hrs", "hour", "hours", "heure", "heures"}
_url = URLValidator(schemes=["http", "https"])


def _user(actor: Actor) -> Any:
    """The logged-in user behind the actor, or None for the system."""
    return actor if actor is not None and actor.is_authenticated else None


def _clean_story(story: Story) -> None:
    errors: dict[str, list[str]] = {}
    codes = story.cycle_list
    if any(code not in Cycle.values for code in codes):
        errors["cycles"] = [_("Choose value cycles from the list.")]
    for line in story.evidence_list:
        try:
            _url(line)
        except ValidationError:
            errors.setdefault("evidence_links", []).append(
                _("%(line)s is not a web address (http:// or https://).") % {"line": line[:100]}
            )
    try:
        story.full_clean(exclude=["communities", "contributors", "tags"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _set_relations(
    story: Story,
    communities: Iterable[Community],
    contributors: Iterable[Person],
    tags: Iterable[str],
) -> dict[str, Any]:
    community_list = list(communities)
    if not community_list:
        raise ValidationError({"communities": [_("Choose at least one community.")]})
    story.communities.set(community_list)
    story.contributors.set(list(contributors))
    tag_objects = []
    for name in sorted({t.strip()[:100] for t in tags if t.strip()}):
        tag, _created = Tag.objects.get_or_create(name=name)
        tag_objects.append(tag)
    story.tags.set(tag_objects)
    return {
        "communities": sorted(c.slug for c in community_list),
        "contributors": sorted(p.pk for p in story.contributors.all()),
        "tags": [t.name for t in tag_objects],
    }


@transaction.atomic
def story_create(
    *,
    actor: Actor,
    communities: Iterable[Community],
    contributors: Iterable[Person] = (),
    tags: Iterable[str] = (),
    **fields: Any,
) -> Story:
    unknown = set(fields) - set(STORY_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    story = Story(author=_user(actor), **fields)
    _clean_story(story)
    story.save()
    relations = _set_relations(story, communities, contributors, tags)
    audit_record(
        actor=actor,
        action="story.create",
        obj=story,
        changes={**diff_fields(None, story, STORY_FIELDS), **relations},
    )
    return story


def _require(story: Story, *statuses: str) -> None:
    if story.status not in statuses:
        raise ValidationError(
            _("This story is %(status)s: this step is not possible now.")
            % {"status": story.get_status_display().lower()}
        )


@transaction.atomic
def story_update(
    *,
    actor: Actor,
    story: Story,
    communities: Iterable[Community],
    contributors: Iterable[Person] = (),
    tags: Iterable[str] = (),
    **fields: Any,
) -> Story:
    unknown = set(fields) - set(STORY_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.DRAFT)
    before = Story(**{name: getattr(story, name) for name in STORY_FIELDS})
    for name, value in fields.items():
        setattr(story, name, value)
    _clean_story(story)
    story.save()
    relations = _set_relations(story, communities, contributors, tags)
    audit_record(
        actor=actor,
        action="story.update",
        obj=story,
        changes={**diff_fields(before, story, STORY_FIELDS), **relations},
    )
    return story


def _save_transition(actor: Actor, story: Story, old: str, action: str) -> Story:
    story.save()
    audit_record(actor=actor, action=action, obj=story, changes={"status": [old, story.status]})
    return story


@transaction.atomic
def story_submit(*, actor: Actor, story: Story) -> Story:
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.DRAFT)
    _clean_story(story)
    if not story.communities.exists():
        raise ValidationError(_("Choose at least one community before submitting."))
    if not story.cycle_list:
        raise ValidationError(_("Say which value cycles the story reaches before submitting."))
    story.status = Status.SUBMITTED
    story.submitted_at = timezone.now()
    story.refusal_reason = ""
    return _save_transition(actor, story, Status.DRAFT, "story.submit")


@transaction.atomic
def story_validate(*, actor: Actor, story: Story) -> Story:
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.SUBMITTED)
    story.status = Status.VALIDATED
    story.validated_by = _user(actor)
    story.validated_at = timezone.now()
    return _save_transition(actor, story, Status.SUBMITTED, "story.validate")


@transaction.atomic
def story_approve(*, actor: Actor, story: Story) -> Story:
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.VALIDATED)
    story.status = Status.APPROVED
    story.approved_by = _user(actor)
    story.approved_at = timezone.now()
    return _save_transition(actor, story, Status.VALIDATED, "story.approve")


@transaction.atomic
def story_publish(*, actor: Actor, story: Story) -> Story:
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.APPROVED)
    story.status = Status.PUBLISHED
    story.published_on = timezone.localdate()
    return _save_transition(actor, story, Status.APPROVED, "story.publish")


@transaction.atomic
def story_refuse(*, actor: Actor, story: Story, reason: str) -> Story:
    """Send the story back to its author as a draft, with the reason as a review comment."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the story goes back to its author.")]})
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.SUBMITTED, Status.VALIDATED, Status.APPROVED, Status.PUBLISHED)
    old = story.status
    story.status = Status.DRAFT
    story.refusal_reason = reason
    story.validated_by = None
    story.validated_at = None
    story.approved_by = None
    story.approved_at = None
    story.published_on = None
    story.save()
    _comment(actor, story, reason, Comment.Kind.REFUSAL)
    audit_record(
        actor=actor,
        action="story.refuse",
        obj=story,
        changes={"status": [old, Status.DRAFT], "reason": reason},
    )
    return story


def _comment(actor: Actor, story: Story, text: str, kind: str) -> Comment:
    user = _user(actor)
    name = ""
    if user is not None:
        person = Person.objects.filter(user_id=user.pk).first()
        name = person.name if person is not None else user.get_username()
    comment = Comment(story=story, author=user, author_name=name, kind=kind, text=text)
    comment.full_clean(exclude=["author"])
    comment.save()
    return comment


@transaction.atomic
def story_comment(*, actor: Actor, story: Story, text: str) -> Comment:
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("Write a comment.")]})
    comment = _comment(actor, story, text, Comment.Kind.COMMENT)
    audit_record(actor=actor, action="story.comment", obj=story, changes={"comment": comment.pk})
    return comment


# --- Quantified benefits ---------------------------------------------------------------------


def normalise_unit(unit: str) -> str:
    """'hours' for any way of writing hours; the programme currency in capitals."""
    unit = unit.strip()
    if unit.lower() in HOUR_WORDS:
        return Benefit.HOURS
    currency = ProgrammeSettings.load().currency.upper()
    if unit.upper() == currency:
        return currency
    return unit


BENEFIT_FIELDS = ["kind", "amount", "unit", "period", "confidence", "method"]


@transaction.atomic
def benefit_add(
    *,
    actor: Actor,
    story: Story,
    kind: str,
    amount: Decimal,
    unit: str,
    period: str,
    confidence: str,
    method: str,
) -> Benefit:
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.DRAFT)
    benefit = Benefit(
        story=story,
        kind=kind,
        amount=amount,
        unit=normalise_unit(unit),
        period=period,
        confidence=confidence,
        method=method.strip(),
    )
    benefit.full_clean()
    benefit.save()
    audit_record(
        actor=actor,
        action="story.benefit_add",
        obj=story,
        changes={"benefit": benefit.pk, **diff_fields(None, benefit, BENEFIT_FIELDS)},
    )
    return benefit


@transaction.atomic
def benefit_delete(*, actor: Actor, benefit: Benefit) -> None:
    story = Story.objects.select_for_update().get(pk=benefit.story_id)
    _require(story, Status.DRAFT)
    changes = {"benefit": benefit.pk, **diff_fields(None, benefit, BENEFIT_FIELDS)}
    benefit.delete()
    audit_record(actor=actor, action="story.benefit_delete", obj=story, changes=changes)


@transaction.atomic
def benefit_validate(*, actor: Actor, benefit: Benefit, validated: bool) -> Benefit:
    """The reviewer's verdict on one benefit: only validated amounts count in the KPIs."""
    story = Story.objects.select_for_update().get(pk=benefit.story_id)
    if story.status == Status.DRAFT:
        raise ValidationError(_("Benefits are validated during the review, not in a draft."))
    benefit = Benefit.objects.get(pk=benefit.pk)
    if benefit.validated == validated:
        return benefit
    user = _user(actor)
    benefit.validated = validated
    benefit.validated_by = user if validated else None
    benefit.validated_at = timezone.now() if validated else None
    benefit.save()
    audit_record(
        actor=actor,
        action="story.benefit_validate",
        obj=story,
        changes={"benefit": benefit.pk, "validated": [not validated, validated]},
    )
    return benefit


# --- Attachments -----------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, actor: Actor, story: Story, name: str, data: bytes) -> Attachment:
    """Check the file by its content and keep it under its hash (the name is only shown)."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    _require(story, Status.DRAFT)
    kind = check_attachment(name, data)
    sha256 = hashlib.sha256(data).hexdigest()
    user = _user(actor)
    attachment = Attachment(
        story=story,
        name=name.replace("/", "_").replace("\\", "_")[:200],
        content_type=CONTENT_TYPES[kind],
        size=len(data),
        sha256=sha256,
        uploaded_by=user,
    )
    attachment.file.save(sha256, ContentFile(data), save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action="story.attachment_add",
        obj=story,
        changes={"attachment": attachment.name, "size": attachment.size, "sha256": sha256},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Actor, attachment: Attachment) -> None:
    story = Story.objects.select_for_update().get(pk=attachment.story_id)
    _require(story, Status.DRAFT)
    name, path = attachment.name, attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    # The same content may be attached twice to this story: keep the file while it is used.
    if path and not Attachment.objects.filter(file=path).exists():
        transaction.on_commit(lambda: storage.delete(path))
    audit_record(
        actor=actor, action="story.attachment_delete", obj=story, changes={"attachment": name}
    )
