"""Writes of coaching: the community of leaders kept in sync, sessions, trainings and
completions, self-assessments. Each validates, writes in one transaction and is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.coaching import selectors
from trellis.coaching.models import (
    Assessment,
    CoachingSession,
    Competency,
    LeadersCommunity,
    Level,
    Training,
    TrainingCompletion,
)
from trellis.communities import services as communities
from trellis.communities.models import Community, Membership, Role, Stage
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.people.models import Person

LEADERS_SLUG = "community-of-leaders"
SESSION_FIELDS = ["leader", "coach", "on", "topics", "follow_up"]
TRAINING_FIELDS = ["title", "description", "hours", "url", "is_active"]


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


@dataclass
class SyncReport:
    community: Community
    created: bool
    added: int
    ended: int


@transaction.atomic
def leaders_community_sync(*, actor: Actor, on: dt.date | None = None) -> SyncReport:
    """Make every current leader a member of the community of leaders, and only them.

    1. Find the community of leaders, or create it (stage active) and mark it.
    2. Add, in one bulk insert, a "member" membership for each person who leads or
       co-leads an open community and has no active membership in it.
    3. End (one update) the "member" memberships of people who lead nothing any more.
       Other roles there (its own leaders and core team, often the programme office)
       are managed by hand and never touched.
    4. One audit entry with the counts: the bulk paths write no per-row entries.
    """
    on = on or timezone.localdate()
    marker = LeadersCommunity.objects.select_for_update().select_related("community").first()
    created = marker is None
    if marker is None:
        if Community.objects.filter(slug=LEADERS_SLUG).exists():
            raise ValidationError(
                _("The short name “%(slug)s” is taken by another community.")
                % {"slug": LEADERS_SLUG}
            )
        community = communities.community_create(
            actor=actor,
            name=_("Community of leaders"),
            slug=LEADERS_SLUG,
            purpose=_("Community leaders learn from each other how to run a community."),
            stage=Stage.ACTIVE,
            launched=on,
            on=on,
        )
        marker = LeadersCommunity.objects.create(community=community)
    community = marker.community
    leaders = selectors.current_leader_ids(exclude=community)
    present = Membership.objects.filter(community=community, left__isnull=True)
    missing = (
        Person.objects.filter(pk__in=leaders)
        .exclude(pk__in=present.values("person_id"))
        .values_list("pk", flat=True)
    )
    new = [
        Membership(person_id=pk, community=community, role=Role.MEMBER, joined=on) for pk in missing
    ]
    Membership.objects.bulk_create(new)
    stale = present.filter(role=Role.MEMBER).exclude(person_id__in=leaders)
    ended = stale.filter(joined__lte=on).update(left=on)
    marker.synced_at = timezone.now()
    marker.save(update_fields=["synced_at"])
    if created or new or ended:
        audit_record(
            actor=actor,
            action="coaching.leaders_sync",
            obj=community,
            changes={"added": len(new), "ended": ended, "created": created},
        )
    return SyncReport(community=community, created=created, added=len(new), ended=ended)


def _check_session(session: CoachingSession) -> None:
    if session.leader_id == session.coach_id:
        raise ValidationError({"coach": _("A leader does not coach themselves here.")})
    if session.on > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"on": _("Choose a date within the next year.")})
    session.full_clean()


@transaction.atomic
def session_save(
    *,
    actor: Actor,
    session: CoachingSession | None = None,
    leader: Person,
    coach: Person,
    on: dt.date,
    topics: str,
    follow_up: str = "",
) -> CoachingSession:
    before = CoachingSession.objects.get(pk=session.pk) if session is not None else None
    obj = session or CoachingSession(created_by=_user(actor))
    obj.leader, obj.coach, obj.on = leader, coach, on
    obj.topics, obj.follow_up = topics.strip(), follow_up.strip()
    _check_session(obj)
    obj.save()
    changes = diff_fields(before, obj, SESSION_FIELDS)
    if changes:
        audit_record(
            actor=actor,
            action="coaching.session_update" if before else "coaching.session_create",
            obj=obj,
            changes=changes,
        )
    return obj


@transaction.atomic
def training_save(*, actor: Actor, training: Training | None = None, **fields: Any) -> Training:
    unknown = set(fields) - set(TRAINING_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    before = Training.objects.get(pk=training.pk) if training is not None else None
    obj = training or Training()
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    changes = diff_fields(before, obj, TRAINING_FIELDS)
    if changes:
        audit_record(
            actor=actor,
            action="coaching.training_update" if before else "coaching.training_create",
            obj=obj,
            changes=changes,
        )
    return obj


@transaction.atomic
def completion_record(
    *, actor: Actor, training: Training, person: Person, on: dt.date | None = None
) -> TrainingCompletion:
    """Record that someone completed a training (once per training; a new date replaces it)."""
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("A training cannot be completed in the future.")})
    completion, _created = TrainingCompletion.objects.update_or_create(
        training=training,
        person=person,
        defaults={"completed_on": on, "recorded_by": _user(actor)},
    )
    audit_record(
        actor=actor,
        action="coaching.training_completed",
        obj=completion,
        changes={"training": training.title, "person": person.email, "on": on.isoformat()},
    )
    return completion


def _clean_scores(scores: dict[str, Any]) -> dict[str, int]:
    unknown = set(scores) - set(Competency.values)
    if unknown:
        raise ValidationError(_("Unknown competencies: %(names)s.") % {"names": sorted(unknown)})
    clean: dict[str, int] = {}
    for competency in Competency.values:
        value = scores.get(competency)
        try:
            level = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            level = 0
        if level not in Level.values:
            raise ValidationError(
                {
                    competency: _("Choose a level from 1 to 4 for %(competency)s.")
                    % {"competency": Competency(competency).label}
                }
            )
        clean[competency] = level
    return clean


@transaction.atomic
def assessment_save(
    *,
    actor: Actor,
    person: Person,
    scores: dict[str, Any],
    on: dt.date | None = None,
    note: str = "",
) -> Assessment:
    """Save a self-assessment: one per person and date (saving again that day replaces it)."""
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("An assessment cannot be dated in the future.")})
    clean = _clean_scores(scores)
    assessment, created = Assessment.objects.update_or_create(
        person=person, on=on, defaults={"scores": clean, "note": note.strip()}
    )
    audit_record(
        actor=actor,
        action="coaching.assessment_create" if created else "coaching.assessment_update",
        obj=assessment,
        changes={"on": on.isoformat(), "scores": clean},
    )
    return assessment
