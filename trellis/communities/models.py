from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trellis.people.models import BusinessUnit, Person


class Stage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    INCUBATING = "incubating", _("Incubating")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    CLOSED = "closed", _("Closed")


class Role(models.TextChoices):
    LEADER = "leader", _("Leader")
    CO_LEADER = "co-leader", _("Co-leader")
    CORE_TEAM = "core team", _("Core team")
    MEMBER = "member", _("Member")
    SPONSOR = "sponsor", _("Sponsor")


LEADER_ROLES = (Role.LEADER, Role.CO_LEADER)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    purpose = models.CharField(
        _("purpose"), max_length=500, blank=True, help_text=_("The domain, in one sentence.")
    )
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="communities"
    )
    business_units = models.ManyToManyField(
        BusinessUnit, verbose_name=_("business units"), blank=True, related_name="communities"
    )
    # Language codes separated by "|" ("en|fr"), the format of communities.csv.
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.PROPOSED, db_index=True
    )
    launched = models.DateField(_("launched"), null=True, blank=True)
    closed = models.DateField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community_detail", args=[self.slug])

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split("|") if code]


class StageChange(models.Model):
    """The dated history of a community's lifecycle stage."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.community} → {self.stage} ({self.on})"


class Membership(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined = models.DateField(_("joined"))
    left = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # At most one active membership per person and community.
            models.UniqueConstraint(
                fields=["person", "community"],
                condition=Q(left__isnull=True),
                name="membership_one_active",
            ),
            models.CheckConstraint(
                condition=Q(left__isnull=True) | Q(left__gte=models.F("joined")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "left"]),
            models.Index(fields=["person", "left"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.community} ({self.get_role_display()})"

    def is_active_on(self, day: dt.date) -> bool:
        return self.joined <= day and (self.left is None or self.left > day)


class SpaceLink(models.Model):
    """An ESN space (Viva Engage group, Slack channel…) that belongs to a community.

    `space` is the space's id in its source or its exact name, so a mapping can be set
    before the space's activity is imported.
    """

    class Source(models.TextChoices):
        VIVA_ENGAGE = "viva-engage", _("Viva Engage")
        SLACK = "slack", _("Slack")
        M365_USAGE = "m365-usage", _("Microsoft 365 usage report")
        CSV = "csv", _("Activity CSV")

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    space = models.CharField(_("space"), max_length=300)
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="spaces"
    )
    url = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("ESN space")
        verbose_name_plural = _("ESN spaces")
        constraints = [
            models.UniqueConstraint(fields=["source", "space"], name="spacelink_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.space}"


class CharterVersion(models.Model):
    """One saved version of a community's charter for a year; the latest one is current."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="charters")
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    purpose = models.TextField(_("purpose"), blank=True)
    scope = models.TextField(_("scope"), blank=True)
    audience = models.TextField(_("audience"), blank=True)
    participation_rules = models.TextField(_("participation rules"), blank=True)
    activities = models.TextField(_("activities and cadence"), blank=True)
    roles = models.TextField(_("roles"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        Person,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    TEXT_FIELDS = ("purpose", "scope", "audience", "participation_rules", "activities", "roles")

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["community", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "version"], name="charter_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year} v{self.version}"


class Objective(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ON_TRACK = "on track", _("On track")
        AT_RISK = "at risk", _("At risk")
        MET = "met", _("Met")
        MISSED = "missed", _("Missed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="objectives")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300)
    indicator = models.CharField(_("indicator"), max_length=300, blank=True)
    target = models.CharField(_("target"), max_length=100, blank=True)
    result = models.CharField(_("result"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["community", "-year", "id"]
        indexes = [models.Index(fields=["community", "year"])]

    def __str__(self) -> str:
        return self.title
