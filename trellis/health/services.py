"""Writes of health and maturity: questionnaires, snapshots, yearly assessments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.core.audit import Actor, audit_record
from trellis.health.models import (
    HealthCheck,
    HealthSnapshot,
    MaturityAssessment,
    Pillar,
    PillarScore,
)
from trellis.health.questionnaire import CAUSES, NOT_A_PROBLEM, SERIOUS
from trellis.health.selectors import health_statuses


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _clean_answers(answers: dict[str, Any]) -> dict[str, int]:
    """Every cause answered with 0, 1 or 2; unknown keys refused."""
    keys = {cause.key for cause in CAUSES}
    unknown = sorted(set(answers) - keys)
    if unknown:
        raise ValidationError(
            _("Unknown questions: %(keys)s.") % {"keys": ", ".join(unknown)}, code="unknown"
        )
    clean: dict[str, int] = {}
    for cause in CAUSES:
        value = answers.get(cause.key)
        try:
            number = int(value) if value is not None and value != "" else None
        except (TypeError, ValueError):
            number = None
        if number is None or not NOT_A_PROBLEM <= number <= SERIOUS:
            raise ValidationError(
                _("Answer every question (%(question)s).") % {"question": cause.question},
                code="missing",
            )
        clean[cause.key] = number
    return clean


def health_check_submit(
    *, actor: Actor, community: Community, answers: dict[str, Any], comment: str = ""
) -> HealthCheck:
    """Store a leader's questionnaire and snapshot the community's new status.

    1. Validate the answers (every cause, 0..2), all or nothing.
    2. Save the questionnaire, then compute the status with it and snapshot it.
    3. Audit both in the same transaction.
    """
    clean = _clean_answers(answers)
    with transaction.atomic():
        check = HealthCheck(
            community=community, answers=clean, comment=comment.strip(), filled_by=_user(actor)
        )
        check.full_clean()
        check.save()
        health = health_statuses([community.pk]).get(community.pk)
        if health is not None:
            HealthSnapshot.objects.create(
                community=community,
                check_filled=check,
                trigger=HealthSnapshot.Trigger.QUESTIONNAIRE,
                **health.as_json(),
            )
        audit_record(
            actor=actor,
            action="health.check",
            obj=check,
            changes={
                "answers": clean,
                "status": health.status if health is not None else "",
            },
        )
    return check


@dataclass
class SnapshotReport:
    taken: int
    by_status: dict[str, int]


def health_snapshot_take(
    *,
    actor: Actor,
    community_ids: Collection[int] | None = None,
    today: dt.date | None = None,
) -> SnapshotReport:
    """Record the current status of every followed community (the periodic history).

    Set-based: statuses in a fixed number of queries, one bulk insert, one audit entry
    for the whole run (bulk paths audit once, guide/quality.md promise 16).
    """
    statuses = health_statuses(community_ids, today=today)
    by_status: dict[str, int] = {}
    with transaction.atomic():
        HealthSnapshot.objects.bulk_create(
            [
                HealthSnapshot(
                    community_id=cid,
                    trigger=HealthSnapshot.Trigger.COMPUTATION,
                    **health.as_json(),
                )
                for cid, health in statuses.items()
            ],
            batch_size=1000,
        )
        for health in statuses.values():
            by_status[health.status] = by_status.get(health.status, 0) + 1
        audit_record(
            actor=actor,
            action="health.snapshot",
            object_type="health.healthsnapshot",
            object_repr=timezone.now().isoformat(timespec="seconds"),
            changes={"communities": len(statuses), **by_status},
        )
    return SnapshotReport(taken=len(statuses), by_status=by_status)


def maturity_save(
    *,
    actor: Actor,
    year: int,
    summary: str,
    scores: dict[str, dict[str, Any]],
) -> MaturityAssessment:
    """Create or update the year's assessment with a level for every pillar.

    `scores` maps each pillar key to {"level": 1..4, "evidence": str, "comment": str}.
    Every pillar must have a level: a partial diagnostic would draw a misleading radar.
    """
    missing = [label for key, label in Pillar.choices if not (scores.get(key) or {}).get("level")]
    if missing:
        raise ValidationError(
            _("Give a level to every pillar (missing: %(pillars)s).")
            % {"pillars": ", ".join(str(m) for m in missing)},
            code="missing",
        )
    with transaction.atomic():
        assessment, created = MaturityAssessment.objects.select_for_update().get_or_create(
            year=year, defaults={"summary": summary.strip(), "updated_by": _user(actor)}
        )
        before = dict(assessment.scores.values_list("pillar", "level"))
        assessment.summary = summary.strip()
        assessment.updated_by = _user(actor)
        assessment.full_clean()
        assessment.save()
        for key in Pillar.values:
            data = scores[key]
            score = PillarScore.objects.filter(assessment=assessment, pillar=key).first()
            score = score or PillarScore(assessment=assessment, pillar=key)
            score.level = int(data["level"])
            score.evidence = str(data.get("evidence") or "").strip()
            score.comment = str(data.get("comment") or "").strip()
            score.full_clean()
            score.save()
        after = {key: int(scores[key]["level"]) for key in Pillar.values}
        audit_record(
            actor=actor,
            action="maturity.create" if created else "maturity.update",
            obj=assessment,
            changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
        )
    return assessment
