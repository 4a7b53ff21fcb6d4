"""Programme support: engagement letters, escalations with their mediator, resource requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import Person

# --- Engagement letters -----------------------------------------------------------------------


class EngagementLetter(models.Model):
    """A manager's written agreement that a leader or core-team member spends time on a
    community, for a period, with objectives.

    The manager signs in the app (when they have a login) or from a personal link: only
    the SHA-256 of the link's token is stored, the link works once and until
    `token_expires_at`.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent for signature")
        SIGNED = "signed", _("Signed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    class TimeUnit(models.TextChoices):
        PERCENT = "percent", _("% of working time")
        HOURS = "hours", _("hours per month")

    class Via(models.TextChoices):
        APP = "app", _("in the application")
        LINK = "link", _("from the e-mailed link")

    # Letters that hold a period: a new letter must not overlap them.
    LIVE_STATUSES = (Status.DRAFT, Status.SENT, Status.SIGNED)

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="engagement_letters",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="engagement_letters",
    )
    manager = models.ForeignKey(
        Person,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="letters_to_sign",
    )
    time_unit = models.CharField(
        _("time unit"), max_length=8, choices=TimeUnit.choices, default=TimeUnit.PERCENT
    )
    time_amount = models.DecimalField(
        _("time granted"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    objectives = models.TextField(_("objectives"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    renewed_from = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_via = models.CharField(_("signed"), max_length=8, choices=Via.choices, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=200, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    reminded_at = models.DateTimeField(_("expiry reminder sent at"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("engagement letter")
        verbose_name_plural = _("engagement letters")
        ordering = ["-start", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="letter_end_after_start",
                violation_error_message=_("The end of the period is before its start."),
            ),
        ]
        indexes = [
            models.Index(fields=["person", "community", "start"]),
            models.Index(fields=["community", "end"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.community} ({self.start}–{self.end})"

    def get_absolute_url(self) -> str:
        return reverse("letter_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_signable(self) -> bool:
        return self.status == self.Status.SENT

    def is_valid_on(self, day: dt.date) -> bool:
        return self.signed_at is not None and self.start <= day <= self.end


# --- Escalations ------------------------------------------------------------------------------


class Escalation(models.Model):
    """A problem raised by a leader or a member, handled by the office and a mediator.

    Private: only the person who raised it, the programme office and the assigned mediator
    may know it exists (trellis/programme/access.py).
    """

    class Kind(models.TextChoices):
        TIME = "time", _("Lack of time or conflict with the manager")
        TOOLING = "tooling", _("Tooling")
        CONFLICT = "conflict", _("Conflict in the community")
        SPONSOR = "sponsor", _("Missing sponsor")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_MEDIATION = "mediation", _("In mediation")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed without resolution")

    OPEN_STATUSES = (Status.OPEN, Status.IN_MEDIATION)

    raised_by = models.ForeignKey(
        Person, verbose_name=_("raised by"), on_delete=models.CASCADE, related_name="escalations"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="escalations"
    )
    kind = models.CharField(_("kind of problem"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    mediator = models.ForeignKey(
        Person,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediations",
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    resolution = models.TextField(_("resolution note"), blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        # Never the description: audit entries and logs keep the private content out.
        return f"#{self.pk} {self.get_kind_display()} — {self.community}"

    def get_absolute_url(self) -> str:
        return reverse("escalation_detail", args=[self.pk])


# --- Resources --------------------------------------------------------------------------------


class ResourceRequest(models.Model):
    """A community's request for budget, tools, facilitation, training or time in a year."""

    class Kind(models.TextChoices):
        BUDGET = "budget", _("Budget")
        TOOLS = "tools", _("Tools")
        FACILITATION = "facilitation", _("Facilitation")
        TRAINING = "training", _("Training")
        TIME = "time", _("Time")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        USED = "used", _("Used")

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="resource_requests",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("what is requested"), max_length=200)
    amount = models.DecimalField(
        _("amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the programme currency (hours for time)."),
    )
    justification = models.TextField(_("why it is needed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    decision_note = models.TextField(_("decision notes"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("resource request")
        verbose_name_plural = _("resource requests")
        ordering = ["-year", "-created_at", "-id"]
        indexes = [models.Index(fields=["year", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.community} {self.year}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("resource_detail", args=[self.pk])
