"""Success stories told as value-creation stories (Wenger, Trayner & de Laat).

A story walks through the five cycles of value: what happened in the community
(immediate), what it produced (potential), what changed in practice (applied), the
result for the organisation (realized), and how success itself was redefined
(reframing). Quantified benefits are structured rows so that they can be summed; only
the amounts a reviewer validated count in the KPIs.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community, Tag
from trellis.people.models import Person


class Cycle(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate value")
    POTENTIAL = "potential", _("Potential value")
    APPLIED = "applied", _("Applied value")
    REALIZED = "realized", _("Realized value")
    REFRAMING = "reframing", _("Reframing value")


CYCLE_HELP = {
    Cycle.IMMEDIATE: _("Activities and interactions were useful in themselves."),
    Cycle.POTENTIAL: _("The community produced knowledge, tools or contacts that can be reused."),
    Cycle.APPLIED: _("People changed how they work because of it."),
    Cycle.REALIZED: _("The change improved a measurable result."),
    Cycle.REFRAMING: _("It changed how success is defined or how the organisation works."),
}


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated by a leader")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class Story(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"),
        max_length=400,
        help_text=_("Two or three sentences a sponsor reads first."),
    )
    context = models.TextField(
        _("context and problem"), help_text=_("What was the situation, and what was the problem?")
    )
    community_action = models.TextField(
        _("what the community did"),
        help_text=_("Discussions, events, documents, help between members…"),
    )
    practice_change = models.TextField(
        _("what changed in practice"),
        blank=True,
        help_text=_("Who works differently now, and how?"),
    )
    result = models.TextField(
        _("the result"), blank=True, help_text=_("What improved for the organisation?")
    )
    reframing = models.TextField(
        _("what was rethought"),
        blank=True,
        help_text=_("Optional: did it change how success is defined, or a strategy?"),
    )
    beneficiaries = models.TextField(
        _("beneficiaries"), blank=True, help_text=_("Teams, sites, customers who benefited.")
    )
    evidence_links = models.TextField(
        _("evidence links"),
        blank=True,
        help_text=_("One web address per line (reports, threads, documents)."),
    )
    # Cycle codes separated by "|" ("immediate|applied"), as Community.languages: no code
    # is a substring of another, so a filter can use `cycles__contains`.
    cycles = models.CharField(_("value cycles"), max_length=100, blank=True)
    communities = models.ManyToManyField(
        Community, verbose_name=_("communities"), related_name="stories"
    )
    contributors = models.ManyToManyField(
        Person, verbose_name=_("contributors"), blank=True, related_name="stories"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="stories")
    year = models.PositiveSmallIntegerField(
        _("year"), help_text=_("The year the value was created.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True, db_index=True)
    refusal_reason = models.TextField(_("reason for sending back"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["status", "published_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("story_detail", args=[self.pk])

    @property
    def cycle_list(self) -> list[str]:
        return [code for code in self.cycles.split("|") if code]

    @property
    def cycle_labels(self) -> list[str]:
        labels = dict(Cycle.choices)
        return [str(labels[c]) for c in self.cycle_list if c in labels]

    @property
    def evidence_list(self) -> list[str]:
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT


class Benefit(models.Model):
    """One quantified benefit of a story; it counts in the KPIs once a reviewer validates it."""

    class Kind(models.TextChoices):
        HOURS_SAVED = "hours_saved", _("Hours saved")
        COST_AVOIDED = "cost_avoided", _("Cost avoided")
        REVENUE = "revenue", _("Revenue")
        QUALITY = "quality", _("Quality")
        SAFETY = "safety", _("Safety")
        CUSTOMER_SATISFACTION = "customer_satisfaction", _("Customer satisfaction")
        ONBOARDING_TIME = "onboarding_time", _("Onboarding time")
        OTHER = "other", _("Other")

    class Period(models.TextChoices):
        ONCE = "once", _("One-off")
        PER_MONTH = "month", _("Per month")
        PER_YEAR = "year", _("Per year")

    class Confidence(models.TextChoices):
        ESTIMATED = "estimated", _("Estimated")
        MEASURED = "measured", _("Measured")
        AUDITED = "audited", _("Audited")

    # The unit that `value_hours` adds up; a three-letter code is a currency.
    HOURS = "hours"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.CharField(
        _("unit or currency"),
        max_length=20,
        help_text=_('"hours", a currency code such as EUR, or another unit such as %.'),
    )
    period = models.CharField(
        _("period"), max_length=8, choices=Period.choices, default=Period.PER_YEAR
    )
    confidence = models.CharField(
        _("confidence"), max_length=16, choices=Confidence.choices, default=Confidence.ESTIMATED
    )
    method = models.TextField(
        _("how it was estimated"), help_text=_("The calculation, its sources and assumptions.")
    )
    validated = models.BooleanField(_("validated"), default=False)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quantified benefit")
        verbose_name_plural = _("quantified benefits")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} {self.unit}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the content hash: user-chosen names never reach the filesystem.
    return f"stories/{instance.story_id}/{instance.sha256}"


class Attachment(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    """A reviewer's or author's remark during review; refusals keep their reason here too."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        REFUSAL = "refusal", _("Sent back")

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:50]}"
