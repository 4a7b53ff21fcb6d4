"""Writes of the incubation pipeline: submit, review (accept, reject, merge), gates, launch.

Communities and memberships are created through trellis.communities.services only, so the
stage history and the audit trail stay the same whichever door a community came through.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities import services as communities
from trellis.communities.models import Community, Role, Stage
from trellis.core.audit import Actor, audit_record, diff_fields
from trellis.incubation import selectors
from trellis.incubation.models import Gate, GateTick, Proposal, Tool
from trellis.people.models import BusinessUnit, Person

PROPOSAL_FIELDS = ["name", "slug", "purpose", "audience", "expected_value", "tags"]


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _check_slug(slug: str, *, proposal: Proposal | None = None) -> None:
    if Community.objects.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": _("A community already uses the short name “%(slug)s”.") % {"slug": slug}}
        )
    pending = Proposal.objects.filter(
        slug=slug, status__in=[Proposal.Status.SUBMITTED, Proposal.Status.INCUBATING]
    )
    if proposal is not None:
        pending = pending.exclude(pk=proposal.pk)
    if pending.exists():
        raise ValidationError(
            {"slug": _("Another proposal under review already uses this short name.")}
        )


@transaction.atomic
def proposal_submit(
    *,
    actor: Actor,
    name: str,
    slug: str,
    purpose: str,
    audience: str,
    expected_value: str,
    tags: str = "",
    candidate_leader: Person | None = None,
    candidate_sponsor: Person | None = None,
    business_units: list[BusinessUnit] | None = None,
) -> Proposal:
    slug = slug.strip().lower()
    _check_slug(slug)
    proposal = Proposal(
        name=name.strip(),
        slug=slug,
        purpose=purpose.strip(),
        audience=audience.strip(),
        expected_value=expected_value.strip(),
        tags=tags.strip(),
        candidate_leader=candidate_leader,
        candidate_sponsor=candidate_sponsor,
        proposer=_user(actor),
    )
    proposal.full_clean()
    proposal.save()
    proposal.business_units.set(business_units or [])
    audit_record(
        actor=actor,
        action="proposal.submit",
        obj=proposal,
        changes={f: getattr(proposal, f) for f in PROPOSAL_FIELDS}
        | {
            "candidate_leader": str(candidate_leader or ""),
            "candidate_sponsor": str(candidate_sponsor or ""),
            "business_units": [bu.name for bu in business_units or []],
        },
    )
    return proposal


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason of the decision.")})
    return reason


def _decide(proposal: Proposal, *, actor: Actor, status: str, reason: str, on: dt.date) -> None:
    proposal.status = status
    proposal.reason = reason
    proposal.decided_by = _user(actor)
    proposal.decided_on = on


@transaction.atomic
def proposal_accept(
    *, actor: Actor, proposal: Proposal, reason: str, on: dt.date | None = None
) -> Proposal:
    """Accept a proposal: the community is created at the stage "incubating".

    1. Lock the proposal; only a submitted one can be accepted.
    2. Check the slug again (a community may have taken it since submission).
    3. Create the community and make the candidate leader its leader.
    """
    reason = _require_reason(reason)
    on = on or timezone.localdate()
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was already reviewed."))
    if Community.objects.filter(slug=proposal.slug).exists():
        raise ValidationError(
            _("A community already uses the short name “%(slug)s”: merge the proposal into it.")
            % {"slug": proposal.slug}
        )
    community = communities.community_create(
        actor=actor,
        name=proposal.name,
        slug=proposal.slug,
        purpose=proposal.purpose,
        description=proposal.audience,
        stage=Stage.INCUBATING,
        tags=proposal.tag_list,
        business_units=[bu.name for bu in proposal.business_units.all()],
        on=on,
    )
    if proposal.candidate_leader is not None and proposal.candidate_leader.is_active:
        communities.membership_add(
            actor=actor,
            person=proposal.candidate_leader,
            community=community,
            role=Role.LEADER,
            joined=on,
        )
    _decide(proposal, actor=actor, status=Proposal.Status.INCUBATING, reason=reason, on=on)
    proposal.community = community
    proposal.save()
    audit_record(
        actor=actor,
        action="proposal.accept",
        obj=proposal,
        changes={"reason": reason, "community": community.slug},
    )
    return proposal


@transaction.atomic
def proposal_reject(
    *, actor: Actor, proposal: Proposal, reason: str, on: dt.date | None = None
) -> Proposal:
    reason = _require_reason(reason)
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was already reviewed."))
    _decide(
        proposal,
        actor=actor,
        status=Proposal.Status.REJECTED,
        reason=reason,
        on=on or timezone.localdate(),
    )
    proposal.save()
    audit_record(actor=actor, action="proposal.reject", obj=proposal, changes={"reason": reason})
    return proposal


@transaction.atomic
def proposal_merge(
    *,
    actor: Actor,
    proposal: Proposal,
    target: Community,
    reason: str,
    on: dt.date | None = None,
) -> Proposal:
    """Merge a proposal into an existing community: its candidate leader joins as a member.

    The people behind the proposal bring their energy to the community that already covers
    the domain; the leader of that community decides later whether to give them a role.
    """
    reason = _require_reason(reason)
    on = on or timezone.localdate()
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was already reviewed."))
    if target.stage == Stage.CLOSED:
        raise ValidationError({"target": _("This community is closed.")})
    _decide(proposal, actor=actor, status=Proposal.Status.MERGED, reason=reason, on=on)
    proposal.community = target
    proposal.save()
    leader = proposal.candidate_leader
    joining = leader is not None and leader.is_active
    if joining and communities.active_membership(leader, target) is None:  # type: ignore[arg-type]
        communities.membership_add(
            actor=actor,
            person=leader,  # type: ignore[arg-type]
            community=target,
            role=Role.MEMBER,
            joined=on,
        )
    audit_record(
        actor=actor,
        action="proposal.merge",
        obj=proposal,
        changes={"reason": reason, "community": target.slug},
    )
    return proposal


def _incubating(proposal: Proposal) -> Proposal:
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.INCUBATING or proposal.community is None:
        raise ValidationError(_("Only a proposal in incubation has stage gates."))
    return proposal


@transaction.atomic
def gate_tick(
    *, actor: Actor, proposal: Proposal, gate: str, on: dt.date | None = None, note: str = ""
) -> GateTick:
    if gate not in Gate.values:
        raise ValidationError({"gate": _("Unknown stage gate.")})
    proposal = _incubating(proposal)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("A gate cannot be passed in the future.")})
    tick, created = GateTick.objects.update_or_create(
        proposal=proposal,
        gate=gate,
        defaults={"done_on": on, "by": _user(actor), "note": note.strip()},
    )
    audit_record(
        actor=actor,
        action="proposal.gate",
        obj=proposal,
        changes={"gate": gate, "done_on": on.isoformat(), "note": tick.note},
    )
    return tick


@transaction.atomic
def gate_untick(*, actor: Actor, proposal: Proposal, gate: str) -> None:
    proposal = _incubating(proposal)
    deleted, _rows = GateTick.objects.filter(proposal=proposal, gate=gate).delete()
    if deleted:
        audit_record(
            actor=actor, action="proposal.gate_untick", obj=proposal, changes={"gate": gate}
        )


@transaction.atomic
def proposal_launch(*, actor: Actor, proposal: Proposal, on: dt.date | None = None) -> Proposal:
    """Launch: every stage gate passed, the community becomes active."""
    proposal = _incubating(proposal)
    missing = selectors.open_gates(proposal)
    if missing:
        raise ValidationError(
            _("These stage gates are not passed yet: %(gates)s.") % {"gates": ", ".join(missing)}
        )
    on = on or timezone.localdate()
    assert proposal.community is not None
    communities.community_set_stage(
        actor=actor,
        community=proposal.community,
        stage=Stage.ACTIVE,
        on=on,
        note=_("Launched after incubation."),
    )
    proposal.status = Proposal.Status.LAUNCHED
    proposal.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="proposal.launch",
        obj=proposal,
        changes={"community": proposal.community.slug, "on": on.isoformat()},
    )
    return proposal


TOOL_FIELDS = [
    "name",
    "description",
    "url",
    "max_audience",
    "confidential",
    "external_members",
    "synchronous",
    "asynchronous",
    "content_kinds",
    "mobile",
    "esn_fit",
    "governance_effort",
    "is_active",
]


@transaction.atomic
def tool_save(*, actor: Actor, tool: Tool | None = None, **fields: Any) -> Tool:
    """Create or change a collaboration tool offered by the organisation."""
    unknown = set(fields) - set(TOOL_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    before = Tool.objects.get(pk=tool.pk) if tool is not None else None
    obj = tool or Tool()
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    changes = diff_fields(before, obj, TOOL_FIELDS)
    if changes:
        audit_record(
            actor=actor, action="tool.update" if before else "tool.create", obj=obj, changes=changes
        )
    return obj
