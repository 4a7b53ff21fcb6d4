"""Incubation of new communities and the care of existing ones.

A `Proposal` is what any employee submits; the programme office reviews it (accept, reject
or merge into an existing community). Accepting creates the community at the stage
"incubating"; its `GateTick`s record the stage gates ticked by hand, while the gates
Trellis can see in its own data (charter, sponsor, ESN space, planned event, training)
are computed by `selectors.gates`. Launching moves the community to "active".

`DormancyAlert` remembers that a community was found dormant, so the leader and the
office are e-mailed once per detection, not at every run. `CommunityMerge` records that a
closed community was merged into another one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import BusinessUnit, Person


class Proposal(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        INCUBATING = "incubating", _("Incubating")
        LAUNCHED = "launched", _("Launched")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged")

    name = models.CharField(_("proposed name"), max_length=200)
    slug = models.SlugField(
        _("short name in addresses"),
        max_length=100,
        help_text=_("Lower-case letters, digits and hyphens, for example cloud-security."),
    )
    purpose = models.CharField(
        _("purpose"), max_length=500, help_text=_("The domain, in one sentence.")
    )
    audience = models.TextField(_("audience"), help_text=_("Who would join, and roughly how many."))
    expected_value = models.TextField(
        _("expected value"), help_text=_("What the members and the company would gain.")
    )
    tags = models.CharField(
        _("tags"), max_length=1000, blank=True, help_text=_("Separated by commas.")
    )
    candidate_leader = models.ForeignKey(
        Person,
        verbose_name=_("candidate leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    candidate_sponsor = models.ForeignKey(
        Person,
        verbose_name=_("candidate sponsor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    business_units = models.ManyToManyField(
        BusinessUnit, verbose_name=_("business units"), blank=True, related_name="+"
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    reason = models.TextField(_("reason of the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        help_text=_("The community created on acceptance, or the one it was merged into."),
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("|", ",").split(",") if t.strip()]


class Gate(models.TextChoices):
    CHARTER = "charter", _("Charter drafted")
    SPONSOR = "sponsor", _("Sponsor committed")
    TRAINING = "training", _("Leader trained")
    KICKOFF = "kickoff", _("Kick-off held")
    SPACE = "space", _("ESN space created")
    EVENT = "event", _("First event planned")


class GateTick(models.Model):
    """A stage gate ticked by hand, with its date and who ticked it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ticks")
    gate = models.CharField(_("gate"), max_length=16, choices=Gate.choices)
    done_on = models.DateField(_("done on"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stage gate")
        verbose_name_plural = _("stage gates")
        constraints = [models.UniqueConstraint(fields=["proposal", "gate"], name="gatetick_unique")]

    def __str__(self) -> str:
        return f"{self.proposal} {self.gate}"


class DormancyAlert(models.Model):
    """A detection of dormancy; open (resolved_on empty) while the community stays dormant."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="dormancy_alerts"
    )
    detected_on = models.DateField(_("detected on"))
    last_activity = models.DateField(_("last ESN activity"), null=True, blank=True)
    last_event = models.DateField(_("last event"), null=True, blank=True)
    notified = models.PositiveIntegerField(_("people e-mailed"), default=0)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("dormancy alert")
        verbose_name_plural = _("dormancy alerts")
        ordering = ["-detected_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(resolved_on__isnull=True),
                name="dormancyalert_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.detected_on}"


class CommunityMerge(models.Model):
    """A community closed by merging it into another one."""

    source = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="merged_into_record"
    )
    target = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="merged_from")
    on = models.DateField(_("date"))
    reason = models.TextField(_("reason"))
    members_moved = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("community merge")
        verbose_name_plural = _("community merges")

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class ContentKind(models.TextChoices):
    DISCUSSIONS = "discussions", _("Discussions and questions")
    DOCUMENTS = "documents", _("Shared documents")
    VIDEO = "video", _("Videos and recordings")
    WIKI = "wiki", _("Wiki or knowledge base")
    EVENTS = "events", _("Events and webinars")


class Effort(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class EsnFit(models.IntegerChoices):
    SEPARATE = 0, _("Separate from the ESN")
    LINKED = 1, _("Linked to the ESN")
    ESN = 2, _("Is the ESN, or part of it")


class Tool(models.Model):
    """A collaboration tool the organisation offers, described on the checklist's criteria."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    max_audience = models.PositiveIntegerField(
        _("largest audience"), help_text=_("The number of members it serves well.")
    )
    confidential = models.BooleanField(_("fit for confidential content"), default=False)
    external_members = models.BooleanField(_("accepts members outside the company"), default=False)
    synchronous = models.BooleanField(_("live exchanges (chat, calls)"), default=False)
    asynchronous = models.BooleanField(
        _("exchanges at one's own pace (posts, threads)"), default=True
    )
    content_kinds = models.JSONField(_("content kinds"), default=list, blank=True)
    mobile = models.BooleanField(_("good mobile app"), default=False)
    esn_fit = models.PositiveSmallIntegerField(
        _("fit with the ESN"), choices=EsnFit.choices, default=EsnFit.SEPARATE
    )
    governance_effort = models.PositiveSmallIntegerField(
        _("governance effort"),
        choices=Effort.choices,
        default=Effort.MEDIUM,
        help_text=_("The administration a community must do to run it well."),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("collaboration tool")
        verbose_name_plural = _("collaboration tools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
