"""Frozen KPI years and the leaders' yearly KPI sheets.

A `KpiSnapshot` freezes every figure of a year when the programme office closes it;
`trellis.kpis.selectors.compute_kpis` reads the latest snapshot of a closed year instead of
computing live. A recompute never edits a snapshot: it adds a new one that points at the
one it replaces (`recomputed_from`) and carries the whole trace (who, when, why, what
changed), so the history of a closed year is never lost.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community


class KpiSnapshot(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    # {"version", "programme", "communities", "index", "segments", "monthly", "settings"}:
    # see selectors.freeze_year.
    data: models.JSONField[Any, Any] = models.JSONField(_("figures"), default=dict)
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A list of {"action", "at", "by", "reason", "diff"}, oldest first, copied forward.
    trace: models.JSONField[Any, Any] = models.JSONField(_("trace"), default=list, blank=True)
    recomputed_from = models.OneToOneField(
        "self",
        verbose_name=_("recomputed from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recomputed_as",
    )

    class Meta:
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        ordering = ["-year", "-id"]
        constraints = [
            # One original close per year; recomputes chain from it.
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(recomputed_from__isnull=True),
                name="kpisnapshot_one_close_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"KPI {self.year} ({self.closed_at:%Y-%m-%d})"


class SheetQuestion:
    """A figure the leader reports because Trellis cannot know it."""

    def __init__(self, key: str, label: Any, help_text: Any) -> None:
        self.key = key
        self.label = label
        self.help_text = help_text


SHEET_QUESTIONS = [
    SheetQuestion(
        "offline_events",
        _("Events outside Trellis"),
        _("Meetings, site visits or sessions held in person and not logged as events."),
    ),
    SheetQuestion(
        "newcomers_onboarded",
        _("Newcomers onboarded"),
        _("People you welcomed and helped find their way in the community."),
    ),
    SheetQuestion(
        "questions_answered",
        _("Questions answered"),
        _("Questions from colleagues that the community answered, on or off the ESN."),
    ),
    SheetQuestion(
        "documents_published",
        _("Documents published"),
        _("Guides, best practices or lessons learned the community published."),
    ),
]
SHEET_KEYS = [q.key for q in SHEET_QUESTIONS]


class KpiSheet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="kpi_sheets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # {question key: non-negative integer or null}; keys are SHEET_KEYS.
    answers: models.JSONField[Any, Any] = models.JSONField(_("answers"), default=dict, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("KPI sheet")
        verbose_name_plural = _("KPI sheets")
        ordering = ["-year", "community__name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="kpisheet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"
