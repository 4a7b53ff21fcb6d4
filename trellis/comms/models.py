"""Communication: news posts, newsletter issues with their items, subscriptions, deliveries."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import Person


class NewsPost(models.Model):
    """A news post of the programme (no community) or of one community.

    It shows from `publish_at` on once published: a post published with a future date is
    scheduled and appears by itself when due (no task needed, lists filter on the date).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20_000)
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="news",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publication date"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news posts")
        ordering = ["-publish_at", "-pk"]
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("news_detail", args=[self.pk])

    def is_visible(self, now: dt.datetime | None = None) -> bool:
        return self.status == self.Status.PUBLISHED and self.publish_at <= (now or timezone.now())

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.publish_at > timezone.now()


class Newsletter(models.Model):
    """One issue of the newsletter: drafted from a period, edited by the office, sent once."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True, max_length=5_000)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    notes = models.JSONField(default=list, blank=True)  # what the draft could not include
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("newsletter_issue", args=[self.pk])


class NewsletterItem(models.Model):
    """An entry of an issue, copied from its source when the draft was made.

    A copy, so that the archive shows what was sent even after the source changes. KPI
    highlights keep their figures in `data` and get their label in each reader's language.
    """

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("New community")
        STORY = "story", _("Success story")
        EVENT = "event", _("Upcoming event")
        AWARD = "award", _("Award")
        KPI = "kpi", _("Figure")
        NEWS = "news", _("News")

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    url = models.CharField(max_length=500, blank=True)  # a path of the site
    when = models.DateTimeField(null=True, blank=True)  # events: their start
    source_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title or self.kind


class Subscription(models.Model):
    """A person's explicit choice about the newsletter (docs/communication.md).

    Without a row, members of a community receive it and other people do not; a row
    records an opt-in (subscribed=True) or an opt-out (subscribed=False), which wins.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="subscription")
    subscribed = models.BooleanField(_("subscribed"))
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("newsletter subscription")
        verbose_name_plural = _("newsletter subscriptions")

    def __str__(self) -> str:
        return f"{self.person} ({'in' if self.subscribed else 'out'})"


class Delivery(models.Model):
    """That an issue went (or is going) to a person: the guard against a second copy.

    The row is claimed before the e-mail goes out; its uniqueness makes a retried or
    concurrent task skip the person. `sent_at` stays empty when the send itself failed.
    """

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    claim = models.CharField(max_length=32)
    language = models.CharField(max_length=8, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "person"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.newsletter_id} → {self.person_id}"
