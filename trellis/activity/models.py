"""ESN activity and events: what level-1 KPIs are computed from.

Design (issue 4, "storage for speed"):
- `Message` keeps only what KPIs need from each ESN message, one narrow row, natural key
  (source, external_id) so overlapping exports never double-count. Messages that never
  count (deleted, private, system) are kept with `counted=False` so a later export that
  deletes a message updates it instead of re-adding it.
- Rollups are keyed by *space*, not community: remapping a space to another community
  needs no recomputation of the rollups, only of what is derived from the mapping.
  `SpaceDay` sums per space, day (in the programme time zone) and staff flag;
  `SpaceMonthContributor` holds one row per space, month and contributor for distinct
  counts (a year's active contributors = distinct contributors over its months).
- A contributor key is the person's id when the author resolves to a person, else the
  negated `EsnAuthor` id, so distinct counts need one integer column.
- `Message.day` is the message's day in the programme time zone, computed once at import
  (SQLite has no time zones), so rollups group by a column instead of converting times.
  Message has only two secondary indexes (natural key; space and day): every index costs
  import throughput, and nothing reads messages by author or by time except the rollups.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trellis.communities.models import Community
from trellis.people.models import Person


class Source(models.TextChoices):
    VIVA_ENGAGE = "viva-engage", _("Viva Engage")
    SLACK = "slack", _("Slack")
    M365_USAGE = "m365-usage", _("Microsoft 365 usage report")
    CSV = "csv", _("Activity CSV")


class Space(models.Model):
    """An ESN space (Viva Engage group, Slack channel, Teams channel…) seen in an import."""

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    external_id = models.CharField(_("id in the source"), max_length=200)
    name = models.CharField(_("name"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    is_private = models.BooleanField(_("private"), default=False)
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="esn_spaces",
    )
    first_seen = models.DateTimeField(auto_now_add=True)
    # Kept up to date by the rollup rebuild, so that lists sort spaces by volume without
    # aggregating: counted messages (posts + replies for aggregate sources) and last day.
    volume = models.PositiveBigIntegerField(_("messages"), default=0)
    last_day = models.DateField(_("last activity"), null=True, blank=True)

    class Meta:
        verbose_name = _("ESN space")
        verbose_name_plural = _("ESN spaces")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="space_natural_key")
        ]
        indexes = [models.Index(fields=["community"])]

    def __str__(self) -> str:
        return self.name or self.external_id


class EsnAuthor(models.Model):
    """An author as the ESN knows them, resolved to a person when possible."""

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    external_id = models.CharField(_("id in the source"), max_length=200)
    name = models.CharField(_("name"), max_length=300, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="esn_authors"
    )

    class Meta:
        verbose_name = _("ESN author")
        verbose_name_plural = _("ESN authors")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="esnauthor_natural_key")
        ]
        indexes = [models.Index(fields=["person"])]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id

    @property
    def contributor_key(self) -> int:
        return self.person_id if self.person_id is not None else -self.pk


class AuthorAlias(models.Model):
    """Maps an ESN identity that does not carry the person's e-mail to a person.

    `key` is an e-mail (lower-case) or an ESN user id; `source` empty means any source.
    """

    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    key = models.CharField(_("e-mail or ESN user id"), max_length=254)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="aliases"
    )

    class Meta:
        verbose_name = _("author alias")
        verbose_name_plural = _("author aliases")
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="alias_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.person}"


class Message(models.Model):
    """One ESN message, kept compactly (what KPIs need, not the text)."""

    source = models.CharField(max_length=16, choices=Source.choices)
    external_id = models.CharField(max_length=64)
    # No single-column indexes: (space, day) serves lookups by space.
    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        EsnAuthor, null=True, on_delete=models.SET_NULL, related_name="messages", db_index=False
    )
    created_at = models.DateTimeField()
    day = models.DateField()  # created_at's day in the programme time zone
    is_post = models.BooleanField()  # starts a thread; else a reply
    reactions = models.PositiveIntegerField(default=0)
    # False for deleted messages, private conversations/DMs and system messages.
    counted = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("ESN message")
        verbose_name_plural = _("ESN messages")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="message_natural_key")
        ]
        indexes = [models.Index(fields=["space", "day"], name="message_space_day")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class SpaceDay(models.Model):
    """Counted messages per space and day (programme time zone), split by staff flag."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    staff = models.BooleanField(default=False)
    posts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    # Only for sources that report aggregates (the generic CSV): authors active that day.
    active_authors = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "day", "staff"], name="spaceday_unique")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.space_id} {self.day}"


class SpaceMonthContributor(models.Model):
    """One row per space, month (first day) and contributor, for distinct counts."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="contributors")
    month = models.DateField()
    contributor = models.BigIntegerField()  # person id, or -EsnAuthor id when unresolved
    staff = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "month", "contributor"], name="spacemonthcontributor_unique"
            )
        ]
        indexes = [
            models.Index(fields=["month"]),
            # Which spaces and months an author's contributions touch (alias changes).
            models.Index(fields=["contributor"], name="smc_contributor"),
        ]

    def __str__(self) -> str:
        return f"{self.space_id} {self.month} {self.contributor}"


class UsageReport(models.Model):
    """A Microsoft 365 groups activity report row: aggregates only, its own series."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="usage_reports")
    refreshed_on = models.DateField(_("report refresh date"))
    period_days = models.PositiveSmallIntegerField(_("report period (days)"))
    last_activity = models.DateField(_("last activity"), null=True, blank=True)
    member_count = models.PositiveIntegerField(null=True, blank=True)
    posted_count = models.PositiveIntegerField(null=True, blank=True)
    read_count = models.PositiveIntegerField(null=True, blank=True)
    liked_count = models.PositiveIntegerField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "refreshed_on", "period_days"], name="usagereport_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.space_id} {self.refreshed_on} D{self.period_days}"


class ImportJob(models.Model):
    """One activity import: its file, status, progress, counts and error report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    filename = models.CharField(_("file"), max_length=300)
    path = models.CharField(max_length=500, blank=True)  # stored upload, for reruns
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    dry_run = models.BooleanField(default=False)
    # Source options, e.g. {"memberships": true} to add Slack channel members.
    options: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    progress = models.PositiveIntegerField(default=0)  # rows read so far
    total = models.PositiveIntegerField(null=True, blank=True)  # rows expected, when known
    counts: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    errors: models.JSONField[Any, Any] = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of a running import; a running job without one for a while was
    # killed and may be retried.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.filename} ({self.get_status_display()})"


class Event(models.Model):
    class Type(models.TextChoices):
        WEBINAR = "webinar", _("Webinar")
        MEETING = "meeting", _("Meeting")
        WORKSHOP = "workshop", _("Workshop")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.WEBINAR)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    attendee_count = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    attendees = models.ManyToManyField(
        Person, verbose_name=_("attendee list"), blank=True, related_name="events_attended"
    )
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    external_id = models.CharField(max_length=200, blank=True)  # natural key for CSV imports
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-start"]
        indexes = [models.Index(fields=["community", "start"])]

    def __str__(self) -> str:
        return self.title
