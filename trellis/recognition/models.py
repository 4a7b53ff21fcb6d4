"""Awards and labels: campaigns, categories, eligibility criteria, nominations, secret votes.

A campaign moves through its phases: draft → nominations → voting (when the member vote is
on) → jury → published. A candidate is one nominee (a community or a person) of a category;
nominations point at it, the jury marks winners, and winners are public once the campaign
is published.

The member vote is secret by construction (the survey's design): a `Ballot` says what was
chosen and nothing about who chose, no time either, and has a random key so that its order
does not follow the order of the `VoterRoll`, which says who voted in a category and
nothing about what. Both are written in one transaction (services.vote_cast).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import Person


class AwardCampaign(models.Model):
    class Phase(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NOMINATIONS = "nominations", _("Nominations open")
        VOTING = "voting", _("Member vote")
        JURY = "jury", _("Jury decision")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"))
    # Typed by the office in the language it chooses; labels around it are translated.
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    member_vote = models.BooleanField(
        _("member vote"),
        default=False,
        help_text=_("Members of the programme vote for the nominees before the jury decides."),
    )
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("award campaign")
        verbose_name_plural = _("award campaigns")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="award_campaign_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("award_campaign_public", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.phase == self.Phase.PUBLISHED


class Category(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Communities")
        PERSON = "person", _("People")

    campaign = models.ForeignKey(AwardCampaign, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("nominees"), max_length=16, choices=Kind.choices)
    is_label = models.BooleanField(
        _("label"),
        default=False,
        help_text=_(
            "A label (for example 'Active community') may go to several nominees; "
            "an award usually goes to one."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("award category")
        verbose_name_plural = _("award categories")
        ordering = ["campaign", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="award_category_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.campaign}"


class Criterion(models.Model):
    """One eligibility rule, computed from the figures of the campaign's year."""

    class Source(models.TextChoices):
        KPI = "kpi", _("KPI")
        SURVEY = "survey", _("Survey result")
        STORIES = "stories", _("Success stories")

    class Operator(models.TextChoices):
        AT_LEAST = "gte", _("at least")
        AT_MOST = "lte", _("at most")
        TRUE = "true", _("is true")

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="criteria")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    metric = models.CharField(_("figure"), max_length=64)
    operator = models.CharField(_("condition"), max_length=8, choices=Operator.choices)
    threshold = models.DecimalField(
        _("threshold"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("eligibility criterion")
        verbose_name_plural = _("eligibility criteria")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return f"{self.metric} {self.operator} {self.threshold}"


class Candidate(models.Model):
    """A nominee of a category: a community or a person, never both.

    It does not point at its nominations (nor at who nominated), so that a ballot that
    points at it leads to no voter.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="candidates")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    is_winner = models.BooleanField(_("winner"), default=False)
    citation = models.TextField(_("citation"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("nominee")
        verbose_name_plural = _("nominees")
        ordering = ["category", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=True, person__isnull=False)
                | Q(community__isnull=False, person__isnull=True),
                name="award_candidate_one_nominee",
            ),
            models.UniqueConstraint(
                fields=["category", "community"],
                condition=Q(community__isnull=False),
                name="award_candidate_community_once",
            ),
            models.UniqueConstraint(
                fields=["category", "person"],
                condition=Q(person__isnull=False),
                name="award_candidate_person_once",
            ),
        ]
        indexes = [models.Index(fields=["category", "is_winner"])]

    def __str__(self) -> str:
        return str(self.community or self.person)

    def get_absolute_url(self) -> str:
        return reverse("award_winner", args=[self.pk])

    @property
    def nominee(self) -> Community | Person:
        nominee = self.community or self.person
        assert nominee is not None
        return nominee


class Nomination(models.Model):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="nominations")
    nominator = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    justification = models.TextField(_("justification"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["candidate", "created_at", "id"]
        constraints = [
            # One nomination per nominator, category and nominee (the candidate is both).
            models.UniqueConstraint(fields=["candidate", "nominator"], name="nomination_once")
        ]

    def __str__(self) -> str:
        return f"{self.nominator} → {self.candidate}"


class VoterRoll(models.Model):
    """Who voted in a category — never for whom."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(fields=["category", "person"], name="vote_once_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.person_id}"


class Ballot(models.Model):
    """One secret vote: the category and the chosen nominee; no voter, no time.

    The random primary key keeps ballots from being matched with the voter roll by order.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        indexes = [models.Index(fields=["category", "candidate"])]

    def __str__(self) -> str:
        return "ballot"
