"""Health checks of communities and the programme's yearly maturity diagnostic.

A community's health status is computed (selectors.health_statuses) from a leader's
questionnaire and the signals Trellis already has; `HealthSnapshot` keeps the dated
result so a community has a history. `MaturityAssessment` is the programme office's
self-assessment of the eight pillars, one per year.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community


class Status(models.TextChoices):
    GREEN = "green", _("Healthy")
    AMBER = "amber", _("Needs attention")
    RED = "red", _("At risk")


# Worse statuses have higher ranks: a combination takes the maximum.
STATUS_RANK = {Status.GREEN: 0, Status.AMBER: 1, Status.RED: 2}


class HealthCheck(models.Model):
    """A leader's answers to the health questionnaire (questionnaire.CAUSES), one filling.

    `answers` maps each cause key to 0 (not a problem), 1 (partly) or 2 (a serious
    problem); services.health_check_submit validates it against the current causes.
    """

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="health_checks",
    )
    answers: models.JSONField[Any, Any] = models.JSONField(_("answers"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("filled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["community", "-created_at", "-id"]
        indexes = [models.Index(fields=["community", "created_at"])]

    def __str__(self) -> str:
        return f"{self.community} {self.created_at:%Y-%m-%d}"


class HealthSnapshot(models.Model):
    """The computed status of a community at one moment (its health history).

    Taken when a leader submits a questionnaire and for every community when the office
    records a snapshot (`trellis health-snapshot`, or the button of the programme view).
    `reasons` is the list of {"code", "severity"}; texts are translated when shown.
    """

    class Trigger(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")
        COMPUTATION = "computation", _("Periodic computation")

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="health_snapshots",
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    reasons: models.JSONField[Any, Any] = models.JSONField(_("reasons"), default=list)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    check_filled = models.ForeignKey(
        HealthCheck,
        verbose_name=_("questionnaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="snapshots",
    )
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        ordering = ["community", "-taken_at", "-id"]
        indexes = [models.Index(fields=["community", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.community} {self.status} {self.taken_at:%Y-%m-%d}"


class Pillar(models.TextChoices):
    """The seed's eight pillars of a programme, in its order."""

    LEADERSHIP = "leadership", _("Leadership")
    RESOURCES = "resources", _("Resources")
    GROWTH = "growth", _("Growth")
    GOVERNANCE = "governance", _("Governance")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment")
    COACHING = "coaching", _("Coaching")
    RECOGNITION = "recognition", _("Recognition")
    COMMUNICATION = "communication", _("Communication")


class MaturityAssessment(models.Model):
    """The programme office's self-assessment of the programme for one year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    summary = models.TextField(_("summary"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("maturity assessment")
        verbose_name_plural = _("maturity assessments")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class PillarScore(models.Model):
    """One pillar's level (1 to 4, see maturity.LEVELS) in a year's assessment."""

    assessment = models.ForeignKey(
        MaturityAssessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    pillar = models.CharField(_("pillar"), max_length=16, choices=Pillar.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    evidence = models.TextField(_("evidence"), blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("pillar score")
        verbose_name_plural = _("pillar scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "pillar"], name="pillar_score_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="pillar_level_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.pillar}: {self.level}"
