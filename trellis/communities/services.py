"""Writes on communities, memberships, charters and objectives.

Each function validates, writes in one transaction and records an audit entry. Views,
commands and the API all call these; nothing else writes these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    Role,
    Stage,
    StageChange,
    Tag,
)
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.people.models import BusinessUnit, Person

COMMUNITY_FIELDS = [
    "name",
    "slug",
    "purpose",
    "description",
    "languages",
    "stage",
    "launched",
    "closed",
]
OBJECTIVE_FIELDS = ["year", "title", "indicator", "target", "result", "status"]


def today() -> dt.date:
    return timezone.localdate()


def _set_labels(community: Community, *, tags: list[str], business_units: list[str]) -> None:
    tag_objs = [Tag.objects.get_or_create(name=name.strip())[0] for name in tags if name.strip()]
    bu_objs = [
        BusinessUnit.objects.get_or_create(name=name.strip())[0]
        for name in business_units
        if name.strip()
    ]
    community.tags.set(tag_objs)
    community.business_units.set(bu_objs)


def _stage_dates(community: Community, stage: str, on: dt.date) -> None:
    if stage == Stage.ACTIVE and community.launched is None:
        community.launched = on
    if stage == Stage.CLOSED and community.closed is None:
        community.closed = on
    if stage != Stage.CLOSED:
        community.closed = None


@transaction.atomic
def community_create(
    *,
    actor: Actor,
    name: str,
    slug: str,
    purpose: str = "",
    description: str = "",
    stage: str = Stage.PROPOSED,
    languages: list[str] | None = None,
    tags: list[str] | None = None,
    business_units: list[str] | None = None,
    launched: dt.date | None = None,
    on: dt.date | None = None,
) -> Community:
    on = on or today()
    community = Community(
        name=name,
        slug=slug,
        purpose=purpose,
        description=description,
        stage=stage,
        languages="|".join(languages or []),
        launched=launched,
    )
    _stage_dates(community, stage, on)
    community.full_clean()
    community.save()
    _set_labels(community, tags=tags or [], business_units=business_units or [])
    StageChange.objects.create(community=community, stage=stage, on=on, by=_user(actor))
    audit_record(
        actor=actor,
        action="community.create",
        obj=community,
        changes=diff_fields(None, community, COMMUNITY_FIELDS)
        | {"tags": tags or [], "business_units": business_units or []},
    )
    return community


@transaction.atomic
def community_update(
    *,
    actor: Actor,
    community: Community,
    tags: list[str] | None = None,
    business_units: list[str] | None = None,
    **fields: Any,
) -> Community:
    before = Community.objects.get(pk=community.pk)
    for key, value in fields.items():
        if key not in COMMUNITY_FIELDS or key == "stage":
            raise ValueError(key)
        setattr(community, key, value)
    community.full_clean()
    community.save()
    changes = diff_fields(before, community, COMMUNITY_FIELDS)
    if tags is not None or business_units is not None:
        old_tags = sorted(community.tags.values_list("name", flat=True))
        old_bus = sorted(community.business_units.values_list("name", flat=True))
        new_tags = sorted(t.strip() for t in (tags if tags is not None else old_tags) if t.strip())
        new_bus = sorted(
            b.strip()
            for b in (business_units if business_units is not None else old_bus)
            if b.strip()
        )
        _set_labels(community, tags=new_tags, business_units=new_bus)
        if new_tags != old_tags:
            changes["tags"] = [old_tags, new_tags]
        if new_bus != old_bus:
            changes["business_units"] = [old_bus, new_bus]
    if changes:
        audit_record(actor=actor, action="community.update", obj=community, changes=changes)
    return community


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def community_set_stage(
    *, actor: Actor, community: Community, stage: str, on: dt.date | None = None, note: str = ""
) -> Community:
    """Move a community to a lifecycle stage, keeping the dated history."""
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Unknown stage.")})
    on = on or today()
    if community.stage == stage:
        return community
    old = community.stage
    community.stage = stage
    _stage_dates(community, stage, on)
    if community.launched and community.closed and community.closed < community.launched:
        raise ValidationError({"stage": _("A community cannot close before it was launched.")})
    community.save(update_fields=["stage", "launched", "closed", "updated_at"])
    StageChange.objects.create(community=community, stage=stage, on=on, note=note, by=_user(actor))
    audit_record(
        actor=actor,
        action="community.stage",
        obj=community,
        changes={"stage": [old, stage], "on": on.isoformat(), "note": note},
    )
    return community


def active_membership(person: Person, community: Community) -> Membership | None:
    return Membership.objects.filter(person=person, community=community, left__isnull=True).first()


@transaction.atomic
def membership_add(
    *,
    actor: Actor,
    person: Person,
    community: Community,
    role: str = Role.MEMBER,
    joined: dt.date | None = None,
) -> Membership:
    """Add someone to a community; an existing active membership takes the new role."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if community.stage == Stage.CLOSED:
        raise ValidationError(_("This community is closed."))
    if not person.is_active:
        raise ValidationError(_("This person has left the company."))
    current = active_membership(person, community)
    if current is not None:
        if current.role != role:
            return membership_change_role(actor=actor, membership=current, role=role)
        return current
    membership = Membership(person=person, community=community, role=role, joined=joined or today())
    membership.full_clean(validate_constraints=False)
    membership.save()
    audit_record(
        actor=actor,
        action="membership.add",
        obj=membership,
        changes={"person": person.email, "community": community.slug, "role": role},
    )
    return membership


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor, action="membership.role", obj=membership, changes={"role": [old, role]}
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: Actor, membership: Membership, left: dt.date | None = None
) -> Membership:
    left = left or today()
    if membership.left is not None:
        return membership
    if left < membership.joined:
        left = membership.joined
    membership.left = left
    membership.save(update_fields=["left"])
    audit_record(
        actor=actor,
        action="membership.end",
        obj=membership,
        changes={"left": left.isoformat()},
    )
    return membership


def current_charter(community: Community, year: int | None = None) -> CharterVersion | None:
    qs = community.charters.all()
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-version").first()


@transaction.atomic
def charter_save(*, actor: Actor, community: Community, year: int, **texts: str) -> CharterVersion:
    """Save the charter of a year as a new version (the history keeps every version).

    Saving identical text makes no new version.
    """
    unknown = set(texts) - set(CharterVersion.TEXT_FIELDS)
    if unknown:
        raise ValueError(unknown)
    # Lock the community row so two editors cannot both create version N+1.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    previous = current_charter(community, year) or current_charter(community)
    if (
        previous is not None
        and previous.year == year
        and all(getattr(previous, f) == texts.get(f, "") for f in CharterVersion.TEXT_FIELDS)
    ):
        return previous
    last = community.charters.filter(year=year).order_by("-version").first()
    version = CharterVersion(
        community=community,
        year=year,
        version=(last.version + 1) if last else 1,
        author=_user(actor),
        **{f: texts.get(f, "") for f in CharterVersion.TEXT_FIELDS},
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action="charter.save",
        obj=version,
        changes=diff_fields(
            previous if previous is not None and previous.year == year else None,
            version,
            list(CharterVersion.TEXT_FIELDS),
        ),
    )
    return version


@transaction.atomic
def charter_approve(
    *, actor: Actor, version: CharterVersion, approver: Person | None, on: dt.date | None = None
) -> CharterVersion:
    latest = current_charter(version.community, version.year)
    if latest is None or latest.pk != version.pk:
        raise ValidationError(_("Only the latest version of a charter can be approved."))
    if version.approved_on is not None:
        return version
    version.approved_by = approver
    version.approved_on = on or today()
    version.save(update_fields=["approved_by", "approved_on"])
    audit_record(
        actor=actor,
        action="charter.approve",
        obj=version,
        changes={
            "approved_on": version.approved_on.isoformat(),
            "approved_by": str(approver or ""),
        },
    )
    return version


@transaction.atomic
def objective_save(
    *, actor: Actor, community: Community, objective: Objective | None = None, **fields: Any
) -> Objective:
    before = Objective.objects.get(pk=objective.pk) if objective is not None else None
    obj = objective or Objective(community=community)
    for key, value in fields.items():
        if key not in OBJECTIVE_FIELDS:
            raise ValueError(key)
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    changes = diff_fields(before, obj, OBJECTIVE_FIELDS)
    if changes:
        audit_record(
            actor=actor,
            action="objective.update" if before else "objective.create",
            obj=obj,
            changes=changes | {"community": community.slug},
        )
    return obj


@transaction.atomic
def objective_delete(*, actor: Actor, objective: Objective) -> None:
    audit_record(
        actor=actor,
        action="objective.delete",
        obj=objective,
        changes={"community": objective.community.slug, "title": objective.title},
    )
    objective.delete()
