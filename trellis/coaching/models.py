"""Coaching of community leaders: the community of leaders, coaching sessions, the training
catalogue and completions, and the leader's competency self-assessment.

The community of leaders is a real `Community` (it has members, events, a charter and an
ESN space like any other), marked by the one `LeadersCommunity` row that points at it and
kept in sync by `services.leaders_community_sync`: every active leader and co-leader of an
open community is a member of it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import Person


class Competency(models.TextChoices):
    """The community animator's profile (guide/product.md: the animator's competencies)."""

    FACILITATION = "facilitation", _("Facilitation")
    CURATION = "curation", _("Content curation")
    NETWORKING = "networking", _("Networking")
    STORYTELLING = "storytelling", _("Storytelling and value")
    DIGITAL = "digital", _("Digital tools")
    EVENTS = "events", _("Running events")
    ENGAGEMENT = "engagement", _("Member engagement")
    STAKEHOLDERS = "stakeholders", _("Working with sponsors and managers")
    MEASUREMENT = "measurement", _("Measuring and reporting")


class Level(models.IntegerChoices):
    DISCOVERING = 1, _("1 — Discovering")
    PRACTISING = 2, _("2 — Practising")
    CONFIDENT = 3, _("3 — Confident")
    TEACHING = 4, _("4 — Can teach others")


class LeadersCommunity(models.Model):
    """Marks the community of leaders (one row)."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="+")
    synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)

    class Meta:
        verbose_name = _("community of leaders")
        verbose_name_plural = _("community of leaders")

    def __str__(self) -> str:
        return str(self.community)


class CoachingSession(models.Model):
    leader = models.ForeignKey(
        Person, verbose_name=_("leader"), on_delete=models.CASCADE, related_name="coached"
    )
    coach = models.ForeignKey(
        Person, verbose_name=_("coach"), on_delete=models.CASCADE, related_name="coaching"
    )
    on = models.DateField(_("date"))
    topics = models.TextField(_("topics"))
    follow_up = models.TextField(_("follow-up actions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["leader", "on"]), models.Index(fields=["coach", "on"])]

    def __str__(self) -> str:
        return f"{self.leader} / {self.coach} ({self.on})"


class Training(models.Model):
    title = models.CharField(_("title"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    hours = models.DecimalField(
        _("duration in hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="completions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings_done")
    completed_on = models.DateField(_("completed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("training completion")
        verbose_name_plural = _("training completions")
        constraints = [
            models.UniqueConstraint(fields=["training", "person"], name="completion_unique")
        ]
        indexes = [models.Index(fields=["person"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.training}"


class Assessment(models.Model):
    """A leader's self-assessment on one date: a level (1–4) per competency."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    on = models.DateField(_("date"))
    scores = models.JSONField(_("levels"), default=dict)  # {competency value: level 1..4}
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("competency self-assessment")
        verbose_name_plural = _("competency self-assessments")
        ordering = ["person", "on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "on"], name="assessment_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.on}"

    def levels(self) -> list[int]:
        """The levels in the order of Competency (0 for a competency not assessed)."""
        return [int(self.scores.get(c, 0)) for c in Competency.values]
