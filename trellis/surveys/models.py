"""The annual member survey: questionnaires, campaigns, invitations and anonymous responses.

Anonymity is a property of this schema (docs/surveys.md): `Invitation` knows *who* was
invited and *whether* they answered; `Response` and `Answer` hold *what* was answered and
have no field or relation leading back to a person, an invitation or a token, no IP, no
user agent and no time of day (the date only). tests/test_surveys_anonymity.py walks the
model graph to prove it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import BusinessUnit, Person

# Thresholds (guide/product.md): a group's figures need at least DEFAULT_MIN_RESPONDENTS
# respondents (never fewer than MIN_RESPONDENTS_FLOOR), its comments DEFAULT_MIN_COMMENTS.
MIN_RESPONDENTS_FLOOR = 3
DEFAULT_MIN_RESPONDENTS = 5
DEFAULT_MIN_COMMENTS = 10
COMMENT_MAX_CHARS = 5000


class SurveyTemplate(models.Model):
    """One version of a questionnaire. A version used by an opened campaign never changes."""

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="survey_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_locked(self) -> bool:
        """Used by a campaign that has opened: its wording is what respondents saw."""
        return self.campaigns.exclude(status=Campaign.Status.DRAFT).exists()


class Question(models.Model):
    class Type(models.TextChoices):
        LIKERT = "likert", _("Agreement, 1 to 5")
        SCALE10 = "scale10", _("Scale, 0 to 10")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        NUMBER = "number", _("Number")
        TEXT = "text", _("Free text")

    class Section(models.TextChoices):
        GLOBAL = "global", _("About the programme")
        COMMUNITY = "community", _("About each community")

    class Dimension(models.TextChoices):
        NONE = "", _("None")
        ENGAGEMENT = "engagement", _("Engagement")
        VALUE = "value", _("Perceived value")
        NPS = "nps", _("Net promoter score")
        HOURS = "hours", _("Hours saved per month")

    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=50)
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    text_en = models.CharField(_("wording (English)"), max_length=500)
    text_fr = models.CharField(_("wording (French)"), max_length=500)
    # [{"value": "weekly", "en": "Every week", "fr": "Chaque semaine"}, ...]
    choices: models.JSONField[Any, Any] = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    min_value = models.FloatField(_("smallest number"), null=True, blank=True)
    max_value = models.FloatField(_("largest number"), null=True, blank=True)
    # Which KPI of kpis.md the question feeds (engagement_score, value_score, nps).
    dimension = models.CharField(
        _("feeds"), max_length=16, choices=Dimension.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["template", "section", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="survey_question_code")
        ]

    def __str__(self) -> str:
        return self.code

    def text(self, language: str | None = None) -> str:
        language = language or get_language() or "en"
        return self.text_fr if language.startswith("fr") and self.text_fr else self.text_en

    def choice_labels(self, language: str | None = None) -> list[tuple[str, str]]:
        lang = "fr" if (language or get_language() or "en").startswith("fr") else "en"
        return [
            (str(c["value"]), str(c.get(lang) or c.get("en") or c["value"])) for c in self.choices
        ]

    @property
    def bounds(self) -> tuple[float, float] | None:
        if self.type == self.Type.LIKERT:
            return (1, 5)
        if self.type == self.Type.SCALE10:
            return (0, 10)
        if self.type == self.Type.NUMBER:
            return (
                self.min_value if self.min_value is not None else 0,
                self.max_value if self.max_value is not None else 1_000_000,
            )
        return None


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    template = models.ForeignKey(
        SurveyTemplate,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    # Population filters: empty means every community that counts in the year.
    communities = models.ManyToManyField(
        Community, verbose_name=_("only these communities"), blank=True, related_name="+"
    )
    business_unit = models.ForeignKey(
        BusinessUnit,
        verbose_name=_("only this business unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Frozen when the campaign opens (services refuse any change afterwards).
    min_respondents = models.PositiveSmallIntegerField(
        _("minimum respondents per group"), default=DEFAULT_MIN_RESPONDENTS
    )
    min_comments = models.PositiveSmallIntegerField(
        _("minimum respondents to show comments"), default=DEFAULT_MIN_COMMENTS
    )
    external = models.BooleanField(
        _("run in another tool"),
        default=False,
        help_text=_("Results are imported from a CSV file; Trellis sends no invitation."),
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_respondents__gte=MIN_RESPONDENTS_FLOOR),
                name="campaign_min_respondents_floor",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="campaign_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class Invitation(models.Model):
    """Who was invited and whether they answered — never what they answered.

    `token_hash` is the SHA-256 of the random token of the invitation e-mail;
    `reminder_token_hash` that of the latest reminder (both links work). The tokens
    themselves exist only in the e-mails.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    communities = models.ManyToManyField(Community, related_name="+", blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    reminder_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    responded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="invitation_once")
        ]
        indexes = [models.Index(fields=["campaign", "responded"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.person_id}"


class Response(models.Model):
    """One anonymous answer sheet: the global section (community is None) or one community's.

    Deliberately absent: person, invitation, token, IP, user agent, time of day.
    `business_unit` is a coarse attribute copied at submission on the global section only,
    so that results per business unit exist; it is shown only for groups above threshold.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField(null=True, blank=True)
    imported = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["campaign", "community"])]

    def __str__(self) -> str:
        return f"response {self.pk}"


class Answer(models.Model):
    """One answer: a number (Likert, scale, number) or a text (choice value, free text).

    A multiple choice stores one row per chosen value.
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    # Copies of the response's group (same values, no more information), so that results
    # group the answers through one covering index, without a join (bench/survey_results.py).
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    business_unit = models.ForeignKey(
        BusinessUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["question", "number"]),
            models.Index(
                fields=["campaign", "question", "community", "business_unit", "number"],
                name="survey_answer_group",
            ),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"


class ResultsImport(models.Model):
    """A survey-results file imported into a campaign (the same file is refused twice)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sha256"], name="survey_import_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.sha256[:12]}"
