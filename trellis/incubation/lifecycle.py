"""Writes of lifecycle care: dormancy alerts, closing and merging communities.

History is never deleted. Closing ends the active memberships on the closing date (the
rows stay, with their dates, so past years' members and KPIs read the same); merging does
the same to the source after giving its members a membership in the target, and records
the merge. ESN spaces stay mapped to the source, so its activity history stays its own;
the office remaps a space that lives on (ESN spaces page) when it wants new messages to
count for the target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trellis.communities import services as communities
from trellis.communities.models import LEADER_ROLES, Community, Membership, Role, Stage
from trellis.core.access import PROGRAMME_OFFICE_GROUP
from trellis.core.audit import Actor, audit_record
from trellis.core.models import ProgrammeSettings
from trellis.incubation import selectors
from trellis.incubation.models import CommunityMerge, DormancyAlert


@dataclass
class DormancyReport:
    new: list[str] = field(default_factory=list)  # slugs alerted this run
    still: list[str] = field(default_factory=list)  # already alerted, still dormant
    resolved: list[str] = field(default_factory=list)  # active again: alert closed
    emails: int = 0


def _office_addresses() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=PROGRAMME_OFFICE_GROUP)
        .exclude(email="")
    )
    return sorted({u.email for u in users})


def _alert_messages(
    community: Community, alert: DormancyAlert, base_url: str
) -> list[EmailMessage]:
    """One e-mail per leader (in their language) and one to the programme office."""
    leaders = Membership.objects.filter(
        community=community, role__in=LEADER_ROLES, left__isnull=True, person__is_active=True
    ).select_related("person")
    url = base_url.rstrip("/") + reverse("community_detail", args=[community.slug])
    programme = ProgrammeSettings.load().name
    months = settings.DORMANCY_MONTHS

    def build(to: list[str], language: str) -> EmailMessage:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("%(community)s looks dormant") % {"community": community.name}
            body = _(
                "Trellis has seen no activity on the ESN and no event of %(community)s for "
                "%(months)s months (last ESN activity: %(activity)s; last event: %(event)s).\n\n"
                "If the community is alive, plan an event or post in its space. If it has run "
                "its course, the programme office can help close it or merge it into another "
                "community.\n\n%(url)s\n\n%(programme)s"
            ) % {
                "community": community.name,
                "months": months,
                "activity": alert.last_activity.isoformat() if alert.last_activity else "—",
                "event": alert.last_event.isoformat() if alert.last_event else "—",
                "url": url,
                "programme": programme,
            }
        return EmailMessage(subject, body, to=to)

    messages = [build([m.person.email], m.person.language) for m in leaders]
    office = _office_addresses()
    if office:
        messages.append(build(office, ""))
    return messages


def dormancy_detect(
    *,
    actor: Actor = None,
    on: dt.date | None = None,
    months: int | None = None,
    base_url: str = "",
    dry_run: bool = False,
) -> DormancyReport:
    """Find dormant communities and alert once per detection.

    1. One set-based query lists the dormant communities (selectors.dormant_communities).
    2. In one transaction: a community without an open alert gets one (a new detection);
       an open alert of a community that is no longer dormant is resolved, so a later
       dormancy is a new detection and alerts again.
    3. After the commit, the new detections are e-mailed to the community's leaders and
       the programme office; a failed send leaves the alert (it is not retried every run).
    """
    on = on or timezone.localdate()
    report = DormancyReport()
    dormant = {c.pk: c for c in selectors.dormant_communities(on=on, months=months)}
    created: list[DormancyAlert] = []
    with transaction.atomic():
        open_alerts = {
            a.community_id: a
            for a in DormancyAlert.objects.select_for_update()
            .filter(resolved_on__isnull=True)
            .select_related("community")
        }
        for pk, community in sorted(dormant.items(), key=lambda kv: kv[1].slug):
            if pk in open_alerts:
                report.still.append(community.slug)
                continue
            report.new.append(community.slug)
            if dry_run:
                continue
            last_event = community.last_event_at  # type: ignore[attr-defined]
            created.append(
                DormancyAlert.objects.create(
                    community=community,
                    detected_on=on,
                    last_activity=community.last_activity,  # type: ignore[attr-defined]
                    last_event=timezone.localdate(last_event) if last_event else None,
                )
            )
        for pk, alert in open_alerts.items():
            if pk in dormant:
                continue
            report.resolved.append(alert.community.slug)
            if not dry_run:
                alert.resolved_on = on
                alert.save(update_fields=["resolved_on"])
        if not dry_run and (report.new or report.resolved):
            audit_record(
                actor=actor,
                action="lifecycle.dormancy",
                object_type="communities.community",
                object_repr=_("Dormancy detection"),
                changes={"new": report.new, "resolved": report.resolved, "on": on.isoformat()},
            )
    if created:
        with get_connection() as connection:
            for alert in created:
                messages = _alert_messages(alert.community, alert, base_url)
                sent = connection.send_messages(messages) or 0
                alert.notified = sum(len(m.to) for m in messages[:sent])
                alert.save(update_fields=["notified"])
                report.emails += sent
    return report


def _end_memberships(community: Community, on: dt.date) -> int:
    """End every active membership on `on` in two statements (never before it began)."""
    active = Membership.objects.filter(community=community, left__isnull=True)
    later = active.filter(joined__gt=on).update(left=F("joined"))
    return later + active.update(left=on)


def _check_open(community: Community) -> None:
    if community.stage == Stage.CLOSED:
        raise ValidationError(_("%(community)s is already closed.") % {"community": community.name})


@transaction.atomic
def community_close(
    *, actor: Actor, community: Community, reason: str, on: dt.date | None = None
) -> Community:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for closing the community.")})
    community = Community.objects.select_for_update().get(pk=community.pk)
    _check_open(community)
    on = on or timezone.localdate()
    ended = _end_memberships(community, on)
    communities.community_set_stage(
        actor=actor, community=community, stage=Stage.CLOSED, on=on, note=reason[:500]
    )
    DormancyAlert.objects.filter(community=community, resolved_on__isnull=True).update(
        resolved_on=on
    )
    audit_record(
        actor=actor,
        action="community.close",
        obj=community,
        changes={"reason": reason, "on": on.isoformat(), "memberships_ended": ended},
    )
    return community


@transaction.atomic
def community_merge(
    *,
    actor: Actor,
    source: Community,
    target: Community,
    reason: str,
    on: dt.date | None = None,
) -> CommunityMerge:
    """Merge `source` into `target`, keeping the source's history readable.

    1. Lock both communities; both must be open and different.
    2. Every active member of the source who is not an active member of the target gets a
       membership in the target from the merge date, as a plain member (the target's
       leaders decide the roles). Sponsors are not carried over: sponsoring is a
       commitment to one community, renewed on purpose.
    3. The source is closed like any community (memberships ended on the merge date,
       stage "closed" with the note "Merged into …"), and the merge is recorded.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the merge.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("A community cannot be merged into itself.")})
    locked = {
        c.pk: c for c in Community.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    }
    source, target = locked[source.pk], locked[target.pk]
    _check_open(source)
    _check_open(target)
    on = on or timezone.localdate()
    in_target = Membership.objects.filter(community=target, left__isnull=True).values("person_id")
    movers = list(
        Membership.objects.filter(community=source, left__isnull=True, person__is_active=True)
        .exclude(role=Role.SPONSOR)
        .exclude(person_id__in=in_target)
        .values_list("person_id", "joined")
    )
    Membership.objects.bulk_create(
        [
            Membership(person_id=person_id, community=target, role=Role.MEMBER, joined=on)
            for person_id, _joined in movers
        ]
    )
    note = _("Merged into %(target)s.") % {"target": target.name}
    community_close(actor=actor, community=source, reason=f"{note} {reason}", on=on)
    merge = CommunityMerge.objects.create(
        source=source,
        target=target,
        on=on,
        reason=reason,
        members_moved=len(movers),
        by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
    )
    audit_record(
        actor=actor,
        action="community.merge",
        obj=merge,
        changes={
            "source": source.slug,
            "target": target.slug,
            "members_moved": len(movers),
            "reason": reason,
        },
    )
    return merge
